//! Reading merchant fact files into [`Record`]s shaped by a campaign's
//! [`RecordSchema`].
//!
//! Four formats are read (see [`Format`]): NDJSON (one JSON object per
//! line), JSON (one object, or an array of objects), CSV and `.xlsx`
//! workbooks (flat schemas; [`join`] reads list facts from further tables
//! joined by id). [`read_records`] streams one item per input record, in input order:
//! a record that cannot be read yields a [`RecordError`] and reading goes on
//! with the next record. Only problems with the file as a whole (a CSV header
//! lacking required columns, a JSON file that holds neither an object nor an
//! array, ...) stop reading before the first record, as a [`FileError`].
//!
//! # Reading rules
//!
//! - Every record has an `id`, a string, even when the schema does not
//!   declare it; when it does, the id is also stored as that fact. Fields the
//!   schema does not declare are ignored and counted, for a warning about
//!   those that look like a declared fact ([`UndeclaredFields`]), or are an
//!   error for their record ([`ReadOptions::strict`]).
//! - An optional fact may be missing or `null` (in CSV: an empty cell or a
//!   missing column): both read as [`FactValue::Unknown`]. A required fact that
//!   is missing or `null` is an error.
//! - `money`, `decimal` and `quantity`: a JSON number or a decimal string
//!   (`12.30`, `"12.30"`), read exactly, never through floating point; the
//!   scale is kept (`12.30` stays `12.30`). Exponents, thousands separators,
//!   `NaN`, empty strings and amounts with more digits than an exact decimal
//!   can hold are refused. Money and decimals may be negative; quantities and
//!   counts may not.
//! - `fraction`: a number or decimal string as a ratio (`0.02` is 2 %), or a
//!   string ending in `%` as a percentage (`"2.5%"` is `0.025`).
//! - `count`: a whole number of at least 0 (`30` or `"30"`; not `30.0`).
//! - `bool`: JSON `true`/`false`; in CSV (and text cells of a workbook)
//!   `true` and `false` in any case (`TRUE` and `FALSE` are what Excel
//!   writes), nothing else.
//! - `text`: a JSON string, kept exactly (never trimmed).
//! - `one of`: a string among the declared choices.
//! - `timestamp`: RFC 3339 with an offset (`2024-08-22T10:00:00+08:00`,
//!   `2024-08-22T02:00:00Z`), fractional seconds allowed; stored as the
//!   instant in UTC.
//! - `duration`: a whole number of seconds (`3600` or `"3600"`), or a text
//!   such as `"30 days"` (units: seconds, minutes, hours, days, weeks).
//! - `list of`: a JSON array of objects, each read against the nested schema.
//! - A key that appears twice in one JSON object is an error.
//!
//! NDJSON skips blank lines; a line ends at an LF, a CR or a CRLF; a UTF-8
//! byte order mark is skipped; a line that is not valid UTF-8 or not valid
//! JSON is an error for that line only. CSV reads the header row to find the
//! columns, and each cell is read like a JSON string (an empty cell is
//! unknown); a stray quote spoils only its row (see the `csv` module). In a
//! `.json` array a syntax error spoils only its element where the brackets
//! still match, and otherwise says which bytes were not read. Other encodings
//! than UTF-8 are decoded before reading ([`Decoding`]). Errors carry the
//! line, the record's id when it could be read, and the path of the offending
//! fact (`sales[2].gmv`).

pub mod join;
pub mod record;

mod csv;
mod encoding;
mod json;
#[cfg(feature = "xlsx")]
mod xlsx;
#[cfg(not(feature = "xlsx"))]
#[path = "xlsx_off.rs"]
mod xlsx;

pub use xlsx::{SheetOptions, Workbook};
#[cfg(feature = "arrow")]
mod columnar;
#[cfg(not(feature = "arrow"))]
#[path = "columnar_off.rs"]
mod columnar;
mod undeclared;

