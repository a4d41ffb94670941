//! `campaign evaluate POLICY --facts FILE`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::Termination;
use super::progress::{self, Progress};
use super::render::graphical;
use crate::batch::{self, Batch, Explain, Failure, Row, Sink};
use crate::diagnostics::SourceFile;
use crate::facts::Format;
use crate::program::Program;
use crate::program::inputs::Inputs;
use crate::report::{self, Writer, sanitize};
use crate::time::parse_time;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultFormat {
    /// A JSON array of result objects.
    Json,
    /// One result object per line.
    Ndjson,
    /// A CSV table: one row per record.
    Csv,
    /// An aligned table for people.
    Table,
}

/// Arguments of `campaign evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The campaign file.
    policy: PathBuf,
    /// The fact file: .json (an object or an array), .ndjson/.jsonl, or .csv (flat campaigns only).
    #[arg(long)]
    facts: PathBuf,
    /// How to write results.
    #[arg(long, value_enum, default_value_t = ResultFormat::Ndjson)]
    format: ResultFormat,
    /// Override a parameter declared in the campaign: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The evaluation's reference time, for campaigns that use `as_of` (rolling look-backs):
    /// RFC 3339 (`2024-09-01T00:00:00+08:00`) or a local time in the campaign's zone (`2024-09-01 00:00`).
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// A holiday calendar for `business_days_between`: one date (YYYY-MM-DD) per line, `#` comments.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
    /// How many evaluation steps (list items and periods gone through) one record may take
    /// before it fails (default 100000000).
    #[arg(long, value_name = "N")]
    work_limit: Option<String>,
    /// Evaluate on this many threads (default: every core). Output is identical for any number.
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Stop after this many records failed to read or evaluate.
    #[arg(long, value_name = "N")]
    max_errors: Option<usize>,
    /// Explain each result: conditions with actual values, what would qualify, which list
    /// items counted, the reward arithmetic and budget outcome (json/ndjson: an
    /// `explanation` field; table: text).
    #[arg(long)]
    explain: bool,
    /// Do not print the summary on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Only this record (used by `campaign explain`).
    #[arg(skip)]
    only_id: Option<String>,
}

/// Arguments of `campaign explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The campaign file.
    policy: PathBuf,
    /// The fact file holding the record (all of it is read: budgets depend on every record).
    #[arg(long)]
    facts: PathBuf,
    /// The id of the record to explain.
    #[arg(long)]
    id: String,
    /// Text for people, or JSON.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    format: ExplainFormat,
    /// Override a parameter declared in the campaign: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The evaluation's reference time, for campaigns that use `as_of`.
    #[arg(long, value_name = "TIME")]
    as_of: Option<String>,
    /// A holiday calendar for `business_days_between`.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
    /// How many evaluation steps one record may take before it fails (default 100000000).
    #[arg(long, value_name = "N")]
    work_limit: Option<String>,
}

/// How `campaign explain` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Text for people.
    Text,
    /// One JSON object: the result with its `explanation`.
    Json,
}

/// Runs `campaign explain`: `evaluate --explain` for one record.
pub fn run_explain(args: &ExplainArgs) -> Termination {
    let evaluate = EvaluateArgs {
        policy: args.policy.clone(),
        facts: args.facts.clone(),
        format: match args.format {
            ExplainFormat::Text => ResultFormat::Table,
            ExplainFormat::Json => ResultFormat::Ndjson,
        },
        params: args.params.clone(),
        explain: true,
        quiet: true,
        as_of: args.as_of.clone(),
        holidays: args.holidays.clone(),
        work_limit: args.work_limit.clone(),
        jobs: None,
        max_errors: None,
        only_id: Some(args.id.clone()),
    };
    run(&evaluate)
}

