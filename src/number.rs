//! Exact numbers: the arithmetic of the language, with no rounding but the one a campaign
//! declares.
//!
//! A number is held either as a [`Decimal`] (what every fact, literal and sum of them is), or,
//! only when a division has no finite decimal form (`1 ÷ 3`), as a [`Ratio`]: a decimal divided
//! by a whole number. Together they hold exactly every value `p / q` (in lowest terms) where
//!
//! - `q = 2^a × 5^b × d` with `max(a, b) ≤ 28` (at most 28 decimal places) and `d < 2^64`;
//! - `p × 10^max(a, b) / (2^a × 5^b)`, the digits of the decimal part, is below `2^96`
//!   (79,228,162,514,264,337,593,543,950,335).
//!
//! Every operation here gives the exact result when it is such a value, and otherwise
//! [`Unrepresentable`]: never a rounded one. What this set holds does not depend on how a
//! value was computed (`x × 0.5` and `x ÷ 2` fail on the same `x`).
//!
//! Decimals on their own take the fast path: `rust_decimal`'s operation, whose result is kept
//! when its scale shows that nothing was rounded (a sum keeps the larger scale, a product the
//! sum of the scales). Anything else — a ratio, a quotient, a result `rust_decimal` had to
//! round — is computed exactly with big integers and brought back to the smallest form
//! ([`from_fraction`]); a result equal to `rust_decimal`'s keeps its scale, so that `2.50 × 2`
//! still reads `5.00`.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;

use crate::syntax::ast::RoundingMode;

/// The most decimal places a number has.
const MAX_SCALE: u32 = 28;

/// A number without a finite decimal form: `num ÷ den`, in its smallest form (`den ≥ 3`,
/// with no factor 2 or 5, and no factor in common with `num`'s digits). Only [`from_fraction`]
/// makes one, so two equal ratios have equal parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    num: Decimal,
    den: u64,
}

/// A number of the language: an exact decimal, or a ratio when a division made one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A decimal (a fact, a literal, anything computed without a division that does not end).
    Decimal(Decimal),
    /// A fraction with no finite decimal form.
    Ratio(Ratio),
}

/// Why the exact result of an operation cannot be held (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrepresentable {
    /// Its digits need more than 96 bits (it, or its digits with the decimals it needs, exceed
    /// 79,228,162,514,264,337,593,543,950,335).
    TooLarge,
    /// It needs more than 28 decimal places (`0.0000000000000000000000000001²`).
    TooPrecise,
    /// It is a fraction whose divisor, once the factors of ten are taken out, needs more than
    /// 64 bits.
    DivisorTooLarge,
    /// A length of time would have a fraction of a nanosecond.
    FractionOfNanosecond,
}

impl fmt::Display for Unrepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unrepresentable::TooLarge => "its digits would exceed 79228162514264337593543950335",
            Unrepresentable::TooPrecise => "it would need more than 28 decimal places",
            Unrepresentable::DivisorTooLarge => "it is a fraction whose divisor would exceed 2^64",
            Unrepresentable::FractionOfNanosecond => "a length of time would have a fraction of a nanosecond",
        })
    }
}

/// The result of an exact operation.
pub type Exact<T> = std::result::Result<T, Unrepresentable>;

/// An arithmetic operation on numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `×`
    Mul,
    /// `÷`
    Div,
}

impl Op {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "×",
            Op::Div => "÷",
        }
    }
}

impl Ratio {
    /// The ratio's parts, `num ÷ den`, for [`Ratio::from_parts`] to rebuild it (a queue key
    /// crossing a process boundary, `eval::stages`).
    pub(crate) fn parts(self) -> (Decimal, u64) {
        (self.num, self.den)
    }

    /// The ratio of parts given by [`Ratio::parts`] (already in smallest form).
    pub(crate) fn from_parts(num: Decimal, den: u64) -> Ratio {
        Ratio { num, den }
    }

    /// The ratio as a fraction of big integers, `(p, q)` with `q > 0`, in lowest terms.
    fn fraction(self) -> (BigInt, BigInt) {
        let q = pow10(self.num.scale()) * BigInt::from(self.den);
        (BigInt::from(self.num.mantissa()), q)
    }

