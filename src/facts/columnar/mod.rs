//! Reading Parquet and Arrow IPC fact files: columns matched to facts.
//!
//! A columnar file holds one record per row. Its columns are matched to the
//! campaign's facts by name (exactly; a name differing only in case, as Hive
//! lower-cases names, is accepted with a warning), a list fact is a column of
//! `list<struct>` whose struct fields are matched to the items' facts in
//! turn, and only the columns of declared facts (and `id`) are read. Each
//! cell is read by the rules of the JSON reader ([`cell`]): a string cell as
//! a JSON string, integers and decimals as JSON numbers (decimals at their
//! column's scale, trailing zeros dropped only beyond 28 places), booleans,
//! and timestamps as instants (one without a zone only with the zone of
//! `--facts-timezone`). A floating-point column for a fact read exactly is
//! refused. Null is unknown.
//!
//! Problems with the file as a whole (a column of a type that cannot hold
//! its fact, a required fact without a column, a file that is not Parquet)
//! refuse it before any record; a cell that does not fit its fact is an
//! error for its record only, whose message names the row group (a record
//! batch of an Arrow file), the row in it and the file. A record's `line` is
//! its row's 1-based number in the input (across the parts of a folder).
//!
//! Parquet files are read a batch of 4,096 rows at a time, Arrow files a
//! record batch at a time, so memory stays bounded whatever the number of
//! rows.

mod build;
mod cell;
mod columns;
mod fill;
mod ipc;
mod job;
#[cfg(feature = "parquet")]
mod parquet;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};
use chrono_tz::Tz;

use super::undeclared::{closest_fact, declared_names, schemas};
use super::{FileError, Format, ReadOptions, RecordError, RecordJob};
use crate::program::schema::RecordSchema;
use crate::report::shown_path;
use columns::{Context, Matched};
use job::{PartInfo, Slice};

/// Rows converted to records at a time.
#[cfg(feature = "parquet")]
const BATCH_ROWS: usize = 4096;

/// Rows read into records by one job (on one thread): small enough for the jobs of a batch
/// to spread over the workers, large enough for a column's conversion to run long.
const JOB_ROWS: usize = 256;

/// The records of a columnar input, in row order, as jobs that read them: each job gives the
/// records of some rows (with their number), to be run on any thread.
pub type Jobs<'s> = Box<dyn Iterator<Item = (RecordJob, usize)> + 's>;

/// A columnar input opened: the jobs reading its records, and the warnings found opening it
/// (columns matched ignoring case), to show before the results.
pub struct Columnar<'s> {
    /// The records, as jobs.
    pub jobs: Jobs<'s>,
    /// One line each, lowercase, without `warning: `.
    pub warnings: Vec<String>,
}

impl<'s> Columnar<'s> {
    /// The records, one item per row, each job run here in turn.
    pub fn into_records(self) -> super::Records<'s> {
        Box::new(self.jobs.flat_map(|(job, _)| job()))
    }
}

impl std::fmt::Debug for Columnar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Columnar")
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// Opens the columnar fact file at `path` (for [`Format::Parquet`], also a
/// folder of `.parquet` part files, read in the order of their names),
/// read against `schema`; `zone` is the zone of timestamps without one.
///
/// # Errors
///
/// A [`FileError`] when the input cannot be read as a whole: not a file of
/// `format`, a folder without parts, a column of a type that cannot hold its
/// fact, a required fact without a column, a timestamp column without a zone
/// when `zone` is `None`, or (with [`ReadOptions::strict`]) a column the
/// campaign does not declare.
pub fn open_columnar<'s>(
    schema: &'s RecordSchema,
    format: Format,
    path: &Path,
    options: &ReadOptions,
    zone: Option<Tz>,
) -> Result<Columnar<'s>, FileError> {
    let setup = Setup::new(schema, options, zone);
    match format {
        Format::Arrow => {
            if path.is_dir() {
                return Err(FileError {
                    line: None,
                    message: format!(
                        "`{}` is a folder; only Parquet parts are read from a folder",
                        shown_path(path)
                    ),
                    help: None,
                });
            }
            let part = ipc::open(|| std::fs::File::open(path), shown_path(path), &setup)?;
            Ok(setup.finish(vec![Box::new(move || Ok(part))]))
        }
        Format::Parquet => parquet_parts(path, setup),
        Format::Json | Format::Ndjson | Format::Csv | Format::Xlsx => Err(FileError {
            line: None,
            message: "not a columnar format".into(),
            help: None,
        }),
    }
}

