//! The abstract syntax tree of a campaign file.
//!
//! The tree keeps every item in the order written (the formatter prints it
//! back) and a [`Span`] on everything a diagnostic may point at. It says what
//! was written, not whether it makes sense: names are unresolved, dates are
//! unvalidated numbers, and units are plain identifiers. The checker turns it
//! into a typed program.

use rust_decimal::Decimal;

use super::keywords::Surface;

pub use crate::diagnostics::Span;

/// A name as written, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A quoted text as written, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The text without quotes, escapes resolved.
    pub value: String,
    /// Where it is written, quotes included.
    pub span: Span,
}

/// A whole campaign file.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// The campaign's name.
    pub name: Text,
    /// The items in the order written.
    pub items: Vec<Item>,
    /// The whole block.
    pub span: Span,
    /// The keyword set the file is written in.
    pub surface: Surface,
}

/// One item of a campaign block.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `timezone Asia/Shanghai`.
    Timezone(Ident),
    /// `source "..."`.
    Source(Text),
    /// `note "..."`.
    Note(Text),
    /// `unit points`.
    Unit(UnitDecl),
    /// `parameter monthly_packs: count = 50`.
    Parameter(ParameterDecl),
    /// `window signup = A .. B`.
    Window(WindowDecl),
    /// `periods settlement = months 2022-12 through 2023-06`.
    Periods(PeriodsDecl),
    /// `facts { ... }`.
    Facts(FactsBlock),
    /// `value x = ...` or `let x = ...`.
    Value(ValueDecl),
    /// `eligible when { ... }`.
    Eligible(EligibleBlock),
    /// `reward x = ...`.
    Reward(RewardDecl),
}

/// `unit points` or `unit credits, precision 0.01`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitDecl {
    /// The unit's name.
    pub name: Ident,
    /// The smallest step paid, `1` when not given.
    pub precision: Option<(Decimal, Span)>,
}

/// `parameter NAME: TYPE = DEFAULT`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDecl {
    /// The parameter's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// Its default value.
    pub default: Expr,
}

/// `window NAME = RANGE`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowDecl {
    /// The window's name.
    pub name: Ident,
    /// Its range.
    pub range: Range,
}

/// `A .. B` or `A through B`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The start (included).
    pub start: Box<Expr>,
    /// How the end is treated.
    pub kind: RangeKind,
    /// The end.
    pub end: Box<Expr>,
    /// The whole range.
    pub span: Span,
}

/// How a range treats its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    /// `..`: the end is excluded.
    Exclusive,
    /// `through`: the end is included (a bare date includes the whole day).
    Through,
}

/// `periods NAME = months A through B`.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodsDecl {
    /// The range's name.
    pub name: Ident,
    /// Months, weeks, days or years.
    pub unit: PeriodUnit,
    /// The first period as written (`2022-12` or `2024-08-22`).
    pub first: PeriodBound,
    /// The last period as written, included.
    pub last: PeriodBound,
    /// The whole item.
    pub span: Span,
}

impl PeriodsDecl {
    /// Whether both bounds are written as the unit's periods are: months as `YYYY-MM`, years
    /// as `YYYY`, days and weeks as dates.
    pub fn written_as_its_unit(&self) -> bool {
        let shape = |b: &PeriodBound| match self.unit {
            PeriodUnit::Month => b.day.is_none() && !b.year_only,
            PeriodUnit::Year => b.year_only,
            PeriodUnit::Week | PeriodUnit::Day => b.day.is_some(),
        };
        shape(&self.first) && shape(&self.last)
    }
}

/// A calendar period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodUnit {
    /// Calendar months.
    Month,
    /// Weeks from Monday.
    Week,
    /// Calendar days.
    Day,
    /// Calendar years (January 1 to December 31).
    Year,
}

impl PeriodUnit {
    /// The singular word.
    pub fn word(self) -> &'static str {
        match self {
            PeriodUnit::Month => "month",
            PeriodUnit::Week => "week",
            PeriodUnit::Day => "day",
            PeriodUnit::Year => "year",
        }
    }
}

