//! The examples of running values across periods and of year periods (issue 16, items 1
//! and 8): a growth rebate whose monthly tier is reached on cumulative sales since the
//! programme began, compared with last month, with the merchant's Nth month; an annual fee
//! refund settled per calendar year; a reply-time reward on durations averaged and divided.
//!
//! As in `examples.rs`, every expectation is **computed by hand** from the announcement quoted
//! at the top of the campaign and from docs/language.md, the arithmetic beside each record.

use campaign::diagnostics::Severity;
use serde_json::{Value, json};

use super::examples::{assert_no_errors, assert_reports, cny, expect, variant};

/// The examples this file tests (`examples.rs` requires every example to be tested somewhere).
pub(crate) const EXAMPLES: &[&str] = &[
    "merchant-growth-rebate-cumulative",
    "tmall-annual-fee-refund-by-year",
    "channels-reply-time-average-duration",
];

const GROWTH: &str = "merchant-growth-rebate-cumulative";
const FEE: &str = "tmall-annual-fee-refund-by-year";
const REPLY: &str = "channels-reply-time-average-duration";

/// A reward paid per month of January to June 2025 (amounts in CNY, each month given).
fn half_year(total: &str, months: [&str; 6]) -> Value {
    let keys = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"];
    let by_period: serde_json::Map<String, Value> = keys
        .iter()
        .zip(months)
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({"amount": total, "unit": "CNY", "by_period": by_period})
}

#[test]
fn growth_tier_on_cumulative_sales_last_month_and_the_merchants_nth_month() {
    let row = |id: &str, eligible: bool, rebate: Value, gmv: &str, best: &str| {
        json!({"id": id, "eligible": eligible,
               "rewards": {"rebate": rebate},
               "values": {"total_net_gmv": cny(gmv), "best_rate": best}})
    };
    let mut too_late = row(
        "signed-too-late",
        false,
        half_year("0", ["0", "0", "0", "0", "0", "0"]),
        // Values are computed for every record: June's 100000.
        "100000",
        // period_number: July 2025 is month 1, so January to June are months -5 to 0: 0 %.
        "0",
    );
    too_late["reasons"] = json!(["须于 2025 年 6 月 30 日前签约"]);
    expect(
        GROWTH,
        &[],
        &[
            // Signed 2023: month 21 and later, no floor. The 40000 of 2024-12-31 23:59:59 is
            // before the programme: never counted, not even in the running total.
            // Jan: 60000 + 10000 (refunded 02-08 00:00, the 8th day: kept) = 70000; the 30000
            // refunded 02-07 23:59:59 (within 7 days of the month's end 02-01 00:00) is out.
            //   cumulative 70000 < 100000: 0 %; no last month: no bonus. 0.
            // Feb: 50000 (02-01 00:00, February's first instant). cumulative 120000: 1 %;
            //   50000 < 70000 × 120 % = 84000: no bonus. 50000 × 1 % = 500.00.
            // Mar: 60000 = 50000 × 120 % exactly (及以上): +0.5 %. cumulative 180000: 1 %.
            //   60000 × 1.5 % = 900.00.
            // Apr: nothing: 0 (cumulative stays 180000, 1 %).
            // May: 320000; cumulative 500000, the 2 % band's first value; last month 0: no
            //   bonus. 320000 × 2 % = 6400 → at most 5000 a month: 5000.00.
            // Jun: 10001.99; cumulative 510001.99: 2 %; 10001.99 < 384000. × 2 % = 200.0398,
            //   rounded down to the fen: 200.03.
            // Total 500 + 900 + 5000 + 200.03 = 6600.03; GMV 70000 + 50000 + 60000 + 320000 +
            // 10001.99 = 510001.99; best rate 2 %.
            row(
                "veteran",
                true,
                half_year("6600.03", ["0", "500.00", "900.00", "0", "5000.00", "200.03"]),
                "510001.99",
                "0.02",
            ),
            // Signed 2025-03-31T16:30Z = 2025-04-01 00:30 in Beijing: April is month 1, March
            // month 0 (no rebate, but its 20000 counts in the running total).
            // Apr: 30000, cumulative 50000: 0 %; 30000 ≥ 20000 × 120 % = 24000: +0.5 %;
            //   month 1: at least 1 % → 1 %. 300.00.
            // May: 40000, cumulative 90000: 0 %; 40000 ≥ 36000: +0.5 %; month 2 → 1 %. 400.00.
            // Jun: 60000, cumulative 150000: 1 %; 60000 ≥ 48000: +0.5 % = 1.5 %; month 3, above
            //   the floor. 900.00. Total 1600.00; best 1.5 %.
            row(
                "new-in-april",
                true,
                half_year("1600.00", ["0", "0", "0", "300.00", "400.00", "900.00"]),
                "150000",
                "0.015",
            ),
            too_late,
            // No orders: every month 0; January's last month is unknown (no bonus), later
            // months' last month is 0 (no bonus).
            row(
                "no-orders",
                true,
                half_year("0", ["0", "0", "0", "0", "0", "0"]),
                "0",
                "0",
            ),
        ],
    );
}

