//! Resolving a parsed tests file against its campaign, and running the cases.
//!
//! [`resolve`] turns cases and table rows into runnable [`Case`]s: it decides
//! which table columns are facts and which are expectations, builds each
//! record's JSON, and checks every name, period, unit and parameter against
//! the campaign (a problem there is a diagnostic for that case, which then
//! fails without running). [`run_case`] reads and evaluates the records
//! through the same [`Batch`](crate::batch::Batch) as `campaign evaluate` (together, for a
//! campaign with a budget or a ranking), and compares every expectation.

mod execute;
mod table;

pub use execute::{run_case, run_case_with_limit, shown_text};
use table::{resolve_table, verdict};

use std::fmt::Write as _;

use serde_json::{Map, Value as Json};

use super::keywords::{Word, in_file_words};
use super::syntax::{self, Expected, Facts, Item, ParamSetting, Target, TestFile, quote};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::eval::{Explanation, Outcome};
use crate::facts::closest_fact;
use crate::program::inputs::Inputs;
use crate::program::schema::{FactType, RecordSchema};
use crate::program::types::{Dim, Ty};
use crate::program::{OutputKind, Program};
use crate::suggest::closest;
use crate::syntax::keywords::Surface;

/// A case ready to run: a `case` block, or one row of a table.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name (`TABLE / row N` for a table row).
    pub name: String,
    /// The case header or the table row, for its line number.
    pub span: Span,
    /// Parameters set for the case.
    pub params: Vec<ParamSetting>,
    /// The records, in input order.
    pub records: Vec<CaseRecord>,
    /// What is expected.
    pub checks: Vec<Check>,
    /// Problems that keep the case from running (unknown names, bad values).
    pub problems: Vec<Diagnostic>,
}

/// One record of a case.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// Its id.
    pub id: String,
    /// Its facts as one line of JSON, with the id filled in.
    pub json: String,
}

/// One resolved expectation.
#[derive(Debug, Clone)]
pub struct Check {
    /// The index of the record it is about.
    pub record: usize,
    /// What is checked.
    pub what: What,
    /// What is checked, as written (`eligible`, `cash[2022-12]`).
    pub label: String,
    /// The expected value.
    pub expected: Expected,
    /// The expectation (or table cell).
    pub span: Span,
}

/// What a check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Whether the record is eligible.
    Eligible,
    /// The exact list of reasons.
    Reasons,
    /// One reason among the reasons.
    ReasonIncludes,
    /// The record cannot be read or evaluated.
    Error,
    /// A reward's amount (`period: None`) or its amount for one period or one item.
    Reward {
        /// The index in `Program::rewards`.
        index: usize,
        /// The index of the period in the reward's period range, or of the item in its list.
        period: Option<usize>,
    },
    /// A shown value, by its index in `Program::exposed`.
    Value(usize),
    /// One period of a value shown per period: its index in `Program::exposed`, and the index
    /// of the period in its range.
    ValuePeriod(usize, usize),
}

/// The result of reading and evaluating one record.
#[derive(Debug, Clone)]
pub struct RecordResult {
    /// The record's id.
    pub id: String,
    /// Its outcome, or why it could not be read or evaluated.
    pub outcome: Result<Outcome, String>,
    /// Why it got that outcome (computed for the records of failed cases only).
    pub explanation: Option<Explanation>,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The record, in a case with several.
    pub record: Option<String>,
    /// What was checked, as written.
    pub label: String,
    /// What was expected.
    pub expected: String,
    /// What the campaign gave.
    pub actual: String,
    /// The expectation (or table cell).
    pub span: Span,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// The case header or table row.
    pub span: Span,
    /// Each record's outcome (empty when the case could not run).
    pub records: Vec<RecordResult>,
    /// The expectations that did not hold.
    pub mismatches: Vec<Mismatch>,
    /// Problems that kept the case from running.
    pub problems: Vec<Diagnostic>,
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.problems.is_empty()
    }
}

// ---------------------------------------------------------------------------
// Resolving.