/// The first or last period of a range as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodBound {
    /// Year.
    pub year: i32,
    /// Month.
    pub month: u32,
    /// Day, when written.
    pub day: Option<u32>,
    /// Whether only the year is written (`2024`, for a range of years; `month` is then 1).
    pub year_only: bool,
    /// Where.
    pub span: Span,
}

/// `facts { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsBlock {
    /// The declared facts.
    pub fields: Vec<FieldDecl>,
    /// The whole block.
    pub span: Span,
}

/// `name: type, optional`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The fact's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// Whether it may be missing or `null`.
    pub optional: bool,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written in a fact schema or parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// What kind.
    pub kind: TypeExprKind,
    /// Where.
    pub span: Span,
}

/// The kinds of written types.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeExprKind {
    /// `text`.
    Text,
    /// `bool`.
    Bool,
    /// `count`.
    Count,
    /// `decimal`.
    Decimal,
    /// `fraction`.
    Fraction,
    /// `timestamp`.
    Timestamp,
    /// `duration`.
    Duration,
    /// `money CNY`.
    Money(Ident),
    /// `quantity points`.
    Quantity(Ident),
    /// `one of "a", "b"`.
    Enum(Vec<Text>),
    /// `list of { ... }`.
    List(Vec<FieldDecl>),
}

/// `value NAME [of LIST | per VAR in PERIODS] = EXPR, modifiers` or `let ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueDecl {
    /// Whether the value appears in results (`value`) or is internal (`let`).
    pub exposed: bool,
    /// The name.
    pub name: Ident,
    /// Whether it is computed per record of a list or per period.
    pub scope: Option<Scope>,
    /// The definition.
    pub expr: Expr,
    /// Rounding and caps.
    pub modifiers: Vec<Modifier>,
    /// The whole item.
    pub span: Span,
}

/// What a definition is computed for.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// `of products`: a field of each record of the list.
    Of(Vec<Ident>),
    /// `per month in settlement`: once per period, with `month` naming the period.
    Per {
        /// The name the period goes by inside the definition.
        var: Ident,
        /// The period range.
        periods: Ident,
    },
    /// `per item of orders` (rewards and fees only): an amount for each item of a top-level
    /// list, each rounded on its own.
    Item(Vec<Ident>),
}

/// `eligible when { ... }`.
#[derive(Debug, Clone, PartialEq)]
pub struct EligibleBlock {
    /// The conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// The `eligible when` words.
    pub head_span: Span,
    /// The whole block.
    pub span: Span,
}

/// A condition and its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// What must hold.
    pub expr: Expr,
    /// What a merchant is told when it does not.
    pub reason: Option<Text>,
    /// The whole condition.
    pub span: Span,
}

/// `reward NAME [per VAR in PERIODS] = EXPR, modifiers` (or `fee NAME ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct RewardDecl {
    /// A reward or a fee.
    pub kind: OutputKind,
    /// The name.
    pub name: Ident,
    /// `per month in settlement`: settled per period; `per item of orders`: per list item.
    pub per: Option<Scope>,
    /// The amount.
    pub expr: Expr,
    /// Rounding, caps, budget.
    pub modifiers: Vec<Modifier>,
    /// `when { ... }`: the conditions of this reward alone.
    pub gate: Option<RewardGate>,
    /// The whole item.
    pub span: Span,
}

/// A reward's own `when { condition "reason" ... }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardGate {
    /// The conditions, all of which must hold for the reward to be paid.
    pub conditions: Vec<Condition>,
    /// The `when` word.
    pub head_span: Span,
    /// The whole block.
    pub span: Span,
}

