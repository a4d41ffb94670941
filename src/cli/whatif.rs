//! What `report`, `diff` and `sweep` share: the facts and run options, the inputs of a
//! campaign, the sources of records and the output.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Termination;
use super::evaluate::{FactReading, capped_to_input, is_columnar, is_stdin, parse_jobs, set_reference};
use super::output::{Output, write_failed};
use super::tables::{self, TableArgs};
use crate::batch::{Batch, RecordSource};
use crate::facts::join::JoinPlan;
use crate::facts::{Decoding, Format, LineParser, ReadOptions, UndeclaredFields};
use crate::program::Program;
use crate::program::inputs::Inputs;
use crate::report::{shown, shown_path};

/// The facts and how to evaluate them (options of `report`, `diff` and `sweep`).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The fact file (as for `evaluate`: .json, .ndjson/.jsonl, .csv, .xlsx, .parquet or
    /// .arrow); `-` reads standard input (with --facts-format).
    #[arg(long)]
    pub facts: PathBuf,
    #[command(flatten)]
    pub reading: FactReading,
    #[command(flatten)]
    pub tables: TableArgs,
    /// The evaluation's reference time, for campaigns that use `as_of`.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// A holiday calendar for the business-day functions.
    #[arg(long, value_name = "FILE")]
    pub holidays: Option<PathBuf>,
    /// How many evaluation steps one record may take before it fails (default 100000000).
    #[arg(long, value_name = "N")]
    pub work_limit: Option<String>,
    /// Evaluate on this many threads, 1 to 256 (default: every core). Output is identical for
    /// any number.
    #[arg(long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// Write to FILE instead of standard output (written whole, then renamed into place).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not print the summary line on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Prints `message` as an error and ends with a usage error.
pub fn usage(message: &str) -> Termination {
    say!("error: {message}");
    Termination::Usage
}

/// The inputs of `program`: its defaults, then `params` (NAME=VALUE) in order, the reference
/// time, the holidays and the work limit of `run`.
pub fn inputs(program: &Program, params: &[&String], run: &RunArgs) -> Result<Inputs, String> {
    let mut inputs = Inputs::defaults(program);
    for assignment in params {
        inputs
            .set(program, assignment)
            .map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;
    }
    inputs
        .check_tables(program)
        .map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;
    set_reference(program, &mut inputs, run.as_of.as_ref(), run.holidays.as_ref())?;
    if let Some(limit) = &run.work_limit {
        inputs.work_limit = crate::program::inputs::parse_work_limit(limit)
            .map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;
    }
    Ok(inputs)
}

/// The fact file's format and decoding, and its size when it is a regular file.
pub struct Facts {
    pub format: Format,
    decoding: Decoding,
    bytes: Option<u64>,
    reading: ReadOptions,
}

impl Facts {
    /// Checks the fact options of `run`.
    pub fn new(run: &RunArgs) -> Result<Facts, String> {
        let format = run.reading.format(&run.facts)?;
        if run.facts.is_dir() && format != Format::Parquet {
            return Err(format!(
                "the facts `{}` are a folder\n  help: give one fact file, a folder of Parquet parts, or `-` for standard input",
                shown_path(&run.facts)
            ));
        }
        let decoding = run.reading.decoding(format)?;
        let bytes = std::fs::metadata(&run.facts)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        let reading = ReadOptions {
            strict: run.reading.strict(),
            undeclared: UndeclaredFields::default(),
        };
        Ok(Facts {
            format,
            decoding,
            bytes,
            reading,
        })
    }

    /// Whether the records of two campaigns of these schemas can come from one read: raw
    /// NDJSON lines (each parses its own facts), or the same declared facts.
    pub fn shared(&self, a: &Program, b: &Program) -> bool {
        self.format == Format::Ndjson || a.schema == b.schema
    }

    /// Opens the facts for `program`'s schema.
    pub fn open<'a>(
        &'a self,
        program: &'a Program,
        run: &'a RunArgs,
        plan: &'a mut Option<JoinPlan<'a>>,
    ) -> Result<Box<dyn RecordSource + 'a>, Termination> {
        let facts_name = shown_path(&run.facts);
        let input: Box<dyn std::io::Read> = if is_stdin(&run.facts) {
            Box::new(std::io::stdin().lock())
        } else {
            match File::open(&run.facts) {
                Ok(f) => Box::new(f),
                Err(e) => return Err(usage(&format!("cannot read the facts `{facts_name}`: {e}"))),
            }
        };
        let decoded = if self.format == Format::Xlsx || is_columnar(self.format) {
            Ok(crate::facts::Opened {
                reader: input,
                note: None,
            })
        } else {
            self.decoding.open(input)
        };
        let opened = match decoded {
            Ok(opened) => opened,
            Err(e) => {
                say!("error: {facts_name}: {}", shown(&e.message));
                return Err(Termination::Failure);
            }
        };
        if let Some(note) = &opened.note {
            say!("note: {facts_name}: {}", shown(note));
        }
        let facts = tables::Opened {
            format: self.format,
            input: opened.reader,
            path: &run.facts,
            reading: &self.reading,
        };
        tables::open(&program.schema, facts, &run.tables, plan).map_err(|refusal| refusal.report())
    }

    /// A batch of `program` with `inputs`, on the threads `run` asks for.
    pub fn batch<'p>(&'p self, program: &'p Program, inputs: Inputs, run: &RunArgs) -> Batch<'p> {
        let threads = run
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        Batch::new(program, inputs)
            .threads(capped_to_input(threads, self.bytes))
            .parser(LineParser::with_options(&program.schema, &self.reading))
    }
}

/// Writes to standard output or, with `path`, atomically to a file: `write` writes it all.
pub fn write_all(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Termination {
    let mut output = match Output::open(path) {
        Ok(o) => o,
        Err(message) => return usage(&message),
    };
    let (what, on_stdout) = (output.describe(), output.is_stdout());
    let written = write(&mut output).and_then(|()| output.commit());
    match written {
        Ok(()) => Termination::Success,
        Err(e) => write_failed(&e, &what, on_stdout),
    }
}

/// The summary line of a run on stderr (unless quiet), and the exit code: 1 when records
/// failed.
pub fn finish(run: &RunArgs, written: Termination, failed: usize, line: &str) -> Termination {
    if written != Termination::Success {
        return written;
    }
    if !run.quiet {
        say!("{line}");
    }
    if failed > 0 {
        Termination::Failure
    } else {
        Termination::Success
    }
}
