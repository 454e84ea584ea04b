//! Store files kept decoded between reads, for a process that answers many queries on one
//! store (`tally serve`).
//!
//! Off unless [`enable`] is called: a command run once reads each file once and gains
//! nothing. When on, [`crate::Store::open`] keeps the parsed manifest and
//! [`crate::TableScan`] keeps each rollup file's decoded batches, so a request pays for
//! neither the JSON parse of the manifest (half a megabyte at 50 M rows) nor the read,
//! SHA-256 check and Parquet decode of the rollups it counts.
//!
//! What is kept is what was checked: a rollup enters the cache only after its size, row
//! count and SHA-256 matched the manifest. Each later read compares the file's stamp
//! (device, inode, length, modification and change times) with the one recorded when it
//! was checked, and a file that differs in any of them is read and checked again, so a
//! file replaced or edited after it was cached is caught as it would be without a cache.
//! (A new manifest generation is written to a new file and renamed over the old one: a
//! new inode.) A file changed in the last [`SETTLED_SECONDS`] is never kept, since a
//! second change within the file system's timestamp granularity could leave its stamp
//! as it was. The cache is bounded in bytes; the entries read longest ago leave first.

use arrow_array::RecordBatch;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use tally_catalog::Manifest;

/// Bytes `tally serve` keeps: room for the rollups of a store of several hundred million
/// rows (serving the 50 M-row benchmark store, every rollup decoded, peaks under 50 MiB).
pub const DEFAULT_LIMIT_BYTES: usize = 512 << 20;

/// Turns the cache on for this process, holding at most `limit_bytes` of decoded files
/// (estimated from Arrow's buffer sizes and manifest lengths). Calling it again changes
/// the limit.
pub fn enable(limit_bytes: usize) {
    let cache = CACHE.get_or_init(|| Mutex::new(ReadCache::default()));
    if let Ok(mut c) = cache.lock() {
        c.limit = limit_bytes;
        c.evict();
    }
}

/// True once [`enable`] was called in this process.
pub fn enabled() -> bool {
    CACHE.get().is_some()
}

/// Hits and misses since the cache was enabled: (manifest hits, manifest misses, rollup
/// hits, rollup misses); `None` when it is off. For tests and `serve`'s diagnostics.
pub fn counters() -> Option<[u64; 4]> {
    let c = CACHE.get()?.lock().ok()?;
    Some(c.counters)
}

