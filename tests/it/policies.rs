//! Every seed policy against the data contract (`docs/contract.md`).
//!
//! Two kinds of checks:
//!
//! - the contract examples (`tests/fixtures/contract/NAME.ndjson` against
//!   `NAME.expected.ndjson`), and
//! - hand-made edge cases (`tests/fixtures/edges/*.ndjson`) whose expected
//!   results are written below, each derived by hand from the contract's
//!   rules (the comment beside each record says why). None of them was
//!   produced by running the tool.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::harness::{campaign, root};

// ---------------------------------------------------------------------------
// Running the tool

/// `campaign evaluate policies/POLICY.campaign --facts FACTS --format ndjson [--param P]...`:
/// the results, in output order. Asserts exit 0 and one result per input line.
fn evaluate(policy: &str, facts: &str, params: &[&str]) -> Vec<Value> {
    let policy_path = format!("policies/{policy}.campaign");
    let mut args = vec!["evaluate", policy_path.as_str(), "--facts", facts, "--format", "ndjson"];
    for p in params {
        args.push("--param");
        args.push(p);
    }
    let run = campaign(&args);
    assert_eq!(
        run.code, 0,
        "evaluate {policy} on {facts} exited {}\nstderr:\n{}",
        run.code, run.stderr
    );
    let input_lines = std::fs::read_to_string(root().join(facts))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let results: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect();
    assert_eq!(
        results.len(),
        input_lines,
        "{facts}: one result per input record\nstdout:\n{}",
        run.stdout
    );
    for r in &results {
        assert!(r.get("error").is_none(), "{facts}: unexpected error object {r}");
    }
    // One result per input record, in input order.
    let input_ids: Vec<Value> = std::fs::read_to_string(root().join(facts))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].clone())
        .collect();
    let output_ids: Vec<Value> = results.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(output_ids, input_ids, "{facts}: results in input order");
    results
}

/// Results by `id` (ids are unique in every fixture).
fn by_id(results: &[Value]) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    for r in results {
        let id = r["id"].as_str().unwrap_or_else(|| panic!("no id in {r}")).to_string();
        assert!(map.insert(id.clone(), r.clone()).is_none(), "duplicate id {id}");
    }
    map
}

fn dec(v: &Value) -> Decimal {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("amount {v} is not a decimal string"));
    Decimal::from_str(s).unwrap_or_else(|e| panic!("amount {s:?} is not a decimal: {e}"))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Compares one value (`values.NAME`) or reward: quantities as decimals, the rest exactly.
fn same_value(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) if e.contains_key("amount") => {
            a.get("unit") == e.get("unit")
                && a.get("amount").is_some_and(|x| x.is_string())
                && dec(&a["amount"]) == dec(&e["amount"])
        }
        (Value::Number(a), Value::Number(e)) => a.as_i64().is_some() && a.as_i64() == e.as_i64(),
        _ => actual == expected,
    }
}

/// Every difference between a result and its expectation (empty when they agree).
///
/// - `id` and `eligible` equal;
/// - the same reward names; each amount equal as a decimal and the unit equal;
///   `by_period` present exactly when expected, with exactly the expected periods
///   and equal amounts;
/// - the same value names, each equal (quantities as decimals);
/// - `reasons` non-empty when not eligible and empty when eligible; when the
///   expectation has `reasons_count`, exactly that many distinct reasons.
fn differences(actual: &Value, expected: &Value) -> Vec<String> {
    let id = expected["id"].as_str().unwrap_or("?");
    let mut out = Vec::new();
    let mut diff = |what: String| out.push(format!("{id}: {what}"));
    if actual["id"] != expected["id"] {
        diff(format!("id {} instead of {}", actual["id"], expected["id"]));
    }
    if actual["eligible"] != expected["eligible"] {
        diff(format!(
            "eligible {} instead of {}",
            actual["eligible"], expected["eligible"]
        ));
    }
    // Rewards.
    let (ar, er) = (&actual["rewards"], &expected["rewards"]);
    if keys(ar) != keys(er) {
        diff(format!("rewards {:?} instead of {:?}", keys(ar), keys(er)));
    }
    for (name, e) in er.as_object().into_iter().flatten() {
        let a = &ar[name];
        if !same_value(a, e) {
            diff(format!("reward {name} {a} instead of {e}"));
        }
        match (a.get("by_period"), e.get("by_period")) {
            (None, None) => {}
            (Some(ap), Some(ep)) => {
                if keys(ap) != keys(ep) {
                    diff(format!(
                        "reward {name} periods {:?} instead of {:?}",
                        keys(ap),
                        keys(ep)
                    ));
                }
                for (period, amount) in ep.as_object().into_iter().flatten() {
                    match ap.get(period) {
                        Some(x) if x.is_string() && dec(x) == dec(amount) => {}
                        other => diff(format!("reward {name}[{period}] {other:?} instead of {amount}")),
                    }
                }
            }
            (a, e) => diff(format!("reward {name} by_period {a:?} instead of {e:?}")),
        }
    }
    // Values.
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
    // Reasons.
    let reasons = actual["reasons"].as_array();
    match (expected["eligible"].as_bool(), reasons) {
        (_, None) => diff(format!("no reasons array in {actual}")),
        (Some(false), Some(r)) if r.is_empty() => diff("not eligible but no reasons".into()),
        (Some(true), Some(r)) if !r.is_empty() => diff(format!("eligible but reasons {r:?}")),
        _ => {}
    }
    if let (Some(n), Some(r)) = (expected.get("reasons_count").and_then(Value::as_u64), reasons) {
        let distinct: BTreeSet<String> = r.iter().map(|x| x.to_string()).collect();
        if r.len() as u64 != n || distinct.len() != r.len() {
            diff(format!("reasons {r:?} instead of {n} distinct entries"));
        }
        if r.iter().any(|x| x.as_str().is_none_or(|s| s.trim().is_empty())) {
            diff(format!("blank reason in {r:?}"));
        }
    }
    out
}

