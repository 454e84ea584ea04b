//! Which days each AOR's releases cover, for an operation: the one definition of coverage
//! ([`tally_query::CoverageMap`]) over every release in the store. Tally never prints
//! zeros for days it has no data for.

use crate::spec::Window;
use chrono::NaiveDate;
use tally_model::TableKind;
use tally_query::{CoverageMap, Precedence};
use tally_store::Store;

/// Per AOR, the days the ingested releases of one table cover.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    map: CoverageMap,
}

impl Coverage {
    /// The coverage of `table` by every release in the store.
    pub fn of(store: &Store, table: TableKind) -> Coverage {
        let releases: Vec<&tally_store::ReleaseEntry> = store.manifest().releases.iter().collect();
        let precedence = Precedence::new(table, &releases, &store.manifest().preferences);
        Coverage {
            map: CoverageMap::of(&releases, table, &precedence),
        }
    }

    /// True when some release covers `aor` on `day`.
    pub fn covers(&self, aor: &str, day: NaiveDate) -> bool {
        self.map.covers(aor, day)
    }

    /// Days of `window` no release covers for `aor`.
    pub fn uncovered(&self, aor: &str, window: &Window) -> Vec<NaiveDate> {
        window
            .first
            .iter_days()
            .take_while(|d| *d <= window.last)
            .filter(|d| !self.covers(aor, *d))
            .collect()
    }

    /// True when every AOR in `aors` is covered on every day of `window`.
    pub fn covers_all(&self, aors: &[String], window: &Window) -> bool {
        aors.iter().all(|a| self.uncovered(a, window).is_empty())
    }

    /// First and last day any release covers, for messages.
    pub fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        self.map.extent()
    }
}
