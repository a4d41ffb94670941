//! Messages about lists, filters and aggregates.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::ast::AggOp;
use crate::syntax::keywords::{Keyword, Surface};

use super::expressions::wrong_kind_here;

/// `x where ...` of `ty`, which is not a list.
pub(crate) fn where_of_non_list(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    let filter = surface.spell(Keyword::Where);
    wrong_kind_here(
        span,
        format!("`{filter}` filters a list, but this is {ty}"),
        format!("use `{filter}` after a list fact, e.g. `products {filter} settled_orders < 30`"),
    )
}

/// A filter (a conjunct of one) that is `ty` rather than true or false.
pub(crate) fn filter_not_yes_no(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("a filter must be true or false, but this is {ty}"),
        format!(
            "compare something, e.g. `{} at {} activity`",
            surface.spell(Keyword::Where),
            surface.spell(Keyword::In)
        ),
    )
}

/// An aggregate of a per-period value with a `where` filter.
pub(crate) fn per_period_value_filtered(surface: Surface, span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "a per-period value cannot be filtered with `{}`",
            surface.spell(Keyword::Where)
        ),
        "filter inside its definition instead",
    )
}

/// An aggregate (`op of`) of `source` (written so), which is `ty` rather than a list.
pub(crate) fn aggregate_of_non_list(surface: Surface, span: Span, op: AggOp, source: &str, ty: &Ty) -> Diagnostic {
    let of = surface.spell(Keyword::Of);
    Diagnostic::error(
        Code::AggregateOfNonList,
        span,
        format!("`{} {of}` needs a list, but `{source}` is {ty}", op.words()),
        "not a list",
    )
    .with_help(format!(
        "aggregate a list fact or one of its fields, e.g. `sum {of} sales.gmv`"
    ))
}

