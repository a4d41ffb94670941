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
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use rayon::prelude::*;

use super::explain::{ConditionLine, Explanation, ItemLine, RewardLine, ValueLine};
use super::value::*;
use crate::check::program::*;
use crate::check::types::{Dim, Ty};
use crate::facts::{FactValue, Record};
use crate::syntax::ast::{AggOp, PeriodUnit, RoundingMode};

type Result<T> = std::result::Result<T, EvalError>;

/// Evaluates one program against records.
///
/// A record goes through up to three stages: its own definitions (stage A);
/// once every record is ranked, the definitions that use rankings, the
/// conditions and the rewards (stage B); once budgets are allocated, the
/// definitions that use `is waitlisted` (stage C). Campaigns without rankings
/// or budgets run all three per record, streaming.
#[derive(Debug)]
pub struct Evaluator<'p> {
    program: &'p Program,
    has_budget: bool,
    has_after_budget: bool,
}

/// The state of one record between stages.
#[derive(Debug)]
struct Partial<'a> {
    defs: Vec<Value<'a>>,
    periodic: Vec<Vec<Value<'a>>>,
    /// For each ranking: the record's group and order keys (none when a key is unknown).
    rank_keys: Vec<Option<(Vec<QueueKey>, Vec<QueueKey>)>>,
    /// For each ranking: the record's place.
    ranks: Vec<Option<usize>>,
    outcome: Outcome,
    /// For each budgeted reward: (group key, queue key), for eligible records with a positive claim.
    claims: Vec<Option<(String, QueueKey)>>,
}

/// A sortable key (for queues, rankings and groups).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum QueueKey {
    Num(Decimal),
    Time(DateTime<Utc>),
    Duration(TimeDelta),
    Text(String),
    Choice(u32),
    Bool(bool),
}

impl QueueKey {
    fn of(v: Value<'_>) -> Option<QueueKey> {
        Some(match v {
            Value::Num(n) => QueueKey::Num(n.normalize()),
            Value::Time(t) => QueueKey::Time(t),
            Value::Duration(d) => QueueKey::Duration(d),
            Value::Text(t) => QueueKey::Text(t.to_string()),
            Value::Choice(c) => QueueKey::Choice(c),
            Value::Bool(b) => QueueKey::Bool(b),
            _ => return None,
        })
    }
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

    /// Whether the program needs every record before it can give any result (it has a budget or a ranking).
    pub fn needs_population(&self) -> bool {
        self.has_budget || !self.program.rankings.is_empty()
    }

    /// Evaluates one record on its own. For programs that need the population, use [`Evaluator::evaluate_all`].
    pub fn evaluate(&self, record: &Record) -> Result<Outcome> {
        if !self.program.rankings.is_empty() || self.has_after_budget {
            let mut partial = self.stage_a(record)?;
            partial.ranks = vec![None; self.program.rankings.len()];
            self.stage_b(record, &mut partial)?;
            if self.has_after_budget {
                let waitlisted = vec![false; self.program.rewards.len()];
                self.stage_c(record, &mut partial, &waitlisted)?;
            }
            return Ok(partial.outcome);
        }
        // The streaming path: every stage in one environment, without intermediate state.
        let program = self.program;
        let mut env = Env::new(program, record);
        for (i, def) in program.definitions.iter().enumerate() {
            env.compute_def(i, def)?;
        }
        let (outcome, _) = self.decide(&mut env, Vec::new())?;
        Ok(outcome)
    }

