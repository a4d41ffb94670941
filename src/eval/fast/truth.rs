//! Truth values: tests decided as a one-byte [`Truth`] in registers instead of a general
//! [`Value`](crate::eval::Value) written through memory.
//!
//! Filters run for every list item, and most are a fact tested against a constant: these read
//! the fact and test it without building a value. **Reference:** for every node `ir`,
//! `truth(ir)` is `Truth::of_value(eval(ir))`, error for error; the logic of `not`, `and`
//! and `or` is the one of [`crate::eval::reference::logic`], shared with `eval`.

use super::super::env::{Env, Result};
use super::super::reference::logic::{self, Truth};
use super::super::reference::values::{compare_with, op_holds, set_contains, text_eq};
use crate::facts::FactValue;
use crate::program::{CmpOp, Const, Filter, Ir};

impl<'a> Env<'a> {
    /// Whether a test holds: as a truth value when that shortcut is taken, else as the
    /// reference says ([`Truth::of_value`] of [`Env::eval`]).
    #[inline]
    pub(in crate::eval) fn truth_of(&mut self, ir: &'a Ir) -> Result<Truth> {
        if self.plan.shortcuts.truth {
            self.truth(ir)
        } else {
            Ok(Truth::of_value(self.eval(ir)?))
        }
    }

    /// Whether the item on top of the frames passes one conjunct of a filter (it is kept only
    /// when the conjunct is true).
    #[inline(always)]
    pub(in crate::eval) fn keeps(&mut self, filter: &'a Filter) -> Result<bool> {
        if self.plan.shortcuts.truth {
            Ok(self.test(&filter.ir)? == Truth::True)
        } else {
            Ok(Truth::of_value(self.eval(&filter.ir)?) == Truth::True)
        }
    }

    /// [`Env::truth`], with the tests of a fact done in place rather than by a call.
    #[inline(always)]
    pub(in crate::eval) fn test(&mut self, ir: &'a Ir) -> Result<Truth> {
        match ir {
            Ir::FactCompare { .. } | Ir::FactInWindow { .. } | Ir::FactInSet { .. } | Ir::Fact { .. } => {
                self.test_fact(ir)
            }
            _ => self.truth(ir),
        }
    }

    /// A test of a fact against constants, as [`Env::eval`] decides it: the fact's value
    /// compared with the constant ([`compare_with`]), without building either value.
    #[inline(always)]
    fn test_fact(&mut self, ir: &'a Ir) -> Result<Truth> {
        Ok(match ir {
            Ir::FactCompare {
                frame,
                field,
                op,
                value,
            } => match (self.fact(*frame, *field)?, value) {
                (FactValue::Number(x), Const::Num(c)) => Truth::of(op_holds(*op, x.cmp(c))),
                (FactValue::Text(x), Const::Text(c)) => match op {
                    CmpOp::Eq => Truth::of(text_eq(x, c)),
                    CmpOp::Ne => Truth::of(!text_eq(x, c)),
                    _ => Truth::of(op_holds(*op, (**x).cmp(&**c))),
                },
                (FactValue::Time(x), Const::Time(c)) => Truth::of(op_holds(*op, x.cmp(c))),
                (FactValue::Unknown, _) => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            Ir::FactInWindow { frame, field, window } => match self.fact(*frame, *field)? {
                FactValue::Time(t) => Truth::of(window.contains(*t)),
                FactValue::Unknown => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            Ir::FactInSet { frame, field, set } => match self.fact(*frame, *field)? {
                FactValue::Text(t) => Truth::of(set_contains(set, t)),
                FactValue::Unknown => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            Ir::Fact { frame, field } => match self.fact(*frame, *field)? {
                FactValue::Bool(b) => Truth::of(*b),
                FactValue::Unknown => Truth::Unknown,
                _ => Truth::of_value(self.eval(ir)?),
            },
            _ => Truth::of_value(self.eval(ir)?),
        })
    }

    /// Evaluates a test as [`Env::eval`] would, to what filters and conditions need of the
    /// value: true, false, unknown or something else. Returns a byte and a pointer (in
    /// registers) instead of a value written through memory.
    pub(in crate::eval) fn truth(&mut self, ir: &'a Ir) -> Result<Truth> {
        Ok(match ir {
            Ir::FactCompare { .. } | Ir::FactInWindow { .. } | Ir::FactInSet { .. } | Ir::Fact { .. } => {
                self.test_fact(ir)?
            }
            Ir::Not(a) => logic::not(self.test(a)?),
            Ir::And(operands) => logic::all(operands, |x| self.test(x))?,
            Ir::Or(operands) => logic::any(operands, |x| self.test(x))?,
            Ir::IfUnknown(a, b) => match self.truth(a)? {
                Truth::Unknown => self.truth(b)?,
                known => known,
            },
            Ir::Const(Const::Bool(b)) => Truth::of(*b),
            Ir::Derived { frame, level, index } => Truth::of_value(self.field(*frame, *level, *index)?),
            Ir::Compare(op, a, b) => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                Truth::of_value(compare_with(*op, x, y))
            }
            _ => Truth::of_value(self.eval(ir)?),
        })
    }
}
