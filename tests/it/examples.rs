//! The capability examples in `policies/examples/` (issue "Expressiveness beyond the seeds").
//!
//! Each example is a campaign file with the announcement it encodes quoted at the top,
//! and a small NDJSON fact file beside it covering the edges. The tests below
//!
//! - check every example (no errors, no warnings) and that it is formatted;
//! - run `campaign evaluate` on each fact file and compare every result with an
//!   expectation **computed by hand** from the announcement and `docs/language.md`
//!   (the arithmetic is in the comment beside each record; none of these
//!   expectations was copied from the tool's output);
//! - check broken variants of the examples, written inline, for the diagnostic the
//!   checker must give (mixed currencies, overlapping or gapped tiers, duplicate or
//!   missing lookup keys, ...).
//!
//! Amounts (and plain numbers written as decimal strings) compare as decimals:
//! `"12.30"` equals `"12.3"`.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use campaign::check::check;
use campaign::diagnostics::Severity;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::harness::{TempDir, campaign, root};

// ---------------------------------------------------------------------------
// Running the tool

fn policy(name: &str) -> String {
    format!("policies/examples/{name}.campaign")
}

fn facts(name: &str) -> String {
    format!("policies/examples/{name}.ndjson")
}

pub(super) fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// `campaign evaluate policies/examples/NAME.campaign --facts policies/examples/NAME.ndjson
/// --format ndjson --quiet EXTRA...`: the results in output order. Asserts exit 0, one
/// result per input record, in input order, and no error objects.
pub(crate) fn evaluate(name: &str, extra: &[&str]) -> Vec<Value> {
    let (policy, facts) = (policy(name), facts(name));
    let mut args = vec![
        "evaluate",
        policy.as_str(),
        "--facts",
        facts.as_str(),
        "--format",
        "ndjson",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let run = campaign(&args);
    assert_eq!(
        run.code, 0,
        "evaluate {name} {extra:?} exited {}\nstderr:\n{}",
        run.code, run.stderr
    );
    let results: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect();
    let input_ids: Vec<Value> = read(&facts)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone())
        .collect();
    for r in &results {
        assert!(r.get("error").is_none(), "{name}: unexpected error object {r}");
    }
    let output_ids: Vec<Value> = results.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(output_ids, input_ids, "{name}: one result per record, in input order");
    results
}

fn dec(v: &Value) -> Option<Decimal> {
    v.as_str().and_then(|s| Decimal::from_str(s).ok())
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// One value or amount: quantities and decimal strings as decimals, the rest exactly.
fn same_value(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) if e.contains_key("amount") => {
            a.get("unit") == e.get("unit")
                && matches!((a.get("amount").and_then(dec), e.get("amount").and_then(dec)), (Some(x), Some(y)) if x == y)
        }
        (Value::Number(a), Value::Number(e)) => a.as_i64().is_some() && a.as_i64() == e.as_i64(),
        (Value::String(_), Value::String(_)) => match (dec(actual), dec(expected)) {
            (Some(a), Some(e)) => a == e,
            _ => actual == expected,
        },
        _ => actual == expected,
    }
}

/// Every difference between a result and its expectation (empty when they agree):
/// `eligible` and `liable`; the rewards and the fees ([`amounts_differences`]); every value;
/// `reasons` exactly when the expectation lists them, otherwise empty exactly when eligible
/// (or liable).
fn differences(actual: &Value, expected: &Value) -> Vec<String> {
    let id = expected["id"].as_str().unwrap_or("?");
    let mut out = Vec::new();
    let mut diff = |what: String| out.push(format!("{id}: {what}"));
    // A reward campaign says whether a record is eligible and what it earns; a fee campaign
    // whether it is liable and what it owes: each compared wherever either side has it.
    for flag in ["eligible", "liable"] {
        if actual.get(flag) != expected.get(flag) {
            diff(format!(
                "{flag} {:?} instead of {:?}",
                actual.get(flag),
                expected.get(flag)
            ));
        }
    }
    for group in ["rewards", "fees"] {
        amounts_differences(group, &actual[group], &expected[group], &mut diff);
    }
    let (av, ev) = (&actual["values"], &expected["values"]);
    if keys(av) != keys(ev) {
        diff(format!("values {:?} instead of {:?}", keys(av), keys(ev)));
    }
    for (name, e) in ev.as_object().into_iter().flatten() {
        let a = &av[name];
        if !same_value(a, e) {
            diff(format!("value {name} {a} instead of {e}"));
        }
    }
    let yes = expected.get("eligible").or_else(|| expected.get("liable"));
    match (expected.get("reasons"), actual["reasons"].as_array()) {
        (_, None) => diff(format!("no reasons array in {actual}")),
        (Some(e), Some(_)) => {
            if &actual["reasons"] != e {
                diff(format!("reasons {} instead of {e}", actual["reasons"]));
            }
        }
        (None, Some(r)) => {
            if yes == Some(&json!(true)) && !r.is_empty() {
                diff(format!("eligible but reasons {r:?}"));
            }
            if yes == Some(&json!(false)) && r.is_empty() {
                diff("not eligible but no reasons".into());
            }
        }
    }
    out
}

/// The differences of a `rewards` (or `fees`) object from its expectation: the same members,
/// each's amount and unit, its `by_period` (every period), its `payments` (dates and amounts),
/// `expires_at` and its own `reasons`, each present exactly when expected.
fn amounts_differences(group: &str, ar: &Value, er: &Value, diff: &mut impl FnMut(String)) {
    if keys(ar) != keys(er) {
        diff(format!("{group} {:?} instead of {:?}", keys(ar), keys(er)));
    }
    for (name, e) in er.as_object().into_iter().flatten() {
        let a = &ar[name];
        if !same_value(a, e) {
            diff(format!("{group} {name} {a} instead of {e}"));
        }
        let extra: BTreeSet<String> = keys(a)
            .difference(&keys(e))
            .filter(|k| !["amount", "unit"].contains(&k.as_str()))
            .cloned()
            .collect();
        if !extra.is_empty() {
            diff(format!("{group} {name} has unexpected {extra:?}"));
        }
        match (a.get("by_period"), e.get("by_period")) {
            (None, None) => {}
            (Some(ap), Some(ep)) => {
                if keys(ap) != keys(ep) {
                    diff(format!(
                        "{group} {name} periods {:?} instead of {:?}",
                        keys(ap),
                        keys(ep)
                    ));
                }
                for (period, amount) in ep.as_object().into_iter().flatten() {
                    match ap.get(period) {
                        Some(x) if dec(x).is_some() && dec(x) == dec(amount) => {}
                        other => diff(format!("{group} {name}[{period}] {other:?} instead of {amount}")),
                    }
                }
            }
            (a, e) => diff(format!("{group} {name} by_period {a:?} instead of {e:?}")),
        }
        match (a.get("payments"), e.get("payments")) {
            (None, None) => {}
            (Some(Value::Array(ap)), Some(Value::Array(ep))) => {
                let same = ap.len() == ep.len()
                    && ap.iter().zip(ep).all(|(x, y)| {
                        x["on"] == y["on"] && dec(&x["amount"]).is_some() && dec(&x["amount"]) == dec(&y["amount"])
                    });
                if !same {
                    diff(format!("{group} {name} payments {ap:?} instead of {ep:?}"));
                }
            }
            (a, e) => diff(format!("{group} {name} payments {a:?} instead of {e:?}")),
        }
        // A reward with a `when` block: its own reasons, exactly, whenever expected.
        if a.get("reasons") != e.get("reasons") {
            diff(format!(
                "{group} {name} reasons {:?} instead of {:?}",
                a.get("reasons"),
                e.get("reasons")
            ));
        }
        if a.get("expires_at") != e.get("expires_at") {
            diff(format!(
                "{group} {name} expires_at {:?} instead of {:?}",
                a.get("expires_at"),
                e.get("expires_at")
            ));
        }
    }
}

/// Evaluates example NAME (with EXTRA arguments) and compares every result with `expected`,
/// which must name every record of the fact file.
pub(crate) fn expect(name: &str, extra: &[&str], expected: &[Value]) {
    let results = evaluate(name, extra);
    let by_id: BTreeMap<String, &Value> = results
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect();
    assert_eq!(
        by_id.keys().cloned().collect::<BTreeSet<_>>(),
        expected
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect::<BTreeSet<_>>(),
        "{name}: every record has an expectation"
    );
    let mut problems = Vec::new();
    for e in expected {
        problems.extend(differences(by_id[e["id"].as_str().unwrap()], e));
    }
    assert!(problems.is_empty(), "{name} {extra:?}:\n  {}", problems.join("\n  "));
}

