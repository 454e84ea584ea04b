//! Daily detained population: how many people were detained per facility and day, summed
//! to AORs, states or facilities and averaged over weeks, months or fiscal years.
//!
//! The daily figures come from a published headcount table (`detention-headcount`: one row
//! per facility and day, a stock the publisher computed). Facility codes are placed in
//! AORs and states through the store's facility lists ([`crate::facility`]); a code no
//! list knows is counted under [`UNMATCHED_FACILITY`]. Days no headcount release covers
//! are not covered, never zero; within a release's days, a facility without a row on a
//! day held nobody that day (the publisher writes rows for occupied facility-days only).
//!
//! A period coarser than a day (week, month, FY, or the whole range when no time
//! dimension is asked) gets its average daily population: person-days over the period's
//! covered days (ICE's "average daily population", ADP).

use crate::QueryError;
use crate::facility::{FacilityDirectory, UNMATCHED_FACILITY, facility_key};
use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use tally_catalog::schema;
use tally_model::TableKind;
use tally_model::date::{from_epoch_days, to_epoch_days, week_start};
use tally_model::fiscal::fiscal_year;
use tally_store::{Store, TableScan, TextColumn};

/// What a day's figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PopulationMeasure {
    /// People detained at the daily count (ICE's midnight headcount), per day; averaged
    /// over coarser periods.
    Midnight,
    /// People detained at any time of the day (Vera Institute's 24-hour population): needs
    /// book-in and book-out times, which a headcount table does not have.
    TwentyFourHour,
    /// The average of the daily midnight figure over each period (ADP).
    AverageDaily,
}

impl PopulationMeasure {
    /// Parses `midnight`, `24h` or `average-daily`.
    ///
    /// # Errors
    /// Any other word, with the accepted ones.
    pub fn parse(s: &str) -> Result<PopulationMeasure, QueryError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "midnight" => Ok(PopulationMeasure::Midnight),
            "24h" | "24-hour" => Ok(PopulationMeasure::TwentyFourHour),
            "average-daily" | "adp" => Ok(PopulationMeasure::AverageDaily),
            other => Err(QueryError::Invalid(format!(
                "unknown population measure {other:?}; expected midnight, 24h or average-daily"
            ))),
        }
    }

    /// What each figure of a population by `dimensions` is, as its heading and JSON say:
    /// a day's figure where a dimension is the date, else the average over the covered
    /// days of the cell's period (the whole range without a time dimension).
    pub fn heading(self, dimensions: &[String]) -> &'static str {
        let per_day = dimensions.iter().any(|d| d == "date");
        match (self, per_day) {
            (PopulationMeasure::TwentyFourHour, true) => "people detained at any time of the day",
            (PopulationMeasure::TwentyFourHour, false) => {
                "average daily 24-hour population (people held at any time of a day, averaged over covered days)"
            }
            (_, true) => "people detained (daily count)",
            (_, false) => "average daily population (person-days / covered days)",
        }
    }

    /// How the measure is said in a heading.
    pub fn label(self) -> &'static str {
        match self {
            PopulationMeasure::Midnight => "people detained (daily count)",
            PopulationMeasure::TwentyFourHour => "people detained at any time of the day",
            PopulationMeasure::AverageDaily => "average daily population",
        }
    }
}

/// What a population can be grouped and filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PopulationDimension {
    /// The facility's AOR (from the facility lists).
    Aor,
    /// The facility code.
    Facility,
    /// The facility's state (from the facility lists).
    State,
    Date,
    /// Monday of the week (as `count`'s `week`).
    Week,
    /// `YYYY-MM`.
    Month,
    /// Fiscal year, `FY2020`.
    Fy,
}

