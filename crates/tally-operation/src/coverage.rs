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
    /// Days covered for every AOR: releases whose rows carry no AOR of their own (a daily
    /// headcount per facility, placed in AORs through facility lists) cover all of them.
    everywhere: Vec<(NaiveDate, NaiveDate)>,
}

impl Coverage {
    /// The coverage of `table` by every release in the store.
    pub fn of(store: &Store, table: TableKind) -> Coverage {
        let releases: Vec<&tally_store::ReleaseEntry> = store.manifest().releases.iter().collect();
        let precedence = Precedence::new(table, &releases, &store.manifest().preferences);
        Coverage {
            map: CoverageMap::of(&releases, table, &precedence),
            everywhere: Vec::new(),
        }
    }

    /// Coverage of every AOR on the days of `spans` (inclusive first and last days).
    pub fn everywhere(spans: Vec<(NaiveDate, NaiveDate)>) -> Coverage {
        Coverage {
            map: CoverageMap::default(),
            everywhere: spans,
        }
    }

    /// True when some release covers `aor` on `day`.
    pub fn covers(&self, aor: &str, day: NaiveDate) -> bool {
        self.map.covers(aor, day) || self.everywhere.iter().any(|(f, l)| *f <= day && day <= *l)
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
        let everywhere = (
            self.everywhere.iter().map(|s| s.0).min(),
            self.everywhere.iter().map(|s| s.1).max(),
        );
        match (self.map.extent(), everywhere) {
            (Some((a, b)), (Some(c), Some(d))) => Some((a.min(c), b.max(d))),
            (Some(x), _) => Some(x),
            (None, (Some(c), Some(d))) => Some((c, d)),
            _ => None,
        }
    }
}
