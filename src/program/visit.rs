//! The one traversal of the compiled expression language: which nodes are
//! directly inside which.
//!
//! Every pass that walks [`Ir`] (the checker's flags, the optimiser, the lints,
//! the evaluator's plan) goes through [`Ir::any_child`],
//! [`Ir::for_each_child`] or [`Ir::for_each_child_mut`], matching first the
//! nodes it treats specially. Their matches name every variant, with no
//! catch-all, so a new node does not compile until it says what its children
//! are. The children of an aggregate are those of its list: the filters of
//! every level, then the projection.
//!
//! Long chains are single nodes ([`Ir::And`], [`Ir::Or`], [`Ir::ArithChain`])
//! whose operands are children side by side: walks recurse once per level of
//! nesting, not once per operand.

use super::{Balance, Ir, ListExpr, Ordered, OrderedOp, Top, TopTie};

/// What a node of a program reads by itself ([`Ir::reads`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// A fact or computed field of the record in this frame.
    Field(usize),
    /// The items of a list level held by the record in this frame.
    List(usize),
    /// The current period.
    Period,
}

impl Ir {
    /// Calls `f` on each node directly inside this one, in evaluation order, until it returns
    /// true; returns whether it did.
    pub fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Ir) -> bool) -> bool {
        match self {
            Ir::Const(_)
            | Ir::Unknown
            | Ir::Fact { .. }
            | Ir::Derived { .. }
            | Ir::Def(_)
            | Ir::DefAt(_)
            | Ir::Param(_)
            | Ir::PeriodWindow
            | Ir::PeriodsWindow(_)
            | Ir::AggregatePeriods(..)
            | Ir::Waitlisted(_)
            | Ir::Earned(_)
            | Ir::AsOf
            | Ir::Rank(_)
            | Ir::Pool(..)
            | Ir::FactCompare { .. }
            | Ir::FactInWindow { .. }
            | Ir::FactInSet { .. }
            | Ir::Cumulative(_)
            | Ir::BalanceOf(..) => false,
            Ir::Previous { first, .. } => first.as_deref().is_some_and(f),
            Ir::Neg(a) | Ir::Not(a) | Ir::IsKnown(a) | Ir::PeriodNumber(a) => f(a),
            Ir::Arith(_, a, b) | Ir::Compare(_, a, b) | Ir::InWindow(a, b) | Ir::InSet(a, b) | Ir::IfUnknown(a, b) => {
                f(a) || f(b)
            }
            Ir::And(v) | Ir::Or(v) | Ir::Min(v) | Ir::Max(v) | Ir::Func(_, v) => v.iter().any(f),
            Ir::ArithChain { first, rest } => f(first) || rest.iter().any(|(_, x)| f(x)),
            Ir::MakeWindow { start, end, .. } => f(start) || f(end),
            Ir::Aggregate(_, list) => list.any_child(f),
            Ir::Lookup { keys, rows, otherwise } => {
                keys.iter().any(&mut *f) || rows.iter().any(|(_, v)| f(v)) || otherwise.as_deref().is_some_and(f)
            }
            Ir::Band(s, bands) | Ir::Marginal(s, bands) => f(s) || bands.iter().any(|b| f(&b.value)),
            Ir::If { branches, otherwise } => branches.iter().any(|(c, v)| f(c) || f(v)) || f(otherwise),
            Ir::Ordered(o) => o.any_child(f),
            Ir::Top(t) => t.any_child(f),
            Ir::Balance(b) => b.any_child(f),
        }
    }

    /// Calls `f` on each node directly inside this one, in evaluation order.
    pub fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Ir)) {
        self.any_child(&mut |child| {
            f(child);
            false
        });
    }

    /// Calls `f` on each node directly inside this one, in evaluation order, for changing.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Ir)) {
        match self {
            Ir::Const(_)
            | Ir::Unknown
            | Ir::Fact { .. }
            | Ir::Derived { .. }
            | Ir::Def(_)
            | Ir::DefAt(_)
            | Ir::Param(_)
            | Ir::PeriodWindow
            | Ir::PeriodsWindow(_)
            | Ir::AggregatePeriods(..)
            | Ir::Waitlisted(_)
            | Ir::Earned(_)
            | Ir::AsOf
            | Ir::Rank(_)
            | Ir::Pool(..)
            | Ir::FactCompare { .. }
            | Ir::FactInWindow { .. }
            | Ir::FactInSet { .. }
            | Ir::Cumulative(_)
            | Ir::BalanceOf(..) => {}
            Ir::Previous { first, .. } => {
                if let Some(first) = first {
                    f(first);
                }
            }
            Ir::Neg(a) | Ir::Not(a) | Ir::IsKnown(a) | Ir::PeriodNumber(a) => f(a),
            Ir::Arith(_, a, b) | Ir::Compare(_, a, b) | Ir::InWindow(a, b) | Ir::InSet(a, b) | Ir::IfUnknown(a, b) => {
                f(a);
                f(b);
            }
            Ir::And(v) | Ir::Or(v) | Ir::Min(v) | Ir::Max(v) | Ir::Func(_, v) => v.iter_mut().for_each(f),
            Ir::ArithChain { first, rest } => {
                f(first);
                rest.iter_mut().for_each(|(_, x)| f(x));
            }
            Ir::MakeWindow { start, end, .. } => {
                f(start);
                f(end);
            }
            Ir::Aggregate(_, list) => list.for_each_child_mut(f),
            Ir::Lookup { keys, rows, otherwise } => {
                keys.iter_mut().for_each(&mut *f);
                rows.iter_mut().for_each(|(_, v)| f(v));
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            Ir::Band(s, bands) | Ir::Marginal(s, bands) => {
                f(s);
                bands.iter_mut().for_each(|b| f(&mut b.value));
            }
            Ir::If { branches, otherwise } => {
                for (c, v) in branches {
                    f(c);
                    f(v);
                }
                f(otherwise);
            }
            Ir::Ordered(o) => o.for_each_child_mut(f),
            Ir::Top(t) => t.for_each_child_mut(f),
            Ir::Balance(b) => b.for_each_child_mut(f),
        }
    }

    /// Calls `f` with what this node reads by itself, not through the nodes inside it: the
    /// facts and computed fields of a frame's record, the list levels it walks, the current
    /// period. The shortcuts decide from it whether a value may be remembered or computed once
    /// (the caches, the hoisted and sorted lists, the period split), so every node is named: a
    /// new node that reads a frame or the period must say so here.
    pub fn reads(&self, f: &mut dyn FnMut(Read)) {
        match self {
            Ir::Fact { frame, .. }
            | Ir::Derived { frame, .. }
            | Ir::FactCompare { frame, .. }
            | Ir::FactInWindow { frame, .. }
            | Ir::FactInSet { frame, .. } => f(Read::Field(*frame)),
            Ir::Aggregate(_, list) => list.levels.iter().for_each(|l| f(Read::List(l.frame))),
            Ir::Top(t) => t.list.levels.iter().for_each(|l| f(Read::List(l.frame))),
            Ir::Balance(b) => b.list.levels.iter().for_each(|l| f(Read::List(l.frame))),
            // The item's list is a field of its parent, one frame below the item's.
            Ir::Ordered(o) => {
                if let Some(parent) = o.frame.checked_sub(1) {
                    f(Read::List(parent));
                }
                f(Read::Field(o.frame));
            }
            // A per-period definition's value in the current period, the period's window and
            // number, and what a balance did in the current month.
            Ir::PeriodWindow
            | Ir::DefAt(_)
            | Ir::Previous { .. }
            | Ir::Cumulative(_)
            | Ir::PeriodNumber(_)
            | Ir::BalanceOf(..) => f(Read::Period),
            Ir::Const(_)
            | Ir::Unknown
            | Ir::Def(_)
            | Ir::Param(_)
            | Ir::PeriodsWindow(_)
            | Ir::AggregatePeriods(..)
            | Ir::Waitlisted(_)
            | Ir::Earned(_)
            | Ir::AsOf
            | Ir::Rank(_)
            | Ir::Pool(..)
            | Ir::Neg(_)
            | Ir::Not(_)
            | Ir::IsKnown(_)
            | Ir::Arith(..)
            | Ir::Compare(..)
            | Ir::InWindow(..)
            | Ir::InSet(..)
            | Ir::IfUnknown(..)
            | Ir::And(_)
            | Ir::Or(_)
            | Ir::Min(_)
            | Ir::Max(_)
            | Ir::Func(..)
            | Ir::ArithChain { .. }
            | Ir::MakeWindow { .. }
            | Ir::Lookup { .. }
            | Ir::Band(..)
            | Ir::Marginal(..)
            | Ir::If { .. } => {}
        }
    }

    /// Whether this node or one inside it reads something `f` picks out.
    pub fn reads_any(&self, f: &mut dyn FnMut(Read) -> bool) -> bool {
        self.any(&mut |n| {
            let mut found = false;
            n.reads(&mut |read| found |= f(read));
            found
        })
    }

    /// Whether `f` holds for this node or any node inside it (outermost first; stops at the
    /// first).
    pub fn any(&self, f: &mut dyn FnMut(&Ir) -> bool) -> bool {
        f(self) || self.any_child(&mut |child| child.any(f))
    }
}

