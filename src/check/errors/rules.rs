//! Messages about conditions, rewards, budgets and modifiers (rounding, caps, payments, expiry).

use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::types::{Dim, Ty, UnitInfo};
use crate::syntax::ast::OutputKind;
use crate::syntax::keywords::{Keyword, Surface};

use super::expressions::wrong_kind_here;

// ---- the `eligible when` block and its conditions

/// A second `eligible when` block; `first` is the first one.
pub(crate) fn two_eligible_blocks(surface: Surface, span: Span, first: Span) -> Diagnostic {
    let eligible = surface.spell(Keyword::EligibleWhen);
    Diagnostic::error(
        Code::DuplicateItem,
        span,
        format!("the campaign has two `{eligible}` blocks"),
        "second block",
    )
    .with_label(first, "first block")
    .with_help(format!(
        "put all conditions in one `{eligible}` block: every one of them must hold"
    ))
}

/// An `eligible when` block with more than `limit` conditions.
pub(crate) fn too_many_conditions(surface: Surface, span: Span, count: usize, limit: usize) -> Diagnostic {
    Diagnostic::error(
        Code::TooLarge,
        span,
        format!(
            "`{}` has {count} conditions, more than the limit of {limit}",
            surface.spell(Keyword::EligibleWhen)
        ),
        "too many conditions",
    )
    .with_help(format!(
        "split the announcement into several campaigns, or group conditions with `{}`",
        surface.spell(Keyword::Let)
    ))
}

/// An `eligible when` block without conditions (a warning: everyone is eligible).
pub(crate) fn empty_eligible_block(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::warning(
        Code::NothingToCheck,
        span,
        format!(
            "`{}` has no conditions, so every record is eligible",
            surface.spell(Keyword::EligibleWhen)
        ),
        "empty block",
    )
    .with_help("add the announcement's conditions, or remove the block if everyone qualifies")
}

/// A reward's `when { }` block without conditions.
pub(crate) fn empty_reward_gate(surface: Surface, span: Span, reward: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::NothingToCheck,
        span,
        format!(
            "the `{}` block of `{reward}` has no conditions, so it adds nothing to `{}`",
            surface.spell(Keyword::When),
            surface.spell(Keyword::EligibleWhen)
        ),
        "empty block",
    )
    .with_help("add the conditions this reward alone needs, or remove the block")
}

/// A reward's `when` block with more conditions than the limit.
pub(crate) fn too_many_reward_conditions(
    surface: Surface,
    span: Span,
    reward: &str,
    count: usize,
    limit: usize,
) -> Diagnostic {
    Diagnostic::error(
        Code::TooLarge,
        span,
        format!(
            "the `{}` block of `{reward}` has {count} conditions, more than the limit of {limit}",
            surface.spell(Keyword::When)
        ),
        "too many conditions",
    )
    .with_help(format!(
        "group conditions with `{}` and test the groups",
        surface.spell(Keyword::Let)
    ))
}

/// A condition's reason text that is empty or blank.
pub(crate) fn empty_reason(span: Span) -> Diagnostic {
    Diagnostic::error(Code::EmptyReason, span, "the reason text is empty", "empty reason")
        .with_help("write the sentence a merchant should read when this condition fails")
}

/// A condition (at `condition`) without a reason text after it.
pub(crate) fn missing_reason(condition: Span) -> Diagnostic {
    let end = Span::new(condition.end, condition.end);
    Diagnostic::error(
        Code::MissingReason,
        condition,
        "this condition has no reason text",
        "no reason after this condition",
    )
    .with_label(end, "add the reason here, in quotes")
    .with_help("write the sentence a merchant should read when the condition fails, e.g. `store_score ≥ 4.2  \"店铺评分需≥4.2\"`")
}

/// A condition that is not true or false but `ty`.
pub(crate) fn condition_not_yes_no(span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("a condition must be true or false, but this is {ty}"),
        "not a condition",
    )
    .with_help("compare it with something, e.g. `counted_gmv > 10000 CNY`")
}

/// A condition that depends on whether a budget ran out.
pub(crate) fn eligibility_after_budget(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        "eligibility cannot depend on a budget's outcome",
        "uses the budget outcome",
    )
    .with_help(format!(
        "budgets are handed out to eligible records; use `{}` in a value instead",
        surface.spell(Keyword::IsWaitlisted)
    ))
}

// ---- unknowns

