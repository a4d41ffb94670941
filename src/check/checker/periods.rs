//! The functions of per-period definitions and rewards that read other periods than the
//! current one (`previous`, `cumulative`) or number the current one (`period_number`).
//!
//! `previous(y)` and `cumulative(y)` read `y` by name. Another definition is checked first (so
//! it is computed, every period of it, before the definition that reads it; two definitions
//! reading each other this way are a cycle). A definition reading its own earlier periods,
//! `let x per month in r = ... previous(x, first) ...`, cannot be typed from itself: its type is
//! the first period's value's, checked against `x`'s once `x` is checked, and its index, not
//! yet known, is filled in then ([`fill_own`]).

use crate::check::errors::{expressions, periods};
use crate::program::types::{Dim, Ty};
use crate::program::{Definition, Ir, PeriodFunc};
use crate::syntax::ast::{self, Expr, ExprKind};

use super::{Checker, State, T};

/// Stands for the index of the definition being checked in `Ir::Previous` until it is known.
const OWN: usize = usize::MAX;

/// A definition's `previous` of itself, to check once the definition is: its name, the first
/// period's value as written, and that value's type.
pub(super) struct OwnPrevious {
    pub(super) name: String,
    first: Expr,
    ty: Ty,
}

impl<'a> Checker<'a> {
    pub(super) fn period_call(
        &mut self,
        func: PeriodFunc,
        name: &ast::Ident,
        args: &[Expr],
        whole: &Expr,
    ) -> Option<T> {
        let (least, most) = match func {
            PeriodFunc::Previous => (1, 2),
            PeriodFunc::Cumulative => (1, 1),
            PeriodFunc::PeriodNumber => (2, 2),
        };
        if args.len() < least || args.len() > most {
            let arity = if args.len() < least { least } else { most };
            self.error(expressions::calendar_wrong_arity(
                whole.span,
                &name.name,
                arity,
                args.len(),
            ));
            return None;
        }
        let Some((var, range)) = self.ctx.period_var.clone() else {
            self.error(periods::outside_a_period(self.surface(), whole.span, &name.name));
            return None;
        };
        let (first, second) = (args.first()?, args.get(1));
        match func {
            PeriodFunc::PeriodNumber => self.period_number(&var, first, second?),
            PeriodFunc::Previous | PeriodFunc::Cumulative => self.earlier(func, name, range, first, second),
        }
    }

    /// `period_number(p, t)`: `p` must be the period variable.
    fn period_number(&mut self, var: &str, period: &Expr, at: &Expr) -> Option<T> {
        if !matches!(&period.kind, ExprKind::Name(id) if id.name == var) {
            self.error(periods::not_the_period(period.span, var));
            return None;
        }
        let t = self.expr(at)?;
        if t.ty != Ty::Time {
            self.error(expressions::calendar_wrong_argument(
                at.span,
                "period_number",
                expressions::CalendarArg::Timestamp,
                &t.ty,
            ));
            return None;
        }
        Some(
            T {
                after_budget: t.after_budget,
                ..T::new(Ir::PeriodNumber(Box::new(t.ir)), Ty::Num(Dim::Count))
            }
            .maybe(t.maybe),
        )
    }