/// An aggregate (`op of`) of the records of `source` (written so), where it needs values.
pub(crate) fn aggregate_of_records(surface: Surface, span: Span, op: AggOp, source: &str) -> Diagnostic {
    let (words, of) = (op.words(), surface.spell(Keyword::Of));
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{words} {of}` needs values, but `{source}` is a list of records"),
        "records, not values",
    )
    .with_help(format!(
        "name the field to {words}: e.g. `{words} {of} {source}.amount`"
    ))
}

/// An aggregate (`op of`) of `source` (written so), some of whose values can be unknown;
/// `field` names them in the filter the help suggests.
pub(crate) fn aggregate_of_unknowns(surface: Surface, span: Span, op: AggOp, source: &str, field: &str) -> Diagnostic {
    let (words, of) = (op.words(), surface.spell(Keyword::Of));
    Diagnostic::error(
        Code::UnknownNotHandled,
        span,
        format!("some `{source}` values can be unknown, and `{words} {of}` would not know what to do with them"),
        "may hold unknown values",
    )
    .with_help(format!(
        "leave them out with a filter: `{words} {of} {source} {} {field} {}`",
        surface.spell(Keyword::Where),
        surface.spell(Keyword::IsKnown)
    ))
}

/// `distinct count of` values of `item`, which cannot be told apart.
pub(crate) fn distinct_count_of_wrong_kind(surface: Surface, span: Span, item: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "`{} {}` needs texts, numbers or timestamps, but these are {item}",
            AggOp::CountDistinct.words(),
            surface.spell(Keyword::Of)
        ),
        "count distinct ids or names",
    )
}

/// An aggregate (`op of`) of values of `item`, which it cannot combine.
pub(crate) fn aggregate_of_wrong_kind(surface: Surface, span: Span, op: AggOp, item: &Ty) -> Diagnostic {
    let of = surface.spell(Keyword::Of);
    let help = match op {
        AggOp::Any | AggOp::All => format!(
            "`{} {of}` and `{} {of}` take yes/no values",
            AggOp::Any.words(),
            AggOp::All.words()
        ),
        _ => "sum, min, max and average take numbers or amounts".into(),
    };
    wrong_kind_here(span, format!("`{} {of}` cannot combine {item}", op.words()), help)
}

// ---- ordered values: `running sum of`, `portion of`, `previous`

/// An ordered value (`running sum of ...`) written outside a per-item field's own expression.
pub(crate) fn ordered_outside_item(surface: Surface, span: Span, words: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("`{words}` compares an item with the other items of its list, so it belongs in a per-item field"),
        "not in a per-item field",
    )
    .with_help(format!(
        "define it for each item, e.g. `{} before {} orders = {} {} net_gmv {} created_at`, and use the field",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Of),
        surface.spell(Keyword::RunningSum),
        surface.spell(Keyword::Of),
        surface.spell(Keyword::OrderedBy)
    ))
}

/// An `ordered by` key of `ty`, which has no order.
pub(crate) fn order_key_wrong_kind(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("items are ordered by a number, amount, timestamp, duration or text, but this is {ty}"),
        "order by a timestamp such as the creation time, or by an amount",
    )
}

/// An ordered value of `ty`, which it cannot add up (or, for `previous`, hold per item).
pub(crate) fn ordered_of_wrong_kind(surface: Surface, span: Span, words: &str, ty: &Ty) -> Diagnostic {
    let (running, previous) = (surface.spell(Keyword::RunningSum), surface.spell(Keyword::Previous));
    wrong_kind_here(
        span,
        format!("`{words}` cannot take {ty}"),
        format!(
            "`{running} {}` adds numbers, amounts or durations, `portion {}` and `within first` take amounts of one unit, `{previous}` takes one value of each item",
            surface.spell(Keyword::Of),
            surface.spell(Keyword::Of)
        ),
    )
}

/// An ordered sum of values that can be unknown.
pub(crate) fn ordered_of_unknowns(surface: Surface, span: Span, words: &str, value: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownNotHandled,
        span,
        format!("some `{value}` values can be unknown, and `{words}` would not know what they add"),
        "may hold unknown values",
    )
    .with_help(format!(
        "leave them out with a filter (`{} {value} {}`) or say what they add: `({value} {} 0 ...)`",
        surface.spell(Keyword::Where),
        surface.spell(Keyword::IsKnown),
        surface.spell(Keyword::IfUnknown)
    ))
}

// ---- groups: `top KEY of LIST by ...`

/// `top KEY of source`, where `source` (written so) is `ty` rather than a list.
pub(crate) fn top_of_non_list(surface: Surface, span: Span, source: &str, ty: &Ty) -> Diagnostic {
    let (top, of) = (surface.spell(Keyword::Top), surface.spell(Keyword::Of));
    Diagnostic::error(
        Code::AggregateOfNonList,
        span,
        format!("`{top} ... {of}` groups the items of a list, but `{source}` is {ty}"),
        "not a list",
    )
    .with_help(format!(
        "group a list fact's items, e.g. `{top} category {of} orders {} amount`",
        surface.spell(Keyword::BySumOf)
    ))
}

/// `top KEY of source`, where `source` (written so) is a list of values, not of items.
pub(crate) fn top_of_values(surface: Surface, span: Span, source: &str, list: &str) -> Diagnostic {
    let (top, of) = (surface.spell(Keyword::Top), surface.spell(Keyword::Of));
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("`{top} ... {of}` groups the items of a list, but `{source}` is a list of values"),
        "values, not items",
    )
    .with_help(format!(
        "name the list and read the field in the key or the total: `{top} category {of} {list} {} amount`",
        surface.spell(Keyword::BySumOf)
    ))
}

/// A group key of `ty` (written `text`), which cannot name a group.
pub(crate) fn group_key_wrong_kind(surface: Surface, span: Span, ty: &Ty, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::GroupKeyWrongKind,
        span,
        format!("items are grouped by a text, choice, count, yes/no or timestamp, but this is {ty}"),
        "cannot name a group",
    )
    .with_help(format!(
        "group by what the announcement groups by (a category, a shop id, a day: `{} start_of_day(paid_at) {} orders ...`); an amount belongs in the total, `{} {text}`",
        surface.spell(Keyword::Top),
        surface.spell(Keyword::Of),
        surface.spell(Keyword::BySumOf)
    ))
}

/// A `top`'s tie-break `then by EXPR` where `EXPR` (written `text`) is not the group key
/// (written `key`): groups have no other value to be ordered by.
pub(crate) fn top_tie_not_key(surface: Surface, span: Span, text: &str, key: &str) -> Diagnostic {
    let then_by = surface.spell(Keyword::ThenBy);
    Diagnostic::error(
        Code::TopTieBreak,
        span,
        format!("groups tied on their total are told apart by another total or by their key, but `{text}` is neither"),
        "not a total, not the key",
    )
    .with_help(format!(
        "write another total of the groups (`{then_by} {}`, `{then_by} {} refunded`) or the key as after `{}`: `{then_by} {key} {}`",
        surface.spell(Keyword::Count),
        surface.spell(Keyword::SumOf),
        surface.spell(Keyword::Top),
        surface.spell(Keyword::Ascending),
    ))
}

/// A `top`'s tie-break by the group key (written `key`) that does not say which key wins.
pub(crate) fn top_tie_without_direction(surface: Surface, span: Span, key: &str) -> Diagnostic {
    let (then_by, ascending, descending) = (
        surface.spell(Keyword::ThenBy),
        surface.spell(Keyword::Ascending),
        surface.spell(Keyword::Descending),
    );
    Diagnostic::error(
        Code::TopTieBreak,
        span,
        format!("a tie broken by the key must say which key wins: `{ascending}` or `{descending}`"),
        "which key wins?",
    )
    .with_help(format!(
        "`{then_by} {key} {ascending}` gives the tie to the lowest key (the first text in character order, the first choice declared, the smallest count, the earliest time); `{descending}` to the highest"
    ))
}

/// A group total (`by sum of x`) of `ty`, which it cannot add up.
pub(crate) fn group_total_wrong_kind(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "`{}` adds numbers or amounts, but this is {ty}",
            surface.spell(Keyword::BySumOf)
        ),
        format!(
            "add up an amount of each item (`{} net_gmv`), or count the items: `{}`",
            surface.spell(Keyword::BySumOf),
            surface.spell(Keyword::ByCount)
        ),
    )
}

/// A group key (`key`) or a group total's value written `text`, which can be unknown.
pub(crate) fn group_of_unknowns(surface: Surface, span: Span, key: bool, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownNotHandled,
        span,
        format!(
            "some `{text}` values can be unknown, and `{}` would not know {}",
            surface.spell(Keyword::Top),
            if key {
                "which group they belong to"
            } else {
                "what they add"
            }
        ),
        "may hold unknown values",
    )
    .with_help(format!(
        "leave them out with a filter (`{} {text} {}`) or say what they are: `({text} {} ...)`",
        surface.spell(Keyword::Where),
        surface.spell(Keyword::IsKnown),
        surface.spell(Keyword::IfUnknown)
    ))
}
