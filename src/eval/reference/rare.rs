//! The nodes [`Env::eval`] leaves to [`Env::eval_rare`]: those not run for every list item,
//! by family — the evaluation's inputs, time and windows, numbers over several operands, and
//! tables.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::values::compare;
use crate::eval::env::{Env, Result};
use crate::eval::error::{EvalErrorKind, Internal};
use crate::eval::value::Value;
use crate::number::{self, Number, Op};
use crate::program::{Band, Const, Func, Ir, PoolStat, Window};
use crate::syntax::ast::AggOp;
use crate::time;

use super::{Accumulator, Truth};

impl<'a> Env<'a> {
    /// The arms of [`Env::eval`] that are not run for every list item. It names every node, so
    /// that a new node does not compile until one of the two says how it is evaluated.
    #[inline(never)]
    pub(super) fn eval_rare(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        match ir {
            // What the evaluation is given, and where the record stands.
            Ir::Unknown => Ok(Value::Unknown),
            Ir::Param(i) => Ok(match self.inputs.params.get(*i) {
                Some(value) => Value::of_const(value),
                None => Value::Unknown,
            }),
            Ir::Waitlisted(i) => Ok(Value::Bool(self.waitlisted.get(*i).copied().unwrap_or(false))),
            Ir::Earned(i) => Ok(Value::Bool(self.earned.get(*i).copied().unwrap_or(false))),
            Ir::Pool(stat, i) => Ok(match self.pools.get(*i).copied().flatten() {
                Some((claims, claimants)) => Value::Num(match stat {
                    PoolStat::Claims => claims,
                    PoolStat::Claimants => Decimal::from(claimants),
                }),
                None => Value::Unknown,
            }),
            Ir::Rank(k) => Ok(
                match self.rank_place(*k).and_then(|s| self.ranks.get(s)).copied().flatten() {
                    Some(place) => Value::Num(Decimal::from(place)),
                    None => Value::Unknown,
                },
            ),
            Ir::AsOf => match self.inputs.as_of {
                Some(t) => Ok(Value::Time(t)),
                None => Err(self.fail(EvalErrorKind::NoReferenceTime)),
            },
            // Time and windows.
            Ir::PeriodWindow => Ok(self.period_window()),
            Ir::PeriodsWindow(p) => Ok(self.periods_window(*p)),
            Ir::MakeWindow {
                start,
                end,
                end_inclusive,
            } => self.make_window(start, end, *end_inclusive),
            Ir::Func(func, args) => self.func(*func, args),
            // Numbers.
            Ir::Neg(a) => Ok(match self.eval(a)? {
                Value::Num(n) => Value::Num(-n),
                Value::Ratio(r) => Value::of_number(-Number::Ratio(r)),
                Value::Duration(d) => Value::Duration(-d),
                _ => Value::Unknown,
            }),
            Ir::Min(args) => self.extreme(args, Ordering::Less),
            Ir::Max(args) => self.extreme(args, Ordering::Greater),
            Ir::AggregatePeriods(op, i) => self.aggregate_periods(*op, *i),
            // Other periods.
            Ir::Previous { def, first } => self.previous(*def, first.as_deref()),
            Ir::Cumulative(i) => Ok(self.cumulative(*i)),
            Ir::Balance(b) => self.balance_left(b),
            Ir::BalanceOf(stat, def) => self.balance_stat(*stat, *def),
            Ir::PeriodNumber(at) => self.period_number(at),
            // Tables.
            Ir::Lookup { keys, rows, otherwise } => self.lookup(keys, rows, otherwise.as_deref()),
            Ir::Band(subject, bands) => self.band(subject, bands),
            Ir::Marginal(subject, bands) => self.marginal(subject, bands),
            // Choices.
            Ir::If { branches, otherwise } => {
                match super::logic::choose(branches, otherwise, |c| self.eval(c).map(Truth::of_value))? {
                    Some(chosen) => self.eval(chosen),
                    None => Ok(Value::Unknown),
                }
            }
            // Values over a list in a declared order.
            Ir::Ordered(o) => self.ordered(o),
            // Groups within a list.
            Ir::Top(t) => self.top(t),
            // The arms `eval` handles itself.
            Ir::Const(_)
            | Ir::Fact { .. }
            | Ir::FactCompare { .. }
            | Ir::FactInWindow { .. }
            | Ir::FactInSet { .. }
            | Ir::Derived { .. }
            | Ir::Def(_)
            | Ir::DefAt(_)
            | Ir::Not(_)
            | Ir::And(_)
            | Ir::Or(_)
            | Ir::Arith(..)
            | Ir::ArithChain { .. }
            | Ir::Compare(..)
            | Ir::InWindow(..)
            | Ir::InSet(..)
            | Ir::IsKnown(_)
            | Ir::IfUnknown(..)
            | Ir::Aggregate(..) => Err(self.internal(Internal::NotEvaluated)),
        }
    }

