//! `tally ingest`: read releases into the store, one atomic commit per file.

use crate::render::{clip, published, thousands};
use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use tally_ingest::{IngestOptions, ReleaseFile, ReleaseReport, ingest_release};
use tally_store::{ReleaseEntry, Staging, Store, StoreLock};

/// Ingest ICE releases (files or folders) into a store.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally ingest --store ./store ../shared/data/ice-lesa/national-2019-ICFO-53623/ \\\n      \"../shared/data/ice-lesa/seattle-uw-v-dhs/UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx\"\n\n\
Accepts .xlsx, .xls, .csv, .txt (pipe, comma, tab or semicolon delimited), .parquet, optionally .gz; \
and policy lists as .pdf (DHS sanctuary list), .dta (Stata) and .toml (your own lists). \
Folders are searched recursively for those extensions. A file already in the store (same SHA-256) \
is skipped. Each file is read and verified in a staging area; those that succeed are then \
committed together, atomically: a file that fails is left out, and the exit status is 1."
)]
pub struct Args {
    /// Store directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Release files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Largest decompressed size accepted per file (gzip content, or all parts of a
    /// workbook together), in MiB; larger files are refused as possible zip or gzip bombs.
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub max_decompressed_mib: u64,
    /// Worker threads, at least 1 (default: number of cores).
    #[arg(long, value_name = "N", value_parser = at_least_one_thread)]
    pub jobs: Option<usize>,
}

const EXTENSIONS: [&str; 13] = [
    "xlsx", "xlsm", "xls", "csv", "txt", "tsv", "psv", "dat", "gz", "parquet", "pdf", "dta", "toml",
];

/// The inputs of one ingest: release files (or why a named path cannot be read), and the
/// files of the named folders that were passed over, each with its reason.
pub struct Inputs {
    /// Files to ingest, or the reason a path named on the command line is unusable.
    pub files: Vec<Result<PathBuf, String>>,
    /// Files in the folders that are not releases: `(path, reason)`.
    pub skipped: Vec<(PathBuf, String)>,
}

/// `--jobs`: a whole number of threads, at least 1.
fn at_least_one_thread(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(0) => Err("an ingest needs at least 1 thread".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{value:?} is not a whole number of threads")),
    }
}

/// True for the licence, readme and notice files kept beside data in a folder
/// (`npr_sanctuary-cities_LICENSE.txt`, `README.md`): text about the data, not a release.
fn about_the_data(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let text = [".txt", ".md"].iter().any(|e| lower.ends_with(e)) || !lower.contains('.');
    let stem = lower.split('.').next().unwrap_or_default();
    text && (["license", "licence", "copying", "notice"]
        .iter()
        .any(|w| stem.contains(w))
        || stem.starts_with("readme"))
}

/// Expands folders into the release files they contain, sorted by path, noting what was
/// passed over: the store itself (when it sits inside a folder being ingested), Office
/// lock files (`~$...`, written while a workbook is open), hidden files and files of
/// other types.
pub fn expand_paths(paths: &[PathBuf], store: &Path) -> Inputs {
    let mut inputs = Inputs {
        files: Vec::new(),
        skipped: Vec::new(),
    };
    let store = std::fs::canonicalize(store).ok();
    let mut visited = std::collections::HashSet::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            let mut walker = Walker {
                store: store.as_deref(),
                visited: &mut visited,
                found: &mut found,
                skipped: &mut inputs.skipped,
            };
            walker.walk(path);
            found.sort();
            if found.is_empty() {
                inputs.files.push(Err(format!(
                    "{}: folder holds no release files ({})",
                    path.display(),
                    EXTENSIONS.join(", ")
                )));
            }
            inputs.files.extend(found.into_iter().map(Ok));
        } else if path.exists() {
            inputs.files.push(Ok(path.clone()));
        } else {
            inputs.files.push(Err(format!(
                "{}: cannot read file: No such file or directory",
                path.display()
            )));
        }
    }
    inputs.skipped.sort();
    inputs
}

