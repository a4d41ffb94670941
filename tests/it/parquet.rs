//! Parquet and Arrow IPC facts, and Parquet results (issue 17, items 2 to 4),
//! end to end through `campaign evaluate` and through the library.
//!
//! The Parquet files are written here, with the `parquet` crate's Arrow
//! writer, from the NDJSON fixtures: every fixture a columnar file can hold
//! must give exactly the NDJSON form's results.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::builder::{Decimal128Builder, Decimal256Builder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
    TimestampMicrosecondArray,
};
use arrow_buffer::{OffsetBuffer, i256};
use arrow_schema::{DataType, Field, Fields, Schema};
use campaign::facts::{FactValue, Format, InputRecord, ReadOptions, open_columnar, open_columnar_bytes};
use campaign::program::schema::{FactType, RecordSchema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::harness::{TempDir, campaign, root};

// ---------------------------------------------------------------------------
// NDJSON to Arrow

/// The Arrow column of fact type `ty` holding `values` (one per row), or
/// why a columnar file cannot hold them as the NDJSON reader reads them.
fn column(ty: &FactType, values: &[Option<&Value>]) -> Result<ArrayRef, String> {
    let texts = || -> Result<Vec<Option<String>>, String> {
        values
            .iter()
            .map(|v| match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(other) => Err(format!("{other} in a scalar column")),
            })
            .collect()
    };
    let strings = |texts: Vec<Option<String>>| -> ArrayRef { Arc::new(StringArray::from(texts)) };
    match ty {
        FactType::Bool => values
            .iter()
            .map(|v| match v {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(other) => Err(format!("{other} for a bool")),
            })
            .collect::<Result<BooleanArray, String>>()
            .map(|a| Arc::new(a) as ArrayRef),
        FactType::Text | FactType::Enum(_) => {
            if values.iter().any(|v| matches!(v, Some(Value::Number(_)))) {
                return Err("a number for a text".into());
            }
            texts().map(strings)
        }
        FactType::Count | FactType::Duration => {
            let ints: Option<Vec<Option<i64>>> = values
                .iter()
                .map(|v| match v {
                    None | Some(Value::Null) => Some(None),
                    Some(Value::Number(n)) => n.as_i64().map(Some),
                    _ => None,
                })
                .collect();
            match ints {
                Some(ints) => Ok(Arc::new(Int64Array::from(ints))),
                None if values.iter().any(|v| matches!(v, Some(Value::Number(_)))) => {
                    Err("numbers and strings mixed".into())
                }
                None => texts().map(strings),
            }
        }
        FactType::Money(_) | FactType::Decimal | FactType::Quantity(_) | FactType::Fraction => {
            let texts = texts()?;
            match decimals(&texts) {
                Some(array) => Ok(array),
                // Mixed scales, percentages: strings, read as the JSON reader reads strings.
                None if values.iter().all(|v| !matches!(v, Some(Value::Number(_)))) => Ok(strings(texts)),
                None => Err("numbers of several scales".into()),
            }
        }
        FactType::Timestamp => {
            let texts = texts()?;
            let micros: Option<Vec<Option<i64>>> = texts
                .iter()
                .map(|t| match t {
                    None => Some(None),
                    Some(t) => chrono::DateTime::parse_from_rfc3339(t)
                        .ok()
                        .filter(|d| d.timestamp_subsec_nanos() % 1000 == 0)
                        .map(|d| Some(d.timestamp_micros())),
                })
                .collect();
            match micros {
                Some(m) => Ok(Arc::new(
                    TimestampMicrosecondArray::from(m).with_timezone("Asia/Shanghai"),
                )),
                None => Ok(strings(texts)),
            }
        }
        FactType::List(item) => list(item, values),
    }
}

/// A decimal column for `texts` when they all have one scale.
fn decimals(texts: &[Option<String>]) -> Option<ArrayRef> {
    let plain = |t: &str| {
        let body = t.strip_prefix('-').unwrap_or(t);
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && !(body.contains('.') && fraction.is_empty())
    };
    let scale = |t: &str| t.split_once('.').map_or(0, |(_, f)| f.len());
    let present: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
    let first = present.first().map_or(0, |t| scale(t));
    if !present.iter().all(|t| plain(t) && scale(t) == first) || first > 30 {
        return None;
    }
    let mut b = Decimal128Builder::new()
        .with_precision_and_scale(38, i8::try_from(first).ok()?)
        .ok()?;
    for t in texts {
        match t {
            None => b.append_null(),
            Some(t) => b.append_value(t.replace('.', "").parse::<i128>().ok()?),
        }
    }
    Some(Arc::new(b.finish()))
}

