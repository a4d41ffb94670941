//! Conditions of `eligible when`, what an explanation shows of them, and unknowns without a rule.

use crate::check::errors;
use crate::diagnostics::Span;
use crate::program::types::Ty;
use crate::program::{CmpOp, ConditionDef, Ir, Operand, Threshold};
use crate::syntax::ast::{self, Expr, ExprKind, InTarget, Item};
use crate::syntax::keywords::Surface;

use super::operators::cmp_of;
use super::{Checker, Context, MAX_CONDITIONS, TopName, expr_text};

pub(super) use crate::check::errors::rules::Unhandled;
use crate::check::errors::rules::UnknownRoot;

impl<'a> Checker<'a> {
    /// The keyword set messages quote keywords in: the file's.
    pub(super) fn surface(&self) -> Surface {
        self.surface
    }

    /// An expression as explanations quote it: written back with the file's keywords.
    pub(super) fn written(&self, e: &ast::Expr) -> String {
        crate::syntax::expr_in(&expr_text(e), self.surface)
    }

    /// The conditions of the `eligible when` block.
    pub(super) fn eligible(&mut self, campaign: &ast::Campaign) -> Vec<ConditionDef> {
        let mut conditions = Vec::new();
        let mut eligible_seen: Option<Span> = None;
        for item in &campaign.items {
            if let Item::Eligible(block) = item {
                if let Some(first) = eligible_seen {
                    self.error(errors::rules::two_eligible_blocks(
                        self.surface(),
                        block.head_span,
                        first,
                    ));
                    continue;
                }
                eligible_seen = Some(block.head_span);
                if block.conditions.len() > MAX_CONDITIONS {
                    self.error(errors::rules::too_many_conditions(
                        self.surface(),
                        block.head_span,
                        block.conditions.len(),
                        MAX_CONDITIONS,
                    ));
                    continue;
                }
                if block.conditions.is_empty() {
                    self.error(errors::rules::empty_eligible_block(self.surface(), block.head_span));
                }
                for c in &block.conditions {
                    if let Some(def) = self.condition(c) {
                        conditions.push(def);
                    }
                }
            }
        }
        conditions
    }

    /// The conditions of a reward's own `when { ... }` block: checked as those of `eligible
    /// when` are (a reason each, never unknown without `if unknown`, not after a budget), in
    /// the scope of the record (not of a period, for a reward settled per period).
    pub(super) fn reward_gate(&mut self, reward: &str, gate: &ast::RewardGate) -> Option<Vec<ConditionDef>> {
        if gate.conditions.len() > MAX_CONDITIONS {
            self.error(errors::rules::too_many_reward_conditions(
                self.surface(),
                gate.head_span,
                reward,
                gate.conditions.len(),
                MAX_CONDITIONS,
            ));
            return None;
        }
        if gate.conditions.is_empty() {
            self.error(errors::rules::empty_reward_gate(self.surface(), gate.head_span, reward));
        }
        let mut conditions = Vec::with_capacity(gate.conditions.len());
        let mut ok = true;
        for c in &gate.conditions {
            match self.condition(c) {
                Some(def) => conditions.push(def),
                None => ok = false,
            }
        }
        ok.then_some(conditions)
    }

    fn condition(&mut self, c: &ast::Condition) -> Option<ConditionDef> {
        let t = self.expr(&c.expr);
        let reason = match &c.reason {
            Some(r) if r.value.trim().is_empty() => {
                self.error(errors::rules::empty_reason(r.span));
                String::new()
            }
            Some(r) => r.value.clone(),
            None => {
                self.error(errors::rules::missing_reason(c.expr.span));
                String::new()
            }
        };
        let t = t?;
        if t.ty != Ty::Bool {
            self.error(errors::rules::condition_not_yes_no(c.expr.span, &t.ty));
            return None;
        }
        if t.maybe {
            self.unknown_not_handled(&c.expr, Unhandled::Condition);
            return None;
        }
        if t.after_budget {
            self.error(errors::rules::eligibility_after_budget(self.surface(), c.expr.span));
            return None;
        }
        let (operands, threshold) = self.explain_parts(&c.expr);
        Some(ConditionDef {
            expr: t.ir,
            reason,
            text: self.written(&c.expr),
            operands,
            threshold,
        })
    }

