//! Running resolved cases: reading and evaluating their records through a [`Batch`], then
//! comparing each expectation with what was computed. Separate from resolving, which needs
//! no evaluation.

use crate::batch::{Batch, Explain, Lines, Row, Unobserved};
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{Outcome, Shown};
use crate::program::inputs::Inputs;
use crate::program::{OutputKind, Program};
use crate::report::failed_reasons;
use crate::report::json::duration_text;
use crate::testing::syntax::{Expected, quote};

use super::{Case, CaseRecord, CaseResult, Check, Mismatch, RecordResult, What};

/// Reads and evaluates a case's records and compares every expectation.
pub fn run_case(program: &Program, case: &Case) -> CaseResult {
    run_case_with_limit(program, case, crate::program::inputs::DEFAULT_WORK_LIMIT)
}

/// [`run_case`] with a work limit per record (`test --work-limit`; a case's own
/// `with work_limit = N` wins).
pub fn run_case_with_limit(program: &Program, case: &Case, work_limit: u64) -> CaseResult {
    let mut result = CaseResult {
        name: case.name.clone(),
        span: case.span,
        records: Vec::new(),
        mismatches: Vec::new(),
        problems: case.problems.clone(),
    };
    if !result.problems.is_empty() {
        return result;
    }
    let mut inputs = Inputs::defaults(program);
    inputs.work_limit = work_limit;
    for p in &case.params {
        if let Err(e) = inputs.set(program, &format!("{}={}", p.name, p.value)) {
            result
                .problems
                .push(Diagnostic::error(Code::ParameterOverride, p.span, e.message, "here").with_help(e.help));
            return result;
        }
    }
    // Values that break a tier table with parameter ends: at the case's last `with` line.
    if let (Err(e), Some(p)) = (inputs.check_tables(program), case.params.last()) {
        result
            .problems
            .push(Diagnostic::error(Code::ParameterOverride, p.span, e.message, "here").with_help(e.help));
        return result;
    }
    result.records = evaluate_records(program, &inputs, &case.records, Explain::Nothing);
    let several = case.records.len() > 1;
    for check in &case.checks {
        let Some(record) = result.records.get(check.record) else {
            continue;
        };
        if let Some((expected, actual)) = compare(program, check, &record.outcome) {
            result.mismatches.push(Mismatch {
                record: several.then(|| record.id.clone()),
                label: check.label.clone(),
                expected,
                actual,
                span: check.span,
            });
        }
    }
    // A record that could not be read fails the case unless an expectation says it should not be read.
    for (i, record) in result.records.iter().enumerate() {
        if let Err(e) = &record.outcome
            && !case.checks.iter().any(|c| c.record == i && c.what == What::Error)
        {
            result.mismatches.push(Mismatch {
                record: several.then(|| record.id.clone()),
                label: "the record".into(),
                expected: "read and evaluated".into(),
                actual: format!("error: {e}"),
                span: case.span,
            });
        }
    }
    if !result.passed() {
        // Explained again, this time for the report of the failure.
        let explained = evaluate_records(program, &inputs, &case.records, Explain::Every);
        for (r, again) in result.records.iter_mut().zip(explained) {
            r.explanation = again.explanation;
        }
    }
    result
}

/// Reads each record as one NDJSON line and evaluates them, as `campaign evaluate`
/// does (all together for a budget or a ranking), explaining those `explain` names.
fn evaluate_records(program: &Program, inputs: &Inputs, records: &[CaseRecord], explain: Explain) -> Vec<RecordResult> {
    let batch = Batch::new(program, inputs.clone()).explain(explain);
    let mut source = Lines::new(records.iter().enumerate().map(|(i, r)| (i + 1, r.json.as_bytes())));
    let mut rows: Vec<Row> = Vec::with_capacity(records.len());
    batch.run(&mut source, &mut rows, &Unobserved);
    let mut rows = rows.into_iter();
    records
        .iter()
        .map(|r| {
            let (outcome, explanation) = match rows.next() {
                Some(Row::Evaluated(e)) => (Ok(e.outcome), e.explanation.map(|x| *x)),
                Some(Row::Failed(f)) => (Err(f.error), None),
                None => (Err("internal error: no result".to_string()), None),
            };
            RecordResult {
                id: r.id.clone(),
                outcome,
                explanation,
            }
        })
        .collect()
}

