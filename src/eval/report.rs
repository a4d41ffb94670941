//! Results in the contract's JSON shape.
//!
//! One object per record, keys in a fixed order so that output is
//! byte-identical from run to run:
//! `{"id", "eligible", "rewards", "values", "reasons"}`; a record that could
//! not be read or evaluated is `{"line", "id", "error"}`.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde_json::{Map, Number, Value as Json, json};

use super::value::{Outcome, Shown};
use crate::program::Program;

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
        if !r.payments.is_empty() {
            let parts: Vec<Json> = r
                .payments
                .iter()
                .map(|(at, amount)| json!({"on": at.with_timezone(&program.timezone).to_rfc3339(), "amount": amount.to_string()}))
                .collect();
            obj.insert("payments".into(), Json::Array(parts));
        }
        if let Some(at) = r.expires_at {
            obj.insert(
                "expires_at".into(),
                Json::String(at.with_timezone(&program.timezone).to_rfc3339()),
            );
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

/// Writes a JSON string literal, escaped exactly as `serde_json` does.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        // Only ASCII bytes need escaping, so `i` is always on a character boundary here.
        if b != b'"' && b != b'\\' && b >= 0x20 {
            continue;
        }
        out.push_str(s.get(start..i).unwrap_or(""));
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// Writes the result object for one evaluated record as compact JSON, the same
/// bytes as `result_json(...).to_string()` but without building a JSON tree.
pub fn write_result(out: &mut String, program: &Program, id: &str, outcome: &Outcome) {
    out.push_str("{\"id\":");
    write_json_string(out, id);
    out.push_str(",\"eligible\":");
    out.push_str(if outcome.eligible { "true" } else { "false" });
    out.push_str(",\"rewards\":{");
    for (n, (def, r)) in program.rewards.iter().zip(&outcome.rewards).enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_json_string(out, &def.name);
        out.push_str(":{\"amount\":");
        let _ = write!(out, "\"{}\"", r.amount);
        out.push_str(",\"unit\":");
        write_json_string(out, &def.unit.name);
        if let (Some(by), Some(p)) = (&r.by_period, def.per.and_then(|p| program.periods.get(p))) {
            out.push_str(",\"by_period\":{");
            for (k, (period, amount)) in p.periods.iter().zip(by).enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_json_string(out, &period.key);
                let _ = write!(out, ":\"{amount}\"");
            }
            out.push('}');
        }
        if !r.payments.is_empty() {
            out.push_str(",\"payments\":[");
            for (k, (at, amount)) in r.payments.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push_str("{\"on\":");
                write_json_string(out, &at.with_timezone(&program.timezone).to_rfc3339());
                let _ = write!(out, ",\"amount\":\"{amount}\"}}");
            }
            out.push(']');
        }
        if let Some(at) = r.expires_at {
            out.push_str(",\"expires_at\":");
            write_json_string(out, &at.with_timezone(&program.timezone).to_rfc3339());
        }
        out.push('}');
    }
    out.push_str("},\"values\":{");
    let mut first = true;
    for (&i, shown) in program.exposed.iter().zip(&outcome.values) {
        let Some(def) = program.definitions.get(i) else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        write_json_string(out, &def.name);
        out.push(':');
        match shown {
            Shown::Unknown => out.push_str("null"),
            Shown::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Shown::Count(n) => {
                let _ = write!(out, "{}", n.trunc());
            }
            Shown::Amount(n, unit) => {
                let _ = write!(out, "{{\"amount\":\"{n}\",\"unit\":");
                write_json_string(out, unit);
                out.push('}');
            }
            Shown::Number(n) => {
                let _ = write!(out, "\"{n}\"");
            }
            Shown::Text(t) => write_json_string(out, t),
            Shown::Time(t) => write_json_string(out, &t.to_rfc3339()),
            Shown::Duration(d) => write_json_string(out, &duration_text(*d)),
        }
    }
    out.push_str("},\"reasons\":[");
    let mut first = true;
    for (c, passed) in program.conditions.iter().zip(&outcome.conditions) {
        if *passed {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        write_json_string(out, &c.reason);
    }
    out.push_str("]}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_serde_json() {
        for s in [
            "plain",
            "quote \" and \\ backslash",
            "tab\tnew\nline\r",
            "\u{1b}[31mred\u{7f}",
            "\u{08}\u{0c}\u{01}",
            "中文",
        ] {
            let mut out = String::new();
            write_json_string(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap_or_default());
        }
    }
}
