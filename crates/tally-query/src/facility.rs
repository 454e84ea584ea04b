//! Detention facility codes placed in AORs and states, from the `detention-facilities`
//! releases of the store (ICE's facility lists, UWCHR's tables).
//!
//! A code's AOR is the one most lists give it; between AORs given by equally many lists,
//! the one of the most recently ingested list. (Lists span 2009 to 2025, and a facility
//! list re-assigns a facility now and then; ingest order says nothing about a list's
//! date, so one old list must not outvote the rest.) Every disagreement is kept, and
//! `status` and `population` print it. A code no list knows is an unmatched facility: counted under
//! [`UNMATCHED_FACILITY`], never dropped or guessed.

use crate::QueryError;
use std::collections::{BTreeMap, BTreeSet};
use tally_catalog::schema;
use tally_model::TableKind;
use tally_store::{Store, TableScan, TextColumn};

/// Codes that say a list withheld the facility's code, not a code.
pub const REDACTED_CODES: &[&str] = &["REDACTED"];

/// The AOR label of a facility code no facility list knows.
pub const UNMATCHED_FACILITY: &str = "(unmatched facility)";
/// The AOR label of a facility code that lists know, none with an AOR.
pub const NO_LISTED_AOR: &str = "(facility AOR not listed)";

/// What the lists say about one facility code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacilityPlace {
    /// AOR code: the one most lists give (ties: the latest-ingested list's).
    pub aor: Option<String>,
    /// State, likewise.
    pub state: Option<String>,
    /// Name, likewise.
    pub name: Option<String>,
    /// Every AOR some list gives, with the lists giving it (file names), when they differ.
    pub aor_disagreement: BTreeMap<String, Vec<String>>,
    /// Lists naming the code (file names, in ingest order).
    pub listed_in: Vec<String>,
}

/// One list's row for a code: (list file name, [AOR, state, name]).
type ListedRow = (String, [Option<String>; 3]);

/// Facility code → place, from every facility list in the store.
#[derive(Debug, Clone, Default)]
pub struct FacilityDirectory {
    places: BTreeMap<String, FacilityPlace>,
    /// File names of the lists read, in ingest order.
    pub lists: Vec<String>,
    /// List rows whose code is withheld (`REDACTED`): they place no facility.
    pub redacted_rows: u64,
}

