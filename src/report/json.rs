//! The result objects in the contract's JSON shape: one encoder.
//!
//! One object per record, keys in a fixed order so that output is
//! byte-identical from run to run:
//! `{"id", "eligible", "rewards", "values", "reasons"}` (and `"explanation"`
//! when the record was explained), or for a campaign of fees
//! `{"id", "liable", "fees", "values", "reasons"}`; a record that could not be read or
//! evaluated is `{"line", "id", "error"}` (and `"column"`, `"fact"` when
//! known).
//!
//! The writers here are the only definition of these shapes: they write
//! compact JSON text directly (fast: no JSON tree), and [`result_json`]
//! gives the same object as a `serde_json` value by parsing that text.

use std::fmt::Write as _;

use serde_json::Value as Json;

use super::failed_reasons;
use crate::batch::{Evaluated, Failure, Row};
use crate::eval::{Explanation, Outcome, Shown};
use crate::program::Program;

/// The result object for one evaluated record, as a JSON value (the text
/// [`write_result`] writes, parsed).
pub fn result_json(program: &Program, id: &str, outcome: &Outcome) -> Json {
    let mut text = String::with_capacity(256);
    write_result(&mut text, program, id, outcome);
    parsed(&text)
}

/// The JSON object of any row, as a JSON value (the text [`write_row`] writes, parsed).
pub fn row_json(program: &Program, row: &Row) -> Json {
    let mut text = String::with_capacity(256);
    write_row(&mut text, program, row);
    parsed(&text)
}

/// The writers always write valid JSON (a unit test checks it), so the
/// fallback is never taken.
fn parsed(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Null)
}

/// Writes the JSON object of a row as compact JSON: see [`write_evaluated`]
/// and [`write_failure`].
pub fn write_row(out: &mut String, program: &Program, row: &Row) {
    match row {
        Row::Evaluated(e) => write_evaluated(out, program, e),
        Row::Failed(f) => write_failure(out, f),
    }
}

/// Writes the result object of an evaluated record: the text encoded
/// already, if it was; otherwise the object, with its explanation if any.
pub fn write_evaluated(out: &mut String, program: &Program, evaluated: &Evaluated) {
    let Evaluated {
        id,
        outcome,
        explanation,
        encoded,
        ..
    } = evaluated;
    match (encoded, explanation) {
        (Some(text), _) => out.push_str(text),
        (None, Some(e)) => write_explained(out, program, id, outcome, e),
        (None, None) => write_result(out, program, id, outcome),
    }
}

/// Writes the result object for one evaluated record as compact JSON.
pub fn write_result(out: &mut String, program: &Program, id: &str, outcome: &Outcome) {
    write_fields(out, program, id, outcome);
    out.push('}');
}

/// Writes the result object with an `"explanation"` after the other keys.
pub fn write_explained(out: &mut String, program: &Program, id: &str, outcome: &Outcome, explanation: &Explanation) {
    write_fields(out, program, id, outcome);
    out.push_str(",\"explanation\":");
    let explanation = serde_json::to_value(explanation).unwrap_or(Json::Null);
    let _ = write!(out, "{explanation}");
    out.push('}');
}

/// Writes the object for a record that could not be read or evaluated.
pub fn write_failure(out: &mut String, failure: &Failure) {
    let _ = write!(out, "{{\"line\":{},\"id\":", failure.line);
    match &failure.id {
        Some(id) => write_json_string(out, id),
        None => out.push_str("null"),
    }
    out.push_str(",\"error\":");
    write_json_string(out, &failure.error);
    if let Some(c) = failure.column {
        let _ = write!(out, ",\"column\":{c}");
    }
    if let Some(fact) = &failure.fact {
        out.push_str(",\"fact\":");
        write_json_string(out, fact);
    }
    out.push('}');
}

/// The result object without its closing brace.
fn write_fields(out: &mut String, program: &Program, id: &str, outcome: &Outcome) {
    out.push_str("{\"id\":");
    write_json_string(out, id);
    // A fee campaign's records are liable for its fees; a reward campaign's eligible for its rewards.
    let kind = program.output_kind();
    out.push_str(",\"");
    out.push_str(kind.verdict_key());
    out.push_str("\":");
    out.push_str(if outcome.eligible { "true" } else { "false" });
    out.push_str(",\"");
    out.push_str(kind.plural());
    out.push_str("\":{");
    write_rewards(out, program, outcome);
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
        write_shown(out, shown);
    }
    out.push_str("},\"reasons\":[");
    for (n, reason) in failed_reasons(program, outcome).enumerate() {
        if n > 0 {
            out.push(',');
        }
        write_json_string(out, reason);
    }
    out.push(']');
}

