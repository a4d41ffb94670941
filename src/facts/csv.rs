//! Reading CSV fact files (flat schemas only).
//!
//! The header row names the columns; columns the schema does not declare are
//! ignored. Each cell is read like a JSON string; an empty cell is unknown.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use ::csv::{ByteRecord, Reader, ReaderBuilder};

use super::record::{FactValue, Record};
use super::{BOM, FileError, InputRecord, MISSING, RecordError, Source, code, mismatch, value_from_text};
use crate::program::schema::{FactType, RecordSchema};

/// Reads a CSV file against `schema`: checks the header, then streams the rows.
pub(super) fn read_csv<'s, R: BufRead + 's>(
    schema: &'s RecordSchema,
    input: R,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    read_csv_keyed(schema, "id", input)
}

/// [`read_csv`] with the records' ids in the column `key` (a joined table's
/// rows name their parent record in `parent_id`, see [`super::join`]).
pub(super) fn read_csv_keyed<'s, R: BufRead + 's>(
    schema: &'s RecordSchema,
    key: &'s str,
    mut input: R,
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

    let io_error = |e: &dyn std::fmt::Display| FileError {
        line: None,
        message: format!("could not read the input: {e}"),
        help: None,
    };
    // Skip a byte order mark (the csv crate does not).
    if input.fill_buf().map_err(|e| io_error(&e))?.starts_with(BOM) {
        input.consume(BOM.len());
    }
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineBreaks {
            inner: input,
            offset: 0,
            breaks: VecDeque::new(),
        });
    let mut header = ByteRecord::new();
    if !reader.read_byte_record(&mut header).map_err(|e| io_error(&e))? {
        return Err(FileError {
            line: None,
            message: "the file is empty".into(),
            help: Some("a CSV file starts with a header row naming the columns".into()),
        });
    }
    let mut lines = Lines { newlines: 0 };
    let header_line = lines.line_of(&mut reader, &header);

    let mut names = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        let name = if i == 0 {
            name.strip_prefix(BOM).unwrap_or(name)
        } else {
            name
        };
        let name = std::str::from_utf8(name).map_err(|_| FileError {
            line: Some(header_line),
            message: format!("the header row is not valid UTF-8 (column {})", i.saturating_add(1)),
            help: Some("save the file as UTF-8".into()),
        })?;
        names.push(name);
    }
    // The column of a name; a name the reader uses must appear at most once.
    let column = |name: &str| -> Result<Option<usize>, FileError> {
        let mut found = names.iter().enumerate().filter(|(_, n)| **n == name);
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
        missing.push(format!("`{key}`"));
    }
    for field in &schema.fields {
        let col = column(&field.name)?;
        if col.is_none() && !field.optional && field.name != key {
            missing.push(format!("`{}`", field.name));
        }
        columns.push(col);
    }
    let Some(id_column) = id_column else {
        return Err(missing_columns(Some(header_line), key, &missing));
    };
    if !missing.is_empty() {
        return Err(missing_columns(Some(header_line), key, &missing));
    }

    Ok(Box::new(Rows {
        schema,
        reader,
        lines,
        row: ByteRecord::new(),
        width: header.len(),
        id_column,
        key,
        columns,
        done: false,
    }))
}

/// The header (on `line`) lacks the columns `missing` (already in backticks);
/// the ids are in the column `key`.
pub(super) fn missing_columns(line: Option<usize>, key: &str, missing: &[String]) -> FileError {
    let (noun, list) = match missing {
        [one] => ("column", one.clone()),
        _ => ("columns", missing.join(", ")),
    };
    FileError {
        line,
        message: format!("the header row has no {noun} for {list}"),
        help: Some(format!(
            "the header must name a column for `{key}` and for every required fact; only optional facts' columns may be left out"
        )),
    }
}

