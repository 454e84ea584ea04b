//! Errors that stop a file's ingest, with the place in the source they concern.

use std::fmt;
use std::path::PathBuf;

/// A place in a release: file, and where known sheet, 1-based row and column header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The release file.
    pub file: PathBuf,
    /// Sheet name (workbooks).
    pub sheet: Option<String>,
    /// 1-based row (workbooks) or line (text).
    pub row: Option<u64>,
    /// Column header.
    pub column: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet {sheet:?}")?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column:?}")?;
        }
        Ok(())
    }
}

/// Why a file could not be ingested. Display gives one line: location, then reason.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file could not be read (missing, unreadable).
    #[error("{at}: cannot read file: {source}")]
    Io {
        at: Location,
        source: std::io::Error,
    },
    /// A spreadsheet name on content that is no workbook, or binary content.
    #[error("{at}: not a spreadsheet: {detail}")]
    NotASpreadsheet { at: Location, detail: String },
    /// An OLE container holding an encrypted (password-protected) workbook.
    #[error(
        "{at}: encrypted (password-protected) workbook: Tally cannot read it; ask for or save an unprotected copy"
    )]
    Encrypted { at: Location },
    /// A truncated or damaged container: zip, OLE, gzip or delimited text.
    #[error("{at}: truncated or corrupt {format}: {detail}")]
    Corrupt {
        at: Location,
        format: &'static str,
        detail: String,
    },
    /// No row among the first [`crate::layout::HEADER_SCAN_ROWS`] has two known column names.
    #[error(
        "{at}: no recognizable header in the first {scanned} non-blank rows (looked for column names such as {examples})"
    )]
    NoHeader {
        at: Location,
        scanned: usize,
        examples: String,
    },
    /// A workbook of ICE's published aggregate tables (its biweekly "ICE Detention
    /// Statistics": average daily population, book-ins, facilities), not a release of
    /// records: its figures are ICE's own sums, which Tally cannot count or trace to rows.
    #[error(
        "{at}: {what}: tables of figures ICE has already summed, not records; Tally counts records (one row per arrest, detainer, stay...) and cannot ingest it. set its average daily population beside `tally population` over a headcount or detention-stints release, or its book-ins beside `tally count detention-stays`"
    )]
    Aggregates { at: Location, what: String },
    /// Neither title, sheet name, file name nor columns tell the table kind.
    #[error("{at}: cannot tell which table this is: {detail}")]
    UnknownTable { at: Location, detail: String },
    /// The table kind is known but its event-date column is absent.
    #[error("{at}: {detail}")]
    MissingColumn { at: Location, detail: String },
    /// An empty file, or a workbook without a data sheet.
    #[error("{at}: no data sheet found ({detail})")]
    NoData { at: Location, detail: String },
    /// Decompressed content over the configured limit (zip or gzip bomb).
    #[error(
        "{at}: decompressed size exceeds the limit of {limit} bytes (possible zip or gzip bomb)"
    )]
    TooLarge { at: Location, limit: u64 },
    /// The store could not take a batch.
    #[error("{at}: writing to the store failed: {detail}")]
    Sink { at: Location, detail: String },
}

impl IngestError {
    /// The location the error concerns.
    pub fn location(&self) -> &Location {
        match self {
            IngestError::Io { at, .. }
            | IngestError::NotASpreadsheet { at, .. }
            | IngestError::Encrypted { at }
            | IngestError::Corrupt { at, .. }
            | IngestError::NoHeader { at, .. }
            | IngestError::UnknownTable { at, .. }
            | IngestError::Aggregates { at, .. }
            | IngestError::MissingColumn { at, .. }
            | IngestError::NoData { at, .. }
            | IngestError::TooLarge { at, .. }
            | IngestError::Sink { at, .. } => at,
        }
    }
}
