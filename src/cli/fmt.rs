//! `campaign fmt [--check] PATH...`.

use std::path::PathBuf;

use clap::Args;

use super::Termination;
use super::render::{colour_on_stderr, graphical};
use crate::diagnostics::SourceFile;

/// Arguments of `campaign fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Campaign files, or folders searched recursively for *.campaign files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Do not write: list the files that would change and exit 1 if any.
    #[arg(long)]
    check: bool,
}

/// Runs `campaign fmt`: rewrites each file that is not in the canonical layout
/// (only those), or with `--check` lists them (`would reformat PATH` on
/// stdout) and exits 1 if there are any. A file that does not parse is
/// reported on stderr and makes the command exit 1; a missing or unreadable
/// path exits 2.
pub fn run(args: &FmtArgs) -> Termination {
    let mut files = Vec::new();
    for path in &args.paths {
        if !path.exists() {
            eprintln!("error: `{}` does not exist", path.display());
            return Termination::Usage;
        }
        if let Err(e) = super::check::campaign_files(path, &mut files) {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            return Termination::Usage;
        }
    }
    let mut failed = false;
    let (mut changed, mut unchanged, mut broken) = (0usize, 0usize, 0usize);
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
                    failed = true;
                    broken += 1;
                    continue;
                }
            },
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", path.display());
                return Termination::Usage;
            }
        };
        let formatted = match crate::fmt::format(&text) {
            Ok(f) => f,
            Err(diagnostic) => {
                let file = SourceFile::new(path.display().to_string(), text.as_str());
                eprint!("{}", graphical(&diagnostic, &file, colour_on_stderr()));
                failed = true;
                broken += 1;
                continue;
            }
        };
        if formatted == text {
            unchanged += 1;
            continue;
        }
        changed += 1;
        if args.check {
            println!("would reformat {}", path.display());
            failed = true;
        } else if let Err(e) = std::fs::write(path, formatted) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return Termination::Usage;
        }
    }
    let verb = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    let mut summary = format!(
        "{changed} {} {verb}, {unchanged} already formatted",
        plural(changed, "file", "files")
    );
    if broken > 0 {
        summary.push_str(&format!(", {broken} could not be formatted"));
    }
    eprintln!("{summary}");
    if failed {
        Termination::Failure
    } else {
        Termination::Success
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}
