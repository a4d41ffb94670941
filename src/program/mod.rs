//! The checked, compiled form of a campaign: what the interpreter runs.
//!
//! Every name is resolved to a slot: facts to `(frame, field)` positions,
//! definitions to indices in evaluation order, periods and windows to
//! instants. Nothing here is looked up by string while evaluating.
//!
//! A frame is an item binder: frame 0 is the top-level record, and each walk of a list
//! ([`ListExpr`]) binds its items at the frame after those in scope where it is written
//! ([`ListExpr::base`]), each level's list read from a named frame ([`ListLevel::frame`]).
//! So every fact and per-item field names the item it is read from ([`Ir::Fact`],
//! [`Ir::Derived`]) and the list it belongs to ([`Ir::Derived::level`]); which item an
//! unqualified name means is decided once, by the checker (innermost item first; a name of two
//! unrelated items in scope is refused). A per-item field's own expression ([`Derived::expr`])
//! names frames as its item's scope has them: 0 the top-level record, then each item its item
//! is inside, outermost first, then its item; the evaluator gives it that scope wherever the
//! field is used.

pub mod inputs;
pub mod schema;
pub mod tables;
pub mod types;
mod visit;
pub use visit::Read;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use self::schema::RecordSchema;
use self::types::{Dim, Ty, UnitInfo};
use crate::diagnostics::Span;
pub use crate::syntax::ast::OutputKind;
use crate::syntax::ast::{AggOp, PeriodUnit, RoundingMode};

/// A checked campaign, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Program {
    /// The campaign's name.
    pub name: String,
    /// The time zone of its dates and calendar periods.
    pub timezone: Tz,
    /// Where the announcement was published.
    pub source: Option<String>,
    /// The facts of a top-level record.
    pub schema: RecordSchema,
    /// Record levels: 0 is the top-level record, then one per list fact, at any depth.
    pub levels: Vec<Level>,
    /// Parameters, overridable before evaluation.
    pub params: Vec<Param>,
    /// Calendar period ranges.
    pub periods: Vec<PeriodRange>,
    /// Top-level definitions in evaluation order (each after everything it uses).
    pub definitions: Vec<Definition>,
    /// Eligibility conditions, in the order written.
    pub conditions: Vec<ConditionDef>,
    /// Rewards, in the order written.
    pub rewards: Vec<RewardDef>,
    /// Indices into `definitions` of the values shown in results, in the order written.
    pub exposed: Vec<usize>,
    /// Rankings across the records of an evaluation (`rank by ...`).
    pub rankings: Vec<RankingDef>,
    /// The units and currencies the campaign uses.
    pub units: Vec<UnitInfo>,
    /// Whether the campaign reads the evaluation's reference time (`as_of`): an evaluation
    /// must then be given one ([`inputs::Inputs::as_of`]).
    pub uses_as_of: bool,
    /// Whether the campaign counts business days: an evaluation must then be given a holiday
    /// calendar ([`inputs::Inputs::holidays`]).
    pub uses_business_days: bool,
}

impl Program {
    /// What the campaign's amounts are: fees when it declares fees, otherwise rewards (a
    /// campaign with neither, an admission, speaks of eligibility). The checker refuses a
    /// campaign that declares both, so the first amount's kind is every amount's.
    pub fn output_kind(&self) -> OutputKind {
        self.rewards.first().map(|r| r.kind).unwrap_or_default()
    }
}

/// The calendar functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `start_of_day(t)`: the first instant of t's day in the campaign's time zone.
    StartOfDay,
    /// `start_of_week(t)`: the first instant of t's week (from Monday).
    StartOfWeek,
    /// `start_of_month(t)`: the first instant of t's month.
    StartOfMonth,
    /// `add_days(t, n)`: the same local time n calendar days later.
    AddDays,
    /// `add_months(t, n)`: the same local time n calendar months later (the day clamped to the month's end).
    AddMonths,
    /// `days_between(a, b)`: calendar days from a's date to b's date.
    DaysBetween,
    /// `months_between(a, b)`: whole calendar months from a to b plus the fraction of the next.
    MonthsBetween,
    /// `business_days_between(a, b)`: business days from a's date (included) to b's date (excluded).
    BusinessDaysBetween,
    /// `add_business_days(t, n)`: the same local time on the n-th business day after t's date.
    AddBusinessDays,
    /// `is_business_day(t)`: whether t's date is a business day.
    IsBusinessDay,
    /// `start_of_year(t)`: the first instant of t's year.
    StartOfYear,
    /// `start_of(w)`: the first instant of a window (a period, a range of periods, a window).
    StartOf,
    /// `end_of(w)`: where a window ends, its first instant after (for a period, the next
    /// period's start).
    EndOf,
}

