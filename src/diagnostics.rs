//! Diagnostics shared by every stage: spans, stable codes, and rendering.
//!
//! Every stage reports problems as [`Diagnostic`] values: a stable [`Code`], a
//! severity, a one-line message in the policy author's words, labelled spans
//! and a help line. Keeping one data type (rather than one error enum per
//! stage) lets the command line render any of them the same way — as miette's
//! graphical report, as JSON, or as GitHub annotations — and lets one test
//! check that every code is documented in `docs/errors.md`.
//!
//! Where the help line says exactly what to write, the diagnostic also carries
//! a [`Fix`]: the span to replace and the text to put there, for editors and
//! other tools to offer as a quick fix. Reports for people show only the help.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, SourceSpan};
use serde::Serialize;

/// A byte range in a campaign file: `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

impl From<Span> for SourceSpan {
    fn from(span: Span) -> SourceSpan {
        SourceSpan::new(span.start.into(), span.len())
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $what:literal;)*) => {
        /// The stable identifier of a kind of diagnostic.
        ///
        /// Codes never change meaning once published: CI configurations and the
        /// catalogue in `docs/errors.md` refer to them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $what]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in reports and in `docs/errors.md`, e.g. `check::unknown_name`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// A short description of what the code is about.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $what,)*
                }
            }
        }
    };
}

