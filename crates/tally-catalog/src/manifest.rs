//! The manifest: every release in the store, its ingest report and its files.
//!
//! Versions: 1 (one Arrow schema shared by every table; sheet reports without header
//! notes, warnings or event times) and 2 (one schema per table, from the table
//! definitions). A version-1 manifest reads as version 2 with those report fields empty;
//! its Parquet files are read by column name, a column a file lacks reading as null.
//! Version 3 adds each table file's daily rollup (`_rollup/`, [`DataFile::rollup_of`]);
//! releases committed before it have none, and their rows are counted one by one.
//! Version 4 adds a second kind of rollup, by citizenship ([`DataFile::rollup`]); a
//! version-3 rollup is a daily one, and releases committed before version 4 have no
//! rollup by citizenship (counts by it read their rows).

use crate::report::ReleaseReport;
use crate::schema::Rollup;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tally_model::TableKind;

/// Manifest format written by this version.
pub const FORMAT_VERSION: u32 = 4;

/// A manifest that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    /// The file cannot be read.
    Io {
        /// The manifest's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    #[error("{path}: manifest is unreadable: {detail}")]
    /// Malformed, or written by a newer Tally.
    Bad {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// One Parquet file of the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// Path relative to the store root, `/`-separated.
    pub path: String,
    /// Table, or `None` for the rejects file.
    pub table: Option<TableKind>,
    /// Fiscal year partition (`None` = rows without an event date, or rejects).
    pub fy: Option<i32>,
    /// Rows in the file.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// SHA-256 of the file's Parquet footer: its last `8 + n` bytes (the Thrift
    /// `FileMetaData`, `n` bytes, then `n` as a little-endian u32 and `PAR1`; Parquet
    /// format spec, "File format"). Checked by every read of the file, where its pages
    /// carry their own CRC32 and the footer (column offsets, statistics, the list of
    /// all-null columns) none. Written since 2026-12-04 for table and rejects files;
    /// `None` in older stores and for rollups, which are read and hashed whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_sha256: Option<String>,
    /// For a rollup (`_rollup/...`, [`crate::schema::Rollup::schema`]): the path of the
    /// table file whose rows it sums. `None` for table files and rejects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup_of: Option<String>,
    /// For a rollup, its kind (unnamed in the manifest for the daily one, the only kind
    /// of format 3); meaningless for other files.
    #[serde(default, skip_serializing_if = "Rollup::is_daily")]
    pub rollup: Rollup,
}

impl DataFile {
    /// True when the file holds `table`'s rows one by one (not its rollup).
    pub fn holds_rows_of(&self, table: TableKind) -> bool {
        self.table == Some(table) && self.rollup_of.is_none()
    }
}

/// A release in the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseEntry {
    /// First 16 hex digits of the file's SHA-256; the `release=` partition value.
    pub id: String,
    /// Order of ingest, from 1.
    pub sequence: u64,
    /// UTC time of the commit, RFC 3339.
    pub ingested_at: String,
    /// The ingest report of the release.
    pub report: ReleaseReport,
    /// Its Parquet files.
    pub files: Vec<DataFile>,
}

/// An AOR's rows in a sheet that states no period are incidental when they average fewer
/// than one a week over their span (4 Chicago rows over a year in a Washington-state
/// extract), or are fewer than one in a thousand of the sheet's rows (a stray row or two
/// of another AOR; the smallest real AOR holds about one in a hundred of a national
/// release): the sheet is not taken to cover that AOR, which would print zeros for its
/// other days. Their rows still count.
pub fn is_incidental(span: &crate::AorSpan, sheet_rows: u64) -> bool {
    let sparse = match (span.first, span.last) {
        (Some(first), Some(last)) => {
            let days = (last - first).num_days() + 1;
            (span.rows as i64) * 7 < days
        }
        _ => false,
    };
    sparse || span.rows * 1000 < sheet_rows
}

