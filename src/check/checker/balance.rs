//! A balance carried across months (`balance of c applied to l.fee ordered by t ...`), the
//! whole of a per-month definition, and the functions that read what it did in a month
//! (`credited`, `credit_used`, `credit_expired`, `credit_lost`, `paid_in_cash`).

use rust_decimal::Decimal;

use crate::check::errors;
use crate::check::errors::balances::{Dated, Misplaced};
use crate::program::types::{Dim, Ty, currency};
use crate::program::{Balance, BalanceStat, Ir};
use crate::syntax::ast::{self, BalanceExpr, BinOp, Expr, ExprKind, PeriodUnit};

use super::operators::known_refs;
use super::{Checker, T};

/// The further keys of an order, with `descending`.
type Keys = Vec<(Ir, bool)>;

impl<'a> Checker<'a> {
    /// The whole of the per-period definition `whole`, over the range `range`, with or without
    /// modifiers (`modified`): a balance's credit, items, order, expiry and leaving instant.
    pub(super) fn balance(&mut self, b: &BalanceExpr, whole: &Expr, range: usize, modified: bool) -> Option<T> {
        let monthly = self.periods.get(range).is_some_and(|r| r.unit == PeriodUnit::Month);
        if !monthly {
            self.error(errors::balances::misplaced(
                self.surface(),
                whole.span,
                Misplaced::NotMonths,
            ));
            return None;
        }
        if modified {
            self.error(errors::balances::misplaced(
                self.surface(),
                whole.span,
                Misplaced::Modified,
            ));
        }
        let credit = self.balance_credit(&b.credit);
        // The items, their order and the leaving instant are the record's, not a month's: read
        // without a current month (`month` is not in scope there).
        let period_var = self.ctx.period_var.take();
        let items = self.balance_items(b);
        let lost_at = match &b.lost_at {
            Some(t) => self.balance_lost_at(t).map(Some),
            None => Some(None),
        };
        self.ctx.period_var = period_var;
        let ((credit, step), (list, date, keys), lost_at) = (credit?, items?, lost_at?);
        if list.ty != credit.ty {
            self.error(errors::balances::fee_in_another_unit(
                b.applied.span,
                &credit.ty,
                &list.ty,
            ));
            return None;
        }
        let list_expr = list.list?;
        let slot = self.balance_slots;
        self.balance_slots += 1;
        let node = Balance {
            credit: credit.ir,
            list: list_expr,
            date,
            keys,
            expiry: b.expiry.map(|(months, _)| months),
            lost_at,
            range,
            step,
            slot,
            ty: credit.ty.clone(),
            items: self.written(&b.applied),
        };
        Some(T {
            after_budget: credit.after_budget || list.after_budget,
            ..T::new(Ir::Balance(Box::new(node)), credit.ty)
        })
    }

    /// The credit of each month: a known amount, with its unit's payable step.
    fn balance_credit(&mut self, credit: &Expr) -> Option<(T, Decimal)> {
        let t = self.expr(credit)?;
        let Some(step) = self.payable_step(&t.ty) else {
            self.error(errors::balances::not_an_amount(
                self.surface(),
                credit.span,
                "credit",
                &t.ty,
            ));
            return None;
        };
        if t.maybe {
            let d = errors::balances::unknowns(self.surface(), credit.span, "credit", &self.written(credit));
            self.error(d);
            return None;
        }
        if can_be_negative(credit) {
            self.error(errors::balances::can_go_negative(credit.span, &self.written(credit)));
        }
        Some((t, step))
    }

    /// The fees of the items (a list's field, each a known amount; its type is that of one
    /// item), and the keys of their order, read in the items' scope: the date first (a known
    /// timestamp), then the others.
    fn balance_items(&mut self, b: &BalanceExpr) -> Option<(T, Ir, Keys)> {
        let t = self.expr(&b.applied)?;
        let (Some(list), Ty::Items(item)) = (t.list.clone(), &t.ty) else {
            self.error(errors::balances::not_an_amount(
                self.surface(),
                b.applied.span,
                "fee of each item",
                &t.ty,
            ));
            return None;
        };
        let item = (**item).clone();
        if self.payable_step(&item).is_none() || list.project.is_none() {
            self.error(errors::balances::not_an_amount(
                self.surface(),
                b.applied.span,
                "fee of each item",
                &item,
            ));
            return None;
        }
        if t.maybe {
            let d = errors::balances::unknowns(self.surface(), b.applied.span, "fee", &self.written(&b.applied));
            self.error(d);
            return None;
        }
        let levels = self.list_levels(&list);
        let depth = self.ctx.frames.len();
        self.ctx.frames.extend(levels);
        self.ctx.parents.extend(list.levels.iter().map(|l| l.frame));
        // What the list's filters prove known is known in the keys: `(orders where settled_at is
        // known).fee ordered by settled_at`.
        let known_len = self.ctx.known.len();
        for level in &list.levels {
            for f in &level.filters {
                self.ctx.known.extend(known_refs(&f.ir));
            }
        }
        let date = self.balance_date(&b.date);
        let mut keys = Vec::new();
        let mut ok = true;
        for (k, descending) in &b.keys {
            match self.balance_key(k) {
                Some(ir) => keys.push((ir, *descending)),
                None => ok = false,
            }
        }
        self.ctx.known.truncate(known_len);
        self.ctx.frames.truncate(depth);
        self.ctx.parents.truncate(depth);
        let date = date?;
        let after_budget = t.after_budget;
        ok.then_some((
            T {
                after_budget,
                list: Some(list),
                ..T::new(Ir::Unknown, item)
            },
            date,
            keys,
        ))
    }

