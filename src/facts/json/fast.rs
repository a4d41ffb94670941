//! A fast path for reading an NDJSON line: a hand-written scanner for the
//! plain, well-formed records that make up nearly all input.
//!
//! It reads a record exactly as the `serde` reader of the parent module
//! does (the same value conversions, in the same places) but gives up —
//! `None` — at anything unusual: a JSON syntax error, a value that does not
//! fit its fact, a missing or duplicate fact, an escape or control character
//! in a string, many undeclared keys, deep nesting... The caller then reads
//! the line again with the `serde` reader, which reports the problem with
//! its usual message and column. So the fast path never decides what a
//! message says; it only reads records that the `serde` reader would read
//! without a problem, and gives the same values.

use super::{NUMBER_TOKEN, Plan, Seen};
use crate::facts::record::{FactValue, ListBuilder, Record};
use crate::program::schema::FactType;
use compact_str::CompactString;

use crate::facts::{
    Source, Why, decimal, rfc3339_fast, timestamp, value_from_bool, value_from_int, value_from_number, value_from_text,
};

/// Reads `text` (valid UTF-8) as an input record: its id and values, or
/// `None` when the `serde` reader must read it.
pub(super) fn read(plan: &Plan<'_>, text: &str) -> Option<(String, Record)> {
    let mut cursor = Cursor {
        text,
        pos: 0,
        undeclared: Vec::new(),
        buffers: BUFFERS.take(),
    };
    let read = cursor.top(plan);
    BUFFERS.set(cursor.buffers);
    let (id, record) = read?;
    // Counted only once the record is read: a record given up on is read
    // again, and counted, by the `serde` reader.
    if !cursor.undeclared.is_empty() {
        plan.undeclared.add(cursor.undeclared);
    }
    Some((id, record))
}

thread_local! {
    /// The buffers lists are built in, one per depth of nesting, kept from
    /// one record to the next (see [`Cursor::list`]).
    static BUFFERS: std::cell::Cell<Vec<Vec<FactValue>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The most values a buffer keeps room for between lists: a record with a
/// huge list does not hold its size for the rest of the run.
const KEPT: usize = 1 << 16;

impl Cursor<'_> {
    /// An input record: its id and values.
    fn top(&mut self, plan: &Plan<'_>) -> Option<(String, Record)> {
        self.ws();
        let mut id = None;
        let mut record = Record::default();
        record.values.resize_with(plan.fields.len(), || FactValue::Unknown);
        self.record(plan, Some(&mut id), &mut record.values)?;
        self.ws();
        if self.pos != self.text.len() {
            return None;
        }
        Some((id?, record))
    }
}

/// Undeclared keys of one object remembered to detect duplicates; an object
/// with more goes to the `serde` reader.
const OTHERS: usize = 8;

/// Nesting of skipped (undeclared) values beyond which the `serde` reader
/// takes over.
const DEPTH: u32 = 64;

