//! Turning a row's cells into a [`Record`].
//!
//! [`make_record`], [`list_builder`], [`add_item`] and [`make_list`] are the only places here
//! that know how a record and a list are laid out in memory (a list's items are one block of
//! values, built by a [`ListBuilder`]); the rest walks the columns.

use super::super::record::{FactValue, ListBuilder, Record};
use super::super::{MISSING, mismatch};
use super::cell::{Bad, value};
use super::columns::{ListNode, Node};
use crate::program::schema::RecordSchema;

/// A record of the values of its facts, in declaration order.
fn make_record(values: Vec<FactValue>) -> Record {
    Record { values }
}

/// A builder of a list whose items are records of `item`: every item's values in one block.
fn list_builder(item: &RecordSchema, items: usize) -> ListBuilder {
    ListBuilder::with_capacity(item.fields.len(), items)
}

/// Adds an item (a record of the list's items' schema) to a list being built.
fn add_item(list: &mut ListBuilder, record: Record) {
    list.push(record.into_values());
}

/// A list fact of the items added.
fn make_list(list: ListBuilder) -> FactValue {
    FactValue::List(list.finish())
}

/// Where a value sits: the facts and items above it.
#[derive(Debug, Default)]
pub(super) struct Trail {
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Fact(String),
    Item(usize),
}

impl Trail {
    /// `sales[2].gmv`.
    fn render(&self, last: &str) -> String {
        let mut out = String::new();
        for step in &self.steps {
            match step {
                Step::Fact(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Step::Item(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(last);
        out
    }
}

/// The first problem of a row: the fact's path and what is wrong.
pub(super) type Problem = (String, String);

/// Counts the items read per list schema (for the undeclared fields of the items).
pub(super) type ItemCounts = Vec<(u32, u64)>;

/// The record of `schema` in row `row` of `nodes`.
pub(super) fn record(
    schema: &RecordSchema,
    nodes: &[Node<'_>],
    row: usize,
    trail: &mut Trail,
    counts: &mut ItemCounts,
) -> Result<Record, Problem> {
    let mut values = Vec::with_capacity(schema.fields.len());
    for (fact, node) in schema.fields.iter().zip(nodes) {
        let got = match node {
            Node::Absent => None,
            Node::Scalar(scalar) => value(&fact.ty, (scalar.get)(row)).map_err(|bad| {
                let message = match bad {
                    Bad::Why(why, found) => mismatch(&fact.ty, &found, why),
                    Bad::Message(m) => m,
                };
                (trail.render(&fact.name), message)
            })?,
            Node::List(list) => {
                let crate::program::schema::FactType::List(item) = &fact.ty else {
                    return Err((trail.render(&fact.name), MISSING.into()));
                };
                trail.steps.push(Step::Fact(fact.name.clone()));
                let items = items(item, list, row, trail, counts);
                trail.steps.pop();
                items?
            }
        };
        match got {
            Some(v) => values.push(v),
            None if fact.optional => values.push(FactValue::Unknown),
            None => return Err((trail.render(&fact.name), MISSING.into())),
        }
    }
    Ok(make_record(values))
}

/// The items of the list in row `row`, or `None` for a null list.
fn items(
    item: &RecordSchema,
    list: &ListNode<'_>,
    row: usize,
    trail: &mut Trail,
    counts: &mut ItemCounts,
) -> Result<Option<FactValue>, Problem> {
    let Some(range) = list.items(row) else {
        return Ok(None);
    };
    count(counts, list.number, range.len());
    let mut records = list_builder(item, range.len());
    for (n, at) in range.enumerate() {
        if list.item_nulls.is_some_and(|nulls| nulls.is_null(at)) {
            let mut path = trail.render("");
            path.pop();
            return Err((format!("{path}[{n}]"), "expected a record, found `null`".into()));
        }
        trail.steps.push(Step::Item(n));
        let read = record(item, &list.fields, at, trail, counts);
        trail.steps.pop();
        add_item(&mut records, read?);
    }
    Ok(Some(make_list(records)))
}

/// Adds `n` items to the count of schema `number`.
pub(super) fn count(counts: &mut ItemCounts, number: u32, n: usize) {
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    match counts.iter_mut().find(|(k, _)| *k == number) {
        Some((_, total)) => *total = total.saturating_add(n),
        None => counts.push((number, n)),
    }
}
