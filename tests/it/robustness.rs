//! Robustness, end to end: `campaign evaluate` over hostile fact files and
//! `campaign check` over hostile campaign files, run as a subprocess (so a
//! stack overflow or an abort would fail the test rather than the runner).
//!
//! Every bad record sits among good ones. For each, the tests assert that
//! there is exactly one output line per input record, in input order; that
//! the bad record's error object names its line, its id (when known), the
//! fact and what was expected; that every other record is evaluated; that the
//! stderr summary reconciles; and that the exit code is 1.
//!
//! See `docs/reliability.md` for what is guaranteed and why.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use serde_json::{Value, json};

use crate::harness::{TempDir, command, root};

// ---------------------------------------------------------------------------
// Helpers

fn policy(name: &str) -> PathBuf {
    root().join("policies").join(format!("{name}.campaign"))
}

fn bad_fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/bad").join(name)
}

const ALLIANCE: &str = "channels-alliance-admission-2024";
const EDU: &str = "channels-edu-back-to-school-2024";
const DOUYIN: &str = "douyin-trade-miniprogram-2023";
const SIX: [&str; 6] = [
    "channels-alliance-admission-2024",
    "channels-brand-coldstart-2023",
    "channels-edu-back-to-school-2024",
    "douyin-trade-miniprogram-2023",
    "kuaishou-provider-gmv-2022",
    "kuaishou-provider-industry-2022",
];

/// A fresh directory for one test's files.
fn scratch(test: &str) -> TempDir {
    TempDir::new("robustness", test)
}

/// `campaign ARGS`, whatever its output's encoding.
fn campaign(args: &[&std::ffi::OsStr]) -> Output {
    command().args(args).output().unwrap()
}

