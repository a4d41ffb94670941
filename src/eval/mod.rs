//! Evaluating a checked campaign against fact records.
//!
//! [`Evaluator`] runs a [`Program`](crate::program::Program): per record for
//! campaigns without budgets ([`Evaluator::evaluate`]), or over the whole
//! population when a budget is shared ([`Evaluator::evaluate_all`]). The
//! outcome of a record ([`Outcome`]) says whether it is eligible, each
//! condition's result, each reward (with its periods and budget outcome) and
//! each shown value; [`report`] turns it into the contract's JSON.

mod calendar;
pub mod error;
pub mod explain;
mod interpreter;
pub mod report;
pub mod value;

pub use error::EvalError;
pub use explain::Explanation;
pub use interpreter::{Evaluator, period_key, round, show, with_scale};
pub use value::{BudgetOutcome, Outcome, RewardOutcome, Shown, Value};
