//! The command line: the only code that reads files, prints, and exits.
//!
//! Exit codes (documented in `docs/cli.md`):
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success: every file valid, every record evaluated |
//! | 1 | a campaign has errors, or some records failed |
//! | 2 | usage error: bad arguments, unreadable file, unknown format |

mod check;
mod evaluate;
mod fmt;
#[cfg(feature = "lsp")]
mod lsp;
mod progress;
mod render;
mod tables;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// campaign: check and evaluate incentive and admission campaigns.
#[derive(Debug, Parser)]
#[command(name = "campaign", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check campaign files (or folders of *.campaign files) and report every problem.
    Check(check::CheckArgs),
    /// Evaluate a campaign against a file of merchant facts.
    Evaluate(evaluate::EvaluateArgs),
    /// Explain one record's result: conditions, values, reward arithmetic, budget.
    Explain(evaluate::ExplainArgs),
    /// Run the test cases written beside campaigns (`NAME.tests` next to `NAME.campaign`).
    Test(test::TestArgs),
    /// Rewrite campaign files in the canonical layout (or, with --check, list those that differ).
    Fmt(fmt::FmtArgs),
    /// Run the language server for editors, over standard input and output (see docs/editors.md).
    #[cfg(feature = "lsp")]
    Lsp(lsp::LspArgs),
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Graphical reports for people (colour on a terminal, unless NO_COLOR is set).
    Human,
    /// The same reports without colour or box drawing tweaks.
    Plain,
    /// A JSON array with one object per diagnostic.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
}

/// The outcome of a command, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// Everything passed.
    Success,
    /// Something the command checked failed (a campaign error, a failed record).
    Failure,
    /// The command could not run as asked.
    Usage,
}

impl From<Termination> for ExitCode {
    fn from(t: Termination) -> ExitCode {
        ExitCode::from(match t {
            Termination::Success => 0,
            Termination::Failure => 1,
            Termination::Usage => 2,
        })
    }
}

/// The stack for the command's thread: deeply nested (but within the limits)
/// campaigns recurse in the parser and checker, and debug builds use large frames.
const STACK_BYTES: usize = 256 << 20;

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    match std::thread::Builder::new().stack_size(STACK_BYTES).spawn(run) {
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            eprintln!("error: internal error: the command stopped unexpectedly; please report it");
            Termination::Failure.into()
        }),
        Err(_) => run(),
    }
}

fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Termination::Usage.into()
            } else {
                Termination::Success.into()
            };
        }
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Explain(args) => evaluate::run_explain(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        #[cfg(feature = "lsp")]
        Command::Lsp(args) => lsp::run(&args),
    };
    outcome.into()
}