/// Turns the cases and tables of a parsed file into runnable cases, in file order.
pub fn resolve(file: &TestFile, program: &Program) -> Vec<Case> {
    let mut cases = Vec::new();
    for item in &file.items {
        match item {
            Item::Case(def) => {
                let mut problems = check_params(&def.params, program);
                problems.extend(undeclared_facts(&def.facts, program));
                let ids = syntax::record_ids(&def.facts, &def.name);
                let records = records(&def.facts.records, &ids);
                let mut checks = Vec::new();
                for e in &def.expectations {
                    let record = match &e.record {
                        Some((id, _)) => ids.iter().position(|i| i == id).unwrap_or(0),
                        None => 0,
                    };
                    let label = label_of(&e.target, file.surface);
                    match resolve_target(&e.target, e.target_span, program).and_then(|what| {
                        check_expected(what, &label, &e.expected, e.expected_span, program).map(|()| what)
                    }) {
                        Ok(what) => checks.push(Check {
                            record,
                            what,
                            label,
                            expected: e.expected.clone(),
                            span: e.span,
                        }),
                        Err(d) => problems.push(d),
                    }
                }
                cases.push(Case {
                    name: def.name.clone(),
                    span: def.span,
                    params: def.params.clone(),
                    records,
                    checks,
                    problems,
                });
            }
            Item::Table(table) => resolve_table(table, program, &mut cases),
        }
    }
    // The helps quote what to write (`expect eligible`, a column `reason`) with English
    // keywords; a file written with Chinese ones is told its own words.
    for problem in cases.iter_mut().flat_map(|c| c.problems.iter_mut()) {
        if let Some(help) = &mut problem.help {
            *help = in_file_words(help, file.surface);
        }
    }
    cases
}

fn records(maps: &[Map<String, Json>], ids: &[String]) -> Vec<CaseRecord> {
    maps.iter()
        .zip(ids)
        .map(|(map, id)| {
            let mut map = map.clone();
            if !map.contains_key("id") {
                map.insert("id".into(), Json::String(id.clone()));
            }
            CaseRecord {
                id: id.clone(),
                json: Json::Object(map).to_string(),
            }
        })
        .collect()
}

/// What an expectation checks, as the file (written with the keywords of `surface`) says it.
fn label_of(target: &Target, surface: Surface) -> String {
    match target {
        Target::Eligible => Word::Eligible.spell(surface).into(),
        Target::Liable => Word::Liable.spell(surface).into(),
        Target::Reasons => Word::Reasons.spell(surface).into(),
        Target::ReasonIncludes => Word::Reason.spell(surface).into(),
        Target::Error => Word::Error.spell(surface).into(),
        Target::Named { name, period: None } => name.clone(),
        Target::Named { name, period: Some(p) } => format!("{name}[{p}]"),
    }
}

/// The names an expectation may use, for "did you mean".
fn checkable_names(program: &Program) -> Vec<String> {
    let mut names: Vec<String> = vec![program.output_kind().verdict_key().into(), "reasons".into()];
    names.extend(program.rewards.iter().map(|r| r.name.clone()));
    names.extend(
        program
            .exposed
            .iter()
            .filter_map(|&i| program.definitions.get(i).map(|d| d.name.clone())),
    );
    names
}

fn unknown_name(name: &str, span: Span, program: &Program, facts_too: bool) -> Diagnostic {
    let mut names = checkable_names(program);
    if facts_too {
        names.extend(program.schema.fields.iter().map(|f| f.name.clone()));
    }
    let what = if facts_too {
        "a fact, a reward or a value"
    } else {
        "a reward or a value"
    };
    let help = match closest(name, names.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "the campaign's rewards and values are: {}",
            checkable_names(program).join(", ")
        ),
    };
    Diagnostic::error(
        Code::UnknownName,
        span,
        format!("`{name}` is not {what} of the campaign"),
        "unknown name",
    )
    .with_help(help)
}

fn resolve_target(target: &Target, span: Span, program: &Program) -> Result<What, Diagnostic> {
    Ok(match target {
        Target::Eligible => verdict(OutputKind::Reward, span, program)?,
        Target::Liable => verdict(OutputKind::Fee, span, program)?,
        Target::Reasons => What::Reasons,
        Target::ReasonIncludes => What::ReasonIncludes,
        Target::Error => What::Error,
        Target::Named { name, period } => resolve_named(name, period.as_deref(), span, program)?,
    })
}

