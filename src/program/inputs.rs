//! The run inputs of a program: parameter values, the reference time and the holiday calendar.
//!
//! A [`Program`] is what a campaign file means; it never changes after checking. What one
//! evaluation is given on top of it — `--param NAME=VALUE`, `--as-of`, `--holidays`, or a
//! test case's `with` lines — is an [`Inputs`] value passed to the evaluator beside it.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::types::{Dim, Ty};
use super::{Const, Program};
use crate::suggest::closest;
use crate::time::{
    DurationError, HolidayCalendar, TimeError, offset_text, parse_duration, parse_time, rfc3339_reading,
};

/// Why an override was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// What is wrong, naming the parameter.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  help: {}", self.message, self.help)
    }
}

impl std::error::Error for ParamError {}

/// What one evaluation is given besides the program.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The value of each of the program's parameters, in declaration order: its default
    /// unless overridden.
    pub params: Vec<Const>,
    /// The evaluation's reference time (`as_of`), given with `evaluate --as-of`; never the clock.
    pub as_of: Option<DateTime<Utc>>,
    /// The holiday calendar for business-day counts (holidays and make-up working days), given
    /// with `evaluate --holidays FILE`.
    pub holidays: Option<HolidayCalendar>,
    /// How many evaluation steps one record may take ([`DEFAULT_WORK_LIMIT`] unless raised
    /// with `--work-limit`): a step is a list item or a period an aggregate or a per-period
    /// definition goes through. A record that needs more fails with
    /// [`EvalErrorKind::WorkLimit`](crate::eval::error::EvalErrorKind::WorkLimit).
    pub work_limit: u64,
}

/// The work limit of a record when none is given: a hundred million steps, far more than any
/// campaign in this project takes on records of any size it handles (a step is a list item or
/// a period gone through; evaluating one takes tens to hundreds of nanoseconds), and few
/// enough that a record whose work grows with a power of its size fails in seconds instead
/// of running for hours.
pub const DEFAULT_WORK_LIMIT: u64 = 100_000_000;

impl Inputs {
    /// The program's defaults: every parameter at its declared value, no reference time, no
    /// holiday calendar.
    pub fn defaults(program: &Program) -> Inputs {
        Inputs {
            params: program.params.iter().map(|p| p.default.clone()).collect(),
            as_of: None,
            holidays: None,
            work_limit: DEFAULT_WORK_LIMIT,
        }
    }

    /// Applies `NAME=VALUE` (`--param`, or a test case's `with` line).
    ///
    /// `as_of`, `holidays` and `work_limit` are settable the same way (in test cases:
    /// `with as_of = "2024-09-20 00:00"`, `with holidays = "2024-10-01, 2024-10-02"`,
    /// `with work_limit = 1000`) unless the campaign declares a parameter of that name, which
    /// then wins.
    pub fn set(&mut self, program: &Program, assignment: &str) -> Result<(), ParamError> {
        let Some((name, text)) = assignment.split_once('=') else {
            return Err(ParamError {
                message: format!("`{assignment}` is not of the form NAME=VALUE"),
                help: "write for example `--param monthly_packs=80`".into(),
            });
        };
        let (name, text) = (name.trim(), text.trim());
        let tz = program.timezone;
        let unquoted = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
        let declared = program.params.iter().position(|p| p.name == name);
        if name == "as_of" && declared.is_none() {
            self.as_of = Some(parse_time(unquoted, tz).map_err(|why| not_a_time(unquoted, tz, &why, "as_of="))?);
            return Ok(());
        }
        if name == "holidays" && declared.is_none() {
            self.holidays = Some(parse_holidays(unquoted.split([',', ' ']))?);
            return Ok(());
        }
        if name == "work_limit" && declared.is_none() {
            self.work_limit = parse_work_limit(unquoted)?;
            return Ok(());
        }
        let (Some(index), Some(param)) = (declared, declared.and_then(|i| program.params.get(i))) else {
            let names: Vec<&str> = program.params.iter().map(|p| p.name.as_str()).collect();
            let help = match closest(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => "this campaign declares no parameters".into(),
                None => format!("the campaign's parameters are: {}", names.join(", ")),
            };
            return Err(ParamError {
                message: format!("the campaign has no parameter `{name}`"),
                help,
            });
        };
        let value = parse_value(&param.ty, text, tz).map_err(|why| match why {
            ValueError::Time(why) => not_a_time(unquoted, tz, &why, &format!("{name}=")),
            ValueError::Duration(why) => ParamError {
                message: format!(
                    "`{text}` is not a valid value for `{name}`, which is {}: {why}",
                    param.ty
                ),
                help: value_help(&param.ty),
            },
            ValueError::Invalid => ParamError {
                message: format!("`{text}` is not a valid value for `{name}`, which is {}", param.ty),
                help: value_help(&param.ty),
            },
        })?;
        if let Some(slot) = self.params.get_mut(index) {
            *slot = value;
        }
        Ok(())
    }
}

