//! Reading campaign files: text in, [`ast::Campaign`] out.
//!
//! The grammar lives in `grammar/campaign.pest`; [`parse`] runs it and builds
//! the tree, reporting the first syntax error as a [`Diagnostic`] in the words
//! of the language (pest's rule names never reach a user).

pub mod ast;
mod parser;
pub mod print;

pub use parser::{MAX_FILE_BYTES, MAX_NESTING};

use crate::diagnostics::Diagnostic;

/// Parses the text of a campaign file.
pub fn parse(text: &str) -> Result<ast::Campaign, Diagnostic> {
    parser::parse(text)
}
