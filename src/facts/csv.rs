//! Reading CSV fact files (flat schemas only).
//!
//! The header row names the columns; columns the schema does not declare are
//! not read (but counted, see [`super::undeclared`]; with `--strict-facts` a
//! non-empty cell in one is an error for its row). Each cell is read like a
//! JSON string; an empty cell is unknown.
//!
//! Rows are split here rather than by the `csv` crate, because a stray quote
//! must not swallow the rest of the file: a quoted field may span lines, but
//! a row whose quote is still open at the end of the file (or after
//! [`MAX_SPAN`] bytes), or a row spanning lines whose field count comes out
//! wrong, is an error for that row, and reading resumes at the line after
//! the one where it starts. CR, LF and CRLF all end a line. Quoting follows
//! RFC 4180 as the `csv` crate reads it: a quote opens a quoted field only at
//! the start of a field, `""` inside one is a quote, and text after the
//! closing quote is kept (`"a"b` is `ab`).

use std::io::BufRead;

use super::record::{FactValue, Record};
use super::undeclared::{UndeclaredFields, closest_fact};
use super::{BOM, FileError, InputRecord, MISSING, ReadOptions, RecordError, Source, code, mismatch, value_from_text};
use crate::program::schema::{FactType, RecordSchema};

/// The most bytes a row whose quoted field spans lines may take: beyond, the
/// quote is taken to be a stray one that is never closed.
pub(super) const MAX_SPAN: usize = 1 << 20;

/// Reads a CSV file against `schema`: checks the header, then streams the rows.
pub(super) fn read_csv<'s, R: BufRead + 's>(
    schema: &'s RecordSchema,
    input: R,
    options: &ReadOptions,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    read_csv_keyed(schema, "id", input, options)
}

/// [`read_csv`] with the records' ids in the column `key` (a joined table's
/// rows name their parent record in `parent_id`, see [`super::join`]).
pub(super) fn read_csv_keyed<'s, R: BufRead + 's>(
    schema: &'s RecordSchema,
    key: &'s str,
    input: R,
    options: &ReadOptions,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    let lists: Vec<String> = schema
        .fields
        .iter()
        .filter(|f| matches!(f.ty, FactType::List(_)))
        .map(|f| format!("`{}`", f.name))
        .collect();
    if !lists.is_empty() {
        return Err(FileError {
            line: None,
            message: format!(
                "this campaign has list facts ({}), which a CSV file cannot hold",
                lists.join(", ")
            ),
            help: Some("export the facts as NDJSON (one JSON object per line)".into()),
        });
    }

    let mut splitter = Splitter::new(input);
    let header = match splitter.next_row() {
        Err(e) => {
            return Err(FileError {
                line: None,
                message: format!("could not read the input: {e}"),
                help: None,
            });
        }
        Ok(None) => {
            return Err(FileError {
                line: None,
                message: "the file is empty".into(),
                help: Some("a CSV file starts with a header row naming the columns".into()),
            });
        }
        Ok(Some(header)) => header,
    };
    let header_line = header.line;
    if header.unclosed {
        return Err(FileError {
            line: Some(header_line),
            message: "a quote in the header row is never closed".into(),
            help: Some("remove the stray `\"` or close the quoted column name".into()),
        });
    }

    let mut names = Vec::with_capacity(header.len());
    for (i, name) in (0..header.len()).filter_map(|i| header.get(i)).enumerate() {
        let name = if i == 0 {
            name.strip_prefix(BOM).unwrap_or(name)
        } else {
            name
        };
        let name = std::str::from_utf8(name).map_err(|_| FileError {
            line: Some(header_line),
            message: format!("the header row is not valid UTF-8 (column {})", i.saturating_add(1)),
            help: Some("save the file as UTF-8, or name its encoding with --encoding".into()),
        })?;
        names.push(name.to_owned());
    }
    splitter.accept();
    // The column of a name; a name the reader uses must appear at most once.
    let column = |name: &str| -> Result<Option<usize>, FileError> {
        let mut found = names.iter().enumerate().filter(|(_, n)| *n == name);
        let first = found.next().map(|(i, _)| i);
        if found.next().is_some() {
            return Err(FileError {
                line: Some(header_line),
                message: format!("the header row names the column `{name}` more than once"),
                help: None,
            });
        }
        Ok(first)
    };

    let id_column = column(key)?;
    let mut columns = Vec::with_capacity(schema.fields.len());
    let mut missing = Vec::new();
    if id_column.is_none() {
        missing.push(key);
    }
    for field in &schema.fields {
        let col = column(&field.name)?;
        if col.is_none() && !field.optional && field.name != key {
            missing.push(field.name.as_str());
        }
        columns.push(col);
    }
    let undeclared: Vec<Undeclared> = names
        .iter()
        .enumerate()
        .filter(|(_, name)| *name != key && schema.index_of(name).is_none())
        .map(|(column, name)| Undeclared {
            column,
            name: name.clone(),
            given: 0,
        })
        .collect();
    let Some(id_column) = id_column.filter(|_| missing.is_empty()) else {
        let names: Vec<&str> = undeclared.iter().map(|u| u.name.as_str()).collect();
        return Err(missing_columns(Some(header_line), key, &missing, &names));
    };

    Ok(Box::new(Rows {
        schema,
        splitter,
        width: names.len(),
        id_column,
        key,
        columns,
        undeclared,
        strict: options.strict,
        tally: options.undeclared.clone(),
        done: false,
    }))
}

