//! What the operations of the language do to values: arithmetic, comparison, membership and
//! rounding, each once, for every evaluation path.

use std::cmp::Ordering;

use chrono::TimeDelta;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::eval::env::{Env, Result};
use crate::eval::error::Internal;
use crate::eval::value::Value;
use crate::program::{ArithOp, CmpOp};
use crate::syntax::ast::RoundingMode;

impl<'a> Env<'a> {
    /// `x op y` of [`crate::program::Ir::Arith`]: unknown when either is unknown (or when dividing by zero); an
    /// error when the result does not fit.
    pub(in crate::eval) fn arith(&self, op: ArithOp, x: Value<'a>, y: Value<'a>) -> Result<Value<'a>> {
        Ok(match (op, x, y) {
            (_, Value::Unknown, _) | (_, _, Value::Unknown) => Value::Unknown,
            (ArithOp::Add, Value::Num(a), Value::Num(b)) => {
                Value::Num(a.checked_add(b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::Sub, Value::Num(a), Value::Num(b)) => {
                Value::Num(a.checked_sub(b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::Mul, Value::Num(a), Value::Num(b)) => {
                Value::Num(a.checked_mul(b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::Div, Value::Num(a), Value::Num(b)) => {
                if b.is_zero() {
                    Value::Unknown
                } else {
                    Value::Num(a.checked_div(b).ok_or_else(|| self.overflow())?)
                }
            }
            // A duration plus a timestamp keeps its written order, so that a chain such as
            // `t - t + t - ...` stays one flat chain (the checker swaps nothing).
            (ArithOp::TimePlus, Value::Time(t), Value::Duration(d))
            | (ArithOp::TimePlus, Value::Duration(d), Value::Time(t)) => {
                Value::Time(crate::time::checked_add(t, d).ok_or_else(|| self.out_of_range())?)
            }
            (ArithOp::TimeMinus, Value::Time(t), Value::Duration(d)) => {
                Value::Time(crate::time::checked_sub(t, d).ok_or_else(|| self.out_of_range())?)
            }
            (ArithOp::TimeDiff, Value::Time(a), Value::Time(b)) => Value::Duration(a.signed_duration_since(b)),
            (ArithOp::DurAdd, Value::Duration(a), Value::Duration(b)) => {
                Value::Duration(a.checked_add(&b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::DurSub, Value::Duration(a), Value::Duration(b)) => {
                Value::Duration(a.checked_sub(&b).ok_or_else(|| self.overflow())?)
            }
            (ArithOp::DurMul, Value::Duration(d), Value::Num(n))
            | (ArithOp::DurMul, Value::Num(n), Value::Duration(d)) => {
                let nanos = Decimal::from(d.num_nanoseconds().ok_or_else(|| self.overflow())?);
                let product = nanos.checked_mul(n).ok_or_else(|| self.overflow())?.trunc();
                let nanos = i64::try_from(product).map_err(|_| self.overflow())?;
                Value::Duration(TimeDelta::nanoseconds(nanos))
            }
            _ => return Err(self.internal(Internal::WrongKinds)),
        })
    }
}

/// Whether an ordering satisfies a comparison.
#[inline]
pub(in crate::eval) fn op_holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// `x op y`: unknown when either is unknown.
#[inline]
pub(in crate::eval) fn compare_with(op: CmpOp, x: Value<'_>, y: Value<'_>) -> Value<'static> {
    // Equality of texts needs no order: lengths first, then bytes.
    if let (CmpOp::Eq | CmpOp::Ne, Value::Text(a), Value::Text(b)) = (op, x, y) {
        return Value::Bool(text_eq(a, b) == (op == CmpOp::Eq));
    }
    match compare(x, y) {
        Some(ord) => Value::Bool(op_holds(op, ord)),
        None => Value::Unknown,
    }
}

/// Whether two texts are equal. Category names and ids are short: compared by length, then
/// eight bytes at a time, without a call of the C library's `memcmp`.
#[inline]
pub(in crate::eval) fn text_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 32 {
        return a == b;
    }
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    for (x, y) in (&mut a_words).zip(&mut b_words) {
        match (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) {
            (Ok(x), Ok(y)) if u64::from_ne_bytes(x) == u64::from_ne_bytes(y) => {}
            _ => return false,
        }
    }
    a_words.remainder().iter().zip(b_words.remainder()).all(|(x, y)| x == y)
}

/// Whether a sorted set holds a text. Small sets (the usual category lists) are scanned, which
/// rejects most texts on their length alone.
#[inline]
pub(in crate::eval) fn set_contains(set: &[std::sync::Arc<str>], t: &str) -> bool {
    if set.len() <= 8 {
        set.iter().any(|x| text_eq(x, t))
    } else {
        set.binary_search_by(|x| (**x).cmp(t)).is_ok()
    }
}

/// Compares two values of the same kind; `None` when either is unknown.
pub(in crate::eval) fn compare(x: Value<'_>, y: Value<'_>) -> Option<Ordering> {
    match (x, y) {
        (Value::Num(a), Value::Num(b)) => Some(a.cmp(&b)),
        (Value::Time(a), Value::Time(b)) => Some(a.cmp(&b)),
        (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(&b)),
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(&b)),
        (Value::Choice(a), Value::Choice(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

/// Rounds to a multiple of `step` (a power of ten); `None` on overflow.
pub fn round(n: Decimal, mode: RoundingMode, step: Decimal) -> Option<Decimal> {
    let strategy = match mode {
        RoundingMode::Down => RoundingStrategy::ToZero,
        RoundingMode::Up => RoundingStrategy::AwayFromZero,
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
    };
    if step.is_zero() {
        return None;
    }
    if step.mantissa() == 1 {
        // A step of 1, 0.1, 0.01...: rounding to that many decimals is the same, without a division.
        return Some(with_scale(n.round_dp_with_strategy(step.scale(), strategy), step));
    }
    let units = n.checked_div(step)?.round_dp_with_strategy(0, strategy);
    let rounded = units.checked_mul(step)?;
    Some(with_scale(rounded, step))
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
mod tests {
    #![expect(
        clippy::unwrap_used,
        reason = "a test stops at its first surprise: unwrap says plainly what went wrong"
    )]

    use super::*;
    use rust_decimal::RoundingStrategy;
    use std::sync::Arc;

    #[test]
    fn texts_compare_byte_for_byte() {
        let texts = [
            "",
            "a",
            "购物",
            "教育培训",
            "教育培训 ",
            "学习/读书卡",
            "学历资格/职业技能培训",
            "abcdefgh",
            "abcdefgi",
            "abcdefghabcdefgh1",
            "abcdefghabcdefgh2",
            "x".repeat(40).leak(),
        ];
        for a in texts {
            for b in texts {
                assert_eq!(text_eq(a, b), a == b, "{a:?} vs {b:?}");
            }
        }
        let long_a = format!("{}a", "y".repeat(40));
        let long_b = format!("{}b", "y".repeat(40));
        assert!(!text_eq(&long_a, &long_b));
    }

    #[test]
    fn sets_small_and_large_agree_with_a_search() {
        let small: Vec<Arc<str>> = ["a", "bb", "学习/读书卡"].iter().map(|s| Arc::from(*s)).collect();
        let large: Vec<Arc<str>> = (0..20).map(|i| Arc::from(format!("c{i:02}"))).collect();
        for set in [&small, &large] {
            for probe in ["a", "bb", "b", "学习/读书卡", "c05", "c5", "c19", "c20", ""] {
                assert_eq!(set_contains(set, probe), set.iter().any(|x| &**x == probe), "{probe}");
            }
        }
    }

    #[test]
    fn rounding_to_a_power_of_ten_matches_rounding_by_division() {
        let steps = ["1", "0.1", "0.01", "0.001", "10", "100", "0.05", "0.25"];
        let values = [
            "0",
            "0.005",
            "0.015",
            "-0.015",
            "1.2345",
            "2.5",
            "-2.5",
            "123456.785",
            "0.0049999",
        ];
        let modes = [
            RoundingMode::Down,
            RoundingMode::Up,
            RoundingMode::HalfUp,
            RoundingMode::HalfDown,
            RoundingMode::HalfEven,
        ];
        for step in steps {
            let step: Decimal = step.parse().unwrap();
            for value in values {
                let n: Decimal = value.parse().unwrap();
                for mode in modes {
                    let strategy = match mode {
                        RoundingMode::Down => RoundingStrategy::ToZero,
                        RoundingMode::Up => RoundingStrategy::AwayFromZero,
                        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
                        RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
                        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
                    };
                    let by_division = (n / step).round_dp_with_strategy(0, strategy) * step;
                    let rounded = round(n, mode, step).unwrap();
                    assert_eq!(rounded, by_division, "{n} to {step} {mode:?}");
                    assert_eq!(rounded.to_string(), with_scale(by_division, step).to_string());
                }
            }
        }
    }
}
