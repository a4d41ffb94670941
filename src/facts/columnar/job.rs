//! One job of a columnar input: a slice of a batch's rows, read into records on whichever
//! thread runs it (a worker of the batch), so that the thread reading the file only decodes it.

use std::sync::Arc;

use arrow_array::RecordBatch;
use chrono_tz::Tz;

use super::super::record::{FactValue, Record};
use super::super::undeclared::{UndeclaredFields, schemas};
use super::super::{InputRecord, MISSING, RecordError};
use super::build::{self, ItemCounts, Trail};
use super::cell::Cell;
use super::columns::{self, Context, Matched};
use super::fill;
use crate::program::schema::RecordSchema;

/// What the records of a part (one file) share.
#[derive(Debug)]
pub(super) struct PartInfo {
    /// Its name in messages.
    pub(super) name: String,
    /// What its row groups are called (`row group`, `record batch`).
    pub(super) unit: &'static str,
    /// The rows of each row group, when known ahead (otherwise each batch is one).
    pub(super) groups: Option<Vec<u64>>,
    /// The undeclared columns, with the number of the schema they sit in.
    pub(super) undeclared: Vec<(u32, String)>,
}

/// Some consecutive rows of a batch, and where they are.
pub(super) struct Slice {
    /// The campaign's facts.
    pub(super) schema: Arc<RecordSchema>,
    /// `--facts-timezone`.
    pub(super) zone: Option<Tz>,
    /// The rows.
    pub(super) rows: RecordBatch,
    /// The line (1-based row number across the input) of the row before the first.
    pub(super) line: usize,
    /// The part the rows are in.
    pub(super) part: Arc<PartInfo>,
    /// The part's row index (0-based) of the first row.
    pub(super) first: u64,
    /// The batch's number in the part (1-based), and the part's row index of its first row.
    pub(super) batch: (u64, u64),
    /// Where the undeclared columns met are counted.
    pub(super) undeclared: UndeclaredFields,
}

impl Slice {
    /// The records of the rows, in order: converted a column at a time ([`fill::level`]),
    /// each row with a problem read again cell by cell for its error ([`build::record`]).
    pub(super) fn read(self) -> Vec<Result<InputRecord, RecordError>> {
        let schema = &*self.schema;
        let numbered = schemas(schema);
        let mut ctx = Context {
            zone: self.zone,
            schemas: &numbered,
            matched: Matched::default(),
        };
        let (fields, columns, rows) = (
            self.rows.schema_ref().fields(),
            self.rows.columns(),
            self.rows.num_rows(),
        );
        let compiled = columns::id_column(fields, columns)
            .and_then(|id| columns::compile(schema, fields, columns, "", &mut ctx).map(|nodes| (id, nodes)));
        let (id, nodes) = match compiled {
            Ok(compiled) => compiled,
            Err(e) => {
                return vec![Err(RecordError {
                    line: self.line + rows,
                    column: None,
                    id: None,
                    fact: None,
                    message: format!("the rows of `{}` could not be read: {}", self.part.name, e.message),
                })];
            }
        };
        // Each row's values are read straight into the vector its record keeps.
        let width = schema.fields.len();
        let mut records: Vec<Vec<FactValue>> = (0..rows)
            .map(|_| {
                let mut values = Vec::with_capacity(width);
                values.resize_with(width, || FactValue::Unknown);
                values
            })
            .collect();
        let mut slots: Vec<fill::Slots<'_>> = records.iter_mut().map(|r| Some(r.as_mut_slice())).collect();
        let bad = fill::level(schema, &nodes, 0..rows, &mut slots);
        drop(slots);
        // Items are counted only for the warning about undeclared columns of items.
        let nested = self.part.undeclared.iter().any(|(number, _)| *number != 0);
        let number = |s: &RecordSchema| {
            let found = numbered.iter().position(|(_, n)| std::ptr::eq(*n, s));
            found.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
        };
        let mut counts = ItemCounts::new();
        let mut trail = Trail::default();
        let mut out = Vec::with_capacity(rows);
        for (row, (bad, mine)) in bad.iter().zip(records).enumerate() {
            let line = self.line + row + 1;
            let read = if *bad {
                build::record(schema, &nodes, row, &mut trail, &mut counts)
            } else {
                if nested {
                    fill::count_items(schema, &mine, &number, &mut counts);
                }
                Ok(Record { values: mine })
            };
            let id = match id(row) {
                Cell::Str(text) => Some(text.to_owned()),
                Cell::Int(n) => Some(n.to_string()),
                _ => None,
            };
            // The place is worked out only for an error.
            let located = |id, fact, message: &str| self.located(row, line, id, fact, message);
            out.push(match (read, id) {
                (Ok(record), Some(id)) => {
                    with_id(schema, line, record, id).map_err(|(fact, message)| located(None, fact, &message))
                }
                (Ok(_), None) => Err(located(None, "id".into(), MISSING)),
                (Err((fact, message)), id) => Err(located(id, fact, &message)),
            });
        }
        self.count_undeclared(rows, &counts);
        out
    }

