//! Writing results: JSON, NDJSON, CSV and the aligned table.
//!
//! [`Writer`] writes the rows of a [`Batch`](crate::batch::Batch) run in one
//! [`Format`], as they come (the table and JSON's closing bracket at
//! [`Writer::finish`]). The result objects of JSON and NDJSON have one
//! definition, the encoder in [`json`]; CSV and the table share one list of
//! columns. The reasons a record is not eligible are [`failed_reasons`],
//! also used by the test runner.

pub mod json;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(not(feature = "parquet"))]
#[path = "parquet_off.rs"]
pub mod parquet;
mod table;
pub mod terminal;

pub use json::{result_json, row_json, write_result};
pub use table::{CHUNK as TABLE_CHUNK, SHOWN_DECIMALS, TableOptions};
/// The former name of [`shown`]: text from the input, safe on a terminal.
pub use terminal::shown as sanitize;
pub use terminal::{shown, shown_path};

use std::io::Write;

use crate::batch::{Evaluated, Row};
use crate::eval::{Outcome, RewardOutcome};
use crate::program::{Program, RewardDef};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of result objects, one per line.
    Json,
    /// One result object per line.
    Ndjson,
    /// A CSV table: a header, then one row per record.
    Csv,
    /// An aligned table for people (or, for explained records, their explanations as text).
    Table,
}

impl Format {
    /// Whether rows are written as JSON objects (which the workers can encode:
    /// see [`encode`]).
    pub fn is_json(self) -> bool {
        matches!(self, Format::Json | Format::Ndjson)
    }
}

/// The reasons of the conditions a record failed, in the campaign's order.
pub fn failed_reasons<'a>(program: &'a Program, outcome: &'a Outcome) -> impl Iterator<Item = &'a str> + 'a {
    program
        .conditions
        .iter()
        .zip(&outcome.conditions)
        .filter(|(_, passed)| !**passed)
        .map(|(c, _)| c.reason.as_str())
}

/// The reasons of the conditions of a reward's `when` block that a record failed, in the
/// order written (none for a reward without the block).
pub fn failed_gate_reasons<'a>(def: &'a RewardDef, outcome: &'a RewardOutcome) -> impl Iterator<Item = &'a str> + 'a {
    def.gate
        .iter()
        .flatten()
        .zip(outcome.gate.iter().flatten())
        .filter(|(_, passed)| !**passed)
        .map(|(c, _)| c.reason.as_str())
}

/// Encodes an evaluated row's JSON object into [`Evaluated::encoded`], so
/// that [`Writer`] only copies it: the [`Batch::prepare`](crate::batch::Batch::prepare)
/// hook for JSON and NDJSON, run on the workers.
pub fn encode(program: &Program, row: &mut Row) {
    if let Row::Evaluated(e) = row
        && e.encoded.is_none()
    {
        let mut text = String::with_capacity(256);
        json::write_evaluated(&mut text, program, e);
        e.encoded = Some(text);
    }
}

/// Writes rows in one format.
#[derive(Debug)]
pub struct Writer<'p, W: Write> {
    format: Format,
    program: &'p Program,
    out: W,
    /// Rows written so far.
    rows: usize,
    /// The columns of CSV and the table.
    header: Vec<(String, table::Column)>,
    /// The table: its layout from the first rows, then streamed.
    table: table::Table,
    /// Room to encode a row that was not encoded already.
    text: String,
}

impl<'p, W: Write> Writer<'p, W> {
    /// Writes the results of `program` to `out` in `format`.
    pub fn new(format: Format, program: &'p Program, out: W) -> Self {
        Self::with_table(format, program, out, TableOptions::default())
    }

    /// Like [`Writer::new`], with the table shown as `options` say.
    pub fn with_table(format: Format, program: &'p Program, out: W, options: TableOptions) -> Self {
        let header = table::header(program);
        Writer {
            format,
            program,
            out,
            rows: 0,
            table: table::Table::new(header.clone(), options),
            header,
            text: String::new(),
        }
    }