pub(super) fn money(amount: &str, unit: &str) -> Value {
    json!({"amount": amount, "unit": unit})
}

pub(crate) fn cny(amount: &str) -> Value {
    money(amount, "CNY")
}

pub(super) fn usd(amount: &str) -> Value {
    money(amount, "USD")
}

// ---------------------------------------------------------------------------
// Checking inline variants

/// Every diagnostic of a campaign text, as `(code, severity)`.
pub(crate) fn diagnostics(text: &str) -> Vec<(String, Severity)> {
    check(text)
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_string(), d.severity))
        .collect()
}

/// An example's text with `from` (which must occur exactly once) replaced by `to`.
pub(crate) fn variant(name: &str, from: &str, to: &str) -> String {
    let text = read(&policy(name));
    assert_eq!(
        text.matches(from).count(),
        1,
        "{name}: `{from}` must occur exactly once"
    );
    text.replace(from, to)
}

pub(crate) fn assert_reports(text: &str, code: &str, severity: Severity) {
    let found = diagnostics(text);
    assert!(
        found.iter().any(|(c, s)| c == code && *s == severity),
        "expected {code} ({severity:?}), got {found:?}\nin:\n{text}"
    );
}

pub(crate) fn assert_no_errors(text: &str) {
    let errors: Vec<String> = check(text)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:?}\nin:\n{text}");
}

// ---------------------------------------------------------------------------
// The examples as a whole

const EXAMPLES: &[&str] = &[
    "amazon-brand-rebate-multicurrency",
    "amazon-new-seller-brand-bonus",
    "douyin-live-daily-peak-tier",
    "channels-provider-composite-score",
    "douyin-new-merchant-first-month-subsidy",
    "channels-stacked-plans",
    "douyin-category-fee-rebate",
    "kuaishou-new-shop-t2-t31",
    "kuaishou-double11-growth",
    "shopify-payments-q1-average",
    "taobao-fee-cut-net-base",
    "kuaishou-provider-affiliate-pool",
    "tiktok-shop-ad-credits-coupons",
    "channels-commission-clawback",
    "channels-new-product-editions",
    "douyin-affiliate-rolling-30-days",
    "tmall-annual-fee-proration",
    "channels-ship-on-time-business-days",
    "douyin-anchor-weekly-ranking",
    "kuaishou-sprint-bonus-payout-parts",
    // Tested in examples_schedules.rs.
    "douyin-monthly-credits-schedule",
    "marketplace-new-seller-launch-benefits",
    "platform-technical-service-fee",
    "douyin-double11-sprint-pool",
    "channels-mini-program-equal-pool",
    "douyin-live-daily-anchor-contest",
    // Running values over a list (tests in `examples_running.rs`).
    "new-merchant-fee-first-million",
    "kuaishou-live-preview-before-session",
    // Groups within a list (tests in `examples_groups.rs`).
    "marketplace-main-category-commission",
    // A balance carried across months (tests in `examples_balances.rs`).
    "marketplace-ad-credit-offsets-commission",
    // A fee per list item (tests in `examples_items.rs`).
    "appstore-service-fee-per-order",
];

#[test]
fn every_example_quotes_its_announcement_and_has_facts() {
    let dir = root().join("policies/examples");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("campaign") => {
                assert!(
                    dir.join(format!("{stem}.ndjson")).is_file(),
                    "{stem}.campaign has no fact file"
                );
                let text = std::fs::read_to_string(&path).unwrap();
                let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
                assert!(header.len() >= 3, "{stem}: the announcement is quoted at the top");
                found.insert(stem);
            }
            Some("ndjson") => assert!(
                dir.join(format!("{stem}.campaign")).is_file(),
                "{stem}.ndjson has no campaign"
            ),
            _ => {}
        }
    }
    let listed: BTreeSet<String> = EXAMPLES
        .iter()
        .chain(super::examples_periods::EXAMPLES)
        .map(|s| s.to_string())
        .collect();
    assert_eq!(found, listed, "every example is tested here");
}

