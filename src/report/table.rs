//! Results as rows of cells: CSV, and the aligned table for people.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

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
    // The cells as shown, and the terminal columns each takes.
    let rows: Vec<Vec<(String, usize)>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    let shown = sanitize(c);
                    let width = shown.width();
                    (shown, width)
                })
                .collect()
        })
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().map(|r| r.get(i).map_or(0, |(_, w)| *w)).max().unwrap_or(0))
        .collect();
    for (n, r) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, (cell, cell_width)) in r.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(w.saturating_sub(*cell_width)));
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

/// Text from the input without its control characters, which are never
/// echoed raw to a terminal.
pub fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '�' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_in_terminal_columns() {
        let cell = |s: &str| s.to_string();
        let rows = vec![
            vec![cell("id"), cell("name"), cell("n"), cell("")],
            vec![cell("a"), cell("店铺"), cell("1"), cell("")],
            vec![cell("b"), cell("🎁"), cell("2"), cell("")],
            vec![cell("c"), cell("cafe\u{301}"), cell("3"), cell("")],
            vec![cell("d"), cell("x\u{1b}"), cell("4"), cell("")],
        ];
        let mut out = Vec::new();
        assert!(write_table(&mut out, rows).is_ok());
        let text = String::from_utf8(out).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        // Each `n` starts after `name`'s widest cell (4 columns) and two spaces.
        assert_eq!(
            lines,
            vec![
                "id  name  n",
                "──  ────  ─",
                "a   店铺  1",
                "b   🎁    2",
                "c   cafe\u{301}  3",
                "d   x�    4",
            ]
        );
    }
}