codes! {
    Syntax => "parse::syntax", "the file does not follow the campaign language's grammar";
    FullWidthPunctuation => "parse::full_width_punctuation", "a full-width (Chinese) punctuation mark where an ASCII one belongs";
    UnterminatedString => "parse::unterminated_string", "a text in quotes that is not closed on the same line";
    NumberTooLarge => "parse::number_too_large", "a number with more digits than an exact decimal can hold";
    TooDeep => "parse::too_deep", "expressions nested deeper than the limit";
    NegativeBandStart => "parse::negative_band_start", "a band starting with a negative number, read as a subtraction from the band above";
    FileTooLarge => "parse::file_too_large", "a campaign file larger than the limit";
    TooLarge => "check::too_large", "a campaign with more conditions, or more work to check, than the limits allow";
    OptionalList => "check::optional_list", "a list fact marked optional";
    Tab => "parse::tab", "a tab character where the formatter expects spaces";
    ReservedWord => "parse::reserved_word", "a word of the language used as a name";
    MissingTimezone => "check::missing_timezone", "the campaign does not say which time zone its dates are in";
    UnknownTimezone => "check::unknown_timezone", "a time zone name that is not in the IANA database";
    DuplicateItem => "check::duplicate_item", "a header item given twice";
    DuplicateDefinition => "check::duplicate_definition", "two definitions with the same name";
    DuplicateSetItem => "check::duplicate_set_item", "a text listed twice in a set of texts (`in { ... }`)";
    UnknownName => "check::unknown_name", "a name that is not a fact, value, window, parameter or period";
    UnknownField => "check::unknown_field", "a field that the record does not have";
    AmbiguousName => "check::ambiguous_name", "a name that is a field of two list items in scope, neither inside the other";
    UnknownUnit => "check::unknown_unit", "a unit or currency that is not declared";
    UnknownFunction => "check::unknown_function", "a function that the language does not have";
    UnknownEnumValue => "check::unknown_enum_value", "a text compared with a choice fact that is not one of its choices";
    TypeMismatch => "check::type_mismatch", "a value of the wrong kind for where it is used";
    UnitMismatch => "check::unit_mismatch", "quantities in different units combined or compared";
    BareNumber => "check::bare_number", "a number without a unit where the other side has one";
    PercentExpected => "check::percent_expected", "a plain number compared with a fraction where a percentage was probably meant";
    BareMultiplier => "check::bare_multiplier", "an amount scaled by a number written without `%` or `times`, or a rate without `%` in a tier table";
    UnknownNotHandled => "check::unknown_not_handled", "an optional fact used without saying what unknown means";
    NeedlessUnknownRule => "check::needless_unknown_rule", "an `if unknown` rule on something that is never unknown";
    MissingRounding => "check::missing_rounding", "a payable amount that can have more decimals than its unit pays, without a rounding rule";
    InvalidRounding => "check::invalid_rounding", "a rounding step that is not a positive power of ten";
    InvalidDate => "check::invalid_date", "a date or time that does not exist";
    AmbiguousLocalTime => "check::ambiguous_local_time", "a local time that a daylight-saving change makes ambiguous or skips";
    WindowBackwards => "check::window_backwards", "a window whose end is not after its start";
    AmbiguousWindowEnd => "check::ambiguous_window_end", "a window ending on a bare date with `..`, which would leave that day out";
    TierOverlap => "check::tier_overlap", "two bands of a tier table that share values";
    TierGap => "check::tier_gap", "values between two bands of a tier table that no band covers";
    TierUnreachable => "check::tier_unreachable", "a band of a tier table that no value can fall in";
    EmptyTable => "check::empty_table", "a tier or lookup table without any rows";
    DuplicateKey => "check::duplicate_key", "two rows of a lookup table with the same key";
    MissingKey => "check::missing_key", "a choice that a lookup table has no row for";
    CyclicDefinition => "check::cyclic_definition", "values that depend on themselves";
    MissingReason => "check::missing_reason", "a condition without the reason text shown to merchants";
    EmptyReason => "check::empty_reason", "a reason text that is empty";
    InvalidModifier => "check::invalid_modifier", "a rounding, cap or budget where it cannot apply";
    InvalidParameter => "check::invalid_parameter", "a parameter whose default is not a constant of its type";
    ParameterOverride => "check::parameter_override", "a `--param` override that names no parameter or has the wrong type";
    InvalidScope => "check::invalid_scope", "a per-record or per-period definition used outside its scope";
    InvalidPeriods => "check::invalid_periods", "a period range that is empty or malformed";
    InvalidPeriodReference => "check::invalid_period_reference", "`previous`, `cumulative` or `period_number` where there is no current period, or on what is not a per-period value of its range";
    AggregateOfNonList => "check::aggregate_of_non_list", "an aggregate over something that is not a list";
    WrongArity => "check::wrong_arity", "a function given the wrong number of arguments";
    NothingToCheck => "check::nothing_to_check", "an `eligible when` block with no conditions";
    UnusedDefinition => "lint::unused_definition", "a `let` value or parameter that nothing uses";
    ConditionAlwaysTrue => "lint::condition_always_true", "a condition that cannot fail";
    ConditionNeverTrue => "lint::condition_never_true", "a condition that cannot pass";
    WindowOutsideCampaign => "lint::window_outside_periods", "a window that lies outside the campaign's settlement periods";
    DateOnlyComparison => "lint::date_only_comparison", "a timestamp compared with a bare date, which means the start of that day";
    CapBelowMinimum => "lint::cap_below_minimum", "a cap smaller than the smallest amount the reward can pay";
    ThresholdNotPositive => "lint::threshold_not_positive", "a `portion of ... within first` threshold of zero or less, which every item is past";
    TestSyntax => "test::syntax", "a `.tests` file that does not follow the test file format, or a test that checks nothing";
    Internal => "internal::error", "a fault in campaign itself, not in the file: a step stopped unexpectedly or broke its own rules";
    MixedOutputs => "check::mixed_outputs", "a campaign that declares both rewards and fees";
    GroupKeyWrongKind => "check::group_key_wrong_kind", "a `top KEY of LIST` key that cannot name a group: not a text, choice, count, yes/no or timestamp";
    BalanceMisplaced => "check::balance_misplaced", "a `balance of` that is not the whole of a per-month definition, or that is rounded or capped";
    BalanceNotDated => "check::balance_not_dated", "a balance whose items are not ordered first by a timestamp, or whose `lost at` is not a timestamp";
    NotABalance => "check::not_a_balance", "`credited`, `credit_used`, `credit_expired`, `credit_lost` or `paid_in_cash` of what is not a balance";
    BalanceCanGoNegative => "lint::balance_can_go_negative", "a balance's credit written so that it can be below zero";
    MixedKeywords => "parse::mixed_keywords", "a keyword of the other keyword set (English or Chinese) than the one the file starts with";
    TopTieBreak => "check::top_tie_break", "a `top`'s `then by` that is neither another total of the groups nor the group key with `ascending` or `descending`";
    TestMixedKeywords => "test::mixed_keywords", "a keyword of a `.tests` file in the other keyword set (English or Chinese) than the file's first keyword";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The campaign cannot be used.
    Error,
    /// The campaign works but is probably not what was meant.
    Warning,
}

/// A span with the text shown under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there.
    pub text: String,
}

/// An edit that fixes a diagnostic: replace the text at `span` with `replacement`.
///
/// Attached only where the help line says exactly what to write, so that a tool
/// can offer it as a quick fix without guessing. A zero-length span inserts; an
/// empty replacement deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The bytes to replace.
    pub span: Span,
    /// What to write instead.
    pub replacement: String,
    /// A short imperative for a quick-fix menu, e.g. "write `5%`".
    pub title: String,
}

