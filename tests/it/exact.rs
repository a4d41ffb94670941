//! Exact arithmetic end to end (issue 14, item 3): quotients stay exact until a declared
//! rounding, a value without a finite decimal form is shown to 28 significant digits, and a
//! result a number cannot hold fails its record instead of being rounded. Each test fails on
//! the evaluator that rounded every quotient to 28 digits.

use serde_json::Value as Json;

use crate::harness::{TempDir, campaign};

/// The results (one JSON object per record) of `campaign evaluate` on a campaign and NDJSON.
fn evaluate(name: &str, text: &str, facts: &str) -> Vec<Json> {
    let dir = TempDir::new("exact", name);
    let policy = dir.join("c.campaign");
    let data = dir.join("f.ndjson");
    std::fs::write(&policy, text).unwrap();
    std::fs::write(&data, facts).unwrap();
    let run = campaign(&[
        "evaluate",
        policy.to_str().unwrap(),
        "--facts",
        data.to_str().unwrap(),
        "--format",
        "ndjson",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn amount(result: &Json, kind: &str, name: &str) -> String {
    let v = &result[kind][name];
    v.get("amount")
        .unwrap_or(v)
        .as_str()
        .unwrap_or_else(|| panic!("{result}"))
        .to_string()
}

#[test]
fn a_quotient_in_brackets_pays_what_the_product_pays() {
    let text = r#"campaign "discount" {
  timezone Asia/Shanghai
  facts {
    turnover: decimal
    discount: decimal
  }
  value share = 1000000 CNY ÷ turnover
  value grouped = discount × (1000000 CNY ÷ turnover)
  reward grouped_pay = discount × (1000000 CNY ÷ turnover) if unknown 0, rounded half up to 0.01
  reward product_pay = discount × 1000000 CNY ÷ turnover if unknown 0, rounded half up to 0.01
}"#;
    let results = evaluate(
        "brackets",
        text,
        "{\"id\":\"a\",\"turnover\":\"3000000\",\"discount\":\"300.015\"}\n",
    );
    let r = &results[0];
    // Exactly 100.005, rounded half up: 100.01 both ways (it paid 100.00 with the brackets).
    assert_eq!(amount(r, "rewards", "grouped_pay"), "100.01");
    assert_eq!(amount(r, "rewards", "product_pay"), "100.01");
    assert_eq!(amount(r, "values", "grouped"), "100.005");
    // A value with no finite decimal form: 28 significant digits, half to even.
    assert_eq!(amount(r, "values", "share"), "0.3333333333333333333333333333");
}

#[test]
fn quotients_are_exact_through_arithmetic_comparisons_and_tables() {
    let text = r#"campaign "ratios" {
  timezone Asia/Shanghai
  facts {
    x: decimal
    xs: list of { v: decimal }
  }
  value seventh = 1000000 ÷ 7
  value back = x ÷ 3 × 3
  value folded = 1 ÷ 3 × 3
  value average_times_three = (average of xs.v) × 3
  value tier = band of (x ÷ 3) {
    .. 0.6666666666666666666666666667 -> "below"
    0.6666666666666666666666666667 .. -> "above"
  }
  value least_times_three = min(x ÷ 3, 0.6666666666666666666666666667) × 3
  let third = x ÷ 3, rounded half up to 0.01
  value rounded_third = third
}"#;
    let results = evaluate(
        "arithmetic",
        text,
        "{\"id\":\"a\",\"x\":\"2\",\"xs\":[{\"v\":\"1\"},{\"v\":\"1\"},{\"v\":\"2\"}]}\n",
    );
    let r = &results[0];
    assert_eq!(amount(r, "values", "seventh"), "142857.1428571428571428571429");
    assert_eq!(amount(r, "values", "back"), "2");
    assert_eq!(amount(r, "values", "folded"), "1");
    assert_eq!(amount(r, "values", "average_times_three"), "4");
    // 2 ÷ 3 is below 0.666…7, its 28 digits rounded up.
    assert_eq!(r["values"]["tier"], "below", "{r}");
    assert_eq!(amount(r, "values", "least_times_three"), "2");
    assert_eq!(amount(r, "values", "rounded_third"), "0.67");
}

#[test]
fn a_result_a_number_cannot_hold_fails_its_record_and_only_it() {
    let text = r#"campaign "limits" {
  timezone Asia/Shanghai
  facts {
    x: decimal
    rate: decimal
  }
  value half = x × 0.5
  value squared = rate × rate
}"#;
    let results = evaluate(
        "limits",
        text,
        concat!(
            "{\"id\":\"big\",\"x\":\"79228162514264337593543950335\",\"rate\":\"0.5\"}\n",
            "{\"id\":\"tiny\",\"x\":\"1\",\"rate\":\"0.0000000000000000000000000001\"}\n",
            "{\"id\":\"fine\",\"x\":\"79228162514264337593543950334\",\"rate\":\"0.01\"}\n",
        ),
    );
    // rust_decimal rounds the first product to 39614081257132168796771975168 without a word.
    assert_eq!(results[0]["id"], "big");
    assert_eq!(
        results[0]["error"],
        "the exact result of `79228162514264337593543950335 × 0.5` cannot be held: its digits would \
         exceed 79228162514264337593543950335 in `half`"
    );
    // 1e-28 squared is not zero.
    assert_eq!(
        results[1]["error"],
        "the exact result of `0.0000000000000000000000000001 × 0.0000000000000000000000000001` cannot \
         be held: it would need more than 28 decimal places in `squared`"
    );
    assert_eq!(amount(&results[2], "values", "half"), "39614081257132168796771975167");
    assert_eq!(amount(&results[2], "values", "squared"), "0.0001");
}

