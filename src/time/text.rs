//! Instants and durations as text, read and written by one set of rules so that whatever the
//! program prints reads back as the same value.
//!
//! # The range of instants
//!
//! Every instant the program reads, computes or prints lies from `0000-01-01T00:00:00Z` to
//! `9999-12-31T23:59:59.999999999Z` ([`EARLIEST`], [`LATEST`]): RFC 3339 writes years with
//! four digits, so an instant outside could not be written back. A fact outside the range is
//! refused; a calculation that leaves it fails its record ([`OUT_OF_RANGE`]).
//!
//! # Printing
//!
//! An instant is printed in the campaign's zone ([`shown`], [`rfc3339`]) unless the zone's
//! offset then has seconds (local mean time before the zone adopted standard time, such as
//! `+08:05:43` in `Asia/Shanghai` before 1901) or the local year is outside 0000–9999: RFC
//! 3339 has no way to write either, so such an instant is printed in UTC (`+00:00`), the same
//! instant in a form every reader takes.
//!
//! # Reading
//!
//! Timestamps are RFC 3339 with an offset ([`parse_rfc3339`]): fractions of a second up to
//! nanoseconds (more digits are refused, never cut: `23:59:59.0000000009` is not
//! `23:59:59`), and no leap second (`23:59:60`: the time zone database and the instants the
//! program counts have none, so there is no instant to give it).
//!
//! Durations have one reader ([`parse_duration`]) for fact files, `--param` and test cases.

use std::fmt;

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use crate::program::types::duration_unit;

/// The first instant the program handles: `0000-01-01T00:00:00Z`.
pub const EARLIEST: DateTime<Utc> = NaiveDateTime::new(
    match NaiveDate::from_ymd_opt(0, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
    NaiveTime::MIN,
)
.and_utc();

/// The last instant the program handles: `9999-12-31T23:59:59.999999999Z`.
pub const LATEST: DateTime<Utc> = NaiveDateTime::new(
    match NaiveDate::from_ymd_opt(9999, 12, 31) {
        Some(d) => d,
        None => NaiveDate::MAX,
    },
    match NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999) {
        Some(t) => t,
        None => NaiveTime::MIN,
    },
)
.and_utc();

/// What a record's error says when a calculation leaves the range of instants.
pub const OUT_OF_RANGE: &str = "the date is out of range: dates run from year 0000 to 9999";

/// `t` when it is in the range of instants the program handles (see the module documentation).
#[inline]
pub fn in_range(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (EARLIEST..=LATEST).contains(&t).then_some(t)
}

/// `t + d`, when the sum is in range.
pub fn checked_add(t: DateTime<Utc>, d: TimeDelta) -> Option<DateTime<Utc>> {
    in_range(t.checked_add_signed(d)?)
}

/// `t - d`, when the difference is in range.
pub fn checked_sub(t: DateTime<Utc>, d: TimeDelta) -> Option<DateTime<Utc>> {
    in_range(t.checked_sub_signed(d)?)
}

// ------------------------------------------------------------------ printing

/// The instant as it is printed: in the zone, or in UTC where the zone's reading cannot be
/// written in RFC 3339 (an offset with seconds, a year outside 0000–9999).
pub fn shown(tz: Tz, t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let local = t.with_timezone(&tz).fixed_offset();
    let whole_minutes = local.offset().local_minus_utc() % 60 == 0;
    if whole_minutes && (0..=9999).contains(&local.year()) {
        local
    } else {
        t.fixed_offset()
    }
}

/// The instant in RFC 3339, as results print it (see [`shown`]); reads back with
/// [`parse_rfc3339`] as the same instant.
pub fn rfc3339(tz: Tz, t: DateTime<Utc>) -> String {
    shown(tz, t).to_rfc3339()
}

/// The instant as a campaign would write it, as explanations print it: the local date and time
/// in the zone (`2024-03-10 03:00:00`), with the offset where the local time happens twice
/// (`2024-11-03 01:30:00 -07:00`), and in UTC (`… Z`) where the zone's reading cannot be
/// written. A timestamp literal with this text names the same instant.
pub fn local_text(tz: Tz, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz);
    let offset = local.offset().fix().local_minus_utc();
    let naive = local.naive_local();
    if (0..=9999).contains(&naive.year()) {
        if super::exactly_once(tz, naive) == Ok(t) {
            return clock(naive);
        }
        if offset % 60 == 0 {
            return format!("{} {}", clock(naive), offset_text(offset));
        }
    }
    format!("{} Z", clock(t.naive_utc()))
}

/// `2024-03-10 03:00:00`, with the fraction of a second when there is one.
fn clock(naive: NaiveDateTime) -> String {
    if naive.nanosecond() == 0 {
        naive.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        naive.format("%Y-%m-%d %H:%M:%S%.f").to_string()
    }
}

/// A local reading and an offset in RFC 3339: `2024-11-03T01:30:00-07:00`.
pub fn rfc3339_reading(naive: NaiveDateTime, offset: i32) -> String {
    format!("{}{}", naive.format("%Y-%m-%dT%H:%M:%S%.f"), offset_text(offset))
}

