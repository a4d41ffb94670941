//! The example of per-reward conditions, `if … then … else …` and `REWARD is earned`
//! (`policies/examples/marketplace-new-seller-launch-benefits`), with expectations computed
//! by hand from the announcement quoted at its top and `docs/language.md` (the arithmetic is
//! beside each record), and the diagnostics of broken variants.

use campaign::diagnostics::Severity;
use serde_json::json;

use super::examples::{assert_no_errors, assert_reports, expect, usd, variant};
use crate::harness::{TempDir, campaign};

const LAUNCH: &str = "marketplace-new-seller-launch-benefits";

#[test]
fn launch_benefits_each_with_its_own_conditions() {
    let brand_reason = "The brand bonus needs a brand registered in Brand Registry";
    let listing_reason = "The listing bonus needs a first listing live within 90 days of opening your account";
    let kicker_brand = "The launch kicker needs the brand bonus";
    let kicker_listing = "The launch kicker needs the listing bonus";
    let window_reason = "The programme is for accounts opened between 1 January and 30 June 2025";
    let reward = |amount: &str, reasons: &[&str]| {
        let mut r = usd(amount);
        r["reasons"] = json!(reasons);
        r
    };
    expect(
        LAUNCH,
        &[],
        &[
            // Opened 2025-02-10 09:00 EST; the first 90 days end (excluded) 90 × 24 h later,
            // 2025-05-11 14:00Z = 10:00 EDT, so the order placed at that instant is left out,
            // as is the refunded one: 10 orders × 10,000.00 = 100,000.00, 10 orders → 3 %,
            // 3,000.00 capped at 2,000.00. Brand registered: 300. First listing two days in:
            // min(120, 100) × 5 = 500. Both earned: kicker 100.
            json!({"id": "everything", "eligible": true,
                "rewards": {"brand_bonus": reward("300.00", &[]), "listing_bonus": reward("500.00", &[]),
                    "sales_bonus": usd("2000.00"), "launch_kicker": reward("100.00", &[])},
                "values": {"launch_orders": 10, "launch_sales": usd("100000.00"), "sales_rate": "0.03"}}),
            // Opened 2025-03-03 12:00 EST = 17:00Z; + 90 days = 2025-06-01 17:00Z = 13:00 EDT,
            // exactly the first listing: `through` includes it. 7 live × 5 = 35. Brand pending:
            // 0 with its reason, and so no kicker (only the brand reason: the listing bonus is
            // earned). Sales 100.00 + 250.50 + 49.99 = 400.49, 3 orders → 2 % (the middle
            // branch at its threshold) = 8.0098 → 8.00 rounded down.
            json!({"id": "brand-pending", "eligible": true,
                "rewards": {"brand_bonus": reward("0.00", &[brand_reason]), "listing_bonus": reward("35.00", &[]),
                    "sales_bonus": usd("8.00"), "launch_kicker": reward("0.00", &[kicker_brand])},
                "values": {"launch_orders": 3, "launch_sales": usd("400.49"), "sales_rate": "0.02"}}),
            // Opened 2025-01-01 00:00 EST (the window's first instant) = 05:00Z; + 90 days =
            // 2025-04-01 05:00Z = 01:00 EDT; the first listing one second later is too late.
            // 1 order of 99.99 → 1 % = 0.9999 → 0.99. Brand 300; no listing bonus, no kicker.
            json!({"id": "listing-one-second-late", "eligible": true,
                "rewards": {"brand_bonus": reward("300.00", &[]), "listing_bonus": reward("0.00", &[listing_reason]),
                    "sales_bonus": usd("0.99"), "launch_kicker": reward("0.00", &[kicker_listing])},
                "values": {"launch_orders": 1, "launch_sales": usd("99.99"), "sales_rate": "0.01"}}),
            // Opened at the window's last second; no listing yet: the unknown date fails the
            // listing condition (`if unknown false`). No orders: 0 orders → 1 % of 0 = 0.00.
            json!({"id": "no-listing-yet", "eligible": true,
                "rewards": {"brand_bonus": reward("300.00", &[]), "listing_bonus": reward("0.00", &[listing_reason]),
                    "sales_bonus": usd("0.00"), "launch_kicker": reward("0.00", &[kicker_listing])},
                "values": {"launch_orders": 0, "launch_sales": usd("0"), "sales_rate": "0.01"}}),
            // Opened 2025-07-01 00:00 EDT, after the window, and suspended: not eligible, every
            // reward 0. The brand and listing conditions hold (no reasons of their own), but a
            // reward of a record that is not eligible is not earned: both kicker reasons. The
            // values are computed all the same: 5 orders × 200.00 = 1,000.00, 5 orders → 2 %.
            json!({"id": "opened-too-late-suspended", "eligible": false,
                "rewards": {"brand_bonus": reward("0.00", &[]), "listing_bonus": reward("0.00", &[]),
                    "sales_bonus": usd("0.00"), "launch_kicker": reward("0.00", &[kicker_brand, kicker_listing])},
                "values": {"launch_orders": 5, "launch_sales": usd("1000.00"), "sales_rate": "0.02"},
                "reasons": [window_reason, "Your seller account must be active"]}),
            // The listing condition holds but nothing is live: 0 × 5 = 0, no reason, yet not
            // earned (it pays nothing), so the kicker gives both reasons (no brand either).
            // 3 × 33.33 = 99.99 (the refunded 80.00 left out), 3 orders → 2 % = 1.9998 → 1.99.
            json!({"id": "listing-window-met-nothing-live", "eligible": true,
                "rewards": {"brand_bonus": reward("0.00", &[brand_reason]), "listing_bonus": reward("0.00", &[]),
                    "sales_bonus": usd("1.99"), "launch_kicker": reward("0.00", &[kicker_brand, kicker_listing])},
                "values": {"launch_orders": 3, "launch_sales": usd("99.99"), "sales_rate": "0.02"}}),
        ],
    );
}

