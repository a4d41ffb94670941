//! Lists: filters with `where`, and aggregates (`sum of`, `count of`...).

use crate::check::errors;
use crate::program::types::{Dim, Ty};
use crate::program::{Filter, Ir, ListExpr};
use crate::syntax::ast::{AggOp, Expr, ExprKind};

use super::conditions::Unhandled;
use super::operators::known_refs;
use super::{Checker, T};

impl<'a> Checker<'a> {
    /// `list where filter`.
    pub(super) fn where_filter(&mut self, list: &Expr, filter: &Expr) -> Option<T> {
        let t = self.expr(list)?;
        let Some(mut l) = t.list.clone() else {
            self.error(errors::lists::where_of_non_list(self.surface(), list.span, &t.ty));
            return None;
        };
        let (filters, after_budget, _) = self.filter_in(&l, filter)?;
        attach_filters(&mut l, filters);
        Some(T {
            list: Some(l),
            after_budget: t.after_budget || after_budget,
            ..t
        })
    }

    /// Checks a filter in the scope of a list's innermost records, conjunct by conjunct
    /// (each later conjunct sees what the earlier ones proved known).
    /// Returns the conjuncts, whether any depends on a budget, and the references proven known.
    pub(super) fn filter_in(&mut self, list: &ListExpr, filter: &Expr) -> Option<(Vec<Filter>, bool, Vec<Ir>)> {
        let levels = self.list_levels(list);
        let depth = self.ctx.frames.len();
        self.ctx.frames.extend(levels);
        self.ctx.parents.extend(list.levels.iter().map(|l| l.frame));
        let known_len = self.ctx.known.len();
        let mut conjuncts = Vec::new();
        flatten_and(filter, &mut conjuncts);
        let mut filters = Vec::new();
        let mut after_budget = false;
        let mut proven = Vec::new();
        let mut ok = true;
        let surface = self.surface();
        for c in conjuncts {
            let Some(t) = self.definite(c, &Ty::Bool, Unhandled::Filter, |span, ty| {
                errors::lists::filter_not_yes_no(surface, span, ty)
            }) else {
                ok = false;
                continue;
            };
            let known = known_refs(&t.ir);
            self.ctx.known.extend(known.iter().cloned());
            proven.extend(known);
            after_budget |= t.after_budget;
            filters.push(Filter {
                ir: t.ir,
                text: self.written(c),
            });
        }
        self.ctx.frames.truncate(depth);
        self.ctx.parents.truncate(depth);
        self.ctx.known.truncate(known_len);
        ok.then_some((filters, after_budget, proven))
    }

    /// The record level of each level of a list.
    pub(super) fn list_levels(&self, list: &ListExpr) -> Vec<usize> {
        let mut out = Vec::new();
        for l in &list.levels {
            let parent_level = if l.frame < self.ctx.frames.len() {
                self.ctx.frames.get(l.frame).copied()
            } else {
                out.get(l.frame - self.ctx.frames.len()).copied()
            };
            let child = parent_level
                .and_then(|p| self.levels.get(p))
                .and_then(|p| p.children.get(&l.field))
                .copied();
            out.push(child.unwrap_or(0));
        }
        out
    }