/// Runs POLICY on FACTS and checks the results of the records named in `expected`.
fn expect(policy: &str, facts: &str, params: &[&str], expected: &[Value]) {
    let results = by_id(&evaluate(policy, facts, params));
    let mut problems = Vec::new();
    for e in expected {
        let id = e["id"].as_str().unwrap();
        match results.get(id) {
            Some(a) => problems.extend(differences(a, e)),
            None => problems.push(format!("{id}: no result")),
        }
    }
    assert!(problems.is_empty(), "{policy} on {facts}:\n  {}", problems.join("\n  "));
}

/// Adds `"reasons_count": n` to an expectation.
fn reasons(mut expected: Value, n: u64) -> Value {
    expected["reasons_count"] = json!(n);
    expected
}

fn cny(amount: &str) -> Value {
    json!({"amount": amount, "unit": "CNY"})
}

// ---------------------------------------------------------------------------
// The contract examples

const SEEDS: [&str; 6] = [
    "kuaishou-provider-gmv-2022",
    "kuaishou-provider-industry-2022",
    "channels-brand-coldstart-2023",
    "douyin-trade-miniprogram-2023",
    "channels-alliance-admission-2024",
    "channels-edu-back-to-school-2024",
];

fn contract_example(name: &str) {
    let facts = format!("tests/fixtures/contract/{name}.ndjson");
    let results = evaluate(name, &facts, &[]);
    let expected_text =
        std::fs::read_to_string(root().join(format!("tests/fixtures/contract/{name}.expected.ndjson"))).unwrap();
    let expected: Vec<Value> = expected_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), expected.len(), "{name}: number of results");
    let mut problems = Vec::new();
    for (a, e) in results.iter().zip(&expected) {
        problems.extend(differences(a, e));
    }
    assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
}

#[test]
fn contract_kuaishou_provider_gmv() {
    contract_example("kuaishou-provider-gmv-2022");
}

#[test]
fn contract_kuaishou_provider_industry() {
    contract_example("kuaishou-provider-industry-2022");
}

#[test]
fn contract_channels_brand_coldstart() {
    contract_example("channels-brand-coldstart-2023");
}

#[test]
fn contract_douyin_trade_miniprogram() {
    contract_example("douyin-trade-miniprogram-2023");
}

#[test]
fn contract_channels_alliance_admission() {
    contract_example("channels-alliance-admission-2024");
}

#[test]
fn contract_channels_edu_back_to_school() {
    contract_example("channels-edu-back-to-school-2024");
}

#[test]
fn every_seed_policy_is_checked_and_valid() {
    for name in SEEDS {
        assert!(
            root().join(format!("policies/{name}.campaign")).is_file(),
            "policies/{name}.campaign is missing"
        );
    }
    let run = campaign(&["check", "policies/"]);
    assert_eq!(run.code, 0, "check policies/ failed:\n{}", run.stderr);
}

// ---------------------------------------------------------------------------
// channels-edu-back-to-school-2024 (tests/fixtures/edges/education.ndjson)
//
// Unless a record says otherwise it is the base record `edu-base`: store score
// 4.5, registered 2024-08-20 12:00 (+08:00), one sale on 2024-08-25 12:00 in a
// 购物 room, 教育培训 / 语言培训, gmv 20000.00. Signup window: [08-16 15:00,
// 08-29 00:00); activity window: [08-22 10:00, 09-01 00:00), both +08:00.
// Points = floor(counted_gmv × 0.009), at most 600000; 0 when not eligible.

const EDU: &str = "channels-edu-back-to-school-2024";
const EDU_FACTS: &str = "tests/fixtures/edges/education.ndjson";

fn edu(id: &str, eligible: bool, points: &str, counted_gmv: &str) -> Value {
    json!({
        "id": id,
        "eligible": eligible,
        "rewards": {"growth_points": {"amount": points, "unit": "points"}},
        "values": {"counted_gmv": cny(counted_gmv)},
    })
}

#[test]
fn edu_signup_window_edges() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // Everything inside: 20000.00 × 0.9 % = 180 points.
            edu("edu-base", true, "180", "20000.00"),
            // Registered at the window's start: a start is included.
            edu("edu-reg-start", true, "180", "20000.00"),
            // One second before the start: out; the only failed condition is signup.
            reasons(edu("edu-reg-before-start", false, "0", "20000.00"), 1),
            // 2024-08-29 00:00 is "08-28 24:00", the excluded end.
            reasons(edu("edu-reg-end", false, "0", "20000.00"), 1),
            // 08-28 23:59:59 is the last whole second inside.
            edu("edu-reg-last-second", true, "180", "20000.00"),
            // 08-28 23:59:59.999 is still before the end.
            edu("edu-reg-last-fraction", true, "180", "20000.00"),
        ],
    );
}

#[test]
fn edu_signup_same_instant_with_z_and_offset() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // 2024-08-16T07:00:00Z is 15:00 in Shanghai: the start, included.
            edu("edu-reg-start-z", true, "180", "20000.00"),
            // 06:59:59Z is 14:59:59 in Shanghai: one second early.
            reasons(edu("edu-reg-before-start-z", false, "0", "20000.00"), 1),
            // 2024-08-28T16:00:00Z is 08-29 00:00 in Shanghai: the excluded end.
            reasons(edu("edu-reg-end-z", false, "0", "20000.00"), 1),
            // 2024-08-16T02:00:00-05:00 is 07:00Z, 15:00 in Shanghai: the start, included.
            edu("edu-reg-start-minus-5", true, "180", "20000.00"),
        ],
    );
}

#[test]
fn edu_signup_unknown_is_not_signed_up() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // registered_at missing: did not sign up.
            reasons(edu("edu-reg-missing", false, "0", "20000.00"), 1),
            // registered_at null: the same as missing.
            reasons(edu("edu-reg-null", false, "0", "20000.00"), 1),
        ],
    );
}

