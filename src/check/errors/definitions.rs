//! Messages about definitions, their order and cycles, and unused ones.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::keywords::{Keyword, Surface};

/// The fix of a help that says to write `let` instead of `value`: `keyword` is the `value` of
/// the definition, when known.
fn write_let(d: Diagnostic, keyword: Option<Span>, surface: Surface) -> Diagnostic {
    match keyword {
        Some(span) => d.with_fix(
            span,
            surface.spell(Keyword::Let),
            format!(
                "write `{}` instead of `{}`",
                surface.spell(Keyword::Let),
                surface.spell(Keyword::Value)
            ),
        ),
        None => d,
    }
}

/// `` `NAME` is TYPE, which cannot be shown in results ``: a `value` that is a window, a list...
pub(crate) fn cannot_be_shown(span: Span, name: &str, ty: &Ty, keyword: Option<Span>, surface: Surface) -> Diagnostic {
    let d = Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{name}` is {ty}, which cannot be shown in results"),
        "not a result value",
    )
    .with_help(format!(
        "write `{}` instead of `{}` for helpers; results show numbers, amounts, yes/no, texts and timestamps",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Value)
    ));
    write_let(d, keyword, surface)
}

/// `` `NAME` is computed for each record of `LIST`, so it cannot be shown as one value ``.
pub(crate) fn per_record_value_shown(
    span: Span,
    name: &str,
    path: &str,
    keyword: Option<Span>,
    surface: Surface,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("`{name}` is computed for each record of `{path}`, so it cannot be shown as one value"),
        "one value per record of the list",
    )
    .with_help(format!(
        "write `{}` instead of `{}`, and show an aggregate such as `count {} ... {} ...`",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Value),
        surface.spell(Keyword::Of),
        surface.spell(Keyword::Where)
    ));
    write_let(d, keyword, surface)
}

/// `` `NAME` depends on itself ``: a top-level value or window.
pub(crate) fn value_depends_on_itself(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::CyclicDefinition,
        span,
        format!("`{name}` depends on itself"),
        "defined in terms of itself",
    )
    .with_help("a value must be computable from facts and earlier values; break the circle")
}

/// `` `NAME` depends on itself ``: a field computed per record.
pub(crate) fn field_depends_on_itself(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::CyclicDefinition,
        span,
        format!("`{name}` depends on itself"),
        "defined in terms of itself",
    )
    .with_help("a field must be computable from the record's facts; break the circle")
}

/// `a field computed per record must be a single value, not a list`.
pub(crate) fn per_record_field_is_a_list(span: Span, surface: Surface) -> Diagnostic {
    let of = surface.spell(Keyword::Of);
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        "a field computed per record must be a single value, not a list",
        "a list",
    )
    .with_help(format!("aggregate it: `count {of} ...`, `sum {of} ...`"))
}

/// `rounding and caps are not supported on fields computed per record`.
pub(crate) fn modifier_on_per_record_field(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "rounding and caps are not supported on fields computed per record",
        "modifier here",
    )
    .with_help("write the rounding with `min(...)`/`max(...)` in the expression, or round the aggregate instead")
}

/// `` the KIND `NAME` is never used ``: a `let` value, parameter, window or period range.
pub(crate) fn never_used(span: Span, kind: &str, name: &str, is_value: bool, surface: Surface) -> Diagnostic {
    let d = Diagnostic::warning(
        Code::UnusedDefinition,
        span,
        format!("the {kind} `{name}` is never used"),
        "never used",
    );
    if is_value {
        d.with_help(format!(
            "remove it, or write `{}` instead of `{}` to show it in results",
            surface.spell(Keyword::Value),
            surface.spell(Keyword::Let)
        ))
    } else {
        d.with_help("remove it, or use it in a condition, value or reward")
    }
}

/// `a ranking orders records by a value that itself depends on a ranking`.
pub(crate) fn ranking_by_a_ranking(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        "a ranking orders records by a value that itself depends on a ranking",
        "in this campaign",
    )
    .with_help("rank by facts and values computed from them, not by another ranking")
}
