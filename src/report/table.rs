//! Results as rows of cells: CSV, and the aligned table for people.
//!
//! The table is laid out from its first [`CHUNK`] rows (column widths, whether the `error`
//! column is needed), then streamed: a million-row table holds a thousand rows, not a
//! million. Fitted to a width (the terminal's), it first moves the per-period columns under
//! each row, then wraps `reasons` and `error`. Long decimals are cut for display, with `…`.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use super::terminal::shown;
use super::{failed_gate_reasons, failed_reasons, json::duration_text};
use crate::batch::Row;
use crate::eval::Shown;
use crate::program::Program;

/// How many rows the table's layout is taken from before it streams.
pub const CHUNK: usize = 1000;
/// Decimal places shown in the table before a number is cut (with `…`).
pub const SHOWN_DECIMALS: usize = 6;
/// The narrowest a wrapped column is made.
const NARROWEST_WRAPPED: usize = 16;

/// What a column holds: how it is shown, and what gives way when the table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    /// The record's id.
    Id,
    /// `true` or `false`: eligible (or liable, in a campaign of fees).
    Eligible,
    /// A reward's (or fee's) amount.
    Reward,
    /// A reward's amount in one period (`REWARD[PERIOD]`).
    Period,
    /// A shown value.
    Value,
    /// The reasons of the failed conditions.
    Reasons,
    /// Why a record could not be read or evaluated.
    Error,
}

impl Column {
    fn is_number(self) -> bool {
        matches!(self, Column::Reward | Column::Period | Column::Value)
    }

    fn wraps(self) -> bool {
        matches!(self, Column::Reasons | Column::Error)
    }
}

/// The columns: `id`, `eligible` (`liable` for fees), each reward or fee (then its periods),
/// each shown value (a per-period value: its periods), `reasons`, `error`.
pub(super) fn header(program: &Program) -> Vec<(String, Column)> {
    let mut h = vec![
        ("id".to_string(), Column::Id),
        (program.output_kind().verdict_key().to_string(), Column::Eligible),
    ];
    for r in &program.rewards {
        h.push((r.name.clone(), Column::Reward));
        if let Some(range) = r.per.and_then(|p| program.periods.get(p)) {
            for period in &range.periods {
                h.push((format!("{}[{}]", r.name, period.key), Column::Period));
            }
        }
        // A reward with a `when` block: why it was not earned.
        if r.gate.is_some() {
            h.push((format!("{}.reasons", r.name), Column::Reasons));
        }
    }
    for &i in &program.exposed {
        let Some(d) = program.definitions.get(i) else { continue };
        match d.per.and_then(|p| program.periods.get(p)) {
            // A per-period value has a column per period and none for the whole.
            Some(range) => {
                for period in &range.periods {
                    h.push((format!("{}[{}]", d.name, period.key), Column::Period));
                }
            }
            None => h.push((d.name.clone(), Column::Value)),
        }
    }
    h.push(("reasons".into(), Column::Reasons));
    h.push(("error".into(), Column::Error));
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
                if def.gate.is_some() {
                    c.push(failed_gate_reasons(def, r).collect::<Vec<_>>().join("; "));
                }
            }
            for shown in &outcome.values {
                match shown {
                    Shown::ByPeriod(periods) => c.extend(periods.iter().map(|(_, s)| shown_cell(s))),
                    other => c.push(shown_cell(other)),
                }
            }
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
        // Written one period a column by `cells`; as one cell, each period with its key.
        Shown::ByPeriod(periods) => periods
            .iter()
            .map(|(key, s)| format!("{key} {}", shown_cell(s)))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

// ---------------------------------------------------------------------------
// CSV

/// A CSV cell as written: control characters escaped as everywhere people read (see
/// [`shown`]), and a text that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) prefixed with `'`. Numbers, negative ones included,
/// are left as they are.
pub(super) fn csv_cell(cell: &str) -> String {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(cell);
    let safe = shown(cell);
    if formula { format!("'{safe}") } else { safe.into_owned() }
}

/// Whether `s` is a decimal number (`-12.50`, `3`, `+1`).
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()) && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Writes one CSV record with the `csv` crate (quoting the cells that need it).
pub(super) fn write_csv_row<W: Write>(out: &mut W, cells: &[String]) -> std::io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .buffer_capacity(256)
        .from_writer(Vec::with_capacity(128));
    writer.write_record(cells.iter().map(|c| csv_cell(c)))?;
    let bytes = writer.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
    out.write_all(&bytes)
}

