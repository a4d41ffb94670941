//! The state of one record's evaluation ([`Env`]): the records in scope (frames), the values
//! computed so far, the current period, where an error would be reported, and the buffers the
//! shortcuts use. What the nodes mean is in [`super::reference`]; this is only where they read
//! and write.

use super::error::{EvalError, EvalErrorKind, Internal, Place};
use super::fast::cache::Caches;
use super::plan::Plan;
use super::reference::Accumulator;
use super::value::Value;
use rust_decimal::Decimal;

use crate::facts::{FactValue, Record};
use crate::program::Program;
use crate::program::inputs::Inputs;

/// Results inside the evaluator. The error is boxed: results of values, truths and `()` then
/// travel in registers or in a few words, and an error (rare) pays for the allocation.
pub(super) type Result<T> = std::result::Result<T, Box<EvalError>>;

/// What is being evaluated, for error messages.
#[derive(Debug, Clone, Copy)]
pub(super) enum Context {
    Definition(usize),
    Condition(usize),
    Reward(usize),
    /// A condition of a reward's `when` block: the reward, then the condition.
    RewardCondition(usize, usize),
}

/// A record in scope: the top-level record (frame 0) or a list item a walk put on top.
#[derive(Debug, Clone, Copy)]
pub(super) struct Frame<'a> {
    /// The record's values (an item's: its run of its list's values), in its schema's order.
    pub(super) values: &'a [FactValue],
    /// This visit's number, given by the evaluator: each frame pushed gets a new one (the
    /// top-level record 1), so two visits of one item, or two items, never share it.
    pub(super) visit: u64,
    /// The frame holding the list the item is in (0 for the top-level record itself).
    pub(super) parent: usize,
    /// The item's place in that list.
    pub(super) index: usize,
}

/// The state of one record's evaluation.
pub(super) struct Env<'a> {
    pub(super) program: &'a Program,
    /// What this evaluation was given: parameter values, reference time, holidays.
    pub(super) inputs: &'a Inputs,
    /// What the evaluator worked out once for the program: where values live, which shortcuts apply.
    pub(super) plan: &'a Plan<'a>,
    /// The records in scope, the top-level record first.
    pub(super) frames: Vec<Frame<'a>>,
    /// The number of the last visit given to a frame.
    pub(super) visits: u64,
    /// The values of the definitions not per period.
    pub(super) defs: Vec<Value<'a>>,
    /// The values of per-period definitions, one run of `count` values per definition (see [`Plan`]).
    pub(super) periodic: Vec<Value<'a>>,
    /// The current period: (range, index in the range).
    pub(super) period: Option<(usize, usize)>,
    pub(super) waitlisted: Vec<bool>,
    /// For the rewards decided so far: whether each is earned (`REWARD is earned`).
    pub(super) earned: Vec<bool>,
    /// For each reward with a budget the record claimed on: its group's claims and claimants.
    pub(super) pools: Vec<Option<(Decimal, usize)>>,
    pub(super) context: Context,
    /// The record's place in each ranking.
    pub(super) ranks: Vec<Option<usize>>,
    /// Computed fields and record-wide aggregates remembered (see [`super::fast::cache`]).
    pub(super) caches: Caches<'a>,
    /// The accumulators of an aggregate per period in one pass.
    pub(super) accumulators: Vec<Accumulator<'a>>,
    /// The evaluation steps taken so far for the record (see [`Env::charge`]).
    pub(super) steps: u64,
    /// The runs of the balances computed for the record (see [`super::reference::balance`]).
    pub(super) balances: Vec<super::reference::balance::BalanceRun>,
}

/// Buffers of one evaluation, kept from one record to the next so that evaluating a record
/// allocates nothing but its outcome. They hold no values between records: each evaluation
/// starts by emptying them.
#[derive(Default)]
pub(super) struct Scratch {
    frames: Vec<Frame<'static>>,
    defs: Vec<Value<'static>>,
    periodic: Vec<Value<'static>>,
    accumulators: Vec<Accumulator<'static>>,
    caches: Caches<'static>,
}