#[test]
fn edu_activity_window_edges() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // A sale at exactly 08-22 10:00 is counted: 15000.00 → 135 points.
            edu("edu-sale-at-start", true, "135", "15000.00"),
            // A sale at 09-01 00:00 ("08-31 24:00") is not counted: 0 → not above 10000.
            reasons(edu("edu-sale-at-end", false, "0", "0"), 1),
            // 08-22 09:59:59 (no) 7000; 08-22T02:00:00Z = 10:00 (yes) 11000;
            // 08-31 23:59:59 (yes) 1000; 08-31T16:00:00Z = 09-01 00:00 (no) 3000.
            // Counted 12000.00 → 108 points.
            edu("edu-sale-window-mixed", true, "108", "12000.00"),
        ],
    );
}

#[test]
fn edu_store_score_edges() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // "4.2" is at least 4.2.
            edu("edu-score-4.2", true, "180", "20000.00"),
            // 4.20 as a JSON number: the same.
            edu("edu-score-4.20-number", true, "180", "20000.00"),
            // 4.19 is below 4.2.
            reasons(edu("edu-score-4.19", false, "0", "20000.00"), 1),
            // Missing: the score must be known.
            reasons(edu("edu-score-missing", false, "0", "20000.00"), 1),
            // null: unknown, the same as missing.
            reasons(edu("edu-score-null", false, "0", "20000.00"), 1),
        ],
    );
}

#[test]
fn edu_counted_gmv_must_be_above_10000() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // Exactly 10000.00 is not above 10000.
            reasons(edu("edu-gmv-10000.00", false, "0", "10000.00"), 1),
            // 10000.01 is; 10000.01 × 0.009 = 90.00009 → 90.
            edu("edu-gmv-10000.01", true, "90", "10000.01"),
        ],
    );
}

#[test]
fn edu_points_round_down() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // 10001 × 0.009 = 90.009 → 90.
            edu("edu-gmv-10001", true, "90", "10001"),
            // 11111.00 × 0.009 = 99.999 → 99 (down, not to the nearest).
            edu("edu-gmv-11111", true, "99", "11111.00"),
            // 11000 (a JSON number) × 0.009 = 99 exactly → 99 (binary floating point gives
            // 98.99999999999999, which would round down to 98).
            edu("edu-gmv-11000", true, "99", "11000"),
        ],
    );
}

#[test]
fn edu_points_capped_at_600000() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // 70,000,000.00 × 0.009 = 630000 → capped at 600000.
            edu("edu-cap", true, "600000", "70000000.00"),
            // 66,666,666.66 × 0.009 = 599999.99994 → 599999 (under the cap).
            edu("edu-below-cap", true, "599999", "66666666.66"),
        ],
    );
}

#[test]
fn edu_gmv_number_and_string_give_identical_results() {
    // 12345.67 × 0.009 = 111.11103 → 111, whether written 12345.67 or "12345.67".
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            edu("edu-gmv-number", true, "111", "12345.67"),
            edu("edu-gmv-string", true, "111", "12345.67"),
        ],
    );
    let results = by_id(&evaluate(EDU, EDU_FACTS, &[]));
    let mut number = results["edu-gmv-number"].clone();
    let mut string = results["edu-gmv-string"].clone();
    number["id"] = json!("");
    string["id"] = json!("");
    assert_eq!(number, string, "a JSON number and a decimal string read the same");
}

#[test]
fn edu_categories_compare_exactly() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // 学习/读书卡 12000.00 counts; "学习/读书卡 " (trailing space) 5000.00 does not:
            // 12000.00 → 108.
            edu("edu-trailing-space", true, "108", "12000.00"),
            // Only the trailing-space category: nothing counted.
            reasons(edu("edu-trailing-space-only", false, "0", "0"), 1),
            // A 娱乐 live room, not 购物: nothing counted.
            reasons(edu("edu-live-not-shopping", false, "0", "0"), 1),
            // First-level category 图书, not 教育培训: nothing counted.
            reasons(edu("edu-l1-not-education", false, "0", "0"), 1),
            // The five listed second-level categories at 3000.00 each count (15000.00);
            // 少儿编程 does not. 15000.00 → 135.
            edu("edu-all-l2", true, "135", "15000.00"),
            // No sales at all: 0.
            reasons(edu("edu-no-sales", false, "0", "0"), 1),
        ],
    );
}

#[test]
fn edu_money_is_exact_not_floating_point() {
    expect(
        EDU,
        EDU_FACTS,
        &[],
        &[
            // JSON numbers 7046.37 + 2346.76 + 606.87 = 10000.00 exactly (binary floating
            // point gives 10000.000000000002): not above 10000.
            reasons(edu("edu-gmv-float-trap", false, "0", "10000.00"), 1),
        ],
    );
}

// ---------------------------------------------------------------------------
// channels-alliance-admission-2024 (tests/fixtures/edges/alliance.ndjson)
//
// Base store `al-base`: not local-life, normal, freight insurance signed,
// score 4.5, enterprise, no products. A product is under observation when
// settled orders < 30 or its quality refund rate (quality ÷ paid) is unknown
// (quality unknown, or paid = 0).

const ALLIANCE: &str = "channels-alliance-admission-2024";
const ALLIANCE_FACTS: &str = "tests/fixtures/edges/alliance.ndjson";

fn alliance(id: &str, eligible: bool, observed: u64, sales: &str, remaining: &str, over: bool) -> Value {
    json!({
        "id": id,
        "eligible": eligible,
        "rewards": {},
        "values": {
            "observation_products": observed,
            "observation_sales_today": cny(sales),
            "observation_cap_remaining": cny(remaining),
            "over_observation_cap": over,
        },
    })
}

