//! Messages about expressions: literals, dates and times, operators, calls, membership.

use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::{Dim, Ty};
use crate::suggest::closest;
use crate::syntax::ast::BinOp;
use crate::syntax::keywords::{Keyword, Surface};

/// The shape shared by the messages about a value of the wrong kind: `check::type_mismatch`,
/// labelled "here". Each message has its own constructor; this only builds it.
pub(super) fn wrong_kind_here(span: Span, message: String, help: impl Into<String>) -> Diagnostic {
    Diagnostic::error(Code::TypeMismatch, span, message, "here").with_help(help)
}

/// A text as the language writes it in quotes, when it needs no escape (so that a help's
/// `"..."` is exactly what to type).
fn plain_quoted(text: &str) -> Option<String> {
    (!text.contains(['"', '\\', '\n', '\t'])).then(|| format!("\"{text}\""))
}

/// The verb of an arithmetic operator, for messages.
fn verb(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "subtract",
        BinOp::Mul => "multiply",
        _ => "divide",
    }
}

// ---- limits

/// Checking stopped: the definitions refer to each other too many times.
pub(crate) fn too_much_to_check(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooLarge,
        span,
        "the campaign is too large to check: its definitions refer to each other too many times",
        "checking stopped here",
    )
    .with_help(format!(
        "simplify the campaign: define shared parts once with `{}` and use fewer nested list definitions",
        surface.spell(Keyword::Let)
    ))
}

// ---- literals, dates and times

/// A text listed again (at `span`) in a set of texts. Fix: delete it, from the end of the item
/// before it (`previous`), with the comma between.
pub(crate) fn duplicate_set_item(span: Span, text: &str, previous: Span) -> Diagnostic {
    Diagnostic::warning(
        Code::DuplicateSetItem,
        span,
        format!("\"{text}\" is listed twice"),
        "listed again",
    )
    .with_help("remove the repeated text")
    .with_fix(Span::new(previous.end, span.end), "", "remove the repeated text")
}

/// A duration too long to hold.
pub(crate) fn duration_too_long(span: Span) -> Diagnostic {
    Diagnostic::error(Code::NumberTooLarge, span, "this duration is too long", "too long")
        .with_help("durations up to about 290 years are supported")
}

/// A date (written `text`) that is not on the calendar.
pub(crate) fn date_not_on_calendar(span: Span, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        format!("`{text}` is not a date on the calendar"),
        "no such date",
    )
    .with_help("check the month (1–12) and the day of the month")
}

/// A time after `24:00` (such as `24:00:01`).
pub(crate) fn time_past_end_of_day(span: Span, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        format!("`{text}` is not a time of day"),
        "no such time",
    )
    .with_help("`24:00` is the only time after `23:59:59`; it means the end of the day (the next day's 00:00)")
}

/// A time with an hour, minute or second out of range.
pub(crate) fn time_out_of_range(span: Span, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        format!("`{text}` is not a time of day"),
        "no such time",
    )
    .with_help("hours run from 00 to 23 (or `24:00` for the end of a day), minutes and seconds from 00 to 59")
}

/// A time (written `text`) with more than nine digits after the seconds' point.
pub(crate) fn time_beyond_nanoseconds(span: Span, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        format!("`{text}` has more than 9 digits after the seconds' point"),
        "beyond nanoseconds",
    )
    .with_help("times are counted to the nanosecond: write at most 9 digits after the point")
}

/// A date and time (written `text`) outside years 0000 to 9999 in UTC.
pub(crate) fn date_out_of_range(span: Span, text: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidDate,
        span,
        format!("`{text}` is out of range"),
        "out of range",
    )
    .with_help("dates and times run from 0000-01-01 00:00 UTC to the end of 9999 UTC")
}

/// A local time that happens twice in `zone` (the clocks go back).
pub(crate) fn local_time_twice(span: Span, text: &str, zone: &str) -> Diagnostic {
    Diagnostic::error(
        Code::AmbiguousLocalTime,
        span,
        format!("`{text}` happens twice in {zone} (the clocks go back)"),
        "ambiguous time",
    )
    .with_help("add the offset to say which one, e.g. `2024-11-03 01:30 -07:00`")
}