/// Sets the reference time and holiday calendar a campaign needs, refusing to run without them.
fn set_reference(program: &Program, inputs: &mut Inputs, args: &EvaluateArgs) -> Result<(), String> {
    match &args.as_of {
        Some(text) => {
            let t = parse_time(text, program.timezone).ok_or_else(|| {
                format!("`{text}` is not a time\n  help: write `--as-of 2024-09-01T00:00:00+08:00` or `--as-of \"2024-09-01 00:00\"`")
            })?;
            inputs.as_of = Some(t);
        }
        None if program.uses_as_of => {
            return Err("this campaign reads the evaluation time `as_of`, which was not given\n  help: add `--as-of 2024-09-01T00:00:00+08:00` (the reference time is never taken from the clock)".into());
        }
        None => {}
    }
    match &args.holidays {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the holidays `{}`: {e}", path.display()))?;
            let mut days = std::collections::BTreeSet::new();
            for (n, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("").trim();
                if line.is_empty() {
                    continue;
                }
                let day = chrono::NaiveDate::parse_from_str(line, "%Y-%m-%d").map_err(|_| {
                    format!(
                        "{}:{}: `{line}` is not a date\n  help: write one date per line as YYYY-MM-DD",
                        path.display(),
                        n + 1
                    )
                })?;
                days.insert(day);
            }
            inputs.holidays = Some(days);
        }
        None if program.uses_business_days => {
            return Err("this campaign counts business days, but no holiday calendar was given\n  help: add `--holidays holidays.txt` (one YYYY-MM-DD per line; an empty file means no holidays)".into());
        }
        None => {}
    }
    Ok(())
}

/// Runs `campaign evaluate`.
pub fn run(args: &EvaluateArgs) -> Termination {
    let program = match load(&args.policy) {
        Ok(program) => program,
        Err(t) => return t,
    };
    let inputs = match inputs(&program, args) {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("error: {message}");
            return Termination::Usage;
        }
    };
    let Some(format) = Format::from_path(&args.facts) else {
        eprintln!(
            "error: cannot tell the format of `{}` from its extension\n  help: name the file .json, .ndjson, .jsonl or .csv",
            args.facts.display()
        );
        return Termination::Usage;
    };
    let file = match File::open(&args.facts) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: cannot read the facts `{}`: {e}", args.facts.display());
            return Termination::Usage;
        }
    };
    evaluate(args, &program, inputs, format, file)
}

/// Reads and checks the campaign, printing its diagnostics if it has errors.
fn load(policy: &Path) -> Result<Program, Termination> {
    let text = match std::fs::read_to_string(policy) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read the campaign `{}`: {e}", policy.display());
            return Err(Termination::Usage);
        }
    };
    // The command line runs on a large stack already (see `cli::main`).
    let checked = crate::check::check_here(&text);
    let file = SourceFile::new(policy.display().to_string(), text);
    let colour = super::render::colour_on_stderr();
    let Some(program) = checked.program else {
        for d in &checked.diagnostics {
            eprint!("{}", graphical(d, &file, colour));
        }
        eprintln!(
            "error: the campaign `{}` has errors; nothing was evaluated",
            policy.display()
        );
        return Err(Termination::Failure);
    };
    Ok(program)
}

/// The run inputs from the arguments (parameters, reference time, holidays),
/// after checking the options that go together.
fn inputs(program: &Program, args: &EvaluateArgs) -> Result<Inputs, String> {
    let mut inputs = Inputs::defaults(program);
    for assignment in &args.params {
        inputs
            .set(program, assignment)
            .map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;
    }
    set_reference(program, &mut inputs, args)?;
    if let Some(limit) = &args.work_limit {
        inputs.work_limit = crate::program::inputs::parse_work_limit(limit)
            .map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;
    }
    if args.explain && args.format == ResultFormat::Csv {
        return Err("`--explain` works with `--format table`, `json` or `ndjson`, not `csv`".into());
    }
    if args.max_errors == Some(0) {
        return Err("`--max-errors` must be at least 1".into());
    }
    Ok(inputs)
}