/// What identifies one version of a file on disk without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    /// True when the file's times are [`SETTLED_SECONDS`] or more in the past: a file
    /// changed again within its file system's timestamp granularity (often a few
    /// milliseconds) could keep its stamp, so one this recent is read afresh every time
    /// rather than kept (as git treats a "racily clean" file).
    fn settled(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.mtime.0.max(self.ctime.0) + SETTLED_SECONDS <= now
    }

    /// The stamp of `meta`.
    pub(crate) fn of(meta: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// Seconds since a file's last change before it may be kept (see [`FileStamp::settled`]).
pub const SETTLED_SECONDS: i64 = 2;

/// A manifest as read, with what readers derived from it (`crate::memo`; `None` when the
/// cache is off: nothing is kept).
#[derive(Clone)]
pub(crate) struct ReadManifest {
    pub(crate) manifest: Arc<Manifest>,
    pub(crate) kept: Option<Arc<crate::memo::Kept>>,
}

/// A rollup file decoded whole: every column, every batch, after its checks passed.
pub(crate) struct DecodedRollup {
    /// The file's batches, all columns, in file order.
    pub(crate) batches: Vec<RecordBatch>,
    /// The sum of its `rollup_rows` column: the table rows it stands for.
    pub(crate) rows_summed: u64,
    /// All-null columns standing in for columns a scan asks for and the rollup lacks, by
    /// type and batch, made the first time one is asked for and shared after: a fresh
    /// null column per scan was fresh memory (an offsets buffer per row) on every request.
    /// Not weighed against the cache's limit: a few hundred kilobytes a rollup at most
    /// (four bytes a row for each of the three or four types scans ask for).
    pub(crate) placeholders: Mutex<HashMap<(arrow_schema::DataType, usize), arrow_array::ArrayRef>>,
}

impl DecodedRollup {
    /// An all-null column of type `data_type` as long as batch `batch`.
    pub(crate) fn placeholder(
        &self,
        data_type: &arrow_schema::DataType,
        batch: usize,
    ) -> arrow_array::ArrayRef {
        let rows = self.batches.get(batch).map_or(0, RecordBatch::num_rows);
        let make = || arrow_array::new_null_array(data_type, rows);
        match self.placeholders.lock() {
            Ok(mut held) => held
                .entry((data_type.clone(), batch))
                .or_insert_with(make)
                .clone(),
            Err(_) => make(),
        }
    }

    fn bytes(&self) -> usize {
        self.batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum()
    }
}

static CACHE: OnceLock<Mutex<ReadCache>> = OnceLock::new();

#[derive(Default)]
struct ReadCache {
    limit: usize,
    used: usize,
    tick: u64,
    manifests: HashMap<PathBuf, Entry<Arc<ReadManifest>>>,
    /// Keyed by path and the SHA-256 the manifest expects of it.
    rollups: HashMap<(PathBuf, String), Entry<Arc<DecodedRollup>>>,
    counters: [u64; 4],
}

struct Entry<T> {
    stamp: FileStamp,
    value: T,
    bytes: usize,
    last_read: u64,
}

impl ReadCache {
    /// Drops the entries read longest ago until the cache fits its limit.
    fn evict(&mut self) {
        while self.used > self.limit {
            let oldest_manifest = self
                .manifests
                .iter()
                .min_by_key(|(_, e)| e.last_read)
                .map(|(k, e)| (e.last_read, k.clone()));
            let oldest_rollup = self
                .rollups
                .iter()
                .min_by_key(|(_, e)| e.last_read)
                .map(|(k, e)| (e.last_read, k.clone()));
            let freed = match (oldest_manifest, oldest_rollup) {
                (Some((m, key)), Some((r, _))) if m <= r => {
                    self.manifests.remove(&key).map(|e| e.bytes)
                }
                (Some((_, key)), None) => self.manifests.remove(&key).map(|e| e.bytes),
                (_, Some((_, key))) => self.rollups.remove(&key).map(|e| e.bytes),
                (None, None) => None,
            };
            match freed {
                Some(bytes) => self.used -= bytes,
                None => break,
            }
        }
    }
}

/// The manifest at `path`, from the cache when it holds this version of the file, else
/// read by `read` (and kept, when the cache is on).
pub(crate) fn manifest<E>(
    path: &Path,
    read: impl FnOnce() -> Result<Manifest, E>,
) -> Result<ReadManifest, E> {
    let (Some(cache), Ok(meta)) = (CACHE.get(), std::fs::metadata(path)) else {
        return read().map(|m| ReadManifest {
            manifest: Arc::new(m),
            kept: None,
        });
    };
    // A parsed manifest takes about twice its JSON's bytes.
    let bytes = meta.len() as usize * 2;
    let read = cached(
        cache,
        |c| (&mut c.manifests, 0),
        path.to_path_buf(),
        path,
        FileStamp::of(&meta),
        || {
            read().map(|m| ReadManifest {
                manifest: Arc::new(m),
                kept: Some(Arc::default()),
            })
        },
        |_| bytes,
    )?;
    Ok(ReadManifest::clone(&read))
}

/// The decoded rollup at `path` whose manifest entry expects SHA-256 `sha256`, from the
/// cache when it holds the version of the file stamped `stamp`, else decoded (and
/// checked) by `decode` and kept when the cache is on.
pub(crate) fn rollup<E>(
    path: &Path,
    sha256: &str,
    stamp: FileStamp,
    decode: impl FnOnce() -> Result<DecodedRollup, E>,
) -> Result<Arc<DecodedRollup>, E> {
    let Some(cache) = CACHE.get() else {
        return decode().map(Arc::new);
    };
    cached(
        cache,
        |c| (&mut c.rollups, 2),
        (path.to_path_buf(), sha256.to_string()),
        path,
        stamp,
        decode,
        DecodedRollup::bytes,
    )
}

/// The value of `key` in the map `select` picks (with the index of its hit counter; the
/// miss counter follows it), when held for the file at `path` as stamped `stamp`; else
/// loaded by `load` and kept, weighing `bytes_of` bytes, when the file read is still the
/// version stamped (one replaced while it was read is read again next time rather than
/// kept under the wrong stamp) and that version is settled.
fn cached<K: std::hash::Hash + Eq, T, E>(
    cache: &Mutex<ReadCache>,
    select: impl Fn(&mut ReadCache) -> (&mut HashMap<K, Entry<Arc<T>>>, usize),
    key: K,
    path: &Path,
    stamp: FileStamp,
    load: impl FnOnce() -> Result<T, E>,
    bytes_of: impl FnOnce(&T) -> usize,
) -> Result<Arc<T>, E> {
    if let Ok(mut c) = cache.lock() {
        c.tick += 1;
        let tick = c.tick;
        let (map, counter) = select(&mut c);
        let hit = map.get_mut(&key).filter(|e| e.stamp == stamp).map(|e| {
            e.last_read = tick;
            Arc::clone(&e.value)
        });
        let at = counter + usize::from(hit.is_none());
        c.counters[at] += 1;
        if let Some(value) = hit {
            return Ok(value);
        }
    }
    let value = Arc::new(load()?);
    if stamp.settled()
        && std::fs::metadata(path).is_ok_and(|m| FileStamp::of(&m) == stamp)
        && let Ok(mut c) = cache.lock()
    {
        let bytes = bytes_of(&value);
        c.tick += 1;
        let entry = Entry {
            stamp,
            value: Arc::clone(&value),
            bytes,
            last_read: c.tick,
        };
        let (map, _) = select(&mut c);
        let replaced = map.insert(key, entry).map_or(0, |old| old.bytes);
        c.used = c.used - replaced + bytes;
        c.evict();
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(bytes: usize, last_read: u64) -> Entry<Arc<ReadManifest>> {
        let meta = std::fs::metadata(".").expect("the working directory");
        Entry {
            stamp: FileStamp::of(&meta),
            value: Arc::new(ReadManifest {
                manifest: Arc::new(Manifest::default()),
                kept: None,
            }),
            bytes,
            last_read,
        }
    }

    #[test]
    fn the_entries_read_longest_ago_leave_first_until_the_cache_fits() {
        let mut c = ReadCache {
            limit: 100,
            ..ReadCache::default()
        };
        for (name, bytes, last_read) in [("a", 40, 3), ("b", 40, 1), ("c", 40, 2)] {
            c.manifests
                .insert(PathBuf::from(name), entry(bytes, last_read));
            c.used += bytes;
        }
        c.evict();
        assert_eq!(c.used, 80);
        let mut left: Vec<_> = c.manifests.keys().cloned().collect();
        left.sort();
        assert_eq!(left, [PathBuf::from("a"), PathBuf::from("c")]);
        // A limit of nothing empties it; nothing is left counted.
        c.limit = 0;
        c.evict();
        assert!(c.manifests.is_empty() && c.used == 0);
    }

    #[test]
    fn a_file_changed_a_moment_ago_is_not_settled() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("f");
        std::fs::write(&path, b"x").expect("written");
        let fresh = FileStamp::of(&std::fs::metadata(&path).expect("metadata"));
        assert!(!fresh.settled());
        let mut old = fresh;
        old.mtime.0 -= SETTLED_SECONDS + 1;
        old.ctime.0 -= SETTLED_SECONDS + 1;
        assert!(old.settled());
    }
}