impl FacilityDirectory {
    /// Reads every `detention-facilities` release of `store`. Codes are compared trimmed
    /// and upper-cased (lists spell `detloc` in either case).
    ///
    /// # Errors
    /// Unreadable store files; the table missing from the catalog.
    pub fn read(store: &Store) -> Result<FacilityDirectory, QueryError> {
        let Some(table) = TableKind::from_slug("detention-facilities") else {
            return Err(QueryError::Invalid(
                "the catalog has no detention-facilities table".into(),
            ));
        };
        let releases = crate::releases_holding(store, table);
        let columns = [
            "detention_facility_code",
            schema::AOR,
            "facility_state",
            "detention_facility",
        ];
        let mut given: BTreeMap<String, Vec<ListedRow>> = BTreeMap::new();
        let mut lists = Vec::new();
        let mut redacted = 0u64;
        TableScan::new(store, table, &columns).for_each(&releases, |release, batch| {
            let file = release.report.file_name.clone();
            if lists.last() != Some(&file) {
                lists.push(file.clone());
            }
            let cols: Vec<Option<TextColumn>> = (0..4)
                .map(|i| TextColumn::new(batch.column(i)).ok())
                .collect();
            let Some(codes) = &cols[0] else {
                return Ok(());
            };
            let text = |c: usize, i: usize| {
                cols[c]
                    .as_ref()
                    .and_then(|col| col.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            for i in 0..batch.num_rows() {
                let Some(code) = codes.get(i).map(facility_key).filter(|c| !c.is_empty()) else {
                    continue;
                };
                // A code the list withholds ("REDACTED" in ICE's November 2017 list) names
                // no facility: its row places nothing.
                if REDACTED_CODES.contains(&code.as_str()) {
                    redacted += 1;
                    continue;
                }
                given
                    .entry(code)
                    .or_default()
                    .push((file.clone(), [text(1, i), text(2, i), text(3, i)]));
            }
            Ok(())
        })?;
        let mut places = BTreeMap::new();
        for (code, rows) in given {
            let mut place = FacilityPlace::default();
            let mut aors: BTreeMap<String, Vec<String>> = BTreeMap::new();
            // (lists giving the AOR, ingest position of the latest of them)
            let mut votes: BTreeMap<String, (usize, usize)> = BTreeMap::new();
            for (at, (file, [aor, state, name])) in rows.into_iter().enumerate() {
                if let Some(a) = &aor {
                    let files = aors.entry(a.clone()).or_default();
                    if !files.contains(&file) {
                        files.push(file.clone());
                        let v = votes.entry(a.clone()).or_default();
                        v.0 += 1;
                        v.1 = at;
                    }
                }
                // Later lists (ingest order) overwrite earlier ones.
                place.state = state.or(place.state);
                place.name = name.or(place.name);
                if !place.listed_in.contains(&file) {
                    place.listed_in.push(file);
                }
            }
            place.aor = votes
                .iter()
                .max_by_key(|(_, v)| **v)
                .map(|(a, _)| a.clone());
            if aors.len() > 1 {
                place.aor_disagreement = aors;
            }
            places.insert(code, place);
        }
        Ok(FacilityDirectory {
            places,
            lists,
            redacted_rows: redacted,
        })
    }

    /// What the lists say about `code`, if any knows it.
    pub fn place(&self, code: &str) -> Option<&FacilityPlace> {
        self.places.get(&facility_key(code))
    }

    /// The AOR a facility's people are counted in: its listed AOR, or
    /// [`NO_LISTED_AOR`] / [`UNMATCHED_FACILITY`].
    pub fn aor_of(&self, code: &str) -> &str {
        match self.place(code) {
            Some(FacilityPlace { aor: Some(a), .. }) => a,
            Some(_) => NO_LISTED_AOR,
            None => UNMATCHED_FACILITY,
        }
    }

    /// Codes whose lists disagree on the AOR.
    pub fn disagreements(&self) -> impl Iterator<Item = (&String, &FacilityPlace)> {
        self.places
            .iter()
            .filter(|(_, p)| !p.aor_disagreement.is_empty())
    }

    /// Number of codes known.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when no list is in the store.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Of `codes`, those no list knows.
    pub fn unmatched<'a>(&self, codes: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        codes
            .into_iter()
            .filter(|c| self.place(c).is_none())
            .map(facility_key)
            .collect()
    }
}

/// A facility code as compared: trimmed, upper case.
pub fn facility_key(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// The facility codes `table` holds in its `detention_facility_code` column, with their
/// rows, over every release (empty when the store has no such table).
///
/// # Errors
/// Unreadable store files.
pub fn codes_in(store: &Store, table: TableKind) -> Result<BTreeMap<String, u64>, QueryError> {
    let mut codes: BTreeMap<String, u64> = BTreeMap::new();
    if table.def().field("detention_facility_code").is_none() {
        return Ok(codes);
    }
    let releases = crate::releases_holding(store, table);
    // Counted per dictionary key first: a headcount repeats each code thousands of times.
    TableScan::new(store, table, &["detention_facility_code"]).for_each(
        &releases,
        |_, batch| {
            let Ok(column) = TextColumn::new(batch.column(0)) else {
                return Ok(());
            };
            let mut by_key: BTreeMap<usize, u64> = BTreeMap::new();
            let mut plain: BTreeMap<String, u64> = BTreeMap::new();
            for i in 0..batch.num_rows() {
                match column.key(i) {
                    Some(k) => *by_key.entry(k).or_default() += 1,
                    None => {
                        if let Some(v) = column.get(i) {
                            *plain.entry(facility_key(v)).or_default() += 1;
                        }
                    }
                }
            }
            for (k, n) in by_key {
                *codes.entry(facility_key(column.key_value(k))).or_default() += n;
            }
            for (c, n) in plain {
                *codes.entry(c).or_default() += n;
            }
            Ok(())
        },
    )?;
    codes.remove("");
    Ok(codes)
}
