//! Lists: how an iteration over a list of the record goes, stated once ([`Env::walk`]), and
//! what aggregates and computed fields of list items are.
//!
//! A list expression names one list per level (`mini_programs.orders`), each with a filter of
//! conjuncts. The walk puts each item of the first level on top of the frames, tests the
//! level's conjuncts in order (an item is kept only when every one is true: unknown leaves it
//! out), and goes on to the next level inside each kept item; the items of the last level that
//! are kept are what the aggregate takes. What is done at each step is the visitor's
//! ([`Visit`]): aggregating ([`Env::aggregate`]), aggregating per period in one pass
//! ([`crate::eval::fast::period`]), or explaining ([`crate::eval::explain`]).

use std::cmp::Ordering;
use std::collections::HashSet;

use rust_decimal::Decimal;
use smallvec::SmallVec;

use super::values::compare;
use crate::eval::env::{Env, Frame, Result};
use crate::eval::error::Internal;
use crate::eval::value::Value;
use crate::facts::{FactValue, Items};
use crate::number::{self, Number, Op, Unrepresentable};
use crate::program::types::Ty;
use crate::program::{Derived, Filter, Ir, ListExpr, ListLevel};
use crate::syntax::ast::AggOp;

use super::logic::Truth;

/// What a walk over a list does at each step.
pub(in crate::eval) trait Visit<'a> {
    /// What the walk carries from an item into the items of its inner lists.
    type State;

    /// Whether to look at item `index` of `level` at all (`None` skips it, evaluating nothing),
    /// and with what state, given the state of the item it is inside.
    fn enter(&mut self, level: &'a ListLevel, index: usize, outer: &Self::State) -> Option<Self::State>;

    /// Whether the item on top of the frames passes the conjunct `conjunct` (`filter`) of the
    /// filter of the list's level `level`.
    fn keep(
        &mut self,
        env: &mut Env<'a>,
        level: usize,
        conjunct: usize,
        filter: &'a Filter,
        state: &mut Self::State,
    ) -> Result<bool>;

    /// The item on top of the frames failed `filter`; `last` when its level is the innermost.
    fn left_out(
        &mut self,
        env: &mut Env<'a>,
        list: &'a ListExpr,
        last: bool,
        filter: &'a Filter,
        state: Self::State,
    ) -> Result<()>;

    /// The item on top of the frames, of the innermost level, passed every filter.
    fn take(&mut self, env: &mut Env<'a>, list: &'a ListExpr, state: Self::State) -> Result<()>;
}

/// The walk of an aggregate: every conjunct tested as a filter, every item kept folded in.
struct Fold<'v, 'a> {
    acc: &'v mut Accumulator<'a>,
    /// Whether adding to the accumulator overflowed.
    failed: bool,
}

impl<'a> Visit<'a> for Fold<'_, 'a> {
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

    #[inline]
    fn take(&mut self, env: &mut Env<'a>, list: &'a ListExpr, _: ()) -> Result<()> {
        if env.project(list.project.as_deref(), self.acc)?.is_none() {
            self.failed = true;
        }
        Ok(())
    }
}