/// A local time that does not exist in `zone` (the clocks go forward).
pub(crate) fn local_time_skipped(span: Span, text: &str, zone: &str) -> Diagnostic {
    Diagnostic::error(
        Code::AmbiguousLocalTime,
        span,
        format!("`{text}` does not exist in {zone} (the clocks go forward)"),
        "skipped time",
    )
    .with_help("choose a time outside the daylight-saving change")
}

// ---- windows

/// An end of a window that is `ty` rather than a timestamp.
pub(crate) fn window_end_not_timestamp(span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("a window runs between two timestamps, but this is {ty}"),
        "not a timestamp",
    )
    .with_help("write a date and time such as `2024-08-16 15:00`")
}

/// A window `.. DATE` (the end written `end`) that leaves its last day out. Fix, when the end
/// is a date as written (`literal`): `DATE 24:00`, the first way the help names; or, for the
/// first day of a month (`day_before` is the day before it), `DAY_BEFORE 24:00`, which keeps
/// the window as written and says so.
pub(crate) fn window_end_excludes_day(
    surface: Surface,
    span: Span,
    end: &str,
    day_before: Option<&str>,
    literal: bool,
) -> Diagnostic {
    let through = surface.spell(Keyword::Through);
    let d = Diagnostic::error(
        Code::AmbiguousWindowEnd,
        span,
        "a window written with `..` excludes its end, so this day would not be in it",
        "the start of this day",
    );
    let (d, replacement) = match day_before {
        Some(before) => (
            d.with_help(format!(
                "to end the window with `{before}`, write `{before} 24:00` (or `{through} {before}`); to include `{end}` as well, write `{end} 24:00`"
            )),
            format!("{before} 24:00"),
        ),
        None => (
            d.with_help(format!(
                "to include the whole day write `{end} 24:00`, or write the range with `{through}`"
            )),
            format!("{end} 24:00"),
        ),
    };
    if literal {
        let title = format!("write `{replacement}`");
        d.with_fix(span, replacement, title)
    } else {
        d
    }
}

/// A window whose end (written at `end`) is before its start (written at `start`), or at it.
pub(crate) fn window_backwards(start: Span, end: Span) -> Diagnostic {
    Diagnostic::error(
        Code::WindowBackwards,
        end,
        "the window ends before it starts",
        "the end, before the start",
    )
    .with_label(start, "the start")
    .with_help("write the earlier time first: `START .. END`")
}

// ---- unary operators, unknowns and conversions

/// `-x` of `ty`, which is not a number.
pub(crate) fn negation_of_non_number(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("only numbers can be negated, but this is {ty}"),
        "remove the `-`",
    )
}

/// `not x` of `ty`, which is not a condition.
pub(crate) fn not_of_non_condition(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    let not = surface.spell(Keyword::Not);
    wrong_kind_here(
        span,
        format!("`{not}` needs a condition, but this is {ty}"),
        format!("`{not}` goes before a yes/no fact or a comparison"),
    )
}

/// `x is known` (`known`) or `x is unknown` of `x` (written `value`) that is never unknown.
pub(crate) fn needless_known_test(surface: Surface, span: Span, value: &str, known: bool) -> Diagnostic {
    Diagnostic::warning(
        Code::NeedlessUnknownRule,
        span,
        format!(
            "`{value}` is never unknown, so this test is always {}",
            if known { "true" } else { "false" }
        ),
        "always the same",
    )
    .with_help(format!(
        "only optional facts (`, {}`) and values computed from them can be unknown; remove the test",
        surface.spell(Keyword::Optional)
    ))
}

/// `if unknown ...` after `value`, which is never unknown. `span` runs from the end of the
/// value to the end of the rule. Fix: remove the rule.
pub(crate) fn needless_if_unknown(surface: Surface, span: Span, value: &str) -> Diagnostic {
    let if_unknown = surface.spell(Keyword::IfUnknown);
    Diagnostic::warning(
        Code::NeedlessUnknownRule,
        span,
        format!("`{value}` is never unknown, so `{if_unknown}` has no effect"),
        "never used",
    )
    .with_help(format!("remove `{if_unknown} ...`"))
    .with_fix(span, "", format!("remove `{if_unknown} ...`"))
}