#[cfg(feature = "arrow")]
pub use columnar::open_batches;
pub use columnar::{Columnar, open_columnar, open_columnar_bytes};

pub use encoding::{Decoding, Opened};
pub use record::{FactValue, Items, List, ListBuilder, Record};
pub(crate) use undeclared::closest_fact;
pub use undeclared::{UndeclaredField, UndeclaredFields};

use std::fmt;
use std::io::{BufRead, Read};
use std::ops::Range;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rust_decimal::Decimal;

use crate::program::schema::{FactType, RecordSchema};

/// The format of a fact file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object (one record), or a JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header row (flat schemas only).
    Csv,
    /// An Excel workbook (`.xlsx`): one sheet read like a CSV file, the
    /// first row its header (see [`Workbook`]).
    Xlsx,
    /// A Parquet file, or a folder of Parquet part files: one record per row
    /// (see [`open_columnar`]).
    Parquet,
    /// An Arrow IPC file (Feather v2): one record per row.
    Arrow,
}

impl Format {
    /// The format for a file name, by its extension (case-insensitive):
    /// `.json` is [`Format::Json`], `.ndjson` and `.jsonl` are
    /// [`Format::Ndjson`], `.csv` is [`Format::Csv`], `.xlsx` is
    /// [`Format::Xlsx`], `.parquet` is [`Format::Parquet`], `.arrow` and
    /// `.feather` are [`Format::Arrow`]; anything else is `None`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "parquet" => Some(Format::Parquet),
            "arrow" | "feather" => Some(Format::Arrow),
            _ => None,
        }
    }
}

/// Input records in order, one item per record.
pub type Records<'s> = Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>;

/// Reads some input records, in order, on whichever thread runs it: how a columnar reader
/// hands the conversion of its rows to the workers of a batch
/// ([`Chunk::push_job`](crate::batch::Chunk::push_job)).
pub type RecordJob = Box<dyn FnOnce() -> Vec<Result<InputRecord, RecordError>> + Send>;

/// One record read successfully.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRecord {
    /// The 1-based line where the record starts.
    pub line: usize,
    /// The record's `id`.
    pub id: String,
    /// The values of the schema's facts.
    pub record: Record,
}

