//! The terms as Markdown (CommonMark with GitHub's tables).

use super::doc::{Block, Document, Phrase, Piece};

/// Writes the document as Markdown.
pub fn write(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("# ");
    out.push_str(&text(&doc.title));
    out.push_str("\n\n");
    blocks(&mut out, &doc.preamble);
    for section in &doc.sections {
        out.push_str(if section.level > 2 { "### " } else { "## " });
        out.push_str(&phrase(&section.heading, false));
        out.push_str("\n\n");
        blocks(&mut out, &section.blocks);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Paragraph(p) => {
                out.push_str(&phrase(p, false));
                out.push('\n');
            }
            Block::Bullets(items) => {
                for item in items {
                    out.push_str("- ");
                    out.push_str(&phrase(item, false));
                    out.push('\n');
                }
            }
            Block::Numbered(items) => {
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&format!("{}. ", i + 1));
                    out.push_str(&phrase(item, false));
                    out.push('\n');
                }
            }
            Block::Table { header, rows } => {
                row(out, header);
                out.push('|');
                for _ in header {
                    out.push_str("---|");
                }
                out.push('\n');
                for r in rows {
                    row(out, r);
                }
            }
        }
        out.push('\n');
    }
}

fn row(out: &mut String, cells: &[Phrase]) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(&phrase(cell, true));
        out.push_str(" |");
    }
    out.push('\n');
}

fn phrase(p: &Phrase, in_table: bool) -> String {
    let mut out = String::new();
    for piece in &p.0 {
        match piece {
            Piece::Text(s) => out.push_str(&text(s)),
            Piece::Code(s) => out.push_str(&code(s, in_table)),
            Piece::Reason(s) => {
                out.push_str("**");
                out.push_str(&text(s));
                out.push_str("**");
            }
        }
    }
    out
}

/// Words, with every character Markdown would read as markup escaped, and line breaks
/// (which would end a list item or a table row) as spaces.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span: fenced by one backtick more than the longest run inside it, and padded
/// when it starts or ends with one; in a table, `|` escaped (GitHub reads it as a cell
/// border even in code).
fn code(s: &str, in_table: bool) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    let body = if in_table { flat.replace('|', "\\|") } else { flat };
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_words_is_escaped() {
        assert_eq!(
            text("a*b_c [x](y) <b> #1 | 2"),
            "a\\*b\\_c \\[x\\](y) \\<b\\> \\#1 \\| 2"
        );
        assert_eq!(text("两行\n文字"), "两行 文字");
    }

    #[test]
    fn code_spans_hold_backticks_and_bars() {
        assert_eq!(code("a × b", false), "`a × b`");
        assert_eq!(code("x `y`", false), "`` x `y` ``");
        assert_eq!(code("a | b", true), "`a \\| b`");
    }
}
