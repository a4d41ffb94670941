//! Definitions (`let`, `value`, `window`) and computed fields: each checked once, in
//! dependency order, with cycles reported.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::diagnostics::Span;
use crate::program::types::{Dim, Ty, currency};
use crate::program::{Adjust, Const, Definition, Derived, Ir};
use crate::suggest::closest;
use crate::syntax::ast::{self, Expr, ExprKind, Item, Scope};

use super::super::errors::{definitions, names};
use super::{Checker, Context, DerivedSlot, State, TopName};

impl<'a> Checker<'a> {
    /// Checks every definition and computed field, in the order written (dependencies first,
    /// through `ensure_def`).
    pub(super) fn check_definitions(&mut self, campaign: &'a ast::Campaign) {
        for item in &campaign.items {
            match item {
                Item::Value(v) if !matches!(v.scope, Some(Scope::Of(_))) => {
                    self.ensure_def(&v.name.name);
                }
                Item::Window(w) => {
                    self.ensure_def(&w.name.name);
                }
                Item::Value(v) => {
                    // Derived fields are checked even if nothing uses them.
                    if let Some(Scope::Of(path)) = &v.scope
                        && let Some(level) = self.level_of_path(path, false)
                        && let Some(index) = self.derived_index.get(&(level, v.name.name.as_str())).copied()
                        && self
                            .derived
                            .get(level)
                            .and_then(|d| d.get(index))
                            .is_some_and(|s| std::ptr::eq(s.decl, v))
                    {
                        self.ensure_derived(level, index);
                    }
                }
                _ => {}
            }
        }
    }

    /// The values shown in results (`value`), in the order written.
    pub(super) fn exposed(&mut self, campaign: &ast::Campaign) -> Vec<usize> {
        let mut exposed = Vec::new();
        for item in &campaign.items {
            if let Item::Value(v) = item
                && v.exposed
                && !matches!(v.scope, Some(Scope::Of(_)))
                && let Some(State::Done(idx)) = self.def_state.get(&v.name.name).copied()
                && let Some(def) = self.definitions.get(idx)
            {
                // A per-period value is shown per period (`by_period`), each period as a value of
                // its type is.
                if !outputtable(&def.ty) {
                    let keyword = self.value_keyword(v);
                    let d = definitions::cannot_be_shown(v.name.span, &v.name.name, &def.ty, keyword, self.surface);
                    self.error(d);
                } else {
                    exposed.push(idx);
                }
            }
        }
        exposed
    }

    /// Checks a top-level definition if not done yet; returns its index in evaluation order.
    pub(super) fn ensure_def(&mut self, name: &str) -> Option<usize> {
        let (what, span) = *self.top.get(name)?;
        match self.def_state.get(name).copied().unwrap_or(State::Unchecked) {
            State::Done(i) => return Some(i),
            State::Failed => return None,
            State::InProgress => {
                self.error(definitions::value_depends_on_itself(span, name));
                self.def_state.insert(name.to_string(), State::Failed);
                return None;
            }
            State::Unchecked => {}
        }
        self.def_state.insert(name.to_string(), State::InProgress);
        // Definitions are checked at the top level, whatever the context of their first use.
        let saved = std::mem::replace(
            &mut self.ctx,
            Context {
                frames: vec![0],
                parents: vec![0],
                hidden_below: 0,
                period_var: None,
                known: Vec::new(),
                own_item: None,
            },
        );
        let result = match what {
            TopName::Value(v) => self.value_def(v),
            TopName::Window(w) => self.window_def(w),
            _ => None,
        };
        self.ctx = saved;
        if self.def_state.get(name) == Some(&State::Failed) {
            return None;
        }
        match result {
            Some(mut def) => {
                self.finish_own_previous(&mut def, self.definitions.len());
                let ty = match def.per {
                    Some(p) => Ty::PerPeriod(p, Box::new(def.ty.clone())),
                    None => def.ty.clone(),
                };
                let detail = self.ty_detail(&ty, def.maybe);
                self.describe_top(name, detail);
                let idx = self.definitions.len();
                if matches!(def.expr, Ir::Balance(_)) {
                    self.balance_defs.insert(idx);
                }
                self.definitions.push(def);
                self.def_state.insert(name.to_string(), State::Done(idx));
                Some(idx)
            }
            None => {
                self.own_previous.retain(|o| o.name != name);
                self.def_state.insert(name.to_string(), State::Failed);
                None
            }
        }
    }

