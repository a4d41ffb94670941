//! Parquet results in a build without the `parquet` feature: refused with a
//! message saying so (the full writer is `parquet.rs`).

use std::io::Write;

use crate::batch::Row;
use crate::program::Program;

/// Parquet results: never written in this build.
#[derive(Debug)]
pub struct ParquetResults<'p, W: Write + Send> {
    _never: std::convert::Infallible,
    _program: std::marker::PhantomData<(&'p Program, W)>,
}

impl<'p, W: Write + Send> ParquetResults<'p, W> {
    /// Refuses: this build writes no Parquet.
    ///
    /// # Errors
    ///
    /// Always.
    pub fn new(_program: &'p Program, _out: W) -> std::io::Result<Self> {
        Err(std::io::Error::other(
            "this build of campaign writes no Parquet (it was built without the `parquet` feature)",
        ))
    }

    /// Never called: no writer exists in this build.
    ///
    /// # Errors
    ///
    /// Never returns.
    pub fn row(&mut self, _row: &Row) -> std::io::Result<()> {
        match self._never {}
    }

    /// Never called: no writer exists in this build.
    ///
    /// # Errors
    ///
    /// Never returns.
    pub fn finish(self) -> std::io::Result<W> {
        match self._never {}
    }
}
