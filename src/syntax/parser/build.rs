//! Building the campaign's items from the parse: declarations, rules, rewards, budgets and
//! their modifiers. Expressions are built by `expr.rs`.

use pest::iterators::{Pair, Pairs};

use super::expr::build_expr;
use super::{Result, Rule, expect, ident, invariant, next_any, number, span_of, text};
use crate::syntax::ast::*;
use crate::syntax::keywords::Surface;

pub(super) fn build_campaign(pair: Pair<'_, Rule>, surface: Surface) -> Result<Campaign> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_campaign, span)?;
    let name = text(expect(&mut inner, Rule::string, span)?);
    let mut items = Vec::new();
    for item in inner {
        items.push(build_item(item)?);
    }
    Ok(Campaign {
        name,
        items,
        span,
        surface,
    })
}

fn build_item(pair: Pair<'_, Rule>) -> Result<Item> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let _keyword = next_any(&mut inner, span, "keyword")?;
    Ok(match rule {
        Rule::timezone_item => Item::Timezone(ident(expect(&mut inner, Rule::zone_name, span)?)),
        Rule::source_item => Item::Source(text(expect(&mut inner, Rule::string, span)?)),
        Rule::note_item => Item::Note(text(expect(&mut inner, Rule::string, span)?)),
        Rule::unit_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let precision = match inner.next() {
                Some(_kw) => {
                    let n = expect(&mut inner, Rule::number, span)?;
                    Some((number(&n)?, span_of(&n)))
                }
                None => None,
            };
            Item::Unit(UnitDecl { name, precision })
        }
        Rule::parameter_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let ty = build_type(expect(&mut inner, Rule::fact_type, span)?)?;
            let default = build_expr(expect(&mut inner, Rule::expr, span)?)?;
            Item::Parameter(ParameterDecl { name, ty, default })
        }
        Rule::window_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let range = build_window_range(expect(&mut inner, Rule::window_range, span)?)?;
            Item::Window(WindowDecl { name, range })
        }
        Rule::periods_item => {
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let unit_pair = expect(&mut inner, Rule::period_unit, span)?;
            let unit = match unit_pair.into_inner().next().map(|p| p.as_rule()) {
                Some(Rule::kw_months) => PeriodUnit::Month,
                Some(Rule::kw_weeks) => PeriodUnit::Week,
                Some(Rule::kw_years) => PeriodUnit::Year,
                _ => PeriodUnit::Day,
            };
            let first = build_period_bound(expect(&mut inner, Rule::period_bound, span)?)?;
            expect(&mut inner, Rule::kw_through, span)?;
            let last = build_period_bound(expect(&mut inner, Rule::period_bound, span)?)?;
            Item::Periods(PeriodsDecl {
                name,
                unit,
                first,
                last,
                span,
            })
        }
        Rule::facts_item => {
            let mut fields = Vec::new();
            for field in inner {
                fields.push(build_field(field)?);
            }
            Item::Facts(FactsBlock { fields, span })
        }
        Rule::value_item => {
            // `_keyword` was the `value_kw` wrapper.
            let exposed = _keyword.into_inner().next().map(|k| k.as_rule()) == Some(Rule::kw_value);
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let (scope, expr_pair) = scope_then_expr(&mut inner, span)?;
            let expr = build_expr(expr_pair)?;
            let modifiers = inner.map(build_modifier).collect::<Result<Vec<_>>>()?;
            Item::Value(ValueDecl {
                exposed,
                name,
                scope,
                expr,
                modifiers,
                span,
            })
        }
        Rule::eligible_item => {
            let when = expect(&mut inner, Rule::kw_when, span)?;
            let head_span = Span::new(span.start, span_of(&when).end);
            let conditions = build_conditions(inner)?;
            Item::Eligible(EligibleBlock {
                conditions,
                head_span,
                span,
            })
        }
        Rule::reward_item => {
            // `_keyword` was the `output_kw` wrapper.
            let kind = match _keyword.into_inner().next().map(|k| k.as_rule()) {
                Some(Rule::kw_fee) => OutputKind::Fee,
                _ => OutputKind::Reward,
            };
            let name = ident(expect(&mut inner, Rule::ident, span)?);
            let (per, expr_pair) = scope_then_expr(&mut inner, span)?;
            let expr = build_expr(expr_pair)?;
            let mut modifiers = Vec::new();
            let mut gate = None;
            for part in inner {
                if part.as_rule() == Rule::reward_gate {
                    gate = Some(build_gate(part)?);
                } else {
                    modifiers.push(build_modifier(part)?);
                }
            }
            Item::Reward(RewardDecl {
                kind,
                name,
                per,
                expr,
                modifiers,
                gate,
                span,
            })
        }
        _ => return Err(invariant(span, "item")),
    })
}

