//! Messages about the header and declarations: time zone, facts, parameters, period ranges.

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::keywords::{Keyword, Surface};

/// `the time zone is given twice`.
pub(crate) fn time_zone_given_twice(span: Span, first: Span, surface: Surface) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateItem,
        span,
        "the time zone is given twice",
        "second time zone",
    )
    .with_label(first, "first given here")
    .with_help(format!("keep one `{}` line", surface.spell(Keyword::Timezone)))
}

/// `` `NAME` is not a time zone name ``, with the IANA name likely meant.
pub(crate) fn not_a_time_zone(span: Span, name: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownTimezone,
        span,
        format!("`{name}` is not a time zone name"),
        "unknown time zone",
    );
    match suggestion {
        Some(s) => d
            .with_help(format!("did you mean `{s}`?"))
            .with_fix(span, s, format!("write `{s}`")),
        None => d.with_help("use an IANA name such as `Asia/Shanghai`, `America/Los_Angeles` or `UTC`"),
    }
}

/// `the source is given twice`.
pub(crate) fn source_given_twice(span: Span) -> Diagnostic {
    // `source` and `note` have no `Keyword` yet.
    Diagnostic::error(Code::DuplicateItem, span, "the source is given twice", "second source")
        .with_help("keep one `source` line; put further remarks in `note`")
}

/// `the campaign does not say which time zone its dates are in`.
pub(crate) fn missing_timezone(span: Span, surface: Surface) -> Diagnostic {
    Diagnostic::error(
        Code::MissingTimezone,
        span,
        "the campaign does not say which time zone its dates are in",
        "this campaign",
    )
    .with_help(format!(
        "add a line such as `{} Asia/Shanghai` inside the campaign block",
        surface.spell(Keyword::Timezone)
    ))
}

/// `` the fact `NAME` is declared twice ``.
pub(crate) fn fact_declared_twice(span: Span, name: &str, first: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("the fact `{name}` is declared twice"),
        "declared again",
    )
    .with_label(first, "first declared here")
    .with_help("remove one of the declarations")
}

/// `` the list `NAME` cannot be optional ``. `mark` is the `, optional` to remove, when known.
pub(crate) fn optional_list(span: Span, name: &str, mark: Option<Span>, surface: Surface) -> Diagnostic {
    let optional = surface.spell(Keyword::Optional);
    let d = Diagnostic::error(
        Code::OptionalList,
        span,
        format!("the list `{name}` cannot be optional"),
        "optional list",
    )
    .with_help(format!(
        "remove `, {optional}`: a record with no items sends an empty list `[]`"
    ));
    match mark {
        Some(mark) => d.with_fix(mark, "", format!("remove `, {optional}`")),
        None => d,
    }
}

/// `` the choice "TEXT" is listed twice ``. `repeat` is the repeated choice with the comma
/// before it, to remove.
pub(crate) fn choice_listed_twice(span: Span, value: &str, repeat: Span) -> Diagnostic {
    Diagnostic::error(
        Code::DuplicateDefinition,
        span,
        format!("the choice \"{value}\" is listed twice"),
        "listed again",
    )
    .with_help("remove the repeated choice")
    .with_fix(repeat, "", "remove the repeated choice")
}

/// `` the default of `NAME` must be a constant of type TYPE ``.
pub(crate) fn default_not_constant(span: Span, name: &str, ty: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidParameter,
        span,
        format!("the default of `{name}` must be a constant of type {ty}"),
        "not a constant of that type",
    )
    .with_help("write a literal value such as `50`, `100 CNY`, `2%` or `2024-08-16 15:00`")
}

/// ``months are written as `YYYY-MM` in a period range``.
pub(crate) fn months_are_written_as_year_month(span: Span, surface: Surface) -> Diagnostic {
    // `months` has no `Keyword` yet.
    Diagnostic::error(
        Code::InvalidPeriods,
        span,
        "months are written as `YYYY-MM` in a period range",
        "period range",
    )
    .with_help(format!(
        "for example `months 2022-12 {} 2023-06`",
        surface.spell(Keyword::Through)
    ))
}

/// `days and weeks are written as dates in a period range`.
pub(crate) fn days_and_weeks_are_written_as_dates(span: Span, surface: Surface) -> Diagnostic {
    // `days` has no `Keyword` yet.
    Diagnostic::error(
        Code::InvalidPeriods,
        span,
        "days and weeks are written as dates in a period range",
        "period range",
    )
    .with_help(format!(
        "for example `days 2024-08-22 {} 2024-08-31`",
        surface.spell(Keyword::Through)
    ))
}

/// `years are written as `YYYY` in a period range`.
pub(crate) fn years_are_written_as_years(span: Span, surface: Surface) -> Diagnostic {
    // `years` has no `Keyword` yet.
    Diagnostic::error(
        Code::InvalidPeriods,
        span,
        "years are written as `YYYY` in a period range",
        "period range",
    )
    .with_help(format!(
        "for example `years 2024 {} 2026`",
        surface.spell(Keyword::Through)
    ))
}

/// The help of a date that is not on the calendar.
const CHECK_THE_DATE: &str = "check the month (1–12) and the day of the month";

/// `this is not a date on the calendar`: a period bound such as `2024-02-30`.
pub(crate) fn not_a_calendar_date(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        "this is not a date on the calendar",
        "no such date",
    )
    .with_help(CHECK_THE_DATE)
}

/// `` `YYYY-MM` is not a month: months run from 01 to 12 ``.
pub(crate) fn not_a_month(span: Span, year: i32, month: u32) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        format!("`{year}-{month:02}` is not a month: months run from 01 to 12"),
        "no such date",
    )
    .with_help(CHECK_THE_DATE)
}

/// `the period range is empty: its last period comes before its first`.
pub(crate) fn empty_period_range(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriods,
        span,
        "the period range is empty: its last period comes before its first",
        "empty range",
    )
    .with_help("write the earlier period first")
}

/// `the period range has more than MAX periods`.
pub(crate) fn too_many_periods(span: Span, max: usize) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidPeriods,
        span,
        format!("the period range has more than {max} periods"),
        "too many periods",
    )
    .with_help("use a longer period (weeks or months) or a shorter range")
}
