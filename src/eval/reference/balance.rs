//! A balance carried across months ([`Balance`]): its run for the record, computed once and
//! remembered, which its definition (the credit left at each month's end) and `credited(b)`,
//! `credit_used(b)`, `credit_expired(b)`, `credit_lost(b)`, `paid_in_cash(b)` read.
//!
//! The run, for months `0..P` with windows `[s_k, e_k)`:
//!
//! - each month's credit `c_k` is the credit read in that month, rounded down to the unit's
//!   step, `0` when below zero; it is added at `e_k`, usable by items dated from `e_k` on;
//! - the items taken by the list's filters are read once (fee, date, keys), sorted by date,
//!   then the keys, then their place in the list; those dated in month `k` are settled in
//!   that order, each from the credits held (oldest first), in whole steps, up to its fee
//!   rounded down to the step; what the credit does not pay is paid in cash; an item with a
//!   fee of zero or less uses no credit; items dated outside the months are not settled;
//! - at `e_k`, before `c_k` is added, the credits earned in month `k − N` expire (`expiring
//!   after N months`);
//! - at the leaving instant `L` (in month `k`), every credit held is lost, counted in month
//!   `k`; items dated from `L` on use no credit, and each credit added after `L` is lost in its
//!   own month; an unknown `L` is a merchant who has not left, and an `L` after the months is
//!   never reached;
//! - what is left at a month's end is what is held after all of that.
//!
//! Cost: the list is read once, sorted once (`O(n log n)`), walked once; the credits held
//! form a queue of at most `P` entries, each item taking from its front.

use std::cmp::Ordering;
use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use smallvec::SmallVec;

use super::lists::Visit;
use super::values::compare;
use crate::eval::env::{Env, Result};
use crate::eval::error::Internal;
use crate::eval::value::Value;
use crate::number::{Number, Op};
use crate::program::{Balance, BalanceStat, Filter, Ir, ListExpr, ListLevel};
use crate::syntax::ast::RoundingMode;

/// What a balance did for one record.
#[derive(Debug, Clone)]
pub(in crate::eval) struct BalanceRun {
    /// The balance's slot.
    pub(in crate::eval) slot: usize,
    /// Per month: the credit earned (rounded down to the step, zero when below zero).
    pub(in crate::eval) credited: Vec<Decimal>,
    /// Per month: the credit spent on the fees of its items.
    pub(in crate::eval) used: Vec<Decimal>,
    /// Per month: the credit that expired at its end.
    pub(in crate::eval) expired: Vec<Decimal>,
    /// Per month: the credit lost because the merchant left.
    pub(in crate::eval) lost: Vec<Decimal>,
    /// Per month: the credit held at its end.
    pub(in crate::eval) left: Vec<Decimal>,
    /// Per month: what the fees of its items left to pay in cash (exact, not rounded).
    pub(in crate::eval) cash: Vec<Number>,
    /// Each item settled, in the order settled.
    pub(in crate::eval) settled: Vec<Settled>,
    /// The items not settled because they are dated outside the months.
    pub(in crate::eval) outside: usize,
}

/// One item's settlement.
#[derive(Debug, Clone)]
pub(in crate::eval) struct Settled {
    /// Its index at each level of the list, outermost first.
    pub(in crate::eval) path: SmallVec<[usize; 2]>,
    /// The month it is settled in.
    pub(in crate::eval) month: usize,
    /// Its date.
    pub(in crate::eval) date: DateTime<Utc>,
    /// Its fee.
    pub(in crate::eval) fee: Number,
    /// The credit it used: from the credit of each month, oldest first.
    pub(in crate::eval) from: SmallVec<[(usize, Decimal); 1]>,
    /// What it paid in cash.
    pub(in crate::eval) cash: Number,
    /// Whether the merchant had left by its date.
    pub(in crate::eval) after_leaving: bool,
}

/// An item as read: its place, fee, date and keys.
struct Item<'a> {
    path: SmallVec<[usize; 2]>,
    fee: Number,
    date: DateTime<Utc>,
    keys: SmallVec<[Value<'a>; 2]>,
}

/// The walk that reads each item taken by the list's filters.
struct Read<'b, 'a> {
    balance: &'a Balance,
    items: &'b mut Vec<Item<'a>>,
}

impl<'a> Visit<'a> for Read<'_, 'a> {
    type State = ();

    fn enter(&mut self, _: &'a ListLevel, _: usize, _: &()) -> Option<()> {
        Some(())
    }

    fn keep(&mut self, env: &mut Env<'a>, _: usize, _: usize, filter: &'a Filter, _: &mut ()) -> Result<bool> {
        env.keeps(filter)
    }

    fn left_out(&mut self, _: &mut Env<'a>, _: &'a ListExpr, _: bool, _: &'a Filter, _: ()) -> Result<()> {
        Ok(())
    }

