//! The terms merchants read, generated from the campaign file (`campaign render`).
//!
//! Announcements and the files that compute their payouts drift apart when the terms are
//! written by hand. Here they are derived from the checked syntax tree: who qualifies
//! (each condition in words, with the reason the author wrote), the windows in the
//! campaign's local time, tiers and lookups as tables, rates, caps, budgets and pools,
//! rounding, what happens when data is missing, payment dates and expiry, each reward's
//! own conditions, and the definitions they use. What has no natural wording is shown
//! as the formula the file writes; reasons and names stay as written.
//!
//! This module is pure (no I/O, no clock): a campaign and a language in, a document out
//! ([`terms`]), written as Markdown or HTML ([`render`]). It works on the syntax tree, so
//! it reads whichever keywords the file is written in; it is meant for campaigns that
//! check without errors (it words whatever parses, but a name that resolves to nothing
//! is shown as written).

mod dates;
pub mod doc;
mod expr;
mod html;
mod markdown;
mod modifiers;

use std::collections::{BTreeMap, BTreeSet};

use doc::{Block, Document, Phrase, Section};
use expr::Role;

use crate::syntax::ast::{
    Campaign, Condition, EligibleBlock, Expr, ExprKind, FieldDecl, Item, Modifier, OutputKind, ParameterDecl,
    PeriodUnit, Range, RewardDecl, Scope, Text, TypeExprKind, UnitDecl, ValueDecl,
};

/// The language of the terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

/// How the terms are written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown (CommonMark with GitHub's tables).
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// The terms of `campaign` in `lang`, written as `format`.
pub fn render(campaign: &Campaign, lang: Lang, format: Format) -> String {
    let doc = terms(campaign, lang);
    match format {
        Format::Markdown => markdown::write(&doc),
        Format::Html => html::write(&doc),
    }
}

/// The terms of `campaign` in `lang`, as a document.
pub fn terms(campaign: &Campaign, lang: Lang) -> Document {
    let mut cx = Cx::new(lang, campaign);
    let mut parts = Parts::default();
    for item in &campaign.items {
        cx.item(item, &mut parts);
    }
    parts.document(&cx, campaign.name.value.clone())
}

/// What the terms need to know about the campaign's names while wording an expression,
/// and the tables the wording has set aside.
pub struct Cx<'a> {
    lang: Lang,
    windows: BTreeMap<&'a str, &'a Range>,
    sets: BTreeMap<&'a str, &'a [Text]>,
    parameters: BTreeMap<&'a str, &'a Expr>,
    /// Period ranges by name, with their unit.
    periods: BTreeMap<&'a str, PeriodUnit>,
    /// Per-period definitions by name, with the unit of their periods.
    per_period: BTreeMap<&'a str, PeriodUnit>,
    /// The facts that are points in time (at any depth of lists).
    times: BTreeSet<&'a str>,
    /// The period of the per-period definition being worded, by the name it goes by.
    period_var: Option<(&'a str, PeriodUnit)>,
    tables: Vec<(Phrase, Block)>,
    table_count: usize,
    /// The file's keyword set: formulas are shown as the file writes them.
    surface: crate::syntax::keywords::Surface,
}

impl<'a> Cx<'a> {
    /// An expression shown as a formula, with the file's keywords.
    fn formula(&self, e: &Expr) -> String {
        crate::syntax::expr_in(&crate::syntax::print::expr(e), self.surface)
    }

