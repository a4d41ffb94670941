use chrono_tz::America::{Los_Angeles, Santiago};
use chrono_tz::Asia::{Beirut, Shanghai};
use chrono_tz::Europe::Berlin;
use chrono_tz::Pacific::Apia;

use super::*;
use chrono_tz::Tz;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn naive(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn written(date: (i32, u32, u32), time: Option<(u32, u32, u32, u32)>) -> Written {
    Written {
        date,
        time,
        offset: None,
    }
}

// ---- period keys

#[test]
fn period_keys_at_the_turn_of_the_year() {
    use PeriodUnit::{Day, Month, Week};
    // 2024-12-30 is the Monday of ISO week 1 of 2025.
    assert_eq!(day_key(Week, day("2024-12-29")), "2024-W52");
    assert_eq!(day_key(Week, day("2024-12-30")), "2025-W01");
    assert_eq!(day_key(Month, day("2024-12-30")), "2024-12");
    assert_eq!(day_key(Day, day("2024-12-30")), "2024-12-30");
    // 2021-01-03 (a Sunday) is still in 2020's 53rd week; so is 2027-01-01 in 2026's.
    assert_eq!(day_key(Week, day("2021-01-03")), "2020-W53");
    assert_eq!(day_key(Week, day("2021-01-04")), "2021-W01");
    assert_eq!(day_key(Week, day("2027-01-01")), "2026-W53");
    assert_eq!(day_key(Month, day("2024-01-01")), "2024-01");
}

#[test]
fn period_keys_are_the_zones_days() {
    use PeriodUnit::{Day, Month, Week};
    let t = utc("2024-12-31T16:00:00Z");
    assert_eq!(period_key(Shanghai, Day, t), "2025-01-01");
    assert_eq!(period_key(Shanghai, Month, t), "2025-01");
    assert_eq!(period_key(Shanghai, Week, t), "2025-W01");
    assert_eq!(period_key(chrono_tz::UTC, Day, t), "2024-12-31");
    assert_eq!(period_key(chrono_tz::UTC, Month, t), "2024-12");
    // The first instant of a day skipped at midnight is in that day.
    assert_eq!(period_key(Santiago, Day, utc("2024-09-08T04:00:00Z")), "2024-09-08");
    assert_eq!(period_key(Santiago, Day, utc("2024-09-08T03:59:59Z")), "2024-09-07");
}

#[test]
fn period_ranges_cover_the_periods_of_both_ends() {
    let weeks: Vec<_> = periods(PeriodUnit::Week, day("2024-12-25"), day("2025-01-06")).collect();
    assert_eq!(
        weeks,
        [
            (day("2024-12-23"), day("2024-12-30")),
            (day("2024-12-30"), day("2025-01-06")),
            (day("2025-01-06"), day("2025-01-13")),
        ]
    );
    let months: Vec<_> = periods(PeriodUnit::Month, day("2024-11-01"), day("2025-02-01")).collect();
    assert_eq!(months.len(), 4);
    assert_eq!(months.last(), Some(&(day("2025-02-01"), day("2025-03-01"))));
    assert_eq!(
        periods(PeriodUnit::Day, day("2024-03-02"), day("2024-03-01")).count(),
        0
    );
}

#[test]
fn year_periods_run_from_january_to_january() {
    let years: Vec<_> = periods(PeriodUnit::Year, day("2024-01-01"), day("2026-01-01")).collect();
    assert_eq!(
        years,
        [
            (day("2024-01-01"), day("2025-01-01")),
            (day("2025-01-01"), day("2026-01-01")),
            (day("2026-01-01"), day("2027-01-01")),
        ]
    );
    assert_eq!(day_key(PeriodUnit::Year, day("2024-12-31")), "2024");
    // The year is the zone's: 2024-12-31 16:30 UTC is 2025 in Shanghai.
    assert_eq!(
        period_key(Shanghai, PeriodUnit::Year, utc("2024-12-31T16:30:00Z")),
        "2025"
    );
    assert_eq!(
        start_of(Shanghai, PeriodUnit::Year, utc("2024-12-31T16:30:00Z")),
        Some(utc("2025-01-01T00:00:00+08:00"))
    );
}

#[test]
fn periods_apart_count_calendar_periods_not_lengths() {
    use PeriodUnit::{Day, Month, Week, Year};
    // March 31 to April 1 is one month apart, January 1 to January 31 none.
    assert_eq!(periods_apart(Month, day("2025-03-31"), day("2025-04-01")), 1);
    assert_eq!(periods_apart(Month, day("2025-01-01"), day("2025-01-31")), 0);
    assert_eq!(periods_apart(Month, day("2024-12-15"), day("2025-01-01")), 1);
    assert_eq!(periods_apart(Month, day("2025-04-01"), day("2025-01-31")), -3);
    // Sunday 2024-12-29 and Monday 2024-12-30 are in consecutive weeks; Monday to Sunday is one.
    assert_eq!(periods_apart(Week, day("2024-12-29"), day("2024-12-30")), 1);
    assert_eq!(periods_apart(Week, day("2024-12-30"), day("2025-01-05")), 0);
    assert_eq!(periods_apart(Week, day("2025-01-06"), day("2024-12-29")), -2);
    assert_eq!(periods_apart(Day, day("2024-02-28"), day("2024-03-01")), 2);
    assert_eq!(periods_apart(Year, day("2024-12-31"), day("2025-01-01")), 1);
}

// ---- daylight saving

#[test]
fn a_skipped_time_moves_to_the_end_of_the_gap() {
    // Los Angeles, 2024-03-10: 02:00 PST becomes 03:00 PDT at 10:00Z.
    assert_eq!(
        instant(Los_Angeles, naive("2024-03-10 02:30:00")),
        Some(utc("2024-03-10T03:00:00-07:00"))
    );
    assert_eq!(
        instant(Los_Angeles, naive("2024-03-10 02:00:00")),
        Some(utc("2024-03-10T10:00:00Z"))
    );
    assert_eq!(
        instant(Los_Angeles, naive("2024-03-10 01:59:59")),
        Some(utc("2024-03-10T01:59:59-08:00"))
    );
    assert_eq!(
        instant(Los_Angeles, naive("2024-03-10 03:00:00")),
        Some(utc("2024-03-10T03:00:00-07:00"))
    );
    // Berlin, 2024-03-31: 02:00 CET becomes 03:00 CEST at 01:00Z.
    assert_eq!(
        instant(Berlin, naive("2024-03-31 02:30:00")),
        Some(utc("2024-03-31T01:00:00Z"))
    );
}

#[test]
fn a_skipped_time_with_seconds_moves_to_the_end_of_the_gap_too() {
    // Before this module the calendar functions moved a skipped time forward a minute at a
    // time and kept its seconds (03:00:15); the first instant after the gap is 03:00:00.
    let t = add_days(Los_Angeles, utc("2024-03-09T02:30:15.5-08:00"), 1);
    assert_eq!(t, Some(utc("2024-03-10T03:00:00-07:00")));
}

#[test]
fn a_gap_of_a_whole_day_is_crossed() {
    // Samoa skipped 2011-12-30: the calendar functions used to give up after three hours.
    let t = add_days(Apia, utc("2011-12-29T10:00:00-10:00"), 1);
    assert_eq!(t, Some(utc("2011-12-31T00:00:00+14:00")));
}

#[test]
fn a_repeated_time_is_the_earlier_one() {
    // Los Angeles, 2024-11-03: 01:00-01:59 happens in PDT, then again in PST.
    assert_eq!(
        instant(Los_Angeles, naive("2024-11-03 01:30:00")),
        Some(utc("2024-11-03T01:30:00-07:00"))
    );
    // Berlin, 2024-10-27: 02:00-02:59 happens in CEST, then again in CET.
    assert_eq!(
        instant(Berlin, naive("2024-10-27 02:30:00")),
        Some(utc("2024-10-27T02:30:00+02:00"))
    );
    assert_eq!(
        instant(Berlin, naive("2024-10-27 03:00:00")),
        Some(utc("2024-10-27T03:00:00+01:00"))
    );
}

#[test]
fn a_written_time_must_happen_exactly_once() {
    let gap = written((2024, 3, 10), Some((2, 30, 0, 0)));
    let overlap = written((2024, 11, 3), Some((1, 30, 0, 0)));
    assert_eq!(gap.instant(Los_Angeles), Err(NotAnInstant::Skipped));
    assert_eq!(overlap.instant(Los_Angeles), Err(NotAnInstant::Twice));
    assert_eq!(
        written((2024, 3, 31), Some((2, 30, 0, 0))).instant(Berlin),
        Err(NotAnInstant::Skipped)
    );
    assert_eq!(
        written((2024, 10, 27), Some((2, 30, 0, 0))).instant(Berlin),
        Err(NotAnInstant::Twice)
    );
    // With the offset it names one instant; elsewhere the zone does not matter.
    let pdt = Written {
        offset: Some(-7 * 3600),
        ..overlap
    };
    assert_eq!(pdt.instant(Los_Angeles), Ok(utc("2024-11-03T08:30:00Z")));
    assert_eq!(gap.instant(Shanghai), Ok(utc("2024-03-10T02:30:00+08:00")));
    assert!(matches!(
        parse_time("2024-03-10 02:30", Los_Angeles),
        Err(TimeError::Skipped {
            offsets: (-28_800, -25_200),
            ..
        })
    ));
    assert!(matches!(
        parse_time("2024-11-03 01:30:00", Los_Angeles),
        Err(TimeError::Twice {
            offsets: (-25_200, -28_800),
            ..
        })
    ));
    assert_eq!(
        parse_time("2024-11-03T01:30:00-08:00", Los_Angeles),
        Ok(utc("2024-11-03T09:30:00Z"))
    );
}

#[test]
fn written_dates_and_times_are_checked() {
    let at = |date, time| written(date, time).instant(Shanghai);
    assert_eq!(
        at((2024, 8, 28), Some((24, 0, 0, 0))),
        Ok(utc("2024-08-29T00:00:00+08:00"))
    );
    assert_eq!(at((2024, 8, 28), Some((24, 0, 1, 0))), Err(NotAnInstant::PastEndOfDay));
    assert_eq!(at((2024, 2, 30), None), Err(NotAnInstant::NotOnCalendar));
    assert_eq!(at((2024, 2, 29), Some((25, 0, 0, 0))), Err(NotAnInstant::NotATimeOfDay));
    assert_eq!(
        at((2024, 2, 29), Some((23, 59, 60, 0))),
        Err(NotAnInstant::NotATimeOfDay)
    );
    assert_eq!(at((2024, 2, 29), None), Ok(utc("2024-02-28T16:00:00Z")));
}

#[test]
fn command_line_times_are_rfc3339_or_local() {
    let expected = Ok(utc("2024-09-19T16:00:00Z"));
    for text in [
        "2024-09-20",
        "2024-09-20 00:00",
        "2024-09-20 00:00:00",
        "2024-09-20T00:00:00+08:00",
    ] {
        assert_eq!(parse_time(text, Shanghai), expected, "{text}");
    }
    assert_eq!(parse_time("2024-09-20T00:00", Shanghai), Err(TimeError::NotATime));
    assert_eq!(parse_time("tomorrow", Shanghai), Err(TimeError::NotATime));
}

// ---- midnight

#[test]
fn a_skipped_midnight_starts_the_day_when_the_clocks_change() {
    // Santiago, 2024-09-08: 00:00 -04 becomes 01:00 -03.
    assert_eq!(
        midnight(Santiago, day("2024-09-08")),
        Some(utc("2024-09-08T01:00:00-03:00"))
    );
    assert_eq!(
        start_of(Santiago, PeriodUnit::Day, utc("2024-09-08T05:00:00-03:00")),
        midnight(Santiago, day("2024-09-08"))
    );
    assert_eq!(
        end_of_day(Santiago, utc("2024-09-07T12:00:00-04:00")),
        Some(utc("2024-09-08T04:00:00Z"))
    );
    // Beirut, 2024-03-31: 00:00 +02 becomes 01:00 +03.
    assert_eq!(
        midnight(Beirut, day("2024-03-31")),
        Some(utc("2024-03-31T01:00:00+03:00"))
    );
    // 2024-03-31 is a Sunday: its week started on Monday 25th, at an ordinary midnight.
    assert_eq!(
        start_of(Beirut, PeriodUnit::Week, utc("2024-03-31T12:00:00+03:00")),
        Some(utc("2024-03-25T00:00:00+02:00"))
    );
    assert_eq!(
        start_of(Beirut, PeriodUnit::Month, utc("2024-03-31T12:00:00+03:00")),
        Some(utc("2024-03-01T00:00:00+02:00"))
    );
}

#[test]
fn a_midnight_after_a_repeated_hour_happens_once() {
    // Beirut, 2024-10-27: 00:00 +03 goes back to 23:00 +02 on the 26th, so 23:00-23:59 on the
    // 26th happens twice (the earlier is taken) and midnight on the 27th once.
    assert_eq!(
        midnight(Beirut, day("2024-10-27")),
        Some(utc("2024-10-27T00:00:00+02:00"))
    );
    assert_eq!(
        instant(Beirut, naive("2024-10-26 23:30:00")),
        Some(utc("2024-10-26T23:30:00+03:00"))
    );
    // Santiago, 2024-04-07: 00:00 -03 goes back to 23:00 -04 on the 6th.
    assert_eq!(
        midnight(Santiago, day("2024-04-07")),
        Some(utc("2024-04-07T00:00:00-04:00"))
    );
    assert_eq!(
        days_between(
            Santiago,
            utc("2024-04-06T23:30:00-03:00"),
            utc("2024-04-06T23:30:00-04:00")
        ),
        0
    );
}

// ---- calendar arithmetic

#[test]
fn months_are_clamped_to_the_month_end() {
    let t = utc("2024-01-31T22:30:00+08:00");
    assert_eq!(add_months(Shanghai, t, 1), Some(utc("2024-02-29T22:30:00+08:00")));
    assert_eq!(add_months(Shanghai, t, 13), Some(utc("2025-02-28T22:30:00+08:00")));
    assert_eq!(
        add_months(Shanghai, utc("2024-03-31T00:00:00+08:00"), -1),
        Some(utc("2024-02-29T00:00:00+08:00"))
    );
    assert_eq!(add_months(Shanghai, t, 0), Some(t));
    assert_eq!(add_months(Shanghai, t, i64::MAX), None);
    assert_eq!(
        add_local_months(naive("2023-05-31 10:00:00"), -3),
        Some(naive("2023-02-28 10:00:00"))
    );
}

#[test]
fn days_keep_the_local_time_across_a_change() {
    // From docs/language.md: `add_days` is the same local time, `+ 30 days` 720 hours.
    let march = utc("2024-03-01T00:00:00-08:00");
    assert_eq!(add_days(Los_Angeles, march, 30), Some(utc("2024-03-31T00:00:00-07:00")));
    assert_eq!(
        add_days(Los_Angeles, utc("2024-03-09T02:30:00-08:00"), 1),
        Some(utc("2024-03-10T03:00:00-07:00"))
    );
    assert_eq!(add_days(Los_Angeles, march, -1), Some(utc("2024-02-29T00:00:00-08:00")));
    assert_eq!(add_days(Los_Angeles, march, i64::MAX), None);
    assert_eq!(
        days_between(
            Shanghai,
            utc("2024-05-01T23:00:00+08:00"),
            utc("2024-05-03T01:00:00+08:00")
        ),
        2
    );
    assert_eq!(
        days_between(
            Shanghai,
            utc("2024-05-03T01:00:00+08:00"),
            utc("2024-05-01T23:00:00+08:00")
        ),
        -2
    );
}

#[test]
fn months_between_counts_whole_months_then_the_part_of_the_next() {
    let between = |a, b| months_between(Shanghai, utc(a), utc(b)).unwrap();
    let m = between("2024-05-01T00:00:00+08:00", "2024-06-16T00:00:00+08:00");
    assert_eq!(
        (m.whole, m.elapsed, m.next_month, m.backwards),
        (1, TimeDelta::days(15), TimeDelta::days(30), false)
    );
    let m = between("2024-05-31T00:00:00+08:00", "2024-06-30T00:00:00+08:00");
    assert_eq!((m.whole, m.elapsed), (1, TimeDelta::zero()));
    let m = between("2024-06-16T00:00:00+08:00", "2024-05-01T00:00:00+08:00");
    assert_eq!((m.whole, m.elapsed, m.backwards), (1, TimeDelta::days(15), true));
    // A month across the change in Los Angeles is an hour short.
    let m = months_between(
        Los_Angeles,
        utc("2024-03-01T00:00:00-08:00"),
        utc("2024-03-15T00:00:00-07:00"),
    )
    .unwrap();
    assert_eq!((m.whole, m.next_month), (0, TimeDelta::days(31) - TimeDelta::hours(1)));
}

#[test]
fn business_days_leave_out_weekends_and_holidays() {
    let from = utc("2024-09-30T09:00:00+08:00");
    let to = utc("2024-10-08T09:00:00+08:00");
    assert_eq!(business_days_between(Shanghai, from, to, None), Some(6));
    let holidays = HolidayCalendar::of_holidays((1..=7).map(|d| NaiveDate::from_ymd_opt(2024, 10, d).unwrap()));
    assert_eq!(business_days_between(Shanghai, from, to, Some(&holidays)), Some(1));
    assert_eq!(business_days_between(Shanghai, to, from, Some(&holidays)), Some(-1));
    let far = utc("2400-01-01T00:00:00+08:00");
    assert_eq!(business_days_between(Shanghai, from, far, None), None);
}

/// 国庆 2024: October 1 to 7 off, Sunday September 29 and Saturday October 12 worked (调休补班).
fn national_day_2024() -> HolidayCalendar {
    let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    let mut c = HolidayCalendar::default();
    for d in 1..=7 {
        c.add(day(10, d), false).unwrap();
    }
    c.add(day(9, 29), true).unwrap();
    c.add(day(10, 12), true).unwrap();
    c
}

#[test]
fn make_up_working_days_count_as_business_days() {
    let c = national_day_2024();
    // Sat 09-28 .. Mon 09-30 (excluded): only Sunday 09-29, a make-up working day.
    let (sat, mon) = (utc("2024-09-28T10:00:00+08:00"), utc("2024-09-30T10:00:00+08:00"));
    assert_eq!(business_days_between(Shanghai, sat, mon, Some(&c)), Some(1));
    assert_eq!(business_days_between(Shanghai, sat, mon, None), Some(0));
    // Tue 10-08 .. Mon 10-14 (excluded): 8, 9, 10, 11 and Saturday 12.
    let (tue, next_mon) = (utc("2024-10-08T00:00:00+08:00"), utc("2024-10-14T00:00:00+08:00"));
    assert_eq!(business_days_between(Shanghai, tue, next_mon, Some(&c)), Some(5));
    assert!(is_business_day(Shanghai, utc("2024-10-12T23:00:00+08:00"), Some(&c)));
    assert!(!is_business_day(Shanghai, utc("2024-10-12T23:00:00+08:00"), None));
    assert!(!is_business_day(Shanghai, utc("2024-10-03T09:00:00+08:00"), Some(&c)));
}

#[test]
fn a_calendar_refuses_contradictions_and_weekday_workdays() {
    let mut c = national_day_2024();
    let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
    assert!(
        c.add(day(10, 1), true)
            .unwrap_err()
            .contains("both as a holiday and as a working day")
    );
    assert!(c.add(day(9, 29), false).unwrap_err().contains("both"));
    let weekday = c.add(day(10, 8), true).unwrap_err();
    assert!(weekday.contains("2024-10-08 is a Tuesday"), "{weekday}");
    // Given twice the same way is harmless.
    c.add(day(10, 1), false).unwrap();
    c.add(day(9, 29), true).unwrap();
}

#[test]
fn adding_business_days_skips_holidays_and_counts_make_up_days() {
    let c = national_day_2024();
    // From Monday 09-30 15:00: the 1st business day after is 10-08, the 5th Saturday 10-12.
    let mon = utc("2024-09-30T15:00:00+08:00");
    assert_eq!(
        add_business_days(Shanghai, mon, 1, Some(&c)),
        Some(utc("2024-10-08T15:00:00+08:00"))
    );
    assert_eq!(
        add_business_days(Shanghai, mon, 5, Some(&c)),
        Some(utc("2024-10-12T15:00:00+08:00"))
    );
    // Without the make-up day the 5th is Monday 10-14; without any calendar, Monday 10-07.
    let holidays_only = HolidayCalendar::of_holidays(c.holidays.iter().copied());
    assert_eq!(
        add_business_days(Shanghai, mon, 5, Some(&holidays_only)),
        Some(utc("2024-10-14T15:00:00+08:00"))
    );
    assert_eq!(
        add_business_days(Shanghai, mon, 5, None),
        Some(utc("2024-10-07T15:00:00+08:00"))
    );
    // Backwards: the business day before Tuesday 10-08 is Monday 09-30; two before, Sunday 09-29.
    let tue = utc("2024-10-08T09:00:00+08:00");
    assert_eq!(
        add_business_days(Shanghai, tue, -1, Some(&c)),
        Some(utc("2024-09-30T09:00:00+08:00"))
    );
    assert_eq!(
        add_business_days(Shanghai, tue, -2, Some(&c)),
        Some(utc("2024-09-29T09:00:00+08:00"))
    );
    // 0 is the instant itself, even on a holiday; the own day is never counted.
    let holiday = utc("2024-10-03T09:00:00+08:00");
    assert_eq!(add_business_days(Shanghai, holiday, 0, Some(&c)), Some(holiday));
    assert_eq!(
        add_business_days(Shanghai, holiday, 1, Some(&c)),
        Some(utc("2024-10-08T09:00:00+08:00"))
    );
    // From a business day, counting back gives n.
    let back = add_business_days(Shanghai, mon, 7, Some(&c)).unwrap();
    assert_eq!(business_days_between(Shanghai, mon, back, Some(&c)), Some(7));
    // A day more than MAX_BUSINESS_DAYS calendar days away is not looked for.
    assert_eq!(add_business_days(Shanghai, mon, 200_000, None), None);
}

// ---- months_between: the definition in docs/language.md, "months_between"

/// `months_between` as the calendar function gives it (whole months plus the part of the next).
fn months(tz: Tz, a: &str, b: &str) -> rust_decimal::Decimal {
    let m = months_between(tz, utc(a), utc(b)).unwrap();
    let part = rust_decimal::Decimal::from(m.elapsed.num_nanoseconds().unwrap());
    let span = rust_decimal::Decimal::from(m.next_month.num_nanoseconds().unwrap());
    let value = rust_decimal::Decimal::from(m.whole) + part / span;
    if m.backwards { -value } else { value }
}

#[test]
fn months_between_counts_fractions_of_a_second() {
    // Onboarded half a second before midnight: a sliver of a month, not 0 (it used to count
    // whole seconds only, so `rounded up to 1` paid nothing).
    let m = months_between(
        Shanghai,
        utc("2024-12-31T23:59:59.5+08:00"),
        utc("2025-01-01T00:00:00+08:00"),
    )
    .unwrap();
    assert_eq!((m.whole, m.elapsed), (0, TimeDelta::milliseconds(500)));
    let one_ns = months(
        Shanghai,
        "2024-12-31T23:59:59.999999999+08:00",
        "2025-01-01T00:00:00+08:00",
    );
    assert!(one_ns > rust_decimal::Decimal::ZERO, "{one_ns}");
    // A nanosecond short of a month stays below one.
    let almost = months(
        Shanghai,
        "2024-05-01T00:00:00+08:00",
        "2024-05-31T23:59:59.999999999+08:00",
    );
    assert!(almost < rust_decimal::Decimal::ONE, "{almost}");
}

#[test]
fn months_between_at_month_ends() {
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    // One month after January 31 is February 29 (clamped): exactly one month.
    assert_eq!(
        months(Shanghai, "2024-01-31T00:00:00+08:00", "2024-02-29T00:00:00+08:00"),
        d("1")
    );
    // From February 29, one month is March 29; two more days of the month to April 29 (31 days).
    assert_eq!(
        months(Shanghai, "2024-02-29T00:00:00+08:00", "2024-03-31T00:00:00+08:00"),
        d("1") + d("2") / d("31")
    );
    // Months are counted from `a` each time, never from a clamped month: January 31 plus two
    // months is March 31, not March 29.
    assert_eq!(
        months(Shanghai, "2024-01-31T00:00:00+08:00", "2024-03-31T00:00:00+08:00"),
        d("2")
    );
}

#[test]
fn months_between_backwards_is_the_negative_of_forwards() {
    // docs/language.md: negative when `b` is earlier, `months_between(a, b) = −months_between(b, a)`.
    for (a, b) in [
        ("2024-03-31T00:00:00+08:00", "2024-02-29T00:00:00+08:00"),
        ("2024-06-16T00:00:00+08:00", "2024-05-01T00:00:00+08:00"),
        ("2025-01-01T00:00:00+08:00", "2024-12-31T23:59:59.5+08:00"),
    ] {
        assert_eq!(months(Shanghai, a, b), -months(Shanghai, b, a), "{a} {b}");
        assert!(months(Shanghai, a, b) < rust_decimal::Decimal::ZERO);
    }
    let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    // From March 31 back to February 29 is −(1 + 2/31), not −1 (which `add_months(a, −1)` would give).
    assert_eq!(
        months(Shanghai, "2024-03-31T00:00:00+08:00", "2024-02-29T00:00:00+08:00"),
        -(d("1") + d("2") / d("31"))
    );
}

#[test]
fn months_between_from_a_repeated_time_starts_at_that_instant() {
    // 01:30 PST on 2024-11-03 is the second 01:30 in Los Angeles; zero months from it is itself,
    // not the first 01:30 an hour earlier.
    let a = utc("2024-11-03T01:30:00-08:00");
    let m = months_between(Los_Angeles, a, utc("2024-11-03T02:00:00-08:00")).unwrap();
    assert_eq!((m.whole, m.elapsed), (0, TimeDelta::minutes(30)));
}

#[test]
fn months_between_is_out_of_range_only_outside_the_calendar() {
    let m = months_between(Shanghai, utc("9999-12-15T00:00:00Z"), utc("9999-12-20T00:00:00Z")).unwrap();
    assert_eq!((m.whole, m.elapsed), (0, TimeDelta::days(5)));
    let m = months_between(Shanghai, utc("0000-01-01T00:00:00Z"), utc("9999-12-31T00:00:00Z")).unwrap();
    assert_eq!(m.whole, 9999 * 12 + 11);
}

proptest::proptest! {
    /// For `a ≤ b`, the whole months `k` satisfy `add_months(a, k) ≤ b < add_months(a, k + 1)`,
    /// the fraction is zero exactly when `b = add_months(a, k)`, and backwards is the negative.
    #[test]
    fn months_between_follows_its_definition(
        a in -2_208_988_800i64..4_102_444_800,
        span in 0i64..400_000_000,
        a_nanos in 0u32..1_000_000_000,
        b_nanos in 0u32..1_000_000_000,
        zone in 0usize..4,
    ) {
        let tz = [Shanghai, Los_Angeles, Santiago, Apia][zone];
        let a = DateTime::from_timestamp(a, a_nanos).unwrap();
        let b = DateTime::from_timestamp(a.timestamp() + span, b_nanos).unwrap().max(a);
        let m = months_between(tz, a, b).unwrap();
        let step = |k: u32| if k == 0 { Some(a) } else { instant(tz, local(tz, a).checked_add_months(Months::new(k)).unwrap()) };
        proptest::prop_assert!(step(m.whole).unwrap() <= b);
        proptest::prop_assert!(step(m.whole + 1).unwrap() > b);
        proptest::prop_assert_eq!(m.elapsed.is_zero(), step(m.whole) == Some(b));
        proptest::prop_assert!(m.elapsed < m.next_month);
        let back = months_between(tz, b, a).unwrap();
        proptest::prop_assert_eq!((back.whole, back.elapsed, back.next_month), (m.whole, m.elapsed, m.next_month));
        proptest::prop_assert_eq!(back.backwards, b != a);
    }
}

// ---- the range of instants, printing and reading back

/// Reads `local_text`'s output as the checker reads a timestamp literal.
fn read_local_text(text: &str, tz: Tz) -> DateTime<Utc> {
    let mut parts = text.split(' ');
    let date = parts.next().unwrap();
    let time = parts.next().unwrap();
    let offset = parts.next().map(|o| match o {
        "Z" => 0,
        _ => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (h, m) = o[1..].split_once(':').unwrap();
            sign * (h.parse::<i32>().unwrap() * 3600 + m.parse::<i32>().unwrap() * 60)
        }
    });
    let d: Vec<i32> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<u32> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().unwrap()
    };
    let written = Written {
        date: (d[0], d[1] as u32, d[2] as u32),
        time: Some((t[0], t[1], t[2], nanos)),
        offset,
    };
    written.instant(tz).unwrap()
}

