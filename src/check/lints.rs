//! Analyses of a campaign's meaning, beyond names and types: conditions that
//! can never hold or always hold, windows outside the campaign's periods,
//! caps below the smallest payable amount, layout slips.
//!
//! They run after the checker, on the parsed campaign, the source text and
//! (when checking succeeded) the compiled program. Each analysis only reports
//! what it can decide from literals written in the campaign; anything it
//! cannot decide (a value computed from facts, a window with a computed end,
//! a parameter overridden at run time) is left alone. None of them panics,
//! whatever the input.
//!
//! # Conditions that can never be true or are always true
//!
//! (`lint::condition_never_true`, an error; `lint::condition_always_true`, a
//! warning.) An interval analysis over comparisons of one *subject* (a name
//! or field path, or any other expression that is not a literal, compared by
//! its canonical text) against a literal of one kind: a plain number, a
//! percentage, an amount of one unit or currency, a duration (in seconds,
//! whatever its unit word) or a timestamp (as an instant, in the campaign's
//! time zone). `x in W` counts as `x ≥ start of W` and `x < end of W` when
//! `W` is a window (or a range written in place) with literal ends.
//!
//! - The conditions of `eligible when` must all hold, so their comparisons
//!   are conjoined, together with the comparisons joined by `and` inside each
//!   condition. A comparison that no value can satisfy together with the
//!   comparisons before it makes its condition *never true*; the diagnostic
//!   points at it, with a second label at the comparison it conflicts with.
//! - A condition made only of comparisons, each of which follows from the
//!   comparisons of another condition, is *always true*. When two
//!   conditions say the same thing, the later one is reported.
//! - Outside `eligible when`, each chain of `and` (a `where` filter, a yes/no
//!   value) is analysed on its own for comparisons that cannot all hold.
//! - `if unknown false` keeps a comparison usable as a premise (it only
//!   passes when the value is known and the comparison holds); a comparison
//!   under `if unknown true` is never used as a premise, since it passes when
//!   the value is unknown. `not`, `or` and `not in` are not analysed.
//!
//! # Windows outside the campaign and caps below the smallest payment
//!
//! In `lints/windows.rs` and `lints/caps.rs`, with their documentation.
//!
//! # Tabs
//!
//! (`parse::tab`, a warning.) A tab in the layout (indentation, or between
//! words) is reported once per file, at the first one, saying how many other
//! lines hold one; a tab inside a quoted text is reported each time, since
//! it becomes part of the text and looks like a space. Tabs in comments are
//! ignored.

mod caps;
mod windows;

use super::errors;
use super::errors::lints::Where as Context;
use crate::syntax::keywords::Surface;
use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::checker::written;
use crate::diagnostics::{Diagnostic, Span};
use crate::program::Program;
use crate::program::types::{currency, duration_unit};
use crate::syntax::ast::{BinOp, Campaign, Expr, ExprKind, InTarget, Item, Modifier, Range, RangeKind, TimestampLit};
use crate::syntax::{expr_in, print, scan};
use crate::time;

/// Adds the analyses' findings to `diagnostics`.
pub fn lint(text: &str, campaign: &Campaign, program: Option<&Program>, diagnostics: &mut Vec<Diagnostic>) {
    tabs(text, diagnostics);
    let tz = timezone(campaign);
    let windows = named_windows(campaign, tz);
    let analysis = Analysis {
        tz,
        windows: &windows,
        surface: campaign.surface,
    };
    analysis.eligible(campaign, diagnostics);
    analysis.chains(campaign, diagnostics);
    analysis.window_placement(campaign, diagnostics);
    if let Some(program) = program {
        caps::caps(campaign, program, diagnostics);
    }
}

// ------------------------------------------------------------------ tabs

