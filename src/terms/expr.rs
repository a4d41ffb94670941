//! Expressions in words: the one traversal of the expression tree for the terms.
//!
//! Each kind of expression is worded once, in `words`: the shapes a merchant reads in
//! an announcement (comparisons, windows, sets, sums over orders, tiers, lookups,
//! rankings) in words, the rest (calls of calendar functions, fields of fields) as the
//! formula the file writes. Tables are not worded inline: they go to the context, which
//! numbers them, and the words say "table N".

use rust_decimal::Decimal;

use super::Cx;
use super::dates;
use super::doc::{Block, Phrase};
use crate::syntax::ast::{
    AggOp, BalanceExpr, BinOp, Expr, ExprKind, Ident, InTarget, LookupRow, OrderedKind, RangeKind, TierKind, TierRow,
    TopTie, TopTieBy,
};

/// Whether an expression is read as something that holds (a condition, a filter, a test)
/// or as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A condition: a bare yes/no name reads "… is true".
    Condition,
    /// A value.
    Value,
}

/// An expression in words.
pub fn words(cx: &mut Cx<'_>, e: &Expr, role: Role) -> Phrase {
    match &e.kind {
        ExprKind::Name(id) => name(cx, id, role),
        ExprKind::Field(..) => holds(cx, Phrase::code(cx.formula(e)), role),
        ExprKind::Number(n) => Phrase::text(n.to_string()),
        ExprKind::Percent(n) => Phrase::text(format!("{n}%")),
        ExprKind::Quantity(n, unit) => Phrase::text(quantity(cx, *n, unit)),
        ExprKind::Text(s) => Phrase::text(quoted(s)),
        ExprKind::Bool(b) => Phrase::text(match b {
            true => cx.t("是", "true"),
            false => cx.t("否", "false"),
        }),
        ExprKind::Timestamp(t) => Phrase::text(dates::timestamp(cx, t, false)),
        ExprKind::Set(items) => {
            let items: Vec<String> = items.iter().map(|t| quoted(&t.value)).collect();
            Phrase::text(items.join(cx.t("、", ", ")))
        }
        ExprKind::Neg(inner) => operand(cx, inner).after("-"),
        ExprKind::Not(inner) => negation(cx, inner),
        ExprKind::Paren(inner) => words(cx, inner, role).after("(").then(")"),
        ExprKind::Binary(op, a, b) => comparison(cx, *op, a, b),
        ExprKind::And(operands) => chain(cx, operands, cx.t(" 且 ", " and "), true),
        ExprKind::Or(operands) => chain(cx, operands, cx.t(" 或 ", " or "), false),
        ExprKind::Arith { first, rest } => {
            let mut out = operand(cx, first);
            for (op, x) in rest {
                out.push_text(format!(" {} ", op.symbol()));
                out.append(operand(cx, x));
            }
            out
        }
        ExprKind::In { value, target, negated } => membership(cx, value, target, *negated),
        ExprKind::IsKnown(inner, known) => cx.value(inner).then(match known {
            true => cx.t(" 有数据", " is known"),
            false => cx.t(" 无数据", " is unknown"),
        }),
        ExprKind::IsWaitlisted(inner) => cx
            .value(inner)
            .then(cx.t(" 因预算用完未获发放", " is waitlisted (the budget ran out before it)")),
        ExprKind::IsEarned(inner) => {
            let reward = cx.value(inner);
            if cx.zh() {
                reward.after("已获得 ")
            } else {
                reward.then(" is earned")
            }
        }
        ExprKind::IfUnknown(a, b) => if_unknown(cx, a, b, role),
        ExprKind::As(a, unit) => {
            let unit = unit_word(cx, &unit.name);
            cx.value(a).then(cx.t(", 折算为 ", ", counted in ")).then(&unit)
        }
        ExprKind::Aggregate { op, source, filter } => aggregate(cx, *op, source, filter.as_deref()),
        ExprKind::Where(list, filter) => {
            let list = cx.value(list);
            let filter = cx.condition(filter);
            if cx.zh() {
                list.then(" 中满足 ").and(filter).then(" 的项")
            } else {
                list.after("the ").then(" where ").and(filter)
            }
        }
        ExprKind::Call(f, args) => call(cx, e, f, args),
        ExprKind::Rank { keys, within } => rank(cx, keys, within),
        ExprKind::Lookup { keys, rows } => lookup(cx, keys, rows),
        ExprKind::Tiers { kind, subject, rows } => tiers(cx, *kind, subject, rows),
        ExprKind::If { branches, otherwise } => conditional(cx, branches, otherwise),
        ExprKind::Ordered {
            kind,
            value,
            filter,
            keys,
        } => ordered(cx, kind, value, filter.as_deref(), keys),
        ExprKind::Top {
            key,
            source,
            sum,
            filter,
            ties,
        } => top(cx, key, source, sum.as_deref(), filter.as_deref(), ties),
        ExprKind::Balance(b) => balance(cx, b),
    }
}

