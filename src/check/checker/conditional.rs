//! `if c1 then a else if c2 then b else d`: the conditions, the branches' common type, and
//! what each branch may take as known.

use super::operators::{known_refs, unknown_refs};
use super::{Checker, T, is_literal, literal_value};
use crate::check::errors;
use crate::program::Ir;
use crate::program::types::Ty;
use crate::syntax::ast::{Expr, ExprKind};

impl Checker<'_> {
    /// A chain of `if … then … else if … else …`: every condition a yes/no, every branch the
    /// same kind of value in the same unit. Unknown when a condition it reaches is unknown, or
    /// the branch taken is. Each branch is checked knowing what the conditions before it prove
    /// (`if x is known then x else 0 CNY` reads `x` as known).
    pub(super) fn conditional(&mut self, branches: &[(Expr, Expr)], otherwise: &Expr) -> Option<T> {
        let known_len = self.ctx.known.len();
        let result = self.conditional_parts(branches, otherwise);
        self.ctx.known.truncate(known_len);
        result
    }

    fn conditional_parts(&mut self, branches: &[(Expr, Expr)], otherwise: &Expr) -> Option<T> {
        let mut ok = true;
        let mut maybe = false;
        let mut after_budget = false;
        let mut exact = true;
        let mut tests = Vec::with_capacity(branches.len());
        let mut values = Vec::with_capacity(branches.len() + 1);
        for (test, value) in branches {
            let (mut proven_true, mut proven_false) = (Vec::new(), Vec::new());
            match self.expr(test) {
                Some(t) if t.ty == Ty::Bool => {
                    maybe |= t.maybe;
                    after_budget |= t.after_budget;
                    proven_true = known_refs(&t.ir);
                    proven_false = unknown_refs(&t.ir);
                    tests.push(t.ir);
                }
                Some(t) => {
                    self.error(errors::conditional::test_not_yes_no(self.surface(), test.span, &t.ty));
                    ok = false;
                }
                None => ok = false,
            }
            // The branch is taken only when its condition holds; still checked after an error in
            // the condition, for its own messages.
            let before = self.ctx.known.len();
            self.ctx.known.extend(proven_true);
            let v = self.expr(value);
            self.ctx.known.truncate(before);
            values.push((v, value));
            // The later branches are reached only when this condition is false.
            self.ctx.known.extend(proven_false);
        }
        values.push((self.expr(otherwise), otherwise));
        // The branches' type: the first that is not a bare `0` (which takes any unit).
        let first = values
            .iter()
            .filter_map(|(t, e)| t.as_ref().map(|t| (t, *e)))
            .find(|(_, e)| !(is_literal(e) && literal_value(e).is_some_and(|n| n.is_zero())))
            .or_else(|| values.iter().find_map(|(t, e)| t.as_ref().map(|t| (t, *e))))
            .map(|(t, e)| (t.ty.clone(), e.span));
        let mut irs = Vec::with_capacity(values.len());
        let mut bares = Vec::new();
        for (t, e) in &values {
            let Some(t) = t else {
                ok = false;
                continue;
            };
            if t.list.is_some() || matches!(t.ty, Ty::Records(_) | Ty::Items(_) | Ty::Periods(_) | Ty::PerPeriod(..)) {
                self.error(errors::conditional::branch_not_a_value(self.surface(), e.span, &t.ty));
                ok = false;
                continue;
            }
            if let Some((ty, span)) = &first
                && !self.compatible(ty, &t.ty, e)
            {
                let d = errors::conditional::branches_differ(self.surface(), e.span, &t.ty, ty, *span);
                self.error(d);
                ok = false;
                continue;
            }
            maybe |= t.maybe;
            after_budget |= t.after_budget;
            exact &= t.exact;
            bares.extend(t.bare);
            irs.push(t.ir.clone());
        }
        let (ty, _) = first?;
        if !ok {
            return None;
        }
        let otherwise = irs.pop()?;
        let branches: Vec<(Ir, Ir)> = tests.into_iter().zip(irs).collect();
        let bare = self.table_bare(bares);
        Some(
            T {
                after_budget,
                ..T::new(
                    Ir::If {
                        branches,
                        otherwise: Box::new(otherwise),
                    },
                    ty,
                )
            }
            .maybe(maybe)
            .exact(exact)
            .bare(bare),
        )
    }
}

impl Checker<'_> {
    /// `REWARD is earned`: read only inside a reward, of a reward written before it that is not
    /// drawn from a budget (rewards are decided in the order written, budgets after them all).
    pub(super) fn is_earned(&mut self, inner: &Expr) -> Option<T> {
        let ExprKind::Name(id) = &inner.kind else {
            self.error(errors::conditional::earned_needs_reward_name(
                self.surface(),
                inner.span,
            ));
            return None;
        };
        let Some(i) = self.rewards.get(&id.name).copied() else {
            let d = errors::expressions::unknown_reward(
                self.surface(),
                id.span,
                &id.name,
                self.rewards.keys().map(String::as_str),
                errors::expressions::RewardRef::Earned,
            );
            self.error(d);
            return None;
        };
        let Some(reader) = self.current_reward else {
            self.error(errors::conditional::earned_outside_reward(self.surface(), inner.span));
            return None;
        };
        if i >= reader {
            let reader_name = self
                .rewards
                .iter()
                .find(|(_, k)| **k == reader)
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            self.error(errors::conditional::earned_not_before(
                self.surface(),
                inner.span,
                &id.name,
                &reader_name,
            ));
            return None;
        }
        if self.reward_has_budget.get(i).copied().unwrap_or(false) {
            self.error(errors::conditional::earned_with_budget(
                self.surface(),
                inner.span,
                &id.name,
            ));
            return None;
        }
        Some(T::new(Ir::Earned(i), Ty::Bool))
    }
}