fn tabs(text: &str, out: &mut Vec<Diagnostic>) {
    let mut line_start = true;
    // The first tab in the layout, and the lines holding one.
    let mut first_layout: Option<(Span, bool)> = None;
    let mut layout_lines = 0usize;
    let mut line_has_layout_tab = false;
    let mut string_tabs: Vec<Span> = Vec::new();
    for segment in scan::campaign(text) {
        let mut chars = segment.char_indices(text).peekable();
        while let Some((i, c)) = chars.next() {
            match (segment.kind, c) {
                (_, '\n') => {
                    if line_has_layout_tab {
                        layout_lines += 1;
                    }
                    line_has_layout_tab = false;
                    line_start = true;
                }
                (scan::Kind::Comment, _) => {
                    line_start = false;
                    break;
                }
                (scan::Kind::Text { .. }, '\t') => string_tabs.push(Span::new(i, i + 1)),
                (scan::Kind::Text { .. }, '"') if i == segment.start => line_start = false,
                (scan::Kind::Text { .. }, _) => {}
                (scan::Kind::Code, '\t') => {
                    let mut end = i + 1;
                    while let Some((j, '\t')) = chars.peek().copied() {
                        end = j + 1;
                        chars.next();
                    }
                    if first_layout.is_none() {
                        first_layout = Some((Span::new(i, end), line_start));
                    }
                    line_has_layout_tab = true;
                }
                (scan::Kind::Code, ' ' | '\r') => {}
                (scan::Kind::Code, _) => line_start = false,
            }
        }
    }
    if line_has_layout_tab {
        layout_lines += 1;
    }
    if let Some((span, indentation)) = first_layout {
        out.push(errors::lints::layout_tab(
            span,
            indentation,
            layout_lines.saturating_sub(1),
        ));
    }
    for span in string_tabs {
        out.push(errors::lints::tab_in_text(span));
    }
}

// ------------------------------------------------------------------ time

fn timezone(campaign: &Campaign) -> Tz {
    campaign
        .items
        .iter()
        .find_map(|i| match i {
            Item::Timezone(z) => z.name.parse::<Tz>().ok(),
            _ => None,
        })
        .unwrap_or(chrono_tz::UTC)
}

/// The instant a timestamp literal stands for, when it exists (the checker reports it otherwise).
fn instant(lit: &TimestampLit, tz: Tz) -> Option<DateTime<Utc>> {
    written(lit).instant(tz).ok()
}

fn unparen(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner) => unparen(inner),
        _ => e,
    }
}

fn timestamp_literal(e: &Expr) -> Option<&TimestampLit> {
    match &unparen(e).kind {
        ExprKind::Timestamp(t) => Some(t),
        _ => None,
    }
}

/// A window with literal ends.
#[derive(Debug, Clone)]
struct Win {
    /// The window's name, or `None` for a range written in place.
    name: Option<String>,
    start: DateTime<Utc>,
    /// The first instant after the window (a `through` end is moved past itself).
    end: DateTime<Utc>,
    /// Whether `end` itself is in the window (`through` a date and time).
    end_inclusive: bool,
    /// The start as written.
    start_text: String,
    /// The end as written.
    end_text: String,
    /// Whether the end is a whole day included (`through 2023-12-28`).
    end_whole_day: bool,
    /// The whole range.
    span: Span,
    /// The end as written.
    end_span: Span,
}

impl Win {
    fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("`{n}`"),
            None => "this window".to_string(),
        }
    }

    /// The end in words: `2024-08-31 24:00`, or `the end of 2023-12-28`.
    fn end_words(&self) -> String {
        if self.end_whole_day {
            format!("the end of {}", self.end_text)
        } else {
            self.end_text.clone()
        }
    }
}

fn range_window(r: &Range, name: Option<&str>, tz: Tz) -> Option<Win> {
    let start_lit = timestamp_literal(&r.start)?;
    let end_lit = timestamp_literal(&r.end)?;
    let start = instant(start_lit, tz)?;
    let mut end = instant(end_lit, tz)?;
    let mut end_inclusive = r.kind == RangeKind::Through;
    let mut end_whole_day = false;
    if end_lit.time.is_none() {
        match r.kind {
            // `..` a bare date is reported by the checker; do not guess what was meant.
            RangeKind::Exclusive => return None,
            RangeKind::Through => {
                end = time::end_of_day(tz, end)?;
                end_inclusive = false;
                end_whole_day = true;
            }
        }
    }
    if end < start || (end == start && !end_inclusive) {
        return None;
    }
    Some(Win {
        name: name.map(str::to_string),
        start,
        end,
        end_inclusive,
        start_text: start_lit.text.clone(),
        end_text: end_lit.text.clone(),
        end_whole_day,
        span: r.span,
        end_span: r.end.span,
    })
}

fn named_windows(campaign: &Campaign, tz: Tz) -> HashMap<String, Win> {
    let mut out = HashMap::new();
    for item in &campaign.items {
        if let Item::Window(w) = item
            && !out.contains_key(&w.name.name)
            && let Some(win) = range_window(&w.range, Some(&w.name.name), tz)
        {
            out.insert(w.name.name.clone(), win);
        }
    }
    out
}