// ---------------------------------------------------------------------------
// The table

/// How the table is shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// The width to fit (a terminal's columns); `None`: as wide as the cells make it.
    pub width: Option<usize>,
    /// Show every decimal place (`--full-numbers`) instead of cutting after
    /// [`SHOWN_DECIMALS`].
    pub full_numbers: bool,
    /// Hold every row until the end (the table follows explanations).
    pub hold: bool,
}

/// The table being written: rows held until the layout is known, then streamed.
#[derive(Debug)]
pub(super) struct Table {
    options: TableOptions,
    header: Vec<(String, Column)>,
    held: Vec<Vec<String>>,
    layout: Option<Layout>,
}

impl Table {
    pub(super) fn new(header: Vec<(String, Column)>, options: TableOptions) -> Table {
        Table {
            options,
            header,
            held: Vec::new(),
            layout: None,
        }
    }

    /// Adds a row: held while the layout is being measured, written after.
    pub(super) fn push<W: Write>(&mut self, out: &mut W, cells: Vec<String>) -> std::io::Result<()> {
        match &self.layout {
            Some(layout) => layout.write_row(out, &self.header, &cells),
            None => {
                self.held.push(cells);
                if !self.options.hold && self.held.len() >= CHUNK {
                    self.start(out)?;
                }
                Ok(())
            }
        }
    }

    /// Writes what is held (laying it out if that was not done yet).
    pub(super) fn finish<W: Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        if self.layout.is_none() && !self.held.is_empty() {
            self.start(out)?;
        }
        Ok(())
    }

    /// Lays the table out from the rows held, writes the header and them.
    fn start<W: Write>(&mut self, out: &mut W) -> std::io::Result<()> {
        let layout = Layout::new(&self.header, &self.held, self.options);
        layout.write_header(out, &self.header)?;
        for cells in std::mem::take(&mut self.held) {
            layout.write_row(out, &self.header, &cells)?;
        }
        self.layout = Some(layout);
        Ok(())
    }
}

/// Which columns are drawn and how wide.
#[derive(Debug)]
struct Layout {
    /// The width of each column, `None` for a column not drawn in the grid.
    widths: Vec<Option<usize>>,
    /// The per-period amounts are written under each row instead of in columns.
    periods_below: bool,
    width: Option<usize>,
    full_numbers: bool,
}