    fn value_def(&mut self, v: &'a ast::ValueDecl) -> Option<Definition> {
        let per = match &v.scope {
            Some(Scope::Per { var, periods }) => {
                let p = self.periods_ref(periods)?;
                self.ctx.period_var = Some((var.name.clone(), p));
                Some(p)
            }
            _ => None,
        };
        // While it is checked, `previous` may read its own earlier periods; not a balance's
        // credit, which is read for every month at once (its own earlier months are a cycle).
        let balance = match (&v.expr.kind, per) {
            (ExprKind::Balance(b), Some(range)) => Some((b, range)),
            _ => None,
        };
        let own_periods = per.is_some() && balance.is_none();
        if own_periods {
            self.defining.push(v.name.name.clone());
        }
        let t = match balance {
            Some((b, range)) => self.balance(b, &v.expr, range, !v.modifiers.is_empty()),
            None => self.expr(&v.expr),
        };
        if own_periods {
            self.defining.pop();
        }
        let t = t?;
        if let Some(bare) = t.bare {
            self.def_bare.insert(v.name.name.clone(), bare);
        }
        let adjust = self.adjust(&v.modifiers, &t, None, false)?;
        // A constant cap in whole payable steps keeps a value exact; a computed one may not.
        let step = match &t.ty {
            Ty::Num(Dim::Money(c)) => currency(c).map(|(_, minor)| Decimal::new(1, minor)),
            Ty::Num(Dim::Unit(u)) => self.units.get(&**u).map(|i| i.precision),
            _ => None,
        };
        let cap_exact = |cap: &Option<Ir>| match cap {
            None => true,
            Some(Ir::Const(Const::Num(n))) => step.is_some_and(|s| (*n / s).fract().is_zero()),
            Some(_) => false,
        };
        // Rounded, the value is on its rounding step whatever the caps (the evaluator rounds a
        // cap down and a floor up to that step), so it is payable as it is when that step is a
        // whole number of payable steps; unrounded, only when the amount and constant caps are.
        let exact = match (adjust.rounding, step) {
            (Some((_, rounded_to)), Some(payable)) => (rounded_to / payable).fract().is_zero(),
            (Some(_), None) => true,
            (None, _) => t.exact && cap_exact(&adjust.at_most) && cap_exact(&adjust.at_least),
        };
        Some(Definition {
            name: v.name.name.clone(),
            ty: t.ty,
            maybe: t.maybe,
            per,
            expr: t.ir,
            adjust,
            after_budget: t.after_budget,
            after_rank: false,
            exact,
            span: v.name.span,
        })
    }

    pub(super) fn periods_ref(&mut self, name: &ast::Ident) -> Option<usize> {
        self.used.insert(name.name.clone());
        if self.top.contains_key(&name.name) {
            let symbol = self.symbols.top.get(&name.name).copied();
            self.refer(symbol, name.span);
        }
        match self.top.get(&name.name) {
            Some((TopName::Periods(i), _)) => Some(*i),
            Some(_) => {
                self.error(names::not_a_period_range(name.span, &name.name, self.surface));
                None
            }
            None => {
                let ranges: Vec<String> = self
                    .top
                    .iter()
                    .filter(|(_, (w, _))| matches!(w, TopName::Periods(_)))
                    .map(|(n, _)| n.clone())
                    .collect();
                let suggestion = closest(&name.name, ranges.iter().map(String::as_str));
                let d = names::no_such_period_range(name.span, &name.name, suggestion, self.surface);
                self.error(d);
                None
            }
        }
    }

    fn window_def(&mut self, w: &ast::WindowDecl) -> Option<Definition> {
        let t = self.range(&w.range)?;
        Some(Definition {
            name: w.name.name.clone(),
            ty: Ty::Window,
            maybe: t.maybe,
            per: None,
            expr: t.ir,
            adjust: Adjust::default(),
            after_budget: false,
            after_rank: false,
            exact: true,
            span: w.name.span,
        })
    }