impl Inputs {
    /// Refuses parameter values that break a tier table whose band ends are parameters (see
    /// [`super::tables`]): call it once every value is set, before evaluating.
    pub fn check_tables(&self, program: &Program) -> Result<(), ParamError> {
        super::tables::check_tables(program, &self.params)
    }
}

/// A work limit (`--work-limit N`, or a test case's `with work_limit = N`): a whole number of
/// evaluation steps, at least 1.
pub fn parse_work_limit(text: &str) -> Result<u64, ParamError> {
    text.trim()
        .replace('_', "")
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ParamError {
            message: format!("`{text}` is not a work limit"),
            help: format!(
                "write a whole number of evaluation steps of at least 1; the default is {DEFAULT_WORK_LIMIT}"
            ),
        })
}

/// A holiday calendar written in one line (a test case's `with holidays = "..."`, `--param
/// holidays=...`): dates `YYYY-MM-DD` separated by commas or spaces, each a holiday unless
/// followed by the word `workday` (a weekend day that is a working day, 调休补班).
pub fn parse_holidays<'t>(parts: impl Iterator<Item = &'t str>) -> Result<HolidayCalendar, ParamError> {
    let help = "list the holidays as dates, and make-up working days as dates followed by `workday`: `2024-10-01, 2024-10-12 workday`";
    let refused = |message: String| ParamError {
        message,
        help: help.into(),
    };
    let mut calendar = HolidayCalendar::default();
    // The last date read, not yet added: a following `workday` makes it a working day.
    let mut pending: Option<NaiveDate> = None;
    for part in parts.map(str::trim).filter(|p| !p.is_empty()) {
        if part == WORKDAY {
            let day = pending
                .take()
                .ok_or_else(|| refused(format!("`{WORKDAY}` follows no date")))?;
            calendar.add(day, true).map_err(refused)?;
            continue;
        }
        if let Some(day) = pending.take() {
            calendar.add(day, false).map_err(refused)?;
        }
        pending = Some(holiday_date(part).ok_or_else(|| refused(format!("`{part}` is not a date")))?);
    }
    if let Some(day) = pending {
        calendar.add(day, false).map_err(refused)?;
    }
    Ok(calendar)
}

/// The word after a date that makes it a working day.
pub const WORKDAY: &str = "workday";

/// Why a line of a holiday file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayLineError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A holiday file (`--holidays FILE`): one day a line, `YYYY-MM-DD` for a holiday or
/// `YYYY-MM-DD workday` for a Saturday or Sunday that is a working day (调休补班); `#` starts
/// a comment, blank lines are skipped.
pub fn parse_holiday_file(text: &str) -> Result<HolidayCalendar, HolidayLineError> {
    let mut calendar = HolidayCalendar::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let refused = |message: String| HolidayLineError { line: n + 1, message };
        let mut words = line.split_whitespace();
        let date = words.next().unwrap_or("");
        let workday = match (words.next(), words.next()) {
            (None, _) => false,
            (Some(WORKDAY), None) => true,
            _ => {
                return Err(refused(format!(
                    "`{line}` is not a date, or a date followed by `{WORKDAY}`"
                )));
            }
        };
        let day = holiday_date(date).ok_or_else(|| refused(format!("`{date}` is not a date")))?;
        calendar.add(day, workday).map_err(refused)?;
    }
    Ok(calendar)
}