fn resolve_named(name: &str, period: Option<&str>, span: Span, program: &Program) -> Result<What, Diagnostic> {
    if let Some(index) = program.rewards.iter().position(|r| r.name == name) {
        let Some(key) = period else {
            return Ok(What::Reward { index, period: None });
        };
        // A reward computed per item: `order_fee[2]` is its item 2 (from 0, as `by_item` lists
        // them); a record whose list is shorter has no such amount.
        if let Some(list) = program.rewards.get(index).and_then(|r| r.items.as_ref()) {
            return match key.parse::<usize>() {
                Ok(k) => Ok(What::Reward { index, period: Some(k) }),
                Err(_) => {
                    let list = list.levels.first().map_or("", |l| l.name.as_str());
                    Err(Diagnostic::error(
                        Code::UnknownName,
                        span,
                        format!("`{key}` is not an item of the reward `{name}`"),
                        "unknown item",
                    )
                    .with_help(format!(
                        "name an item by its position in the record's `{list}`, from 0: `{name}[0]`"
                    )))
                }
            };
        }
        let range = program
            .rewards
            .get(index)
            .and_then(|r| r.per)
            .and_then(|p| program.periods.get(p));
        let Some(range) = range else {
            return Err(Diagnostic::error(
                Code::UnknownName,
                span,
                format!("the reward `{name}` is not settled per period"),
                "no periods",
            )
            .with_help(format!("compare its total: `{name} = ...`")));
        };
        return match range.periods.iter().position(|p| p.key == key) {
            Some(k) => Ok(What::Reward { index, period: Some(k) }),
            None => {
                let keys: Vec<&str> = range.periods.iter().map(|p| p.key.as_str()).collect();
                Err(Diagnostic::error(
                    Code::UnknownName,
                    span,
                    format!("`{key}` is not a period of the reward `{name}`"),
                    "unknown period",
                )
                .with_help(format!("its periods are: {}", keys.join(", "))))
            }
        };
    }
    let value = program
        .exposed
        .iter()
        .position(|&i| program.definitions.get(i).is_some_and(|d| d.name == name));
    let range = value
        .and_then(|v| value_def(program, v))
        .and_then(|d| d.per)
        .and_then(|p| program.periods.get(p));
    match (value, period, range) {
        (Some(v), None, None) => Ok(What::Value(v)),
        (Some(_), Some(_), None) => Err(Diagnostic::error(
            Code::UnknownName,
            span,
            format!("the value `{name}` has no periods"),
            "no periods",
        )),
        (Some(_), None, Some(range)) => Err(Diagnostic::error(
            Code::UnknownName,
            span,
            format!("the value `{name}` is shown per period"),
            "which period?",
        )
        .with_help(format!(
            "compare one period: `{name}[{}] = ...`",
            range.periods.first().map(|p| p.key.as_str()).unwrap_or("PERIOD")
        ))),
        (Some(v), Some(key), Some(range)) => match range.periods.iter().position(|p| p.key == key) {
            Some(k) => Ok(What::ValuePeriod(v, k)),
            None => {
                let keys: Vec<&str> = range.periods.iter().map(|p| p.key.as_str()).collect();
                Err(Diagnostic::error(
                    Code::UnknownName,
                    span,
                    format!("`{key}` is not a period of the value `{name}`"),
                    "unknown period",
                )
                .with_help(format!("its periods are: {}", keys.join(", "))))
            }
        },
        (None, _, _) => Err(unknown_name(name, span, program, false)),
    }
}

fn value_def(program: &Program, exposed: usize) -> Option<&crate::program::Definition> {
    program.exposed.get(exposed).and_then(|&i| program.definitions.get(i))
}

