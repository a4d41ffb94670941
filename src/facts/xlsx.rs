//! Reading `.xlsx` workbooks: one sheet read like a CSV file.
//!
//! The first non-empty row is the header, and columns map to facts by the
//! CSV reader's rules (see [`super::csv`]); blank rows are skipped. Cells keep
//! the type Excel gave them, and each is read by the shared conversions of
//! [`super`] once it has been turned into text:
//!
//! - a text cell is read exactly as a CSV cell (an empty one is unknown);
//! - a number cell is taken by its shortest round-trip decimal (what Excel
//!   shows at full precision: `0.1`, not the binary expansion of the double),
//!   then read like a JSON number; a number with more than 15 significant
//!   digits is refused, since Excel keeps only 15 and the cell may not hold
//!   the number that was typed;
//! - a logical cell (`TRUE`, `FALSE`) is a `bool`;
//! - a date cell has no zone: a `timestamp` read from one needs the sheet's
//!   zone ([`SheetOptions::timezone`]), and is never read without it; a
//!   duration cell (`[h]:mm:ss`) gives a `duration` in whole seconds;
//! - an error cell (`#N/A`, `#DIV/0!`) is an error for its record.
//!
//! Every record error names its cell (`Sheet1!C12`); the record's line is
//! the sheet's row number. A sheet's cells are held in memory while it is
//! read (about 40 bytes a cell plus its text; below the header, only the
//! columns read), never the rectangle around them, so that a stray cell at
//! `XFD1048576` costs no more than any other.

use std::io::Cursor;

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType, Reader, SheetType, SheetVisible, Xlsx};
use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::{Decimal, RoundingStrategy};

use super::csv::missing_columns;
use super::record::{FactValue, Record};
use super::{FileError, InputRecord, MISSING, RecordError, Source, code, mismatch, value_from_number, value_from_text};
use crate::program::schema::{FactType, RecordSchema};

/// The most significant digits Excel keeps in a number.
const EXCEL_DIGITS: usize = 15;

/// The records of a sheet, one item per record, in row order.
type Records<'s> = Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>;

/// How to read a sheet of a workbook.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetOptions {
    /// The sheet to read (default: the first visible worksheet).
    pub sheet: Option<String>,
    /// The zone of the sheet's date cells, which carry none. A `timestamp`
    /// read from a date cell needs it; without it such a cell is an error.
    pub timezone: Option<Tz>,
}

/// An `.xlsx` workbook held in memory.
pub struct Workbook {
    book: Xlsx<Cursor<Vec<u8>>>,
}

impl std::fmt::Debug for Workbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbook").finish_non_exhaustive()
    }
}

/// Runs a call into the workbook reader, a panic in it refusing the file: a damaged workbook
/// is refused, never the end of the run. (calamine checks its arithmetic in debug builds, and
/// a damaged sheet whose cell reference has a dozen letters overflows it; the damage found by
/// `damaged_workbooks_never_panic`.)
fn guarded<T>(read: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(FileError {
            line: None,
            message: "the workbook is damaged: its contents cannot be read".into(),
            help: Some("open it in Excel and save it again as an Excel Workbook (.xlsx)".into()),
        })
    })
}

impl Workbook {
    /// Opens the workbook whose file holds `bytes`.
    ///
    /// # Errors
    ///
    /// A [`FileError`] when `bytes` are not an `.xlsx` workbook.
    pub fn open(bytes: Vec<u8>) -> Result<Workbook, FileError> {
        guarded(|| match calamine::open_workbook_from_rs(Cursor::new(bytes)) {
            Ok(book) => Ok(Workbook { book }),
            Err(e) => Err(FileError {
                line: None,
                message: format!("the file is not a workbook that can be read: {e}"),
                help: Some("save it from Excel as an Excel Workbook (.xlsx); .xls and .xlsb are not read".into()),
            }),
        })
    }

