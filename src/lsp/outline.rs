//! The outline of a document, its folding ranges, and formatting.
//!
//! The outline of a campaign lists its declarations as written (the facts with their fields,
//! the conditions by their reasons); that of a `.tests` file its cases and tables. Folding is
//! read from the text alone, so that it works while the text does not parse: blocks in braces
//! and runs of comment lines. Formatting is `campaign fmt`'s.

#![expect(deprecated, reason = "`DocumentSymbol::deprecated` must be written to build one")]

use lsp_server::ErrorCode;
use lsp_types::{DocumentSymbol, DocumentSymbolResponse, FoldingRange, FoldingRangeKind, SymbolKind, TextEdit};

use super::analysis::Analysis;
use super::diagnostics::File;
use super::document::{DocKind, Document, LineIndex};
use super::requests::Failure;
use crate::diagnostics::{Code, Span};
use crate::syntax::ast::{self, Item, TypeExprKind};
use crate::syntax::keywords::Surface;
use crate::testing::syntax::Item as TestItem;

/// The outline of a checked document.
pub fn symbols(a: &Analysis) -> Option<DocumentSymbolResponse> {
    let file = a.file();
    let symbols = if let Some(campaign) = a.campaign.as_ref().and_then(|c| c.ast.as_ref()) {
        vec![campaign_symbol(campaign, file)]
    } else {
        let tests = a.tests.as_ref()?;
        tests.items.iter().map(|item| test_symbol(item, file)).collect()
    };
    Some(DocumentSymbolResponse::Nested(symbols))
}

fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    whole: Span,
    name_span: Span,
    file: File<'_>,
) -> DocumentSymbol {
    let whole = whole.to(name_span);
    DocumentSymbol {
        name: if name.is_empty() { "(unnamed)".into() } else { name },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: file.range(whole),
        selection_range: file.range(name_span),
        children: None,
    }
}

/// From the first non-blank character of a span's line: an item whose keyword is not in its
/// span (`window`, `parameter`, `unit`).
fn from_line_start(text: &str, span: Span) -> Span {
    let before = text.get(..span.start).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let indent = before.get(line_start..).map_or(0, |l| l.len() - l.trim_start().len());
    Span::new(line_start + indent, span.end)
}

fn campaign_symbol(campaign: &ast::Campaign, file: File<'_>) -> DocumentSymbol {
    let children: Vec<DocumentSymbol> = campaign
        .items
        .iter()
        .filter_map(|item| item_symbol(item, file))
        .collect();
    let mut root = symbol(
        campaign.name.value.clone(),
        Some("campaign".into()),
        SymbolKind::NAMESPACE,
        campaign.span,
        campaign.name.span,
        file,
    );
    root.children = Some(children);
    root
}

