//! Rewards, their budgets, and the modifiers of values and rewards (rounding, caps, payouts,
//! expiry).

use rust_decimal::Decimal;

use crate::check::errors;
use crate::diagnostics::Span;
use crate::program::types::{Dim, Ty, UnitInfo, currency};
use crate::program::{Adjust, BudgetDef, Ir, ListExpr, ListLevel, RewardDef, Share};
use crate::syntax::ast::{self, Expr, Modifier, OutputKind, RoundingMode, Scope};
use crate::syntax::keywords::Keyword;

use super::conditions::Unhandled;
use super::units::is_power_of_ten;
use super::{Checker, RewardState, T, num_const};

impl<'a> Checker<'a> {
    /// Checks the reward of index `index` unless it is checked or being checked; its unit, once
    /// checked. A reward being checked is one whose amount reads its own pool: reported.
    pub(super) fn ensure_reward(&mut self, index: usize) -> Option<Option<Dim>> {
        let decl = match self.reward_decls.get(index) {
            Some((_, RewardState::Done(def))) => return Some(def.as_ref().map(|d| d.dim.clone())),
            Some((_, RewardState::InProgress)) => return None,
            Some((decl, RewardState::Unchecked)) => *decl,
            None => return Some(None),
        };
        if let Some((_, state)) = self.reward_decls.get_mut(index) {
            *state = RewardState::InProgress;
        }
        // A reward is checked at the top level, whatever the context that needs it.
        let saved = std::mem::replace(
            &mut self.ctx,
            super::Context {
                frames: vec![0],
                parents: vec![0],
                hidden_below: 0,
                period_var: None,
                known: Vec::new(),
                own_item: None,
            },
        );
        let def = self.reward(decl).map(Box::new);
        self.ctx = saved;
        let dim = def.as_ref().map(|d| d.dim.clone());
        if let Some((_, state)) = self.reward_decls.get_mut(index) {
            *state = RewardState::Done(def);
        }
        Some(dim)
    }

    pub(super) fn reward(&mut self, r: &'a ast::RewardDecl) -> Option<RewardDef> {
        // A reward whose name is taken was reported when it was declared.
        let index = self.rewards.get(&r.name.name).copied()?;
        self.current_reward = Some(index);
        let def = self.reward_parts(r);
        self.current_reward = None;
        def
    }

