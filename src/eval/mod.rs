//! Evaluating a checked campaign against fact records.
//!
//! [`Evaluator`] runs a [`Program`](crate::program::Program): per record for
//! campaigns without budgets ([`Evaluator::evaluate`]), or over the whole
//! population when a budget is shared ([`Evaluator::evaluate_all`]). The
//! outcome of a record ([`Outcome`]) says whether it is eligible, each
//! condition's result, each reward (with its periods and budget outcome) and
//! each shown value; [`report`] turns it into the contract's JSON.
//!
//! The parts:
//!
//! - `interpreter`: the [`Evaluator`], its stages and the population (rankings, budgets);
//! - `env` and `record`: the state of one record's evaluation, and what a record computes
//!   (definitions, rewards, shown values);
//! - `reference`: the reference semantics, how each node of the program evaluates, stated
//!   once: values, Kleene's logic, list iteration;
//! - `fast`: the shortcuts that compute the same faster (truth values, the period split,
//!   caches), each documented with the reference it must equal, each one that can be turned
//!   off, and `plan`, which works out where they apply;
//! - [`explain`]: explanations, and values as people read them;
//! - [`error`]: why a record could not be evaluated.

mod budget;
mod calendar;
mod env;
pub mod error;
pub mod explain;
mod fast;
mod interpreter;
mod plan;
mod pool;
mod record;
mod reference;
pub mod report;
pub mod stages;
pub mod value;

pub use error::EvalError;
pub use explain::{Explanation, show};
#[doc(hidden)]
pub use fast::Shortcuts;
pub use interpreter::Evaluator;
pub use reference::values::{round, with_scale};
pub use value::{BudgetOutcome, Outcome, RewardOutcome, Shown, SplitOutcome, Value};
