//! A population evaluation (rankings and budgets) in stages over Arrow (the
//! library's `campaign::eval::stages`), for Spark's global stages per ranking
//! group and per budget group (`campaign/spark.py`, docs/warehouse.md):
//!
//! - [`rank_entries`]: a stream of records in, one batch of their ranking
//!   entries out (`row`, the 0-based row in the stream, `place`, `group` and
//!   `order`, the last two as text);
//! - [`rank`]: one ranking group's entries at one place in (the record's key
//!   `id`, `order`), each one's place out (`rank`, in the input's order): the
//!   entries sorted here by `id` (a shuffle keeps no order), then placed by the
//!   library;
//! - [`claims`]: a stream of records in, with their places in the column
//!   [`RANKS`], one batch of their claims out (`row`, `reward`, `group`, `key`
//!   and `amount`, the last two as text);
//! - [`allot`]: one budget group's claims in (`id`, `key`, `amount`), what each
//!   came to out (`allotment`, text, and whether it `failed`, in the input's
//!   order): the claims sorted here by `id`, then in the budget's queue order
//!   by the library's allocator;
//! - the last stage is a run of `stream::Run` with `finish` set: each record
//!   evaluated again and given its places ([`RANKS`]) and allotments
//!   ([`ALLOTMENTS`]).
//!
//! What a record is given travels in two text columns, which Spark builds by
//! joining the rows of the group stages: [`RANKS`] holds `place:rank` items
//! separated by `,` (`0:3,2:1`), [`ALLOTMENTS`] `reward allotment` items (the
//! allotment as `Allotment::encode` writes it, compact JSON, which has no line
//! break) separated by line breaks; either is null or absent when there is none.

use std::cmp::Ordering;
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchIterator, RecordBatchReader, StringArray, UInt32Array,
    UInt64Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use campaign::eval::Evaluator;
use campaign::eval::stages::{Allotment, ClaimKey, RankKey};
use campaign::facts::{ReadOptions, open_batches};
use campaign::program::Program;
use campaign::program::inputs::Inputs;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::stream::{STREAM, refusal};

/// The column of a stage's input that holds the record's places.
pub const RANKS: &str = "__ranks";

/// The column of the last stage's input that holds what the record's claims came to.
pub const ALLOTMENTS: &str = "__allotments";

/// The ranking entries of the records of `input`, as one record batch. A record that fails
/// ranks nowhere (the last stage gives its error).
pub fn rank_entries(
    program: &Program,
    inputs: Inputs,
    input: RecordBatchStreamReader,
    zone: Option<chrono_tz::Tz>,
) -> Result<RecordBatch, String> {
    let arrow = RecordBatchReader::schema(&input);
    let columnar =
        open_batches(&program.schema, arrow, input, &ReadOptions::default(), zone).map_err(|e| refusal(&e))?;
    let evaluator = Evaluator::with_inputs(program, inputs);
    let (mut rows, mut places, mut groups, mut orders) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for read in columnar.into_records() {
        let Ok(read) = read else { continue };
        let Ok(entries) = evaluator.rank_entries(&read.record) else {
            continue;
        };
        for e in entries {
            rows.push(row_of(read.line));
            places.push(u32::try_from(e.place).unwrap_or(u32::MAX));
            groups.push(e.group);
            orders.push(e.order.encode());
        }
    }
    let schema = Schema::new(vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("place", DataType::UInt32, false),
        Field::new("group", DataType::Utf8, false),
        Field::new("order", DataType::Utf8, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from(rows)),
        Arc::new(UInt32Array::from(places)),
        Arc::new(StringArray::from(groups)),
        Arc::new(StringArray::from(orders)),
    ];
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| e.to_string())
}

/// The places of one ranking group's entries at place `place`: `input` holds the entries
/// (columns `id` and `order`, in any order), the result one `rank` per entry, in the input's
/// order.
///
/// # Errors
///
/// A key given to two entries of the group (their order would be the engine's choice), or
/// columns that are not those [`rank_entries`] gives.
pub fn rank(
    program: &Program,
    inputs: Inputs,
    place: usize,
    input: RecordBatchStreamReader,
) -> Result<RecordBatch, String> {
    let batches = input.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    let order = key_order(&column(&batches, "id")?)?;
    let texts = texts(&column(&batches, "order")?)?;
    let mut keys = Vec::with_capacity(order.len());
    for i in &order {
        let key = texts
            .get(*i)
            .and_then(|k| RankKey::decode(k))
            .ok_or("internal error: an entry's order keys are not those `rank_entries` wrote")?;
        keys.push(key);
    }
    let evaluator = Evaluator::with_inputs(program, inputs);
    let given = evaluator.rank_group(place, keys);
    if given.len() != order.len() {
        return Err(format!("internal error: the campaign has no ranking place {place}"));
    }
    let mut out: Vec<u64> = vec![0; order.len()];
    for (i, p) in order.iter().zip(given) {
        if let Some(slot) = out.get_mut(*i) {
            *slot = u64::try_from(p).unwrap_or(u64::MAX);
        }
    }
    let schema = Schema::new(vec![Field::new("rank", DataType::UInt64, false)]);
    RecordBatch::try_new(Arc::new(schema), vec![Arc::new(UInt64Array::from(out))]).map_err(|e| e.to_string())
}

