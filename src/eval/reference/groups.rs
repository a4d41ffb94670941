//! Groups within a list (`top KEY of LIST by sum of X`, `top KEY of LIST by count`), stated
//! once: the list is walked as an aggregate walks it, each item taken is put in the group of
//! its key (a hash table from key to the group's place, so the walk is linear in the list), a
//! group's totals (the one after `by`, then those of its `then by`s) are folded as `sum of` /
//! `count of` fold, and the top group is the first one, in the order of the groups' first
//! items, that no later group beats: on the total, then on each tie-break in turn.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::lists::{Accumulator, Unheld, Visit};
use super::values::compare;
use crate::eval::env::{Env, Result};
use crate::eval::value::Value;
use crate::program::{Filter, ListExpr, ListLevel, Top, TopTie};
use crate::syntax::ast::AggOp;

/// A key as a group is found by: a value of a kind the checker allows as a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum GroupKey<'a> {
    Text(&'a str),
    Choice(u32),
    /// Normalised, so that `2` and `2.0` are one group.
    Num(Decimal),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl<'a> GroupKey<'a> {
    /// The key of a value; `None` for an unknown (or a kind that names no group).
    fn of(v: Value<'a>) -> Option<GroupKey<'a>> {
        match v {
            Value::Text(t) => Some(GroupKey::Text(t)),
            Value::Choice(c) => Some(GroupKey::Choice(c)),
            Value::Num(n) => Some(GroupKey::Num(n.normalize())),
            Value::Bool(b) => Some(GroupKey::Bool(b)),
            Value::Time(t) => Some(GroupKey::Time(t)),
            Value::Unknown | Value::Ratio(_) | Value::Duration(_) | Value::Window(_) | Value::Set(_) => None,
        }
    }
}

/// The groups of a list: each key with its totals (the one after `by`, then one per `then by`
/// of a total), in the order of the groups' first items. `None` when an item's key or value
/// was unknown (the checker requires both known, so only a value computed as unknown despite
/// that, never a fact, gets here): no group can be said to be the top one.
pub(in crate::eval) type Groups<'a> = Option<Vec<(Value<'a>, Vec<Value<'a>>)>>;

/// The walk of a grouping: every conjunct tested as a filter, every item taken added to its group.
struct GroupFold<'a> {
    top: &'a Top,
    /// Each group's key and running totals, in the order of their first items.
    groups: Vec<(Value<'a>, Vec<Accumulator<'a>>)>,
    /// Where each key's group is in `groups`.
    places: FxHashMap<GroupKey<'a>, usize>,
    /// Whether an item's key or value was unknown.
    unknown: bool,
    /// Why adding to a total failed, the first time it did.
    failure: Option<Option<Box<Unheld>>>,
}

impl<'a> Visit<'a> for GroupFold<'a> {
    type State = ();

    #[inline]
    fn enter(&mut self, _: &'a ListLevel, _: usize, _: &()) -> Option<()> {
        Some(())
    }

    #[inline]
    fn keep(&mut self, env: &mut Env<'a>, _: usize, _: usize, filter: &'a Filter, _: &mut ()) -> Result<bool> {
        env.keeps(filter)
    }

    #[inline]
    fn left_out(&mut self, _: &mut Env<'a>, _: &'a ListExpr, _: bool, _: &'a Filter, _: ()) -> Result<()> {
        Ok(())
    }

    fn take(&mut self, env: &mut Env<'a>, _: &'a ListExpr, _: ()) -> Result<()> {
        let top = self.top;
        let key = env.operand(&top.key)?;
        let Some(k) = GroupKey::of(key) else {
            self.unknown = true;
            return Ok(());
        };
        let place = match self.places.entry(k) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let folds = totals(top)
                    .map(|sum| Accumulator::new(if sum.is_some() { AggOp::Sum } else { AggOp::Count }))
                    .collect();
                self.groups.push((key, folds));
                *e.insert(self.groups.len() - 1)
            }
        };
        // An unknown total makes the whole grouping unknown (`groups` gives `None`), so the
        // group made for its key above is never read.
        let Some((_, folds)) = self.groups.get_mut(place) else {
            return Ok(());
        };
        for (fold, sum) in folds.iter_mut().zip(totals(top)) {
            let value = match sum {
                Some(x) => env.operand(x)?,
                None => Value::Bool(true),
            };
            if value.is_unknown() {
                self.unknown = true;
            } else if fold.add(value).is_none() && self.failure.is_none() {
                self.failure = Some(fold.take_failure());
            }
        }
        Ok(())
    }
}

