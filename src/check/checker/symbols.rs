//! Filling the name table: declarations as the checker declares names, their details (type and
//! unit) as it learns them, and uses as names resolve.
//!
//! Most uses are recorded where names resolve (`scope.rs`, `definitions.rs`, `declarations.rs`).
//! Units after a number (`10 points`, `x as points`) and rewards tested with `is waitlisted`
//! resolve in the expression checker; they are global and unambiguous, so [`Checker::record_uses`]
//! records them from the syntax tree instead.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;

use crate::check::names::{Symbol, SymbolId, SymbolKind};
use crate::diagnostics::Span;
use crate::program::PoolStat;
use crate::program::schema::FactType;
use crate::program::types::{Dim, Ty};
use crate::syntax::ast::{self, Expr, ExprKind, Item, Modifier, PeriodUnit};
use crate::syntax::keywords::Keyword;

use super::Checker;

/// The symbols of the name table, by what they name.
#[derive(Debug, Default)]
pub(super) struct Symbols {
    /// Facts and list fields, by level and index in the level's schema.
    pub(super) facts: HashMap<(usize, usize), SymbolId>,
    /// Parameters, windows, period ranges and values, by name.
    pub(super) top: HashMap<String, SymbolId>,
    /// Rewards, by name.
    pub(super) rewards: HashMap<String, SymbolId>,
    /// Declared units, by name.
    pub(super) units: HashMap<String, SymbolId>,
}

impl<'a> Checker<'a> {
    /// Records a use of a symbol, when there is one.
    pub(super) fn refer(&mut self, symbol: Option<SymbolId>, span: Span) {
        if let Some(id) = symbol {
            self.names.reference(id, span);
        }
    }

    fn declare_symbol(
        &mut self,
        name: &ast::Ident,
        scope: Option<String>,
        kind: SymbolKind,
        declaration: Span,
        detail: Option<String>,
    ) -> SymbolId {
        self.names.declare(Symbol {
            name: name.name.clone(),
            scope,
            kind,
            name_span: name.span,
            declaration,
            detail,
            references: Vec::new(),
        })
    }

    /// Declares the facts of a level (`fields` as written, the level's schema built from them),
    /// and the fields of its lists, at any depth.
    pub(super) fn declare_facts(&mut self, fields: &[&ast::FieldDecl], level: usize) {
        let Some(path) = self.levels.get(level).map(|l| l.path.clone()) else {
            return;
        };
        let (scope, kind) = match level {
            0 => (None, SymbolKind::Fact),
            _ => (Some(path), SymbolKind::ListField),
        };
        let mut seen = HashSet::new();
        for f in fields {
            // The first declaration of a name is the fact; later ones were reported.
            if !seen.insert(f.name.name.as_str()) {
                continue;
            }
            let l = self.levels.get(level);
            let index = l.and_then(|l| l.index_of(&f.name.name));
            let field = index.and_then(|i| l?.schema.fields.get(i)).cloned();
            let child = index.and_then(|i| l?.children.get(&i)).copied();
            let detail = field.map(|field| self.fact_detail(&field.ty, field.optional));
            let declaration = self.declaration_end(f.span, f.ty.span.end);
            let id = self.declare_symbol(&f.name, scope.clone(), kind, declaration, detail);
            if let Some(i) = index {
                self.symbols.facts.insert((level, i), id);
            }
            if let (Some(child), ast::TypeExprKind::List(inner)) = (child, &f.ty.kind) {
                let inner: Vec<&ast::FieldDecl> = inner.iter().collect();
                self.declare_facts(&inner, child);
            }
        }
    }

