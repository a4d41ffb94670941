//! `campaign report`, `diff` and `sweep` end to end: on every shipped policy and example,
//! reconciled with `evaluate`, identical for any `--jobs`, and their table and JSON output
//! (snapshots).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value as Json;

use super::harness::{TempDir, campaign, root};

/// Every shipped campaign with its fact file and the options it needs.
fn shipped() -> Vec<(String, String, Vec<String>)> {
    let mut all = Vec::new();
    let examples = root().join("policies/examples");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "campaign"))
    {
        all.push((path.clone(), path.with_extension("ndjson")));
    }
    let mut policies: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    policies.sort();
    for path in policies
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "campaign"))
    {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        all.push((
            path.clone(),
            root().join(format!("tests/fixtures/contract/{stem}.ndjson")),
        ));
    }
    all.into_iter()
        .map(|(campaign, facts)| {
            let text = std::fs::read_to_string(&campaign).unwrap();
            let mut extra = Vec::new();
            if text.contains("business_days") || text.contains("workdays") {
                extra.extend(["--holidays".into(), "policies/examples/cn-holidays-2024.txt".into()]);
            }
            if text.contains("as_of") {
                extra.extend(["--as-of".into(), "2024-09-01T00:00:00+08:00".into()]);
            }
            let rel = |p: &PathBuf| p.strip_prefix(root()).unwrap().to_str().unwrap().to_owned();
            (rel(&campaign), rel(&facts), extra)
        })
        .collect()
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn dec(v: &Json) -> Decimal {
    Decimal::from_str(v.as_str().unwrap()).unwrap()
}

/// The first parameter a campaign declares and its default, as written (`pool`, `1500000 CNY`).
fn first_parameter(text: &str) -> Option<(String, String)> {
    let line = text.lines().map(str::trim).find(|l| l.starts_with("parameter "))?;
    let (name, rest) = line.strip_prefix("parameter ")?.split_once(':')?;
    let (_, value) = rest.split_once('=')?;
    Some((name.trim().to_owned(), value.trim().to_owned()))
}

#[test]
fn every_shipped_campaign_reports_reconciled_with_evaluate_diffs_and_sweeps() {
    let all = shipped();
    assert!(all.len() > 30, "{} campaigns", all.len());
    for (policy, facts, extra) in &all {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let with = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--facts", facts.as_str()]);
            all.extend(&extra);
            campaign(&all)
        };
        // evaluate: the results, whose amounts the report's totals must add up to exactly.
        let evaluated = with(&["evaluate", policy, "--format", "ndjson"]);
        let report_run = with(&["report", policy]);
        assert_eq!(report_run.code, evaluated.code, "{policy}: {}", report_run.stderr);
        let report = json(&report_run.stdout);
        let plural = if report["fees"].is_array() { "fees" } else { "rewards" };
        let verdict = if plural == "fees" { "liable" } else { "eligible" };
        let mut sums: BTreeMap<String, Decimal> = BTreeMap::new();
        let (mut read, mut qualifying, mut failed) = (0, 0, 0);
        for line in evaluated.stdout.lines() {
            let result = json(line);
            read += 1;
            if result.get("error").is_some() {
                failed += 1;
                continue;
            }
            qualifying += usize::from(result[verdict] == Json::Bool(true));
            if result[verdict] != Json::Bool(true) {
                continue;
            }
            for (name, amount) in result[plural].as_object().unwrap() {
                *sums.entry(name.clone()).or_default() += dec(&amount["amount"]);
            }
        }
        assert_eq!(report["records"]["read"], read, "{policy}");
        assert_eq!(report["records"][verdict], qualifying, "{policy}");
        assert_eq!(report["records"]["failed"], failed, "{policy}");
        // The summary line of evaluate says the same counts.
        let summary = format!("{read} records read: {qualifying} {verdict}");
        assert!(evaluated.stderr.contains(&summary), "{policy}: {}", evaluated.stderr);
        for item in report[plural].as_array().unwrap() {
            let name = item["name"].as_str().unwrap();
            let expected = sums.get(name).copied().unwrap_or_default();
            assert_eq!(dec(&item["total"]), expected, "{policy}: {name}");
            let counted: u64 = item["histogram"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["count"].as_u64().unwrap())
                .sum();
            assert_eq!(
                counted, qualifying as u64,
                "{policy}: {name}: every qualifying record in one bin"
            );
        }
        let html = with(&["report", policy, "--format", "html"]);
        assert!(
            html.stdout.starts_with("<!DOCTYPE html>") && html.stdout.contains("<svg"),
            "{policy}"
        );
        // A campaign against itself: nothing changes, before equals after.
        let diff = json(&with(&["diff", policy, policy, "--format", "json"]).stdout);
        assert_eq!(diff["records"]["changed"], 0, "{policy}");
        assert_eq!(diff["changes"], Json::Array(vec![]), "{policy}");
        for item in diff[plural].as_array().unwrap() {
            assert_eq!(item["before"], item["after"], "{policy}");
            assert_eq!(
                item["delta"].as_str().map(|d| Decimal::from_str(d).unwrap()),
                Some(Decimal::ZERO)
            );
        }
        // A sweep over the default value of a parameter gives the report's totals.
        if let Some((name, value)) = first_parameter(&std::fs::read_to_string(root().join(policy)).unwrap()) {
            let sweep = json(
                &with(&[
                    "sweep", policy, "--param", &name, "--values", &value, "--format", "json",
                ])
                .stdout,
            );
            let point = &sweep["values"][0];
            assert_eq!(point["records"], report["records"], "{policy}");
            assert_eq!(point["totals"], report["totals"], "{policy}");
        }
    }
}