impl Func {
    /// Every function with its name and number of arguments.
    pub const ALL: &'static [(Func, &'static str, usize)] = &[
        (Func::StartOfDay, "start_of_day", 1),
        (Func::StartOfWeek, "start_of_week", 1),
        (Func::StartOfMonth, "start_of_month", 1),
        (Func::AddDays, "add_days", 2),
        (Func::AddMonths, "add_months", 2),
        (Func::DaysBetween, "days_between", 2),
        (Func::MonthsBetween, "months_between", 2),
        (Func::BusinessDaysBetween, "business_days_between", 2),
        (Func::AddBusinessDays, "add_business_days", 2),
        (Func::IsBusinessDay, "is_business_day", 1),
        (Func::StartOfYear, "start_of_year", 1),
        (Func::StartOf, "start_of", 1),
        (Func::EndOf, "end_of", 1),
    ];

    /// Whether the function counts business days (an evaluation then needs a holiday calendar).
    pub fn counts_business_days(self) -> bool {
        matches!(
            self,
            Func::BusinessDaysBetween | Func::AddBusinessDays | Func::IsBusinessDay
        )
    }
}

/// The functions of a per-period definition or reward that read other periods than the
/// current one, or where the current one stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodFunc {
    /// `previous(x)`: a per-period definition's value in the period before the current one.
    Previous,
    /// `cumulative(x)`: the sum of a per-period definition's values from the range's first
    /// period through the current one.
    Cumulative,
    /// `period_number(p, t)`: the number of the current period counted from the period `t`
    /// falls in (that one is 1).
    PeriodNumber,
}

impl PeriodFunc {
    /// Every such function with its name and number of arguments.
    pub const ALL: &'static [(PeriodFunc, &'static str, usize)] = &[
        (PeriodFunc::Previous, "previous", 1),
        (PeriodFunc::Cumulative, "cumulative", 1),
        (PeriodFunc::PeriodNumber, "period_number", 2),
    ];
}

/// One level of records: the top-level record or the items of a list fact.
#[derive(Debug, Clone)]
pub struct Level {
    /// The path to the list from the top (`mini_programs.orders`), empty for the top level.
    pub path: String,
    /// How many lists deep (0 for the top level).
    pub depth: usize,
    /// Fields computed per record of this level (`let x of list = ...`).
    pub derived: Vec<Derived>,
}

/// A field computed for each record of a level.
#[derive(Debug, Clone)]
pub struct Derived {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Whether it can be unknown.
    pub maybe: bool,
    /// How it is computed, in the scope of its record.
    pub expr: Ir,
}

/// A parameter, with its declared default; an evaluation's values are in [`inputs::Inputs`].
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Its declared default.
    pub default: Const,
    /// Where it is declared.
    pub span: Span,
}

/// A range of calendar periods, each with its key and instants.
#[derive(Debug, Clone)]
pub struct PeriodRange {
    /// Its name.
    pub name: String,
    /// Months, weeks or days.
    pub unit: PeriodUnit,
    /// The periods in order.
    pub periods: Vec<Period>,
}

/// One calendar period.
#[derive(Debug, Clone)]
pub struct Period {
    /// Its key in results: `2022-12`, `2024-08-22`, `2024-W34`.
    pub key: String,
    /// Its window.
    pub window: Window,
}

/// A window of time: `start` included; `end` excluded unless `end_inclusive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first instant in it.
    pub start: DateTime<Utc>,
    /// Where it ends.
    pub end: DateTime<Utc>,
    /// Whether `end` itself is in it.
    pub end_inclusive: bool,
}