fn item_symbol(item: &Item, file: File<'_>) -> Option<DocumentSymbol> {
    let text = file.text;
    let written = |span: Span| text.get(span.start..span.end).unwrap_or("").to_string();
    Some(match item {
        Item::Timezone(_) | Item::Source(_) | Item::Note(_) => return None,
        Item::Unit(u) => {
            let end = u.precision.map_or(u.name.span, |(_, s)| s);
            let whole = from_line_start(text, u.name.span.to(end));
            symbol(
                u.name.name.clone(),
                Some("unit".into()),
                SymbolKind::CONSTANT,
                whole,
                u.name.span,
                file,
            )
        }
        Item::Parameter(p) => {
            let whole = from_line_start(text, p.name.span.to(p.default.span));
            let detail = format!("parameter: {} = {}", written(p.ty.span), written(p.default.span));
            symbol(
                p.name.name.clone(),
                Some(detail),
                SymbolKind::CONSTANT,
                whole,
                p.name.span,
                file,
            )
        }
        Item::Window(w) => {
            let whole = from_line_start(text, w.name.span.to(w.range.span));
            let detail = format!("window: {}", written(w.range.span));
            symbol(
                w.name.name.clone(),
                Some(detail),
                SymbolKind::EVENT,
                whole,
                w.name.span,
                file,
            )
        }
        Item::Periods(p) => {
            let detail = format!("periods: {}", written(p.first.span.to(p.last.span)));
            symbol(
                p.name.name.clone(),
                Some(detail),
                SymbolKind::ENUM,
                p.span,
                p.name.span,
                file,
            )
        }
        Item::Facts(block) => {
            let head = Span::new(block.span.start, block.span.start + "facts".len().min(block.span.len()));
            let mut s = symbol("facts".into(), None, SymbolKind::STRUCT, block.span, head, file);
            s.children = Some(block.fields.iter().map(|f| field_symbol(f, file)).collect());
            s
        }
        Item::Value(v) => {
            let keyword = if v.exposed { "value" } else { "let" };
            symbol(
                v.name.name.clone(),
                Some(keyword.into()),
                SymbolKind::VARIABLE,
                v.span,
                v.name.span,
                file,
            )
        }
        Item::Eligible(block) => {
            let mut s = symbol(
                "eligible when".into(),
                None,
                SymbolKind::BOOLEAN,
                block.span,
                block.head_span,
                file,
            );
            let conditions = block.conditions.iter().map(|c| {
                let name = c
                    .reason
                    .as_ref()
                    .map_or_else(|| written(c.expr.span), |r| r.value.clone());
                symbol(
                    name,
                    Some(written(c.expr.span)),
                    SymbolKind::BOOLEAN,
                    c.span,
                    c.expr.span,
                    file,
                )
            });
            s.children = Some(conditions.collect());
            s
        }
        Item::Reward(r) => symbol(
            r.name.name.clone(),
            Some(Surface::English.spell(r.kind.keyword()).into()),
            SymbolKind::FUNCTION,
            r.span,
            r.name.span,
            file,
        ),
    })
}

fn field_symbol(f: &ast::FieldDecl, file: File<'_>) -> DocumentSymbol {
    let ty = file.text.get(f.ty.span.start..f.ty.span.end).unwrap_or("");
    let (detail, kind) = match &f.ty.kind {
        TypeExprKind::List(_) => ("list".to_string(), SymbolKind::ARRAY),
        _ => (ty.to_string(), SymbolKind::FIELD),
    };
    let detail = if f.optional {
        format!("{detail}, optional")
    } else {
        detail
    };
    let mut s = symbol(f.name.name.clone(), Some(detail), kind, f.span, f.name.span, file);
    if let TypeExprKind::List(fields) = &f.ty.kind {
        s.children = Some(fields.iter().map(|f| field_symbol(f, file)).collect());
    }
    s
}

fn test_symbol(item: &TestItem, file: File<'_>) -> DocumentSymbol {
    let (name, kind, header, inner, word) = match item {
        TestItem::Case(c) => {
            let inner = c
                .expectations
                .iter()
                .map(|e| e.span)
                .chain(c.params.iter().map(|p| p.span))
                .chain([c.facts.span]);
            (
                c.name.clone(),
                SymbolKind::METHOD,
                c.span,
                inner.fold(c.span, Span::to),
                "case",
            )
        }
        TestItem::Table(t) => {
            let inner = t
                .rows
                .iter()
                .map(|r| r.span)
                .chain(t.columns.iter().map(|c| c.span))
                .chain(t.facts.iter().map(|f| f.span));
            (
                t.name.clone(),
                SymbolKind::ARRAY,
                t.span,
                inner.fold(t.span, Span::to),
                "table",
            )
        }
    };
    // The block ends at the `}` after its last line.
    let end = file
        .text
        .get(inner.end..)
        .and_then(|rest| rest.find('}'))
        .map_or(inner.end, |i| inner.end + i + 1);
    symbol(
        name,
        Some(word.into()),
        kind,
        Span::new(header.start, end),
        header,
        file,
    )
}

