//! Resolving a `table`: each column classified as a fact to set or something to check, then
//! one case per row. Separate from resolving a `case`, which names what it checks one
//! statement at a time.

use serde_json::{Map, Value as Json};

use crate::diagnostics::{Code, Diagnostic, Span};
use crate::program::{OutputKind, Program};
use crate::testing::keywords::{TARGETS, Word};
use crate::testing::syntax::{self, Facts};

use super::{
    Case, Check, Step, What, check_expected, check_params, check_path, fact_path, records, resolve_named, set_path,
    undeclared_facts,
};

/// A table column: a fact to set, or something to check.
enum Column {
    Fact(Vec<Step>),
    Check(What, String),
    Broken,
}

pub(super) fn resolve_table(table: &syntax::TableDef, program: &Program, cases: &mut Vec<Case>) {
    let mut problems = check_params(&table.params, program);
    if let Some(facts) = &table.facts {
        problems.extend(undeclared_facts(facts, program));
    }
    let columns: Vec<Column> = table
        .columns
        .iter()
        .map(|c| match classify(&c.text, c.span, program) {
            Ok(col) => col,
            Err(d) => {
                problems.push(d);
                Column::Broken
            }
        })
        .collect();
    if !columns.iter().any(|c| matches!(c, Column::Check(..))) && problems.is_empty() {
        problems.push(
            Diagnostic::error(
                Code::TestSyntax,
                table.span,
                "this table checks nothing",
                "no expectation column",
            )
            .with_help("add a column named `eligible`, `reasons`, or a reward or value of the campaign"),
        );
    }
    if !problems.is_empty() {
        // A problem with the header or the parameters concerns every row: report it once.
        cases.push(Case {
            name: table.name.clone(),
            span: table.span,
            params: table.params.clone(),
            records: Vec::new(),
            checks: Vec::new(),
            problems,
        });
        return;
    }
    let base = match &table.facts {
        Some(Facts { records, .. }) => records.first().cloned().unwrap_or_default(),
        None => Map::new(),
    };
    for (n, row) in table.rows.iter().enumerate() {
        let name = format!("{} / row {}", table.name, n + 1);
        let mut row_problems = Vec::new();
        let mut map = base.clone();
        let mut checks = Vec::new();
        for (column, cell) in columns.iter().zip(&row.cells) {
            if cell.text.is_empty() {
                continue;
            }
            match column {
                Column::Broken => {}
                Column::Fact(steps) => {
                    let value = if cell.text == "missing" {
                        Ok(None)
                    } else {
                        serde_json::from_str::<Json>(&cell.text).map(Some).map_err(|_| {
                            Diagnostic::error(
                                Code::TestSyntax,
                                cell.span,
                                format!("`{}` is not a JSON value", cell.text),
                                "not JSON",
                            )
                            .with_help(
                                "a fact cell holds a JSON value (`\"4.2\"`, `4.2`, `true`, `null`, \
                                 `\"2024-08-22T10:00:00+08:00\"`) or `missing` to leave the fact out",
                            )
                        })
                    };
                    match value.and_then(|v| {
                        set_path(&mut map, steps, v)
                            .map_err(|m| Diagnostic::error(Code::UnknownField, cell.span, m, "cannot set this fact"))
                    }) {
                        Ok(()) => {}
                        Err(d) => row_problems.push(d),
                    }
                }
                Column::Check(what, label) => {
                    match syntax::parse_expected(&cell.text, cell.span.start).and_then(|expected| {
                        check_expected(*what, label, &expected, cell.span, program).map(|()| expected)
                    }) {
                        Ok(expected) => checks.push(Check {
                            record: 0,
                            what: *what,
                            label: label.clone(),
                            expected,
                            span: cell.span,
                        }),
                        Err(d) => row_problems.push(d),
                    }
                }
            }
        }
        if checks.is_empty() && row_problems.is_empty() {
            row_problems.push(
                Diagnostic::error(
                    Code::TestSyntax,
                    row.span,
                    "this row checks nothing",
                    "all expectation cells empty",
                )
                .with_help("fill in at least one of the row's expectation cells"),
            );
        }
        let id = match map.get("id") {
            Some(Json::String(id)) => id.clone(),
            _ => name.clone(),
        };
        cases.push(Case {
            name,
            span: row.span,
            params: table.params.clone(),
            records: records(&[map], &[id]),
            checks,
            problems: row_problems,
        });
    }
}

/// `eligible` (`asked` a reward campaign's word) or `liable` (a fee campaign's): the campaign's
/// own word is checked; the other one is refused, with the word to write.
pub(super) fn verdict(asked: OutputKind, span: Span, program: &Program) -> Result<What, Diagnostic> {
    let kind = program.output_kind();
    if asked == kind {
        return Ok(What::Eligible);
    }
    let (word, own) = (asked.verdict_key(), kind.verdict_key());
    Err(Diagnostic::error(
        Code::TestSyntax,
        span,
        format!("the campaign's records are {own} or not, never {word}"),
        format!("the word of a campaign of {}", asked.plural()),
    )
    .with_help(format!(
        "a campaign of {} says whether a record is `{own}`: write `expect {own}` or `expect not {own}`, \
         or a column named `{own}`",
        kind.plural()
    )))
}

fn classify(text: &str, span: Span, program: &Program) -> Result<Column, Diagnostic> {
    let (name, period) = match text.split_once('[') {
        Some((name, rest)) => (name.trim(), rest.strip_suffix(']').map(|p| p.trim().trim_matches('"'))),
        None => (text, None),
    };
    // The reader has seen that the file writes these in one keyword set.
    let said = match Word::of_written(text, TARGETS).map(|(word, _)| word) {
        Some(Word::Eligible) => Some(verdict(OutputKind::Reward, span, program)?),
        Some(Word::Liable) => Some(verdict(OutputKind::Fee, span, program)?),
        Some(Word::Reasons) => Some(What::Reasons),
        Some(Word::Reason) => Some(What::ReasonIncludes),
        Some(Word::Error) => Some(What::Error),
        // Not among the targets: a name like any other.
        Some(Word::Case | Word::Table | Word::Facts | Word::With | Word::Expect | Word::Not) | None => None,
    };
    if let Some(what) = said {
        return Ok(Column::Check(what, text.into()));
    }
    let is_reward = program.rewards.iter().any(|r| r.name == name);
    // A value's column, or one period's of a value shown per period (`monthly_gmv[2023-01]`).
    let is_value = program
        .exposed
        .iter()
        .filter_map(|&i| program.definitions.get(i))
        .any(|d| d.name == name && (period.is_none() || d.per.is_some()));
    if is_reward || is_value {
        let what = resolve_named(name, period, span, program)?;
        let label = match period {
            Some(p) => format!("{name}[{p}]"),
            None => name.to_string(),
        };
        return Ok(Column::Check(what, label));
    }
    let Some(steps) = fact_path(text) else {
        return Err(Diagnostic::error(
            Code::TestSyntax,
            span,
            format!("`{text}` is not a column name"),
            "not a name",
        )
        .with_help(
            "name a fact (`store_score`, `sales[0].gmv`), `eligible`, `reasons`, a reward (`cash[2022-12]`) or a value",
        ));
    };
    check_path(&steps, &program.schema, text, span, program)?;
    Ok(Column::Fact(steps))
}
