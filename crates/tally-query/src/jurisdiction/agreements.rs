//! 287(g) agreements of one snapshot (a `287g-agreements` or `287g-pending` release),
//! each placed in a county where the list allows it.
//!
//! Placement rule, in order:
//! 1. the list's COUNTY cell (April 2025 lists on), matched in the agency's state;
//! 2. else a county named in the agency's name before `County`/`Parish`
//!    ("Etowah County Sheriff's Office" -> Etowah), matched likewise;
//! 3. else unplaced, with the reason: a state agency (statewide), a municipality with no
//!    county given, a name the crosswalk does not know, or no crosswalk in the store.
//!
//! No other guess is made (a city police department is not put in a county by its city's
//! name: many cities straddle counties and the crosswalk has no cities).

use super::counties::CountyDirectory;
use crate::QueryError;
use crate::reference::{RefRow, read_reference};
use chrono::NaiveDate;
use serde::Serialize;
use tally_model::TableKind;
use tally_store::{ReleaseEntry, Store};

/// Columns read from a 287(g) list, in this order.
const COLUMNS: [&str; 6] = [
    "law_enforcement_agency",
    "agency_state",
    "agency_type",
    "agency_county",
    "support_model",
    "signed_date",
];

/// One agreement (or pending request) of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Agency as listed.
    pub agency: String,
    /// State as listed (`ALABAMA`).
    pub state: String,
    /// Postal code of the state, when the name is a state's.
    pub state_postal: Option<String>,
    /// County, Municipality, State Agency (lists from April 2025 on).
    pub agency_type: Option<String>,
    /// County as listed.
    pub county_listed: Option<String>,
    /// Support model as stored (released spellings already merged).
    pub support_model: Option<String>,
    /// Signing date (participating lists).
    pub signed: Option<NaiveDate>,
    /// County FIPS code, when placed.
    pub county_fips: Option<String>,
    /// AOR of the placed county.
    pub aor: Option<String>,
    /// How the county was found (`COUNTY column`, `agency name`) or why not.
    pub placement: String,
    /// Row of the list.
    pub source_row: u64,
}

/// A snapshot of a 287(g) list, placed.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The list's file name.
    pub file_name: String,
    /// Its release id.
    pub release_id: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Date in the file name (ICE stamps snapshots `YYYYMMDD`), when there is one.
    pub snapshot_date: Option<NaiveDate>,
    /// `287g-agreements` or `287g-pending`.
    pub table: String,
    /// Rows, in list order.
    pub agreements: Vec<Agreement>,
}

impl Snapshot {
    /// Rows placed in a county.
    pub fn placed(&self) -> usize {
        self.agreements
            .iter()
            .filter(|a| a.county_fips.is_some())
            .count()
    }
}

