//! Pools shared across merchants (issue 16, item 7): a pool paid until it runs out whose last
//! day is split pro rata (`douyin-double11-sprint-pool`), and a pool split equally with each
//! share capped by the merchant's own claim (`channels-mini-program-equal-pool`).
//!
//! Every expectation is computed by hand from the announcement and docs/language.md ("Pools:
//! split pro rata, split equally, and the day the pool runs out"); the arithmetic is beside
//! each record. Shares are worked in fen (0.01 CNY), the payable step.

use campaign::diagnostics::Severity;
use serde_json::{Value, json};

use crate::examples::{assert_reports, cny, evaluate, expect, variant};

const SPRINT: &str = "douyin-double11-sprint-pool";
const EQUAL: &str = "channels-mini-program-equal-pool";

/// A sprint-pool result: the bonus granted, whether it is waitlisted, and what every
/// claimant sees of the pool (1,610,000.10 CNY claimed by 7 merchants).
fn sprint(id: &str, bonus: &str, waitlisted: bool) -> Value {
    json!({
        "id": id,
        "eligible": true,
        "rewards": {"bonus": cny(bonus)},
        "values": {
            "cut_off": waitlisted,
            // 600,000 + 400,000 + 300,000 + 150,000.05 + 150,000.05 + 5,000 + 5,000.
            "pool_claimed": cny("1610000.10"),
            "qualifiers": 7,
        },
    })
}

/// m08 (GMV 99,999.99 < 100,000) is not eligible: it claims nothing and sees no pool.
fn sprint_not_eligible() -> Value {
    json!({
        "id": "m08",
        "eligible": false,
        "rewards": {"bonus": cny("0")},
        "values": {"cut_off": false, "pool_claimed": null, "qualifiers": null},
        "reasons": ["活动期累计支付 GMV 需达到 10 万元"],
    })
}

#[test]
fn pool_paid_until_it_runs_out_the_last_day_split_pro_rata() {
    expect(
        SPRINT,
        &[],
        &[
            // 11-01: 12,000,000 × 5% = 600,000 (the cap, reached exactly) and 8,000,000 × 5% =
            // 400,000: 1,000,000 of 1,500,000, both whole; 500,000 left.
            sprint("m01", "600000.00", false),
            sprint("m02", "400000.00", false),
            // 11-10: 300,000 + 150,000.05 + 150,000.05 + 5,000 = 605,000.10 > 500,000: split.
            // In fen, left L = 50,000,000, claims T = 60,500,010:
            //   m03: 30,000,000 × L ÷ T = 24,793,384 remainder 20,066,160
            //   m04, m05: 15,000,005 × L ÷ T = 12,396,696 remainder 18,033,040
            //   m06: 500,000 × L ÷ T = 413,223 remainder 4,367,770
            // Whole fen: 24,793,384 + 2 × 12,396,696 + 413,223 = 49,999,999: the fen left
            // over goes to the largest remainder, m03: 247,933.85.
            sprint("m05", "123966.96", false),
            sprint("m03", "247933.85", false),
            sprint("m04", "123966.96", false),
            // 23:59:59 on 11-10 is still that day's.
            sprint("m06", "4132.23", false),
            // 11-11: the pool is empty; its 5,000 is not paid although it is small (分完即止).
            sprint("m07", "0", true),
            sprint_not_eligible(),
        ],
    );
}

#[test]
fn pool_exhausted_exactly_by_a_whole_day_pays_nothing_after_it() {
    // A pool of 1,000,000: 11-01's claims (600,000 + 400,000) take all of it, whole; every
    // later day finds 0 left.
    expect(
        SPRINT,
        &["--param", "pool=1000000"],
        &[
            sprint("m01", "600000.00", false),
            sprint("m02", "400000.00", false),
            sprint("m05", "0", true),
            sprint("m03", "0", true),
            sprint("m04", "0", true),
            sprint("m06", "0", true),
            sprint("m07", "0", true),
            sprint_not_eligible(),
        ],
    );
}

#[test]
fn leftover_fen_go_to_the_largest_remainders_ties_in_qualifying_order() {
    // A pool of 1,000,000.02: 11-10 shares 2 fen. c × 2 ÷ 60,500,010 is 0 for all, with
    // remainders m03 60,000,000, m04 and m05 30,000,010, m06 1,000,000. The 2 fen go to m03,
    // then to m04 over m05 (equal remainders): m04 qualified at 12:00, m05 at 15:00, though m05
    // is on the earlier line. m05 and m06 are granted nothing, so they are waitlisted.
    expect(
        SPRINT,
        &["--param", "pool=1000000.02"],
        &[
            sprint("m01", "600000.00", false),
            sprint("m02", "400000.00", false),
            sprint("m05", "0", true),
            sprint("m03", "0.01", false),
            sprint("m04", "0.01", false),
            sprint("m06", "0", true),
            sprint("m07", "0", true),
            sprint_not_eligible(),
        ],
    );
}

