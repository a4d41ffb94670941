//! Time end to end (issue 14, items 7 to 11): `months_between` to the nanosecond and
//! backwards, daylight-saving gaps in every calendar calculation, timestamps that are refused
//! rather than cut, printed instants that read back, one reader for durations, and messages
//! that name the gap and the range.

use std::path::Path;

use crate::harness::{Run, TempDir, campaign};

/// Writes `files` (name, text) into a folder of the test's own.
fn folder(name: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("time", name);
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

fn path(dir: &Path, file: &str) -> String {
    dir.join(file).to_string_lossy().into_owned()
}

/// `evaluate CAMPAIGN --facts FACTS ARGS...` in `dir`.
fn evaluate(dir: &Path, args: &[&str]) -> Run {
    let (c, f) = (path(dir, "c.campaign"), path(dir, "f.ndjson"));
    let mut all = vec!["evaluate", c.as_str(), "--facts", f.as_str()];
    all.extend_from_slice(args);
    campaign(&all)
}

/// The results of a run, one JSON value a line.
fn results(run: &Run) -> Vec<serde_json::Value> {
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const MONTHS: &str = r#"campaign "months" {
  timezone Asia/Shanghai
  facts { onboarded_at: timestamp, until: timestamp }
  value months = months_between(onboarded_at, until)
  # 不足一个月按一个月计
  value billed = months_between(onboarded_at, until), rounded up to 1
}
"#;

#[test]
fn a_started_month_is_billed_even_half_a_second_before_midnight() {
    let facts = r#"{"id":"late","onboarded_at":"2024-12-31T23:59:59.5+08:00","until":"2025-01-01T00:00:00+08:00"}
{"id":"ns","onboarded_at":"2024-12-31T23:59:59.999999999+08:00","until":"2025-01-01T00:00:00+08:00"}
{"id":"whole","onboarded_at":"2024-01-31T00:00:00+08:00","until":"2024-02-29T00:00:00+08:00"}
{"id":"back","onboarded_at":"2024-03-31T00:00:00+08:00","until":"2024-02-29T00:00:00+08:00"}
{"id":"forth","onboarded_at":"2024-02-29T00:00:00+08:00","until":"2024-03-31T00:00:00+08:00"}
"#;
    let dir = folder("months", &[("c.campaign", MONTHS), ("f.ndjson", facts)]);
    let run = evaluate(&dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = results(&run);
    let value = |i: usize, name: &str| r[i]["values"][name].as_str().unwrap().to_string();
    // Half a second of December's 31 days: a sliver, and a whole month billed (was 0 and 0).
    assert!(
        value(0, "months").starts_with("0.000000186678"),
        "{}",
        value(0, "months")
    );
    assert_eq!(value(0, "billed"), "1");
    assert_eq!(value(1, "billed"), "1");
    // January 31 plus one month is February 29: exactly one.
    assert_eq!(value(2, "months"), "1");
    // Backwards is the negative of forwards (it was −1 here: add_months(March 31, −1)).
    assert_eq!(value(3, "months"), format!("-{}", value(4, "months")));
    assert!(value(4, "months").starts_with("1.0645161290"), "{}", value(4, "months"));
    assert_eq!(value(3, "billed"), "-2");
}

#[test]
fn calendar_calculations_landing_in_a_gap_take_the_first_instant_after_it() {
    let text = r#"campaign "gap" {
  timezone America/Los_Angeles
  facts { t: timestamp, paid_at: timestamp }
  value next_day = add_days(t, 1)
  value next_month = add_months(t, 1)
  window next = add_days(t, 1) .. add_days(t, 2)
  value paid_next_day = paid_at in next
  value business_days = business_days_between(t, add_days(t, 3))
  value days = days_between(t, add_days(t, 1))
}
"#;
    let facts = r#"{"id":"a","t":"2024-03-09T02:06:23.25-08:00","paid_at":"2024-03-10T03:00:00-07:00"}
{"id":"b","t":"2024-02-10T02:06:23-08:00","paid_at":"2024-03-10T02:59:59-07:00"}
"#;
    let dir = folder(
        "gap",
        &[("c.campaign", text), ("f.ndjson", facts), ("holidays.txt", "")],
    );
    let run = evaluate(&dir, &["--holidays", &path(&dir, "holidays.txt")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = results(&run);
    // 02:06:23.25 on 2024-03-10 never happens: 03:00:00, not 03:00:23 (as it was).
    assert_eq!(r[0]["values"]["next_day"], "2024-03-10T03:00:00-07:00");
    assert_eq!(r[0]["values"]["paid_next_day"], true);
    // Saturday 9th to Tuesday 12th: the Monday.
    assert_eq!(r[0]["values"]["business_days"], 1);
    assert_eq!(r[0]["values"]["days"], 1);
    assert_eq!(r[1]["values"]["next_month"], "2024-03-10T03:00:00-07:00");
    // Santiago skips midnight: the day starts when the clocks change, on the hour.
    let text = r#"campaign "midnight" {
  timezone America/Santiago
  facts { t: timestamp }
  value day = start_of_day(t)
  value week = start_of_week(add_days(t, 1))
}
"#;
    let dir = folder(
        "midnight",
        &[
            ("c.campaign", text),
            ("f.ndjson", r#"{"id":"s","t":"2024-09-08T12:34:56.789-03:00"}"#),
        ],
    );
    let run = evaluate(&dir, &[]);
    let r = results(&run);
    assert_eq!(r[0]["values"]["day"], "2024-09-08T01:00:00-03:00", "{}", run.stderr);
    assert_eq!(r[0]["values"]["week"], "2024-09-09T00:00:00-03:00");
}

#[test]
fn timestamps_are_refused_rather_than_cut_and_printed_as_they_read_back() {
    let text = r#"campaign "deadline" {
  timezone Asia/Shanghai
  facts { submitted_at: timestamp }
  eligible when { submitted_at ≤ 2024-12-31 23:59:59 "按时提交" }
  value at = submitted_at
}
"#;
    let facts = r#"{"id":"late","submitted_at":"2024-12-31T23:59:59.0000000009+08:00"}
{"id":"leap","submitted_at":"2024-12-31T23:59:60+08:00"}
{"id":"far","submitted_at":"0000-01-01T00:00:00+08:00"}
{"id":"old","submitted_at":"1900-06-01T00:00:00Z"}
{"id":"edge","submitted_at":"2024-12-31T23:59:59.999999999+08:00"}
"#;
    let dir = folder("refused", &[("c.campaign", text), ("f.ndjson", facts)]);
    let run = evaluate(&dir, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = results(&run);
    // The one a nanosecond late used to count as on time.
    assert!(
        r[0]["error"].as_str().unwrap().contains("more than 9 digits"),
        "{}",
        r[0]
    );
    assert!(r[1]["error"].as_str().unwrap().contains("leap second"), "{}", r[1]);
    assert!(r[2]["error"].as_str().unwrap().contains("out of range"), "{}", r[2]);
    // Shanghai's local mean time (+08:05:43) cannot be written in RFC 3339: UTC instead (it
    // was `+08:05`, another instant).
    assert_eq!(r[3]["values"]["at"], "1900-06-01T00:00:00+00:00");
    assert_eq!(r[4]["values"]["at"], "2024-12-31T23:59:59.999999999+08:00");
    assert_eq!(r[4]["eligible"], false);
    // What results print reads back as the same instants.
    let again: String = r
        .iter()
        .filter_map(|v| {
            v["values"]["at"]
                .as_str()
                .map(|at| format!("{{\"id\":\"x\",\"submitted_at\":\"{at}\"}}\n"))
        })
        .collect();
    std::fs::write(dir.join("f.ndjson"), again).unwrap();
    let rerun = results(&evaluate(&dir, &[]));
    assert_eq!(rerun[0]["values"]["at"], r[3]["values"]["at"]);
    assert_eq!(rerun[1]["values"]["at"], r[4]["values"]["at"]);
}

#[test]
fn a_repeated_local_time_is_explained_with_its_offset() {
    let text = r#"campaign "overlap" {
  timezone America/Los_Angeles
  facts { t: timestamp }
  eligible when { t ≥ 2024-11-03 01:45 -08:00 "late enough" }
}
"#;
    let dir = folder(
        "explain",
        &[
            ("c.campaign", text),
            ("f.ndjson", r#"{"id":"a","t":"2024-11-03T01:30:00-08:00"}"#),
        ],
    );
    let (c, f) = (path(&dir, "c.campaign"), path(&dir, "f.ndjson"));
    let run = campaign(&["explain", &c, "--facts", &f, "--id", "a"]);
    // The second 01:30 is written with its offset, so that it names the instant it is.
    assert!(run.stdout.contains("2024-11-03 01:30:00 -08:00"), "{}", run.stdout);
}

const DURATION: &str = r#"campaign "durations" {
  timezone Asia/Shanghai
  parameter grace: duration = 1 hours
  facts { wait: duration }
  value total = wait + grace
}
"#;

#[test]
fn durations_have_one_reader_for_params_facts_and_tests() {
    let facts = r#"{"id":"a","wait":"3600.5"}
{"id":"b","wait":3600.5}
{"id":"c","wait":"1.5 hours"}
{"id":"d","wait":"PT1H30M"}
"#;
    let dir = folder("durations", &[("c.campaign", DURATION), ("f.ndjson", facts)]);
    // `--param` used to cut 3600.5 to 3,600 s.
    let run = evaluate(&dir, &["--param", "grace=3600.5"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let reason = "durations are whole seconds, and this is not";
    assert!(run.stderr.contains(reason), "{}", run.stderr);
    let run = evaluate(&dir, &["--param", "grace=PT30M"]);
    let r = results(&run);
    for i in [0, 1] {
        assert!(r[i]["error"].as_str().unwrap().contains(reason), "{}", r[i]);
    }
    assert_eq!(r[2]["values"]["total"], "PT2H");
    assert_eq!(r[3]["values"]["total"], "PT2H");
    // A test case reads durations the same way: given, and expected in any form.
    let tests = r#"case "one reader" {
  with grace = "0.5 hours"
  facts {"wait": "P1D"}
  expect total = "88200 seconds"
}
case "cut" {
  with grace = 3600.5
  facts {"wait": 1}
  expect total = "PT1H"
}
"#;
    std::fs::write(dir.join("c.tests"), tests).unwrap();
    let run = campaign(&["test", &path(&dir, "c.campaign")]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    // The first case passes; the second is refused with the message `--param` and facts give.
    assert!(all.contains("1 passed, 1 failed"), "{all}");
    assert!(
        all.contains("`3600.5` is not a valid value for `grace`, which is a duration: durations are whole seconds,"),
        "{all}"
    );
}

#[test]
fn as_of_in_a_gap_names_the_gap_and_the_zones_offsets() {
    let text = r#"campaign "la" {
  timezone America/Los_Angeles
  facts { t: timestamp }
  value before = t < as_of
}
"#;
    let dir = folder(
        "as_of",
        &[
            ("c.campaign", text),
            ("f.ndjson", r#"{"id":"a","t":"2024-03-09T02:06:23-08:00"}"#),
        ],
    );
    let run = evaluate(&dir, &["--as-of", "2024-03-10 02:30"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("falls in the daylight-saving gap in America/Los_Angeles"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("-08:00 before the change and -07:00 after"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("+08:00"), "{}", run.stderr);
    let run = evaluate(&dir, &["--as-of", "2024-11-03 01:30"]);
    assert!(
        run.stderr.contains("`--as-of 2024-11-03T01:30:00-07:00` is the first"),
        "{}",
        run.stderr
    );
    let run = evaluate(&dir, &["--as-of", "tomorrow"]);
    assert!(run.stderr.contains("2024-09-01T00:00:00-07:00"), "{}", run.stderr);
}

#[test]
fn a_date_beyond_9999_is_out_of_range_not_an_overflow() {
    let text = r#"campaign "far" {
  timezone Asia/Shanghai
  parameter months: count = 100000
  facts { t: timestamp }
  value far = add_months(t, months)
  value later = t + 100 days
}
"#;
    let dir = folder(
        "range",
        &[
            ("c.campaign", text),
            (
                "f.ndjson",
                r#"{"id":"a","t":"2024-03-09T02:06:23+08:00"}
{"id":"b","t":"9999-12-01T00:00:00Z"}
"#,
            ),
        ],
    );
    let run = evaluate(&dir, &[]);
    let r = results(&run);
    for v in &r {
        let error = v["error"].as_str().unwrap();
        assert!(error.starts_with("the date is out of range"), "{error}");
        assert!(!error.contains("28 digits"), "{error}");
    }
    // `t + 100 days` past 9999 is out of range too (it printed `+10000-…`, which no reader takes).
    let run = evaluate(&dir, &["--param", "months=0"]);
    let r = results(&run);
    assert!(r[0]["values"]["later"].is_string(), "{}", r[0]);
    let error = r[1]["error"].as_str().unwrap();
    assert!(
        error.starts_with("the date is out of range") && error.ends_with("in `later`"),
        "{error}"
    );
}
