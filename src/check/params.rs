//! Overriding parameters from the command line (`--param NAME=VALUE`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::program::{Const, Program};
use super::suggest::closest;
use super::types::{Dim, Ty};

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

/// Applies `NAME=VALUE` to the program's parameters.
pub fn override_param(program: &mut Program, assignment: &str) -> Result<(), ParamError> {
    let Some((name, text)) = assignment.split_once('=') else {
        return Err(ParamError {
            message: format!("`{assignment}` is not of the form NAME=VALUE"),
            help: "write for example `--param monthly_packs=80`".into(),
        });
    };
    let (name, text) = (name.trim(), text.trim());
    let tz = program.timezone;
    let unquoted = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    // The evaluation's reference time and holiday calendar, settable like parameters (in test
    // cases: `with as_of = "2024-09-20 00:00"`, `with holidays = "2024-10-01, 2024-10-02"`).
    if name == "as_of" && !program.params.iter().any(|p| p.name == name) {
        program.as_of = Some(parse_time(unquoted, tz).ok_or_else(|| ParamError {
            message: format!("`{unquoted}` is not a time"),
            help: "write `2024-09-20T00:00:00+08:00` or a local time such as `2024-09-20 00:00`".into(),
        })?);
        return Ok(());
    }
    if name == "holidays" && !program.params.iter().any(|p| p.name == name) {
        let mut days = std::collections::BTreeSet::new();
        for part in unquoted.split([',', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            let day = NaiveDate::parse_from_str(part, "%Y-%m-%d").map_err(|_| ParamError {
                message: format!("`{part}` is not a date"),
                help: "list the holidays as dates: `2024-10-01, 2024-10-02`".into(),
            })?;
            days.insert(day);
        }
        program.holidays = Some(days);
        return Ok(());
    }
    let names: Vec<String> = program.params.iter().map(|p| p.name.clone()).collect();
    let Some(param) = program.params.iter_mut().find(|p| p.name == name) else {
        let help = match closest(name, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if names.is_empty() => "this campaign declares no parameters".into(),
            None => format!("the campaign's parameters are: {}", names.join(", ")),
        };
        return Err(ParamError {
            message: format!("the campaign has no parameter `{name}`"),
            help,
        });
    };
    let value = parse_value(&param.ty, text, tz).ok_or_else(|| ParamError {
        message: format!("`{text}` is not a valid value for `{name}`, which is {}", param.ty),
        help: match &param.ty {
            Ty::Num(Dim::Count) => "write a whole number of at least 0, e.g. `80`".into(),
            Ty::Num(Dim::Money(c)) => format!("write an amount, e.g. `5000` or `5000 {c}`"),
            Ty::Num(Dim::Fraction) => "write a percentage such as `2%` or a fraction such as `0.02`".into(),
            Ty::Num(_) => "write a number such as `4.2`".into(),
            Ty::Bool => "write `true` or `false`".into(),
            Ty::Time => "write a date and time such as `2024-08-16 15:00` or `2024-08-16T15:00:00+08:00`".into(),
            Ty::Choice(c) => format!("write one of: {}", c.join(", ")),
            Ty::Duration => "write a duration such as `30 days`, `2 weeks` or `3600` (seconds)".into(),
            _ => "write a value of the parameter's type".into(),
        },
    })?;
    param.value = value;
    Ok(())
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.contains(['e', 'E', ',']) {
        return None;
    }
    text.parse::<Decimal>().ok()
}

fn parse_value(ty: &Ty, text: &str, tz: chrono_tz::Tz) -> Option<Const> {
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
        Ty::Duration => {
            let (number, unit) = text.split_once(' ').unwrap_or((text, "seconds"));
            let seconds = super::types::duration_unit(unit.trim())?;
            let total = parse_decimal(number.trim())?.checked_mul(Decimal::from(seconds))?;
            let nanos = total.checked_mul(Decimal::from(1_000_000_000i64))?.trunc();
            Const::Duration(chrono::TimeDelta::nanoseconds(i64::try_from(nanos).ok()?))
        }
        Ty::Choice(choices) => Const::Choice(choices.iter().position(|c| c == text)? as u32),
        Ty::Time => Const::Time(parse_time(text, tz)?),
        _ => return None,
    })
}

/// A time given on the command line: RFC 3339 with an offset, or a local
/// `YYYY-MM-DD[ HH:MM[:SS]]` in the campaign's time zone.
pub fn parse_time(text: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    Some(tz.from_local_datetime(&naive).single()?.with_timezone(&Utc))
}