    /// Evaluates every record, ranking them and allocating budgets across them. Results are in input order.
    pub fn evaluate_all(&self, records: &[Record]) -> Vec<Result<Outcome>> {
        let mut partials: Vec<Result<Partial<'_>>> = records.par_iter().map(|r| self.stage_a(r)).collect();
        self.rank_all(&mut partials);
        let mut partials: Vec<Result<Partial<'_>>> = partials
            .into_par_iter()
            .zip(records.par_iter())
            .map(|(p, record)| {
                let mut p = p?;
                self.stage_b(record, &mut p)?;
                Ok(p)
            })
            .collect();
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
                        for (_, part) in r.payments.iter_mut() {
                            *part = zero_like(*part);
                        }
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
            .into_par_iter()
            .zip(records.par_iter())
            .zip(waitlisted.into_par_iter())
            .map(|((p, record), w)| {
                let mut p = p?;
                if self.has_after_budget {
                    self.stage_c(record, &mut p, &w)?;
                }
                Ok(p.outcome)
            })
            .collect()
    }

    /// Places every record with known keys in each ranking: among records with equal
    /// group keys, by the order keys, ties by input order.
    fn rank_all(&self, partials: &mut [Result<Partial<'_>>]) {
        for (k, ranking) in self.program.rankings.iter().enumerate() {
            let mut entries: Vec<(Vec<QueueKey>, Vec<QueueKey>, usize)> = partials
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let (groups, order) = p.as_ref().ok()?.rank_keys.get(k)?.clone()?;
                    Some((groups, order, i))
                })
                .collect();
            entries.sort_by(|a, b| {
                let mut order = a.0.cmp(&b.0);
                for (j, (x, y)) in a.1.iter().zip(&b.1).enumerate() {
                    let descending = ranking.keys.get(j).is_some_and(|(_, d)| *d);
                    let o = if descending { y.cmp(x) } else { x.cmp(y) };
                    order = order.then(o);
                }
                order.then(a.2.cmp(&b.2))
            });
            let mut place = 0usize;
            let mut current: Option<&Vec<QueueKey>> = None;
            let mut places = Vec::with_capacity(entries.len());
            for (groups, _, index) in &entries {
                if current != Some(groups) {
                    place = 0;
                    current = Some(groups);
                }
                place += 1;
                places.push((*index, place));
            }
            for (index, place) in places {
                if let Some(Ok(p)) = partials.get_mut(index)
                    && let Some(slot) = p.ranks.get_mut(k)
                {
                    *slot = Some(place);
                }
            }
        }
    }

    fn constant(&self, ir: &'p Ir) -> Result<Value<'p>> {
        let empty: &'static Record = &EMPTY;
        let mut env = Env::new(self.program, empty);
        env.eval(ir)
    }

    /// Stage A: the record's own definitions and its ranking keys.
    fn stage_a<'a>(&'a self, record: &'a Record) -> Result<Partial<'a>> {
        let program = self.program;
        let mut env = Env::new(program, record);
        for (i, def) in program.definitions.iter().enumerate() {
            if !def.after_budget && !def.after_rank {
                env.compute_def(i, def)?;
            }
        }
        let mut rank_keys = Vec::with_capacity(program.rankings.len());
        for ranking in &program.rankings {
            let mut groups = Vec::with_capacity(ranking.within.len());
            let mut order = Vec::with_capacity(ranking.keys.len());
            let mut known = true;
            for g in &ranking.within {
                match QueueKey::of(env.eval(g)?) {
                    Some(k) => groups.push(k),
                    None => known = false,
                }
            }
            for (key, _) in &ranking.keys {
                match QueueKey::of(env.eval(key)?) {
                    Some(k) => order.push(k),
                    None => known = false,
                }
            }
            rank_keys.push(known.then_some((groups, order)));
        }
        Ok(Partial {
            defs: env.defs,
            periodic: env.periodic,
            rank_keys,
            ranks: vec![None; program.rankings.len()],
            outcome: Outcome {
                eligible: false,
                conditions: Vec::new(),
                rewards: Vec::new(),
                values: Vec::new(),
                ranks: Vec::new(),
            },
            claims: Vec::new(),
        })
    }

    /// Stage B: definitions that use rankings, then conditions and rewards.
    fn stage_b<'a>(&'a self, record: &'a Record, partial: &mut Partial<'a>) -> Result<()> {
        let program = self.program;
        let mut env = Env::new(program, record);
        env.defs = std::mem::take(&mut partial.defs);
        env.periodic = std::mem::take(&mut partial.periodic);
        env.ranks = partial.ranks.clone();
        for (i, def) in program.definitions.iter().enumerate() {
            if def.after_rank && !def.after_budget {
                env.compute_def(i, def)?;
            }
        }
        let (outcome, claims) = self.decide(&mut env, partial.ranks.clone())?;
        partial.outcome = outcome;
        partial.claims = claims;
        partial.defs = env.defs;
        partial.periodic = env.periodic;
        Ok(())
    }

    /// Conditions, rewards and budget claims of a record whose definitions are computed.
    #[allow(clippy::type_complexity)]
    fn decide<'a>(
        &'a self,
        env: &mut Env<'a>,
        ranks: Vec<Option<usize>>,
    ) -> Result<(Outcome, Vec<Option<(String, QueueKey)>>)> {
        let program = self.program;
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
                    let key = match QueueKey::of(env.eval(&b.order)?) {
                        Some(k) => k,
                        None => return Err(env.fail("the queue order is unknown")),
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
        let outcome = Outcome {
            eligible,
            conditions,
            rewards,
            values,
            ranks,
        };
        Ok((outcome, claims))
    }

    /// Stage C: definitions that use `is waitlisted`.
    fn stage_c<'a>(&'a self, record: &'a Record, partial: &mut Partial<'a>, waitlisted: &[bool]) -> Result<()> {
        let program = self.program;
        let mut env = Env::new(program, record);
        env.defs = std::mem::take(&mut partial.defs);
        env.periodic = std::mem::take(&mut partial.periodic);
        env.ranks = partial.ranks.clone();
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
    /// Derived fields computed so far, by (record address, level, index).
    derived_cache: HashMap<(usize, usize, usize), Value<'a>>,
    /// The record's place in each ranking.
    ranks: Vec<Option<usize>>,
    /// Aggregates that read only the top-level record, by (node address, period).
    aggregate_cache: HashMap<(usize, Option<(usize, usize)>), Value<'a>>,
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
            derived_cache: HashMap::new(),
            ranks: Vec::new(),
            aggregate_cache: HashMap::new(),
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
                    derived_cache: HashMap::new(),
                    ranks: self.ranks.clone(),
                    aggregate_cache: HashMap::new(),
                };
                env.eval(other)
            }
        }
    }

    fn reward(&mut self, r: &'a RewardDef, eligible: bool) -> Result<RewardOutcome> {
        let periods = r
            .per
            .and_then(|p| self.program.periods.get(p).map(|range| (p, range.periods.len())));
        let step = r.adjust.rounding.map(|(_, s)| s).unwrap_or(r.unit.precision);
        if !eligible {
            let zero = with_scale(Decimal::ZERO, step);
            return Ok(RewardOutcome {
                amount: zero,
                by_period: periods.map(|(_, n)| vec![zero; n]),
                raw: Decimal::ZERO,
                budget: None,
                payments: Vec::new(),
                expires_at: None,
            });
        }
        match periods {
            None => {
                let raw = self.amount(&r.expr)?;
                let mut n = raw;
                if let Some((mode, s)) = r.adjust.rounding {
                    n = round(n, mode, s).ok_or_else(|| self.overflow())?;
                }
                // Caps computed from facts may be finer than the unit pays: a cap is rounded down
                // and a floor up to the payable step, so the amount never breaks either.
                if let Some(cap) = &r.adjust.at_most
                    && let Value::Num(c) = self.eval(cap)?
                {
                    n = n.min(round(c, RoundingMode::Down, step).ok_or_else(|| self.overflow())?);
                }
                if let Some(floor) = &r.adjust.at_least
                    && let Value::Num(c) = self.eval(floor)?
                {
                    n = n.max(round(c, RoundingMode::Up, step).ok_or_else(|| self.overflow())?);
                }
                let amount = with_scale(n, step);
                let payments = self.payments(r, amount, step)?;
                let expires_at = match &r.adjust.expires {
                    Some(e) => match self.eval(e)? {
                        Value::Time(t) => Some(t),
                        _ => return Err(self.fail("the expiry time is unknown")),
                    },
                    None => None,
                };
                Ok(RewardOutcome {
                    amount,
                    by_period: None,
                    raw,
                    budget: None,
                    payments,
                    expires_at,
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
                    && let Value::Num(left) = self.eval(cap)?
                {
                    let mut left = round(left, RoundingMode::Down, step).ok_or_else(|| self.overflow())?;
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
                    payments: Vec::new(),
                    expires_at: None,
                })
            }
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
                _ => return Err(self.fail("a payment date is unknown")),
            };
            let part = if i + 1 == r.adjust.parts.len() {
                left
            } else {
                let p = amount.checked_mul(*share).ok_or_else(|| self.overflow())?;
                round(p, RoundingMode::Down, step).ok_or_else(|| self.overflow())?
            };
            left -= part;
            out.push((at, with_scale(part, step)));
        }
        Ok(out)
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
                FactValue::Text(t) => Value::Text(t.as_str()),
                FactValue::Choice(c) => Value::Choice(*c),
                FactValue::Time(t) => Value::Time(*t),
                FactValue::Seconds(s) => Value::Duration(TimeDelta::try_seconds(*s).ok_or_else(|| self.overflow())?),
                FactValue::List(_) => return Err(self.fail("internal error: a list used as a value")),
            },
            Ir::Derived { frame, level, index } => {
                // Cached per record item: fields built from other fields could otherwise
                // take exponential time.
                let key = (
                    self.frames
                        .get(*frame)
                        .map(|r| std::ptr::from_ref::<Record>(*r) as usize)
                        .unwrap_or(0),
                    *level,
                    *index,
                );
                if let Some(v) = self.derived_cache.get(&key) {
                    return Ok(*v);
                }
                let derived = self
                    .program
                    .levels
                    .get(*level)
                    .and_then(|l| l.derived.get(*index))
                    .ok_or_else(|| self.fail("internal error: unknown computed field"))?;
                let outer = self.frames.split_off((*frame + 1).min(self.frames.len()));
                let v = self.eval(&derived.expr);
                self.frames.extend(outer);
                let v = v?;
                self.derived_cache.insert(key, v);
                v
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
            Ir::Aggregate(op, list) if list.record_invariant => {
                // Computed once per record (and period): inside another list's filter it would
                // otherwise be recomputed for every item.
                let key = (std::ptr::from_ref::<ListExpr>(list) as usize, self.period);
                if let Some(v) = self.aggregate_cache.get(&key) {
                    *v
                } else {
                    let v = self.aggregate(*op, list)?;
                    self.aggregate_cache.insert(key, v);
                    v
                }
            }
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
            Ir::Rank(k) => match self.ranks.get(*k).copied().flatten() {
                Some(place) => Value::Num(Decimal::from(place)),
                None => Value::Unknown,
            },
            Ir::AsOf => match self.program.as_of {
                Some(t) => Value::Time(t),
                None => return Err(self.fail("the campaign uses `as_of`, but no reference time was given (--as-of)")),
            },
            Ir::Func(func, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    let v = self.eval(a)?;
                    if v.is_unknown() {
                        return Ok(Value::Unknown);
                    }
                    values.push(v);
                }
                super::calendar::apply(self.program, *func, &values).map_err(|e| self.fail(e))?
            }
            Ir::Lookup { keys, rows, otherwise } => {
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
                    (Some((_, value)), _) => self.eval(value)?,
                    (None, Some(value)) => self.eval(value)?,
                    (None, None) => Value::Unknown,
                }
            }
            Ir::Band(subject, bands) => {
                let x = match self.eval(subject)? {
                    Value::Num(x) => Some(x),
                    // Bands of timestamps have their ends as nanoseconds since 1970.
                    Value::Time(t) => t.timestamp_nanos_opt().map(Decimal::from),
                    _ => None,
                };
                match x.and_then(|x| bands.iter().find(|b| b.contains(x))) {
                    Some(band) => self.eval(&band.value)?,
                    None => Value::Unknown,
                }
            }
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

    /// Whether the record on top of the frames passes every conjunct of a filter.
    fn passes(&mut self, filters: &'a [Filter]) -> Result<bool> {
        for f in filters {
            if self.eval(&f.ir)? != Value::Bool(true) {
                return Ok(false);
            }
        }
        Ok(true)
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
            let pass = self.passes(&l.filters);
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

// ------------------------------------------------------------------ explanations

/// At most this many list items are listed per value in an explanation.
const MAX_EXPLAINED_ITEMS: usize = 50;

impl Evaluator<'_> {
    /// Explains a record's outcome (as returned by [`Evaluator::evaluate`] or [`Evaluator::evaluate_all`]).
    pub fn explain(&self, id: &str, record: &Record, outcome: &Outcome) -> Result<Explanation> {
        let program = self.program;
        let mut env = Env::new(program, record);
        env.ranks = outcome.ranks.clone();
        env.waitlisted = outcome
            .rewards
            .iter()
            .map(|r| r.budget.as_ref().is_some_and(|b| !b.granted))
            .collect();
        for (i, def) in program.definitions.iter().enumerate() {
            env.compute_def(i, def)?;
        }
        let mut conditions = Vec::new();
        for (i, c) in program.conditions.iter().enumerate() {
            env.context = Context::Condition(i);
            let passed = outcome.conditions.get(i).copied().unwrap_or(false);
            let mut actual = Vec::new();
            for o in &c.operands {
                let v = env.eval(&o.ir)?;
                actual.push(format!("{} = {}", o.text, show(program, v, &o.ty)));
            }
            let to_pass = match (&c.threshold, passed) {
                (Some(t), false) => env.hint(t)?,
                _ => None,
            };
            conditions.push(ConditionLine {
                condition: c.text.clone(),
                reason: c.reason.clone(),
                passed,
                actual,
                to_pass,
            });
        }
        let mut values = Vec::new();
        for (i, def) in program.definitions.iter().enumerate() {
            let Ir::Aggregate(_, list) = &def.expr else { continue };
            env.context = Context::Definition(i);
            match def.per.and_then(|p| program.periods.get(p).map(|r| (p, r))) {
                None => {
                    let mut items = Vec::new();
                    env.trace(list, 0, String::new(), &mut items)?;
                    let result = show(program, env.defs.get(i).copied().unwrap_or(Value::Unknown), &def.ty);
                    values.push(value_line(def.name.clone(), result, items));
                }
                Some((p, range)) => {
                    for (k, period) in range.periods.iter().enumerate() {
                        env.period = Some((p, k));
                        let mut items = Vec::new();
                        env.trace(list, 0, String::new(), &mut items)?;
                        let v = env
                            .periodic
                            .get(i)
                            .and_then(|v| v.get(k))
                            .copied()
                            .unwrap_or(Value::Unknown);
                        let result = show(program, v, &def.ty);
                        values.push(value_line(format!("{}[{}]", def.name, period.key), result, items));
                    }
                    env.period = None;
                }
            }
        }
        let mut rewards = Vec::new();
        for (i, (r, o)) in program.rewards.iter().zip(&outcome.rewards).enumerate() {
            env.context = Context::Reward(i);
            rewards.push(env.reward_steps(r, o, outcome.eligible)?);
        }
        Ok(Explanation {
            id: id.to_string(),
            eligible: outcome.eligible,
            conditions,
            values,
            rewards,
        })
    }
}

