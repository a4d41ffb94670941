//! The period split: a per-period aggregate computed in one pass over its list.
//!
//! A per-period aggregate whose list has one filter conjunct that places an item in a period
//! (`redeemed_at in month`) and none other that depends on the period: instead of one pass
//! over the list per period, one pass finds each item's period by the timestamp (a binary
//! search of the periods, which are in calendar order and do not overlap) and adds the item to
//! that period's total. Every other conjunct is evaluated once per item instead of once per
//! period. The conjuncts after the one that places the item, and the value taken from it, may
//! depend on the period too (`where paid_at in day and amount ≥ daily_threshold`, with
//! `daily_threshold` a per-day value): they are evaluated with the item's period current, the
//! only period whose pass would have gone on to them.
//!
//! **Reference:** for each period, the aggregate as [`Env::eval`] gives it with that period
//! current (the pass per period of `Env::compute_def`). On any error the split gives up and
//! the pass per period runs, so errors are the reference's too. A definition that reads its
//! own earlier periods (`previous`) is not split.

use chrono::{DateTime, Utc};

use super::super::env::{Env, Result};
use super::super::reference::Accumulator;
use super::super::reference::lists::Visit;
use crate::program::{Const, Definition, Filter, Ir, ListExpr, ListLevel, PeriodRange, Program, Read};
use crate::syntax::ast::AggOp;

/// Where a per-period aggregate's list places an item in its period: the list level and the
/// position of the conjunct among that level's filters.
#[derive(Debug, Clone, Copy)]
pub(in crate::eval) struct PeriodSplit {
    level: usize,
    conjunct: usize,
    /// The period range.
    range: usize,
    /// Whether a conjunct after the placing one, or the value taken, depends on the period.
    dependent: bool,
}

/// Whether an expression depends on the current period.
fn uses_period(ir: &Ir) -> bool {
    ir.reads_any(&mut |read| read == Read::Period)
}

impl PeriodSplit {
    /// How to compute a per-period definition in one pass, when it can be.
    /// `list` is the definition's list as it is walked (its conjuncts perhaps moved outwards,
    /// [`super::pushdown`]).
    pub(in crate::eval) fn of(
        program: &Program,
        def: &Definition,
        list: &ListExpr,
        range: &PeriodRange,
    ) -> Option<PeriodSplit> {
        if !matches!(def.expr, Ir::Aggregate(..)) {
            return None;
        }
        let in_order = range.periods.windows(2).all(|pair| match pair {
            [a, b] => a.window.end < b.window.start || (a.window.end == b.window.start && !a.window.end_inclusive),
            _ => true,
        });
        let derived_use_period = program
            .levels
            .iter()
            .any(|l| l.derived.iter().any(|d| uses_period(&d.expr)));
        // A definition reading its own earlier periods needs each period finished before the
        // next is computed: one pass computes them all at once.
        let reads_earlier = def.expr.any(&mut |n| matches!(n, Ir::Previous { .. }));
        if !in_order || derived_use_period || reads_earlier {
            return None;
        }
        let range = def.per?;
        let mut found: Option<PeriodSplit> = None;
        for (level, l) in list.levels.iter().enumerate() {
            for (conjunct, f) in l.filters.iter().enumerate() {
                if !uses_period(&f.ir) {
                    continue;
                }
                match &mut found {
                    // Evaluated with the item's period current, once the item is placed.
                    Some(split) => split.dependent = true,
                    None if period_subject(&f.ir).is_some() => {
                        found = Some(PeriodSplit {
                            level,
                            conjunct,
                            range,
                            dependent: false,
                        });
                    }
                    None => return None,
                }
            }
        }
        let mut found = found?;
        found.dependent |= list.project.as_deref().is_some_and(uses_period);
        Some(found)
    }
}

/// The timestamp of a conjunct `t in <the period>` (or `(t in <the period>) if unknown false`),
/// when `t` itself does not depend on the period.
fn period_subject(ir: &Ir) -> Option<&Ir> {
    let test = match ir {
        Ir::IfUnknown(test, otherwise) if **otherwise == Ir::Const(Const::Bool(false)) => test,
        other => other,
    };
    match test {
        Ir::InWindow(subject, window) if **window == Ir::PeriodWindow && !uses_period(subject) => Some(subject),
        _ => None,
    }
}

