//! Verification: recompute from the Parquet files what the manifest claims.
//!
//! Checked for every release: each listed file exists with the recorded size and SHA-256;
//! its Parquet row count equals the manifest's; every row's `release_sha256` is the
//! release's own and `source_sheet` names one of its sheets of that table, with a
//! `source_row` below that sheet's header; rows per sheet equal the kept count, the
//! rejects file holds exactly the rejected rows, and read = kept + rejected per sheet;
//! each daily rollup's `rollup_rows` add up to its table file's rows.
//! Release directories the manifest does not list are reported as leftovers (a crashed
//! ingest's debris, invisible to readers and removed by the next ingest).

use crate::{Store, StoreError};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use tally_catalog::ReleaseEntry;

/// One thing that does not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Release id, when the problem concerns one.
    pub release: Option<String>,
    /// Store-relative path, when the problem concerns a file.
    pub path: Option<String>,
    /// What does not match.
    pub detail: String,
}

/// The outcome of verifying a store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Manifest generation verified.
    pub generation: u64,
    /// Releases checked.
    pub releases: usize,
    /// Files checked.
    pub files: usize,
    /// Rows found in table files.
    pub rows: u64,
    pub problems: Vec<Problem>,
    /// Release directories not listed in the manifest.
    pub leftovers: Vec<String>,
}

impl VerifyReport {
    /// True when nothing mismatched.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What a read checks of each file the manifest lists before it trusts it, for the whole
/// store at once: the file's size and, where the manifest records one, its footer's
/// SHA-256 (`DataFile::footer_sha256`). Neither its pages (each read checks their CRCs)
/// nor its rows ([`verify_store`] does). One `open` and two small reads per file, so
/// `tally status` can say a store is damaged without reading it whole. Problems come in
/// manifest order.
pub fn quick_check(store: &Store) -> Vec<Problem> {
    let manifest = store.manifest();
    let mut problems = Vec::new();
    for release in &manifest.releases {
        for file in &release.files {
            let path = store.root().join(&file.path);
            let detail = match check_size_and_footer(&path, file) {
                Ok(()) => continue,
                Err(detail) => detail,
            };
            problems.push(Problem {
                release: Some(release.id.clone()),
                path: Some(file.path.clone()),
                detail,
            });
        }
    }
    problems
}

/// [`quick_check`] of one file: what differs, in words.
fn check_size_and_footer(path: &Path, file: &tally_catalog::DataFile) -> Result<(), String> {
    let opened = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let size = opened
        .metadata()
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size != file.bytes {
        return Err(format!("size {size} bytes, manifest says {}", file.bytes));
    }
    let Some(expected) = &file.footer_sha256 else {
        return Ok(());
    };
    let footer = crate::footer::read_footer(path, &opened, size).map_err(|e| e.to_string())?;
    let sha = crate::footer::footer_sha256(&footer);
    if sha != *expected {
        return Err(format!("footer SHA-256 {sha}, manifest says {expected}"));
    }
    Ok(())
}

/// Verifies a whole store.
pub fn verify_store(store: &Store) -> VerifyReport {
    let manifest = store.manifest();
    let mut report = VerifyReport {
        generation: manifest.generation,
        releases: manifest.releases.len(),
        ..VerifyReport::default()
    };
    let mut seen = std::collections::HashSet::new();
    for release in &manifest.releases {
        if !seen.insert(release.report.sha256.clone()) {
            report.problems.push(Problem {
                release: Some(release.id.clone()),
                path: None,
                detail: "release listed twice".into(),
            });
        }
        let (rows, problems) = verify_release(store.root(), release);
        report.rows += rows;
        report.files += release.files.len();
        report.problems.extend(problems);
    }
    report.leftovers = leftovers(store);
    report
}

fn leftovers(store: &Store) -> Vec<String> {
    let known: Vec<&str> = store
        .manifest()
        .releases
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(store.root()) else {
        return out;
    };
    for dir in entries.flatten() {
        let name = dir.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !dir.path().is_dir() {
            continue;
        }
        for release in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let rname = release.file_name().to_string_lossy().into_owned();
            if let Some(id) = rname.strip_prefix("release=")
                && !known.contains(&id)
            {
                out.push(format!("{name}/{rname}"));
            }
        }
    }
    out.sort();
    out
}