impl<'a> Env<'a> {
    /// Walks the items of a list's level `level` (and, inside each item kept, the levels after
    /// it), each on top of the frames while it is looked at; `outer` is the state of the item
    /// they are inside.
    pub(in crate::eval) fn walk<V: Visit<'a>>(
        &mut self,
        list: &'a ListExpr,
        level: usize,
        visit: &mut V,
        outer: &V::State,
    ) -> Result<()> {
        let Some(l) = list.levels.get(level) else { return Ok(()) };
        let items = match self.fact(l.frame, l.field)? {
            FactValue::List(items) => items.items(),
            _ => Items::default(),
        };
        self.charge(items.len())?;
        let last = level + 1 == list.levels.len();
        for (index, item) in items.enumerate() {
            let Some(state) = visit.enter(l, index, outer) else {
                continue;
            };
            self.push_item(item, l.frame, index);
            let step = self.walk_item(list, level, l, last, visit, state);
            self.frames.pop();
            step?;
        }
        Ok(())
    }

    /// One item of a walk, on top of the frames: its level's conjuncts in order, then the next
    /// level or the visitor's `take`.
    #[inline]
    fn walk_item<V: Visit<'a>>(
        &mut self,
        list: &'a ListExpr,
        level: usize,
        l: &'a ListLevel,
        last: bool,
        visit: &mut V,
        mut state: V::State,
    ) -> Result<()> {
        for (j, f) in l.filters.iter().enumerate() {
            if !visit.keep(self, level, j, f, &mut state)? {
                return visit.left_out(self, list, last, f, state);
            }
        }
        if last {
            visit.take(self, list, state)
        } else {
            self.walk(list, level + 1, visit, &state)
        }
    }

    /// An aggregate over a list: every kept item's projection (or the item itself, for
    /// `count`) folded in. An overflow while folding is reported once every item is seen.
    pub(in crate::eval) fn aggregate(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Value<'a>> {
        let mut acc = Accumulator::new(op);
        let mut fold = Fold {
            acc: &mut acc,
            failed: false,
        };
        self.walk(list, 0, &mut fold, &())?;
        if fold.failed {
            return Err(self.unheld(acc.take_failure()));
        }
        acc.finish_or_why().map_err(|why| self.unheld(why))
    }

    /// The error of an aggregate whose fold failed: the operation whose exact result could not
    /// be held, or an overflow (a sum of durations).
    #[cold]
    pub(in crate::eval) fn unheld(&self, failure: Option<Box<Unheld>>) -> Box<crate::eval::error::EvalError> {
        match failure {
            Some(u) => self.inexact(u.op, Value::of_number(u.a), Value::of_number(u.b), u.why),
            None => self.overflow(),
        }
    }

    /// An aggregate node: [`Env::aggregate`], remembered for the record when it reads only the
    /// top-level record and the caches are used.
    #[inline(never)]
    pub(in crate::eval) fn aggregate_node(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Value<'a>> {
        if list.record_invariant && self.plan.shortcuts.caches {
            return self.cached_aggregate(op, list);
        }
        if !self.plan.hoisted.is_empty()
            && let Some(v) = self.hoisted_aggregate(op, list)?
        {
            return Ok(v);
        }
        if !self.plan.sorted.is_empty()
            && let Some(v) = self.sorted_count(list)?
        {
            return Ok(v);
        }
        self.aggregate(op, list)
    }

    /// Adds the item on top of the frames to an aggregate: its projection (`gmv` of `sum of
    /// sales.gmv`), or the item itself for `count`. `None` on overflow.
    #[inline]
    pub(in crate::eval) fn project(
        &mut self,
        project: Option<&'a Ir>,
        acc: &mut Accumulator<'a>,
    ) -> Result<Option<()>> {
        Ok(match project {
            // The commonest case, a sum of amounts: added in place, without building a value.
            Some(&Ir::Fact { frame, field }) if self.plan.shortcuts.in_place => match self.fact(frame, field)? {
                FactValue::Number(n) => acc.add_num(*n),
                _ => acc.add(self.fact_value(frame, field)?),
            },
            Some(p) => acc.add(self.operand(p)?),
            None => acc.add(Value::Bool(true)),
        })
    }

    /// A computed field of the record in `frame`: its expression, evaluated with that record's
    /// frame on top, as where the field is defined; remembered when the caches are used.
    #[inline(never)]
    pub(in crate::eval) fn field(&mut self, frame: usize, level: usize, index: usize) -> Result<Value<'a>> {
        if self.plan.shortcuts.caches {
            return self.cached_field(frame, level, index);
        }
        let derived = self
            .program
            .levels
            .get(level)
            .and_then(|l| l.derived.get(index))
            .ok_or_else(|| self.internal(Internal::UnknownComputedField))?;
        self.field_value(frame, derived)
    }

    /// A computed field's value for the record in `frame`, evaluated in its item's own scope
    /// ([`Env::in_scope_of`]).
    pub(in crate::eval) fn field_value(&mut self, frame: usize, derived: &'a Derived) -> Result<Value<'a>> {
        self.in_scope_of(frame, |env| env.derived_value(derived))
    }

    /// Runs `f` with the frames as a computed field of the item in `frame` was checked: the
    /// top-level record in frame 0, then each item the item is inside, outermost first, then the
    /// item (frame `k` holds its ancestor `k` lists deep). The field's expression names records
    /// by those positions, whatever the frames are where the field is used: inside
    /// `let s of t = sum of u.p`, `u`'s item is in frame 2 above `t`'s item, but `p` of `u`
    /// reads its facts from frame 1. When the frames up to `frame` are already that chain (the
    /// field is used inside its own list's walk, the usual case), only the frames above are set
    /// aside; otherwise the chain is rebuilt from each frame's parent.
    #[inline]
    pub(in crate::eval) fn in_scope_of(
        &mut self,
        frame: usize,
        f: impl FnOnce(&mut Self) -> Result<Value<'a>>,
    ) -> Result<Value<'a>> {
        if self.is_own_chain(frame) {
            let cut = (frame + 1).min(self.frames.len());
            let outer: SmallVec<[Frame<'a>; 8]> = self.frames.drain(cut..).collect();
            let v = f(self);
            self.frames.extend(outer);
            return v;
        }
        let chain = self.chain_of(frame);
        let saved = std::mem::replace(&mut self.frames, chain);
        let v = f(self);
        self.frames = saved;
        v
    }

    /// Whether frames `0..=frame` are the item in `frame` and the items it is inside, each in
    /// the frame after its parent's.
    #[inline]
    pub(in crate::eval) fn is_own_chain(&self, frame: usize) -> bool {
        let mut at = frame;
        while at != 0 {
            match self.frames.get(at) {
                Some(f) if f.parent + 1 == at => at -= 1,
                _ => return false,
            }
        }
        true
    }

    /// The item in `frame` with the items it is inside and the top-level record, as the frames
    /// of its own scope (each item's parent the frame before it).
    #[cold]
    fn chain_of(&self, frame: usize) -> Vec<Frame<'a>> {
        let mut chain = Vec::new();
        let mut at = frame;
        while let Some(f) = self.frames.get(at) {
            chain.push(*f);
            // A list is always held by a frame below its items': the walk ends.
            if at == 0 || f.parent >= at {
                break;
            }
            at = f.parent;
        }
        chain.reverse();
        for (k, f) in chain.iter_mut().enumerate() {
            f.parent = k.saturating_sub(1);
        }
        chain
    }

    /// A computed field's expression, in the frames as they are.
    pub(in crate::eval) fn derived_value(&mut self, derived: &'a Derived) -> Result<Value<'a>> {
        if derived.ty == Ty::Bool {
            // Usually a conjunction of tests (`bound and fee_rate ≥ 2% and not local_life`).
            match self.truth_of(&derived.expr)? {
                Truth::True => Ok(Value::Bool(true)),
                Truth::False => Ok(Value::Bool(false)),
                Truth::Unknown => Ok(Value::Unknown),
                Truth::Other => self.eval(&derived.expr),
            }
        } else {
            self.eval(&derived.expr)
        }
    }
}

