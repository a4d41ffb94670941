//! Comparing campaigns by meaning: the same tree, wherever it was written.

use crate::syntax::ast::*;

/// A copy of the campaign with every [`Span`] set to the default, so that two
/// layouts of the same campaign compare equal.
pub fn erase_spans(campaign: &Campaign) -> Campaign {
    let mut c = campaign.clone();
    c.span = Span::default();
    text(&mut c.name);
    for item in &mut c.items {
        match item {
            Item::Timezone(id) => ident(id),
            Item::Source(t) | Item::Note(t) => text(t),
            Item::Unit(u) => {
                ident(&mut u.name);
                if let Some((_, s)) = &mut u.precision {
                    *s = Span::default();
                }
            }
            Item::Parameter(p) => {
                ident(&mut p.name);
                ty(&mut p.ty);
                expr(&mut p.default);
            }
            Item::Window(w) => {
                ident(&mut w.name);
                range(&mut w.range);
            }
            Item::Periods(p) => {
                ident(&mut p.name);
                p.first.span = Span::default();
                p.last.span = Span::default();
                p.span = Span::default();
            }
            Item::Facts(f) => {
                f.span = Span::default();
                f.fields.iter_mut().for_each(field);
            }
            Item::Value(v) => {
                ident(&mut v.name);
                scope(v.scope.as_mut());
                expr(&mut v.expr);
                v.modifiers.iter_mut().for_each(modifier);
                v.span = Span::default();
            }
            Item::Eligible(e) => {
                e.head_span = Span::default();
                e.span = Span::default();
                e.conditions.iter_mut().for_each(condition);
            }
            Item::Reward(r) => {
                ident(&mut r.name);
                scope(r.per.as_mut());
                expr(&mut r.expr);
                r.modifiers.iter_mut().for_each(modifier);
                if let Some(gate) = &mut r.gate {
                    gate.head_span = Span::default();
                    gate.span = Span::default();
                    gate.conditions.iter_mut().for_each(condition);
                }
                r.span = Span::default();
            }
        }
    }
    c
}

/// Whether two campaigns are the same tree, spans aside. Numbers compare with
/// their scale (`4.20` is not `4.2`), as the results would show them.
pub fn same_meaning(a: &Campaign, b: &Campaign) -> bool {
    let (a, b) = (erase_spans(a), erase_spans(b));
    a == b && format!("{a:?}") == format!("{b:?}")
}

fn condition(c: &mut Condition) {
    expr(&mut c.expr);
    if let Some(r) = &mut c.reason {
        text(r);
    }
    c.span = Span::default();
}

fn ident(i: &mut Ident) {
    i.span = Span::default();
}

fn text(t: &mut Text) {
    t.span = Span::default();
}

fn scope(s: Option<&mut Scope>) {
    match s {
        None => {}
        Some(Scope::Of(path)) => path.iter_mut().for_each(ident),
        Some(Scope::Per { var, periods }) => {
            ident(var);
            ident(periods);
        }
        Some(Scope::Item(path)) => path.iter_mut().for_each(ident),
    }
}

fn field(f: &mut FieldDecl) {
    ident(&mut f.name);
    ty(&mut f.ty);
    f.span = Span::default();
}

fn ty(t: &mut TypeExpr) {
    t.span = Span::default();
    match &mut t.kind {
        TypeExprKind::Money(u) | TypeExprKind::Quantity(u) => ident(u),
        TypeExprKind::Enum(items) => items.iter_mut().for_each(text),
        TypeExprKind::List(fields) => fields.iter_mut().for_each(field),
        TypeExprKind::Text
        | TypeExprKind::Bool
        | TypeExprKind::Count
        | TypeExprKind::Decimal
        | TypeExprKind::Fraction
        | TypeExprKind::Timestamp
        | TypeExprKind::Duration => {}
    }
}

fn range(r: &mut Range) {
    expr(&mut r.start);
    expr(&mut r.end);
    r.span = Span::default();
}

fn modifier(m: &mut Modifier) {
    match m {
        Modifier::Rounded { step, span, .. } => {
            if let Some((_, s)) = step {
                *s = Span::default();
            }
            *span = Span::default();
        }
        Modifier::AtMost(e, span) | Modifier::AtLeast(e, span) => {
            expr(e);
            *span = Span::default();
        }
        Modifier::Budget(b) => {
            expr(&mut b.amount);
            if let BudgetScope::Per(_, e) = &mut b.scope {
                expr(e);
            }
            if let Some(order) = b.order_mut() {
                expr(order);
            }
            b.span = Span::default();
        }
        Modifier::Paid(parts, span) => {
            for (_, s, e) in parts.iter_mut() {
                *s = Span::default();
                expr(e);
            }
            *span = Span::default();
        }
        Modifier::Expires(e, span) => {
            expr(e);
            *span = Span::default();
        }
    }
}

/// Erases the spans of `e` itself and of what it holds besides expressions, then of the
/// expressions inside it.
fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Name(id) | ExprKind::Field(_, id) | ExprKind::Quantity(_, id) | ExprKind::As(_, id) => ident(id),
        ExprKind::Call(name, _) => ident(name),
        ExprKind::Set(items) => items.iter_mut().for_each(text),
        ExprKind::In {
            target: InTarget::Range(r),
            ..
        } => r.span = Span::default(),
        ExprKind::Lookup { rows, .. } => rows.iter_mut().for_each(|row| row.span = Span::default()),
        ExprKind::Tiers { rows, .. } => rows.iter_mut().for_each(|row| row.span = Span::default()),
        ExprKind::Balance(b) => {
            if let Some((_, span)) = &mut b.expiry {
                *span = Span::default();
            }
        }
        ExprKind::Top { ties, .. } => ties.iter_mut().for_each(|t| t.span = Span::default()),
        // Nothing but expressions (erased below) and plain values: every span a node holds
        // besides its expressions is erased above, so a new kind must be placed here or there.
        ExprKind::Number(_)
        | ExprKind::Percent(_)
        | ExprKind::Text(_)
        | ExprKind::Bool(_)
        | ExprKind::Timestamp(_)
        | ExprKind::Neg(_)
        | ExprKind::Not(_)
        | ExprKind::Binary(..)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Arith { .. }
        | ExprKind::In {
            target: InTarget::Expr(_),
            ..
        }
        | ExprKind::IsKnown(..)
        | ExprKind::IsWaitlisted(_)
        | ExprKind::IfUnknown(..)
        | ExprKind::Aggregate { .. }
        | ExprKind::Where(..)
        | ExprKind::Paren(_)
        | ExprKind::Rank { .. }
        | ExprKind::If { .. }
        | ExprKind::IsEarned(_)
        | ExprKind::Ordered { .. } => {}
    }
    e.for_each_child_mut(&mut expr);
}
