//! Outputs that are not rewards (issue 16, item 6): fees, owed by the records that are liable.
//!
//! The example `policies/examples/platform-technical-service-fee` is evaluated and every result
//! compared with an expectation **computed by hand** from its announcement and
//! `docs/language.md` (the arithmetic is beside each record; none was copied from the tool's
//! output). The other tests hold what a campaign of fees says in every output — results, CSV,
//! table, summary line, explanations, `.tests` files — and what the checker refuses.

use std::str::FromStr;

use campaign::check::check;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::harness::{TempDir, campaign, root};

const NAME: &str = "platform-technical-service-fee";

fn policy() -> String {
    format!("policies/examples/{NAME}.campaign")
}

fn facts() -> String {
    format!("policies/examples/{NAME}.ndjson")
}

/// Whether two results agree: objects with the same keys, in the same order, lists of the same
/// length, and decimal strings equal as decimals (`"1000"` and `"1000.00"`).
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

fn cny(amount: &str) -> Value {
    json!({"amount": amount, "unit": "CNY"})
}

/// The values: Q1's settled GMV, and each month's settled amount and largest order (`None`:
/// unknown, a month without orders).
fn values(gmv: &str, settled: [&str; 3], largest: [Option<&str>; 3]) -> Value {
    let months = ["2025-01", "2025-02", "2025-03"];
    let settled: serde_json::Map<String, Value> = months
        .iter()
        .zip(settled)
        .map(|(m, a)| (m.to_string(), cny(a)))
        .collect();
    let largest: serde_json::Map<String, Value> = months
        .iter()
        .zip(largest)
        .map(|(m, a)| (m.to_string(), a.map_or(Value::Null, cny)))
        .collect();
    json!({"settled_gmv": cny(gmv), "monthly_settled": {"by_period": settled}, "largest_order": {"by_period": largest}})
}

/// The fee object: its total and its three months.
fn fee(total: &str, jan: &str, feb: &str, mar: &str) -> Value {
    json!({"technical_service_fee": {"amount": total, "unit": "CNY",
           "by_period": {"2025-01": jan, "2025-02": feb, "2025-03": mar}}})
}

