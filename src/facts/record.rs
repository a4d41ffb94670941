//! Fact records as read from input: values in schema order.
//!
//! A list fact holds its items in one allocation: every item's values back to back, in the
//! order of the items' schema, each item a run of the same number of values (the width of the
//! items' schema). Items are read as slices of that run ([`List::items`]), built in order by a
//! [`ListBuilder`]. One allocation per list instead of one per item: evaluating a list reads
//! its items one after the other in memory, and dropping a record frees one block per list.

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
    List(List),
}

// A list is as small as a text, so holding lists makes no value bigger: four values to a
// 128-byte pair of cache lines.
const _: () = assert!(size_of::<FactValue>() == 32);

/// One record: the values of its schema's facts, in declaration order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// Values in the order of `RecordSchema::fields`.
    pub values: Vec<FactValue>,
}

impl Record {
    /// The record's values, leaving it empty (a record is dropped value by value, so its
    /// vector is taken rather than moved out).
    pub fn into_values(mut self) -> Vec<FactValue> {
        std::mem::take(&mut self.values)
    }
}

impl Drop for Record {
    /// Releases the values in one loop (see `release`).
    fn drop(&mut self) {
        release(std::mem::take(&mut self.values));
    }
}

/// Releases values in one loop, matching each on the spot: only texts and lists own memory.
/// Left to the compiler's drop glue, a record with nested lists made one out-of-line call per
/// value in the fat-LTO build (about 2 % of the bench's gmv instructions; docs/performance.md).
fn release(mut values: Vec<FactValue>) {
    for value in values.drain(..) {
        match value {
            FactValue::Text(text) => drop(text),
            FactValue::List(list) => drop(list),
            FactValue::Unknown
            | FactValue::Bool(_)
            | FactValue::Number(_)
            | FactValue::Choice(_)
            | FactValue::Time(_)
            | FactValue::Seconds(_) => {}
        }
    }
}

/// The items of a `list of` fact: one block of values, item after item, each item as many
/// values as its schema has facts, in the schema's order. Built by a [`ListBuilder`].
#[derive(Clone, PartialEq, Default)]
pub struct List {
    /// Every item's values, back to back: `len` runs of the same width.
    values: Box<[FactValue]>,
    /// The number of items, kept apart from the values: items of a schema without facts take
    /// none.
    len: usize,
}

impl List {
    /// The number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no items.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of values of each item.
    #[inline]
    fn width(&self) -> usize {
        self.values.len().checked_div(self.len).unwrap_or(0)
    }

    /// The items in order, each its values in the order of the items' schema.
    #[inline]
    pub fn items(&self) -> Items<'_> {
        Items {
            rest: &self.values,
            width: self.width(),
            left: self.len,
        }
    }

    /// The items in order, each its values, to change in place.
    pub fn items_mut(&mut self) -> impl ExactSizeIterator<Item = &mut [FactValue]> {
        let width = self.width();
        let mut rest: &mut [FactValue] = &mut self.values;
        (0..self.len).map(move |_| {
            let all = std::mem::take(&mut rest);
            let (item, after) = all.split_at_mut(width.min(all.len()));
            rest = after;
            item
        })
    }

    /// The list of `len` items whose values are `values`, item after item: `len` runs of the
    /// same width (the number of facts of the items' schema), as a [`ListBuilder`] lays them out.
    /// (Only the columnar readers build lists this way.)
    #[cfg(feature = "arrow")]
    pub(crate) fn from_block(values: Box<[FactValue]>, len: usize) -> List {
        List { values, len }
    }

    /// Item `index`'s values.
    pub fn get(&self, index: usize) -> Option<&[FactValue]> {
        if index >= self.len {
            return None;
        }
        let width = self.width();
        self.values.get(index * width..(index + 1) * width)
    }
}

impl Drop for List {
    /// Releases the values in one loop, as a record does.
    fn drop(&mut self) {
        release(std::mem::take(&mut self.values).into_vec());
    }
}