/// An operand of arithmetic: in parentheses when it is worded ("the smaller of a and b",
/// "the sum of …"), so that `min(a, b) × 5 USD` does not read as "the smaller of a and
/// b × 5 USD".
fn operand(cx: &mut Cx<'_>, e: &Expr) -> Phrase {
    let formula = if let ExprKind::Call(f, _) = &e.kind {
        f.name != "min" && f.name != "max"
    } else {
        matches!(
            e.kind,
            ExprKind::Name(_)
                | ExprKind::Field(..)
                | ExprKind::Number(_)
                | ExprKind::Percent(_)
                | ExprKind::Quantity(..)
                | ExprKind::Timestamp(_)
                | ExprKind::Paren(_)
                | ExprKind::Neg(_)
                | ExprKind::Arith { .. }
        )
    };
    let words = cx.value(e);
    if formula { words } else { words.after("(").then(")") }
}

/// A text in quotes, as the terms quote it.
fn quoted(s: &str) -> String {
    format!("“{s}”")
}

/// A name: the period of a per-period definition in words, anything else as written.
fn name(cx: &mut Cx<'_>, id: &Ident, role: Role) -> Phrase {
    if let Some(unit) = cx.period_var(&id.name) {
        return Phrase::text(dates::this_period(cx, unit));
    }
    if id.name == "as_of" {
        return Phrase::text(cx.t("评估时点", "the time of evaluation"));
    }
    holds(cx, Phrase::code(&id.name), role)
}

/// A yes/no value read as a condition: `… 为是`, `… is true`.
fn holds(cx: &Cx<'_>, p: Phrase, role: Role) -> Phrase {
    match role {
        Role::Condition => p.then(cx.t(" 为是", " is true")),
        Role::Value => p,
    }
}

/// `not x`: a yes/no name as `… 为否`, anything else as "not (…)".
fn negation(cx: &mut Cx<'_>, inner: &Expr) -> Phrase {
    if matches!(inner.kind, ExprKind::Name(_) | ExprKind::Field(..)) {
        return cx.value(inner).then(cx.t(" 为否", " is false"));
    }
    let inner = cx.condition(inner);
    if cx.zh() {
        inner.after("并非 (").then(")")
    } else {
        inner.after("not (").then(")")
    }
}

/// `a and b`, `a or b`: each operand as a condition, a chain of the other operator in
/// parentheses.
fn chain(cx: &mut Cx<'_>, operands: &[Expr], sep: &str, and: bool) -> Phrase {
    let parts: Vec<Phrase> = operands
        .iter()
        .map(|x| {
            let inner = cx.condition(x);
            let other = if and {
                matches!(x.kind, ExprKind::Or(_))
            } else {
                matches!(x.kind, ExprKind::And(_))
            };
            if other { inner.after("(").then(")") } else { inner }
        })
        .collect();
    Phrase::join(parts, sep)
}

