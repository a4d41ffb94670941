//! Groups within a list (issue "Expressiveness II", item 5): `top KEY of LIST by sum of X` and
//! `by count`, the key whose group has the highest total.
//!
//! The example in `policies/examples/` is evaluated and compared with expectations **computed by
//! hand** from the announcement and `docs/language.md` (the arithmetic is in the comment beside
//! each record); small inline campaigns pin the rules the example does not reach: negative
//! totals, keys of other kinds (a day, a count), groups across a nested path and per item of an
//! outer list, the explanation's totals, and what `check` refuses.

use campaign::diagnostics::Severity;
use serde_json::{Value, json};

use super::examples::{assert_reports, cny, expect};
use crate::harness::{TempDir, campaign};

// ---------------------------------------------------------------------------
// The example

#[test]
fn the_commission_rate_is_set_by_the_main_category_ties_to_the_first_listed() {
    // Rates: 服饰 5 %, 家居 3.5 %, 数码 2 %, others 4 %; 数码 with net sales ≥ 100,000: − 0.5 pp.
    // Orders count when not cancelled and paid 2025-01-01 00:00 through 2025-03-31 24:00.
    #[allow(clippy::too_many_arguments)]
    fn row(
        id: &str,
        liable: bool,
        fee: &str,
        main: Value,
        main_sales: &str,
        busiest: Value,
        monthly: [Value; 3],
        net: &str,
        rate: &str,
    ) -> Value {
        let [jan, feb, mar] = monthly;
        json!({
            "id": id,
            "liable": liable,
            "fees": {"commission": cny(fee)},
            "values": {
                "main_category": main,
                "main_category_sales": cny(main_sales),
                "busiest_category": busiest,
                "monthly_main_category": {"by_period": {"2025-01": jan, "2025-02": feb, "2025-03": mar}},
                "net_sales": cny(net),
                "commission_rate": rate,
            },
        })
    }
    let none = Value::Null;
    expect(
        "marketplace-main-category-commission",
        &[],
        &[
            // 服饰 1,000 + (800 − 100) = 1,700; 数码 1,500; the cancelled 家居 3,000 takes no part.
            // Main 服饰 at 5 %: (1,000 + 1,500 + 700) × 5 % = 3,200 × 5 % = 160.00. Most orders:
            // 服饰 (2). January: 数码 1,500 > 服饰 1,000; February: 服饰 700; March: only the
            // cancelled order, no group.
            row(
                "fashion-main",
                true,
                "160.00",
                json!("服饰"),
                "1700.00",
                json!("服饰"),
                [json!("数码"), json!("服饰"), none.clone()],
                "3200.00",
                "0.05",
            ),
            // 数码 300 = 服饰 200 + (150 − 50): a tie, to 数码, listed first. 600 × 2 % = 12.00.
            // By count 服饰 (2) beats 数码 (1). January 数码 300 > 服饰 200.
            row(
                "tie-goes-to-first-listed",
                true,
                "12.00",
                json!("数码"),
                "300.00",
                json!("服饰"),
                [json!("数码"), json!("服饰"), none.clone()],
                "600.00",
                "0.02",
            ),
            // C4 (04-01 00:00, 服饰 200,000) is after the quarter. 数码 99,000 + 1,000 (03-31
            // 23:59:59, inside) = 100,000 > 家居 500. Net 100,500 ≥ 100,000: 2 % − 0.5 pp = 1.5 %,
            // 100,500 × 1.5 % = 1,507.50. Most orders: 数码 (2).
            row(
                "electronics-over-100k",
                true,
                "1507.50",
                json!("数码"),
                "100000.00",
                json!("数码"),
                [none.clone(), json!("数码"), json!("数码")],
                "100500.00",
                "0.015",
            ),
            // 美妆 refunded beyond its payment: max(200 − 250, 0) = 0; 食品 12.34 is the top, an
            // "other" category at 4 %: 12.34 × 4 % = 0.4936 → 0.49. By count, 美妆 1 = 食品 1:
            // the tie goes to the higher net sales, 食品 12.34 > 美妆 0, though 美妆 is listed first.
            row(
                "refund-beyond-payment",
                true,
                "0.49",
                json!("食品"),
                "12.34",
                json!("食品"),
                [none.clone(), none.clone(), json!("食品")],
                "12.34",
                "0.04",
            ),
            // Only a cancelled order: no group, no main category (the rate falls to "无", other:
            // 4 %), net 0: not liable, fee 0.
            json!({
                "id": "only-cancelled",
                "liable": false,
                "fees": {"commission": cny("0.00")},
                "values": {
                    "main_category": null,
                    "main_category_sales": cny("0"),
                    "busiest_category": null,
                    "monthly_main_category": {"by_period": {"2025-01": null, "2025-02": null, "2025-03": null}},
                    "net_sales": cny("0"),
                    "commission_rate": "0.04",
                },
                "reasons": ["季度内没有有效净销售额的商家不收取佣金"],
            }),
            // 家居 was paid 2024-12-31 23:59:59, before the quarter; 服饰 100 − 100 = 0 is a group
            // of total 0, and the only one: the main category is 服饰 (5 %). Net 0: not liable.
            row(
                "all-refunded",
                false,
                "0.00",
                json!("服饰"),
                "0.00",
                json!("服饰"),
                [json!("服饰"), none.clone(), none.clone()],
                "0.00",
                "0.05",
            ),
            // 家居 100.00 and 服饰 120.00 − 20.00 = 100.00, one order each, both in February: a tie
            // on net sales (to 家居, listed first: 3.5 %, 200.00 × 3.5 % = 7.00) and on count, then
            // on net sales again (100.00 = 100.00): still to 家居, listed first.
            row(
                "count-tie-net-tie",
                true,
                "7.00",
                json!("家居"),
                "100.00",
                json!("家居"),
                [none.clone(), json!("家居"), none],
                "200.00",
                "0.035",
            ),
        ],
    );
}

