//! The canonical layout of campaign files (`campaign fmt`).
//!
//! [`format()`] reads a campaign and writes it back in the one layout the
//! policies use, keeping every comment. The rules:
//!
//! - **Order.** Items stay in the order written (authors follow the
//!   announcement). The file's leading comments stay at the top.
//! - **Indentation.** Two spaces per block level (`campaign`, `facts`,
//!   `list of`, `eligible when`, tier and lookup tables). Continuation lines
//!   of a long item are indented two more than the item (four in all inside
//!   `campaign`); the `and`/`or` lines of a `where` filter two more again.
//! - **Lines.** One item, fact, condition, band or lookup row per line. A
//!   block opens with `{` at the end of a line and closes with `}` on a line
//!   of its own (what follows the block, `, optional` or `as points, ...`,
//!   goes after that `}`); an empty block is `{}`. `list of { ... }` is
//!   always written one fact per line, even when the author wrote it on one
//!   line. Sets (`{"a", "b"}`), choices (`one of "a", "b"`), calls and
//!   `rank by ...` stay on one line.
//! - **Blank lines.** Between items, facts, conditions, bands, rows and
//!   own-line comments: one blank line where the author left one or more,
//!   none where there was none; never right after `{` or right before `}`,
//!   never inside a definition broken over lines.
//! - **Spelling.** `≥ ≤ ≠ × ÷` for `>= <= != * /`, `->` for `→`; one space
//!   around binary operators and after commas; `name: type, optional`,
//!   `a.b`, `f(a, b)`. Numbers, percentages, quantities, dates, times and
//!   period bounds are kept exactly as written (`600_000`, `4.20`, `0.9%`,
//!   `2024-08-16T15:00`, `2022-1`), except that the blanks inside a quantity
//!   become one space (`10000 CNY`). Texts are re-quoted with `\"`, `\\`,
//!   `\n` and `\t` escapes. The default order `ascending` of a budget or a
//!   rank key is kept when written.
//! - **Commas.** Optional commas after facts, conditions, bands and rows are
//!   dropped, except where the next line could otherwise run on from the
//!   line before: after a condition without a reason when the next condition
//!   begins with `-`, `(`, `{` or `"`; after a band when the next begins with
//!   `..`, `through`, `-` or `(`; after a lookup row when the next is keyed
//!   `(a, b)`. A trailing comma in a set is dropped.
//! - **Reasons.** In `eligible when`, reasons line up in one column: two
//!   spaces after the widest one-line condition that is at most 56 columns
//!   wide. A wider condition, or one spread over several lines, has its
//!   reason two spaces after its (last) line. Reasons never cause a break.
//! - **Long definitions.** When a `value`, `let`, `reward`, `parameter` or
//!   condition would pass 100 columns (display columns: Chinese characters
//!   count two; reasons and comments are not counted), its expression is
//!   broken at every top-level break point: before `where` and then before
//!   each `and`/`or` of the filter; or before each top-level `and`/`or`; or
//!   before `if unknown`. The modifiers (`, rounded down, at most ...`) stay
//!   on the (last) line if it then fits in 100 columns; otherwise each goes
//!   on its own continuation line, the line before ending with `,`. Nothing
//!   else is broken: a long set, call or text stays on one line.
//! - **Comments.** A comment on its own line stays before the item, fact,
//!   condition, band, row, modifier or continuation line that follows it, at
//!   that line's indentation (before a `}`: at the indentation of the
//!   block's contents); a comment before a continuation line keeps the
//!   definition broken there. A comment at the end of a line stays at the
//!   end of the line that holds the code before it, two spaces after the
//!   code. A comment inside something the layout puts on one line (a call
//!   or set written over several lines, a definition joined into one line)
//!   moves just above that line, except that the last comment of the line
//!   stays at its end when it was at the end of a line. Comment text is kept
//!   verbatim (trailing blanks removed), and comments never change order.
//!
//! Formatting is idempotent, and it never changes meaning: the result is
//! parsed again and compared with the original, spans aside
//! ([`same_meaning`]), and its comments with the original's; if either
//! differs, [`format()`] returns an internal error instead of the text.

mod comments;
mod erase;
mod layout;
mod width;

pub use comments::{Comment, extract as extract_comments};
pub use erase::{erase_spans, same_meaning};
pub use layout::{MAX_WIDTH, REASON_COLUMN_CAP};
pub use width::width;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::keywords::Surface;
use crate::syntax::{self, ast::Campaign};

