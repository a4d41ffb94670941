//! Exact arithmetic end to end (issue 14, item 3): quotients stay exact until a declared
//! rounding, a value without a finite decimal form is shown to 28 significant digits, and a
//! result a number cannot hold fails its record instead of being rounded. Each test fails on
//! the evaluator that rounded every quotient to 28 digits.

use serde_json::Value as Json;

use crate::harness::{TempDir, campaign};

/// The results (one JSON object per record) of `campaign evaluate` on a campaign and NDJSON.
fn evaluate(name: &str, text: &str, facts: &str) -> Vec<Json> {
    let dir = TempDir::new("exact", name);
    let policy = dir.join("c.campaign");
    let data = dir.join("f.ndjson");
    std::fs::write(&policy, text).unwrap();
    std::fs::write(&data, facts).unwrap();
    let run = campaign(&[
        "evaluate",
        policy.to_str().unwrap(),
        "--facts",
        data.to_str().unwrap(),
        "--format",
        "ndjson",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn amount(result: &Json, kind: &str, name: &str) -> String {
    let v = &result[kind][name];
    v.get("amount")
        .unwrap_or(v)
        .as_str()
        .unwrap_or_else(|| panic!("{result}"))
        .to_string()
}

#[test]
fn a_quotient_in_brackets_pays_what_the_product_pays() {
    let text = r#"campaign "discount" {
  timezone Asia/Shanghai
  facts {
    turnover: decimal
    discount: decimal
  }
  value share = 1000000 CNY ÷ turnover
  value grouped = discount × (1000000 CNY ÷ turnover)
  reward grouped_pay = discount × (1000000 CNY ÷ turnover) if unknown 0, rounded half up to 0.01
  reward product_pay = discount × 1000000 CNY ÷ turnover if unknown 0, rounded half up to 0.01
}"#;
    let results = evaluate(
        "brackets",
        text,
        "{\"id\":\"a\",\"turnover\":\"3000000\",\"discount\":\"300.015\"}\n",
    );
    let r = &results[0];
    // Exactly 100.005, rounded half up: 100.01 both ways (it paid 100.00 with the brackets).
    assert_eq!(amount(r, "rewards", "grouped_pay"), "100.01");
    assert_eq!(amount(r, "rewards", "product_pay"), "100.01");
    assert_eq!(amount(r, "values", "grouped"), "100.005");
    // A value with no finite decimal form: 28 significant digits, half to even.
    assert_eq!(amount(r, "values", "share"), "0.3333333333333333333333333333");
}

#[test]
fn quotients_are_exact_through_arithmetic_comparisons_and_tables() {
    let text = r#"campaign "ratios" {
  timezone Asia/Shanghai
  facts {
    x: decimal
    xs: list of { v: decimal }
  }
  value seventh = 1000000 ÷ 7
  value back = x ÷ 3 × 3
  value folded = 1 ÷ 3 × 3
  value average_times_three = (average of xs.v) × 3
  value tier = band of (x ÷ 3) {
    .. 0.6666666666666666666666666667 -> "below"
    0.6666666666666666666666666667 .. -> "above"
  }
  value least_times_three = min(x ÷ 3, 0.6666666666666666666666666667) × 3
  let third = x ÷ 3, rounded half up to 0.01
  value rounded_third = third
}"#;
    let results = evaluate(
        "arithmetic",
        text,
        "{\"id\":\"a\",\"x\":\"2\",\"xs\":[{\"v\":\"1\"},{\"v\":\"1\"},{\"v\":\"2\"}]}\n",
    );
    let r = &results[0];
    assert_eq!(amount(r, "values", "seventh"), "142857.1428571428571428571429");
    assert_eq!(amount(r, "values", "back"), "2");
    assert_eq!(amount(r, "values", "folded"), "1");
    assert_eq!(amount(r, "values", "average_times_three"), "4");
    // 2 ÷ 3 is below 0.666…7, its 28 digits rounded up.
    assert_eq!(r["values"]["tier"], "below", "{r}");
    assert_eq!(amount(r, "values", "least_times_three"), "2");
    assert_eq!(amount(r, "values", "rounded_third"), "0.67");
}

#[test]
fn a_result_a_number_cannot_hold_fails_its_record_and_only_it() {
    let text = r#"campaign "limits" {
  timezone Asia/Shanghai
  facts {
    x: decimal
    rate: decimal
  }
  value half = x × 0.5
  value squared = rate × rate
}"#;
    let results = evaluate(
        "limits",
        text,
        concat!(
            "{\"id\":\"big\",\"x\":\"79228162514264337593543950335\",\"rate\":\"0.5\"}\n",
            "{\"id\":\"tiny\",\"x\":\"1\",\"rate\":\"0.0000000000000000000000000001\"}\n",
            "{\"id\":\"fine\",\"x\":\"79228162514264337593543950334\",\"rate\":\"0.01\"}\n",
        ),
    );
    // rust_decimal rounds the first product to 39614081257132168796771975168 without a word.
    assert_eq!(results[0]["id"], "big");
    assert_eq!(
        results[0]["error"],
        "the exact result of `79228162514264337593543950335 × 0.5` cannot be held: its digits would \
         exceed 79228162514264337593543950335 in `half`"
    );
    // 1e-28 squared is not zero.
    assert_eq!(
        results[1]["error"],
        "the exact result of `0.0000000000000000000000000001 × 0.0000000000000000000000000001` cannot \
         be held: it would need more than 28 decimal places in `squared`"
    );
    assert_eq!(amount(&results[2], "values", "half"), "39614081257132168796771975167");
    assert_eq!(amount(&results[2], "values", "squared"), "0.0001");
}

#[test]
fn a_claim_a_budget_cannot_take_exactly_fails_its_record() {
    // 79228162514264337593543950335 - 0.01 has 31 digits: the budget left was rounded back to
    // the whole budget, as if the claim had cost nothing.
    let text = r#"campaign "budget" {
  timezone Asia/Shanghai
  facts {
    paid: money CNY
    applied_at: timestamp
  }
  reward cash = paid, rounded down,
    budget 79228162514264337593543950335 CNY in total, first come first served by applied_at
}"#;
    let results = evaluate(
        "budget",
        text,
        concat!(
            "{\"id\":\"a\",\"paid\":\"0.01\",\"applied_at\":\"2024-01-01T00:00:00+08:00\"}\n",
            "{\"id\":\"b\",\"paid\":\"5\",\"applied_at\":\"2024-01-02T00:00:00+08:00\"}\n",
        ),
    );
    assert_eq!(
        results[0]["error"],
        "the exact result of `79228162514264337593543950335 - 0.01` cannot be held: its digits would \
         exceed 79228162514264337593543950335 in the reward `cash`"
    );
    assert_eq!(amount(&results[1], "rewards", "cash"), "5.00");
}