/// Folds the values of an aggregate.
pub(in crate::eval) struct Accumulator<'a> {
    op: AggOp,
    count: u64,
    /// The sum (`sum`, `average`) or the best so far (`min`, `max`).
    sum: Option<Value<'a>>,
    any: bool,
    all: bool,
    /// The values seen (`count distinct`), made on the first value. Boxed: the other aggregates,
    /// far more common, then carry 8 bytes for it instead of a whole set's 48.
    #[expect(
        clippy::box_collection,
        reason = "boxed on purpose: the other aggregates then carry 8 bytes for the set instead of 48"
    )]
    distinct: Option<Box<HashSet<String>>>,
    /// Why adding failed, when an exact sum could not be held (boxed: rare).
    failure: Option<Box<Unheld>>,
}

/// An operation of an aggregate whose exact result could not be held.
#[derive(Debug)]
pub(in crate::eval) struct Unheld {
    pub(in crate::eval) op: Op,
    pub(in crate::eval) a: Number,
    pub(in crate::eval) b: Number,
    pub(in crate::eval) why: Unrepresentable,
}

impl<'a> Accumulator<'a> {
    pub(in crate::eval) fn new(op: AggOp) -> Self {
        Accumulator {
            op,
            count: 0,
            sum: None,
            any: false,
            all: true,
            distinct: None,
            failure: None,
        }
    }

