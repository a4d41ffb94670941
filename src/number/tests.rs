#![expect(
    clippy::unwrap_used,
    reason = "a test stops at its first surprise: unwrap says plainly what went wrong"
)]

use super::*;
use proptest::prelude::*;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn num(text: &str) -> Number {
    Number::Decimal(d(text))
}

fn op(o: Op, a: Number, b: Number) -> Exact<Number> {
    apply(o, a, b).map(|n| n.unwrap())
}

fn shown(n: Number) -> String {
    n.to_decimal().to_string()
}

#[test]
fn a_quotient_times_an_amount_is_exact() {
    // Issue 14, item 3: `discount × (1000000 CNY ÷ turnover)` with turnover 3,000,000 and
    // discount 300.015 is exactly 100.005, which rounds half up to 100.01.
    let share = op(Op::Div, num("1000000"), num("3000000")).unwrap();
    assert!(matches!(share, Number::Ratio(_)));
    let grouped = op(Op::Mul, num("300.015"), share).unwrap();
    assert_eq!(grouped, num("100.005"));
    assert_eq!(
        round(grouped, RoundingMode::HalfUp, d("0.01")).unwrap().to_string(),
        "100.01"
    );
    assert_eq!(
        round(grouped, RoundingMode::HalfEven, d("0.01")).unwrap().to_string(),
        "100.00"
    );
}

#[test]
fn what_cannot_be_held_is_an_error() {
    let max = num("79228162514264337593543950335");
    assert_eq!(op(Op::Mul, max, num("0.5")), Err(Unrepresentable::TooLarge));
    assert_eq!(op(Op::Div, max, num("2")), Err(Unrepresentable::TooLarge));
    assert_eq!(op(Op::Add, max, num("0.5")), Err(Unrepresentable::TooLarge));
    assert_eq!(op(Op::Add, max, num("1")), Err(Unrepresentable::TooLarge));
    let tiny = num("0.0000000000000000000000000001");
    assert_eq!(op(Op::Mul, tiny, tiny), Err(Unrepresentable::TooPrecise));
    assert_eq!(op(Op::Div, tiny, num("10")), Err(Unrepresentable::TooPrecise));
    // 2^65 - 1: odd, no factor 5, beyond 64 bits.
    assert_eq!(
        op(Op::Div, num("1"), num("36893488147419103231")),
        Err(Unrepresentable::DivisorTooLarge)
    );
    // The same decimals in a form that fits are fine.
    assert_eq!(
        op(Op::Mul, num("79228162514264337593543950334"), num("0.5")),
        Ok(num("39614081257132168796771975167"))
    );
}

#[test]
fn ratios_are_exact_through_arithmetic() {
    let third = op(Op::Div, num("1"), num("3")).unwrap();
    assert_eq!(op(Op::Mul, third, num("3")).unwrap(), num("1"));
    assert_eq!(
        op(Op::Add, third, op(Op::Div, num("2"), num("3")).unwrap()).unwrap(),
        num("1")
    );
    assert_eq!(op(Op::Sub, third, third).unwrap(), num("0"));
    let seventh = op(Op::Div, num("1"), num("7")).unwrap();
    assert_eq!(
        op(Op::Div, third, seventh).unwrap(),
        op(Op::Div, num("7"), num("3")).unwrap()
    );
    assert_eq!(apply(Op::Div, third, num("0")), Ok(None));
    assert_eq!(compare(third, num("0.3333333333333333333333333333")), Ordering::Greater);
    assert_eq!(compare(third, num("0.3333333333333333333333333334")), Ordering::Less);
    assert_eq!(compare(-third, num("-0.3333333333333333333333333333")), Ordering::Less);
    assert_eq!(compare(third, third), Ordering::Equal);
}