thread_local! {
    pub(super) static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Reuses an emptied vector's allocation for elements of another lifetime. (The standard library
/// collects an emptied `into_iter` in place when the element types have the same layout; if it
/// did not, this would only allocate.)
pub(super) fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

impl<'a> Env<'a> {
    pub(super) fn new(program: &'a Program, plan: &'a Plan<'a>, inputs: &'a Inputs, record: &'a Record) -> Self {
        Env::with_scratch(program, plan, inputs, record, Scratch::default())
    }

    pub(super) fn with_scratch(
        program: &'a Program,
        plan: &'a Plan<'a>,
        inputs: &'a Inputs,
        record: &'a Record,
        scratch: Scratch,
    ) -> Self {
        let Scratch {
            frames,
            defs,
            periodic,
            accumulators,
            caches,
        } = scratch;
        let mut frames: Vec<Frame<'a>> = recycle(frames);
        frames.push(Frame {
            values: &record.values,
            visit: 1,
            parent: 0,
            index: 0,
        });
        let mut defs: Vec<Value<'a>> = recycle(defs);
        defs.resize(program.definitions.len(), Value::Unknown);
        let mut periodic: Vec<Value<'a>> = recycle(periodic);
        periodic.resize(plan.total, Value::Unknown);
        Env {
            program,
            inputs,
            plan,
            frames,
            visits: 1,
            defs,
            periodic,
            period: None,
            waitlisted: Vec::new(),
            earned: Vec::new(),
            pools: Vec::new(),
            context: Context::Definition(0),
            ranks: Vec::new(),
            caches: caches.recycle(plan.flat_count),
            accumulators: recycle(accumulators),
            steps: 0,
            balances: Vec::new(),
        }
    }

    /// Gives the buffers back for the next record.
    pub(super) fn into_scratch(self) -> Scratch {
        Scratch {
            frames: recycle(self.frames),
            defs: recycle(self.defs),
            periodic: recycle(self.periodic),
            accumulators: recycle(self.accumulators),
            caches: self.caches.recycle(0),
        }
    }

    /// A copy of this environment that shares its values but none of its caches, to evaluate an
    /// expression aside (a cap that depends on the record).
    pub(super) fn aside(&self) -> Env<'a> {
        Env {
            program: self.program,
            inputs: self.inputs,
            plan: self.plan,
            frames: self.frames.clone(),
            visits: self.visits,
            defs: self.defs.clone(),
            periodic: self.periodic.clone(),
            period: self.period,
            waitlisted: self.waitlisted.clone(),
            earned: self.earned.clone(),
            pools: self.pools.clone(),
            context: self.context,
            ranks: self.ranks.clone(),
            caches: Caches::new(self.plan.flat_count),
            accumulators: Vec::new(),
            steps: self.steps,
            balances: Vec::new(),
        }
    }

    /// Puts item `index` (its values) of the list held by the record in frame `parent` on top of
    /// the frames, as a new visit.
    #[inline]
    pub(super) fn push_item(&mut self, values: &'a [FactValue], parent: usize, index: usize) {
        self.visits += 1;
        self.frames.push(Frame {
            values,
            visit: self.visits,
            parent,
            index,
        });
    }

    /// Counts `n` evaluation steps (the items of a list about to be walked, the periods of a
    /// per-period definition or an aggregate of one): an error once the record has taken more
    /// than its work limit. Everything else evaluation does is bounded by the size of the
    /// program for each step, so this bounds the work of a record. The count is of the work
    /// done: with the shortcuts, which skip work, a record takes fewer steps than the reference.
    #[inline]
    pub(super) fn charge(&mut self, n: usize) -> Result<()> {
        self.steps = self.steps.saturating_add(n as u64);
        if self.steps > self.inputs.work_limit {
            return Err(self.fail(EvalErrorKind::WorkLimit(self.inputs.work_limit)));
        }
        Ok(())
    }

    /// A per-period definition's value for period `k`.
    pub(super) fn periodic_at(&self, def: usize, k: usize) -> Value<'a> {
        match self.plan.runs.get(def) {
            Some(&(start, count)) if k < count => self.periodic.get(start + k).copied().unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        }
    }

    /// A per-period definition's values, one per period.
    pub(super) fn periodic_run(&self, def: usize) -> &[Value<'a>] {
        match self.plan.runs.get(def) {
            Some(&(start, count)) => self.periodic.get(start..start + count).unwrap_or(&[]),
            None => &[],
        }
    }

    /// An error of this kind, placed in the definition, condition or reward being evaluated.
    /// Where the record's place in ranking `k` is kept: its one place, or for a ranking per
    /// period, its place in the current period (none outside that range's periods).
    pub(super) fn rank_place(&self, k: usize) -> Option<usize> {
        let ranking = self.program.rankings.get(k)?;
        match (ranking.per, self.period) {
            (None, _) => Some(ranking.slot),
            (Some(p), Some((q, i))) if p == q => Some(ranking.slot + i),
            (Some(_), _) => None,
        }
    }

    pub(super) fn fail(&self, kind: EvalErrorKind) -> Box<EvalError> {
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
            Context::RewardCondition(i, k) => self
                .program
                .rewards
                .get(i)
                .and_then(|r| r.gate.as_ref()?.get(k))
                .map_or(Place::Nowhere, |c| Place::Condition(c.text.clone())),
        };
        Box::new(EvalError::new(kind, place))
    }

    pub(super) fn overflow(&self) -> Box<EvalError> {
        self.fail(EvalErrorKind::Overflow)
    }

    /// A time computed outside the range of instants (years 0000 to 9999).
    pub(super) fn out_of_range(&self) -> Box<EvalError> {
        self.fail(EvalErrorKind::Calendar(crate::time::OUT_OF_RANGE))
    }

    pub(super) fn internal(&self, what: Internal) -> Box<EvalError> {
        self.fail(EvalErrorKind::Internal(what))
    }

    /// A fact of the record in a frame.
    pub(super) fn fact(&self, frame: usize, field: usize) -> Result<&'a FactValue> {
        self.frames
            .get(frame)
            .and_then(|f| f.values.get(field))
            .ok_or_else(|| self.internal(Internal::MissingFact))
    }
}
