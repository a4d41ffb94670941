//! Caches: computed fields and record-wide aggregates computed once and remembered.
//!
//! - A computed field (`let x of list = ...`) is remembered per item: fields built from other
//!   fields could otherwise take exponential time. Its key is the item's place in the record
//!   (its level and the index of it and of each item it is inside), which the evaluator knows
//!   from the walks that put the items in scope ([`Frame`]).
//! - A *flat* field, one that iterates no list directly or through the fields it uses
//!   (`qualifying` of mini programs: a conjunction of its facts), has one slot holding its
//!   value for the visit of an item last computed, instead of a general cache: computing it
//!   visits no other item.
//! - An aggregate that reads only the top-level record has the same value wherever it is
//!   evaluated for one record and period; it is remembered under its position among such lists
//!   in the plan and the period (inside another list's filter it would otherwise be recomputed
//!   for every item).
//!
//! - An aggregate that reads an item around it but not the innermost ones (`count of v where
//!   w > k` inside `count of u where ...` inside a field of `t`, with `k` of `t`'s item) has the
//!   same value for every item of the walks between: it is remembered under its position among
//!   such lists in the plan, the period and the visit ([`Frame::visit`]) of the deepest item it
//!   reads, instead of being computed again for each item of `u`.
//!
//! **Reference:** the field's expression evaluated at each use with its record's frame on top
//! ([`Env::field_value`]); the aggregate evaluated at each use ([`Env::aggregate`]).

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::super::env::{Env, Frame, Result, recycle};
use super::super::error::Internal;
use super::super::reference::ordered::Standing;
use super::super::value::Value;
use crate::program::{Ir, ListExpr, Program, Read};
use crate::syntax::ast::AggOp;

/// An item's place in the record: the index of it and of each item it is inside, innermost
/// first (empty for the top-level record).
type ItemPath = SmallVec<[usize; 4]>;

/// Where a hoisted aggregate's value is remembered: its position in the plan, the period, the
/// visit of the deepest item it reads.
type HoistedKey = (usize, Option<(usize, usize)>, u64);

/// The caches of one record's evaluation.
#[derive(Default)]
pub(in crate::eval) struct Caches<'a> {
    /// Flat computed fields, one slot each: the visit ([`Frame::visit`]) the slot holds a value
    /// for (0 for none), and the value.
    flat: Vec<(u64, Value<'a>)>,
    /// Other computed fields, by (level, field, item), as positions in `values`.
    fields: FxHashMap<(usize, usize, ItemPath), u32>,
    /// Aggregates that read only the top-level record, by (position in the plan, period), as
    /// positions in `values`.
    aggregates: FxHashMap<(usize, Option<(usize, usize)>), u32>,
    /// Aggregates that read an item around them but not the innermost ones, by (position in
    /// the plan, period, visit of the deepest item they read), as positions in `values`.
    hoisted: FxHashMap<HoistedKey, u32>,
    /// The values the maps point to.
    values: Vec<Value<'a>>,
    /// The sorted indexes of counts ([`super::sorted`]), by position in the plan.
    pub(in crate::eval) sorted: FxHashMap<usize, super::sorted::SortedKeys<'a>>,
    /// The standings of every item of a list in an ordered value's order ([`super::ordered`]),
    /// by (the node's slot, period, visit of the record holding the list); `None` for an item
    /// whose keys are unknown.
    pub(in crate::eval) ordered: FxHashMap<OrderedKey, Vec<Option<Standing<'a>>>>,
}

/// Where the standings of a list are remembered: the ordered node's slot, the period, the visit
/// of the record holding the list.
pub(in crate::eval) type OrderedKey = (usize, Option<(usize, usize)>, u64);

/// Empties a cache, giving back the memory of one that a very large record made big.
fn reset<K, V>(map: &mut FxHashMap<K, V>) {
    if map.capacity() > 4096 {
        *map = FxHashMap::default();
    } else if !map.is_empty() {
        map.clear();
    }
}

