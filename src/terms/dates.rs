//! Dates, times, windows and period ranges in words, in the campaign's local time as the
//! file writes them: `2024年8月16日15:00至8月28日24:00`, `16 August 2024, 15:00 to
//! 28 August 2024, 24:00`.

use super::Cx;
use super::doc::Phrase;
use crate::syntax::ast::{Expr, ExprKind, PeriodBound, PeriodUnit, PeriodsDecl, Range, RangeKind, TimestampLit};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A month's English name (the number itself when out of range: the checker refuses such
/// dates, so it is never shown).
fn month_name(month: u32) -> String {
    month
        .checked_sub(1)
        .and_then(|i| MONTHS.get(i as usize))
        .map_or_else(|| month.to_string(), |m| (*m).to_string())
}

/// A calendar date; in Chinese without the year when `year_known` says the reader has it.
pub fn date(cx: &Cx<'_>, year: i32, month: u32, day: u32, year_known: bool) -> String {
    if cx.zh() {
        if year_known {
            format!("{month}月{day}日")
        } else {
            format!("{year}年{month}月{day}日")
        }
    } else {
        format!("{day} {} {year}", month_name(month))
    }
}

/// The time of day (and offset) as written after the date, if any: `15:00`, `24:00`,
/// `23:59:59+08:00`.
fn time_written(t: &TimestampLit) -> Option<&str> {
    let rest = t.text.get(10..)?.trim_start_matches([' ', 'T']);
    (!rest.is_empty()).then_some(rest)
}

/// A date and time as written, in words.
pub fn timestamp(cx: &Cx<'_>, t: &TimestampLit, year_known: bool) -> String {
    let day = date(cx, t.year, t.month, t.day, year_known);
    match time_written(t) {
        Some(time) if cx.zh() => format!("{day}{time}"),
        Some(time) => format!("{day}, {time}"),
        None => day,
    }
}

/// Whether an exclusive end needs no "(excluded)": `24:00` is the end of its day, which is
/// how people write the end of a window.
fn end_of_day(t: &TimestampLit) -> bool {
    time_written(t).is_some_and(|time| time.starts_with("24:00"))
}

/// A range in words: two dates as dates (the second without its year in Chinese when it is
/// the first's), anything else through the expression words.
pub fn range(cx: &mut Cx<'_>, r: &Range) -> Phrase {
    if let (ExprKind::Timestamp(a), ExprKind::Timestamp(b)) = (&r.start.kind, &r.end.kind) {
        let excluded = r.kind == RangeKind::Exclusive && !end_of_day(b);
        let mut out = Phrase::text(timestamp(cx, a, false));
        out.push_text(cx.t("至", " to "));
        out.push_text(timestamp(cx, b, a.year == b.year));
        if excluded {
            out.push_text(cx.t("(不含)", " (excluded)"));
        }
        return out;
    }
    let start = cx.value(&r.start);
    let end = cx.value(&r.end);
    let mut out = start.then(cx.t(" 至 ", " to ")).and(end);
    out.push_text(match r.kind {
        RangeKind::Exclusive => cx.t("(不含)", " (excluded)"),
        RangeKind::Through => cx.t("(含)", " (included)"),
    });
    out
}

/// Whether an expression is a point in time, to say "before"/"after" rather than
/// "below"/"above": a date, `as_of`, a calendar function, or one of these plus or minus a
/// duration.
pub fn is_time(cx: &Cx<'_>, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Timestamp(_) => true,
        ExprKind::Name(n) => n.name == "as_of" || cx.is_time_fact(&n.name),
        ExprKind::Field(_, f) => cx.is_time_fact(&f.name),
        ExprKind::Call(f, _) => {
            f.name.starts_with("add_") || f.name.starts_with("start_of") || f.name.starts_with("end_of")
        }
        ExprKind::Arith { first, .. } => is_time(cx, first),
        ExprKind::Paren(inner) | ExprKind::IfUnknown(inner, _) => is_time(cx, inner),
        // The key of the group with the highest total: a day when the key is one.
        ExprKind::Top { key, .. } => is_time(cx, key),
        ExprKind::Number(_)
        | ExprKind::Percent(_)
        | ExprKind::Quantity(..)
        | ExprKind::Text(_)
        | ExprKind::Bool(_)
        | ExprKind::Set(_)
        | ExprKind::Neg(_)
        | ExprKind::Not(_)
        | ExprKind::Binary(..)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::In { .. }
        | ExprKind::IsKnown(..)
        | ExprKind::IsWaitlisted(_)
        | ExprKind::As(..)
        | ExprKind::Aggregate { .. }
        | ExprKind::Where(..)
        | ExprKind::Rank { .. }
        | ExprKind::Lookup { .. }
        | ExprKind::Tiers { .. }
        | ExprKind::If { .. }
        | ExprKind::IsEarned(_)
        | ExprKind::Ordered { .. }
        | ExprKind::Balance(_) => false,
    }
}

/// A period range: `按月: 2022年12月至2023年6月`, `monthly, December 2022 to June 2023`.
pub fn periods(cx: &Cx<'_>, p: &PeriodsDecl) -> String {
    let how = match p.unit {
        PeriodUnit::Month => cx.t("按自然月", "month by month"),
        PeriodUnit::Week => cx.t("按周 (周一至周日)", "week by week (Monday to Sunday)"),
        PeriodUnit::Day => cx.t("按日", "day by day"),
        PeriodUnit::Year => cx.t("按自然年", "year by year"),
    };
    let first = bound(cx, &p.first, false);
    let last = bound(cx, &p.last, p.first.year == p.last.year && !p.last.year_only);
    let (first, last) = match p.unit {
        PeriodUnit::Week if cx.zh() => (format!("{first}所在周"), format!("{last}所在周")),
        PeriodUnit::Week => (format!("the week of {first}"), format!("the week of {last}")),
        PeriodUnit::Month | PeriodUnit::Day | PeriodUnit::Year => (first, last),
    };
    if cx.zh() {
        format!("{how}, {first}至{last}")
    } else {
        format!("{how}, {first} to {last}")
    }
}

/// A period's first or last bound as written: a year, a month or a date.
fn bound(cx: &Cx<'_>, b: &PeriodBound, year_known: bool) -> String {
    match (b.day, b.year_only) {
        (Some(day), _) => date(cx, b.year, b.month, day, year_known),
        (None, true) if cx.zh() => format!("{}年", b.year),
        (None, true) => b.year.to_string(),
        (None, false) if cx.zh() && year_known => format!("{}月", b.month),
        (None, false) if cx.zh() => format!("{}年{}月", b.year, b.month),
        (None, false) => format!("{} {}", month_name(b.month), b.year),
    }
}

/// A calendar unit's period, as "the month" of a per-period definition: `当月`, `the month`.
pub fn this_period(cx: &Cx<'_>, unit: PeriodUnit) -> &'static str {
    match unit {
        PeriodUnit::Month => cx.t("当月", "the month"),
        PeriodUnit::Week => cx.t("当周", "the week"),
        PeriodUnit::Day => cx.t("当日", "the day"),
        PeriodUnit::Year => cx.t("当年", "the year"),
    }
}

/// Each period of a unit: `每月`, `each month`.
pub fn each_period(cx: &Cx<'_>, unit: PeriodUnit) -> &'static str {
    match unit {
        PeriodUnit::Month => cx.t("每月", "each month"),
        PeriodUnit::Week => cx.t("每周", "each week"),
        PeriodUnit::Day => cx.t("每日", "each day"),
        PeriodUnit::Year => cx.t("每年", "each year"),
    }
}
