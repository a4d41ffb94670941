//! Values as people read them, in explanations: amounts with their unit and digits grouped,
//! percentages with `%`, times in the campaign's time zone.

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::eval::value::Value;
use crate::program::Program;
use crate::program::types::{Dim, Ty};

/// A value as people read it: amounts with their unit, percentages with `%`, times in the campaign's zone.
///
/// A ratio (a quotient without a finite decimal form) is shown to 28 significant digits
/// ([`crate::number::Ratio::to_decimal`]).
pub fn show(program: &Program, v: Value<'_>, ty: &Ty) -> String {
    match (v, ty) {
        (Value::Unknown, _) => "unknown".into(),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Ratio(r), _) => show(program, Value::Num(r.to_decimal()), ty),
        (Value::Num(n), Ty::Num(Dim::Fraction)) => match crate::number::mul_decimals(n, Decimal::ONE_HUNDRED) {
            Ok(percent) => format!("{}%", percent.normalize()),
            // A fraction too large to read as a percentage.
            Err(_) => n.to_string(),
        },
        (Value::Num(n), Ty::Num(Dim::Money(u) | Dim::Unit(u))) => format!("{} {u}", group_digits(n)),
        (Value::Num(n), _) => n.to_string(),
        (Value::Text(t), _) => format!("\"{t}\""),
        (Value::Choice(c), Ty::Choice(choices)) => {
            format!("\"{}\"", choices.get(c as usize).cloned().unwrap_or_default())
        }
        (Value::Choice(c), _) => c.to_string(),
        (Value::Time(t), _) => show_time(program, t),
        (Value::Duration(d), _) => show_duration(d),
        (Value::Window(w), _) => format!(
            "{} {} {}",
            show_time(program, w.start),
            if w.end_inclusive { "through" } else { ".." },
            show_window_end(program, w.end, w.end_inclusive)
        ),
        (Value::Set(items), _) => format!(
            "{{{}}}",
            items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A window's end as an author writes it: an excluded midnight is the previous day's `24:00`.
pub(super) fn show_window_end(program: &Program, t: DateTime<Utc>, inclusive: bool) -> String {
    let local = t.with_timezone(&program.timezone);
    // Only where midnight reads back as this instant (not where it happens twice).
    if !inclusive
        && local.time() == chrono::NaiveTime::MIN
        && crate::time::local_text(program.timezone, t).ends_with(" 00:00:00")
        && let Some(day) = local.date_naive().pred_opt()
    {
        return format!("{} 24:00", day.format("%Y-%m-%d"));
    }
    show_time(program, t)
}

/// A time as a campaign writes it, reading back as the same instant ([`crate::time::local_text`]).
pub(super) fn show_time(program: &Program, t: DateTime<Utc>) -> String {
    crate::time::local_text(program.timezone, t)
}

pub(super) fn show_duration(d: TimeDelta) -> String {
    let secs = d.num_seconds();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    match (days, rest) {
        (0, _) => format!("{h:02}:{m:02}:{s:02}"),
        (_, 0) => format!("{days} days"),
        _ => format!("{days} days {h:02}:{m:02}:{s:02}"),
    }
}

/// `1500.01` → `1,500.01`.
pub(super) fn group_digits(n: Decimal) -> String {
    let text = n.to_string();
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}