// ------------------------------------------------------------------ literals and bounds

/// A literal's value: numbers (plain, percentages, amounts, durations in seconds) or instants.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    Num(Decimal),
    Time(DateTime<Utc>),
}

impl Val {
    fn cmp(&self, other: &Val) -> Option<Ordering> {
        match (self, other) {
            (Val::Num(a), Val::Num(b)) => Some(a.cmp(b)),
            (Val::Time(a), Val::Time(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// A literal: its kind (only literals of one kind are compared), value and text.
struct Lit {
    class: String,
    val: Val,
    text: String,
}

fn literal(e: &Expr, tz: Tz) -> Option<Lit> {
    let text = print::expr(e);
    let (class, val) = match &e.kind {
        ExprKind::Paren(inner) => return literal(inner, tz),
        ExprKind::Number(n) => ("number".to_string(), Val::Num(*n)),
        ExprKind::Percent(n) => ("percent".to_string(), Val::Num(*n)),
        ExprKind::Quantity(n, unit) => {
            if super::checker::MULTIPLIER_WORDS.contains(&unit.name.as_str()) {
                // `2 times` is the number 2, said to be a multiplier.
                ("number".to_string(), Val::Num(*n))
            } else if let Some(seconds) = duration_unit(&unit.name) {
                ("duration".to_string(), Val::Num(n.checked_mul(Decimal::from(seconds))?))
            } else if let Some((code, _)) = currency(&unit.name) {
                (code.to_string(), Val::Num(*n))
            } else {
                (format!("unit {}", unit.name), Val::Num(*n))
            }
        }
        ExprKind::Timestamp(t) => ("time".to_string(), Val::Time(instant(t, tz)?)),
        ExprKind::Neg(inner) => {
            let l = literal(inner, tz)?;
            match l.val {
                Val::Num(n) => (l.class, Val::Num(-n)),
                Val::Time(_) => return None,
            }
        }
        _ => return None,
    };
    Some(Lit { class, val, text })
}

/// One end of the values a comparison lets through.
#[derive(Debug, Clone)]
struct Bound {
    val: Val,
    inclusive: bool,
    /// In words: `above 5`, `at least 4.5`, `before 2024-08-28 24:00`.
    words: String,
}

/// A comparison of a subject with literals: the values it lets through.
#[derive(Debug, Clone)]
struct Atom {
    subject: String,
    class: String,
    lower: Option<Bound>,
    upper: Option<Bound>,
    /// The comparison as written.
    span: Span,
    /// Whether the comparison must hold for its condition to pass (not under `if unknown true`).
    strict: bool,
}

impl Atom {
    fn key(&self) -> (String, String) {
        (self.subject.clone(), self.class.clone())
    }
}

fn words(op: BinOp, time: bool, lit: &str) -> String {
    let w = match (op, time) {
        (BinOp::Gt, false) => "above",
        (BinOp::Ge, false) => "at least",
        (BinOp::Lt, false) => "below",
        (BinOp::Le, false) => "at most",
        (BinOp::Gt, true) => "after",
        (BinOp::Ge, true) => "at or after",
        (BinOp::Lt, true) => "before",
        (BinOp::Le, true) => "at or before",
        (_, false) => "exactly",
        (_, true) => "exactly at",
    };
    format!("{w} {lit}")
}

fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        other => other,
    }
}

impl Analysis<'_> {
    /// The comparison `e` as bounds on one subject, when it is one.
    fn atom(&self, e: &Expr) -> Option<Atom> {
        match &e.kind {
            ExprKind::Paren(inner) => self.atom(inner),
            ExprKind::Binary(op, a, b) if matches!(op, BinOp::Gt | BinOp::Ge | BinOp::Lt | BinOp::Le | BinOp::Eq) => {
                let (op, subject, lit) = match (literal(a, self.tz), literal(b, self.tz)) {
                    (None, Some(l)) => (*op, a, l),
                    (Some(l), None) => (flip(*op), b, l),
                    _ => return None,
                };
                let time = matches!(lit.val, Val::Time(_));
                let bound = |inclusive: bool| Bound {
                    val: lit.val,
                    inclusive,
                    words: words(op, time, &expr_in(&lit.text, self.surface)),
                };
                let (lower, upper) = match op {
                    BinOp::Gt => (Some(bound(false)), None),
                    BinOp::Ge => (Some(bound(true)), None),
                    BinOp::Lt => (None, Some(bound(false))),
                    BinOp::Le => (None, Some(bound(true))),
                    _ => (Some(bound(true)), Some(bound(true))),
                };
                Some(Atom {
                    subject: expr_in(&print::expr(unparen(subject)), self.surface),
                    class: lit.class,
                    lower,
                    upper,
                    span: e.span,
                    strict: true,
                })
            }
            ExprKind::In {
                value,
                target,
                negated: false,
            } => {
                if literal(value, self.tz).is_some() {
                    return None;
                }
                let win = match target {
                    InTarget::Expr(t) => match &unparen(t).kind {
                        ExprKind::Name(id) => self.windows.get(&id.name)?.clone(),
                        _ => return None,
                    },
                    InTarget::Range(r) => range_window(r, None, self.tz)?,
                };
                let of = match &win.name {
                    Some(n) => format!(" (the start of `{n}`)"),
                    None => String::new(),
                };
                let end_of = match &win.name {
                    Some(n) => format!(" (the end of `{n}`)"),
                    None => String::new(),
                };
                let upper_words = if win.end_whole_day {
                    format!("on or before {}{end_of}", win.end_text)
                } else if win.end_inclusive {
                    format!("at or before {}{end_of}", win.end_text)
                } else {
                    format!("before {}{end_of}", win.end_text)
                };
                Some(Atom {
                    subject: expr_in(&print::expr(unparen(value)), self.surface),
                    class: "time".to_string(),
                    lower: Some(Bound {
                        val: Val::Time(win.start),
                        inclusive: true,
                        words: format!("at or after {}{of}", win.start_text),
                    }),
                    upper: Some(Bound {
                        val: Val::Time(win.end),
                        inclusive: win.end_inclusive,
                        words: upper_words,
                    }),
                    span: e.span,
                    strict: true,
                })
            }
            _ => None,
        }
    }

    /// The comparisons joined by `and` in `e`; `all` turns false when some part is not a comparison.
    fn collect(&self, e: &Expr, strict: bool, atoms: &mut Vec<Atom>, all: &mut bool) {
        match &e.kind {
            ExprKind::Paren(inner) => self.collect(inner, strict, atoms, all),
            ExprKind::And(operands) => {
                for x in operands {
                    self.collect(x, strict, atoms, all);
                }
            }
            ExprKind::IfUnknown(inner, default) => match &unparen(default).kind {
                ExprKind::Bool(false) => self.collect(inner, strict, atoms, all),
                ExprKind::Bool(true) => self.collect(inner, false, atoms, all),
                _ => *all = false,
            },
            _ => match self.atom(e) {
                Some(mut atom) => {
                    atom.strict = strict;
                    atoms.push(atom);
                }
                None => *all = false,
            },
        }
    }

    fn unit(&self, e: &Expr) -> Unit {
        let mut atoms = Vec::new();
        let mut all = true;
        self.collect(e, true, &mut atoms, &mut all);
        Unit {
            atoms,
            all_atoms: all,
            span: e.span,
        }
    }
}

/// A condition (or a chain of `and`) as comparisons.
struct Unit {
    atoms: Vec<Atom>,
    /// Whether the whole condition is made of comparisons.
    all_atoms: bool,
    span: Span,
}

/// A bound in force, with the comparison it comes from.
#[derive(Debug, Clone)]
struct Held {
    bound: Bound,
    span: Span,
    unit: usize,
}

#[derive(Debug, Clone, Default)]
struct Interval {
    lo: Option<Held>,
    hi: Option<Held>,
}

/// Whether no value is both above `lo` and below `hi`.
fn empty_between(lo: &Bound, hi: &Bound) -> bool {
    match lo.val.cmp(&hi.val) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Equal) => !(lo.inclusive && hi.inclusive),
        _ => false,
    }
}

