#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on what they do not expect"
)]

use std::cell::RefCell;
use std::ops::ControlFlow;

use super::*;
use crate::facts::{Format, read_records};

/// Streams: no budget, no ranking.
const STREAMING: &str = r#"
campaign "streaming" {
  timezone Asia/Shanghai
  unit points
  facts { gmv: money CNY }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × 1% as points, rounded down
  value doubled = gmv × 2 times
}
"#;

/// Needs the population: a budget.
const BUDGET: &str = r#"
campaign "first come first served" {
  timezone Asia/Shanghai
  unit packs
  parameter monthly_packs: count = 2
  facts {
    brand_certified: bool
    applied_at: timestamp
  }
  eligible when { brand_certified  "需具备视频号品牌标资质" }
  reward traffic_packs = 1 packs,
    budget monthly_packs per month of applied_at, first come first served by applied_at
  value waitlisted = traffic_packs is waitlisted
}
"#;

fn program(text: &str) -> Program {
    let checked = crate::check::check(text);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.program.unwrap()
}

/// `n` streaming records over several chunks; every seventh line is not JSON,
/// every eleventh has a bad amount.
fn streaming_lines(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match i {
            _ if i % 7 == 0 => format!("{{\"id\": \"r{i}\", \"gmv\": "),
            _ if i % 11 == 0 => format!("{{\"id\": \"r{i}\", \"gmv\": \"x\"}}"),
            _ => format!("{{\"id\": \"r{i}\", \"gmv\": \"{}.{:02}\"}}", i % 300, i % 100),
        })
        .collect()
}

fn budget_lines(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match i {
            _ if i % 13 == 0 => format!("{{\"id\": \"b{i}\", \"brand_certified\": 1}}"),
            _ => format!(
                "{{\"id\": \"b{i}\", \"brand_certified\": {}, \"applied_at\": \"2023-{:02}-{:02}T{:02}:00:00+08:00\"}}",
                i % 5 != 0,
                i % 12 + 1,
                i % 28 + 1,
                i % 24
            ),
        })
        .collect()
}

fn lines(lines: &[String]) -> Lines<impl Iterator<Item = (usize, &[u8])>> {
    Lines::new(lines.iter().enumerate().map(|(i, l)| (i + 1, l.as_bytes())))
}

fn run_all(batch: &Batch<'_>, source: &mut dyn RecordSource) -> Vec<Row> {
    let mut rows = Vec::new();
    let summary = batch.run(source, &mut rows, &Unobserved);
    assert_eq!(summary.rows, rows.len());
    assert!(!summary.stopped);
    rows
}