/// The members of the `"rewards"` (or `"fees"`) object.
fn write_rewards(out: &mut String, program: &Program, outcome: &Outcome) {
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
        // Per item, in the list's order: entry `k` is the record's item `k` (from 0).
        if let Some(by) = &r.by_item {
            out.push_str(",\"by_item\":[");
            for (k, amount) in by.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{amount}\"");
            }
            out.push(']');
        }
        // Per period, each part names its period: the parts of one period follow each other.
        let periods = def.per.and_then(|p| program.periods.get(p));
        let parts = def.adjust.parts.len().max(1);
        if !r.payments.is_empty() {
            out.push_str(",\"payments\":[");
            for (k, (at, amount)) in r.payments.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push('{');
                if let Some(period) = periods.and_then(|p| p.periods.get(k / parts)) {
                    out.push_str("\"period\":");
                    write_json_string(out, &period.key);
                    out.push(',');
                }
                out.push_str("\"on\":");
                write_json_string(out, &crate::time::rfc3339(program.timezone, *at));
                let _ = write!(out, ",\"amount\":\"{amount}\"}}");
            }
            out.push(']');
        }
        if let Some(at) = r.expires_at {
            out.push_str(",\"expires_at\":");
            write_json_string(out, &crate::time::rfc3339(program.timezone, at));
        }
        if let (false, Some(p)) = (r.expires_by_period.is_empty(), periods) {
            out.push_str(",\"expires_by_period\":{");
            for (k, (period, at)) in p.periods.iter().zip(&r.expires_by_period).enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_json_string(out, &period.key);
                out.push(':');
                write_json_string(out, &crate::time::rfc3339(program.timezone, *at));
            }
            out.push('}');
        }
        // Only a reward with a `when` block has reasons of its own (empty when they all hold).
        if def.gate.is_some() {
            out.push_str(",\"reasons\":[");
            for (k, reason) in super::failed_gate_reasons(def, r).enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_json_string(out, reason);
            }
            out.push(']');
        }
        out.push('}');
    }
}

/// Writes a shown value: amounts as `{"amount", "unit"}`, counts as
/// integers, numbers as decimal strings.
pub fn write_shown(out: &mut String, shown: &Shown) {
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
        Shown::ByPeriod(periods) => {
            out.push_str("{\"by_period\":{");
            for (k, (key, shown)) in periods.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                write_json_string(out, key);
                out.push(':');
                write_shown(out, shown);
            }
            out.push_str("}}");
        }
    }
}

/// A shown value as JSON (the text [`write_shown`] writes, parsed).
pub fn shown_json(shown: &Shown) -> Json {
    let mut text = String::new();
    write_shown(&mut text, shown);
    parsed(&text)
}