#[test]
fn every_example_checks_without_errors_or_warnings() {
    let run = campaign(&["check", "policies/examples/", "--format", "json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let diagnostics: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(diagnostics, json!([]), "no diagnostics at all");
    for name in EXAMPLES {
        assert!(
            diagnostics_of_file(name).is_empty(),
            "{name}: {:?}",
            diagnostics_of_file(name)
        );
    }
}

fn diagnostics_of_file(name: &str) -> Vec<(String, Severity)> {
    diagnostics(&read(&policy(name)))
}

#[test]
fn the_examples_are_formatted() {
    let run = campaign(&["fmt", "--check", "policies/examples"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

// ---------------------------------------------------------------------------
// 1. Money in several currencies

#[test]
fn currencies_each_marketplace_pays_in_its_own_currency() {
    // Window: 2024-04-01 00:00 UTC .. 2024-07-01 00:00 UTC (`through 2024-06-30`).
    // Rebates: 5 % of branded sales, rounded down to the cent, capped per marketplace.
    let rebates = |us: &str, uk: &str, de: &str| json!({"us_rebate": usd(us), "uk_rebate": money(uk, "GBP"), "de_rebate": money(de, "EUR")});
    let sales = |us: &str, uk: &str, de: &str| json!({"us_branded_sales": usd(us), "uk_branded_sales": money(uk, "GBP"), "de_branded_sales": money(de, "EUR")});
    expect(
        "amazon-brand-rebate-multicurrency",
        &[],
        &[
            // Counted: 1234.56 (04-01 00:00:00Z, the first instant) + 10.00 (06-30 23:59:59.999Z).
            // Not: 500.00 unbranded, 999.00 on 03-31, 100.00 at 07-01 00:00:00Z (the end).
            // 1244.56 × 5 % = 62.228 → 62.22 USD.
            json!({"id": "us-only", "eligible": true,
                   "rewards": rebates("62.22", "0", "0"), "values": sales("1244.56", "0", "0")}),
            // US 0.19 × 5 % = 0.0095 → 0.00. UK 90000.00 × 5 % = 4500 → cap 4000 GBP; the 50.00 GBP
            // order at 06-30 23:30 -01:00 is 07-01 00:30Z, outside.
            json!({"id": "uk-capped", "eligible": true,
                   "rewards": rebates("0.00", "4000.00", "0"), "values": sales("0.19", "90000.00", "0")}),
            // US 100000.10 × 5 % = 5000.005 → 5000.00 (= the cap). UK 79999.99 × 5 % = 3999.9995 →
            // 3999.99. DE 2000.99 (06-30 23:59 +02:00 = 21:59Z, inside) × 5 % = 100.0495 → 100.04 EUR.
            json!({"id": "three-markets", "eligible": true,
                   "rewards": rebates("5000.00", "3999.99", "100.04"),
                   "values": sales("100000.10", "79999.99", "2000.99")}),
            // Not enrolled: every rebate 0, the values still shown.
            json!({"id": "not-registered", "eligible": false,
                   "rewards": rebates("0", "0", "0"), "values": sales("1000.00", "0", "0"),
                   "reasons": ["The brand must be enrolled in Brand Registry"]}),
        ],
    );
}

#[test]
fn currencies_mixing_without_a_rate_is_a_unit_mismatch() {
    let name = "amazon-brand-rebate-multicurrency";
    // Adding dollars to pounds.
    let added = variant(
        name,
        "  value de_branded_sales =",
        "  value all_sales = us_branded_sales + uk_branded_sales\n  value de_branded_sales =",
    );
    assert_reports(&added, "check::unit_mismatch", Severity::Error);
    // Comparing euros with dollars.
    let compared = variant(
        name,
        "    brand_registered  \"The brand must be enrolled in Brand Registry\"",
        "    brand_registered  \"The brand must be enrolled in Brand Registry\"\n    de_branded_sales ≥ 1000 USD  \"x\"",
    );
    assert_reports(&compared, "check::unit_mismatch", Severity::Error);
    // A pound reward capped in dollars.
    let capped = variant(name, "at most 4000 GBP", "at most 4000 USD");
    assert_reports(&capped, "check::unit_mismatch", Severity::Error);
    // Converting into a currency with `as` is refused too: it would need an exchange rate.
    let converted = variant(
        name,
        "reward uk_rebate = uk_branded_sales × 5%",
        "reward uk_rebate = uk_branded_sales × 5% as USD",
    );
    assert_reports(&converted, "check::unit_mismatch", Severity::Error);
}

// ---------------------------------------------------------------------------
// 2. Tiers

#[test]
fn tiers_marginal_first_50k_at_10_percent_next_950k_at_5_percent() {
    // Bonus = 10 % of the part up to 50,000 + 5 % of the part from 50,000 to 1,000,000, rounded
    // down. First year: [enrolled_at, enrolled_at + 365 days) = [2024-01-15 09:00 PST, 2025-01-14 09:00 PST).
    let row = |id: &str, bonus: &str, sales: &str| {
        json!({"id": id, "eligible": true,
               "rewards": {"brand_referral_bonus": usd(bonus)},
               "values": {"first_year_branded_sales": usd(sales)}})
    };
    expect(
        "amazon-new-seller-brand-bonus",
        &[],
        &[
            // 12345.67 × 10 % = 1234.567 → 1234.56.
            row("first-tier-only", "1234.56", "12345.67"),
            // 30000 + 20000 = 50000 → 10 % × 50000 = 5000.
            row("exactly-50k", "5000.00", "50000.00"),
            // 60000 (the 10000.00 unbranded order is not counted) → 5000 + 5 % × 10000 = 5500.
            row("into-second-tier", "5500.00", "60000.00"),
            // 1200000 → 5000 + 5 % × 950000 = 5000 + 47500 = 52500; above 1,000,000 earns nothing.
            row("above-1m", "52500.00", "1200000.00"),
            // 30000 (at enrolment, included) + 1000 (one second before the year ends); not 20000
            // (exactly 365 days later, excluded) nor 5000 (before enrolment). 31000 × 10 % = 3100.
            row("year-edges", "3100.00", "31000.00"),
            row("nothing", "0.00", "0"),
        ],
    );
}

#[test]
fn tiers_whole_amount_highest_daily_tier_applies_to_all_gmv() {
    // Daily bands (whole day): < 10000 → 0 %, [10000, 50000) → 1 %, [50000, 100000) → 2 %,
    // ≥ 100000 → 3 %. peak_rate = the best day's rate; cashback = activity GMV × peak_rate,
    // rounded down, at most 20000. Days 2024-06-01 … 06-07 in Asia/Shanghai.
    let row = |id: &str, cash: &str, rate: &str, gmv: &str| {
        json!({"id": id, "eligible": true,
               "rewards": {"cashback": cny(cash)},
               "values": {"peak_rate": rate, "activity_gmv": cny(gmv)}})
    };
    expect(
        "douyin-live-daily-peak-tier",
        &[],
        &[
            // Days 9999.99 and 9000.00: both under 10000 → 0 %. 18999.99 × 0 = 0.
            row("below-every-tier", "0.00", "0", "18999.99"),
            // 06-03: 30000 + 25000 = 55000 → 2 %; 06-04: 8000 → 0 %. Peak 2 %.
            // Activity 63000 × 2 % = 1260.
            row("one-big-day", "1260.00", "0.02", "63000.00"),
            // 06-01 00:00:00 10000 (exactly the 1 % band's start) and 06-07 23:59:59 100000 (3 %);
            // 05-31 23:59:59 and 06-08 00:00:00 are outside. Peak 3 %: 110000 × 3 % = 3300.
            row("window-edges", "3300.00", "0.03", "110000.00"),
            // 06-02: 6000 (23:00); 06-03: 6000 (01:00) + 3000 (16:30Z = 06-03 00:30 +08:00) = 9000.
            // No single day reaches 10000 although the activity total 15000 does: 0.
            row("split-at-midnight", "0.00", "0", "15000.00"),
            // 700000 → 3 % → 21000, capped at 20000.
            row("capped", "20000.00", "0.03", "700000.00"),
            // 12345.67 → 1 % → 123.4567 → 123.45.
            row("odd-cents", "123.45", "0.01", "12345.67"),
        ],
    );
}

#[test]
fn tiers_chosen_by_a_combined_score() {
    // score = min(GMV ÷ 10000, 60) + min(new × 2, 30) + provider_score × 2.
    // < 60 → 0 %, [60, 80) → 1 %, ≥ 80 → 2 %; rebate = GMV × rate, half up, at most 50000.
    let row = |id: &str, rebate: &str, score: &str| {
        json!({"id": id, "eligible": true,
               "rewards": {"rebate": cny(rebate)}, "values": {"composite_score": score}})
    };
    expect(
        "channels-provider-composite-score",
        &[],
        &[
            // min(100, 60) = 60; 12 × 2 = 24; 4.9 × 2 = 9.8 → 93.8 → 2 % × 1,000,000 = 20000.
            row("three-star", "20000.00", "93.8"),
            // 50 + 10 + 0 = 60, the band's start → 1 % × 500,000 = 5000.
            row("exactly-60", "5000.00", "60"),
            // 49.9999 + 10 + 0 = 59.9999 → 0 %.
            row("just-below-60", "0.00", "59.9999"),
            // 40 + min(30, 30) + 10 = 80 → 2 % × 400,000 = 8000.
            row("exactly-80", "8000.00", "80"),
            // 60 (300 capped) + 30 (40 capped) + 9.5 = 99.5 → 2 % × 3,000,000 = 60000 → cap 50000.
            row("capped", "50000.00", "99.5"),
            // min(65.43215, 60) = 60; 0; 4.0 × 2 = 8 → 68 → 1 % × 654321.50 = 6543.215 → half up 6543.22.
            row("half-up", "6543.22", "68"),
        ],
    );
}

#[test]
fn tiers_overlaps_are_errors_and_gaps_warnings() {
    // Whole-amount bands: 40000 would fall in [10000, 50000) and [40000, 100000).
    let overlap = variant(
        "douyin-live-daily-peak-tier",
        "50000 CNY .. 100000 CNY -> 2%",
        "40000 CNY .. 100000 CNY -> 2%",
    );
    assert_reports(&overlap, "check::tier_overlap", Severity::Error);
    // A gap [50000, 60000) that no band covers: a warning; a day in the gap has no rate, so the
    // peak rate can be unknown and the reward must then say what unknown pays.
    let gap = variant(
        "douyin-live-daily-peak-tier",
        "50000 CNY .. 100000 CNY -> 2%",
        "60000 CNY .. 100000 CNY -> 2%",
    );
    assert_reports(&gap, "check::tier_gap", Severity::Warning);
    assert_reports(&gap, "check::unknown_not_handled", Severity::Error);
    let handled = gap.replace(
        "value peak_rate = max of daily_rate",
        "value peak_rate = max of daily_rate if unknown 0%",
    );
    assert_reports(&handled, "check::tier_gap", Severity::Warning);
    assert_no_errors(&handled);
    // Marginal tiers: the same checks.
    let marginal_overlap = variant(
        "amazon-new-seller-brand-bonus",
        "50000 USD .. 1000000 USD -> 5%",
        "45000 USD .. 1000000 USD -> 5%",
    );
    assert_reports(&marginal_overlap, "check::tier_overlap", Severity::Error);
    let marginal_gap = variant(
        "amazon-new-seller-brand-bonus",
        "50000 USD .. 1000000 USD -> 5%",
        "60000 USD .. 1000000 USD -> 5%",
    );
    assert_reports(&marginal_gap, "check::tier_gap", Severity::Warning);
    assert_no_errors(&marginal_gap);
    // Bands over a computed score.
    let score_overlap = variant("channels-provider-composite-score", "60 .. 80 -> 1%", "55 .. 80 -> 1%");
    assert_reports(&score_overlap, "check::tier_overlap", Severity::Error);
    // Bands of timestamps (editions): 2023-07-01 would be in both editions.
    let edition_overlap = variant(
        "channels-new-product-editions",
        "2024-01-01 .. -> \"2024版\"",
        "2023-07-01 .. -> \"2024版\"",
    );
    assert_reports(&edition_overlap, "check::tier_overlap", Severity::Error);
}

// ---------------------------------------------------------------------------
// 3. Caps at every scope

/// Every day of March and April 2024 with 0, except the days given.
fn march_april(nonzero: &[(&str, &str)]) -> Value {
    let mut days = Map::new();
    for d in 1..=31 {
        days.insert(format!("2024-03-{d:02}"), json!("0"));
    }
    for d in 1..=30 {
        days.insert(format!("2024-04-{d:02}"), json!("0"));
    }
    assert_eq!(days.len(), 61);
    for (day, amount) in nonzero {
        assert!(
            days.insert((*day).to_string(), json!(amount)).is_some(),
            "{day} is in the range"
        );
    }
    Value::Object(days)
}

#[test]
fn caps_per_order_per_day_and_per_campaign_with_a_30_day_window() {
    // Per order: min(amount × 5 %, 50). Per day: sum, rounded down, at most 200.
    // Per merchant: at most 1000 over the campaign, consumed day by day.
    // Counted: paid_at in [onboarded_at, onboarded_at + 30 days], both ends included.
    let row = |id: &str, eligible: bool, total: &str, days: &[(&str, &str)]| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"subsidy": {"amount": total, "unit": "CNY", "by_period": march_april(days)}},
               "values": {}})
    };
    let mut not_new = row("not-new", false, "0", &[]);
    not_new["reasons"] = json!(["需为 2024-03-01 至 2024-04-30 期间入驻的新商家"]);
    expect(
        "douyin-new-merchant-first-month-subsidy",
        &[],
        &[
            // Onboarded 03-10 10:00. 03-10: 400.00 at 09:59:59 is before onboarding; 2000.00 → 100 →
            // per-order cap 50; 333.33 → 16.6665; 100.00 → 5; 71.6665 → rounded down 71.66.
            // 03-11: 5 × min(50, 50) = 250 → daily cap 200. 03-12 … 03-15: 4 × 50 = 200 each.
            // Running total: 71.66, 271.66, 471.66, 671.66, 871.66; 03-15 gets the 128.34 left of
            // 1000; 03-16 (5.00) gets nothing.
            row(
                "caps",
                true,
                "1000.00",
                &[
                    ("2024-03-10", "71.66"),
                    ("2024-03-11", "200.00"),
                    ("2024-03-12", "200.00"),
                    ("2024-03-13", "200.00"),
                    ("2024-03-14", "200.00"),
                    ("2024-03-15", "128.34"),
                ],
            ),
            // Onboarded 03-20 15:30; the window ends 04-19 15:30 (included). 03-20 15:29:59 is before;
            // 03-21: 10.01 × 5 % = 0.5005 → 0.50; 04-19: 60.00 → 3.00 and 100.00 at 15:30:00 → 5.00
            // (8.00); 100.00 at 15:30:01 is one second late. Total 8.50.
            row(
                "thirty-day-edges",
                true,
                "8.50",
                &[("2024-03-21", "0.50"), ("2024-04-19", "8.00")],
            ),
            // Onboarded 04-25: 04-30 23:59:59 100.00 → 5.00; 05-01 is after the campaign's last day.
            row("campaign-ends", true, "5.00", &[("2024-04-30", "5.00")]),
            // Onboarded 02-29, before the enrolment window: 0 every day.
            not_new,
        ],
    );
}

#[test]
fn caps_per_plan_shared_cap_and_discount_on_the_first_100k() {
    // Plan A = GMV × 1 %, rounded down, at most 3000. Plan B = min(new × 5, 2000).
    // Paid B = min(B, 4000 - A). Fee = 1 % of the first 100,000 + 5 % of the rest, half up.
    let row = |id: &str, a: &str, b: &str, fee: &str| {
        json!({"id": id, "eligible": true,
               "rewards": {"plan_a_cash": cny(a), "plan_b_cash": cny(b)},
               "values": {"technical_fee": cny(fee)}})
    };
    expect(
        "channels-stacked-plans",
        &[],
        &[
            // A = 1234.5678 → 1234.56; B = 0. Fee = 1000 + 5 % × 23456.78 = 1000 + 1172.839 = 2172.839 → 2172.84.
            row("plan-a-only", "1234.56", "0.00", "2172.84"),
            // A = 2000; B = 500 ≤ 4000 - 2000. Fee = 1000 + 5 % × 100000 = 6000.
            row("both-under-caps", "2000.00", "500.00", "6000.00"),
            // A = 5000 → 3000; B = 1500, but only 4000 - 3000 = 1000 left. Fee = 1000 + 20000 = 21000.
            row("shared-cap", "3000.00", "1000.00", "21000.00"),
            // A = 500; B = 5000 → 2000 (≤ 3500 left). Fee = 1 % × 50000 = 500.
            row("plan-b-capped", "500.00", "2000.00", "500.00"),
            // A = 1000; fee = 1 % × 100000 = 1000 (nothing above the first 100,000).
            row("exactly-100k", "1000.00", "0.00", "1000.00"),
        ],
    );
}

// ---------------------------------------------------------------------------
// 4. Lookup tables

#[test]
fn lookups_fee_by_category_threshold_by_category_and_level() {
    // Rebate = GMV × fee_rate × 50 %, half up, when GMV ≥ threshold.
    let row = |id: &str, eligible: bool, rebate: &str, rate: &str, threshold: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"fee_rebate": cny(rebate)},
               "values": {"fee_rate": rate, "threshold": cny(threshold)}})
    };
    expect(
        "douyin-category-fee-rebate",
        &[],
        &[
            // (服饰内衣, 金牌) → 100000; GMV exactly 100000 → 5 % × 100000 × 50 % = 2500.
            row("apparel-gold", true, "2500.00", "0.05", "100000"),
            // (服饰内衣, 银牌) → 200000; 199999.99 is short.
            row("apparel-silver-short", false, "0.00", "0.05", "200000"),
            // (美妆, 普通) has no row → otherwise 500000; 500000 × 5 % × 50 % = 12500.
            row("beauty-other-level", true, "12500.00", "0.05", "500000"),
            // (食品饮料, 金牌) → 50000; 50000.01 × 3 % × 50 % = 750.00015 → 750.00.
            row("food-gold", true, "750.00", "0.03", "50000"),
            // (3C数码, 银牌) → 100000; 123456.78 × 2 % × 50 % = 1234.5678 → 1234.57.
            row("digital-silver", true, "1234.57", "0.02", "100000"),
        ],
    );
}