/// What unknown stands for (`default`, at `span`) of another kind than the value (`value`).
/// Fix, for an amount: `0` in its unit, which the help names.
pub(crate) fn unknown_default_wrong_kind(surface: Surface, span: Span, value: &Ty, default: &Ty) -> Diagnostic {
    let if_unknown = surface.spell(Keyword::IfUnknown);
    let d = Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("what unknown stands for must be {value} like the value, but this is {default}"),
        "wrong kind",
    );
    match value {
        Ty::Bool => d.with_help(format!(
            "write `{}` or `{}`",
            surface.spell(Keyword::IfUnknownTrue),
            surface.spell(Keyword::IfUnknownFalse)
        )),
        Ty::Num(dim) => match dim.unit_label() {
            Some(u) => d.with_help(format!("write `{if_unknown} 0 {u}`")).with_fix(
                span,
                format!("0 {u}"),
                format!("write `{if_unknown} 0 {u}`"),
            ),
            None => d.with_help(format!("write a number, e.g. `{if_unknown} 0`")),
        },
        _ => d.with_help("write a value of the same kind"),
    }
}

/// `x as CODE` into a currency, which needs an exchange rate.
pub(crate) fn conversion_needs_rate(surface: Surface, span: Span, currency: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("converting into {currency} needs an exchange rate"),
        "currency conversion",
    )
    .with_help(format!(
        "multiply by a rate instead; `{}` converts money into a declared unit such as points",
        surface.spell(Keyword::As)
    ))
}

/// `x as UNIT` of `ty`, which is not an amount.
pub(crate) fn conversion_of_non_amount(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "only amounts can be converted with `{}`, but this is {ty}",
            surface.spell(Keyword::As)
        ),
        "convert an amount of money or a count",
    )
}

// ---- `is waitlisted`

/// `is waitlisted` after something that is not a name.
pub(crate) fn waitlisted_needs_reward_name(surface: Surface, span: Span) -> Diagnostic {
    let waitlisted = surface.spell(Keyword::IsWaitlisted);
    wrong_kind_here(
        span,
        format!("`{waitlisted}` follows the name of a reward with a budget"),
        format!("write `REWARD {waitlisted}`"),
    )
}

/// `REWARD is waitlisted` of a reward without a budget.
pub(crate) fn waitlisted_without_budget(surface: Surface, span: Span, reward: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("the reward `{reward}` has no budget, so it is never waitlisted"),
        "no budget",
    )
    .with_help(format!(
        "add `, {} ... {} by ...` to the reward, or remove this test",
        surface.spell(Keyword::Budget),
        surface.spell(Keyword::FirstComeFirstServed)
    ))
}

// ---- `pool_claims`, `pool_claimants`

/// `pool_claims(...)` (the function `name`) given `given` values rather than one reward.
pub(crate) fn pool_stat_wrong_arity(span: Span, name: &str, given: usize) -> Diagnostic {
    Diagnostic::error(
        Code::WrongArity,
        span,
        format!("`{name}` takes the name of one reward, not {given} values"),
        "wrong number of values",
    )
    .with_help(format!("write `{name}(REWARD)` with a reward that has a budget"))
}

/// `pool_claims(reward)` in the amount of `reward` itself.
pub(crate) fn pool_stat_in_own_amount(span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("a reward's amount cannot read its own pool with `{name}`: the pool is shared out from the amounts"),
        "reads its own pool",
    )
    .with_help(format!("read `{name}` in a value shown beside the reward"))
}

/// `pool_claims(x)` where `x` is not a name.
pub(crate) fn pool_stat_needs_reward_name(span: Span, name: &str) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("`{name}` reads the budget of a reward, named here"),
        format!("write `{name}(REWARD)` with a reward that has a budget"),
    )
}

