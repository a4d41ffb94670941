//! Converting a slice of rows a column at a time: the fast path.
//!
//! [`level`] reads each fact's column for every row of the slice at once, writing each value
//! straight into the slot where the record keeps it: the caller gives every row's slots (a
//! record's values), and a list fact's items are read the same way, once for the whole slice,
//! into the blocks the rows' lists will own (one block per list, of its exact size, with each
//! item's slots a run of it), so that no value is moved once read and no list grows.
//!
//! Every cell is read as the row path reads it ([`cell::value`]); the columns of the types
//! warehouses write for most facts (`decimal128` amounts, microsecond instants, strings) are
//! read in loops of their own that give the same values without a [`Cell`] per cell. What is
//! not checked here is why a row is wrong: a row with any cell that does not fit its fact (or a
//! required fact missing, or a null item) is only marked bad, and read again by the row path
//! ([`super::build::record`]), whose first problem in the facts' order is its error, as before.
//!
//! [`Cell`]: super::cell::Cell

use std::ops::Range;

use arrow_array::Array;

use super::super::record::{FactValue, List};
use super::build::{ItemCounts, count};
use super::cell::{exact, value};
use super::columns::{ListNode, Node, Scalar, Typed};
use crate::program::schema::{FactType, FieldSchema, RecordSchema};

/// Where one row's values go: its slots, one per fact of its schema in order, all unknown to
/// begin with; `None` for a row not to read (one found bad already, or an item of a list that
/// is not read).
pub(super) type Slots<'d> = Option<&'d mut [FactValue]>;

/// Reads the facts of `schema` in rows `rows` of `nodes` into `slots` (one entry per row, in
/// order), and gives which rows are bad. A row without slots is not read.
pub(super) fn level(
    schema: &RecordSchema,
    nodes: &[Node<'_>],
    rows: Range<usize>,
    slots: &mut [Slots<'_>],
) -> Vec<bool> {
    let mut bad = vec![false; rows.len()];
    for (column, (fact, node)) in schema.fields.iter().zip(nodes).enumerate() {
        match node {
            Node::Absent => {
                if !fact.optional {
                    bad.fill(true);
                }
            }
            Node::Scalar(scalar) => scalars(fact, scalar, rows.clone(), column, slots, &mut bad),
            Node::List(list) => lists(fact, list, rows.clone(), column, slots, &mut bad),
        }
    }
    bad
}

/// The slot of fact `column` in each row still to be read, with the row's number and whether
/// it is bad.
fn targets<'s, 'd: 's>(
    rows: Range<usize>,
    column: usize,
    slots: &'s mut [Slots<'d>],
    bad: &'s mut [bool],
) -> impl Iterator<Item = (usize, &'s mut FactValue, &'s mut bool)> {
    rows.zip(slots.iter_mut())
        .zip(bad)
        .filter_map(move |((row, slots), bad)| {
            let slot = slots.as_deref_mut()?.get_mut(column)?;
            (!*bad).then_some((row, slot, bad))
        })
}