    /// The context of `campaign`: its windows, sets, parameters and periods by name.
    fn new(lang: Lang, campaign: &'a Campaign) -> Cx<'a> {
        let mut cx = Cx {
            lang,
            windows: BTreeMap::new(),
            sets: BTreeMap::new(),
            parameters: BTreeMap::new(),
            periods: BTreeMap::new(),
            per_period: BTreeMap::new(),
            times: BTreeSet::new(),
            period_var: None,
            tables: Vec::new(),
            table_count: 0,
            surface: campaign.surface,
        };
        for item in &campaign.items {
            cx.learn(item);
        }
        for item in &campaign.items {
            cx.learn_per_period(item);
        }
        cx
    }

    /// Notes what a name stands for, where the wording shows it in place.
    fn learn(&mut self, item: &'a Item) {
        match item {
            Item::Window(w) => {
                self.windows.insert(&w.name.name, &w.range);
            }
            Item::Parameter(p) => {
                self.parameters.insert(&p.name.name, &p.default);
            }
            Item::Periods(p) => {
                self.periods.insert(&p.name.name, p.unit);
            }
            Item::Value(v) => {
                if let (ExprKind::Set(items), None) = (&v.expr.kind, &v.scope) {
                    self.sets.insert(&v.name.name, items);
                }
            }
            Item::Facts(facts) => self.learn_times(&facts.fields),
            Item::Timezone(_)
            | Item::Source(_)
            | Item::Note(_)
            | Item::Unit(_)
            | Item::Eligible(_)
            | Item::Reward(_) => {}
        }
    }

    /// Notes the facts that are points in time.
    fn learn_times(&mut self, fields: &'a [FieldDecl]) {
        for f in fields {
            match &f.ty.kind {
                TypeExprKind::Timestamp => {
                    self.times.insert(&f.name.name);
                }
                TypeExprKind::List(inner) => self.learn_times(inner),
                TypeExprKind::Text
                | TypeExprKind::Bool
                | TypeExprKind::Count
                | TypeExprKind::Decimal
                | TypeExprKind::Fraction
                | TypeExprKind::Duration
                | TypeExprKind::Money(_)
                | TypeExprKind::Quantity(_)
                | TypeExprKind::Enum(_) => {}
            }
        }
    }

    /// Whether the name is a fact that is a point in time.
    pub fn is_time_fact(&self, name: &str) -> bool {
        self.times.contains(name)
    }

    /// Notes the per-period definitions (after the period ranges are known).
    fn learn_per_period(&mut self, item: &'a Item) {
        let (scope, name) = match item {
            Item::Value(v) => (v.scope.as_ref(), v.name.name.as_str()),
            Item::Reward(r) => (r.per.as_ref(), r.name.name.as_str()),
            Item::Timezone(_)
            | Item::Source(_)
            | Item::Note(_)
            | Item::Unit(_)
            | Item::Parameter(_)
            | Item::Window(_)
            | Item::Periods(_)
            | Item::Facts(_)
            | Item::Eligible(_) => return,
        };
        if let Some(Scope::Per { periods, .. }) = scope
            && let Some(unit) = self.periods.get(periods.name.as_str())
        {
            self.per_period.insert(name, *unit);
        }
    }

    /// The words in the terms' language.
    pub fn t(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Whether the terms are in Chinese.
    pub fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    /// An expression in words, as a value.
    pub fn value(&mut self, e: &Expr) -> Phrase {
        expr::words(self, e, Role::Value)
    }

    /// An expression in words, as something that holds.
    pub fn condition(&mut self, e: &Expr) -> Phrase {
        expr::words(self, e, Role::Condition)
    }

    /// The range of the window `name`.
    pub fn window(&self, name: &str) -> Option<&'a Range> {
        self.windows.get(name).copied()
    }

    /// The texts of the set `let` named `name`.
    pub fn set(&self, name: &str) -> Option<&'a [Text]> {
        self.sets.get(name).copied()
    }

