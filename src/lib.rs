//! campaign: a declarative policy language for e-commerce incentive and admission campaigns.
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod eval;
pub mod facts;
pub mod fmt;
pub mod program;
pub mod suggest;
pub mod syntax;
pub mod testing;
