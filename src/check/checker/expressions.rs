//! Expressions: the dispatch by kind, literals, windows, membership and function calls.

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::{Dim, Ty, currency, duration_unit};
use crate::program::{CmpOp, Const, Func, Ir, Window};
use crate::suggest::closest;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, InTarget, RangeKind};

use super::conditions::Unhandled;
use super::declarations::local_midnight;
use super::{Checker, MAX_CHECK_WORK, T, expr_text, num_const};

impl<'a> Checker<'a> {
    pub(super) fn expr(&mut self, e: &Expr) -> Option<T> {
        if !self.spend_work(e) {
            return None;
        }
        match &e.kind {
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::And(operands) => self.logic_chain(BinOp::And, operands),
            ExprKind::Or(operands) => self.logic_chain(BinOp::Or, operands),
            ExprKind::Arith { first, rest } => self.arith_chain(first, rest),
            ExprKind::Number(n) => Some(T::new(
                Ir::Const(Const::Num(*n)),
                Ty::Num(if n.fract().is_zero() { Dim::Count } else { Dim::Decimal }),
            )),
            ExprKind::Percent(n) => Some(T::new(
                Ir::Const(Const::Num(*n / Decimal::ONE_HUNDRED)),
                Ty::Num(Dim::Fraction),
            )),
            ExprKind::Quantity(n, unit) => self.quantity(*n, unit),
            ExprKind::Text(s) => Some(T::new(Ir::Const(Const::Text(s.as_str().into())), Ty::Text)),
            ExprKind::Bool(b) => Some(T::new(Ir::Const(Const::Bool(*b)), Ty::Bool)),
            ExprKind::Timestamp(lit) => self.timestamp(lit, e.span),
            ExprKind::Set(items) => self.text_set(items),
            ExprKind::Name(id) => self.name(id),
            ExprKind::Field(base, field) => self.field(base, field),
            ExprKind::Neg(inner) => self.negate(inner),
            ExprKind::Not(inner) => self.not(inner),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e),
            ExprKind::In { value, target, negated } => {
                let t = self.membership(value, target)?;
                Some(if *negated {
                    T {
                        ir: Ir::Not(Box::new(t.ir.clone())),
                        ..t
                    }
                } else {
                    t
                })
            }
            ExprKind::IsKnown(inner, known) => self.is_known(inner, *known, e),
            ExprKind::IsWaitlisted(inner) => self.is_waitlisted(inner),
            ExprKind::IfUnknown(value, default) => self.if_unknown(value, default, e),
            ExprKind::As(value, unit) => self.convert(value, unit),
            ExprKind::Aggregate { op, source, filter } => self.aggregate(*op, source, filter.as_deref(), e),
            ExprKind::Where(list, filter) => self.where_filter(list, filter),
            ExprKind::Call(name, args) => self.call(name, args, e),
            ExprKind::Tiers { kind, subject, rows } => self.tiers(*kind, subject, rows, e),
            ExprKind::Lookup { keys, rows } => self.lookup(keys, rows, e),
            ExprKind::Rank { keys, within } => self.rank(keys, within, e),
        }
    }

    /// Counts one expression check; false (having said so once) when the campaign has used up
    /// its allowance.
    fn spend_work(&mut self, e: &Expr) -> bool {
        // List definitions are re-checked where they are used; bound the total work so that
        // definitions referring to each other many times cannot take exponential time.
        self.work += 1;
        if self.work > MAX_CHECK_WORK {
            if !self.work_exhausted {
                self.work_exhausted = true;
                self.error(
                    Diagnostic::error(
                        Code::TooLarge,
                        e.span,
                        "the campaign is too large to check: its definitions refer to each other too many times",
                        "checking stopped here",
                    )
                    .with_help("simplify the campaign: define shared parts once with `let` and use fewer nested list definitions"),
                );
            }
            return false;
        }
        true
    }

    /// A set of texts, sorted, each listed once.
    fn text_set(&mut self, items: &[ast::Text]) -> Option<T> {
        let mut values: Vec<Arc<str>> = Vec::new();
        for item in items {
            if values.iter().any(|v| &**v == item.value.as_str()) {
                self.error(
                    Diagnostic::warning(
                        Code::DuplicateDefinition,
                        item.span,
                        format!("\"{}\" is listed twice", item.value),
                        "listed again",
                    )
                    .with_help("remove the repeated text"),
                );
            } else {
                values.push(item.value.as_str().into());
            }
        }
        values.sort();
        Some(T::new(Ir::Const(Const::Set(values.into())), Ty::TextSet))
    }

    /// `-x`.
    fn negate(&mut self, inner: &Expr) -> Option<T> {
        let t = self.expr(inner)?;
        match &t.ty {
            Ty::Num(_) | Ty::Duration => {
                let ir = match num_const(&t.ir) {
                    Some(n) => Ir::Const(Const::Num(-n)),
                    None => Ir::Neg(Box::new(t.ir.clone())),
                };
                Some(T { ir, ..t })
            }
            other => {
                let other = other.clone();
                self.type_error(
                    inner,
                    &format!("only numbers can be negated, but this is {other}"),
                    "remove the `-`",
                );
                None
            }
        }
    }

    /// `not x`.
    fn not(&mut self, inner: &Expr) -> Option<T> {
        let t = self.expr(inner)?;
        if t.ty != Ty::Bool {
            self.type_error(
                inner,
                &format!("`not` needs a condition, but this is {}", t.ty),
                "`not` goes before a yes/no fact or a comparison",
            );
            return None;
        }
        Some(T {
            ir: Ir::Not(Box::new(t.ir.clone())),
            ..t
        })
    }

    /// `x is known`, `x is unknown`.
    fn is_known(&mut self, inner: &Expr, known: bool, e: &Expr) -> Option<T> {
        let t = self.expr(inner)?;
        if !t.maybe {
            self.error(
                Diagnostic::warning(
                    Code::NeedlessUnknownRule,
                    e.span,
                    format!(
                        "`{}` is never unknown, so this test is always {}",
                        expr_text(inner),
                        if known { "true" } else { "false" }
                    ),
                    "always the same",
                )
                .with_help(
                    "only optional facts (`, optional`) and values computed from them can be unknown; remove the test",
                ),
            );
        }
        let ir = Ir::IsKnown(Box::new(t.ir.clone()));
        let ir = if known { ir } else { Ir::Not(Box::new(ir)) };
        Some(T {
            after_budget: t.after_budget,
            ..T::new(ir, Ty::Bool)
        })
    }

    /// `REWARD is waitlisted`.
    fn is_waitlisted(&mut self, inner: &Expr) -> Option<T> {
        let ExprKind::Name(id) = &inner.kind else {
            self.type_error(
                inner,
                "`is waitlisted` follows the name of a reward with a budget",
                "write `REWARD is waitlisted`",
            );
            return None;
        };
        match self.rewards.get(&id.name).copied() {
            Some(i) if self.reward_has_budget.get(i).copied().unwrap_or(false) => Some(T {
                after_budget: true,
                ..T::new(Ir::Waitlisted(i), Ty::Bool)
            }),
            Some(_) => {
                self.error(
                    Diagnostic::error(
                        Code::InvalidScope,
                        inner.span,
                        format!("the reward `{}` has no budget, so it is never waitlisted", id.name),
                        "no budget",
                    )
                    .with_help("add `, budget ... first come first served by ...` to the reward, or remove this test"),
                );
                None
            }
            None => {
                let names: Vec<String> = self.rewards.keys().cloned().collect();
                let mut d = Diagnostic::error(
                    Code::UnknownName,
                    id.span,
                    format!("there is no reward `{}`", id.name),
                    "unknown reward",
                );
                d = match closest(&id.name, names.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("`is waitlisted` follows the name of a reward with a budget"),
                };
                self.error(d);
                None
            }
        }
    }

    /// `x if unknown d`.
    fn if_unknown(&mut self, value: &Expr, default: &Expr, e: &Expr) -> Option<T> {
        let v = self.expr(value);
        let d = self.expr(default);
        let (v, d) = (v?, d?);
        if !v.maybe {
            self.error(
                Diagnostic::warning(
                    Code::NeedlessUnknownRule,
                    Span::new(value.span.end, e.span.end),
                    format!("`{}` is never unknown, so `if unknown` has no effect", expr_text(value)),
                    "never used",
                )
                .with_help("remove `if unknown ...`"),
            );
        }
        if !self.compatible(&v.ty, &d.ty, default) {
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    default.span,
                    format!(
                        "what unknown stands for must be {} like the value, but this is {}",
                        v.ty, d.ty
                    ),
                    "wrong kind",
                )
                .with_help(match &v.ty {
                    Ty::Bool => "write `if unknown true` or `if unknown false`".to_string(),
                    Ty::Num(d) => match d.unit_label() {
                        Some(u) => format!("write `if unknown 0 {u}`"),
                        None => "write a number, e.g. `if unknown 0`".into(),
                    },
                    _ => "write a value of the same kind".into(),
                }),
            );
            return None;
        }
        let exact = v.exact && d.exact;
        Some(
            T {
                after_budget: v.after_budget || d.after_budget,
                ..T::new(Ir::IfUnknown(Box::new(v.ir), Box::new(d.ir)), v.ty)
            }
            .maybe(d.maybe)
            .exact(exact),
        )
    }

    /// `x as UNIT`: an amount converted into a declared unit.
    fn convert(&mut self, value: &Expr, unit: &ast::Ident) -> Option<T> {
        let t = self.expr(value)?;
        let target = self.units.get(&unit.name).filter(|u| !u.currency).cloned();
        let Some(info) = target else {
            if let Some((code, _)) = currency(&unit.name) {
                self.error(
                    Diagnostic::error(
                        Code::UnitMismatch,
                        unit.span,
                        format!("converting into {code} needs an exchange rate"),
                        "currency conversion",
                    )
                    .with_help("multiply by a rate instead; `as` converts money into a declared unit such as points"),
                );
            } else {
                self.unknown_unit(unit);
            }
            return None;
        };
        match &t.ty {
            Ty::Num(Dim::Money(_) | Dim::Unit(_) | Dim::Count | Dim::Decimal) => Some(
                T {
                    ir: t.ir.clone(),
                    ty: Ty::Num(Dim::Unit(info.name.clone())),
                    ..t.clone()
                }
                .exact(t.exact && matches!(t.ty, Ty::Num(Dim::Count))),
            ),
            other => {
                let other = other.clone();
                self.type_error(
                    value,
                    &format!("only amounts can be converted with `as`, but this is {other}"),
                    "convert an amount of money or a count",
                );
                None
            }
        }
    }

    /// Checks `e`, requiring a known value of type `ty`: otherwise reports "`mismatch`, but
    /// this is ..." or that unknown is not handled (for a `what`), and gives `None`.
    pub(super) fn definite(&mut self, e: &Expr, ty: &Ty, mismatch: &str, help: &str, what: Unhandled) -> Option<T> {
        let t = self.expr(e)?;
        if t.ty != *ty {
            self.type_error(e, &format!("{mismatch}, but this is {}", t.ty), help);
            return None;
        }
        if t.maybe {
            self.unknown_not_handled(e, what);
            return None;
        }
        Some(t)
    }

    pub(super) fn type_error(&mut self, e: &Expr, message: &str, help: &str) {
        self.error(Diagnostic::error(Code::TypeMismatch, e.span, message, "here").with_help(help));
    }

    fn quantity(&mut self, n: Decimal, unit: &ast::Ident) -> Option<T> {
        // Percentage points: `rate - 1 pp` lowers a rate by one point (not by one percent of it).
        if unit.name == "pp" {
            return Some(T::new(
                Ir::Const(Const::Num(n / Decimal::ONE_HUNDRED)),
                Ty::Num(Dim::Fraction),
            ));
        }
        if let Some(seconds) = duration_unit(&unit.name) {
            let total = n * Decimal::from(seconds);
            let nanos = (total * Decimal::from(1_000_000_000i64)).trunc();
            let d = i64::try_from(nanos).ok().map(TimeDelta::nanoseconds);
            return match d {
                Some(d) => Some(T::new(Ir::Const(Const::Duration(d)), Ty::Duration)),
                None => {
                    self.error(
                        Diagnostic::error(Code::NumberTooLarge, unit.span, "this duration is too long", "too long")
                            .with_help("durations up to about 290 years are supported"),
                    );
                    None
                }
            };
        }
        if let Some((code, minor)) = currency(&unit.name) {
            self.note_currency(code, minor);
            let exact = n.scale() <= minor;
            return Some(T::new(Ir::Const(Const::Num(n)), Ty::Num(Dim::Money(code.into()))).exact(exact));
        }
        if let Some(info) = self.units.get(&unit.name).cloned() {
            let exact = (n / info.precision).fract().is_zero();
            self.used.insert(format!("unit:{}", unit.name));
            return Some(T::new(Ir::Const(Const::Num(n)), Ty::Num(Dim::Unit(info.name.clone()))).exact(exact));
        }
        self.unknown_unit(unit);
        None
    }

    fn timestamp(&mut self, lit: &ast::TimestampLit, span: Span) -> Option<T> {
        let date = NaiveDate::from_ymd_opt(lit.year, lit.month, lit.day);
        let Some(date) = date else {
            self.error(
                Diagnostic::error(
                    Code::InvalidDate,
                    span,
                    format!("`{}` is not a date on the calendar", lit.text),
                    "no such date",
                )
                .with_help("check the month (1–12) and the day of the month"),
            );
            return None;
        };
        let (h, m, s, ns) = lit.time.unwrap_or((0, 0, 0, 0));
        let (date, time) = if h == 24 {
            if m != 0 || s != 0 || ns != 0 {
                self.error(
                    Diagnostic::error(
                        Code::InvalidDate,
                        span,
                        format!("`{}` is not a time of day", lit.text),
                        "no such time",
                    )
                    .with_help(
                        "`24:00` is the only time after `23:59:59`; it means the end of the day (the next day's 00:00)",
                    ),
                );
                return None;
            }
            (date.succ_opt()?, NaiveTime::MIN)
        } else {
            match NaiveTime::from_hms_nano_opt(h, m, s, ns) {
                Some(t) if s < 60 => (date, t),
                _ => {
                    self.error(
                        Diagnostic::error(Code::InvalidDate, span, format!("`{}` is not a time of day", lit.text), "no such time")
                            .with_help("hours run from 00 to 23 (or `24:00` for the end of a day), minutes and seconds from 00 to 59"),
                    );
                    return None;
                }
            }
        };
        let naive = NaiveDateTime::new(date, time);
        let instant = match lit.offset {
            Some(offset) => chrono::FixedOffset::east_opt(offset)
                .and_then(|o| o.from_local_datetime(&naive).single())
                .map(|t| t.with_timezone(&Utc)),
            None => match self.tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                chrono::LocalResult::Ambiguous(_, _) => {
                    self.error(
                        Diagnostic::error(
                            Code::AmbiguousLocalTime,
                            span,
                            format!(
                                "`{}` happens twice in {} (the clocks go back)",
                                lit.text,
                                self.tz.name()
                            ),
                            "ambiguous time",
                        )
                        .with_help("add the offset to say which one, e.g. `2024-11-03 01:30 -07:00`"),
                    );
                    return None;
                }
                chrono::LocalResult::None => {
                    self.error(
                        Diagnostic::error(
                            Code::AmbiguousLocalTime,
                            span,
                            format!(
                                "`{}` does not exist in {} (the clocks go forward)",
                                lit.text,
                                self.tz.name()
                            ),
                            "skipped time",
                        )
                        .with_help("choose a time outside the daylight-saving change"),
                    );
                    return None;
                }
            },
        };
        let instant = instant?;
        let mut t = T::new(Ir::Const(Const::Time(instant)), Ty::Time);
        t.date_only = lit.time.is_none();
        Some(t)
    }

    /// A window from a range: constant when both ends are literals.
    pub(super) fn range(&mut self, r: &ast::Range) -> Option<T> {
        let start = self.expr(&r.start);
        let end = self.expr(&r.end);
        let (start, end) = (start?, end?);
        for (t, e) in [(&start, &r.start), (&end, &r.end)] {
            if t.ty != Ty::Time {
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        e.span,
                        format!("a window runs between two timestamps, but this is {}", t.ty),
                        "not a timestamp",
                    )
                    .with_help("write a date and time such as `2024-08-16 15:00`"),
                );
                return None;
            }
        }
        let mut end_ir = end.ir.clone();
        let mut end_inclusive = r.kind == RangeKind::Through;
        if end.date_only {
            match r.kind {
                RangeKind::Exclusive => {
                    self.error(
                        Diagnostic::error(
                            Code::AmbiguousWindowEnd,
                            r.end.span,
                            "a window written with `..` excludes its end, so this day would not be in it",
                            "the start of this day",
                        )
                        .with_help(format!(
                            "to include the whole day write `{} 24:00`, or write the range with `through`",
                            expr_text(&r.end)
                        )),
                    );
                    return None;
                }
                RangeKind::Through => {
                    // `through 2023-12-28` includes the whole day: up to the next midnight, excluded.
                    if let Ir::Const(Const::Time(t)) = end_ir {
                        let local = t.with_timezone(&self.tz).date_naive();
                        match local.succ_opt().and_then(|d| local_midnight(self.tz, d)) {
                            Some(next) => end_ir = Ir::Const(Const::Time(next)),
                            None => return None,
                        }
                        end_inclusive = false;
                    }
                }
            }
        }
        if let (Ir::Const(Const::Time(s)), Ir::Const(Const::Time(e))) = (&start.ir, &end_ir) {
            if e < s || (e == s && !end_inclusive) {
                self.error(
                    Diagnostic::error(
                        Code::WindowBackwards,
                        r.span,
                        "the window ends before it starts",
                        "backwards window",
                    )
                    .with_label(r.start.span, "start")
                    .with_label(r.end.span, "end")
                    .with_help("write the earlier time first: `START .. END`"),
                );
                return None;
            }
            return Some(T::new(
                Ir::Const(Const::Window(Window {
                    start: *s,
                    end: *e,
                    end_inclusive,
                })),
                Ty::Window,
            ));
        }
        let maybe = start.maybe || end.maybe;
        Some(
            T::new(
                Ir::MakeWindow {
                    start: Box::new(start.ir),
                    end: Box::new(end_ir),
                    end_inclusive,
                },
                Ty::Window,
            )
            .maybe(maybe),
        )
    }

    fn call(&mut self, name: &ast::Ident, args: &[Expr], whole: &Expr) -> Option<T> {
        if let Some(&(func, _, arity)) = Func::ALL.iter().find(|(_, n, _)| *n == name.name) {
            return self.calendar_call(func, name, arity, args, whole);
        }
        let is_min = match name.name.as_str() {
            "min" => true,
            "max" => false,
            other => {
                let mut d = Diagnostic::error(
                    Code::UnknownFunction,
                    name.span,
                    format!("there is no function `{other}`"),
                    "unknown function",
                );
                let names = ["min", "max"].into_iter().chain(Func::ALL.iter().map(|(_, n, _)| *n));
                d = match closest(other, names) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(
                        "the functions are `min`, `max`, `start_of_day`, `start_of_week`, `start_of_month`, `add_days`, `add_months`, `days_between`, `months_between` and `business_days_between`; aggregates are written `sum of list`",
                    ),
                };
                self.error(d);
                return None;
            }
        };
        if args.len() < 2 {
            self.error(
                Diagnostic::error(
                    Code::WrongArity,
                    whole.span,
                    format!("`{}` compares at least two values", name.name),
                    "too few values",
                )
                .with_help(format!(
                    "write `{}(a, b)`; for the {} of a list write `{} of list`",
                    name.name, name.name, name.name
                )),
            );
            return None;
        }
        let mut typed = Vec::new();
        for a in args {
            typed.push((self.expr(a)?, a));
        }
        let (first, _) = typed.first()?;
        let ty = first.ty.clone();
        let mut maybe = false;
        let mut exact = true;
        let mut after_budget = false;
        let mut irs = Vec::new();
        for (t, a) in &typed {
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Duration) {
                self.type_error(
                    a,
                    &format!(
                        "`{}` picks among numbers, amounts, timestamps or durations, but this is {}",
                        name.name, t.ty
                    ),
                    "use `and`/`or` to combine yes/no values",
                );
                return None;
            }
            if !self.compatible(&ty, &t.ty, a) {
                self.type_error(
                    a,
                    &format!("`{}` compares values of one kind: {ty} and {}", name.name, t.ty),
                    "give every value the same unit",
                );
                return None;
            }
            maybe |= t.maybe;
            exact &= t.exact;
            after_budget |= t.after_budget;
            irs.push(t.ir.clone());
        }
        let ir = if is_min { Ir::Min(irs) } else { Ir::Max(irs) };
        Some(
            T {
                after_budget,
                ..T::new(ir, ty)
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    fn calendar_call(&mut self, func: Func, name: &ast::Ident, arity: usize, args: &[Expr], whole: &Expr) -> Option<T> {
        if args.len() != arity {
            self.error(
                Diagnostic::error(
                    Code::WrongArity,
                    whole.span,
                    format!(
                        "`{}` takes {arity} value{}, not {}",
                        name.name,
                        if arity == 1 { "" } else { "s" },
                        args.len()
                    ),
                    "wrong number of values",
                )
                .with_help(match arity {
                    1 => format!("write `{}(timestamp)`", name.name),
                    _ => format!("write `{}(a, b)`", name.name),
                }),
            );
            return None;
        }
        let mut typed = Vec::new();
        for a in args {
            typed.push(self.expr(a)?);
        }
        let want_second_number = matches!(func, Func::AddDays | Func::AddMonths);
        for (i, (t, a)) in typed.iter().zip(args).enumerate() {
            let ok = if i == 1 && want_second_number {
                matches!(t.ty, Ty::Num(Dim::Count))
            } else {
                t.ty == Ty::Time
            };
            if !ok {
                let wanted = if i == 1 && want_second_number {
                    "a whole number"
                } else {
                    "a timestamp"
                };
                self.type_error(
                    a,
                    &format!("`{}` needs {wanted} here, but this is {}", name.name, t.ty),
                    "see docs/language.md, calendar functions",
                );
                return None;
            }
        }
        if func == Func::BusinessDaysBetween {
            self.uses_business_days = true;
        }
        let ty = match func {
            Func::StartOfDay | Func::StartOfWeek | Func::StartOfMonth | Func::AddDays | Func::AddMonths => Ty::Time,
            Func::DaysBetween | Func::BusinessDaysBetween => Ty::Num(Dim::Count),
            Func::MonthsBetween => Ty::Num(Dim::Decimal),
        };
        let maybe = typed.iter().any(|t| t.maybe);
        let after_budget = typed.iter().any(|t| t.after_budget);
        let irs = typed.into_iter().map(|t| t.ir).collect();
        Some(
            T {
                after_budget,
                ..T::new(Ir::Func(func, irs), ty)
            }
            .maybe(maybe)
            .exact(func != Func::MonthsBetween),
        )
    }

    fn membership(&mut self, value: &Expr, target: &InTarget) -> Option<T> {
        let v = self.expr(value);
        match target {
            InTarget::Range(r) => {
                let w = self.range(r);
                let (v, w) = (v?, w?);
                if v.ty != Ty::Time {
                    self.type_error(
                        value,
                        &format!("only timestamps can be in a window, but this is {}", v.ty),
                        "test a timestamp fact",
                    );
                    return None;
                }
                let maybe = v.maybe || w.maybe;
                Some(T::new(Ir::InWindow(Box::new(v.ir), Box::new(w.ir)), Ty::Bool).maybe(maybe))
            }
            InTarget::Expr(target) => {
                let w = self.expr(target);
                let (v, w) = (v?, w?);
                let maybe = v.maybe || w.maybe;
                let after_budget = v.after_budget || w.after_budget;
                match (&v.ty, &w.ty) {
                    (Ty::Time, Ty::Window) => {
                        Some(T::new(Ir::InWindow(Box::new(v.ir), Box::new(w.ir)), Ty::Bool).maybe(maybe))
                    }
                    (Ty::Time, Ty::Periods(p)) => Some(
                        T::new(Ir::InWindow(Box::new(v.ir), Box::new(Ir::PeriodsWindow(*p))), Ty::Bool).maybe(maybe),
                    ),
                    (Ty::Text, Ty::TextSet) => Some(
                        T {
                            after_budget,
                            ..T::new(Ir::InSet(Box::new(v.ir), Box::new(w.ir)), Ty::Bool)
                        }
                        .maybe(maybe),
                    ),
                    (Ty::Choice(choices), Ty::TextSet) => {
                        let Ir::Const(Const::Set(items)) = &w.ir else {
                            self.type_error(
                                target,
                                "a choice can only be tested against a set written in the campaign",
                                "write the set of choices",
                            );
                            return None;
                        };
                        let mut ir: Option<Ir> = None;
                        for item in items.iter() {
                            match choices.iter().position(|c| c.as_str() == &**item) {
                                Some(i) => {
                                    let test = Ir::Compare(
                                        CmpOp::Eq,
                                        Box::new(v.ir.clone()),
                                        Box::new(Ir::Const(Const::Choice(i as u32))),
                                    );
                                    ir = Some(match ir {
                                        Some(Ir::Or(mut tests)) => {
                                            tests.push(test);
                                            Ir::Or(tests)
                                        }
                                        Some(prev) => Ir::Or(vec![prev, test]),
                                        None => test,
                                    });
                                }
                                None => {
                                    self.unknown_choice(item, choices, target.span);
                                    return None;
                                }
                            }
                        }
                        Some(T::new(ir.unwrap_or(Ir::Const(Const::Bool(false))), Ty::Bool).maybe(maybe))
                    }
                    (Ty::Time, other) | (Ty::Text, other) => {
                        let other = other.clone();
                        self.type_error(
                            target,
                            &format!("`in` needs a window or a set, but this is {other}"),
                            "write a window name, a range `A .. B`, or a set `{\"a\", \"b\"}`",
                        );
                        None
                    }
                    (other, _) => {
                        let other = other.clone();
                        self.type_error(
                            value,
                            &format!(
                                "`in` tests a timestamp against a window or a text against a set, but this is {other}"
                            ),
                            "compare numbers with `<`, `≥`...",
                        );
                        None
                    }
                }
            }
        }
    }

    pub(super) fn unknown_choice(&mut self, item: &str, choices: &[String], span: Span) {
        let mut d = Diagnostic::error(
            Code::UnknownEnumValue,
            span,
            format!(
                "\"{item}\" is not one of the choices: {}",
                choices
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "not a choice",
        );
        d = match closest(item, choices.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
            None => d.with_help("add it to the fact's `one of` list, or correct the text"),
        };
        self.error(d);
    }
}
