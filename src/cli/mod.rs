//! The command line: the only code that reads files, prints, and exits.
//!
//! Exit codes (documented in `docs/cli.md`):
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success: every file valid, every record evaluated |
//! | 1 | a campaign has errors, or some records failed |
//! | 2 | usage error: bad arguments, unreadable file, unknown format; output that could not be written |
//!
//! Nothing here prints with `println!`/`eprintln!`, which panic when the stream is closed
//! or full: standard error goes through `say!` (a failed message is dropped, never the
//! results), results through `output::Output`, whose errors end the run as
//! `output::write_failed` says (a closed pipe quietly, anything else reported once).

/// Writes one line on standard error, ignoring a closed or failing stream: a message that
/// cannot be shown must never stop the results from being written.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// Writes text on standard error without a line break, ignoring a closed or failing stream.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod check;
mod diff;
mod evaluate;
mod fmt;
mod generate;
#[cfg(feature = "lsp")]
mod lsp;
mod output;
mod progress;
mod read;
mod render;
mod report;
mod sweep;
/// Renders a diagnostic for people, as `campaign check` does (the Python package's errors
/// carry it too).
pub use render::graphical as render_diagnostic;
mod tables;
mod terms;
mod test;
mod walk;
mod whatif;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// campaign: check and evaluate incentive and admission campaigns.
#[derive(Debug, Parser)]
#[command(name = "campaign", version = env!("CAMPAIGN_VERSION"), about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour diagnostics: `auto` (a terminal, and `NO_COLOR` unset or empty),
    /// `always` or `never`. The flag wins over `NO_COLOR`.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    color: ColorWhen,
    /// The language of diagnostics (the most common codes have Chinese texts; see
    /// docs/errors.md) and of `render`'s terms: `en` or `zh`. Default: `CAMPAIGN_LANG` when it
    /// is `en` or `zh`, else `en`.
    #[arg(long, value_enum, global = true, value_name = "LANG")]
    lang: Option<Language>,
}

/// `--lang`: the language of diagnostics and terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Language {
    /// English (the source of truth for every message).
    En,
    /// Simplified Chinese.
    Zh,
}

/// The environment variable that chooses the language when `--lang` is not given.
pub const LANG_VARIABLE: &str = "CAMPAIGN_LANG";

/// The language asked for: the flag, else `CAMPAIGN_LANG` (`en` or `zh`), else English.
fn language(flag: Option<Language>) -> Language {
    flag.or_else(|| match std::env::var(LANG_VARIABLE).ok()?.trim() {
        "zh" => Some(Language::Zh),
        "en" => Some(Language::En),
        _ => None,
    })
    .unwrap_or(Language::En)
}

/// `--color`: when diagnostics are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set to a non-empty value.
    Auto,
    /// Always, even off a terminal and with `NO_COLOR` set.
    Always,
    /// Never.
    Never,
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
    /// Print shell completions (bash, zsh, fish, powershell, elvish) on standard output.
    Completions(generate::CompletionsArgs),
    /// Print the manual page, or write one page per command into a folder (--out).
    Man(generate::ManArgs),
    /// Write the terms merchants read, generated from a campaign file (Markdown or HTML, in
    /// Chinese or English).
    Render(terms::RenderArgs),
    /// Report on one evaluation: totals per reward and period, distributions, conditions, budgets, reasons.
    Report(report::ReportArgs),
    /// Compare two versions of a campaign (or two sets of parameters) on the same facts.
    Diff(diff::DiffArgs),
    /// Evaluate a campaign once per value of a parameter, reading the facts once.
    Sweep(sweep::SweepArgs),
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
    /// The command could not run as asked (or its output could not be written).
    Usage,
    /// Standard output was closed by its reader (`| head`): the run ended quietly, as
    /// grep and ripgrep do.
    Closed,
}

impl From<Termination> for ExitCode {
    fn from(t: Termination) -> ExitCode {
        ExitCode::from(match t {
            Termination::Success => 0,
            Termination::Failure => 1,
            Termination::Usage => 2,
            Termination::Closed => 0,
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
            say!("error: internal error: the command stopped unexpectedly; please report it");
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
    render::choose_colour(cli.color);
    let lang = language(cli.lang);
    render::choose_language(lang);
    let outcome = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Explain(args) => evaluate::run_explain(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        #[cfg(feature = "lsp")]
        Command::Lsp(args) => lsp::run(&args),
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
        Command::Render(args) => terms::run(&args, lang),
        Command::Report(args) => report::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Sweep(args) => sweep::run(&args),
    };
    outcome.into()
}
