//! Expected values: `true`, `false`, `null`, `unknown`, texts, lists of texts, and numbers
//! with an optional unit. Separate because `parse_expected` reads them on their own too.

use rust_decimal::Decimal;

use super::{Expected, PResult, Parser, is_ident_start};
use crate::diagnostics::{Code, Diagnostic, Span};

impl<'a> Parser<'a> {
    /// `true`, `false`, `null`, `unknown`, `"text"`, `["a", "b"]`, or a number with an optional unit.
    pub(super) fn value(&mut self) -> PResult<Expected> {
        self.skip_spaces();
        match self.peek() {
            Some('"') => Ok(Expected::Text(self.string()?.0)),
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                loop {
                    self.skip_spaces();
                    if self.peek() == Some(']') && items.is_empty() {
                        self.bump();
                        break;
                    }
                    items.push(self.string()?.0);
                    self.skip_spaces();
                    match self.peek() {
                        Some(',') => {
                            self.bump();
                        }
                        Some(']') => {
                            self.bump();
                            break;
                        }
                        _ => return Err(self.unexpected("`,` or `]`")),
                    }
                }
                Ok(Expected::Texts(items))
            }
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number(),
            Some(c) if is_ident_start(c) => {
                let at = self.pos;
                let word = self.ident().map(|(w, _)| w).unwrap_or("");
                match word {
                    "true" => Ok(Expected::Bool(true)),
                    "false" => Ok(Expected::Bool(false)),
                    "null" | "unknown" => Ok(Expected::Unknown),
                    _ => {
                        self.pos = at;
                        Err(self.unexpected("a value").with_help(
                            "write `true`, `false`, `null`, a number with its unit such as `90 points`, \
                             or a text in double quotes",
                        ))
                    }
                }
            }
            _ => Err(self.unexpected("a value").with_help(
                "write `true`, `false`, `null`, a number with its unit such as `90 points`, \
                 or a text in double quotes",
            )),
        }
    }

    fn number(&mut self) -> PResult<Expected> {
        let start = self.pos;
        if matches!(self.peek(), Some('-' | '+')) {
            self.bump();
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.bump();
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        let span = Span::new(start, self.pos);
        let bad = |message: &str| {
            Diagnostic::error(Code::TestSyntax, span, message.to_string(), "not a number")
                .with_help("write a decimal number such as `90`, `3.42` or `-1.5`, without thousands separators")
        };
        if matches!(self.peek(), Some(',' | 'e' | 'E' | '_')) {
            return Err(bad("write numbers without separators or exponents"));
        }
        let digits = text.trim_start_matches(['-', '+']);
        if digits.is_empty() || digits.starts_with('.') || digits.ends_with('.') || digits.matches('.').count() > 1 {
            return Err(bad(&format!("`{text}` is not a number")));
        }
        let value: Decimal = text
            .trim_start_matches('+')
            .parse()
            .map_err(|_| bad(&format!("`{text}` is not a number that fits an exact decimal")))?;
        if self.peek() == Some('%') {
            self.bump();
            return Ok(Expected::Number {
                value: value / Decimal::ONE_HUNDRED,
                unit: None,
            });
        }
        self.skip_spaces();
        let unit = self.ident().map(|(u, _)| u.to_string());
        Ok(Expected::Number { value, unit })
    }
}
