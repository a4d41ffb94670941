use super::*;
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn format_from_path() {
    assert_eq!(Format::from_path(Path::new("a/b.json")), Some(Format::Json));
    assert_eq!(Format::from_path(Path::new("b.NDJSON")), Some(Format::Ndjson));
    assert_eq!(Format::from_path(Path::new("b.jsonl")), Some(Format::Ndjson));
    assert_eq!(Format::from_path(Path::new("b.csv")), Some(Format::Csv));
    assert_eq!(Format::from_path(Path::new("b.txt")), None);
    assert_eq!(Format::from_path(Path::new("json")), None);
}

#[test]
fn number_shapes() {
    assert_eq!(number_shape("12"), Shape::Integer);
    assert_eq!(number_shape("-12"), Shape::Integer);
    assert_eq!(number_shape("12.30"), Shape::Decimal);
    assert_eq!(number_shape("1e400"), Shape::Exponent);
    assert_eq!(number_shape("1.5E-3"), Shape::Exponent);
    for bad in [
        "", "-", "12.", ".5", "12,000", "1e", "NaN", "Infinity", "+1", " 1", "1 ", "0x10",
    ] {
        assert_eq!(number_shape(bad), Shape::Invalid, "{bad:?}");
    }
}

#[test]
fn decimals_are_exact() {
    let d = decimal("12.30").unwrap();
    assert_eq!(d.to_string(), "12.30");
    assert_eq!(decimal("0.1").unwrap() + decimal("0.2").unwrap(), dec("0.3"));
    assert_eq!(decimal("-5.5").unwrap(), dec("-5.5"));
    assert!(!decimal("-0").unwrap().is_sign_negative());
    assert_eq!(decimal("1e400"), Err(Why::Exponent));
    assert_eq!(decimal("12,000"), Err(Why::Mismatch));
    assert_eq!(decimal(""), Err(Why::Mismatch));
    assert_eq!(decimal("NaN"), Err(Why::Mismatch));
    assert_eq!(decimal(&"9".repeat(40)), Err(Why::TooManyDigits));
    assert_eq!(decimal(&format!("0.{}", "1".repeat(35))), Err(Why::TooManyDigits));
}

proptest::proptest! {
    /// The one-pass reading of short decimals gives exactly what
    /// `from_str_exact` gives (digits, scale and sign), and reads every
    /// decimal of up to 18 digits.
    #[test]
    fn decimal_fast_path_agrees_with_rust_decimal(
        text in "-?[0-9]{0,20}(\\.[0-9]{0,20})?|-?[0-9]{17,20}|[0-9.,e+-]{0,6}|-?0+\\.0+",
    ) {
        let slow = match number_shape(&text) {
            Shape::Integer | Shape::Decimal => Decimal::from_str_exact(&text).ok().map(|mut d| {
                if d.is_zero() {
                    d.set_sign_positive(true);
                }
                d
            }),
            _ => None,
        };
        let fast = decimal_fast(&text);
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        if fast.is_some() || (slow.is_some() && digits <= 18) {
            proptest::prop_assert_eq!(fast.map(|d| d.serialize()), slow.map(|d| d.serialize()), "{}", text);
        }
        proptest::prop_assert_eq!(decimal(&text).ok().map(|d| d.serialize()), slow.map(|d| d.serialize()));
    }
}

#[test]
fn fractions_and_percentages() {
    let f = FactType::Fraction;
    assert_eq!(
        value_from_text(&f, "2%", Source::Json),
        Ok(FactValue::Number(dec("0.02")))
    );
    assert_eq!(
        value_from_text(&f, "2.5%", Source::Json),
        Ok(FactValue::Number(dec("0.025")))
    );
    assert_eq!(
        value_from_text(&f, "0.02", Source::Csv),
        Ok(FactValue::Number(dec("0.02")))
    );
    assert_eq!(value_from_text(&f, "%", Source::Json), Err(Why::Mismatch));
    assert_eq!(value_from_text(&f, "2 %", Source::Json), Err(Why::Mismatch));
    let deep = format!("0.{}%", "1".repeat(27));
    assert_eq!(value_from_text(&f, &deep, Source::Json), Err(Why::TooManyDigits));
}