impl ListExpr {
    /// Calls `f` on the filters of every level, outermost first, then on the projection, until
    /// it returns true; returns whether it did.
    pub fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Ir) -> bool) -> bool {
        self.levels.iter().any(|l| l.filters.iter().any(|x| f(&x.ir))) || self.project.as_deref().is_some_and(f)
    }

    /// Calls `f` on the filters of every level, outermost first, then on the projection.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Ir)) {
        for level in &mut self.levels {
            for filter in &mut level.filters {
                f(&mut filter.ir);
            }
        }
        if let Some(project) = &mut self.project {
            f(project);
        }
    }

    /// Whether `f` holds for any node of the list's filters and projection.
    pub fn any(&self, f: &mut dyn FnMut(&Ir) -> bool) -> bool {
        self.any_child(&mut |child| child.any(f))
    }
}

impl ListExpr {
    /// Whether a node of the list's filters or projection reads something `f` picks out
    /// ([`Ir::reads`]).
    pub fn reads_any(&self, f: &mut dyn FnMut(Read) -> bool) -> bool {
        self.any_child(&mut |child| child.reads_any(f))
    }
}

impl Top {
    /// Calls `f` on the list's filters, the key, then the summed value, until it returns true;
    /// returns whether it did.
    pub fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Ir) -> bool) -> bool {
        self.list.any_child(f)
            || f(&self.key)
            || self.sum.as_ref().is_some_and(&mut *f)
            || self.ties.iter().any(|t| match t {
                TopTie::Total { sum, .. } => sum.as_ref().is_some_and(&mut *f),
                TopTie::Key { .. } => false,
            })
    }

    /// Calls `f` on the list's filters, the key, the summed value, then the tie-breaks' sums.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Ir)) {
        self.list.for_each_child_mut(f);
        f(&mut self.key);
        if let Some(sum) = &mut self.sum {
            f(sum);
        }
        for tie in &mut self.ties {
            match tie {
                TopTie::Total { sum: Some(sum), .. } => f(sum),
                TopTie::Total { sum: None, .. } | TopTie::Key { .. } => {}
            }
        }
    }
}

