//! The extension module `campaign._campaign`: the glue between Python and the
//! `campaign` library. Everything that decides a result is in the library:
//! this module checks a campaign's text, turns Python arguments into the
//! run's [`Inputs`], and moves Arrow record batches across the C stream
//! interface (see `stream`). The Python package in `campaign/` wraps it.

mod stages;
mod stream;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_array::ffi_stream::RecordBatchStreamReader;

use campaign::diagnostics::{Diagnostic, Severity, SourceFile};
use campaign::program::Program;
use campaign::program::inputs::{Inputs, not_a_time, parse_holiday_file};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// A campaign checked and compiled, ready to evaluate.
#[pyclass(frozen, name = "Program", module = "campaign._campaign")]
struct Compiled {
    program: Arc<Program>,
}

#[pymethods]
impl Compiled {
    /// The campaign's name.
    #[getter]
    fn name(&self) -> &str {
        &self.program.name
    }

    /// Whether the campaign needs every record before it gives any result
    /// (a budget or a ranking).
    #[getter]
    fn needs_population(&self) -> bool {
        campaign::eval::Evaluator::new(&self.program).needs_population()
    }

    /// How many places a record has across the campaign's rankings (a ranking has one, a
    /// ranking per period one per period): the places `rank_entries_stream` gives entries for.
    #[getter]
    fn rank_places(&self) -> usize {
        campaign::eval::Evaluator::new(&self.program).rank_places()
    }

    /// The indices of the campaign's budgeted rewards, in the order their budgets are handed
    /// out (a record whose claim on one fails leaves the later ones' queues).
    #[getter]
    fn budgets(&self) -> Vec<usize> {
        campaign::eval::Evaluator::new(&self.program).budgets()
    }