#[test]
fn alliance_store_score() {
    expect(
        ALLIANCE,
        ALLIANCE_FACTS,
        &[],
        &[
            // All conditions hold; no products: 0 observed, 5000 remaining.
            alliance("al-base", true, 0, "0", "5000", false),
            // No score yet: only ① and ② (and not local-life) are needed.
            alliance("al-score-missing", true, 0, "0", "5000", false),
            // null score: the same as no score.
            alliance("al-score-null", true, 0, "0", "5000", false),
            // Exactly 4.2: at least 4.2.
            alliance("al-score-4.2", true, 0, "0", "5000", false),
            // 4.19: below 4.2.
            reasons(alliance("al-score-4.19", false, 0, "0", "5000", false), 1),
            // No score, but suspended: ① fails.
            reasons(alliance("al-score-missing-suspended", false, 0, "0", "5000", false), 1),
            // No score, but no freight insurance: ② fails.
            reasons(
                alliance("al-score-missing-no-insurance", false, 0, "0", "5000", false),
                1,
            ),
        ],
    );
}

#[test]
fn alliance_other_admission_conditions() {
    expect(
        ALLIANCE,
        ALLIANCE_FACTS,
        &[],
        &[
            // Individual businesses are admitted like enterprises.
            alliance("al-individual", true, 0, "0", "5000", false),
            // Local-life stores: these rules do not apply.
            reasons(alliance("al-local-life", false, 0, "0", "5000", false), 1),
            // Closed: status not normal.
            reasons(alliance("al-closed", false, 0, "0", "5000", false), 1),
        ],
    );
}

#[test]
fn alliance_observation_products() {
    expect(
        ALLIANCE,
        ALLIANCE_FACTS,
        &[],
        &[
            // p1: 29 settled (< 30) → observed, 1000.00; p2: 30 settled, rate 1/100 known → not.
            alliance("al-settled-29-30", true, 1, "1000.00", "4000.00", false),
            // 0 paid orders: the rate is unknown → observed; 5000 − 1234.56 = 3765.44.
            alliance("al-paid-zero", true, 1, "1234.56", "3765.44", false),
            // quality_refund_orders missing (300.00) and null (200.00): both unknown → observed.
            alliance("al-quality-missing", true, 2, "500.00", "4500.00", false),
            // 0 quality refunds of 50 paid: a known rate of 0 %, 100 settled → not observed.
            alliance("al-quality-zero", true, 0, "0", "5000", false),
        ],
    );
}

#[test]
fn alliance_observation_cap() {
    expect(
        ALLIANCE,
        ALLIANCE_FACTS,
        &[],
        &[
            // 2500.00 (10 settled) + 2500.00 (0 paid) observed; p3 (9999.00) not observed.
            // Exactly 5000.00 is not above the cap; remaining 0.
            alliance("al-sales-5000.00", true, 2, "5000.00", "0", false),
            // 2500.00 + 2500.01 = 5000.01: above the cap; remaining not below 0.
            alliance("al-sales-5000.01", true, 2, "5000.01", "0", true),
            // 4999.99: remaining 0.01.
            alliance("al-sales-4999.99", true, 1, "4999.99", "0.01", false),
            // JSON numbers 3858.61 + 1060.33 + 81.06 (0 settled each) = 5000.00 exactly
            // (binary floating point gives 5000.000000000001): not above the cap.
            alliance("al-float-trap", true, 3, "5000.00", "0", false),
        ],
    );
}

// ---------------------------------------------------------------------------
// douyin-trade-miniprogram-2023 (tests/fixtures/edges/douyin.ndjson)
//
// Every record has entity_verified and payment_onboarded true unless it says otherwise.

const DOUYIN: &str = "douyin-trade-miniprogram-2023";
const DOUYIN_FACTS: &str = "tests/fixtures/edges/douyin.ndjson";

fn douyin(id: &str, eligible: bool) -> Value {
    json!({"id": id, "eligible": eligible, "rewards": {}, "values": {}})
}

#[test]
fn douyin_each_trade_category_is_eligible() {
    let expected: Vec<Value> = ["文娱", "工具", "家装", "法律", "财会", "汽车"]
        .iter()
        // One of the six listed categories, verified and onboarded.
        .map(|c| reasons(douyin(&format!("dy-{c}"), true), 0))
        .collect();
    expect(DOUYIN, DOUYIN_FACTS, &[], &expected);
}

#[test]
fn douyin_excluded_categories_are_not_eligible() {
    expect(
        DOUYIN,
        DOUYIN_FACTS,
        &[],
        &[
            // Explicitly excluded by the announcement: one failed condition (the category).
            reasons(douyin("dy-生活服务", false), 1),
            reasons(douyin("dy-泛知识", false), 1),
            // "文娱 " with a trailing space is not 文娱.
            reasons(douyin("dy-trailing-space", false), 1),
        ],
    );
}

#[test]
fn douyin_reasons_list_every_missing_step() {
    expect(
        DOUYIN,
        DOUYIN_FACTS,
        &[],
        &[
            // 文娱, but neither verified nor onboarded: two reasons.
            reasons(douyin("dy-two-missing", false), 2),
            // 泛知识, not verified, not onboarded: three reasons.
            reasons(douyin("dy-three-missing", false), 3),
            // 工具, only the verification missing: one reason.
            reasons(douyin("dy-unverified", false), 1),
            // 家装 with undeclared fields (an object, a null, a text): they are ignored.
            reasons(douyin("dy-extra-fields", true), 0),
        ],
    );
}

// ---------------------------------------------------------------------------
// kuaishou-provider-gmv-2022 (tests/fixtures/edges/kuaishou-gmv.ndjson)
//
// Base provider: onboarded 2022-11-01, agreement signed, profit sharing live,
// not local-life. Base mini program: bound, launched 2022-12-15, fee "0.02",
// not local-life, no risk, no fake orders. Base order: status posted.
// cash per month = round_half_up(month GMV × 1 %, 0.01); cash = sum of months.