fn evaluate(format: &str, extra: &[&str]) -> crate::harness::Run {
    let (policy, facts) = (policy(), facts());
    let mut args = vec![
        "evaluate",
        policy.as_str(),
        "--facts",
        facts.as_str(),
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    campaign(&args)
}

#[test]
fn the_fee_example_owes_what_the_announcement_says() {
    let run = evaluate("ndjson", &["--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let actual: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Rates: 数码家电 2 %, 服饰鞋包 5 %, others 3 %; half of that for a merchant onboarded on or
    // after 2025-01-01, on orders settled before the 1st of the month after next. Each month's
    // sum of unrefunded orders rounded half up to the fen, at most 5000 CNY a month.
    let expected = [
        // Onboarded 2023: no discount. January: 1000.00 × 2 % = 20.00, plus 333.33 × 5 % =
        // 16.6665 (settled 01-31 23:59:59, still January) → 36.6665 → 36.67. February: the 图书
        // order at 02-01 00:00 is February's: 200.00 × 3 % = 6.00; the refunded 500.00 pays
        // nothing. The orders of 2024-12-31 23:59:59 and 2025-04-01 00:00 are in no month.
        // Total 42.67; settled GMV in Q1 1000.00 + 333.33 + 200.00 = 1533.33: January 1333.33
        // (largest 1000.00), February 200.00 (the refunded 500.00 left out), March nothing.
        json!({"id": "old-merchant", "liable": true, "fees": fee("42.67", "36.67", "6.00", "0"),
               "values": values("1533.33", ["1333.33", "200.00", "0"], [Some("1000.00"), Some("200.00"), None]),
               "reasons": []}),
        // Onboarded 2025-01-20: discounted until 2025-03-01 00:00. January: 1000 × 2 % × 50 % =
        // 10.00. February: 100.01 × 5 % × 50 % = 2.50025 → 2.50 (02-28 23:59:59 is discounted).
        // March: 100.10 × 5 % = 5.005 (03-01 00:00 is no longer discounted) → half up 5.01.
        // Total 17.51; GMV 1200.11, one order a month.
        json!({"id": "new-merchant", "liable": true, "fees": fee("17.51", "10.00", "2.50", "5.01"),
               "values": values("1200.11", ["1000", "100.01", "100.10"], [Some("1000"), Some("100.01"), Some("100.10")]),
               "reasons": []}),
        // Onboarded 2024-12-31 23:59:59, one second before the cut-off: the full rate, 1000 × 2 %.
        json!({"id": "onboarded-just-before", "liable": true, "fees": fee("20.00", "20.00", "0", "0"),
               "values": values("1000", ["1000", "0", "0"], [Some("1000"), None, None]), "reasons": []}),
        // January 250000.50 × 2 % = 5000.01 → capped at 5000.00; February 150000 × 5 % = 7500 →
        // 5000.00. The cap is per month: 10000.00 in all.
        json!({"id": "capped", "liable": true, "fees": fee("10000.00", "5000.00", "5000.00", "0"),
               "values": values("400000.50", ["250000.50", "150000", "0"], [Some("250000.50"), Some("150000"), None]),
               "reasons": []}),
        // Frozen: not liable, every month 0; the values are still computed.
        json!({"id": "frozen", "liable": false, "fees": fee("0", "0", "0", "0"),
               "values": values("1000.00", ["1000.00", "0", "0"], [Some("1000.00"), None, None]),
               "reasons": ["店铺违规冻结期间不收取技术服务费"]}),
        // No orders: liable for nothing; no month has a largest order.
        json!({"id": "no-orders", "liable": true, "fees": fee("0", "0", "0", "0"),
               "values": values("0", ["0", "0", "0"], [None, None, None]), "reasons": []}),
    ];
    assert_eq!(actual.len(), expected.len(), "{}", run.stdout);
    for (a, e) in actual.iter().zip(&expected) {
        assert!(same(a, e), "\nactual:   {a}\nexpected: {e}");
    }
}

#[test]
fn no_output_of_a_fee_campaign_speaks_of_eligibility() {
    let table = evaluate("table", &[]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let header = table.stdout.lines().next().unwrap_or_default();
    assert!(header.starts_with("id") && header.contains("liable"), "{header}");
    assert!(
        table
            .stderr
            .contains("6 records read: 5 liable, 1 not liable, 0 failed (6 results + 0 errors = 6 records)"),
        "{}",
        table.stderr
    );
    // A value shown per period: a column per month (which, as the fee's, leave the grid for
    // lines under each row when the table is too wide), none for the whole; unknown is empty.
    assert!(
        table.stdout.contains("monthly_settled[2025-01] 1333.33"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("largest_order[2025-02] 200.00"),
        "{}",
        table.stdout
    );
    let csv = evaluate("csv", &["--quiet"]);
    assert!(
        csv.stdout.lines().next().is_some_and(|h| h.ends_with(
            ",settled_gmv,monthly_settled[2025-01],monthly_settled[2025-02],monthly_settled[2025-03],\
             largest_order[2025-01],largest_order[2025-02],largest_order[2025-03],reasons,error"
        )),
        "{}",
        csv.stdout
    );
    assert!(
        csv.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with(",1533.33,1333.33,200.00,0,1000.00,200.00,,,")),
        "{}",
        csv.stdout
    );
    assert!(
        csv.stdout
            .starts_with("id,liable,technical_service_fee,technical_service_fee[2025-01],"),
        "{}",
        csv.stdout
    );
    let explained = evaluate("table", &["--explain", "--quiet"]);
    assert!(explained.stdout.contains("frozen: not liable"), "{}", explained.stdout);
    assert!(
        explained.stdout.contains("old-merchant: liable"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("not liable: nothing is owed"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("2025-01: computed 36.67 CNY, owed 36.67 CNY"),
        "{}",
        explained.stdout
    );
    let json = evaluate("ndjson", &["--explain", "--quiet"]);
    let first: Value = serde_json::from_str(json.stdout.lines().next().unwrap_or_default()).unwrap();
    let keys: Vec<&String> = first["explanation"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "liable", "conditions", "values", "fees"]);
    for run in [&table, &csv, &explained, &json] {
        for word in ["eligible", "qualif", "reward"] {
            assert!(
                !run.stdout.contains(word) && !run.stderr.contains(word),
                "`{word}` in:\n{}{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

#[test]
fn a_tests_file_expects_liable_and_refuses_eligible() {
    let dir = TempDir::new("outputs", "liable");
    std::fs::copy(root().join(policy()), dir.join("fee.campaign")).unwrap();
    let facts = r#"{"onboarded_at": "2023-05-10T09:00:00+08:00", "frozen": true, "orders": []}"#;
    let tests = format!(
        "case \"frozen\" {{\n  facts {facts}\n  expect not liable\n  expect reason \"店铺违规冻结期间不收取技术服务费\"\n  expect technical_service_fee = 0 CNY\n  expect monthly_settled[2025-02] = 0 CNY\n  expect largest_order[2025-02] = null\n}}\n\n\
         case \"wrongly liable\" {{\n  facts {facts}\n  expect liable\n}}\n"
    );
    std::fs::write(dir.join("fee.tests"), tests).unwrap();
    let r = campaign(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("1 passed, 1 failed"), "{}", r.stdout);
    assert!(r.stdout.contains("- expected: liable"), "{}", r.stdout);
    assert!(r.stdout.contains("+ actual:   not liable"), "{}", r.stdout);
    assert!(r.stdout.contains("wrongly liable: not liable"), "{}", r.stdout);
    assert!(r.stdout.contains("not liable: nothing is owed"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("value largest_order = 2025-01 null, 2025-02 null, 2025-03 null"),
        "{}",
        r.stdout
    );

    // `eligible` is a reward campaign's word: refused, naming the word to write.
    std::fs::write(
        dir.join("fee.tests"),
        format!("case \"eligible\" {{\n  facts {facts}\n  expect not eligible\n}}\n"),
    )
    .unwrap();
    let r = campaign(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(out.contains("test::syntax"), "{out}");
    assert!(
        out.contains("the campaign's records are liable or not, never eligible"),
        "{out}"
    );
    assert!(out.contains("the word of a campaign of rewards"), "{out}");
    assert!(out.contains("write `expect liable` or `expect not"), "{out}");
}

#[test]
fn a_reward_campaign_refuses_liable_in_its_tests() {
    let dir = TempDir::new("outputs", "eligible");
    std::fs::copy(
        root().join("policies/channels-edu-back-to-school-2024.campaign"),
        dir.join("edu.campaign"),
    )
    .unwrap();
    let tests = "case \"liable\" {\n  facts {\"store_score\": 4.2, \"sales\": []}\n  expect not liable\n}\n";
    std::fs::write(dir.join("edu.tests"), tests).unwrap();
    let r = campaign(&["test", dir.path().to_str().unwrap()]);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert_eq!(r.code, 1, "{out}");
    assert!(
        out.contains("the campaign's records are eligible or not, never liable"),
        "{out}"
    );
}

/// The example with `from` (which must occur exactly once) replaced by `to`: its codes.
fn codes_of_variant(from: &str, to: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(policy())).unwrap();
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in the example");
    let text = text.replace(from, to);
    check(&text)
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().to_string())
        .collect()
}

#[test]
fn a_fee_is_refused_beside_a_reward_and_with_a_rewards_payout() {
    let fee = "  fee technical_service_fee per month in settlement = monthly_fee\n";
    let mixed = format!("{fee}  reward rebate = settled_gmv × 0.1%, rounded down\n");
    assert_eq!(codes_of_variant(fee, &mixed), ["check::mixed_outputs"]);
    // The other way round: a reward first, then a fee.
    let mixed = format!("  reward rebate = settled_gmv × 0.1%, rounded down\n{fee}");
    assert_eq!(codes_of_variant(fee, &mixed), ["check::mixed_outputs"]);
    // Two fees are one kind.
    let two = format!("{fee}  fee listing = 100 CNY\n");
    assert!(codes_of_variant(fee, &two).is_empty());
    for modifier in [
        ", expires 2025-12-31 24:00",
        ", paid 50% on 2025-02-01 and 50% on 2025-03-01",
        ", budget 1000 CNY in total, first come first served by onboarded_at",
    ] {
        let once = format!("  fee listing = 100 CNY{modifier}\n");
        assert_eq!(
            codes_of_variant(fee, &format!("{fee}{once}")),
            ["check::invalid_modifier"],
            "{modifier}"
        );
    }
    // Rounding and caps are a fee's as a reward's: a fee that needs rounding asks for it.
    let unrounded = "  fee listing = settled_gmv × 0.15%\n";
    assert_eq!(
        codes_of_variant(fee, &format!("{fee}{unrounded}")),
        ["check::missing_rounding"]
    );
}

#[test]
fn a_tests_file_checks_a_per_period_value_one_period_at_a_time() {
    let dir = TempDir::new("outputs", "by-period");
    std::fs::copy(root().join(policy()), dir.join("fee.campaign")).unwrap();
    let facts = r#"{"onboarded_at": "2023-05-10T09:00:00+08:00", "frozen": false, "orders": [{"id": "o", "category": "图书", "amount": "10.00", "settled_at": "2025-02-03T00:00:00+08:00", "refunded": false}]}"#;
    // February: 10.00 settled, 10.00 × 3 % = 0.30 owed; the other months nothing (no largest).
    let right = format!(
        "case \"one order\" {{\n  facts {facts}\n  expect liable\n  expect monthly_settled[2025-02] = 10 CNY\n  \
         expect largest_order[2025-01] = null\n  expect technical_service_fee[2025-02] = 0.30 CNY\n}}\n\n\
         table \"months\" {{\n  facts {facts}\n  | orders[0].amount | monthly_settled[2025-02] | largest_order[2025-02] | monthly_settled[2025-03] |\n  \
         | \"20.00\" | 20 CNY | 20 CNY | 0 CNY |\n}}\n"
    );
    std::fs::write(dir.join("fee.tests"), right).unwrap();
    let r = campaign(&["test", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("2 passed, 0 failed"), "{}", r.stdout);
    // Coverage speaks of charging the liable, not of paying the eligible: both cases' records are
    // liable and owe a non-zero fee (0.30 CNY, then 20.00 × 3 % = 0.60 CNY).
    let r = campaign(&["test", "--coverage", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("fee technical_service_fee: charged 2 records, 0 to 0 liable"),
        "{}",
        r.stdout
    );

    for (expect, message) in [
        (
            "monthly_settled = 10 CNY",
            "the value `monthly_settled` is shown per period",
        ),
        (
            "monthly_settled[2025-04] = 10 CNY",
            "`2025-04` is not a period of the value `monthly_settled`",
        ),
        (
            "settled_gmv[2025-01] = 10 CNY",
            "the value `settled_gmv` has no periods",
        ),
    ] {
        let wrong = format!("case \"wrong\" {{\n  facts {facts}\n  expect {expect}\n}}\n");
        std::fs::write(dir.join("fee.tests"), wrong).unwrap();
        let r = campaign(&["test", dir.path().to_str().unwrap()]);
        let out = format!("{}{}", r.stdout, r.stderr);
        assert_eq!(r.code, 1, "{out}");
        assert!(out.contains(message), "{expect}: {out}");
    }
}
