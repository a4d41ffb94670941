//! Calendar arithmetic in the campaign's time zone: days, weeks and months as
//! people count them, and business days against a holiday calendar.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::value::Value;
use crate::program::inputs::Inputs;
use crate::program::{Func, Program};

/// The most days a business-day count walks (about 270 years).
const MAX_DAYS: i64 = 100_000;

fn local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The instant of a local date and time; a time skipped by a clock change moves to the first instant after it.
fn instant(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        chrono::LocalResult::None => {
            // In a spring-forward gap: the first valid instant after it.
            (1..=180)
                .filter_map(|m| tz.from_local_datetime(&(naive + TimeDelta::minutes(m))).earliest())
                .next()
                .map(|t| t.with_timezone(&Utc))
        }
    }
}

fn time_arg(values: &[Value<'_>], i: usize) -> Result<DateTime<Utc>, &'static str> {
    match values.get(i) {
        Some(Value::Time(t)) => Ok(*t),
        _ => Err("internal error: a calendar function got a value that is not a timestamp"),
    }
}

fn whole_arg(values: &[Value<'_>], i: usize) -> Result<i64, &'static str> {
    match values.get(i) {
        Some(Value::Num(n)) if n.fract().is_zero() => {
            i64::try_from(*n).map_err(|_| "the number of days or months is too large")
        }
        Some(Value::Num(_)) => Err("the number of days or months must be a whole number"),
        _ => Err("internal error: a calendar function got a value that is not a number"),
    }
}

/// Applies a calendar function to known values.
pub fn apply<'a>(
    program: &Program,
    inputs: &Inputs,
    func: Func,
    values: &[Value<'a>],
) -> Result<Value<'a>, &'static str> {
    let tz = program.timezone;
    let too_far = "the date is outside the calendar";
    Ok(match func {
        Func::StartOfDay | Func::StartOfWeek | Func::StartOfMonth => {
            let day = local(tz, time_arg(values, 0)?).date();
            let day = match func {
                Func::StartOfWeek => day - TimeDelta::days(i64::from(day.weekday().num_days_from_monday())),
                Func::StartOfMonth => day.with_day(1).ok_or(too_far)?,
                _ => day,
            };
            Value::Time(instant(tz, day.and_time(chrono::NaiveTime::MIN)).ok_or(too_far)?)
        }
        Func::AddDays => {
            let t = local(tz, time_arg(values, 0)?);
            let n = whole_arg(values, 1)?;
            let moved = t
                .checked_add_signed(TimeDelta::try_days(n).ok_or(too_far)?)
                .ok_or(too_far)?;
            Value::Time(instant(tz, moved).ok_or(too_far)?)
        }
        Func::AddMonths => {
            let t = local(tz, time_arg(values, 0)?);
            let n = whole_arg(values, 1)?;
            let months = Months::new(u32::try_from(n.unsigned_abs()).map_err(|_| too_far)?);
            let moved = if n >= 0 {
                t.checked_add_months(months)
            } else {
                t.checked_sub_months(months)
            };
            Value::Time(instant(tz, moved.ok_or(too_far)?).ok_or(too_far)?)
        }
        Func::DaysBetween => {
            let a = local(tz, time_arg(values, 0)?).date();
            let b = local(tz, time_arg(values, 1)?).date();
            Value::Num(Decimal::from((b - a).num_days()))
        }
        Func::MonthsBetween => {
            let a = time_arg(values, 0)?;
            let b = time_arg(values, 1)?;
            let (from, to, sign) = if b >= a {
                (a, b, Decimal::ONE)
            } else {
                (b, a, Decimal::NEGATIVE_ONE)
            };
            let start = local(tz, from);
            let mut whole = 0u32;
            // Whole months first (at most a few thousand steps: dates are bounded).
            loop {
                let next = start
                    .checked_add_months(Months::new(whole + 1))
                    .and_then(|n| instant(tz, n));
                match next {
                    Some(n) if n <= to && whole < 120_000 => whole += 1,
                    _ => break,
                }
            }
            let lower = instant(tz, start.checked_add_months(Months::new(whole)).ok_or(too_far)?).ok_or(too_far)?;
            let upper = instant(tz, start.checked_add_months(Months::new(whole + 1)).ok_or(too_far)?).ok_or(too_far)?;
            let part = Decimal::from((to - lower).num_seconds());
            let span = Decimal::from((upper - lower).num_seconds().max(1));
            let fraction = part.checked_div(span).ok_or(too_far)?;
            Value::Num(sign * (Decimal::from(whole) + fraction))
        }
        Func::BusinessDaysBetween => {
            let a = local(tz, time_arg(values, 0)?).date();
            let b = local(tz, time_arg(values, 1)?).date();
            let (from, to, sign) = if b >= a { (a, b, 1i64) } else { (b, a, -1i64) };
            if (to - from).num_days() > MAX_DAYS {
                return Err("the dates are too far apart to count business days");
            }
            let holidays = inputs.holidays.as_ref();
            let mut count = 0i64;
            let mut day: NaiveDate = from;
            while day < to {
                let weekend = day.weekday().num_days_from_monday() >= 5;
                let holiday = holidays.is_some_and(|h| h.contains(&day));
                if !weekend && !holiday {
                    count += 1;
                }
                day = day.succ_opt().ok_or(too_far)?;
            }
            Value::Num(Decimal::from(sign * count))
        }
    })
}