const ZONES: [Tz; 7] = [
    Shanghai,
    Los_Angeles,
    Santiago,
    Apia,
    Beirut,
    chrono_tz::UTC,
    // +14:00 and −12:00 push local years past 9999 and before 0000.
    chrono_tz::Pacific::Kiritimati,
];

proptest::proptest! {
    /// Whatever instant the program accepts, what it prints in results (RFC 3339) and in
    /// explanations (a campaign's timestamp literal) reads back as the same instant.
    #[test]
    fn printed_instants_read_back(
        seconds in EARLIEST.timestamp()..=LATEST.timestamp(),
        nanos in proptest::prop_oneof![proptest::strategy::Just(0u32), 0u32..1_000_000_000],
        zone in 0usize..7,
    ) {
        let tz = ZONES[zone];
        let t = DateTime::from_timestamp(seconds, nanos).unwrap();
        proptest::prop_assert_eq!(parse_rfc3339(&rfc3339(tz, t)), Ok(t), "{}", rfc3339(tz, t));
        proptest::prop_assert_eq!(read_local_text(&local_text(tz, t), tz), t, "{}", local_text(tz, t));
    }

    /// A duration the program prints (ISO 8601) reads back as the same length.
    #[test]
    fn printed_durations_read_back(seconds in -MAX_DURATION_SECONDS..=MAX_DURATION_SECONDS) {
        let text = crate::report::json::duration_text(TimeDelta::seconds(seconds));
        proptest::prop_assert_eq!(parse_duration(&text), Ok(seconds), "{}", text);
    }
}

