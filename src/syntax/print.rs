//! Writing syntax back as text: the one expression printer.
//!
//! [`write_expr`] spells every expression. Where it writes is a [`Sink`]: a
//! `String` takes the plain, one-line canonical spelling used by messages,
//! lints and explanations; the formatter (`fmt::layout`) is another sink, which
//! keeps literals as written and lays tables out one row a line.

use super::ast::*;
use super::keywords::written_name;

/// Where an expression is written.
///
/// The defaults give the plain spelling; a sink overrides them to lay an
/// expression out differently without printing any expression itself.
pub trait Sink {
    /// Appends text.
    fn push(&mut self, s: &str);

    /// A number, percentage or quantity literal at `span`, whose canonical
    /// spelling is `canonical`.
    fn literal(&mut self, span: Span, canonical: String) {
        let _ = span;
        self.push(&canonical);
    }

    /// Whether the ranking key `key` is followed by the default order
    /// `ascending`, written out (the tree does not keep it).
    fn ascending_written(&self, key: &Expr) -> bool {
        let _ = key;
        false
    }

    /// The rows of the lookup or tier table at `table`, from after its header
    /// to its closing `}`: ` { row, row }`.
    fn rows(&mut self, table: Span, rows: &[Row<'_>])
    where
        Self: Sized,
    {
        let _ = table;
        self.push(" { ");
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            row.write(self);
        }
        self.push(" }");
    }
}

impl Sink for String {
    fn push(&mut self, s: &str) {
        self.push_str(s);
    }
}

/// One row of a lookup or tier table.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// `"文娱" -> 2%`.
    Lookup(&'a LookupRow),
    /// `0 CNY .. 10000 CNY -> 1%`.
    Tier(&'a TierRow),
}

impl Row<'_> {
    /// Where the row starts in the source.
    pub fn start(self) -> usize {
        match self {
            Row::Lookup(r) => r.span.start,
            Row::Tier(r) => r.span.start,
        }
    }

    /// Writes the row.
    pub fn write<S: Sink>(self, out: &mut S) {
        match self {
            Row::Lookup(row) => {
                match &row.keys {
                    Some(keys) => write_tuple(out, keys),
                    None => out.push("otherwise"),
                }
                out.push(" -> ");
                write_expr(out, &row.value);
            }
            Row::Tier(row) => {
                if let Some(s) = &row.start {
                    write_expr(out, s);
                    out.push(" ");
                }
                out.push(match row.kind {
                    RangeKind::Exclusive => "..",
                    RangeKind::Through => "through",
                });
                if let Some(e) = &row.end {
                    out.push(" ");
                    write_expr(out, e);
                }
                out.push(" -> ");
                write_expr(out, &row.value);
            }
        }
    }

    /// Whether the row, written on the line after another without a comma
    /// between them, could read as part of the row before: a key `(a, b)` as a
    /// call, a band without a start or starting with `-` or `(` as more of the
    /// value before.
    pub fn could_run_on(self) -> bool {
        match self {
            Row::Lookup(r) => r.keys.as_ref().is_some_and(|k| k.len() > 1),
            Row::Tier(r) => r.start.as_ref().is_none_or(starts_risky),
        }
    }
}

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

/// One row of a lookup table: `"文娱" -> 2%`.
pub fn lookup_row(row: &LookupRow) -> String {
    let mut out = String::new();
    Row::Lookup(row).write(&mut out);
    out
}

/// One band of a tier table: `0 CNY .. 10000 CNY -> 1%`.
pub fn tier_row(row: &TierRow) -> String {
    let mut out = String::new();
    Row::Tier(row).write(&mut out);
    out
}

/// A range: `A .. B` or `A through B`.
pub fn write_range<S: Sink>(out: &mut S, r: &Range) {
    write_expr(out, &r.start);
    out.push(match r.kind {
        RangeKind::Exclusive => " .. ",
        RangeKind::Through => " through ",
    });
    write_expr(out, &r.end);
}

/// Writes an expression: each family of constructs has its function below.
pub fn write_expr<S: Sink>(out: &mut S, e: &Expr) {
    match &e.kind {
        ExprKind::Name(id) => out.push(&written_name(&id.name)),
        ExprKind::Field(base, f) => {
            write_expr(out, base);
            out.push(".");
            out.push(&written_name(&f.name));
        }
        ExprKind::Number(n) => out.literal(e.span, n.to_string()),
        ExprKind::Percent(n) => out.literal(e.span, format!("{n}%")),
        ExprKind::Quantity(n, u) => out.literal(e.span, format!("{n} {}", u.name)),
        ExprKind::Text(s) => out.push(&quoted(s)),
        ExprKind::Bool(b) => out.push(if *b { "true" } else { "false" }),
        ExprKind::Timestamp(t) => out.push(&t.text),
        ExprKind::Set(items) => {
            out.push("{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(", ");
                }
                out.push(&quoted(&item.value));
            }
            out.push("}");
        }
        ExprKind::Neg(inner) => prefix(out, "-", inner),
        ExprKind::Not(inner) => prefix(out, "not ", inner),
        ExprKind::Paren(inner) => {
            out.push("(");
            write_expr(out, inner);
            out.push(")");
        }
        ExprKind::Binary(op, a, b) => {
            write_expr(out, a);
            infix(out, op.symbol(), b);
        }
        ExprKind::And(operands) => chain(out, "and", operands),
        ExprKind::Or(operands) => chain(out, "or", operands),
        ExprKind::Arith { first, rest } => {
            write_expr(out, first);
            for (op, x) in rest {
                infix(out, op.symbol(), x);
            }
        }
        ExprKind::In { value, target, negated } => membership(out, value, target, *negated),
        ExprKind::IsKnown(inner, known) => postfix(out, inner, if *known { " is known" } else { " is unknown" }),
        ExprKind::IsWaitlisted(inner) => postfix(out, inner, " is waitlisted"),
        ExprKind::IsEarned(inner) => postfix(out, inner, " is earned"),
        ExprKind::IfUnknown(a, b) => {
            write_expr(out, a);
            out.push(" if unknown ");
            write_expr(out, b);
        }
        ExprKind::As(a, u) => {
            postfix(out, a, " as ");
            out.push(&written_name(&u.name));
        }
        ExprKind::Aggregate { op, source, filter } => aggregate(out, op.words(), source, filter.as_deref()),
        ExprKind::Where(list, filter) => {
            write_expr(out, list);
            out.push(" where ");
            write_expr(out, filter);
        }
        ExprKind::Call(name, args) => {
            // A function's name is never escaped: `min(` and `max(` are calls, not the aggregates.
            out.push(&name.name);
            write_tuple_always(out, args);
        }
        ExprKind::Rank { keys, within } => rank(out, keys, within),
        ExprKind::Ordered {
            kind,
            value,
            filter,
            keys,
        } => ordered(out, kind, value, filter.as_deref(), keys),
        ExprKind::Top {
            key,
            source,
            sum,
            filter,
            ties,
        } => top(out, key, source, sum.as_deref(), filter.as_deref(), ties),
        ExprKind::Balance(b) => balance(out, b),
        ExprKind::Lookup { keys, rows } => {
            out.push("lookup ");
            write_tuple(out, keys);
            let rows: Vec<Row<'_>> = rows.iter().map(Row::Lookup).collect();
            out.rows(e.span, &rows);
        }
        ExprKind::Tiers { kind, subject, rows } => {
            out.push(kind.word());
            out.push(" of ");
            write_expr(out, subject);
            let rows: Vec<Row<'_>> = rows.iter().map(Row::Tier).collect();
            out.rows(e.span, &rows);
        }
        ExprKind::If { branches, otherwise } => conditional(out, branches, otherwise),
    }
}