/// The header (on `line`) lacks the columns `missing`, the ids being in the
/// column `key`; `undeclared` are the columns it has that the campaign does not
/// declare, one of which may be a slip.
pub(super) fn missing_columns(line: Option<usize>, key: &str, missing: &[&str], undeclared: &[&str]) -> FileError {
    let quoted: Vec<String> = missing.iter().map(|name| format!("`{name}`")).collect();
    let (noun, list) = match quoted.as_slice() {
        [one] => ("column", one.clone()),
        _ => ("columns", quoted.join(", ")),
    };
    let slips: Vec<String> = missing
        .iter()
        .filter_map(|name| {
            let slip = undeclared.iter().find(|u| closest_fact(u, [*name]).is_some())?;
            Some(format!("the header has {}: did you mean `{name}`?", code(slip)))
        })
        .collect();
    let rule = format!(
        "the header must name a column for `{key}` and for every required fact; only optional facts' columns may be left out"
    );
    let help = if slips.is_empty() {
        rule
    } else {
        format!("{} ({rule})", slips.join("; "))
    };
    FileError {
        line,
        message: format!("the header row has no {noun} for {list}"),
        help: Some(help),
    }
}

/// A column the campaign does not declare.
struct Undeclared {
    column: usize,
    name: String,
    /// In how many rows read so far its cell is not empty.
    given: u64,
}

/// One row split into fields.
#[derive(Debug, Default)]
struct SplitRow {
    /// The 1-based line where the row starts.
    line: usize,
    /// How many line breaks are inside its quoted fields.
    breaks: usize,
    /// The fields' bytes, one after the other (quotes removed).
    bytes: Vec<u8>,
    /// Where each field ends in `bytes`.
    ends: Vec<usize>,
    /// The bytes of the row as read, from the end of its first line on: what
    /// is read again if the row is refused.
    rest: Vec<u8>,
    /// Whether the first line ended with a CR (so that an LF starting `rest`
    /// belongs to it).
    rest_after_cr: bool,
    /// Whether a quote is still open at the end of the file (or after
    /// [`MAX_SPAN`] bytes).
    unclosed: bool,
}

impl SplitRow {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.bytes.get(start..end)
    }
}

/// Where the scanner is within a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// In a field without quotes.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second quote is a quote,
    /// anything else closes the field's quotes.
    AfterQuote,
}

/// Splits CSV input into rows, keeping what it needs to read the input again
/// from the line after a refused row's first line.
struct Splitter<R> {
    input: R,
    /// Bytes to read before the input's own: the rest of a refused row.
    replay: Vec<u8>,
    replay_at: usize,
    /// The number of the line being read (1-based).
    line: usize,
    /// Whether the last byte read was a CR (so that an LF right after it does
    /// not end another line).
    after_cr: bool,
    /// The row read last, until it is accepted or refused.
    row: SplitRow,
    /// The line and `after_cr` after the row read last.
    next_line: usize,
    next_after_cr: bool,
    /// Whether a byte order mark may still come (at the very start).
    first: bool,
}

impl<R: BufRead> Splitter<R> {
    fn new(input: R) -> Self {
        Splitter {
            input,
            replay: Vec::new(),
            replay_at: 0,
            line: 1,
            after_cr: false,
            row: SplitRow::default(),
            next_line: 1,
            next_after_cr: false,
            first: true,
        }
    }

