//! Whether a county was under a policy on a day, for every day at once: the policy lists
//! of the store read into intervals per county (and per state, for policies of a whole
//! state), under the rules of [`super::policies`], so that `count --by policy` can place
//! each arrest's county and day without reading the lists again.

use super::agreements::{dated_snapshots, read_snapshot};
use super::counties::CountyDirectory;
use super::policies::{PolicyFamily, list_date, place_kind};
use crate::QueryError;
use crate::reference::read_reference;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tally_model::TableKind;
use tally_model::states::state;
use tally_store::Store;

/// An interval a policy is in force: from `since` (open when `None`: a list that gives
/// no date) to `until` (open when `None`).
type Interval = (Option<NaiveDate>, Option<NaiveDate>);

/// One 287(g) snapshot: its date and each county's earliest signing date in it.
type Snapshot287g = (NaiveDate, BTreeMap<String, NaiveDate>);

/// Policy intervals by county FIPS and by state.
#[derive(Debug, Clone, Default)]
pub struct PolicyTimeline {
    /// The family.
    pub family: Option<PolicyFamily>,
    by_county: BTreeMap<String, Vec<Interval>>,
    by_state: BTreeMap<String, Vec<Interval>>,
    snapshots: Vec<Snapshot287g>,
    /// The lists read (file names).
    pub lists: Vec<String>,
    /// Rows placed in no county or state (cities, unmatched names), per list.
    pub unplaced: BTreeMap<String, usize>,
    /// Entries of sanctuary lists read with no U.S. state (`Cass County, lowa`, its
    /// state misspelt; ingest keeps such a name whole and says so): (list file, entry).
    /// Placed nowhere, so no county of theirs is under the policy in a count.
    pub without_state: Vec<(String, String)>,
}

/// True when the interval holds the day (an open end holds every day on its side).
fn covers(i: &Interval, day: NaiveDate) -> bool {
    i.0.is_none_or(|s| s <= day) && i.1.is_none_or(|u| day <= u)
}

impl PolicyTimeline {
    /// Reads every list of `family` in the store.
    ///
    /// # Errors
    /// Store errors.
    pub fn read(
        store: &Store,
        counties: &CountyDirectory,
        family: PolicyFamily,
    ) -> Result<PolicyTimeline, QueryError> {
        let mut t = PolicyTimeline {
            family: Some(family),
            ..PolicyTimeline::default()
        };
        match family {
            PolicyFamily::Agreement287g => t.read_287g(store, counties)?,
            PolicyFamily::Sanctuary => t.read_sanctuary(store, counties)?,
            PolicyFamily::SecureCommunities => t.read_secure_communities(store)?,
        }
        Ok(t)
    }

    fn read_287g(&mut self, store: &Store, counties: &CountyDirectory) -> Result<(), QueryError> {
        let Some(table) = TableKind::from_slug("287g-agreements") else {
            return Ok(());
        };
        for (date, release) in dated_snapshots(store, table).0 {
            let snapshot = read_snapshot(store, table, release, Some(counties))?;
            let mut first: BTreeMap<String, NaiveDate> = BTreeMap::new();
            let mut unplaced = 0;
            for a in &snapshot.agreements {
                match (&a.county_fips, a.signed) {
                    (Some(f), Some(s)) => {
                        let e = first.entry(f.clone()).or_insert(s);
                        *e = (*e).min(s);
                    }
                    _ => unplaced += 1,
                }
            }
            self.unplaced.insert(snapshot.file_name.clone(), unplaced);
            self.lists.push(snapshot.file_name);
            self.snapshots.push((date, first));
        }
        self.snapshots.sort_by_key(|(d, _)| *d);
        Ok(())
    }