#[test]
fn counts() {
    let c = FactType::Count;
    assert_eq!(
        value_from_text(&c, "30", Source::Json),
        Ok(FactValue::Number(dec("30")))
    );
    assert_eq!(value_from_number(&c, "30.0"), Err(Why::Mismatch));
    assert_eq!(value_from_number(&c, "-3"), Err(Why::Mismatch));
    assert_eq!(value_from_int(&c, -3), Err(Why::Mismatch));
    assert_eq!(value_from_int(&c, 3), Ok(FactValue::Number(dec("3"))));
    assert_eq!(value_from_number(&c, "1e3"), Err(Why::Exponent));
    assert_eq!(
        value_from_text(&c, &"1".repeat(40), Source::Csv),
        Err(Why::TooManyDigits)
    );
}

#[test]
fn quantities_are_not_negative() {
    let q = FactType::Quantity("points".into());
    assert_eq!(value_from_number(&q, "-1.5"), Err(Why::Negative));
    assert_eq!(value_from_int(&q, -1), Err(Why::Negative));
    assert_eq!(value_from_number(&q, "1.5"), Ok(FactValue::Number(dec("1.5"))));
    assert_eq!(
        mismatch(&q, "`-1.5`", Why::Negative),
        "expected an amount of points of at least 0, found `-1.5`"
    );
}

#[test]
fn timestamps() {
    let a = timestamp("2024-08-22T10:00:00+08:00").unwrap();
    let b = timestamp("2024-08-22T02:00:00Z").unwrap();
    assert_eq!(a, b);
    let c = timestamp("2024-08-22T02:00:00.250Z").unwrap();
    assert_eq!((c - b).num_milliseconds(), 250);
    assert_eq!(timestamp("2024-08-22T10:00:00"), Err(Why::NoOffset));
    assert_eq!(timestamp("2024-08-22 10:00"), Err(Why::NoOffset));
    assert_eq!(timestamp("2024-08-22"), Err(Why::DateOnly));
    assert_eq!(timestamp("yesterday"), Err(Why::Mismatch));
    let m = mismatch(&FactType::Timestamp, "`\"2024-08-22T10:00:00\"`", Why::NoOffset);
    assert!(m.starts_with("expected a timestamp with an offset"), "{m}");
    assert!(m.contains("add the offset, e.g. +08:00"), "{m}");
}

#[test]
fn timestamp_fast_path_edges() {
    for text in [
        "2024-08-22T10:00:00+08:00",
        "2024-08-22T02:00:00Z",
        "2024-02-29T23:59:59.999999999-23:59",
        "0000-01-01T00:00:00-23:59",
        "0000-01-01T00:00:00Z",
        "0000-03-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z",
        "9999-12-31T23:59:59+23:59",
        "1970-01-01T00:00:00.5Z",
        "1969-12-31T23:59:59.000000001Z",
        "2000-02-29T12:00:00+00:00",
        "2100-03-01T00:00:00-00:00",
    ] {
        let chrono = DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).ok();
        assert!(chrono.is_some(), "{text}");
        assert_eq!(rfc3339_fast(text), chrono, "{text}");
    }
    // Left to the general parser: it reads some of these and refuses the others.
    for text in [
        "2024-08-22t10:00:00+08:00",
        "2024-08-22 10:00:00+08:00",
        "2024-08-22T10:00:00z",
        "2024-08-22T10:00:60Z",
        "2024-08-22T10:00:00.1234567891Z",
        "2024-08-22T10:00:00.Z",
        "2023-02-29T10:00:00Z",
        "2100-02-29T10:00:00Z",
        "2024-13-01T10:00:00Z",
        "2024-00-01T10:00:00Z",
        "2024-04-31T10:00:00Z",
        "2024-08-22T24:00:00Z",
        "2024-08-22T10:00:00+24:00",
        "2024-08-22T10:00:00+08:60",
        "2024-08-22T10:00:00+0800",
        "2024-08-22T10:00:00+08:00 ",
        "2024-08-22T10:00:00",
        "+2024-08-22T10:00:00Z",
        "2024-08-22T10:00:00UTC",
        // Outside years 0000 to 9999 in UTC: refused with the reason.
        "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-00:01",
    ] {
        assert_eq!(rfc3339_fast(text), None, "{text}");
    }
    use crate::time::TimestampError;
    assert_eq!(
        timestamp("0000-01-01T00:00:00+00:01"),
        Err(Why::Timestamp(TimestampError::OutOfRange))
    );
    assert_eq!(
        timestamp("2024-08-22T10:00:60Z"),
        Err(Why::Timestamp(TimestampError::LeapSecond))
    );
    // Digits beyond nanoseconds are refused, never cut to "on time".
    assert_eq!(
        timestamp("2024-08-22T23:59:59.0000000009+08:00"),
        Err(Why::Timestamp(TimestampError::BeyondNanoseconds))
    );
}