/// A comparison, "before/after" for points in time, "at least/at most" for the rest.
fn comparison(cx: &mut Cx<'_>, op: BinOp, a: &Expr, b: &Expr) -> Phrase {
    let time = dates::is_time(cx, a) || dates::is_time(cx, b);
    let word = match (op, time) {
        (BinOp::Eq, _) => cx.t(" 为 ", " is "),
        (BinOp::Ne, _) => cx.t(" 不为 ", " is not "),
        (BinOp::Lt, false) => cx.t(" 低于 ", " is less than "),
        (BinOp::Le, false) => cx.t(" 不超过 ", " is at most "),
        (BinOp::Gt, false) => cx.t(" 高于 ", " is more than "),
        (BinOp::Ge, false) => cx.t(" 不低于 ", " is at least "),
        (BinOp::Lt, true) => cx.t(" 早于 ", " is before "),
        (BinOp::Le, true) => cx.t(" 不晚于 ", " is no later than "),
        (BinOp::Gt, true) => cx.t(" 晚于 ", " is after "),
        (BinOp::Ge, true) => cx.t(" 不早于 ", " is no earlier than "),
        // The parser builds only comparisons as a `Binary`; the others keep their symbol.
        (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::And | BinOp::Or, _) => op.symbol(),
    };
    let a = cx.value(a);
    let b = cx.value(b);
    a.then(word).and(b)
}

/// `x in window`, `x in set`, `x in A .. B`, and their `not in`.
fn membership(cx: &mut Cx<'_>, value: &Expr, target: &InTarget, negated: bool) -> Phrase {
    let subject = cx.value(value);
    // (the words before the place, their negation, the place, the words after it)
    let (yes, no, place, after) = match target {
        InTarget::Range(r) => (
            cx.t(" 在 ", " is within "),
            cx.t(" 不在 ", " is not within "),
            dates::range(cx, r),
            cx.t(" 之间", ""),
        ),
        InTarget::Expr(t) => place(cx, t),
    };
    subject.then(if negated { no } else { yes }).and(place).then(after)
}

/// What `in` tests against, in words: a window with its dates, the period, the texts of a
/// set (or of a `let` naming one), or anything else as itself.
fn place(cx: &mut Cx<'_>, t: &Expr) -> (&'static str, &'static str, Phrase, &'static str) {
    if let ExprKind::Name(id) = &t.kind {
        if let Some(r) = cx.window(&id.name) {
            let dates = dates::range(cx, r);
            let place = Phrase::code(&id.name).then(" (").and(dates).then(")");
            return (
                cx.t(" 在 ", " is within "),
                cx.t(" 不在 ", " is not within "),
                place,
                cx.t(" 内", ""),
            );
        }
        if cx.period_var(&id.name).is_some() {
            return (
                cx.t(" 在", " is in "),
                cx.t(" 不在", " is not in "),
                cx.value(t),
                cx.t("内", ""),
            );
        }
        if let Some(items) = cx.set(&id.name) {
            let texts: Vec<String> = items.iter().map(|i| quoted(&i.value)).collect();
            let place = Phrase::text(texts.join(cx.t("、", ", ")));
            return (
                cx.t(" 为 ", " is one of "),
                cx.t(" 不为 ", " is none of "),
                place,
                cx.t(" 之一", ""),
            );
        }
    }
    if let ExprKind::Set(_) = &t.kind {
        return (
            cx.t(" 为 ", " is one of "),
            cx.t(" 不为 ", " is none of "),
            cx.value(t),
            cx.t(" 之一", ""),
        );
    }
    (
        cx.t(" 属于 ", " is in "),
        cx.t(" 不属于 ", " is not in "),
        cx.value(t),
        "",
    )
}

/// `a if unknown b`: in a condition with a yes/no fallback, whether missing data passes;
/// elsewhere, the value taken instead.
fn if_unknown(cx: &mut Cx<'_>, a: &Expr, b: &Expr, role: Role) -> Phrase {
    let main = words(cx, a, role);
    if let (Role::Condition, ExprKind::Bool(pass)) = (role, &b.kind) {
        return main.then(match pass {
            true => cx.t(" (无数据时视为满足)", " (met when the data is missing)"),
            false => cx.t(" (无数据时视为不满足)", " (not met when the data is missing)"),
        });
    }
    if let ExprKind::Bool(v) = &b.kind {
        return main.then(match v {
            true => cx.t(" (无数据时为是)", " (true when the data is missing)"),
            false => cx.t(" (无数据时为否)", " (false when the data is missing)"),
        });
    }
    let fallback = cx.value(b);
    if cx.zh() {
        main.then(" (无数据时取 ").and(fallback).then(")")
    } else {
        main.then(" (").and(fallback).then(" when the data is missing)")
    }
}