/// What needs a known value, for the message when it can be unknown without a rule for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unhandled {
    Condition,
    Filter,
    Reward,
    Cap,
    BudgetPeriod,
    QueueOrder,
    PaymentDate,
    Expiry,
}

impl Unhandled {
    /// The thing, as the message names it.
    fn word(self) -> &'static str {
        match self {
            Unhandled::Condition => "condition",
            Unhandled::Filter => "filter",
            Unhandled::Reward => "reward",
            Unhandled::Cap => "cap",
            Unhandled::BudgetPeriod => "budget period",
            Unhandled::QueueOrder => "queue order",
            Unhandled::PaymentDate => "payment date",
            Unhandled::Expiry => "expiry",
        }
    }

    /// How to say what unknown means for it.
    fn help(self, surface: Surface) -> String {
        let (unknown_false, unknown_true) = (
            surface.spell(Keyword::IfUnknownFalse),
            surface.spell(Keyword::IfUnknownTrue),
        );
        let if_unknown = surface.spell(Keyword::IfUnknown);
        match self {
            Unhandled::Condition => format!(
                "say what unknown means: end the condition with `{unknown_false}` (unknown fails) or `{unknown_true}` (unknown passes)"
            ),
            Unhandled::Filter => format!(
                "say whether a record with unknown data counts: add `{unknown_false}` (it does not) or `{unknown_true}` (it does)"
            ),
            Unhandled::Reward => format!(
                "a payout must be a number: add `{if_unknown} 0 CNY` (or the right unit), or require the fact in a condition"
            ),
            Unhandled::Cap
            | Unhandled::BudgetPeriod
            | Unhandled::QueueOrder
            | Unhandled::PaymentDate
            | Unhandled::Expiry => format!("say what unknown means with `{if_unknown} ...`"),
        }
    }
}

/// A `what` (condition, filter, reward...) that can be unknown, because the optional facts
/// `names` (or, when none is named, some value in it) can be, with no rule for what unknown means.
pub(crate) fn unknown_not_handled(surface: Surface, span: Span, what: Unhandled, names: &[String]) -> Diagnostic {
    let subject = match names {
        [] => "a value in it".to_string(),
        [one] => format!("`{one}`"),
        [rest @ .., last] => format!(
            "{} and `{last}`",
            rest.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        ),
    };
    Diagnostic::error(
        Code::UnknownNotHandled,
        span,
        format!("this {} can be unknown, because {subject} can be unknown", what.word()),
        "may be unknown",
    )
    .with_help(what.help(surface))
}

/// Where an unknown comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UnknownRoot {
    /// An optional fact, missing or `null` in a record.
    OptionalFact(String),
    /// A value that can be unknown by itself: a division by a value that can be 0, a table with
    /// no row (or band) for a case.
    Computed(String),
}

/// A reward that can be unknown, because `names` can be, themselves unknown because of `roots`.
/// The help points at the roots: `if unknown 0 CNY` on the whole amount would pay nothing
/// whenever a fact is missing, which waives a fee written as a reward.
pub(crate) fn unknown_payable(surface: Surface, span: Span, names: &[String], roots: &[UnknownRoot]) -> Diagnostic {
    let d = unknown_not_handled(surface, span, Unhandled::Reward, names);
    let if_unknown = surface.spell(Keyword::IfUnknown);
    let optional = surface.spell(Keyword::Optional);
    let facts: Vec<&str> = roots
        .iter()
        .filter_map(|r| match r {
            UnknownRoot::OptionalFact(f) => Some(f.as_str()),
            UnknownRoot::Computed(_) => None,
        })
        .collect();
    let computed: Vec<&str> = roots
        .iter()
        .filter_map(|r| match r {
            UnknownRoot::Computed(v) => Some(v.as_str()),
            UnknownRoot::OptionalFact(_) => None,
        })
        .collect();
    let quoted = |xs: &[&str]| xs.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if let Some(first) = facts.first() {
        parts.push(format!(
            "{} {} {optional}: make it required in `facts` (remove `{optional}`), or say what a missing value means where it is used (`{first} {if_unknown} ...`)",
            quoted(&facts),
            if facts.len() == 1 { "is" } else { "are" },
        ));
    }
    if let Some(first) = computed.first() {
        parts.push(format!(
            "{} can be unknown by {} (a division by 0, or a case no row covers): say what that means in its definition (`{first} = ... {if_unknown} ...`)",
            quoted(&computed),
            if computed.len() == 1 { "itself" } else { "themselves" },
        ));
    }
    if parts.is_empty() {
        return d;
    }
    d.with_help(format!(
        "{}; `{if_unknown} 0` on the whole amount would pay nothing (or waive a fee) whenever it is unknown",
        parts.join("; ")
    ))
}

