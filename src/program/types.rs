//! The types the checker gives expressions, and the units quantities carry.
//!
//! A number always carries a [`Dim`]: whether it is a count, a plain decimal,
//! a fraction, money in one currency, or an amount of a declared unit. The
//! arithmetic rules below are what keep money from being added to points, a
//! currency from silently changing, and a fraction from being compared with
//! a plain number.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

/// What a number measures.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dim {
    /// A whole number of things.
    Count,
    /// A plain number without unit (a score, a ratio).
    Decimal,
    /// A share: `2%`, or a `fraction` fact.
    Fraction,
    /// Money in a currency (ISO 4217 code).
    Money(Arc<str>),
    /// An amount of a unit the campaign declares (`unit points`).
    Unit(Arc<str>),
}

impl Dim {
    /// Whether it is unitless (count, decimal or fraction).
    pub fn is_scalar(&self) -> bool {
        matches!(self, Dim::Count | Dim::Decimal | Dim::Fraction)
    }

    /// The unit name shown in results (`CNY`, `points`), for quantities.
    pub fn unit_label(&self) -> Option<&str> {
        match self {
            Dim::Money(c) | Dim::Unit(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Count => f.write_str("a count"),
            Dim::Decimal => f.write_str("a plain number"),
            Dim::Fraction => f.write_str("a percentage"),
            Dim::Money(c) => write!(f, "money in {c}"),
            Dim::Unit(u) => write!(f, "an amount of {u}"),
        }
    }
}

/// The type of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// True or false.
    Bool,
    /// Text.
    Text,
    /// A number with its dimension.
    Num(Dim),
    /// An instant.
    Time,
    /// A length of time.
    Duration,
    /// One of a closed set of texts.
    Choice(Arc<[String]>),
    /// A window of time.
    Window,
    /// A set of texts.
    TextSet,
    /// A range of calendar periods (index into the program's period ranges).
    Periods(usize),
    /// A list of records of a level (index into the program's levels).
    Records(usize),
    /// A list of values (a field projected from a list of records).
    Items(Box<Ty>),
    /// One value per period of a period range.
    PerPeriod(usize, Box<Ty>),
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("a yes/no condition"),
            Ty::Text => f.write_str("a text"),
            Ty::Num(d) => write!(f, "{d}"),
            Ty::Time => f.write_str("a timestamp"),
            Ty::Duration => f.write_str("a duration"),
            Ty::Choice(_) => f.write_str("a choice"),
            Ty::Window => f.write_str("a window"),
            Ty::TextSet => f.write_str("a set of texts"),
            Ty::Periods(_) => f.write_str("a range of periods"),
            Ty::Records(_) => f.write_str("a list of records"),
            Ty::Items(t) => write!(f, "a list of values ({t})"),
            Ty::PerPeriod(_, t) => write!(f, "one value per period ({t})"),
        }
    }
}

/// A currency or declared unit with the smallest step it pays in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    /// The name as shown in results.
    pub name: Arc<str>,
    /// The smallest payable step (`0.01` for CNY, `1` for points by default).
    pub precision: Decimal,
    /// Whether it is a currency.
    pub currency: bool,
}

/// ISO 4217 currencies the language knows, with their minor units.
pub const CURRENCIES: &[(&str, u32)] = &[
    ("CNY", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("JPY", 0),
    ("HKD", 2),
    ("TWD", 2),
    ("KRW", 0),
    ("SGD", 2),
    ("AUD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("INR", 2),
    ("IDR", 2),
    ("THB", 2),
    ("VND", 0),
    ("MYR", 2),
    ("PHP", 2),
    ("BRL", 2),
    ("MXN", 2),
    ("AED", 2),
    ("SAR", 2),
    ("NZD", 2),
    ("SEK", 2),
    ("NOK", 2),
    ("DKK", 2),
    ("PLN", 2),
    ("TRY", 2),
    ("ZAR", 2),
];

/// The currency a word names: an ISO code, or `元` for CNY.
pub fn currency(word: &str) -> Option<(&'static str, u32)> {
    if word == "元" {
        return Some(("CNY", 2));
    }
    CURRENCIES.iter().copied().find(|(code, _)| *code == word)
}

/// The length in seconds of a duration word (`days`, `hours`, `天`...).
pub fn duration_unit(word: &str) -> Option<i64> {
    Some(match word {
        "second" | "seconds" | "秒" => 1,
        "minute" | "minutes" | "分钟" => 60,
        "hour" | "hours" | "小时" => 3600,
        "day" | "days" | "天" => 86_400,
        "week" | "weeks" | "周" => 7 * 86_400,
        _ => return None,
    })
}
