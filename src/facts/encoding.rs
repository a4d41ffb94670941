//! The text encoding of a fact file.
//!
//! Fact files are read as UTF-8. Other encodings are read only when named
//! (`--encoding gb18030`, any WHATWG label) or when the file says so itself
//! with a UTF-16 byte order mark, which is unambiguous: then it is decoded
//! and a note says so ([`Opened::note`]). A file that is not UTF-8 and names
//! no encoding is refused with the encoding it most likely has
//! ("this file is not UTF-8; it reads as GB18030: pass --encoding gb18030"):
//! guessing silently could read other characters than were written.

use std::io::{Cursor, Read};

use encoding_rs::{DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE};

use super::FileError;

/// How many bytes at the start of a file are looked at to tell its encoding.
const SAMPLE: usize = 64 << 10;

/// The encoding to read a fact file in: named, or told from the file.
#[derive(Debug, Clone, Copy)]
pub struct Decoding {
    named: Option<&'static Encoding>,
}

/// A fact file opened for reading as UTF-8.
pub struct Opened<'r> {
    /// The file's bytes, as UTF-8.
    pub reader: Box<dyn Read + 'r>,
    /// What was decided about the encoding, for a note on stderr (`None`
    /// when the file is read as the UTF-8 it is).
    pub note: Option<String>,
}

impl Decoding {
    /// UTF-8, or the encoding of a UTF-16 byte order mark.
    pub fn detect() -> Decoding {
        Decoding { named: None }
    }

    /// The encoding named by `label` (a WHATWG label such as `gb18030`,
    /// `gbk`, `utf-16le`, `shift_jis`, `windows-1252`, in any case).
    ///
    /// # Errors
    ///
    /// A message when no encoding has that label.
    pub fn named(label: &str) -> Result<Decoding, String> {
        match Encoding::for_label_no_replacement(label.trim().as_bytes()) {
            Some(encoding) => Ok(Decoding { named: Some(encoding) }),
            None => Err(format!(
                "{} is not an encoding\n  help: name one as browsers do, e.g. `utf-8`, `gb18030`, `gbk`, `big5`, `shift_jis`, `euc-kr`, `utf-16le`, `windows-1252`",
                super::code(label)
            )),
        }
    }

    /// Opens `input` for reading as UTF-8.
    ///
    /// # Errors
    ///
    /// A [`FileError`] when no encoding was named and the start of the file
    /// is not UTF-8 (naming the encoding it reads as, when one fits), or
    /// when it cannot be read.
    pub fn open<'r, R: Read + 'r>(self, mut input: R) -> Result<Opened<'r>, FileError> {
        let mut head = Vec::with_capacity(SAMPLE);
        (&mut input)
            .take(SAMPLE as u64)
            .read_to_end(&mut head)
            .map_err(|e| FileError {
                line: None,
                message: format!("could not read the input: {e}"),
                help: None,
            })?;
        let bom = Encoding::for_bom(&head).map(|(encoding, _)| encoding);
        let whole = Cursor::new(head).chain(input);
        let (encoding, note) = match (self.named, bom) {
            (Some(named), _) => (named, None),
            (None, Some(utf16)) if utf16 != UTF_8 => (
                utf16,
                Some(format!(
                    "the file starts with a {} byte order mark: it is read as {}",
                    utf16.name(),
                    utf16.name()
                )),
            ),
            (None, _) => {
                let head = whole.get_ref().0.get_ref();
                if let Some(likely) = not_utf8(head) {
                    return Err(likely);
                }
                (UTF_8, None)
            }
        };
        if encoding == UTF_8 {
            // Read as it is: the readers check UTF-8 where they need text.
            return Ok(Opened {
                reader: Box::new(whole),
                note,
            });
        }
        Ok(Opened {
            reader: Box::new(Decoder::new(whole, encoding)),
            note,
        })
    }
}