#[test]
fn the_ends_of_the_range_read_back() {
    for tz in ZONES {
        for t in [EARLIEST, LATEST] {
            assert_eq!(parse_rfc3339(&rfc3339(tz, t)), Ok(t), "{tz} {}", rfc3339(tz, t));
            assert_eq!(read_local_text(&local_text(tz, t), tz), t, "{tz} {}", local_text(tz, t));
        }
    }
}

#[test]
fn local_mean_time_with_seconds_is_printed_in_utc() {
    // Shanghai kept local mean time, +08:05:43, until 1901: RFC 3339 cannot write that offset.
    let t = utc("1900-06-01T00:00:00Z");
    assert_eq!(rfc3339(Shanghai, t), "1900-06-01T00:00:00+00:00");
    // An explanation writes the local time, which a campaign reads as that instant.
    assert_eq!(local_text(Shanghai, t), "1900-06-01 08:05:43");
    // A year past 9999 in the zone is printed in UTC.
    assert_eq!(
        rfc3339(chrono_tz::Pacific::Kiritimati, LATEST),
        "9999-12-31T23:59:59.999999999+00:00"
    );
}

#[test]
fn a_repeated_local_time_is_explained_with_its_offset() {
    assert_eq!(
        local_text(Los_Angeles, utc("2024-11-03T01:30:00-08:00")),
        "2024-11-03 01:30:00 -08:00"
    );
    assert_eq!(
        local_text(Los_Angeles, utc("2024-11-03T00:30:00-07:00")),
        "2024-11-03 00:30:00"
    );
}

