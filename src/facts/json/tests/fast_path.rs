//! The fast path (`fast.rs`) against `serde`: plain records take it and read the same,
//! unusual ones are left to `serde`. Separate from the reading tests as it compares two
//! readers rather than checking one.

use super::*;

/// What `serde` reads from `text`, when it reads a record, as text (the
/// `Debug` form shows a decimal's scale and sign).
fn serde_read(plan: &Plan<'_>, text: &str) -> Option<String> {
    read_record(plan, text).ok().map(|r| format!("{r:?}"))
}

fn fast_read(plan: &Plan<'_>, text: &str) -> Option<String> {
    fast::read(plan, text).map(|r| format!("{r:?}"))
}

#[test]
fn plain_records_take_the_fast_path() {
    let schema = schema();
    let plan = Plan::new(&schema, &ReadOptions::default());
    for line in [
        r#"{"id":"r1","store_score":4.5,"gmv":"100.00"}"#,
        r#" { "id" : "r1" , "store_score" : "4.5" , "gmv" : 100 } "#,
        r#"{"id":"r1","store_score":4.5,"gmv":"100.00","refund_rate":"2.5%","orders":30,"open_at":"2024-08-22T10:00:00+08:00","tier":"silver","active":true,"name":" Shop 学 ","wait":"30 days","points":12.30,"extra":[1,{"a":[2,"x",null,-1.5e3]}],"more":{}}"#,
        r#"{"mini_programs":[{"name":"a","orders":[{"amount":"1.50","at":"2024-08-22T02:00:00.250Z"},{"amount":2,"at":null}]},{"orders":[],"name":"b"}],"gmv":"-0.00","store_score":"-0","id":"r1"}"#,
        r#"{"id":"r1","store_score":18446744073709551615,"gmv":-9223372036854775808,"points":-0,"refund_rate":null}"#,
    ] {
        let fast = fast_read(&plan, line);
        assert!(fast.is_some(), "{line}");
        assert_eq!(fast, serde_read(&plan, line), "{line}");
    }
}