/// When `head` (the start of a file) is not UTF-8: the error, naming the
/// encoding it most likely is in.
fn not_utf8(head: &[u8]) -> Option<FileError> {
    // NUL bytes are valid UTF-8 but never in a fact file: UTF-16 text
    // without a byte order mark has one in every other byte.
    if let Some(utf16) = likely_utf16(head) {
        return Some(FileError {
            line: None,
            message: format!(
                "this file is not UTF-8: it reads as {} without a byte order mark",
                utf16.name()
            ),
            help: Some(format!(
                "pass --encoding {}, or save the file as UTF-8",
                utf16.name().to_ascii_lowercase()
            )),
        });
    }
    let error = match std::str::from_utf8(head) {
        Ok(_) => return None,
        // A character cut at the end of the sample.
        Err(e) if e.error_len().is_none() => return None,
        Err(e) => e,
    };
    // A stray byte on one line of a UTF-8 file spoils that record only (the
    // reader says so); a file is taken for another encoding when its lines
    // are not UTF-8 throughout: two lines or more, or most of them.
    let lines = head
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let (mut bad, mut all) = (0usize, 0usize);
    for line in lines {
        all += 1;
        if std::str::from_utf8(line).is_err_and(|e| e.error_len().is_some()) {
            bad += 1;
        }
    }
    if bad < 2 && bad * 2 <= all {
        return None;
    }
    let at = error.valid_up_to();
    let likely = likely_encoding(head);
    let help = match likely {
        Some(encoding) => format!(
            "it reads as {}: pass --encoding {}, or save the file as UTF-8",
            encoding.name(),
            encoding.name().to_ascii_lowercase()
        ),
        None => "save the file as UTF-8, or name its encoding with --encoding".into(),
    };
    Some(FileError {
        line: Some(
            head.get(..at)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1,
        ),
        message: format!(
            "this file is not UTF-8 (byte {} is not part of a UTF-8 character)",
            at + 1
        ),
        help: Some(help),
    })
}

/// The encoding `head` most likely is in: UTF-16 when every other byte is
/// mostly zero, else the first of the encodings spreadsheets commonly write
/// that decodes it without error.
fn likely_encoding(head: &[u8]) -> Option<&'static Encoding> {
    if let Some(utf16) = likely_utf16(head) {
        return Some(utf16);
    }
    [
        encoding_rs::GB18030,
        encoding_rs::BIG5,
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_KR,
        encoding_rs::WINDOWS_1252,
    ]
    .into_iter()
    .find(|encoding| decodes(encoding, head))
}

/// UTF-16 (little or big endian) when most bytes at odd (even) offsets are zero.
fn likely_utf16(head: &[u8]) -> Option<&'static Encoding> {
    if !head.contains(&0) {
        return None;
    }
    let zeros_at = |parity: usize| head.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let pairs = head.len() / 2;
    if zeros_at(1) * 2 > pairs {
        Some(UTF_16LE)
    } else if zeros_at(0) * 2 > pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Whether `head` decodes in `encoding` without error (a character cut at
/// the end is no error).
fn decodes(encoding: &'static Encoding, head: &[u8]) -> bool {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(decoder.max_utf8_buffer_length(head.len()).unwrap_or(head.len() * 3));
    let (result, _) = decoder.decode_to_string_without_replacement(head, &mut out, false);
    matches!(result, DecoderResult::InputEmpty)
}

/// Reads `inner` in another encoding as UTF-8. A byte sequence the encoding
/// does not have is an I/O error (never a replacement character).
struct Decoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static Encoding,
    input: Vec<u8>,
    /// The bytes of `input` not decoded yet.
    start: usize,
    end: usize,
    /// The decoded bytes, and how many were handed out.
    output: Vec<u8>,
    given: usize,
    /// How many input bytes were decoded before `input`.
    offset: u64,
    eof: bool,
    finished: bool,
}

