//! Reading a `.tests` file: a careful hand-written line parser.
//!
//! The format is line-oriented (one statement a line) except for the facts,
//! which are JSON and may span several lines. The parser knows nothing about
//! the campaign: whether a name is a reward, a value or a fact is settled
//! later, by [`super::resolve`]. Every problem is a [`Diagnostic`] with the
//! byte span of the offending text, so that it renders with its line and
//! column; the parser recovers at the next line and reports every problem it
//! finds at once.

use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

use super::keywords::{STATEMENTS, Word, in_file_words};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::keywords::Surface;
use crate::syntax::scan::{self, Kind};

mod blocks;
mod statements;
mod values;

/// A parsed `.tests` file: its cases and tables, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct TestFile {
    /// The cases and tables.
    pub items: Vec<Item>,
    /// The keyword set the file is written in (English when it has no keyword).
    pub surface: Surface,
    /// Every keyword, where it is written, in file order (for `campaign fmt --keywords`).
    pub keywords: Vec<(Span, Word)>,
}

/// One `case` or `table`.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `case "NAME" { ... }`.
    Case(CaseDef),
    /// `table "NAME" { ... }`.
    Table(TableDef),
}

/// A `case` block as written.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDef {
    /// The case's name.
    pub name: String,
    /// The `case "NAME"` header.
    pub span: Span,
    /// The facts: one record, or several for a budget campaign.
    pub facts: Facts,
    /// `with NAME = VALUE` lines.
    pub params: Vec<ParamSetting>,
    /// `expect` lines.
    pub expectations: Vec<Expectation>,
}

/// A `table` block as written.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    /// The table's name.
    pub name: String,
    /// The `table "NAME"` header.
    pub span: Span,
    /// The facts every row starts from (an empty object when not given).
    pub facts: Option<Facts>,
    /// `with NAME = VALUE` lines, applied to every row.
    pub params: Vec<ParamSetting>,
    /// The header row: column names.
    pub columns: Vec<Cell>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The whole row.
    pub span: Span,
    /// Its cells, one per column.
    pub cells: Vec<Cell>,
}

/// The text of one table cell (trimmed) and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell's text without the surrounding spaces.
    pub text: String,
    /// Where the text is (an empty span after the `|` when the cell is empty).
    pub span: Span,
}

/// The facts of a case: JSON objects, one per record.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// The records, in order.
    pub records: Vec<Map<String, Json>>,
    /// Whether they were written as a list (`facts [ {...}, ... ]`).
    pub is_list: bool,
    /// Where the JSON is.
    pub span: Span,
}

/// `with NAME = VALUE`: a parameter set for one case (or every row of a table).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSetting {
    /// The parameter's name.
    pub name: String,
    /// Its value as written (the same text `--param NAME=VALUE` takes).
    pub value: String,
    /// The whole line.
    pub span: Span,
}

/// One `expect` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The record it is about (`expect "acct-2" ...`), when the case has several.
    pub record: Option<(String, Span)>,
    /// What is checked.
    pub target: Target,
    /// The name as written (`eligible`, `cash[2022-12]`), for messages.
    pub target_span: Span,
    /// What it should be.
    pub expected: Expected,
    /// The expected value as written.
    pub expected_span: Span,
    /// The whole line after `expect`.
    pub span: Span,
}

/// What an expectation checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `eligible`: whether the record is eligible.
    Eligible,
    /// `reasons`: exactly these reasons, in order.
    Reasons,
    /// `reason "..."`: this reason is among the reasons.
    ReasonIncludes,
    /// `error`: the record cannot be read or evaluated.
    Error,
    /// `liable`: whether the record is liable for a campaign's fees (its conditions hold).
    Liable,
    /// A reward or value, optionally one period of a reward settled per period.
    Named {
        /// The reward's or value's name.
        name: String,
        /// The period key (`2022-12`), for `cash[2022-12]`.
        period: Option<String>,
    },
}

