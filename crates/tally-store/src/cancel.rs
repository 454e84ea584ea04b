//! Stopping reads whose answer nobody waits for any more.
//!
//! `tally serve` bounds each request in time; a count still scanning when its time runs
//! out would otherwise keep a core and a slot of the server's concurrency until it ends,
//! so that a few slow requests starve every later one. The server installs a
//! [`StopFlag`] on the thread that runs the request and raises it at the time limit;
//! every [`crate::TableScan`] started on that thread (its worker threads included) checks
//! the flag before each file and each batch and ends with [`crate::StoreError::Stopped`].
//! A thread with no flag installed (every command line) is never stopped.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    static INSTALLED: RefCell<Option<StopFlag>> = const { RefCell::new(None) };
}

/// A flag shared between the thread reading the store and whoever may stop it.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// A flag not raised.
    pub fn new() -> StopFlag {
        StopFlag::default()
    }

    /// Asks the reads watching this flag to stop at their next file or batch.
    pub fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`StopFlag::raise`] was called.
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Watches this flag in the scans started on the current thread until the returned
    /// guard drops (the thread's previous flag, if any, is watched again then).
    pub fn install(&self) -> Installed {
        let previous = INSTALLED.with(|f| f.borrow_mut().replace(self.clone()));
        Installed { previous }
    }
}

/// While alive, the current thread's scans watch a [`StopFlag`].
#[derive(Debug)]
pub struct Installed {
    previous: Option<StopFlag>,
}

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.previous.take();
        INSTALLED.with(|f| *f.borrow_mut() = previous);
    }
}

/// The flag the current thread's scans watch, if any: taken when a scan starts, so that
/// its worker threads watch it too.
pub(crate) fn watched() -> Option<StopFlag> {
    INSTALLED.with(|f| f.borrow().clone())
}

/// The flag a scan watches, taken on the thread that starts it and checked on any.
#[derive(Debug, Default)]
pub(crate) struct Watch(Option<StopFlag>);

impl Watch {
    /// The current thread's flag, if one is installed.
    pub(crate) fn new() -> Watch {
        Watch(watched())
    }

    /// [`crate::StoreError::Stopped`] once the flag is raised.
    pub(crate) fn check(&self) -> Result<(), crate::StoreError> {
        match &self.0 {
            Some(flag) if flag.is_raised() => Err(crate::StoreError::Stopped),
            _ => Ok(()),
        }
    }
}

/// True when a flag installed on the current thread was raised: for long work outside a
/// scan to stop early too.
pub fn stop_requested() -> bool {
    watched().is_some_and(|f| f.is_raised())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_is_watched_on_its_thread_while_installed_and_nested_ones_unwind() {
        assert!(watched().is_none());
        let outer = StopFlag::new();
        let inner = StopFlag::new();
        {
            let _a = outer.install();
            {
                let _b = inner.install();
                inner.raise();
                assert!(watched().is_some_and(|f| f.is_raised()));
            }
            assert!(watched().is_some_and(|f| !f.is_raised()));
            // Other threads do not see it.
            assert!(std::thread::spawn(|| watched().is_none()).join().unwrap());
        }
        assert!(watched().is_none());
    }
}
