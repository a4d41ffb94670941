//! The name table: where every name of a campaign is declared and where it is used.
//!
//! The checker fills it while it resolves names, so that tools (hover, go to definition, find
//! references, rename) need not resolve names again, and cannot disagree with the checker about
//! what a name refers to. Spans are byte ranges of the campaign file.

use crate::diagnostics::Span;

/// What kind of thing a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A fact of the top-level record (`store_score`).
    Fact,
    /// A field of the items of a list fact (`sales.gmv`'s `gmv`).
    ListField,
    /// A per-item computed field (`let qualifying of mini_programs = ...`).
    ItemField,
    /// A `value` or `let` definition.
    Value,
    /// A `window`.
    Window,
    /// A `periods` range.
    Periods,
    /// A `parameter`.
    Parameter,
    /// A `reward`.
    Reward,
    /// A declared `unit`.
    Unit,
}

impl SymbolKind {
    /// The kind in the author's words, for hovers and outlines.
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Fact => "fact",
            SymbolKind::ListField => "field of a list",
            SymbolKind::ItemField => "per-item value",
            SymbolKind::Value => "value",
            SymbolKind::Window => "window",
            SymbolKind::Periods => "periods",
            SymbolKind::Parameter => "parameter",
            SymbolKind::Reward => "reward",
            SymbolKind::Unit => "unit",
        }
    }
}

/// One declared name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The name as written (for a list field, the field's own name).
    pub name: String,
    /// For list fields and per-item values: the list they belong to (`mini_programs.orders`).
    pub scope: Option<String>,
    /// What it stands for.
    pub kind: SymbolKind,
    /// The name in its declaration.
    pub name_span: Span,
    /// The whole declaration.
    pub declaration: Span,
    /// Its type and unit as the checker sees them (`money CNY, optional`), when known.
    pub detail: Option<String>,
    /// Every use of the name, in file order.
    pub references: Vec<Span>,
}

/// Every name of a campaign with its declaration and uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameTable {
    symbols: Vec<Symbol>,
    /// Whether some symbol's references were recorded out of file order and await
    /// [`NameTable::finished`].
    unordered: bool,
}

/// The index of a symbol in its [`NameTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SymbolId(usize);

impl NameTable {
    /// Records a declaration; returns its id for later references.
    pub fn declare(&mut self, symbol: Symbol) -> SymbolId {
        self.symbols.push(symbol);
        SymbolId(self.symbols.len() - 1)
    }

    /// Records a use of a declared name. Uses are kept in file order and without repeats (the
    /// checker may resolve the same expression more than once, and resolves definitions in the
    /// order they depend on each other): a use after the last one is appended, any other is
    /// put in place by [`NameTable::finished`], so that recording n uses takes O(n log n), not
    /// O(n²) moves.
    pub fn reference(&mut self, id: SymbolId, span: Span) {
        if let Some(symbol) = self.symbols.get_mut(id.0) {
            match symbol.references.last() {
                Some(last) if *last == span => {}
                Some(last) if (last.start, last.end) > (span.start, span.end) => {
                    symbol.references.push(span);
                    self.unordered = true;
                }
                _ => symbol.references.push(span),
            }
        }
    }

    /// The table with every symbol's uses in file order and without repeats.
    pub fn finished(mut self) -> Self {
        if std::mem::take(&mut self.unordered) {
            for symbol in &mut self.symbols {
                symbol.references.sort_by_key(|s| (s.start, s.end));
                symbol.references.dedup();
            }
        }
        self
    }

    /// Sets the type and unit shown for a symbol.
    pub fn describe(&mut self, id: SymbolId, detail: String) {
        if let Some(symbol) = self.symbols.get_mut(id.0) {
            symbol.detail = Some(detail);
        }
    }

    /// The symbol of an id.
    pub fn get(&self, id: SymbolId) -> Option<&Symbol> {
        self.symbols.get(id.0)
    }

    /// The first symbol declared with this name and kind in this scope.
    pub fn find(&self, name: &str, scope: Option<&str>, kind: SymbolKind) -> Option<SymbolId> {
        self.symbols
            .iter()
            .position(|s| s.name == name && s.kind == kind && s.scope.as_deref() == scope)
            .map(SymbolId)
    }

    /// Every symbol, in declaration order.
    pub fn symbols(&self) -> &[Symbol] {
        &self.symbols
    }

    /// The symbol whose name (in its declaration or in a use) covers a byte offset, with the
    /// span of that occurrence: what an editor's hover or go-to-definition asks.
    pub fn at(&self, offset: usize) -> Option<(&Symbol, Span)> {
        let covers = |s: &Span| s.start <= offset && offset < s.end.max(s.start + 1);
        self.symbols.iter().find_map(|symbol| {
            std::iter::once(&symbol.name_span)
                .chain(&symbol.references)
                .find(|s| covers(s))
                .map(|s| (symbol, *s))
        })
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn fact(name: &str, at: usize) -> Symbol {
        Symbol {
            name: name.into(),
            scope: None,
            kind: SymbolKind::Fact,
            name_span: Span::new(at, at + name.len()),
            declaration: Span::new(at, at + name.len() + 7),
            detail: None,
            references: Vec::new(),
        }
    }

    #[test]
    fn references_are_kept_in_order_without_repeats() {
        let mut table = NameTable::default();
        let id = table.declare(fact("gmv", 10));
        table.reference(id, Span::new(80, 83));
        table.reference(id, Span::new(40, 43));
        table.reference(id, Span::new(80, 83));
        let table = table.finished();
        assert_eq!(
            table.get(id).unwrap().references,
            vec![Span::new(40, 43), Span::new(80, 83)]
        );
    }

    #[test]
    fn an_offset_finds_the_declaration_or_the_use_it_is_in() {
        let mut table = NameTable::default();
        let gmv = table.declare(fact("gmv", 10));
        let score = table.declare(fact("score", 20));
        table.reference(gmv, Span::new(40, 43));
        assert_eq!(
            table.at(41).map(|(s, span)| (s.name.as_str(), span)),
            Some(("gmv", Span::new(40, 43)))
        );
        assert_eq!(table.at(22).map(|(s, _)| s.name.as_str()), Some("score"));
        assert_eq!(table.at(30), None);
        assert_eq!(table.find("score", None, SymbolKind::Fact), Some(score));
        assert_eq!(table.find("score", None, SymbolKind::Value), None);
    }
}