/// `pool_claims(reward)` of a reward without a budget.
pub(crate) fn pool_stat_without_budget(surface: Surface, span: Span, name: &str, reward: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("the reward `{reward}` has no budget, so `{name}` has no pool to read"),
        "no budget",
    )
    .with_help(format!(
        "add a budget to the reward (`, {} 20000 CNY {}, {}`), or remove `{name}`",
        surface.spell(Keyword::Budget),
        surface.spell(Keyword::InTotal),
        surface.spell(Keyword::SplitProRata),
    ))
}

/// Where a reward's name was written: what the help says follows it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RewardRef<'n> {
    /// `NAME is waitlisted`.
    Waitlisted,
    /// `NAME is earned`.
    Earned,
    /// `pool_claims(NAME)`, `pool_claimants(NAME)`: the function's name.
    Pool(&'n str),
}

/// A reward's name (in `is waitlisted`, `is earned` or a pool function) that names no reward;
/// `rewards` are the rewards there are. Fix: the reward the help suggests.
pub(crate) fn unknown_reward<'a>(
    surface: Surface,
    span: Span,
    name: &str,
    rewards: impl IntoIterator<Item = &'a str>,
    written_in: RewardRef<'_>,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownName,
        span,
        format!("there is no reward `{name}`"),
        "unknown reward",
    );
    match closest(name, rewards) {
        Some(s) => d
            .with_help(format!("did you mean `{s}`?"))
            .with_fix(span, s, format!("write `{s}`")),
        None => d.with_help(match written_in {
            RewardRef::Waitlisted => format!(
                "`{}` follows the name of a reward with a budget",
                surface.spell(Keyword::IsWaitlisted)
            ),
            RewardRef::Earned => format!(
                "`{}` follows the name of a reward written above",
                surface.spell(Keyword::IsEarned)
            ),
            RewardRef::Pool(function) => format!("`{function}` takes the name of a reward with a budget"),
        }),
    }
}

// ---- function calls

/// A call of `name`, which is no function; `functions` are the ones there are. Fix: the
/// function the help suggests.
pub(crate) fn unknown_function<'a>(
    surface: Surface,
    span: Span,
    name: &str,
    functions: impl IntoIterator<Item = &'a str>,
) -> Diagnostic {
    let names: Vec<&str> = functions.into_iter().collect();
    let d = Diagnostic::error(
        Code::UnknownFunction,
        span,
        format!("there is no function `{name}`"),
        "unknown function",
    );
    match closest(name, names.iter().copied()) {
        Some(s) => d
            .with_help(format!("did you mean `{s}`?"))
            .with_fix(span, s, format!("write `{s}`")),
        None => d.with_help(format!(
            "the functions are {}; aggregates are written `sum {} list`",
            listed(&names),
            surface.spell(Keyword::Of)
        )),
    }
}

/// Names in backquotes: `a`, `b` and `c`.
fn listed(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// `min(x)` or `max(x)` (the function `name`) with fewer than two values.
pub(crate) fn min_max_too_few(surface: Surface, span: Span, name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::WrongArity,
        span,
        format!("`{name}` compares at least two values"),
        "too few values",
    )
    .with_help(format!(
        "write `{name}(a, b)`; for the {name} of a list write `{name} {} list`",
        surface.spell(Keyword::Of)
    ))
}

/// A value of `min`/`max` (the function `name`) of `ty`, which has no order.
pub(crate) fn min_max_of_unordered(surface: Surface, span: Span, name: &str, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("`{name}` picks among numbers, amounts, timestamps or durations, but this is {ty}"),
        format!(
            "use `{}`/`{}` to combine yes/no values",
            surface.spell(Keyword::And),
            surface.spell(Keyword::Or)
        ),
    )
}

/// Values of `min`/`max` (the function `name`) of two kinds, `first` and `ty`.
pub(crate) fn min_max_of_mixed_kinds(span: Span, name: &str, first: &Ty, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("`{name}` compares values of one kind: {first} and {ty}"),
        "give every value the same unit",
    )
}

/// A calendar function `name`, which takes `arity` values, given `given`.
pub(crate) fn calendar_wrong_arity(span: Span, name: &str, arity: usize, given: usize) -> Diagnostic {
    Diagnostic::error(
        Code::WrongArity,
        span,
        format!(
            "`{name}` takes {arity} value{}, not {given}",
            if arity == 1 { "" } else { "s" }
        ),
        "wrong number of values",
    )
    .with_help(match arity {
        1 if matches!(name, "start_of" | "end_of") => format!("write `{name}(window)`"),
        1 => format!("write `{name}(timestamp)`"),
        _ => format!("write `{name}(a, b)`"),
    })
}

