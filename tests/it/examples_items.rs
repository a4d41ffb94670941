//! Amounts per list item (issue 16, item 6, second half): the example
//! `policies/examples/appstore-service-fee-per-order`, a technical service fee computed for each
//! order (15 % of the part of the order within the first 1,000,000 CNY of the year's income
//! before it, 30 % of the rest), rounded per order, listed order by order under `by_item`.
//!
//! Every expectation is **computed by hand** from the announcement quoted at the top of the
//! campaign and from docs/language.md ("Amounts per list item"); the arithmetic is beside each
//! record, none was copied from the tool's output. The other tests hold the cap consumed in the
//! list's order, what the checker refuses, and that formats other than JSON keep their columns.

use std::str::FromStr;

use campaign::diagnostics::Severity;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::examples::{assert_reports, evaluate, variant};
use crate::harness::{TempDir, campaign};

const NAME: &str = "appstore-service-fee-per-order";

/// Whether two results agree: objects with the same keys in the same order, arrays of the same
/// length, and decimal strings equal as decimals (`"0"` and `"0.00"`).
fn same(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            a.keys().eq(e.keys()) && a.iter().zip(e.iter()).all(|((_, x), (_, y))| same(x, y))
        }
        (Value::Array(a), Value::Array(e)) => a.len() == e.len() && a.iter().zip(e).all(|(x, y)| same(x, y)),
        (Value::String(a), Value::String(e)) => match (Decimal::from_str(a), Decimal::from_str(e)) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == e,
        },
        _ => actual == expected,
    }
}

fn result(id: &str, liable: bool, total: &str, by_item: &[&str], income: &str, reasons: &[&str]) -> Value {
    json!({
        "id": id,
        "liable": liable,
        "fees": {"service_fee": {"amount": total, "unit": "CNY", "by_item": by_item}},
        "values": {"yearly_income": {"amount": income, "unit": "CNY"}},
        "reasons": reasons,
    })
}

#[test]
fn each_order_owes_its_own_fee_rounded_on_its_own() {
    let expected = [
        // Listed A-1, A-3, A-2, A-4; paid in the order A-1 (01-05), A-2 (02-01), A-3 (03-01),
        // A-4 (03-02): the running total follows payment, `by_item` follows the list.
        // A-1: nothing before it; 600,000.00 all within: × 15 % = 90,000.00.
        // A-2: 600,000.00 before; 399,999.99 all within (999,999.99 with it): × 15 % =
        //   59,999.9985 → half up 60,000.00.
        // A-3 crosses: 999,999.99 before, 0.01 within → 0.0015; 1,000.00 past → 300.00;
        //   300.0015 → 300.00.
        // A-4: 1,001,000.00 before, all 10.05 past: × 30 % = 3.015, half a fen → half up 3.02.
        // Total 90,000.00 + 300.00 + 60,000.00 + 3.02 = 150,303.02. Income 1,001,010.05.
        result(
            "crosses-the-million",
            true,
            "150303.02",
            &["90000.00", "300.00", "60000.00", "3.02"],
            "1001010.05",
            &[],
        ),
        // Two orders of 0.10: each 0.10 × 15 % = 0.015 → half up 0.02; total 0.04 (rounding
        // the total of 0.03 instead would give 0.03).
        result("half-cents", true, "0.04", &["0.02", "0.02"], "0.20", &[]),
        // No orders: nothing listed, 0 owed.
        result("no-orders", true, "0", &[], "0", &[]),
        // C-1's amount is unknown: counted as 0, owes 0.00. C-2 refunded: 0, owes 0.00.
        // C-3: 0 before it, 200.00 × 15 % = 30.00.
        result(
            "unknown-and-refunded",
            true,
            "30.00",
            &["0.00", "0.00", "30.00"],
            "200.00",
            &[],
        ),
        // Paid in the same second: by order number as text, "D-10" < "D-2", so D-10 (listed
        // second) comes first: 2.00 within → 0.30. D-2: 2.00 before, 999,998.00 within →
        // 149,999.70, 1.00 past → 0.30: 150,000.00. Total 150,000.30.
        result(
            "same-second",
            true,
            "150000.30",
            &["150000.00", "0.30"],
            "1000001.00",
            &[],
        ),
        // In the support programme: not liable, every order 0; the income is still shown.
        result(
            "support-programme",
            false,
            "0",
            &["0", "0"],
            "150.00",
            &["参加开发者扶持计划的开发者本年度免收技术服务费"],
        ),
    ];
    let results = evaluate(NAME, &[]);
    assert_eq!(results.len(), expected.len(), "{results:?}");
    for (actual, e) in results.iter().zip(&expected) {
        assert!(same(actual, e), "\nactual:   {actual}\nexpected: {e}");
    }
}