/// A `list<struct>` column of the items' facts.
fn list(item: &RecordSchema, values: &[Option<&Value>]) -> Result<ArrayRef, String> {
    let mut offsets = vec![0i32];
    let mut valid = Vec::new();
    let mut items: Vec<&serde_json::Map<String, Value>> = Vec::new();
    for v in values {
        match v {
            None | Some(Value::Null) => valid.push(false),
            Some(Value::Array(a)) => {
                for x in a {
                    items.push(x.as_object().ok_or("an item that is not an object")?);
                }
                valid.push(true);
            }
            Some(other) => return Err(format!("{other} for a list")),
        }
        offsets.push(i32::try_from(items.len()).unwrap());
    }
    let (fields, columns) = record_columns(item, &items, false)?;
    let structs = StructArray::try_new(fields.clone(), columns, None).map_err(|e| e.to_string())?;
    let field = Arc::new(Field::new("element", DataType::Struct(fields), true));
    let list = ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        Arc::new(structs),
        Some(valid.into()),
    )
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(list))
}

/// The columns of the facts of `schema` (and `id` at the top) for `objects`.
fn record_columns(
    schema: &RecordSchema,
    objects: &[&serde_json::Map<String, Value>],
    top: bool,
) -> Result<(Fields, Vec<ArrayRef>), String> {
    for o in objects {
        for key in o.keys() {
            if !(top && key == "id") && schema.index_of(key).is_none() {
                return Err(format!("the undeclared key `{key}`"));
            }
        }
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    if top {
        let ids: Vec<Option<&Value>> = objects.iter().map(|o| o.get("id")).collect();
        columns.push(column(&FactType::Text, &ids)?);
        fields.push(Field::new("id", DataType::Utf8, true));
    }
    for fact in &schema.fields {
        if top && fact.name == "id" {
            continue;
        }
        let values: Vec<Option<&Value>> = objects.iter().map(|o| o.get(&fact.name)).collect();
        let array = column(&fact.ty, &values)?;
        fields.push(Field::new(&fact.name, array.data_type().clone(), true));
        columns.push(array);
    }
    Ok((fields.into(), columns))
}

/// The NDJSON `text` as one record batch, or why a columnar file cannot hold it.
fn batch_of(schema: &RecordSchema, text: &str) -> Result<RecordBatch, String> {
    let values: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("a line that is not JSON: {e}")))
        .collect::<Result<_, _>>()?;
    let objects: Vec<&serde_json::Map<String, Value>> = values
        .iter()
        .map(|v| v.as_object().ok_or("a line that is not an object"))
        .collect::<Result<_, _>>()?;
    if text.lines().any(|l| l.trim().is_empty()) {
        return Err("blank lines (line numbers would differ)".into());
    }
    let (fields, columns) = record_columns(schema, &objects, true)?;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())
}

/// Writes `batch` as Parquet (snappy), `rows_per_group` rows to a row group.
fn write_parquet(path: &Path, batch: &RecordBatch, rows_per_group: usize) {
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// Writes `batch` as an Arrow IPC file.
fn write_arrow(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
}

// ---------------------------------------------------------------------------
// Every fixture, both forms

/// The campaign and facts of every fixture, with the options it needs.
fn fixtures() -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/fixtures/contract")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if let Some(stem) = name.strip_suffix(".ndjson").filter(|s| !s.ends_with(".expected")) {
            out.push((
                format!("policies/{stem}.campaign"),
                format!("tests/fixtures/contract/{name}"),
                vec![],
            ));
        }
    }
    for entry in std::fs::read_dir(root().join("policies/examples")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if let Some(stem) = name.strip_suffix(".ndjson") {
            out.push((
                format!("policies/examples/{stem}.campaign"),
                format!("policies/examples/{name}"),
                vec![],
            ));
        }
    }
    out.sort();
    for (policy, _, extra) in &mut out {
        let program = campaign::check::check(&std::fs::read_to_string(root().join(&*policy)).unwrap())
            .program
            .unwrap();
        if program.uses_as_of {
            extra.extend(["--as-of".into(), "2024-09-01T00:00:00+08:00".into()]);
        }
        if program.uses_business_days {
            extra.extend(["--holidays".into(), "policies/examples/cn-holidays-2024.txt".into()]);
        }
    }
    out
}