/// Reads the columnar file of `format` held whole in `bytes` (standard input), as
/// [`open_columnar`] reads a file.
///
/// # Errors
///
/// See [`open_columnar`].
pub fn open_columnar_bytes<'s>(
    schema: &'s RecordSchema,
    format: Format,
    bytes: Vec<u8>,
    options: &ReadOptions,
    zone: Option<Tz>,
) -> Result<Columnar<'s>, FileError> {
    let setup = Setup::new(schema, options, zone);
    let part = match format {
        Format::Parquet => parquet_bytes(bytes, &setup)?,
        Format::Arrow | Format::Json | Format::Ndjson | Format::Csv | Format::Xlsx => {
            let bytes: std::sync::Arc<[u8]> = bytes.into();
            ipc::open(|| Ok(std::io::Cursor::new(bytes.clone())), "the input".into(), &setup)?
        }
    };
    Ok(setup.finish(vec![Box::new(move || Ok(part))]))
}

/// Reads records from a stream of Arrow record batches of schema `arrow`
/// (from another program: a Python or JVM caller), as [`open_columnar`]
/// reads an Arrow IPC file from standard input: its columns are checked
/// against the facts before any record is read, and a record's error names
/// `the input`, the record batch and the row in it. `zone` is the zone of
/// timestamps without one.
///
/// # Errors
///
/// A [`FileError`] when the columns cannot be read as the campaign's facts
/// (see [`open_columnar`]).
pub fn open_batches<'s, I>(
    schema: &'s RecordSchema,
    arrow: SchemaRef,
    batches: I,
    options: &ReadOptions,
    zone: Option<Tz>,
) -> Result<Columnar<'s>, FileError>
where
    I: Iterator<Item = Result<RecordBatch, ArrowError>> + 'static,
{
    let setup = Setup::new(schema, options, zone);
    let matched = setup.check(&arrow)?;
    setup.warn_later(matched.warnings);
    let part = Part {
        info: PartInfo {
            name: "the input".into(),
            unit: "record batch",
            groups: None,
            undeclared: matched.undeclared,
        },
        batches: Box::new(batches),
    };
    Ok(setup.finish(vec![Box::new(move || Ok(part))]))
}

#[cfg(feature = "parquet")]
fn parquet_parts<'s>(path: &Path, setup: Setup<'s>) -> Result<Columnar<'s>, FileError> {
    parquet::open_parts(path, setup)
}

#[cfg(feature = "parquet")]
fn parquet_bytes(bytes: Vec<u8>, setup: &Setup<'_>) -> Result<Part, FileError> {
    parquet::open_bytes(bytes, setup)
}

#[cfg(not(feature = "parquet"))]
fn parquet_parts<'s>(_path: &Path, _setup: Setup<'s>) -> Result<Columnar<'s>, FileError> {
    Err(no_parquet())
}

#[cfg(not(feature = "parquet"))]
fn parquet_bytes(_bytes: Vec<u8>, _setup: &Setup<'_>) -> Result<Part, FileError> {
    Err(no_parquet())
}

/// The refusal of a Parquet file by a build without the `parquet` feature.
#[cfg(not(feature = "parquet"))]
fn no_parquet() -> FileError {
    FileError {
        line: None,
        message: "this build of campaign reads no Parquet files (it was built without the `parquet` feature)".into(),
        help: Some("build campaign with its default features".into()),
    }
}

