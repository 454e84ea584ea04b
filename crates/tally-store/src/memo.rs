//! Values a reader derives from a manifest the read cache keeps, kept beside it.
//!
//! A server answers many queries over the same manifest (`crate::cache`), and each count
//! works out the same things from it again: each table's release precedence, coverage and
//! partial last days for the releases it reads, a tenth or more of a small count's time. A
//! [`Memo`] lets the reader keep what it derived beside the manifest, so a later query
//! reads it back. What is kept lives exactly as long as the manifest's cache entry: a new
//! generation is a new file, read and kept afresh, with nothing kept.
//!
//! (Kept per rollup file too, each dimension's group ids made a repeated query's scan about
//! a third faster, but the first query to read a dimension 1-3 ms slower on the 10M-row
//! store: each kept column is fresh memory, page faults included. Not kept; see the
//! README's benchmark notes.)
//!
//! Bounded: a manifest keeps at most [`SHAPES_KEPT`] values, the one read longest ago
//! leaving first, so queries over ever new sets of releases cannot grow it without bound.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex};

/// Most values one manifest keeps (different tables and sets of releases, different types).
pub const SHAPES_KEPT: usize = 32;

static HITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Values read back from a memo rather than made, since this process started:
/// for tests and diagnostics.
pub fn hits() -> u64 {
    HITS.load(std::sync::atomic::Ordering::Relaxed)
}

type KeptValue = Arc<dyn Any + Send + Sync>;

/// The values kept beside one cached manifest, by (type, key), the one read longest ago first.
#[derive(Default)]
pub(crate) struct Kept {
    values: Mutex<Vec<(TypeId, String, KeptValue)>>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.values.lock().map_or(0, |v| v.len());
        write!(f, "Kept({n} values)")
    }
}

/// A reader's handle on the values kept beside a cached manifest (see the module docs);
/// for a manifest the read cache does not keep (a command run once) it keeps nothing and
/// every value is made afresh.
#[derive(Clone, Copy)]
pub struct Memo<'a> {
    kept: Option<&'a Kept>,
}

impl<'a> Memo<'a> {
    /// A memo that keeps nothing.
    pub fn none() -> Memo<'static> {
        Memo { kept: None }
    }

    pub(crate) fn of(kept: &'a Kept) -> Memo<'a> {
        Memo { kept: Some(kept) }
    }

    /// The value kept under `key` for this manifest, else the one `make` returns (kept, when
    /// the manifest is). `key` must name everything the value depends on besides the
    /// manifest's own contents: two queries giving one key must want the same value. Two
    /// threads asking at once may both make it; one of them is kept.
    pub fn get_or_make<T: Any + Send + Sync>(&self, key: &str, make: impl FnOnce() -> T) -> Arc<T> {
        match self.get_or_try_make(key, || Ok::<T, std::convert::Infallible>(make())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// [`Memo::get_or_make`] for a value whose making may fail: a failure is returned and
    /// nothing is kept (a count stopped by its time limit, an unreadable file), so the
    /// next reader makes it again.
    ///
    /// # Errors
    /// What `make` returns.
    pub fn get_or_try_make<T: Any + Send + Sync, E>(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let Some(kept) = self.kept else {
            return make().map(Arc::new);
        };
        let type_id = TypeId::of::<T>();
        if let Ok(mut values) = kept.values.lock()
            && let Some(at) = values
                .iter()
                .position(|(t, k, _)| *t == type_id && k == key)
        {
            // Read last, it leaves last.
            let entry = values.remove(at);
            let value = Arc::clone(&entry.2);
            values.push(entry);
            if let Ok(value) = value.downcast::<T>() {
                HITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(value);
            }
        }
        // Made outside the lock: other readers are not held up meanwhile.
        let made = Arc::new(make()?);
        if let Ok(mut values) = kept.values.lock()
            && !values.iter().any(|(t, k, _)| *t == type_id && k == key)
        {
            if values.len() >= SHAPES_KEPT {
                values.remove(0);
            }
            values.push((type_id, key.to_string(), Arc::clone(&made) as KeptValue));
        }
        Ok(made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_value_is_made_once_per_key_and_type_and_the_one_read_longest_ago_leaves_first() {
        let kept = Kept::default();
        let memo = Memo::of(&kept);
        let mut made = 0;
        for _ in 0..3 {
            let v = memo.get_or_make("a", || {
                made += 1;
                7u32
            });
            assert_eq!(*v, 7);
        }
        assert_eq!(made, 1);
        // The same key with another type is another value.
        assert_eq!(*memo.get_or_make("a", || 8u64), 8);
        assert_eq!(*memo.get_or_make("a", || 0u32), 7);
        for i in 0..SHAPES_KEPT - 2 {
            memo.get_or_make(&format!("k{i}"), || i);
        }
        assert_eq!(*memo.get_or_make("a", || 0u64), 8);
        for i in SHAPES_KEPT - 2..SHAPES_KEPT {
            memo.get_or_make(&format!("k{i}"), || i);
        }
        // "a" as u32 was read longest ago: it left, so it is made again; "a" as u64, read
        // again before the others came, stays.
        assert_eq!(*memo.get_or_make("a", || 9u32), 9);
        assert_eq!(*memo.get_or_make("a", || 10u64), 8);
        assert_eq!(
            kept.values.lock().map(|v| v.len()).unwrap_or(0),
            SHAPES_KEPT
        );
    }

    #[test]
    fn a_value_whose_making_failed_is_not_kept() {
        let kept = Kept::default();
        let memo = Memo::of(&kept);
        let failed: Result<Arc<u32>, &str> = memo.get_or_try_make("s", || Err("stopped"));
        assert_eq!(failed, Err("stopped"));
        let made: Result<Arc<u32>, &str> = memo.get_or_try_make("s", || Ok(5));
        assert_eq!(made.map(|v| *v), Ok(5));
        let again: Result<Arc<u32>, &str> = memo.get_or_try_make("s", || Err("not asked"));
        assert_eq!(again.map(|v| *v), Ok(5));
    }

    #[test]
    fn a_memo_of_an_uncached_manifest_makes_every_value_afresh() {
        let memo = Memo::none();
        assert_eq!(*memo.get_or_make("a", || 1u8), 1);
        assert_eq!(*memo.get_or_make("a", || 2u8), 2);
    }
}
