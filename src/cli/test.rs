//! `campaign test [PATH...]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::json;

use super::output::{Output, write_failed};
use super::read::{self, CAMPAIGN_LIMIT, ReadError, TESTS_LIMIT};
use super::render::{colour_on_stderr, escape_data, escape_property, graphical, json_object};
use super::{Termination, walk};
use crate::diagnostics::SourceFile;
use crate::report::shown_path;
use crate::testing::{Suite, report, run_suite_with_limit, tests_path};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Text for people.
    Human,
    /// JUnit XML, for CI.
    Junit,
    /// One JSON object for the run, with each case's result.
    Json,
    /// GitHub Actions annotations (`::error file=...,line=...::`) for the failing cases.
    Github,
}

/// Arguments of `campaign test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Campaign files or folders; each campaign's cases are read from its sibling `.tests` file.
    /// A `.tests` file may be named instead of its campaign. Default: `policies/`.
    paths: Vec<PathBuf>,
    /// Print one line per passing case.
    #[arg(long, short)]
    verbose: bool,
    /// How to write results.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// After the run, show which conditions were never seen true or false, and how rewards paid.
    #[arg(long)]
    coverage: bool,
    /// Write the results to FILE instead of standard output (written whole, then renamed
    /// into place).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// How many evaluation steps one record may take before it fails (default 100000000).
    #[arg(long, value_name = "N")]
    work_limit: Option<String>,
}

/// A campaign to test: the campaign file and its tests file.
struct Target {
    campaign: PathBuf,
    tests: PathBuf,
    /// Named on the command line (not found in a folder).
    explicit: bool,
}

fn is_campaign_or_tests(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "campaign" || e == "tests")
}

/// The campaigns (and tests files without a campaign) that `paths` name, and whether one
/// could not be read.
fn targets(paths: &[PathBuf]) -> (Vec<Target>, bool) {
    let mut targets = Vec::new();
    let mut unreadable = false;
    for path in paths {
        if path.is_dir() {
            let found = walk::files(std::slice::from_ref(path), is_campaign_or_tests);
            unreadable |= found.unreadable;
            for entry in found.files {
                if walk::is_campaign(&entry) {
                    targets.push(Target {
                        tests: tests_path(&entry),
                        campaign: entry,
                        explicit: false,
                    });
                } else if !entry.with_extension("campaign").exists() {
                    targets.push(Target {
                        campaign: entry.with_extension("campaign"),
                        tests: entry,
                        explicit: false,
                    });
                }
            }
        } else if std::fs::symlink_metadata(path).is_err() {
            say!("error: `{}` does not exist", shown_path(path));
            unreadable = true;
        } else if path.extension().is_some_and(|e| e == "tests") {
            targets.push(Target {
                campaign: path.with_extension("campaign"),
                tests: path.clone(),
                explicit: true,
            });
        } else {
            targets.push(Target {
                tests: tests_path(path),
                campaign: path.clone(),
                explicit: true,
            });
        }
    }
    // A campaign named twice (a folder and a file in it) runs once.
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(t.campaign.clone()));
    (targets, unreadable)
}

