//! Conjuncts tested at the outermost level they read: `sum of mini_programs.orders.amount
//! where qualifying and status_posted` tests `qualifying` once per mini program, and walks no
//! order of a mini program that does not qualify, where the reference tests it once per order.
//!
//! The checker attaches every conjunct of a `where` to the innermost level, in the order
//! written. A conjunct that reads nothing of the levels inside level `k` has the same value for
//! every item inside the same item of level `k`, so testing it there keeps exactly the items
//! the reference keeps. What could differ is which conjuncts are evaluated at all (a mini
//! program without orders has its `qualifying` tested here, never in the reference), and so
//! which errors are met. A conjunct is therefore moved only when neither it nor any conjunct
//! before it can fail ([`cannot_fail`]): then no error can appear or disappear, and the
//! conjuncts left behind are still evaluated in their order.

use crate::program::{Ir, ListExpr, Program, Read};

/// `list` with the conjuncts of its innermost level that can be moved outwards moved to the
/// outermost level they read; `None` when none can be (the list is then walked as it is).
pub(in crate::eval) fn pushed_down(program: &Program, list: &ListExpr) -> Option<ListExpr> {
    let (last, outer) = list.levels.split_last()?;
    // A list whose conjuncts or value walk other lists is left as it is: the shortcuts of those
    // walks (caches, sorted counts, orders sorted once) know them by their place in the
    // program, which a copy does not have.
    if outer.is_empty() || list.reads_any(&mut |read| matches!(read, Read::List(_))) {
        return None;
    }
    let mut pushed = list.clone();
    let mut kept = Vec::with_capacity(last.filters.len());
    let mut moved = false;
    // Whether every conjunct so far cannot fail: only then may a later one be moved before them.
    let mut safe_so_far = true;
    for filter in &last.filters {
        safe_so_far &= cannot_fail(program, &filter.ir, 0);
        // Only to a level outside the innermost one.
        let target = if safe_so_far {
            outermost_level(list, &filter.ir).filter(|k| *k < outer.len())
        } else {
            None
        };
        match target.and_then(|k| pushed.levels.get_mut(k)) {
            Some(level) => {
                level.filters.push(filter.clone());
                moved = true;
            }
            _ => kept.push(filter.clone()),
        }
    }
    if !moved {
        return None;
    }
    if let Some(level) = pushed.levels.last_mut() {
        level.filters = kept;
    }
    Some(pushed)
}

/// The outermost level of `list` at which `ir` can be tested: the first whose items' frame is
/// at or above every frame it reads; `None` when it reads the current period (a per-period
/// aggregate places items by such a conjunct, at its own level) or a list.
fn outermost_level(list: &ListExpr, ir: &Ir) -> Option<usize> {
    let mut deepest = 0usize;
    // Every node's reads (`reads_any` visits them all; nothing is picked out).
    let unmovable = ir.reads_any(&mut |read| match read {
        Read::Field(frame) => {
            deepest = deepest.max(frame);
            false
        }
        Read::List(_) | Read::Period => true,
    });
    if unmovable {
        return None;
    }
    // Level `k`'s items are in frame `base + k`; the frames below `base` are in scope throughout.
    Some(deepest.saturating_sub(list.base))
}

/// How deep computed fields are followed before giving up (they cannot refer to each other in
/// a cycle, so this only bounds the work of a long chain).
const FIELD_DEPTH: usize = 8;

