//! Time and the calendar: the one place that turns local dates and times in the campaign's
//! time zone into instants and back, and counts days, weeks and months as people do.
//!
//! Everything else — the checker (timestamp literals, windows, period ranges), the lints, the
//! run inputs (`--as-of`, parameter values) and the evaluator (budget periods, the calendar
//! functions) — goes through this module, so a rule about time is written once. It depends
//! only on chrono, chrono-tz and the AST's [`PeriodUnit`].
//!
//! # Daylight saving
//!
//! A local date and time names an instant through the zone. Where the clocks change it may
//! name none (the clocks go forward over it: 02:30 on 2024-03-10 in `America/Los_Angeles`) or
//! two (the clocks go back over it: 01:30 on 2024-11-03 there). The policy:
//!
//! - **A time someone wrote** — a timestamp literal without an offset, `--as-of`, a parameter
//!   value — must name exactly one instant. A skipped or repeated one is refused
//!   ([`Written::instant`], [`parse_time`]); the checker reports `check::ambiguous_local_time`
//!   and asks for the offset.
//! - **A time the language computes** — the start of a day, week or month, the ends of period
//!   ranges and of `through` a date, `add_days`, `add_months`, `months_between` — is always
//!   an instant ([`instant`]): a skipped time moves forward to the first instant after the
//!   gap (the instant the clocks change, which reads as the end of the gap: 03:00 for 02:30
//!   in Los Angeles, 01:00 for a skipped midnight in `America/Santiago`), and a repeated time
//!   is the first (earlier) of the two.
//!
//! # Periods
//!
//! Days run from local midnight to local midnight, weeks from Monday (ISO weeks), months from
//! the first. A period's key names it: `2024-08-16`, `2024-W34`, `2024-08`.
//!
//! # Text
//!
//! Reading and printing instants and durations is [`text`]'s: the range of instants (years
//! 0000 to 9999 in UTC), timestamps refused rather than cut (digits beyond nanoseconds, leap
//! seconds), printing that always reads back as the same instant, and the one reader of
//! durations for fact files, `--param` and test cases.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use crate::syntax::ast::PeriodUnit;

pub mod business;
pub mod text;

pub use business::{HolidayCalendar, MAX_BUSINESS_DAYS, add_business_days, business_days_between, is_business_day};
pub use text::{
    DurationError, EARLIEST, LATEST, MAX_DURATION_SECONDS, OUT_OF_RANGE, TimeError, TimestampError, checked_add,
    checked_sub, in_range, local_text, offset_text, parse_duration, parse_rfc3339, parse_time, rfc3339,
    rfc3339_reading, shown, within_limit,
};

// ------------------------------------------------------------------ local time and instants

/// The local date and time of an instant in the zone.
#[inline]
pub fn local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The local date of an instant in the zone.
#[inline]
pub fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The instant of a computed local date and time: a skipped time moves to the first instant
/// after the gap, a repeated one is the earlier of the two (see the module documentation).
/// `None` outside the range of instants ([`EARLIEST`] to [`LATEST`]).
#[inline]
pub fn instant(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    in_range(instant_unbounded(tz, naive)?)
}

/// [`instant`] without the range check, for a bound that is only measured against.
fn instant_unbounded(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        chrono::LocalResult::None => after_gap(tz, naive),
    }
}

/// The first instant whose local reading is at or after `naive`, a local time in a gap: the
/// instant the clocks went forward. Found by halving a two-day interval of whole seconds
/// (zone changes happen on whole seconds), where the local reading before is earlier than
/// `naive` and after is later whatever the offsets (they are less than a day).
fn after_gap(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    let reading = |secs: i64| DateTime::from_timestamp(secs, 0).map(|u| local(tz, u));
    let centre = naive.and_utc().timestamp();
    let (mut before, mut after) = (centre.checked_sub(86_400)?, centre.checked_add(86_400)?);
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        if reading(mid)? < naive {
            before = mid;
        } else {
            after = mid;
        }
    }
    DateTime::from_timestamp(after, 0)
}

/// The instant local midnight starts a day (after the gap when the clocks skip midnight).
#[inline]
pub fn midnight(tz: Tz, day: NaiveDate) -> Option<DateTime<Utc>> {
    instant(tz, day.and_time(NaiveTime::MIN))
}

/// The instant the local day after the one `t` falls in starts: the end of `t`'s day.
pub fn end_of_day(tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    midnight(tz, local_date(tz, t).succ_opt()?)
}

// ------------------------------------------------------------------ written times

