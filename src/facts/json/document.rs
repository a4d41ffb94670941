//! `.json` documents: one object, or an array of objects read element by
//! element, with the recovery after a syntax error that an array needs (an
//! NDJSON line needs none: the next line is the next record).

use crate::facts::{FileError, InputRecord, ReadOptions, RecordError, char_column, code};
use crate::program::schema::RecordSchema;

use super::convert::{Failure, read_record};
use super::{Plan, is_ws};

/// Reads a `.json` file: one object, or an array of objects.
pub(in crate::facts) fn read_document<'s>(
    schema: &'s RecordSchema,
    bytes: Vec<u8>,
    options: &ReadOptions,
) -> Result<Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>, FileError> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = position(bytes, offset);
        FileError {
            line: Some(line),
            message: format!("the file is not valid UTF-8 (line {line}, column {column})"),
            help: Some("save the file as UTF-8".into()),
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    let bytes = text.as_bytes();
    let Some(start) = bytes.iter().position(|&b| !is_ws(b)) else {
        return Err(FileError {
            line: None,
            message: "the file is empty".into(),
            help: Some("a .json file holds one record (a JSON object) or an array of records".into()),
        });
    };
    let (line, _) = position(bytes, start);
    match bytes.get(start) {
        Some(b'{') => {
            let plan = Plan::new(schema, options);
            let item = match read_record(&plan, &text) {
                Ok((id, record)) => Ok(InputRecord { line, id, record }),
                Err(f) => {
                    let mut message = f.message;
                    if message.starts_with("invalid JSON: trailing characters") {
                        message.push_str(
                            " after the record (a .json file holds one object or an array of objects; \
                             for one object per line, use NDJSON)",
                        );
                    }
                    let (line, column) = match f.at {
                        Some((l, c)) => {
                            let (l, c) = position(bytes, offset_in(bytes, l, c));
                            (l, Some(c))
                        }
                        None => (line, None),
                    };
                    Err(RecordError {
                        line,
                        column,
                        id: f.id,
                        fact: f.fact,
                        message,
                    })
                }
            };
            Ok(Box::new(std::iter::once(item)))
        }
        Some(b'[') => Ok(Box::new(JsonArray {
            plan: Plan::new(schema, options),
            pos: start.saturating_add(1),
            line,
            line_pos: start,
            first: true,
            one_per_line: None,
            last_end: start,
            done: false,
            text,
        })),
        _ => {
            let end = value_end(bytes, start);
            let found = text.get(start..end).unwrap_or_default();
            Err(FileError {
                line: Some(line),
                message: format!(
                    "expected a record (a JSON object) or an array of records, found {}",
                    code(found)
                ),
                help: None,
            })
        }
    }
}

/// The 1-based line and character column of byte `offset` in `bytes`.
fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let head = bytes.get(..offset).unwrap_or(bytes);
    let line = head.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = head
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i.saturating_add(1));
    let line_bytes = bytes.get(line_start..).unwrap_or_default();
    (line, char_column(line_bytes, offset.saturating_sub(line_start)))
}

/// The byte offset in `bytes` of `serde_json`'s 1-based `line` and byte `column`.
fn offset_in(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .nth(line.saturating_sub(2))
            .map_or(bytes.len(), |(i, _)| i.saturating_add(1))
    };
    line_start.saturating_add(column.saturating_sub(1)).min(bytes.len())
}

/// Where the JSON value starting at `start` ends (one past its last byte),
/// found by matching brackets outside strings. On malformed input the result
/// is only a guess; `serde_json` then reports the error.
pub(super) fn value_end(bytes: &[u8], start: usize) -> usize {
    let rest = bytes.get(start..).unwrap_or_default();
    let end = match rest.first() {
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut in_string = false;
            let mut escaped = false;
            let mut end = None;
            for (i, &b) in rest.iter().enumerate() {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth = depth.saturating_add(1),
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            end = Some(i.saturating_add(1));
                            break;
                        }
                    }
                    _ => {}
                }
            }
            end
        }
        Some(b'"') => {
            let mut escaped = false;
            rest.iter()
                .enumerate()
                .skip(1)
                .find(|&(_, &b)| {
                    if escaped {
                        escaped = false;
                        false
                    } else if b == b'\\' {
                        escaped = true;
                        false
                    } else {
                        b == b'"'
                    }
                })
                .map(|(i, _)| i.saturating_add(1))
        }
        _ => rest.iter().position(|&b| matches!(b, b',' | b']' | b'}') || is_ws(b)),
    };
    start.saturating_add(end.unwrap_or(rest.len()))
}

