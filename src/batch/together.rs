//! Several batches over one read of the facts: `diff` (two campaigns) and `sweep` (one
//! campaign, several parameter values) evaluate every record once per batch, reading it once.
//!
//! When every batch reads lines alike (the same declared facts and reading options, as for
//! two parameter sets of one campaign, or two versions that declare the same facts), each
//! record of the one source is parsed once, then evaluated by every batch, on the workers,
//! while this thread reads the next chunk: parsing is most of the cost of a record, so this
//! is what keeps `diff` near one `evaluate`. Otherwise each chunk read is evaluated by every
//! batch (each parses the raw lines with its own parser, so two versions that declare
//! different facts each read theirs). Either way the rows of one record, one per batch, are
//! handed on together, in input order. When a batch needs the
//! whole population (a budget, a ranking), every chunk is kept, each batch runs over the kept
//! chunks, and the rows are handed on at the end: memory then grows with the input, as for one
//! such batch (times the number of batches).

use std::ops::ControlFlow;

use rayon::prelude::*;

use super::engine::{ChunkRows, double_buffered};
use super::source::{Chunk, Item};
use super::{Batch, CHUNK, Failure, Observer, RecordSource, Row, Summary};
use crate::facts::{InputRecord, LineBlock, RecordError};

/// Where the rows of several batches go: the rows of one input record, one per batch in the
/// order of the batches; [`ControlFlow::Break`] stops the run.
pub trait TogetherSink {
    /// Takes the rows of the next record.
    fn rows(&mut self, rows: &[Row]) -> ControlFlow<()>;
}

impl<F: FnMut(&[Row]) -> ControlFlow<()>> TogetherSink for F {
    fn rows(&mut self, rows: &[Row]) -> ControlFlow<()> {
        self(rows)
    }
}

/// The sources of a run together: one read by every batch, or one per batch (read in step,
/// for records that batches parse differently and that are not raw lines).
pub enum Sources<'s> {
    /// One source; every batch evaluates its records.
    Shared(&'s mut dyn RecordSource),
    /// One source per batch, in the order of the batches, each giving the same records.
    Each(Vec<Box<dyn RecordSource + 's>>),
}

/// Evaluates every record of `sources` with each of `batches` and hands the rows of each
/// record to `sink` together, in input order (when a batch needs the whole population, every
/// chunk is kept and each batch runs over them before any row is handed on). The
/// workers of the first batch's pool do the work; rows are the same for any number of threads.
pub fn run_together<K: TogetherSink + ?Sized>(
    batches: &[Batch<'_>],
    mut sources: Sources<'_>,
    sink: &mut K,
    observer: &dyn Observer,
) -> Summary {
    if batches.iter().any(Batch::needs_population) {
        return population(batches, &mut sources, sink, observer);
    }
    if let Sources::Shared(source) = &mut sources
        && parsed_alike(batches)
    {
        return parse_once(batches, &mut **source, sink, observer);
    }
    let mut chunks: Vec<Chunk> = (0..source_count(&sources)).map(|_| Chunk::default()).collect();
    let mut rows: Vec<Vec<Row>> = batches.iter().map(|_| Vec::new()).collect();
    let mut summary = Summary::default();
    let mut together: Vec<Row> = Vec::with_capacity(batches.len());
    loop {
        fill(&mut sources, &mut chunks);
        if chunks.iter().all(Chunk::is_empty) {
            return summary;
        }
        for (b, (batch, out)) in batches.iter().zip(&mut rows).enumerate() {
            let chunk = chunks.get(b).or_else(|| chunks.first());
            if let Some(chunk) = chunk {
                evaluate_chunk(batches.first().unwrap_or(batch), batch, chunk, out);
            }
        }
        let mut drains: Vec<_> = rows.iter_mut().map(|r| r.drain(..)).collect();
        loop {
            together.clear();
            together.extend(drains.iter_mut().map_while(Iterator::next));
            if together.len() < batches.len() {
                break;
            }
            summary.rows += 1;
            if sink.rows(&together).is_break() {
                summary.stopped = true;
                return summary;
            }
        }
        drop(drains);
        observer.progress(summary.rows);
    }
}

/// Whether every batch parses a line as the first one does, so that one parse serves all.
fn parsed_alike(batches: &[Batch<'_>]) -> bool {
    batches
        .split_first()
        .is_some_and(|(first, rest)| rest.iter().all(|b| b.parser.reads_like(&first.parser)))
}

/// Streams `source` for batches that parse alike: each record is read once (by the first
/// batch's parser, on the workers, as a job of a columnar reader too) and evaluated by every
/// batch in turn; the workers do a chunk while this thread reads the next one, as
/// [`Batch::run`] does for one batch. Two chunks and the rows are reused throughout.
fn parse_once<K: TogetherSink + ?Sized>(
    batches: &[Batch<'_>],
    source: &mut dyn RecordSource,
    sink: &mut K,
    observer: &dyn Observer,
) -> Summary {
    let mut summary = Summary::default();
    let Some(first) = batches.first() else {
        return summary;
    };
    // The rows of each record, one per batch, then those of the next record.
    double_buffered(first.pool.as_ref(), source, &ReadOnce(batches), |rows| {
        for record in rows.chunks_exact(batches.len()) {
            summary.rows += 1;
            if sink.rows(record).is_break() {
                summary.stopped = true;
                return true;
            }
        }
        rows.clear();
        observer.progress(summary.rows);
        false
    });
    summary
}

/// Batches that parse alike, each record read once by the first: [`rows_of`] for each item.
struct ReadOnce<'a, 'p>(&'a [Batch<'p>]);

impl ChunkRows for ReadOnce<'_, '_> {
    fn rows_of<'c>(&'c self, block: &'c LineBlock, owned: &'c [u8], item: Item) -> impl Iterator<Item = Row> + 'c {
        rows_of(self.0, block, owned, item)
    }
}

/// The rows of the records of one item, read once by the first batch: for each record, one
/// row per batch, in the order of the batches.
fn rows_of<'a, 'p>(
    batches: &'a [Batch<'p>],
    block: &LineBlock,
    owned: &[u8],
    item: Item,
) -> impl Iterator<Item = Row> + use<'a, 'p> {
    let records = batches.first().map(|first| first.read(block, owned, item));
    records.into_iter().flatten().flat_map(move |read| RowsOf {
        batches: batches.iter(),
        read,
    })
}

