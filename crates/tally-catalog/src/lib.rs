//! Tally's catalog: the versioned types a store records and the Arrow schema of each
//! table. It sits below both ingest (which fills the reports and writes batches of these
//! schemas into a [`BatchSink`]) and the store (which keeps them in `manifest.json` and
//! Parquet), so neither reaches into the other.

pub mod holes;
pub mod manifest;
pub mod partial;
pub mod report;
pub mod schema;
pub mod short;
pub mod vocabulary;

pub use manifest::{
    CoverageSpans, DataFile, Manifest, ManifestError, Preference, ReleaseEntry, release_label,
};
pub use report::{
    AorSpan, Banner, ColumnRole, HeaderNote, RejectedRow, ReleaseReport, Respelling, SheetReport,
    SkippedSheet, SummaryBlock, SummaryCheck, UnmatchedSummary, ValueSpan,
};

use arrow_array::RecordBatch;

/// Where normalized batches go. The store implements it by writing Parquet into a staging
/// directory; tests implement it by collecting batches.
pub trait BatchSink {
    /// Receives one batch of canonical rows of `table` (of schema
    /// [`schema::table_schema`]) from the data sheet at `sheet_index` (0-based among the
    /// file's data sheets), all dated in fiscal year `fy` (`None` for rows with no event
    /// date).
    ///
    /// # Errors
    /// Whatever stops the sink (a full disk, a closed store), boxed.
    fn write_batch(
        &mut self,
        table: tally_model::TableKind,
        sheet_index: usize,
        fy: Option<i32>,
        batch: RecordBatch,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The short release id used in partition paths: the first 16 hex digits of its SHA-256.
pub fn release_id(sha256: &str) -> String {
    sha256.chars().take(16).collect()
}
