//! Running values over a list (issue "Expressiveness II", item 1): `running sum of`,
//! `portion of ... within first`, `previous`, each `ordered by` declared keys.
//!
//! The examples in `policies/examples/` are evaluated and compared with expectations
//! **computed by hand** from the announcement and `docs/language.md` (the arithmetic is in the
//! comment beside each record); small inline campaigns pin the rules the examples do not
//! reach: descending keys, ties in the list's order, unknown keys, the items of a nested list,
//! what `where` takes, and where the constructs may be written.

use campaign::diagnostics::Severity;
use serde_json::{Value, json};

use super::examples::{assert_reports, cny, expect, variant};
use crate::harness::{TempDir, campaign};

// ---------------------------------------------------------------------------
// The examples

#[test]
fn first_million_of_net_gmv_at_the_discounted_rate_the_crossing_order_split() {
    // Standard rates: 服饰内衣 5 %, 美妆 5 %, 食品饮料 3 %, 3C数码 2 %; discounted 0.6 %.
    // fee = discounted × 0.6 % + (net − discounted) × standard; rebate = discounted × (standard − 0.6 %).
    let row = |id: &str, eligible: bool, rebate: &str, gmv: &str, base: &str, past: u64, fee: &str| {
        json!({
            "id": id,
            "eligible": eligible,
            "rewards": {"fee_rebate": cny(rebate)},
            "values": {
                "campaign_gmv": cny(gmv),
                "discounted_base": cny(base),
                "orders_past_threshold": past,
                "service_fee": cny(fee),
            },
        })
    };
    expect(
        "new-merchant-fee-first-million",
        &[],
        &[
            // S1 300,000 (美妆) then S2 340,000 (食品饮料): 640,000 < 1,000,000, all discounted.
            // fee 640,000 × 0.6 % = 3,840; rebate 300,000 × 4.4 % + 340,000 × 2.4 % = 13,200 + 8,160 = 21,360.
            row("below-threshold", true, "21360.00", "640000", "640000", 0, "3840.00"),
            // Listed out of order; by creation: E-a 650,000 − 50,000 = 600,000 (服饰内衣), E-b 400,000
            // (3C数码) ends exactly at 1,000,000 (wholly within), E-c 50,000 (服饰内衣) starts at
            // 1,000,000 (portion 0, running sum ≥ 1,000,000: past).
            // fee 3,600 + 2,400 + 50,000 × 5 % = 8,500; rebate 600,000 × 4.4 % + 400,000 × 1.4 % = 26,400 + 5,600.
            row(
                "exactly-at-threshold",
                true,
                "32000.00",
                "1050000",
                "1000000",
                1,
                "8500.00",
            ),
            // A1 700,000 (美妆); B0 and B1 created in the same second, order number decides: B0
            // 100,000.50 − 0.50 = 100,000 (食品饮料) wholly within (800,000), B1 400,000 (服饰内衣)
            // crosses: 200,000 within, 200,000 at 5 %; C1 80,000 (3C数码) past (running 1,200,000).
            // fee 4,200 + 600 + (1,200 + 10,000) + 1,600 = 17,600;
            // rebate 700,000 × 4.4 % + 100,000 × 2.4 % + 200,000 × 4.4 % = 30,800 + 2,400 + 8,800 = 42,000.
            row(
                "crossing-order-after-a-tie",
                true,
                "42000.00",
                "1280000",
                "1000000",
                1,
                "17600.00",
            ),
            // D1 (12-31 23:59) and D3 (04-01 00:00) are outside the window and take no part; D2 is
            // refunded beyond its payment: net max(1,234.56 − 2,000, 0) = 0; D4 333.33 (食品饮料).
            // fee 333.33 × 0.6 % = 1.99998 → 2.00; rebate 333.33 × 2.4 % = 7.99992 → 8.00.
            row("window-edges-and-refunds", true, "8.00", "333.33", "333.33", 0, "2.00"),
            // Joined 2024-09-30 23:59, before October: not eligible, values still computed.
            // Z1 1,000 (美妆) discounted: fee 6.00.
            json!({
                "id": "joined-before-october",
                "eligible": false,
                "rewards": {"fee_rebate": cny("0.00")},
                "values": {
                    "campaign_gmv": cny("1000"),
                    "discounted_base": cny("1000"),
                    "orders_past_threshold": 0,
                    "service_fee": cny("6.00"),
                },
                "reasons": ["仅限 2024 年 10 月 1 日及之后入驻的新商家"],
            }),
        ],
    );
}