/// Days a release covers, per (table part, AOR key): see [`ReleaseEntry::coverage`].
pub type CoverageSpans =
    std::collections::BTreeMap<(Option<String>, String), (chrono::NaiveDate, chrono::NaiveDate)>;

impl ReleaseEntry {
    /// The days this release covers for each AOR it holds, per table part.
    ///
    /// One definition, used by precedence, `status`, `compare-releases`, counts and
    /// operations: a sheet covers, for every AOR it has rows for, the period its banner
    /// states ("(10/1/2018 - 8/31/2019)", "for FY2016"), or, when it states none, the days
    /// from that AOR's first to its last event date in the sheet. An AOR with no events on
    /// some day inside that span is covered (it had none), not missing. Rows dated outside
    /// a stated period (a few stragglers after it) are kept and counted but do not extend
    /// it: the sheet report counts them (`rows_outside_stated`). Where no period is
    /// stated, an AOR with few rows ([`is_incidental`]: a state's extract holding a few rows
    /// of other AORs) is taken to cover nothing; its rows still count. (An extract of one
    /// state's rows, [`ReleaseReport::extract_state`], covers its AORs' days here, but
    /// holds only that state's part of an AOR reaching beyond it: counts say so. An
    /// extract of one place's records, [`crate::SheetReport::one_place`], covers nothing.)
    /// Where the rows stop
    /// far short of the stated period ([`crate::short`]: a file cut short), the period is
    /// cut to the days the rows reach. AOR keys are codes, or
    /// `(blank)` / `(unmapped)` for rows without a usable AOR (which belong to the release
    /// as a whole).
    pub fn coverage(&self, table: TableKind) -> CoverageSpans {
        let mut out = CoverageSpans::new();
        let short = crate::short::short_of_stated(&self.report, table);
        // An extract of one place's records covers none of its AORs (its rows still count).
        for sheet in self
            .report
            .sheets
            .iter()
            .filter(|s| s.table == table && s.one_place().is_none())
        {
            for (aor, span) in &sheet.aors {
                if sheet.banner.coverage.is_none() && is_incidental(span, sheet.rows_kept) {
                    continue;
                }
                let (first, last) = match sheet.banner.coverage {
                    Some(stated) => {
                        let cut = short.iter().find(|s| s.part == sheet.part);
                        let (first, last) = cut.map_or(stated, |c| {
                            (stated.0.max(c.covered.0), stated.1.min(c.covered.1))
                        });
                        (Some(first), Some(last))
                    }
                    None => (span.first, span.last),
                };
                let (Some(first), Some(last)) = (first, last) else {
                    continue;
                };
                let e = out
                    .entry((sheet.part.clone(), aor.clone()))
                    .or_insert((first, last));
                e.0 = e.0.min(first);
                e.1 = e.1.max(last);
            }
        }
        out
    }

    /// The days this release's rows or its banner touch, per (part, AOR): its coverage
    /// widened to rows dated outside the stated period. Precedence decides on these, so
    /// that a straggler row outside every release's stated period is still counted once.
    pub fn extent(&self, table: TableKind) -> CoverageSpans {
        let mut out = self.coverage(table);
        for sheet in self.report.sheets.iter().filter(|s| s.table == table) {
            for (aor, span) in &sheet.aors {
                if let (Some(first), Some(last)) = (span.first, span.last) {
                    let e = out
                        .entry((sheet.part.clone(), aor.clone()))
                        .or_insert((first, last));
                    e.0 = e.0.min(first);
                    e.1 = e.1.max(last);
                }
            }
        }
        out
    }