/// What a calendar function takes in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CalendarArg {
    /// A timestamp.
    Timestamp,
    /// A whole number of days or months.
    Number,
    /// A window or a period.
    Window,
}

/// A value of a calendar function `name` of `ty`, where it needs something else (`wanted`).
pub(crate) fn calendar_wrong_argument(span: Span, name: &str, wanted: CalendarArg, ty: &Ty) -> Diagnostic {
    let help = match wanted {
        // The likeliest mix-up: the start of a timestamp's own day, week or month.
        CalendarArg::Window if *ty == Ty::Time => {
            "for a timestamp's day, week or month write `start_of_day`, `start_of_week` or `start_of_month`"
        }
        _ => "see docs/language.md, calendar functions",
    };
    let wanted = match wanted {
        CalendarArg::Timestamp => "a timestamp",
        CalendarArg::Number => "a whole number",
        CalendarArg::Window => "a window or a period (`month` in a per-month definition)",
    };
    wrong_kind_here(span, format!("`{name}` needs {wanted} here, but this is {ty}"), help)
}

// ---- membership (`in`) and choices

/// `x in WINDOW` of `ty`, which is not a timestamp.
pub(crate) fn in_window_of_non_timestamp(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("only timestamps can be in a window, but this is {ty}"),
        "test a timestamp fact",
    )
}

/// A choice fact tested against a set that is not written in the campaign.
pub(crate) fn choice_in_computed_set(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "a choice can only be tested against a set written in the campaign".into(),
        "write the set of choices",
    )
}

/// `x in TARGET` where the target is `ty`, neither a window nor a set.
pub(crate) fn in_target_not_window_or_set(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "`{}` needs a window or a set, but this is {ty}",
            surface.spell(Keyword::In)
        ),
        "write a window name, a range `A .. B`, or a set `{\"a\", \"b\"}`",
    )
}

/// `x in ...` of `ty`, neither a timestamp nor a text.
pub(crate) fn in_of_wrong_kind(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!(
            "`{}` tests a timestamp against a window or a text against a set, but this is {ty}",
            surface.spell(Keyword::In)
        ),
        "compare numbers with `<`, `≥`...",
    )
}

/// A text `item` compared with a choice fact that is none of its `choices`. `written`: where
/// the text is written in quotes, to be replaced by the choice the help suggests (the fix).
pub(crate) fn unknown_choice(span: Span, item: &str, choices: &[String], written: &[Span]) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownEnumValue,
        span,
        format!(
            "\"{item}\" is not one of the choices: {}",
            choices
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "not a choice",
    );
    match closest(item, choices.iter().map(String::as_str)) {
        Some(s) => {
            let d = d.with_help(format!("did you mean \"{s}\"?"));
            match plain_quoted(s) {
                Some(quoted) => written
                    .iter()
                    .fold(d, |d, at| d.with_fix(*at, quoted.clone(), format!("write {quoted}"))),
                None => d,
            }
        }
        None => d.with_help("add it to the fact's `one of` list, or correct the text"),
    }
}

// ---- binary operators

/// `and`/`or` (`op`) joining `ty`, which is not a condition.
pub(crate) fn join_of_non_condition(surface: Surface, span: Span, op: BinOp, ty: &Ty) -> Diagnostic {
    let word = match op {
        BinOp::And => surface.spell(Keyword::And),
        BinOp::Or => surface.spell(Keyword::Or),
        other => other.symbol(),
    };
    wrong_kind_here(
        span,
        format!("`{word}` joins conditions, but this is {ty}"),
        "compare it with something first",
    )
}

/// `x × y` of two quantities (`x` and `y`), which has no meaning.
pub(crate) fn meaningless_product(span: Span, x: &Dim, y: &Dim) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("multiplying {x} by {y} has no meaning"),
        "two amounts multiplied",
    )
    .with_help("multiply an amount by a rate or a count, e.g. `gmv × 1%` or `new_active × 100 CNY`")
}

