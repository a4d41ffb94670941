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

#[test]
fn a_stray_quote_spoils_only_its_row() {
    let schema = schema();
    let mut input = String::from("id,gmv,note\n");
    for i in 1..=1000 {
        if i == 10 {
            input.push_str("r10,10,\"5 inch screen\n");
        } else {
            input.push_str(&format!("r{i},{i},ok\n"));
        }
    }
    let rs = read(&schema, input.as_bytes());
    assert_eq!(rs.len(), 1000);
    let e = rs[9].as_ref().unwrap_err();
    assert_eq!((e.line, e.id.as_deref()), (11, Some("r10")));
    assert!(e.message.contains("never closed"), "{}", e.message);
    assert!(e.message.contains("reading goes on at line 12"), "{}", e.message);
    let r = rs[10].as_ref().unwrap();
    assert_eq!((r.line, r.id.as_str()), (12, "r11"));
    assert_eq!(rs.iter().filter(|r| r.is_ok()).count(), 999);
}

#[test]
fn a_quote_closed_rows_later_with_the_wrong_width_spoils_only_its_row() {
    let schema = schema();
    let input = "id,gmv,note\na,\"1\nb,2,y\"\nc,3,z\n";
    let rs = read(&schema, input.as_bytes());
    let e = rs[0].as_ref().unwrap_err();
    assert_eq!((e.line, e.id.as_deref()), (2, Some("a")));
    assert!(
        e.message.starts_with("this row has 2 fields but the header has 3"),
        "{}",
        e.message
    );
    // b's line is read again, on its own.
    let b = rs[1].as_ref().unwrap();
    assert_eq!((b.line, b.id.as_str()), (3, "b"));
    assert_eq!(b.record.values[6], FactValue::Text("y\"".into()));
    assert_eq!(rs[2].as_ref().unwrap().id, "c");
    assert_eq!(rs.len(), 3);
}

#[test]
fn cr_lf_and_crlf_all_end_lines() {
    let schema = schema();
    for input in ["id,gmv\ra,1\rb,2\r", "id,gmv\na,1\nb,2", "id,gmv\r\na,1\r\n\r\nb,2\r\n"] {
        let rs = read(&schema, input.as_bytes());
        let ids: Vec<_> = rs.iter().map(|r| r.as_ref().unwrap().id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "{input:?}");
    }
    let rs = read(&schema, b"id,gmv\r\ra,1\r\nb,x\rc,1\n");
    assert_eq!(rs[0].as_ref().unwrap().line, 3);
    assert_eq!(rs[1].as_ref().unwrap_err().line, 4);
    assert_eq!(rs[2].as_ref().unwrap().line, 5);
}

#[test]
fn strict_and_undeclared_columns() {
    let schema = schema();
    let tally = UndeclaredFields::default();
    let options = ReadOptions {
        strict: false,
        undeclared: tally.clone(),
    };
    let input = b"id,gmv,acitve,region\na,1,true,x\nb,2,,y\nc,3,false,z\n";
    let rs: Vec<_> = super::super::read_records_with(&schema, Format::Csv, &input[..], &options)
        .unwrap()
        .collect();
    assert!(rs.iter().all(Result::is_ok));
    let report = tally.report(&schema);
    assert_eq!(report.len(), 1);
    assert_eq!(
        report[0].message(),
        "field `acitve` (in 2 records) is not a declared fact; did you mean `active`?"
    );
    let strict = ReadOptions {
        strict: true,
        undeclared: UndeclaredFields::default(),
    };
    let rs: Vec<_> = super::super::read_records_with(&schema, Format::Csv, &input[..], &strict)
        .unwrap()
        .collect();
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("region"));
    assert_eq!(e.message, "not a declared fact (--strict-facts)");
    assert_eq!(
        rs[0].as_ref().unwrap_err().message,
        "not a declared fact; did you mean `active`?"
    );
    let e = file_error(&schema, b"id,gmvv\na,1\n");
    assert!(
        e.help
            .as_deref()
            .unwrap()
            .starts_with("the header has `gmvv`: did you mean `gmv`? (the header must name"),
        "{:?}",
        e.help
    );
}

proptest::proptest! {
    /// On well-formed CSV (every quote closed), rows are split into
    /// exactly the fields the `csv` crate reads.
    #[test]
    fn splitting_agrees_with_the_csv_crate(
        rows in proptest::collection::vec(
            proptest::collection::vec("[a\",\r\n é]{0,6}", 1..4),
            1..6,
        ),
        ends in proptest::sample::select(vec!["\n", "\r\n", "\r"]),
    ) {
        let mut text = String::new();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| if c.contains(['"', ',', '\r', '\n']) || c.is_empty() {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                })
                .collect();
            text.push_str(&cells.join(","));
            text.push_str(ends);
        }
        let mut want = Vec::new();
        let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        for record in reader.byte_records() {
            want.push(record.unwrap().iter().map(<[u8]>::to_vec).collect::<Vec<_>>());
        }
        let mut got = Vec::new();
        let mut splitter = Splitter::new(text.as_bytes());
        while let Some(row) = splitter.next_row().unwrap() {
            proptest::prop_assert!(!row.unclosed);
            got.push((0..row.len()).map(|i| row.get(i).unwrap().to_vec()).collect::<Vec<_>>());
            splitter.accept();
        }
        proptest::prop_assert_eq!(got, want, "{:?}", text);
    }
}