const KS_GMV: &str = "kuaishou-provider-gmv-2022";
const KS_GMV_FACTS: &str = "tests/fixtures/edges/kuaishou-gmv.ndjson";
const MONTHS: [&str; 7] = [
    "2022-12", "2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06",
];

/// An eligible provider: the months not named pay 0.
fn ks_paid(id: &str, total: &str, months: &[(&str, &str)], gmv: &str) -> Value {
    let mut by_period = Map::new();
    for m in MONTHS {
        let amount = months.iter().find(|(k, _)| *k == m).map_or("0", |(_, a)| a);
        by_period.insert(m.to_string(), json!(amount));
    }
    for (k, _) in months {
        assert!(MONTHS.contains(k), "{k} is not a settlement month");
    }
    json!({
        "id": id,
        "eligible": true,
        "rewards": {"cash": {"amount": total, "unit": "CNY", "by_period": by_period}},
        "values": {"gmv": cny(gmv)},
    })
}

/// A provider that is not eligible: 0 in every month; gmv is still computed.
fn ks_unpaid(id: &str, gmv: &str) -> Value {
    let mut v = ks_paid(id, "0", &[], gmv);
    v["eligible"] = json!(false);
    v
}

#[test]
fn ks_gmv_months_are_calendar_months_in_shanghai() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // 2023-01-01T00:00+08 (100.00) → 2023-01; 2022-12-31T23:59:59+08 (200.00) → 2022-12;
            // 2022-12-31T16:00:00Z = 01-01 00:00 Shanghai (400.00) → 2023-01;
            // 2022-12-31T15:59:59Z = 12-31 23:59:59 Shanghai (800.00) → 2022-12;
            // 2023-07-01T00:00+08 (1600.00) and 2022-11-30T23:59:59+08 (3200.00): outside;
            // 2023-06-30T23:59:59+08 (6400.00) → 2023-06.
            // 2022-12: 1000.00 → 10.00; 2023-01: 500.00 → 5.00; 2023-06: 6400.00 → 64.00.
            ks_paid(
                "ks-month-boundaries",
                "79.00",
                &[("2022-12", "10.00"), ("2023-01", "5.00"), ("2023-06", "64.00")],
                "7900.00",
            ),
        ],
    );
}

#[test]
fn ks_gmv_onboarding_deadline() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // Onboarded exactly 2022-12-31 23:59:59: in time. 100.00 in 2023-02 → 1.00.
            ks_paid("ks-onboard-exact", "1.00", &[("2023-02", "1.00")], "100.00"),
            // Half a second later: too late. Not eligible; gmv still 100.00.
            reasons(ks_unpaid("ks-onboard-half-second-late", "100.00"), 1),
            // 2022-12-31T15:59:59Z is 23:59:59 in Shanghai: in time.
            ks_paid("ks-onboard-exact-z", "1.00", &[("2023-02", "1.00")], "100.00"),
            // 2023-01-01 00:00: too late.
            reasons(ks_unpaid("ks-onboard-next-day", "100.00"), 1),
            // Unknown: not onboarded.
            reasons(ks_unpaid("ks-onboard-missing", "100.00"), 1),
        ],
    );
}

#[test]
fn ks_gmv_new_mini_programs_only() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // Launched exactly 2022-12-01 00:00: new. 100.00 in 2023-03 → 1.00.
            ks_paid("ks-launch-exact", "1.00", &[("2023-03", "1.00")], "100.00"),
            // 2022-11-30T16:00:00Z is 12-01 00:00 in Shanghai: new.
            ks_paid("ks-launch-exact-z", "1.00", &[("2023-03", "1.00")], "100.00"),
            // 2022-11-30 23:59:59: not new, nothing counted; the provider is still eligible.
            ks_paid("ks-launch-before", "0.00", &[], "0"),
            // launched_at unknown: not launched, nothing counted.
            ks_paid("ks-launch-missing", "0.00", &[], "0"),
        ],
    );
}

#[test]
fn ks_gmv_fee_rate_at_least_2_percent() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // "2%" (100.00) and 0.02 (200.00) and "2.5%" (1000.00) qualify;
            // 0.0199 (400.00) and "1.99%" (800.00) do not. 2023-02: 1300.00 → 13.00.
            ks_paid("ks-fee-rates", "13.00", &[("2023-02", "13.00")], "1300.00"),
        ],
    );
}

#[test]
fn ks_gmv_cash_rounds_half_up_per_month() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // 2023-04: 100.50 → 1.005 → 1.01; 2023-05: 100.49 → 1.0049 → 1.00. Total 2.01.
            ks_paid(
                "ks-rounding",
                "2.01",
                &[("2023-04", "1.01"), ("2023-05", "1.00")],
                "200.99",
            ),
            // 0.50 → 0.005 → 0.01 in 2023-02 and 2023-03; 0.49 → 0.0049 → 0.00 in 2023-04.
            // The total is the sum of the rounded months, 0.02 (rounding 1.49 × 1 % would give 0.01).
            ks_paid(
                "ks-rounding-sum",
                "0.02",
                &[("2023-02", "0.01"), ("2023-03", "0.01"), ("2023-04", "0.00")],
                "1.49",
            ),
            // 2022-12: 14.50 → 0.145 → 0.15; 2023-06: 1.50 → 0.015 → 0.02. Total 0.17.
            // (Binary floating point makes these 0.14499… and 0.01499…, which round down.)
            ks_paid(
                "ks-rounding-float-trap",
                "0.17",
                &[("2022-12", "0.15"), ("2023-06", "0.02")],
                "16.00",
            ),
            // Two orders of 0.25 in 2023-02 from two mini programs: the month's GMV 0.50 is
            // rounded once (0.005 → 0.01), not each order (0.0025 → 0.00 twice).
            ks_paid("ks-month-sum-then-round", "0.01", &[("2023-02", "0.01")], "0.50"),
        ],
    );
}

