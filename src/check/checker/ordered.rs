//! Values over the items of a per-item field's list in a declared order: `running sum of`,
//! `portion of ... within first`, `previous`.

use chrono::TimeDelta;
use rust_decimal::Decimal;

use crate::check::errors;
use crate::program::types::Ty;
use crate::program::{Const, Filter, Ir, Ordered, OrderedOp};
use crate::syntax::ast::{Expr, OrderedKind};

use super::conditions::Unhandled;
use super::operators::known_refs;
use super::{Checker, T, num_const};

impl<'a> Checker<'a> {
    /// `running sum of x where c ordered by k`, `portion of x within first t ... ordered by k`,
    /// `previous x ... ordered by k`, inside a per-item field: every part is read with an item of
    /// the field's list in the item's own frame.
    pub(super) fn ordered(
        &mut self,
        kind: &OrderedKind,
        value: &Expr,
        filter: Option<&Expr>,
        keys: &[(Expr, bool)],
        whole: &Expr,
    ) -> Option<T> {
        let words = kind_words(kind);
        // The item's own frame, on top: not inside an aggregate of the field's expression, a
        // list definition checked where it is used, or a per-period value.
        let frame = self.ctx.frames.len().saturating_sub(1);
        let own = frame >= 1
            && self.ctx.own_item == Some(frame)
            && self.ctx.hidden_below == 0
            && self.ctx.period_var.is_none();
        if !own {
            self.error(errors::lists::ordered_outside_item(self.surface(), whole.span, words));
            return None;
        }
        let mut after_budget = false;
        let mut key_irs = Vec::new();
        let mut keys_maybe = false;
        for (k, descending) in keys {
            let t = self.expr(k)?;
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Duration | Ty::Text) {
                self.error(errors::lists::order_key_wrong_kind(k.span, &t.ty));
                return None;
            }
            keys_maybe |= t.maybe;
            after_budget |= t.after_budget;
            key_irs.push((t.ir, *descending));
        }
        let known_len = self.ctx.known.len();
        let filters = match filter {
            Some(f) => self.ordered_filter(f),
            None => Some((Vec::new(), false)),
        };
        let v = self.expr(value);
        self.ctx.known.truncate(known_len);
        let ((filters, filter_after_budget), v) = (filters?, v?);
        after_budget |= v.after_budget || filter_after_budget;
        let value_ok = match kind {
            OrderedKind::RunningSum => matches!(v.ty, Ty::Num(_) | Ty::Duration),
            OrderedKind::Portion(_) => matches!(v.ty, Ty::Num(_)),
            OrderedKind::Previous => v.list.is_none() && is_item_value(&v.ty),
        };
        if !value_ok {
            self.error(errors::lists::ordered_of_wrong_kind(
                self.surface(),
                value.span,
                words,
                &v.ty,
            ));
            return None;
        }
        let zero = match v.ty {
            Ty::Duration => Const::Duration(TimeDelta::zero()),
            _ => Const::Num(Decimal::ZERO),
        };
        if v.maybe && !matches!(kind, OrderedKind::Previous) {
            self.error(errors::lists::ordered_of_unknowns(
                self.surface(),
                value.span,
                words,
                &self.written(value),
            ));
            return None;
        }
        let (op, limit_maybe, limit_exact) = match kind {
            OrderedKind::RunningSum => (OrderedOp::RunningSum, false, true),
            OrderedKind::Previous => (OrderedOp::Previous, false, true),
            OrderedKind::Portion(limit) => {
                let l = self.portion_limit(limit, &v.ty)?;
                after_budget |= l.after_budget;
                (OrderedOp::Portion(l.ir), l.maybe, l.exact)
            }
        };
        let level = self.ctx.frames.get(frame).copied()?;
        let parent = self.ctx.frames.get(frame.checked_sub(1)?).copied()?;
        let (list, list_name) = self.list_field_of(parent, level)?;
        let slot = self.ordered_slots;
        self.ordered_slots += 1;
        // Unknown when the item's keys are unknown (it has no place in the order); `previous`
        // is unknown for the first item too, and a portion when its threshold is.
        let maybe = keys_maybe || limit_maybe || matches!(kind, OrderedKind::Previous);
        let exact = v.exact && limit_exact;
        let ty = v.ty.clone();
        let node = Ordered {
            op,
            value: v.ir,
            filters,
            keys: key_irs,
            frame,
            list,
            list_name,
            slot,
            zero,
            ty: ty.clone(),
            text: self.written(whole),
        };
        Some(
            T {
                after_budget,
                ..T::new(Ir::Ordered(Box::new(node)), ty)
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    /// The conjuncts of an ordered value's filter, each a known yes/no (or said what unknown
    /// means), with what they prove known kept in scope for the value.
    fn ordered_filter(&mut self, filter: &Expr) -> Option<(Vec<Filter>, bool)> {
        let mut conjuncts = Vec::new();
        super::lists::flatten_and(filter, &mut conjuncts);
        let mut filters = Vec::new();
        let mut after_budget = false;
        let mut ok = true;
        let surface = self.surface();
        for c in conjuncts {
            let Some(t) = self.definite(c, &Ty::Bool, Unhandled::Filter, |span, ty| {
                errors::lists::filter_not_yes_no(surface, span, ty)
            }) else {
                ok = false;
                continue;
            };
            self.ctx.known.extend(known_refs(&t.ir));
            after_budget |= t.after_budget;
            filters.push(Filter {
                ir: t.ir,
                text: self.written(c),
            });
        }
        ok.then_some((filters, after_budget))
    }

    /// The threshold of `portion of x within first t`: an amount in `x`'s unit.
    fn portion_limit(&mut self, limit: &Expr, value: &Ty) -> Option<T> {
        let t = self.expr(limit)?;
        match (&t.ty, value) {
            (Ty::Num(got), Ty::Num(want)) if got == want || (got.is_scalar() && want.is_scalar()) => {}
            (Ty::Num(got), Ty::Num(want)) => {
                let literal = super::is_literal(limit);
                let text = self.written(limit);
                self.error(errors::units::wrong_unit(
                    limit.span,
                    "threshold",
                    want,
                    got,
                    literal,
                    &text,
                    literal,
                ));
                return None;
            }
            (other, _) => {
                self.error(errors::lists::ordered_of_wrong_kind(
                    self.surface(),
                    limit.span,
                    "within first",
                    other,
                ));
                return None;
            }
        }
        if let Some(n) = num_const(&t.ir)
            && n <= Decimal::ZERO
        {
            self.error(errors::lints::threshold_not_positive(limit.span, &self.written(limit)));
        }
        Some(t)
    }

    /// The field of a `parent` record holding the list of `child` records, with its name.
    fn list_field_of(&self, parent: usize, child: usize) -> Option<(usize, String)> {
        let p = self.levels.get(parent)?;
        let field = p.children.iter().find(|(_, c)| **c == child).map(|(f, _)| *f)?;
        let name = p.schema.fields.get(field).map(|f| f.name.clone())?;
        Some((field, name))
    }
}

/// The words that begin an ordered value, for messages.
fn kind_words(kind: &OrderedKind) -> &'static str {
    match kind {
        OrderedKind::RunningSum => "running sum of",
        OrderedKind::Portion(_) => "portion of",
        OrderedKind::Previous => "previous",
    }
}

/// Whether `previous` can give a value of this type (one value per item, as a fact has).
fn is_item_value(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Num(_) | Ty::Bool | Ty::Text | Ty::Choice(_) | Ty::Time | Ty::Duration
    )
}