// ---- rewards

/// A reward whose amount is a plain number, without a unit.
pub(crate) fn reward_without_unit(surface: Surface, span: Span, reward: &str) -> Diagnostic {
    Diagnostic::error(
        Code::BareNumber,
        span,
        format!("the reward `{reward}` has no unit"),
        "a plain number",
    )
    .with_help(format!(
        "say what is paid: multiply by an amount (`new_active × 100 CNY`) or convert with `{} points`",
        surface.spell(Keyword::As)
    ))
}

/// A reward whose amount is not an amount but `ty`.
pub(crate) fn reward_not_an_amount(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("a reward must be an amount, but this is {ty}"),
        "not an amount",
    )
    .with_help(format!(
        "write an amount such as `counted_gmv × 0.9% {} points` or `100 CNY`",
        surface.spell(Keyword::As)
    ))
}

/// A reward whose amount depends on whether a budget ran out.
pub(crate) fn reward_after_budget(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        "a reward cannot depend on a budget's outcome",
        "uses the budget outcome",
    )
    .with_help(format!(
        "budgets are allocated from the rewards' amounts; use `{}` in a value instead",
        surface.spell(Keyword::IsWaitlisted)
    ))
}

/// A reward (its amount at `amount`) that can have more decimals than `unit` pays, without a
/// rounding rule. Fix: `, rounded down` after the amount, the rounding the help names first.
pub(crate) fn missing_rounding(surface: Surface, amount: Span, reward: &str, unit: &UnitInfo) -> Diagnostic {
    let down = surface.spell(Keyword::RoundedDown);
    Diagnostic::error(
        Code::MissingRounding,
        amount,
        format!(
            "the reward `{reward}` can have more decimals than {} pays, and no rounding is given",
            unit.name
        ),
        "may need rounding",
    )
    .with_help(format!(
        "add `, {down}` (or `{}`, `{}`) after the amount: {} is paid in steps of {}",
        surface.spell(Keyword::RoundedHalfUp),
        surface.spell(Keyword::RoundedUp),
        unit.name,
        unit.precision
    ))
    .with_fix(
        Span::new(amount.end, amount.end),
        format!(", {down}"),
        format!("add `, {down}`"),
    )
}

// ---- budgets

/// A budget on a reward settled per period.
pub(crate) fn budget_on_per_period_reward(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "a reward settled per period cannot draw on a budget",
        "budget here",
    )
    .with_help("budgets apply to rewards paid once per record")
}

/// A second budget on one reward.
pub(crate) fn second_budget(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "a reward can draw on one budget only",
        "second budget",
    )
    .with_help("remove one of the budgets")
}

/// A budget on a value rather than a reward.
pub(crate) fn budget_not_on_reward(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "only rewards can draw on a budget",
        "budget here",
    )
    .with_help("move the budget to the reward")
}

/// A budget, a payout in parts or an expiry (`what`, at `span`) on a fee.
pub(crate) fn fee_modifier(surface: Surface, span: Span, what: Keyword) -> Diagnostic {
    let what = surface.spell(what);
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        format!("a fee cannot have `{what}`"),
        format!("`{what}` here"),
    )
    .with_help(format!(
        "a fee is owed by the record, not paid out to it: it is rounded and bounded (`{}`, `{}`) \
         like a reward, but it draws on no budget, is not paid in parts and does not expire",
        surface.spell(Keyword::AtMost),
        surface.spell(Keyword::AtLeast)
    ))
}

/// A modifier that a reward computed per item (`per item of orders`) cannot have.
pub(crate) fn per_item_modifier(surface: Surface, span: Span, what: Keyword) -> Diagnostic {
    let what = surface.spell(what);
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        format!("an amount computed per item cannot have `{what}`"),
        format!("`{what}` here"),
    )
    .with_help(format!(
        "each item's amount is rounded on its own and `{}` caps the total, consumed in the list's \
         order; a cap or floor on each item is written in the amount (`min(..., 50 CNY)`); a \
         floor on the total, a budget, payment in parts and expiry apply to amounts paid once \
         per record",
        surface.spell(Keyword::AtMost)
    ))
}

