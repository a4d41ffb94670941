//! `campaign evaluate POLICY --facts FILE`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::ops::Range;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value as Json;

use super::Termination;
use super::progress::{self, Progress, Stage};
use super::render::graphical;
use crate::diagnostics::SourceFile;
use crate::eval::{Evaluator, Explanation, Outcome, report};
use crate::program::Program;
use crate::program::inputs::{Inputs, parse_time};
use rayon::prelude::*;

use crate::facts::{Format, InputRecord, LineBlock, LineParser, NdjsonLines, Record, RecordError, read_records};

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
        jobs: None,
        max_errors: None,
        only_id: Some(args.id.clone()),
    };
    run(&evaluate)
}

/// An input record awaiting the whole population: read (line, id), or failed.
type Slot = Result<(usize, String), Failure>;

/// One input record's result.
enum Row {
    Evaluated {
        id: String,
        outcome: Outcome,
        explanation: Option<Box<Explanation>>,
        /// The result already rendered as one line of JSON (by the worker that evaluated it).
        rendered: Option<String>,
    },
    Failed(Failure),
}

/// A record that could not be read or evaluated.
struct Failure {
    line: usize,
    /// For JSON syntax errors.
    column: Option<usize>,
    id: Option<String>,
    /// The path of the offending fact (`sales[2].gmv`), when one is to blame.
    fact: Option<String>,
    error: String,
}

impl Failure {
    fn read(e: &RecordError) -> Failure {
        Failure {
            line: e.line,
            column: e.column,
            id: e.id.clone(),
            fact: e.fact.clone(),
            error: record_error_text(e),
        }
    }

    fn evaluation(line: usize, id: String, message: String) -> Failure {
        Failure {
            line,
            column: None,
            id: Some(id),
            fact: None,
            error: message,
        }
    }
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

fn explain_if(
    args: &EvaluateArgs,
    evaluator: &Evaluator<'_>,
    id: &str,
    record: &Record,
    outcome: &Outcome,
) -> Option<Box<Explanation>> {
    if !args.explain || args.only_id.as_ref().is_some_and(|wanted| wanted != id) {
        return None;
    }
    evaluator.explain(id, record, outcome).ok().map(Box::new)
}

fn record_error_text(e: &RecordError) -> String {
    match &e.fact {
        Some(fact) => format!("`{fact}`: {}", e.message),
        None => e.message.clone(),
    }
}

/// How many input records at most are read, evaluated and written together
/// (an NDJSON chunk also ends after about 256 KiB of input, see
/// `NdjsonLines::fill`). Memory stays flat: at most two chunks are held at
/// once (one being evaluated, the next being read).
const CHUNK: usize = 2048;

/// Where records come from: raw NDJSON lines (parsed by the workers), or
/// records parsed by a sequential reader (JSON documents, CSV).
enum Source<'s> {
    Lines(NdjsonLines<File>),
    Records(Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>),
}

/// One input record on its way through the pipeline.
enum Item {
    /// A raw NDJSON line: its number, and where its bytes are in the chunk's block.
    Raw(usize, Range<usize>),
    Read(Box<Result<InputRecord, RecordError>>),
}

/// Up to [`CHUNK`] input records. Reused from chunk to chunk, so that its
/// memory is allocated once.
#[derive(Default)]
struct Chunk {
    /// The bytes of the raw lines.
    block: LineBlock,
    items: Vec<Item>,
}

impl Source<'_> {
    /// Reads the next records into `chunk`, replacing what it held (nothing at the end).
    fn chunk(&mut self, chunk: &mut Chunk) {
        let items = &mut chunk.items;
        items.clear();
        match self {
            Source::Lines(lines) => lines.fill(&mut chunk.block, CHUNK, |l| {
                items.push(match l {
                    Ok((line, range)) => Item::Raw(line, range),
                    Err(e) => Item::Read(Box::new(Err(e))),
                })
            }),
            Source::Records(records) => items.extend(records.by_ref().take(CHUNK).map(|r| Item::Read(Box::new(r)))),
        }
    }
}

