//! Per-item fields (`let NAME of LIST = ...`) used where other items are in scope: each field
//! reads its item's facts, whichever walk reaches it (issue 14, item 5). Expected values are
//! worked out by hand in comments.

use serde_json::Value;

use crate::harness::{TempDir, campaign as run};

/// Evaluates a campaign body (facts and definitions) against one record; the record's values.
fn values(name: &str, body: &str, record: &str) -> Value {
    let dir = TempDir::new("per-item", name);
    let c = dir.path().join("c.campaign");
    let f = dir.path().join("f.ndjson");
    std::fs::write(
        &c,
        format!("campaign \"{name}\" {{\n  timezone Asia/Shanghai\n{body}\n}}\n"),
    )
    .unwrap();
    std::fs::write(&f, format!("{record}\n")).unwrap();
    let r = run(&["evaluate", c.to_str().unwrap(), "--facts", f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let out: Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    out["values"].clone()
}

fn num(v: &Value) -> rust_decimal::Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.to_string().parse().unwrap(),
        Value::Object(o) => num(&o["amount"]),
        other => panic!("not a number: {other}"),
    }
}

#[test]
fn a_field_of_another_list_reads_its_own_item() {
    // p of u's only item is its `a`, 2, not `k` of the `t` item the sum is computed for (1).
    let v = values(
        "other-list",
        "facts { t: list of { k: count }, u: list of { a: decimal, b: decimal } }
         let p of u = a
         let s of t = sum of u.p
         value total = sum of t.s",
        r#"{"id":"r","t":[{"k":1}],"u":[{"a":"2","b":"3"}]}"#,
    );
    assert_eq!(num(&v["total"]), 2.into());
}

#[test]
fn a_field_of_another_list_with_two_facts_is_computed() {
    // p = 2 × 3 = 6 (was an internal error: `b` looked up in `t`'s item, which has one field).
    let v = values(
        "other-list-product",
        "facts { t: list of { k: count }, u: list of { a: decimal, b: decimal } }
         let p of u = a × b
         let s of t = sum of u.p
         value total = sum of t.s",
        r#"{"id":"r","t":[{"k":1}],"u":[{"a":"2","b":"3"}]}"#,
    );
    assert_eq!(num(&v["total"]), 6.into());
}

#[test]
fn a_field_of_the_same_list_walked_again_reads_each_item() {
    // twice: 2, 4, 6; s of each item = 12; total = 3 × 12 = 36 (was 18: each item's own n twice, 3 times).
    let v = values(
        "same-list",
        "facts { t: list of { n: count } }
         let twice of t = n × 2
         let s of t = sum of t.twice
         value total = sum of t.s",
        r#"{"id":"r","t":[{"n":1},{"n":2},{"n":3}]}"#,
    );
    assert_eq!(num(&v["total"]), 36.into());
}

#[test]
fn a_field_in_the_filter_of_another_lists_field_reads_its_own_item() {
    // x: 5 (counted); y: 7 counted, 9 not. The largest category total is 7 (was an internal
    // error: `counted` read `ok` from the category).
    let v = values(
        "filter",
        "facts { categories: list of { name: text }
                 orders: list of { category: text, amount: money CNY, ok: bool } }
         let counted of orders = ok
         let category_sales of categories = sum of orders.amount where counted and category = name
         value top_sales = max of categories.category_sales",
        r#"{"id":"r","categories":[{"name":"x"},{"name":"y"}],"orders":[{"category":"x","amount":"5","ok":true},{"category":"y","amount":"7","ok":true},{"category":"y","amount":"9","ok":false}]}"#,
    );
    assert_eq!(num(&v["top_sales"]), 7.into());
}

#[test]
fn a_field_of_a_nested_list_used_from_another_list_reads_its_own_items() {
    // `counted` of an order uses `bonus` of its shop (the item it is nested in): shop a's
    // orders 10 + 20 with bonus 1 → 11 + 21 = 32; shop b's order 5 with bonus 100 → 105.
    // Each of the two `q` items sums all of them: 137 × 2 = 274.
    let v = values(
        "nested",
        "facts { shops: list of { bonus: decimal, orders: list of { amount: decimal } }
                 q: list of { amount: decimal } }
         let with_bonus of shops.orders = amount + bonus
         let s of q = sum of shops.orders.with_bonus
         value total = sum of q.s",
        r#"{"id":"r","shops":[{"bonus":"1","orders":[{"amount":"10"},{"amount":"20"}]},{"bonus":"100","orders":[{"amount":"5"}]}],"q":[{"amount":"1000"},{"amount":"2000"}]}"#,
    );
    assert_eq!(num(&v["total"]), 274.into());
}

#[test]
fn a_field_in_a_per_period_definition_reads_its_own_item() {
    // Day 1: orders 3 (ok) and 4 (not ok) → 3; day 2: 10 (ok) → 10. `mine` of a store is the
    // ok amount on its day; total over stores 13.
    let v = values(
        "periods",
        "periods days = days 2024-01-01 through 2024-01-02
         facts { stores: list of { day: timestamp }
                 orders: list of { at: timestamp, amount: decimal, ok: bool } }
         let counted of orders = ok
         let daily per d in days = sum of orders.amount where counted and at in d
         let mine of stores = sum of orders.amount where counted and at in start_of_day(day) .. add_days(start_of_day(day), 1)
         value total = sum of stores.mine
         value by_day = sum of daily",
        r#"{"id":"r","stores":[{"day":"2024-01-01T12:00:00+08:00"},{"day":"2024-01-02T12:00:00+08:00"}],"orders":[{"at":"2024-01-01T10:00:00+08:00","amount":"3","ok":true},{"at":"2024-01-01T11:00:00+08:00","amount":"4","ok":false},{"at":"2024-01-02T10:00:00+08:00","amount":"10","ok":true}]}"#,
    );
    assert_eq!(num(&v["total"]), 13.into());
    assert_eq!(num(&v["by_day"]), 13.into());
}

#[test]
fn a_list_definition_means_what_it_means_where_it_is_written() {
    // `small` is written at the top: `limit` is the record's (2), so one item (n = 1) is small,
    // even counted inside `other`'s items, which have a `limit` of their own (10). Was 3.
    let v = values(
        "list-definition",
        "facts { limit: count, items: list of { n: count }, other: list of { limit: count } }
         let small = items where n < limit
         let c of other = count of small
         value total = sum of other.c",
        r#"{"id":"r","limit":2,"items":[{"n":1},{"n":2},{"n":3}],"other":[{"limit":10}]}"#,
    );
    assert_eq!(num(&v["total"]), 1.into());
}
