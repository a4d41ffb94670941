//! Issue 14: nothing `check` accepts pays a wrong amount silently. Every amount that becomes
//! payable is at its payable step, whichever path it took (a `reward`, a `let` that is paid, a
//! per-period value), and an amount is never scaled by a number that reads like a percentage.

use std::path::Path;

use serde_json::Value;

use crate::harness::{TempDir, campaign};

/// Writes `text` as a campaign and `facts` as its fact file in a fresh folder.
fn files(test: &str, text: &str, facts: &str) -> (TempDir, String, String) {
    let dir = TempDir::new("money", test);
    let policy = dir.join("c.campaign");
    let data = dir.join("facts.ndjson");
    std::fs::write(&policy, text).unwrap();
    std::fs::write(&data, facts).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (policy, data) = (s(&policy), s(&data));
    (dir, policy, data)
}

/// The amount paid for reward `name` in each result, in input order.
fn paid(text: &str, facts: &str, test: &str, name: &str) -> Vec<String> {
    let (_dir, policy, data) = files(test, text, facts);
    let run = campaign(&["evaluate", &policy, "--facts", &data]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["rewards"][name]["amount"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn a_floor_from_facts_on_a_rounded_let_that_is_paid_is_raised_to_the_fen() {
    let text = r#"campaign "floor on a let" {
  timezone Asia/Shanghai
  facts { gmv: money CNY, floor: money CNY, cap: money CNY }
  let pay = gmv × 1%, rounded down, at least floor
  let capped = gmv × 1%, rounded down, at most cap
  reward floored = pay
  reward topped = capped
}
"#;
    let facts = "{\"id\":\"a\",\"gmv\":\"100\",\"floor\":\"7.771\",\"cap\":\"0.559\"}\n";
    assert_eq!(paid(text, facts, "let-floor", "floored"), ["7.78"]);
    assert_eq!(paid(text, facts, "let-cap", "topped"), ["0.55"]);
}

#[test]
fn a_floor_from_facts_on_a_per_period_value_is_raised_to_the_fen() {
    let text = r#"campaign "floor per period" {
  timezone Asia/Shanghai
  periods settlement = months 2024-01 through 2024-02
  facts { floor: money CNY, orders: list of { at: timestamp, amount: money CNY } }
  let monthly per month in settlement = sum of orders.amount where at in month
  let owed per month in settlement = monthly × 1%, rounded down, at least floor
  reward cash per month in settlement = owed
}
"#;
    let facts =
        "{\"id\":\"a\",\"floor\":\"1.001\",\"orders\":[{\"at\":\"2024-01-05T10:00:00+08:00\",\"amount\":\"50\"}]}\n";
    assert_eq!(paid(text, facts, "period-floor", "cash"), ["2.02"]);
}

#[test]
fn a_reward_rounded_finer_than_its_unit_pays_is_refused() {
    let text = r#"campaign "fine" {
  timezone Asia/Shanghai
  facts { gmv: money CNY }
  reward cash = gmv × 1%, rounded down to 0.001
}
"#;
    let (_dir, policy, _) = files("finer", text, "");
    let run = campaign(&["check", &policy]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("check::invalid_rounding"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_let_rounded_finer_than_its_unit_pays_must_be_rounded_again_where_it_is_paid() {
    let text = r#"campaign "fine let" {
  timezone Asia/Shanghai
  facts { gmv: money CNY }
  let pay = gmv × 1%, rounded down to 0.001
  reward cash = pay
}
"#;
    let (_dir, policy, _) = files("finer-let", text, "");
    let run = campaign(&["check", &policy]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("check::missing_rounding"),
        "{}",
        run.stderr
    );
}
