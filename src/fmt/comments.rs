//! Comments are not in the syntax tree (the grammar treats them like
//! whitespace), so the formatter finds them in the text itself and ties each
//! one to a line of the layout.
//!
//! An *anchor* is a place where the layout may start a line: the campaign
//! header, an item, a fact, a condition, a band of a tier table, a closing
//! brace, a modifier or a continuation point of a long definition, and the
//! end of the file. Anchors are identified by the byte offset where they start
//! in the source.
//!
//! - A comment on its own line belongs before the next anchor, unless it sits
//!   inside a construct that ends before that anchor (say, between the
//!   arguments of a call): then it belongs to the line holding that construct.
//! - A comment at the end of a line belongs to the line holding the code just
//!   before it.
//!
//! The printer then puts a line's own-line comments above it, and keeps at
//! most one comment at its end; see `layout`.

use std::collections::BTreeMap;

use crate::syntax::ast::*;
use crate::syntax::scan;

/// A comment found in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the `#`.
    pub start: usize,
    /// From `#` to the end of the line, trailing blanks removed.
    pub text: String,
    /// Whether only blanks precede it on its line.
    pub own_line: bool,
    /// Whether the line before it is blank.
    pub blank_before: bool,
}

/// Finds every comment in `text`, in order: `#` outside quoted text, to the end of
/// the line (see [`scan`]).
pub fn extract(text: &str) -> Vec<Comment> {
    scan::campaign(text)
        .filter(|s| s.kind == scan::Kind::Comment)
        .map(|s| {
            let i = s.start;
            let line_start = text.get(..i).and_then(|b| b.rfind('\n')).map_or(0, |n| n + 1);
            let own_line = text.get(line_start..i).is_some_and(|b| b.trim().is_empty());
            Comment {
                start: i,
                text: s.text(text).trim_end().to_string(),
                own_line,
                blank_before: own_line && blank_line_before(text, i),
            }
        })
        .collect()
}

/// Whether `offset` is the first thing on its line and the line before is blank.
pub fn blank_line_before(text: &str, offset: usize) -> bool {
    let Some(before) = text.get(..offset) else {
        return false;
    };
    let Some(nl) = before.rfind('\n') else {
        return false;
    };
    if !before.get(nl + 1..).is_some_and(|s| s.trim().is_empty()) {
        return false;
    }
    let prev = before.get(..nl).unwrap_or("");
    let prev_line = prev.rfind('\n').map_or(prev, |p| prev.get(p + 1..).unwrap_or(""));
    prev_line.trim().is_empty()
}

/// The first offset at or after `pos` (outside quotes and comments) that is not
/// whitespace or a comment.
pub fn next_code(text: &str, pos: usize) -> usize {
    if !text.is_char_boundary(pos) {
        return pos;
    }
    for segment in scan::campaign_from(text, pos) {
        match segment.kind {
            scan::Kind::Comment => {}
            scan::Kind::Code => {
                let written = segment.text(text);
                let blank = written.len() - written.trim_start().len();
                if blank < written.len() {
                    return segment.start + blank;
                }
            }
            scan::Kind::Text { .. } => return segment.start,
        }
    }
    text.len()
}

/// A comment as the printer places it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The text, from `#`.
    pub text: String,
    /// Whether it was at the end of a line.
    pub trailing: bool,
    /// Whether a blank line precedes it.
    pub blank_before: bool,
}

/// Comments tied to anchors.
#[derive(Debug, Default)]
pub struct Attached {
    /// Own-line comments printed before the anchor's line.
    pub leading: BTreeMap<usize, Vec<Placed>>,
    /// Comments from inside the anchor's line.
    pub interior: BTreeMap<usize, Vec<Placed>>,
}

/// The anchors of a campaign and the constructs that hold them.
#[derive(Debug, Default)]
pub struct Anchors {
    starts: Vec<usize>,
    extents: Vec<(usize, usize)>,
}

impl Anchors {
    fn anchor(&mut self, start: usize) {
        self.starts.push(start);
    }

    fn extent(&mut self, span: Span) {
        if span.start < span.end {
            self.extents.push((span.start, span.end));
        }
    }
}