/// `campaign evaluate POLICY --facts FACTS --quiet EXTRA`: exit code, stdout, stderr.
fn evaluate(policy: &str, facts: &str, extra: &[String]) -> (i32, String, String) {
    let mut args = vec!["evaluate", policy, "--facts", facts, "--quiet"];
    args.extend(extra.iter().map(String::as_str));
    let run = campaign(&args);
    (run.code, run.stdout, run.stderr)
}

/// A result line without the place a columnar reader adds to error messages.
fn without_place(line: &str) -> String {
    let mut v: Value = serde_json::from_str(line).unwrap();
    if let Some(Value::String(e)) = v.get_mut("error")
        && let Some(at) = e.rfind(" (row group ").or_else(|| e.rfind(" (record batch "))
    {
        e.truncate(at);
    }
    v.to_string()
}

#[test]
fn every_fixture_a_columnar_file_can_hold_gives_the_ndjson_results() {
    let dir = TempDir::new("parquet", "fixtures");
    let mut held = Vec::new();
    let mut not_held = Vec::new();
    for (policy, facts, extra) in fixtures() {
        let program = campaign::check::check(&std::fs::read_to_string(root().join(&policy)).unwrap())
            .program
            .unwrap();
        let text = std::fs::read_to_string(root().join(&facts)).unwrap();
        let batch = match batch_of(&program.schema, &text) {
            Ok(b) => b,
            Err(why) => {
                not_held.push(format!("{facts}: {why}"));
                continue;
            }
        };
        let stem = Path::new(&facts).file_stem().unwrap().to_str().unwrap().to_owned();
        let parquet = dir.path().join(format!("{stem}.parquet"));
        // Small row groups, so that records straddle them.
        write_parquet(&parquet, &batch, 3);
        let arrow = dir.path().join(format!("{stem}.arrow"));
        write_arrow(&arrow, &batch);
        let (code, want, _) = evaluate(&policy, &facts, &extra);
        for file in [&parquet, &arrow] {
            let (got_code, got, stderr) = evaluate(&policy, file.to_str().unwrap(), &extra);
            assert_eq!(got_code, code, "{facts} as {}: {stderr}", file.display());
            let want: Vec<String> = want.lines().map(without_place).collect();
            let got: Vec<String> = got.lines().map(without_place).collect();
            assert_eq!(got, want, "{facts} as {}", file.display());
        }
        held.push(facts);
    }
    // Every fixture can be held: its values have the JSON types of their facts, and the
    // amounts of each column one scale (or are strings).
    assert!(not_held.is_empty(), "not held: {not_held:#?}");
    assert_eq!(held.len(), fixtures().len());
}

// ---------------------------------------------------------------------------
// Types and errors, through the library

const GMV: &str = r#"
campaign "c" {
  timezone Asia/Shanghai
  unit points
  facts {
    gmv: money CNY
    at: timestamp, optional
    score: decimal, optional
  }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × 1% as points, rounded down
}
"#;

fn program(text: &str) -> campaign::program::Program {
    let checked = campaign::check::check(text);
    checked.program.unwrap_or_else(|| panic!("{:?}", checked.diagnostics))
}

/// The batch of columns `columns` (named) with ids `r1`, `r2`...
fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let rows = columns.first().map_or(0, |(_, c)| c.len());
    let ids: ArrayRef = Arc::new(StringArray::from(
        (1..=rows).map(|i| format!("r{i}")).collect::<Vec<_>>(),
    ));
    let mut all = vec![("id", ids)];
    all.extend(columns);
    RecordBatch::try_from_iter(all).unwrap()
}

fn parquet_bytes(batch: &RecordBatch, rows_per_group: usize) -> Vec<u8> {
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(Default::default()))
        .set_max_row_group_row_count(Some(rows_per_group))
        .build();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    out
}

type Read = Vec<Result<InputRecord, campaign::facts::RecordError>>;

fn read(schema: &RecordSchema, bytes: Vec<u8>, zone: Option<chrono_tz::Tz>) -> Result<(Read, Vec<String>), String> {
    let opened = open_columnar_bytes(schema, Format::Parquet, bytes, &ReadOptions::default(), zone)
        .map_err(|e| format!("{} (help: {})", e.message, e.help.unwrap_or_default()))?;
    let warnings = opened.warnings.clone();
    Ok((opened.into_records().collect(), warnings))
}

