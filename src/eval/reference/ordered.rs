//! Values over the items of a list in a declared order ([`Ordered`]): `running sum of`,
//! `portion of ... within first`, `previous`, computed for the item a per-item field is
//! computed for.
//!
//! The semantics, for item `i` of a list of `n` items:
//!
//! - every item is read in the item's own frame ([`Ordered::frame`]), as a new visit: its keys,
//!   then (when its keys are known) the filter's conjuncts, then (when they all hold) its value;
//! - an item whose keys are all known is *placed*; item `j` comes before item `i` when its keys
//!   are smaller (larger for a `descending` key), the first key that differs deciding, and
//!   when all keys are equal when `j < i` (the list's own order);
//! - the running sum of `i` is the sum of the values of the items taken (placed, filter true)
//!   that come before `i`, starting from zero; `previous` is the value of the last of them, and
//!   unknown when there is none; an item that is not placed has neither (unknown);
//! - the portion of `i` within the first `t` is 0 when `i` is not taken, else
//!   `max(0, min(x, t − running sum))` with `x` its own value.
//!
//! Here each item's standing is found by looking at every other item (`n` items read for each
//! of the `n` items); [`crate::eval::fast::ordered`] sorts the list once and walks it once.

use std::cmp::Ordering;

use smallvec::SmallVec;

use super::values::compare;
use crate::eval::env::{Env, Result};
use crate::eval::error::Internal;
use crate::eval::value::Value;
use crate::facts::{FactValue, List};
use crate::program::{ArithOp, Const, Ordered, OrderedOp};

/// The keys of one item, in the order written.
pub(in crate::eval) type Keys<'a> = SmallVec<[Value<'a>; 2]>;

/// Where an item stands in the order.
#[derive(Debug, Clone, Copy)]
pub(in crate::eval) struct Standing<'a> {
    /// The sum of the values of the items taken before it (zero for none).
    pub(in crate::eval) before: Value<'a>,
    /// The value of the last item taken before it (unknown for none).
    pub(in crate::eval) previous: Value<'a>,
    /// Whether the item itself is taken.
    pub(in crate::eval) taken: bool,
    /// Its own value (unknown when not taken).
    pub(in crate::eval) value: Value<'a>,
}

/// An item's keys, taken filter and value: what the order reads of it.
pub(in crate::eval) struct Read<'a> {
    /// Its keys, `None` when one is unknown.
    pub(in crate::eval) keys: Option<Keys<'a>>,
    /// Whether it is taken.
    pub(in crate::eval) taken: bool,
    /// Its value, when taken.
    pub(in crate::eval) value: Value<'a>,
}

/// How item `a` (with keys `ka`) and item `b` compare in the order: `Less` when `a` comes first.
pub(in crate::eval) fn order(o: &Ordered, ka: &[Value<'_>], a: usize, kb: &[Value<'_>], b: usize) -> Ordering {
    for ((x, y), (_, descending)) in ka.iter().zip(kb).zip(&o.keys) {
        let c = compare(*x, *y).unwrap_or(Ordering::Equal);
        let c = if *descending { c.reverse() } else { c };
        if c != Ordering::Equal {
            return c;
        }
    }
    a.cmp(&b)
}