    /// What an explanation shows of a condition: the names it reads, and its threshold shape.
    /// Re-checking parts of an already checked condition must not add diagnostics.
    fn explain_parts(&mut self, e: &Expr) -> (Vec<Operand>, Option<Threshold>) {
        let saved = self.diags.len();
        let mut names = Vec::new();
        collect_operand_exprs(e, &mut names);
        let mut operands: Vec<Operand> = Vec::new();
        for n in names {
            let text = self.written(n);
            if operands.iter().any(|o| o.text == text) {
                continue;
            }
            if let Some(t) = self.expr(n)
                && t.list.is_none()
                && !matches!(t.ty, Ty::TextSet | Ty::Periods(_) | Ty::PerPeriod(..))
            {
                operands.push(Operand {
                    text,
                    ir: t.ir,
                    ty: t.ty,
                });
            }
        }
        let mut core = e;
        while let ExprKind::Paren(inner) | ExprKind::IfUnknown(inner, _) = &core.kind {
            core = inner;
        }
        let threshold = match &core.kind {
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let (l, r) = (self.expr(a), self.expr(b));
                match (l, r) {
                    (Some(l), Some(r)) => match (&l.ir, &r.ir) {
                        (_, Ir::Const(c)) if !matches!(l.ir, Ir::Const(_)) => Some(Threshold::Compare {
                            subject: self.written(a),
                            ir: l.ir.clone(),
                            op: cmp_of(*op),
                            bound: c.clone(),
                            ty: l.ty.clone(),
                        }),
                        (Ir::Const(c), _) => Some(Threshold::Compare {
                            subject: self.written(b),
                            ir: r.ir.clone(),
                            op: flip(cmp_of(*op)),
                            bound: c.clone(),
                            ty: r.ty.clone(),
                        }),
                        _ => None,
                    },
                    _ => None,
                }
            }
            ExprKind::In {
                value,
                target: InTarget::Expr(w),
                negated: false,
            } => match (self.expr(value), self.expr(w)) {
                (Some(v), Some(wt)) if v.ty == Ty::Time && matches!(wt.ty, Ty::Window | Ty::Periods(_)) => {
                    let window = match wt.ty {
                        Ty::Periods(p) => Ir::PeriodsWindow(p),
                        _ => wt.ir,
                    };
                    Some(Threshold::InWindow {
                        subject: self.written(value),
                        ir: v.ir,
                        window,
                    })
                }
                _ => None,
            },
            ExprKind::Name(id) => Some(Threshold::Flag {
                subject: id.name.clone(),
                expected: true,
            }),
            ExprKind::Not(inner) => match &inner.kind {
                ExprKind::Name(id) => Some(Threshold::Flag {
                    subject: id.name.clone(),
                    expected: false,
                }),
                _ => None,
            },
            _ => None,
        };
        self.diags.truncate(saved);
        (operands, threshold)
    }

    /// Reports that `expr` can be unknown where `what` needs a known value.
    pub(super) fn unknown_not_handled(&mut self, expr: &Expr, what: Unhandled) {
        // Name only what can really be unknown here (optional facts and values computed from them).
        let saved = self.diags.len();
        let names: Vec<String> = optional_names(expr)
            .into_iter()
            .filter(|n| {
                let probe = Expr {
                    kind: ExprKind::Name(ast::Ident {
                        name: n.clone(),
                        span: expr.span,
                    }),
                    span: expr.span,
                };
                self.expr(&probe).is_some_and(|t| t.maybe)
            })
            .collect();
        self.diags.truncate(saved);
        if what == Unhandled::Reward {
            // `if unknown 0 CNY` on the whole amount would pay (or charge) nothing: point at
            // where the unknown comes from instead.
            let mut roots = Vec::new();
            let mut seen = Vec::new();
            for n in &names {
                self.unknown_roots(n, &mut roots, &mut seen);
            }
            self.diags.truncate(saved);
            self.error(errors::rules::unknown_payable(
                self.surface(),
                expr.span,
                &names,
                &roots,
            ));
            return;
        }
        self.error(errors::rules::unknown_not_handled(
            self.surface(),
            expr.span,
            what,
            &names,
        ));
    }

    /// Where the unknown of the top-level name `name` comes from: the optional facts it is
    /// computed from, through definitions; or the definition itself when nothing it reads can
    /// be unknown (a division by a value that can be 0, a table with no row for a case). Each
    /// name is looked at once (`seen`).
    fn unknown_roots(&mut self, name: &str, roots: &mut Vec<UnknownRoot>, seen: &mut Vec<String>) {
        if seen.iter().any(|n| n == name) {
            return;
        }
        seen.push(name.to_string());
        if let Some(level) = self.levels.first()
            && let Some(f) = level.schema.index_of(name).and_then(|i| level.schema.fields.get(i))
        {
            if f.optional {
                roots.push(UnknownRoot::OptionalFact(name.to_string()));
            }
            return;
        }
        let Some((TopName::Value(decl), _)) = self.top.get(name).copied() else {
            roots.push(UnknownRoot::Computed(name.to_string()));
            return;
        };
        let before = roots.len();
        let saved_ctx = std::mem::replace(
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
        for inner in names_passing_unknowns(&decl.expr) {
            let probe = Expr {
                kind: ExprKind::Name(ast::Ident {
                    name: inner.clone(),
                    span: decl.expr.span,
                }),
                span: decl.expr.span,
            };
            if self.expr(&probe).is_some_and(|t| t.maybe) {
                self.unknown_roots(&inner, roots, seen);
            }
        }
        self.ctx = saved_ctx;
        if roots.len() == before {
            roots.push(UnknownRoot::Computed(name.to_string()));
        }
    }
}