    /// The output, to commit it once [`Writer::finish`] succeeded.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes one row (the table holds the first [`TABLE_CHUNK`] rows to lay them out).
    ///
    /// # Errors
    ///
    /// When `out` cannot be written.
    pub fn row(&mut self, row: &Row) -> std::io::Result<()> {
        match self.format {
            Format::Ndjson | Format::Json => {
                if self.format == Format::Json {
                    self.out.write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
                }
                let text = match row {
                    Row::Evaluated(Evaluated {
                        encoded: Some(text), ..
                    }) => text,
                    _ => {
                        self.text.clear();
                        json::write_row(&mut self.text, self.program, row);
                        &self.text
                    }
                };
                self.out.write_all(text.as_bytes())?;
                if self.format == Format::Ndjson {
                    self.out.write_all(b"\n")?;
                }
            }
            Format::Csv => {
                if self.rows == 0 {
                    self.write_csv_header()?;
                }
                let cells = table::cells(self.program, row, self.header.len());
                table::write_csv_row(&mut self.out, &cells)?;
            }
            Format::Table => match row {
                Row::Evaluated(Evaluated {
                    explanation: Some(e), ..
                }) => {
                    write!(self.out, "{}", e.to_text())?;
                }
                _ => {
                    let cells = table::cells(self.program, row, self.header.len());
                    self.table.push(&mut self.out, cells)?;
                }
            },
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output (JSON's closing bracket, CSV's header when there was
    /// no row, the table) and flushes it.
    ///
    /// # Errors
    ///
    /// When `out` cannot be written.
    pub fn finish(&mut self) -> std::io::Result<()> {
        match self.format {
            Format::Json if self.rows == 0 => writeln!(self.out, "[]")?,
            Format::Json => writeln!(self.out, "\n]")?,
            Format::Csv if self.rows == 0 => self.write_csv_header()?,
            Format::Table => self.table.finish(&mut self.out)?,
            Format::Ndjson | Format::Csv => {}
        }
        self.out.flush()
    }

    fn write_csv_header(&mut self) -> std::io::Result<()> {
        let names: Vec<String> = self.header.iter().map(|(n, _)| n.clone()).collect();
        table::write_csv_row(&mut self.out, &names)
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use crate::batch::{Batch, Lines, Unobserved};
    use crate::program::inputs::Inputs;

    const CAMPAIGN: &str = r#"
campaign "c" {
  timezone Asia/Shanghai
  unit points
  facts { gmv: money CNY }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × 1% as points, rounded down
}
"#;

    fn written(format: Format, lines: &[&str]) -> String {
        let program = crate::check::check(CAMPAIGN).program.unwrap();
        let mut rows = Vec::new();
        Batch::new(&program, Inputs::defaults(&program)).run(
            &mut Lines::new(lines.iter().enumerate().map(|(i, l)| (i + 1, l.as_bytes()))),
            &mut rows,
            &Unobserved,
        );
        let mut writer = Writer::new(format, &program, Vec::new());
        for row in &rows {
            writer.row(row).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(writer.out).unwrap()
    }

    #[test]
    fn every_format_writes_results_and_errors() {
        let lines = [
            r#"{"id":"a","gmv":500}"#,
            r#"{"id":"b","gmv":"5,0"}"#,
            r#"{"id":"c","gmv":5}"#,
        ];
        let a = r#"{"id":"a","eligible":true,"rewards":{"points":{"amount":"5","unit":"points"}},"values":{},"reasons":[]}"#;
        let b = r#"{"line":2,"id":"b","error":"`gmv`: expected an amount of CNY such as 12.30 or \"12.30\", found `\"5,0\"`","fact":"gmv"}"#;
        let c = r#"{"id":"c","eligible":false,"rewards":{"points":{"amount":"0","unit":"points"}},"values":{},"reasons":["GMV 需达到 100 元"]}"#;
        assert_eq!(written(Format::Ndjson, &lines), format!("{a}\n{b}\n{c}\n"));
        assert_eq!(written(Format::Json, &lines), format!("[\n{a},\n{b},\n{c}\n]\n"));
        assert_eq!(
            written(Format::Csv, &lines),
            concat!(
                "id,eligible,points,reasons,error\na,true,5,,\n",
                "b,,,,\"line 2: `gmv`: expected an amount of CNY such as 12.30 or \"\"12.30\"\", found `\"\"5,0\"\"`\"\n",
                "c,false,0,GMV 需达到 100 元,\n"
            )
        );
        assert_eq!(
            written(Format::Table, &[lines[0], lines[2]]),
            "id  eligible  points  reasons\n──  ────────  ──────  ─────────────────\na   true      5\nc   false     0       GMV 需达到 100 元\n"
        );
    }

    #[test]
    fn no_rows_is_an_empty_list_a_header_or_nothing() {
        assert_eq!(written(Format::Json, &[]), "[]\n");
        assert_eq!(written(Format::Ndjson, &[]), "");
        assert_eq!(written(Format::Csv, &[]), "id,eligible,points,reasons,error\n");
        assert_eq!(written(Format::Table, &[]), "");
    }
}