#[test]
fn the_explanation_lists_each_group_total_and_marks_the_top_one() {
    let run = campaign(&[
        "explain",
        "policies/examples/marketplace-main-category-commission.campaign",
        "--facts",
        "policies/examples/marketplace-main-category-commission.ndjson",
        "--id",
        "tie-goes-to-first-listed",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "main_category = \"数码\"",
        "totals: \"数码\" = 300.00 CNY (top); \"服饰\" = 300.00 CNY",
        "totals: \"数码\" = 1, then 300.00 CNY; \"服饰\" = 2, then 300.00 CNY (top)",
        "monthly_main_category[2025-02] = \"服饰\"",
        "totals: \"服饰\" = 100.00 CNY (top)",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    let run = campaign(&[
        "explain",
        "policies/examples/marketplace-main-category-commission.campaign",
        "--facts",
        "policies/examples/marketplace-main-category-commission.ndjson",
        "--id",
        "fashion-main",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let explained: Value = serde_json::from_str(&run.stdout).unwrap();
    let first = explained.as_array().map_or(&explained, |a| &a[0]);
    let values = first["explanation"]["values"].as_array().unwrap();
    let main = values.iter().find(|v| v["name"] == "main_category").unwrap();
    assert_eq!(
        main["groups"],
        json!(["\"服饰\" = 1,700.00 CNY (top)", "\"数码\" = 1,500.00 CNY"]),
        "{}",
        run.stdout
    );
    // A value that groups nothing has no `groups` in its explanation.
    let net = values.iter().find(|v| v["name"] == "net_sales").unwrap();
    assert!(net.get("groups").is_none(), "{}", run.stdout);
}

// ---------------------------------------------------------------------------
// The rules, on small campaigns

/// Evaluates `policy` on NDJSON `facts` (in a directory of its own, `name`); the results in
/// input order.
fn run(name: &str, policy: &str, facts: &str) -> Vec<Value> {
    let dir = TempDir::new("groups", name);
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
fn negative_totals_days_and_counts_as_keys_and_groups_across_a_nested_path() {
    let policy = r#"campaign "rules" {
  timezone Asia/Shanghai

  facts {
    shops: list of {
      shop_id: text
      items: list of {
        sku: text
        level: count
        at: timestamp
        margin: money CNY
      }
    }
  }

  # every shop's items together
  value best_sku = top sku of shops.items by sum of margin
  value best_day = top start_of_day(at) of shops.items by sum of margin
  value most_common_level = top level of shops.items by count where margin > -100 CNY
  value level_band = band of (most_common_level if unknown 0) {
    .. 2 -> "low"
    2 .. -> "high"
  }
  # each shop's own items
  let shop_best of shops = top sku of items by sum of margin
  value shops_led_by_a1 = count of shops where (shop_best = "a1" if unknown false)
}"#;
    let facts = concat!(
        r#"{"id": "r1", "shops": [{"shop_id": "s1", "items": ["#,
        r#"{"sku": "a1", "level": 1, "at": "2025-01-01T23:00:00+08:00", "margin": "-5.00"}, "#,
        r#"{"sku": "b2", "level": 2, "at": "2025-01-02T01:00:00+08:00", "margin": "-3.00"}]}, "#,
        r#"{"shop_id": "s2", "items": ["#,
        r#"{"sku": "a1", "level": 2, "at": "2025-01-02T09:00:00+08:00", "margin": "1.50"}, "#,
        r#"{"sku": "c3", "level": 2, "at": "2025-01-01T08:00:00+08:00", "margin": "-200.00"}]}]}"#,
        "\n",
        r#"{"id": "r2", "shops": [{"shop_id": "s1", "items": ["#,
        r#"{"sku": "z9", "level": 3, "at": "2025-01-05T10:00:00+08:00", "margin": "-1.00"}, "#,
        r#"{"sku": "y8", "level": 3, "at": "2025-01-05T11:00:00+08:00", "margin": "-0.50"}]}, "#,
        r#"{"shop_id": "s2", "items": []}]}"#,
        "\n",
    );
    let results = run("rules", policy, facts);
    let values: Vec<&Value> = results.iter().map(|r| &r["values"]).collect();
    // r1, across both shops: a1 −5.00 + 1.50 = −3.50, b2 −3.00, c3 −200.00: b2, the least
    // negative. Days (Shanghai): 01-01 −5.00 − 200.00 = −205.00, 01-02 −3.00 + 1.50 = −1.50:
    // 01-02. Levels of items with margin > −100: 1 (one), 2 (b2, a1 of s2: two): 2, "high".
    // Per shop: s1 a1 −5.00 < b2 −3.00: b2; s2 a1 1.50 > c3: a1. One shop led by a1.
    assert_eq!(
        values[0],
        &json!({
            "best_sku": "b2",
            "best_day": "2025-01-02T00:00:00+08:00",
            "most_common_level": 2,
            "level_band": "high",
            "shops_led_by_a1": 1,
        })
    );
    // r2: z9 −1.00 < y8 −0.50: y8; one day; level 3 twice; s2 has no items: no top (unknown,
    // not counted); s1's top is y8.
    assert_eq!(
        values[1],
        &json!({
            "best_sku": "y8",
            "best_day": "2025-01-05T00:00:00+08:00",
            "most_common_level": 3,
            "level_band": "high",
            "shops_led_by_a1": 0,
        })
    );
}

#[test]
fn ties_are_broken_by_the_then_bys_in_turn_then_by_the_list_order() {
    let policy = r#"campaign "ties" {
  timezone Asia/Shanghai

  facts {
    orders: list of {
      seller: text
      level: count
      net: money CNY
      refunded: money CNY
    }
  }

  value fewest_refunds = top seller of orders by sum of net, then by sum of refunded ascending
  value highest_seller = top seller of orders by sum of net, then by seller descending
  value lowest_seller = top seller of orders by sum of net, then by seller ascending
  value lowest_level = top level of orders by count, then by level ascending
  value highest_level = top level of orders by count, then by count, then by level descending
}"#;
    let facts = concat!(
        r#"{"id": "r1", "orders": ["#,
        r#"{"seller": "b", "level": 3, "net": "-10.00", "refunded": "4.00"}, "#,
        r#"{"seller": "B", "level": 1, "net": "-4.00", "refunded": "1.00"}, "#,
        r#"{"seller": "B", "level": 1, "net": "-6.00", "refunded": "2.00"}, "#,
        r#"{"seller": "家", "level": 3, "net": "-10.00", "refunded": "3.00"}, "#,
        r#"{"seller": "a", "level": 2, "net": "-50.00", "refunded": "0.00"}]}"#,
        "
",
        r#"{"id": "r2", "orders": []}"#,
        "
",
    );
    let results = run("ties", policy, facts);
    // r1, by net: b −10.00, B −4.00 − 6.00 = −10.00, 家 −10.00, a −50.00: b, B and 家 tie at
    // −10.00. Refunds: b 4.00, B 1.00 + 2.00 = 3.00, 家 3.00: ascending, B and 家 tie at 3.00,
    // then the list order: B. By the seller, in code points "B" (U+0042) < "b" (U+0062) <
    // "家" (U+5BB6): descending 家, ascending B. Levels by count: 3 twice (b, 家), 1 twice (the
    // two B orders), 2 once: 1 and 3 tie; ascending 1; the second `then by count` ties again,
    // then descending 3.
    assert_eq!(
        results[0]["values"],
        json!({
            "fewest_refunds": "B",
            "highest_seller": "家",
            "lowest_seller": "B",
            "lowest_level": 1,
            "highest_level": 3,
        })
    );
    // r2: no orders, no group, whatever the tie-breaks.
    assert_eq!(
        results[1]["values"],
        json!({
            "fewest_refunds": null,
            "highest_seller": null,
            "lowest_seller": null,
            "lowest_level": null,
            "highest_level": null,
        })
    );
}

/// `fmt` lays out a `top` with tie-breaks wherever they were written (a span of its own per
/// tie-break, which the meaning check must not compare), and converts it to Chinese and back.
#[test]
fn tie_breaks_are_formatted_and_converted_to_chinese_and_back() {
    let dir = TempDir::new("groups", "fmt-ties");
    let path = dir.join("c.campaign");
    let written = "campaign \"t\" {\n  timezone Asia/Shanghai\n  facts { orders: list of { category: text, net: money CNY } }\n  value main_category = top category of orders by sum of net ,  then by count,then by category   ascending\n}\n";
    std::fs::write(&path, written).unwrap();
    let run = campaign(&["fmt", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let formatted = std::fs::read_to_string(&path).unwrap();
    assert!(
        formatted.contains(
            "  value main_category = top category of orders by sum of net, then by count, then by category ascending\n"
        ),
        "{formatted}"
    );
    let run = campaign(&["fmt", "--keywords", "zh", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let chinese = std::fs::read_to_string(&path).unwrap();
    assert!(
        chinese
            .contains("值 main_category = 最高 category 于 orders 按 求和 于 net, 则 按 计数, 则 按 category 升序\n"),
        "{chinese}"
    );
    let run = campaign(&["fmt", "--keywords", "en", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), formatted);
}

#[test]
fn check_refuses_keys_that_name_no_group_and_unknowns_it_would_not_know_how_to_group() {
    let base = |line: &str| {
        format!(
            "campaign \"c\" {{\n  timezone Asia/Shanghai\n  facts {{ orders: list of {{ category: text, \
             optional_category: text, optional, paid: money CNY, refund: money CNY, optional, \
             late: duration }}, gmv: money CNY }}\n  {line}\n}}\n"
        )
    };
    let refused = [
        ("value v = top paid of orders by count", "check::group_key_wrong_kind"),
        ("value v = top late of orders by count", "check::group_key_wrong_kind"),
        (
            "value v = top optional_category of orders by count",
            "check::unknown_not_handled",
        ),
        (
            "value v = top category of orders by sum of refund",
            "check::unknown_not_handled",
        ),
        (
            "value v = top category of orders by sum of late",
            "check::type_mismatch",
        ),
        ("value v = top category of orders.paid by count", "check::type_mismatch"),
        ("value v = top category of gmv by count", "check::aggregate_of_non_list"),
        (
            "value v = top category of orders by count, then by sum of refund",
            "check::unknown_not_handled",
        ),
        (
            "value v = top category of orders by count, then by sum of late",
            "check::type_mismatch",
        ),
        (
            "value v = top category of orders by count, then by paid descending",
            "check::top_tie_break",
        ),
        (
            "value v = top category of orders by count, then by category",
            "check::top_tie_break",
        ),
    ];
    for (line, code) in refused {
        assert_reports(&base(line), code, Severity::Error);
    }
    // Said what unknown means, each is accepted; the value itself can be unknown (no item), so
    // a condition on it says what unknown means.
    for line in [
        "value v = top optional_category of orders by count where optional_category is known",
        "value v = top category of orders by sum of (refund if unknown 0 CNY)",
        "value v = top category of orders by sum of refund where refund is known",
        "value v = (top category of orders by count) = \"x\" if unknown false",
        "value v = top category of orders by count where refund is known, then by sum of refund",
        "value v = top category of orders by count, then by sum of paid ascending, then by category descending",
    ] {
        super::examples::assert_no_errors(&base(line));
    }
    assert_reports(
        &base("value t = top category of orders by count\n  value v = count of orders where category = t"),
        "check::unknown_not_handled",
        Severity::Error,
    );
}