#[test]
fn annual_fee_refund_per_calendar_year_prorated_in_the_opening_year() {
    let row = |id: &str, refund: Value, fees: &str| {
        json!({"id": id, "eligible": true, "rewards": {"refund": refund},
               "values": {"fees_paid": cny(fees)}})
    };
    let years = |total: &str, each: [&str; 3]| {
        json!({"amount": total, "unit": "CNY",
               "by_period": {"2024": each[0], "2025": each[1], "2026": each[2]}})
    };
    expect(
        FEE,
        &[],
        &[
            // Opened 2024-08-15 10:00. 2024 is its opening year: months to 2025-01-01 00:00 are 4
            // (to 12-15 10:00) and part of a fifth: 5. GMV 75000 (12-31 23:59:59) × 12 ÷ 5 =
            // 180000, the 50 % threshold exactly: 6000 × 50 % = 3000.
            // 2025: 599999.99 (01-01 00:00 is 2025's), one fen short of 600000: 50 %, 3000.
            // 2026: 600000: 100 %, 6000. Total 12000; fees 18000.
            row(
                "opened-mid-2024",
                years("12000.00", ["3000.00", "3000.00", "6000.00"]),
                "18000.00",
            ),
            // 2024-12-31T16:30Z is 2025-01-01 00:30 in Beijing: the opening year is 2025, and
            // 2024 has nothing. 2025: 11 months and all but 30 minutes of December: 12;
            // 180000 × 12 ÷ 12 = 180000: 50 % of 5000 = 2500.
            row(
                "opened-new-year-utc",
                years("2500.00", ["0", "2500.00", "0"]),
                "5000.00",
            ),
            // Opened 2020: 2024 is a whole year. 200000: 50 % of 3333.33 = 1666.665, half up
            // 1666.67.
            row("odd-fee", years("1666.67", ["1666.67", "0", "0"]), "3333.33"),
        ],
    );
}

#[test]
fn a_definition_reads_its_own_earlier_periods_with_a_first_value() {
    // The running total written by hand equals `cumulative`.
    let text = variant(
        GROWTH,
        "let cumulative_gmv per month in programme = cumulative(net_gmv)",
        "let cumulative_gmv per month in programme = previous(cumulative_gmv, 0 CNY) + net_gmv",
    );
    assert_no_errors(&text);
}

#[test]
fn cumulative_of_itself_is_a_cycle() {
    let text = variant(GROWTH, "cumulative(net_gmv)", "cumulative(cumulative_gmv)");
    assert_reports(&text, "check::cyclic_definition", Severity::Error);
}

#[test]
fn previous_of_itself_needs_the_first_periods_value() {
    let text = variant(GROWTH, "cumulative(net_gmv)", "previous(cumulative_gmv) + net_gmv");
    assert_reports(&text, "check::invalid_period_reference", Severity::Error);
}