#[test]
fn pool_results_do_not_depend_on_the_number_of_threads() {
    let one = evaluate(SPRINT, &["--jobs", "1"]);
    for jobs in ["2", "4"] {
        assert_eq!(evaluate(SPRINT, &["--jobs", jobs]), one, "--jobs {jobs}");
    }
    let one = evaluate(EQUAL, &["--jobs", "1"]);
    assert_eq!(evaluate(EQUAL, &["--jobs", "3"]), one, "--jobs 3");
}

/// An equal-pool result: 7 merchants claim 105,500.03 CNY in all
/// (20,000 × 5 + 5,000 + 500.03).
fn equal(id: &str, bonus: &str) -> Value {
    json!({
        "id": id,
        "eligible": true,
        "rewards": {"start_bonus": cny(bonus)},
        "values": {"qualifiers": 7, "claimed": cny("105500.03")},
    })
}

#[test]
fn pool_split_equally_no_share_above_its_claim() {
    // Claims: min(20,000, 10% of December GMV): a1 20,000; a2 5,000; a3 500.03; a4, a5, a6,
    // a7 20,000. 105,500.03 > 20,000, so the pool is shared. An equal share of 20,000 among 7
    // is 2,857.14…: a3's 500.03 is below it, paid whole; 19,499.97 left for 6, an equal share
    // of 3,249.99…, below a2's 5,000 and every other claim. In fen 1,949,997 ÷ 6 = 324,999
    // remainder 3: the first three in the file (a1, a2, a4) get 3,250.00, a5, a6, a7
    // 3,249.99. 3 × 3,250.00 + 3 × 3,249.99 + 500.03 = 20,000.00.
    expect(
        EQUAL,
        &[],
        &[
            equal("a1", "3250.00"),
            equal("a2", "3250.00"),
            equal("a3", "500.03"),
            equal("a4", "3250.00"),
            equal("a5", "3249.99"),
            equal("a6", "3249.99"),
            equal("a7", "3249.99"),
            // Not onboarded for payments: no claim, no pool.
            json!({
                "id": "a8",
                "eligible": false,
                "rewards": {"start_bonus": cny("0")},
                "values": {"qualifiers": null, "claimed": null},
                "reasons": ["需完成支付进件"],
            }),
            // Eligible, but 10% of 0 GMV is 0: a claim of 0 is no claim.
            json!({
                "id": "a9",
                "eligible": true,
                "rewards": {"start_bonus": cny("0")},
                "values": {"qualifiers": null, "claimed": null},
            }),
        ],
    );
}

#[test]
fn equal_split_pays_small_claims_whole_and_shares_the_rest() {
    // A pool of 200,000: claims min(200,000, 10% of GMV): a1 30,000; a2 5,000; a3 500.03;
    // a4 100,000; a5, a6 20,000; a7 40,000 = 215,500.03 > 200,000, still split. An equal share
    // of 200,000 among 7 is 28,571.42…: a3, a2, a5, a6 are below it and paid whole (45,500.03),
    // 154,499.97 left for a1, a4, a7: 51,499.99 each, above a1's 30,000, so a1 is paid whole;
    // 124,499.97 for a4, a7: 62,249.985 each, above a7's 40,000, so a7 is paid whole;
    // 84,499.97 for a4 alone, below its 100,000: a4 gets 84,499.97.
    let claimed = cny("215500.03");
    let row = |id: &str, bonus: &str| {
        json!({
            "id": id,
            "eligible": true,
            "rewards": {"start_bonus": cny(bonus)},
            "values": {"qualifiers": 7, "claimed": claimed.clone()},
        })
    };
    expect(
        EQUAL,
        &["--param", "pool=200000"],
        &[
            row("a1", "30000.00"),
            row("a2", "5000.00"),
            row("a3", "500.03"),
            row("a4", "84499.97"),
            row("a5", "20000.00"),
            row("a6", "20000.00"),
            row("a7", "40000.00"),
            json!({
                "id": "a8",
                "eligible": false,
                "rewards": {"start_bonus": cny("0")},
                "values": {"qualifiers": null, "claimed": null},
                "reasons": ["需完成支付进件"],
            }),
            json!({
                "id": "a9",
                "eligible": true,
                "rewards": {"start_bonus": cny("0")},
                "values": {"qualifiers": null, "claimed": null},
            }),
        ],
    );
}

