//! Building expressions from the parse, one family of rules at a time: chains of operators,
//! prefix and suffix operators, comparisons, aggregates, rankings, tables and primaries.
//! Separate from the items because the expression grammar is the larger part of the language.

use pest::iterators::Pair;

use super::MAX_NESTING;
use super::build::range_kind;
use super::{Result, Rule, expect, ident, invariant, next_any, number, span_of, text};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::*;

/// Builds an expression from any rule of the expression grammar, by family: chains of
/// operators, prefix and suffix operators, tables, and primaries.
pub(super) fn build_expr(pair: Pair<'_, Rule>) -> Result<Expr> {
    match pair.as_rule() {
        Rule::expr | Rule::expr_no_where | Rule::or_expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr => {
            build_chain(pair)
        }
        Rule::not_expr | Rule::unary_expr | Rule::unknown_expr | Rule::as_expr | Rule::postfix_expr => {
            build_operator(pair)
        }
        Rule::compare_expr => build_compare(pair),
        Rule::aggregate => build_aggregate(pair),
        Rule::rank_expr => build_rank(pair),
        Rule::ordered_expr => build_ordered(pair),
        Rule::top_expr => build_top(pair),
        Rule::balance_expr => build_balance(pair),
        Rule::lookup_table => build_lookup(pair),
        Rule::tier_table => build_tiers(pair),
        Rule::if_expr => build_if(pair),
        _ => build_primary(pair),
    }
}

/// `a where b`, and the chains of one operator precedence: `a or b`, `a and b`, `a + b - c`,
/// `a × b ÷ c`. A chain of one operand is that operand; a longer one is one node with its
/// operands side by side, so that nothing after the parser recurses once per operand.
fn build_chain(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let first = build_expr(next_any(&mut inner, span, "operand")?)?;
    let mut rest = Vec::new();
    while let Some(op) = inner.next() {
        let op = match (rule, op.as_str()) {
            (Rule::or_expr, _) => BinOp::Or,
            (Rule::and_expr, _) => BinOp::And,
            (_, "+") => BinOp::Add,
            (_, "-") => BinOp::Sub,
            (_, "×" | "*") => BinOp::Mul,
            // `where` in `expr`, whose operator is not kept.
            _ => BinOp::Div,
        };
        rest.push((op, build_expr(next_any(&mut inner, span, "operand")?)?));
    }
    let Some(last) = rest.last() else {
        return Ok(first);
    };
    let span = first.span.to(last.1.span);
    let kind = match rule {
        Rule::expr | Rule::expr_no_where => {
            // At most one `where` (the grammar says so): `list where filter`.
            let mut filters = rest.into_iter().map(|(_, f)| f);
            let filter = filters.next().ok_or_else(|| invariant(span, "filter"))?;
            ExprKind::Where(Box::new(first), Box::new(filter))
        }
        Rule::or_expr | Rule::and_expr => {
            let operands = std::iter::once(first).chain(rest.into_iter().map(|(_, e)| e)).collect();
            if rule == Rule::or_expr {
                ExprKind::Or(operands)
            } else {
                ExprKind::And(operands)
            }
        }
        _ => ExprKind::Arith {
            first: Box::new(first),
            rest,
        },
    };
    Ok(Expr { kind, span })
}

