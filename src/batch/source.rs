//! Where a batch's records come from, a chunk at a time.

use std::io::{BufReader, Read};
use std::ops::Range;

use crate::facts::{
    FileError, Format, InputRecord, LineBlock, NdjsonLines, ReadOptions, RecordError, RecordJob, read_records_with,
};
use crate::program::schema::RecordSchema;

/// Gives the records of an input, a chunk at a time, in input order.
pub trait RecordSource {
    /// Adds up to `max` of the next input records to `chunk` (which the
    /// batch has emptied); adding none means the input is exhausted.
    fn fill(&mut self, chunk: &mut Chunk, max: usize);
}

impl<S: RecordSource + ?Sized> RecordSource for Box<S> {
    fn fill(&mut self, chunk: &mut Chunk, max: usize) {
        (**self).fill(chunk, max);
    }
}

/// Input records on their way to the workers: raw NDJSON lines (parsed by
/// the workers), jobs reading several records (run by the workers) or records
/// read already. Reused from chunk to chunk, so that its memory is allocated
/// once.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The bytes of the lines of an [`NdjsonSource`].
    pub(super) block: LineBlock,
    /// The bytes of the lines added with [`Chunk::push_line`].
    pub(super) owned: Vec<u8>,
    pub(super) items: Vec<Item>,
    /// The records of the jobs among the items (a job is one item of many records).
    pub(super) jobs: usize,
    /// The records held, jobs' included.
    records: usize,
}

/// One input record in a chunk.
#[derive(Debug)]
pub(super) enum Item {
    /// A line of the chunk's block: its number, and where its bytes are.
    Block(usize, Range<usize>),
    /// A line added with [`Chunk::push_line`]: its number, and where its bytes are in `owned`.
    Owned(usize, Range<usize>),
    /// A record read already (boxed: it is large, and most items are lines).
    Read(Box<Result<InputRecord, RecordError>>),
    /// A job giving the next records.
    Job(Job),
}

/// A job of a chunk.
pub(super) struct Job(pub(super) RecordJob);

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Chunk {
    /// Adds a record read already (or the error reading it).
    pub fn push(&mut self, record: Result<InputRecord, RecordError>) {
        self.items.push(Item::Read(Box::new(record)));
        self.records += 1;
    }

    /// Adds a job giving the next `records` records (or errors), to be run by a worker.
    pub fn push_job(&mut self, job: RecordJob, records: usize) {
        self.items.push(Item::Job(Job(job)));
        self.jobs += records;
        self.records += records;
    }

    /// Adds one NDJSON line, to be parsed by the workers: its 1-based number
    /// and its bytes, without the line break (blank lines are to be skipped
    /// by the caller).
    pub fn push_line(&mut self, line: usize, bytes: &[u8]) {
        let start = self.owned.len();
        self.owned.extend_from_slice(bytes);
        self.items.push(Item::Owned(line, start..self.owned.len()));
        self.records += 1;
    }

    /// Runs the chunk's jobs here and now, each replaced by the records it read: for a chunk
    /// that several batches evaluate (`run_together`), since a job runs only once.
    pub(super) fn run_jobs(&mut self) {
        if self.jobs == 0 {
            return;
        }
        let items = std::mem::take(&mut self.items);
        for item in items {
            match item {
                Item::Job(Job(job)) => self.items.extend(job().into_iter().map(|r| Item::Read(Box::new(r)))),
                Item::Block(..) | Item::Owned(..) | Item::Read(_) => self.items.push(item),
            }
        }
        self.jobs = 0;
    }

    /// How many records the chunk holds.
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether the chunk holds no record.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Forgets the records held (keeping the memory).
    pub fn clear(&mut self) {
        self.items.clear();
        self.owned.clear();
        self.jobs = 0;
        self.records = 0;
    }
}

/// The records of an NDJSON input, split into raw lines here and parsed by
/// the workers: the fast path for NDJSON.
pub struct NdjsonSource<R> {
    lines: NdjsonLines<R>,
}

impl<R> std::fmt::Debug for NdjsonSource<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NdjsonSource").finish_non_exhaustive()
    }
}

impl<R: Read> NdjsonSource<R> {
    /// Reads NDJSON from `input` (in large blocks: no need to buffer it).
    pub fn new(input: R) -> Self {
        NdjsonSource {
            lines: NdjsonLines::new(input),
        }
    }
}

