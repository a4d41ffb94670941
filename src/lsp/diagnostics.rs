//! Diagnostics as the protocol shows them, and quick fixes from their fixes.
//!
//! A diagnostic keeps what `campaign check` reports: its code, its primary span as the range,
//! its message with the primary label and the help line below it, and each secondary label as
//! related information at its own place. Its [`Fix`]es become code actions.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::document::LineIndex;
use crate::diagnostics::{Diagnostic, Fix, Severity, Span};

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "campaign";

/// A published diagnostic with the fixes it came with.
#[derive(Debug, Clone)]
pub struct Problem {
    /// As published.
    pub diagnostic: lsp_types::Diagnostic,
    /// Edits that fix it, in the file it is about.
    pub fixes: Vec<Fix>,
}

/// Where a diagnostic's spans are: the file's URI, text and line index.
#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    /// The document.
    pub uri: &'a Uri,
    /// Its text.
    pub text: &'a str,
    /// Its line index.
    pub index: &'a LineIndex,
}

impl File<'_> {
    /// The range of a span in this file.
    pub fn range(&self, span: Span) -> Range {
        self.index.range(self.text, span)
    }
}

/// A checker diagnostic as the protocol shows it, with its fixes.
pub fn convert(d: &Diagnostic, file: File<'_>) -> Problem {
    let mut message = d.message.clone();
    if let Some(label) = d.labels.first().filter(|l| !l.text.is_empty() && l.text != d.message) {
        message.push('\n');
        message.push_str(&label.text);
    }
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .skip(1)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(file.uri.clone(), file.range(l.span)),
            message: if l.text.is_empty() {
                d.message.clone()
            } else {
                l.text.clone()
            },
        })
        .collect();
    Problem {
        diagnostic: lsp_types::Diagnostic {
            range: file.range(d.span()),
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.code.as_str().to_string())),
            code_description: None,
            source: Some(SOURCE.to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        },
        fixes: d.fixes.clone(),
    }
}

/// The protocol's severity of a checker severity.
pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
    }
}

/// A diagnostic of the server's own (not the checker's), without a code.
pub fn note(range: Range, severity: DiagnosticSeverity, message: String) -> lsp_types::Diagnostic {
    lsp_types::Diagnostic {
        range,
        severity: Some(severity),
        source: Some(SOURCE.to_string()),
        message,
        ..lsp_types::Diagnostic::default()
    }
}

/// Whether two ranges share a position (touching counts, so that a cursor at either end of a
/// diagnostic finds it).
fn touches(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The quick fixes for the problems whose range touches `range`: one action per fix, replacing
/// the fix's span in the document.
pub fn code_actions(problems: &[Problem], range: Range, file: File<'_>) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for problem in problems.iter().filter(|p| touches(p.diagnostic.range, range)) {
        let only_one = problem.fixes.len() == 1;
        for fix in &problem.fixes {
            let edit = TextEdit::new(file.range(fix.span), fix.replacement.clone());
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![problem.diagnostic.clone()]),
                edit: Some(WorkspaceEdit::new(HashMap::from([(file.uri.clone(), vec![edit])]))),
                command: None,
                is_preferred: Some(only_one),
                disabled: None,
                data: None,
            }));
        }
    }
    actions
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use lsp_types::Position;

    use super::*;
    use crate::diagnostics::Code;

    #[test]
    fn a_diagnostic_keeps_its_code_labels_help_and_fixes() {
        let text = "ab 资格 cd\nef\n";
        let index = LineIndex::new(text);
        let uri: Uri = "file:///x.campaign".parse().unwrap();
        let file = File {
            uri: &uri,
            text,
            index: &index,
        };
        let cd = text.find("cd").unwrap();
        let d = Diagnostic::error(
            Code::UnknownName,
            Span::new(cd, cd + 2),
            "unknown name `cd`",
            "not declared",
        )
        .with_label(
            Span::new(text.find("ef").unwrap(), text.len() - 1),
            "did you mean this?",
        )
        .with_help("write `ef`")
        .with_fix(Span::new(cd, cd + 2), "ef", "write `ef`");
        let p = convert(&d, file);
        assert_eq!(p.diagnostic.range, Range::new(Position::new(0, 6), Position::new(0, 8)));
        assert_eq!(p.diagnostic.severity, Some(DiagnosticSeverity::ERROR));
        assert_eq!(
            p.diagnostic.code,
            Some(NumberOrString::String("check::unknown_name".into()))
        );
        assert_eq!(
            p.diagnostic.message,
            "unknown name `cd`\nnot declared\nhelp: write `ef`"
        );
        let related = p.diagnostic.related_information.clone().unwrap();
        assert_eq!(related.len(), 1);
        assert_eq!(related.first().unwrap().location.range.start, Position::new(1, 0));
        assert_eq!(related.first().unwrap().message, "did you mean this?");

        let actions = code_actions(
            std::slice::from_ref(&p),
            Range::new(Position::new(0, 7), Position::new(0, 7)),
            file,
        );
        assert_eq!(actions.len(), 1);
        let Some(CodeActionOrCommand::CodeAction(action)) = actions.first() else {
            unreachable!("a code action")
        };
        assert_eq!(action.title, "write `ef`");
        let edits = action
            .edit
            .as_ref()
            .unwrap()
            .changes
            .as_ref()
            .unwrap()
            .get(&uri)
            .unwrap();
        assert_eq!(edits.first().unwrap().new_text, "ef");
        // Away from the problem, no action.
        assert!(code_actions(&[p], Range::new(Position::new(1, 1), Position::new(1, 1)), file).is_empty());
    }

    #[test]
    fn warnings_map_to_warnings() {
        assert_eq!(severity(Severity::Warning), DiagnosticSeverity::WARNING);
        assert_eq!(severity(Severity::Error), DiagnosticSeverity::ERROR);
    }
}