/// A position in the text.
struct Cursor<'t> {
    text: &'t str,
    pos: usize,
    /// The undeclared fields met, with the number of their record schema
    /// (allocated only when there is one).
    undeclared: Vec<(u32, &'t str)>,
    /// Buffers to build lists in, free for the next list read: a list
    /// takes one while it is read, and a list inside its items another.
    buffers: Vec<Vec<FactValue>>,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `byte`.
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Consumes `word` (`null`, `true`, `false`).
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(word.len())?;
        if self.text.as_bytes().get(self.pos..end)? == word {
            self.pos = end;
            Some(())
        } else {
            None
        }
    }

    /// A string without escapes or control characters, from its opening
    /// quote: its content, borrowed.
    fn string(&mut self) -> Option<&'t str> {
        self.eat(b'"')?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut pos = start;
        // Eight bytes at a time, then one by one.
        while let Some(word) = pos.checked_add(8).and_then(|end| bytes.get(pos..end)) {
            let found = specials(u64::from_le_bytes(word.try_into().ok()?));
            if found != 0 {
                pos += (found.trailing_zeros() / 8) as usize;
                break;
            }
            pos += 8;
        }
        while let Some(&b) = bytes.get(pos) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            pos += 1;
        }
        if bytes.get(pos) != Some(&b'"') {
            return None;
        }
        let content = self.text.get(start..pos)?;
        self.pos = pos + 1;
        Some(content)
    }

    /// Consumes digits; how many.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A JSON number: its exact text.
    fn number(&mut self) -> Option<&'t str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        self.text.get(start..self.pos)
    }

    /// Reads a value of a scalar fact into `slot`: `Some(false)` for `null`.
    ///
    /// The common types are built in place (the same conversions as
    /// `value_from_text`): moving a `Result<FactValue, _>` through several
    /// wrappers cost more than the conversion.
    fn scalar(&mut self, ty: &FactType, slot: &mut FactValue) -> Option<bool> {
        match self.peek()? {
            b'"' => {
                let text = self.string()?;
                match ty {
                    FactType::Text => set_text(slot, text),
                    FactType::Decimal | FactType::Money(_) => set_number(slot, decimal(text).ok()?),
                    FactType::Timestamp => {
                        let time = match rfc3339_fast(text) {
                            Some(time) => time,
                            None => timestamp(text).ok()?,
                        };
                        set_time(slot, time);
                    }
                    _ => *slot = value_from_text(ty, text, Source::Json).ok()?,
                }
            }
            b'n' => {
                self.literal(b"null")?;
                return Some(false);
            }
            b't' => {
                self.literal(b"true")?;
                *slot = value_from_bool(ty, true).ok()?;
            }
            b'f' => {
                self.literal(b"false")?;
                *slot = value_from_bool(ty, false).ok()?;
            }
            b'-' | b'0'..=b'9' => {
                let text = self.number()?;
                *slot = number_value(ty, text).ok()?;
            }
            _ => return None,
        }
        Some(true)
    }

    /// Reads a `list of` fact into `slot`: `Some(false)` for `null`.
    fn list(&mut self, item: &Plan<'_>, slot: &mut FactValue) -> Option<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(false);
        }
        self.eat(b'[')?;
        self.ws();
        // Built in a buffer kept from list to list, then moved into a block
        // of its exact size: one allocation a list, none to grow it.
        let buffer = self.buffers.pop().unwrap_or_default();
        let mut items = ListBuilder::in_buffer(item.fields.len(), buffer);
        if self.eat(b']').is_none() {
            loop {
                self.ws();
                self.record(item, None, items.push_unknown())?;
                self.ws();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let (list, buffer) = items.finish_keeping_buffer();
        if buffer.capacity() <= KEPT {
            self.buffers.push(buffer);
        }
        put(slot, FactValue::List(list));
        Some(true)
    }

    /// A record (an object) against `plan`, read into `values` (one per
    /// fact of the plan, each unknown); `id` is where an input record's id
    /// goes (`None` for a list item).
    fn record(&mut self, plan: &Plan<'_>, mut id: Option<&mut Option<String>>, values: &mut [FactValue]) -> Option<()> {
        self.eat(b'{')?;
        let mut seen = Seen::new(plan.fields.len());
        let mut others: [&str; OTHERS] = [""; OTHERS];
        let mut n_others = 0;
        // The fact expected next: keys usually come in the same order.
        let mut next = 0;
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                self.ws();
                let key = self.string()?;
                if key == NUMBER_TOKEN {
                    return None;
                }
                self.ws();
                self.eat(b':')?;
                self.ws();
                if let Some(id) = id.as_deref_mut()
                    && key == "id"
                {
                    if id.is_some() {
                        return None;
                    }
                    let text = self.string()?;
                    if let Some(i) = plan.id_index {
                        let field = plan.fields.get(i)?;
                        *values.get_mut(i)? = value_from_text(&field.ty, text, Source::Json).ok()?;
                        seen.set(i);
                    }
                    // The id is any text, kept as it is (`value_from_text` for
                    // `ID_TYPE`, without the detour through a `FactValue`).
                    *id = Some(text.to_owned());
                } else if let Some(i) = lookup(plan, key, next) {
                    next = i + 1;
                    let field = plan.fields.get(i)?;
                    if seen.get(i) {
                        return None;
                    }
                    let slot = values.get_mut(i)?;
                    let given = match plan.items.get(i) {
                        Some(Some(item)) => self.list(item, slot)?,
                        _ => self.scalar(&field.ty, slot)?,
                    };
                    if !given && !field.optional {
                        return None;
                    }
                    seen.set(i);
                } else {
                    let earlier = others.get(..n_others)?;
                    if plan.strict || earlier.contains(&key) {
                        return None;
                    }
                    self.undeclared.push((plan.number, key));
                    *others.get_mut(n_others)? = key;
                    n_others += 1;
                    self.skip_value()?;
                }
                self.ws();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        if id.is_some_and(|id| id.is_none()) {
            return None;
        }
        let missing = plan
            .fields
            .iter()
            .enumerate()
            .any(|(i, field)| !field.optional && !seen.get(i));
        if missing {
            return None;
        }
        Some(())
    }

    /// Skips one JSON value of any shape, without recursion.
    fn skip_value(&mut self) -> Option<()> {
        // The open containers: bit `d` set when level `d` is an object.
        let mut objects: u64 = 0;
        let mut depth: u32 = 0;
        loop {
            // At a value.
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'-' | b'0'..=b'9' => {
                    self.number()?;
                }
                open @ (b'[' | b'{') => {
                    self.pos += 1;
                    self.ws();
                    let close = if open == b'[' { b']' } else { b'}' };
                    if self.eat(close).is_none() {
                        if depth >= DEPTH {
                            return None;
                        }
                        if open == b'{' {
                            objects |= 1 << depth;
                            self.string()?;
                            self.ws();
                            self.eat(b':')?;
                        } else {
                            objects &= !(1 << depth);
                        }
                        depth += 1;
                        continue;
                    }
                }
                _ => return None,
            }
            // After a value: close containers, or go on to the next element.
            loop {
                let Some(level) = depth.checked_sub(1) else {
                    return Some(());
                };
                let in_object = objects & (1 << level) != 0;
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        if in_object {
                            self.ws();
                            self.string()?;
                            self.ws();
                            self.eat(b':')?;
                        }
                        break;
                    }
                    b']' if !in_object => {}
                    b'}' if in_object => {}
                    _ => return None,
                }
                self.pos += 1;
                depth = level;
            }
        }
    }
}