/// One problem found in a campaign file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, no final period; user text in backticks.
    pub message: String,
    /// The primary label first.
    pub labels: Vec<Label>,
    /// How to fix it, in the policy author's words.
    pub help: Option<String>,
    /// Edits that fix it, when the help says exactly what to write; in the order given.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// An error with a primary label.
    pub fn error(code: Code, span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: visible(&message.into()),
            labels: vec![Label {
                span,
                text: visible(&label.into()),
            }],
            help: None,
            fixes: Vec::new(),
        }
    }

    /// A warning with a primary label.
    pub fn warning(code: Code, span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message, label)
        }
    }

    /// Adds the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(visible(&help.into()));
        self
    }

    /// Adds a fix: replace the text at `span` with `replacement`. `title` is a short
    /// imperative for a quick-fix menu ("write `5%`"). Only for helps that say exactly
    /// what to write.
    pub fn with_fix(mut self, span: Span, replacement: impl Into<String>, title: impl Into<String>) -> Self {
        self.fixes.push(Fix {
            span,
            replacement: replacement.into(),
            title: title.into(),
        });
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: visible(&text.into()),
        });
        self
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.labels.first().map(|l| l.span).unwrap_or_default()
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether a character shows nothing where it stands: a control character other than a line
/// break or a tab, or an invisible format character (zero-width spaces and joiners, direction
/// marks and overrides, the byte order mark, the soft hyphen).
pub fn is_invisible(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// The text with every invisible character written as an escape (`\u{200B}`), so that a
/// message quoting it shows what is there.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_invisible) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_invisible(c) {
                format!("\\u{{{:04X}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A campaign file's text with its name, shared by the diagnostics about it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in reports (usually the path as given).
    pub name: String,
    /// The whole text.
    pub text: Arc<str>,
    /// Where each line starts, so that finding the line of an offset takes a binary search,
    /// not a scan from the top: thousands of diagnostics in a large file render in linear time.
    lines: Arc<LineIndex>,
}

impl SourceFile {
    /// A source file from a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        SourceFile {
            name: name.into(),
            lines: Arc::new(LineIndex::new(&text)),
            text,
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.lines.newline_ends.partition_point(|end| *end <= offset);
        let line_start = self.lines.line_start(line);
        let bytes = self.text.as_bytes();
        let column = self.lines.chars_before(bytes, offset) - self.lines.chars_before(bytes, line_start) + 1;
        (line + 1, column)
    }
}

/// How many bytes of text each entry of [`LineIndex::chars_at_marks`] stands for.
const CHAR_MARK_BYTES: usize = 512;

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn starts_char(byte: &u8) -> bool {
    (*byte as i8) >= -0x40
}

/// The ends of the line breaks of a text, as miette counts them: `\n`, `\r\n` and a lone `\r`.
#[derive(Debug)]
struct LineIndex {
    /// The offset just after each line break, in order.
    newline_ends: Vec<usize>,
    /// The number of characters before each multiple of [`CHAR_MARK_BYTES`]: a column on a
    /// line of a megabyte is counted from the nearest mark, not from the line's start, so
    /// thousands of diagnostics on one long line cost linear time, not quadratic.
    chars_at_marks: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut newline_ends = Vec::new();
        let mut i = 0;
        while let Some(found) = memchr::memchr2(b'\n', b'\r', bytes.get(i..).unwrap_or_default()) {
            let at = i + found;
            let crlf = bytes.get(at) == Some(&b'\r') && bytes.get(at + 1) == Some(&b'\n');
            i = at + if crlf { 2 } else { 1 };
            newline_ends.push(i);
        }
        let mut chars_at_marks = vec![0];
        let mut chars = 0;
        for chunk in bytes.chunks(CHAR_MARK_BYTES) {
            chars += chunk.iter().filter(|b| starts_char(b)).count();
            chars_at_marks.push(chars);
        }
        LineIndex {
            newline_ends,
            chars_at_marks,
        }
    }

    /// The number of characters before byte `offset` of `text` (the text this index was made
    /// from): the count at the mark below, plus those between the mark and the offset.
    fn chars_before(&self, text: &[u8], offset: usize) -> usize {
        let offset = offset.min(text.len());
        let mark = offset / CHAR_MARK_BYTES;
        let counted = self.chars_at_marks.get(mark).copied().unwrap_or(0);
        let rest = text.get(mark * CHAR_MARK_BYTES..offset).unwrap_or_default();
        counted + rest.iter().filter(|b| starts_char(b)).count()
    }

    /// The offset where the 0-based `line` starts.
    fn line_start(&self, line: usize) -> usize {
        line.checked_sub(1)
            .and_then(|before| self.newline_ends.get(before))
            .copied()
            .unwrap_or(0)
    }

    /// The 0-based line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.newline_ends.partition_point(|end| *end <= offset)
    }

    /// The offset just past the end of the line holding `offset`, before its line break.
    fn line_end(&self, text: &str, offset: usize) -> usize {
        let next = self.line_of(offset);
        match self.newline_ends.get(next) {
            None => text.len(),
            Some(after) => {
                let crlf = text.as_bytes().get(after.saturating_sub(2)..*after) == Some(b"\r\n".as_slice());
                after - if crlf { 2 } else { 1 }
            }
        }
    }
}

