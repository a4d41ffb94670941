//! Open documents and positions.
//!
//! The protocol counts lines from 0 and columns in UTF-16 code units; the checker's spans are byte
//! offsets into UTF-8 text. A [`LineIndex`] converts between the two, so that a reason in Chinese
//! or an emoji earlier on a line does not shift what follows it. Lines end at `\n`, `\r\n` or a
//! lone `\r`, as the protocol says.

use std::path::PathBuf;
use std::sync::Arc;

use lsp_types::{Position, Range, TextDocumentContentChangeEvent, Uri};

use crate::diagnostics::Span;

/// Where each line of a text starts, to convert byte offsets to protocol positions and back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// The byte offset of the first character of each line; the first is 0.
    starts: Vec<usize>,
    /// The length of the text in bytes.
    len: usize,
}

impl LineIndex {
    /// Indexes a text.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The byte range of a line's text, without its line break.
    fn line_bytes(&self, text: &str, line: usize) -> Option<(usize, usize)> {
        let start = *self.starts.get(line)?;
        let next = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let content = text.get(start..next)?;
        let trimmed = content.trim_end_matches(['\n', '\r']);
        Some((start, start + trimmed.len()))
    }

    /// The protocol position of a byte offset. An offset inside a character counts as the start
    /// of that character; one past the end of the text is the end of the text.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        Position::new(to_u32(line), to_u32(character))
    }

    /// The byte offset of a protocol position. A column past the end of its line is the end of
    /// the line, a line past the last is the end of the text, and a column inside a character
    /// (between the two halves of a surrogate pair) is the start of that character.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = usize::try_from(position.line).unwrap_or(usize::MAX);
        let Some((start, end)) = self.line_bytes(text, line) else {
            return self.len;
        };
        let wanted = usize::try_from(position.character).unwrap_or(usize::MAX);
        let mut units = 0;
        for (i, c) in text.get(start..end).unwrap_or("").char_indices() {
            units += c.len_utf16();
            if units > wanted {
                return start + i;
            }
        }
        end
    }

    /// The protocol range of a byte span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(self.position(text, span.start), self.position(text, span.end))
    }

    /// The byte span of a protocol range (start and end in order).
    pub fn span(&self, text: &str, range: Range) -> Span {
        let (a, b) = (self.offset(text, range.start), self.offset(text, range.end));
        Span::new(a.min(b), a.max(b))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The largest character boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut at = offset.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// What kind of text a place is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexical {
    /// The language itself.
    Code,
    /// Inside a text in double quotes.
    Text,
    /// After a `#` that starts a comment.
    Comment,
}

/// What kind of text `offset` is in. Texts and comments end with their line.
pub fn lexical_at(text: &str, offset: usize) -> Lexical {
    let offset = floor_char_boundary(text, offset);
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let mut in_text = false;
    let mut escaped = false;
    for c in before.get(line_start..).unwrap_or("").chars() {
        match (in_text, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_text = false,
            (false, '"') => in_text = true,
            (false, '#') => return Lexical::Comment,
            _ => {}
        }
    }
    if in_text { Lexical::Text } else { Lexical::Code }
}

/// Whether a character can be part of a name (letters of any script, digits, `_`).
pub fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The word of name characters around `offset` (touching it from either side).
pub fn word_at(text: &str, offset: usize) -> Option<Span> {
    let offset = floor_char_boundary(text, offset);
    let before = text.get(..offset)?;
    let after = text.get(offset..)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = offset + after.find(|c: char| !is_name_char(c)).unwrap_or(after.len());
    (end > start).then(|| Span::new(start, end))
}

/// What an open document is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A `.campaign` file (or any file that is not a `.tests` file).
    Campaign,
    /// A `.tests` file: the cases of the campaign beside it.
    Tests,
}

impl DocKind {
    /// The kind of a document, from its URI and the language the editor gave it.
    pub fn of(uri: &Uri, language: &str) -> DocKind {
        if language == "campaign-tests" || uri.as_str().ends_with(".tests") {
            DocKind::Tests
        } else {
            DocKind::Campaign
        }
    }
}

