//! Reports of a test run as text: failed cases with their diff and the
//! explanation of the actual result, coverage tables, and JUnit XML.

use std::fmt::Write as _;

use super::Suite;
use super::coverage::Coverage;
use super::run::{CaseResult, RecordResult, shown_text};
use super::syntax::quote;
use crate::diagnostics::{Diagnostic, SourceFile, render_plain};
use crate::eval::Outcome;
use crate::program::{OutputKind, Program};
use crate::syntax::keywords::Surface;

/// Width of rendered diagnostics.
const WIDTH: usize = 100;

/// `policies/x.tests:12`: where a case is.
pub fn location(suite: &Suite, result: &CaseResult) -> String {
    let (line, _) = suite.tests.line_col(result.span.start);
    format!("{}:{line}", suite.tests.name)
}

/// The diff of a failed case: one `- expected` / `+ actual` pair per expectation that did not hold,
/// then the problems that kept it from running.
pub fn diff(suite: &Suite, result: &CaseResult) -> String {
    let mut out = String::new();
    for m in &result.mismatches {
        let (line, _) = suite.tests.line_col(m.span.start);
        let what = match &m.record {
            Some(id) => format!("{} {}", quote(id), m.label),
            None => m.label.clone(),
        };
        let _ = writeln!(out, "  {what}  (line {line})");
        let _ = writeln!(out, "  - expected: {}", m.expected);
        let _ = writeln!(out, "  + actual:   {}", m.actual);
    }
    for d in &result.problems {
        out.push_str(&indent(&diagnostic_text(d, &suite.tests), "  "));
    }
    out
}

/// The full report of a failed case: its name and place, the diff, and why the records got
/// what they got.
pub fn failure(suite: &Suite, result: &CaseResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "FAIL {}  {}", quote(&result.name), location(suite, result));
    out.push_str(&diff(suite, result));
    if let Some(program) = &suite.program {
        let shown: Vec<&RecordResult> = if result.records.len() <= 1 {
            result.records.iter().collect()
        } else {
            result
                .records
                .iter()
                .filter(|r| result.mismatches.iter().any(|m| m.record.as_deref() == Some(&r.id)))
                .collect()
        };
        if !shown.is_empty() {
            let _ = writeln!(out, "  actual result:");
        }
        for r in shown {
            out.push_str(&indent(&explain_record(program, r), "    "));
        }
    }
    out
}

/// Why one record got what it got: the interpreter's explanation (`crate::eval::explain`) when
/// there is one, otherwise [`explain`].
pub fn explain_record(program: &Program, record: &RecordResult) -> String {
    match (&record.outcome, &record.explanation) {
        (Ok(outcome), Some(explanation)) => {
            let mut text = explanation.to_text();
            // The explanation details values computed over lists; show the others too.
            for (&i, shown) in program.exposed.iter().zip(&outcome.values) {
                if let Some(def) = program.definitions.get(i)
                    && !explanation.values.iter().any(|v| v.name == def.name)
                {
                    let _ = writeln!(text, "  value {} = {}", def.name, shown_text(shown));
                }
            }
            text
        }
        (Ok(outcome), None) => explain(program, &record.id, outcome),
        (Err(e), _) => format!("{}: could not be evaluated: {e}\n", quote(&record.id)),
    }
}

/// Each condition with ✓ or ✗ (and the reason when it failed), the values and the rewards:
/// the short explanation, from the outcome alone.
pub fn explain(program: &Program, id: &str, outcome: &Outcome) -> String {
    let mut out = String::new();
    let verdict = program.output_kind().verdict(outcome.eligible);
    let _ = writeln!(out, "{}: {verdict}", quote(id));
    for (c, passed) in program.conditions.iter().zip(&outcome.conditions) {
        let mark = if *passed { "✓" } else { "✗" };
        let _ = writeln!(out, "  {mark} {}", c.text);
        if !passed {
            let _ = writeln!(out, "      reason: {}", c.reason);
        }
    }
    for (&i, shown) in program.exposed.iter().zip(&outcome.values) {
        if let Some(def) = program.definitions.get(i) {
            let _ = writeln!(out, "  value {} = {}", def.name, shown_text(shown));
        }
    }
    for (def, r) in program.rewards.iter().zip(&outcome.rewards) {
        let unit = &def.unit.name;
        let _ = write!(
            out,
            "  {} {} = {} {unit}",
            Surface::English.spell(def.kind.keyword()),
            def.name,
            r.amount
        );
        if let (Some(by), Some(range)) = (&r.by_period, def.per.and_then(|p| program.periods.get(p))) {
            let parts: Vec<String> = range
                .periods
                .iter()
                .zip(by)
                .map(|(p, a)| format!("{} {a}", p.key))
                .collect();
            let _ = write!(out, "  ({})", parts.join(", "));
        }
        out.push('\n');
        if outcome.eligible && r.raw != r.amount {
            let _ = writeln!(
                out,
                "      computed {} {unit} before rounding, caps and budget",
                r.raw.normalize()
            );
        }
        if let Some(b) = &r.budget {
            let verdict = if b.granted { "granted" } else { "waitlisted" };
            let _ = writeln!(
                out,
                "      budget {}: place {} in the queue, {} left before it: {verdict}",
                b.group, b.position, b.remaining_before
            );
        }
    }
    out
}