/// The claims of the records of `input` on the program's budgets, given their places (the
/// column [`RANKS`]), as one record batch. A record that fails claims nothing (the last stage
/// gives its error).
pub fn claims(
    program: &Program,
    inputs: Inputs,
    input: RecordBatchStreamReader,
    zone: Option<chrono_tz::Tz>,
) -> Result<RecordBatch, String> {
    let given = Given::default();
    let (arrow, input) = without_given(input, given.clone());
    let columnar =
        open_batches(&program.schema, arrow, input, &ReadOptions::default(), zone).map_err(|e| refusal(&e))?;
    let evaluator = Evaluator::with_inputs(program, inputs);
    let (mut rows, mut rewards, mut groups, mut keys, mut amounts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for read in columnar.into_records() {
        let Ok(read) = read else { continue };
        let Ok((ranks, _)) = given.of(&evaluator, read.line) else {
            continue;
        };
        let Ok(claims) = evaluator.claims(&read.record, &ranks) else {
            continue;
        };
        for c in claims {
            rows.push(row_of(read.line));
            rewards.push(u32::try_from(c.reward).unwrap_or(u32::MAX));
            groups.push(c.group);
            keys.push(c.key.encode());
            amounts.push(c.amount.to_string());
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(UInt64Array::from(rows)),
        Arc::new(UInt32Array::from(rewards)),
        Arc::new(StringArray::from(groups)),
        Arc::new(StringArray::from(keys)),
        Arc::new(StringArray::from(amounts)),
    ];
    RecordBatch::try_new(Arc::new(claims_schema()), columns).map_err(|e| e.to_string())
}

/// The 0-based row of the record read at `line` (1-based) of a stream.
fn row_of(line: usize) -> u64 {
    u64::try_from(line.saturating_sub(1)).unwrap_or(u64::MAX)
}

/// The schema of [`claims`]'s batch.
fn claims_schema() -> Schema {
    Schema::new(vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("reward", DataType::UInt32, false),
        Field::new("group", DataType::Utf8, false),
        Field::new("key", DataType::Utf8, false),
        Field::new("amount", DataType::Utf8, false),
    ])
}

/// What each claim of one budget group came to: `input` holds the group's claims (columns
/// `id`, `key` and `amount`, in any order), the result one `allotment` per claim and whether
/// it `failed` (its record then leaves the later budgets' queues), in the input's order.
///
/// # Errors
///
/// A key given to two claims of the group (their order would be the engine's choice), or
/// columns that are not those [`claims`] gives.
pub fn allot(
    program: &Program,
    inputs: Inputs,
    reward: usize,
    group: &str,
    input: RecordBatchStreamReader,
) -> Result<RecordBatch, String> {
    let batches = input.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    let order = key_order(&column(&batches, "id")?)?;
    let keys = texts(&column(&batches, "key")?)?;
    let amounts = texts(&column(&batches, "amount")?)?;
    let mut claims = Vec::with_capacity(order.len());
    for i in &order {
        let key = keys
            .get(*i)
            .and_then(|k| ClaimKey::decode(k))
            .ok_or("internal error: a claim's key is not one `claims` wrote")?;
        let amount = amounts
            .get(*i)
            .and_then(|a| a.parse().ok())
            .ok_or("internal error: a claim's amount is not a decimal")?;
        claims.push((key, amount));
    }
    let evaluator = Evaluator::with_inputs(program, inputs);
    let allotted = evaluator.allot_group(reward, group, claims);
    let mut out: Vec<Option<String>> = vec![None; order.len()];
    let mut failed: Vec<Option<bool>> = vec![None; order.len()];
    for (i, a) in order.iter().zip(allotted) {
        if let (Some(slot), Some(f)) = (out.get_mut(*i), failed.get_mut(*i)) {
            *f = Some(a.is_failed());
            *slot = Some(a.encode());
        }
    }
    let schema = Schema::new(vec![
        Field::new("allotment", DataType::Utf8, true),
        Field::new("failed", DataType::Boolean, true),
    ]);
    let columns: Vec<ArrayRef> = vec![Arc::new(StringArray::from(out)), Arc::new(BooleanArray::from(failed))];
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| e.to_string())
}

