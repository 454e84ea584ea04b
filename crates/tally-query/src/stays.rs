//! Detention stays from stints: one person's consecutive facility placements, from the
//! first book-in to the last book-out.
//!
//! The rule (DOMAIN.md 2.3; DDP and UWCHR describe a stay the same way; Vera's
//! ice-detention-trends links transfers the same way where no stay field exists):
//! - within one release (cuts of one ICE workbook together), since identifiers do not
//!   match across releases; exact copies of a stint are merged first (the `exact` rule);
//! - a person's stints, in order of book-in, belong to one stay when the release's own
//!   `Stay Book In Date Time` is the same on both; where either lacks it, when the next
//!   book-in comes no later than [`TRANSFER_GAP_HOURS`] after the latest book-out so far
//!   (a transfer), or while an earlier stint is still open;
//! - the stay starts at the released Stay Book In where present (else the first book-in),
//!   and a start that differs from the first stint's book-in is counted as a disagreement;
//!   it ends at the last book-out, or is ongoing when a stint has none;
//! - a stint booked in before an earlier stint of the stay was booked out (a person in two
//!   places at once) is an overlap: the stay is counted once and flagged, never split;
//! - a stint without a person identifier is a stay of its own (never merged), counted;
//! - a stint without a book-in date is in no stay, counted.
//!
//! Each stay is dated by its start and placed in its first stint's AOR, and where releases
//! overlap, precedence decides by that AOR and the first stint's book-in day, as for that
//! stint's row.

use crate::QueryError;
use crate::dedup::{DedupScope, merged_rows, person_key, same_records};
use crate::precedence::{Decision, Precedence};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use tally_catalog::schema;
use tally_model::TableKind;
use tally_model::date::{from_epoch_days, week_start};
use tally_model::fiscal::fiscal_year;
use tally_store::{SecondsColumn, Store, TableScan, TextColumn};

/// The longest gap between a book-out and the next book-in of one stay where the release
/// gives no Stay Book In to tell (hours). Transfers in the releases book out and in within
/// minutes; a day allows for a late entry without joining separate detentions.
pub const TRANSFER_GAP_HOURS: i64 = 24;

/// Stay length groups, in order: (label, upper bound in days, exclusive).
pub const LENGTHS: [(&str, f64); 8] = [
    ("under 1 day", 1.0),
    ("1-3 days", 4.0),
    ("4-7 days", 8.0),
    ("8-30 days", 31.0),
    ("31-90 days", 91.0),
    ("91-180 days", 181.0),
    ("181-365 days", 366.0),
    ("over 365 days", f64::INFINITY),
];

/// The length label of an ongoing stay.
pub const ONGOING: &str = "ongoing";

/// What stays can be grouped and filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StayDimension {
    /// AOR of the first stint (its book-in AOR code).
    Aor,
    /// Facility code of the first stint.
    Facility,
    /// Length group ([`LENGTHS`], or `ongoing`).
    Length,
    /// `ended` or `ongoing`.
    Status,
    /// Of the stay's start.
    Fy,
    Month,
    Week,
    Date,
    /// The release the stay was built from.
    Release,
}

impl StayDimension {
    /// Every dimension with its name.
    pub const ALL: [(StayDimension, &'static str); 9] = [
        (StayDimension::Fy, "fy"),
        (StayDimension::Month, "month"),
        (StayDimension::Week, "week"),
        (StayDimension::Date, "date"),
        (StayDimension::Aor, "aor"),
        (StayDimension::Facility, "facility"),
        (StayDimension::Length, "length"),
        (StayDimension::Status, "status"),
        (StayDimension::Release, "release"),
    ];

    /// Parses a name (`facility-code` is `facility`).
    ///
    /// # Errors
    /// An unknown name, listing the known ones.
    pub fn parse(s: &str) -> Result<StayDimension, QueryError> {
        let key = s.trim().to_ascii_lowercase();
        let key = match key.as_str() {
            "facility-code" => "facility",
            "stay-length" => "length",
            k => k,
        };
        crate::named(&Self::ALL, key, "dimension for detention-stays")
    }

    /// The name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(d, _)| *d == self)
            .map_or("", |(_, n)| n)
    }

    /// True for a dimension of the stay's start date.
    pub fn is_time(self) -> bool {
        self.period().is_some()
    }