/// What follows a value or reward.
#[derive(Debug, Clone, PartialEq)]
pub enum Modifier {
    /// `rounded MODE [to STEP]`.
    Rounded {
        /// How.
        mode: RoundingMode,
        /// To which step; the unit's precision when not given.
        step: Option<(Decimal, Span)>,
        /// Where.
        span: Span,
    },
    /// `at most EXPR`.
    AtMost(Expr, Span),
    /// `at least EXPR`.
    AtLeast(Expr, Span),
    /// `budget EXPR per month of EXPR, first come first served by EXPR`.
    Budget(Budget),
    /// `paid 90% on T1 and 10% on T2`: the shares (as written, `90` for 90 %) and when each is paid.
    Paid(Vec<(Decimal, Span, Expr)>, Span),
    /// `expires T`.
    Expires(Expr, Span),
}

impl Modifier {
    /// Where the modifier is written.
    pub fn span(&self) -> Span {
        match self {
            Modifier::Rounded { span, .. }
            | Modifier::AtMost(_, span)
            | Modifier::AtLeast(_, span)
            | Modifier::Paid(_, span)
            | Modifier::Expires(_, span) => *span,
            Modifier::Budget(b) => b.span,
        }
    }
}

/// What a campaign's amounts are: rewards earned by the records that are eligible, or fees
/// owed by the records that are liable. The results, summaries and explanations speak of each
/// in its own words; the two are never mixed in one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputKind {
    /// `reward`: earned when the conditions hold.
    #[default]
    Reward,
    /// `fee`: owed when the conditions hold.
    Fee,
}

impl OutputKind {
    /// The keyword that declares one: `reward`, `fee`.
    pub fn keyword(self) -> super::keywords::Keyword {
        match self {
            OutputKind::Reward => super::keywords::Keyword::Reward,
            OutputKind::Fee => super::keywords::Keyword::Fee,
        }
    }

    /// The results' key for the amounts: `rewards`, `fees`.
    pub fn plural(self) -> &'static str {
        match self {
            OutputKind::Reward => "rewards",
            OutputKind::Fee => "fees",
        }
    }

    /// The results' key (and the table's column) for whether the conditions hold:
    /// `eligible`, `liable`.
    pub fn verdict_key(self) -> &'static str {
        match self {
            OutputKind::Reward => "eligible",
            OutputKind::Fee => "liable",
        }
    }

    /// What happens to the amount: a reward is `paid`, a fee `owed`.
    pub fn settled(self) -> &'static str {
        match self {
            OutputKind::Reward => "paid",
            OutputKind::Fee => "owed",
        }
    }

    /// Whether the conditions hold, in words: `eligible` / `not eligible`, `liable` / `not liable`.
    pub fn verdict(self, holds: bool) -> &'static str {
        match (self, holds) {
            (OutputKind::Reward, true) => "eligible",
            (OutputKind::Reward, false) => "not eligible",
            (OutputKind::Fee, true) => "liable",
            (OutputKind::Fee, false) => "not liable",
        }
    }
}

/// The rounding modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundingMode {
    /// Towards zero.
    Down,
    /// Away from zero.
    Up,
    /// Nearest, ties away from zero.
    HalfUp,
    /// Nearest, ties towards zero.
    HalfDown,
    /// Nearest, ties to even.
    HalfEven,
}

impl RoundingMode {
    /// The words as written.
    pub fn words(self) -> &'static str {
        match self {
            RoundingMode::Down => "down",
            RoundingMode::Up => "up",
            RoundingMode::HalfUp => "half up",
            RoundingMode::HalfDown => "half down",
            RoundingMode::HalfEven => "half even",
        }
    }
}

/// A budget shared by the records of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// How much there is per group.
    pub amount: Expr,
    /// How records are grouped.
    pub scope: BudgetScope,
    /// How a group's budget is shared among its claims.
    pub allocation: Allocation,
    /// The whole modifier.
    pub span: Span,
}

impl Budget {
    /// The key claims are served by, when they are served in order.
    pub fn order(&self) -> Option<&Expr> {
        match &self.allocation {
            Allocation::Queue { order, .. } => Some(order),
            Allocation::Split(_) => None,
        }
    }