#[test]
fn a_claim_a_budget_cannot_take_exactly_fails_its_record() {
    // 79228162514264337593543950335 - 0.01 has 31 digits: the budget left was rounded back to
    // the whole budget, as if the claim had cost nothing.
    let text = r#"campaign "budget" {
  timezone Asia/Shanghai
  facts {
    paid: money CNY
    applied_at: timestamp
  }
  reward cash = paid, rounded down,
    budget 79228162514264337593543950335 CNY in total, first come first served by applied_at
}"#;
    let results = evaluate(
        "budget",
        text,
        concat!(
            "{\"id\":\"a\",\"paid\":\"0.01\",\"applied_at\":\"2024-01-01T00:00:00+08:00\"}\n",
            "{\"id\":\"b\",\"paid\":\"5\",\"applied_at\":\"2024-01-02T00:00:00+08:00\"}\n",
        ),
    );
    assert_eq!(
        results[0]["error"],
        "the exact result of `79228162514264337593543950335 - 0.01` cannot be held: its digits would \
         exceed 79228162514264337593543950335 in the reward `cash`"
    );
    assert_eq!(amount(&results[1], "rewards", "cash"), "5.00");
}

// ---------------------------------------------------------------------------
// The evaluator against an exact-rational model: random campaigns of +, -, ×, ÷ and rounding
// over facts and literals, checked and evaluated as `campaign evaluate` does. Each value shown
// is the model's exact value (a finite decimal, to the digit), or the model's value to 28
// significant digits half to even (no finite decimal form), or unknown where the model divides
// by zero, or the record fails where one of the model's intermediate values is outside what a
// number holds (docs/language.md, "Exact numbers, rounding and limits").

mod model {
    use num_bigint::BigInt;
    use num_integer::Integer;
    use num_traits::{One, Signed, Zero};
    use rust_decimal::Decimal;

    fn pow(base: u32, n: u32) -> BigInt {
        num_traits::pow(BigInt::from(base), n as usize)
    }

    /// A fraction in lowest terms, `q > 0`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Q(pub BigInt, pub BigInt);

