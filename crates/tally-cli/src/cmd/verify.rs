//! `tally verify`: recompute from the Parquet files what the manifest claims.

use super::ReportFormat;
use crate::render::thousands;
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_store::{Store, verify_store};

/// Check that a store's files match its manifest; exit 1 on any mismatch.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  tally verify --store ./store\n\n\
Checks every listed file's size and SHA-256, its row count, that every row's provenance \
(release, sheet, row) points at a release and sheet in the manifest, that rows per sheet \
equal the kept count and the rejects file the rejected count, and that read = kept + rejected. \
Directories the manifest does not list (left by a crashed ingest, never read) are reported.")]
pub struct Args {
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

/// Verifies the store and prints the outcome.
///
/// # Errors
/// A missing or unreadable store or manifest.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let store = Store::open(&args.store)?;
    let report = verify_store(&store);
    if args.format == ReportFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "store {} generation {}: {} releases, {} files, {} rows",
            args.store.display(),
            report.generation,
            report.releases,
            report.files,
            thousands(report.rows)
        )?;
        for p in &report.problems {
            writeln!(
                out,
                "MISMATCH{}{}: {}",
                p.release
                    .as_deref()
                    .map(|r| format!(" release {r}"))
                    .unwrap_or_default(),
                p.path
                    .as_deref()
                    .map(|f| format!(" {f}"))
                    .unwrap_or_default(),
                p.detail
            )?;
        }
        for l in &report.leftovers {
            writeln!(
                out,
                "leftover (not in the manifest, never read; the next ingest removes it): {l}"
            )?;
        }
        writeln!(
            out,
            "{}",
            if report.ok() {
                "verified: the files match the manifest"
            } else {
                "FAILED: the store does not match its manifest"
            }
        )?;
    }
    if !report.ok() {
        crate::warn!(
            "tally: error: {} mismatch(es) between {} and its manifest",
            report.problems.len(),
            args.store.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