#[test]
fn decimals_keep_their_scale() {
    assert_eq!(
        op(Op::Mul, num("2.50"), num("2")).unwrap().to_decimal().to_string(),
        "5.00"
    );
    assert_eq!(
        op(Op::Div, num("1.00"), num("4")).unwrap().to_decimal().to_string(),
        "0.25"
    );
    assert_eq!(
        op(Op::Add, num("1.10"), num("2.2")).unwrap().to_decimal().to_string(),
        "3.30"
    );
    // rust_decimal drops a zero it cannot keep (29 decimals): exact, so kept.
    let one = num("1.0000000000000000000000000000");
    assert_eq!(op(Op::Mul, one, num("1.0")).unwrap(), num("1"));
}

#[test]
fn a_ratio_is_shown_to_28_significant_digits_half_to_even() {
    let q = |a: &str, b: &str| shown(op(Op::Div, num(a), num(b)).unwrap());
    assert_eq!(q("1", "3"), "0.3333333333333333333333333333");
    assert_eq!(q("2", "3"), "0.6666666666666666666666666667");
    assert_eq!(q("100", "3"), "33.33333333333333333333333333");
    assert_eq!(q("-2", "3"), "-0.6666666666666666666666666667");
    // At most 28 decimal places: 27 significant digits here.
    assert_eq!(q("1", "30"), "0.0333333333333333333333333333");
    assert_eq!(q("1000000", "7"), "142857.1428571428571428571429");
    // At most 28 decimal places: a tiny ratio has fewer significant digits.
    assert_eq!(q("0.0000000001", "3"), "0.0000000000333333333333333333");
    // Above 10^28: rounded to tens.
    assert_eq!(q("70000000000000000000000000000", "3"), "23333333333333333333333333330");
    // A tie at the 28th digit is not possible for a ratio (it has no finite form), so half to
    // even only decides the usual way: 1/6 = 0.1666… rounds up.
    assert_eq!(q("1", "6"), "0.1666666666666666666666666667");
}

#[test]
fn messages_show_a_ratio_as_its_fraction() {
    let third = op(Op::Div, num("2"), num("6")).unwrap();
    assert_eq!(third.to_string(), "(1 ÷ 3)");
    assert_eq!(op(Op::Div, num("-0.5"), num("3")).unwrap().to_string(), "(-1 ÷ 6)");
}

#[test]
fn rounding_to_a_step_is_the_correctly_rounded_quotient() {
    let two_thirds = op(Op::Div, num("2"), num("3")).unwrap();
    let r = |n, mode, step: &str| round(n, mode, d(step)).unwrap().to_string();
    assert_eq!(r(two_thirds, RoundingMode::Down, "0.01"), "0.66");
    assert_eq!(r(two_thirds, RoundingMode::Up, "0.01"), "0.67");
    assert_eq!(r(two_thirds, RoundingMode::HalfUp, "0.01"), "0.67");
    assert_eq!(r(-two_thirds, RoundingMode::Down, "0.01"), "-0.66");
    assert_eq!(r(-two_thirds, RoundingMode::Up, "0.01"), "-0.67");
    assert_eq!(r(two_thirds, RoundingMode::HalfEven, "0.05"), "0.65");
    assert_eq!(r(two_thirds, RoundingMode::Up, "10"), "10");
    assert_eq!(r(num("0.125"), RoundingMode::HalfEven, "0.25"), "0.00");
    assert_eq!(r(num("0.375"), RoundingMode::HalfEven, "0.25"), "0.50");
    assert_eq!(r(num("0.375"), RoundingMode::HalfDown, "0.25"), "0.25");
    // Near the largest decimal: the multiple of the step is the largest decimal itself, or
    // one digit too many (an error, not a rounding of the rounding).
    let near_max = num("7922816251426433759354395033.3");
    assert_eq!(
        r(near_max, RoundingMode::HalfUp, "0.5"),
        "7922816251426433759354395033.5"
    );
    assert_eq!(
        round(near_max, RoundingMode::HalfUp, d("0.25")),
        Err(Unrepresentable::TooLarge)
    );
}

// ---------------------------------------------------------------------------
// The exact-rational model: random expressions of +, -, ×, ÷ and rounding evaluate, through
// this module, to the model's value exactly, or fail exactly when one of the model's
// intermediate values is outside what a number holds.

