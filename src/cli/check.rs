//! `campaign check PATH...`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::output::{Output, write_failed};
use super::read::{self, CAMPAIGN_LIMIT, ReadError};
use super::render::{graphical, print_all, summary};
use super::{DiagnosticFormat, Termination, walk};
use crate::diagnostics::{Diagnostic, SourceFile};

/// Arguments of `campaign check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Campaign files, or folders searched recursively for *.campaign files (symbolic links
    /// inside a folder are not followed).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    format: DiagnosticFormat,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Print only errors (and warnings with --deny-warnings), and no summary: nothing at all
    /// when every file passes.
    #[arg(long, short)]
    quiet: bool,
    /// Write the diagnostics to FILE instead of standard output (or, for `human` and
    /// `plain`, standard error), without colour; written whole, then renamed into place.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `campaign check`.
pub fn run(args: &CheckArgs) -> Termination {
    let found = walk::files(&args.paths, walk::is_campaign);
    if found.files.is_empty() {
        if !found.unreadable {
            say!("error: no campaign files (*.campaign) found in the given paths");
        }
        return Termination::Usage;
    }
    let mut reports: Vec<(SourceFile, Vec<Diagnostic>)> = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    let mut unreadable = found.unreadable;
    for path in &found.files {
        let text = match read::text(path, CAMPAIGN_LIMIT) {
            Ok(t) => t,
            Err(ReadError::TooLarge(_, size)) => {
                // Reported as the parser reports it, without the file's text.
                errors += 1;
                let diagnostic = crate::syntax::file_too_large(size);
                reports.push((
                    SourceFile::new(path.display().to_string(), String::new()),
                    vec![diagnostic],
                ));
                continue;
            }
            Err(e) => {
                say!("error: {}", e.message());
                match e {
                    ReadError::Unreadable(_) => unreadable = true,
                    ReadError::Refused(_) | ReadError::TooLarge(..) => errors += 1,
                }
                continue;
            }
        };
        // The command line runs on a large stack already (see `cli::main`).
        let mut checked = crate::check::check_here(&text).diagnostics;
        errors += checked.iter().filter(|d| d.is_error()).count();
        warnings += checked.iter().filter(|d| !d.is_error()).count();
        if args.quiet && !args.deny_warnings {
            checked.retain(Diagnostic::is_error);
        }
        reports.push((SourceFile::new(path.display().to_string(), text), checked));
    }
    let output = match Output::open(args.output.as_deref()) {
        Ok(o) => o,
        Err(message) => {
            say!("error: {message}");
            return Termination::Usage;
        }
    };
    let (what, on_stdout) = (output.describe(), output.is_stdout());
    let mut output = output;
    let printed = if on_stdout || !matches!(args.format, DiagnosticFormat::Human | DiagnosticFormat::Plain) {
        print_all(args.format, &reports, &mut output)
    } else {
        // `-o FILE` with a report for people: the reports go to the file, without colour.
        reports
            .iter()
            .flat_map(|(file, diags)| diags.iter().map(move |d| graphical(d, file, false)))
            .try_for_each(|text| output.write_all(text.as_bytes()))
    };
    if let Err(e) = printed.and_then(|()| output.commit()) {
        return write_failed(&e, &what, on_stdout);
    }
    if matches!(args.format, DiagnosticFormat::Human | DiagnosticFormat::Plain) && !args.quiet {
        say!("{}", summary(errors, warnings, found.files.len()));
    }
    if unreadable {
        Termination::Usage
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        Termination::Failure
    } else {
        Termination::Success
    }
}