/// The refusal of a file that cannot be opened.
#[cfg(feature = "parquet")]
fn unreadable(path: &Path, e: &std::io::Error) -> FileError {
    FileError {
        line: None,
        message: format!("cannot read `{}`: {e}", shown_path(path)),
        help: None,
    }
}

/// What every part of an input is read with.
struct Setup<'s> {
    schema: &'s RecordSchema,
    options: ReadOptions,
    zone: Option<Tz>,
    numbered: Vec<(String, &'s RecordSchema)>,
    warnings: std::cell::RefCell<Vec<String>>,
}

/// Opens one part of an input when its turn comes.
type Later<'s> = Box<dyn FnOnce() -> Result<Part, FileError> + 's>;

/// The batches of rows of a part.
type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>;

/// One file of an input, opened.
struct Part {
    /// What its records share: its name, its row groups, its undeclared columns.
    info: PartInfo,
    /// Its batches of rows.
    batches: Batches,
}

impl<'s> Setup<'s> {
    fn new(schema: &'s RecordSchema, options: &ReadOptions, zone: Option<Tz>) -> Setup<'s> {
        Setup {
            schema,
            options: options.clone(),
            zone,
            numbered: schemas(schema),
            warnings: std::cell::RefCell::default(),
        }
    }

    /// Matches the columns of `arrow` (a whole file's schema) to the facts:
    /// the warnings and undeclared columns found, or why the file is refused.
    fn check(&self, arrow: &SchemaRef) -> Result<Matched, FileError> {
        let empty = RecordBatch::new_empty(arrow.clone());
        let mut ctx = Context {
            zone: self.zone,
            schemas: &self.numbered,
            matched: Matched::default(),
        };
        let _id = columns::id_column(empty.schema_ref().fields(), empty.columns())?;
        columns::compile(self.schema, empty.schema_ref().fields(), empty.columns(), "", &mut ctx)?;
        if self.options.strict && !ctx.matched.undeclared.is_empty() {
            return Err(self.not_declared(&ctx.matched.undeclared));
        }
        Ok(ctx.matched)
    }

    /// The refusal of undeclared columns under `--strict-facts`.
    fn not_declared(&self, undeclared: &[(u32, String)]) -> FileError {
        let mut names = Vec::new();
        let mut slips = Vec::new();
        for (number, name) in undeclared {
            let Some((prefix, schema)) = usize::try_from(*number).ok().and_then(|n| self.numbered.get(n)) else {
                continue;
            };
            names.push(format!("`{prefix}{name}`"));
            let declared = declared_names(schema, prefix.is_empty());
            if let Some(fact) = closest_fact(name, declared.iter().copied()) {
                slips.push(format!("`{prefix}{name}`: did you mean `{prefix}{fact}`?"));
            }
        }
        FileError {
            line: None,
            message: format!(
                "the file has columns the campaign does not declare: {}",
                names.join(", ")
            ),
            help: Some(if slips.is_empty() {
                "--strict-facts refuses every column that is not a declared fact".into()
            } else {
                slips.join("; ")
            }),
        }
    }

    /// Keeps the warnings of a part (each once), to give them with the records.
    fn warn_later(&self, warnings: Vec<String>) {
        let mut kept = self.warnings.borrow_mut();
        for w in warnings {
            if !kept.contains(&w) {
                kept.push(w);
            }
        }
    }

    /// The records of the parts, opened in turn.
    fn finish(self, parts: Vec<Later<'s>>) -> Columnar<'s> {
        let Setup {
            schema,
            options,
            zone,
            numbered,
            warnings,
        } = self;
        Columnar {
            jobs: Box::new(Rows {
                schema,
                shared: Arc::new(schema.clone()),
                options,
                zone,
                numbered,
                parts: parts.into(),
                current: None,
                pending: VecDeque::new(),
                line: 0,
            }),
            warnings: warnings.into_inner(),
        }
    }
}

/// The part being read, and where in it.
struct Reading {
    info: Arc<PartInfo>,
    batches: Batches,
    /// Rows of the part read so far.
    rows: u64,
    /// Batches read so far.
    read: u64,
}

/// The jobs reading the records of the parts of an input, a batch at a time.
struct Rows<'s> {
    schema: &'s RecordSchema,
    /// The schema again, for the jobs (which may run on any thread).
    shared: Arc<RecordSchema>,
    options: ReadOptions,
    zone: Option<Tz>,
    numbered: Vec<(String, &'s RecordSchema)>,
    parts: VecDeque<Later<'s>>,
    current: Option<Reading>,
    /// The jobs of the batch read last, not handed out yet.
    pending: VecDeque<(RecordJob, usize)>,
    /// Rows read so far, across parts.
    line: usize,
}

impl Iterator for Rows<'_> {
    type Item = (RecordJob, usize);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(job) = self.pending.pop_front() {
                return Some(job);
            }
            let reading = match self.current.as_mut() {
                Some(reading) => reading,
                None => {
                    let later = self.parts.pop_front()?;
                    match later() {
                        Ok(part) => self.current.insert(Reading {
                            info: Arc::new(part.info),
                            batches: part.batches,
                            rows: 0,
                            read: 0,
                        }),
                        Err(e) => return Some(failed(self.part_failed(e.message))),
                    }
                }
            };
            match reading.batches.next() {
                None => self.current = None,
                Some(Ok(batch)) => self.slice(&batch),
                Some(Err(e)) => {
                    let message = format!(
                        "could not read `{}` past its first {} rows: {}; the rest of it was not read",
                        reading.info.name,
                        reading.rows,
                        arrow_message(&e)
                    );
                    self.current = None;
                    return Some(failed(self.part_failed(message)));
                }
            }
        }
    }
}

