//! A budget's population evaluation in stages over Arrow (the library's
//! `campaign::eval::stages`), for Spark's global stage per budget group
//! (`campaign/spark.py`, docs/warehouse.md):
//!
//! - [`claims`]: a stream of records in, one batch of their claims out
//!   (`row`, the 0-based row in the stream, `reward`, `group`, `key` and
//!   `amount`, the last two as text);
//! - [`allot`]: one budget group's claims in (the record's key `id`, `key`,
//!   `amount`), what each came to out (`allotment`, text, in the input's
//!   order): the claims sorted here by `id` (a shuffle keeps no order), then
//!   in the budget's queue order by the library's allocator;
//! - the last stage is a run of `stream::Run` with `finish` set: each record
//!   evaluated again and given its allotment.

use std::cmp::Ordering;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchIterator, StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use campaign::eval::Evaluator;
use campaign::eval::stages::{Allotment, ClaimKey};
use campaign::facts::{ReadOptions, open_batches};
use campaign::program::Program;
use campaign::program::inputs::Inputs;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::stream::{STREAM, refusal};

/// The claims of the records of `input` on the program's budgets, as one record batch.
/// A record that fails claims nothing (the last stage gives its error).
pub fn claims(
    program: &Program,
    inputs: Inputs,
    input: RecordBatchStreamReader,
    zone: Option<chrono_tz::Tz>,
) -> Result<RecordBatch, String> {
    let arrow = arrow_array::RecordBatchReader::schema(&input);
    let columnar =
        open_batches(&program.schema, arrow, input, &ReadOptions::default(), zone).map_err(|e| refusal(&e))?;
    let evaluator = Evaluator::with_inputs(program, inputs);
    let (mut rows, mut rewards, mut groups, mut keys, mut amounts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for read in columnar.into_records() {
        let Ok(read) = read else { continue };
        let Ok(claims) = evaluator.claims(&read.record) else {
            continue;
        };
        for c in claims {
            rows.push(u64::try_from(read.line.saturating_sub(1)).unwrap_or(u64::MAX));
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
/// `id`, `key` and `amount`, in any order), the result one `allotment` per claim, in the
/// input's order.
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
    let ids: Vec<ArrayRef> = column(&batches, "id")?;
    let keys = texts(&column(&batches, "key")?)?;
    let amounts = texts(&column(&batches, "amount")?)?;
    let ids = Ids::of(&ids)?;
    let mut order: Vec<usize> = (0..keys.len()).collect();
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
    for (i, a) in order.iter().zip(allotted) {
        if let Some(slot) = out.get_mut(*i) {
            *slot = Some(a.encode());
        }
    }
    let schema = Schema::new(vec![Field::new("allotment", DataType::Utf8, true)]);
    RecordBatch::try_new(Arc::new(schema), vec![Arc::new(StringArray::from(out))]).map_err(|e| e.to_string())
}

/// The allotment given as text in the last stage's input, decoded.
pub fn allotment(text: &str) -> Result<Allotment, String> {
    Allotment::decode(text).ok_or_else(|| "internal error: an allotment is not one `allot` wrote".to_owned())
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
