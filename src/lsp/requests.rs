//! The requests the server answers: what each needs, its parameters, and its answer.
//!
//! Parameters are read into small structures that hold only what the server uses; a request
//! whose parameters cannot be read gets an `InvalidParams` error.

use lsp_server::{ErrorCode, Request};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions, FoldingRangeProviderCapability,
    HoverProviderCapability, InitializeResult, OneOf, Position, PositionEncodingKind, Range, ReferenceContext,
    RenameOptions, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentIdentifier, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri, WorkDoneProgressOptions,
};
use serde::Deserialize;
use serde_json::Value;

use super::analysis::Analysis;
use super::document::Document;
use super::{completion, diagnostics, hover, navigation, outline};

/// An error answer: its code and message.
pub type Failure = (ErrorCode, String);

/// What a request needs to be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The check of the document's current text.
    Analysis,
    /// The current text (and whatever check is at hand).
    Text,
}

/// What a method needs; none for a method the server does not know.
pub fn need(method: &str) -> Option<Need> {
    match method {
        "textDocument/hover"
        | "textDocument/definition"
        | "textDocument/references"
        | "textDocument/prepareRename"
        | "textDocument/rename"
        | "textDocument/codeAction"
        | "textDocument/documentSymbol" => Some(Need::Analysis),
        "textDocument/completion" | "textDocument/formatting" | "textDocument/foldingRange" => Some(Need::Text),
        _ => None,
    }
}

/// The server's capabilities and name.
pub fn initialize_result() -> Value {
    let capabilities = ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            will_save: None,
            will_save_wait_until: None,
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(false),
            })),
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            resolve_provider: Some(false),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            work_done_progress_options: WorkDoneProgressOptions::default(),
            resolve_provider: Some(false),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let result = InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "campaign".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    serde_json::to_value(result).unwrap_or(Value::Null)
}

/// The document a request is about.
pub fn uri_of(req: &Request) -> Option<Uri> {
    req.params.pointer("/textDocument/uri")?.as_str()?.parse().ok()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct At {
    text_document: TextDocumentIdentifier,
    position: Position,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InRange {
    text_document: TextDocumentIdentifier,
    range: Range,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct References {
    text_document: TextDocumentIdentifier,
    position: Position,
    context: Option<ReferenceContext>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rename {
    text_document: TextDocumentIdentifier,
    position: Position,
    new_name: String,
}

fn params<P: serde::de::DeserializeOwned>(req: &Request) -> Result<P, Failure> {
    serde_json::from_value(req.params.clone()).map_err(|e| {
        let message = format!("invalid parameters for `{}`: {e}", req.method);
        (ErrorCode::InvalidParams, message)
    })
}

fn json(value: impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, format!("cannot encode the answer: {e}")))
}

/// The answer for a document that is not open: nothing to say.
pub fn without_document(req: &Request) -> Result<Value, Failure> {
    // The parameters are still checked, so that a malformed request gets an error.
    match req.method.as_str() {
        "textDocument/codeAction" => params::<InRange>(req).map(|p| drop(p.text_document)),
        "textDocument/references" => params::<References>(req).map(|p| drop(p.text_document)),
        "textDocument/rename" => params::<Rename>(req).map(|p| drop(p.text_document)),
        "textDocument/hover" | "textDocument/definition" | "textDocument/prepareRename" | "textDocument/completion" => {
            params::<At>(req).map(|p| drop(p.text_document))
        }
        _ => Ok(()),
    }?;
    Ok(Value::Null)
}

/// Answers a request about an open document. `current` is the check of its current text, when
/// it is done; `names` the latest check that knew the campaign's names.
pub fn handle(
    req: &Request,
    doc: &Document,
    current: Option<&Analysis>,
    names: Option<&Analysis>,
) -> Result<Value, Failure> {
    match req.method.as_str() {
        "textDocument/completion" => {
            let p: At = params(req)?;
            let offset = doc.index.offset(&doc.text, p.position);
            json(completion::complete(doc, offset, names))
        }
        "textDocument/formatting" => json(outline::format(doc)?),
        "textDocument/foldingRange" => json(outline::folding_ranges(&doc.text, &doc.index)),
        _ => match current {
            Some(a) => with_analysis(req, a),
            None => without_document(req),
        },
    }
}

/// Answers a request from the check of the document's current text.
fn with_analysis(req: &Request, a: &Analysis) -> Result<Value, Failure> {
    let offset = |p: Position| a.index.offset(&a.text, p);
    match req.method.as_str() {
        "textDocument/hover" => {
            let p: At = params(req)?;
            json(hover::hover(a, offset(p.position)))
        }
        "textDocument/definition" => {
            let p: At = params(req)?;
            json(navigation::definition(a, offset(p.position)))
        }
        "textDocument/references" => {
            let p: References = params(req)?;
            let declaration = p.context.is_none_or(|c| c.include_declaration);
            json(navigation::references(a, offset(p.position), declaration))
        }
        "textDocument/prepareRename" => {
            let p: At = params(req)?;
            json(navigation::prepare_rename(a, offset(p.position))?)
        }
        "textDocument/rename" => {
            let p: Rename = params(req)?;
            json(navigation::rename(a, offset(p.position), &p.new_name)?)
        }
        "textDocument/codeAction" => {
            let p: InRange = params(req)?;
            json(diagnostics::code_actions(&a.problems, p.range, a.file()))
        }
        "textDocument/documentSymbol" => json(outline::symbols(a)),
        _ => Err((ErrorCode::MethodNotFound, format!("unknown method `{}`", req.method))),
    }
}
