//! Groups within a list (`top KEY of LIST by sum of X`, `top KEY of LIST by count`), stated
//! once: the list is walked as an aggregate walks it, each item taken is put in the group of
//! its key (a hash table from key to the group's place, so the walk is linear in the list), a
//! group's total is folded as `sum of` / `count of` fold, and the top group is the first one,
//! in the order of the groups' first items, whose total no later group exceeds.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::lists::{Accumulator, Unheld, Visit};
use super::values::compare;
use crate::eval::env::{Env, Result};
use crate::eval::value::Value;
use crate::program::{Filter, ListExpr, ListLevel, Top};
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

/// The groups of a list: each key with its total, in the order of the groups' first items.
/// `None` when an item's key or value was unknown (the checker requires both known, so only a
/// value computed as unknown despite that, never a fact, gets here): no group can be said to be
/// the top one.
pub(in crate::eval) type Groups<'a> = Option<Vec<(Value<'a>, Value<'a>)>>;

/// The walk of a grouping: every conjunct tested as a filter, every item taken added to its group.
struct GroupFold<'a> {
    top: &'a Top,
    /// Each group's key and running total, in the order of their first items.
    groups: Vec<(Value<'a>, Accumulator<'a>)>,
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
        let key = env.operand(&self.top.key)?;
        let value = match &self.top.sum {
            Some(x) => env.operand(x)?,
            None => Value::Bool(true),
        };
        let Some(k) = GroupKey::of(key).filter(|_| !value.is_unknown()) else {
            self.unknown = true;
            return Ok(());
        };
        let place = match self.places.entry(k) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let op = if self.top.sum.is_some() {
                    AggOp::Sum
                } else {
                    AggOp::Count
                };
                self.groups.push((key, Accumulator::new(op)));
                *e.insert(self.groups.len() - 1)
            }
        };
        if let Some((_, total)) = self.groups.get_mut(place)
            && total.add(value).is_none()
            && self.failure.is_none()
        {
            self.failure = Some(total.take_failure());
        }
        Ok(())
    }
}

impl<'a> Env<'a> {
    /// `top key of list by ...`: the key of the group with the highest total, ties to the group
    /// met first; unknown when no item is taken.
    pub(in crate::eval) fn top(&mut self, top: &'a Top) -> Result<Value<'a>> {
        let groups = self.groups(top)?;
        Ok(groups
            .and_then(|g| top_place(&g).and_then(|i| g.get(i).map(|(k, _)| *k)))
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
        for (key, total) in fold.groups {
            let total = total.finish_or_why().map_err(|why| self.unheld(why))?;
            out.push((key, total));
        }
        Ok(Some(out))
    }
}

/// The place of the top group: the first whose total no later group's exceeds.
pub(in crate::eval) fn top_place(groups: &[(Value<'_>, Value<'_>)]) -> Option<usize> {
    let mut best: Option<(usize, Value<'_>)> = None;
    for (i, (_, total)) in groups.iter().enumerate() {
        best = match best {
            Some((_, b)) if compare(*total, b) != Some(Ordering::Greater) => best,
            _ => Some((i, *total)),
        };
    }
    best.map(|(i, _)| i)
}