/// An expected value.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// `true` or `false`.
    Bool(bool),
    /// `null` (or `unknown`).
    Unknown,
    /// A number with an optional unit: `90`, `90 points`, `10001.00 CNY`, `2%`.
    Number {
        /// The number (a percentage already divided by 100).
        value: Decimal,
        /// The unit as written, if any.
        unit: Option<String>,
    },
    /// A text in quotes.
    Text(String),
    /// A list of texts: `["a", "b"]`.
    Texts(Vec<String>),
    /// Nothing more to say (`expect error` without a message).
    Anything,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Bool(b) => write!(f, "{b}"),
            Expected::Unknown => f.write_str("null"),
            Expected::Number { value, unit } => match unit {
                Some(u) => write!(f, "{value} {u}"),
                None => write!(f, "{value}"),
            },
            Expected::Text(t) => write!(f, "{}", quote(t)),
            Expected::Texts(ts) => {
                let items: Vec<String> = ts.iter().map(|t| quote(t)).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Expected::Anything => f.write_str("anything"),
        }
    }
}

/// A text in double quotes, as JSON writes it.
pub fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// Parses the text of a `.tests` file.
///
/// # Errors
///
/// Every syntax problem found, each with its span.
pub fn parse(text: &str) -> Result<TestFile, Vec<Diagnostic>> {
    let mut p = Parser {
        text,
        // A byte order mark, as some editors write, is not part of the text.
        pos: if text.starts_with('\u{FEFF}') { 3 } else { 0 },
        diagnostics: Vec::new(),
        whole: "file",
        surface: None,
        keywords: Vec::new(),
    };
    let items = p.file();
    let surface = p.surface.map(|(s, _)| s).unwrap_or_default();
    if p.diagnostics.is_empty() {
        Ok(TestFile {
            items,
            surface,
            keywords: p.keywords,
        })
    } else {
        Err(p.diagnostics.into_iter().map(|d| in_files_words(d, surface)).collect())
    }
}

/// Every keyword of the text of a `.tests` file, where it is written, in file order: for
/// converting it to one keyword set, which a file that mixes the two sets may be too.
///
/// # Errors
///
/// The reader's diagnostics when the file has a mistake other than a keyword of the other set.
pub fn keywords(text: &str) -> Result<Vec<(Span, Word)>, Vec<Diagnostic>> {
    let mut p = Parser {
        text,
        pos: if text.starts_with('\u{FEFF}') { 3 } else { 0 },
        diagnostics: Vec::new(),
        whole: "file",
        surface: None,
        keywords: Vec::new(),
    };
    p.file();
    // A keyword of the other set is noted where it is, and the reader goes on as if it were
    // of the file's: every keyword has been found.
    if p.diagnostics.iter().all(|d| d.code == Code::TestMixedKeywords) {
        Ok(p.keywords)
    } else {
        let surface = p.surface.map(|(s, _)| s).unwrap_or_default();
        Err(p.diagnostics.into_iter().map(|d| in_files_words(d, surface)).collect())
    }
}

/// Parses the text of an expected value: a table cell or the part of an
/// `expect` line after `=`. `offset` is where `text` starts in the file.
///
/// # Errors
///
/// A diagnostic pointing into `text` when it is not a value.
pub fn parse_expected(text: &str, offset: usize) -> Result<Expected, Diagnostic> {
    let mut p = Parser {
        text,
        pos: 0,
        diagnostics: Vec::new(),
        whole: "value",
        surface: None,
        keywords: Vec::new(),
    };
    let value = p.value();
    let result = match value {
        Ok(v) => {
            p.skip_spaces();
            if p.pos < text.len() {
                Err(p.unexpected("the end of the value"))
            } else {
                Ok(v)
            }
        }
        Err(d) => Err(d),
    };
    result.map_err(|d| shift(d, offset))
}

/// A diagnostic of the reader, whose texts quote keywords in English, quoting them in the
/// file's set (but for [`mixed_keywords`], which quotes both sets on purpose).
fn in_files_words(mut d: Diagnostic, surface: Surface) -> Diagnostic {
    if d.code == Code::TestMixedKeywords {
        return d;
    }
    d.message = in_file_words(&d.message, surface);
    for label in &mut d.labels {
        label.text = in_file_words(&label.text, surface);
    }
    d.help = d.help.map(|h| in_file_words(&h, surface));
    d
}