/// The prefix and suffix operators of one operand: `not a`, `-a`, `a if unknown b`, `a as u`,
/// `a.b.c`.
fn build_operator(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner();
    let first = next_any(&mut inner, span, "operand")?;
    let kind = match rule {
        Rule::not_expr | Rule::unary_expr => {
            if !matches!(first.as_rule(), Rule::kw_not | Rule::neg_op) {
                return build_expr(first);
            }
            let operand = Box::new(build_expr(next_any(&mut inner, span, "operand")?)?);
            if rule == Rule::not_expr {
                ExprKind::Not(operand)
            } else {
                ExprKind::Neg(operand)
            }
        }
        Rule::unknown_expr => {
            let value = build_expr(first)?;
            let Some(_kw) = inner.next() else { return Ok(value) };
            let default = build_expr(next_any(&mut inner, span, "default")?)?;
            ExprKind::IfUnknown(Box::new(value), Box::new(default))
        }
        Rule::as_expr => {
            let value = build_expr(first)?;
            let Some(_kw) = inner.next() else { return Ok(value) };
            ExprKind::As(Box::new(value), ident(expect(&mut inner, Rule::ident, span)?))
        }
        _ => {
            let mut base = build_expr(first)?;
            for (n, field) in inner.enumerate() {
                let field = ident(field);
                // Each `.field` is a level of the tree: as deep as brackets may be, no deeper.
                if n >= MAX_NESTING {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::TooDeep,
                            field.span,
                            format!("more than {MAX_NESTING} `.field` in a row"),
                            "too deep here",
                        )
                        .with_help("a path has one part per list it goes through"),
                    ));
                }
                let s = base.span.to(field.span);
                base = Expr {
                    kind: ExprKind::Field(Box::new(base), field),
                    span: s,
                };
            }
            return Ok(base);
        }
    };
    Ok(Expr { kind, span })
}

/// `a op b`, `a in b`, `a not in x .. y`, `a is known`, `r is waitlisted`.
fn build_compare(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let lhs = build_expr(next_any(&mut inner, span, "operand")?)?;
    let Some(tail) = inner.next() else {
        return Ok(lhs);
    };
    let tail_rule = tail.as_rule();
    let tail_span = span_of(&tail);
    let mut parts = tail.into_inner();
    let kind = match tail_rule {
        Rule::is_known => ExprKind::IsKnown(Box::new(lhs), true),
        Rule::is_unknown => ExprKind::IsKnown(Box::new(lhs), false),
        Rule::is_waitlisted => ExprKind::IsWaitlisted(Box::new(lhs)),
        Rule::is_earned => ExprKind::IsEarned(Box::new(lhs)),
        Rule::in_tail | Rule::not_in_tail => {
            let negated = tail_rule == Rule::not_in_tail;
            if negated {
                expect(&mut parts, Rule::kw_not, tail_span)?;
            }
            expect(&mut parts, Rule::kw_in, tail_span)?;
            let first = build_expr(next_any(&mut parts, tail_span, "operand")?)?;
            let target = match parts.next() {
                Some(op) => {
                    let end = build_expr(next_any(&mut parts, tail_span, "range end")?)?;
                    let rspan = first.span.to(end.span);
                    InTarget::Range(Range {
                        start: Box::new(first),
                        kind: range_kind(&op),
                        end: Box::new(end),
                        span: rspan,
                    })
                }
                None => InTarget::Expr(Box::new(first)),
            };
            ExprKind::In {
                value: Box::new(lhs),
                target,
                negated,
            }
        }
        Rule::cmp_tail => {
            let op = expect(&mut parts, Rule::cmp_op, tail_span)?;
            let op = match op.as_str() {
                ">=" | "≥" => BinOp::Ge,
                "<=" | "≤" => BinOp::Le,
                "!=" | "≠" => BinOp::Ne,
                "=" => BinOp::Eq,
                "<" => BinOp::Lt,
                _ => BinOp::Gt,
            };
            let rhs = build_expr(next_any(&mut parts, tail_span, "operand")?)?;
            ExprKind::Binary(op, Box::new(lhs), Box::new(rhs))
        }
        _ => return Err(invariant(tail_span, "comparison")),
    };
    Ok(Expr { kind, span })
}

/// `if c1 then a else if c2 then b else d`: one node for the whole chain, so that nothing after
/// the parser recurses once per `else if` (an `else` branch in parentheses stays a branch).
fn build_if(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_if, span)?;
    let test = build_expr(expect(&mut inner, Rule::or_expr, span)?)?;
    expect(&mut inner, Rule::kw_then, span)?;
    let value = build_expr(expect(&mut inner, Rule::or_expr, span)?)?;
    expect(&mut inner, Rule::kw_else, span)?;
    let otherwise = build_expr(expect(&mut inner, Rule::or_expr, span)?)?;
    let mut branches = vec![(test, value)];
    let otherwise = match otherwise.kind {
        ExprKind::If {
            branches: more,
            otherwise,
        } => {
            branches.extend(more);
            otherwise
        }
        kind => Box::new(Expr {
            kind,
            span: otherwise.span,
        }),
    };
    Ok(Expr {
        kind: ExprKind::If { branches, otherwise },
        span,
    })
}

