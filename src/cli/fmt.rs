//! `campaign fmt [--check] PATH...`.

use std::path::PathBuf;

use clap::Args;

use super::Termination;

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

/// Runs `campaign fmt`.
pub fn run(args: &FmtArgs) -> Termination {
    let _ = (&args.paths, args.check);
    eprintln!("error: `campaign fmt` is not available yet");
    Termination::Usage
}