    /// The next byte of the input (after the bytes to replay).
    fn byte(&mut self) -> std::io::Result<Option<u8>> {
        if let Some(&b) = self.replay.get(self.replay_at) {
            self.replay_at += 1;
            return Ok(Some(b));
        }
        loop {
            match self.input.fill_buf() {
                Ok(buf) => {
                    let Some(&b) = buf.first() else { return Ok(None) };
                    self.input.consume(1);
                    return Ok(Some(b));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Splits the next row (skipping blank lines); `None` at the end of the
    /// input. The row stays in `self.row` until [`Splitter::accept`] or
    /// [`Splitter::refuse`].
    fn next_row(&mut self) -> std::io::Result<Option<&SplitRow>> {
        if self.first {
            self.first = false;
            if self.input.fill_buf()?.starts_with(BOM) {
                self.input.consume(BOM.len());
            }
        }
        let row = &mut self.row;
        row.bytes.clear();
        row.ends.clear();
        row.rest.clear();
        row.breaks = 0;
        row.unclosed = false;
        let mut state = State::FieldStart;
        let mut started = false;
        let mut first_line_done = false;
        let mut after_cr = self.after_cr;
        let mut line = self.line;
        let mut size = 0usize;
        loop {
            let Some(b) = self.byte()? else {
                let row = &mut self.row;
                if !started {
                    self.next_line = line;
                    self.next_after_cr = after_cr;
                    return Ok(None);
                }
                row.unclosed = state == State::Quoted;
                row.ends.push(row.bytes.len());
                self.next_line = line;
                self.next_after_cr = false;
                return Ok(Some(&self.row));
            };
            let row = &mut self.row;
            if first_line_done {
                row.rest.push(b);
            }
            let lf_after_cr = b == b'\n' && after_cr;
            after_cr = b == b'\r';
            if !started {
                match b {
                    // A blank line (or the LF of a CRLF).
                    b'\n' if lf_after_cr => continue,
                    b'\r' | b'\n' => {
                        line += 1;
                        continue;
                    }
                    _ => {
                        started = true;
                        row.line = line;
                    }
                }
            }
            size += 1;
            match state {
                State::Quoted => match b {
                    b'"' => state = State::AfterQuote,
                    b'\r' | b'\n' => {
                        row.bytes.push(b);
                        if !lf_after_cr {
                            line += 1;
                            row.breaks += 1;
                        }
                        if !first_line_done {
                            first_line_done = true;
                            row.rest_after_cr = b == b'\r';
                        }
                        if size > MAX_SPAN {
                            row.unclosed = true;
                            row.ends.push(row.bytes.len());
                            self.next_line = line;
                            self.next_after_cr = after_cr;
                            return Ok(Some(&self.row));
                        }
                    }
                    _ => row.bytes.push(b),
                },
                State::FieldStart | State::Unquoted | State::AfterQuote => match b {
                    b'"' if state == State::AfterQuote => {
                        row.bytes.push(b);
                        state = State::Quoted;
                    }
                    b'"' if state == State::FieldStart => state = State::Quoted,
                    b',' => {
                        row.ends.push(row.bytes.len());
                        state = State::FieldStart;
                    }
                    b'\r' | b'\n' => {
                        row.ends.push(row.bytes.len());
                        self.next_line = line + 1;
                        self.next_after_cr = after_cr;
                        return Ok(Some(&self.row));
                    }
                    _ => {
                        row.bytes.push(b);
                        state = State::Unquoted;
                    }
                },
            }
        }
    }

    /// Goes on after the row read last.
    fn accept(&mut self) {
        self.line = self.next_line;
        self.after_cr = self.next_after_cr;
    }

    /// Refuses the row read last: reading goes on at the line after the one
    /// where it starts.
    fn refuse(&mut self) {
        if self.row.rest.is_empty() {
            return self.accept();
        }
        let mut replay = std::mem::take(&mut self.row.rest);
        replay.extend_from_slice(self.replay.get(self.replay_at..).unwrap_or_default());
        self.replay = replay;
        self.replay_at = 0;
        self.line = self.row.line + 1;
        self.after_cr = self.row.rest_after_cr;
    }
}

/// The rows after the header, one record each.
struct Rows<'s, R> {
    schema: &'s RecordSchema,
    splitter: Splitter<R>,
    /// The number of fields in the header.
    width: usize,
    id_column: usize,
    /// The name of the id column.
    key: &'s str,
    /// For each fact, its column (`None` for an optional fact without one).
    columns: Vec<Option<usize>>,
    /// The columns the campaign does not declare.
    undeclared: Vec<Undeclared>,
    /// Whether a non-empty cell in an undeclared column is an error.
    strict: bool,
    /// Where the undeclared columns are counted, when reading ends.
    tally: UndeclaredFields,
    done: bool,
}

impl<R> Drop for Rows<'_, R> {
    fn drop(&mut self) {
        for u in &self.undeclared {
            if u.given > 0 {
                self.tally.add_many(0, &u.name, u.given);
            }
        }
    }
}

impl<R: BufRead> Iterator for Rows<'_, R> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.splitter.next_row() {
            Ok(Some(_)) => {
                let row = &self.splitter.row;
                let spans = row.breaks > 0;
                if row.unclosed || (spans && row.len() != self.width) {
                    let item = Err(self.refused());
                    self.splitter.refuse();
                    return Some(item);
                }
                let item = self.record();
                self.splitter.accept();
                Some(item)
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(RecordError {
                    line: self.splitter.line,
                    column: None,
                    id: None,
                    fact: None,
                    message: format!("could not read the input: {e}"),
                }))
            }
        }
    }
}