/// A fraction of big integers, `q > 0`, in lowest terms.
#[derive(Debug, Clone, PartialEq)]
struct Q(BigInt, BigInt);

impl Q {
    fn new(p: BigInt, q: BigInt) -> Q {
        let (p, q) = if q.is_negative() { (-p, -q) } else { (p, q) };
        let g = p.gcd(&q);
        if g.is_zero() { Q(p, q) } else { Q(p / &g, q / g) }
    }

    fn of(d: Decimal) -> Q {
        Q::new(
            BigInt::from(d.mantissa()),
            num_traits::pow(BigInt::from(10), d.scale() as usize),
        )
    }

    /// Whether a number holds this value, by the rule of the module's documentation, stated
    /// again independently: the divisor is 2^a × 5^b × d with a, b ≤ 28 and d < 2^64, and
    /// the digits p × 10^max(a, b) / (2^a × 5^b) are below 2^96.
    fn representable(&self) -> bool {
        let mut q = self.1.clone();
        let (mut a, mut b) = (0u32, 0u32);
        while (&q % BigInt::from(2)).is_zero() {
            q /= 2;
            a += 1;
        }
        while (&q % BigInt::from(5)).is_zero() {
            q /= 5;
            b += 1;
        }
        let s = a.max(b);
        let digits = &self.0 * num_traits::pow(BigInt::from(10), s as usize)
            / (num_traits::pow(BigInt::from(2), a as usize) * num_traits::pow(BigInt::from(5), b as usize));
        s <= 28 && q < BigInt::from(u64::MAX) + 1 && digits.abs() < num_traits::pow(BigInt::from(2), 96)
    }

    fn round(&self, mode: RoundingMode, step: Decimal) -> Q {
        let s = Q::of(step);
        // units = self / step, rounded by hand: floor and remainder.
        let (n, m) = (&self.0 * &s.1, &self.1 * &s.0);
        let floor = n.div_floor(&m);
        let rest = &n - &floor * &m; // 0 ≤ rest < m
        let toward_zero = if n.is_negative() && !rest.is_zero() {
            &floor + 1
        } else {
            floor.clone()
        };
        let away = if rest.is_zero() {
            toward_zero.clone()
        } else if n.is_negative() {
            &toward_zero - 1
        } else {
            &toward_zero + 1
        };
        // Distance to the lower multiple (floor) against half.
        let twice = &rest * 2;
        let nearest_low = twice < m;
        let tie = twice == m;
        let units = match mode {
            RoundingMode::Down => toward_zero,
            RoundingMode::Up => away,
            _ if !tie => {
                if nearest_low {
                    floor
                } else {
                    floor + 1
                }
            }
            RoundingMode::HalfUp => away,
            RoundingMode::HalfDown => toward_zero,
            RoundingMode::HalfEven => {
                if floor.is_even() {
                    floor
                } else {
                    floor + 1
                }
            }
        };
        Q::new(units * s.0, s.1)
    }
}

#[derive(Debug, Clone)]
enum Expr {
    Leaf(Decimal),
    Bin(Op, Box<Expr>, Box<Expr>),
    Round(RoundingMode, Decimal, Box<Expr>),
}

/// What an expression gives: a value, unknown (a division by zero) or an error.
#[derive(Debug, Clone, PartialEq)]
enum Outcome<T> {
    Value(T),
    Unknown,
    Error,
}

