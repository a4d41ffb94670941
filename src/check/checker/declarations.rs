//! Header items: the fact schema and its record levels, parameters and period ranges.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::schema::{FactType, FieldSchema, RecordSchema};
use crate::program::types::{Dim, Ty, currency};
use crate::program::{Const, Ir, Param, Period, PeriodRange, Window};
use crate::suggest::closest;
use crate::syntax::ast::{self, Expr, Item, Modifier, PeriodUnit, Scope};

use super::units::{currency_alias, ty_of_fact};
use super::{Checker, LevelBuild, MAX_PERIODS, TopName};

impl<'a> Checker<'a> {
    /// Units, facts and top-level names, before anything that uses them. Returns the fact schema.
    pub(super) fn declare(&mut self, campaign: &'a ast::Campaign) -> RecordSchema {
        // ---- units
        for item in &campaign.items {
            if let Item::Unit(u) = item {
                self.declare_unit(u);
            }
        }
        // ---- facts
        let mut facts_blocks = campaign.items.iter().filter_map(|i| match i {
            Item::Facts(f) => Some(f),
            _ => None,
        });
        let mut fields: Vec<&ast::FieldDecl> = Vec::new();
        if let Some(first) = facts_blocks.next() {
            fields.extend(first.fields.iter());
            for extra in facts_blocks {
                // Several blocks are allowed (long schemas read better split up); names must still be unique.
                fields.extend(extra.fields.iter());
            }
        }
        let schema = self.build_schema(&fields);
        self.build_levels(&schema, String::new(), 0, None);
        self.declare_names(campaign);
        schema
    }

    /// The top-level names: parameters, windows, period ranges, values and rewards.
    fn declare_names(&mut self, campaign: &'a ast::Campaign) {
        let mut reward_index = 0usize;
        for item in &campaign.items {
            match item {
                Item::Parameter(p) if self.declare_top(&p.name, TopName::Param(self.params.len())) => {
                    self.declare_param(p);
                }
                Item::Window(w) => {
                    self.declare_top(&w.name, TopName::Window(w));
                }
                Item::Periods(p) if self.declare_top(&p.name, TopName::Periods(self.periods.len())) => {
                    self.declare_periods(p);
                }
                Item::Value(v) => match &v.scope {
                    Some(Scope::Of(path)) => self.declare_derived(v, path),
                    _ => {
                        self.declare_top(&v.name, TopName::Value(v));
                    }
                },
                Item::Reward(r) => {
                    if self.rewards.contains_key(&r.name.name) || self.top.contains_key(&r.name.name) {
                        self.duplicate(&r.name);
                    } else {
                        self.rewards.insert(r.name.name.clone(), reward_index);
                        reward_index += 1;
                        self.reward_has_budget
                            .push(r.modifiers.iter().any(|m| matches!(m, Modifier::Budget(_))));
                    }
                }
                _ => {}
            }
        }
    }