    pub(super) fn declare_derived(&mut self, v: &'a ast::ValueDecl, path: &[ast::Ident]) {
        let Some(level) = self.level_of_path(path, true) else {
            return;
        };
        if level == 0 {
            return;
        }
        let clash = self
            .levels
            .get(level)
            .map(|l| l.index_of(&v.name.name).is_some())
            .unwrap_or(false)
            || self.derived_index.contains_key(&(level, v.name.name.as_str()));
        if clash {
            self.error(names::records_already_have_field(
                v.name.span,
                &path_text(path),
                &v.name.name,
            ));
            return;
        }
        if v.exposed {
            let keyword = self.value_keyword(v);
            let d =
                definitions::per_record_value_shown(v.name.span, &v.name.name, &path_text(path), keyword, self.surface);
            self.error(d);
        }
        let symbol = self.declare_item_field(v, level);
        if let Some(slots) = self.derived.get_mut(level) {
            self.derived_index.insert((level, v.name.name.as_str()), slots.len());
            slots.push(DerivedSlot {
                decl: v,
                state: State::Unchecked,
                result: None,
                symbol,
            });
        }
    }

    pub(super) fn ensure_derived(&mut self, level: usize, index: usize) -> Option<(Ty, bool)> {
        let slot = self.derived.get(level)?.get(index)?;
        let decl = slot.decl;
        match slot.state {
            State::Done(_) => return slot.result.as_ref().map(|d| (d.ty.clone(), d.maybe)),
            State::Failed => return None,
            State::InProgress => {
                self.error(definitions::field_depends_on_itself(decl.name.span, &decl.name.name));
                self.set_derived_state(level, index, State::Failed);
                return None;
            }
            State::Unchecked => {}
        }
        self.set_derived_state(level, index, State::InProgress);
        let mut chain = Vec::new();
        let mut l = Some(level);
        while let Some(i) = l {
            chain.push(i);
            l = self.levels.get(i).and_then(|x| x.parent);
        }
        chain.reverse();
        // Each record of the chain is inside the one before it.
        let parents = (0..chain.len()).map(|k| k.saturating_sub(1)).collect();
        let own_item = chain.len().checked_sub(1);
        let saved = std::mem::replace(
            &mut self.ctx,
            Context {
                frames: chain,
                parents,
                hidden_below: 0,
                period_var: None,
                known: Vec::new(),
                own_item,
            },
        );
        let t = self.expr(&decl.expr);
        let t = match t {
            Some(t) => self.adjust(&decl.modifiers, &t, None, false).map(|a| (t, a)),
            None => None,
        };
        self.ctx = saved;
        if matches!(
            self.derived.get(level).and_then(|d| d.get(index)).map(|s| s.state),
            Some(State::Failed)
        ) {
            return None;
        }
        match t {
            Some((t, adjust)) => {
                if t.list.is_some()
                    || t.after_budget
                    || adjust.rounding.is_some()
                    || adjust.at_most.is_some()
                    || adjust.at_least.is_some()
                {
                    if t.list.is_some() {
                        self.error(definitions::per_record_field_is_a_list(decl.expr.span, self.surface));
                        self.set_derived_state(level, index, State::Failed);
                        return None;
                    }
                    if adjust.rounding.is_some() || adjust.at_most.is_some() || adjust.at_least.is_some() {
                        self.error(definitions::modifier_on_per_record_field(decl.span));
                    }
                }
                if let Some(bare) = t.bare {
                    self.derived_bare.insert((level, index), bare);
                }
                let derived = Derived {
                    name: decl.name.name.clone(),
                    ty: t.ty.clone(),
                    maybe: t.maybe,
                    expr: t.ir,
                };
                let detail = self.ty_detail(&t.ty, t.maybe);
                if let Some(slot) = self.derived.get_mut(level).and_then(|d| d.get_mut(index)) {
                    slot.result = Some(derived);
                    slot.state = State::Done(index);
                    self.names.describe(slot.symbol, detail);
                }
                Some((t.ty, t.maybe))
            }
            None => {
                self.set_derived_state(level, index, State::Failed);
                None
            }
        }
    }

    fn set_derived_state(&mut self, level: usize, index: usize, state: State) {
        if let Some(slot) = self.derived.get_mut(level).and_then(|d| d.get_mut(index)) {
            slot.state = state;
        }
    }