/// The rows of a group's entries or claims in the order of their keys (Spark's ascending
/// order), which breaks ties as the command line's input order does.
///
/// # Errors
///
/// A key given to two of them, or keys of a type that cannot order them.
fn key_order(ids: &[ArrayRef]) -> Result<Vec<usize>, String> {
    let ids = Ids::of(ids)?;
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|a, b| ids.cmp(*a, *b));
    for pair in order.windows(2) {
        if let [a, b] = pair
            && ids.cmp(*a, *b) == Ordering::Equal
        {
            return Err(format!(
                "the key `{}` is given to two records: keys order the claims of rankings and budgets, so each must be unique",
                ids.show(*a)
            ));
        }
    }
    Ok(order)
}

/// What the records of a stage's input are given, by row (0-based across the input): the
/// text of [`RANKS`] and of [`ALLOTMENTS`], filled as the input's batches are read.
#[derive(Clone, Default)]
pub struct Given(Arc<Mutex<Vec<GivenText>>>);

/// The text of [`RANKS`] and of [`ALLOTMENTS`] of one record.
type GivenText = (Option<String>, Option<String>);

/// A record's places, by place, and what its claims came to.
type Decoded = (Vec<Option<usize>>, Vec<(usize, Allotment)>);

impl Given {
    /// What the record read at `line` (1-based) is given, decoded.
    ///
    /// # Errors
    ///
    /// Text that is not what the stages write (an internal error).
    pub fn of(&self, evaluator: &Evaluator<'_>, line: usize) -> Result<Decoded, String> {
        let (ranks, allotments) = self
            .0
            .lock()
            .ok()
            .and_then(|all| all.get(line.saturating_sub(1)).cloned())
            .unwrap_or_default();
        let mut places = vec![None; evaluator.rank_places()];
        for item in ranks.iter().flat_map(|t| t.split(',')).filter(|i| !i.is_empty()) {
            let parsed = item
                .split_once(':')
                .and_then(|(k, r)| Some((k.parse::<usize>().ok()?, r.parse::<usize>().ok()?)));
            let (k, r) = parsed.ok_or_else(|| format!("internal error: `{item}` is not a record's place"))?;
            let slot = places
                .get_mut(k)
                .ok_or_else(|| format!("internal error: the campaign has no ranking place {k}"))?;
            *slot = Some(r);
        }
        let mut allotted = Vec::new();
        for item in allotments.iter().flat_map(|t| t.lines()).filter(|i| !i.is_empty()) {
            let parsed = item
                .split_once(' ')
                .and_then(|(r, a)| Some((r.parse::<usize>().ok()?, Allotment::decode(a)?)));
            allotted.push(parsed.ok_or("internal error: an allotment is not one `allot` wrote")?);
        }
        // The budgets' order (the order they were handed out in), whatever order Spark
        // gathered them in.
        allotted.sort_by_key(|(reward, _)| *reward);
        Ok((places, allotted))
    }
}

/// The batches of `input` without their columns [`RANKS`] and [`ALLOTMENTS`], whose values go
/// to `given` as each batch is read (before its records are), and the schema they have.
pub fn without_given(
    input: RecordBatchStreamReader,
    given: Given,
) -> (
    SchemaRef,
    impl Iterator<Item = Result<RecordBatch, ArrowError>> + 'static,
) {
    let schema = RecordBatchReader::schema(&input);
    let ranks = schema.index_of(RANKS).ok();
    let allotments = schema.index_of(ALLOTMENTS).ok();
    let fields = schema
        .fields()
        .iter()
        .filter(|f| f.name() != RANKS && f.name() != ALLOTMENTS);
    let stripped: SchemaRef = Arc::new(Schema::new(fields.cloned().collect::<Vec<_>>()));
    let out = Arc::clone(&stripped);
    let batches = input.map(move |batch| {
        let batch = batch?;
        let rows = batch.num_rows();
        let ranks = ranks.map(|i| text_column(&batch, i)).transpose()?;
        let allotments = allotments.map(|i| text_column(&batch, i)).transpose()?;
        if let Ok(mut all) = given.0.lock() {
            for row in 0..rows {
                let at = |c: &Option<StringArray>| {
                    c.as_ref()
                        .and_then(|c| c.is_valid(row).then(|| c.value(row).to_owned()))
                };
                all.push((at(&ranks), at(&allotments)));
            }
        }
        let columns = stripped
            .fields()
            .iter()
            .map(|f| batch.column_by_name(f.name()).cloned());
        let columns = columns
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ArrowError::SchemaError("a batch's columns are not its stream's".into()))?;
        RecordBatch::try_new(Arc::clone(&stripped), columns)
    });
    (out, batches)
}

