//! The interpreter: evaluates a compiled [`Program`] against fact records.
//!
//! Evaluation of one record runs in a fixed order: the definitions (in the
//! order the checker put them, each after what it uses), the conditions, the
//! rewards. Everything is exact decimal arithmetic; an overflow is an error
//! for that record, never a wrong number. The language has no loops: every
//! iteration is over a finite list of the record, so evaluation always ends.
//!
//! Budgets need the whole population: [`Evaluator::evaluate_all`] evaluates
//! every record, allocates each budget in its declared order, and only then
//! computes the values that depend on the allocation (`is waitlisted`).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use super::value::*;
use crate::check::program::*;
use crate::check::types::{Dim, Ty};
use crate::facts::{FactValue, Record};
use crate::syntax::ast::{AggOp, PeriodUnit, RoundingMode};

type Result<T> = std::result::Result<T, EvalError>;

/// Evaluates one program against records.
#[derive(Debug)]
pub struct Evaluator<'p> {
    program: &'p Program,
    has_budget: bool,
    has_after_budget: bool,
}

/// The state of one record between evaluation and budget allocation.
#[derive(Debug)]
struct Partial<'a> {
    defs: Vec<Value<'a>>,
    periodic: Vec<Vec<Value<'a>>>,
    outcome: Outcome,
    /// For each budgeted reward: (group key, queue key), for eligible records with a positive claim.
    claims: Vec<Option<(String, QueueKey)>>,
}

/// A sortable queue position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum QueueKey {
    Num(Decimal),
    Time(DateTime<Utc>),
    Duration(TimeDelta),
    Text(String),
}

impl<'p> Evaluator<'p> {
    /// Prepares to evaluate a program.
    pub fn new(program: &'p Program) -> Self {
        Evaluator {
            program,
            has_budget: program.rewards.iter().any(|r| r.budget.is_some()),
            has_after_budget: program.definitions.iter().any(|d| d.after_budget),
        }
    }

    /// Whether the program needs every record before it can give any result (it has a budget).
    pub fn needs_population(&self) -> bool {
        self.has_budget
    }

    /// Evaluates one record on its own. For programs with budgets, use [`Evaluator::evaluate_all`].
    pub fn evaluate(&self, record: &Record) -> Result<Outcome> {
        let mut partial = self.first_phase(record)?;
        if self.has_after_budget {
            let waitlisted = vec![false; self.program.rewards.len()];
            self.second_phase(record, &mut partial, &waitlisted)?;
        }
        Ok(partial.outcome)
    }

    /// Evaluates every record, allocating budgets across them. Results are in input order.
    pub fn evaluate_all(&self, records: &[Record]) -> Vec<Result<Outcome>> {
        let mut partials: Vec<Result<Partial<'_>>> = records.iter().map(|r| self.first_phase(r)).collect();
        let mut waitlisted: Vec<Vec<bool>> = vec![vec![false; self.program.rewards.len()]; records.len()];
        for (ri, reward) in self.program.rewards.iter().enumerate() {
            let Some(budget) = &reward.budget else { continue };
            let amount = match self.constant(&budget.amount) {
                Ok(Value::Num(n)) => n,
                _ => Decimal::ZERO,
            };
            // The queue: eligible records with a claim, by group, then order key, then input order.
            let mut queue: Vec<(usize, String, QueueKey, Decimal)> = Vec::new();
            for (index, p) in partials.iter().enumerate() {
                if let Ok(p) = p
                    && let (Some(Some((group, key))), Some(r)) = (p.claims.get(ri), p.outcome.rewards.get(ri))
                {
                    queue.push((index, group.clone(), key.clone(), r.amount));
                }
            }
            queue.sort_by(|a, b| {
                let order = a.2.cmp(&b.2);
                let order = if budget.descending { order.reverse() } else { order };
                a.1.cmp(&b.1).then(order).then(a.0.cmp(&b.0))
            });
            let mut remaining: BTreeMap<String, (Decimal, usize)> = BTreeMap::new();
            for (index, group, _, claim) in queue {
                let (left, position) = remaining.entry(group.clone()).or_insert((amount, 0));
                *position += 1;
                let granted = claim <= *left;
                let before = *left;
                if granted {
                    *left -= claim;
                }
                if let Some(Ok(p)) = partials.get_mut(index)
                    && let Some(r) = p.outcome.rewards.get_mut(ri)
                {
                    if !granted {
                        r.amount = zero_like(r.amount);
                    }
                    r.budget = Some(BudgetOutcome {
                        group,
                        position: *position,
                        granted,
                        remaining_before: before,
                    });
                }
                if let Some(w) = waitlisted.get_mut(index).and_then(|w| w.get_mut(ri)) {
                    *w = !granted;
                }
            }
        }
        partials
            .into_iter()
            .zip(records)
            .zip(waitlisted)
            .map(|((p, record), w)| {
                let mut p = p?;
                if self.has_after_budget {
                    self.second_phase(record, &mut p, &w)?;
                }
                Ok(p.outcome)
            })
            .collect()
    }