/// `if c1 then a else if c2 then b else d`.
fn conditional<S: Sink>(out: &mut S, branches: &[(Expr, Expr)], otherwise: &Expr) {
    for (i, (test, value)) in branches.iter().enumerate() {
        out.push(if i == 0 { "if " } else { " else if " });
        write_expr(out, test);
        out.push(" then ");
        write_expr(out, value);
    }
    out.push(" else ");
    write_expr(out, otherwise);
}

// ------------------------------------------------------------------ operators

fn prefix<S: Sink>(out: &mut S, op: &str, operand: &Expr) {
    out.push(op);
    write_expr(out, operand);
}

fn postfix<S: Sink>(out: &mut S, operand: &Expr, words: &str) {
    write_expr(out, operand);
    out.push(words);
}

/// ` op b`, after the left operand.
fn infix<S: Sink>(out: &mut S, op: &str, b: &Expr) {
    out.push(" ");
    out.push(op);
    out.push(" ");
    write_expr(out, b);
}

/// `a and b and c`.
fn chain<S: Sink>(out: &mut S, op: &str, operands: &[Expr]) {
    let mut operands = operands.iter();
    if let Some(first) = operands.next() {
        write_expr(out, first);
    }
    for x in operands {
        infix(out, op, x);
    }
}

/// `a in b`, `a not in X .. Y`.
fn membership<S: Sink>(out: &mut S, value: &Expr, target: &InTarget, negated: bool) {
    write_expr(out, value);
    out.push(if negated { " not in " } else { " in " });
    match target {
        InTarget::Expr(t) => write_expr(out, t),
        InTarget::Range(r) => write_range(out, r),
    }
}