#[test]
fn lookups_duplicate_keys_are_errors_and_missing_choices_warnings() {
    let name = "douyin-category-fee-rebate";
    // Two rows for one key of a two-key table.
    let duplicate_pair = variant(
        name,
        "    (\"美妆\", \"银牌\") -> 150000 CNY,\n",
        "    (\"美妆\", \"银牌\") -> 150000 CNY,\n    (\"美妆\", \"金牌\") -> 90000 CNY,\n",
    );
    assert_reports(&duplicate_pair, "check::duplicate_key", Severity::Error);
    // Two rows for one key of a one-key table.
    let duplicate = variant(name, "    \"美妆\" -> 5%\n", "    \"美妆\" -> 5%\n    \"美妆\" -> 4%\n");
    assert_reports(&duplicate, "check::duplicate_key", Severity::Error);
    // Two `otherwise` rows.
    let two_otherwise = variant(
        name,
        "    otherwise -> 500000 CNY\n",
        "    otherwise -> 500000 CNY\n    otherwise -> 400000 CNY\n",
    );
    assert_reports(&two_otherwise, "check::duplicate_key", Severity::Error);
    // A category without a fee row: a warning naming the choice (and the rate may now be
    // unknown, which the reward must then handle).
    let missing = variant(name, "    \"3C数码\" -> 2%\n", "");
    assert_reports(&missing, "check::missing_key", Severity::Warning);
    let message = check(&missing)
        .diagnostics
        .iter()
        .find(|d| d.code.as_str() == "check::missing_key")
        .map(|d| d.message.clone())
        .unwrap();
    assert!(message.contains("3C数码"), "{message}");
    // A row with the wrong number of keys.
    let arity = variant(name, "(\"美妆\", \"金牌\") -> 80000 CNY", "\"美妆\" -> 80000 CNY");
    assert_reports(&arity, "check::wrong_arity", Severity::Error);
    // A key that is not one of the choices.
    let not_a_choice = variant(
        name,
        "    \"食品饮料\" -> 3%\n",
        "    \"食品\" -> 3%\n    \"食品饮料\" -> 3%\n",
    );
    assert_reports(&not_a_choice, "check::unknown_enum_value", Severity::Error);
}

// ---------------------------------------------------------------------------
// 5. Time

