//! `campaign test [PATH...]`.

use std::path::PathBuf;

use clap::Args;

use super::Termination;

/// Arguments of `campaign test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Campaign files or folders; each campaign's cases are read from its sibling `.tests` file.
    paths: Vec<PathBuf>,
}

/// Runs `campaign test`.
pub fn run(args: &TestArgs) -> Termination {
    let _ = &args.paths;
    eprintln!("error: `campaign test` is not available yet");
    Termination::Usage
}
