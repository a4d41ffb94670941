//! The checker: resolves names, gives every expression a type and a unit,
//! enforces the unknown rules, and compiles the campaign into a [`Program`].
//!
//! It reports every problem it can find in one pass. When an expression is
//! wrong it reports once and yields `None`, so that one mistake does not
//! cascade into a page of follow-on errors.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::Func;
use crate::program::schema::{FactType, FieldSchema, RecordSchema};
use crate::program::types::{CURRENCIES, Dim, Ty, UnitInfo, currency, duration_unit};
use crate::program::*;
use crate::suggest::closest;
use crate::syntax::ast::{
    self, AggOp, BinOp, Expr, ExprKind, InTarget, Item, LookupRow, Modifier, PeriodUnit, RangeKind, Scope, TierKind,
    TierRow,
};

mod chains;

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
        }
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
    derived_decls: Vec<&'static str>,
}

struct DerivedSlot<'a> {
    decl: &'a ast::ValueDecl,
    state: State,
    result: Option<Derived>,
}

struct Context {
    /// The level of each frame in scope; frame 0 is the top-level record.
    frames: Vec<usize>,
    /// `per month in settlement`: the name and the range.
    period_var: Option<(String, usize)>,
    /// References known not to be unknown here (narrowed by `x is known and ...`).
    known: Vec<Ir>,
}

struct Checker<'a> {
    diags: Vec<Diagnostic>,
    tz: Tz,
    units: HashMap<String, UnitInfo>,
    levels: Vec<LevelBuild>,
    derived: Vec<Vec<DerivedSlot<'a>>>,
    params: Vec<Param>,
    periods: Vec<PeriodRange>,
    top: HashMap<String, (TopName<'a>, Span)>,
    def_state: HashMap<String, State>,
    definitions: Vec<Definition>,
    rewards: HashMap<String, usize>,
    reward_has_budget: Vec<bool>,
    used: HashSet<String>,
    ctx: Context,
    work: usize,
    work_exhausted: bool,
    uses_as_of: bool,
    uses_business_days: bool,
    rankings: Vec<RankingDef>,
    /// The unit of the tier table being checked, for messages.
    bound_unit: Option<String>,
}

/// Checks a parsed campaign. Returns the program when there is no error, and every diagnostic.
pub fn check_campaign(campaign: &ast::Campaign) -> (Option<Program>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // ---- header
    let mut timezone: Option<(Tz, Span)> = None;
    let mut source = None;
    let mut seen_tz: Option<Span> = None;
    for item in &campaign.items {
        match item {
            Item::Timezone(zone) => {
                if let Some(first) = seen_tz {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateItem,
                            zone.span,
                            "the time zone is given twice",
                            "second time zone",
                        )
                        .with_label(first, "first given here")
                        .with_help("keep one `timezone` line"),
                    );
                    continue;
                }
                seen_tz = Some(zone.span);
                match zone.name.parse::<Tz>() {
                    Ok(tz) => timezone = Some((tz, zone.span)),
                    Err(_) => {
                        let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                        // Names people use for China time that are not IANA zones.
                        let alias = match zone.name.as_str() {
                            "CST" | "GMT+8" | "UTC+8" | "Beijing" | "北京时间" | "China" => Some("Asia/Shanghai"),
                            "PST" | "PDT" => Some("America/Los_Angeles"),
                            _ => None,
                        };
                        let mut d = Diagnostic::error(
                            Code::UnknownTimezone,
                            zone.span,
                            format!("`{}` is not a time zone name", zone.name),
                            "unknown time zone",
                        );
                        d = match alias.or_else(|| closest(&zone.name, names)) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => {
                                d.with_help("use an IANA name such as `Asia/Shanghai`, `America/Los_Angeles` or `UTC`")
                            }
                        };
                        diags.push(d);
                    }
                }
            }
            Item::Source(text) => {
                if source.is_some() {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateItem,
                            text.span,
                            "the source is given twice",
                            "second source",
                        )
                        .with_help("keep one `source` line; put further remarks in `note`"),
                    );
                }
                source = Some(text.value.clone());
            }
            _ => {}
        }
    }
    let tz = match timezone {
        Some((tz, _)) => tz,
        None => {
            if seen_tz.is_none() {
                diags.push(
                    Diagnostic::error(
                        Code::MissingTimezone,
                        campaign.name.span,
                        "the campaign does not say which time zone its dates are in",
                        "this campaign",
                    )
                    .with_help("add a line such as `timezone Asia/Shanghai` inside the campaign block"),
                );
            }
            // Keep checking the rest with a stand-in zone; no program is produced.
            chrono_tz::UTC
        }
    };
    let mut checker = Checker {
        diags,
        tz,
        units: HashMap::new(),
        levels: Vec::new(),
        derived: Vec::new(),
        params: Vec::new(),
        periods: Vec::new(),
        top: HashMap::new(),
        def_state: HashMap::new(),
        definitions: Vec::new(),
        rewards: HashMap::new(),
        reward_has_budget: Vec::new(),
        used: HashSet::new(),
        work: 0,
        work_exhausted: false,
        uses_as_of: false,
        uses_business_days: false,
        rankings: Vec::new(),
        bound_unit: None,
        ctx: Context {
            frames: vec![0],
            period_var: None,
            known: Vec::new(),
        },
    };
    let program = checker.run(campaign, source);
    let has_error = checker.diags.iter().any(Diagnostic::is_error);
    let mut diags = checker.diags;
    diags.sort_by_key(|d| (d.span().start, d.severity));
    (if has_error { None } else { program }, diags)
}