/// The first `YYYYMMDD` run of digits of a file name that is a real date
/// (`participatingAgencies-20251231.xlsx`, `ParticipatingEntities-20210113002027.xlsx`).
pub fn snapshot_date(file_name: &str) -> Option<NaiveDate> {
    let bytes = file_name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &file_name[start..i];
            if run.len() >= 8
                && let Ok(d) = NaiveDate::parse_from_str(&run[..8], "%Y%m%d")
            {
                return Some(d);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The snapshots of `table` by the date in their file names, one per date: where
/// several share a date (a cut of a list beside the whole), the one with the most rows,
/// so a small extract never stands in for the full list. Sorted by date, with caveats
/// naming the snapshots set aside (undated ones, and those of a date another outnumbers).
pub fn dated_snapshots(
    store: &Store,
    table: TableKind,
) -> (Vec<(NaiveDate, &ReleaseEntry)>, Vec<String>) {
    let rows = |r: &ReleaseEntry| -> u64 {
        r.report
            .sheets
            .iter()
            .filter(|s| s.table == table)
            .map(|s| s.rows_kept)
            .sum()
    };
    let mut caveats = Vec::new();
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<&ReleaseEntry>> =
        std::collections::BTreeMap::new();
    for r in crate::releases_holding(store, table) {
        match snapshot_date(&r.report.file_name) {
            Some(d) => by_date.entry(d).or_default().push(r),
            None => caveats.push(format!(
                "287(g): {} is not used: its file name gives no date (YYYYMMDD), so the day it lists cannot be told",
                r.report.file_name
            )),
        }
    }
    let mut dated = Vec::new();
    for (d, mut list) in by_date {
        // Most rows first; among equals, the first ingested.
        list.sort_by_key(|r| std::cmp::Reverse(rows(r)));
        let chosen = list[0];
        for other in &list[1..] {
            caveats.push(format!(
                "287(g): {} and {} are both lists of {d}; the larger, {} ({} rows), is used, not {} ({} rows)",
                chosen.report.file_name,
                other.report.file_name,
                chosen.report.file_name,
                rows(chosen),
                other.report.file_name,
                rows(other)
            ));
        }
        dated.push((d, chosen));
    }
    (dated, caveats)
}

/// Reads and places the snapshot held by `release` (a release of `table`).
///
/// # Errors
/// Unreadable store files.
pub fn read_snapshot(
    store: &Store,
    table: TableKind,
    release: &ReleaseEntry,
    counties: Option<&CountyDirectory>,
) -> Result<Snapshot, QueryError> {
    let rows = read_reference(store, table, &[release], &COLUMNS)?;
    let mut agreements: Vec<Agreement> = rows.iter().map(|r| place(r, counties)).collect();
    agreements.sort_by_key(|a| a.source_row);
    Ok(Snapshot {
        file_name: release.report.file_name.clone(),
        release_id: release.id.clone(),
        sha256: release.report.sha256.clone(),
        snapshot_date: snapshot_date(&release.report.file_name),
        table: table.slug().to_string(),
        agreements,
    })
}

fn place(row: &RefRow, counties: Option<&CountyDirectory>) -> Agreement {
    let text = |i: usize| row.values[i].text().map(str::to_string);
    let agency = text(0).unwrap_or_default();
    let state = text(1).unwrap_or_default();
    let agency_type = text(2);
    let county_listed = text(3);
    let mut a = Agreement {
        state_postal: tally_model::states::state(&state).map(|s| s.postal.clone()),
        agency: agency.clone(),
        state: state.clone(),
        agency_type: agency_type.clone(),
        county_listed: county_listed.clone(),
        support_model: text(4),
        signed: row.values[5].date(),
        county_fips: None,
        aor: None,
        placement: String::new(),
        source_row: row.source_row,
    };
    let Some(counties) = counties else {
        a.placement = "no county-aor crosswalk in the store".into();
        return a;
    };
    // A state agency works statewide: a county in its row (the April 2025 list gives
    // Idaho State Police one) does not make it a county's agreement.
    if agency_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("state agency"))
    {
        a.placement = match &county_listed {
            Some(c) => format!("state agency (statewide, no county): COUNTY cell {c:?} not used"),
            None => "state agency (statewide, no county)".into(),
        };
        return a;
    }
    let from_name = county_in_name(&agency);
    // The COUNTY cell first; when it names no county of the state (ICE's typos: "Frankin
    // County", "Pulaksi County"), the county the agency's name states, said so.
    let listed = county_listed.as_ref().map(|c| counties.find(&state, c));
    let named = from_name.as_ref().map(|c| counties.find(&state, c));
    let found = match (&listed, &named) {
        (Some(Ok(county)), _) => Some((county, "COUNTY column".to_string())),
        (Some(Err(why)), Some(Ok(county))) => Some((
            county,
            format!("agency name (COUNTY cell unmatched: {why})"),
        )),
        (None, Some(Ok(county))) => Some((county, "agency name".to_string())),
        _ => None,
    };
    let failure = match (&listed, &named) {
        (Some(Err(why)), _) | (None, Some(Err(why))) => Some(why.clone()),
        _ => None,
    };
    match (found, failure) {
        (Some((county, how)), _) => {
            a.county_fips = Some(county.fips.clone());
            a.aor = county.aor.clone();
            a.placement = how;
        }
        (None, Some(why)) => a.placement = format!("unmatched: {why}"),
        (None, None) => {
            let kind = agency_type.as_deref().map(str::to_ascii_lowercase);
            a.placement = match kind.as_deref() {
                Some("state agency") => "state agency (statewide, no county)".into(),
                Some("municipality") => "municipality, no county given".into(),
                _ if is_state_agency(&agency) => "state agency (statewide, no county)".into(),
                _ if agency.to_ascii_lowercase().contains("police") => {
                    "municipality, no county given".into()
                }
                _ => "no county given or named".into(),
            };
        }
    }
    a
}

/// The county an agency's name states: the words before `County` or `Parish`
/// ("Etowah County Sheriff's Office" -> "Etowah County").
pub fn county_in_name(agency: &str) -> Option<String> {
    let words: Vec<&str> = agency.split_whitespace().collect();
    let at = words.iter().position(|w| {
        let w = w
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        w == "county" || w == "parish"
    })?;
    if at == 0 {
        return None;
    }
    // The county name is the capitalized words right before the type word.
    let mut start = at;
    while start > 0 {
        let w = words[start - 1];
        let lower = w.to_ascii_lowercase();
        let stop = matches!(
            lower.as_str(),
            "the" | "of" | "and" | "&" | "office" | "department" | "sheriff's" | "sheriffs"
        );
        // Particles inside a name ("Fond du Lac County") continue it.
        let particle = matches!(lower.as_str(), "du" | "de" | "la" | "le" | "des") && start >= 2;
        if stop || (!w.starts_with(|c: char| c.is_uppercase()) && !particle) {
            break;
        }
        start -= 1;
    }
    if start == at {
        return None;
    }
    Some(words[start..=at].join(" "))
}

fn is_state_agency(agency: &str) -> bool {
    let lower = agency.to_ascii_lowercase();
    [
        "department of corrections",
        "state police",
        "highway patrol",
        "department of public safety",
        "state ",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counties_named_in_agency_names() {
        assert_eq!(
            county_in_name("Etowah County Sheriff's Office").as_deref(),
            Some("Etowah County")
        );
        assert_eq!(
            county_in_name("St. Lucie County Sheriff's Office").as_deref(),
            Some("St. Lucie County")
        );
        assert_eq!(
            county_in_name("Sheriff's Office of Prince William County").as_deref(),
            Some("Prince William County")
        );
        assert_eq!(
            county_in_name("East Baton Rouge Parish Sheriff's Office").as_deref(),
            Some("East Baton Rouge Parish")
        );
        assert_eq!(
            county_in_name("Fond du Lac County Sheriff's Office").as_deref(),
            Some("Fond du Lac County")
        );
        assert_eq!(county_in_name("Kodiak Police Department"), None);
        assert_eq!(county_in_name("County of Los Angeles"), None);
    }

    #[test]
    fn snapshot_dates_from_file_names() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(
            snapshot_date("ice_287g_participatingAgencies-20251231.xlsx"),
            d(2025, 12, 31)
        );
        assert_eq!(
            snapshot_date("ParticipatingEntities-20210113002027.xlsx"),
            d(2021, 1, 13)
        );
        assert_eq!(snapshot_date("participatingAgencies12312025am.xlsx"), None);
        assert_eq!(snapshot_date("list.xlsx"), None);
    }
}