/// Reads the elements of a top-level JSON array, one record each.
///
/// A syntax error inside an element spoils only that element when the
/// brackets around it still match (reading goes on at the next element); a
/// `,` missing between two elements spoils the second one. When the structure
/// itself is broken (a string never closed, a bracket missing), reading goes
/// on at the next line that holds a whole element if the array has one
/// element per line; otherwise the rest of the file is not read. Either way
/// the error says exactly which lines and bytes were not read.
struct JsonArray<'s> {
    plan: Plan<'s>,
    text: String,
    /// Where reading goes on (just after `[` or after the last element).
    pos: usize,
    /// The line number of byte `line_pos`.
    line: usize,
    line_pos: usize,
    /// Whether an element comes next (rather than `,` or `]`): at the start,
    /// and after skipping to a line that holds one.
    first: bool,
    /// Whether every element so far sat on one line, on a line of its own,
    /// and at least one did: then a broken element can be skipped to the
    /// next line.
    one_per_line: Option<bool>,
    /// Where the last element ended.
    last_end: usize,
    done: bool,
}

impl JsonArray<'_> {
    fn skip_ws(&self, from: usize) -> usize {
        let bytes = self.text.as_bytes();
        bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|&b| !is_ws(b)))
            .map_or(bytes.len(), |i| from.saturating_add(i))
    }

    /// The line of byte `pos` (not before the last one asked for).
    fn line_at(&mut self, pos: usize) -> usize {
        let newlines = self
            .text
            .as_bytes()
            .get(self.line_pos..pos)
            .map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count());
        self.line = self.line.saturating_add(newlines);
        self.line_pos = pos.max(self.line_pos);
        self.line
    }

    /// A syntax error at byte `pos`, after which reading stops: the rest of
    /// the file, from `from`, is not read.
    fn stop(&mut self, from: usize, pos: usize, message: &str) -> Option<Result<InputRecord, RecordError>> {
        self.done = true;
        let (line, column) = position(self.text.as_bytes(), pos);
        let unread = self.unread(from, self.text.len());
        Some(Err(RecordError {
            line,
            column: Some(column),
            id: None,
            fact: None,
            message: format!("invalid JSON: {message}{unread}"),
        }))
    }

    /// What is said of the bytes `from..to` that were not read: nothing when
    /// they hold only whitespace and the closing `]`.
    fn unread(&self, from: usize, to: usize) -> String {
        let bytes = self.text.as_bytes();
        let Some(part) = bytes.get(from..to) else {
            return String::new();
        };
        if part.iter().all(|&b| is_ws(b) || b == b']') {
            return String::new();
        }
        let (first, _) = position(bytes, from);
        let last_byte = to.saturating_sub(1).max(from);
        let (last, _) = position(bytes, last_byte);
        let (lines, were) = if first == last {
            (format!("line {first}"), "was")
        } else {
            (format!("lines {first}–{last}"), "were")
        };
        let end = if to >= bytes.len() {
            "the end of the file"
        } else {
            "the next record"
        };
        format!(
            "; {lines} (bytes {}–{}, up to {end}) {were} not read",
            from.saturating_add(1),
            to
        )
    }

    /// After the closing `]`: only whitespace may follow.
    fn finish(&mut self, after: usize) -> Option<Result<InputRecord, RecordError>> {
        self.done = true;
        let p = self.skip_ws(after);
        if p < self.text.len() {
            self.stop(
                p,
                p,
                "text after the closing `]` of the array (a .json file holds one object or one array of objects)",
            )
        } else {
            None
        }
    }

    /// Notes how the element at `start..end` was laid out.
    fn note_layout(&mut self, start: usize, end: usize) {
        let bytes = self.text.as_bytes();
        let inside = bytes.get(start..end).is_some_and(|e| e.contains(&b'\n'));
        let own_line = self.one_per_line.is_none()
            || bytes
                .get(self.last_end..start)
                .is_some_and(|between| between.contains(&b'\n'));
        self.one_per_line = Some(self.one_per_line.unwrap_or(true) && !inside && own_line);
        self.last_end = end;
    }

    /// Where the next line holding one whole element starts, after the line
    /// of byte `from` (each line is looked at once, up to its end).
    fn next_element_line(&self, from: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut at = from;
        loop {
            at = at
                .saturating_add(memchr::memchr(b'\n', bytes.get(at..)?)?)
                .saturating_add(1);
            let line_end = memchr::memchr(b'\n', bytes.get(at..)?).map_or(bytes.len(), |i| at.saturating_add(i));
            let line = bytes.get(at..line_end)?;
            let Some(open) = line.iter().position(|&b| !is_ws(b)) else {
                continue;
            };
            if line.get(open) != Some(&b'{') {
                continue;
            }
            let element = line.get(open..)?;
            let end = value_end(element, 0);
            let balanced = end > 0 && element.get(end.saturating_sub(1)) == Some(&b'}');
            let after = element.get(end..).unwrap_or_default();
            let after = after.iter().copied().filter(|&b| !is_ws(b));
            let tail_ok = matches!(after.collect::<Vec<u8>>().as_slice(), [] | [b','] | [b']']);
            if balanced && tail_ok {
                return Some(at.saturating_add(open));
            }
        }
    }

    /// Whether the element `p..end` is followed by `,`, `]` or nothing: its
    /// brackets matched, so a syntax error in it spoils it alone.
    ///
    /// In an array of one element per line, an element running over several
    /// lines is not sound: a quote out of place may have merged lines.
    fn sound(&self, start: usize, end: usize) -> bool {
        let bytes = self.text.as_bytes();
        let next = self.skip_ws(end);
        let merged = self.one_per_line == Some(true) && bytes.get(start..end).is_some_and(|e| e.contains(&b'\n'));
        // The element closes where it opened (`value_end` runs to the end of
        // the text when it does not).
        let closed = match (bytes.get(start), bytes.get(end.saturating_sub(1))) {
            (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')) | (Some(b'"'), Some(b'"')) => end > start + 1,
            (Some(b'{' | b'[' | b'"'), _) => false,
            _ => true,
        };
        closed && !merged && matches!(bytes.get(next), None | Some(b',' | b']'))
    }
}

