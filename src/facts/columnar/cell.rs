//! One cell of a column, and its reading as a fact's value.
//!
//! Every column is read through [`Cell`], whatever its Arrow type, and every
//! cell is turned into a value by [`value`], which hands texts, integers and
//! decimals over to the shared conversions of [`super::super`] (the JSON
//! reader's rules): a string cell is read exactly as a JSON string, an
//! integer as a JSON integer, a decimal as a JSON number.

use arrow_buffer::i256;
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::super::record::FactValue;
use super::super::{
    Source, Why, code, code_json_string, non_negative, value_from_bool, value_from_int, value_from_number,
    value_from_text,
};
use crate::program::schema::FactType;
use crate::time::{DurationError, TimestampError};

/// The most decimal places a `Decimal` holds.
const MAX_SCALE: i64 = 28;

/// One cell, borrowed from its column.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell<'a> {
    /// `null`.
    Null,
    /// A string.
    Str(&'a str),
    /// A boolean.
    Bool(bool),
    /// An integer of any width.
    Int(i128),
    /// A decimal128: the unscaled value and the column's scale.
    Dec(i128, i8),
    /// A decimal256: the unscaled value and the column's scale.
    Dec256(i256, i8),
    /// An instant (a timestamp column with a zone, or INT96), or `None`
    /// when its unit overflows chrono's range.
    Instant(Option<DateTime<Utc>>),
    /// A timestamp without a zone, and the zone given for it.
    Local(Option<NaiveDateTime>, Tz),
    /// A duration in nanoseconds.
    Nanos(i128),
}

/// Why a cell does not fit its fact: the JSON reader's reasons, or a
/// message of its own (a local time the zone skips).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Bad {
    /// A reason shared with the other readers, and the cell as shown.
    Why(Why, String),
    /// A whole message.
    Message(String),
}

/// Reads `cell` as a value of `ty` (a scalar type: lists are read by the
/// caller); `Ok(None)` for a null.
pub(super) fn value(ty: &FactType, cell: Cell<'_>) -> Result<Option<FactValue>, Bad> {
    let shown = || shown(cell);
    let bad = |why| Bad::Why(why, shown());
    match cell {
        Cell::Null => Ok(None),
        Cell::Str(text) => value_from_text(ty, text, Source::Json).map(Some).map_err(bad),
        Cell::Bool(b) => value_from_bool(ty, b).map(Some).map_err(bad),
        Cell::Int(n) => value_from_int(ty, n).map(Some).map_err(bad),
        Cell::Dec(unscaled, scale) => decimal_value(ty, exact(unscaled, scale)).map(Some).map_err(bad),
        Cell::Dec256(unscaled, scale) => {
            let d = narrow(unscaled, i64::from(scale)).and_then(|(n, s)| exact(n, i8::try_from(s).ok()?));
            decimal_value(ty, d).map(Some).map_err(bad)
        }
        Cell::Instant(t) => instant_value(ty, t).map(Some).map_err(bad),
        Cell::Local(naive, zone) => {
            let t = naive.map(|n| in_zone(n, zone)).transpose()?.flatten();
            instant_value(ty, t).map(Some).map_err(bad)
        }
        Cell::Nanos(n) => duration_value(ty, n).map(Some).map_err(bad),
    }
}