/// A reader that notes where the line breaks are, so that rows can be given
/// their line numbers (the `csv` crate miscounts lines ending in CRLF).
struct LineBreaks<R> {
    inner: R,
    /// The number of bytes read so far.
    offset: u64,
    /// The offsets of the CR and LF bytes read but not yet passed by a row,
    /// with whether each is an LF.
    breaks: VecDeque<(u64, bool)>,
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf.get(..n).unwrap_or_default().iter().enumerate() {
            if b == b'\r' || b == b'\n' {
                let at = self.offset.saturating_add(u64::try_from(i).unwrap_or(u64::MAX));
                self.breaks.push_back((at, b == b'\n'));
            }
        }
        self.offset = self.offset.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        Ok(n)
    }
}

/// Counts the lines before each row.
struct Lines {
    /// The LF bytes before the last row read.
    newlines: usize,
}

impl Lines {
    /// The 1-based line where `row` (just read from `reader`) starts.
    ///
    /// A row's recorded position may point at line breaks before it (after a
    /// CRLF or blank lines), but a row never starts with a CR or LF: it starts
    /// at the first other byte from there.
    fn line_of<R: Read>(&mut self, reader: &mut Reader<LineBreaks<R>>, row: &ByteRecord) -> usize {
        let breaks = &mut reader.get_mut().breaks;
        let mut start = row.position().map_or(0, |p| p.byte());
        while let Some(&(at, lf)) = breaks.front() {
            if at <= start {
                if at == start {
                    start = start.saturating_add(1);
                }
                self.newlines = self.newlines.saturating_add(usize::from(lf));
                breaks.pop_front();
            } else {
                break;
            }
        }
        self.newlines.saturating_add(1)
    }
}

/// The rows after the header, one record each.
struct Rows<'s, R> {
    schema: &'s RecordSchema,
    reader: Reader<LineBreaks<R>>,
    lines: Lines,
    /// The current row (reused).
    row: ByteRecord,
    /// The number of fields in the header.
    width: usize,
    id_column: usize,
    /// The name of the id column.
    key: &'s str,
    /// For each fact, its column (`None` for an optional fact without one).
    columns: Vec<Option<usize>>,
    done: bool,
}

