//! Windows outside the campaign.
//!
//! (`lint::window_outside_periods`, a warning.) Windows and ranges written
//! in place with literal ends are compared with the campaign's period ranges
//! (`periods NAME = months A through B`, from the start of the first period
//! to the end of the last) and with each other:
//!
//! - A window is a *sign-up window* when its name, or the name of a
//!   timestamp tested against it with `in`, contains one of `regist`,
//!   `signup`, `sign_up`, `signed_up`, `apply`, `applied`, `applic`,
//!   `enrol`, `onboard`, `报名`, `申请`, `注册` or `入驻` (`window signup`,
//!   `registered_at in W`, `applied_at in W`, `onboarded_at in W`). Every
//!   other window is an *activity window*.
//! - An activity window that overlaps none of the campaign's period ranges
//!   is reported: nothing that happens in it falls in a settlement period.
//!   (Sign-up windows may well close before the periods start.)
//! - A sign-up window that closes after the last activity window (or the
//!   last period range) has ended is reported: whoever signs up late can no
//!   longer take part.
//!
//! Separate from the interval analysis of conditions (`lints.rs`), which it shares only the
//! windows' reading with.

use crate::check::errors;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::diagnostics::{Diagnostic, Span};
use crate::syntax::ast::{Campaign, Expr, ExprKind, InTarget, Item, Modifier, PeriodBound, PeriodsDecl, Range};
use crate::time;

use super::{Analysis, Win, range_window, unparen};

/// Whether a name suggests signing up (see the module documentation).
fn signup_word(name: &str) -> bool {
    let lower = name.to_lowercase();
    [
        "regist",
        "signup",
        "sign_up",
        "signed_up",
        "apply",
        "applied",
        "applic",
        "enrol",
        "onboard",
        "报名",
        "入驻",
        "申请",
        "注册",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// The last segment of a name or field path.
fn last_segment(e: &Expr) -> Option<&str> {
    match &unparen(e).kind {
        ExprKind::Name(id) => Some(&id.name),
        ExprKind::Field(_, id) => Some(&id.name),
        _ => None,
    }
}

/// A range of calendar periods as one stretch of time.
struct Stretch {
    name: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    text: String,
    span: Span,
    last_span: Span,
    last_text: String,
}

fn bound_date(b: &PeriodBound) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(b.year, b.month, b.day.unwrap_or(1))
}

fn period_bound_text(b: &PeriodBound) -> String {
    match b.day {
        Some(d) => format!("{:04}-{:02}-{:02}", b.year, b.month, d),
        None if b.year_only => format!("{:04}", b.year),
        None => format!("{:04}-{:02}", b.year, b.month),
    }
}

fn stretch(p: &PeriodsDecl, tz: Tz) -> Option<Stretch> {
    if !p.written_as_its_unit() {
        return None;
    }
    let first = bound_date(&p.first)?;
    let last = bound_date(&p.last)?;
    let start = time::period_start(p.unit, first)?;
    let after = time::next_period(p.unit, time::period_start(p.unit, last)?)?;
    let start = time::midnight(tz, start)?;
    let end = time::midnight(tz, after)?;
    if end <= start {
        return None;
    }
    Some(Stretch {
        name: p.name.name.clone(),
        start,
        end,
        text: format!("{} through {}", period_bound_text(&p.first), period_bound_text(&p.last)),
        span: p.span,
        last_span: p.last.span,
        last_text: period_bound_text(&p.last),
    })
}

impl Analysis<'_> {
    /// Ranges written in place, with the subject tested against them, and the subjects tested
    /// against each named window.
    fn window_uses<'e>(
        &self,
        e: &'e Expr,
        named: &mut Vec<(String, &'e Expr)>,
        inline: &mut Vec<(&'e Range, &'e Expr)>,
    ) {
        if let ExprKind::In {
            value,
            target,
            negated: false,
        } = &e.kind
        {
            match target {
                InTarget::Expr(t) => {
                    if let ExprKind::Name(id) = &unparen(t).kind {
                        named.push((id.name.clone(), value));
                    }
                }
                InTarget::Range(r) => inline.push((r, value)),
            }
        }
        e.for_each_child(&mut |child| self.window_uses(child, named, inline));
    }

    pub(super) fn window_placement(&self, campaign: &Campaign, out: &mut Vec<Diagnostic>) {
        let mut named_uses = Vec::new();
        let mut inline = Vec::new();
        for e in campaign_exprs(campaign) {
            self.window_uses(e, &mut named_uses, &mut inline);
        }
        // The windows in the order written, each with whether it is a sign-up window.
        let mut wins: Vec<(Win, bool)> = Vec::new();
        for item in &campaign.items {
            if let Item::Window(w) = item
                && let Some(win) = self.windows.get(&w.name.name)
                && win.span == w.range.span
            {
                let signup = signup_word(&w.name.name)
                    || named_uses
                        .iter()
                        .any(|(n, v)| *n == w.name.name && last_segment(v).is_some_and(signup_word));
                wins.push((win.clone(), signup));
            }
        }
        for (r, value) in inline {
            if let Some(win) = range_window(r, None, self.tz) {
                wins.push((win, last_segment(value).is_some_and(signup_word)));
            }
        }
        wins.sort_by_key(|(w, _)| w.span.start);
        let stretches: Vec<Stretch> = campaign
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Periods(p) => stretch(p, self.tz),
                _ => None,
            })
            .collect();
        // Activity windows outside every period range.
        if let Some(first) = stretches.first() {
            for (win, _) in wins.iter().filter(|(_, signup)| !signup) {
                let overlaps = stretches.iter().any(|s| {
                    let ends_before = win.end < s.start || (win.end == s.start && !win.end_inclusive);
                    let starts_after = win.start >= s.end;
                    !(ends_before || starts_after)
                });
                if overlaps {
                    continue;
                }
                let side = if win.start >= first.end {
                    errors::lints::Outside::After(&first.last_text)
                } else {
                    errors::lints::Outside::Before
                };
                let named: Vec<errors::lints::Stretch<'_>> = stretches
                    .iter()
                    .map(|s| errors::lints::Stretch {
                        name: &s.name,
                        span: s.span,
                        text: &s.text,
                    })
                    .collect();
                out.push(errors::lints::window_outside_periods(
                    win.span,
                    &win.describe(),
                    &named,
                    side,
                ));
            }
        }
        // Sign-up windows closing after the activity has ended.
        let mut activity_end: Option<(DateTime<Utc>, String, Span, String)> = None;
        for (win, _) in wins.iter().filter(|(_, signup)| !signup) {
            if activity_end.as_ref().is_none_or(|(end, ..)| win.end > *end) {
                activity_end = Some((win.end, win.describe(), win.end_span, win.end_words()));
            }
        }
        for s in &stretches {
            if activity_end.as_ref().is_none_or(|(end, ..)| s.end > *end) {
                activity_end = Some((
                    s.end,
                    format!("the last period of `{}`", s.name),
                    s.last_span,
                    format!("the end of {}", s.last_text),
                ));
            }
        }
        let Some((end, what, end_span, end_words)) = activity_end else {
            return;
        };
        for (win, _) in wins.iter().filter(|(_, signup)| *signup) {
            if win.end <= end {
                continue;
            }
            out.push(errors::lints::signup_closes_late(
                win.end_span,
                win.name.as_deref(),
                &what,
                end_span,
                &end_words,
                &win.end_words(),
            ));
        }
    }
}