/// A cell as a message shows it: strings as JSON strings (as the JSON
/// reader shows them), other values as their text.
fn shown(cell: Cell<'_>) -> String {
    match cell {
        Cell::Null => code("null"),
        Cell::Str(text) => code_json_string(text),
        Cell::Bool(b) => code(&b.to_string()),
        Cell::Int(n) => code(&n.to_string()),
        Cell::Dec(n, scale) => code(&decimal_text(&n.to_string(), scale)),
        Cell::Dec256(n, scale) => code(&decimal_text(&n.to_string(), scale)),
        Cell::Instant(Some(t)) => code(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        Cell::Instant(None) | Cell::Local(None, _) => "a timestamp out of range".into(),
        Cell::Local(Some(n), zone) => code(&format!("{n} {zone}")),
        Cell::Nanos(n) => code(&format!("{n} ns")),
    }
}

/// The text of an unscaled decimal at `scale`: `1230` at 2 is `12.30`.
fn decimal_text(digits: &str, scale: i8) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let scale = i64::from(scale);
    if scale <= 0 {
        let zeros = "0".repeat(usize::try_from(-scale).unwrap_or(0));
        return format!("{sign}{digits}{zeros}");
    }
    let scale = usize::try_from(scale).unwrap_or(0);
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

/// The decimal `unscaled × 10^-scale` exactly, at the column's scale when a
/// `Decimal` holds that many places (so that a `decimal(18,2)` holding 12.30
/// reads `12.30`, as the JSON reader reads `"12.30"`); otherwise normalised,
/// every trailing zero dropped (a `decimal(38,30)` holding 1.5 reads `1.5`).
/// `None` when no exact `Decimal` holds it.
pub(super) fn exact(unscaled: i128, scale: i8) -> Option<Decimal> {
    let (mut n, mut s) = (unscaled, i64::from(scale));
    while s < 0 {
        n = n.checked_mul(10)?;
        s += 1;
    }
    let at = |n: i128, s: i64| {
        if s > MAX_SCALE {
            return None;
        }
        Decimal::try_from_i128_with_scale(n, u32::try_from(s).ok()?).ok()
    };
    if let Some(d) = at(n, s) {
        return Some(d);
    }
    while s > 0 && n % 10 == 0 {
        n /= 10;
        s -= 1;
    }
    at(n, s)
}

/// A decimal256 as an `i128` and a scale, dropping trailing zeros while it
/// does not fit; `None` when it never does.
fn narrow(unscaled: i256, scale: i64) -> Option<(i128, i64)> {
    let (mut n, mut s) = (unscaled, scale);
    let ten = i256::from_i128(10);
    loop {
        if let Some(small) = n.to_i128() {
            return Some((small, s));
        }
        let (quotient, rest) = (n.checked_div(ten)?, n.checked_rem(ten)?);
        if rest != i256::ZERO || s <= 0 {
            return None;
        }
        n = quotient;
        s -= 1;
    }
}

/// A decimal cell as a value of `ty`: exactly as the JSON reader reads the
/// number (its text goes through the same rules for counts and durations).
fn decimal_value(ty: &FactType, d: Option<Decimal>) -> Result<FactValue, Why> {
    let d = d.ok_or(Why::TooManyDigits)?;
    match ty {
        FactType::Decimal | FactType::Money(_) | FactType::Fraction => Ok(FactValue::Number(d)),
        FactType::Quantity(_) => non_negative(d).map(FactValue::Number),
        FactType::Count
        | FactType::Duration
        | FactType::Text
        | FactType::Bool
        | FactType::Timestamp
        | FactType::Enum(_)
        | FactType::List(_) => value_from_number(ty, &d.to_string()),
    }
}

/// An instant as a value of `ty`, refused outside years 0000 to 9999.
fn instant_value(ty: &FactType, t: Option<DateTime<Utc>>) -> Result<FactValue, Why> {
    match ty {
        FactType::Timestamp => t
            .and_then(crate::time::in_range)
            .map(FactValue::Time)
            .ok_or(Why::Timestamp(TimestampError::OutOfRange)),
        FactType::Text
        | FactType::Bool
        | FactType::Count
        | FactType::Decimal
        | FactType::Fraction
        | FactType::Duration
        | FactType::Money(_)
        | FactType::Quantity(_)
        | FactType::Enum(_)
        | FactType::List(_) => Err(Why::Mismatch),
    }
}

/// A duration in nanoseconds as a value of `ty`: whole seconds only.
fn duration_value(ty: &FactType, nanos: i128) -> Result<FactValue, Why> {
    match ty {
        FactType::Duration if nanos % 1_000_000_000 != 0 => Err(Why::Duration(DurationError::NotWholeSeconds)),
        FactType::Duration => i64::try_from(nanos / 1_000_000_000)
            .map_err(|_| DurationError::TooLong)
            .and_then(crate::time::within_limit)
            .map(FactValue::Seconds)
            .map_err(Why::Duration),
        FactType::Text
        | FactType::Bool
        | FactType::Count
        | FactType::Decimal
        | FactType::Fraction
        | FactType::Timestamp
        | FactType::Money(_)
        | FactType::Quantity(_)
        | FactType::Enum(_)
        | FactType::List(_) => Err(Why::Mismatch),
    }
}

/// The instant of a zone-less time in `zone`; an error at a time the zone
/// skips or repeats (as for a workbook's date cells).
fn in_zone(naive: NaiveDateTime, zone: Tz) -> Result<Option<DateTime<Utc>>, Bad> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(Some(t.with_timezone(&Utc))),
        LocalResult::Ambiguous(_, _) => Err(Bad::Message(format!(
            "the time {} happens twice in {zone} (the clocks go back): write the column as an instant (adjusted to UTC)",
            code(&naive.to_string())
        ))),
        LocalResult::None => Err(Bad::Message(format!(
            "the time {} does not exist in {zone} (the clocks go forward)",
            code(&naive.to_string())
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn decimals_keep_their_scale_until_it_does_not_fit() {
        assert_eq!(exact(1230, 2).unwrap().to_string(), "12.30");
        assert_eq!(exact(-5, 0).unwrap().to_string(), "-5");
        assert_eq!(exact(12, -3).unwrap().to_string(), "12000");
        // decimal(38,30) holding 1.5.
        let n = 15 * 10i128.pow(29);
        assert_eq!(exact(n, 30).unwrap().to_string(), "1.5");
        // 1 + 10^-30: no exact decimal.
        assert_eq!(exact(10i128.pow(30) + 1, 30), None);
        assert_eq!(exact(i128::MAX, 0), None);
        let big = i256::from_i128(15).wrapping_mul(i256::from_i128(10).wrapping_pow(60));
        // 1.5 at 61 places: narrowed to an `i128` (38 places), then normalised.
        let (n, s) = narrow(big, 61).unwrap();
        assert_eq!((n, s), (15 * 10i128.pow(37), 38));
        assert_eq!(exact(n, i8::try_from(s).unwrap()).unwrap().to_string(), "1.5");
        assert_eq!(narrow(i256::MAX, 10), None);
    }

    #[test]
    fn decimal_texts() {
        assert_eq!(decimal_text("1230", 2), "12.30");
        assert_eq!(decimal_text("-5", 3), "-0.005");
        assert_eq!(decimal_text("12", -2), "1200");
        assert_eq!(decimal_text("0", 0), "0");
    }

    #[test]
    fn cells_are_read_as_the_json_reader_reads_their_values() {
        let money = FactType::Money("CNY".into());
        assert_eq!(
            value(&money, Cell::Dec(1230, 2)),
            Ok(Some(FactValue::Number(Decimal::new(1230, 2))))
        );
        assert_eq!(value(&money, Cell::Null), Ok(None));
        assert_eq!(
            value(&FactType::Quantity("points".into()), Cell::Dec(-1, 0)),
            Err(Bad::Why(Why::Negative, "`-1`".into()))
        );
        assert_eq!(
            value(&FactType::Count, Cell::Dec(3000, 2)),
            Err(Bad::Why(Why::Mismatch, "`30.00`".into()))
        );
        assert_eq!(
            value(&FactType::Fraction, Cell::Str("2.5%")),
            Ok(Some(FactValue::Number(Decimal::new(25, 3))))
        );
        assert_eq!(
            value(&FactType::Bool, Cell::Str("true")),
            Err(Bad::Why(Why::Mismatch, "`\"true\"`".into()))
        );
        assert_eq!(
            value(&FactType::Duration, Cell::Nanos(1_500_000_000)),
            Err(Bad::Why(
                Why::Duration(DurationError::NotWholeSeconds),
                "`1500000000 ns`".into()
            ))
        );
        assert_eq!(
            value(&FactType::Duration, Cell::Nanos(60_000_000_000)),
            Ok(Some(FactValue::Seconds(60)))
        );
    }
}
