//! `tally ingest`: read releases into the store, one atomic commit per file.

use crate::render::thousands;
use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;
use tally_ingest::{IngestOptions, ReleaseReport, ingest_file};
use tally_store::{ReleaseEntry, Store, StoreLock};

/// Ingest ICE releases (files or folders) into a store.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally ingest --store ./store ../shared/data/ice-lesa/national-2019-ICFO-53623/ \\\n      \"../shared/data/ice-lesa/seattle-uw-v-dhs/UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx\"\n\n\
Accepts .xlsx, .xls, .csv, .txt (pipe, comma, tab or semicolon delimited), optionally .gz. \
Folders are searched recursively for those extensions. A file already in the store (same SHA-256) \
is skipped. Each file is committed atomically: a file that fails leaves the store unchanged, \
and the others still go in; the exit status is 1 when any file failed."
)]
pub struct Args {
    /// Store directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Release files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Worker threads (default: number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

const EXTENSIONS: [&str; 9] = [
    "xlsx", "xlsm", "xls", "csv", "txt", "tsv", "psv", "dat", "gz",
];

/// Expands folders into the release files they contain, sorted by path.
///
/// # Errors
/// A path that does not exist.
pub fn expand_paths(paths: &[PathBuf]) -> Vec<Result<PathBuf, String>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found);
            found.sort();
            if found.is_empty() {
                out.push(Err(format!(
                    "{}: folder holds no release files ({})",
                    path.display(),
                    EXTENSIONS.join(", ")
                )));
            }
            out.extend(found.into_iter().map(Ok));
        } else if path.exists() {
            out.push(Ok(path.clone()));
        } else {
            out.push(Err(format!(
                "{}: cannot read file: No such file or directory",
                path.display()
            )));
        }
    }
    out
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if path.is_dir() {
            walk(&path, found);
        } else if path
            .extension()
            .map(|e| EXTENSIONS.contains(&e.to_string_lossy().to_ascii_lowercase().as_str()))
            .unwrap_or(false)
        {
            found.push(path);
        }
    }
}

/// What happened to one input.
pub enum Outcome {
    Ingested(Box<ReleaseEntry>),
    AlreadyPresent {
        path: PathBuf,
        entry: Box<ReleaseEntry>,
    },
    Failed(String),
}

fn sha256_of(path: &Path) -> Option<String> {
    use sha2::Digest;
    let bytes = std::fs::read(path).ok()?;
    Some(tally_ingest::source::hex(&sha2::Sha256::digest(&bytes)))
}