    fn constant(&self, ir: &'p Ir) -> Result<Value<'p>> {
        let empty: &'static Record = &EMPTY;
        let mut env = Env::new(self.program, empty);
        env.eval(ir)
    }

    fn first_phase<'a>(&'a self, record: &'a Record) -> Result<Partial<'a>> {
        let program = self.program;
        let mut env = Env::new(program, record);
        for (i, def) in program.definitions.iter().enumerate() {
            if def.after_budget {
                continue;
            }
            env.compute_def(i, def)?;
        }
        let mut conditions = Vec::with_capacity(program.conditions.len());
        for (i, c) in program.conditions.iter().enumerate() {
            env.context = Context::Condition(i);
            match env.eval(&c.expr)? {
                Value::Bool(b) => conditions.push(b),
                other => return Err(env.fail(&format!("the condition gave {other:?} instead of true or false"))),
            }
        }
        let eligible = conditions.iter().all(|c| *c);
        let mut rewards = Vec::with_capacity(program.rewards.len());
        let mut claims = Vec::with_capacity(program.rewards.len());
        for (i, r) in program.rewards.iter().enumerate() {
            env.context = Context::Reward(i);
            let outcome = env.reward(r, eligible)?;
            let claim = match &r.budget {
                Some(b) if eligible && outcome.amount > Decimal::ZERO => {
                    let group = match &b.group {
                        Some((unit, ir)) => match env.eval(ir)? {
                            Value::Time(t) => period_key(program.timezone, *unit, t),
                            _ => return Err(env.fail("the budget period's timestamp is unknown")),
                        },
                        None => "total".to_string(),
                    };
                    let key = match env.eval(&b.order)? {
                        Value::Num(n) => QueueKey::Num(n),
                        Value::Time(t) => QueueKey::Time(t),
                        Value::Duration(d) => QueueKey::Duration(d),
                        Value::Text(t) => QueueKey::Text(t.to_string()),
                        _ => return Err(env.fail("the queue order is unknown")),
                    };
                    Some((group, key))
                }
                _ => None,
            };
            rewards.push(outcome);
            claims.push(claim);
        }
        let values = if self.has_after_budget {
            Vec::new()
        } else {
            env.shown_values()
        };
        Ok(Partial {
            defs: env.defs,
            periodic: env.periodic,
            outcome: Outcome {
                eligible,
                conditions,
                rewards,
                values,
            },
            claims,
        })
    }

    fn second_phase<'a>(&'a self, record: &'a Record, partial: &mut Partial<'a>, waitlisted: &[bool]) -> Result<()> {
        let program = self.program;
        let mut env = Env::new(program, record);
        env.defs = std::mem::take(&mut partial.defs);
        env.periodic = std::mem::take(&mut partial.periodic);
        env.waitlisted = waitlisted.to_vec();
        for (i, def) in program.definitions.iter().enumerate() {
            if def.after_budget {
                env.compute_def(i, def)?;
            }
        }
        partial.outcome.values = env.shown_values();
        Ok(())
    }
}