    /// The names of the worksheets, in workbook order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.book
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Streams the records of a sheet, read against `schema` (flat schemas
    /// only): the header row first, then one item per non-blank row.
    ///
    /// # Errors
    ///
    /// A [`FileError`] when the sheet cannot be read as a whole: a schema with
    /// list facts, no such sheet, an empty sheet, or a header without `id` or
    /// a required fact's column.
    pub fn records<'s>(&mut self, schema: &'s RecordSchema, options: &SheetOptions) -> Result<Records<'s>, FileError> {
        refuse_lists(schema)?;
        self.records_keyed(schema, "id", options)
    }

    /// [`Workbook::records`] with the ids in the column `key` (for a joined
    /// table, whose schema is checked by the join).
    pub(super) fn records_keyed<'s>(
        &mut self,
        schema: &'s RecordSchema,
        key: &'s str,
        options: &SheetOptions,
    ) -> Result<Records<'s>, FileError> {
        let name = self.sheet_name(options.sheet.as_deref())?;
        let wanted = |column: &str| column == key || schema.index_of(column).is_some();
        let cells = match self.cells(&name, Some(&wanted))? {
            Some(cells) => cells,
            // Out of row order: the header cannot be told while reading, so keep every column.
            None => self.cells(&name, None)?.unwrap_or_default(),
        };
        let rows = SheetRows::new(schema, key, name, cells, options.timezone)?;
        Ok(Box::new(rows))
    }

    /// The sheet asked for, or the first visible worksheet.
    fn sheet_name(&self, wanted: Option<&str>) -> Result<String, FileError> {
        let names = self.sheet_names();
        let Some(wanted) = wanted else {
            let sheets = self.book.sheets_metadata();
            let worksheet = |s: &&calamine::Sheet| s.typ == SheetType::WorkSheet;
            let first = sheets
                .iter()
                .filter(worksheet)
                .find(|s| s.visible == SheetVisible::Visible)
                .or_else(|| sheets.iter().find(worksheet));
            return first.map(|s| s.name.clone()).ok_or_else(|| FileError {
                line: None,
                message: "the workbook has no worksheet".into(),
                help: None,
            });
        };
        if names.iter().any(|n| n == wanted) {
            return Ok(wanted.to_owned());
        }
        let listed: Vec<String> = names.iter().map(|n| code(n)).collect();
        let close = crate::suggest::closest(wanted, names.iter().map(String::as_str));
        Err(FileError {
            line: None,
            message: format!("the workbook has no sheet {}", code(wanted)),
            help: Some(match close {
                Some(name) => format!("did you mean {}? its sheets are {}", code(name), listed.join(", ")),
                None => format!("its sheets are {}", listed.join(", ")),
            }),
        })
    }

    /// Every cell of the sheet `name` that holds something, in row order;
    /// with `wanted`, below the header row only the cells of the columns
    /// whose names it wants (a warehouse export's other columns cost
    /// nothing), and `None` when the cells are not in row order.
    fn cells(&mut self, name: &str, wanted: Option<&dyn Fn(&str) -> bool>) -> Result<Option<Vec<Cell>>, FileError> {
        guarded(|| self.cells_unguarded(name, wanted))
    }

    fn cells_unguarded(
        &mut self,
        name: &str,
        wanted: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<Option<Vec<Cell>>, FileError> {
        let broken = |e: &dyn std::fmt::Display| FileError {
            line: None,
            message: format!("the sheet {} cannot be read: {e}", code(name)),
            help: Some("open the workbook in Excel and save it again".into()),
        };
        let mut reader = self.book.worksheet_cells_reader(name).map_err(|e| broken(&e))?;
        let mut cells: Vec<Cell> = Vec::new();
        // The header's row and its wanted columns, once the header row is read.
        let mut kept: Option<Vec<u32>> = None;
        let mut last = (0, 0);
        while let Some(cell) = reader.next_cell().map_err(|e| broken(&e))? {
            let (row, column) = cell.get_position();
            let blank = match cell.get_value() {
                DataRef::Empty => true,
                DataRef::SharedString(s) => s.is_empty(),
                DataRef::String(s) => s.is_empty(),
                _ => false,
            };
            if blank {
                continue;
            }
            if let Some(wanted) = wanted {
                if (row, column) < last {
                    return Ok(None);
                }
                last = (row, column);
                if kept.is_none() && cells.first().is_some_and(|first| first.row != row) {
                    let names = cells
                        .iter()
                        .filter(|c| header_name(&c.value).is_some_and(|n| wanted(&n)));
                    kept = Some(names.map(|c| c.column).collect());
                }
                if kept.as_ref().is_some_and(|columns| !columns.contains(&column)) {
                    // The row is not blank, so it is a record (without an id, an error):
                    // one empty cell says so, never read, its column being none of the facts'.
                    if cells.last().is_none_or(|c| c.row != row) {
                        let value = Value::Text(String::new());
                        cells.push(Cell { row, column, value });
                    }
                    continue;
                }
            }
            let value = match cell.get_value() {
                DataRef::Empty => continue,
                DataRef::SharedString(s) => Value::Text((*s).to_owned()),
                DataRef::String(s) => Value::Text(s.clone()),
                DataRef::Int(n) => Value::Int(*n),
                DataRef::Float(x) => Value::Float(*x),
                DataRef::Bool(b) => Value::Bool(*b),
                DataRef::DateTime(t) => Value::Serial(*t),
                DataRef::DateTimeIso(s) => Value::IsoDate(s.clone()),
                DataRef::DurationIso(s) => Value::IsoDuration(s.clone()),
                DataRef::Error(e) => Value::Error(e.clone()),
            };
            cells.push(Cell { row, column, value });
        }
        // Cells are written row by row; a stable sort keeps any other file right.
        cells.sort_by_key(|c| (c.row, c.column));
        Ok(Some(cells))
    }
}

