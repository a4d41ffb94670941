//! The two ways a batch runs: streaming, and over the whole population.

use rayon::prelude::*;

use super::source::{Chunk, Item, Job};
use super::{Batch, CHUNK, Evaluated, Failure, Observer, RecordSource, Row, Sink, Stage, Summary};
use crate::eval::{EvalError, Outcome};
use crate::facts::{InputRecord, LineBlock, Record, RecordError};

/// The records of one item of a chunk: one record (a line, or a record read already), or
/// those of a job.
type ItemRecords = std::iter::Chain<
    std::option::IntoIter<Result<InputRecord, RecordError>>,
    std::vec::IntoIter<Result<InputRecord, RecordError>>,
>;

/// An input record awaiting the whole population: read (line, id), or failed.
type Slot = Result<(usize, String), Failure>;

/// A record of the population between its evaluation and its row.
enum Settled<'r> {
    Evaluated {
        line: usize,
        id: String,
        outcome: Option<Result<Outcome, EvalError>>,
        record: Option<&'r Record>,
    },
    Failed(Failure),
}

impl Batch<'_> {
    /// Streams: each chunk is evaluated by the workers while this thread reads
    /// the next one, then its rows are delivered. Two chunks and the rows are
    /// reused throughout: memory stays flat and is allocated once.
    pub(super) fn stream<S, K>(&self, source: &mut S, sink: &mut K, observer: &dyn Observer) -> Summary
    where
        S: RecordSource + ?Sized,
        K: Sink + ?Sized,
    {
        let mut summary = Summary::default();
        double_buffered(self.pool.as_ref(), source, self, |rows| {
            if deliver(rows, sink, &mut summary) {
                return true;
            }
            observer.progress(summary.rows);
            false
        });
        summary
    }

    /// Reads every record (parsed by the workers), evaluates them together
    /// (rankings, budgets), then delivers the rows chunk by chunk (explained
    /// and prepared by the workers).
    pub(super) fn population<S, K>(&self, source: &mut S, sink: &mut K, observer: &dyn Observer) -> Summary
    where
        S: RecordSource + ?Sized,
        K: Sink + ?Sized,
    {
        observer.stage(Stage::Reading);
        let (slots, population) = self.read_all(source, observer);
        observer.stage(Stage::Evaluating);
        let outcomes = match &self.pool {
            Some(pool) => pool.install(|| self.evaluator.evaluate_all(&population)),
            None => self.evaluator.evaluate_all(&population),
        };
        observer.stage(Stage::Writing(slots.len()));
        let mut outcomes = outcomes.into_iter();
        let mut records = population.iter();
        let mut slots = slots.into_iter();
        let mut summary = Summary::default();
        let mut settled: Vec<Settled<'_>> = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        loop {
            settled.extend(slots.by_ref().take(CHUNK).map(|slot| match slot {
                Ok((line, id)) => Settled::Evaluated {
                    line,
                    id,
                    outcome: outcomes.next(),
                    record: records.next(),
                },
                Err(failure) => Settled::Failed(failure),
            }));
            if settled.is_empty() {
                break;
            }
            match &self.pool {
                Some(pool) => pool.install(|| rows.par_extend(settled.par_drain(..).map(|s| self.settle(s)))),
                None => rows.extend(settled.drain(..).map(|s| self.settle(s))),
            }
            if deliver(&mut rows, sink, &mut summary) {
                break;
            }
            observer.progress(summary.rows);
        }
        summary
    }

    /// Reads every record of `source`: one slot per input record, and the
    /// records read, in input order.
    fn read_all<S: RecordSource + ?Sized>(&self, source: &mut S, observer: &dyn Observer) -> (Vec<Slot>, Vec<Record>) {
        let mut slots: Vec<Slot> = Vec::new();
        let mut population: Vec<Record> = Vec::new();
        let mut chunk = Chunk::default();
        let mut parsed: Vec<Result<InputRecord, RecordError>> = Vec::new();
        loop {
            chunk.clear();
            source.fill(&mut chunk, CHUNK);
            if chunk.is_empty() {
                break;
            }
            let Chunk {
                block, owned, items, ..
            } = &mut chunk;
            let (block, owned) = (&*block, owned.as_slice());
            match &self.pool {
                Some(pool) => pool.install(|| {
                    parsed.par_extend(items.par_drain(..).flat_map_iter(|item| self.read(block, owned, item)));
                }),
                None => parsed.extend(items.drain(..).flat_map(|item| self.read(block, owned, item))),
            }
            for item in parsed.drain(..) {
                match item {
                    Ok(InputRecord { line, id, record }) => {
                        slots.push(Ok((line, id)));
                        population.push(record);
                    }
                    Err(e) => slots.push(Err(Failure::read(e))),
                }
            }
            observer.progress(slots.len());
        }
        (slots, population)
    }

    /// The records of one item of a chunk: a raw line parsed, the records of a job, or the
    /// record read already.
    pub(super) fn read(&self, block: &LineBlock, owned: &[u8], item: Item) -> ItemRecords {
        let one = |record| Some(record).into_iter().chain(Vec::new());
        match item {
            Item::Block(line, range) => one(self.parser.parse(block.line(range), line)),
            Item::Owned(line, range) => one(self.parser.parse(owned.get(range).unwrap_or_default(), line)),
            Item::Read(r) => one(*r),
            Item::Job(Job(job)) => None.into_iter().chain(job()),
        }
    }

    /// Reads and evaluates the records of one item of a chunk (streaming), each on its own.
    pub(super) fn process<'a>(&'a self, block: &LineBlock, owned: &[u8], item: Item) -> impl Iterator<Item = Row> + 'a {
        self.read(block, owned, item).map(|read| self.process_read(read))
    }

    /// Evaluates one record read (streaming).
    fn process_read(&self, read: Result<InputRecord, RecordError>) -> Row {
        let row = match read {
            Ok(InputRecord { line, id, record }) => match self.evaluator.evaluate(&record) {
                Ok(outcome) => self.evaluated(line, id, &record, outcome),
                Err(e) => Row::Failed(Failure::evaluation(line, id, e.to_string())),
            },
            Err(e) => Row::Failed(Failure::read(e)),
        };
        self.prepared(row)
    }

    /// The row of a record of the population.
    fn settle(&self, settled: Settled<'_>) -> Row {
        let row = match settled {
            Settled::Evaluated {
                line,
                id,
                outcome,
                record,
            } => match (outcome, record) {
                (Some(Ok(outcome)), Some(record)) => self.evaluated(line, id, record, outcome),
                (Some(Err(e)), _) => Row::Failed(Failure::evaluation(line, id, e.to_string())),
                _ => Row::Failed(Failure::evaluation(line, id, "internal error: no result".into())),
            },
            Settled::Failed(failure) => Row::Failed(failure),
        };
        self.prepared(row)
    }

    /// The row of an evaluated record, explained if asked for.
    pub(super) fn evaluated(&self, line: usize, id: String, record: &Record, outcome: Outcome) -> Row {
        let explanation = if self.explain.wants(&id) {
            self.evaluator.explain(&id, record, &outcome).ok().map(Box::new)
        } else {
            None
        };
        Row::Evaluated(Evaluated {
            line,
            id,
            outcome,
            explanation,
            encoded: None,
        })
    }

    pub(super) fn prepared(&self, mut row: Row) -> Row {
        if let Some(prepare) = &self.prepare {
            prepare(&mut row);
        }
        row
    }
}

