//! Opening a store, the writer lock, and the atomic commit of a staged release.

use crate::staging::Staging;
use crate::{StoreError, release_id};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use tally_catalog::ReleaseReport;
use tally_catalog::{Manifest, ReleaseEntry};

const MANIFEST: &str = "manifest.json";
const LOCK: &str = ".tally.lock";
const STAGING: &str = ".staging";

/// A store opened for reading: its root and the manifest as of opening. Later commits by
/// other processes are not seen until it is opened again, so a reader always works on one
/// whole manifest.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    manifest: std::sync::Arc<Manifest>,
    /// What readers derived from this manifest, kept while the read cache keeps it.
    kept: Option<std::sync::Arc<crate::memo::Kept>>,
}

/// The exclusive writer lock of a store; released on drop.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
    root: PathBuf,
}

impl Store {
    /// Opens an existing store.
    ///
    /// # Errors
    /// [`StoreError::NotAStore`] when `root` has no manifest; unreadable manifests.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        let path = root.join(MANIFEST);
        if !path.exists() {
            return Err(StoreError::NotAStore(root.to_path_buf()));
        }
        let read =
            crate::cache::manifest(&path, || Manifest::read(&path)).map_err(StoreError::from)?;
        Ok(Store {
            root: root.to_path_buf(),
            manifest: read.manifest,
            kept: read.kept,
        })
    }

    /// Opens a store, or an empty one when the directory has no manifest yet (nothing is
    /// written until the first commit).
    pub fn open_or_empty(root: &Path) -> Result<Store, StoreError> {
        match Store::open(root) {
            Err(StoreError::NotAStore(_)) => Ok(Store {
                root: root.to_path_buf(),
                manifest: std::sync::Arc::new(Manifest::default()),
                kept: None,
            }),
            other => other,
        }
    }

    /// The store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The manifest as read when the store was opened.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Values derived from this manifest (release precedence, coverage), kept beside it
    /// while the read cache keeps it (`crate::memo`); keeps nothing when the cache is off.
    pub fn memo(&self) -> crate::memo::Memo<'_> {
        match &self.kept {
            Some(kept) => crate::memo::Memo::of(kept),
            None => crate::memo::Memo::none(),
        }
    }

    /// Takes the writer lock, creating the store directory if needed.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it; I/O errors (read-only
    /// directory, full disk) naming the path.
    pub fn lock(root: &Path) -> Result<StoreLock, StoreError> {
        if root.is_file() {
            return Err(StoreError::NotAStore(root.to_path_buf()));
        }
        std::fs::create_dir_all(root).map_err(StoreError::io(root))?;
        let path = root.join(LOCK);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(StoreError::io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(root.to_path_buf()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::Io { path, source: e }),
        }
        let lock = StoreLock {
            _file: file,
            root: root.to_path_buf(),
        };
        lock.clean_leftovers()?;
        Ok(lock)
    }
}

impl Drop for StoreLock {
    /// Tidies up whatever happened (a commit, a failure, a full disk): removes the staging
    /// area, so a failed ingest never leaves its files behind, and when the store still has
    /// no manifest (nothing was ever committed), the lock file and the store directory too
    /// if that leaves it empty, so a failed first ingest leaves nothing.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(self.root.join(STAGING));
        if !self.root.join(MANIFEST).exists() {
            let _ = std::fs::remove_file(self.root.join(LOCK));
            let _ = std::fs::remove_dir(&self.root);
        }
    }
}