    /// The key claims are served by, to rewrite it.
    pub fn order_mut(&mut self) -> Option<&mut Expr> {
        match &mut self.allocation {
            Allocation::Queue { order, .. } => Some(order),
            Allocation::Split(_) => None,
        }
    }
}

/// How a budget is shared among the claims of one group.
#[derive(Debug, Clone, PartialEq)]
pub enum Allocation {
    /// `first come first served by KEY [descending] [, split pro rata per UNIT]`.
    Queue {
        /// The order in which claims are served.
        order: Expr,
        /// Whether the order is descending.
        descending: bool,
        /// `split pro rata per day`: claims are served a calendar period of the key at a time,
        /// and the period in which the budget runs out shares what is left pro rata.
        last_split: Option<PeriodUnit>,
    },
    /// `split pro rata` or `split equally`: every claim of the group at once.
    Split(Split),
}

/// How what is left is cut among claims that do not all fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// In proportion to each claim.
    ProRata,
    /// In equal shares, none above its claim.
    Equally,
}

/// Which records share one budget.
#[derive(Debug, Clone, PartialEq)]
pub enum BudgetScope {
    /// One budget for the whole evaluation.
    Total,
    /// One budget per calendar period of a timestamp.
    Per(PeriodUnit, Expr),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// The binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `×`.
    Mul,
    /// `÷`.
    Div,
    /// `and`.
    And,
    /// `or`.
    Or,
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

impl BinOp {
    /// The operator as the formatter writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "×",
            BinOp::Div => "÷",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Eq => "=",
            BinOp::Ne => "≠",
            BinOp::Lt => "<",
            BinOp::Le => "≤",
            BinOp::Gt => ">",
            BinOp::Ge => "≥",
        }
    }

    /// Whether it compares two values.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

/// The aggregates over lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggOp {
    /// `sum of`.
    Sum,
    /// `count of`.
    Count,
    /// `distinct count of`.
    CountDistinct,
    /// `min of`.
    Min,
    /// `max of`.
    Max,
    /// `average of`.
    Average,
    /// `any of`.
    Any,
    /// `all of`.
    All,
}

impl AggOp {
    /// The words as written.
    pub fn words(self) -> &'static str {
        match self {
            AggOp::Sum => "sum",
            AggOp::Count => "count",
            AggOp::CountDistinct => "distinct count",
            AggOp::Min => "min",
            AggOp::Max => "max",
            AggOp::Average => "average",
            AggOp::Any => "any",
            AggOp::All => "all",
        }
    }
}

