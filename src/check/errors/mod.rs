//! Every message the checker gives, one named constructor per message, kept together by
//! concern so that messages can be reviewed side by side.
//!
//! A constructor takes what the message needs (spans, names, types) and returns the finished
//! [`Diagnostic`](crate::diagnostics::Diagnostic): code, wording, labels, help and, where the
//! help says exactly what to write, a fix. Messages that quote a keyword spell it through
//! [`Surface`](crate::syntax::keywords::Surface), never in their text.

pub(crate) mod balances;
pub(crate) mod conditional;
pub(crate) mod declarations;
pub(crate) mod definitions;
pub(crate) mod expressions;
pub(crate) mod lints;
pub(crate) mod lists;
pub(crate) mod names;
pub(crate) mod periods;
pub(crate) mod rules;
pub(crate) mod tables;
pub(crate) mod units;
