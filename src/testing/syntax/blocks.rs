//! The file's blocks: `case` and `table` headers, their bodies line by line, and a table's
//! rows and columns. Separate from the statements inside a case (`statements.rs`) and from
//! the lexing helpers (`syntax.rs`) they are both written with.

use super::super::keywords::{TARGETS, Word};
use super::{
    CaseDef, Cell, Facts, Item, PResult, Parser, Row, TableDef, cell, check_columns, check_records, full_width_bar,
    is_separator, took_a_close, unclosed_row,
};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::scan::{self, Kind};

impl<'a> Parser<'a> {
    pub(super) fn file(&mut self) -> Vec<Item> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            if self.eof() {
                break;
            }
            let start = self.pos;
            if self.keyword(Word::Case) {
                if let Some(case) = self.case(start) {
                    items.push(Item::Case(case));
                }
            } else if self.keyword(Word::Table) {
                if let Some(table) = self.table(start) {
                    items.push(Item::Table(table));
                }
            } else {
                let d = self.unexpected("`case` or `table`");
                self.diagnostics.push(d.with_help(
                    "a tests file holds `case \"NAME\" { ... }` and `table \"NAME\" { ... }` blocks; \
                     comments start with `#`",
                ));
                self.skip_line();
            }
        }
        items
    }

    /// `"NAME" {` then the end of the line.
    fn block_header(&mut self, kind: &str, start: usize) -> PResult<(String, Span)> {
        self.skip_spaces();
        let (name, _) = self.string().map_err(|d| {
            if d.code == Code::UnterminatedString {
                d
            } else {
                self.unexpected(&format!("the {kind}'s name in double quotes"))
                    .with_help(format!("write `{kind} \"what this {kind} checks\" {{`"))
            }
        })?;
        if name.trim().is_empty() {
            return Err(Diagnostic::error(
                Code::TestSyntax,
                Span::new(start, self.pos),
                format!("the {kind} has an empty name"),
                "empty name",
            )
            .with_help("say in a few words what it checks"));
        }
        let span = Span::new(start, self.pos);
        self.skip_spaces();
        if self.peek() != Some('{') {
            return Err(self.unexpected("`{`"));
        }
        self.bump();
        self.end_line()?;
        Ok((name, span))
    }

    /// Whether the cursor (at the start of a line's content) is at a new block: a missing `}`.
    fn at_block_start(&self) -> bool {
        let rest = self.rest();
        [Word::Case, Word::Table]
            .iter()
            .flat_map(|w| w.spellings())
            .any(|(kw, _)| {
                rest.strip_prefix(kw)
                    .is_some_and(|after| after.starts_with([' ', '\t', '"']))
            })
    }

    fn unclosed(&mut self, kind: &str, span: Span) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::TestSyntax,
                span,
                format!("this {kind} is not closed"),
                format!("the {kind} starts here"),
            )
            .with_help(format!("end the {kind} with a line holding only `}}`")),
        );
    }

    /// A block's header (`case "name" {`), or `None` with its error reported and its line
    /// skipped.
    fn opened(&mut self, kind: &str, start: usize) -> Option<(String, Span)> {
        match self.block_header(kind, start) {
            Ok(header) => Some(header),
            Err(d) => {
                self.diagnostics.push(d);
                self.skip_line();
                None
            }
        }
    }

    /// Reads the lines of a `case` or `table` block up to its `}`, each through `line` (called
    /// with the line's start, after any blank lines). A line's error is reported and the line
    /// skipped, so that one bad line never hides the others; a block left open at the end of
    /// the file or at the next block is reported once, unless an error already read past its
    /// own line and may have taken the `}` with it (that error is the one to fix). Whether no
    /// error was reported.
    fn block_lines(&mut self, kind: &str, span: Span, mut line: impl FnMut(&mut Self, usize) -> PResult<()>) -> bool {
        let errors_before = self.diagnostics.len();
        let mut lost_lines = false;
        loop {
            self.skip_blank();
            if self.eof() || self.at_block_start() {
                if !lost_lines {
                    self.unclosed(kind, span);
                }
                break;
            }
            let line_start = self.pos;
            if self.peek() == Some('}') {
                self.bump();
                if let Err(d) = self.end_line() {
                    self.diagnostics.push(d);
                    self.skip_line();
                }
                break;
            }
            if let Err(d) = line(self, line_start) {
                self.diagnostics.push(d);
                lost_lines |= self.text.get(line_start..self.pos).is_some_and(took_a_close);
                self.skip_line();
            }
        }
        self.diagnostics.len() == errors_before
    }

    fn case(&mut self, start: usize) -> Option<CaseDef> {
        let (name, span) = self.opened("case", start)?;
        let mut facts: Option<Facts> = None;
        let mut params = Vec::new();
        let mut expectations = Vec::new();
        let clean = self.block_lines("case", span, |p, line_start| {
            if p.keyword(Word::Facts) {
                let word = Span::new(line_start, p.pos);
                p.facts_line(line_start).and_then(|f| {
                    if facts.is_some() {
                        Err(
                            Diagnostic::error(Code::TestSyntax, word, "a case has one `facts`", "second `facts`")
                                .with_help("for several records (a budget campaign), write `facts [ {...}, {...} ]`"),
                        )
                    } else {
                        facts = Some(f);
                        Ok(())
                    }
                })
            } else if p.keyword(Word::With) {
                p.with_line(line_start).map(|param| params.push(param))
            } else if p.keyword(Word::Expect) {
                p.expect_line().map(|e| expectations.push(e))
            } else {
                Err(p
                    .unexpected("`facts`, `with`, `expect` or `}`")
                    .with_help("inside a case, each line is `facts {...}`, `with NAME = VALUE` or `expect ...`"))
            }
        });
        if !clean {
            return None;
        }
        let Some(facts) = facts else {
            self.diagnostics.push(
                Diagnostic::error(Code::TestSyntax, span, "this case has no facts", "no `facts` line")
                    .with_help("add a line `facts { \"name\": value, ... }` with the record's facts as JSON"),
            );
            return None;
        };
        if expectations.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(Code::TestSyntax, span, "this case expects nothing", "no `expect` line")
                    .with_help("add at least one line such as `expect eligible` or `expect growth_points = 90 points`"),
            );
            return None;
        }
        if let Err(d) = check_records(&facts, &expectations) {
            self.diagnostics.push(d);
            return None;
        }
        Some(CaseDef {
            name,
            span,
            facts,
            params,
            expectations,
        })
    }

    fn table(&mut self, start: usize) -> Option<TableDef> {
        let (name, span) = self.opened("table", start)?;
        let mut facts: Option<Facts> = None;
        let mut params = Vec::new();
        let mut columns: Option<Vec<Cell>> = None;
        let mut rows = Vec::new();
        let clean = self.block_lines("table", span, |p, line_start| {
            if p.peek() == Some('|') {
                p.table_row().map(|(cells, row_span)| {
                    if cells.iter().all(|c| is_separator(&c.text)) && !cells.is_empty() {
                        // A markdown separator line `|---|---|`.
                        return;
                    }
                    match &columns {
                        None => {
                            p.note_columns(&cells);
                            columns = Some(cells);
                        }
                        Some(cols) if cols.len() != cells.len() => p.diagnostics.push(
                            Diagnostic::error(
                                Code::TestSyntax,
                                row_span,
                                format!(
                                    "this row has {} cells but the table has {} columns",
                                    cells.len(),
                                    cols.len()
                                ),
                                "wrong number of cells",
                            )
                            .with_help("give every row one cell per column; leave a cell empty to skip it"),
                        ),
                        Some(_) => rows.push(Row { span: row_span, cells }),
                    }
                })
            } else if columns.is_some() {
                Err(p
                    .unexpected("a row `| ... |` or `}`")
                    .with_help("after the header row, a table holds only rows"))
            } else if p.keyword(Word::Facts) {
                let word = Span::new(line_start, p.pos);
                p.facts_line(line_start).and_then(|f| {
                    if facts.is_some() {
                        Err(Diagnostic::error(
                            Code::TestSyntax,
                            word,
                            "a table has one `facts`: the facts every row starts from",
                            "second `facts`",
                        ))
                    } else if f.is_list {
                        Err(Diagnostic::error(
                            Code::TestSyntax,
                            f.span,
                            "a table's facts are one record, `{...}`",
                            "a list of records",
                        )
                        .with_help("each row is one record; write several records in a `case`"))
                    } else {
                        facts = Some(f);
                        Ok(())
                    }
                })
            } else if p.keyword(Word::With) {
                p.with_line(line_start).map(|param| params.push(param))
            } else if p.keyword(Word::Expect) {
                Err(Diagnostic::error(
                    Code::TestSyntax,
                    Span::new(line_start, p.pos),
                    "a table has no `expect` lines",
                    "`expect` in a table",
                )
                .with_help("in a table, what is expected is given in columns: `| eligible | growth_points |`"))
            } else {
                Err(p
                    .unexpected("`facts`, `with`, the header row `| ... |` or `}`")
                    .with_help("a table is `facts {...}`, then a header row `| fact | eligible | ... |`, then rows"))
            }
        });
        if !clean {
            return None;
        }
        let Some(columns) = columns else {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::TestSyntax,
                    span,
                    "this table has no header row",
                    "no `| ... |` line",
                )
                .with_help("add a header row naming the columns, e.g. `| store_score | eligible |`"),
            );
            return None;
        };
        if rows.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(Code::TestSyntax, span, "this table has no rows", "no rows")
                    .with_help("add one row `| ... |` per case under the header row"),
            );
            return None;
        }
        if let Err(d) = check_columns(&columns) {
            self.diagnostics.push(d);
            return None;
        }
        Some(TableDef {
            name,
            span,
            facts,
            params,
            columns,
            rows,
        })
    }

    /// Notes the columns of a header row named by a keyword (`| eligible | reasons |`).
    fn note_columns(&mut self, columns: &[Cell]) {
        for c in columns {
            if let Some((word, surface)) = Word::of_written(&c.text, TARGETS) {
                self.noted(word, surface, c.span);
            }
        }
    }

    /// `| a | b |`: the cells, and the span of the row. The cursor is at the first `|`.
    fn table_row(&mut self) -> PResult<(Vec<Cell>, Span)> {
        let start = self.pos;
        self.bump();
        let mut cells = Vec::new();
        let mut cell_start = self.pos;
        // Where the row ends: a line break, a comment or the end of the file.
        let mut at = self.text.len();
        let mut comment = false;
        'row: for segment in scan::tests_from(self.text, self.pos) {
            match segment.kind {
                Kind::Text { closed: true } => {}
                Kind::Text { closed: false } => {
                    self.pos = segment.end;
                    return Err(Diagnostic::error(
                        Code::UnterminatedString,
                        Span::new(cell_start, segment.end),
                        "a text in quotes in this cell is not closed",
                        "the closing `\"` is missing",
                    ));
                }
                Kind::Comment => {
                    (at, comment) = (segment.start, true);
                    break;
                }
                Kind::Code => {
                    for (i, c) in segment.char_indices(self.text) {
                        match c {
                            '\n' | '\r' => {
                                at = i;
                                break 'row;
                            }
                            '|' => {
                                cells.push(cell(self.text, cell_start, i));
                                cell_start = i + 1;
                            }
                            '｜' => {
                                self.pos = i + c.len_utf8();
                                return Err(full_width_bar(Span::new(i, self.pos)));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        self.pos = at;
        let tail = self.text.get(cell_start..at).unwrap_or("");
        if !tail.trim().is_empty() {
            return Err(unclosed_row(Span::new(start, at), comment));
        }
        let end = cell_start.saturating_sub(1).max(start);
        let span = Span::new(start, end + 1);
        self.skip_line();
        Ok((cells, span))
    }
}
