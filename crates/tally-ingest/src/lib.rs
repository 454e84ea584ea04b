//! Reads ICE enforcement releases exactly as published and normalizes them.
//!
//! One direction of flow: [`source`] reads a file (xlsx, xls, delimited text, Parquet,
//! PDF, Stata, a TOML policy list; optionally gzip) and fingerprints it; [`workbook`],
//! [`delimited`] and [`parquet_source`] turn sheets into rows of cells ([`cell::RowCells`];
//! delimited text is streamed in chunks and split in place by [`tokenize`]), and
//! [`pdf_list`], [`stata`] and [`policy_toml`] turn the other sources into
//! [`records::RecordSheet`]s of such rows; [`layout`] finds the header by its known
//! column names, the banner metadata (title, FOIA number, coverage period, AOR), the table
//! kind and each column's field from the table definitions; [`normalize`] turns each row
//! into the table's Arrow columns (`tally_catalog::schema`) with provenance, rejecting what
//! it cannot read with a reason; [`summary`] reads a workbook's own Summary totals so
//! [`reconcile`] can compare them. Batches go to a [`BatchSink`] (the store) and a
//! [`ReleaseReport`] accounts for every source row.

// An ingest error is built once per failed file, never on a hot path; its location
// (file, sheet, row, column) is worth more in place than the bytes boxing would save.
#![allow(clippy::result_large_err)]

pub mod cell;
pub mod delimited;
pub mod error;
pub mod layout;
pub mod normalize;
pub mod parquet_source;
pub mod pdf_list;
pub mod policy_toml;
pub mod reconcile;
pub mod records;
pub mod source;
pub mod stata;
pub mod summary;
pub mod tokenize;
pub mod workbook;

pub use error::{IngestError, Location};
pub use source::{ReleaseFile, SourceFormat};
pub use tally_catalog::{BatchSink, ReleaseReport, SheetReport};

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
        SourceFormat::Parquet => parquet_source::ingest_parquet(file, options, sink)?,
        SourceFormat::Pdf => {
            records::ingest_records(file, pdf_list::read_pdf_list(file)?, options, sink)?
        }
        SourceFormat::Stata => {
            records::ingest_records(file, stata::read_stata(file)?, options, sink)?
        }
        SourceFormat::Toml => {
            records::ingest_records(file, policy_toml::read_policy_list(file)?, options, sink)?
        }
    };
    reconcile::reconcile_summary(&mut report);
    Ok(report)
}