// Values are written into their slot by small functions of their own, so that
// they are built in place: built in the caller, a `FactValue` was copied in
// pieces of other sizes than it was written in (store-forwarding stalls).

#[inline(never)]
fn set_text(slot: &mut FactValue, text: &str) {
    put(slot, FactValue::Text(CompactString::new(text)));
}

#[inline(never)]
fn set_number(slot: &mut FactValue, n: rust_decimal::Decimal) {
    put(slot, FactValue::Number(n));
}

#[inline(never)]
fn set_time(slot: &mut FactValue, t: chrono::DateTime<chrono::Utc>) {
    put(slot, FactValue::Time(t));
}

/// Writes `value` into `slot`. A slot is written once, over the `Unknown` it
/// starts as (a key read twice is refused first): that `Unknown` needs no
/// drop, and saying so keeps the drop glue, which the compiler may call out of
/// line, off the path of every value read (3 % of the bench's instructions).
#[inline(always)]
fn put(slot: &mut FactValue, value: FactValue) {
    let old = std::mem::replace(slot, value);
    if matches!(old, FactValue::Unknown) {
        std::mem::forget(old);
    } else {
        drop(old);
    }
}

/// Marks (with its high bit) each byte of `word` (little-endian) that ends a
/// plain string: `"`, `\\` or a control character. Bytes after a marked one
/// may be marked wrongly, so only the lowest mark counts.
fn specials(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The bytes that are zero (of `x`), or below 0x20 (of `word`).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\'))) | control) & HIGHS
}

/// Whether two names are equal: names up to 16 bytes are compared as two
/// overlapping words, without calling `memcmp`.
fn same(a: &str, b: &str) -> bool {
    /// The 8 bytes of `s` from `at`, as a word.
    fn word(s: &[u8], at: usize) -> u64 {
        s.get(at..at + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        0..8 => a.iter().zip(b).all(|(x, y)| x == y),
        _ => a == b,
    }
}

/// The index of the fact named `key`, trying `guess` first.
fn lookup(plan: &Plan<'_>, key: &str, guess: usize) -> Option<usize> {
    match plan.fields.get(guess) {
        Some(field) if plan.distinct && same(&field.name, key) => Some(guess),
        _ => plan.lookup(key),
    }
}

/// A JSON number as the `serde` reader sees it: `serde_json` (with
/// `arbitrary_precision`) hands over a number whose text reads as a `u64`
/// (or, negative and not `-0`, as an `i64`) as that integer, and any other
/// number as its text.
fn number_value(ty: &FactType, text: &str) -> Result<FactValue, Why> {
    if !text.starts_with('-') {
        if let Ok(n) = text.parse::<u64>() {
            return value_from_int(ty, n.into());
        }
    } else if text != "-0"
        && let Ok(n) = text.parse::<i64>()
    {
        return value_from_int(ty, n.into());
    }
    value_from_number(ty, text)
}
