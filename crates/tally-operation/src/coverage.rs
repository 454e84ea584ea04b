//! Which days each AOR's releases cover: Tally never prints zeros for days it has no data for.

use crate::spec::Window;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tally_model::TableKind;
use tally_store::Store;

/// Per AOR, the spans of event dates the ingested releases of one table cover.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    spans: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>>,
}

impl Coverage {
    /// Reads the spans from the store's manifest ([`tally_store::ReleaseEntry::coverage`]).
    pub fn of(store: &Store, table: TableKind) -> Coverage {
        let mut spans: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> = BTreeMap::new();
        for r in &store.manifest().releases {
            for ((_, aor), span) in r.coverage(table) {
                spans.entry(aor).or_default().push(span);
            }
        }
        Coverage { spans }
    }

    /// True when some release covers `aor` on `day`.
    pub fn covers(&self, aor: &str, day: NaiveDate) -> bool {
        self.spans
            .get(aor)
            .is_some_and(|s| s.iter().any(|(f, l)| *f <= day && day <= *l))
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
        let all = self.spans.values().flatten();
        all.clone().map(|s| s.0).min().zip(all.map(|s| s.1).max())
    }
}