/// Runs `campaign evaluate`.
pub fn run(args: &EvaluateArgs) -> Termination {
    let text = match std::fs::read_to_string(&args.policy) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read the campaign `{}`: {e}", args.policy.display());
            return Termination::Usage;
        }
    };
    // The command line runs on a large stack already (see `cli::main`).
    let checked = crate::check::check_here(&text);
    let file = SourceFile::new(args.policy.display().to_string(), text);
    let colour = super::render::colour_on_stderr();
    let Some(program) = checked.program else {
        for d in &checked.diagnostics {
            eprint!("{}", graphical(d, &file, colour));
        }
        eprintln!(
            "error: the campaign `{}` has errors; nothing was evaluated",
            args.policy.display()
        );
        return Termination::Failure;
    };
    let mut inputs = Inputs::defaults(&program);
    for assignment in &args.params {
        if let Err(e) = inputs.set(&program, assignment) {
            eprintln!("error: {}\n  help: {}", e.message, e.help);
            return Termination::Usage;
        }
    }
    if let Err(message) = set_reference(&program, &mut inputs, args) {
        eprintln!("error: {message}");
        return Termination::Usage;
    }
    if args.explain && args.format == ResultFormat::Csv {
        eprintln!("error: `--explain` works with `--format table`, `json` or `ndjson`, not `csv`");
        return Termination::Usage;
    }
    if args.max_errors == Some(0) {
        eprintln!("error: `--max-errors` must be at least 1");
        return Termination::Usage;
    }
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
    // Progress on stderr (see cli::progress): published per chunk, cleared before other stderr lines.
    let options = progress::Options {
        quiet: args.quiet,
        whole_input_first: format == Format::Json,
        results_at_end: args.format == ResultFormat::Table && !args.explain,
    };
    let progress = Progress::start(&file, options);
    let parser = LineParser::new(&program.schema);
    let mut source = if format == Format::Ndjson {
        Source::Lines(NdjsonLines::new(file))
    } else {
        match read_records(&program.schema, format, BufReader::with_capacity(1 << 16, file)) {
            Ok(r) => Source::Records(r),
            Err(e) => {
                progress.finish(0);
                let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!("error: {}{at}: {}", args.facts.display(), e.message);
                if let Some(help) = &e.help {
                    eprintln!("  help: {help}");
                }
                return Termination::Failure;
            }
        }
    };
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
        .max(1);
    let pool = if threads > 1 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(64 << 20)
            .build()
            .ok()
    } else {
        None
    };
    let evaluator = Evaluator::with_inputs(&program, inputs);
    let stdout = std::io::stdout();
    let mut out = Output::new(args.format, &program, BufWriter::with_capacity(1 << 16, stdout.lock()));
    let mut stats = Stats::default();
    let mut sink = Sink {
        file: args.facts.display().to_string(),
        quiet: args.quiet,
        only_id: args.only_id.as_deref(),
        found: false,
        write_failed: false,
        max_errors: args.max_errors,
        stopped: false,
        progress: &progress,
    };
    let read = |block: &LineBlock, item: Item| -> Result<InputRecord, RecordError> {
        match item {
            Item::Raw(line, range) => parser.parse(block.line(range), line),
            Item::Read(r) => *r,
        }
    };
    if evaluator.needs_population() {
        // Budgets are shared by all records: read everything, then allocate in queue order.
        let mut slots: Vec<Slot> = Vec::new();
        let mut population: Vec<Record> = Vec::new();
        progress.stage(Stage::Reading);
        let mut chunk = Chunk::default();
        let mut parsed: Vec<Result<InputRecord, RecordError>> = Vec::new();
        loop {
            source.chunk(&mut chunk);
            if chunk.items.is_empty() {
                break;
            }
            let Chunk { block, items } = &mut chunk;
            match &pool {
                Some(pool) => pool.install(|| parsed.par_extend(items.par_drain(..).map(|item| read(block, item)))),
                None => parsed.extend(items.drain(..).map(|item| read(block, item))),
            }
            for item in parsed.drain(..) {
                match item {
                    Ok(InputRecord { line, id, record }) => {
                        slots.push(Ok((line, id)));
                        population.push(record);
                    }
                    Err(e) => slots.push(Err(Failure::read(&e))),
                }
            }
            progress.set(slots.len());
        }
        progress.stage(Stage::Evaluating);
        let outcomes = match &pool {
            Some(pool) => pool.install(|| evaluator.evaluate_all(&population)),
            None => evaluator.evaluate_all(&population),
        };
        let mut outcomes = outcomes.into_iter();
        let mut records = population.iter();
        progress.stage(Stage::Writing(slots.len()));
        for slot in slots {
            let row = match slot {
                Ok((line, id)) => match (outcomes.next(), records.next()) {
                    (Some(Ok(outcome)), Some(record)) => {
                        let explanation = explain_if(args, &evaluator, &id, record, &outcome);
                        Row::Evaluated {
                            id,
                            outcome,
                            explanation,
                            rendered: None,
                        }
                    }
                    (Some(Err(e)), _) => Row::Failed(Failure::evaluation(line, id, e.message)),
                    _ => Row::Failed(Failure::evaluation(line, id, "internal error: no result".into())),
                },
                Err(failure) => Row::Failed(failure),
            };
            sink.emit(row, &mut out, &mut stats);
            if sink.stopped {
                break;
            }
        }
    } else {
        let render = matches!(args.format, ResultFormat::Ndjson | ResultFormat::Json) && !args.explain;
        let process = |block: &LineBlock, item: Item| -> Row {
            let row = match read(block, item) {
                Ok(InputRecord { line, id, record }) => match evaluator.evaluate(&record) {
                    Ok(outcome) => {
                        let explanation = explain_if(args, &evaluator, &id, &record, &outcome);
                        Row::Evaluated {
                            id,
                            outcome,
                            explanation,
                            rendered: None,
                        }
                    }
                    Err(e) => Row::Failed(Failure::evaluation(line, id, e.message)),
                },
                Err(e) => Row::Failed(Failure::read(&e)),
            };
            match row {
                Row::Evaluated { id, outcome, .. } if render => {
                    let mut line = String::with_capacity(256);
                    report::write_result(&mut line, &program, &id, &outcome);
                    Row::Evaluated {
                        id,
                        outcome,
                        explanation: None,
                        rendered: Some(line),
                    }
                }
                other => other,
            }
        };
        // Two chunks and the rows are reused throughout: memory stays flat and is
        // allocated once.
        let mut current = Chunk::default();
        let mut next = Chunk::default();
        let mut rows: Vec<Row> = Vec::new();
        source.chunk(&mut current);
        while !current.items.is_empty() {
            let Chunk { block, items } = &mut current;
            match &pool {
                Some(pool) => {
                    // Workers evaluate this chunk while this thread reads the next one;
                    // extending with an indexed parallel iterator keeps the input order.
                    pool.in_place_scope(|scope| {
                        let rows = &mut rows;
                        let process = &process;
                        scope.spawn(move |_| rows.par_extend(items.par_drain(..).map(|item| process(block, item))));
                        source.chunk(&mut next);
                    });
                }
                None => {
                    rows.extend(items.drain(..).map(|item| process(block, item)));
                    source.chunk(&mut next);
                }
            }
            for row in rows.drain(..) {
                sink.emit(row, &mut out, &mut stats);
                if sink.stopped {
                    break;
                }
            }
            if sink.stopped {
                break;
            }
            std::mem::swap(&mut current, &mut next);
        }
    }
    progress.finish(stats.read);
    if out.finish().is_err() || sink.write_failed {
        eprintln!("error: could not write the results");
        return Termination::Failure;
    }
    if sink.stopped {
        // A campaign that needs the whole population has read every record before writing any.
        let later = if evaluator.needs_population() {
            "later records were read but no results were written for them"
        } else {
            "later records were not read"
        };
        eprintln!(
            "error: stopped at line {} after {} failed records (--max-errors {}); {later}",
            stats.last_line,
            stats.failed,
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
        eprintln!("{}", stats.summary());
    }
    if stats.failed > 0 {
        Termination::Failure
    } else {
        Termination::Success
    }
}

