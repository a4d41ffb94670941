use super::super::record::{FactValue, ListBuilder};
use super::super::{Format, InputRecord, RecordError, read_records};
use super::convert::read_record;
use super::document::value_end;
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

/// 0 store_score, 1 gmv, 2 refund_rate?, 3 orders?, 4 open_at?, 5 tier?,
/// 6 active?, 7 name?, 8 wait?, 9 points?, 10 mini_programs?
fn schema() -> RecordSchema {
    let orders = RecordSchema {
        fields: vec![
            field("amount", FactType::Money("CNY".into()), false),
            field("at", FactType::Timestamp, true),
        ],
    };
    let mini = RecordSchema {
        fields: vec![
            field("name", FactType::Text, false),
            field("orders", FactType::List(Box::new(orders)), false),
        ],
    };
    RecordSchema {
        fields: vec![
            field("store_score", FactType::Decimal, false),
            field("gmv", FactType::Money("CNY".into()), false),
            field("refund_rate", FactType::Fraction, true),
            field("orders", FactType::Count, true),
            field("open_at", FactType::Timestamp, true),
            field("tier", FactType::Enum(vec!["gold".into(), "silver".into()]), true),
            field("active", FactType::Bool, true),
            field("name", FactType::Text, true),
            field("wait", FactType::Duration, true),
            field("points", FactType::Quantity("points".into()), true),
            field("mini_programs", FactType::List(Box::new(mini)), true),
        ],
    }
}

fn ndjson(schema: &RecordSchema, input: &str) -> Vec<Result<InputRecord, RecordError>> {
    read_records(schema, Format::Ndjson, input.as_bytes())
        .unwrap()
        .collect()
}

fn ndjson_bytes(schema: &RecordSchema, input: &[u8]) -> Vec<Result<InputRecord, RecordError>> {
    read_records(schema, Format::Ndjson, input).unwrap().collect()
}

fn json(schema: &RecordSchema, input: &str) -> Vec<Result<InputRecord, RecordError>> {
    read_records(schema, Format::Json, input.as_bytes()).unwrap().collect()
}