/// A date and time as written, not yet validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampLit {
    /// Year.
    pub year: i32,
    /// Month.
    pub month: u32,
    /// Day.
    pub day: u32,
    /// Time of day, when written: hours, minutes, seconds, nanoseconds.
    pub time: Option<(u32, u32, u32, u32)>,
    /// Whether seconds were written.
    pub seconds_written: bool,
    /// UTC offset in seconds, when written.
    pub offset: Option<i32>,
    /// The text as written.
    pub text: String,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A name: a fact, value, window, parameter, or a field of the current record.
    Name(Ident),
    /// `a.b`.
    Field(Box<Expr>, Ident),
    /// `4.2`.
    Number(Decimal),
    /// `0.9%` (the value is the percentage as written, `0.9`).
    Percent(Decimal),
    /// `10000 CNY`, `30 days`.
    Quantity(Decimal, Ident),
    /// `"text"`.
    Text(String),
    /// `true` or `false`.
    Bool(bool),
    /// `2024-08-16 15:00`.
    Timestamp(TimestampLit),
    /// `{"a", "b"}`.
    Set(Vec<Text>),
    /// `-a`.
    Neg(Box<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// A comparison `a op b` (`=`, `≠`, `<`, `≤`, `>`, `≥`); the parser builds no other
    /// operator as a `Binary` (chains of `and`, `or` and arithmetic are [`ExprKind::And`],
    /// [`ExprKind::Or`] and [`ExprKind::Arith`]).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a and b and c`: two or more operands, evaluated from the left.
    And(Vec<Expr>),
    /// `a or b or c`: two or more operands, evaluated from the left.
    Or(Vec<Expr>),
    /// `a + b - c` or `a × b ÷ c`: operators of one precedence, applied from the left
    /// (`((a + b) - c)`). Each part of `rest` is an operator and its right operand; the
    /// operators are all `+`/`-` or all `×`/`÷`, and there is at least one.
    Arith {
        /// The leftmost operand.
        first: Box<Expr>,
        /// Each further operator with its operand, in the order written.
        rest: Vec<(BinOp, Expr)>,
    },
    /// `a in b`, `a not in b`.
    In {
        /// The value tested.
        value: Box<Expr>,
        /// What it is tested against.
        target: InTarget,
        /// `not in`.
        negated: bool,
    },
    /// `a is known` (`true`) or `a is unknown` (`false`).
    IsKnown(Box<Expr>, bool),
    /// `reward is waitlisted`.
    IsWaitlisted(Box<Expr>),
    /// `a if unknown b`.
    IfUnknown(Box<Expr>, Box<Expr>),
    /// `a as unit`.
    As(Box<Expr>, Ident),
    /// `sum of a.b where c`.
    Aggregate {
        /// Which aggregate.
        op: AggOp,
        /// The list.
        source: Box<Expr>,
        /// The filter.
        filter: Option<Box<Expr>>,
    },
    /// `list where c`.
    Where(Box<Expr>, Box<Expr>),
    /// `max(a, b)`.
    Call(Ident, Vec<Expr>),
    /// `(a)`.
    Paren(Box<Expr>),
    /// `rank by a descending, then by b within g and h`.
    Rank {
        /// What to order by, with `descending`.
        keys: Vec<(Expr, bool)>,
        /// The group keys: records are ranked among those with the same values.
        within: Vec<Expr>,
    },
    /// `lookup key { "a" -> v, ... }` or `lookup (k1, k2) { ("a", 1) -> v, ... }`.
    Lookup {
        /// The keys looked up.
        keys: Vec<Expr>,
        /// The rows, in the order written.
        rows: Vec<LookupRow>,
    },
    /// `band of x { ... }` or `marginal of x { ... }`.
    Tiers {
        /// Whole-amount or progressive.
        kind: TierKind,
        /// The value the bands are about.
        subject: Box<Expr>,
        /// The bands, in the order written.
        rows: Vec<TierRow>,
    },
    /// `if c1 then a else if c2 then b else d`: a whole `else if` chain in one node.
    If {
        /// Each condition with the value it chooses, in the order written.
        branches: Vec<(Expr, Expr)>,
        /// The value when no condition holds.
        otherwise: Box<Expr>,
    },
    /// `reward is earned`.
    IsEarned(Box<Expr>),
    /// `running sum of x where c ordered by k, then by j descending`, `portion of x within first
    /// t ordered by k`, `previous x ordered by k`: a value over the items of a per-item field's
    /// list, taken in a declared order.
    Ordered {
        /// Which value: the running sum, the portion within a threshold, or the previous item's.
        kind: OrderedKind,
        /// The value taken from each item.
        value: Box<Expr>,
        /// `where c`: the items taken (the others add nothing and are never "previous").
        filter: Option<Box<Expr>>,
        /// What to order by, with `descending`; ties fall to the next key, then to the list's order.
        keys: Vec<(Expr, bool)>,
    },
    /// `top category of orders by sum of net where ok`, `top category of orders by count`: the
    /// key whose group of items has the highest total.
    Top {
        /// What the items are grouped by, read with each item in scope.
        key: Box<Expr>,
        /// The list.
        source: Box<Expr>,
        /// `sum of x`: what a group's total adds up; `None` for `by count`.
        sum: Option<Box<Expr>>,
        /// The filter.
        filter: Option<Box<Expr>>,
        /// `, then by ...`: how groups with equal totals are told apart, in order.
        ties: Vec<TopTie>,
    },
    /// `balance of c applied to orders.fee ordered by settled_at, then by id expiring after 3
    /// months lost at left_at`: the whole of a per-month definition, a credit carried from month
    /// to month and spent on the items' fees.
    Balance(Box<BalanceExpr>),
}

