//! What follows a value or reward in words: rounding, caps, budgets and pools, payment
//! dates and expiry.

use super::Cx;
use super::dates;
use super::doc::Phrase;
use crate::syntax::ast::{Allocation, Budget, BudgetScope, ExprKind, Modifier, PeriodUnit, RoundingMode, Split};

/// One modifier in words. `periodic` says whether it follows a per-period reward, whose cap
/// is on the total over its periods.
pub fn modifier(cx: &mut Cx<'_>, m: &Modifier, periodic_reward: bool) -> Phrase {
    match m {
        Modifier::Rounded { mode, step, .. } => {
            let how = rounding(cx, *mode);
            match step {
                Some((s, _)) => Phrase::text(format!("{how}{}{s}", cx.t(", 精确到 ", " to "))),
                None => Phrase::text(format!("{how}{}", cx.t(", 精确到最小单位", " to the smallest unit"))),
            }
        }
        Modifier::AtMost(e, _) => {
            let cap = cx.value(e);
            match periodic_reward {
                true => cap.after(cx.t("各期合计最高 ", "at most ")).then(cx.t(
                    " (按期依次计入, 用完为止)",
                    " in total over the periods (used up period by period, in calendar order)",
                )),
                false => cap.after(cx.t("最高 ", "at most ")),
            }
        }
        Modifier::AtLeast(e, _) => cx.value(e).after(cx.t("最低 ", "at least ")),
        Modifier::Budget(b) => budget(cx, b),
        Modifier::Paid(parts, _) => {
            let parts: Vec<Phrase> = parts
                .iter()
                .map(|(share, _, when)| {
                    let when = cx.value(when);
                    if cx.zh() {
                        when.after("于 ").then(&format!(" 发放 {share}%"))
                    } else {
                        when.after(&format!("{share}% on "))
                    }
                })
                .collect();
            let joined = Phrase::join(parts, cx.t("; ", " and "));
            joined.after(cx.t("分期发放: ", "paid "))
        }
        Modifier::Expires(e, _) => {
            let when = cx.value(e);
            if cx.zh() {
                when.after("于 ").then(" 失效")
            } else {
                when.after("expires at ")
            }
        }
    }
}

/// A rounding mode in words.
fn rounding(cx: &Cx<'_>, mode: RoundingMode) -> &'static str {
    match mode {
        RoundingMode::Down => cx.t("向下舍入 (不足部分舍去)", "rounded down"),
        RoundingMode::Up => cx.t("向上进位", "rounded up"),
        RoundingMode::HalfUp => cx.t("四舍五入", "rounded half up"),
        RoundingMode::HalfDown => cx.t("四舍五入 (恰为一半时舍去)", "rounded to the nearest, halves down"),
        RoundingMode::HalfEven => cx.t("四舍六入五成双", "rounded to the nearest, halves to even"),
    }
}

/// A budget or pool: how much, for whom, and how it is shared.
fn budget(cx: &mut Cx<'_>, b: &Budget) -> Phrase {
    let mut amount = cx.value(&b.amount);
    if let ExprKind::Name(id) = &b.amount.kind
        && let Some(default) = cx.parameter(&id.name)
    {
        let default = cx.value(default);
        amount = amount
            .then(cx.t(" (默认 ", " ("))
            .and(default)
            .then(cx.t(")", " unless set otherwise)"));
    }
    let mut out = match &b.scope {
        BudgetScope::Total => amount
            .after(cx.t("总预算 ", "a budget of "))
            .then(cx.t("", " in total")),
        BudgetScope::Per(unit, key) => {
            let key = cx.value(key);
            let each = dates::each_period(cx, *unit);
            if cx.zh() {
                amount
                    .after(&format!("{each}预算 "))
                    .then(" (按 ")
                    .and(key)
                    .then(&format!(" 所在{}计)", period_word(*unit)))
            } else {
                amount
                    .after("a budget of ")
                    .then(&format!(" {each}"))
                    .then(" of ")
                    .and(key)
            }
        }
    };
    out.push_text(cx.t("; ", ", "));
    match &b.allocation {
        Allocation::Queue {
            order,
            descending,
            last_split,
        } => {
            let order = cx.value(order);
            out.append(match (descending, cx.zh()) {
                (false, true) => order.after("按 ").then(" 先到先得"),
                (false, false) => order.after("first come, first served by "),
                (true, true) => order.after("按 ").then(" 从高到低依次发放"),
                (true, false) => order.after("served by ").then(", highest first"),
            });
            if let Some(unit) = last_split {
                let period = dates::this_period(cx, *unit);
                out.push_text(if cx.zh() {
                    format!("; 预算用完的{period}内的申领按金额比例分配剩余预算")
                } else {
                    format!("; the claims of {period} the budget runs out share what is left pro rata")
                });
            }
        }
        Allocation::Split(Split::ProRata) => out.push_text(cx.t(
            "申领合计超出预算时按申领金额比例分配",
            "split pro rata to the claims when they exceed it",
        )),
        Allocation::Split(Split::Equally) => out.push_text(cx.t(
            "在申领者之间平均分配, 每份不超过其应得金额",
            "split equally among the claims, none above its claim",
        )),
    }
    out
}

/// The calendar period a time falls in, in Chinese: `月份`, `周`.
fn period_word(unit: PeriodUnit) -> &'static str {
    match unit {
        PeriodUnit::Month => "月份",
        PeriodUnit::Week => "周",
        PeriodUnit::Day => "日",
        PeriodUnit::Year => "年度",
    }
}