#[test]
fn ks_gmv_only_redeemed_and_posted_orders() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // 500.00 status not posted, 700.00 redeemed_at missing, 900.00 redeemed_at null:
            // excluded. Only 50.00 in 2023-02 → 0.50.
            ks_paid("ks-excluded-orders", "0.50", &[("2023-02", "0.50")], "50.00"),
            // Unbound, local-life, risk-flagged, fake-order mini programs (1000.00 each) are
            // excluded; the qualifying one has 10.00 in 2023-02 → 0.10.
            ks_paid("ks-excluded-mini-programs", "0.10", &[("2023-02", "0.10")], "10.00"),
        ],
    );
}

#[test]
fn ks_gmv_provider_conditions() {
    expect(
        KS_GMV,
        KS_GMV_FACTS,
        &[],
        &[
            // Each fails one provider condition: cash 0 in every month, gmv still 100.00.
            reasons(ks_unpaid("ks-no-agreement", "100.00"), 1),
            reasons(ks_unpaid("ks-no-profit-sharing", "100.00"), 1),
            reasons(ks_unpaid("ks-local-life-provider", "100.00"), 1),
        ],
    );
}

// ---------------------------------------------------------------------------
// kuaishou-provider-industry-2022 (tests/fixtures/edges/kuaishou-industry.ndjson)
//
// Base provider: onboarded 2022-11-01, agreement signed. Base mini program:
// targeted industry, bound, active. Launch window: the whole of 2022-12-01 …
// 2022-12-31 in Shanghai, i.e. [12-01 00:00, 2023-01-01 00:00). cash = 100 × new_active.

const KS_INDUSTRY: &str = "kuaishou-provider-industry-2022";
const KS_INDUSTRY_FACTS: &str = "tests/fixtures/edges/kuaishou-industry.ndjson";

fn industry(id: &str, eligible: bool, cash: &str, new_active: u64) -> Value {
    json!({
        "id": id,
        "eligible": eligible,
        "rewards": {"cash": cny(cash)},
        "values": {"new_active": new_active},
    })
}

#[test]
fn ks_industry_launch_window() {
    expect(
        KS_INDUSTRY,
        KS_INDUSTRY_FACTS,
        &[],
        &[
            // Counted: 12-01 00:00, 12-31 23:59:59, 12-31 23:59:59.999, 2022-11-30T16:00:00Z
            // (= 12-01 00:00). Not: 2023-01-01 00:00, 11-30 23:59:59, 2022-12-31T16:00:00Z
            // (= 2023-01-01 00:00), launched_at missing, launched_at null. 4 → 400 CNY.
            industry("ki-launch-edges", true, "400", 4),
        ],
    );
}

#[test]
fn ks_industry_targeted_bound_and_active_only() {
    expect(
        KS_INDUSTRY,
        KS_INDUSTRY_FACTS,
        &[],
        &[
            // Untargeted, unbound and inactive ones are not counted; one is: 100 CNY.
            industry("ki-filters", true, "100", 1),
            // Three counted: 300 CNY.
            industry("ki-three", true, "300", 3),
            // None: 0.
            industry("ki-empty", true, "0", 0),
        ],
    );
}

#[test]
fn ks_industry_provider_conditions() {
    expect(
        KS_INDUSTRY,
        KS_INDUSTRY_FACTS,
        &[],
        &[
            // Onboarded exactly 2022-12-31 23:59:59: in time.
            industry("ki-onboard-exact", true, "100", 1),
            // 2023-01-01 00:00: too late; new_active is still counted, cash 0.
            reasons(industry("ki-onboard-next-day", false, "0", 1), 1),
            // 1 ms after 23:59:59: too late.
            reasons(industry("ki-onboard-fraction-late", false, "0", 1), 1),
            // No agreement: cash 0, new_active 2.
            reasons(industry("ki-no-agreement", false, "0", 2), 1),
        ],
    );
}

// ---------------------------------------------------------------------------
// channels-brand-coldstart-2023 (tests/fixtures/edges/coldstart*.ndjson)
//
// Base account `cs-base`: brand certified, entered the library 2023-11-01
// 10:00, first broadcast 2023-11-10 10:00 (9 days after entry: cold start),
// last broadcast 2023-11-20 10:00 (15 days before applying: not quiet),
// applied 2023-12-05 10:00, never supported, no risk findings, no benchmark
// case. "Quiet" records have a first broadcast long before entry
// (2023-01-01, entry 2023-06-01), so only the 60-day rule can make them cold
// start. "Application" records have no broadcast at all (quiet). All times +08:00.

const COLDSTART: &str = "channels-brand-coldstart-2023";
const COLDSTART_FACTS: &str = "tests/fixtures/edges/coldstart.ndjson";

fn coldstart(id: &str, eligible: bool, packs: &str, waitlisted: bool, case_ok: bool) -> Value {
    json!({
        "id": id,
        "eligible": eligible,
        "rewards": {"traffic_packs": {"amount": packs, "unit": "packs"}},
        "values": {"waitlisted": waitlisted, "benchmark_case_ok": case_ok},
    })
}

/// Eligible, given a pack (the default budget of 50 a month is never reached in coldstart.ndjson).
fn cs_in(id: &str) -> Value {
    reasons(coldstart(id, true, "1", false, false), 0)
}

/// Not eligible for exactly one reason: no pack, never waitlisted.
fn cs_out(id: &str) -> Value {
    reasons(coldstart(id, false, "0", false, false), 1)
}

#[test]
fn cs_first_broadcast_within_30_days_after_entry() {
    expect(
        COLDSTART,
        COLDSTART_FACTS,
        &[],
        &[
            cs_in("cs-base"),
            // Entry 10-01 00:00, first broadcast 10-31 00:00: exactly 720 hours, included.
            cs_in("cs-first-at-30-days"),
            // 720 hours + 1 s: too late; the last broadcast is recent, so not cold start.
            cs_out("cs-first-at-30-days-plus-1s"),
            // First broadcast at the entry instant: included.
            cs_in("cs-first-at-entry"),
            // First broadcast 1 s before entry: not after entry; not quiet either.
            cs_out("cs-first-before-entry"),
            // 2023-10-30T16:00:00Z = 10-31 00:00 Shanghai: exactly 30 days, included.
            cs_in("cs-first-30-days-z"),
        ],
    );
}