proptest::proptest! {
    /// The fast path gives exactly chrono's instant whenever it reads a
    /// text, and reads every text of its layout that chrono reads.
    #[test]
    fn timestamp_fast_path_agrees_with_chrono(
        year in 0u32..=9999,
        month in 0u32..=13,
        day in 0u32..=32,
        hour in 0u32..=25,
        minute in 0u32..=60,
        second in 0u32..=60,
        fraction in proptest::option::of("[0-9]{0,11}"),
        offset in proptest::option::of((proptest::bool::ANY, 0u32..=25, 0u32..=60)),
        junk in "(|[tTzZ ]|[0-9.:+-]{1,3})",
        junk_at in 0usize..40,
        use_junk in proptest::bool::ANY,
    ) {
        let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
        if let Some(f) = &fraction {
            text.push('.');
            text.push_str(f);
        }
        match offset {
            None => text.push('Z'),
            Some((negative, h, m)) => {
                text.push_str(&format!("{}{h:02}:{m:02}", if negative { '-' } else { '+' }));
            }
        }
        if use_junk {
            let at = junk_at.min(text.len());
            text.replace_range(at..(at + 1).min(text.len()), &junk);
        }
        let chrono = DateTime::parse_from_rfc3339(&text).map(|t| t.with_timezone(&Utc)).ok();
        match rfc3339_fast(&text) {
            Some(fast) => proptest::prop_assert_eq!(Some(fast), chrono, "{}", text),
            None => {
                // Only texts outside the fast path's layout are left to chrono.
                let plain = !use_junk
                    && second < 60
                    && fraction.as_ref().is_none_or(|f| (1..=9).contains(&f.len()));
                let in_range = chrono.and_then(crate::time::in_range).is_some();
                proptest::prop_assert!(!(plain && in_range), "{} not read", text);
            }
        }
        // Whatever the path, `timestamp` agrees with chrono, except where chrono reads a
        // leap second, cuts digits beyond nanoseconds or gives an instant out of range.
        let long_fraction = text
            .split_once('.')
            .is_some_and(|(_, rest)| rest.bytes().take_while(u8::is_ascii_digit).count() > 9);
        let expected = chrono
            .filter(|t| chrono::Timelike::nanosecond(t) < 1_000_000_000 && !long_fraction)
            .and_then(crate::time::in_range);
        proptest::prop_assert_eq!(timestamp(&text).ok(), expected);
    }
}

#[test]
fn durations() {
    assert_eq!(duration("3600"), Ok(3600));
    assert_eq!(duration("30 days"), Ok(30 * 86_400));
    assert_eq!(duration("1 hour"), Ok(3600));
    use crate::time::DurationError;
    assert_eq!(duration("30 months"), Err(Why::Duration(DurationError::NotADuration)));
    assert_eq!(duration("1.5"), Err(Why::Duration(DurationError::NotWholeSeconds)));
    assert_eq!(duration("1.5 hours"), Ok(5400));
    assert_eq!(duration("PT1H30M"), Ok(5400));
    assert_eq!(
        duration(&format!("{} weeks", "9".repeat(18))),
        Err(Why::Duration(DurationError::TooLong))
    );
    assert_eq!(
        value_from_number(&FactType::Duration, "1e3"),
        Err(Why::Duration(DurationError::Exponent))
    );
    assert_eq!(
        value_from_number(&FactType::Duration, "3600.5"),
        Err(Why::Duration(DurationError::NotWholeSeconds))
    );
    assert_eq!(value_from_int(&FactType::Duration, 60), Ok(FactValue::Seconds(60)));
}

