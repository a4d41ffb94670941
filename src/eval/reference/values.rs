//! What the operations of the language do to values: arithmetic, comparison, membership and
//! rounding, each once, for every evaluation path.

use std::cmp::Ordering;

use chrono::TimeDelta;
use rust_decimal::Decimal;

use crate::eval::env::{Env, Result};
use crate::eval::error::{EvalError, EvalErrorKind, Internal};
use crate::eval::value::Value;
use crate::number::{self, Number, Op, Unrepresentable};
use crate::program::{ArithOp, CmpOp};
use crate::syntax::ast::RoundingMode;

impl<'a> Env<'a> {
    /// `x op y` of [`crate::program::Ir::Arith`]: unknown when either is unknown (or when
    /// dividing by zero); exact ([`crate::number`]), and an error when the exact result is not
    /// a number the evaluator holds or a time or duration beyond its range.
    #[inline]
    pub(in crate::eval) fn arith(&self, op: ArithOp, x: Value<'a>, y: Value<'a>) -> Result<Value<'a>> {
        Ok(match (op, x, y) {
            (_, Value::Unknown, _) | (_, _, Value::Unknown) => Value::Unknown,
            // Decimals without a division: the fast path, exact or an error.
            (ArithOp::Add, Value::Num(a), Value::Num(b)) => {
                Value::Num(number::add_decimals(a, b).map_err(|why| self.inexact(Op::Add, x, y, why))?)
            }
            (ArithOp::Sub, Value::Num(a), Value::Num(b)) => {
                Value::Num(number::sub_decimals(a, b).map_err(|why| self.inexact(Op::Sub, x, y, why))?)
            }
            (ArithOp::Mul, Value::Num(a), Value::Num(b)) => {
                Value::Num(number::mul_decimals(a, b).map_err(|why| self.inexact(Op::Mul, x, y, why))?)
            }
            (ArithOp::Add | ArithOp::Sub | ArithOp::Mul | ArithOp::Div, _, _) => {
                let op = match op {
                    ArithOp::Add => Op::Add,
                    ArithOp::Sub => Op::Sub,
                    ArithOp::Mul => Op::Mul,
                    _ => Op::Div,
                };
                self.exact(op, x, y)?
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
            (ArithOp::DurMul, Value::Duration(d), n) | (ArithOp::DurMul, n, Value::Duration(d)) => {
                self.scale_duration(d, n)?
            }
            (ArithOp::DurDiv, Value::Duration(d), n) => match n.number() {
                Some(divisor) => match duration_quotient(d, divisor) {
                    Ok(Some(q)) => Value::Duration(q),
                    Ok(None) => Value::Unknown,
                    Err(why) => return Err(self.inexact(Op::Div, Value::Duration(d), n, why)),
                },
                None => return Err(self.internal(Internal::WrongKinds)),
            },
            _ => return Err(self.internal(Internal::WrongKinds)),
        })
    }

