//! The calendar functions (`start_of_day`, `add_months`, `business_days_between`, `end_of`, ...) on
//! evaluated values: their arguments are checked here, the date arithmetic and the
//! daylight-saving policy are [`crate::time`]'s.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::value::Value;
use crate::number::{self, Number, Op};
use crate::program::inputs::Inputs;
use crate::program::{Func, Program};
use crate::syntax::ast::PeriodUnit;
use crate::time;

fn time_arg(values: &[Value<'_>], i: usize) -> Result<DateTime<Utc>, &'static str> {
    match values.get(i) {
        Some(Value::Time(t)) => Ok(*t),
        _ => Err("internal error: a calendar function got a value that is not a timestamp"),
    }
}

/// A window's start or end (`end`), as `start_of` and `end_of` give it.
fn window_bound<'a>(values: &[Value<'a>], end: bool) -> Result<Value<'a>, &'static str> {
    match values.first() {
        Some(Value::Window(w)) => Ok(Value::Time(if end { w.end } else { w.start })),
        _ => Err("internal error: a calendar function got a value that is not a window"),
    }
}

fn whole_arg(values: &[Value<'_>], i: usize) -> Result<i64, &'static str> {
    match values.get(i) {
        Some(Value::Num(n)) if n.fract().is_zero() => {
            i64::try_from(*n).map_err(|_| "the number of days or months is too large")
        }
        Some(Value::Num(_) | Value::Ratio(_)) => Err("the number of days or months must be a whole number"),
        _ => Err("internal error: a calendar function got a value that is not a number"),
    }
}

/// `months_between` as a number: the whole months plus the elapsed part of the next month,
/// measured to the nanosecond (a month is at most 32 days, so both fit), negative when
/// backwards. The quotient is rounded to 28 significant digits, which keeps a fraction of even
/// a nanosecond above zero and one a nanosecond short of a month below one: `rounded up`
/// counts any part of a month as a month, and a whole number of months stays whole.
fn months_between(m: &time::MonthsBetween) -> Option<Number> {
    let part = Decimal::from(m.elapsed.num_nanoseconds()?);
    let span = Decimal::from(m.next_month.num_nanoseconds()?.max(1));
    // The fraction of the month exactly (a ratio when it does not end), not rounded to 28 digits.
    let fraction = number::divide_decimals(part, span).ok().flatten()?;
    let months = number::apply(Op::Add, Number::Decimal(Decimal::from(m.whole)), fraction)
        .ok()
        .flatten()?;
    Some(if m.backwards { -months } else { months })
}

/// Applies a calendar function to known values.
pub fn apply<'a>(
    program: &Program,
    inputs: &Inputs,
    func: Func,
    values: &[Value<'a>],
) -> Result<Value<'a>, &'static str> {
    let tz = program.timezone;
    let too_far = time::OUT_OF_RANGE;
    let t = |i| time_arg(values, i);
    Ok(match func {
        Func::StartOfDay => Value::Time(time::start_of(tz, PeriodUnit::Day, t(0)?).ok_or(too_far)?),
        Func::StartOfWeek => Value::Time(time::start_of(tz, PeriodUnit::Week, t(0)?).ok_or(too_far)?),
        Func::StartOfMonth => Value::Time(time::start_of(tz, PeriodUnit::Month, t(0)?).ok_or(too_far)?),
        Func::AddDays => Value::Time(time::add_days(tz, t(0)?, whole_arg(values, 1)?).ok_or(too_far)?),
        Func::AddMonths => Value::Time(time::add_months(tz, t(0)?, whole_arg(values, 1)?).ok_or(too_far)?),
        Func::DaysBetween => Value::Num(Decimal::from(time::days_between(tz, t(0)?, t(1)?))),
        Func::MonthsBetween => {
            Value::of_number(months_between(&time::months_between(tz, t(0)?, t(1)?).ok_or(too_far)?).ok_or(too_far)?)
        }
        Func::BusinessDaysBetween => {
            let holidays = inputs.holidays.as_ref();
            let count = time::business_days_between(tz, t(0)?, t(1)?, holidays)
                .ok_or("the dates are too far apart to count business days")?;
            Value::Num(Decimal::from(count))
        }
        Func::AddBusinessDays => {
            let holidays = inputs.holidays.as_ref();
            Value::Time(
                time::add_business_days(tz, t(0)?, whole_arg(values, 1)?, holidays)
                    .ok_or("the business day is too far away: more than 100,000 days, or out of range")?,
            )
        }
        Func::IsBusinessDay => Value::Bool(time::is_business_day(tz, t(0)?, inputs.holidays.as_ref())),
        Func::StartOfYear => Value::Time(time::start_of(tz, PeriodUnit::Year, t(0)?).ok_or(too_far)?),
        Func::StartOf => window_bound(values, false)?,
        Func::EndOf => window_bound(values, true)?,
    })
}
