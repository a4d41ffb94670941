//! Property tests that run in CI (a few seconds in a debug build).
//!
//! - Generated fact files never panic the reader or the evaluator, and every
//!   input record yields exactly one result or error, for each of the six
//!   seed policies and for NDJSON, JSON arrays and (flat policies) CSV.
//! - Mutated campaign texts never panic `check`; every diagnostic's spans lie
//!   within the text and on character boundaries; a mutant that checks
//!   evaluates the contract examples without panicking.
//!
//! The bodies run on a thread with an ordinary 8 MB main-thread stack (the
//! test harness's threads have 2 MB).

use campaign::check::{Program, check};
use campaign::eval::{Evaluator, report};
use campaign::facts::{Format, InputRecord, RecordError, read_records};
use campaign::program::schema::{FactType, RecordSchema};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::harness::root;

const SIX: [&str; 6] = [
    "channels-alliance-admission-2024",
    "channels-brand-coldstart-2023",
    "channels-edu-back-to-school-2024",
    "douyin-trade-miniprogram-2023",
    "kuaishou-provider-gmv-2022",
    "kuaishou-provider-industry-2022",
];

fn policy_text(name: &str) -> String {
    std::fs::read_to_string(root().join(format!("policies/{name}.campaign"))).unwrap()
}

fn program(name: &str) -> Program {
    let checked = check(&policy_text(name));
    checked
        .program
        .unwrap_or_else(|| panic!("{name} does not check: {:?}", checked.diagnostics))
}

/// Runs `body` on a thread with an 8 MB stack, an ordinary main thread's.
fn on_big_stack(body: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(body)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Generated fact records

/// A JSON string literal for `s`.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Odd values of any type, as JSON text.
fn odd_value() -> BoxedStrategy<String> {
    prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("0".to_string()),
        Just("-0".to_string()),
        Just("-1".to_string()),
        Just("1.5".to_string()),
        Just("-0.0".to_string()),
        Just("1e400".to_string()),
        Just("1E-400".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("79228162514264337593543950335".to_string()),
        Just("79228162514264337593543950336".to_string()),
        Just("0.00000000000000000000000000001".to_string()),
        Just("1234567890123456789012345678901234567890".to_string()),
        Just("\"\"".to_string()),
        Just("\"NaN\"".to_string()),
        Just("\"Infinity\"".to_string()),
        Just("\"12,000\"".to_string()),
        Just("\" 12\"".to_string()),
        Just("\"%\"".to_string()),
        Just("\"9999999999999999999999999999%\"".to_string()),
        Just("\"0.0000000000000000000000000001%\"".to_string()),
        Just("\"2024-02-30T10:00:00+08:00\"".to_string()),
        Just("\"2024-08-22\"".to_string()),
        Just("\"2024-08-22T10:00:00\"".to_string()),
        Just("\"+275760-09-13T00:00:00Z\"".to_string()),
        Just("\"9999999999999999999 days\"".to_string()),
        Just("\"\\u001b[31m\\u0000\\u009b\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[1,[2,[3,{\"a\":null}]]]".to_string()),
        Just("{\"$serde_json::private::Number\":\"1\"}".to_string()),
        any::<String>().prop_map(|s| quoted(&s)),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| serde_json::to_string(&f).unwrap()),
        "-?[0-9]{1,40}(\\.[0-9]{1,40})?([eE][-+]?[0-9]{1,4})?",
        "\"-?[0-9]{1,35}(\\.[0-9]{1,35})?%?\"",
    ]
    .boxed()
}

/// A decimal's text, as a JSON number or a string.
fn decimal_text() -> BoxedStrategy<String> {
    let text = "-?[0-9]{1,12}(\\.[0-9]{1,4})?";
    prop_oneof![text.prop_map(|t| t.to_string()), text.prop_map(|t| quoted(&t))].boxed()
}

fn timestamp_text() -> BoxedStrategy<String> {
    (
        2021i32..2026,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
        prop_oneof![
            Just("+08:00"),
            Just("Z"),
            Just("-05:30"),
            Just(".999999999+08:00"),
            Just(".5Z")
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, offset)| format!("\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{offset}\""))
        .boxed()
}

