//! The engine against rows evaluated here (totals checked by hand).

#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly")]

use super::*;
use crate::batch::{Batch, Lines, Row, Unobserved};
use crate::program::inputs::Inputs;

const CAMPAIGN: &str = r#"
campaign "c" {
  timezone Asia/Shanghai
  unit points
  parameter threshold: money CNY = 100 CNY
  facts { gmv: money CNY, score: decimal }
  eligible when {
    gmv ≥ threshold  "GMV 需达到门槛"
    score ≥ 4  "评分需达到 4 分"
  }
  reward points = gmv × 1% as points, rounded down
}
"#;

const LINES: [&str; 5] = [
    r#"{"id":"a","gmv":500,"score":5}"#,
    r#"{"id":"b","gmv":50,"score":5}"#,
    r#"{"id":"c","gmv":50,"score":3}"#,
    r#"{"id":"d","gmv":1200,"score":4.5}"#,
    r#"{"id":"e","gmv":"x","score":4}"#,
];

fn rows(program: &crate::program::Program, params: &[&str]) -> Vec<Row> {
    let mut inputs = Inputs::defaults(program);
    for p in params {
        inputs.set(program, p).unwrap();
    }
    let mut rows = Vec::new();
    Batch::new(program, inputs).run(
        &mut Lines::new(LINES.iter().enumerate().map(|(i, l)| (i + 1, l.as_bytes()))),
        &mut rows,
        &Unobserved,
    );
    rows
}

#[test]
fn a_report_counts_records_totals_conditions_and_reasons() {
    let program = crate::check::check(CAMPAIGN).program.unwrap();
    let mut tally = Tally::new(&program);
    for row in rows(&program, &[]) {
        tally.add(&row);
    }
    let json = tally.to_json();
    // a and d qualify (gmv ≥ 100, score ≥ 4); b fails the GMV only; c fails both; e fails to read.
    assert_eq!(
        json["records"],
        serde_json::json!({"read": 5, "eligible": 2, "not_eligible": 2, "failed": 1})
    );
    // a: 500 × 1 % = 5; d: 1200 × 1 % = 12; total 17 points, paid to 2 records.
    assert_eq!(json["rewards"][0]["total"], "17");
    assert_eq!(json["rewards"][0]["paid"], 2);
    assert_eq!(json["totals"], serde_json::json!([{"unit": "points", "amount": "17"}]));
    // 5 in [5, 10), 12 in [10, 20).
    assert_eq!(
        json["rewards"][0]["histogram"],
        serde_json::json!([{"from": "5", "to": "10", "count": 1}, {"from": "10", "to": "20", "count": 1}])
    );
    // Of 4 evaluated: the GMV excludes b and c (50 %), alone only b (25 %); the score excludes
    // c (25 %), never alone.
    assert_eq!(json["conditions"][0]["excludes"], 2);
    assert_eq!(json["conditions"][0]["excludes_percent"], "50");
    assert_eq!(json["conditions"][0]["alone"], 1);
    assert_eq!(json["conditions"][0]["alone_percent"], "25");
    assert_eq!(json["conditions"][1]["excludes"], 1);
    assert_eq!(json["conditions"][1]["alone"], 0);
    assert_eq!(
        json["reasons"],
        serde_json::json!([{"reason": "GMV 需达到门槛", "count": 2}, {"reason": "评分需达到 4 分", "count": 1}])
    );
}

#[test]
fn a_diff_of_two_thresholds_counts_gains_deltas_and_movers() {
    let program = crate::check::check(CAMPAIGN).program.unwrap();
    let (old, new) = (rows(&program, &[]), rows(&program, &["threshold=40 CNY"]));
    let mut tally = DiffTally::new(&program, &program);
    let changes: Vec<RecordChange> = old.iter().zip(&new).filter_map(|(o, n)| tally.add(o, n)).collect();
    // Only b gains (gmv 50 ≥ 40, score 5): 50 × 1 % = 0.5, rounded down to 0 points; c still
    // fails the score; e fails on both sides (no change).
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].id.as_deref(), Some("b"));
    assert_eq!(changes[0].qualifying, (Some(false), Some(true)));
    let json = tally.to_json();
    assert_eq!(json["records"]["gained"], 1);
    assert_eq!(json["records"]["lost"], 0);
    assert_eq!(json["records"]["eligible_before"], 2);
    assert_eq!(json["records"]["eligible_after"], 3);
    assert_eq!(json["rewards"][0]["before"], "17");
    assert_eq!(json["rewards"][0]["after"], "17");
    assert_eq!(json["rewards"][0]["delta"], "0");
    assert_eq!(json["rewards"][0]["movers"], serde_json::json!([]));
}

#[test]
fn the_largest_movers_are_kept_in_order_and_bounded() {
    let program = crate::check::check(CAMPAIGN).program.unwrap();
    let (old, new) = (rows(&program, &["threshold=10000 CNY"]), rows(&program, &[]));
    let mut tally = DiffTally::new(&program, &program);
    for (o, n) in old.iter().zip(&new) {
        tally.add(o, n);
    }
    let json = tally.to_json();
    // Nobody qualifies at 10000; then a gets 5 and d 12: d moves most.
    let movers = &json["rewards"][0]["movers"];
    assert_eq!(movers[0]["id"], "d");
    assert_eq!(movers[0]["delta"], "12");
    assert_eq!(movers[1]["id"], "a");
    assert_eq!(json["rewards"][0]["more"], 2);
    let mut movers = Vec::new();
    for k in 0..(MOVERS + 5) {
        diff::keep_mover(
            &mut movers,
            &format!("r{k}"),
            rust_decimal::Decimal::ZERO,
            rust_decimal::Decimal::from(k % 4),
        );
    }
    assert_eq!(movers.len(), MOVERS);
    // Deltas of 3 come first, the earliest record first among them.
    assert_eq!(movers[0].id, "r3");
    assert_eq!(movers[1].id, "r7");
}

#[test]
fn percentages_round_half_away_from_zero_and_totals_stay_per_unit() {
    assert_eq!(percent(1, 8), "12.5");
    assert_eq!(percent(1, 3), "33.3");
    assert_eq!(percent(2, 3), "66.7");
    assert_eq!(percent(0, 0), "0");
    let mut exact = Exact::default();
    let mut sum = rust_decimal::Decimal::MAX;
    exact.add(&mut sum, rust_decimal::Decimal::ONE);
    assert!(exact.overflowed, "an overflow is remembered, never wrapped or rounded");
    assert_eq!(sum, rust_decimal::Decimal::MAX);
}

#[test]
fn the_html_page_escapes_text_and_groups_digits() {
    assert_eq!(html::grouped("1234567.25"), "1,234,567.25");
    assert_eq!(html::grouped("-1000"), "-1,000");
    assert_eq!(html::grouped("999"), "999");
    assert_eq!(
        html::escape("<a href=\"x\">&</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
    );
    let program = crate::check::check(CAMPAIGN).program.unwrap();
    let mut tally = Tally::new(&program);
    for row in rows(&program, &[]) {
        tally.add(&row);
    }
    let page = html::report_page(&tally.to_json());
    assert!(page.contains("<svg") && !page.contains("<script"));
    assert!(page.contains(r#"data-json="rewards.0.total" data-value="17">17<"#));
}