    /// The ranking entries of the records of the Arrow C stream in `capsule` (see
    /// `stages::rank_entries`): a capsule of one batch.
    #[pyo3(signature = (capsule, params, as_of, holidays, facts_timezone))]
    fn rank_entries_stream<'py>(
        &self,
        py: Python<'py>,
        capsule: &Bound<'py, PyAny>,
        params: Vec<(String, String)>,
        as_of: Option<String>,
        holidays: Option<String>,
        facts_timezone: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let zone = zone(facts_timezone)?;
        self.stage(py, capsule, (&params, as_of, holidays), |program, inputs, input| {
            stages::rank_entries(program, inputs, input, zone)
        })
    }

    /// The places of one ranking group's entries at place `place` (see `stages::rank`): the
    /// group's entries in the Arrow C stream of `capsule`, a capsule of one batch out.
    #[pyo3(signature = (place, capsule, params, as_of, holidays))]
    fn rank_stream<'py>(
        &self,
        py: Python<'py>,
        place: usize,
        capsule: &Bound<'py, PyAny>,
        params: Vec<(String, String)>,
        as_of: Option<String>,
        holidays: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.stage(py, capsule, (&params, as_of, holidays), |program, inputs, input| {
            stages::rank(program, inputs, place, input)
        })
    }

    /// The claims on the budgets of the records of the Arrow C stream in `capsule`, given
    /// their places in its column `__ranks` (see `stages::claims`): a capsule of one batch.
    #[pyo3(signature = (capsule, params, as_of, holidays, facts_timezone))]
    fn claims_stream<'py>(
        &self,
        py: Python<'py>,
        capsule: &Bound<'py, PyAny>,
        params: Vec<(String, String)>,
        as_of: Option<String>,
        holidays: Option<String>,
        facts_timezone: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let zone = zone(facts_timezone)?;
        self.stage(py, capsule, (&params, as_of, holidays), |program, inputs, input| {
            stages::claims(program, inputs, input, zone)
        })
    }

    /// What each claim of one budget group came to (see `stages::allot`): the group's claims
    /// in the Arrow C stream of `capsule`, a capsule of one batch out.
    #[pyo3(signature = (reward, group, capsule, params, as_of, holidays))]
    #[expect(clippy::too_many_arguments, reason = "the group, its claims, and the run's inputs")]
    fn allot_stream<'py>(
        &self,
        py: Python<'py>,
        reward: usize,
        group: String,
        capsule: &Bound<'py, PyAny>,
        params: Vec<(String, String)>,
        as_of: Option<String>,
        holidays: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.stage(py, capsule, (&params, as_of, holidays), |program, inputs, input| {
            stages::allot(program, inputs, reward, &group, input)
        })
    }

    /// Whether the campaign reads the evaluation time `as_of` (which must then be given).
    #[getter]
    fn uses_as_of(&self) -> bool {
        self.program.uses_as_of
    }

    /// Whether the campaign counts business days (a holiday calendar must then be given).
    #[getter]
    fn uses_business_days(&self) -> bool {
        self.program.uses_business_days
    }

    /// Evaluates the records of the Arrow C stream in `capsule` (a PyCapsule
    /// named `arrow_array_stream`) with the run's inputs; gives a capsule of
    /// the results' stream and the warnings about the input's columns. With `finish`, the last
    /// stage of rankings and budgets evaluated in stages (`stages`): the input's columns
    /// `__ranks` and `__allotments` hold what each record is given.
    #[pyo3(signature = (capsule, params, as_of, holidays, jobs, facts_timezone, finish=false))]
    #[expect(clippy::too_many_arguments, reason = "one argument per keyword of `Policy.evaluate`")]
    fn evaluate_stream<'py>(
        &self,
        py: Python<'py>,
        capsule: &Bound<'py, PyAny>,
        params: Vec<(String, String)>,
        as_of: Option<String>,
        holidays: Option<String>,
        jobs: Option<usize>,
        facts_timezone: Option<String>,
        finish: bool,
    ) -> PyResult<(Bound<'py, PyAny>, Vec<String>)> {
        let inputs =
            inputs(&self.program, &params, as_of.as_deref(), holidays.as_deref()).map_err(PyValueError::new_err)?;
        let zone = zone(facts_timezone)?;
        let input = stream::import(capsule)?;
        let run = stream::Run {
            program: Arc::clone(&self.program),
            inputs,
            jobs: jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            zone,
            finish,
        };
        // Checking the columns reads the input's first batch at most: without the GIL, as a
        // producer written in Python takes it.
        let (results, warnings) = py.detach(|| run.start(input)).map_err(PyValueError::new_err)?;
        Ok((stream::export(py, results)?.into_any(), warnings))
    }
}

impl Compiled {
    /// Runs one of the `stages` over the records of the Arrow C stream in `capsule`, with the
    /// run's inputs (its parameters, `as_of` and holiday calendar), the GIL released: a
    /// capsule of the one batch the stage gives.
    fn stage<'py>(
        &self,
        py: Python<'py>,
        capsule: &Bound<'py, PyAny>,
        (params, as_of, holidays): (&[(String, String)], Option<String>, Option<String>),
        run: impl FnOnce(&Program, Inputs, RecordBatchStreamReader) -> Result<RecordBatch, String> + Send,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inputs =
            inputs(&self.program, params, as_of.as_deref(), holidays.as_deref()).map_err(PyValueError::new_err)?;
        let input = stream::import(capsule)?;
        let batch = py
            .detach(|| run(&self.program, inputs, input))
            .map_err(stages::refused)?;
        Ok(stages::export(py, batch)?.into_any())
    }
}

/// The zone named `name`, for timestamp columns without one.
fn zone(name: Option<String>) -> PyResult<Option<chrono_tz::Tz>> {
    match name {
        Some(name) => Ok(Some(name.parse::<chrono_tz::Tz>().map_err(|_| {
            PyValueError::new_err(format!(
                "`{name}` is not a time zone (an IANA name such as Asia/Shanghai)"
            ))
        })?)),
        None => Ok(None),
    }
}