fn ingest_one(
    path: &Path,
    lock: &Mutex<StoreLock>,
    options: &IngestOptions,
    bar: &ProgressBar,
) -> Outcome {
    let root = match lock.lock() {
        Ok(l) => l.root().to_path_buf(),
        Err(_) => {
            return Outcome::Failed(format!(
                "{}: internal error: store lock poisoned",
                path.display()
            ));
        }
    };
    let Some(sha) = sha256_of(path) else {
        return Outcome::Failed(format!("{}: cannot read file", path.display()));
    };
    if let Some(entry) = Store::open_or_empty(&root)
        .ok()
        .and_then(|s| s.manifest().release_by_sha(&sha).cloned())
    {
        return Outcome::AlreadyPresent {
            path: path.to_path_buf(),
            entry: Box::new(entry),
        };
    }
    let staged = {
        let Ok(guard) = lock.lock() else {
            return Outcome::Failed("store lock poisoned".into());
        };
        guard.stage(&sha)
    };
    let mut staging = match staged {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    bar.set_message(format!("reading {}", path.display()));
    let result = ingest_file(path, options, &mut staging);
    let Ok(guard) = lock.lock() else {
        return Outcome::Failed("store lock poisoned".into());
    };
    match result {
        Err(e) => {
            guard.discard(staging);
            Outcome::Failed(e.to_string())
        }
        Ok(report) => {
            bar.set_message(format!("committing {}", path.display()));
            if let Err(e) = staging.finish(&report.rejects, &report.sha256) {
                guard.discard(staging);
                return Outcome::Failed(format!("{}: {e}", path.display()));
            }
            if let Some(existing) = Store::open_or_empty(&root)
                .ok()
                .and_then(|s| s.manifest().release_by_sha(&report.sha256).cloned())
            {
                guard.discard(staging);
                return Outcome::AlreadyPresent {
                    path: path.to_path_buf(),
                    entry: Box::new(existing),
                };
            }
            match guard.commit(staging, report) {
                Ok(entry) => Outcome::Ingested(Box::new(entry)),
                Err(e) => Outcome::Failed(format!("{}: {e}", path.display())),
            }
        }
    }
}

/// Ingests `args.paths` and prints a report per file and sheet.
///
/// # Errors
/// Only failures to take the store lock or write output; per-file failures are reported
/// and turn the exit status to 1.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let lock = Store::lock(&args.store)?;
    let lock = Mutex::new(lock);
    let inputs = expand_paths(&args.paths);
    let options = IngestOptions::default();
    let progress = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let jobs = args
        .jobs
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let outcomes: Vec<Outcome> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| match input {
                Err(message) => Outcome::Failed(message.clone()),
                Ok(path) => {
                    let bar = progress.add(ProgressBar::new_spinner().with_style(style.clone()));
                    bar.enable_steady_tick(Duration::from_millis(120));
                    let outcome = ingest_one(path, &lock, &options, &bar);
                    bar.finish_and_clear();
                    outcome
                }
            })
            .collect()
    });
    let mut failed = 0;
    for outcome in &outcomes {
        match outcome {
            Outcome::Ingested(entry) => {
                print_report(out, &entry.report)?;
                writeln!(
                    out,
                    "  committed: release {} ({} Parquet files)\n",
                    entry.id,
                    entry.files.len()
                )?;
            }
            Outcome::AlreadyPresent { path, entry } => writeln!(
                out,
                "{}: already in the store as release {} ({}, ingested {}); nothing to do\n",
                path.display(),
                entry.id,
                entry.report.file_name,
                entry.ingested_at
            )?,
            Outcome::Failed(message) => {
                failed += 1;
                eprintln!("tally: error: {message}");
            }
        }
    }
    let done = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Ingested(_)))
        .count();
    let skipped = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::AlreadyPresent { .. }))
        .count();
    writeln!(
        out,
        "{done} file(s) ingested, {skipped} already present, {failed} failed"
    )?;
    if failed > 0 {
        eprintln!(
            "tally: {failed} file(s) failed; the store holds everything else (see errors above)"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the per-file, per-sheet ingest report.
pub fn print_report(out: &mut dyn Write, report: &ReleaseReport) -> std::io::Result<()> {
    writeln!(out, "{}", report.file_name)?;
    writeln!(
        out,
        "  sha256 {}  {}{}  {} bytes",
        report.sha256,
        report.format,
        if report.gzipped { ", gzip" } else { "" },
        thousands(report.bytes)
    )?;
    if let Some(foia) = &report.foia_number {
        writeln!(out, "  FOIA request: {foia}")?;
    }
    if let Some((first, last)) = report.stated_coverage {
        writeln!(out, "  stated coverage: {first} .. {last}")?;
    }
    for sheet in &report.sheets {
        writeln!(
            out,
            "  sheet {:?}: {} table, header on row {}",
            sheet.sheet, sheet.table, sheet.header_row
        )?;
        if let Some(title) = &sheet.banner.title {
            writeln!(out, "    title: {title}")?;
        }
        writeln!(
            out,
            "    rows read {} = kept {} + rejected {}  [{}]{}",
            thousands(sheet.rows_read),
            thousands(sheet.rows_kept),
            thousands(sheet.rows_rejected),
            if sheet.balances() {
                "balanced"
            } else {
                "DOES NOT BALANCE"
            },
            if sheet.blank_rows > 0 {
                format!("; {} blank rows skipped", thousands(sheet.blank_rows))
            } else {
                String::new()
            }
        )?;
        for r in &sheet.first_rejects {
            writeln!(
                out,
                "      rejected row {}{}: {}",
                r.row,
                r.column
                    .as_deref()
                    .map(|c| format!(", column {c:?}"))
                    .unwrap_or_default(),
                r.reason
            )?;
        }
        if let (Some(first), Some(last)) = (sheet.first_date, sheet.last_date) {
            writeln!(
                out,
                "    event dates {first} .. {last}{}",
                if sheet.undated_rows > 0 {
                    format!("; {} rows undated", thousands(sheet.undated_rows))
                } else {
                    String::new()
                }
            )?;
        }
        let codes: Vec<String> = sheet
            .aors
            .iter()
            .map(|(aor, span)| format!("{aor} {}", thousands(span.rows)))
            .collect();
        writeln!(out, "    AORs: {}", codes.join(", "))?;
        if !sheet.unmapped_aors.is_empty() {
            let list: Vec<String> = sheet
                .unmapped_aors
                .iter()
                .map(|(v, n)| format!("{v:?} ({})", thousands(*n)))
                .collect();
            writeln!(
                out,
                "    UNMAPPED AOR values (not guessed; rows kept with a null aor): {}",
                list.join(", ")
            )?;
        }
        if !sheet.unknown_methods.is_empty() {
            let list: Vec<String> = sheet
                .unknown_methods
                .iter()
                .map(|(v, n)| format!("{v} ({})", thousands(*n)))
                .collect();
            writeln!(
                out,
                "    methods outside the method-group scheme (grouped as other): {}",
                list.join(", ")
            )?;
        }
        if !sheet.withheld_cells.is_empty() {
            let list: Vec<String> = sheet
                .withheld_cells
                .iter()
                .map(|(f, n)| format!("{f} {}", thousands(*n)))
                .collect();
            writeln!(
                out,
                "    withheld cells (null, exemption codes kept): {}",
                list.join(", ")
            )?;
        }
        if !sheet.unparsed_cells.is_empty() {
            let list: Vec<String> = sheet
                .unparsed_cells
                .iter()
                .map(|(f, n)| format!("{f} {}", thousands(*n)))
                .collect();
            writeln!(
                out,
                "    unreadable cells kept as raw text: {}",
                list.join(", ")
            )?;
        }
    }
    for skipped in &report.skipped_sheets {
        writeln!(
            out,
            "  sheet {:?} skipped: {}",
            skipped.sheet, skipped.reason
        )?;
    }
    if !report.notes.is_empty() {
        writeln!(
            out,
            "  release notes: {} lines kept from the footnotes sheet",
            report.notes.len()
        )?;
    }
    if !report.summary_checks.is_empty() {
        let matched = report.summary_checks.iter().filter(|c| c.matches()).count();
        writeln!(
            out,
            "  reconciliation with the workbook's Summary: {matched} of {} FY totals match",
            report.summary_checks.len()
        )?;
        for c in &report.summary_checks {
            let status = if c.matches() {
                "match".to_string()
            } else {
                format!("DIFFERS by {:+}", c.ingested - c.summary_total)
            };
            writeln!(
                out,
                "    {:<11} {:<20} summary {:>7}  ingested {:>7}  {status}   (Summary row {}; sheets {})",
                c.fy_label,
                c.column,
                thousands(c.summary_total.max(0) as u64),
                thousands(c.ingested.max(0) as u64),
                c.summary_row,
                c.sheets.join(" + ")
            )?;
        }
    }
    for u in &report.unmatched_summary {
        writeln!(
            out,
            "  Summary column {:?} of {:?} not reconciled: {}",
            u.column, u.block_title, u.reason
        )?;
    }
    Ok(())
}
