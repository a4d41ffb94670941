//! Messages about names and scopes: unknown names and fields, duplicates, per-record names used out of scope.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::keywords::{Keyword, Surface};

/// The help of a "did you mean": the suggestion, with a fix that writes it over the misspelt name.
fn did_you_mean(d: Diagnostic, span: Span, suggestion: &str) -> Diagnostic {
    d.with_help(format!("did you mean `{suggestion}`?"))
        .with_fix(span, suggestion, format!("write `{suggestion}`"))
}

/// `` `NAME` is defined more than once ``: a second top-level definition of a name.
pub(crate) fn defined_more_than_once(span: Span, name: &str, first: Option<Span>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("`{name}` is defined more than once"),
        "defined again here",
    )
    .with_help("give each fact, value, window, parameter, period range and reward its own name");
    match first {
        Some(first) => d.with_label(first, "first defined here"),
        None => d,
    }
}

/// `` `NAME` is already the name of a fact ``: a definition named like a fact.
pub(crate) fn already_a_fact(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("`{name}` is already the name of a fact"),
        "defined again here",
    )
    .with_help("choose another name for the definition")
}

/// `` the records of `LIST` already have a field `NAME` ``: a per-item value named like a field.
pub(crate) fn records_already_have_field(span: Span, path: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("the records of `{path}` already have a field `{name}`"),
        "defined again",
    )
    .with_help("choose another name")
}

/// `` `NAME` is a reward; rewards are computed last and cannot be used in expressions ``.
pub(crate) fn reward_used_in_expression(span: Span, name: &str, surface: Surface) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("`{name}` is a reward; rewards are computed last and cannot be used in expressions"),
        "a reward",
    )
    .with_help(format!(
        "define the amount as a `{}` value and use it in both places, or test `REWARD {}`",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::IsWaitlisted)
    ))
}

/// `` `UNIT` is a unit, but no number stands before it on this line ``: a unit read as a name.
pub(crate) fn unit_without_number(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownName,
        span,
        format!("`{name}` is a unit, but no number stands before it on this line"),
        "a unit on its own",
    )
    .with_help(format!(
        "write the number and its unit on one line, e.g. `10000 {name}`"
    ))
}

/// `` `NAME` is not defined ``, with the name likely meant, or the list whose records have a fact
/// of that name (`nested_in`), or where to declare it.
pub(crate) fn not_defined(
    span: Span,
    name: &str,
    suggestion: Option<&str>,
    nested_in: Option<&str>,
    surface: Surface,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownName,
        span,
        format!("`{name}` is not defined"),
        "unknown name",
    );
    match (suggestion, nested_in) {
        (Some(s), _) => did_you_mean(d, span, s),
        (None, Some(path)) => d.with_help(format!(
            "`{name}` is a fact of each record of `{path}`: use it inside `... {} {path} {} ...`, or as `{path}.{name}`",
            surface.spell(Keyword::Of),
            surface.spell(Keyword::Where),
        )),
        (None, None) => d.with_help(format!(
            "declare it in `{} {{ ... }}`, or define it with `{}` or `{}`",
            surface.spell(Keyword::Facts),
            surface.spell(Keyword::Let),
            surface.spell(Keyword::Value)
        )),
    }
}

/// `` `NAME` could be the field of the item of `INNER` or of the item of `OUTER` ``: a name
/// inside an aggregate over one list, written where an item of another list (or another item
/// of the same list) is in scope, and both have it.
pub(crate) fn ambiguous_item_name(span: Span, name: &str, inner: &str, outer: &str) -> Diagnostic {
    let (message, help) = if inner == outer {
        (
            format!(
                "`{name}` could be the field of either item of `{inner}` here: the one iterated or the one it is computed for"
            ),
            format!(
                "an item of `{inner}` cannot be compared with the other items of `{inner}` by an unqualified name; compute what is compared at the top level (a `let` over the whole list) instead"
            ),
        )
    } else {
        (
            format!("`{name}` could be the field of the item of `{inner}` or of the item of `{outer}`"),
            format!(
                "give one of them another name with a per-item `let` (for example `let {outer_last}_{name} of {outer} = {name}`) and use that",
                outer_last = outer.rsplit('.').next().unwrap_or(outer)
            ),
        )
    };
    Diagnostic::error(Code::AmbiguousName, span, message, "ambiguous name").with_help(help)
}

/// `` `EXPR` has no fields: it is TYPE ``: a field taken of something that is not a list.
pub(crate) fn has_no_fields(span: Span, base: &str, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownField,
        span,
        format!("`{base}` has no fields: it is {ty}"),
        "no such field",
    )
    .with_help("only lists of records have fields, e.g. `sales.gmv`")
}

/// `` `EXPR` is a list of values, which have no fields ``.
pub(crate) fn values_have_no_fields(span: Span, base: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownField,
        span,
        format!("`{base}` is a list of values, which have no fields"),
        "no such field",
    )
    .with_help("take fields of the records: `list.field`")
}

/// `` the records of `LIST` have no field `NAME` ``, with the field likely meant or every field.
pub(crate) fn no_such_field(
    span: Span,
    path: &str,
    name: &str,
    suggestion: Option<&str>,
    fields: &[String],
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownField,
        span,
        format!("the records of `{path}` have no field `{name}`"),
        "no such field",
    );
    match suggestion {
        Some(s) => did_you_mean(d, span, s),
        None => d.with_help(format!("the fields of `{path}` are: {}", fields.join(", "))),
    }
}

/// `` there is no list fact `NAME` ``: the list of a `let NAME of LIST` that is not declared.
pub(crate) fn no_such_list(span: Span, name: &str, suggestion: Option<&str>, surface: Surface) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownName,
        span,
        format!("there is no list fact `{name}`"),
        "unknown list",
    );
    match suggestion {
        Some(s) => did_you_mean(d, span, s),
        None => d.with_help(format!(
            "declare the list in `{} {{ ... }}`",
            surface.spell(Keyword::Facts)
        )),
    }
}

/// `` `NAME` is not a list ``: the list of a `let NAME of LIST` that is a single fact.
pub(crate) fn not_a_list(span: Span, name: &str, surface: Surface) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{name}` is not a list"),
        "not a list",
    )
    .with_help(format!(
        "`{} NAME {} LIST = ...` defines a field for each record of a list fact",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Of)
    ))
}

/// How to declare a period range, for helps.
fn declare_periods(surface: Surface) -> String {
    format!(
        "declare one with `{} NAME = months 2022-12 {} 2023-06`",
        surface.spell(Keyword::Periods),
        surface.spell(Keyword::Through)
    )
}

/// `` `NAME` is not a period range ``: `per month in NAME` with another kind of name.
pub(crate) fn not_a_period_range(span: Span, name: &str, surface: Surface) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{name}` is not a period range"),
        "not a period range",
    )
    .with_help(declare_periods(surface))
}

/// `` there is no period range `NAME` ``, with the range likely meant or how to declare one.
pub(crate) fn no_such_period_range(span: Span, name: &str, suggestion: Option<&str>, surface: Surface) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownName,
        span,
        format!("there is no period range `{name}`"),
        "unknown period range",
    );
    match suggestion {
        Some(s) => did_you_mean(d, span, s),
        None => d.with_help(declare_periods(surface)),
    }
}
