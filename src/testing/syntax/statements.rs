//! The statements of a case, one a line: `with`, `expect`, `period` and `facts` (with the
//! JSON facts, which alone may span several lines). Separate from the blocks that hold them.

use serde_json::Value as Json;

use super::super::keywords::{TARGETS, Word};
use super::{
    Expectation, Expected, FULL_WIDTH, Facts, PResult, ParamSetting, Parser, Target, duplicate_key, floor_boundary,
    full_width_in_facts, json_message, offset_of, parse_expected, quote, statement_line, verdict_target,
};
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::syntax::scan::{self, Kind};

impl<'a> Parser<'a> {
    /// `with NAME = VALUE` (after `with`).
    pub(super) fn with_line(&mut self, line_start: usize) -> PResult<ParamSetting> {
        self.skip_spaces();
        let Some((name, _)) = self.ident() else {
            return Err(self
                .unexpected("a parameter's name")
                .with_help("write `with monthly_packs = 2`"));
        };
        let name = name.to_string();
        self.skip_spaces();
        if self.peek() != Some('=') {
            return Err(self.unexpected("`=`"));
        }
        self.bump();
        self.skip_spaces();
        let value = if self.peek() == Some('"') {
            self.string()?.0
        } else {
            let (text, _) = self.line_rest();
            text.to_string()
        };
        if value.is_empty() {
            return Err(self.unexpected("the parameter's value"));
        }
        let span = Span::new(line_start, self.pos);
        self.end_line()?;
        Ok(ParamSetting { name, value, span })
    }