fn shift(mut d: Diagnostic, offset: usize) -> Diagnostic {
    for label in &mut d.labels {
        label.span = Span::new(label.span.start + offset, label.span.end + offset);
    }
    d
}

/// Full-width punctuation a Chinese keyboard types, and the ASCII mark meant.
const FULL_WIDTH: &[(char, char)] = &[
    ('“', '"'),
    ('”', '"'),
    ('＂', '"'),
    ('｛', '{'),
    ('｝', '}'),
    ('｜', '|'),
    ('＝', '='),
    ('：', ':'),
    ('，', ','),
    ('［', '['),
    ('］', ']'),
    ('【', '['),
    ('】', ']'),
    ('（', '('),
    ('）', ')'),
    ('＃', '#'),
    ('％', '%'),
];

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    /// What the text is, for "the file ends" / "the value ends".
    whole: &'static str,
    /// The file's keyword set, as its first keyword (there) sets it.
    surface: Option<(Surface, Span)>,
    /// The keywords read so far.
    keywords: Vec<(Span, Word)>,
}

type PResult<T> = Result<T, Diagnostic>;

/// Whether text read as one statement holds, after its first line, a line starting with `}`:
/// the reader took what was probably the end of the block.
fn took_a_close(read: &str) -> bool {
    read.lines().skip(1).any(|line| line.trim_start().starts_with('}'))
}

