//! Checking one version of a document: what the worker thread computes and the requests read.
//!
//! A campaign is checked as `campaign check` checks it; its syntax tree, name table and compiled
//! program are kept for hovers, navigation and the outline. A `.tests` file is read as
//! `campaign test` reads it, against the campaign beside it: its syntax errors, the problems of
//! its cases (unknown names, parameters, facts), and, when every case can run, the expectations
//! that do not hold, as warnings where they are written.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, Position, Range, Uri};

use super::diagnostics::{File, Problem, convert, note};
use super::document::{DocKind, LineIndex};
use crate::check::names::NameTable;
use crate::diagnostics::Diagnostic;
use crate::program::Program;
use crate::syntax::ast;
use crate::testing::{self, TestFile};

/// One version of a document to check.
#[derive(Debug, Clone)]
pub struct Job {
    /// The document.
    pub uri: Uri,
    /// Campaign or tests.
    pub kind: DocKind,
    /// The version checked.
    pub version: i32,
    /// The server's count of the changes to the document and what its check reads.
    pub generation: u64,
    /// Its text.
    pub text: Arc<str>,
    /// Its line index.
    pub index: Arc<LineIndex>,
    /// For a `.tests` file: the campaign beside it (its URI, and its text when it could be read).
    pub campaign: Option<(Uri, Option<Arc<str>>)>,
}

/// What a campaign's check found, for the requests about it.
#[derive(Debug, Default)]
pub struct CampaignView {
    /// The syntax tree, when the text parses.
    pub ast: Option<ast::Campaign>,
    /// Every declared name with its uses.
    pub names: NameTable,
    /// The compiled program, when there is no error.
    pub program: Option<Program>,
}

/// One checked version of a document.
#[derive(Debug)]
pub struct Analysis {
    /// The document.
    pub uri: Uri,
    /// The version checked.
    pub version: i32,
    /// The generation checked (see [`Job::generation`]).
    pub generation: u64,
    /// The text checked.
    pub text: Arc<str>,
    /// Its line index.
    pub index: Arc<LineIndex>,
    /// The diagnostics, with their fixes.
    pub problems: Vec<Problem>,
    /// For a campaign: what its check found.
    pub campaign: Option<CampaignView>,
    /// For a `.tests` file that parses: its cases and tables.
    pub tests: Option<TestFile>,
    /// How long the check took.
    pub elapsed: Duration,
}

impl Analysis {
    /// The file the analysis is about, to convert its spans.
    pub fn file(&self) -> File<'_> {
        File {
            uri: &self.uri,
            text: &self.text,
            index: &self.index,
        }
    }
}

impl Job {
    /// An analysis of the job's text that has found nothing yet.
    fn empty(&self) -> Analysis {
        Analysis {
            uri: self.uri.clone(),
            version: self.version,
            generation: self.generation,
            text: self.text.clone(),
            index: self.index.clone(),
            problems: Vec::new(),
            campaign: None,
            tests: None,
            elapsed: Duration::ZERO,
        }
    }
}

/// What is published when checking stopped unexpectedly: one error saying so.
pub fn failed(job: Job) -> Analysis {
    let mut analysis = job.empty();
    let start = Range::new(Position::new(0, 0), Position::new(0, 0));
    analysis.problems.push(Problem {
        diagnostic: note(
            start,
            DiagnosticSeverity::ERROR,
            "internal error: checking stopped unexpectedly; please report this file".into(),
        ),
        fixes: Vec::new(),
    });
    analysis
}

/// Checks one version of a document.
pub fn analyse(job: Job) -> Analysis {
    let started = Instant::now();
    let mut analysis = job.empty();
    match job.kind {
        DocKind::Campaign => analyse_campaign(&mut analysis),
        DocKind::Tests => analyse_tests(&mut analysis, job.campaign),
    }
    analysis.elapsed = started.elapsed();
    analysis
}

fn analyse_campaign(analysis: &mut Analysis) {
    let text = analysis.text.clone();
    // The checker does not hand out its syntax tree: the text is parsed for the outline and
    // the hovers on a second thread while it is checked.
    let (checked, ast) = std::thread::scope(|scope| {
        let parsed = scope.spawn(|| crate::syntax::parse(&text).ok());
        let checked = crate::check::check(&text);
        (checked, parsed.join().ok().flatten())
    });
    let file = analysis.file();
    analysis.problems = checked.diagnostics.iter().map(|d| convert(d, file)).collect();
    analysis.campaign = Some(CampaignView {
        ast,
        names: checked.names,
        program: checked.program,
    });
}

fn analyse_tests(analysis: &mut Analysis, campaign: Option<(Uri, Option<Arc<str>>)>) {
    let parsed = testing::parse(&analysis.text);
    let file = analysis.file();
    let start = Range::new(Position::new(0, 0), Position::new(0, 0));
    let mut problems: Vec<Problem> = Vec::new();
    let test_file = match parsed {
        Ok(f) => Some(f),
        Err(diagnostics) => {
            problems.extend(diagnostics.iter().map(|d| convert(d, file)));
            None
        }
    };
    let plain = |d: lsp_types::Diagnostic| Problem {
        diagnostic: d,
        fixes: Vec::new(),
    };
    match campaign {
        Some((campaign_uri, Some(campaign_text))) => {
            let checked = crate::check::check(&campaign_text);
            match (checked.program, &test_file) {
                (Some(program), Some(tests)) => problems.extend(run_cases(tests, &program, file)),
                (None, _) => {
                    let first = checked.diagnostics.iter().find(|d| d.is_error());
                    let index = LineIndex::new(&campaign_text);
                    let mut d = note(
                        start,
                        DiagnosticSeverity::WARNING,
                        "the campaign beside this file has errors, so its cases cannot run".into(),
                    );
                    d.related_information = first.map(|e| {
                        vec![DiagnosticRelatedInformation {
                            location: Location::new(campaign_uri.clone(), index.range(&campaign_text, e.span())),
                            message: e.message.clone(),
                        }]
                    });
                    problems.push(plain(d));
                }
                (Some(_), None) => {}
            }
        }
        Some((campaign_uri, None)) => {
            let name = campaign_uri.as_str().rsplit('/').next().unwrap_or("").to_string();
            problems.push(plain(note(
                start,
                DiagnosticSeverity::WARNING,
                format!("no campaign `{name}` beside this file: only the file's syntax is checked"),
            )));
        }
        None => {}
    }
    problems.sort_by_key(|p| (p.diagnostic.range.start, p.diagnostic.severity));
    analysis.problems = problems;
    analysis.tests = test_file;
}

/// The problems of each case (they keep it from running) and, for the cases that run, each
/// expectation that does not hold.
fn run_cases(tests: &TestFile, program: &Program, file: File<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    for case in testing::resolve(tests, program) {
        if !case.problems.is_empty() {
            problems.extend(case.problems.iter().map(|d: &Diagnostic| convert(d, file)));
            continue;
        }
        let result = testing::run_case(program, &case);
        for m in &result.mismatches {
            let what = match &m.record {
                Some(id) => format!("{} {}", testing::syntax::quote(id), m.label),
                None => m.label.clone(),
            };
            let message = format!(
                "case {} fails: {what} is {}, expected {}",
                testing::syntax::quote(&case.name),
                m.actual,
                m.expected
            );
            problems.push(Problem {
                diagnostic: note(file.range(m.span), DiagnosticSeverity::WARNING, message),
                fixes: Vec::new(),
            });
        }
        for d in &result.problems {
            problems.push(convert(d, file));
        }
    }
    problems
}