    fn take(&mut self, env: &mut Env<'a>, list: &'a ListExpr, _: ()) -> Result<()> {
        let fee = match list.project.as_deref() {
            Some(p) => env.eval(p)?.number(),
            None => None,
        };
        let Value::Time(date) = env.eval(&self.balance.date)? else {
            return Err(env.internal(Internal::WrongKinds));
        };
        let mut keys = SmallVec::new();
        for (k, _) in &self.balance.keys {
            keys.push(env.eval(k)?);
        }
        let fee = fee.ok_or_else(|| env.internal(Internal::WrongKinds))?;
        let path = env.frames.iter().skip(list.base).map(|f| f.index).collect();
        self.items.push(Item { path, fee, date, keys });
        Ok(())
    }
}

/// The credits held: the month each was earned in and what is left of it, oldest first.
type Held = VecDeque<(usize, Decimal)>;

impl<'a> Env<'a> {
    /// The balance's value in the current month: the credit left at its end.
    pub(in crate::eval) fn balance_left(&mut self, b: &'a Balance) -> Result<Value<'a>> {
        let k = self.balance_month()?;
        let run = self.balance_run(b)?;
        Ok(run.left.get(k).map_or(Value::Unknown, |d| Value::Num(*d)))
    }

    /// `credited(b)` and its kin in the current month, `def` being the balance's definition.
    pub(in crate::eval) fn balance_stat(&mut self, stat: BalanceStat, def: usize) -> Result<Value<'a>> {
        let program = self.program;
        let Some(Ir::Balance(b)) = program.definitions.get(def).map(|d| &d.expr) else {
            return Err(self.internal(Internal::NotEvaluated));
        };
        let k = self.balance_month()?;
        let run = self.balance_run(b)?;
        let month = |v: &[Decimal]| v.get(k).map_or(Value::Unknown, |d| Value::Num(*d));
        Ok(match stat {
            BalanceStat::Credited => month(&run.credited),
            BalanceStat::Used => month(&run.used),
            BalanceStat::Expired => month(&run.expired),
            BalanceStat::Lost => month(&run.lost),
            BalanceStat::Cash => run.cash.get(k).map_or(Value::Unknown, |n| Value::of_number(*n)),
        })
    }

    /// The current month's index.
    fn balance_month(&self) -> Result<usize> {
        self.period
            .map(|(_, k)| k)
            .ok_or_else(|| self.internal(Internal::NotEvaluated))
    }

    /// The balance's run for the record, computed on first need and remembered.
    pub(in crate::eval) fn balance_run(&mut self, b: &'a Balance) -> Result<&BalanceRun> {
        if !self.balances.iter().any(|r| r.slot == b.slot) {
            let run = self.run_balance(b)?;
            self.balances.push(run);
        }
        self.balances
            .iter()
            .find(|r| r.slot == b.slot)
            .ok_or_else(|| self.internal(Internal::NotEvaluated))
    }

    /// The run, computed outside any month: the items, their order and the leaving instant
    /// are the record's, the same whichever month first asks for the run; only the credit is
    /// read in each month in turn.
    fn run_balance(&mut self, b: &'a Balance) -> Result<BalanceRun> {
        let saved = self.period.take();
        let run = self.run_balance_outside_months(b);
        self.period = saved;
        run
    }

