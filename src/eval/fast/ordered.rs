//! Ordered values (`running sum of`, `portion of ... within first`, `previous`) computed for
//! every item of a list at once: the items are read once, the placed ones sorted by their keys
//! (a stable sort, so ties stay in the list's order), and one walk in that order gives each its
//! running sum and previous value. The standings are remembered for the list under the node's
//! slot, the period and the visit (`Frame::visit`) of the record holding the list, so that the
//! field of every item of a list of `n` costs `O(n log n)` once rather than `O(n)` each.
//!
//! **Reference:** `Env::standing` (`reference/ordered.rs`) of each item, which reads every
//! other item of the list; the walk adds the values in the same order (the items before, in
//! the order), so the sums are the same.

use super::super::env::{Env, Result};
use super::super::error::Internal;
use super::super::reference::ordered::{Keys, Read, Standing, order};
use super::super::value::Value;
use crate::program::{Ordered, OrderedOp};

impl<'a> Env<'a> {
    /// The standing of the item in the node's frame, from the standings of its whole list,
    /// computed once; `None` when its keys are unknown.
    pub(in crate::eval) fn sorted_standing(&mut self, o: &'a Ordered) -> Result<Option<Standing<'a>>> {
        let (items, me) = self.siblings(o)?;
        let holder = o.frame.checked_sub(1).and_then(|p| self.frames.get(p)).map(|f| f.visit);
        let key = (o.slot, self.period, holder.unwrap_or(0));
        if let Some(standings) = self.caches.ordered.get(&key) {
            return match standings.get(me) {
                Some(s) => Ok(*s),
                None => Err(self.internal(Internal::MissingFact)),
            };
        }
        self.charge(items.len())?;
        let reads = self.beside_item(o, |env| {
            let mut reads = Vec::with_capacity(items.len());
            for (j, record) in items.items().enumerate() {
                reads.push(env.read_item(o, record, j)?);
            }
            Ok(reads)
        })?;
        let standings = self.walk_in_order(o, &reads)?;
        let mine = standings.get(me).copied();
        self.caches.ordered.insert(key, standings);
        mine.ok_or_else(|| self.internal(Internal::MissingFact))
    }

    /// Each item's standing: the placed items sorted by their keys (ties in the list's order),
    /// then walked once.
    fn walk_in_order(&self, o: &'a Ordered, reads: &[Read<'a>]) -> Result<Vec<Option<Standing<'a>>>> {
        let mut placed: Vec<(&Keys<'a>, usize)> = reads
            .iter()
            .enumerate()
            .filter_map(|(j, r)| r.keys.as_ref().map(|k| (k, j)))
            .collect();
        placed.sort_by(|(ka, a), (kb, b)| order(o, ka, *a, kb, *b));
        let sums = !matches!(o.op, OrderedOp::Previous);
        let mut standings = vec![None; reads.len()];
        let mut before = Value::of_const(&o.zero);
        let mut previous = Value::Unknown;
        for (_, j) in placed {
            let Some(read) = reads.get(j) else { continue };
            if let Some(slot) = standings.get_mut(j) {
                *slot = Some(Standing {
                    before,
                    previous,
                    taken: read.taken,
                    value: read.value,
                });
            }
            if read.taken {
                if sums {
                    before = self.add_running(o, before, read.value)?;
                }
                previous = read.value;
            }
        }
        Ok(standings)
    }
}