/// A folder walk: each directory is entered once (a symlink back to a folder already
/// walked, a loop included, is noted and passed over), the store is never read as input.
struct Walker<'a> {
    store: Option<&'a Path>,
    visited: &'a mut std::collections::HashSet<PathBuf>,
    found: &'a mut Vec<PathBuf>,
    skipped: &'a mut Vec<(PathBuf, String)>,
}

impl Walker<'_> {
    fn walk(&mut self, dir: &Path) {
        let Ok(canonical) = std::fs::canonicalize(dir) else {
            self.skipped
                .push((dir.to_path_buf(), "cannot be read".into()));
            return;
        };
        if Some(canonical.as_path()) == self.store {
            self.skipped
                .push((dir.to_path_buf(), "the store this ingest writes to".into()));
            return;
        }
        if !self.visited.insert(canonical.clone()) {
            self.skipped.push((
                dir.to_path_buf(),
                format!(
                    "a link to the folder {}, already read (a symlink loop or a second path to it)",
                    canonical.display()
                ),
            ));
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            self.skipped
                .push((dir.to_path_buf(), "cannot be read".into()));
            return;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("~$") {
                self.skipped.push((
                    path,
                    "an Office lock file (Excel writes one beside a workbook while it is open), not a release".into(),
                ));
                continue;
            }
            if name.starts_with('.') {
                if !path.is_dir() {
                    self.skipped.push((path, "a hidden file".into()));
                }
                continue;
            }
            if !path.is_dir() && about_the_data(&name) {
                self.skipped.push((
                    path,
                    "a licence or readme beside the data, not a release (name it alone to read it)"
                        .into(),
                ));
                continue;
            }
            // A PDF list's text extraction is read with the PDF, as its cross-check.
            if let Some(stem) = name.strip_suffix("_pypdf_extracted.txt")
                && dir.join(format!("{stem}.pdf")).exists()
            {
                self.skipped.push((
                    path,
                    format!("the text extraction of {stem}.pdf, read with it as its cross-check"),
                ));
                continue;
            }
            if path.is_dir() {
                self.walk(&path);
            } else if !path.exists() {
                self.skipped
                    .push((path, "a link to nothing (its target is missing)".into()));
            } else if path
                .extension()
                .map(|e| EXTENSIONS.contains(&e.to_string_lossy().to_ascii_lowercase().as_str()))
                .unwrap_or(false)
            {
                self.found.push(path);
            } else {
                self.skipped.push((
                    path,
                    format!("not a release file type ({})", EXTENSIONS.join(", ")),
                ));
            }
        }
    }
}

/// The work a file holds, for ordering: its decompressed size when the gzip trailer states
/// it (compression ratios of releases differ by half again), else its size on disk.
fn content_size(path: &Path) -> u64 {
    use std::io::{Read, Seek, SeekFrom};
    let on_disk = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut trailer = [0u8; 4];
    let stated = std::fs::File::open(path).and_then(|mut f| {
        let mut magic = [0u8; 2];
        f.read_exact(&mut magic)?;
        if magic != [0x1F, 0x8B] || on_disk < 18 {
            return Ok(None);
        }
        f.seek(SeekFrom::End(-4))?;
        f.read_exact(&mut trailer)?;
        Ok(Some(u32::from_le_bytes(trailer) as u64))
    });
    match stated {
        Ok(Some(n)) => n.max(on_disk),
        _ => on_disk,
    }
}

/// Runs `f(0..n)` on up to `jobs` threads, each taking the next index when it is free;
/// returns `(index, result)` in no particular order.
fn parallel<T: Send>(jobs: usize, n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<(usize, T)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                return done;
            }
            done.push((i, f(i)));
        }
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..jobs.min(n.max(1))).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for worker in workers {
            match worker.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    })
}