impl Balance {
    /// Calls `f` on the credit, the list (filters, then fee), the date, the keys, then the
    /// leaving instant, until it returns true; returns whether it did.
    pub fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Ir) -> bool) -> bool {
        f(&self.credit)
            || self.list.any_child(f)
            || f(&self.date)
            || self.keys.iter().any(|(k, _)| f(k))
            || self.lost_at.as_ref().is_some_and(f)
    }

    /// Calls `f` on the credit, the list (filters, then fee), the date, the keys, then the
    /// leaving instant.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Ir)) {
        f(&mut self.credit);
        self.list.for_each_child_mut(f);
        f(&mut self.date);
        self.keys.iter_mut().for_each(|(k, _)| f(k));
        if let Some(t) = &mut self.lost_at {
            f(t);
        }
    }
}

impl Ordered {
    /// Calls `f` on the keys, the filters, the value, then the threshold, until it returns
    /// true; returns whether it did.
    pub fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Ir) -> bool) -> bool {
        self.keys.iter().any(|(k, _)| f(k))
            || self.filters.iter().any(|x| f(&x.ir))
            || f(&self.value)
            || match &self.op {
                OrderedOp::Portion(limit) => f(limit),
                OrderedOp::RunningSum | OrderedOp::Previous => false,
            }
    }

    /// Calls `f` on the keys, the filters, the value, then the threshold.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Ir)) {
        self.keys.iter_mut().for_each(|(k, _)| f(k));
        self.filters.iter_mut().for_each(|x| f(&mut x.ir));
        f(&mut self.value);
        match &mut self.op {
            OrderedOp::Portion(limit) => f(limit),
            OrderedOp::RunningSum | OrderedOp::Previous => {}
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::program::{ArithOp, BalanceStat, CmpOp, Const};
    use rust_decimal::Decimal;

    fn num(n: i64) -> Ir {
        Ir::Const(Const::Num(Decimal::from(n)))
    }

    #[test]
    fn children_come_in_evaluation_order() {
        let ir = Ir::And(vec![
            Ir::ArithChain {
                first: Box::new(num(1)),
                rest: vec![(ArithOp::Add, num(2)), (ArithOp::Sub, num(3))],
            },
            Ir::Not(Box::new(num(4))),
            Ir::Min(vec![num(5), Ir::Neg(Box::new(num(6)))]),
        ]);
        let mut seen = Vec::new();
        ir.any(&mut |n| {
            if let Ir::Const(Const::Num(d)) = n {
                seen.push(*d);
            }
            false
        });
        assert_eq!(seen, (1..=6).map(Decimal::from).collect::<Vec<_>>());
    }

    #[test]
    fn children_mut_reaches_every_child() {
        let mut ir = Ir::Or(vec![num(1), Ir::IfUnknown(Box::new(num(2)), Box::new(num(3)))]);
        fn bump(ir: &mut Ir) {
            if let Ir::Const(Const::Num(d)) = ir {
                *d += Decimal::TEN;
            }
            ir.for_each_child_mut(&mut bump);
        }
        bump(&mut ir);
        assert_eq!(
            ir,
            Ir::Or(vec![num(11), Ir::IfUnknown(Box::new(num(12)), Box::new(num(13)))])
        );
    }

    fn reads_of(ir: &Ir) -> Vec<Read> {
        let mut seen = Vec::new();
        ir.reads_any(&mut |read| {
            seen.push(read);
            false
        });
        seen
    }

    #[test]
    fn reads_name_the_frames_and_the_period_a_node_reads() {
        let fact = |frame| Ir::Fact { frame, field: 0 };
        // A comparison reads nothing itself: what it reads is its operands'.
        let ir = Ir::Compare(CmpOp::Lt, Box::new(fact(2)), Box::new(num(1)));
        assert_eq!(reads_of(&ir), vec![Read::Field(2)]);
        assert_eq!(reads_of(&Ir::And(vec![num(1), Ir::AsOf])), vec![]);
        // What a balance did this month depends on the month, as the period's window does.
        let ir = Ir::Or(vec![Ir::BalanceOf(BalanceStat::Used, 0), Ir::PeriodWindow, fact(0)]);
        assert_eq!(reads_of(&ir), vec![Read::Period, Read::Period, Read::Field(0)]);
    }
}