    /// The count dimension of the same period of time (`fy`, `month`, `week`, `date`).
    pub fn period(self) -> Option<crate::Dimension> {
        match self {
            StayDimension::Fy => Some(crate::Dimension::Fy),
            StayDimension::Month => Some(crate::Dimension::Month),
            StayDimension::Week => Some(crate::Dimension::Week),
            StayDimension::Date => Some(crate::Dimension::Date),
            _ => None,
        }
    }
}

/// A stays query.
#[derive(Debug, Clone, Default)]
pub struct StayQuery {
    pub by: Vec<StayDimension>,
    /// (dimension, accepted values); AOR values are codes.
    pub filters: Vec<(StayDimension, Vec<String>)>,
    /// First and last start day, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Releases to read (ids); `None` for all.
    pub releases: Option<Vec<String>>,
    /// Most groups the count may have (`count --max-groups`, which `tally serve` sets);
    /// past it the count is refused with [`QueryError::Invalid`], except under a key whose
    /// small groups are not listed ([`StayResult::lists_small_groups`]), where the caller
    /// holds the groups it lists to it. The stays themselves are built whatever the limit
    /// (about 100 bytes a stint at the peak). `None`: no limit.
    pub max_groups: Option<usize>,
}

impl StayQuery {
    /// The dimensions the query pins to given values (its filters), and `date` where the
    /// start days asked (`--from`, `--to` and date filters) span under
    /// [`crate::count::SHORT_RANGE_DAYS`], as for a count ([`crate::CountQuery::pinned`]).
    pub fn pinned(&self) -> Vec<String> {
        let asked = self.asked_days();
        let short = matches!(asked, (Some(f), Some(t)) if (t - f).num_days() < crate::count::SHORT_RANGE_DAYS);
        self.filters
            .iter()
            .map(|(d, _)| d.name().to_string())
            .chain(short.then(|| "date".to_string()))
            .collect()
    }

    /// The first and last start day `--from`/`--to` and the period filters let in, where
    /// they bound them (`fy=FY2026 --to 2025-10-01` is one day).
    pub fn asked_days(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        crate::count::narrowed_by_periods(
            (self.from, self.to),
            self.filters.iter().filter_map(|(d, values)| {
                let period = d.period()?;
                Some(
                    values
                        .iter()
                        .map(|v| (period, v.trim().to_string()))
                        .collect(),
                )
            }),
        )
    }

    /// Whether the count's small groups may be listed one by one, given what it pins
    /// (`pinned`: [`StayQuery::pinned`], narrowed to covered days by the count): not where
    /// its key is so fine that one is nearly one record
    /// (`tally_model::disclosure::lists_small_groups`: a day and a facility).
    pub fn lists_small_groups(&self, pinned: &[String]) -> bool {
        let attributes: Vec<&str> = self
            .by
            .iter()
            .map(|d| d.name())
            .chain(pinned.iter().map(String::as_str))
            .collect();
        tally_model::disclosure::lists_small_groups(&attributes)
    }
}

/// One stay, as built.
#[derive(Debug, Clone, PartialEq)]
pub struct Stay {
    /// Seconds since 1970 (wall clock) of its start.
    pub start: i64,
    /// Of its end; `None` while ongoing.
    pub end: Option<i64>,
    pub stints: u32,
    pub overlapping: bool,
    pub start_disagrees: bool,
    pub has_person: bool,
    /// Index into [`StayResult::releases`].
    pub release: usize,
    /// Its first stint's AOR code (or `(unmapped)`, `(blank)`): an index into
    /// [`BuiltStays::aors`].
    pub aor: u32,
    /// Its first stint's facility code: an index into [`BuiltStays::facilities`].
    pub facility: u32,
}

impl Stay {
    /// Its length group.
    pub fn length(&self) -> &'static str {
        LENGTHS
            .get(self.length_group())
            .map_or(ONGOING, |(label, _)| label)
    }

    /// Its length group's place in [`LENGTHS`]; `LENGTHS.len()` while ongoing.
    fn length_group(&self) -> usize {
        match self.end {
            None => LENGTHS.len(),
            Some(end) => {
                let days = (end - self.start) as f64 / 86_400.0;
                LENGTHS
                    .iter()
                    .position(|(_, below)| days < *below)
                    .unwrap_or(LENGTHS.len() - 1)
            }
        }
    }
}

