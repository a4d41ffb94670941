//! Payout schedules and expiry on rewards settled per period, business-day deadlines and
//! make-up working days (调休补班): `policies/examples/douyin-monthly-credits-schedule`.
//!
//! Every expectation below is computed by hand from the announcement quoted in the campaign
//! and docs/language.md; the arithmetic is beside each record. Rewards are compared as whole
//! JSON objects (amounts as written, with their scale), so a missing or extra key, a period
//! or a date out of place fails.

use serde_json::{Value, json};

use crate::harness::{Run, TempDir, campaign};

const NAME: &str = "douyin-monthly-credits-schedule";
const CALENDAR: &str = "policies/examples/cn-calendar-2024.txt";

/// `campaign evaluate` of the example with `--holidays HOLIDAYS`: the results by input order.
fn evaluate(holidays: &str) -> Vec<Value> {
    let policy = format!("policies/examples/{NAME}.campaign");
    let facts = format!("policies/examples/{NAME}.ndjson");
    let run = campaign(&[
        "evaluate",
        &policy,
        "--facts",
        &facts,
        "--holidays",
        holidays,
        "--format",
        "ndjson",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn result<'r>(results: &'r [Value], id: &str) -> &'r Value {
    results
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result {id}"))
}

/// A payment of `period`'s `amount` on `on` (a date, 00:00 in Shanghai).
fn part(period: &str, on: &str, amount: &str) -> Value {
    json!({"period": period, "on": format!("{on}T00:00:00+08:00"), "amount": amount})
}

/// The subsidy: the months' amounts, their parts (90 % on the 10th business day after the month,
/// 10 % on 2024-12-31), and each month's expiry 12 months after its end.
fn subsidy(total: &str, months: [&str; 3], parts: [(&str, &str); 3], paid_on: [&str; 3]) -> Value {
    let keys = ["2024-07", "2024-08", "2024-09"];
    let mut payments = Vec::new();
    for ((key, (ninety, ten)), on) in keys.iter().zip(parts).zip(paid_on) {
        payments.push(part(key, on, ninety));
        payments.push(part(key, "2024-12-31", ten));
    }
    json!({
        "amount": total,
        "unit": "credits",
        "by_period": {"2024-07": months[0], "2024-08": months[1], "2024-09": months[2]},
        "payments": payments,
        "expires_by_period": {
            "2024-07": "2025-08-01T00:00:00+08:00",
            "2024-08": "2025-09-01T00:00:00+08:00",
            "2024-09": "2025-10-01T00:00:00+08:00"
        }
    })
}

/// The 10th business day after each month, under the 2024 calendar with its make-up days:
/// after Wed 07-31: 08-01 (Thu) … 08-14 (Wed), ten weekdays; after Sat 08-31: 09-02 (Mon) …
/// 09-13 (Fri); after Mon 09-30: 10-01 … 10-07 are off, then 10-08, 09, 10, 11, Sat 10-12
/// (worked), 14, 15, 16, 17, 18 → 10-18.
const PAID_ON: [&str; 3] = ["2024-08-14", "2024-09-13", "2024-10-18"];

#[test]
fn each_months_subsidy_is_split_dated_and_expires_by_month() {
    let results = evaluate(CALENDAR);
    assert_eq!(results.len(), 5);
    // 2024-07: 10000.00 (07-01 00:00, the first instant) × 2 % = 200.00 → 180.00 + 20.00.
    // 2024-08: 12345.67 × 2 % = 246.9134 → 246.91 (down); 90 % = 222.219 → 222.21, rest 24.70.
    // 2024-09: 5000.50 (09-30 23:59:59, inside) × 2 % = 100.01; 90 % = 90.009 → 90.00, rest 10.01.
    // Total 546.92 ≤ 1000.
    let steady = result(&results, "steady");
    assert_eq!(
        steady["rewards"]["subsidy"],
        subsidy(
            "546.92",
            ["200.00", "246.91", "100.01"],
            [("180.00", "20.00"), ("222.21", "24.70"), ("90.00", "10.01")],
            PAID_ON
        )
    );
    // The 5th business day after 09-30: 10-08, 09, 10, 11 and Saturday 10-12 (worked).
    // Confirmed 10-12 23:59:59, before 10-13 00:00: in time.
    assert_eq!(steady["values"], json!({"confirm_by": "2024-10-12T00:00:00+08:00"}));
    assert_eq!((&steady["eligible"], &steady["reasons"]), (&json!(true), &json!([])));

    // 600.00 + 600.00 + 200.00 against a cap of 1000 taken in calendar order: July 600.00,
    // August the 400.00 left, September nothing. Then each month is split: 540.00 + 60.00,
    // 360.00 + 40.00, 0.00 + 0.00 (a month that pays nothing still lists its parts).
    let capped = result(&results, "capped");
    assert_eq!(
        capped["rewards"]["subsidy"],
        subsidy(
            "1000.00",
            ["600.00", "400.00", "0.00"],
            [("540.00", "60.00"), ("360.00", "40.00"), ("0.00", "0.00")],
            PAID_ON
        )
    );

    // 700 on 06-30 23:59:59 and 500 on 10-01 00:00 are outside Q3. July 0.55 × 2 % = 0.011 →
    // 0.01: 90 % = 0.009 → 0.00, the last part takes 0.01. August 0.49 (08-01 00:00) × 2 % =
    // 0.0098 → 0.00. September 1.00 × 2 % = 0.02: 90 % = 0.018 → 0.01, rest 0.01. Total 0.03.
    let cents = result(&results, "cents");
    assert_eq!(
        cents["rewards"]["subsidy"],
        subsidy(
            "0.03",
            ["0.01", "0.00", "0.02"],
            [("0.00", "0.01"), ("0.00", "0.00"), ("0.01", "0.01")],
            PAID_ON
        )
    );

    // Confirmed at 10-13 00:00, the first instant after the 5th business day; and never
    // confirmed (unknown counts as not in time). Not eligible: every month 0, no parts, no expiry.
    for id in ["late", "unconfirmed"] {
        let r = result(&results, id);
        assert_eq!(r["eligible"], json!(false), "{id}");
        assert_eq!(r["reasons"], json!(["未在活动结束后 5 个工作日内确认结算单"]), "{id}");
        assert_eq!(
            r["rewards"]["subsidy"],
            json!({"amount": "0.00", "unit": "credits",
                   "by_period": {"2024-07": "0.00", "2024-08": "0.00", "2024-09": "0.00"}}),
            "{id}"
        );
    }
}

#[test]
fn without_the_make_up_days_the_deadlines_move() {
    // The same holidays without the `workday` lines: Saturday 10-12 is a weekend day again.
    let dir = TempDir::new("examples_schedules", "no-make-up");
    let holidays_only: String = std::fs::read_to_string(crate::harness::root().join(CALENDAR))
        .unwrap()
        .lines()
        .filter(|l| !l.contains("workday"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.join("holidays.txt");
    std::fs::write(&path, holidays_only).unwrap();
    let results = evaluate(path.to_str().unwrap());
    // The 5th business day after 09-30 is now Monday 10-14 (10-08, 09, 10, 11, 14), so the
    // record confirmed at 10-13 00:00 is in time; the 10th is Monday 10-21 (… 14, 15, 16, 17,
    // 18, 21). July's and August's dates do not change (no make-up day in their first ten).
    let late = result(&results, "late");
    assert_eq!(late["values"], json!({"confirm_by": "2024-10-14T00:00:00+08:00"}));
    assert_eq!(late["eligible"], json!(true));
    // 10000 × 2 % = 200.00 in July → 180.00 + 20.00; nothing in August or September.
    assert_eq!(
        late["rewards"]["subsidy"],
        subsidy(
            "200.00",
            ["200.00", "0.00", "0.00"],
            [("180.00", "20.00"), ("0.00", "0.00"), ("0.00", "0.00")],
            ["2024-08-14", "2024-09-13", "2024-10-21"]
        )
    );
}

#[test]
fn a_holiday_file_says_which_line_is_wrong() {
    let dir = TempDir::new("examples_schedules", "bad-calendar");
    let cases = [
        // A make-up working day must be a Saturday or Sunday: Tuesday 10-08 is a typo.
        ("2024-10-01\n2024-10-08 workday\n", "2: 2024-10-08 is a Tuesday"),
        // The same day off and worked.
        (
            "2024-10-12 workday\n# 国庆\n2024-10-12\n",
            "3: 2024-10-12 is given both as a holiday and as a working day",
        ),
        // Another word than `workday`.
        (
            "2024-10-12 holiday\n",
            "1: `2024-10-12 holiday` is not a date, or a date followed by `workday`",
        ),
        ("2024-10-32\n", "1: `2024-10-32` is not a date"),
    ];
    for (n, (text, message)) in cases.iter().enumerate() {
        let path = dir.join(format!("h{n}.txt"));
        std::fs::write(&path, text).unwrap();
        let run = campaign(&[
            "evaluate",
            &format!("policies/examples/{NAME}.campaign"),
            "--facts",
            &format!("policies/examples/{NAME}.ndjson"),
            "--holidays",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 2, "{text}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{text}: {}", run.stderr);
        assert!(run.stderr.contains("YYYY-MM-DD workday"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "no result before the calendar is read");
    }
}

#[test]
fn a_test_case_gives_make_up_days_after_the_dates() {
    // `with holidays = "..."` takes the same words as the file: a date, or a date and `workday`.
    let dir = TempDir::new("examples_schedules", "tests-file");
    // Saturday 09-28 is a weekend day; its next business day is Sunday 09-29, worked.
    let policy = "campaign \"c\" {\n  timezone Asia/Shanghai\n  facts { at: timestamp }\n  value next = add_business_days(at, 1)\n  value worked = is_business_day(at)\n}\n";
    let tests = r#"
case "Sunday 09-29 is worked, the holidays are not" {
  with holidays = "2024-10-01, 2024-10-02 2024-10-03 2024-10-04 2024-10-07, 2024-09-29 workday"
  facts {"at": "2024-09-28T10:00:00+08:00"}
  expect next = "2024-09-29T10:00:00+08:00"
  expect not worked
}

case "the first business day after Monday 09-30 is Tuesday 10-08" {
  with holidays = "2024-10-01, 2024-10-02 2024-10-03 2024-10-04 2024-10-07, 2024-09-29 workday"
  facts {"at": "2024-09-30T10:00:00+08:00"}
  expect next = "2024-10-08T10:00:00+08:00"
  expect worked
}
"#;
    std::fs::write(dir.join("c.campaign"), policy).unwrap();
    std::fs::write(dir.join("c.tests"), tests).unwrap();
    let run = campaign(&["test", dir.join("c.tests").to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

// ---------------------------------------------------------------------------
// Tier tables whose band ends are parameters

const TIERS: &str = r#"campaign "tiers from parameters" {
  timezone Asia/Shanghai

  parameter tier_1: money CNY = 10000 CNY
  parameter tier_2: money CNY = 50000 CNY
  parameter top_rate: fraction = 2%
  parameter low_end: count = 10
  parameter high_start: count = 10

  facts {
    gmv: money CNY
    listings: count
  }

  value rate = band of gmv {
    0 CNY .. tier_1   -> 0%
    tier_1 .. tier_2  -> 1%
    tier_2 ..         -> top_rate
  }

  value listing_bonus = band of listings {
    0 .. low_end     -> 0 CNY
    high_start ..    -> 50 CNY
  }

  reward cash = gmv × rate if unknown 0 CNY, rounded half up
}
"#;

/// `campaign evaluate` of [`TIERS`] on one record with `--param` PARAMS.
fn tiers(dir: &TempDir, params: &[&str]) -> Run {
    let policy = dir.join("t.campaign");
    let facts = dir.join("t.ndjson");
    std::fs::write(&policy, TIERS).unwrap();
    std::fs::write(&facts, "{\"id\": \"m\", \"gmv\": \"45000\", \"listings\": 12}\n").unwrap();
    let mut args = vec![
        "evaluate",
        policy.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--format",
        "ndjson",
        "--quiet",
    ];
    for p in params {
        args.push("--param");
        args.push(p);
    }
    campaign(&args)
}

#[test]
fn band_ends_from_parameters_take_the_run_s_values() {
    let dir = TempDir::new("examples_schedules", "tiers-valid");
    // Defaults: 45000 is in 10000 .. 50000 → 1 % → 450.00; 12 listings ≥ 10 → 50 CNY.
    let run = tiers(&dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(r["rewards"]["cash"], json!({"amount": "450.00", "unit": "CNY"}));
    assert_eq!(r["values"]["listing_bonus"], json!({"amount": "50", "unit": "CNY"}));
    // tier_2 = 40000: 45000 is in the top band, at top_rate 3 % → 1350.00. Both count ends
    // at 15 (still meeting): 12 listings are in the first band → 0.
    let run = tiers(
        &dir,
        &["tier_2=40000 CNY", "top_rate=3%", "low_end=15", "high_start=15"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(r["rewards"]["cash"], json!({"amount": "1350.00", "unit": "CNY"}));
    assert_eq!(r["values"]["listing_bonus"], json!({"amount": "0", "unit": "CNY"}));
}

#[test]
fn band_ends_from_parameters_that_break_the_table_stop_the_run() {
    let dir = TempDir::new("examples_schedules", "tiers-invalid");
    let cases: [(&[&str], &str); 4] = [
        // tier_1 above tier_2: the middle band would hold nothing.
        (
            &["tier_1=60000 CNY"],
            "the band `tier_1 = 60000 .. tier_2 = 50000` would hold no value",
        ),
        // tier_1 at 0: the first band, 0 .. 0, would hold nothing.
        (
            &["tier_1=0 CNY", "tier_2=0 CNY"],
            "the band `0 .. tier_1 = 0` would hold no value",
        ),
        // The count bands met at 10; 8 and 12 leave 8 … 11 in no band (the checker found
        // the table never unknown for a count, so the run must not make it so).
        (
            &["low_end=8", "high_start=12"],
            "values between the bands `0 .. low_end = 8` and `high_start = 12 ..` would fall in no band",
        ),
        // Crossing: the second band would start inside the first.
        (
            &["high_start=5"],
            "the bands `0 .. low_end = 10` and `high_start = 5 ..` would share values",
        ),
    ];
    for (params, message) in cases {
        let run = tiers(&dir, params);
        assert_eq!(run.code, 2, "{params:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("the parameter values make a tier table invalid"),
            "{params:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(message), "{params:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{params:?}: no result");
    }
}

#[test]
fn a_test_case_with_values_that_break_a_table_fails_at_its_with_line() {
    let dir = TempDir::new("examples_schedules", "tiers-tests");
    std::fs::write(dir.join("t.campaign"), TIERS).unwrap();
    let tests = r#"
case "tier_1 above tier_2" {
  with tier_1 = 60000 CNY
  facts {"gmv": "45000", "listings": 12}
  expect cash = 0 CNY
}
"#;
    std::fs::write(dir.join("t.tests"), tests).unwrap();
    let run = campaign(&["test", dir.join("t.tests").to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(out.contains("would hold no value"), "{out}");
}

#[test]
fn the_checker_analyses_a_table_at_the_parameters_defaults() {
    let diagnostics = |text: &str| -> Vec<String> {
        campaign::check::check(text)
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect()
    };
    // Defaults that overlap: 0 .. 12 and 10 .. share 10 and 11.
    let overlapping = TIERS.replace("low_end: count = 10", "low_end: count = 12");
    assert!(
        diagnostics(&overlapping).contains(&"check::tier_overlap".to_string()),
        "{:?}",
        diagnostics(&overlapping)
    );
    // Defaults that leave a gap (10 .. 12 in no band) are reported as with literals.
    let gapped = TIERS.replace("high_start: count = 10", "high_start: count = 12");
    assert!(
        diagnostics(&gapped).contains(&"check::tier_gap".to_string()),
        "{:?}",
        diagnostics(&gapped)
    );
    // A fact is still not a band end.
    let fact_end = TIERS.replace("0 .. low_end ", "0 .. listings ");
    assert!(
        diagnostics(&fact_end).contains(&"check::type_mismatch".to_string()),
        "{:?}",
        diagnostics(&fact_end)
    );
    // A parameter of another unit neither.
    let other_unit = TIERS.replace("tier_1 .. tier_2", "low_end .. tier_2");
    assert!(!diagnostics(&other_unit).is_empty());
    assert!(diagnostics(TIERS).is_empty(), "{:?}", diagnostics(TIERS));
}