/// Runs `campaign test`.
pub fn run(args: &TestArgs) -> Termination {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("policies")]
    } else {
        args.paths.clone()
    };
    let work_limit = match &args.work_limit {
        Some(text) => match crate::program::inputs::parse_work_limit(text) {
            Ok(limit) => limit,
            Err(e) => {
                say!("error: {}\n  help: {}", e.message, e.help);
                return Termination::Usage;
            }
        },
        None => crate::program::inputs::DEFAULT_WORK_LIMIT,
    };
    let (targets, mut unreadable) = targets(&paths);
    let mut out = match Output::open(args.output.as_deref()) {
        Ok(o) => o,
        Err(message) => {
            say!("error: {message}");
            return Termination::Usage;
        }
    };
    let (what, on_stdout) = (out.describe(), out.is_stdout());
    let human = args.format == TestFormat::Human;
    let colour = colour_on_stderr();
    let mut suites: Vec<Suite> = Vec::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for target in targets {
        let suite = match suite_of(&target, args.verbose, work_limit) {
            Ok(Some(suite)) => suite,
            Ok(None) => continue,
            Err(Problem::Failed) => {
                failed += 1;
                continue;
            }
            Err(Problem::Unreadable) => {
                unreadable = true;
                continue;
            }
        };
        for d in &suite.campaign_errors {
            say_raw!("{}", graphical(d, &suite.campaign, colour));
        }
        if !suite.campaign_errors.is_empty() {
            say!(
                "error: `{}` has errors; none of its cases ran",
                shown_path(Path::new(&suite.campaign.name))
            );
        }
        for d in &suite.syntax_errors {
            say_raw!("{}", graphical(d, &suite.tests, colour));
        }
        if !suite.syntax_errors.is_empty() {
            say!(
                "error: `{}` has errors; none of its cases ran",
                shown_path(Path::new(&suite.tests.name))
            );
        }
        passed += suite.passed();
        failed += suite.failed();
        // Each campaign's line appears as soon as its cases ran.
        if human && let Err(e) = write_human(&mut out, &suite, args.verbose).and_then(|()| out.flush()) {
            return write_failed(&e, &what, on_stdout);
        }
        suites.push(suite);
    }
    if let Err(e) = write_end(&mut out, args, &suites, passed, failed).and_then(|()| out.commit()) {
        return write_failed(&e, &what, on_stdout);
    }
    if unreadable {
        Termination::Usage
    } else if failed > 0 {
        Termination::Failure
    } else {
        Termination::Success
    }
}

/// Why a target gave no suite.
enum Problem {
    /// Counted as a failed case (reported).
    Failed,
    /// A file could not be read (reported): exit 2.
    Unreadable,
}

/// Reads a target's files and runs its cases; `None` when it has no tests.
fn suite_of(target: &Target, verbose: bool, work_limit: u64) -> Result<Option<Suite>, Problem> {
    if !target.tests.exists() {
        if verbose || target.explicit {
            say!(
                "note: `{}` has no tests (no `{}`)",
                shown_path(&target.campaign),
                shown_path(&target.tests)
            );
        }
        return Ok(None);
    }
    if !target.campaign.exists() {
        say!(
            "error: `{}` has no campaign beside it (`{}` does not exist)",
            shown_path(&target.tests),
            shown_path(&target.campaign)
        );
        return Err(Problem::Failed);
    }
    let read = |path: &Path, limit: usize| {
        read::text(path, limit).map_err(|e| {
            say!("error: {}", e.message());
            match e {
                ReadError::Unreadable(_) => Problem::Unreadable,
                ReadError::Refused(_) | ReadError::TooLarge(..) => Problem::Failed,
            }
        })
    };
    let campaign_text = read(&target.campaign, CAMPAIGN_LIMIT)?;
    let tests_text = read(&target.tests, TESTS_LIMIT)?;
    Ok(Some(run_suite_with_limit(
        SourceFile::new(target.campaign.display().to_string(), campaign_text),
        SourceFile::new(target.tests.display().to_string(), tests_text),
        work_limit,
    )))
}

/// What follows the campaigns: the JUnit, JSON or GitHub report, the coverage and the summary.
fn write_end(out: &mut Output, args: &TestArgs, suites: &[Suite], passed: usize, failed: usize) -> std::io::Result<()> {
    match args.format {
        TestFormat::Human => {}
        TestFormat::Junit => out.write_all(report::junit(suites).as_bytes())?,
        TestFormat::Json => writeln!(out, "{}", json_report(suites, passed, failed))?,
        TestFormat::Github => write_github(out, suites)?,
    }
    let human = args.format == TestFormat::Human;
    if args.coverage {
        let text: String = suites
            .iter()
            .filter_map(|s| s.coverage().map(|c| report::coverage(s, &c)))
            .collect::<Vec<_>>()
            .join("\n");
        if human {
            write!(out, "\n{}", crate::report::terminal::masked(&text))?;
        } else {
            say_raw!("{}", crate::report::terminal::masked(&text));
        }
    }
    let summary = format!("{passed} passed, {failed} failed");
    if human {
        writeln!(out, "\n{summary}")?;
    } else {
        say!("{summary}");
    }
    Ok(())
}