/// The text of a file for miette, read through its [`LineIndex`]: miette's own reader scans
/// from the top of the file for every snippet. This one hands miette's reader only the text
/// from a few lines before the span on, and shifts what it finds back into the whole file,
/// so that every report is the same as miette's.
#[derive(Debug)]
struct IndexedSource {
    name: String,
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl miette::SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let line = self.lines.line_of(span.offset());
        let first = line.saturating_sub(context_lines_before);
        let from = self.lines.line_start(first);
        let rest = self
            .text
            .as_bytes()
            .get(from..)
            .ok_or(miette::MietteError::OutOfBounds)?;
        let shifted = SourceSpan::new((span.offset().saturating_sub(from)).into(), span.len());
        let inner = rest.read_span(&shifted, context_lines_before, context_lines_after)?;
        let contents = miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + from).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )
        .with_language("campaign");
        Ok(Box::new(contents))
    }
}

/// A diagnostic tied to its file, ready for miette to render.
#[derive(Debug)]
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    source: IndexedSource,
}

impl<'a> Rendered<'a> {
    /// Ties a diagnostic to the file it is about.
    pub fn new(diagnostic: &'a Diagnostic, file: &SourceFile) -> Self {
        Rendered {
            diagnostic,
            source: IndexedSource {
                name: file.name.clone(),
                text: file.text.clone(),
                lines: file.lines.clone(),
            },
        }
    }

    fn clamp(&self, span: Span) -> SourceSpan {
        // miette cannot point past the end of the text (miette#465): clamp, and
        // keep a zero-length span at EOF on the last character instead.
        let text: &str = &self.source.text;
        let len = text.len();
        let start = span.start.min(len);
        let end = span.end.min(len);
        if start == end && start == len && len > 0 {
            let prev = text.char_indices().next_back().map(|(i, _)| i).unwrap_or(0);
            return SourceSpan::new(prev.into(), len - prev);
        }
        SourceSpan::new(start.into(), end - start)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.diagnostic.labels.iter().enumerate().map(|(i, label)| {
            let span = self.clamp(label.span);
            if i == 0 {
                LabeledSpan::new_primary_with_span(Some(label.text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(label.text.clone()), span)
            }
        })))
    }
}

/// The longest line, in bytes, that a graphical report shows as a snippet. A longer line is
/// unreadable drawn in a terminal, and drawing it under each of its diagnostics would make the
/// report grow as their number times its length (miette also pads columns with format widths,
/// which Rust limits to `u16::MAX`: a label further right would panic inside it). Such a
/// diagnostic is reported with its place and without the snippet.
const LONGEST_SHOWN_LINE: usize = 4_096;

/// Whether every label of a diagnostic is on a line short enough to show.
pub fn fits_a_snippet(diagnostic: &Diagnostic, file: &SourceFile) -> bool {
    let text: &str = &file.text;
    diagnostic.labels.iter().all(|label| {
        let start = label.span.start.min(text.len());
        let end = label.span.end.min(text.len());
        let line_start = file.lines.line_start(file.lines.line_of(start));
        let line_end = file.lines.line_end(text, end);
        line_end.saturating_sub(line_start) <= LONGEST_SHOWN_LINE
    })
}

