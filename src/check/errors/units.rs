//! Messages about units, currencies and types.

use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::{Dim, Ty};
use crate::syntax::keywords::{Keyword, Surface};

/// `` `UNIT` is already a built-in unit ``: a `unit` line for a currency or a time unit.
/// `line` is the whole declaration to remove, when known.
pub(crate) fn already_built_in(span: Span, name: &str, line: Option<Span>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("`{name}` is already a built-in unit"),
        "built-in unit",
    )
    .with_help("currencies, time units and `times` need no declaration; remove this line");
    match line {
        Some(line) => d.with_fix(line, "", "remove this line"),
        None => d,
    }
}

/// `` the unit `UNIT` is declared twice ``.
pub(crate) fn unit_declared_twice(span: Span, name: &str, surface: Surface) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("the unit `{name}` is declared twice"),
        "declared again",
    )
    .with_help(format!("keep one `{}` line per unit", surface.spell(Keyword::Unit)))
}

/// `` a unit's precision must be a power of ten such as `1` or `0.01`, not `P` ``.
pub(crate) fn precision_not_power_of_ten(span: Span, precision: Decimal) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidRounding,
        span,
        format!("a unit's precision must be a power of ten such as `1` or `0.01`, not `{precision}`"),
        "not a power of ten",
    )
    .with_help("write the smallest step the unit is paid in: `1`, `0.1`, `0.01`...")
}

/// `` `WORD` is not a currency ``, with the ISO code likely meant (`RMB` → `CNY`).
pub(crate) fn not_a_currency(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownUnit,
        span,
        format!("`{name}` is not a currency"),
        "unknown currency",
    );
    match suggestion {
        Some(s) => d
            .with_help(format!("did you mean `{s}`?"))
            .with_fix(span, s, format!("write `{s}`")),
        None => d.with_help("write an ISO 4217 currency code such as `CNY`, `USD` or `EUR`"),
    }
}

/// `` `WORD` is not a known unit ``, with the unit likely meant or how to declare it.
pub(crate) fn not_a_known_unit(span: Span, name: &str, suggestion: Option<&str>, surface: Surface) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownUnit,
        span,
        format!("`{name}` is not a known unit"),
        "unknown unit",
    );
    match suggestion {
        Some(s) => d
            .with_help(format!("did you mean `{s}`?"))
            .with_fix(span, s, format!("write `{s}`")),
        None => d.with_help(format!(
            "declare it with `{} {name}` at the top of the campaign, or use a currency code such as `CNY`",
            surface.spell(Keyword::Unit)
        )),
    }
}

/// `` the WHAT is GOT, but the amount is WANT ``: a number in another unit than the amount's.
///
/// A number literal without a unit (`literal`) is a [`Code::BareNumber`]. When the amount has a
/// unit and the number none, the help writes the number (`text`) with the unit; for a bare plain
/// number (`fixable`: no parentheses), so does the fix.
pub(crate) fn wrong_unit(
    span: Span,
    what: &str,
    want: &Dim,
    got: &Dim,
    literal: bool,
    text: &str,
    fixable: bool,
) -> Diagnostic {
    let code = if got.is_scalar() && literal {
        Code::BareNumber
    } else {
        Code::UnitMismatch
    };
    let d = Diagnostic::error(
        code,
        span,
        format!("the {what} is {got}, but the amount is {want}"),
        "wrong unit",
    );
    match want.unit_label() {
        Some(u) if got.is_scalar() => {
            let written = format!("{text} {u}");
            let d = d.with_help(format!("write the unit: `{written}`"));
            if code == Code::BareNumber && fixable {
                d.with_fix(span, written.clone(), format!("write `{written}`"))
            } else {
                d
            }
        }
        _ => d.with_help(format!("the {what} must be {want}")),
    }
}

/// `` the WHAT is GOT, but the amount is WANT ``: a value of another kind than the amount's.
pub(crate) fn wrong_kind(span: Span, what: &str, want: &Ty, got: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("the {what} is {got}, but the amount is {want}"),
        "wrong kind",
    )
    .with_help(format!("the {what} must be {want}"))
}

/// What a plain number written without `%` reads as, and the fix that writes it as a percentage:
/// `5` was probably `5%` (as written it is 500 %); `0.05` is 5 % as written, so the fix keeps
/// that value (and the help names the other reading).
fn as_percentage(text: &str, value: Decimal) -> (String, String, String) {
    let hundredfold = (value * Decimal::ONE_HUNDRED).normalize();
    if value.abs() >= Decimal::ONE {
        let fix = format!("{text}%");
        let help = format!("did you mean `{fix}`? As written, `{text}` is {hundredfold}%");
        (fix, help, format!("read as {hundredfold}%"))
    } else {
        let fix = format!("{hundredfold}%");
        let help = format!("as written, `{text}` is `{fix}`: write `{fix}`, or `{text}%` if that is meant");
        (fix, help, format!("read as {hundredfold}%"))
    }
}

/// `` the amount is multiplied by `5`, a number written without `%` ``: money or points scaled
/// by a plain number written in the campaign (`bare`), at the product `product`.
pub(crate) fn bare_multiplier(bare: Span, text: &str, value: Option<Decimal>, product: Span) -> Diagnostic {
    let times = format!("`{text} times`");
    let d = match value {
        Some(n) => {
            let (fix, help, label) = as_percentage(text, n);
            Diagnostic::error(
                Code::BareMultiplier,
                bare,
                format!("an amount is multiplied by `{text}`, a number written without `%`"),
                label,
            )
            .with_help(format!("{help}; if the amount is meant to be multiplied by {text}, write {times}"))
            .with_fix(bare, fix.clone(), format!("write `{fix}`"))
        }
        None => Diagnostic::error(
            Code::BareMultiplier,
            bare,
            format!("an amount is multiplied by `{text}`, a number written without `%`"),
            "a plain number",
        )
        .with_help(
            "write a rate as a percentage (`5%`, in a parameter of type `fraction`), or a multiplier with `times` (`2 times`)",
        ),
    };
    if bare.start >= product.start && bare.end <= product.end {
        d
    } else {
        d.with_label(product, "the amount it multiplies")
    }
}

/// `` the rate `5` of a `marginal of` table is written without `%` ``.
pub(crate) fn bare_rate_in_table(span: Span, text: &str, value: Option<Decimal>) -> Diagnostic {
    let message = format!("the rate `{text}` of a `marginal of` table is written without `%`");
    match value {
        Some(n) => {
            let (fix, help, label) = as_percentage(text, n);
            Diagnostic::error(Code::BareMultiplier, span, message, label)
                .with_help(format!(
                    "{help}; if the band's part is meant to be multiplied by {text}, write `{text} times`"
                ))
                .with_fix(span, fix.clone(), format!("write `{fix}`"))
        }
        None => Diagnostic::error(Code::BareMultiplier, span, message, "a plain number")
            .with_help("write each rate as a percentage (`5%`), or a multiplier with `times` (`2 times`)"),
    }
}