fn model(e: &Expr) -> Outcome<Q> {
    match e {
        Expr::Leaf(d) => Outcome::Value(Q::of(*d)),
        Expr::Bin(o, a, b) => {
            let (x, y) = (model(a), model(b));
            let (x, y) = match (x, y) {
                (Outcome::Error, _) | (_, Outcome::Error) => return Outcome::Error,
                (Outcome::Value(x), Outcome::Value(y)) => (x, y),
                _ => return Outcome::Unknown,
            };
            let v = match o {
                Op::Add => Q::new(&x.0 * &y.1 + &y.0 * &x.1, &x.1 * &y.1),
                Op::Sub => Q::new(&x.0 * &y.1 - &y.0 * &x.1, &x.1 * &y.1),
                Op::Mul => Q::new(&x.0 * &y.0, &x.1 * &y.1),
                Op::Div if y.0.is_zero() => return Outcome::Unknown,
                Op::Div => Q::new(&x.0 * &y.1, &x.1 * &y.0),
            };
            if v.representable() {
                Outcome::Value(v)
            } else {
                Outcome::Error
            }
        }
        Expr::Round(mode, step, a) => match model(a) {
            Outcome::Value(x) => {
                let v = x.round(*mode, *step);
                if v.representable() {
                    Outcome::Value(v)
                } else {
                    Outcome::Error
                }
            }
            other => other,
        },
    }
}

fn evaluate(e: &Expr) -> Outcome<Number> {
    match e {
        Expr::Leaf(d) => Outcome::Value(Number::Decimal(*d)),
        Expr::Bin(o, a, b) => {
            let (x, y) = (evaluate(a), evaluate(b));
            let (x, y) = match (x, y) {
                (Outcome::Error, _) | (_, Outcome::Error) => return Outcome::Error,
                (Outcome::Value(x), Outcome::Value(y)) => (x, y),
                _ => return Outcome::Unknown,
            };
            match apply(*o, x, y) {
                Ok(Some(v)) => Outcome::Value(v),
                Ok(None) => Outcome::Unknown,
                Err(_) => Outcome::Error,
            }
        }
        Expr::Round(mode, step, a) => match evaluate(a) {
            Outcome::Value(x) => match round(x, *mode, *step) {
                Ok(v) => Outcome::Value(Number::Decimal(v)),
                Err(_) => Outcome::Error,
            },
            other => other,
        },
    }
}

fn decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        // Everyday amounts and rates.
        (-1_000_000_000i64..1_000_000_000, 0u32..7).prop_map(|(m, s)| Decimal::new(m, s)),
        // Small whole numbers and divisors (3, 7, 12, 0).
        (-13i64..14).prop_map(Decimal::from),
        // Near the edges: many digits, many decimals.
        (any::<i128>(), 0u32..29).prop_map(|(m, s)| {
            let m = m % (1i128 << 96);
            Decimal::from_i128_with_scale(m, s)
        }),
        (1i64..1000, 20u32..29).prop_map(|(m, s)| Decimal::new(m, s)),
    ]
}

fn mode() -> impl Strategy<Value = RoundingMode> {
    prop_oneof![
        Just(RoundingMode::Down),
        Just(RoundingMode::Up),
        Just(RoundingMode::HalfUp),
        Just(RoundingMode::HalfDown),
        Just(RoundingMode::HalfEven),
    ]
}

fn step() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(d("0.01")),
        Just(d("1")),
        Just(d("0.05")),
        Just(d("10")),
        Just(d("0.25")),
        Just(d("0.0000000000000000000000000001")),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    decimal().prop_map(Expr::Leaf).prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            4 => (
                prop_oneof![Just(Op::Add), Just(Op::Sub), Just(Op::Mul), Just(Op::Div)],
                inner.clone(),
                inner.clone()
            )
                .prop_map(|(o, a, b)| Expr::Bin(o, Box::new(a), Box::new(b))),
            1 => (mode(), step(), inner).prop_map(|(m, s, a)| Expr::Round(m, s, Box::new(a))),
        ]
    })
}

/// Whether a fraction in lowest terms has a finite decimal form.
fn ends(q: &Q) -> bool {
    let mut den = q.1.clone();
    while (&den % BigInt::from(2)).is_zero() {
        den /= 2;
    }
    while (&den % BigInt::from(5)).is_zero() {
        den /= 5;
    }
    den.is_one()
}

fn quotient(a: Decimal, b: Decimal) -> Q {
    let (x, y) = (Q::of(a), Q::of(b));
    Q::new(&x.0 * &y.1, &x.1 * &y.0)
}