impl<R: Read> Decoder<R> {
    const CHUNK: usize = 32 << 10;

    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Decoder {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            encoding,
            input: vec![0; Self::CHUNK],
            start: 0,
            end: 0,
            output: Vec::with_capacity(Self::CHUNK * 3),
            given: 0,
            offset: 0,
            eof: false,
            finished: false,
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(pending) = self.output.get(self.given..)
                && !pending.is_empty()
            {
                let n = pending.len().min(buf.len());
                if let (Some(to), Some(from)) = (buf.get_mut(..n), pending.get(..n)) {
                    to.copy_from_slice(from);
                }
                self.given += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.eof {
                self.offset += self.end as u64;
                self.start = 0;
                self.end = 0;
                match self.inner.read(&mut self.input) {
                    Ok(0) => self.eof = true,
                    Ok(n) => self.end = n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            }
            let src = self.input.get(self.start..self.end).unwrap_or_default();
            self.output.clear();
            self.output.resize(Self::CHUNK * 3 + 16, 0);
            self.given = 0;
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(src, &mut self.output, self.eof);
            self.output.truncate(written);
            self.start += read;
            match result {
                DecoderResult::InputEmpty => self.finished = self.eof,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, after) => {
                    if written > 0 {
                        // Hand out what was decoded first; the error comes next time.
                        self.start -= usize::from(bad) + usize::from(after);
                        self.decoder = self.encoding.new_decoder_without_bom_handling();
                        continue;
                    }
                    let at = self.offset + (self.start as u64) - u64::from(bad) - u64::from(after);
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("byte {} is not valid {}", at + 1, self.encoding.name()),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test stops at its first surprise")]
mod tests {
    use super::*;

    fn read_all(decoding: Decoding, bytes: &[u8]) -> Result<(String, Option<String>), String> {
        let opened = decoding
            .open(bytes)
            .map_err(|e| format!("{} / {:?}", e.message, e.help))?;
        let mut out = String::new();
        let mut reader = opened.reader;
        reader.read_to_string(&mut out).map_err(|e| e.to_string())?;
        Ok((out, opened.note))
    }

    #[test]
    fn utf8_passes_through() {
        let (text, note) = read_all(Decoding::detect(), "\u{feff}id,备注\n".as_bytes()).unwrap();
        assert_eq!(text, "\u{feff}id,备注\n");
        assert_eq!(note, None);
    }

    #[test]
    fn utf16_with_a_bom_is_decoded_and_said() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "{\"id\":\"备\"}\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, note) = read_all(Decoding::detect(), &bytes).unwrap();
        assert_eq!(text, "{\"id\":\"备\"}\n");
        assert_eq!(
            note.unwrap(),
            "the file starts with a UTF-16LE byte order mark: it is read as UTF-16LE"
        );
    }

    #[test]
    fn gb18030_is_named_not_guessed() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("id,gmv,备注\na,1,中文\n");
        let e = read_all(Decoding::detect(), &bytes).unwrap_err();
        assert!(e.starts_with("this file is not UTF-8 (byte 8 "), "{e}");
        assert!(e.contains("it reads as gb18030: pass --encoding gb18030"), "{e}");
        let (text, note) = read_all(Decoding::named("GBK").unwrap(), &bytes).unwrap();
        assert_eq!(text, "id,gmv,备注\na,1,中文\n");
        assert_eq!(note, None);
        assert!(Decoding::named("klingon").is_err());
    }

    #[test]
    fn one_stray_byte_is_left_to_the_reader() {
        let bytes = b"{\"id\":\"a\"}\n{\"id\":\"caf\xe9\"}\n{\"id\":\"c\"}\n";
        let opened = Decoding::detect().open(&bytes[..]).unwrap();
        assert_eq!(opened.note, None);
        let two = b"{\"id\":\"\xe9\"}\n{\"id\":\"\xe9\"}\n{\"id\":\"c\"}\n{\"id\":\"d\"}\n{\"id\":\"e\"}\n";
        assert!(Decoding::detect().open(&two[..]).is_err());
    }

    #[test]
    fn utf16_without_a_bom_is_recognised() {
        let bytes: Vec<u8> = "{\"id\":\"a\"}\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let e = read_all(Decoding::detect(), &bytes).unwrap_err();
        assert!(
            e.starts_with("this file is not UTF-8: it reads as UTF-16LE without a byte order mark"),
            "{e}"
        );
        assert!(e.contains("pass --encoding utf-16le"), "{e}");
    }

    #[test]
    fn a_malformed_byte_in_a_named_encoding_is_an_error() {
        let mut bytes = Vec::new();
        for _ in 0..20_000 {
            bytes.extend_from_slice(b"abc");
        }
        bytes.push(0xFF);
        let e = read_all(Decoding::named("gb18030").unwrap(), &bytes).unwrap_err();
        assert_eq!(e, "byte 60001 is not valid gb18030");
    }
}