    /// The default of the parameter `name`.
    pub fn parameter(&self, name: &str) -> Option<&'a Expr> {
        self.parameters.get(name).copied()
    }

    /// The unit of the period `name` stands for, inside a per-period definition.
    pub fn period_var(&self, name: &str) -> Option<PeriodUnit> {
        self.period_var.filter(|(var, _)| *var == name).map(|(_, unit)| unit)
    }

    /// The unit of the periods of the per-period definition `name`.
    pub fn per_period(&self, name: &str) -> Option<PeriodUnit> {
        self.per_period.get(name).copied()
    }

    /// The number of the next table.
    pub fn next_table(&mut self) -> usize {
        self.table_count += 1;
        self.table_count
    }

    /// Sets a table aside, with its caption, to follow the item being worded.
    pub fn add_table(&mut self, caption: Phrase, table: Block) {
        self.tables.push((caption, table));
    }

    /// The tables set aside, as blocks.
    fn take_tables(&mut self) -> Vec<Block> {
        let mut out = Vec::new();
        for (caption, table) in std::mem::take(&mut self.tables) {
            out.push(Block::Paragraph(caption));
            out.push(table);
        }
        out
    }

    /// Words one item into its part of the terms.
    fn item(&mut self, item: &'a Item, parts: &mut Parts) {
        match item {
            Item::Timezone(zone) => parts.preamble.push(self.timezone(&zone.name)),
            Item::Source(text) => {
                let line = Phrase::text(self.t("来源: ", "Source: ")).then(&text.value);
                parts.preamble.push(line);
            }
            Item::Note(text) => parts.preamble.push(Phrase::text(&text.value)),
            Item::Unit(u) => parts.units.push(self.unit(u)),
            Item::Parameter(p) => parts.parameters.push(self.parameter_line(p)),
            Item::Window(w) => {
                let dates = dates::range(self, &w.range);
                parts.dates.push(Phrase::code(&w.name.name).then(": ").and(dates));
            }
            Item::Periods(p) => {
                let words = dates::periods(self, p);
                parts.dates.push(Phrase::code(&p.name.name).then(": ").then(&words));
            }
            Item::Facts(facts) => {
                for field in &facts.fields {
                    parts.data.push(self.fact(field));
                }
            }
            Item::Value(v) => {
                let line = self.definition(v);
                match parts.definitions.last_mut() {
                    Some(Block::Bullets(lines)) => lines.push(line),
                    Some(Block::Paragraph(_) | Block::Numbered(_) | Block::Table { .. }) | None => {
                        parts.definitions.push(Block::Bullets(vec![line]));
                    }
                }
                parts.definitions.extend(self.take_tables());
            }
            Item::Eligible(block) => parts.conditions.push(self.eligible(block)),
            Item::Reward(r) => {
                parts.kind = r.kind;
                let section = self.reward(r);
                parts.rewards.push(section);
            }
        }
    }

    /// `timezone Asia/Shanghai`: every time in the terms is local time there.
    fn timezone(&self, zone: &str) -> Phrase {
        match (self.lang, zone) {
            (Lang::Zh, "Asia/Shanghai") => Phrase::text("以下时间均为北京时间 (")
                .and(Phrase::code(zone))
                .then(")。"),
            (Lang::Zh, _) => Phrase::text("以下时间均为 ")
                .and(Phrase::code(zone))
                .then(" 时区的当地时间。"),
            (Lang::En, _) => Phrase::text("All times are local time in ")
                .and(Phrase::code(zone))
                .then("."),
        }
    }

    /// `unit credits, precision 0.01`.
    fn unit(&self, u: &UnitDecl) -> Phrase {
        let name = Phrase::code(&u.name.name);
        match &u.precision {
            Some((p, _)) => name.then(&format!("{}{p}", self.t(": 最小单位 ", ": in steps of "))),
            None => name.then(self.t(": 以整数计", ": in whole units")),
        }
    }

    /// `parameter monthly_packs: count = 50`.
    fn parameter_line(&mut self, p: &ParameterDecl) -> Phrase {
        let default = self.value(&p.default);
        let name = Phrase::code(&p.name.name);
        if self.zh() {
            name.then(": 默认 ").and(default).then(" (评估时可另行设定)")
        } else {
            name.then(": ")
                .and(default)
                .then(" unless set otherwise when evaluating")
        }
    }

    /// One fact the campaign reads, with its type and whether it may be missing.
    fn fact(&self, field: &FieldDecl) -> Phrase {
        let mut out = Phrase::code(&field.name.name)
            .then(": ")
            .and(self.fact_type(&field.ty.kind));
        if field.optional {
            out.push_text(self.t(", 可能缺失", ", may be missing"));
        }
        out
    }

    fn fact_type(&self, ty: &TypeExprKind) -> Phrase {
        match ty {
            TypeExprKind::Text => Phrase::text(self.t("文本", "text")),
            TypeExprKind::Bool => Phrase::text(self.t("是/否", "yes or no")),
            TypeExprKind::Count => Phrase::text(self.t("计数", "a count")),
            TypeExprKind::Decimal => Phrase::text(self.t("数值", "a number")),
            TypeExprKind::Fraction => Phrase::text(self.t("比例", "a fraction")),
            TypeExprKind::Timestamp => Phrase::text(self.t("时间", "a time")),
            TypeExprKind::Duration => Phrase::text(self.t("时长", "a duration")),
            TypeExprKind::Money(c) => {
                let unit = expr::unit_word(self, &c.name);
                Phrase::text(format!(
                    "{}{unit}{}",
                    self.t("金额 (", "an amount in "),
                    self.t(")", "")
                ))
            }
            TypeExprKind::Quantity(u) => Phrase::text(format!(
                "{}{}{}",
                self.t("数量 (", "a quantity of "),
                u.name,
                self.t(")", "")
            )),
            TypeExprKind::Enum(items) => {
                let items: Vec<String> = items.iter().map(|t| format!("“{}”", t.value)).collect();
                let joined = items.join(self.t("、", ", "));
                match self.lang {
                    Lang::Zh => Phrase::text(format!("{joined} 之一")),
                    Lang::En => Phrase::text(format!("one of {joined}")),
                }
            }
            TypeExprKind::List(fields) => {
                let inner: Vec<Phrase> = fields.iter().map(|f| self.fact(f)).collect();
                Phrase::join(inner, "; ")
                    .after(self.t("列表, 每项包含 (", "a list, each item with ("))
                    .then(")")
            }
        }
    }

    /// `value x of list = …` or `let x per month in range = …, modifiers`.
    fn definition(&mut self, v: &'a ValueDecl) -> Phrase {
        let mut line = Phrase::code(&v.name.name);
        if let Some(scope) = self.scope(v.scope.as_ref()) {
            line.append(scope.after(" (").then(self.t("分别计算)", ")")));
        }
        line.push_text(": ");
        line.append(self.value(&v.expr));
        for m in &v.modifiers {
            line.push_text(self.t("; ", "; "));
            line.append(modifiers::modifier(self, m, false));
        }
        self.period_var = None;
        line
    }

    /// What a definition is computed for, and from here on the name its period goes by:
    /// `对 `orders` 的每一项`, ``settlement` 的每月`.
    fn scope(&mut self, scope: Option<&'a Scope>) -> Option<Phrase> {
        match scope {
            None => None,
            Some(Scope::Of(path)) => {
                let list: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                let list = Phrase::code(list.join("."));
                Some(if self.zh() {
                    list.after("对 ").then(" 的每一项")
                } else {
                    list.after("for each item of ")
                })
            }
            Some(Scope::Item(path)) => {
                let list: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                let list = Phrase::code(list.join("."));
                Some(if self.zh() {
                    list.after("对 ").then(" 的每一项")
                } else {
                    list.after("for each item of ")
                })
            }
            Some(Scope::Per { var, periods }) => {
                let unit = self.periods.get(periods.name.as_str()).copied();
                if let Some(unit) = unit {
                    self.period_var = Some((&var.name, unit));
                }
                let each = unit.map_or("", |u| dates::each_period(self, u));
                let range = Phrase::code(&periods.name);
                Some(if self.zh() {
                    range.then(&format!(" 的{each}"))
                } else {
                    range.after(&format!("{each} of "))
                })
            }
        }
    }

    /// `eligible when { … }`: every condition with its reason.
    fn eligible(&mut self, block: &EligibleBlock) -> Vec<Phrase> {
        block.conditions.iter().map(|c| self.condition_line(c)).collect()
    }

    /// A condition: the rule in words, then the reason as the author wrote it (what a
    /// merchant is told when the condition does not hold).
    fn condition_line(&mut self, c: &Condition) -> Phrase {
        let mut line = self.condition(&c.expr);
        if let Some(reason) = &c.reason {
            line.push_text(self.t(" —— 未满足时提示: ", " — if not, the merchant is told: "));
            line.push_reason(&reason.value);
        }
        line
    }

    /// A reward or fee: its amount, how it is settled, its modifiers and own conditions.
    fn reward(&mut self, r: &'a RewardDecl) -> Section {
        let heading = Phrase::text(match r.kind {
            OutputKind::Reward => self.t("奖励 ", "Reward "),
            OutputKind::Fee => self.t("费用 ", "Fee "),
        })
        .and(Phrase::code(&r.name.name));
        let mut bullets = Vec::new();
        let per = self.scope(r.per.as_ref());
        let amount = self.value(&r.expr);
        bullets.push(Phrase::text(self.t("金额: ", "Amount: ")).and(amount));
        let per_item = matches!(r.per, Some(Scope::Item(_)));
        if let Some(per) = per {
            bullets.push(match (self.lang, per_item) {
                (Lang::Zh, false) => per.after("按 ").then("分别计算并结算"),
                (Lang::En, false) => per.after("Computed and settled "),
                (Lang::Zh, true) => per.then("分别计算, 各项单独舍入; 金额为各项之和"),
                (Lang::En, true) => per
                    .after("Computed ")
                    .then(", each item rounded on its own; the amount is the sum of the items"),
            });
        }
        for m in &r.modifiers {
            let line = match (per_item, m) {
                // A cap on an amount per item is on the total, used up in the list's order.
                (true, Modifier::AtMost(e, _)) => {
                    self.value(e).after(self.t("各项合计最高 ", "at most ")).then(self.t(
                        " (按列表顺序逐项计入, 用完为止)",
                        " in total over the items (used up item by item, in the list's order)",
                    ))
                }
                _ => modifiers::modifier(self, m, r.per.is_some()),
            };
            bullets.push(capitalised(line));
        }
        self.period_var = None;
        let mut blocks = vec![Block::Bullets(bullets)];
        if let Some(gate) = &r.gate {
            blocks.push(Block::Paragraph(Phrase::text(
                self.t("另须同时满足以下条件:", "Only when all of these also hold:"),
            )));
            let lines: Vec<Phrase> = gate.conditions.iter().map(|c| self.condition_line(c)).collect();
            blocks.push(Block::Numbered(lines));
        }
        blocks.extend(self.take_tables());
        Section {
            level: 3,
            heading,
            blocks,
        }
    }
}