/// A diagnostic on a line too long to show: its code, message, place and help, without the
/// snippet.
pub fn render_without_snippet(diagnostic: &Diagnostic, file: &SourceFile) -> String {
    let (line, column) = file.line_col(diagnostic.span().start);
    let mut out = format!(
        "{}\n\n  × {}\n  at {}:{line}:{column} (the line is too long to show)\n",
        diagnostic.code, diagnostic.message, file.name
    );
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

/// Renders a diagnostic as miette's graphical report, without colour, at the given width.
/// Used by tests and by the command line when colour is off.
pub fn render_plain(diagnostic: &Diagnostic, file: &SourceFile, width: usize) -> String {
    if !fits_a_snippet(diagnostic, file) {
        return render_without_snippet(diagnostic, file);
    }
    let mut out = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(width)
        .with_links(false);
    let rendered = Rendered::new(diagnostic, file);
    if handler.render_report(&mut out, &rendered).is_err() {
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line and column by the definition: count the characters from the line's start.
    fn line_col_by_scanning(text: &str, offset: usize) -> (usize, usize) {
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let breaks = LineIndex::new(before).newline_ends.len();
        (
            breaks + 1,
            before.get(line_start..).map_or(0, |s| s.chars().count()) + 1,
        )
    }

    #[test]
    fn columns_on_long_lines_count_characters_across_marks() {
        // Lines longer than a mark, with characters of 1 to 4 bytes straddling the marks,
        // and every kind of line break.
        let mut text = String::new();
        for line_break in ["\n", "\r\n", "\r"] {
            text.extend(
                ['a', 'é', '中', '😀']
                    .into_iter()
                    .cycle()
                    .skip(text.len() % 4)
                    .take(1500),
            );
            text.push_str(line_break);
        }
        let file = SourceFile::new("long", text.as_str());
        // (The offset between the `\r` and `\n` of a CRLF is left out: by itself, the prefix
        // before it would end in a lone `\r`.)
        let inside_crlf = |offset: usize| text.get(offset.saturating_sub(1)..=offset) == Some("\r\n");
        for (offset, _) in text
            .char_indices()
            .chain([(text.len(), ' ')])
            .filter(|(o, _)| !inside_crlf(*o))
        {
            assert_eq!(
                file.line_col(offset),
                line_col_by_scanning(&text, offset),
                "at {offset}"
            );
        }
    }

    #[test]
    fn a_new_diagnostic_has_no_fix() {
        let d = Diagnostic::error(Code::Syntax, Span::new(1, 2), "m", "l");
        assert!(d.fixes.is_empty());
        let w = Diagnostic::warning(Code::Tab, Span::new(1, 2), "m", "l").with_help("h");
        assert!(w.fixes.is_empty());
    }

    #[test]
    fn with_fix_adds_fixes_in_order_and_nothing_else() {
        let plain = Diagnostic::error(Code::PercentExpected, Span::new(10, 11), "m", "l").with_help("write `5%`");
        let fixed = plain.clone().with_fix(Span::new(10, 11), "5%", "write `5%`").with_fix(
            Span::new(20, 21),
            "",
            "delete the space",
        );
        assert_eq!(
            fixed.fixes,
            [
                Fix {
                    span: Span::new(10, 11),
                    replacement: "5%".into(),
                    title: "write `5%`".into(),
                },
                Fix {
                    span: Span::new(20, 21),
                    replacement: String::new(),
                    title: "delete the space".into(),
                },
            ]
        );
        // The message, labels, help and severity are the same with or without fixes.
        assert_eq!(
            Diagnostic {
                fixes: Vec::new(),
                ..fixed.clone()
            },
            plain
        );
        assert_eq!(fixed.span(), Span::new(10, 11));
    }

    #[test]
    fn fixes_do_not_show_in_the_report_for_people() {
        let file = SourceFile::new("x.campaign", "campaign \"x\"：{}\n");
        let plain =
            Diagnostic::error(Code::FullWidthPunctuation, Span::new(12, 15), "m", "write `:` here").with_help("h");
        let fixed = plain.clone().with_fix(Span::new(12, 15), ":", "a title shown nowhere");
        let report = render_plain(&fixed, &file, 80);
        assert_eq!(report, render_plain(&plain, &file, 80));
        assert!(!report.contains("a title shown nowhere"));
    }

    #[test]
    fn new_codes_are_named_for_what_they_are() {
        assert_eq!(Code::Internal.as_str(), "internal::error");
        assert_eq!(Code::TestSyntax.as_str(), "test::syntax");
        assert_eq!(Code::EmptyTable.as_str(), "check::empty_table");
        assert_eq!(Code::DuplicateSetItem.as_str(), "check::duplicate_set_item");
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len(), "two codes with one name");
    }
}
