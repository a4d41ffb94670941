//! The calendar functions (`start_of_day`, `add_months`, `business_days_between`, ...) on
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

fn whole_arg(values: &[Value<'_>], i: usize) -> Result<i64, &'static str> {
    match values.get(i) {
        Some(Value::Num(n)) if n.fract().is_zero() => {
            i64::try_from(*n).map_err(|_| "the number of days or months is too large")
        }
        Some(Value::Num(_) | Value::Ratio(_)) => Err("the number of days or months must be a whole number"),
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
    let t = |i| time_arg(values, i);
    Ok(match func {
        Func::StartOfDay => Value::Time(time::start_of(tz, PeriodUnit::Day, t(0)?).ok_or(too_far)?),
        Func::StartOfWeek => Value::Time(time::start_of(tz, PeriodUnit::Week, t(0)?).ok_or(too_far)?),
        Func::StartOfMonth => Value::Time(time::start_of(tz, PeriodUnit::Month, t(0)?).ok_or(too_far)?),
        Func::AddDays => Value::Time(time::add_days(tz, t(0)?, whole_arg(values, 1)?).ok_or(too_far)?),
        Func::AddMonths => Value::Time(time::add_months(tz, t(0)?, whole_arg(values, 1)?).ok_or(too_far)?),
        Func::DaysBetween => Value::Num(Decimal::from(time::days_between(tz, t(0)?, t(1)?))),
        Func::MonthsBetween => {
            let m = time::months_between(tz, t(0)?, t(1)?).ok_or(too_far)?;
            let part = Decimal::from(m.elapsed.num_seconds());
            let span = Decimal::from(m.next_month.num_seconds().max(1));
            // The fraction of the month exactly (a ratio when it does not end), not rounded
            // to 28 digits.
            let whole = Number::Decimal(Decimal::from(m.whole));
            let months = number::divide_decimals(part, span)
                .ok()
                .flatten()
                .and_then(|fraction| number::apply(Op::Add, whole, fraction).ok().flatten())
                .ok_or(too_far)?;
            Value::of_number(if m.backwards { -months } else { months })
        }
        Func::BusinessDaysBetween => {
            let holidays = inputs.holidays.as_ref();
            let count = time::business_days_between(tz, t(0)?, t(1)?, holidays)
                .ok_or("the dates are too far apart to count business days")?;
            Value::Num(Decimal::from(count))
        }
    })
}