/// One record that could not be read, with what a user needs to find and
/// fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    /// The 1-based line where the record starts (for a JSON syntax error in a
    /// `.json` file: the line of the error).
    pub line: usize,
    /// The 1-based column (in characters) of a JSON syntax error or of an
    /// invalid UTF-8 byte.
    pub column: Option<usize>,
    /// The record's `id`, when it could be read.
    pub id: Option<String>,
    /// The path of the offending fact, such as `store_score`, `sales[2].gmv`
    /// or `mini_programs[0].orders[3].amount`.
    pub fact: Option<String>,
    /// What is wrong: lowercase, no final period, user values in backticks.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(id) = &self.id {
            write!(f, ", record `{id}`")?;
        }
        if let Some(fact) = &self.fact {
            write!(f, ", fact `{fact}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for RecordError {}

/// A problem with a fact file as a whole rather than with one record.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    /// The 1-based line concerned, if any.
    pub line: Option<usize>,
    /// What is wrong: lowercase, no final period.
    pub message: String,
    /// How to fix it, when there is advice to give (not part of `Display`).
    pub help: Option<String>,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for FileError {}

/// How fact files are read, beyond their format.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Whether a field the schema does not declare is an error for its record
    /// (`--strict-facts`); otherwise it is ignored, and counted.
    pub strict: bool,
    /// Where the undeclared fields are counted (when not `strict`), for the
    /// warning about those that look like a declared fact
    /// ([`UndeclaredFields::report`]). Share one between the readers of a run.
    pub undeclared: UndeclaredFields,
}

/// Streams the records of `input`, read as `format` against `schema`, with
/// the default [`ReadOptions`] (undeclared fields are ignored).
///
/// # Errors
///
/// See [`read_records_with`].
pub fn read_records<'s, R: BufRead + 's>(
    schema: &'s RecordSchema,
    format: Format,
    input: R,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    read_records_with(schema, format, input, &ReadOptions::default())
}

/// Streams the records of `input`, read as `format` against `schema`.
///
/// Each input record yields exactly one item, in input order: the record, or
/// the first problem found in it. NDJSON and CSV are read line by line (row
/// by row); a `.json` file is read into memory first.
///
/// # Errors
///
/// A [`FileError`] when the file as a whole cannot be read: CSV for a schema
/// with list facts, a CSV header without `id` or a required fact's column, an
/// empty CSV file, a JSON file whose top level is neither an object nor an
/// array, a `.json` file that is not UTF-8, or an I/O error reading a `.json`
/// file or a CSV header.
pub fn read_records_with<'s, R: BufRead + 's>(
    schema: &'s RecordSchema,
    format: Format,
    mut input: R,
    options: &ReadOptions,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    match format {
        Format::Ndjson => Ok(Box::new(json::Ndjson::new(schema, input, options))),
        Format::Json => {
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(|e| FileError {
                line: None,
                message: format!("could not read the input: {e}"),
                help: None,
            })?;
            json::read_document(schema, bytes, options)
        }
        Format::Csv => csv::read_csv(schema, input, options),
        Format::Xlsx => {
            // A workbook is a zip archive, read from its end: it is read whole.
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(|e| FileError {
                line: None,
                message: format!("could not read the input: {e}"),
                help: None,
            })?;
            Workbook::open(bytes)?.records(schema, &SheetOptions::default())
        }
        Format::Parquet | Format::Arrow => {
            // Columnar files are read from their end (their footer): read whole. A file on
            // disk is better opened by its path, with `open_columnar`.
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(|e| FileError {
                line: None,
                message: format!("could not read the input: {e}"),
                help: None,
            })?;
            open_columnar_bytes(schema, format, bytes, options, None).map(Columnar::into_records)
        }
    }
}

/// Parses NDJSON lines against a schema, one at a time and from any thread, so
/// that a caller can split the raw lines off sequentially ([`NdjsonLines`])
/// and parse them in parallel.
pub struct LineParser<'s> {
    plan: json::Plan<'s>,
}

impl<'s> LineParser<'s> {
    /// Prepares to parse lines against `schema`, with the default
    /// [`ReadOptions`].
    pub fn new(schema: &'s RecordSchema) -> Self {
        LineParser::with_options(schema, &ReadOptions::default())
    }

    /// Prepares to parse lines against `schema`, as `options` say.
    pub fn with_options(schema: &'s RecordSchema, options: &ReadOptions) -> Self {
        LineParser {
            plan: json::Plan::new(schema, options),
        }
    }

    /// Whether `other` reads every line as this parser does (the same declared facts, the same
    /// strictness, undeclared fields counted in the same place), so that a line parsed once
    /// serves both: `run_together` then parses each line once for all its batches.
    pub fn reads_like(&self, other: &LineParser<'_>) -> bool {
        self.plan.reads_like(&other.plan)
    }

    /// Parses one line's bytes (without its line break) as the record on line `line`.
    pub fn parse(&self, bytes: &[u8], line: usize) -> Result<InputRecord, RecordError> {
        json::read_line(&self.plan, bytes, line)
    }
}

/// Bytes of NDJSON input read in one go by [`NdjsonLines::fill`]; the lines
/// it hands out are ranges of it. Reusable: its memory is allocated (and
/// zeroed) once, not per line or per block.
#[derive(Debug, Default)]
pub struct LineBlock {
    /// The input read, in `..filled`; the rest is spare room, already
    /// initialised, for the next read.
    bytes: Vec<u8>,
    /// How many bytes of `bytes` hold input.
    filled: usize,
}

