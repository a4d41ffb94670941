//! `.xlsx` workbooks in a build without the `xlsx` feature: every workbook is
//! refused with a message saying so (the full reader is `xlsx.rs`).

use chrono_tz::Tz;

use super::{FileError, InputRecord, RecordError};
use crate::program::schema::RecordSchema;

/// The records of a sheet, one item per record, in row order.
type Records<'s> = Box<dyn Iterator<Item = Result<InputRecord, RecordError>> + 's>;

/// How to read a sheet of a workbook.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SheetOptions {
    /// The sheet to read (default: the first visible worksheet).
    pub sheet: Option<String>,
    /// The zone of the sheet's date cells, which carry none.
    pub timezone: Option<Tz>,
}

/// An `.xlsx` workbook: never opened in this build.
#[derive(Debug)]
pub struct Workbook {
    _never: std::convert::Infallible,
}

impl Workbook {
    /// Refuses the workbook: this build reads none.
    ///
    /// # Errors
    ///
    /// Always.
    pub fn open(_bytes: Vec<u8>) -> Result<Workbook, FileError> {
        Err(FileError {
            line: None,
            message: "this build of campaign reads no .xlsx workbooks (it was built without the `xlsx` feature)".into(),
            help: Some("save the sheet as CSV, or build campaign with its default features".into()),
        })
    }

    /// The names of the worksheets.
    pub fn sheet_names(&self) -> Vec<String> {
        match self._never {}
    }

    /// Streams the records of a sheet.
    ///
    /// # Errors
    ///
    /// Never returns: no workbook exists in this build.
    pub fn records<'s>(
        &mut self,
        _schema: &'s RecordSchema,
        _options: &SheetOptions,
    ) -> Result<Records<'s>, FileError> {
        match self._never {}
    }

    /// [`Workbook::records`] with the ids in the column `key`.
    pub(super) fn records_keyed<'s>(
        &mut self,
        _schema: &'s RecordSchema,
        _key: &'s str,
        _options: &SheetOptions,
    ) -> Result<Records<'s>, FileError> {
        match self._never {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbooks_are_refused_saying_why() {
        let message = Workbook::open(Vec::new()).err().map(|e| e.message).unwrap_or_default();
        assert!(message.contains("without the `xlsx` feature"), "{message}");
    }
}