/// The figures beside the stays: what the rule did with the stints.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StayAccounting {
    /// Stints read from the releases (before anything).
    pub stints_read: u64,
    /// Exact copies merged before building stays.
    pub exact_copies_merged: u64,
    /// Stints without a book-in (in no stay).
    pub stints_without_book_in: u64,
    /// Stints without a person identifier (each a stay of its own).
    pub stints_without_person: u64,
    /// Stays built (all releases, before precedence and filters).
    pub stays_built: u64,
    /// Stays set aside because an overlapping release counts their AOR and day.
    pub stays_shadowed: u64,
}

/// One group of the result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StayCell {
    pub values: Vec<String>,
    pub stays: u64,
}

/// Release a stay result read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StayRelease {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    /// How outputs name it, the `release` dimension's value
    /// ([`tally_catalog::Manifest::release_label`]).
    pub label: String,
}

/// Stays grouped, with what the rule did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StayResult {
    pub dimensions: Vec<String>,
    /// The dimensions the query pinned ([`StayQuery::pinned`]).
    pub pinned: Vec<String>,
    /// Whether its small groups may be listed ([`StayQuery::lists_small_groups`] of
    /// [`StayResult::pinned`]).
    pub lists_small_groups: bool,
    pub cells: Vec<StayCell>,
    /// Stays of the selection (after filters).
    pub total: u64,
    /// Of the selection: ongoing stays, stays with overlapping stints, stays whose released
    /// start disagrees with their first stint, stays of one stint without identifier.
    pub ongoing: u64,
    pub overlapping: u64,
    pub start_disagrees: u64,
    pub without_person: u64,
    /// Lengths of the selection's ended stays, in days, sorted (for medians).
    #[serde(skip)]
    pub ended_lengths_days: Vec<f64>,
    pub accounting: StayAccounting,
    pub releases: Vec<StayRelease>,
    /// Start days any stint release covers, as inclusive ranges (all AORs together).
    pub covered: Vec<(NaiveDate, NaiveDate)>,
    /// With only time dimensions: periods of the asked range no release covers on any
    /// day (their stays are missing, not zero); with others, the days asked (`first..last`)
    /// where no release covers any of them.
    pub not_covered: Vec<String>,
}

impl StayResult {
    /// Median length in days of the selection's ended stays.
    pub fn median_length_days(&self) -> Option<f64> {
        let n = self.ended_lengths_days.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(self.ended_lengths_days[n / 2]),
            _ => Some((self.ended_lengths_days[n / 2 - 1] + self.ended_lengths_days[n / 2]) / 2.0),
        }
    }
}

/// One stint as read, in 56 bytes: a store's releases run to millions of stints, all held
/// at once while they are sorted by person (with `Option`s and a `u128` a row took 96,
/// and building the stays of 5 million stints peaked at 1.1 GB).
#[derive(Clone, Copy)]
struct StintRow {
    /// The person's key ([`person_key`]) as two words (a `u128` aligns the row to 16
    /// bytes); read only where `has_person`.
    person: [u64; 2],
    book_in: i64,
    /// Seconds, or [`NO_TIME`].
    book_out: i64,
    /// Seconds, or [`NO_TIME`].
    stay_book_in: i64,
    release: u32,
    aor: u32,
    facility: u32,
    has_person: bool,
}

/// A time a stint does not give.
const NO_TIME: i64 = i64::MIN;

impl StintRow {
    fn person(&self) -> Option<u128> {
        self.has_person
            .then(|| (u128::from(self.person[0]) << 64) | u128::from(self.person[1]))
    }

    fn book_out(&self) -> Option<i64> {
        (self.book_out != NO_TIME).then_some(self.book_out)
    }

    fn stay_book_in(&self) -> Option<i64> {
        (self.stay_book_in != NO_TIME).then_some(self.stay_book_in)
    }
}