/// `sum of orders.amount where …` and the other aggregates.
fn aggregate(cx: &mut Cx<'_>, op: AggOp, source: &Expr, filter: Option<&Expr>) -> Phrase {
    let filter = filter.map(|f| cx.condition(f));
    let source = over(cx, source);
    if cx.zh() {
        aggregate_zh(op, source, filter)
    } else {
        aggregate_en(op, source, filter)
    }
}

/// What an aggregate goes over.
struct Over {
    /// The list, or the periods of a per-period value.
    list: Phrase,
    /// The field taken from each item, or the per-period value.
    field: Option<Phrase>,
    /// Whether it goes over the periods of a per-period value.
    periodic: bool,
}

/// The list and the field of `orders.amount`; for a per-period value, its periods.
fn over(cx: &mut Cx<'_>, source: &Expr) -> Over {
    if let ExprKind::Field(base, f) = &source.kind {
        return Over {
            list: cx.value(base),
            field: Some(Phrase::code(&f.name)),
            periodic: false,
        };
    }
    if let ExprKind::Name(id) = &source.kind
        && let Some(unit) = cx.per_period(&id.name)
    {
        let periods = if cx.zh() {
            format!("各{}", dates::each_period(cx, unit).trim_start_matches('每'))
        } else {
            format!("its {}s", dates::this_period(cx, unit).trim_start_matches("the "))
        };
        return Over {
            list: Phrase::text(periods),
            field: Some(Phrase::code(&id.name)),
            periodic: true,
        };
    }
    Over {
        list: cx.value(source),
        field: None,
        periodic: false,
    }
}

fn aggregate_zh(op: AggOp, over: Over, filter: Option<Phrase>) -> Phrase {
    let matching = |p: Option<Phrase>| p.map_or_else(Phrase::default, |c| c.after("满足 ").then(" 的"));
    let subject = match (&over.field, over.periodic) {
        (Some(field), true) => matching(filter.clone())
            .and(over.list.clone())
            .then("的 ")
            .and(field.clone()),
        (Some(field), false) => over
            .list
            .clone()
            .then(" 中")
            .and(matching(filter.clone()))
            .then("各项的 ")
            .and(field.clone()),
        (None, _) => match filter.clone() {
            Some(c) => over.list.clone().then(" 中满足 ").and(c).then(" 的项"),
            None => over.list.clone(),
        },
    };
    match op {
        AggOp::Sum => subject.then(" 之和"),
        AggOp::Count => match (over.field, filter) {
            (None, Some(c)) => over.list.then(" 中满足 ").and(c).then(" 的项数"),
            (None, None) => over.list.then(" 的项数"),
            (Some(_), _) => subject.then(" 的个数"),
        },
        AggOp::CountDistinct => subject.then(" 的不同取值个数"),
        AggOp::Min => subject.then(" 的最小值"),
        AggOp::Max => subject.then(" 的最大值"),
        AggOp::Average => subject.then(" 的平均值"),
        AggOp::Any => subject.then(" 中任一为是"),
        AggOp::All => subject.then(" 全部为是"),
    }
}

fn aggregate_en(op: AggOp, over: Over, filter: Option<Phrase>) -> Phrase {
    let mut what = match over.field {
        Some(field) => field.then(" over ").and(over.list),
        None => over.list,
    };
    if let Some(c) = filter {
        what = what.then(" where ").and(c);
    }
    match op {
        AggOp::Sum => what.after("the sum of "),
        AggOp::Count => what.after("the number of "),
        AggOp::CountDistinct => what.after("the number of distinct "),
        AggOp::Min => what.after("the smallest "),
        AggOp::Max => what.after("the largest "),
        AggOp::Average => what.after("the average "),
        AggOp::Any => what.after("whether any ").then(" is true"),
        AggOp::All => what.after("whether every ").then(" is true"),
    }
}

