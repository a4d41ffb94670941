//! Checking chains of one operator: `a and b and c`, `a or b or c`, `a + b - c`, `a × b ÷ c`.
//!
//! A chain is one node of the tree however long it is, and is checked by a loop: a sum of
//! 90,000 terms takes no more stack than a sum of two. The loop does, operand by operand, what
//! checking the chain as nested pairs (`((a + b) - c)`) would do, with the same diagnostics at
//! the same places: each pair's type and unit checks, the narrowing of `x is known and ...`,
//! and where checking stops after an error.

use super::operators::{known_refs, unknown_refs};
use super::{Checker, T};
use crate::check::errors;
use crate::diagnostics::Span;
use crate::program::Ir;
use crate::program::types::Ty;
use crate::syntax::ast::{BinOp, Expr, ExprKind};

impl Checker<'_> {
    /// `a and b and ...` or `a or b or ...`.
    ///
    /// Each operand is checked knowing what the ones before it prove when they hold (for `and`:
    /// `x is known and x > 3`) or fail (for `or`: `x is unknown or x > 3`). Checking stops at the
    /// first operand that fails to check, or that is not a condition.
    pub(super) fn logic_chain(&mut self, op: BinOp, operands: &[Expr]) -> Option<T> {
        let (first, rest) = operands.split_first()?;
        let known_len = self.ctx.known.len();
        let result = self.logic_operands(op, first, rest);
        self.ctx.known.truncate(known_len);
        result
    }

    fn logic_operands(&mut self, op: BinOp, first: &Expr, rest: &[Expr]) -> Option<T> {
        let T {
            ir,
            ty: first_ty,
            mut maybe,
            mut after_budget,
            ..
        } = self.expr(first)?;
        let mut irs = Vec::with_capacity(rest.len() + 1);
        irs.push(ir);
        for (k, e) in rest.iter().enumerate() {
            // What the operand before this one proves; those before it are already in `known`.
            let previous = irs.last()?;
            let narrowed = if op == BinOp::And {
                known_refs(previous)
            } else {
                unknown_refs(previous)
            };
            self.ctx.known.extend(narrowed);
            let t = self.expr(e)?;
            // The first pair checks both sides; later the left side is the chain so far, a condition.
            if k == 0 && first_ty != Ty::Bool {
                self.not_a_condition(op, &first_ty, first);
                return None;
            }
            if t.ty != Ty::Bool {
                self.not_a_condition(op, &t.ty, e);
                return None;
            }
            maybe |= t.maybe;
            after_budget |= t.after_budget;
            irs.push(t.ir);
        }
        let ir = if op == BinOp::And { Ir::And(irs) } else { Ir::Or(irs) };
        Some(
            T {
                after_budget,
                ..T::new(ir, Ty::Bool)
            }
            .maybe(maybe),
        )
    }

    fn not_a_condition(&mut self, op: BinOp, ty: &Ty, e: &Expr) {
        let surface = self.surface();
        self.error(errors::expressions::join_of_non_condition(surface, e.span, op, ty));
    }

    /// `a + b - c` or `a × b ÷ c`: each operator applied to the chain so far and the next
    /// operand, as for `((a + b) - c)`. Every operand is checked, even after an error, as each
    /// side of a pair is; the pairs after an error are not.
    pub(super) fn arith_chain(&mut self, first: &Expr, rest: &[(BinOp, Expr)]) -> Option<T> {
        let mut acc = self.expr(first);
        for (k, (op, e)) in rest.iter().enumerate() {
            let r = self.expr(e);
            let (Some(l), Some(r)) = (acc, r) else {
                acc = None;
                continue;
            };
            let whole = stand_in(first.span.to(e.span));
            let t = match k.checked_sub(1).and_then(|before| rest.get(before)) {
                None => self.arith(*op, l, r, first, e, &whole),
                Some((_, before)) => self.arith(*op, l, r, &stand_in(first.span.to(before.span)), e, &whole),
            };
            acc = t.map(|t| if k == 0 { t } else { extend(t) });
        }
        acc
    }
}

/// The part of a chain before an operator, as [`Checker::arith`] sees its left side: where it
/// is written and that it is not a literal (a number, maybe negated or in parentheses), which
/// is all the arithmetic reads of it. Two operands or more are never a literal; an empty `or`
/// is not one either, and is built without allocating.
fn stand_in(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Or(Vec::new()),
        span,
    }
}

/// Continues the chain in the left operand of a pair just formed: `((a + b) - c)` becomes the
/// one node `a + b - c`, whose operands are evaluated in the same order (`a`, `b`, `c`).
/// Anything else (a constant folded, an operation whose sides were swapped so that the chain
/// is on the right) is kept as it is.
fn extend(mut t: T) -> T {
    let ir = std::mem::replace(&mut t.ir, Ir::Unknown);
    t.ir = match ir {
        Ir::Arith(op, left, right) => match *left {
            Ir::Arith(op0, a, b) => Ir::ArithChain {
                first: a,
                rest: vec![(op0, *b), (op, *right)],
            },
            Ir::ArithChain { first, mut rest } => {
                rest.push((op, *right));
                Ir::ArithChain { first, rest }
            }
            left => Ir::Arith(op, Box::new(left), right),
        },
        other => other,
    };
    t
}
