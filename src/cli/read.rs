//! Reading campaign and `.tests` files: never more than the size limit, whatever the file is.
//!
//! The size is checked first, from the file's metadata, so that a file over the limit is
//! refused without being read; and the read itself stops one byte past the limit, so that a
//! file that grows, or a device such as `/dev/zero` named on the command line, cannot make it
//! read (and hold) more either.

use std::io::Read;
use std::path::Path;

use crate::report::shown_path;

/// The largest campaign file read, in bytes (the parser's limit).
pub const CAMPAIGN_LIMIT: usize = crate::syntax::MAX_FILE_BYTES;
/// The largest `.tests` file read, in bytes.
pub const TESTS_LIMIT: usize = 4 << 20;

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    /// It could not be opened or read: a usage error (exit 2).
    Unreadable(String),
    /// It is over the limit or not UTF-8: a problem with the file (exit 1).
    Refused(String),
    /// It is over the limit (its size, when known from its metadata): a problem with the
    /// file (exit 1).
    TooLarge(String, Option<u64>),
}

impl ReadError {
    /// The message, without `error: `.
    pub fn message(&self) -> &str {
        match self {
            ReadError::Unreadable(m) | ReadError::Refused(m) | ReadError::TooLarge(m, _) => m,
        }
    }
}

/// Reads the UTF-8 text of `path`, at most `limit` bytes.
///
/// # Errors
///
/// When the file cannot be read, is larger than `limit` or is not UTF-8.
pub fn text(path: &Path, limit: usize) -> Result<String, ReadError> {
    let name = shown_path(path);
    let too_large = |size: Option<u64>| {
        let what = size.map_or_else(|| "larger than".to_string(), |s| format!("{s} bytes, more than"));
        ReadError::TooLarge(
            format!("`{name}` is {what} the limit of {limit} bytes for this kind of file; it was skipped"),
            size,
        )
    };
    let file = std::fs::File::open(path).map_err(|e| ReadError::Unreadable(format!("cannot read `{name}`: {e}")))?;
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > limit as u64
    {
        return Err(too_large(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    file.take(cap)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Unreadable(format!("cannot read `{name}`: {e}")))?;
    if bytes.len() > limit {
        return Err(too_large(None));
    }
    String::from_utf8(bytes).map_err(|e| {
        ReadError::Refused(format!(
            "`{name}` is not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}