/// The rows of one record read, one per batch, each evaluated when it is taken.
struct RowsOf<'a, 'p> {
    batches: std::slice::Iter<'a, Batch<'p>>,
    read: Result<InputRecord, RecordError>,
}

impl Iterator for RowsOf<'_, '_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let batch = self.batches.next()?;
        Some(row_of(batch, &self.read))
    }
}

/// The row `batch` gives for a record read once for several batches: as for a record it read
/// itself, but the record is lent (each batch's row owns a copy of the id, or of the error).
fn row_of(batch: &Batch<'_>, read: &Result<InputRecord, RecordError>) -> Row {
    let row = match read {
        Ok(InputRecord { line, id, record }) => match batch.evaluator.evaluate(record) {
            Ok(outcome) => batch.evaluated(*line, id.clone(), record, outcome),
            Err(e) => Row::Failed(Failure::evaluation(*line, id.clone(), e.to_string())),
        },
        Err(e) => Row::Failed(Failure::read(e.clone())),
    };
    batch.prepared(row)
}

fn source_count(sources: &Sources<'_>) -> usize {
    match sources {
        Sources::Shared(_) => 1,
        Sources::Each(each) => each.len(),
    }
}

/// Fills each chunk with the next records of its source.
fn fill(sources: &mut Sources<'_>, chunks: &mut [Chunk]) {
    for chunk in chunks.iter_mut() {
        chunk.clear();
    }
    match sources {
        Sources::Shared(source) => {
            if let Some(chunk) = chunks.first_mut() {
                source.fill(chunk, CHUNK);
            }
        }
        Sources::Each(each) => {
            for (source, chunk) in each.iter_mut().zip(chunks.iter_mut()) {
                source.fill(chunk, CHUNK);
            }
        }
    }
    // A columnar reader hands its rows over as jobs, each run once: read them here, since the
    // chunk's records go to every batch.
    for chunk in chunks.iter_mut() {
        chunk.run_jobs();
    }
}