    impl Q {
        pub fn new(p: BigInt, q: BigInt) -> Q {
            let (p, q) = if q.is_negative() { (-p, -q) } else { (p, q) };
            let g = p.gcd(&q);
            if g.is_zero() { Q(p, q) } else { Q(p / &g, q / g) }
        }

        pub fn of(d: Decimal) -> Q {
            Q::new(BigInt::from(d.mantissa()), pow(10, d.scale()))
        }

        /// The divisor without its factors 2 and 5, and how many of each it had.
        fn split(&self) -> (BigInt, u32, u32) {
            let (mut q, mut a, mut b) = (self.1.clone(), 0, 0);
            while q.is_even() {
                q /= 2;
                a += 1;
            }
            while (&q % BigInt::from(5)).is_zero() {
                q /= 5;
                b += 1;
            }
            (q, a, b)
        }

        pub fn ends(&self) -> bool {
            self.split().0.is_one()
        }

        pub fn representable(&self) -> bool {
            let (d, a, b) = self.split();
            let s = a.max(b);
            let digits = &self.0 * pow(10, s) / (pow(2, a) * pow(5, b));
            s <= 28 && d <= BigInt::from(u64::MAX) && digits.abs() < pow(2, 96)
        }

        pub fn add(&self, o: &Q) -> Q {
            Q::new(&self.0 * &o.1 + &o.0 * &self.1, &self.1 * &o.1)
        }

        pub fn sub(&self, o: &Q) -> Q {
            Q::new(&self.0 * &o.1 - &o.0 * &self.1, &self.1 * &o.1)
        }

        pub fn mul(&self, o: &Q) -> Q {
            Q::new(&self.0 * &o.0, &self.1 * &o.1)
        }

        pub fn div(&self, o: &Q) -> Option<Q> {
            (!o.0.is_zero()).then(|| Q::new(&self.0 * &o.1, &self.1 * &o.0))
        }

        /// Rounded to a multiple of `step` by a mode's words (`half even`).
        pub fn round(&self, mode: &str, step: &Q) -> Q {
            let (n, m) = (&self.0 * &step.1, &self.1 * &step.0);
            let (whole, rest) = n.abs().div_rem(&m);
            let twice = &rest * 2;
            let up = match mode {
                "down" => false,
                "up" => !rest.is_zero(),
                "half up" => twice >= m,
                "half down" => twice > m,
                _ => twice > m || (twice == m && whole.is_odd()),
            };
            let units = if up { whole + 1 } else { whole };
            let units = if n.is_negative() { -units } else { units };
            Q::new(units * &step.0, step.1.clone())
        }

        /// The value to 28 significant digits, half to even, at most 28 decimal places.
        pub fn shown(&self) -> String {
            // k: 10^k ≤ |value| < 10^(k+1).
            let magnitude = Q(self.0.abs(), self.1.clone());
            let at_least = |k: i32| {
                let (p, q) = if k >= 0 {
                    (pow(10, k as u32), BigInt::one())
                } else {
                    (BigInt::one(), pow(10, (-k) as u32))
                };
                &magnitude.0 * q >= p * &magnitude.1
            };
            let mut k = 40;
            while !at_least(k) {
                k -= 1;
            }
            let places = (27 - k).min(28);
            let step = if places >= 0 {
                Q::new(BigInt::one(), pow(10, places as u32))
            } else {
                Q::new(pow(10, (-places) as u32), BigInt::one())
            };
            let rounded = self.round("half even", &step);
            let places = places.max(0) as u32;
            let units = rounded.0 * pow(10, places) / rounded.1;
            Decimal::from_i128_with_scale(i128::try_from(units).unwrap(), places).to_string()
        }
    }
}

use std::cell::Cell;

use model::Q;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Expr {
    Fact(usize),
    Literal(Decimal),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Previous,
}

const FACTS: [&str; 4] = ["a", "b", "c", "d"];