    /// Why the last addition failed (`None` for an overflow of durations).
    pub(in crate::eval) fn take_failure(&mut self) -> Option<Box<Unheld>> {
        self.failure.take()
    }

    /// `a op b` exactly; `None` (the failure kept) when the result cannot be held.
    fn exact(&mut self, op: Op, a: Number, b: Number) -> Option<Number> {
        match number::apply(op, a, b) {
            Ok(Some(n)) => Some(n),
            Ok(None) => None,
            Err(why) => {
                self.failure = Some(Box::new(Unheld { op, a, b, why }));
                None
            }
        }
    }

    /// Adds a number; `None` on overflow. A shortcut (in place): the same as
    /// `add(Value::Num(n))`, without building the value.
    #[inline]
    pub(in crate::eval) fn add_num(&mut self, n: Decimal) -> Option<()> {
        if !matches!(self.op, AggOp::Sum | AggOp::Average) {
            return self.add(Value::Num(n));
        }
        match &mut self.sum {
            Some(Value::Num(total)) => match number::add_decimals(*total, n) {
                Ok(sum) => *total = sum,
                Err(_) => return self.add(Value::Num(n)),
            },
            None => self.sum = Some(Value::Num(n)),
            // A ratio so far (or a value of another kind): the general addition.
            Some(_) => return self.add(Value::Num(n)),
        }
        self.count += 1;
        Some(())
    }

    /// Adds a value; `None` on overflow.
    pub(in crate::eval) fn add(&mut self, v: Value<'a>) -> Option<()> {
        // An average skips unknown values (a month without data) but counts zeros.
        if self.op == AggOp::Average && v.is_unknown() {
            return Some(());
        }
        self.count += 1;
        match self.op {
            AggOp::Count => {}
            AggOp::CountDistinct => {
                let key = match v {
                    Value::Num(n) => format!("n{}", n.normalize()),
                    // A ratio is in its smallest form: equal ratios have equal parts.
                    Value::Ratio(r) => format!("r{r}"),
                    Value::Text(t) => format!("t{t}"),
                    Value::Choice(c) => format!("c{c}"),
                    Value::Time(t) => format!("i{}", t.timestamp_nanos_opt().unwrap_or_default()),
                    Value::Bool(b) => format!("b{b}"),
                    _ => "u".into(),
                };
                self.distinct.get_or_insert_default().insert(key);
            }
            AggOp::Sum | AggOp::Average => {
                self.sum = Some(match (self.sum, v) {
                    (None, v) => v,
                    (Some(Value::Num(a)), Value::Num(b)) => match number::add_decimals(a, b) {
                        Ok(sum) => Value::Num(sum),
                        Err(why) => {
                            let (a, b) = (Number::Decimal(a), Number::Decimal(b));
                            self.failure = Some(Box::new(Unheld { op: Op::Add, a, b, why }));
                            return None;
                        }
                    },
                    (Some(x @ (Value::Num(_) | Value::Ratio(_))), Value::Num(_) | Value::Ratio(_)) => {
                        match (x.number(), v.number()) {
                            (Some(a), Some(b)) => Value::of_number(self.exact(Op::Add, a, b)?),
                            _ => Value::Unknown,
                        }
                    }
                    (Some(Value::Duration(a)), Value::Duration(b)) => Value::Duration(a.checked_add(&b)?),
                    _ => Value::Unknown,
                });
            }
            AggOp::Min | AggOp::Max => {
                if v.is_unknown() {
                    return Some(());
                }
                self.sum = Some(match self.sum {
                    None => v,
                    Some(b) => match compare(v, b) {
                        Some(Ordering::Less) if self.op == AggOp::Min => v,
                        Some(Ordering::Greater) if self.op == AggOp::Max => v,
                        _ => b,
                    },
                });
            }
            AggOp::Any => self.any |= v == Value::Bool(true),
            AggOp::All => self.all &= v == Value::Bool(true),
        }
        Some(())
    }

