//! Fact files are read without losing, inventing or merging a record, and
//! without silently ignoring a misspelt field (issue 14 item 2; issue 15
//! items 1–4 and 11). Every example of the issues, run through the binary.

use std::path::Path;

use crate::harness::{Run, TempDir, campaign, command};

/// A flat campaign with an optional yes/no fact that takes the reward away.
const FLAT: &str = r#"campaign "c" {
  timezone Asia/Shanghai
  unit points
  facts {
    gmv: money CNY
    fraud_flagged: bool, optional
  }
  eligible when {
    gmv ≥ 1 CNY  "GMV 需达到 1 元"
    not (fraud_flagged if unknown false)  "风控标记商家不参与"
  }
  reward points = gmv × 1% as points, rounded down
}
"#;

/// A campaign with a list fact.
const NESTED: &str = r#"campaign "n" {
  timezone Asia/Shanghai
  unit points
  facts {
    sales: list of { amount: money CNY, refunded: bool, optional }
  }
  let kept = sum of sales.amount where not (refunded if unknown false)
  eligible when { kept ≥ 1 CNY  "有效销售额需达到 1 元" }
  reward points = kept × 1% as points, rounded down
}
"#;

fn setup(name: &str, campaign: &str) -> TempDir {
    let dir = TempDir::new("fact_files", name);
    std::fs::write(dir.join("c.campaign"), campaign).unwrap();
    dir
}

fn evaluate(dir: &Path, facts: &str, extra: &[&str]) -> Run {
    let policy = dir.join("c.campaign");
    let facts = if facts == "-" {
        "-".to_owned()
    } else {
        dir.join(facts).display().to_string()
    };
    let mut args = vec!["evaluate", policy.to_str().unwrap(), "--facts", &facts];
    args.extend_from_slice(extra);
    campaign(&args)
}