/// Refuses a schema with list facts (a sheet holds flat records).
fn refuse_lists(schema: &RecordSchema) -> Result<(), FileError> {
    let lists: Vec<String> = schema
        .fields
        .iter()
        .filter(|f| matches!(f.ty, FactType::List(_)))
        .map(|f| code(&f.name))
        .collect();
    if lists.is_empty() {
        return Ok(());
    }
    Err(FileError {
        line: None,
        message: format!(
            "this campaign has list facts ({}), which one sheet cannot hold",
            lists.join(", ")
        ),
        help: Some(
            "read each list from a table of its own, joined by the record id (`--list FACT=SHEET`), or export the facts as NDJSON"
                .into(),
        ),
    })
}

/// One cell that holds something.
#[derive(Debug, Clone, PartialEq)]
struct Cell {
    /// 0-based row and column.
    row: u32,
    column: u32,
    value: Value,
}

/// A cell's value, as Excel typed it.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date, time or duration: a serial number of days.
    Serial(ExcelDateTime),
    /// A date or time written in ISO 8601.
    IsoDate(String),
    /// A duration written in ISO 8601.
    IsoDuration(String),
    Error(CellErrorType),
}

/// The rows after a sheet's header, one record each.
struct SheetRows<'s> {
    schema: &'s RecordSchema,
    /// The name of the id column.
    key: &'s str,
    sheet: String,
    /// The cells after the header, in row order; `next` is the first not read.
    cells: Vec<Cell>,
    next: usize,
    /// The 0-based column of the ids.
    id_column: u32,
    /// For each fact, its 0-based column (`None` for an optional fact without one).
    columns: Vec<Option<u32>>,
    zone: Option<Tz>,
}

