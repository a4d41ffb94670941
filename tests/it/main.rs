#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a failed assertion is a failed test"
)]
//! The integration tests, built as one test binary: one link instead of one a
//! file, and one place ([`harness`]) for running the `campaign` binary.
//!
//! Each module is what used to be its own file under `tests/`; run one with
//! `cargo test --test it cli::` (or any part of a test's path). The
//! interpreter's equivalence test (`tests/equivalence.rs`) stays a binary of
//! its own.

mod harness;

#[cfg(feature = "parquet")]
mod arrow_batches;
mod catalog;
mod cli;
mod docs;
mod exact;
mod examples;
mod examples_balances;
mod examples_groups;
mod examples_items;
mod examples_outputs;
mod examples_periods;
mod examples_pools;
mod examples_rewards;
mod examples_running;
mod examples_schedules;
mod fact_files;
mod fixes;
mod fmt;
mod hardening;
mod language;
mod large;
mod money;
#[cfg(feature = "parquet")]
mod parquet;
mod per_item;
mod policies;
mod props;
mod release;
mod robustness;
mod stages;
mod terms;
mod testing;
mod time;
mod tutorial;
mod ui;
mod whatif;
mod work_limit;
#[cfg(feature = "xlsx")]
mod xlsx;
mod zh;