/// A value that fits `ty` (texts may be anything), as JSON text.
fn valid_value(ty: &FactType, depth: usize, strict: bool) -> BoxedStrategy<String> {
    match ty {
        FactType::Text => prop_oneof![
            Just(quoted("工具")),
            Just(quoted("购物")),
            Just(quoted("教育培训")),
            Just(quoted("语言培训")),
            Just(quoted("学习/读书卡 ")),
            any::<String>().prop_map(|s| quoted(&s)),
        ]
        .boxed(),
        FactType::Bool => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        FactType::Count => prop_oneof![
            (0u64..2_000).prop_map(|n| n.to_string()),
            (0u64..2_000).prop_map(|n| quoted(&n.to_string())),
        ]
        .boxed(),
        FactType::Decimal | FactType::Money(_) | FactType::Quantity(_) => decimal_text(),
        FactType::Fraction => prop_oneof![
            decimal_text(),
            "[0-9]{1,3}(\\.[0-9]{1,3})?".prop_map(|p| quoted(&format!("{p}%"))),
        ]
        .boxed(),
        FactType::Timestamp => timestamp_text(),
        FactType::Duration => prop_oneof![
            (0i64..10_000_000).prop_map(|n| n.to_string()),
            (
                0u32..400,
                prop_oneof![Just("days"), Just("hours"), Just("weeks"), Just("second")]
            )
                .prop_map(|(n, u)| quoted(&format!("{n} {u}"))),
        ]
        .boxed(),
        FactType::Enum(choices) if !choices.is_empty() => {
            let choices = choices.clone();
            (0..choices.len()).prop_map(move |i| quoted(&choices[i])).boxed()
        }
        FactType::List(item) if depth < 3 => {
            proptest::collection::vec(record_text(item, false, depth + 1, strict), 0..5)
                .prop_map(|items| format!("[{}]", items.join(",")))
                .boxed()
        }
        _ => odd_value(),
    }
}

/// A value for a fact of type `ty`: mostly valid, sometimes null, and (unless
/// `strict`) sometimes odd.
fn fact_value(ty: &FactType, depth: usize, strict: bool) -> BoxedStrategy<String> {
    if strict {
        return prop_oneof![
            40 => valid_value(ty, depth, strict),
            1 => Just("null".to_string()),
        ]
        .boxed();
    }
    prop_oneof![
        12 => valid_value(ty, depth, strict),
        1 => Just("null".to_string()),
        2 => odd_value(),
    ]
    .boxed()
}

fn id_part() -> BoxedStrategy<Option<String>> {
    "[a-z0-9-]{1,8}"
        .prop_map(|id| Some(format!("\"id\":{}", quoted(&id))))
        .boxed()
}

/// A record of `schema` as JSON object text. Noisy (`strict` false): a random
/// subset of its facts with random values, sometimes a duplicate key or an
/// undeclared key. Strict: every required fact, values that mostly fit, so
/// that most records are read and evaluated.
fn record_text(schema: &RecordSchema, top: bool, depth: usize, strict: bool) -> BoxedStrategy<String> {
    let mut parts: Vec<BoxedStrategy<Option<String>>> = Vec::new();
    if top && strict {
        parts.push(id_part());
    } else if top {
        parts.push(
            prop_oneof![
                10 => id_part(),
                1 => any::<String>().prop_map(|id| Some(format!("\"id\":{}", quoted(&id)))),
                1 => odd_value().prop_map(|v| Some(format!("\"id\":{v}"))),
                1 => Just(None),
            ]
            .boxed(),
        );
    }
    for field in &schema.fields {
        let key = quoted(&field.name);
        let value = fact_value(&field.ty, depth, strict);
        let present = value.clone().prop_map(move |v| Some(format!("{key}:{v}")));
        parts.push(if strict && !field.optional {
            present.boxed()
        } else {
            prop_oneof![10 => present, 1 => Just(None)].boxed()
        });
        if !strict {
            // Now and then the same key twice.
            let key = quoted(&field.name);
            parts.push(
                prop_oneof![
                    30 => Just(None),
                    1 => value.prop_map(move |v| Some(format!("{key}:{v}"))),
                ]
                .boxed(),
            );
        }
    }
    parts.push(
        prop_oneof![
            4 => Just(None),
            1 => ("[a-z_]{1,6}", odd_value()).prop_map(|(k, v)| Some(format!("{}:{v}", quoted(&k)))),
        ]
        .boxed(),
    );
    parts
        .prop_shuffle()
        .prop_map(|parts| format!("{{{}}}", parts.into_iter().flatten().collect::<Vec<_>>().join(",")))
        .boxed()
}

