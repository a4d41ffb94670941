//! Aggregating results: the one streaming engine under `campaign report`, `diff` and `sweep`.
//!
//! Pure (no I/O): a [`Tally`] is fed the [`Row`](crate::batch::Row)s of one evaluation, a
//! [`DiffTally`] the pairs of rows of two evaluations of the same records (two campaigns, or
//! one campaign with two sets of parameters), one at a time, in input order. They keep
//! counters per reward, period, condition, budget group and reason, never per record, so
//! memory stays flat however many records are counted (the largest movers of a diff are a
//! bounded list). Amounts are exact decimals, summed per reward (each has one unit or
//! currency) and per unit across rewards, never across units. [`html`] draws the pages of
//! the three commands (inline SVG charts, inline CSS, no script) from their JSON reports.

mod bins;
mod diff;
pub mod html;
mod svg;
mod tally;

pub use bins::{Histogram, HistogramBin};
pub use diff::{DiffTally, MOVERS, Mover, RecordChange, RewardChange, fact_differences};
pub use tally::{Counts, TOP_REASONS, Tally};

use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

use crate::program::Program;

/// Adds exactly, remembering an overflow (instead of panicking or rounding).
#[derive(Debug, Clone, Copy, Default)]
struct Exact {
    overflowed: bool,
}

impl Exact {
    fn add(&mut self, sum: &mut Decimal, amount: Decimal) {
        match sum.checked_add(amount) {
            Some(s) => *sum = s,
            None => self.overflowed = true,
        }
    }
}

/// `part` of `whole` in percent with one decimal place (half away from zero), as text; `"0"`
/// of nothing.
fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0".into();
    }
    let share = Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole);
    share
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// The totals of `program`'s rewards summed per unit (or currency), in the order the units
/// first appear: `[{"unit": "CNY", "amount": "12.30"}, ...]`. Amounts of different units are
/// never added together.
pub fn totals_by_unit(program: &Program, totals: &[Decimal]) -> Json {
    let mut units: Vec<(&str, Decimal)> = Vec::new();
    let mut exact = Exact::default();
    for (def, total) in program.rewards.iter().zip(totals) {
        match units.iter_mut().find(|(u, _)| *u == &*def.unit.name) {
            Some((_, sum)) => exact.add(sum, *total),
            None => units.push((&def.unit.name, *total)),
        }
    }
    Json::Array(
        units
            .into_iter()
            .map(|(unit, amount)| json!({"unit": unit, "amount": amount.to_string()}))
            .collect(),
    )
}

/// The JSON of `campaign sweep`: `parameter`, then per value its records, totals per unit and
/// each reward's total (the same keys as a report's).
pub fn sweep_json(program: &Program, parameter: &str, points: &[(&str, &Tally<'_>)]) -> Json {
    let values: Vec<Json> = points
        .iter()
        .map(|(value, tally)| {
            let mut point = serde_json::Map::new();
            point.insert("value".into(), json!(value));
            let report = tally.to_json();
            let plural = program.output_kind().plural();
            point.insert("records".into(), report.get("records").cloned().unwrap_or_default());
            point.insert("totals".into(), report.get("totals").cloned().unwrap_or_default());
            let items: Vec<Json> = report
                .get(plural)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(|r| {
                    let settled = program.output_kind().settled();
                    json!({"name": r["name"], "unit": r["unit"], "total": r["total"], settled: r[settled]})
                })
                .collect();
            point.insert(plural.into(), Json::Array(items));
            Json::Object(point)
        })
        .collect();
    json!({"campaign": program.name, "parameter": parameter, "values": values})
}

#[cfg(test)]
mod tests;
