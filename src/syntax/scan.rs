//! The lexical layer that every hand-written pass over the text shares: where the
//! texts in quotes and the `#` comments are, so that a pass looking for brackets,
//! tabs, full-width punctuation or comments never mistakes a quoted `#` or `{`
//! for code.
//!
//! A campaign file follows the grammar (`grammar/campaign.pest`):
//!
//! - a text opens with `"` and closes at the next `"` that is not escaped; `\`
//!   escapes any one character, a line break included. An unescaped line break,
//!   or the end of the file, leaves it unclosed; the line break is not part of it.
//! - a comment runs from a `#` outside quotes to the end of its line, the line
//!   break excluded.
//! - everything else is code.
//!
//! A `.tests` file writes its texts in quotes as JSON strings, each on one line:
//! there a line break (`\n` or `\r`) ends an unclosed text even after a `\`.

use memchr::{memchr, memchr2};

/// What a segment of the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything outside quotes and comments, blanks and line breaks included.
    Code,
    /// A text in quotes, its quotes included.
    Text {
        /// Whether its closing `"` is there (else it stops before the line
        /// break, or at the end of the text).
        closed: bool,
    },
    /// A comment, from `#` to the end of the line (the line break excluded).
    Comment,
}

/// A run of the text of one [`Kind`], by byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// What it is.
    pub kind: Kind,
    /// The offset of its first byte.
    pub start: usize,
    /// The offset just after its last byte.
    pub end: usize,
}

impl Segment {
    /// Its text, out of the text it was found in.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.start..self.end).unwrap_or("")
    }

    /// Its characters with their offsets in the whole text.
    pub fn char_indices<'a>(self, source: &'a str) -> impl Iterator<Item = (usize, char)> + 'a {
        let start = self.start;
        self.text(source).char_indices().map(move |(i, c)| (start + i, c))
    }

    /// Whether it is code.
    pub fn is_code(&self) -> bool {
        self.kind == Kind::Code
    }
}

/// The segments of a text, in order, covering it without gaps.
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    text: &'a str,
    pos: usize,
    one_line: bool,
}

/// The segments of a campaign file.
pub fn campaign(text: &str) -> Segments<'_> {
    campaign_from(text, 0)
}

/// The segments of a campaign file from `from`, an offset outside quotes and comments.
pub fn campaign_from(text: &str, from: usize) -> Segments<'_> {
    Segments {
        text,
        pos: from,
        one_line: false,
    }
}

/// The segments of a `.tests` file from `from`, an offset outside quotes and comments.
pub fn tests_from(text: &str, from: usize) -> Segments<'_> {
    Segments {
        text,
        pos: from,
        one_line: true,
    }
}

/// The characters of a campaign file outside quotes and comments, with their offsets.
pub fn code_chars(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    campaign(text)
        .filter(Segment::is_code)
        .flat_map(move |s| s.char_indices(text))
}

impl Segments<'_> {
    /// The end of the text in quotes that opens at `start`, and whether it is closed.
    fn text_end(&self, start: usize) -> (usize, bool) {
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        // Every delimiter is ASCII, so stepping over bytes never stops inside a character:
        // the bytes after a `\` that continue a character are never delimiters.
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => return (i + 1, true),
                b'\n' => return (i, false),
                b'\r' if self.one_line => return (i, false),
                b'\\' if self.one_line && matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) => return (i + 1, false),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        (bytes.len(), false)
    }
}

impl Iterator for Segments<'_> {
    type Item = Segment;

    fn next(&mut self) -> Option<Segment> {
        let start = self.pos;
        let rest = self.text.as_bytes().get(start..)?;
        let (kind, end) = match rest.first()? {
            b'"' => {
                let (end, closed) = self.text_end(start);
                (Kind::Text { closed }, end)
            }
            b'#' => (
                Kind::Comment,
                memchr(b'\n', rest).map_or(self.text.len(), |n| start + n),
            ),
            _ => (
                Kind::Code,
                memchr2(b'"', b'#', rest).map_or(self.text.len(), |n| start + n),
            ),
        };
        let end = end.min(self.text.len());
        self.pos = end;
        Some(Segment { kind, start, end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(segments: Segments<'_>, text: &str) -> Vec<(Kind, String)> {
        segments.map(|s| (s.kind, s.text(text).to_string())).collect()
    }

    const CLOSED: Kind = Kind::Text { closed: true };
    const OPEN: Kind = Kind::Text { closed: false };

    #[test]
    fn code_texts_and_comments() {
        let text = "a \"b # c\" # d \"e\"\nf";
        assert_eq!(
            kinds(campaign(text), text),
            vec![
                (Kind::Code, "a ".into()),
                (CLOSED, "\"b # c\"".into()),
                (Kind::Code, " ".into()),
                (Kind::Comment, "# d \"e\"".into()),
                (Kind::Code, "\nf".into()),
            ]
        );
    }

    #[test]
    fn a_backslash_escapes_any_character() {
        let text = "\"a\\\"b\\\\\" \"c\\\nd\" \"好\\好\"";
        let texts: Vec<_> = kinds(campaign(text), text)
            .into_iter()
            .filter(|(k, _)| *k == CLOSED)
            .collect();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert_eq!(texts.get(1).map(|(_, t)| t.as_str()), Some("\"c\\\nd\""));
    }

    #[test]
    fn an_unescaped_line_break_or_the_end_leaves_a_text_open() {
        let text = "\"a\n\"b\\";
        assert_eq!(
            kinds(campaign(text), text),
            vec![(OPEN, "\"a".into()), (Kind::Code, "\n".into()), (OPEN, "\"b\\".into())]
        );
    }

    #[test]
    fn a_tests_text_stays_on_its_line() {
        let text = "\"a\\\nb \"c\r\n";
        assert_eq!(
            kinds(tests_from(text, 0), text),
            vec![
                (OPEN, "\"a\\".into()),
                (Kind::Code, "\nb ".into()),
                (OPEN, "\"c".into()),
                (Kind::Code, "\r\n".into()),
            ]
        );
        assert_eq!(
            kinds(campaign(text), text).first(),
            Some(&(CLOSED, "\"a\\\nb \"".into()))
        );
    }

    #[test]
    fn code_chars_skip_texts_and_comments() {
        let text = "{\"{\"}#{\n}";
        let code: String = code_chars(text).map(|(_, c)| c).collect();
        assert_eq!(code, "{}\n}");
    }
}
