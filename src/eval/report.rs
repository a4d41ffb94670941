//! Results in the contract's JSON shape.
//!
//! One object per record, keys in a fixed order so that output is
//! byte-identical from run to run:
//! `{"id", "eligible", "rewards", "values", "reasons"}`; a record that could
//! not be read or evaluated is `{"line", "id", "error"}`.

use rust_decimal::Decimal;
use serde_json::{Map, Number, Value as Json, json};

use super::value::{Outcome, Shown};
use crate::check::Program;

/// The result object for one evaluated record.
pub fn result_json(program: &Program, id: &str, outcome: &Outcome) -> Json {
    let mut rewards = Map::new();
    for (def, r) in program.rewards.iter().zip(&outcome.rewards) {
        let mut obj = Map::new();
        obj.insert("amount".into(), Json::String(r.amount.to_string()));
        obj.insert("unit".into(), Json::String(def.unit.name.to_string()));
        if let (Some(by), Some(p)) = (&r.by_period, def.per.and_then(|p| program.periods.get(p))) {
            let mut periods = Map::new();
            for (period, amount) in p.periods.iter().zip(by) {
                periods.insert(period.key.clone(), Json::String(amount.to_string()));
            }
            obj.insert("by_period".into(), Json::Object(periods));
        }
        rewards.insert(def.name.clone(), Json::Object(obj));
    }
    let mut values = Map::new();
    for (&i, shown) in program.exposed.iter().zip(&outcome.values) {
        if let Some(def) = program.definitions.get(i) {
            values.insert(def.name.clone(), shown_json(shown));
        }
    }
    let reasons: Vec<Json> = program
        .conditions
        .iter()
        .zip(&outcome.conditions)
        .filter(|(_, passed)| !**passed)
        .map(|(c, _)| Json::String(c.reason.clone()))
        .collect();
    let mut obj = Map::new();
    obj.insert("id".into(), Json::String(id.to_string()));
    obj.insert("eligible".into(), Json::Bool(outcome.eligible));
    obj.insert("rewards".into(), Json::Object(rewards));
    obj.insert("values".into(), Json::Object(values));
    obj.insert("reasons".into(), Json::Array(reasons));
    Json::Object(obj)
}

/// The result object for a record that could not be read or evaluated.
pub fn error_json(line: usize, id: Option<&str>, error: &str) -> Json {
    json!({"line": line, "id": id, "error": error})
}

/// A shown value as JSON: amounts as `{"amount", "unit"}`, counts as integers.
pub fn shown_json(shown: &Shown) -> Json {
    match shown {
        Shown::Unknown => Json::Null,
        Shown::Bool(b) => Json::Bool(*b),
        Shown::Count(n) => integer(*n),
        Shown::Amount(n, unit) => json!({"amount": n.to_string(), "unit": unit.to_string()}),
        Shown::Number(n) => Json::String(n.to_string()),
        Shown::Text(t) => Json::String(t.clone()),
        Shown::Time(t) => Json::String(t.to_rfc3339()),
        Shown::Duration(d) => Json::String(duration_text(*d)),
    }
}

fn integer(n: Decimal) -> Json {
    n.trunc()
        .to_string()
        .parse::<Number>()
        .map(Json::Number)
        .unwrap_or(Json::Null)
}

/// A duration as ISO 8601 (`P30D`, `PT1H30M`).
pub fn duration_text(d: chrono::TimeDelta) -> String {
    let negative = d < chrono::TimeDelta::zero();
    let total = d.num_seconds().unsigned_abs();
    let (days, rest) = (total / 86_400, total % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = String::from(if negative { "-P" } else { "P" });
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || (h == 0 && m == 0) {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}
