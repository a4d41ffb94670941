//! What the evaluator works out once per program: where per-period definitions' values live,
//! and which shortcuts apply where ([`super::fast`]).

use super::fast::Shortcuts;
use super::fast::cache::{flat_fields, hoisted_lists, record_invariant_lists};
use super::fast::period::PeriodSplit;
use super::fast::pushdown;
use super::fast::sorted::{SortedCount, sorted_counts};
use crate::program::{Ir, ListExpr, Program};

/// The definitions some `cumulative` reads, anywhere in the program (with repeats).
fn cumulated(program: &Program) -> Vec<usize> {
    let mut out = Vec::new();
    let mut note = |ir: &Ir| {
        ir.any(&mut |n| {
            if let Ir::Cumulative(i) = n {
                out.push(*i);
            }
            false
        });
    };
    // `cumulative` needs a current period: only per-period definitions and rewards have one.
    for def in program.definitions.iter().filter(|d| d.per.is_some()) {
        note(&def.expr);
        def.adjust
            .at_most
            .iter()
            .chain(&def.adjust.at_least)
            .for_each(&mut note);
    }
    for r in program.rewards.iter().filter(|r| r.per.is_some()) {
        note(&r.expr);
        r.adjust.at_most.iter().chain(&r.adjust.at_least).for_each(&mut note);
    }
    out
}

/// What the evaluator works out once per program: where per-period definitions' values live in
/// [`super::env::Env::periodic`], which of them are computed in one pass, which computed fields
/// are flat, which aggregates are remembered for the record.
#[derive(Debug)]
pub(super) struct Plan<'p> {
    /// The shortcuts taken.
    pub(super) shortcuts: Shortcuts,
    /// For each definition: the start of its run of values and its length (0 for definitions
    /// not per period).
    pub(super) runs: Vec<(usize, usize)>,
    /// For each definition some `cumulative` reads: the start of the run of its running sums
    /// (in calendar order, after the runs of values), filled when it is computed.
    pub(super) sums: Vec<Option<usize>>,
    /// The total length.
    pub(super) total: usize,
    /// For each definition: how to compute all its periods in one pass over its list, when it
    /// can be (and the shortcut is taken).
    pub(super) splits: Vec<Option<PeriodSplit>>,
    /// For each definition that is an aggregate over a list: that list with conjuncts moved
    /// outwards, walked instead of it, when some can be (and the shortcut is taken).
    pub(super) pushed: Vec<Option<ListExpr>>,
    /// For each list level and computed field: its slot among the flat fields' values when the
    /// field is flat (see [`flat_fields`]) and the caches are used.
    pub(super) flat: Vec<Vec<Option<usize>>>,
    /// The number of such slots.
    pub(super) flat_count: usize,
    /// The lists of aggregates that read only the top-level record, each remembered under its
    /// position here (when the caches are used).
    pub(super) invariant: Vec<&'p ListExpr>,
    /// The counts done by a sorted index (when that shortcut is taken), each remembered under
    /// its position here.
    pub(super) sorted: Vec<(&'p ListExpr, SortedCount)>,
    /// The aggregates that read an item around them but not the innermost ones, with the deepest
    /// frame they read, each remembered under its position here (when the caches are used).
    pub(super) hoisted: Vec<(&'p ListExpr, usize)>,
}

impl<'p> Plan<'p> {
    pub(super) fn new(program: &'p Program, shortcuts: Shortcuts) -> Self {
        let mut runs = Vec::with_capacity(program.definitions.len());
        let mut splits = Vec::with_capacity(program.definitions.len());
        let mut pushed = Vec::with_capacity(program.definitions.len());
        let mut total = 0usize;
        for def in &program.definitions {
            let range = def.per.and_then(|p| program.periods.get(p));
            let count = range.map_or(0, |r| r.periods.len());
            runs.push((total, count));
            total += count;
            let moved = match &def.expr {
                Ir::Aggregate(_, list) if shortcuts.pushdown => pushdown::pushed_down(program, list),
                _ => None,
            };
            let walked = match (&moved, &def.expr) {
                (Some(list), _) | (None, Ir::Aggregate(_, list)) => Some(list),
                (None, _) => None,
            };
            let split = range
                .zip(walked)
                .and_then(|(range, list)| PeriodSplit::of(program, def, list, range));
            splits.push(split.filter(|_| shortcuts.period_split));
            pushed.push(moved);
        }
        let mut sums = vec![None; program.definitions.len()];
        for i in cumulated(program) {
            if let (Some(slot), Some(&(_, count))) = (sums.get_mut(i), runs.get(i))
                && slot.is_none()
            {
                *slot = Some(total);
                total += count;
            }
        }
        let (flat, flat_count) = if shortcuts.caches {
            flat_fields(program)
        } else {
            (Vec::new(), 0)
        };
        let invariant = if shortcuts.caches {
            record_invariant_lists(program)
        } else {
            Vec::new()
        };
        let sorted = if shortcuts.sorted {
            sorted_counts(program)
        } else {
            Vec::new()
        };
        let hoisted = if shortcuts.caches {
            hoisted_lists(program)
        } else {
            Vec::new()
        };
        Plan {
            hoisted,
            sorted,
            shortcuts,
            runs,
            sums,
            total,
            splits,
            pushed,
            flat,
            flat_count,
            invariant,
        }
    }

    /// The position of an aggregate's list among those remembered for the record.
    #[inline]
    pub(super) fn invariant_slot(&self, list: &ListExpr) -> Option<usize> {
        self.invariant.iter().position(|l| std::ptr::eq(*l, list))
    }
}
