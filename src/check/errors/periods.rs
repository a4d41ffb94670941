//! The functions that read other periods than the current one (`previous`, `cumulative`) or
//! say where the current one stands (`period_number`).

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::keywords::{Keyword, Surface};

/// `previous(x)` (the function `name`) where no period is current: outside a per-period
/// definition or reward.
pub(crate) fn outside_a_period(surface: Surface, span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriodReference,
        span,
        format!("`{name}` needs a current period, and there is none here"),
        "no current period",
    )
    .with_help(format!(
        "use it in a definition or reward computed per period (`{} month {} settlement`)",
        surface.spell(Keyword::Per),
        surface.spell(Keyword::In)
    ))
}

/// `previous(text)` (the function `name`), where `text` is not the name of a per-period value.
pub(crate) fn not_a_per_period_value(surface: Surface, span: Span, name: &str, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriodReference,
        span,
        format!("`{name}` reads a per-period value by its name, but `{text}` is not one"),
        "not a per-period value",
    )
    .with_help(format!(
        "name a value defined `let x {} month {} settlement = ...`",
        surface.spell(Keyword::Per),
        surface.spell(Keyword::In)
    ))
}

/// `previous(x)` (the function `name`) where `x` is computed over the range `its` and the
/// current period belongs to the range `here`.
pub(crate) fn other_range(span: Span, name: &str, value: &str, its: &str, here: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriodReference,
        span,
        format!("`{value}` is computed per period of `{its}`, but here the periods are those of `{here}`"),
        "another period range",
    )
    .with_help(format!(
        "`{name}` reads values of the same period range; aggregate `{value}` instead (`sum of {value}`)"
    ))
}

/// `period_number(p, t)` whose first argument is not the period variable `var`. Fix: the variable.
pub(crate) fn not_the_period(span: Span, var: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriodReference,
        span,
        format!("`period_number` numbers the current period: write `{var}` here"),
        "not the current period",
    )
    .with_help(format!("for example `period_number({var}, signed_at)`"))
    .with_fix(span, var, format!("write `{var}`"))
}

/// `cumulative(x)` inside the definition of `x`: it would read `x`'s current period.
pub(crate) fn cumulative_of_itself(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::CyclicDefinition,
        span,
        format!("`cumulative({name})` inside `{name}` reads the period `{name}` is being computed for"),
        "reads its own current period",
    )
    .with_help(format!(
        "add up another per-period value (`cumulative(monthly_gmv)`), or read `{name}`'s earlier periods with `previous({name}, ...)`"
    ))
}

/// `previous(x)` inside the definition of `x`, without the value of the first period.
pub(crate) fn previous_of_itself_needs_first(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriodReference,
        span,
        format!("`previous({name})` inside `{name}` needs the value it stands for in the first period"),
        "no value for the first period",
    )
    .with_help(format!(
        "give it as a second value, of `{name}`'s kind: `previous({name}, 0 CNY)`"
    ))
}

/// `previous(x, first)` inside `x`, where `first` (of `first_ty`) is not of `x`'s kind (`ty`).
pub(crate) fn first_of_other_kind(span: Span, name: &str, ty: &Ty, first_ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{name}` is {ty}, but its value for the first period is {first_ty}"),
        "here",
    )
    .with_help(format!("give the first period a value of `{name}`'s kind"))
}

/// `previous(x, first)` inside `x`, where `x` can be unknown.
pub(crate) fn previous_of_itself_unknown(surface: Surface, span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownNotHandled,
        span,
        format!("`{name}` can be unknown, so `previous({name}, ...)` inside it can be unknown after the first period"),
        "can be unknown",
    )
    .with_help(format!(
        "say in `{name}`'s definition what an unknown part stands for (`{} 0 CNY`)",
        surface.spell(Keyword::IfUnknown)
    ))
}

/// `cumulative(x)` of a value of `ty`, which cannot be added up.
pub(crate) fn cumulative_of_non_number(span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`cumulative` adds up numbers or amounts, but this is {ty} per period"),
        "here",
    )
    .with_help("add up a per-period amount, count or number")
}