impl LineBlock {
    /// The bytes of a line handed out by [`NdjsonLines::fill`] (empty for a
    /// range that is not one).
    pub fn line(&self, range: Range<usize>) -> &[u8] {
        self.bytes
            .get(..self.filled)
            .and_then(|b| b.get(range))
            .unwrap_or_default()
    }
}

/// The raw non-blank lines of an NDJSON input, numbered from 1, with a leading
/// byte order mark removed; a line ends at an LF, a CR or a CRLF. An I/O error ends the stream
/// with one error item.
///
/// The input is read in large blocks into a [`LineBlock`] and lines are handed
/// out as ranges of it: no allocation or copy per line.
pub struct NdjsonLines<R> {
    input: R,
    /// The start of a line (or several lines) read with the previous block,
    /// carried over to the next.
    carry: Vec<u8>,
    /// The number of the last line handed out (blank lines count).
    line: usize,
    /// Whether the input is exhausted (its end reached, or an I/O error).
    ended: bool,
}

impl<R: Read> NdjsonLines<R> {
    /// How many bytes are asked of the input at a time.
    const READ: usize = 128 << 10;
    /// No more is read into a block holding this many bytes and a line:
    /// a block stays about this size (larger only for a longer line).
    const BLOCK: usize = 256 << 10;

    /// Splits `input` into lines.
    pub fn new(input: R) -> Self {
        NdjsonLines {
            input,
            carry: Vec::new(),
            line: 0,
            ended: false,
        }
    }

    /// Reads the next lines into `block`, replacing what it held, and hands
    /// `emit` up to `max` items in input order: each non-blank line's number
    /// and range in `block`, or the I/O error that ends the input. Stops
    /// reading once the block holds about 256 KiB (and at least one line), so
    /// that a block stays in cache. Emits nothing once the input is exhausted.
    pub fn fill(
        &mut self,
        block: &mut LineBlock,
        max: usize,
        mut emit: impl FnMut(Result<(usize, Range<usize>), RecordError>),
    ) {
        block.filled = 0;
        block.append(&self.carry);
        self.carry.clear();
        // The start of the line being read, and how far it is known to hold
        // no line break.
        let mut start = 0;
        let mut scanned = 0;
        let mut emitted = 0;
        while emitted < max {
            let unscanned = block.bytes.get(scanned..block.filled).unwrap_or_default();
            // A line ends at an LF, a CR, or a CRLF (a CR is never part of a
            // JSON text: inside a string it must be escaped).
            let found = memchr::memchr2(b'\n', b'\r', unscanned).map(|at| scanned + at);
            let line_end = found.and_then(|end| {
                let filled = block.bytes.get(..block.filled).unwrap_or_default();
                match (filled.get(end), filled.get(end + 1)) {
                    (Some(b'\r'), Some(b'\n')) => Some((end, end + 2)),
                    // A CR last in the block: an LF may follow in the next read.
                    (Some(b'\r'), None) if !self.ended => None,
                    _ => Some((end, end + 1)),
                }
            });
            if let Some((end, next)) = line_end {
                if let Some(range) = self.content(block, start..end) {
                    emit(Ok((self.line, range)));
                    emitted += 1;
                }
                start = next;
                scanned = start;
                continue;
            }
            scanned = found.unwrap_or(block.filled);
            if self.ended {
                // The last line, without a line break.
                if start < block.filled
                    && let Some(range) = self.content(block, start..block.filled)
                {
                    emit(Ok((self.line, range)));
                }
                start = block.filled;
                break;
            }
            if emitted > 0 && block.filled >= Self::BLOCK {
                break;
            }
            block.reserve(Self::READ);
            let room = block.filled..block.filled.saturating_add(Self::READ).min(block.bytes.len());
            let Some(spare) = block.bytes.get_mut(room) else {
                break;
            };
            match self.input.read(spare) {
                Ok(0) => self.ended = true,
                Ok(n) => block.filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // The line being read is lost; the error takes its place.
                    self.ended = true;
                    start = block.filled;
                    emit(Err(RecordError {
                        line: self.line.saturating_add(1),
                        column: None,
                        id: None,
                        fact: None,
                        message: format!("could not read the input: {e}"),
                    }));
                    break;
                }
            }
        }
        if let Some(rest) = block.bytes.get(start..block.filled) {
            self.carry.extend_from_slice(rest);
        }
        block.filled = start;
    }

    /// Counts the line `range` of `block` (without its line break) and gives
    /// its content: without a leading byte order mark on the first line and
    /// without a final `\r`; `None` when it is blank.
    fn content(&mut self, block: &LineBlock, range: Range<usize>) -> Option<Range<usize>> {
        self.line = self.line.saturating_add(1);
        let bytes = block.bytes.get(range.clone()).unwrap_or_default();
        let start = if self.line == 1 && bytes.starts_with(BOM) {
            range.start + BOM.len()
        } else {
            range.start
        };
        let end = if bytes.ends_with(b"\r") {
            range.end - 1
        } else {
            range.end
        };
        let content = block.bytes.get(start..end).unwrap_or_default();
        if content.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(start..end)
        }
    }
}