    fn reward_parts(&mut self, r: &'a ast::RewardDecl) -> Option<RewardDef> {
        let per = match &r.per {
            Some(Scope::Per { var, periods }) => {
                let p = self.periods_ref(periods)?;
                self.ctx.period_var = Some((var.name.clone(), p));
                Some(p)
            }
            _ => None,
        };
        let items = match &r.per {
            Some(Scope::Item(path)) => Some(self.item_list(path)?),
            _ => None,
        };
        let modifiers_ok = (r.kind != OutputKind::Fee || self.fee_modifiers(&r.modifiers))
            && (items.is_none() || self.item_modifiers(&r.modifiers));
        // Per item, the amount is checked as a per-item field of the list's items is: the
        // item's facts and fields in scope, `running sum of` and `portion of` allowed.
        let t = match &items {
            Some((level, _)) => self.in_item_scope(*level, |c| c.expr(&r.expr)),
            None => self.expr(&r.expr),
        };
        // The period variable is in scope in the amount, and in the payment dates and expiry
        // (each period's own, see `period_dates`); never in the cap, which caps the total, nor
        // in the reward's own conditions, which are about the record.
        let period_var = self.ctx.period_var.take();
        // The reward's own conditions are checked whatever its amount gives, for their messages.
        let gate = match &r.gate {
            Some(g) => self.reward_gate(&r.name.name, g).map(Some),
            None => Some(None),
        };
        let t = t?;
        // The amount is checked even so (its own mistakes are reported, its names used).
        if !modifiers_ok {
            return None;
        }
        let dim = match &t.ty {
            Ty::Num(d @ (Dim::Money(_) | Dim::Unit(_))) => d.clone(),
            Ty::Num(_) => {
                self.error(errors::rules::reward_without_unit(
                    self.surface(),
                    r.expr.span,
                    &r.name.name,
                ));
                return None;
            }
            other => {
                let d = errors::rules::reward_not_an_amount(self.surface(), r.expr.span, other);
                self.error(d);
                return None;
            }
        };
        if t.maybe {
            self.unknown_not_handled(&r.expr, Unhandled::Reward);
            return None;
        }
        if t.after_budget {
            self.error(errors::rules::reward_after_budget(self.surface(), r.expr.span));
            return None;
        }
        let unit = self.unit_info(&dim)?;
        let budget_ok = per.is_none();
        let adjust = self.with_period_var(period_var, |c| c.adjust(&r.modifiers, &t, Some(&unit), per.is_some()))?;
        if !t.exact && adjust.rounding.is_none() {
            self.error(errors::rules::missing_rounding(
                self.surface(),
                r.expr.span,
                &r.name.name,
                &unit,
            ));
            return None;
        }
        let mut budget = None;
        for m in &r.modifiers {
            if let Modifier::Budget(b) = m {
                if !budget_ok {
                    self.error(errors::rules::budget_on_per_period_reward(b.span));
                    return None;
                }
                if budget.is_some() {
                    self.error(errors::rules::second_budget(b.span));
                    return None;
                }
                let def = self.budget(b, &dim)?;
                if def.share != Share::Whole && !adjust.parts.is_empty() {
                    self.error(errors::rules::paid_in_parts_from_split_budget(self.surface(), b.span));
                    return None;
                }
                budget = Some(def);
            }
        }
        Some(RewardDef {
            kind: r.kind,
            name: r.name.name.clone(),
            unit,
            dim,
            per,
            expr: t.ir,
            adjust,
            budget,
            gate: gate?,
            items: items.map(|(_, list)| list),
        })
    }

    /// The list of `per item of PATH`: a list of the top-level record, walked with each item in
    /// frame 1, and its level.
    fn item_list(&mut self, path: &[ast::Ident]) -> Option<(usize, ListExpr)> {
        let level = self.level_of_path(path, true)?;
        let (Some(first), Some(last)) = (path.first(), path.last()) else {
            return None;
        };
        if path.len() != 1 {
            let span = Span::new(first.span.start, last.span.end);
            let written: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
            self.error(errors::rules::per_item_of_nested_list(span, &written.join(".")));
            return None;
        }
        let field = self.levels.first()?.index_of(&first.name)?;
        let list = ListExpr {
            levels: vec![ListLevel {
                frame: 0,
                field,
                name: first.name.clone(),
                filters: Vec::new(),
            }],
            project: None,
            base: 1,
            record_invariant: false,
        };
        Some((level, list))
    }

    /// Runs `f` in the scope of an item of the top-level list of level `level`, as a per-item
    /// field of that list is checked: the top-level record in frame 0, the item in frame 1.
    fn in_item_scope<R>(&mut self, level: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = std::mem::replace(
            &mut self.ctx,
            super::Context {
                frames: vec![0, level],
                parents: vec![0, 0],
                hidden_below: 0,
                period_var: None,
                known: Vec::new(),
                own_item: Some(1),
            },
        );
        let out = f(self);
        self.ctx = saved;
        out
    }

    /// Whether the modifiers of a reward computed per item all apply: rounding (each item's)
    /// and `at most` (the total's, consumed in list order); a floor, a budget, payment in
    /// parts and expiry are about one amount per record.
    fn item_modifiers(&mut self, modifiers: &[Modifier]) -> bool {
        let mut ok = true;
        for m in modifiers {
            let refused = match m {
                Modifier::Rounded { .. } | Modifier::AtMost(..) => None,
                Modifier::AtLeast(..) => Some(Keyword::AtLeast),
                Modifier::Budget(_) => Some(Keyword::Budget),
                Modifier::Paid(..) => Some(Keyword::Paid),
                Modifier::Expires(..) => Some(Keyword::Expires),
            };
            if let Some(what) = refused {
                self.error(errors::rules::per_item_modifier(self.surface(), m.span(), what));
                ok = false;
            }
        }
        ok
    }