#[test]
fn timestamps_beyond_nanoseconds_leap_seconds_and_out_of_range_are_refused() {
    assert_eq!(
        parse_rfc3339("2024-12-31T23:59:59.0000000009+08:00"),
        Err(TimestampError::BeyondNanoseconds)
    );
    assert_eq!(
        parse_rfc3339("2024-12-31T23:59:59.999999999+08:00"),
        Ok(utc("2024-12-31T15:59:59.999999999Z"))
    );
    // 2016-12-31 had a real leap second; the instants counted here have none.
    assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z"), Err(TimestampError::LeapSecond));
    assert_eq!(
        parse_rfc3339("2024-02-29T23:59:60+08:00"),
        Err(TimestampError::LeapSecond)
    );
    assert_eq!(
        parse_rfc3339("0000-01-01T00:00:00+08:00"),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        parse_rfc3339("9999-12-31T23:59:59-01:00"),
        Err(TimestampError::OutOfRange)
    );
    assert_eq!(
        parse_time("2024-02-29 23:59:60", Shanghai),
        Err(TimeError::Timestamp(TimestampError::LeapSecond))
    );
    assert_eq!(
        written((2024, 2, 29), Some((23, 59, 59, BEYOND_NANOSECONDS))).instant(Shanghai),
        Err(NotAnInstant::BeyondNanoseconds)
    );
    assert_eq!(
        Written {
            date: (0, 1, 1),
            time: None,
            offset: Some(3600),
        }
        .instant(Shanghai),
        Err(NotAnInstant::OutOfRange)
    );
}