impl LineBlock {
    /// Appends `bytes` to the input held.
    fn append(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        if let Some(room) = self.bytes.get_mut(self.filled..self.filled + bytes.len()) {
            room.copy_from_slice(bytes);
            self.filled += bytes.len();
        }
    }

    /// Makes room for `n` more bytes after the input held.
    fn reserve(&mut self, n: usize) {
        let needed = self.filled.saturating_add(n);
        if self.bytes.len() < needed {
            self.bytes.resize(needed.max(self.bytes.len().saturating_mul(2)), 0);
        }
    }
}

// ---------------------------------------------------------------------------
// Reading one value from text, shared by the JSON and CSV readers.

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The message for a fact that is missing or `null` but required.
const MISSING: &str = "missing required fact";

/// Where a text value comes from (this matters only for `bool`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A JSON string.
    Json,
    /// A CSV cell.
    Csv,
}

/// Why a value does not fit its fact's type, beyond a plain mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    /// The value is not of the type.
    Mismatch,
    /// A number written with an exponent.
    Exponent,
    /// More digits than a `Decimal` holds exactly.
    TooManyDigits,
    /// A negative quantity.
    Negative,
    /// A timestamp without an offset.
    NoOffset,
    /// A date where a timestamp is expected.
    DateOnly,
    /// A timestamp the time module refuses (see [`crate::time::parse_rfc3339`]).
    Timestamp(crate::time::TimestampError),
    /// Not a duration (see [`crate::time::parse_duration`]).
    Duration(crate::time::DurationError),
}

/// The message for a value `found` (already rendered: `` `12` `` or
/// `a JSON object`) that does not fit `ty`.
fn mismatch(ty: &FactType, found: &str, why: Why) -> String {
    let expected = ty.describe();
    match why {
        Why::Mismatch => format!("expected {expected}, found {found}"),
        Why::Exponent => {
            format!("expected {expected}, found {found}: exponents are not accepted, write the number out in full")
        }
        Why::TooManyDigits => {
            format!("expected {expected}, found {found}, which has more digits than an exact amount can hold")
        }
        Why::Negative => format!("expected {expected} of at least 0, found {found}"),
        Why::NoOffset => {
            format!("expected {expected}, found {found}: add the offset, e.g. +08:00")
        }
        Why::DateOnly => {
            format!("expected {expected}, found {found}: add the time and the offset, e.g. T00:00:00+08:00")
        }
        Why::Timestamp(why) => format!("expected {expected}, found {found}: {why}"),
        Why::Duration(why) => format!("expected {expected}, found {found}: {why}"),
    }
}

/// The longest user value quoted in full in a message, in characters.
const CLIP: usize = 60;

