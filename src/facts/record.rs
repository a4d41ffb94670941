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

impl Drop for Record {
    /// Releases the values in one loop, matching each on the spot: only texts
    /// and lists own memory. Left to the compiler's drop glue, a record with
    /// nested lists made one out-of-line call per value in the fat-LTO build
    /// (about 2 % of the bench's gmv instructions; docs/performance.md).
    fn drop(&mut self) {
        for value in self.values.drain(..) {
            match value {
                FactValue::Text(text) => drop(text),
                FactValue::List(items) => drop(items),
                FactValue::Unknown
                | FactValue::Bool(_)
                | FactValue::Number(_)
                | FactValue::Choice(_)
                | FactValue::Time(_)
                | FactValue::Seconds(_) => {}
            }
        }
    }
}