/// Whether the expected value can be compared with what is checked.
fn check_expected(
    what: What,
    label: &str,
    expected: &Expected,
    span: Span,
    program: &Program,
) -> Result<(), Diagnostic> {
    let wrong = |kind: &str, example: &str| {
        Diagnostic::error(
            Code::TypeMismatch,
            span,
            format!("`{label}` is {kind}, but the expected value is {}", describe(expected)),
            format!("expected {kind}"),
        )
        .with_help(format!("write for example `{example}`"))
    };
    let known_reason = |text: &str| -> Result<(), Diagnostic> {
        if program.conditions.iter().any(|c| c.reason == text) {
            return Ok(());
        }
        let help = match closest(text, program.conditions.iter().map(|c| c.reason.as_str())) {
            Some(s) => format!("did you mean {}?", quote(s)),
            None => format!(
                "the campaign's reasons are: {}",
                program
                    .conditions
                    .iter()
                    .map(|c| quote(&c.reason))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Err(Diagnostic::error(
            Code::UnknownName,
            span,
            format!("{} is not a reason the campaign gives", quote(text)),
            "unknown reason",
        )
        .with_help(help))
    };
    let unit_ok = |unit: &Option<String>, actual: &str, kind: &str, example: &str| match unit {
        Some(u) if u != actual => Err(Diagnostic::error(
            Code::UnitMismatch,
            span,
            format!("`{label}` is {kind} in {actual}, not {u}"),
            format!("expected {actual}"),
        )
        .with_help(format!("write for example `{example}`"))),
        _ => Ok(()),
    };
    match what {
        What::Eligible => match expected {
            Expected::Bool(_) => Ok(()),
            _ => Err(wrong(
                "true or false",
                &format!("expect {}", program.output_kind().verdict_key()),
            )),
        },
        What::Reasons => match expected {
            Expected::Texts(ts) => ts.iter().try_for_each(|t| known_reason(t)),
            Expected::Text(t) => known_reason(t),
            _ => Err(wrong("a list of reasons", "reasons = [\"...\"]")),
        },
        What::ReasonIncludes => match expected {
            Expected::Text(t) => known_reason(t),
            _ => Err(wrong("a reason", "reason \"...\"")),
        },
        What::Error => match expected {
            Expected::Text(_) | Expected::Anything => Ok(()),
            _ => Err(wrong("the record's error", "error \"missing required fact\"")),
        },
        What::Reward { index, .. } => {
            let Some(reward) = program.rewards.get(index) else {
                return Ok(());
            };
            let unit = reward.unit.name.to_string();
            let example = format!("{label} = 0 {unit}");
            match expected {
                Expected::Number { unit: u, .. } => unit_ok(u, &unit, "paid", &example),
                _ => Err(wrong(&format!("an amount of {unit}"), &example)),
            }
        }
        What::Value(v) | What::ValuePeriod(v, _) => {
            let Some(def) = value_def(program, v) else {
                return Ok(());
            };
            if *expected == Expected::Unknown {
                return Ok(());
            }
            match &def.ty {
                Ty::Bool => match expected {
                    Expected::Bool(_) => Ok(()),
                    _ => Err(wrong("a flag (true or false)", &format!("{label} = true"))),
                },
                Ty::Num(Dim::Count) => match expected {
                    Expected::Number { unit: None, value } if value.fract().is_zero() => Ok(()),
                    _ => Err(wrong("a count", &format!("{label} = 3"))),
                },
                Ty::Num(Dim::Money(u) | Dim::Unit(u)) => {
                    let example = format!("{label} = 100.00 {u}");
                    match expected {
                        Expected::Number { unit, .. } => unit_ok(unit, u, "an amount", &example),
                        _ => Err(wrong(&format!("an amount of {u}"), &example)),
                    }
                }
                Ty::Num(_) => match expected {
                    Expected::Number { unit: None, .. } => Ok(()),
                    _ => Err(wrong("a number", &format!("{label} = 4.2"))),
                },
                Ty::Text | Ty::Choice(_) => match expected {
                    Expected::Text(_) => Ok(()),
                    _ => Err(wrong("a text", &format!("{label} = \"...\""))),
                },
                Ty::Time => match expected {
                    Expected::Text(t) if crate::time::parse_rfc3339(t).is_ok() => Ok(()),
                    _ => Err(wrong(
                        "a timestamp",
                        &format!("{label} = \"2024-08-22T10:00:00+08:00\""),
                    )),
                },
                Ty::Duration => match expected {
                    Expected::Text(t) if crate::time::parse_duration(t).is_ok() => Ok(()),
                    _ => Err(wrong("a duration", &format!("{label} = \"P30D\""))),
                },
                _ => Ok(()),
            }
        }
    }
}

fn describe(expected: &Expected) -> String {
    match expected {
        Expected::Bool(b) => format!("`{b}`"),
        Expected::Unknown => "`null`".into(),
        Expected::Number { .. } => format!("the number `{expected}`"),
        Expected::Text(_) => format!("the text {expected}"),
        Expected::Texts(_) => format!("the list {expected}"),
        Expected::Anything => "nothing".into(),
    }
}

/// An error for each field of `facts` that the campaign does not declare (at
/// any depth): a fact file may carry more fields than a campaign reads, but a
/// test whose fact is misspelt tests something else than it says.
fn undeclared_facts(facts: &Facts, program: &Program) -> Vec<Diagnostic> {
    fn walk(map: &Map<String, Json>, schema: &RecordSchema, prefix: &str, found: &mut Vec<(String, Option<String>)>) {
        for (key, value) in map {
            if prefix.is_empty() && key == "id" {
                continue;
            }
            let Some(field) = schema.fields.iter().find(|f| f.name == *key) else {
                let path = format!("{prefix}{key}");
                if !found.iter().any(|(p, _)| *p == path) {
                    let names = schema.fields.iter().map(|f| f.name.as_str());
                    let suggestion = closest_fact(key, names).map(|s| format!("{prefix}{s}"));
                    found.push((path, suggestion));
                }
                continue;
            };
            if let (FactType::List(item), Json::Array(items)) = (&field.ty, value) {
                for item_map in items.iter().filter_map(Json::as_object) {
                    walk(item_map, item, &format!("{prefix}{key}[]."), found);
                }
            }
        }
    }
    let mut found = Vec::new();
    for record in &facts.records {
        walk(record, &program.schema, "", &mut found);
    }
    found
        .into_iter()
        .map(|(path, suggestion)| {
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the campaign's facts are: {}",
                    program
                        .schema
                        .fields
                        .iter()
                        .map(|f| format!("`{}`", f.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            Diagnostic::error(
                Code::UnknownName,
                facts.span,
                format!("`{path}` is not a fact of the campaign"),
                "in these facts",
            )
            .with_help(help)
        })
        .collect()
}

fn check_params(params: &[ParamSetting], program: &Program) -> Vec<Diagnostic> {
    let mut scratch = Inputs::defaults(program);
    params
        .iter()
        .filter_map(|p| {
            scratch
                .set(program, &format!("{}={}", p.name, p.value))
                .err()
                .map(|e| Diagnostic::error(Code::ParameterOverride, p.span, e.message, "here").with_help(e.help))
        })
        .collect()
}

/// One step of a fact path: `sales` or `sales[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    key: String,
    index: Option<usize>,
}

/// `a.b[2].c` as steps; `None` when it is not a path.
fn fact_path(text: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in text.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => {
                let n = rest.strip_suffix(']')?.trim().parse::<usize>().ok()?;
                (key, Some(n))
            }
            None => (part, None),
        };
        let mut chars = key.chars();
        if !chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            || !chars.all(|c| c.is_alphanumeric() || c == '_')
        {
            return None;
        }
        steps.push(Step {
            key: key.to_string(),
            index,
        });
    }
    Some(steps)
}

/// Checks a fact path against the schema: each step names a declared fact, lists take an index.
fn check_path(
    steps: &[Step],
    schema: &RecordSchema,
    text: &str,
    span: Span,
    program: &Program,
) -> Result<(), Diagnostic> {
    let mut schema = schema;
    let mut top = true;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        if top && step.key == "id" && last && step.index.is_none() {
            return Ok(());
        }
        let Some(field) = schema.fields.iter().find(|f| f.name == step.key) else {
            if top {
                return Err(unknown_name(&step.key, span, program, true));
            }
            let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
            let help = match closest(&step.key, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("its facts are: {}", names.join(", ")),
            };
            return Err(Diagnostic::error(
                Code::UnknownField,
                span,
                format!("`{text}`: the list's items have no fact `{}`", step.key),
                "unknown fact",
            )
            .with_help(help));
        };
        top = false;
        match (&field.ty, step.index) {
            (FactType::List(inner), Some(_)) => schema = inner,
            (FactType::List(_), None) if last => return Ok(()),
            (FactType::List(_), None) => {
                return Err(Diagnostic::error(
                    Code::UnknownField,
                    span,
                    format!("`{text}`: `{}` is a list; say which item", step.key),
                    "which item?",
                )
                .with_help(format!("write for example `{}[0]`", step.key)));
            }
            (_, Some(_)) => {
                return Err(Diagnostic::error(
                    Code::UnknownField,
                    span,
                    format!("`{text}`: `{}` is not a list", step.key),
                    "not a list",
                ));
            }
            (_, None) if last => return Ok(()),
            (_, None) => {
                return Err(Diagnostic::error(
                    Code::UnknownField,
                    span,
                    format!("`{text}`: `{}` has no fields", step.key),
                    "not a list",
                ));
            }
        }
    }
    Ok(())
}