#[test]
fn pool_mistakes_are_refused() {
    // The day a pool runs out follows a timestamp.
    let by_gmv = variant(
        SPRINT,
        "first come first served by qualified_at, split pro rata per day",
        "first come first served by gmv, split pro rata per day",
    );
    assert_reports(&by_gmv, "check::type_mismatch", Severity::Error);
    // A split share cannot be paid in parts.
    let in_parts = variant(
        SPRINT,
        "at most 600000 CNY,",
        "at most 600000 CNY, paid 90% on 2024-12-01 and 10% on 2025-01-31,",
    );
    assert_reports(&in_parts, "check::invalid_modifier", Severity::Error);
    // Whether a merchant is eligible cannot depend on the pool.
    let condition = variant(
        SPRINT,
        "gmv ≥ 100000 CNY  \"活动期累计支付 GMV 需达到 10 万元\"",
        "pool_claimants(bonus) ≤ 100 if unknown true  \"名额已满\"",
    );
    assert_reports(&condition, "check::invalid_scope", Severity::Error);
    // Nor can a reward's amount, its own pool least of all.
    let own = variant(
        SPRINT,
        "reward bonus = gmv × 5%",
        "reward bonus = pool_claims(bonus) × 5%",
    );
    assert_reports(&own, "check::invalid_scope", Severity::Error);
    // A reward without a budget has no pool.
    let no_budget = variant(EQUAL, ",\n    budget pool in total, split equally", "");
    assert_reports(&no_budget, "check::invalid_scope", Severity::Error);
    // A pool statistic names a reward.
    let not_a_reward = variant(EQUAL, "pool_claimants(start_bonus)", "pool_claimants(december_gmv)");
    assert_reports(&not_a_reward, "check::unknown_name", Severity::Error);
    let two = variant(EQUAL, "pool_claims(start_bonus)", "pool_claims(start_bonus, pool)");
    assert_reports(&two, "check::wrong_arity", Severity::Error);
}

// ---------------------------------------------------------------------------
// Rankings per period (issue 16, item 4)

const CONTEST: &str = "douyin-live-daily-anchor-contest";

/// A contest result: the daily prizes by day, and the heat place with its 100 CNY bonus (all
/// seven anchors are within the top 100).
fn contest(id: &str, days: [&str; 3], heat_place: u64) -> Value {
    let total: rust_decimal::Decimal = days.iter().map(|d| d.parse::<rust_decimal::Decimal>().unwrap()).sum();
    json!({
        "id": id,
        "eligible": true,
        "rewards": {
            "daily_prize": {
                "amount": total.to_string(),
                "unit": "CNY",
                "by_period": {"2024-11-09": days[0], "2024-11-10": days[1], "2024-11-11": days[2]},
            },
            "heat_bonus": cny("100"),
        },
        "values": {"heat_place": heat_place},
    })
}

#[test]
fn rankings_per_day_within_industry_and_a_ranking_of_the_whole_contest() {
    // 11-09, 美妆: b1 30,000; b2 20,000 + 10,000 = 30,000 (equal: b1 signed up 10-20, b2
    // 10-21, so b1 first); b3 15,000 third; b4 9,000 fourth; b5's order at 11-08 23:59:59 is
    // not 11-09's, so b5 has no sale and no place. 食品: f1 11,000 first; f2 no sale.
    // Prizes: b1 3,000, b2 2,000, b3 1,000 (15,000 ≥ 10,000), f1 3,000 (11,000 ≥ 10,000).
    // 11-10, 美妆: b2 40,000, b3 8,000, b4 6,000, b1 5,000, b5 100: b2 first (3,000); b3
    // second and b4 third, but under 10,000, so 0 (名次不递补: b1 does not move up).
    // 11-11, 美妆: only b1 (12,000 at 23:59:59) sells; b3's order at 11-12 00:00 is after the
    // contest: b1 first, 3,000. 食品: f1 500, first, but under 10,000: 0.
    // Heat, the whole contest: b2 and b4 1,200 (b4 signed up first: 1, b2 2), b1 900 (3),
    // f1 700 (4), b3 300 (5), b5 50 (6), f2 10 (7).
    expect(
        CONTEST,
        &[],
        &[
            contest("b1", ["3000", "0", "3000"], 3),
            contest("b2", ["2000", "3000", "0"], 2),
            contest("b3", ["1000", "0", "0"], 5),
            contest("b4", ["0", "0", "0"], 1),
            contest("b5", ["0", "0", "0"], 6),
            contest("f1", ["3000", "0", "0"], 4),
            contest("f2", ["0", "0", "0"], 7),
        ],
    );
}

#[test]
fn a_ranking_per_period_is_refused_inside_a_list() {
    let in_list = variant(
        CONTEST,
        "  let day_gmv per day in contest =",
        "  let order_place of orders = rank by amount descending\n  let day_gmv per day in contest =",
    );
    assert_reports(&in_list, "check::invalid_scope", Severity::Error);
}

#[test]
fn rankings_per_period_do_not_depend_on_the_number_of_threads() {
    let one = evaluate(CONTEST, &["--jobs", "1"]);
    assert_eq!(evaluate(CONTEST, &["--jobs", "4"]), one);
}