fn holiday_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Why a time given as `text` (`--as-of`, a parameter) names no instant in the zone, with the
/// zone's own offsets in the help; `flag` is how the value is given (`--as-of `, `as_of=`).
pub fn not_a_time(text: &str, tz: chrono_tz::Tz, why: &TimeError, flag: &str) -> ParamError {
    let zone = tz.name();
    match why {
        TimeError::Skipped { gap, offsets } => ParamError {
            message: format!(
                "`{text}` falls in the daylight-saving gap in {zone}: on {} the clocks go forward from {} to {}, so that local time never happens",
                gap.0.format("%Y-%m-%d"),
                gap.0.format("%H:%M"),
                gap.1.format("%H:%M"),
            ),
            help: format!(
                "write a time outside the gap, such as `{flag}\"{}\"` (the first instant after it), or give the offset: {zone} is {} before the change and {} after",
                gap.1.format("%Y-%m-%d %H:%M"),
                offset_text(offsets.0),
                offset_text(offsets.1),
            ),
        },
        TimeError::Twice { reading, offsets } => {
            let rfc = |offset: i32| rfc3339_reading(*reading, offset);
            ParamError {
                message: format!("`{text}` happens twice in {zone}: the clocks go back over it"),
                help: format!(
                    "give the offset: `{flag}{}` is the first, `{flag}{}` the second",
                    rfc(offsets.0),
                    rfc(offsets.1)
                ),
            }
        }
        TimeError::Timestamp(why) => ParamError {
            message: format!("`{text}` is not a time: {why}"),
            help: time_example(tz, flag),
        },
        TimeError::NotATime => ParamError {
            message: format!("`{text}` is not a time"),
            help: time_example(tz, flag),
        },
    }
}

/// `write `--as-of 2024-09-01T00:00:00-07:00` or ...`, with the zone's offset on that day.
fn time_example(tz: chrono_tz::Tz, flag: &str) -> String {
    use chrono::{Offset, TimeZone};
    let offset = NaiveDate::from_ymd_opt(2024, 9, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| tz.offset_from_utc_datetime(&n).fix().local_minus_utc())
        .unwrap_or(0);
    format!(
        "write `{flag}2024-09-01T00:00:00{}` or a local time in {}: `{flag}\"2024-09-01 00:00\"`",
        offset_text(offset),
        tz.name()
    )
}

fn value_help(ty: &Ty) -> String {
    match ty {
        Ty::Num(Dim::Count) => "write a whole number of at least 0, e.g. `80`".into(),
        Ty::Num(Dim::Money(c)) => format!("write an amount, e.g. `5000` or `5000 {c}`"),
        Ty::Num(Dim::Fraction) => "write a percentage such as `2%` or a fraction such as `0.02`".into(),
        Ty::Num(_) => "write a number such as `4.2`".into(),
        Ty::Bool => "write `true` or `false`".into(),
        Ty::Time => "write a date and time such as `2024-08-16 15:00` or `2024-08-16T15:00:00+08:00`".into(),
        Ty::Choice(c) => format!("write one of: {}", c.join(", ")),
        Ty::Duration => "write a duration such as `30 days`, `1.5 hours`, `3600` (seconds) or `P30D`".into(),
        _ => "write a value of the parameter's type".into(),
    }
}

/// Why a parameter value was refused.
enum ValueError {
    /// Not a value of the type.
    Invalid,
    /// A time that names no instant.
    Time(TimeError),
    /// Not a duration.
    Duration(DurationError),
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.contains(['e', 'E', ',']) {
        return None;
    }
    text.parse::<Decimal>().ok()
}

fn parse_value(ty: &Ty, text: &str, tz: chrono_tz::Tz) -> Result<Const, ValueError> {
    let unquoted = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    match ty {
        Ty::Duration => parse_duration(unquoted)
            .map(|seconds| Const::Duration(chrono::TimeDelta::seconds(seconds)))
            .map_err(ValueError::Duration),
        Ty::Time => parse_time(unquoted, tz).map(Const::Time).map_err(ValueError::Time),
        _ => parse_plain(ty, text).ok_or(ValueError::Invalid),
    }
}

