//! Arrow record batches in and out through the Arrow C stream interface (the
//! PyCapsule protocol, `__arrow_c_stream__`), and the run between them.
//!
//! The run goes on a thread of its own: it pulls the input's batches (a
//! record batch at a time, never a row through Python), reads them as
//! records with the library's columnar reader, evaluates them with the
//! library's [`Batch`] (streaming, or the whole population for budgets and
//! rankings) and builds the result batches with [`ResultBatches`]; the
//! consumer pulls those from a channel of two batches, so memory stays
//! bounded when the results stream. Neither side holds the GIL while it
//! waits.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use campaign::batch::{Batch, Evaluated, Failure, Jobs, Row, Unobserved};
use campaign::eval::Evaluator;
use campaign::facts::{FileError, InputRecord, ReadOptions, open_batches};
use campaign::program::Program;
use campaign::program::inputs::Inputs;
use campaign::report::parquet::ResultBatches;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::stages::{Given, without_given};

/// The name the C stream interface gives its capsules.
pub const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// Result rows per batch handed to the consumer.
const OUT_ROWS: usize = 8192;

/// Batches of results waiting for the consumer at most.
const WAITING: usize = 2;

/// The stack of the thread that runs an evaluation: deeply nested campaigns
/// need a few MiB (the library's own pools use the same).
const STACK: usize = 64 << 20;

/// The input stream of `capsule`, moved out of it (the capsule is left released).
pub fn import(capsule: &Bound<'_, PyAny>) -> PyResult<RecordBatchStreamReader> {
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| PyTypeError::new_err("expected a PyCapsule of an Arrow C stream"))?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: a capsule named `arrow_array_stream` holds an `ArrowArrayStream` (the C stream
    // interface's PyCapsule protocol); `from_raw` moves it out and marks the original
    // released, which the capsule's destructor then sees.
    unsafe { RecordBatchStreamReader::from_raw(pointer.as_ptr().cast()) }
        .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))
}

/// A capsule of the C stream of `results`, for `pyarrow.RecordBatchReader.from_stream`.
pub fn export(py: Python<'_>, results: Results) -> PyResult<Bound<'_, PyCapsule>> {
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(Box::new(results)), STREAM)
}

/// One evaluation: the program and what it is run with.
pub struct Run {
    /// The campaign.
    pub program: Arc<Program>,
    /// Its inputs.
    pub inputs: Inputs,
    /// The threads evaluating.
    pub jobs: usize,
    /// The zone of timestamp columns without one.
    pub zone: Option<chrono_tz::Tz>,
    /// The last stage of rankings and budgets evaluated in stages (`stages`): the input's
    /// columns `stages::RANKS` and `stages::ALLOTMENTS` hold what each record is given.
    pub finish: bool,
}

/// The results of a run, as they come.
pub struct Results {
    schema: SchemaRef,
    batches: Receiver<Result<RecordBatch, ArrowError>>,
}

impl Iterator for Results {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        // The sender is dropped when the run ends: then there are no more batches.
        self.batches.recv().ok()
    }
}

impl RecordBatchReader for Results {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Run {
    /// Starts the run on `input`: its results, and the warnings about the
    /// input's columns, once the columns have been matched to the facts.
    ///
    /// # Errors
    ///
    /// Why the input as a whole cannot be read (as the command line refuses a
    /// file: a column that cannot hold its fact, a required fact without a
    /// column), rendered with its help.
    pub fn start(self, input: RecordBatchStreamReader) -> Result<(Results, Vec<String>), String> {
        let schema = ResultBatches::new(&self.program).schema();
        let (ready, opened) = sync_channel::<Result<Vec<String>, String>>(1);
        let (sender, batches) = sync_channel(WAITING);
        std::thread::Builder::new()
            .name("campaign-evaluate".into())
            .stack_size(STACK)
            .spawn(move || self.run(input, &ready, &sender))
            .map_err(|e| format!("cannot start the evaluation: {e}"))?;
        let warnings = opened
            .recv()
            .map_err(|_| "internal error: the evaluation stopped before reading its input".to_owned())??;
        Ok((Results { schema, batches }, warnings))
    }

