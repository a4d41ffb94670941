//! Arrow IPC files (`.arrow`, the "Feather v2" file format): record batches
//! read in turn, only the columns of declared facts (and `id`).

use std::io::{Read, Seek};

use arrow_ipc::reader::FileReader;
use arrow_schema::Schema;

use super::super::FileError;
use super::job::PartInfo;
use super::{Part, Setup, arrow_message, columns};

/// Opens the Arrow IPC file that `open` opens (once to read its schema, once
/// to read its columns), named `name` in messages.
///
/// # Errors
///
/// When it is not an Arrow IPC file, or its columns cannot be read as the
/// campaign's facts (see [`Setup::check`]).
pub(super) fn open<R, F>(open: F, name: String, setup: &Setup<'_>) -> Result<Part, FileError>
where
    R: Read + Seek + 'static,
    F: Fn() -> std::io::Result<R>,
{
    let refused = |e: &dyn std::fmt::Display| FileError {
        line: None,
        message: format!("`{name}` is not an Arrow IPC file that can be read: {e}"),
        help: Some("write it as an Arrow IPC file (Feather v2); an Arrow stream (.arrows) is not read".into()),
    };
    let input = open().map_err(|e| refused(&e))?;
    let whole = FileReader::try_new_buffered(input, None).map_err(|e| refused(&arrow_message(&e)))?;
    let schema = whole.schema();
    let matched = setup.check(&schema)?;
    let wanted = projection(&schema, setup);
    let input = open().map_err(|e| refused(&e))?;
    let batches = FileReader::try_new_buffered(input, Some(wanted)).map_err(|e| refused(&arrow_message(&e)))?;
    setup.warn_later(matched.warnings);
    Ok(Part {
        info: PartInfo {
            name,
            unit: "record batch",
            groups: None,
            undeclared: matched.undeclared,
        },
        batches: Box::new(batches),
    })
}

/// The indices of the columns read: `id` and the facts' columns.
fn projection(schema: &Schema, setup: &Setup<'_>) -> Vec<usize> {
    schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, field)| columns::declares(setup.schema, field.name(), true))
        .map(|(i, _)| i)
        .collect()
}