fn kind<T>(o: &Outcome<T>) -> &'static str {
    match o {
        Outcome::Value(_) => "value",
        Outcome::Unknown => "unknown",
        Outcome::Error => "error",
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arithmetic_is_the_exact_rational_arithmetic(e in expr()) {
        match (evaluate(&e), model(&e)) {
            (Outcome::Value(n), Outcome::Value(q)) => {
                let (p, r) = n.fraction();
                prop_assert_eq!(Q::new(p, r), q.clone(), "{:?}", e);
                // The smallest form: a ratio only when the value has no finite decimal form.
                prop_assert_eq!(matches!(n, Number::Decimal(_)), ends(&q), "{:?}", e);
            }
            (got, want) => prop_assert_eq!(kind(&got), kind(&want), "{:?}", e),
        }
    }

    #[test]
    fn comparisons_are_exact(a in decimal(), b in decimal(), c in decimal(), e in decimal()) {
        let x = apply(Op::Div, Number::Decimal(a), Number::Decimal(b));
        let y = apply(Op::Div, Number::Decimal(c), Number::Decimal(e));
        if let (Ok(Some(x)), Ok(Some(y))) = (x, y) {
            let (v, w) = (quotient(a, b), quotient(c, e));
            prop_assert_eq!(compare(x, y), (&v.0 * &w.1).cmp(&(&w.0 * &v.1)));
        }
    }

    #[test]
    fn a_ratio_shown_is_within_half_a_unit_of_its_last_digit(a in decimal(), b in decimal()) {
        if let Ok(Some(n @ Number::Ratio(_))) = apply(Op::Div, Number::Decimal(a), Number::Decimal(b)) {
            let shown = n.to_decimal();
            let exact = quotient(a, b);
            let s = Q::of(shown);
            // |shown - exact| ≤ half a unit of the last digit shown, and at most 28 significant digits.
            let diff = Q::new(&s.0 * &exact.1 - &exact.0 * &s.1, &s.1 * &exact.1);
            // Above 10^28 the last digit shown is the tens (the 29th digit is a zero).
            let half_unit = if shown.abs() >= d("10000000000000000000000000000") {
                Q::new(BigInt::from(5), BigInt::one())
            } else {
                Q::new(BigInt::one(), pow10(shown.scale()) * 2)
            };
            prop_assert!(&diff.0.abs() * &half_unit.1 <= &half_unit.0 * &diff.1, "{} for {}/{}", shown, a, b);
            let digits = shown.mantissa().unsigned_abs().to_string().trim_end_matches('0').len();
            prop_assert!(digits <= 28, "{}", shown);
        }
    }
}

#[test]
fn zeros_take_the_fast_path_as_rust_decimal_shows_them() {
    // rust_decimal gives a zero product without decimals and a sum with zero as the other
    // operand: exact, and shown as before.
    assert_eq!(mul_decimals(d("0.00"), d("0.01")).unwrap().to_string(), "0");
    assert_eq!(add_decimals(d("0.000"), d("5")).unwrap().to_string(), "5");
    assert_eq!(
        sub_decimals(d("0.00"), d("79228162514264337593543950335"))
            .unwrap()
            .to_string(),
        "-79228162514264337593543950335"
    );
    assert_eq!(add_decimals(d("1.5"), d("0")).unwrap().to_string(), "1.5");
}

#[test]
fn equal_numbers_have_one_canonical_text_whatever_their_form() {
    assert_eq!(num("1.50").canonical(), "3/2");
    assert_eq!(num("1.5").canonical(), num("1.50").canonical());
    assert_eq!(num("-2.000").canonical(), "-2");
    assert_eq!(num("0.00").canonical(), "0");
    // 0.5 ÷ 3 and 1 ÷ 6, however a ratio came to be written.
    let half_third = Number::Ratio(Ratio::from_parts(d("0.5"), 3));
    let sixth = Number::Ratio(Ratio::from_parts(d("1"), 6));
    assert_eq!(half_third.canonical(), "1/6");
    assert_eq!(half_third.canonical(), sixth.canonical());
    assert_ne!(sixth.canonical(), num("0.1666666666666666666666666667").canonical());
}
