//! Header items: the fact schema and its record levels, parameters and period ranges.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::diagnostics::Span;
use crate::program::schema::{FactType, FieldSchema, RecordSchema};
use crate::program::types::{Dim, Ty, currency};
use crate::program::{Const, Ir, Param, Period, PeriodRange, Window};
use crate::suggest::closest;
use crate::syntax::ast::{self, Expr, Item, Modifier, PeriodUnit, Scope};
use crate::time;

use super::super::errors::{declarations, names};
use super::symbols::periods_detail;
use super::units::{currency_alias, ty_of_fact};
use super::{Checker, LevelBuild, MAX_PERIODS, TopName};

impl<'a> Checker<'a> {
    /// The header: the time zone (set on the checker; UTC when missing or wrong, and no program
    /// is then produced) and the source, which it returns.
    pub(super) fn header(&mut self, campaign: &ast::Campaign) -> Option<String> {
        let mut timezone: Option<Tz> = None;
        let mut source = None;
        let mut seen_tz: Option<Span> = None;
        for item in &campaign.items {
            match item {
                Item::Timezone(zone) => {
                    if let Some(first) = seen_tz {
                        self.error(declarations::time_zone_given_twice(zone.span, first, self.surface));
                        continue;
                    }
                    seen_tz = Some(zone.span);
                    match zone.name.parse::<Tz>() {
                        Ok(tz) => timezone = Some(tz),
                        Err(_) => {
                            let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                            let suggestion = timezone_alias(&zone.name).or_else(|| closest(&zone.name, names));
                            self.error(declarations::not_a_time_zone(zone.span, &zone.name, suggestion));
                        }
                    }
                }
                Item::Source(text) => {
                    if source.is_some() {
                        self.error(declarations::source_given_twice(text.span));
                    }
                    source = Some(text.value.clone());
                }
                _ => {}
            }
        }
        if seen_tz.is_none() {
            self.error(declarations::missing_timezone(campaign.name.span, self.surface));
        }
        // Keep checking the rest with a stand-in zone; no program is produced.
        self.tz = timezone.unwrap_or(chrono_tz::UTC);
        source
    }

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
        self.declare_facts(&fields, 0);
        self.declare_names(campaign);
        schema
    }

    /// The top-level names: parameters, windows, period ranges, values and rewards.
    fn declare_names(&mut self, campaign: &'a ast::Campaign) {
        let mut reward_index = 0usize;
        for item in &campaign.items {
            match item {
                Item::Parameter(p) if self.declare_top(&p.name, TopName::Param(self.params.len())) => {
                    self.declare_item(item);
                    self.declare_param(p);
                }
                Item::Window(w) if self.declare_top(&w.name, TopName::Window(w)) => {
                    self.declare_item(item);
                }
                Item::Periods(p) if self.declare_top(&p.name, TopName::Periods(self.periods.len())) => {
                    self.declare_item(item);
                    self.declare_periods(p);
                }
                Item::Value(v) => match &v.scope {
                    Some(Scope::Of(path)) => self.declare_derived(v, path),
                    _ => {
                        if self.declare_top(&v.name, TopName::Value(v)) {
                            self.declare_item(item);
                        }
                    }
                },
                Item::Reward(r) => {
                    if self.rewards.contains_key(&r.name.name) || self.top.contains_key(&r.name.name) {
                        self.duplicate(&r.name);
                    } else {
                        self.declare_item(item);
                        self.rewards.insert(r.name.name.clone(), reward_index);
                        reward_index += 1;
                        self.reward_has_budget
                            .push(r.modifiers.iter().any(|m| matches!(m, Modifier::Budget(_))));
                        self.reward_decls.push((r, super::RewardState::Unchecked));
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
                self.error(declarations::fact_declared_twice(f.name.span, &f.name.name, *first));
                continue;
            }
            seen.insert(&f.name.name, f.name.span);
            if f.optional && matches!(f.ty.kind, ast::TypeExprKind::List(_)) {
                let mark = self.optional_mark(f);
                self.error(declarations::optional_list(f.span, &f.name.name, mark, self.surface));
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
                    self.unit_used(u);
                    FactType::Quantity(u.name.clone())
                } else {
                    self.unknown_unit(u);
                    return None;
                }
            }
            K::Enum(choices) => {
                let mut values: Vec<String> = Vec::new();
                let mut previous_end = None;
                for c in choices {
                    if values.contains(&c.value) {
                        // The repeat goes with the comma before it, from the end of the choice before.
                        let repeat = Span::new(previous_end.unwrap_or(c.span.start), c.span.end);
                        self.error(declarations::choice_listed_twice(c.span, &c.value, repeat));
                    } else {
                        values.push(c.value.clone());
                    }
                    previous_end = Some(c.span.end);
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
            fact_index: schema
                .fields
                .iter()
                .enumerate()
                .rev()
                .map(|(i, f)| (f.name.clone(), i))
                .collect(),
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
            match l.index_of(&segment.name) {
                Some(i) if l.children.contains_key(&i) => {
                    let child = *l.children.get(&i)?;
                    let symbol = self.symbols.facts.get(&(level, i)).copied();
                    self.refer(symbol, segment.span);
                    level = child;
                }
                Some(i) => {
                    let symbol = self.symbols.facts.get(&(level, i)).copied();
                    self.refer(symbol, segment.span);
                    if report {
                        self.error(names::not_a_list(segment.span, &segment.name, self.surface));
                    }
                    return None;
                }
                None => {
                    if report {
                        let fields: Vec<String> = l.schema.fields.iter().map(|f| f.name.clone()).collect();
                        let suggestion = closest(&segment.name, fields.iter().map(String::as_str));
                        let d = names::no_such_list(segment.span, &segment.name, suggestion, self.surface);
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
        let detail = self.fact_detail(&fact_ty, false);
        self.describe_top(&p.name.name, detail);
        let value = match self.const_of(&p.default, &ty) {
            Some(v) => v,
            None => {
                let d = declarations::default_not_constant(p.default.span, &p.name.name, &describe_fact_type(&fact_ty));
                self.error(d);
                return;
            }
        };
        // A plain-number parameter written without `times` reads like a rate that lost its `%`.
        if matches!(ty, Ty::Num(Dim::Count | Dim::Decimal))
            && let Some(bare) = super::written_number(&p.default)
        {
            // No fix: `5%` is not a default of a plain-number type; the help says what to declare.
            self.param_bare
                .insert(self.params.len(), super::Bare { value: None, ..bare });
        }
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
        if !p.written_as_its_unit() {
            let d = match p.unit {
                PeriodUnit::Month => declarations::months_are_written_as_year_month(p.span, self.surface),
                PeriodUnit::Year => declarations::years_are_written_as_years(p.span, self.surface),
                PeriodUnit::Week | PeriodUnit::Day => {
                    declarations::days_and_weeks_are_written_as_dates(p.span, self.surface)
                }
            };
            self.error(d);
            self.periods.push(PeriodRange {
                name: p.name.name.clone(),
                unit: p.unit,
                periods: Vec::new(),
            });
            return;
        }
        let (Some(first), Some(last)) = (bound(&p.first), bound(&p.last)) else {
            let bad = if bound(&p.first).is_none() { &p.first } else { &p.last };
            self.error(if (1..=12).contains(&bad.month) {
                declarations::not_a_calendar_date(bad.span)
            } else {
                declarations::not_a_month(bad.span, bad.year, bad.month)
            });
            self.periods.push(PeriodRange {
                name: p.name.name.clone(),
                unit: p.unit,
                periods: Vec::new(),
            });
            return;
        };
        let mut periods = Vec::new();
        for (start, next) in time::periods(p.unit, first, last) {
            // Midnight always resolves (a skipped one is the end of the gap) within the
            // grammar's four-digit years.
            let (Some(start_at), Some(end_at)) = (time::midnight(tz, start), time::midnight(tz, next)) else {
                break;
            };
            periods.push(Period {
                key: time::day_key(p.unit, start),
                window: Window {
                    start: start_at,
                    end: end_at,
                    end_inclusive: false,
                },
            });
            if periods.len() > MAX_PERIODS {
                break;
            }
        }
        if periods.is_empty() {
            self.error(declarations::empty_period_range(p.span));
        } else if periods.len() > MAX_PERIODS {
            self.error(declarations::too_many_periods(p.span, MAX_PERIODS));
            periods.truncate(MAX_PERIODS);
        }
        let detail = periods_detail(p.unit, periods.len());
        self.describe_top(&p.name.name, detail);
        self.periods.push(PeriodRange {
            name: p.name.name.clone(),
            unit: p.unit,
            periods,
        });
    }
}

/// Names people use for a time zone that are not IANA zones.
fn timezone_alias(name: &str) -> Option<&'static str> {
    match name {
        "CST" | "GMT+8" | "UTC+8" | "Beijing" | "北京时间" | "China" => Some("Asia/Shanghai"),
        "PST" | "PDT" => Some("America/Los_Angeles"),
        _ => None,
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
