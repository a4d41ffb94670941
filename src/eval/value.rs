//! Values during evaluation, and the outcome of evaluating one record.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::number::{Number, Ratio};
use crate::program::{Const, Window};

/// A value while evaluating. Texts borrow from the record or the program.
///
/// The discriminant is a whole word so that a value is copied as aligned words: with a one-byte
/// discriminant, moves of values returned through memory copy 31 unaligned bytes, which the
/// processor cannot forward from the stores that wrote them (measured: 6–10 % of evaluation).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(u64)]
pub enum Value<'a> {
    /// Unknown: a missing optional fact, or something computed from one.
    Unknown,
    /// A yes/no.
    Bool(bool),
    /// A number with a finite decimal form (fractions as ratios: 2 % is 0.02): every fact,
    /// literal, sum and product, and the quotients that end.
    Num(Decimal),
    /// A quotient without a finite decimal form (`1 ÷ 3`), kept exact until it is rounded
    /// ([`crate::number`]).
    Ratio(Ratio),
    /// A text.
    Text(&'a str),
    /// A choice by index.
    Choice(u32),
    /// An instant.
    Time(DateTime<Utc>),
    /// A length of time.
    Duration(TimeDelta),
    /// A window.
    Window(Window),
    /// A sorted set of texts.
    Set(&'a [Arc<str>]),
}

impl<'a> Value<'a> {
    /// A constant of the program as a value.
    pub fn of_const(c: &'a Const) -> Value<'a> {
        match c {
            Const::Bool(b) => Value::Bool(*b),
            Const::Num(n) => Value::Num(*n),
            Const::Text(t) => Value::Text(t),
            Const::Choice(i) => Value::Choice(*i),
            Const::Time(t) => Value::Time(*t),
            Const::Duration(d) => Value::Duration(*d),
            Const::Window(w) => Value::Window(*w),
            Const::Set(s) => Value::Set(s),
        }
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// The value as a number, when it is one.
    #[inline]
    pub fn number(&self) -> Option<Number> {
        match *self {
            Value::Num(d) => Some(Number::Decimal(d)),
            Value::Ratio(r) => Some(Number::Ratio(r)),
            Value::Unknown
            | Value::Bool(_)
            | Value::Text(_)
            | Value::Choice(_)
            | Value::Time(_)
            | Value::Duration(_)
            | Value::Window(_)
            | Value::Set(_) => None,
        }
    }

    /// A number as a value.
    #[inline]
    pub fn of_number(n: Number) -> Value<'static> {
        match n {
            Number::Decimal(d) => Value::Num(d),
            Number::Ratio(r) => Value::Ratio(r),
        }
    }
}

/// A value shown in results, owning its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// `null`.
    Unknown,
    /// A flag.
    Bool(bool),
    /// A count (a JSON integer).
    Count(Decimal),
    /// An amount with its unit.
    Amount(Decimal, Arc<str>),
    /// A plain number or fraction.
    Number(Decimal),
    /// A text or choice.
    Text(String),
    /// A timestamp, in the campaign's time zone.
    Time(DateTime<chrono::FixedOffset>),
    /// A duration.
    Duration(TimeDelta),
    /// A per-period value: each period's key (`2023-01`) and value, in the order of its range's
    /// periods (a period's value is never itself per period).
    ByPeriod(Vec<(String, Shown)>),
}

/// What a budget did for one record's reward.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetOutcome {
    /// The budget period the claim fell in (`2023-12`), or `total`.
    pub group: String,
    /// The 1-based place in that period's queue.
    pub position: usize,
    /// Whether the claim was granted, whole or in part (a share of more than 0).
    pub granted: bool,
    /// What was left in the budget before this claim (before its batch, when claims are split).
    pub remaining_before: Decimal,
    /// What the record claimed (its amount before the budget).
    pub claim: Decimal,
    /// The sum of the claims of the record's group, and how many records claimed.
    pub pool: (Decimal, usize),
    /// When the record's claim was cut with others': how.
    pub split: Option<SplitOutcome>,
}

/// A cut the record's claim took part in.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitOutcome {
    /// `pro rata` or `equally`.
    pub how: &'static str,
    /// The claims cut together: the group, or the calendar period of the queue key in which
    /// the budget ran out (`2024-11-11`).
    pub batch: String,
    /// What was shared.
    pub shared: Decimal,
    /// The sum of the claims cut together, and how many there were.
    pub claims: (Decimal, usize),
}

/// One reward's outcome for one record.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardOutcome {
    /// The amount paid (0 when not eligible or waitlisted).
    pub amount: Decimal,
    /// Per period, for rewards settled per period.
    pub by_period: Option<Vec<Decimal>>,
    /// The amount before rounding and caps (per period: their sum), for explanations.
    pub raw: Decimal,
    /// The budget outcome, for rewards drawn from a budget (eligible records only).
    pub budget: Option<BudgetOutcome>,
    /// For rewards paid in parts: when each part is paid and how much. For a reward settled per
    /// period, every period's parts in calendar order, each period's in the order written (the
    /// period of payment `i` is `i / parts`, `parts` the number of parts written).
    pub payments: Vec<(DateTime<Utc>, Decimal)>,
    /// For rewards paid once that expire: when.
    pub expires_at: Option<DateTime<Utc>>,
    /// For rewards settled per period that expire: when each period's amount expires, in
    /// calendar order.
    pub expires_by_period: Vec<DateTime<Utc>>,
    /// For a reward with a `when` block: whether each of its conditions holds, in order (the
    /// reward pays nothing unless all do). None for a reward without one.
    pub gate: Option<Vec<bool>>,
    /// For a reward computed per item (`per item of orders`): each item's amount, rounded on
    /// its own and capped, in the list's order (every item, 0 when not eligible).
    pub by_item: Option<Vec<Decimal>>,
}

impl RewardOutcome {
    /// Whether the reward's own conditions hold (true for a reward without a `when` block).
    pub fn gate_passed(&self) -> bool {
        self.gate.as_ref().is_none_or(|g| g.iter().all(|c| *c))
    }
}

/// The outcome of evaluating one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Whether every condition holds.
    pub eligible: bool,
    /// The outcome of each condition, in order.
    pub conditions: Vec<bool>,
    /// Each reward, in the order declared.
    pub rewards: Vec<RewardOutcome>,
    /// Each shown value, in the order declared.
    pub values: Vec<Shown>,
    /// The record's place in each ranking (none when its keys were unknown or it was evaluated alone).
    pub ranks: Vec<Option<usize>>,
}

pub use super::error::EvalError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_makes_a_value_no_larger() {
        // A ratio (a decimal and a 64-bit divisor) fits in the room a window already takes:
        // exactness costs nothing in the size of every value copied where nothing divides.
        use std::mem::size_of;
        assert!(
            size_of::<Ratio>() <= size_of::<Window>(),
            "{} > {}",
            size_of::<Ratio>(),
            size_of::<Window>()
        );
        assert_eq!(size_of::<Value<'_>>(), 40);
    }
}
