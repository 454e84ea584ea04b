//! What an ingest found, per release and per sheet: the accounting that proves nothing
//! was lost (rows read = kept + rejected), coverage, header mappings and warnings, and
//! reconciliation results. These are the types the manifest stores; fields added later
//! carry serde defaults so manifests written before them still read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tally_model::{HeaderMatch, TableKind};

/// What a release column becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// A canonical field of the sheet's table (by column name), via the column crosswalk.
    Field(String),
    /// The date part of a field another column of the sheet holds in full (DDP's
    /// `apprehension_date` beside `apprehension_date_time`): checked against it, and kept
    /// in `extra_columns` where it disagrees.
    DatePartOf(String),
    /// A column Tally does not know: kept under its header in `extra_columns`.
    Extra(String),
    /// A column with a blank header; non-blank values are kept as extras named `column N`.
    Unnamed(usize),
}

/// The banner rows ICE puts above a table, and what they state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Banner {
    /// Non-blank banner lines, top to bottom.
    pub lines: Vec<String>,
    /// The last banner line: the table title ("ERO Administrative Arrests for FY2016").
    pub title: Option<String>,
    /// A FOIA request number such as `2019-ICFO-53623`, when a line states one.
    pub foia_number: Option<String>,
    /// Coverage period the title states: "(10/1/2018 - 8/31/2019)", "through 6/26/2025",
    /// "for FY2016", "FY2012 - FY2019 YTD". Where the title gives only one end (a
    /// "through" date, a year to date), the other is the sheet's first or last event date.
    pub coverage: Option<(NaiveDate, NaiveDate)>,
    /// The period as the title states it, before the ends it leaves open are filled from
    /// the sheet's rows (ingest only).
    #[serde(skip)]
    pub stated_period: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// The AOR named in the title ("... for the Seattle Area of Responsibility").
    pub aor_name: Option<String>,
}

/// A header mapped to a field only after normalizing it: the ingest report names both so
/// a reader can check the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderNote {
    /// The header as the release wrote it.
    pub header: String,
    /// The field it was mapped to.
    pub field: String,
    /// How it matched (normalized or truncated).
    pub how: HeaderMatch,
    /// The crosswalk spelling it matched.
    pub known: String,
}

/// One stacked table of a workbook's Summary sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryBlock {
    /// Title row above the block.
    pub title: String,
    /// Column names after "Fiscal Year".
    pub columns: Vec<String>,
    /// `(FY label, FY, 1-based row, value per column)`.
    pub rows: Vec<(String, i32, u64, Vec<Option<i64>>)>,
}

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
    /// Cells holding a missing-value placeholder (`NA`, `N/A`, `NULL`, `--`), per field:
    /// stored as null and counted as `(blank)`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub placeholder_cells: BTreeMap<String, u64>,
    /// Cells released in a spelling the table definition lists for another value
    /// (`Warrant Service Office`), stored as that value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub respelled_cells: Vec<Respelling>,
    /// The raw ICE workbooks a processed release's rows point back to (DDP's
    /// `file_original`), distinct, when the sheet has that column: releases that share one
    /// are cuts of the same records, counted once by record (see the precedence rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub original_files: Vec<String>,
    /// Kept rows dated outside the period the banner states (before its first or after
    /// its last day): counted, but on days the release does not claim to cover.
    #[serde(default)]
    pub rows_outside_stated: u64,
    /// Kept rows per event date: how full each day is, from which the partial last days of
    /// a release are told ([`crate::partial`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rows_by_day: BTreeMap<NaiveDate, u64>,
    /// Per categorical field (up to 300 distinct values), each value's first and last
    /// event date and rows, by first date: where one value stops and another starts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value_spans: BTreeMap<String, Vec<ValueSpan>>,
    /// Kept rows whose event cell gave a time of day (0: the sheet's events carry dates
    /// only, so no hour can be counted).
    #[serde(default)]
    pub event_time_rows: u64,
    /// Headers mapped to fields only after normalizing (case, spaces, invisible
    /// characters) or as cut-short spellings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_notes: Vec<HeaderNote>,
    /// What a reader of this sheet's numbers must know: a missing AOR, event-date or
    /// method column, date parts that disagree with their full column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The fields that name one place a record belongs to: a sheet whose every row names the
/// same one ([`SheetReport::one_place`]) is an extract of that place's records. Not the
/// landmark: it is as often an office, program or area label ("CHI GENERAL AREA,
/// NON-SPECIFIC") as a place, so one landmark throughout says no release is one place's.
pub const PLACE_FIELDS: [&str; 2] = ["detention_facility_code", "detention_facility"];