/// Verifies one release's files under `root` (the store, or a staging directory before
/// commit). Returns the table rows found and the problems.
pub fn verify_release(root: &Path, release: &ReleaseEntry) -> (u64, Vec<Problem>) {
    let mut problems = Vec::new();
    let problem = |path: Option<&str>, detail: String| Problem {
        release: Some(release.id.clone()),
        path: path.map(String::from),
        detail,
    };
    let report = &release.report;
    let mut kept_by_sheet: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut rows_total = 0u64;
    let mut rejects_rows = 0u64;
    for file in &release.files {
        let path = root.join(&file.path);
        // Read in chunks, never whole: verifying a release costs what one chunk and one
        // batch of a file cost, however large the file.
        let (size, sha) = match fingerprint(&path) {
            Ok(f) => f,
            Err(e) => {
                problems.push(problem(Some(&file.path), format!("cannot read: {e}")));
                continue;
            }
        };
        if size != file.bytes {
            problems.push(problem(
                Some(&file.path),
                format!("size {size} bytes, manifest says {}", file.bytes),
            ));
        }
        if sha != file.sha256 {
            problems.push(problem(
                Some(&file.path),
                format!("SHA-256 {sha}, manifest says {}", file.sha256),
            ));
            continue;
        }
        let expected_prefix = match (file.table, &file.rollup_of) {
            (Some(t), Some(_)) => format!(
                "_rollup/release={}/{}/",
                release.id,
                file.rollup.directory(t.slug())
            ),
            (Some(t), None) => format!("{}/release={}/", t.slug(), release.id),
            (None, _) => format!("_rejects/release={}/", release.id),
        };
        if !file.path.starts_with(&expected_prefix) {
            problems.push(problem(
                Some(&file.path),
                format!("path is outside {expected_prefix}"),
            ));
        }
        if file.rollup_of.is_some() {
            problems.extend(
                verify_rollup(&path, file, release)
                    .err()
                    .map(|detail| problem(Some(&file.path), detail)),
            );
            continue;
        }
        match file.table {
            None => match parquet_rows(&path) {
                Ok(n) => {
                    rejects_rows += n;
                    if n != file.rows {
                        problems.push(problem(
                            Some(&file.path),
                            format!("{n} rows, manifest says {}", file.rows),
                        ));
                    }
                }
                Err(e) => problems.push(problem(Some(&file.path), e)),
            },
            Some(table) => match provenance_counts(&path) {
                Err(e) => problems.push(problem(Some(&file.path), e)),
                Ok(counts) => {
                    let n: u64 = counts.values().map(|(n, _)| n).sum();
                    rows_total += n;
                    if n != file.rows {
                        problems.push(problem(
                            Some(&file.path),
                            format!("{n} rows, manifest says {}", file.rows),
                        ));
                    }
                    for ((sha, sheet), (rows, min_row)) in counts {
                        if sha != report.sha256 {
                            problems.push(problem(
                                Some(&file.path),
                                format!(
                                    "{rows} rows carry release_sha256 {sha}, not this release's"
                                ),
                            ));
                        }
                        match report.sheets.iter().find(|s| s.sheet == sheet && s.table == table) {
                            None => problems.push(problem(Some(&file.path), format!("{rows} rows name sheet {sheet:?}, which this release's {table} sheets do not include"))),
                            Some(s) if min_row <= s.header_row as i64 => problems.push(problem(
                                Some(&file.path),
                                format!("source_row {min_row} of sheet {sheet:?} is not below its header (row {})", s.header_row),
                            )),
                            Some(_) => {}
                        }
                        *kept_by_sheet
                            .entry((table.slug().to_string(), sheet))
                            .or_default() += rows;
                    }
                }
            },
        }
    }
    let mut rejected_total = 0;
    for sheet in &report.sheets {
        rejected_total += sheet.rows_rejected;
        if !sheet.balances() {
            problems.push(problem(
                None,
                format!(
                    "sheet {:?}: read {} != kept {} + rejected {}",
                    sheet.sheet, sheet.rows_read, sheet.rows_kept, sheet.rows_rejected
                ),
            ));
        }
        let found = kept_by_sheet
            .get(&(sheet.table.slug().to_string(), sheet.sheet.clone()))
            .copied()
            .unwrap_or(0);
        if found != sheet.rows_kept {
            problems.push(problem(
                None,
                format!(
                    "sheet {:?}: {found} rows in the store, manifest says {} kept",
                    sheet.sheet, sheet.rows_kept
                ),
            ));
        }
    }
    if rejects_rows != rejected_total {
        problems.push(problem(
            None,
            format!("{rejects_rows} rejected rows stored, manifest says {rejected_total}"),
        ));
    }
    (rows_total, problems)
}