/// `campaign evaluate POLICY --facts FACTS EXTRA...`.
fn evaluate(policy: &Path, facts: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "evaluate".as_ref(),
        policy.as_os_str(),
        "--facts".as_ref(),
        facts.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    campaign(&args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn lines(out: &Output) -> Vec<Value> {
    let text = std::str::from_utf8(&out.stdout).expect("stdout is UTF-8");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// The stderr summary `N records read: E eligible, X not eligible, F failed
/// (R results + F errors = N records)`, checked to reconcile; returns
/// (records, results, errors).
fn summary(out: &Output) -> (usize, usize, usize) {
    let err = stderr(out);
    let line = err
        .lines()
        .find(|l| l.contains("records read:"))
        .unwrap_or_else(|| panic!("no summary on stderr:\n{err}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let [read, eligible, not_eligible, failed, results, errors, total] = numbers[..] else {
        panic!("unexpected summary: {line}");
    };
    assert_eq!(read, total, "{line}");
    assert_eq!(results + errors, read, "{line}");
    assert_eq!(eligible + not_eligible, results, "{line}");
    assert_eq!(failed, errors, "{line}");
    (read, results, errors)
}

/// A good alliance record with this id.
fn alliance(id: &str) -> String {
    json!({
        "id": id, "local_life": false, "store_status": "normal", "freight_insurance": true,
        "store_score": "4.5", "entity_type": "enterprise",
        "products": [
            {"id": "p1", "settled_orders": 40, "valid_paid_orders": 10, "quality_refund_orders": 1, "sales_today": "12.30"},
            {"id": "p2", "settled_orders": 3, "valid_paid_orders": 0, "sales_today": 100}
        ]
    })
    .to_string()
}

/// A good education record with this id.
fn edu(id: &str) -> String {
    json!({
        "id": id, "store_score": "4.8", "registered_at": "2024-08-20T10:00:00+08:00",
        "sales": [{"at": "2024-08-23T10:00:00+08:00", "live_category": "购物", "category_l1": "教育培训",
                   "category_l2": "语言培训", "gmv": "20000.00"}]
    })
    .to_string()
}

/// What the error object of the bad record must say.
struct Expect<'a> {
    /// The record's id, when it can be read.
    id: Option<&'a str>,
    /// The path of the offending fact, when one is to blame (also in the text).
    fact: Option<&'a str>,
    /// Words the error text must contain: what was found and what was expected.
    words: &'a [&'a str],
}

/// Writes `g1`, `g2`, BAD, `g4`, `g5` (good records made by `good`) to a
/// `.ndjson` file, evaluates it, and checks the contract for one bad record
/// on line 3. Returns the output for further checks.
fn one_bad_record(test: &str, name: &str, good: fn(&str) -> String, bad: &[u8], expect: Expect<'_>) -> Output {
    let dir = scratch(test);
    let facts = dir.join("facts.ndjson");
    let mut bytes = Vec::new();
    for line in 1..=5 {
        if line == 3 {
            bytes.extend_from_slice(bad);
        } else {
            bytes.extend_from_slice(good(&format!("g{line}")).as_bytes());
        }
        bytes.push(b'\n');
    }
    std::fs::write(&facts, &bytes).unwrap();
    let out = evaluate(&policy(name), &facts, &[]);
    assert_one_bad(&out, 5, 3, &expect);
    out
}

/// Checks the output of a run over `records` records of which only the one on
/// `bad_line` (records are one per line, numbered from 1) is bad.
fn assert_one_bad(out: &Output, records: usize, bad_line: usize, expect: &Expect<'_>) {
    let results = lines(out);
    assert_eq!(results.len(), records, "one output line per record:\n{results:#?}");
    for (i, r) in results.iter().enumerate() {
        let line = i + 1;
        if line == bad_line {
            let obj = r.as_object().unwrap_or_else(|| panic!("not an object: {r}"));
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            assert_eq!(keys[..3], ["line", "id", "error"], "{r}");
            assert!(keys[3..].iter().all(|k| ["column", "fact"].contains(k)), "{r}");
            assert_eq!(r.get("fact").and_then(Value::as_str), expect.fact, "{r}");
            assert_eq!(r["line"], json!(bad_line), "{r}");
            assert_eq!(r["id"], json!(expect.id), "{r}");
            let error = r["error"].as_str().unwrap();
            for word in expect.words {
                assert!(error.contains(word), "`{error}` should mention `{word}`");
            }
        } else {
            assert_eq!(r["id"], json!(format!("g{line}")), "record {line} in order: {r}");
            assert!(r["eligible"].is_boolean(), "record {line} evaluated: {r}");
            assert!(r.get("error").is_none(), "{r}");
        }
    }
    assert_eq!(summary(out), (records, records - 1, 1));
    assert_eq!(out.status.code(), Some(1), "exit 1 when a record failed");
}

/// Replaces `"key": value` in a JSON object text (the first occurrence).
fn with(good: &str, from: &str, to: &str) -> Vec<u8> {
    assert!(good.contains(from), "{from} not in {good}");
    good.replacen(from, to, 1).into_bytes()
}

// ---------------------------------------------------------------------------
// Bad records among good ones

/// A JSON syntax error names the line and the column (here: the second
/// comma, column 31), and the id when it was read before the error.
#[test]
fn invalid_json() {
    let bad = br#"{"id":"b3","local_life":false,,"store_status":"normal"}"#;
    let out = one_bad_record(
        "invalid_json",
        ALLIANCE,
        alliance,
        bad,
        Expect {
            id: Some("b3"),
            fact: None,
            words: &["invalid JSON"],
        },
    );
    let r = &lines(&out)[2];
    assert_eq!(r["column"], 31, "{r}");
    // Before the id: no id.
    let out = one_bad_record(
        "invalid_json_no_id",
        ALLIANCE,
        alliance,
        br#"{"local_life":tru,"id":"b3"}"#,
        Expect {
            id: None,
            fact: None,
            words: &["invalid JSON"],
        },
    );
    assert_eq!(lines(&out)[2]["column"], 18);
}

#[test]
fn truncated_last_line() {
    let dir = scratch("truncated");
    let facts = dir.join("facts.ndjson");
    let cut = &alliance("g3")[..40];
    let text = format!("{}\n{}\n{cut}", alliance("g1"), alliance("g2"));
    std::fs::write(&facts, text).unwrap();
    let out = evaluate(&policy(ALLIANCE), &facts, &[]);
    assert_one_bad(
        &out,
        3,
        3,
        &Expect {
            id: Some("g3"),
            fact: None,
            words: &["invalid JSON", "end of input"],
        },
    );
}

#[test]
fn top_level_array() {
    one_bad_record(
        "top_array",
        ALLIANCE,
        alliance,
        b"[1,2]",
        Expect {
            id: None,
            fact: None,
            words: &["expected a record (a JSON object)", "found a JSON array"],
        },
    );
}

#[test]
fn top_level_number() {
    one_bad_record(
        "top_number",
        ALLIANCE,
        alliance,
        b"42",
        Expect {
            id: None,
            fact: None,
            words: &["expected a record (a JSON object)", "`42`"],
        },
    );
}

#[test]
fn top_level_string() {
    one_bad_record(
        "top_string",
        ALLIANCE,
        alliance,
        br#""x""#,
        Expect {
            id: None,
            fact: None,
            words: &["expected a record (a JSON object)", r#"`"x"`"#],
        },
    );
}

#[test]
fn string_where_a_number_belongs() {
    let bad = with(&alliance("b3"), r#""store_score":"4.5""#, r#""store_score":"high""#);
    one_bad_record(
        "string_for_number",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("store_score"),
            words: &["`store_score`", "expected a decimal number", r#""high""#],
        },
    );
}

#[test]
fn money_with_thousands_separator() {
    let bad = with(&alliance("b3"), r#""sales_today":"12.30""#, r#""sales_today":"12,000""#);
    one_bad_record(
        "money_comma",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("products[0].sales_today"),
            words: &["`products[0].sales_today`", "expected an amount of CNY", "12,000"],
        },
    );
}

#[test]
fn money_with_exponent() {
    let bad = with(&alliance("b3"), r#""sales_today":"12.30""#, r#""sales_today":1e400"#);
    one_bad_record(
        "money_exponent",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            // serde_json normalises the exponent's text to `1e+400`.
            fact: Some("products[0].sales_today"),
            words: &[
                "`products[0].sales_today`",
                "expected an amount of CNY",
                "exponents are not accepted",
            ],
        },
    );
}

#[test]
fn money_with_forty_digits() {
    let forty = "1234567890123456789012345678901234567890";
    assert_eq!(forty.len(), 40);
    let bad = with(
        &alliance("b3"),
        r#""sales_today":"12.30""#,
        &format!(r#""sales_today":{forty}"#),
    );
    one_bad_record(
        "money_40_digits",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("products[0].sales_today"),
            words: &["`products[0].sales_today`", "more digits than an exact amount can hold"],
        },
    );
    // As a string too.
    let bad = with(
        &alliance("b3"),
        r#""sales_today":"12.30""#,
        &format!(r#""sales_today":"{forty}""#),
    );
    one_bad_record(
        "money_40_digits_text",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("products[0].sales_today"),
            words: &["`products[0].sales_today`", "more digits than an exact amount can hold"],
        },
    );
}

#[test]
fn timestamp_without_offset() {
    let bad = with(
        &edu("b3"),
        r#""registered_at":"2024-08-20T10:00:00+08:00""#,
        r#""registered_at":"2024-08-20T10:00:00""#,
    );
    one_bad_record(
        "timestamp_offset",
        EDU,
        edu,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("registered_at"),
            words: &[
                "`registered_at`",
                "expected a timestamp with an offset",
                "add the offset",
            ],
        },
    );
}

#[test]
fn enum_value_outside_its_set() {
    let bad = with(
        &alliance("b3"),
        r#""store_status":"normal""#,
        r#""store_status":"open""#,
    );
    one_bad_record(
        "enum",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("store_status"),
            words: &[
                "`store_status`",
                r#"expected one of "normal", "suspended", "closed""#,
                r#""open""#,
            ],
        },
    );
}

#[test]
fn missing_required_fact() {
    let bad = with(&alliance("b3"), r#""freight_insurance":true,"#, "");
    one_bad_record(
        "missing",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("freight_insurance"),
            words: &["`freight_insurance`", "missing required fact"],
        },
    );
    // `null` for a required fact is missing too; so is the id.
    let bad = with(
        &alliance("b3"),
        r#""freight_insurance":true"#,
        r#""freight_insurance":null"#,
    );
    one_bad_record(
        "missing_null",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("freight_insurance"),
            words: &["`freight_insurance`", "missing required fact"],
        },
    );
    let bad = with(&alliance("b3"), r#""id":"b3","#, "");
    one_bad_record(
        "missing_id",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: None,
            fact: Some("id"),
            words: &["`id`", "missing required fact"],
        },
    );
}

#[test]
fn negative_count() {
    let bad = with(&alliance("b3"), r#""settled_orders":3"#, r#""settled_orders":-3"#);
    one_bad_record(
        "negative_count",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("products[1].settled_orders"),
            words: &[
                "`products[1].settled_orders`",
                "expected a whole number of at least 0",
                "-3",
            ],
        },
    );
}

#[test]
fn duplicate_top_level_key() {
    let bad = with(
        &alliance("b3"),
        r#""local_life":false"#,
        r#""local_life":false,"local_life":true"#,
    );
    one_bad_record(
        "duplicate_top",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("local_life"),
            words: &["`local_life`", "duplicate key"],
        },
    );
    // An undeclared key counts too: the record is ambiguous either way.
    let bad = with(
        &alliance("b3"),
        r#""local_life":false"#,
        r#""x":1,"local_life":false,"x":2"#,
    );
    one_bad_record(
        "duplicate_undeclared",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("x"),
            words: &["`x`", "duplicate key"],
        },
    );
}