/// What the workers make of one item of a chunk (a line, or a columnar reader's job): its
/// rows, in input order.
pub(super) trait ChunkRows: Sync {
    /// The rows of `item`, whose lines are in `block` and `owned`.
    fn rows_of<'c>(&'c self, block: &'c LineBlock, owned: &'c [u8], item: Item) -> impl Iterator<Item = Row> + 'c;
}

impl ChunkRows for Batch<'_> {
    fn rows_of<'c>(&'c self, block: &'c LineBlock, owned: &'c [u8], item: Item) -> impl Iterator<Item = Row> + 'c {
        self.process(block, owned, item)
    }
}

/// Reads `source` a chunk at a time: the workers turn each chunk's items into rows with
/// [`ChunkRows::rows_of`] (a parallel extend keeps the input order) while this thread reads the next chunk,
/// then `deliver` takes the chunk's rows and says whether to stop. Two chunks and the rows'
/// vector are reused throughout: memory stays flat and is allocated once. Shared by a batch's
/// stream and by several batches over one read ([`super::together`]).
pub(super) fn double_buffered<S, R>(
    pool: Option<&rayon::ThreadPool>,
    source: &mut S,
    rows_of: &R,
    mut deliver: impl FnMut(&mut Vec<Row>) -> bool,
) where
    S: RecordSource + ?Sized,
    R: ChunkRows + ?Sized,
{
    let mut current = Chunk::default();
    let mut next = Chunk::default();
    let mut rows: Vec<Row> = Vec::new();
    source.fill(&mut current, CHUNK);
    while !current.is_empty() {
        let Chunk {
            block, owned, items, ..
        } = &mut current;
        let (block, owned) = (&*block, owned.as_slice());
        next.clear();
        match pool {
            Some(pool) => pool.in_place_scope(|scope| {
                let rows = &mut rows;
                scope.spawn(move |_| {
                    rows.par_extend(
                        items
                            .par_drain(..)
                            .flat_map_iter(|item| rows_of.rows_of(block, owned, item)),
                    );
                });
                source.fill(&mut next, CHUNK);
            }),
            None => {
                rows.extend(items.drain(..).flat_map(|item| rows_of.rows_of(block, owned, item)));
                source.fill(&mut next, CHUNK);
            }
        }
        if deliver(&mut rows) {
            return;
        }
        std::mem::swap(&mut current, &mut next);
    }
}

/// Hands `rows` to the sink in order, counting them; whether it stopped the run.
fn deliver<K: Sink + ?Sized>(rows: &mut Vec<Row>, sink: &mut K, summary: &mut Summary) -> bool {
    for row in rows.drain(..) {
        summary.rows += 1;
        if sink.row(row).is_break() {
            summary.stopped = true;
            return true;
        }
    }
    false
}
