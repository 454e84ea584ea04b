//! Which places had which cooperation policy in force on a date, from the policy lists
//! of the store, each place with its source list and row.
//!
//! Rules, per kind of list:
//! - 287(g): the latest participating snapshot dated on or before the date (its file
//!   name's date); when every snapshot is later, the earliest one, with a caveat that
//!   agreements ended before it are unknown. Of the chosen snapshot, the agreements signed
//!   on or before the date. A snapshot taken long before the date cannot show agreements
//!   signed or ended since: the gap is stated.
//! - Sanctuary lists (`sanctuary-policies`): rows whose `effective_from` is on or before
//!   the date (or not given, when the list's own date is) and whose `effective_to`, if
//!   any, is on or after it.
//! - Secure Communities (`secure-communities`): counties activated on or before the date.
//!   The program ran from 2008, was ended in November 2014 (replaced by the Priority
//!   Enforcement Program) and restored in January 2017 (DHS memoranda of 2014-11-20 and
//!   2017-02-20); activation dates say when a county's jail fingerprints started to be
//!   shared, not whether the program ran on the date: stated as a caveat.

use super::agreements::{dated_snapshots, read_snapshot, snapshot_date};
use super::counties::CountyDirectory;
use crate::QueryError;
use crate::reference::{RefRow, read_reference};
use chrono::NaiveDate;
use serde::Serialize;
use tally_model::TableKind;
use tally_model::states::state;
use tally_store::{ReleaseEntry, Store};

/// The family a policy belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyFamily {
    /// A 287(g) agreement: local officers act for ICE.
    Agreement287g,
    /// Listed as limiting cooperation with ICE (a sanctuary list).
    Sanctuary,
    /// Secure Communities activated (jail fingerprints shared with ICE).
    SecureCommunities,
}

impl PolicyFamily {
    /// Name as printed and accepted (`287g`, `sanctuary`, `secure-communities`).
    pub fn name(self) -> &'static str {
        match self {
            PolicyFamily::Agreement287g => "287g",
            PolicyFamily::Sanctuary => "sanctuary",
            PolicyFamily::SecureCommunities => "secure-communities",
        }
    }
}

/// One place with one policy in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyPlace {
    /// The place (agency, county, city or state) as the list names it.
    pub place: String,
    /// `agency`, `county`, `city` or `state`.
    pub place_kind: String,
    /// State postal code.
    pub state: Option<String>,
    /// County FIPS code, when the place is or lies in one county.
    pub county_fips: Option<String>,
    /// AOR of that county.
    pub aor: Option<String>,
    /// The policy family.
    pub family: PolicyFamily,
    /// The policy as the list gives it ("Task Force Model", "Will not honor ICE detainer
    /// without a warrant").
    pub policy: String,
    /// Since when, where the list says.
    pub since: Option<NaiveDate>,
    /// Until when, where the list says.
    pub until: Option<NaiveDate>,
    /// The list's file name.
    pub source_file: String,
    /// Row of the list.
    pub source_row: u64,
    /// SHA-256 of the list.
    pub sha256: String,
}

/// Places with policies in force on one date.
#[derive(Debug, Clone, Serialize)]
pub struct PoliciesOn {
    /// The date asked about.
    pub date: NaiveDate,
    /// Places, by family, state, place.
    pub places: Vec<PolicyPlace>,
    /// What the reader must know about these lists on this date.
    pub caveats: Vec<String>,
    /// The lists read (file names), by family.
    pub lists: Vec<(PolicyFamily, String)>,
}

/// The policies in force on `date`.
///
/// # Errors
/// Unreadable store files.
pub fn policies_on(
    store: &Store,
    date: NaiveDate,
    counties: Option<&CountyDirectory>,
) -> Result<PoliciesOn, QueryError> {
    let mut on = PoliciesOn {
        date,
        places: Vec::new(),
        caveats: Vec::new(),
        lists: Vec::new(),
    };
    agreements_on(store, date, counties, &mut on)?;
    sanctuary_on(store, date, counties, &mut on)?;
    secure_communities_on(store, date, counties, &mut on)?;
    if counties.is_none() {
        on.caveats.push(
            "no county-aor crosswalk in the store: places are not put in counties or AORs (ingest ../shared/data/reference/uwchr_county_aor_hand.csv)".into(),
        );
    }
    on.places.sort_by(|a, b| {
        (a.family, &a.state, &a.place_kind, &a.place).cmp(&(
            b.family,
            &b.state,
            &b.place_kind,
            &b.place,
        ))
    });
    Ok(on)
}