fn parse_plain(ty: &Ty, text: &str) -> Option<Const> {
    Some(match ty {
        Ty::Num(Dim::Count) => {
            let n = parse_decimal(text)?;
            if !n.fract().is_zero() || n.is_sign_negative() {
                return None;
            }
            Const::Num(n)
        }
        Ty::Num(Dim::Fraction) => match text.strip_suffix('%') {
            Some(p) => Const::Num(parse_decimal(p.trim())? / Decimal::ONE_HUNDRED),
            None => Const::Num(parse_decimal(text)?),
        },
        Ty::Num(Dim::Money(unit) | Dim::Unit(unit)) => {
            let number = text.strip_suffix(&**unit).map(str::trim).unwrap_or(text);
            Const::Num(parse_decimal(number)?)
        }
        Ty::Num(Dim::Decimal) => Const::Num(parse_decimal(text)?),
        Ty::Bool => match text {
            "true" => Const::Bool(true),
            "false" => Const::Bool(false),
            _ => return None,
        },
        Ty::Text => Const::Text(text.into()),
        Ty::Choice(choices) => Const::Choice(choices.iter().position(|c| c == text)? as u32),
        _ => return None,
    })
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]
mod tests {
    use super::*;
    use crate::check::check;

    fn program() -> Program {
        let text = r#"campaign "c" {
  timezone Asia/Shanghai
  unit points
  parameter threshold: money CNY = 100 CNY
  facts { gmv: money CNY }
  eligible when { gmv ≥ threshold "enough" }
  reward p = 1 points
}"#;
        let checked = check(text);
        checked.program.unwrap_or_else(|| panic!("{:?}", checked.diagnostics))
    }

    #[test]
    fn defaults_take_the_declared_values_and_no_reference_time() {
        let program = program();
        let inputs = Inputs::defaults(&program);
        assert_eq!(inputs.params, vec![Const::Num(Decimal::ONE_HUNDRED)]);
        assert_eq!(inputs.as_of, None);
        assert_eq!(inputs.holidays, None);
    }

    #[test]
    fn overrides_change_the_inputs_and_never_the_program() {
        let program = program();
        let mut inputs = Inputs::defaults(&program);
        inputs.set(&program, "threshold=80 CNY").unwrap();
        inputs.set(&program, "as_of=2024-09-20 00:00").unwrap();
        inputs.set(&program, "holidays=\"2024-10-01, 2024-10-02\"").unwrap();
        assert_eq!(inputs.params, vec![Const::Num(Decimal::from(80))]);
        assert_eq!(inputs.as_of, "2024-09-19T16:00:00Z".parse().ok());
        assert_eq!(inputs.holidays.map(|h| h.holidays.len()), Some(2));
        assert!(matches!(program.params[0].default, Const::Num(n) if n == Decimal::ONE_HUNDRED));
    }

    #[test]
    fn make_up_working_days_follow_their_date() {
        let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let calendar =
            parse_holidays("2024-10-01, 2024-10-12 workday 2024-10-02 2024-09-29 workday".split([',', ' '])).unwrap();
        assert_eq!(calendar.holidays, [day(10, 1), day(10, 2)].into_iter().collect());
        assert_eq!(calendar.workdays, [day(9, 29), day(10, 12)].into_iter().collect());
        let alone = parse_holidays(["workday"].into_iter()).unwrap_err();
        assert_eq!(alone.message, "`workday` follows no date");
        let weekday = parse_holidays(["2024-10-08", "workday"].into_iter()).unwrap_err();
        assert!(
            weekday.message.starts_with("2024-10-08 is a Tuesday"),
            "{}",
            weekday.message
        );
        assert!(weekday.help.contains("2024-10-12 workday"), "{}", weekday.help);
    }

    #[test]
    fn a_holiday_file_names_the_line_it_refuses() {
        let text = "# 国庆\n2024-10-01\n\n2024-10-12 workday  # 补班\n2024-10-01 workday\n";
        let error = parse_holiday_file(text).unwrap_err();
        assert_eq!(error.line, 5);
        assert_eq!(
            error.message,
            "2024-10-01 is given both as a holiday and as a working day"
        );
        let calendar = parse_holiday_file("2024-10-01\n2024-10-12 workday\n").unwrap();
        assert_eq!(calendar.workdays.len(), 1);
        let two_words = parse_holiday_file("2024-10-12 workday extra\n").unwrap_err();
        assert_eq!(
            (two_words.line, two_words.message.contains("followed by `workday`")),
            (1, true)
        );
    }

    #[test]
    fn a_misspelt_parameter_is_refused_with_a_suggestion() {
        let program = program();
        let error = Inputs::defaults(&program).set(&program, "treshold=80").unwrap_err();
        assert_eq!(error.message, "the campaign has no parameter `treshold`");
        assert_eq!(error.help, "did you mean `threshold`?");
    }
}