/// Why a written date and time names no single instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnInstant {
    /// The date is not on the calendar (`2024-02-30`).
    NotOnCalendar,
    /// A time after `24:00` (`24:00:01`).
    PastEndOfDay,
    /// Hours, minutes or seconds out of range (`25:00`, `12:60`).
    NotATimeOfDay,
    /// The clocks go back over it: it happens twice in the zone.
    Twice,
    /// The clocks go forward over it: it never happens in the zone.
    Skipped,
    /// More than nine digits after the seconds' point (the parser gives
    /// [`BEYOND_NANOSECONDS`]): refused rather than cut.
    BeyondNanoseconds,
    /// Outside the range of instants ([`EARLIEST`] to [`LATEST`]).
    OutOfRange,
}

/// The nanoseconds of a written time whose fraction has more than nine digits.
pub const BEYOND_NANOSECONDS: u32 = u32::MAX;

/// A date and time as written in a campaign: `2024-08-16`, `2024-08-16 15:00:30.5`, `2024-08-28
/// 24:00` (midnight at the end of the day), `2024-11-03 01:30 -07:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Year, month and day.
    pub date: (i32, u32, u32),
    /// Hours, minutes, seconds and nanoseconds; midnight when not written.
    pub time: Option<(u32, u32, u32, u32)>,
    /// The UTC offset in seconds, when written; otherwise the time is local to the zone.
    pub offset: Option<i32>,
}

impl Written {
    /// The instant it names: with an offset, that instant; without one, the local time in
    /// `tz`, which must happen exactly once.
    pub fn instant(&self, tz: Tz) -> Result<DateTime<Utc>, NotAnInstant> {
        let (year, month, day) = self.date;
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(NotAnInstant::NotOnCalendar)?;
        let (h, m, s, ns) = self.time.unwrap_or((0, 0, 0, 0));
        if ns == BEYOND_NANOSECONDS {
            return Err(NotAnInstant::BeyondNanoseconds);
        }
        let (date, time) = if h == 24 {
            if m != 0 || s != 0 || ns != 0 {
                return Err(NotAnInstant::PastEndOfDay);
            }
            (date.succ_opt().ok_or(NotAnInstant::OutOfRange)?, NaiveTime::MIN)
        } else {
            match NaiveTime::from_hms_nano_opt(h, m, s, ns) {
                Some(t) if s < 60 => (date, t),
                _ => return Err(NotAnInstant::NotATimeOfDay),
            }
        };
        let naive = NaiveDateTime::new(date, time);
        let t = match self.offset {
            Some(offset) => chrono::FixedOffset::east_opt(offset)
                .and_then(|o| o.from_local_datetime(&naive).single())
                .map(|t| t.with_timezone(&Utc))
                .ok_or(NotAnInstant::OutOfRange)?,
            None => exactly_once(tz, naive)?,
        };
        in_range(t).ok_or(NotAnInstant::OutOfRange)
    }
}

/// The instant of a written local time, refused when the zone skips or repeats it.
fn exactly_once(tz: Tz, naive: NaiveDateTime) -> Result<DateTime<Utc>, NotAnInstant> {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(..) => Err(NotAnInstant::Twice),
        chrono::LocalResult::None => Err(NotAnInstant::Skipped),
    }
}

// ------------------------------------------------------------------ periods

/// The first day of the period `day` falls in: itself, its Monday, the first of its month or
/// of its year.
pub fn period_start(unit: PeriodUnit, day: NaiveDate) -> Option<NaiveDate> {
    match unit {
        PeriodUnit::Day => Some(day),
        PeriodUnit::Week => day.checked_sub_signed(TimeDelta::days(i64::from(day.weekday().num_days_from_monday()))),
        PeriodUnit::Month => day.with_day(1),
        PeriodUnit::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1),
    }
}