/// `x ÷ y` of quantities in different units (`x` and `y`).
pub(crate) fn meaningless_division(span: Span, x: &Dim, y: &Dim) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("dividing {x} by {y} has no meaning"),
        "mismatched division",
    )
    .with_help("divide amounts of the same unit (a ratio), or an amount by a number")
}

/// A division by the constant 0.
pub(crate) fn division_by_zero(span: Span) -> Diagnostic {
    Diagnostic::error(Code::TypeMismatch, span, "division by zero", "zero").with_help("divide by a number other than 0")
}

/// Arithmetic (`op`) on `x` and `y`, which it does not apply to.
pub(crate) fn arithmetic_on_wrong_kinds(span: Span, op: BinOp, x: &Ty, y: &Ty) -> Diagnostic {
    let help = match (x, y) {
        (Ty::Time, Ty::Num(_)) | (Ty::Num(_), Ty::Time) => "add a duration to a timestamp: `applied_at - 60 days`",
        _ => "arithmetic works on numbers, amounts, timestamps and durations",
    };
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("cannot {} {x} and {y}", verb(op)),
        "here",
    )
    .with_help(help)
}

/// `+`/`-` (`op`) of a plain number (written `number`) and `other`, in `unit`. Fix, when the
/// number is written as digits (`digits`): the number with the unit.
pub(crate) fn sum_with_bare_number(
    span: Span,
    op: BinOp,
    other: &Dim,
    number: &str,
    unit: &str,
    digits: bool,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::BareNumber,
        span,
        format!("cannot {} a plain number and {other}", verb(op)),
        "no unit",
    )
    .with_help(format!("write the unit: `{number} {unit}`"));
    if digits {
        d.with_fix(span, format!("{number} {unit}"), format!("write `{number} {unit}`"))
    } else {
        d
    }
}

/// `+`/`-` (`op`) of a percentage and a plain number (`x` and `y`); `literal` is the value of
/// the number when it is written as one. Fix: the literal as a percentage.
pub(crate) fn sum_with_percentage(span: Span, op: BinOp, x: &Dim, y: &Dim, literal: Option<Decimal>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::PercentExpected,
        span,
        format!("cannot {} {x} and {y}", verb(op)),
        "not a percentage",
    );
    match literal {
        Some(n) => {
            d.with_help(format!("did you mean `{n}%`?"))
                .with_fix(span, format!("{n}%"), format!("write `{n}%`"))
        }
        None => d.with_help("write percentages with `%`, e.g. `1%`"),
    }
}

/// `+`/`-` (`op`) of quantities in different units (`x` and `y`).
pub(crate) fn sum_of_different_units(surface: Surface, span: Span, op: BinOp, x: &Dim, y: &Dim) -> Diagnostic {
    let help = match (x, y) {
        (Dim::Money(c1), Dim::Money(c2)) => {
            format!("{c1} and {c2} are different currencies; convert one with an explicit rate first")
        }
        _ => format!(
            "both sides must be in the same unit; convert with `{} UNIT` where the announcement says so",
            surface.spell(Keyword::As)
        ),
    };
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("cannot {} {x} and {y}", verb(op)),
        "different units",
    )
    .with_help(help)
}

// ---- comparisons

/// A choice fact compared with a text that is not written in the campaign.
pub(crate) fn choice_compared_with_computed_text(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "a choice fact can only be compared with a text written in the campaign".into(),
        "write the choice in quotes, e.g. `store_status = \"normal\"`",
    )
}

/// A timestamp compared with a number (at `span`).
pub(crate) fn timestamp_compared_with_number(span: Span) -> Diagnostic {
    wrong_kind_here(
        span,
        "a timestamp can only be compared with another timestamp".into(),
        "write a date and time such as `2022-12-31 23:59:59`",
    )
}