#[test]
fn rows_come_in_input_order_for_any_number_of_threads() {
    let program = program(STREAMING);
    let text = streaming_lines(5000);
    let one = run_all(&Batch::new(&program, Inputs::defaults(&program)), &mut lines(&text));
    assert_eq!(one.len(), 5000);
    for (i, row) in one.iter().enumerate() {
        assert_eq!(row.line(), i + 1);
        let failed = (i + 1) % 7 == 0 || (i + 1) % 11 == 0;
        assert_eq!(matches!(row, Row::Failed(_)), failed, "{row:?}");
    }
    for threads in [2, 4] {
        let batch = Batch::new(&program, Inputs::defaults(&program)).threads(threads);
        assert_eq!(run_all(&batch, &mut lines(&text)), one, "{threads} threads");
    }
    // Each row is what the evaluator gives for the record on its own.
    let evaluator = Evaluator::new(&program);
    let joined = text.join("\n");
    let records = read_records(&program.schema, Format::Ndjson, joined.as_bytes()).unwrap();
    for (row, record) in one.iter().zip(records) {
        match (row, record) {
            (Row::Evaluated(e), Ok(input)) => {
                assert_eq!((e.line, e.id.as_str()), (input.line, input.id.as_str()));
                assert_eq!(e.outcome, evaluator.evaluate(&input.record).unwrap());
            }
            (Row::Failed(f), Err(e)) => assert_eq!(*f, Failure::read(e)),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn every_source_gives_the_same_rows() {
    let program = program(STREAMING);
    let text = streaming_lines(3000);
    let joined = text.join("\n");
    let batch = Batch::new(&program, Inputs::defaults(&program)).threads(4);
    let from_lines = run_all(&batch, &mut lines(&text));
    let from_reader = run_all(&batch, &mut NdjsonSource::new(joined.as_bytes()));
    let read = read_records(&program.schema, Format::Ndjson, joined.as_bytes()).unwrap();
    let from_records = run_all(&batch, &mut Records::new(read));
    let mut opened = open(&program.schema, Format::Ndjson, joined.as_bytes()).unwrap();
    let from_open = run_all(&batch, &mut opened);
    assert_eq!(from_reader, from_lines);
    assert_eq!(from_records, from_lines);
    assert_eq!(from_open, from_lines);
}

/// A sink that stops after `max` failed rows, as `--max-errors` does.
fn stop_after(max: usize, rows: &mut Vec<Row>) -> impl FnMut(Row) -> ControlFlow<()> + '_ {
    let mut failed = 0;
    move |row| {
        failed += usize::from(matches!(row, Row::Failed(_)));
        rows.push(row);
        if failed >= max {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

#[test]
fn a_sink_stops_the_run_after_so_many_failures() {
    for (text, campaign) in [(streaming_lines(5000), STREAMING), (budget_lines(3000), BUDGET)] {
        let program = program(campaign);
        for threads in [1, 4] {
            let batch = Batch::new(&program, Inputs::defaults(&program)).threads(threads);
            let all = run_all(&batch, &mut lines(&text));
            let mut rows = Vec::new();
            let summary = batch.run(&mut lines(&text), &mut stop_after(3, &mut rows), &Unobserved);
            assert!(summary.stopped);
            assert_eq!(summary.rows, rows.len());
            // The rows up to the third failure, exactly.
            let third = all
                .iter()
                .enumerate()
                .filter(|(_, r)| matches!(r, Row::Failed(_)))
                .nth(2)
                .map(|(i, _)| i)
                .unwrap();
            assert_eq!(rows, all[..=third].to_vec(), "{threads} threads");
        }
    }
}

#[test]
fn a_streaming_run_stops_reading_soon_after_it_is_stopped() {
    let program = program(STREAMING);
    let text = streaming_lines(10 * CHUNK);
    let batch = Batch::new(&program, Inputs::defaults(&program)).threads(2);
    let taken = std::cell::Cell::new(0);
    let mut source = Lines::new(text.iter().enumerate().map(|(i, l)| {
        taken.set(taken.get() + 1);
        (i + 1, l.as_bytes())
    }));
    let summary = batch.run(&mut source, &mut |_| ControlFlow::Break(()), &Unobserved);
    assert_eq!(summary, Summary { rows: 1, stopped: true });
    // The first chunk, and the next one read while it was evaluated.
    assert_eq!(taken.get(), 2 * CHUNK);
}

/// Records the observer's calls.
#[derive(Default)]
struct Recorder {
    calls: RefCell<Vec<String>>,
}

impl Observer for Recorder {
    fn stage(&self, stage: Stage) {
        self.calls.borrow_mut().push(format!("{stage:?}"));
    }

    fn progress(&self, done: usize) {
        self.calls.borrow_mut().push(done.to_string());
    }
}

#[test]
fn a_population_is_read_then_evaluated_together_then_delivered() {
    let program = program(BUDGET);
    let text = budget_lines(3000);
    let one = Batch::new(&program, Inputs::defaults(&program));
    assert!(one.needs_population());
    let recorder = Recorder::default();
    let mut rows = Vec::new();
    let summary = one.run(&mut lines(&text), &mut rows, &recorder);
    assert_eq!(
        summary,
        Summary {
            rows: 3000,
            stopped: false
        }
    );
    assert_eq!(
        recorder.calls.into_inner(),
        ["Reading", "2048", "3000", "Evaluating", "Writing(3000)", "2048", "3000"]
    );
    // The same as evaluating every record read together.
    let read: Vec<_> = read_records(&program.schema, Format::Ndjson, text.join("\n").as_bytes())
        .unwrap()
        .collect();
    let population: Vec<_> = read.iter().flatten().map(|r| r.record.clone()).collect();
    let mut outcomes = Evaluator::new(&program).evaluate_all(&population).into_iter();
    let mut waitlisted = 0;
    for (row, read) in rows.iter().zip(&read) {
        match (row, read) {
            (Row::Evaluated(e), Ok(input)) => {
                assert_eq!(e.id, input.id);
                assert_eq!(e.outcome, outcomes.next().unwrap().unwrap());
                waitlisted += usize::from(e.outcome.values[0] == crate::eval::Shown::Bool(true));
            }
            (Row::Failed(f), Err(e)) => assert_eq!(*f, Failure::read(e.clone())),
            other => panic!("{other:?}"),
        }
    }
    assert!(waitlisted > 0, "the budget ran out for some");
    let four = Batch::new(&program, Inputs::defaults(&program)).threads(4);
    assert_eq!(run_all(&four, &mut lines(&text)), rows);
}

#[test]
fn a_streaming_run_reports_progress_per_chunk() {
    let program = program(STREAMING);
    let text = streaming_lines(CHUNK + 5);
    let recorder = Recorder::default();
    let batch = Batch::new(&program, Inputs::defaults(&program));
    let summary = batch.run(&mut lines(&text), &mut Vec::new(), &recorder);
    assert_eq!(summary.rows, CHUNK + 5);
    assert_eq!(recorder.calls.into_inner(), ["2048", "2053"]);
}

#[test]
fn explanations_and_the_prepare_hook_run_on_the_rows_asked_for() {
    for campaign in [STREAMING, BUDGET] {
        let program = program(campaign);
        let text = if campaign == STREAMING {
            streaming_lines(50)
        } else {
            budget_lines(50)
        };
        let wanted = if campaign == STREAMING { "r3" } else { "b3" };
        for explain in [Explain::Nothing, Explain::Every, Explain::Only(wanted.into())] {
            let batch = Batch::new(&program, Inputs::defaults(&program))
                .threads(2)
                .explain(explain.clone())
                .prepare(|row| {
                    if let Row::Evaluated(e) = row {
                        e.encoded = Some(format!("#{}", e.line));
                    }
                });
            for row in run_all(&batch, &mut lines(&text)) {
                let Row::Evaluated(e) = row else { continue };
                assert_eq!(e.encoded, Some(format!("#{}", e.line)));
                let explained = match &explain {
                    Explain::Nothing => false,
                    Explain::Every => true,
                    Explain::Only(id) => *id == e.id,
                };
                assert_eq!(e.explanation.is_some(), explained, "{explain:?} {}", e.id);
            }
        }
    }
}

#[test]
fn an_empty_source_gives_no_rows() {
    for campaign in [STREAMING, BUDGET] {
        let program = program(campaign);
        let batch = Batch::new(&program, Inputs::defaults(&program)).threads(2);
        let rows = run_all(&batch, &mut NdjsonSource::new(&b"\n\n"[..]));
        assert!(rows.is_empty());
    }
}

/// Batches run together over one read give each batch the rows it gives alone, in input order,
/// streaming or over the whole population, from one source or one per batch, for any threads.
mod together {
    use std::ops::ControlFlow;

    use super::super::{Batch, Lines, Row, Sources, Unobserved, run_together};
    use crate::facts::{LineParser, ReadOptions, UndeclaredFields};
    use crate::program::inputs::Inputs;

    const STREAMING: &str = r#"
campaign "c" {
  timezone Asia/Shanghai
  unit points
  parameter rate: fraction = 1%
  facts { gmv: money CNY }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × rate as points, rounded down
}
"#;

    const BUDGET: &str = r#"
campaign "b" {
  timezone Asia/Shanghai
  unit points
  parameter rate: fraction = 1%
  facts { gmv: money CNY }
  eligible when { gmv ≥ 100 CNY  "GMV 需达到 100 元" }
  reward points = gmv × rate as points, rounded down,
    budget 300 points in total, split pro rata
}
"#;

    fn lines() -> Vec<String> {
        (0..5000)
            .map(|i| match i % 7 {
                3 => format!(r#"{{"id":"r{i}","gmv":"x"}}"#),
                _ => format!(r#"{{"id":"r{i}","gmv":{}}}"#, (i * 37) % 2000),
            })
            .collect()
    }

    fn source(lines: &[String]) -> Lines<impl Iterator<Item = (usize, &[u8])>> {
        Lines::new(lines.iter().enumerate().map(|(i, l)| (i + 1, l.as_bytes())))
    }

    fn batch<'p>(program: &'p crate::program::Program, rate: &str, threads: usize) -> Batch<'p> {
        let mut inputs = Inputs::defaults(program);
        inputs.set(program, &format!("rate={rate}")).unwrap();
        Batch::new(program, inputs).threads(threads)
    }

    #[test]
    fn rows_together_are_the_rows_of_each_batch_alone() {
        let lines = lines();
        for text in [STREAMING, BUDGET] {
            let program = crate::check::check(text).program.unwrap();
            let alone: Vec<Vec<Row>> = ["1%", "3%"]
                .iter()
                .map(|rate| {
                    let mut rows = Vec::new();
                    batch(&program, rate, 1).run(&mut source(&lines), &mut rows, &Unobserved);
                    rows
                })
                .collect();
            for threads in [1, 3] {
                let batches = [batch(&program, "1%", threads), batch(&program, "3%", threads)];
                for shared in [true, false] {
                    let mut together: Vec<Vec<Row>> = vec![Vec::new(), Vec::new()];
                    let mut sink = |rows: &[Row]| {
                        for (out, row) in together.iter_mut().zip(rows) {
                            out.push(row.clone());
                        }
                        ControlFlow::Continue(())
                    };
                    let mut one = source(&lines);
                    let sources = if shared {
                        Sources::Shared(&mut one)
                    } else {
                        Sources::Each(vec![Box::new(source(&lines)), Box::new(source(&lines))])
                    };
                    let summary = run_together(&batches, sources, &mut sink, &Unobserved);
                    assert_eq!(summary.rows, lines.len());
                    assert_eq!(together, alone, "threads {threads}, shared {shared}");
                }
            }
        }
    }

    /// How many undeclared fields that look like a declared fact `options` counted.
    fn counted(options: &ReadOptions, program: &crate::program::Program) -> u64 {
        options.undeclared.report(&program.schema).iter().map(|f| f.count).sum()
    }

    fn reading(strict: bool) -> ReadOptions {
        ReadOptions {
            strict,
            undeclared: UndeclaredFields::default(),
        }
    }

    /// Batches that read lines alike parse each line once (undeclared fields, counted as a line
    /// is parsed, are counted once per line, not once per batch); batches that read differently
    /// (each its own tally, or strict facts for one) each parse for themselves. Either way each
    /// batch gives the rows it gives alone.
    #[test]
    fn batches_that_read_alike_parse_each_line_once() {
        let program = crate::check::check(STREAMING).program.unwrap();
        let lines: Vec<String> = (0..3000)
            .map(|i| format!(r#"{{"id":"r{i}","gmv":{},"gmvv":1}}"#, i % 500))
            .collect();
        let with = |rate: &str, options: &ReadOptions, threads: usize| {
            batch(&program, rate, threads).parser(LineParser::with_options(&program.schema, options))
        };
        for threads in [1, 2] {
            // One tally for both, a tally each, then lenient against strict.
            let one = reading(false);
            let cases = [
                (one.clone(), one, true),
                (reading(false), reading(false), false),
                (reading(false), reading(true), false),
            ];
            for (first, second, one_tally) in &cases {
                let alone: Vec<Vec<Row>> = [with("1%", &reading(false), 1), with("3%", &reading(second.strict), 1)]
                    .iter()
                    .map(|b| {
                        let mut rows = Vec::new();
                        b.run(&mut source(&lines), &mut rows, &Unobserved);
                        rows
                    })
                    .collect();
                let batches = [with("1%", first, threads), with("3%", second, threads)];
                let mut together: Vec<Vec<Row>> = vec![Vec::new(), Vec::new()];
                let mut sink = |rows: &[Row]| {
                    for (out, row) in together.iter_mut().zip(rows) {
                        out.push(row.clone());
                    }
                    ControlFlow::Continue(())
                };
                run_together(&batches, Sources::Shared(&mut source(&lines)), &mut sink, &Unobserved);
                assert_eq!(together, alone, "threads {threads}, strict {}", second.strict);
                assert_eq!(counted(first, &program), 3000, "threads {threads}: one parse per line");
                if !second.strict && !one_tally {
                    assert_eq!(
                        counted(second, &program),
                        3000,
                        "threads {threads}: the second batch parsed"
                    );
                }
            }
        }
    }

    #[test]
    fn a_sink_stops_a_run_together() {
        let lines = lines();
        let program = crate::check::check(STREAMING).program.unwrap();
        let batches = [batch(&program, "1%", 2), batch(&program, "2%", 2)];
        let mut seen = 0;
        let mut sink = |_: &[Row]| {
            seen += 1;
            if seen == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let mut one = source(&lines);
        let summary = run_together(&batches, Sources::Shared(&mut one), &mut sink, &Unobserved);
        assert!(summary.stopped);
        assert_eq!((summary.rows, seen), (10, 10));
    }
}