    /// Counts the undeclared columns met in these rows (those of items once per item read).
    fn count_undeclared(&self, rows: usize, counts: &ItemCounts) {
        let rows = u64::try_from(rows).unwrap_or(u64::MAX);
        for (number, name) in &self.part.undeclared {
            let n = if *number == 0 {
                rows
            } else {
                counts.iter().find(|(k, _)| k == number).map_or(0, |(_, n)| *n)
            };
            if n > 0 {
                self.undeclared.add_many(*number, name, n);
            }
        }
    }

    /// The error of the slice's row `row` (0-based, on line `line`), naming its row group,
    /// its row there and the file.
    fn located(&self, row: usize, line: usize, id: Option<String>, fact: String, message: &str) -> RecordError {
        let index = self.first + u64::try_from(row).unwrap_or(u64::MAX);
        let place = place(&self.part, self.batch, index);
        RecordError {
            line,
            column: None,
            id,
            fact: Some(fact),
            message: format!(
                "{message} ({} {}, row {}, of `{}`)",
                place.unit, place.group, place.row, self.part.name
            ),
        }
    }
}

/// The input record of `id` on line `line`, with `id` stored as a fact too
/// when the campaign declares it.
fn with_id(
    schema: &RecordSchema,
    line: usize,
    mut record: Record,
    id: String,
) -> Result<InputRecord, (String, String)> {
    if let Some(i) = schema.index_of("id")
        && let Some(field) = schema.fields.get(i)
        && let Some(slot) = record.values.get_mut(i)
    {
        *slot = super::super::value_from_text(&field.ty, &id, super::super::Source::Json).map_err(|why| {
            (
                "id".to_owned(),
                super::super::mismatch(&field.ty, &super::super::code_json_string(&id), why),
            )
        })?;
    }
    Ok(InputRecord { line, id, record })
}

/// Where a row is: its row group (record batch) and its row there, 1-based.
#[derive(Debug, Clone, Copy)]
struct Place {
    group: u64,
    row: u64,
    unit: &'static str,
}

/// The place of the part's row `index` (0-based), read in the batch `batch` (its number,
/// 1-based, and the part's row index of its first row).
fn place(part: &PartInfo, batch: (u64, u64), index: u64) -> Place {
    let Some(groups) = &part.groups else {
        // Each batch is a group of its own.
        return Place {
            group: batch.0,
            row: index - batch.1 + 1,
            unit: part.unit,
        };
    };
    let mut start = 0u64;
    for (g, rows) in groups.iter().enumerate() {
        if index < start + rows {
            return Place {
                group: u64::try_from(g).unwrap_or(u64::MAX) + 1,
                row: index - start + 1,
                unit: part.unit,
            };
        }
        start += rows;
    }
    Place {
        group: u64::try_from(groups.len()).unwrap_or(u64::MAX),
        row: index - start + 1,
        unit: part.unit,
    }
}