/// `rank by a descending, then by b within g and h`.
fn build_rank(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut keys = Vec::new();
    let mut within = Vec::new();
    let mut in_groups = false;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::rank_key => keys.push(build_order_key(part)?),
            Rule::kw_within => in_groups = true,
            Rule::as_expr if in_groups => within.push(build_expr(part)?),
            _ => {}
        }
    }
    Ok(Expr {
        kind: ExprKind::Rank { keys, within },
        span,
    })
}

/// A key of an order: `applied_at`, `gmv descending`.
fn build_order_key(pair: Pair<'_, Rule>) -> Result<(Expr, bool)> {
    let kspan = span_of(&pair);
    let mut inner = pair.into_inner();
    let e = build_expr(next_any(&mut inner, kspan, "order key")?)?;
    let descending = inner
        .next()
        .and_then(|d| d.into_inner().next())
        .map(|d| d.as_rule() == Rule::kw_descending)
        .unwrap_or(false);
    Ok((e, descending))
}

/// `running sum of x where c ordered by k`, `portion of x within first t ordered by k`,
/// `previous x ordered by k`.
fn build_ordered(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let head = next_any(&mut inner, span, "running value")?;
    let head_rule = head.as_rule();
    let head_span = span_of(&head);
    let mut parts = head
        .into_inner()
        .filter(|p| p.as_rule() == Rule::postfix_expr || p.as_rule() == Rule::as_expr);
    let value = build_expr(parts.next().ok_or_else(|| invariant(head_span, "value"))?)?;
    let kind = match head_rule {
        Rule::running_head => OrderedKind::RunningSum,
        Rule::previous_head => OrderedKind::Previous,
        Rule::portion_head => {
            let limit = parts.next().ok_or_else(|| invariant(head_span, "threshold"))?;
            OrderedKind::Portion(Box::new(build_expr(limit)?))
        }
        _ => return Err(invariant(head_span, "running value")),
    };
    let mut filter = None;
    let mut keys = Vec::new();
    for part in inner {
        match part.as_rule() {
            Rule::ordered_filter => {
                let fspan = span_of(&part);
                let f = part.into_inner().find(|p| p.as_rule() == Rule::or_expr);
                filter = Some(Box::new(build_expr(f.ok_or_else(|| invariant(fspan, "filter"))?)?));
            }
            Rule::rank_key => keys.push(build_order_key(part)?),
            _ => {}
        }
    }
    Ok(Expr {
        kind: ExprKind::Ordered {
            kind,
            value: Box::new(value),
            filter,
            keys,
        },
        span,
    })
}

/// `balance of c applied to l.fee ordered by t, then by k expiring after N months lost at u`.
fn build_balance(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut exprs = Vec::new();
    let mut keys = Vec::new();
    let mut expiry = None;
    let mut lost_at = None;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::as_expr | Rule::postfix_expr => exprs.push(build_expr(part)?),
            Rule::rank_key => keys.push(build_order_key(part)?),
            Rule::balance_expiry => {
                let espan = span_of(&part);
                let months = part
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::balance_months)
                    .and_then(|p| p.as_str().parse::<u32>().ok())
                    .ok_or_else(|| invariant(espan, "a number of months"))?;
                expiry = Some((months, espan));
            }
            Rule::balance_loss => {
                let lspan = span_of(&part);
                let t = part.into_inner().find(|p| p.as_rule() == Rule::as_expr);
                lost_at = Some(build_expr(t.ok_or_else(|| invariant(lspan, "leaving instant"))?)?);
            }
            _ => {}
        }
    }
    let mut exprs = exprs.into_iter();
    let (Some(credit), Some(applied), Some(date)) = (exprs.next(), exprs.next(), exprs.next()) else {
        return Err(invariant(span, "balance"));
    };
    Ok(Expr {
        kind: ExprKind::Balance(Box::new(BalanceExpr {
            credit,
            applied,
            date,
            keys,
            expiry,
            lost_at,
        })),
        span,
    })
}

