//! `campaign check PATH...`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::render::{print_all, summary};
use super::{DiagnosticFormat, Termination};
use crate::diagnostics::{Diagnostic, SourceFile};

/// Arguments of `campaign check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Campaign files, or folders searched recursively for *.campaign files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    format: DiagnosticFormat,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

/// Finds the campaign files a path names, sorted.
pub fn campaign_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() {
                campaign_files(&entry, out)?;
            } else if entry.extension().is_some_and(|e| e == "campaign") {
                out.push(entry);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Runs `campaign check`.
pub fn run(args: &CheckArgs) -> Termination {
    let mut files = Vec::new();
    for path in &args.paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return Termination::Usage;
        }
        if let Err(e) = campaign_files(path, &mut files) {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return Termination::Usage;
        }
    }
    if files.is_empty() {
        eprintln!("error: no campaign files (*.campaign) found in the given paths");
        return Termination::Usage;
    }
    let mut reports: Vec<(SourceFile, Vec<Diagnostic>)> = Vec::new();
    let (mut errors, mut warnings) = (0, 0);
    for path in &files {
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!(
                        "error: `{}` is not UTF-8 text (byte {})",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    );
                    errors += 1;
                    continue;
                }
            },
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return Termination::Usage;
            }
        };
        // The command line runs on a large stack already (see `cli::main`).
        let checked = crate::check::check_here(&text);
        errors += checked.diagnostics.iter().filter(|d| d.is_error()).count();
        warnings += checked.diagnostics.iter().filter(|d| !d.is_error()).count();
        reports.push((SourceFile::new(path.display().to_string(), text), checked.diagnostics));
    }
    print_all(args.format, &reports);
    if matches!(args.format, DiagnosticFormat::Human | DiagnosticFormat::Plain) {
        eprintln!("{}", summary(errors, warnings, files.len()));
    }
    if errors > 0 || (args.deny_warnings && warnings > 0) {
        Termination::Failure
    } else {
        Termination::Success
    }
}