fn text(e: &Expr) -> String {
    match e {
        Expr::Fact(i) => FACTS[*i].to_string(),
        Expr::Literal(d) => d.to_string(),
        Expr::Bin(op, a, b) => format!("({} {op} {})", text(a), text(b)),
        Expr::Previous => "first".to_string(),
    }
}

/// The model's value: `Ok(Some(q))`, `Ok(None)` for unknown, `Err(())` when a value cannot be held.
fn value(e: &Expr, facts: &[Decimal; 4], first: &Result<Option<Q>, ()>) -> Result<Option<Q>, ()> {
    let held = |q: Q| if q.representable() { Ok(Some(q)) } else { Err(()) };
    match e {
        Expr::Fact(i) => Ok(Some(Q::of(facts[*i]))),
        Expr::Literal(d) => Ok(Some(Q::of(*d))),
        Expr::Previous => first.clone(),
        Expr::Bin(op, a, b) => {
            let (x, y) = (value(a, facts, first)?, value(b, facts, first)?);
            let (Some(x), Some(y)) = (x, y) else { return Ok(None) };
            match *op {
                "+" => held(x.add(&y)),
                "-" => held(x.sub(&y)),
                "×" => held(x.mul(&y)),
                _ => match x.div(&y) {
                    Some(q) => held(q),
                    None => Ok(None),
                },
            }
        }
    }
}

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (-100_000_000i64..100_000_000, 0u32..5).prop_map(|(m, s)| Decimal::new(m, s)),
        (-9i64..10).prop_map(Decimal::from),
        (any::<i128>(), 0u32..29).prop_map(|(m, s)| Decimal::from_i128_with_scale(m % (1i128 << 96), s)),
    ]
}

fn literal() -> impl Strategy<Value = Decimal> {
    // Positive and not zero: `x ÷ 0` is refused by the checker, and `-` is an operator.
    prop_oneof![
        (1i64..1_000_000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s)),
        (2i64..13).prop_map(Decimal::from),
    ]
}

fn expr(with_previous: bool) -> BoxedStrategy<Expr> {
    let leaf = if with_previous {
        prop_oneof![3 => (0usize..4).prop_map(Expr::Fact), 1 => literal().prop_map(Expr::Literal), 2 => Just(Expr::Previous)].boxed()
    } else {
        prop_oneof![3 => (0usize..4).prop_map(Expr::Fact), 1 => literal().prop_map(Expr::Literal)].boxed()
    };
    leaf.prop_recursive(4, 16, 2, |inner| {
        (
            prop_oneof![Just("+"), Just("-"), Just("×"), Just("÷")],
            inner.clone(),
            inner,
        )
            .prop_map(|(op, a, b)| Expr::Bin(op, Box::new(a), Box::new(b)))
    })
    .boxed()
}