/// The ids of the result lines (not the error objects).
fn result_ids(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("error").is_none())
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ndjson_records(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!(r#"{{"id":"r{i}","gmv":{i}}}"#)).collect()
}

#[test]
fn a_stray_quote_in_a_csv_row_spoils_only_that_row() {
    let dir = setup("stray_quote", FLAT);
    let mut csv = String::from("id,gmv,note\n");
    for i in 1..=1000 {
        if i == 10 {
            csv.push_str("r10,10,\"5 inch screen\n");
        } else {
            csv.push_str(&format!("r{i},{i},ok\n"));
        }
    }
    std::fs::write(dir.join("f.csv"), csv).unwrap();
    let run = evaluate(&dir, "f.csv", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(result_ids(&run.stdout).len(), 999);
    assert!(
        run.stderr
            .contains("f.csv:11 (record `r10`): a quote opened in this row is never closed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("reading goes on at line 12"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("1000 records read: 999 eligible, 0 not eligible, 1 failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_syntax_error_in_a_json_array_spoils_only_that_record() {
    let dir = setup("json_syntax", FLAT);
    let mut records = ndjson_records(1000);
    records[8] = r#"{"id":"r9" "gmv":9}"#.into();
    std::fs::write(dir.join("f.json"), format!("[\n{}\n]\n", records.join(",\n"))).unwrap();
    let run = evaluate(&dir, "f.json", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(result_ids(&run.stdout).len(), 999);
    assert!(
        run.stderr
            .contains("f.json:10:12 (record `r9`): invalid JSON: expected `,` or `}`; line 10"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1000 records read: 999 eligible"), "{}", run.stderr);
    let policy = dir.join("c.campaign");
    let facts = dir.join("f.json");
    let run = campaign(&[
        "explain",
        policy.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--id",
        "r500",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("r500: eligible"), "{}", run.stdout);
}

#[test]
fn a_missing_comma_in_a_json_array_spoils_only_the_record_after_it() {
    let dir = setup("json_comma", FLAT);
    let records = ndjson_records(1000);
    let text = format!("[\n{}\n{}\n]\n", records[..20].join(",\n"), records[20..].join(",\n"));
    std::fs::write(dir.join("f.json"), text).unwrap();
    let run = evaluate(&dir, "f.json", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(result_ids(&run.stdout).len(), 999);
    assert!(
        run.stderr
            .contains("f.json:22:1 (record `r21`): invalid JSON: expected `,` before this record"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_broken_json_array_says_exactly_what_was_not_read() {
    let dir = setup("json_unread", FLAT);
    let mut records = ndjson_records(1000);
    records[8] = r#"{"id":"r9, "gmv":9}"#.into();
    // One record per line: reading goes on at the next line.
    let text = format!("[\n{}\n]\n", records.join(",\n"));
    std::fs::write(dir.join("lines.json"), &text).unwrap();
    let run = evaluate(&dir, "lines.json", &[]);
    assert_eq!(result_ids(&run.stdout).len(), 999);
    let start = text.find(r#"{"id":"r9, "#).unwrap();
    let line_end = start + text[start..].find('\n').unwrap();
    let unread = format!(
        "line 10 (bytes {}–{}, up to the next record) was not read; reading goes on at line 11",
        start + 1,
        line_end + 1
    );
    assert!(run.stderr.contains(&unread), "{}", run.stderr);
    // All on one line: the rest of the file cannot be read, and that is said.
    let text = format!("[{}]", records.join(", "));
    std::fs::write(dir.join("one.json"), &text).unwrap();
    let run = evaluate(&dir, "one.json", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(result_ids(&run.stdout).len(), 8);
    let start = text.find(r#"{"id":"r9, "#).unwrap();
    let unread = format!(
        "line 1 (bytes {}–{}, up to the end of the file) was not read",
        start + 1,
        text.len()
    );
    assert!(run.stderr.contains(&unread), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("9 records read: 8 eligible, 0 not eligible, 1 failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn text_after_a_json_array_is_an_error() {
    let dir = setup("json_trailing", FLAT);
    std::fs::write(dir.join("f.json"), r#"[{"id":"a","gmv":1}] {"id":"b","gmv":2}"#).unwrap();
    let run = evaluate(&dir, "f.json", &[]);
    assert_eq!(run.code, 1);
    assert_eq!(result_ids(&run.stdout), ["a"]);
    assert!(
        run.stderr
            .contains("f.json:1:22: invalid JSON: text after the closing `]` of the array"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains(r#""id":"b""#), "{}", run.stdout);
}

#[test]
fn cr_only_line_ends_are_line_ends() {
    let dir = setup("cr", FLAT);
    std::fs::write(
        dir.join("f.ndjson"),
        "{\"id\":\"a\",\"gmv\":1}\r{\"id\":\"b\",\"gmv\":2}\r\r{\"id\":\"c\",\"gmv\":x}\r",
    )
    .unwrap();
    let run = evaluate(&dir, "f.ndjson", &[]);
    assert_eq!(result_ids(&run.stdout), ["a", "b"]);
    assert!(run.stderr.contains("f.ndjson:4:"), "{}", run.stderr);
    std::fs::write(dir.join("f.csv"), "id,gmv\r\"a\",1\rb,2\rc,x\r").unwrap();
    let run = evaluate(&dir, "f.csv", &[]);
    assert_eq!(result_ids(&run.stdout), ["a", "b"]);
    assert!(run.stderr.contains("f.csv:4 (record `c`)"), "{}", run.stderr);
}

#[test]
fn a_utf16_file_with_a_byte_order_mark_is_decoded_and_said() {
    let dir = setup("utf16", FLAT);
    let text = "{\"id\":\"店铺\",\"gmv\":100}\n{\"id\":\"b\",\"gmv\":200}\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.join("f.ndjson"), bytes).unwrap();
    let run = evaluate(&dir, "f.ndjson", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(result_ids(&run.stdout), ["店铺", "b"]);
    assert!(
        run.stderr.contains("note: ") && run.stderr.contains("it is read as UTF-16LE"),
        "{}",
        run.stderr
    );
    // Without a byte order mark: refused, naming the encoding to pass.
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    std::fs::write(dir.join("g.ndjson"), bytes).unwrap();
    let run = evaluate(&dir, "g.ndjson", &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("pass --encoding utf-16be"), "{}", run.stderr);
    let run = evaluate(&dir, "g.ndjson", &["--encoding", "UTF-16BE"]);
    assert_eq!(result_ids(&run.stdout), ["店铺", "b"], "{}", run.stderr);
}

#[test]
fn a_gb18030_csv_names_its_encoding_and_reads_with_it() {
    let dir = setup("gb18030", FLAT);
    let (bytes, _, _) = encoding_gb18030("id,gmv,备注\n店铺一,100,中文说明\n店铺二,200,\n");
    std::fs::write(dir.join("f.csv"), &bytes).unwrap();
    let run = evaluate(&dir, "f.csv", &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("this file is not UTF-8"), "{}", run.stderr);
    assert!(
        run.stderr.contains("it reads as gb18030: pass --encoding gb18030"),
        "{}",
        run.stderr
    );
    let run = evaluate(&dir, "f.csv", &["--encoding", "gb18030"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(result_ids(&run.stdout), ["店铺一", "店铺二"]);
    let run = evaluate(&dir, "f.csv", &["--encoding", "klingon"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`klingon` is not an encoding"), "{}", run.stderr);
}

/// GB18030 bytes for `text`, written by hand for the few characters used
/// (the test does not depend on the encoder it checks).
fn encoding_gb18030(text: &str) -> (Vec<u8>, (), ()) {
    let table: &[(char, [u8; 2])] = &[
        ('备', [0xB1, 0xB8]),
        ('注', [0xD7, 0xA2]),
        ('店', [0xB5, 0xEA]),
        ('铺', [0xC6, 0xCC]),
        ('一', [0xD2, 0xBB]),
        ('二', [0xB6, 0xFE]),
        ('中', [0xD6, 0xD0]),
        ('文', [0xCE, 0xC4]),
        ('说', [0xCB, 0xB5]),
        ('明', [0xC3, 0xF7]),
    ];
    let mut out = Vec::new();
    for c in text.chars() {
        match table.iter().find(|(k, _)| *k == c) {
            Some((_, bytes)) => out.extend_from_slice(bytes),
            None => {
                assert!(c.is_ascii());
                out.push(c as u8);
            }
        }
    }
    (out, (), ())
}

#[test]
fn a_folder_given_as_facts_is_a_usage_error() {
    let dir = setup("folder", FLAT);
    std::fs::create_dir(dir.join("facts.json")).unwrap();
    let run = evaluate(&dir, "facts.json", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("are a folder"), "{}", run.stderr);
}

#[test]
fn facts_from_standard_input_need_their_format() {
    let dir = setup("stdin", FLAT);
    let policy = dir.join("c.campaign");
    let run = campaign(&["evaluate", policy.to_str().unwrap(), "--facts", "-"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("add `--facts-format ndjson`"), "{}", run.stderr);
    for (format, input) in [
        ("ndjson", "{\"id\":\"a\",\"gmv\":1}\n{\"id\":\"b\",\"gmv\":2}\n"),
        ("json", "[{\"id\":\"a\",\"gmv\":1},{\"id\":\"b\",\"gmv\":2}]"),
        ("csv", "id,gmv\na,1\nb,2\n"),
    ] {
        let out = command()
            .args([
                "evaluate",
                policy.to_str().unwrap(),
                "--facts",
                "-",
                "--facts-format",
                format,
            ])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            result_ids(&String::from_utf8(out.stdout).unwrap()),
            ["a", "b"],
            "{format}"
        );
    }
}

#[test]
fn facts_format_overrides_the_extension() {
    let dir = setup("override", FLAT);
    std::fs::write(dir.join("export.txt"), "id,gmv\na,1\n").unwrap();
    let run = evaluate(&dir, "export.txt", &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--facts-format"), "{}", run.stderr);
    let run = evaluate(&dir, "export.txt", &["--facts-format", "csv"]);
    assert_eq!(
        (run.code, result_ids(&run.stdout)),
        (0, vec!["a".to_owned()]),
        "{}",
        run.stderr
    );
    std::fs::write(
        dir.join("lines.json"),
        "{\"id\":\"a\",\"gmv\":1}\n{\"id\":\"b\",\"gmv\":1}\n",
    )
    .unwrap();
    let run = evaluate(&dir, "lines.json", &["--facts-format", "ndjson"]);
    assert_eq!(result_ids(&run.stdout), ["a", "b"], "{}", run.stderr);
}

#[test]
fn a_misspelt_optional_fact_is_warned_about_once_with_a_count() {
    let dir = setup("misspelt", FLAT);
    let lines: Vec<String> = (1..=1234)
        .map(|i| format!(r#"{{"id":"r{i}","gmv":{i},"fraud_flaged":true,"region":"north"}}"#))
        .collect();
    std::fs::write(dir.join("f.ndjson"), lines.join("\n")).unwrap();
    std::fs::write(dir.join("f.json"), format!("[{}]", lines.join(","))).unwrap();
    let mut csv = String::from("id,gmv,Fraud-Flagged,region\n");
    for i in 1..=1234 {
        csv.push_str(&format!("r{i},{i},true,north\n"));
    }
    std::fs::write(dir.join("f.csv"), csv).unwrap();
    for (file, field) in [
        ("f.ndjson", "fraud_flaged"),
        ("f.json", "fraud_flaged"),
        ("f.csv", "Fraud-Flagged"),
    ] {
        for jobs in ["1", "3"] {
            let run = evaluate(&dir, file, &["--jobs", jobs]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let warning = format!(
                "warning: {}: field `{field}` (in 1,234 records) is not a declared fact; did you mean `fraud_flagged`?",
                dir.join(file).display()
            );
            assert_eq!(run.stderr.matches("warning:").count(), 1, "{file}: {}", run.stderr);
            assert!(run.stderr.contains(&warning), "{file}: {}", run.stderr);
        }
    }
}

#[test]
fn a_misspelt_field_of_a_list_item_is_warned_about() {
    let dir = setup("misspelt_nested", NESTED);
    let line = r#"{"id":"a","sales":[{"amount":10,"refundd":true},{"amount":5}]}"#;
    std::fs::write(dir.join("f.ndjson"), format!("{line}\n{line}\n")).unwrap();
    let run = evaluate(&dir, "f.ndjson", &[]);
    assert!(
        run.stderr.contains(
            "field `sales[].refundd` (in 2 list items) is not a declared fact; did you mean `sales[].refunded`?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn strict_facts_make_every_undeclared_field_an_error() {
    let dir = setup("strict", FLAT);
    std::fs::write(
        dir.join("f.ndjson"),
        "{\"id\":\"a\",\"gmv\":1,\"fraud_flaged\":true}\n{\"id\":\"b\",\"gmv\":1,\"region\":\"x\"}\n{\"id\":\"c\",\"gmv\":1}\n",
    )
    .unwrap();
    let run = evaluate(&dir, "f.ndjson", &["--strict-facts"]);
    assert_eq!(run.code, 1);
    assert_eq!(result_ids(&run.stdout), ["c"]);
    assert!(
        run.stderr
            .contains("f.ndjson:1 (record `a`): `fraud_flaged`: not a declared fact; did you mean `fraud_flagged`?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("f.ndjson:2 (record `b`): `region`: not a declared fact (--strict-facts)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("warning:"), "{}", run.stderr);
    std::fs::write(dir.join("f.csv"), "id,gmv,region\na,1,x\nb,1,\n").unwrap();
    let run = evaluate(&dir, "f.csv", &["--strict-facts"]);
    assert_eq!(result_ids(&run.stdout), ["b"]);
    assert!(
        run.stderr.contains("(record `a`): `region`: not a declared fact"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_required_fact_suggests_the_field_that_looks_like_it() {
    let dir = setup("missing_required", FLAT);
    std::fs::write(dir.join("f.ndjson"), "{\"id\":\"a\",\"GMV\":1}\n").unwrap();
    let run = evaluate(&dir, "f.ndjson", &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "`gmv`: missing required fact; the record has `GMV`, which is not a declared fact: did you mean `gmv`?"
        ),
        "{}",
        run.stderr
    );
    std::fs::write(dir.join("f.csv"), "id,gvm\na,1\n").unwrap();
    let run = evaluate(&dir, "f.csv", &[]);
    assert!(
        run.stderr.contains("help: the header has `gvm`: did you mean `gmv`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_undeclared_fact_in_a_tests_file_is_an_error() {
    let dir = setup("tests_file", FLAT);
    std::fs::write(
        dir.join("c.tests"),
        "case \"flagged\" {\n  facts {\"gmv\": 5, \"fraud_flaged\": true}\n  expect eligible = false\n}\n",
    )
    .unwrap();
    let run = campaign(&["test", dir.join("c.campaign").to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(out.contains("`fraud_flaged` is not a fact of the campaign"), "{out}");
    assert!(out.contains("did you mean `fraud_flagged`?"), "{out}");
}