/// A duration compared with a number (at `span`); `literal` is its value when written as one.
/// Fix: the number in days, the unit the help names.
pub(crate) fn duration_compared_with_number(span: Span, literal: Option<Decimal>) -> Diagnostic {
    let d = Diagnostic::error(
        Code::BareNumber,
        span,
        "a duration is compared with a number without a time unit",
        "no time unit",
    );
    match literal {
        Some(n) => d
            .with_help(format!("write the unit: `{n} days` (or hours, minutes, weeks)"))
            .with_fix(span, format!("{n} days"), format!("write `{n} days`")),
        None => d.with_help("write a duration such as `30 days`"),
    }
}

/// The help of the messages about comparing values of different kinds.
fn compare_same_kinds(surface: Surface) -> String {
    format!(
        "compare values of the same kind: amounts with amounts, timestamps with timestamps, texts with `=` or `{}`",
        surface.spell(Keyword::In)
    )
}

/// Values of `ty`, which have no order, compared with `op`.
pub(crate) fn cannot_order(surface: Surface, span: Span, ty: &Ty, op: BinOp) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("{ty} cannot be ordered with `{}`", op.symbol()),
        "here",
    )
    .with_help(compare_same_kinds(surface))
}

/// `x` compared with `y`, of different kinds.
pub(crate) fn cannot_compare(surface: Surface, span: Span, x: &Ty, y: &Ty) -> Diagnostic {
    Diagnostic::error(Code::TypeMismatch, span, format!("cannot compare {x} with {y}"), "here")
        .with_help(compare_same_kinds(surface))
}

/// A plain number (written `number`, of value `n`) compared with a percentage. Fix: the same
/// number as a percentage, `2` → `2%`, or `0.05` → `5%` for a fraction written as a decimal.
pub(crate) fn compared_with_percentage_without_percent(span: Span, number: &str, n: Decimal) -> Diagnostic {
    let (percent, help) = if n >= Decimal::ONE {
        let percent = format!("{n}%");
        let help = format!("did you mean `{percent}`?");
        (percent, help)
    } else {
        let percent = format!("{}%", (n * Decimal::ONE_HUNDRED).normalize());
        let help = format!("did you mean `{percent}`? a fraction is written as a percentage");
        (percent, help)
    };
    Diagnostic::error(
        Code::PercentExpected,
        span,
        format!("`{number}` is compared with a percentage but has no `%`"),
        "plain number",
    )
    .with_help(help)
    .with_fix(span, percent.clone(), format!("write `{percent}`"))
}

/// A plain number (written `number`) compared with `other`, in `unit`. Fix, when the number is
/// written as digits (`digits`): the number with the unit.
pub(crate) fn compared_with_bare_number(span: Span, number: &str, other: &Dim, unit: &str, digits: bool) -> Diagnostic {
    let d = Diagnostic::error(
        Code::BareNumber,
        span,
        format!("`{number}` is compared with {other} but has no unit"),
        "no unit",
    )
    .with_help(format!("write the unit: `{number} {unit}`"));
    if digits {
        d.with_fix(span, format!("{number} {unit}"), format!("write `{number} {unit}`"))
    } else {
        d
    }
}

/// `x` compared with `y`, quantities in different units.
pub(crate) fn compared_in_different_units(span: Span, x: &Dim, y: &Dim) -> Diagnostic {
    let help = match (x, y) {
        (Dim::Money(c1), Dim::Money(c2)) => {
            format!("{c1} and {c2} are different currencies; convert one with an explicit rate first")
        }
        (Dim::Fraction, _) | (_, Dim::Fraction) => "write percentages with `%`, e.g. `2%`".into(),
        _ => "compare amounts in the same unit".into(),
    };
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("cannot compare {x} with {y}"),
        "different units",
    )
    .with_help(help)
}

/// A timestamp compared with a bare date (written `date`), which means that day's first instant;
/// `left_out`: whether the rest of the day is left out (else it is included).
pub(crate) fn date_only_comparison(span: Span, date: &str, left_out: bool) -> Diagnostic {
    Diagnostic::warning(
        Code::DateOnlyComparison,
        span,
        format!(
            "`{date}` means the start of that day (00:00), so the rest of the day is {}",
            if left_out { "left out" } else { "included" }
        ),
        "the day's first instant",
    )
    .with_help(format!(
        "to include the whole day write `{date} 23:59:59` or compare with `<` and the next day"
    ))
}