/// Ties every comment to an anchor.
pub fn attach(comments: &[Comment], anchors: &Anchors) -> Attached {
    let mut starts = anchors.starts.clone();
    starts.sort_unstable();
    starts.dedup();
    // Constructs nest, so a sweep with a stack finds the innermost one around
    // each comment (comments come in order).
    let mut extents = anchors.extents.clone();
    extents.sort_unstable_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
    let mut pending = extents.into_iter().peekable();
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut attached = Attached::default();
    for c in comments {
        while let Some(&(s, e)) = pending.peek() {
            if s >= c.start {
                break;
            }
            while open.last().is_some_and(|&(_, end)| end <= s) {
                open.pop();
            }
            open.push((s, e));
            pending.next();
        }
        while open.last().is_some_and(|&(_, end)| end <= c.start) {
            open.pop();
        }
        let around = open.last().copied();
        let split = starts.partition_point(|&a| a < c.start);
        let first_after = starts.get(split).copied();
        let last_before = split.checked_sub(1).and_then(|i| starts.get(i)).copied();
        let placed = Placed {
            text: c.text.clone(),
            trailing: !c.own_line,
            blank_before: c.blank_before,
        };
        let leading_of = match (c.own_line, around, first_after, last_before) {
            // At the end of a line: it belongs to the line before it.
            (false, _, _, Some(_)) => None,
            // Inside a construct that ends before the next anchor.
            (true, Some((_, end)), Some(a), Some(_)) if a >= end => None,
            (_, _, a, _) => a,
        };
        match (leading_of, last_before) {
            (Some(a), _) => attached.leading.entry(a).or_default().push(placed),
            (None, Some(l)) => attached.interior.entry(l).or_default().push(placed),
            // No anchor at all: cannot happen (the end of the file is one); keep it anyway.
            (None, None) => attached.leading.entry(usize::MAX).or_default().push(placed),
        }
    }
    attached
}

// ------------------------------------------------------------------ anchors

/// Where each item starts (its keyword) and ends.
pub fn item_extents(campaign: &Campaign, text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(campaign.items.len());
    // The `{` after the campaign's name, then the first item.
    let brace = next_code(text, campaign.name.span.end);
    let mut prev_end = brace + 1;
    for item in &campaign.items {
        let start = match item {
            Item::Periods(p) => p.span.start,
            Item::Facts(f) => f.span.start,
            Item::Value(v) => v.span.start,
            Item::Eligible(e) => e.span.start,
            Item::Reward(r) => r.span.start,
            _ => next_code(text, prev_end),
        };
        let end = match item {
            Item::Timezone(id) => id.span.end,
            Item::Source(t) | Item::Note(t) => t.span.end,
            Item::Unit(u) => u.precision.as_ref().map_or(u.name.span.end, |(_, s)| s.end),
            Item::Parameter(p) => p.default.span.end,
            Item::Window(w) => w.range.span.end,
            Item::Periods(p) => p.span.end,
            Item::Facts(f) => f.span.end,
            Item::Value(v) => v.span.end,
            Item::Eligible(e) => e.span.end,
            Item::Reward(r) => r.span.end,
        };
        out.push((start, end.max(start)));
        prev_end = end;
    }
    out
}

/// The offset of a block's closing brace, given the block's span.
pub fn closing(span: Span) -> usize {
    span.end.saturating_sub(1)
}

/// Every anchor of the campaign, mirroring what the printer visits.
pub fn anchors(campaign: &Campaign, text: &str) -> Anchors {
    let mut a = Anchors::default();
    a.anchor(campaign.span.start);
    a.extent(campaign.span);
    for (item, (start, end)) in campaign.items.iter().zip(item_extents(campaign, text)) {
        a.anchor(start);
        a.extent(Span::new(start, end));
        match item {
            Item::Timezone(_) | Item::Source(_) | Item::Note(_) | Item::Unit(_) | Item::Periods(_) => {}
            Item::Parameter(p) => definition(&mut a, &p.default, &[]),
            Item::Window(w) => {
                tables(&mut a, &w.range.start);
                tables(&mut a, &w.range.end);
            }
            Item::Facts(f) => {
                fields(&mut a, &f.fields);
                a.anchor(closing(f.span));
            }
            Item::Value(v) => definition(&mut a, &v.expr, &v.modifiers),
            Item::Reward(r) => {
                definition(&mut a, &r.expr, &r.modifiers);
                if let Some(gate) = &r.gate {
                    a.anchor(gate.span.start);
                    a.extent(gate.span);
                    conditions(&mut a, &gate.conditions);
                    a.anchor(closing(gate.span));
                }
            }
            Item::Eligible(e) => {
                conditions(&mut a, &e.conditions);
                a.anchor(closing(e.span));
            }
        }
    }
    a.anchor(closing(campaign.span));
    a.anchor(text.len());
    a
}

fn conditions(a: &mut Anchors, conditions: &[Condition]) {
    for c in conditions {
        a.anchor(c.span.start);
        a.extent(c.span);
        spine(a, &c.expr);
        tables(a, &c.expr);
    }
}

fn fields(a: &mut Anchors, fields: &[FieldDecl]) {
    for f in fields {
        a.anchor(f.span.start);
        a.extent(f.span);
        if let TypeExprKind::List(inner) = &f.ty.kind {
            a.extent(f.ty.span);
            self::fields(a, inner);
            a.anchor(closing(f.ty.span));
        }
    }
}

fn definition(a: &mut Anchors, e: &Expr, modifiers: &[Modifier]) {
    spine(a, e);
    tables(a, e);
    for m in modifiers {
        a.anchor(m.span().start);
        a.extent(m.span());
        for e in modifier_exprs(m) {
            tables(a, e);
        }
    }
}

fn spine(a: &mut Anchors, e: &Expr) {
    for point in spine_points(e) {
        a.anchor(point.start);
        a.extent(point);
    }
}

