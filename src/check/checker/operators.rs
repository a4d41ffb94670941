//! Binary operators: `and`/`or` with narrowing, arithmetic with units, comparisons.

use rust_decimal::Decimal;

use crate::check::errors;
use crate::program::types::{Dim, Ty};
use crate::program::{ArithOp, CmpOp, Const, Ir};
use crate::syntax::ast::{BinOp, Expr, ExprKind};

use super::expressions::written_text;
use super::{Bare, Checker, T, is_literal, literal_value, num_const};

impl<'a> Checker<'a> {
    pub(super) fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, whole: &Expr) -> Option<T> {
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.expr(a)?;
                // Narrowing: in `x is known and ...` (or `x is unknown or ...`) the right side sees x known.
                let known_len = self.ctx.known.len();
                let narrowed = if op == BinOp::And {
                    known_refs(&l.ir)
                } else {
                    unknown_refs(&l.ir)
                };
                self.ctx.known.extend(narrowed);
                let r = self.expr(b);
                self.ctx.known.truncate(known_len);
                let r = r?;
                for (t, e) in [(&l, a), (&r, b)] {
                    if t.ty != Ty::Bool {
                        self.error(errors::expressions::join_of_non_condition(
                            self.surface(),
                            e.span,
                            op,
                            &t.ty,
                        ));
                        return None;
                    }
                }
                let maybe = l.maybe || r.maybe;
                let after_budget = l.after_budget || r.after_budget;
                let ir = if op == BinOp::And {
                    Ir::And(vec![l.ir, r.ir])
                } else {
                    Ir::Or(vec![l.ir, r.ir])
                };
                Some(
                    T {
                        after_budget,
                        ..T::new(ir, Ty::Bool)
                    }
                    .maybe(maybe),
                )
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let l = self.expr(a);
                let r = self.expr(b);
                self.arith(op, l?, r?, a, b, whole)
            }
            _ => {
                let l = self.expr(a);
                let r = self.expr(b);
                self.compare(op, l?, r?, a, b)
            }
        }
    }

    pub(super) fn arith(&mut self, op: BinOp, l: T, r: T, a: &Expr, b: &Expr, whole: &Expr) -> Option<T> {
        let maybe = l.maybe || r.maybe;
        let after_budget = l.after_budget || r.after_budget;
        let (ty, aop, exact, maybe) = match (op, &l.ty, &r.ty) {
            (BinOp::Add | BinOp::Sub, Ty::Num(x), Ty::Num(y)) => {
                let dim = self.additive_dim(x, y, a, b, op)?;
                let aop = if op == BinOp::Add { ArithOp::Add } else { ArithOp::Sub };
                (Ty::Num(dim), aop, l.exact && r.exact, maybe)
            }
            (BinOp::Mul, Ty::Num(x), Ty::Num(y)) => {
                let dim = match (x, y) {
                    (Dim::Count, Dim::Count) => Dim::Count,
                    (Dim::Fraction, Dim::Fraction) => Dim::Fraction,
                    (s, q) | (q, s) if s.is_scalar() && !q.is_scalar() => q.clone(),
                    (s, t) if s.is_scalar() && t.is_scalar() => Dim::Decimal,
                    _ => {
                        self.error(errors::expressions::meaningless_product(whole.span, x, y));
                        return None;
                    }
                };
                self.bare_multiplier(&l, &r, whole);
                let whole_count = |t: &T| matches!(t.ty, Ty::Num(Dim::Count)) && t.exact;
                let exact = (l.exact && whole_count(&r)) || (r.exact && whole_count(&l));
                (Ty::Num(dim), ArithOp::Mul, exact, maybe)
            }
            (BinOp::Div, Ty::Num(x), Ty::Num(y)) => {
                let dim = match (x, y) {
                    // A ratio of counts or of rates is a plain number.
                    (q, s) if s.is_scalar() => {
                        if *q == Dim::Count || (*q == Dim::Fraction && *s == Dim::Fraction) {
                            Dim::Decimal
                        } else {
                            q.clone()
                        }
                    }
                    (q1, q2) if q1 == q2 => Dim::Decimal,
                    _ => {
                        self.error(errors::expressions::meaningless_division(whole.span, x, y));
                        return None;
                    }
                };
                // Division by zero gives unknown, unless the divisor is a non-zero constant.
                let safe = num_const(&r.ir).is_some_and(|n| !n.is_zero());
                if num_const(&r.ir).is_some_and(|n| n.is_zero()) {
                    self.error(errors::expressions::division_by_zero(b.span));
                    return None;
                }
                (Ty::Num(dim), ArithOp::Div, false, maybe || !safe)
            }
            // Operands keep their written order (the evaluator takes either), so that nothing
            // is cloned and a chain like `t - t + t - ...` stays flat.
            (BinOp::Add, Ty::Time, Ty::Duration) | (BinOp::Add, Ty::Duration, Ty::Time) => {
                (Ty::Time, ArithOp::TimePlus, true, maybe)
            }
            (BinOp::Sub, Ty::Time, Ty::Duration) => (Ty::Time, ArithOp::TimeMinus, true, maybe),
            (BinOp::Sub, Ty::Time, Ty::Time) => (Ty::Duration, ArithOp::TimeDiff, true, maybe),
            (BinOp::Add, Ty::Duration, Ty::Duration) => (Ty::Duration, ArithOp::DurAdd, true, maybe),
            (BinOp::Sub, Ty::Duration, Ty::Duration) => (Ty::Duration, ArithOp::DurSub, true, maybe),
            (BinOp::Mul, Ty::Duration, Ty::Num(d)) if d.is_scalar() => (Ty::Duration, ArithOp::DurMul, true, maybe),
            (BinOp::Mul, Ty::Num(d), Ty::Duration) if d.is_scalar() => (Ty::Duration, ArithOp::DurMul, true, maybe),
            (BinOp::Div, Ty::Duration, Ty::Num(d)) if d.is_scalar() => {
                // As for numbers: dividing by zero is unknown, by a constant zero an error.
                if num_const(&r.ir).is_some_and(|n| n.is_zero()) {
                    self.error(errors::expressions::division_by_zero(b.span));
                    return None;
                }
                let safe = num_const(&r.ir).is_some_and(|n| !n.is_zero());
                (Ty::Duration, ArithOp::DurDiv, true, maybe || !safe)
            }
            (BinOp::Div, Ty::Duration, Ty::Duration) => {
                let safe = matches!(&r.ir, Ir::Const(Const::Duration(d)) if !d.is_zero());
                (Ty::Num(Dim::Decimal), ArithOp::DurRatio, false, maybe || !safe)
            }
            (_, x, y) => {
                let d = errors::expressions::arithmetic_on_wrong_kinds(whole.span, op, x, y);
                self.error(d);
                return None;
            }
        };
        // Arithmetic on written plain numbers only (`2 + 3`) is a written plain number too.
        let bare = match (&ty, l.bare, r.bare) {
            (Ty::Num(Dim::Count | Dim::Decimal), Some(_), Some(_)) => Some(Bare {
                span: whole.span,
                value: None,
            }),
            _ => None,
        };
        // Fold constants so windows and caps written as sums stay constants. Only an exact
        // decimal result is folded: `1 ÷ 3` (a ratio) and a result that cannot be held are left
        // to the evaluator, which keeps the first exact and reports the second.
        if let (Some(x), Some(y)) = (num_const(&l.ir), num_const(&r.ir)) {
            use crate::number::{self, Number};
            let folded = match aop {
                ArithOp::Add => number::add_decimals(x, y).ok(),
                ArithOp::Sub => number::sub_decimals(x, y).ok(),
                ArithOp::Mul => number::mul_decimals(x, y).ok(),
                ArithOp::Div => match number::divide_decimals(x, y) {
                    Ok(Some(Number::Decimal(q))) => Some(q),
                    _ => None,
                },
                _ => None,
            };
            if let Some(v) = folded {
                // No fix for `2 + 3`: writing `%` after the text would not make it `5%`.
                return Some(T::new(Ir::Const(Const::Num(v)), ty).exact(exact).bare(bare));
            }
        }
        if let (Ir::Const(Const::Time(t)), Ir::Const(Const::Duration(d)), ArithOp::TimeMinus) = (&l.ir, &r.ir, aop)
            && let Some(v) = t.checked_sub_signed(*d)
        {
            return Some(T::new(Ir::Const(Const::Time(v)), ty));
        }
        Some(
            T {
                after_budget,
                ..T::new(Ir::Arith(aop, Box::new(l.ir), Box::new(r.ir)), ty)
            }
            .maybe(maybe)
            .exact(exact)
            .bare(bare),
        )
    }

    /// Refuses an amount computed from facts scaled by a plain number written without `%` or
    /// `times` (`gmv × 5`, meant as 5 %), reported once where the number is written. A price
    /// written in the file times a number of units (`2 × 100 CNY`, `packs × 100 CNY`) is a
    /// quantity, not a rate, and passes.
    fn bare_multiplier(&mut self, l: &T, r: &T, whole: &Expr) {
        let amount = |t: &T| matches!(t.ty, Ty::Num(Dim::Money(_) | Dim::Unit(_)));
        let (amount_side, number_side) = match (amount(l), amount(r)) {
            (true, false) => (l, r),
            (false, true) => (r, l),
            _ => return,
        };
        if matches!(amount_side.ir, Ir::Const(_) | Ir::Param(_)) {
            return;
        }
        let Some(bare) = number_side.bare else { return };
        let siblings = self.bare_siblings.get(&bare.span).cloned().unwrap_or_default();
        for b in std::iter::once(bare).chain(siblings) {
            if !self.bare_reported.insert(b.span) {
                continue;
            }
            let text = self.text.get(b.span.start..b.span.end).unwrap_or("").to_string();
            let d = errors::units::bare_multiplier(b.span, &text, b.value, whole.span);
            self.error(d);
        }
    }

    fn additive_dim(&mut self, x: &Dim, y: &Dim, a: &Expr, b: &Expr, op: BinOp) -> Option<Dim> {
        if x == y {
            return Some(x.clone());
        }
        match (x, y) {
            (Dim::Count | Dim::Decimal, Dim::Count | Dim::Decimal) => return Some(Dim::Decimal),
            (Dim::Fraction, Dim::Decimal | Dim::Count) | (Dim::Decimal | Dim::Count, Dim::Fraction)
                if !is_literal(a) && !is_literal(b) =>
            {
                return Some(Dim::Decimal);
            }
            (q, _) if literal_value(b) == Some(Decimal::ZERO) => return Some(q.clone()),
            (_, q) if literal_value(a) == Some(Decimal::ZERO) => return Some(q.clone()),
            _ => {}
        }
        let (bare, other) = if y.is_scalar() && !x.is_scalar() {
            (Some(b), x)
        } else if x.is_scalar() && !y.is_scalar() {
            (Some(a), y)
        } else {
            (None, x)
        };
        match bare {
            Some(e) if is_literal(e) && other.unit_label().is_some() => {
                let unit = other.unit_label().unwrap_or("");
                self.error(errors::expressions::sum_with_bare_number(
                    e.span,
                    op,
                    other,
                    &self.written(e),
                    unit,
                    written_as_digits(e),
                ));
            }
            _ if matches!((x, y), (Dim::Fraction, _) | (_, Dim::Fraction)) => {
                let e = if *x == Dim::Fraction { b } else { a };
                self.error(errors::expressions::sum_with_percentage(
                    e.span,
                    op,
                    x,
                    y,
                    literal_value(e),
                ));
            }
            _ => {
                self.error(errors::expressions::sum_of_different_units(
                    self.surface(),
                    a.span.to(b.span),
                    op,
                    x,
                    y,
                ));
            }
        }
        None
    }

    fn compare(&mut self, op: BinOp, l: T, r: T, a: &Expr, b: &Expr) -> Option<T> {
        let cmp = cmp_of(op);
        let maybe = l.maybe || r.maybe;
        let after_budget = l.after_budget || r.after_budget;
        let ordered = !matches!(cmp, CmpOp::Eq | CmpOp::Ne);
        let make = |li: Ir, ri: Ir| {
            T {
                after_budget,
                ..T::new(Ir::Compare(cmp, Box::new(li), Box::new(ri)), Ty::Bool)
            }
            .maybe(maybe)
        };
        match (&l.ty, &r.ty) {
            (Ty::Num(x), Ty::Num(y)) => {
                if self.comparable_numbers(x, y, a, b) {
                    Some(make(l.ir, r.ir))
                } else {
                    None
                }
            }
            (Ty::Time, Ty::Time) => {
                self.date_only_comparison(cmp, l.date_only, r.date_only, a, b);
                Some(make(l.ir, r.ir))
            }
            (Ty::Duration, Ty::Duration) => Some(make(l.ir, r.ir)),
            (Ty::Text, Ty::Text) | (Ty::Bool, Ty::Bool) if !ordered => Some(make(l.ir, r.ir)),
            (Ty::Choice(c1), Ty::Choice(c2)) if !ordered && c1 == c2 => Some(make(l.ir, r.ir)),
            (Ty::Choice(choices), Ty::Text) | (Ty::Text, Ty::Choice(choices)) if !ordered => {
                let (text_ir, choice_ir, text_expr) = if matches!(l.ty, Ty::Text) {
                    (&l.ir, &r.ir, a)
                } else {
                    (&r.ir, &l.ir, b)
                };
                let Ir::Const(Const::Text(s)) = text_ir else {
                    self.error(errors::expressions::choice_compared_with_computed_text(text_expr.span));
                    return None;
                };
                match choices.iter().position(|c| c.as_str() == &**s) {
                    Some(i) => Some(make(choice_ir.clone(), Ir::Const(Const::Choice(i as u32)))),
                    None => {
                        let choices = choices.clone();
                        self.unknown_choice(s, &choices, text_expr.span, &written_text(text_expr));
                        None
                    }
                }
            }
            (Ty::Time, Ty::Num(_)) | (Ty::Num(_), Ty::Time) => {
                let e = if l.ty == Ty::Time { b } else { a };
                self.error(errors::expressions::timestamp_compared_with_number(e.span));
                None
            }
            (Ty::Duration, Ty::Num(_)) | (Ty::Num(_), Ty::Duration) => {
                let e = if l.ty == Ty::Duration { b } else { a };
                self.error(errors::expressions::duration_compared_with_number(
                    e.span,
                    literal_value(e),
                ));
                None
            }
            (x, y) => {
                let d = if ordered && x == y {
                    errors::expressions::cannot_order(self.surface(), a.span.to(b.span), x, op)
                } else {
                    errors::expressions::cannot_compare(self.surface(), a.span.to(b.span), x, y)
                };
                self.error(d);
                None
            }
        }
    }

    /// Whether two numbers can be compared, reporting when not.
    fn comparable_numbers(&mut self, x: &Dim, y: &Dim, a: &Expr, b: &Expr) -> bool {
        // A computed plain number (a ratio, a share of a count) may be compared with a
        // percentage; only a bare literal next to a percentage is a likely slip (`≥ 2` for `≥ 2%`).
        let ratio_vs_rate = matches!(
            (x, y),
            (Dim::Fraction, Dim::Decimal | Dim::Count) | (Dim::Decimal | Dim::Count, Dim::Fraction)
        ) && !is_literal(a)
            && !is_literal(b);
        let ok = x == y
            || ratio_vs_rate
            || matches!((x, y), (Dim::Count | Dim::Decimal, Dim::Count | Dim::Decimal))
            || literal_value(a) == Some(Decimal::ZERO)
            || literal_value(b) == Some(Decimal::ZERO);
        if ok {
            return true;
        }
        // Which side is the bare literal?
        let (lit, other) = if y.is_scalar() && is_literal(b) {
            (Some(b), x)
        } else if x.is_scalar() && is_literal(a) {
            (Some(a), y)
        } else {
            (None, x)
        };
        match (lit, other) {
            (Some(e), Dim::Fraction) => {
                let n = literal_value(e).unwrap_or_default();
                self.error(errors::expressions::compared_with_percentage_without_percent(
                    e.span,
                    &self.written(e),
                    n,
                ));
            }
            (Some(e), q) if q.unit_label().is_some() => {
                self.error(errors::expressions::compared_with_bare_number(
                    e.span,
                    &self.written(e),
                    q,
                    q.unit_label().unwrap_or(""),
                    written_as_digits(e),
                ));
            }
            _ => {
                self.error(errors::expressions::compared_in_different_units(
                    a.span.to(b.span),
                    x,
                    y,
                ));
            }
        }
        false
    }

    /// Warns of `≤ DATE` and the like, which leave out (or take in) the rest of that day.
    fn date_only_comparison(&mut self, cmp: CmpOp, l_date_only: bool, r_date_only: bool, a: &Expr, b: &Expr) {
        // `≤ 2022-12-31` means "up to the first instant of that day", which is rarely meant.
        let date_side = if r_date_only {
            Some(b)
        } else if l_date_only {
            Some(a)
        } else {
            None
        };
        if let Some(e) = date_side
            && matches!(
                (cmp, r_date_only),
                (CmpOp::Le | CmpOp::Gt, true) | (CmpOp::Ge | CmpOp::Lt, false)
            )
        {
            self.error(errors::expressions::date_only_comparison(
                e.span,
                &self.written(e),
                matches!(cmp, CmpOp::Le | CmpOp::Ge),
            ));
        }
    }
}

