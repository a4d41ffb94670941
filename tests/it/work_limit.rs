//! The work limit per record (issue 14, item 11): a record whose evaluation goes through more
//! list items and periods than the limit fails with its own error, the others are evaluated;
//! `--work-limit` (evaluate, explain, test) and a test case's `with work_limit = N` raise it.
//! Step counts are worked out by hand in comments: the limit triggers deterministically.

use serde_json::Value;

use crate::harness::{Run, TempDir, campaign as run};

/// `count of t` and `count of t where n > 1`: one step per item for each, 2 × the items.
const TWO_COUNTS: &str = r#"campaign "two counts" {
  timezone Asia/Shanghai
  facts { t: list of { n: count } }
  value items = count of t
  value big = count of t where n > 1
}
"#;

/// Three items: 6 steps; one item: 2 steps.
const RECORDS: &str = r#"{"id":"three","t":[{"n":1},{"n":2},{"n":3}]}
{"id":"one","t":[{"n":5}]}
"#;

fn setup(name: &str, campaign: &str, facts: &str) -> (TempDir, String, String) {
    let dir = TempDir::new("work-limit", name);
    let c = dir.path().join("c.campaign");
    let f = dir.path().join("f.ndjson");
    std::fs::write(&c, campaign).unwrap();
    std::fs::write(&f, facts).unwrap();
    let (c, f) = (c.to_str().unwrap().to_string(), f.to_str().unwrap().to_string());
    (dir, c, f)
}

fn lines(r: &Run) -> Vec<Value> {
    r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_record_over_the_limit_fails_and_the_others_are_evaluated() {
    let (_dir, c, f) = setup("over", TWO_COUNTS, RECORDS);
    let r = run(&["evaluate", &c, "--facts", &f, "--work-limit", "5"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = lines(&r);
    assert_eq!(
        out[0]["error"],
        "the record needs more than 5 evaluation steps, the work limit (raise it with --work-limit) in `big`"
    );
    assert_eq!(out[1]["values"]["items"], 1);
    assert_eq!(out[1]["values"]["big"], 1);
}

#[test]
fn a_record_at_the_limit_is_evaluated() {
    let (_dir, c, f) = setup("at", TWO_COUNTS, RECORDS);
    let r = run(&["evaluate", &c, "--facts", &f, "--work-limit", "6"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(lines(&r)[0]["values"]["big"], 2);
}

#[test]
fn periods_count_as_steps() {
    // Three days: the per-day value takes 3 steps for its periods (and none for its empty
    // list), `sum of daily` 3 more: 6.
    let campaign = r#"campaign "days" {
  timezone Asia/Shanghai
  periods days = days 2024-03-01 through 2024-03-03
  facts { t: list of { at: timestamp } }
  let daily per day in days = count of t where at in day
  value total = sum of daily
}
"#;
    let (_dir, c, f) = setup("periods", campaign, "{\"id\":\"r\",\"t\":[]}\n");
    let ok = run(&["evaluate", &c, "--facts", &f, "--work-limit", "6"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let over = run(&["evaluate", &c, "--facts", &f, "--work-limit", "5"]);
    assert_eq!(over.code, 1);
    assert!(
        lines(&over)[0]["error"].as_str().unwrap().contains("work limit"),
        "{}",
        over.stdout
    );
}

/// Aggregates nested 30 deep, each over a list of its own and filtered by a fact of the item
/// around it (so none is the same for every item): 2 items a list, 2^30 steps. The default
/// limit stops it after 10^8 steps; here a small one stops it at once.
#[test]
fn work_that_grows_with_a_power_of_the_record_is_stopped() {
    let depth = 30;
    let mut expr = String::from("1 > 0");
    for level in (1..depth).rev() {
        expr = format!("(count of l{level} where {expr} and f{} ≥ 0) ≥ 0", level - 1);
    }
    let lists: Vec<String> = (0..depth).map(|i| format!("l{i}: list of {{ f{i}: count }}")).collect();
    let campaign = format!(
        "campaign \"deep\" {{\n  timezone Asia/Shanghai\n  facts {{ {} }}\n  value v = count of l0 where {expr}\n}}\n",
        lists.join(", ")
    );
    let items: Vec<String> = (0..depth)
        .map(|i| format!("\"l{i}\":[{{\"f{i}\":1}},{{\"f{i}\":2}}]"))
        .collect();
    let (_dir, c, f) = setup("deep", &campaign, &format!("{{\"id\":\"r\",{}}}\n", items.join(",")));
    let check = run(&["check", &c]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let r = run(&["evaluate", &c, "--facts", &f, "--work-limit", "100000"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        lines(&r)[0]["error"]
            .as_str()
            .unwrap()
            .contains("more than 100000 evaluation steps")
    );
}

#[test]
fn explain_and_test_take_the_limit_too() {
    let (dir, c, f) = setup("explain", TWO_COUNTS, RECORDS);
    let r = run(&["explain", &c, "--facts", &f, "--id", "three", "--work-limit", "5"]);
    assert_ne!(r.code, 0);
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("work limit"),
        "{} {}",
        r.stdout,
        r.stderr
    );
    let tests = dir.path().join("c.tests");
    std::fs::write(
        &tests,
        "case \"within the limit\" {\n  facts {\"t\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]}\n  expect big = 2\n}\n\ncase \"over a limit of its own\" {\n  with work_limit = 5\n  facts {\"t\": [{\"n\": 1}, {\"n\": 2}, {\"n\": 3}]}\n  expect error\n}\n",
    )
    .unwrap();
    let passes = run(&["test", &c]);
    assert_eq!(passes.code, 0, "{}{}", passes.stdout, passes.stderr);
    let fails = run(&["test", &c, "--work-limit", "5"]);
    assert_ne!(fails.code, 0, "{}{}", fails.stdout, fails.stderr);
}

#[test]
fn a_work_limit_must_be_a_positive_whole_number() {
    let (_dir, c, f) = setup("usage", TWO_COUNTS, RECORDS);
    for bad in ["0", "-3", "many", "1.5"] {
        let r = run(&["evaluate", &c, "--facts", &f, &format!("--work-limit={bad}")]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("is not a work limit"), "{bad}: {}", r.stderr);
    }
}
