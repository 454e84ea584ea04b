//! Opening a store, the writer lock, and the atomic commit of a staged release.

use crate::manifest::{Manifest, ReleaseEntry};
use crate::staging::Staging;
use crate::{StoreError, release_id};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use tally_ingest::ReleaseReport;

const MANIFEST: &str = "manifest.json";
const LOCK: &str = ".tally.lock";
const STAGING: &str = ".staging";

/// A store opened for reading: its root and the manifest as of opening. Later commits by
/// other processes are not seen until it is opened again, so a reader always works on one
/// whole manifest.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    manifest: Manifest,
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
        Ok(Store {
            root: root.to_path_buf(),
            manifest: Manifest::read(&path)?,
        })
    }

    /// Opens a store, or an empty one when the directory has no manifest yet (nothing is
    /// written until the first commit).
    pub fn open_or_empty(root: &Path) -> Result<Store, StoreError> {
        match Store::open(root) {
            Err(StoreError::NotAStore(_)) => Ok(Store {
                root: root.to_path_buf(),
                manifest: Manifest::default(),
            }),
            other => other,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Takes the writer lock, creating the store directory if needed.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it; I/O errors (read-only
    /// directory, full disk) naming the path.
    pub fn lock(root: &Path) -> Result<StoreLock, StoreError> {
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

impl StoreLock {
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

    /// Creates the staging directory for one release file.
    pub fn stage(&self, sha256: &str) -> Result<Staging, StoreError> {
        let dir =
            self.root
                .join(STAGING)
                .join(format!("{}-{}", release_id(sha256), std::process::id()));
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        Ok(Staging::new(dir, sha256))
    }

    /// Discards a staged release.
    pub fn discard(&self, staging: Staging) {
        let _ = std::fs::remove_dir_all(&staging.dir);
    }

    /// Commits a finished staging: moves its release directories into the store, then
    /// replaces the manifest atomically. Returns the new entry.
    ///
    /// # Errors
    /// I/O errors naming the path; a release already present (callers check first).
    pub fn commit(
        &self,
        staging: Staging,
        report: ReleaseReport,
    ) -> Result<ReleaseEntry, StoreError> {
        let mut manifest = Store::open_or_empty(&self.root)?.manifest;
        if manifest.release_by_sha(&report.sha256).is_some() {
            self.discard(staging);
            return Err(StoreError::Invalid(format!(
                "release {} is already in the store",
                report.sha256
            )));
        }
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        for top in std::fs::read_dir(&staging.dir)
            .map_err(StoreError::io(&staging.dir))?
            .flatten()
        {
            let release_dir = top.path().join(format!("release={}", staging.id));
            if !release_dir.is_dir() {
                continue;
            }
            let target_parent = self.root.join(top.file_name());
            std::fs::create_dir_all(&target_parent).map_err(StoreError::io(&target_parent))?;
            let target = target_parent.join(format!("release={}", staging.id));
            if target.exists() {
                std::fs::remove_dir_all(&target).map_err(StoreError::io(&target))?;
            }
            if let Err(e) = std::fs::rename(&release_dir, &target) {
                for (from, to) in moved.iter().rev() {
                    let _ = std::fs::rename(to, from);
                }
                return Err(StoreError::Io {
                    path: target,
                    source: e,
                });
            }
            moved.push((release_dir, target));
        }
        let entry = ReleaseEntry {
            id: staging.id.clone(),
            sequence: manifest
                .releases
                .iter()
                .map(|r| r.sequence)
                .max()
                .unwrap_or(0)
                + 1,
            ingested_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            report,
            files: staging.files.clone(),
        };
        manifest.releases.push(entry.clone());
        manifest.generation += 1;
        if let Err(e) = self.write_manifest(&manifest) {
            for (from, to) in moved.iter().rev() {
                let _ = std::fs::rename(to, from);
            }
            return Err(e);
        }
        let _ = std::fs::remove_dir_all(&staging.dir);
        Ok(entry)
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