/// The records of a small example, repeated under new ids until the file is large enough for
/// several threads (one per 4 KiB).
fn repeated(example: &str, times: usize, dir: &TempDir) -> String {
    let text = std::fs::read_to_string(root().join(format!("policies/examples/{example}.ndjson"))).unwrap();
    let mut out = String::new();
    for n in 0..times {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut record = json(line);
            let id = format!("{}-{n}", record["id"].as_str().unwrap());
            record["id"] = Json::String(id);
            out.push_str(&record.to_string());
            out.push('\n');
        }
    }
    let path = dir.join(format!("{example}.ndjson"));
    std::fs::write(&path, out).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn pages_and_reports_are_identical_whatever_jobs() {
    let dir = TempDir::new("whatif", "jobs");
    // A budget (the whole population) and a streaming campaign of fees, each 100 KiB or more.
    for (example, times, param) in [
        (
            "douyin-double11-sprint-pool",
            200,
            ("pool", ["1000000 CNY", "2000000 CNY"]),
        ),
        (
            "channels-mini-program-equal-pool",
            200,
            ("pool", ["10000 CNY", "30000 CNY"]),
        ),
    ] {
        let facts = repeated(example, times, &dir);
        let policy = format!("policies/examples/{example}.campaign");
        let old = format!("{}={}", param.0, param.1[0]);
        let new = format!("{}={}", param.0, param.1[1]);
        let runs: Vec<[String; 4]> = ["1", "4"]
            .iter()
            .map(|jobs| {
                let report = campaign(&["report", &policy, "--facts", &facts, "--format", "html", "--jobs", jobs]);
                let diff = campaign(&[
                    "diff",
                    &policy,
                    "--facts",
                    &facts,
                    "--old-param",
                    &old,
                    "--new-param",
                    &new,
                    "--format",
                    "json",
                    "--jobs",
                    jobs,
                ]);
                let diff_html = campaign(&[
                    "diff",
                    &policy,
                    "--facts",
                    &facts,
                    "--old-param",
                    &old,
                    "--new-param",
                    &new,
                    "--format",
                    "html",
                    "--jobs",
                    jobs,
                ]);
                let sweep = campaign(&[
                    "sweep", &policy, "--facts", &facts, "--param", param.0, "--values", param.1[0], param.1[1],
                    "--format", "html", "--jobs", jobs,
                ]);
                assert_eq!(report.code, 0, "{}", report.stderr);
                [report.stdout, diff.stdout, diff_html.stdout, sweep.stdout]
            })
            .collect();
        assert_eq!(runs[0], runs[1], "{example}");
        assert!(runs[0][1].contains("\"changed\""), "{}", runs[0][1]);
    }
}

#[test]
fn a_what_if_on_one_file_lists_changes_and_totals() {
    // The sprint pool of 1,500,000 CNY cut to 1,000,000: the queue is served until the pool
    // runs out, so later claims are waitlisted.
    let args = [
        "diff",
        "policies/examples/douyin-double11-sprint-pool.campaign",
        "--facts",
        "policies/examples/douyin-double11-sprint-pool.ndjson",
        "--old-param",
        "pool=1500000 CNY",
        "--new-param",
        "pool=1000000 CNY",
    ];
    let table = campaign(&args);
    assert_eq!(table.code, 0, "{}", table.stderr);
    insta::assert_snapshot!("diff_table", table.stdout);
    let mut with_json = args.to_vec();
    with_json.extend(["--format", "json"]);
    let out = campaign(&with_json);
    let diff = json(&out.stdout);
    // The totals: what the pool paid before and after, exactly the two pools here (the claims
    // exceed both).
    assert_eq!(diff["rewards"][0]["before"], "1500000.00");
    assert_eq!(diff["rewards"][0]["after"], "1000000.00");
    assert_eq!(diff["rewards"][0]["delta"], "-500000.00");
    insta::assert_snapshot!("diff_json", out.stdout);
    let mut with_csv = args.to_vec();
    with_csv.extend(["--format", "csv"]);
    insta::assert_snapshot!("diff_csv", campaign(&with_csv).stdout);
}

