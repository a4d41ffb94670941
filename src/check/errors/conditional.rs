//! Messages about `if … then … else …` and `REWARD is earned`.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::keywords::{Keyword, Surface};

/// The condition after `if` is `ty`, not true or false.
pub(crate) fn test_not_yes_no(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    let (if_, then) = (surface.spell(Keyword::If), surface.spell(Keyword::Then));
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("the condition after `{if_}` must be true or false, but this is {ty}"),
        "not a condition",
    )
    .with_help(format!(
        "compare it with something, e.g. `{if_} paid_orders ≥ 100 {then} 3% ...`"
    ))
}

/// A branch giving `ty` where the first gives `first_ty` (at `first`).
pub(crate) fn branches_differ(surface: Surface, span: Span, ty: &Ty, first_ty: &Ty, first: Span) -> Diagnostic {
    // Two numbers in different units are a unit mismatch; anything else is the wrong kind.
    let code = match (ty, first_ty) {
        (Ty::Num(_), Ty::Num(_)) => Code::UnitMismatch,
        _ => Code::TypeMismatch,
    };
    let words = format!(
        "{} … {} … {}",
        surface.spell(Keyword::If),
        surface.spell(Keyword::Then),
        surface.spell(Keyword::Else)
    );
    let help = match first_ty {
        Ty::Num(dim) => match dim.unit_label() {
            Some(u) => format!("give every branch in {u}; a branch that pays nothing is `0 {u}`"),
            None => format!("give every branch as {dim}"),
        },
        other => format!("give every branch as {other}"),
    };
    Diagnostic::error(
        code,
        span,
        format!("every branch of `{words}` must give the same kind of value: this is {ty}, the first gives {first_ty}"),
        "different kind",
    )
    .with_label(first, "the first branch's value")
    .with_help(help)
}

/// A branch that is a list, a period range or per-period values: `if` chooses between values.
pub(crate) fn branch_not_a_value(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    let (if_, then, else_) = (
        surface.spell(Keyword::If),
        surface.spell(Keyword::Then),
        surface.spell(Keyword::Else),
    );
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{if_}` chooses between single values, but this is {ty}"),
        "not a single value",
    )
    .with_help(format!(
        "aggregate in each branch, e.g. `{if_} vip {then} sum of orders.amount {else_} 0 CNY`"
    ))
}

/// `is earned` after something that is not a reward's name.
pub(crate) fn earned_needs_reward_name(surface: Surface, span: Span) -> Diagnostic {
    let earned = surface.spell(Keyword::IsEarned);
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{earned}` follows the name of a reward"),
        "not a reward's name",
    )
    .with_help(format!("write `REWARD {earned}`"))
}

/// `REWARD is earned` outside a reward (in a value, a condition of `eligible when`, a parameter).
pub(crate) fn earned_outside_reward(surface: Surface, span: Span) -> Diagnostic {
    let (earned, when, let_) = (
        surface.spell(Keyword::IsEarned),
        surface.spell(Keyword::When),
        surface.spell(Keyword::Let),
    );
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("`{earned}` can be read only by a reward: its amount, its modifiers or its `{when}` block"),
        "not inside a reward",
    )
    .with_help(format!(
        "values and `eligible when` are decided before any reward; test it in the `{when}` block of the reward that depends on it (a `{let_}` cannot read it)"
    ))
}

/// `REWARD is earned` read by `reader`, which is `reward` itself or written before it.
pub(crate) fn earned_not_before(surface: Surface, span: Span, reward: &str, reader: &str) -> Diagnostic {
    let earned = surface.spell(Keyword::IsEarned);
    let (message, label) = if reward == reader {
        (
            format!("`{reward}` cannot depend on whether it is itself earned"),
            "itself",
        )
    } else {
        (
            format!("`{reader}` reads whether `{reward}` is earned, but `{reward}` is written after it"),
            "written later",
        )
    };
    Diagnostic::error(Code::CyclicDefinition, span, message, label).with_help(format!(
        "rewards are decided in the order written, so a reward reads `{earned}` only of rewards above it: move `{reward}` above `{reader}`"
    ))
}

/// `REWARD is earned` of a reward drawn from a budget, which is decided only after every record.
pub(crate) fn earned_with_budget(surface: Surface, span: Span, reward: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("`{reward}` is drawn from a budget, so whether it is paid is known only once every record is served"),
        "budgeted reward",
    )
    .with_help(format!(
        "test the conditions it needs instead, or show `{reward} {}` in a value",
        surface.spell(Keyword::IsWaitlisted)
    ))
}