    fn read_sanctuary(
        &mut self,
        store: &Store,
        counties: &CountyDirectory,
    ) -> Result<(), QueryError> {
        let Some(table) = TableKind::from_slug("sanctuary-policies") else {
            return Ok(());
        };
        for release in crate::releases_holding(store, table) {
            let rows = read_reference(
                store,
                table,
                &[release],
                &[
                    "jurisdiction",
                    "jurisdiction_type",
                    "state",
                    "county_fips",
                    "effective_from",
                    "effective_to",
                ],
            )?;
            let own = list_date(&release.report.file_name);
            let mut unplaced = 0;
            for row in rows {
                let name = row.values[0].text().unwrap_or_default().to_string();
                let st = row.values[2]
                    .text()
                    .and_then(state)
                    .map(|s| s.postal.clone());
                let kind = row.values[1]
                    .text()
                    .map(str::to_lowercase)
                    .unwrap_or_else(|| place_kind(&name, st.as_deref()).to_string());
                let interval = (row.values[4].date().or(own), row.values[5].date());
                let fips = row.values[3]
                    .text()
                    .map(|f| format!("{f:0>5}"))
                    .or_else(|| {
                        (kind == "county")
                            .then(|| st.as_ref().and_then(|s| counties.find(s, &name).ok()))
                            .flatten()
                            .map(|c| c.fips.clone())
                    });
                match (kind.as_str(), fips, st) {
                    (_, Some(f), _) => self.by_county.entry(f).or_default().push(interval),
                    ("state", None, Some(s)) => self.by_state.entry(s).or_default().push(interval),
                    (_, None, None) => {
                        unplaced += 1;
                        self.without_state
                            .push((release.report.file_name.clone(), name));
                    }
                    _ => unplaced += 1,
                }
            }
            self.unplaced
                .insert(release.report.file_name.clone(), unplaced);
            self.lists.push(release.report.file_name.clone());
        }
        Ok(())
    }

    fn read_secure_communities(&mut self, store: &Store) -> Result<(), QueryError> {
        let Some(table) = TableKind::from_slug("secure-communities") else {
            return Ok(());
        };
        for release in crate::releases_holding(store, table) {
            let rows = read_reference(
                store,
                table,
                &[release],
                &["county_fips", "activation_date"],
            )?;
            let mut unplaced = 0;
            for row in rows {
                match (row.values[0].text(), row.values[1].date()) {
                    (Some(f), Some(d)) => self
                        .by_county
                        .entry(format!("{f:0>5}"))
                        .or_default()
                        .push((Some(d), None)),
                    _ => unplaced += 1,
                }
            }
            self.unplaced
                .insert(release.report.file_name.clone(), unplaced);
            self.lists.push(release.report.file_name.clone());
        }
        Ok(())
    }

    /// Whether the county (FIPS, in state `postal`) was under the policy on `day`;
    /// `None` when the lists cannot say: a 287(g) day before the earliest snapshot, for a
    /// county with no agreement in that snapshot signed by the day (an agreement that
    /// ended before the snapshot would not be in it), or a county listed only by a list
    /// that gives no date (in force at some time, not known on the day).
    pub fn in_force(&self, fips: &str, postal: &str, day: NaiveDate) -> Option<bool> {
        if let Some((earliest, _)) = self.snapshots.first() {
            return match self.snapshots.iter().rev().find(|(d, _)| *d <= day) {
                Some((_, first)) => Some(first.get(fips).is_some_and(|s| *s <= day)),
                None => {
                    let known = self.snapshots[0].1.get(fips).is_some_and(|s| *s <= day);
                    (known || day >= *earliest).then_some(known)
                }
            };
        }
        let intervals = self
            .by_county
            .get(fips)
            .into_iter()
            .chain(self.by_state.get(postal))
            .flatten();
        let mut undated = false;
        for i in intervals {
            match i.0 {
                Some(_) if covers(i, day) => return Some(true),
                // A listed place whose list gives no date: in force at some time, not
                // known on this day.
                None if i.1.is_none_or(|u| day <= u) => undated = true,
                _ => {}
            }
        }
        (!undated).then_some(false)
    }

    /// Whether a state as a whole was under the policy on `day` (a statewide listing),
    /// for rows whose state is known but not their county; `None` when the lists cannot
    /// say.
    pub fn state_in_force(&self, postal: &str, day: NaiveDate) -> Option<bool> {
        if !self.snapshots.is_empty() {
            return None;
        }
        let mut undated = false;
        for i in self.by_state.get(postal).into_iter().flatten() {
            match i.0 {
                Some(_) if covers(i, day) => return Some(true),
                None if i.1.is_none_or(|u| day <= u) => undated = true,
                _ => {}
            }
        }
        if undated { None } else { Some(false) }
    }

    /// True when no list of the family is in the store.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}