/// Whether a number is written as digits (`5`, `-5`), so that the unit can follow it as written.
fn written_as_digits(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Number(_) => true,
        ExprKind::Neg(inner) => matches!(inner.kind, ExprKind::Number(_)),
        _ => false,
    }
}

pub(super) fn cmp_of(op: BinOp) -> CmpOp {
    match op {
        BinOp::Eq => CmpOp::Eq,
        BinOp::Ne => CmpOp::Ne,
        BinOp::Lt => CmpOp::Lt,
        BinOp::Le => CmpOp::Le,
        BinOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

/// References that a true `ir` proves known: the operands of `x is known`, through `and`.
pub(super) fn known_refs(ir: &Ir) -> Vec<Ir> {
    match ir {
        Ir::IsKnown(inner) => vec![(**inner).clone()],
        Ir::And(operands) => operands.iter().flat_map(known_refs).collect(),
        _ => Vec::new(),
    }
}

/// References that a false `ir` proves known: the operands of `x is unknown`, through `or`.
pub(super) fn unknown_refs(ir: &Ir) -> Vec<Ir> {
    match ir {
        Ir::Not(inner) => match &**inner {
            Ir::IsKnown(x) => vec![(**x).clone()],
            _ => Vec::new(),
        },
        Ir::Or(operands) => operands.iter().flat_map(unknown_refs).collect(),
        _ => Vec::new(),
    }
}