fn value_line(name: String, result: String, mut items: Vec<ItemLine>) -> ValueLine {
    let more_items = items.len().saturating_sub(MAX_EXPLAINED_ITEMS);
    items.truncate(MAX_EXPLAINED_ITEMS);
    ValueLine {
        name,
        result,
        items,
        more_items,
    }
}

/// A value as people read it: amounts with their unit, percentages with `%`, times in the campaign's zone.
pub fn show(program: &Program, v: Value<'_>, ty: &Ty) -> String {
    match (v, ty) {
        (Value::Unknown, _) => "unknown".into(),
        (Value::Bool(b), _) => b.to_string(),
        (Value::Num(n), Ty::Num(Dim::Fraction)) => format!("{}%", (n * Decimal::ONE_HUNDRED).normalize()),
        (Value::Num(n), Ty::Num(Dim::Money(u) | Dim::Unit(u))) => format!("{} {u}", group_digits(n)),
        (Value::Num(n), _) => n.to_string(),
        (Value::Text(t), _) => format!("\"{t}\""),
        (Value::Choice(c), Ty::Choice(choices)) => {
            format!("\"{}\"", choices.get(c as usize).cloned().unwrap_or_default())
        }
        (Value::Choice(c), _) => c.to_string(),
        (Value::Time(t), _) => show_time(program, t),
        (Value::Duration(d), _) => show_duration(d),
        (Value::Window(w), _) => format!(
            "{} {} {}",
            show_time(program, w.start),
            if w.end_inclusive { "through" } else { ".." },
            show_window_end(program, w.end, w.end_inclusive)
        ),
        (Value::Set(items), _) => format!(
            "{{{}}}",
            items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A window's end as an author writes it: an excluded midnight is the previous day's `24:00`.
fn show_window_end(program: &Program, t: DateTime<Utc>, inclusive: bool) -> String {
    let local = t.with_timezone(&program.timezone);
    if !inclusive
        && local.time() == chrono::NaiveTime::MIN
        && let Some(day) = local.date_naive().pred_opt()
    {
        return format!("{} 24:00", day.format("%Y-%m-%d"));
    }
    show_time(program, t)
}

fn show_time(program: &Program, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&program.timezone);
    if local.timestamp_subsec_nanos() == 0 {
        local.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M:%S%.f").to_string()
    }
}

fn show_duration(d: TimeDelta) -> String {
    let secs = d.num_seconds();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    match (days, rest) {
        (0, _) => format!("{h:02}:{m:02}:{s:02}"),
        (_, 0) => format!("{days} days"),
        _ => format!("{days} days {h:02}:{m:02}:{s:02}"),
    }
}

/// `1500.01` → `1,500.01`.
fn group_digits(n: Decimal) -> String {
    let text = n.to_string();
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

impl<'a> Env<'a> {
    /// Lists the items of an aggregate's list: counted, or left out and by which filter.
    fn trace(&mut self, list: &'a ListExpr, level: usize, path: String, out: &mut Vec<ItemLine>) -> Result<()> {
        let Some(l) = list.levels.get(level) else { return Ok(()) };
        let items: &'a [Record] = match self.fact(l.frame, l.field)? {
            FactValue::List(items) => items,
            _ => &[],
        };
        let last = level + 1 == list.levels.len();
        for (index, item) in items.iter().enumerate() {
            if out.len() > MAX_EXPLAINED_ITEMS {
                // Keep counting items beyond the limit without evaluating them.
                out.push(ItemLine {
                    path: String::new(),
                    value: None,
                    counted: false,
                    left_out_by: None,
                });
                continue;
            }
            let here = if path.is_empty() {
                format!("{}[{index}]", l.name)
            } else {
                format!("{path}.{}[{index}]", l.name)
            };
            self.frames.push(item);
            let mut failed = None;
            for f in &l.filters {
                match self.eval(&f.ir) {
                    Ok(Value::Bool(true)) => {}
                    Ok(_) => {
                        failed = Some(f.text.clone());
                        break;
                    }
                    Err(e) => {
                        self.frames.pop();
                        return Err(e);
                    }
                }
            }
            let step = match failed {
                Some(why) => {
                    // The value the item would have added, had it passed (at the innermost level).
                    let value = match (&list.project, last) {
                        (Some(p), true) => self
                            .eval(p)
                            .ok()
                            .map(|v| show(self.program, v, &Ty::Num(Dim::Decimal)).replace("unknown", "—")),
                        _ => None,
                    };
                    out.push(ItemLine {
                        path: here,
                        value,
                        counted: false,
                        left_out_by: Some(why),
                    });
                    Ok(())
                }
                None if last => {
                    let value = match &list.project {
                        Some(p) => match self.eval(p) {
                            Ok(v) => Some(show(self.program, v, &Ty::Num(Dim::Decimal)).replace("unknown", "—")),
                            Err(e) => {
                                self.frames.pop();
                                return Err(e);
                            }
                        },
                        None => None,
                    };
                    out.push(ItemLine {
                        path: here,
                        value,
                        counted: true,
                        left_out_by: None,
                    });
                    Ok(())
                }
                None => self.trace(list, level + 1, here, out),
            };
            self.frames.pop();
            step?;
        }
        Ok(())
    }

    /// The smallest change that would pass a failed condition decided by one threshold.
    fn hint(&mut self, threshold: &'a Threshold) -> Result<Option<String>> {
        let program = self.program;
        Ok(match threshold {
            Threshold::Flag { subject, expected } => Some(format!("`{subject}` must be {expected}")),
            Threshold::InWindow { subject, ir, window } => match (self.eval(ir)?, self.eval(window)?) {
                (Value::Unknown, _) => Some(format!("`{subject}` is unknown; it must be a time in the window")),
                (Value::Time(t), Value::Window(w)) if t < w.start => Some(format!(
                    "`{subject}` must be at or after {}",
                    show_time(program, w.start)
                )),
                (Value::Time(_), Value::Window(w)) => Some(format!(
                    "`{subject}` must be {} {}",
                    if w.end_inclusive { "at or before" } else { "before" },
                    show_window_end(program, w.end, w.end_inclusive)
                )),
                _ => None,
            },
            Threshold::Compare {
                subject,
                ir,
                op,
                bound,
                ty,
            } => {
                let x = self.eval(ir)?;
                let bound_value = Value::of_const(bound);
                let bound_text = show(program, bound_value, ty);
                let words = match op {
                    CmpOp::Eq => "equal to",
                    CmpOp::Ne => "other than",
                    CmpOp::Lt => "below",
                    CmpOp::Le => "at most",
                    CmpOp::Gt => "above",
                    CmpOp::Ge => "at least",
                };
                match (x, bound_value) {
                    (Value::Unknown, _) => Some(format!(
                        "`{subject}` is unknown; it must be known and {words} {bound_text}"
                    )),
                    (Value::Num(x), Value::Num(c)) if !matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                        let step = match ty {
                            Ty::Num(Dim::Money(cur)) => crate::check::types::currency(cur)
                                .map(|(_, minor)| Decimal::new(1, minor))
                                .unwrap_or(Decimal::new(1, 2)),
                            Ty::Num(Dim::Unit(u)) => program
                                .units
                                .iter()
                                .find(|i| *i.name == **u)
                                .map(|i| i.precision)
                                .unwrap_or(Decimal::ONE),
                            Ty::Num(Dim::Count) => Decimal::ONE,
                            _ => Decimal::new(1, x.scale().max(c.scale()).max(2)),
                        };
                        let (diff, more) = match op {
                            CmpOp::Ge => (c - x, true),
                            CmpOp::Gt => (c + step - x, true),
                            CmpOp::Le => (x - c, false),
                            _ => (x - c + step, false),
                        };
                        let diff = diff.normalize().max(step);
                        let amount = show(program, Value::Num(diff), ty);
                        let target = if more { x + diff } else { x - diff };
                        let target_text = show(program, Value::Num(target), ty);
                        Some(format!(
                            "{amount} {} `{subject}`: {target_text} would pass (it must be {words} {bound_text})",
                            if more { "more" } else { "less" }
                        ))
                    }
                    (Value::Time(_), Value::Time(_)) | (Value::Duration(_), Value::Duration(_)) => {
                        Some(format!("`{subject}` must be {words} {bound_text}"))
                    }
                    _ => Some(format!("`{subject}` must be {words} {bound_text}")),
                }
            }
        })
    }

    fn reward_steps(&mut self, r: &'a RewardDef, o: &RewardOutcome, eligible: bool) -> Result<RewardLine> {
        let unit = &r.unit.name;
        let amount = format!("{} {unit}", group_digits(o.amount));
        let mut steps = Vec::new();
        if !eligible {
            steps.push("not eligible: nothing is paid".to_string());
            return Ok(RewardLine {
                name: r.name.clone(),
                amount,
                steps,
            });
        }
        let rounding = r
            .adjust
            .rounding
            .map(|(mode, step)| format!("rounded {} to {}", mode.words(), step));
        match (
            &o.by_period,
            r.per.and_then(|p| self.program.periods.get(p).map(|range| (p, range))),
        ) {
            (Some(paid), Some((p, range))) => {
                for (k, (period, paid)) in range.periods.iter().zip(paid).enumerate() {
                    self.period = Some((p, k));
                    let raw = match self.eval(&r.expr)? {
                        Value::Num(n) => n,
                        _ => Decimal::ZERO,
                    };
                    let mut line = format!("{}: computed {} {unit}", period.key, raw.normalize());
                    if let Some(rw) = &rounding {
                        line.push_str(&format!(", {rw}"));
                    }
                    line.push_str(&format!(", paid {paid} {unit}"));
                    steps.push(line);
                }
                self.period = None;
                if let Some(cap) = &r.adjust.at_most
                    && let Value::Num(c) = self.eval(cap)?
                {
                    steps.push(format!(
                        "at most {} {unit} in total, consumed month by month",
                        group_digits(c)
                    ));
                }
            }
            _ => {
                steps.push(format!("computed: {} {unit}", group_digits(o.raw.normalize())));
                let mut current = o.raw;
                if let Some((mode, step)) = r.adjust.rounding {
                    current = round(current, mode, step).unwrap_or(current);
                    steps.push(format!(
                        "{}: {} {unit}",
                        rounding.unwrap_or_default(),
                        group_digits(current)
                    ));
                }
                if let Some(cap) = &r.adjust.at_most
                    && let Value::Num(c) = self.eval(cap)?
                {
                    if current > c {
                        steps.push(format!("at most {} {unit}: capped", group_digits(c)));
                        current = c;
                    } else {
                        steps.push(format!("at most {} {unit}: not reached", group_digits(c)));
                    }
                }
                if let Some(floor) = &r.adjust.at_least
                    && let Value::Num(c) = self.eval(floor)?
                {
                    if current < c {
                        steps.push(format!("at least {} {unit}: raised", group_digits(c)));
                    } else {
                        steps.push(format!("at least {} {unit}: already above", group_digits(c)));
                    }
                }
            }
        }
        if let Some(b) = &o.budget {
            steps.push(format!(
                "budget for {}: place {} in the queue, {} {unit} left before this claim: {}",
                b.group,
                b.position,
                group_digits(b.remaining_before),
                if b.granted {
                    "granted"
                } else {
                    "waitlisted (the budget had run out)"
                }
            ));
        }
        Ok(RewardLine {
            name: r.name.clone(),
            amount,
            steps,
        })
    }
}