impl<'s> SheetRows<'s> {
    /// Reads the header of the sheet `sheet` holding `cells`.
    fn new(
        schema: &'s RecordSchema,
        key: &'s str,
        sheet: String,
        cells: Vec<Cell>,
        zone: Option<Tz>,
    ) -> Result<Self, FileError> {
        let Some(header_row) = cells.first().map(|c| c.row) else {
            return Err(FileError {
                line: None,
                message: format!("the sheet {} is empty", code(&sheet)),
                help: Some("the sheet's first row names the columns, and each row after it is a record".into()),
            });
        };
        let header_end = cells.iter().position(|c| c.row != header_row).unwrap_or(cells.len());
        let header = cells.get(..header_end).unwrap_or_default();
        let line = Some(row_number(header_row));
        let column = |name: &str| -> Result<Option<u32>, FileError> {
            let mut found = header.iter().filter(|c| header_name(&c.value).as_deref() == Some(name));
            let first = found.next().map(|c| c.column);
            if found.next().is_some() {
                return Err(FileError {
                    line,
                    message: format!("the header row names the column {} more than once", code(name)),
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
        let (Some(id_column), true) = (id_column, missing.is_empty()) else {
            return Err(missing_columns(line, key, &missing, &[]));
        };
        Ok(SheetRows {
            schema,
            key,
            sheet,
            cells,
            next: header_end,
            id_column,
            columns,
            zone,
        })
    }

    /// Reads the row whose cells are `row` (sorted by column, not empty).
    fn record(&self, row: &[Cell]) -> Result<InputRecord, RecordError> {
        let number = row.first().map_or(0, |c| c.row);
        let line = row_number(number);
        let cell = |column: u32| row.iter().find(|c| c.column == column).map(|c| &c.value);
        let at = |column: u32| cell_name(&self.sheet, number, column);
        let fail = |id: Option<&str>, fact: &str, column: u32, message: String| RecordError {
            line,
            column: None,
            id: id.map(str::to_owned),
            fact: Some(fact.to_owned()),
            message: format!("cell {}: {message}", at(column)),
        };

        let id = match cell(self.id_column).map(id_text) {
            Some(Ok(id)) => id,
            Some(Err(message)) => return Err(fail(None, self.key, self.id_column, message)),
            None => {
                return Err(fail(
                    None,
                    self.key,
                    self.id_column,
                    format!("{MISSING} (the cell is empty)"),
                ));
            }
        };
        let mut values = Vec::with_capacity(self.schema.fields.len());
        for (field, column) in self.schema.fields.iter().zip(&self.columns) {
            let value = column.and_then(cell);
            let Some(value) = value else {
                if field.optional {
                    values.push(FactValue::Unknown);
                    continue;
                }
                let column = column.unwrap_or(self.id_column);
                return Err(fail(
                    Some(&id),
                    &field.name,
                    column,
                    format!("{MISSING} (the cell is empty)"),
                ));
            };
            match fact_value(&field.ty, value, self.zone) {
                Ok(v) => values.push(v),
                Err(message) => return Err(fail(Some(&id), &field.name, column.unwrap_or(0), message)),
            }
        }
        Ok(InputRecord {
            line,
            id,
            record: Record { values },
        })
    }
}

impl Iterator for SheetRows<'_> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.cells.get(self.next..)?;
        let row = rest.first()?.row;
        let len = rest.iter().position(|c| c.row != row).unwrap_or(rest.len());
        self.next += len;
        rest.get(..len).map(|cells| self.record(cells))
    }
}

/// The 1-based row number of a 0-based row.
fn row_number(row: u32) -> usize {
    usize::try_from(row).unwrap_or(usize::MAX).saturating_add(1)
}

/// A cell's name as Excel writes it: `Sheet1!C12`, `'Q3 sales'!C12`.
fn cell_name(sheet: &str, row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(column) + 1;
    while n > 0 {
        let digit = u8::try_from((n - 1) % 26).unwrap_or(0);
        letters.push(char::from(b'A' + digit));
        n = (n - 1) / 26;
    }
    let column: String = letters.iter().rev().collect();
    let plain = sheet.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && !sheet.starts_with(|c: char| c.is_ascii_digit());
    let sheet = if plain {
        sheet.to_owned()
    } else {
        format!("'{}'", sheet.replace('\'', "''"))
    };
    format!("{sheet}!{column}{}", row_number(row))
}

/// A header cell's column name (a number names its column by its digits;
/// other cells name none).
fn header_name(value: &Value) -> Option<String> {
    match value {
        Value::Text(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) => number_text(value).ok(),
        Value::Bool(_) | Value::Serial(_) | Value::IsoDate(_) | Value::IsoDuration(_) | Value::Error(_) => None,
    }
}

/// A record's id from its cell: text as it is, a number by its digits.
fn id_text(value: &Value) -> Result<String, String> {
    match value {
        Value::Text(s) => Ok(s.clone()),
        Value::Int(_) | Value::Float(_) => number_text(value),
        Value::Error(e) => Err(error_cell(e)),
        Value::Bool(_) | Value::Serial(_) | Value::IsoDate(_) | Value::IsoDuration(_) => {
            Err(format!("expected an id (text or a number), found {}", describe(value)))
        }
    }
}

/// The message for an error cell.
fn error_cell(e: &CellErrorType) -> String {
    format!("the cell holds the error `{e}`: correct the formula or the data it reads")
}

/// A cell's value as shown in a message.
fn describe(value: &Value) -> String {
    match value {
        Value::Text(s) | Value::IsoDate(s) | Value::IsoDuration(s) => code(s),
        Value::Int(n) => code(&n.to_string()),
        Value::Float(x) => code(&x.to_string()),
        Value::Bool(b) => format!("the logical value `{}`", if *b { "TRUE" } else { "FALSE" }),
        Value::Serial(t) if t.is_duration() => format!("a duration cell (`{}` days)", t.as_f64()),
        Value::Serial(t) => match serial_datetime(t) {
            Ok(naive) => format!("the date cell {}", code(&naive.to_string())),
            Err(_) => format!("a date cell (serial `{}`)", t.as_f64()),
        },
        Value::Error(e) => format!("the error `{e}`"),
    }
}

/// The shortest decimal that reads back as the number in the cell (Rust's
/// `Display` of a double, never with an exponent), refused when it has more
/// significant digits than Excel keeps.
fn number_text(value: &Value) -> Result<String, String> {
    let (text, digits) = match value {
        Value::Int(n) => {
            let text = n.to_string();
            let digits = text.trim_start_matches('-').trim_end_matches('0').len().max(1);
            (text, digits)
        }
        Value::Float(x) => {
            // `{:e}` shows the same shortest digits as `Display`, in one mantissa.
            let scientific = format!("{x:e}");
            let mantissa = scientific.split('e').next().unwrap_or_default();
            (x.to_string(), mantissa.bytes().filter(u8::is_ascii_digit).count())
        }
        Value::Text(_)
        | Value::Bool(_)
        | Value::Serial(_)
        | Value::IsoDate(_)
        | Value::IsoDuration(_)
        | Value::Error(_) => return Err(format!("expected a number, found {}", describe(value))),
    };
    if digits > EXCEL_DIGITS {
        return Err(format!(
            "the number {} has {digits} significant digits, but Excel keeps only {EXCEL_DIGITS}, so the cell may not hold the number that was typed: store the column as text (format the cells as Text, then enter the numbers again)",
            code(&text)
        ));
    }
    Ok(text)
}

/// Reads one non-empty cell as a value of `ty`; the error says what is wrong.
fn fact_value(ty: &FactType, value: &Value, zone: Option<Tz>) -> Result<FactValue, String> {
    let found = || describe(value);
    match value {
        Value::Text(text) => value_from_text(ty, text, Source::Csv).map_err(|why| mismatch(ty, &code(text), why)),
        Value::Int(_) | Value::Float(_) => {
            let text = number_text(value)?;
            let read = match ty {
                FactType::Text | FactType::Enum(_) => value_from_text(ty, &text, Source::Csv),
                _ => value_from_number(ty, &text),
            };
            read.map_err(|why| mismatch(ty, &code(&text), why))
        }
        Value::Bool(b) => match ty {
            FactType::Bool => Ok(FactValue::Bool(*b)),
            _ => Err(mismatch(ty, &found(), super::Why::Mismatch)),
        },
        Value::Serial(t) if t.is_duration() => match ty {
            FactType::Duration => serial_seconds(t).map(FactValue::Seconds),
            _ => Err(mismatch(ty, &found(), super::Why::Mismatch)),
        },
        Value::Serial(t) => match ty {
            FactType::Timestamp => in_zone(serial_datetime(t)?, zone).map(FactValue::Time),
            _ => Err(mismatch(ty, &found(), super::Why::Mismatch)),
        },
        Value::IsoDate(text) => match ty {
            FactType::Timestamp => iso_timestamp(text, zone).map(FactValue::Time),
            _ => value_from_text(ty, text, Source::Csv).map_err(|why| mismatch(ty, &found(), why)),
        },
        Value::IsoDuration(_) => Err(mismatch(ty, &found(), super::Why::Mismatch)),
        Value::Error(e) => Err(error_cell(e)),
    }
}

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// A serial number of days as whole milliseconds, exactly: the shortest
/// decimal of the double, times the milliseconds in a day, rounded to the
/// millisecond (Excel's resolution), never through floating point.
fn serial_ms(t: &ExcelDateTime) -> Result<i64, String> {
    let text = t.as_f64().to_string();
    let days = Decimal::from_str_exact(&text).map_err(|_| format!("the date cell's value `{text}` is not a date"))?;
    days.checked_mul(Decimal::from(DAY_MS))
        .map(|ms| ms.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        .and_then(|ms| i64::try_from(ms).ok())
        .ok_or_else(|| format!("the date cell's value `{text}` is not a date"))
}

/// A duration cell in whole seconds.
fn serial_seconds(t: &ExcelDateTime) -> Result<i64, String> {
    let ms = serial_ms(t)?;
    if ms % 1000 != 0 {
        return Err(format!(
            "expected a duration in whole seconds, found a duration cell of {} ms",
            ms
        ));
    }
    Ok(ms / 1000)
}

/// The last serial day Excel shows (9999-12-31).
const LAST_SERIAL_DAY: i64 = 2_958_465;

/// A date cell's date and time, exactly, in the workbook's date system (1900
/// with its leap-year bug, or 1904).
fn serial_datetime(t: &ExcelDateTime) -> Result<NaiveDateTime, String> {
    let ms = serial_ms(t)?;
    let (days, in_day) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS));
    // The 1904 flag is private: a date cell equals its copy flagged 1904 only if it is.
    let is_1904 = *t == ExcelDateTime::new(t.as_f64(), ExcelDateTimeType::DateTime, true);
    let not_a_date = || format!("the date cell's value `{}` is not a date Excel can show", t.as_f64());
    if !(0..=LAST_SERIAL_DAY).contains(&days) {
        return Err(not_a_date());
    }
    let (epoch, days) = match (is_1904, days) {
        (true, _) => ((1904, 1, 1), days),
        (false, 0) => {
            return Err("the date cell holds a time of day without a date".into());
        }
        (false, 60) => {
            return Err(
                "the date cell holds 1900-02-29, a day that does not exist (Excel counts 1900 as a leap year)".into(),
            );
        }
        // Excel's day 1 is 1900-01-01, and it counts a 29 February 1900.
        (false, 1..=59) => ((1899, 12, 31), days),
        (false, _) => ((1899, 12, 30), days),
    };
    let (y, m, d) = epoch;
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|epoch| epoch.checked_add_days(Days::new(u64::try_from(days).ok()?)))
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .and_then(|midnight| midnight.checked_add_signed(chrono::TimeDelta::milliseconds(in_day)))
        .ok_or_else(not_a_date)
}

/// The instant of a zone-less date and time in `zone`; an error without a
/// zone, or at a time the zone skips or repeats.
fn in_zone(naive: NaiveDateTime, zone: Option<Tz>) -> Result<DateTime<Utc>, String> {
    let Some(zone) = zone else {
        return Err(format!(
            "the date cell {} has no time zone and none was given for the sheet: name the zone of its times (`--facts-timezone Asia/Shanghai`), or write the timestamps as text with their offset",
            code(&naive.to_string())
        ));
    };
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(_, _) => Err(format!(
            "the time {} happens twice in {zone} (the clocks go back): write it as text with its offset",
            code(&naive.to_string())
        )),
        LocalResult::None => Err(format!(
            "the time {} does not exist in {zone} (the clocks go forward)",
            code(&naive.to_string())
        )),
    }
}

/// A timestamp from an ISO 8601 date cell: with its offset, or in `zone`.
fn iso_timestamp(text: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = super::timestamp(text) {
        return Ok(t);
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN)))
        .map_err(|_| mismatch(&FactType::Timestamp, &code(text), super::Why::Mismatch))?;
    in_zone(naive, zone)
}

#[cfg(test)]
#[path = "xlsx/tests.rs"]
mod tests;