impl PopulationDimension {
    /// Every dimension with its name.
    pub const ALL: [(PopulationDimension, &'static str); 7] = [
        (PopulationDimension::Aor, "aor"),
        (PopulationDimension::Facility, "facility"),
        (PopulationDimension::State, "state"),
        (PopulationDimension::Date, "date"),
        (PopulationDimension::Week, "week"),
        (PopulationDimension::Month, "month"),
        (PopulationDimension::Fy, "fy"),
    ];

    /// Parses a dimension name.
    ///
    /// # Errors
    /// An unknown name, listing the known ones.
    pub fn parse(s: &str) -> Result<PopulationDimension, QueryError> {
        let key = s.trim().to_ascii_lowercase();
        let key = if key == "facility-code" {
            "facility".to_string()
        } else {
            key
        };
        crate::named(&Self::ALL, &key, "population dimension")
    }

    /// The dimension's name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(d, _)| *d == self)
            .map_or("", |(_, n)| n)
    }

    /// Every name, comma-separated.
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// True for a time dimension.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            PopulationDimension::Date
                | PopulationDimension::Week
                | PopulationDimension::Month
                | PopulationDimension::Fy
        )
    }

    fn of_day(self, day: NaiveDate) -> String {
        match self {
            PopulationDimension::Date => day.to_string(),
            PopulationDimension::Week => week_start(day).to_string(),
            PopulationDimension::Month => day.format("%Y-%m").to_string(),
            PopulationDimension::Fy => format!("FY{}", fiscal_year(day)),
            _ => String::new(),
        }
    }
}

/// A population query.
#[derive(Debug, Clone)]
pub struct PopulationQuery {
    pub by: Vec<PopulationDimension>,
    pub measure: PopulationMeasure,
    /// Place filters: (dimension, accepted values), values compared case-insensitively.
    pub filters: Vec<(PopulationDimension, Vec<String>)>,
    /// First and last day, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Where the daily figures come from; `None`: a headcount when the store has one,
    /// else stints.
    pub source: Option<PopulationSource>,
    /// Read only these releases (ids); `None` for all.
    pub releases: Option<Vec<String>>,
}

/// Where daily figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PopulationSource {
    /// A published daily headcount per facility (`detention-headcount`).
    Headcount,
    /// Detention stints (`detention-stints`): each person counted once per group and day,
    /// from their book-in and book-out times.
    Stints,
}

impl PopulationSource {
    /// Parses `headcount` or `stints`.
    ///
    /// # Errors
    /// Any other word.
    pub fn parse(s: &str) -> Result<PopulationSource, QueryError> {
        match s.trim() {
            "headcount" | "detention-headcount" => Ok(PopulationSource::Headcount),
            "stints" | "detention-stints" => Ok(PopulationSource::Stints),
            other => Err(QueryError::Invalid(format!(
                "unknown population source {other:?}; expected headcount or stints"
            ))),
        }
    }

    fn table(self) -> &'static str {
        match self {
            PopulationSource::Headcount => "detention-headcount",
            PopulationSource::Stints => "detention-stints",
        }
    }
}

/// One group of the result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationCell {
    /// One value per dimension of the query.
    pub values: Vec<String>,
    /// People detained summed over the group's covered days.
    pub person_days: u64,
    /// Covered days in the group's period.
    pub days: u64,
}

impl PopulationCell {
    /// The figure: the day's count for a one-day period, else the average daily
    /// population (person-days over covered days); `None` when no day is covered.
    pub fn value(&self) -> Option<f64> {
        (self.days > 0).then(|| self.person_days as f64 / self.days as f64)
    }
}

/// A period (of the asked time dimension) that no release covers at all, or in part.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PeriodCoverage {
    pub period: String,
    pub covered_days: u64,
    pub days: u64,
}

/// The release a population was read from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationRelease {
    pub file_name: String,
    pub sha256: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Facility-day rows read in the asked days.
    pub rows: u64,
}

/// An unmatched facility code with its people.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UnmatchedFacility {
    pub code: String,
    pub person_days: u64,
}