impl Layout {
    fn new(header: &[(String, Column)], rows: &[Vec<String>], options: TableOptions) -> Layout {
        let full_numbers = options.full_numbers;
        let natural: Vec<usize> = header
            .iter()
            .enumerate()
            .map(|(i, (name, kind))| {
                rows.iter()
                    .map(|r| r.get(i).map_or(0, |c| display(c, *kind, full_numbers).width()))
                    .chain([name.width()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let any_error = rows.iter().any(|r| r.last().is_some_and(|c| !c.is_empty()));
        let mut widths: Vec<Option<usize>> = header
            .iter()
            .zip(&natural)
            .map(|((_, kind), w)| (*kind != Column::Error || any_error).then_some(*w))
            .collect();
        let total = |widths: &[Option<usize>]| {
            let shown: Vec<usize> = widths.iter().flatten().copied().collect();
            shown.iter().sum::<usize>() + 2 * shown.len().saturating_sub(1)
        };
        let mut periods_below = false;
        if let Some(limit) = options.width {
            if total(&widths) > limit && header.iter().any(|(_, k)| *k == Column::Period) {
                periods_below = true;
                for (w, (_, kind)) in widths.iter_mut().zip(header) {
                    if *kind == Column::Period {
                        *w = None;
                    }
                }
            }
            if total(&widths) > limit {
                let wrapped: Vec<usize> = (0..header.len())
                    .filter(|&i| {
                        header.get(i).is_some_and(|(_, k)| k.wraps()) && widths.get(i).is_some_and(Option::is_some)
                    })
                    .collect();
                let fixed: usize = widths
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !wrapped.contains(i))
                    .filter_map(|(_, w)| *w)
                    .sum();
                let gaps = 2 * widths.iter().flatten().count().saturating_sub(1);
                let room = limit.saturating_sub(fixed + gaps) / wrapped.len().max(1);
                for i in wrapped {
                    if let Some(Some(w)) = widths.get_mut(i) {
                        *w = (*w).min(room.max(NARROWEST_WRAPPED));
                    }
                }
            }
        }
        Layout {
            widths,
            periods_below,
            width: options.width,
            full_numbers,
        }
    }

    fn write_header<W: Write>(&self, out: &mut W, header: &[(String, Column)]) -> std::io::Result<()> {
        let names: Vec<Vec<String>> = header.iter().map(|(n, _)| vec![shown(n).into_owned()]).collect();
        self.write_lines(out, &names)?;
        let rule: Vec<String> = self.widths.iter().flatten().map(|w| "─".repeat(*w)).collect();
        writeln!(out, "{}", rule.join("  "))
    }

    /// Writes one record: its cells (wrapped cells on several lines), then, when they are not
    /// in columns, its per-period amounts, and its error when the error column is not drawn.
    fn write_row<W: Write>(&self, out: &mut W, header: &[(String, Column)], cells: &[String]) -> std::io::Result<()> {
        let lines: Vec<Vec<String>> = header
            .iter()
            .zip(&self.widths)
            .enumerate()
            .map(|(i, ((_, kind), width))| {
                let text = display(cells.get(i).map_or("", String::as_str), *kind, self.full_numbers);
                match width {
                    Some(w) if kind.wraps() && text.width() > *w => {
                        textwrap::wrap(&text, *w).into_iter().map(|l| l.into_owned()).collect()
                    }
                    _ => vec![text],
                }
            })
            .collect();
        self.write_lines(out, &lines)?;
        let below_width = self.width.unwrap_or(usize::MAX).max(NARROWEST_WRAPPED);
        if self.periods_below {
            let parts: Vec<String> = header
                .iter()
                .zip(cells)
                .filter(|((_, kind), cell)| *kind == Column::Period && !cell.is_empty())
                .map(|((name, kind), cell)| format!("{} {}", shown(name), display(cell, *kind, self.full_numbers)))
                .collect();
            write_packed(out, &parts, below_width)?;
        }
        if let (Some(None), Some(error)) = (self.widths.last(), cells.last())
            && !error.is_empty()
        {
            let text = format!("error: {}", shown(error));
            let options = textwrap::Options::new(below_width)
                .initial_indent("  ")
                .subsequent_indent("    ");
            for line in textwrap::wrap(&text, options) {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
        Ok(())
    }

    /// Writes the drawn columns' cells side by side, as many lines as the tallest needs.
    fn write_lines<W: Write>(&self, out: &mut W, cells: &[Vec<String>]) -> std::io::Result<()> {
        let drawn: Vec<(usize, &Vec<String>)> = self
            .widths
            .iter()
            .zip(cells)
            .filter_map(|(w, c)| w.map(|w| (w, c)))
            .collect();
        let height = drawn.iter().map(|(_, c)| c.len()).max().unwrap_or(1).max(1);
        for n in 0..height {
            let mut line = String::new();
            for (i, (width, cell)) in drawn.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let text = cell.get(n).map_or("", String::as_str);
                line.push_str(text);
                if i + 1 < drawn.len() {
                    line.push_str(&" ".repeat(width.saturating_sub(text.width())));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Writes `parts` (`cash[2022-12] 4.00`) separated by commas, as many on a line as fit in
/// `width` (a part is never split), the first line indented by two spaces, the others by four.
fn write_packed<W: Write>(out: &mut W, parts: &[String], width: usize) -> std::io::Result<()> {
    let mut line = String::new();
    for (n, part) in parts.iter().enumerate() {
        let piece = if n + 1 < parts.len() {
            format!("{part},")
        } else {
            part.clone()
        };
        if line.is_empty() {
            line = format!("  {piece}");
        } else if line.width() + 1 + piece.width() <= width {
            line.push(' ');
            line.push_str(&piece);
        } else {
            writeln!(out, "{line}")?;
            line = format!("    {piece}");
        }
    }
    if !line.is_empty() {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A cell as the table shows it: control characters escaped, a number with more than
/// [`SHOWN_DECIMALS`] decimal places cut with `…` (unless `full`).
fn display(cell: &str, kind: Column, full: bool) -> String {
    let cell = shown(cell);
    if full || !kind.is_number() || !is_number(&cell) {
        return cell.into_owned();
    }
    match cell.split_once('.') {
        Some((whole, fraction)) if fraction.len() > SHOWN_DECIMALS => {
            format!("{whole}.{}…", fraction.get(..SHOWN_DECIMALS).unwrap_or(fraction))
        }
        _ => cell.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn table(header: &[(&str, Column)], rows: &[&[&str]], options: TableOptions) -> String {
        let header: Vec<(String, Column)> = header.iter().map(|(n, k)| (n.to_string(), *k)).collect();
        let mut t = Table::new(header, options);
        let mut out = Vec::new();
        for r in rows {
            t.push(&mut out, r.iter().map(|c| c.to_string()).collect()).unwrap();
        }
        t.finish(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_align_in_terminal_columns() {
        use Column::{Error, Id, Reasons, Value};
        let text = table(
            &[("id", Id), ("name", Value), ("n", Reasons), ("error", Error)],
            &[
                &["a", "店铺", "1", ""],
                &["b", "🎁", "2", ""],
                &["c", "cafe\u{301}", "3", ""],
                &["d", "x\u{1b}", "4", ""],
            ],
            TableOptions::default(),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                "id  name     n",
                "──  ───────  ─",
                "a   店铺     1",
                "b   🎁       2",
                "c   cafe\u{301}     3",
                "d   x\\u{1b}  4",
            ]
        );
    }

    #[test]
    fn a_narrow_table_moves_periods_below_wraps_reasons_and_cuts_decimals() {
        use Column::{Eligible, Error, Id, Period, Reasons, Reward};
        let header = [
            ("id", Id),
            ("eligible", Eligible),
            ("cash", Reward),
            ("cash[2022-12]", Period),
            ("cash[2023-01]", Period),
            ("reasons", Reasons),
            ("error", Error),
        ];
        let rows: &[&[&str]] = &[
            &["a", "true", "10.123456789", "4", "6.123456789", "", ""],
            &[
                "b",
                "false",
                "0",
                "",
                "",
                "GMV must reach 100; the store score must be 4.2 or more",
                "",
            ],
        ];
        let wide = table(&header, rows, TableOptions::default());
        assert!(wide.lines().next().unwrap().contains("cash[2023-01]"), "{wide}");
        assert!(wide.contains("10.123456…"), "{wide}");
        let narrow = table(
            &header,
            rows,
            TableOptions {
                width: Some(44),
                ..TableOptions::default()
            },
        );
        for line in narrow.lines() {
            assert!(line.width() <= 44, "{line:?} in\n{narrow}");
        }
        assert!(
            narrow.contains("  cash[2022-12] 4, cash[2023-01] 6.123456…"),
            "{narrow}"
        );
        assert!(!narrow.lines().next().unwrap().contains("cash[2022-12]"), "{narrow}");
        let full = table(
            &header,
            rows,
            TableOptions {
                full_numbers: true,
                ..TableOptions::default()
            },
        );
        assert!(full.contains("10.123456789") && !full.contains('…'), "{full}");
    }

    #[test]
    fn a_long_table_is_laid_out_from_its_first_rows_and_streamed() {
        use Column::{Error, Id, Reasons};
        let header: Vec<(String, Column)> = [("id", Id), ("reasons", Reasons), ("error", Error)]
            .iter()
            .map(|(n, k)| (n.to_string(), *k))
            .collect();
        let mut t = Table::new(header, TableOptions::default());
        let mut out = Vec::new();
        for n in 0..CHUNK - 1 {
            t.push(&mut out, vec![n.to_string(), String::new(), String::new()])
                .unwrap();
        }
        assert!(out.is_empty());
        t.push(&mut out, vec!["last of the chunk".into(), String::new(), String::new()])
            .unwrap();
        let written = out.len();
        assert!(written > 0);
        t.push(&mut out, vec!["x".into(), String::new(), "line 9: bad".into()])
            .unwrap();
        assert!(out.len() > written, "a row after the chunk is written at once");
        assert!(String::from_utf8(out).unwrap().ends_with("x\n  error: line 9: bad\n"));
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        assert_eq!(csv_cell("=1+2"), "'=1+2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("+cmd"), "'+cmd");
        assert_eq!(csv_cell("-x"), "'-x");
        assert_eq!(csv_cell("\tx"), "'\\u{9}x");
        assert_eq!(csv_cell("-12.50"), "-12.50");
        assert_eq!(csv_cell("+3"), "+3");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell("\u{1b}[2J"), "\\u{1b}[2J");
    }
}