fn money(text: &str) -> FactValue {
    FactValue::Number(Decimal::from_str(text).unwrap())
}

fn decimal_column(precision: u8, scale: i8, values: &[Option<i128>]) -> ArrayRef {
    let mut b = Decimal128Builder::new()
        .with_precision_and_scale(precision, scale)
        .unwrap();
    for v in values {
        b.append_option(*v);
    }
    Arc::new(b.finish())
}

#[test]
fn a_float_money_column_is_refused_saying_how_to_cast_it() {
    let p = program(GMV);
    let b = batch(vec![("gmv", Arc::new(Float64Array::from(vec![100.5])) as ArrayRef)]);
    let e = read(&p.schema, parquet_bytes(&b, 10), None).unwrap_err();
    assert!(e.contains("the column `gmv` is floating-point"), "{e}");
    assert!(e.contains("CAST(gmv AS DECIMAL(18,2))"), "{e}");
}

#[test]
fn decimals_keep_their_scale_and_are_normalised_beyond_28_places() {
    let p = program(GMV);
    let gmv = decimal_column(18, 2, &[Some(1230), Some(-5), None]);
    let score = decimal_column(38, 30, &[Some(15 * 10i128.pow(29)), Some(10i128.pow(30) + 1), None]);
    let b = batch(vec![("gmv", gmv), ("score", score)]);
    let (records, _) = read(&p.schema, parquet_bytes(&b, 10), None).unwrap();
    let first = records[0].as_ref().unwrap();
    assert_eq!(first.record.values[0], money("12.30"));
    // Equal as numbers, and written as 1.5 (the scale is 1, not 28).
    let FactValue::Number(score) = &first.record.values[2] else {
        panic!("a number")
    };
    assert_eq!(score.to_string(), "1.5");
    let FactValue::Number(gmv) = &first.record.values[0] else {
        panic!("a number")
    };
    assert_eq!(gmv.to_string(), "12.30");
    // 1 + 10^-30 has no exact decimal: an error for its record, naming the place.
    let second = records[1].as_ref().unwrap_err();
    assert_eq!(second.fact.as_deref(), Some("score"));
    assert!(
        second.message.contains("more digits than an exact amount can hold"),
        "{}",
        second.message
    );
    assert!(second.message.contains("row group 1, row 2"), "{}", second.message);
    assert_eq!(second.line, 2);
    // A required fact that is null is missing.
    let third = records[2].as_ref().unwrap_err();
    assert_eq!(
        (
            third.fact.as_deref(),
            third.message.starts_with("missing required fact")
        ),
        (Some("gmv"), true)
    );
}

#[test]
fn decimal256_columns_are_read_exactly() {
    let p = program(GMV);
    let mut b = Decimal256Builder::new().with_precision_and_scale(76, 40).unwrap();
    // 100.25 at 40 places, then a value with 40 significant places.
    b.append_value(i256::from_i128(10025).wrapping_mul(i256::from_i128(10).wrapping_pow(38)));
    b.append_value(i256::from_i128(10).wrapping_pow(40).wrapping_add(i256::ONE));
    let batch = batch(vec![("gmv", Arc::new(b.finish()) as ArrayRef)]);
    let (records, _) = read(&p.schema, parquet_bytes(&batch, 10), None).unwrap();
    assert_eq!(records[0].as_ref().unwrap().record.values[0], money("100.25"));
    let e = records[1].as_ref().unwrap_err();
    assert!(e.message.contains("more digits"), "{}", e.message);
}

