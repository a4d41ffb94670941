//! Business days: the holiday calendar (days off, and weekend days made working days, 调休补班)
//! and the business-day functions' arithmetic.
//!
//! A day is a business day when it is a working day the calendar names (a make-up working day,
//! whatever its weekday), or else a Monday to Friday the calendar does not name as a holiday.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use super::{add_days, local_date};

/// The most calendar days a business-day function walks (about 270 years).
pub const MAX_BUSINESS_DAYS: i64 = 100_000;

/// A holiday calendar (`evaluate --holidays FILE`, a test case's `with holidays = "..."`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    /// Days off: never business days (on a weekend they change nothing).
    pub holidays: BTreeSet<NaiveDate>,
    /// Saturdays and Sundays that are working days (调休补班): business days.
    pub workdays: BTreeSet<NaiveDate>,
}

impl HolidayCalendar {
    /// A calendar of holidays only.
    pub fn of_holidays(holidays: impl IntoIterator<Item = NaiveDate>) -> HolidayCalendar {
        HolidayCalendar {
            holidays: holidays.into_iter().collect(),
            workdays: BTreeSet::new(),
        }
    }

    /// Adds a day off (`workday` false) or a weekend working day (`workday` true); why not when
    /// the day is already given the other way, or a working day is not a Saturday or Sunday
    /// (Monday to Friday already are, so such a line is most likely a mistyped date).
    pub fn add(&mut self, day: NaiveDate, workday: bool) -> Result<(), String> {
        let clash = if workday {
            self.holidays.contains(&day)
        } else {
            self.workdays.contains(&day)
        };
        if clash {
            return Err(format!("{day} is given both as a holiday and as a working day"));
        }
        if workday && !is_weekend(day) {
            return Err(format!(
                "{day} is a {}, a working day already: only a Saturday or Sunday can be made a working day",
                weekday_name(day.weekday())
            ));
        }
        if workday {
            self.workdays.insert(day);
        } else {
            self.holidays.insert(day);
        }
        Ok(())
    }

    /// Whether `day` is a business day under this calendar.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        self.workdays.contains(&day) || (!is_weekend(day) && !self.holidays.contains(&day))
    }
}

/// Whether `day` is a business day under `calendar`; with none, Monday to Friday.
fn business(calendar: Option<&HolidayCalendar>, day: NaiveDate) -> bool {
    match calendar {
        Some(c) => c.is_business_day(day),
        None => !is_weekend(day),
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Days from `a`'s day (counted) to `b`'s day (not counted) that are business days; negative
/// when `b` is earlier. `None` when the days are more than [`MAX_BUSINESS_DAYS`] apart.
pub fn business_days_between(
    tz: Tz,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
    calendar: Option<&HolidayCalendar>,
) -> Option<i64> {
    let a = local_date(tz, a);
    let b = local_date(tz, b);
    let (from, to, sign) = if b >= a { (a, b, 1i64) } else { (b, a, -1i64) };
    if (to - from).num_days() > MAX_BUSINESS_DAYS {
        return None;
    }
    let mut count = 0i64;
    let mut day = from;
    while day < to {
        if business(calendar, day) {
            count += 1;
        }
        day = day.succ_opt()?;
    }
    Some(sign * count)
}

/// The same local time as `t` on the `n`-th business day after `t`'s day (`t`'s own day is not
/// counted, whatever it is); before it when `n` is negative; `t` itself when `n` is 0. `None`
/// when that day is more than [`MAX_BUSINESS_DAYS`] calendar days away or out of range.
pub fn add_business_days(
    tz: Tz,
    t: DateTime<Utc>,
    n: i64,
    calendar: Option<&HolidayCalendar>,
) -> Option<DateTime<Utc>> {
    let step = if n < 0 { -1 } else { 1 };
    let mut left = n.unsigned_abs();
    let mut day = local_date(tz, t);
    let mut walked = 0i64;
    while left > 0 {
        day = if step < 0 { day.pred_opt()? } else { day.succ_opt()? };
        walked += 1;
        if walked > MAX_BUSINESS_DAYS {
            return None;
        }
        if business(calendar, day) {
            left -= 1;
        }
    }
    add_days(tz, t, step * walked)
}

/// Whether `t`'s day is a business day.
pub fn is_business_day(tz: Tz, t: DateTime<Utc>, calendar: Option<&HolidayCalendar>) -> bool {
    business(calendar, local_date(tz, t))
}