    /// `x op y` of numbers, at least one of them a ratio or the operation a division: exact,
    /// unknown when dividing by zero.
    #[inline(never)]
    fn exact(&self, op: Op, x: Value<'a>, y: Value<'a>) -> Result<Value<'a>> {
        let (Some(a), Some(b)) = (x.number(), y.number()) else {
            return Err(self.internal(Internal::WrongKinds));
        };
        match number::apply(op, a, b) {
            Ok(Some(n)) => Ok(Value::of_number(n)),
            Ok(None) => Ok(Value::Unknown),
            Err(why) => Err(self.inexact(op, x, y, why)),
        }
    }

    /// A duration times a number: exact, in whole nanoseconds, or an error.
    fn scale_duration(&self, d: TimeDelta, n: Value<'a>) -> Result<Value<'a>> {
        let Some(factor) = n.number() else {
            return Err(self.internal(Internal::WrongKinds));
        };
        let nanos = Number::Decimal(Decimal::from(d.num_nanoseconds().ok_or_else(|| self.overflow())?));
        let product = match number::apply(Op::Mul, nanos, factor) {
            Ok(Some(Number::Decimal(p))) if p.fract().is_zero() => p,
            Ok(_) => {
                return Err(self.inexact(Op::Mul, Value::Duration(d), n, Unrepresentable::FractionOfNanosecond));
            }
            Err(why) => return Err(self.inexact(Op::Mul, Value::Duration(d), n, why)),
        };
        let nanos = i64::try_from(product).map_err(|_| self.overflow())?;
        Ok(Value::Duration(TimeDelta::nanoseconds(nanos)))
    }

    /// The error of an operation whose exact result cannot be held, naming it with its
    /// operands' exact values.
    #[cold]
    pub(in crate::eval) fn inexact(&self, op: Op, x: Value<'a>, y: Value<'a>, why: Unrepresentable) -> Box<EvalError> {
        let operand = |v: Value<'a>| match (v.number(), v) {
            (Some(n), _) => n.to_string(),
            (None, Value::Duration(d)) => {
                let nanos = i128::from(d.num_nanoseconds().unwrap_or(i64::MAX));
                let seconds = Decimal::from_i128_with_scale(nanos, 9).normalize();
                format!(
                    "{seconds} {}",
                    if seconds == Decimal::ONE { "second" } else { "seconds" }
                )
            }
            (None, other) => format!("{other:?}"),
        };
        self.fail(EvalErrorKind::NotRepresentable {
            expression: format!("{} {} {}", operand(x), op.symbol(), operand(y)),
            why,
        })
    }

    /// An exact operation on numbers of an aggregate, tier table or reward, as an error of the
    /// record when its result cannot be held.
    pub(in crate::eval) fn number_op(&self, op: Op, a: Number, b: Number) -> Result<Number> {
        match number::apply(op, a, b) {
            Ok(Some(n)) => Ok(n),
            Ok(None) => Err(self.internal(Internal::WrongKinds)),
            Err(why) => Err(self.inexact(op, Value::of_number(a), Value::of_number(b), why)),
        }
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

/// A duration divided by a number, rounded to whole seconds, halves to even (durations are
/// written and read in whole seconds); `None` when dividing by zero, an error when the quotient
/// is beyond the durations held.
pub(in crate::eval) fn duration_quotient(d: TimeDelta, divisor: Number) -> number::Exact<Option<TimeDelta>> {
    let nanos = d.num_nanoseconds().ok_or(Unrepresentable::TooLarge)?;
    let Some(seconds) = number::divide_decimals(Decimal::from(nanos), Decimal::from(1_000_000_000i64))? else {
        return Ok(None);
    };
    let Some(quotient) = number::apply(Op::Div, seconds, divisor)? else {
        return Ok(None);
    };
    let whole = number::round(quotient, RoundingMode::HalfEven, Decimal::ONE)?;
    let whole = i64::try_from(whole).map_err(|_| Unrepresentable::TooLarge)?;
    TimeDelta::try_seconds(whole).map(Some).ok_or(Unrepresentable::TooLarge)
}

/// Compares two values of the same kind; `None` when either is unknown.
pub(in crate::eval) fn compare(x: Value<'_>, y: Value<'_>) -> Option<Ordering> {
    match (x, y) {
        (Value::Num(a), Value::Num(b)) => Some(a.cmp(&b)),
        (Value::Num(_) | Value::Ratio(_), Value::Num(_) | Value::Ratio(_)) => {
            Some(number::compare(x.number()?, y.number()?))
        }
        (Value::Time(a), Value::Time(b)) => Some(a.cmp(&b)),
        (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(&b)),
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(&b)),
        (Value::Choice(a), Value::Choice(b)) => Some(a.cmp(&b)),
        _ => None,
    }
}

/// Rounds a decimal to a multiple of `step`, exactly; `None` when the result cannot be held.
pub fn round(n: Decimal, mode: RoundingMode, step: Decimal) -> Option<Decimal> {
    number::round(Number::Decimal(n), mode, step).ok()
}

pub use number::with_scale;

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