    /// The ratio shown as a decimal: rounded half to even to 28 significant digits, and to at
    /// most 28 decimal places (see docs/language.md, "Arithmetic").
    pub fn to_decimal(self) -> Decimal {
        let (p, q) = self.fraction();
        let magnitude = p.abs();
        // `k`: the place of the first significant digit (10^k ≤ |value| < 10^(k+1)).
        let whole = &magnitude / &q;
        let k: i64 = if whole.is_zero() {
            let mut scaled = magnitude.clone();
            let mut k = 0;
            while scaled < q {
                scaled *= 10;
                k -= 1;
            }
            k
        } else {
            i64::try_from(whole.to_string().len()).unwrap_or(i64::MAX) - 1
        };
        let scale = (27 - k).min(i64::from(MAX_SCALE));
        let (units, scale) = if scale >= 0 {
            let scale = u32::try_from(scale).unwrap_or(MAX_SCALE);
            (round_quotient(&(p * pow10(scale)), &q, RoundingMode::HalfEven), scale)
        } else {
            // A ratio above 10^28: rounded to tens (its 29th digit is a zero).
            let shift = pow10(u32::try_from(-scale).unwrap_or(0));
            (round_quotient(&p, &(q * &shift), RoundingMode::HalfEven) * shift, 0)
        };
        let mut out = units
            .to_i128()
            .and_then(|m| Decimal::try_from_i128_with_scale(m, scale).ok())
            .unwrap_or(Decimal::MAX);
        if out.is_zero() {
            out.set_sign_positive(true);
        }
        out
    }
}

impl fmt::Display for Ratio {
    /// The exact fraction, for messages: `(1 ÷ 3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (p, q) = self.fraction();
        let g = p.gcd(&q);
        write!(f, "({} ÷ {})", p / &g, q / g)
    }
}

impl fmt::Display for Number {
    /// The exact value, for messages: a decimal as it is, a ratio as its fraction.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Decimal(d) => write!(f, "{d}"),
            Number::Ratio(r) => write!(f, "{r}"),
        }
    }
}

impl Number {
    /// The number as shown where it is not rounded: a decimal as it is, a ratio by
    /// [`Ratio::to_decimal`].
    pub fn to_decimal(self) -> Decimal {
        match self {
            Number::Decimal(d) => d,
            Number::Ratio(r) => r.to_decimal(),
        }
    }

    /// The number as a fraction of big integers, `(p, q)` with `q > 0`.
    fn fraction(self) -> (BigInt, BigInt) {
        match self {
            Number::Decimal(d) => (BigInt::from(d.mantissa()), pow10(d.scale())),
            Number::Ratio(r) => r.fraction(),
        }
    }

    /// The number as text that is the same for equal numbers whatever their form (`1.50`, `1.5`
    /// and a ratio that equals them): the fraction in lowest terms, `p/q`, or `p` when whole.
    /// For keys that group records across process boundaries (`eval::stages`).
    pub(crate) fn canonical(self) -> String {
        let (p, q) = self.fraction();
        let g = p.gcd(&q);
        let (p, q) = if g.is_zero() { (p, q) } else { (p / &g, q / g) };
        if q.is_one() { p.to_string() } else { format!("{p}/{q}") }
    }

    /// Whether the number is zero.
    pub fn is_zero(self) -> bool {
        match self {
            Number::Decimal(d) => d.is_zero(),
            // A ratio is never a whole number, let alone zero.
            Number::Ratio(_) => false,
        }
    }
}

impl std::ops::Neg for Number {
    type Output = Number;

    /// `-x`, exact.
    fn neg(self) -> Number {
        match self {
            Number::Decimal(d) => Number::Decimal(-d),
            Number::Ratio(r) => Number::Ratio(Ratio {
                num: -r.num,
                den: r.den,
            }),
        }
    }
}

/// `10^n` as a big integer.
fn pow10(n: u32) -> BigInt {
    num_traits::pow(BigInt::from(10u8), usize::try_from(n).unwrap_or(0))
}

/// The number `p / q` (`q ≠ 0`, not necessarily in lowest terms) in its smallest form, or why
/// it cannot be held; `near` is a decimal that may equal it (`rust_decimal`'s result), kept
/// when it does so that its scale is the one shown.
pub fn from_fraction(p: BigInt, q: BigInt, near: Option<Decimal>) -> Exact<Number> {
    let (mut p, mut q) = if q.is_negative() { (-p, -q) } else { (p, q) };
    let g = p.gcd(&q);
    if !g.is_one() && !g.is_zero() {
        p /= &g;
        q /= &g;
    }
    if let Some(d) = near
        && q_divides_power_of_ten(&q)
        && Number::Decimal(d).fraction_eq(&p, &q)
    {
        return Ok(Number::Decimal(d));
    }
    let twos = u32::try_from(q.trailing_zeros().unwrap_or(0)).unwrap_or(u32::MAX);
    if twos > MAX_SCALE {
        return Err(Unrepresentable::TooPrecise);
    }
    q >>= twos;
    let mut fives = 0;
    let five = BigInt::from(5u8);
    loop {
        let (quotient, rest) = q.div_rem(&five);
        if !rest.is_zero() {
            break;
        }
        fives += 1;
        if fives > MAX_SCALE {
            return Err(Unrepresentable::TooPrecise);
        }
        q = quotient;
    }
    let scale = twos.max(fives);
    let digits = p
        * num_traits::pow(BigInt::from(2u8), usize::try_from(scale - twos).unwrap_or(0))
        * num_traits::pow(five, usize::try_from(scale - fives).unwrap_or(0));
    if digits.bits() > 96 {
        return Err(Unrepresentable::TooLarge);
    }
    let num = digits
        .to_i128()
        .and_then(|m| Decimal::try_from_i128_with_scale(m, scale).ok())
        .ok_or(Unrepresentable::TooLarge)?;
    if q.is_one() {
        return Ok(Number::Decimal(num));
    }
    let den = q.to_u64().ok_or(Unrepresentable::DivisorTooLarge)?;
    Ok(Number::Ratio(Ratio { num, den }))
}

