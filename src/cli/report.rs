//! `campaign report POLICY --facts FILE`: the totals of one evaluation (src/aggregate).

use std::ops::ControlFlow;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Termination;
use super::evaluate::load;
use super::whatif::{self, Facts, RunArgs};
use crate::aggregate::{Tally, html};
use crate::batch::{Row, Unobserved};

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One JSON object.
    Json,
    /// A self-contained HTML page with charts.
    Html,
}

/// Arguments of `campaign report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The campaign file.
    policy: PathBuf,
    #[command(flatten)]
    run: RunArgs,
    /// Override a parameter declared in the campaign: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    format: ReportFormat,
}

/// Runs `campaign report`.
pub fn run(args: &ReportArgs) -> Termination {
    let program = match load(&args.policy) {
        Ok(program) => program,
        Err(t) => return t,
    };
    let params: Vec<&String> = args.params.iter().collect();
    let (inputs, facts) =
        match whatif::inputs(&program, &params, &args.run).and_then(|i| Ok((i, Facts::new(&args.run)?))) {
            Ok(ready) => ready,
            Err(message) => return whatif::usage(&message),
        };
    let mut plan = None;
    let mut source = match facts.open(&program, &args.run, &mut plan) {
        Ok(source) => source,
        Err(t) => return t,
    };
    let batch = facts.batch(&program, inputs, &args.run);
    let mut tally = Tally::new(&program);
    batch.run(
        &mut source,
        &mut |row: Row| {
            tally.add(&row);
            ControlFlow::Continue(())
        },
        &Unobserved,
    );
    drop(source);
    if tally.overflowed() {
        return whatif::usage("a total is too large for an exact decimal (more than 28 digits)");
    }
    let json = tally.to_json();
    let written = whatif::write_all(args.run.output.as_deref(), |out| match args.format {
        ReportFormat::Json => writeln!(out, "{}", pretty(&json)),
        ReportFormat::Html => out.write_all(html::report_page(&json).as_bytes()),
    });
    let c = tally.counts;
    let kind = program.output_kind();
    let line = format!(
        "{} records read: {} {}, {} {}, {} failed",
        c.read,
        c.qualifying,
        kind.verdict(true),
        c.not_qualifying,
        kind.verdict(false),
        c.failed
    );
    whatif::finish(&args.run, written, c.failed, &line)
}

/// JSON with two-space indentation.
pub fn pretty(json: &serde_json::Value) -> String {
    serde_json::to_string_pretty(json).unwrap_or_default()
}