/// Reads a scalar fact's cells of `rows` into their slots, marking the rows where one does not
/// fit.
fn scalars(
    fact: &FieldSchema,
    scalar: &Scalar<'_>,
    rows: Range<usize>,
    column: usize,
    slots: &mut [Slots<'_>],
    bad: &mut [bool],
) {
    let targets = targets(rows, column, slots, bad);
    // What `cell::value` gives for these columns and types, without going through a `Cell`.
    match (&fact.ty, scalar.typed) {
        (FactType::Decimal | FactType::Money(_) | FactType::Fraction, Typed::Decimal(a, scale)) => {
            fill(fact, targets, |row| {
                a.is_valid(row)
                    .then(|| exact(a.value(row), scale).map(FactValue::Number).ok_or(()))
            });
        }
        (FactType::Timestamp, Typed::Micros(a)) => fill(fact, targets, |row| {
            a.is_valid(row).then(|| {
                chrono::DateTime::from_timestamp_micros(a.value(row))
                    .and_then(crate::time::in_range)
                    .map(FactValue::Time)
                    .ok_or(())
            })
        }),
        (FactType::Text, Typed::Strings(a)) => fill(fact, targets, |row| {
            a.is_valid(row).then(|| Ok(FactValue::Text(a.value(row).into())))
        }),
        _ => fill(fact, targets, |row| {
            value(&fact.ty, (scalar.get)(row)).map_err(drop).transpose()
        }),
    }
}

/// Writes `read(row)` into each target's slot: `None` is a null (unknown, for an optional
/// fact), an error a cell that does not fit; either marks a row bad when the fact needs a value.
fn fill<'s>(
    fact: &FieldSchema,
    targets: impl Iterator<Item = (usize, &'s mut FactValue, &'s mut bool)>,
    read: impl Fn(usize) -> Option<Result<FactValue, ()>>,
) {
    for (row, slot, bad) in targets {
        match read(row) {
            Some(Ok(v)) => *slot = v,
            None if fact.optional => {}
            Some(Err(())) | None => *bad = true,
        }
    }
}

/// A row's list being read: its row, its items among the struct's rows, and the block of their
/// values.
struct Block {
    row: usize,
    items: Range<usize>,
    values: Box<[FactValue]>,
}

/// Reads a list fact of `rows` into their slots: the items of every row to read at once, each
/// straight into its place in its row's block, then each row's list from its block.
fn lists(
    fact: &FieldSchema,
    list: &ListNode<'_>,
    rows: Range<usize>,
    column: usize,
    slots: &mut [Slots<'_>],
    bad: &mut [bool],
) {
    let FactType::List(item) = &fact.ty else {
        bad.fill(true);
        return;
    };
    let width = item.fields.len();
    let span = list.span(rows.clone());
    let mut blocks = Vec::new();
    for (row, _, bad) in targets(rows.clone(), column, slots, bad) {
        let Some(items) = list.items(row) else {
            if !fact.optional {
                *bad = true;
            }
            continue;
        };
        if list
            .item_nulls
            .is_some_and(|nulls| items.clone().any(|i| nulls.is_null(i)))
        {
            *bad = true;
            continue;
        }
        let mut values = Vec::new();
        values.resize_with(items.len().saturating_mul(width), || FactValue::Unknown);
        blocks.push(Block {
            row,
            items,
            values: values.into_boxed_slice(),
        });
    }
    let item_bad = items(item, list, span.clone(), &mut blocks);
    // The rows still to read are those read above, less the ones found bad there: in order.
    let mut blocks = blocks.into_iter().peekable();
    for (row, slot, bad) in targets(rows, column, slots, bad) {
        let Some(block) = blocks.next_if(|b| b.row == row) else {
            continue;
        };
        let any_bad = block.items.clone().any(|i| {
            i.checked_sub(span.start)
                .and_then(|k| item_bad.get(k))
                .is_none_or(|bad| *bad)
        });
        if any_bad {
            *bad = true;
        } else {
            *slot = FactValue::List(List::from_block(block.values, block.items.len()));
        }
    }
}

/// Reads the items of `blocks` (rows `span` of the list's struct) into them, and gives which
/// of `span` are bad; items of no block are not read.
fn items(item: &RecordSchema, list: &ListNode<'_>, span: Range<usize>, blocks: &mut [Block]) -> Vec<bool> {
    let width = item.fields.len();
    if width == 0 {
        // Items without facts: nothing to read, none bad.
        return vec![false; span.len()];
    }
    let mut slots: Vec<Slots<'_>> = Vec::new();
    slots.resize_with(span.len(), || None);
    for block in blocks.iter_mut() {
        for (i, values) in block.items.clone().zip(block.values.chunks_exact_mut(width)) {
            if let Some(slot) = i.checked_sub(span.start).and_then(|k| slots.get_mut(k)) {
                *slot = Some(values);
            }
        }
    }
    level(item, &list.fields, span, &mut slots)
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