    /// The current period's window (unknown outside a period).
    fn period_window(&self) -> Value<'a> {
        match self.period {
            Some((p, k)) => match self.program.periods.get(p).and_then(|r| r.periods.get(k)) {
                Some(period) => Value::Window(period.window),
                None => Value::Unknown,
            },
            None => Value::Unknown,
        }
    }

    /// `previous(x, first)`: `x`'s value in the period before the current one; in the first
    /// period, `first` (unknown without it). Unknown outside a period.
    fn previous(&mut self, def: usize, first: Option<&'a Ir>) -> Result<Value<'a>> {
        match (self.period, first) {
            (Some((_, 0)), Some(first)) => self.eval(first),
            (Some((_, k)), _) if k > 0 => Ok(self.periodic_at(def, k - 1)),
            _ => Ok(Value::Unknown),
        }
    }

    /// `cumulative(x)`: the running sum of `x` through the current period (see
    /// `Env::running_sums`). Unknown outside a period.
    fn cumulative(&self, def: usize) -> Value<'a> {
        match (self.period, self.plan.sums.get(def)) {
            (Some((_, k)), Some(&Some(start))) if k < self.periodic_run(def).len() => {
                self.periodic.get(start + k).copied().unwrap_or(Value::Unknown)
            }
            _ => Value::Unknown,
        }
    }

    /// `period_number(p, t)`: how many periods of the current range's unit the current period
    /// comes after the one `t` falls in, plus one, in the campaign's time zone.
    fn period_number(&mut self, at: &'a Ir) -> Result<Value<'a>> {
        let Value::Time(t) = self.eval(at)? else {
            return Ok(Value::Unknown);
        };
        let Some((p, k)) = self.period else {
            return Ok(Value::Unknown);
        };
        let Some((range, period)) = self.program.periods.get(p).and_then(|r| Some((r, r.periods.get(k)?))) else {
            return Ok(Value::Unknown);
        };
        let tz = self.program.timezone;
        let apart = time::periods_apart(
            range.unit,
            time::local_date(tz, t),
            time::local_date(tz, period.window.start),
        );
        Ok(Value::Num(Decimal::from(apart) + Decimal::ONE))
    }

    /// A range of periods as one window, from its first start to its last end.
    fn periods_window(&self, p: usize) -> Value<'a> {
        match self.program.periods.get(p) {
            Some(range) => match (range.periods.first(), range.periods.last()) {
                (Some(first), Some(last)) => Value::Window(Window {
                    start: first.window.start,
                    end: last.window.end,
                    end_inclusive: false,
                }),
                _ => Value::Unknown,
            },
            None => Value::Unknown,
        }
    }

    /// A window from two instants: unknown unless both are times.
    fn make_window(&mut self, start: &'a Ir, end: &'a Ir, end_inclusive: bool) -> Result<Value<'a>> {
        Ok(match (self.eval(start)?, self.eval(end)?) {
            (Value::Time(s), Value::Time(e)) => Value::Window(Window {
                start: s,
                end: e,
                end_inclusive,
            }),
            _ => Value::Unknown,
        })
    }

    /// A calendar function: unknown when an argument is (the later ones are then not evaluated).
    fn func(&mut self, func: Func, args: &'a [Ir]) -> Result<Value<'a>> {
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            let v = self.eval(a)?;
            if v.is_unknown() {
                return Ok(Value::Unknown);
            }
            values.push(v);
        }
        crate::eval::calendar::apply(self.program, self.inputs, func, &values)
            .map_err(|e| self.fail(EvalErrorKind::Calendar(e)))
    }

    /// `min(...)` (`wins` = less) or `max(...)` (greater): unknown when an operand is (the later
    /// ones are then not evaluated); of equal operands, the first.
    fn extreme(&mut self, args: &'a [Ir], wins: Ordering) -> Result<Value<'a>> {
        let mut best: Option<Value<'a>> = None;
        for a in args {
            let v = self.eval(a)?;
            if v.is_unknown() {
                return Ok(Value::Unknown);
            }
            best = Some(match best {
                None => v,
                Some(b) => match compare(v, b) {
                    Some(order) if order == wins => v,
                    _ => b,
                },
            });
        }
        Ok(best.unwrap_or(Value::Unknown))
    }

    /// An aggregate over a per-period definition's values, in calendar order.
    fn aggregate_periods(&mut self, op: AggOp, def: usize) -> Result<Value<'a>> {
        self.charge(self.periodic_run(def).len())?;
        let mut acc = Accumulator::new(op);
        let in_place = self.plan.shortcuts.in_place;
        for v in self.periodic_run(def) {
            let added = match v {
                Value::Num(n) if in_place => acc.add_num(*n),
                other => acc.add(*other),
            };
            if added.is_none() {
                return Err(self.unheld(acc.take_failure()));
            }
        }
        acc.finish_or_why().map_err(|why| self.unheld(why))
    }

    /// `lookup`: the value of the first row whose keys equal the keys looked up, else the
    /// `otherwise` value, else unknown; unknown when a key is (the later ones are then not
    /// evaluated).
    fn lookup(&mut self, keys: &'a [Ir], rows: &'a [(Vec<Const>, Ir)], otherwise: Option<&'a Ir>) -> Result<Value<'a>> {
        let mut values = Vec::with_capacity(keys.len());
        for k in keys {
            let v = self.eval(k)?;
            if v.is_unknown() {
                return Ok(Value::Unknown);
            }
            values.push(v);
        }
        let row = rows.iter().find(|(consts, _)| {
            consts
                .iter()
                .zip(&values)
                .all(|(c, v)| compare(Value::of_const(c), *v) == Some(Ordering::Equal))
        });
        match (row, otherwise) {
            (Some((_, value)), _) => self.eval(value),
            (None, Some(value)) => self.eval(value),
            (None, None) => Ok(Value::Unknown),
        }
    }

    /// `band of x`: the value of the first band `x` falls in, unknown when in none. A ratio is
    /// placed exactly: `2 ÷ 3` is below a band starting at `0.6666666666666666666666666667`.
    fn band(&mut self, subject: &'a Ir, bands: &'a [Band]) -> Result<Value<'a>> {
        let x = match self.eval(subject)? {
            Value::Num(x) => Some(Number::Decimal(x)),
            Value::Ratio(r) => Some(Number::Ratio(r)),
            // Bands of timestamps have their ends as nanoseconds since 1970.
            Value::Time(t) => t.timestamp_nanos_opt().map(|n| Number::Decimal(Decimal::from(n))),
            _ => None,
        };
        let params = &self.inputs.params;
        match x.and_then(|x| bands.iter().find(|b| band_contains(b.ends(params), b.end_inclusive, x))) {
            Some(band) => self.eval(&band.value),
            None => Ok(Value::Unknown),
        }
    }

    /// `marginal of x`: the sum over bands of rate × the part of `x` inside the band; unknown
    /// when `x`, or the rate of a band `x` reaches into, is. Exact, as every operation.
    fn marginal(&mut self, subject: &'a Ir, bands: &'a [Band]) -> Result<Value<'a>> {
        let Some(x) = self.eval(subject)?.number() else {
            return Ok(Value::Unknown);
        };
        let mut total = Number::Decimal(Decimal::ZERO);
        for band in bands {
            let (start, end) = band.ends(&self.inputs.params);
            let start = Number::Decimal(start.unwrap_or(Decimal::ZERO));
            let top = match end {
                Some(e) if number::compare(x, Number::Decimal(e)) == Ordering::Greater => Number::Decimal(e),
                _ => x,
            };
            if number::compare(top, start) != Ordering::Greater {
                continue;
            }
            let part = self.number_op(Op::Sub, top, start)?;
            match self.eval(&band.value)?.number() {
                Some(rate) => {
                    let paid = self.number_op(Op::Mul, part, rate)?;
                    total = self.number_op(Op::Add, total, paid)?;
                }
                None => return Ok(Value::Unknown),
            }
        }
        Ok(Value::of_number(total))
    }
}

/// Whether a number falls in a band of numbers with these ends (compared exactly).
fn band_contains((start, end): (Option<Decimal>, Option<Decimal>), end_inclusive: bool, x: Number) -> bool {
    let from = |e: Decimal| number::compare(x, Number::Decimal(e));
    start.is_none_or(|s| from(s) != Ordering::Less)
        && end.is_none_or(|e| from(e) == Ordering::Less || (end_inclusive && from(e) == Ordering::Equal))
}
