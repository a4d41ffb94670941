#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a test stops at its first surprise: unwrap, indexing and `panic!` with the value found say plainly what went wrong"
)]

use super::*;
use crate::program::schema::FieldSchema;

fn field(name: &str, ty: FactType, optional: bool) -> FieldSchema {
    FieldSchema {
        name: name.into(),
        ty,
        optional,
    }
}

fn serial(value: f64, is_1904: bool) -> ExcelDateTime {
    ExcelDateTime::new(value, ExcelDateTimeType::DateTime, is_1904)
}

fn naive(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap()
}

#[test]
fn numbers_by_their_shortest_decimal() {
    let float = |x: f64| number_text(&Value::Float(x));
    assert_eq!(float(0.1), Ok("0.1".into()));
    assert_eq!(float(1234.5), Ok("1234.5".into()));
    assert_eq!(float(-5.0), Ok("-5".into()));
    assert_eq!(float(1e20), Ok("100000000000000000000".into()));
    assert_eq!(float(1.5e-7), Ok("0.00000015".into()));
    assert_eq!(float(123_456_789_012_345.0), Ok("123456789012345".into()));
    assert_eq!(float(0.123_456_789_012_345), Ok("0.123456789012345".into()));
    // 16 and 17 significant digits: what Excel cannot have typed.
    for x in [1_234_567_890_123_456.0, 0.1 + 0.2, 9_007_199_254_740_993.0] {
        let e = float(x).unwrap_err();
        assert!(e.contains("significant digits, but Excel keeps only 15"), "{e}");
        assert!(e.contains("store the column as text"), "{e}");
    }
    assert_eq!(number_text(&Value::Int(-1_000_000)), Ok("-1000000".into()));
    assert!(number_text(&Value::Int(1_234_567_890_123_456)).is_err());
    assert_eq!(
        number_text(&Value::Int(1_000_000_000_000_000_000)),
        Ok("1000000000000000000".into())
    );
}

#[test]
fn number_cells_by_fact_type() {
    let read = |ty: &FactType, x: f64| fact_value(ty, &Value::Float(x), None);
    assert_eq!(
        read(&FactType::Money("CNY".into()), 12.3),
        Ok(FactValue::Number(Decimal::new(123, 1)))
    );
    assert_eq!(read(&FactType::Count, 30.0), Ok(FactValue::Number(Decimal::from(30))));
    assert!(
        read(&FactType::Count, 30.5)
            .unwrap_err()
            .starts_with("expected a whole number")
    );
    assert_eq!(read(&FactType::Duration, 3600.0), Ok(FactValue::Seconds(3600)));
    assert_eq!(read(&FactType::Text, 7.0), Ok(FactValue::Text("7".into())));
    let choice = FactType::Enum(vec!["1".into(), "2".into()]);
    assert_eq!(read(&choice, 2.0), Ok(FactValue::Choice(1)));
    assert!(
        read(&FactType::Bool, 1.0)
            .unwrap_err()
            .starts_with("expected true or false, found `1`")
    );
    assert!(read(&FactType::Timestamp, 45000.0).is_err());
    // Too small for an exact decimal.
    assert!(read(&FactType::Decimal, 1e-30).unwrap_err().contains("more digits"));
}

#[test]
fn text_bool_and_error_cells() {
    let read = |ty: &FactType, v: Value| fact_value(ty, &v, None);
    assert_eq!(
        read(&FactType::Bool, Value::Text("TRUE".into())),
        Ok(FactValue::Bool(true))
    );
    assert_eq!(read(&FactType::Bool, Value::Bool(false)), Ok(FactValue::Bool(false)));
    assert_eq!(
        read(&FactType::Text, Value::Bool(true)),
        Err("expected text, found the logical value `TRUE`".into())
    );
    assert_eq!(
        read(&FactType::Fraction, Value::Text("2%".into())),
        Ok(FactValue::Number(Decimal::new(2, 2)))
    );
    assert_eq!(
        read(&FactType::Decimal, Value::Error(CellErrorType::NA)),
        Err("the cell holds the error `#N/A`: correct the formula or the data it reads".into())
    );
    assert_eq!(id_text(&Value::Float(10001.0)), Ok("10001".into()));
    assert!(id_text(&Value::Bool(true)).unwrap_err().starts_with("expected an id"));
}