/// The start of the line at `at` when that line starts a statement of a `.tests` file
/// (`expect`, `with`, `facts`, `case`, `table`, in either keyword set), which no JSON line can.
fn statement_line(text: &str, at: usize) -> Option<usize> {
    let line = text.get(at..)?;
    let content = line.trim_start_matches([' ', '\t']);
    let starts = STATEMENTS.iter().flat_map(|w| w.spellings()).any(|(word, _)| {
        content
            .strip_prefix(word)
            .is_some_and(|after| after.starts_with([' ', '\t', '"', '\n', '\r']) || after.is_empty())
    });
    starts.then_some(at)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eof(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Skips spaces and tabs (not line ends).
    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\u{3000}' {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// Skips blank lines, comment lines and leading spaces.
    fn skip_blank(&mut self) {
        loop {
            self.skip_spaces();
            match self.peek() {
                Some('\n' | '\r') => {
                    self.bump();
                }
                Some('#') => self.skip_line(),
                _ => break,
            }
        }
    }

    /// Skips to just after the end of the current line.
    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    /// Whether only spaces and a comment are left on the line.
    fn at_line_end(&mut self) -> bool {
        self.skip_spaces();
        matches!(self.peek(), None | Some('\n' | '\r' | '#'))
    }

    /// Requires the end of the line (a comment may follow), and moves past it.
    fn end_line(&mut self) -> PResult<()> {
        if self.at_line_end() {
            self.skip_line();
            Ok(())
        } else {
            Err(self.unexpected("the end of the line"))
        }
    }

    /// The span of the character at the cursor (or an empty span at the end).
    fn here(&self) -> Span {
        let len = self.peek().map(char::len_utf8).unwrap_or(0);
        Span::new(self.pos, self.pos + len)
    }

    /// A diagnostic for the character at the cursor, which is not what was expected.
    fn unexpected(&self, expected: &str) -> Diagnostic {
        let span = self.here();
        match self.peek() {
            None => Diagnostic::error(
                Code::TestSyntax,
                span,
                format!("the {} ends where {expected} was expected", self.whole),
                format!("the {} ends here", self.whole),
            ),
            Some('\n' | '\r') => Diagnostic::error(
                Code::TestSyntax,
                span,
                format!("the line ends where {expected} was expected"),
                format!("expected {expected}"),
            ),
            Some(c) => {
                if let Some((_, ascii)) = FULL_WIDTH.iter().find(|(w, _)| *w == c) {
                    return Diagnostic::error(
                        Code::FullWidthPunctuation,
                        span,
                        format!("full-width `{c}` where {expected} was expected"),
                        "full-width punctuation",
                    )
                    .with_help(format!(
                        "type the ASCII `{ascii}` instead (switch the keyboard to half-width)"
                    ))
                    .with_fix(span, ascii.to_string(), format!("write `{ascii}`"));
                }
                Diagnostic::error(
                    Code::TestSyntax,
                    span,
                    format!("unexpected `{c}` where {expected} was expected"),
                    format!("expected {expected}"),
                )
            }
        }
    }

    /// An identifier at the cursor, if any.
    fn ident(&mut self) -> Option<(&'a str, Span)> {
        let start = self.pos;
        if !self.peek().is_some_and(is_ident_start) {
            return None;
        }
        while self.peek().is_some_and(is_ident_char) {
            self.bump();
        }
        let span = Span::new(start, self.pos);
        self.text.get(start..self.pos).map(|s| (s, span))
    }

    /// The keyword `word` at the cursor, in either set, not followed by more letters: moves
    /// past it and notes it (see [`Self::noted`]).
    fn keyword(&mut self, word: Word) -> bool {
        let rest = self.rest();
        let found = word.spellings().into_iter().find(|(spelling, _)| {
            rest.strip_prefix(spelling)
                .is_some_and(|after| !after.chars().next().is_some_and(is_ident_char))
        });
        let Some((spelling, surface)) = found else {
            return false;
        };
        let span = Span::new(self.pos, self.pos + spelling.len());
        self.pos = span.end;
        self.noted(word, surface, span);
        true
    }

    /// Notes the keyword `word`, written in `surface` at `span`: the first keyword sets the
    /// file's keyword set, and a keyword of the other set is reported.
    fn noted(&mut self, word: Word, surface: Surface, span: Span) {
        self.keywords.push((span, word));
        match self.surface {
            None => self.surface = Some((surface, span)),
            Some((own, _)) if own == surface => {}
            Some((own, first)) => self.diagnostics.push(mixed_keywords(own, first, span, word)),
        }
    }

    /// A text in double quotes, with JSON escapes, on one line.
    fn string(&mut self) -> PResult<(String, Span)> {
        let start = self.pos;
        if self.peek() != Some('"') {
            return Err(self.unexpected("a text in double quotes"));
        }
        let text = scan::tests_from(self.text, start).next();
        self.pos = text.map_or(self.text.len(), |t| t.end);
        if !text.is_some_and(|t| t.kind == (Kind::Text { closed: true })) {
            return Err(Diagnostic::error(
                Code::UnterminatedString,
                Span::new(start, self.pos),
                "this text in quotes is not closed on the same line",
                "the closing `\"` is missing",
            )
            .with_help("end the text with `\"` before the end of the line"));
        }
        let span = Span::new(start, self.pos);
        let raw = self.text.get(start..self.pos).unwrap_or("\"\"");
        match serde_json::from_str::<String>(raw) {
            Ok(s) => Ok((s, span)),
            Err(e) => Err(Diagnostic::error(
                Code::TestSyntax,
                span,
                format!("this text in quotes is not valid: {}", json_message(&e)),
                "invalid text",
            )
            .with_help("inside quotes, write `\\\"` for a quote and `\\\\` for a backslash")),
        }
    }
}

/// What `expect WORD` checks when WORD is this keyword and says what to expect without a
/// text after it.
fn verdict_target(word: Word) -> Option<Target> {
    match word {
        Word::Eligible => Some(Target::Eligible),
        Word::Reasons => Some(Target::Reasons),
        Word::Liable => Some(Target::Liable),
        Word::Case | Word::Table | Word::Facts | Word::With | Word::Expect | Word::Not | Word::Reason | Word::Error => {
            None
        }
    }
}

/// A keyword of the other set than the file's: `own` is the file's, set by its first
/// keyword at `first`.
fn mixed_keywords(own: Surface, first: Span, at: Span, word: Word) -> Diagnostic {
    let other = match own {
        Surface::English => Surface::Chinese,
        Surface::Chinese => Surface::English,
    };
    let (found, instead) = (word.spell(other), word.spell(own));
    let (own_name, other_name) = match own {
        Surface::English => ("English", "a Chinese"),
        Surface::Chinese => ("Chinese", "an English"),
    };
    Diagnostic::error(
        Code::TestMixedKeywords,
        at,
        format!("`{found}` is {other_name} keyword, but this tests file is written with {own_name} keywords"),
        format!("{other_name} keyword"),
    )
    .with_label(first, format!("the first keyword sets the file's keywords to {own_name}"))
    .with_help(format!(
        "write `{instead}` here: a tests file uses one keyword set (`campaign fmt --keywords {}` converts a whole file)",
        own.name()
    ))
    .with_fix(at, instead, format!("write `{instead}`"))
}

/// Every column of a table's header has a name, and no name is given twice.
fn check_columns(columns: &[Cell]) -> PResult<()> {
    for (i, c) in columns.iter().enumerate() {
        if c.text.is_empty() {
            return Err(Diagnostic::error(
                Code::TestSyntax,
                c.span,
                "a column without a name",
                "empty column name",
            ));
        }
        if let Some(first) = columns.iter().take(i).find(|d| d.text == c.text) {
            return Err(Diagnostic::error(
                Code::TestSyntax,
                c.span,
                format!("the column `{}` is given twice", c.text),
                "second column",
            )
            .with_label(first.span, "first column"));
        }
    }
    Ok(())
}

/// A row that does not end with `|`: at the end of its line, or before a comment.
fn unclosed_row(span: Span, before_comment: bool) -> Diagnostic {
    if before_comment {
        let at = Span::new(span.end, span.end + 1);
        return Diagnostic::error(
            Code::TestSyntax,
            at,
            "`#` starts a comment, but the row's last cell is not closed with `|`",
            "comment inside the row",
        )
        .with_help("put `#` inside quotes if it belongs to a text, or close the row with `|` first");
    }
    Diagnostic::error(Code::TestSyntax, span, "a table row ends with `|`", "no closing `|`")
        .with_help("write each row as `| cell | cell |`")
}

/// A full-width `｜` where a row separates its cells.
fn full_width_bar(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::FullWidthPunctuation,
        span,
        "full-width `｜` between cells",
        "full-width punctuation",
    )
    .with_help("type the ASCII `|` instead")
    .with_fix(span, "|", "write `|`")
}