/// Whether evaluating `ir` can never give an error, whatever the record: it only reads facts,
/// parameters and constants, compares and combines truth values, and follows computed fields
/// that do the same. Anything that computes (arithmetic, aggregates, calendar functions) or
/// reads another definition may fail and is never moved.
fn cannot_fail(program: &Program, ir: &Ir, depth: usize) -> bool {
    let all = |irs: &[Ir]| irs.iter().all(|x| cannot_fail(program, x, depth));
    match ir {
        Ir::Const(_)
        | Ir::Unknown
        | Ir::Fact { .. }
        | Ir::Param(_)
        | Ir::FactCompare { .. }
        | Ir::FactInWindow { .. }
        | Ir::FactInSet { .. } => true,
        Ir::Not(a) | Ir::IsKnown(a) => cannot_fail(program, a, depth),
        Ir::Compare(_, a, b) | Ir::InWindow(a, b) | Ir::InSet(a, b) | Ir::IfUnknown(a, b) => {
            cannot_fail(program, a, depth) && cannot_fail(program, b, depth)
        }
        Ir::And(operands) | Ir::Or(operands) => all(operands),
        Ir::Derived { level, index, .. } => {
            depth < FIELD_DEPTH
                && program
                    .levels
                    .get(*level)
                    .and_then(|l| l.derived.get(*index))
                    .is_some_and(|d| cannot_fail(program, &d.expr, depth + 1))
        }
        Ir::Def(_)
        | Ir::DefAt(_)
        | Ir::PeriodWindow
        | Ir::PeriodsWindow(_)
        | Ir::Neg(_)
        | Ir::Arith(..)
        | Ir::ArithChain { .. }
        | Ir::MakeWindow { .. }
        | Ir::Aggregate(..)
        | Ir::AggregatePeriods(..)
        | Ir::Min(_)
        | Ir::Max(_)
        | Ir::Waitlisted(_)
        | Ir::AsOf
        | Ir::Rank(_)
        | Ir::Pool(..)
        | Ir::Func(..)
        | Ir::Lookup { .. }
        | Ir::Band(..)
        | Ir::Marginal(..)
        | Ir::If { .. }
        | Ir::Earned(_)
        | Ir::Previous { .. }
        | Ir::Cumulative(_)
        | Ir::PeriodNumber(_)
        | Ir::Ordered(_)
        | Ir::Top(_)
        | Ir::Balance(_)
        | Ir::BalanceOf(..) => false,
    }
}

#[cfg(test)]
#[expect(
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at its first surprise: expect and panic say plainly what went wrong"
)]
mod tests {
    use super::*;

    fn program(text: &str) -> Program {
        let checked = crate::check::check(text);
        checked.program.unwrap_or_else(|| panic!("{:?}", checked.diagnostics))
    }

    const CAMPAIGN: &str = r#"
campaign "c" {
  timezone Asia/Shanghai
  unit points
  facts {
    shops: list of {
      open: bool
      rate: fraction
      orders: list of { amount: money CNY  paid: bool }
    }
  }
  let good of shops = open and rate ≥ 2%
  value a = sum of shops.orders.amount where good and paid
  value b = sum of shops.orders.amount where paid and good
  value c = sum of shops.orders.amount where amount > 5 CNY and good
  value d = sum of shops.orders.amount where (amount × 2 times > 5 CNY) and good
  value e = sum of shops.orders.amount where not (open and paid)
  value f = sum of shops.orders.amount where good and (count of shops ≥ 1)
  eligible when { a ≥ 0 CNY  "x" }
  reward points = a × 1% as points, rounded down
}
"#;

    /// The filters of each level of definition `name`'s list, as written, once pushed down.
    fn levels(p: &Program, name: &str) -> Option<Vec<Vec<String>>> {
        let def = p.definitions.iter().find(|d| d.name == name).expect("defined");
        let Ir::Aggregate(_, list) = &def.expr else {
            panic!("an aggregate")
        };
        pushed_down(p, list).map(|l| {
            l.levels
                .iter()
                .map(|level| level.filters.iter().map(|f| f.text.clone()).collect())
                .collect()
        })
    }

    #[test]
    fn a_conjunct_on_the_outer_item_is_tested_there() {
        let p = program(CAMPAIGN);
        assert_eq!(
            levels(&p, "a"),
            Some(vec![vec!["good".to_string()], vec!["paid".to_string()]])
        );
        // Moved past a conjunct that cannot fail: the same items are kept, no error can differ.
        assert_eq!(
            levels(&p, "b"),
            Some(vec![vec!["good".to_string()], vec!["paid".to_string()]])
        );
        assert_eq!(
            levels(&p, "c"),
            Some(vec![vec!["good".to_string()], vec!["amount > 5 CNY".to_string()]])
        );
    }

    #[test]
    fn nothing_moves_past_a_conjunct_that_can_fail() {
        // `amount × 2 times` is arithmetic: were `good` tested first, an order the reference fails on
        // could be skipped.
        let p = program(CAMPAIGN);
        assert_eq!(levels(&p, "d"), None);
    }

    #[test]
    fn a_conjunct_reading_the_inner_item_anywhere_inside_it_stays() {
        // `paid` is an order's, two nodes down: every node's reads count, not the top one's.
        let p = program(CAMPAIGN);
        assert_eq!(levels(&p, "e"), None);
    }

    #[test]
    fn a_list_whose_conjuncts_walk_another_list_is_left_as_it_is() {
        let p = program(CAMPAIGN);
        assert_eq!(levels(&p, "f"), None);
    }
}
