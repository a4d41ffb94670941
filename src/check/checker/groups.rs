//! Groups within a list: `top KEY of LIST by sum of X`, `top KEY of LIST by count`.

use crate::check::errors;
use crate::program::types::{Dim, Ty};
use crate::program::{Ir, ListExpr, Top, TopTie};
use crate::syntax::ast::{Expr, ExprKind, TopTie as WrittenTie, TopTieBy};

use super::{Checker, T};

impl<'a> Checker<'a> {
    /// `top key of source by sum of x where filter, then by ...` (`sum` is `None` for `by
    /// count`): the filter, the key, the summed value and the tie-breaks' are all read in the
    /// scope of the list's innermost items, seeing what the filter proved known.
    pub(super) fn top(
        &mut self,
        key: &Expr,
        source: &Expr,
        sum: Option<&Expr>,
        filter: Option<&Expr>,
        ties: &[WrittenTie],
    ) -> Option<T> {
        let s = self.expr(source)?;
        let Some(mut list) = s.list.clone() else {
            let text = self.written(source);
            self.error(errors::lists::top_of_non_list(
                self.surface(),
                source.span,
                &text,
                &s.ty,
            ));
            return None;
        };
        if list.project.is_some() {
            let of_list = match &source.kind {
                ExprKind::Field(inner, _) => self.written(inner),
                _ => "orders".to_string(),
            };
            let text = self.written(source);
            self.error(errors::lists::top_of_values(
                self.surface(),
                source.span,
                &text,
                &of_list,
            ));
            return None;
        }
        let mut after_budget = s.after_budget;
        let mut proven = Vec::new();
        if let Some(f) = filter {
            let (filters, budget_dependent, known) = self.filter_in(&list, f)?;
            after_budget |= budget_dependent;
            proven = known;
            super::lists::attach_filters(&mut list, filters);
        }
        let (k, total, tie_breaks) = self.in_items(&list, proven, |checker| {
            let k = checker.group_key(key);
            let total = match sum {
                Some(x) => checker.group_total(x).map(Some),
                None => Some(None),
            };
            let tie_breaks: Option<Vec<(TopTie, bool)>> = ties
                .iter()
                .map(|t| checker.top_tie(key, t))
                .collect::<Vec<_>>()
                .into_iter()
                .collect();
            (k, total, tie_breaks)
        });
        let (k, total, tie_breaks) = (k?, total?, tie_breaks?);
        after_budget |= k.after_budget
            || total.as_ref().is_some_and(|t| t.after_budget)
            || tie_breaks.iter().any(|(_, after)| *after);
        let total_ty = total.as_ref().map_or(Ty::Num(Dim::Count), |t| t.ty.clone());
        let node = Top {
            list,
            key: k.ir,
            sum: total.map(|t| t.ir),
            key_ty: k.ty.clone(),
            total_ty,
            ties: tie_breaks.into_iter().map(|(t, _)| t).collect(),
        };
        // No item taken, no group: unknown.
        Some(
            T {
                after_budget,
                ..T::new(Ir::Top(Box::new(node)), k.ty)
            }
            .maybe(true),
        )
    }

    /// Runs `f` in the scope of a list's innermost items, with `known` proven known there.
    fn in_items<R>(&mut self, list: &ListExpr, known: Vec<Ir>, f: impl FnOnce(&mut Self) -> R) -> R {
        let levels = self.list_levels(list);
        let depth = self.ctx.frames.len();
        self.ctx.frames.extend(levels);
        self.ctx.parents.extend(list.levels.iter().map(|l| l.frame));
        let known_len = self.ctx.known.len();
        self.ctx.known.extend(known);
        let r = f(self);
        self.ctx.frames.truncate(depth);
        self.ctx.parents.truncate(depth);
        self.ctx.known.truncate(known_len);
        r
    }

    /// A group key: one known value of a kind that names a group.
    fn group_key(&mut self, key: &Expr) -> Option<T> {
        let k = self.expr(key)?;
        let groups = k.list.is_none()
            && matches!(
                k.ty,
                Ty::Text | Ty::Choice(_) | Ty::Num(Dim::Count) | Ty::Bool | Ty::Time
            );
        if !groups {
            let text = self.written(key);
            self.error(errors::lists::group_key_wrong_kind(
                self.surface(),
                key.span,
                &k.ty,
                &text,
            ));
            return None;
        }
        if k.maybe {
            let text = self.written(key);
            self.error(errors::lists::group_of_unknowns(self.surface(), key.span, true, &text));
            return None;
        }
        Some(k)
    }

    /// A tie-break of a `top` over `key`, and whether it reads what a budget decides: another
    /// total (checked as the first is), or the key itself, written as after `top`, with the
    /// direction that says which key wins.
    fn top_tie(&mut self, key: &Expr, tie: &WrittenTie) -> Option<(TopTie, bool)> {
        match &tie.by {
            TopTieBy::Total(sum) => {
                let (sum, ty, after_budget) = match sum {
                    Some(x) => {
                        let t = self.group_total(x)?;
                        (Some(t.ir), t.ty, t.after_budget)
                    }
                    None => (None, Ty::Num(Dim::Count), false),
                };
                let ascending = tie.descending == Some(false);
                Some((TopTie::Total { sum, ascending, ty }, after_budget))
            }
            TopTieBy::Key(written) => {
                // Compared as printed with one keyword set, whatever the file's.
                let same_key = crate::check::expr_text(written) == crate::check::expr_text(key);
                let key_text = self.written(key);
                if !same_key {
                    let text = self.written(written);
                    self.error(errors::lists::top_tie_not_key(
                        self.surface(),
                        written.span,
                        &text,
                        &key_text,
                    ));
                    return None;
                }
                let Some(descending) = tie.descending else {
                    self.error(errors::lists::top_tie_without_direction(
                        self.surface(),
                        tie.span,
                        &key_text,
                    ));
                    return None;
                };
                Some((TopTie::Key { descending }, false))
            }
        }
    }

    /// What a group's total adds up: one known number or amount per item.
    fn group_total(&mut self, x: &Expr) -> Option<T> {
        let v = self.expr(x)?;
        if v.list.is_some() || !matches!(v.ty, Ty::Num(_)) {
            self.error(errors::lists::group_total_wrong_kind(self.surface(), x.span, &v.ty));
            return None;
        }
        if v.maybe {
            let text = self.written(x);
            self.error(errors::lists::group_of_unknowns(self.surface(), x.span, false, &text));
            return None;
        }
        Some(v)
    }
}