#[test]
fn time_window_t_plus_2_through_t_plus_31() {
    // T = the opening day (Beijing time); counted: [T + 2 days 00:00, T + 32 days 00:00).
    // 30000 … 100000 → 500; from 100000 → 2000.
    let row = |id: &str, eligible: bool, cash: &str, gmv: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"cash": cny(cash)}, "values": {"cold_start_gmv": cny(gmv)}})
    };
    let mut just_short = row("just-short", false, "0", "29999.99");
    just_short["reasons"] = json!(["T+2 至 T+31 日支付 GMV 需累计满 3 万元"]);
    let mut opened_2023 = row("opened-2023", false, "0", "50000.00");
    opened_2023["reasons"] = json!(["需为 2024 年内开店的新店"]);
    expect(
        "kuaishou-new-shop-t2-t31",
        &[],
        &[
            // Opened 05-10 23:30, T = 05-10: window [05-12 00:00, 06-11 00:00).
            // 05-11 23:59:59 (T+1) no; 05-12 00:00:00 yes 10000; 06-10 23:59:59 yes 20000;
            // 06-11 00:00:00 (T+32) no. 30000 → 500. (Without start_of_day, opened_at + 2 days
            // would start at 05-12 23:30 and miss the 10000.)
            row("window-edges", true, "500.00", "30000.00"),
            // Opened 12-31 08:00, T+2 = 2025-01-02: 100000 → 2000.
            row("top-band-across-new-year", true, "2000.00", "100000.00"),
            just_short,
            // T = 2023-12-31, T+2 = 2024-01-02: counted, but the shop opened in 2023.
            opened_2023,
            // Opened 05-09 16:30Z = 05-10 00:30 Beijing, so T = 05-10 (not the UTC date 05-09).
            // 05-11 16:00Z = 05-12 00:00 Beijing: in; 15:59:59Z = 05-11 23:59:59: out. 30000 → 500.
            row("written-in-utc", true, "500.00", "30000.00"),
        ],
    );
}

#[test]
fn time_baseline_growth_with_division_by_zero() {
    // Baseline [10-01, 10-12), activity [11-01, 11-12). growth = activity ÷ baseline.
    // < 1.5 → 0 %, [1.5, 2) → 1 %, [2, 3) → 2 %, ≥ 3 → 3 %; unknown growth → 1 %.
    // Rebate = activity × rate, rounded down, at most 10000; needs activity ≥ 10000.
    let row = |id: &str, eligible: bool, rebate: &str, base: &str, act: &str, growth: Value| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"rebate": cny(rebate)},
               "values": {"baseline_gmv": cny(base), "activity_gmv": cny(act), "growth_multiple": growth}})
    };
    let mut too_small = row("too-small", false, "0", "1000.00", "9999.99", json!("9.99999"));
    too_small["reasons"] = json!(["活动期支付 GMV 需满 1 万元"]);
    expect(
        "kuaishou-double11-growth",
        &[],
        &[
            // Baseline 4000 (10-01 00:00) + 6000 (10-11 23:59:59) = 10000; not 09-30 nor 10-12.
            // Activity 10000 (11-01 00:00) + 20000 (11-11 23:59:59) = 30000; not 11-12.
            // 30000 ÷ 10000 = 3 → 3 % → 900.
            row("tripled-with-edges", true, "900.00", "10000.00", "30000.00", json!("3")),
            // 29999.99 ÷ 20000 = 1.4999995 → 0 %.
            row(
                "just-below-1.5",
                true,
                "0.00",
                "20000.00",
                "29999.99",
                json!("1.4999995"),
            ),
            // 30000 ÷ 15000 = 2 → 2 % → 600.
            row("exactly-2", true, "600.00", "15000.00", "30000.00", json!("2")),
            // No baseline: 12345.67 ÷ 0 is unknown (null); the table pays 1 %: 123.4567 → 123.45.
            row("new-shop", true, "123.45", "0", "12345.67", Value::Null),
            // 400000 ÷ 100000 = 4 → 3 % → 12000 → cap 10000.
            row("capped", true, "10000.00", "100000.00", "400000.00", json!("4")),
            // 9999.99 ÷ 1000 = 9.99999, but the activity is under 10000.
            too_small,
        ],
    );
}

#[test]
fn time_average_of_monthly_totals_in_los_angeles() {
    // Months in America/Los_Angeles. January starts 2024-01-01 08:00Z, March starts
    // 03-01 08:00Z (PST) and ends 04-01 07:00Z (PDT). average = (Jan + Feb + Mar) ÷ 3,
    // compared unrounded with 10000; shown half up to the cent.
    // Rebate = Q1 × 0.1 %, half up, at most 1000.
    let row = |id: &str, eligible: bool, rebate: &str, avg: &str, q1: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"rebate": usd(rebate)},
               "values": {"average_monthly_volume": usd(avg), "q1_volume": usd(q1)}})
    };
    let mut just_under = row("just-under", false, "0", "10000.00", "29999.99");
    just_under["reasons"] = json!(["Average monthly processed volume must be at least $10,000"]);
    expect(
        "shopify-payments-q1-average",
        &[],
        &[
            // Jan: 01-01 08:00Z (00:00 PST) 10000. Feb: 03-01 07:59:59Z (02-29 23:59:59 PST) 10000.
            // Mar: 03-31 23:30 PDT 6000 + 04-01 06:59:59Z (03-31 23:59:59 PDT) 4000 = 10000.
            // Out: 2023-12-31 23:59:59 PST; 04-01 07:00Z (04-01 00:00 PDT; a fixed -08:00 reading
            // would put it in March). Average 10000 → eligible; 30000 × 0.1 % = 30.
            row("dst-edges", true, "30.00", "10000.00", "30000.00"),
            // 29999.99 ÷ 3 = 9999.99666… < 10000: not eligible, although it shows as 10000.00.
            just_under,
            // (0 + 45000 + 0) ÷ 3 = 15000; 45000 × 0.1 % = 45.
            row("one-big-month", true, "45.00", "15000.00", "45000.00"),
            // 1600000.01 ÷ 3 = 533333.33666… → 533333.34; × 0.1 % = 1600.00001 → cap 1000.
            row("capped", true, "1000.00", "533333.34", "1600000.01"),
            // 30005 ÷ 3 = 10001.666… → 10001.67; 30005 × 0.1 % = 30.005 → half up 30.01.
            row("half-cent", true, "30.01", "10001.67", "30005.00"),
        ],
    );
}

#[test]
fn time_rolling_look_back_from_as_of() {
    // 30 days: [as_of - 30 days, as_of); 7 days: [as_of - 7 days, as_of).
    // Bonus = gmv_30d × 0.5 %, rounded down, at most 1000; needs gmv_30d ≥ 10000 and ≥ 2 sessions.
    let row = |id: &str, eligible: bool, bonus: &str, gmv: &str, sessions: u64, level: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"commission_bonus": cny(bonus)},
               "values": {"gmv_30d": cny(gmv), "sessions_7d": sessions, "level": level}})
    };
    let with = |mut v: Value, reasons: &[&str]| {
        v["reasons"] = json!(reasons);
        v
    };
    const GMV: &str = "近 30 天带货 GMV 需满 1 万元";
    const LIVE: &str = "近 7 天需至少开播 2 场";
    // as_of = 2024-09-01 00:00 +08:00: 30 days = [08-02 00:00, 09-01 00:00), 7 days = [08-25, 09-01).
    expect(
        "douyin-affiliate-rolling-30-days",
        &["--as-of", "2024-09-01T00:00:00+08:00"],
        &[
            // Sales: 08-02 00:00 4000 + 08-31 23:59:59 6000 = 10000 (not 08-01 23:59:59, not 09-01
            // 00:00 = as_of). Sessions 08-25 00:00 and 08-31: 2. 10000 × 0.5 % = 50; LV2.
            row("edges", true, "50.00", "10000.00", 2, "LV2"),
            // 250000 → 1250 → cap 1000; LV3; sessions 3.
            row("lv3-capped", true, "1000.00", "250000.00", 3, "LV3"),
            // Only the 08-30 session is within 7 days.
            with(row("few-sessions", false, "0", "20000.00", 1, "LV2"), &[LIVE]),
            with(row("no-sales", false, "0", "0", 0, "LV1"), &[GMV, LIVE]),
        ],
    );
    // The same facts a day later (written in local time): 30 days = [08-03, 09-02), 7 days = [08-26, 09-02).
    expect(
        "douyin-affiliate-rolling-30-days",
        &["--as-of", "2024-09-02 00:00"],
        &[
            // 08-02 has left the window, 09-01 00:00 has entered: 6000 + 3000 = 9000 → LV1, not eligible.
            // Sessions: 08-25 has left, 09-01 10:00 has entered: 08-31, 09-01 = 2.
            with(row("edges", false, "0", "9000.00", 2, "LV1"), &[GMV]),
            row("lv3-capped", true, "1000.00", "250000.00", 3, "LV3"),
            with(row("few-sessions", false, "0", "20000.00", 1, "LV2"), &[LIVE]),
            with(row("no-sales", false, "0", "0", 0, "LV1"), &[GMV, LIVE]),
        ],
    );
}

