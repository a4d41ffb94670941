//! A balance carried across months (issue 16, item 1, third bullet): the example
//! `policies/examples/marketplace-ad-credit-offsets-commission`, a monthly ad credit (10 % of the
//! month's ad spend) spent on the next months' commission (5 % of each settled order), order by
//! order before cash, expiring 2 months after the month it was earned, oldest first, lost when
//! the merchant leaves.
//!
//! Every expectation is **computed by hand** from the announcement quoted at the top of the
//! campaign and from docs/language.md ("Balances carried across months"); the arithmetic is
//! beside each record, none was copied from the tool's output. The other tests hold what the
//! explanation says of each order and what the checker refuses.

use std::str::FromStr;

use campaign::diagnostics::Severity;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::examples::{assert_no_errors, assert_reports, evaluate, variant};
use crate::harness::campaign;

const NAME: &str = "marketplace-ad-credit-offsets-commission";

const MONTHS: [&str; 6] = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"];

/// Whether two results agree: objects with the same keys in the same order, and decimal strings
/// equal as decimals (`"0"` and `"0.00"`).
fn same(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            a.keys().eq(e.keys()) && a.iter().zip(e.iter()).all(|((_, x), (_, y))| same(x, y))
        }
        (Value::String(a), Value::String(e)) => match (Decimal::from_str(a), Decimal::from_str(e)) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == e,
        },
        _ => actual == expected,
    }
}

/// An amount in CNY for each month, January to June, as a per-month value shows it.
fn monthly(amounts: [&str; 6]) -> Value {
    let by_period: serde_json::Map<String, Value> = MONTHS
        .iter()
        .zip(amounts)
        .map(|(m, a)| (m.to_string(), json!({"amount": a, "unit": "CNY"})))
        .collect();
    json!({ "by_period": by_period })
}