#[test]
fn timestamps_without_a_zone_need_one() {
    let p = program(GMV);
    // 2024-08-22 10:00:00 on the wall clock.
    let wall = chrono::NaiveDate::from_ymd_opt(2024, 8, 22)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_micros();
    let b = batch(vec![
        ("gmv", decimal_column(18, 2, &[Some(10_000)])),
        ("at", Arc::new(TimestampMicrosecondArray::from(vec![wall])) as ArrayRef),
    ]);
    let bytes = parquet_bytes(&b, 10);
    let e = read(&p.schema, bytes.clone(), None).unwrap_err();
    assert!(e.contains("holds timestamps without a time zone"), "{e}");
    assert!(e.contains("--facts-timezone"), "{e}");
    let (records, _) = read(&p.schema, bytes, Some(chrono_tz::Asia::Shanghai)).unwrap();
    let want = chrono::DateTime::parse_from_rfc3339("2024-08-22T02:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(records[0].as_ref().unwrap().record.values[1], FactValue::Time(want));
}

#[test]
fn int96_timestamps_are_utc_instants_even_at_the_9999_sentinel() {
    use parquet::data_type::{ByteArray, ByteArrayType, Int96, Int96Type};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let p = program(GMV);
    let message = "message m { required binary id (UTF8); required int64 gmv (DECIMAL(18,2)); optional int96 at; }";
    let schema = Arc::new(parse_message_type(message).unwrap());
    let mut out = Vec::new();
    {
        let mut writer = SerializedFileWriter::new(&mut out, schema, Default::default()).unwrap();
        let mut group = writer.next_row_group().unwrap();
        let mut ids = group.next_column().unwrap().unwrap();
        ids.typed::<ByteArrayType>()
            .write_batch(&[ByteArray::from("r1"), ByteArray::from("r2")], None, None)
            .unwrap();
        ids.close().unwrap();
        let mut gmv = group.next_column().unwrap().unwrap();
        gmv.typed::<parquet::data_type::Int64Type>()
            .write_batch(&[10_000, 10_000], None, None)
            .unwrap();
        gmv.close().unwrap();
        // Julian day 2460545 is 2024-08-22; 5373484 is 9999-12-31 (the sentinel); nanoseconds
        // of the day: 02:00 and 23:59:59.
        let mut at = group.next_column().unwrap().unwrap();
        let mut early = Int96::new();
        let nanos: u64 = 2 * 3600 * 1_000_000_000;
        early.set_data(nanos as u32, (nanos >> 32) as u32, 2_460_545);
        let mut sentinel = Int96::new();
        let nanos: u64 = 86_399 * 1_000_000_000;
        sentinel.set_data(nanos as u32, (nanos >> 32) as u32, 5_373_484);
        at.typed::<Int96Type>()
            .write_batch(&[early, sentinel], Some(&[1, 1]), None)
            .unwrap();
        at.close().unwrap();
        group.close().unwrap();
        writer.close().unwrap();
    }
    // No zone needed: INT96 is read as UTC.
    let (records, _) = read(&p.schema, out, None).unwrap();
    let t = |s: &str| FactValue::Time(chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc());
    assert_eq!(records[0].as_ref().unwrap().record.values[1], t("2024-08-22T02:00:00Z"));
    assert_eq!(records[1].as_ref().unwrap().record.values[1], t("9999-12-31T23:59:59Z"));
}

const NESTED: &str = r#"
campaign "n" {
  timezone Asia/Shanghai
  unit points
  facts {
    shops: list of {
      name: text
      orders: list of { amount: money CNY }
    }
  }
  eligible when { count of shops ≥ 1  "至少一个店铺" }
  reward points = 1 points
}
"#;

#[test]
fn nested_lists_of_structs_are_read_at_depth_two() {
    let p = program(NESTED);
    let text = r#"{"id":"a","shops":[{"name":"s1","orders":[{"amount":"1.50"},{"amount":"2.00"}]},{"name":"s2","orders":[]}]}
{"id":"b","shops":[]}
{"id":"c","shops":[{"name":"s3","orders":[{"amount":"x"}]}]}"#;
    let batch = batch_of(&p.schema, text).unwrap();
    let (records, _) = read(&p.schema, parquet_bytes(&batch, 10), None).unwrap();
    let FactValue::List(shops) = &records[0].as_ref().unwrap().record.values[0] else {
        panic!("not a list")
    };
    assert_eq!(shops.len(), 2);
    let FactValue::List(orders) = &shops.get(0).unwrap()[1] else {
        panic!("not a list")
    };
    assert_eq!(orders.get(1).unwrap()[0], money("2.00"));
    assert_eq!(
        records[1].as_ref().unwrap().record.values[0],
        FactValue::List(campaign::facts::List::default())
    );
    let e = records[2].as_ref().unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("shops[0].orders[0].amount"));
    assert_eq!(e.id.as_deref(), Some("c"));
}