impl Iterator for JsonArray<'_> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut p = self.skip_ws(self.pos);
        let at = self.text.as_bytes().get(p).copied();
        let mut missing_comma = false;
        if std::mem::take(&mut self.first) {
            if at == Some(b']') {
                return self.finish(p.saturating_add(1));
            }
        } else {
            match at {
                Some(b',') => p = self.skip_ws(p.saturating_add(1)),
                Some(b']') => return self.finish(p.saturating_add(1)),
                // Another element: the `,` before it is missing.
                Some(b'{') => missing_comma = true,
                Some(_) => return self.stop(p, p, "expected `,` or `]`"),
                None => {
                    return self.stop(p, p, "unexpected end of input while parsing a list");
                }
            }
        }
        match self.text.as_bytes().get(p) {
            None => return self.stop(p, p, "unexpected end of input while parsing a list"),
            Some(b']' | b',') => return self.stop(p, p, "expected a value"),
            Some(_) => {}
        }
        let end = value_end(self.text.as_bytes(), p);
        let line = self.line_at(p);
        let sound = self.sound(p, end);
        if sound {
            self.note_layout(p, end);
        }
        let Some(element) = self.text.get(p..end) else {
            return self.stop(p, p, "expected a value");
        };
        let read = read_record(&self.plan, element);
        match read {
            Ok((id, _)) if missing_comma => {
                self.pos = end;
                let (line, column) = position(self.text.as_bytes(), p);
                Some(Err(RecordError {
                    line,
                    column: Some(column),
                    id: Some(id),
                    fact: None,
                    message: "invalid JSON: expected `,` before this record; the record is not read".into(),
                }))
            }
            Ok((id, record)) => {
                self.pos = end;
                Some(Ok(InputRecord { line, id, record }))
            }
            Err(Failure {
                id,
                fact,
                message,
                at: None,
            }) => {
                self.pos = end;
                Some(Err(RecordError {
                    line,
                    column: None,
                    id,
                    fact,
                    message,
                }))
            }
            Err(Failure {
                id,
                message,
                at: Some((l, c)),
                ..
            }) => {
                let offset = p.saturating_add(offset_in(element.as_bytes(), l, c));
                let (line, column) = position(self.text.as_bytes(), offset);
                // The id is trusted only when the element's brackets matched.
                let error = |message: String| {
                    Some(Err(RecordError {
                        line,
                        column: Some(column),
                        id: id.filter(|_| sound),
                        fact: None,
                        message,
                    }))
                };
                if sound {
                    // Only this element is spoilt (said with its extent: a
                    // quote out of place may have joined elements).
                    self.pos = end;
                    let unread = self.unread(p, end);
                    return error(format!("{message}{unread}"));
                }
                let resume = match self.one_per_line {
                    Some(true) => self.next_element_line(p),
                    _ => None,
                };
                match resume {
                    Some(next) => {
                        let (next_line, _) = position(self.text.as_bytes(), next);
                        let unread = self.unread(p, next);
                        self.pos = next;
                        self.first = true;
                        error(format!("{message}{unread}; reading goes on at line {next_line}"))
                    }
                    None => {
                        self.done = true;
                        let unread = self.unread(p, self.text.len());
                        error(format!("{message}{unread}"))
                    }
                }
            }
        }
    }
}