#[test]
fn date_cells_exactly() {
    // 2024-08-22 10:00:00 is serial 45526.416666666664 (the double nearest 10/24).
    let t = serial(45_526.0 + 10.0 / 24.0, false);
    assert_eq!(serial_datetime(&t), Ok(naive("2024-08-22 10:00:00")));
    // Milliseconds, rounded to Excel's resolution.
    let t = serial(45_526.0 + 0.5 / 86_400.0, false);
    assert_eq!(serial_datetime(&t), Ok(naive("2024-08-22 00:00:00.500")));
    // Just before midnight rounds to the next day's midnight.
    let t = serial(45_526.999_999_999_9, false);
    assert_eq!(serial_datetime(&t), Ok(naive("2024-08-23 00:00:00")));
    // The 1900 system: day 1 is 1900-01-01, day 59 1900-02-28, day 61 1900-03-01.
    assert_eq!(serial_datetime(&serial(1.0, false)), Ok(naive("1900-01-01 00:00:00")));
    assert_eq!(serial_datetime(&serial(59.0, false)), Ok(naive("1900-02-28 00:00:00")));
    assert_eq!(serial_datetime(&serial(61.0, false)), Ok(naive("1900-03-01 00:00:00")));
    assert!(
        serial_datetime(&serial(60.0, false))
            .unwrap_err()
            .contains("1900-02-29")
    );
    assert!(
        serial_datetime(&serial(0.5, false))
            .unwrap_err()
            .contains("time of day without a date")
    );
    assert_eq!(
        serial_datetime(&serial(2_958_465.0, false)),
        Ok(naive("9999-12-31 00:00:00"))
    );
    assert!(serial_datetime(&serial(2_958_466.0, false)).is_err());
    assert!(serial_datetime(&serial(-1.0, false)).is_err());
    // The 1904 system: day 0 is 1904-01-01.
    assert_eq!(serial_datetime(&serial(0.0, true)), Ok(naive("1904-01-01 00:00:00")));
    assert_eq!(
        serial_datetime(&serial(44_065.0, true)),
        Ok(naive("2024-08-23 00:00:00"))
    );
}

#[test]
fn date_cells_in_a_zone() {
    let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
    let t = Value::Serial(serial(45_526.0 + 10.0 / 24.0, false));
    let FactValue::Time(instant) = fact_value(&FactType::Timestamp, &t, Some(shanghai)).unwrap() else {
        panic!()
    };
    assert_eq!(instant.to_rfc3339(), "2024-08-22T02:00:00+00:00");
    let e = fact_value(&FactType::Timestamp, &t, None).unwrap_err();
    assert!(
        e.starts_with("the date cell `2024-08-22 10:00:00` has no time zone"),
        "{e}"
    );
    // A wall time that happens twice.
    let new_york: Tz = "America/New_York".parse().unwrap();
    let e = in_zone(naive("2024-11-03 01:30:00"), Some(new_york)).unwrap_err();
    assert!(e.contains("happens twice"), "{e}");
    // ISO 8601 date cells: with their offset, or in the zone.
    assert_eq!(
        iso_timestamp("2024-08-22T10:00:00+08:00", None).unwrap().to_rfc3339(),
        "2024-08-22T02:00:00+00:00"
    );
    assert_eq!(
        iso_timestamp("2024-08-22T10:00:00", Some(shanghai))
            .unwrap()
            .to_rfc3339(),
        "2024-08-22T02:00:00+00:00"
    );
    assert!(iso_timestamp("2024-08-22T10:00:00", None).is_err());
}

#[test]
fn duration_cells_in_whole_seconds() {
    let duration = |x: f64| ExcelDateTime::new(x, ExcelDateTimeType::TimeDelta, false);
    assert_eq!(serial_seconds(&duration(1.0 / 24.0)), Ok(3600));
    assert_eq!(serial_seconds(&duration(36.5 / 24.0)), Ok(131_400));
    assert!(
        serial_seconds(&duration(1.5 / 86_400.0))
            .unwrap_err()
            .contains("whole seconds")
    );
    let v = Value::Serial(duration(1.0 / 24.0));
    assert_eq!(fact_value(&FactType::Duration, &v, None), Ok(FactValue::Seconds(3600)));
    assert!(fact_value(&FactType::Timestamp, &v, None).is_err());
}

#[test]
fn cell_names() {
    assert_eq!(cell_name("Sheet1", 11, 2), "Sheet1!C12");
    assert_eq!(cell_name("Sheet1", 0, 25), "Sheet1!Z1");
    assert_eq!(cell_name("Sheet1", 0, 26), "Sheet1!AA1");
    assert_eq!(cell_name("Sheet1", 1_048_575, 16_383), "Sheet1!XFD1048576");
    assert_eq!(cell_name("Q3 sales", 0, 0), "'Q3 sales'!A1");
    assert_eq!(cell_name("Bob's", 0, 0), "'Bob''s'!A1");
    assert_eq!(cell_name("2024", 0, 0), "'2024'!A1");
    assert_eq!(cell_name("订单", 0, 0), "订单!A1");
}

/// A workbook with one sheet `Data` holding `rows`, from the writer the
/// integration tests use.
fn book(rows: &[&[&str]], far_cell: bool) -> Workbook {
    let mut w = rust_xlsxwriter::Workbook::new();
    let sheet = w.add_worksheet();
    sheet.set_name("Data").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 2, c as u16 + 1, *cell).unwrap();
            }
        }
    }
    if far_cell {
        sheet.write_string(1_048_575, 16_383, "far away").unwrap();
    }
    Workbook::open(w.save_to_buffer().unwrap()).unwrap()
}