fn agreements_on(
    store: &Store,
    date: NaiveDate,
    counties: Option<&CountyDirectory>,
    on: &mut PoliciesOn,
) -> Result<(), QueryError> {
    let Some(table) = TableKind::from_slug("287g-agreements") else {
        return Ok(());
    };
    let (dated, set_aside) = dated_snapshots(store, table);
    on.caveats.extend(set_aside);
    let Some((first, _)) = dated.first().copied() else {
        return Ok(());
    };
    let (snap_date, release) = match dated.iter().rev().find(|(d, _)| *d <= date) {
        Some(x) => *x,
        None => {
            on.caveats.push(format!(
                "287(g): the earliest snapshot ({first}) is after {date}; agreements in force on {date} that ended before {first} are not known"
            ));
            dated[0]
        }
    };
    if (date - snap_date).num_days() > 180 {
        on.caveats.push(format!(
            "287(g): the latest snapshot on or before {date} is of {snap_date}, {} days earlier; agreements signed or ended since are not known",
            (date - snap_date).num_days()
        ));
    }
    let snapshot = read_snapshot(store, table, release, counties)?;
    on.lists
        .push((PolicyFamily::Agreement287g, snapshot.file_name.clone()));
    let mut unsigned = 0;
    for a in &snapshot.agreements {
        match a.signed {
            Some(s) if s > date => continue,
            None => unsigned += 1,
            _ => {}
        }
        on.places.push(PolicyPlace {
            place: a.agency.clone(),
            place_kind: "agency".into(),
            state: a.state_postal.clone(),
            county_fips: a.county_fips.clone(),
            aor: a.aor.clone(),
            family: PolicyFamily::Agreement287g,
            policy: a.support_model.clone().unwrap_or_default(),
            since: a.signed,
            until: None,
            source_file: snapshot.file_name.clone(),
            source_row: a.source_row,
            sha256: snapshot.sha256.clone(),
        });
    }
    if unsigned > 0 {
        on.caveats.push(format!(
            "287(g): {unsigned} agreements of {} give no signing date; they are listed as in force",
            snapshot.file_name
        ));
    }
    Ok(())
}

/// Columns of `sanctuary-policies`, in this order.
const SANCTUARY_COLUMNS: [&str; 7] = [
    "jurisdiction",
    "jurisdiction_type",
    "state",
    "county_fips",
    "policy",
    "effective_from",
    "effective_to",
];

fn sanctuary_on(
    store: &Store,
    date: NaiveDate,
    counties: Option<&CountyDirectory>,
    on: &mut PoliciesOn,
) -> Result<(), QueryError> {
    let Some(table) = TableKind::from_slug("sanctuary-policies") else {
        return Ok(());
    };
    let releases = crate::releases_holding(store, table);
    for release in releases {
        let rows = read_reference(store, table, &[release], &SANCTUARY_COLUMNS)?;
        let list_date = list_date(&release.report.file_name);
        on.lists
            .push((PolicyFamily::Sanctuary, release.report.file_name.clone()));
        let mut undated = 0;
        for row in &rows {
            let from = row.values[5].date();
            let to = row.values[6].date();
            let start = from.or(list_date);
            match start {
                Some(s) if s > date => continue,
                None => undated += 1,
                _ => {}
            }
            if to.is_some_and(|t| t < date) {
                continue;
            }
            on.places
                .push(sanctuary_place(row, release, start, to, counties));
        }
        if undated > 0 {
            on.caveats.push(format!(
                "sanctuary: {undated} rows of {} give no effective date and the list no date of its own; listed as in force",
                release.report.file_name
            ));
        }
        if let Some(d) = list_date.filter(|d| (date - *d).num_days() > 365) {
            on.caveats.push(format!(
                "sanctuary: {} is a list of {d}; policies adopted or ended since are not in it",
                release.report.file_name
            ));
        }
    }
    Ok(())
}

fn sanctuary_place(
    row: &RefRow,
    release: &ReleaseEntry,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    counties: Option<&CountyDirectory>,
) -> PolicyPlace {
    let text = |i: usize| row.values[i].text().map(str::to_string);
    let place = text(0).unwrap_or_default();
    let st = text(2).and_then(|s| state(&s).map(|s| s.postal.clone()));
    let kind = text(1)
        .map(|k| k.to_lowercase())
        .unwrap_or_else(|| place_kind(&place, st.as_deref()).to_string());
    let mut fips = text(3);
    if fips.is_none()
        && kind == "county"
        && let (Some(c), Some(s)) = (counties, &st)
    {
        fips = c.find(s, &place).ok().map(|c| c.fips.clone());
    }
    let aor = fips
        .as_deref()
        .and_then(|f| counties.and_then(|c| c.county(f)))
        .and_then(|c| c.aor.clone());
    PolicyPlace {
        place,
        place_kind: kind,
        state: st,
        county_fips: fips,
        aor,
        family: PolicyFamily::Sanctuary,
        policy: text(4).unwrap_or_else(|| "listed".into()),
        since: from,
        until: to,
        source_file: release.report.file_name.clone(),
        source_row: row.source_row,
        sha256: release.report.sha256.clone(),
    }
}