#[test]
fn time_as_of_is_never_the_clock() {
    // Without --as-of a campaign that reads `as_of` is not evaluated at all.
    let run = campaign(&[
        "evaluate",
        &policy("douyin-affiliate-rolling-30-days"),
        "--facts",
        &facts("douyin-affiliate-rolling-30-days"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("--as-of"), "{}", run.stderr);
}

#[test]
fn time_calendar_months_prorated_and_rounded_up() {
    // months = months_between(max(onboarded_at, 2024-01-01), 2025-01-01), rounded up to 1.
    // fee = annual × months ÷ 12; due = first day of the next month; days = calendar days
    // from the start date to 2025-01-01. Refund share by sales ÷ (threshold × months ÷ 12):
    // < 0.5 → 0 %, [0.5, 1) → 50 %, ≥ 1 → 100 %.
    let row = |id: &str, eligible: bool, refund: &str, months: &str, fee: &str, due: &str, days: u64| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"fee_refund": cny(refund)},
               "values": {"billable_months": months, "prorated_fee": cny(fee),
                          "fee_due_on": due, "days_in_year": days}})
    };
    let mut too_late = row(
        "december-too-late",
        false,
        "0",
        "1",
        "5000.00",
        "2025-01-01T00:00:00+08:00",
        29,
    );
    too_late["reasons"] = json!(["入驻不足 30 天, 本年度不参与年费返还"]);
    expect(
        "tmall-annual-fee-proration",
        &[],
        &[
            // 03-15 10:00 → 12-15 10:00 is 9 whole months, then 16 d 14 h of the 31-day month to
            // 2025-01-15 10:00: 9.53 → 10 months. 服饰 60000 × 10 ÷ 12 = 50000, due 04-01.
            // Days: 17 (03-15 … 03-31) + 30+31+30+31+31+30+31+30+31 = 292.
            // Threshold 600000 × 10 ÷ 12 = 500000; sales 500000 → ratio 1 → 100 % → 50000.
            row(
                "mid-march",
                true,
                "50000.00",
                "10",
                "50000.00",
                "2024-04-01T00:00:00+08:00",
                292,
            ),
            // 06-01 00:00 → exactly 7 months. 食品 30000 × 7 ÷ 12 = 17500, due 07-01.
            // Days 30+31+31+30+31+30+31 = 214. Threshold 360000 × 7 ÷ 12 = 210000;
            // 105000 ÷ 210000 = 0.5 → 50 % → 8750.
            row(
                "first-of-june",
                true,
                "8750.00",
                "7",
                "17500.00",
                "2024-07-01T00:00:00+08:00",
                214,
            ),
            // 02-29 12:00 → 12-29 12:00 is 10 months, plus 2.5 days → 11 months. 60000 × 11 ÷ 12 =
            // 55000, due 03-01. Days 1 + 306 = 307. Threshold 550000; 274999.99 ÷ 550000 < 0.5 → 0.
            row(
                "leap-day",
                true,
                "0.00",
                "11",
                "55000.00",
                "2024-03-01T00:00:00+08:00",
                307,
            ),
            // Onboarded 2023: counted from 2024-01-01, 12 months, 30000, due 02-01, 366 days (leap
            // year). 400000 ≥ 360000 → 100 % → 30000.
            row(
                "before-2024",
                true,
                "30000.00",
                "12",
                "30000.00",
                "2024-02-01T00:00:00+08:00",
                366,
            ),
            // 12-03 09:00 → 28 d 15 h of a 31-day month → 1 month, 5000, due 2025-01-01; 29 days
            // (12-03 … 12-31) < 30: no refund.
            too_late,
            // 12-02 23:59 → 1 month: 2500; days 12-02 … 12-31 = 30 → eligible. Threshold 30000;
            // sales 30000 → 100 % → 2500.
            row(
                "december-30-days",
                true,
                "2500.00",
                "1",
                "2500.00",
                "2025-01-01T00:00:00+08:00",
                30,
            ),
        ],
    );
}

#[test]
fn time_business_days_against_a_holiday_calendar() {
    // on time: business_days_between(paid_at, shipped_at) ≤ 2 (weekdays from the payment date,
    // included, to the shipping date, excluded, that are not holidays); unshipped is late.
    // Eligible when on_time ÷ orders ≥ 0.95; 0.50 per on-time order.
    let row = |id: &str, eligible: bool, bonus: &str, orders: u64, on_time: u64, rate: Value| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"shipping_bonus": cny(bonus)},
               "values": {"order_count": orders, "on_time_orders": on_time, "on_time_rate": rate}})
    };
    let late = |mut v: Value| {
        v["reasons"] = json!(["及时发货率需不低于 95%"]);
        v
    };
    expect(
        "channels-ship-on-time-business-days",
        &["--holidays", "policies/examples/cn-holidays-2024.txt"],
        &[
            // Paid Mon 09-30, shipped Tue 10-08: 09-30 counts; 10-01 … 10-04 and 10-07 are holidays,
            // 10-05/06 a weekend → 1. Paid Fri 09-13, shipped Wed 09-18: 09-13 counts; 14/15 weekend,
            // 16/17 holidays → 1. 2 of 2 on time → 2 × 0.50 = 1.00.
            row("holidays-skipped", true, "1.00", 2, 2, json!("1")),
            // Sat 09-21 → Tue 09-24: only Mon 09-23 → 1. Mon 09-23 → Wed 09-25: Mon, Tue → 2.
            // Mon 09-23 → Thu 09-26 00:30: Mon, Tue, Wed → 3, late. 2 ÷ 3 < 0.95.
            late(row(
                "weekends-skipped",
                false,
                "0",
                3,
                2,
                json!("0.6666666666666666666666666667"),
            )),
            // 19 shipped the day they were paid (0); Tue 10-08 → Fri 10-11: 3, late. 19 ÷ 20 = 0.95.
            row("one-late-in-twenty", true, "9.50", 20, 19, json!("0.95")),
            // Not shipped: late. 0 ÷ 1 = 0.
            late(row("unshipped", false, "0", 1, 0, json!("0"))),
            // 09-12 23:59:59 and 10-14 00:00 are outside the statistics: no orders, 0 ÷ 0 is unknown.
            late(row("outside-statistics", false, "0", 0, 0, Value::Null)),
        ],
    );
}

