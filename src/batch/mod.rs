//! Evaluating many records: streaming or as a whole population, in input
//! order, on a pool of threads.
//!
//! A [`Batch`] takes records from a [`RecordSource`] in chunks (of at most
//! [`CHUNK`] records), evaluates them and hands one [`Row`] per input record,
//! in input order, to a [`Sink`], which may stop the run. How the records are
//! evaluated follows the program:
//!
//! - **Streaming** (no budget, no ranking): a chunk is evaluated by the
//!   workers while this thread reads the next one (two chunks and the rows
//!   are reused throughout, so memory stays flat); each chunk's rows are
//!   delivered as soon as it is done.
//! - **Population** (a budget or a ranking: see
//!   [`Evaluator::needs_population`]): every record is read first (parsed on
//!   the workers), then [`Evaluator::evaluate_all`] ranks them and allocates
//!   budgets, then the rows are delivered, chunk by chunk.
//!
//! Sources can be raw NDJSON lines, parsed on the workers ([`NdjsonSource`]
//! for a reader, [`Lines`] for lines in memory), or records read by any
//! other reader ([`Records`]; [`open`] picks the source for a file format).
//! A columnar reader or a caller from another language fills [`Chunk`]s the
//! same way. Per-row work that can run in parallel (encoding the results)
//! is done on the workers through [`Batch::prepare`]. The library never
//! prints: progress goes to an [`Observer`].
//!
//! ```
//! use std::ops::ControlFlow;
//! use campaign::batch::{Batch, Lines, Row, Unobserved};
//! use campaign::program::inputs::Inputs;
//!
//! let checked = campaign::check::check(r#"
//! campaign "c" {
//!   timezone Asia/Shanghai
//!   unit points
//!   facts { gmv: money CNY }
//!   eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
//!   reward points = gmv × 1% as points, rounded down
//! }
//! "#);
//! let program = checked.program.expect("compiles");
//! let batch = Batch::new(&program, Inputs::defaults(&program)).threads(2);
//! let lines = [r#"{"id": "a", "gmv": 500}"#, r#"{"id": "b", "gmv": "x"}"#];
//! let mut source = Lines::new(lines.iter().enumerate().map(|(i, l)| (i + 1, l.as_bytes())));
//! let mut eligible = Vec::new();
//! let summary = batch.run(&mut source, &mut |row: Row| {
//!     if let Row::Evaluated(e) = &row {
//!         eligible.push((e.id.clone(), e.outcome.eligible));
//!     }
//!     ControlFlow::Continue(())
//! }, &Unobserved);
//! assert_eq!(summary.rows, 2);
//! assert_eq!(eligible, [("a".to_string(), true)]);
//! ```

mod engine;
pub mod source;
mod together;

pub use source::{Chunk, Jobs, Lines, NdjsonSource, RecordSource, Records, open, open_with};
pub use together::{Sources, TogetherSink, run_together};

use std::ops::ControlFlow;

use crate::eval::{Evaluator, Explanation, Outcome};
use crate::facts::{LineParser, RecordError};
use crate::program::Program;
use crate::program::inputs::Inputs;

/// How many input records at most are read, evaluated and delivered together
/// (an NDJSON chunk also ends after about 256 KiB of input, see
/// [`NdjsonLines::fill`](crate::facts::NdjsonLines::fill)). Memory stays
/// flat: at most two chunks are held at once (one being evaluated, the next
/// being read).
pub const CHUNK: usize = 2048;

/// The result of one input record.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// The record was read and evaluated.
    Evaluated(Evaluated),
    /// The record could not be read or evaluated.
    Failed(Failure),
}

impl Row {
    /// The record's id, when it could be read.
    pub fn id(&self) -> Option<&str> {
        match self {
            Row::Evaluated(e) => Some(&e.id),
            Row::Failed(f) => f.id.as_deref(),
        }
    }

    /// The 1-based line where the record starts.
    pub fn line(&self) -> usize {
        match self {
            Row::Evaluated(e) => e.line,
            Row::Failed(f) => f.line,
        }
    }
}

/// A record read and evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The 1-based line where the record starts.
    pub line: usize,
    /// The record's id.
    pub id: String,
    /// What the evaluation gave.
    pub outcome: Outcome,
    /// Why, when asked for ([`Batch::explain`]) and it could be explained.
    pub explanation: Option<Box<Explanation>>,
    /// The row already encoded by the [`Batch::prepare`] hook (the CLI puts
    /// the compact JSON result object here), if it was.
    pub encoded: Option<String>,
}

/// A record that could not be read or evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The 1-based line where the record starts (for a JSON syntax error in
    /// a `.json` file: the line of the error).
    pub line: usize,
    /// The 1-based column of a JSON syntax error or of an invalid UTF-8 byte.
    pub column: Option<usize>,
    /// The record's id, when it could be read.
    pub id: Option<String>,
    /// The path of the offending fact (`sales[2].gmv`), when one is to blame.
    pub fact: Option<String>,
    /// What went wrong (for a read error: prefixed with the fact, `` `gmv`: ... ``).
    pub error: String,
}

impl Failure {
    /// A record that could not be read.
    pub fn read(e: RecordError) -> Failure {
        let error = match &e.fact {
            Some(fact) => format!("`{fact}`: {}", e.message),
            None => e.message,
        };
        Failure {
            line: e.line,
            column: e.column,
            id: e.id,
            fact: e.fact,
            error,
        }
    }

