//! Reading JSON and NDJSON fact files.
//!
//! Records are read straight into [`Record`]s by a `DeserializeSeed` driven by
//! the schema, without building a `serde_json::Value` tree. A value that does
//! not fit its fact is recorded as the record's problem and the rest of the
//! record is skipped (but still parsed, so a `.json` array stays in step);
//! only JSON syntax errors abort the parse.
//!
//! `serde_json` is built with `arbitrary_precision`: numbers that do not fit
//! `u64`/`i64` reach a visitor as a one-entry map whose key is
//! [`NUMBER_TOKEN`] and whose value is the number's exact text.

mod convert;
mod document;
mod fast;
mod ndjson;

pub(super) use document::read_document;
pub(super) use ndjson::{Ndjson, read_line};

use std::collections::HashMap;

use super::ReadOptions;
use super::undeclared::UndeclaredFields;
use crate::program::schema::{FactType, FieldSchema, RecordSchema};

/// The key under which `serde_json` (with `arbitrary_precision`) hands over a
/// number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The type the record `id` must have.
static ID_TYPE: FactType = FactType::Text;

/// A schema prepared for reading: a name index per (nested) record.
pub(super) struct Plan<'s> {
    /// The declared facts.
    fields: &'s [FieldSchema],
    /// Fact index by name.
    index: HashMap<&'s str, usize>,
    /// For each fact, the plan of its items when it is a list.
    items: Vec<Option<Plan<'s>>>,
    /// The index of a declared `id` fact.
    id_index: Option<usize>,
    /// Whether no two facts have the same name.
    distinct: bool,
    /// This record schema's number among those of the input record (see
    /// `undeclared::schemas`), under which its undeclared fields are counted.
    pub(super) number: u32,
    /// Whether an undeclared field is an error (`--strict-facts`).
    pub(super) strict: bool,
    /// Where undeclared fields are counted (the input record's plan counts
    /// those of its lists' items too).
    pub(super) undeclared: UndeclaredFields,
}

impl<'s> Plan<'s> {
    /// Schemas up to this many facts are searched by comparing names, which is
    /// faster than hashing for the few facts a campaign declares.
    const LINEAR: usize = 16;

    /// The index of a declared fact by name.
    fn lookup(&self, key: &str) -> Option<usize> {
        if self.fields.len() <= Self::LINEAR {
            self.fields.iter().position(|f| f.name == key)
        } else {
            self.index.get(key).copied()
        }
    }

    /// Whether `other` reads every line as this plan does: the same declared facts (nested
    /// ones included), the same strictness, undeclared fields counted in the same place.
    pub(super) fn reads_like(&self, other: &Plan<'_>) -> bool {
        self.fields == other.fields && self.strict == other.strict && self.undeclared.same(&other.undeclared)
    }

    /// Prepares `schema` and its nested schemas.
    pub(super) fn new(schema: &'s RecordSchema, options: &ReadOptions) -> Plan<'s> {
        Plan::numbered(schema, options, &mut 0)
    }

    /// Prepares `schema` as the schema numbered `*next`, and its nested
    /// schemas with the numbers after it, depth first.
    fn numbered(schema: &'s RecordSchema, options: &ReadOptions, next: &mut u32) -> Plan<'s> {
        let number = *next;
        *next = next.saturating_add(1);
        let mut index = HashMap::with_capacity(schema.fields.len());
        for (i, field) in schema.fields.iter().enumerate() {
            index.entry(field.name.as_str()).or_insert(i);
        }
        let items = schema
            .fields
            .iter()
            .map(|field| match &field.ty {
                FactType::List(item) => Some(Plan::numbered(item, options, next)),
                _ => None,
            })
            .collect();
        Plan {
            fields: &schema.fields,
            id_index: index.get("id").copied(),
            distinct: index.len() == schema.fields.len(),
            index,
            items,
            number,
            strict: options.strict,
            undeclared: options.undeclared.clone(),
        }
    }
}

/// Which facts of a record were given: bits for up to 64 facts (no
/// allocation), a vector beyond.
struct Seen {
    bits: u64,
    many: Vec<bool>,
}

impl Seen {
    fn new(facts: usize) -> Seen {
        Seen {
            bits: 0,
            many: if facts > 64 { vec![false; facts] } else { Vec::new() },
        }
    }

    fn get(&self, i: usize) -> bool {
        if i < 64 && self.many.is_empty() {
            self.bits & (1 << i) != 0
        } else {
            self.many.get(i).copied().unwrap_or(false)
        }
    }

    fn set(&mut self, i: usize) {
        if i < 64 && self.many.is_empty() {
            self.bits |= 1 << i;
        } else if let Some(b) = self.many.get_mut(i) {
            *b = true;
        }
    }
}

/// Whether `b` is JSON whitespace.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test stops at its first surprise: unwrap, indexing and `panic!` with the value found say plainly what went wrong"
)]
mod tests;