/// A full-width punctuation mark in the facts' JSON.
fn full_width_in_facts(span: Span, c: char, ascii: char) -> Diagnostic {
    Diagnostic::error(
        Code::FullWidthPunctuation,
        span,
        format!("full-width `{c}` in the facts"),
        "full-width punctuation",
    )
    .with_help(format!("type the ASCII `{ascii}` instead"))
    .with_fix(span, ascii.to_string(), format!("write `{ascii}`"))
}

/// The first key given twice in one object of valid JSON text: (offset, length, key).
fn duplicate_key(json: &str) -> Option<(usize, usize, String)> {
    let mut stack: Vec<Option<std::collections::HashSet<String>>> = Vec::new();
    // Valid JSON: no comments, every text in quotes closed on its line.
    for segment in scan::tests_from(json, 0) {
        match segment.kind {
            Kind::Comment => {}
            Kind::Code => {
                for c in segment.text(json).chars() {
                    match c {
                        '{' => stack.push(Some(std::collections::HashSet::new())),
                        '[' => stack.push(None),
                        '}' | ']' => {
                            stack.pop();
                        }
                        _ => {}
                    }
                }
            }
            Kind::Text { .. } => {
                let (i, end) = (segment.start, segment.end);
                let is_key = json.get(end..).is_some_and(|rest| rest.trim_start().starts_with(':'));
                if is_key
                    && let Some(Some(keys)) = stack.last_mut()
                    && let Ok(key) = serde_json::from_str::<String>(segment.text(json))
                    && !keys.insert(key.clone())
                {
                    return Some((i, end - i, key));
                }
            }
        }
    }
    None
}

/// A markdown separator cell: `---`, `:--`, `:-:`.
fn is_separator(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c == '-' || c == ':') && text.contains('-')
}