/// The conditions of a block, each with its reason.
fn build_conditions(pairs: Pairs<'_, Rule>) -> Result<Vec<Condition>> {
    let mut conditions = Vec::new();
    for c in pairs {
        let cspan = span_of(&c);
        let mut parts = c.into_inner();
        let expr = build_expr(expect(&mut parts, Rule::expr, cspan)?)?;
        let reason = parts.next().map(text);
        conditions.push(Condition {
            expr,
            reason,
            span: cspan,
        });
    }
    Ok(conditions)
}

/// A reward's own `when { ... }` block.
fn build_gate(pair: Pair<'_, Rule>) -> Result<RewardGate> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let when = expect(&mut inner, Rule::kw_when, span)?;
    let conditions = build_conditions(inner)?;
    Ok(RewardGate {
        conditions,
        head_span: span_of(&when),
        span,
    })
}

fn scope_then_expr<'a>(inner: &mut Pairs<'a, Rule>, span: Span) -> Result<(Option<Scope>, Pair<'a, Rule>)> {
    let next = next_any(inner, span, "definition")?;
    match next.as_rule() {
        Rule::of_scope => {
            let mut parts = next.into_inner();
            expect(&mut parts, Rule::kw_of, span)?;
            let path = expect(&mut parts, Rule::path, span)?;
            let segments = path.into_inner().map(ident).collect();
            Ok((Some(Scope::Of(segments)), expect(inner, Rule::expr, span)?))
        }
        Rule::per_scope => {
            let mut parts = next.into_inner();
            expect(&mut parts, Rule::kw_per, span)?;
            let var = ident(expect(&mut parts, Rule::ident, span)?);
            expect(&mut parts, Rule::kw_in, span)?;
            let periods = ident(expect(&mut parts, Rule::ident, span)?);
            Ok((Some(Scope::Per { var, periods }), expect(inner, Rule::expr, span)?))
        }
        Rule::per_item_scope => {
            let mut parts = next.into_inner();
            expect(&mut parts, Rule::kw_per, span)?;
            expect(&mut parts, Rule::kw_item, span)?;
            expect(&mut parts, Rule::kw_of, span)?;
            let path = expect(&mut parts, Rule::path, span)?;
            let segments = path.into_inner().map(ident).collect();
            Ok((Some(Scope::Item(segments)), expect(inner, Rule::expr, span)?))
        }
        Rule::expr => Ok((None, next)),
        _ => Err(invariant(span_of(&next), "definition")),
    }
}

fn build_period_bound(pair: Pair<'_, Rule>) -> Result<PeriodBound> {
    let span = span_of(&pair);
    let parts: Vec<&str> = pair.as_str().split('-').collect();
    let num = |i: usize| -> Result<u32> {
        parts
            .get(i)
            .and_then(|s| s.parse::<u32>().ok())
            .ok_or_else(|| invariant(span, "period bound"))
    };
    // A year alone (`2024`) stands for its January for whatever reads the month.
    let year_only = parts.len() == 1;
    Ok(PeriodBound {
        year: i32::try_from(num(0)?).map_err(|_| invariant(span, "year"))?,
        month: if year_only { 1 } else { num(1)? },
        day: if parts.len() > 2 { Some(num(2)?) } else { None },
        year_only,
        span,
    })
}

