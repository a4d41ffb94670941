//! `campaign sweep POLICY --facts FILE --param NAME --values V1 V2 …`: one campaign evaluated
//! once per value of a parameter, the facts read once (src/aggregate).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Termination;
use super::evaluate::load;
use super::report::pretty;
use super::whatif::{self, Facts, RunArgs};
use crate::aggregate::{Tally, html, sweep_json};
use crate::batch::{Row, Sources, Unobserved, run_together};

/// How a sweep is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormat {
    /// One row per value, aligned for people.
    Table,
    /// One JSON object.
    Json,
    /// A self-contained HTML page with charts.
    Html,
}

/// Arguments of `campaign sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The campaign file.
    policy: PathBuf,
    #[command(flatten)]
    run: RunArgs,
    /// The parameter that takes each value.
    #[arg(long = "param", value_name = "NAME")]
    param: String,
    /// The values, each one argument as it would follow `NAME=` (commas allowed).
    #[arg(long, value_name = "VALUE", num_args = 1.., required = true)]
    values: Vec<String>,
    /// Override another parameter for every value: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// How to write the sweep.
    #[arg(long, value_enum, default_value_t = SweepFormat::Table)]
    format: SweepFormat,
}

/// Runs `campaign sweep`.
pub fn run(args: &SweepArgs) -> Termination {
    let program = match load(&args.policy) {
        Ok(program) => program,
        Err(t) => return t,
    };
    let facts = match Facts::new(&args.run) {
        Ok(facts) => facts,
        Err(message) => return whatif::usage(&message),
    };
    let mut batches = Vec::with_capacity(args.values.len());
    for value in &args.values {
        let assignment = format!("{}={value}", args.param);
        let params: Vec<&String> = args.set.iter().chain(std::iter::once(&assignment)).collect();
        match whatif::inputs(&program, &params, &args.run) {
            Ok(inputs) => batches.push(facts.batch(&program, inputs, &args.run)),
            Err(message) => return whatif::usage(&message),
        }
    }
    let mut plan = None;
    let mut source = match facts.open(&program, &args.run, &mut plan) {
        Ok(source) => source,
        Err(t) => return t,
    };
    let mut tallies: Vec<Tally<'_>> = args.values.iter().map(|_| Tally::new(&program)).collect();
    let mut sink = |rows: &[Row]| {
        for (tally, row) in tallies.iter_mut().zip(rows) {
            tally.add(row);
        }
        ControlFlow::Continue(())
    };
    run_together(&batches, Sources::Shared(&mut source), &mut sink, &Unobserved);
    drop(source);
    if tallies.iter().any(Tally::overflowed) {
        return whatif::usage("a total is too large for an exact decimal (more than 28 digits)");
    }
    let points: Vec<(&str, &Tally<'_>)> = args.values.iter().map(String::as_str).zip(&tallies).collect();
    let json = sweep_json(&program, &args.param, &points);
    let written = whatif::write_all(args.run.output.as_deref(), |out| match args.format {
        SweepFormat::Json => writeln!(out, "{}", pretty(&json)),
        SweepFormat::Html => out.write_all(html::sweep_page(&json).as_bytes()),
        SweepFormat::Table => write_table(out, &json),
    });
    let counts = tallies.first().map(|t| t.counts).unwrap_or_default();
    // The most failures of any value: a value may make records fail that another does not.
    let failed = tallies.iter().map(|t| t.counts.failed).max().unwrap_or(0);
    let line = format!(
        "{} records read, evaluated with {} values of {}: {failed} failed",
        counts.read,
        args.values.len(),
        args.param
    );
    whatif::finish(&args.run, written, failed, &line)
}

/// The sweep as an aligned table: one row per value.
fn write_table(out: &mut dyn Write, json: &serde_json::Value) -> std::io::Result<()> {
    let points = json["values"].as_array().cloned().unwrap_or_default();
    let plural = if points.first().is_some_and(|p| p["fees"].is_array()) {
        "fees"
    } else {
        "rewards"
    };
    let verdict = points
        .first()
        .and_then(|p| p["records"].as_object())
        .and_then(|r| r.keys().nth(1).cloned())
        .unwrap_or_default();
    let mut header = vec![
        json["parameter"].as_str().unwrap_or_default().to_owned(),
        verdict.clone(),
        "failed".into(),
    ];
    for item in points.first().and_then(|p| p[plural].as_array()).into_iter().flatten() {
        header.push(format!(
            "{} ({})",
            item["name"].as_str().unwrap_or_default(),
            item["unit"].as_str().unwrap_or_default()
        ));
    }
    let mut rows = vec![header];
    for p in &points {
        let mut row = vec![
            p["value"].as_str().unwrap_or_default().to_owned(),
            p["records"]
                .get(verdict.as_str())
                .map(ToString::to_string)
                .unwrap_or_default(),
            p["records"].get("failed").map(ToString::to_string).unwrap_or_default(),
        ];
        for item in p[plural].as_array().into_iter().flatten() {
            row.push(item["total"].as_str().unwrap_or_default().to_owned());
        }
        rows.push(row);
    }
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| crate::report::shown(s).chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (s, w))| {
                if c == 0 {
                    format!("{:w$}", crate::report::shown(s))
                } else {
                    format!("{s:>w$}")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