#[test]
fn time_business_days_without_the_holidays_count_holidays_as_workdays() {
    // With an empty calendar only weekends are skipped: 09-30 → 10-08 is 09-30, 10-01, 10-02,
    // 10-03, 10-04, 10-07 = 6, and 09-13 → 09-18 is 09-13, 09-16, 09-17 = 3: both late.
    let dir = TempDir::new("examples", "no-holidays");
    let empty = dir.join("none.txt");
    std::fs::write(&empty, "# no holidays\n").unwrap();
    let results = evaluate(
        "channels-ship-on-time-business-days",
        &["--holidays", empty.to_str().unwrap()],
    );
    let first = &results[0];
    assert_eq!(first["id"], "holidays-skipped");
    assert_eq!(first["eligible"], false);
    assert_eq!(first["values"]["on_time_orders"], 0);
    // And without any --holidays, a campaign that counts business days is not evaluated.
    let run = campaign(&[
        "evaluate",
        &policy("channels-ship-on-time-business-days"),
        "--facts",
        &facts("channels-ship-on-time-business-days"),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--holidays"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// 6. Arithmetic

#[test]
fn arithmetic_deductions_percentage_points_ratios_and_distinct_counts() {
    // base = max(gmv - refunds - other subsidies, 0); reduced = max(rate - 1 pp, 0 %);
    // rebate = base × (rate - reduced) × (2 when gmv ÷ last year ≥ 2, else 1), rounded down.
    // Eligible: ≥ 3 distinct listings sold, refunds ≤ 20 % of gmv.
    #[allow(clippy::too_many_arguments)]
    fn row(
        id: &str,
        eligible: bool,
        rebate: &str,
        (gmv, refunds, base): (&str, &str, &str),
        (reduced, misread): (&str, &str),
        listings: u64,
        (share, yoy): (Value, Value),
    ) -> Value {
        json!({"id": id, "eligible": eligible,
               "rewards": {"fee_rebate": cny(rebate)},
               "values": {"gmv": cny(gmv), "refunds": cny(refunds), "settlement_base": cny(base),
                          "reduced_rate": reduced, "not_meant_99_percent": misread,
                          "active_listings": listings, "refund_share": share, "yoy_multiple": yoy}})
    }
    let mut duplicate = row(
        "duplicate-listings",
        false,
        "0",
        ("5000.00", "0", "5000.00"),
        ("0.04", "0.0495"),
        2,
        (json!("0"), json!("0.5")),
    );
    duplicate["reasons"] = json!(["活动期动销商品数需不少于 3 个"]);
    let mut refunds = row(
        "too-many-refunds",
        false,
        "0",
        ("10000.00", "2000.01", "7999.99"),
        ("0.04", "0.0495"),
        3,
        (json!("0.200001"), json!("1")),
    );
    refunds["reasons"] = json!(["退款金额不得超过成交额的 20%"]);
    expect(
        "taobao-fee-cut-net-base",
        &[],
        &[
            // In July: L1 20000 + L1 10000 (refund 2000, 07-01 00:00) + L2 15000 (07-31 23:59:59) +
            // L3 5000 (refund 500) = 50000; L4 on 08-01 is out. Refunds 2500; base 50000 - 2500 -
            // 1000 = 46500. 5 % - 1 pp = 4 % (5 % × 99 % = 4.95 %). Listings L1, L2, L3 = 3.
            // 2500 ÷ 50000 = 0.05 ≤ 0.2. 50000 ÷ 50000 = 1 → ×1. 46500 × 1 % = 465.
            row(
                "typical",
                true,
                "465.00",
                ("50000.00", "2500.00", "46500.00"),
                ("0.04", "0.0495"),
                3,
                (json!("0.05"), json!("1")),
            ),
            // 0.6 % - 1 pp < 0 → 0 %; the cut is the whole 0.6 %. 0.6 % × 99 % = 0.594 %.
            // 30000 ÷ 10000 = 3 → ×2: 30000 × 0.6 % × 2 = 360.
            row(
                "rate-below-1pp",
                true,
                "360.00",
                ("30000.00", "0", "30000.00"),
                ("0", "0.00594"),
                3,
                (json!("0"), json!("3")),
            ),
            // A, A, B, B, A in July (C on 06-30 is out): 2 listings. 5000 ÷ 10000 = 0.5.
            duplicate,
            // 10000 - 2000 - 9000 = -1000 → base 0. Refunds exactly 20 % pass. Rebate 0.
            row(
                "deductions-exceed-gmv",
                true,
                "0.00",
                ("10000.00", "2000.00", "0"),
                ("0.04", "0.0495"),
                3,
                (json!("0.2"), json!("1")),
            ),
            // Refunds 2000.01 > 20 % of 10000. Base 10000 - 2000.01 = 7999.99.
            refunds,
            // 3 × 1111.11 = 3333.33; last year 0 → growth unknown (null) → ×1.
            // 3.3 % - 1 pp = 2.3 %; 3.3 % × 99 % = 3.267 %. 3333.33 × 1 % = 33.3333 → 33.33.
            row(
                "no-sales-last-year",
                true,
                "33.33",
                ("3333.33", "0", "3333.33"),
                ("0.023", "0.03267"),
                3,
                (json!("0"), Value::Null),
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// 7. Groups and history

#[test]
fn groups_provider_pools_its_affiliates_orders() {
    // New affiliate: first-ever onboarding ≥ 2024-01-01 (the latest onboarding is ignored).
    // Pooled = settled amounts of new affiliates in [07-01, 2025-01-01). Rebate = pooled ×
    // (0.5 % from 500000, else 0), rounded down, at most 20000. 300 per new affiliate with
    // ≥ 10000 settled. Provider: first onboarded before 2023-01-01.
    let row = |id: &str, eligible: bool, rebate: &str, bonus: &str, pooled: &str, qualified: u64| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"pooled_rebate": cny(rebate), "new_affiliate_bonus": cny(bonus)},
               "values": {"pooled_gmv": cny(pooled), "qualified_new_affiliates": qualified}})
    };
    let mut not_mature = row("provider-not-mature", false, "0", "0", "600000.00", 1);
    not_mature["reasons"] = json!(["需为 2023-01-01 前首次入驻快手的服务商"]);
    expect(
        "kuaishou-provider-affiliate-pool",
        &[],
        &[
            // A (new): 300000 (07-01 00:00) + 200000 (12-31 23:59:59) = 500000; 2025-01-01 is out.
            // B: first onboarded 2022 (re-registered 2024): not new, its 200000 is not pooled.
            // C (first 2024-01-01 00:00, new): 9999.99. D (new): 10000 (its 06-30 order is out).
            // Pooled 519999.99 × 0.5 % = 2599.99995 → 2599.99. Qualified: A, D → 600.
            row("pool", true, "2599.99", "600.00", "519999.99", 2),
            // First onboarded exactly 2023-01-01 00:00: not before 2023.
            not_mature,
            // F 3000000 + G 2000000 = 5000000 (H first onboarded 2023-12-31: not new) → 25000 → 20000.
            row("capped", true, "20000.00", "600.00", "5000000.00", 2),
            row("no-affiliates", true, "0.00", "0.00", "0", 0),
        ],
    );
}

// ---------------------------------------------------------------------------
// 8. Payout shape

#[test]
fn payout_ad_credits_and_coupons_are_units_of_their_own() {
    let row = |id: &str, eligible: bool, credits: &str, coupons: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"ad_credits": money(credits, "ad_credit"), "buyer_coupons": money(coupons, "coupons")},
               "values": {}})
    };
    let mut at_risk = row("at-risk", false, "0", "0");
    at_risk["reasons"] = json!(["The account must be in good standing"]);
    expect(
        "tiktok-shop-ad-credits-coupons",
        &[],
        &[
            // 12345.67 × 2 % = 246.9134 → 246.91 credits (hundredths); 59 ÷ 20 = 2.95 → 2 coupons.
            row("typical", true, "246.91", "2"),
            // 600 credits → 500; 2000 ÷ 20 = 100 → 50.
            row("capped", true, "500.00", "50"),
            // 0.49 × 2 % = 0.0098 → 0.00; 20 ÷ 20 = 1.
            row("small", true, "0.00", "1"),
            at_risk,
        ],
    );
}

#[test]
fn payout_clawback_recomputes_the_earlier_grant() {
    // recomputed = (Σ amount - Σ refunded) × 3 %, rounded down; clawback = max(granted -
    // recomputed, 0); top-up = max(recomputed - granted, 0), paid only when eligible.
    let row = |id: &str, eligible: bool, top_up: &str, effective: &str, recomputed: &str, clawback: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"top_up": cny(top_up)},
               "values": {"effective_gmv": cny(effective), "recomputed": cny(recomputed), "clawback": cny(clawback)}})
    };
    let mut penalized = row("penalized", false, "0", "5000.00", "150.00", "150.00");
    penalized["reasons"] = json!(["账号处罚期间不予补发"]);
    expect(
        "channels-commission-clawback",
        &[],
        &[
            // 10000 - 2000 = 8000 → 240; granted 300 → claw back 60.
            row("refund-after-grant", true, "0.00", "8000.00", "240.00", "60.00"),
            // 6000 → 180; granted 150 → top up 30.
            row("late-orders-top-up", true, "30.00", "6000.00", "180.00", "0"),
            // 9999.99 × 3 % = 299.9997 → 299.99 = granted.
            row("unchanged", true, "0.00", "9999.99", "299.99", "0"),
            // Everything refunded: 0 → claw back all 90.
            row("fully-refunded", true, "0.00", "0", "0", "90.00"),
            // Not eligible for a top-up, but the clawback is computed all the same:
            // 10000 - 5000 = 5000 → 150; 300 - 150 = 150.
            penalized,
        ],
    );
}