#[test]
fn period_functions_need_a_current_period() {
    let text = variant(
        GROWTH,
        "value best_rate = max of rate",
        "value best_rate = max of rate\n  value last = previous(net_gmv)",
    );
    assert_reports(&text, "check::invalid_period_reference", Severity::Error);
    let text = variant(
        GROWTH,
        "period_number(month, signed_at)",
        "period_number(programme, signed_at)",
    );
    assert_reports(&text, "check::invalid_period_reference", Severity::Error);
}

#[test]
fn years_are_written_as_years() {
    let text = variant(FEE, "= years 2024 through 2026", "= years 2024-01 through 2026-12");
    assert_reports(&text, "check::invalid_periods", Severity::Error);
    let text = variant(FEE, "= years 2024 through 2026", "= months 2024 through 2026");
    assert_reports(&text, "check::invalid_periods", Severity::Error);
}

#[test]
fn reply_times_averaged_per_month_then_over_the_months_and_divided() {
    let row = |id: &str, months: [&str; 3], monthly: &str, quarterly: &str, average: Value| {
        json!({"id": id, "eligible": true,
               "rewards": {
                   "monthly_award": {"amount": monthly, "unit": "CNY",
                       "by_period": {"2025-01": months[0], "2025-02": months[1], "2025-03": months[2]}},
                   "quarterly_award": cny(quarterly)},
               "values": {"quarter_average": average}})
    };
    expect(
        REPLY,
        &[],
        &[
            // Jan: (600 + 1200 + 2400) ÷ 3 = 1400 s (23 min 20 s) ≤ 30 min: 200 (the session of
            // 01-31 23:59:59 is January's). Feb: (1800 + 1801) ÷ 2 = 1800.5 s, half a second over
            // 30 minutes: 0. Mar: its only session has no reply: unknown, 0.
            // Quarter: (1400 + 1800.5) ÷ 2 = 1600.25 s = 26 min 40.25 s (March left out).
            // 100 × 1800 ÷ 1600.25 = 112.4824…, half up 112.48.
            row("steady", ["200.00", "0", "0"], "200.00", "112.48", json!("PT26M40.25S")),
            // Jan: (1 + 1 + 2) ÷ 3 = 1.3333… s, to the nanosecond 1.333333333 s: 200. The quarter's
            // average is January's alone. 100 × 1800 ÷ 1.333333333 = 135000.0000337…: at most 300.
            row(
                "thirds",
                ["200.00", "0", "0"],
                "200.00",
                "300.00",
                json!("PT1.333333333S"),
            ),
            // No session at all: every month unknown, so the quarter's average too: no award.
            row("none", ["0", "0", "0"], "0", "0", Value::Null),
        ],
    );
}

#[test]
fn a_number_divided_by_a_duration_is_refused() {
    let text = variant(REPLY, "(30 minutes ÷ quarter_average)", "(1 ÷ quarter_average)");
    assert_reports(&text, "check::type_mismatch", Severity::Error);
}

#[test]
fn explain_says_what_each_month_read_of_the_others() {
    // "Why is my May at 2 %?": the running total since January reached 500,000 in May (70000 +
    // 50000 + 60000 + 0 + 320000); "why a bonus in March?": February's 50,000 × 120 % = 60,000.
    let run = crate::harness::campaign(&[
        "explain",
        "policies/examples/merchant-growth-rebate-cumulative.campaign",
        "--facts",
        "policies/examples/merchant-growth-rebate-cumulative.ndjson",
        "--id",
        "veteran",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "cumulative_gmv[2025-05] = 500,000 CNY\n      read: cumulative(net_gmv) = 500,000 CNY",
        "grew[2025-01] = false\n      read: previous(net_gmv) = unknown",
        "grew[2025-03] = true\n      read: previous(net_gmv) = 50,000 CNY",
        "merchant_month[2025-01] = 21\n      read: period_number = 21",
    ] {
        assert!(run.stdout.contains(line), "explain lacks {line:?}:\n{}", run.stdout);
    }
}
