//! Why a record could not be evaluated: what failed ([`EvalErrorKind`]) and where
//! ([`Place`]).
//!
//! The text of an error ([`std::fmt::Display`]) is what the command line and the results
//! show: the failure, then the definition, condition or reward it happened in
//! (`the amount is unknown in the reward `cash``).

use std::fmt;

use crate::number::Unrepresentable;

/// Why a record could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// What went wrong.
    pub kind: EvalErrorKind,
    /// Where: the definition, condition or reward being evaluated.
    pub place: Place,
}

/// What went wrong while evaluating a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalErrorKind {
    /// A number grew beyond what a decimal holds (28 digits), or a time or duration beyond
    /// its range.
    Overflow,
    /// The exact result of an operation is not a number the evaluator holds
    /// ([`crate::number`]): never rounded instead. The operation as written with its operands'
    /// values (`79228162514264337593543950335 × 0.5`), and why.
    NotRepresentable {
        /// The operation with its operands' values.
        expression: String,
        /// Why its result cannot be held.
        why: Unrepresentable,
    },
    /// A reward's amount, not rounded by the campaign, has no finite decimal form (shown to 28
    /// significant digits): it cannot be paid without a rounding the campaign declares.
    UnroundedAmount(String),
    /// A reward's amount is unknown.
    UnknownAmount,
    /// A reward's expiry time is unknown.
    UnknownExpiry,
    /// The date of one of a reward's payments is unknown.
    UnknownPaymentDate,
    /// The timestamp that places a claim in a budget's period is unknown.
    UnknownBudgetPeriod,
    /// The key that orders a budget's queue is unknown.
    UnknownQueueOrder,
    /// A condition gave something other than true or false (shown as the value's debug text).
    Undecided(String),
    /// The campaign reads `as_of`, and the evaluation was given no reference time.
    NoReferenceTime,
    /// A calendar function refused its arguments (its message).
    Calendar(&'static str),
    /// The record needed more evaluation steps than the work limit (the limit) allows.
    WorkLimit(u64),
    /// The program and the record disagree, or the evaluator missed a case: a bug, never the
    /// campaign's or the facts' fault.
    Internal(Internal),
}

/// An internal error: what the evaluator found that a checked program and a record read under
/// its schema never give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    /// A fact the program reads is not in the record.
    MissingFact,
    /// A list fact was read as a value.
    ListAsValue,
    /// A computed field the program names does not exist.
    UnknownComputedField,
    /// Arithmetic on values of kinds the operation does not take.
    WrongKinds,
    /// A node neither arm of the evaluator took.
    NotEvaluated,
}

/// Where an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In a top-level definition, by name.
    Definition(String),
    /// In a condition, as written.
    Condition(String),
    /// In a reward, by name.
    Reward(String),
    /// Nowhere in particular.
    Nowhere,
}

impl EvalError {
    /// An error of this kind in that place.
    pub fn new(kind: EvalErrorKind, place: Place) -> Self {
        EvalError { kind, place }
    }
}

impl fmt::Display for EvalErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalErrorKind::Overflow => f.write_str("the arithmetic overflowed (a number grew beyond 28 digits)"),
            EvalErrorKind::NotRepresentable { expression, why } => {
                write!(f, "the exact result of `{expression}` cannot be held: {why}")
            }
            EvalErrorKind::UnroundedAmount(amount) => write!(
                f,
                "the amount {amount} has no finite decimal form: declare how it is rounded (`rounded down`)"
            ),
            EvalErrorKind::UnknownAmount => f.write_str("the amount is unknown"),
            EvalErrorKind::UnknownExpiry => f.write_str("the expiry time is unknown"),
            EvalErrorKind::UnknownPaymentDate => f.write_str("a payment date is unknown"),
            EvalErrorKind::UnknownBudgetPeriod => f.write_str("the budget period's timestamp is unknown"),
            EvalErrorKind::UnknownQueueOrder => f.write_str("the queue order is unknown"),
            EvalErrorKind::Undecided(value) => write!(f, "the condition gave {value} instead of true or false"),
            EvalErrorKind::NoReferenceTime => {
                f.write_str("the campaign uses `as_of`, but no reference time was given (--as-of)")
            }
            EvalErrorKind::Calendar(message) => f.write_str(message),
            EvalErrorKind::WorkLimit(limit) => write!(
                f,
                "the record needs more than {limit} evaluation steps, the work limit (raise it with --work-limit)"
            ),
            EvalErrorKind::Internal(what) => write!(f, "internal error: {what}"),
        }
    }
}

impl fmt::Display for Internal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Internal::MissingFact => "a fact is missing from the record",
            Internal::ListAsValue => "a list used as a value",
            Internal::UnknownComputedField => "unknown computed field",
            Internal::WrongKinds => "arithmetic on values of the wrong kind",
            Internal::NotEvaluated => "an expression was not evaluated",
        })
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Definition(name) => write!(f, "in `{name}`"),
            Place::Condition(text) => write!(f, "in the condition `{text}`"),
            Place::Reward(name) => write!(f, "in the reward `{name}`"),
            Place::Nowhere => Ok(()),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The failure, a space and the place, without trailing blanks (none when there is no
        // place, nor after a condition's text that ends in one).
        let text = format!("{} {}", self.kind, self.place);
        f.write_str(text.trim_end())
    }
}

impl std::error::Error for EvalError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_before() {
        let cases = [
            (
                EvalError::new(EvalErrorKind::Overflow, Place::Definition("gmv".into())),
                "the arithmetic overflowed (a number grew beyond 28 digits) in `gmv`",
            ),
            (
                EvalError::new(EvalErrorKind::UnknownAmount, Place::Reward("cash".into())),
                "the amount is unknown in the reward `cash`",
            ),
            (
                EvalError::new(
                    EvalErrorKind::Undecided("Unknown".into()),
                    Place::Condition("x > 1".into()),
                ),
                "the condition gave Unknown instead of true or false in the condition `x > 1`",
            ),
            (
                EvalError::new(EvalErrorKind::Internal(Internal::MissingFact), Place::Nowhere),
                "internal error: a fact is missing from the record",
            ),
            (
                EvalError::new(EvalErrorKind::WorkLimit(1000), Place::Definition("total".into())),
                "the record needs more than 1000 evaluation steps, the work limit (raise it with --work-limit) in `total`",
            ),
            (
                EvalError::new(EvalErrorKind::Calendar("the dates are too far apart"), Place::Nowhere),
                "the dates are too far apart",
            ),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
    }
}
