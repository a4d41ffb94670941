//! `campaign evaluate POLICY --facts FILE`.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::Termination;
use super::output::{Output, write_failed};
use super::progress::{self, Progress};
use super::render::graphical;
use super::tables::{self, TableArgs};
use crate::batch::{Batch, Explain, Failure, Row, Sink};
use crate::diagnostics::SourceFile;
use crate::facts::{Decoding, Format, LineParser, ReadOptions, UndeclaredFields};
use crate::program::inputs::Inputs;
use crate::program::{OutputKind, Program};
use crate::report::parquet::ParquetResults;
use crate::report::{self, TableOptions, Writer, shown, shown_path};
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
    /// A Parquet file, with `-o FILE` (columns: docs/cli.md, "Parquet results").
    Parquet,
}

/// Arguments of `campaign evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The campaign file.
    policy: PathBuf,
    /// The fact file: .json (an object or an array), .ndjson/.jsonl, .csv or .xlsx (flat
    /// records; lists with --list), .parquet (or a folder of Parquet parts) or .arrow;
    /// `-` reads standard input (with --facts-format).
    #[arg(long)]
    facts: PathBuf,
    #[command(flatten)]
    reading: FactReading,
    #[command(flatten)]
    tables: TableArgs,
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
    /// A holiday calendar for the business-day functions: one date (YYYY-MM-DD) per line, `YYYY-MM-DD
    /// workday` for a weekend working day, `#` comments.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
    /// How many evaluation steps (list items and periods gone through) one record may take
    /// before it fails (default 100000000).
    #[arg(long, value_name = "N")]
    work_limit: Option<String>,
    /// Evaluate on this many threads, 1 to 256 (default: every core). Output is identical for
    /// any number.
    #[arg(long, value_name = "N", value_parser = parse_jobs)]
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
    /// Write the results to FILE instead of standard output (written whole, then renamed into
    /// place: never left cut short).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// In `--format table`, show every decimal place (long decimals are otherwise cut after
    /// six places, marked `…`).
    #[arg(long)]
    full_numbers: bool,
    /// Only this record (used by `campaign explain`).
    #[arg(skip)]
    only_id: Option<String>,
}

/// How the fact file is read (options of `evaluate` and `explain`).
#[derive(Debug, Clone, Args)]
pub struct FactReading {
    /// The fact file's format, instead of telling it from the extension (required with `--facts -`).
    #[arg(long, value_enum, value_name = "FORMAT")]
    facts_format: Option<FactsFormat>,
    /// The fact file's text encoding, any WHATWG label (`gb18030`, `gbk`, `utf-16le`, `shift_jis`...);
    /// default UTF-8 (a UTF-16 byte order mark is followed, and said).
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Make every field the campaign does not declare an error for its record (otherwise ignored,
    /// with a warning for those that look like a declared fact).
    #[arg(long)]
    strict_facts: bool,
}

/// A fact file format named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FactsFormat {
    /// One JSON object, or an array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A header row, then one record per row.
    Csv,
    /// An Excel workbook (read whole: its directory is at its end).
    Xlsx,
    /// A Parquet file, or a folder of Parquet part files.
    Parquet,
    /// An Arrow IPC file (Feather v2).
    Arrow,
}

impl FactReading {
    /// The format of the facts at `path`: named, or told by its extension.
    pub(super) fn format(&self, path: &Path) -> Result<Format, String> {
        match self.facts_format {
            Some(FactsFormat::Json) => Ok(Format::Json),
            Some(FactsFormat::Ndjson) => Ok(Format::Ndjson),
            Some(FactsFormat::Csv) => Ok(Format::Csv),
            Some(FactsFormat::Xlsx) => Ok(Format::Xlsx),
            Some(FactsFormat::Parquet) => Ok(Format::Parquet),
            Some(FactsFormat::Arrow) => Ok(Format::Arrow),
            None if is_stdin(path) => Err(
                "reading facts from standard input (`--facts -`) needs their format\n  help: add `--facts-format ndjson` (or `json`, `csv`)".into(),
            ),
            // A folder of facts is a folder of Parquet parts (Spark names them `x.parquet/` or not).
            None if path.is_dir() && matches!(Format::from_path(path), None | Some(Format::Parquet)) => {
                Ok(Format::Parquet)
            }
            None => Format::from_path(path).ok_or_else(|| {
                format!(
                    "cannot tell the format of `{}` from its extension\n  help: name the file .json, .ndjson, .jsonl, .csv, .xlsx, .parquet or .arrow, or add `--facts-format ndjson` (or `json`, `csv`, `xlsx`, `parquet`, `arrow`)",
                    shown_path(path)
                )
            }),
        }
    }
}