    /// The rest of the line up to a comment (outside quotes), trimmed, with its start.
    fn line_rest(&mut self) -> (&'a str, usize) {
        self.skip_spaces();
        let start = self.pos;
        let mut end = self.pos;
        'line: for segment in scan::tests_from(self.text, self.pos) {
            match segment.kind {
                Kind::Comment => break,
                Kind::Text { .. } => end = segment.start + segment.text(self.text).trim_end().len(),
                Kind::Code => {
                    for (i, c) in segment.char_indices(self.text) {
                        match c {
                            '\n' | '\r' => break 'line,
                            c if !c.is_whitespace() => end = i + c.len_utf8(),
                            _ => {}
                        }
                    }
                }
            }
        }
        let text = self.text.get(start..end).unwrap_or("");
        self.pos = end;
        (text, start)
    }

    /// `expect ...` (after `expect`).
    pub(super) fn expect_line(&mut self) -> PResult<Expectation> {
        self.skip_spaces();
        let start = self.pos;
        let record = if self.peek() == Some('"') {
            let r = self.string()?;
            self.skip_spaces();
            Some(r)
        } else {
            None
        };
        let target_start = self.pos;
        let negated = if self.keyword(Word::Not) {
            self.skip_spaces();
            true
        } else {
            false
        };
        let Some((word, word_span)) = self.ident() else {
            return Err(self
                .unexpected("what is expected (`eligible`, a reward or a value)")
                .with_help(
                    "write for example `expect eligible`, `expect not eligible`, `expect reason \"...\"` \
                 or `expect growth_points = 90 points`",
                ));
        };
        let make = |target, target_span, expected, expected_span, end| Expectation {
            record: record.clone(),
            target,
            target_span,
            expected,
            expected_span,
            span: Span::new(start, end),
        };
        let keyword = Word::of_written(word, TARGETS);
        match keyword {
            Some((said @ (Word::Reason | Word::Error), surface)) if !negated => {
                self.noted(said, surface, word_span);
                self.skip_spaces();
                let target = if said == Word::Reason {
                    Target::ReasonIncludes
                } else {
                    Target::Error
                };
                let (expected, expected_span) = if self.peek() == Some('"') {
                    let (text, span) = self.string()?;
                    (Expected::Text(text), span)
                } else if target == Target::Error {
                    (Expected::Anything, word_span)
                } else {
                    return Err(self
                        .unexpected("the reason in double quotes")
                        .with_help("copy the reason text from the campaign: `expect reason \"...\"`"));
                };
                let end = self.pos;
                self.end_line()?;
                Ok(make(target, word_span, expected, expected_span, end))
            }
            _ => {
                let name = word.to_string();
                let mut period = None;
                // `cash.by_period["2022-12"]` is read as `cash[2022-12]`.
                if self.rest().starts_with(".by_period[") {
                    self.pos += ".by_period".len();
                }
                if self.peek() == Some('[') {
                    period = Some(self.period()?);
                }
                let target_span = Span::new(target_start, self.pos);
                let target = match (keyword.and_then(|(w, s)| Some((verdict_target(w)?, w, s))), &period) {
                    (Some((target, said, surface)), None) => {
                        self.noted(said, surface, word_span);
                        target
                    }
                    _ => Target::Named { name, period },
                };
                if self.at_line_end() {
                    let end = self.pos;
                    self.end_line()?;
                    return Ok(make(target, target_span, Expected::Bool(!negated), word_span, end));
                }
                if negated {
                    return Err(self.unexpected("the end of the line").with_help(
                        "`expect not NAME` says that a flag is false; to compare with a value, write `expect NAME = VALUE`",
                    ));
                }
                if self.peek() != Some('=') {
                    return Err(self.unexpected("`=` or the end of the line"));
                }
                self.bump();
                self.skip_spaces();
                let (expected, expected_span) = if self.peek() == Some('[') {
                    // A list of texts may run over several lines.
                    let at = self.pos;
                    let json = self.json()?;
                    let span = Span::new(at, self.pos);
                    let items = match json {
                        Json::Array(items) => items
                            .into_iter()
                            .map(|i| match i {
                                Json::String(s) => Some(s),
                                _ => None,
                            })
                            .collect::<Option<Vec<String>>>(),
                        _ => None,
                    };
                    match items {
                        Some(items) => (Expected::Texts(items), span),
                        None => {
                            return Err(Diagnostic::error(
                                Code::TestSyntax,
                                span,
                                "a list here holds texts in double quotes",
                                "not a list of texts",
                            )
                            .with_help("write `reasons = [\"...\", \"...\"]`"));
                        }
                    }
                } else {
                    let (text, at) = self.line_rest();
                    if text.is_empty() {
                        return Err(self.unexpected("the expected value"));
                    }
                    (parse_expected(text, at)?, Span::new(at, at + text.len()))
                };
                let end = self.pos;
                self.end_line()?;
                Ok(make(target, target_span, expected, expected_span, end))
            }
        }
    }

    /// `[2022-12]` or `["2022-12"]`: a period key.
    fn period(&mut self) -> PResult<String> {
        self.bump();
        self.skip_spaces();
        let key = if self.peek() == Some('"') {
            self.string()?.0
        } else {
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                self.bump();
            }
            self.text.get(start..self.pos).unwrap_or("").to_string()
        };
        self.skip_spaces();
        if key.is_empty() || self.peek() != Some(']') {
            return Err(self
                .unexpected("a period such as `2022-12` and `]`")
                .with_help("name one period of a reward settled per period: `cash[2022-12]`"));
        }
        self.bump();
        Ok(key)
    }

    /// `facts {...}` or `facts [...]` (after `facts`): JSON, maybe over several lines.
    pub(super) fn facts_line(&mut self, line_start: usize) -> PResult<Facts> {
        self.skip_spaces();
        let start = self.pos;
        let json = self.json()?;
        let span = Span::new(start, self.pos);
        self.end_line()?;
        let not_object = |span| {
            Diagnostic::error(
                Code::TestSyntax,
                span,
                "facts are JSON objects `{...}`",
                "not an object",
            )
            .with_help("write the record's facts as `{\"name\": value, ...}`")
        };
        match json {
            Json::Object(map) => Ok(Facts {
                records: vec![map],
                is_list: false,
                span,
            }),
            Json::Array(items) => {
                if items.is_empty() {
                    return Err(Diagnostic::error(
                        Code::TestSyntax,
                        Span::new(line_start, self.pos),
                        "the list of records is empty",
                        "no records",
                    ));
                }
                let mut records = Vec::new();
                for item in items {
                    match item {
                        Json::Object(map) => records.push(map),
                        _ => return Err(not_object(span)),
                    }
                }
                Ok(Facts {
                    records,
                    is_list: true,
                    span,
                })
            }
            _ => Err(not_object(span)),
        }
    }

    /// A JSON object or array at the cursor, possibly over several lines, with `#` comments
    /// allowed after values. Moves past it.
    fn json(&mut self) -> PResult<Json> {
        let start = self.pos;
        if !matches!(self.peek(), Some('{' | '[')) {
            return Err(self
                .unexpected("`{` (the facts as a JSON object) or `[` (a list of records)")
                .with_help("write `facts {\"store_score\": 4.2, ...}`"));
        }
        // The JSON text with comments blanked out (same byte offsets), up to its closing bracket.
        let mut clean = String::new();
        let mut depth = 0usize;
        let mut closed = false;
        'json: for segment in scan::tests_from(self.text, start) {
            let written = segment.text(self.text);
            match segment.kind {
                Kind::Comment => clean.extend(std::iter::repeat_n(' ', written.len())),
                Kind::Text { closed: false } if segment.end < self.text.len() => {
                    // On past the line, as the reader was when it found the line break.
                    self.pos = segment.end;
                    self.skip_line();
                    return Err(Diagnostic::error(
                        Code::UnterminatedString,
                        Span::new(segment.end, segment.end),
                        "a text in quotes is not closed on its line",
                        "the closing `\"` is missing",
                    ));
                }
                Kind::Text { .. } => clean.push_str(written),
                Kind::Code => {
                    for (i, c) in segment.char_indices(self.text) {
                        if c == '\n'
                            && let Some(next) = statement_line(self.text, i + 1)
                        {
                            // Facts not closed before the next statement: stop there, so that
                            // the statement (and the rest of the file) is read as written.
                            // On the line break: the caller skips to the end of this line.
                            self.pos = next - 1;
                            // A mistake inside what was read (`[}`) is the one to report; only
                            // JSON that is merely unfinished is "not closed".
                            if let Err(e) = serde_json::from_str::<Json>(&clean)
                                && !e.is_eof()
                            {
                                return Err(self.invalid_json(start, &clean, &e));
                            }
                            return Err(Diagnostic::error(
                                Code::TestSyntax,
                                Span::new(start, start + 1),
                                "these facts are not closed",
                                "opened here",
                            )
                            .with_help("close every `{` with `}` and every `[` with `]` before the next line"));
                        }
                        clean.push(c);
                        match c {
                            '{' | '[' => depth += 1,
                            '}' | ']' => {
                                depth = depth.saturating_sub(1);
                                if depth == 0 {
                                    self.pos = i + 1;
                                    closed = true;
                                    break 'json;
                                }
                            }
                            _ => {
                                if let Some((_, ascii)) = FULL_WIDTH.iter().find(|(w, _)| *w == c) {
                                    self.pos = i + c.len_utf8();
                                    return Err(full_width_in_facts(Span::new(i, self.pos), c, *ascii));
                                }
                            }
                        }
                    }
                }
            }
        }
        if !closed {
            self.pos = self.text.len();
            return Err(Diagnostic::error(
                Code::TestSyntax,
                Span::new(start, start + 1),
                "these facts are not closed",
                "opened here",
            )
            .with_help("close every `{` with `}` and every `[` with `]`"));
        }
        match serde_json::from_str::<Json>(&clean) {
            Ok(v) => match duplicate_key(&clean) {
                // JSON objects would silently keep the last of two equal keys; the fact reader
                // refuses them, and so do tests.
                Some((at, len, key)) => Err(Diagnostic::error(
                    Code::TestSyntax,
                    Span::new(start + at, start + at + len),
                    format!("the key {} appears twice in the same object", quote(&key)),
                    "second time",
                )
                .with_help("give each fact once")),
                None => Ok(v),
            },
            Err(e) => Err(self.invalid_json(start, &clean, &e)),
        }
    }

    /// The diagnostic for JSON that serde refused, at the place it names in `clean` (the JSON
    /// text from `start`, comments blanked).
    fn invalid_json(&self, start: usize, clean: &str, e: &serde_json::Error) -> Diagnostic {
        let at = start + offset_of(clean, e.line(), e.column());
        let at = floor_boundary(self.text, at);
        let len = self
            .text
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        Diagnostic::error(
            Code::TestSyntax,
            Span::new(at, at + len),
            format!("the facts are not valid JSON: {}", json_message(e)),
            "here",
        )
        .with_help(
            "names and texts go in double quotes, items are separated by commas, \
             and there is no comma after the last item",
        )
    }
}