#[test]
fn header_and_rows_anywhere_on_the_sheet() {
    let schema = RecordSchema {
        fields: vec![
            field("gmv", FactType::Decimal, false),
            field("note", FactType::Text, true),
        ],
    };
    // The table starts at B3; a blank row; a cell far away is only one more cell.
    let mut book = book(
        &[
            &["x", "id", "gmv"],
            &["", "a", "1"],
            &["", "", ""],
            &["", "b", ""],
            &["", "c", "2"],
        ],
        true,
    );
    assert_eq!(book.sheet_names(), ["Data"]);
    let rows: Vec<_> = book.records(&schema, &SheetOptions::default()).unwrap().collect();
    assert_eq!(rows.len(), 4);
    let a = rows[0].as_ref().unwrap();
    assert_eq!((a.line, a.id.as_str()), (4, "a"));
    assert_eq!(
        a.record.values,
        vec![FactValue::Number(Decimal::ONE), FactValue::Unknown]
    );
    let e = rows[1].as_ref().unwrap_err();
    assert_eq!(
        (e.line, e.id.as_deref(), e.fact.as_deref()),
        (6, Some("b"), Some("gmv"))
    );
    assert_eq!(e.message, "cell Data!D6: missing required fact (the cell is empty)");
    assert_eq!(rows[2].as_ref().unwrap().line, 7);
    // The far cell's row has no id.
    let e = rows[3].as_ref().unwrap_err();
    assert_eq!((e.line, e.fact.as_deref()), (1_048_576, Some("id")));
    assert_eq!(
        e.message,
        "cell Data!C1048576: missing required fact (the cell is empty)"
    );
}

#[test]
fn sheets_that_cannot_be_read() {
    let schema = RecordSchema {
        fields: vec![field("gmv", FactType::Decimal, false)],
    };
    let mut b = book(&[&["id", "gmx"]], false);
    let e = b.records(&schema, &SheetOptions::default()).err().unwrap();
    assert_eq!(
        (e.line, e.message.as_str()),
        (Some(3), "the header row has no column for `gmv`")
    );
    let e = b
        .records(
            &schema,
            &SheetOptions {
                sheet: Some("data".into()),
                timezone: None,
            },
        )
        .err()
        .unwrap();
    assert_eq!(e.message, "the workbook has no sheet `data`");
    assert_eq!(e.help.as_deref(), Some("did you mean `Data`? its sheets are `Data`"));
    let mut b = book(&[&["id", "gmv", "gmv"]], false);
    let e = b.records(&schema, &SheetOptions::default()).err().unwrap();
    assert_eq!(e.message, "the header row names the column `gmv` more than once");
    let mut b = book(&[], false);
    let e = b.records(&schema, &SheetOptions::default()).err().unwrap();
    assert_eq!(e.message, "the sheet `Data` is empty");
    let lists = RecordSchema {
        fields: vec![field("sales", FactType::List(Box::default()), false)],
    };
    let e = b.records(&lists, &SheetOptions::default()).err().unwrap();
    assert!(e.message.contains("list facts (`sales`)"), "{}", e.message);
    let e = Workbook::open(b"id,gmv\n".to_vec()).err().unwrap();
    assert!(e.message.starts_with("the file is not a workbook"), "{}", e.message);
}

/// A small workbook's bytes, for mutating.
fn workbook_bytes() -> Vec<u8> {
    let mut w = rust_xlsxwriter::Workbook::new();
    let sheet = w.add_worksheet();
    for (r, row) in [["id", "gmv"], ["a", "1"], ["b", "x"]].iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    sheet.write_number(3, 1, 2.5).unwrap();
    w.save_to_buffer().unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// A damaged workbook is refused or read, row by row; never a panic.
    #[test]
    fn damaged_workbooks_never_panic(
        flips in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 1..6),
        cut in proptest::option::of(proptest::num::usize::ANY),
    ) {
        let mut bytes = workbook_bytes();
        for (at, byte) in flips {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % bytes.len());
        }
        let schema = RecordSchema {
            fields: vec![field("gmv", FactType::Decimal, true)],
        };
        if let Ok(mut book) = Workbook::open(bytes) {
            for name in book.sheet_names() {
                let options = SheetOptions { sheet: Some(name), timezone: None };
                if let Ok(rows) = book.records(&schema, &options) {
                    for row in rows {
                        if let Err(e) = row {
                            proptest::prop_assert!(e.line >= 1 && !e.message.is_empty());
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_cell_held_is_small() {
    // docs/cli.md promises about 40 bytes a cell, plus its text.
    assert!(std::mem::size_of::<Cell>() <= 40, "{}", std::mem::size_of::<Cell>());
}

/// A panic inside the workbook reader (calamine's overflow checks on a damaged sheet, as the
/// property test above once found with a generated workbook whose bytes vary run to run)
/// refuses the file with a message instead of ending the run.
#[test]
fn a_panic_in_the_reader_refuses_the_file() {
    let refused: Result<(), FileError> = guarded(|| panic!("attempt to multiply with overflow"));
    let e = refused.unwrap_err();
    assert!(e.message.contains("damaged"), "{}", e.message);
    assert!(e.help.is_some());
}
