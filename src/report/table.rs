//! Results as rows of cells: CSV, and the aligned table for people.

use std::io::Write;

use super::{failed_reasons, json::duration_text};
use crate::batch::Row;
use crate::eval::Shown;
use crate::program::Program;

/// The columns: `id`, `eligible`, each reward (then its periods), each
/// shown value, `reasons`, `error`.
pub(super) fn header(program: &Program) -> Vec<String> {
    let mut h = vec!["id".to_string(), "eligible".to_string()];
    for r in &program.rewards {
        h.push(r.name.clone());
        if let Some(range) = r.per.and_then(|p| program.periods.get(p)) {
            for period in &range.periods {
                h.push(format!("{}[{}]", r.name, period.key));
            }
        }
    }
    for &i in &program.exposed {
        if let Some(d) = program.definitions.get(i) {
            h.push(d.name.clone());
        }
    }
    h.push("reasons".into());
    h.push("error".into());
    h
}

/// The cells of one row, for a header of `width` columns.
pub(super) fn cells(program: &Program, row: &Row, width: usize) -> Vec<String> {
    match row {
        Row::Evaluated(e) => {
            let outcome = &e.outcome;
            let mut c = vec![e.id.clone(), outcome.eligible.to_string()];
            for (def, r) in program.rewards.iter().zip(&outcome.rewards) {
                c.push(r.amount.to_string());
                if def.per.is_some() {
                    for a in r.by_period.iter().flatten() {
                        c.push(a.to_string());
                    }
                }
            }
            c.extend(outcome.values.iter().map(shown_cell));
            c.push(failed_reasons(program, outcome).collect::<Vec<_>>().join("; "));
            c.push(String::new());
            c
        }
        Row::Failed(f) => {
            let mut c = vec![String::new(); width];
            if let Some(first) = c.first_mut() {
                *first = f.id.clone().unwrap_or_default();
            }
            if let Some(last) = c.last_mut() {
                *last = format!("line {}: {}", f.line, f.error);
            }
            c
        }
    }
}

/// A shown value in a cell: as in JSON, without quotes, an amount without
/// its unit, unknown as nothing.
fn shown_cell(shown: &Shown) -> String {
    match shown {
        Shown::Unknown => String::new(),
        Shown::Bool(b) => b.to_string(),
        Shown::Count(n) => n.trunc().to_string(),
        Shown::Amount(n, _) | Shown::Number(n) => n.to_string(),
        Shown::Text(t) => t.clone(),
        Shown::Time(t) => t.to_rfc3339(),
        Shown::Duration(d) => duration_text(*d),
    }
}

/// Writes one CSV line, quoting the cells that need it.
pub(super) fn write_csv_row<W: Write>(out: &mut W, cells: &[String]) -> std::io::Result<()> {
    let line: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    writeln!(out, "{}", line.join(","))
}

/// Writes the header and the rows as an aligned table, the header underlined;
/// without the error column when no row has an error.
pub(super) fn write_table<W: Write>(out: &mut W, mut rows: Vec<Vec<String>>) -> std::io::Result<()> {
    // Drop the error column when nothing failed, to keep the table narrow.
    if rows.iter().skip(1).all(|r| r.last().is_none_or(String::is_empty)) {
        for r in rows.iter_mut() {
            r.pop();
        }
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map(|c| display_width(c)).unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (n, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(&sanitize(cell));
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(w.saturating_sub(display_width(cell))));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
            writeln!(out, "{}", rule.join("  "))?;
        }
    }
    Ok(())
}

/// Terminal columns a text takes: CJK characters take two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let cp = c as u32;
            let wide = (0x1100..=0x115F).contains(&cp)
                || (0x2E80..=0xA4CF).contains(&cp)
                || (0xAC00..=0xD7A3).contains(&cp)
                || (0xF900..=0xFAFF).contains(&cp)
                || (0xFE30..=0xFE4F).contains(&cp)
                || (0xFF00..=0xFF60).contains(&cp)
                || (0xFFE0..=0xFFE6).contains(&cp);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Text from the input without its control characters, which are never
/// echoed raw to a terminal.
pub fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '�' } else { c }).collect()
}
