//! Results as a Parquet file (`--format parquet -o FILE`): schema version 1.
//!
//! One row per record, in input order; the columns (docs/cli.md, "Parquet
//! results", is their reference):
//!
//! - `id` (string; null when a failed record's id could not be read);
//! - `eligible` (boolean; null for a failed record), `liable` in a campaign
//!   of fees (the NDJSON object's key);
//! - per reward `R`: `reward_R_amount` (decimal(38, s) where `s` is the
//!   number of places of the unit's payable step), `reward_R_unit` (string),
//!   and for a reward settled per period `reward_R_by_period`
//!   (`map<string, decimal(38, s)>`, period key to amount); per fee `F` of a
//!   campaign of fees the same columns named `fee_F_…`;
//! - per value `V` shown in results: `value_V`, a decimal(38, s) when the
//!   value is a number whose step is known (a count; an amount rounded to a
//!   step or always in whole payable steps), a boolean for a flag, and
//!   otherwise the string the JSON output writes for it (a text as itself,
//!   a value shown per period as its JSON object);
//! - `reasons` (`list<string>`; null for a failed record);
//! - `error_line`, `error_column` (int64), `error`, `error_fact` (string):
//!   null for an evaluated record;
//! - `result` (string): exactly the JSON object the NDJSON output writes
//!   for the record.
//!
//! The file's key-value metadata holds `campaign.results.version` = `1` and
//! the campaign's name. Rows are written in batches of `BATCH`, and the
//! row group is flushed once it holds `ROW_GROUP_BYTES` of encoded data,
//! so memory stays bounded whatever the number of records. [`ResultBatches`]
//! gives the same rows as Arrow record batches, without a file.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Decimal128Builder, Int64Builder, ListBuilder, MapBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rust_decimal::Decimal;

use super::json;
use crate::batch::{Evaluated, Row};
use crate::eval::Shown;
use crate::program::types::{Dim, Ty};
use crate::program::{OutputKind, Program};

/// The version of the schema, in the file's metadata.
pub const SCHEMA_VERSION: &str = "1";

/// Rows collected before they are handed to the Parquet writer.
const BATCH: usize = 8192;

/// Encoded bytes a row group holds before it is written out.
const ROW_GROUP_BYTES: usize = 32 << 20;

/// How one value is written.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    /// A decimal at this many places.
    Decimal(u32),
    /// A boolean.
    Bool,
    /// The JSON output's string.
    Text,
}

/// The columns of one program's results.
struct Layout {
    /// Per reward: the places of its step, and whether it has periods.
    rewards: Vec<(u32, bool)>,
    /// Per value shown.
    values: Vec<ValueKind>,
}

/// The builders of one batch of rows, in column order.
struct Builders {
    id: StringBuilder,
    eligible: BooleanBuilder,
    rewards: Vec<(Decimal128Builder, StringBuilder, Option<PeriodBuilder>)>,
    values: Vec<ValueBuilder>,
    reasons: ListBuilder<StringBuilder>,
    error_line: Int64Builder,
    error_column: Int64Builder,
    error: StringBuilder,
    error_fact: StringBuilder,
    result: StringBuilder,
}

/// The amounts of a reward by period.
type PeriodBuilder = MapBuilder<StringBuilder, Decimal128Builder>;

enum ValueBuilder {
    Decimal(Decimal128Builder, u32),
    Bool(BooleanBuilder),
    Text(StringBuilder),
}

/// Results as Arrow record batches of the Parquet results' schema (see the
/// module documentation): what [`ParquetResults`] writes, and what a caller
/// from another language (the Python package) hands back as Arrow.
pub struct ResultBatches<'p> {
    program: &'p Program,
    layout: Layout,
    schema: SchemaRef,
    builders: Builders,
    /// Rows added since the last batch was finished.
    pending: usize,
    /// Room to encode a row's JSON object.
    text: String,
}

impl std::fmt::Debug for ResultBatches<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultBatches")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// Writes results as Parquet.
pub struct ParquetResults<'p, W: Write + Send> {
    batches: ResultBatches<'p>,
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> std::fmt::Debug for ParquetResults<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetResults")
            .field("batches", &self.batches)
            .finish_non_exhaustive()
    }
}

/// An error of the Parquet writer as an I/O error.
fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// The number of decimal places of a payable step (`0.01` has 2, `10` has 0).
fn places(step: Decimal) -> u32 {
    step.normalize().scale()
}

fn decimal_type(places: u32) -> DataType {
    DataType::Decimal128(38, i8::try_from(places).unwrap_or(28))
}