impl std::fmt::Debug for List {
    /// The items, each as the list of its values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.items()).finish()
    }
}

/// The items of a [`List`], each as its values ([`List::items`]); the default has none.
#[derive(Debug, Clone, Default)]
pub struct Items<'a> {
    /// The values of the items not yet given.
    rest: &'a [FactValue],
    width: usize,
    /// The number of items not yet given.
    left: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = &'a [FactValue];

    #[inline]
    fn next(&mut self) -> Option<&'a [FactValue]> {
        self.left = self.left.checked_sub(1)?;
        let (item, rest) = self.rest.split_at_checked(self.width)?;
        self.rest = rest;
        Some(item)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Items<'_> {}

/// Builds a [`List`] item by item, in order: each item is `width` values, the items' schema's
/// facts in order.
#[derive(Debug, Clone, Default)]
pub struct ListBuilder {
    width: usize,
    values: Vec<FactValue>,
    len: usize,
}

impl ListBuilder {
    /// A builder of a list whose items have `width` values (the number of facts of the items'
    /// schema).
    pub fn new(width: usize) -> Self {
        ListBuilder {
            width,
            values: Vec::new(),
            len: 0,
        }
    }

    /// As [`ListBuilder::new`], with room for `items` items.
    pub fn with_capacity(width: usize, items: usize) -> Self {
        ListBuilder {
            width,
            values: Vec::with_capacity(width.saturating_mul(items)),
            len: 0,
        }
    }

    /// Adds an item whose values are all unknown, and gives them to be written in place.
    #[inline]
    pub fn push_unknown(&mut self) -> &mut [FactValue] {
        let start = self.values.len();
        self.values.resize_with(start + self.width, || FactValue::Unknown);
        self.len += 1;
        self.values.get_mut(start..).unwrap_or_default()
    }

    /// Adds an item from its values in the schema's order: exactly `width` of them are taken,
    /// the ones missing at the end unknown.
    pub fn push(&mut self, values: impl IntoIterator<Item = FactValue>) {
        let start = self.values.len();
        self.values.extend(values.into_iter().take(self.width));
        self.values.resize_with(start + self.width, || FactValue::Unknown);
        self.len += 1;
    }

    /// The number of items added.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no item has been added.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The list of the items added.
    pub fn finish(self) -> List {
        List {
            values: self.values.into_boxed_slice(),
            len: self.len,
        }
    }

    /// As [`ListBuilder::new`], building in `buffer` (emptied first), whose room is kept from
    /// one list to the next by [`ListBuilder::finish_keeping_buffer`].
    pub(crate) fn in_buffer(width: usize, mut buffer: Vec<FactValue>) -> Self {
        buffer.clear();
        ListBuilder {
            width,
            values: buffer,
            len: 0,
        }
    }

    /// The list of the items added, in a block of its exact size (one allocation, where the
    /// buffer grew by doubling and `finish` would shrink it again), and the emptied buffer.
    pub(crate) fn finish_keeping_buffer(mut self) -> (List, Vec<FactValue>) {
        // `append` moves the values in one copy; with the capacity exact, `into_boxed_slice`
        // does not reallocate.
        let mut exact = Vec::with_capacity(self.values.len());
        exact.append(&mut self.values);
        let values = exact.into_boxed_slice();
        (List { values, len: self.len }, self.values)
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test stops at its first surprise: unwrap and panic say plainly what went wrong"
)]
mod tests {
    use super::*;

    fn n(i: i64) -> FactValue {
        FactValue::Number(Decimal::from(i))
    }

    fn text(s: &str) -> FactValue {
        FactValue::Text(s.into())
    }