static EMPTY: Record = Record { values: Vec::new() };

/// The key of the calendar period an instant falls in.
pub fn period_key(tz: chrono_tz::Tz, unit: PeriodUnit, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz).date_naive();
    match unit {
        PeriodUnit::Month => format!("{:04}-{:02}", local.year(), local.month()),
        PeriodUnit::Day => local.format("%Y-%m-%d").to_string(),
        PeriodUnit::Week => {
            let w = local.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
    }
}

fn zero_like(d: Decimal) -> Decimal {
    let mut z = Decimal::ZERO;
    let _ = z.set_scale(d.scale());
    z
}

#[derive(Debug, Clone, Copy)]
enum Context {
    Definition(usize),
    Condition(usize),
    Reward(usize),
}

struct Env<'a> {
    program: &'a Program,
    frames: Vec<&'a Record>,
    defs: Vec<Value<'a>>,
    periodic: Vec<Vec<Value<'a>>>,
    period: Option<(usize, usize)>,
    waitlisted: Vec<bool>,
    context: Context,
}

impl<'a> Env<'a> {
    fn new(program: &'a Program, record: &'a Record) -> Self {
        Env {
            program,
            frames: vec![record],
            defs: vec![Value::Unknown; program.definitions.len()],
            periodic: vec![Vec::new(); program.definitions.len()],
            period: None,
            waitlisted: vec![false; program.rewards.len()],
            context: Context::Definition(0),
        }
    }

    fn fail(&self, what: &str) -> EvalError {
        let place = match self.context {
            Context::Definition(i) => match self.program.definitions.get(i) {
                Some(d) => format!("in `{}`", d.name),
                None => String::new(),
            },
            Context::Condition(i) => match self.program.conditions.get(i) {
                Some(c) => format!("in the condition `{}`", c.text),
                None => String::new(),
            },
            Context::Reward(i) => match self.program.rewards.get(i) {
                Some(r) => format!("in the reward `{}`", r.name),
                None => String::new(),
            },
        };
        EvalError {
            message: format!("{what} {place}").trim_end().to_string(),
        }
    }

    fn overflow(&self) -> EvalError {
        self.fail("the arithmetic overflowed (a number grew beyond 28 digits)")
    }

    fn compute_def(&mut self, i: usize, def: &'a Definition) -> Result<()> {
        self.context = Context::Definition(i);
        match def.per {
            None => {
                let v = self.eval(&def.expr)?;
                let v = self.adjust(v, &def.adjust)?;
                if let Some(slot) = self.defs.get_mut(i) {
                    *slot = v;
                }
            }
            Some(p) => {
                let count = self.program.periods.get(p).map(|r| r.periods.len()).unwrap_or(0);
                let mut values = Vec::with_capacity(count);
                for k in 0..count {
                    self.period = Some((p, k));
                    let v = self.eval(&def.expr)?;
                    values.push(self.adjust(v, &def.adjust)?);
                }
                self.period = None;
                if let Some(slot) = self.periodic.get_mut(i) {
                    *slot = values;
                }
            }
        }
        Ok(())
    }