/// `+08:00`, `-07:00` (whole minutes).
pub fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

// ------------------------------------------------------------------ reading timestamps

/// Why a text is not a timestamp the program reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampError {
    /// Not RFC 3339 with an offset at all (the caller may say more: a missing offset, a date).
    NotRfc3339,
    /// More than nine digits after the seconds' point.
    BeyondNanoseconds,
    /// A leap second, `:60`.
    LeapSecond,
    /// Outside 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    OutOfRange,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampError::NotRfc3339 => "write RFC 3339 with an offset, e.g. 2024-08-22T10:00:00+08:00",
            TimestampError::BeyondNanoseconds => {
                "more than 9 digits after the seconds' point; times are read to the nanosecond, and digits beyond are refused rather than dropped"
            }
            TimestampError::LeapSecond => {
                "a leap second (:60) is not counted; write 23:59:59.999999999 or the next second's 00"
            }
            TimestampError::OutOfRange => "out of range; timestamps run from year 0000 to 9999 (in UTC)",
        })
    }
}

/// An RFC 3339 timestamp with an offset (`2024-08-22T10:00:00+08:00`, `…Z`, fractions of a
/// second up to nanoseconds), as the instant it names.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, TimestampError> {
    let t = DateTime::parse_from_rfc3339(text).map_err(|_| TimestampError::NotRfc3339)?;
    check_reading(text, t.naive_local())?;
    in_range(t.with_timezone(&Utc)).ok_or(TimestampError::OutOfRange)
}

/// Refuses a reading chrono takes but the program does not: a leap second (chrono keeps it as
/// a nanosecond count of a second or more), digits beyond nanoseconds (chrono drops them).
fn check_reading(text: &str, naive: NaiveDateTime) -> Result<(), TimestampError> {
    if naive.nanosecond() >= 1_000_000_000 {
        return Err(TimestampError::LeapSecond);
    }
    if fraction_digits(text) > 9 {
        return Err(TimestampError::BeyondNanoseconds);
    }
    Ok(())
}

/// The number of digits after the first `.` that follows a digit (the seconds' fraction of a
/// date and time; 0 when there is none).
fn fraction_digits(text: &str) -> usize {
    let bytes = text.as_bytes();
    let point = bytes
        .windows(2)
        .position(|w| matches!(w, [d, b'.'] if d.is_ascii_digit()))
        .map(|i| i + 2);
    point
        .and_then(|p| bytes.get(p..))
        .map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count())
}

/// Why a time written on the command line (`--as-of`, a parameter, a test case's `with`
/// line) names no single instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Neither RFC 3339 nor a local `YYYY-MM-DD[ HH:MM[:SS]]`.
    NotATime,
    /// RFC 3339 the program refuses (or a local time with the same fault).
    Timestamp(TimestampError),
    /// The clocks go forward over it: from `gap.0` to `gap.1` (local readings), the offset
    /// changing from `offsets.0` to `offsets.1`.
    Skipped {
        /// The local readings where the gap starts and ends.
        gap: (NaiveDateTime, NaiveDateTime),
        /// The offsets before and after, in seconds.
        offsets: (i32, i32),
    },
    /// The clocks go back over it: it happens with either offset (seconds).
    Twice {
        /// The local reading.
        reading: NaiveDateTime,
        /// The offsets of the earlier and the later reading, in seconds.
        offsets: (i32, i32),
    },
}

/// A time given on the command line: RFC 3339 with an offset, or a local
/// `YYYY-MM-DD[ HH:MM[:SS[.f]]]` in the zone, which must happen exactly once.
pub fn parse_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    match parse_rfc3339(text) {
        Ok(t) => return Ok(t),
        Err(TimestampError::NotRfc3339) => {}
        Err(e) => return Err(TimeError::Timestamp(e)),
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or(TimeError::NotATime)?;
    check_reading(text, naive).map_err(TimeError::Timestamp)?;
    let t = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(earlier, later) => {
            return Err(TimeError::Twice {
                reading: naive,
                offsets: (
                    earlier.offset().fix().local_minus_utc(),
                    later.offset().fix().local_minus_utc(),
                ),
            });
        }
        chrono::LocalResult::None => return Err(skipped(tz, naive)),
    };
    in_range(t).ok_or(TimeError::Timestamp(TimestampError::OutOfRange))
}

/// Local `naive` falls in a gap: where the gap starts and ends, and the offsets around it.
fn skipped(tz: Tz, naive: NaiveDateTime) -> TimeError {
    let Some(change) = super::after_gap(tz, naive) else {
        return TimeError::Timestamp(TimestampError::OutOfRange);
    };
    let after = change.with_timezone(&tz).offset().fix().local_minus_utc();
    let before = (change - TimeDelta::seconds(1))
        .with_timezone(&tz)
        .offset()
        .fix()
        .local_minus_utc();
    let start = change.naive_utc() + TimeDelta::seconds(i64::from(before));
    let end = change.naive_utc() + TimeDelta::seconds(i64::from(after));
    TimeError::Skipped {
        gap: (start, end),
        offsets: (before, after),
    }
}