    fn run_balance_outside_months(&mut self, b: &'a Balance) -> Result<BalanceRun> {
        let program = self.program;
        let months = program
            .periods
            .get(b.range)
            .map(|r| r.periods.as_slice())
            .unwrap_or_default();
        let credits = self.balance_credits(b, months.len())?;
        let leaving = match &b.lost_at {
            Some(t) => match self.eval(t)? {
                Value::Time(at) => Some(at),
                _ => None,
            },
            None => None,
        };
        let mut items = Vec::new();
        self.walk(
            &b.list,
            0,
            &mut Read {
                balance: b,
                items: &mut items,
            },
            &(),
        )?;
        self.charge(items.len())?;
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|x, y| match (items.get(*x), items.get(*y)) {
            (Some(a), Some(c)) => item_order(b, a, *x, c, *y),
            _ => x.cmp(y),
        });
        // Zero written with the step's decimals (`0.00 CNY`), as every amount the run gives.
        let none = Decimal::new(0, b.step.scale());
        let n = months.len();
        let mut run = BalanceRun {
            slot: b.slot,
            credited: credits,
            used: vec![none; n],
            expired: vec![none; n],
            lost: vec![none; n],
            left: vec![none; n],
            cash: vec![Number::Decimal(none); n],
            settled: Vec::with_capacity(items.len()),
            outside: 0,
        };
        let mut held = Held::new();
        let mut left_at: Option<usize> = None;
        let mut next = order.iter().peekable();
        // Items dated before the first month are not settled.
        while let Some(item) = next.peek().and_then(|i| items.get(**i)) {
            if months.first().is_some_and(|m| item.date >= m.window.start) {
                break;
            }
            run.outside += 1;
            next.next();
        }
        for (k, m) in months.iter().enumerate() {
            if left_at.is_none() && leaving.is_some_and(|l| l <= m.window.start) {
                left_at = Some(k);
                lose(&mut held, &mut run.lost, k);
            }
            while let Some(item) = next.peek().and_then(|i| items.get(**i)) {
                if item.date >= m.window.end {
                    break;
                }
                if left_at.is_none() && leaving.is_some_and(|l| l <= item.date) {
                    left_at = Some(k);
                    lose(&mut held, &mut run.lost, k);
                }
                let settled = self.settle(b, item, k, &mut held, left_at.is_some())?;
                if let Some(c) = run.cash.get_mut(k) {
                    *c = self.number_op(Op::Add, *c, settled.cash)?;
                }
                if let Some(u) = run.used.get_mut(k) {
                    // Each part added on its own: the sum keeps the step's decimals (`0.00`).
                    for (_, d) in &settled.from {
                        *u += *d;
                    }
                }
                run.settled.push(settled);
                next.next();
            }
            if left_at.is_none() && leaving.is_some_and(|l| l < m.window.end) {
                left_at = Some(k);
                lose(&mut held, &mut run.lost, k);
            }
            // The month's end: the credits of month k − N expire, then month k's is added.
            if let Some(earned) = b.expiry.and_then(|n| k.checked_sub(n as usize)) {
                while let Some(&(j, d)) = held.front() {
                    if j > earned {
                        break;
                    }
                    if let Some(e) = run.expired.get_mut(k) {
                        *e += d;
                    }
                    held.pop_front();
                }
            }
            let c = run.credited.get(k).copied().unwrap_or_default();
            if left_at.is_some() {
                if let Some(l) = run.lost.get_mut(k) {
                    *l += c;
                }
            } else if c > Decimal::ZERO {
                held.push_back((k, c));
            }
            if let Some(l) = run.left.get_mut(k) {
                *l = held.iter().fold(none, |sum, (_, d)| sum + *d);
            }
        }
        run.outside += next.count();
        Ok(run)
    }

    /// Each month's credit: read in that month, rounded down to the step, nothing below zero.
    fn balance_credits(&mut self, b: &'a Balance, months: usize) -> Result<Vec<Decimal>> {
        let none = Decimal::new(0, b.step.scale());
        let mut out = Vec::with_capacity(months);
        for k in 0..months {
            self.period = Some((b.range, k));
            let n = self.eval(&b.credit)?.number();
            self.period = None;
            let n = n.ok_or_else(|| self.internal(Internal::WrongKinds))?;
            let c = self.round_number(n, RoundingMode::Down, b.step)?;
            out.push(if c < none { none } else { c });
        }
        Ok(out)
    }

    /// Settles one item dated in month `k` from the credits held (none once the merchant has
    /// left): whole steps, oldest credit first, up to its fee rounded down to the step.
    fn settle(&mut self, b: &Balance, item: &Item<'a>, k: usize, held: &mut Held, left: bool) -> Result<Settled> {
        let mut from = SmallVec::new();
        let want = if left {
            Decimal::ZERO
        } else {
            self.round_number(item.fee, RoundingMode::Down, b.step)?
                .max(Decimal::ZERO)
        };
        let mut used = Decimal::new(0, b.step.scale());
        while used < want {
            let Some((j, d)) = held.front_mut() else { break };
            let take = (*d).min(want - used);
            used += take;
            *d -= take;
            from.push((*j, take));
            if d.is_zero() {
                held.pop_front();
            }
        }
        let cash = self.number_op(Op::Sub, item.fee, Number::Decimal(used))?;
        Ok(Settled {
            path: item.path.clone(),
            month: k,
            date: item.date,
            fee: item.fee,
            from,
            cash,
            after_leaving: left,
        })
    }
}

/// Every credit held is lost in month `k`.
fn lose(held: &mut Held, lost: &mut [Decimal], k: usize) {
    for (_, d) in held.drain(..) {
        if let Some(l) = lost.get_mut(k) {
            *l += d;
        }
    }
}

/// How items `a` (at `x` in the list's order) and `c` (at `y`) compare: by date, then by the
/// keys (`descending` reversed), then by their place in the list.
fn item_order(b: &Balance, a: &Item<'_>, x: usize, c: &Item<'_>, y: usize) -> Ordering {
    a.date
        .cmp(&c.date)
        .then_with(|| {
            for ((ka, kc), (_, descending)) in a.keys.iter().zip(&c.keys).zip(&b.keys) {
                let o = compare(*ka, *kc).unwrap_or(Ordering::Equal);
                let o = if *descending { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        })
        .then(x.cmp(&y))
}