#[test]
fn columns_match_ignoring_case_with_a_warning_and_misspelt_ones_are_reported() {
    let p = program(GMV);
    let b = batch(vec![
        ("GMV", decimal_column(18, 2, &[Some(10_000)])),
        ("scroe", decimal_column(18, 2, &[Some(1)])),
    ]);
    let options = ReadOptions::default();
    let opened = open_columnar_bytes(&p.schema, Format::Parquet, parquet_bytes(&b, 10), &options, None).unwrap();
    assert_eq!(
        opened.warnings,
        ["column `GMV` is read as the fact `gmv` (the names differ only in case)"]
    );
    let records: Read = opened.into_records().collect();
    assert_eq!(records[0].as_ref().unwrap().record.values[0], money("100.00"));
    let report: Vec<String> = options
        .undeclared
        .report(&p.schema)
        .iter()
        .map(|f| f.message())
        .collect();
    assert_eq!(
        report,
        ["field `scroe` (in 1 record) is not a declared fact; did you mean `score`?"]
    );
}

#[test]
fn a_bad_row_in_row_group_two_is_reported_while_the_others_are_read() {
    let p = program(GMV);
    let gmv: ArrayRef = Arc::new(StringArray::from(vec!["1.00", "2.00", "3.00", "x", "5.00"]));
    let b = batch(vec![("gmv", gmv)]);
    let (records, _) = read(&p.schema, parquet_bytes(&b, 3), None).unwrap();
    assert_eq!(records.len(), 5);
    for (i, r) in records.iter().enumerate() {
        if i == 3 {
            let e = r.as_ref().unwrap_err();
            assert_eq!(
                (e.line, e.id.as_deref(), e.fact.as_deref()),
                (4, Some("r4"), Some("gmv"))
            );
            assert!(
                e.message
                    .ends_with("found `\"x\"` (row group 2, row 1, of `the input`)"),
                "{}",
                e.message
            );
        } else {
            assert_eq!(r.as_ref().unwrap().line, i + 1);
        }
    }
}

#[test]
fn a_folder_of_parts_is_read_in_the_order_of_their_names() {
    let dir = TempDir::new("parquet", "parts");
    let p = program(GMV);
    let folder = dir.path().join("facts.parquet");
    std::fs::create_dir(&folder).unwrap();
    for (name, ids) in [("part-00001.parquet", ["c", "d"]), ("part-00000.parquet", ["a", "b"])] {
        let ids: ArrayRef = Arc::new(StringArray::from(ids.to_vec()));
        let b = RecordBatch::try_from_iter([("id", ids), ("gmv", decimal_column(18, 2, &[Some(10_000), Some(5)]))])
            .unwrap();
        write_parquet(&folder.join(name), &b, 10);
    }
    std::fs::write(folder.join("_SUCCESS"), "").unwrap();
    std::fs::write(folder.join(".part-00000.parquet.crc"), "junk").unwrap();
    let opened = open_columnar(&p.schema, Format::Parquet, &folder, &ReadOptions::default(), None).unwrap();
    let ids: Vec<String> = opened.into_records().map(|r| r.unwrap().id).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let policy = dir.path().join("c.campaign");
    std::fs::write(&policy, GMV).unwrap();
    let (code, out, err) = evaluate(policy.to_str().unwrap(), folder.to_str().unwrap(), &[]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let eligible: Vec<bool> = lines.iter().map(|l| l["eligible"].as_bool().unwrap()).collect();
    assert_eq!(eligible, [true, false, true, false]);
}

#[test]
fn arrow_ipc_files_are_read() {
    let dir = TempDir::new("parquet", "ipc");
    let p = program(GMV);
    let b = batch(vec![("gmv", decimal_column(18, 2, &[Some(25_000), None]))]);
    let file = dir.path().join("facts.arrow");
    write_arrow(&file, &b);
    let opened = open_columnar(&p.schema, Format::Arrow, &file, &ReadOptions::default(), None).unwrap();
    let records: Read = opened.into_records().collect();
    assert_eq!(records[0].as_ref().unwrap().record.values[0], money("250.00"));
    let e = records[1].as_ref().unwrap_err();
    assert!(e.message.contains("(record batch 1, row 2, of"), "{}", e.message);
}

// ---------------------------------------------------------------------------
// Parquet results

const EDU: &str = "policies/channels-edu-back-to-school-2024.campaign";
const EDU_FACTS: &str = "tests/fixtures/contract/channels-edu-back-to-school-2024.ndjson";

#[test]
fn parquet_results_hold_the_ndjson_objects_and_typed_columns() {
    let dir = TempDir::new("parquet", "results");
    let out = dir.path().join("results.parquet");
    let (code, ndjson, _) = evaluate(EDU, EDU_FACTS, &[]);
    let run = campaign(&[
        "evaluate",
        EDU,
        "--facts",
        EDU_FACTS,
        "--quiet",
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, code, "{}", run.stderr);
    let file = std::fs::File::open(&out).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let schema = reader.schema().clone();
    assert_eq!(
        schema.metadata().get("campaign.results.version").map(String::as_str),
        Some("1")
    );
    let mut results = Vec::new();
    let mut ids = Vec::new();
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        let result = batch.column_by_name("result").unwrap();
        let result = result.as_any().downcast_ref::<StringArray>().unwrap();
        results.extend(result.iter().map(|r| r.unwrap().to_owned()));
        let id = batch.column_by_name("id").unwrap();
        let id = id.as_any().downcast_ref::<StringArray>().unwrap();
        ids.extend(id.iter().map(|r| r.map(str::to_owned)));
    }
    let want: Vec<String> = ndjson.lines().map(str::to_owned).collect();
    assert_eq!(results, want);
    for (id, line) in ids.iter().zip(&want) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(id.as_deref(), v["id"].as_str());
    }
    let types: Vec<(String, DataType)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let program = campaign::check::check(&std::fs::read_to_string(root().join(EDU)).unwrap())
        .program
        .unwrap();
    for reward in &program.rewards {
        let amount = types
            .iter()
            .find(|(n, _)| *n == format!("reward_{}_amount", reward.name))
            .unwrap();
        let places = reward.unit.precision.normalize().scale();
        assert_eq!(amount.1, DataType::Decimal128(38, i8::try_from(places).unwrap()));
    }
    let reasons = types.iter().find(|(n, _)| n == "reasons").unwrap();
    assert!(matches!(&reasons.1, DataType::List(f) if f.data_type() == &DataType::Utf8));
    assert!(types.iter().any(|(n, t)| n == "error" && *t == DataType::Utf8));
    assert!(types.iter().any(|(n, t)| n == "eligible" && *t == DataType::Boolean));
}

