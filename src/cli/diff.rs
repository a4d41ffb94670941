//! `campaign diff OLD.campaign [NEW.campaign] --facts FILE`: what changes between two
//! versions, or two sets of parameters, on the same records, read once (src/aggregate).

use std::io::Write;
use std::ops::ControlFlow;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use rust_decimal::Decimal;

use super::Termination;
use super::evaluate::load;
use super::report::pretty;
use super::whatif::{self, Facts, RunArgs};
use crate::aggregate::{DiffTally, RecordChange, html};
use crate::batch::{Row, Sources, Unobserved, run_together};
use crate::report::shown;

/// How a diff is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// The changed records, then the totals, aligned for people.
    Table,
    /// One JSON object: the changed records (`changes`), then the totals.
    Json,
    /// One row per changed record.
    Csv,
    /// A self-contained HTML page of the totals, with charts.
    Html,
}

/// Arguments of `campaign diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version of the campaign.
    old: PathBuf,
    /// The new version (default: the old one, for a diff of parameter values).
    new: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
    /// Override a parameter of both versions: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Override a parameter of the old version only (after --param).
    #[arg(long = "old-param", value_name = "NAME=VALUE")]
    old_params: Vec<String>,
    /// Override a parameter of the new version only (after --param).
    #[arg(long = "new-param", value_name = "NAME=VALUE")]
    new_params: Vec<String>,
    /// How to write the diff.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    format: DiffFormat,
}