/// The text column at `i` of `batch`.
fn text_column(batch: &RecordBatch, i: usize) -> Result<StringArray, ArrowError> {
    let name = batch.schema().field(i).name().clone();
    batch
        .column(i)
        .as_string_opt::<i32>()
        .cloned()
        .ok_or_else(|| ArrowError::ExternalError(format!("`{name}` is not a text column").into()))
}

/// The column `name` of every batch.
fn column(batches: &[RecordBatch], name: &str) -> Result<Vec<ArrayRef>, String> {
    batches
        .iter()
        .map(|b| {
            b.column_by_name(name)
                .cloned()
                .ok_or_else(|| format!("internal error: the claims have no column `{name}`"))
        })
        .collect()
}

/// The values of string columns, in order.
fn texts(arrays: &[ArrayRef]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for a in arrays {
        let strings = a
            .as_string_opt::<i32>()
            .ok_or("internal error: a claim's key or amount is not text")?;
        out.extend(strings.iter().map(|s| s.unwrap_or_default().to_owned()));
    }
    Ok(out)
}

/// The keys of a group's claims, compared as Spark sorts them: text by its UTF-8 bytes,
/// integers by value.
enum Ids {
    Text(Vec<Option<String>>),
    Integer(Vec<Option<i128>>),
}

impl Ids {
    fn of(arrays: &[ArrayRef]) -> Result<Ids, String> {
        let Some(first) = arrays.first() else {
            return Ok(Ids::Integer(Vec::new()));
        };
        let kind = first.data_type().clone();
        let mut integers: Vec<Option<i128>> = Vec::new();
        let mut text: Vec<Option<String>> = Vec::new();
        for a in arrays {
            match &kind {
                DataType::Utf8 => text.extend(a.as_string::<i32>().iter().map(|s| s.map(str::to_owned))),
                DataType::LargeUtf8 => text.extend(a.as_string::<i64>().iter().map(|s| s.map(str::to_owned))),
                DataType::Utf8View => text.extend(a.as_string_view().iter().map(|s| s.map(str::to_owned))),
                DataType::Int8 => integers.extend(a.as_primitive::<Int8Type>().iter().map(|v| v.map(i128::from))),
                DataType::Int16 => integers.extend(a.as_primitive::<Int16Type>().iter().map(|v| v.map(i128::from))),
                DataType::Int32 => integers.extend(a.as_primitive::<Int32Type>().iter().map(|v| v.map(i128::from))),
                DataType::Int64 => integers.extend(a.as_primitive::<Int64Type>().iter().map(|v| v.map(i128::from))),
                DataType::UInt8 => integers.extend(a.as_primitive::<UInt8Type>().iter().map(|v| v.map(i128::from))),
                DataType::UInt16 => integers.extend(a.as_primitive::<UInt16Type>().iter().map(|v| v.map(i128::from))),
                DataType::UInt32 => integers.extend(a.as_primitive::<UInt32Type>().iter().map(|v| v.map(i128::from))),
                DataType::UInt64 => integers.extend(a.as_primitive::<UInt64Type>().iter().map(|v| v.map(i128::from))),
                other => {
                    return Err(format!(
                        "a key column of type {other} cannot order a budget's claims: give the key as text or an integer"
                    ));
                }
            }
        }
        Ok(match kind {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ids::Text(text),
            _ => Ids::Integer(integers),
        })
    }

    fn len(&self) -> usize {
        match self {
            Ids::Text(v) => v.len(),
            Ids::Integer(v) => v.len(),
        }
    }

    /// Spark's ascending order: nulls first.
    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            Ids::Text(v) => v.get(a).cmp(&v.get(b)),
            Ids::Integer(v) => v.get(a).cmp(&v.get(b)),
        }
    }

    fn show(&self, i: usize) -> String {
        match self {
            Ids::Text(v) => v.get(i).cloned().flatten().unwrap_or_else(|| "null".into()),
            Ids::Integer(v) => v
                .get(i)
                .copied()
                .flatten()
                .map_or_else(|| "null".into(), |n| n.to_string()),
        }
    }
}

/// A capsule of the C stream of the one batch `batch`.
pub fn export(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyCapsule>> {
    let schema = batch.schema();
    let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(Box::new(reader)), STREAM)
}

/// The error of a stage, as Python's `ValueError`.
pub fn refused(message: String) -> PyErr {
    PyValueError::new_err(message)
}