/// SHA-256 of a file, read in chunks (nothing kept).
fn file_sha256(path: &Path) -> Result<String, String> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)
        .map_err(|e| format!("{}: cannot read file: {e}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(tally_catalog::hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) => return Err(format!("{}: cannot read file: {e}", path.display())),
        }
    }
}

/// What happened to one input before the commit.
pub enum Outcome {
    Staged(Box<(Staging, ReleaseReport)>),
    AlreadyPresent {
        path: PathBuf,
        entry: Box<ReleaseEntry>,
    },
    /// The same content as an earlier input of this run: read once, under the first name.
    Duplicate {
        path: PathBuf,
        first: PathBuf,
        sha256: String,
    },
    Failed(String),
}

/// Reads one file into its own staging directory and verifies what was written.
fn stage_one(
    path: &Path,
    expected_sha: &str,
    store: &Store,
    lock: &StoreLock,
    options: &IngestOptions,
    bar: &ProgressBar,
) -> Outcome {
    if let Some(entry) = store.manifest().release_by_sha(expected_sha) {
        return Outcome::AlreadyPresent {
            path: path.to_path_buf(),
            entry: Box::new(entry.clone()),
        };
    }
    // A gzip or delimited text file is streamed from disk, fingerprinted as it is read
    // and checked against `expected_sha` at its end, so memory stays bounded by the
    // chunks read.
    match ReleaseFile::on_disk(path, expected_sha.to_string(), options) {
        Ok(Some(file)) => return stage_file(path, file, lock, options, bar),
        Ok(None) => {}
        Err(e) => return Outcome::Failed(e.to_string()),
    }
    // The bytes ingested are the bytes fingerprinted: read once, hashed, and checked
    // against the fingerprint that decided this file is new to the run.
    let Ok(raw) = std::fs::read(path) else {
        return Outcome::Failed(format!("{}: cannot read file", path.display()));
    };
    let sha = tally_ingest::source::sha256_hex(&raw);
    if sha != expected_sha {
        return Outcome::Failed(format!(
            "{}: the file changed while this ingest was reading it; run the ingest again",
            path.display()
        ));
    }
    match ReleaseFile::from_published(path, raw, sha, options) {
        Ok(file) => stage_file(path, file, lock, options, bar),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Ingests one release file into its own staging directory and verifies what was
/// written.
fn stage_file(
    path: &Path,
    file: ReleaseFile,
    lock: &StoreLock,
    options: &IngestOptions,
    bar: &ProgressBar,
) -> Outcome {
    let mut staging = match lock.stage(&file.sha256) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    bar.set_message(format!("reading {}", path.display()));
    let ingested = match ingest_release(&file, options, &mut staging) {
        Ok(report) => file.confirm_fingerprint().map(|()| report),
        Err(e) => Err(e),
    };
    let report = match ingested {
        Ok(report) => report,
        Err(e) => {
            lock.discard(staging);
            return Outcome::Failed(e.to_string());
        }
    };
    bar.set_message(format!("verifying {}", path.display()));
    let checked = staging
        .finish(&report.rejects, &report.sha256)
        .and_then(|()| staging.verify(&report));
    match checked {
        Ok(()) => Outcome::Staged(Box::new((staging, report))),
        Err(e) => {
            lock.discard(staging);
            Outcome::Failed(format!("{}: {e}", path.display()))
        }
    }
}

/// Ingests `args.paths` and prints a report per file and sheet.
///
/// Every file is read and verified in its own staging directory; then all that succeeded
/// are committed together with one atomic manifest replacement.
///
/// # Errors
/// Failures to take the store lock, to commit (read-only store, full disk: the store is
/// left unchanged) or to write output; per-file failures are reported and turn the exit
/// status to 1.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let lock = Store::lock(&args.store)?;
    let store = Store::open_or_empty(&args.store)?;
    let Inputs {
        files: inputs,
        skipped,
    } = expand_paths(&args.paths, &args.store);
    for (path, reason) in &skipped {
        writeln!(out, "{}: skipped: {reason}", path.display())?;
    }
    let options = IngestOptions {
        max_decompressed_bytes: args.max_decompressed_mib.saturating_mul(1 << 20),
        ..IngestOptions::default()
    };
    let progress = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let jobs = args.jobs.unwrap_or_else(tally_store::cores).max(1);
    // Fingerprints first: a file named twice, or several copies of one file, is read and
    // committed once, under the first name given, and the others are noted.
    let shas: Vec<Result<String, String>> = {
        let mut hashed = parallel(jobs, inputs.len(), |i| match &inputs[i] {
            Ok(path) => file_sha256(path),
            Err(message) => Err(message.clone()),
        });
        hashed.sort_by_key(|(i, _)| *i);
        hashed.into_iter().map(|(_, h)| h).collect()
    };
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut duplicate_of: Vec<Option<usize>> = vec![None; inputs.len()];
    for (i, sha) in shas.iter().enumerate() {
        if let Ok(sha) = sha {
            match first_of.get(sha.as_str()) {
                Some(&first) => duplicate_of[i] = Some(first),
                None => {
                    first_of.insert(sha, i);
                }
            }
        }
    }
    // Largest files first, so the last file to finish is a small one; each worker takes
    // the next file in that order when it is free (longest processing time first), which
    // balances files of very different sizes across the cores.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    let sizes: Vec<u64> = inputs
        .iter()
        .map(|p| p.as_ref().map(|p| content_size(p)).unwrap_or(0))
        .collect();
    order.sort_by_key(|i| std::cmp::Reverse(sizes[*i]));
    let mut staged = parallel(jobs, order.len(), |at| {
        let i = order[at];
        let outcome = match (&inputs[i], &shas[i], duplicate_of[i]) {
            (Err(message), _, _) | (_, Err(message), _) => Outcome::Failed(message.clone()),
            (Ok(path), Ok(sha), Some(first)) => Outcome::Duplicate {
                path: path.clone(),
                first: inputs[first].clone().unwrap_or_default(),
                sha256: sha.clone(),
            },
            (Ok(path), Ok(sha), None) => {
                let bar = progress.add(ProgressBar::new_spinner().with_style(style.clone()));
                bar.enable_steady_tick(Duration::from_millis(120));
                let outcome = stage_one(path, sha, &store, &lock, &options, &bar);
                bar.finish_and_clear();
                outcome
            }
        };
        (i, outcome)
    })
    .into_iter()
    .map(|(_, done)| done)
    .collect::<Vec<_>>();
    staged.sort_by_key(|(i, _)| *i);

    let mut to_commit = Vec::new();
    let mut already_present = 0;
    let mut lines: Vec<Result<String, String>> = Vec::new();
    for (_, outcome) in staged {
        match outcome {
            Outcome::Staged(boxed) => {
                let (staging, report) = *boxed;
                lines.push(Ok(String::new()));
                to_commit.push((staging, report));
            }
            Outcome::AlreadyPresent { path, entry } => {
                already_present += 1;
                lines.push(Ok(format!(
                    "{}: already in the store as release {} ({}, ingested {}); nothing to do\n",
                    path.display(),
                    entry.id,
                    entry.report.file_name,
                    entry.ingested_at
                )))
            }
            Outcome::Duplicate {
                path,
                first,
                sha256,
            } => lines.push(Ok(format!(
                "{}: same content as {} (sha256 {}): read once, under the first name\n",
                path.display(),
                first.display(),
                &sha256[..16]
            ))),
            Outcome::Failed(message) => lines.push(Err(message)),
        }
    }
    let reports: Vec<ReleaseReport> = to_commit.iter().map(|(_, r)| r.clone()).collect();
    let committed = if to_commit.is_empty() {
        Vec::new()
    } else {
        lock.commit_all(to_commit)?
    };

    let mut reports = reports.into_iter();
    let mut failed = 0;
    for line in lines {
        match line {
            Ok(text) if text.is_empty() => {
                let Some(report) = reports.next() else {
                    continue;
                };
                print_report(out, &report)?;
                match committed.iter().find(|e| e.report.sha256 == report.sha256) {
                    Some(entry) => {
                        // Another version of the same file: which counts where both
                        // cover a day is the ingest order's choice unless told.
                        let mut versions: Vec<&str> = store
                            .manifest()
                            .releases
                            .iter()
                            .chain(&committed)
                            .filter(|r| {
                                r.report.file_name == entry.report.file_name && r.id != entry.id
                            })
                            .map(|r| r.id.as_str())
                            .collect();
                        versions.dedup();
                        if !versions.is_empty() {
                            writeln!(
                                out,
                                "  note: the store holds another release named {} (release {}): if they are two versions of one file, where they cover the same days the one ingested first counts unless `tally prefer {} --table TABLE` chooses this one; `count` says where they overlap",
                                entry.report.file_name,
                                versions.join(", release "),
                                entry.id
                            )?;
                        }
                        writeln!(
                            out,
                            "  committed: release {} ({} Parquet files and {} daily rollups, verified)\n",
                            entry.id,
                            entry.files.iter().filter(|f| f.rollup_of.is_none()).count(),
                            entry.files.iter().filter(|f| f.rollup_of.is_some()).count()
                        )?
                    }
                    None => writeln!(
                        out,
                        "  not committed: the same file appears twice in this run\n"
                    )?,
                }
            }
            Ok(text) => write!(out, "{text}")?,
            Err(message) => {
                failed += 1;
                crate::warn!("tally: error: {message}");
            }
        }
    }
    lock.finish();
    writeln!(
        out,
        "{} file(s) ingested, {already_present} already present, {failed} failed",
        committed.len()
    )?;
    if failed > 0 {
        crate::warn!(
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
            writeln!(out, "    title: {}", clip(title))?;
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
                clip(&r.reason)
            )?;
        }
        let unlisted = sheet
            .rows_rejected
            .saturating_sub(sheet.first_rejects.len() as u64);
        if unlisted > 0 {
            writeln!(
                out,
                "      and {} more rejected rows, each with its row, column and reason in the store's _rejects/release={}/ (Parquet)",
                thousands(unlisted),
                &report.sha256[..16.min(report.sha256.len())]
            )?;
        }
        for warning in &sheet.warnings {
            // Tally's own text, with the file's names already cut short.
            writeln!(out, "    WARNING: {warning}")?;
        }
        for note in &sheet.header_notes {
            let how = match note.how {
                tally_model::HeaderMatch::Truncated => "looks cut short",
                _ => "matches only after normalizing case, spaces or invisible characters",
            };
            writeln!(
                out,
                "    header {:?} read as {} ({how}; known spelling {:?})",
                note.header, note.field, note.known
            )?;
        }
        if let (Some(first), Some(last)) = (sheet.first_date, sheet.last_date) {
            writeln!(
                out,
                "    event dates {first} .. {last}{}{}",
                if sheet.undated_rows > 0 {
                    format!("; {} rows undated", thousands(sheet.undated_rows))
                } else {
                    String::new()
                },
                if sheet.event_time_rows > 0 {
                    format!("; {} with a time of day", thousands(sheet.event_time_rows))
                } else {
                    String::new()
                }
            )?;
        } else if sheet.undated_rows > 0 && !sheet.table.def().reference {
            writeln!(
                out,
                "    every row undated ({})",
                thousands(sheet.undated_rows)
            )?;
        }
        // Beside the exact rows read, every AOR's count but one small one would give that
        // one away by subtraction: with a small AOR, the list names AORs only.
        // A table with no AOR field (a list of agencies, a policy list) has no AORs to list.
        let has_aor = sheet.table.def().aor.is_some();
        if !has_aor {
            // nothing to list
        } else if sheet.table.def().counts_people
            && sheet
                .aors
                .values()
                .any(|span| span.rows > 0 && span.rows < 10)
        {
            let codes: Vec<String> = sheet
                .aors
                .iter()
                .map(|(aor, span)| {
                    if span.rows < 10 {
                        format!("{aor} (<10)")
                    } else {
                        aor.clone()
                    }
                })
                .collect();
            writeln!(
                out,
                "    AORs: {} (rows per AOR: tally count {} --by aor --release {}, which keeps small counts from being worked out)",
                codes.join(", "),
                sheet.table,
                // The release's id: its file name may be another release's too.
                report.sha256.get(..16).unwrap_or(&report.sha256)
            )?;
        } else {
            let codes: Vec<String> = sheet
                .aors
                .iter()
                .map(|(aor, span)| format!("{aor} {}", published(span.rows)))
                .collect();
            writeln!(out, "    AORs: {}", codes.join(", "))?;
        }
        if !sheet.unmapped_aors.is_empty() {
            let list: Vec<String> = sheet
                .unmapped_aors
                .iter()
                .map(|(v, n)| format!("{:?} ({})", clip(v), published(*n)))
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
                .map(|(v, n)| format!("{} ({})", clip(v), published(*n)))
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
                .map(|(f, n)| format!("{f} {}", published(*n)))
                .collect();
            writeln!(
                out,
                "    withheld cells (null, exemption codes kept): {}",
                list.join(", ")
            )?;
        }
        if !sheet.placeholder_cells.is_empty() {
            let list: Vec<String> = sheet
                .placeholder_cells
                .iter()
                .map(|(f, n)| format!("{f} {}", published(*n)))
                .collect();
            writeln!(
                out,
                "    missing-value placeholders (NA, N/A, NULL, --; stored as missing): {}",
                list.join(", ")
            )?;
        }
        for r in &sheet.respelled_cells {
            writeln!(
                out,
                "    released spelling merged (table definition): {} {:?} stored as {:?} ({} cells)",
                r.field,
                r.raw,
                r.value,
                published(r.cells)
            )?;
        }
        if !sheet.unparsed_cells.is_empty() {
            let list: Vec<String> = sheet
                .unparsed_cells
                .iter()
                .map(|(f, n)| format!("{f} {}", published(*n)))
                .collect();
            writeln!(
                out,
                "    unreadable cells kept as raw text: {}",
                list.join(", ")
            )?;
        }
    }
    let mut tables: Vec<_> = report.sheets.iter().map(|s| s.table).collect();
    tables.dedup();
    for table in tables {
        for short in tally_store::short_of_stated(report, table) {
            writeln!(out, "  WARNING: {}", short.describe())?;
        }
        for hole in tally_store::holes(report, table) {
            writeln!(out, "  WARNING: {}", hole.describe())?;
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
    if let Some((matched, all)) = report.summary_reconciled() {
        writeln!(
            out,
            "  {}reconciliation with the workbook's Summary: {matched} of {all} FY totals match",
            if matched < all { "WARNING: " } else { "" }
        )?;
        let removal_sheets: Vec<&str> = report
            .sheets
            .iter()
            .filter(|s| s.table.def().recorded_fy_from_sheet_blocks)
            .map(|s| s.sheet.as_str())
            .collect();
        if report.summary_checks.iter().any(|c| {
            c.sheets
                .iter()
                .any(|s| removal_sheets.contains(&s.as_str()))
        }) {
            writeln!(
                out,
                "    (removals are compared by the FY in which ICE recorded them, read from the sheets' FY blocks; \
                 `tally count removals --by fy` dates each removal by its removal or departed date instead)"
            )?;
        }
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
            "  WARNING: Summary column {:?} of {:?} ({} FY totals, {} rows) not reconciled: {} (is a sheet missing from this copy of the workbook?)",
            u.column,
            u.block_title,
            u.figures,
            thousands(u.rows.max(0) as u64),
            u.reason
        )?;
    }
    Ok(())
}