/// Whether `q` (positive, in lowest terms with its numerator) divides a power of ten: the
/// fraction has a finite decimal form.
fn q_divides_power_of_ten(q: &BigInt) -> bool {
    let mut q = q.clone();
    let two = q.trailing_zeros().unwrap_or(0);
    q >>= two;
    let five = BigInt::from(5u8);
    while (&q % &five).is_zero() && !q.is_zero() {
        q /= &five;
    }
    q.is_one()
}

impl Number {
    /// Whether the number equals `p / q` (`q > 0`).
    fn fraction_eq(self, p: &BigInt, q: &BigInt) -> bool {
        let (a, b) = self.fraction();
        a * q == p * b
    }
}

/// `x op y` exactly; `Ok(None)` when dividing by zero.
#[inline]
pub fn apply(op: Op, x: Number, y: Number) -> Exact<Option<Number>> {
    if let (Number::Decimal(a), Number::Decimal(b)) = (x, y) {
        return match op {
            Op::Add => add_decimals(a, b).map(|d| Some(Number::Decimal(d))),
            Op::Sub => sub_decimals(a, b).map(|d| Some(Number::Decimal(d))),
            Op::Mul => mul_decimals(a, b).map(|d| Some(Number::Decimal(d))),
            Op::Div => divide_decimals(a, b),
        };
    }
    apply_fractions(op, x, y)
}

/// `x op y` exactly, computed on fractions of big integers; `Ok(None)` when dividing by zero.
#[inline(never)]
fn apply_fractions(op: Op, x: Number, y: Number) -> Exact<Option<Number>> {
    if op == Op::Div && y.is_zero() {
        return Ok(None);
    }
    let ((p1, q1), (p2, q2)) = (x.fraction(), y.fraction());
    let (p, q) = match op {
        Op::Add => (&p1 * &q2 + &p2 * &q1, q1 * q2),
        Op::Sub => (&p1 * &q2 - &p2 * &q1, q1 * q2),
        Op::Mul => (p1 * p2, q1 * q2),
        Op::Div => (p1 * q2, q1 * p2),
    };
    from_fraction(p, q, None).map(Some)
}

/// `a + b` of two decimals, exact.
#[inline]
pub fn add_decimals(a: Decimal, b: Decimal) -> Exact<Decimal> {
    let near = a.checked_add(b);
    match near {
        // Nothing was rounded when the sum keeps the larger scale, or when an operand is zero
        // (`rust_decimal` then gives the other one as it is).
        Some(sum) if sum.scale() == a.scale().max(b.scale()) || a.is_zero() || b.is_zero() => Ok(sum),
        _ => decimal_slow(Op::Add, a, b, near),
    }
}

/// `a - b` of two decimals, exact.
#[inline]
pub fn sub_decimals(a: Decimal, b: Decimal) -> Exact<Decimal> {
    let near = a.checked_sub(b);
    match near {
        Some(difference) if difference.scale() == a.scale().max(b.scale()) || a.is_zero() || b.is_zero() => {
            Ok(difference)
        }
        _ => decimal_slow(Op::Sub, a, b, near),
    }
}

/// `a × b` of two decimals, exact.
#[inline]
pub fn mul_decimals(a: Decimal, b: Decimal) -> Exact<Decimal> {
    let near = a.checked_mul(b);
    match near {
        // Nothing was rounded when the product keeps the sum of the scales, or when an operand
        // is zero (`rust_decimal` gives a zero product without decimals). A zero product of
        // non-zero operands is an underflow rounded away: the slow path reports it.
        Some(product) if product.scale() == a.scale() + b.scale() || a.is_zero() || b.is_zero() => Ok(product),
        _ => decimal_slow(Op::Mul, a, b, near),
    }
}