impl Window {
    /// Whether an instant lies in the window.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && (t < self.end || (self.end_inclusive && t == self.end))
    }
}

/// A constant value, computed before evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    /// A yes/no.
    Bool(bool),
    /// A number (fractions as ratios: 2 % is 0.02).
    Num(Decimal),
    /// A text.
    Text(Arc<str>),
    /// A choice by index.
    Choice(u32),
    /// An instant.
    Time(DateTime<Utc>),
    /// A length of time in seconds and nanoseconds.
    Duration(chrono::TimeDelta),
    /// A window.
    Window(Window),
    /// A set of texts, sorted.
    Set(Arc<[Arc<str>]>),
}

/// A top-level definition (`value`, `let`, `window`).
#[derive(Debug, Clone)]
pub struct Definition {
    /// Its name.
    pub name: String,
    /// Its type (for a per-period definition, the type of each period's value).
    pub ty: Ty,
    /// Whether it can be unknown.
    pub maybe: bool,
    /// For `per p in RANGE`: the index of the range.
    pub per: Option<usize>,
    /// How it is computed.
    pub expr: Ir,
    /// Rounding and caps applied after computing.
    pub adjust: Adjust,
    /// Whether it depends on a budget's outcome (computed after allocation).
    pub after_budget: bool,
    /// Whether it depends on a ranking (computed once every record is ranked).
    pub after_rank: bool,
    /// Whether its value is always a whole multiple of its unit's payable step.
    pub exact: bool,
    /// Where it is written.
    pub span: Span,
}

/// Rounding and caps.
#[derive(Debug, Clone, Default)]
pub struct Adjust {
    /// `rounded MODE to STEP`.
    pub rounding: Option<(RoundingMode, Decimal)>,
    /// `at most`.
    pub at_most: Option<Ir>,
    /// `at least`.
    pub at_least: Option<Ir>,
    /// `paid P% on T and ...` (rewards only): each share (0.9 for 90 %) and when it is paid.
    pub parts: Vec<(Decimal, Ir)>,
    /// `expires T` (rewards only).
    pub expires: Option<Ir>,
}

/// A ranking across the records of an evaluation.
#[derive(Debug, Clone)]
pub struct RankingDef {
    /// What to order by, with `descending`; ties fall to the next key, then to input order.
    pub keys: Vec<(Ir, bool)>,
    /// Records are ranked among those with equal group keys.
    pub within: Vec<Ir>,
    /// For a ranking written in a per-period definition or reward (`per day in contest`): the
    /// index of the range. Records are then ranked once per period, by the keys' values in it.
    pub per: Option<usize>,
    /// Where its places start in a record's places ([`RankingDef::places`] of them: one, or one
    /// per period of the range), after those of the rankings before it.
    pub slot: usize,
    /// How many places a record has in it: 1, or the number of periods of `per`.
    pub places: usize,
}

/// A condition with its reason.
#[derive(Debug, Clone)]
pub struct ConditionDef {
    /// What must hold.
    pub expr: Ir,
    /// What a merchant is told when it does not.
    pub reason: String,
    /// The source text of the condition, for explanations.
    pub text: String,
    /// The facts, values and windows it reads, with their source text, for explanations.
    pub operands: Vec<Operand>,
    /// The condition's shape when it tests one subject against one constant, for
    /// "what would qualify" hints.
    pub threshold: Option<Threshold>,
}

/// A named thing a condition reads.
#[derive(Debug, Clone)]
pub struct Operand {
    /// How it is written.
    pub text: String,
    /// How to compute it.
    pub ir: Ir,
    /// Its type.
    pub ty: Ty,
}

/// A condition that compares one subject with one constant.
#[derive(Debug, Clone)]
pub enum Threshold {
    /// `subject op constant`.
    Compare {
        /// The subject's source text.
        subject: String,
        /// How to compute the subject.
        ir: Ir,
        /// The comparison, with the subject on the left.
        op: CmpOp,
        /// The constant.
        bound: Const,
        /// The subject's type.
        ty: Ty,
    },
    /// `subject in window`.
    InWindow {
        /// The subject's source text.
        subject: String,
        /// How to compute the subject.
        ir: Ir,
        /// How to compute the window.
        window: Ir,
    },
    /// `flag` or `not flag`.
    Flag {
        /// The flag's source text.
        subject: String,
        /// The value it must have.
        expected: bool,
    },
}