/// Interned strings.
#[derive(Default)]
struct Names {
    index: rustc_hash::FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

/// Every stay of a store, with how the stints were accounted for, the releases read and
/// the start days they cover.
#[derive(Debug, Clone)]
pub struct BuiltStays {
    pub stays: Vec<Stay>,
    /// The AORs [`Stay::aor`] indexes.
    pub aors: Vec<String>,
    /// The facility codes [`Stay::facility`] indexes.
    pub facilities: Vec<String>,
    pub accounting: StayAccounting,
    pub releases: Vec<StayRelease>,
    pub covered: Vec<(NaiveDate, NaiveDate)>,
}

/// Builds every stay of the store's `detention-stints` releases (all, or those of
/// `release_ids`).
///
/// # Errors
/// Unreadable store files.
pub fn build_stays(
    store: &Store,
    release_ids: Option<&[String]>,
) -> Result<BuiltStays, QueryError> {
    let table = TableKind::from_slug("detention-stints")
        .ok_or_else(|| QueryError::Invalid("the catalog has no detention-stints table".into()))?;
    let all: Vec<_> = crate::releases_holding(store, table)
        .into_iter()
        .filter(|r| release_ids.is_none_or(|ids| ids.contains(&r.id)))
        .collect();
    let precedence = Precedence::new(table, &all, &store.manifest().preferences);
    let coverage = crate::CoverageMap::of(&all, table, &precedence);
    let exact = tally_model::dedup_rule("exact")
        .ok_or_else(|| QueryError::Invalid("no exact rule".into()))?;
    let merged = merged_rows(store, &all, table, exact, DedupScope::CutsTogether)?;
    let releases: Vec<StayRelease> = all
        .iter()
        .map(|r| StayRelease {
            id: r.id.clone(),
            sha256: r.report.sha256.clone(),
            file_name: r.report.file_name.clone(),
            label: store.manifest().release_label(r),
        })
        .collect();
    let mut acc = StayAccounting::default();
    let mut aors = Names::default();
    let mut facilities = Names::default();
    let mut stays = Vec::new();
    let columns = [
        schema::SOURCE_SHEET,
        schema::SOURCE_ROW,
        "unique_identifier",
        "book_in_date_time",
        "book_out_date_time",
        "stay_book_in_date_time",
        "detention_facility_code",
        schema::AOR,
        "aor_name",
    ];
    for group in same_records(&all, table) {
        // A file per thread, each with its own names; merged in scan order.
        struct Read {
            rows: Vec<StintRow>,
            aors: Names,
            facilities: Names,
            acc: StayAccounting,
            failure: Option<String>,
        }
        let threads = tally_store::cores();
        let scan = TableScan::new(store, table, &columns);
        // Each file's rows, held at their size from the start: grown by doubling, half a
        // vector's room could stand empty.
        let file_rows: Vec<usize> = scan
            .files(&group)
            .iter()
            .map(|(_, f)| f.rows as usize)
            .collect();
        let states = scan.par_for_each(
            &group,
            threads,
            |at| {
                Some(Read {
                    rows: Vec::with_capacity(file_rows.get(at).copied().unwrap_or(0)),
                    aors: Names::default(),
                    facilities: Names::default(),
                    acc: StayAccounting::default(),
                    failure: None,
                })
            },
            |st, release, batch| {
                let at = all.iter().position(|r| r.id == release.id).unwrap_or(0);
                let (Ok(sheets), Some(source_rows), Ok(ids)) = (
                    TextColumn::new(batch.column(0)),
                    batch.column(1).as_primitive_opt::<Int64Type>(),
                    TextColumn::new(batch.column(2)),
                ) else {
                    st.failure = Some("stint columns have unexpected types".to_string());
                    return Ok(());
                };
                let book_in = SecondsColumn::new(batch.column(3));
                let book_out = SecondsColumn::new(batch.column(4));
                let stay_in = SecondsColumn::new(batch.column(5));
                let codes = TextColumn::new(batch.column(6)).ok();
                let aor = TextColumn::new(batch.column(7)).ok();
                let aor_name = TextColumn::new(batch.column(8)).ok();
                let any_merged = merged.release(&release.id).is_some();
                // Names by dictionary key, looked up once per batch rather than per row.
                let mut code_ids: rustc_hash::FxHashMap<usize, u32> = Default::default();
                let mut aor_ids: rustc_hash::FxHashMap<usize, u32> = Default::default();
                // Merged rows of each sheet, looked up once per sheet rather than per row.
                let mut sheet_rows: rustc_hash::FxHashMap<usize, Option<&crate::dedup::RowSet>> =
                    Default::default();
                for i in 0..batch.num_rows() {
                    st.acc.stints_read += 1;
                    let merged_rows = match sheets.key(i) {
                        Some(k) if any_merged => *sheet_rows.entry(k).or_insert_with(|| {
                            merged.sheet(&release.id, sheets.get(i).unwrap_or(""))
                        }),
                        _ if any_merged => merged.sheet(&release.id, sheets.get(i).unwrap_or("")),
                        _ => None,
                    };
                    if merged_rows.is_some_and(|set| set.contains(source_rows.value(i))) {
                        st.acc.exact_copies_merged += 1;
                        continue;
                    }
                    let Some(start) = book_in.as_ref().and_then(|c| c.get(i)) else {
                        st.acc.stints_without_book_in += 1;
                        continue;
                    };
                    let person = ids.get(i).filter(|s| !s.trim().is_empty()).map(person_key);
                    if person.is_none() {
                        st.acc.stints_without_person += 1;
                    }
                    let aor_key = |i: usize| match aor.as_ref().and_then(|c| c.get(i)) {
                        Some(code) => code.to_string(),
                        None if aor_name.as_ref().and_then(|c| c.get(i)).is_some() => {
                            "(unmapped)".to_string()
                        }
                        None => "(blank)".to_string(),
                    };
                    let aor_id = match aor.as_ref().and_then(|c| c.key(i)) {
                        Some(k) => *aor_ids.entry(k).or_insert_with(|| st.aors.id(&aor_key(i))),
                        None => st.aors.id(&aor_key(i)),
                    };
                    let code_text = |i: usize| {
                        codes
                            .as_ref()
                            .and_then(|c| c.get(i))
                            .map(|c| c.trim().to_ascii_uppercase())
                            .unwrap_or_else(|| "(blank)".into())
                    };
                    let facility = match codes.as_ref().and_then(|c| c.key(i)) {
                        Some(k) => *code_ids
                            .entry(k)
                            .or_insert_with(|| st.facilities.id(&code_text(i))),
                        None => st.facilities.id(&code_text(i)),
                    };
                    let time = |c: &Option<SecondsColumn>| {
                        c.as_ref().and_then(|c| c.get(i)).unwrap_or(NO_TIME)
                    };
                    let key = person.unwrap_or(0);
                    st.rows.push(StintRow {
                        person: [(key >> 64) as u64, key as u64],
                        book_in: start,
                        book_out: time(&book_out),
                        stay_book_in: time(&stay_in),
                        release: at as u32,
                        aor: aor_id,
                        facility,
                        has_person: person.is_some(),
                    });
                }
                Ok(())
            },
        )?;
        // One file's rows are kept where they are; several are gathered into one vector.
        let files_read = states.iter().flatten().count();
        let mut rows: Vec<StintRow> = Vec::new();
        if files_read > 1 {
            rows.reserve_exact(states.iter().flatten().map(|st| st.rows.len()).sum());
        }
        for st in states.into_iter().flatten() {
            if let Some(f) = st.failure {
                return Err(QueryError::Invalid(f));
            }
            let aor_map: Vec<u32> = st.aors.names.iter().map(|n| aors.id(n)).collect();
            let facility_map: Vec<u32> = st
                .facilities
                .names
                .iter()
                .map(|n| facilities.id(n))
                .collect();
            let mut read = st.rows;
            for r in &mut read {
                r.aor = aor_map[r.aor as usize];
                r.facility = facility_map[r.facility as usize];
            }
            if files_read == 1 {
                rows = read;
            } else {
                rows.extend_from_slice(&read);
            }
            acc.stints_read += st.acc.stints_read;
            acc.exact_copies_merged += st.acc.exact_copies_merged;
            acc.stints_without_book_in += st.acc.stints_without_book_in;
            acc.stints_without_person += st.acc.stints_without_person;
        }
        // By person, then by the stay the release names, then by book-in.
        crate::par::sort_by_key(&mut rows, |r| {
            (r.person(), r.stay_book_in().unwrap_or(r.book_in), r.book_in)
        });
        let mut i = 0;
        while i < rows.len() {
            let first = &rows[i];
            let first_book_in = first.book_in;
            let mut stay = Stay {
                start: first.stay_book_in().unwrap_or(first.book_in),
                end: first.book_out(),
                stints: 1,
                overlapping: false,
                start_disagrees: first.stay_book_in().is_some_and(|s| s != first.book_in),
                has_person: first.has_person,
                release: first.release as usize,
                aor: first.aor,
                facility: first.facility,
            };
            let mut open = first.book_out().is_none();
            let mut latest_out = first.book_out().unwrap_or(i64::MIN);
            let mut j = i + 1;
            while j < rows.len() && first.has_person && rows[j].person() == first.person() {
                let (prev, next) = (&rows[j - 1], &rows[j]);
                let same = match (prev.stay_book_in(), next.stay_book_in()) {
                    (Some(a), Some(b)) => a == b,
                    _ => open || next.book_in <= latest_out + TRANSFER_GAP_HOURS * 3_600,
                };
                if !same {
                    break;
                }
                if open || next.book_in < latest_out {
                    stay.overlapping = true;
                }
                stay.stints += 1;
                match next.book_out() {
                    Some(out) => latest_out = latest_out.max(out),
                    None => open = true,
                }
                j += 1;
            }
            stay.end = (!open).then_some(latest_out);
            // Precedence by the stay's first AOR and its first stint's book-in day, as for
            // that stint's row: the released Stay Book In may lie before any release's
            // coverage (a stay begun before the extract's first day), where no overlap is
            // settled, and two releases would both count the stay.
            let day = first_book_in.div_euclid(86_400) as i32;
            let id = &all[stay.release].id;
            let aor = &aors.names[stay.aor as usize];
            if let Decision::Shadowed(_) = precedence.decide(id, None, aor, Some(day)) {
                acc.stays_shadowed += 1;
            } else {
                stays.push(stay);
            }
            acc.stays_built += 1;
            i = j;
        }
    }
    Ok(BuiltStays {
        stays,
        aors: aors.names,
        facilities: facilities.names,
        accounting: acc,
        releases,
        covered: coverage.ranges(),
    })
}

fn time_value(d: StayDimension, day: NaiveDate) -> String {
    match d {
        StayDimension::Fy => format!("FY{}", fiscal_year(day)),
        StayDimension::Month => day.format("%Y-%m").to_string(),
        StayDimension::Week => week_start(day).to_string(),
        _ => day.to_string(),
    }
}

/// [`StayQuery::pinned`], with the days asked narrowed to those a release covers
/// (`covered`, sorted and merged), open ends included: a range running on past the
/// releases is as short as its covered days.
fn stay_pinned(q: &StayQuery, covered: &[(NaiveDate, NaiveDate)]) -> Vec<String> {
    let mut pinned: Vec<String> = q.pinned();
    let (from, to) = q.asked_days();
    if (from.is_some() || to.is_some()) && !pinned.iter().any(|p| p == "date") {
        let first = from.or(covered.first().map(|c| c.0));
        let last = to.or(covered.last().map(|c| c.1));
        let short = match (first, last) {
            (Some(f), Some(l)) => crate::count::covered_span_within(covered, f, l)
                .is_none_or(|(f, l)| (l - f).num_days() < crate::count::SHORT_RANGE_DAYS),
            _ => false,
        };
        if short {
            pinned.push("date".to_string());
        }
    }
    pinned
}

/// Counts stays.
///
/// # Errors
/// Unreadable store files.
pub fn count_stays(store: &Store, q: &StayQuery) -> Result<StayResult, QueryError> {
    // A server keeps the stays of every release beside its cached manifest, so that a
    // second count of them reads them back (seconds for millions of stints, and another
    // building's memory at once); stays of a chosen few releases are built for the query
    // alone, so that queries over ever new sets of releases cannot keep ever more.
    let built = match &q.releases {
        None => store
            .memo()
            .get_or_try_make("stays of every release", || build_stays(store, None))?,
        Some(ids) => std::sync::Arc::new(build_stays(store, Some(ids))?),
    };
    let BuiltStays {
        stays,
        aors,
        facilities,
        accounting,
        releases,
        covered,
    } = &*built;
    let accounting = accounting.clone();
    if q.by.len() > StayDimension::ALL.len() {
        return Err(QueryError::Invalid("--by lists a dimension twice".into()));
    }
    // A stay's value of a dimension as a number (an AOR's or facility's index, a length
    // group, ended or not, the start day, the release), and that number's text: a count
    // of millions of stays makes no text per stay (which took half its time), only one
    // per value, and a filter is checked once per value.
    let code = |d: StayDimension, s: &Stay| -> u64 {
        match d {
            StayDimension::Aor => u64::from(s.aor),
            StayDimension::Facility => u64::from(s.facility),
            StayDimension::Length => s.length_group() as u64,
            StayDimension::Status => u64::from(s.end.is_some()),
            StayDimension::Fy
            | StayDimension::Month
            | StayDimension::Week
            | StayDimension::Date => u64::from(s.start.div_euclid(86_400) as i32 as u32),
            StayDimension::Release => s.release as u64,
        }
    };
    let text = |d: StayDimension, code: u64| -> String {
        let at = code as usize;
        match d {
            StayDimension::Aor => aors[at].clone(),
            StayDimension::Facility => facilities[at].clone(),
            StayDimension::Length => LENGTHS.get(at).map_or(ONGOING, |(l, _)| l).to_string(),
            StayDimension::Status => if code == 1 { "ended" } else { ONGOING }.to_string(),
            StayDimension::Fy
            | StayDimension::Month
            | StayDimension::Week
            | StayDimension::Date => time_value(d, from_epoch_days(code as u32 as i32)),
            StayDimension::Release => releases[at].label.clone(),
        }
    };
    let mut passes: Vec<rustc_hash::FxHashMap<u64, bool>> =
        vec![Default::default(); q.filters.len()];
    let mut coded: rustc_hash::FxHashMap<[u64; StayDimension::ALL.len()], u64> = Default::default();
    let pinned = stay_pinned(q, covered);
    let mut out = StayResult {
        dimensions: q.by.iter().map(|d| d.name().to_string()).collect(),
        lists_small_groups: q.lists_small_groups(&pinned),
        pinned,
        cells: Vec::new(),
        total: 0,
        ongoing: 0,
        overlapping: 0,
        start_disagrees: 0,
        without_person: 0,
        ended_lengths_days: Vec::new(),
        accounting,
        releases: releases.clone(),
        covered: covered.clone(),
        not_covered: Vec::new(),
    };
    for s in stays {
        let day = from_epoch_days(s.start.div_euclid(86_400) as i32);
        if q.from.is_some_and(|f| day < f) || q.to.is_some_and(|t| day > t) {
            continue;
        }
        let kept = q
            .filters
            .iter()
            .zip(&mut passes)
            .all(|((d, wanted), passes)| {
                let c = code(*d, s);
                *passes.entry(c).or_insert_with(|| {
                    let v = text(*d, c);
                    wanted.iter().any(|w| w.eq_ignore_ascii_case(&v))
                })
            });
        if !kept {
            continue;
        }
        out.total += 1;
        out.ongoing += u64::from(s.end.is_none());
        out.overlapping += u64::from(s.overlapping);
        out.start_disagrees += u64::from(s.start_disagrees);
        out.without_person += u64::from(!s.has_person);
        if let Some(end) = s.end {
            out.ended_lengths_days
                .push((end - s.start) as f64 / 86_400.0);
        }
        let mut key = [0u64; StayDimension::ALL.len()];
        for (slot, d) in key.iter_mut().zip(&q.by) {
            *slot = code(*d, s);
        }
        *coded.entry(key).or_default() += 1;
    }
    // Days of one period, one text: added up under it.
    let mut cells: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for (key, n) in coded {
        let values: Vec<String> = q.by.iter().zip(key).map(|(d, c)| text(*d, c)).collect();
        *cells.entry(values).or_default() += n;
    }
    // Under a key so fine that small groups are not listed, the groups counted here hold
    // the unlisted ones, so a refusal would tell whether they hold stays (padded with
    // listed groups up to the limit, one more group refused or not): the limit is then
    // the caller's, on the groups it lists. Stays' groups are few beside their stints.
    if let Some(max) = q.max_groups
        && out.lists_small_groups
        && cells.len() > max
    {
        return Err(crate::count::too_many_groups(
            max,
            q.by.contains(&StayDimension::Date),
            None,
        ));
    }
    out.ended_lengths_days.sort_by(f64::total_cmp);
    // Length groups in their order, not alphabetically.
    let order = |v: &str| {
        LENGTHS
            .iter()
            .position(|(l, _)| *l == v)
            .unwrap_or(if v == ONGOING {
                LENGTHS.len()
            } else {
                usize::MAX
            })
    };
    let length_at = q.by.iter().position(|d| *d == StayDimension::Length);
    let mut cells: Vec<StayCell> = cells
        .into_iter()
        .map(|(values, stays)| StayCell { values, stays })
        .collect();
    if let Some(at) = length_at {
        cells.sort_by(|a, b| {
            let key = |c: &StayCell| {
                c.values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if i == at {
                            format!("{:04}", order(v))
                        } else {
                            v.clone()
                        }
                    })
                    .collect::<Vec<_>>()
            };
            key(a).cmp(&key(b))
        });
    }
    // Days a filter on a period leaves out are not asked about (`--where date=2012-01-02`
    // is that day's, not a row of 0 for the days beside it).
    let asked = |day: NaiveDate| {
        q.filters
            .iter()
            .filter(|(d, _)| d.is_time())
            .all(|(d, wanted)| {
                let v = time_value(*d, day);
                wanted.iter().any(|w| w.eq_ignore_ascii_case(&v))
            })
    };
    // With only time dimensions, every period of the asked range is a row: a covered one
    // without stays is a true zero, one no release covers on any day is not covered.
    if !q.by.is_empty() && q.by.iter().all(|d| d.is_time()) {
        // The releases' days, widened to the periods a filter asks about (FY2100 asked
        // about is not covered, not absent with a total of 0).
        let asked_periods: Vec<(NaiveDate, NaiveDate)> = q
            .filters
            .iter()
            .flat_map(|(d, values)| {
                let period = match d {
                    StayDimension::Fy => Some(crate::Dimension::Fy),
                    StayDimension::Month => Some(crate::Dimension::Month),
                    StayDimension::Week => Some(crate::Dimension::Week),
                    StayDimension::Date => Some(crate::Dimension::Date),
                    _ => None,
                };
                values
                    .iter()
                    .filter_map(move |v| crate::count::date_bucket(period?, v))
            })
            .collect();
        let lowest = covered
            .first()
            .map(|c| c.0)
            .into_iter()
            .chain(asked_periods.iter().map(|p| p.0))
            .min();
        let highest = covered
            .last()
            .map(|c| c.1)
            .into_iter()
            .chain(asked_periods.iter().map(|p| p.1))
            .max();
        if let (Some(first), Some(last)) = (q.from.or(lowest), q.to.or(highest)) {
            let mut periods: BTreeMap<Vec<String>, bool> = BTreeMap::new();
            let mut day = first;
            while day <= last {
                if !asked(day) {
                    match day.succ_opt() {
                        Some(next) => day = next,
                        None => break,
                    }
                    continue;
                }
                let key: Vec<String> = q.by.iter().map(|d| time_value(*d, day)).collect();
                let covers = covered.iter().any(|(f, l)| *f <= day && day <= *l);
                *periods.entry(key).or_default() |= covers;
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
            for (key, covers) in periods {
                if !covers {
                    out.not_covered.push(key.join(" "));
                } else if !cells.iter().any(|c| c.values == key) {
                    cells.push(StayCell {
                        values: key,
                        stays: 0,
                    });
                }
            }
            cells.sort_by(|a, b| a.values.cmp(&b.values));
        }
    } else if let (Some(first), Some(last)) = match q.asked_days() {
        (None, None) => (None, None),
        (from, to) => (
            from.or(covered.first().map(|c| c.0)),
            to.or(covered.last().map(|c| c.1)),
        ),
    } {
        // Grouped by other dimensions, stays asked about only on days no release covers
        // are missing, not none (`--by aor --where fy=FY2030` printed a total of 0).
        let covers_an_asked_day = covered.iter().any(|(f, l)| {
            let (mut day, end) = ((*f).max(first), (*l).min(last));
            while day <= end {
                if asked(day) {
                    return true;
                }
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
            false
        });
        if !covers_an_asked_day {
            out.not_covered.push(format!("{first}..{last}"));
        }
    }
    out.cells = cells;
    Ok(out)
}
