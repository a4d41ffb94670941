//! The checker: resolves names, gives every expression a type and a unit,
//! enforces the unknown rules, and compiles the campaign into a [`Program`].
//!
//! It reports every problem it can find in one pass. When an expression is
//! wrong it reports once and yields `None`, so that one mistake does not
//! cascade into a page of follow-on errors.

mod balance;
mod chains;
mod conditional;
mod conditions;
mod declarations;
mod definitions;
mod expressions;
mod groups;
mod lists;
mod operators;
mod ordered;
mod periods;
mod rewards;
mod scope;
mod symbols;
mod tables;
mod units;

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::diagnostics::{Diagnostic, Span};
use crate::program::schema::RecordSchema;
use crate::program::types::{Ty, UnitInfo};
use crate::program::{Const, Definition, Derived, Ir, Level, ListExpr, Param, PeriodRange, Program, RankingDef};
use crate::syntax::ast::{self, Expr, ExprKind, Item};
use crate::syntax::keywords::Surface;

use super::errors;
use super::names::{NameTable, SymbolId};
use symbols::Symbols;

pub(crate) use expressions::written;

/// The words that mark a number as a plain multiplier (`2 times`, `2 倍`) rather than a rate.
pub(crate) const MULTIPLIER_WORDS: [&str; 2] = ["times", "倍"];

/// The most periods a period range may hold.
pub const MAX_PERIODS: usize = 10_000;
/// The most conditions an `eligible when` block may hold.
pub const MAX_CONDITIONS: usize = 1_000;
/// The most expression checks one campaign may take.
const MAX_CHECK_WORK: usize = 2_000_000;

/// A typed, compiled expression.
#[derive(Debug, Clone)]
struct T {
    ir: Ir,
    ty: Ty,
    /// Whether the value can be unknown.
    maybe: bool,
    /// Whether the value is a whole multiple of its unit's payable step.
    exact: bool,
    /// For a timestamp literal written as a bare date.
    date_only: bool,
    /// For list-valued expressions: what to iterate.
    list: Option<ListExpr>,
    /// Whether it depends on a budget's outcome.
    after_budget: bool,
    /// For a plain number: the number written in the campaign without `%` or `times` that it
    /// is (or is chosen from), which must not scale an amount (`gmv × 5` for 5 %).
    bare: Option<Bare>,
}

/// A plain number written in the campaign without `%`, a unit or `times`: where, and its value
/// when the place is a number literal (so that a fix can write it as a percentage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bare {
    span: Span,
    value: Option<Decimal>,
}

impl T {
    fn new(ir: Ir, ty: Ty) -> T {
        T {
            ir,
            ty,
            maybe: false,
            exact: true,
            date_only: false,
            list: None,
            after_budget: false,
            bare: None,
        }
    }

    fn bare(mut self, bare: Option<Bare>) -> T {
        self.bare = bare;
        self
    }

    fn maybe(mut self, maybe: bool) -> T {
        self.maybe = maybe;
        self
    }

    fn exact(mut self, exact: bool) -> T {
        self.exact = exact;
        self
    }
}

fn num_const(ir: &Ir) -> Option<Decimal> {
    match ir {
        Ir::Const(Const::Num(n)) => Some(*n),
        _ => None,
    }
}

fn is_literal(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Number(_) => true,
        ExprKind::Neg(e) | ExprKind::Paren(e) => is_literal(e),
        _ => false,
    }
}

/// A non-zero number literal as a [`Bare`] (`0` takes any unit and scales nothing).
fn written_number(expr: &Expr) -> Option<Bare> {
    match &expr.kind {
        ExprKind::Number(n) if !n.is_zero() => Some(Bare {
            span: expr.span,
            value: Some(*n),
        }),
        ExprKind::Paren(e) | ExprKind::Neg(e) => written_number(e),
        _ => None,
    }
}