/// `top category of orders by sum of net where counted`: the key whose items have the highest
/// total (ties to the group whose first item comes first in the list).
fn top(
    cx: &mut Cx<'_>,
    key: &Expr,
    source: &Expr,
    sum: Option<&Expr>,
    filter: Option<&Expr>,
    ties: &[TopTie],
) -> Phrase {
    let key_phrase = cx.value(key);
    let list = cx.value(source);
    let measure = sum.map(|s| cx.value(s));
    let filter = filter.map(|f| cx.condition(f));
    let tie_phrases: Vec<Phrase> = ties.iter().map(|t| top_tie(cx, t)).collect();
    if cx.zh() {
        let items = match filter {
            Some(c) => list.then(" 中满足 ").and(c).then(" 的项"),
            None => list.then(" 的各项"),
        };
        let total = match measure {
            Some(m) => m.then(" 之和最高"),
            None => Phrase::text("项数最多"),
        };
        let mut tie = Phrase::text(" (并列时");
        for phrase in tie_phrases {
            tie = tie.then("取").and(phrase).then(", 仍并列时");
        }
        items
            .then(" 按 ")
            .and(key_phrase.clone())
            .then(" 分组, ")
            .and(total)
            .then(" 的一组的 ")
            .and(key_phrase)
            .and(tie)
            .then("取在列表中最先出现的一组)")
    } else {
        let total = match measure {
            Some(m) => m.after("the highest total of "),
            None => Phrase::text("the most items"),
        };
        let mut out = key_phrase.after("the ").then(" whose items of ").and(list);
        if let Some(c) = filter {
            out = out.then(" where ").and(c);
        }
        let mut tie = Phrase::text(" (on a tie, ");
        for phrase in tie_phrases {
            tie = tie.and(phrase).then("; if still tied, ");
        }
        out.then(" have ")
            .and(total)
            .and(tie)
            .then("the group that appears first in the list)")
    }
}

/// One tie-break of a `top`, as the group it prefers: "the one with the most items", "the
/// lowest category" / "项数最多的一组", "category 最小的一组".
fn top_tie(cx: &mut Cx<'_>, tie: &TopTie) -> Phrase {
    let descending = tie.descending == Some(true);
    let ascending = tie.descending == Some(false);
    match (&tie.by, cx.zh()) {
        (TopTieBy::Total(Some(x)), false) => {
            let word = if ascending {
                "the lowest total of "
            } else {
                "the highest total of "
            };
            cx.value(x).after(word).after("the group with ")
        }
        (TopTieBy::Total(None), false) => Phrase::text(if ascending {
            "the group with the fewest items"
        } else {
            "the group with the most items"
        }),
        (TopTieBy::Key(key), false) => {
            let word = if descending { "the highest " } else { "the lowest " };
            cx.value(key).after(word)
        }
        (TopTieBy::Total(Some(x)), true) => cx.value(x).then(if ascending {
            " 之和最低的一组"
        } else {
            " 之和最高的一组"
        }),
        (TopTieBy::Total(None), true) => Phrase::text(if ascending {
            "项数最少的一组"
        } else {
            "项数最多的一组"
        }),
        (TopTieBy::Key(key), true) => cx.value(key).then(if descending {
            " 最大的一组"
        } else {
            " 最小的一组"
        }),
    }
}