impl Layout {
    fn new(program: &Program) -> Layout {
        let rewards = program
            .rewards
            .iter()
            .map(|r| (places(r.unit.precision), r.per.is_some()))
            .collect();
        let values = program
            .exposed
            .iter()
            .map(|&i| {
                program
                    .definitions
                    .get(i)
                    .map_or(ValueKind::Text, |d| value_kind(program, d))
            })
            .collect();
        Layout { rewards, values }
    }
}

/// How a shown value is written: see the module documentation.
fn value_kind(program: &Program, def: &crate::program::Definition) -> ValueKind {
    if def.per.is_some() {
        return ValueKind::Text;
    }
    let capped = def.adjust.at_most.is_some() || def.adjust.at_least.is_some();
    match &def.ty {
        Ty::Bool => ValueKind::Bool,
        Ty::Num(Dim::Count) => ValueKind::Decimal(0),
        Ty::Num(Dim::Money(unit) | Dim::Unit(unit)) => {
            let rounded = def.adjust.rounding.as_ref().filter(|_| !capped).map(|(_, step)| *step);
            let payable = program
                .units
                .iter()
                .find(|u| u.name == *unit)
                .map(|u| u.precision)
                .filter(|_| def.exact);
            rounded
                .or(payable)
                .map_or(ValueKind::Text, |step| ValueKind::Decimal(places(step)))
        }
        Ty::Num(Dim::Decimal | Dim::Fraction)
        | Ty::Text
        | Ty::Time
        | Ty::Duration
        | Ty::Choice(_)
        | Ty::Window
        | Ty::TextSet
        | Ty::Periods(_)
        | Ty::Records(_)
        | Ty::Items(_)
        | Ty::PerPeriod(_, _) => ValueKind::Text,
    }
}

/// The Arrow schema of the results of `program` (see the module documentation).
pub fn schema(program: &Program) -> Schema {
    schema_of(program, &Layout::new(program))
}

/// The prefix of the amounts' columns: `reward` for a campaign of rewards, `fee` for one of
/// fees (as the NDJSON object's `rewards` or `fees`).
fn column_prefix(kind: OutputKind) -> &'static str {
    match kind {
        OutputKind::Reward => "reward",
        OutputKind::Fee => "fee",
    }
}

fn schema_of(program: &Program, layout: &Layout) -> Schema {
    // A fee campaign's records are liable for its fees, as in the NDJSON object.
    let kind = program.output_kind();
    let mut fields = vec![
        Field::new("id", DataType::Utf8, true),
        Field::new(kind.verdict_key(), DataType::Boolean, true),
    ];
    let prefix = column_prefix(kind);
    for (def, (places, periods)) in program.rewards.iter().zip(&layout.rewards) {
        fields.push(Field::new(
            format!("{prefix}_{}_amount", def.name),
            decimal_type(*places),
            true,
        ));
        fields.push(Field::new(format!("{prefix}_{}_unit", def.name), DataType::Utf8, true));
        if *periods {
            // The names the map builder gives its entries, keys and values (`entries`, `key`,
            // `value`, Parquet's own): a batch whose names differ from the schema's is refused.
            let entries = Field::new(
                Field::MAP_ENTRIES_FIELD_DEFAULT_NAME,
                DataType::Struct(
                    vec![
                        Field::new(Field::MAP_KEY_FIELD_DEFAULT_NAME, DataType::Utf8, false),
                        Field::new(Field::MAP_VALUE_FIELD_DEFAULT_NAME, decimal_type(*places), true),
                    ]
                    .into(),
                ),
                false,
            );
            fields.push(Field::new(
                format!("{prefix}_{}_by_period", def.name),
                DataType::Map(Arc::new(entries), false),
                true,
            ));
        }
    }
    for (&i, kind) in program.exposed.iter().zip(&layout.values) {
        let name = program.definitions.get(i).map_or("", |d| d.name.as_str());
        let dt = match kind {
            ValueKind::Decimal(places) => decimal_type(*places),
            ValueKind::Bool => DataType::Boolean,
            ValueKind::Text => DataType::Utf8,
        };
        fields.push(Field::new(format!("value_{name}"), dt, true));
    }
    fields.push(Field::new(
        "reasons",
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        true,
    ));
    fields.push(Field::new("error_line", DataType::Int64, true));
    fields.push(Field::new("error_column", DataType::Int64, true));
    fields.push(Field::new("error", DataType::Utf8, true));
    fields.push(Field::new("error_fact", DataType::Utf8, true));
    fields.push(Field::new("result", DataType::Utf8, false));
    let metadata = HashMap::from([
        ("campaign.results.version".to_owned(), SCHEMA_VERSION.to_owned()),
        ("campaign.name".to_owned(), program.name.clone()),
    ]);
    Schema::new_with_metadata(fields, metadata)
}

