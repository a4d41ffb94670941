//! Parquet and Arrow fact files in a build without the `arrow` feature:
//! every such file is refused with a message saying so (the full reader is
//! `columnar/`).

use std::path::Path;

use chrono_tz::Tz;

use super::{FileError, Format, ReadOptions, RecordJob};
use crate::program::schema::RecordSchema;

/// The records of a columnar input, in row order, as jobs that read them.
pub type Jobs<'s> = Box<dyn Iterator<Item = (RecordJob, usize)> + 's>;

/// A columnar input opened: never, in this build.
pub struct Columnar<'s> {
    /// The records, as jobs.
    pub jobs: Jobs<'s>,
    /// The warnings found opening the input.
    pub warnings: Vec<String>,
}

impl<'s> Columnar<'s> {
    /// The records, one item per row.
    pub fn into_records(self) -> super::Records<'s> {
        Box::new(self.jobs.flat_map(|(job, _)| job()))
    }
}

impl std::fmt::Debug for Columnar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Columnar").finish_non_exhaustive()
    }
}

/// Refuses the file: this build reads no columnar files.
///
/// # Errors
///
/// Always.
pub fn open_columnar<'s>(
    _schema: &'s RecordSchema,
    _format: Format,
    _path: &Path,
    _options: &ReadOptions,
    _zone: Option<Tz>,
) -> Result<Columnar<'s>, FileError> {
    Err(refusal())
}

/// Refuses the input: this build reads no columnar files.
///
/// # Errors
///
/// Always.
pub fn open_columnar_bytes<'s>(
    _schema: &'s RecordSchema,
    _format: Format,
    _bytes: Vec<u8>,
    _options: &ReadOptions,
    _zone: Option<Tz>,
) -> Result<Columnar<'s>, FileError> {
    Err(refusal())
}

fn refusal() -> FileError {
    FileError {
        line: None,
        message: "this build of campaign reads no Parquet or Arrow files (it was built without the `parquet` feature)"
            .into(),
        help: Some("export the facts as NDJSON, or build campaign with its default features".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columnar_files_are_refused_saying_why() {
        let schema = RecordSchema::default();
        let message = open_columnar_bytes(&schema, Format::Parquet, Vec::new(), &ReadOptions::default(), None)
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(message.contains("without the `parquet` feature"), "{message}");
    }
}
