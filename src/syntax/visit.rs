//! The one traversal of the expression tree: which expressions are directly
//! inside which.
//!
//! Every stage that walks expressions (the printer's callers, the formatter,
//! the lints, the checker's helpers) goes through [`Expr::any_child`],
//! [`Expr::for_each_child`] or [`Expr::for_each_child_mut`]: a walker matches
//! the nodes it treats specially and hands the rest to these. Their matches
//! name every variant of [`ExprKind`], with no catch-all, so a new kind of
//! expression does not compile until it says what its children are.
//!
//! The walks recurse once per level of nesting, not once per operand of a
//! chain: `a + b + c` and `a and b and c` are single nodes
//! ([`ExprKind::Arith`], [`ExprKind::And`]) whose operands are children side by
//! side. Nesting itself is bounded by the parser ([`super::MAX_NESTING`]).

use super::ast::{Expr, ExprKind, InTarget, OrderedKind, TopTieBy};

impl Expr {
    /// Calls `f` on each expression directly inside this one, in the order written, until it
    /// returns true; returns whether it did.
    pub fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr) -> bool) -> bool {
        match &self.kind {
            ExprKind::Name(_)
            | ExprKind::Number(_)
            | ExprKind::Percent(_)
            | ExprKind::Quantity(..)
            | ExprKind::Text(_)
            | ExprKind::Bool(_)
            | ExprKind::Timestamp(_)
            | ExprKind::Set(_) => false,
            ExprKind::Field(x, _)
            | ExprKind::Neg(x)
            | ExprKind::Not(x)
            | ExprKind::IsKnown(x, _)
            | ExprKind::IsWaitlisted(x)
            | ExprKind::IsEarned(x)
            | ExprKind::As(x, _)
            | ExprKind::Paren(x) => f(x),
            ExprKind::Binary(_, a, b) | ExprKind::IfUnknown(a, b) | ExprKind::Where(a, b) => f(a) || f(b),
            ExprKind::And(operands) | ExprKind::Or(operands) => operands.iter().any(f),
            ExprKind::Arith { first, rest } => f(first) || rest.iter().any(|(_, x)| f(x)),
            ExprKind::In { value, target, .. } => {
                f(value)
                    || match target {
                        InTarget::Expr(t) => f(t),
                        InTarget::Range(r) => f(&r.start) || f(&r.end),
                    }
            }
            ExprKind::Aggregate { source, filter, .. } => f(source) || filter.as_deref().is_some_and(&mut *f),
            ExprKind::Call(_, args) => args.iter().any(f),
            ExprKind::Rank { keys, within } => keys.iter().any(|(k, _)| f(k)) || within.iter().any(f),
            ExprKind::Lookup { keys, rows } => {
                keys.iter().any(&mut *f)
                    || rows
                        .iter()
                        .any(|row| row.keys.iter().flatten().any(&mut *f) || f(&row.value))
            }
            ExprKind::If { branches, otherwise } => {
                branches.iter().any(|(test, value)| f(test) || f(value)) || f(otherwise)
            }
            ExprKind::Tiers { subject, rows, .. } => {
                f(subject)
                    || rows.iter().any(|row| {
                        row.start.as_ref().is_some_and(&mut *f)
                            || row.end.as_ref().is_some_and(&mut *f)
                            || f(&row.value)
                    })
            }
            ExprKind::Ordered {
                kind,
                value,
                filter,
                keys,
            } => {
                f(value)
                    || match kind {
                        OrderedKind::Portion(limit) => f(limit),
                        OrderedKind::RunningSum | OrderedKind::Previous => false,
                    }
                    || filter.as_deref().is_some_and(&mut *f)
                    || keys.iter().any(|(k, _)| f(k))
            }
            ExprKind::Top {
                key,
                source,
                sum,
                filter,
                ties,
            } => {
                f(key)
                    || f(source)
                    || sum.as_deref().is_some_and(&mut *f)
                    || filter.as_deref().is_some_and(&mut *f)
                    || ties.iter().any(|t| match &t.by {
                        TopTieBy::Total(sum) => sum.as_deref().is_some_and(&mut *f),
                        TopTieBy::Key(key) => f(key),
                    })
            }
            ExprKind::Balance(b) => {
                f(&b.credit)
                    || f(&b.applied)
                    || f(&b.date)
                    || b.keys.iter().any(|(k, _)| f(k))
                    || b.lost_at.as_ref().is_some_and(&mut *f)
            }
        }
    }

    /// Calls `f` on each expression directly inside this one, in the order written.
    pub fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        self.any_child(&mut |child| {
            f(child);
            false
        });
    }

    /// Calls `f` on each expression directly inside this one, in the order written, for changing.
    pub fn for_each_child_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Name(_)
            | ExprKind::Number(_)
            | ExprKind::Percent(_)
            | ExprKind::Quantity(..)
            | ExprKind::Text(_)
            | ExprKind::Bool(_)
            | ExprKind::Timestamp(_)
            | ExprKind::Set(_) => {}
            ExprKind::Field(x, _)
            | ExprKind::Neg(x)
            | ExprKind::Not(x)
            | ExprKind::IsKnown(x, _)
            | ExprKind::IsWaitlisted(x)
            | ExprKind::IsEarned(x)
            | ExprKind::As(x, _)
            | ExprKind::Paren(x) => f(x),
            ExprKind::Binary(_, a, b) | ExprKind::IfUnknown(a, b) | ExprKind::Where(a, b) => {
                f(a);
                f(b);
            }
            ExprKind::And(operands) | ExprKind::Or(operands) => operands.iter_mut().for_each(f),
            ExprKind::Arith { first, rest } => {
                f(first);
                rest.iter_mut().for_each(|(_, x)| f(x));
            }
            ExprKind::In { value, target, .. } => {
                f(value);
                match target {
                    InTarget::Expr(t) => f(t),
                    InTarget::Range(r) => {
                        f(&mut r.start);
                        f(&mut r.end);
                    }
                }
            }
            ExprKind::Aggregate { source, filter, .. } => {
                f(source);
                if let Some(x) = filter {
                    f(x);
                }
            }
            ExprKind::Call(_, args) => args.iter_mut().for_each(f),
            ExprKind::Rank { keys, within } => {
                keys.iter_mut().for_each(|(k, _)| f(k));
                within.iter_mut().for_each(f);
            }
            ExprKind::Lookup { keys, rows } => {
                keys.iter_mut().for_each(&mut *f);
                for row in rows {
                    row.keys.iter_mut().flatten().for_each(&mut *f);
                    f(&mut row.value);
                }
            }
            ExprKind::Tiers { subject, rows, .. } => {
                f(subject);
                for row in rows {
                    if let Some(s) = &mut row.start {
                        f(s);
                    }
                    if let Some(e) = &mut row.end {
                        f(e);
                    }
                    f(&mut row.value);
                }
            }
            ExprKind::If { branches, otherwise } => {
                for (test, value) in branches {
                    f(test);
                    f(value);
                }
                f(otherwise);
            }
            ExprKind::Ordered {
                kind,
                value,
                filter,
                keys,
            } => {
                f(value);
                match kind {
                    OrderedKind::Portion(limit) => f(limit),
                    OrderedKind::RunningSum | OrderedKind::Previous => {}
                }
                if let Some(x) = filter {
                    f(x);
                }
                keys.iter_mut().for_each(|(k, _)| f(k));
            }
            ExprKind::Top {
                key,
                source,
                sum,
                filter,
                ties,
            } => {
                f(key);
                f(source);
                if let Some(x) = sum {
                    f(x);
                }
                for tie in ties {
                    match &mut tie.by {
                        TopTieBy::Total(Some(x)) | TopTieBy::Key(x) => f(x),
                        TopTieBy::Total(None) => {}
                    }
                }
                if let Some(x) = filter {
                    f(x);
                }
            }
            ExprKind::Balance(b) => {
                f(&mut b.credit);
                f(&mut b.applied);
                f(&mut b.date);
                b.keys.iter_mut().for_each(|(k, _)| f(k));
                if let Some(t) = &mut b.lost_at {
                    f(t);
                }
            }
        }
    }

    /// Whether `f` holds for this expression or any expression inside it (outermost first, in
    /// the order written; stops at the first).
    pub fn any(&self, f: &mut dyn FnMut(&Expr) -> bool) -> bool {
        f(self) || self.any_child(&mut |child| child.any(f))
    }

    /// Calls `f` on this expression and every expression inside it, outermost first, in the
    /// order written.
    pub fn for_each<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        self.for_each_child(&mut |child| child.for_each(f));
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::panic, reason = "a failed assertion is a failed test")]

    use super::*;
    use crate::syntax::parse;

    fn condition(text: &str) -> Expr {
        let src =
            format!("campaign \"t\" {{\n  timezone Asia/Shanghai\n  eligible when {{\n    {text}  \"r\"\n  }}\n}}\n");
        let campaign = parse(&src).unwrap();
        match campaign.items.into_iter().next_back().unwrap() {
            crate::syntax::ast::Item::Eligible(b) => b.conditions.into_iter().next().unwrap().expr,
            other => panic!("{other:?}"),
        }
    }

    fn names(e: &Expr) -> Vec<String> {
        let mut out = Vec::new();
        e.for_each(&mut |x| {
            if let ExprKind::Name(id) = &x.kind {
                out.push(id.name.clone());
            }
        });
        out
    }

    #[test]
    fn children_come_in_the_order_written() {
        let e = condition("a + b × c - d > e and (f or g) and h in i .. j and rank by k, then by l within m = 1");
        assert_eq!(
            names(&e),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"]
        );
        let e = condition("lookup (a, b) { (\"x\", 1) -> c, otherwise -> d } > band of e { .. 1 -> f, 1 .. g -> h }");
        assert_eq!(names(&e), ["a", "b", "c", "d", "e", "f", "g", "h"]);
        let e = condition("portion of a within first b where c ordered by d, then by e descending > 0");
        assert_eq!(names(&e), ["a", "b", "c", "d", "e"]);
        let e = condition("top a of b by sum of c where d = e");
        assert_eq!(names(&e), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn any_stops_at_the_first_match() {
        let e = condition("a and b and c");
        let mut seen = 0;
        assert!(e.any(&mut |x| {
            seen += 1;
            matches!(&x.kind, ExprKind::Name(id) if id.name == "b")
        }));
        assert_eq!(seen, 3);
    }

    #[test]
    fn children_mut_reaches_every_child() {
        let mut e = condition("max(a, b) + c.d > 0 and e is known");
        fn rename(e: &mut Expr) {
            if let ExprKind::Name(id) = &mut e.kind {
                id.name.make_ascii_uppercase();
            }
            e.for_each_child_mut(&mut rename);
        }
        rename(&mut e);
        assert_eq!(names(&e), ["A", "B", "C", "E"]);
    }
}