impl<R: Read> RecordSource for NdjsonSource<R> {
    fn fill(&mut self, chunk: &mut Chunk, max: usize) {
        let Chunk {
            block, items, records, ..
        } = chunk;
        self.lines.fill(block, max, |l| {
            *records += 1;
            items.push(match l {
                Ok((line, range)) => Item::Block(line, range),
                Err(e) => Item::Read(Box::new(Err(e))),
            })
        });
    }
}

/// Raw NDJSON lines held in memory, parsed by the workers: each a 1-based
/// line number and the line's bytes, without the line break.
#[derive(Debug)]
pub struct Lines<I> {
    lines: I,
}

impl<I> Lines<I> {
    /// The lines of `lines`.
    pub fn new(lines: I) -> Self {
        Lines { lines }
    }
}

impl<I, B> RecordSource for Lines<I>
where
    I: Iterator<Item = (usize, B)>,
    B: AsRef<[u8]>,
{
    fn fill(&mut self, chunk: &mut Chunk, max: usize) {
        for (line, bytes) in self.lines.by_ref().take(max) {
            chunk.push_line(line, bytes.as_ref());
        }
    }
}

/// Records read by any reader (such as [`read_records`](crate::facts::read_records)), one item per input record.
#[derive(Debug)]
pub struct Records<I> {
    records: I,
}

impl<I> Records<I> {
    /// The records of `records`.
    pub fn new(records: I) -> Self {
        Records { records }
    }
}

impl<I: Iterator<Item = Result<InputRecord, RecordError>>> RecordSource for Records<I> {
    fn fill(&mut self, chunk: &mut Chunk, max: usize) {
        for record in self.records.by_ref().take(max) {
            chunk.push(record);
        }
    }
}

/// Records read by jobs (such as a columnar reader's), each job run by a worker.
pub struct Jobs<I> {
    jobs: I,
}

impl<I> std::fmt::Debug for Jobs<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

impl<I> Jobs<I> {
    /// The records of `jobs`: each a job and the number of records it gives.
    pub fn new(jobs: I) -> Self {
        Jobs { jobs }
    }
}

impl<I: Iterator<Item = (RecordJob, usize)>> RecordSource for Jobs<I> {
    fn fill(&mut self, chunk: &mut Chunk, max: usize) {
        while chunk.len() < max {
            let Some((job, records)) = self.jobs.next() else {
                break;
            };
            chunk.push_job(job, records);
        }
    }
}

/// The source for a fact file of `format`, read with the default
/// [`ReadOptions`]: NDJSON split into lines that the workers parse; JSON, CSV
/// and `.xlsx` read by [`read_records`](crate::facts::read_records) (a `.json`
/// or `.xlsx` file is read whole here). See [`open_with`].
///
/// # Errors
///
/// A [`FileError`] when the file as a whole cannot be read (see
/// [`read_records`](crate::facts::read_records)).
pub fn open<'s, R: Read + 's>(
    schema: &'s RecordSchema,
    format: Format,
    input: R,
) -> Result<Box<dyn RecordSource + 's>, FileError> {
    open_with(schema, format, input, &ReadOptions::default())
}

/// The source for a fact file of `format`: NDJSON split into lines that the
/// workers parse (with the batch's [`LineParser`](crate::facts::LineParser),
/// which `options` do not reach: build it with the same options); JSON and
/// CSV read by [`read_records_with`] with `options` (a `.json` file is read
/// whole here).
///
/// # Errors
///
/// A [`FileError`] when the file as a whole cannot be read (see
/// [`read_records_with`]).
pub fn open_with<'s, R: Read + 's>(
    schema: &'s RecordSchema,
    format: Format,
    input: R,
    options: &ReadOptions,
) -> Result<Box<dyn RecordSource + 's>, FileError> {
    match format {
        Format::Ndjson => Ok(Box::new(NdjsonSource::new(input))),
        Format::Json | Format::Csv | Format::Xlsx | Format::Parquet | Format::Arrow => {
            let records = read_records_with(schema, format, BufReader::with_capacity(1 << 16, input), options)?;
            Ok(Box::new(Records::new(records)))
        }
    }
}
