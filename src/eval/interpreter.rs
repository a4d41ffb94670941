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
//!
//! This file holds the stages and the population; how one node evaluates is
//! in [`super::reference`], the shortcuts in [`super::fast`].

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use rayon::prelude::*;

use super::env::{Context, Env, Result, SCRATCH};
use super::error::EvalErrorKind;
use super::fast::Shortcuts;
use super::plan::Plan;
use super::value::*;
use crate::facts::Record;
use crate::program::inputs::Inputs;
use crate::program::*;

/// Evaluates one program against records.
///
/// A record goes through up to three stages: its own definitions (stage A);
/// once every record is ranked, the definitions that use rankings, the
/// conditions and the rewards (stage B); once budgets are allocated, the
/// definitions that use `is waitlisted` (stage C). Campaigns without rankings
/// or budgets run all three per record, streaming.
#[derive(Debug)]
pub struct Evaluator<'p> {
    pub(super) program: &'p Program,
    pub(super) inputs: Inputs,
    pub(super) has_budget: bool,
    pub(super) has_after_budget: bool,
    /// Whether some reward reads `REWARD is earned`: only then is it recorded per reward.
    reads_earned: bool,
    pub(super) plan: Plan<'p>,
}

/// The state of one record between stages.
#[derive(Debug)]
pub(super) struct Partial<'a> {
    defs: Vec<Value<'a>>,
    periodic: Vec<Value<'a>>,
    /// For each place of each ranking ([`RankingDef::slot`]): the record's group and order keys
    /// (none when a key is unknown).
    pub(super) rank_keys: Vec<Option<(Vec<QueueKey>, Vec<QueueKey>)>>,
    /// For each place of each ranking: the record's place.
    pub(super) ranks: Vec<Option<usize>>,
    pub(super) outcome: Outcome,
    /// For each budgeted reward: (group key, queue key), for eligible records with a positive claim.
    pub(super) claims: Vec<Option<(String, QueueKey)>>,
    /// The evaluation steps taken so far: the work limit is for the record, all stages together.
    steps: u64,
}

/// A sortable key (for queues, rankings and groups).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum QueueKey {
    Num(crate::number::Ordered),
    Time(DateTime<Utc>),
    Duration(TimeDelta),
    Text(String),
    Choice(u32),
    Bool(bool),
}