/// The folding ranges of a text: blocks in braces over several lines, and runs of comment lines.
pub fn folding_ranges(text: &str, index: &LineIndex) -> Vec<FoldingRange> {
    let line_of = |offset: usize| index.position(text, offset).line;
    let mut ranges = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut comments: Option<(u32, u32)> = None;
    let mut in_text = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut line_has_code = false;
    let comment_line = |line: u32, ranges: &mut Vec<FoldingRange>, comments: &mut Option<(u32, u32)>| match comments {
        Some((_, last)) if *last + 1 == line => *last = line,
        _ => {
            if let Some((first, last)) = comments.take() {
                push_comment_run(first, last, ranges);
            }
            *comments = Some((line, line));
        }
    };
    for (i, c) in text.char_indices() {
        if c == '\n' {
            in_text = false;
            in_comment = false;
            line_has_code = false;
            continue;
        }
        if in_comment {
            continue;
        }
        if in_text {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_text = false,
                _ => {}
            }
            continue;
        }
        match c {
            '#' => {
                in_comment = true;
                if !line_has_code {
                    comment_line(line_of(i), &mut ranges, &mut comments);
                }
            }
            '"' => in_text = true,
            '{' => open.push(i),
            '}' => {
                if let Some(start) = open.pop() {
                    let (first, last) = (line_of(start), line_of(i));
                    // The closing brace stays visible.
                    if last > first + 1 {
                        ranges.push(FoldingRange {
                            start_line: first,
                            end_line: last - 1,
                            kind: Some(FoldingRangeKind::Region),
                            ..FoldingRange::default()
                        });
                    }
                }
            }
            _ => {}
        }
        if !c.is_whitespace() && c != '#' {
            line_has_code = true;
        }
    }
    if let Some((first, last)) = comments {
        push_comment_run(first, last, &mut ranges);
    }
    ranges.sort_by_key(|r| (r.start_line, r.end_line));
    ranges
}

fn push_comment_run(first: u32, last: u32, ranges: &mut Vec<FoldingRange>) {
    if last > first {
        ranges.push(FoldingRange {
            start_line: first,
            end_line: last,
            kind: Some(FoldingRangeKind::Comment),
            ..FoldingRange::default()
        });
    }
}

/// The edit that formats a campaign in `campaign fmt`'s layout: none when it is formatted
/// already or does not parse (its syntax error is a diagnostic already).
///
/// # Errors
///
/// When the formatter fails on its own (it would change the campaign's meaning).
pub fn format(doc: &Document) -> Result<Option<Vec<TextEdit>>, Failure> {
    if doc.kind == DocKind::Tests {
        return Ok(None);
    }
    match crate::fmt::format(&doc.text) {
        Ok(formatted) if formatted == *doc.text => Ok(Some(Vec::new())),
        Ok(formatted) => {
            let whole = doc.index.range(&doc.text, Span::new(0, doc.text.len()));
            Ok(Some(vec![TextEdit::new(whole, formatted)]))
        }
        Err(d) if d.code == Code::Internal => Err((ErrorCode::RequestFailed, d.message)),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folds(text: &str) -> Vec<(u32, u32, bool)> {
        folding_ranges(text, &LineIndex::new(text))
            .into_iter()
            .map(|r| (r.start_line, r.end_line, r.kind == Some(FoldingRangeKind::Comment)))
            .collect()
    }

    #[test]
    fn braces_fold_and_keep_the_closing_line() {
        let text = "campaign \"x\" {\n  facts {\n    a: count\n  }\n  let s = {\"a\", \"b\"}\n}\n";
        assert_eq!(folds(text), [(0, 4, false), (1, 2, false)]);
    }

    #[test]
    fn braces_in_texts_and_comments_do_not_count() {
        let text = "x {\n  \"{\" # {\n  y\n}\n";
        assert_eq!(folds(text), [(0, 2, false)]);
    }

    #[test]
    fn runs_of_comment_lines_fold() {
        let text = "# a\n# b\n  # c\nx # not a comment line\n# d\ny\n# e\n# f";
        assert_eq!(folds(text), [(0, 2, true), (6, 7, true)]);
    }
}