    pub(super) fn unused(&mut self, campaign: &ast::Campaign) {
        // Checking an item stops at its first error, before some of the names in it are looked
        // up: a name written in an item with an error counts as used.
        let in_failed_items = self.names_in_items_with_errors(campaign);
        for item in &campaign.items {
            let (name, what) = match item {
                Item::Value(v) if !v.exposed => (&v.name, "value"),
                Item::Parameter(p) => (&p.name, "parameter"),
                Item::Window(w) => (&w.name, "window"),
                Item::Periods(p) => (&p.name, "period range"),
                _ => continue,
            };
            let derived_used = match item {
                Item::Value(v) if matches!(v.scope, Some(Scope::Of(_))) => {
                    self.used.contains(&format!("of:{}", v.name.name))
                }
                _ => false,
            };
            if !self.used.contains(&name.name) && !derived_used && !in_failed_items.contains(name.name.as_str()) {
                let d = definitions::never_used(name.span, what, &name.name, what == "value", self.surface);
                self.error(d);
            }
        }
    }
}

impl<'a> Checker<'a> {
    /// The names written in the expressions of items that have an error.
    fn names_in_items_with_errors<'c>(&self, campaign: &'c ast::Campaign) -> HashSet<&'c str> {
        // The expressions of all items, by where they start. They do not overlap (each is a
        // separate part of the text), so the one that may hold an error is the last to start
        // at or before it: a binary search per error, not a scan of every item per error
        // (thousands of misspelt names in a large file made this quadratic).
        let mut starts: Vec<(Span, usize)> = (campaign.items.iter().enumerate())
            .flat_map(|(i, item)| item_exprs(item).into_iter().map(move |x| (x.span, i)))
            .collect();
        starts.sort_by_key(|(span, _)| span.start);
        let mut failed = vec![false; campaign.items.len()];
        for e in self.diags.iter().filter(|d| d.is_error()).map(|d| d.span()) {
            let before = starts.partition_point(|(span, _)| span.start <= e.start);
            if let Some((span, i)) = before.checked_sub(1).and_then(|k| starts.get(k))
                && e.end <= span.end
                && let Some(flag) = failed.get_mut(*i)
            {
                *flag = true;
            }
        }
        let mut names = HashSet::new();
        for (item, failed) in campaign.items.iter().zip(failed) {
            if failed {
                for x in item_exprs(item) {
                    x.for_each(&mut |e| {
                        if let ExprKind::Name(id) = &e.kind {
                            names.insert(id.name.as_str());
                        }
                    });
                }
            }
        }
        names
    }
}

/// The expressions written in an item: its definition, modifiers, conditions or window ends.
fn item_exprs(item: &Item) -> Vec<&Expr> {
    let mut out = Vec::new();
    match item {
        Item::Parameter(p) => out.push(&p.default),
        Item::Window(w) => {
            out.push(&w.range.start);
            out.push(&w.range.end);
        }
        Item::Value(v) => {
            out.push(&v.expr);
            for m in &v.modifiers {
                modifier_exprs(m, &mut out);
            }
        }
        Item::Reward(r) => {
            out.push(&r.expr);
            for m in &r.modifiers {
                modifier_exprs(m, &mut out);
            }
            out.extend(r.gate.iter().flat_map(|g| g.conditions.iter().map(|c| &c.expr)));
        }
        Item::Eligible(block) => out.extend(block.conditions.iter().map(|c| &c.expr)),
        Item::Timezone(_) | Item::Source(_) | Item::Note(_) | Item::Unit(_) | Item::Periods(_) | Item::Facts(_) => {}
    }
    out
}

/// The expressions written in a modifier.
fn modifier_exprs<'e>(m: &'e ast::Modifier, out: &mut Vec<&'e Expr>) {
    match m {
        ast::Modifier::Rounded { .. } => {}
        ast::Modifier::AtMost(e, _) | ast::Modifier::AtLeast(e, _) | ast::Modifier::Expires(e, _) => out.push(e),
        ast::Modifier::Budget(b) => {
            out.push(&b.amount);
            out.extend(b.order());
            if let ast::BudgetScope::Per(_, e) = &b.scope {
                out.push(e);
            }
        }
        ast::Modifier::Paid(shares, _) => out.extend(shares.iter().map(|(_, _, e)| e)),
    }
}

fn path_text(path: &[ast::Ident]) -> String {
    path.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(".")
}

fn outputtable(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Bool | Ty::Text | Ty::Num(_) | Ty::Time | Ty::Duration | Ty::Choice(_)
    )
}
