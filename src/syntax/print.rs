//! Writing syntax back as text: expressions for messages and explanations.

use std::fmt::Write as _;

use super::ast::*;

/// An expression in canonical spelling (`≥`, `×`, single spaces).
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// A string literal with quotes and escapes.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_range(out: &mut String, r: &Range) {
    write_expr(out, &r.start);
    out.push_str(match r.kind {
        RangeKind::Exclusive => " .. ",
        RangeKind::Through => " through ",
    });
    write_expr(out, &r.end);
}

/// One row of a lookup table: `"文娱" -> 2%`.
pub fn lookup_row(row: &LookupRow) -> String {
    let mut out = String::new();
    write_lookup_row(&mut out, row);
    out
}

fn write_lookup_row(out: &mut String, row: &LookupRow) {
    match &row.keys {
        Some(keys) => write_tuple(out, keys),
        None => out.push_str("otherwise"),
    }
    out.push_str(" -> ");
    write_expr(out, &row.value);
}

/// One expression as is, several in parentheses.
fn write_tuple(out: &mut String, items: &[Expr]) {
    match items {
        [one] => write_expr(out, one),
        many => {
            out.push('(');
            for (i, e) in many.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, e);
            }
            out.push(')');
        }
    }
}

/// One band of a tier table: `0 CNY .. 10000 CNY -> 1%`.
pub fn tier_row(row: &TierRow) -> String {
    let mut out = String::new();
    write_tier_row(&mut out, row);
    out
}

fn write_tier_row(out: &mut String, row: &TierRow) {
    if let Some(s) = &row.start {
        write_expr(out, s);
        out.push(' ');
    }
    out.push_str(match row.kind {
        RangeKind::Exclusive => "..",
        RangeKind::Through => "through",
    });
    if let Some(e) = &row.end {
        out.push(' ');
        write_expr(out, e);
    }
    out.push_str(" -> ");
    write_expr(out, &row.value);
}

fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Name(id) => out.push_str(&id.name),
        ExprKind::Field(base, f) => {
            write_expr(out, base);
            out.push('.');
            out.push_str(&f.name);
        }
        ExprKind::Number(n) => {
            let _ = write!(out, "{n}");
        }
        ExprKind::Percent(n) => {
            let _ = write!(out, "{n}%");
        }
        ExprKind::Quantity(n, u) => {
            let _ = write!(out, "{n} {}", u.name);
        }
        ExprKind::Text(s) => out.push_str(&quoted(s)),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Timestamp(t) => out.push_str(&t.text),
        ExprKind::Set(items) => {
            out.push('{');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quoted(&item.value));
            }
            out.push('}');
        }
        ExprKind::Neg(inner) => {
            out.push('-');
            write_expr(out, inner);
        }
        ExprKind::Not(inner) => {
            out.push_str("not ");
            write_expr(out, inner);
        }
        ExprKind::Binary(op, a, b) => {
            write_expr(out, a);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_expr(out, b);
        }
        ExprKind::And(operands) | ExprKind::Or(operands) => {
            let op = if matches!(e.kind, ExprKind::And(_)) {
                "and"
            } else {
                "or"
            };
            for (i, x) in operands.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                    out.push_str(op);
                    out.push(' ');
                }
                write_expr(out, x);
            }
        }
        ExprKind::Arith { first, rest } => {
            write_expr(out, first);
            for (op, x) in rest {
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
                write_expr(out, x);
            }
        }
        ExprKind::In { value, target, negated } => {
            write_expr(out, value);
            out.push_str(if *negated { " not in " } else { " in " });
            match target {
                InTarget::Expr(t) => write_expr(out, t),
                InTarget::Range(r) => write_range(out, r),
            }
        }
        ExprKind::IsKnown(inner, known) => {
            write_expr(out, inner);
            out.push_str(if *known { " is known" } else { " is unknown" });
        }
        ExprKind::IsWaitlisted(inner) => {
            write_expr(out, inner);
            out.push_str(" is waitlisted");
        }
        ExprKind::IfUnknown(a, b) => {
            write_expr(out, a);
            out.push_str(" if unknown ");
            write_expr(out, b);
        }
        ExprKind::As(a, u) => {
            write_expr(out, a);
            out.push_str(" as ");
            out.push_str(&u.name);
        }
        ExprKind::Aggregate { op, source, filter } => {
            out.push_str(op.words());
            out.push_str(" of ");
            write_expr(out, source);
            if let Some(f) = filter {
                out.push_str(" where ");
                write_expr(out, f);
            }
        }
        ExprKind::Where(list, filter) => {
            write_expr(out, list);
            out.push_str(" where ");
            write_expr(out, filter);
        }
        ExprKind::Call(name, args) => {
            out.push_str(&name.name);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a);
            }
            out.push(')');
        }
        ExprKind::Rank { keys, within } => {
            out.push_str("rank by ");
            for (i, (k, desc)) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(", then by ");
                }
                write_expr(out, k);
                if *desc {
                    out.push_str(" descending");
                }
            }
            for (i, g) in within.iter().enumerate() {
                out.push_str(if i == 0 { " within " } else { " and " });
                write_expr(out, g);
            }
        }
        ExprKind::Lookup { keys, rows } => {
            out.push_str("lookup ");
            write_tuple(out, keys);
            out.push_str(" { ");
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_lookup_row(out, row);
            }
            out.push_str(" }");
        }
        ExprKind::Tiers { kind, subject, rows } => {
            out.push_str(kind.word());
            out.push_str(" of ");
            write_expr(out, subject);
            out.push_str(" { ");
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_tier_row(out, row);
            }
            out.push_str(" }");
        }
        ExprKind::Paren(inner) => {
            out.push('(');
            write_expr(out, inner);
            out.push(')');
        }
    }
}
