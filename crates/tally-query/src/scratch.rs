//! Buffers a count's scan reuses from one batch, file and request to the next.
//!
//! A scan fills a few vectors as long as a batch (each row's ids per dimension, its group
//! slot, whether it is left out). Made new for every batch, they were new memory on every
//! request: page faults on first touch and, with two threads, the TLB shootdowns of
//! handing it back, a third or more of a served count's scan over the rollups (`perf`,
//! 2026-12-03). Taken from a pool and given back, they keep their pages.

use std::sync::Mutex;

/// Most spare buffers kept per element type: a scan holds a handful per thread.
const KEPT: usize = 32;
/// Largest buffer kept, in elements: twice the 65,536 rows of a store batch
/// (`tally_store::read`), so at most 16 MiB of `u32` stay for good; a larger batch's
/// buffers go back to the allocator.
const LARGEST: usize = 1 << 17;

/// Spare buffers of one element type.
pub(crate) struct Pool<T: 'static> {
    spare: Mutex<Vec<Vec<T>>>,
}

/// Spare `u32` buffers (ids, slots).
pub(crate) static IDS: Pool<u32> = Pool::new();
/// Spare `bool` buffers (rows left out).
pub(crate) static FLAGS: Pool<bool> = Pool::new();

impl<T: Copy + 'static> Pool<T> {
    const fn new() -> Pool<T> {
        Pool {
            spare: Mutex::new(Vec::new()),
        }
    }

    /// A buffer of `len` elements, each `fill`, given back to the pool when dropped.
    pub(crate) fn take(&'static self, len: usize, fill: T) -> Buffer<T> {
        let mut held = self
            .spare
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .unwrap_or_default();
        held.clear();
        held.resize(len, fill);
        Buffer { held, pool: self }
    }
}

/// A buffer from a [`Pool`], used as a `Vec<T>`.
pub(crate) struct Buffer<T: 'static> {
    held: Vec<T>,
    pool: &'static Pool<T>,
}

impl<T> std::ops::Deref for Buffer<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.held
    }
}

impl<T> std::ops::DerefMut for Buffer<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.held
    }
}

impl<T> AsRef<[T]> for Buffer<T> {
    fn as_ref(&self) -> &[T] {
        &self.held
    }
}

impl<T> Drop for Buffer<T> {
    fn drop(&mut self) {
        if self.held.capacity() > LARGEST {
            return;
        }
        if let Ok(mut spare) = self.pool.spare.lock()
            && spare.len() < KEPT
        {
            spare.push(std::mem::take(&mut self.held));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TEST_POOL: Pool<u32> = Pool::new();

    #[test]
    fn a_buffer_comes_back_filled_and_keeps_its_memory() {
        let first = TEST_POOL.take(1_000, 7);
        assert_eq!(first.len(), 1_000);
        assert!(first.iter().all(|v| *v == 7));
        let at = first.as_ptr();
        drop(first);
        let mut again = TEST_POOL.take(500, 3);
        assert_eq!(again.as_ptr(), at, "the spare buffer is reused");
        assert_eq!(*again, vec![3; 500], "old contents never show through");
        again[0] = 9;
        let other = TEST_POOL.take(10, 0);
        assert_ne!(
            other.as_ptr(),
            at,
            "a buffer in use is not handed out twice"
        );
    }

    #[test]
    fn threads_taking_buffers_at_once_never_share_one() {
        static SHARED: Pool<u32> = Pool::new();
        std::thread::scope(|scope| {
            for t in 0..4u32 {
                scope.spawn(move || {
                    for round in 0..2_000u32 {
                        let mut mine = SHARED.take(64 + (round % 7) as usize, t);
                        for v in mine.iter_mut() {
                            *v = t * 1_000_000 + round;
                        }
                        std::thread::yield_now();
                        assert!(mine.iter().all(|v| *v == t * 1_000_000 + round));
                    }
                });
            }
        });
        assert!(SHARED.spare.lock().map(|s| s.len()).unwrap_or(99) <= KEPT);
    }

    #[test]
    fn a_huge_buffer_is_not_kept() {
        static HUGE: Pool<bool> = Pool::new();
        drop(HUGE.take(LARGEST + 1, false));
        assert_eq!(HUGE.spare.lock().map(|s| s.len()).unwrap_or(9), 0);
        drop(HUGE.take(10, false));
        assert_eq!(HUGE.spare.lock().map(|s| s.len()).unwrap_or(9), 1);
    }
}