fn build_field(pair: Pair<'_, Rule>) -> Result<FieldDecl> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let name = ident(expect(&mut inner, Rule::ident, span)?);
    let ty = build_type(expect(&mut inner, Rule::fact_type, span)?)?;
    let optional = inner.next().is_some();
    Ok(FieldDecl {
        name,
        ty,
        optional,
        span,
    })
}

fn build_type(pair: Pair<'_, Rule>) -> Result<TypeExpr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let ty = next_any(&mut inner, span, "type")?;
    let rule = ty.as_rule();
    let mut parts = ty.into_inner();
    let kind = match rule {
        Rule::simple_type => match parts.next().map(|p| p.as_rule()) {
            Some(Rule::kw_text) => TypeExprKind::Text,
            Some(Rule::kw_bool) => TypeExprKind::Bool,
            Some(Rule::kw_count) => TypeExprKind::Count,
            Some(Rule::kw_decimal) => TypeExprKind::Decimal,
            Some(Rule::kw_fraction) => TypeExprKind::Fraction,
            Some(Rule::kw_timestamp) => TypeExprKind::Timestamp,
            Some(Rule::kw_duration) => TypeExprKind::Duration,
            _ => return Err(invariant(span, "type")),
        },
        Rule::money_type => {
            expect(&mut parts, Rule::kw_money, span)?;
            TypeExprKind::Money(ident(expect(&mut parts, Rule::ident, span)?))
        }
        Rule::quantity_type => {
            expect(&mut parts, Rule::kw_quantity, span)?;
            TypeExprKind::Quantity(ident(expect(&mut parts, Rule::ident, span)?))
        }
        Rule::enum_type => {
            expect(&mut parts, Rule::kw_one_of, span)?;
            TypeExprKind::Enum(parts.map(text).collect())
        }
        Rule::list_type => {
            expect(&mut parts, Rule::kw_list_of, span)?;
            TypeExprKind::List(parts.map(build_field).collect::<Result<Vec<_>>>()?)
        }
        _ => return Err(invariant(span, "type")),
    };
    Ok(TypeExpr { kind, span })
}

fn build_window_range(pair: Pair<'_, Rule>) -> Result<Range> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let start = build_expr(expect(&mut inner, Rule::expr, span)?)?;
    let op = expect(&mut inner, Rule::range_op, span)?;
    let end = build_expr(expect(&mut inner, Rule::expr, span)?)?;
    Ok(Range {
        start: Box::new(start),
        kind: range_kind(&op),
        end: Box::new(end),
        span,
    })
}

pub(super) fn range_kind(op: &Pair<'_, Rule>) -> RangeKind {
    if op.as_str() == ".." {
        RangeKind::Exclusive
    } else {
        RangeKind::Through
    }
}