#[test]
fn unusual_records_are_left_to_serde() {
    let schema = schema();
    let plan = Plan::new(&schema, &ReadOptions::default());
    for line in [
        r#"{"id":"r\u0031","store_score":4.5,"gmv":"100.00"}"#,
        r#"{"id":"r1","store_score":4.5,"gmv":"100.00","x":"\"","x2":1}"#,
        r#"{"$serde_json::private::Number":"1","id":"r1","store_score":4.5,"gmv":"100.00"}"#,
        r#"{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"id":"r1","store_score":4.5,"gmv":"1"}"#,
        &format!(
            r#"{{"id":"r1","store_score":4.5,"gmv":"1","x":{}{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        ),
    ] {
        assert_eq!(fast_read(&plan, line), None, "{line}");
        assert!(serde_read(&plan, line).is_some(), "{line}");
    }
}

mod differential {
    use super::*;
    use proptest::prelude::*;

    fn ws() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", "", " ", "\t", "\r", "  \n"])
    }

    fn scalar() -> BoxedStrategy<String> {
        prop::sample::select(vec![
            r#""4.5""#,
            r#""100.00""#,
            r#""12,000""#,
            r#""""#,
            r#""2.5%""#,
            r#""%""#,
            r#""-0""#,
            r#""-0.00""#,
            r#""1e3""#,
            r#""r1""#,
            r#""2024-08-22T10:00:00+08:00""#,
            r#""2024-08-22T02:00:00.250Z""#,
            r#""2024-08-22 10:00""#,
            r#""2024-02-30T10:00:00Z""#,
            r#""2024-08-22T10:00:00""#,
            r#""2024-08-22t10:00:00z""#,
            r#""gold""#,
            r#""silver""#,
            r#""Gold""#,
            r#""30 days""#,
            r#""3600""#,
            r#"" Shop ""#,
            r#""学习/读书卡 ""#,
            r#""a\"b""#,
            r#""\u0041""#,
            "\"\u{1}\"",
            "\"é\\n\"",
            "0",
            "-0",
            "12",
            "-3",
            "1.5",
            "12.30",
            "-1.5",
            "1e3",
            "1E-3",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999999999999",
            "00",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1.5x",
            "true",
            "false",
            "null",
            "nul",
            "tru",
            "[]",
            "[1,2]",
            "[1,]",
            "{}",
            r#"{"a":[{"b":null}],"c":"d"}"#,
            r#"{"$serde_json::private::Number":"4.5"}"#,
            "[[[[]]]]",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"["\u0041",{"\"":[]}]"#,
            "[{]}",
        ])
        .prop_map(String::from)
        .boxed()
    }

    /// Values that mostly fit the fact `key` of `schema()`.
    fn typed(key: &str) -> &'static [&'static str] {
        match key {
            "id" => &[r#""r1""#, r#""""#, r#""学""#],
            "store_score" | "gmv" | "points" | "amount" => &[
                r#""4.5""#,
                "12.30",
                r#""100.00""#,
                "-0",
                r#""-0.00""#,
                "0",
                "18446744073709551615",
                "-3",
                r#""1""#,
                "-1.5",
                "1e2",
            ],
            "refund_rate" => &[r#""2.5%""#, "0.02", r#""0.02""#, "null", "1"],
            "orders" => &["30", r#""30""#, "0", "null"],
            "open_at" | "at" => &[
                r#""2024-08-22T10:00:00+08:00""#,
                r#""2024-08-22T02:00:00.250Z""#,
                r#""2024-08-22t10:00:00z""#,
                r#""2024-08-22 10:00:00+08:00""#,
                r#""2016-12-31T23:59:60Z""#,
                r#""2024-08-22T10:00:00.1234567891-01:30""#,
                "null",
            ],
            "tier" => &[r#""gold""#, r#""silver""#, "null"],
            "active" => &["true", "false", "null"],
            "name" => &[
                r#""x""#,
                r#"" Shop ""#,
                r#""学习/读书卡 ""#,
                r#""""#,
                r#""a name longer than twenty-four bytes""#,
                "null",
            ],
            "wait" => &["3600", r#""30 days""#, r#""1 hour""#, "null", "60"],
            _ => &[],
        }
    }

    /// A JSON object of entries drawn from `keys`: values that mostly fit
    /// (see `typed`), else drawn from `value`.
    fn object(keys: Vec<&'static str>, value: BoxedStrategy<String>, max: usize) -> BoxedStrategy<String> {
        let entry = (
            prop::sample::select(keys),
            value,
            any::<prop::sample::Index>(),
            prop::bool::weighted(0.85),
            ws(),
            ws(),
        )
            .prop_map(|(k, v, i, fit, a, b)| {
                let pool = typed(k);
                let v = if fit && !pool.is_empty() {
                    pool[i.index(pool.len())].to_string()
                } else {
                    v
                };
                format!("{a}\"{k}\"{b}:{a}{v}{b}")
            });
        (prop::collection::vec(entry, 0..max), ws())
            .prop_map(|(entries, end)| format!("{{{}{end}}}", entries.join(",")))
            .boxed()
    }

    fn list(item: BoxedStrategy<String>) -> BoxedStrategy<String> {
        (prop::collection::vec(item, 0..4), ws())
            .prop_map(|(items, w)| format!("[{w}{}{w}]", items.join(&format!("{w},"))))
            .boxed()
    }

    fn line() -> BoxedStrategy<String> {
        let order = object(vec!["amount", "at", "amount", "at", "x", "id"], scalar(), 4);
        let orders = prop_oneof![6 => list(order), 1 => scalar()].boxed();
        let mini = object(
            vec!["name", "orders", "name", "orders", "x", "$serde_json::private::Number"],
            prop_oneof![1 => scalar(), 4 => orders].boxed(),
            4,
        );
        let minis = prop_oneof![6 => list(mini), 1 => scalar()].boxed();
        let keys = vec![
            "id",
            "store_score",
            "gmv",
            "refund_rate",
            "orders",
            "open_at",
            "tier",
            "active",
            "name",
            "wait",
            "points",
            "mini_programs",
            "mini_programs",
            "mini_programs",
            "extra",
            "extra2",
            "$serde_json::private::Number",
        ];
        let top = object(keys, prop_oneof![2 => scalar(), 3 => minis].boxed(), 8);
        (
            top,
            prop::bool::weighted(0.7),
            prop::bool::weighted(0.2),
            any::<prop::sample::Index>(),
            ".",
        )
            .prop_map(|(top, plain, mutate, at, junk)| {
                // Mostly records with their required facts, so that many are read.
                let mut text = if plain {
                    let rest = top.trim_start().strip_prefix('{').unwrap_or(&top).to_string();
                    let sep = if rest.trim_start().starts_with('}') { "" } else { "," };
                    format!(r#"{{"id":"r1","store_score":"4.5","gmv":"1"{sep}{rest}"#)
                } else {
                    top
                };
                if mutate {
                    let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
                    let i = cuts[at.index(cuts.len())];
                    text.insert_str(i, &junk);
                }
                text
            })
            .boxed()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whenever the fast path reads a line, `serde` reads it too,
        /// to the same id and values.
        #[test]
        fn fast_path_reads_as_serde_does(text in line()) {
            let schema = schema();
            let plan = Plan::new(&schema, &ReadOptions::default());
            if let Some(fast) = fast_read(&plan, &text) {
                prop_assert_eq!(Some(fast), serde_read(&plan, &text), "{}", text);
            }
        }
    }
}