impl Builders {
    fn new(layout: &Layout) -> Builders {
        let decimal = |places: u32| {
            Decimal128Builder::new()
                .with_precision_and_scale(38, i8::try_from(places).unwrap_or(28))
                .unwrap_or_default()
        };
        Builders {
            id: StringBuilder::new(),
            eligible: BooleanBuilder::new(),
            rewards: layout
                .rewards
                .iter()
                .map(|&(places, periods)| {
                    let map = periods.then(|| MapBuilder::new(None, StringBuilder::new(), decimal(places)));
                    (decimal(places), StringBuilder::new(), map)
                })
                .collect(),
            values: layout
                .values
                .iter()
                .map(|kind| match kind {
                    ValueKind::Decimal(places) => ValueBuilder::Decimal(decimal(*places), *places),
                    ValueKind::Bool => ValueBuilder::Bool(BooleanBuilder::new()),
                    ValueKind::Text => ValueBuilder::Text(StringBuilder::new()),
                })
                .collect(),
            reasons: ListBuilder::new(StringBuilder::new()),
            error_line: Int64Builder::new(),
            error_column: Int64Builder::new(),
            error: StringBuilder::new(),
            error_fact: StringBuilder::new(),
            result: StringBuilder::new(),
        }
    }

    /// The columns built, in schema order (the builders are emptied).
    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut columns: Vec<ArrayRef> = vec![Arc::new(self.id.finish()), Arc::new(self.eligible.finish())];
        for (amount, unit, map) in &mut self.rewards {
            columns.push(Arc::new(amount.finish()));
            columns.push(Arc::new(unit.finish()));
            if let Some(map) = map {
                columns.push(Arc::new(map.finish()));
            }
        }
        for value in &mut self.values {
            columns.push(match value {
                ValueBuilder::Decimal(b, _) => ArrayBuilder::finish(b),
                ValueBuilder::Bool(b) => ArrayBuilder::finish(b),
                ValueBuilder::Text(b) => ArrayBuilder::finish(b),
            });
        }
        columns.push(Arc::new(self.reasons.finish()));
        columns.push(Arc::new(self.error_line.finish()));
        columns.push(Arc::new(self.error_column.finish()));
        columns.push(Arc::new(self.error.finish()));
        columns.push(Arc::new(self.error_fact.finish()));
        columns.push(Arc::new(self.result.finish()));
        columns
    }
}

/// `d` as an unscaled integer at `places`, when exact.
fn unscaled(d: Decimal, places: u32) -> std::io::Result<i128> {
    let mut at = d;
    at.rescale(places);
    if at != d || at.scale() != places {
        return Err(io(format!(
            "the amount {d} is not a whole number of steps of 10^-{places}"
        )));
    }
    Ok(at.mantissa())
}

impl<'p> ResultBatches<'p> {
    /// Collects the results of `program`.
    pub fn new(program: &'p Program) -> Self {
        let layout = Layout::new(program);
        let schema = Arc::new(schema_of(program, &layout));
        ResultBatches {
            program,
            builders: Builders::new(&layout),
            layout,
            schema,
            pending: 0,
            text: String::new(),
        }
    }

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// How many rows were added since the last batch was finished.
    pub fn len(&self) -> usize {
        self.pending
    }

    /// Whether no row was added since the last batch was finished.
    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// Adds one row.
    ///
    /// # Errors
    ///
    /// When an amount is not a whole number of its column's steps (it cannot
    /// be written exactly).
    pub fn push(&mut self, row: &Row) -> std::io::Result<()> {
        self.text.clear();
        json::write_row(&mut self.text, self.program, row);
        let b = &mut self.builders;
        b.result.append_value(&self.text);
        match row {
            Row::Evaluated(e) => self.evaluated(e)?,
            Row::Failed(f) => {
                b.id.append_option(f.id.as_deref());
                b.eligible.append_null();
                for (amount, unit, map) in &mut b.rewards {
                    amount.append_null();
                    unit.append_null();
                    if let Some(map) = map {
                        map.append(false).map_err(io)?;
                    }
                }
                for value in &mut b.values {
                    match value {
                        ValueBuilder::Decimal(v, _) => v.append_null(),
                        ValueBuilder::Bool(v) => v.append_null(),
                        ValueBuilder::Text(v) => v.append_null(),
                    }
                }
                b.reasons.append_null();
                b.error_line.append_value(i64::try_from(f.line).unwrap_or(i64::MAX));
                b.error_column
                    .append_option(f.column.map(|c| i64::try_from(c).unwrap_or(i64::MAX)));
                b.error.append_value(&f.error);
                b.error_fact.append_option(f.fact.as_deref());
            }
        }
        self.pending += 1;
        Ok(())
    }