    /// Declares a top-level parameter, window, period range, value or reward.
    pub(super) fn declare_item(&mut self, item: &Item) {
        let keyword_from = |name: &ast::Ident, keyword: Keyword| {
            self.keyword_before(name.span.start, keyword).unwrap_or(name.span.start)
        };
        let (name, kind, declaration) = match item {
            Item::Parameter(p) => (
                &p.name,
                SymbolKind::Parameter,
                Span::new(keyword_from(&p.name, Keyword::Parameter), p.default.span.end),
            ),
            Item::Window(w) => (
                &w.name,
                SymbolKind::Window,
                Span::new(keyword_from(&w.name, Keyword::Window), w.range.span.end),
            ),
            Item::Periods(p) => (&p.name, SymbolKind::Periods, p.span),
            Item::Value(v) => (&v.name, SymbolKind::Value, v.span),
            Item::Reward(r) => (&r.name, SymbolKind::Reward, r.span),
            _ => return,
        };
        let detail = matches!(item, Item::Window(_)).then(|| "window".to_string());
        let id = self.declare_symbol(name, None, kind, declaration, detail);
        match item {
            Item::Reward(_) => self.symbols.rewards.insert(name.name.clone(), id),
            _ => self.symbols.top.insert(name.name.clone(), id),
        };
    }

    /// Declares a per-item value (`let NAME of LIST = ...`) of the records of a level.
    pub(super) fn declare_item_field(&mut self, v: &ast::ValueDecl, level: usize) -> SymbolId {
        let scope = self.levels.get(level).map(|l| l.path.clone());
        self.declare_symbol(&v.name, scope, SymbolKind::ItemField, v.span, None)
    }

    /// Declares a unit (`unit points, precision 0.01`).
    pub(super) fn declare_unit_symbol(&mut self, u: &ast::UnitDecl, precision: Decimal) {
        let declaration = self.unit_declaration(u).unwrap_or(u.name.span);
        let detail = format!("precision {precision}");
        let id = self.declare_symbol(&u.name, None, SymbolKind::Unit, declaration, Some(detail));
        self.symbols.units.insert(u.name.name.clone(), id);
    }

    /// Records a use of a declared unit.
    pub(super) fn unit_used(&mut self, u: &ast::Ident) {
        let symbol = self.symbols.units.get(&u.name).copied();
        self.refer(symbol, u.span);
    }

    /// Sets the detail of a top-level name.
    pub(super) fn describe_top(&mut self, name: &str, detail: String) {
        if let Some(id) = self.symbols.top.get(name).copied() {
            self.names.describe(id, detail);
        }
    }

    /// Sets the detail of each reward checked (`rewards` in the order declared).
    pub(super) fn describe_rewards(&mut self, rewards: &[crate::program::RewardDef]) {
        for r in rewards {
            let amount = Ty::Num(r.dim.clone());
            let ty = match r.per {
                Some(p) => Ty::PerPeriod(p, Box::new(amount)),
                None => amount,
            };
            let detail = self.ty_detail(&ty, false);
            if let Some(id) = self.symbols.rewards.get(&r.name).copied() {
                self.names.describe(id, detail);
            }
        }
    }

    /// Records the uses of units after numbers and of rewards in `is waitlisted`, which resolve in
    /// the expression checker.
    pub(super) fn record_uses(&mut self, campaign: &ast::Campaign) {
        let mut found = Vec::new();
        for item in &campaign.items {
            match item {
                Item::Parameter(p) => uses_in(&p.default, &mut found),
                Item::Window(w) => {
                    uses_in(&w.range.start, &mut found);
                    uses_in(&w.range.end, &mut found);
                }
                Item::Value(ast::ValueDecl { expr, modifiers, .. }) => {
                    uses_in(expr, &mut found);
                    for m in modifiers {
                        uses_in_modifier(m, &mut found);
                    }
                }
                Item::Reward(r) => {
                    uses_in(&r.expr, &mut found);
                    for m in &r.modifiers {
                        uses_in_modifier(m, &mut found);
                    }
                    for c in r.gate.iter().flat_map(|g| &g.conditions) {
                        uses_in(&c.expr, &mut found);
                    }
                }
                Item::Eligible(block) => {
                    for c in &block.conditions {
                        uses_in(&c.expr, &mut found);
                    }
                }
                _ => {}
            }
        }
        for (use_, id) in found {
            let symbol = match use_ {
                Use::Unit => self.symbols.units.get(&id.name),
                Use::Reward => self.symbols.rewards.get(&id.name),
            }
            .copied();
            self.refer(symbol, id.span);
        }
    }