/// What one merchant owes and what its balance did, month by month.
struct Months {
    cash: (&'static str, [&'static str; 6]),
    left: [&'static str; 6],
    credited: [&'static str; 6],
    used: [&'static str; 6],
    expired: [&'static str; 6],
    lost: [&'static str; 6],
}

fn result(id: &str, m: Months) -> Value {
    let (total, cash) = m.cash;
    let by_period: serde_json::Map<String, Value> = MONTHS
        .iter()
        .zip(cash)
        .map(|(k, a)| (k.to_string(), json!(a)))
        .collect();
    json!({
        "id": id,
        "liable": true,
        "fees": {"commission_cash": {"amount": total, "unit": "CNY", "by_period": by_period}},
        "values": {
            "ad_credit": monthly(m.left),
            "credit_earned": monthly(m.credited),
            "used_credit": monthly(m.used),
            "expired_credit": monthly(m.expired),
            "lost_credit": monthly(m.lost),
        },
        "reasons": [],
    })
}

const NONE: [&str; 6] = ["0", "0", "0", "0", "0", "0"];

#[test]
fn the_credit_pays_the_next_months_commission_order_by_order_before_cash() {
    let expected = [
        // Credit used across several orders; the first month sees no credit.
        // Jan: ad 2000.00 × 10 % = 200.00, usable from 02-01 00:00. A-0 (01-25): 100 × 5 % = 5.00,
        //   no credit yet: 5.00 in cash. Left 200.00.
        // Feb: A-1 50.00, A-2 60.00, A-3 (02-28 23:59:59) 30.00, all from January's credit:
        //   used 140.00, left 60.00.
        // Mar: A-4 (03-01 00:00, March's first instant) 50.00 from January's: left 10.00. At
        //   March's end January's credit is 2 months old: the 10.00 expires. Left 0.
        // Cash 5.00, all in January.
        result(
            "several-orders",
            Months {
                cash: ("5.00", ["5.00", "0", "0", "0", "0", "0"]),
                left: ["200.00", "60.00", "0", "0", "0", "0"],
                credited: ["200.00", "0", "0", "0", "0", "0"],
                used: ["0", "140.00", "50.00", "0", "0", "0"],
                expired: ["0", "0", "10.00", "0", "0", "0"],
                lost: NONE,
            },
        ),
        // An order split between credit and cash; ties broken by the order number as text.
        // Jan: 300.00 × 10 % = 30.00.
        // Feb: C-2 (fee 20.00) and C-10 (fee 15.00) are settled at the same instant: by
        //   order_id, "C-10" < "C-2" (character order), so C-10 first although written second:
        //   15.00 from credit, then C-2 takes the 15.00 left and pays 5.00 in cash. C-3: 12.34 ×
        //   5 % = 0.617, no credit left: 0.617 cash. Cash 5.617 → 5.62 (half up).
        //   February's credit: 123.45 × 10 % = 12.345, rounded down to 12.34; left 12.34.
        // Mar: C-4: 246.90 × 5 % = 12.345; the credit pays whole fen only, 12.34 (all of it),
        //   0.005 in cash → 0.01 (half up). Left 0.
        // Total cash 5.62 + 0.01 = 5.63.
        result(
            "split-and-ties",
            Months {
                cash: ("5.63", ["0", "5.62", "0.01", "0", "0", "0"]),
                left: ["30.00", "12.34", "0", "0", "0", "0"],
                credited: ["30.00", "12.34", "0", "0", "0", "0"],
                used: ["0", "30.00", "12.34", "0", "0", "0"],
                expired: NONE,
                lost: NONE,
            },
        ),
        // The oldest credit is used first and expires while a newer one remains.
        // Jan: 1000.00 (01-31 23:59:59) → 100.00. Feb: 500.00 (02-01 00:00) → 50.00.
        // Feb: D-1 20.00 from January's (80.00 left of it); left 80.00 + 50.00 = 130.00.
        // Mar: D-2 50.00 from January's (oldest; 30.00 left of it). At March's end January's
        //   30.00 expires; February's 50.00 remains: left 50.00.
        // Apr: D-3 30.00 from February's (20.00 left). At April's end February's credit is 2
        //   months old: 20.00 expires. Left 0. No cash.
        result(
            "oldest-expires-first",
            Months {
                cash: ("0", NONE),
                left: ["100.00", "130.00", "50.00", "0", "0", "0"],
                credited: ["100.00", "50.00", "0", "0", "0", "0"],
                used: ["0", "20.00", "50.00", "30.00", "0", "0"],
                expired: ["0", "0", "30.00", "20.00", "0", "0"],
                lost: NONE,
            },
        ),
        // Leaving mid-month (04-15 12:00).
        // Jan: 200.00 → 20.00. Feb: E-1 5.00 from it (15.00 left). At March's end the 15.00
        //   expires; March's credit 300.00 → 30.00 is added: left 30.00.
        // Apr: E-2 (04-10) 10.00 from March's: 20.00 held. At 04-15 12:00 the 20.00 is lost.
        //   E-3 settled at that very instant: no credit, 1.00 cash; E-4 (04-20) 5.00 cash.
        //   April's credit 100.00 → 10.00 is lost as it is added: lost 30.00. Cash 6.00.
        // May: credit 50.00 → 5.00, lost. E-5 2.00 cash. Total cash 8.00.
        result(
            "leaves-mid-april",
            Months {
                cash: ("8.00", ["0", "0", "0", "6.00", "2.00", "0"]),
                left: ["20.00", "15.00", "30.00", "0", "0", "0"],
                credited: ["20.00", "0", "30.00", "10.00", "5.00", "0"],
                used: ["0", "5.00", "0", "10.00", "0", "0"],
                expired: ["0", "0", "15.00", "0", "0", "0"],
                lost: ["0", "0", "0", "30.00", "5.00", "0"],
            },
        ),
        // Unknowns and orders outside the months: no `left_at` (has not left); F-1 has no
        // settlement time (not settled, left out by the filter); F-2 (2024-12-31 23:59:59) and
        // F-4 (2025-07-01 00:00) are outside the programme: no credit, no cash. December's ad
        // spend is before the programme and credits nothing.
        // Jan: 100.00 → 10.00. Feb: F-3 60.00 × 5 % = 3.00 from it: left 7.00. At March's end
        //   the 7.00 expires. No cash.
        result(
            "unsettled-and-outside",
            Months {
                cash: ("0", NONE),
                left: ["10.00", "7.00", "0", "0", "0", "0"],
                credited: ["10.00", "0", "0", "0", "0", "0"],
                used: ["0", "3.00", "0", "0", "0", "0"],
                expired: ["0", "0", "7.00", "0", "0", "0"],
                lost: NONE,
            },
        ),
    ];
    let results = evaluate(NAME, &[]);
    assert_eq!(results.len(), expected.len(), "{results:?}");
    for (actual, e) in results.iter().zip(&expected) {
        assert!(same(actual, e), "\nactual:   {actual}\nexpected: {e}");
    }
}

#[test]
fn explain_says_how_each_order_was_paid() {
    let run = campaign(&[
        "explain",
        &format!("policies/examples/{NAME}.campaign"),
        "--facts",
        &format!("policies/examples/{NAME}.ndjson"),
        "--id",
        "split-and-ties",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "2025-02: credited 12.34 CNY, used 30.00 CNY, expired 0.00 CNY, lost 0.00 CNY, left 12.34 CNY; paid in cash 5.617 CNY",
        // C-10 is the list's second order, settled first.
        "orders[1] paid 15.00 CNY from the 2025-01 credit, 0.00 CNY in cash (fee 15.00 CNY, settled 2025-02-10 10:00:00 in 2025-02)\n      orders[0] paid 15.00 CNY from the 2025-01 credit, 5.00 CNY in cash (fee 20.00 CNY,",
        // C-3: no credit left, its whole fee 12.34 × 5 % = 0.617 in cash.
        "orders[2] paid 0.617 CNY in cash (fee 0.617 CNY,",
        "orders[3] paid 12.34 CNY from the 2025-02 credit, 0.005 CNY in cash (fee 12.345 CNY,",
    ] {
        assert!(run.stdout.contains(line), "explain lacks {line:?}:\n{}", run.stdout);
    }
    let left = campaign(&[
        "explain",
        &format!("policies/examples/{NAME}.campaign"),
        "--facts",
        &format!("policies/examples/{NAME}.ndjson"),
        "--id",
        "leaves-mid-april",
    ]);
    assert!(
        left.stdout
            .contains("orders[2] paid 1.00 CNY in cash (after leaving: no credit)"),
        "{}",
        left.stdout
    );
    let outside = campaign(&[
        "explain",
        &format!("policies/examples/{NAME}.campaign"),
        "--facts",
        &format!("policies/examples/{NAME}.ndjson"),
        "--id",
        "unsettled-and-outside",
    ]);
    assert!(
        outside
            .stdout
            .contains("2 item(s) of (orders where settled_at is known).commission dated outside the months"),
        "{}",
        outside.stdout
    );
}

#[test]
fn the_first_key_dates_the_orders() {
    let text = variant(
        NAME,
        "ordered by settled_at, then by order_id",
        "ordered by order_id, then by settled_at",
    );
    assert_reports(&text, "check::balance_not_dated", Severity::Error);
}

#[test]
fn an_unsettled_order_must_be_left_out_or_given_a_date() {
    let text = variant(
        NAME,
        "(orders where settled_at is known).commission",
        "orders.commission",
    );
    assert_reports(&text, "check::unknown_not_handled", Severity::Error);
}

#[test]
fn the_cash_part_must_be_rounded_where_it_is_owed() {
    let text = variant(
        NAME,
        "paid_in_cash(ad_credit), rounded half up",
        "paid_in_cash(ad_credit)",
    );
    assert_reports(&text, "check::missing_rounding", Severity::Error);
}

#[test]
fn the_functions_read_a_balance_by_its_name() {
    let text = variant(NAME, "credit_lost(ad_credit)", "credit_lost(ad_credit_earned)");
    assert_reports(&text, "check::not_a_balance", Severity::Error);
}

#[test]
fn a_credit_that_can_be_negative_is_warned_of() {
    let text = variant(
        NAME,
        "balance of ad_credit_earned",
        "balance of ad_credit_earned - 1 CNY",
    );
    assert_reports(&text, "lint::balance_can_go_negative", Severity::Warning);
    let text = variant(
        NAME,
        "balance of ad_credit_earned",
        "balance of max(ad_credit_earned - 1 CNY, 0 CNY)",
    );
    assert_no_errors(&text);
    assert!(
        !super::examples::diagnostics(&text)
            .iter()
            .any(|(code, _)| code == "lint::balance_can_go_negative"),
        "max(..., 0 CNY) says the credit is never below zero"
    );
}

#[test]
fn a_balance_is_the_whole_of_a_per_month_definition() {
    let text = variant(
        NAME,
        "value ad_credit per month in programme = balance of",
        "value ad_credit per month in programme = 0 CNY + balance of",
    );
    assert_reports(&text, "check::balance_misplaced", Severity::Error);
    let text = variant(NAME, "lost at left_at", "lost at left_at, rounded down");
    assert_reports(&text, "check::balance_misplaced", Severity::Error);
}

#[test]
fn expiry_is_at_least_one_month() {
    let text = variant(NAME, "expiring after 2 months", "expiring after 0 months");
    assert_reports(&text, "parse::syntax", Severity::Error);
}

#[test]
fn the_credit_cannot_read_the_balance_and_the_items_have_no_month() {
    // The credit is read for every month at once, before the balance: reading the balance, even
    // its earlier months, is a cycle.
    let text = variant(
        NAME,
        "balance of ad_credit_earned",
        "balance of ad_credit_earned + previous(ad_credit, 0 CNY)",
    );
    assert_reports(&text, "check::cyclic_definition", Severity::Error);
    // The items are the record's, settled in the month of their date: no `month` to filter by.
    let text = variant(
        NAME,
        "(orders where settled_at is known)",
        "(orders where settled_at is known and settled_at in month)",
    );
    assert_reports(&text, "check::unknown_name", Severity::Error);
}

#[test]
fn explain_in_json_has_the_balances_between_values_and_fees() {
    let run = campaign(&[
        "explain",
        &format!("policies/examples/{NAME}.campaign"),
        "--facts",
        &format!("policies/examples/{NAME}.ndjson"),
        "--id",
        "oldest-expires-first",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let result: Value = serde_json::from_str(&run.stdout).unwrap();
    let explained = &result["explanation"];
    let keys: Vec<&str> = explained.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "liable", "conditions", "values", "balances", "fees"]);
    let balance = &explained["balances"][0];
    assert_eq!(
        balance["balance"],
        "ad_credit = (orders where settled_at is known).commission"
    );
    // March: D-2's 50.00 from January's credit (the oldest), whose other 30.00 expires at
    // March's end while February's 50.00 stays.
    assert_eq!(
        balance["months"][2],
        "2025-03: credited 0.00 CNY, used 50.00 CNY, expired 30.00 CNY, lost 0.00 CNY, left 50.00 CNY; paid in cash 0.00 CNY"
    );
    assert_eq!(
        balance["items"][1],
        "orders[1] paid 50.00 CNY from the 2025-01 credit, 0.00 CNY in cash (fee 50.00 CNY, settled 2025-03-10 10:00:00 in 2025-03)"
    );
}
