//! Expressions: the dispatch by kind, literals, windows, membership and function calls.

use std::sync::Arc;

use chrono::TimeDelta;
use rust_decimal::Decimal;

use crate::check::errors;
use crate::check::errors::balances::Misplaced;
use crate::check::errors::expressions::CalendarArg;
use crate::diagnostics::{Diagnostic, Span};
use crate::program::types::{Dim, Ty, currency, duration_unit};
use crate::program::{BalanceStat, CmpOp, Const, Func, Ir, PeriodFunc, PoolStat, Window};
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, InTarget, RangeKind};
use crate::time::{self, NotAnInstant, Written};

use super::conditions::Unhandled;
use super::{Checker, MAX_CHECK_WORK, MULTIPLIER_WORDS, T, num_const, written_number};

/// A timestamp literal as the time module reads it.
pub(crate) fn written(lit: &ast::TimestampLit) -> Written {
    Written {
        date: (lit.year, lit.month, lit.day),
        time: lit.time,
        offset: lit.offset,
    }
}

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
            ExprKind::Number(n) => Some(
                T::new(
                    Ir::Const(Const::Num(*n)),
                    Ty::Num(if n.fract().is_zero() { Dim::Count } else { Dim::Decimal }),
                )
                .bare(written_number(e)),
            ),
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
            ExprKind::If { branches, otherwise } => self.conditional(branches, otherwise),
            ExprKind::IsEarned(inner) => self.is_earned(inner),
            ExprKind::Ordered {
                kind,
                value,
                filter,
                keys,
            } => self.ordered(kind, value, filter.as_deref(), keys, e),
            ExprKind::Top {
                key,
                source,
                sum,
                filter,
                ties,
            } => self.top(key, source, sum.as_deref(), filter.as_deref(), ties),
            // Checked as the whole of a per-month definition (`Checker::value_def`); anywhere else
            // it is misplaced.
            ExprKind::Balance(_) => {
                self.error(errors::balances::misplaced(self.surface(), e.span, Misplaced::NotWhole));
                None
            }
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
                self.error(errors::expressions::too_much_to_check(self.surface(), e.span));
            }
            return false;
        }
        true
    }

    /// A set of texts, sorted, each listed once.
    fn text_set(&mut self, items: &[ast::Text]) -> Option<T> {
        let mut values: Vec<Arc<str>> = Vec::new();
        // Seen items by value: a set of 100,000 texts is checked in linear time.
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::with_capacity(items.len());
        let mut previous: Option<Span> = None;
        for item in items {
            match previous {
                Some(before) if !seen.insert(item.value.as_str()) => {
                    self.error(errors::expressions::duplicate_set_item(item.span, &item.value, before));
                }
                _ => {
                    seen.insert(item.value.as_str());
                    values.push(item.value.as_str().into());
                }
            }
            previous = Some(item.span);
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
                let d = errors::expressions::negation_of_non_number(inner.span, other);
                self.error(d);
                None
            }
        }
    }

    /// `not x`.
    fn not(&mut self, inner: &Expr) -> Option<T> {
        let t = self.expr(inner)?;
        if t.ty != Ty::Bool {
            self.error(errors::expressions::not_of_non_condition(
                self.surface(),
                inner.span,
                &t.ty,
            ));
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
            self.error(errors::expressions::needless_known_test(
                self.surface(),
                e.span,
                &self.written(inner),
                known,
            ));
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
            self.error(errors::expressions::waitlisted_needs_reward_name(
                self.surface(),
                inner.span,
            ));
            return None;
        };
        match self.rewards.get(&id.name).copied() {
            Some(i) if self.reward_has_budget.get(i).copied().unwrap_or(false) => Some(T {
                after_budget: true,
                ..T::new(Ir::Waitlisted(i), Ty::Bool)
            }),
            Some(_) => {
                self.error(errors::expressions::waitlisted_without_budget(
                    self.surface(),
                    inner.span,
                    &id.name,
                ));
                None
            }
            None => {
                let d = errors::expressions::unknown_reward(
                    self.surface(),
                    id.span,
                    &id.name,
                    self.rewards.keys().map(String::as_str),
                    errors::expressions::RewardRef::Waitlisted,
                );
                self.error(d);
                None
            }
        }
    }

    /// `pool_claims(REWARD)`, `pool_claimants(REWARD)`: what the record's budget group claimed.
    /// Known once budgets are handed out, so only `value`s (and `let`s they use) can read it.
    fn pool_stat(&mut self, stat: PoolStat, name: &ast::Ident, args: &[Expr], whole: &Expr) -> Option<T> {
        let [arg] = args else {
            self.error(errors::expressions::pool_stat_wrong_arity(
                whole.span,
                &name.name,
                args.len(),
            ));
            return None;
        };
        let ExprKind::Name(id) = &arg.kind else {
            self.error(errors::expressions::pool_stat_needs_reward_name(arg.span, &name.name));
            return None;
        };
        let Some(&index) = self.rewards.get(&id.name) else {
            let d = errors::expressions::unknown_reward(
                self.surface(),
                id.span,
                &id.name,
                self.rewards.keys().map(String::as_str),
                errors::expressions::RewardRef::Pool(&name.name),
            );
            self.error(d);
            return None;
        };
        if !self.reward_has_budget.get(index).copied().unwrap_or(false) {
            self.error(errors::expressions::pool_stat_without_budget(
                self.surface(),
                arg.span,
                &name.name,
                &id.name,
            ));
            return None;
        }
        let ty = match stat {
            PoolStat::Claims => match self.ensure_reward(index) {
                Some(dim) => Ty::Num(dim?),
                None => {
                    self.error(errors::expressions::pool_stat_in_own_amount(whole.span, &name.name));
                    return None;
                }
            },
            PoolStat::Claimants => Ty::Num(Dim::Count),
        };
        Some(T {
            after_budget: true,
            ..T::new(Ir::Pool(stat, index), ty).maybe(true)
        })
    }

    /// `x if unknown d`.
    fn if_unknown(&mut self, value: &Expr, default: &Expr, e: &Expr) -> Option<T> {
        let v = self.expr(value);
        let d = self.expr(default);
        let (v, d) = (v?, d?);
        if !v.maybe {
            self.error(errors::expressions::needless_if_unknown(
                self.surface(),
                Span::new(value.span.end, e.span.end),
                &self.written(value),
            ));
        }
        if !self.compatible(&v.ty, &d.ty, default) {
            self.error(errors::expressions::unknown_default_wrong_kind(
                self.surface(),
                default.span,
                &v.ty,
                &d.ty,
            ));
            return None;
        }
        let exact = v.exact && d.exact;
        // Both written plain numbers: the fallback is reported with the value's.
        if let (Some(first), Some(fallback)) = (v.bare, d.bare) {
            self.bare_siblings.entry(first.span).or_default().push(fallback);
        }
        Some(
            T {
                after_budget: v.after_budget || d.after_budget,
                ..T::new(Ir::IfUnknown(Box::new(v.ir), Box::new(d.ir)), v.ty)
            }
            .maybe(d.maybe)
            .exact(exact)
            .bare(v.bare.or(d.bare)),
        )
    }

    /// `x as UNIT`: an amount converted into a declared unit.
    fn convert(&mut self, value: &Expr, unit: &ast::Ident) -> Option<T> {
        let t = self.expr(value)?;
        let target = self.units.get(&unit.name).filter(|u| !u.currency).cloned();
        let Some(info) = target else {
            if let Some((code, _)) = currency(&unit.name) {
                self.error(errors::expressions::conversion_needs_rate(
                    self.surface(),
                    unit.span,
                    code,
                ));
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
                let d = errors::expressions::conversion_of_non_amount(self.surface(), value.span, other);
                self.error(d);
                None
            }
        }
    }

    /// Checks `e`, requiring a known value of type `ty`: otherwise reports `mismatch` (given
    /// the span and the type found) or that unknown is not handled (for a `what`), and gives
    /// `None`.
    pub(super) fn definite(
        &mut self,
        e: &Expr,
        ty: &Ty,
        what: Unhandled,
        mismatch: impl FnOnce(Span, &Ty) -> Diagnostic,
    ) -> Option<T> {
        let t = self.expr(e)?;
        if t.ty != *ty {
            self.error(mismatch(e.span, &t.ty));
            return None;
        }
        if t.maybe {
            self.unknown_not_handled(e, what);
            return None;
        }
        Some(t)
    }

    fn quantity(&mut self, n: Decimal, unit: &ast::Ident) -> Option<T> {
        // Percentage points: `rate - 1 pp` lowers a rate by one point (not by one percent of it).
        // An explicit multiplier: `2 times` (`2 倍`) is the plain number 2, written so that nobody
        // reads it as a percentage that lost its `%`.
        if MULTIPLIER_WORDS.contains(&unit.name.as_str()) {
            let dim = if n.fract().is_zero() { Dim::Count } else { Dim::Decimal };
            return Some(T::new(Ir::Const(Const::Num(n)), Ty::Num(dim)));
        }
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
                    self.error(errors::expressions::duration_too_long(unit.span));
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
        let instant = match written(lit).instant(self.tz) {
            Ok(instant) => instant,
            Err(why) => {
                let text = &lit.text;
                let zone = self.tz.name();
                let diagnostic = match why {
                    NotAnInstant::NotOnCalendar => errors::expressions::date_not_on_calendar(span, text),
                    NotAnInstant::PastEndOfDay => errors::expressions::time_past_end_of_day(span, text),
                    NotAnInstant::NotATimeOfDay => errors::expressions::time_out_of_range(span, text),
                    NotAnInstant::Twice => errors::expressions::local_time_twice(span, text, zone),
                    NotAnInstant::Skipped => errors::expressions::local_time_skipped(span, text, zone),
                    NotAnInstant::BeyondNanoseconds => errors::expressions::time_beyond_nanoseconds(span, text),
                    NotAnInstant::OutOfRange => errors::expressions::date_out_of_range(span, text),
                };
                self.error(diagnostic);
                return None;
            }
        };
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
                self.error(errors::expressions::window_end_not_timestamp(e.span, &t.ty));
                return None;
            }
        }
        let mut end_ir = end.ir.clone();
        let mut end_inclusive = r.kind == RangeKind::Through;
        if end.date_only {
            match r.kind {
                RangeKind::Exclusive => {
                    self.window_end_excludes_day(r, &start.ir, &end.ir);
                    return None;
                }
                RangeKind::Through => {
                    // `through 2023-12-28` includes the whole day: up to the next midnight, excluded.
                    if let Ir::Const(Const::Time(t)) = end_ir {
                        match time::end_of_day(self.tz, t) {
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
                self.error(errors::expressions::window_backwards(r.start.span, r.end.span));
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

    /// Reports a window `START .. DATE`, whose bare-date end would leave that day out, with the
    /// end most likely meant; or that it is backwards, when no reading of the end comes after
    /// the start (`2021-12-31 24:00 .. 2021-01-01`), so that no suggestion is itself wrong.
    fn window_end_excludes_day(&mut self, r: &ast::Range, start: &Ir, end: &Ir) {
        let (Ir::Const(Const::Time(s)), Ir::Const(Const::Time(e))) = (start, end) else {
            let d = errors::expressions::window_end_excludes_day(
                self.surface(),
                r.end.span,
                &self.written(&r.end),
                None,
                matches!(r.end.kind, ExprKind::Timestamp(_)),
            );
            self.error(d);
            return;
        };
        let whole_day = time::end_of_day(self.tz, *e);
        if whole_day.is_none_or(|end| end <= *s) {
            self.error(errors::expressions::window_backwards(r.start.span, r.end.span));
            return;
        }
        // `2024-01-01 .. 2025-01-01` is a year: the first of a month as the end most likely
        // marks where the window stops, so the day before ends it (`2024-12-31 24:00`).
        let day_before = match &r.end.kind {
            ExprKind::Timestamp(lit) if lit.day == 1 && e > s => {
                chrono::NaiveDate::from_ymd_opt(lit.year, lit.month, 1)
                    .and_then(|d| d.pred_opt())
                    .map(|d| d.format("%Y-%m-%d").to_string())
            }
            _ => None,
        };
        let d = errors::expressions::window_end_excludes_day(
            self.surface(),
            r.end.span,
            &self.written(&r.end),
            day_before.as_deref(),
            matches!(r.end.kind, ExprKind::Timestamp(_)),
        );
        self.error(d);
    }

    fn call(&mut self, name: &ast::Ident, args: &[Expr], whole: &Expr) -> Option<T> {
        if let Some(&(func, _, arity)) = Func::ALL.iter().find(|(_, n, _)| *n == name.name) {
            return self.calendar_call(func, name, arity, args, whole);
        }
        if let Some(&(func, _, _)) = PeriodFunc::ALL.iter().find(|(_, n, _)| *n == name.name) {
            return self.period_call(func, name, args, whole);
        }
        if let Some(&(stat, _)) = PoolStat::ALL.iter().find(|(_, n)| *n == name.name) {
            return self.pool_stat(stat, name, args, whole);
        }
        if let Some(&(stat, _)) = BalanceStat::ALL.iter().find(|(_, n)| *n == name.name) {
            return self.balance_stat(stat, name, args, whole);
        }
        let is_min = match name.name.as_str() {
            "min" => true,
            "max" => false,
            other => {
                let names = ["min", "max"]
                    .into_iter()
                    .chain(Func::ALL.iter().map(|(_, n, _)| *n))
                    .chain(PeriodFunc::ALL.iter().map(|(_, n, _)| *n))
                    .chain(PoolStat::ALL.iter().map(|(_, n)| *n))
                    .chain(BalanceStat::ALL.iter().map(|(_, n)| *n));
                self.error(errors::expressions::unknown_function(
                    self.surface(),
                    name.span,
                    other,
                    names,
                ));
                return None;
            }
        };
        if args.len() < 2 {
            self.error(errors::expressions::min_max_too_few(
                self.surface(),
                whole.span,
                &name.name,
            ));
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
                self.error(errors::expressions::min_max_of_unordered(
                    self.surface(),
                    a.span,
                    &name.name,
                    &t.ty,
                ));
                return None;
            }
            if !self.compatible(&ty, &t.ty, a) {
                self.error(errors::expressions::min_max_of_mixed_kinds(
                    a.span, &name.name, &ty, &t.ty,
                ));
                return None;
            }
            maybe |= t.maybe;
            exact &= t.exact;
            after_budget |= t.after_budget;
            irs.push(t.ir.clone());
        }
        let bare = typed.iter().find_map(|(t, _)| t.bare);
        let ir = if is_min { Ir::Min(irs) } else { Ir::Max(irs) };
        Some(
            T {
                after_budget,
                ..T::new(ir, ty)
            }
            .maybe(maybe)
            .exact(exact)
            .bare(bare),
        )
    }

    fn calendar_call(&mut self, func: Func, name: &ast::Ident, arity: usize, args: &[Expr], whole: &Expr) -> Option<T> {
        if args.len() != arity {
            self.error(errors::expressions::calendar_wrong_arity(
                whole.span,
                &name.name,
                arity,
                args.len(),
            ));
            return None;
        }
        let mut typed = Vec::new();
        for a in args {
            typed.push(self.expr(a)?);
        }
        let want_second_number = matches!(func, Func::AddDays | Func::AddMonths | Func::AddBusinessDays);
        let want_window = matches!(func, Func::StartOf | Func::EndOf);
        for (i, (t, a)) in typed.iter().zip(args).enumerate() {
            let wanted = match (i == 1 && want_second_number, want_window) {
                (true, _) => CalendarArg::Number,
                (false, true) => CalendarArg::Window,
                (false, false) => CalendarArg::Timestamp,
            };
            let ok = match wanted {
                CalendarArg::Number => matches!(t.ty, Ty::Num(Dim::Count)),
                CalendarArg::Window => matches!(t.ty, Ty::Window | Ty::Periods(_)),
                CalendarArg::Timestamp => t.ty == Ty::Time,
            };
            if !ok {
                self.error(errors::expressions::calendar_wrong_argument(
                    a.span, &name.name, wanted, &t.ty,
                ));
                return None;
            }
        }
        if func.counts_business_days() {
            self.uses_business_days = true;
        }
        let ty = match func {
            Func::StartOfDay
            | Func::StartOfWeek
            | Func::StartOfMonth
            | Func::AddDays
            | Func::AddMonths
            | Func::AddBusinessDays
            | Func::StartOfYear
            | Func::StartOf
            | Func::EndOf => Ty::Time,
            Func::DaysBetween | Func::BusinessDaysBetween => Ty::Num(Dim::Count),
            Func::MonthsBetween => Ty::Num(Dim::Decimal),
            Func::IsBusinessDay => Ty::Bool,
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
                    self.error(errors::expressions::in_window_of_non_timestamp(value.span, &v.ty));
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
                            self.error(errors::expressions::choice_in_computed_set(target.span));
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
                                    let written = written_in_set(target, item);
                                    self.unknown_choice(item, choices, target.span, &written);
                                    return None;
                                }
                            }
                        }
                        Some(T::new(ir.unwrap_or(Ir::Const(Const::Bool(false))), Ty::Bool).maybe(maybe))
                    }
                    (Ty::Time, other) | (Ty::Text, other) => {
                        let d = errors::expressions::in_target_not_window_or_set(self.surface(), target.span, other);
                        self.error(d);
                        None
                    }
                    (other, _) => {
                        let d = errors::expressions::in_of_wrong_kind(self.surface(), value.span, other);
                        self.error(d);
                        None
                    }
                }
            }
        }
    }

    /// Reports that the text `item` is none of `choices`; `written`: where it is written in
    /// quotes, for the fix.
    pub(super) fn unknown_choice(&mut self, item: &str, choices: &[String], span: Span, written: &[Span]) {
        self.error(errors::expressions::unknown_choice(span, item, choices, written));
    }
}

/// Where a set written in the campaign (`target`, maybe in parentheses) has the text `item`.
fn written_in_set(target: &Expr, item: &str) -> Vec<Span> {
    match &target.kind {
        ExprKind::Paren(inner) => written_in_set(inner, item),
        ExprKind::Set(items) => items.iter().filter(|t| t.value == item).map(|t| t.span).collect(),
        _ => Vec::new(),
    }
}

/// Where a text written in quotes (`e`, maybe in parentheses) is, for a fix that replaces it.
pub(super) fn written_text(e: &Expr) -> Vec<Span> {
    match &e.kind {
        ExprKind::Paren(inner) => written_text(inner),
        ExprKind::Text(_) => vec![e.span],
        _ => Vec::new(),
    }
}
