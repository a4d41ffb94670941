//! Messages about tier tables, lookups and rankings.

use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::ast::TierKind;
use crate::syntax::keywords::{Keyword, Surface};

use super::expressions::wrong_kind_here;

// ---- rankings

/// A ranking inside a list or per-period definition.
pub(crate) fn ranking_not_at_top_level(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        "a ranking orders whole records, so it cannot be used inside a list's filter or definition",
        "ranking here",
    )
    .with_help(format!(
        "define the ranking at the top level: `{} place = {} ...`, or per period: `{} place {} day {} RANGE = {} ...`",
        surface.spell(Keyword::Value),
        surface.spell(Keyword::RankBy),
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Per),
        surface.spell(Keyword::In),
        surface.spell(Keyword::RankBy)
    ))
}

/// A ranking key of `ty`, which has no order.
pub(crate) fn rank_key_wrong_kind(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("records are ranked by a number, amount, timestamp or text, but this is {ty}"),
        "rank by an amount or a score",
    )
}

/// A ranking key that depends on whether a budget ran out.
pub(crate) fn rank_key_after_budget(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "a ranking cannot depend on a budget's outcome".into(),
        "rank by facts and values",
    )
}

/// A ranking's group (`within ...`) of `ty`, which cannot group records.
pub(crate) fn rank_group_wrong_kind(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("records are grouped by a text, choice, number, yes/no or timestamp, but this is {ty}"),
        format!(
            "group by a category, e.g. `{} industry`",
            surface.spell(Keyword::Within)
        ),
    )
}

/// A ranking's group that depends on whether a budget ran out.
pub(crate) fn rank_group_after_budget(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "a ranking cannot group by a budget's outcome".into(),
        "group by facts and values",
    )
}

/// A ranking by another ranking.
pub(crate) fn ranking_of_ranking(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "a ranking cannot depend on another ranking".into(),
        "rank by facts and values",
    )
}

// ---- lookup tables

/// A lookup key of `ty`, which cannot key a table.
pub(crate) fn lookup_key_wrong_kind(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("a lookup key must be a text, a choice, a number or a yes/no, but this is {ty}"),
        "look up by a category, a level or a flag",
    )
}

/// A lookup table without rows.
pub(crate) fn empty_lookup_table(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(Code::EmptyTable, span, "the lookup table has no rows", "empty table").with_help(format!(
        "write one row per key: `\"文娱\" -> 2%`, and `{} -> ...` for the rest",
        surface.spell(Keyword::Otherwise)
    ))
}

/// A row's value of `ty`, where the first row (its value at `first`) gives `first_ty`.
pub(crate) fn lookup_values_differ(span: Span, ty: &Ty, first_ty: &Ty, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("every row must give the same kind of value: this is {ty}, the first row gives {first_ty}"),
        "different kind",
    )
    .with_label(first, "first row's value")
    .with_help("give every row's value in the same unit")
}

/// A second `otherwise` row.
pub(crate) fn second_otherwise_row(surface: Surface, span: Span) -> Diagnostic {
    let otherwise = surface.spell(Keyword::Otherwise);
    Diagnostic::error(
        Code::DuplicateKey,
        span,
        format!("the table has two `{otherwise}` rows"),
        format!("second `{otherwise}`"),
    )
    .with_help(format!("keep one `{otherwise}` row"))
}

/// A row with `given` keys in a table that looks up `wanted` values.
pub(crate) fn lookup_row_arity(span: Span, given: usize, wanted: usize) -> Diagnostic {
    Diagnostic::error(
        Code::WrongArity,
        span,
        format!("this row has {given} keys, but the table looks up {wanted}"),
        "wrong number of keys",
    )
    .with_help("write one key per looked-up value, in the same order")
}

/// A row whose key (written `key`) an earlier row (at `first`) has.
pub(crate) fn lookup_key_repeated(span: Span, key: &str, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateKey,
        span,
        format!("the key {key} is already in the table"),
        "same key again",
    )
    .with_label(first, "first row with this key")
    .with_help("each key may appear once; remove or change one of the rows")
}

/// A table by a choice without `otherwise` and without rows for the `missing` choices.
pub(crate) fn lookup_missing_choices(surface: Surface, span: Span, missing: &[&String]) -> Diagnostic {
    let list = missing
        .iter()
        .map(|m| format!("\"{m}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::warning(
        Code::MissingKey,
        span,
        format!("the table has no row for {list}"),
        "incomplete table",
    )
    .with_help(format!(
        "add a row for each choice, or an `{} -> ...` row; without one the value is unknown for those choices",
        surface.spell(Keyword::Otherwise)
    ))
}

/// A row key of another kind than the looked-up value (`ty`).
pub(crate) fn lookup_key_kind_differs(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("this key must be {ty} like the looked-up value"),
        "write a key of the same kind",
    )
}

