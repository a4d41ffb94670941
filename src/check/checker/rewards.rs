//! Rewards, their budgets, and the modifiers of values and rewards (rounding, caps, payouts,
//! expiry).

use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::{Dim, Ty, UnitInfo, currency};
use crate::program::{Adjust, BudgetDef, Ir, RewardDef};
use crate::syntax::ast::{self, Expr, Modifier, RoundingMode, Scope};

use super::conditions::Unhandled;
use super::units::is_power_of_ten;
use super::{Checker, T, expr_text, num_const};

impl<'a> Checker<'a> {
    pub(super) fn reward(&mut self, r: &'a ast::RewardDecl) -> Option<RewardDef> {
        // A reward whose name is taken was reported when it was declared.
        if !self.rewards.contains_key(&r.name.name) {
            return None;
        }
        let per = match &r.per {
            Some(Scope::Per { var, periods }) => {
                let p = self.periods_ref(periods)?;
                self.ctx.period_var = Some((var.name.clone(), p));
                Some(p)
            }
            _ => None,
        };
        let t = self.expr(&r.expr);
        // The period variable is in scope in the amount only.
        self.ctx.period_var = None;
        let t = t?;
        let dim = match &t.ty {
            Ty::Num(d @ (Dim::Money(_) | Dim::Unit(_))) => d.clone(),
            Ty::Num(_) => {
                self.error(
                    Diagnostic::error(
                        Code::BareNumber,
                        r.expr.span,
                        format!("the reward `{}` has no unit", r.name.name),
                        "a plain number",
                    )
                    .with_help(
                        "say what is paid: multiply by an amount (`new_active × 100 CNY`) or convert with `as points`",
                    ),
                );
                return None;
            }
            other => {
                let other = other.clone();
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        r.expr.span,
                        format!("a reward must be an amount, but this is {other}"),
                        "not an amount",
                    )
                    .with_help("write an amount such as `counted_gmv × 0.9% as points` or `100 CNY`"),
                );
                return None;
            }
        };
        if t.maybe {
            self.unknown_not_handled(&r.expr, Unhandled::Reward);
            return None;
        }
        if t.after_budget {
            self.error(
                Diagnostic::error(
                    Code::InvalidScope,
                    r.expr.span,
                    "a reward cannot depend on a budget's outcome",
                    "uses the budget outcome",
                )
                .with_help("budgets are allocated from the rewards' amounts; use `is waitlisted` in a value instead"),
            );
            return None;
        }
        let unit = self.unit_info(&dim)?;
        let budget_ok = per.is_none();
        let adjust = self.adjust(&r.modifiers, &t, Some(&unit), per.is_some())?;
        if !t.exact && adjust.rounding.is_none() {
            self.error(
                Diagnostic::error(
                    Code::MissingRounding,
                    r.expr.span,
                    format!(
                        "the reward `{}` can have more decimals than {} pays, and no rounding is given",
                        r.name.name, unit.name
                    ),
                    "may need rounding",
                )
                .with_help(format!(
                    "add `, rounded down` (or `rounded half up`, `rounded up`) after the amount: {} is paid in steps of {}",
                    unit.name, unit.precision
                )),
            );
            return None;
        }
        let mut budget = None;
        for m in &r.modifiers {
            if let Modifier::Budget(b) = m {
                if !budget_ok {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidModifier,
                            b.span,
                            "a reward settled per period cannot draw on a budget",
                            "budget here",
                        )
                        .with_help("budgets apply to rewards paid once per record"),
                    );
                    return None;
                }
                if budget.is_some() {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidModifier,
                            b.span,
                            "a reward can draw on one budget only",
                            "second budget",
                        )
                        .with_help("remove one of the budgets"),
                    );
                    return None;
                }
                budget = Some(self.budget(b, &dim)?);
            }
        }
        Some(RewardDef {
            name: r.name.name.clone(),
            unit,
            dim,
            per,
            expr: t.ir,
            adjust,
            budget,
        })
    }

    fn budget(&mut self, b: &ast::Budget, dim: &Dim) -> Option<BudgetDef> {
        let amount = self.expr(&b.amount)?;
        let amount_ok = match &amount.ty {
            Ty::Num(Dim::Count) => true,
            Ty::Num(d) => d == dim,
            _ => false,
        };
        if !amount_ok {
            self.error(
                Diagnostic::error(
                    Code::UnitMismatch,
                    b.amount.span,
                    format!("the budget is {}, but the reward is {dim}", amount.ty),
                    "budget amount",
                )
                .with_help("give the budget in the reward's unit, or as a count of rewards"),
            );
            return None;
        }
        if depends_on_record(&amount.ir) || amount.maybe {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    b.amount.span,
                    "a budget must be the same for every record: it cannot depend on facts",
                    "depends on facts",
                )
                .with_help("use a number or a `parameter`"),
            );
            return None;
        }
        let group = match &b.scope {
            ast::BudgetScope::Total => None,
            ast::BudgetScope::Per(unit, e) => {
                let t = self.expr(e)?;
                if t.ty != Ty::Time {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            e.span,
                            format!("budget periods follow a timestamp, but this is {}", t.ty),
                            "not a timestamp",
                        )
                        .with_help("write the timestamp that decides the period, e.g. `per month of applied_at`"),
                    );
                    return None;
                }
                if t.maybe {
                    self.unknown_not_handled(e, Unhandled::BudgetPeriod);
                    return None;
                }
                Some((*unit, t.ir))
            }
        };
        let order = self.expr(&b.order)?;
        if !matches!(order.ty, Ty::Time | Ty::Num(_) | Ty::Text | Ty::Duration) {
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    b.order.span,
                    format!(
                        "records are served in the order of a timestamp, number or text, but this is {}",
                        order.ty
                    ),
                    "cannot be ordered",
                )
                .with_help("write what decides the queue, e.g. `first come first served by applied_at`"),
            );
            return None;
        }
        if order.maybe {
            self.unknown_not_handled(&b.order, Unhandled::QueueOrder);
            return None;
        }
        Some(BudgetDef {
            amount: amount.ir,
            group,
            order: order.ir,
            descending: b.descending,
        })
    }

    /// Rounding and caps of a value or reward.
    pub(super) fn adjust(
        &mut self,
        modifiers: &[Modifier],
        t: &T,
        unit: Option<&UnitInfo>,
        per_period: bool,
    ) -> Option<Adjust> {
        let mut adjust = Adjust::default();
        let mut ok = true;
        for m in modifiers {
            match m {
                Modifier::Rounded { mode, step, span } => {
                    ok &= self.rounding(*mode, *step, *span, t, unit, &mut adjust);
                }
                Modifier::AtMost(e, span) | Modifier::AtLeast(e, span) => {
                    let most = matches!(m, Modifier::AtMost(..));
                    match self.cap(e, *span, most, t, unit, per_period) {
                        Some((cap, payable)) => {
                            ok &= payable;
                            if most {
                                adjust.at_most = Some(cap);
                            } else {
                                adjust.at_least = Some(cap);
                            }
                        }
                        None => ok = false,
                    }
                }
                Modifier::Paid(parts, span) => ok &= self.paid(parts, *span, unit, per_period, &mut adjust),
                Modifier::Expires(e, span) => ok &= self.expires(e, *span, unit, per_period, &mut adjust),
                Modifier::Budget(b) => {
                    if unit.is_none() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                b.span,
                                "only rewards can draw on a budget",
                                "budget here",
                            )
                            .with_help("move the budget to the reward"),
                        );
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(adjust)
    }

    /// `rounded MODE [to STEP]`; whether it is right.
    fn rounding(
        &mut self,
        mode: RoundingMode,
        step: Option<(Decimal, Span)>,
        span: Span,
        t: &T,
        unit: Option<&UnitInfo>,
        adjust: &mut Adjust,
    ) -> bool {
        let Ty::Num(dim) = &t.ty else {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    format!("only amounts can be rounded, but this is {}", t.ty),
                    "rounding",
                )
                .with_help("remove the rounding"),
            );
            return false;
        };
        let default_step = unit.map(|u| u.precision).or_else(|| match dim {
            Dim::Money(c) => currency(c).map(|(_, minor)| Decimal::new(1, minor)),
            Dim::Unit(u) => self.units.get(&**u).map(|i| i.precision),
            _ => None,
        });
        let step_value = match step {
            Some((s, sspan)) => {
                if !is_power_of_ten(s) {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidRounding,
                            sspan,
                            format!("rounding steps are powers of ten such as `1` or `0.01`, not `{s}`"),
                            "not a power of ten",
                        )
                        .with_help("write `to 0.01` for fen, `to 1` for whole units"),
                    );
                    return false;
                }
                s
            }
            None => match default_step {
                Some(s) => s,
                None => {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidRounding,
                            span,
                            "say what to round to: this number has no unit with a payable step",
                            "rounding without a step",
                        )
                        .with_help("add the step: `rounded half up to 0.01`"),
                    );
                    return false;
                }
            },
        };
        let twice = adjust.rounding.is_some();
        if twice {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    "the amount is rounded twice",
                    "second rounding",
                )
                .with_help("keep one rounding"),
            );
        }
        adjust.rounding = Some((mode, step_value));
        !twice
    }

    /// `at most CAP` or (`most` false) `at least FLOOR`: the bound, and whether it is in whole
    /// payable steps.
    fn cap(
        &mut self,
        e: &Expr,
        span: Span,
        most: bool,
        t: &T,
        unit: Option<&UnitInfo>,
        per_period: bool,
    ) -> Option<(Ir, bool)> {
        if per_period && !most {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    "a floor on a reward settled per period is not supported",
                    "floor here",
                )
                .with_help(
                    "put the floor on a per-period value (`let x per month in ... = ..., at least ...`) and pay that",
                ),
            );
            return None;
        }
        let cap = self.expr(e)?;
        if !self.same_dim(&t.ty, &cap.ty, e, "cap") {
            return None;
        }
        if cap.maybe {
            self.unknown_not_handled(e, Unhandled::Cap);
            return None;
        }
        let mut payable = true;
        if let (Some(u), Some(n)) = (unit, num_const(&cap.ir))
            && !(n / u.precision).fract().is_zero()
        {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    e.span,
                    format!(
                        "`{}` is finer than {} pays (steps of {})",
                        expr_text(e),
                        u.name,
                        u.precision
                    ),
                    "not payable",
                )
                .with_help("write the cap in whole payable steps"),
            );
            payable = false;
        }
        Some((cap.ir, payable))
    }

    /// `paid 90% on T1 and 10% on T2`; whether it is right.
    fn paid(
        &mut self,
        parts: &[(Decimal, Span, Expr)],
        span: Span,
        unit: Option<&UnitInfo>,
        per_period: bool,
        adjust: &mut Adjust,
    ) -> bool {
        if !adjust.parts.is_empty() {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    "the payout is given twice",
                    "second payout",
                )
                .with_help("write all the parts in one `paid ... and ...`"),
            );
            return false;
        }
        if unit.is_none() || per_period {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    "only a reward paid once per record can be paid in parts",
                    "payout here",
                )
                .with_help("move `paid ... on ...` to a reward without `per`"),
            );
            return false;
        }
        let total: Decimal = parts.iter().map(|(share, _, _)| *share).sum();
        if total != Decimal::ONE_HUNDRED {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    format!("the parts add up to {}%, not 100%", total.normalize()),
                    "parts of the payout",
                )
                .with_help("make the shares add up to exactly 100%, e.g. `paid 90% on ... and 10% on ...`"),
            );
            return false;
        }
        let mut ok = true;
        for (share, _, when) in parts {
            let Some(t) = self.definite(
                when,
                &Ty::Time,
                "a part is paid on a date",
                "write a date such as `2024-10-01` or `add_months(start_of_month(as_of), 1)`",
                Unhandled::PaymentDate,
            ) else {
                ok = false;
                continue;
            };
            adjust.parts.push((*share / Decimal::ONE_HUNDRED, t.ir));
        }
        ok
    }

    /// `expires T`; whether it is right.
    fn expires(
        &mut self,
        e: &Expr,
        span: Span,
        unit: Option<&UnitInfo>,
        per_period: bool,
        adjust: &mut Adjust,
    ) -> bool {
        if adjust.expires.is_some() {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    "the expiry is given twice",
                    "second expiry",
                )
                .with_help("keep one `expires ...`"),
            );
            return false;
        }
        if per_period {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    span,
                    "a reward settled per period cannot carry one expiry",
                    "expiry here",
                )
                .with_help("move `expires ...` to a reward paid once per record"),
            );
            return false;
        }
        if unit.is_none() {
            self.error(
                Diagnostic::error(Code::InvalidModifier, span, "only rewards expire", "expiry here")
                    .with_help("move `expires ...` to the reward"),
            );
            return false;
        }
        let Some(t) = self.definite(
            e,
            &Ty::Time,
            "a reward expires at a time",
            "write a date such as `2024-12-31 24:00`",
            Unhandled::Expiry,
        ) else {
            return false;
        };
        adjust.expires = Some(t.ir);
        true
    }
}

/// Whether evaluating `ir` reads anything of the record.
fn depends_on_record(ir: &Ir) -> bool {
    match ir {
        Ir::Const(_) | Ir::Unknown | Ir::Param(_) | Ir::PeriodsWindow(_) => false,
        Ir::Neg(a) | Ir::Not(a) | Ir::IsKnown(a) => depends_on_record(a),
        Ir::Arith(_, a, b) | Ir::Compare(_, a, b) | Ir::IfUnknown(a, b) => depends_on_record(a) || depends_on_record(b),
        Ir::ArithChain { first, rest } => depends_on_record(first) || rest.iter().any(|(_, x)| depends_on_record(x)),
        Ir::And(v) | Ir::Or(v) | Ir::Min(v) | Ir::Max(v) => v.iter().any(depends_on_record),
        _ => true,
    }
}