    /// Where a keyword that ends before `at` (with white space between) starts.
    pub(super) fn keyword_before(&self, at: usize, keyword: Keyword) -> Option<usize> {
        let before = self.text.get(..at)?.trim_end();
        before.strip_suffix(self.surface.spell(keyword)).map(str::len)
    }

    /// The `value` keyword of a definition, when it is written there.
    pub(super) fn value_keyword(&self, v: &ast::ValueDecl) -> Option<Span> {
        let word = self.surface.spell(Keyword::Value);
        let rest = self.text.get(v.span.start..)?;
        rest.starts_with(word)
            .then(|| Span::new(v.span.start, v.span.start + word.len()))
    }

    /// The `, optional` after the type of a fact, when it is written there.
    pub(super) fn optional_mark(&self, f: &ast::FieldDecl) -> Option<Span> {
        let start = f.ty.span.end;
        let rest = self.text.get(start..f.span.end)?;
        let after = rest
            .trim_start()
            .strip_prefix(',')?
            .trim_start()
            .strip_prefix(self.surface.spell(Keyword::Optional))?;
        Some(Span::new(start, start + rest.len() - after.len()))
    }

    /// A whole `unit` declaration, from its keyword to its name or precision.
    pub(super) fn unit_declaration(&self, u: &ast::UnitDecl) -> Option<Span> {
        let start = self.keyword_before(u.name.span.start, Keyword::Unit)?;
        let end = u.precision.map_or(u.name.span.end, |(_, span)| span.end);
        Some(Span::new(start, end))
    }

    /// The whole line of a span, with its line break, when nothing else is written on it;
    /// otherwise the span.
    pub(super) fn whole_line(&self, span: Span) -> Span {
        let (Some(before), Some(after)) = (self.text.get(..span.start), self.text.get(span.end..)) else {
            return span;
        };
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line_end = after.find('\n').map_or(self.text.len(), |i| span.end + i + 1);
        let blank = |s: Option<&str>| s.is_some_and(|s| s.trim().is_empty());
        if blank(self.text.get(line_start..span.start)) && blank(self.text.get(span.end..line_end)) {
            Span::new(line_start, line_end)
        } else {
            span
        }
    }

    /// A declaration's span without the comma and white space that may follow it (not before
    /// `min_end`).
    fn declaration_end(&self, span: Span, min_end: usize) -> Span {
        let end = self.text.get(min_end..span.end).map_or(span.end, |rest| {
            min_end + rest.trim_end_matches([',', ' ', '\t', '\r', '\n']).len()
        });
        Span::new(span.start, end)
    }

    /// A fact's type as written in a declaration (`money CNY, optional`).
    pub(super) fn fact_detail(&self, ty: &FactType, optional: bool) -> String {
        let text = match ty {
            FactType::Text => "text".to_string(),
            FactType::Bool => "bool".to_string(),
            FactType::Count => "count".to_string(),
            FactType::Decimal => "decimal".to_string(),
            FactType::Fraction => "fraction".to_string(),
            FactType::Timestamp => "timestamp".to_string(),
            FactType::Duration => "duration".to_string(),
            FactType::Money(c) => format!("money {c}"),
            FactType::Quantity(u) => format!("quantity {u}"),
            FactType::Enum(choices) => one_of(choices),
            FactType::List(schema) => {
                let fields: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
                format!("list of {{ {} }}", fields.join(", "))
            }
        };
        self.with_optional(text, optional)
    }

    /// A checked type in the words of a declaration (`money CNY`, `list of count`), with
    /// `, optional` when the value can be unknown.
    pub(super) fn ty_detail(&self, ty: &Ty, maybe: bool) -> String {
        let text = self.ty_text(ty);
        self.with_optional(text, maybe)
    }

    fn with_optional(&self, text: String, optional: bool) -> String {
        match optional {
            true => format!("{text}, {}", self.surface.spell(Keyword::Optional)),
            false => text,
        }
    }