// ---- tier tables

/// A tier table without bands.
pub(crate) fn empty_tier_table(span: Span) -> Diagnostic {
    Diagnostic::error(Code::EmptyTable, span, "the tier table has no bands", "empty table")
        .with_help("write one band per line: `0 CNY .. 10000 CNY -> 1%`")
}

/// A tier table (`kind`) choosing by `ty`, which it cannot choose by.
pub(crate) fn tier_subject_wrong_kind(surface: Surface, span: Span, kind: TierKind, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "a {} table chooses by {}, but this is {ty}",
            kind.word(),
            if kind == TierKind::Band {
                "a number, an amount or a timestamp"
            } else {
                "a number or an amount"
            }
        ),
        format!(
            "put the amount the bands are about after `{}`, e.g. `{} monthly_gmv {{ ... }}`",
            surface.spell(Keyword::Of),
            surface.spell(Keyword::BandOf)
        ),
    )
}

/// An end of a band of timestamps that is not written as a date or time.
pub(crate) fn band_end_not_literal_time(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "the ends of a band of timestamps must be written as dates or times, or be parameters".into(),
        "write the band's ends as literals such as `2024-01-01`, or declare a `parameter` of type timestamp",
    )
}

/// An end of a band that is not a constant number or amount.
pub(crate) fn band_end_not_constant(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        "the ends of a band must be written as numbers or amounts, or be parameters",
        "not a constant",
    )
    .with_help("write the band's ends as literals such as `10000 CNY`, or declare a `parameter` for a threshold left to be set")
}

/// A band of a marginal table without a lower end.
pub(crate) fn marginal_band_without_start(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TierUnreachable,
        span,
        "a band of a marginal table needs a lower end",
        "no lower end",
    )
    .with_help("rates apply to the part of the amount above the band's start: write `0 CNY .. 50000 CNY -> 10%`")
}

/// A band that ends (at `end`) before it starts (at `start`).
pub(crate) fn band_backwards(span: Span, start: Decimal, end: Decimal) -> Diagnostic {
    Diagnostic::error(
        Code::TierUnreachable,
        span,
        format!("no value can fall in this band: it ends at {end} before it starts at {start}"),
        "empty band",
    )
    .with_help("write the lower end first: `LOW .. HIGH -> value`")
}

/// A band of counts that lies below 0.
pub(crate) fn count_band_below_zero(span: Span) -> Diagnostic {
    Diagnostic::warning(
        Code::TierUnreachable,
        span,
        "no count can fall in this band: counts are never below 0",
        "unreachable band",
    )
    .with_help("remove the band, or start the table at 0")
}

/// A band's value of `ty`, where the first band (its value at `first`) gives `first_ty`.
pub(crate) fn band_values_differ(span: Span, ty: &Ty, first_ty: &Ty, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("every band must give the same kind of value: this is {ty}, the first band gives {first_ty}"),
        "different kind",
    )
    .with_label(first, "first band's value")
    .with_help("give every band's value in the same unit")
}

/// A band of a marginal table giving `ty` rather than a rate.
pub(crate) fn marginal_band_not_rate(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("a marginal band gives a rate, but this is {ty}"),
        "write the rate for the part of the amount inside the band, e.g. `10%`",
    )
}

/// A band that shares values with an `earlier` one; `example` is one of them, as written back.
pub(crate) fn tier_overlap(span: Span, example: &str, earlier: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TierOverlap,
        span,
        format!("this band overlaps an earlier one: {example} falls in both"),
        "overlapping band",
    )
    .with_label(earlier, "earlier band")
    .with_help("make each band start where the previous one ends: `0 .. 10000`, then `10000 .. 50000`")
}

/// Values from `from` to `to` (e.g. `example`) between two bands (`span` covers both) that no
/// band of a table of `kind` covers.
pub(crate) fn tier_gap(span: Span, kind: TierKind, from: &str, to: &str, example: &str) -> Diagnostic {
    let what = if kind == TierKind::Band {
        "values there fall in no band, so the table gives unknown for them"
    } else {
        "the part of the amount there earns nothing"
    };
    Diagnostic::warning(
        Code::TierGap,
        span,
        format!("no band covers the values from {from} to {to} (e.g. {example})"),
        "gap between these bands",
    )
    .with_help(format!("{what}; end the first band where the next one starts"))
}