/// `balance of c applied to orders.fee ordered by t ... expiring after N months lost at u`: the
/// credit left at the month's end.
fn balance(cx: &mut Cx<'_>, b: &BalanceExpr) -> Phrase {
    let credit = cx.value(&b.credit);
    let applied = cx.value(&b.applied);
    let mut keys = vec![(b.date.clone(), false)];
    keys.extend(b.keys.iter().cloned());
    let order = order(cx, &keys);
    let lost = b.lost_at.as_ref().map(|t| cx.value(t));
    let zh = cx.zh();
    let mut out = if zh {
        credit
            .after("每月获得的额度 ")
            .then(" (自下月起可用), 逐项抵扣 ")
            .and(applied)
            .then(", ")
            .and(order)
            .then(" 依次结算, 先用最早获得的额度, 不足部分以现金支付")
    } else {
        credit
            .after("a credit of ")
            .then(" each month (usable from the next month), spent item by item on ")
            .and(applied)
            .then(", settled ")
            .and(order)
            .then(", the oldest credit first and the rest in cash")
    };
    if let Some((months, _)) = b.expiry {
        out.push_text(&if zh {
            format!("; 额度在获得当月之后 {months} 个月末到期")
        } else {
            let word = if months == 1 { "month" } else { "months" };
            format!("; a credit expires {months} {word} after the month it was earned")
        });
    }
    if let Some(t) = lost {
        out = if zh {
            out.then("; 于 ").and(t).then(" 时剩余额度作废")
        } else {
            out.then("; what is left is lost at ").and(t)
        };
    }
    out.then(if zh {
        "; 取值为月末剩余额度"
    } else {
        "; the value is the credit left at the month's end"
    })
}

/// `max(a, b)` and `min(a, b)` in words; any other function as the formula.
fn call(cx: &mut Cx<'_>, e: &Expr, f: &Ident, args: &[Expr]) -> Phrase {
    let which = match f.name.as_str() {
        "max" => Some((cx.t("较大者", "larger"), cx.t("最大者", "largest"))),
        "min" => Some((cx.t("较小者", "smaller"), cx.t("最小者", "smallest"))),
        _ => None,
    };
    let Some((two, many)) = which.filter(|_| args.len() >= 2) else {
        return Phrase::code(cx.formula(e));
    };
    let word = if args.len() == 2 { two } else { many };
    let parts: Vec<Phrase> = args.iter().map(|a| cx.value(a)).collect();
    if cx.zh() {
        Phrase::join(parts, "、").then(" 中的").then(word)
    } else {
        let n = parts.len();
        let mut out = Phrase::text(format!("the {word} of "));
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_text(if i + 1 == n { " and " } else { ", " });
            }
            out.append(part);
        }
        out
    }
}

/// The order of a ranking or an ordered value: `按 `x` 从高到低, 其次按 …`.
fn order(cx: &mut Cx<'_>, keys: &[(Expr, bool)]) -> Phrase {
    let parts: Vec<Phrase> = keys
        .iter()
        .map(|(k, descending)| {
            let time = dates::is_time(cx, k);
            let how = match (descending, time) {
                (true, false) => cx.t(" 从高到低", " descending"),
                (false, false) => cx.t(" 从低到高", " ascending"),
                (true, true) => cx.t(" 从晚到早", " latest first"),
                (false, true) => cx.t(" 从早到晚", " earliest first"),
            };
            cx.value(k).then(how)
        })
        .collect();
    if cx.zh() {
        Phrase::join(parts, ", 其次按 ").after("按 ")
    } else {
        Phrase::join(parts, ", then by ").after("by ")
    }
}

/// `rank by a descending, then by b within g`.
fn rank(cx: &mut Cx<'_>, keys: &[(Expr, bool)], within: &[Expr]) -> Phrase {
    let order = order(cx, keys);
    let groups: Vec<Phrase> = within.iter().map(|g| cx.value(g)).collect();
    if cx.zh() {
        let scope = if groups.is_empty() {
            Phrase::text("在全部记录中")
        } else {
            Phrase::join(groups, "、").after("在 ").then(" 相同的记录中")
        };
        scope.and(order).then(" 排列的名次")
    } else {
        let mut out = order.after("the place when ranked ");
        if !groups.is_empty() {
            out = out
                .then(" among records with the same ")
                .and(Phrase::join(groups, " and "));
        }
        out
    }
}