    fn ty_text(&self, ty: &Ty) -> String {
        match ty {
            Ty::Bool => "bool".into(),
            Ty::Text => "text".into(),
            Ty::Num(Dim::Count) => "count".into(),
            Ty::Num(Dim::Decimal) => "decimal".into(),
            Ty::Num(Dim::Fraction) => "fraction".into(),
            Ty::Num(Dim::Money(c)) => format!("money {c}"),
            Ty::Num(Dim::Unit(u)) => format!("quantity {u}"),
            Ty::Time => "timestamp".into(),
            Ty::Duration => "duration".into(),
            Ty::Choice(choices) => one_of(choices),
            Ty::Window => "window".into(),
            Ty::TextSet => "set of texts".into(),
            Ty::Periods(i) => match self.periods.get(*i) {
                Some(range) => format!("periods {}", range.name),
                None => "periods".into(),
            },
            Ty::Records(level) => match self.levels.get(*level) {
                Some(l) if !l.path.is_empty() => format!("records of {}", l.path),
                _ => "records".into(),
            },
            Ty::Items(item) => format!("list of {}", self.ty_text(item)),
            Ty::PerPeriod(i, item) => match self.periods.get(*i) {
                Some(range) => format!("{} per period of {}", self.ty_text(item), range.name),
                None => format!("{} per period", self.ty_text(item)),
            },
        }
    }
}

/// The detail of a period range: how many periods of which length.
pub(super) fn periods_detail(unit: PeriodUnit, count: usize) -> String {
    let word = match (unit, count) {
        (PeriodUnit::Month, 1) => "month",
        (PeriodUnit::Month, _) => "months",
        (PeriodUnit::Week, 1) => "week",
        (PeriodUnit::Week, _) => "weeks",
        (PeriodUnit::Day, 1) => "day",
        (PeriodUnit::Day, _) => "days",
        (PeriodUnit::Year, 1) => "year",
        (PeriodUnit::Year, _) => "years",
    };
    format!("{count} {word}")
}

fn one_of(choices: &[String]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
    format!("one of {}", quoted.join(", "))
}

/// What a use found in the syntax tree names.
#[derive(Debug, Clone, Copy)]
enum Use {
    Unit,
    Reward,
}

fn uses_in_modifier<'e>(m: &'e Modifier, out: &mut Vec<(Use, &'e ast::Ident)>) {
    match m {
        Modifier::Rounded { .. } => {}
        Modifier::AtMost(e, _) | Modifier::AtLeast(e, _) | Modifier::Expires(e, _) => uses_in(e, out),
        Modifier::Budget(b) => {
            uses_in(&b.amount, out);
            if let Some(order) = b.order() {
                uses_in(order, out);
            }
            if let ast::BudgetScope::Per(_, e) = &b.scope {
                uses_in(e, out);
            }
        }
        Modifier::Paid(shares, _) => {
            for (_, _, e) in shares {
                uses_in(e, out);
            }
        }
    }
}

/// The units after numbers (`10 points`, `x as points`) and the rewards of `is waitlisted` in an
/// expression, in the order written.
fn uses_in<'e>(e: &'e Expr, out: &mut Vec<(Use, &'e ast::Ident)>) {
    match &e.kind {
        ExprKind::Quantity(_, unit) => out.push((Use::Unit, unit)),
        ExprKind::As(value, unit) => {
            uses_in(value, out);
            out.push((Use::Unit, unit));
        }
        ExprKind::IsWaitlisted(inner) | ExprKind::IsEarned(inner) => match &inner.kind {
            ExprKind::Name(reward) => out.push((Use::Reward, reward)),
            _ => uses_in(inner, out),
        },
        // `pool_claims(REWARD)`: the argument names a reward.
        ExprKind::Call(f, args) if PoolStat::ALL.iter().any(|(_, n)| *n == f.name) => {
            for a in args {
                match &a.kind {
                    ExprKind::Name(reward) => out.push((Use::Reward, reward)),
                    _ => uses_in(a, out),
                }
            }
        }
        _ => e.for_each_child(&mut |child| uses_in(child, out)),
    }
}
