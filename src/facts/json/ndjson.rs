//! NDJSON: one record per non-blank line. Separate from the `.json` document
//! reader because lines are split off in blocks and each is read on its own.

use std::collections::VecDeque;
use std::io::Read;
use std::ops::Range;

use crate::facts::{InputRecord, LineBlock, NdjsonLines, ReadOptions, RecordError, char_column};
use crate::program::schema::RecordSchema;

use super::Plan;
use super::convert::read_record;

/// Reads NDJSON: one record per non-blank line (split by [`NdjsonLines`], as
/// the batch engine splits them).
pub(in crate::facts) struct Ndjson<'s, R> {
    plan: Plan<'s>,
    lines: NdjsonLines<R>,
    block: LineBlock,
    /// The lines of `block` not read yet.
    pending: VecDeque<Result<(usize, Range<usize>), RecordError>>,
}

impl<'s, R: Read> Ndjson<'s, R> {
    /// Lines split off at a time.
    const LINES: usize = 256;

    /// Reads `input` against `schema`.
    pub(in crate::facts) fn new(schema: &'s RecordSchema, input: R, options: &ReadOptions) -> Self {
        Ndjson {
            plan: Plan::new(schema, options),
            lines: NdjsonLines::new(input),
            block: LineBlock::default(),
            pending: VecDeque::new(),
        }
    }
}

impl<R: Read> Iterator for Ndjson<'_, R> {
    type Item = Result<InputRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pending.is_empty() {
            let pending = &mut self.pending;
            self.lines
                .fill(&mut self.block, Self::LINES, |item| pending.push_back(item));
        }
        Some(match self.pending.pop_front()? {
            Ok((line, range)) => read_line(&self.plan, self.block.line(range), line),
            Err(e) => Err(e),
        })
    }
}

/// `bytes` as text: validated with SIMD (`simdutf8`, several times faster
/// than `std` on text with many non-ASCII characters); the standard library
/// finds where an invalid line goes wrong, so errors are exactly `std`'s.
fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    }
}

/// Reads one NDJSON line.
pub(in crate::facts) fn read_line(plan: &Plan<'_>, bytes: &[u8], line: usize) -> Result<InputRecord, RecordError> {
    let text = utf8(bytes).map_err(|e| RecordError {
        line,
        column: Some(char_column(bytes, e.valid_up_to())),
        id: None,
        fact: None,
        message: "the line is not valid UTF-8".into(),
    })?;
    if let Some((id, record)) = super::fast::read(plan, text) {
        return Ok(InputRecord { line, id, record });
    }
    match read_record(plan, text) {
        Ok((id, record)) => Ok(InputRecord { line, id, record }),
        Err(f) => Err(RecordError {
            line,
            column: f.at.map(|(_, column)| char_column(bytes, column.saturating_sub(1))),
            id: f.id,
            fact: f.fact,
            message: f.message,
        }),
    }
}