/// A reward.
#[derive(Debug, Clone)]
pub struct RewardDef {
    /// A reward or a fee: the same computation, owed rather than earned.
    pub kind: OutputKind,
    /// Its name.
    pub name: String,
    /// Its unit.
    pub unit: UnitInfo,
    /// The dimension of its amount.
    pub dim: Dim,
    /// For a reward settled per period: the index of the period range.
    pub per: Option<usize>,
    /// The amount (per period when `per` is set).
    pub expr: Ir,
    /// Rounding (per period) and caps (on the total).
    pub adjust: Adjust,
    /// The budget it is paid from, if any.
    pub budget: Option<BudgetDef>,
    /// `when { ... }`: the conditions of this reward alone, in the order written. The reward
    /// pays only when the record is eligible and every one of them holds; results list the
    /// reasons of those that fail. None when the reward has no `when` block.
    pub gate: Option<Vec<ConditionDef>>,
    /// For a reward computed per item (`per item of orders`): the top-level list walked, no
    /// filter, no projection; `expr` is then read with each item in frame 1, each item's
    /// amount rounded on its own and the cap consumed in the list's order.
    pub items: Option<ListExpr>,
}

/// A budget shared by the records of an evaluation.
#[derive(Debug, Clone)]
pub struct BudgetDef {
    /// How much there is per group (evaluated without facts).
    pub amount: Ir,
    /// How records are grouped: per calendar period of a timestamp, or all together.
    pub group: Option<(PeriodUnit, Ir)>,
    /// The order in which records are served; none: input order (a split of every claim at once).
    pub order: Option<Ir>,
    /// Whether the order is descending.
    pub descending: bool,
    /// How claims that do not all fit are cut.
    pub share: Share,
}

/// How a budget is shared among the claims of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// First come first served: each claim whole while it fits, else nothing.
    Whole,
    /// `split pro rata`: every claim at once, cut in proportion when they do not all fit.
    ProRata,
    /// `split equally`: every claim at once, in equal shares none above its claim.
    Equally,
    /// `first come first served by KEY, split pro rata per UNIT`: the claims of each calendar
    /// period of the key together, in order; the period in which the budget runs out shares
    /// what is left pro rata, and later periods get nothing.
    LastPeriodProRata(PeriodUnit),
}

/// What a record sees of its budget's population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolStat {
    /// `pool_claims(reward)`: the sum of the group's claims, in the reward's unit.
    Claims,
    /// `pool_claimants(reward)`: how many records of the group claimed.
    Claimants,
}

impl PoolStat {
    /// Each statistic with the name of the function that reads it.
    pub const ALL: &'static [(PoolStat, &'static str)] = &[
        (PoolStat::Claims, "pool_claims"),
        (PoolStat::Claimants, "pool_claimants"),
    ];
}

/// Which comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`.
    Eq,
    /// `≠`.
    Ne,
    /// `<`.
    Lt,
    /// `≤`.
    Le,
    /// `>`.
    Gt,
    /// `≥`.
    Ge,
}

/// Which arithmetic operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// Decimal `+`.
    Add,
    /// Decimal `-`.
    Sub,
    /// Decimal `×`.
    Mul,
    /// Decimal `÷` (unknown when dividing by zero).
    Div,
    /// Timestamp + duration.
    TimePlus,
    /// Timestamp - duration.
    TimeMinus,
    /// Timestamp - timestamp.
    TimeDiff,
    /// Duration + duration.
    DurAdd,
    /// Duration - duration.
    DurSub,
    /// Duration × number.
    DurMul,
    /// Duration ÷ number: rounded to the nanosecond, halves away from zero (unknown when
    /// dividing by zero).
    DurDiv,
    /// Duration ÷ duration: a plain number, exact (unknown when dividing by zero).
    DurRatio,
}