/// Everything a population query found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PopulationResult {
    pub table: String,
    pub dimensions: Vec<String>,
    pub measure: PopulationMeasure,
    pub cells: Vec<PopulationCell>,
    /// The whole selection: person-days and covered days of the asked range.
    pub total: PopulationCell,
    /// Periods of the time dimension not (fully) covered; with no time dimension, the
    /// asked range's uncovered part as one entry.
    pub not_covered: Vec<PeriodCoverage>,
    pub releases: Vec<PopulationRelease>,
    /// Facility lists used to place codes (file names).
    pub facility_lists: Vec<String>,
    /// Codes of the selection no list knows, largest first.
    pub unmatched: Vec<UnmatchedFacility>,
    /// Codes of the selection whose lists disagree on the AOR: (code, "SEA in a.csv; SFR in b.xlsx").
    pub aor_disagreements: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// Computes a population from the store's headcount releases, or from its stints.
///
/// From stints, a person is counted on day D in a group when one of their stints in the
/// group's facilities is open at 00:00 of D (`midnight`: book-in at or before, book-out
/// after) or at any moment of D (`24h`); a person's stints in one group are merged first,
/// so a transfer within the group, or two overlapping stints, count the person once. An
/// open stint (no book-out) runs to the end of its release's last covered day; a stint
/// without a person identifier is a person of its own; exact copies are merged.
///
/// # Errors
/// No release of the source in the store, `24h` asked of a headcount, or unreadable files.
pub fn population(store: &Store, q: &PopulationQuery) -> Result<PopulationResult, QueryError> {
    let holds = |slug: &str| {
        TableKind::from_slug(slug).is_some_and(|t| !crate::releases_holding(store, t).is_empty())
    };
    let source = q.source.unwrap_or(
        if !holds("detention-headcount") && holds("detention-stints") {
            PopulationSource::Stints
        } else {
            PopulationSource::Headcount
        },
    );
    let table = TableKind::from_slug(source.table()).ok_or_else(|| {
        QueryError::Invalid(format!("the catalog has no {} table", source.table()))
    })?;
    if q.measure == PopulationMeasure::TwentyFourHour && source == PopulationSource::Headcount {
        return Err(QueryError::Invalid(
            "--measure 24h needs each stay's book-in and book-out times; a headcount table gives one count per facility and day (use midnight or average-daily, or --source stints)".into(),
        ));
    }
    let releases: Vec<_> = crate::releases_holding(store, table)
        .into_iter()
        .filter(|r| q.releases.as_ref().is_none_or(|ids| ids.contains(&r.id)))
        .collect();
    if releases.is_empty() {
        return Err(QueryError::Invalid(match source {
            PopulationSource::Headcount => format!(
                "the store at {} holds no detention-headcount or detention-stints release; ingest a daily headcount file (for example ../shared/data/detention/uwchr_detain_inc_headcount_fy12-24ytd.csv.gz) and the facility lists that place its codes in AORs",
                store.root().display()
            ),
            PopulationSource::Stints => format!(
                "the store at {} holds no detention-stints release",
                store.root().display()
            ),
        }));
    }
    // Each day is read from one release: the latest ingested that covers it.
    let mut day_release: BTreeMap<i32, usize> = BTreeMap::new();
    let mut spans = Vec::new();
    for (at, r) in releases.iter().enumerate() {
        let cover = r.coverage(table);
        let (Some(first), Some(last)) = (
            cover.values().map(|s| s.0).min(),
            cover.values().map(|s| s.1).max(),
        ) else {
            continue;
        };
        spans.push((at, first, last));
    }
    let asked_first = q.from.or_else(|| spans.iter().map(|s| s.1).min());
    let asked_last = q.to.or_else(|| spans.iter().map(|s| s.2).max());
    let (Some(asked_first), Some(asked_last)) = (asked_first, asked_last) else {
        return Err(QueryError::Invalid(
            "the headcount releases hold no dated rows".into(),
        ));
    };
    if asked_first > asked_last {
        return Err(QueryError::Invalid(match (q.from, q.to) {
            (Some(_), Some(_)) => format!("--from {asked_first} is after --to {asked_last}"),
            _ => format!(
                "no day to show: the days asked run from {asked_first} to {asked_last} (where --from or --to is not given, the releases' coverage fills it in)"
            ),
        }));
    }
    // Where releases overlap, each day is read from one: the one whose coverage ends
    // later, and on equal ends the one ingested first (the precedence rule of `status`).
    let mut overlaps: BTreeMap<(usize, usize), (i32, i32)> = BTreeMap::new();
    for &(at, first, last) in &spans {
        let (a, b) = (first.max(asked_first), last.min(asked_last));
        if a > b {
            continue;
        }
        for d in to_epoch_days(a)..=to_epoch_days(b) {
            match day_release.get(&d).copied() {
                None => {
                    day_release.insert(d, at);
                }
                Some(held) => {
                    let ends = |i: usize| spans.iter().find(|s| s.0 == i).map(|s| s.2);
                    let (winner, loser) = if ends(at) > ends(held) {
                        (at, held)
                    } else {
                        (held, at)
                    };
                    day_release.insert(d, winner);
                    let e = overlaps.entry((winner, loser)).or_insert((d, d));
                    e.0 = e.0.min(d);
                    e.1 = e.1.max(d);
                }
            }
        }
    }
    let facilities = FacilityDirectory::read(store)?;
    let place_filters: Vec<&(PopulationDimension, Vec<String>)> =
        q.filters.iter().filter(|(d, _)| !d.is_time()).collect();
    let mut rows_read = vec![0u64; releases.len()];
    let mut bad_rows = 0u64;
    let (lo, hi) = (to_epoch_days(asked_first), to_epoch_days(asked_last));
    let place_value = |dim: PopulationDimension, code: &str| -> String {
        match dim {
            PopulationDimension::Aor => facilities.aor_of(code).to_string(),
            PopulationDimension::Facility => code.to_string(),
            PopulationDimension::State => facilities
                .place(code)
                .and_then(|p| p.state.clone())
                .unwrap_or_else(|| {
                    if facilities.place(code).is_some() {
                        "(state not listed)".into()
                    } else {
                        UNMATCHED_FACILITY.into()
                    }
                }),
            _ => String::new(),
        }
    };
    let keep = |code: &str| {
        place_filters.iter().all(|(dim, wanted)| {
            let v = place_value(*dim, code);
            wanted.iter().any(|w| w.eq_ignore_ascii_case(&v))
        })
    };
    let time_dims: Vec<(usize, PopulationDimension)> =
        q.by.iter()
            .copied()
            .enumerate()
            .filter(|(_, d)| d.is_time())
            .collect();
    let time_filters: Vec<&(PopulationDimension, Vec<String>)> =
        q.filters.iter().filter(|(d, _)| d.is_time()).collect();
    let day_kept = |day: NaiveDate| {
        time_filters
            .iter()
            .all(|(dim, wanted)| wanted.iter().any(|w| *w == dim.of_day(day)))
    };

    // Covered days per period of the time dimensions.
    let period_of =
        |day: NaiveDate| -> Vec<String> { time_dims.iter().map(|(_, d)| d.of_day(day)).collect() };
    let mut period_days: BTreeMap<Vec<String>, (u64, u64)> = BTreeMap::new();
    for d in lo..=hi {
        let day = from_epoch_days(d);
        if !day_kept(day) {
            continue;
        }
        let e = period_days.entry(period_of(day)).or_default();
        e.1 += 1;
        if day_release.contains_key(&d) {
            e.0 += 1;
        }
    }
    // The first and last periods may run past the days asked. Where the releases'
    // coverage set the edge (no --from/--to), their days past it are not covered: the
    // period is partly covered. Where --from/--to cut it, its figure averages the days
    // asked only, which its label hides: said in a note.
    let mut cut_notes: Vec<String> = Vec::new();
    if !time_dims.is_empty() && time_filters.is_empty() {
        // Days of `day`'s period beyond `day`, going back (`step` -1) or on (+1).
        let beyond = |day: NaiveDate, step: i64| -> u64 {
            let key = period_of(day);
            let mut n = 0u64;
            let mut d = day;
            // A fiscal year is the longest period: 366 days.
            while n <= 366 {
                let next = match step {
                    -1 => d.pred_opt(),
                    _ => d.succ_opt(),
                };
                match next {
                    Some(x) if period_of(x) == key => {
                        n += 1;
                        d = x;
                    }
                    _ => break,
                }
            }
            n
        };
        let (before, after) = (beyond(asked_first, -1), beyond(asked_last, 1));
        let (first_key, last_key) = (period_of(asked_first), period_of(asked_last));
        let whole = |key: &Vec<String>| {
            let inside = period_days.get(key).map_or(0, |e| e.1);
            let mut outside = 0;
            if *key == first_key {
                outside += before;
            }
            if *key == last_key {
                outside += after;
            }
            (inside, inside + outside)
        };
        let mut cut: Vec<Vec<String>> = Vec::new();
        if before > 0 && q.from.is_some() {
            cut.push(first_key.clone());
        }
        if after > 0 && q.to.is_some() && !cut.contains(&last_key) {
            cut.push(last_key.clone());
        }
        for key in &cut {
            let (inside, days) = whole(key);
            cut_notes.push(format!(
                "{} averages only the {inside} of its {days} days inside the days asked ({asked_first}..{asked_last}: --from or --to falls inside it)",
                key.join(" ")
            ));
        }
        if before > 0
            && q.from.is_none()
            && let Some(e) = period_days.get_mut(&first_key)
        {
            e.1 += before;
        }
        if after > 0
            && q.to.is_none()
            && let Some(e) = period_days.get_mut(&last_key)
        {
            e.1 += after;
        }
    }

    // Daily figures per (places, day): the non-time dimensions' values of a facility code.
    let mut place_cache: HashMap<String, Option<Vec<String>>> = HashMap::new();
    let mut places_of = |code: &str| -> Option<Vec<String>> {
        place_cache
            .entry(code.to_string())
            .or_insert_with(|| {
                keep(code).then(|| {
                    q.by.iter()
                        .filter(|d| !d.is_time())
                        .map(|d| place_value(*d, code))
                        .collect()
                })
            })
            .clone()
    };
    let mut by_place_day: HashMap<(Vec<String>, i32), u64> = HashMap::new();
    // Person-days (stint-days from stints) of the kept facility codes, to list unmatched
    // codes and disagreements.
    let mut code_days: BTreeMap<String, u64> = BTreeMap::new();
    let mut all_codes: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    match source {
        PopulationSource::Headcount => {
            let columns = ["detention_facility_code", schema::EVENT_DATE, "detained"];
            let mut by_code_day: HashMap<(String, i32), u64> = HashMap::new();
            TableScan::new(store, table, &columns).for_each(&releases, |release, batch| {
                let at = releases
                    .iter()
                    .position(|r| r.id == release.id)
                    .unwrap_or(0);
                let (Ok(codes), Some(days), Some(people)) = (
                    TextColumn::new(batch.column(0)),
                    batch.column(1).as_primitive_opt::<Date32Type>(),
                    batch.column(2).as_primitive_opt::<Int64Type>(),
                ) else {
                    return Ok(());
                };
                for i in 0..batch.num_rows() {
                    if !days.is_valid(i) {
                        bad_rows += 1;
                        continue;
                    }
                    let d = days.value(i);
                    if d < lo
                        || d > hi
                        || day_release.get(&d) != Some(&at)
                        || !day_kept(from_epoch_days(d))
                    {
                        continue;
                    }
                    let (Some(code), true) = (codes.get(i), people.is_valid(i)) else {
                        bad_rows += 1;
                        continue;
                    };
                    let n = people.value(i).max(0) as u64;
                    rows_read[at] += 1;
                    *by_code_day.entry((facility_key(code), d)).or_default() += n;
                }
                Ok(())
            })?;
            all_codes.extend(by_code_day.keys().map(|(c, _)| c.clone()));
            for ((code, d), n) in by_code_day {
                if !day_kept(from_epoch_days(d)) {
                    continue;
                }
                let Some(places) = places_of(&code) else {
                    continue;
                };
                *code_days.entry(code).or_default() += n;
                *by_place_day.entry((places, d)).or_default() += n;
            }
        }
        PopulationSource::Stints => {
            let open_until: Vec<i64> = last_days(&releases, table)
                .iter()
                .map(|last| (i64::from(to_epoch_days(*last)) + 1) * 86_400)
                .collect();
            let stints = read_stints(
                store,
                table,
                &releases,
                &open_until,
                &mut rows_read,
                &mut bad_rows,
            )?;
            all_codes.extend(stints.iter().map(|s| s.facility.clone()));
            let mut groups: Vec<(u128, u32, i64, i64)> = Vec::with_capacity(stints.len());
            let mut place_index: HashMap<Vec<String>, u32> = HashMap::new();
            let mut place_list: Vec<Vec<String>> = Vec::new();
            for s in &stints {
                let Some(places) = places_of(&s.facility) else {
                    continue;
                };
                let at = *place_index.entry(places.clone()).or_insert_with(|| {
                    place_list.push(places);
                    (place_list.len() - 1) as u32
                });
                let days = ((s.book_out - s.book_in).max(0) / 86_400 + 1) as u64;
                *code_days.entry(s.facility.clone()).or_default() += days;
                groups.push((s.person, at, s.book_in, s.book_out));
            }
            groups.sort_unstable();
            let measure = q.measure;
            let mut add = |place: u32, from: i64, to: i64| {
                // Days counted: midnight = 00:00 of D inside [from, to); 24h = D meets it.
                let (first, last) = match measure {
                    PopulationMeasure::TwentyFourHour => (
                        from.div_euclid(86_400),
                        (to.max(from + 1) - 1).div_euclid(86_400),
                    ),
                    _ => (
                        (from + 86_399).div_euclid(86_400),
                        (to - 1).div_euclid(86_400),
                    ),
                };
                for d in first.max(i64::from(lo))..=last.min(i64::from(hi)) {
                    let d = d as i32;
                    if day_release.contains_key(&d) && day_kept(from_epoch_days(d)) {
                        *by_place_day
                            .entry((place_list[place as usize].clone(), d))
                            .or_default() += 1;
                    }
                }
            };
            // Each person's intervals in one group, merged, count once per day.
            let mut i = 0;
            while i < groups.len() {
                let (person, place, mut from, mut to) = groups[i];
                let mut j = i + 1;
                while j < groups.len() && groups[j].0 == person && groups[j].1 == place {
                    if groups[j].2 <= to {
                        to = to.max(groups[j].3);
                    } else {
                        add(place, from, to);
                        (from, to) = (groups[j].2, groups[j].3);
                    }
                    j += 1;
                }
                add(place, from, to);
                i = j;
            }
        }
    }

    let mut cells: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut total_person_days = 0u64;
    for ((places, d), n) in &by_place_day {
        let day = from_epoch_days(*d);
        total_person_days += n;
        let mut key = Vec::with_capacity(q.by.len());
        let mut place_at = places.iter();
        for dim in &q.by {
            if dim.is_time() {
                key.push(dim.of_day(day));
            } else if let Some(p) = place_at.next() {
                key.push(p.clone());
            }
        }
        *cells.entry(key).or_default() += n;
    }
    let unmatched: BTreeMap<String, u64> = code_days
        .iter()
        .filter(|(c, _)| facilities.place(c).is_none())
        .map(|(c, n)| (c.clone(), *n))
        .collect();
    let time_key = |values: &[String]| -> Vec<String> {
        time_dims.iter().map(|(i, _)| values[*i].clone()).collect()
    };
    let cells: Vec<PopulationCell> = cells
        .into_iter()
        .map(|(values, person_days)| {
            let days = period_days.get(&time_key(&values)).map_or(0, |p| p.0);
            PopulationCell {
                values,
                person_days,
                days,
            }
        })
        .collect();
    // With only time dimensions, a period no release covers is a row of its own, printed
    // as not covered (never 0).
    let mut cells = cells;
    if !time_dims.is_empty() && time_dims.len() == q.by.len() {
        // Every period of the asked range is a row: not covered, or covered with nobody
        // (a true 0).
        for (period, (covered, _)) in &period_days {
            if *covered == 0 || !cells.iter().any(|c| &c.values == period) {
                cells.push(PopulationCell {
                    values: period.clone(),
                    person_days: 0,
                    days: *covered,
                });
            }
        }
        cells.sort_by(|a, b| a.values.cmp(&b.values));
    }
    let covered_total: u64 = period_days.values().map(|p| p.0).sum();
    let not_covered: Vec<PeriodCoverage> = period_days
        .iter()
        .filter(|(_, (covered, days))| covered < days)
        .map(|(period, (covered, days))| PeriodCoverage {
            period: if period.is_empty() {
                format!("{asked_first}..{asked_last}")
            } else {
                period.join(" ")
            },
            covered_days: *covered,
            days: *days,
        })
        .collect();
    let mut unmatched: Vec<UnmatchedFacility> = unmatched
        .into_iter()
        .map(|(code, person_days)| UnmatchedFacility { code, person_days })
        .collect();
    unmatched.sort_by(|a, b| b.person_days.cmp(&a.person_days).then(a.code.cmp(&b.code)));
    let seen_codes: Vec<&String> = code_days.keys().collect();
    let aor_disagreements = seen_codes
        .iter()
        .filter_map(|c| facilities.place(c).map(|p| (c, p)))
        .filter(|(_, p)| !p.aor_disagreement.is_empty())
        .map(|(c, p)| {
            let said: Vec<String> = p
                .aor_disagreement
                .iter()
                .map(|(aor, files)| format!("{aor} in {}", files.join(", ")))
                .collect();
            (
                c.to_string(),
                format!(
                    "{}; counted in {}",
                    said.join("; "),
                    p.aor.as_deref().unwrap_or("")
                ),
            )
        })
        .collect();
    let mut notes = cut_notes;
    // A place a filter names that no facility of the data is in: said, never a silent 0.
    for (dim, wanted) in &place_filters {
        for w in wanted {
            let found = all_codes
                .iter()
                .any(|c| place_value(*dim, c).eq_ignore_ascii_case(w));
            if !found {
                notes.push(format!(
                    "--where {}={w}: no facility of the {} is in it, so it adds nothing (check the spelling; `tally status` lists facility codes)",
                    dim.name(),
                    table.slug()
                ));
            }
        }
    }
    if facilities.is_empty() {
        notes.push("the store holds no detention-facilities list, so every facility is unmatched: ingest the facility lists (../shared/data/detention) to place codes in AORs".into());
    }
    for ((winner, loser), (first, last)) in &overlaps {
        notes.push(format!(
            "{} and {} both cover {}..{}: each day is read from {} (its coverage ends later, or on equal ends it was ingested first); `tally count --release` reads one explicitly",
            releases[*winner].report.file_name,
            releases[*loser].report.file_name,
            from_epoch_days(*first),
            from_epoch_days(*last),
            releases[*winner].report.file_name,
        ));
    }
    if bad_rows > 0 {
        notes.push(format!(
            "{bad_rows} headcount rows without a date, facility or number were left out"
        ));
    }
    let used: Vec<PopulationRelease> = spans
        .iter()
        .filter(|(at, _, _)| rows_read[*at] > 0)
        .map(|&(at, first, last)| PopulationRelease {
            file_name: releases[at].report.file_name.clone(),
            sha256: releases[at].report.sha256.clone(),
            first,
            last,
            rows: rows_read[at],
        })
        .collect();
    if source == PopulationSource::Stints {
        notes.push("from stints: days near a release's first day miss people booked in before it (the release holds only their later stints, if any); an open stint counts to the end of its release's last covered day".into());
    }
    Ok(PopulationResult {
        table: table.slug().to_string(),
        dimensions: q.by.iter().map(|d| d.name().to_string()).collect(),
        measure: q.measure,
        cells,
        total: PopulationCell {
            values: Vec::new(),
            person_days: total_person_days,
            days: covered_total,
        },
        not_covered,
        releases: used,
        facility_lists: facilities.lists.clone(),
        unmatched,
        aor_disagreements,
        notes,
    })
}