/// A user value in backticks, clipped when long, with control characters
/// escaped (`\u001b`) so that a message never carries them to a terminal.
fn code(value: &str) -> String {
    let mut chars = value.chars();
    let mut head = String::new();
    for c in chars.by_ref().take(CLIP) {
        if c.is_control() {
            head.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            head.push(c);
        }
    }
    if chars.next().is_some() {
        format!("`{head}…`")
    } else {
        format!("`{head}`")
    }
}

/// A JSON string as written in JSON (quoted and escaped), in backticks.
fn code_json_string(value: &str) -> String {
    let quoted = serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""));
    code(&quoted)
}

/// The 1-based character column of byte `index` in `line`.
fn char_column(line: &[u8], index: usize) -> usize {
    let head = line.get(..index).unwrap_or(line);
    // Count the bytes that start a character (not UTF-8 continuation bytes).
    head.iter().filter(|&&b| (b & 0xC0) != 0x80).count() + 1
}

/// Reads `text` (a JSON string or a CSV cell) as a value of `ty`.
fn value_from_text(ty: &FactType, text: &str, source: Source) -> Result<FactValue, Why> {
    match ty {
        FactType::Text => Ok(FactValue::Text(text.into())),
        // Any case: Excel writes `TRUE` and `FALSE` when it saves a CSV file.
        FactType::Bool => match source {
            Source::Csv if text.eq_ignore_ascii_case("true") => Ok(FactValue::Bool(true)),
            Source::Csv if text.eq_ignore_ascii_case("false") => Ok(FactValue::Bool(false)),
            Source::Csv | Source::Json => Err(Why::Mismatch),
        },
        FactType::Count => count(text).map(FactValue::Number),
        FactType::Decimal | FactType::Money(_) => decimal(text).map(FactValue::Number),
        FactType::Quantity(_) => non_negative(decimal(text)?).map(FactValue::Number),
        FactType::Fraction => match text.strip_suffix('%') {
            Some(percentage) => percent(decimal(percentage)?).map(FactValue::Number),
            None => decimal(text).map(FactValue::Number),
        },
        FactType::Timestamp => timestamp(text).map(FactValue::Time),
        FactType::Duration => duration(text).map(FactValue::Seconds),
        FactType::Enum(choices) => choices
            .iter()
            .position(|c| c == text)
            .and_then(|i| u32::try_from(i).ok())
            .map(FactValue::Choice)
            .ok_or(Why::Mismatch),
        FactType::List(_) => Err(Why::Mismatch),
    }
}

/// Reads the exact text of a JSON number as a value of `ty`.
fn value_from_number(ty: &FactType, text: &str) -> Result<FactValue, Why> {
    match ty {
        FactType::Count => count(text).map(FactValue::Number),
        FactType::Decimal | FactType::Money(_) | FactType::Fraction => decimal(text).map(FactValue::Number),
        FactType::Quantity(_) => non_negative(decimal(text)?).map(FactValue::Number),
        FactType::Duration => duration(text).map(FactValue::Seconds),
        _ => Err(Why::Mismatch),
    }
}

/// Reads a JSON integer as a value of `ty` (the fast path for numbers).
fn value_from_int(ty: &FactType, n: i128) -> Result<FactValue, Why> {
    let number = || Decimal::try_from_i128_with_scale(n, 0).map_err(|_| Why::TooManyDigits);
    match ty {
        FactType::Count if n < 0 => Err(Why::Mismatch),
        FactType::Quantity(_) if n < 0 => Err(Why::Negative),
        FactType::Count | FactType::Decimal | FactType::Money(_) | FactType::Fraction | FactType::Quantity(_) => {
            number().map(FactValue::Number)
        }
        FactType::Duration => i64::try_from(n)
            .map_err(|_| crate::time::DurationError::TooLong)
            .and_then(crate::time::within_limit)
            .map(FactValue::Seconds)
            .map_err(Why::Duration),
        _ => Err(Why::Mismatch),
    }
}