/// A list of records to iterate: each level comes from a field of the level
/// before it (the first from a field of an enclosing frame), with a filter.
#[derive(Debug, Clone, PartialEq)]
pub struct ListExpr {
    /// The levels, outermost first.
    pub levels: Vec<ListLevel>,
    /// The value taken from each innermost record, if any.
    pub project: Option<Box<Ir>>,
    /// The frame the first level's items are pushed at (the frames in scope where the list is written).
    pub base: usize,
    /// Whether an aggregate over this list reads nothing of the records around it but the
    /// top-level record: its value is then the same wherever it is evaluated for one record,
    /// and is computed once (an aggregate inside another list's filter is not recomputed per item).
    pub record_invariant: bool,
}

impl ListExpr {
    /// Whether the list reads no enclosing record but the top-level one.
    pub fn reads_only_top_record(&self) -> bool {
        let outer = |frame: usize| frame < self.base && frame != 0;
        if self.levels.first().is_some_and(|l| outer(l.frame)) {
            return false;
        }
        // A list inside this one may walk a list of an outer record at its first level; its
        // other levels are its own items' frames, above this list's base, never outer.
        !self.reads_any(&mut |read| match read {
            Read::Field(frame) | Read::List(frame) => outer(frame),
            Read::Period => false,
        })
    }
}

/// One level of a list iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct ListLevel {
    /// The frame holding the list (absolute: 0 is the top-level record).
    pub frame: usize,
    /// The list field's index in that frame's record.
    pub field: usize,
    /// The list field's name, for explanations.
    pub name: String,
    /// The filter's conjuncts, in the order written: a record is kept when every one holds.
    pub filters: Vec<Filter>,
}

/// One conjunct of a `where` filter, with its source text for explanations.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The test.
    pub ir: Ir,
    /// How it is written (`live_category = "购物"`).
    pub text: String,
}

