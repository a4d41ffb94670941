//! Converting a slice of rows a column at a time: the fast path.
//!
//! [`level`] reads each fact's column for every row of the slice at once, into one block of
//! values laid out as the records and lists hold them (row after row, each as many values as
//! its schema has facts). A list fact's items are the rows of its `list<struct>` column's
//! struct, converted the same way, once for the whole slice; each row's list then takes its
//! range of that block (the column's offsets) with no allocation per item.
//!
//! Every cell goes through the same reading as the row path ([`cell::value`]), so a value read
//! here is the value the row path reads. What is not checked here is why a row is wrong: a row
//! with any cell that does not fit its fact (or a required fact missing, or a null item) is only
//! marked bad, and read again by the row path ([`super::build::record`]), whose first problem in
//! the facts' order is its error, as before.

use std::ops::Range;

use super::super::record::{FactValue, ListBuilder};
use super::build::{ItemCounts, count};
use super::cell::value;
use super::columns::{Getter, ListNode, Node};
use crate::program::schema::{FactType, FieldSchema, RecordSchema};

/// The values of some rows of one schema, and which rows are bad.
#[derive(Debug)]
pub(super) struct Level {
    /// Row after row, each as many values as the schema has facts.
    pub(super) values: Vec<FactValue>,
    /// Whether each row has a problem (to be found by the row path).
    pub(super) bad: Vec<bool>,
}

/// The values of the facts of `schema` in rows `rows` of `nodes`.
pub(super) fn level(schema: &RecordSchema, nodes: &[Node<'_>], rows: Range<usize>) -> Level {
    let width = schema.fields.len();
    let mut values = Vec::new();
    values.resize_with(rows.len().saturating_mul(width), || FactValue::Unknown);
    let mut bad = vec![false; rows.len()];
    for (column, (fact, node)) in schema.fields.iter().zip(nodes).enumerate() {
        // `width` is at least 1 here: the schema has this fact.
        let slots = values.chunks_exact_mut(width).map(|row| row.get_mut(column));
        match node {
            Node::Absent => {
                if !fact.optional {
                    bad.fill(true);
                }
            }
            Node::Scalar(get) => scalars(fact, get, rows.clone(), slots, &mut bad),
            Node::List(list) => lists(fact, list, rows.clone(), slots, &mut bad),
        }
    }
    Level { values, bad }
}

/// Reads a scalar fact's cells of `rows` into `slots`, marking the rows where one does not fit.
fn scalars<'v>(
    fact: &FieldSchema,
    get: &Getter<'_>,
    rows: Range<usize>,
    slots: impl Iterator<Item = Option<&'v mut FactValue>>,
    bad: &mut [bool],
) {
    for ((row, slot), bad) in rows.zip(slots).zip(bad) {
        if *bad {
            continue;
        }
        match (value(&fact.ty, get(row)), slot) {
            (Ok(Some(v)), Some(slot)) => *slot = v,
            (Ok(None), _) if fact.optional => {}
            _ => *bad = true,
        }
    }
}

/// Reads a list fact of `rows` into `slots`: the items of the whole slice at once, then each
/// row's list from its range of them.
fn lists<'v>(
    fact: &FieldSchema,
    list: &ListNode<'_>,
    rows: Range<usize>,
    slots: impl Iterator<Item = Option<&'v mut FactValue>>,
    bad: &mut [bool],
) {
    let FactType::List(item) = &fact.ty else {
        bad.fill(true);
        return;
    };
    let span = list.span(rows.clone());
    let items = level(item, &list.fields, span.clone());
    let width = item.fields.len();
    // The items' values are taken in order: ranges of consecutive rows follow one another.
    let mut rest = items.values.into_iter();
    let mut at = span.start;
    for ((row, slot), bad) in rows.zip(slots).zip(bad) {
        let Some(range) = list.items(row) else {
            if !fact.optional {
                *bad = true;
            }
            continue;
        };
        skip(&mut rest, range.start.saturating_sub(at).saturating_mul(width));
        at = range.end;
        let any_bad = range.clone().any(|i| {
            list.item_nulls.is_some_and(|nulls| nulls.is_null(i))
                || i.checked_sub(span.start)
                    .and_then(|k| items.bad.get(k))
                    .is_none_or(|bad| *bad)
        });
        let (true, Some(slot)) = (!(*bad || any_bad), slot) else {
            *bad = true;
            skip(&mut rest, range.len().saturating_mul(width));
            continue;
        };
        let mut builder = ListBuilder::with_capacity(width, range.len());
        for _ in range {
            builder.push(rest.by_ref().take(width));
        }
        *slot = FactValue::List(builder.finish());
    }
}

/// Drops the next `n` values.
fn skip(values: &mut impl Iterator<Item = FactValue>, n: usize) {
    values.take(n).for_each(drop);
}

/// Counts the items of every list of a record of `schema` (its `values`), per list schema, as
/// the row path counts them: `number` gives the number of an items' schema.
pub(super) fn count_items(
    schema: &RecordSchema,
    values: &[FactValue],
    number: &dyn Fn(&RecordSchema) -> u32,
    counts: &mut ItemCounts,
) {
    for (fact, value) in schema.fields.iter().zip(values) {
        if let (FactType::List(item), FactValue::List(list)) = (&fact.ty, value) {
            count(counts, number(item), list.len());
            for values in list.items() {
                count_items(item, values, number, counts);
            }
        }
    }
}

#[cfg(test)]
#[path = "fill/tests.rs"]
mod tests;