/// A diagnostic as plain text (miette's report without colour).
pub fn diagnostic_text(d: &Diagnostic, file: &SourceFile) -> String {
    render_plain(d, file, WIDTH)
}

fn indent(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{prefix}{line}");
        }
    }
    out
}

/// The coverage table of one campaign.
pub fn coverage(suite: &Suite, coverage: &Coverage) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "coverage of {} ({} record{} evaluated)",
        suite.campaign.name,
        coverage.records,
        if coverage.records == 1 { "" } else { "s" }
    );
    if !coverage.conditions.is_empty() {
        let _ = writeln!(out, "  {:>5} {:>5}  condition", "true", "false");
    }
    for c in &coverage.conditions {
        let flag = if c.passed == 0 || c.failed == 0 {
            "  ← not both ways"
        } else {
            ""
        };
        let _ = writeln!(out, "  {:>5} {:>5}  {}{flag}", c.passed, c.failed, c.text);
    }
    for r in &coverage.rewards {
        let mut line = format!(
            "  {} {}: {} {} record{}, 0 to {} {}",
            Surface::English.spell(r.kind.keyword()),
            r.name,
            match r.kind {
                OutputKind::Reward => "paid",
                OutputKind::Fee => "charged",
            },
            r.paid,
            if r.paid == 1 { "" } else { "s" },
            r.zero_when_eligible,
            r.kind.verdict(true)
        );
        if let Some((reached, below)) = r.cap {
            let _ = write!(line, "; cap reached {reached}, below cap {below}");
        }
        if let Some((granted, waitlisted)) = r.budget {
            let _ = write!(line, "; budget granted {granted}, waitlisted {waitlisted}");
        }
        let _ = writeln!(out, "{line}");
    }
    let gaps = coverage.gaps();
    if coverage.complete() {
        let _ = writeln!(out, "  all conditions exercised both ways");
    }
    for g in gaps {
        let _ = writeln!(out, "  {g}");
    }
    out
}

/// The run as JUnit XML (written by quick-junit): one `testsuite` per campaign, one
/// `testcase` per case, with `file` and `line` attributes where the case is written.
pub fn junit(suites: &[Suite]) -> String {
    let mut report = quick_junit::Report::new("campaign test");
    for suite in suites {
        report.add_test_suite(junit_suite(suite));
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->\n"))
}

/// One campaign's `testsuite`.
fn junit_suite(suite: &Suite) -> quick_junit::TestSuite {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
    let classname = std::path::Path::new(&suite.campaign.name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| suite.campaign.name.clone());
    let mut out = TestSuite::new(suite.campaign.name.as_str());
    out.extra.insert("file".into(), suite.tests.name.as_str().into());
    let failed = |message: &str, kind: &str, description: String| {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(message).set_type(kind).set_description(description);
        status
    };
    let broken = |name: &str, message: &str, file: &SourceFile, diags: &[Diagnostic]| {
        let body: String = diags.iter().map(|d| diagnostic_text(d, file)).collect();
        let mut case = TestCase::new(name, failed(message, "error", body));
        case.set_classname(classname.as_str());
        case.extra.insert("file".into(), file.name.as_str().into());
        case
    };
    if !suite.campaign_errors.is_empty() {
        out.add_test_case(broken(
            "campaign check",
            "the campaign has errors",
            &suite.campaign,
            &suite.campaign_errors,
        ));
    }
    if !suite.syntax_errors.is_empty() {
        out.add_test_case(broken(
            "tests file",
            "the tests file has errors",
            &suite.tests,
            &suite.syntax_errors,
        ));
    }
    for result in &suite.results {
        let (line, _) = suite.tests.line_col(result.span.start);
        let status = if result.passed() {
            TestCaseStatus::success()
        } else {
            failed(&failure_message(result), "mismatch", failure(suite, result))
        };
        let mut case = TestCase::new(result.name.as_str(), status);
        case.set_classname(classname.as_str());
        case.extra.insert("file".into(), suite.tests.name.as_str().into());
        case.extra.insert("line".into(), line.to_string().into());
        out.add_test_case(case);
    }
    out
}

/// The one-line message of a failed case: how many expectations did not hold, or that it
/// could not run.
pub fn failure_message(result: &CaseResult) -> String {
    if result.problems.is_empty() {
        let n = result.mismatches.len();
        format!("{n} expectation{} did not hold", if n == 1 { "" } else { "s" })
    } else {
        "the case could not run".to_string()
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn junit_is_escaped_xml() {
        let campaign = SourceFile::new("a<b>&\"c\".campaign".to_string(), String::new());
        let tests = SourceFile::new("a.tests".to_string(), String::new());
        let suite = crate::testing::run_suite(campaign, tests);
        let xml = junit(&[suite]);
        assert!(xml.starts_with("<?xml"), "{xml}");
        assert!(xml.contains("a&lt;b&gt;&amp;&quot;c&quot;.campaign"), "{xml}");
        assert!(!xml.contains("a<b>"), "{xml}");
        let _ = xml.find("testsuite").unwrap();
    }
}
