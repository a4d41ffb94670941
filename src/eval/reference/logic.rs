//! Kleene's three-valued logic, stated once: `not`, `and` and `or` over truth values, used by
//! [`Env::eval`](crate::eval::env::Env) on values and by the fast truth values alike.

use crate::eval::env::Result;
use crate::eval::value::Value;
use crate::program::Ir;

/// What a test needs to know of a value: true, false, unknown, or something else (a value that
/// is not a truth value at all, which a well-typed campaign never gives, kept apart so that a
/// test decided on truth values decides exactly as one on values in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::eval) enum Truth {
    False,
    True,
    Unknown,
    Other,
}

impl Truth {
    #[inline]
    pub(in crate::eval) fn of(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// What a value is as a test.
    #[inline]
    pub(in crate::eval) fn of_value(v: Value<'_>) -> Truth {
        match v {
            Value::Bool(b) => Truth::of(b),
            Value::Unknown => Truth::Unknown,
            _ => Truth::Other,
        }
    }

    /// The value of a `not`, `and` or `or` that gave this truth.
    #[inline]
    pub(in crate::eval) fn value(self) -> Value<'static> {
        match self {
            Truth::True => Value::Bool(true),
            Truth::False => Value::Bool(false),
            Truth::Unknown | Truth::Other => Value::Unknown,
        }
    }
}

/// `not a`: true and false swap; unknown (or anything that is not a truth value) is unknown.
#[inline(always)]
pub(in crate::eval) fn not(a: Truth) -> Truth {
    match a {
        Truth::True => Truth::False,
        Truth::False => Truth::True,
        Truth::Unknown | Truth::Other => Truth::Unknown,
    }
}

/// `a and b and ...`: the operands from the left until one is false, which decides (the rest is
/// not evaluated); else unknown when any was unknown (or not a truth value); else true.
#[inline(always)]
pub(in crate::eval) fn all<'a>(operands: &'a [Ir], mut test: impl FnMut(&'a Ir) -> Result<Truth>) -> Result<Truth> {
    let mut all = Truth::True;
    for x in operands {
        match test(x)? {
            Truth::False => return Ok(Truth::False),
            Truth::True => {}
            Truth::Unknown | Truth::Other => all = Truth::Unknown,
        }
    }
    Ok(all)
}

/// `a or b or ...`: the operands from the left until one is true, which decides (the rest is
/// not evaluated); else unknown when any was unknown (or not a truth value); else false.
#[inline(always)]
pub(in crate::eval) fn any<'a>(operands: &'a [Ir], mut test: impl FnMut(&'a Ir) -> Result<Truth>) -> Result<Truth> {
    let mut none = Truth::False;
    for x in operands {
        match test(x)? {
            Truth::True => return Ok(Truth::True),
            Truth::False => {}
            Truth::Unknown | Truth::Other => none = Truth::Unknown,
        }
    }
    Ok(none)
}

/// `if c1 then a else if c2 then b else d`: the value to evaluate, the conditions tested from
/// the left until one is true (its value) or all are false (`otherwise`); none when a condition
/// is unknown (or not a truth value), which leaves the choice unknown. The conditions after the
/// deciding one, and every value but the chosen one, are not evaluated.
#[inline]
pub(in crate::eval) fn choose<'a>(
    branches: &'a [(Ir, Ir)],
    otherwise: &'a Ir,
    mut test: impl FnMut(&'a Ir) -> Result<Truth>,
) -> Result<Option<&'a Ir>> {
    for (condition, value) in branches {
        match test(condition)? {
            Truth::True => return Ok(Some(value)),
            Truth::False => {}
            Truth::Unknown | Truth::Other => return Ok(None),
        }
    }
    Ok(Some(otherwise))
}
