//! The column-at-a-time conversion against the row path, on random batches and every slice
//! of them: decimals of every scale (128 and 256 bits, some not representable), nulls inside
//! lists, null lists that still have items, empty lists, null items, nested lists, missing ids,
//! instants in and out of the years a timestamp may hold.

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly")]

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Decimal128Builder, Decimal256Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer, i256};
use arrow_schema::{DataType, Field, Fields};
use proptest::prelude::*;

use super::super::build::{self, ItemCounts, Trail};
use super::super::columns::{self, Context, Matched, Node};
use super::{Slots, level};
use crate::facts::record::FactValue;
use crate::facts::undeclared::schemas;
use crate::program::schema::RecordSchema;

const CAMPAIGN: &str = r#"
campaign "p" {
  timezone Asia/Shanghai
  unit points
  facts {
    score: decimal, optional
    paid: money CNY
    sales: list of {
      gmv: money CNY
      note: text, optional
      lines: list of { n: count }
    }
    extra: list of { x: bool }
    seen: timestamp, optional
  }
  eligible when { count of sales ≥ 1  "至少一笔" }
  reward points = 1 points
}
"#;

/// An item of `sales`: `None` is a null item; its gmv, note and lines (`None`: a null list).
type Sale = Option<(Option<i128>, Option<String>, Option<Vec<Option<i64>>>)>;

/// One row: id, score, paid, sales (null or not, and its items either way), extra.
#[derive(Debug, Clone)]
struct Row {
    id: Option<String>,
    score: Option<i128>,
    paid: Option<i128>,
    sales: (bool, Vec<Sale>),
    extra: Option<Vec<Option<bool>>>,
    /// Microseconds since the epoch, now and then beyond year 9999 or chrono's range.
    seen: Option<i64>,
}

/// Small unscaled values mostly, and now and then one no `Decimal` holds at its scale.
fn unscaled() -> impl Strategy<Value = i128> {
    prop_oneof![8 => -100_000i128..100_000, 1 => any::<i128>(), 1 => (0u32..38).prop_map(|k| 10i128.pow(k))]
}

fn sale() -> impl Strategy<Value = Sale> {
    let lines = proptest::option::weighted(
        0.8,
        proptest::collection::vec(proptest::option::weighted(0.9, -2i64..50), 0..4),
    );
    proptest::option::weighted(
        0.9,
        (
            proptest::option::weighted(0.9, unscaled()),
            proptest::option::of("[a-z]{0,30}"),
            lines,
        ),
    )
}

fn row() -> impl Strategy<Value = Row> {
    (
        proptest::option::weighted(0.95, "[a-z0-9]{1,8}"),
        proptest::option::of(unscaled()),
        proptest::option::weighted(0.95, unscaled()),
        (proptest::bool::weighted(0.1), proptest::collection::vec(sale(), 0..5)),
        proptest::option::of(proptest::collection::vec(
            proptest::option::weighted(0.9, any::<bool>()),
            0..3,
        )),
        proptest::option::of(prop_oneof![
            8 => -62_135_596_800_000_000i64..253_402_300_800_000_000,
            1 => 253_402_300_800_000_000i64..i64::MAX,
            1 => any::<i64>(),
        ]),
    )
        .prop_map(|(id, score, paid, sales, extra, seen)| Row {
            id,
            score,
            paid,
            sales,
            extra,
            seen,
        })
}

fn list_field(fields: Fields) -> Arc<Field> {
    Arc::new(Field::new("element", DataType::Struct(fields), true))
}

/// A list column of `items` (already a struct array), `lengths` items a row, null where `valid` is false.
fn list(items: StructArray, lengths: &[usize], valid: Vec<bool>) -> ArrayRef {
    let field = list_field(items.fields().clone());
    let offsets = OffsetBuffer::<i32>::from_lengths(lengths.iter().copied());
    Arc::new(ListArray::try_new(field, offsets, Arc::new(items), Some(NullBuffer::from(valid))).unwrap())
}

fn structs(fields: Vec<(&str, ArrayRef)>, valid: Option<Vec<bool>>, len: usize) -> StructArray {
    let fields_of: Fields = fields
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
        .collect();
    let arrays = fields.into_iter().map(|(_, a)| a).collect();
    StructArray::try_new_with_length(fields_of, arrays, valid.map(NullBuffer::from), len).unwrap()
}