/// The compiled expression language.
#[derive(Debug, Clone, PartialEq)]
pub enum Ir {
    /// A constant.
    Const(Const),
    /// The unknown value.
    Unknown,
    /// A fact of the record in a frame.
    Fact {
        /// The frame (0 is the top-level record).
        frame: usize,
        /// The field index.
        field: usize,
    },
    /// A derived field of the record in a frame, computed in that record's own scope (its
    /// expression's frames are the record's chain from the top-level record, whatever the
    /// frames where it is used).
    Derived {
        /// The frame.
        frame: usize,
        /// The level the frame's record belongs to.
        level: usize,
        /// The derived field's index.
        index: usize,
    },
    /// A top-level definition.
    Def(usize),
    /// A per-period definition's value for the current period.
    DefAt(usize),
    /// A parameter's value.
    Param(usize),
    /// The current period's window.
    PeriodWindow,
    /// The union of a period range (a window from its first start to its last end).
    PeriodsWindow(usize),
    /// `-a`.
    Neg(Box<Ir>),
    /// `not a` (unknown stays unknown).
    Not(Box<Ir>),
    /// `a and b and ...`, two or more operands evaluated from the left until one is false
    /// (Kleene: false wins over unknown).
    And(Vec<Ir>),
    /// `a or b or ...`, two or more operands evaluated from the left until one is true
    /// (Kleene: true wins over unknown).
    Or(Vec<Ir>),
    /// Arithmetic on two operands.
    Arith(ArithOp, Box<Ir>, Box<Ir>),
    /// Arithmetic on three or more operands, from the left: `((first op1 x1) op2 x2) ...`, each
    /// operand evaluated in that order. Means what the nested [`Ir::Arith`] nodes would, in one
    /// node, so that a long sum is evaluated (and checked, and dropped) without recursing
    /// once per term.
    ArithChain {
        /// The leftmost operand.
        first: Box<Ir>,
        /// Each further operation with its right operand, in order.
        rest: Vec<(ArithOp, Ir)>,
    },
    /// A comparison of two values of the same type.
    Compare(CmpOp, Box<Ir>, Box<Ir>),
    /// Membership in a window.
    InWindow(Box<Ir>, Box<Ir>),
    /// Membership of a text in a set.
    InSet(Box<Ir>, Box<Ir>),
    /// A window from two instants.
    MakeWindow {
        /// The start (included).
        start: Box<Ir>,
        /// The end.
        end: Box<Ir>,
        /// Whether the end is included.
        end_inclusive: bool,
    },
    /// `a is known`.
    IsKnown(Box<Ir>),
    /// `a if unknown b`.
    IfUnknown(Box<Ir>, Box<Ir>),
    /// An aggregate over a list.
    Aggregate(AggOp, ListExpr),
    /// An aggregate over a per-period definition's values.
    AggregatePeriods(AggOp, usize),
    /// `min(a, b, ...)`.
    Min(Vec<Ir>),
    /// `max(a, b, ...)`.
    Max(Vec<Ir>),
    /// `reward is waitlisted`.
    Waitlisted(usize),
    /// The evaluation's reference time.
    AsOf,
    /// The record's place in a ranking (1 is first).
    Rank(usize),
    /// `pool_claims(reward)` or `pool_claimants(reward)`: the sum or the number of the claims
    /// on the reward's budget in the record's group; unknown for a record that claimed nothing.
    Pool(PoolStat, usize),
    /// A calendar function.
    Func(Func, Vec<Ir>),
    /// `lookup k { ... }`: the value of the row whose keys equal the looked-up keys,
    /// else the `otherwise` value, else unknown.
    Lookup {
        /// The keys looked up.
        keys: Vec<Ir>,
        /// Each row's key constants and value.
        rows: Vec<(Vec<Const>, Ir)>,
        /// The `otherwise` value.
        otherwise: Option<Box<Ir>>,
    },
    /// `band of x { ... }`: the value of the band `x` falls in (unknown when in none).
    Band(Box<Ir>, Vec<Band>),
    /// `marginal of x { ... }`: the sum over bands of rate × the part of `x` inside the band.
    Marginal(Box<Ir>, Vec<Band>),
    /// `if c1 then a else if c2 then b else d`: the value of the first branch whose condition
    /// is true, the conditions tested in order; unknown as soon as one is unknown (Kleene: the
    /// choice cannot be made). Only the chosen branch is evaluated.
    If {
        /// Each condition with its value.
        branches: Vec<(Ir, Ir)>,
        /// The value when every condition is false.
        otherwise: Box<Ir>,
    },
    /// `reward is earned`: whether the record is eligible, the reward's own conditions hold and
    /// it pays more than 0 (a reward written before the one that reads it).
    Earned(usize),
    /// A fact compared with a constant (`store_score ≥ 4.2`): `Compare(op, Fact, Const)` in one
    /// step. Made by [`crate::check::optimise`], never by the checker.
    FactCompare {
        /// The fact's frame.
        frame: usize,
        /// The fact's field.
        field: usize,
        /// The comparison, with the fact on the left.
        op: CmpOp,
        /// The constant on the right.
        value: Const,
    },
    /// A timestamp fact in a constant window (`at in activity`): `InWindow(Fact, Const)` in one step.
    FactInWindow {
        /// The fact's frame.
        frame: usize,
        /// The fact's field.
        field: usize,
        /// The window.
        window: Window,
    },
    /// A text fact in a constant set: `InSet(Fact, Const)` in one step.
    FactInSet {
        /// The fact's frame.
        frame: usize,
        /// The fact's field.
        field: usize,
        /// The set, sorted.
        set: Arc<[Arc<str>]>,
    },
    /// `previous(x)`, `previous(x, first)`: a per-period definition's value in the period
    /// before the current one; in the range's first period, `first` (unknown without it).
    Previous {
        /// The definition.
        def: usize,
        /// The value in the first period.
        first: Option<Box<Ir>>,
    },
    /// `cumulative(x)`: the sum of a per-period definition's values from the range's first
    /// period through the current one (unknown from its first unknown period on).
    Cumulative(usize),
    /// `period_number(p, t)`: the current period's number counted in periods of its range's
    /// unit from the period the instant falls in (1), in the campaign's time zone.
    PeriodNumber(Box<Ir>),
    /// Inside a per-item field, a value over the items of the item's list in a declared order:
    /// `running sum of`, `portion of ... within first`, `previous`.
    Ordered(Box<Ordered>),
    /// `top k of list by sum of x where c`, `top k of list by count`: the key whose group of
    /// items has the highest total.
    Top(Box<Top>),
    /// The whole of a per-month definition: a balance carried across months, whose value in a
    /// month is the credit left at its end.
    Balance(Box<Balance>),
    /// In a per-month definition of a balance's range: what the balance (the definition of that
    /// index) credited, used, let expire or lost in the current month, or the fees it left to
    /// be paid in cash.
    BalanceOf(BalanceStat, usize),
}