/// `sum of a.b where c`.
fn build_aggregate(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let op_pair = expect(&mut inner, Rule::agg_op, span)?;
    let op = match op_pair.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::kw_sum) => AggOp::Sum,
        Some(Rule::kw_count) => AggOp::Count,
        Some(Rule::kw_count_distinct) => AggOp::CountDistinct,
        Some(Rule::kw_min) => AggOp::Min,
        Some(Rule::kw_max) => AggOp::Max,
        Some(Rule::kw_average) => AggOp::Average,
        Some(Rule::kw_any) => AggOp::Any,
        _ => AggOp::All,
    };
    expect(&mut inner, Rule::kw_of, span)?;
    let source = build_expr(expect(&mut inner, Rule::postfix_expr, span)?)?;
    let filter = match inner.next() {
        Some(_where) => Some(Box::new(build_expr(next_any(&mut inner, span, "filter")?)?)),
        None => None,
    };
    Ok(Expr {
        kind: ExprKind::Aggregate {
            op,
            source: Box::new(source),
            filter,
        },
        span,
    })
}

/// `top category of orders by sum of net where ok`, `top category of orders by count`.
fn build_top(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_top, span)?;
    let key = build_expr(expect(&mut inner, Rule::postfix_expr, span)?)?;
    expect(&mut inner, Rule::kw_of, span)?;
    let source = build_expr(expect(&mut inner, Rule::postfix_expr, span)?)?;
    expect(&mut inner, Rule::kw_by, span)?;
    let sum = build_top_measure(expect(&mut inner, Rule::top_measure, span)?)?;
    let mut filter = None;
    let mut ties = Vec::new();
    while let Some(part) = inner.next() {
        match part.as_rule() {
            Rule::top_tie => ties.push(build_top_tie(part)?),
            _ => filter = Some(Box::new(build_expr(next_any(&mut inner, span, "filter")?)?)),
        }
    }
    Ok(Expr {
        kind: ExprKind::Top {
            key: Box::new(key),
            source: Box::new(source),
            sum,
            filter,
            ties,
        },
        span,
    })
}

/// `sum of x` (`Some(x)`) or `count` (`None`).
fn build_top_measure(measure: Pair<'_, Rule>) -> Result<Option<Box<Expr>>> {
    match measure.into_inner().find(|p| p.as_rule() == Rule::postfix_expr) {
        Some(x) => Ok(Some(Box::new(build_expr(x)?))),
        None => Ok(None),
    }
}

/// `, then by count`, `, then by sum of refunded ascending`, `, then by category ascending`.
fn build_top_tie(pair: Pair<'_, Rule>) -> Result<TopTie> {
    let whole = span_of(&pair);
    // From `then` on: the comma before it separates, it is not part of what is labelled.
    let mut span = whole;
    let mut by = None;
    let mut descending = None;
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::kw_then => span = Span::new(span_of(&part).start, whole.end),
            Rule::top_measure => by = Some(TopTieBy::Total(build_top_measure(part)?)),
            Rule::postfix_expr => by = Some(TopTieBy::Key(Box::new(build_expr(part)?))),
            Rule::order_dir => {
                descending = Some(part.into_inner().next().map(|d| d.as_rule()) == Some(Rule::kw_descending));
            }
            _ => {}
        }
    }
    let by = by.ok_or_else(|| invariant(whole, "what a tie-break compares"))?;
    Ok(TopTie { by, descending, span })
}