/// `running sum of`, `portion of … within first`, `previous`.
fn ordered(cx: &mut Cx<'_>, kind: &OrderedKind, value: &Expr, filter: Option<&Expr>, keys: &[(Expr, bool)]) -> Phrase {
    let order = order(cx, keys);
    let value = cx.value(value);
    let filter = filter.map(|f| cx.condition(f));
    let zh = cx.zh();
    let only = |f: Option<Phrase>| match (f, zh) {
        (Some(c), true) => c.after(" (只计满足 ").then(" 的项)"),
        (Some(c), false) => c.after(" (counting only items where ").then(")"),
        (None, _) => Phrase::default(),
    };
    match (kind, zh) {
        (OrderedKind::RunningSum, true) => order
            .then(" 排序后, 排在本项之前各项的 ")
            .and(value)
            .then(" 之和")
            .and(only(filter)),
        (OrderedKind::RunningSum, false) => value
            .after("the sum of ")
            .then(" over the items before this one, ordered ")
            .and(order)
            .and(only(filter)),
        (OrderedKind::Portion(limit), _) => {
            let limit = cx.value(limit);
            if zh {
                order
                    .then(" 排序累计, 本项 ")
                    .and(value)
                    .then(" 落在前 ")
                    .and(limit)
                    .then(" 以内的部分")
                    .and(only(filter))
            } else {
                value
                    .after("the part of this item's ")
                    .then(" within the first ")
                    .and(limit)
                    .then(", ordered ")
                    .and(order)
                    .and(only(filter))
            }
        }
        (OrderedKind::Previous, true) => order.then(" 排序, 前一项的 ").and(value).and(only(filter)),
        (OrderedKind::Previous, false) => value.then(" of the item before, ordered ").and(order).and(only(filter)),
    }
}

/// `if c then a else b` in words.
fn conditional(cx: &mut Cx<'_>, branches: &[(Expr, Expr)], otherwise: &Expr) -> Phrase {
    let mut out = Phrase::default();
    for (i, (test, value)) in branches.iter().enumerate() {
        let test = cx.condition(test);
        let value = cx.value(value);
        if cx.zh() {
            out.push_text(if i == 0 { "若 " } else { "; 否则若 " });
            out.append(test.then(", 为 ").and(value));
        } else {
            if i > 0 {
                out.push_text("; otherwise ");
            }
            out.append(value.then(" if ").and(test));
        }
    }
    let otherwise = cx.value(otherwise);
    out.then(cx.t("; 否则为 ", "; otherwise ")).and(otherwise)
}

/// A lookup table: the words say which table; the table goes to the context.
fn lookup(cx: &mut Cx<'_>, keys: &[Expr], rows: &[LookupRow]) -> Phrase {
    let number = cx.next_table();
    let mut header: Vec<Phrase> = keys.iter().map(|k| Phrase::code(cx.formula(k))).collect();
    header.push(Phrase::text(cx.t("取值", "value")));
    let mut cells = Vec::with_capacity(rows.len());
    for row in rows {
        let mut line: Vec<Phrase> = match &row.keys {
            Some(ks) => ks.iter().map(|k| cx.value(k)).collect(),
            None => {
                let mut first = vec![Phrase::text(cx.t("其他", "otherwise"))];
                first.extend(keys.iter().skip(1).map(|_| Phrase::default()));
                first
            }
        };
        line.push(cx.value(&row.value));
        cells.push(line);
    }
    let by: Vec<Phrase> = keys.iter().map(|k| Phrase::code(cx.formula(k))).collect();
    let by = Phrase::join(by, cx.t("、", ", "));
    let caption = if cx.zh() {
        by.clone().after(&format!("表 {number}: 按 ")).then(" 取值")
    } else {
        by.clone().after(&format!("Table {number}: by "))
    };
    cx.add_table(caption, Block::Table { header, rows: cells });
    if cx.zh() {
        Phrase::text(format!("按表 {number} 取值 (依据 ")).and(by).then(")")
    } else {
        Phrase::text(format!("the value in table {number} for ")).and(by)
    }
}