/// Sets (or, with `None`, removes) the fact at `steps` in `map`.
fn set_path(map: &mut Map<String, Json>, steps: &[Step], value: Option<Json>) -> Result<(), String> {
    let Some((last, init)) = steps.split_last() else {
        return Ok(());
    };
    let mut here = map;
    let mut walked = String::new();
    for step in init {
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(&step.key);
        let entry = here.entry(step.key.clone()).or_insert_with(|| Json::Object(Map::new()));
        let entry = match step.index {
            Some(n) => {
                let _ = write!(walked, "[{n}]");
                match entry {
                    Json::Array(items) => items
                        .get_mut(n)
                        .ok_or_else(|| format!("the table's facts have no `{walked}`"))?,
                    _ => return Err(format!("in the table's facts, `{}` is not a list", step.key)),
                }
            }
            None => entry,
        };
        here = match entry {
            Json::Object(m) => m,
            _ => return Err(format!("in the table's facts, `{walked}` is not an object")),
        };
    }
    match (last.index, value) {
        (None, Some(v)) => {
            here.insert(last.key.clone(), v);
        }
        (None, None) => {
            here.remove(&last.key);
        }
        (Some(n), value) => {
            let Some(Json::Array(items)) = here.get_mut(&last.key) else {
                return Err(format!("in the table's facts, `{}` is not a list", last.key));
            };
            let Some(slot) = items.get_mut(n) else {
                return Err(format!("the table's facts have no `{}[{n}]`", last.key));
            };
            match value {
                Some(v) => *slot = v,
                None => return Err("a list item cannot be `missing`; remove it from the table's facts".into()),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::unwrap_used,
        reason = "a test stops at its first surprise: unwrap says plainly what went wrong"
    )]

    use super::execute::shown_matches;
    use super::*;
    use crate::eval::Shown;
    use rust_decimal::Decimal;

    #[test]
    fn paths() {
        assert_eq!(
            fact_path("sales[0].gmv").unwrap(),
            vec![
                Step {
                    key: "sales".into(),
                    index: Some(0)
                },
                Step {
                    key: "gmv".into(),
                    index: None
                }
            ]
        );
        assert!(fact_path("sales[x]").is_none());
        let mut map: Map<String, Json> = serde_json::from_str(r#"{"sales":[{"gmv":"1"}],"a":1}"#).unwrap();
        set_path(&mut map, &fact_path("sales[0].gmv").unwrap(), Some(Json::from(2))).unwrap();
        set_path(&mut map, &fact_path("a").unwrap(), None).unwrap();
        assert_eq!(Json::Object(map).to_string(), r#"{"sales":[{"gmv":2}]}"#);
    }

    #[test]
    fn decimals_compare_by_value() {
        let shown = Shown::Amount(Decimal::new(1230, 2), "CNY".into());
        let expected = Expected::Number {
            value: Decimal::new(123, 1),
            unit: Some("CNY".into()),
        };
        assert!(shown_matches(&shown, &expected));
    }
}
