//! campaign: a declarative policy language for e-commerce incentive and admission campaigns.
//!
//! # A tour of the pipeline
//!
//! Data flows one way, and each stage is a module with one entry point:
//!
//! ```text
//! grammar/campaign.pest
//!        │ pest
//!        ▼
//! syntax ── parse ──▶ AST ── check ──▶ program::Program ── eval::Evaluator ──▶ eval::Outcome ── report
//!                      │        │            ▲      ▲                ▲
//!                      fmt      diagnostics  │      program::inputs::Inputs (parameters, as_of, holidays)
//!                                            │
//!                                  facts ── records shaped by the program's schema
//! ```
//!
//! - [`syntax`] turns a campaign file into its AST, with a span on everything a diagnostic may
//!   point at; [`fmt`] prints the AST back in the canonical layout.
//! - [`check`] resolves names, types, units and unknowns, reports every [`diagnostics::Diagnostic`]
//!   at once, and compiles the campaign into a [`program::Program`].
//! - [`program`] is the contract between compiling and running: the IR, the fact schema and the
//!   types. Nothing in it refers to the checker; what one evaluation is given besides the
//!   program (parameter values, the reference time, holidays) is a separate
//!   [`program::inputs::Inputs`].
//! - [`facts`] reads NDJSON, JSON and CSV straight into records of the program's schema.
//! - [`time`] holds every rule about local time and the calendar — the daylight-saving policy,
//!   periods and their keys, midnights, adding days and months — for the checker, the run
//!   inputs and the evaluator alike.
//! - [`eval`] runs a program on records, with exact decimals and three-valued logic, and explains
//!   its outcomes.
//! - [`batch`] runs many records, streaming or as a whole population, in input order and in
//!   parallel, from any [`batch::RecordSource`] to any [`batch::Sink`]; [`report`] writes the
//!   results as the contract's JSON (one encoder), NDJSON, CSV or a table.
//! - [`testing`] runs the `.tests` files beside campaigns (through [`batch`]); [`cli`] is the only
//!   code that reads files, prints, or decides exit codes.
//! - `lsp` (the cargo feature of the same name, on by default) is the language server: it answers
//!   an editor's requests from the same stages, over the input, output and file reader that
//!   [`cli`] gives it.
//!
//! # Example
//!
//! ```
//! use campaign::check::check;
//! use campaign::eval::Evaluator;
//! use campaign::report;
//! use campaign::facts::{Format, read_records};
//!
//! let campaign = r#"
//! campaign "新店激励" {
//!   timezone Asia/Shanghai
//!   unit points
//!   facts { gmv: money CNY }
//!   eligible when {
//!     gmv ≥ 10000 CNY   "活动期间 GMV 需达到 1 万元"
//!   }
//!   reward growth_points = gmv × 0.9% as points, rounded down, at most 600000 points
//! }
//! "#;
//! let checked = check(campaign);
//! assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
//! let program = checked.program.expect("a campaign without errors compiles");
//!
//! let facts = br#"{"id": "m1", "gmv": "12345.67"}"#;
//! let mut records = read_records(&program.schema, Format::Ndjson, &facts[..]).expect("readable");
//! let input = records.next().expect("one record").expect("a valid record");
//!
//! let outcome = Evaluator::new(&program).evaluate(&input.record).expect("evaluates");
//! assert!(outcome.eligible);
//! let json = report::result_json(&program, "m1", &outcome);
//! assert_eq!(json["rewards"]["growth_points"]["amount"], "111"); // 12345.67 × 0.9 %, rounded down
//! ```
#![warn(missing_docs)]

pub mod aggregate;
pub mod batch;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod diagnostics;
pub mod eval;
pub mod facts;
pub mod fmt;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod number;
pub mod program;
pub mod report;
pub mod suggest;
pub mod syntax;
pub mod terms;
pub mod testing;
pub mod time;