#[test]
fn cs_no_broadcast_in_60_days_before_applying() {
    expect(
        COLDSTART,
        COLDSTART_FACTS,
        &[],
        &[
            // Applied 12-05 10:00, last broadcast 10-06 10:00: exactly 60 days, quiet.
            cs_in("cs-quiet-exactly-60-days"),
            // Last broadcast 10-06 10:00:01: 59 days 23:59:59 before, not quiet.
            cs_out("cs-quiet-60-days-minus-1s"),
            // 2023-10-06T02:00:00Z = 10-06 10:00 Shanghai: exactly 60 days, quiet.
            cs_in("cs-quiet-60-days-z"),
            // last_live_at missing: no broadcast, quiet.
            cs_in("cs-quiet-unknown"),
            // last_live_at null: the same.
            cs_in("cs-quiet-null"),
            // First broadcast 61 days after entry (too late for the first rule), but the
            // last one, 08-01, is 126 days before applying: quiet, so cold start.
            cs_in("cs-late-first-but-quiet"),
        ],
    );
}

#[test]
fn cs_library_entry_required() {
    expect(
        COLDSTART,
        COLDSTART_FACTS,
        &[],
        &[
            // Quiet (no broadcast), but never entered the library.
            cs_out("cs-no-library-entry"),
        ],
    );
}

#[test]
fn cs_application_window() {
    expect(
        COLDSTART,
        COLDSTART_FACTS,
        &[],
        &[
            // 2023-11-29 00:00: the first instant, included (a November pack).
            cs_in("cs-applied-first-instant"),
            // 2023-12-28 23:59:59: still inside ("whole days").
            cs_in("cs-applied-last-second"),
            // 2023-12-29 00:00: the excluded end.
            cs_out("cs-applied-day-after"),
            // 2023-11-28 23:59:59: before the start.
            cs_out("cs-applied-day-before"),
            // 2023-11-28T16:00:00Z = 11-29 00:00 Shanghai: included.
            cs_in("cs-applied-first-instant-z"),
        ],
    );
}

#[test]
fn cs_benchmark_case_at_least_14_days() {
    expect(
        COLDSTART,
        COLDSTART_FACTS,
        &[],
        &[
            // Submitted 12-01 10:00, event 12-15 10:00: exactly 14 days, ok.
            coldstart("cs-case-14-days", true, "1", false, true),
            // Event 12-15 09:59:59: 14 days − 1 s, not ok.
            coldstart("cs-case-14-days-minus-1s", true, "1", false, false),
            // 2023-12-01T02:00:00Z = 12-01 10:00 Shanghai: exactly 14 days, ok.
            coldstart("cs-case-14-days-z", true, "1", false, true),
            // A timestamp missing or null: not ok.
            coldstart("cs-case-event-missing", true, "1", false, false),
            coldstart("cs-case-submitted-missing", true, "1", false, false),
            coldstart("cs-case-event-null", true, "1", false, false),
            // Computed for ineligible accounts too (previously supported; 31 days → ok).
            reasons(coldstart("cs-case-ok-but-ineligible", false, "0", false, true), 1),
        ],
    );
}

#[test]
fn cs_brand_history_and_risks() {
    expect(
        COLDSTART,
        COLDSTART_FACTS,
        &[],
        &[
            cs_out("cs-not-certified"),
            cs_out("cs-previously-supported"),
            cs_out("cs-store-closed"),
            // All four risk findings: four reasons.
            reasons(coldstart("cs-all-risks", false, "0", false, false), 4),
        ],
    );
}

const BUDGET_FACTS: &str = "tests/fixtures/edges/coldstart-budget.ndjson";

#[test]
fn cs_budget_first_come_first_served_ties_by_input_order() {
    // monthly_packs = 2. All eligible records are "application" records (quiet).
    // December, by applied_at: b-dec-early (12-02 09:00), then b-dec-tie-first and
    // b-dec-tie-second at the same instant 12-05 10:00 (the second written as
    // 02:00:00Z, later in the input), then b-dec-late (12-10). Input order is
    // deliberately different from time order.
    expect(
        COLDSTART,
        BUDGET_FACTS,
        &["monthly_packs=2"],
        &[
            // Earliest in December: the first pack.
            cs_in("b-dec-early"),
            // Tied at 12-05 10:00, earlier in the input: the second pack.
            cs_in("b-dec-tie-first"),
            // Tied, later in the input: December's packs are gone.
            reasons(coldstart("b-dec-tie-second", true, "0", true, false), 0),
            // Latest in December: waitlisted.
            reasons(coldstart("b-dec-late", true, "0", true, false), 0),
            // November has its own 2 packs: 11-29 00:00 and 2023-11-30T15:59:59Z
            // (= 11-30 23:59:59 Shanghai, still November).
            cs_in("b-nov-first"),
            cs_in("b-nov-second"),
            // Ineligible accounts (previously supported; applied 12-29) take no pack and
            // are never waitlisted, even when they applied earliest.
            cs_out("b-ineligible-early"),
            cs_out("b-ineligible-outside"),
        ],
    );
}

#[test]
fn cs_budget_months_are_shanghai_months() {
    // monthly_packs = 1.
    expect(
        COLDSTART,
        "tests/fixtures/edges/coldstart-budget-month.ndjson",
        &["monthly_packs=1"],
        &[
            // November's one pack: 11-29 12:00.
            cs_in("t-nov"),
            // 11-30 23:59:59: November, whose pack is gone.
            reasons(coldstart("t-nov-last-second", true, "0", true, false), 0),
            // 2023-11-30T16:00:00Z is 12-01 00:00 in Shanghai: December's first, its pack.
            cs_in("t-dec-first-instant-z"),
            // 12-01 00:00:01: December's second, waitlisted.
            reasons(coldstart("t-dec-later", true, "0", true, false), 0),
        ],
    );
}

