//! `to-parquet --policy POLICY --facts IN.ndjson --out OUT.parquet [--codec snappy|zstd] [--rows-per-group N]`
//! `to-parquet --policy POLICY --campaign edu --records 1e7 [--seed S] --out OUT.parquet [...]`
//!
//! Converts NDJSON facts (read from a file, or made by the generator of `generate` as they are
//! needed, so that 10^7 records need no 8 GB of NDJSON first) into the Parquet a warehouse
//! writes for them: amounts
//! (`money`, `decimal`, `quantity`, `fraction`) as `decimal(38, s)` where `s` is
//! the most places the column's values have in the first batch (fewer are
//! padded with zeros; more are refused), counts and durations in seconds as
//! `int64`, timestamps as microsecond instants adjusted to UTC, flags as
//! booleans, texts and choices as strings, lists as `list<struct>`. Reads and
//! writes 65,536 records at a time (constant memory); snappy by default.

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use arrow_array::builder::Decimal128Builder;
use arrow_array::{
    ArrayRef, BooleanArray, Int64Array, ListArray, RecordBatch, StringArray, StructArray, TimestampMicrosecondArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema};
use campaign::program::schema::{FactType, RecordSchema};
use campaign_data::args::Args;
use campaign_data::data::{Campaign, Options, record};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::{Map, Value};

/// Records converted at a time.
const BATCH: usize = 65_536;

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// The places of each decimal column (by path), fixed by the first batch.
type Scales = HashMap<String, u32>;

fn places(text: &str) -> u32 {
    text.split_once('.').map_or(0, |(_, f)| f.len() as u32)
}

fn texts(values: &[Option<&Value>]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|v| match v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        })
        .collect()
}

fn column(path: &str, ty: &FactType, values: &[Option<&Value>], scales: &mut Scales) -> ArrayRef {
    match ty {
        FactType::Bool => Arc::new(
            values
                .iter()
                .map(|v| v.and_then(Value::as_bool))
                .collect::<BooleanArray>(),
        ),
        FactType::Text | FactType::Enum(_) => Arc::new(StringArray::from(texts(values))),
        FactType::Count | FactType::Duration => {
            Arc::new(values.iter().map(|v| v.and_then(Value::as_i64)).collect::<Int64Array>())
        }
        FactType::Money(_) | FactType::Decimal | FactType::Quantity(_) | FactType::Fraction => {
            let texts = texts(values);
            let scale = *scales
                .entry(path.to_owned())
                .or_insert_with(|| texts.iter().flatten().map(|t| places(t)).max().unwrap_or(0));
            let mut b = Decimal128Builder::new()
                .with_precision_and_scale(38, scale as i8)
                .unwrap_or_else(|e| fail(e.to_string()));
            for t in &texts {
                match t {
                    None => b.append_null(),
                    Some(t) => {
                        let extra = scale
                            .checked_sub(places(t))
                            .unwrap_or_else(|| fail(format!("{path}: `{t}` has more places than {scale}")));
                        let digits = format!("{}{}", t.replace('.', ""), "0".repeat(extra as usize));
                        b.append_value(digits.parse().unwrap_or_else(|_| fail(format!("{path}: `{t}`"))));
                    }
                }
            }
            Arc::new(b.finish())
        }
        FactType::Timestamp => {
            let micros: Vec<Option<i64>> = texts(values)
                .iter()
                .map(|t| {
                    t.as_ref().map(|t| {
                        chrono::DateTime::parse_from_rfc3339(t)
                            .unwrap_or_else(|e| fail(format!("{path}: `{t}`: {e}")))
                            .timestamp_micros()
                    })
                })
                .collect();
            Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC"))
        }
        FactType::List(item) => {
            let mut offsets = vec![0i32];
            let mut valid = Vec::new();
            let mut items: Vec<&Map<String, Value>> = Vec::new();
            for v in values {
                match v.and_then(Value::as_array) {
                    Some(a) => {
                        items.extend(a.iter().filter_map(Value::as_object));
                        valid.push(true);
                    }
                    None => valid.push(false),
                }
                offsets.push(items.len() as i32);
            }
            let (fields, columns) = record_columns(&format!("{path}[]."), item, &items, false, scales);
            let structs = StructArray::try_new(fields.clone(), columns, None).unwrap_or_else(|e| fail(e.to_string()));
            let field = Arc::new(Field::new("element", DataType::Struct(fields), true));
            Arc::new(
                ListArray::try_new(
                    field,
                    OffsetBuffer::new(offsets.into()),
                    Arc::new(structs),
                    Some(valid.into()),
                )
                .unwrap_or_else(|e| fail(e.to_string())),
            )
        }
    }
}

