//! Reads ICE enforcement releases exactly as published and normalizes them.
//!
//! One direction of flow: [`source`] reads a file (xlsx, xls, delimited text, optionally
//! gzip) and fingerprints it; [`workbook`] and [`delimited`] turn sheets into rows of
//! cells ([`cell::RowCells`]; delimited text is streamed in chunks and split in place by
//! [`tokenize`]); [`layout`] finds the header by its known column names, the banner
//! metadata (title, FOIA number, coverage period, AOR) and the table kind; [`normalize`]
//! turns each row into canonical Arrow columns ([`schema`]) with provenance, rejecting what
//! it cannot read with a reason; [`summary`] reads a workbook's own Summary totals so
//! [`reconcile`] can compare them. Batches go to a [`BatchSink`] (the store) and a
//! [`report::ReleaseReport`] accounts for every source row.

// An ingest error is built once per failed file, never on a hot path; its location
// (file, sheet, row, column) is worth more in place than the bytes boxing would save.
#![allow(clippy::result_large_err)]

pub mod cell;
pub mod delimited;
pub mod error;
pub mod layout;
pub mod normalize;
pub mod reconcile;
pub mod report;
pub mod schema;
pub mod source;
pub mod summary;
pub mod tokenize;
pub mod workbook;

pub use error::{IngestError, Location};
pub use report::{ReleaseReport, SheetReport};
pub use source::{ReleaseFile, SourceFormat};

use arrow_array::RecordBatch;
use tally_model::TableKind;

/// Where normalized batches go. The store implements it by writing Parquet into a staging
/// directory; tests implement it by collecting batches.
pub trait BatchSink {
    /// Receives one batch of canonical rows of `table` from the data sheet at
    /// `sheet_index` (0-based among the file's data sheets), all dated in fiscal year `fy`
    /// (`None` for rows with no event date).
    fn write_batch(
        &mut self,
        table: TableKind,
        sheet_index: usize,
        fy: Option<i32>,
        batch: RecordBatch,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// Options for one ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Largest decompressed size accepted for a gzip member or workbook part, in bytes.
    pub max_decompressed_bytes: u64,
    /// Rows per Arrow batch handed to the sink.
    pub batch_rows: usize,
    /// Decompressed bytes of delimited text read at a time (records straddling two
    /// chunks are carried over whole; any size gives the same rows).
    pub text_chunk_bytes: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_decompressed_bytes: 4 << 30,
            batch_rows: 16_384,
            text_chunk_bytes: 256 * 1024,
        }
    }
}

/// Reads, normalizes and reconciles one release file, streaming batches into `sink`.
///
/// # Errors
/// An [`IngestError`] naming the file and, where known, sheet, row and column: unreadable
/// or non-spreadsheet content, an encrypted workbook, a sheet with no recognizable
/// header, a table kind Tally cannot tell, or a sink failure.
pub fn ingest_file(
    path: &std::path::Path,
    options: &IngestOptions,
    sink: &mut dyn BatchSink,
) -> Result<ReleaseReport, IngestError> {
    let file = ReleaseFile::read(path, options)?;
    ingest_release(&file, options, sink)
}

/// Normalizes and reconciles a release already read ([`ReleaseFile::read`] or
/// [`ReleaseFile::from_published`]), streaming batches into `sink`.
///
/// # Errors
/// As [`ingest_file`], but for reading the file.
pub fn ingest_release(
    file: &ReleaseFile,
    options: &IngestOptions,
    sink: &mut dyn BatchSink,
) -> Result<ReleaseReport, IngestError> {
    let mut report = match file.format {
        SourceFormat::Xlsx | SourceFormat::Xls => workbook::ingest_workbook(file, options, sink)?,
        SourceFormat::Delimited(delimiter) => {
            delimited::ingest_delimited(file, delimiter, options, sink)?
        }
    };
    reconcile::reconcile_summary(&mut report);
    Ok(report)
}