impl StoreLock {
    /// The store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Removes what a crashed ingest left: the staging area and release directories that
    /// the manifest does not list.
    fn clean_leftovers(&self) -> Result<(), StoreError> {
        let staging = self.root.join(STAGING);
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(StoreError::io(&staging))?;
        }
        let manifest = Store::open_or_empty(&self.root)?.manifest;
        let known: Vec<&str> = manifest.releases.iter().map(|r| r.id.as_str()).collect();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Ok(());
        };
        for table_dir in entries.flatten() {
            let name = table_dir.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !table_dir.path().is_dir() {
                continue;
            }
            let Ok(releases) = std::fs::read_dir(table_dir.path()) else {
                continue;
            };
            for release in releases.flatten() {
                let rname = release.file_name().to_string_lossy().into_owned();
                if let Some(id) = rname.strip_prefix("release=")
                    && !known.contains(&id)
                {
                    std::fs::remove_dir_all(release.path())
                        .map_err(StoreError::io(release.path()))?;
                }
            }
        }
        Ok(())
    }

    /// Releases the lock and tidies up (what dropping the lock does; see its `Drop`).
    pub fn finish(self) {
        drop(self);
    }

    /// Creates the staging directory for one release file: its own directory even when
    /// the same content is staged twice at once.
    pub fn stage(&self, sha256: &str) -> Result<Staging, StoreError> {
        static STAGED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STAGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = self.root.join(STAGING).join(format!(
            "{}-{}-{n}",
            release_id(sha256),
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        Ok(Staging::new(dir, sha256))
    }

    /// Discards a staged release.
    pub fn discard(&self, staging: Staging) {
        let _ = std::fs::remove_dir_all(&staging.dir);
    }

    /// Commits one finished staging; see [`StoreLock::commit_all`].
    ///
    /// # Errors
    /// As [`StoreLock::commit_all`].
    pub fn commit(
        &self,
        staging: Staging,
        report: ReleaseReport,
    ) -> Result<ReleaseEntry, StoreError> {
        let mut entries = self.commit_all(vec![(staging, report)])?;
        entries
            .pop()
            .ok_or_else(|| StoreError::Invalid("nothing committed".into()))
    }

    /// Commits finished stagings together: moves their release directories into the
    /// store, then replaces the manifest with one atomic rename, so readers and a crash
    /// see either none of these releases or all of them. Releases already present are
    /// discarded (never committed twice). Returns the new entries.
    ///
    /// # Errors
    /// I/O errors naming the path (read-only store, full disk); on error every moved
    /// directory is moved back and the manifest is untouched.
    pub fn commit_all(
        &self,
        staged: Vec<(Staging, ReleaseReport)>,
    ) -> Result<Vec<ReleaseEntry>, StoreError> {
        let mut manifest =
            std::sync::Arc::unwrap_or_clone(Store::open_or_empty(&self.root)?.manifest);
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        let undo = |moved: &[(PathBuf, PathBuf)]| {
            for (from, to) in moved.iter().rev() {
                let _ = std::fs::rename(to, from);
            }
        };
        let mut entries = Vec::new();
        let mut done_dirs = Vec::new();
        let mut sequence = manifest
            .releases
            .iter()
            .map(|r| r.sequence)
            .max()
            .unwrap_or(0);
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (staging, report) in staged {
            let duplicate = manifest.release_by_sha(&report.sha256).is_some()
                || entries
                    .iter()
                    .any(|e: &ReleaseEntry| e.report.sha256 == report.sha256);
            if duplicate {
                self.discard(staging);
                continue;
            }
            if let Err(e) = move_release_dirs(&staging, &self.root, &mut moved) {
                undo(&moved);
                return Err(e);
            }
            sequence += 1;
            entries.push(ReleaseEntry {
                id: staging.id.clone(),
                sequence,
                ingested_at: now.clone(),
                report,
                files: staging.files.clone(),
            });
            done_dirs.push(staging.dir.clone());
        }
        if entries.is_empty() {
            return Ok(entries);
        }
        manifest.releases.extend(entries.iter().cloned());
        manifest.generation += 1;
        // Entries written by earlier versions read as this one (see `tally_catalog::manifest`).
        manifest.format_version = tally_catalog::manifest::FORMAT_VERSION;
        if let Err(e) = self.write_manifest(&manifest) {
            undo(&moved);
            return Err(e);
        }
        for dir in done_dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(entries)
    }

    /// Replaces the store's `tally prefer` choices with one atomic manifest write (a new
    /// generation; no data file changes).
    ///
    /// # Errors
    /// I/O errors naming the path; an empty store.
    pub fn set_preferences(
        &self,
        preferences: Vec<tally_catalog::Preference>,
    ) -> Result<Manifest, StoreError> {
        let mut manifest = std::sync::Arc::unwrap_or_clone(Store::open(&self.root)?.manifest);
        manifest.preferences = preferences;
        manifest.generation += 1;
        manifest.format_version = tally_catalog::manifest::FORMAT_VERSION;
        self.write_manifest(&manifest)?;
        Ok(manifest)
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<(), StoreError> {
        let path = self.root.join(MANIFEST);
        let tmp = self
            .root
            .join(format!("{MANIFEST}.tmp-{}", std::process::id()));
        let text =
            serde_json::to_vec_pretty(manifest).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = File::create(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            if let Ok(dir) = File::open(&self.root) {
                let _ = dir.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            StoreError::Io {
                path: path.clone(),
                source: e,
            }
        })
    }
}

/// Renames every `<table>/release=<id>` directory of a staging into the store, recording
/// each move so the caller can undo them.
fn move_release_dirs(
    staging: &Staging,
    root: &Path,
    moved: &mut Vec<(PathBuf, PathBuf)>,
) -> Result<(), StoreError> {
    for top in std::fs::read_dir(&staging.dir)
        .map_err(StoreError::io(&staging.dir))?
        .flatten()
    {
        let release_dir = top.path().join(format!("release={}", staging.id));
        if !release_dir.is_dir() {
            continue;
        }
        let target_parent = root.join(top.file_name());
        std::fs::create_dir_all(&target_parent).map_err(StoreError::io(&target_parent))?;
        let target = target_parent.join(format!("release={}", staging.id));
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(StoreError::io(&target))?;
        }
        std::fs::rename(&release_dir, &target).map_err(|e| StoreError::Io {
            path: target.clone(),
            source: e,
        })?;
        moved.push((release_dir, target));
    }
    Ok(())
}
