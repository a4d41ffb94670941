//! The library's Arrow in, Arrow out API, for callers from other languages
//! (the Python package, issue 18): record batches read as records with
//! `open_batches`, results built as record batches with `ResultBatches`.

use std::ops::ControlFlow;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::ArrowError;
use campaign::batch::{Batch, Jobs, Row, Unobserved};
use campaign::facts::{ReadOptions, open_batches};
use campaign::program::Program;
use campaign::program::inputs::Inputs;
use campaign::report::parquet::{ParquetResults, ResultBatches};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const GMV: &str = r#"
campaign "c" {
  timezone Asia/Shanghai
  unit points
  facts { gmv: money CNY }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × 1% as points, rounded down
}
"#;

fn program() -> Program {
    let checked = campaign::check::check(GMV);
    checked.program.unwrap_or_else(|| panic!("{:?}", checked.diagnostics))
}

fn batch(ids: &[&str], gmv: ArrayRef) -> RecordBatch {
    let ids: ArrayRef = Arc::new(StringArray::from(ids.to_vec()));
    RecordBatch::try_from_iter([("id", ids), ("gmv", gmv)]).unwrap()
}

fn texts(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// Evaluates `batches` through `open_batches`: the rows, and the results as built by
/// `ResultBatches` (finished after every `every` rows).
fn run(program: &Program, batches: Vec<RecordBatch>, every: usize) -> (Vec<Row>, Vec<RecordBatch>) {
    let schema = batches.first().unwrap().schema();
    let input = batches.into_iter().map(Ok::<_, ArrowError>);
    let columnar = open_batches(&program.schema, schema, input, &ReadOptions::default(), None).unwrap();
    let mut rows = Vec::new();
    let mut results = ResultBatches::new(program);
    let mut out = Vec::new();
    Batch::new(program, Inputs::defaults(program)).threads(2).run(
        &mut Jobs::new(columnar.jobs),
        &mut |row: Row| {
            results.push(&row).unwrap();
            if results.len() == every {
                out.push(results.finish().unwrap());
            }
            rows.push(row);
            ControlFlow::Continue(())
        },
        &Unobserved,
    );
    if !results.is_empty() {
        out.push(results.finish().unwrap());
    }
    (rows, out)
}

#[test]
fn batches_are_read_across_batches_and_their_errors_name_the_batch() {
    let p = program();
    let first = batch(&["a", "b"], texts(&[Some("500"), Some("x")]));
    let second = batch(&["c"], texts(&[Some("y")]));
    let (rows, _) = run(&p, vec![first, second], 10);
    assert_eq!(rows.len(), 3);
    let Row::Evaluated(a) = &rows[0] else {
        panic!("{:?}", rows[0])
    };
    assert_eq!((a.line, a.id.as_str(), a.outcome.eligible), (1, "a", true));
    let Row::Failed(b) = &rows[1] else {
        panic!("{:?}", rows[1])
    };
    assert_eq!(b.line, 2);
    assert!(
        b.error.ends_with("(record batch 1, row 2, of `the input`)"),
        "{}",
        b.error
    );
    let Row::Failed(c) = &rows[2] else {
        panic!("{:?}", rows[2])
    };
    // Lines count rows across batches; the place names the batch and the row in it.
    assert_eq!(c.line, 3);
    assert!(
        c.error.ends_with("(record batch 2, row 1, of `the input`)"),
        "{}",
        c.error
    );
}

#[test]
fn a_column_that_cannot_hold_its_fact_refuses_the_stream() {
    let p = program();
    let b = batch(&["a"], Arc::new(Float64Array::from(vec![100.5])));
    let schema = b.schema();
    let e = open_batches(&p.schema, schema, std::iter::once(Ok(b)), &ReadOptions::default(), None).unwrap_err();
    assert!(
        e.message.contains("the column `gmv` is floating-point"),
        "{}",
        e.message
    );
}

#[test]
fn result_batches_hold_what_the_parquet_results_hold() {
    let p = program();
    let gmv = texts(&[Some("500"), Some("x"), Some("99.99"), None, Some("12345.67")]);
    let (rows, built) = run(&p, vec![batch(&["a", "b", "c", "d", "e"], gmv)], 2);
    // Finished every two rows: three batches, of 2, 2 and 1 rows.
    assert_eq!(built.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), [2, 2, 1]);
    let mut file = ParquetResults::new(&p, Vec::new()).unwrap();
    for row in &rows {
        file.row(row).unwrap();
    }
    let bytes = bytes::Bytes::from(file.finish().unwrap());
    let written: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let theirs = written.first().unwrap();
    assert_eq!(theirs.num_rows(), 5);
    let mut offset = 0;
    for ours in &built {
        assert_eq!(ours.schema().fields(), theirs.schema().fields());
        for (a, b) in ours.columns().iter().zip(theirs.columns()) {
            assert_eq!(a.to_data(), b.slice(offset, ours.num_rows()).to_data());
        }
        offset += ours.num_rows();
    }
    let ours = built.first().unwrap();
    assert_eq!(
        ours.schema().metadata().get("campaign.name").map(String::as_str),
        Some("c")
    );
}