impl<'a> Checker<'a> {
    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn run(&mut self, campaign: &'a ast::Campaign, source: Option<String>) -> Option<Program> {
        // ---- units
        for item in &campaign.items {
            if let Item::Unit(u) = item {
                self.declare_unit(u);
            }
        }
        // ---- facts
        let mut facts_blocks = campaign.items.iter().filter_map(|i| match i {
            Item::Facts(f) => Some(f),
            _ => None,
        });
        let mut fields: Vec<&ast::FieldDecl> = Vec::new();
        if let Some(first) = facts_blocks.next() {
            fields.extend(first.fields.iter());
            for extra in facts_blocks {
                // Several blocks are allowed (long schemas read better split up); names must still be unique.
                fields.extend(extra.fields.iter());
            }
        }
        let schema = self.build_schema(&fields);
        self.build_levels(&schema, String::new(), 0, None);
        // ---- top-level names
        let mut reward_index = 0usize;
        for item in &campaign.items {
            match item {
                Item::Parameter(p) if self.declare_top(&p.name, TopName::Param(self.params.len())) => {
                    self.declare_param(p);
                }
                Item::Window(w) => {
                    self.declare_top(&w.name, TopName::Window(w));
                }
                Item::Periods(p) if self.declare_top(&p.name, TopName::Periods(self.periods.len())) => {
                    self.declare_periods(p);
                }
                Item::Value(v) => match &v.scope {
                    Some(Scope::Of(path)) => self.declare_derived(v, path),
                    _ => {
                        self.declare_top(&v.name, TopName::Value(v));
                    }
                },
                Item::Reward(r) => {
                    if self.rewards.contains_key(&r.name.name) || self.top.contains_key(&r.name.name) {
                        self.duplicate(&r.name);
                    } else {
                        self.rewards.insert(r.name.name.clone(), reward_index);
                        reward_index += 1;
                        self.reward_has_budget
                            .push(r.modifiers.iter().any(|m| matches!(m, Modifier::Budget(_))));
                    }
                }
                _ => {}
            }
        }
        // ---- definitions, in the order written (dependencies first, through `ensure_def`)
        for item in &campaign.items {
            match item {
                Item::Value(v) if !matches!(v.scope, Some(Scope::Of(_))) => {
                    self.ensure_def(&v.name.name);
                }
                Item::Window(w) => {
                    self.ensure_def(&w.name.name);
                }
                Item::Value(v) => {
                    // Derived fields are checked even if nothing uses them.
                    if let Some(Scope::Of(path)) = &v.scope
                        && let Some(level) = self.level_of_path(path, false)
                        && let Some(index) = self
                            .derived
                            .get(level)
                            .and_then(|d| d.iter().position(|s| std::ptr::eq(s.decl, v)))
                    {
                        self.ensure_derived(level, index);
                    }
                }
                _ => {}
            }
        }
        // ---- conditions
        let mut conditions = Vec::new();
        let mut eligible_seen: Option<Span> = None;
        for item in &campaign.items {
            if let Item::Eligible(block) = item {
                if let Some(first) = eligible_seen {
                    self.error(
                        Diagnostic::error(
                            Code::DuplicateItem,
                            block.head_span,
                            "the campaign has two `eligible when` blocks",
                            "second block",
                        )
                        .with_label(first, "first block")
                        .with_help("put all conditions in one `eligible when` block: every one of them must hold"),
                    );
                    continue;
                }
                eligible_seen = Some(block.head_span);
                if block.conditions.len() > MAX_CONDITIONS {
                    self.error(
                        Diagnostic::error(
                            Code::TooLarge,
                            block.head_span,
                            format!(
                                "`eligible when` has {} conditions, more than the limit of {MAX_CONDITIONS}",
                                block.conditions.len()
                            ),
                            "too many conditions",
                        )
                        .with_help("split the announcement into several campaigns, or group conditions with `let`"),
                    );
                    continue;
                }
                if block.conditions.is_empty() {
                    self.error(
                        Diagnostic::warning(
                            Code::NothingToCheck,
                            block.head_span,
                            "`eligible when` has no conditions, so every record is eligible",
                            "empty block",
                        )
                        .with_help("add the announcement's conditions, or remove the block if everyone qualifies"),
                    );
                }
                for c in &block.conditions {
                    if let Some(def) = self.condition(c, campaign) {
                        conditions.push(def);
                    }
                }
            }
        }
        // ---- rewards
        let mut rewards = Vec::new();
        for item in &campaign.items {
            if let Item::Reward(r) = item
                && let Some(def) = self.reward(r)
            {
                rewards.push(def);
            }
        }
        // ---- exposed values, in the order written
        let mut exposed = Vec::new();
        for item in &campaign.items {
            if let Item::Value(v) = item
                && v.exposed
                && !matches!(v.scope, Some(Scope::Of(_)))
                && let Some(State::Done(idx)) = self.def_state.get(&v.name.name).copied()
                && let Some(def) = self.definitions.get(idx)
            {
                if def.per.is_some() {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidScope,
                            v.name.span,
                            format!(
                                "`{}` has one value per period and cannot be shown as one value",
                                v.name.name
                            ),
                            "per-period value",
                        )
                        .with_help(format!(
                            "write `let` instead of `value`, and show a total such as `value total = sum of {}`",
                            v.name.name
                        )),
                    );
                } else if !outputtable(&def.ty) {
                    let ty = def.ty.clone();
                    self.error(
                                    Diagnostic::error(
                                        Code::TypeMismatch,
                                        v.name.span,
                                        format!("`{}` is {ty}, which cannot be shown in results", v.name.name),
                                        "not a result value",
                                    )
                                    .with_help("write `let` instead of `value` for helpers; results show numbers, amounts, yes/no, texts and timestamps"),
                                );
                } else {
                    exposed.push(idx);
                }
            }
        }
        if let Some(Item::Value(_)) = None::<&Item> {}
        self.unused(campaign);
        let levels: Vec<Level> = self
            .levels
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
            .collect();
        // Which definitions need the ranking of the whole population first.
        let mut definitions = std::mem::take(&mut self.definitions);
        let mut flags: Vec<bool> = Vec::with_capacity(definitions.len());
        let mut memo = HashMap::new();
        for def in &definitions {
            let uses = uses_rank(&def.expr, &flags, &levels, &mut memo)
                || def
                    .adjust
                    .at_most
                    .as_ref()
                    .is_some_and(|c| uses_rank(c, &flags, &levels, &mut memo))
                || def
                    .adjust
                    .at_least
                    .as_ref()
                    .is_some_and(|c| uses_rank(c, &flags, &levels, &mut memo));
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
                .any(|k| uses_rank(k, &flags, &levels, &mut memo))
            {
                self.error(
                    Diagnostic::error(
                        Code::InvalidScope,
                        campaign.name.span,
                        "a ranking orders records by a value that itself depends on a ranking",
                        "in this campaign",
                    )
                    .with_help("rank by facts and values computed from them, not by another ranking"),
                );
            }
        }
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

    // ------------------------------------------------------------ declarations

    fn duplicate(&mut self, name: &ast::Ident) {
        let first = self.top.get(&name.name).map(|(_, s)| *s);
        let mut d = Diagnostic::error(
            Code::DuplicateDefinition,
            name.span,
            format!("`{}` is defined more than once", name.name),
            "defined again here",
        )
        .with_help("give each fact, value, window, parameter, period range and reward its own name");
        if let Some(first) = first {
            d = d.with_label(first, "first defined here");
        }
        self.error(d);
    }

    fn declare_top(&mut self, name: &ast::Ident, what: TopName<'a>) -> bool {
        let clashes_fact = self
            .levels
            .first()
            .and_then(|l| l.schema.index_of(&name.name))
            .is_some();
        if self.top.contains_key(&name.name) || clashes_fact {
            if clashes_fact && !self.top.contains_key(&name.name) {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateDefinition,
                        name.span,
                        format!("`{}` is already the name of a fact", name.name),
                        "defined again here",
                    )
                    .with_help("choose another name for the definition"),
                );
            } else {
                self.duplicate(name);
            }
            return false;
        }
        self.top.insert(name.name.clone(), (what, name.span));
        self.def_state.insert(name.name.clone(), State::Unchecked);
        true
    }

    fn declare_unit(&mut self, u: &ast::UnitDecl) {
        if currency(&u.name.name).is_some() || duration_unit(&u.name.name).is_some() {
            self.error(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    u.name.span,
                    format!("`{}` is already a built-in unit", u.name.name),
                    "built-in unit",
                )
                .with_help("currencies and time units need no declaration; remove this line"),
            );
            return;
        }
        if self.units.contains_key(&u.name.name) {
            self.error(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    u.name.span,
                    format!("the unit `{}` is declared twice", u.name.name),
                    "declared again",
                )
                .with_help("keep one `unit` line per unit"),
            );
            return;
        }
        let precision = match u.precision {
            Some((p, span)) => {
                if !is_power_of_ten(p) {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidRounding,
                            span,
                            format!("a unit's precision must be a power of ten such as `1` or `0.01`, not `{p}`"),
                            "not a power of ten",
                        )
                        .with_help("write the smallest step the unit is paid in: `1`, `0.1`, `0.01`..."),
                    );
                    Decimal::ONE
                } else {
                    p
                }
            }
            None => Decimal::ONE,
        };
        self.units.insert(
            u.name.name.clone(),
            UnitInfo {
                name: u.name.name.as_str().into(),
                precision,
                currency: false,
            },
        );
    }

    fn build_schema(&mut self, fields: &[&ast::FieldDecl]) -> RecordSchema {
        let mut schema = RecordSchema::default();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in fields {
            if let Some(first) = seen.get(f.name.name.as_str()) {
                self.error(
                    Diagnostic::error(
                        Code::DuplicateDefinition,
                        f.name.span,
                        format!("the fact `{}` is declared twice", f.name.name),
                        "declared again",
                    )
                    .with_label(*first, "first declared here")
                    .with_help("remove one of the declarations"),
                );
                continue;
            }
            seen.insert(&f.name.name, f.name.span);
            if f.name.name == "id" && !matches!(f.ty.kind, ast::TypeExprKind::Text) && schema.fields.is_empty() {
                // `id` is always text; a different type would contradict the records.
            }
            if f.optional && matches!(f.ty.kind, ast::TypeExprKind::List(_)) {
                self.error(
                    Diagnostic::error(
                        Code::OptionalList,
                        f.span,
                        format!("the list `{}` cannot be optional", f.name.name),
                        "optional list",
                    )
                    .with_help("remove `, optional`: a record with no items sends an empty list `[]`"),
                );
                // Keep the list (as required) so that its uses do not cascade into more errors.
            }
            if let Some(ty) = self.fact_type(&f.ty) {
                let is_list = matches!(ty, FactType::List(_));
                schema.fields.push(FieldSchema {
                    name: f.name.name.clone(),
                    ty,
                    optional: f.optional && !is_list,
                });
            } else if let ast::TypeExprKind::Money(c) = &f.ty.kind {
                // An unknown currency was reported; keep the fact (as the currency it most likely
                // means, `RMB` → `CNY`) so that its uses do not cascade into more errors.
                let code = currency_alias(&c.name).unwrap_or(c.name.as_str()).to_string();
                schema.fields.push(FieldSchema {
                    name: f.name.name.clone(),
                    ty: FactType::Money(code),
                    optional: f.optional,
                });
            }
        }
        schema
    }

    fn fact_type(&mut self, ty: &ast::TypeExpr) -> Option<FactType> {
        use ast::TypeExprKind as K;
        Some(match &ty.kind {
            K::Text => FactType::Text,
            K::Bool => FactType::Bool,
            K::Count => FactType::Count,
            K::Decimal => FactType::Decimal,
            K::Fraction => FactType::Fraction,
            K::Timestamp => FactType::Timestamp,
            K::Duration => FactType::Duration,
            K::Money(c) => match currency(&c.name) {
                Some((code, minor)) => {
                    self.note_currency(code, minor);
                    FactType::Money(code.to_string())
                }
                None => {
                    self.unknown_currency(c);
                    return None;
                }
            },
            K::Quantity(u) => {
                if self.units.contains_key(&u.name) {
                    FactType::Quantity(u.name.clone())
                } else {
                    self.unknown_unit(u);
                    return None;
                }
            }
            K::Enum(choices) => {
                let mut values: Vec<String> = Vec::new();
                for c in choices {
                    if values.contains(&c.value) {
                        self.error(
                            Diagnostic::error(
                                Code::DuplicateDefinition,
                                c.span,
                                format!("the choice \"{}\" is listed twice", c.value),
                                "listed again",
                            )
                            .with_help("remove the repeated choice"),
                        );
                    } else {
                        values.push(c.value.clone());
                    }
                }
                FactType::Enum(values)
            }
            K::List(fields) => {
                let refs: Vec<&ast::FieldDecl> = fields.iter().collect();
                FactType::List(Box::new(self.build_schema(&refs)))
            }
        })
    }

    fn note_currency(&mut self, code: &str, minor: u32) {
        self.units.entry(code.to_string()).or_insert_with(|| UnitInfo {
            name: code.into(),
            precision: Decimal::new(1, minor),
            currency: true,
        });
    }

    fn unknown_currency(&mut self, c: &ast::Ident) {
        let codes = CURRENCIES.iter().map(|(c, _)| *c);
        let help = match currency_alias(&c.name).or_else(|| closest(&c.name, codes)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "write an ISO 4217 currency code such as `CNY`, `USD` or `EUR`".into(),
        };
        self.error(
            Diagnostic::error(
                Code::UnknownUnit,
                c.span,
                format!("`{}` is not a currency", c.name),
                "unknown currency",
            )
            .with_help(help),
        );
    }

    fn unknown_unit(&mut self, u: &ast::Ident) {
        let mut names: Vec<&str> = self.units.keys().map(String::as_str).collect();
        names.extend(CURRENCIES.iter().map(|(c, _)| *c));
        names.extend(["days", "hours", "minutes", "seconds", "weeks"]);
        let help = match closest(&u.name, names.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!(
                "declare it with `unit {}` at the top of the campaign, or use a currency code such as `CNY`",
                u.name
            ),
        };
        self.error(
            Diagnostic::error(
                Code::UnknownUnit,
                u.span,
                format!("`{}` is not a known unit", u.name),
                "unknown unit",
            )
            .with_help(help),
        );
    }

    fn build_levels(&mut self, schema: &RecordSchema, path: String, depth: usize, parent: Option<usize>) -> usize {
        let index = self.levels.len();
        self.levels.push(LevelBuild {
            path: path.clone(),
            depth,
            parent,
            schema: schema.clone(),
            children: HashMap::new(),
            derived_decls: Vec::new(),
        });
        self.derived.push(Vec::new());
        for (i, f) in schema.fields.iter().enumerate() {
            if let FactType::List(inner) = &f.ty {
                let child_path = if path.is_empty() {
                    f.name.clone()
                } else {
                    format!("{path}.{}", f.name)
                };
                let child = self.build_levels(inner, child_path, depth + 1, Some(index));
                if let Some(l) = self.levels.get_mut(index) {
                    l.children.insert(i, child);
                }
            }
        }
        index
    }

    fn level_of_path(&mut self, path: &[ast::Ident], report: bool) -> Option<usize> {
        let mut level = 0usize;
        for segment in path {
            let l = self.levels.get(level)?;
            match l.schema.index_of(&segment.name) {
                Some(i) if l.children.contains_key(&i) => {
                    level = *l.children.get(&i)?;
                }
                Some(_) => {
                    if report {
                        self.error(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                segment.span,
                                format!("`{}` is not a list", segment.name),
                                "not a list",
                            )
                            .with_help("`let NAME of LIST = ...` defines a field for each record of a list fact"),
                        );
                    }
                    return None;
                }
                None => {
                    if report {
                        let names: Vec<String> = l.schema.fields.iter().map(|f| f.name.clone()).collect();
                        let mut d = Diagnostic::error(
                            Code::UnknownName,
                            segment.span,
                            format!("there is no list fact `{}`", segment.name),
                            "unknown list",
                        );
                        if let Some(s) = closest(&segment.name, names.iter().map(String::as_str)) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        } else {
                            d = d.with_help("declare the list in `facts { ... }`");
                        }
                        self.error(d);
                    }
                    return None;
                }
            }
        }
        Some(level)
    }

    fn declare_derived(&mut self, v: &'a ast::ValueDecl, path: &[ast::Ident]) {
        let Some(level) = self.level_of_path(path, true) else {
            return;
        };
        if level == 0 {
            return;
        }
        let clash = self
            .levels
            .get(level)
            .map(|l| l.schema.index_of(&v.name.name).is_some())
            .unwrap_or(false)
            || self
                .derived
                .get(level)
                .map(|d| d.iter().any(|s| s.decl.name.name == v.name.name))
                .unwrap_or(false);
        if clash {
            self.error(
                Diagnostic::error(
                    Code::DuplicateDefinition,
                    v.name.span,
                    format!(
                        "the records of `{}` already have a field `{}`",
                        path_text(path),
                        v.name.name
                    ),
                    "defined again",
                )
                .with_help("choose another name"),
            );
            return;
        }
        if v.exposed {
            self.error(
                Diagnostic::error(
                    Code::InvalidScope,
                    v.name.span,
                    format!(
                        "`{}` is computed for each record of `{}`, so it cannot be shown as one value",
                        v.name.name,
                        path_text(path)
                    ),
                    "one value per record of the list",
                )
                .with_help("write `let` instead of `value`, and show an aggregate such as `count of ... where ...`"),
            );
        }
        if let Some(slots) = self.derived.get_mut(level) {
            slots.push(DerivedSlot {
                decl: v,
                state: State::Unchecked,
                result: None,
            });
        }
        let _ = &self.levels.get(level).map(|l| l.derived_decls.len());
    }

    fn declare_param(&mut self, p: &ast::ParameterDecl) {
        let Some(fact_ty) = self.fact_type(&p.ty) else {
            return;
        };
        let ty = ty_of_fact(&fact_ty);
        let value = match self.const_of(&p.default, &ty) {
            Some(v) => v,
            None => {
                self.error(
                    Diagnostic::error(
                        Code::InvalidParameter,
                        p.default.span,
                        format!(
                            "the default of `{}` must be a constant of type {}",
                            p.name.name,
                            describe_fact_type(&fact_ty)
                        ),
                        "not a constant of that type",
                    )
                    .with_help("write a literal value such as `50`, `100 CNY`, `2%` or `2024-08-16 15:00`"),
                );
                return;
            }
        };
        self.params.push(Param {
            name: p.name.name.clone(),
            ty,
            default: value,
            span: p.name.span,
        });
    }

    /// A literal of the given type, or `None`.
    fn const_of(&mut self, expr: &Expr, ty: &Ty) -> Option<Const> {
        let t = self.expr(expr)?;
        let Ir::Const(c) = t.ir else { return None };
        let fits = match (ty, &t.ty) {
            (Ty::Num(Dim::Count), Ty::Num(Dim::Count | Dim::Decimal)) => {
                matches!(c, Const::Num(n) if n.fract().is_zero() && !n.is_sign_negative())
            }
            (Ty::Num(Dim::Decimal), Ty::Num(Dim::Count | Dim::Decimal)) => true,
            (Ty::Choice(choices), Ty::Text) => {
                return match &c {
                    Const::Text(s) => choices
                        .iter()
                        .position(|x| x.as_str() == &**s)
                        .map(|i| Const::Choice(i as u32)),
                    _ => None,
                };
            }
            (a, b) => a == b,
        };
        fits.then_some(c)
    }

    fn declare_periods(&mut self, p: &ast::PeriodsDecl) {
        let tz = self.tz;
        let bound = |b: &ast::PeriodBound| -> Option<NaiveDate> {
            NaiveDate::from_ymd_opt(b.year, b.month, b.day.unwrap_or(1))
        };
        let wrong_shape = match p.unit {
            PeriodUnit::Month => p.first.day.is_some() || p.last.day.is_some(),
            _ => p.first.day.is_none() || p.last.day.is_none(),
        };
        if wrong_shape {
            let (what, example) = match p.unit {
                PeriodUnit::Month => ("months are written as `YYYY-MM`", "`months 2022-12 through 2023-06`"),
                _ => (
                    "days and weeks are written as dates",
                    "`days 2024-08-22 through 2024-08-31`",
                ),
            };
            self.error(
                Diagnostic::error(
                    Code::InvalidPeriods,
                    p.span,
                    format!("{what} in a period range"),
                    "period range",
                )
                .with_help(format!("for example {example}")),
            );
            self.periods.push(PeriodRange {
                name: p.name.name.clone(),
                unit: p.unit,
                periods: Vec::new(),
            });
            return;
        }
        let (Some(first), Some(last)) = (bound(&p.first), bound(&p.last)) else {
            let span = if bound(&p.first).is_none() {
                p.first.span
            } else {
                p.last.span
            };
            self.error(
                Diagnostic::error(
                    Code::InvalidDate,
                    span,
                    {
                        let bad = if bound(&p.first).is_none() { &p.first } else { &p.last };
                        if (1..=12).contains(&bad.month) {
                            "this is not a date on the calendar".to_string()
                        } else {
                            format!(
                                "`{}-{:02}` is not a month: months run from 01 to 12",
                                bad.year, bad.month
                            )
                        }
                    },
                    "no such date",
                )
                .with_help("check the month (1–12) and the day of the month"),
            );
            self.periods.push(PeriodRange {
                name: p.name.name.clone(),
                unit: p.unit,
                periods: Vec::new(),
            });
            return;
        };
        let mut periods = Vec::new();
        let mut cursor = match p.unit {
            PeriodUnit::Week => first - TimeDelta::days(i64::from(first.weekday().num_days_from_monday())),
            _ => first,
        };
        let mut failed = false;
        while cursor <= last {
            let next = match p.unit {
                PeriodUnit::Month => add_month(cursor),
                PeriodUnit::Week => cursor.checked_add_signed(TimeDelta::days(7)),
                PeriodUnit::Day => cursor.succ_opt(),
            };
            let Some(next) = next else { break };
            let key = match p.unit {
                PeriodUnit::Month => format!("{:04}-{:02}", cursor.year(), cursor.month()),
                PeriodUnit::Day => cursor.format("%Y-%m-%d").to_string(),
                PeriodUnit::Week => {
                    let w = cursor.iso_week();
                    format!("{:04}-W{:02}", w.year(), w.week())
                }
            };
            match (local_midnight(tz, cursor), local_midnight(tz, next)) {
                (Some(start), Some(end)) => periods.push(Period {
                    key,
                    window: Window {
                        start,
                        end,
                        end_inclusive: false,
                    },
                }),
                _ => failed = true,
            }
            if periods.len() > MAX_PERIODS {
                break;
            }
            cursor = next;
        }
        if failed {
            self.error(
                Diagnostic::error(
                    Code::AmbiguousLocalTime,
                    p.span,
                    "a period starts at a midnight that the time zone skips",
                    "period range",
                )
                .with_help("use a time zone where midnight exists on every day of the range"),
            );
        }
        if periods.is_empty() {
            self.error(
                Diagnostic::error(
                    Code::InvalidPeriods,
                    p.span,
                    "the period range is empty: its last period comes before its first",
                    "empty range",
                )
                .with_help("write the earlier period first"),
            );
        } else if periods.len() > MAX_PERIODS {
            self.error(
                Diagnostic::error(
                    Code::InvalidPeriods,
                    p.span,
                    format!("the period range has more than {MAX_PERIODS} periods"),
                    "too many periods",
                )
                .with_help("use a longer period (weeks or months) or a shorter range"),
            );
            periods.truncate(MAX_PERIODS);
        }
        self.periods.push(PeriodRange {
            name: p.name.name.clone(),
            unit: p.unit,
            periods,
        });
    }

    // ------------------------------------------------------------ definitions

    /// Checks a top-level definition if not done yet; returns its index in evaluation order.
    fn ensure_def(&mut self, name: &str) -> Option<usize> {
        let (what, span) = *self.top.get(name)?;
        match self.def_state.get(name).copied().unwrap_or(State::Unchecked) {
            State::Done(i) => return Some(i),
            State::Failed => return None,
            State::InProgress => {
                self.error(
                    Diagnostic::error(
                        Code::CyclicDefinition,
                        span,
                        format!("`{name}` depends on itself"),
                        "defined in terms of itself",
                    )
                    .with_help("a value must be computable from facts and earlier values; break the circle"),
                );
                self.def_state.insert(name.to_string(), State::Failed);
                return None;
            }
            State::Unchecked => {}
        }
        self.def_state.insert(name.to_string(), State::InProgress);
        // Definitions are checked at the top level, whatever the context of their first use.
        let saved = std::mem::replace(
            &mut self.ctx,
            Context {
                frames: vec![0],
                period_var: None,
                known: Vec::new(),
            },
        );
        let result = match what {
            TopName::Value(v) => self.value_def(v),
            TopName::Window(w) => self.window_def(w),
            _ => None,
        };
        self.ctx = saved;
        if self.def_state.get(name) == Some(&State::Failed) {
            return None;
        }
        match result {
            Some(def) => {
                let idx = self.definitions.len();
                self.definitions.push(def);
                self.def_state.insert(name.to_string(), State::Done(idx));
                Some(idx)
            }
            None => {
                self.def_state.insert(name.to_string(), State::Failed);
                None
            }
        }
    }

    fn value_def(&mut self, v: &'a ast::ValueDecl) -> Option<Definition> {
        let per = match &v.scope {
            Some(Scope::Per { var, periods }) => {
                let p = self.periods_ref(periods)?;
                self.ctx.period_var = Some((var.name.clone(), p));
                Some(p)
            }
            _ => None,
        };
        let t = self.expr(&v.expr)?;
        let adjust = self.adjust(&v.modifiers, &t, None, false)?;
        // A constant cap in whole payable steps keeps a value exact; a computed one may not.
        let step = match &t.ty {
            Ty::Num(Dim::Money(c)) => currency(c).map(|(_, minor)| Decimal::new(1, minor)),
            Ty::Num(Dim::Unit(u)) => self.units.get(&**u).map(|i| i.precision),
            _ => None,
        };
        let cap_exact = |cap: &Option<Ir>| match cap {
            None => true,
            Some(Ir::Const(Const::Num(n))) => step.is_some_and(|s| (*n / s).fract().is_zero()),
            Some(_) => false,
        };
        let exact = t.exact && cap_exact(&adjust.at_most) && cap_exact(&adjust.at_least);
        Some(Definition {
            name: v.name.name.clone(),
            ty: t.ty,
            maybe: t.maybe,
            per,
            expr: t.ir,
            adjust,
            after_budget: t.after_budget,
            after_rank: false,
            exact,
            span: v.name.span,
        })
    }

    fn periods_ref(&mut self, name: &ast::Ident) -> Option<usize> {
        self.used.insert(name.name.clone());
        match self.top.get(&name.name) {
            Some((TopName::Periods(i), _)) => Some(*i),
            Some(_) => {
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        name.span,
                        format!("`{}` is not a period range", name.name),
                        "not a period range",
                    )
                    .with_help("declare one with `periods NAME = months 2022-12 through 2023-06`"),
                );
                None
            }
            None => {
                let names: Vec<String> = self
                    .top
                    .iter()
                    .filter(|(_, (w, _))| matches!(w, TopName::Periods(_)))
                    .map(|(n, _)| n.clone())
                    .collect();
                let mut d = Diagnostic::error(
                    Code::UnknownName,
                    name.span,
                    format!("there is no period range `{}`", name.name),
                    "unknown period range",
                );
                d = match closest(&name.name, names.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help("declare one with `periods NAME = months 2022-12 through 2023-06`"),
                };
                self.error(d);
                None
            }
        }
    }

    fn window_def(&mut self, w: &ast::WindowDecl) -> Option<Definition> {
        let t = self.range(&w.range)?;
        Some(Definition {
            name: w.name.name.clone(),
            ty: Ty::Window,
            maybe: t.maybe,
            per: None,
            expr: t.ir,
            adjust: Adjust::default(),
            after_budget: false,
            after_rank: false,
            exact: true,
            span: w.name.span,
        })
    }

    /// A window from a range: constant when both ends are literals.
    fn range(&mut self, r: &ast::Range) -> Option<T> {
        let start = self.expr(&r.start);
        let end = self.expr(&r.end);
        let (start, end) = (start?, end?);
        for (t, e) in [(&start, &r.start), (&end, &r.end)] {
            if t.ty != Ty::Time {
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        e.span,
                        format!("a window runs between two timestamps, but this is {}", t.ty),
                        "not a timestamp",
                    )
                    .with_help("write a date and time such as `2024-08-16 15:00`"),
                );
                return None;
            }
        }
        let mut end_ir = end.ir.clone();
        let mut end_inclusive = r.kind == RangeKind::Through;
        if end.date_only {
            match r.kind {
                RangeKind::Exclusive => {
                    self.error(
                        Diagnostic::error(
                            Code::AmbiguousWindowEnd,
                            r.end.span,
                            "a window written with `..` excludes its end, so this day would not be in it",
                            "the start of this day",
                        )
                        .with_help(format!(
                            "to include the whole day write `{} 24:00`, or write the range with `through`",
                            expr_text(&r.end)
                        )),
                    );
                    return None;
                }
                RangeKind::Through => {
                    // `through 2023-12-28` includes the whole day: up to the next midnight, excluded.
                    if let Ir::Const(Const::Time(t)) = end_ir {
                        let local = t.with_timezone(&self.tz).date_naive();
                        match local.succ_opt().and_then(|d| local_midnight(self.tz, d)) {
                            Some(next) => end_ir = Ir::Const(Const::Time(next)),
                            None => return None,
                        }
                        end_inclusive = false;
                    }
                }
            }
        }
        if let (Ir::Const(Const::Time(s)), Ir::Const(Const::Time(e))) = (&start.ir, &end_ir) {
            if e < s || (e == s && !end_inclusive) {
                self.error(
                    Diagnostic::error(
                        Code::WindowBackwards,
                        r.span,
                        "the window ends before it starts",
                        "backwards window",
                    )
                    .with_label(r.start.span, "start")
                    .with_label(r.end.span, "end")
                    .with_help("write the earlier time first: `START .. END`"),
                );
                return None;
            }
            return Some(T::new(
                Ir::Const(Const::Window(Window {
                    start: *s,
                    end: *e,
                    end_inclusive,
                })),
                Ty::Window,
            ));
        }
        let maybe = start.maybe || end.maybe;
        Some(
            T::new(
                Ir::MakeWindow {
                    start: Box::new(start.ir),
                    end: Box::new(end_ir),
                    end_inclusive,
                },
                Ty::Window,
            )
            .maybe(maybe),
        )
    }

    fn ensure_derived(&mut self, level: usize, index: usize) -> Option<(Ty, bool)> {
        let slot = self.derived.get(level)?.get(index)?;
        let decl = slot.decl;
        match slot.state {
            State::Done(_) => return slot.result.as_ref().map(|d| (d.ty.clone(), d.maybe)),
            State::Failed => return None,
            State::InProgress => {
                self.error(
                    Diagnostic::error(
                        Code::CyclicDefinition,
                        decl.name.span,
                        format!("`{}` depends on itself", decl.name.name),
                        "defined in terms of itself",
                    )
                    .with_help("a field must be computable from the record's facts; break the circle"),
                );
                self.set_derived_state(level, index, State::Failed);
                return None;
            }
            State::Unchecked => {}
        }
        self.set_derived_state(level, index, State::InProgress);
        let mut chain = Vec::new();
        let mut l = Some(level);
        while let Some(i) = l {
            chain.push(i);
            l = self.levels.get(i).and_then(|x| x.parent);
        }
        chain.reverse();
        let saved = std::mem::replace(
            &mut self.ctx,
            Context {
                frames: chain,
                period_var: None,
                known: Vec::new(),
            },
        );
        let t = self.expr(&decl.expr);
        let t = match t {
            Some(t) => self.adjust(&decl.modifiers, &t, None, false).map(|a| (t, a)),
            None => None,
        };
        self.ctx = saved;
        if matches!(
            self.derived.get(level).and_then(|d| d.get(index)).map(|s| s.state),
            Some(State::Failed)
        ) {
            return None;
        }
        match t {
            Some((t, adjust)) => {
                if t.list.is_some()
                    || t.after_budget
                    || adjust.rounding.is_some()
                    || adjust.at_most.is_some()
                    || adjust.at_least.is_some()
                {
                    if t.list.is_some() {
                        self.error(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                decl.expr.span,
                                "a field computed per record must be a single value, not a list",
                                "a list",
                            )
                            .with_help("aggregate it: `count of ...`, `sum of ...`"),
                        );
                        self.set_derived_state(level, index, State::Failed);
                        return None;
                    }
                    if adjust.rounding.is_some() || adjust.at_most.is_some() || adjust.at_least.is_some() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                decl.span,
                                "rounding and caps are not supported on fields computed per record",
                                "modifier here",
                            )
                            .with_help("write the rounding with `min(...)`/`max(...)` in the expression, or round the aggregate instead"),
                        );
                    }
                }
                let derived = Derived {
                    name: decl.name.name.clone(),
                    ty: t.ty.clone(),
                    maybe: t.maybe,
                    expr: t.ir,
                };
                if let Some(slot) = self.derived.get_mut(level).and_then(|d| d.get_mut(index)) {
                    slot.result = Some(derived);
                    slot.state = State::Done(index);
                }
                Some((t.ty, t.maybe))
            }
            None => {
                self.set_derived_state(level, index, State::Failed);
                None
            }
        }
    }

    fn set_derived_state(&mut self, level: usize, index: usize, state: State) {
        if let Some(slot) = self.derived.get_mut(level).and_then(|d| d.get_mut(index)) {
            slot.state = state;
        }
    }

    // ------------------------------------------------------------ conditions and rewards

    fn condition(&mut self, c: &ast::Condition, campaign: &ast::Campaign) -> Option<ConditionDef> {
        let _ = campaign;
        let t = self.expr(&c.expr);
        let reason = match &c.reason {
            Some(r) if r.value.trim().is_empty() => {
                self.error(
                    Diagnostic::error(Code::EmptyReason, r.span, "the reason text is empty", "empty reason")
                        .with_help("write the sentence a merchant should read when this condition fails"),
                );
                String::new()
            }
            Some(r) => r.value.clone(),
            None => {
                let end = Span::new(c.expr.span.end, c.expr.span.end);
                self.error(
                    Diagnostic::error(
                        Code::MissingReason,
                        c.expr.span,
                        "this condition has no reason text",
                        "no reason after this condition",
                    )
                    .with_label(end, "add the reason here, in quotes")
                    .with_help("write the sentence a merchant should read when the condition fails, e.g. `store_score ≥ 4.2  \"店铺评分需≥4.2\"`"),
                );
                String::new()
            }
        };
        let t = t?;
        if t.ty != Ty::Bool {
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    c.expr.span,
                    format!("a condition must be true or false, but this is {}", t.ty),
                    "not a condition",
                )
                .with_help("compare it with something, e.g. `counted_gmv > 10000 CNY`"),
            );
            return None;
        }
        if t.maybe {
            self.unknown_not_handled(&c.expr, "condition");
            return None;
        }
        if t.after_budget {
            self.error(
                Diagnostic::error(
                    Code::InvalidScope,
                    c.expr.span,
                    "eligibility cannot depend on a budget's outcome",
                    "uses the budget outcome",
                )
                .with_help("budgets are handed out to eligible records; use `is waitlisted` in a value instead"),
            );
            return None;
        }
        let (operands, threshold) = self.explain_parts(&c.expr);
        Some(ConditionDef {
            expr: t.ir,
            reason,
            text: expr_text(&c.expr),
            operands,
            threshold,
        })
    }

    /// What an explanation shows of a condition: the names it reads, and its threshold shape.
    /// Re-checking parts of an already checked condition must not add diagnostics.
    fn explain_parts(&mut self, e: &Expr) -> (Vec<Operand>, Option<Threshold>) {
        let saved = self.diags.len();
        let mut names = Vec::new();
        collect_operand_exprs(e, &mut names);
        let mut operands: Vec<Operand> = Vec::new();
        for n in names {
            let text = expr_text(n);
            if operands.iter().any(|o| o.text == text) {
                continue;
            }
            if let Some(t) = self.expr(n)
                && t.list.is_none()
                && !matches!(t.ty, Ty::TextSet | Ty::Periods(_) | Ty::PerPeriod(..))
            {
                operands.push(Operand {
                    text,
                    ir: t.ir,
                    ty: t.ty,
                });
            }
        }
        let mut core = e;
        while let ExprKind::Paren(inner) | ExprKind::IfUnknown(inner, _) = &core.kind {
            core = inner;
        }
        let threshold = match &core.kind {
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let (l, r) = (self.expr(a), self.expr(b));
                match (l, r) {
                    (Some(l), Some(r)) => match (&l.ir, &r.ir) {
                        (_, Ir::Const(c)) if !matches!(l.ir, Ir::Const(_)) => Some(Threshold::Compare {
                            subject: expr_text(a),
                            ir: l.ir.clone(),
                            op: cmp_of(*op),
                            bound: c.clone(),
                            ty: l.ty.clone(),
                        }),
                        (Ir::Const(c), _) => Some(Threshold::Compare {
                            subject: expr_text(b),
                            ir: r.ir.clone(),
                            op: flip(cmp_of(*op)),
                            bound: c.clone(),
                            ty: r.ty.clone(),
                        }),
                        _ => None,
                    },
                    _ => None,
                }
            }
            ExprKind::In {
                value,
                target: InTarget::Expr(w),
                negated: false,
            } => match (self.expr(value), self.expr(w)) {
                (Some(v), Some(wt)) if v.ty == Ty::Time && matches!(wt.ty, Ty::Window | Ty::Periods(_)) => {
                    let window = match wt.ty {
                        Ty::Periods(p) => Ir::PeriodsWindow(p),
                        _ => wt.ir,
                    };
                    Some(Threshold::InWindow {
                        subject: expr_text(value),
                        ir: v.ir,
                        window,
                    })
                }
                _ => None,
            },
            ExprKind::Name(id) => Some(Threshold::Flag {
                subject: id.name.clone(),
                expected: true,
            }),
            ExprKind::Not(inner) => match &inner.kind {
                ExprKind::Name(id) => Some(Threshold::Flag {
                    subject: id.name.clone(),
                    expected: false,
                }),
                _ => None,
            },
            _ => None,
        };
        self.diags.truncate(saved);
        (operands, threshold)
    }

    fn unknown_not_handled(&mut self, expr: &Expr, what: &str) {
        // Name only what can really be unknown here (optional facts and values computed from them).
        let saved = self.diags.len();
        let names: Vec<String> = optional_names(expr)
            .into_iter()
            .filter(|n| {
                let probe = Expr {
                    kind: ExprKind::Name(ast::Ident {
                        name: n.clone(),
                        span: expr.span,
                    }),
                    span: expr.span,
                };
                self.expr(&probe).is_some_and(|t| t.maybe)
            })
            .collect();
        self.diags.truncate(saved);
        let subject = match names.as_slice() {
            [] => "a value in it".to_string(),
            [one] => format!("`{one}`"),
            [rest @ .., last] => format!(
                "{} and `{last}`",
                rest.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        let (message, help) = match what {
            "condition" => (
                format!("this condition can be unknown, because {subject} can be unknown"),
                "say what unknown means: end the condition with `if unknown false` (unknown fails) or `if unknown true` (unknown passes)",
            ),
            "filter" => (
                format!("this filter can be unknown, because {subject} can be unknown"),
                "say whether a record with unknown data counts: add `if unknown false` (it does not) or `if unknown true` (it does)",
            ),
            "reward" => (
                format!("this reward can be unknown, because {subject} can be unknown"),
                "a payout must be a number: add `if unknown 0 CNY` (or the right unit), or require the fact in a condition",
            ),
            _ => (
                format!("this {what} can be unknown, because {subject} can be unknown"),
                "say what unknown means with `if unknown ...`",
            ),
        };
        self.error(Diagnostic::error(Code::UnknownNotHandled, expr.span, message, "may be unknown").with_help(help));
    }

    fn reward(&mut self, r: &'a ast::RewardDecl) -> Option<RewardDef> {
        let index = *self.rewards.get(&r.name.name)?;
        let _ = index;
        let per = match &r.per {
            Some(Scope::Per { var, periods }) => {
                let p = self.periods_ref(periods)?;
                self.ctx.period_var = Some((var.name.clone(), p));
                Some(p)
            }
            _ => None,
        };
        let t = self.expr(&r.expr);
        let saved_period = self.ctx.period_var.take();
        let _ = saved_period;
        let t = t?;
        let dim = match &t.ty {
            Ty::Num(d @ (Dim::Money(_) | Dim::Unit(_))) => d.clone(),
            Ty::Num(_) => {
                self.error(
                    Diagnostic::error(
                        Code::BareNumber,
                        r.expr.span,
                        format!("the reward `{}` has no unit", r.name.name),
                        "a plain number",
                    )
                    .with_help(
                        "say what is paid: multiply by an amount (`new_active × 100 CNY`) or convert with `as points`",
                    ),
                );
                return None;
            }
            other => {
                let other = other.clone();
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        r.expr.span,
                        format!("a reward must be an amount, but this is {other}"),
                        "not an amount",
                    )
                    .with_help("write an amount such as `counted_gmv × 0.9% as points` or `100 CNY`"),
                );
                return None;
            }
        };
        if t.maybe {
            self.unknown_not_handled(&r.expr, "reward");
            return None;
        }
        if t.after_budget {
            self.error(
                Diagnostic::error(
                    Code::InvalidScope,
                    r.expr.span,
                    "a reward cannot depend on a budget's outcome",
                    "uses the budget outcome",
                )
                .with_help("budgets are allocated from the rewards' amounts; use `is waitlisted` in a value instead"),
            );
            return None;
        }
        let unit = self.unit_info(&dim)?;
        let budget_ok = per.is_none();
        let adjust = self.adjust(&r.modifiers, &t, Some(&unit), per.is_some())?;
        if !t.exact && adjust.rounding.is_none() {
            self.error(
                Diagnostic::error(
                    Code::MissingRounding,
                    r.expr.span,
                    format!(
                        "the reward `{}` can have more decimals than {} pays, and no rounding is given",
                        r.name.name, unit.name
                    ),
                    "may need rounding",
                )
                .with_help(format!(
                    "add `, rounded down` (or `rounded half up`, `rounded up`) after the amount: {} is paid in steps of {}",
                    unit.name, unit.precision
                )),
            );
            return None;
        }
        let mut budget = None;
        for m in &r.modifiers {
            if let Modifier::Budget(b) = m {
                if !budget_ok {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidModifier,
                            b.span,
                            "a reward settled per period cannot draw on a budget",
                            "budget here",
                        )
                        .with_help("budgets apply to rewards paid once per record"),
                    );
                    return None;
                }
                if budget.is_some() {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidModifier,
                            b.span,
                            "a reward can draw on one budget only",
                            "second budget",
                        )
                        .with_help("remove one of the budgets"),
                    );
                    return None;
                }
                budget = Some(self.budget(b, &dim)?);
            }
        }
        Some(RewardDef {
            name: r.name.name.clone(),
            unit,
            dim,
            per,
            expr: t.ir,
            adjust,
            budget,
        })
    }

    fn unit_info(&mut self, dim: &Dim) -> Option<UnitInfo> {
        match dim {
            Dim::Money(c) => {
                if let Some((code, minor)) = currency(c) {
                    self.note_currency(code, minor);
                }
                self.units.get(&**c).cloned()
            }
            Dim::Unit(u) => self.units.get(&**u).cloned(),
            _ => None,
        }
    }

    fn budget(&mut self, b: &ast::Budget, dim: &Dim) -> Option<BudgetDef> {
        let amount = self.expr(&b.amount)?;
        let amount_ok = match &amount.ty {
            Ty::Num(Dim::Count) => true,
            Ty::Num(d) => d == dim,
            _ => false,
        };
        if !amount_ok {
            self.error(
                Diagnostic::error(
                    Code::UnitMismatch,
                    b.amount.span,
                    format!("the budget is {}, but the reward is {dim}", amount.ty),
                    "budget amount",
                )
                .with_help("give the budget in the reward's unit, or as a count of rewards"),
            );
            return None;
        }
        if depends_on_record(&amount.ir) || amount.maybe {
            self.error(
                Diagnostic::error(
                    Code::InvalidModifier,
                    b.amount.span,
                    "a budget must be the same for every record: it cannot depend on facts",
                    "depends on facts",
                )
                .with_help("use a number or a `parameter`"),
            );
            return None;
        }
        let group = match &b.scope {
            ast::BudgetScope::Total => None,
            ast::BudgetScope::Per(unit, e) => {
                let t = self.expr(e)?;
                if t.ty != Ty::Time {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            e.span,
                            format!("budget periods follow a timestamp, but this is {}", t.ty),
                            "not a timestamp",
                        )
                        .with_help("write the timestamp that decides the period, e.g. `per month of applied_at`"),
                    );
                    return None;
                }
                if t.maybe {
                    self.unknown_not_handled(e, "budget period");
                    return None;
                }
                Some((*unit, t.ir))
            }
        };
        let order = self.expr(&b.order)?;
        if !matches!(order.ty, Ty::Time | Ty::Num(_) | Ty::Text | Ty::Duration) {
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    b.order.span,
                    format!(
                        "records are served in the order of a timestamp, number or text, but this is {}",
                        order.ty
                    ),
                    "cannot be ordered",
                )
                .with_help("write what decides the queue, e.g. `first come first served by applied_at`"),
            );
            return None;
        }
        if order.maybe {
            self.unknown_not_handled(&b.order, "queue order");
            return None;
        }
        Some(BudgetDef {
            amount: amount.ir,
            group,
            order: order.ir,
            descending: b.descending,
        })
    }

    /// Rounding and caps of a value or reward.
    fn adjust(&mut self, modifiers: &[Modifier], t: &T, unit: Option<&UnitInfo>, per_period: bool) -> Option<Adjust> {
        let mut adjust = Adjust::default();
        let mut ok = true;
        for m in modifiers {
            match m {
                Modifier::Rounded { mode, step, span } => {
                    let Ty::Num(dim) = &t.ty else {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                format!("only amounts can be rounded, but this is {}", t.ty),
                                "rounding",
                            )
                            .with_help("remove the rounding"),
                        );
                        ok = false;
                        continue;
                    };
                    let default_step = unit.map(|u| u.precision).or_else(|| match dim {
                        Dim::Money(c) => currency(c).map(|(_, minor)| Decimal::new(1, minor)),
                        Dim::Unit(u) => self.units.get(&**u).map(|i| i.precision),
                        _ => None,
                    });
                    let step_value = match step {
                        Some((s, sspan)) => {
                            if !is_power_of_ten(*s) {
                                self.error(
                                    Diagnostic::error(
                                        Code::InvalidRounding,
                                        *sspan,
                                        format!("rounding steps are powers of ten such as `1` or `0.01`, not `{s}`"),
                                        "not a power of ten",
                                    )
                                    .with_help("write `to 0.01` for fen, `to 1` for whole units"),
                                );
                                ok = false;
                                continue;
                            }
                            *s
                        }
                        None => match default_step {
                            Some(s) => s,
                            None => {
                                self.error(
                                    Diagnostic::error(
                                        Code::InvalidRounding,
                                        *span,
                                        "say what to round to: this number has no unit with a payable step",
                                        "rounding without a step",
                                    )
                                    .with_help("add the step: `rounded half up to 0.01`"),
                                );
                                ok = false;
                                continue;
                            }
                        },
                    };
                    if adjust.rounding.is_some() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                "the amount is rounded twice",
                                "second rounding",
                            )
                            .with_help("keep one rounding"),
                        );
                        ok = false;
                    }
                    adjust.rounding = Some((*mode, step_value));
                }
                Modifier::AtMost(e, span) | Modifier::AtLeast(e, span) => {
                    let most = matches!(m, Modifier::AtMost(..));
                    if per_period && !most {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                "a floor on a reward settled per period is not supported",
                                "floor here",
                            )
                            .with_help("put the floor on a per-period value (`let x per month in ... = ..., at least ...`) and pay that"),
                        );
                        ok = false;
                        continue;
                    }
                    let Some(cap) = self.expr(e) else {
                        ok = false;
                        continue;
                    };
                    if !self.same_dim(&t.ty, &cap.ty, e, "cap") {
                        ok = false;
                        continue;
                    }
                    if cap.maybe {
                        self.unknown_not_handled(e, "cap");
                        ok = false;
                        continue;
                    }
                    if let (Some(u), Some(n)) = (unit, num_const(&cap.ir))
                        && !(n / u.precision).fract().is_zero()
                    {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                e.span,
                                format!(
                                    "`{}` is finer than {} pays (steps of {})",
                                    expr_text(e),
                                    u.name,
                                    u.precision
                                ),
                                "not payable",
                            )
                            .with_help("write the cap in whole payable steps"),
                        );
                        ok = false;
                    }
                    if most {
                        adjust.at_most = Some(cap.ir);
                    } else {
                        adjust.at_least = Some(cap.ir);
                    }
                }
                Modifier::Paid(parts, span) => {
                    if !adjust.parts.is_empty() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                "the payout is given twice",
                                "second payout",
                            )
                            .with_help("write all the parts in one `paid ... and ...`"),
                        );
                        ok = false;
                        continue;
                    }
                    if unit.is_none() || per_period {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                "only a reward paid once per record can be paid in parts",
                                "payout here",
                            )
                            .with_help("move `paid ... on ...` to a reward without `per`"),
                        );
                        ok = false;
                        continue;
                    }
                    let total: Decimal = parts.iter().map(|(share, _, _)| *share).sum();
                    if total != Decimal::ONE_HUNDRED {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                format!("the parts add up to {}%, not 100%", total.normalize()),
                                "parts of the payout",
                            )
                            .with_help("make the shares add up to exactly 100%, e.g. `paid 90% on ... and 10% on ...`"),
                        );
                        ok = false;
                        continue;
                    }
                    for (share, _, when) in parts {
                        let Some(t) = self.definite(
                            when,
                            &Ty::Time,
                            "a part is paid on a date",
                            "write a date such as `2024-10-01` or `add_months(start_of_month(as_of), 1)`",
                            "payment date",
                        ) else {
                            ok = false;
                            continue;
                        };
                        adjust.parts.push((*share / Decimal::ONE_HUNDRED, t.ir));
                    }
                }
                Modifier::Expires(e, span) => {
                    if adjust.expires.is_some() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                "the expiry is given twice",
                                "second expiry",
                            )
                            .with_help("keep one `expires ...`"),
                        );
                        ok = false;
                        continue;
                    }
                    if per_period {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                *span,
                                "a reward settled per period cannot carry one expiry",
                                "expiry here",
                            )
                            .with_help("move `expires ...` to a reward paid once per record"),
                        );
                        ok = false;
                        continue;
                    }
                    if unit.is_none() {
                        self.error(
                            Diagnostic::error(Code::InvalidModifier, *span, "only rewards expire", "expiry here")
                                .with_help("move `expires ...` to the reward"),
                        );
                        ok = false;
                        continue;
                    }
                    let Some(t) = self.definite(
                        e,
                        &Ty::Time,
                        "a reward expires at a time",
                        "write a date such as `2024-12-31 24:00`",
                        "expiry",
                    ) else {
                        ok = false;
                        continue;
                    };
                    adjust.expires = Some(t.ir);
                }
                Modifier::Budget(b) => {
                    if unit.is_none() {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidModifier,
                                b.span,
                                "only rewards can draw on a budget",
                                "budget here",
                            )
                            .with_help("move the budget to the reward"),
                        );
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(adjust)
    }

    /// Whether two types are the same quantity, reporting when not.
    fn same_dim(&mut self, want: &Ty, got: &Ty, expr: &Expr, what: &str) -> bool {
        match (want, got) {
            (Ty::Num(a), Ty::Num(b)) if a == b => true,
            (Ty::Num(_), Ty::Num(_)) if literal_value(expr) == Some(Decimal::ZERO) => true,
            (Ty::Num(Dim::Decimal | Dim::Count), Ty::Num(Dim::Decimal | Dim::Count)) => true,
            (Ty::Num(a), Ty::Num(b)) => {
                let code = if b.is_scalar() && is_literal(expr) {
                    Code::BareNumber
                } else {
                    Code::UnitMismatch
                };
                let help = match a.unit_label() {
                    Some(u) if b.is_scalar() => format!("write the unit: `{} {u}`", expr_text(expr)),
                    _ => format!("the {what} must be {a}"),
                };
                self.error(
                    Diagnostic::error(
                        code,
                        expr.span,
                        format!("the {what} is {b}, but the amount is {a}"),
                        "wrong unit",
                    )
                    .with_help(help),
                );
                false
            }
            (a, b) => {
                let (a, b) = (a.clone(), b.clone());
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        expr.span,
                        format!("the {what} is {b}, but the amount is {a}"),
                        "wrong kind",
                    )
                    .with_help(format!("the {what} must be {a}")),
                );
                false
            }
        }
    }

    // ------------------------------------------------------------ unused

    fn unused(&mut self, campaign: &ast::Campaign) {
        for item in &campaign.items {
            let (name, what) = match item {
                Item::Value(v) if !v.exposed => (&v.name, "value"),
                Item::Parameter(p) => (&p.name, "parameter"),
                Item::Window(w) => (&w.name, "window"),
                Item::Periods(p) => (&p.name, "period range"),
                _ => continue,
            };
            let derived_used = match item {
                Item::Value(v) if matches!(v.scope, Some(Scope::Of(_))) => {
                    self.used.contains(&format!("of:{}", v.name.name))
                }
                _ => false,
            };
            if !self.used.contains(&name.name) && !derived_used {
                self.error(
                    Diagnostic::warning(
                        Code::UnusedDefinition,
                        name.span,
                        format!("the {what} `{}` is never used", name.name),
                        "never used",
                    )
                    .with_help(if what == "value" {
                        "remove it, or write `value` instead of `let` to show it in results"
                    } else {
                        "remove it, or use it in a condition, value or reward"
                    }),
                );
            }
        }
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &Expr) -> Option<T> {
        // List definitions are re-checked where they are used; bound the total work so that
        // definitions referring to each other many times cannot take exponential time.
        self.work += 1;
        if self.work > MAX_CHECK_WORK {
            if !self.work_exhausted {
                self.work_exhausted = true;
                self.error(
                    Diagnostic::error(
                        Code::TooLarge,
                        e.span,
                        "the campaign is too large to check: its definitions refer to each other too many times",
                        "checking stopped here",
                    )
                    .with_help("simplify the campaign: define shared parts once with `let` and use fewer nested list definitions"),
                );
            }
            return None;
        }
        match &e.kind {
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Number(n) => Some(T::new(
                Ir::Const(Const::Num(*n)),
                Ty::Num(if n.fract().is_zero() { Dim::Count } else { Dim::Decimal }),
            )),
            ExprKind::Percent(n) => Some(T::new(
                Ir::Const(Const::Num(*n / Decimal::ONE_HUNDRED)),
                Ty::Num(Dim::Fraction),
            )),
            ExprKind::Quantity(n, unit) => self.quantity(*n, unit),
            ExprKind::Text(s) => Some(T::new(Ir::Const(Const::Text(s.as_str().into())), Ty::Text)),
            ExprKind::Bool(b) => Some(T::new(Ir::Const(Const::Bool(*b)), Ty::Bool)),
            ExprKind::Timestamp(lit) => self.timestamp(lit, e.span),
            ExprKind::Set(items) => {
                let mut values: Vec<Arc<str>> = Vec::new();
                for item in items {
                    if values.iter().any(|v| &**v == item.value.as_str()) {
                        self.error(
                            Diagnostic::warning(
                                Code::DuplicateDefinition,
                                item.span,
                                format!("\"{}\" is listed twice", item.value),
                                "listed again",
                            )
                            .with_help("remove the repeated text"),
                        );
                    } else {
                        values.push(item.value.as_str().into());
                    }
                }
                values.sort();
                Some(T::new(Ir::Const(Const::Set(values.into())), Ty::TextSet))
            }
            ExprKind::Name(id) => self.name(id),
            ExprKind::Field(base, field) => self.field(base, field),
            ExprKind::Neg(inner) => {
                let t = self.expr(inner)?;
                match &t.ty {
                    Ty::Num(_) | Ty::Duration => {
                        let ir = match num_const(&t.ir) {
                            Some(n) => Ir::Const(Const::Num(-n)),
                            None => Ir::Neg(Box::new(t.ir.clone())),
                        };
                        Some(T { ir, ..t })
                    }
                    other => {
                        let other = other.clone();
                        self.type_error(
                            inner,
                            &format!("only numbers can be negated, but this is {other}"),
                            "remove the `-`",
                        );
                        None
                    }
                }
            }
            ExprKind::Not(inner) => {
                let t = self.expr(inner)?;
                if t.ty != Ty::Bool {
                    self.type_error(
                        inner,
                        &format!("`not` needs a condition, but this is {}", t.ty),
                        "`not` goes before a yes/no fact or a comparison",
                    );
                    return None;
                }
                Some(T {
                    ir: Ir::Not(Box::new(t.ir.clone())),
                    ..t
                })
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e),
            ExprKind::And(operands) => self.logic_chain(BinOp::And, operands),
            ExprKind::Or(operands) => self.logic_chain(BinOp::Or, operands),
            ExprKind::Arith { first, rest } => self.arith_chain(first, rest),
            ExprKind::In { value, target, negated } => {
                let t = self.membership(value, target)?;
                Some(if *negated {
                    T {
                        ir: Ir::Not(Box::new(t.ir.clone())),
                        ..t
                    }
                } else {
                    t
                })
            }
            ExprKind::IsKnown(inner, known) => {
                let t = self.expr(inner)?;
                if !t.maybe {
                    self.error(
                        Diagnostic::warning(
                            Code::NeedlessUnknownRule,
                            e.span,
                            format!("`{}` is never unknown, so this test is always {}", expr_text(inner), if *known { "true" } else { "false" }),
                            "always the same",
                        )
                        .with_help("only optional facts (`, optional`) and values computed from them can be unknown; remove the test"),
                    );
                }
                let ir = Ir::IsKnown(Box::new(t.ir.clone()));
                let ir = if *known { ir } else { Ir::Not(Box::new(ir)) };
                Some(T {
                    after_budget: t.after_budget,
                    ..T::new(ir, Ty::Bool)
                })
            }
            ExprKind::IsWaitlisted(inner) => {
                let ExprKind::Name(id) = &inner.kind else {
                    self.type_error(
                        inner,
                        "`is waitlisted` follows the name of a reward with a budget",
                        "write `REWARD is waitlisted`",
                    );
                    return None;
                };
                match self.rewards.get(&id.name).copied() {
                    Some(i) if self.reward_has_budget.get(i).copied().unwrap_or(false) => Some(T {
                        after_budget: true,
                        ..T::new(Ir::Waitlisted(i), Ty::Bool)
                    }),
                    Some(_) => {
                        self.error(
                            Diagnostic::error(
                                Code::InvalidScope,
                                inner.span,
                                format!("the reward `{}` has no budget, so it is never waitlisted", id.name),
                                "no budget",
                            )
                            .with_help(
                                "add `, budget ... first come first served by ...` to the reward, or remove this test",
                            ),
                        );
                        None
                    }
                    None => {
                        let names: Vec<String> = self.rewards.keys().cloned().collect();
                        let mut d = Diagnostic::error(
                            Code::UnknownName,
                            id.span,
                            format!("there is no reward `{}`", id.name),
                            "unknown reward",
                        );
                        d = match closest(&id.name, names.iter().map(String::as_str)) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help("`is waitlisted` follows the name of a reward with a budget"),
                        };
                        self.error(d);
                        None
                    }
                }
            }
            ExprKind::IfUnknown(value, default) => {
                let v = self.expr(value);
                let d = self.expr(default);
                let (v, d) = (v?, d?);
                if !v.maybe {
                    self.error(
                        Diagnostic::warning(
                            Code::NeedlessUnknownRule,
                            Span::new(value.span.end, e.span.end),
                            format!("`{}` is never unknown, so `if unknown` has no effect", expr_text(value)),
                            "never used",
                        )
                        .with_help("remove `if unknown ...`"),
                    );
                }
                if !self.compatible(&v.ty, &d.ty, default) {
                    self.error(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            default.span,
                            format!(
                                "what unknown stands for must be {} like the value, but this is {}",
                                v.ty, d.ty
                            ),
                            "wrong kind",
                        )
                        .with_help(match &v.ty {
                            Ty::Bool => "write `if unknown true` or `if unknown false`".to_string(),
                            Ty::Num(d) => match d.unit_label() {
                                Some(u) => format!("write `if unknown 0 {u}`"),
                                None => "write a number, e.g. `if unknown 0`".into(),
                            },
                            _ => "write a value of the same kind".into(),
                        }),
                    );
                    return None;
                }
                let exact = v.exact && d.exact;
                Some(
                    T {
                        after_budget: v.after_budget || d.after_budget,
                        ..T::new(Ir::IfUnknown(Box::new(v.ir), Box::new(d.ir)), v.ty)
                    }
                    .maybe(d.maybe)
                    .exact(exact),
                )
            }
            ExprKind::As(value, unit) => {
                let t = self.expr(value)?;
                let target = self.units.get(&unit.name).filter(|u| !u.currency).cloned();
                let Some(info) = target else {
                    if let Some((code, _)) = currency(&unit.name) {
                        self.error(
                            Diagnostic::error(
                                Code::UnitMismatch,
                                unit.span,
                                format!("converting into {code} needs an exchange rate"),
                                "currency conversion",
                            )
                            .with_help(
                                "multiply by a rate instead; `as` converts money into a declared unit such as points",
                            ),
                        );
                    } else {
                        self.unknown_unit(unit);
                    }
                    return None;
                };
                match &t.ty {
                    Ty::Num(Dim::Money(_) | Dim::Unit(_) | Dim::Count | Dim::Decimal) => Some(
                        T {
                            ir: t.ir.clone(),
                            ty: Ty::Num(Dim::Unit(info.name.clone())),
                            ..t.clone()
                        }
                        .exact(t.exact && matches!(t.ty, Ty::Num(Dim::Count))),
                    ),
                    other => {
                        let other = other.clone();
                        self.type_error(
                            value,
                            &format!("only amounts can be converted with `as`, but this is {other}"),
                            "convert an amount of money or a count",
                        );
                        None
                    }
                }
            }
            ExprKind::Aggregate { op, source, filter } => self.aggregate(*op, source, filter.as_deref(), e),
            ExprKind::Where(list, filter) => {
                let t = self.expr(list)?;
                let Some(mut l) = t.list.clone() else {
                    self.type_error(
                        list,
                        &format!("`where` filters a list, but this is {}", t.ty),
                        "use `where` after a list fact, e.g. `products where settled_orders < 30`",
                    );
                    return None;
                };
                let (filters, after_budget, _) = self.filter_in(&l, filter)?;
                attach_filters(&mut l, filters);
                Some(T {
                    list: Some(l),
                    after_budget: t.after_budget || after_budget,
                    ..t
                })
            }
            ExprKind::Call(name, args) => self.call(name, args, e),
            ExprKind::Tiers { kind, subject, rows } => self.tiers(*kind, subject, rows, e),
            ExprKind::Lookup { keys, rows } => self.lookup(keys, rows, e),
            ExprKind::Rank { keys, within } => self.rank(keys, within, e),
        }
    }

    /// Checks `e`, requiring a known value of type `ty`: otherwise reports "`mismatch`, but
    /// this is ..." or that unknown is not handled (for a `what`), and gives `None`.
    fn definite(&mut self, e: &Expr, ty: &Ty, mismatch: &str, help: &str, what: &str) -> Option<T> {
        let t = self.expr(e)?;
        if t.ty != *ty {
            self.type_error(e, &format!("{mismatch}, but this is {}", t.ty), help);
            return None;
        }
        if t.maybe {
            self.unknown_not_handled(e, what);
            return None;
        }
        Some(t)
    }

    fn type_error(&mut self, e: &Expr, message: &str, help: &str) {
        self.error(Diagnostic::error(Code::TypeMismatch, e.span, message, "here").with_help(help));
    }

    fn quantity(&mut self, n: Decimal, unit: &ast::Ident) -> Option<T> {
        // Percentage points: `rate - 1 pp` lowers a rate by one point (not by one percent of it).
        if unit.name == "pp" {
            return Some(T::new(
                Ir::Const(Const::Num(n / Decimal::ONE_HUNDRED)),
                Ty::Num(Dim::Fraction),
            ));
        }
        if let Some(seconds) = duration_unit(&unit.name) {
            let total = n * Decimal::from(seconds);
            let nanos = (total * Decimal::from(1_000_000_000i64)).trunc();
            let d = i64::try_from(nanos).ok().map(TimeDelta::nanoseconds);
            return match d {
                Some(d) => Some(T::new(Ir::Const(Const::Duration(d)), Ty::Duration)),
                None => {
                    self.error(
                        Diagnostic::error(Code::NumberTooLarge, unit.span, "this duration is too long", "too long")
                            .with_help("durations up to about 290 years are supported"),
                    );
                    None
                }
            };
        }
        if let Some((code, minor)) = currency(&unit.name) {
            self.note_currency(code, minor);
            let exact = n.scale() <= minor;
            return Some(T::new(Ir::Const(Const::Num(n)), Ty::Num(Dim::Money(code.into()))).exact(exact));
        }
        if let Some(info) = self.units.get(&unit.name).cloned() {
            let exact = (n / info.precision).fract().is_zero();
            self.used.insert(format!("unit:{}", unit.name));
            return Some(T::new(Ir::Const(Const::Num(n)), Ty::Num(Dim::Unit(info.name.clone()))).exact(exact));
        }
        self.unknown_unit(unit);
        None
    }

    fn timestamp(&mut self, lit: &ast::TimestampLit, span: Span) -> Option<T> {
        let date = NaiveDate::from_ymd_opt(lit.year, lit.month, lit.day);
        let Some(date) = date else {
            self.error(
                Diagnostic::error(
                    Code::InvalidDate,
                    span,
                    format!("`{}` is not a date on the calendar", lit.text),
                    "no such date",
                )
                .with_help("check the month (1–12) and the day of the month"),
            );
            return None;
        };
        let (h, m, s, ns) = lit.time.unwrap_or((0, 0, 0, 0));
        let (date, time) = if h == 24 {
            if m != 0 || s != 0 || ns != 0 {
                self.error(
                    Diagnostic::error(
                        Code::InvalidDate,
                        span,
                        format!("`{}` is not a time of day", lit.text),
                        "no such time",
                    )
                    .with_help(
                        "`24:00` is the only time after `23:59:59`; it means the end of the day (the next day's 00:00)",
                    ),
                );
                return None;
            }
            (date.succ_opt()?, NaiveTime::MIN)
        } else {
            match NaiveTime::from_hms_nano_opt(h, m, s, ns) {
                Some(t) if s < 60 => (date, t),
                _ => {
                    self.error(
                        Diagnostic::error(Code::InvalidDate, span, format!("`{}` is not a time of day", lit.text), "no such time")
                            .with_help("hours run from 00 to 23 (or `24:00` for the end of a day), minutes and seconds from 00 to 59"),
                    );
                    return None;
                }
            }
        };
        let naive = NaiveDateTime::new(date, time);
        let instant = match lit.offset {
            Some(offset) => chrono::FixedOffset::east_opt(offset)
                .and_then(|o| o.from_local_datetime(&naive).single())
                .map(|t| t.with_timezone(&Utc)),
            None => match self.tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
                chrono::LocalResult::Ambiguous(_, _) => {
                    self.error(
                        Diagnostic::error(
                            Code::AmbiguousLocalTime,
                            span,
                            format!(
                                "`{}` happens twice in {} (the clocks go back)",
                                lit.text,
                                self.tz.name()
                            ),
                            "ambiguous time",
                        )
                        .with_help("add the offset to say which one, e.g. `2024-11-03 01:30 -07:00`"),
                    );
                    return None;
                }
                chrono::LocalResult::None => {
                    self.error(
                        Diagnostic::error(
                            Code::AmbiguousLocalTime,
                            span,
                            format!(
                                "`{}` does not exist in {} (the clocks go forward)",
                                lit.text,
                                self.tz.name()
                            ),
                            "skipped time",
                        )
                        .with_help("choose a time outside the daylight-saving change"),
                    );
                    return None;
                }
            },
        };
        let instant = instant?;
        let mut t = T::new(Ir::Const(Const::Time(instant)), Ty::Time);
        t.date_only = lit.time.is_none();
        Some(t)
    }

    fn name(&mut self, id: &ast::Ident) -> Option<T> {
        // The period variable of a per-period definition.
        if let Some((var, p)) = &self.ctx.period_var
            && *var == id.name
        {
            let _ = p;
            return Some(T::new(Ir::PeriodWindow, Ty::Window));
        }
        // Facts and computed fields, innermost record first.
        let frames = self.ctx.frames.clone();
        for (frame, level) in frames.iter().enumerate().rev() {
            if let Some(t) = self.field_of_frame(frame, *level, &id.name) {
                return t;
            }
        }
        match self.top.get(&id.name).copied() {
            Some((TopName::Param(i), _)) => {
                self.used.insert(id.name.clone());
                let ty = self.params.get(i)?.ty.clone();
                Some(T::new(Ir::Param(i), ty))
            }
            Some((TopName::Periods(i), _)) => {
                self.used.insert(id.name.clone());
                Some(T::new(Ir::PeriodsWindow(i), Ty::Periods(i)))
            }
            Some((TopName::Value(decl), _)) => {
                self.used.insert(id.name.clone());
                let idx = self.ensure_def(&id.name)?;
                let def = self.definitions.get(idx)?.clone();
                if matches!(def.ty, Ty::Records(_) | Ty::Items(_)) {
                    // Lists are not computed once: re-check the definition where it is used,
                    // so that its records line up with the frames in scope here.
                    let saved_var = self.ctx.period_var.clone();
                    let t = self.expr(&decl.expr);
                    self.ctx.period_var = saved_var;
                    return t;
                }
                // A definition that is a constant (a set, a rate) is used as that constant, so
                // that it works wherever a literal does (`category in trade_categories`).
                let ir = match (&def.expr, def.per, &def.adjust) {
                    (
                        Ir::Const(c),
                        None,
                        Adjust {
                            rounding: None,
                            at_most: None,
                            at_least: None,
                            ..
                        },
                    ) => Ir::Const(c.clone()),
                    _ => Ir::Def(idx),
                };
                let base = T {
                    after_budget: def.after_budget,
                    ..T::new(ir, def.ty.clone())
                }
                .maybe(def.maybe && !self.ctx.known.contains(&Ir::Def(idx)))
                .exact(def_exact(&def));
                match def.per {
                    None => Some(base),
                    Some(p) => match &self.ctx.period_var {
                        Some((_, cur)) if *cur == p => Some(T {
                            ir: Ir::DefAt(idx),
                            ..base
                        }),
                        _ => Some(T {
                            ty: Ty::PerPeriod(p, Box::new(def.ty.clone())),
                            ..base
                        }),
                    },
                }
            }
            Some((TopName::Window(_), _)) => {
                self.used.insert(id.name.clone());
                let idx = self.ensure_def(&id.name)?;
                let def = self.definitions.get(idx)?;
                let ir = match &def.expr {
                    c @ Ir::Const(_) => c.clone(),
                    _ => Ir::Def(idx),
                };
                let maybe = def.maybe;
                Some(T::new(ir, Ty::Window).maybe(maybe))
            }
            None if id.name == "as_of" => {
                // The reference time of the evaluation, given on the command line: never the clock.
                self.uses_as_of = true;
                Some(T::new(Ir::AsOf, Ty::Time))
            }
            None => {
                if self.rewards.contains_key(&id.name) {
                    self.error(
                        Diagnostic::error(
                            Code::InvalidScope,
                            id.span,
                            format!("`{}` is a reward; rewards are computed last and cannot be used in expressions", id.name),
                            "a reward",
                        )
                        .with_help("define the amount as a `let` value and use it in both places, or test `REWARD is waitlisted`"),
                    );
                    return None;
                }
                let mut candidates: Vec<String> = self.top.keys().cloned().collect();
                for level in frames.iter() {
                    if let Some(l) = self.levels.get(*level) {
                        candidates.extend(l.schema.fields.iter().map(|f| f.name.clone()));
                    }
                    if let Some(d) = self.derived.get(*level) {
                        candidates.extend(d.iter().map(|s| s.decl.name.name.clone()));
                    }
                }
                if let Some((var, _)) = &self.ctx.period_var {
                    candidates.push(var.clone());
                }
                if currency(&id.name).is_some()
                    || duration_unit(&id.name).is_some()
                    || self.units.contains_key(&id.name)
                {
                    // A number's unit that slipped onto the next line reads as a name.
                    self.error(
                        Diagnostic::error(
                            Code::UnknownName,
                            id.span,
                            format!("`{}` is a unit, but no number stands before it on this line", id.name),
                            "a unit on its own",
                        )
                        .with_help(format!(
                            "write the number and its unit on one line, e.g. `10000 {}`",
                            id.name
                        )),
                    );
                    return None;
                }
                let mut d = Diagnostic::error(
                    Code::UnknownName,
                    id.span,
                    format!("`{}` is not defined", id.name),
                    "unknown name",
                );
                d = match closest(&id.name, candidates.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => {
                        // A name that exists in a list the expression is not inside.
                        let nested = self
                            .levels
                            .iter()
                            .find(|l| l.depth > 0 && l.schema.index_of(&id.name).is_some())
                            .map(|l| l.path.clone());
                        match nested {
                            Some(path) => d.with_help(format!(
                                "`{}` is a fact of each record of `{path}`: use it inside `... of {path} where ...`, or as `{path}.{}`",
                                id.name, id.name
                            )),
                            None => d.with_help("declare it in `facts { ... }`, or define it with `let` or `value`"),
                        }
                    }
                };
                self.error(d);
                None
            }
        }
    }

    /// A fact or computed field of the record in `frame`, if it has one by that name.
    fn field_of_frame(&mut self, frame: usize, level: usize, name: &str) -> Option<Option<T>> {
        let l = self.levels.get(level)?;
        if let Some(i) = l.schema.index_of(name) {
            let f = l.schema.fields.get(i)?.clone();
            if level == 0 {
                self.used.insert(name.to_string());
            }
            let child = l.children.get(&i).copied();
            let ir = Ir::Fact { frame, field: i };
            if let Some(child) = child {
                let mut t = T::new(Ir::Unknown, Ty::Records(child));
                t.list = Some(ListExpr {
                    levels: vec![ListLevel {
                        frame,
                        field: i,
                        name: name.to_string(),
                        filters: Vec::new(),
                    }],
                    project: None,
                    base: self.ctx.frames.len(),
                    record_invariant: false,
                });
                return Some(Some(t));
            }
            let known = self.ctx.known.contains(&ir);
            let ty = ty_of_fact(&f.ty);
            let exact = !matches!(
                f.ty,
                FactType::Money(_) | FactType::Quantity(_) | FactType::Decimal | FactType::Fraction
            );
            return Some(Some(T::new(ir, ty).maybe(f.optional && !known).exact(exact)));
        }
        let index = self.derived.get(level)?.iter().position(|s| s.decl.name.name == name)?;
        self.used.insert(format!("of:{name}"));
        let result = self.ensure_derived(level, index);
        Some(result.map(|(ty, maybe)| {
            let ir = Ir::Derived { frame, level, index };
            let known = self.ctx.known.contains(&ir);
            T::new(ir, ty).maybe(maybe && !known).exact(false)
        }))
    }

    fn field(&mut self, base: &Expr, field: &ast::Ident) -> Option<T> {
        let b = self.expr(base)?;
        let Some(mut list) = b.list.clone() else {
            self.error(
                Diagnostic::error(
                    Code::UnknownField,
                    field.span,
                    format!("`{}` has no fields: it is {}", expr_text(base), b.ty),
                    "no such field",
                )
                .with_help("only lists of records have fields, e.g. `sales.gmv`"),
            );
            return None;
        };
        if list.project.is_some() {
            self.error(
                Diagnostic::error(
                    Code::UnknownField,
                    field.span,
                    format!("`{}` is a list of values, which have no fields", expr_text(base)),
                    "no such field",
                )
                .with_help("take fields of the records: `list.field`"),
            );
            return None;
        }
        let Ty::Records(level) = b.ty else { return None };
        let frame = self.ctx.frames.len() + list.levels.len() - 1;
        let (fields, derived_names): (Vec<String>, Vec<String>) = {
            let l = self.levels.get(level)?;
            (
                l.schema.fields.iter().map(|f| f.name.clone()).collect(),
                self.derived
                    .get(level)
                    .map(|d| d.iter().map(|s| s.decl.name.name.clone()).collect())
                    .unwrap_or_default(),
            )
        };
        let l = self.levels.get(level)?;
        if let Some(i) = l.schema.index_of(&field.name) {
            let f = l.schema.fields.get(i)?.clone();
            if let Some(child) = l.children.get(&i).copied() {
                list.levels.push(ListLevel {
                    frame,
                    field: i,
                    name: field.name.clone(),
                    filters: Vec::new(),
                });
                return Some(T {
                    ty: Ty::Records(child),
                    list: Some(list),
                    ..b
                });
            }
            let ty = ty_of_fact(&f.ty);
            list.project = Some(Box::new(Ir::Fact { frame, field: i }));
            let exact = !matches!(
                f.ty,
                FactType::Money(_) | FactType::Quantity(_) | FactType::Decimal | FactType::Fraction
            );
            return Some(T {
                ty: Ty::Items(Box::new(ty)),
                list: Some(list),
                maybe: f.optional,
                exact,
                ..b
            });
        }
        if let Some(index) = derived_names.iter().position(|n| *n == field.name) {
            self.used.insert(format!("of:{}", field.name));
            let (ty, maybe) = self.ensure_derived(level, index)?;
            list.project = Some(Box::new(Ir::Derived { frame, level, index }));
            return Some(T {
                ty: Ty::Items(Box::new(ty)),
                list: Some(list),
                maybe,
                exact: false,
                ..b
            });
        }
        let mut all = fields;
        all.extend(derived_names);
        let path = self.levels.get(level).map(|l| l.path.clone()).unwrap_or_default();
        let mut d = Diagnostic::error(
            Code::UnknownField,
            field.span,
            format!("the records of `{path}` have no field `{}`", field.name),
            "no such field",
        );
        d = match closest(&field.name, all.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("the fields of `{path}` are: {}", all.join(", "))),
        };
        self.error(d);
        None
    }

    /// Checks a filter in the scope of a list's innermost records, conjunct by conjunct
    /// (each later conjunct sees what the earlier ones proved known).
    /// Returns the conjuncts, whether any depends on a budget, and the references proven known.
    fn filter_in(&mut self, list: &ListExpr, filter: &Expr) -> Option<(Vec<Filter>, bool, Vec<Ir>)> {
        let levels = self.list_levels(list);
        let depth = self.ctx.frames.len();
        self.ctx.frames.extend(levels);
        let known_len = self.ctx.known.len();
        let mut conjuncts = Vec::new();
        flatten_and(filter, &mut conjuncts);
        let mut filters = Vec::new();
        let mut after_budget = false;
        let mut proven = Vec::new();
        let mut ok = true;
        for c in conjuncts {
            let Some(t) = self.definite(
                c,
                &Ty::Bool,
                "a filter must be true or false",
                "compare something, e.g. `where at in activity`",
                "filter",
            ) else {
                ok = false;
                continue;
            };
            let known = known_refs(&t.ir);
            self.ctx.known.extend(known.iter().cloned());
            proven.extend(known);
            after_budget |= t.after_budget;
            filters.push(Filter {
                ir: t.ir,
                text: expr_text(c),
            });
        }
        self.ctx.frames.truncate(depth);
        self.ctx.known.truncate(known_len);
        ok.then_some((filters, after_budget, proven))
    }

    /// The record level of each level of a list.
    fn list_levels(&self, list: &ListExpr) -> Vec<usize> {
        let mut out = Vec::new();
        for l in &list.levels {
            let parent_level = if l.frame < self.ctx.frames.len() {
                self.ctx.frames.get(l.frame).copied()
            } else {
                out.get(l.frame - self.ctx.frames.len()).copied()
            };
            let child = parent_level
                .and_then(|p| self.levels.get(p))
                .and_then(|p| p.children.get(&l.field))
                .copied();
            out.push(child.unwrap_or(0));
        }
        out
    }

    fn aggregate(&mut self, op: AggOp, source: &Expr, filter: Option<&Expr>, whole: &Expr) -> Option<T> {
        let s = self.expr(source)?;
        if let Ty::PerPeriod(_, inner) = &s.ty {
            if filter.is_some() {
                self.type_error(
                    source,
                    "a per-period value cannot be filtered with `where`",
                    "filter inside its definition instead",
                );
                return None;
            }
            let Ir::Def(idx) = s.ir else { return None };
            let ty = self.aggregate_type(op, inner, whole)?;
            // A period range is never empty, so min, max and average of known values are known.
            let maybe = s.maybe;
            return Some(
                T {
                    after_budget: s.after_budget,
                    ..T::new(Ir::AggregatePeriods(op, idx), ty)
                }
                .maybe(maybe)
                .exact(s.exact && matches!(op, AggOp::Sum | AggOp::Min | AggOp::Max)),
            );
        }
        let Some(mut list) = s.list.clone() else {
            self.error(
                Diagnostic::error(
                    Code::AggregateOfNonList,
                    source.span,
                    format!(
                        "`{} of` needs a list, but `{}` is {}",
                        op.words(),
                        expr_text(source),
                        s.ty
                    ),
                    "not a list",
                )
                .with_help("aggregate a list fact or one of its fields, e.g. `sum of sales.gmv`"),
            );
            return None;
        };
        let mut after_budget = s.after_budget;
        let mut item_maybe = s.maybe;
        if let Some(f) = filter {
            // Narrowing: `sum of x.v where v is known` sums known values only.
            let (filters, budget_dependent, proven) = self.filter_in(&list, f)?;
            if list.project.as_deref().is_some_and(|p| proven.contains(p)) {
                item_maybe = false;
            }
            after_budget |= budget_dependent;
            attach_filters(&mut list, filters);
        }
        let item_ty = match &s.ty {
            Ty::Items(t) => Some((**t).clone()),
            _ => None,
        };
        let ty = match (op, &item_ty) {
            (AggOp::Count, _) => Ty::Num(Dim::Count),
            (AggOp::Any, None) => Ty::Bool,
            (_, None) => {
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        source.span,
                        format!(
                            "`{} of` needs values, but `{}` is a list of records",
                            op.words(),
                            expr_text(source)
                        ),
                        "records, not values",
                    )
                    .with_help(format!(
                        "name the field to {}: e.g. `{} of {}.amount`",
                        op.words(),
                        op.words(),
                        expr_text(source)
                    )),
                );
                return None;
            }
            (_, Some(t)) => self.aggregate_type(op, t, whole)?,
        };
        if item_maybe && !matches!(op, AggOp::Count) {
            self.error(
                Diagnostic::error(
                    Code::UnknownNotHandled,
                    source.span,
                    format!(
                        "some `{}` values can be unknown, and `{} of` would not know what to do with them",
                        expr_text(source),
                        op.words()
                    ),
                    "may hold unknown values",
                )
                .with_help(format!(
                    "leave them out with a filter: `{} of {} where {} is known`",
                    op.words(),
                    expr_text(source),
                    match &source.kind {
                        ExprKind::Field(_, f) => f.name.clone(),
                        _ => "...".into(),
                    }
                )),
            );
            return None;
        }
        let maybe = matches!(op, AggOp::Min | AggOp::Max | AggOp::Average);
        let exact = match op {
            AggOp::Count | AggOp::CountDistinct | AggOp::Any | AggOp::All => true,
            AggOp::Sum | AggOp::Min | AggOp::Max => s.exact,
            AggOp::Average => false,
        };
        Some(
            T {
                after_budget,
                ..T::new(
                    Ir::Aggregate(op, {
                        let mut list = list;
                        list.record_invariant = list.reads_only_top_record();
                        list
                    }),
                    ty,
                )
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    fn aggregate_type(&mut self, op: AggOp, item: &Ty, whole: &Expr) -> Option<Ty> {
        let ok = match op {
            AggOp::Count | AggOp::CountDistinct => {
                return if op == AggOp::CountDistinct
                    && !matches!(item, Ty::Text | Ty::Num(_) | Ty::Choice(_) | Ty::Time | Ty::Bool)
                {
                    self.type_error(
                        whole,
                        &format!("`distinct count of` needs texts, numbers or timestamps, but these are {item}"),
                        "count distinct ids or names",
                    );
                    None
                } else {
                    Some(Ty::Num(Dim::Count))
                };
            }
            AggOp::Sum => matches!(item, Ty::Num(_) | Ty::Duration),
            AggOp::Average => matches!(item, Ty::Num(_)),
            AggOp::Min | AggOp::Max => matches!(item, Ty::Num(_) | Ty::Time | Ty::Duration),
            AggOp::Any | AggOp::All => *item == Ty::Bool,
        };
        if !ok {
            self.type_error(
                whole,
                &format!("`{} of` cannot combine {item}", op.words()),
                match op {
                    AggOp::Any | AggOp::All => "`any of` and `all of` take yes/no values",
                    _ => "sum, min, max and average take numbers or amounts",
                },
            );
            return None;
        }
        Some(match (op, item) {
            (AggOp::Average, Ty::Num(Dim::Count)) => Ty::Num(Dim::Decimal),
            _ => item.clone(),
        })
    }

    fn rank(&mut self, keys: &[(Expr, bool)], within: &[Expr], whole: &Expr) -> Option<T> {
        if self.ctx.frames.len() > 1 || self.ctx.period_var.is_some() {
            self.error(
                Diagnostic::error(
                    Code::InvalidScope,
                    whole.span,
                    "a ranking orders whole records, so it cannot be used inside a list or per-period definition",
                    "ranking here",
                )
                .with_help("define the ranking at the top level: `value place = rank by ...`"),
            );
            return None;
        }
        let mut key_irs = Vec::new();
        for (k, desc) in keys {
            let t = self.expr(k)?;
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Duration | Ty::Text) {
                self.type_error(
                    k,
                    &format!(
                        "records are ranked by a number, amount, timestamp or text, but this is {}",
                        t.ty
                    ),
                    "rank by an amount or a score",
                );
                return None;
            }
            if t.after_budget {
                self.type_error(
                    k,
                    "a ranking cannot depend on a budget's outcome",
                    "rank by facts and values",
                );
                return None;
            }
            key_irs.push((t.ir, *desc));
        }
        let mut group_irs = Vec::new();
        for g in within {
            let t = self.expr(g)?;
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Text | Ty::Choice(_) | Ty::Bool) {
                self.type_error(
                    g,
                    &format!(
                        "records are grouped by a text, choice, number, yes/no or timestamp, but this is {}",
                        t.ty
                    ),
                    "group by a category, e.g. `within industry`",
                );
                return None;
            }
            if t.after_budget {
                self.type_error(
                    g,
                    "a ranking cannot group by a budget's outcome",
                    "group by facts and values",
                );
                return None;
            }
            group_irs.push(t.ir);
        }
        let nested = key_irs
            .iter()
            .map(|(ir, _)| ir)
            .chain(group_irs.iter())
            .any(|ir| ir.any(&mut |n| matches!(n, Ir::Rank(_))));
        if nested {
            self.type_error(
                whole,
                "a ranking cannot depend on another ranking",
                "rank by facts and values",
            );
            return None;
        }
        let index = self.rankings.len();
        self.rankings.push(RankingDef {
            keys: key_irs,
            within: group_irs,
        });
        // A record whose ranking keys are unknown is not ranked: its place is unknown.
        Some(T::new(Ir::Rank(index), Ty::Num(Dim::Count)).maybe(true))
    }

    fn lookup(&mut self, keys: &[Expr], rows: &[LookupRow], whole: &Expr) -> Option<T> {
        let mut key_types = Vec::new();
        let mut maybe = false;
        let mut after_budget = false;
        let mut key_irs = Vec::new();
        for k in keys {
            let t = self.expr(k)?;
            if !matches!(t.ty, Ty::Text | Ty::Choice(_) | Ty::Num(_) | Ty::Bool) {
                self.type_error(
                    k,
                    &format!(
                        "a lookup key must be a text, a choice, a number or a yes/no, but this is {}",
                        t.ty
                    ),
                    "look up by a category, a level or a flag",
                );
                return None;
            }
            maybe |= t.maybe;
            after_budget |= t.after_budget;
            key_types.push(t.ty.clone());
            key_irs.push(t.ir);
        }
        if rows.is_empty() {
            self.error(
                Diagnostic::error(
                    Code::MissingKey,
                    whole.span,
                    "the lookup table has no rows",
                    "empty table",
                )
                .with_help("write one row per key: `\"文娱\" -> 2%`, and `otherwise -> ...` for the rest"),
            );
            return None;
        }
        let mut out_rows: Vec<(Vec<Const>, Ir)> = Vec::new();
        let mut row_spans: Vec<Span> = Vec::new();
        let mut otherwise: Option<Box<Ir>> = None;
        let mut value_ty: Option<(Ty, Span)> = None;
        let mut exact = true;
        let mut ok = true;
        for row in rows {
            let Some(v) = self.expr(&row.value) else {
                ok = false;
                continue;
            };
            match &value_ty {
                Some((ty, first)) if !self.compatible(ty, &v.ty, &row.value) => {
                    let (ty, first) = (ty.clone(), *first);
                    self.error(
                        Diagnostic::error(
                            Code::UnitMismatch,
                            row.value.span,
                            format!(
                                "every row must give the same kind of value: this is {}, the first row gives {ty}",
                                v.ty
                            ),
                            "different kind",
                        )
                        .with_label(first, "first row's value")
                        .with_help("give every row's value in the same unit"),
                    );
                    ok = false;
                    continue;
                }
                Some(_) => {}
                None => value_ty = Some((v.ty.clone(), row.value.span)),
            }
            maybe |= v.maybe;
            exact &= v.exact;
            after_budget |= v.after_budget;
            let Some(row_keys) = &row.keys else {
                if otherwise.is_some() {
                    self.error(
                        Diagnostic::error(
                            Code::DuplicateKey,
                            row.span,
                            "the table has two `otherwise` rows",
                            "second `otherwise`",
                        )
                        .with_help("keep one `otherwise` row"),
                    );
                    ok = false;
                }
                otherwise = Some(Box::new(v.ir));
                continue;
            };
            if row_keys.len() != key_types.len() {
                self.error(
                    Diagnostic::error(
                        Code::WrongArity,
                        row.span,
                        format!(
                            "this row has {} keys, but the table looks up {}",
                            row_keys.len(),
                            key_types.len()
                        ),
                        "wrong number of keys",
                    )
                    .with_help("write one key per looked-up value, in the same order"),
                );
                ok = false;
                continue;
            }
            let mut consts = Vec::new();
            for (k, ty) in row_keys.iter().zip(&key_types) {
                match self.key_const(k, ty) {
                    Some(c) => consts.push(c),
                    None => ok = false,
                }
            }
            if consts.len() != key_types.len() {
                continue;
            }
            if let Some(i) = out_rows.iter().position(|(c, _)| *c == consts) {
                let first = row_spans.get(i).copied().unwrap_or(row.span);
                self.error(
                    Diagnostic::error(
                        Code::DuplicateKey,
                        row.span,
                        format!(
                            "the key {} is already in the table",
                            row_keys.iter().map(expr_text).collect::<Vec<_>>().join(", ")
                        ),
                        "same key again",
                    )
                    .with_label(first, "first row with this key")
                    .with_help("each key may appear once; remove or change one of the rows"),
                );
                ok = false;
                continue;
            }
            out_rows.push((consts, v.ir));
            row_spans.push(row.span);
        }
        if !ok {
            return None;
        }
        if otherwise.is_none() {
            // With one choice key, every choice must have a row (or the table is unknown for it).
            let mut complete = false;
            if let [Ty::Choice(choices)] = key_types.as_slice() {
                let missing: Vec<&String> = choices
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        !out_rows
                            .iter()
                            .any(|(c, _)| c.first() == Some(&Const::Choice(*i as u32)))
                    })
                    .map(|(_, c)| c)
                    .collect();
                if missing.is_empty() {
                    complete = true;
                } else {
                    let list = missing
                        .iter()
                        .map(|m| format!("\"{m}\""))
                        .collect::<Vec<_>>()
                        .join(", ");
                    self.error(
                        Diagnostic::warning(
                            Code::MissingKey,
                            whole.span,
                            format!("the table has no row for {list}"),
                            "incomplete table",
                        )
                        .with_help("add a row for each choice, or an `otherwise -> ...` row; without one the value is unknown for those choices"),
                    );
                }
            }
            maybe |= !complete;
        }
        let ty = value_ty.map(|(t, _)| t).unwrap_or(Ty::Num(Dim::Decimal));
        Some(
            T {
                after_budget,
                ..T::new(
                    Ir::Lookup {
                        keys: key_irs,
                        rows: out_rows,
                        otherwise,
                    },
                    ty,
                )
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    /// A row key as a constant of the looked-up key's type.
    fn key_const(&mut self, k: &Expr, ty: &Ty) -> Option<Const> {
        let t = self.expr(k)?;
        let Ir::Const(c) = t.ir else { return None };
        match (ty, c) {
            (Ty::Choice(choices), Const::Text(s)) => match choices.iter().position(|x| x.as_str() == &*s) {
                Some(i) => Some(Const::Choice(i as u32)),
                None => {
                    let choices = choices.clone();
                    self.unknown_choice(&s, &choices, k.span);
                    None
                }
            },
            (Ty::Text, c @ Const::Text(_)) | (Ty::Bool, c @ Const::Bool(_)) => Some(c),
            (Ty::Num(_), c @ Const::Num(_)) => Some(c),
            (ty, _) => {
                let ty = ty.clone();
                self.type_error(
                    k,
                    &format!("this key must be {ty} like the looked-up value"),
                    "write a key of the same kind",
                );
                None
            }
        }
    }

    /// A constant end of a band, in the subject's unit (instants as nanoseconds since 1970).
    fn tier_bound(&mut self, e: &Expr, dim: &Dim, time: bool) -> Option<Decimal> {
        let t = self.expr(e)?;
        if time {
            return match t.ir {
                Ir::Const(Const::Time(at)) => at.timestamp_nanos_opt().map(Decimal::from),
                _ => {
                    self.type_error(
                        e,
                        "the ends of a band of timestamps must be written as dates or times",
                        "write the band's ends as literals such as `2024-01-01`",
                    );
                    None
                }
            };
        }
        let value = num_const(&t.ir);
        let Some(value) = value else {
            self.error(
                Diagnostic::error(
                    Code::TypeMismatch,
                    e.span,
                    "the ends of a band must be written as numbers or amounts",
                    "not a constant",
                )
                .with_help("write the band's ends as literals such as `10000 CNY`"),
            );
            return None;
        };
        if !self.same_dim(&Ty::Num(dim.clone()), &t.ty, e, "band end") {
            return None;
        }
        Some(value)
    }

    /// A band end as written back in messages.
    fn show_bound(&self, value: Decimal, time: bool) -> String {
        if !time {
            return match &self.bound_unit {
                Some(u) => format!("{} {u}", value.normalize()),
                None => value.normalize().to_string(),
            };
        }
        let nanos = i64::try_from(value.trunc()).unwrap_or_default();
        chrono::DateTime::from_timestamp_nanos(nanos)
            .with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    fn tiers(&mut self, kind: TierKind, subject: &Expr, rows: &[TierRow], whole: &Expr) -> Option<T> {
        let s = self.expr(subject)?;
        // Bands of timestamps choose by date (editions chosen by a cohort's first listing, say).
        let (dim, time) = match s.ty.clone() {
            Ty::Num(dim) => (dim, false),
            Ty::Time if kind == TierKind::Band => (Dim::Decimal, true),
            other => {
                self.type_error(
                    subject,
                    &format!(
                        "a {} table chooses by {}, but this is {other}",
                        kind.word(),
                        if kind == TierKind::Band {
                            "a number, an amount or a timestamp"
                        } else {
                            "a number or an amount"
                        }
                    ),
                    "put the amount the bands are about after `of`, e.g. `band of monthly_gmv { ... }`",
                );
                return None;
            }
        };
        if rows.is_empty() {
            self.error(
                Diagnostic::error(
                    Code::TierUnreachable,
                    whole.span,
                    "the tier table has no bands",
                    "empty table",
                )
                .with_help("write one band per line: `0 CNY .. 10000 CNY -> 1%`"),
            );
            return None;
        }
        let mut bands: Vec<Band> = Vec::new();
        let mut value_ty: Option<(Ty, Span)> = None;
        let mut maybe = s.maybe;
        let mut exact = kind == TierKind::Band;
        let mut after_budget = s.after_budget;
        let mut ok = true;
        for row in rows {
            let start = match &row.start {
                Some(e) => match self.tier_bound(e, &dim, time) {
                    Some(v) => Some(v),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => None,
            };
            let end = match &row.end {
                Some(e) => match self.tier_bound(e, &dim, time) {
                    Some(v) => Some(v),
                    None => {
                        ok = false;
                        continue;
                    }
                },
                None => None,
            };
            let end_inclusive = row.kind == RangeKind::Through;
            if kind == TierKind::Marginal && start.is_none() {
                self.error(
                    Diagnostic::error(Code::TierUnreachable, row.span, "a band of a marginal table needs a lower end", "no lower end")
                        .with_help("rates apply to the part of the amount above the band's start: write `0 CNY .. 50000 CNY -> 10%`"),
                );
                ok = false;
                continue;
            }
            if let (Some(a), Some(b)) = (start, end)
                && (b < a || (b == a && !end_inclusive))
            {
                self.error(
                    Diagnostic::error(
                        Code::TierUnreachable,
                        row.span,
                        format!("no value can fall in this band: it ends at {b} before it starts at {a}"),
                        "empty band",
                    )
                    .with_help("write the lower end first: `LOW .. HIGH -> value`"),
                );
                ok = false;
                continue;
            }
            if dim == Dim::Count && !time && end.is_some_and(|e| e <= Decimal::ZERO && !(e.is_zero() && end_inclusive))
            {
                self.error(
                    Diagnostic::warning(
                        Code::TierUnreachable,
                        row.span,
                        "no count can fall in this band: counts are never below 0",
                        "unreachable band",
                    )
                    .with_help("remove the band, or start the table at 0"),
                );
            }
            let Some(v) = self.expr(&row.value) else {
                ok = false;
                continue;
            };
            match kind {
                TierKind::Band => match &value_ty {
                    Some((ty, first_span)) => {
                        if !self.compatible(ty, &v.ty, &row.value) {
                            let (ty, first_span) = (ty.clone(), *first_span);
                            self.error(
                                Diagnostic::error(
                                    Code::UnitMismatch,
                                    row.value.span,
                                    format!("every band must give the same kind of value: this is {}, the first band gives {ty}", v.ty),
                                    "different kind",
                                )
                                .with_label(first_span, "first band's value")
                                .with_help("give every band's value in the same unit"),
                            );
                            ok = false;
                            continue;
                        }
                    }
                    None => value_ty = Some((v.ty.clone(), row.value.span)),
                },
                TierKind::Marginal => {
                    if !matches!(v.ty, Ty::Num(Dim::Fraction | Dim::Decimal | Dim::Count)) {
                        self.type_error(
                            &row.value,
                            &format!("a marginal band gives a rate, but this is {}", v.ty),
                            "write the rate for the part of the amount inside the band, e.g. `10%`",
                        );
                        ok = false;
                        continue;
                    }
                }
            }
            maybe |= v.maybe;
            exact &= v.exact;
            after_budget |= v.after_budget;
            bands.push(Band {
                start,
                end,
                end_inclusive,
                value: v.ir,
            });
        }
        if !ok {
            return None;
        }
        // Overlaps: two bands sharing a value make the table ambiguous.
        let mut reported_overlap = false;
        for (i, a) in bands.iter().enumerate() {
            for (j, b) in bands.iter().enumerate().skip(i + 1) {
                if let Some(example) = overlap_example(a, b) {
                    let (ra, rb) = (rows.get(i).map(|r| r.span), rows.get(j).map(|r| r.span));
                    if let (Some(ra), Some(rb)) = (ra, rb) {
                        self.error(
                            Diagnostic::error(
                                Code::TierOverlap,
                                rb,
                                format!(
                                    "this band overlaps an earlier one: {} falls in both",
                                    self.show_bound(example, time)
                                ),
                                "overlapping band",
                            )
                            .with_label(ra, "earlier band")
                            .with_help(
                                "make each band start where the previous one ends: `0 .. 10000`, then `10000 .. 50000`",
                            ),
                        );
                        reported_overlap = true;
                    }
                }
            }
        }
        if reported_overlap {
            return None;
        }
        // Gaps: values between two bands fall in none.
        let mut order: Vec<usize> = (0..bands.len()).collect();
        order.sort_by(|&x, &y| {
            let sx = bands.get(x).and_then(|b| b.start);
            let sy = bands.get(y).and_then(|b| b.start);
            match (sx, sy) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(&b),
            }
        });
        for pair in order.windows(2) {
            let (Some(&x), Some(&y)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            let (Some(a), Some(b)) = (bands.get(x), bands.get(y)) else {
                continue;
            };
            // For counts, `10 through 19` followed by `20 ..` leaves no whole number out.
            let whole_step = dim == Dim::Count && !time && a.end_inclusive;
            if let (Some(end), Some(start)) = (a.end, b.start)
                && end < start
                && !(whole_step && start - end <= Decimal::ONE && start.fract().is_zero() && end.fract().is_zero())
            {
                let example = if a.end_inclusive {
                    (end + start) / Decimal::TWO
                } else {
                    end
                };
                if let (Some(ra), Some(rb)) = (rows.get(x), rows.get(y)) {
                    let what = if kind == TierKind::Band {
                        "values there fall in no band, so the table gives unknown for them"
                    } else {
                        "the part of the amount there earns nothing"
                    };
                    self.error(
                        Diagnostic::warning(
                            Code::TierGap,
                            ra.span.to(rb.span),
                            format!(
                                "no band covers the values from {end} to {start} (e.g. {})",
                                example.normalize()
                            ),
                            "gap between these bands",
                        )
                        .with_help(format!("{what}; end the first band where the next one starts")),
                    );
                }
                maybe |= kind == TierKind::Band;
            }
        }
        // Values below the first band or above the last fall in no band.
        if kind == TierKind::Band {
            let lowest = order.first().and_then(|&i| bands.get(i)).and_then(|b| b.start);
            let below_possible = match lowest {
                None => false,
                Some(low) => !(dim == Dim::Count && !time && low <= Decimal::ZERO),
            };
            let open_top = bands.iter().any(|b| b.end.is_none());
            if below_possible || !open_top {
                maybe = true;
            }
        }
        let ir = match kind {
            TierKind::Band => Ir::Band(Box::new(s.ir), bands),
            TierKind::Marginal => Ir::Marginal(Box::new(s.ir), bands),
        };
        let ty = match kind {
            TierKind::Band => value_ty.map(|(t, _)| t).unwrap_or(Ty::Num(Dim::Decimal)),
            TierKind::Marginal => Ty::Num(if dim == Dim::Count { Dim::Decimal } else { dim }),
        };
        Some(
            T {
                after_budget,
                ..T::new(ir, ty)
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    fn call(&mut self, name: &ast::Ident, args: &[Expr], whole: &Expr) -> Option<T> {
        if let Some(&(func, _, arity)) = Func::ALL.iter().find(|(_, n, _)| *n == name.name) {
            return self.calendar_call(func, name, arity, args, whole);
        }
        let is_min = match name.name.as_str() {
            "min" => true,
            "max" => false,
            other => {
                let mut d = Diagnostic::error(
                    Code::UnknownFunction,
                    name.span,
                    format!("there is no function `{other}`"),
                    "unknown function",
                );
                let names = ["min", "max"].into_iter().chain(Func::ALL.iter().map(|(_, n, _)| *n));
                d = match closest(other, names) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(
                        "the functions are `min`, `max`, `start_of_day`, `start_of_week`, `start_of_month`, `add_days`, `add_months`, `days_between`, `months_between` and `business_days_between`; aggregates are written `sum of list`",
                    ),
                };
                self.error(d);
                return None;
            }
        };
        if args.len() < 2 {
            self.error(
                Diagnostic::error(
                    Code::WrongArity,
                    whole.span,
                    format!("`{}` compares at least two values", name.name),
                    "too few values",
                )
                .with_help(format!(
                    "write `{}(a, b)`; for the {} of a list write `{} of list`",
                    name.name, name.name, name.name
                )),
            );
            return None;
        }
        let mut typed = Vec::new();
        for a in args {
            typed.push((self.expr(a)?, a));
        }
        let (first, _) = typed.first()?;
        let ty = first.ty.clone();
        let mut maybe = false;
        let mut exact = true;
        let mut after_budget = false;
        let mut irs = Vec::new();
        for (t, a) in &typed {
            if !matches!(t.ty, Ty::Num(_) | Ty::Time | Ty::Duration) {
                self.type_error(
                    a,
                    &format!(
                        "`{}` picks among numbers, amounts, timestamps or durations, but this is {}",
                        name.name, t.ty
                    ),
                    "use `and`/`or` to combine yes/no values",
                );
                return None;
            }
            if !self.compatible(&ty, &t.ty, a) {
                self.type_error(
                    a,
                    &format!("`{}` compares values of one kind: {ty} and {}", name.name, t.ty),
                    "give every value the same unit",
                );
                return None;
            }
            maybe |= t.maybe;
            exact &= t.exact;
            after_budget |= t.after_budget;
            irs.push(t.ir.clone());
        }
        let ir = if is_min { Ir::Min(irs) } else { Ir::Max(irs) };
        Some(
            T {
                after_budget,
                ..T::new(ir, ty)
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    fn calendar_call(&mut self, func: Func, name: &ast::Ident, arity: usize, args: &[Expr], whole: &Expr) -> Option<T> {
        if args.len() != arity {
            self.error(
                Diagnostic::error(
                    Code::WrongArity,
                    whole.span,
                    format!(
                        "`{}` takes {arity} value{}, not {}",
                        name.name,
                        if arity == 1 { "" } else { "s" },
                        args.len()
                    ),
                    "wrong number of values",
                )
                .with_help(match arity {
                    1 => format!("write `{}(timestamp)`", name.name),
                    _ => format!("write `{}(a, b)`", name.name),
                }),
            );
            return None;
        }
        let mut typed = Vec::new();
        for a in args {
            typed.push(self.expr(a)?);
        }
        let want_second_number = matches!(func, Func::AddDays | Func::AddMonths);
        for (i, (t, a)) in typed.iter().zip(args).enumerate() {
            let ok = if i == 1 && want_second_number {
                matches!(t.ty, Ty::Num(Dim::Count))
            } else {
                t.ty == Ty::Time
            };
            if !ok {
                let wanted = if i == 1 && want_second_number {
                    "a whole number"
                } else {
                    "a timestamp"
                };
                self.type_error(
                    a,
                    &format!("`{}` needs {wanted} here, but this is {}", name.name, t.ty),
                    "see docs/language.md, calendar functions",
                );
                return None;
            }
        }
        if func == Func::BusinessDaysBetween {
            self.uses_business_days = true;
        }
        let ty = match func {
            Func::StartOfDay | Func::StartOfWeek | Func::StartOfMonth | Func::AddDays | Func::AddMonths => Ty::Time,
            Func::DaysBetween | Func::BusinessDaysBetween => Ty::Num(Dim::Count),
            Func::MonthsBetween => Ty::Num(Dim::Decimal),
        };
        let maybe = typed.iter().any(|t| t.maybe);
        let after_budget = typed.iter().any(|t| t.after_budget);
        let irs = typed.into_iter().map(|t| t.ir).collect();
        Some(
            T {
                after_budget,
                ..T::new(Ir::Func(func, irs), ty)
            }
            .maybe(maybe)
            .exact(func != Func::MonthsBetween),
        )
    }

    /// Whether a value of type `b` (written as `expr`) can stand where `a` is expected.
    fn compatible(&self, a: &Ty, b: &Ty, expr: &Expr) -> bool {
        match (a, b) {
            (Ty::Num(x), Ty::Num(y)) => {
                x == y
                    || literal_value(expr) == Some(Decimal::ZERO)
                    || matches!((x, y), (Dim::Count | Dim::Decimal, Dim::Count | Dim::Decimal))
            }
            (Ty::Choice(_), Ty::Text) | (Ty::Text, Ty::Choice(_)) => true,
            (x, y) => x == y,
        }
    }

    fn membership(&mut self, value: &Expr, target: &InTarget) -> Option<T> {
        let v = self.expr(value);
        match target {
            InTarget::Range(r) => {
                let w = self.range(r);
                let (v, w) = (v?, w?);
                if v.ty != Ty::Time {
                    self.type_error(
                        value,
                        &format!("only timestamps can be in a window, but this is {}", v.ty),
                        "test a timestamp fact",
                    );
                    return None;
                }
                let maybe = v.maybe || w.maybe;
                Some(T::new(Ir::InWindow(Box::new(v.ir), Box::new(w.ir)), Ty::Bool).maybe(maybe))
            }
            InTarget::Expr(target) => {
                let w = self.expr(target);
                let (v, w) = (v?, w?);
                let maybe = v.maybe || w.maybe;
                let after_budget = v.after_budget || w.after_budget;
                match (&v.ty, &w.ty) {
                    (Ty::Time, Ty::Window) => {
                        Some(T::new(Ir::InWindow(Box::new(v.ir), Box::new(w.ir)), Ty::Bool).maybe(maybe))
                    }
                    (Ty::Time, Ty::Periods(p)) => Some(
                        T::new(Ir::InWindow(Box::new(v.ir), Box::new(Ir::PeriodsWindow(*p))), Ty::Bool).maybe(maybe),
                    ),
                    (Ty::Text, Ty::TextSet) => Some(
                        T {
                            after_budget,
                            ..T::new(Ir::InSet(Box::new(v.ir), Box::new(w.ir)), Ty::Bool)
                        }
                        .maybe(maybe),
                    ),
                    (Ty::Choice(choices), Ty::TextSet) => {
                        let Ir::Const(Const::Set(items)) = &w.ir else {
                            self.type_error(
                                target,
                                "a choice can only be tested against a set written in the campaign",
                                "write the set of choices",
                            );
                            return None;
                        };
                        let mut ir: Option<Ir> = None;
                        for item in items.iter() {
                            match choices.iter().position(|c| c.as_str() == &**item) {
                                Some(i) => {
                                    let test = Ir::Compare(
                                        CmpOp::Eq,
                                        Box::new(v.ir.clone()),
                                        Box::new(Ir::Const(Const::Choice(i as u32))),
                                    );
                                    ir = Some(match ir {
                                        Some(Ir::Or(mut tests)) => {
                                            tests.push(test);
                                            Ir::Or(tests)
                                        }
                                        Some(prev) => Ir::Or(vec![prev, test]),
                                        None => test,
                                    });
                                }
                                None => {
                                    self.unknown_choice(item, choices, target.span);
                                    return None;
                                }
                            }
                        }
                        Some(T::new(ir.unwrap_or(Ir::Const(Const::Bool(false))), Ty::Bool).maybe(maybe))
                    }
                    (Ty::Time, other) | (Ty::Text, other) => {
                        let other = other.clone();
                        self.type_error(
                            target,
                            &format!("`in` needs a window or a set, but this is {other}"),
                            "write a window name, a range `A .. B`, or a set `{\"a\", \"b\"}`",
                        );
                        None
                    }
                    (other, _) => {
                        let other = other.clone();
                        self.type_error(
                            value,
                            &format!(
                                "`in` tests a timestamp against a window or a text against a set, but this is {other}"
                            ),
                            "compare numbers with `<`, `≥`...",
                        );
                        None
                    }
                }
            }
        }
    }

    fn unknown_choice(&mut self, item: &str, choices: &[String], span: Span) {
        let mut d = Diagnostic::error(
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
        d = match closest(item, choices.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
            None => d.with_help("add it to the fact's `one of` list, or correct the text"),
        };
        self.error(d);
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, whole: &Expr) -> Option<T> {
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.expr(a)?;
                // Narrowing: in `x is known and ...` (or `x is unknown or ...`) the right side sees x known.
                let known_len = self.ctx.known.len();
                let narrowed = if op == BinOp::And {
                    known_refs(&l.ir)
                } else {
                    unknown_refs(&l.ir)
                };
                self.ctx.known.extend(narrowed);
                let r = self.expr(b);
                self.ctx.known.truncate(known_len);
                let r = r?;
                for (t, e) in [(&l, a), (&r, b)] {
                    if t.ty != Ty::Bool {
                        self.type_error(
                            e,
                            &format!("`{}` joins conditions, but this is {}", op.symbol(), t.ty),
                            "compare it with something first",
                        );
                        return None;
                    }
                }
                let maybe = l.maybe || r.maybe;
                let after_budget = l.after_budget || r.after_budget;
                let ir = if op == BinOp::And {
                    Ir::And(vec![l.ir, r.ir])
                } else {
                    Ir::Or(vec![l.ir, r.ir])
                };
                Some(
                    T {
                        after_budget,
                        ..T::new(ir, Ty::Bool)
                    }
                    .maybe(maybe),
                )
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let l = self.expr(a);
                let r = self.expr(b);
                self.arith(op, l?, r?, a, b, whole)
            }
            _ => {
                let l = self.expr(a);
                let r = self.expr(b);
                self.compare(op, l?, r?, a, b)
            }
        }
    }

    fn arith(&mut self, op: BinOp, l: T, r: T, a: &Expr, b: &Expr, whole: &Expr) -> Option<T> {
        let maybe = l.maybe || r.maybe;
        let after_budget = l.after_budget || r.after_budget;
        let (ty, aop, exact, maybe) = match (op, &l.ty, &r.ty) {
            (BinOp::Add | BinOp::Sub, Ty::Num(x), Ty::Num(y)) => {
                let dim = self.additive_dim(x, y, a, b, op)?;
                let aop = if op == BinOp::Add { ArithOp::Add } else { ArithOp::Sub };
                (Ty::Num(dim), aop, l.exact && r.exact, maybe)
            }
            (BinOp::Mul, Ty::Num(x), Ty::Num(y)) => {
                let dim = match (x, y) {
                    (Dim::Count, Dim::Count) => Dim::Count,
                    (Dim::Fraction, Dim::Fraction) => Dim::Fraction,
                    (s, q) | (q, s) if s.is_scalar() && !q.is_scalar() => q.clone(),
                    (s, t) if s.is_scalar() && t.is_scalar() => Dim::Decimal,
                    _ => {
                        self.error(
                            Diagnostic::error(
                                Code::UnitMismatch,
                                whole.span,
                                format!("multiplying {x} by {y} has no meaning"),
                                "two amounts multiplied",
                            )
                            .with_help(
                                "multiply an amount by a rate or a count, e.g. `gmv × 1%` or `new_active × 100 CNY`",
                            ),
                        );
                        return None;
                    }
                };
                let whole_count = |t: &T| matches!(t.ty, Ty::Num(Dim::Count)) && t.exact;
                let exact = (l.exact && whole_count(&r)) || (r.exact && whole_count(&l));
                (Ty::Num(dim), ArithOp::Mul, exact, maybe)
            }
            (BinOp::Div, Ty::Num(x), Ty::Num(y)) => {
                let dim = match (x, y) {
                    // A ratio of counts or of rates is a plain number.
                    (q, s) if s.is_scalar() => {
                        if *q == Dim::Count || (*q == Dim::Fraction && *s == Dim::Fraction) {
                            Dim::Decimal
                        } else {
                            q.clone()
                        }
                    }
                    (q1, q2) if q1 == q2 => Dim::Decimal,
                    _ => {
                        self.error(
                            Diagnostic::error(
                                Code::UnitMismatch,
                                whole.span,
                                format!("dividing {x} by {y} has no meaning"),
                                "mismatched division",
                            )
                            .with_help("divide amounts of the same unit (a ratio), or an amount by a number"),
                        );
                        return None;
                    }
                };
                // Division by zero gives unknown, unless the divisor is a non-zero constant.
                let safe = num_const(&r.ir).is_some_and(|n| !n.is_zero());
                if num_const(&r.ir).is_some_and(|n| n.is_zero()) {
                    self.error(
                        Diagnostic::error(Code::TypeMismatch, b.span, "division by zero", "zero")
                            .with_help("divide by a number other than 0"),
                    );
                    return None;
                }
                (Ty::Num(dim), ArithOp::Div, false, maybe || !safe)
            }
            (BinOp::Add, Ty::Time, Ty::Duration) | (BinOp::Add, Ty::Duration, Ty::Time) => {
                let (t, d) = if l.ty == Ty::Time {
                    (l.ir.clone(), r.ir.clone())
                } else {
                    (r.ir.clone(), l.ir.clone())
                };
                return Some(
                    T {
                        after_budget,
                        ..T::new(Ir::Arith(ArithOp::TimePlus, Box::new(t), Box::new(d)), Ty::Time)
                    }
                    .maybe(maybe),
                );
            }
            (BinOp::Sub, Ty::Time, Ty::Duration) => (Ty::Time, ArithOp::TimeMinus, true, maybe),
            (BinOp::Sub, Ty::Time, Ty::Time) => (Ty::Duration, ArithOp::TimeDiff, true, maybe),
            (BinOp::Add, Ty::Duration, Ty::Duration) => (Ty::Duration, ArithOp::DurAdd, true, maybe),
            (BinOp::Sub, Ty::Duration, Ty::Duration) => (Ty::Duration, ArithOp::DurSub, true, maybe),
            (BinOp::Mul, Ty::Duration, Ty::Num(d)) if d.is_scalar() => (Ty::Duration, ArithOp::DurMul, true, maybe),
            (BinOp::Mul, Ty::Num(d), Ty::Duration) if d.is_scalar() => {
                return Some(
                    T {
                        after_budget,
                        ..T::new(
                            Ir::Arith(ArithOp::DurMul, Box::new(r.ir.clone()), Box::new(l.ir.clone())),
                            Ty::Duration,
                        )
                    }
                    .maybe(maybe),
                );
            }
            (_, x, y) => {
                let (x, y) = (x.clone(), y.clone());
                let help = match (&x, &y) {
                    (Ty::Time, Ty::Num(_)) | (Ty::Num(_), Ty::Time) => {
                        "add a duration to a timestamp: `applied_at - 60 days`"
                    }
                    _ => "arithmetic works on numbers, amounts, timestamps and durations",
                };
                self.error(
                    Diagnostic::error(
                        Code::TypeMismatch,
                        whole.span,
                        format!("cannot {} {x} and {y}", verb(op)),
                        "here",
                    )
                    .with_help(help),
                );
                return None;
            }
        };
        // Fold constants so windows and caps written as sums stay constants.
        if let (Some(x), Some(y)) = (num_const(&l.ir), num_const(&r.ir)) {
            let folded = match aop {
                ArithOp::Add => x.checked_add(y),
                ArithOp::Sub => x.checked_sub(y),
                ArithOp::Mul => x.checked_mul(y),
                ArithOp::Div => x.checked_div(y),
                _ => None,
            };
            if let Some(v) = folded {
                return Some(T::new(Ir::Const(Const::Num(v)), ty).exact(exact));
            }
        }
        if let (Ir::Const(Const::Time(t)), Ir::Const(Const::Duration(d)), ArithOp::TimeMinus) = (&l.ir, &r.ir, aop)
            && let Some(v) = t.checked_sub_signed(*d)
        {
            return Some(T::new(Ir::Const(Const::Time(v)), ty));
        }
        Some(
            T {
                after_budget,
                ..T::new(Ir::Arith(aop, Box::new(l.ir), Box::new(r.ir)), ty)
            }
            .maybe(maybe)
            .exact(exact),
        )
    }

    fn additive_dim(&mut self, x: &Dim, y: &Dim, a: &Expr, b: &Expr, op: BinOp) -> Option<Dim> {
        if x == y {
            return Some(x.clone());
        }
        match (x, y) {
            (Dim::Count | Dim::Decimal, Dim::Count | Dim::Decimal) => return Some(Dim::Decimal),
            (Dim::Fraction, Dim::Decimal | Dim::Count) | (Dim::Decimal | Dim::Count, Dim::Fraction)
                if !is_literal(a) && !is_literal(b) =>
            {
                return Some(Dim::Decimal);
            }
            (q, _) if literal_value(b) == Some(Decimal::ZERO) => return Some(q.clone()),
            (_, q) if literal_value(a) == Some(Decimal::ZERO) => return Some(q.clone()),
            _ => {}
        }
        let (bare, other) = if y.is_scalar() && !x.is_scalar() {
            (Some(b), x)
        } else if x.is_scalar() && !y.is_scalar() {
            (Some(a), y)
        } else {
            (None, x)
        };
        let verb = verb(op);
        match bare {
            Some(e) if is_literal(e) && other.unit_label().is_some() => {
                let unit = other.unit_label().unwrap_or("");
                self.error(
                    Diagnostic::error(
                        Code::BareNumber,
                        e.span,
                        format!("cannot {verb} a plain number and {other}"),
                        "no unit",
                    )
                    .with_help(format!("write the unit: `{} {unit}`", expr_text(e))),
                );
            }
            _ if matches!((x, y), (Dim::Fraction, _) | (_, Dim::Fraction)) => {
                let e = if *x == Dim::Fraction { b } else { a };
                let mut d = Diagnostic::error(
                    Code::PercentExpected,
                    e.span,
                    format!("cannot {verb} {x} and {y}"),
                    "not a percentage",
                );
                d = match literal_value(e) {
                    Some(n) => d.with_help(format!("did you mean `{n}%`?")),
                    None => d.with_help("write percentages with `%`, e.g. `1%`"),
                };
                self.error(d);
            }
            _ => {
                let help = match (x, y) {
                    (Dim::Money(c1), Dim::Money(c2)) => {
                        format!("{c1} and {c2} are different currencies; convert one with an explicit rate first")
                    }
                    _ => "both sides must be in the same unit; convert with `as UNIT` where the announcement says so"
                        .to_string(),
                };
                self.error(
                    Diagnostic::error(
                        Code::UnitMismatch,
                        a.span.to(b.span),
                        format!("cannot {verb} {x} and {y}"),
                        "different units",
                    )
                    .with_help(help),
                );
            }
        }
        None
    }

    fn compare(&mut self, op: BinOp, l: T, r: T, a: &Expr, b: &Expr) -> Option<T> {
        let cmp = match op {
            BinOp::Eq => CmpOp::Eq,
            BinOp::Ne => CmpOp::Ne,
            BinOp::Lt => CmpOp::Lt,
            BinOp::Le => CmpOp::Le,
            BinOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        let maybe = l.maybe || r.maybe;
        let after_budget = l.after_budget || r.after_budget;
        let ordered = !matches!(cmp, CmpOp::Eq | CmpOp::Ne);
        let make = |li: Ir, ri: Ir| {
            T {
                after_budget,
                ..T::new(Ir::Compare(cmp, Box::new(li), Box::new(ri)), Ty::Bool)
            }
            .maybe(maybe)
        };
        match (&l.ty, &r.ty) {
            (Ty::Num(x), Ty::Num(y)) => {
                // A computed plain number (a ratio, a share of a count) may be compared with a
                // percentage; only a bare literal next to a percentage is a likely slip (`≥ 2` for `≥ 2%`).
                let ratio_vs_rate = matches!(
                    (x, y),
                    (Dim::Fraction, Dim::Decimal | Dim::Count) | (Dim::Decimal | Dim::Count, Dim::Fraction)
                ) && !is_literal(a)
                    && !is_literal(b);
                let ok = x == y
                    || ratio_vs_rate
                    || matches!((x, y), (Dim::Count | Dim::Decimal, Dim::Count | Dim::Decimal))
                    || literal_value(a) == Some(Decimal::ZERO)
                    || literal_value(b) == Some(Decimal::ZERO);
                if ok {
                    return Some(make(l.ir, r.ir));
                }
                // Which side is the bare literal?
                let (lit, other) = if y.is_scalar() && is_literal(b) {
                    (Some(b), x)
                } else if x.is_scalar() && is_literal(a) {
                    (Some(a), y)
                } else {
                    (None, x)
                };
                match (lit, other) {
                    (Some(e), Dim::Fraction) => {
                        let n = literal_value(e).unwrap_or_default();
                        let help = if n >= Decimal::ONE {
                            format!("did you mean `{n}%`?")
                        } else {
                            format!(
                                "did you mean `{}%`? a fraction is written as a percentage",
                                (n * Decimal::ONE_HUNDRED).normalize()
                            )
                        };
                        self.error(
                            Diagnostic::error(
                                Code::PercentExpected,
                                e.span,
                                format!("`{}` is compared with a percentage but has no `%`", expr_text(e)),
                                "plain number",
                            )
                            .with_help(help),
                        );
                    }
                    (Some(e), q) if q.unit_label().is_some() => {
                        self.error(
                            Diagnostic::error(
                                Code::BareNumber,
                                e.span,
                                format!("`{}` is compared with {q} but has no unit", expr_text(e)),
                                "no unit",
                            )
                            .with_help(format!(
                                "write the unit: `{} {}`",
                                expr_text(e),
                                q.unit_label().unwrap_or("")
                            )),
                        );
                    }
                    _ => {
                        let help = match (x, y) {
                            (Dim::Money(c1), Dim::Money(c2)) => format!(
                                "{c1} and {c2} are different currencies; convert one with an explicit rate first"
                            ),
                            (Dim::Fraction, _) | (_, Dim::Fraction) => "write percentages with `%`, e.g. `2%`".into(),
                            _ => "compare amounts in the same unit".into(),
                        };
                        self.error(
                            Diagnostic::error(
                                Code::UnitMismatch,
                                a.span.to(b.span),
                                format!("cannot compare {x} with {y}"),
                                "different units",
                            )
                            .with_help(help),
                        );
                    }
                }
                None
            }
            (Ty::Time, Ty::Time) => {
                // `≤ 2022-12-31` means "up to the first instant of that day", which is rarely meant.
                let date_side = if r.date_only {
                    Some(b)
                } else if l.date_only {
                    Some(a)
                } else {
                    None
                };
                if let Some(e) = date_side
                    && matches!(
                        (cmp, r.date_only),
                        (CmpOp::Le | CmpOp::Gt, true) | (CmpOp::Ge | CmpOp::Lt, false)
                    )
                {
                    self.error(
                        Diagnostic::warning(
                            Code::DateOnlyComparison,
                            e.span,
                            format!(
                                "`{}` means the start of that day (00:00), so the rest of the day is {}",
                                expr_text(e),
                                if matches!(cmp, CmpOp::Le | CmpOp::Ge) {
                                    "left out"
                                } else {
                                    "included"
                                }
                            ),
                            "the day's first instant",
                        )
                        .with_help(format!(
                            "to include the whole day write `{} 23:59:59` or compare with `<` and the next day",
                            expr_text(e)
                        )),
                    );
                }
                Some(make(l.ir, r.ir))
            }
            (Ty::Duration, Ty::Duration) => Some(make(l.ir, r.ir)),
            (Ty::Text, Ty::Text) | (Ty::Bool, Ty::Bool) if !ordered => Some(make(l.ir, r.ir)),
            (Ty::Choice(c1), Ty::Choice(c2)) if !ordered && c1 == c2 => Some(make(l.ir, r.ir)),
            (Ty::Choice(choices), Ty::Text) | (Ty::Text, Ty::Choice(choices)) if !ordered => {
                let (text_ir, choice_ir, text_expr) = if matches!(l.ty, Ty::Text) {
                    (&l.ir, &r.ir, a)
                } else {
                    (&r.ir, &l.ir, b)
                };
                let Ir::Const(Const::Text(s)) = text_ir else {
                    self.type_error(
                        text_expr,
                        "a choice fact can only be compared with a text written in the campaign",
                        "write the choice in quotes, e.g. `store_status = \"normal\"`",
                    );
                    return None;
                };
                match choices.iter().position(|c| c.as_str() == &**s) {
                    Some(i) => Some(make(choice_ir.clone(), Ir::Const(Const::Choice(i as u32)))),
                    None => {
                        let choices = choices.clone();
                        self.unknown_choice(s, &choices, text_expr.span);
                        None
                    }
                }
            }
            (Ty::Time, Ty::Num(_)) | (Ty::Num(_), Ty::Time) => {
                let e = if l.ty == Ty::Time { b } else { a };
                self.type_error(
                    e,
                    "a timestamp can only be compared with another timestamp",
                    "write a date and time such as `2022-12-31 23:59:59`",
                );
                None
            }
            (Ty::Duration, Ty::Num(_)) | (Ty::Num(_), Ty::Duration) => {
                let e = if l.ty == Ty::Duration { b } else { a };
                let mut d = Diagnostic::error(
                    Code::BareNumber,
                    e.span,
                    "a duration is compared with a number without a time unit",
                    "no time unit",
                );
                d = match literal_value(e) {
                    Some(n) => d.with_help(format!("write the unit: `{n} days` (or hours, minutes, weeks)")),
                    None => d.with_help("write a duration such as `30 days`"),
                };
                self.error(d);
                None
            }
            (x, y) => {
                let (x, y) = (x.clone(), y.clone());
                let message = if ordered && x == y {
                    format!("{x} cannot be ordered with `{}`", op.symbol())
                } else {
                    format!("cannot compare {x} with {y}")
                };
                self.error(
                    Diagnostic::error(Code::TypeMismatch, a.span.to(b.span), message, "here")
                        .with_help("compare values of the same kind: amounts with amounts, timestamps with timestamps, texts with `=` or `in`"),
                );
                None
            }
        }
    }
}

// ------------------------------------------------------------ helpers

/// The ISO code people usually mean by a non-ISO currency word.
fn currency_alias(word: &str) -> Option<&'static str> {
    match word {
        "RMB" | "rmb" | "人民币" | "CNH" => Some("CNY"),
        "美元" | "US$" => Some("USD"),
        _ => None,
    }
}

fn verb(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "subtract",
        BinOp::Mul => "multiply",
        _ => "divide",
    }
}

fn outputtable(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::Bool | Ty::Text | Ty::Num(_) | Ty::Time | Ty::Duration | Ty::Choice(_)
    )
}

fn def_exact(def: &Definition) -> bool {
    def.exact
        || def.adjust.rounding.is_some()
        || matches!(def.expr, Ir::Const(_))
        || matches!(def.ty, Ty::Num(Dim::Count))
}

fn is_power_of_ten(d: Decimal) -> bool {
    if d <= Decimal::ZERO {
        return false;
    }
    let n = d.normalize();
    let mut m = n.mantissa();
    while m % 10 == 0 && m != 0 {
        m /= 10;
    }
    m == 1
}

fn add_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The instant of local midnight at the start of a day.
pub(crate) fn local_midnight(tz: Tz, d: NaiveDate) -> Option<chrono::DateTime<Utc>> {
    tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn ty_of_fact(f: &FactType) -> Ty {
    match f {
        FactType::Text => Ty::Text,
        FactType::Bool => Ty::Bool,
        FactType::Count => Ty::Num(Dim::Count),
        FactType::Decimal => Ty::Num(Dim::Decimal),
        FactType::Fraction => Ty::Num(Dim::Fraction),
        FactType::Timestamp => Ty::Time,
        FactType::Duration => Ty::Duration,
        FactType::Money(c) => Ty::Num(Dim::Money(c.as_str().into())),
        FactType::Quantity(u) => Ty::Num(Dim::Unit(u.as_str().into())),
        FactType::Enum(c) => Ty::Choice(c.clone().into()),
        FactType::List(_) => Ty::Records(0),
    }
}

fn describe_fact_type(f: &FactType) -> String {
    match f {
        FactType::Text => "`text`".into(),
        FactType::Bool => "`bool`".into(),
        FactType::Count => "`count`".into(),
        FactType::Decimal => "`decimal`".into(),
        FactType::Fraction => "`fraction`".into(),
        FactType::Timestamp => "`timestamp`".into(),
        FactType::Duration => "`duration`".into(),
        FactType::Money(c) => format!("`money {c}`"),
        FactType::Quantity(u) => format!("`quantity {u}`"),
        FactType::Enum(_) => "`one of ...`".into(),
        FactType::List(_) => "`list of ...`".into(),
    }
}

fn path_text(path: &[ast::Ident]) -> String {
    path.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(".")
}

fn attach_filters(list: &mut ListExpr, filters: Vec<Filter>) {
    if let Some(last) = list.levels.last_mut() {
        last.filters.extend(filters);
    }
}

/// The conjuncts of `a and b and (c and d)`, in order.
fn flatten_and<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::And(operands) => operands.iter().for_each(|x| flatten_and(x, out)),
        ExprKind::Paren(inner) if matches!(inner.kind, ExprKind::And(_)) => flatten_and(inner, out),
        _ => out.push(e),
    }
}

fn cmp_of(op: BinOp) -> CmpOp {
    match op {
        BinOp::Eq => CmpOp::Eq,
        BinOp::Ne => CmpOp::Ne,
        BinOp::Lt => CmpOp::Lt,
        BinOp::Le => CmpOp::Le,
        BinOp::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

/// The same comparison with its sides swapped: `c < x` is `x > c`.
fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// The names and field paths an expression reads (not inside aggregates or tier tables).
fn collect_operand_exprs<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Field(..) | ExprKind::Aggregate { .. } | ExprKind::Tiers { .. } => out.push(e),
        ExprKind::Neg(a) | ExprKind::Not(a) | ExprKind::Paren(a) | ExprKind::As(a, _) | ExprKind::IsKnown(a, _) => {
            collect_operand_exprs(a, out)
        }
        ExprKind::IsWaitlisted(_) => {}
        ExprKind::Binary(_, a, b) | ExprKind::IfUnknown(a, b) | ExprKind::Where(a, b) => {
            collect_operand_exprs(a, out);
            collect_operand_exprs(b, out);
        }
        ExprKind::And(v) | ExprKind::Or(v) => v.iter().for_each(|x| collect_operand_exprs(x, out)),
        ExprKind::Arith { first, rest } => {
            collect_operand_exprs(first, out);
            rest.iter().for_each(|(_, x)| collect_operand_exprs(x, out));
        }
        ExprKind::In { value, target, .. } => {
            collect_operand_exprs(value, out);
            match target {
                InTarget::Expr(t) => collect_operand_exprs(t, out),
                InTarget::Range(r) => {
                    collect_operand_exprs(&r.start, out);
                    collect_operand_exprs(&r.end, out);
                }
            }
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| collect_operand_exprs(a, out)),
        _ => {}
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
        Ir::Def(j) | Ir::DefAt(j) | Ir::AggregatePeriods(_, j) => defs.get(*j).copied().unwrap_or(false),
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

/// A value in both bands, if they overlap.
fn overlap_example(a: &Band, b: &Band) -> Option<Decimal> {
    // The larger of the two starts is the first candidate value in both.
    let lo = match (a.start, b.start) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    };
    match lo {
        Some(v) => (a.contains(v) && b.contains(v)).then_some(v),
        None => {
            // Both open below: they share everything below the smaller end.
            let end = match (a.end, b.end) {
                (Some(x), Some(y)) => x.min(y),
                (Some(x), None) | (None, Some(x)) => x,
                (None, None) => Decimal::ZERO,
            };
            Some(end - Decimal::ONE)
        }
    }
}

/// References that a true `ir` proves known: the operands of `x is known`, through `and`.
fn known_refs(ir: &Ir) -> Vec<Ir> {
    match ir {
        Ir::IsKnown(inner) => vec![(**inner).clone()],
        Ir::And(operands) => operands.iter().flat_map(known_refs).collect(),
        _ => Vec::new(),
    }
}

/// References that a false `ir` proves known: the operands of `x is unknown`, through `or`.
fn unknown_refs(ir: &Ir) -> Vec<Ir> {
    match ir {
        Ir::Not(inner) => match &**inner {
            Ir::IsKnown(x) => vec![(**x).clone()],
            _ => Vec::new(),
        },
        Ir::Or(operands) => operands.iter().flat_map(unknown_refs).collect(),
        _ => Vec::new(),
    }
}

/// Whether evaluating `ir` reads anything of the record.
fn depends_on_record(ir: &Ir) -> bool {
    match ir {
        Ir::Const(_) | Ir::Unknown | Ir::Param(_) | Ir::PeriodsWindow(_) => false,
        Ir::Neg(a) | Ir::Not(a) | Ir::IsKnown(a) => depends_on_record(a),
        Ir::Arith(_, a, b) | Ir::Compare(_, a, b) | Ir::IfUnknown(a, b) => depends_on_record(a) || depends_on_record(b),
        Ir::ArithChain { first, rest } => depends_on_record(first) || rest.iter().any(|(_, x)| depends_on_record(x)),
        Ir::And(v) | Ir::Or(v) | Ir::Min(v) | Ir::Max(v) => v.iter().any(depends_on_record),
        _ => true,
    }
}

/// The names of optional facts an expression reads, for messages.
fn optional_names(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_names(expr, &mut out);
    out.dedup();
    out
}

fn collect_names(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Name(id) if !out.contains(&id.name) => {
            out.push(id.name.clone());
        }
        ExprKind::Field(b, _) | ExprKind::Neg(b) | ExprKind::Not(b) | ExprKind::Paren(b) | ExprKind::As(b, _) => {
            collect_names(b, out)
        }
        ExprKind::Binary(_, a, b) => {
            collect_names(a, out);
            collect_names(b, out);
        }
        ExprKind::And(v) | ExprKind::Or(v) => v.iter().for_each(|x| collect_names(x, out)),
        ExprKind::Arith { first, rest } => {
            collect_names(first, out);
            rest.iter().for_each(|(_, x)| collect_names(x, out));
        }
        ExprKind::In { value, target, .. } => {
            collect_names(value, out);
            if let InTarget::Range(r) = target {
                collect_names(&r.start, out);
                collect_names(&r.end, out);
            }
        }
        ExprKind::IfUnknown(a, _) | ExprKind::IsKnown(a, _) => collect_names(a, out),
        _ => {}
    }
}

/// An expression written back as text, for messages.
pub fn expr_text(e: &Expr) -> String {
    crate::syntax::print::expr(e)
}