    /// The aggregate's value; `None` when it cannot be held.
    pub(in crate::eval) fn finish(self) -> Option<Value<'a>> {
        self.finish_or_why().ok()
    }

    /// The aggregate's value, or why it cannot be held ([`Accumulator::take_failure`]).
    pub(in crate::eval) fn finish_or_why(mut self) -> std::result::Result<Value<'a>, Option<Box<Unheld>>> {
        // The commonest aggregate, a sum (of a period often without items): its value as it
        // stands, without the checks of an average below.
        if self.op == AggOp::Sum {
            return Ok(self.sum.unwrap_or(Value::Num(Decimal::ZERO)));
        }
        // An average of durations, rounded to the nanosecond (see `duration_quotient`).
        if let (AggOp::Average, Some(Value::Duration(total))) = (self.op, self.sum)
            && self.count > 0
        {
            let count = Number::Decimal(Decimal::from(self.count));
            return match super::values::duration_quotient(total, count) {
                Ok(Some(d)) => Ok(Value::Duration(d)),
                Ok(None) => Ok(Value::Unknown),
                Err(why) => {
                    let a = Number::Decimal(Decimal::from(total.num_nanoseconds().unwrap_or(i64::MAX)));
                    Err(Some(Box::new(Unheld {
                        op: Op::Div,
                        a,
                        b: count,
                        why,
                    })))
                }
            };
        }
        let average = match (self.op, self.sum) {
            (AggOp::Average, Some(s)) if self.count > 0 => s.number(),
            _ => None,
        };
        if let Some(sum) = average {
            // An exact quotient: a ratio when it does not end (the average of 1, 1 and 2).
            let count = Number::Decimal(Decimal::from(self.count));
            return match self.exact(Op::Div, sum, count) {
                Some(n) => Ok(Value::of_number(n)),
                None => Err(self.failure.take()),
            };
        }
        Ok(match self.op {
            AggOp::Count => Value::Num(Decimal::from(self.count)),
            AggOp::CountDistinct => Value::Num(Decimal::from(self.distinct.map_or(0, |d| d.len()))),
            AggOp::Sum => self.sum.unwrap_or(Value::Num(Decimal::ZERO)),
            AggOp::Average => Value::Unknown,
            AggOp::Min | AggOp::Max => self.sum.unwrap_or(Value::Unknown),
            AggOp::Any => Value::Bool(self.any),
            AggOp::All => Value::Bool(self.all),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_a_number_in_place_is_adding_its_value() {
        let numbers = [
            Decimal::ONE,
            Decimal::new(-25, 1),
            Decimal::ZERO,
            Decimal::MAX,
            Decimal::new(123_456, 2),
        ];
        let ops = [
            AggOp::Count,
            AggOp::CountDistinct,
            AggOp::Sum,
            AggOp::Average,
            AggOp::Min,
            AggOp::Max,
            AggOp::Any,
            AggOp::All,
        ];
        for op in ops {
            for start in 0..numbers.len() {
                let (mut fast, mut reference) = (Accumulator::new(op), Accumulator::new(op));
                let mut fast_ok = Some(());
                let mut reference_ok = Some(());
                for n in numbers.iter().cycle().skip(start).take(numbers.len()) {
                    fast_ok = fast_ok.and_then(|()| fast.add_num(*n));
                    reference_ok = reference_ok.and_then(|()| reference.add(Value::Num(*n)));
                }
                assert_eq!(fast_ok, reference_ok, "{op:?} from {start}");
                if fast_ok.is_some() {
                    assert_eq!(fast.finish(), reference.finish(), "{op:?} from {start}");
                }
            }
        }
    }
}