impl SheetReport {
    /// The place every kept row names, where all (two or more) name the same one in one
    /// of [`PLACE_FIELDS`]: (field, value). Such a sheet is an extract of one place's
    /// records (DDP's St. Cloud detainers: 22 rows, one facility, one lift reason) and
    /// covers no AOR: taken to cover St. Paul's AOR, it printed 0 for the eight days
    /// between two of its rows. `None` for a reference table, a table without AORs, or
    /// rows naming several places or none.
    pub fn one_place(&self) -> Option<(&'static str, &str)> {
        let def = self.table.def();
        if def.reference || def.aor.is_none() || self.rows_kept < 2 {
            return None;
        }
        PLACE_FIELDS.iter().find_map(|&field| {
            match self.value_spans.get(field).map(Vec::as_slice) {
                Some([only]) if only.rows == self.rows_kept => Some((field, only.value.as_str())),
                _ => None,
            }
        })
    }

    /// The field a column role names, if any.
    pub fn has_field(&self, field: &str) -> bool {
        self.columns
            .iter()
            .any(|(_, role)| matches!(role, ColumnRole::Field(f) if f == field))
    }

    /// The accounting identity every sheet must satisfy.
    pub fn balances(&self) -> bool {
        self.rows_read == self.rows_kept + self.rows_rejected
    }
}

/// When one value of a field is in use in a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueSpan {
    pub value: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub rows: u64,
}

/// A sheet that holds no table (cover sheets, empty sheets) and why it was passed over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedSheet {
    /// Sheet name.
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
    /// Why it was not matched.
    pub reason: String,
    /// The FY figures the column prints (each one a total not reconciled).
    #[serde(default)]
    pub figures: u64,
    /// Their sum: the rows the Summary says the workbook holds that no data sheet gives.
    #[serde(default)]
    pub rows: i64,
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
    pub summary_blocks: Vec<SummaryBlock>,
}

impl ReleaseReport {
    /// The state (postal code) every kept row of `table` names in the table's event-state
    /// field (`TableDef::event_state`: an arrest's apprehension state), where every one
    /// names the same: the release is an extract of that state's rows (the Deportation
    /// Data Project's Washington-state arrests), and covers only the AORs lying wholly
    /// within it ([`tally_model::aor_territory::lies_within`]). `None` where a row names
    /// another state or none, or the field was not released.
    pub fn extract_state(&self, table: TableKind) -> Option<&'static str> {
        let def = table.def();
        let field = &def.fields[def.event_state?].name;
        let mut state: Option<&'static str> = None;
        for sheet in self.sheets.iter().filter(|s| s.table == table) {
            let spans = sheet.value_spans.get(field)?;
            let rows: u64 = spans.iter().map(|v| v.rows).sum();
            if rows == 0 || rows != sheet.rows_kept {
                return None;
            }
            for span in spans {
                let postal = tally_model::states::state(&span.value)?.postal.as_str();
                match state {
                    Some(s) if s != postal => return None,
                    _ => state = Some(postal),
                }
            }
        }
        state
    }

    /// For one state's extract ([`ReleaseReport::extract_state`]): its state, and the AORs
    /// it holds rows of whose territory reaches beyond that state (so that its rows of
    /// them are that state's part), by code with their states (`("SEA", "AK OR WA")`),
    /// sorted. `None` for a release that is no such extract.
    pub fn extract_beyond(
        &self,
        table: TableKind,
    ) -> Option<(&'static str, Vec<(String, String)>)> {
        let state = self.extract_state(table)?;
        let mut beyond: Vec<(String, String)> = self
            .sheets
            .iter()
            .filter(|s| s.table == table)
            .flat_map(|s| s.aors.keys())
            .filter(|aor| !tally_model::aor_territory::lies_within(aor, state))
            .filter_map(|aor| {
                let states = tally_model::aor_territory::states_of(aor)?;
                (!states.is_empty()).then(|| (aor.clone(), states.join(" ")))
            })
            .collect();
        beyond.sort();
        beyond.dedup();
        Some((state, beyond))
    }

    /// How the workbook's Summary reconciles with the rows ingested: `(figures that
    /// match, figures in all)`, counting each FY figure of a Summary column no data sheet
    /// matches as one that does not (a sheet missing from a copy of the workbook must
    /// not leave "24 of 24 match"). `None` when the release has no Summary.
    pub fn summary_reconciled(&self) -> Option<(usize, usize)> {
        let unmatched: u64 = self
            .unmatched_summary
            .iter()
            .map(|u| u.figures.max(1))
            .sum();
        let all = self.summary_checks.len() + unmatched as usize;
        (all > 0).then(|| {
            (
                self.summary_checks.iter().filter(|c| c.matches()).count(),
                all,
            )
        })
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

/// Cells of one field released in one listed spelling and stored as the value it stands
/// for (the table definition's `[[field.spelling]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Respelling {
    /// Field name.
    pub field: String,
    /// The text as released.
    pub raw: String,
    /// The value stored.
    pub value: String,
    /// Kept cells so spelled.
    pub cells: u64,
}