#[test]
fn bools_enums_and_text() {
    assert_eq!(
        value_from_text(&FactType::Bool, "true", Source::Csv),
        Ok(FactValue::Bool(true))
    );
    assert_eq!(
        value_from_text(&FactType::Bool, "false", Source::Csv),
        Ok(FactValue::Bool(false))
    );
    for (text, b) in [("TRUE", true), ("False", false), ("tRUE", true), ("FALSE", false)] {
        assert_eq!(
            value_from_text(&FactType::Bool, text, Source::Csv),
            Ok(FactValue::Bool(b))
        );
        assert_eq!(value_from_text(&FactType::Bool, text, Source::Json), Err(Why::Mismatch));
    }
    for bad in ["1", "0", "yes", "", "truee", " true"] {
        assert_eq!(value_from_text(&FactType::Bool, bad, Source::Csv), Err(Why::Mismatch));
    }
    assert_eq!(
        value_from_text(&FactType::Bool, "true", Source::Json),
        Err(Why::Mismatch)
    );
    let e = FactType::Enum(vec!["a".into(), "b".into()]);
    assert_eq!(value_from_text(&e, "b", Source::Json), Ok(FactValue::Choice(1)));
    assert_eq!(value_from_text(&e, "B", Source::Json), Err(Why::Mismatch));
    assert_eq!(
        value_from_text(&FactType::Text, " x ", Source::Csv),
        Ok(FactValue::Text(" x ".into()))
    );
}