#[test]
fn cs_budget_queue_uses_the_exact_instant() {
    // monthly_packs = 1. f-later-by-half-second (first in the input) applied at
    // 12-05 10:00:00.5, f-earlier at 12-05 10:00:00: not a tie, the earlier instant wins.
    expect(
        COLDSTART,
        "tests/fixtures/edges/coldstart-budget-subsecond.ndjson",
        &["monthly_packs=1"],
        &[
            cs_in("f-earlier"),
            reasons(coldstart("f-later-by-half-second", true, "0", true, false), 0),
        ],
    );
}

#[test]
fn cs_budget_of_zero_waitlists_every_eligible_account() {
    let waitlisted = |id: &str| reasons(coldstart(id, true, "0", true, false), 0);
    expect(
        COLDSTART,
        BUDGET_FACTS,
        &["monthly_packs=0"],
        &[
            waitlisted("b-dec-early"),
            waitlisted("b-dec-tie-first"),
            waitlisted("b-dec-tie-second"),
            waitlisted("b-dec-late"),
            waitlisted("b-nov-first"),
            waitlisted("b-nov-second"),
            cs_out("b-ineligible-early"),
            cs_out("b-ineligible-outside"),
        ],
    );
}

#[test]
fn cs_default_budget_is_50_a_month() {
    // 51 eligible accounts applying in December, written latest first: applied at
    // 12-01 00:00 + k minutes for k = 50, 49, …, 0. The 50 earliest (k = 0 … 49) get a
    // pack; the latest (k = 50, the first line of the file) is waitlisted.
    let dir = std::env::temp_dir().join(format!("campaign-policies-default-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("fifty-one.ndjson");
    let mut text = String::new();
    for k in (0..=50u32).rev() {
        let record = json!({
            "id": format!("acct-{k:02}"),
            "brand_certified": true,
            "library_entered_at": "2023-11-01T10:00:00+08:00",
            "applied_at": format!("2023-12-01T{:02}:{:02}:00+08:00", k / 60, k % 60),
            "previously_supported": false,
            "refund_rate_high": false,
            "complaints_high": false,
            "counterfeit": false,
            "store_closed": false,
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(&facts, text).unwrap();
    let mut expected: Vec<Value> = (0..50u32).map(|k| cs_in(&format!("acct-{k:02}"))).collect();
    expected.push(reasons(coldstart("acct-50", true, "0", true, false), 0));
    expect(COLDSTART, facts.to_str().unwrap(), &[], &expected);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------
// The comparison itself must be able to fail.

#[test]
fn comparison_catches_every_kind_of_difference() {
    let expected = json!({
        "id": "x", "eligible": true,
        "rewards": {"cash": {"amount": "1.50", "unit": "CNY", "by_period": {"2022-12": "1.50", "2023-01": "0"}}},
        "values": {"gmv": cny("150"), "n": 2, "flag": false, "t": null},
    });
    let good = json!({
        "id": "x", "eligible": true,
        "rewards": {"cash": {"amount": "1.5", "unit": "CNY", "by_period": {"2022-12": "1.5", "2023-01": "0.00"}}},
        "values": {"gmv": cny("150.00"), "n": 2, "flag": false, "t": null},
        "reasons": [],
    });
    assert_eq!(differences(&good, &expected), Vec::<String>::new());
    let mutations: Vec<fn(&mut Value)> = vec![
        |v| v["id"] = json!("y"),
        |v| v["eligible"] = json!(false),
        |v| v["rewards"]["cash"]["amount"] = json!("1.51"),
        |v| v["rewards"]["cash"]["amount"] = json!(1.5),
        |v| v["rewards"]["cash"]["unit"] = json!("points"),
        |v| v["rewards"]["cash"]["by_period"]["2023-01"] = json!("0.01"),
        |v| v["rewards"]["cash"]["by_period"]["2023-02"] = json!("0"),
        |v| {
            v["rewards"]["cash"]["by_period"]
                .as_object_mut()
                .unwrap()
                .remove("2022-12");
        },
        |v| {
            v["rewards"]["cash"].as_object_mut().unwrap().remove("by_period");
        },
        |v| v["rewards"]["extra"] = json!({"amount": "0", "unit": "CNY"}),
        |v| v["values"]["gmv"] = cny("150.01"),
        |v| v["values"]["n"] = json!(3),
        |v| v["values"]["flag"] = json!(true),
        |v| v["values"]["t"] = json!(false),
        |v| v["values"]["extra"] = json!(1),
        |v| {
            v["values"].as_object_mut().unwrap().remove("n");
        },
        |v| v["reasons"] = json!(["why"]),
        |v| {
            v.as_object_mut().unwrap().remove("reasons");
        },
    ];
    for (i, mutate) in mutations.iter().enumerate() {
        let mut bad = good.clone();
        mutate(&mut bad);
        assert!(
            !differences(&bad, &expected).is_empty(),
            "mutation {i} went unnoticed: {bad}"
        );
    }
    // Reason counts.
    let not_eligible = reasons(json!({"id": "x", "eligible": false, "rewards": {}, "values": {}}), 2);
    let two = json!({"id": "x", "eligible": false, "rewards": {}, "values": {}, "reasons": ["a", "b"]});
    assert!(differences(&two, &not_eligible).is_empty());
    for r in [
        json!([]),
        json!(["a"]),
        json!(["a", "a"]),
        json!(["a", "b", "c"]),
        json!(["a", " "]),
    ] {
        let mut bad = two.clone();
        bad["reasons"] = r;
        assert!(!differences(&bad, &not_eligible).is_empty(), "{bad}");
    }
}