    /// The partial days at the end of what this release covers of `table`, per part
    /// (`None`: the whole table), told from its rows per day by
    /// [`crate::partial::partial_tail`], and the day a release cut short was cut on
    /// ([`crate::partial::cut_day`]). Empty for releases ingested before rows per day were
    /// recorded.
    pub fn partial_days(
        &self,
        table: TableKind,
    ) -> Vec<(Option<String>, crate::partial::PartialDay)> {
        // Per part: rows per day over its sheets, and the days its AORs are covered.
        type DaysAndSpan = (
            std::collections::BTreeMap<chrono::NaiveDate, u64>,
            Option<(chrono::NaiveDate, chrono::NaiveDate)>,
        );
        let mut by_part: std::collections::BTreeMap<Option<String>, DaysAndSpan> =
            std::collections::BTreeMap::new();
        for sheet in self.report.sheets.iter().filter(|s| s.table == table) {
            let part = self.effective_part(table, sheet.part.as_deref());
            let entry = by_part.entry(part).or_default();
            for (day, n) in &sheet.rows_by_day {
                *entry.0.entry(*day).or_default() += n;
            }
        }
        for ((part, _aor), (first, last)) in self.coverage(table) {
            let part = self.effective_part(table, part.as_deref());
            if let Some(entry) = by_part.get_mut(&part) {
                let span = entry.1.get_or_insert((first, last));
                span.0 = span.0.min(first);
                span.1 = span.1.max(last);
            }
        }
        // Parts whose rows stop far short of their stated period: the last day of rows is
        // the day the cut fell on.
        let cut: Vec<(Option<String>, chrono::NaiveDate)> =
            crate::short::short_of_stated(&self.report, table)
                .into_iter()
                .filter(|c| c.covered.1 < c.stated.1)
                .map(|c| (self.effective_part(table, c.part.as_deref()), c.rows_span.1))
                .collect();
        let mut out = Vec::new();
        for (part, (rows, span)) in by_part {
            if let (false, Some((first, last))) = (rows.is_empty(), span) {
                let mut days = crate::partial::partial_tail(&rows, first, last);
                for (_, day) in cut.iter().filter(|(p, _)| *p == part) {
                    if !days.iter().any(|d| d.date == *day) {
                        days.push(crate::partial::cut_day(&rows, *day));
                    }
                }
                days.sort_by_key(|d| d.date);
                for day in days {
                    out.push((part.clone(), day));
                }
            }
        }
        out
    }

    /// True when the release holds every part its table's definition names (the
    /// LESA-STU workbook's expedited and other removals): it holds the whole table.
    pub fn holds_whole(&self, table: TableKind) -> bool {
        let parts = &table.def().parts;
        !parts.is_empty()
            && parts.iter().all(|p| {
                self.report
                    .sheets
                    .iter()
                    .any(|s| s.table == table && s.part.as_deref() == Some(p.name.as_str()))
            })
    }

    /// The part a sheet's rows count as: `None` (the whole table) for every sheet of a
    /// release that holds all parts, else the sheet's own part.
    pub fn effective_part(&self, table: TableKind, part: Option<&str>) -> Option<String> {
        if self.holds_whole(table) {
            None
        } else {
            part.map(String::from)
        }
    }

    /// The rollup of kind `kind` of `file` (one of this release's table files), if it
    /// has one.
    pub fn rollup_of(&self, file: &DataFile, kind: Rollup) -> Option<&DataFile> {
        self.files
            .iter()
            .find(|f| f.rollup_of.as_deref() == Some(file.path.as_str()) && f.rollup == kind)
    }

    /// Tables this release holds.
    pub fn tables(&self) -> Vec<TableKind> {
        let mut t: Vec<TableKind> = self.report.sheets.iter().map(|s| s.table).collect();
        t.sort();
        t.dedup();
        t
    }
}

/// A user's choice of release for overlapping days (`tally prefer`), kept in the manifest:
/// where the release overlaps others for this table (and AOR, and days, when given), it
/// counts and they do not, whatever the default rule says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    /// Id of the preferred release.
    pub release: String,
    /// Table the choice applies to.
    pub table: TableKind,
    /// AOR code it is limited to (`None`: every AOR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aor: Option<String>,
    /// First day it applies to (`None`: from the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<chrono::NaiveDate>,
    /// Last day it applies to (`None`: to the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<chrono::NaiveDate>,
    /// UTC time it was set, RFC 3339.
    pub set_at: String,
}