    /// The first key: the instant each item is settled, a known timestamp.
    fn balance_date(&mut self, date: &Expr) -> Option<Ir> {
        let t = self.expr(date)?;
        if t.ty != Ty::Time {
            self.error(errors::balances::not_dated(
                self.surface(),
                date.span,
                Dated::FirstKey,
                &t.ty,
            ));
            return None;
        }
        if t.maybe {
            self.error(errors::balances::unknowns(
                self.surface(),
                date.span,
                "date",
                &self.written(date),
            ));
            return None;
        }
        Some(t.ir)
    }

    /// A further key of the order: a known number, amount, timestamp, duration or text.
    fn balance_key(&mut self, key: &Expr) -> Option<Ir> {
        let t = self.expr(key)?;
        if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Duration | Ty::Text) {
            self.error(errors::lists::order_key_wrong_kind(key.span, &t.ty));
            return None;
        }
        if t.maybe {
            self.error(errors::balances::unknowns(
                self.surface(),
                key.span,
                "order key",
                &self.written(key),
            ));
            return None;
        }
        Some(t.ir)
    }

    /// `lost at t`: a timestamp, unknown when the merchant has not left.
    fn balance_lost_at(&mut self, t: &Expr) -> Option<Ir> {
        let c = self.expr(t)?;
        if c.ty != Ty::Time {
            self.error(errors::balances::not_dated(
                self.surface(),
                t.span,
                Dated::LostAt,
                &c.ty,
            ));
            return None;
        }
        Some(c.ir)
    }

    /// The payable step of an amount's unit (0.01 for CNY, a unit's precision); none for what
    /// is not an amount.
    fn payable_step(&self, ty: &Ty) -> Option<Decimal> {
        match ty {
            Ty::Num(Dim::Money(c)) => currency(c).map(|(_, minor)| Decimal::new(1, minor)),
            Ty::Num(Dim::Unit(u)) => self.units.get(&**u).map(|i| i.precision),
            _ => None,
        }
    }

    /// `credited(b)`, `credit_used(b)`, ...: what the balance `b` did in the current month.
    pub(super) fn balance_stat(
        &mut self,
        stat: BalanceStat,
        name: &ast::Ident,
        args: &[Expr],
        whole: &Expr,
    ) -> Option<T> {
        let [arg] = args else {
            self.error(errors::expressions::calendar_wrong_arity(
                whole.span,
                &name.name,
                1,
                args.len(),
            ));
            return None;
        };
        let Some((_, range)) = self.ctx.period_var.clone() else {
            self.error(errors::periods::outside_a_period(
                self.surface(),
                whole.span,
                &name.name,
            ));
            return None;
        };
        let ExprKind::Name(id) = &arg.kind else {
            let d = errors::balances::not_a_balance(self.surface(), arg.span, &name.name, &self.written(arg));
            self.error(d);
            return None;
        };
        let t = self.name(id)?;
        let idx = match (&t.ir, &t.ty) {
            (Ir::DefAt(idx), _) if self.balance_defs.contains(idx) => *idx,
            (Ir::Def(_), Ty::PerPeriod(its, _)) if *its != range => {
                let its_name = self.periods.get(*its).map(|r| r.name.clone()).unwrap_or_default();
                let here = self.periods.get(range).map(|r| r.name.clone()).unwrap_or_default();
                let d = errors::periods::other_range(arg.span, &name.name, &id.name, &its_name, &here);
                self.error(d);
                return None;
            }
            _ => {
                let d = errors::balances::not_a_balance(self.surface(), arg.span, &name.name, &id.name);
                self.error(d);
                return None;
            }
        };
        // Credits and their uses are whole steps; what is left to pay in cash is the fees' exact
        // rest, which a fee paying it rounds.
        Some(
            T {
                after_budget: t.after_budget,
                ..T::new(Ir::BalanceOf(stat, idx), t.ty)
            }
            .exact(stat != BalanceStat::Cash),
        )
    }
}

/// Whether a credit, as written, can be below zero: it subtracts or negates something, or is a
/// negative constant, outside a `max` with a constant of zero or more. (A fact or definition it
/// names is taken as it is: the lint is about what the credit's own text does.)
fn can_be_negative(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Neg(_) => true,
        ExprKind::Number(n) | ExprKind::Quantity(n, _) | ExprKind::Percent(n) => n.is_sign_negative(),
        ExprKind::Arith { first, rest } => {
            can_be_negative(first) || rest.iter().any(|(op, x)| *op == BinOp::Sub || can_be_negative(x))
        }
        ExprKind::Call(f, args) if f.name == "max" => !args.iter().any(is_non_negative_constant),
        ExprKind::Paren(inner) => can_be_negative(inner),
        _ => {
            let mut any = false;
            e.for_each_child(&mut |child| any |= can_be_negative(child));
            any
        }
    }
}

/// A number or amount written as a constant of zero or more.
fn is_non_negative_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number(n) | ExprKind::Quantity(n, _) | ExprKind::Percent(n) => !n.is_sign_negative(),
        _ => false,
    }
}