/// `lookup key { "a" -> v, ... }` or `lookup (k1, k2) { ("a", 1) -> v, ... }`.
fn build_lookup(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    expect(&mut inner, Rule::kw_lookup, span)?;
    let subject = expect(&mut inner, Rule::lookup_subject, span)?;
    let keys = subject.into_inner().map(build_expr).collect::<Result<Vec<_>>>()?;
    let mut rows = Vec::new();
    for row in inner {
        let rspan = span_of(&row);
        let mut parts = row.into_inner();
        let first = next_any(&mut parts, rspan, "lookup key")?;
        let row_keys = if first.as_rule() == Rule::kw_otherwise {
            None
        } else {
            let mut ks = Vec::new();
            for k in first.into_inner() {
                let kspan = span_of(&k);
                let mut lit = k.into_inner();
                ks.push(build_expr(next_any(&mut lit, kspan, "key")?)?);
            }
            Some(ks)
        };
        let value = build_expr(next_any(&mut parts, rspan, "lookup value")?)?;
        rows.push(LookupRow {
            keys: row_keys,
            value,
            span: rspan,
        });
    }
    Ok(Expr {
        kind: ExprKind::Lookup { keys, rows },
        span,
    })
}

/// `band of x { ... }` or `marginal of x { ... }`.
fn build_tiers(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let kind_pair = expect(&mut inner, Rule::tier_kind, span)?;
    let kind = match kind_pair.into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::kw_marginal) => TierKind::Marginal,
        _ => TierKind::Band,
    };
    expect(&mut inner, Rule::kw_of, span)?;
    let subject = build_expr(expect(&mut inner, Rule::as_expr, span)?)?;
    let mut rows: Vec<TierRow> = Vec::new();
    // Where each row's value starts in the file, and its text, to see how it was written.
    let mut written: Vec<(usize, &str)> = Vec::new();
    for row in inner {
        let rspan = span_of(&row);
        if let Some(value) = row.clone().into_inner().last() {
            written.push((value.as_span().start(), value.as_str()));
        }
        let mut start = None;
        let mut end = None;
        let mut kind = RangeKind::Exclusive;
        let mut value = None;
        for part in row.into_inner() {
            match part.as_rule() {
                Rule::tier_start => start = Some(build_expr(next_any(&mut part.into_inner(), rspan, "band start")?)?),
                Rule::tier_end => end = Some(build_expr(next_any(&mut part.into_inner(), rspan, "band end")?)?),
                Rule::range_op => kind = range_kind(&part),
                _ => value = Some(build_expr(part)?),
            }
        }
        rows.push(TierRow {
            start,
            kind,
            end,
            value: value.ok_or_else(|| invariant(rspan, "band value"))?,
            span: rspan,
        });
    }
    for (k, pair) in rows.windows(2).enumerate() {
        if let ([above, below], Some(&(at, text))) = (pair, written.get(k))
            && below.start.is_none()
            && let Some(d) = band_start_read_as_subtraction(above, below, at, text)
        {
            return Err(Box::new(d));
        }
    }
    Ok(Expr {
        kind: ExprKind::Tiers {
            kind,
            subject: Box::new(subject),
            rows,
        },
        span,
    })
}

/// `0 .. 10 -> 1` then, on the next line, `-10 .. 0 -> 2`: whitespace (line breaks included)
/// is insignificant, so the second band's `-10` continues the first band's value (`1 - 10`) and
/// the second band is left without a start. Refused, with the ways to say what was meant.
fn band_start_read_as_subtraction(above: &TierRow, below: &TierRow, at: usize, text: &str) -> Option<Diagnostic> {
    let ExprKind::Arith { first, rest } = &above.value.kind else {
        return None;
    };
    let (op, last) = rest.last()?;
    let before_last = rest
        .len()
        .checked_sub(2)
        .and_then(|i| rest.get(i))
        .map_or(&**first, |(_, e)| e);
    if *op != BinOp::Sub {
        return None;
    }
    let between = text.get(before_last.span.end.checked_sub(at)?..last.span.start.checked_sub(at)?)?;
    if !between.contains('\n') || between.trim() != "-" {
        return None;
    }
    let minus = before_last.span.end + between.find('-')?;
    let comma = Span::new(before_last.span.end, before_last.span.end);
    Some(
        Diagnostic::error(
            Code::NegativeBandStart,
            Span::new(minus, last.span.end),
            "this negative number continues the value of the band above as a subtraction",
            "read as a subtraction from the value above",
        )
        .with_label(below.span, "so this band has no start")
        .with_help(
            "line breaks do not separate bands: end the band above with a comma, or write the start in parentheses, e.g. `(-10) .. 0`",
        )
        .with_fix(comma, ",", "end the band above with a comma"),
    )
}