impl QueueKey {
    fn of(v: Value<'_>) -> Option<QueueKey> {
        Some(match v {
            Value::Num(n) => QueueKey::Num(crate::number::Ordered(crate::number::Number::Decimal(n.normalize()))),
            Value::Ratio(r) => QueueKey::Num(crate::number::Ordered(crate::number::Number::Ratio(r))),
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
            reads_earned: program.rewards.iter().any(reads_earned),
            plan: Plan::new(program, Shortcuts::ALL),
        }
    }

    /// Like [`Evaluator::with_inputs`], without any of the evaluator's shortcuts: every node
    /// evaluated as the reference semantics says ([`super::reference`]). The outcomes are the
    /// same, only slower. For tests that compare the two.
    #[doc(hidden)]
    pub fn plain(program: &'p Program, inputs: Inputs) -> Self {
        Evaluator::with_shortcuts(program, inputs, Shortcuts::NONE)
    }

    /// Like [`Evaluator::with_inputs`], with only the given shortcuts taken. For tests that
    /// compare each shortcut with the reference.
    #[doc(hidden)]
    pub fn with_shortcuts(program: &'p Program, inputs: Inputs, shortcuts: Shortcuts) -> Self {
        let mut evaluator = Evaluator::with_inputs(program, inputs);
        evaluator.plan = Plan::new(program, shortcuts);
        evaluator
    }

    /// Whether the program needs every record before it can give any result (it has a budget or a ranking).
    pub fn needs_population(&self) -> bool {
        self.has_budget || !self.program.rankings.is_empty()
    }

    /// Evaluates one record on its own. For programs that need the population, use [`Evaluator::evaluate_all`].
    pub fn evaluate(&self, record: &Record) -> std::result::Result<Outcome, EvalError> {
        self.evaluate_one(record).map_err(|e| *e)
    }

    fn evaluate_one(&self, record: &Record) -> Result<Outcome> {
        if !self.program.rankings.is_empty() || self.has_after_budget {
            let mut partial = self.stage_a(record)?;
            partial.ranks = vec![None; rank_places(self.program)];
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
    pub fn evaluate_all(&self, records: &[Record]) -> Vec<std::result::Result<Outcome, EvalError>> {
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
        let waitlisted = self.allocate(&mut partials);
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
            .map(|r: Result<Outcome>| r.map_err(|e| *e))
            .collect()
    }

    /// Places every record with known keys in each ranking (in each period, for a ranking per
    /// period): among records with equal group keys, by the order keys, ties by input order.
    fn rank_all(&self, partials: &mut [Result<Partial<'_>>]) {
        for ranking in &self.program.rankings {
            for k in ranking.slot..ranking.slot + ranking.places {
                rank_slot(ranking, k, partials);
            }
        }
    }

    pub(super) fn constant<'a>(&'a self, ir: &'a Ir) -> Result<Value<'a>> {
        let empty: &'static Record = &EMPTY;
        let mut env = Env::new(self.program, &self.plan, &self.inputs, empty);
        env.eval(ir)
    }

    /// Stage A: the record's own definitions and its ranking keys.
    pub(super) fn stage_a<'a>(&'a self, record: &'a Record) -> Result<Partial<'a>> {
        let program = self.program;
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
        for (i, def) in program.definitions.iter().enumerate() {
            if !def.after_budget && !def.after_rank {
                env.compute_def(i, def)?;
            }
        }
        let mut rank_keys = Vec::with_capacity(rank_places(program));
        for ranking in &program.rankings {
            match ranking.per {
                // A ranking per period: the keys as they are in each period, in calendar order.
                Some(p) => {
                    for k in 0..ranking.places {
                        env.period = Some((p, k));
                        rank_keys.push(rank_key(&mut env, ranking)?);
                    }
                    env.period = None;
                }
                None => rank_keys.push(rank_key(&mut env, ranking)?),
            }
        }
        Ok(Partial {
            steps: env.steps,
            defs: env.defs,
            periodic: env.periodic,
            rank_keys,
            ranks: vec![None; rank_places(program)],
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
    pub(super) fn stage_b<'a>(&'a self, record: &'a Record, partial: &mut Partial<'a>) -> Result<()> {
        let program = self.program;
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
        env.defs = std::mem::take(&mut partial.defs);
        env.periodic = std::mem::take(&mut partial.periodic);
        env.ranks = partial.ranks.clone();
        env.steps = partial.steps;
        for (i, def) in program.definitions.iter().enumerate() {
            if def.after_rank && !def.after_budget {
                env.compute_def(i, def)?;
            }
        }
        let (outcome, claims) = self.decide(&mut env, partial.ranks.clone(), true)?;
        partial.outcome = outcome;
        partial.claims = claims;
        partial.steps = env.steps;
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
            conditions.push(env.decided(&c.expr)?);
        }
        let eligible = conditions.iter().all(|c| *c);
        env.earned.clear();
        let mut rewards = Vec::with_capacity(program.rewards.len());
        let mut claims = Vec::with_capacity(if want_claims { program.rewards.len() } else { 0 });
        for (i, r) in program.rewards.iter().enumerate() {
            // A reward's own conditions are decided for every record, eligible or not, so that
            // results give every reason at once; it pays (and claims a budget) only when the
            // record is eligible and all of them hold.
            let gate = env.reward_gate(i, r)?;
            let earned = eligible && gate.as_ref().is_none_or(|g| g.iter().all(|c| *c));
            env.context = Context::Reward(i);
            let mut outcome = env.reward(r, earned)?;
            outcome.gate = gate;
            // Read by the rewards after it (`REWARD is earned`); a budgeted reward is never read.
            if self.reads_earned {
                env.earned.push(earned && outcome.amount > Decimal::ZERO);
            }
            let claim = match &r.budget {
                Some(b) if want_claims && earned && outcome.amount > Decimal::ZERO => {
                    let group = match &b.group {
                        Some((unit, ir)) => match env.eval(ir)? {
                            Value::Time(t) => crate::time::period_key(program.timezone, *unit, t),
                            _ => return Err(env.fail(EvalErrorKind::UnknownBudgetPeriod)),
                        },
                        None => "total".to_string(),
                    };
                    // A split of every claim at once has no queue: input order breaks its ties.
                    let key = match &b.order {
                        Some(order) => match QueueKey::of(env.eval(order)?) {
                            Some(k) => k,
                            None => return Err(env.fail(EvalErrorKind::UnknownQueueOrder)),
                        },
                        None => QueueKey::Bool(false),
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
    pub(super) fn stage_c<'a>(
        &'a self,
        record: &'a Record,
        partial: &mut Partial<'a>,
        waitlisted: &[bool],
    ) -> Result<()> {
        let program = self.program;
        let mut env = Env::new(program, &self.plan, &self.inputs, record);
        env.defs = std::mem::take(&mut partial.defs);
        env.periodic = std::mem::take(&mut partial.periodic);
        env.ranks = partial.ranks.clone();
        env.waitlisted = waitlisted.to_vec();
        env.pools = pools_of(&partial.outcome);
        env.steps = partial.steps;
        for (i, def) in program.definitions.iter().enumerate() {
            if def.after_budget {
                env.compute_def(i, def)?;
            }
        }
        partial.outcome.values = env.shown_values();
        Ok(())
    }
}

/// Whether a reward's amount, modifiers or `when` block read `REWARD is earned`.
fn reads_earned(r: &RewardDef) -> bool {
    let adjust = &r.adjust;
    let mut roots: Vec<&Ir> = vec![&r.expr];
    roots.extend(adjust.at_most.iter().chain(&adjust.at_least).chain(&adjust.expires));
    roots.extend(adjust.parts.iter().map(|(_, ir)| ir));
    roots.extend(r.gate.iter().flatten().map(|c| &c.expr));
    if let Some(b) = &r.budget {
        roots.push(&b.amount);
        roots.extend(&b.order);
        roots.extend(b.group.as_ref().map(|(_, ir)| ir));
    }
    roots.iter().any(|ir| ir.any(&mut |n| matches!(n, Ir::Earned(_))))
}

/// For each reward, what its budget's group claimed, as the record sees it (`pool_claims`,
/// `pool_claimants`): none for a reward without a budget or a record that claimed nothing.
pub(super) fn pools_of(outcome: &Outcome) -> Vec<Option<(Decimal, usize)>> {
    outcome
        .rewards
        .iter()
        .map(|r| r.budget.as_ref().map(|b| b.pool))
        .collect()
}

/// A record's group and order keys in a ranking (in the environment's period, for a ranking
/// per period): none when one of them is unknown.
fn rank_key<'a>(env: &mut Env<'a>, ranking: &'a RankingDef) -> Result<Option<(Vec<QueueKey>, Vec<QueueKey>)>> {
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
    Ok(known.then_some((groups, order)))
}

/// How many places a record has across every ranking.
pub(super) fn rank_places(program: &Program) -> usize {
    program.rankings.last().map_or(0, |r| r.slot + r.places)
}

/// Places every record with known keys at place `k` of `ranking`.
fn rank_slot(ranking: &RankingDef, k: usize, partials: &mut [Result<Partial<'_>>]) {
    let entries: Vec<Entry> = partials
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (groups, order) = p.as_ref().ok()?.rank_keys.get(k)?.clone()?;
            Some((groups, order, i))
        })
        .collect();
    for (index, place) in places(ranking, entries) {
        if let Some(Ok(p)) = partials.get_mut(index)
            && let Some(slot) = p.ranks.get_mut(k)
        {
            *slot = Some(place);
        }
    }
}

/// A record's entry in one place of a ranking: its group keys, its order keys and its index
/// (the order that breaks ties).
pub(super) type Entry = (Vec<QueueKey>, Vec<QueueKey>, usize);

/// The places of `entries` in `ranking`, by index: sorted by group keys, then by the order keys
/// (each reversed when descending), ties by index; numbered from 1 within each group. The one
/// comparison of rankings, for the whole population ([`Evaluator::evaluate_all`]) and for one
/// group at a time (`eval::stages`).
pub(super) fn places(ranking: &RankingDef, mut entries: Vec<Entry>) -> Vec<(usize, usize)> {
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
    places
}

pub(super) static EMPTY: Record = Record { values: Vec::new() };