/// One tie-break of a `top` (see [`ExprKind::Top`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TopTie {
    /// What the groups are compared by.
    pub by: TopTieBy,
    /// `ascending` (`Some(false)`), `descending` (`Some(true)`), or not written.
    pub descending: Option<bool>,
    /// `then by ...`, direction included.
    pub span: Span,
}

/// What a tie-break of a `top` compares.
#[derive(Debug, Clone, PartialEq)]
pub enum TopTieBy {
    /// `then by sum of y` (`Some(y)`) or `then by count` (`None`): another total of each group.
    Total(Option<Box<Expr>>),
    /// `then by category ascending`: the group's key, written as after `top`.
    Key(Box<Expr>),
}

/// A balance carried across months (see [`ExprKind::Balance`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceExpr {
    /// The credit earned in the current month (usable from the next).
    pub credit: Expr,
    /// The fee of each item the credit is applied to: `orders.commission`.
    pub applied: Expr,
    /// The instant each item is settled, the first key of the order.
    pub date: Expr,
    /// The further keys (`then by`), with `descending`; ties fall to the list's order.
    pub keys: Vec<(Expr, bool)>,
    /// `expiring after N months`: N (at least 1), and where it is written.
    pub expiry: Option<(u32, Span)>,
    /// `lost at t`: the instant the merchant leaves.
    pub lost_at: Option<Expr>,
}

impl ExprKind {
    /// The operator and operands of an `and` or `or` chain.
    pub fn logic(&self) -> Option<(BinOp, &[Expr])> {
        match self {
            ExprKind::And(operands) => Some((BinOp::And, operands)),
            ExprKind::Or(operands) => Some((BinOp::Or, operands)),
            _ => None,
        }
    }
}

/// Which value over the items before an item in a declared order.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedKind {
    /// `running sum of x`: the sum of `x` over the items before.
    RunningSum,
    /// `portion of x within first t`: the part of the item's own `x` that falls within the
    /// first `t` of the running sum.
    Portion(Box<Expr>),
    /// `previous x`: `x` of the nearest item before.
    Previous,
}

/// One row of a lookup table.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupRow {
    /// The row's key literals; none for `otherwise`.
    pub keys: Option<Vec<Expr>>,
    /// The value for that key.
    pub value: Expr,
    /// The whole row.
    pub span: Span,
}

/// How a tier table pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierKind {
    /// `band of`: the band the subject falls in decides the whole value.
    Band,
    /// `marginal of`: each band's rate applies to the part of the subject inside it.
    Marginal,
}

impl TierKind {
    /// The word as written.
    pub fn word(self) -> &'static str {
        match self {
            TierKind::Band => "band",
            TierKind::Marginal => "marginal",
        }
    }
}

/// One band of a tier table.
#[derive(Debug, Clone, PartialEq)]
pub struct TierRow {
    /// The lower end (included); none for "everything below".
    pub start: Option<Expr>,
    /// `..` (end excluded) or `through` (end included).
    pub kind: RangeKind,
    /// The upper end; none for "and above".
    pub end: Option<Expr>,
    /// The band's value (`band`) or rate (`marginal`).
    pub value: Expr,
    /// The whole row.
    pub span: Span,
}

/// What `in` tests against.
#[derive(Debug, Clone, PartialEq)]
pub enum InTarget {
    /// A window, a set, a period range or a list.
    Expr(Box<Expr>),
    /// A range written in place: `a .. b` or `a through b`.
    Range(Range),
}