#[test]
fn launch_benefits_explained_and_tabled() {
    let policy = format!("policies/examples/{LAUNCH}.campaign");
    let facts = format!("policies/examples/{LAUNCH}.ndjson");
    let run = campaign(&["explain", &policy, "--facts", &facts, "--id", "brand-pending"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // "Why didn't I get the brand bonus?": the reward's own condition, failed, with its reason,
    // what it read and what would pass it.
    for line in [
        "    brand_bonus = 0.00 USD",
        "      when",
        "        ✗ brand_status = \"registered\"",
        "            reason: The brand bonus needs a brand registered in Brand Registry",
        "            actual: brand_status = \"pending\"",
        "      its own conditions do not all hold: nothing is paid",
        "        ✓ listing_bonus is earned",
        "        ✗ brand_bonus is earned",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?} in:\n{}", run.stdout);
    }
    let table = campaign(&["evaluate", &policy, "--facts", &facts, "--format", "table", "--quiet"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let header = table.stdout.lines().next().unwrap_or_default().to_string();
    for column in ["brand_bonus.reasons", "listing_bonus.reasons", "launch_kicker.reasons"] {
        assert!(header.contains(column), "{column} in {header}");
    }
    assert!(!header.contains("sales_bonus.reasons"), "{header}");
}

#[test]
fn launch_benefits_broken_variants() {
    // A reward's condition that can be unknown needs its rule, as in `eligible when`.
    let text = variant(LAUNCH, " if unknown false  \"The listing", "  \"The listing");
    assert_reports(&text, "check::unknown_not_handled", Severity::Error);
    // And its reason.
    let text = variant(
        LAUNCH,
        "  \"The brand bonus needs a brand registered in Brand Registry\"",
        "",
    );
    assert_reports(&text, "check::missing_reason", Severity::Error);
    // The branches of `if` give one kind of value, in one unit.
    let text = variant(LAUNCH, "then 2% else 1%", "then 2 else 1%");
    assert_reports(&text, "check::unit_mismatch", Severity::Error);
    let text = variant(LAUNCH, "then 2% else 1%", "then 2% else \"1%\"");
    assert_reports(&text, "check::type_mismatch", Severity::Error);
    // Its conditions are yes/no.
    let text = variant(LAUNCH, "if launch_orders ≥ 10 then", "if launch_orders then");
    assert_reports(&text, "check::type_mismatch", Severity::Error);
    // Rewards are decided in the order written: a reward reads only those above it.
    let text = variant(LAUNCH, "brand_bonus is earned  ", "launch_kicker is earned");
    assert_reports(&text, "check::cyclic_definition", Severity::Error);
    // Values are decided before any reward.
    let text = variant(
        LAUNCH,
        "value sales_rate = if launch_orders ≥ 10",
        "value kicked = brand_bonus is earned\n  value sales_rate = if launch_orders ≥ 10",
    );
    assert_reports(&text, "check::invalid_scope", Severity::Error);
    // An empty `when` block is a warning, like an empty `eligible when`.
    let text = variant(
        LAUNCH,
        "    when {\n      brand_status = \"registered\"  \"The brand bonus needs a brand registered in Brand Registry\"\n    }",
        "    when {\n    }",
    );
    assert_reports(&text, "check::nothing_to_check", Severity::Warning);
    assert_no_errors(&text);
}

/// A campaign of one decimal fact `x` whose value chooses by its sign.
const LAZY: &str = r#"campaign "lazy" {
  timezone UTC
  facts {
    x: decimal
    score: decimal, optional
  }
  value v = if x > 0 then 1 else x × x
  value graded = if score ≥ 4 then "good" else if score ≥ 2 then "fair" else "poor"
  value known_score = if score is known then score else 0
}
"#;

#[test]
fn if_evaluates_only_the_branch_taken_and_an_unknown_condition_is_unknown() {
    let dir = TempDir::new("examples_rewards", "lazy");
    let policy = dir.join("lazy.campaign");
    let facts = dir.join("lazy.ndjson");
    std::fs::write(&policy, LAZY).unwrap();
    // The largest decimal: its square does not fit. Positive, the square is never computed;
    // negative, it is, and that record fails on its own.
    let max = "79228162514264337593543950335";
    std::fs::write(
        &facts,
        format!(
            "{{\"id\": \"pos\", \"x\": \"{max}\", \"score\": 4}}\n{{\"id\": \"neg\", \"x\": \"-{max}\", \"score\": 3}}\n{{\"id\": \"none\", \"x\": \"2\"}}\n"
        ),
    )
    .unwrap();
    let run = campaign(&[
        "evaluate",
        policy.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--format",
        "ndjson",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "one record fails: {}", run.stderr);
    let lines: Vec<serde_json::Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // score 4 → the first branch; score 3 → the `else if`; no score → every condition
    // unknown: the choice is unknown (`null`), and `is known` chooses 0.
    assert_eq!(
        lines[0]["values"],
        json!({"v": 1, "graded": "good", "known_score": "4"})
    );
    assert!(lines[1]["error"].is_string(), "{}", lines[1]);
    assert_eq!(lines[2]["values"], json!({"v": 1, "graded": null, "known_score": "0"}));
}