/// The timestamp of the placing conjunct of a split, as [`period_subject`] found it when the
/// split was planned: taken apart again without its checks, which compare whole expressions and
/// would otherwise run for every item.
fn placed_subject(ir: &Ir) -> Option<&Ir> {
    let test = match ir {
        Ir::IfUnknown(test, _) => test,
        other => other,
    };
    match test {
        Ir::InWindow(subject, _) => Some(subject),
        _ => None,
    }
}

/// The period (of periods in calendar order that do not overlap) an instant falls in.
fn period_of(range: &PeriodRange, t: DateTime<Utc>) -> Option<usize> {
    let after = range.periods.partition_point(|p| p.window.start <= t);
    let k = after.checked_sub(1)?;
    range.periods.get(k).filter(|p| p.window.contains(t)).map(|_| k)
}

/// The walk of the one pass: the period conjunct finds the item's period, the others are
/// tested as filters are, and each item that passes is added to its period's accumulator.
struct ByPeriod<'v, 'a> {
    split: PeriodSplit,
    range: &'a PeriodRange,
    accumulators: &'v mut [Accumulator<'a>],
    /// Whether adding to an accumulator overflowed.
    failed: bool,
}

impl<'a> Visit<'a> for ByPeriod<'_, 'a> {
    /// The period the item (or the item it is inside) falls in, once found.
    type State = Option<usize>;

    #[inline]
    fn enter(&mut self, _: &'a ListLevel, _: usize, outer: &Option<usize>) -> Option<Option<usize>> {
        Some(*outer)
    }

    #[inline]
    fn keep(
        &mut self,
        env: &mut Env<'a>,
        level: usize,
        conjunct: usize,
        filter: &'a Filter,
        period: &mut Option<usize>,
    ) -> Result<bool> {
        if level != self.split.level || conjunct != self.split.conjunct {
            return match *period {
                Some(k) if self.split.dependent => env.in_period(self.split.range, k, |env| env.keeps(filter)),
                _ => env.keeps(filter),
            };
        }
        debug_assert!(
            period_subject(&filter.ir).is_some(),
            "the split's conjunct places items"
        );
        let Some(subject) = placed_subject(&filter.ir) else {
            return Ok(false);
        };
        Ok(match env.operand(subject)? {
            crate::eval::Value::Time(t) => match period_of(self.range, t) {
                Some(k) => {
                    *period = Some(k);
                    true
                }
                None => false,
            },
            _ => false,
        })
    }

    #[inline]
    fn left_out(&mut self, _: &mut Env<'a>, _: &'a ListExpr, _: bool, _: &'a Filter, _: Option<usize>) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn take(&mut self, env: &mut Env<'a>, list: &'a ListExpr, period: Option<usize>) -> Result<()> {
        let (Some(k), Some(acc)) = (period, period.and_then(|k| self.accumulators.get_mut(k))) else {
            return Ok(());
        };
        let added = if self.split.dependent {
            env.in_period(self.split.range, k, |env| env.project(list.project.as_deref(), acc))?
        } else {
            env.project(list.project.as_deref(), acc)?
        };
        if added.is_none() {
            self.failed = true;
        }
        Ok(())
    }
}

impl<'a> Env<'a> {
    /// Runs `f` with period `k` of range `range` current, as the pass of that period would.
    fn in_period<T>(&mut self, range: usize, k: usize, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let saved = self.period.replace((range, k));
        let result = f(self);
        self.period = saved;
        result
    }

    /// An aggregate per period in one pass over the list, its values written to `periodic`
    /// from `start` on.
    pub(in crate::eval) fn aggregate_by_period(
        &mut self,
        op: AggOp,
        list: &'a ListExpr,
        split: PeriodSplit,
        range: &'a PeriodRange,
        start: usize,
    ) -> Result<()> {
        let mut accumulators = std::mem::take(&mut self.accumulators);
        accumulators.clear();
        accumulators.extend(range.periods.iter().map(|_| Accumulator::new(op)));
        let mut pass = ByPeriod {
            split,
            range,
            accumulators: &mut accumulators,
            failed: false,
        };
        let walked = self.walk(list, 0, &mut pass, &None);
        let failed = pass.failed;
        let mut result = walked.and_then(|()| if failed { Err(self.overflow()) } else { Ok(()) });
        if result.is_ok() {
            for (k, acc) in accumulators.drain(..).enumerate() {
                match acc.finish() {
                    Some(v) => {
                        if let Some(slot) = self.periodic.get_mut(start + k) {
                            *slot = v;
                        }
                    }
                    None => result = Err(self.overflow()),
                }
            }
        }
        self.accumulators = accumulators;
        result
    }
}