/// How many failed records are listed on stderr before the rest are only counted.
const LISTED_FAILURES: usize = 20;

/// Where rows go: filtered by id for `campaign explain`, counted, written.
struct Sink<'a> {
    /// The fact file's name, for the failure lines on stderr.
    file: String,
    quiet: bool,
    only_id: Option<&'a str>,
    found: bool,
    write_failed: bool,
    max_errors: Option<usize>,
    stopped: bool,
    /// Cleared around the failure lines; told the count once per chunk.
    progress: &'a Progress,
}

impl Sink<'_> {
    fn emit<W: Write>(&mut self, row: Row, out: &mut Output<'_, W>, stats: &mut Stats) {
        if let Some(wanted) = self.only_id {
            let id = match &row {
                Row::Evaluated { id, .. } => Some(id.as_str()),
                Row::Failed(f) => f.id.as_deref(),
            };
            if id != Some(wanted) {
                return;
            }
            self.found = true;
        }
        stats.count(&row);
        if stats.read.is_multiple_of(CHUNK) {
            self.progress.set(stats.read);
        }
        if let Row::Failed(f) = &row
            && !self.quiet
        {
            if stats.failed <= LISTED_FAILURES {
                let at = match f.column {
                    Some(c) => format!("{}:{}:{c}", self.file, f.line),
                    None => format!("{}:{}", self.file, f.line),
                };
                let id =
                    f.id.as_deref()
                        .map(|i| format!(" (record `{}`)", clean(i)))
                        .unwrap_or_default();
                self.progress
                    .suspend(|| eprintln!("error: {at}{id}: {}", clean(&f.error)));
            } else if stats.failed == LISTED_FAILURES + 1 {
                self.progress
                    .suspend(|| eprintln!("error: more records failed; each has an error object in the results"));
            }
        }
        if out.row(&row).is_err() {
            self.write_failed = true;
        }
        if self.max_errors.is_some_and(|max| stats.failed >= max) {
            self.stopped = true;
        }
    }
}

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
        if let Row::Failed(f) = row {
            self.last_line = self.last_line.max(f.line);
        }
        match row {
            Row::Evaluated { outcome, .. } if outcome.eligible => self.eligible += 1,
            Row::Evaluated { .. } => self.not_eligible += 1,
            Row::Failed(_) => self.failed += 1,
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

/// Writes rows in the chosen format.
struct Output<'p, W: Write> {
    format: ResultFormat,
    program: &'p Program,
    out: W,
    rows: usize,
    table: Vec<Vec<String>>,
    /// Whether explanations were written instead of table rows.
    explained: bool,
}