/// An open document: its latest text and version.
#[derive(Debug, Clone)]
pub struct Document {
    /// Campaign or tests.
    pub kind: DocKind,
    /// The version the editor gave the latest text.
    pub version: i32,
    /// The latest text.
    pub text: Arc<str>,
    /// Its line index.
    pub index: Arc<LineIndex>,
}

impl Document {
    /// A document as opened.
    pub fn new(kind: DocKind, version: i32, text: String) -> Self {
        let index = Arc::new(LineIndex::new(&text));
        Document {
            kind,
            version,
            text: text.into(),
            index,
        }
    }

    /// Applies the changes of one `didChange`, in order: a change with a range replaces that
    /// range of the text as it is after the changes before it; one without replaces the text.
    pub fn apply(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let mut text = self.text.to_string();
        let mut index = LineIndex::new(&text);
        for change in changes {
            match change.range {
                Some(range) => {
                    let span = index.span(&text, range);
                    text.replace_range(span.start..span.end, &change.text);
                }
                None => text = change.text,
            }
            index = LineIndex::new(&text);
        }
        self.version = version;
        self.text = text.into();
        self.index = Arc::new(index);
    }
}

/// The URI of the campaign beside a `.tests` file (`NAME.tests` → `NAME.campaign`).
pub fn campaign_beside(tests: &Uri) -> Option<Uri> {
    let stem = tests.as_str().strip_suffix(".tests")?;
    format!("{stem}.campaign").parse().ok()
}

/// The URI of the `.tests` file beside a campaign (`NAME.campaign` → `NAME.tests`).
pub fn tests_beside(campaign: &Uri) -> Option<Uri> {
    let stem = campaign.as_str().strip_suffix(".campaign")?;
    format!("{stem}.tests").parse().ok()
}