impl Preference {
    /// True when the choice covers `aor` (a code) and the days `first..=last` meet its range.
    pub fn applies(&self, table: TableKind, aor: &str) -> bool {
        self.table == table && self.aor.as_deref().is_none_or(|a| a == aor)
    }
}

/// A release as outputs name it: `file_name`, or, where another release of the store
/// has the same file name (`shared`), `file_name (release id)`, so that a revision
/// republished under its first version's name is told apart from it in groups, notes
/// and status alike.
pub fn release_label(file_name: &str, id: &str, shared: bool) -> String {
    if shared {
        format!("{file_name} (release {id})")
    } else {
        file_name.to_string()
    }
}

/// The whole manifest (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `tally-store`.
    pub format: String,
    /// Layout version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Incremented by every commit.
    pub generation: u64,
    /// Releases in ingest order.
    pub releases: Vec<ReleaseEntry>,
    /// Choices of release for overlapping days (`tally prefer`), later ones first in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<Preference>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            format: "tally-store".into(),
            format_version: FORMAT_VERSION,
            generation: 0,
            releases: Vec::new(),
            preferences: Vec::new(),
        }
    }
}

impl Manifest {
    /// Reads a manifest file.
    ///
    /// # Errors
    /// I/O errors and malformed or newer-format manifests.
    pub fn read(path: &Path) -> Result<Manifest, ManifestError> {
        let text = std::fs::read(path).map_err(|source| ManifestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| ManifestError::Bad {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        if manifest.format_version > FORMAT_VERSION {
            return Err(ManifestError::Bad {
                path: path.to_path_buf(),
                detail: format!(
                    "format version {} is newer than this Tally ({FORMAT_VERSION})",
                    manifest.format_version
                ),
            });
        }
        Ok(manifest)
    }

    /// The release with this SHA-256, if present.
    pub fn release_by_sha(&self, sha256: &str) -> Option<&ReleaseEntry> {
        self.releases.iter().find(|r| r.report.sha256 == sha256)
    }

    /// How every output names `release` ([`release_label`]): its file name, with its id
    /// where another release of this store has the same file name (a revision
    /// republished under its first version's name).
    pub fn release_label(&self, release: &ReleaseEntry) -> String {
        let shared = self
            .releases
            .iter()
            .any(|r| r.id != release.id && r.report.file_name == release.report.file_name);
        release_label(&release.report.file_name, &release.id, shared)
    }

    /// Releases matching a selector: a release id or SHA-256 prefix (at least 6 hex
    /// digits), a file name (every release of that name), a release's label as outputs
    /// print it ([`Manifest::release_label`]), or the end of exactly one file name after
    /// a separator (`participatingAgencies-20251231.xlsx` selects
    /// `ice_287g_participatingAgencies-20251231.xlsx`).
    pub fn select(&self, selector: &str) -> Vec<&ReleaseEntry> {
        let s = selector.trim();
        let exact: Vec<&ReleaseEntry> = self
            .releases
            .iter()
            .filter(|r| {
                r.report.file_name == s
                    || release_label(&r.report.file_name, &r.id, true) == s
                    || (s.len() >= 6 && r.report.sha256.starts_with(&s.to_ascii_lowercase()))
            })
            .collect();
        if !exact.is_empty() || s.len() < 6 {
            return exact;
        }
        // Files are often kept under a prefix of the keeper's own
        // (`ice_287g_participatingAgencies-20251231.xlsx` for ICE's
        // `participatingAgencies-20251231.xlsx`): the name as published selects the file
        // when exactly one stored name ends with it after a separator.
        let tail: Vec<&ReleaseEntry> = self
            .releases
            .iter()
            .filter(|r| {
                r.report
                    .file_name
                    .strip_suffix(s)
                    .is_some_and(|head| head.ends_with(['_', '-', ' ', '.']))
            })
            .collect();
        let mut names: Vec<&str> = tail.iter().map(|r| r.report.file_name.as_str()).collect();
        names.dedup();
        if names.len() == 1 { tail } else { Vec::new() }
    }
}
