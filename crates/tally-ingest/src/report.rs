//! What an ingest found, per release and per sheet: the accounting that proves nothing
//! was lost (rows read = kept + rejected), coverage, and reconciliation results.

use crate::layout::{Banner, ColumnRole};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tally_model::TableKind;

/// A source row Tally could not keep, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedRow {
    /// Sheet name, or the file name for text.
    pub sheet: String,
    /// 1-based row (xlsx) or line (text) in the source.
    pub row: u64,
    /// Header of the offending column, when one cell is to blame.
    pub column: Option<String>,
    /// Why the row was rejected.
    pub reason: String,
    /// The row's cells joined by ` | `, so the record survives in the store.
    pub values: String,
}

/// Rows of one AOR in one sheet and the days they span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AorSpan {
    /// First event date.
    pub first: Option<NaiveDate>,
    /// Last event date.
    pub last: Option<NaiveDate>,
    /// Kept rows.
    pub rows: u64,
}

/// Everything learned from one data sheet (or the single table of a text file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetReport {
    /// Sheet name, or the file name for delimited text.
    pub sheet: String,
    /// The table the sheet holds.
    pub table: TableKind,
    /// The part of the table this sheet holds when it is not the whole table, e.g.
    /// `expedited` or `other` removals (see `TableKind::part`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// 1-based row (xlsx) or line (text) of the header.
    pub header_row: u64,
    /// The banner rows above the header and what they state.
    pub banner: Banner,
    /// Release headers and what each became.
    pub columns: Vec<(String, ColumnRole)>,
    /// Non-blank rows below the header.
    pub rows_read: u64,
    /// Rows normalized into the store.
    pub rows_kept: u64,
    /// Rows rejected, with reasons (`_rejects/`).
    pub rows_rejected: u64,
    /// Fully blank rows below the header, skipped (not records).
    pub blank_rows: u64,
    /// The first few rejects (all of them are written to the store's `_rejects` dataset).
    pub first_rejects: Vec<RejectedRow>,
    /// First event date among kept rows.
    pub first_date: Option<NaiveDate>,
    /// Last event date among kept rows.
    pub last_date: Option<NaiveDate>,
    /// Kept rows with no event date.
    pub undated_rows: u64,
    /// Kept rows per fiscal year of the event date.
    pub rows_by_fy: BTreeMap<i32, u64>,
    /// Removals only: kept rows per FY in which ICE recorded the removal, inferred from the
    /// sheet's FY blocks (see `normalize::RecordedFyRuns`). Empty for other tables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rows_by_recorded_fy: BTreeMap<i32, u64>,
    /// Kept rows and date span per AOR code; `(blank)` for rows with no AOR.
    pub aors: BTreeMap<String, AorSpan>,
    /// AOR values the crosswalk does not know, with row counts (their rows have a null `aor`).
    pub unmapped_aors: BTreeMap<String, u64>,
    /// Apprehension methods not in the method-group scheme (grouped as `other`).
    pub unknown_methods: BTreeMap<String, u64>,
    /// Withheld cells per field or extra column.
    pub withheld_cells: BTreeMap<String, u64>,
    /// Cells that could not be parsed as their field's type, per field (kept as raw text
    /// in `unparsed_values`).
    pub unparsed_cells: BTreeMap<String, u64>,
}

impl SheetReport {
    /// The accounting identity every sheet must satisfy.
    pub fn balances(&self) -> bool {
        self.rows_read == self.rows_kept + self.rows_rejected
    }
}

/// A sheet that holds no table (cover sheets, empty sheets) and why it was passed over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedSheet {
    pub sheet: String,
    /// Why it was not reconciled.
    pub reason: String,
}

/// One FY total from a workbook's Summary sheet compared with the rows ingested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryCheck {
    /// Title of the Summary block ("... ERO Administrative Arrests for the Seattle ...").
    pub block_title: String,
    /// Summary column compared ("Total", "Expedited Removals", ...).
    pub column: String,
    /// Fiscal-year label as printed ("FY2019 YTD").
    pub fy_label: String,
    /// Fiscal year.
    pub fy: i32,
    /// 1-based Summary row.
    pub summary_row: u64,
    /// The figure printed on the Summary sheet.
    pub summary_total: i64,
    /// Data sheets whose kept rows were counted.
    pub sheets: Vec<String>,
    /// Kept rows of those sheets in that FY.
    pub ingested: i64,
}

impl SummaryCheck {
    /// True when the Summary figure equals the rows ingested.
    pub fn matches(&self) -> bool {
        self.summary_total == self.ingested
    }
}

/// A Summary figure that could not be matched to any data sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnmatchedSummary {
    /// Title of the Summary block.
    pub block_title: String,
    /// Summary column.
    pub column: String,
    pub reason: String,
}

/// Everything learned from one release file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseReport {
    /// File name as published.
    pub file_name: String,
    /// Path the file was read from.
    pub source_path: String,
    /// SHA-256 of the file as published.
    pub sha256: String,
    /// Size of the file as published.
    pub bytes: u64,
    /// Container format as detected from the content.
    pub format: String,
    /// True when the file was gzip-compressed.
    pub gzipped: bool,
    /// FOIA request number stated in any banner.
    pub foia_number: Option<String>,
    /// Coverage period stated in a banner title (first and last day).
    pub stated_coverage: Option<(NaiveDate, NaiveDate)>,
    /// Text of the Footnotes sheet, one entry per non-blank line.
    pub notes: Vec<String>,
    /// One report per data sheet.
    pub sheets: Vec<SheetReport>,
    /// Sheets that hold no table.
    pub skipped_sheets: Vec<SkippedSheet>,
    /// Summary figures compared with the rows ingested.
    pub summary_checks: Vec<SummaryCheck>,
    /// Summary figures no data sheet matched.
    pub unmatched_summary: Vec<UnmatchedSummary>,
    /// Every rejected row of every sheet.
    #[serde(skip)]
    pub rejects: Vec<RejectedRow>,
    /// Summary blocks as read, before reconciliation.
    #[serde(skip)]
    pub summary_blocks: Vec<crate::summary::SummaryBlock>,
}

impl ReleaseReport {
    /// An empty report for a file, before any sheet is read.
    pub fn for_file(file: &crate::source::ReleaseFile) -> ReleaseReport {
        ReleaseReport {
            file_name: file.file_name.clone(),
            source_path: file.path.display().to_string(),
            sha256: file.sha256.clone(),
            bytes: file.bytes,
            format: file.format.describe(),
            gzipped: file.gzipped,
            foia_number: None,
            stated_coverage: None,
            notes: Vec::new(),
            sheets: Vec::new(),
            skipped_sheets: Vec::new(),
            summary_checks: Vec::new(),
            unmatched_summary: Vec::new(),
            rejects: Vec::new(),
            summary_blocks: Vec::new(),
        }
    }

    /// Rows read over all sheets.
    pub fn rows_read(&self) -> u64 {
        self.sheets.iter().map(|s| s.rows_read).sum()
    }
    /// Rows kept over all sheets.
    pub fn rows_kept(&self) -> u64 {
        self.sheets.iter().map(|s| s.rows_kept).sum()
    }
    /// Rows rejected over all sheets.
    pub fn rows_rejected(&self) -> u64 {
        self.sheets.iter().map(|s| s.rows_rejected).sum()
    }
}