/// What each of a `top`'s totals adds up, in order: the one after `by`, then those of its
/// `then by`s of a total (`None` counts the items).
fn totals(top: &Top) -> impl Iterator<Item = Option<&crate::program::Ir>> {
    std::iter::once(top.sum.as_ref()).chain(top.ties.iter().filter_map(|t| match t {
        TopTie::Total { sum, .. } => Some(sum.as_ref()),
        TopTie::Key { .. } => None,
    }))
}

impl<'a> Env<'a> {
    /// `top key of list by ...`: the key of the group with the highest total, ties broken by
    /// the `then by`s, then to the group met first; unknown when no item is taken.
    pub(in crate::eval) fn top(&mut self, top: &'a Top) -> Result<Value<'a>> {
        let groups = self.groups(top)?;
        Ok(groups
            .and_then(|g| top_place(top, &g).and_then(|i| g.get(i).map(|(k, _)| *k)))
            .unwrap_or(Value::Unknown))
    }

    /// The groups of a `top`: each key with its total, in the order of their first items.
    pub(in crate::eval) fn groups(&mut self, top: &'a Top) -> Result<Groups<'a>> {
        let mut fold = GroupFold {
            top,
            groups: Vec::new(),
            places: FxHashMap::default(),
            unknown: false,
            failure: None,
        };
        self.walk(&top.list, 0, &mut fold, &())?;
        if let Some(failure) = fold.failure {
            return Err(self.unheld(failure));
        }
        if fold.unknown {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(fold.groups.len());
        for (key, folds) in fold.groups {
            let mut finished = Vec::with_capacity(folds.len());
            for total in folds {
                finished.push(total.finish_or_why().map_err(|why| self.unheld(why))?);
            }
            out.push((key, finished));
        }
        Ok(Some(out))
    }
}

/// The place of the top group: the first that no later group beats.
pub(in crate::eval) fn top_place(top: &Top, groups: &[(Value<'_>, Vec<Value<'_>>)]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, group) in groups.iter().enumerate() {
        let beaten = best
            .and_then(|b| groups.get(b))
            .is_some_and(|b| beats(top, group, b) != Ordering::Greater);
        if !beaten {
            best = Some(i);
        }
    }
    best
}

/// How group `a` compares with group `b` for the top place (`Greater`: `a` wins): the total
/// after `by`, higher first; then each `then by` in turn; `Equal` when every one ties.
fn beats<'v>(top: &Top, a: &(Value<'v>, Vec<Value<'v>>), b: &(Value<'v>, Vec<Value<'v>>)) -> Ordering {
    let ((a_key, a_totals), (b_key, b_totals)) = (a, b);
    let total = |totals: &[Value<'v>], i: usize| totals.get(i).copied().unwrap_or(Value::Unknown);
    let mut order = compare(total(a_totals, 0), total(b_totals, 0)).unwrap_or(Ordering::Equal);
    let mut next_total = 1;
    for tie in &top.ties {
        if order != Ordering::Equal {
            break;
        }
        order = match tie {
            TopTie::Total { ascending, .. } => {
                let o = compare(total(a_totals, next_total), total(b_totals, next_total)).unwrap_or(Ordering::Equal);
                next_total += 1;
                if *ascending { o.reverse() } else { o }
            }
            // The lowest key wins unless `descending`: the lower key is the "greater" group.
            TopTie::Key { descending } => {
                let o = compare(*a_key, *b_key).unwrap_or(Ordering::Equal);
                if *descending { o } else { o.reverse() }
            }
        };
    }
    order
}
