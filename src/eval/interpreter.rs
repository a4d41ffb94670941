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

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use rayon::prelude::*;

use super::error::{EvalErrorKind, Internal, Place};
use super::explain::{ConditionLine, Explanation, ItemLine, RewardLine, ValueLine};
use super::value::*;
use crate::facts::{FactValue, Record};
use crate::program::inputs::Inputs;
use crate::program::types::{Dim, Ty};
use crate::program::*;
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
    inputs: Inputs,
    has_budget: bool,
    has_after_budget: bool,
    plan: Plan,
}

/// The state of one record between stages.
#[derive(Debug)]
struct Partial<'a> {
    defs: Vec<Value<'a>>,
    periodic: Vec<Value<'a>>,
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
    /// Prepares to evaluate a program with its defaults: every parameter at its declared
    /// value, no reference time and no holiday calendar.
    pub fn new(program: &'p Program) -> Self {
        Evaluator::with_inputs(program, Inputs::defaults(program))
    }

    /// Prepares to evaluate a program with the given parameter values, reference time and
    /// holidays.
    pub fn with_inputs(program: &'p Program, inputs: Inputs) -> Self {
        Evaluator {
            program,
            inputs,
            has_budget: program.rewards.iter().any(|r| r.budget.is_some()),
            has_after_budget: program.definitions.iter().any(|d| d.after_budget),
            plan: Plan::new(program),
        }
    }

    /// Like [`Evaluator::new`], without the single pass over lists for per-period values: the
    /// outcomes are the same, only slower. For tests that compare the two.
    #[doc(hidden)]
    pub fn plain(program: &'p Program, inputs: Inputs) -> Self {
        let mut evaluator = Evaluator::with_inputs(program, inputs);
        evaluator.plan.splits.iter_mut().for_each(|s| *s = None);
        evaluator
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
        // The streaming path: every stage in one environment, without intermediate state,
        // in buffers kept by the thread from one record to the next.
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                let mut env = Env::with_scratch(
                    self.program,
                    &self.plan,
                    &self.inputs,
                    record,
                    std::mem::take(&mut *scratch),
                );
                let result = self.evaluate_in(&mut env);
                *scratch = env.into_scratch();
                result
            }
            Err(_) => self.evaluate_in(&mut Env::new(self.program, &self.plan, &self.inputs, record)),
        })
    }

    fn evaluate_in<'a>(&'a self, env: &mut Env<'a>) -> Result<Outcome> {
        for (i, def) in self.program.definitions.iter().enumerate() {
            env.compute_def(i, def)?;
        }
        // Claims are only needed by `evaluate_all`, but computing them reports the same errors.
        self.decide(env, Vec::new(), self.has_budget)
            .map(|(outcome, _)| outcome)
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

    fn constant<'a>(&'a self, ir: &'a Ir) -> Result<Value<'a>> {
        let empty: &'static Record = &EMPTY;
        let mut env = Env::new(self.program, &self.plan, &self.inputs, empty);
        env.eval(ir)
    }

    /// Stage A: the record's own definitions and its ranking keys.
    fn stage_a<'a>(&'a self, record: &'a Record) -> Result<Partial<'a>> {
        let program = self.program;
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
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
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
        env.defs = std::mem::take(&mut partial.defs);
        env.periodic = std::mem::take(&mut partial.periodic);
        env.ranks = partial.ranks.clone();
        for (i, def) in program.definitions.iter().enumerate() {
            if def.after_rank && !def.after_budget {
                env.compute_def(i, def)?;
            }
        }
        let (outcome, claims) = self.decide(&mut env, partial.ranks.clone(), true)?;
        partial.outcome = outcome;
        partial.claims = claims;
        partial.defs = env.defs;
        partial.periodic = env.periodic;
        Ok(())
    }

    /// Conditions, rewards and budget claims of a record whose definitions are computed.
    #[expect(
        clippy::type_complexity,
        reason = "the outcome with the record's claims, in the shape of `Partial::claims` that they fill; an alias for one use would hide it"
    )]
    fn decide<'a>(
        &'a self,
        env: &mut Env<'a>,
        ranks: Vec<Option<usize>>,
        want_claims: bool,
    ) -> Result<(Outcome, Vec<Option<(String, QueueKey)>>)> {
        let program = self.program;
        let mut conditions = Vec::with_capacity(program.conditions.len());
        for (i, c) in program.conditions.iter().enumerate() {
            env.context = Context::Condition(i);
            match env.truth(&c.expr).map_err(|e| *e)? {
                Truth::True => conditions.push(true),
                Truth::False => conditions.push(false),
                Truth::Unknown | Truth::Other => {
                    let other = env.eval(&c.expr)?;
                    return Err(env.fail(EvalErrorKind::Undecided(format!("{other:?}"))));
                }
            }
        }
        let eligible = conditions.iter().all(|c| *c);
        let mut rewards = Vec::with_capacity(program.rewards.len());
        let mut claims = Vec::with_capacity(if want_claims { program.rewards.len() } else { 0 });
        for (i, r) in program.rewards.iter().enumerate() {
            env.context = Context::Reward(i);
            let outcome = env.reward(r, eligible)?;
            let claim = match &r.budget {
                Some(b) if want_claims && eligible && outcome.amount > Decimal::ZERO => {
                    let group = match &b.group {
                        Some((unit, ir)) => match env.eval(ir)? {
                            Value::Time(t) => period_key(program.timezone, *unit, t),
                            _ => return Err(env.fail(EvalErrorKind::UnknownBudgetPeriod)),
                        },
                        None => "total".to_string(),
                    };
                    let key = match QueueKey::of(env.eval(&b.order)?) {
                        Some(k) => k,
                        None => return Err(env.fail(EvalErrorKind::UnknownQueueOrder)),
                    };
                    Some((group, key))
                }
                _ => None,
            };
            rewards.push(outcome);
            if want_claims {
                claims.push(claim);
            }
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
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
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
    /// What this evaluation was given: parameter values, reference time, holidays.
    inputs: &'a Inputs,
    frames: Vec<&'a Record>,
    defs: Vec<Value<'a>>,
    /// The values of per-period definitions, one run of `count` values per definition (see [`Plan`]).
    periodic: Vec<Value<'a>>,
    plan: &'a Plan,
    period: Option<(usize, usize)>,
    waitlisted: Vec<bool>,
    context: Context,
    /// Derived fields computed so far, by (record address, level, index), as positions in `cached`.
    derived_cache: FxHashMap<(usize, usize, usize), u32>,
    /// The record's place in each ranking.
    ranks: Vec<Option<usize>>,
    /// Aggregates that read only the top-level record, by (node address, period), as positions in `cached`.
    aggregate_cache: FxHashMap<(usize, Option<(usize, usize)>), u32>,
    /// The values the two caches point to.
    cached: Vec<Value<'a>>,
    /// The accumulators of an aggregate per period in one pass.
    accumulators: Vec<Accumulator<'a>>,
    /// Flat computed fields: the item (by address; 0 for none) each slot holds a value for.
    flat_derived: Vec<(usize, Value<'a>)>,
}

/// What the evaluator works out once per program: where per-period definitions' values live in
/// [`Env::periodic`], which of them are computed in one pass, which computed fields are flat.
#[derive(Debug, Default)]
struct Plan {
    /// For each definition: the start of its run of values and its length (0 for definitions
    /// not per period).
    runs: Vec<(usize, usize)>,
    /// The total length.
    total: usize,
    /// For each definition: how to compute all its periods in one pass over its list, when it can be.
    splits: Vec<Option<PeriodSplit>>,
    /// For each list level and computed field: its slot in [`Env::flat_derived`] when the field
    /// is flat (see [`flat_fields`]).
    flat: Vec<Vec<Option<usize>>>,
    /// The number of such slots.
    flat_count: usize,
}

/// A per-period aggregate whose list has one filter conjunct that places an item in a period
/// (`redeemed_at in month`) and none other that depends on the period. Instead of one pass over
/// the list per period, one pass finds each item's period by the timestamp (a binary search of
/// the periods, which are in calendar order and do not overlap) and adds the item to that
/// period's total. Every other conjunct is evaluated once per item instead of once per period.
#[derive(Debug, Clone, Copy)]
struct PeriodSplit {
    /// The list level and the position of the conjunct among that level's filters.
    level: usize,
    conjunct: usize,
}

impl Plan {
    fn new(program: &Program) -> Self {
        let mut runs = Vec::with_capacity(program.definitions.len());
        let mut splits = Vec::with_capacity(program.definitions.len());
        let mut total = 0usize;
        for def in &program.definitions {
            let range = def.per.and_then(|p| program.periods.get(p));
            let count = range.map_or(0, |r| r.periods.len());
            runs.push((total, count));
            total += count;
            splits.push(range.and_then(|range| PeriodSplit::of(program, def, range)));
        }
        let (flat, flat_count) = flat_fields(program);
        Plan {
            runs,
            total,
            splits,
            flat,
            flat_count,
        }
    }
}

/// The computed fields that iterate no list, directly or through the fields they use
/// (`qualifying` of mini programs: a conjunction of its facts). Such a field is computed at most
/// once per visit of its item without a general cache: one slot per field, holding the value for
/// the item last computed, is enough, because computing it visits no other item of its level.
fn flat_fields(program: &Program) -> (Vec<Vec<Option<usize>>>, usize) {
    // Fields only use fields declared before them or of outer levels, but a fixed point is
    // simpler than relying on that order: start from "flat" and remove until nothing changes.
    let mut flat: Vec<Vec<bool>> = program
        .levels
        .iter()
        .map(|l| {
            l.derived
                .iter()
                .map(|d| !d.expr.any(&mut |n| matches!(n, Ir::Aggregate(..))))
                .collect()
        })
        .collect();
    loop {
        let mut changed = false;
        for (level, l) in program.levels.iter().enumerate() {
            for (index, d) in l.derived.iter().enumerate() {
                let is_flat = |flat: &[Vec<bool>], level: usize, index: usize| {
                    flat.get(level).and_then(|f| f.get(index)).copied().unwrap_or(false)
                };
                if !is_flat(&flat, level, index) {
                    continue;
                }
                let uses_other = d.expr.any(&mut |n| match n {
                    Ir::Derived { level, index, .. } => {
                        !flat.get(*level).and_then(|f| f.get(*index)).copied().unwrap_or(false)
                    }
                    _ => false,
                });
                if uses_other && let Some(f) = flat.get_mut(level).and_then(|f| f.get_mut(index)) {
                    *f = false;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut count = 0;
    let slots = flat
        .iter()
        .map(|l| {
            l.iter()
                .map(|&f| {
                    f.then(|| {
                        count += 1;
                        count - 1
                    })
                })
                .collect()
        })
        .collect();
    (slots, count)
}

/// Whether an expression depends on the current period.
fn uses_period(ir: &Ir) -> bool {
    ir.any(&mut |n| matches!(n, Ir::PeriodWindow | Ir::DefAt(_)))
}

impl PeriodSplit {
    fn of(program: &Program, def: &Definition, range: &PeriodRange) -> Option<PeriodSplit> {
        let Ir::Aggregate(_, list) = &def.expr else { return None };
        let in_order = range.periods.windows(2).all(|pair| match pair {
            [a, b] => a.window.end < b.window.start || (a.window.end == b.window.start && !a.window.end_inclusive),
            _ => true,
        });
        let derived_use_period = program
            .levels
            .iter()
            .any(|l| l.derived.iter().any(|d| uses_period(&d.expr)));
        if !in_order || derived_use_period || list.project.as_deref().is_some_and(uses_period) {
            return None;
        }
        let mut found = None;
        for (level, l) in list.levels.iter().enumerate() {
            for (conjunct, f) in l.filters.iter().enumerate() {
                if !uses_period(&f.ir) {
                    continue;
                }
                if found.is_some() || period_subject(&f.ir).is_none() {
                    return None;
                }
                found = Some(PeriodSplit { level, conjunct });
            }
        }
        found
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

/// The period (of periods in calendar order that do not overlap) an instant falls in.
fn period_of(range: &PeriodRange, t: DateTime<Utc>) -> Option<usize> {
    let after = range.periods.partition_point(|p| p.window.start <= t);
    let k = after.checked_sub(1)?;
    range.periods.get(k).filter(|p| p.window.contains(t)).map(|_| k)
}

/// Buffers of one evaluation, kept from one record to the next so that evaluating a record
/// allocates nothing but its outcome. They hold no values between records: each evaluation
/// starts by emptying them.
#[derive(Default)]
struct Scratch {
    frames: Vec<&'static Record>,
    defs: Vec<Value<'static>>,
    periodic: Vec<Value<'static>>,
    cached: Vec<Value<'static>>,
    accumulators: Vec<Accumulator<'static>>,
    flat_derived: Vec<(usize, Value<'static>)>,
    derived_cache: FxHashMap<(usize, usize, usize), u32>,
    aggregate_cache: FxHashMap<(usize, Option<(usize, usize)>), u32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Reuses an emptied vector's allocation for elements of another lifetime. (The standard library
/// collects an emptied `into_iter` in place when the element types have the same layout; if it
/// did not, this would only allocate.)
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// Empties a cache, giving back the memory of one that a very large record made big.
fn reset<K, V>(map: &mut FxHashMap<K, V>) {
    if map.capacity() > 4096 {
        *map = FxHashMap::default();
    } else if !map.is_empty() {
        map.clear();
    }
}

impl<'a> Env<'a> {
    fn new(program: &'a Program, plan: &'a Plan, inputs: &'a Inputs, record: &'a Record) -> Self {
        Env::with_scratch(program, plan, inputs, record, Scratch::default())
    }

    fn with_scratch(
        program: &'a Program,
        plan: &'a Plan,
        inputs: &'a Inputs,
        record: &'a Record,
        scratch: Scratch,
    ) -> Self {
        let Scratch {
            frames,
            defs,
            periodic,
            cached,
            accumulators,
            flat_derived,
            mut derived_cache,
            mut aggregate_cache,
        } = scratch;
        let mut frames: Vec<&'a Record> = recycle(frames);
        frames.push(record);
        let mut defs: Vec<Value<'a>> = recycle(defs);
        defs.resize(program.definitions.len(), Value::Unknown);
        let mut periodic: Vec<Value<'a>> = recycle(periodic);
        periodic.resize(plan.total, Value::Unknown);
        reset(&mut derived_cache);
        reset(&mut aggregate_cache);
        Env {
            program,
            inputs,
            frames,
            defs,
            periodic,
            plan,
            period: None,
            waitlisted: Vec::new(),
            context: Context::Definition(0),
            derived_cache,
            ranks: Vec::new(),
            aggregate_cache,
            cached: recycle(cached),
            accumulators: recycle(accumulators),
            flat_derived: {
                let mut v: Vec<(usize, Value<'a>)> = recycle(flat_derived);
                v.resize(plan.flat_count, (0, Value::Unknown));
                v
            },
        }
    }

    /// Gives the buffers back for the next record.
    fn into_scratch(self) -> Scratch {
        Scratch {
            frames: recycle(self.frames),
            defs: recycle(self.defs),
            periodic: recycle(self.periodic),
            cached: recycle(self.cached),
            accumulators: recycle(self.accumulators),
            flat_derived: recycle(self.flat_derived),
            derived_cache: self.derived_cache,
            aggregate_cache: self.aggregate_cache,
        }
    }

    /// A per-period definition's value for period `k`.
    fn periodic_at(&self, def: usize, k: usize) -> Value<'a> {
        match self.plan.runs.get(def) {
            Some(&(start, count)) if k < count => self.periodic.get(start + k).copied().unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        }
    }

    /// A per-period definition's values, one per period.
    fn periodic_run(&self, def: usize) -> &[Value<'a>] {
        match self.plan.runs.get(def) {
            Some(&(start, count)) => self.periodic.get(start..start + count).unwrap_or(&[]),
            None => &[],
        }
    }

    /// An error of this kind, placed in the definition, condition or reward being evaluated.
    fn fail(&self, kind: EvalErrorKind) -> EvalError {
        let place = match self.context {
            Context::Definition(i) => self
                .program
                .definitions
                .get(i)
                .map_or(Place::Nowhere, |d| Place::Definition(d.name.clone())),
            Context::Condition(i) => self
                .program
                .conditions
                .get(i)
                .map_or(Place::Nowhere, |c| Place::Condition(c.text.clone())),
            Context::Reward(i) => self
                .program
                .rewards
                .get(i)
                .map_or(Place::Nowhere, |r| Place::Reward(r.name.clone())),
        };
        EvalError::new(kind, place)
    }

    fn overflow(&self) -> EvalError {
        self.fail(EvalErrorKind::Overflow)
    }

    fn compute_def(&mut self, i: usize, def: &'a Definition) -> Result<()> {
        self.context = Context::Definition(i);
        match def.per {
            None => {
                let v = match &def.expr {
                    // Computed once here: no use for the cache of record-wide aggregates.
                    Ir::Aggregate(op, list) => self.aggregate(*op, list)?,
                    other => self.operand(other)?,
                };
                let v = self.adjust(v, &def.adjust)?;
                if let Some(slot) = self.defs.get_mut(i) {
                    *slot = v;
                }
            }
            Some(p) => {
                let (start, count) = self.plan.runs.get(i).copied().unwrap_or((0, 0));
                if let (Some(Some(split)), Ir::Aggregate(op, list), Some(range)) =
                    (self.plan.splits.get(i), &def.expr, self.program.periods.get(p))
                {
                    // On an error, the pass per period below runs and reports it as it always has.
                    if self.aggregate_by_period(*op, list, *split, range, start).is_ok() {
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

    fn adjust_number(&self, v: Value<'a>, adjust: &'a Adjust) -> Result<Value<'a>> {
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
                    inputs: self.inputs,
                    frames: self.frames.clone(),
                    defs: self.defs.clone(),
                    periodic: self.periodic.clone(),
                    plan: self.plan,
                    period: self.period,
                    waitlisted: self.waitlisted.clone(),
                    context: self.context,
                    derived_cache: FxHashMap::default(),
                    ranks: self.ranks.clone(),
                    aggregate_cache: FxHashMap::default(),
                    cached: Vec::new(),
                    accumulators: Vec::new(),
                    flat_derived: vec![(0, Value::Unknown); self.plan.flat_count],
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
                        _ => return Err(self.fail(EvalErrorKind::UnknownExpiry)),
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
                _ => return Err(self.fail(EvalErrorKind::UnknownPaymentDate)),
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
        // The commonest reward, an amount times a rate, without the general evaluation.
        if let Ir::Arith(ArithOp::Mul, a, b) = ir
            && let (Value::Num(x), Value::Num(y)) = (self.operand(a)?, self.operand(b)?)
        {
            return x.checked_mul(y).ok_or_else(|| self.overflow());
        }
        match self.operand(ir)? {
            Value::Num(n) => Ok(n),
            _ => Err(self.fail(EvalErrorKind::UnknownAmount)),
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
            .ok_or_else(|| self.fail(EvalErrorKind::Internal(Internal::MissingFact)))
    }

    /// A fact's value as a value of the expression language.
    #[inline]
    fn fact_value(&self, frame: usize, field: usize) -> Result<Value<'a>> {
        Ok(match self.fact(frame, field)? {
            FactValue::Unknown => Value::Unknown,
            FactValue::Bool(b) => Value::Bool(*b),
            FactValue::Number(n) => Value::Num(*n),
            FactValue::Text(t) => Value::Text(t.as_str()),
            FactValue::Choice(c) => Value::Choice(*c),
            FactValue::Time(t) => Value::Time(*t),
            FactValue::Seconds(s) => Value::Duration(TimeDelta::try_seconds(*s).ok_or_else(|| self.overflow())?),
            FactValue::List(_) => return Err(self.fail(EvalErrorKind::Internal(Internal::ListAsValue))),
        })
    }

    /// Evaluates an operand: constants, definitions and the usual facts, the commonest, without
    /// a call of [`Env::eval`] (whose result travels through memory).
    #[inline(always)]
    fn operand(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        match ir {
            Ir::Const(c) => Ok(Value::of_const(c)),
            Ir::Def(i) => Ok(self.defs.get(*i).copied().unwrap_or(Value::Unknown)),
            Ir::DefAt(i) => Ok(match self.period {
                Some((_, k)) => self.periodic_at(*i, k),
                None => Value::Unknown,
            }),
            Ir::Fact { frame, field } => match self.frames.get(*frame).and_then(|r| r.values.get(*field)) {
                Some(FactValue::Number(n)) => Ok(Value::Num(*n)),
                Some(FactValue::Time(t)) => Ok(Value::Time(*t)),
                Some(FactValue::Unknown) => Ok(Value::Unknown),
                _ => self.eval(ir),
            },
            _ => self.eval(ir),
        }
    }

    /// Evaluates an expression. The arms here are the ones list filters and amounts run for every
    /// item; the rest are in [`Env::eval_rare`], so that this function, which recurses, stays small.
    fn eval(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        Ok(match ir {
            Ir::Const(c) => Value::of_const(c),
            Ir::Fact { frame, field } => self.fact_value(*frame, *field)?,
            Ir::FactCompare {
                frame,
                field,
                op,
                value,
            } => compare_with(*op, self.fact_value(*frame, *field)?, Value::of_const(value)),
            Ir::FactInWindow { frame, field, window } => match self.fact_value(*frame, *field)? {
                Value::Time(t) => Value::Bool(window.contains(t)),
                _ => Value::Unknown,
            },
            Ir::FactInSet { frame, field, set } => match self.fact_value(*frame, *field)? {
                Value::Text(t) => Value::Bool(set_contains(set, t)),
                _ => Value::Unknown,
            },
            Ir::Derived { frame, level, index } => self.derived(*frame, *level, *index)?,
            Ir::Def(i) => self.defs.get(*i).copied().unwrap_or(Value::Unknown),
            Ir::DefAt(i) => match self.period {
                Some((_, k)) => self.periodic_at(*i, k),
                None => Value::Unknown,
            },
            Ir::Not(a) => match self.eval(a)? {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Unknown,
            },
            // Kleene: the first false decides (the rest is not evaluated); else any unknown
            // (or non-truth) operand makes the whole unknown.
            Ir::And(operands) => {
                let mut all = Value::Bool(true);
                for x in operands {
                    match self.eval(x)? {
                        Value::Bool(false) => return Ok(Value::Bool(false)),
                        Value::Bool(true) => {}
                        _ => all = Value::Unknown,
                    }
                }
                all
            }
            Ir::Or(operands) => {
                let mut none = Value::Bool(false);
                for x in operands {
                    match self.eval(x)? {
                        Value::Bool(true) => return Ok(Value::Bool(true)),
                        Value::Bool(false) => {}
                        _ => none = Value::Unknown,
                    }
                }
                none
            }
            Ir::Arith(op, a, b) => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                self.arith(*op, x, y)?
            }
            Ir::ArithChain { first, rest } => {
                let mut acc = self.operand(first)?;
                for (op, x) in rest {
                    let y = self.operand(x)?;
                    acc = self.arith(*op, acc, y)?;
                }
                acc
            }
            Ir::Compare(op, a, b) => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                compare_with(*op, x, y)
            }
            Ir::InWindow(v, w) => match (self.operand(v)?, self.operand(w)?) {
                (Value::Time(t), Value::Window(w)) => Value::Bool(w.contains(t)),
                _ => Value::Unknown,
            },
            Ir::InSet(v, s) => match (self.operand(v)?, self.operand(s)?) {
                (Value::Text(t), Value::Set(set)) => Value::Bool(set_contains(set, t)),
                _ => Value::Unknown,
            },
            Ir::IsKnown(a) => Value::Bool(!self.eval(a)?.is_unknown()),
            Ir::IfUnknown(a, b) => match self.eval(a)? {
                Value::Unknown => self.operand(b)?,
                v => v,
            },
            Ir::Aggregate(op, list) => self.aggregate_node(*op, list)?,
            _ => self.eval_rare(ir)?,
        })
    }

    /// The arms of [`Env::eval`] that are not run for every list item.
    #[inline(never)]
    fn eval_rare(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        Ok(match ir {
            Ir::Unknown => Value::Unknown,
            Ir::Param(i) => match self.inputs.params.get(*i) {
                Some(value) => Value::of_const(value),
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
            Ir::AggregatePeriods(op, i) => {
                let mut acc = Accumulator::new(*op);
                for v in self.periodic_run(*i) {
                    let added = match v {
                        Value::Num(n) => acc.add_num(*n),
                        other => acc.add(*other),
                    };
                    added.ok_or_else(|| self.overflow())?;
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
            Ir::AsOf => match self.inputs.as_of {
                Some(t) => Value::Time(t),
                None => return Err(self.fail(EvalErrorKind::NoReferenceTime)),
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
                super::calendar::apply(self.program, self.inputs, *func, &values)
                    .map_err(|e| self.fail(EvalErrorKind::Calendar(e)))?
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
            // The arms `eval` handles itself, listed so that a new node does not compile until
            // one of the two says how it is evaluated.
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
            | Ir::Aggregate(..) => return Err(self.fail(EvalErrorKind::Internal(Internal::NotEvaluated))),
        })
    }

    /// A computed field of the record in `frame`, cached per record item: fields built from
    /// other fields could otherwise take exponential time.
    #[inline(never)]
    fn derived(&mut self, frame: usize, level: usize, index: usize) -> Result<Value<'a>> {
        let address = self
            .frames
            .get(frame)
            .map(|r| std::ptr::from_ref::<Record>(*r) as usize)
            .unwrap_or(0);
        let flat = self.plan.flat.get(level).and_then(|l| l.get(index)).copied().flatten();
        if let Some(slot) = flat {
            if let Some(&(held, v)) = self.flat_derived.get(slot)
                && held == address
                && address != 0
            {
                return Ok(v);
            }
            let derived = self
                .program
                .levels
                .get(level)
                .and_then(|l| l.derived.get(index))
                .ok_or_else(|| self.fail(EvalErrorKind::Internal(Internal::UnknownComputedField)))?;
            // It iterates no list, so the frames above its own need not be set aside.
            let v = self.derived_value(derived)?;
            if let Some(entry) = self.flat_derived.get_mut(slot) {
                *entry = (address, v);
            }
            return Ok(v);
        }
        let key = (address, level, index);
        if let Some(v) = self
            .derived_cache
            .get(&key)
            .and_then(|&slot| self.cached.get(slot as usize))
        {
            return Ok(*v);
        }
        let derived = self
            .program
            .levels
            .get(level)
            .and_then(|l| l.derived.get(index))
            .ok_or_else(|| self.fail(EvalErrorKind::Internal(Internal::UnknownComputedField)))?;
        // The field sees its own record's frame on top, as where it was defined.
        let cut = (frame + 1).min(self.frames.len());
        let outer: SmallVec<[&'a Record; 8]> = self.frames.drain(cut..).collect();
        let v = self.derived_value(derived);
        self.frames.extend(outer);
        let v = v?;
        if let Ok(slot) = u32::try_from(self.cached.len()) {
            self.cached.push(v);
            self.derived_cache.insert(key, slot);
        }
        Ok(v)
    }

    fn derived_value(&mut self, derived: &'a Derived) -> Result<Value<'a>> {
        if derived.ty == Ty::Bool {
            // Usually a conjunction of tests (`bound and fee_rate ≥ 2% and not local_life`).
            match self.truth(&derived.expr).map_err(|e| *e)? {
                Truth::True => Ok(Value::Bool(true)),
                Truth::False => Ok(Value::Bool(false)),
                Truth::Unknown => Ok(Value::Unknown),
                Truth::Other => self.eval(&derived.expr),
            }
        } else {
            self.eval(&derived.expr)
        }
    }

    /// An aggregate; one that reads only the top-level record is computed once per record (and
    /// period): inside another list's filter it would otherwise be recomputed for every item.
    #[inline(never)]
    fn aggregate_node(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Value<'a>> {
        if !list.record_invariant {
            return self.aggregate(op, list);
        }
        let key = (std::ptr::from_ref::<ListExpr>(list) as usize, self.period);
        if let Some(v) = self
            .aggregate_cache
            .get(&key)
            .and_then(|&slot| self.cached.get(slot as usize))
        {
            return Ok(*v);
        }
        let v = self.aggregate(op, list)?;
        if let Ok(slot) = u32::try_from(self.cached.len()) {
            self.cached.push(v);
            self.aggregate_cache.insert(key, slot);
        }
        Ok(v)
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
            _ => return Err(self.fail(EvalErrorKind::Internal(Internal::WrongKinds))),
        })
    }

    fn aggregate(&mut self, op: AggOp, list: &'a ListExpr) -> Result<Value<'a>> {
        let mut acc = Accumulator::new(op);
        let mut failed = false;
        self.iterate(list, 0, &mut |env: &mut Env<'a>| {
            if env.project(list.project.as_deref(), &mut acc)?.is_none() {
                failed = true;
            }
            Ok(())
        })?;
        if failed {
            return Err(self.overflow());
        }
        acc.finish().ok_or_else(|| self.overflow())
    }

    /// An aggregate per period in one pass over the list (see [`PeriodSplit`]), its values
    /// written to `periodic` from `start` on.
    fn aggregate_by_period(
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
        let mut failed = false;
        let pass = self.iterate_by_period(list, 0, split, range, None, &mut accumulators, &mut failed);
        let mut result = pass.and_then(|()| if failed { Err(self.overflow()) } else { Ok(()) });
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

    #[expect(
        clippy::too_many_arguments,
        reason = "the state of one recursion over nested lists, shared with `visit_by_period`; a struct for two functions would only rename it"
    )]
    fn iterate_by_period(
        &mut self,
        list: &'a ListExpr,
        level: usize,
        split: PeriodSplit,
        range: &'a PeriodRange,
        period: Option<usize>,
        accumulators: &mut [Accumulator<'a>],
        failed: &mut bool,
    ) -> Result<()> {
        let Some(l) = list.levels.get(level) else { return Ok(()) };
        let items: &'a [Record] = match self.fact(l.frame, l.field)? {
            FactValue::List(items) => items,
            _ => &[],
        };
        let last = level + 1 == list.levels.len();
        for item in items {
            self.frames.push(item);
            let step = self.visit_by_period(list, level, split, range, period, accumulators, failed, last);
            self.frames.pop();
            step?;
        }
        Ok(())
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the state of one recursion over nested lists, shared with `iterate_by_period`; a struct for two functions would only rename it"
    )]
    fn visit_by_period(
        &mut self,
        list: &'a ListExpr,
        level: usize,
        split: PeriodSplit,
        range: &'a PeriodRange,
        mut period: Option<usize>,
        accumulators: &mut [Accumulator<'a>],
        failed: &mut bool,
        last: bool,
    ) -> Result<()> {
        let Some(l) = list.levels.get(level) else { return Ok(()) };
        for (j, f) in l.filters.iter().enumerate() {
            if level == split.level && j == split.conjunct {
                let Some(subject) = period_subject(&f.ir) else {
                    return Ok(());
                };
                match self.operand(subject)? {
                    Value::Time(t) => match period_of(range, t) {
                        Some(k) => period = Some(k),
                        None => return Ok(()),
                    },
                    _ => return Ok(()),
                }
            } else if self.test(&f.ir).map_err(|e| *e)? != Truth::True {
                return Ok(());
            }
        }
        if !last {
            return self.iterate_by_period(list, level + 1, split, range, period, accumulators, failed);
        }
        if let Some(acc) = period.and_then(|k| accumulators.get_mut(k))
            && self.project(list.project.as_deref(), acc)?.is_none()
        {
            *failed = true;
        }
        Ok(())
    }

    /// Adds the item on top of the frames to an aggregate: its projection (`gmv` of `sum of
    /// sales.gmv`), or the item itself for `count`. `None` on overflow.
    #[inline]
    fn project(&mut self, project: Option<&'a Ir>, acc: &mut Accumulator<'a>) -> Result<Option<()>> {
        Ok(match project {
            // The commonest case, a sum of amounts: added in place, without building a value.
            Some(&Ir::Fact { frame, field }) => match self.fact(frame, field)? {
                FactValue::Number(n) => acc.add_num(*n),
                _ => acc.add(self.fact_value(frame, field)?),
            },
            Some(p) => acc.add(self.operand(p)?),
            None => acc.add(Value::Bool(true)),
        })
    }

    /// Whether the record on top of the frames passes every conjunct of a filter.
    fn passes(&mut self, filters: &'a [Filter]) -> Result<bool> {
        for f in filters {
            if self.test(&f.ir).map_err(|e| *e)? != Truth::True {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// [`Env::truth`], with the tests of a fact done in place rather than by a call.
    #[inline(always)]
    fn test(&mut self, ir: &'a Ir) -> std::result::Result<Truth, Box<EvalError>> {
        match ir {
            Ir::FactCompare { .. } | Ir::FactInWindow { .. } | Ir::FactInSet { .. } | Ir::Fact { .. } => {
                self.test_fact(ir)
            }
            _ => self.truth(ir),
        }
    }

    /// A test of a fact against constants, as [`Env::eval`] decides it.
    #[inline(always)]
    fn test_fact(&mut self, ir: &'a Ir) -> std::result::Result<Truth, Box<EvalError>> {
        Ok(match ir {
            Ir::FactCompare {
                frame,
                field,
                op,
                value,
            } => match (self.fact(*frame, *field)?, value) {
                (FactValue::Number(x), Const::Num(c)) => Truth::of(op_holds(*op, x.cmp(c))),
                (FactValue::Text(x), Const::Text(c)) => match op {
                    CmpOp::Eq => Truth::of(text_eq(x, c)),
                    CmpOp::Ne => Truth::of(!text_eq(x, c)),
                    _ => Truth::of(op_holds(*op, (**x).cmp(&**c))),
                },
                (FactValue::Time(x), Const::Time(c)) => Truth::of(op_holds(*op, x.cmp(c))),
                (FactValue::Unknown, _) => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            Ir::FactInWindow { frame, field, window } => match self.fact(*frame, *field)? {
                FactValue::Time(t) => Truth::of(window.contains(*t)),
                FactValue::Unknown => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            Ir::FactInSet { frame, field, set } => match self.fact(*frame, *field)? {
                FactValue::Text(t) => Truth::of(set_contains(set, t)),
                FactValue::Unknown => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            Ir::Fact { frame, field } => match self.fact(*frame, *field)? {
                FactValue::Bool(b) => Truth::of(*b),
                FactValue::Unknown => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            _ => Truth::of_value(self.eval(ir)?),
        })
    }

    /// Evaluates a filter conjunct as [`Env::eval`] would, to what filters need of the value.
    ///
    /// Filters run for every list item, and most are a fact tested against a constant: this
    /// reads the fact and tests it without building a [`Value`], and returns a byte and a
    /// pointer (in registers) instead of a value written through memory.
    fn truth(&mut self, ir: &'a Ir) -> std::result::Result<Truth, Box<EvalError>> {
        Ok(match ir {
            Ir::FactCompare { .. } | Ir::FactInWindow { .. } | Ir::FactInSet { .. } | Ir::Fact { .. } => {
                self.test_fact(ir)?
            }
            Ir::Not(a) => match self.test(a)? {
                Truth::True => Truth::False,
                Truth::False => Truth::True,
                Truth::Unknown | Truth::Other => Truth::Unknown,
            },
            Ir::And(operands) => {
                let mut all = Truth::True;
                for x in operands {
                    match self.test(x)? {
                        Truth::False => return Ok(Truth::False),
                        Truth::True => {}
                        Truth::Unknown | Truth::Other => all = Truth::Unknown,
                    }
                }
                all
            }
            Ir::Or(operands) => {
                let mut none = Truth::False;
                for x in operands {
                    match self.test(x)? {
                        Truth::True => return Ok(Truth::True),
                        Truth::False => {}
                        Truth::Unknown | Truth::Other => none = Truth::Unknown,
                    }
                }
                none
            }
            Ir::IfUnknown(a, b) => match self.truth(a)? {
                Truth::Unknown => self.truth(b)?,
                known => known,
            },
            Ir::Const(Const::Bool(b)) => Truth::of(*b),
            Ir::Derived { frame, level, index } => Truth::of_value(self.derived(*frame, *level, *index)?),
            Ir::Compare(op, a, b) => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                Truth::of_value(compare_with(*op, x, y))
            }
            _ => Truth::of_value(self.eval(ir)?),
        })
    }

    fn iterate<F: FnMut(&mut Env<'a>) -> Result<()>>(
        &mut self,
        list: &'a ListExpr,
        level: usize,
        f: &mut F,
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

/// What a filter needs to know of a value: true, false, unknown, or something else (a value
/// that is not a truth value at all, which a well-typed campaign never gives, kept apart so that
/// [`Env::truth`] decides exactly as [`Env::eval`] in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    False,
    True,
    Unknown,
    Other,
}

impl Truth {
    #[inline]
    fn of(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    fn of_value(v: Value<'_>) -> Truth {
        match v {
            Value::Bool(b) => Truth::of(b),
            Value::Unknown => Truth::Unknown,
            _ => Truth::Other,
        }
    }
}

/// Whether an ordering satisfies a comparison.
#[inline]
fn op_holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// `x op y`: unknown when either is unknown.
#[inline]
fn compare_with(op: CmpOp, x: Value<'_>, y: Value<'_>) -> Value<'static> {
    // Equality of texts needs no order: lengths first, then bytes.
    if let (CmpOp::Eq | CmpOp::Ne, Value::Text(a), Value::Text(b)) = (op, x, y) {
        return Value::Bool(text_eq(a, b) == (op == CmpOp::Eq));
    }
    match compare(x, y) {
        Some(ord) => Value::Bool(op_holds(op, ord)),
        None => Value::Unknown,
    }
}

/// Whether two texts are equal. Category names and ids are short: compared by length, then
/// eight bytes at a time, without a call of the C library's `memcmp`.
#[inline]
fn text_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 32 {
        return a == b;
    }
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    for (x, y) in (&mut a_words).zip(&mut b_words) {
        match (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) {
            (Ok(x), Ok(y)) if u64::from_ne_bytes(x) == u64::from_ne_bytes(y) => {}
            _ => return false,
        }
    }
    a_words.remainder().iter().zip(b_words.remainder()).all(|(x, y)| x == y)
}

/// Whether a sorted set holds a text. Small sets (the usual category lists) are scanned, which
/// rejects most texts on their length alone.
#[inline]
fn set_contains(set: &[std::sync::Arc<str>], t: &str) -> bool {
    if set.len() <= 8 {
        set.iter().any(|x| text_eq(x, t))
    } else {
        set.binary_search_by(|x| (**x).cmp(t)).is_ok()
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
}

impl<'a> Accumulator<'a> {
    fn new(op: AggOp) -> Self {
        Accumulator {
            op,
            count: 0,
            sum: None,
            any: false,
            all: true,
            distinct: None,
        }
    }

    /// Adds a number; `None` on overflow. The same as `add(Value::Num(n))`.
    #[inline]
    fn add_num(&mut self, n: Decimal) -> Option<()> {
        if !matches!(self.op, AggOp::Sum | AggOp::Average) {
            return self.add(Value::Num(n));
        }
        self.count += 1;
        match &mut self.sum {
            Some(Value::Num(total)) => *total = total.checked_add(n)?,
            None => self.sum = Some(Value::Num(n)),
            Some(other) => *other = Value::Unknown,
        }
        Some(())
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
                self.distinct.get_or_insert_default().insert(key);
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

    fn finish(self) -> Option<Value<'a>> {
        Some(match self.op {
            AggOp::Count => Value::Num(Decimal::from(self.count)),
            AggOp::CountDistinct => Value::Num(Decimal::from(self.distinct.map_or(0, |d| d.len()))),
            AggOp::Sum => self.sum.unwrap_or(Value::Num(Decimal::ZERO)),
            AggOp::Average => match self.sum {
                Some(Value::Num(s)) if self.count > 0 => Value::Num(s.checked_div(Decimal::from(self.count))?),
                _ => Value::Unknown,
            },
            AggOp::Min | AggOp::Max => self.sum.unwrap_or(Value::Unknown),
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
    if step.mantissa() == 1 {
        // A step of 1, 0.1, 0.01...: rounding to that many decimals is the same, without a division.
        return Some(with_scale(n.round_dp_with_strategy(step.scale(), strategy), step));
    }
    let units = n.checked_div(step)?.round_dp_with_strategy(0, strategy);
    let rounded = units.checked_mul(step)?;
    Some(with_scale(rounded, step))
}

/// Shows an amount with exactly the decimals of its payable step (`0.00` for fen), never `-0`.
pub fn with_scale(n: Decimal, step: Decimal) -> Decimal {
    if step.mantissa() == 1 && n.scale() == step.scale() && !(n.is_zero() && n.is_sign_negative()) {
        // Already shown with the step's decimals (the usual case after rounding).
        return n;
    }
    let mut out = n;
    if out.is_zero() {
        out.set_sign_positive(true);
    }
    let scale = if step.mantissa() == 1 {
        step.scale()
    } else {
        step.normalize().scale()
    };
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
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
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
                        let v = env.periodic_at(i, k);
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
                            Ty::Num(Dim::Money(cur)) => crate::program::types::currency(cur)
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

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        reason = "a test stops at its first surprise: unwrap says plainly what went wrong"
    )]

    use super::*;
    use std::sync::Arc;

    #[test]
    fn texts_compare_byte_for_byte() {
        let texts = [
            "",
            "a",
            "购物",
            "教育培训",
            "教育培训 ",
            "学习/读书卡",
            "学历资格/职业技能培训",
            "abcdefgh",
            "abcdefgi",
            "abcdefghabcdefgh1",
            "abcdefghabcdefgh2",
            "x".repeat(40).leak(),
        ];
        for a in texts {
            for b in texts {
                assert_eq!(text_eq(a, b), a == b, "{a:?} vs {b:?}");
            }
        }
        let long_a = format!("{}a", "y".repeat(40));
        let long_b = format!("{}b", "y".repeat(40));
        assert!(!text_eq(&long_a, &long_b));
    }

    #[test]
    fn sets_small_and_large_agree_with_a_search() {
        let small: Vec<Arc<str>> = ["a", "bb", "学习/读书卡"].iter().map(|s| Arc::from(*s)).collect();
        let large: Vec<Arc<str>> = (0..20).map(|i| Arc::from(format!("c{i:02}"))).collect();
        for set in [&small, &large] {
            for probe in ["a", "bb", "b", "学习/读书卡", "c05", "c5", "c19", "c20", ""] {
                assert_eq!(set_contains(set, probe), set.iter().any(|x| &**x == probe), "{probe}");
            }
        }
    }

    #[test]
    fn rounding_to_a_power_of_ten_matches_rounding_by_division() {
        let steps = ["1", "0.1", "0.01", "0.001", "10", "100", "0.05", "0.25"];
        let values = [
            "0",
            "0.005",
            "0.015",
            "-0.015",
            "1.2345",
            "2.5",
            "-2.5",
            "123456.785",
            "0.0049999",
        ];
        let modes = [
            RoundingMode::Down,
            RoundingMode::Up,
            RoundingMode::HalfUp,
            RoundingMode::HalfDown,
            RoundingMode::HalfEven,
        ];
        for step in steps {
            let step: Decimal = step.parse().unwrap();
            for value in values {
                let n: Decimal = value.parse().unwrap();
                for mode in modes {
                    let strategy = match mode {
                        RoundingMode::Down => RoundingStrategy::ToZero,
                        RoundingMode::Up => RoundingStrategy::AwayFromZero,
                        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
                        RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
                        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
                    };
                    let by_division = (n / step).round_dp_with_strategy(0, strategy) * step;
                    let rounded = round(n, mode, step).unwrap();
                    assert_eq!(rounded, by_division, "{n} to {step} {mode:?}");
                    assert_eq!(rounded.to_string(), with_scale(by_division, step).to_string());
                }
            }
        }
    }
}