fn secure_communities_on(
    store: &Store,
    date: NaiveDate,
    counties: Option<&CountyDirectory>,
    on: &mut PoliciesOn,
) -> Result<(), QueryError> {
    let Some(table) = TableKind::from_slug("secure-communities") else {
        return Ok(());
    };
    let releases = crate::releases_holding(store, table);
    if releases.is_empty() {
        return Ok(());
    }
    for release in releases {
        let rows = read_reference(
            store,
            table,
            &[release],
            &["county_fips", "county_name", "state", "activation_date"],
        )?;
        on.lists.push((
            PolicyFamily::SecureCommunities,
            release.report.file_name.clone(),
        ));
        for row in &rows {
            let Some(activated) = row.values[3].date() else {
                continue;
            };
            if activated > date {
                continue;
            }
            let fips = row.values[0].text().map(|f| format!("{f:0>5}"));
            let aor = fips
                .as_deref()
                .and_then(|f| counties.and_then(|c| c.county(f)))
                .and_then(|c| c.aor.clone());
            on.places.push(PolicyPlace {
                place: row.values[1].text().unwrap_or_default().to_string(),
                place_kind: "county".into(),
                state: row.values[2]
                    .text()
                    .and_then(|s| state(s).map(|s| s.postal.clone())),
                county_fips: fips,
                aor,
                family: PolicyFamily::SecureCommunities,
                policy: "activated".into(),
                since: Some(activated),
                until: None,
                source_file: release.report.file_name.clone(),
                source_row: row.source_row,
                sha256: release.report.sha256.clone(),
            });
        }
    }
    let ended = NaiveDate::from_ymd_opt(2014, 11, 20);
    let restored = NaiveDate::from_ymd_opt(2017, 1, 25);
    if let (Some(e), Some(r)) = (ended, restored)
        && date >= e
        && date < r
    {
        on.caveats.push(format!(
            "Secure Communities was ended on {e} (replaced by the Priority Enforcement Program) and restored on {r}: on this date counties' activation says their jails' fingerprints reached ICE, not that the program ran"
        ));
    }
    Ok(())
}

/// The date a list's file name gives: `YYYYMMDD`, or `YYYY-MM-DD`, or `YYYY-MM` (first
/// day of the month); `None` for a name with none.
pub fn list_date(file_name: &str) -> Option<NaiveDate> {
    if let Some(d) = snapshot_date(file_name) {
        return Some(d);
    }
    let bytes = file_name.as_bytes();
    for i in 0..bytes.len().saturating_sub(6) {
        let s = &file_name[i..];
        if let Some(d) = s
            .get(..10)
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        {
            return Some(d);
        }
        if let Some(t) = s.get(..7)
            && t.as_bytes()[4] == b'-'
            && t[..4].bytes().all(|b| b.is_ascii_digit())
            && let Ok(d) = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
        {
            return Some(d);
        }
    }
    None
}

/// The kind of a place a list names without saying (the 2017 list): a state's name is
/// the state; `<State> County Jails` (that list's wording for every county jail of a
/// state) is `state`; a name ending in County, Parish or Borough a county; anything else
/// a city.
pub fn place_kind(name: &str, state_postal: Option<&str>) -> &'static str {
    let trimmed = name.trim();
    let st = state(trimmed);
    if st.is_some_and(|s| state_postal.is_none_or(|p| p == s.postal)) && trimmed.len() > 2 {
        return "state";
    }
    let lower = trimmed.to_lowercase();
    if let Some(stem) = lower.strip_suffix(" county jails")
        && state(stem).is_some()
    {
        return "state";
    }
    if lower.ends_with(" county") || lower.ends_with(" parish") || lower.ends_with(" borough") {
        return "county";
    }
    "city"
}

#[cfg(test)]
mod tests {
    use super::list_date;
    use chrono::NaiveDate;

    #[test]
    fn kinds_of_places_named_without_one() {
        use super::place_kind;
        assert_eq!(place_kind("Rhode Island", None), "state");
        assert_eq!(place_kind("Colorado County Jails", Some("CO")), "state");
        assert_eq!(place_kind("Suffolk County", Some("NY")), "county");
        assert_eq!(place_kind("Boston", Some("MA")), "city");
        assert_eq!(place_kind("Washington", Some("WA")), "state");
    }

    #[test]
    fn list_dates_from_file_names() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(
            list_date("dhs_sanctuary_jurisdictions_list_2025-05.pdf"),
            d(2025, 5, 1)
        );
        assert_eq!(list_date("x_2025-05-29.pdf"), d(2025, 5, 29));
        assert_eq!(
            list_date("participatingAgencies-20251231.xlsx"),
            d(2025, 12, 31)
        );
        assert_eq!(list_date("cis_sanctuary_map_2017.csv"), None);
    }
}