/// One line per campaign (dots for passing cases, `F` for failing ones; with `--verbose`, one
/// line per case), then each failure in full.
fn write_human(out: &mut impl Write, suite: &Suite, verbose: bool) -> std::io::Result<()> {
    let name = shown_path(Path::new(&suite.campaign.name));
    if verbose {
        writeln!(out, "{name}")?;
        for r in &suite.results {
            let mark = if r.passed() { "ok  " } else { "FAIL" };
            writeln!(
                out,
                "  {mark} {}  ({})",
                crate::report::shown(&r.name),
                crate::report::shown(&report::location(suite, r))
            )?;
        }
    } else {
        let marks: String = suite
            .results
            .iter()
            .map(|r| if r.passed() { '.' } else { 'F' })
            .collect();
        if suite.broken() {
            writeln!(out, "{name} ERROR (see the diagnostics)")?;
        } else {
            writeln!(out, "{name} {marks}")?;
        }
    }
    for r in suite.results.iter().filter(|r| !r.passed()) {
        write!(out, "\n{}", crate::report::terminal::masked(&report::failure(suite, r)))?;
    }
    if suite.results.iter().any(|r| !r.passed()) {
        writeln!(out)?;
    }
    Ok(())
}

/// The run as one JSON object: the totals, then per campaign its files, its diagnostics and
/// each case with its line, whether it passed, and what did not hold.
fn json_report(suites: &[Suite], passed: usize, failed: usize) -> serde_json::Value {
    let campaigns: Vec<serde_json::Value> = suites
        .iter()
        .map(|suite| {
            let diagnostics: Vec<serde_json::Value> = suite
                .campaign_errors
                .iter()
                .map(|d| json_object(d, &suite.campaign))
                .chain(suite.syntax_errors.iter().map(|d| json_object(d, &suite.tests)))
                .collect();
            let cases: Vec<serde_json::Value> = suite
                .results
                .iter()
                .map(|r| {
                    let (line, _) = suite.tests.line_col(r.span.start);
                    let mismatches: Vec<serde_json::Value> = r
                        .mismatches
                        .iter()
                        .map(|m| {
                            json!({
                                "record": m.record,
                                "label": m.label,
                                "expected": m.expected,
                                "actual": m.actual,
                                "line": suite.tests.line_col(m.span.start).0,
                            })
                        })
                        .collect();
                    let problems: Vec<serde_json::Value> =
                        r.problems.iter().map(|d| json_object(d, &suite.tests)).collect();
                    json!({
                        "name": r.name,
                        "line": line,
                        "passed": r.passed(),
                        "mismatches": mismatches,
                        "problems": problems,
                    })
                })
                .collect();
            json!({
                "campaign": suite.campaign.name,
                "tests": suite.tests.name,
                "passed": suite.passed(),
                "failed": suite.failed(),
                "diagnostics": diagnostics,
                "cases": cases,
            })
        })
        .collect();
    json!({"passed": passed, "failed": failed, "campaigns": campaigns})
}

/// One GitHub Actions `::error` annotation per failing case (at its line in the `.tests`
/// file), and per diagnostic that kept a campaign's cases from running.
fn write_github(out: &mut impl Write, suites: &[Suite]) -> std::io::Result<()> {
    for suite in suites {
        for (d, file) in suite
            .campaign_errors
            .iter()
            .map(|d| (d, &suite.campaign))
            .chain(suite.syntax_errors.iter().map(|d| (d, &suite.tests)))
        {
            writeln!(out, "{}", super::render::github_line(d, file))?;
        }
        for r in suite.results.iter().filter(|r| !r.passed()) {
            let (line, _) = suite.tests.line_col(r.span.start);
            writeln!(
                out,
                "::error file={},line={line},title={}::{}",
                escape_property(&suite.tests.name),
                escape_property(&format!("campaign test: {}", r.name)),
                escape_data(&format!("{}\n{}", report::failure_message(r), report::diff(suite, r)))
            )?;
        }
    }
    Ok(())
}
