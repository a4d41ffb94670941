//! Fact records as read from input: values in schema order.

use chrono::{DateTime, Utc};
use compact_str::CompactString;
use rust_decimal::Decimal;

/// One fact's value.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    /// Missing or `null` (only for optional facts).
    Unknown,
    /// `bool`.
    Bool(bool),
    /// `count`, `decimal`, `fraction` (as a ratio: 2 % is 0.02), `money`, `quantity`.
    Number(Decimal),
    /// `text` (up to 24 bytes are held inline, without allocating).
    Text(CompactString),
    /// `one of`: the index of the choice in the declared list.
    Choice(u32),
    /// `timestamp`: the instant (offsets are only notation).
    Time(DateTime<Utc>),
    /// `duration`, in whole seconds.
    Seconds(i64),
    /// `list of`: the items.
    List(Vec<Record>),
}

/// One record: the values of its schema's facts, in declaration order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Values in the order of `RecordSchema::fields`.
    pub values: Vec<FactValue>,
}