/// `None` when the expectation holds; otherwise (expected, actual) as text.
fn compare(program: &Program, check: &Check, outcome: &Result<Outcome, String>) -> Option<(String, String)> {
    let kind = program.output_kind();
    let expected_text = expected_display(kind, check);
    let outcome = match (check.what, outcome) {
        (What::Error, Err(e)) => {
            return match &check.expected {
                Expected::Text(part) if !e.contains(part.as_str()) => {
                    Some((format!("an error mentioning {}", quote(part)), format!("error: {e}")))
                }
                _ => None,
            };
        }
        (What::Error, Ok(o)) => {
            let verdict = program.output_kind().verdict(o.eligible);
            return Some((expected_text, format!("no error (the record is {verdict})")));
        }
        (_, Err(e)) => return Some((expected_text, format!("error: {e}"))),
        (_, Ok(o)) => o,
    };
    let reasons: Vec<&str> = failed_reasons(program, outcome).collect();
    let reasons_text = || {
        if reasons.is_empty() {
            "no reasons".to_string()
        } else {
            format!("[{}]", reasons.iter().map(|r| quote(r)).collect::<Vec<_>>().join(", "))
        }
    };
    match check.what {
        What::Error => None,
        What::Eligible => {
            let want = matches!(check.expected, Expected::Bool(true));
            (outcome.eligible != want).then(|| (expected_text, kind.verdict(outcome.eligible).into()))
        }
        What::Reasons => {
            let want: Vec<&str> = match &check.expected {
                Expected::Texts(ts) => ts.iter().map(String::as_str).collect(),
                Expected::Text(t) => vec![t.as_str()],
                _ => Vec::new(),
            };
            (want != reasons).then(|| (expected_text, reasons_text()))
        }
        What::ReasonIncludes => {
            let Expected::Text(t) = &check.expected else {
                return None;
            };
            (!reasons.contains(&t.as_str())).then(|| (expected_text, reasons_text()))
        }
        What::Reward { index, period } => {
            let reward = outcome.rewards.get(index)?;
            let unit = program
                .rewards
                .get(index)
                .map(|r| r.unit.name.to_string())
                .unwrap_or_default();
            let amount = match period {
                None => Some(reward.amount),
                // A reward has amounts per period or per item, never both.
                Some(k) => reward
                    .by_period
                    .as_ref()
                    .or(reward.by_item.as_ref())
                    .and_then(|b| b.get(k))
                    .copied(),
            };
            let Expected::Number { value, .. } = &check.expected else {
                return None;
            };
            match amount {
                Some(a) if a == *value => None,
                Some(a) => Some((expected_text, format!("{a} {unit}"))),
                None => Some((expected_text, "no amount".into())),
            }
        }
        What::Value(v) => {
            let shown = outcome.values.get(v)?;
            (!shown_matches(shown, &check.expected)).then(|| (expected_text, shown_text(shown)))
        }
        What::ValuePeriod(v, k) => {
            let Some(Shown::ByPeriod(periods)) = outcome.values.get(v) else {
                return None;
            };
            let (_, shown) = periods.get(k)?;
            (!shown_matches(shown, &check.expected)).then(|| (expected_text, shown_text(shown)))
        }
    }
}

/// The expected value as shown in a diff.
fn expected_display(kind: OutputKind, check: &Check) -> String {
    match (check.what, &check.expected) {
        (What::Eligible, Expected::Bool(b)) => kind.verdict(*b).into(),
        (What::Reasons, Expected::Texts(ts)) if ts.is_empty() => "no reasons".into(),
        (What::Reasons, Expected::Text(t)) => format!("[{}]", quote(t)),
        (What::ReasonIncludes, Expected::Text(t)) => format!("the reasons to include {}", quote(t)),
        (What::Error, Expected::Anything) => "an error".into(),
        (What::Error, Expected::Text(t)) => format!("an error mentioning {}", quote(t)),
        (_, e) => e.to_string(),
    }
}

/// Whether a shown value is the expected one. Amounts compare as decimals.
pub(super) fn shown_matches(shown: &Shown, expected: &Expected) -> bool {
    match (shown, expected) {
        (Shown::Unknown, Expected::Unknown) => true,
        (Shown::Bool(a), Expected::Bool(b)) => a == b,
        (Shown::Count(n) | Shown::Number(n) | Shown::Amount(n, _), Expected::Number { value, .. }) => n == value,
        (Shown::Text(a), Expected::Text(b)) => a == b,
        (Shown::Time(t), Expected::Text(b)) => crate::time::parse_rfc3339(b).is_ok_and(|b| b == *t),
        // Any form of the same length: `"P1D"`, `"PT24H"`, `"86400"`, `"1 day"`.
        (Shown::Duration(d), Expected::Text(b)) => {
            crate::time::parse_duration(b).is_ok_and(|seconds| chrono::TimeDelta::try_seconds(seconds) == Some(*d))
        }
        _ => false,
    }
}

/// A shown value as text: `10001.00 CNY`, `3`, `true`, `null`, `"text"`.
pub fn shown_text(shown: &Shown) -> String {
    match shown {
        Shown::Unknown => "null".into(),
        Shown::Bool(b) => b.to_string(),
        Shown::Count(n) | Shown::Number(n) => n.to_string(),
        Shown::Amount(n, u) => format!("{n} {u}"),
        Shown::Text(t) => quote(t),
        Shown::Time(t) => quote(&t.to_rfc3339()),
        Shown::Duration(d) => quote(&duration_text(*d)),
        Shown::ByPeriod(periods) => periods
            .iter()
            .map(|(key, s)| format!("{key} {}", shown_text(s)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}