/// One NDJSON line's bytes (no line break): mostly a record, sometimes garbage.
fn line_bytes(schema: &RecordSchema) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        12 => record_text(schema, true, 0, true).prop_map(String::into_bytes),
        8 => record_text(schema, true, 0, false).prop_map(String::into_bytes),
        1 => odd_value().prop_map(String::into_bytes),
        1 => Just(Vec::new()),
        1 => Just(b"  \t ".to_vec()),
        1 => proptest::collection::vec(any::<u8>().prop_filter("no line break", |b| *b != b'\n'), 0..40),
        1 => record_text(schema, true, 0, false).prop_flat_map(|r| {
            let len = r.len();
            (Just(r), 0..len.max(1)).prop_map(|(r, cut)| r.into_bytes()[..cut].to_vec())
        }),
    ]
    .boxed()
}

/// The records the NDJSON rules say `bytes` holds: its non-blank lines.
fn non_blank_lines(bytes: &[u8]) -> usize {
    // A line ends at an LF, a CR or a CRLF.
    let text = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| !(b == b'\n' && i > 0 && bytes[i - 1] == b'\r'));
    let bytes: Vec<u8> = text.map(|(_, &b)| if b == b'\r' { b'\n' } else { b }).collect();
    let mut count = 0;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let mut line = line;
        if i == 0 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            count += 1;
        }
    }
    count
}

/// Evaluates what was read; checks one outcome per record and that nothing panics.
fn evaluate_read(program: &Program, items: &[Result<InputRecord, RecordError>]) -> Result<(), TestCaseError> {
    let evaluator = Evaluator::new(program);
    let records: Vec<_> = items.iter().filter_map(|r| r.as_ref().ok()).collect();
    for input in &records {
        if let Ok(outcome) = evaluator.evaluate(&input.record) {
            let json = report::result_json(program, &input.id, &outcome);
            prop_assert!(json.is_object());
            let _ = evaluator.explain(&input.id, &input.record, &outcome);
        }
    }
    let population: Vec<_> = records.iter().map(|r| r.record.clone()).collect();
    let outcomes = evaluator.evaluate_all(&population);
    prop_assert_eq!(outcomes.len(), population.len());
    for e in items.iter().filter_map(|r| r.as_ref().err()) {
        prop_assert!(e.line >= 1);
        prop_assert!(!e.message.is_empty());
    }
    Ok(())
}

fn read_all(program: &Program, format: Format, bytes: &[u8]) -> Vec<Result<InputRecord, RecordError>> {
    match read_records(&program.schema, format, bytes) {
        Ok(items) => items.collect(),
        Err(e) => panic!("{format:?}: the file as a whole was refused: {e}"),
    }
}

fn generated_records_never_panic(name: &'static str) {
    on_big_stack(move || {
        let program = program(name);
        let schema = program.schema.clone();
        let file = (
            proptest::collection::vec(line_bytes(&schema), 0..12),
            any::<bool>(),
            any::<bool>(),
        );
        let mut runner = TestRunner::new(config(96));
        runner
            .run(&file, |(lines, crlf, bom)| {
                // NDJSON: one result or error per non-blank line.
                let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
                for line in &lines {
                    bytes.extend_from_slice(line);
                    bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
                let items = read_all(&program, Format::Ndjson, &bytes);
                prop_assert_eq!(items.len(), non_blank_lines(&bytes));
                let mut last = 0;
                for item in &items {
                    let line = match item {
                        Ok(r) => r.line,
                        Err(e) => e.line,
                    };
                    prop_assert!(line > last, "lines in order");
                    last = line;
                }
                evaluate_read(&program, &items)?;

                // The same records as a JSON array: one item per element when every
                // element is valid JSON.
                let elements: Vec<String> = lines
                    .iter()
                    .filter_map(|l| std::str::from_utf8(l).ok())
                    .filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok())
                    .map(str::to_string)
                    .collect();
                let array = format!("[{}]", elements.join(",\n"));
                let items = read_all(&program, Format::Json, array.as_bytes());
                prop_assert_eq!(items.len(), elements.len());
                evaluate_read(&program, &items)?;
                Ok(())
            })
            .unwrap();
    });
}

#[test]
fn generated_records_never_panic_alliance() {
    generated_records_never_panic(SIX[0]);
}

#[test]
fn generated_records_never_panic_coldstart() {
    generated_records_never_panic(SIX[1]);
}

#[test]
fn generated_records_never_panic_education() {
    generated_records_never_panic(SIX[2]);
}

#[test]
fn generated_records_never_panic_douyin() {
    generated_records_never_panic(SIX[3]);
}

#[test]
fn generated_records_never_panic_kuaishou_gmv() {
    generated_records_never_panic(SIX[4]);
}

#[test]
fn generated_records_never_panic_kuaishou_industry() {
    generated_records_never_panic(SIX[5]);
}