/// Every top-level expression of the campaign.
fn campaign_exprs(campaign: &Campaign) -> Vec<&Expr> {
    let mut out = Vec::new();
    for item in &campaign.items {
        match item {
            Item::Value(v) => {
                out.push(&v.expr);
                out.extend(modifier_exprs(&v.modifiers));
            }
            Item::Reward(r) => {
                out.push(&r.expr);
                out.extend(modifier_exprs(&r.modifiers));
                out.extend(r.gate.iter().flat_map(|g| g.conditions.iter().map(|c| &c.expr)));
            }
            Item::Eligible(b) => out.extend(b.conditions.iter().map(|c| &c.expr)),
            Item::Parameter(p) => out.push(&p.default),
            _ => {}
        }
    }
    out
}

fn modifier_exprs(modifiers: &[Modifier]) -> Vec<&Expr> {
    let mut out = Vec::new();
    for m in modifiers {
        match m {
            Modifier::AtMost(e, _) | Modifier::AtLeast(e, _) => out.push(e),
            Modifier::Budget(b) => {
                out.push(&b.amount);
                out.extend(b.order());
                if let crate::syntax::ast::BudgetScope::Per(_, e) = &b.scope {
                    out.push(e);
                }
            }
            Modifier::Rounded { .. } => {}
            Modifier::Paid(parts, _) => out.extend(parts.iter().map(|(_, _, e)| e)),
            Modifier::Expires(e, _) => out.push(e),
        }
    }
    out
}