/// The first day of the period after the one `day` falls in (for weeks, `day` is a Monday).
pub fn next_period(unit: PeriodUnit, day: NaiveDate) -> Option<NaiveDate> {
    match unit {
        PeriodUnit::Day => day.succ_opt(),
        PeriodUnit::Week => day.checked_add_signed(TimeDelta::days(7)),
        PeriodUnit::Month => {
            let (y, m) = if day.month() == 12 {
                (day.year().checked_add(1)?, 1)
            } else {
                (day.year(), day.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1)
        }
        PeriodUnit::Year => NaiveDate::from_ymd_opt(day.year().checked_add(1)?, 1, 1),
    }
}

/// The periods from the one `first` falls in through the one `last` falls in, each as its
/// first day and the first day of the next.
pub fn periods(unit: PeriodUnit, first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = (NaiveDate, NaiveDate)> {
    let mut cursor = period_start(unit, first);
    std::iter::from_fn(move || {
        let start = cursor.filter(|c| *c <= last)?;
        let next = next_period(unit, start);
        cursor = next;
        Some((start, next?))
    })
}

/// The key of the period a local day falls in: `2024-08-16`, `2024-W34` (the ISO week and its
/// year, which may differ from the day's year), `2024-08`, `2024`.
pub fn day_key(unit: PeriodUnit, day: NaiveDate) -> String {
    match unit {
        PeriodUnit::Month => format!("{:04}-{:02}", day.year(), day.month()),
        PeriodUnit::Year => format!("{:04}", day.year()),
        PeriodUnit::Day => day.format("%Y-%m-%d").to_string(),
        PeriodUnit::Week => {
            let w = day.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
    }
}

/// The key of the calendar period an instant falls in, in the zone (see [`day_key`]).
#[inline]
pub fn period_key(tz: Tz, unit: PeriodUnit, t: DateTime<Utc>) -> String {
    day_key(unit, local_date(tz, t))
}

/// How many periods of `unit` the period `later` falls in comes after the one `earlier` falls
/// in: 0 for the same period, negative when `later`'s period is the earlier one. Weeks start
/// on Monday.
pub fn periods_apart(unit: PeriodUnit, earlier: NaiveDate, later: NaiveDate) -> i64 {
    let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    match unit {
        PeriodUnit::Day => (later - earlier).num_days(),
        PeriodUnit::Week => {
            // Mondays are whole weeks apart: the days between them divide exactly.
            let monday = |d: NaiveDate| i64::from(d.num_days_from_ce()) - i64::from(d.weekday().num_days_from_monday());
            (monday(later) - monday(earlier)) / 7
        }
        PeriodUnit::Month => month_index(later) - month_index(earlier),
        PeriodUnit::Year => i64::from(later.year()) - i64::from(earlier.year()),
    }
}

// ------------------------------------------------------------------ calendar arithmetic

/// The start of the day, week (Monday), month or year `t` falls in: local midnight.
pub fn start_of(tz: Tz, unit: PeriodUnit, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    midnight(tz, period_start(unit, local_date(tz, t))?)
}

/// The same local time `n` days later (earlier when negative).
pub fn add_days(tz: Tz, t: DateTime<Utc>, n: i64) -> Option<DateTime<Utc>> {
    instant(tz, local(tz, t).checked_add_signed(TimeDelta::try_days(n)?)?)
}

/// A local date and time `n` calendar months later (earlier when negative), the day clamped
/// to the end of a shorter month (January 31 + 1 month = February 29 or 28).
pub fn add_local_months(naive: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
    let months = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 {
        naive.checked_add_months(months)
    } else {
        naive.checked_sub_months(months)
    }
}

/// The same local time `n` calendar months later (earlier when negative), clamped to the
/// month's end.
pub fn add_months(tz: Tz, t: DateTime<Utc>, n: i64) -> Option<DateTime<Utc>> {
    instant(tz, add_local_months(local(tz, t), n)?)
}

/// Local days from `a`'s day to `b`'s day (negative when `b` is earlier).
pub fn days_between(tz: Tz, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    (local_date(tz, b) - local_date(tz, a)).num_days()
}

/// Months from one instant to another: whole months, and the part of the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthsBetween {
    /// The most whole months `k` for which `add_months(earlier, k)` is not after the later
    /// instant (`add_months(earlier, 0)` is the earlier instant itself).
    pub whole: u32,
    /// The time from `add_months(earlier, whole)` to the later instant, to the nanosecond.
    pub elapsed: TimeDelta,
    /// The length of the next month: from `add_months(earlier, whole)` to `add_months(earlier, whole + 1)`.
    pub next_month: TimeDelta,
    /// Whether `b` is before `a` (the count is negative: `months_between(a, b)` is
    /// `-months_between(b, a)`).
    pub backwards: bool,
}

/// Months from `a` to `b` (see [`MonthsBetween`] and docs/language.md, "months_between");
/// `None` outside the range of instants.
pub fn months_between(tz: Tz, a: DateTime<Utc>, b: DateTime<Utc>) -> Option<MonthsBetween> {
    let (from, to, backwards) = if b >= a { (a, b, false) } else { (b, a, true) };
    let start = local(tz, from);
    // `add_months(from, k)`, which never decreases as `k` grows; `k = 0` is `from` itself, even
    // when its local reading happens twice (the instant of that reading is the earlier one).
    let after = |k: u32| match k {
        0 => Some(from),
        _ => instant_unbounded(tz, start.checked_add_months(Months::new(k))?),
    };
    // The calendar months between the two local dates, off by at most one (the day and time of
    // day may not have come round yet), then corrected.
    let end = local(tz, to);
    let estimate = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    let mut whole = u32::try_from(estimate.max(0)).ok()?;
    while whole > 0 && after(whole)? > to {
        whole -= 1;
    }
    while after(whole.checked_add(1)?)? <= to {
        whole += 1;
    }
    let lower = after(whole)?;
    let upper = after(whole.checked_add(1)?)?;
    Some(MonthsBetween {
        whole,
        elapsed: to - lower,
        next_month: upper - lower,
        backwards,
    })
}

#[cfg(test)]
#[expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly")]
mod tests;