    #[test]
    fn items_are_runs_of_the_width_in_order() {
        let mut list = ListBuilder::new(2);
        list.push([text("a"), n(1)]);
        let slots = list.push_unknown();
        slots.get_mut(1).map(|v| *v = n(2)).unwrap();
        list.push([text("c"), n(3)]);
        assert_eq!(list.len(), 3);
        let list = list.finish();
        assert_eq!(list.len(), 3);
        assert!(!list.is_empty());
        let items: Vec<&[FactValue]> = list.items().collect();
        assert_eq!(
            items,
            [&[text("a"), n(1)][..], &[FactValue::Unknown, n(2)], &[text("c"), n(3)]]
        );
        assert_eq!(list.items().len(), 3);
        assert_eq!(list.get(1), Some(&[FactValue::Unknown, n(2)][..]));
        assert_eq!(list.get(3), None);
        assert_eq!(format!("{list:?}"), format!("{items:?}"));
    }

    #[test]
    fn an_item_is_padded_or_cut_to_the_width() {
        let mut list = ListBuilder::with_capacity(2, 2);
        list.push([n(1)]);
        list.push([n(2), n(3), n(4)]);
        let list = list.finish();
        assert_eq!(list.get(0), Some(&[n(1), FactValue::Unknown][..]));
        assert_eq!(list.get(1), Some(&[n(2), n(3)][..]));
    }

    #[test]
    fn items_without_facts_are_counted() {
        let mut list = ListBuilder::new(0);
        assert!(list.is_empty());
        assert!(list.push_unknown().is_empty());
        list.push([n(1)]);
        let mut list = list.finish();
        assert_eq!(list.len(), 2);
        assert_eq!(list.items().collect::<Vec<_>>(), [&[][..], &[]]);
        assert_eq!(list.items_mut().count(), 2);
        assert_eq!(list.get(1), Some(&[][..]));
        assert_eq!(list.get(2), None);
    }

    #[test]
    fn an_empty_list_is_the_default_whatever_its_width() {
        let empty = ListBuilder::new(3).finish();
        assert_eq!(empty, List::default());
        assert!(empty.is_empty());
        assert_eq!(empty.items().next(), None);
        assert_eq!(Items::default().len(), 0);
    }

    #[test]
    fn a_buffer_kept_from_list_to_list_holds_no_values() {
        let mut leftover = vec![n(9); 3];
        leftover.reserve(20);
        let mut list = ListBuilder::in_buffer(2, leftover);
        list.push([n(1), n(2)]);
        list.push([n(3)]);
        let (list, buffer) = list.finish_keeping_buffer();
        assert_eq!(
            list.items().collect::<Vec<_>>(),
            [&[n(1), n(2)][..], &[n(3), FactValue::Unknown]]
        );
        assert!(buffer.is_empty());
        assert!(buffer.capacity() >= 23);
        let (empty, _) = ListBuilder::in_buffer(2, buffer).finish_keeping_buffer();
        assert_eq!(empty, List::default());
    }

    #[test]
    fn lists_nest_and_change_in_place() {
        let mut inner = ListBuilder::new(1);
        inner.push([n(7)]);
        inner.push([n(8)]);
        let mut outer = ListBuilder::new(2);
        outer.push([text("x"), FactValue::List(inner.finish())]);
        outer.push([text("y"), FactValue::List(List::default())]);
        let mut outer = outer.finish();
        for item in outer.items_mut() {
            if let Some(FactValue::List(inner)) = item.get_mut(1) {
                for v in inner.items_mut().flatten() {
                    *v = FactValue::Unknown;
                }
            }
        }
        let record = Record {
            values: vec![FactValue::List(outer.clone())],
        };
        let Some(FactValue::List(inner)) = outer.get(0).and_then(|item| item.get(1)) else {
            panic!("not a list")
        };
        assert_eq!(
            inner.items().collect::<Vec<_>>(),
            [&[FactValue::Unknown][..], &[FactValue::Unknown]]
        );
        assert_eq!(record.clone().into_values(), vec![FactValue::List(outer)]);
        assert_eq!(record.values.len(), 1);
    }
}