/// The batch of `rows`, decimals at scales `scales` (score's decimal128, paid's decimal256,
/// the gmv's decimal128).
fn batch(rows: &[Row], scales: (i8, i8, i8)) -> RecordBatch {
    let mut ids = StringBuilder::new();
    let mut score = Decimal128Builder::new().with_precision_and_scale(38, scales.0).unwrap();
    let mut paid = Decimal256Builder::new().with_precision_and_scale(76, scales.1).unwrap();
    let (mut gmv, mut note, mut n, mut x) = (
        Decimal128Builder::new().with_precision_and_scale(38, scales.2).unwrap(),
        StringBuilder::new(),
        Int64Builder::new(),
        BooleanBuilder::new(),
    );
    let (mut sale_valid, mut sale_lengths, mut lines_valid, mut lines_lengths) = (vec![], vec![], vec![], vec![]);
    let (mut extra_valid, mut extra_lengths) = (vec![], vec![]);
    let mut seen = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    for row in rows {
        ids.append_option(row.id.as_deref());
        seen.append_option(row.seen);
        score.append_option(row.score);
        // Some paid amounts beyond 128 bits: normalised back when their trailing zeros allow.
        paid.append_option(
            row.paid
                .map(|p| i256::from_i128(p).wrapping_mul(i256::from_i128(10).wrapping_pow(40))),
        );
        // A null list keeps its items in the child array: they are skipped, not read.
        let sales = &row.sales.1;
        sale_lengths.push(sales.len());
        for s in sales {
            sale_valid.push(s.is_some());
            let (g, t, l) = s.clone().unwrap_or((Some(0), None, Some(vec![])));
            gmv.append_option(g);
            note.append_option(t);
            lines_valid.push(l.is_some());
            let l = l.unwrap_or_default();
            lines_lengths.push(l.len());
            for v in l {
                n.append_option(v);
            }
        }
        extra_valid.push(row.extra.is_some());
        let e = row.extra.clone().unwrap_or_default();
        extra_lengths.push(e.len());
        for v in e {
            x.append_option(v);
        }
    }
    let n: ArrayRef = Arc::new(n.finish());
    let lines_items = structs(vec![("n", n.clone())], None, n.len());
    let lines = list(lines_items, &lines_lengths, lines_valid);
    let gmv: ArrayRef = Arc::new(gmv.finish());
    let note: ArrayRef = Arc::new(note.finish());
    let len = gmv.len();
    let sale_items = structs(
        vec![("gmv", gmv), ("note", note), ("lines", lines)],
        Some(sale_valid),
        len,
    );
    let sales = list(sale_items, &sale_lengths, rows.iter().map(|r| !r.sales.0).collect());
    let x: ArrayRef = Arc::new(x.finish());
    let extra_items = structs(vec![("x", x.clone())], None, x.len());
    let extra = list(extra_items, &extra_lengths, extra_valid);
    RecordBatch::try_from_iter(vec![
        ("id", Arc::new(ids.finish()) as ArrayRef),
        ("score", Arc::new(score.finish())),
        ("paid", Arc::new(paid.finish())),
        ("sales", sales),
        ("extra", extra),
        ("seen", Arc::new(seen.finish())),
    ])
    .unwrap()
}

/// How to read the facts of `schema` from `batch`.
fn nodes<'b>(schema: &RecordSchema, batch: &'b RecordBatch) -> Vec<Node<'b>> {
    let numbered = schemas(schema);
    let mut ctx = Context {
        zone: None,
        schemas: &numbered,
        matched: Matched::default(),
    };
    columns::compile(schema, batch.schema_ref().fields(), batch.columns(), "", &mut ctx).unwrap()
}

/// Reads `batch` both ways and compares them row by row, `at` being the row of the whole batch
/// `whole` where `batch` starts.
fn same_both_ways(schema: &RecordSchema, whole: &RecordBatch, batch: &RecordBatch, at: usize) {
    let (mine, all) = (nodes(schema, batch), nodes(schema, whole));
    let width = schema.fields.len();
    let mut values: Vec<Vec<FactValue>> = (0..batch.num_rows()).map(|_| vec![FactValue::Unknown; width]).collect();
    let mut slots: Vec<Slots<'_>> = values.iter_mut().map(|v| Some(v.as_mut_slice())).collect();
    let bad = level(schema, &mine, 0..batch.num_rows(), &mut slots);
    drop(slots);
    for row in 0..batch.num_rows() {
        let (mut trail, mut counts) = (Trail::default(), ItemCounts::new());
        let slow = build::record(schema, &all, at + row, &mut trail, &mut counts);
        let again = build::record(schema, &mine, row, &mut trail, &mut counts);
        assert_eq!(again, slow, "row {row} of the slice at {at}");
        match slow {
            Ok(record) => {
                assert!(!bad[row], "row {} read by the row path: {record:?}", at + row);
                // Compared as shown, so that a decimal's scale counts (`1.50` is not `1.5`).
                let fast = format!("{:?}", values[row].as_slice());
                assert_eq!(fast, format!("{:?}", record.values.as_slice()));
            }
            Err(problem) => assert!(bad[row], "row {} has {problem:?}", at + row),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every row reads to the same values (or is found bad, with the same error) column by
    /// column as cell by cell, in the whole batch and in any slice of it.
    #[test]
    fn columns_read_as_rows_do(
        rows in proptest::collection::vec(row(), 0..12),
        scales in (-3i8..=38, -3i8..=38, -3i8..=38),
        cut in (0usize..12, 0usize..12),
    ) {
        let checked = crate::check::check(CAMPAIGN);
        let Some(program) = checked.program else {
            return Err(TestCaseError::fail(format!("{:?}", checked.diagnostics)));
        };
        let whole = batch(&rows, scales);
        same_both_ways(&program.schema, &whole, &whole, 0);
        let start = cut.0.min(rows.len());
        let len = cut.1.min(rows.len() - start);
        same_both_ways(&program.schema, &whole, &whole.slice(start, len), start);
    }
}