/// The path of a `file:` URI, percent-decoded; none for other schemes.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`) names a local file.
    let path = match rest.strip_prefix("localhost") {
        Some(p) => p,
        None => rest,
    };
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    // `file:///C:/x` names `C:/x` on Windows.
    let windows_drive = decoded
        .get(1..3)
        .is_some_and(|s| s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && s.ends_with(':'));
    if cfg!(windows) && windows_drive {
        return decoded.get(1..).map(PathBuf::from);
    }
    Some(PathBuf::from(decoded))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    #[test]
    fn ascii_offsets_and_positions_round_trip() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(index.starts.len(), 3);
        assert_eq!(index.position(text, 0), pos(0, 0));
        assert_eq!(index.position(text, 2), pos(0, 2));
        assert_eq!(index.position(text, 3), pos(1, 0));
        assert_eq!(index.position(text, 4), pos(1, 1));
        assert_eq!(index.position(text, 6), pos(2, 0));
        for offset in 0..=text.len() {
            assert_eq!(
                index.offset(text, index.position(text, offset)),
                offset,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn chinese_counts_one_unit_per_character_and_emoji_two() {
        // "资" and "格" are 3 bytes and 1 UTF-16 unit each; "😀" is 4 bytes and 2 units.
        let text = "x \"资格😀\" y\n";
        let index = LineIndex::new(text);
        let y = text.find('y').unwrap();
        assert_eq!(y, 15);
        assert_eq!(index.position(text, y), pos(0, 9));
        assert_eq!(index.offset(text, pos(0, 9)), y);
        let emoji = text.find('😀').unwrap();
        assert_eq!(index.position(text, emoji), pos(0, 5));
        assert_eq!(index.position(text, emoji + 4), pos(0, 7));
    }

    #[test]
    fn a_column_inside_a_surrogate_pair_is_the_start_of_the_character() {
        let text = "😀z";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(0, 1)), 0);
        assert_eq!(index.offset(text, pos(0, 2)), 4);
        // An offset inside the emoji's bytes is the emoji's start.
        assert_eq!(index.position(text, 2), pos(0, 0));
    }

    #[test]
    fn columns_and_lines_past_the_end_are_clamped() {
        let text = "abc\r\nde";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, pos(0, 99)), 3, "the end of the line, before \\r\\n");
        assert_eq!(index.offset(text, pos(1, 99)), text.len());
        assert_eq!(index.offset(text, pos(7, 0)), text.len());
        assert_eq!(index.position(text, 999), pos(1, 2));
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let text = "a\r\nb\rc\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.starts.len(), 4);
        assert_eq!(index.position(text, text.find('b').unwrap()), pos(1, 0));
        assert_eq!(index.position(text, text.find('c').unwrap()), pos(2, 0));
        assert_eq!(index.position(text, text.find('d').unwrap()), pos(3, 0));
        assert_eq!(index.offset(text, pos(2, 0)), text.find('c').unwrap());
    }

    #[test]
    fn ranges_and_spans_convert_both_ways() {
        let text = "店铺评分 ≥ 4.2\nnext";
        let index = LineIndex::new(text);
        let span = Span::new(text.find('4').unwrap(), text.find('\n').unwrap());
        let range = index.range(text, span);
        assert_eq!(range, Range::new(pos(0, 7), pos(0, 10)));
        assert_eq!(index.span(text, range), span);
        // A reversed range is put in order.
        assert_eq!(index.span(text, Range::new(range.end, range.start)), span);
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut doc = Document::new(DocKind::Campaign, 1, "资格 = 1\n".into());
        doc.apply(
            2,
            vec![
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(pos(0, 5), pos(0, 6))),
                    range_length: None,
                    text: "42".into(),
                },
                TextDocumentContentChangeEvent {
                    range: Some(Range::new(pos(1, 0), pos(1, 0))),
                    range_length: None,
                    text: "😀".into(),
                },
            ],
        );
        assert_eq!(&*doc.text, "资格 = 42\n😀");
        assert_eq!(doc.version, 2);
        assert_eq!(doc.index.position(&doc.text, doc.text.len()), pos(1, 2));
        doc.apply(
            3,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: "new".into(),
            }],
        );
        assert_eq!(&*doc.text, "new");
    }

    #[test]
    fn texts_and_comments_are_told_from_code() {
        let text = "a \"x # \\\" y\" # c \"\nb";
        assert_eq!(lexical_at(text, 1), Lexical::Code);
        assert_eq!(lexical_at(text, text.find('x').unwrap()), Lexical::Text);
        assert_eq!(
            lexical_at(text, text.find('y').unwrap()),
            Lexical::Text,
            "after an escaped quote"
        );
        assert_eq!(lexical_at(text, text.find(" c").unwrap()), Lexical::Comment);
        assert_eq!(
            lexical_at(text, text.find('b').unwrap()),
            Lexical::Code,
            "a comment ends with its line"
        );
    }

    #[test]
    fn words_are_names_of_any_script() {
        let text = "x ≥ 店铺评分_2 + y";
        let at = text.find('评').unwrap();
        let span = word_at(text, at).unwrap();
        assert_eq!(text.get(span.start..span.end), Some("店铺评分_2"));
        // Touching the end of a word finds it; white space between words finds none.
        let end = text.find(" +").unwrap();
        assert_eq!(word_at(text, end), Some(span));
        assert_eq!(word_at(text, text.find('+').unwrap()), None);
    }

    #[test]
    fn sibling_uris_and_paths() {
        let tests: Uri = "file:///home/me/p/%E6%B4%BB%E5%8A%A8.tests".parse().unwrap();
        let campaign = campaign_beside(&tests).unwrap();
        assert_eq!(campaign.as_str(), "file:///home/me/p/%E6%B4%BB%E5%8A%A8.campaign");
        assert_eq!(tests_beside(&campaign).unwrap(), tests);
        assert_eq!(file_path(&campaign).unwrap(), PathBuf::from("/home/me/p/活动.campaign"));
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&untitled), None);
        assert_eq!(campaign_beside(&untitled), None);
    }

    #[test]
    fn the_kind_comes_from_the_language_or_the_name() {
        let uri: Uri = "file:///a/b.tests".parse().unwrap();
        assert_eq!(DocKind::of(&uri, "plaintext"), DocKind::Tests);
        let uri: Uri = "file:///a/b.campaign".parse().unwrap();
        assert_eq!(DocKind::of(&uri, "campaign"), DocKind::Campaign);
        assert_eq!(DocKind::of(&uri, "campaign-tests"), DocKind::Tests);
    }
}