impl FactReading {
    /// How the text of a fact file of `format` is decoded (`--encoding`, refused for binary formats).
    pub(super) fn decoding(&self, format: Format) -> Result<Decoding, String> {
        match &self.encoding {
            Some(_) if format == Format::Xlsx => {
                Err("--encoding names the encoding of a text file; an .xlsx workbook has its own".into())
            }
            Some(_) if is_columnar(format) => {
                Err("--encoding names the encoding of a text file; Parquet and Arrow files hold UTF-8 strings".into())
            }
            Some(label) => Decoding::named(label).map_err(|message| format!("--encoding: {}", shown(&message))),
            None => Ok(Decoding::detect()),
        }
    }

    /// Whether undeclared fields are errors (`--strict-facts`).
    pub(super) fn strict(&self) -> bool {
        self.strict_facts
    }
}

/// Whether `format` is a binary columnar format (read by columns, not decoded as text).
pub(super) fn is_columnar(format: Format) -> bool {
    matches!(format, Format::Parquet | Format::Arrow)
}

/// Whether `--facts` names standard input.
pub(super) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Arguments of `campaign explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The campaign file.
    policy: PathBuf,
    /// The fact file holding the record (all of it is read: budgets depend on every record);
    /// `-` reads standard input (with --facts-format).
    #[arg(long)]
    facts: PathBuf,
    #[command(flatten)]
    reading: FactReading,
    #[command(flatten)]
    tables: TableArgs,
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
    /// A holiday calendar for the business-day functions.
    #[arg(long, value_name = "FILE")]
    holidays: Option<PathBuf>,
    /// Write the explanation to FILE instead of standard output (written whole, then renamed
    /// into place).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// How many evaluation steps one record may take before it fails (default 100000000).
    #[arg(long, value_name = "N")]
    work_limit: Option<String>,
}

/// The most threads `--jobs` accepts: beyond it threads only cost memory (each has a large
/// stack) and time to start.
pub const MAX_JOBS: usize = 256;

/// Parses `--jobs`: a whole number from 1 to [`MAX_JOBS`].
pub(super) fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number of threads from 1 to {MAX_JOBS}")),
    }
}

/// Bytes of fact file per thread worth starting: a smaller file is evaluated in less time
/// than threads take to start.
const BYTES_PER_THREAD: u64 = 4096;

/// The threads worth starting for an input of `bytes` (a regular file; unknown for a pipe):
/// at most one per [`BYTES_PER_THREAD`], at least one.
pub(super) fn capped_to_input(threads: usize, bytes: Option<u64>) -> usize {
    match bytes {
        Some(bytes) => threads.min(usize::try_from(bytes / BYTES_PER_THREAD).unwrap_or(usize::MAX).max(1)),
        None => threads,
    }
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
        tables: args.tables.clone(),
        format: match args.format {
            ExplainFormat::Text => ResultFormat::Table,
            ExplainFormat::Json => ResultFormat::Ndjson,
        },
        reading: args.reading.clone(),
        params: args.params.clone(),
        explain: true,
        quiet: true,
        as_of: args.as_of.clone(),
        holidays: args.holidays.clone(),
        work_limit: args.work_limit.clone(),
        jobs: None,
        max_errors: None,
        output: args.output.clone(),
        full_numbers: false,
        only_id: Some(args.id.clone()),
    };
    run(&evaluate)
}

/// Sets the reference time and holiday calendar a campaign needs, refusing to run without them.
pub(super) fn set_reference(
    program: &Program,
    inputs: &mut Inputs,
    as_of: Option<&String>,
    holidays: Option<&PathBuf>,
) -> Result<(), String> {
    match as_of {
        Some(text) => {
            let t = parse_time(text, program.timezone).map_err(|why| {
                crate::program::inputs::not_a_time(text, program.timezone, &why, "--as-of ").to_string()
            })?;
            inputs.as_of = Some(t);
        }
        None if program.uses_as_of => {
            return Err("this campaign reads the evaluation time `as_of`, which was not given\n  help: add `--as-of 2024-09-01T00:00:00+08:00` (the reference time is never taken from the clock)".into());
        }
        None => {}
    }
    match holidays {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the holidays `{}`: {e}", shown_path(path)))?;
            let days = crate::program::inputs::parse_holiday_file(&text).map_err(|e| {
                format!(
                    "{}:{}: {}\n  help: write one date per line as YYYY-MM-DD, and a weekend working day as `YYYY-MM-DD workday`",
                    shown_path(path),
                    e.line,
                    shown(&e.message)
                )
            })?;
            inputs.holidays = Some(days);
        }
        None if program.uses_business_days => {
            return Err("this campaign counts business days, but no holiday calendar was given\n  help: add `--holidays holidays.txt` (one YYYY-MM-DD per line, `YYYY-MM-DD workday` for a weekend working day; an empty file means no holidays)".into());
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
            say!("error: {message}");
            return Termination::Usage;
        }
    };
    let format = match args.reading.format(&args.facts) {
        Ok(format) => format,
        Err(message) => {
            say!("error: {message}");
            return Termination::Usage;
        }
    };
    if args.facts.is_dir() && format != Format::Parquet {
        say!(
            "error: the facts `{}` are a folder\n  help: give one fact file (.json, .ndjson, .jsonl, .csv, .xlsx, .parquet or .arrow), a folder of Parquet parts, or `-` for standard input",
            shown_path(&args.facts)
        );
        return Termination::Usage;
    }
    let decoding = match args.reading.decoding(format) {
        Ok(decoding) => decoding,
        Err(message) => {
            say!("error: {message}");
            return Termination::Usage;
        }
    };
    if is_stdin(&args.facts) {
        return evaluate(args, &program, inputs, (format, decoding), None);
    }
    let file = match File::open(&args.facts) {
        Ok(f) => f,
        Err(e) => {
            say!("error: cannot read the facts `{}`: {e}", shown_path(&args.facts));
            return Termination::Usage;
        }
    };
    evaluate(args, &program, inputs, (format, decoding), Some(file))
}

/// Reads and checks the campaign, printing its diagnostics if it has errors.
pub(super) fn load(policy: &Path) -> Result<Program, Termination> {
    let text = match super::read::text(policy, super::read::CAMPAIGN_LIMIT) {
        Ok(t) => t,
        Err(super::read::ReadError::Unreadable(message)) => {
            say!("error: {message}");
            return Err(Termination::Usage);
        }
        Err(super::read::ReadError::Refused(message) | super::read::ReadError::TooLarge(message, _)) => {
            say!("error: {message}");
            return Err(Termination::Failure);
        }
    };
    // The command line runs on a large stack already (see `cli::main`).
    let checked = crate::check::check_here(&text);
    let file = SourceFile::new(policy.display().to_string(), text);
    let colour = super::render::colour_on_stderr();
    let Some(program) = checked.program else {
        for d in &checked.diagnostics {
            say_raw!("{}", graphical(d, &file, colour));
        }
        say!(
            "error: the campaign `{}` has errors; nothing was evaluated",
            shown_path(policy)
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
    inputs
        .check_tables(program)
        .map_err(|e| format!("{}\n  help: {}", e.message, e.help))?;
    set_reference(program, &mut inputs, args.as_of.as_ref(), args.holidays.as_ref())?;
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
    if args.format == ResultFormat::Parquet && args.output.as_deref().is_none_or(|o| o.as_os_str() == "-") {
        return Err(
            "`--format parquet` writes a binary file, not text for standard output\n  help: add `-o results.parquet`"
                .into(),
        );
    }
    Ok(inputs)
}

/// Evaluates the facts in `file` (standard input for `None`), read as
/// `format` in the encoding `decoding` tells, and writes the results on
/// standard output, failures and the summary on standard error.
fn evaluate(
    args: &EvaluateArgs,
    program: &Program,
    inputs: Inputs,
    (format, decoding): (Format, Decoding),
    file: Option<File>,
) -> Termination {
    let results = report_format(args.format);
    // Progress on stderr (see cli::progress): published per chunk, cleared before other stderr lines.
    let output = match Output::open(args.output.as_deref()) {
        Ok(o) => o,
        Err(message) => {
            say!("error: {message}");
            return Termination::Usage;
        }
    };
    let (what, on_stdout) = (output.describe(), output.is_stdout());
    let input_bytes = file
        .as_ref()
        .and_then(|file| file.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    let progress = start_progress(args, format, file.as_ref(), on_stdout);
    let input: Box<dyn std::io::Read> = match file {
        Some(file) => Box::new(file),
        None => Box::new(std::io::stdin().lock()),
    };
    let facts_name = if is_stdin(&args.facts) {
        "standard input".to_owned()
    } else {
        shown_path(&args.facts)
    };
    let file_error = |e: crate::facts::FileError| {
        progress.finish(0);
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        say!("error: {facts_name}{at}: {}", shown(&e.message));
        if let Some(help) = &e.help {
            say!("  help: {}", shown(help));
        }
        Termination::Failure
    };
    let opened = match decoded(format, decoding, input) {
        Ok(opened) => opened,
        Err(e) => return file_error(e),
    };
    if let Some(note) = &opened.note {
        progress.suspend(|| say!("note: {facts_name}: {}", shown(note)));
    }
    let reading = ReadOptions {
        strict: args.reading.strict_facts,
        undeclared: UndeclaredFields::default(),
    };
    let mut join = None;
    let opened_facts = tables::Opened {
        format,
        input: opened.reader,
        path: &args.facts,
        reading: &reading,
    };
    let mut source = match tables::open(&program.schema, opened_facts, &args.tables, &mut join) {
        Ok(source) => source,
        Err(refusal) => {
            progress.finish(0);
            return refusal.report();
        }
    };
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let threads = capped_to_input(threads, input_bytes);
    let explain = explain_of(args);
    let mut batch = Batch::new(program, inputs)
        .threads(threads)
        .explain(explain)
        .parser(LineParser::with_options(&program.schema, &reading));
    if results.is_json() {
        // The workers encode the result objects.
        batch = batch.prepare(move |row| report::encode(program, row));
    }
    let table = TableOptions {
        width: table_width(on_stdout),
        full_numbers: args.full_numbers,
        hold: args.explain,
    };
    let writer = match results_writer(args.format, results, program, output, table) {
        Ok(writer) => writer,
        Err(message) => {
            progress.finish(0);
            say!("error: {}", shown(&message));
            return Termination::Usage;
        }
    };
    let mut sink = Results {
        writer,
        stats: Stats::default(),
        file: facts_name.clone(),
        quiet: args.quiet,
        only_id: args.only_id.as_deref(),
        found: false,
        write_error: None,
        max_errors: args.max_errors,
        progress: &progress,
    };
    let summary = batch.run(&mut source, &mut sink, &progress);
    // The CSV reader counts its undeclared columns when it is dropped.
    drop(source);
    progress.finish(sink.stats.read);
    for field in reading.undeclared.report(&program.schema) {
        say!("warning: {facts_name}: {}", shown(&field.message()));
    }
    let written = match sink.write_error.take() {
        Some(e) => Err(e),
        None => sink.writer.finish(),
    };
    if let Err(e) = written.and_then(|output| output.commit()) {
        // The results are incomplete: say so (unless the reader closed the pipe), never exit 0
        // with a file cut short.
        return write_failed(&e, &what, on_stdout);
    }
    // A campaign that needs the whole population has read every record before writing any.
    let stopped = summary.stopped.then(|| batch.needs_population());
    conclude(args, program, (&sink.stats, sink.found), stopped, &facts_name)
}

/// The progress line on stderr for the facts in `file`.
fn start_progress(args: &EvaluateArgs, format: Format, file: Option<&File>, on_stdout: bool) -> Progress {
    // The table streams after its first rows: only results going to a file keep standard
    // output quiet while the run lasts.
    let options = progress::Options {
        quiet: args.quiet,
        whole_input_first: matches!(format, Format::Json | Format::Xlsx)
            || is_stdin(&args.facts) && is_columnar(format),
        results_at_end: !on_stdout,
    };
    // The progress line follows the position in the file read; a columnar file is read through
    // a reader of its own (and a folder through several), so it has none.
    file.filter(|_| !is_columnar(format))
        .map_or_else(Progress::off, |file| Progress::start(file, options))
}

/// The facts' reader, decoded as `decoding` tells.
fn decoded<'r>(
    format: Format,
    decoding: Decoding,
    input: Box<dyn std::io::Read + 'r>,
) -> Result<crate::facts::Opened<'r>, crate::facts::FileError> {
    // A workbook is a zip archive of its own encoding, and columnar files are binary: only
    // text formats are decoded.
    if format == Format::Xlsx || is_columnar(format) {
        Ok(crate::facts::Opened {
            reader: input,
            note: None,
        })
    } else {
        decoding.open(input)
    }
}

/// The encoding of the results for `--format`.
fn report_format(format: ResultFormat) -> report::Format {
    match format {
        ResultFormat::Json => report::Format::Json,
        ResultFormat::Ndjson => report::Format::Ndjson,
        ResultFormat::Csv => report::Format::Csv,
        ResultFormat::Table => report::Format::Table,
        // The rows also go through the NDJSON encoder: the `result` column holds its objects.
        ResultFormat::Parquet => report::Format::Ndjson,
    }
}

/// Which records are explained: none without `--explain`, else the one `--id` names or every one.
fn explain_of(args: &EvaluateArgs) -> Explain {
    match (&args.only_id, args.explain) {
        (_, false) => Explain::Nothing,
        (Some(id), true) => Explain::Only(id.clone()),
        (None, true) => Explain::Every,
    }
}

/// The results' writer for `--format`: Parquet, or text encoded as `results`. The error is
/// the Parquet writer's, as a message.
fn results_writer<'a, W: Write + Send>(
    format: ResultFormat,
    results: report::Format,
    program: &'a Program,
    output: W,
    table: TableOptions,
) -> Result<Out<'a, W>, String> {
    if format == ResultFormat::Parquet {
        match ParquetResults::new(program, output) {
            Ok(w) => Ok(Out::Parquet(Box::new(w))),
            Err(e) => Err(e.to_string()),
        }
    } else {
        Ok(Out::Text(Writer::with_table(results, program, output, table)))
    }
}

/// Says on stderr how the run ended (stopped by `--max-errors`, the `--id` not found, the
/// summary) from the sink's counts and whether it found the `--id`, and gives the exit status.
/// `stopped` is `Some` when `--max-errors` stopped the
/// run, holding whether the campaign needs the whole population.
fn conclude(
    args: &EvaluateArgs,
    program: &Program,
    (stats, found): (&Stats, bool),
    stopped: Option<bool>,
    facts_name: &str,
) -> Termination {
    if let Some(needs_population) = stopped {
        let later = if needs_population {
            "later records were read but no results were written for them"
        } else {
            "later records were not read"
        };
        say!(
            "error: stopped at line {} after {} failed records (--max-errors {}); {later}",
            stats.last_line,
            stats.failed,
            args.max_errors.unwrap_or(0)
        );
    }
    if let Some(wanted) = &args.only_id
        && !found
    {
        say!("error: no record with id `{}` in `{facts_name}`", shown(wanted));
        return Termination::Failure;
    }
    if !args.quiet {
        say!("{}", stats.summary(program.output_kind()));
    }
    if stats.failed > 0 {
        Termination::Failure
    } else {
        Termination::Success
    }
}

/// The width the table is fitted to when it goes to standard output: `COLUMNS` when set,
/// else the terminal's; `None` (no fitting) for `-o FILE` or a pipe without `COLUMNS`.
fn table_width(on_stdout: bool) -> Option<usize> {
    if !on_stdout {
        return None;
    }
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()) {
        return Some(columns);
    }
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        terminal_size::terminal_size_of(stdout).map(|(w, _)| usize::from(w.0))
    } else {
        None
    }
}

/// How many failed records are listed on stderr before the rest are only counted.
const LISTED_FAILURES: usize = 20;

/// Where the rows go: filtered by id for `campaign explain`, counted, failures
/// listed on stderr, written on stdout; stops the run after `--max-errors`.
struct Results<'a, W: Write + Send> {
    writer: Out<'a, W>,
    stats: Stats,
    /// The fact file's name, for the failure lines on stderr.
    file: String,
    quiet: bool,
    only_id: Option<&'a str>,
    found: bool,
    /// The first failed write: the run stops there.
    write_error: Option<std::io::Error>,
    max_errors: Option<usize>,
    /// Cleared around the failure lines.
    progress: &'a Progress,
}

/// The results' writer: text (JSON, NDJSON, CSV, the table) or Parquet.
enum Out<'a, W: Write + Send> {
    Text(Writer<'a, W>),
    /// Boxed: the Parquet writer is large, and a run has one writer.
    Parquet(Box<ParquetResults<'a, W>>),
}

impl<W: Write + Send> Out<'_, W> {
    fn row(&mut self, row: &Row) -> std::io::Result<()> {
        match self {
            Out::Text(w) => w.row(row),
            Out::Parquet(w) => w.row(row),
        }
    }

    /// Ends the results and gives the output back, to commit it.
    fn finish(self) -> std::io::Result<W> {
        match self {
            Out::Text(mut w) => w.finish().map(|()| w.into_inner()),
            Out::Parquet(w) => (*w).finish(),
        }
    }
}

impl<W: Write + Send> Sink for Results<'_, W> {
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
        if let Err(e) = self.writer.row(&row) {
            self.write_error = Some(e);
            return ControlFlow::Break(());
        }
        if self.max_errors.is_some_and(|max| self.stats.failed >= max) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl<W: Write + Send> Results<'_, W> {
    /// Lists a failed record on stderr (the first few; then says that there are more).
    fn list(&self, f: &Failure) {
        if self.stats.failed <= LISTED_FAILURES {
            let at = match f.column {
                // Line 0: a row of a joined table without a record (its place is in the message).
                _ if f.line == 0 => self.file.clone(),
                Some(c) => format!("{}:{}:{c}", self.file, f.line),
                None => format!("{}:{}", self.file, f.line),
            };
            let id =
                f.id.as_deref()
                    .map(|i| format!(" (record `{}`)", shown(i)))
                    .unwrap_or_default();
            self.progress.suspend(|| say!("error: {at}{id}: {}", shown(&f.error)));
        } else if self.stats.failed == LISTED_FAILURES + 1 {
            self.progress
                .suspend(|| say!("error: more records failed; each has an error object in the results"));
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

    /// The summary line, in the words of the campaign's amounts: records eligible for rewards,
    /// or liable for fees.
    fn summary(&self, kind: OutputKind) -> String {
        format!(
            "{} records read: {} {}, {} {}, {} failed ({} results + {} errors = {} records)",
            self.read,
            self.eligible,
            kind.verdict(true),
            self.not_eligible,
            kind.verdict(false),
            self.failed,
            self.eligible + self.not_eligible,
            self.failed,
            self.read
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_bounded_and_capped_to_the_input() {
        assert_eq!(parse_jobs("256"), Ok(256));
        assert!(parse_jobs("257").is_err() && parse_jobs("0").is_err() && parse_jobs("x").is_err());
        assert_eq!(capped_to_input(256, Some(150)), 1, "a two-record file: one thread");
        assert_eq!(capped_to_input(256, Some(40_000)), 9);
        assert_eq!(capped_to_input(4, Some(10 << 20)), 4);
        assert_eq!(capped_to_input(8, None), 8, "a pipe: as asked");
    }
}