/// Evaluates the facts in `file` and writes the results on standard output,
/// failures and the summary on standard error.
fn evaluate(args: &EvaluateArgs, program: &Program, inputs: Inputs, format: Format, file: File) -> Termination {
    let results = match args.format {
        ResultFormat::Json => report::Format::Json,
        ResultFormat::Ndjson => report::Format::Ndjson,
        ResultFormat::Csv => report::Format::Csv,
        ResultFormat::Table => report::Format::Table,
    };
    // Progress on stderr (see cli::progress): published per chunk, cleared before other stderr lines.
    let options = progress::Options {
        quiet: args.quiet,
        whole_input_first: format == Format::Json,
        results_at_end: results == report::Format::Table && !args.explain,
    };
    let progress = Progress::start(&file, options);
    let mut source = match batch::open(&program.schema, format, file) {
        Ok(source) => source,
        Err(e) => {
            progress.finish(0);
            let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            eprintln!("error: {}{at}: {}", args.facts.display(), e.message);
            if let Some(help) = &e.help {
                eprintln!("  help: {help}");
            }
            return Termination::Failure;
        }
    };
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let explain = match (&args.only_id, args.explain) {
        (_, false) => Explain::Nothing,
        (Some(id), true) => Explain::Only(id.clone()),
        (None, true) => Explain::Every,
    };
    let mut batch = Batch::new(program, inputs).threads(threads).explain(explain);
    if results.is_json() {
        // The workers encode the result objects.
        batch = batch.prepare(move |row| report::encode(program, row));
    }
    let stdout = std::io::stdout();
    let mut sink = Results {
        writer: Writer::new(results, program, BufWriter::with_capacity(1 << 16, stdout.lock())),
        stats: Stats::default(),
        file: args.facts.display().to_string(),
        quiet: args.quiet,
        only_id: args.only_id.as_deref(),
        found: false,
        write_failed: false,
        max_errors: args.max_errors,
        progress: &progress,
    };
    let summary = batch.run(&mut source, &mut sink, &progress);
    progress.finish(sink.stats.read);
    if sink.writer.finish().is_err() || sink.write_failed {
        eprintln!("error: could not write the results");
        return Termination::Failure;
    }
    if summary.stopped {
        // A campaign that needs the whole population has read every record before writing any.
        let later = if batch.needs_population() {
            "later records were read but no results were written for them"
        } else {
            "later records were not read"
        };
        eprintln!(
            "error: stopped at line {} after {} failed records (--max-errors {}); {later}",
            sink.stats.last_line,
            sink.stats.failed,
            args.max_errors.unwrap_or(0)
        );
    }
    if let Some(wanted) = &args.only_id
        && !sink.found
    {
        eprintln!("error: no record with id `{wanted}` in `{}`", args.facts.display());
        return Termination::Failure;
    }
    if !args.quiet {
        eprintln!("{}", sink.stats.summary());
    }
    if sink.stats.failed > 0 {
        Termination::Failure
    } else {
        Termination::Success
    }
}

/// How many failed records are listed on stderr before the rest are only counted.
const LISTED_FAILURES: usize = 20;

/// Where the rows go: filtered by id for `campaign explain`, counted, failures
/// listed on stderr, written on stdout; stops the run after `--max-errors`.
struct Results<'a, W: Write> {
    writer: Writer<'a, W>,
    stats: Stats,
    /// The fact file's name, for the failure lines on stderr.
    file: String,
    quiet: bool,
    only_id: Option<&'a str>,
    found: bool,
    write_failed: bool,
    max_errors: Option<usize>,
    /// Cleared around the failure lines.
    progress: &'a Progress,
}

impl<W: Write> Sink for Results<'_, W> {
    fn row(&mut self, row: Row) -> ControlFlow<()> {
        if let Some(wanted) = self.only_id {
            if row.id() != Some(wanted) {
                return ControlFlow::Continue(());
            }
            self.found = true;
        }
        self.stats.count(&row);
        if let Row::Failed(f) = &row
            && !self.quiet
        {
            self.list(f);
        }
        if self.writer.row(&row).is_err() {
            self.write_failed = true;
        }
        if self.max_errors.is_some_and(|max| self.stats.failed >= max) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl<W: Write> Results<'_, W> {
    /// Lists a failed record on stderr (the first few; then says that there are more).
    fn list(&self, f: &Failure) {
        if self.stats.failed <= LISTED_FAILURES {
            let at = match f.column {
                Some(c) => format!("{}:{}:{c}", self.file, f.line),
                None => format!("{}:{}", self.file, f.line),
            };
            let id =
                f.id.as_deref()
                    .map(|i| format!(" (record `{}`)", sanitize(i)))
                    .unwrap_or_default();
            self.progress
                .suspend(|| eprintln!("error: {at}{id}: {}", sanitize(&f.error)));
        } else if self.stats.failed == LISTED_FAILURES + 1 {
            self.progress
                .suspend(|| eprintln!("error: more records failed; each has an error object in the results"));
        }
    }
}

/// What the summary line counts.
#[derive(Debug, Default)]
struct Stats {
    read: usize,
    last_line: usize,
    eligible: usize,
    not_eligible: usize,
    failed: usize,
}

impl Stats {
    fn count(&mut self, row: &Row) {
        self.read += 1;
        match row {
            Row::Evaluated(e) if e.outcome.eligible => self.eligible += 1,
            Row::Evaluated(_) => self.not_eligible += 1,
            Row::Failed(f) => {
                self.last_line = self.last_line.max(f.line);
                self.failed += 1;
            }
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} records read: {} eligible, {} not eligible, {} failed ({} results + {} errors = {} records)",
            self.read,
            self.eligible,
            self.not_eligible,
            self.failed,
            self.eligible + self.not_eligible,
            self.failed,
            self.read
        )
    }
}
