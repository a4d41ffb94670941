//! Go to definition, find references and rename, from the checker's name table.

use std::collections::HashMap;

use lsp_server::ErrorCode;
use lsp_types::{Location, PrepareRenameResponse, TextEdit, WorkspaceEdit};

use super::analysis::Analysis;
use super::requests::Failure;
use crate::check::names::{Symbol, SymbolKind};
use crate::diagnostics::Span;
use crate::syntax::ast::Item;

/// The symbol at an offset of a checked campaign, with the span of the occurrence.
fn symbol_at(a: &Analysis, offset: usize) -> Option<(&Symbol, Span)> {
    a.campaign.as_ref()?.names.at(offset)
}

/// Where the name at an offset is declared.
pub fn definition(a: &Analysis, offset: usize) -> Option<Location> {
    let (symbol, _) = symbol_at(a, offset)?;
    Some(Location::new(a.uri.clone(), a.file().range(symbol.name_span)))
}

/// Every use of the name at an offset, in file order, with its declaration first when asked.
pub fn references(a: &Analysis, offset: usize, include_declaration: bool) -> Option<Vec<Location>> {
    let (symbol, _) = symbol_at(a, offset)?;
    let declaration = include_declaration.then_some(symbol.name_span);
    let spans = declaration.into_iter().chain(symbol.references.iter().copied());
    Some(spans.map(|s| Location::new(a.uri.clone(), a.file().range(s))).collect())
}

/// Whether a kind of name can be renamed: rewards and units are named in results, in other
/// systems and in tests, so they are renamed by hand.
fn renamable(kind: SymbolKind) -> Result<(), Failure> {
    match kind {
        SymbolKind::Fact
        | SymbolKind::ListField
        | SymbolKind::ItemField
        | SymbolKind::Value
        | SymbolKind::Window
        | SymbolKind::Periods
        | SymbolKind::Parameter => Ok(()),
        SymbolKind::Reward | SymbolKind::Unit => Err((
            ErrorCode::RequestFailed,
            format!(
                "a {} is named in the results; rename it by hand where the results are read",
                kind.describe()
            ),
        )),
    }
}

/// The range of the name at an offset, if it can be renamed.
pub fn prepare_rename(a: &Analysis, offset: usize) -> Result<Option<PrepareRenameResponse>, Failure> {
    let Some((symbol, span)) = symbol_at(a, offset) else {
        return Ok(None);
    };
    renamable(symbol.kind)?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: a.file().range(span),
        placeholder: symbol.name.clone(),
    }))
}

/// The edits that rename the name at an offset, in its declaration and every use.
pub fn rename(a: &Analysis, offset: usize, new_name: &str) -> Result<Option<WorkspaceEdit>, Failure> {
    let Some((symbol, _)) = symbol_at(a, offset) else {
        return Ok(None);
    };
    renamable(symbol.kind)?;
    if !is_name(new_name) {
        return Err((
            ErrorCode::InvalidParams,
            format!(
                "`{new_name}` is not a name: a name has letters, digits and `_`, and is not a word of the language"
            ),
        ));
    }
    let names = a.campaign.as_ref().map(|c| c.names.symbols()).unwrap_or(&[]);
    if let Some(other) = names
        .iter()
        .find(|s| s.name == new_name && s.scope == symbol.scope && s.name_span != symbol.name_span)
    {
        return Err((
            ErrorCode::RequestFailed,
            format!("`{new_name}` is already the name of a {}", other.kind.describe()),
        ));
    }
    let edits: Vec<TextEdit> = std::iter::once(symbol.name_span)
        .chain(symbol.references.iter().copied())
        .map(|s| TextEdit::new(a.file().range(s), new_name.to_string()))
        .collect();
    Ok(Some(WorkspaceEdit::new(HashMap::from([(a.uri.clone(), edits)]))))
}

/// Whether a word is a name the grammar accepts: the parser decides, on a campaign that
/// declares it.
fn is_name(word: &str) -> bool {
    if word.is_empty() || word.contains(|c: char| c.is_whitespace() || c == '#' || c == '"') {
        return false;
    }
    let probe = format!("campaign \"probe\" {{\n  parameter {word}: count = 1\n}}\n");
    match crate::syntax::parse(&probe) {
        Ok(campaign) => matches!(campaign.items.as_slice(), [Item::Parameter(p)] if p.name.name == word),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_what_the_grammar_accepts() {
        for good in ["gmv", "店铺评分", "_x2", "monthly_gmv"] {
            assert!(is_name(good), "{good}");
        }
        for bad in [
            "",
            "2x",
            "all",
            "where",
            "a b",
            "a-b",
            "x: count = 2\n  parameter y",
            "a#b",
            "\"x\"",
        ] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn rewards_and_units_are_not_renamed() {
        assert!(renamable(SymbolKind::Reward).is_err());
        assert!(renamable(SymbolKind::Unit).is_err());
        assert!(renamable(SymbolKind::Fact).is_ok());
        assert!(renamable(SymbolKind::ListField).is_ok());
    }
}