impl<'p, W: Write> Output<'p, W> {
    fn new(format: ResultFormat, program: &'p Program, out: W) -> Self {
        Output {
            format,
            program,
            out,
            rows: 0,
            table: Vec::new(),
            explained: false,
        }
    }

    fn json(&self, row: &Row) -> Json {
        match row {
            Row::Evaluated {
                id,
                outcome,
                explanation,
                ..
            } => {
                let mut json = report::result_json(self.program, id, outcome);
                if let (Some(e), Json::Object(obj)) = (explanation, &mut json) {
                    obj.insert("explanation".into(), serde_json::to_value(e).unwrap_or(Json::Null));
                }
                json
            }
            Row::Failed(f) => {
                let mut json = report::error_json(f.line, f.id.as_deref(), &f.error);
                if let Json::Object(obj) = &mut json {
                    if let Some(c) = f.column {
                        obj.insert("column".into(), Json::from(c));
                    }
                    if let Some(fact) = &f.fact {
                        obj.insert("fact".into(), Json::String(fact.clone()));
                    }
                }
                json
            }
        }
    }

    fn header(&self) -> Vec<String> {
        let mut h = vec!["id".to_string(), "eligible".to_string()];
        for r in &self.program.rewards {
            h.push(r.name.clone());
            if let Some(range) = r.per.and_then(|p| self.program.periods.get(p)) {
                for period in &range.periods {
                    h.push(format!("{}[{}]", r.name, period.key));
                }
            }
        }
        for &i in &self.program.exposed {
            if let Some(d) = self.program.definitions.get(i) {
                h.push(d.name.clone());
            }
        }
        h.push("reasons".into());
        h.push("error".into());
        h
    }

    fn cells(&self, row: &Row) -> Vec<String> {
        let width = self.header().len();
        match row {
            Row::Evaluated { id, outcome, .. } => {
                let mut c = vec![id.clone(), outcome.eligible.to_string()];
                for (def, r) in self.program.rewards.iter().zip(&outcome.rewards) {
                    c.push(r.amount.to_string());
                    if def.per.is_some() {
                        for a in r.by_period.iter().flatten() {
                            c.push(a.to_string());
                        }
                    }
                }
                for v in &outcome.values {
                    c.push(match report::shown_json(v) {
                        Json::Null => String::new(),
                        Json::String(s) => s,
                        Json::Object(o) => o.get("amount").and_then(Json::as_str).unwrap_or_default().to_string(),
                        other => other.to_string(),
                    });
                }
                let reasons: Vec<&str> = self
                    .program
                    .conditions
                    .iter()
                    .zip(&outcome.conditions)
                    .filter(|(_, ok)| !**ok)
                    .map(|(c, _)| c.reason.as_str())
                    .collect();
                c.push(reasons.join("; "));
                c.push(String::new());
                c
            }
            Row::Failed(Failure { line, id, error, .. }) => {
                let mut c = vec![String::new(); width];
                if let Some(first) = c.first_mut() {
                    *first = id.clone().unwrap_or_default();
                }
                if let Some(last) = c.last_mut() {
                    *last = format!("line {line}: {error}");
                }
                c
            }
        }
    }