    fn adjust(&self, v: Value<'a>, adjust: &'a Adjust) -> Result<Value<'a>> {
        let Value::Num(mut n) = v else { return Ok(v) };
        if let Some((mode, step)) = adjust.rounding {
            n = round(n, mode, step).ok_or_else(|| self.overflow())?;
        }
        if let Some(cap) = &adjust.at_most
            && let Value::Num(c) = self.eval_const_or(cap)?
            && n > c
        {
            n = c;
        }
        if let Some(floor) = &adjust.at_least
            && let Value::Num(c) = self.eval_const_or(floor)?
            && n < c
        {
            n = c;
        }
        Ok(Value::Num(n))
    }

    fn eval_const_or(&self, ir: &'a Ir) -> Result<Value<'a>> {
        match ir {
            Ir::Const(c) => Ok(Value::of_const(c)),
            other => {
                // Caps may depend on the record; evaluate in a scratch environment sharing the definitions.
                let mut env = Env {
                    program: self.program,
                    frames: self.frames.clone(),
                    defs: self.defs.clone(),
                    periodic: self.periodic.clone(),
                    period: self.period,
                    waitlisted: self.waitlisted.clone(),
                    context: self.context,
                };
                env.eval(other)
            }
        }
    }

    fn reward(&mut self, r: &'a RewardDef, eligible: bool) -> Result<RewardOutcome> {
        let periods = r
            .per
            .and_then(|p| self.program.periods.get(p).map(|range| (p, range.periods.len())));
        if !eligible {
            return Ok(RewardOutcome {
                amount: Decimal::ZERO,
                by_period: periods.map(|(_, n)| vec![Decimal::ZERO; n]),
                raw: Decimal::ZERO,
                budget: None,
            });
        }
        let step = r.adjust.rounding.map(|(_, s)| s).unwrap_or(r.unit.precision);
        match periods {
            None => {
                let raw = self.amount(&r.expr)?;
                let mut n = raw;
                if let Some((mode, s)) = r.adjust.rounding {
                    n = round(n, mode, s).ok_or_else(|| self.overflow())?;
                }
                if let Some(cap) = &r.adjust.at_most
                    && let Value::Num(c) = self.eval(cap)?
                {
                    n = n.min(c);
                }
                if let Some(floor) = &r.adjust.at_least
                    && let Value::Num(c) = self.eval(floor)?
                {
                    n = n.max(c);
                }
                Ok(RewardOutcome {
                    amount: with_scale(n, step),
                    by_period: None,
                    raw,
                    budget: None,
                })
            }
            Some((p, count)) => {
                let mut amounts = Vec::with_capacity(count);
                let mut raw_total = Decimal::ZERO;
                for k in 0..count {
                    self.period = Some((p, k));
                    let raw = self.amount(&r.expr)?;
                    raw_total = raw_total.checked_add(raw).ok_or_else(|| self.overflow())?;
                    let n = match r.adjust.rounding {
                        Some((mode, s)) => round(raw, mode, s).ok_or_else(|| self.overflow())?,
                        None => raw,
                    };
                    amounts.push(n);
                }
                self.period = None;
                // A cap on the total is consumed in calendar order: once reached, later periods pay nothing.
                if let Some(cap) = &r.adjust.at_most
                    && let Value::Num(mut left) = self.eval(cap)?
                {
                    for a in amounts.iter_mut() {
                        let paid = (*a).min(left.max(Decimal::ZERO));
                        left -= paid;
                        *a = paid;
                    }
                }
                let mut total = Decimal::ZERO;
                for a in &amounts {
                    total = total.checked_add(*a).ok_or_else(|| self.overflow())?;
                }
                Ok(RewardOutcome {
                    amount: with_scale(total, step),
                    by_period: Some(amounts.into_iter().map(|a| with_scale(a, step)).collect()),
                    raw: raw_total,
                    budget: None,
                })
            }
        }
    }

    fn amount(&mut self, ir: &'a Ir) -> Result<Decimal> {
        match self.eval(ir)? {
            Value::Num(n) => Ok(n),
            _ => Err(self.fail("the amount is unknown")),
        }
    }

    fn shown_values(&self) -> Vec<Shown> {
        let tz = self.program.timezone;
        self.program
            .exposed
            .iter()
            .map(|&i| {
                let Some(def) = self.program.definitions.get(i) else {
                    return Shown::Unknown;
                };
                let v = self.defs.get(i).copied().unwrap_or(Value::Unknown);
                match (v, &def.ty) {
                    (Value::Unknown, _) => Shown::Unknown,
                    (Value::Bool(b), _) => Shown::Bool(b),
                    (Value::Num(n), Ty::Num(Dim::Count)) => Shown::Count(n),
                    (Value::Num(n), Ty::Num(Dim::Money(u) | Dim::Unit(u))) => Shown::Amount(n, u.clone()),
                    (Value::Num(n), _) => Shown::Number(n),
                    (Value::Text(t), _) => Shown::Text(t.to_string()),
                    (Value::Choice(c), Ty::Choice(choices)) => {
                        Shown::Text(choices.get(c as usize).cloned().unwrap_or_default())
                    }
                    (Value::Time(t), _) => Shown::Time(t.with_timezone(&tz).fixed_offset()),
                    (Value::Duration(d), _) => Shown::Duration(d),
                    _ => Shown::Unknown,
                }
            })
            .collect()
    }

    fn fact(&self, frame: usize, field: usize) -> Result<&'a FactValue> {
        self.frames
            .get(frame)
            .and_then(|r| r.values.get(field))
            .ok_or_else(|| self.fail("internal error: a fact is missing from the record"))
    }

    fn eval(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        Ok(match ir {
            Ir::Const(c) => Value::of_const(c),
            Ir::Unknown => Value::Unknown,
            Ir::Fact { frame, field } => match self.fact(*frame, *field)? {
                FactValue::Unknown => Value::Unknown,
                FactValue::Bool(b) => Value::Bool(*b),
                FactValue::Number(n) => Value::Num(*n),
                FactValue::Text(t) => Value::Text(t),
                FactValue::Choice(c) => Value::Choice(*c),
                FactValue::Time(t) => Value::Time(*t),
                FactValue::Seconds(s) => Value::Duration(TimeDelta::try_seconds(*s).ok_or_else(|| self.overflow())?),
                FactValue::List(_) => return Err(self.fail("internal error: a list used as a value")),
            },
            Ir::Derived { frame, level, index } => {
                let derived = self
                    .program
                    .levels
                    .get(*level)
                    .and_then(|l| l.derived.get(*index))
                    .ok_or_else(|| self.fail("internal error: unknown computed field"))?;
                let outer = self.frames.split_off((*frame + 1).min(self.frames.len()));
                let v = self.eval(&derived.expr);
                self.frames.extend(outer);
                v?
            }
            Ir::Def(i) => self.defs.get(*i).copied().unwrap_or(Value::Unknown),
            Ir::DefAt(i) => match self.period {
                Some((_, k)) => self
                    .periodic
                    .get(*i)
                    .and_then(|v| v.get(k))
                    .copied()
                    .unwrap_or(Value::Unknown),
                None => Value::Unknown,
            },
            Ir::Param(i) => match self.program.params.get(*i) {
                Some(p) => Value::of_const(&p.value),
                None => Value::Unknown,
            },
            Ir::PeriodWindow => match self.period {
                Some((p, k)) => match self.program.periods.get(p).and_then(|r| r.periods.get(k)) {
                    Some(period) => Value::Window(period.window),
                    None => Value::Unknown,
                },
                None => Value::Unknown,
            },
            Ir::PeriodsWindow(p) => match self.program.periods.get(*p) {
                Some(range) => match (range.periods.first(), range.periods.last()) {
                    (Some(first), Some(last)) => Value::Window(Window {
                        start: first.window.start,
                        end: last.window.end,
                        end_inclusive: false,
                    }),
                    _ => Value::Unknown,
                },
                None => Value::Unknown,
            },
            Ir::Neg(a) => match self.eval(a)? {
                Value::Num(n) => Value::Num(-n),
                Value::Duration(d) => Value::Duration(-d),
                _ => Value::Unknown,
            },
            Ir::Not(a) => match self.eval(a)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Unknown,
            },
            Ir::And(a, b) => match self.eval(a)? {
                Value::Bool(false) => Value::Bool(false),
                left => match (left, self.eval(b)?) {
                    (_, Value::Bool(false)) => Value::Bool(false),
                    (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                    _ => Value::Unknown,
                },
            },
            Ir::Or(a, b) => match self.eval(a)? {
                Value::Bool(true) => Value::Bool(true),
                left => match (left, self.eval(b)?) {
                    (_, Value::Bool(true)) => Value::Bool(true),
                    (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                    _ => Value::Unknown,
                },
            },
            Ir::Arith(op, a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                self.arith(*op, x, y)?
            }
            Ir::Compare(op, a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                match compare(x, y) {
                    Some(ord) => Value::Bool(match op {
                        CmpOp::Eq => ord == Ordering::Equal,
                        CmpOp::Ne => ord != Ordering::Equal,
                        CmpOp::Lt => ord == Ordering::Less,
                        CmpOp::Le => ord != Ordering::Greater,
                        CmpOp::Gt => ord == Ordering::Greater,
                        CmpOp::Ge => ord != Ordering::Less,
                    }),
                    None => Value::Unknown,
                }
            }
            Ir::InWindow(v, w) => match (self.eval(v)?, self.eval(w)?) {
                (Value::Time(t), Value::Window(w)) => Value::Bool(w.contains(t)),
                _ => Value::Unknown,
            },
            Ir::InRange {
                value,
                start,
                end,
                end_inclusive,
            } => match (self.eval(value)?, self.eval(start)?, self.eval(end)?) {
                (Value::Time(t), Value::Time(s), Value::Time(e)) => Value::Bool(
                    Window {
                        start: s,
                        end: e,
                        end_inclusive: *end_inclusive,
                    }
                    .contains(t),
                ),
                _ => Value::Unknown,
            },
            Ir::MakeWindow {
                start,
                end,
                end_inclusive,
            } => match (self.eval(start)?, self.eval(end)?) {
                (Value::Time(s), Value::Time(e)) => Value::Window(Window {
                    start: s,
                    end: e,
                    end_inclusive: *end_inclusive,
                }),
                _ => Value::Unknown,
            },
            Ir::InSet(v, s) => match (self.eval(v)?, self.eval(s)?) {
                (Value::Text(t), Value::Set(set)) => Value::Bool(set.binary_search_by(|x| (**x).cmp(t)).is_ok()),
                _ => Value::Unknown,
            },
            Ir::IsKnown(a) => Value::Bool(!self.eval(a)?.is_unknown()),
            Ir::IfUnknown(a, b) => match self.eval(a)? {
                Value::Unknown => self.eval(b)?,
                v => v,
            },
            Ir::Aggregate(op, list) => self.aggregate(*op, list)?,
            Ir::AggregatePeriods(op, i) => {
                let values: Vec<Value<'a>> = self.periodic.get(*i).cloned().unwrap_or_default();
                let mut acc = Accumulator::new(*op);
                for v in values {
                    acc.add(v).ok_or_else(|| self.overflow())?;
                }
                acc.finish().ok_or_else(|| self.overflow())?
            }
            Ir::Min(args) | Ir::Max(args) => {
                let is_min = matches!(ir, Ir::Min(_));
                let mut best: Option<Value<'a>> = None;
                for a in args {
                    let v = self.eval(a)?;
                    if v.is_unknown() {
                        return Ok(Value::Unknown);
                    }
                    best = Some(match best {
                        None => v,
                        Some(b) => match compare(v, b) {
                            Some(Ordering::Less) if is_min => v,
                            Some(Ordering::Greater) if !is_min => v,
                            _ => b,
                        },
                    });
                }
                best.unwrap_or(Value::Unknown)
            }
            Ir::Waitlisted(i) => Value::Bool(self.waitlisted.get(*i).copied().unwrap_or(false)),
            Ir::Band(subject, bands) => match self.eval(subject)? {
                Value::Num(x) => match bands.iter().find(|b| b.contains(x)) {
                    Some(band) => self.eval(&band.value)?,
                    None => Value::Unknown,
                },
                _ => Value::Unknown,
            },
            Ir::Marginal(subject, bands) => match self.eval(subject)? {
                Value::Num(x) => {
                    let mut total = Decimal::ZERO;
                    for band in bands {
                        let start = band.start.unwrap_or(Decimal::ZERO);
                        let top = band.end.map_or(x, |e| x.min(e));
                        let part = top - start;
                        if part <= Decimal::ZERO {
                            continue;
                        }
                        match self.eval(&band.value)? {
                            Value::Num(rate) => {
                                let paid = part.checked_mul(rate).ok_or_else(|| self.overflow())?;
                                total = total.checked_add(paid).ok_or_else(|| self.overflow())?;
                            }
                            _ => return Ok(Value::Unknown),
                        }
                    }
                    Value::Num(total)
                }
                _ => Value::Unknown,
            },
        })
    }

    fn arith(&self, op: ArithOp, x: Value<'a>, y: Value<'a>) -> Result<Value<'a>> {
        Ok(match (op, x, y) {
            (_, Value::Unknown, _) | (_, _, Value::Unknown) => Value::Unknown,
            (ArithOp::Add, Value::Num(a), Value::Num(b)) => {
                Value::Num(a.checked_add(b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::Sub, Value::Num(a), Value::Num(b)) => {
                Value::Num(a.checked_sub(b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::Mul, Value::Num(a), Value::Num(b)) => {
                Value::Num(a.checked_mul(b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::Div, Value::Num(a), Value::Num(b)) => {
                if b.is_zero() {
                    Value::Unknown
                } else {
                    Value::Num(a.checked_div(b).ok_or_else(|| self.overflow())?)
                }
            }
            (ArithOp::TimePlus, Value::Time(t), Value::Duration(d)) => {
                Value::Time(t.checked_add_signed(d).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::TimeMinus, Value::Time(t), Value::Duration(d)) => {
                Value::Time(t.checked_sub_signed(d).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::TimeDiff, Value::Time(a), Value::Time(b)) => Value::Duration(a.signed_duration_since(b)),
            (ArithOp::DurAdd, Value::Duration(a), Value::Duration(b)) => {
                Value::Duration(a.checked_add(&b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::DurSub, Value::Duration(a), Value::Duration(b)) => {
                Value::Duration(a.checked_sub(&b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::DurMul, Value::Duration(d), Value::Num(n)) => {
                let nanos = Decimal::from(d.num_nanoseconds().ok_or_else(|| self.overflow())?);
                let product = nanos.checked_mul(n).ok_or_else(|| self.overflow())?.trunc();
                let nanos = i64::try_from(product).map_err(|_| self.overflow())?;
                Value::Duration(TimeDelta::nanoseconds(nanos))
            }
            _ => return Err(self.fail("internal error: arithmetic on values of the wrong kind")),
        })
    }

    fn aggregate(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Value<'a>> {
        let mut acc = Accumulator::new(op);
        let mut failed = false;
        self.iterate(list, 0, &mut |env: &mut Env<'a>| {
            let v = match &list.project {
                Some(p) => env.eval(p)?,
                None => Value::Bool(true),
            };
            if acc.add(v).is_none() {
                failed = true;
            }
            Ok(())
        })?;
        if failed {
            return Err(self.overflow());
        }
        acc.finish().ok_or_else(|| self.overflow())
    }

    fn iterate(
        &mut self,
        list: &'a ListExpr,
        level: usize,
        f: &mut dyn FnMut(&mut Env<'a>) -> Result<()>,
    ) -> Result<()> {
        let Some(l) = list.levels.get(level) else { return Ok(()) };
        let items: &'a [Record] = match self.fact(l.frame, l.field)? {
            FactValue::List(items) => items,
            _ => &[],
        };
        let last = level + 1 == list.levels.len();
        for item in items {
            self.frames.push(item);
            let pass = match &l.filter {
                Some(filter) => match self.eval(filter) {
                    Ok(Value::Bool(b)) => Ok(b),
                    Ok(_) => Ok(false),
                    Err(e) => Err(e),
                },
                None => Ok(true),
            };
            let step = match pass {
                Ok(true) if last => f(self),
                Ok(true) => self.iterate(list, level + 1, f),
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            };
            self.frames.pop();
            step?;
        }
        Ok(())
    }
}

/// Compares two values of the same kind; `None` when either is unknown.
fn compare(x: Value<'_>, y: Value<'_>) -> Option<Ordering> {
    match (x, y) {
        (Value::Num(a), Value::Num(b)) => Some(a.cmp(&b)),
        (Value::Time(a), Value::Time(b)) => Some(a.cmp(&b)),
        (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(&b)),
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(&b)),
        (Value::Choice(a), Value::Choice(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

/// Folds the values of an aggregate.
struct Accumulator<'a> {
    op: AggOp,
    count: u64,
    sum: Option<Value<'a>>,
    best: Option<Value<'a>>,
    any: bool,
    all: bool,
    distinct: HashSet<String>,
}

impl<'a> Accumulator<'a> {
    fn new(op: AggOp) -> Self {
        Accumulator {
            op,
            count: 0,
            sum: None,
            best: None,
            any: false,
            all: true,
            distinct: HashSet::new(),
        }
    }

    /// Adds a value; `None` on overflow.
    fn add(&mut self, v: Value<'a>) -> Option<()> {
        self.count += 1;
        match self.op {
            AggOp::Count => {}
            AggOp::CountDistinct => {
                let key = match v {
                    Value::Num(n) => format!("n{}", n.normalize()),
                    Value::Text(t) => format!("t{t}"),
                    Value::Choice(c) => format!("c{c}"),
                    Value::Time(t) => format!("i{}", t.timestamp_nanos_opt().unwrap_or_default()),
                    Value::Bool(b) => format!("b{b}"),
                    _ => "u".into(),
                };
                self.distinct.insert(key);
            }
            AggOp::Sum | AggOp::Average => {
                self.sum = Some(match (self.sum, v) {
                    (None, v) => v,
                    (Some(Value::Num(a)), Value::Num(b)) => Value::Num(a.checked_add(b)?),
                    (Some(Value::Duration(a)), Value::Duration(b)) => Value::Duration(a.checked_add(&b)?),
                    _ => Value::Unknown,
                });
            }
            AggOp::Min | AggOp::Max => {
                if v.is_unknown() {
                    return Some(());
                }
                self.best = Some(match self.best {
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

    fn finish(self) -> Option<Value<'a>> {
        Some(match self.op {
            AggOp::Count => Value::Num(Decimal::from(self.count)),
            AggOp::CountDistinct => Value::Num(Decimal::from(self.distinct.len())),
            AggOp::Sum => self.sum.unwrap_or(Value::Num(Decimal::ZERO)),
            AggOp::Average => match self.sum {
                Some(Value::Num(s)) if self.count > 0 => Value::Num(s.checked_div(Decimal::from(self.count))?),
                _ => Value::Unknown,
            },
            AggOp::Min | AggOp::Max => self.best.unwrap_or(Value::Unknown),
            AggOp::Any => Value::Bool(self.any),
            AggOp::All => Value::Bool(self.all),
        })
    }
}

/// Rounds to a multiple of `step` (a power of ten); `None` on overflow.
pub fn round(n: Decimal, mode: RoundingMode, step: Decimal) -> Option<Decimal> {
    let strategy = match mode {
        RoundingMode::Down => RoundingStrategy::ToZero,
        RoundingMode::Up => RoundingStrategy::AwayFromZero,
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    if step.is_zero() {
        return None;
    }
    let units = n.checked_div(step)?.round_dp_with_strategy(0, strategy);
    let rounded = units.checked_mul(step)?;
    Some(with_scale(rounded, step))
}

/// Shows an amount with exactly the decimals of its payable step (`0.00` for fen), never `-0`.
pub fn with_scale(n: Decimal, step: Decimal) -> Decimal {
    let mut out = n;
    if out.is_zero() {
        out.set_sign_positive(true);
    }
    let scale = step.normalize().scale();
    if out.scale() < scale {
        out.rescale(scale);
    } else if out.scale() > scale && out.round_dp(scale) == out {
        out = out.round_dp(scale);
    }
    out
}