/// Checks a daily rollup against the table file it sums: its row count is the
/// manifest's, and its `rollup_rows` add up to the table file's rows.
fn verify_rollup(
    path: &Path,
    rollup: &tally_catalog::DataFile,
    release: &ReleaseEntry,
) -> Result<(), String> {
    let of = rollup.rollup_of.as_deref().unwrap_or_default();
    let Some(data) = release.files.iter().find(|f| f.path == of) else {
        return Err(format!("rolls up {of}, which the release does not list"));
    };
    let builder = open_parquet(path)?;
    let n = builder.metadata().file_metadata().num_rows() as u64;
    if n != rollup.rows {
        return Err(format!("{n} rows, manifest says {}", rollup.rows));
    }
    let schema = builder.parquet_schema();
    let at = (0..schema.num_columns())
        .find(|&i| schema.column(i).name() == tally_catalog::schema::ROLLUP_ROWS)
        .ok_or(format!("no column {}", tally_catalog::schema::ROLLUP_ROWS))?;
    let mask = ProjectionMask::leaves(schema, [at]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| e.to_string())?;
    let mut summed = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let rows = batch
            .column(0)
            .as_primitive_opt::<Int64Type>()
            .ok_or("rollup_rows is not Int64")?;
        summed += rows.iter().flatten().map(|n| n.max(0) as u64).sum::<u64>();
    }
    if summed != data.rows {
        return Err(format!(
            "sums {summed} rows, but {of} holds {} (the rollup no longer matches its file)",
            data.rows
        ));
    }
    Ok(())
}

/// Size and SHA-256 (hex) of a file, read in chunks.
fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        match file.read(&mut buf)? {
            0 => return Ok((size, crate::hex(&sha.finalize()))),
            n => {
                sha.update(&buf[..n]);
                size += n as u64;
            }
        }
    }
}

/// A reader of the Parquet file at `path`, reading pages from disk as asked.
fn open_parquet(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())
}

fn parquet_rows(path: &Path) -> Result<u64, String> {
    let builder = open_parquet(path)?;
    Ok(builder.metadata().file_metadata().num_rows() as u64)
}

/// (release_sha256, source_sheet) → (rows, smallest source_row).
type RowsBySheet = BTreeMap<(String, String), (u64, i64)>;

/// Rows per (release_sha256, source_sheet), with the smallest source_row of each.
fn provenance_counts(path: &Path) -> Result<RowsBySheet, String> {
    let builder = open_parquet(path)?;
    let schema = builder.parquet_schema();
    let find = |name: &str| {
        (0..schema.num_columns())
            .find(|&i| schema.column(i).name() == name)
            .ok_or(format!("no column {name}"))
    };
    let indices = vec![
        find(tally_catalog::schema::RELEASE_SHA256)?,
        find(tally_catalog::schema::SOURCE_SHEET)?,
        find(tally_catalog::schema::SOURCE_ROW)?,
    ];
    let mask = ProjectionMask::leaves(schema, indices);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| e.to_string())?;
    let mut counts: RowsBySheet = BTreeMap::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let release = crate::read::TextColumn::new(batch.column(0))?;
        let sheet = crate::read::TextColumn::new(batch.column(1))?;
        let rows = batch
            .column(2)
            .as_primitive_opt::<Int64Type>()
            .ok_or("source_row is not Int64")?;
        // Runs of rows from one (release, sheet): a file's rows come from one sheet, so a
        // batch is usually a single run and strings are built once per run, not per row.
        let n = batch.num_rows();
        let mut i = 0;
        while i < n {
            let mut min_row = rows.value(i);
            let mut j = i + 1;
            while j < n && release.same(i, j) && sheet.same(i, j) {
                min_row = min_row.min(rows.value(j));
                j += 1;
            }
            let key = (
                release.get(i).unwrap_or_default().to_string(),
                sheet.get(i).unwrap_or_default().to_string(),
            );
            let entry = counts.entry(key).or_insert((0, i64::MAX));
            entry.0 += (j - i) as u64;
            entry.1 = entry.1.min(min_row);
            i = j;
        }
    }
    Ok(counts)
}

/// Verifies a release staged but not yet committed (used by `ingest` before its commit).
///
/// # Errors
/// A [`StoreError::Invalid`] listing the problems.
pub fn verify_staged(root: &Path, release: &ReleaseEntry) -> Result<(), StoreError> {
    let (_, problems) = verify_release(root, release);
    if problems.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = problems
        .iter()
        .map(|p| {
            format!(
                "{}{}",
                p.path
                    .as_deref()
                    .map(|p| format!("{p}: "))
                    .unwrap_or_default(),
                p.detail
            )
        })
        .collect();
    Err(StoreError::Invalid(format!(
        "verification of the staged release failed: {}",
        list.join("; ")
    )))
}