    fn build_schema(&mut self, fields: &[&ast::FieldDecl]) -> RecordSchema {
        let mut schema = RecordSchema::default();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in fields {
            if let Some(first) = seen.get(f.name.name.as_str()) {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateDefinition,
                        f.name.span,
                        format!("the fact `{}` is declared twice", f.name.name),
                        "declared again",
                    )
                    .with_label(*first, "first declared here")
                    .with_help("remove one of the declarations"),
                );
                continue;
            }
            seen.insert(&f.name.name, f.name.span);
            if f.optional && matches!(f.ty.kind, ast::TypeExprKind::List(_)) {
                self.error(
                    Diagnostic::error(
                        Code::OptionalList,
                        f.span,
                        format!("the list `{}` cannot be optional", f.name.name),
                        "optional list",
                    )
                    .with_help("remove `, optional`: a record with no items sends an empty list `[]`"),
                );
                // Keep the list (as required) so that its uses do not cascade into more errors.
            }
            if let Some(ty) = self.fact_type(&f.ty) {
                let is_list = matches!(ty, FactType::List(_));
                schema.fields.push(FieldSchema {
                    name: f.name.name.clone(),
                    ty,
                    optional: f.optional && !is_list,
                });
            } else if let ast::TypeExprKind::Money(c) = &f.ty.kind {
                // An unknown currency was reported; keep the fact (as the currency it most likely
                // means, `RMB` → `CNY`) so that its uses do not cascade into more errors.
                let code = currency_alias(&c.name).unwrap_or(c.name.as_str()).to_string();
                schema.fields.push(FieldSchema {
                    name: f.name.name.clone(),
                    ty: FactType::Money(code),
                    optional: f.optional,
                });
            }
        }
        schema
    }

    fn fact_type(&mut self, ty: &ast::TypeExpr) -> Option<FactType> {
        use ast::TypeExprKind as K;
        Some(match &ty.kind {
            K::Text => FactType::Text,
            K::Bool => FactType::Bool,
            K::Count => FactType::Count,
            K::Decimal => FactType::Decimal,
            K::Fraction => FactType::Fraction,
            K::Timestamp => FactType::Timestamp,
            K::Duration => FactType::Duration,
            K::Money(c) => match currency(&c.name) {
                Some((code, minor)) => {
                    self.note_currency(code, minor);
                    FactType::Money(code.to_string())
                }
                None => {
                    self.unknown_currency(c);
                    return None;
                }
            },
            K::Quantity(u) => {
                if self.units.contains_key(&u.name) {
                    FactType::Quantity(u.name.clone())
                } else {
                    self.unknown_unit(u);
                    return None;
                }
            }
            K::Enum(choices) => {
                let mut values: Vec<String> = Vec::new();
                for c in choices {
                    if values.contains(&c.value) {
                        self.error(
                            Diagnostic::error(
                                Code::DuplicateDefinition,
                                c.span,
                                format!("the choice \"{}\" is listed twice", c.value),
                                "listed again",
                            )
                            .with_help("remove the repeated choice"),
                        );
                    } else {
                        values.push(c.value.clone());
                    }
                }
                FactType::Enum(values)
            }
            K::List(fields) => {
                let refs: Vec<&ast::FieldDecl> = fields.iter().collect();
                FactType::List(Box::new(self.build_schema(&refs)))
            }
        })
    }

    fn build_levels(&mut self, schema: &RecordSchema, path: String, depth: usize, parent: Option<usize>) -> usize {
        let index = self.levels.len();
        self.levels.push(LevelBuild {
            path: path.clone(),
            depth,
            parent,
            schema: schema.clone(),
            children: HashMap::new(),
        });
        self.derived.push(Vec::new());
        for (i, f) in schema.fields.iter().enumerate() {
            if let FactType::List(inner) = &f.ty {
                let child_path = if path.is_empty() {
                    f.name.clone()
                } else {
                    format!("{path}.{}", f.name)
                };
                let child = self.build_levels(inner, child_path, depth + 1, Some(index));
                if let Some(l) = self.levels.get_mut(index) {
                    l.children.insert(i, child);
                }
            }
        }
        index
    }

    pub(super) fn level_of_path(&mut self, path: &[ast::Ident], report: bool) -> Option<usize> {
        let mut level = 0usize;
        for segment in path {
            let l = self.levels.get(level)?;
            match l.schema.index_of(&segment.name) {
                Some(i) if l.children.contains_key(&i) => {
                    level = *l.children.get(&i)?;
                }
                Some(_) => {
                    if report {
                        self.error(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                segment.span,
                                format!("`{}` is not a list", segment.name),
                                "not a list",
                            )
                            .with_help("`let NAME of LIST = ...` defines a field for each record of a list fact"),
                        );
                    }
                    return None;
                }
                None => {
                    if report {
                        let names: Vec<String> = l.schema.fields.iter().map(|f| f.name.clone()).collect();
                        let mut d = Diagnostic::error(
                            Code::UnknownName,
                            segment.span,
                            format!("there is no list fact `{}`", segment.name),
                            "unknown list",
                        );
                        if let Some(s) = closest(&segment.name, names.iter().map(String::as_str)) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        } else {
                            d = d.with_help("declare the list in `facts { ... }`");
                        }
                        self.error(d);
                    }
                    return None;
                }
            }
        }
        Some(level)
    }

    fn declare_param(&mut self, p: &ast::ParameterDecl) {
        let Some(fact_ty) = self.fact_type(&p.ty) else {
            return;
        };
        let ty = ty_of_fact(&fact_ty);
        let value = match self.const_of(&p.default, &ty) {
            Some(v) => v,
            None => {
                self.error(
                    Diagnostic::error(
                        Code::InvalidParameter,
                        p.default.span,
                        format!(
                            "the default of `{}` must be a constant of type {}",
                            p.name.name,
                            describe_fact_type(&fact_ty)
                        ),
                        "not a constant of that type",
                    )
                    .with_help("write a literal value such as `50`, `100 CNY`, `2%` or `2024-08-16 15:00`"),
                );
                return;
            }
        };
        self.params.push(Param {
            name: p.name.name.clone(),
            ty,
            default: value,
            span: p.name.span,
        });
    }

    /// A literal of the given type, or `None`.
    fn const_of(&mut self, expr: &Expr, ty: &Ty) -> Option<Const> {
        let t = self.expr(expr)?;
        let Ir::Const(c) = t.ir else { return None };
        let fits = match (ty, &t.ty) {
            (Ty::Num(Dim::Count), Ty::Num(Dim::Count | Dim::Decimal)) => {
                matches!(c, Const::Num(n) if n.fract().is_zero() && !n.is_sign_negative())
            }
            (Ty::Num(Dim::Decimal), Ty::Num(Dim::Count | Dim::Decimal)) => true,
            (Ty::Choice(choices), Ty::Text) => {
                return match &c {
                    Const::Text(s) => choices
                        .iter()
                        .position(|x| x.as_str() == &**s)
                        .map(|i| Const::Choice(i as u32)),
                    _ => None,
                };
            }
            (a, b) => a == b,
        };
        fits.then_some(c)
    }

    fn declare_periods(&mut self, p: &ast::PeriodsDecl) {
        let tz = self.tz;
        let bound = |b: &ast::PeriodBound| -> Option<NaiveDate> {
            NaiveDate::from_ymd_opt(b.year, b.month, b.day.unwrap_or(1))
        };
        let wrong_shape = match p.unit {
            PeriodUnit::Month => p.first.day.is_some() || p.last.day.is_some(),
            _ => p.first.day.is_none() || p.last.day.is_none(),
        };
        if wrong_shape {
            let (what, example) = match p.unit {
                PeriodUnit::Month => ("months are written as `YYYY-MM`", "`months 2022-12 through 2023-06`"),
                _ => (
                    "days and weeks are written as dates",
                    "`days 2024-08-22 through 2024-08-31`",
                ),
            };
            self.error(
                Diagnostic::error(
                    Code::InvalidPeriods,
                    p.span,
                    format!("{what} in a period range"),
                    "period range",
                )
                .with_help(format!("for example {example}")),
            );
            self.periods.push(PeriodRange {
                name: p.name.name.clone(),
                unit: p.unit,
                periods: Vec::new(),
            });
            return;
        }
        let (Some(first), Some(last)) = (bound(&p.first), bound(&p.last)) else {
            let span = if bound(&p.first).is_none() {
                p.first.span
            } else {
                p.last.span
            };
            self.error(
                Diagnostic::error(
                    Code::InvalidDate,
                    span,
                    {
                        let bad = if bound(&p.first).is_none() { &p.first } else { &p.last };
                        if (1..=12).contains(&bad.month) {
                            "this is not a date on the calendar".to_string()
                        } else {
                            format!(
                                "`{}-{:02}` is not a month: months run from 01 to 12",
                                bad.year, bad.month
                            )
                        }
                    },
                    "no such date",
                )
                .with_help("check the month (1–12) and the day of the month"),
            );
            self.periods.push(PeriodRange {
                name: p.name.name.clone(),
                unit: p.unit,
                periods: Vec::new(),
            });
            return;
        };
        let mut periods = Vec::new();
        let mut cursor = match p.unit {
            PeriodUnit::Week => first - TimeDelta::days(i64::from(first.weekday().num_days_from_monday())),
            _ => first,
        };
        let mut failed = false;
        while cursor <= last {
            let next = match p.unit {
                PeriodUnit::Month => add_month(cursor),
                PeriodUnit::Week => cursor.checked_add_signed(TimeDelta::days(7)),
                PeriodUnit::Day => cursor.succ_opt(),
            };
            let Some(next) = next else { break };
            let key = match p.unit {
                PeriodUnit::Month => format!("{:04}-{:02}", cursor.year(), cursor.month()),
                PeriodUnit::Day => cursor.format("%Y-%m-%d").to_string(),
                PeriodUnit::Week => {
                    let w = cursor.iso_week();
                    format!("{:04}-W{:02}", w.year(), w.week())
                }
            };
            match (local_midnight(tz, cursor), local_midnight(tz, next)) {
                (Some(start), Some(end)) => periods.push(Period {
                    key,
                    window: Window {
                        start,
                        end,
                        end_inclusive: false,
                    },
                }),
                _ => failed = true,
            }
            if periods.len() > MAX_PERIODS {
                break;
            }
            cursor = next;
        }
        if failed {
            self.error(
                Diagnostic::error(
                    Code::AmbiguousLocalTime,
                    p.span,
                    "a period starts at a midnight that the time zone skips",
                    "period range",
                )
                .with_help("use a time zone where midnight exists on every day of the range"),
            );
        }
        if periods.is_empty() {
            self.error(
                Diagnostic::error(
                    Code::InvalidPeriods,
                    p.span,
                    "the period range is empty: its last period comes before its first",
                    "empty range",
                )
                .with_help("write the earlier period first"),
            );
        } else if periods.len() > MAX_PERIODS {
            self.error(
                Diagnostic::error(
                    Code::InvalidPeriods,
                    p.span,
                    format!("the period range has more than {MAX_PERIODS} periods"),
                    "too many periods",
                )
                .with_help("use a longer period (weeks or months) or a shorter range"),
            );
            periods.truncate(MAX_PERIODS);
        }
        self.periods.push(PeriodRange {
            name: p.name.name.clone(),
            unit: p.unit,
            periods,
        });
    }
}

fn describe_fact_type(f: &FactType) -> String {
    match f {
        FactType::Text => "`text`".into(),
        FactType::Bool => "`bool`".into(),
        FactType::Count => "`count`".into(),
        FactType::Decimal => "`decimal`".into(),
        FactType::Fraction => "`fraction`".into(),
        FactType::Timestamp => "`timestamp`".into(),
        FactType::Duration => "`duration`".into(),
        FactType::Money(c) => format!("`money {c}`"),
        FactType::Quantity(u) => format!("`quantity {u}`"),
        FactType::Enum(_) => "`one of ...`".into(),
        FactType::List(_) => "`list of ...`".into(),
    }
}

fn add_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The instant of local midnight at the start of a day.
pub(crate) fn local_midnight(tz: Tz, d: NaiveDate) -> Option<chrono::DateTime<Utc>> {
    tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}