/// The terms' parts, filled item by item in the order written.
#[derive(Default)]
struct Parts {
    preamble: Vec<Phrase>,
    dates: Vec<Phrase>,
    conditions: Vec<Vec<Phrase>>,
    rewards: Vec<Section>,
    kind: OutputKind,
    definitions: Vec<Block>,
    parameters: Vec<Phrase>,
    units: Vec<Phrase>,
    data: Vec<Phrase>,
}

impl Parts {
    /// The document: dates, who qualifies, what is paid (or charged), how it is computed,
    /// and what it is computed from.
    fn document(self, cx: &Cx<'_>, title: String) -> Document {
        let mut sections = Vec::new();
        let mut section = |heading: &str, blocks: Vec<Block>| {
            if !blocks.is_empty() {
                sections.push(Section {
                    level: 2,
                    heading: Phrase::text(heading),
                    blocks,
                });
            }
        };
        section(cx.t("活动时间", "Dates"), bullets(self.dates));
        let fee = self.kind == OutputKind::Fee;
        let conditions: Vec<Block> = if self.conditions.is_empty() {
            Vec::new()
        } else {
            let intro = match fee {
                true => cx.t("以下条件全部满足时收取:", "Charged when all of the following hold:"),
                false => cx.t("须同时满足以下全部条件:", "All of the following must hold:"),
            };
            let mut blocks = vec![Block::Paragraph(Phrase::text(intro))];
            blocks.extend(self.conditions.into_iter().map(Block::Numbered));
            blocks
        };
        let who = match fee {
            true => cx.t("收费条件", "Who is charged"),
            false => cx.t("参与条件", "Who qualifies"),
        };
        section(who, conditions);
        let what = match fee {
            true => cx.t("费用", "Fees"),
            false => cx.t("奖励", "Rewards"),
        };
        let rewards = self.rewards;
        section(
            what,
            if rewards.is_empty() {
                Vec::new()
            } else {
                vec![Block::Paragraph(Phrase::text(match fee {
                    true => cx.t(
                        "满足条件时按下列各项收取。",
                        "When the conditions hold, each fee below is charged.",
                    ),
                    false => cx.t(
                        "满足参与条件时按下列各项发放。",
                        "When the conditions hold, each reward below is paid.",
                    ),
                }))]
            },
        );
        sections.extend(rewards);
        let mut more = Vec::new();
        let mut section = |heading: &str, blocks: Vec<Block>| {
            if !blocks.is_empty() {
                more.push(Section {
                    level: 2,
                    heading: Phrase::text(heading),
                    blocks,
                });
            }
        };
        section(cx.t("计算口径", "Definitions"), self.definitions);
        section(cx.t("可调参数", "Parameters"), bullets(self.parameters));
        section(cx.t("计量单位", "Units"), bullets(self.units));
        section(cx.t("所用数据", "Data used"), bullets(self.data));
        sections.extend(more);
        Document {
            title,
            lang_tag: cx.t("zh-CN", "en"),
            preamble: self.preamble.into_iter().map(Block::Paragraph).collect(),
            sections,
        }
    }
}

/// A bulleted list, or nothing when there are no items.
fn bullets(items: Vec<Phrase>) -> Vec<Block> {
    if items.is_empty() {
        Vec::new()
    } else {
        vec![Block::Bullets(items)]
    }
}

/// A phrase starting with a capital letter, for a line of its own ("Rounded down", "At
/// most"); Chinese has no capitals and is unchanged.
fn capitalised(mut p: Phrase) -> Phrase {
    if let Some(doc::Piece::Text(first)) = p.0.first_mut() {
        let mut chars = first.chars();
        if let Some(c) = chars.next() {
            *first = c.to_uppercase().chain(chars).collect();
        }
    }
    p
}