/// The key of the group of a list's items with the highest total: each item the list takes
/// (its filters held) is put in the group of its key; a group's total is the sum of
/// [`Top::sum`] over its items, or their number. Ties go to the group whose first item comes
/// first in the walk; no item taken, unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Top {
    /// The items grouped (no projection: the key and the total are read of each item).
    pub list: ListExpr,
    /// The key, read with each item on top of the frames.
    pub key: Ir,
    /// What a group's total adds up, read with each item on top; `None` for `by count`.
    pub sum: Option<Ir>,
    /// The key's type, for explanations.
    pub key_ty: types::Ty,
    /// The total's type (a count for `by count`), for explanations.
    pub total_ty: types::Ty,
    /// `then by ...`: how groups with equal totals are told apart, in order; groups still
    /// equal go to the one met first.
    pub ties: Vec<TopTie>,
}

/// One tie-break of a [`Top`].
#[derive(Debug, Clone, PartialEq)]
pub enum TopTie {
    /// Another total of each group (`then by sum of y`, `then by count` when `sum` is `None`):
    /// the highest wins, or the lowest when `ascending`.
    Total {
        /// What the total adds up, read with each item on top; `None` to count the items.
        sum: Option<Ir>,
        /// `ascending`: the lowest total wins.
        ascending: bool,
        /// The total's type, for explanations.
        ty: types::Ty,
    },
    /// The group key itself: the lowest wins, or the highest when `descending`.
    Key {
        /// `descending`: the highest key wins.
        descending: bool,
    },
}

/// A balance carried across months (`balance of c applied to l.fee ordered by t ...`).
///
/// Each month's credit (rounded down to the unit's step, nothing when below zero) is usable
/// from the next month's start; the items' fees are settled one after another in the order of
/// their keys (ties in the list's order), each from the oldest credit usable at its date, in
/// whole steps, the rest in cash; a credit expires `expiry` months after the month it was
/// earned (at a month's end), and all that is held is lost at `lost_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Balance {
    /// The credit of the current month, read once per month.
    pub credit: Ir,
    /// The items whose fees it pays: the list (its filters), its projection the fee of each.
    pub list: ListExpr,
    /// The instant each item is settled, read with the item on top of the frames.
    pub date: Ir,
    /// The further keys of the order, with `descending`.
    pub keys: Vec<(Ir, bool)>,
    /// The months a credit stays usable after the month it was earned, if it expires.
    pub expiry: Option<u32>,
    /// The instant the merchant leaves (unknown: has not left).
    pub lost_at: Option<Ir>,
    /// The month range.
    pub range: usize,
    /// The unit's payable step (0.01 for CNY): credits and their uses are whole steps.
    pub step: rust_decimal::Decimal,
    /// This balance's position among the program's balances (its run is remembered under it).
    pub slot: usize,
    /// The amount's type, for explanations.
    pub ty: types::Ty,
    /// How the items are written, for explanations (`orders.commission`).
    pub items: String,
}

/// What a balance did in a month, as `credited(b)`, `credit_used(b)`... read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceStat {
    /// The credit earned in the month (usable from the next).
    Credited,
    /// The credit spent on the fees of the month's items.
    Used,
    /// The credit that expired at the month's end.
    Expired,
    /// The credit lost because the merchant left.
    Lost,
    /// What the month's fees left to pay in cash.
    Cash,
}