/// Formats the text of a campaign file in the canonical layout.
///
/// Returns the parse error if the text is not a campaign, and an internal
/// error if the layout would change the campaign's meaning or lose a comment.
pub fn format(text: &str) -> Result<String, Diagnostic> {
    let campaign = syntax::parse(text)?;
    let found = comments::extract(text);
    let out = in_surface(layout_with_comments(&campaign, text, &found), campaign.surface, text)?;
    let reparsed = syntax::parse(&out).map_err(|_| meaning_changed(text))?;
    if !same_meaning(&campaign, &reparsed) {
        return Err(meaning_changed(text));
    }
    let texts = |cs: &[Comment]| cs.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    if texts(&comments::extract(&out)) != texts(&found) {
        return Err(internal(
            text,
            "internal error: formatting would lose or move a comment",
        ));
    }
    Ok(out)
}

/// The layout, which writes English keywords, in the keywords of the file: the lines break
/// where they would in English, so that both keyword sets of a campaign have the same lines.
fn in_surface(laid_out: String, surface: Surface, text: &str) -> Result<String, Diagnostic> {
    match surface {
        Surface::English => Ok(laid_out),
        Surface::Chinese => syntax::convert(&laid_out, surface).map_err(|_| meaning_changed(text)),
    }
}

/// Writes a campaign file with the keywords of `to`, in the canonical layout
/// (`campaign fmt --keywords`). A file that mixes the two sets is converted too.
pub fn format_in(text: &str, to: Surface) -> Result<String, Diagnostic> {
    // Converting keeps every line and comment where it is, so the converted text's errors, if
    // any, are at the places they are in `text`.
    format(&syntax::convert(text, to)?)
}

/// Prints a campaign tree in the canonical layout, without comments. Numbers
/// come out as their values (there is no source to copy them from).
pub fn print(campaign: &Campaign) -> String {
    layout_with_comments(campaign, "", &[])
}

fn layout_with_comments(campaign: &Campaign, text: &str, found: &[Comment]) -> String {
    let anchors = comments::anchors(campaign, text);
    let attached = comments::attach(found, &anchors);
    let mut printer = layout::Printer::new(text, attached);
    printer.campaign(campaign);
    printer.finish()
}

fn meaning_changed(text: &str) -> Diagnostic {
    internal(text, "internal error: formatting would change the campaign's meaning")
}

fn internal(text: &str, message: &str) -> Diagnostic {
    let first_line = text.find('\n').unwrap_or(text.len());
    Diagnostic::error(Code::Internal, Span::new(0, first_line), message, "in this file")
        .with_help("please report this file")
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::panic,
        reason = "a test stops at its first surprise: `panic!` with the value found says plainly what went wrong"
    )]

    use super::*;

    fn parsed(text: &str) -> Campaign {
        match syntax::parse(text) {
            Ok(c) => c,
            Err(d) => panic!("{}", d.message),
        }
    }

    #[test]
    fn meaning_ignores_layout_but_not_parentheses_or_digits() {
        let a = parsed("campaign \"x\" { value v = a*2 >= 1 }");
        let b = parsed("campaign \"x\" {\n  value v = a × 2 ≥ 1\n}\n");
        assert!(same_meaning(&a, &b));
        let paren = parsed("campaign \"x\" { value v = (a × 2) ≥ 1 }");
        assert!(!same_meaning(&a, &paren));
        let four_two = parsed("campaign \"x\" { value v = 4.2 }");
        let four_twenty = parsed("campaign \"x\" { value v = 4.20 }");
        assert!(!same_meaning(&four_two, &four_twenty));
    }

    #[test]
    fn windows_line_endings_and_tabs_are_normalised() {
        let text = "# top\r\ncampaign \"x\" {\r\n\ttimezone UTC\t# zone\r\n}\r\n";
        assert_eq!(
            format(text).ok().as_deref(),
            Some("# top\ncampaign \"x\" {\n  timezone UTC  # zone\n}\n")
        );
    }

    #[test]
    fn text_that_does_not_parse_is_reported_as_is() {
        let Err(d) = format("campaign \"x\" { value = 1 }") else {
            panic!("formatted a broken file");
        };
        assert_eq!(d.code, Code::Syntax);
        assert!(!d.message.starts_with("internal error"));
    }

    #[test]
    fn printing_a_tree_gives_the_canonical_layout() {
        let c = parsed("campaign \"x\" { timezone UTC facts { a: count } value v = a*2 }");
        assert_eq!(
            print(&c),
            "campaign \"x\" {\n  timezone UTC\n  facts {\n    a: count\n  }\n  value v = a × 2\n}\n"
        );
    }
}