impl<'a> Caches<'a> {
    /// Empty caches with `flat` slots.
    pub(in crate::eval) fn new(flat: usize) -> Self {
        Caches {
            flat: vec![(0, Value::Unknown); flat],
            ..Caches::default()
        }
    }

    /// The same buffers, emptied, for another record, with `flat` slots.
    pub(in crate::eval) fn recycle<'b>(self, flat: usize) -> Caches<'b> {
        let Caches {
            flat: slots,
            mut fields,
            mut aggregates,
            mut hoisted,
            values,
            sorted: _,
            ordered: _,
        } = self;
        reset(&mut fields);
        reset(&mut aggregates);
        reset(&mut hoisted);
        let mut slots: Vec<(u64, Value<'b>)> = recycle(slots);
        slots.resize(flat, (0, Value::Unknown));
        Caches {
            flat: slots,
            fields,
            aggregates,
            hoisted,
            values: recycle(values),
            // Its keys borrow the record: a new map (which allocates nothing until used).
            sorted: FxHashMap::default(),
            ordered: FxHashMap::default(),
        }
    }
}

/// The computed fields that iterate no list, directly or through the fields they use
/// (`qualifying` of mini programs: a conjunction of its facts). Such a field is computed at most
/// once per visit of its item without a general cache: one slot per field, holding the value for
/// the visit last computed, is enough, because computing it visits no other item.
pub(in crate::eval) fn flat_fields(program: &Program) -> (Vec<Vec<Option<usize>>>, usize) {
    // Fields only use fields declared before them or of outer levels, but a fixed point is
    // simpler than relying on that order: start from "flat" and remove until nothing changes.
    let mut flat: Vec<Vec<bool>> = program
        .levels
        .iter()
        .map(|l| {
            l.derived
                .iter()
                .map(|d| {
                    !d.expr
                        .any(&mut |n| matches!(n, Ir::Aggregate(..) | Ir::Ordered(_) | Ir::Top(_)))
                })
                .collect()
        })
        .collect();
    loop {
        let mut changed = false;
        for (level, l) in program.levels.iter().enumerate() {
            for (index, d) in l.derived.iter().enumerate() {
                let is_flat = |flat: &[Vec<bool>], level: usize, index: usize| {
                    flat.get(level).and_then(|f| f.get(index)).copied().unwrap_or(false)
                };
                if !is_flat(&flat, level, index) {
                    continue;
                }
                let uses_other = d.expr.any(&mut |n| match n {
                    Ir::Derived { level, index, .. } => {
                        !flat.get(*level).and_then(|f| f.get(*index)).copied().unwrap_or(false)
                    }
                    _ => false,
                });
                if uses_other && let Some(f) = flat.get_mut(level).and_then(|f| f.get_mut(index)) {
                    *f = false;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut count = 0;
    let slots = flat
        .iter()
        .map(|l| {
            l.iter()
                .map(|&f| {
                    f.then(|| {
                        count += 1;
                        count - 1
                    })
                })
                .collect()
        })
        .collect();
    (slots, count)
}

/// The lists of the aggregates that read only the top-level record, wherever they are in the
/// program.
pub(in crate::eval) fn record_invariant_lists(program: &Program) -> Vec<&ListExpr> {
    fn collect<'p>(ir: &'p Ir, out: &mut Vec<&'p ListExpr>) {
        if let Ir::Aggregate(_, list) = ir
            && list.record_invariant
        {
            out.push(list);
        }
        ir.for_each_child(&mut |child| collect(child, out));
    }
    let mut out = Vec::new();
    let mut roots: Vec<&Ir> = Vec::new();
    for def in &program.definitions {
        roots.push(&def.expr);
        roots.extend(adjust_irs(&def.adjust));
    }
    let gates = program.rewards.iter().flat_map(|r| r.gate.iter().flatten());
    for c in program.conditions.iter().chain(gates) {
        roots.push(&c.expr);
        roots.extend(c.operands.iter().map(|o| &o.ir));
        match &c.threshold {
            Some(crate::program::Threshold::Compare { ir, .. }) => roots.push(ir),
            Some(crate::program::Threshold::InWindow { ir, window, .. }) => roots.extend([ir, window]),
            Some(crate::program::Threshold::Flag { .. }) | None => {}
        }
    }
    for r in &program.rewards {
        roots.push(&r.expr);
        roots.extend(adjust_irs(&r.adjust));
        if let Some(b) = &r.budget {
            roots.push(&b.amount);
            roots.extend(&b.order);
            roots.extend(b.group.as_ref().map(|(_, ir)| ir));
        }
    }
    for ranking in &program.rankings {
        roots.extend(ranking.keys.iter().map(|(ir, _)| ir));
        roots.extend(&ranking.within);
    }
    for level in &program.levels {
        roots.extend(level.derived.iter().map(|d| &d.expr));
    }
    for root in roots {
        collect(root, &mut out);
    }
    out
}

/// The deepest frame below its own items that a list reads (0 when only the top-level record).
fn deepest_outer_frame(list: &ListExpr) -> usize {
    let base = list.base;
    let mut deepest = 0;
    let mut note = |frame: usize| {
        if frame < base {
            deepest = deepest.max(frame);
        }
    };
    for level in &list.levels {
        note(level.frame);
    }
    list.reads_any(&mut |read| {
        match read {
            Read::Field(frame) | Read::List(frame) => note(frame),
            Read::Period => {}
        }
        false
    });
    deepest
}

/// The lists of the aggregates that read an item around them but not the innermost item in
/// scope where they are written, with the deepest frame they read, wherever they are.
pub(in crate::eval) fn hoisted_lists(program: &Program) -> Vec<(&ListExpr, usize)> {
    fn collect<'p>(ir: &'p Ir, out: &mut Vec<(&'p ListExpr, usize)>) {
        if let Ir::Aggregate(_, list) = ir
            && !list.record_invariant
        {
            let deepest = deepest_outer_frame(list);
            if deepest > 0 && deepest + 1 < list.base {
                out.push((list, deepest));
            }
        }
        ir.for_each_child(&mut |child| collect(child, out));
    }
    let mut out = Vec::new();
    for level in &program.levels {
        for d in &level.derived {
            collect(&d.expr, &mut out);
        }
    }
    for d in &program.definitions {
        collect(&d.expr, &mut out);
    }
    out
}

/// The expressions of rounding and caps.
fn adjust_irs(adjust: &crate::program::Adjust) -> impl Iterator<Item = &Ir> {
    adjust
        .at_most
        .iter()
        .chain(&adjust.at_least)
        .chain(adjust.parts.iter().map(|(_, ir)| ir))
        .chain(&adjust.expires)
}

impl<'a> Env<'a> {
    /// The place in the record of the item in `frame`.
    fn item_path(&self, frame: usize) -> ItemPath {
        let mut path = ItemPath::new();
        let mut at = frame;
        while at != 0 {
            let Some(f) = self.frames.get(at) else { break };
            path.push(f.index);
            // A list is always held by a frame below its items': the walk ends.
            if f.parent >= at {
                break;
            }
            at = f.parent;
        }
        path
    }

    /// A computed field of the record in `frame`, remembered (see the module's text).
    pub(in crate::eval) fn cached_field(&mut self, frame: usize, level: usize, index: usize) -> Result<Value<'a>> {
        let flat = self.plan.flat.get(level).and_then(|l| l.get(index)).copied().flatten();
        if let Some(slot) = flat {
            let visit = self.frames.get(frame).map_or(0, |f: &Frame<'a>| f.visit);
            if let Some(&(held, v)) = self.caches.flat.get(slot)
                && held == visit
                && visit != 0
            {
                return Ok(v);
            }
            let derived = self
                .program
                .levels
                .get(level)
                .and_then(|l| l.derived.get(index))
                .ok_or_else(|| self.internal(Internal::UnknownComputedField))?;
            // It iterates no list, so the frames above its own need not be set aside when the
            // frames below are its own scope; when they are not (it is used from another
            // list's item), they are rebuilt as the reference does.
            let v = if self.is_own_chain(frame) {
                self.derived_value(derived)?
            } else {
                self.field_value(frame, derived)?
            };
            if let Some(entry) = self.caches.flat.get_mut(slot) {
                *entry = (visit, v);
            }
            return Ok(v);
        }
        let key = (level, index, self.item_path(frame));
        if let Some(v) = self
            .caches
            .fields
            .get(&key)
            .and_then(|&slot| self.caches.values.get(slot as usize))
        {
            return Ok(*v);
        }
        let derived = self
            .program
            .levels
            .get(level)
            .and_then(|l| l.derived.get(index))
            .ok_or_else(|| self.internal(Internal::UnknownComputedField))?;
        let v = self.field_value(frame, derived)?;
        if let Ok(slot) = u32::try_from(self.caches.values.len()) {
            self.caches.values.push(v);
            self.caches.fields.insert(key, slot);
        }
        Ok(v)
    }

    /// An aggregate that reads an item around it but not the innermost ones, remembered for the
    /// visit of the deepest item it reads (see the module's text); `None` when it is not one.
    pub(in crate::eval) fn hoisted_aggregate(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Option<Value<'a>>> {
        let Some(position) = self.plan.hoisted.iter().position(|(l, _)| std::ptr::eq(*l, list)) else {
            return Ok(None);
        };
        let deepest = self.plan.hoisted.get(position).map_or(0, |(_, frame)| *frame);
        // Evaluated where it is written: the frames are those in scope there.
        let Some(visit) = self
            .frames
            .get(deepest)
            .map(|f| f.visit)
            .filter(|_| self.frames.len() == list.base)
        else {
            return Ok(None);
        };
        let key = (position, self.period, visit);
        if let Some(v) = self
            .caches
            .hoisted
            .get(&key)
            .and_then(|&slot| self.caches.values.get(slot as usize))
        {
            return Ok(Some(*v));
        }
        let v = self.aggregate(op, list)?;
        if let Ok(slot) = u32::try_from(self.caches.values.len()) {
            self.caches.values.push(v);
            self.caches.hoisted.insert(key, slot);
        }
        Ok(Some(v))
    }

    /// An aggregate that reads only the top-level record, remembered for the record and period.
    pub(in crate::eval) fn cached_aggregate(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Value<'a>> {
        let Some(position) = self.plan.invariant_slot(list) else {
            return self.aggregate(op, list);
        };
        let key = (position, self.period);
        if let Some(v) = self
            .caches
            .aggregates
            .get(&key)
            .and_then(|&slot| self.caches.values.get(slot as usize))
        {
            return Ok(*v);
        }
        let v = self.aggregate(op, list)?;
        if let Ok(slot) = u32::try_from(self.caches.values.len()) {
            self.caches.values.push(v);
            self.caches.aggregates.insert(key, slot);
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hoisted(definitions: &str) -> Vec<usize> {
        let text = format!(
            "campaign \"c\" {{\n  timezone Asia/Shanghai\n  facts {{ t: list of {{ k: decimal }}, u: list of {{ j: decimal }}, v: list of {{ w: decimal }} }}\n{definitions}\n}}\n"
        );
        let checked = crate::check::check(&text);
        assert!(checked.program.is_some(), "{:?}", checked.diagnostics);
        let Some(program) = checked.program else {
            return Default::default();
        };
        hoisted_lists(&program).iter().map(|(_, frame)| *frame).collect()
    }

    #[test]
    fn an_aggregate_reading_an_item_around_it_but_not_the_innermost_is_hoisted() {
        // Inside `count of u where ...` in a field of `t`: reads `k` of `t` (frame 1), not `u`'s item.
        assert_eq!(
            hoisted("  let s of t = count of u where (count of v where w > k) > 0\n  value x = sum of t.s"),
            vec![1]
        );
        // Reads `j` of the innermost item: computed for each.
        assert_eq!(
            hoisted("  let s of t = count of u where (count of v where w > j + k) > 0\n  value x = sum of t.s"),
            Vec::<usize>::new()
        );
    }
}
