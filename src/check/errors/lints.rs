//! Messages of the lints: tabs, conditions that can never or always hold, windows outside the
//! settlement periods, caps below what a reward pays.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::keywords::{Keyword, Surface};

/// Tabs used for layout: the first one, with how many other lines have one.
pub(crate) fn layout_tab(span: Span, indentation: bool, other_lines: usize) -> Diagnostic {
    let more = match other_lines {
        0 => String::new(),
        1 => " (and on 1 more line)".to_string(),
        n => format!(" (and on {n} more lines)"),
    };
    let message = if indentation {
        format!("this line is indented with a tab{more}")
    } else {
        format!("a tab separates these words{more}")
    };
    Diagnostic::warning(Code::Tab, span, message, "tab here")
        .with_help("replace the tab with spaces; `campaign fmt` does this for you")
}

/// A tab inside quoted text.
pub(crate) fn tab_in_text(span: Span) -> Diagnostic {
    Diagnostic::warning(
        Code::Tab,
        span,
        "a tab inside quoted text, where it looks like a space",
        "tab inside the quotes",
    )
    .with_help("the tab becomes part of the text, so it will not match a text typed with a space; type a space instead")
    .with_fix(span, " ", "type a space")
}

/// Where a contradiction was found: what it makes impossible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Where {
    /// The conditions of `eligible when`.
    Eligible,
    /// A `where` filter.
    Filter,
    /// Any other yes/no expression.
    Test,
}

/// Two bounds on the same value that no value meets together.
pub(crate) struct Contradiction<'a> {
    /// What is bounded, as written.
    pub subject: &'a str,
    /// The bound found first, in words (`at least 5000 CNY`), and where.
    pub held: (&'a str, Span),
    /// The bound that contradicts it, and where.
    pub new: (&'a str, Span),
    /// Whether both bounds are in the same condition.
    pub same_unit: bool,
}

/// Conditions (or filter conjuncts) that can never hold together.
pub(crate) fn never_true(surface: Surface, place: Where, c: &Contradiction<'_>) -> Diagnostic {
    let (and, or) = (surface.spell(Keyword::And), surface.spell(Keyword::Or));
    let what = match place {
        Where::Eligible => "this condition can never be true",
        Where::Filter => "no record passes this filter",
        Where::Test => "this can never be true",
    };
    let help = match (place, c.same_unit) {
        (Where::Eligible, false) => format!(
            "every condition in `{}` must hold, so no one can ever be eligible; check both numbers against the announcement",
            surface.spell(Keyword::EligibleWhen)
        ),
        (Where::Filter, _) => format!(
            "both sides of `{and}` must hold, so the aggregate always counts nothing; check the numbers against the announcement, or write `{or}` if either is enough"
        ),
        _ => format!(
            "both sides of `{and}` must hold; check the numbers against the announcement, or write `{or}` if either is enough"
        ),
    };
    Diagnostic::error(
        Code::ConditionNeverTrue,
        c.new.1,
        format!("no `{}` is both {} and {}, so {what}", c.subject, c.held.0, c.new.0),
        format!("needs `{}` {}", c.subject, c.new.0),
    )
    .with_label(c.held.1, format!("needs `{}` {}", c.subject, c.held.0))
    .with_help(help)
}

/// A condition that every eligible record already meets, because of earlier conditions (each
/// given with its span and bound in words).
pub(crate) fn always_true(
    span: Span,
    subject: &str,
    premise: &str,
    target: &str,
    repeats: bool,
    support: &[(Span, String)],
) -> Diagnostic {
    let message = if repeats {
        format!("this condition repeats an earlier one: both need `{subject}` {target}")
    } else {
        format!("this condition is always true: every `{subject}` {premise} is also {target}")
    };
    let label = if repeats { "said before" } else { "always true" };
    let mut d = Diagnostic::warning(Code::ConditionAlwaysTrue, span, message, label);
    let mut seen: Vec<Span> = Vec::new();
    for (at, words) in support {
        if !seen.contains(at) {
            seen.push(*at);
            d = d.with_label(*at, format!("already needs `{subject}` {words}"));
        }
    }
    d.with_help(
        "every condition must hold, so this one never changes who is eligible; remove it, or correct the number if the announcement says something else",
    )
}

/// A stretch of settlement periods, for the window messages.
pub(crate) struct Stretch<'a> {
    /// The period range's name.
    pub name: &'a str,
    /// Where it is declared.
    pub span: Span,
    /// Its periods in words.
    pub text: &'a str,
}