/// The same comparison with its sides swapped: `c < x` is `x > c`.
fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// The names and field paths an expression reads (not inside aggregates or tier tables).
fn collect_operand_exprs<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Name(_)
        | ExprKind::Field(..)
        | ExprKind::Aggregate { .. }
        | ExprKind::Top { .. }
        | ExprKind::Tiers { .. } => out.push(e),
        // Explanations show the operands of comparisons and arithmetic; what a lookup, a ranking or
        // a waitlist test reads is shown by its own line, and literals are not operands.
        ExprKind::IsWaitlisted(_)
        | ExprKind::IsEarned(_)
        | ExprKind::Lookup { .. }
        | ExprKind::Rank { .. }
        | ExprKind::Ordered { .. }
        | ExprKind::Balance(_)
        | ExprKind::Number(_)
        | ExprKind::Percent(_)
        | ExprKind::Quantity(..)
        | ExprKind::Text(_)
        | ExprKind::Bool(_)
        | ExprKind::Timestamp(_)
        | ExprKind::Set(_) => {}
        ExprKind::Neg(_)
        | ExprKind::Not(_)
        | ExprKind::Paren(_)
        | ExprKind::As(..)
        | ExprKind::IsKnown(..)
        | ExprKind::Binary(..)
        | ExprKind::IfUnknown(..)
        | ExprKind::Where(..)
        | ExprKind::In { .. }
        | ExprKind::Call(..)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Arith { .. }
        | ExprKind::If { .. } => e.for_each_child(&mut |child| collect_operand_exprs(child, out)),
    }
}

/// The names of optional facts an expression reads, for messages.
/// The names an expression reads whose unknown can reach its value: every name in it, through
/// calls and tables, except where `if unknown` or `is known` already says what unknown means.
fn names_passing_unknowns(expr: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Name(id) => {
                if !out.contains(&id.name) {
                    out.push(id.name.clone());
                }
            }
            ExprKind::IfUnknown(..) | ExprKind::IsKnown(..) => {}
            _ => e.for_each_child(&mut |child| walk(child, out)),
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

fn optional_names(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_names(expr, &mut out);
    out.dedup();
    out
}

fn collect_names(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Name(id) => {
            if !out.contains(&id.name) {
                out.push(id.name.clone());
            }
        }
        // The bounds of a range are read, a set or window it is tested against is not named here.
        ExprKind::In { value, target, .. } => {
            collect_names(value, out);
            if let InTarget::Range(r) = target {
                collect_names(&r.start, out);
                collect_names(&r.end, out);
            }
        }
        // What `if unknown` falls back to is not what may be unknown.
        ExprKind::IfUnknown(a, _) => collect_names(a, out),
        ExprKind::Field(..)
        | ExprKind::Neg(_)
        | ExprKind::Not(_)
        | ExprKind::Paren(_)
        | ExprKind::As(..)
        | ExprKind::IsKnown(..)
        | ExprKind::Binary(..)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Arith { .. }
        | ExprKind::If { .. } => expr.for_each_child(&mut |child| collect_names(child, out)),
        // Aggregates, calls, tables and rankings say what their unknowns mean themselves.
        ExprKind::Number(_)
        | ExprKind::Percent(_)
        | ExprKind::Quantity(..)
        | ExprKind::Text(_)
        | ExprKind::Bool(_)
        | ExprKind::Timestamp(_)
        | ExprKind::Set(_)
        | ExprKind::IsWaitlisted(_)
        | ExprKind::IsEarned(_)
        | ExprKind::Aggregate { .. }
        | ExprKind::Where(..)
        | ExprKind::Call(..)
        | ExprKind::Rank { .. }
        | ExprKind::Lookup { .. }
        | ExprKind::Tiers { .. }
        | ExprKind::Ordered { .. }
        | ExprKind::Top { .. } => {}
        ExprKind::Balance(_) => {}
    }
}