/// The `result` column of a Parquet results file, and its columns' names.
fn parquet_results(path: &Path) -> (Vec<String>, Vec<String>) {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let names = reader.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut results = Vec::new();
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        let result = batch.column_by_name("result").unwrap();
        let result = result.as_any().downcast_ref::<StringArray>().unwrap();
        results.extend(result.iter().map(|r| r.unwrap().to_owned()));
    }
    (results, names)
}

#[test]
fn every_fixture_s_parquet_results_hold_its_ndjson_objects() {
    // Every kind of campaign (rewards, fees, amounts and values per period, rewards with
    // conditions of their own, pools, rankings): `result` is exactly the NDJSON line, and the
    // verdict and amount columns are named as the NDJSON object's keys.
    let dir = TempDir::new("parquet", "every-result");
    let mut fees = 0;
    for (n, (policy, facts, extra)) in fixtures().into_iter().enumerate() {
        let (code, ndjson, _) = evaluate(&policy, &facts, &extra);
        let out = dir.path().join(format!("{n}.parquet"));
        let mut args = vec![
            "evaluate", &policy, "--facts", &facts, "--quiet", "--format", "parquet", "-o",
        ];
        args.push(out.to_str().unwrap());
        args.extend(extra.iter().map(String::as_str));
        let run = campaign(&args);
        assert_eq!(run.code, code, "{facts}: {}", run.stderr);
        let (results, names) = parquet_results(&out);
        let want: Vec<String> = ndjson.lines().map(str::to_owned).collect();
        assert_eq!(results, want, "{facts}");
        let program = campaign::check::check(&std::fs::read_to_string(root().join(&policy)).unwrap())
            .program
            .unwrap();
        let kind = program.output_kind();
        assert!(names.iter().any(|n| n == kind.verdict_key()), "{facts}: {names:?}");
        let prefix = match kind {
            campaign::program::OutputKind::Reward => "reward",
            campaign::program::OutputKind::Fee => {
                fees += 1;
                "fee"
            }
        };
        for def in &program.rewards {
            let amount = format!("{prefix}_{}_amount", def.name);
            assert!(names.contains(&amount), "{facts}: {amount} not in {names:?}");
        }
    }
    assert!(fees > 0, "no campaign of fees among the fixtures");
}

#[test]
fn parquet_results_need_a_file() {
    let run = campaign(&["evaluate", EDU, "--facts", EDU_FACTS, "--format", "parquet"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("add `-o results.parquet`"), "{}", run.stderr);
}