/// A reader handing out its bytes in pieces of the given sizes (in turn),
/// interrupted before every third piece, and failing at the end if asked.
struct Pieces {
    bytes: Vec<u8>,
    at: usize,
    sizes: Vec<usize>,
    reads: usize,
    fail: bool,
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reads += 1;
        if self.reads.is_multiple_of(3) {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let rest = &self.bytes[self.at..];
        if rest.is_empty() && self.fail {
            return Err(std::io::Error::other("disk on fire"));
        }
        let size = self.sizes[self.reads % self.sizes.len()].max(1);
        let n = rest.len().min(buf.len()).min(size);
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

type Lines = Vec<Result<(usize, Vec<u8>), (usize, String)>>;

/// How lines were split before blocks: one `read_until` per line.
fn reference<R: BufRead>(mut input: R) -> Lines {
    let mut out = Vec::new();
    let mut line = 0usize;
    loop {
        let mut buf = Vec::new();
        match read_line_any_end(&mut input, &mut buf) {
            Ok(0) => return out,
            Ok(_) => {
                line += 1;
                let mut start = 0;
                if line == 1 && buf.starts_with(BOM) {
                    start = BOM.len();
                }
                let mut end = buf.len();
                if buf[..end].ends_with(b"\n") {
                    end -= 1;
                }
                if buf[..end].ends_with(b"\r") {
                    end -= 1;
                }
                let bytes = buf.get(start..end).unwrap_or(&[]);
                if !bytes.iter().all(u8::is_ascii_whitespace) {
                    out.push(Ok((line, bytes.to_vec())));
                }
            }
            Err(e) => {
                out.push(Err((line + 1, format!("could not read the input: {e}"))));
                return out;
            }
        }
    }
}

/// `read_until` for a line ending at an LF, a CR or a CRLF (the line
/// end is kept in `buf`, as `read_until` keeps it).
fn read_line_any_end<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    fn peek<R: BufRead>(input: &mut R) -> std::io::Result<Option<u8>> {
        loop {
            match input.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
    loop {
        let Some(b) = peek(input)? else {
            return Ok(buf.len());
        };
        input.consume(1);
        buf.push(b);
        if b == b'\n' {
            return Ok(buf.len());
        }
        if b == b'\r' {
            if peek(input)? == Some(b'\n') {
                input.consume(1);
                buf.push(b'\n');
            }
            return Ok(buf.len());
        }
    }
}

/// Every item of `lines`, reading at most `max` per block (and checking
/// that every later block is empty).
fn split<R: Read>(mut lines: NdjsonLines<R>, max: usize) -> Lines {
    let mut block = LineBlock::default();
    let mut out = Vec::new();
    loop {
        let mut got = Vec::new();
        lines.fill(&mut block, max, |item| got.push(item));
        assert!(got.len() <= max);
        if got.is_empty() {
            for _ in 0..2 {
                lines.fill(&mut block, max, |_| panic!("an item after the end"));
            }
            return out;
        }
        for item in got {
            out.push(match item {
                Ok((line, range)) => Ok((line, block.line(range).to_vec())),
                Err(e) => {
                    assert_eq!((e.column, e.id, e.fact), (None, None, None));
                    Err((e.line, e.message))
                }
            });
        }
    }
}

#[test]
fn ndjson_lines_in_blocks() {
    let input = b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n \t\n{\"b\":2}\n\xEF\xBB\xBF\n\r\r\n{\"c\":\"\xff\"}";
    let want = vec![
        Ok((1, b"{\"a\":1}".to_vec())),
        Ok((4, b"{\"b\":2}".to_vec())),
        Ok((5, b"\xEF\xBB\xBF".to_vec())),
        Ok((8, b"{\"c\":\"\xff\"}".to_vec())),
    ];
    assert_eq!(reference(&input[..]), want);
    for max in [1, 2, 3, 100] {
        assert_eq!(split(NdjsonLines::new(&input[..]), max), want);
    }
    assert!(split(NdjsonLines::new(&b""[..]), 5).is_empty());
    assert!(split(NdjsonLines::new(&b"\n \r\n\t"[..]), 5).is_empty());
    assert_eq!(split(NdjsonLines::new(&b"\xEF\xBB\xBF"[..]), 5), vec![]);
    // A read error ends the input, in place of the line being read.
    let failing = Pieces {
        bytes: b"{}\n{}\n{\"cut".to_vec(),
        at: 0,
        sizes: vec![4],
        reads: 0,
        fail: true,
    };
    let want = vec![
        Ok((1, b"{}".to_vec())),
        Ok((2, b"{}".to_vec())),
        Err((3, "could not read the input: disk on fire".into())),
    ];
    assert_eq!(split(NdjsonLines::new(failing), 2), want);
}

#[test]
fn ndjson_lines_longer_than_a_block() {
    // Lines of all lengths up to several blocks, and many short ones.
    let mut input = Vec::new();
    for (i, len) in [5, 300_000, 1, 0, 2_000_000, 70_000, 131_072, 262_143, 262_144, 3]
        .into_iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        input.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, len));
        input.extend_from_slice(if i % 2 == 0 { b"\n" } else { b"\r\n" });
    }
    for i in 0..50_000 {
        input.extend_from_slice(format!("{{\"i\":{i}}}\n").as_bytes());
    }
    let want = reference(&input[..]);
    assert_eq!(want.len(), 27 + 50_000);
    assert_eq!(split(NdjsonLines::new(&input[..]), 2048), want);
    assert_eq!(split(NdjsonLines::new(&input[..]), 7), want);
}

proptest::proptest! {
    /// Splitting into blocks gives exactly the lines that reading line by
    /// line gave, whatever the reads' sizes, interruptions and errors.
    #[test]
    fn ndjson_lines_match_line_by_line_reading(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "{\"a\":1}", "\n", "\r\n", "\r", " ", "\t", "\u{feff}", "x", "é", "\n\n", "\u{c}",
            ]),
            0..40,
        ),
        sizes in proptest::collection::vec(1usize..20, 1..5),
        max in 1usize..6,
        fail in proptest::bool::ANY,
    ) {
        let bytes: Vec<u8> = parts.concat().into_bytes();
        let pieces = |bytes: &[u8]| Pieces {
            bytes: bytes.to_vec(),
            at: 0,
            sizes: sizes.clone(),
            reads: 0,
            fail,
        };
        let want = reference(std::io::BufReader::with_capacity(8, pieces(&bytes)));
        proptest::prop_assert_eq!(split(NdjsonLines::new(pieces(&bytes)), max), want);
    }
}

#[test]
fn values_are_clipped_in_messages() {
    assert_eq!(code("ab"), "`ab`");
    let long = "é".repeat(100);
    let shown = code(&long);
    assert_eq!(shown.chars().count(), CLIP + 3);
    assert_eq!(code_json_string("a\"b"), "`\"a\\\"b\"`");
}

#[test]
fn char_columns() {
    assert_eq!(char_column(b"abc", 0), 1);
    assert_eq!(char_column(b"abc", 2), 3);
    assert_eq!(char_column("éa".as_bytes(), 2), 2);
    assert_eq!(char_column(b"ab", 10), 3);
}

#[test]
fn display() {
    let e = RecordError {
        line: 3,
        column: None,
        id: Some("m1".into()),
        fact: Some("sales[2].gmv".into()),
        message: "missing required fact".into(),
    };
    assert_eq!(
        e.to_string(),
        "line 3, record `m1`, fact `sales[2].gmv`: missing required fact"
    );
    let f = FileError {
        line: Some(1),
        message: "bad".into(),
        help: None,
    };
    assert_eq!(f.to_string(), "line 1: bad");
}