// ------------------------------------------------------------------ lists

/// `sum of sales.gmv where ...`.
fn aggregate<S: Sink>(out: &mut S, words: &str, source: &Expr, filter: Option<&Expr>) {
    out.push(words);
    out.push(" of ");
    write_expr(out, source);
    if let Some(f) = filter {
        out.push(" where ");
        write_expr(out, f);
    }
}

/// `rank by a descending, then by b within c and d`.
fn rank<S: Sink>(out: &mut S, keys: &[(Expr, bool)], within: &[Expr]) {
    out.push("rank by ");
    for (i, (k, desc)) in keys.iter().enumerate() {
        if i > 0 {
            out.push(", then by ");
        }
        write_expr(out, k);
        if *desc {
            out.push(" descending");
        } else if out.ascending_written(k) {
            out.push(" ascending");
        }
    }
    for (i, g) in within.iter().enumerate() {
        out.push(if i == 0 { " within " } else { " and " });
        write_expr(out, g);
    }
}

/// `running sum of x where c ordered by k, then by j descending` and its kin.
fn ordered<S: Sink>(out: &mut S, kind: &OrderedKind, value: &Expr, filter: Option<&Expr>, keys: &[(Expr, bool)]) {
    out.push(match kind {
        OrderedKind::RunningSum => "running sum of ",
        OrderedKind::Portion(_) => "portion of ",
        OrderedKind::Previous => "previous ",
    });
    write_expr(out, value);
    if let OrderedKind::Portion(limit) = kind {
        out.push(" within first ");
        write_expr(out, limit);
    }
    if let Some(f) = filter {
        out.push(" where ");
        write_expr(out, f);
    }
    order_keys(out, " ordered by ", keys);
}

/// `top k of list by sum of x where c`, `top k of list by count`.
fn top<S: Sink>(out: &mut S, key: &Expr, source: &Expr, sum: Option<&Expr>, filter: Option<&Expr>, ties: &[TopTie]) {
    out.push("top ");
    write_expr(out, key);
    out.push(" of ");
    write_expr(out, source);
    out.push(" by ");
    top_measure(out, sum);
    if let Some(f) = filter {
        out.push(" where ");
        write_expr(out, f);
    }
    for tie in ties {
        out.push(", then by ");
        match &tie.by {
            TopTieBy::Total(sum) => top_measure(out, sum.as_deref()),
            TopTieBy::Key(key) => write_expr(out, key),
        }
        match tie.descending {
            Some(true) => out.push(" descending"),
            Some(false) => out.push(" ascending"),
            None => {}
        }
    }
}

/// `sum of x` or `count`.
fn top_measure<S: Sink>(out: &mut S, sum: Option<&Expr>) {
    match sum {
        Some(x) => {
            out.push("sum of ");
            write_expr(out, x);
        }
        None => out.push("count"),
    }
}

/// `balance of c applied to l.fee ordered by t, then by k expiring after 3 months lost at u`.
fn balance<S: Sink>(out: &mut S, b: &BalanceExpr) {
    out.push("balance of ");
    write_expr(out, &b.credit);
    out.push(" ");
    balance_applied(out, b);
    if let Some((months, _)) = b.expiry {
        out.push(" ");
        out.push(&balance_expiry(months));
    }
    if let Some(t) = &b.lost_at {
        out.push(" lost at ");
        write_expr(out, t);
    }
}

/// `applied to l.fee ordered by t, then by k`: the part of a balance that says what it pays.
pub fn balance_applied<S: Sink>(out: &mut S, b: &BalanceExpr) {
    out.push("applied to ");
    write_expr(out, &b.applied);
    out.push(" ordered by ");
    write_expr(out, &b.date);
    order_keys(out, ", then by ", &b.keys);
}