/// Whether a lower bound `p` proves the lower bound `t` (`x > 10000` proves `x > 5000`).
fn lower_implies(p: &Bound, t: &Bound) -> bool {
    match p.val.cmp(&t.val) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Equal) => !p.inclusive || t.inclusive,
        _ => false,
    }
}

/// Whether an upper bound `p` proves the upper bound `t`.
fn upper_implies(p: &Bound, t: &Bound) -> bool {
    match p.val.cmp(&t.val) {
        Some(Ordering::Less) => true,
        Some(Ordering::Equal) => !p.inclusive || t.inclusive,
        _ => false,
    }
}

fn tighter_lower(new: &Bound, old: &Bound) -> bool {
    lower_implies(new, old) && !lower_implies(old, new)
}

fn tighter_upper(new: &Bound, old: &Bound) -> bool {
    upper_implies(new, old) && !upper_implies(old, new)
}

struct Analysis<'a> {
    tz: Tz,
    windows: &'a HashMap<String, Win>,
    /// The file's keyword set, which messages quote expressions in.
    surface: Surface,
}

impl Analysis<'_> {
    /// Finds comparisons that cannot hold together with the ones before them. Returns, per unit,
    /// whether it was reported.
    fn never_true(&self, units: &[Unit], context: Context, out: &mut Vec<Diagnostic>) -> Vec<bool> {
        let mut state: HashMap<(String, String), Interval> = HashMap::new();
        let mut reported = vec![false; units.len()];
        for (u, unit) in units.iter().enumerate() {
            let saved = state.clone();
            let mut conflict: Option<(&Atom, Held, Bound)> = None;
            for atom in unit.atoms.iter().filter(|a| a.strict) {
                let iv = state.entry(atom.key()).or_default();
                if let (Some(l), Some(hi)) = (&atom.lower, &iv.hi)
                    && empty_between(l, &hi.bound)
                {
                    conflict = Some((atom, hi.clone(), l.clone()));
                    break;
                }
                if let (Some(h), Some(lo)) = (&atom.upper, &iv.lo)
                    && empty_between(&lo.bound, h)
                {
                    conflict = Some((atom, lo.clone(), h.clone()));
                    break;
                }
                if let Some(l) = &atom.lower
                    && iv.lo.as_ref().is_none_or(|old| tighter_lower(l, &old.bound))
                {
                    iv.lo = Some(Held {
                        bound: l.clone(),
                        span: atom.span,
                        unit: u,
                    });
                }
                if let Some(h) = &atom.upper
                    && iv.hi.as_ref().is_none_or(|old| tighter_upper(h, &old.bound))
                {
                    iv.hi = Some(Held {
                        bound: h.clone(),
                        span: atom.span,
                        unit: u,
                    });
                }
            }
            let Some((atom, held, new)) = conflict else {
                continue;
            };
            state = saved;
            if let Some(r) = reported.get_mut(u) {
                *r = true;
            }
            let same_unit = held.unit == u;
            let contradiction = errors::lints::Contradiction {
                subject: &atom.subject,
                held: (&held.bound.words, held.span),
                new: (&new.words, atom.span),
                same_unit,
            };
            out.push(errors::lints::never_true(self.surface, context, &contradiction));
        }
        reported
    }

    /// The conditions of `eligible when`.
    fn eligible(&self, campaign: &Campaign, out: &mut Vec<Diagnostic>) {
        let Some(block) = campaign.items.iter().find_map(|i| match i {
            Item::Eligible(b) => Some(b),
            _ => None,
        }) else {
            return;
        };
        let units: Vec<Unit> = block.conditions.iter().map(|c| self.unit(&c.expr)).collect();
        let never = self.never_true(&units, Context::Eligible, out);
        for (i, unit) in units.iter().enumerate() {
            if !unit.all_atoms || unit.atoms.is_empty() || never.get(i).copied().unwrap_or(true) {
                continue;
            }
            // Every side of every comparison must follow from a comparison of another condition.
            // For each side: the comparison proving it, its words, the side's words, and
            // whether the two say the same thing.
            let mut support: Vec<(Span, String, String, bool)> = Vec::new();
            let mut all = true;
            'atoms: for atom in &unit.atoms {
                let sides = [(atom.lower.as_ref(), true), (atom.upper.as_ref(), false)];
                for (side, is_lower) in sides {
                    let Some(target) = side else { continue };
                    let found = units.iter().enumerate().find_map(|(j, other)| {
                        if j == i || never.get(j).copied().unwrap_or(true) {
                            return None;
                        }
                        other.atoms.iter().find_map(|p| {
                            if !p.strict || p.key() != atom.key() {
                                return None;
                            }
                            let premise = if is_lower { p.lower.as_ref() } else { p.upper.as_ref() }?;
                            let (implies, back) = if is_lower {
                                (lower_implies(premise, target), lower_implies(target, premise))
                            } else {
                                (upper_implies(premise, target), upper_implies(target, premise))
                            };
                            // Of two equivalent conditions, the later one is the redundant one.
                            let ok = implies && (j < i || !back);
                            ok.then(|| (p.span, premise.words.clone(), target.words.clone(), back))
                        })
                    });
                    match found {
                        Some(s) => support.push(s),
                        None => {
                            all = false;
                            break 'atoms;
                        }
                    }
                }
            }
            let Some((_, premise_words, target_words, _)) = support.first().cloned() else {
                continue;
            };
            if !all {
                continue;
            }
            let subject = unit.atoms.first().map(|a| a.subject.clone()).unwrap_or_default();
            let repeats = support.iter().all(|(.., same)| *same);
            let labels: Vec<(Span, String)> = support.iter().map(|(span, words, ..)| (*span, words.clone())).collect();
            out.push(errors::lints::always_true(
                unit.span,
                &subject,
                &premise_words,
                &target_words,
                repeats,
                &labels,
            ));
        }
    }

    /// Chains of `and` outside the top level of `eligible when`.
    fn chains(&self, campaign: &Campaign, out: &mut Vec<Diagnostic>) {
        for item in &campaign.items {
            match item {
                Item::Value(v) => {
                    self.walk(&v.expr, Some(Context::Test), out);
                    self.walk_modifiers(&v.modifiers, out);
                }
                Item::Reward(r) => {
                    self.walk(&r.expr, Some(Context::Test), out);
                    self.walk_modifiers(&r.modifiers, out);
                    for c in r.gate.iter().flat_map(|g| &g.conditions) {
                        self.walk(&c.expr, None, out);
                    }
                }
                Item::Eligible(b) => {
                    for c in &b.conditions {
                        self.walk(&c.expr, None, out);
                    }
                }
                Item::Parameter(p) => self.walk(&p.default, Some(Context::Test), out),
                _ => {}
            }
        }
    }

    fn walk_modifiers(&self, modifiers: &[Modifier], out: &mut Vec<Diagnostic>) {
        for m in modifiers {
            match m {
                Modifier::AtMost(e, _) | Modifier::AtLeast(e, _) => self.walk(e, Some(Context::Test), out),
                Modifier::Budget(b) => {
                    self.walk(&b.amount, Some(Context::Test), out);
                    if let Some(order) = b.order() {
                        self.walk(order, Some(Context::Test), out);
                    }
                }
                Modifier::Rounded { .. } => {}
                Modifier::Paid(parts, _) => {
                    for (_, _, e) in parts {
                        self.walk(e, Some(Context::Test), out);
                    }
                }
                Modifier::Expires(e, _) => self.walk(e, Some(Context::Test), out),
            }
        }
    }

    /// Analyses `e` as a chain when `root` says so, then the expressions inside it.
    fn walk(&self, e: &Expr, root: Option<Context>, out: &mut Vec<Diagnostic>) {
        if let Some(context) = root {
            let unit = self.unit(e);
            if unit.atoms.len() > 1 {
                self.never_true(&[unit], context, out);
            }
        }
        let test = Some(Context::Test);
        match &e.kind {
            ExprKind::Paren(inner) => self.walk(inner, None, out),
            ExprKind::And(operands) => {
                for x in operands {
                    self.walk(x, None, out);
                }
            }
            ExprKind::IfUnknown(a, b) => {
                self.walk(a, None, out);
                self.walk(b, test, out);
            }
            ExprKind::Aggregate { source, filter, .. } => {
                self.walk(source, test, out);
                if let Some(f) = filter {
                    self.walk(f, Some(Context::Filter), out);
                }
            }
            ExprKind::Where(list, filter) => {
                self.walk(list, test, out);
                self.walk(filter, Some(Context::Filter), out);
            }
            // Everything else, tables and rankings included: each expression inside is a test
            // of its own.
            _ => e.for_each_child(&mut |child| self.walk(child, test, out)),
        }
    }
}

#[cfg(test)]
mod tests {

    use crate::diagnostics::Code;

    /// The walk reaches every expression, `rank by` keys included (it once stopped at rankings).
    #[test]
    fn conditions_inside_rankings_are_analysed() {
        let text = "campaign \"rank\" {\n  timezone Asia/Shanghai\n\n  facts {\n    x: count\n  }\n\n  \
                    value place = rank by lookup (x > 5 and x < 3) { true -> 1, otherwise -> 0 } descending\n\n  \
                    eligible when {\n    x > 0  \"r\"\n  }\n}\n";
        let checked = crate::check::check(text);
        let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::ConditionNeverTrue]);
    }
}
