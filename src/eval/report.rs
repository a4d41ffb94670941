//! The contract's JSON, now written by [`crate::report`]; these names stay
//! here for existing callers.

pub use crate::report::json::{duration_text, result_json, shown_json, write_json_string, write_result};