#[test]
fn a_sweep_writes_one_row_per_value() {
    let run = campaign(&[
        "sweep",
        "policies/examples/douyin-double11-sprint-pool.campaign",
        "--facts",
        "policies/examples/douyin-double11-sprint-pool.ndjson",
        "--param",
        "pool",
        "--values",
        "500000 CNY",
        "1000000",
        "2000000 CNY",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("sweep_table", run.stdout);
}

#[test]
fn a_report_of_a_campaign_of_fees_speaks_of_fees() {
    let run = campaign(&[
        "report",
        "policies/examples/platform-technical-service-fee.campaign",
        "--facts",
        "policies/examples/platform-technical-service-fee.ndjson",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("report_fees_json", run.stdout);
}

#[test]
fn two_versions_declaring_different_facts_are_compared_on_what_each_reads() {
    let dir = TempDir::new("whatif", "facts");
    let old = "policies/examples/douyin-double11-sprint-pool.campaign";
    let text = std::fs::read_to_string(root().join(old)).unwrap();
    let new = dir.join("new.campaign");
    // The new version also reads a fact that no record has (optional, so every record still
    // reads).
    std::fs::write(&new, text.replacen("facts {", "facts {\n    region: text, optional", 1)).unwrap();
    let run = campaign(&[
        "diff",
        old,
        new.to_str().unwrap(),
        "--facts",
        "policies/examples/douyin-double11-sprint-pool.ndjson",
        "--format",
        "json",
    ]);
    assert!(
        run.stderr.contains("facts only the new version reads: region"),
        "{}",
        run.stderr
    );
    let diff = json(&run.stdout);
    assert_eq!(diff["facts"]["only_new"], serde_json::json!(["region"]));
    assert_eq!(diff["records"]["changed"], 0);
}

#[test]
fn wrong_values_and_missing_options_are_usage_errors() {
    let run = campaign(&[
        "sweep",
        "policies/examples/douyin-double11-sprint-pool.campaign",
        "--facts",
        "policies/examples/douyin-double11-sprint-pool.ndjson",
        "--param",
        "pool",
        "--values",
        "lots",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("pool"), "{}", run.stderr);
    let run = campaign(&[
        "report",
        "policies/examples/channels-ship-on-time-business-days.campaign",
        "--facts",
        "policies/examples/channels-ship-on-time-business-days.ndjson",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--holidays"), "{}", run.stderr);
}

/// `value` with its leading whole number multiplied by `times` and divided by `by`
/// (`20000 CNY` → `40000 CNY`), for another value of a parameter.
fn scaled(value: &str, times: u64, by: u64) -> String {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().unwrap();
    format!("{}{}", n * times / by, &value[digits.len()..])
}

/// What `diff` and `sweep` rest on: the batches of one run together (one read of the facts,
/// each record parsed once for all of them) give exactly the rows of separate runs, on every
/// shipped campaign and its facts, with its first parameter (if any) at its default, doubled
/// and halved, on one thread and on two.
#[test]
fn batches_run_together_give_the_rows_of_separate_runs_on_every_shipped_campaign() {
    use campaign::batch::{Batch, NdjsonSource, Row, Sources, Unobserved, run_together};
    use campaign::program::inputs::Inputs;
    use std::ops::ControlFlow;

    for (policy, facts, extra) in shipped() {
        let text = std::fs::read_to_string(root().join(&policy)).unwrap();
        let program = campaign::check::check(&text).program.unwrap();
        let mut values: Vec<Option<String>> = vec![None];
        if let Some((name, value)) = first_parameter(&text) {
            values.extend([scaled(&value, 2, 1), scaled(&value, 1, 2)].map(|v| Some(format!("{name}={v}"))));
        } else {
            values.push(None);
        }
        let inputs = |value: &Option<String>| {
            let mut inputs = Inputs::defaults(&program);
            if let Some(assignment) = value {
                inputs.set(&program, assignment).unwrap();
            }
            for pair in extra.chunks(2) {
                match pair[0].as_str() {
                    "--holidays" => {
                        let days = std::fs::read_to_string(root().join(&pair[1])).unwrap();
                        inputs.holidays = Some(campaign::program::inputs::parse_holiday_file(&days).unwrap());
                    }
                    "--as-of" => inputs.as_of = Some(campaign::time::parse_time(&pair[1], program.timezone).unwrap()),
                    other => panic!("{other}"),
                }
            }
            inputs
        };
        let bytes = std::fs::read(root().join(&facts)).unwrap();
        let alone: Vec<Vec<Row>> = values
            .iter()
            .map(|value| {
                let mut rows = Vec::new();
                Batch::new(&program, inputs(value)).run(&mut NdjsonSource::new(&bytes[..]), &mut rows, &Unobserved);
                rows
            })
            .collect();
        assert!(!alone[0].is_empty(), "{policy}: {facts}");
        for threads in [1, 2] {
            let batches: Vec<Batch<'_>> = values
                .iter()
                .map(|value| Batch::new(&program, inputs(value)).threads(threads))
                .collect();
            let mut together: Vec<Vec<Row>> = vec![Vec::new(); values.len()];
            let mut sink = |rows: &[Row]| {
                assert_eq!(rows.len(), together.len());
                for (out, row) in together.iter_mut().zip(rows) {
                    out.push(row.clone());
                }
                ControlFlow::Continue(())
            };
            let mut source = NdjsonSource::new(&bytes[..]);
            run_together(&batches, Sources::Shared(&mut source), &mut sink, &Unobserved);
            assert_eq!(together, alone, "{policy}, {values:?}, threads {threads}");
        }
    }
}