/// A duration as ISO 8601 (`P30D`, `PT1H30M`); a part of a second (a duration divided or
/// averaged) as a decimal fraction of the seconds (`PT26M40.25S`), never dropped.
pub fn duration_text(d: chrono::TimeDelta) -> String {
    let negative = d < chrono::TimeDelta::zero();
    let total = d.num_seconds().unsigned_abs();
    let nanos = d.subsec_nanos().unsigned_abs();
    let (days, rest) = (total / 86_400, total % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = String::from(if negative { "-P" } else { "P" });
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 || nanos > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if nanos > 0 {
            let fraction = format!("{nanos:09}");
            out.push_str(&format!("{s}.{}S", fraction.trim_end_matches('0')));
        } else if s > 0 || (h == 0 && m == 0) {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

/// Writes a JSON string literal, escaped exactly as `serde_json` does.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        // Skip eight bytes at a time while none needs escaping: most text written (ids, reasons,
        // amounts) has nothing to escape, and most of it is multi-byte Chinese.
        if let Some(word) = bytes.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok())
            && !any_byte_needs_escape(u64::from_le_bytes(word))
        {
            at += 8;
            continue;
        }
        let Some(&b) = bytes.get(at) else { break };
        if needs_escape(b) {
            // Only ASCII bytes need escaping, so `at` is always on a character boundary here.
            out.push_str(s.get(start..at).unwrap_or(""));
            write_escape(out, b);
            start = at + 1;
        }
        at += 1;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

/// Whether JSON requires `b` escaped in a string: a quote, a backslash or a control character.
fn needs_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// Whether any of the eight bytes of `word` needs escaping (the word-at-a-time form of
/// [`needs_escape`]). A byte is zero in `x` exactly when `x - 0x01…` borrows into its high bit
/// where `x` had none, and below 0x20 exactly when `x - 0x20…` does: both tests are exact for
/// the word as a whole, which is all that is asked (the byte loop finds which byte).
fn any_byte_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (below(quote, 1) | below(backslash, 1) | below(word, 0x20)) != 0
}

fn write_escape(out: &mut String, b: u8) {
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
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests fail loudly")]

    use super::*;
    use crate::batch::{Batch, Explain, NdjsonSource, Unobserved};
    use crate::program::inputs::Inputs;

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_as_serde_json_escapes_it(text in "(?s).{0,64}") {
            let mut out = String::new();
            write_json_string(&mut out, &text);
            proptest::prop_assert_eq!(out, serde_json::to_string(&text).unwrap());
        }
    }

    /// The word-at-a-time scan against `serde_json`, the escaping it promises to equal: every
    /// byte to escape at every place of a word and across words, among UTF-8.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let specials = [
            '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1f}', '\u{7f}', 'é', '≥',
        ];
        for len in 0..20 {
            for at in 0..len {
                for special in specials {
                    let s: String = (0..len)
                        .map(|i| {
                            if i == at {
                                special
                            } else {
                                char::from(b'a' + (i % 26) as u8)
                            }
                        })
                        .collect();
                    for s in [s.clone(), format!("活动{s}"), format!("{s}{s}")] {
                        let mut out = String::new();
                        write_json_string(&mut out, &s);
                        assert_eq!(out, serde_json::to_string(&s).unwrap(), "{s:?}");
                    }
                }
            }
        }
        for word in [
            0u64,
            u64::MAX,
            0x2020_2020_2020_2020,
            0x8080_8080_8080_8080,
            0x2121_2121_2121_2121,
        ] {
            let escaped = word
                .to_le_bytes()
                .iter()
                .any(|b| *b == b'"' || *b == b'\\' || *b < 0x20);
            assert_eq!(any_byte_needs_escape(word), escaped, "{word:#x}");
        }
    }

    #[test]
    fn durations_show_a_part_of_a_second_and_whole_seconds_as_before() {
        use chrono::TimeDelta;
        let cases = [
            (TimeDelta::seconds(5400), "PT1H30M"),
            (TimeDelta::days(30), "P30D"),
            (TimeDelta::zero(), "PT0S"),
            (TimeDelta::seconds(-5), "-PT5S"),
            (TimeDelta::milliseconds(1_600_250), "PT26M40.25S"),
            (TimeDelta::nanoseconds(1_333_333_333), "PT1.333333333S"),
            (TimeDelta::nanoseconds(500_000_000), "PT0.5S"),
            (TimeDelta::nanoseconds(-1_500_000_000), "-PT1.5S"),
            (TimeDelta::days(1) + TimeDelta::nanoseconds(1), "P1DT0.000000001S"),
        ];
        for (d, text) in cases {
            assert_eq!(duration_text(d), text, "{d:?}");
        }
    }

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

    /// Every row of every policy against its contract facts and its broken
    /// edge cases, explained or not.
    fn every_row(explain: Explain) -> Vec<(Program, Vec<Row>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for entry in std::fs::read_dir(root.join("policies")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "campaign") {
                continue;
            }
            let program = crate::check::check(&std::fs::read_to_string(&path).unwrap())
                .program
                .unwrap();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let mut rows = Vec::new();
            for facts in [
                root.join("tests/fixtures/contract").join(format!("{name}.ndjson")),
                root.join("tests/fixtures/edges/douyin-broken.ndjson"),
                root.join("tests/fixtures/edges/coldstart-broken.ndjson"),
            ] {
                let text = std::fs::read(&facts).unwrap();
                let batch = Batch::new(&program, Inputs::defaults(&program)).explain(explain.clone());
                batch.run(&mut NdjsonSource::new(text.as_slice()), &mut rows, &Unobserved);
            }
            out.push((program, rows));
        }
        assert!(out.len() >= 6);
        out
    }

    /// There is one definition of the result object: the writer. The JSON
    /// value is parsed from its text, and serializing that value again gives
    /// the same bytes: the text is valid JSON, escaped and ordered as
    /// `serde_json` writes it, with no key twice.
    #[test]
    fn the_json_value_and_the_fast_writer_agree() {
        let (mut results, mut failures, mut explained) = (0, 0, 0);
        for explain in [Explain::Nothing, Explain::Every] {
            for (program, rows) in every_row(explain) {
                for row in &rows {
                    let mut text = String::new();
                    write_row(&mut text, &program, row);
                    let json = row_json(&program, row);
                    assert!(json.is_object(), "{text}");
                    assert_eq!(json.to_string(), text);
                    match row {
                        Row::Evaluated(e) => {
                            results += 1;
                            assert_eq!(json["id"], e.id.as_str());
                            if let Some(x) = &e.explanation {
                                explained += 1;
                                assert_eq!(json["explanation"], serde_json::to_value(x).unwrap());
                            } else {
                                let mut plain = String::new();
                                write_result(&mut plain, &program, &e.id, &e.outcome);
                                assert_eq!(plain, text);
                                assert_eq!(result_json(&program, &e.id, &e.outcome), json);
                            }
                            for shown in &e.outcome.values {
                                let mut s = String::new();
                                write_shown(&mut s, shown);
                                assert_eq!(shown_json(shown).to_string(), s);
                            }
                        }
                        Row::Failed(f) => {
                            failures += 1;
                            assert_eq!(json["line"], f.line);
                            assert_eq!(json["error"], f.error.as_str());
                        }
                    }
                }
            }
        }
        assert!(
            results > 100 && failures > 10 && explained > 50,
            "{results} {failures} {explained}"
        );
    }

    #[test]
    fn the_object_keys_are_in_the_contract_order() {
        for (program, rows) in every_row(Explain::Nothing) {
            for row in rows {
                let json = row_json(&program, &row);
                let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
                match row {
                    Row::Evaluated(_) => assert_eq!(keys, ["id", "eligible", "rewards", "values", "reasons"]),
                    Row::Failed(_) => assert_eq!(keys[..3], ["line", "id", "error"]),
                }
            }
        }
    }
}