    /// Runs `f` with the period variable of a per-period reward set aside, for the payment dates
    /// and expiry to take back (`period_dates`).
    fn with_period_var<R>(&mut self, var: Option<(String, usize)>, f: impl FnOnce(&mut Self) -> R) -> R {
        self.reward_period_var = var;
        let out = f(self);
        self.reward_period_var = None;
        out
    }

    /// Checks `f` (a payment date or an expiry) with the reward's period variable in scope, when
    /// the reward is settled per period: each period's dates are its own.
    fn period_dates<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.ctx.period_var = self.reward_period_var.clone();
        let out = f(self);
        self.ctx.period_var = None;
        out
    }

    /// Whether a fee's modifiers all apply to a fee: a fee is owed, so it draws on no budget, is
    /// not paid in parts and does not expire.
    fn fee_modifiers(&mut self, modifiers: &[Modifier]) -> bool {
        let mut ok = true;
        for m in modifiers {
            let refused = match m {
                Modifier::Rounded { .. } | Modifier::AtMost(..) | Modifier::AtLeast(..) => None,
                Modifier::Budget(_) => Some(Keyword::Budget),
                Modifier::Paid(..) => Some(Keyword::Paid),
                Modifier::Expires(..) => Some(Keyword::Expires),
            };
            if let Some(what) = refused {
                self.error(errors::rules::fee_modifier(self.surface(), m.span(), what));
                ok = false;
            }
        }
        ok
    }

    /// Refuses a campaign that declares both rewards and fees, once, at the first amount of the
    /// other kind than the first amount's.
    pub(super) fn outputs_of_one_kind(&mut self, campaign: &ast::Campaign) {
        let mut outputs = campaign.items.iter().filter_map(|item| match item {
            ast::Item::Reward(r) => Some(r),
            _ => None,
        });
        let Some(first) = outputs.next() else { return };
        if let Some(other) = outputs.find(|r| r.kind != first.kind) {
            let d = errors::rules::mixed_outputs(self.surface(), other.name.span, first.name.span, first.kind);
            self.error(d);
        }
    }

    fn budget(&mut self, b: &ast::Budget, dim: &Dim) -> Option<BudgetDef> {
        let amount = self.expr(&b.amount)?;
        let amount_ok = match &amount.ty {
            Ty::Num(Dim::Count) => true,
            Ty::Num(d) => d == dim,
            _ => false,
        };
        if !amount_ok {
            self.error(errors::rules::budget_unit_mismatch(b.amount.span, &amount.ty, dim));
            return None;
        }
        if depends_on_record(&amount.ir) || amount.maybe {
            self.error(errors::rules::budget_depends_on_facts(self.surface(), b.amount.span));
            return None;
        }
        let group = match &b.scope {
            ast::BudgetScope::Total => None,
            ast::BudgetScope::Per(unit, e) => {
                let t = self.expr(e)?;
                if t.ty != Ty::Time {
                    self.error(errors::rules::budget_period_not_timestamp(
                        self.surface(),
                        e.span,
                        &t.ty,
                    ));
                    return None;
                }
                if t.maybe {
                    self.unknown_not_handled(e, Unhandled::BudgetPeriod);
                    return None;
                }
                Some((*unit, t.ir))
            }
        };
        let (order, descending, share) = match &b.allocation {
            ast::Allocation::Split(ast::Split::ProRata) => (None, false, Share::ProRata),
            ast::Allocation::Split(ast::Split::Equally) => (None, false, Share::Equally),
            ast::Allocation::Queue {
                order,
                descending,
                last_split,
            } => {
                let ir = self.queue_order(order, last_split.is_some())?;
                let share = match last_split {
                    Some(unit) => Share::LastPeriodProRata(*unit),
                    None => Share::Whole,
                };
                (Some(ir), *descending, share)
            }
        };
        Some(BudgetDef {
            amount: amount.ir,
            group,
            order,
            descending,
            share,
        })
    }

    /// The key of a budget's queue: orderable and never unknown; a timestamp when claims are
    /// served a calendar period at a time (`split pro rata per day`).
    fn queue_order(&mut self, order: &Expr, by_period: bool) -> Option<Ir> {
        let t = self.expr(order)?;
        if by_period && t.ty != Ty::Time {
            self.error(errors::rules::last_split_not_timestamp(
                self.surface(),
                order.span,
                &t.ty,
            ));
            return None;
        }
        if !matches!(t.ty, Ty::Time | Ty::Num(_) | Ty::Text | Ty::Duration) {
            self.error(errors::rules::queue_order_not_orderable(
                self.surface(),
                order.span,
                &t.ty,
            ));
            return None;
        }
        if t.maybe {
            self.unknown_not_handled(order, Unhandled::QueueOrder);
            return None;
        }
        Some(t.ir)
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
                Modifier::Paid(parts, span) => ok &= self.paid(parts, *span, unit, &mut adjust),
                Modifier::Expires(e, span) => ok &= self.expires(e, *span, unit, &mut adjust),
                Modifier::Budget(b) => {
                    if unit.is_none() {
                        self.error(errors::rules::budget_not_on_reward(b.span));
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
            self.error(errors::rules::rounding_not_an_amount(span, &t.ty));
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
                    self.error(errors::rules::rounding_step_not_power_of_ten(sspan, s));
                    return false;
                }
                // A reward pays what it is rounded to: a step finer than the unit pays would pay
                // amounts that cannot be paid (1.005 CNY).
                if let Some(u) = unit
                    && !(s / u.precision).fract().is_zero()
                {
                    self.error(errors::rules::rounding_finer_than_unit(sspan, s, u));
                    return false;
                }
                s
            }
            None => match default_step {
                Some(s) => s,
                None => {
                    self.error(errors::rules::rounding_without_step(self.surface(), span));
                    return false;
                }
            },
        };
        let twice = adjust.rounding.is_some();
        if twice {
            self.error(errors::rules::rounded_twice(span));
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
            self.error(errors::rules::floor_on_per_period_reward(self.surface(), span));
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
            self.error(errors::rules::cap_finer_than_unit(e.span, &self.written(e), u));
            payable = false;
        }
        Some((cap.ir, payable))
    }

    /// `paid 90% on T1 and 10% on T2` (on a reward settled per period, each period's dates);
    /// whether it is right.
    fn paid(
        &mut self,
        parts: &[(Decimal, Span, Expr)],
        span: Span,
        unit: Option<&UnitInfo>,
        adjust: &mut Adjust,
    ) -> bool {
        if !adjust.parts.is_empty() {
            self.error(errors::rules::payout_twice(self.surface(), span));
            return false;
        }
        if unit.is_none() {
            self.error(errors::rules::payout_in_parts_not_on_reward(self.surface(), span));
            return false;
        }
        let total: Decimal = parts.iter().map(|(share, _, _)| *share).sum();
        if total != Decimal::ONE_HUNDRED {
            self.error(errors::rules::payout_parts_not_whole(self.surface(), span, total));
            return false;
        }
        let mut ok = true;
        for (share, _, when) in parts {
            let t = self.period_dates(|c| {
                c.definite(
                    when,
                    &Ty::Time,
                    Unhandled::PaymentDate,
                    errors::rules::payment_date_not_timestamp,
                )
            });
            let Some(t) = t else {
                ok = false;
                continue;
            };
            adjust.parts.push((*share / Decimal::ONE_HUNDRED, t.ir));
        }
        ok
    }

    /// `expires T`; whether it is right.
    fn expires(&mut self, e: &Expr, span: Span, unit: Option<&UnitInfo>, adjust: &mut Adjust) -> bool {
        if adjust.expires.is_some() {
            self.error(errors::rules::expiry_twice(self.surface(), span));
            return false;
        }
        if unit.is_none() {
            self.error(errors::rules::expiry_not_on_reward(self.surface(), span));
            return false;
        }
        let t = self.period_dates(|c| c.definite(e, &Ty::Time, Unhandled::Expiry, errors::rules::expiry_not_timestamp));
        let Some(t) = t else {
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