/// Which side of the settlement periods a window lies on.
pub(crate) enum Outside<'a> {
    /// After the last period (given in words).
    After(&'a str),
    /// Before the first period.
    Before,
}

/// A window (in words) that lies outside every stretch of the campaign's settlement periods;
/// `side` says where, when there is one stretch.
pub(crate) fn window_outside_periods(
    span: Span,
    window: &str,
    stretches: &[Stretch<'_>],
    side: Outside<'_>,
) -> Diagnostic {
    let (message, label) = match stretches {
        [only] => (
            format!(
                "the window {window} lies entirely outside the period range `{}` ({})",
                only.name, only.text
            ),
            match side {
                Outside::After(last) => format!("starts after {last} ends"),
                Outside::Before => "ends before the first period starts".to_string(),
            },
        ),
        _ => (
            format!("the window {window} lies outside all of the campaign's period ranges"),
            "outside every period range".to_string(),
        ),
    };
    let mut d = Diagnostic::warning(Code::WindowOutsideCampaign, span, message, label);
    for s in stretches {
        d = d.with_label(s.span, format!("`{}` runs from {}", s.name, s.text));
    }
    d.with_help(
        "nothing that happens in this window falls in a settlement period, so it never counts; check the year and the month against the announcement",
    )
}

/// A sign-up window (named, or written in place) that closes after the activity (`what`, ending
/// at `end_span`) has ended.
pub(crate) fn signup_closes_late(
    span: Span,
    window: Option<&str>,
    what: &str,
    end_span: Span,
    end_words: &str,
    window_end_words: &str,
) -> Diagnostic {
    let name = match window {
        Some(n) => format!("the sign-up window `{n}`"),
        None => "this sign-up window".to_string(),
    };
    Diagnostic::warning(
        Code::WindowOutsideCampaign,
        span,
        format!("{name} closes after {what} has ended"),
        "sign-up closes here",
    )
    .with_label(end_span, format!("{what} ends here"))
    .with_help(format!(
        "whoever signs up between {end_words} and {window_end_words} can no longer take part; close the sign-up no later than {end_words}, or check the dates against the announcement"
    ))
}

/// A cap of zero or less.
pub(crate) fn cap_of_zero(surface: Surface, span: Span, cap: &str, reward: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::CapBelowMinimum,
        span,
        format!(
            "the cap `{} {cap}` means `{reward}` never pays anything",
            surface.spell(Keyword::AtMost)
        ),
        "caps every payment at 0",
    )
    .with_help("write the largest amount the announcement allows per merchant, or remove the cap if there is none")
}

/// A cap below the reward's own floor.
pub(crate) fn cap_below_floor(
    surface: Surface,
    span: Span,
    cap: &str,
    reward: &str,
    floor: &str,
    unit: &str,
    floor_span: Span,
) -> Diagnostic {
    Diagnostic::warning(
        Code::CapBelowMinimum,
        span,
        format!(
            "the cap `{} {cap}` is below the floor of `{reward}`, {floor} {unit}",
            surface.spell(Keyword::AtMost)
        ),
        "cap below the floor",
    )
    .with_label(floor_span, "floor")
    .with_help("a reward cannot be both at least the floor and at most the cap; check both against the announcement")
}

/// A cap below the smallest amount the reward pays whenever it pays.
pub(crate) fn cap_below_smallest_payment(
    surface: Surface,
    span: Span,
    cap: &str,
    reward: &str,
    smallest: (&str, &str),
    source: (Span, String),
) -> Diagnostic {
    let (min, unit) = smallest;
    Diagnostic::warning(
        Code::CapBelowMinimum,
        span,
        format!(
            "the cap `{} {cap}` is below the smallest amount `{reward}` pays, {min} {unit}",
            surface.spell(Keyword::AtMost)
        ),
        "cap below the smallest payment",
    )
    .with_label(source.0, source.1)
    .with_help(format!(
        "every payment would be cut down to {cap}, whatever was achieved; check the cap and the amount against the announcement"
    ))
}

/// A `portion of ... within first` threshold that is zero or negative: every item is past it.
pub(crate) fn threshold_not_positive(span: Span, threshold: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::ThresholdNotPositive,
        span,
        format!("the threshold `{threshold}` is not above zero, so the running total is past it before the first item"),
        "every portion is zero",
    )
    .with_help("the portion within the threshold is 0 for every item; check the threshold against the announcement")
}