impl BalanceStat {
    /// Every such function with its name.
    pub const ALL: &'static [(BalanceStat, &'static str)] = &[
        (BalanceStat::Credited, "credited"),
        (BalanceStat::Used, "credit_used"),
        (BalanceStat::Expired, "credit_expired"),
        (BalanceStat::Lost, "credit_lost"),
        (BalanceStat::Cash, "paid_in_cash"),
    ];
}

/// A value over the items of a list in a declared order, computed for the item in
/// [`Ordered::frame`]: the items of its list (the item itself among them) are put in the order
/// of their keys, ties in the list's order; items whose keys are unknown are left out of the
/// order, and the value of such an item is unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered {
    /// Which value.
    pub op: OrderedOp,
    /// The value taken from each item, read with that item in [`Ordered::frame`].
    pub value: Ir,
    /// The items taken: those for which every conjunct holds (the others add nothing and are
    /// never "previous").
    pub filters: Vec<Filter>,
    /// What to order by, with `descending`.
    pub keys: Vec<(Ir, bool)>,
    /// The frame of the item the value is computed for, in its field's own scope (its depth):
    /// every other item of the list is read in this frame too.
    pub frame: usize,
    /// The list's field in the record of the frame below (the item's parent).
    pub list: usize,
    /// The list's name, for explanations (`orders`).
    pub list_name: String,
    /// This node's position among the program's ordered values (their order computed once
    /// per list is remembered under it).
    pub slot: usize,
    /// The sum of no items: zero in the value's unit, or a zero duration.
    pub zero: Const,
    /// The value's type, for explanations.
    pub ty: types::Ty,
    /// How it is written, for explanations.
    pub text: String,
}

/// Which value over the items before an item.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedOp {
    /// `running sum of x`: the sum of `x` over the items taken that come before the item
    /// (exclusive: the item's own `x` is not in it).
    RunningSum,
    /// `portion of x within first t`: `max(0, min(x, t - running sum))` for an item taken, 0 for
    /// one left out.
    Portion(Ir),
    /// `previous x`: `x` of the nearest item taken before the item; unknown for the first.
    Previous,
}

/// One band of a tier table. Its ends are constants, or parameters (`start_param`,
/// `end_param`) whose value an evaluation gives; `start` and `end` then hold the parameter's
/// declared default, which the checker's analyses used ([`tables`] checks a run's values).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The lower end (included), if any.
    pub start: Option<rust_decimal::Decimal>,
    /// The upper end, if any.
    pub end: Option<rust_decimal::Decimal>,
    /// Whether the upper end is included.
    pub end_inclusive: bool,
    /// The value (`band`) or rate (`marginal`).
    pub value: Ir,
    /// The parameter the lower end is, if it is one.
    pub start_param: Option<usize>,
    /// The parameter the upper end is, if it is one.
    pub end_param: Option<usize>,
}

impl Band {
    /// Whether `x` lies in the band (with its parameter ends at their defaults).
    pub fn contains(&self, x: rust_decimal::Decimal) -> bool {
        self.start.is_none_or(|s| x >= s) && self.end.is_none_or(|e| x < e || (self.end_inclusive && x == e))
    }

    /// The ends under an evaluation's parameter values (in declaration order): a parameter end
    /// is its value (an instant as nanoseconds since 1970, as the ends of a table of
    /// timestamps are).
    #[inline]
    pub fn ends(&self, params: &[Const]) -> (Option<rust_decimal::Decimal>, Option<rust_decimal::Decimal>) {
        let end = |constant: Option<rust_decimal::Decimal>, param: Option<usize>| match param {
            None => constant,
            Some(i) => match params.get(i) {
                Some(Const::Num(n)) => Some(*n),
                Some(Const::Time(t)) => t.timestamp_nanos_opt().map(rust_decimal::Decimal::from),
                _ => constant,
            },
        };
        (end(self.start, self.start_param), end(self.end, self.end_param))
    }
}

impl Adjust {
    /// Whether there is any rounding or bound to apply.
    pub fn is_some(&self) -> bool {
        self.rounding.is_some() || self.at_most.is_some() || self.at_least.is_some()
    }
}