/// `per item of shops.orders`: a list inside another list's items.
pub(crate) fn per_item_of_nested_list(span: Span, path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidScope,
        span,
        format!("an amount per item is computed for a list of the record, and `{path}` is inside another list"),
        "a list inside another list's items",
    )
    .with_help("compute the amount for each item of the outer list, with an aggregate over the inner list inside it")
}

/// A fee and a reward in one campaign: `span` is the name of the first output of the other kind
/// than the first one, declared at `first` as a `first_kind`.
pub(crate) fn mixed_outputs(surface: Surface, span: Span, first: Span, first_kind: OutputKind) -> Diagnostic {
    let (fee, reward) = (surface.spell(Keyword::Fee), surface.spell(Keyword::Reward));
    let this = surface.spell(match first_kind {
        OutputKind::Reward => Keyword::Fee,
        OutputKind::Fee => Keyword::Reward,
    });
    Diagnostic::error(
        Code::MixedOutputs,
        span,
        format!("a campaign declares rewards or fees, not both: this is a `{this}`"),
        format!("a `{this}`"),
    )
    .with_label(
        first,
        format!("the first amount is a `{}`", surface.spell(first_kind.keyword())),
    )
    .with_help(format!(
        "the conditions decide one thing, whether a record is eligible for the rewards or liable \
         for the fees: write the fees and the rewards as two campaigns, or one `{fee}` net of the \
         discount (or one `{reward}` net of the fee)"
    ))
}

/// A budget of `budget` for a reward paid in `reward`.
pub(crate) fn budget_unit_mismatch(span: Span, budget: &Ty, reward: &Dim) -> Diagnostic {
    Diagnostic::error(
        Code::UnitMismatch,
        span,
        format!("the budget is {budget}, but the reward is {reward}"),
        "budget amount",
    )
    .with_help("give the budget in the reward's unit, or as a count of rewards")
}

/// A budget amount that depends on the record.
pub(crate) fn budget_depends_on_facts(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "a budget must be the same for every record: it cannot depend on facts",
        "depends on facts",
    )
    .with_help(format!("use a number or a `{}`", surface.spell(Keyword::Parameter)))
}

/// A budget period (`per month of ...`) that follows `ty` rather than a timestamp.
pub(crate) fn budget_period_not_timestamp(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("budget periods follow a timestamp, but this is {ty}"),
        "not a timestamp",
    )
    .with_help(format!(
        "write the timestamp that decides the period, e.g. `{} month {} applied_at`",
        surface.spell(Keyword::Per),
        surface.spell(Keyword::Of)
    ))
}

/// A budget's queue ordered by `ty`, which has no order.
pub(crate) fn queue_order_not_orderable(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("records are served in the order of a timestamp, number or text, but this is {ty}"),
        "cannot be ordered",
    )
    .with_help(format!(
        "write what decides the queue, e.g. `{} by applied_at`",
        surface.spell(Keyword::FirstComeFirstServed)
    ))
}

/// `split pro rata per day` after a queue whose key is `ty`, not a timestamp.
pub(crate) fn last_split_not_timestamp(surface: Surface, span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::TypeMismatch,
        span,
        format!("claims are split by the day, week or month of the queue's key, but the key is {ty}"),
        "not a timestamp",
    )
    .with_help(format!(
        "serve the claims by the time they qualify, e.g. `{} by qualified_at`",
        surface.spell(Keyword::FirstComeFirstServed)
    ))
}

/// `paid ... on` on a reward whose budget may cut its claim.
pub(crate) fn paid_in_parts_from_split_budget(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "a reward paid in parts cannot draw on a budget that splits claims",
        "splits claims",
    )
    .with_help(format!(
        "pay a split share in one payment (remove `{}`), or serve claims whole with `{} by ...`",
        surface.spell(Keyword::Paid),
        surface.spell(Keyword::FirstComeFirstServed)
    ))
}

// ---- rounding and caps

/// A rounding of `ty`, which is not an amount.
pub(crate) fn rounding_not_an_amount(span: Span, ty: &Ty) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        format!("only amounts can be rounded, but this is {ty}"),
        "rounding",
    )
    .with_help("remove the rounding")
}

/// A rounding step (`to STEP`) that is not a power of ten.
pub(crate) fn rounding_step_not_power_of_ten(span: Span, step: Decimal) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidRounding,
        span,
        format!("rounding steps are powers of ten such as `1` or `0.01`, not `{step}`"),
        "not a power of ten",
    )
    .with_help("write `to 0.01` for fen, `to 1` for whole units")
}