/// A cell from the text between two `|` at `start..end`, trimmed.
fn cell(text: &str, start: usize, end: usize) -> Cell {
    let raw = text.get(start..end).unwrap_or("");
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    let s = start + lead;
    Cell {
        text: trimmed.to_string(),
        span: Span::new(s, s + trimmed.len()),
    }
}

/// serde_json's message without its " at line L column C".
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// The byte offset of serde_json's 1-based line and column (columns count bytes) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The records' ids, and that each expectation can tell which record it is about.
fn check_records(facts: &Facts, expectations: &[Expectation]) -> PResult<()> {
    let ids = record_ids(facts, "");
    for (i, id) in ids.iter().enumerate() {
        if ids.iter().take(i).any(|other| other == id) {
            return Err(Diagnostic::error(
                Code::TestSyntax,
                facts.span,
                format!("two records have the id {}", quote(id)),
                "duplicate id",
            )
            .with_help("give every record of a case its own `id`"));
        }
    }
    for e in expectations {
        match &e.record {
            None if facts.records.len() > 1 => {
                let example = ids.first().map(String::as_str).unwrap_or("#1");
                return Err(Diagnostic::error(
                    Code::TestSyntax,
                    e.span,
                    format!(
                        "this case has {} records: say which one this is about",
                        facts.records.len()
                    ),
                    "which record?",
                )
                .with_help(format!(
                    "name the record by its id, e.g. `expect {} eligible`",
                    quote(example)
                )));
            }
            Some((id, span)) if facts.is_list && !ids.contains(id) => {
                return Err(Diagnostic::error(
                    Code::TestSyntax,
                    *span,
                    format!("no record of this case has the id {}", quote(id)),
                    "unknown record",
                )
                .with_help(format!(
                    "the records are: {}",
                    ids.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", ")
                )));
            }
            Some((_, span)) if !facts.is_list => {
                return Err(Diagnostic::error(
                    Code::TestSyntax,
                    *span,
                    "this case has one record: leave out the record's id",
                    "not needed",
                )
                .with_help("name records only in a case with `facts [ {...}, {...} ]`"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The id of each record: its `id` when it is a text; otherwise `name` for a single record
/// and `#1`, `#2`, ... in a list.
pub fn record_ids(facts: &Facts, name: &str) -> Vec<String> {
    facts
        .records
        .iter()
        .enumerate()
        .map(|(i, r)| match r.get("id") {
            Some(Json::String(id)) => id.clone(),
            _ if facts.is_list => format!("#{}", i + 1),
            _ => name.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        clippy::panic,
        clippy::indexing_slicing,
        reason = "a test stops at its first surprise: unwrap, indexing and `panic!` with the value found say plainly what went wrong"
    )]

    use super::*;

    #[test]
    fn parses_a_case_and_a_table() {
        let text = r#"
# comment
case "a" {
  facts {"store_score": 4.2,   # a comment inside JSON
         "sales": []}
  with monthly_packs = 2
  expect eligible
  expect not waitlisted
  expect growth_points = 90 points   # and here
  expect cash[2022-12] = 3.42 CNY
  expect cash.by_period["2023-01"] = 0
  expect reason "x # y"
  expect reasons = ["a", "b"]
}
table "t" {
  facts {"a": 1}
  | store_score | eligible | reasons |
  |---|---|---|
  | "4.19" | false | "a|b" |
  | null | | [] |
}
"#;
        let file = parse(text).unwrap();
        assert_eq!(file.items.len(), 2);
        let Item::Case(c) = &file.items[0] else { panic!() };
        assert_eq!(c.expectations.len(), 7);
        assert_eq!(c.expectations[0].target, Target::Eligible);
        assert_eq!(c.expectations[1].expected, Expected::Bool(false));
        assert_eq!(
            c.expectations[3].target,
            Target::Named {
                name: "cash".into(),
                period: Some("2022-12".into())
            }
        );
        assert_eq!(
            c.expectations[4].target,
            Target::Named {
                name: "cash".into(),
                period: Some("2023-01".into())
            }
        );
        assert_eq!(c.expectations[5].expected, Expected::Text("x # y".into()));
        let Item::Table(t) = &file.items[1] else { panic!() };
        assert_eq!(t.columns.len(), 3);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[2].text, "\"a|b\"");
        assert_eq!(t.rows[1].cells[1].text, "");
    }

    /// Facts whose `{` is never closed: one error at the facts, and the lines after them (the
    /// `expect`, the `}`, the next case) are read as written instead of as more facts.
    #[test]
    fn facts_not_closed_are_one_error_and_the_next_case_is_read() {
        let text = "case \"one\" {\n  facts {\"a\": 1,\n         \"b\": 2\n  expect eligible\n}\n\ncase \"two\" {\n  facts {\"a\": 1}\n  expect eligible\n}\n";
        let errs = parse(text).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(errs[0].message, "these facts are not closed");
        assert_eq!(errs[0].span().start, text.find('{').map(|i| i + 10).unwrap());
    }

    /// Facts missing their `}` that took the case's `}` as theirs: the JSON error is reported,
    /// not a second error saying the case is not closed.
    #[test]
    fn a_json_error_that_took_the_cases_end_is_reported_once() {
        let text =
            "case \"one\" {\n  facts {\"a\": 1,\n}\n\ncase \"two\" {\n  facts {\"a\": 1}\n  expect eligible\n}\n";
        let errs = parse(text).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert!(errs[0].message.contains("not valid JSON"), "{}", errs[0].message);
    }

    #[test]
    fn errors_have_spans() {
        let text = "case \"a\" {\n  facts {\"x\": }\n  expect eligible\n}\n";
        let errs = parse(text).unwrap_err();
        assert_eq!(errs.len(), 1);
        let span = errs[0].span();
        assert_eq!(&text[span.start..span.end], "}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        assert_eq!(duplicate_key(r#"{"a": 1, "b": {"a": 2}}"#), None);
        assert_eq!(duplicate_key(r#"[{"a": 1}, {"a": 2}]"#), None);
        assert_eq!(
            duplicate_key(r#"{"a": "x\"", "b": 1, "a": 2}"#),
            Some((21, 3, "a".into()))
        );
        let text = "case \"a\" {\n  facts {\"x\": 1, \"x\": 2}\n  expect eligible\n}\n";
        let errs = parse(text).unwrap_err();
        let span = errs[0].span();
        assert_eq!(&text[span.start..span.end], "\"x\"");
        assert!(span.start > text.find("1,").unwrap());
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let text = "\u{FEFF}# c\r\ncase \"a\" {\r\n  facts {\"x\": 1}\r\n  expect eligible\r\n}\r\n";
        assert_eq!(parse(text).unwrap().items.len(), 1);
    }

    #[test]
    fn full_width_punctuation() {
        let errs = parse("case “a” {\n}\n").unwrap_err();
        assert_eq!(errs[0].code, Code::FullWidthPunctuation);
    }

    #[test]
    fn multi_record_expectations_name_the_record() {
        let text = "case \"a\" {\n  facts [{\"id\": \"x\"}, {\"id\": \"y\"}]\n  expect eligible\n}\n";
        assert!(parse(text).is_err());
        let text = "case \"a\" {\n  facts [{\"id\": \"x\"}, {\"id\": \"y\"}]\n  expect \"y\" eligible\n}\n";
        assert!(parse(text).is_ok());
        let text = "case \"a\" {\n  facts [{\"id\": \"x\"}, {\"id\": \"y\"}]\n  expect \"z\" eligible\n}\n";
        assert!(parse(text).is_err());
    }

    #[test]
    fn values() {
        assert_eq!(
            parse_expected("2.5%", 0).unwrap(),
            Expected::Number {
                value: Decimal::new(25, 3),
                unit: None
            }
        );
        assert_eq!(
            parse_expected("10001.00 CNY", 0).unwrap(),
            Expected::Number {
                value: Decimal::new(1000100, 2),
                unit: Some("CNY".into())
            }
        );
        assert!(parse_expected("1,000", 0).is_err());
        assert!(parse_expected("90 points x", 0).is_err());
    }
}