/// Evaluates the records of `chunk` with `batch` into `out`, on the workers of `pool_of`.
fn evaluate_chunk(pool_of: &Batch<'_>, batch: &Batch<'_>, chunk: &Chunk, out: &mut Vec<Row>) {
    let Chunk {
        block, owned, items, ..
    } = chunk;
    let owned = owned.as_slice();
    match &pool_of.pool {
        Some(pool) => {
            // Copied first: a chunk's items are not shared across threads (a job is `Send`, not `Sync`).
            let copies: Vec<Item> = items.iter().map(copy).collect();
            pool.install(|| out.par_extend(copies.into_par_iter().flat_map_iter(|i| batch.process(block, owned, i))));
        }
        None => out.extend(items.iter().flat_map(|i| batch.process(block, owned, copy(i)))),
    }
}

/// An item for one more batch: lines are ranges, records read already are cloned.
fn copy(item: &Item) -> Item {
    match item {
        Item::Block(line, range) => Item::Block(*line, range.clone()),
        Item::Owned(line, range) => Item::Owned(*line, range.clone()),
        Item::Read(record) => Item::Read(record.clone()),
        // `fill` ran every job already (`Chunk::run_jobs`): a job runs once, and here each item
        // goes to several batches.
        Item::Job(_) => Item::Read(Box::new(Err(job_not_run()))),
    }
}

/// The error of a job left in a chunk shared by several batches, which `fill` prevents.
fn job_not_run() -> crate::facts::RecordError {
    crate::facts::RecordError {
        line: 0,
        column: None,
        id: None,
        fact: None,
        message: "internal error: records of a columnar file were not read before evaluation".to_string(),
    }
}

/// Keeps every chunk, runs each batch over them, then hands the rows on together.
fn population<K: TogetherSink + ?Sized>(
    batches: &[Batch<'_>],
    sources: &mut Sources<'_>,
    sink: &mut K,
    observer: &dyn Observer,
) -> Summary {
    let mut kept: Vec<Vec<Chunk>> = (0..source_count(sources)).map(|_| Vec::new()).collect();
    loop {
        let mut chunks: Vec<Chunk> = kept.iter().map(|_| Chunk::default()).collect();
        fill(sources, &mut chunks);
        if chunks.iter().all(Chunk::is_empty) {
            break;
        }
        for (keep, chunk) in kept.iter_mut().zip(chunks) {
            keep.push(chunk);
        }
    }
    let mut all: Vec<std::vec::IntoIter<Row>> = Vec::with_capacity(batches.len());
    for (b, batch) in batches.iter().enumerate() {
        let Some(chunks) = kept.get(b).or_else(|| kept.first()) else {
            return Summary::default();
        };
        let mut rows: Vec<Row> = Vec::new();
        batch.run(&mut Replay { chunks, next: 0 }, &mut rows, observer);
        all.push(rows.into_iter());
    }
    let mut summary = Summary::default();
    let mut together: Vec<Row> = Vec::with_capacity(batches.len());
    loop {
        together.clear();
        together.extend(all.iter_mut().map_while(Iterator::next));
        if together.len() < batches.len() {
            return summary;
        }
        summary.rows += 1;
        if sink.rows(&together).is_break() {
            summary.stopped = true;
            return summary;
        }
    }
}

/// Kept chunks read again, as a source: lines are copied, records read already cloned.
struct Replay<'c> {
    chunks: &'c [Chunk],
    next: usize,
}

impl RecordSource for Replay<'_> {
    fn fill(&mut self, chunk: &mut Chunk, _max: usize) {
        let Some(kept) = self.chunks.get(self.next) else {
            return;
        };
        self.next += 1;
        for item in &kept.items {
            match item {
                Item::Block(line, range) => chunk.push_line(*line, kept.block.line(range.clone())),
                Item::Owned(line, range) => {
                    chunk.push_line(*line, kept.owned.get(range.clone()).unwrap_or_default());
                }
                Item::Read(record) => chunk.items.push(Item::Read(record.clone())),
                Item::Job(_) => chunk.items.push(Item::Read(Box::new(Err(job_not_run())))),
            }
        }
    }
}
