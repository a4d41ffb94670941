//! The command line: `campaign check` and `campaign evaluate`, their formats,
//! error reporting and exit codes (0 ok, 1 a record failed or a campaign has
//! errors, 2 a usage error).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::harness::{Run, TempDir, campaign, command, root};

// ---------------------------------------------------------------------------
// Helpers

/// A fresh folder for one test's files.
fn scratch(test: &str) -> TempDir {
    TempDir::new("cli", test)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn policy(name: &str) -> String {
    format!("policies/{name}.campaign")
}

const DOUYIN: &str = "douyin-trade-miniprogram-2023";
const COLDSTART: &str = "channels-brand-coldstart-2023";
const EDU: &str = "channels-edu-back-to-school-2024";
const KS_GMV: &str = "kuaishou-provider-gmv-2022";
const ALLIANCE: &str = "channels-alliance-admission-2024";

fn contract_facts(name: &str) -> String {
    format!("tests/fixtures/contract/{name}.ndjson")
}

fn ndjson(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

fn ids(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The summary line's numbers: (read, eligible, not eligible, failed), after checking that
/// it reconciles: "N records read: E eligible, I not eligible, F failed (R results + X errors = N records)".
fn summary(stderr: &str) -> (u64, u64, u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.contains("records read:"))
        .unwrap_or_else(|| panic!("no summary line on stderr:\n{stderr}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap())
        .collect();
    let [n, e, i, f, r, x, n2] = numbers[..] else {
        panic!("unexpected summary: {line}")
    };
    let expected = format!(
        "{n} records read: {e} eligible, {i} not eligible, {f} failed ({r} results + {x} errors = {n2} records)"
    );
    assert_eq!(line.trim(), expected, "summary wording");
    assert_eq!(e + i, r, "results = eligible + not eligible: {line}");
    assert_eq!(f, x, "failed = errors: {line}");
    assert_eq!(r + x, n, "results + errors = records: {line}");
    assert_eq!(n, n2, "{line}");
    (n, e, i, f)
}

// ---------------------------------------------------------------------------
// check

#[test]
fn check_policies_folder_exits_0() {
    let run = campaign(&["check", "policies/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = campaign(&["check", "policies/", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let diagnostics: Value = serde_json::from_str(&run.stdout).unwrap();
    let list = diagnostics.as_array().expect("a JSON array");
    assert!(
        list.iter().all(|d| d["severity"] != "error"),
        "no errors expected: {diagnostics}"
    );
}

#[test]
fn check_broken_campaign_exits_1() {
    let dir = scratch("check-broken");
    let file = dir.join("broken.campaign");
    std::fs::write(&file, "campaign \"broken\" {\n  timezone Asia/Shanghai\n  facts {\n").unwrap();
    let run = campaign(&["check", s(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stderr.trim().is_empty(), "diagnostics on stderr");
    // A folder holding one broken file among good ones fails too.
    std::fs::copy(root().join(policy(DOUYIN)), dir.join("good.campaign")).unwrap();
    let run = campaign(&["check", s(&dir)]);
    assert_eq!(run.code, 1, "{run:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_missing_path_exits_2() {
    let run = campaign(&["check", "policies/no-such-campaign.campaign"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no-such-campaign"), "{}", run.stderr);
    // No path at all is a usage error too.
    assert_eq!(campaign(&["check"]).code, 2);
}

/// The education policy with `store_score` misspelt in the eligibility condition; returns
/// the file and the (line, column) where the misspelling starts, found in the text.
fn misspelt_education(dir: &Path) -> (PathBuf, usize, usize) {
    let text = std::fs::read_to_string(root().join(policy(EDU))).unwrap();
    let needle = "store_score ≥ 4.2 if unknown false";
    assert_eq!(text.matches(needle).count(), 1, "the policy changed; update this test");
    let broken = text.replace(needle, "store_scroe ≥ 4.2 if unknown false");
    let offset = broken.find("store_scroe").unwrap();
    let before = &broken[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = broken[line_start..offset].chars().count() + 1;
    let file = dir.join("misspelt.campaign");
    std::fs::write(&file, broken).unwrap();
    (file, line, column)
}

#[test]
fn check_json_format_reports_unknown_name_with_position_and_help() {
    let dir = scratch("check-json");
    let (file, line, column) = misspelt_education(&dir);
    let run = campaign(&["check", s(&file), "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let diagnostics: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let list = diagnostics.as_array().expect("a JSON array");
    assert!(!list.is_empty());
    for d in list {
        for key in ["code", "severity", "message", "file", "line", "column", "span", "help"] {
            assert!(d.get(key).is_some(), "diagnostic without `{key}`: {d}");
        }
    }
    let unknown: Vec<&Value> = list.iter().filter(|d| d["code"] == "check::unknown_name").collect();
    assert_eq!(unknown.len(), 1, "one unknown name: {diagnostics}");
    let d = unknown[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], json!(s(&file)));
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line as u64), Some(column as u64)),
        "{d}"
    );
    assert_eq!(d["help"], "did you mean `store_score`?");
    assert!(d["message"].as_str().unwrap().contains("store_scroe"), "{d}");
    // The span covers the misspelt name.
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text.find("store_scroe").unwrap() as u64;
    assert_eq!(d["span"]["offset"].as_u64(), Some(at), "{d}");
    assert_eq!(d["span"]["length"].as_u64(), Some("store_scroe".len() as u64), "{d}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The education policy with a full-width colon typed in a fact declaration; returns the
/// file, its text, and the byte offset of the colon.
fn full_width_education(dir: &Path) -> (PathBuf, String, usize) {
    let text = std::fs::read_to_string(root().join(policy(EDU))).unwrap();
    let needle = "store_score: decimal, optional";
    assert_eq!(text.matches(needle).count(), 1, "the policy changed; update this test");
    let broken = text.replace(needle, "store_score： decimal, optional");
    let offset = broken.find('：').unwrap();
    let file = dir.join("full-width.campaign");
    std::fs::write(&file, &broken).unwrap();
    (file, broken, offset)
}

#[test]
fn check_json_format_gives_the_fix_for_a_full_width_colon() {
    let dir = scratch("check-json-fix");
    let (file, text, offset) = full_width_education(&dir);
    let run = campaign(&["check", s(&file), "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let diagnostics: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let list = diagnostics.as_array().expect("a JSON array");
    assert_eq!(list.len(), 1, "{diagnostics}");
    let d = &list[0];
    assert_eq!(d["code"], "parse::full_width_punctuation");
    let (line, column) = (d["line"].clone(), d["column"].clone());
    // The fix replaces exactly the colon (3 bytes, 1 character) with `:`, at the diagnostic's place.
    assert_eq!(
        d["fixes"],
        json!([{
            "line": line,
            "column": column,
            "end_line": line,
            "end_column": column.as_u64().unwrap() + 1,
            "span": {"offset": offset, "length": "：".len()},
            "replacement": ":",
            "title": "write `:`",
        }]),
        "{d}"
    );
    // The keys come in a fixed order, `fixes` last, after those tools already read.
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "span",
            "label",
            "help",
            "fixes"
        ]
    );
    // Applying the fix gives back the policy, which checks clean.
    let fix = &d["fixes"][0];
    let (at, len) = (
        fix["span"]["offset"].as_u64().unwrap() as usize,
        fix["span"]["length"].as_u64().unwrap() as usize,
    );
    let mut repaired = text.clone();
    repaired.replace_range(at..at + len, fix["replacement"].as_str().unwrap());
    assert_eq!(repaired, std::fs::read_to_string(root().join(policy(EDU))).unwrap());
    std::fs::write(&file, &repaired).unwrap();
    let run = campaign(&["check", s(&file), "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_json_format_gives_an_empty_fixes_list_when_there_is_no_fix() {
    let dir = scratch("check-json-no-fix");
    let (file, ..) = misspelt_education(&dir);
    let run = campaign(&["check", s(&file), "--format", "json"]);
    let diagnostics: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    for d in diagnostics.as_array().expect("a JSON array") {
        assert!(d["fixes"].is_array(), "`fixes` is always a list: {d}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fixes_do_not_show_in_human_plain_or_github_output() {
    use campaign::diagnostics::{SourceFile, render_plain};
    let dir = scratch("check-fix-other-formats");
    let (file, text, _) = full_width_education(&dir);
    let mut checked = campaign::check::check(&text);
    assert!(checked.diagnostics.iter().any(|d| !d.fixes.is_empty()));
    // What the reports would be if the diagnostics had no fixes.
    for d in &mut checked.diagnostics {
        d.fixes.clear();
    }
    let source = SourceFile::new(s(&file), text.clone());
    let report: String = checked
        .diagnostics
        .iter()
        .map(|d| render_plain(d, &source, 200))
        .collect();
    for format in ["human", "plain"] {
        let run = campaign(&["check", s(&file), "--format", format]);
        assert_eq!(run.code, 1, "{run:?}");
        assert_eq!(
            run.stderr,
            format!("{report}1 error, 0 warnings in 1 file\n"),
            "{format}"
        );
        assert_eq!(run.stdout, "", "{format}");
    }
    let run = campaign(&["check", s(&file), "--format", "github"]);
    let d = &checked.diagnostics[0];
    let (line, column) = source.line_col(d.span().start);
    assert_eq!(
        run.stdout,
        format!(
            "::error file={},line={line},col={column},endLine={line},endColumn={},title=parse%3A%3Afull_width_punctuation::{}%0Ahelp: {}\n",
            s(&file),
            column + 1,
            d.message,
            d.help.as_deref().unwrap()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_github_format_prints_workflow_commands() {
    let dir = scratch("check-github");
    let (file, line, column) = misspelt_education(&dir);
    let run = campaign(&["check", s(&file), "--format", "github"]);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let l = lines[0];
    assert!(l.starts_with(&format!("::error file={},line={line},", s(&file))), "{l}");
    assert!(l.contains(&format!("col={column}")), "{l}");
    assert!(l.contains("unknown_name"), "{l}");
    assert!(l.contains("store_scroe"), "{l}");
    assert!(l.contains("did you mean `store_score`?"), "{l}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_human_format_explains_the_misspelling() {
    let dir = scratch("check-human");
    let (file, line, column) = misspelt_education(&dir);
    let run = campaign(&["check", s(&file)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("check::unknown_name"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean `store_score`?"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("{line}:{column}")), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// evaluate: output formats

fn douyin_ndjson() -> Vec<Value> {
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        &contract_facts(DOUYIN),
        "--format",
        "ndjson",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    ndjson(&run.stdout)
}

fn contract_ids(name: &str) -> Vec<String> {
    std::fs::read_to_string(root().join(contract_facts(name)))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn evaluate_ndjson_is_one_object_per_line_in_input_order() {
    let run = campaign(&[
        "evaluate",
        &policy(KS_GMV),
        "--facts",
        &contract_facts(KS_GMV),
        "--format",
        "ndjson",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let results = ndjson(&run.stdout);
    assert_eq!(ids(&results), contract_ids(KS_GMV));
    for r in &results {
        assert!(r.is_object());
        for key in ["id", "eligible", "rewards", "values", "reasons"] {
            assert!(r.get(key).is_some(), "no `{key}` in {r}");
        }
    }
    // ndjson is the default format.
    let default = campaign(&["evaluate", &policy(KS_GMV), "--facts", &contract_facts(KS_GMV)]);
    assert_eq!(default.stdout, run.stdout);
}

#[test]
fn evaluate_json_is_one_array_of_the_same_objects() {
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        &contract_facts(DOUYIN),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let array: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let array = array.as_array().expect("a JSON array").clone();
    assert_eq!(array, douyin_ndjson());
}

#[test]
fn evaluate_csv_has_a_header_and_one_row_per_record() {
    let run = campaign(&[
        "evaluate",
        &policy(KS_GMV),
        "--facts",
        &contract_facts(KS_GMV),
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header.first().map(String::as_str), Some("id"), "{header:?}");
    for column in ["eligible", "cash", "gmv"] {
        assert!(header.iter().any(|h| h == column), "no `{column}` column: {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let ndjson_run = campaign(&["evaluate", &policy(KS_GMV), "--facts", &contract_facts(KS_GMV)]);
    let results = ndjson(&ndjson_run.stdout);
    assert_eq!(rows.len(), results.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, r) in rows.iter().zip(&results) {
        assert_eq!(row.len(), header.len());
        assert_eq!(&row[0], r["id"].as_str().unwrap());
        assert_eq!(&row[col("eligible")], &r["eligible"].to_string());
        assert_eq!(&row[col("cash")], r["rewards"]["cash"]["amount"].as_str().unwrap());
        assert_eq!(&row[col("gmv")], r["values"]["gmv"]["amount"].as_str().unwrap());
    }
}

#[test]
fn evaluate_table_has_a_header_and_a_rule_line() {
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        &contract_facts(DOUYIN),
        "--format",
        "table",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let results = douyin_ndjson();
    assert_eq!(lines.len(), 2 + results.len(), "{}", run.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header.first(), Some(&"id"), "{}", lines[0]);
    assert!(header.contains(&"eligible"), "{}", lines[0]);
    assert!(
        !lines[1].trim().is_empty() && lines[1].chars().all(|c| c == '─' || c == ' '),
        "rule line: {}",
        lines[1]
    );
    for (line, r) in lines[2..].iter().zip(&results) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells.first().copied(), r["id"].as_str(), "{line}");
        assert_eq!(
            cells.get(1).copied(),
            Some(r["eligible"].to_string().as_str()),
            "{line}"
        );
    }
}

#[test]
fn evaluate_summary_reconciles() {
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", &contract_facts(DOUYIN)]);
    assert_eq!(run.code, 0, "{run:?}");
    let results = ndjson(&run.stdout);
    let eligible = results.iter().filter(|r| r["eligible"] == true).count() as u64;
    let (n, e, i, f) = summary(&run.stderr);
    assert_eq!(
        (n, e, i, f),
        (results.len() as u64, eligible, results.len() as u64 - eligible, 0)
    );
    assert!(!run.stdout.contains("records read"), "the summary goes to stderr only");
}

#[test]
fn evaluate_an_empty_facts_file() {
    let dir = scratch("empty-facts");
    let facts = dir.join("empty.ndjson");
    std::fs::write(&facts, "").unwrap();
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", s(&facts)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(summary(&run.stderr), (0, 0, 0, 0));
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", s(&facts), "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(serde_json::from_str::<Value>(&run.stdout).unwrap(), json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// evaluate: records that cannot be read

/// Runs POLICY on FACTS expecting exit 1; returns the output lines as JSON.
fn evaluate_failing(policy_name: &str, facts: &str, params: &[&str]) -> (Vec<Value>, Run) {
    let p = policy(policy_name);
    let mut args = vec!["evaluate", p.as_str(), "--facts", facts];
    for param in params {
        args.push("--param");
        args.push(param);
    }
    let run = campaign(&args);
    assert_eq!(run.code, 1, "a failed record exits 1: {run:?}");
    (ndjson(&run.stdout), run)
}

/// Asserts that `r` is an error object for `line` (and `id`, when given) whose message
/// names every one of `mentions`.
fn assert_error(r: &Value, line: u64, id: Option<&str>, mentions: &[&str]) {
    // The contract's three keys come first; `column` (JSON syntax errors) and `fact` (the
    // offending fact's path) may follow.
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys.get(..3),
        Some(&["line", "id", "error"][..]),
        "error object shape: {r}"
    );
    assert!(
        keys.iter().skip(3).all(|k| *k == "column" || *k == "fact"),
        "error object shape: {r}"
    );
    assert_eq!(r["line"].as_u64(), Some(line), "{r}");
    if let Some(id) = id {
        assert_eq!(r["id"], json!(id), "{r}");
    }
    let message = r["error"].as_str().unwrap();
    assert!(!message.trim().is_empty(), "{r}");
    for m in mentions {
        assert!(message.contains(m), "the error should mention `{m}`: {r}");
    }
}

#[test]
fn evaluate_broken_records_yield_errors_in_place() {
    let (results, run) = evaluate_failing(DOUYIN, "tests/fixtures/edges/douyin-broken.ndjson", &[]);
    assert_eq!(results.len(), 9, "{}", run.stdout);
    // Line 1: good, eligible.
    assert_eq!(
        (results[0]["id"].as_str(), results[0]["eligible"].as_bool()),
        (Some("dy-ok"), Some(true))
    );
    // Line 2: entity_verified is the string "yes", not a bool.
    assert_error(&results[1], 2, Some("dy-bad-type"), &["entity_verified"]);
    // Line 3: not valid JSON (cut short). The contract asks for the id "when known": null,
    // or the id recovered from the start of the line.
    assert_error(&results[2], 3, None, &[]);
    assert!(
        results[2]["id"] == Value::Null || results[2]["id"] == "dy-bad-json",
        "{}",
        results[2]
    );
    // Line 4: payment_onboarded (required) missing.
    assert_error(&results[3], 4, Some("dy-missing"), &["payment_onboarded"]);
    // Line 5: good, not eligible (生活服务).
    assert_eq!(
        (results[4]["id"].as_str(), results[4]["eligible"].as_bool()),
        (Some("dy-ineligible"), Some(false))
    );
    // Line 6: no id.
    assert_error(&results[5], 6, None, &["id"]);
    assert_eq!(results[5]["id"], Value::Null);
    // Line 7: an id that is not a string.
    assert_error(&results[6], 7, None, &["id"]);
    // Line 8: a required fact that is null.
    assert_error(&results[7], 8, Some("dy-null-required"), &["service_category"]);
    // Line 9: good, eligible.
    assert_eq!(
        (results[8]["id"].as_str(), results[8]["eligible"].as_bool()),
        (Some("dy-ok-2"), Some(true))
    );
    assert_eq!(summary(&run.stderr), (9, 2, 1, 6));
}

#[test]
fn evaluate_wrong_types_and_enum_values_are_errors() {
    let (results, run) = evaluate_failing(ALLIANCE, "tests/fixtures/edges/alliance-broken.ndjson", &[]);
    assert_eq!(results.len(), 10, "{}", run.stdout);
    assert_eq!(results[0]["eligible"], true, "al-good: no score, normal, insured");
    assert_error(&results[1], 2, Some("al-bad-enum"), &["store_status"]);
    // Enum values compare exactly: "Enterprise" is not "enterprise".
    assert_error(&results[2], 3, Some("al-bad-enum-case"), &["entity_type"]);
    // A count is a non-negative whole number.
    assert_error(&results[3], 4, Some("al-negative-count"), &["settled_orders"]);
    assert_error(&results[4], 5, Some("al-fractional-count"), &["settled_orders"]);
    // Money is a decimal: no exponent, no thousands separator.
    assert_error(&results[5], 6, Some("al-money-exponent"), &["sales_today"]);
    assert_error(&results[6], 7, Some("al-money-separator"), &["sales_today"]);
    assert_error(&results[7], 8, Some("al-products-not-a-list"), &["products"]);
    assert_error(&results[8], 9, Some("al-score-not-a-number"), &["store_score"]);
    assert_eq!(results[9]["eligible"], false, "al-good-2 is local-life");
    assert_eq!(summary(&run.stderr), (10, 1, 1, 8));
}

#[test]
fn evaluate_bad_nested_facts_name_the_fact() {
    let (results, run) = evaluate_failing(KS_GMV, "tests/fixtures/edges/kuaishou-gmv-broken.ndjson", &[]);
    assert_eq!(results.len(), 6, "{}", run.stdout);
    assert_eq!(results[0]["eligible"], true);
    assert_error(&results[1], 2, Some("kb-bad-fee"), &["fee_rate"]);
    // A timestamp needs a time and an offset.
    assert_error(&results[2], 3, Some("kb-date-only"), &["redeemed_at"]);
    assert_error(&results[3], 4, Some("kb-no-offset"), &["redeemed_at"]);
    assert_error(&results[4], 5, Some("kb-bad-amount"), &["amount"]);
    // Not onboarded (unknown): evaluated, not eligible.
    assert_eq!(
        (results[5]["id"].as_str(), results[5]["eligible"].as_bool()),
        (Some("kb-good-2"), Some(false))
    );
    assert_eq!(summary(&run.stderr), (6, 1, 1, 4));
}

#[test]
fn evaluate_broken_records_take_no_budget() {
    // monthly_packs = 1. The earliest applicant's record is broken (brand_certified is a
    // string): it takes no pack, so the 12-02 applicant gets December's pack and the 12-03
    // applicant is waitlisted.
    let (results, run) = evaluate_failing(
        COLDSTART,
        "tests/fixtures/edges/coldstart-broken.ndjson",
        &["monthly_packs=1"],
    );
    assert_eq!(results.len(), 4, "{}", run.stdout);
    assert_error(&results[0], 1, Some("cb-broken-earliest"), &["brand_certified"]);
    assert_eq!(results[1]["id"], "cb-second");
    assert_eq!(results[1]["rewards"]["traffic_packs"]["amount"], "1");
    assert_eq!(results[1]["values"]["waitlisted"], false);
    assert_eq!(results[2]["id"], "cb-third");
    assert_eq!(results[2]["rewards"]["traffic_packs"]["amount"], "0");
    assert_eq!(results[2]["values"]["waitlisted"], true);
    assert_error(&results[3], 4, Some("cb-bad-time"), &["applied_at"]);
    assert_eq!(summary(&run.stderr), (4, 2, 0, 2));
}

#[test]
fn evaluate_overflow_is_an_error_never_a_wrong_number() {
    let (results, run) = evaluate_failing(EDU, "tests/fixtures/edges/education-overflow.ndjson", &[]);
    // Five records on six lines (line 4 is blank).
    assert_eq!(results.len(), 5, "{}", run.stdout);
    // 20000.00 → 180 points.
    assert_eq!(results[0]["rewards"]["growth_points"]["amount"], "180");
    // Two sales of 79228162514264337593543950335 (the largest exact decimal): their sum
    // cannot be held exactly, so the record fails rather than giving a rounded amount.
    assert_error(&results[1], 2, Some("ov-sum-overflows"), &[]);
    // An amount with more digits than can be read exactly.
    assert_error(&results[2], 3, Some("ov-too-many-digits"), &["gmv"]);
    // Score 4.19, no sales: evaluated, not eligible, two reasons.
    assert_eq!(results[3]["id"], "ov-good-after-blank-line");
    assert_eq!(results[3]["reasons"].as_array().map(Vec::len), Some(2));
    // Line numbers are lines of the file: the blank line counts.
    assert_error(&results[4], 6, Some("ov-bad-after-blank-line"), &["registered_at"]);
    assert_eq!(summary(&run.stderr), (5, 1, 1, 3));
}

#[test]
fn evaluate_error_rows_appear_in_every_format() {
    let facts = "tests/fixtures/edges/douyin-broken.ndjson";
    let json_run = campaign(&["evaluate", &policy(DOUYIN), "--facts", facts, "--format", "json"]);
    assert_eq!(json_run.code, 1);
    let array: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(array.as_array().map(Vec::len), Some(9));
    assert_eq!(array[1]["line"], 2);

    let csv_run = campaign(&["evaluate", &policy(DOUYIN), "--facts", facts, "--format", "csv"]);
    assert_eq!(csv_run.code, 1);
    let mut reader = csv::Reader::from_reader(csv_run.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 9);
    assert_eq!(&rows[1][0], "dy-bad-type");
    assert!(rows[1].iter().any(|c| c.contains("entity_verified")), "{:?}", rows[1]);

    let table_run = campaign(&["evaluate", &policy(DOUYIN), "--facts", facts, "--format", "table"]);
    assert_eq!(table_run.code, 1);
    assert_eq!(table_run.stdout.lines().count(), 2 + 9, "{}", table_run.stdout);
    assert!(table_run.stdout.contains("entity_verified"), "{}", table_run.stdout);
}

// ---------------------------------------------------------------------------
// evaluate: usage errors

#[test]
fn evaluate_bad_param_value_exits_2() {
    for value in ["abc", "-1", "2.5", ""] {
        let assignment = format!("monthly_packs={value}");
        let run = campaign(&[
            "evaluate",
            &policy(COLDSTART),
            "--facts",
            &contract_facts(COLDSTART),
            "--param",
            &assignment,
        ]);
        assert_eq!(run.code, 2, "{assignment}: {run:?}");
        assert!(run.stdout.is_empty(), "nothing evaluated: {}", run.stdout);
        assert!(run.stderr.contains("monthly_packs"), "{}", run.stderr);
        assert!(run.stderr.contains("help"), "a hint how to fix it: {}", run.stderr);
    }
}

#[test]
fn evaluate_unknown_param_exits_2() {
    let run = campaign(&[
        "evaluate",
        &policy(COLDSTART),
        "--facts",
        &contract_facts(COLDSTART),
        "--param",
        "nope=1",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
    assert!(
        run.stderr.contains("monthly_packs"),
        "names the parameters there are: {}",
        run.stderr
    );
    // A near miss gets a suggestion.
    let run = campaign(&[
        "evaluate",
        &policy(COLDSTART),
        "--facts",
        &contract_facts(COLDSTART),
        "--param",
        "monthly_pack=3",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("monthly_packs"), "{}", run.stderr);
    // A campaign without parameters.
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        &contract_facts(DOUYIN),
        "--param",
        "x=1",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    // Not NAME=VALUE.
    let run = campaign(&[
        "evaluate",
        &policy(COLDSTART),
        "--facts",
        &contract_facts(COLDSTART),
        "--param",
        "monthly_packs",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn evaluate_unknown_facts_extension_exits_2() {
    let dir = scratch("unknown-extension");
    let facts = dir.join("facts.txt");
    std::fs::copy(root().join(contract_facts(DOUYIN)), &facts).unwrap();
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", s(&facts)]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("facts.txt"), "{}", run.stderr);
    assert!(
        run.stderr.contains(".ndjson"),
        "says which extensions work: {}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evaluate_missing_files_and_bad_format_exit_2() {
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        "tests/fixtures/edges/no-such-file.ndjson",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = campaign(&[
        "evaluate",
        "policies/no-such.campaign",
        "--facts",
        &contract_facts(DOUYIN),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        &contract_facts(DOUYIN),
        "--format",
        "xml",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = campaign(&["evaluate", &policy(DOUYIN)]);
    assert_eq!(run.code, 2, "--facts is required: {run:?}");
}

#[test]
fn evaluate_broken_campaign_exits_1_and_evaluates_nothing() {
    let dir = scratch("evaluate-broken-campaign");
    let (file, _, _) = misspelt_education(&dir);
    let run = campaign(&["evaluate", s(&file), "--facts", &contract_facts(EDU)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("store_scroe"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// evaluate: other fact formats

fn by_id(results: Vec<Value>) -> BTreeMap<String, Value> {
    results
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect()
}

#[test]
fn csv_facts_give_the_same_results_as_ndjson_douyin() {
    // tests/fixtures/csv/douyin.csv holds the 20 contract records (columns in another
    // order, plus an undeclared column).
    let csv_run = campaign(&["evaluate", &policy(DOUYIN), "--facts", "tests/fixtures/csv/douyin.csv"]);
    assert_eq!(csv_run.code, 0, "{csv_run:?}");
    assert_eq!(ndjson(&csv_run.stdout), douyin_ndjson());
}

#[test]
fn csv_facts_give_the_same_results_as_ndjson_coldstart() {
    // tests/fixtures/csv/coldstart.csv holds the 20 contract records; unknown optional
    // timestamps are empty cells.
    let csv_run = campaign(&[
        "evaluate",
        &policy(COLDSTART),
        "--facts",
        "tests/fixtures/csv/coldstart.csv",
    ]);
    assert_eq!(csv_run.code, 0, "{csv_run:?}");
    let nd_run = campaign(&["evaluate", &policy(COLDSTART), "--facts", &contract_facts(COLDSTART)]);
    assert_eq!(nd_run.code, 0, "{nd_run:?}");
    let (from_csv, from_ndjson) = (ndjson(&csv_run.stdout), ndjson(&nd_run.stdout));
    assert_eq!(ids(&from_csv), contract_ids(COLDSTART));
    assert_eq!(by_id(from_csv), by_id(from_ndjson));
}

#[test]
fn csv_with_one_bad_row_evaluates_the_others() {
    let run = campaign(&[
        "evaluate",
        &policy(DOUYIN),
        "--facts",
        "tests/fixtures/csv/douyin-bad-row.csv",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let results = ndjson(&run.stdout);
    assert_eq!(results.len(), 5, "{}", run.stdout);
    // Line 2 (the first row after the header): 文娱, verified, onboarded.
    assert_eq!(
        (results[0]["id"].as_str(), results[0]["eligible"].as_bool()),
        (Some("csv-ok-1"), Some(true))
    );
    // Line 3: entity_verified "yes" is not a bool.
    assert_error(&results[1], 3, Some("csv-bad"), &["entity_verified"]);
    // 生活服务: not eligible; 汽车 without payment: not eligible.
    assert_eq!(results[2]["eligible"], false);
    assert_eq!(results[3]["eligible"], false);
    // "文娱 " with a trailing space: cells are not trimmed, so not a trade category.
    assert_eq!(results[4]["eligible"], false);
    assert_eq!(ids(&results[2..]), ["csv-ok-2", "csv-ok-3", "csv-space"]);
    assert_eq!(summary(&run.stderr), (5, 1, 3, 1));
}

#[test]
fn csv_for_a_campaign_with_list_facts_is_refused() {
    let run = campaign(&["evaluate", &policy(EDU), "--facts", "tests/fixtures/csv/education.csv"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty(), "nothing evaluated: {}", run.stdout);
    assert!(run.stderr.contains("sales"), "names the list fact: {}", run.stderr);
    assert!(run.stderr.contains("CSV"), "{}", run.stderr);
    assert!(
        run.stderr.contains("NDJSON"),
        "says what to use instead: {}",
        run.stderr
    );
}

#[test]
fn json_and_jsonl_facts_give_the_same_results_as_ndjson() {
    let dir = scratch("json-facts");
    let text = std::fs::read_to_string(root().join(contract_facts(DOUYIN))).unwrap();
    let records: Vec<Value> = ndjson(&text);
    // A JSON array of the records.
    let array = dir.join("facts.json");
    std::fs::write(&array, serde_json::to_string_pretty(&records).unwrap()).unwrap();
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", s(&array)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ndjson(&run.stdout), douyin_ndjson());
    // One JSON object: one record.
    let single = dir.join("one.json");
    std::fs::write(&single, records[2].to_string()).unwrap();
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", s(&single)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ndjson(&run.stdout), douyin_ndjson()[2..3].to_vec());
    // .jsonl is NDJSON.
    let jsonl = dir.join("facts.jsonl");
    std::fs::write(&jsonl, &text).unwrap();
    let run = campaign(&["evaluate", &policy(DOUYIN), "--facts", s(&jsonl)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ndjson(&run.stdout), douyin_ndjson());
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// The progress line (src/cli/progress.rs): never off a terminal unless forced

/// Runs `campaign ARGS` with `CAMPAIGN_PROGRESS=mode`.
fn campaign_progress(mode: &str, args: &[&str]) -> Run {
    Run::of(command().env("CAMPAIGN_PROGRESS", mode).args(args))
}

/// Standard error without the progress line, after checking that the line
/// never garbles anything: each frame (`\r`, text, erase to the end of the
/// line) starts on a fresh line, and is erased (`\r` + erase) before any
/// other output and before the end. Also returns the frames.
fn without_progress(stderr: &str) -> (String, Vec<String>) {
    const ERASE: &str = "\x1b[K";
    let mut rest = stderr;
    let (mut text, mut frames) = (String::new(), Vec::new());
    let mut drawn = false;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix('\r') {
            let end = after
                .find(ERASE)
                .unwrap_or_else(|| panic!("a `\\r` without an erase in {stderr:?}"));
            let frame = &after[..end];
            assert!(
                !frame.contains(['\r', '\n']),
                "a frame over several lines in {stderr:?}"
            );
            assert!(
                text.is_empty() || text.ends_with('\n'),
                "a frame after {text:?} on the same line"
            );
            drawn = !frame.is_empty();
            if drawn {
                frames.push(frame.to_string());
            }
            rest = &after[end + ERASE.len()..];
        } else {
            assert!(!drawn, "{c:?} was printed over the progress line in {stderr:?}");
            assert_ne!(c, '\x1b', "another escape sequence in {stderr:?}");
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    assert!(!drawn, "the progress line was left on the screen: {stderr:?}");
    (text, frames)
}

#[test]
fn no_progress_line_unless_standard_error_is_a_terminal() {
    // The tests' standard error is a pipe: only the summary, whatever is asked.
    let facts = contract_facts(DOUYIN);
    let args = ["evaluate", &policy(DOUYIN), "--facts", facts.as_str()];
    let plain = campaign(&args);
    assert_eq!(plain.code, 0, "{plain:?}");
    assert_eq!(plain.stderr.lines().count(), 1, "{plain:?}");
    summary(&plain.stderr);
    for mode in ["auto", "never", "", "sometimes"] {
        let run = campaign_progress(mode, &args);
        assert_eq!(
            (run.code, &run.stdout, &run.stderr),
            (0, &plain.stdout, &plain.stderr),
            "{mode}"
        );
    }
}

#[test]
fn a_forced_progress_line_is_silent_with_quiet() {
    for facts in [
        contract_facts(DOUYIN),
        "tests/fixtures/edges/douyin-broken.ndjson".into(),
    ] {
        let args = ["evaluate", &policy(DOUYIN), "--facts", facts.as_str(), "--quiet"];
        let (plain, forced) = (campaign(&args), campaign_progress("always", &args));
        assert_eq!(forced.stderr, "", "{facts}");
        assert_eq!((forced.code, forced.stdout), (plain.code, plain.stdout), "{facts}");
    }
    // `campaign explain` is quiet too.
    let facts = contract_facts(DOUYIN);
    let args = [
        "explain",
        &policy(DOUYIN),
        "--facts",
        facts.as_str(),
        "--id",
        "app-00002",
    ];
    let (plain, forced) = (campaign(&args), campaign_progress("always", &args));
    assert_eq!(
        (forced.code, &forced.stdout, &forced.stderr),
        (0, &plain.stdout, &plain.stderr)
    );
}

#[test]
fn a_forced_progress_line_leaves_the_results_and_the_messages_as_they_were() {
    let dir = scratch("progress");
    // The same records as a .json array.
    let array = dir.join("douyin.json");
    let records = std::fs::read_to_string(root().join(contract_facts(DOUYIN))).unwrap();
    let records: Vec<&str> = records.lines().collect();
    std::fs::write(&array, format!("[\n{}\n]\n", records.join(",\n"))).unwrap();
    let not_a_list = dir.join("number.json");
    std::fs::write(&not_a_list, "42\n").unwrap();
    let budget = "tests/fixtures/edges/coldstart-budget.ndjson";
    let cases: Vec<(&str, String, Vec<&str>, &str)> = vec![
        // (campaign, facts, options, what the last frame shows)
        (DOUYIN, contract_facts(DOUYIN), vec![], "100%"),
        (DOUYIN, "tests/fixtures/csv/douyin.csv".into(), vec![], "100%"),
        (DOUYIN, s(&array).into(), vec![], "20 records"),
        (
            DOUYIN,
            "tests/fixtures/edges/douyin-broken.ndjson".into(),
            vec![],
            "9 records",
        ),
        (
            DOUYIN,
            "tests/fixtures/csv/douyin-bad-row.csv".into(),
            vec![],
            "5 records",
        ),
        (
            DOUYIN,
            "tests/fixtures/edges/douyin-broken.ndjson".into(),
            vec!["--max-errors", "2"],
            "3 records",
        ),
        (DOUYIN, s(&not_a_list).into(), vec![], ""),
        (
            COLDSTART,
            budget.into(),
            vec!["--param", "monthly_packs=2"],
            "writing 100%",
        ),
        (
            COLDSTART,
            "tests/fixtures/edges/coldstart-broken.ndjson".into(),
            vec![],
            "4 of 4 results",
        ),
    ];
    for (name, facts, options, last) in &cases {
        for format in ["ndjson", "table"] {
            for jobs in ["1", "2"] {
                let p = policy(name);
                let mut args = vec!["evaluate", &p, "--facts", facts, "--format", format, "--jobs", jobs];
                args.extend(options);
                let plain = campaign(&args);
                let forced = campaign_progress("always", &args);
                let case = format!("{args:?}");
                assert!(!plain.stderr.contains(['\r', '\x1b']), "{case}: {plain:?}");
                assert_eq!((forced.code, &forced.stdout), (plain.code, &plain.stdout), "{case}");
                let (text, frames) = without_progress(&forced.stderr);
                assert_eq!(text, plain.stderr, "{case}");
                assert!(!frames.is_empty(), "{case}: no progress line in {:?}", forced.stderr);
                assert!(frames.last().unwrap().contains(last), "{case}: {frames:?}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// Determinism

#[test]
fn the_same_evaluation_twice_is_byte_identical() {
    let cases: [(&str, String, &[&str]); 4] = [
        (KS_GMV, contract_facts(KS_GMV), &[]),
        (EDU, contract_facts(EDU), &[]),
        (ALLIANCE, contract_facts(ALLIANCE), &[]),
        (
            COLDSTART,
            "tests/fixtures/edges/coldstart-budget.ndjson".to_string(),
            &["--param", "monthly_packs=2"],
        ),
    ];
    for (name, facts, extra) in &cases {
        for format in ["ndjson", "json", "csv", "table"] {
            let p = policy(name);
            let mut args = vec!["evaluate", p.as_str(), "--facts", facts.as_str(), "--format", format];
            args.extend_from_slice(extra);
            let first = campaign(&args);
            let second = campaign(&args);
            assert_eq!(first.code, 0, "{first:?}");
            assert!(!first.stdout.is_empty());
            assert_eq!(first.stdout, second.stdout, "{name} --format {format}");
            assert_eq!(first.stderr, second.stderr, "{name} --format {format}");
        }
    }
}