/// Names, literals, calls and parentheses.
fn build_primary(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::paren => {
            let mut inner = pair.into_inner();
            ExprKind::Paren(Box::new(build_expr(expect(&mut inner, Rule::expr, span)?)?))
        }
        Rule::call => {
            let mut inner = pair.into_inner();
            let name = ident(expect(&mut inner, Rule::call_name, span)?);
            ExprKind::Call(name, inner.map(build_expr).collect::<Result<Vec<_>>>()?)
        }
        Rule::set_lit => ExprKind::Set(pair.into_inner().map(text).collect()),
        Rule::bool_lit => ExprKind::Bool(pair.into_inner().next().is_some_and(|k| k.as_rule() == Rule::kw_true)),
        Rule::number => ExprKind::Number(number(&pair)?),
        Rule::percent_lit => {
            let mut inner = pair.into_inner();
            ExprKind::Percent(number(&expect(&mut inner, Rule::number, span)?)?)
        }
        Rule::quantity_lit => {
            let mut inner = pair.into_inner();
            let n = expect(&mut inner, Rule::number, span)?;
            ExprKind::Quantity(number(&n)?, ident(expect(&mut inner, Rule::unit_word, span)?))
        }
        Rule::string => ExprKind::Text(text(pair).value),
        Rule::ident => ExprKind::Name(ident(pair)),
        Rule::timestamp_lit => ExprKind::Timestamp(build_timestamp(pair)?),
        _ => return Err(invariant(span, "expression")),
    };
    Ok(Expr { kind, span })
}

fn build_timestamp(pair: Pair<'_, Rule>) -> Result<TimestampLit> {
    let span = span_of(&pair);
    let raw = pair.as_str().to_string();
    let mut inner = pair.into_inner();
    let date = expect(&mut inner, Rule::date_lit, span)?;
    let mut d = date.as_str().split('-').map(|p| p.parse::<u32>().unwrap_or(0));
    let year = i32::try_from(d.next().unwrap_or(0)).map_err(|_| invariant(span, "year"))?;
    let month = d.next().unwrap_or(0);
    let day = d.next().unwrap_or(0);
    let mut time = None;
    let mut seconds_written = false;
    let mut offset = None;
    for part in inner {
        match part.as_rule() {
            Rule::time_lit => {
                let s = part.as_str();
                let (hms, frac) = match s.split_once('.') {
                    Some((a, b)) => (a, Some(b)),
                    None => (s, None),
                };
                let mut it = hms.split(':').map(|p| p.parse::<u32>().unwrap_or(0));
                let h = it.next().unwrap_or(0);
                let m = it.next().unwrap_or(0);
                let sec = it.next();
                seconds_written = sec.is_some();
                let nanos = frac
                    .map(|f| {
                        if f.len() > 9 {
                            // Refused by the checker rather than cut to nanoseconds.
                            return crate::time::BEYOND_NANOSECONDS;
                        }
                        let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
                        digits.parse::<u32>().unwrap_or(0)
                    })
                    .unwrap_or(0);
                time = Some((h, m, sec.unwrap_or(0), nanos));
            }
            Rule::offset_lit => {
                let s = part.as_str();
                offset = Some(if s == "Z" {
                    0
                } else {
                    let sign = if s.starts_with('-') { -1 } else { 1 };
                    let body = s.get(1..).unwrap_or("00:00");
                    let mut it = body.split(':').map(|p| p.parse::<i32>().unwrap_or(0));
                    sign * (it.next().unwrap_or(0) * 3600 + it.next().unwrap_or(0) * 60)
                });
            }
            _ => {}
        }
    }
    Ok(TimestampLit {
        year,
        month,
        day,
        time,
        seconds_written,
        offset,
        text: raw,
    })
}