impl<R> Rows<'_, R> {
    /// The error for a row whose quote is never closed, or that spans lines
    /// and has the wrong number of fields.
    fn refused(&self) -> RecordError {
        let row = &self.splitter.row;
        let id = row
            .get(self.id_column)
            .and_then(|cell| std::str::from_utf8(cell).ok())
            .filter(|id| !id.is_empty() && !id.contains(['\r', '\n']));
        let next = row.line.saturating_add(1);
        let message = if row.unclosed {
            format!(
                "a quote opened in this row is never closed (not by the end of the file, nor within 1 MiB); \
                 the row is not read, and reading goes on at line {next}"
            )
        } else {
            format!(
                "this row has {} fields but the header has {}, with a quoted field running over {} lines: \
                 is a quote missing or stray? the row is not read, and reading goes on at line {next}",
                row.len(),
                self.width,
                row.breaks.saturating_add(1)
            )
        };
        RecordError {
            line: row.line,
            column: None,
            id: id.map(str::to_owned),
            fact: None,
            message,
        }
    }

    /// Reads the current row.
    fn record(&mut self) -> Result<InputRecord, RecordError> {
        let row = &self.splitter.row;
        let line = row.line;
        let fail = |id: Option<&str>, fact: Option<&str>, message: String| RecordError {
            line,
            column: None,
            id: id.map(str::to_owned),
            fact: fact.map(str::to_owned),
            message,
        };

        let id_cell = row.get(self.id_column);
        let id = id_cell
            .and_then(|cell| std::str::from_utf8(cell).ok())
            .filter(|id| !id.is_empty());
        if row.len() != self.width {
            return Err(fail(
                id,
                None,
                format!("this row has {} fields but the header has {}", row.len(), self.width),
            ));
        }
        let Some(id) = id else {
            let message = match id_cell {
                Some(cell) if !cell.is_empty() => "the value is not valid UTF-8".into(),
                _ => MISSING.into(),
            };
            return Err(fail(None, Some(self.key), message));
        };

        for u in &mut self.undeclared {
            if row.get(u.column).is_some_and(|cell| !cell.is_empty()) {
                u.given = u.given.saturating_add(1);
            }
        }
        if self.strict
            && let Some(u) = self
                .undeclared
                .iter()
                .find(|u| row.get(u.column).is_some_and(|cell| !cell.is_empty()))
        {
            let names = super::undeclared::declared_names(self.schema, true);
            let message = match closest_fact(&u.name, names.iter().copied()) {
                Some(name) => format!("not a declared fact; did you mean `{name}`?"),
                None => "not a declared fact (--strict-facts)".into(),
            };
            return Err(fail(Some(id), Some(&u.name), message));
        }

        let mut values = Vec::with_capacity(self.schema.fields.len());
        for (field, column) in self.schema.fields.iter().zip(&self.columns) {
            let cell = column.and_then(|c| row.get(c)).unwrap_or_default();
            if cell.is_empty() {
                if field.optional {
                    values.push(FactValue::Unknown);
                    continue;
                }
                return Err(fail(Some(id), Some(&field.name), MISSING.into()));
            }
            let Ok(text) = std::str::from_utf8(cell) else {
                return Err(fail(Some(id), Some(&field.name), "the value is not valid UTF-8".into()));
            };
            match value_from_text(&field.ty, text, Source::Csv) {
                Ok(value) => values.push(value),
                Err(why) => {
                    return Err(fail(Some(id), Some(&field.name), mismatch(&field.ty, &code(text), why)));
                }
            }
        }
        Ok(InputRecord {
            line,
            id: id.to_owned(),
            record: Record { values },
        })
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test stops at its first surprise: unwrap, indexing and `panic!` with the value found say plainly what went wrong"
)]
mod tests;
