//! The printer: lays a campaign out as lines, with the comments tied to them.

use super::comments::{self, Attached, Placed, chain, closing, item_extents, spine_points};
use super::width::width;
use crate::syntax::ast::*;
use crate::syntax::keywords::{Surface, written_name};
use crate::syntax::print::{self, quoted};

/// Lines longer than this (in display columns) are broken where the layout allows.
pub const MAX_WIDTH: usize = 100;
/// Reasons are aligned after the conditions up to this many columns wide;
/// a longer condition has its reason two spaces after it.
pub const REASON_COLUMN_CAP: usize = 56;
/// One level of indentation.
const INDENT: usize = 2;
/// The extra indentation of a continuation line.
const CONTINUATION: usize = 2;

#[derive(Debug)]
struct Line {
    indent: usize,
    text: String,
    /// Own-line comments written before the line.
    leading: Vec<Placed>,
    /// Comments from inside the line, in source order.
    interior: Vec<Placed>,
    blank_before: bool,
    comment_indent: usize,
    /// A closing brace: no blank line before it.
    closer: bool,
    /// The end of the file: comments only.
    eof: bool,
}

impl Line {
    fn new(indent: usize) -> Self {
        Line {
            indent,
            text: String::new(),
            leading: Vec::new(),
            interior: Vec::new(),
            blank_before: false,
            comment_indent: indent,
            closer: false,
            eof: false,
        }
    }
}

/// Lays out one campaign.
pub struct Printer<'a> {
    src: &'a str,
    comments: Attached,
    lines: Vec<Line>,
    /// The keyword set the text will be converted to after the layout, which is written with
    /// English keywords: the reasons' column is measured in it.
    surface: Surface,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    Start,
    Opener,
    Other,
}

impl<'a> Printer<'a> {
    /// A printer for a campaign read from `src` (empty when there is no source),
    /// with its comments already tied to anchors.
    pub fn new(src: &'a str, comments: Attached) -> Self {
        Printer {
            src,
            comments,
            lines: Vec::new(),
            surface: Surface::English,
        }
    }

    // -------------------------------------------------------------- lines

    fn start(&mut self, indent: usize, anchor: Option<usize>, block: bool) {
        let mut line = Line::new(indent);
        if let Some(a) = anchor {
            let mut leading = self.comments.leading.remove(&a).unwrap_or_default();
            if !block {
                for c in &mut leading {
                    c.blank_before = false;
                }
            }
            line.leading = leading;
            line.interior = self.comments.interior.remove(&a).unwrap_or_default();
            line.blank_before = block && comments::blank_line_before(self.src, a);
        }
        self.lines.push(line);
    }

    fn closer(&mut self, indent: usize, anchor: usize) {
        self.start(indent, Some(anchor), true);
        if let Some(line) = self.lines.last_mut() {
            line.closer = true;
            line.blank_before = false;
            line.comment_indent = indent + INDENT;
        }
    }

    /// An anchor printed inside the current line: its comments join the line's.
    fn merge(&mut self, anchor: usize) {
        let mut taken = self.comments.leading.remove(&anchor).unwrap_or_default();
        for c in &mut taken {
            c.blank_before = false;
        }
        taken.extend(self.comments.interior.remove(&anchor).unwrap_or_default());
        if let Some(line) = self.lines.last_mut() {
            line.interior.extend(taken);
        }
    }

    fn push(&mut self, s: &str) {
        if let Some(line) = self.lines.last_mut() {
            line.text.push_str(s);
        }
    }

    fn has_leading(&self, anchor: usize) -> bool {
        self.comments.leading.get(&anchor).is_some_and(|v| !v.is_empty())
    }

    fn cur_indent(&self) -> usize {
        self.lines.last().map_or(0, |l| l.indent)
    }