    /// Reads, evaluates and sends the results (on the run's thread).
    fn run(
        self,
        input: RecordBatchStreamReader,
        ready: &SyncSender<Result<Vec<String>, String>>,
        sender: &SyncSender<Result<RecordBatch, ArrowError>>,
    ) {
        let program = &*self.program;
        let given = Given::default();
        let (arrow, input): (SchemaRef, Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>) = if self.finish {
            let (schema, batches) = without_given(input, given.clone());
            (schema, Box::new(batches))
        } else {
            (input.schema(), Box::new(input))
        };
        let columnar = match open_batches(&program.schema, arrow, input, &ReadOptions::default(), self.zone) {
            Ok(columnar) => columnar,
            Err(e) => {
                // The caller is waiting for this answer; if it is gone there is no one to tell.
                let _ = ready.send(Err(refusal(&e)));
                return;
            }
        };
        if ready.send(Ok(columnar.warnings.clone())).is_err() {
            return;
        }
        let mut results = ResultBatches::new(program);
        let mut sink = |row: Row| -> ControlFlow<()> {
            let sent = results.push(&row).map_err(external).and_then(|()| {
                if results.len() >= OUT_ROWS {
                    send(&mut results, sender)
                } else {
                    Ok(())
                }
            });
            match sent {
                Ok(()) => ControlFlow::Continue(()),
                Err(e) => {
                    // The consumer sees the error as the stream's; if it is gone, nothing is lost.
                    let _ = sender.send(Err(e));
                    ControlFlow::Break(())
                }
            }
        };
        let stopped = if self.finish {
            let evaluator = Evaluator::with_inputs(program, self.inputs);
            finish(&evaluator, columnar.into_records(), &given, &mut sink)
        } else {
            let batch = Batch::new(program, self.inputs).threads(self.jobs);
            batch.run(&mut Jobs::new(columnar.jobs), &mut sink, &Unobserved).stopped
        };
        if !stopped && let Err(e) = send(&mut results, sender) {
            let _ = sender.send(Err(e));
        }
    }
}

/// The last stage: each record of `records` evaluated again with what it is `given` (its places
/// and what its claims came to); whether the sink stopped the run.
fn finish(
    evaluator: &Evaluator<'_>,
    records: campaign::facts::Records<'_>,
    given: &Given,
    sink: &mut dyn FnMut(Row) -> ControlFlow<()>,
) -> bool {
    for read in records {
        let row = match read {
            Ok(InputRecord { line, id, record }) => {
                let outcome = given
                    .of(evaluator, line)
                    .map(|(ranks, allotted)| evaluator.finish(&record, &ranks, &allotted));
                match outcome {
                    Ok(Ok(outcome)) => Row::Evaluated(Evaluated {
                        line,
                        id,
                        outcome,
                        explanation: None,
                        encoded: None,
                    }),
                    Ok(Err(e)) => Row::Failed(Failure::evaluation(line, id, e.to_string())),
                    Err(e) => Row::Failed(Failure::evaluation(line, id, e)),
                }
            }
            Err(e) => Row::Failed(Failure::read(e)),
        };
        if sink(row).is_break() {
            return true;
        }
    }
    false
}

/// Sends the rows collected as a batch (none when there are none); an error
/// when the consumer has gone away (which stops the run).
fn send(
    results: &mut ResultBatches<'_>,
    sender: &SyncSender<Result<RecordBatch, ArrowError>>,
) -> Result<(), ArrowError> {
    if results.is_empty() {
        return Ok(());
    }
    let batch = results.finish().map_err(external)?;
    sender
        .send(Ok(batch))
        .map_err(|_| ArrowError::ExternalError("the results are no longer read".into()))
}

fn external(e: std::io::Error) -> ArrowError {
    ArrowError::ExternalError(Box::new(e))
}

/// A refused input as the command line shows it, with its help.
pub fn refusal(e: &FileError) -> String {
    match &e.help {
        Some(help) => format!("{}\n  help: {help}", e.message),
        None => e.message.clone(),
    }
}
