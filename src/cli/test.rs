//! `campaign test [PATH...]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::Termination;
use super::render::{colour_on_stderr, graphical};
use crate::diagnostics::SourceFile;
use crate::testing::{Suite, report, run_suite_with_limit, tests_path};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Text for people.
    Human,
    /// JUnit XML on stdout, for CI.
    Junit,
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

/// Collects campaigns (and tests files without a campaign) under a folder, sorted.
fn walk(dir: &Path, out: &mut Vec<Target>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, out)?;
        } else if entry.extension().is_some_and(|e| e == "campaign") {
            out.push(Target {
                tests: tests_path(&entry),
                campaign: entry,
                explicit: false,
            });
        } else if entry.extension().is_some_and(|e| e == "tests") && !entry.with_extension("campaign").exists() {
            out.push(Target {
                campaign: entry.with_extension("campaign"),
                tests: entry,
                explicit: false,
            });
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
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
                eprintln!("error: {}\n  help: {}", e.message, e.help);
                return Termination::Usage;
            }
        },
        None => crate::program::inputs::DEFAULT_WORK_LIMIT,
    };
    let mut targets = Vec::new();
    for path in &paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return Termination::Usage;
        }
        if path.is_dir() {
            if let Err(e) = walk(path, &mut targets) {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return Termination::Usage;
            }
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
    let junit = args.format == TestFormat::Junit;
    let colour = colour_on_stderr();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut suites: Vec<Suite> = Vec::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for target in targets {
        if !target.tests.exists() {
            if args.verbose || target.explicit {
                eprintln!(
                    "note: `{}` has no tests (no `{}`)",
                    target.campaign.display(),
                    target.tests.display()
                );
            }
            continue;
        }
        if !target.campaign.exists() {
            eprintln!(
                "error: `{}` has no campaign beside it (`{}` does not exist)",
                target.tests.display(),
                target.campaign.display()
            );
            failed += 1;
            continue;
        }
        let (campaign_text, tests_text) = match (read_text(&target.campaign), read_text(&target.tests)) {
            (Ok(c), Ok(t)) => (c, t),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return Termination::Usage;
            }
        };
        let suite = run_suite_with_limit(
            SourceFile::new(target.campaign.display().to_string(), campaign_text),
            SourceFile::new(target.tests.display().to_string(), tests_text),
            work_limit,
        );
        for d in &suite.campaign_errors {
            eprint!("{}", graphical(d, &suite.campaign, colour));
        }
        if !suite.campaign_errors.is_empty() {
            eprintln!("error: `{}` has errors; none of its cases ran", suite.campaign.name);
        }
        for d in &suite.syntax_errors {
            eprint!("{}", graphical(d, &suite.tests, colour));
        }
        if !suite.syntax_errors.is_empty() {
            eprintln!("error: `{}` has errors; none of its cases ran", suite.tests.name);
        }
        passed += suite.passed();
        failed += suite.failed();
        if !junit {
            let _ = write_human(&mut out, &suite, args.verbose);
        }
        suites.push(suite);
    }
    if junit {
        let _ = out.write_all(report::junit(&suites).as_bytes());
    }
    if args.coverage {
        let text: String = suites
            .iter()
            .filter_map(|s| s.coverage().map(|c| report::coverage(s, &c)))
            .collect::<Vec<_>>()
            .join("\n");
        if junit {
            eprint!("{text}");
        } else {
            let _ = write!(out, "\n{text}");
        }
    }
    let summary = format!("{passed} passed, {failed} failed");
    if junit {
        eprintln!("{summary}");
    } else {
        let _ = writeln!(out, "\n{summary}");
    }
    let _ = out.flush();
    if failed > 0 {
        Termination::Failure
    } else {
        Termination::Success
    }
}

/// One line per campaign (dots for passing cases, `F` for failing ones; with `--verbose`, one
/// line per case), then each failure in full.
fn write_human(out: &mut impl Write, suite: &Suite, verbose: bool) -> std::io::Result<()> {
    if verbose {
        writeln!(out, "{}", suite.campaign.name)?;
        for r in &suite.results {
            let mark = if r.passed() { "ok  " } else { "FAIL" };
            writeln!(out, "  {mark} {}  ({})", r.name, report::location(suite, r))?;
        }
    } else {
        let marks: String = suite
            .results
            .iter()
            .map(|r| if r.passed() { '.' } else { 'F' })
            .collect();
        if suite.broken() {
            writeln!(out, "{} ERROR (see the diagnostics)", suite.campaign.name)?;
        } else {
            writeln!(out, "{} {marks}", suite.campaign.name)?;
        }
    }
    for r in suite.results.iter().filter(|r| !r.passed()) {
        write!(out, "\n{}", report::failure(suite, r))?;
    }
    if suite.results.iter().any(|r| !r.passed()) {
        writeln!(out)?;
    }
    Ok(())
}