    /// Prints with `f` on a scratch copy of the current line: the widest line and the line count.
    fn measure(&self, f: impl FnOnce(&mut Printer<'a>)) -> (usize, usize) {
        let mut scratch = Printer::new(self.src, Attached::default());
        let mut line = Line::new(self.cur_indent());
        if let Some(cur) = self.lines.last() {
            line.text = cur.text.clone();
        }
        scratch.lines.push(line);
        f(&mut scratch);
        let widest = scratch
            .lines
            .iter()
            .map(|l| l.indent + width(&l.text))
            .max()
            .unwrap_or(0);
        (widest, scratch.lines.len())
    }

    /// The text, comments placed: at most one comment ends a line, the others go above it.
    pub fn finish(self) -> String {
        let mut out = String::new();
        let mut prev = Prev::Start;
        for mut line in self.lines {
            let trailing = match line.interior.last() {
                Some(c) if c.trailing => line.interior.pop(),
                _ => None,
            };
            let mut hoisted = line.interior;
            for c in &mut hoisted {
                c.blank_before = false;
            }
            if let Some(first) = hoisted.first_mut() {
                first.blank_before = line.blank_before;
                line.blank_before = false;
            }
            for c in line.leading.iter().chain(&hoisted) {
                blank(&mut out, c.blank_before, prev);
                out.push_str(&" ".repeat(line.comment_indent));
                out.push_str(&c.text);
                out.push('\n');
                prev = Prev::Other;
            }
            if line.eof {
                continue;
            }
            blank(&mut out, line.blank_before && !line.closer, prev);
            out.push_str(&" ".repeat(line.indent));
            out.push_str(&line.text);
            if let Some(t) = trailing {
                out.push_str("  ");
                out.push_str(&t.text);
            }
            out.push('\n');
            prev = if line.text.ends_with('{') {
                Prev::Opener
            } else {
                Prev::Other
            };
        }
        out
    }

    // -------------------------------------------------------------- items

    /// Prints a whole campaign.
    pub fn campaign(&mut self, c: &Campaign) {
        self.surface = c.surface;
        self.start(0, Some(c.span.start), true);
        self.push("campaign ");
        self.push(&quoted(&c.name.value));
        self.push(" {");
        let close = closing(c.span);
        if c.items.is_empty() && !self.has_leading(close) {
            self.push("}");
            self.merge(close);
        } else {
            let extents = item_extents(c, self.src);
            for (item, (start, _)) in c.items.iter().zip(extents) {
                self.start(INDENT, Some(start), true);
                self.item(item, INDENT);
            }
            self.closer(0, close);
            self.push("}");
        }
        self.start(0, Some(self.src.len()), true);
        // Whatever was not placed (nothing, if the anchors are right) goes at the end.
        let rest: Vec<Placed> = std::mem::take(&mut self.comments.leading)
            .into_values()
            .chain(std::mem::take(&mut self.comments.interior).into_values())
            .flatten()
            .map(|mut c| {
                c.trailing = false;
                c
            })
            .collect();
        if let Some(line) = self.lines.last_mut() {
            line.eof = true;
            line.leading.extend(rest);
        }
    }

    fn item(&mut self, item: &Item, ind: usize) {
        match item {
            Item::Timezone(id) => {
                self.push("timezone ");
                self.push(&id.name);
            }
            Item::Source(t) => {
                self.push("source ");
                self.push(&quoted(&t.value));
            }
            Item::Note(t) => {
                self.push("note ");
                self.push(&quoted(&t.value));
            }
            Item::Unit(u) => {
                self.push("unit ");
                self.push(&written_name(&u.name.name));
                if let Some((d, span)) = &u.precision {
                    let n = self.lit(*span, || d.to_string());
                    self.push(", precision ");
                    self.push(&n);
                }
            }
            Item::Parameter(p) => {
                self.push("parameter ");
                self.push(&written_name(&p.name.name));
                self.push(": ");
                self.ty(&p.ty, ind);
                self.definition(&p.default, &[], ind);
            }
            Item::Window(w) => {
                self.push("window ");
                self.push(&written_name(&w.name.name));
                self.push(" = ");
                print::write_range(self, &w.range);
            }
            Item::Periods(p) => {
                let unit = match p.unit {
                    PeriodUnit::Month => "months",
                    PeriodUnit::Week => "weeks",
                    PeriodUnit::Day => "days",
                    PeriodUnit::Year => "years",
                };
                let first = self.bound(&p.first);
                let last = self.bound(&p.last);
                self.push(&format!(
                    "periods {} = {unit} {first} through {last}",
                    written_name(&p.name.name)
                ));
            }
            Item::Facts(f) => {
                self.push("facts {");
                self.fields(&f.fields, closing(f.span), ind);
            }
            Item::Value(v) => {
                self.push(if v.exposed { "value " } else { "let " });
                self.push(&written_name(&v.name.name));
                self.scope(v.scope.as_ref());
                self.definition(&v.expr, &v.modifiers, ind);
            }
            Item::Eligible(e) => self.eligible(e, ind),
            Item::Reward(r) => {
                self.push(Surface::English.spell(r.kind.keyword()));
                self.push(" ");
                self.push(&written_name(&r.name.name));
                self.scope(r.per.as_ref());
                self.definition(&r.expr, &r.modifiers, ind);
                if let Some(gate) = &r.gate {
                    // On the line after the amount, at the item's indent, like a block of its own.
                    self.start(ind + CONTINUATION, Some(gate.span.start), false);
                    self.conditions("when {", &gate.conditions, gate.span, ind + CONTINUATION);
                }
            }
        }
    }

    fn scope(&mut self, scope: Option<&Scope>) {
        match scope {
            None => {}
            Some(Scope::Of(path)) => {
                let names: Vec<_> = path.iter().map(|i| written_name(&i.name)).collect();
                self.push(" of ");
                self.push(&names.join("."));
            }
            Some(Scope::Per { var, periods }) => {
                self.push(&format!(
                    " per {} in {}",
                    written_name(&var.name),
                    written_name(&periods.name)
                ));
            }
            Some(Scope::Item(path)) => {
                let names: Vec<_> = path.iter().map(|i| written_name(&i.name)).collect();
                self.push(" per item of ");
                self.push(&names.join("."));
            }
        }
    }

    fn bound(&self, b: &PeriodBound) -> String {
        self.lit(b.span, || match b.day {
            Some(d) => format!("{:04}-{:02}-{:02}", b.year, b.month, d),
            None if b.year_only => format!("{:04}", b.year),
            None => format!("{:04}-{:02}", b.year, b.month),
        })
    }

    /// A literal as written in the source, blanks inside normalised; `fallback`
    /// when there is no source (a tree built by hand).
    fn lit(&self, span: Span, fallback: impl FnOnce() -> String) -> String {
        match self.src.get(span.start..span.end) {
            Some(s) if !s.trim().is_empty() => s.split_whitespace().collect::<Vec<_>>().join(" "),
            _ => fallback(),
        }
    }

    fn fields(&mut self, fields: &[FieldDecl], close: usize, ind: usize) {
        if fields.is_empty() && !self.has_leading(close) {
            self.push("}");
            self.merge(close);
            return;
        }
        for f in fields {
            self.start(ind + INDENT, Some(f.span.start), true);
            self.push(&written_name(&f.name.name));
            self.push(": ");
            self.ty(&f.ty, ind + INDENT);
            if f.optional {
                self.push(", optional");
            }
        }
        self.closer(ind, close);
        self.push("}");
    }

    fn ty(&mut self, t: &TypeExpr, ind: usize) {
        let word = match &t.kind {
            TypeExprKind::Text => "text",
            TypeExprKind::Bool => "bool",
            TypeExprKind::Count => "count",
            TypeExprKind::Decimal => "decimal",
            TypeExprKind::Fraction => "fraction",
            TypeExprKind::Timestamp => "timestamp",
            TypeExprKind::Duration => "duration",
            TypeExprKind::Money(u) => {
                self.push("money ");
                self.push(&written_name(&u.name));
                return;
            }
            TypeExprKind::Quantity(u) => {
                self.push("quantity ");
                self.push(&written_name(&u.name));
                return;
            }
            TypeExprKind::Enum(items) => {
                let items: Vec<String> = items.iter().map(|t| quoted(&t.value)).collect();
                self.push("one of ");
                self.push(&items.join(", "));
                return;
            }
            TypeExprKind::List(fields) => {
                self.push("list of {");
                self.fields(fields, closing(t.span), ind);
                return;
            }
        };
        self.push(word);
    }

    fn eligible(&mut self, e: &EligibleBlock, ind: usize) {
        self.conditions("eligible when {", &e.conditions, e.span, ind);
    }

    /// A block of conditions with their reasons (`eligible when {`, a reward's `when {`), the
    /// reasons lined up in a column.
    fn conditions(&mut self, head: &str, conditions: &[Condition], span: Span, ind: usize) {
        self.push(head);
        let close = closing(span);
        if conditions.is_empty() && !self.has_leading(close) {
            self.push("}");
            self.merge(close);
            return;
        }
        let cind = ind + INDENT;
        // (width of the condition, on one line, broken onto continuation lines)
        let shapes: Vec<(usize, bool, bool)> = conditions
            .iter()
            .map(|c| {
                let forced = spine_points(&c.expr).iter().any(|p| self.has_leading(p.start));
                let (widest, lines) = self.measure_fresh(cind, |p| p.spine(&c.expr, cind, false));
                let too_long = widest > MAX_WIDTH;
                // Where lines break is decided on the English text, so that both keyword sets
                // break alike; the reasons line up by the width of the keywords written.
                let shown = match (self.surface, lines) {
                    (Surface::Chinese, 1) => self
                        .chinese_width(cind, |p| p.spine(&c.expr, cind, false))
                        .unwrap_or(widest),
                    _ => widest,
                };
                (
                    shown.saturating_sub(cind),
                    !forced && !too_long && lines == 1,
                    forced || too_long,
                )
            })
            .collect();
        let column = shapes
            .iter()
            .filter(|(w, single, _)| *single && *w <= REASON_COLUMN_CAP)
            .map(|(w, ..)| *w)
            .max();
        for (i, (c, (w, single, broken))) in conditions.iter().zip(shapes).enumerate() {
            self.start(cind, Some(c.span.start), true);
            self.spine(&c.expr, cind, broken);
            match &c.reason {
                Some(r) => {
                    let pad = match column {
                        Some(col) if single && w <= REASON_COLUMN_CAP => col - w + 2,
                        _ => 2,
                    };
                    self.push(&" ".repeat(pad));
                    self.push(&quoted(&r.value));
                }
                None => {
                    // Without a reason, a condition could run on into the next one.
                    if conditions.get(i + 1).is_some_and(|n| print::starts_risky(&n.expr)) {
                        self.push(",");
                    }
                }
            }
        }
        self.closer(ind, close);
        self.push("}");
    }

    /// The width of a condition printed on one line with `f`, once its keywords are Chinese:
    /// the line is converted inside a campaign around it, so that only its keywords change.
    fn chinese_width(&self, indent: usize, f: impl FnOnce(&mut Printer<'a>)) -> Option<usize> {
        let mut scratch = Printer::new(self.src, Attached::default());
        scratch.lines.push(Line::new(indent));
        f(&mut scratch);
        let line = scratch.lines.first()?;
        let around = format!("campaign \"\" {{\neligible when {{\n{}\n}}\n}}\n", line.text);
        let converted = crate::syntax::convert(&around, Surface::Chinese).ok()?;
        Some(indent + width(converted.lines().nth(2)?))
    }

    fn measure_fresh(&self, indent: usize, f: impl FnOnce(&mut Printer<'a>)) -> (usize, usize) {
        let mut scratch = Printer::new(self.src, Attached::default());
        scratch.lines.push(Line::new(indent));
        f(&mut scratch);
        let widest = scratch
            .lines
            .iter()
            .map(|l| l.indent + width(&l.text))
            .max()
            .unwrap_or(0);
        (widest, scratch.lines.len())
    }

    // -------------------------------------------------------------- definitions

    /// ` = EXPR, modifiers`, broken onto continuation lines when too long.
    fn definition(&mut self, e: &Expr, modifiers: &[Modifier], ind: usize) {
        self.push(" = ");
        let forced = spine_points(e).iter().any(|p| self.has_leading(p.start));
        let broken = forced || {
            let (widest, _) = self.measure(|p| {
                p.spine(e, ind, false);
                if !modifiers.is_empty() {
                    p.push(",");
                }
            });
            widest > MAX_WIDTH
        };
        self.spine(e, ind, broken);
        self.modifiers(modifiers, ind + CONTINUATION);
    }

    fn modifiers(&mut self, modifiers: &[Modifier], cont: usize) {
        if modifiers.is_empty() {
            return;
        }
        let forced = modifiers.iter().any(|m| self.has_leading(m.span().start));
        let broken = forced || {
            let (widest, _) = self.measure(|p| {
                for m in modifiers {
                    p.push(", ");
                    p.modifier(m);
                }
            });
            widest > MAX_WIDTH
        };
        for m in modifiers {
            if broken {
                self.push(",");
                self.start(cont, Some(m.span().start), false);
            } else {
                self.push(", ");
                self.merge(m.span().start);
            }
            self.modifier(m);
        }
    }

    fn modifier(&mut self, m: &Modifier) {
        match m {
            Modifier::Rounded { mode, step, .. } => {
                self.push("rounded ");
                self.push(mode.words());
                if let Some((d, span)) = step {
                    let n = self.lit(*span, || d.to_string());
                    self.push(" to ");
                    self.push(&n);
                }
            }
            Modifier::AtMost(e, _) => {
                self.push("at most ");
                self.expr(e);
            }
            Modifier::AtLeast(e, _) => {
                self.push("at least ");
                self.expr(e);
            }
            Modifier::Budget(b) => {
                self.push("budget ");
                self.expr(&b.amount);
                match &b.scope {
                    BudgetScope::Total => self.push(" in total"),
                    BudgetScope::Per(unit, e) => {
                        self.push(" per ");
                        self.push(unit.word());
                        self.push(" of ");
                        self.expr(e);
                    }
                }
                match &b.allocation {
                    Allocation::Split(Split::ProRata) => self.push(", split pro rata"),
                    Allocation::Split(Split::Equally) => self.push(", split equally"),
                    Allocation::Queue {
                        order,
                        descending,
                        last_split,
                    } => {
                        self.push(", first come first served by ");
                        self.expr(order);
                        if *descending {
                            self.push(" descending");
                        } else if self.written_after(order.span.end, "ascending") {
                            self.push(" ascending");
                        }
                        if let Some(unit) = last_split {
                            self.push(", split pro rata per ");
                            self.push(unit.word());
                        }
                    }
                }
            }
            Modifier::Paid(parts, _) => {
                self.push("paid ");
                for (i, (share, span, when)) in parts.iter().enumerate() {
                    if i > 0 {
                        self.push(" and ");
                    }
                    let n = self.lit(*span, || format!("{share}%"));
                    self.push(&n);
                    self.push(" on ");
                    self.expr(when);
                }
            }
            Modifier::Expires(e, _) => {
                self.push("expires ");
                self.expr(e);
            }
        }
    }

    /// A `top`'s total: `sum of x` or `count`.
    fn top_measure(&mut self, sum: Option<&Expr>) {
        match sum {
            Some(x) => {
                self.push("sum of ");
                self.expr(x);
            }
            None => self.push("count"),
        }
    }

    /// Whether the next word of the source after `end` is `word` (say, the
    /// default order `ascending`, which the tree does not keep).
    fn written_after(&self, end: usize, word: &str) -> bool {
        let at = comments::next_code(self.src, end);
        self.src.get(at..).is_some_and(|rest| {
            rest.strip_prefix(word)
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        })
    }

    /// A definition's or condition's expression; `broken` puts each continuation
    /// point on its own line.
    fn spine(&mut self, e: &Expr, ind: usize, broken: bool) {
        let cont = ind + CONTINUATION;
        match &e.kind {
            ExprKind::Where(list, filter) => {
                self.expr(list);
                self.filter(filter, cont, broken);
            }
            ExprKind::Aggregate {
                op,
                source,
                filter: Some(filter),
            } => {
                self.push(op.words());
                self.push(" of ");
                self.expr(source);
                self.filter(filter, cont, broken);
            }
            ExprKind::Top {
                key,
                source,
                sum,
                filter: Some(filter),
                ties,
            } => {
                self.push("top ");
                self.expr(key);
                self.push(" of ");
                self.expr(source);
                self.push(" by ");
                self.top_measure(sum.as_deref());
                self.filter(filter, cont, broken);
                for tie in ties {
                    self.push(", then by ");
                    match &tie.by {
                        TopTieBy::Total(sum) => self.top_measure(sum.as_deref()),
                        TopTieBy::Key(key) => self.expr(key),
                    }
                    match tie.descending {
                        Some(true) => self.push(" descending"),
                        Some(false) => self.push(" ascending"),
                        None => {}
                    }
                }
            }
            ExprKind::And(_) | ExprKind::Or(_) => self.chain(e, cont, broken),
            ExprKind::IfUnknown(a, b) => {
                self.expr(a);
                self.cont_point(b.span.start, cont, broken);
                self.push("if unknown ");
                self.expr(b);
            }
            // Broken, each `else` begins a line: the choices read as a list.
            ExprKind::If { branches, otherwise } => {
                for (i, (test, value)) in branches.iter().enumerate() {
                    if i > 0 {
                        self.cont_point(test.span.start, cont, broken);
                        self.push("else ");
                    }
                    self.push("if ");
                    self.expr(test);
                    self.push(" then ");
                    self.expr(value);
                }
                self.cont_point(otherwise.span.start, cont, broken);
                self.push("else ");
                self.expr(otherwise);
            }
            // Broken, each part of a balance begins a line: what it pays, when it expires,
            // when it is lost.
            ExprKind::Balance(b) => {
                self.push("balance of ");
                self.expr(&b.credit);
                self.cont_point(b.applied.span.start, cont, broken);
                print::balance_applied(self, b);
                if let Some((months, span)) = b.expiry {
                    self.cont_point(span.start, cont, broken);
                    self.push(&print::balance_expiry(months));
                }
                if let Some(t) = &b.lost_at {
                    self.cont_point(t.span.start, cont, broken);
                    self.push("lost at ");
                    self.expr(t);
                }
            }
            _ => self.expr(e),
        }
    }

    fn filter(&mut self, filter: &Expr, cont: usize, broken: bool) {
        self.cont_point(filter.span.start, cont, broken);
        self.push("where ");
        self.chain(filter, cont + 2, broken);
    }

    fn chain(&mut self, e: &Expr, cont: usize, broken: bool) {
        let (op, operands) = chain(e);
        let mut operands = operands.into_iter();
        if let Some(first) = operands.next() {
            self.expr(first);
        }
        let word = op.map_or("", BinOp::symbol);
        for o in operands {
            self.cont_point(o.span.start, cont, broken);
            self.push(word);
            self.push(" ");
            self.expr(o);
        }
    }

    fn cont_point(&mut self, anchor: usize, indent: usize, broken: bool) {
        if broken {
            self.start(indent, Some(anchor), false);
        } else {
            self.push(" ");
            self.merge(anchor);
        }
    }

    // -------------------------------------------------------------- expressions

    fn expr(&mut self, e: &Expr) {
        print::write_expr(self, e);
    }
}

/// The formatter writes expressions with the one printer, keeping literals as
/// written and laying tables out one row a line.
impl print::Sink for Printer<'_> {
    fn push(&mut self, s: &str) {
        Printer::push(self, s);
    }

    fn literal(&mut self, span: Span, canonical: String) {
        let s = self.lit(span, || canonical);
        Printer::push(self, &s);
    }

    fn ascending_written(&self, key: &Expr) -> bool {
        self.written_after(key.span.end, "ascending")
    }

    fn rows(&mut self, table: Span, rows: &[print::Row<'_>]) {
        Printer::push(self, " {");
        let close = closing(table);
        if rows.is_empty() && !self.has_leading(close) {
            Printer::push(self, "}");
            self.merge(close);
            return;
        }
        let ind = self.cur_indent();
        let mut rows = rows.iter().peekable();
        while let Some(row) = rows.next() {
            self.start(ind + INDENT, Some(row.start()), true);
            row.write(self);
            if rows.peek().is_some_and(|next| next.could_run_on()) {
                Printer::push(self, ",");
            }
        }
        self.closer(ind, close);
        Printer::push(self, "}");
    }
}

fn blank(out: &mut String, wanted: bool, prev: Prev) {
    if wanted && prev == Prev::Other {
        out.push('\n');
    }
}
