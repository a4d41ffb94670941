//! What one record computes from its program: each definition (per period, rounded and
//! capped), each reward (rounded, capped, split into parts) and the values shown in results.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::env::{Context, Env, Result};
use super::error::EvalErrorKind;
use super::reference::Truth;
use super::reference::lists::Visit;
use super::reference::values::with_scale;
use super::value::*;
use crate::number::{self, Number, Op};
use crate::program::types::{Dim, Ty};
use crate::program::*;
use crate::syntax::ast::RoundingMode;

impl<'a> Env<'a> {
    /// Computes a definition (for each period of a per-period one), rounded and capped, and
    /// the running sums `cumulative` reads of it.
    pub(super) fn compute_def(&mut self, i: usize, def: &'a Definition) -> Result<()> {
        self.compute_values(i, def)?;
        if let Some(&Some(sums)) = self.plan.sums.get(i) {
            self.running_sums(i, sums)?;
        }
        Ok(())
    }

    /// A per-period definition's running sums, in calendar order, written from `to` on: each
    /// the exact sum of the rounded and capped values of the periods up to it, unknown from the
    /// first unknown period on (as `sum of` its periods is).
    fn running_sums(&mut self, i: usize, to: usize) -> Result<()> {
        let count = self.periodic_run(i).len();
        self.charge(count)?;
        let mut sum = Some(Number::Decimal(Decimal::ZERO));
        for k in 0..count {
            sum = match (sum, self.periodic_at(i, k).number()) {
                (Some(a), Some(b)) => Some(self.number_op(Op::Add, a, b)?),
                _ => None,
            };
            if let Some(slot) = self.periodic.get_mut(to + k) {
                *slot = sum.map_or(Value::Unknown, Value::of_number);
            }
        }
        Ok(())
    }

    /// The list definition `i` aggregates, as it is walked: with conjuncts moved outwards when
    /// the plan has them so ([`crate::eval::fast::pushdown`]).
    #[inline]
    fn walked(&self, i: usize, list: &'a ListExpr) -> &'a ListExpr {
        match self.plan.pushed.get(i) {
            Some(Some(moved)) => moved,
            _ => list,
        }
    }

    /// A definition's value, or each of its periods' values.
    fn compute_values(&mut self, i: usize, def: &'a Definition) -> Result<()> {
        self.context = Context::Definition(i);
        match def.per {
            None => {
                let v = match &def.expr {
                    // Computed once here: no use for the cache of record-wide aggregates.
                    Ir::Aggregate(op, list) => self.aggregate(*op, self.walked(i, list))?,
                    other => self.operand(other)?,
                };
                let v = self.adjust(v, &def.adjust)?;
                if let Some(slot) = self.defs.get_mut(i) {
                    *slot = v;
                }
            }
            Some(p) => {
                let (start, count) = self.plan.runs.get(i).copied().unwrap_or((0, 0));
                self.charge(count)?;
                if let (Some(Some(split)), Ir::Aggregate(op, list), Some(range)) =
                    (self.plan.splits.get(i), &def.expr, self.program.periods.get(p))
                {
                    // On an error, the pass per period below (the reference) runs and reports it.
                    if self
                        .aggregate_by_period(*op, self.walked(i, list), *split, range, start)
                        .is_ok()
                    {
                        if def.adjust.is_some() {
                            for k in 0..count {
                                self.period = Some((p, k));
                                if let Some(&v) = self.periodic.get(start + k) {
                                    let v = self.adjust(v, &def.adjust)?;
                                    if let Some(slot) = self.periodic.get_mut(start + k) {
                                        *slot = v;
                                    }
                                }
                            }
                            self.period = None;
                        }
                        return Ok(());
                    }
                }
                for k in 0..count {
                    self.period = Some((p, k));
                    let v = self.eval(&def.expr)?;
                    let v = self.adjust(v, &def.adjust)?;
                    if let Some(slot) = self.periodic.get_mut(start + k) {
                        *slot = v;
                    }
                }
                self.period = None;
            }
        }
        Ok(())
    }

    #[inline]
    fn adjust(&self, v: Value<'a>, adjust: &'a Adjust) -> Result<Value<'a>> {
        if !adjust.is_some() {
            return Ok(v);
        }
        self.adjust_number(v, adjust)
    }