/// The expressions inside a modifier.
pub fn modifier_exprs(m: &Modifier) -> Vec<&Expr> {
    match m {
        Modifier::Rounded { .. } => Vec::new(),
        Modifier::AtMost(e, _) | Modifier::AtLeast(e, _) => vec![e],
        Modifier::Budget(b) => {
            let mut v = vec![&b.amount];
            if let BudgetScope::Per(_, e) = &b.scope {
                v.push(e);
            }
            v.extend(b.order());
            v
        }
        Modifier::Paid(parts, _) => parts.iter().map(|(_, _, e)| e).collect(),
        Modifier::Expires(e, _) => vec![e],
    }
}

/// The places where a long definition or condition breaks onto continuation
/// lines: before `where` and each `and`/`or` of its filter, before each
/// top-level `and`/`or`, before `if unknown`. Each is the span of the part
/// that begins the continuation line.
pub fn spine_points(e: &Expr) -> Vec<Span> {
    match &e.kind {
        ExprKind::Where(_, filter)
        | ExprKind::Aggregate {
            filter: Some(filter), ..
        }
        | ExprKind::Top {
            filter: Some(filter), ..
        } => {
            let mut v = vec![filter.span];
            v.extend(chain(filter).1.iter().skip(1).map(|o| o.span));
            v
        }
        ExprKind::And(_) | ExprKind::Or(_) => chain(e).1.iter().skip(1).map(|o| o.span).collect(),
        ExprKind::IfUnknown(_, b) => vec![b.span],
        ExprKind::If { branches, otherwise } => {
            let mut v: Vec<Span> = branches.iter().skip(1).map(|(test, _)| test.span).collect();
            v.push(otherwise.span);
            v
        }
        ExprKind::Balance(b) => {
            let mut v = vec![b.applied.span];
            v.extend(b.expiry.map(|(_, span)| span));
            v.extend(b.lost_at.as_ref().map(|t| t.span));
            v
        }
        _ => Vec::new(),
    }
}

/// A chain of one logical operator: `a and b and c`. Anything else is a chain of one operand.
pub fn chain(e: &Expr) -> (Option<BinOp>, Vec<&Expr>) {
    match e.kind.logic() {
        Some((op, operands)) => (Some(op), operands.iter().collect()),
        None => (None, vec![e]),
    }
}

/// Tier and lookup tables anywhere inside an expression: their rows and closing braces.
fn tables(a: &mut Anchors, e: &Expr) {
    e.for_each(&mut |sub| {
        let rows: Vec<Span> = match &sub.kind {
            ExprKind::Tiers { rows, .. } => rows.iter().map(|r| r.span).collect(),
            ExprKind::Lookup { rows, .. } => rows.iter().map(|r| r.span).collect(),
            _ => return,
        };
        a.extent(sub.span);
        for row in rows {
            a.anchor(row.start);
            a.extent(row);
        }
        a.anchor(closing(sub.span));
    });
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::panic,
        reason = "a test stops at its first surprise: `panic!` with the value found says plainly what went wrong"
    )]

    use super::*;

    fn texts(text: &str) -> Vec<(String, bool)> {
        extract(text).into_iter().map(|c| (c.text, c.own_line)).collect()
    }

    #[test]
    fn finds_comments_outside_quotes() {
        let text = "a \"b # not\" # yes  \n  # own\nc \"\\\"#\\\\\" # after escapes\n";
        assert_eq!(
            texts(text),
            vec![
                ("# yes".to_string(), false),
                ("# own".to_string(), true),
                ("# after escapes".to_string(), false),
            ]
        );
    }

    #[test]
    fn a_comment_may_hold_quotes_and_hashes() {
        assert_eq!(
            texts("x # say \"hi\" # twice\ny"),
            vec![("# say \"hi\" # twice".to_string(), false)]
        );
    }

    #[test]
    fn blank_lines_before() {
        let text = "a\n\n  # c\nb\n# d\r\n\r\n e";
        let cs = extract(text);
        assert_eq!(cs.iter().map(|c| c.blank_before).collect::<Vec<_>>(), vec![true, false]);
        assert!(blank_line_before(text, text.len() - 1));
        assert!(!blank_line_before(text, 0));
    }

    #[test]
    fn next_code_skips_blanks_and_comments() {
        let text = "x  # c\n  # d\n  y";
        assert_eq!(next_code(text, 1), text.len() - 1);
        assert_eq!(next_code(text, text.len()), text.len());
    }

    #[test]
    fn chains_flatten_one_operator() {
        let Ok(c) = crate::syntax::parse("campaign \"x\" { value v = a and b and (c and d) or e }") else {
            panic!("does not parse");
        };
        let Some(Item::Value(v)) = c.items.first() else {
            panic!("no value");
        };
        let (op, operands) = chain(&v.expr);
        assert_eq!(op, Some(BinOp::Or));
        assert_eq!(operands.len(), 2);
        if let Some(first) = operands.first() {
            assert_eq!(chain(first).1.len(), 3);
        }
    }
}
