//! Messages about `if … then … else …`.

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