    /// A record read but not evaluated.
    pub fn evaluation(line: usize, id: String, error: String) -> Failure {
        Failure {
            line,
            column: None,
            id: Some(id),
            fact: None,
            error,
        }
    }
}

/// Which evaluated records are explained.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Explain {
    /// None.
    #[default]
    Nothing,
    /// Every one.
    Every,
    /// Those with this id.
    Only(String),
}

impl Explain {
    fn wants(&self, id: &str) -> bool {
        match self {
            Explain::Nothing => false,
            Explain::Every => true,
            Explain::Only(wanted) => wanted == id,
        }
    }
}

/// Where rows go, one at a time, in input order.
pub trait Sink {
    /// Takes the next row; [`ControlFlow::Break`] stops the run (no more
    /// rows are delivered, and a streaming run reads no more records).
    fn row(&mut self, row: Row) -> ControlFlow<()>;
}

impl<F: FnMut(Row) -> ControlFlow<()>> Sink for F {
    fn row(&mut self, row: Row) -> ControlFlow<()> {
        self(row)
    }
}

/// Collects every row.
impl Sink for Vec<Row> {
    fn row(&mut self, row: Row) -> ControlFlow<()> {
        self.push(row);
        ControlFlow::Continue(())
    }
}

/// What a run is doing, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading, evaluating and delivering records as they come. A run starts
    /// in this stage.
    Streaming,
    /// Reading every record before evaluating any (budgets, rankings).
    Reading,
    /// Evaluating the whole population at once: there is nothing to count.
    Evaluating,
    /// Delivering the rows of this many records.
    Writing(usize),
}

/// Told how a run goes, on the thread that called [`Batch::run`].
pub trait Observer {
    /// The run moved on to another stage; counting starts again from 0.
    /// (Not called for [`Stage::Streaming`], where every run starts.)
    fn stage(&self, _stage: Stage) {}

    /// This many records of the current stage are done (called about once
    /// per chunk).
    fn progress(&self, _done: usize) {}
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;

impl Observer for Unobserved {}

/// How a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows delivered to the sink.
    pub rows: usize,
    /// Whether the sink stopped the run.
    pub stopped: bool,
}

/// A per-row hook run on the workers.
type Prepare<'p> = Box<dyn Fn(&mut Row) + Sync + 'p>;

/// Evaluates records of one program with one set of inputs; see the
/// [module documentation](self).
pub struct Batch<'p> {
    evaluator: Evaluator<'p>,
    parser: LineParser<'p>,
    pool: Option<rayon::ThreadPool>,
    explain: Explain,
    prepare: Option<Prepare<'p>>,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field(
                "threads",
                &self.pool.as_ref().map_or(1, rayon::ThreadPool::current_num_threads),
            )
            .field("explain", &self.explain)
            .field("prepare", &self.prepare.is_some())
            .finish_non_exhaustive()
    }
}

impl<'p> Batch<'p> {
    /// Prepares to evaluate `program` with `inputs`: on this thread only,
    /// explaining nothing.
    pub fn new(program: &'p Program, inputs: Inputs) -> Self {
        Batch {
            evaluator: Evaluator::with_inputs(program, inputs),
            parser: LineParser::new(&program.schema),
            pool: None,
            explain: Explain::Nothing,
            prepare: None,
        }
    }

    /// Evaluates on a pool of `threads` threads (with large stacks, for
    /// deeply nested campaigns); 0 or 1 means this thread only (a population
    /// is then still evaluated on rayon's global pool). Rows are the same,
    /// in the same order, for any number.
    pub fn threads(mut self, threads: usize) -> Self {
        self.pool = if threads > 1 {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .stack_size(64 << 20)
                .build()
                .ok()
        } else {
            None
        };
        self
    }

    /// Parses NDJSON lines with `parser` (built with the run's
    /// [`ReadOptions`](crate::facts::ReadOptions): strict facts, where
    /// undeclared fields are counted).
    pub fn parser(mut self, parser: LineParser<'p>) -> Self {
        self.parser = parser;
        self
    }

    /// Explains the evaluated records that `explain` names.
    pub fn explain(mut self, explain: Explain) -> Self {
        self.explain = explain;
        self
    }

    /// Runs `prepare` on every row on the workers, before it is delivered:
    /// for per-row work that can run in parallel, such as encoding.
    pub fn prepare(mut self, prepare: impl Fn(&mut Row) + Sync + 'p) -> Self {
        self.prepare = Some(Box::new(prepare));
        self
    }

    /// The evaluator the batch runs.
    pub fn evaluator(&self) -> &Evaluator<'p> {
        &self.evaluator
    }

    /// Whether the program needs every record before it gives any result
    /// (then nothing is delivered before the whole input is read).
    pub fn needs_population(&self) -> bool {
        self.evaluator.needs_population()
    }

    /// Reads every record of `source`, evaluates it and delivers its row to
    /// `sink`, in input order, until the source is exhausted or the sink
    /// stops the run.
    pub fn run<S, K>(&self, source: &mut S, sink: &mut K, observer: &dyn Observer) -> Summary
    where
        S: RecordSource + ?Sized,
        K: Sink + ?Sized,
    {
        if self.needs_population() {
            self.population(source, sink, observer)
        } else {
            self.stream(source, sink, observer)
        }
    }
}

#[cfg(test)]
mod tests;
