//! A balance carried across months (`balance of ... applied to ...`) and the functions that
//! read it (`credited`, `credit_used`, `credit_expired`, `credit_lost`, `paid_in_cash`).

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::Ty;
use crate::syntax::keywords::{Keyword, Surface};

/// Why a `balance of` is not where a balance can be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Misplaced {
    /// Inside another expression, or in a definition that is not per period.
    NotWhole,
    /// In a definition per period of a range that is not of months.
    NotMonths,
    /// With rounding or caps on the definition.
    Modified,
}

/// A `balance of` where a balance cannot be (see [`Misplaced`]).
pub(crate) fn misplaced(surface: Surface, span: Span, why: Misplaced) -> Diagnostic {
    let balance = surface.spell(Keyword::BalanceOf);
    let per = surface.spell(Keyword::Per);
    let month = surface.spell(Keyword::Month);
    let (message, label, help) = match why {
        Misplaced::NotWhole => (
            format!("`{balance}` is a definition of its own: it is the whole of a per-month definition"),
            "not the whole of a per-month definition",
            format!(
                "write it alone as the definition (`{} credit {per} {month} {} programme = {balance} ...`), then read it by its name or with `credit_used(credit)`",
                surface.spell(Keyword::Let),
                surface.spell(Keyword::In)
            ),
        ),
        Misplaced::NotMonths => (
            format!("a balance is carried from month to month, but this definition is not `{per} {month}`"),
            "not per month",
            format!(
                "define it over a range of months (`{} r = months 2025-01 through 2025-12`), `{per} {month} {} r`",
                surface.spell(Keyword::Periods),
                surface.spell(Keyword::In)
            ),
        ),
        Misplaced::Modified => (
            "a balance is not rounded or capped: its credit and its uses are in whole steps of its unit already"
                .to_string(),
            "rounding or cap on a balance",
            format!(
                "round or cap the credit in its own definition, and the cash owed where it is paid (`fee f {per} {month} ... = paid_in_cash(b), {}`)",
                surface.spell(Keyword::RoundedHalfUp)
            ),
        ),
    };
    Diagnostic::error(Code::BalanceMisplaced, span, message, label).with_help(help)
}

/// What of a balance must be a timestamp.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dated {
    /// The first key of `ordered by`: the instant each item is settled.
    FirstKey,
    /// `lost at`: the instant the merchant leaves.
    LostAt,
}

/// The first order key, or `lost at`, that is not a timestamp.
pub(crate) fn not_dated(surface: Surface, span: Span, what: Dated, ty: &Ty) -> Diagnostic {
    let (message, help) = match what {
        Dated::FirstKey => (
            format!(
                "the first key after `{}` dates each item (the month its fee is settled in), but this is {ty}",
                surface.spell(Keyword::OrderedBy)
            ),
            "order by the instant each fee is settled first (`ordered by settled_at, then by order_id`)".to_string(),
        ),
        Dated::LostAt => (
            format!("`lost at` says when the merchant leaves, but this is {ty}"),
            "give the instant the merchant leaves, such as an optional fact `left_at: timestamp, optional`".to_string(),
        ),
    };
    Diagnostic::error(Code::BalanceNotDated, span, message, "not a timestamp").with_help(help)
}

/// The credit, or the fee of each item, that is not an amount.
pub(crate) fn not_an_amount(surface: Surface, span: Span, what: &str, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("a balance's {what} is an amount of money or of a unit, but this is {ty}"),
        "not an amount",
    )
    .with_help(format!(
        "`{} <credit each month> {} <list>.<fee of each item> ...`, both in one currency or unit",
        surface.spell(Keyword::BalanceOf),
        surface.spell(Keyword::AppliedTo)
    ))
}

/// A fee of each item in another currency or unit than the credit.
pub(crate) fn fee_in_another_unit(span: Span, credit: &Ty, fee: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("a balance pays fees in its credit's currency or unit: the credit is {credit}, but this fee is {fee}"),
        "another currency or unit",
    )
    .with_help("amounts are never converted between currencies: write the credit and the fees in one currency, or one balance per currency")
}

/// The credit, the fee of an item or an order key that can be unknown.
pub(crate) fn unknowns(surface: Surface, span: Span, what: &str, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnknownNotHandled,
        span,
        format!("the {what} `{text}` can be unknown, and the balance would not know what to credit, pay or order"),
        "may be unknown",
    )
    .with_help(format!(
        "say what an unknown one stands for: `{text} {} ...`",
        surface.spell(Keyword::IfUnknown)
    ))
}

/// `credit_used(x)` (the function `name`) where `x` is not a balance.
pub(crate) fn not_a_balance(surface: Surface, span: Span, name: &str, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::NotABalance,
        span,
        format!("`{name}` reads a balance by its name, but `{text}` is not one"),
        "not a balance",
    )
    .with_help(format!(
        "name a definition written `{} b {} {} {} r = {} ...`",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Per),
        surface.spell(Keyword::Month),
        surface.spell(Keyword::In),
        surface.spell(Keyword::BalanceOf)
    ))
}

/// A credit written so that it can be below zero (a subtraction or negation not under `max` with
/// zero): the balance would go negative; a credit below zero credits nothing.
pub(crate) fn can_go_negative(span: Span, credit: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::BalanceCanGoNegative,
        span,
        format!("the credit `{credit}` can be below zero, which would take the balance below zero"),
        "can be below zero",
    )
    .with_help(format!(
        "a credit below zero credits nothing; say so with `max({credit}, 0 ...)`, or take what is owed back in the fee"
    ))
}