/// `expiring after N months` (`1 month`).
pub fn balance_expiry(months: u32) -> String {
    let word = if months == 1 { "month" } else { "months" };
    format!("expiring after {months} {word}")
}

/// `FIRST a descending, then by b`: the keys of an order.
fn order_keys<S: Sink>(out: &mut S, first: &str, keys: &[(Expr, bool)]) {
    for (i, (k, desc)) in keys.iter().enumerate() {
        out.push(if i == 0 { first } else { ", then by " });
        write_expr(out, k);
        if *desc {
            out.push(" descending");
        } else if out.ascending_written(k) {
            out.push(" ascending");
        }
    }
}

/// One expression as is, several in parentheses.
fn write_tuple<S: Sink>(out: &mut S, items: &[Expr]) {
    match items {
        [one] => write_expr(out, one),
        many => write_tuple_always(out, many),
    }
}

/// `(a, b)`.
fn write_tuple_always<S: Sink>(out: &mut S, items: &[Expr]) {
    out.push("(");
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            out.push(", ");
        }
        write_expr(out, e);
    }
    out.push(")");
}

/// Whether an expression begins with a token that could continue the
/// expression written before it (`-`, `(`, `{`, `"`).
pub fn starts_risky(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Neg(_) | ExprKind::Paren(_) | ExprKind::Set(_) | ExprKind::Text(_) => true,
        ExprKind::And(operands) | ExprKind::Or(operands) => operands.first().is_some_and(starts_risky),
        ExprKind::Binary(_, l, _)
        | ExprKind::Arith { first: l, .. }
        | ExprKind::Field(l, _)
        | ExprKind::IsKnown(l, _)
        | ExprKind::IsWaitlisted(l)
        | ExprKind::IsEarned(l)
        | ExprKind::IfUnknown(l, _)
        | ExprKind::As(l, _)
        | ExprKind::Where(l, _) => starts_risky(l),
        ExprKind::In { value, .. } => starts_risky(value),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expressions of the values of a campaign, printed plainly.
    fn printed(items: &str) -> Vec<String> {
        let text = format!("campaign \"x\" {{\n{items}\n}}\n");
        let campaign = crate::syntax::parse(&text).unwrap_or_else(|d| Campaign {
            name: Text {
                value: d.message,
                span: Span::default(),
            },
            items: Vec::new(),
            span: Span::default(),
            surface: crate::syntax::keywords::Surface::English,
        });
        campaign
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Value(v) => Some(expr(&v.expr)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn one_line_canonical_spelling() {
        let written = [
            "lookup (a, b) { (\"x\", \"y\") -> 1.50, otherwise -> 2 }",
            "marginal of g {\n 0 CNY .. 10 CNY -> 1%,\n through 20 CNY -> 2% }",
            "rank by a ascending, then by b descending within c and d",
            "-(a + b) * 2 >= 3 and not x.y is known or z in {\"p\", \"q\"}",
            "sum of s.gmv where s.at in w if unknown 0 CNY",
            "portion of g within first 10 CNY where ok ordered by at, then by id descending",
            "running sum of g ordered by at ascending",
            "previous at ordered by at",
            "top k of s.items by sum of v where ok",
            "top k of s by count",
            "balance of c × 10% applied to (o where ok).fee ordered by at, then by id descending\n  expiring after 1 months lost at left",
            "balance of c applied to o.fee ordered by at expiring after 3 months",
        ];
        let items: Vec<String> = written
            .iter()
            .enumerate()
            .map(|(i, e)| format!("value v{i} = {e}"))
            .collect();
        assert_eq!(
            printed(&items.join("\n")),
            vec![
                "lookup (a, b) { (\"x\", \"y\") -> 1.50, otherwise -> 2 }",
                "marginal of g { 0 CNY .. 10 CNY -> 1%, through 20 CNY -> 2% }",
                "rank by a, then by b descending within c and d",
                "-(a + b) × 2 ≥ 3 and not x.y is known or z in {\"p\", \"q\"}",
                "sum of s.gmv where s.at in w if unknown 0 CNY",
                "portion of g within first 10 CNY where ok ordered by at, then by id descending",
                "running sum of g ordered by at",
                "previous at ordered by at",
                "top k of s.items by sum of v where ok",
                "top k of s by count",
                "balance of c × 10% applied to (o where ok).fee ordered by at, then by id descending expiring after 1 month lost at left",
                "balance of c applied to o.fee ordered by at expiring after 3 months",
            ]
        );
    }
}
