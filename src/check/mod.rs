//! Checking a campaign: names, types, units and unknowns, then compilation.
//!
//! [`check`] parses and checks a campaign file and returns every diagnostic
//! at once, with the compiled [`Program`] when there is no error. The checker
//! is where the language's promises are kept:
//!
//! - every name resolves to a fact, a computed field, a definition, a window,
//!   a parameter or a period range, or gets a "did you mean";
//! - every number carries a unit, and units only combine where that has a
//!   meaning (money × rate is money; money + points is an error);
//! - every optional fact used in a condition, filter or reward comes with a
//!   rule for when it is unknown (`if unknown false`, `x is known and ...`);
//! - every payable amount that can have more decimals than its unit pays is
//!   rounded explicitly;
//! - dates exist, windows run forwards, definitions do not depend on
//!   themselves.

mod checker;
mod errors;
mod lints;
pub mod names;
pub mod optimise;
#[cfg(test)]
mod tests;

pub use crate::program::Program;
pub use checker::{MAX_CONDITIONS, MAX_PERIODS, expr_text};

use crate::diagnostics::Diagnostic;
use crate::syntax;
use names::NameTable;

/// The outcome of checking one campaign file.
#[derive(Debug)]
pub struct Checked {
    /// The compiled campaign, when there is no error.
    pub program: Option<Program>,
    /// Every error and warning, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Every name declared and each of its uses, as far as checking got (empty when the file
    /// does not parse).
    pub names: NameTable,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks the text of a campaign file.
pub fn check(text: &str) -> Checked {
    syntax::on_large_stack(
        || check_here(text),
        || Checked {
            program: None,
            diagnostics: vec![
                crate::diagnostics::Diagnostic::error(
                    crate::diagnostics::Code::Internal,
                    crate::diagnostics::Span::new(0, 0),
                    "internal error: checking stopped unexpectedly",
                    "while checking this file",
                )
                .with_help("please report this campaign file to the campaign maintainers"),
            ],
            names: NameTable::default(),
        },
    )
}

/// Parses and checks on the calling thread, without starting one with a large stack.
///
/// For callers that already run on a large stack (the command line runs on 256 MiB):
/// deeply nested campaigns need a few MiB of stack in unoptimised builds.
pub fn check_here(text: &str) -> Checked {
    let mut checked = check_unoptimised(text);
    if let Some(program) = &mut checked.program {
        optimise::optimise(program);
    }
    checked
}

/// Like [`check_here`], without the last step that rewrites common expressions into single
/// steps ([`optimise`]): the program means the same, and runs slower. For tests that compare
/// the two.
pub fn check_unoptimised(text: &str) -> Checked {
    match syntax::parse_here(text) {
        Ok(campaign) => {
            let (program, mut diagnostics, names) = checker::check_campaign(&campaign, text);
            lints::lint(text, &campaign, program.as_ref(), &mut diagnostics);
            diagnostics.sort_by_key(|d| (d.span().start, d.severity));
            let program = if diagnostics.iter().any(Diagnostic::is_error) {
                None
            } else {
                program
            };
            Checked {
                program,
                diagnostics,
                names,
            }
        }
        Err(d) => Checked {
            program: None,
            diagnostics: vec![d],
            names: NameTable::default(),
        },
    }
}