/// The last covered day of each release of `table` (its extraction), in order.
fn last_days(releases: &[&tally_store::ReleaseEntry], table: TableKind) -> Vec<NaiveDate> {
    releases
        .iter()
        .map(|r| {
            r.coverage(table)
                .values()
                .map(|s| s.1)
                .max()
                .unwrap_or(NaiveDate::MIN)
        })
        .collect()
}

/// One stint as a population needs it.
struct StintSpan {
    /// Person key; a stint without identifier gets a key of its own.
    person: u128,
    facility: String,
    book_in: i64,
    /// Book-out, or the end of its release's coverage when open.
    book_out: i64,
}

/// Reads the stints of `releases`, exact copies merged.
fn read_stints(
    store: &Store,
    table: TableKind,
    releases: &[&tally_store::ReleaseEntry],
    open_until: &[i64],
    rows_read: &mut [u64],
    bad_rows: &mut u64,
) -> Result<Vec<StintSpan>, QueryError> {
    let exact = tally_model::dedup_rule("exact")
        .ok_or_else(|| QueryError::Invalid("no exact rule".into()))?;
    let merged = crate::dedup::merged_rows(
        store,
        releases,
        table,
        exact,
        crate::dedup::DedupScope::CutsTogether,
    )?;
    let columns = [
        schema::SOURCE_SHEET,
        schema::SOURCE_ROW,
        "unique_identifier",
        "book_in_date_time",
        "book_out_date_time",
        "detention_facility_code",
    ];
    let mut out = Vec::new();
    let mut anonymous: u128 = 0;
    TableScan::new(store, table, &columns).for_each(releases, |release, batch| {
        let at = releases
            .iter()
            .position(|r| r.id == release.id)
            .unwrap_or(0);
        let (Ok(sheets), Some(source_rows), Ok(ids)) = (
            TextColumn::new(batch.column(0)),
            batch.column(1).as_primitive_opt::<Int64Type>(),
            TextColumn::new(batch.column(2)),
        ) else {
            return Ok(());
        };
        let codes = TextColumn::new(batch.column(5)).ok();
        let Some(book_in) = tally_store::SecondsColumn::new(batch.column(3)) else {
            *bad_rows += batch.num_rows() as u64;
            return Ok(());
        };
        let book_out = tally_store::SecondsColumn::new(batch.column(4));
        let any_merged = merged.release(&release.id).is_some();
        for i in 0..batch.num_rows() {
            if any_merged
                && merged.is_merged(
                    &release.id,
                    sheets.get(i).unwrap_or(""),
                    source_rows.value(i),
                )
            {
                continue;
            }
            let Some(start) = book_in.get(i) else {
                *bad_rows += 1;
                continue;
            };
            rows_read[at] += 1;
            let person = match ids.get(i).filter(|s| !s.trim().is_empty()) {
                Some(id) => crate::dedup::person_key(id) & !(1u128 << 126),
                None => {
                    // Keys with bit 126 set are never a real person's.
                    anonymous += 1;
                    anonymous | (1u128 << 126)
                }
            };
            out.push(StintSpan {
                person,
                facility: codes
                    .as_ref()
                    .and_then(|c| c.get(i))
                    .map(facility_key)
                    .unwrap_or_else(|| "(blank)".into()),
                book_in: start,
                book_out: book_out
                    .as_ref()
                    .and_then(|c| c.get(i))
                    .unwrap_or(open_until[at]),
            });
        }
        Ok(())
    })?;
    Ok(out)
}