#[test]
fn calculations_stop_at_the_end_of_the_range() {
    let t = utc("9999-12-15T00:00:00Z");
    assert_eq!(add_months(chrono_tz::UTC, t, 1), None);
    assert_eq!(add_days(chrono_tz::UTC, t, 17), None);
    assert_eq!(checked_add(t, TimeDelta::days(17)), None);
    assert_eq!(checked_add(t, TimeDelta::days(16)), Some(utc("9999-12-31T00:00:00Z")));
    assert_eq!(checked_sub(utc("0000-01-02T00:00:00Z"), TimeDelta::days(2)), None);
}

#[test]
fn one_reader_for_durations() {
    for (text, seconds) in [
        ("3600", 3600),
        ("-60", -60),
        ("30 days", 2_592_000),
        ("1.5 hours", 5400),
        ("90 minutes", 5400),
        ("1 week", 604_800),
        ("2 周", 1_209_600),
        ("30天", 2_592_000),
        ("3600.0", 3600),
        ("P30D", 2_592_000),
        ("PT1H30M", 5400),
        ("P1DT2H", 93_600),
        ("P2W", 1_209_600),
        ("-PT5S", -5),
        ("PT0S", 0),
    ] {
        assert_eq!(parse_duration(text), Ok(seconds), "{text}");
    }
    for (text, why) in [
        ("3600.5", DurationError::NotWholeSeconds),
        ("0.5 seconds", DurationError::NotWholeSeconds),
        ("1.0000001 minutes", DurationError::NotWholeSeconds),
        ("3.6e3", DurationError::Exponent),
        ("30 months", DurationError::NotADuration),
        ("P1M", DurationError::NotADuration),
        ("P1Y", DurationError::NotADuration),
        ("P", DurationError::NotADuration),
        ("PT", DurationError::NotADuration),
        ("P1H", DurationError::NotADuration),
        ("PT1.5S", DurationError::NotADuration),
        ("", DurationError::NotADuration),
        ("1,000", DurationError::NotADuration),
        ("10000000000", DurationError::TooLong),
        ("1000000 weeks", DurationError::TooLong),
    ] {
        assert_eq!(parse_duration(text), Err(why), "{text}");
    }
}