fn record_columns(
    prefix: &str,
    schema: &RecordSchema,
    objects: &[&Map<String, Value>],
    top: bool,
    scales: &mut Scales,
) -> (Fields, Vec<ArrayRef>) {
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    if top {
        let ids: Vec<Option<&Value>> = objects.iter().map(|o| o.get("id")).collect();
        columns.push(column("id", &FactType::Text, &ids, scales));
        fields.push(Field::new("id", DataType::Utf8, true));
    }
    for fact in &schema.fields {
        if top && fact.name == "id" {
            continue;
        }
        let values: Vec<Option<&Value>> = objects.iter().map(|o| o.get(&fact.name)).collect();
        let array = column(&format!("{prefix}{}", fact.name), &fact.ty, &values, scales);
        fields.push(Field::new(&fact.name, array.data_type().clone(), true));
        columns.push(array);
    }
    (fields.into(), columns)
}

/// The NDJSON lines converted: those of `--facts`, or made by the generator for `--campaign`.
fn ndjson_lines(args: &Args) -> Option<Box<dyn Iterator<Item = String>>> {
    if let Some(facts) = args.get("facts") {
        let input = std::io::BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(facts).unwrap_or_else(|e| fail(format!("{facts}: {e}"))),
        );
        return Some(Box::new(
            input.lines().map(|l| l.unwrap_or_else(|e| fail(e.to_string()))),
        ));
    }
    let campaign = Campaign::parse(args.get("campaign")?)?;
    let options = Options {
        seed: args.count("seed", 1),
        list_scale: args.count("list-scale", 1) as u32,
    };
    let mut line = Vec::with_capacity(1 << 14);
    Some(Box::new((0..args.count("records", 1000)).map(move |i| {
        line.clear();
        record(campaign, &options, i, &mut line);
        String::from_utf8_lossy(&line).into_owned()
    })))
}

fn main() {
    let args = Args::from_env();
    let usage = "usage: to-parquet --policy POLICY (--facts IN.ndjson | --campaign NAME --records N [--seed S]) --out OUT.parquet [--codec snappy|zstd]";
    let (Some(policy), Some(out)) = (args.get("policy"), args.get("out")) else {
        fail(usage.into())
    };
    let mut lines = ndjson_lines(&args).unwrap_or_else(|| fail(usage.into()));
    let text = std::fs::read_to_string(policy).unwrap_or_else(|e| fail(format!("{policy}: {e}")));
    let program = campaign::check::check(&text)
        .program
        .unwrap_or_else(|| fail(format!("{policy} has errors")));
    let codec = match args.get("codec").unwrap_or("snappy") {
        "snappy" => Compression::SNAPPY,
        "zstd" => Compression::ZSTD(ZstdLevel::default()),
        other => fail(format!("unknown codec {other}")),
    };
    let properties = WriterProperties::builder()
        .set_compression(codec)
        .set_max_row_group_row_count(Some(args.count("rows-per-group", 1 << 20) as usize))
        .build();
    let mut scales = Scales::new();
    let mut writer: Option<ArrowWriter<std::fs::File>> = None;
    loop {
        let values: Vec<Value> = lines
            .by_ref()
            .take(BATCH)
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| fail(e.to_string())))
            .collect();
        if values.is_empty() {
            break;
        }
        let objects: Vec<&Map<String, Value>> = values.iter().filter_map(Value::as_object).collect();
        let (fields, columns) = record_columns("", &program.schema, &objects, true, &mut scales);
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap_or_else(|e| fail(e.to_string()));
        let w = writer.get_or_insert_with(|| {
            let file = std::fs::File::create(out).unwrap_or_else(|e| fail(format!("{out}: {e}")));
            ArrowWriter::try_new(file, batch.schema(), Some(properties.clone())).unwrap_or_else(|e| fail(e.to_string()))
        });
        w.write(&batch).unwrap_or_else(|e| fail(e.to_string()));
    }
    if let Some(w) = writer {
        w.close().unwrap_or_else(|e| fail(e.to_string()));
    }
}