    pub(super) fn aggregate(&mut self, op: AggOp, source: &Expr, filter: Option<&Expr>, whole: &Expr) -> Option<T> {
        let s = self.expr(source)?;
        if let Ty::PerPeriod(_, inner) = &s.ty {
            if filter.is_some() {
                self.error(errors::lists::per_period_value_filtered(self.surface(), source.span));
                return None;
            }
            let Ir::Def(idx) = s.ir else { return None };
            let ty = self.aggregate_type(op, inner, whole)?;
            // A period range is never empty, so min, max and average of known values are known.
            let maybe = s.maybe;
            return Some(
                T {
                    after_budget: s.after_budget,
                    ..T::new(Ir::AggregatePeriods(op, idx), ty)
                }
                .maybe(maybe)
                .exact(s.exact && matches!(op, AggOp::Sum | AggOp::Min | AggOp::Max)),
            );
        }
        let Some(mut list) = s.list.clone() else {
            self.error(errors::lists::aggregate_of_non_list(
                self.surface(),
                source.span,
                op,
                &self.written(source),
                &s.ty,
            ));
            return None;
        };
        let mut after_budget = s.after_budget;
        let mut item_maybe = s.maybe;
        if let Some(f) = filter {
            // Narrowing: `sum of x.v where v is known` sums known values only.
            let (filters, budget_dependent, proven) = self.filter_in(&list, f)?;
            if list.project.as_deref().is_some_and(|p| proven.contains(p)) {
                item_maybe = false;
            }
            after_budget |= budget_dependent;
            attach_filters(&mut list, filters);
        }
        let item_ty = match &s.ty {
            Ty::Items(t) => Some((**t).clone()),
            _ => None,
        };
        let ty = match (op, &item_ty) {
            (AggOp::Count, _) => Ty::Num(Dim::Count),
            (AggOp::Any, None) => Ty::Bool,
            (_, None) => {
                self.error(errors::lists::aggregate_of_records(
                    self.surface(),
                    source.span,
                    op,
                    &self.written(source),
                ));
                return None;
            }
            (_, Some(t)) => self.aggregate_type(op, t, whole)?,
        };
        if item_maybe && !matches!(op, AggOp::Count) {
            let field = match &source.kind {
                ExprKind::Field(_, f) => f.name.as_str(),
                _ => "...",
            };
            self.error(errors::lists::aggregate_of_unknowns(
                self.surface(),
                source.span,
                op,
                &self.written(source),
                field,
            ));
            return None;
        }
        let maybe = matches!(op, AggOp::Min | AggOp::Max | AggOp::Average);
        let exact = match op {
            AggOp::Count | AggOp::CountDistinct | AggOp::Any | AggOp::All => true,
            AggOp::Sum | AggOp::Min | AggOp::Max => s.exact,
            AggOp::Average => false,
        };
        Some(
            T {
                after_budget,
                ..T::new(
                    Ir::Aggregate(op, {
                        let mut list = list;
                        list.record_invariant = list.reads_only_top_record();
                        list
                    }),
                    ty,
                )
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    fn aggregate_type(&mut self, op: AggOp, item: &Ty, whole: &Expr) -> Option<Ty> {
        let ok = match op {
            AggOp::Count | AggOp::CountDistinct => {
                return if op == AggOp::CountDistinct
                    && !matches!(item, Ty::Text | Ty::Num(_) | Ty::Choice(_) | Ty::Time | Ty::Bool)
                {
                    self.error(errors::lists::distinct_count_of_wrong_kind(
                        self.surface(),
                        whole.span,
                        item,
                    ));
                    None
                } else {
                    Some(Ty::Num(Dim::Count))
                };
            }
            AggOp::Sum => matches!(item, Ty::Num(_) | Ty::Duration),
            AggOp::Average => matches!(item, Ty::Num(_) | Ty::Duration),
            AggOp::Min | AggOp::Max => matches!(item, Ty::Num(_) | Ty::Time | Ty::Duration),
            AggOp::Any | AggOp::All => *item == Ty::Bool,
        };
        if !ok {
            self.error(errors::lists::aggregate_of_wrong_kind(
                self.surface(),
                whole.span,
                op,
                item,
            ));
            return None;
        }
        Some(match (op, item) {
            (AggOp::Average, Ty::Num(Dim::Count)) => Ty::Num(Dim::Decimal),
            _ => item.clone(),
        })
    }
}

pub(super) fn attach_filters(list: &mut ListExpr, filters: Vec<Filter>) {
    if let Some(last) = list.levels.last_mut() {
        last.filters.extend(filters);
    }
}

/// The conjuncts of `a and b and (c and d)`, in order.
pub(super) fn flatten_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::And(operands) => operands.iter().for_each(|x| flatten_and(x, out)),
        ExprKind::Paren(inner) if matches!(inner.kind, ExprKind::And(_)) => flatten_and(inner, out),
        _ => out.push(e),
    }
}