fn literal_value(expr: &Expr) -> Option<Decimal> {
    match &expr.kind {
        ExprKind::Number(n) => Some(*n),
        ExprKind::Neg(e) => literal_value(e).map(|n| -n),
        ExprKind::Paren(e) => literal_value(e),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unchecked,
    InProgress,
    Done(usize),
    Failed,
}

/// A top-level name and what it stands for.
/// How far a reward is checked.
#[derive(Debug)]
enum RewardState {
    Unchecked,
    InProgress,
    Done(Option<Box<crate::program::RewardDef>>),
}

#[derive(Debug, Clone, Copy)]
enum TopName<'a> {
    Value(&'a ast::ValueDecl),
    Window(&'a ast::WindowDecl),
    Param(usize),
    Periods(usize),
}

#[derive(Debug)]
struct LevelBuild {
    path: String,
    depth: usize,
    parent: Option<usize>,
    schema: RecordSchema,
    /// For each list field of the schema: its child level.
    children: HashMap<usize, usize>,
    /// The index of each fact of the schema by name (the first, if declared twice), so that a
    /// campaign with thousands of facts resolves each use in constant time.
    fact_index: HashMap<String, usize>,
}

impl LevelBuild {
    /// The index of a fact of this record by name.
    fn index_of(&self, name: &str) -> Option<usize> {
        self.fact_index.get(name).copied()
    }
}

struct DerivedSlot<'a> {
    decl: &'a ast::ValueDecl,
    state: State,
    result: Option<Derived>,
    /// Its symbol in the name table.
    symbol: SymbolId,
}

/// What the names in scope depend on: the levels in scope, and how many top-level names and
/// computed fields of those levels are declared (`usize::MAX` top-level names for the fields of
/// one record alone, after `.`).
type SuggestionScope = (Vec<usize>, usize, usize);

struct Context {
    /// The level of each frame in scope; frame 0 is the top-level record.
    frames: Vec<usize>,
    /// For each frame, the frame holding the list its item is in (0 for frame 0): the item's
    /// record is inside that frame's. A name found in two frames is ambiguous unless one of
    /// them is inside the other this way ([`Checker::name`]).
    parents: Vec<usize>,
    /// Frames `1..hidden_below` are out of sight of names: while a list definition
    /// (`let small = items where n < limit`) is checked again where it is used, inside another
    /// list's filter or a per-item definition, its names mean what they mean where it is
    /// written (the top-level record and its own items), not the items around the use.
    hidden_below: usize,
    /// `per month in settlement`: the name and the range.
    period_var: Option<(String, usize)>,
    /// References known not to be unknown here (narrowed by `x is known and ...`).
    known: Vec<Ir>,
    /// While a per-item field's own expression is checked: the frame of its item (the top
    /// frame there), where `running sum of`, `portion of` and `previous` may be written.
    own_item: Option<usize>,
}

struct Checker<'a> {
    diags: Vec<Diagnostic>,
    tz: Tz,
    /// The keyword set messages quote.
    surface: Surface,
    /// The text of the campaign file, for spans the syntax tree does not keep.
    text: &'a str,
    /// Every name declared so far, with the uses resolved so far.
    names: NameTable,
    /// The symbols of the names in `names`, by what they name.
    symbols: Symbols,
    units: HashMap<String, UnitInfo>,
    levels: Vec<LevelBuild>,
    derived: Vec<Vec<DerivedSlot<'a>>>,
    /// The index in `derived[level]` of each computed field, by level and name.
    derived_index: HashMap<(usize, &'a str), usize>,
    /// Names in scope indexed for "did you mean", by scope (see `names_in_scope`).
    suggestions: HashMap<SuggestionScope, crate::suggest::Names>,
    params: Vec<Param>,
    periods: Vec<PeriodRange>,
    top: HashMap<String, (TopName<'a>, Span)>,
    def_state: HashMap<String, State>,
    definitions: Vec<Definition>,
    rewards: HashMap<String, usize>,
    reward_has_budget: Vec<bool>,
    /// The reward being checked (its amount, modifiers and `when` block): the only place
    /// `REWARD is earned` may be read, of rewards before it.
    current_reward: Option<usize>,
    /// Each reward by index, checked on first need: in the order written, or earlier when a
    /// value reads its budget's pool (`pool_claims`), which needs the reward's unit.
    reward_decls: Vec<(&'a ast::RewardDecl, RewardState)>,
    used: HashSet<String>,
    ctx: Context,
    work: usize,
    work_exhausted: bool,
    uses_as_of: bool,
    uses_business_days: bool,
    /// While a per-period reward's modifiers are checked: its period variable, for the payment
    /// dates and expiry (not the cap).
    reward_period_var: Option<(String, usize)>,
    rankings: Vec<RankingDef>,
    /// How many ordered values (`running sum of`, ...) have been compiled: the next one's slot.
    ordered_slots: usize,
    /// How many balances have been compiled: the next one's slot.
    balance_slots: usize,
    /// The definitions (by index) that are balances, which `credit_used(b)` and its kin read.
    balance_defs: HashSet<usize>,
    /// The written plain number each top-level definition is (by name), each computed field
    /// (by level and index) and each parameter of a plain-number type (by index).
    def_bare: HashMap<String, Bare>,
    derived_bare: HashMap<(usize, usize), Bare>,
    param_bare: HashMap<usize, Bare>,
    /// Written plain numbers already reported as scaling an amount (one report each).
    bare_reported: HashSet<Span>,
    /// The other written plain numbers of a table whose value is the first one (by its span):
    /// each is reported with it, so that one round of fixes covers the table.
    bare_siblings: HashMap<Span, Vec<Bare>>,
    /// The per-period definitions being checked, innermost last.
    defining: Vec<String>,
    /// Reads of a definition's own earlier periods, checked once the definition is.
    own_previous: Vec<periods::OwnPrevious>,
}

/// Checks a parsed campaign (`text` is the file it was parsed from). Returns the program when
/// there is no error, every diagnostic, and the name table as far as checking got.
pub fn check_campaign(campaign: &ast::Campaign, text: &str) -> (Option<Program>, Vec<Diagnostic>, NameTable) {
    let mut checker = Checker::new(text);
    checker.surface = campaign.surface;
    let source = checker.header(campaign);
    let program = checker.run(campaign, source);
    let has_error = checker.diags.iter().any(Diagnostic::is_error);
    let mut diags = checker.diags;
    diags.sort_by_key(|d| (d.span().start, d.severity));
    (if has_error { None } else { program }, diags, checker.names.finished())
}

impl<'a> Checker<'a> {
    /// A checker for a campaign parsed from `text`, with the English keyword set and, until the
    /// header is read, UTC.
    fn new(text: &'a str) -> Self {
        Checker {
            diags: Vec::new(),
            tz: chrono_tz::UTC,
            surface: Surface::default(),
            text,
            names: NameTable::default(),
            symbols: Symbols::default(),
            units: HashMap::new(),
            levels: Vec::new(),
            derived: Vec::new(),
            derived_index: HashMap::new(),
            suggestions: HashMap::new(),
            params: Vec::new(),
            periods: Vec::new(),
            top: HashMap::new(),
            def_state: HashMap::new(),
            definitions: Vec::new(),
            rewards: HashMap::new(),
            reward_has_budget: Vec::new(),
            current_reward: None,
            reward_decls: Vec::new(),
            used: HashSet::new(),
            work: 0,
            work_exhausted: false,
            uses_as_of: false,
            uses_business_days: false,
            reward_period_var: None,
            rankings: Vec::new(),
            ordered_slots: 0,
            balance_slots: 0,
            balance_defs: HashSet::new(),
            def_bare: HashMap::new(),
            derived_bare: HashMap::new(),
            param_bare: HashMap::new(),
            bare_reported: HashSet::new(),
            bare_siblings: HashMap::new(),
            defining: Vec::new(),
            own_previous: Vec::new(),
            ctx: Context {
                frames: vec![0],
                parents: vec![0],
                hidden_below: 0,
                period_var: None,
                known: Vec::new(),
                own_item: None,
            },
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn run(&mut self, campaign: &'a ast::Campaign, source: Option<String>) -> Option<Program> {
        let schema = self.declare(campaign);
        self.check_definitions(campaign);
        let conditions = self.eligible(campaign);
        let mut rewards = Vec::new();
        for item in &campaign.items {
            if let Item::Reward(r) = item {
                let indexed = self.rewards.get(&r.name.name).copied();
                let def = match indexed {
                    Some(i) if self.reward_decls.get(i).is_some_and(|(d, _)| std::ptr::eq(*d, r)) => {
                        self.ensure_reward(i);
                        match self.reward_decls.get_mut(i) {
                            Some((_, RewardState::Done(def))) => def.take().map(|d| *d),
                            _ => None,
                        }
                    }
                    _ => self.reward(r),
                };
                rewards.extend(def);
            }
        }
        self.outputs_of_one_kind(campaign);
        self.describe_rewards(&rewards);
        self.record_uses(campaign);
        let exposed = self.exposed(campaign);
        self.unused(campaign);
        let levels = self.output_levels();
        let (definitions, rankings) = self.rank_order(campaign, &levels);
        let mut units: Vec<UnitInfo> = self.units.values().cloned().collect();
        units.sort_by(|a, b| a.name.cmp(&b.name));
        Some(Program {
            name: campaign.name.value.clone(),
            timezone: self.tz,
            source,
            schema,
            levels,
            params: self.params.clone(),
            periods: self.periods.clone(),
            definitions,
            conditions,
            rewards,
            exposed,
            rankings,
            units,
            uses_as_of: self.uses_as_of,
            uses_business_days: self.uses_business_days,
        })
    }

    /// The record levels of the program, each with its computed fields.
    fn output_levels(&self) -> Vec<Level> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, l)| Level {
                path: l.path.clone(),
                depth: l.depth,
                derived: self
                    .derived
                    .get(i)
                    // Keep every slot, so that `Ir::Derived` indices stay valid: a field that
                    // failed to check (the campaign then has errors) becomes an unknown placeholder.
                    .map(|slots| {
                        slots
                            .iter()
                            .map(|s| {
                                s.result.clone().unwrap_or_else(|| Derived {
                                    name: s.decl.name.name.clone(),
                                    ty: Ty::Bool,
                                    maybe: true,
                                    expr: Ir::Unknown,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The definitions, each marked with whether it needs the ranking of the whole population
    /// first, and the rankings, of which none may order records by another ranking.
    fn rank_order(&mut self, campaign: &ast::Campaign, levels: &[Level]) -> (Vec<Definition>, Vec<RankingDef>) {
        let mut definitions = std::mem::take(&mut self.definitions);
        let mut flags: Vec<bool> = Vec::with_capacity(definitions.len());
        let mut memo = HashMap::new();
        for def in &definitions {
            let uses = uses_rank(&def.expr, &flags, levels, &mut memo)
                || def
                    .adjust
                    .at_most
                    .as_ref()
                    .is_some_and(|c| uses_rank(c, &flags, levels, &mut memo))
                || def
                    .adjust
                    .at_least
                    .as_ref()
                    .is_some_and(|c| uses_rank(c, &flags, levels, &mut memo));
            flags.push(uses);
        }
        for (def, flag) in definitions.iter_mut().zip(&flags) {
            def.after_rank = *flag;
        }
        let rankings = std::mem::take(&mut self.rankings);
        for r in &rankings {
            if r.keys
                .iter()
                .map(|(k, _)| k)
                .chain(r.within.iter())
                .any(|k| uses_rank(k, &flags, levels, &mut memo))
            {
                self.error(errors::definitions::ranking_by_a_ranking(campaign.name.span));
            }
        }
        (definitions, rankings)
    }
}

/// Whether evaluating `ir` needs a ranking's result, given which definitions do.
///
/// The answer for each computed field is remembered in `memo` (by level and field): a chain of
/// fields each using the one before twice would otherwise be looked at 2^(length) times.
/// Definitions are flagged in dependency order, so a field's answer never changes once given.
fn uses_rank(ir: &Ir, defs: &[bool], levels: &[Level], memo: &mut HashMap<(usize, usize), bool>) -> bool {
    ir.any(&mut |n| match n {
        Ir::Rank(_) => true,
        Ir::Def(j) | Ir::DefAt(j) | Ir::AggregatePeriods(_, j) | Ir::Previous { def: j, .. } | Ir::Cumulative(j) => {
            defs.get(*j).copied().unwrap_or(false)
        }
        Ir::Derived { level, index, .. } => {
            if let Some(known) = memo.get(&(*level, *index)) {
                return *known;
            }
            let uses = levels
                .get(*level)
                .and_then(|l| l.derived.get(*index))
                .is_some_and(|d| uses_rank(&d.expr, defs, levels, memo));
            memo.insert((*level, *index), uses);
            uses
        }
        _ => false,
    })
}

/// An expression written back as text, for messages.
pub fn expr_text(e: &Expr) -> String {
    crate::syntax::print::expr(e)
}