    /// `previous(y)`, `previous(y, first)` or `cumulative(y)` in a period of `range`.
    fn earlier(
        &mut self,
        func: PeriodFunc,
        name: &ast::Ident,
        range: usize,
        value: &Expr,
        first: Option<&Expr>,
    ) -> Option<T> {
        let ExprKind::Name(id) = &value.kind else {
            let d = periods::not_a_per_period_value(self.surface(), value.span, &name.name, &self.written(value));
            self.error(d);
            return None;
        };
        if self.defining.last() == Some(&id.name) && self.def_state.get(&id.name) == Some(&State::InProgress) {
            return self.own_earlier(func, id, first);
        }
        let t = self.name(id)?;
        let ty = match (&t.ir, &t.ty) {
            (Ir::DefAt(_), ty) => ty.clone(),
            (Ir::Def(_), Ty::PerPeriod(its, _)) => {
                let its_name = self.periods.get(*its).map(|r| r.name.clone()).unwrap_or_default();
                let here = self.periods.get(range).map(|r| r.name.clone()).unwrap_or_default();
                self.error(periods::other_range(value.span, &name.name, &id.name, &its_name, &here));
                return None;
            }
            _ => {
                let d = periods::not_a_per_period_value(self.surface(), value.span, &name.name, &id.name);
                self.error(d);
                return None;
            }
        };
        let Ir::DefAt(idx) = t.ir else { return None };
        if func == PeriodFunc::Cumulative {
            if !matches!(ty, Ty::Num(_)) {
                self.error(periods::cumulative_of_non_number(value.span, &ty));
                return None;
            }
            return Some(T {
                ir: Ir::Cumulative(idx),
                ..t
            });
        }
        let first = match first {
            Some(f) => {
                let ft = self.expr(f)?;
                if !self.compatible(&ty, &ft.ty, f) {
                    self.error(periods::first_of_other_kind(f.span, &id.name, &ty, &ft.ty));
                    return None;
                }
                Some(ft)
            }
            None => None,
        };
        let maybe = first.as_ref().is_none_or(|f| f.maybe) || t.maybe;
        let exact = t.exact && first.as_ref().is_none_or(|f| f.exact);
        let after_budget = t.after_budget || first.as_ref().is_some_and(|f| f.after_budget);
        Some(
            T {
                after_budget,
                ..T::new(
                    Ir::Previous {
                        def: idx,
                        first: first.map(|f| Box::new(f.ir)),
                    },
                    ty,
                )
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    /// `previous(x, first)` inside `x` itself (`cumulative(x)` there is a cycle).
    fn own_earlier(&mut self, func: PeriodFunc, id: &ast::Ident, first: Option<&Expr>) -> Option<T> {
        let symbol = self.symbols.top.get(&id.name).copied();
        self.refer(symbol, id.span);
        if func == PeriodFunc::Cumulative {
            self.error(periods::cumulative_of_itself(id.span, &id.name));
            return None;
        }
        let Some(first) = first else {
            self.error(periods::previous_of_itself_needs_first(id.span, &id.name));
            return None;
        };
        let f = self.expr(first)?;
        self.own_previous.push(OwnPrevious {
            name: id.name.clone(),
            first: first.clone(),
            ty: f.ty.clone(),
        });
        // Whether the definition's value is a whole number of payable steps is not known yet.
        Some(
            T {
                after_budget: f.after_budget,
                ..T::new(
                    Ir::Previous {
                        def: OWN,
                        first: Some(Box::new(f.ir)),
                    },
                    f.ty,
                )
            }
            .maybe(f.maybe)
            .exact(false),
        )
    }

    /// Once `def` (at `idx`) is checked: its reads of its own earlier periods get its index, and
    /// their first periods' values are checked against its type.
    pub(super) fn finish_own_previous(&mut self, def: &mut Definition, idx: usize) {
        let mut own = Vec::new();
        self.own_previous.retain_mut(|o| {
            let mine = o.name == def.name;
            if mine {
                own.push(OwnPrevious {
                    name: std::mem::take(&mut o.name),
                    first: o.first.clone(),
                    ty: o.ty.clone(),
                });
            }
            !mine
        });
        if own.is_empty() {
            return;
        }
        fill_own(&mut def.expr, idx);
        for ir in [&mut def.adjust.at_most, &mut def.adjust.at_least]
            .into_iter()
            .flatten()
        {
            fill_own(ir, idx);
        }
        for o in &own {
            if !self.compatible(&def.ty, &o.ty, &o.first) {
                self.error(periods::first_of_other_kind(o.first.span, &def.name, &def.ty, &o.ty));
            } else if def.maybe {
                let d = periods::previous_of_itself_unknown(self.surface(), o.first.span, &def.name);
                self.error(d);
            }
        }
    }
}

/// Gives a definition's reads of its own earlier periods its index.
fn fill_own(ir: &mut Ir, idx: usize) {
    if let Ir::Previous { def, .. } = ir
        && *def == OWN
    {
        *def = idx;
    }
    ir.for_each_child_mut(&mut |child| fill_own(child, idx));
}
