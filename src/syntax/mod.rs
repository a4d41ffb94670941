//! Reading campaign files: text in, [`ast::Campaign`] out.
//!
//! The grammar lives in `grammar/campaign.pest`; [`parse`] runs it and builds
//! the tree, reporting the first syntax error as a [`Diagnostic`] in the words
//! of the language (pest's rule names never reach a user).

pub mod ast;
mod convert;
pub mod keywords;
mod parser;
pub mod print;
pub mod scan;
pub mod visit;

pub use convert::{convert, expr_in, phrase_in, surface_of_text};
pub use parser::{MAX_FILE_BYTES, MAX_NESTING, file_too_large};

use crate::diagnostics::Diagnostic;

/// The stack the parser runs on. The generated parser recurses through a dozen
/// rules per level of nesting, with large frames in unoptimised builds; a
/// dedicated thread makes parsing safe whatever the caller's own stack is.
const PARSE_STACK_BYTES: usize = 64 << 20;

/// Parses on the calling thread (for callers that already run on a large stack).
pub(crate) fn parse_here(text: &str) -> Result<ast::Campaign, Diagnostic> {
    parser::parse(text)
}

/// Runs `f` on a thread with a stack large enough for the deepest campaign the
/// limits allow, whatever the caller's own stack (test threads have 2 MiB).
pub(crate) fn on_large_stack<T: Send>(f: impl FnOnce() -> T + Send, failed: impl FnOnce() -> T) -> T {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("campaign".into())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(scope, f);
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| failed()),
            Err(_) => failed(),
        }
    })
}

/// Parses the text of a campaign file.
pub fn parse(text: &str) -> Result<ast::Campaign, Diagnostic> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("campaign-parse".into())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(scope, || parser::parse(text));
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(parser::internal_failure())),
            // No thread could be started: parse on this one (within the nesting limit it fits
            // an ordinary stack in release builds).
            Err(_) => parser::parse(text),
        }
    })
}