    fn row(&mut self, row: &Row) -> std::io::Result<()> {
        match self.format {
            ResultFormat::Ndjson => match row {
                Row::Evaluated {
                    rendered: Some(line), ..
                } => {
                    self.out.write_all(line.as_bytes())?;
                    self.out.write_all(b"\n")?;
                }
                _ => writeln!(self.out, "{}", self.json(row))?,
            },
            ResultFormat::Json => {
                let sep = if self.rows == 0 { "[\n" } else { ",\n" };
                match row {
                    Row::Evaluated {
                        rendered: Some(line), ..
                    } => write!(self.out, "{sep}{line}")?,
                    _ => write!(self.out, "{sep}{}", self.json(row))?,
                }
            }
            ResultFormat::Csv => {
                if self.rows == 0 {
                    let header = self.header();
                    write_csv_row(&mut self.out, &header)?;
                }
                let cells = self.cells(row);
                write_csv_row(&mut self.out, &cells)?;
            }
            ResultFormat::Table => {
                if let Row::Evaluated {
                    explanation: Some(e), ..
                } = row
                {
                    write!(self.out, "{}", e.to_text())?;
                    self.explained = true;
                } else {
                    let cells = self.cells(row);
                    self.table.push(cells);
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        match self.format {
            ResultFormat::Json => {
                if self.rows == 0 {
                    writeln!(self.out, "[]")?;
                } else {
                    writeln!(self.out, "\n]")?;
                }
            }
            ResultFormat::Csv if self.rows == 0 => {
                let header = self.header();
                write_csv_row(&mut self.out, &header)?;
            }
            ResultFormat::Table if self.table.is_empty() && (self.explained || self.rows == 0) => {}
            ResultFormat::Table => {
                let mut rows = vec![self.header()];
                rows.append(&mut self.table);
                // Drop the error column when nothing failed, to keep the table narrow.
                if rows.iter().skip(1).all(|r| r.last().is_none_or(String::is_empty)) {
                    for r in rows.iter_mut() {
                        r.pop();
                    }
                }
                let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
                let widths: Vec<usize> = (0..columns)
                    .map(|i| {
                        rows.iter()
                            .map(|r| r.get(i).map(|c| display_width(c)).unwrap_or(0))
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                for (n, r) in rows.iter().enumerate() {
                    let mut line = String::new();
                    for (i, cell) in r.iter().enumerate() {
                        let w = widths.get(i).copied().unwrap_or(0);
                        if i > 0 {
                            line.push_str("  ");
                        }
                        line.push_str(&sanitize(cell));
                        if i + 1 < r.len() {
                            line.push_str(&" ".repeat(w.saturating_sub(display_width(cell))));
                        }
                    }
                    writeln!(self.out, "{}", line.trim_end())?;
                    if n == 0 {
                        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
                        writeln!(self.out, "{}", rule.join("  "))?;
                    }
                }
            }
            _ => {}
        }
        self.out.flush()
    }
}

/// Terminal columns a text takes: CJK characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            let wide = (0x1100..=0x115F).contains(&cp)
                || (0x2E80..=0xA4CF).contains(&cp)
                || (0xAC00..=0xD7A3).contains(&cp)
                || (0xF900..=0xFAFF).contains(&cp)
                || (0xFE30..=0xFE4F).contains(&cp)
                || (0xFF00..=0xFF60).contains(&cp)
                || (0xFFE0..=0xFFE6).contains(&cp);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Input text shown on stderr, without its control characters.
fn clean(s: &str) -> String {
    sanitize(s)
}

/// Control characters from input are never echoed raw to a terminal.
fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '�' } else { c }).collect()
}

fn write_csv_row<W: Write>(out: &mut W, cells: &[String]) -> std::io::Result<()> {
    let line: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    writeln!(out, "{}", line.join(","))
}