#[test]
fn duplicate_nested_key() {
    let bad = with(
        &alliance("b3"),
        r#""settled_orders":3"#,
        r#""settled_orders":3,"settled_orders":300"#,
    );
    one_bad_record(
        "duplicate_nested",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("products[1].settled_orders"),
            words: &["`products[1].settled_orders`", "duplicate key"],
        },
    );
}

/// Regression (found while writing these tests, fixed in `src/facts/json.rs`):
/// with `arbitrary_precision`, serde_json hands numbers over as a map under a
/// private key; an object with that key was read as a number.
#[test]
fn object_with_serde_number_key_is_not_a_number() {
    let bad = with(
        &alliance("b3"),
        r#""sales_today":"12.30""#,
        r#""sales_today":{"$serde_json::private::Number":"99999.99"}"#,
    );
    one_bad_record(
        "serde_number_key",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: Some("b3"),
            fact: Some("products[0].sales_today"),
            words: &[
                "`products[0].sales_today`",
                "expected an amount of CNY",
                "found a JSON object",
            ],
        },
    );
}

#[test]
fn invalid_utf8_line() {
    let mut bad = br#"{"id":"b3","local_life":"caf"#.to_vec();
    bad.extend_from_slice(b"\xe9\"}");
    let out = one_bad_record(
        "invalid_utf8",
        ALLIANCE,
        alliance,
        &bad,
        Expect {
            id: None,
            fact: None,
            words: &["not valid UTF-8"],
        },
    );
    // The column of the first invalid byte, in characters.
    assert_eq!(lines(&out)[2]["column"], 29);
}

#[test]
fn byte_order_mark_is_accepted() {
    let dir = scratch("bom");
    let plain = dir.join("plain.ndjson");
    let bom = dir.join("bom.ndjson");
    let text = format!("{}\n{}\n", alliance("g1"), alliance("g2"));
    std::fs::write(&plain, &text).unwrap();
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let a = evaluate(&policy(ALLIANCE), &plain, &[]);
    let b = evaluate(&policy(ALLIANCE), &bom, &[]);
    assert_eq!(b.status.code(), Some(0), "{}", stderr(&b));
    assert_eq!(lines(&b).len(), 2);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(summary(&b), (2, 2, 0));
}

#[test]
fn crlf_line_ends_give_identical_results() {
    let dir = scratch("crlf");
    let lf = dir.join("lf.ndjson");
    let crlf = dir.join("crlf.ndjson");
    let records = [alliance("g1"), "{\"id\":\"b2\"}".into(), alliance("g3"), "42".into()];
    std::fs::write(&lf, records.join("\n") + "\n").unwrap();
    std::fs::write(&crlf, records.join("\r\n") + "\r\n").unwrap();
    let a = evaluate(&policy(ALLIANCE), &lf, &[]);
    let b = evaluate(&policy(ALLIANCE), &crlf, &[]);
    assert_eq!(lines(&b).len(), 4);
    assert_eq!(
        String::from_utf8_lossy(&a.stdout),
        String::from_utf8_lossy(&b.stdout),
        "CRLF and LF read the same"
    );
    assert_eq!(a.status.code(), b.status.code());
    assert_eq!(summary(&b), (4, 2, 2));
    // Without a final line break too.
    std::fs::write(&crlf, records.join("\r\n")).unwrap();
    let c = evaluate(&policy(ALLIANCE), &crlf, &[]);
    assert_eq!(a.stdout, c.stdout);
}