/// The job giving only `error`.
fn failed(error: RecordError) -> (RecordJob, usize) {
    (Box::new(move || vec![Err(error)]), 1)
}

/// An Arrow or Parquet error as a message.
fn arrow_message(e: &ArrowError) -> String {
    match e {
        ArrowError::ExternalError(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

impl Rows<'_> {
    /// The error item for a part that could not be read (in place of its next row).
    fn part_failed(&self, message: String) -> RecordError {
        RecordError {
            line: self.line + 1,
            column: None,
            id: None,
            fact: None,
            message,
        }
    }

    /// Cuts `batch` into the jobs reading its rows, [`JOB_ROWS`] at a time.
    fn slice(&mut self, batch: &RecordBatch) {
        let Some(reading) = self.current.as_mut() else {
            return;
        };
        reading.read += 1;
        let rows = batch.num_rows();
        // The columns are matched here once per batch, for the error to be given once; each
        // job matches them again on its own thread (the readers of the cells borrow the batch).
        let mut ctx = Context {
            zone: self.zone,
            schemas: &self.numbered,
            matched: Matched::default(),
        };
        let fields = batch.schema_ref().fields();
        let compiled = columns::id_column(fields, batch.columns())
            .and_then(|_| columns::compile(self.schema, fields, batch.columns(), "", &mut ctx));
        if let Err(e) = compiled {
            self.line += rows;
            reading.rows += u64::try_from(rows).unwrap_or(u64::MAX);
            let error = RecordError {
                line: self.line,
                column: None,
                id: None,
                fact: None,
                message: format!("the rows of `{}` could not be read: {}", reading.info.name, e.message),
            };
            self.pending.push_back(failed(error));
            return;
        }
        let batch_first = reading.rows;
        for start in (0..rows).step_by(JOB_ROWS) {
            let n = JOB_ROWS.min(rows - start);
            let slice = Slice {
                schema: self.shared.clone(),
                zone: self.zone,
                rows: batch.slice(start, n),
                line: self.line,
                part: reading.info.clone(),
                first: reading.rows,
                batch: (reading.read, batch_first),
                undeclared: self.options.undeclared.clone(),
            };
            self.line += n;
            reading.rows += u64::try_from(n).unwrap_or(u64::MAX);
            self.pending.push_back((Box::new(move || slice.read()), n));
        }
    }
}