/// Reads a JSON boolean as a value of `ty`.
fn value_from_bool(ty: &FactType, b: bool) -> Result<FactValue, Why> {
    match ty {
        FactType::Bool => Ok(FactValue::Bool(b)),
        _ => Err(Why::Mismatch),
    }
}

/// The shape of a number's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `-?[0-9]+`
    Integer,
    /// `-?[0-9]+\.[0-9]+`
    Decimal,
    /// A number with an exponent: `1e400`, `1.5E-3`.
    Exponent,
    /// Anything else.
    Invalid,
}

/// Classifies `text` as a plain decimal number, one with an exponent, or neither.
fn number_shape(text: &str) -> Shape {
    fn digits(s: &[u8]) -> usize {
        s.iter().take_while(|b| b.is_ascii_digit()).count()
    }
    let bytes = text.as_bytes();
    let rest = bytes.strip_prefix(b"-").unwrap_or(bytes);
    let n = digits(rest);
    if n == 0 {
        return Shape::Invalid;
    }
    let mut rest = rest.get(n..).unwrap_or_default();
    let mut shape = Shape::Integer;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = digits(fraction);
        if n == 0 {
            return Shape::Invalid;
        }
        rest = fraction.get(n..).unwrap_or_default();
        shape = Shape::Decimal;
    }
    if rest.is_empty() {
        return shape;
    }
    if let Some(exponent) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let exponent = exponent
            .strip_prefix(b"+")
            .or_else(|| exponent.strip_prefix(b"-"))
            .unwrap_or(exponent);
        if !exponent.is_empty() && digits(exponent) == exponent.len() {
            return Shape::Exponent;
        }
    }
    Shape::Invalid
}

/// An exact decimal: `-?[0-9]+(\.[0-9]+)?`.
#[inline]
fn decimal(text: &str) -> Result<Decimal, Why> {
    if let Some(d) = decimal_fast(text) {
        return Ok(d);
    }
    match number_shape(text) {
        Shape::Integer | Shape::Decimal => {
            let mut d = Decimal::from_str_exact(text).map_err(|_| Why::TooManyDigits)?;
            if d.is_zero() {
                d.set_sign_positive(true);
            }
            Ok(d)
        }
        Shape::Exponent => Err(Why::Exponent),
        Shape::Invalid => Err(Why::Mismatch),
    }
}

/// `-?[0-9]+(\.[0-9]+)?` with at most 18 digits (so that they fit a `u64`),
/// read in one pass: exactly what `Decimal::from_str_exact` gives (the same
/// digits and scale), with zero made positive as `decimal` does. `None` for
/// anything else, which `decimal` then reads or refuses.
#[inline]
fn decimal_fast(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    // Up to 18 digits and a point.
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    // 19 digits fit a `u64` too (the check for 18 comes after).
    let mut mantissa: u64 = 0;
    let mut point = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(b - b'0'),
            b'.' if point.is_none() && i > 0 => point = Some(i),
            _ => return None,
        }
    }
    let scale = match point {
        None if digits.len() <= 18 => 0,
        // At least one digit after the point.
        Some(i) if i + 1 < digits.len() => digits.len() - i - 1,
        _ => return None,
    };
    let mantissa = if negative {
        -i128::from(mantissa)
    } else {
        i128::from(mantissa)
    };
    Decimal::try_from_i128_with_scale(mantissa, u32::try_from(scale).ok()?).ok()
}

/// A whole number of at least 0: `[0-9]+`.
fn count(text: &str) -> Result<Decimal, Why> {
    match number_shape(text) {
        Shape::Integer if !text.starts_with('-') => Decimal::from_str_exact(text).map_err(|_| Why::TooManyDigits),
        Shape::Exponent => Err(Why::Exponent),
        _ => Err(Why::Mismatch),
    }
}

/// Refuses a negative amount.
fn non_negative(d: Decimal) -> Result<Decimal, Why> {
    if d.is_sign_negative() && !d.is_zero() {
        Err(Why::Negative)
    } else {
        Ok(d)
    }
}