/// `+`, `-` or `×` of two decimals computed exactly: always a decimal (or unrepresentable).
#[cold]
fn decimal_slow(op: Op, a: Decimal, b: Decimal, near: Option<Decimal>) -> Exact<Decimal> {
    let ((p1, q1), (p2, q2)) = (Number::Decimal(a).fraction(), Number::Decimal(b).fraction());
    let (p, q) = match op {
        Op::Add => (&p1 * &q2 + &p2 * &q1, q1 * q2),
        Op::Sub => (&p1 * &q2 - &p2 * &q1, q1 * q2),
        Op::Mul | Op::Div => (p1 * p2, q1 * q2),
    };
    match from_fraction(p, q, near)? {
        Number::Decimal(d) => Ok(d),
        // A sum or product of decimals has a finite decimal form.
        Number::Ratio(r) => Ok(r.to_decimal()),
    }
}

/// `a ÷ b` of two decimals, exact: a decimal when the quotient has a finite decimal form,
/// else a ratio; `Ok(None)` when `b` is zero.
pub fn divide_decimals(a: Decimal, b: Decimal) -> Exact<Option<Number>> {
    if b.is_zero() {
        return Ok(None);
    }
    let near = a.checked_div(b);
    if let Some(q) = near
        && mul_decimals(q, b).is_ok_and(|back| back == a)
    {
        return Ok(Some(Number::Decimal(q)));
    }
    let ((p1, q1), (p2, q2)) = (Number::Decimal(a).fraction(), Number::Decimal(b).fraction());
    from_fraction(p1 * q2, q1 * p2, near).map(Some)
}

/// Compares two numbers exactly.
pub fn compare(x: Number, y: Number) -> Ordering {
    match (x, y) {
        (Number::Decimal(a), Number::Decimal(b)) => a.cmp(&b),
        _ => {
            let ((p1, q1), (p2, q2)) = (x.fraction(), y.fraction());
            (p1 * q2).cmp(&(p2 * q1))
        }
    }
}

/// A number ordered exactly, for sorting (queues and rankings).
#[derive(Debug, Clone, Copy)]
pub struct Ordered(pub Number);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        compare(self.0, other.0) == Ordering::Equal
    }
}

impl Eq for Ordered {}

impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(self.0, other.0)
    }
}

/// `p / q` (`q > 0`) rounded to a whole number.
fn round_quotient(p: &BigInt, q: &BigInt, mode: RoundingMode) -> BigInt {
    let (whole, rest) = p.abs().div_rem(q);
    let twice = &rest * 2u8;
    let up = match mode {
        RoundingMode::Down => false,
        RoundingMode::Up => !rest.is_zero(),
        RoundingMode::HalfUp => twice >= *q,
        RoundingMode::HalfDown => twice > *q,
        RoundingMode::HalfEven => twice > *q || (twice == *q && whole.is_odd()),
    };
    let magnitude = if up { whole + 1u8 } else { whole };
    if p.is_negative() { -magnitude } else { magnitude }
}

/// Rounds a number to a multiple of `step` (a positive decimal): the correctly rounded value
/// of the exact number, shown with the step's decimals (`0.00` for fen).
pub fn round(n: Number, mode: RoundingMode, step: Decimal) -> Exact<Decimal> {
    if step.is_zero() || step.is_sign_negative() {
        return Err(Unrepresentable::TooLarge);
    }
    if let Number::Decimal(d) = n
        && step.mantissa() == 1
    {
        // A step of 1, 0.1, 0.01...: rounding to that many decimals, exact, without a division.
        return Ok(with_scale(d.round_dp_with_strategy(step.scale(), strategy(mode)), step));
    }
    let ((p, q), (sp, sq)) = (n.fraction(), Number::Decimal(step).fraction());
    let units = round_quotient(&(p * &sq), &(q * &sp), mode);
    match from_fraction(units * sp, sq, None)? {
        Number::Decimal(d) => Ok(with_scale(d, step)),
        Number::Ratio(r) => Ok(r.to_decimal()),
    }
}

/// `rust_decimal`'s name for a rounding mode.
fn strategy(mode: RoundingMode) -> rust_decimal::RoundingStrategy {
    use rust_decimal::RoundingStrategy;
    match mode {
        RoundingMode::Down => RoundingStrategy::ToZero,
        RoundingMode::Up => RoundingStrategy::AwayFromZero,
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
    }
}

/// Shows an amount with exactly the decimals of its payable step (`0.00` for fen), never `-0`.
pub fn with_scale(n: Decimal, step: Decimal) -> Decimal {
    if step.mantissa() == 1 && n.scale() == step.scale() && !(n.is_zero() && n.is_sign_negative()) {
        // Already shown with the step's decimals (the usual case after rounding).
        return n;
    }
    let mut out = n;
    if out.is_zero() {
        out.set_sign_positive(true);
    }
    let scale = if step.mantissa() == 1 {
        step.scale()
    } else {
        step.normalize().scale()
    };
    if out.scale() < scale {
        out.rescale(scale);
    } else if out.scale() > scale && out.round_dp(scale) == out {
        out = out.round_dp(scale);
    }
    out
}

#[cfg(test)]
mod tests;