impl<R: Read> Iterator for Rows<'_, R> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.row) {
            Ok(true) => {
                let line = self.lines.line_of(&mut self.reader, &self.row);
                Some(self.record(line))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(RecordError {
                    line: self.lines.newlines.saturating_add(1),
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
    /// Reads the current row, which starts on `line`.
    fn record(&self, line: usize) -> Result<InputRecord, RecordError> {
        let fail = |id: Option<&str>, fact: Option<&str>, message: String| RecordError {
            line,
            column: None,
            id: id.map(str::to_owned),
            fact: fact.map(str::to_owned),
            message,
        };

        let id_cell = self.row.get(self.id_column);
        let id = id_cell
            .and_then(|cell| std::str::from_utf8(cell).ok())
            .filter(|id| !id.is_empty());
        if self.row.len() != self.width {
            return Err(fail(
                id,
                None,
                format!(
                    "this row has {} fields but the header has {}",
                    self.row.len(),
                    self.width
                ),
            ));
        }
        let Some(id) = id else {
            let message = match id_cell {
                Some(cell) if !cell.is_empty() => "the value is not valid UTF-8".into(),
                _ => MISSING.into(),
            };
            return Err(fail(None, Some(self.key), message));
        };

        let mut values = Vec::with_capacity(self.schema.fields.len());
        for (field, column) in self.schema.fields.iter().zip(&self.columns) {
            let cell = column.and_then(|c| self.row.get(c)).unwrap_or_default();
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
mod tests {
    use super::super::{Format, read_records};
    use super::*;
    use crate::program::schema::FieldSchema;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn field(name: &str, ty: FactType, optional: bool) -> FieldSchema {
        FieldSchema {
            name: name.into(),
            ty,
            optional,
        }
    }

    fn dec(s: &str) -> FactValue {
        FactValue::Number(Decimal::from_str(s).unwrap())
    }

    /// 0 gmv, 1 rate?, 2 orders?, 3 active?, 4 opened?, 5 tier?, 6 note?
    fn schema() -> RecordSchema {
        RecordSchema {
            fields: vec![
                field("gmv", FactType::Money("CNY".into()), false),
                field("rate", FactType::Fraction, true),
                field("orders", FactType::Count, true),
                field("active", FactType::Bool, true),
                field("opened", FactType::Timestamp, true),
                field("tier", FactType::Enum(vec!["gold".into(), "silver".into()]), true),
                field("note", FactType::Text, true),
            ],
        }
    }

    fn read(schema: &RecordSchema, input: &[u8]) -> Vec<Result<InputRecord, RecordError>> {
        read_records(schema, Format::Csv, input).unwrap().collect()
    }

    fn file_error(schema: &RecordSchema, input: &[u8]) -> FileError {
        match read_records(schema, Format::Csv, input) {
            Ok(_) => panic!("expected a file error"),
            Err(e) => e,
        }
    }

    #[test]
    fn happy_path() {
        let schema = schema();
        let input = "warehouse_col,id,gmv,rate,orders,active,opened,tier,note\n\
                     x,m1,12.30,2%,30,true,2024-08-22T10:00:00+08:00,gold, a b \n\
                     y,m2,-5,0.5,,false,,,\n";
        let rs = read(&schema, input.as_bytes());
        assert_eq!(rs.len(), 2);
        let r = rs[0].as_ref().unwrap();
        assert_eq!((r.line, r.id.as_str()), (2, "m1"));
        let FactValue::Number(gmv) = &r.record.values[0] else {
            panic!()
        };
        assert_eq!(gmv.to_string(), "12.30");
        assert_eq!(r.record.values[1], dec("0.02"));
        assert_eq!(r.record.values[2], dec("30"));
        assert_eq!(r.record.values[3], FactValue::Bool(true));
        assert!(matches!(r.record.values[4], FactValue::Time(_)));
        assert_eq!(r.record.values[5], FactValue::Choice(0));
        assert_eq!(r.record.values[6], FactValue::Text(" a b ".into()));
        let r = rs[1].as_ref().unwrap();
        assert_eq!(r.line, 3);
        assert_eq!(
            r.record.values,
            vec![
                dec("-5"),
                dec("0.5"),
                FactValue::Unknown,
                FactValue::Bool(false),
                FactValue::Unknown,
                FactValue::Unknown,
                FactValue::Unknown,
            ]
        );
    }

    #[test]
    fn optional_columns_may_be_absent() {
        let schema = schema();
        let rs = read(&schema, b"gmv,id\n1,a\n");
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.record.values[0], dec("1"));
        assert!(r.record.values[1..].iter().all(|v| *v == FactValue::Unknown));
    }

    #[test]
    fn bad_rows_among_good_rows() {
        let schema = schema();
        let input = "id,gmv,orders,active,opened\r\n\
                     a,1,1,true,\r\n\
                     b,\"12,000\",1,true,\r\n\
                     c,1,-3,true,\r\n\
                     d,1,1,yes,\r\n\
                     e,1,1,true,2024-08-22T10:00:00\r\n\
                     f,1\r\n\
                     ,1,1,true,\r\n\
                     h,,1,true,\r\n\
                     i,1e3,1,true,\r\n\
                     j,2,2,false,2024-08-22T02:00:00Z\r\n\
                     \r\n\
                     \r\n\
                     k,x\r\n";
        let rs = read(&schema, input.as_bytes());
        assert_eq!(rs.len(), 11);
        assert_eq!(rs[10].as_ref().unwrap_err().line, 14);
        assert_eq!(rs[0].as_ref().unwrap().id, "a");
        let err = |i: usize| rs[i].as_ref().unwrap_err();
        let e = err(1);
        assert_eq!(
            (e.line, e.id.as_deref(), e.fact.as_deref()),
            (3, Some("b"), Some("gmv"))
        );
        assert_eq!(
            e.message,
            "expected an amount of CNY such as 12.30 or \"12.30\", found `12,000`"
        );
        assert_eq!(err(2).message, "expected a whole number of at least 0, found `-3`");
        assert_eq!(err(3).message, "expected true or false, found `yes`");
        assert!(err(4).message.contains("add the offset, e.g. +08:00"));
        let e = err(5);
        assert_eq!((e.line, e.id.as_deref(), e.fact.as_deref()), (7, Some("f"), None));
        assert_eq!(e.message, "this row has 2 fields but the header has 5");
        let e = err(6);
        assert_eq!(
            (e.id.as_deref(), e.fact.as_deref(), e.message.as_str()),
            (None, Some("id"), "missing required fact")
        );
        let e = err(7);
        assert_eq!(
            (e.fact.as_deref(), e.message.as_str()),
            (Some("gmv"), "missing required fact")
        );
        assert!(err(8).message.contains("exponents are not accepted"));
        let r = rs[9].as_ref().unwrap();
        assert_eq!((r.line, r.id.as_str()), (11, "j"));
    }

    #[test]
    fn bom_quotes_and_multiline_cells() {
        let schema = schema();
        let input = "\u{feff}\"id\",gmv,note\n\"a\",\"1.5\",\"two\nlines\"\nb,2,\n";
        let rs = read(&schema, input.as_bytes());
        assert_eq!(rs.len(), 2);
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.id, "a");
        assert_eq!(r.record.values[6], FactValue::Text("two\nlines".into()));
        assert_eq!(rs[1].as_ref().unwrap().line, 4);
    }

    #[test]
    fn invalid_utf8_cell() {
        let schema = schema();
        let rs = read(&schema, b"id,gmv,note,other\na,1,\xff,x\nb,1,ok,\xff\n");
        let e = rs[0].as_ref().unwrap_err();
        assert_eq!((e.line, e.fact.as_deref()), (2, Some("note")));
        assert_eq!(e.message, "the value is not valid UTF-8");
        // Undeclared columns are not read.
        assert_eq!(rs[1].as_ref().unwrap().id, "b");
    }

    #[test]
    fn id_declared_as_a_fact() {
        let schema = RecordSchema {
            fields: vec![field("id", FactType::Text, false), field("n", FactType::Count, true)],
        };
        let rs = read(&schema, b"n,id\n3,x\n");
        let r = rs[0].as_ref().unwrap();
        assert_eq!(r.id, "x");
        assert_eq!(r.record.values, vec![FactValue::Text("x".into()), dec("3")]);
    }

    #[test]
    fn nested_schema_refused() {
        let schema = RecordSchema {
            fields: vec![
                field("gmv", FactType::Money("CNY".into()), false),
                field("sales", FactType::List(Box::default()), true),
            ],
        };
        let e = file_error(&schema, b"id,gmv\na,1\n");
        assert_eq!(
            e.message,
            "this campaign has list facts (`sales`), which a CSV file cannot hold"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("export the facts as NDJSON (one JSON object per line)")
        );
    }

    #[test]
    fn header_problems() {
        let schema = schema();
        let e = file_error(&schema, b"id,rate\na,1\n");
        assert_eq!(e.line, Some(1));
        assert_eq!(e.message, "the header row has no column for `gmv`");
        let e = file_error(&schema, b"name,rate\n");
        assert_eq!(e.message, "the header row has no columns for `id`, `gmv`");
        let e = file_error(&schema, b"");
        assert_eq!(e.message, "the file is empty");
        let e = file_error(&schema, b"id,gmv,gmv\n");
        assert_eq!(e.message, "the header row names the column `gmv` more than once");
        // Undeclared duplicates do not matter.
        assert_eq!(read(&schema, b"id,gmv,x,x\na,1,2,3\n").len(), 1);
        assert!(read(&schema, b"id,gmv\n").is_empty());
    }
}