fn build_modifier(pair: Pair<'_, Rule>) -> Result<Modifier> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    Ok(match rule {
        Rule::rounding => {
            expect(&mut inner, Rule::kw_rounded, span)?;
            let mode_pair = expect(&mut inner, Rule::rounding_mode, span)?;
            let mode = match mode_pair.into_inner().next().map(|p| p.as_rule()) {
                Some(Rule::kw_half_up) => RoundingMode::HalfUp,
                Some(Rule::kw_half_even) => RoundingMode::HalfEven,
                Some(Rule::kw_half_down) => RoundingMode::HalfDown,
                Some(Rule::kw_up) => RoundingMode::Up,
                _ => RoundingMode::Down,
            };
            let step = match inner.next() {
                Some(_to) => {
                    let n = expect(&mut inner, Rule::number, span)?;
                    Some((number(&n)?, span_of(&n)))
                }
                None => None,
            };
            Modifier::Rounded { mode, step, span }
        }
        Rule::at_most => {
            expect(&mut inner, Rule::kw_at_most, span)?;
            Modifier::AtMost(build_expr(expect(&mut inner, Rule::expr_no_where, span)?)?, span)
        }
        Rule::at_least => {
            expect(&mut inner, Rule::kw_at_least, span)?;
            Modifier::AtLeast(build_expr(expect(&mut inner, Rule::expr_no_where, span)?)?, span)
        }
        Rule::budget => {
            expect(&mut inner, Rule::kw_budget, span)?;
            let amount_pair = expect(&mut inner, Rule::budget_amount, span)?;
            let amount_span = span_of(&amount_pair);
            let amount = build_expr(next_any(&mut amount_pair.into_inner(), amount_span, "budget amount")?)?;
            let scope_pair = expect(&mut inner, Rule::budget_scope, span)?;
            let sspan = span_of(&scope_pair);
            let mut sparts = scope_pair.into_inner();
            let first = next_any(&mut sparts, sspan, "budget scope")?;
            let scope = if first.as_rule() == Rule::kw_in_total {
                BudgetScope::Total
            } else {
                let unit = period_unit_single(expect(&mut sparts, Rule::period_unit_single, sspan)?);
                expect(&mut sparts, Rule::kw_of, sspan)?;
                BudgetScope::Per(unit, build_expr(expect(&mut sparts, Rule::expr_no_where, sspan)?)?)
            };
            let allocation = build_allocation(inner, span)?;
            Modifier::Budget(Budget {
                amount,
                scope,
                allocation,
                span,
            })
        }
        Rule::payout => {
            expect(&mut inner, Rule::kw_paid, span)?;
            let mut parts = Vec::new();
            for part in inner {
                if part.as_rule() != Rule::payout_part {
                    continue;
                }
                let pspan = span_of(&part);
                let mut p = part.into_inner();
                let pct = expect(&mut p, Rule::percent_lit, pspan)?;
                let pct_span = span_of(&pct);
                let n = expect(&mut pct.into_inner(), Rule::number, pct_span)?;
                let share = number(&n)?;
                expect(&mut p, Rule::kw_on, pspan)?;
                let when = build_expr(expect(&mut p, Rule::as_expr, pspan)?)?;
                parts.push((share, pct_span, when));
            }
            Modifier::Paid(parts, span)
        }
        Rule::expiry => {
            expect(&mut inner, Rule::kw_expires, span)?;
            Modifier::Expires(build_expr(expect(&mut inner, Rule::as_expr, span)?)?, span)
        }
        _ => return Err(invariant(span, "modifier")),
    })
}

/// `month`, `week` or `day`.
fn period_unit_single(pair: Pair<'_, Rule>) -> PeriodUnit {
    match pair.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::kw_month) => PeriodUnit::Month,
        Some(Rule::kw_week) => PeriodUnit::Week,
        _ => PeriodUnit::Day,
    }
}

/// What follows a budget's scope: `split pro rata`, `split equally`, or a queue
/// `first come first served by KEY [descending] [, split pro rata per UNIT]`.
fn build_allocation(mut inner: Pairs<'_, Rule>, span: Span) -> Result<Allocation> {
    let first = next_any(&mut inner, span, "budget allocation")?;
    if first.as_rule() == Rule::budget_split {
        let split = match first.into_inner().next().map(|p| p.as_rule()) {
            Some(Rule::kw_split_equally) => Split::Equally,
            _ => Split::ProRata,
        };
        return Ok(Allocation::Split(split));
    }
    expect(&mut inner, Rule::kw_by, span)?;
    let order = build_expr(expect(&mut inner, Rule::expr_no_where, span)?)?;
    let mut descending = false;
    let mut last_split = None;
    for part in inner {
        match part.as_rule() {
            Rule::order_dir => {
                descending = part.into_inner().next().map(|d| d.as_rule()) == Some(Rule::kw_descending);
            }
            Rule::budget_last_split => {
                let pspan = span_of(&part);
                let mut parts = part.into_inner();
                expect(&mut parts, Rule::kw_split_pro_rata, pspan)?;
                expect(&mut parts, Rule::kw_per, pspan)?;
                last_split = Some(period_unit_single(expect(&mut parts, Rule::period_unit_single, pspan)?));
            }
            other => return Err(invariant(span_of(&part), &format!("{other:?}"))),
        }
    }
    Ok(Allocation::Queue {
        order,
        descending,
        last_split,
    })
}