/// Runs `campaign diff`.
pub fn run(args: &DiffArgs) -> Termination {
    let old = match load(&args.old) {
        Ok(program) => program,
        Err(t) => return t,
    };
    let new = match args.new.as_deref().map(load) {
        None => old.clone(),
        Some(Ok(program)) => program,
        Some(Err(t)) => return t,
    };
    let old_params: Vec<&String> = args.params.iter().chain(&args.old_params).collect();
    let new_params: Vec<&String> = args.params.iter().chain(&args.new_params).collect();
    let ready = whatif::inputs(&old, &old_params, &args.run)
        .map_err(|m| format!("the old version: {m}"))
        .and_then(|o| {
            Ok((
                o,
                whatif::inputs(&new, &new_params, &args.run).map_err(|m| format!("the new version: {m}"))?,
            ))
        })
        .and_then(|(o, n)| Ok((o, n, Facts::new(&args.run)?)));
    let (old_inputs, new_inputs, facts) = match ready {
        Ok(ready) => ready,
        Err(message) => return whatif::usage(&message),
    };
    say_fact_differences(&old, &new);
    let (mut old_plan, mut new_plan) = (None, None);
    let shared = facts.shared(&old, &new);
    if !shared && args.run.facts.as_os_str() == "-" {
        return whatif::usage(
            "the two versions declare different facts, which standard input cannot be read for twice\n  help: give the facts as NDJSON, or as a file",
        );
    }
    let mut first = match facts.open(&old, &args.run, &mut old_plan) {
        Ok(source) => source,
        Err(t) => return t,
    };
    let second = if shared {
        None
    } else {
        match facts.open(&new, &args.run, &mut new_plan) {
            Ok(source) => Some(source),
            Err(t) => return t,
        }
    };
    let batches = [
        facts.batch(&old, old_inputs, &args.run),
        facts.batch(&new, new_inputs, &args.run),
    ];
    let mut tally = DiffTally::new(&old, &new).with_params(
        old_params.iter().map(|p| (*p).clone()).collect(),
        new_params.iter().map(|p| (*p).clone()).collect(),
    );
    let names: Vec<String> = tally.reward_names().iter().map(|n| (*n).to_owned()).collect();
    let mut text = Changes::new(args.format, &names);
    let written = whatif::write_all(args.run.output.as_deref(), |out| {
        let mut failure: Option<std::io::Error> = None;
        let sources = match second {
            None => Sources::Shared(&mut first),
            Some(second) => Sources::Each(vec![first, second]),
        };
        let mut sink = |rows: &[Row]| {
            let (Some(o), Some(n)) = (rows.first(), rows.get(1)) else {
                return ControlFlow::Continue(());
            };
            if let Some(change) = tally.add(o, n)
                && let Err(e) = text.change(out, &change)
            {
                failure = Some(e);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        };
        run_together(&batches, sources, &mut sink, &Unobserved);
        if let Some(e) = failure {
            return Err(e);
        }
        text.finish(out, &tally)
    });
    if tally.overflowed() {
        return whatif::usage("a total is too large for an exact decimal (more than 28 digits)");
    }
    let totals = &tally.to_json();
    let records = &totals["records"];
    let failed = records["failed_before"].as_u64().unwrap_or(0) + records["failed_after"].as_u64().unwrap_or(0);
    let line = format!(
        "{} records read: {} changed; failed {} before, {} after",
        records["read"], records["changed"], records["failed_before"], records["failed_after"]
    );
    whatif::finish(&args.run, written, usize::try_from(failed).unwrap_or(usize::MAX), &line)
}

/// Says on stderr which facts one version reads and the other does not.
fn say_fact_differences(old: &crate::program::Program, new: &crate::program::Program) {
    let differences = &crate::aggregate::fact_differences(old, new);
    let names = |key: &str| -> Vec<String> {
        differences[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().or_else(|| v["fact"].as_str()).unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for (key, what) in [
        ("only_old", "only the old version reads"),
        ("only_new", "only the new version reads"),
        ("retyped", "the versions read as different types"),
    ] {
        let list = names(key);
        if !list.is_empty() {
            say!(
                "note: facts {what}: {} (each version evaluates the facts it declares)",
                shown(&list.join(", "))
            );
        }
    }
}

/// Writes the changed records as they come, then the totals.
struct Changes<'n> {
    format: DiffFormat,
    names: &'n [String],
    count: usize,
}

impl<'n> Changes<'n> {
    fn new(format: DiffFormat, names: &'n [String]) -> Self {
        Changes {
            format,
            names,
            count: 0,
        }
    }

    fn change(&mut self, out: &mut dyn Write, change: &RecordChange) -> std::io::Result<()> {
        self.count += 1;
        match self.format {
            DiffFormat::Html => Ok(()),
            DiffFormat::Json => {
                out.write_all(if self.count == 1 { b"{\"changes\":[\n" } else { b",\n" })?;
                write!(out, "{}", change_json(change, self.names))
            }
            DiffFormat::Csv => {
                if self.count == 1 {
                    self.csv_header(out)?;
                }
                let mut cells = vec![
                    change.id.clone().unwrap_or_default(),
                    change.line.to_string(),
                    verdict(change.qualifying.0),
                    verdict(change.qualifying.1),
                ];
                for r in &change.rewards {
                    cells.extend([amount(r.before), amount(r.after), r.delta().to_string()]);
                }
                csv_row(out, &cells)
            }
            DiffFormat::Table => {
                if self.count == 1 {
                    writeln!(out, "changed records (before → after):")?;
                }
                let mut parts = vec![format!(
                    "{}: {} → {}",
                    shown(change.id.as_deref().unwrap_or("?")),
                    verdict(change.qualifying.0),
                    verdict(change.qualifying.1)
                )];
                for (name, r) in self.names.iter().zip(&change.rewards) {
                    if r.before != r.after {
                        parts.push(format!(
                            "{}: {} → {} ({})",
                            shown(name),
                            amount(r.before),
                            amount(r.after),
                            signed(r.delta())
                        ));
                    }
                }
                writeln!(out, "  {}", parts.join("; "))
            }
        }
    }

    fn csv_header(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut header: Vec<String> = ["id", "line", "before", "after"].map(str::to_owned).to_vec();
        for name in self.names {
            header.extend([
                format!("{name}_before"),
                format!("{name}_after"),
                format!("{name}_delta"),
            ]);
        }
        csv_row(out, &header)
    }

    fn finish(&mut self, out: &mut dyn Write, tally: &DiffTally<'_>) -> std::io::Result<()> {
        let totals = tally.to_json();
        match self.format {
            DiffFormat::Html => out.write_all(html::diff_page(&totals).as_bytes()),
            DiffFormat::Csv if self.count == 0 => self.csv_header(out),
            DiffFormat::Csv => Ok(()),
            DiffFormat::Json => {
                let text = pretty(&totals);
                let rest = text.strip_prefix('{').unwrap_or(&text);
                if self.count == 0 {
                    write!(out, "{{\"changes\":[],{rest}")?;
                } else {
                    write!(out, "\n],{rest}")?;
                }
                writeln!(out)
            }
            DiffFormat::Table => {
                if self.count > 0 {
                    writeln!(out)?;
                }
                write_totals(out, &totals)
            }
        }
    }
}

/// The totals of a diff as aligned text.
fn write_totals(out: &mut dyn Write, totals: &serde_json::Value) -> std::io::Result<()> {
    let records = &totals["records"];
    if let Some(records) = records.as_object() {
        writeln!(out, "records:")?;
        let width = records.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        for (k, v) in records {
            writeln!(out, "  {:width$}  {v}", k.replace('_', " "))?;
        }
    }
    let plural = if totals["fees"].is_array() { "fees" } else { "rewards" };
    let mut rows: Vec<[String; 5]> = vec![[
        "".into(),
        "unit".into(),
        "before".into(),
        "after".into(),
        "change".into(),
    ]];
    for item in totals[plural].as_array().into_iter().flatten() {
        rows.push([
            text(&item["name"]),
            text(&item["unit"]),
            text(&item["before"]),
            text(&item["after"]),
            item["delta"].as_str().map_or("unit changed".into(), signed_text),
        ]);
    }
    for total in totals["totals"].as_array().into_iter().flatten() {
        rows.push([
            "total".into(),
            text(&total["unit"]),
            text(&total["before"]),
            text(&total["after"]),
            signed_text(total["delta"].as_str().unwrap_or("0")),
        ]);
    }
    writeln!(out, "{plural}:")?;
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (s, w))| if c >= 2 { format!("{s:>w$}") } else { format!("{s:w$}") })
            .collect();
        writeln!(out, "  {}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// One changed record as compact JSON.
fn change_json(change: &RecordChange, names: &[String]) -> serde_json::Value {
    let mut rewards = serde_json::Map::new();
    for (name, r) in names.iter().zip(&change.rewards) {
        if r.before == r.after && r.by_period.is_empty() {
            continue;
        }
        let mut entry = serde_json::json!({
            "before": r.before.map(|d| d.to_string()),
            "after": r.after.map(|d| d.to_string()),
            "delta": r.delta().to_string(),
        });
        if !r.by_period.is_empty() {
            let periods: serde_json::Map<String, serde_json::Value> = r
                .by_period
                .iter()
                .map(|(k, b, a)| {
                    (
                        k.clone(),
                        serde_json::json!({"before": b.to_string(), "after": a.to_string()}),
                    )
                })
                .collect();
            if let Some(entry) = entry.as_object_mut() {
                entry.insert("by_period".into(), serde_json::Value::Object(periods));
            }
        }
        rewards.insert(name.clone(), entry);
    }
    let mut object = serde_json::json!({
        "line": change.line,
        "id": change.id,
        "before": change.qualifying.0,
        "after": change.qualifying.1,
        "changed": rewards,
    });
    for (key, error) in [("error_before", &change.errors.0), ("error_after", &change.errors.1)] {
        if let (Some(e), Some(object)) = (error, object.as_object_mut()) {
            object.insert(key.into(), serde_json::json!(e));
        }
    }
    object
}

fn verdict(v: Option<bool>) -> String {
    match v {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => "failed".into(),
    }
}

fn amount(a: Option<Decimal>) -> String {
    a.map_or_else(|| "–".into(), |d| d.to_string())
}

fn signed(d: Decimal) -> String {
    signed_text(&d.to_string())
}

/// A change with its sign: `+5`, `-3`, `0`.
fn signed_text(d: &str) -> String {
    if d.starts_with('-') || d.chars().all(|c| c == '0' || c == '.') {
        d.to_owned()
    } else {
        format!("+{d}")
    }
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// One CSV row (quoted where needed).
fn csv_row(out: &mut dyn Write, cells: &[String]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(cells).map_err(std::io::Error::other)?;
    writer.flush()
}
