//! Shared helpers of the benchmark binaries: peak-memory reading and the
//! locations of the seed campaigns; the data generator, its PRNG and its
//! timestamp formatting come from `campaign-data` (`bench/data`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::PathBuf;

pub mod agree;
pub mod compare;
pub mod hand;
pub mod peers;

// The data generator is a crate of its own (`bench/data`), so that what only generates data
// (the Python measurements, docs/warehouse.md) does not build the peer engines.
pub use campaign_data::{Rng, args, civil_from_days, data, days_from_civil, shanghai, write_rfc3339};

/// The repository root (the parent of `bench/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The seed campaign file for a campaign's short name.
pub fn policy_path(campaign: &str) -> PathBuf {
    repo_root().join("policies").join(format!(
        "{}.campaign",
        data::Campaign::parse(campaign).unwrap().file_stem()
    ))
}

/// This process's peak resident set size in KiB (`VmHWM`).
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