/// A JSON value's text as a CSV cell: strings unquoted, then quoted for CSV
/// when needed.
fn csv_cell(json: &str) -> String {
    let text = serde_json::from_str::<String>(json).unwrap_or_else(|_| json.to_string());
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// CSV (flat policies): one result or error per data row.
#[test]
fn generated_csv_never_panics() {
    on_big_stack(|| {
        for name in SIX {
            let program = program(name);
            if program.schema.fields.iter().any(|f| matches!(f.ty, FactType::List(_))) {
                continue;
            }
            let columns: Vec<String> = std::iter::once("id".to_string())
                .chain(program.schema.fields.iter().map(|f| f.name.clone()))
                .collect();
            let width = columns.len();
            let typed: Vec<BoxedStrategy<String>> = std::iter::once(FactType::Text)
                .chain(program.schema.fields.iter().map(|f| f.ty.clone()))
                .map(|ty| {
                    prop_oneof![
                        6 => valid_value(&ty, 0, true).prop_map(|v| csv_cell(&v)),
                        1 => Just(String::new()),
                        1 => odd_value().prop_map(|v| csv_cell(&v)),
                    ]
                    .boxed()
                })
                .collect();
            let cell = prop_oneof![
                Just(String::new()),
                Just("true".to_string()),
                Just("false".to_string()),
                Just("工具".to_string()),
                Just("2023-12-01T00:00:01+08:00".to_string()),
                Just("12.30".to_string()),
                Just("\"a,b\"".to_string()),
                Just("\"unterminated".to_string()),
                "[ !#-~]{0,12}",
                any::<String>().prop_map(|s| s.replace(['\n', '\r', '"'], " ")),
            ];
            let row = prop_oneof![
                4 => typed,
                1 => proptest::collection::vec(cell, 0..width + 2),
            ];
            let mut runner = TestRunner::new(config(48));
            runner
                .run(&proptest::collection::vec(row, 0..10), |rows| {
                    let mut text = columns.join(",");
                    text.push('\n');
                    for row in &rows {
                        text.push_str(&row.join(","));
                        text.push('\n');
                    }
                    let items = read_all(&program, Format::Csv, text.as_bytes());
                    // An unterminated quote may swallow the following rows; otherwise,
                    // one item per non-empty row.
                    if !text.contains("\"unterminated") {
                        let rows = rows.iter().filter(|r| !r.join(",").is_empty()).count();
                        prop_assert_eq!(items.len(), rows, "{}", text);
                    }
                    evaluate_read(&program, &items)?;
                    Ok(())
                })
                .unwrap();
        }
    });
}

// ---------------------------------------------------------------------------
// Mutated campaign texts

/// One edit of a campaign text.
#[derive(Debug, Clone)]
enum Mutation {
    /// Delete the character at (index mod length).
    DeleteChar(usize),
    /// Insert a character.
    InsertChar(usize, char),
    /// Replace a character.
    ReplaceChar(usize, char),
    /// Insert a token (a word of the language, a number, punctuation).
    InsertToken(usize, &'static str),
    /// Delete the token at a position (a run of non-space characters).
    DeleteToken(usize),
    /// Replace the token at a position.
    ReplaceToken(usize, &'static str),
    /// Drop a line.
    DropLine(usize),
    /// Swap two lines.
    SwapLines(usize, usize),
    /// Duplicate a line.
    DuplicateLine(usize),
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "#",
    "=",
    "<",
    "≤",
    "≥",
    "%",
    "×",
    "÷",
    "-",
    "+",
    "..",
    "not",
    "and",
    "or",
    "if unknown false",
    "is known",
    "sum of",
    "count of",
    "where",
    "let",
    "value",
    "reward",
    "eligible when",
    "per month in",
    "rounded down",
    "at most",
    "0",
    "1",
    "0.5",
    "99999999999999999999999999999",
    "30 days",
    "2024-02-30",
    "2024-08-22 10:00",
    "CNY",
    "points",
    "x",
    "products",
    "facts",
    "timezone Asia/Shanghai",
    "budget 0 per month of applied_at",
    "\n",
    "\t",
    "（",
    "。",
    "\u{0}",
    "\u{1b}",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let token = proptest::sample::select(TOKENS);
    let ch = prop_oneof![
        any::<char>(),
        proptest::sample::select(vec!['(', ')', '{', '}', '"', '\n', '#', ' ', '.', ':', '%', '0', '9']),
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteChar),
        (any::<usize>(), ch.clone()).prop_map(|(i, c)| Mutation::InsertChar(i, c)),
        (any::<usize>(), ch).prop_map(|(i, c)| Mutation::ReplaceChar(i, c)),
        (any::<usize>(), token.clone()).prop_map(|(i, t)| Mutation::InsertToken(i, t)),
        any::<usize>().prop_map(Mutation::DeleteToken),
        (any::<usize>(), token).prop_map(|(i, t)| Mutation::ReplaceToken(i, t)),
        any::<usize>().prop_map(Mutation::DropLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
    ]
}

/// The char boundary at (index mod (len + 1)).
fn boundary(text: &str, index: usize) -> usize {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    bounds[index % bounds.len()]
}

/// The token (a run of non-whitespace) around a char boundary.
fn token_at(text: &str, index: usize) -> (usize, usize) {
    let at = boundary(text, index);
    let start = text[..at]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(text.len(), |(i, _)| at + i);
    (start, end)
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut out = text.to_string();
    match m {
        Mutation::DeleteChar(i) => {
            let at = boundary(text, *i);
            if let Some(c) = text[at..].chars().next() {
                out.replace_range(at..at + c.len_utf8(), "");
            }
        }
        Mutation::InsertChar(i, c) => out.insert(boundary(text, *i), *c),
        Mutation::ReplaceChar(i, c) => {
            let at = boundary(text, *i);
            if let Some(old) = text[at..].chars().next() {
                out.replace_range(at..at + old.len_utf8(), &c.to_string());
            }
        }
        Mutation::InsertToken(i, t) => out.insert_str(boundary(text, *i), &format!(" {t} ")),
        Mutation::DeleteToken(i) => {
            let (start, end) = token_at(text, *i);
            out.replace_range(start..end, "");
        }
        Mutation::ReplaceToken(i, t) => {
            let (start, end) = token_at(text, *i);
            out.replace_range(start..end, t);
        }
        Mutation::DropLine(i) | Mutation::DuplicateLine(i) | Mutation::SwapLines(i, _) => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            let n = lines.len();
            let a = i % n;
            match m {
                Mutation::DropLine(_) => {
                    lines.remove(a);
                }
                Mutation::DuplicateLine(_) => lines.insert(a, lines[a]),
                Mutation::SwapLines(_, j) => lines.swap(a, j % n),
                _ => {}
            }
            out = lines.join("\n");
        }
    }
    out
}

fn contract_examples(name: &str) -> Vec<u8> {
    std::fs::read(root().join(format!("tests/fixtures/contract/{name}.ndjson"))).unwrap()
}

#[test]
fn mutated_campaigns_never_panic() {
    on_big_stack(|| {
        let texts: Vec<(&str, String)> = SIX.iter().map(|&name| (name, policy_text(name))).collect();
        let strategy = (0..SIX.len(), proptest::collection::vec(mutation(), 1..4));
        let mut runner = TestRunner::new(config(1000));
        let checked_ok = std::cell::Cell::new(0usize);
        runner
            .run(&strategy, |(which, mutations)| {
                let (name, original) = &texts[which];
                let mut text = original.clone();
                for m in &mutations {
                    text = apply(&text, m);
                }
                let checked = check(&text);
                for d in &checked.diagnostics {
                    for label in &d.labels {
                        let span = label.span;
                        prop_assert!(
                            span.start <= span.end && span.end <= text.len(),
                            "{}: span {:?} outside the text ({} bytes)",
                            d.code,
                            span,
                            text.len()
                        );
                        prop_assert!(
                            text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                            "{}: span {:?} not on a char boundary",
                            d.code,
                            span
                        );
                    }
                    prop_assert!(!d.message.is_empty());
                }
                prop_assert_eq!(checked.program.is_some(), !checked.has_errors());
                if let Some(program) = &checked.program {
                    checked_ok.set(checked_ok.get() + 1);
                    let examples = contract_examples(name);
                    let items = read_all(program, Format::Ndjson, &examples);
                    prop_assert_eq!(items.len(), non_blank_lines(&examples));
                    evaluate_read(program, &items)?;
                }
                Ok(())
            })
            .unwrap();
        // Some mutants (a changed comment, a changed reason) still check.
        assert!(checked_ok.get() > 0, "no mutant checked");
    });
}

/// The unmutated policies check and their spans are sane (a baseline for the
/// mutation test).
#[test]
fn seed_policies_check() {
    for name in SIX {
        let checked = check(&policy_text(name));
        assert!(checked.program.is_some(), "{name}: {:?}", checked.diagnostics);
    }
}