/// `rounded ... to STEP` on a reward, with a step finer than its unit pays (`to 0.001` for CNY).
pub(crate) fn rounding_finer_than_unit(span: Span, step: Decimal, unit: &UnitInfo) -> Diagnostic {
    let payable = unit.precision.normalize().to_string();
    Diagnostic::error(
        Code::InvalidRounding,
        span,
        format!(
            "a reward in {} cannot be rounded to `{step}`, finer than it pays (steps of {payable})",
            unit.name
        ),
        "finer than payable",
    )
    .with_help(format!("round to the payable step or a coarser one: `to {payable}`"))
    .with_fix(span, payable.clone(), format!("round to `{payable}`"))
}

/// A rounding without a step of a number that has no unit to take the step from.
pub(crate) fn rounding_without_step(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidRounding,
        span,
        "say what to round to: this number has no unit with a payable step",
        "rounding without a step",
    )
    .with_help(format!(
        "add the step: `{} to 0.01`",
        surface.spell(Keyword::RoundedHalfUp)
    ))
}

/// A second rounding of one amount.
pub(crate) fn rounded_twice(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "the amount is rounded twice",
        "second rounding",
    )
    .with_help("keep one rounding")
}

/// A floor (`at least`) on a reward settled per period.
pub(crate) fn floor_on_per_period_reward(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "a floor on a reward settled per period is not supported",
        "floor here",
    )
    .with_help(format!(
        "put the floor on a per-period value (`{} x {} month {} ... = ..., {} ...`) and pay that",
        surface.spell(Keyword::Let),
        surface.spell(Keyword::Per),
        surface.spell(Keyword::In),
        surface.spell(Keyword::AtLeast)
    ))
}

/// A cap (written `cap`) that is not a whole number of `unit`'s payable steps.
pub(crate) fn cap_finer_than_unit(span: Span, cap: &str, unit: &UnitInfo) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        format!("`{cap}` is finer than {} pays (steps of {})", unit.name, unit.precision),
        "not payable",
    )
    .with_help("write the cap in whole payable steps")
}

// ---- payouts in parts and expiry

/// A second `paid ... on ...` on one reward.
pub(crate) fn payout_twice(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "the payout is given twice",
        "second payout",
    )
    .with_help(format!(
        "write all the parts in one `{} ... {} ...`",
        surface.spell(Keyword::Paid),
        surface.spell(Keyword::And)
    ))
}

/// `paid ... on ...` on a value rather than a reward.
pub(crate) fn payout_in_parts_not_on_reward(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "only a reward can be paid in parts",
        "payout here",
    )
    .with_help(format!(
        "move `{} ... on ...` to the reward",
        surface.spell(Keyword::Paid)
    ))
}

/// The shares of a payout in parts, which add up to `total` percent rather than 100.
pub(crate) fn payout_parts_not_whole(surface: Surface, span: Span, total: Decimal) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        format!("the parts add up to {}%, not 100%", total.normalize()),
        "parts of the payout",
    )
    .with_help(format!(
        "make the shares add up to exactly 100%, e.g. `{} 90% on ... {} 10% on ...`",
        surface.spell(Keyword::Paid),
        surface.spell(Keyword::And)
    ))
}

/// The date a part is paid on, which is `ty` rather than a timestamp.
pub(crate) fn payment_date_not_timestamp(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("a part is paid on a date, but this is {ty}"),
        "write a date such as `2024-10-01` or `add_months(start_of_month(as_of), 1)`",
    )
}

/// A second `expires ...` on one reward.
pub(crate) fn expiry_twice(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidModifier,
        span,
        "the expiry is given twice",
        "second expiry",
    )
    .with_help(format!("keep one `{} ...`", surface.spell(Keyword::Expires)))
}

/// `expires ...` on a value rather than a reward.
pub(crate) fn expiry_not_on_reward(surface: Surface, span: Span) -> Diagnostic {
    Diagnostic::error(Code::InvalidModifier, span, "only rewards expire", "expiry here")
        .with_help(format!("move `{} ...` to the reward", surface.spell(Keyword::Expires)))
}

/// The time a reward expires at, which is `ty` rather than a timestamp.
pub(crate) fn expiry_not_timestamp(span: Span, ty: &Ty) -> Diagnostic {
    wrong_kind_here(
        span,
        format!("a reward expires at a time, but this is {ty}"),
        "write a date such as `2024-12-31 24:00`",
    )
}