/// Reads one NDJSON line: `rest` is added after `"id":"r1",`.
fn one(rest: &str) -> Result<InputRecord, RecordError> {
    let schema = schema();
    let line = format!(r#"{{"id":"r1","store_score":4.5,"gmv":"100.00"{rest}}}"#);
    let mut all = ndjson(&schema, &line);
    assert_eq!(all.len(), 1);
    all.remove(0)
}

fn value(rest: &str, index: usize) -> FactValue {
    one(rest).unwrap().record.values[index].clone()
}

fn error(rest: &str) -> RecordError {
    one(rest).unwrap_err()
}

#[test]
fn reads_a_record() {
    let r = one(r#","refund_rate":0.02,"orders":30,"open_at":"2024-08-22T10:00:00+08:00","tier":"silver","active":true,"name":" Shop ","wait":3600,"points":12,"extra":[1,{"a":2}]"#).unwrap();
    assert_eq!(r.line, 1);
    assert_eq!(r.id, "r1");
    let v = &r.record.values;
    assert_eq!(v.len(), 11);
    assert_eq!(v[0], dec("4.5"));
    assert_eq!(v[1], dec("100.00"));
    assert_eq!(v[2], dec("0.02"));
    assert_eq!(v[3], dec("30"));
    assert_eq!(
        v[4],
        FactValue::Time(
            DateTime::parse_from_rfc3339("2024-08-22T02:00:00Z")
                .unwrap()
                .with_timezone(&Utc)
        )
    );
    assert_eq!(v[5], FactValue::Choice(1));
    assert_eq!(v[6], FactValue::Bool(true));
    assert_eq!(v[7], FactValue::Text(" Shop ".into()));
    assert_eq!(v[8], FactValue::Seconds(3600));
    assert_eq!(v[9], dec("12"));
    assert_eq!(v[10], FactValue::Unknown);
}

use chrono::{DateTime, Utc};

#[test]
fn money_is_exact() {
    // As a number and as a string, with the scale kept.
    let FactValue::Number(n) = value(r#","points":12.30"#, 9) else {
        panic!()
    };
    assert_eq!(n.to_string(), "12.30");
    let FactValue::Number(a) = one("").unwrap().record.values[1].clone() else {
        panic!()
    };
    assert_eq!(a.to_string(), "100.00");
    let schema = schema();
    let rs = ndjson(
        &schema,
        "{\"id\":\"a\",\"store_score\":0,\"gmv\":0.1}\n{\"id\":\"b\",\"store_score\":0,\"gmv\":0.2}\n",
    );
    let sum = |i: usize| match &rs[i].as_ref().unwrap().record.values[1] {
        FactValue::Number(n) => *n,
        _ => panic!(),
    };
    assert_eq!(sum(0) + sum(1), Decimal::from_str("0.3").unwrap());
    // Many digits, exactly.
    let FactValue::Number(n) = value(r#","points":12345678901234567890.123456789"#, 9) else {
        panic!()
    };
    assert_eq!(n.to_string(), "12345678901234567890.123456789");
    assert_eq!(value(r#","points":"-0""#, 9), dec("0"));
    let e = one(r#","gmv":-12.5"#);
    assert!(e.is_err(), "duplicate gmv");
}

#[test]
fn negative_money_and_decimals() {
    let schema = schema();
    let rs = ndjson(&schema, r#"{"id":"a","store_score":-1.5,"gmv":"-12.30"}"#);
    let r = rs[0].as_ref().unwrap();
    assert_eq!(r.record.values[0], dec("-1.5"));
    assert_eq!(r.record.values[1], dec("-12.30"));
}

#[test]
fn bad_amounts() {
    let schema = schema();
    let check = |gmv: &str, expected: &str| {
        let line = format!(r#"{{"id":"r1","store_score":1,"gmv":{gmv}}}"#);
        let e = ndjson(&schema, &line).remove(0).unwrap_err();
        assert_eq!(e.fact.as_deref(), Some("gmv"), "{gmv}");
        assert_eq!(e.id.as_deref(), Some("r1"));
        assert_eq!(e.line, 1);
        assert_eq!(e.column, None);
        assert_eq!(e.message, expected, "{gmv}");
    };
    let expected = "expected an amount of CNY such as 12.30 or \"12.30\"";
    check(r#""12,000""#, &format!("{expected}, found `\"12,000\"`"));
    check(
        "1e400",
        &format!("{expected}, found `1e+400`: exponents are not accepted, write the number out in full"),
    );
    check(
        r#""1e5""#,
        &format!("{expected}, found `\"1e5\"`: exponents are not accepted, write the number out in full"),
    );
    let forty = "1234567890".repeat(4);
    check(
        &forty,
        &format!("{expected}, found `{forty}`, which has more digits than an exact amount can hold"),
    );
    check(r#""NaN""#, &format!("{expected}, found `\"NaN\"`"));
    check(r#""Infinity""#, &format!("{expected}, found `\"Infinity\"`"));
    check(r#""""#, &format!("{expected}, found `\"\"`"));
    check("true", &format!("{expected}, found `true`"));
    check(r#"{"a":1}"#, &format!("{expected}, found a JSON object"));
    check("[1]", &format!("{expected}, found a JSON array"));
    check(r#"" 12.30""#, &format!("{expected}, found `\" 12.30\"`"));
}

#[test]
fn fractions() {
    assert_eq!(value(r#","refund_rate":"2%""#, 2), dec("0.02"));
    assert_eq!(value(r#","refund_rate":"2.5%""#, 2), dec("0.025"));
    assert_eq!(value(r#","refund_rate":"0.02""#, 2), dec("0.02"));
    assert_eq!(value(r#","refund_rate":0"#, 2), dec("0"));
    let e = error(r#","refund_rate":"2 percent""#);
    assert_eq!(e.fact.as_deref(), Some("refund_rate"));
    assert!(e.message.starts_with("expected a fraction"), "{}", e.message);
}

#[test]
fn counts() {
    assert_eq!(value(r#","orders":"30""#, 3), dec("30"));
    let e = error(r#","orders":-3"#);
    assert_eq!(e.message, "expected a whole number of at least 0, found `-3`");
    assert_eq!(e.fact.as_deref(), Some("orders"));
    let e = error(r#","orders":30.0"#);
    assert_eq!(e.message, "expected a whole number of at least 0, found `30.0`");
    let e = error(r#","orders":"30.5""#);
    assert_eq!(e.message, "expected a whole number of at least 0, found `\"30.5\"`");
    // Beyond u64, still exact.
    assert_eq!(
        value(r#","orders":18446744073709551616"#, 3),
        dec("18446744073709551616")
    );
}

#[test]
fn quantities_are_not_negative() {
    let e = error(r#","points":-2"#);
    assert_eq!(e.message, "expected an amount of points of at least 0, found `-2`");
}

#[test]
fn timestamps() {
    let a = value(r#","open_at":"2024-08-22T10:00:00+08:00""#, 4);
    let b = value(r#","open_at":"2024-08-22T02:00:00Z""#, 4);
    assert_eq!(a, b);
    let FactValue::Time(c) = value(r#","open_at":"2024-08-22T02:00:00.123456Z""#, 4) else {
        panic!()
    };
    let FactValue::Time(b) = b else { panic!() };
    assert_eq!((c - b).num_microseconds(), Some(123_456));
    let e = error(r#","open_at":"2024-08-22T10:00:00""#);
    assert_eq!(e.fact.as_deref(), Some("open_at"));
    assert_eq!(
        e.message,
        "expected a timestamp with an offset such as \"2024-08-22T10:00:00+08:00\", found `\"2024-08-22T10:00:00\"`: add the offset, e.g. +08:00"
    );
    let e = error(r#","open_at":1724292000"#);
    assert!(e.message.ends_with("found `1724292000`"), "{}", e.message);
}

#[test]
fn enums_bools_text_durations() {
    let e = error(r#","tier":"bronze""#);
    assert_eq!(e.message, "expected one of \"gold\", \"silver\", found `\"bronze\"`");
    assert_eq!(e.fact.as_deref(), Some("tier"));
    let e = error(r#","active":"true""#);
    assert_eq!(e.message, "expected true or false, found `\"true\"`");
    let e = error(r#","active":1"#);
    assert_eq!(e.message, "expected true or false, found `1`");
    let e = error(r#","name":12"#);
    assert_eq!(e.message, "expected text, found `12`");
    assert_eq!(value(r#","wait":"30 days""#, 8), FactValue::Seconds(2_592_000));
    let e = error(r#","wait":1.5"#);
    assert_eq!(
        e.message,
        "expected a duration in seconds, found `1.5`: durations are whole seconds, and this is not (fractions of a second are refused, not cut)"
    );
}

#[test]
fn optional_missing_and_null() {
    assert_eq!(value("", 2), FactValue::Unknown);
    assert_eq!(value(r#","refund_rate":null"#, 2), FactValue::Unknown);
    assert_eq!(value(r#","mini_programs":null"#, 10), FactValue::Unknown);
}

#[test]
fn required_missing_and_null() {
    let schema = schema();
    let e = ndjson(&schema, r#"{"id":"r1","gmv":1}"#).remove(0).unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("store_score"));
    assert_eq!(e.message, "missing required fact");
    assert_eq!(e.id.as_deref(), Some("r1"));
    let e = ndjson(&schema, r#"{"id":"r1","gmv":1,"store_score":null}"#)
        .remove(0)
        .unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("store_score"));
    assert_eq!(e.message, "missing required fact");
}

#[test]
fn the_id() {
    let schema = schema();
    let e = ndjson(&schema, r#"{"store_score":1,"gmv":1}"#).remove(0).unwrap_err();
    assert_eq!(
        (e.fact.as_deref(), e.message.as_str()),
        (Some("id"), "missing required fact")
    );
    assert_eq!(e.id, None);
    let e = ndjson(&schema, r#"{"id":12,"store_score":1,"gmv":1}"#)
        .remove(0)
        .unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("id"));
    assert_eq!(e.message, "expected the record's id as text, found `12`");
    let e = ndjson(&schema, r#"{"id":null,"store_score":1,"gmv":1}"#)
        .remove(0)
        .unwrap_err();
    assert_eq!(
        (e.fact.as_deref(), e.message.as_str()),
        (Some("id"), "missing required fact")
    );
    // The id is reported even when it comes after the bad fact.
    let e = ndjson(&schema, r#"{"store_score":"x","gmv":1,"id":"late"}"#)
        .remove(0)
        .unwrap_err();
    assert_eq!(e.id.as_deref(), Some("late"));
    assert_eq!(e.fact.as_deref(), Some("store_score"));
    // An id is required even where the schema does not declare it, and
    // stored as a fact where it does.
    let declared = RecordSchema {
        fields: vec![field("x", FactType::Count, true), field("id", FactType::Text, false)],
    };
    let r = ndjson(&declared, r#"{"id":"m-1"}"#).remove(0).unwrap();
    assert_eq!(r.id, "m-1");
    assert_eq!(r.record.values, vec![FactValue::Unknown, FactValue::Text("m-1".into())]);
    let e = ndjson(&declared, r#"{"x":1}"#).remove(0).unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("id"));
}

#[test]
fn duplicate_keys() {
    let e = error(r#","gmv":"1""#);
    assert_eq!(e.message, "duplicate key `gmv`");
    assert_eq!(e.fact.as_deref(), Some("gmv"));
    let schema = schema();
    let e = ndjson(&schema, r#"{"id":"a","id":"b","store_score":1,"gmv":1}"#)
        .remove(0)
        .unwrap_err();
    assert_eq!(e.message, "duplicate key `id`");
    let e = error(r#","x":1,"x":2"#);
    assert_eq!(e.message, "duplicate key `x`");
    let many: String = (0..40).map(|i| format!(r#","k{i}":{i}"#)).collect();
    assert!(one(&many).is_ok());
    let e = error(&format!(r#"{many},"k3":0"#));
    assert_eq!(
        (e.fact.as_deref(), e.message.as_str()),
        (Some("k3"), "duplicate key `k3`")
    );
    let e = error(&format!(r#"{many},"k39":0"#));
    assert_eq!(e.message, "duplicate key `k39`");
    let e = error(r#","refund_rate":null,"refund_rate":0.1"#);
    assert_eq!(e.message, "duplicate key `refund_rate`");
    let e = error(r#","mini_programs":[{"name":"a","orders":[]},{"name":"b","orders":[{"amount":1,"amount":2}]}]"#);
    assert_eq!(e.message, "duplicate key `amount`");
    assert_eq!(e.fact.as_deref(), Some("mini_programs[1].orders[0].amount"));
}

#[test]
fn nested_lists() {
    let FactValue::List(minis) = value(
        r#","mini_programs":[{"name":"a","orders":[{"amount":"1.50","at":"2024-01-01T00:00:00Z"},{"amount":2}]},{"name":"b","orders":[],"other":1}]"#,
        10,
    ) else {
        panic!()
    };
    assert_eq!(minis.len(), 2);
    let [a, b] = minis.items().collect::<Vec<_>>()[..] else {
        panic!()
    };
    assert_eq!(a[0], FactValue::Text("a".into()));
    let FactValue::List(orders) = &a[1] else { panic!() };
    assert_eq!(orders.len(), 2);
    assert_eq!(orders.get(0).unwrap()[0], dec("1.50"));
    assert_eq!(orders.get(1).unwrap(), [dec("2"), FactValue::Unknown]);
    assert_eq!(orders.get(2), None);
    assert_eq!(b[1], FactValue::List(ListBuilder::new(2).finish()));
    assert!(matches!(&b[1], FactValue::List(l) if l.is_empty() && l.items().next().is_none()));

    let e = error(r#","mini_programs":[{"name":"a","orders":[{"amount":1},{"amount":"1,5"}]}]"#);
    assert_eq!(e.fact.as_deref(), Some("mini_programs[0].orders[1].amount"));
    assert!(e.message.ends_with("found `\"1,5\"`"), "{}", e.message);
    assert_eq!(e.id.as_deref(), Some("r1"));
    let e = error(r#","mini_programs":[{"name":"a","orders":[]},3]"#);
    assert_eq!(e.fact.as_deref(), Some("mini_programs[1]"));
    assert_eq!(e.message, "expected a record (a JSON object), found `3`");
    let e = error(r#","mini_programs":[{"name":"a","orders":[{}]}]"#);
    assert_eq!(e.fact.as_deref(), Some("mini_programs[0].orders[0].amount"));
    assert_eq!(e.message, "missing required fact");
    let e = error(r#","mini_programs":{"name":"a"}"#);
    assert_eq!(e.fact.as_deref(), Some("mini_programs"));
    assert_eq!(e.message, "expected a list of records, found a JSON object");
    let e = error(r#","mini_programs":[{"orders":null,"name":"x"}]"#);
    assert_eq!(e.fact.as_deref(), Some("mini_programs[0].orders"));
    assert_eq!(e.message, "missing required fact");
    // Nested items need no id.
    assert!(one(r#","mini_programs":[{"name":"a","orders":[]}]"#).is_ok());
}

#[test]
fn the_first_problem_is_reported() {
    let e = error(r#","tier":"x","orders":-1"#);
    assert_eq!(e.fact.as_deref(), Some("tier"));
}

#[test]
fn ndjson_lines() {
    let schema = schema();
    let input = "\u{feff}{\"id\":\"a\",\"store_score\":1,\"gmv\":1}\r\n\r\n   \n{\"id\":\"b\",\"store_score\":1,\"gmv\":\"x\"}\r\n{\"id\":\"c\",\"store_score\":1,\"gmv\":2}";
    let rs = ndjson(&schema, input);
    assert_eq!(rs.len(), 3);
    assert_eq!(rs[0].as_ref().unwrap().line, 1);
    assert_eq!(rs[0].as_ref().unwrap().id, "a");
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(
        (e.line, e.id.as_deref(), e.fact.as_deref()),
        (4, Some("b"), Some("gmv"))
    );
    assert_eq!(rs[2].as_ref().unwrap().line, 5);
    assert_eq!(rs[2].as_ref().unwrap().id, "c");
    assert!(ndjson(&schema, "").is_empty());
    assert!(ndjson(&schema, "\n \n\t\n").is_empty());
}

#[test]
fn ndjson_invalid_utf8_line() {
    let schema = schema();
    let mut input = b"{\"id\":\"a\xff\",\"store_score\":1,\"gmv\":1}\n".to_vec();
    input.extend_from_slice(b"{\"id\":\"b\",\"store_score\":1,\"gmv\":1}\n");
    let rs = ndjson_bytes(&schema, &input);
    assert_eq!(rs.len(), 2);
    let e = rs[0].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (1, Some(9)));
    assert_eq!(e.message, "the line is not valid UTF-8");
    assert_eq!(rs[1].as_ref().unwrap().id, "b");
    assert_eq!(rs[1].as_ref().unwrap().line, 2);
}

#[test]
fn ndjson_syntax_errors() {
    let schema = schema();
    let input = "{\"id\":\"a\",\"store_score\":1,\"gmv\":1}\n{\"id\":\"b\",\"store_score\":1,\"gm";
    let rs = ndjson(&schema, input);
    assert_eq!(rs.len(), 2);
    assert!(rs[0].is_ok());
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(e.column, Some(29));
    assert_eq!(e.id.as_deref(), Some("b"));
    assert!(
        e.message.starts_with("invalid JSON: unexpected end of input"),
        "{}",
        e.message
    );

    let rs = ndjson(&schema, "{\"id\":\"é\",\"store_score\":x}\n");
    let e = rs[0].as_ref().unwrap_err();
    assert_eq!(e.column, Some(25));
    assert_eq!(e.message, "invalid JSON: expected value");

    let rs = ndjson(&schema, "{\"id\":\"a\",\"store_score\":1,\"gmv\":1} {}\n");
    let e = rs[0].as_ref().unwrap_err();
    assert_eq!(e.message, "invalid JSON: trailing characters");
}

#[test]
fn ndjson_top_level_non_objects() {
    let schema = schema();
    let rs = ndjson(
        &schema,
        "[1,2]\n42\n\"x\"\nnull\n1.5\n{\"id\":\"ok\",\"store_score\":1,\"gmv\":1}\n",
    );
    assert_eq!(rs.len(), 6);
    let messages: Vec<_> = rs[..5]
        .iter()
        .map(|r| {
            let e = r.as_ref().unwrap_err();
            assert_eq!(e.fact, None);
            e.message.clone()
        })
        .collect();
    assert_eq!(
        messages,
        vec![
            "expected a record (a JSON object), found a JSON array",
            "expected a record (a JSON object), found `42`",
            "expected a record (a JSON object), found `\"x\"`",
            "expected a record (a JSON object), found `null`",
            "expected a record (a JSON object), found `1.5`",
        ]
    );
    assert_eq!(rs[5].as_ref().unwrap().line, 6);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let schema = schema();
    let deep = format!(
        "{{\"id\":\"a\",\"store_score\":1,\"gmv\":1,\"x\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Skipped values are skipped without recursion.
    assert!(ndjson(&schema, &deep)[0].is_ok());
    let deep = format!(
        "{{\"id\":\"a\",\"store_score\":1,\"gmv\":1,\"mini_programs\":[{}{}]}}",
        "{\"x\":[".repeat(100_000),
        "]}".repeat(100_000)
    );
    let e = ndjson(&schema, &deep).remove(0).unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("mini_programs[0].name"));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = ndjson(&schema, &deep).remove(0).unwrap_err();
    assert_eq!(e.message, "expected a record (a JSON object), found a JSON array");
    let e = json(&schema, &format!("[{deep}]")).remove(0).unwrap_err();
    assert_eq!(e.message, "expected a record (a JSON object), found a JSON array");
    // Unbalanced nesting is a syntax error, not a crash.
    let e = ndjson(&schema, &"[".repeat(100_000)).remove(0).unwrap_err();
    assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
}

#[test]
fn json_array() {
    let schema = schema();
    let input = "\u{feff}[\n  {\"id\":\"a\",\"store_score\":1,\"gmv\":1},\n  {\"id\":\"b\",\n   \"store_score\":\"x\",\"gmv\":1},\n  7,\n  {\"id\":\"d\",\"store_score\":1,\"gmv\":\"2.50\",\"note\":\"]}[{\\\"\"}\n]\n";
    let rs = json(&schema, input);
    assert_eq!(rs.len(), 4);
    assert_eq!(rs[0].as_ref().unwrap().line, 2);
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(
        (e.line, e.id.as_deref(), e.fact.as_deref()),
        (3, Some("b"), Some("store_score"))
    );
    let e = rs[2].as_ref().unwrap_err();
    assert_eq!(e.line, 5);
    assert_eq!(e.message, "expected a record (a JSON object), found `7`");
    let r = rs[3].as_ref().unwrap();
    assert_eq!((r.line, r.id.as_str()), (6, "d"));
    assert_eq!(r.record.values[1], dec("2.50"));

    assert!(json(&schema, "[]").is_empty());
    assert!(json(&schema, " [ ] \n").is_empty());
}

#[test]
fn json_array_syntax_error_spoils_one_element() {
    let schema = schema();
    let input = "[\n{\"id\":\"a\",\"store_score\":1,\"gmv\":1},\n{\"id\":\"b\",\n\"store_score\":1 \"gmv\":1},\n{\"id\":\"c\",\"store_score\":1,\"gmv\":1}\n]";
    let rs = json(&schema, input);
    assert_eq!(rs.len(), 3);
    assert!(rs[0].is_ok());
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (4, Some(17)));
    // After a record on one line, one over two lines is suspect: it is skipped to the next line.
    assert_eq!(
        e.message,
        "invalid JSON: expected `,` or `}`; lines 3–4 (bytes 39–75, up to the next record) were not read; reading goes on at line 5"
    );
    assert_eq!(e.id, None);
    assert_eq!(rs[2].as_ref().unwrap().id, "c");
    // Pretty-printed: the element is spoilt alone.
    let input = "[\n {\n  \"id\": \"a\", \"store_score\": 1,\n  \"gmv\": 1\n },\n {\n  \"id\": \"b\"\n  \"gmv\": 1\n },\n {\"id\": \"c\", \"store_score\": 1, \"gmv\": 1}\n]";
    let rs = json(&schema, input);
    assert_eq!(rs.len(), 3);
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column, e.id.as_deref()), (8, Some(3), Some("b")));
    assert!(
        e.message.starts_with("invalid JSON: expected `,` or `}`; lines 6–9"),
        "{}",
        e.message
    );
    assert_eq!(rs[2].as_ref().unwrap().id, "c");

    let rs = json(&schema, "[{\"id\":\"a\",\"store_score\":1,\"gmv\":1},]");
    assert_eq!(rs.len(), 2);
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (1, Some(37)));
    assert_eq!(e.message, "invalid JSON: expected a value");

    let rs = json(&schema, "[{\"id\":\"a\",\"store_score\":1,\"gmv\":1} 3]");
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(
        e.message,
        "invalid JSON: expected `,` or `]`; line 1 (bytes 37–38, up to the end of the file) was not read"
    );

    // A missing comma spoils the element after it.
    let rs = json(
        &schema,
        "[{\"id\":\"a\",\"store_score\":1,\"gmv\":1}\n{\"id\":\"b\",\"store_score\":1,\"gmv\":1},{\"id\":\"c\",\"store_score\":1,\"gmv\":1}]",
    );
    assert_eq!(rs.len(), 3);
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column, e.id.as_deref()), (2, Some(1), Some("b")));
    assert_eq!(
        e.message,
        "invalid JSON: expected `,` before this record; the record is not read"
    );
    assert_eq!(rs[2].as_ref().unwrap().id, "c");

    let rs = json(&schema, "[{\"id\":\"a\",\"store_score\":1,\"gmv\":1}");
    let e = rs[1].as_ref().unwrap_err();
    assert!(e.message.contains("end of input"), "{}", e.message);

    let rs = json(&schema, "[{\"id\":\"a\",\"store_score\":1,\"gmv\":1}] x");
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(
        e.message,
        "invalid JSON: text after the closing `]` of the array (a .json file holds one object or one array of objects); line 1 (bytes 38–38, up to the end of the file) was not read"
    );
    assert_eq!(e.column, Some(38));

    let rs = json(&schema, "[{\"id\":\"a\",\"store_score\":1,\"gm");
    assert_eq!(rs.len(), 1);
    assert!(rs[0].as_ref().unwrap_err().message.contains("end of input"));
}

#[test]
fn json_array_broken_structure_skips_to_the_next_line_or_says_what_is_lost() {
    let schema = schema();
    let line = |id: &str| format!("{{\"id\":\"{id}\",\"store_score\":1,\"gmv\":1}}");
    // One element per line: a string never closed spoils its line only.
    let input = format!(
        "[\n{},\n{{\"id\":\"b, \"store_score\":1,\"gmv\":1}},\n{},\n{}\n]\n",
        line("a"),
        line("c"),
        line("d")
    );
    let rs = json(&schema, &input);
    let ids: Vec<_> = rs.iter().map(|r| r.as_ref().map(|r| r.id.clone()).ok()).collect();
    assert_eq!(ids, [Some("a".into()), None, Some("c".into()), Some("d".into())]);
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(e.id, None);
    assert!(
        e.message
            .ends_with("line 3 (bytes 39–74, up to the next record) was not read; reading goes on at line 4"),
        "{}",
        e.message
    );
    // All on one line: the rest of the file is not read, and said so.
    let input = format!("[{}, {{\"id\":\"b, \"gmv\":1}}, {}]", line("a"), line("c"));
    let rs = json(&schema, &input);
    assert_eq!(rs.len(), 2);
    let e = rs[1].as_ref().unwrap_err();
    assert_eq!(e.id, None);
    assert!(
        e.message.ends_with(&format!(
            "line 1 (bytes 38–{}, up to the end of the file) was not read",
            input.len()
        )),
        "{}",
        e.message
    );
}

#[test]
fn json_single_object() {
    let schema = schema();
    let rs = json(&schema, "\n\n{\"id\":\"a\",\n\"store_score\":1,\"gmv\":1}\n");
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].as_ref().unwrap().line, 3);
    let rs = json(&schema, "{\"id\":\"a\",\"store_score\":1,\"gmv\":1}\n{\"id\":\"b\"}");
    let e = rs[0].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (2, Some(1)));
    assert!(
        e.message
            .starts_with("invalid JSON: trailing characters after the record"),
        "{}",
        e.message
    );
    let rs = json(&schema, "{\"id\":\"a\",\"store_score\":true,\"gmv\":1}");
    assert_eq!(rs[0].as_ref().unwrap_err().fact.as_deref(), Some("store_score"));
}

#[test]
fn json_file_errors() {
    let schema = schema();
    let err = |input: &[u8]| match read_records(&schema, Format::Json, input) {
        Ok(_) => panic!("expected a file error"),
        Err(e) => e,
    };
    let e = err(b"  42 ");
    assert_eq!(e.line, Some(1));
    assert_eq!(
        e.message,
        "expected a record (a JSON object) or an array of records, found `42`"
    );
    let e = err(b"\n\"abc\"");
    assert_eq!(e.line, Some(2));
    assert!(e.message.ends_with("found `\"abc\"`"));
    let e = err(b"  \n");
    assert_eq!(e.message, "the file is empty");
    assert!(e.help.is_some());
    let e = err(b"[\n{\"id\":\"\xff\"}]");
    assert_eq!(e.line, Some(2));
    assert!(e.message.starts_with("the file is not valid UTF-8"));
}

#[test]
fn an_object_is_never_read_as_a_number() {
    // Regression: `serde_json` hands numbers over as a map under
    // `NUMBER_TOKEN`; an object with that key is still an object.
    let token = r#"{"$serde_json::private::Number":"4.5"}"#;
    let e = one(&format!(r#","refund_rate":{token}"#)).unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("refund_rate"));
    assert_eq!(
        e.message,
        "expected a fraction such as 0.02 or \"2%\", found a JSON object"
    );
    let e = one(r#","orders":{"$serde_json::private::Number":5}"#).unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("orders"));
    assert!(e.message.ends_with("found a JSON object"), "{}", e.message);
    let schema = schema();
    let e = ndjson(&schema, &format!(r#"{{"id":{token},"store_score":1,"gmv":1}}"#))
        .remove(0)
        .unwrap_err();
    assert_eq!(e.message, "expected the record's id as text, found a JSON object");
    // As a record: an undeclared key like any other.
    let r = ndjson(
        &schema,
        r#"{"$serde_json::private::Number":"7","id":"a","store_score":1,"gmv":1}"#,
    )
    .remove(0)
    .unwrap();
    assert_eq!(r.id, "a");
    let r = ndjson(
        &schema,
        r#"{"$serde_json::private::Number":[1],"id":"a","store_score":1,"gmv":1}"#,
    )
    .remove(0)
    .unwrap();
    assert_eq!(r.id, "a");
    let item = format!(
        r#","mini_programs":[{{"$serde_json::private::Number":"1","name":"m","orders":[{{"amount":{token}}}]}}]"#
    );
    let e = one(&item).unwrap_err();
    assert_eq!(e.fact.as_deref(), Some("mini_programs[0].orders[0].amount"));
    // Real numbers still arrive exactly.
    assert_eq!(value(r#","refund_rate":0.025"#, 2), dec("0.025"));
    assert_eq!(
        value(r#","points":12345678901234567890.12"#, 9),
        dec("12345678901234567890.12")
    );
}

#[test]
fn control_characters_are_escaped_in_messages() {
    let schema = schema();
    let e = ndjson(
        &schema,
        "{\"id\":\"a\",\"store_score\":1,\"gmv\":1,\"\\u001b[31m\":1,\"\\u001b[31m\":2}",
    )
    .remove(0)
    .unwrap_err();
    assert_eq!(e.message, "duplicate key `\\u001b[31m`");
    assert!(!e.message.contains('\u{1b}'));
    match read_records(&schema, Format::Json, "\u{1b}[31m\u{9b}".as_bytes()) {
        Err(e) => {
            assert!(!e.message.chars().any(char::is_control), "{}", e.message);
            assert!(e.message.contains("`\\u001b[31m\\u009b`"), "{}", e.message);
        }
        Ok(_) => panic!("not a JSON document"),
    }
}

#[test]
fn value_ends() {
    let b = br#"{"a":"}\"]"} , [1,[2]] "x\"y", 12 ,tru"#;
    let e1 = value_end(b, 0);
    assert_eq!(&b[..e1], br#"{"a":"}\"]"}"#);
    let s = e1 + 3;
    let e2 = value_end(b, s);
    assert_eq!(&b[s..e2], b"[1,[2]]");
    let e3 = value_end(b, e2 + 1);
    assert_eq!(&b[e2 + 1..e3], br#""x\"y""#);
    let e4 = value_end(b, e3 + 2);
    assert_eq!(&b[e3 + 2..e4], b"12");
    assert_eq!(value_end(b"{\"a\":[", 0), 6);
    assert_eq!(value_end(b"", 0), 0);
}

mod fast_path;