/// The instant the checker gives a timestamp literal written `text` in zone `tz`.
fn literal(text: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let campaign = format!("campaign \"c\" {{\n  timezone {}\n  value t = {text}\n}}\n", tz.name());
    let checked = crate::check::check(&campaign);
    match checked.program?.definitions.first()?.expr {
        crate::program::Ir::Const(crate::program::Const::Time(t)) => Some(t),
        _ => None,
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(64))]
    /// What explanations print is a timestamp literal the checker reads as the same instant.
    #[test]
    fn explained_instants_are_literals_of_the_same_instant(
        seconds in EARLIEST.timestamp()..=LATEST.timestamp(),
        nanos in proptest::prop_oneof![proptest::strategy::Just(0u32), 0u32..1_000_000_000],
        zone in 0usize..7,
    ) {
        let tz = ZONES[zone];
        let t = DateTime::from_timestamp(seconds, nanos).unwrap();
        let text = local_text(tz, t);
        proptest::prop_assert_eq!(literal(&text, tz), Some(t), "{}", text);
    }
}

#[test]
fn explained_edge_instants_are_literals_of_the_same_instant() {
    for tz in ZONES {
        for t in [
            EARLIEST,
            LATEST,
            utc("2024-11-03T01:30:00-08:00"),
            utc("2024-11-03T01:30:00-07:00"),
            utc("1900-06-01T00:00:00Z"),
        ] {
            let text = local_text(tz, t);
            assert_eq!(literal(&text, tz), Some(t), "{tz} {text}");
        }
    }
}