/// The run's inputs: the program's defaults, then `params` (`NAME`, `VALUE` as
/// `--param NAME=VALUE` takes it), the reference time and the holiday
/// calendar (the text of a holiday file); refused as the command line refuses
/// them, in the words of the Python API.
fn inputs(
    program: &Program,
    params: &[(String, String)],
    as_of: Option<&str>,
    holidays: Option<&str>,
) -> Result<Inputs, String> {
    let mut inputs = Inputs::defaults(program);
    for (name, value) in params {
        inputs
            .set(program, &format!("{name}={value}"))
            .map_err(|e| e.to_string())?;
    }
    inputs.check_tables(program).map_err(|e| e.to_string())?;
    match as_of {
        Some(text) => {
            let t = campaign::time::parse_time(text, program.timezone)
                .map_err(|why| not_a_time(text, program.timezone, &why, "as_of=").to_string())?;
            inputs.as_of = Some(t);
        }
        None if program.uses_as_of => {
            return Err("this campaign reads the evaluation time `as_of`, which was not given\n  help: pass `as_of=\"2024-09-01T00:00:00+08:00\"` (the reference time is never taken from the clock)".into());
        }
        None => {}
    }
    match holidays {
        Some(text) => {
            let days = parse_holiday_file(text).map_err(|e| {
                format!(
                    "holidays, line {}: {}\n  help: write one date per line as YYYY-MM-DD, and a weekend working day as `YYYY-MM-DD workday`",
                    e.line, e.message
                )
            })?;
            inputs.holidays = Some(days);
        }
        None if program.uses_business_days => {
            return Err("this campaign counts business days, but no holiday calendar was given\n  help: pass `holidays=` the text of a holiday file (one YYYY-MM-DD per line; an empty text means no holidays)".into());
        }
        None => {}
    }
    Ok(inputs)
}

/// Checks the campaign `text` (named `name` in diagnostics): the program
/// when it has no error, every diagnostic rendered as `campaign check`
/// renders it, and the diagnostics as dictionaries.
#[pyfunction]
fn check<'py>(py: Python<'py>, text: &str, name: &str) -> PyResult<(Option<Compiled>, String, Bound<'py, PyList>)> {
    let checked = py.detach(|| campaign::check::check(text));
    let file = SourceFile::new(name, text);
    let mut rendered = String::new();
    let list = PyList::empty(py);
    for d in &checked.diagnostics {
        rendered.push_str(&campaign::cli::render_diagnostic(d, &file, false));
        list.append(structured(py, d, &file)?)?;
    }
    let program = checked.program.map(|p| Compiled { program: Arc::new(p) });
    Ok((program, rendered, list))
}

/// A diagnostic as a dictionary: `code`, `severity`, `message`, `help`,
/// `line` and `column` (1-based, of its main span), `labels` (each `text`,
/// `start` and `end` byte offsets, `line`, `column`).
fn structured<'py>(py: Python<'py>, d: &Diagnostic, file: &SourceFile) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("code", d.code.as_str())?;
    dict.set_item(
        "severity",
        match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
    )?;
    dict.set_item("message", &d.message)?;
    dict.set_item("help", d.help.as_deref())?;
    let (line, column) = file.line_col(d.span().start);
    dict.set_item("line", line)?;
    dict.set_item("column", column)?;
    let labels = PyList::empty(py);
    for label in &d.labels {
        let entry = PyDict::new(py);
        let (line, column) = file.line_col(label.span.start);
        entry.set_item("text", &label.text)?;
        entry.set_item("start", label.span.start)?;
        entry.set_item("end", label.span.end)?;
        entry.set_item("line", line)?;
        entry.set_item("column", column)?;
        labels.append(entry)?;
    }
    dict.set_item("labels", labels)?;
    Ok(dict)
}

/// The module.
#[pymodule]
fn _campaign(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Compiled>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
