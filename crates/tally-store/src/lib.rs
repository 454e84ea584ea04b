//! Tally's store: Parquet datasets plus a manifest of releases.
//!
//! Layout under the store directory (hive-style, so DuckDB, pandas/pyarrow and Spark read
//! it directly):
//!
//! ```text
//! manifest.json                                    releases, reports, files (the truth)
//! <table>/release=<id>/fy=<FY>/part-<sheet>.parquet   canonical rows (id = first 16 hex of sha256)
//! <table>/release=<id>/fy=__HIVE_DEFAULT_PARTITION__/  rows with no event date
//! _rejects/release=<id>/part-0.parquet             rejected source rows with reasons
//! _rollup/release=<id>/<table>/fy=<FY>/part-<sheet>.parquet   each table file's daily rollup
//! .tally.lock                                      held by the one ingest writing
//! .staging/                                        work in progress; never read
//! ```
//!
//! Readers trust only `manifest.json`: a file is part of the store when the manifest lists
//! it. An ingest writes everything under `.staging/`, moves the release directories into
//! place, then replaces the manifest with one atomic rename; until that rename, readers
//! see the old store, and if the process dies first the next ingest removes the leftovers.

pub mod cache;
pub mod cancel;
pub mod commit;
pub mod footer;
pub mod memo;
pub mod read;
mod rollup;
pub mod staging;
pub mod verify;

pub use commit::{Store, StoreLock};

/// The threads a scan or sort may use: the cores this process may run on, at least 1.
///
/// Asked of the system once per process. `std::thread::available_parallelism` reads the
/// cgroup's CPU quota from `/proc` and `/sys` on every call, which was a thirtieth of a
/// served count over the rollups (`perf`, 2026-12-03); the quota does not change while a
/// process runs.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
pub use memo::Memo;
pub use read::{SecondsColumn, StoredColumn, TableScan, TextColumn, stored_columns};
pub use staging::Staging;
pub use tally_catalog::holes::{Hole, holes, without_holes};
pub use tally_catalog::manifest::is_incidental;
pub use tally_catalog::short::{ShortOfStated, short_of_stated};
pub use tally_catalog::{CoverageSpans, DataFile, Manifest, Preference, ReleaseEntry, release_id};
pub use verify::{Problem, VerifyReport, verify_store};

use std::path::PathBuf;

/// Store failures, each naming the path concerned.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no Tally store at {} ({})", .0.display(), if .0.is_file() { "it is a file: --store names the folder a store lives in".to_string() } else { format!("run `tally ingest --store {} FILES...` first", .0.display()) })]
    /// The directory has no manifest.
    NotAStore(PathBuf),
    #[error("{path}: {source}")]
    /// A file-system error on a path.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: manifest is unreadable: {detail}")]
    /// The manifest cannot be parsed or is from a newer Tally.
    BadManifest { path: PathBuf, detail: String },
    #[error("{path}: Parquet error: {detail}")]
    /// A Parquet file cannot be read or written.
    Parquet { path: PathBuf, detail: String },
    #[error(
        "the store at {0} is locked by another ingest; wait for it to finish (lock file {0}/.tally.lock)"
    )]
    /// Another ingest holds the lock.
    Locked(PathBuf),
    #[error("stopped: the read was no longer waited for (a server request past its time limit)")]
    /// A [`cancel::StopFlag`] the read watched was raised.
    Stopped,
    #[error("{0}")]
    /// Anything else, with its reason.
    Invalid(String),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}

pub use tally_catalog::hex;

impl From<tally_catalog::ManifestError> for StoreError {
    fn from(e: tally_catalog::ManifestError) -> StoreError {
        match e {
            tally_catalog::ManifestError::Io { path, source } => StoreError::Io { path, source },
            tally_catalog::ManifestError::Bad { path, detail } => {
                StoreError::BadManifest { path, detail }
            }
        }
    }
}