/// Evaluates a campaign text against the example's facts; the results.
fn evaluate_text(name: &str, text: &str) -> Vec<Value> {
    let dir = TempDir::new("items", name);
    let c = dir.path().join("c.campaign");
    std::fs::write(&c, text).unwrap();
    let facts = format!("policies/examples/{NAME}.ndjson");
    let run = campaign(&["evaluate", c.to_str().unwrap(), "--facts", &facts, "--quiet"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_cap_on_the_total_is_consumed_in_the_lists_order() {
    let text = variant(
        NAME,
        "    rounded half up\n",
        "    rounded half up, at most 60000 CNY\n",
    );
    let results = evaluate_text("cap", &text);
    let fee = |i: usize| results.get(i).unwrap()["fees"]["service_fee"].clone();
    // crosses-the-million, in the list's order: A-1 90,000.00 → cut to the 60,000.00 of the cap;
    // A-3 300.00, A-2 60,000.00 and A-4 3.02 find nothing left.
    assert!(
        same(
            &fee(0),
            &json!({"amount": "60000.00", "unit": "CNY", "by_item": ["60000.00", "0", "0", "0"]})
        ),
        "{}",
        fee(0)
    );
    // same-second: D-2 (listed first) 150,000.00 → 60,000.00; D-10's 0.30 finds nothing left,
    // although D-10 comes first in payment order.
    assert!(
        same(
            &fee(4),
            &json!({"amount": "60000.00", "unit": "CNY", "by_item": ["60000.00", "0"]})
        ),
        "{}",
        fee(4)
    );
    // Below the cap, nothing changes: half-cents 0.02 + 0.02.
    assert!(
        same(
            &fee(1),
            &json!({"amount": "0.04", "unit": "CNY", "by_item": ["0.02", "0.02"]})
        ),
        "{}",
        fee(1)
    );
}

#[test]
fn a_cap_on_each_item_is_written_in_the_amount() {
    let text = variant(
        NAME,
        "= within_first_million × 15% + (income - within_first_million) × 30%,",
        "= min(within_first_million × 15% + (income - within_first_million) × 30%, 1000 CNY),",
    );
    let results = evaluate_text("min", &text);
    let fee = results.first().unwrap()["fees"]["service_fee"].clone();
    // A-1 90,000.00 → 1,000; A-3 300.0015 → 300.00; A-2 59,999.9985 → 1,000; A-4 3.015 → 3.02.
    // Total 2,303.02.
    assert!(
        same(
            &fee,
            &json!({"amount": "2303.02", "unit": "CNY", "by_item": ["1000", "300.00", "1000", "3.02"]})
        ),
        "{fee}"
    );
}

#[test]
fn what_a_per_item_amount_cannot_have() {
    for (from, to) in [
        ("    rounded half up\n", "    rounded half up, at least 1 CNY\n"),
        (
            "    rounded half up\n",
            "    rounded half up, expires 2025-12-31 24:00\n",
        ),
    ] {
        assert_reports(&variant(NAME, from, to), "check::invalid_modifier", Severity::Error);
    }
    // An amount that can be unknown must say what it owes.
    assert_reports(
        &variant(
            NAME,
            "(income - within_first_million) × 30%",
            "(amount - within_first_million) × 30%",
        ),
        "check::unknown_not_handled",
        Severity::Error,
    );
    // Without rounding, 15 % of an amount in fen has more decimals than CNY pays.
    assert_reports(
        &variant(NAME, ",\n    rounded half up\n", "\n"),
        "check::missing_rounding",
        Severity::Error,
    );
}

#[test]
fn csv_shows_the_total_only() {
    let run = campaign(&[
        "evaluate",
        &format!("policies/examples/{NAME}.campaign"),
        "--facts",
        &format!("policies/examples/{NAME}.ndjson"),
        "--format",
        "csv",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap();
    assert!(header.contains("service_fee"), "{header}");
    assert!(!header.contains("service_fee["), "no column per item: {header}");
    // The total of the first record, the sum of its rounded orders.
    assert!(lines.next().unwrap().contains("150303.02"), "{}", run.stdout);
}

#[test]
fn the_chinese_keywords_spell_per_item_of() {
    let dir = TempDir::new("items", "zh");
    let c = dir.path().join("c.campaign");
    let original = std::fs::read_to_string(format!("policies/examples/{NAME}.campaign")).unwrap();
    std::fs::write(&c, &original).unwrap();
    let run = campaign(&["fmt", "--keywords", "zh", "-q", c.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let chinese = std::fs::read_to_string(&c).unwrap();
    assert!(chinese.contains("费用 service_fee 每 项 于 orders ="), "{chinese}");
    let run = campaign(&["fmt", "--keywords", "en", "-q", c.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&c).unwrap(), original);
}

#[test]
fn explain_says_what_each_order_owes_and_where_the_million_was_reached() {
    let run = campaign(&[
        "explain",
        &format!("policies/examples/{NAME}.campaign"),
        "--facts",
        &format!("policies/examples/{NAME}.ndjson"),
        "--id",
        "crosses-the-million",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The items in the list's order, each exact amount worked out by hand above (A-1, A-3, A-2,
    // A-4), and A-3 (orders[1]) where the running total crossed 1,000,000 CNY.
    for line in [
        "the running total reached 1,000,000 CNY at orders[1], the 3rd in that order (999,999.99 CNY before it, 1,001,000.00 CNY with it)",
        "service_fee = 150,303.02 CNY",
        "orders[0]: computed 90,000 CNY, rounded half up to 0.01, owed 90,000.00 CNY",
        "orders[1]: computed 300.0015 CNY, rounded half up to 0.01, owed 300.00 CNY",
        "orders[2]: computed 59,999.9985 CNY, rounded half up to 0.01, owed 60,000.00 CNY",
        "orders[3]: computed 3.015 CNY, rounded half up to 0.01, owed 3.02 CNY",
    ] {
        assert!(run.stdout.contains(line), "missing `{line}` in:\n{}", run.stdout);
    }
}

#[test]
fn a_tests_file_checks_one_item_by_its_position() {
    let dir = TempDir::new("items", "tests-file");
    let c = dir.path().join("fee.campaign");
    std::fs::copy(format!("policies/examples/{NAME}.campaign"), &c).unwrap();
    // The "crosses-the-million" record: A-1, A-3, A-2, A-4 owe 90,000.00, 300.00, 60,000.00,
    // 3.02 (worked out in `each_order_owes_its_own_fee_rounded_on_its_own`).
    let passing = r#"case "listed orders" {
  facts {"in_support_programme": false, "orders": [
    {"order_id": "A-1", "paid_at": "2025-01-05T10:00:00+08:00", "amount": "600000.00", "refunded": false},
    {"order_id": "A-3", "paid_at": "2025-03-01T10:00:00+08:00", "amount": "1000.01", "refunded": false},
    {"order_id": "A-2", "paid_at": "2025-02-01T10:00:00+08:00", "amount": "399999.99", "refunded": false},
    {"order_id": "A-4", "paid_at": "2025-03-02T10:00:00+08:00", "amount": "10.05", "refunded": false}]}
  expect liable
  expect service_fee = 150303.02 CNY
  expect service_fee[0] = 90000 CNY
  expect service_fee[1] = 300.00
  expect service_fee[2] = 60000.00 CNY
  expect service_fee[3] = 3.02 CNY
}
"#;
    std::fs::write(dir.path().join("fee.tests"), passing).unwrap();
    let run = campaign(&["test", c.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // A wrong amount, an item past the end of the list and a key that is not a position fail.
    let failing = passing
        .replace("expect service_fee[3] = 3.02 CNY", "expect service_fee[3] = 3.01 CNY")
        .replace("expect service_fee[1] = 300.00", "expect service_fee[4] = 0 CNY");
    std::fs::write(dir.path().join("fee.tests"), &failing).unwrap();
    let run = campaign(&["test", c.to_str().unwrap()]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("3.02"), "{}", run.stdout);
    assert!(run.stdout.contains("no amount"), "{}", run.stdout);
    let unknown_key = passing.replace("service_fee[0]", "service_fee[A-1]");
    std::fs::write(dir.path().join("fee.tests"), unknown_key).unwrap();
    let run = campaign(&["test", c.to_str().unwrap()]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("`A-1` is not an item of the reward `service_fee`"),
        "{all}"
    );
}