#[test]
fn payout_in_parts_and_an_expiry_date() {
    // cash = September GMV × 1 %, rounded down, at most 10000: 90 % (rounded down to the fen)
    // on 2024-10-15, the rest on 2024-12-31. Coupons = ⌊GMV ÷ 10000⌋, expiring 30 days after
    // the start of the as_of day: as_of 2024-10-15 10:00 → day 1 = 10-15, day 30 = 11-13,
    // expiry 11-14 00:00.
    const EXPIRY: &str = "2024-11-14T00:00:00+08:00";
    let row = |id: &str, cash: &str, first: &str, rest: &str, coupons: &str, gmv: &str| {
        json!({"id": id, "eligible": true,
               "rewards": {
                   "cash": {"amount": cash, "unit": "CNY", "payments": [
                       {"on": "2024-10-15T00:00:00+08:00", "amount": first},
                       {"on": "2024-12-31T00:00:00+08:00", "amount": rest}]},
                   "ad_coupons": {"amount": coupons, "unit": "coupons", "expires_at": EXPIRY}},
               "values": {"september_gmv": cny(gmv)}})
    };
    expect(
        "kuaishou-sprint-bonus-payout-parts",
        &["--as-of", "2024-10-15 10:00"],
        &[
            // 100000 + 23456.78 (09-30 23:59:59) = 123456.78; 10-01 00:00 is out.
            // 1234.5678 → 1234.56; 90 % = 1111.104 → 1111.10; rest 123.46. 12.3456… → 12 coupons.
            row("typical", "1234.56", "1111.10", "123.46", "12", "123456.78"),
            // 20000 → 10000: 9000 + 1000; 200 coupons.
            row("capped", "10000.00", "9000.00", "1000.00", "200", "2000000.00"),
            // 50000 exactly (08-31 23:59:59 is out) → 500: 450 + 50; 5 coupons.
            row("threshold-edge", "500.00", "450.00", "50.00", "5", "50000.00"),
            // 50001 → 500.01: 90 % = 450.009 → 450.00; the rest 50.01 keeps the sum exact.
            row("uneven-split", "500.01", "450.00", "50.01", "5", "50001.00"),
            // Not eligible: 0 of each. (The tool then writes neither `payments` nor `expires_at`.)
            json!({"id": "below-threshold", "eligible": false,
                   "rewards": {"cash": cny("0"), "ad_coupons": money("0", "coupons")},
                   "values": {"september_gmv": cny("49999.99")},
                   "reasons": ["9 月支付 GMV 需满 5 万元"]}),
        ],
    );
}

#[test]
fn payout_parts_must_add_up_to_100_percent() {
    let text = variant(
        "kuaishou-sprint-bonus-payout-parts",
        "paid 90% on 2024-10-15 and 10% on 2024-12-31",
        "paid 90% on 2024-10-15 and 5% on 2024-12-31",
    );
    assert_reports(&text, "check::invalid_modifier", Severity::Error);
}

// ---------------------------------------------------------------------------
// 9. Editions

#[test]
fn editions_chosen_by_a_date_fact() {
    // Edition: first listed before 2024-01-01 00:00 (Beijing) → 2023版 (≥ 5000, 2 %, no score
    // needed), otherwise 2024版 (≥ 3000, 3 %, score ≥ 4.5 or no score). GMV: orders in
    // [first_listed_at, first_listed_at + 30 days]. Rebate rounded down, at most 2000.
    let row = |id: &str, eligible: bool, rebate: &str, edition: &str, gmv: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"launch_rebate": cny(rebate)},
               "values": {"edition": edition, "launch_gmv": cny(gmv)}})
    };
    let mut low_score = row("2024-low-score", false, "0", "2024版", "10000.00");
    low_score["reasons"] = json!(["2024版要求店铺评分≥4.5"]);
    let mut short = row("2023-short", false, "0", "2023版", "4999.99");
    short["reasons"] = json!(["上架后 30 天内 GMV 未达到所属版本门槛 (2023版 5,000 元, 2024版 3,000 元)"]);
    expect(
        "channels-new-product-editions",
        &[],
        &[
            // 2023-12-31 23:59:59: 2023版; 5000 ≥ 5000, score 3.0 is enough (no requirement): 2 % → 100.
            row("last-2023-second", true, "100.00", "2023版", "5000.00"),
            // 2024-01-01 00:00: 2024版; 3000 ≥ 3000, 4.5 ≥ 4.5: 3 % → 90.
            row("first-2024-instant", true, "90.00", "2024版", "3000.00"),
            low_score,
            // No score: passes. 4000 × 3 % = 120.
            row("2024-no-score", true, "120.00", "2024版", "4000.00"),
            // 4999.99 < 5000 under 2023版 (it would pass 2024版's 3000).
            short,
            // 2023-12-31 16:00Z = 2024-01-01 00:00 Beijing: 2024版. 01-31 00:00 +08:00 is exactly
            // 30 days later (included): 3500; one second later is out. 3500 × 3 % = 105.
            row("written-in-utc", true, "105.00", "2024版", "3500.00"),
            // 100000 × 3 % = 3000 → 2000.
            row("capped", true, "2000.00", "2024版", "100000.00"),
        ],
    );
}

// ---------------------------------------------------------------------------
// 10. Rankings

#[test]
fn rankings_top_three_per_industry_with_a_tie_breaker() {
    // place = rank by weekly GMV descending, then by applied_at (earlier first), within industry;
    // equal on both: input order. Prize 5000 / 3000 / 1000 for places 1 / 2 / 3 when GMV ≥ 10000
    // and no violation; a disqualified anchor keeps its place (名次不递补).
    let row = |id: &str, eligible: bool, prize: &str, gmv: &str, place: u64| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"prize": cny(prize)},
               "values": {"weekly_gmv": cny(gmv), "place": place}})
    };
    let with = |mut v: Value, reasons: &[&str]| {
        v["reasons"] = json!(reasons);
        v
    };
    const TOP3: &str = "未进入行业周榜前 3 名";
    const GMV: &str = "周期内带货 GMV 须满 1 万元";
    expect(
        "douyin-anchor-weekly-ranking",
        &[],
        &[
            // 美妆: violator 60000 (1st), early 50000 applied 08-19 (2nd), late 50000 applied 08-20
            // (3rd), fourth 25000 + 5000 (09-02 00:00) = 30000, 09-09 00:00 out (4th).
            row("beauty-late", true, "1000.00", "50000.00", 3),
            // 食品: small 9999.99 (1st), second 5000 (2nd), tie-a and tie-b 1000 with the same
            // application time: input order, tie-a 3rd, tie-b 4th. None reaches 10000.
            with(row("food-small", false, "0", "9999.99", 1), &[GMV]),
            with(
                row("beauty-violator", false, "0", "60000.00", 1),
                &["存在违规行为, 取消获奖资格"],
            ),
            with(row("beauty-fourth", false, "0", "30000.00", 4), &[TOP3]),
            with(row("food-tie-a", false, "0", "1000.00", 3), &[GMV]),
            // 服饰: alone, 10000 (09-08 23:59:59, inside) → 1st → 5000.
            row("apparel-only", true, "5000.00", "10000.00", 1),
            row("beauty-early", true, "3000.00", "50000.00", 2),
            with(row("food-second", false, "0", "5000.00", 2), &[GMV]),
            with(row("food-tie-b", false, "0", "1000.00", 4), &[TOP3, GMV]),
        ],
    );
}

#[test]
fn rankings_are_the_same_on_any_number_of_threads() {
    let outputs: Vec<String> = ["1", "4"]
        .iter()
        .map(|jobs| {
            campaign(&[
                "evaluate",
                &policy("douyin-anchor-weekly-ranking"),
                "--facts",
                &facts("douyin-anchor-weekly-ranking"),
                "--quiet",
                "--jobs",
                jobs,
            ])
            .stdout
        })
        .collect();
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn rankings_cannot_be_used_inside_a_list() {
    let text = variant(
        "douyin-anchor-weekly-ranking",
        "  value weekly_gmv =",
        "  let order_place of orders = rank by amount descending\n  value weekly_gmv =",
    );
    assert_reports(&text, "check::invalid_scope", Severity::Error);
}

// ---------------------------------------------------------------------------
// Found while writing the examples, fixed since: each test states what docs/language.md says.

#[test]
fn a_capped_exact_value_stays_exact() {
    let text = r#"campaign "capped value" {
  timezone Asia/Shanghai
  facts { new_buyers: count }
  let plan_b = new_buyers × 5 CNY, at most 2000 CNY
  reward plan_b_cash = plan_b
}
"#;
    assert_no_errors(text);
}

#[test]
fn rate_times_count_is_a_plain_number() {
    let text = r#"campaign "rate times count" {
  timezone Asia/Shanghai
  facts {
    positive_review_rate: fraction
    paid_orders: count
    on_time_orders: count
  }
  # 服务分 = 好评率 × 10 (95% → 9.5 分), added to other scores
  value service_score = positive_review_rate × 10 + 1.5
  # 及时发货订单数 ≥ 订单数 × 95%
  value on_time = on_time_orders ≥ paid_orders × 95%
}
"#;
    assert_no_errors(text);
}