#[test]
fn empty_file() {
    let dir = scratch("empty");
    let facts = dir.join("facts.ndjson");
    std::fs::write(&facts, "").unwrap();
    let out = evaluate(&policy(ALLIANCE), &facts, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(summary(&out), (0, 0, 0));
}

#[test]
fn only_blank_lines() {
    let dir = scratch("blank");
    let facts = dir.join("facts.ndjson");
    std::fs::write(&facts, "\n\n   \n\t\r\n\r\n\n").unwrap();
    let out = evaluate(&policy(ALLIANCE), &facts, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(summary(&out), (0, 0, 0));
    // Blank lines between records are skipped, and line numbers still count them.
    std::fs::write(&facts, format!("\n{}\n\n\n{{\"id\":\"b\"}}\n", alliance("g1"))).unwrap();
    let out = evaluate(&policy(ALLIANCE), &facts, &[]);
    let results = lines(&out);
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["line"], json!(5));
    assert_eq!(summary(&out), (2, 1, 1));
}

#[test]
fn huge_single_line() {
    let dir = scratch("huge");
    let facts = dir.join("facts.ndjson");
    let products: Vec<Value> = (0..50_000)
        .map(|i| {
            json!({"id": format!("p{i}"), "settled_orders": i % 60, "valid_paid_orders": i % 7,
                   "quality_refund_orders": i % 3, "sales_today": format!("{}.{:02}", i % 1000, i % 100)})
        })
        .collect();
    let mut huge: Value = serde_json::from_str(&alliance("g2")).unwrap();
    huge["products"] = Value::Array(products);
    let huge = huge.to_string();
    assert!(huge.len() > 5_000_000, "{} bytes", huge.len());
    let bad = format!("{{\"id\":\"g4\",\"x\":\"{}\",\"local_life\":1}}", "y".repeat(5_000_000));
    std::fs::write(
        &facts,
        format!(
            "{}\n{huge}\n{}\n{bad}\n{}\n",
            alliance("g1"),
            alliance("g3"),
            alliance("g5")
        ),
    )
    .unwrap();
    let out = evaluate(&policy(ALLIANCE), &facts, &[]);
    let results = lines(&out);
    assert_eq!(results.len(), 5);
    assert_eq!(results[1]["id"], "g2");
    assert!(results[1]["values"]["observation_products"].as_u64().unwrap() > 0);
    assert_eq!(results[3]["line"], 4);
    assert_eq!(results[3]["id"], "g4");
    assert!(results[3]["error"].as_str().unwrap().contains("`local_life`"));
    assert_eq!(summary(&out), (5, 4, 1));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn max_errors_stops_with_a_clear_message() {
    let dir = scratch("max_errors");
    let facts = dir.join("facts.ndjson");
    let mut records = Vec::new();
    for i in 1..=10 {
        records.push(if i % 2 == 0 {
            format!("{{\"id\":\"b{i}\"}}")
        } else {
            alliance(&format!("g{i}"))
        });
    }
    std::fs::write(&facts, records.join("\n") + "\n").unwrap();
    for jobs in ["1", "2"] {
        let out = evaluate(&policy(ALLIANCE), &facts, &["--max-errors", "2", "--jobs", jobs]);
        let results = lines(&out);
        // g1, b2, g3, b4: the second failure stops the run.
        assert_eq!(results.len(), 4, "{results:#?}");
        assert_eq!(results[3]["line"], 4);
        let err = stderr(&out);
        assert!(
            err.contains("stopped at line 4 after 2 failed records (--max-errors 2)"),
            "{err}"
        );
        assert_eq!(summary(&out), (4, 2, 2));
        assert_eq!(out.status.code(), Some(1));
    }
    let out = evaluate(&policy(ALLIANCE), &facts, &["--max-errors", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------
// Arithmetic

#[test]
fn decimal_overflow_is_an_error_for_the_record() {
    let dir = scratch("overflow");
    let facts = dir.join("facts.ndjson");
    let amount28 = "1234567890123456789012345678";
    assert_eq!(amount28.len(), 28);
    std::fs::write(
        &facts,
        format!(
            "{{\"id\":\"g1\",\"amount\":\"12.30\"}}\n{{\"id\":\"g2\",\"amount\":\"-1\"}}\n\
             {{\"id\":\"b3\",\"amount\":\"{amount28}\"}}\n{{\"id\":\"g4\",\"amount\":\"999999999999999999.99\"}}\n\
             {{\"id\":\"g5\",\"amount\":0}}\n"
        ),
    )
    .unwrap();
    let out = evaluate(&bad_fixture("overflow.campaign"), &facts, &[]);
    assert_one_bad(
        &out,
        5,
        3,
        &Expect {
            id: Some("b3"),
            fact: None,
            words: &["cannot be held", "× 10000000000", "`scaled`"],
        },
    );
    let results = lines(&out);
    assert_eq!(results[0]["values"]["scaled"]["amount"], "123000000000.00");
    // Exact, though the scale gives way to the integer digits (amounts compare as decimals).
    let scaled: rust_decimal::Decimal = results[3]["values"]["scaled"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(scaled, "9999999999999999999900000000".parse().unwrap());
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn division_by_zero_is_unknown() {
    let dir = scratch("divide");
    let facts = dir.join("facts.ndjson");
    std::fs::write(
        &facts,
        "{\"id\":\"a\",\"amount\":\"12.30\",\"parts\":3}\n{\"id\":\"z\",\"amount\":\"5\",\"parts\":0}\n\
         {\"id\":\"zz\",\"amount\":\"0\",\"parts\":0}\n",
    )
    .unwrap();
    let out = evaluate(&bad_fixture("divide.campaign"), &facts, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = lines(&out);
    assert_eq!(results[0]["values"]["share"]["amount"], "4.10");
    assert_eq!(results[0]["eligible"], true);
    for r in &results[1..] {
        // Unknown: shown as null, and `if unknown false` decides the condition.
        assert_eq!(r["values"]["share"], Value::Null, "{r}");
        assert_eq!(r["values"]["share_known"], false, "{r}");
        assert_eq!(r["eligible"], false, "{r}");
        assert_eq!(r["reasons"], json!(["each part must be worth at least 1 CNY"]));
    }
    assert_eq!(summary(&out), (3, 3, 0));
}

// ---------------------------------------------------------------------------
// Determinism

/// A few thousand records made from the contract examples (new ids), with an
/// unreadable record every 97 lines.
fn generated_facts(name: &str, dir: &Path) -> PathBuf {
    let examples = std::fs::read_to_string(root().join(format!("tests/fixtures/contract/{name}.ndjson"))).unwrap();
    let examples: Vec<Value> = examples.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut text = String::new();
    for i in 0..3_000 {
        if i % 97 == 13 {
            text.push_str(&format!("{{\"id\":\"bad-{i}\",\"unexpected\":true}}\n"));
            continue;
        }
        if i % 331 == 7 {
            text.push_str("not json\n");
            continue;
        }
        let mut r = examples[i % examples.len()].clone();
        r["id"] = json!(format!("r-{i:05}"));
        text.push_str(&r.to_string());
        text.push('\n');
    }
    let path = dir.join(format!("{name}.ndjson"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn output_is_identical_for_any_number_of_jobs() {
    let dir = scratch("jobs");
    for name in SIX {
        let facts = generated_facts(name, &dir);
        let runs: Vec<Output> = ["1", "2", "4"]
            .iter()
            .map(|jobs| evaluate(&policy(name), &facts, &["--jobs", jobs]))
            .collect();
        let first = &runs[0];
        let results = lines(first);
        assert_eq!(results.len(), 3_000, "{name}");
        let (_, _, errors) = summary(first);
        assert!(errors >= 30, "{name}: the error records are there ({errors})");
        assert_eq!(first.status.code(), Some(1));
        for run in &runs[1..] {
            assert!(
                run.stdout == first.stdout,
                "{name}: stdout differs between --jobs values"
            );
            assert_eq!(summary(run), summary(first));
            assert_eq!(run.status.code(), first.status.code());
        }
        // And from one run to the next, in the other formats.
        for format in ["json", "csv", "table"] {
            let a = evaluate(&policy(name), &facts, &["--jobs", "1", "--format", format]);
            let b = evaluate(&policy(name), &facts, &["--jobs", "4", "--format", format]);
            assert!(a.stdout == b.stdout, "{name} --format {format}: stdout differs");
        }
    }
}

// ---------------------------------------------------------------------------
// Control characters

#[test]
fn control_characters_are_never_echoed_raw() {
    let dir = scratch("control");
    let facts = dir.join("facts.ndjson");
    let esc_id = "e\u{1b}[31mred";
    let records = [
        json!({"id": esc_id, "service_category": "\u{1b}[31m工具\u{7}\u{9b}", "entity_verified": true,
               "payment_onboarded": false})
        .to_string(),
        json!({"id": "f\u{1b}[31m", "service_category": 1}).to_string(),
        json!({"id": "k", "service_category": "工具", "entity_verified": true, "payment_onboarded": true,
               "\u{1b}[2J": 1})
        .to_string(),
        // Duplicate keys written out by hand: serde_json's map would merge them.
        "{\"id\":\"d\",\"\\u001b[2J\":1,\"\\u001b[2J\":2}".to_string(),
    ];
    std::fs::write(&facts, records.join("\n") + "\n").unwrap();
    let p = policy(DOUYIN);

    // JSON: escaped, never raw.
    let out = evaluate(&p, &facts, &[]);
    assert!(!out.stdout.contains(&0x1b), "raw ESC in ndjson output");
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(text.contains(r"e\u001b[31mred"), "{text}");
    let results = lines(&out);
    assert_eq!(results[0]["id"], esc_id, "escaped, not altered");
    assert_eq!(results.len(), 4);
    assert!(!out.stderr.contains(&0x1b));
    let out = evaluate(&p, &facts, &["--format", "json"]);
    assert!(!out.stdout.contains(&0x1b), "raw ESC in json output");

    // Text for people: replaced.
    for args in [&["--format", "table"][..], &["--format", "table", "--explain"][..]] {
        let out = evaluate(&p, &facts, args);
        assert!(!out.stdout.contains(&0x1b), "raw ESC in {args:?}");
        assert!(!out.stdout.contains(&0x07), "raw BEL in {args:?}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains('\u{9b}'),
            "raw CSI in {args:?}"
        );
        assert!(!out.stderr.contains(&0x1b));
    }
    for id in [esc_id, "f\u{1b}[31m"] {
        let out = campaign(&[
            "explain".as_ref(),
            p.as_os_str(),
            "--facts".as_ref(),
            facts.as_os_str(),
            "--id".as_ref(),
            id.as_ref(),
        ]);
        assert!(!out.stdout.is_empty(), "{}", stderr(&out));
        assert!(!out.stdout.contains(&0x1b), "raw ESC in explain output");
        assert!(!out.stderr.contains(&0x1b), "raw ESC in explain stderr");
    }

    // A file-level error quotes the file's text: escaped on stderr (fixed in
    // `src/facts/mod.rs`: `code` escapes control characters).
    let doc = dir.join("facts.json");
    std::fs::write(&doc, "\u{1b}]0;title\u{7}\u{1b}[31m").unwrap();
    let out = evaluate(&p, &doc, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.contains(&0x1b), "raw ESC on stderr: {}", stderr(&out));
    assert!(stderr(&out).contains(r"found `\u001b`"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------
// Paths

#[test]
fn paths_with_spaces_and_unicode() {
    let dir = scratch("paths").join("a folder with spaces").join("商家 数据");
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("事实 facts.ndjson");
    std::fs::write(&facts, format!("{}\n", alliance("g1"))).unwrap();
    let campaign_copy = dir.join("优选 联盟.campaign");
    std::fs::copy(policy(ALLIANCE), &campaign_copy).unwrap();
    let out = evaluate(&campaign_copy, &facts, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&out)[0]["id"], "g1");
}

// ---------------------------------------------------------------------------
// Campaign-file limits

/// A campaign with one bool fact `a` and this `eligible when` condition.
fn campaign_with_condition(condition: &str) -> String {
    format!(
        "campaign \"limits\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    a: bool\n  }}\n\n  \
         eligible when {{\n    {condition}  \"reason\"\n  }}\n}}\n"
    )
}

/// `campaign check --format json FILE`: the exit code and the diagnostic codes.
fn check_file(test: &str, text: &str) -> (Option<i32>, Vec<String>, f64) {
    let dir = scratch(test);
    let file = dir.join("limits.campaign");
    std::fs::write(&file, text).unwrap();
    let started = Instant::now();
    let out = campaign(&["check".as_ref(), "--format".as_ref(), "json".as_ref(), file.as_os_str()]);
    let seconds = started.elapsed().as_secs_f64();
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        !all.contains("panicked") && !all.contains("overflowed its stack"),
        "{all}"
    );
    assert!(out.status.code().is_some(), "killed by a signal: {all}");
    let mut codes = Vec::new();
    for code in campaign::diagnostics::Code::ALL {
        if all.contains(&format!("\"{}\"", code.as_str())) {
            codes.push(code.as_str().to_string());
        }
    }
    (out.status.code(), codes, seconds)
}

#[test]
fn ten_thousand_nested_parentheses() {
    let condition = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let (code, codes, _) = check_file("parens", &campaign_with_condition(&condition));
    assert_eq!(code, Some(1));
    assert_eq!(codes, ["parse::too_deep"]);
    // Nesting within the limit that works in every build.
    let condition = format!("{}a{}", "(".repeat(8), ")".repeat(8));
    let (code, codes, _) = check_file("parens_ok", &campaign_with_condition(&condition));
    assert_eq!((code, codes), (Some(0), vec![]));
    let condition = format!("{}a", "not ".repeat(campaign::syntax::MAX_NESTING));
    let (code, codes, _) = check_file("nots_ok", &campaign_with_condition(&condition));
    assert_eq!((code, codes), (Some(0), vec![]));
}

/// Nesting up to the limit (`MAX_NESTING` brackets, counting the campaign's
/// own braces) parses without overflowing the stack. Found while writing
/// these tests: a debug build aborted from 13 nested parentheses on
/// (`build_expr` takes ~50 KB a frame unoptimised); fixed by running the
/// command and the parser on large stacks.
#[test]
fn nesting_within_the_limit_does_not_overflow() {
    for n in [13, 20, campaign::syntax::MAX_NESTING - 2] {
        let condition = format!("{}a{}", "(".repeat(n), ")".repeat(n));
        let (code, codes, _) = check_file(&format!("parens_{n}"), &campaign_with_condition(&condition));
        assert_eq!((code, codes), (Some(0), vec![]), "{n} nested parentheses");
    }
}

#[test]
fn ten_thousand_nested_nots() {
    let (code, codes, _) = check_file("nots", &campaign_with_condition(&format!("{}a", "not ".repeat(10_000))));
    assert_eq!(code, Some(1));
    assert_eq!(codes, ["parse::too_deep"]);
    let condition = format!("{}a{}", "not (".repeat(10_000), ")".repeat(10_000));
    let (code, codes, _) = check_file("nots_parens", &campaign_with_condition(&condition));
    assert_eq!(code, Some(1));
    assert_eq!(codes, ["parse::too_deep"]);
}

/// A campaign with a count fact `x`, the value `v`, one condition and a reward of `v` points.
fn chain_campaign(value: &str, condition: &str) -> String {
    format!(
        "campaign \"chain\" {{\n  timezone Asia/Shanghai\n  unit points\n\n  facts {{\n    x: count\n  }}\n\n  \
         value v = {value}\n\n  eligible when {{\n    {condition}  \"r\"\n  }}\n\n  reward p = v as points\n}}\n"
    )
}

/// Checks a campaign of one long chain, then evaluates it on records with `x` of 2, 0 and 7:
/// the outputs' `eligible` and `values.v`.
fn check_and_evaluate_chain(test: &str, text: &str) -> Vec<(bool, Value)> {
    let (code, codes, seconds) = check_file(test, text);
    eprintln!("{test}: checked in {seconds:.1} s");
    assert_eq!((code, codes), (Some(0), vec![]));
    let dir = scratch(&format!("{test}_eval"));
    let file = dir.join("chain.campaign");
    std::fs::write(&file, text).unwrap();
    let facts = dir.join("facts.ndjson");
    std::fs::write(
        &facts,
        "{\"id\":\"a\",\"x\":2}\n{\"id\":\"b\",\"x\":0}\n{\"id\":\"c\",\"x\":7}\n",
    )
    .unwrap();
    let started = Instant::now();
    let out = evaluate(&file, &facts, &["--jobs", "1"]);
    eprintln!("{test}: evaluated in {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    lines(&out)
        .iter()
        .map(|r| (r["eligible"] == true, r["values"]["v"].clone()))
        .collect()
}

/// A sum of 90,000 terms is one node of the tree, checked and evaluated by loops: it used to
/// be 90,000 nested pairs, and `check` overflowed the stack. Left to right, as written:
/// 89,998 `x` added, one `x` subtracted, one added.
#[test]
fn a_sum_of_ninety_thousand_terms() {
    let mut sum = vec!["x"; 89_998].join(" + ");
    sum.push_str(" - x + x");
    let results = check_and_evaluate_chain("sum_chain", &chain_campaign(&sum, "v > 0"));
    assert_eq!(
        results,
        [(true, json!(2 * 89_998)), (false, json!(0)), (true, json!(7 * 89_998))]
    );
}

/// A conjunction of 90,000 comparisons: every one holds for `x` = 2; the first fails for 0
/// (and the rest are not evaluated); only the last fails for 7.
#[test]
fn a_conjunction_of_ninety_thousand_conditions() {
    let mut all = vec!["x > 0"; 89_999].join(" and ");
    all.push_str(" and x < 5");
    let results = check_and_evaluate_chain("and_chain", &chain_campaign("x", &all));
    assert_eq!(results, [(true, json!(2)), (false, json!(0)), (false, json!(7))]);
}

/// A disjunction of 9,000 conditions (as long chains as the others, which take long enough in
/// debug builds), only the last of which can hold.
#[test]
fn a_long_disjunction() {
    let mut any = vec!["x > 100"; 8_999].join(" or ");
    any.push_str(" or x = 7");
    let results = check_and_evaluate_chain("or_chain", &chain_campaign("x", &any));
    assert_eq!(results, [(false, json!(2)), (false, json!(0)), (true, json!(7))]);
}

/// What still nests without brackets is refused past the bracket limit: `.field` after
/// `.field`, and aggregates in the filters of aggregates.
#[test]
fn fields_and_aggregates_nested_without_brackets() {
    let deep_path = format!("x{}", ".a".repeat(90_000));
    let (code, codes, _) = check_file("deep_path", &chain_campaign(&deep_path, "v > 0"));
    assert_eq!((code, codes), (Some(1), vec!["parse::too_deep".to_string()]));
    let nested = |n: usize| {
        format!(
            "campaign \"nested\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    items: list of {{\n      n: count\n    }}\n  }}\n\n  \
             value v = {}0\n\n  eligible when {{\n    v > 0  \"r\"\n  }}\n}}\n",
            // Not `n < ...`: inside the inner walks `n` could be any enclosing item's
            // (`check::ambiguous_name`); nesting is what is measured here.
            "count of items where 0 < ".repeat(n)
        )
    };
    let (code, codes, _) = check_file("nested_aggregates", &nested(5_000));
    assert_eq!((code, codes), (Some(1), vec!["parse::too_deep".to_string()]));
    let (code, codes, _) = check_file("nested_aggregates_ok", &nested(campaign::syntax::MAX_NESTING));
    assert_eq!((code, codes), (Some(0), vec![]));
}

#[test]
fn file_over_the_size_limit() {
    let mut text = campaign_with_condition("a");
    let filler = format!("# {}\n", "x".repeat(98));
    while text.len() <= campaign::syntax::MAX_FILE_BYTES {
        text.push_str(&filler);
    }
    let (code, codes, _) = check_file("too_large", &text);
    assert_eq!(code, Some(1));
    assert_eq!(codes, ["parse::file_too_large"]);
}

#[test]
fn too_many_conditions() {
    let n = campaign::check::MAX_CONDITIONS + 1;
    let conditions: String = (0..n).map(|i| format!("    a  \"reason {i}\"\n")).collect();
    let text = format!(
        "campaign \"limits\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    a: bool\n  }}\n\n  \
         eligible when {{\n{conditions}  }}\n}}\n"
    );
    let (code, codes, _) = check_file("conditions", &text);
    assert_eq!(code, Some(1));
    assert!(codes.contains(&"check::too_large".to_string()), "{codes:?}");
}

#[test]
fn too_many_periods() {
    // 2000-01-01 through 2040-01-01: 14,611 days.
    let text = "campaign \"limits\" {\n  timezone Asia/Shanghai\n\n  periods settlement = days 2000-01-01 through \
                2040-01-01\n\n  facts {\n    a: bool\n  }\n\n  eligible when {\n    a  \"reason\"\n  }\n}\n";
    const { assert!(campaign::check::MAX_PERIODS < 14_611) };
    let (code, codes, _) = check_file("periods", text);
    assert_eq!(code, Some(1));
    assert!(codes.contains(&"check::invalid_periods".to_string()), "{codes:?}");
}

/// Each definition uses the previous one twice: checking each use again
/// would take 2^60 steps.
#[test]
fn chain_of_definitions_each_using_the_previous_twice() {
    // Scalar definitions are checked once.
    let lets: String = (0..60).map(|i| format!("  let v{} = v{i} and v{i}\n", i + 1)).collect();
    let text = format!(
        "campaign \"chain\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    a: bool\n  }}\n\n  let v0 = a\n{lets}\n  \
         eligible when {{\n    v60  \"reason\"\n  }}\n}}\n"
    );
    let (code, codes, _) = check_file("chain_scalar", &text);
    assert_eq!((code, codes), (Some(0), vec![]));

    // List definitions are checked where they are used: the work limit stops it.
    let lets: String = (0..40)
        .map(|i| format!("  let l{} = l{i} where n < count of l{i}\n", i + 1))
        .collect();
    let text = format!(
        "campaign \"chain\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    a: bool\n    items: list of {{\n      \
         n: count\n    }}\n  }}\n\n  let l0 = items where n >= 0\n{lets}  value kept = count of l40\n\n  \
         eligible when {{\n    a  \"reason\"\n  }}\n}}\n"
    );
    // It must finish (a hang would never reach the assertion); how fast is for the benchmarks.
    let (code, codes, _) = check_file("chain_list", &text);
    assert!(
        code == Some(0) || codes.contains(&"check::too_large".to_string()),
        "{code:?} {codes:?}"
    );
}

#[test]
fn a_value_cannot_depend_on_itself() {
    let text = "campaign \"cycle\" {\n  timezone Asia/Shanghai\n\n  facts {\n    a: bool\n  }\n\n  \
                let x = y and a\n  let y = z\n  let z = x\n\n  eligible when {\n    x  \"reason\"\n  }\n}\n";
    let (code, codes, _) = check_file("cycle", text);
    assert_eq!(code, Some(1));
    assert!(codes.contains(&"check::cyclic_definition".to_string()), "{codes:?}");
    let text = "campaign \"cycle\" {\n  timezone Asia/Shanghai\n\n  facts {\n    a: bool\n  }\n\n  \
                let x = x\n\n  eligible when {\n    x  \"reason\"\n  }\n}\n";
    let (code, codes, _) = check_file("self", text);
    assert_eq!(code, Some(1));
    assert!(codes.contains(&"check::cyclic_definition".to_string()), "{codes:?}");
}

/// Found by fuzzing (`check` target): a campaign with two `facts` blocks
/// declaring the same nested list, a per-item definition and an aggregate of
/// it sent `uses_rank` (src/check/checker.rs) into endless recursion (a failed
/// computed field shifted the indices of the others); fixed, kept as a regression.
#[test]
fn fuzz_check_duplicate_facts_does_not_overflow() {
    let text = std::fs::read_to_string(bad_fixture("fuzz-check-duplicate-facts-recursion.campaign")).unwrap();
    let (code, codes, _) = check_file("fuzz_duplicate_facts", &text);
    assert_eq!(code, Some(1));
    assert!(codes.contains(&"check::duplicate_definition".to_string()), "{codes:?}");
}

/// Nested aggregates over a record of 2,000 programs × 50 orders complete
/// (no timing assertion: evaluation is linear in the record's size).
#[test]
fn nested_aggregates_over_a_large_record_complete() {
    let dir = scratch("nested");
    let facts = dir.join("facts.ndjson");
    let programs: Vec<Value> = (0..2_000)
        .map(|i| {
            let orders: Vec<Value> = (0..50)
                .map(|j| json!({"amount": format!("{j}.{:02}", i % 100), "posted": j % 3 != 0}))
                .collect();
            json!({"id": format!("p{i}"), "orders": orders})
        })
        .collect();
    let big = json!({"id": "big", "programs": programs});
    std::fs::write(&facts, format!("{big}\n{{\"id\":\"small\",\"programs\":[]}}\n")).unwrap();
    let out = evaluate(&bad_fixture("nested-aggregates.campaign"), &facts, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let results = lines(&out);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["eligible"], true);
    assert_eq!(results[0]["values"]["posted_orders"], 2_000 * 33);
    assert_eq!(results[1]["eligible"], false);
    assert_eq!(summary(&out), (2, 2, 0));
}

/// An aggregate of a list inside that list's own filter used to be evaluated
/// again for every item (time growing with the square of the list); it is now
/// computed once per record.
#[test]
fn aggregate_inside_a_filter_is_linear() {
    let dir = scratch("quadratic");
    let facts = dir.join("facts.ndjson");
    let items: Vec<Value> = (0..100_000).map(|i| json!({"n": i})).collect();
    std::fs::write(&facts, format!("{}\n", json!({"id": "q", "items": items}))).unwrap();
    let out = evaluate(&bad_fixture("aggregate-in-filter.campaign"), &facts, &["--jobs", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&out)[0]["values"]["above_average"], 50_000);
}

/// A chain of list definitions each filtered by an aggregate of the previous
/// one used to take (items)^(levels) time; each aggregate is now computed once
/// per record.
#[test]
fn chained_list_definitions_are_linear() {
    let dir = scratch("list_chain");
    let facts = dir.join("facts.ndjson");
    let items: Vec<Value> = (0..40).map(|i| json!({"n": i})).collect();
    std::fs::write(&facts, format!("{}\n", json!({"id": "c", "items": items}))).unwrap();
    let out = evaluate(&bad_fixture("list-chain.campaign"), &facts, &["--jobs", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&out)[0]["values"]["kept"], 40);
}

/// Computed fields built from other computed fields, each using the one before
/// twice, would take 2^(chain length) steps per item without a cache; each is
/// computed once per item.
#[test]
fn chained_computed_fields_are_linear() {
    let dir = scratch("field_chain");
    let mut fields = String::from("  let f0 of items = n > 0\n");
    for k in 1..=48 {
        fields.push_str(&format!("  let f{k} of items = f{} and f{}\n", k - 1, k - 1));
    }
    let policy = dir.join("chain.campaign");
    std::fs::write(
        &policy,
        format!(
            "campaign \"computed field chain\" {{\n  timezone Asia/Shanghai\n\n  facts {{\n    items: list of {{\n      n: count\n    }}\n  }}\n\n{fields}\n  value kept = count of items where f48\n\n  eligible when {{\n    kept > 0  \"needs items\"\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let facts = dir.join("facts.ndjson");
    let items: Vec<Value> = (0..200).map(|i| json!({"n": i % 4})).collect();
    std::fs::write(&facts, format!("{}\n", json!({"id": "c", "items": items}))).unwrap();
    let out = evaluate(&policy, &facts, &["--jobs", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&out)[0]["values"]["kept"], 150);
}

/// A syntax error 100,000 columns to the right on one long line: the graphical report cannot
/// draw a snippet that wide (its column padding would overflow), so the diagnostic is reported
/// with its place and without the snippet, and nothing panics.
#[test]
fn an_error_far_right_on_a_very_long_line_is_reported_without_a_snippet() {
    let dir = crate::harness::TempDir::new("robustness", "long_line_error");
    let terms = vec!["x"; 25_000].join(" + ");
    let text = format!(
        "campaign \"c\" {{ timezone Asia/Shanghai unit points facts {{ x: count }} value v = {terms} + ) \
         eligible when {{ v > 0 \"r\" }} reward p = v as points }}"
    );
    let file = dir.join("wide.campaign");
    std::fs::write(&file, &text).unwrap();
    let column = text.find(" + )").unwrap() + 4;
    for format in ["human", "plain"] {
        let run = crate::harness::campaign(&["check", "--format", format, file.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{format}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("wide.campaign:1:{column} (the line is too long to show)")),
            "{format}: {}",
            run.stderr
        );
    }
}