    /// Rounds and bounds a definition's number: the rounding exact (of a ratio too), the
    /// bounds compared exactly; anything but a number is left as it is.
    fn adjust_number(&self, v: Value<'a>, adjust: &'a Adjust) -> Result<Value<'a>> {
        let Some(mut n) = v.number() else { return Ok(v) };
        if let Some((mode, step)) = adjust.rounding {
            n = Number::Decimal(self.round_number(n, mode, step)?);
        }
        // As for a reward: a rounded value stays on its step, so a cap from facts is rounded down
        // and a floor up to it (a floor of 7.771 CNY on a value rounded to the fen is 7.78).
        let on_step = |c: Number, mode: RoundingMode| match adjust.rounding {
            Some((_, step)) => self.round_number(c, mode, step).map(Number::Decimal),
            None => Ok(c),
        };
        if let Some(cap) = &adjust.at_most
            && let Some(c) = self.eval_const_or(cap)?.number()
        {
            let c = on_step(c, RoundingMode::Down)?;
            if number::compare(n, c) == Ordering::Greater {
                n = c;
            }
        }
        if let Some(floor) = &adjust.at_least
            && let Some(c) = self.eval_const_or(floor)?.number()
        {
            let c = on_step(c, RoundingMode::Up)?;
            if number::compare(n, c) == Ordering::Less {
                n = c;
            }
        }
        Ok(Value::of_number(n))
    }

    /// A number rounded to a step, exactly; an error when the result cannot be held.
    pub(in crate::eval) fn round_number(&self, n: Number, mode: RoundingMode, step: Decimal) -> Result<Decimal> {
        number::round(n, mode, step).map_err(|why| {
            self.fail(EvalErrorKind::NotRepresentable {
                expression: format!("{n} rounded {} to {step}", mode.words()),
                why,
            })
        })
    }

    /// `a op b` of decimals of a reward (amounts and their parts), exact or an error.
    #[inline]
    fn decimal_op(&self, op: Op, a: Decimal, b: Decimal) -> Result<Decimal> {
        let exact = match op {
            Op::Add => number::add_decimals(a, b),
            Op::Sub => number::sub_decimals(a, b),
            Op::Mul => number::mul_decimals(a, b),
            Op::Div => {
                return match self.number_op(op, Number::Decimal(a), Number::Decimal(b))? {
                    Number::Decimal(d) => Ok(d),
                    Number::Ratio(r) => Err(self.fail(EvalErrorKind::UnroundedAmount(r.to_decimal().to_string()))),
                };
            }
        };
        exact.map_err(|why| self.inexact(op, Value::Num(a), Value::Num(b), why))
    }

    fn eval_const_or(&self, ir: &'a Ir) -> Result<Value<'a>> {
        match ir {
            Ir::Const(c) => Ok(Value::of_const(c)),
            // Caps may depend on the record; evaluate in a scratch environment sharing the definitions.
            other => self.aside().eval(other),
        }
    }

    /// A reward's outcome: its amount (per period when settled per period), rounded and capped,
    /// and its parts and expiry.
    pub(super) fn reward(&mut self, r: &'a RewardDef, eligible: bool) -> Result<RewardOutcome> {
        let periods = r
            .per
            .and_then(|p| self.program.periods.get(p).map(|range| (p, range.periods.len())));
        let step = r.adjust.rounding.map(|(_, s)| s).unwrap_or(r.unit.precision);
        if let Some(list) = &r.items {
            return self.reward_per_item(r, list, eligible, step);
        }
        if !eligible {
            let zero = with_scale(Decimal::ZERO, step);
            return Ok(RewardOutcome {
                amount: zero,
                by_period: periods.map(|(_, n)| vec![zero; n]),
                raw: Decimal::ZERO,
                budget: None,
                payments: Vec::new(),
                expires_at: None,
                expires_by_period: Vec::new(),
                gate: None,
                by_item: None,
            });
        }
        match periods {
            None => {
                let raw = self.amount(&r.expr)?;
                let mut n = raw;
                if let Some((mode, s)) = r.adjust.rounding {
                    n = Number::Decimal(self.round_number(n, mode, s)?);
                }
                // Caps computed from facts may be finer than the unit pays: a cap is rounded down
                // and a floor up to the payable step, so the amount never breaks either.
                if let Some(cap) = &r.adjust.at_most
                    && let Some(c) = self.eval(cap)?.number()
                {
                    let c = Number::Decimal(self.round_number(c, RoundingMode::Down, step)?);
                    if number::compare(c, n) == Ordering::Less {
                        n = c;
                    }
                }
                if let Some(floor) = &r.adjust.at_least
                    && let Some(c) = self.eval(floor)?.number()
                {
                    let c = Number::Decimal(self.round_number(c, RoundingMode::Up, step)?);
                    if number::compare(c, n) == Ordering::Greater {
                        n = c;
                    }
                }
                let amount = with_scale(self.payable(n)?, step);
                let payments = self.payments(r, amount, step)?;
                let expires_at = match &r.adjust.expires {
                    Some(e) => Some(self.expiry(e)?),
                    None => None,
                };
                Ok(RewardOutcome {
                    amount,
                    by_period: None,
                    raw: raw.to_decimal(),
                    budget: None,
                    payments,
                    expires_at,
                    expires_by_period: Vec::new(),
                    gate: None,
                    by_item: None,
                })
            }
            Some((p, count)) => {
                let mut amounts = Vec::with_capacity(count);
                let mut raw_total = Number::Decimal(Decimal::ZERO);
                for k in 0..count {
                    self.period = Some((p, k));
                    let raw = self.amount(&r.expr)?;
                    raw_total = self.add_raw(raw_total, raw)?;
                    amounts.push(self.payable_part(r, raw)?);
                }
                self.period = None;
                // A cap on the total is consumed in calendar order: once reached, later periods pay nothing.
                let total = self.capped_in_order(&mut amounts, r.adjust.at_most.as_ref(), step)?;
                // Then each period's amount, capped, is split into its parts and dated, with
                // its own period in scope.
                let mut payments = Vec::new();
                let mut expires_by_period = Vec::new();
                for (k, a) in amounts.iter().enumerate() {
                    self.period = Some((p, k));
                    payments.extend(self.payments(r, *a, step)?);
                    if let Some(e) = &r.adjust.expires {
                        expires_by_period.push(self.expiry(e)?);
                    }
                }
                self.period = None;
                Ok(RewardOutcome {
                    amount: with_scale(total, step),
                    by_period: Some(amounts.into_iter().map(|a| with_scale(a, step)).collect()),
                    raw: raw_total.to_decimal(),
                    budget: None,
                    payments,
                    expires_at: None,
                    expires_by_period,
                    gate: None,
                    by_item: None,
                })
            }
        }
    }

    /// `total + raw`: the exact total, before rounding, of a reward paid in parts (per period or
    /// per item).
    fn add_raw(&mut self, total: Number, raw: Number) -> Result<Number> {
        match (total, raw) {
            (Number::Decimal(a), Number::Decimal(b)) => Ok(Number::Decimal(self.decimal_op(Op::Add, a, b)?)),
            (a, b) => self.number_op(Op::Add, a, b),
        }
    }

    /// One part of a reward paid in parts, payable on its own: rounded as the reward says, or
    /// as it is when it says nothing (refused when it does not end).
    fn payable_part(&mut self, r: &RewardDef, raw: Number) -> Result<Decimal> {
        match r.adjust.rounding {
            Some((mode, s)) => self.round_number(raw, mode, s),
            None => self.payable(raw),
        }
    }

    /// Consumes the cap on the total (when there is one and it is known), rounded down to `step`,
    /// in the order of `amounts`: each pays what is left of the cap, so once it is reached the
    /// later ones pay nothing. Returns the total paid. Shared by a per-period reward (calendar
    /// order) and a per-item one (the list's order).
    fn capped_in_order(&mut self, amounts: &mut [Decimal], cap: Option<&'a Ir>, step: Decimal) -> Result<Decimal> {
        if let Some(cap) = cap
            && let Some(left) = self.eval(cap)?.number()
        {
            let mut left = self.round_number(left, RoundingMode::Down, step)?;
            for a in amounts.iter_mut() {
                let paid = (*a).min(left.max(Decimal::ZERO));
                left = self.decimal_op(Op::Sub, left, paid)?;
                *a = paid;
            }
        }
        let mut total = Decimal::ZERO;
        for a in amounts.iter() {
            total = self.decimal_op(Op::Add, total, *a)?;
        }
        Ok(total)
    }

    /// A reward computed per item: each item's amount, read with the item in frame 1, rounded
    /// on its own (0 for every item when not eligible); then the cap on the total consumed in
    /// the list's order, as a per-period reward's is in calendar order.
    fn reward_per_item(
        &mut self,
        r: &'a RewardDef,
        list: &'a ListExpr,
        eligible: bool,
        step: Decimal,
    ) -> Result<RewardOutcome> {
        let raws = if eligible {
            self.item_amounts(r, list)?
        } else {
            Vec::new()
        };
        let mut amounts = Vec::with_capacity(raws.len());
        let mut raw_total = Number::Decimal(Decimal::ZERO);
        for n in raws {
            raw_total = self.add_raw(raw_total, n)?;
            amounts.push(self.payable_part(r, n)?);
        }
        if !eligible {
            amounts = vec![Decimal::ZERO; self.item_count(list)?];
        }
        // Not eligible, every item pays 0 and the cap is not read.
        let cap = r.adjust.at_most.as_ref().filter(|_| eligible);
        let total = self.capped_in_order(&mut amounts, cap, step)?;
        Ok(RewardOutcome {
            amount: with_scale(total, step),
            by_period: None,
            raw: raw_total.to_decimal(),
            budget: None,
            payments: Vec::new(),
            expires_at: None,
            expires_by_period: Vec::new(),
            gate: None,
            by_item: Some(amounts.into_iter().map(|a| with_scale(a, step)).collect()),
        })
    }

    /// The exact amount of a reward computed per item for each item of its list, in the list's
    /// order (before rounding and the cap; explanations show them).
    pub(super) fn item_amounts(&mut self, r: &'a RewardDef, list: &'a ListExpr) -> Result<Vec<Number>> {
        let mut each = EachItem {
            expr: Some(&r.expr),
            amounts: Vec::new(),
        };
        self.walk(list, 0, &mut each, &())?;
        Ok(each.amounts)
    }

    /// The number of items of a reward's list.
    fn item_count(&mut self, list: &'a ListExpr) -> Result<usize> {
        let mut each = EachItem {
            expr: None,
            amounts: Vec::new(),
        };
        self.walk(list, 0, &mut each, &())?;
        Ok(each.amounts.len())
    }

    /// When a reward expires (`expires T`).
    fn expiry(&mut self, e: &'a Ir) -> Result<DateTime<Utc>> {
        match self.eval(e)? {
            Value::Time(t) => Ok(t),
            _ => Err(self.fail(EvalErrorKind::UnknownExpiry)),
        }
    }

    /// Whether each condition of a reward's `when` block holds, in order; every one is decided,
    /// so that results give every reason at once. None for a reward without the block.
    #[inline]
    pub(super) fn reward_gate(&mut self, i: usize, r: &'a RewardDef) -> Result<Option<Vec<bool>>> {
        let Some(gate) = &r.gate else { return Ok(None) };
        let mut passed = Vec::with_capacity(gate.len());
        for (k, c) in gate.iter().enumerate() {
            self.context = Context::RewardCondition(i, k);
            passed.push(self.decided(&c.expr)?);
        }
        Ok(Some(passed))
    }

    /// A condition's truth: true or false (the checker makes sure it is never unknown), or an
    /// error naming the value it gave instead.
    #[inline]
    pub(super) fn decided(&mut self, ir: &'a Ir) -> Result<bool> {
        match self.truth_of(ir)? {
            Truth::True => Ok(true),
            Truth::False => Ok(false),
            Truth::Unknown | Truth::Other => {
                let other = self.eval(ir)?;
                Err(self.fail(EvalErrorKind::Undecided(format!("{other:?}"))))
            }
        }
    }

    /// An amount to pay: a decimal, never a ratio the campaign did not round.
    fn payable(&self, n: Number) -> Result<Decimal> {
        match n {
            Number::Decimal(d) => Ok(d),
            Number::Ratio(r) => Err(self.fail(EvalErrorKind::UnroundedAmount(r.to_decimal().to_string()))),
        }
    }

    /// Splits an amount into its parts: each part but the last rounded down to the payable
    /// step, the last taking the rest, so the parts always add up to the amount.
    fn payments(&mut self, r: &'a RewardDef, amount: Decimal, step: Decimal) -> Result<Vec<(DateTime<Utc>, Decimal)>> {
        let mut out = Vec::with_capacity(r.adjust.parts.len());
        let mut left = amount;
        for (i, (share, when)) in r.adjust.parts.iter().enumerate() {
            let at = match self.eval(when)? {
                Value::Time(t) => t,
                _ => return Err(self.fail(EvalErrorKind::UnknownPaymentDate)),
            };
            let part = if i + 1 == r.adjust.parts.len() {
                left
            } else {
                let p = self.decimal_op(Op::Mul, amount, *share)?;
                self.round_number(Number::Decimal(p), RoundingMode::Down, step)?
            };
            left = self.decimal_op(Op::Sub, left, part)?;
            out.push((at, with_scale(part, step)));
        }
        Ok(out)
    }

    /// A reward's amount: a number, or an error.
    fn amount(&mut self, ir: &'a Ir) -> Result<Number> {
        // The commonest reward, an amount times a rate, without the general evaluation (in
        // place: the same as `eval` of the product, which runs when either is not a number).
        if self.plan.shortcuts.in_place
            && let Ir::Arith(ArithOp::Mul, a, b) = ir
            && let (x @ Value::Num(a), y @ Value::Num(b)) = (self.operand(a)?, self.operand(b)?)
        {
            return number::mul_decimals(a, b)
                .map(Number::Decimal)
                .map_err(|why| self.inexact(Op::Mul, x, y, why));
        }
        match self.operand(ir)?.number() {
            Some(n) => Ok(n),
            None => Err(self.fail(EvalErrorKind::UnknownAmount)),
        }
    }

    /// The values shown in results, owning their data: a per-period value period by period.
    pub(super) fn shown_values(&self) -> Vec<Shown> {
        self.program
            .exposed
            .iter()
            .map(|&i| {
                let Some(def) = self.program.definitions.get(i) else {
                    return Shown::Unknown;
                };
                match def.per.and_then(|p| self.program.periods.get(p)) {
                    Some(range) => Shown::ByPeriod(
                        range
                            .periods
                            .iter()
                            .zip(self.periodic_run(i))
                            .map(|(period, &v)| (period.key.clone(), self.shown(v, &def.ty)))
                            .collect(),
                    ),
                    None => self.shown(self.defs.get(i).copied().unwrap_or(Value::Unknown), &def.ty),
                }
            })
            .collect()
    }

    /// One value of type `ty` as results show it.
    fn shown(&self, v: Value<'a>, ty: &Ty) -> Shown {
        let tz = self.program.timezone;
        match (v, ty) {
            (Value::Unknown, _) => Shown::Unknown,
            (Value::Bool(b), _) => Shown::Bool(b),
            (Value::Num(n), Ty::Num(Dim::Count)) => Shown::Count(n),
            (Value::Num(n), Ty::Num(Dim::Money(u) | Dim::Unit(u))) => Shown::Amount(n, u.clone()),
            (Value::Num(n), _) => Shown::Number(n),
            // A quotient without a finite decimal form, shown to 28 significant digits.
            (Value::Ratio(r), Ty::Num(Dim::Money(u) | Dim::Unit(u))) => Shown::Amount(r.to_decimal(), u.clone()),
            (Value::Ratio(r), _) => Shown::Number(r.to_decimal()),
            (Value::Text(t), _) => Shown::Text(t.to_string()),
            (Value::Choice(c), Ty::Choice(choices)) => {
                Shown::Text(choices.get(c as usize).cloned().unwrap_or_default())
            }
            (Value::Time(t), _) => Shown::Time(crate::time::shown(tz, t)),
            (Value::Duration(d), _) => Shown::Duration(d),
            _ => Shown::Unknown,
        }
    }
}

/// The walk of a reward computed per item: every item of its list, each amount computed with
/// the item on top of the frames (each item counted as 0 without an amount to compute).
struct EachItem<'a> {
    expr: Option<&'a Ir>,
    amounts: Vec<Number>,
}

impl<'a> Visit<'a> for EachItem<'a> {
    type State = ();

    fn enter(&mut self, _: &'a ListLevel, _: usize, _: &()) -> Option<()> {
        Some(())
    }

    // The list has no filter: every item is taken.
    fn keep(&mut self, _: &mut Env<'a>, _: usize, _: usize, _: &'a Filter, _: &mut ()) -> Result<bool> {
        Ok(true)
    }

    fn left_out(&mut self, _: &mut Env<'a>, _: &'a ListExpr, _: bool, _: &'a Filter, _: ()) -> Result<()> {
        Ok(())
    }

    fn take(&mut self, env: &mut Env<'a>, _: &'a ListExpr, _: ()) -> Result<()> {
        let amount = match self.expr {
            Some(expr) => env.amount(expr)?,
            None => Number::Decimal(Decimal::ZERO),
        };
        self.amounts.push(amount);
        Ok(())
    }
}
