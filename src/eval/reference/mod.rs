//! The reference semantics: how each node of the compiled program evaluates.
//!
//! [`Env::eval`] (with [`Env::eval_rare`]) says what every [`Ir`] node gives, as a [`Value`]:
//!
//! - values are exact decimals, texts, instants, durations, windows, sets, or unknown; an
//!   operation on an unknown gives unknown (`values`), except the tests `is known` and
//!   `if unknown`;
//! - `not`, `and` and `or` follow Kleene's three-valued logic (`logic`): `and` stops at the first
//!   false, `or` at the first true, and unknown wins over the rest;
//! - an iteration over a list is a walk of its levels, each item kept when every conjunct of its
//!   level's filter is true (`lists`); aggregates fold the kept items;
//! - a computed field is its expression, evaluated with its record on top of the frames.
//!
//! Everything faster is in [`crate::eval::fast`], each shortcut documented with the part of
//! this semantics it must equal. `Evaluator::plain` takes none of them, and
//! `tests/equivalence.rs` compares the two.

pub(in crate::eval) mod balance;
pub(in crate::eval) mod groups;
pub(super) mod lists;
pub(super) mod logic;
pub(in crate::eval) mod ordered;
mod rare;
pub(in crate::eval) mod values;

use chrono::TimeDelta;

use crate::eval::env::{Env, Result};
use crate::eval::error::Internal;
use crate::eval::value::Value;
use crate::facts::FactValue;
use crate::program::Ir;

pub(super) use lists::Accumulator;
pub(super) use logic::Truth;
use values::{compare_with, set_contains};

impl<'a> Env<'a> {
    /// A definition's value.
    #[inline(always)]
    fn def_value(&self, i: usize) -> Value<'a> {
        self.defs.get(i).copied().unwrap_or(Value::Unknown)
    }

    /// A per-period definition's value for the current period (unknown outside a period).
    #[inline(always)]
    fn def_at(&self, i: usize) -> Value<'a> {
        match self.period {
            Some((_, k)) => self.periodic_at(i, k),
            None => Value::Unknown,
        }
    }

    /// A fact as a value of the expression language.
    #[inline(always)]
    fn value_of_fact(&self, fact: &'a FactValue) -> Result<Value<'a>> {
        Ok(match fact {
            FactValue::Unknown => Value::Unknown,
            FactValue::Bool(b) => Value::Bool(*b),
            FactValue::Number(n) => Value::Num(*n),
            FactValue::Text(t) => Value::Text(t.as_str()),
            FactValue::Choice(c) => Value::Choice(*c),
            FactValue::Time(t) => Value::Time(*t),
            FactValue::Seconds(s) => Value::Duration(TimeDelta::try_seconds(*s).ok_or_else(|| self.overflow())?),
            FactValue::List(_) => return Err(self.internal(Internal::ListAsValue)),
        })
    }

    /// The value of a fact of the record in a frame.
    #[inline]
    pub(in crate::eval) fn fact_value(&self, frame: usize, field: usize) -> Result<Value<'a>> {
        self.value_of_fact(self.fact(frame, field)?)
    }

    /// Evaluates an operand as [`Env::eval`] does, with constants, definitions and the usual
    /// facts, the commonest, read here by the same functions `eval` uses, without a call of
    /// `eval` (whose result travels through memory).
    #[inline(always)]
    pub(in crate::eval) fn operand(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        match ir {
            Ir::Const(c) => Ok(Value::of_const(c)),
            Ir::Def(i) => Ok(self.def_value(*i)),
            Ir::DefAt(i) => Ok(self.def_at(*i)),
            Ir::Fact { frame, field } => match self.frames.get(*frame).and_then(|f| f.values.get(*field)) {
                Some(fact @ (FactValue::Number(_) | FactValue::Time(_) | FactValue::Unknown)) => {
                    self.value_of_fact(fact)
                }
                _ => self.eval(ir),
            },
            _ => self.eval(ir),
        }
    }

    /// Evaluates an expression: the reference semantics of each node. The arms here are the ones
    /// list filters and amounts run for every item; the rest are in [`Env::eval_rare`], so that
    /// this function, which recurses, stays small.
    pub(in crate::eval) fn eval(&mut self, ir: &'a Ir) -> Result<Value<'a>> {
        Ok(match ir {
            Ir::Const(c) => Value::of_const(c),
            Ir::Fact { frame, field } => self.fact_value(*frame, *field)?,
            // The fused nodes (`check::optimise`) mean what the nodes they replace mean:
            // `Compare(op, Fact, Const)`, `InWindow(Fact, Const)`, `InSet(Fact, Const)`.
            Ir::FactCompare {
                frame,
                field,
                op,
                value,
            } => compare_with(*op, self.fact_value(*frame, *field)?, Value::of_const(value)),
            Ir::FactInWindow { frame, field, window } => match self.fact_value(*frame, *field)? {
                Value::Time(t) => Value::Bool(window.contains(t)),
                _ => Value::Unknown,
            },
            Ir::FactInSet { frame, field, set } => match self.fact_value(*frame, *field)? {
                Value::Text(t) => Value::Bool(set_contains(set, t)),
                _ => Value::Unknown,
            },
            Ir::Derived { frame, level, index } => self.field(*frame, *level, *index)?,
            Ir::Def(i) => self.def_value(*i),
            Ir::DefAt(i) => self.def_at(*i),
            // Kleene's logic (`logic`), on the operands' values as truths.
            Ir::Not(a) => logic::not(Truth::of_value(self.eval(a)?)).value(),
            Ir::And(operands) => logic::all(operands, |x| self.eval(x).map(Truth::of_value))?.value(),
            Ir::Or(operands) => logic::any(operands, |x| self.eval(x).map(Truth::of_value))?.value(),
            Ir::Arith(op, a, b) => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                self.arith(*op, x, y)?
            }
            Ir::ArithChain { first, rest } => {
                let mut acc = self.operand(first)?;
                for (op, x) in rest {
                    let y = self.operand(x)?;
                    acc = self.arith(*op, acc, y)?;
                }
                acc
            }
            Ir::Compare(op, a, b) => {
                let (x, y) = (self.operand(a)?, self.operand(b)?);
                compare_with(*op, x, y)
            }
            Ir::InWindow(v, w) => match (self.operand(v)?, self.operand(w)?) {
                (Value::Time(t), Value::Window(w)) => Value::Bool(w.contains(t)),
                _ => Value::Unknown,
            },
            Ir::InSet(v, s) => match (self.operand(v)?, self.operand(s)?) {
                (Value::Text(t), Value::Set(set)) => Value::Bool(set_contains(set, t)),
                _ => Value::Unknown,
            },
            Ir::IsKnown(a) => Value::Bool(!self.eval(a)?.is_unknown()),
            Ir::IfUnknown(a, b) => match self.eval(a)? {
                Value::Unknown => self.operand(b)?,
                v => v,
            },
            Ir::Aggregate(op, list) => self.aggregate_node(*op, list)?,
            _ => self.eval_rare(ir)?,
        })
    }
}