#[test]
fn the_evaluator_computes_what_the_exact_rational_model_computes() {
    let modes = ["down", "up", "half up", "half down", "half even"];
    let steps = ["0.01", "1", "0.05", "10", "0.0000000000000000000000000001"];
    let case = (
        expr(false),
        proptest::option::of((0usize..5, 0usize..5)),
        expr(true),
        [decimal(), decimal(), decimal(), decimal()],
    );
    // What the cases met: checked campaigns compared, values without a finite decimal form,
    // records failed for a value that cannot be held.
    let (compared, ratios, failed) = (Cell::new(0), Cell::new(0), Cell::new(0));
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&case, |(first, rounding, second, facts)| {
            let rounding_text = rounding.map_or(String::new(), |(m, s)| format!(", rounded {} to {}", modes[m], steps[s]));
            let source = format!(
                "campaign \"model\" {{\n  timezone Asia/Shanghai\n  facts {{ a: decimal  b: decimal  c: decimal  d: decimal }}\n  value first = {}{rounding_text}\n  value second = {}\n}}\n",
                text(&first),
                text(&second)
            );
            let checked = campaign::check::check(&source);
            let Some(program) = checked.program else {
                // Only what the checker refuses on its own terms (a literal that folds to a
                // division by zero): nothing to compare.
                return Ok(());
            };
            let record = format!(
                "{{\"id\":\"r\",\"a\":\"{}\",\"b\":\"{}\",\"c\":\"{}\",\"d\":\"{}\"}}",
                facts[0], facts[1], facts[2], facts[3]
            );
            let schema = &program.schema;
            let mut records = campaign::facts::read_records(schema, campaign::facts::Format::Ndjson, record.as_bytes()).unwrap();
            let record = records.next().unwrap().unwrap().record;
            let outcome = campaign::eval::Evaluator::new(&program).evaluate(&record);
            compared.set(compared.get() + 1);

            let model_first = value(&first, &facts, &Ok(None)).and_then(|v| match (v, rounding) {
                (Some(q), Some((m, s))) => {
                    let r = q.round(modes[m], &Q::of(steps[s].parse().unwrap()));
                    if r.representable() { Ok(Some(r)) } else { Err(()) }
                }
                (v, _) => Ok(v),
            });
            let model_second = value(&second, &facts, &model_first);
            match (outcome, model_first, model_second) {
                (Err(e), Err(()), _) | (Err(e), Ok(_), Err(())) => {
                    prop_assert!(e.to_string().contains("cannot be held"), "{e} for {source}");
                    failed.set(failed.get() + 1);
                }
                (Ok(o), Ok(x), Ok(y)) => {
                    for (shown, want) in o.values.iter().zip([x, y]) {
                        // A campaign of whole literals alone is a count: the same number.
                        let shown = match shown {
                            campaign::eval::Shown::Count(n) => &campaign::eval::Shown::Number(*n),
                            other => other,
                        };
                        match (shown, want) {
                            (campaign::eval::Shown::Unknown, None) => {}
                            (campaign::eval::Shown::Number(n), Some(q)) if q.ends() => {
                                prop_assert_eq!(Q::of(*n), q, "{}", source);
                            }
                            (campaign::eval::Shown::Number(n), Some(q)) => {
                                prop_assert_eq!(n.to_string(), q.shown(), "{}", source);
                                ratios.set(ratios.get() + 1);
                            }
                            (shown, want) => prop_assert!(false, "{shown:?} where the model has {want:?} for {source}"),
                        }
                    }
                }
                (got, x, y) => prop_assert!(false, "{got:?} where the model has {x:?}, {y:?} for {source}"),
            }
            Ok(())
        })
        .unwrap();
    assert!(compared.get() >= 150, "only {} campaigns checked", compared.get());
    assert!(
        ratios.get() >= 10 && failed.get() >= 5,
        "{} ratios, {} failures",
        ratios.get(),
        failed.get()
    );
}

#[test]
fn a_duration_times_a_quotient_is_exact_to_the_nanosecond() {
    let text = r#"campaign "durations" {
  timezone Asia/Shanghai
  facts {
    start: timestamp
    finish: timestamp
  }
  value third = (finish - start) × (1 ÷ 3)
}"#;
    let results = evaluate(
        "durations",
        text,
        concat!(
            "{\"id\":\"a\",\"start\":\"2024-01-01T00:00:00+08:00\",\"finish\":\"2024-01-01T00:00:03+08:00\"}\n",
            "{\"id\":\"b\",\"start\":\"2024-01-01T00:00:00+08:00\",\"finish\":\"2024-01-01T00:00:01+08:00\"}\n",
        ),
    );
    // A third of 3 seconds is 1 second (it was 0.999999999 s, shown as PT0S).
    assert_eq!(results[0]["values"]["third"], "PT1S", "{}", results[0]);
    // A third of a second is no whole number of nanoseconds: an error, not a truncation.
    assert_eq!(
        results[1]["error"],
        "the exact result of `1 second × (1 ÷ 3)` cannot be held: a length of time would have a \
         fraction of a nanosecond in `third`"
    );
}