    fn evaluated(&mut self, e: &Evaluated) -> std::io::Result<()> {
        let (program, b) = (self.program, &mut self.builders);
        let outcome = &e.outcome;
        b.id.append_value(&e.id);
        b.eligible.append_value(outcome.eligible);
        for ((def, r), ((amount, unit, map), (places, _))) in program
            .rewards
            .iter()
            .zip(&outcome.rewards)
            .zip(b.rewards.iter_mut().zip(&self.layout.rewards))
        {
            amount.append_value(unscaled(r.amount, *places)?);
            unit.append_value(&*def.unit.name);
            if let Some(map) = map {
                match (&r.by_period, def.per.and_then(|p| program.periods.get(p))) {
                    (Some(by), Some(p)) => {
                        for (period, value) in p.periods.iter().zip(by) {
                            map.keys().append_value(&period.key);
                            map.values().append_value(unscaled(*value, *places)?);
                        }
                        map.append(true).map_err(io)?;
                    }
                    _ => map.append(false).map_err(io)?,
                }
            }
        }
        for (shown, value) in outcome.values.iter().zip(&mut b.values) {
            write_value(shown, value)?;
        }
        for reason in super::failed_reasons(program, outcome) {
            b.reasons.values().append_value(reason);
        }
        b.reasons.append(true);
        b.error_line.append_null();
        b.error_column.append_null();
        b.error.append_null();
        b.error_fact.append_null();
        Ok(())
    }

    /// The rows added since the last batch, as a batch (the builders are
    /// emptied; the batch has no rows when none was added).
    ///
    /// # Errors
    ///
    /// When the columns do not fit the schema (an internal error).
    pub fn finish(&mut self) -> std::io::Result<RecordBatch> {
        self.pending = 0;
        let columns = self.builders.finish();
        RecordBatch::try_new(self.schema.clone(), columns).map_err(io)
    }
}

impl<'p, W: Write + Send> ParquetResults<'p, W> {
    /// Writes the results of `program` to `out`.
    ///
    /// # Errors
    ///
    /// When the writer cannot be set up.
    pub fn new(program: &'p Program, out: W) -> std::io::Result<Self> {
        let batches = ResultBatches::new(program);
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(1 << 20))
            .build();
        let writer = ArrowWriter::try_new(out, batches.schema(), Some(properties)).map_err(io)?;
        Ok(ParquetResults { batches, writer })
    }

    /// Adds one row (written once a batch is full).
    ///
    /// # Errors
    ///
    /// When the output cannot be written.
    pub fn row(&mut self, row: &Row) -> std::io::Result<()> {
        self.batches.push(row)?;
        if self.batches.len() >= BATCH {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Hands the rows collected to the writer, and writes the row group out
    /// once it is large.
    fn write_batch(&mut self) -> std::io::Result<()> {
        let batch = self.batches.finish()?;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.writer.write(&batch).map_err(io)?;
        if self.writer.in_progress_size() >= ROW_GROUP_BYTES {
            self.writer.flush().map_err(io)?;
        }
        Ok(())
    }

    /// Writes the last rows and the file's footer, and gives the output back.
    ///
    /// # Errors
    ///
    /// When the output cannot be written.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.write_batch()?;
        // Writes the last row group and the footer.
        self.writer.into_inner().map_err(io)
    }
}

/// Adds a shown value to its column.
fn write_value(shown: &Shown, builder: &mut ValueBuilder) -> std::io::Result<()> {
    match builder {
        ValueBuilder::Decimal(b, places) => match shown {
            Shown::Unknown => b.append_null(),
            Shown::Count(n) => b.append_value(unscaled(n.trunc(), *places)?),
            Shown::Amount(n, _) | Shown::Number(n) => b.append_value(unscaled(*n, *places)?),
            Shown::Bool(_) | Shown::Text(_) | Shown::Time(_) | Shown::Duration(_) | Shown::ByPeriod(_) => {
                b.append_null();
            }
        },
        ValueBuilder::Bool(b) => match shown {
            Shown::Bool(v) => b.append_value(*v),
            Shown::Unknown
            | Shown::Count(_)
            | Shown::Amount(_, _)
            | Shown::Number(_)
            | Shown::Text(_)
            | Shown::Time(_)
            | Shown::Duration(_)
            | Shown::ByPeriod(_) => b.append_null(),
        },
        ValueBuilder::Text(b) => match shown {
            Shown::Unknown => b.append_null(),
            Shown::Text(t) => b.append_value(t),
            Shown::Bool(_)
            | Shown::Count(_)
            | Shown::Amount(_, _)
            | Shown::Number(_)
            | Shown::Time(_)
            | Shown::Duration(_)
            | Shown::ByPeriod(_) => {
                let mut text = String::new();
                json::write_shown(&mut text, shown);
                // A JSON string is written as its content; other JSON as its text.
                match serde_json::from_str::<String>(&text) {
                    Ok(content) => b.append_value(content),
                    Err(_) => b.append_value(text),
                }
            }
        },
    }
    Ok(())
}
