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
        Self::ALL
            .iter()
            .find(|(_, n)| *n == key)
            .map(|(d, _)| *d)
            .ok_or_else(|| {
                QueryError::Invalid(format!(
                    "unknown population dimension {s:?}; expected one of {}",
                    Self::names()
                ))
            })
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

/// Computes a population from the store's headcount releases.
///
/// # Errors
/// No headcount release in the store, `24h` asked of a headcount, or unreadable files.
pub fn population(store: &Store, q: &PopulationQuery) -> Result<PopulationResult, QueryError> {
    let table = TableKind::from_slug("detention-headcount").ok_or_else(|| {
        QueryError::Invalid("the catalog has no detention-headcount table".into())
    })?;
    if q.measure == PopulationMeasure::TwentyFourHour {
        return Err(QueryError::Invalid(
            "--measure 24h needs each stay's book-in and book-out times; a headcount table gives one count per facility and day (use midnight or average-daily)".into(),
        ));
    }
    let releases: Vec<_> = store
        .manifest()
        .releases
        .iter()
        .filter(|r| r.files.iter().any(|f| f.table == Some(table)))
        .collect();
    if releases.is_empty() {
        return Err(QueryError::Invalid(format!(
            "the store at {} holds no detention-headcount release; ingest a daily headcount file (for example ../shared/data/detention/uwchr_detain_inc_headcount_fy12-24ytd.csv.gz) and the facility lists that place its codes in AORs",
            store.root().display()
        )));
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
        return Err(QueryError::Invalid(format!(
            "--from {asked_first} is after --to {asked_last}"
        )));
    }
    let mut overlapped = 0u64;
    for &(at, first, last) in &spans {
        let (a, b) = (first.max(asked_first), last.min(asked_last));
        if a > b {
            continue;
        }
        for d in to_epoch_days(a)..=to_epoch_days(b) {
            if day_release.insert(d, at).is_some() {
                overlapped += 1;
            }
        }
    }

    let facilities = FacilityDirectory::read(store)?;
    let place_filters: Vec<&(PopulationDimension, Vec<String>)> =
        q.filters.iter().filter(|(d, _)| !d.is_time()).collect();
    let columns = ["detention_facility_code", schema::EVENT_DATE, "detained"];
    let mut by_code_day: HashMap<(String, i32), u64> = HashMap::new();
    let mut rows_read = vec![0u64; releases.len()];
    let mut bad_rows = 0u64;
    let (lo, hi) = (to_epoch_days(asked_first), to_epoch_days(asked_last));
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
            if d < lo || d > hi || day_release.get(&d) != Some(&at) {
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

    let mut cells: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut unmatched: BTreeMap<String, u64> = BTreeMap::new();
    let mut total_person_days = 0u64;
    let mut place_cache: HashMap<String, Option<Vec<String>>> = HashMap::new();
    for ((code, d), n) in &by_code_day {
        let day = from_epoch_days(*d);
        if !day_kept(day) {
            continue;
        }
        let places = place_cache.entry(code.clone()).or_insert_with(|| {
            keep(code).then(|| {
                q.by.iter()
                    .filter(|d| !d.is_time())
                    .map(|d| place_value(*d, code))
                    .collect()
            })
        });
        let Some(places) = places else {
            continue;
        };
        if facilities.place(code).is_none() {
            *unmatched.entry(code.clone()).or_default() += n;
        }
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
        for (period, _) in period_days.iter().filter(|(_, (covered, _))| *covered == 0) {
            cells.push(PopulationCell {
                values: period.clone(),
                person_days: 0,
                days: 0,
            });
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
    let mut seen_codes: Vec<&String> = by_code_day
        .keys()
        .map(|(c, _)| c)
        .filter(|c| place_cache.get(*c).is_some_and(Option::is_some))
        .collect();
    seen_codes.sort();
    seen_codes.dedup();
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
    let mut notes = Vec::new();
    if facilities.is_empty() {
        notes.push("the store holds no detention-facilities list, so every facility is unmatched: ingest the facility lists (../shared/data/detention) to place codes in AORs".into());
    }
    if overlapped > 0 {
        notes.push(format!(
            "{overlapped} days are covered by more than one headcount release; each day is read from the latest ingested"
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