#[test]
fn the_explanation_names_the_order_that_crossed_the_threshold() {
    let run = campaign(&[
        "explain",
        "policies/examples/new-merchant-fee-first-million.campaign",
        "--facts",
        "policies/examples/new-merchant-fee-first-million.ndjson",
        "--id",
        "crossing-order-after-a-tie",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // In that order: A1 (orders[0]), B0 (orders[2]), B1 (orders[1]): B1 is the 3rd, from 800,000
    // to 1,200,000; C1 comes after it.
    assert!(
        run.stdout.contains(
            "the running total reached 1,000,000 CNY at orders[1], the 3rd in that order \
             (800,000.00 CNY before it, 1,200,000.00 CNY with it); the 1 later item is past it"
        ),
        "{}",
        run.stdout
    );
    let run = campaign(&[
        "explain",
        "policies/examples/new-merchant-fee-first-million.campaign",
        "--facts",
        "policies/examples/new-merchant-fee-first-million.ndjson",
        "--id",
        "below-threshold",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let explained: Value = serde_json::from_str(&run.stdout).unwrap();
    let first = explained.as_array().map_or(&explained, |a| &a[0]);
    assert_eq!(
        first["explanation"]["thresholds"][0]["outcome"],
        json!("the running total never reached 1,000,000 CNY: 640,000.00 CNY over the 2 items taken"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_session_counts_when_the_content_just_before_it_is_a_preview_two_hours_earlier() {
    let row = |id: &str, eligible: bool, coupons: &str, previewed: u64, lead: &str, sessions: u64| {
        json!({
            "id": id,
            "eligible": eligible,
            "rewards": {"traffic_coupons": cny(coupons)},
            "values": {"previewed_sessions": previewed, "average_lead_time": lead, "sessions": sessions},
        })
    };
    expect(
        "kuaishou-live-preview-before-session",
        &[],
        &[
            // Listed shuffled; by time: 预告 03-03 10:00 → 直播 20:00 (10 h: counts); 预告 03-05
            // 19:00 → 直播 20:30 (1.5 h: no); 短视频 03-07 08:00, 预告 09:00 → 直播 11:00 (exactly
            // 2 h: counts). 2 × 20 = 40. Average lead (10 h + 2 h) ÷ 2 = 6 h.
            row("gap-of-exactly-two-hours-counts", true, "40.00", 2, "PT6H", 3),
            // The first post is a session (no previous: not counted); the 03-09 session follows a
            // short video, not the preview before it. None counts: not eligible.
            json!({
                "id": "first-post-and-short-video-before",
                "eligible": false,
                "rewards": {"traffic_coupons": cny("0.00")},
                "values": {"previewed_sessions": 0, "average_lead_time": null, "sessions": 2},
                "reasons": ["3 月内没有有效预告场次"],
            }),
            // 直播 and 预告 both at 03-10 18:00, the session uploaded first: the tie keeps upload
            // order, so the content before the session is the 12:00 preview (6 h): counts, 20.
            row("tie-in-upload-order", true, "20.00", 1, "PT6H", 1),
            // 02-28 22:00 preview → 03-01 00:30 session (2.5 h, in March); eleven 08:00 → 20:00
            // pairs on 03-11..03-21; the 04-01 00:00 session is outside March. 12 × 20 = 240,
            // at most 200. Average lead (2.5 h + 11 × 12 h) ÷ 12 = 134.5 h ÷ 12 = 484,200 s ÷ 12
            // = 40,350 s = 11 h 12 min 30 s.
            row("twelve-sessions-capped", true, "200.00", 12, "PT11H12M30S", 12),
        ],
    );
}

// ---------------------------------------------------------------------------
// The rules, on small campaigns

/// Evaluates `policy` on NDJSON `facts` (in a directory of its own, `name`); the results in
/// input order.
fn run(name: &str, policy: &str, facts: &str) -> Vec<Value> {
    let dir = TempDir::new("running", name);
    let (p, f) = (dir.join("c.campaign"), dir.join("f.ndjson"));
    std::fs::write(&p, policy).unwrap();
    std::fs::write(&f, facts).unwrap();
    let out = campaign(&[
        "evaluate",
        p.to_str().unwrap(),
        "--facts",
        f.to_str().unwrap(),
        "--format",
        "ndjson",
        "--quiet",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_running_sum_is_exclusive_descending_ties_by_the_next_key_and_per_nested_list() {
    let policy = r#"campaign "rules" {
  timezone Asia/Shanghai

  facts {
    shops: list of {
      orders: list of {
        n: count
        at: timestamp, optional
        amount: money CNY
        ok: bool
      }
    }
  }

  let before of shops.orders = running sum of amount where ok ordered by at descending, then by n descending
  let last of shops.orders = previous n where ok ordered by at descending, then by n descending
  value b1 = sum of shops.orders.before where n = 1 and before is known
  value b2 = sum of shops.orders.before where n = 2 and before is known
  value b3 = sum of shops.orders.before where n = 3 and before is known
  value b4 = count of shops.orders where n = 4 and before is unknown
  value l1 = sum of shops.orders.last where n = 1 and last is known
  value l3 = count of shops.orders where n = 3 and last is unknown
}
"#;
    // Shop 1 orders, latest first: n=3 (03-03), then n=1 and n=2 tied at 03-02 (n descending:
    // 2 before 1); n=4 has no time (unknown: no place). n=2 is not ok (adds nothing).
    //   n=3: nothing before → 0; n=2: 30 → 30; n=1: 30 (n=2 not taken) → 30.
    //   previous: n=3 none (unknown); n=2 → 3; n=1 → 3 (n=2 not taken).
    // Shop 2's order (n=1, 999) is in its own list: it adds nothing to shop 1's, and its own
    // running sum is 0 and previous unknown, so b1 = 30 + 0 and l1 = 3.
    let facts = concat!(
        r#"{"id": "r", "shops": [{"orders": ["#,
        r#"{"n": 1, "at": "2025-03-02T10:00:00+08:00", "amount": "10", "ok": true},"#,
        r#"{"n": 2, "at": "2025-03-02T10:00:00+08:00", "amount": "20", "ok": false},"#,
        r#"{"n": 3, "at": "2025-03-03T10:00:00+08:00", "amount": "30", "ok": true},"#,
        r#"{"n": 4, "amount": "40", "ok": true}]},"#,
        r#"{"orders": [{"n": 1, "at": "2025-03-09T10:00:00+08:00", "amount": "999", "ok": true}]}]}"#,
        "\n"
    );
    let out = run("nested", policy, facts);
    let values = &out[0]["values"];
    assert_eq!(values["b1"], cny_value("30"), "{out:?}");
    assert_eq!(values["b2"], cny_value("30"), "{out:?}");
    assert_eq!(values["b3"], cny_value("0"), "{out:?}");
    assert_eq!(values["b4"], json!(1), "{out:?}");
    assert_eq!(values["l1"], json!(3), "{out:?}");
    assert_eq!(values["l3"], json!(1), "{out:?}");
}

fn cny_value(amount: &str) -> Value {
    json!({"amount": amount, "unit": "CNY"})
}

#[test]
fn a_portion_is_zero_for_items_left_out_and_for_negative_amounts() {
    let policy = r#"campaign "rules" {
  timezone Asia/Shanghai

  facts {
    orders: list of {
      n: count
      amount: money CNY
      ok: bool
    }
  }

  let part of orders = portion of amount within first 100 CNY where ok ordered by n
  value p1 = sum of orders.part where n = 1
  value p2 = sum of orders.part where n = 2
  value p3 = sum of orders.part where n = 3
  value p4 = sum of orders.part where n = 4
  value p5 = sum of orders.part where n = 5
}
"#;
    // By n: 1: 60 (ok) → 60 within (before 0); 2: 70, not ok → 0 (adds nothing);
    // 3: −20 (ok) → 0, and the running sum falls to 40; 4: 50 (ok) → min(50, 100 − 40) = 50
    // (running 90); 5: 30 → min(30, 10) = 10.
    let facts = concat!(
        r#"{"id": "r", "orders": ["#,
        r#"{"n": 5, "amount": "30", "ok": true},"#,
        r#"{"n": 3, "amount": "-20", "ok": true},"#,
        r#"{"n": 1, "amount": "60", "ok": true},"#,
        r#"{"n": 4, "amount": "50", "ok": true},"#,
        r#"{"n": 2, "amount": "70", "ok": false}]}"#,
        "\n"
    );
    let out = run("portions", policy, facts);
    let values = &out[0]["values"];
    for (name, want) in [("p1", "60"), ("p2", "0"), ("p3", "0"), ("p4", "50"), ("p5", "10")] {
        assert_eq!(values[name], cny_value(want), "{name}: {out:?}");
    }
}

#[test]
fn running_values_are_refused_outside_a_per_item_field_and_a_zero_threshold_warns() {
    let name = "new-merchant-fee-first-million";
    assert_reports(
        &variant(
            name,
            "within first 1000000 CNY where counted",
            "within first 0 CNY where counted",
        ),
        "lint::threshold_not_positive",
        Severity::Warning,
    );
    assert_reports(
        &variant(
            name,
            "value campaign_gmv = sum of orders.net_gmv where counted",
            "value campaign_gmv = running sum of orders.net_gmv ordered by created_at",
        ),
        "check::invalid_scope",
        Severity::Error,
    );
    // Inside an aggregate of the field's expression there is no single "item before".
    assert_reports(
        &variant(
            name,
            "let rebate of orders = discounted_gmv × (standard_rate - 0.6%)",
            "let rebate of orders = count of orders where (previous net_gmv ordered by created_at) > 0 CNY",
        ),
        "check::invalid_scope",
        Severity::Error,
    );
    assert_reports(
        &variant(
            name,
            "within first 1000000 CNY where counted",
            "within first 1000000 USD where counted",
        ),
        "check::unit_mismatch",
        Severity::Error,
    );
}

#[test]
fn durations_averaged_and_divided_are_rounded_to_the_nanosecond_halves_away_from_zero() {
    let policy = r#"campaign "durations" {
  timezone Asia/Shanghai

  facts {
    tickets: list of {
      first_response: duration
    }
    live_time: duration
    sessions: count
  }

  value average_first_response = average of tickets.first_response
  value per_session = live_time ÷ sessions
  value third = live_time ÷ 3
}
"#;
    let facts = concat!(
        r#"{"id": "a", "tickets": [{"first_response": 1}, {"first_response": 1}, {"first_response": 2}], "live_time": "1 hours", "sessions": 7}"#,
        "\n",
        r#"{"id": "b", "tickets": [], "live_time": 100, "sessions": 0}"#,
        "\n",
        r#"{"id": "c", "tickets": [{"first_response": 3}, {"first_response": 4}], "live_time": 5, "sessions": 2}"#,
        "\n",
        r#"{"id": "d", "tickets": [], "live_time": 1, "sessions": 2000000000}"#,
        "\n"
    );
    let out = run("durations", policy, facts);
    let values: Vec<&Value> = out.iter().map(|r| &r["values"]).collect();
    // a: (1 + 1 + 2) ÷ 3 = 1.3333333333 s = 1,333,333,333.33 ns → 1,333,333,333 ns;
    // 3,600 ÷ 7 = 514.285714285714 s = 514,285,714,285.71 ns → 514,285,714,286 ns = 8 min 34.285714286 s;
    // 3,600 ÷ 3 = 20 min exactly.
    assert_eq!(
        values[0],
        &json!({"average_first_response": "PT1.333333333S", "per_session": "PT8M34.285714286S", "third": "PT20M"})
    );
    // b: no tickets → unknown; 100 ÷ 0 → unknown; 100 ÷ 3 = 33,333,333,333.33 ns → 33,333,333,333 ns.
    assert_eq!(
        values[1],
        &json!({"average_first_response": null, "per_session": null, "third": "PT33.333333333S"})
    );
    // c: (3 + 4) ÷ 2 = 3.5 s and 5 ÷ 2 = 2.5 s, exact; 5 ÷ 3 = 1,666,666,666.67 ns → 1,666,666,667 ns.
    assert_eq!(
        values[2],
        &json!({"average_first_response": "PT3.5S", "per_session": "PT2.5S", "third": "PT1.666666667S"})
    );
    // d: 1 s ÷ 2,000,000,000 = 0.5 ns exactly, a half: away from zero, 1 ns; 1 ÷ 3 s → 333,333,333 ns.
    assert_eq!(
        values[3],
        &json!({"average_first_response": null, "per_session": "PT0.000000001S", "third": "PT0.333333333S"})
    );
}