// ------------------------------------------------------------------ reading durations

/// The longest duration the program holds, in seconds (about 292 years: nanoseconds in 64 bits).
pub const MAX_DURATION_SECONDS: i64 = i64::MAX / 1_000_000_000;

/// Why a text is not a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not a number, a number and a unit, nor ISO 8601.
    NotADuration,
    /// An exponent (`3.6e3`).
    Exponent,
    /// The total is not a whole number of seconds (`3600.5`, `0.5 seconds`).
    NotWholeSeconds,
    /// Longer than [`MAX_DURATION_SECONDS`].
    TooLong,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::NotADuration => {
                "write whole seconds (`3600`), a number and a unit (`30 days`, `1.5 hours`) or ISO 8601 (`P30D`, `PT1H30M`)"
            }
            DurationError::Exponent => "exponents are not accepted, write the number out in full",
            DurationError::NotWholeSeconds => {
                "durations are whole seconds, and this is not (fractions of a second are refused, not cut)"
            }
            DurationError::TooLong => "durations up to about 290 years are supported",
        })
    }
}

/// A duration as fact files, `--param` and test cases write it, in seconds: whole seconds
/// (`3600`, `-60`), a number and a unit (`30 days`, `1.5 hours`, `90 minutes`, `2 周`; the
/// units of [`duration_unit`]), or ISO 8601 as results print it (`P30D`, `PT1H30M`,
/// `-PT5S`). The number may have decimals when the total is a whole number of seconds.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let text = text.trim();
    if text.starts_with('P') || text.starts_with("-P") {
        return iso_8601(text);
    }
    let (number, unit) = match text.split_once(char::is_whitespace) {
        Some((number, unit)) => (number, duration_unit(unit.trim()).ok_or(DurationError::NotADuration)?),
        None => match text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
            // `30天`: a Chinese unit right after the number.
            Some(i) if i > 0 => {
                let (number, unit) = text.split_at(i);
                match duration_unit(unit) {
                    Some(seconds) => (number, seconds),
                    None if unit.starts_with(['e', 'E']) => return Err(DurationError::Exponent),
                    None => return Err(DurationError::NotADuration),
                }
            }
            _ => (text, 1),
        },
    };
    seconds_of(number, unit)
}

/// `number × unit` seconds: a plain decimal (`-?[0-9]+(\.[0-9]+)?`) whose product is whole.
fn seconds_of(number: &str, unit: i64) -> Result<i64, DurationError> {
    let digits = number.strip_prefix('-').unwrap_or(number);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !plain(whole) || !plain(fraction) {
        return Err(if number.contains(['e', 'E']) {
            DurationError::Exponent
        } else {
            DurationError::NotADuration
        });
    }
    let value = rust_decimal::Decimal::from_str_exact(number).map_err(|_| DurationError::TooLong)?;
    let total = value
        .checked_mul(rust_decimal::Decimal::from(unit))
        .ok_or(DurationError::TooLong)?;
    if !total.fract().is_zero() {
        return Err(DurationError::NotWholeSeconds);
    }
    let seconds = i64::try_from(total).map_err(|_| DurationError::TooLong)?;
    within_limit(seconds)
}

/// `seconds` when it is a duration the program holds.
pub fn within_limit(seconds: i64) -> Result<i64, DurationError> {
    if seconds.unsigned_abs() > MAX_DURATION_SECONDS.unsigned_abs() {
        Err(DurationError::TooLong)
    } else {
        Ok(seconds)
    }
}

/// ISO 8601 durations of days, hours, minutes and seconds, as results print them, and weeks:
/// `P30D`, `PT1H30M`, `P1DT2H`, `P2W`, `-PT5S`. Years and months (of varying length) are refused.
fn iso_8601(text: &str) -> Result<i64, DurationError> {
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => (-1i64, rest),
        None => (1, text),
    };
    let body = body.strip_prefix('P').ok_or(DurationError::NotADuration)?;
    let (date, time) = match body.split_once('T') {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return Err(DurationError::NotADuration),
        None => (body, None),
    };
    let mut total: i64 = 0;
    let mut parts = 0;
    for (part, units) in [
        (date, &[('W', 604_800i64), ('D', 86_400)][..]),
        (time.unwrap_or(""), &[('H', 3_600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut rest = part;
        for &(letter, seconds) in units {
            if let Some((number, after)) = rest.split_once(letter)
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
            {
                total = total
                    .checked_add(seconds_of(number, seconds)?)
                    .ok_or(DurationError::TooLong)?;
                rest = after;
                parts += 1;
            }
        }
        if !rest.is_empty() {
            return Err(DurationError::NotADuration);
        }
    }
    if parts == 0 {
        return Err(DurationError::NotADuration);
    }
    within_limit(sign * total)
}