impl<'a> Env<'a> {
    /// An ordered value for the item in the node's frame.
    pub(in crate::eval) fn ordered(&mut self, o: &'a Ordered) -> Result<Value<'a>> {
        let standing = if self.plan.shortcuts.ordered {
            self.sorted_standing(o)?
        } else {
            self.standing(o)?
        };
        let Some(s) = standing else { return Ok(Value::Unknown) };
        match &o.op {
            OrderedOp::RunningSum => Ok(s.before),
            OrderedOp::Previous => Ok(s.previous),
            OrderedOp::Portion(limit) => {
                if !s.taken {
                    return Ok(Value::of_const(&o.zero));
                }
                let t = self.eval(limit)?;
                let room = self.arith(ArithOp::Sub, t, s.before)?;
                let part = match compare(s.value, room) {
                    Some(Ordering::Greater) => room,
                    Some(_) => s.value,
                    None => return Ok(Value::Unknown),
                };
                let zero = Value::of_const(&o.zero);
                Ok(match compare(part, zero) {
                    Some(Ordering::Less) => zero,
                    _ => part,
                })
            }
        }
    }

    /// The items of the list of the item in the node's frame, and that item's place in it.
    pub(in crate::eval) fn siblings(&self, o: &Ordered) -> Result<(&'a List, usize)> {
        let item = self
            .frames
            .get(o.frame)
            .ok_or_else(|| self.internal(Internal::MissingFact))?;
        let holder = o.frame.checked_sub(1).and_then(|p| self.frames.get(p));
        match holder.and_then(|h| h.values.get(o.list)) {
            Some(FactValue::List(items)) => Ok((items, item.index)),
            _ => Err(self.internal(Internal::MissingFact)),
        }
    }

    /// Runs `f` with the frames cut below the node's frame (so that each item read can be put
    /// there), and puts them back.
    pub(in crate::eval) fn beside_item<R>(&mut self, o: &Ordered, f: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        let saved: SmallVec<[crate::eval::env::Frame<'a>; 4]> = self.frames.drain(o.frame..).collect();
        let r = f(self);
        self.frames.truncate(o.frame);
        self.frames.extend(saved);
        r
    }

    /// Reads item `j` of the list (with the frames cut by [`Env::beside_item`]): its keys, then
    /// the filter when they are known, then the value when it is taken.
    pub(in crate::eval) fn read_item(&mut self, o: &'a Ordered, record: &'a [FactValue], j: usize) -> Result<Read<'a>> {
        self.push_item(record, o.frame.saturating_sub(1), j);
        let r = self.read_top(o);
        self.frames.truncate(o.frame);
        r
    }

    fn read_top(&mut self, o: &'a Ordered) -> Result<Read<'a>> {
        let mut keys = Keys::new();
        for (k, _) in &o.keys {
            match self.eval(k)? {
                Value::Unknown => {
                    return Ok(Read {
                        keys: None,
                        taken: false,
                        value: Value::Unknown,
                    });
                }
                v => keys.push(v),
            }
        }
        for f in &o.filters {
            if self.eval(&f.ir)? != Value::Bool(true) {
                return Ok(Read {
                    keys: Some(keys),
                    taken: false,
                    value: Value::Unknown,
                });
            }
        }
        let value = self.eval(&o.value)?;
        Ok(Read {
            keys: Some(keys),
            taken: true,
            value,
        })
    }

    /// The running sum so far plus one item's value.
    pub(in crate::eval) fn add_running(&self, o: &Ordered, sum: Value<'a>, v: Value<'a>) -> Result<Value<'a>> {
        let op = match o.zero {
            Const::Duration(_) => ArithOp::DurAdd,
            _ => ArithOp::Add,
        };
        self.arith(op, sum, v)
    }

    /// The reference: the standing of the item in the node's frame, found by reading every item
    /// of its list; `None` when its keys are unknown.
    fn standing(&mut self, o: &'a Ordered) -> Result<Option<Standing<'a>>> {
        let (items, me) = self.siblings(o)?;
        self.charge(items.len())?;
        let sums = !matches!(o.op, OrderedOp::Previous);
        self.beside_item(o, |env| {
            let record = items.get(me).ok_or_else(|| env.internal(Internal::MissingFact))?;
            let mine = env.read_item(o, record, me)?;
            let Some(my_keys) = mine.keys else { return Ok(None) };
            let mut before = Value::of_const(&o.zero);
            let mut last: Option<(Keys<'a>, usize, Value<'a>)> = None;
            for (j, record) in items.items().enumerate() {
                if j == me {
                    continue;
                }
                let read = env.read_item(o, record, j)?;
                let Some(keys) = read.keys else { continue };
                if !read.taken || order(o, &keys, j, &my_keys, me) != Ordering::Less {
                    continue;
                }
                if sums {
                    before = env.add_running(o, before, read.value)?;
                } else if last
                    .as_ref()
                    .is_none_or(|(k, at, _)| order(o, k, *at, &keys, j) == Ordering::Less)
                {
                    last = Some((keys, j, read.value));
                }
            }
            Ok(Some(Standing {
                before,
                previous: last.map_or(Value::Unknown, |(_, _, v)| v),
                taken: mine.taken,
                value: mine.value,
            }))
        })
    }
}