/// A percentage as a ratio, exactly (`2.5` becomes `0.025`).
fn percent(d: Decimal) -> Result<Decimal, Why> {
    let scale = d.scale().saturating_add(2);
    if scale > Decimal::MAX_SCALE {
        return Err(Why::TooManyDigits);
    }
    Decimal::try_from_i128_with_scale(d.mantissa(), scale).map_err(|_| Why::TooManyDigits)
}

/// An RFC 3339 timestamp with an offset, by the rules of [`crate::time::parse_rfc3339`].
fn timestamp(text: &str) -> Result<DateTime<Utc>, Why> {
    if let Some(t) = rfc3339_fast(text) {
        return Ok(t);
    }
    match crate::time::parse_rfc3339(text) {
        Ok(t) => return Ok(t),
        Err(crate::time::TimestampError::NotRfc3339) => {}
        Err(why) => return Err(Why::Timestamp(why)),
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    if naive.iter().any(|f| NaiveDateTime::parse_from_str(text, f).is_ok()) {
        Err(Why::NoOffset)
    } else if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
        Err(Why::DateOnly)
    } else {
        Err(Why::Mismatch)
    }
}

/// The common layout of RFC 3339, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`
/// with 1 to 9 fractional digits, read straight into the instant: exactly
/// what `DateTime::parse_from_rfc3339` gives for it, without its general
/// machinery. `None` for anything else (a lowercase `t` or `z`, a space for
/// `T`, a leap second, more fractional digits, an invalid date or time...),
/// which the general parser then reads or refuses.
#[inline]
fn rfc3339_fast(text: &str) -> Option<DateTime<Utc>> {
    /// Two ASCII digits as a number.
    fn two(a: u8, b: u8) -> Option<i64> {
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
    }
    let [
        y0,
        y1,
        y2,
        y3,
        b'-',
        m0,
        m1,
        b'-',
        d0,
        d1,
        b'T',
        h0,
        h1,
        b':',
        i0,
        i1,
        b':',
        s0,
        s1,
        rest @ ..,
    ] = text.as_bytes()
    else {
        return None;
    };
    let year = two(*y0, *y1)? * 100 + two(*y2, *y3)?;
    let (month, day) = (two(*m0, *m1)?, two(*d0, *d1)?);
    let (hour, minute, second) = (two(*h0, *h1)?, two(*i0, *i1)?, two(*s0, *s1)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // The fraction: 1 to 9 digits, as nanoseconds.
    let (nanos, rest) = match rest {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let (digits, rest) = fraction.split_at_checked(n)?;
            let value = digits.iter().fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
            (value * 10u32.pow(9 - n as u32), rest)
        }
        _ => (0, rest),
    };
    let offset = match rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), oh0, oh1, b':', om0, om1] => {
            let (hours, minutes) = (two(*oh0, *oh1)?, two(*om0, *om1)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    // The local time less the offset: the same day, or the one before or after.
    let seconds = hour * 3600 + minute * 60 + second - offset;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month as u32, day as u32)?;
    let date = match seconds.div_euclid(86_400) {
        -1 => date.pred_opt()?,
        0 => date,
        1 => date.succ_opt()?,
        _ => return None,
    };
    let time = NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(seconds.rem_euclid(86_400)).ok()?, nanos)?;
    // Outside years 0000 to 9999 in UTC, the general reader refuses it with the reason.
    crate::time::in_range(NaiveDateTime::new(date, time).and_utc())
}

/// A duration, by the one reader of [`crate::time::parse_duration`] (as `--param` and test
/// cases read it).
fn duration(text: &str) -> Result<i64, Why> {
    crate::time::parse_duration(text).map_err(Why::Duration)
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test stops at its first surprise: unwrap, indexing and `panic!` with the value found say plainly what went wrong"
)]
mod tests;