/// A tier table, `band of` or `marginal of`.
fn tiers(cx: &mut Cx<'_>, kind: TierKind, subject: &Expr, rows: &[TierRow]) -> Phrase {
    let number = cx.next_table();
    let subject_words = cx.value(subject);
    let time = dates::is_time(cx, subject)
        || rows
            .iter()
            .any(|r| r.start.iter().chain(r.end.iter()).any(|b| dates::is_time(cx, b)));
    let header = vec![
        subject_words.clone(),
        Phrase::text(match kind {
            TierKind::Band => cx.t("取值", "value"),
            TierKind::Marginal => cx.t("该档内部分适用的比例", "rate on the part within the band"),
        }),
    ];
    let mut cells = Vec::with_capacity(rows.len());
    for row in rows {
        let band = band(cx, row, time);
        cells.push(vec![band, cx.value(&row.value)]);
    }
    let (caption, words) = match (kind, cx.zh()) {
        (TierKind::Band, true) => (
            format!("表 {number}: 按所在档位取值 (整额适用)"),
            subject_words.then(format!(" 所在档位对应的值 (见表 {number})").as_str()),
        ),
        (TierKind::Band, false) => (
            format!("Table {number}: the band decides the whole value"),
            subject_words
                .after("the value for the band ")
                .then(format!(" falls in (table {number})").as_str()),
        ),
        (TierKind::Marginal, true) => (
            format!("表 {number}: 分段累进, 每档比例只适用于落在该档内的部分"),
            subject_words
                .after("按 ")
                .then(format!(" 分段累进计算的金额 (见表 {number})").as_str()),
        ),
        (TierKind::Marginal, false) => (
            format!("Table {number}: band by band, each rate on the part within its band"),
            subject_words.then(format!(" charged band by band (table {number})").as_str()),
        ),
    };
    cx.add_table(Phrase::text(caption), Block::Table { header, rows: cells });
    words
}

/// One band's range: `不低于 1 万元且低于 5 万元`, `10000 CNY up to 50000 CNY (excluded)`.
fn band(cx: &mut Cx<'_>, row: &TierRow, time: bool) -> Phrase {
    let start = row.start.as_ref().map(|s| cx.value(s));
    let end = row.end.as_ref().map(|e| cx.value(e));
    let through = row.kind == RangeKind::Through;
    let (from, below, upto) = match time {
        false => (
            cx.t("不低于 ", "from "),
            cx.t("低于 ", "below "),
            cx.t("不超过 ", "up to "),
        ),
        true => (
            cx.t("不早于 ", "from "),
            cx.t("早于 ", "before "),
            cx.t("不晚于 ", "until "),
        ),
    };
    let end_words = |e: Phrase| if through { e.after(upto) } else { e.after(below) };
    match (start, end) {
        (Some(s), Some(e)) => s.after(from).then(cx.t(" 且", ", ")).and(end_words(e)),
        (Some(s), None) => s.after(from),
        (None, Some(e)) => end_words(e),
        (None, None) => Phrase::text(cx.t("全部", "any")),
    }
}

/// An amount with its unit in words: `100 元`, `30 天`, `50 CNY`.
pub fn quantity(cx: &Cx<'_>, n: Decimal, unit: &Ident) -> String {
    format!("{n} {}", unit_word(cx, &unit.name))
}

/// A unit's name for the reader: currencies and durations in Chinese words, other units
/// (declared by the campaign) as written.
pub fn unit_word(cx: &Cx<'_>, unit: &str) -> String {
    if !cx.zh() {
        return unit.to_string();
    }
    let word = match unit {
        "CNY" => "元",
        "USD" => "美元",
        "EUR" => "欧元",
        "GBP" => "英镑",
        "JPY" => "日元",
        "HKD" => "港元",
        "day" | "days" => "天",
        "week" | "weeks" => "周",
        "hour" | "hours" => "小时",
        "minute" | "minutes" => "分钟",
        "second" | "seconds" => "秒",
        "month" | "months" => "个月",
        "pp" => "个百分点",
        "times" => "倍",
        other => other,
    };
    word.to_string()
}
