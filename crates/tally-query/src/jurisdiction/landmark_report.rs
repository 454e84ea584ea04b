//! How many arrests (or detainers) each AOR and fiscal year can be placed in a county:
//! through the landmark ([`super::landmark`]) in the older releases, through the
//! release's own state and county columns where it has them (2023 on). Counted with the
//! count kernel, so release precedence and coverage apply as in `tally count`.

use super::counties::CountyDirectory;
use super::landmark::{LandmarkPlace, place_landmark};
use crate::QueryError;
use crate::count::{CountQuery, ReleaseUse, count};
use crate::dimension::Dimension;
use std::collections::BTreeMap;
use tally_model::TableKind;
use tally_store::Store;

/// Rows of one AOR and fiscal year, by what their place is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaceShare {
    /// AOR code (`(blank)` for rows without one).
    pub aor: String,
    /// Fiscal year as printed (`FY2019`).
    pub fy: String,
    /// Rows counted.
    pub rows: u64,
    /// Rows whose landmark is an office, program or area label.
    pub not_a_place: u64,
    /// Rows whose landmark names a jail, prison or custody program.
    pub custody: u64,
    /// Rows placed in a county (by landmark or own columns).
    pub placed: u64,
    /// Of those, by the release's own state and county columns.
    pub placed_by_own_columns: u64,
    /// Custody-landmark rows placed in a county.
    pub custody_placed: u64,
    /// Rows with no landmark and no county column.
    pub blank: u64,
}

/// One distinct landmark of an AOR, where it was placed, and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandmarkUse {
    /// AOR code.
    pub aor: String,
    /// The landmark as released.
    pub landmark: String,
    /// Where it was placed.
    pub place: LandmarkPlace,
    /// Rows (all years).
    pub rows: u64,
}

/// The report.
#[derive(Debug, Clone, Default)]
pub struct PlaceReport {
    /// The crosswalk used.
    pub crosswalk: String,
    /// Per AOR and FY.
    pub shares: Vec<PlaceShare>,
    /// Per AOR and landmark.
    pub landmarks: Vec<LandmarkUse>,
    /// Releases counted.
    pub releases: Vec<ReleaseUse>,
}

/// Counts `table`'s rows by AOR, FY and landmark (and own county columns) and places
/// them.
///
/// # Errors
/// A table with neither a landmark nor a county column; store errors.
pub fn place_report(
    store: &Store,
    table: TableKind,
    counties: &CountyDirectory,
    releases: Option<Vec<String>>,
) -> Result<PlaceReport, QueryError> {
    let def = table.def();
    let field = |name: &'static str| def.field(name).map(|_| Dimension::Field(name));
    // Arrests name a landmark; detainers a facility, with its state beside it.
    let landmark = field("landmark").or_else(|| field("detention_facility"));
    let hint = if def.field("landmark").is_none() {
        field("facility_state")
    } else {
        None
    };
    let own = match (field("apprehension_state"), field("apprehension_county")) {
        (Some(s), Some(c)) => Some((s, c)),
        _ => None,
    };
    if landmark.is_none() && own.is_none() {
        return Err(QueryError::Invalid(format!(
            "{table} has neither a landmark nor a county column to place rows with"
        )));
    }
    let mut by = vec![Dimension::Aor, Dimension::Fy];
    by.extend(landmark);
    by.extend(hint);
    if let Some((s, c)) = own {
        by.push(s);
        by.push(c);
    }
    let query = CountQuery {
        table,
        by,
        filters: Vec::new(),
        from: None,
        to: None,
        releases,
        scheme: None,
        dedup: None,
        dedup_marks: Vec::new(),
        rows_only: false,
        max_groups: None,
        listed_from: None,
    };
    let result = count(store, &query)?;
    let blank = |v: &str| v.is_empty() || v.starts_with('(');
    let mut memo: BTreeMap<(String, String, Option<String>), LandmarkPlace> = BTreeMap::new();
    let mut shares: BTreeMap<(String, String), PlaceShare> = BTreeMap::new();
    let mut uses: BTreeMap<(String, String), (LandmarkPlace, u64)> = BTreeMap::new();
    for g in result.groups.iter().filter(|g| g.count > 0) {
        let aor = g.values[0].clone();
        let fy = g.values[1].clone();
        let mut at = 2;
        let landmark_text = landmark.map(|_| {
            at += 1;
            g.values[at - 1].clone()
        });
        let hint_text = hint.map(|_| {
            at += 1;
            g.values[at - 1].clone()
        });
        let own_place = own.and_then(|_| {
            let (st, county) = (&g.values[at], &g.values[at + 1]);
            if blank(st) || blank(county) {
                return None;
            }
            counties.find(st, county).ok().map(|c| c.fips.clone())
        });
        let share = shares
            .entry((aor.clone(), fy.clone()))
            .or_insert_with(|| PlaceShare {
                aor: aor.clone(),
                fy: fy.clone(),
                ..PlaceShare::default()
            });
        share.rows += g.count;
        if own_place.is_some() {
            share.placed += g.count;
            share.placed_by_own_columns += g.count;
            continue;
        }
        let text = landmark_text.filter(|t| !blank(t)).unwrap_or_default();
        let aor_code = (!blank(&aor)).then_some(aor.as_str());
        let place = memo
            .entry((aor.clone(), text.clone(), hint_text.clone()))
            .or_insert_with(|| {
                let st = hint_text.as_deref().filter(|s| !blank(s));
                place_landmark(&text, aor_code, st, counties)
            })
            .clone();
        match &place {
            LandmarkPlace::Blank => share.blank += g.count,
            LandmarkPlace::NotAPlace => share.not_a_place += g.count,
            LandmarkPlace::County { custody, .. } => {
                share.placed += g.count;
                if *custody {
                    share.custody += g.count;
                    share.custody_placed += g.count;
                }
            }
            LandmarkPlace::Unmatched(_) => {
                if super::landmark::is_custody(&text) {
                    share.custody += g.count;
                }
            }
        }
        if !text.is_empty() {
            uses.entry((aor, text)).or_insert((place, 0)).1 += g.count;
        }
    }
    Ok(PlaceReport {
        crosswalk: counties.crosswalk.clone(),
        shares: shares.into_values().collect(),
        landmarks: uses
            .into_iter()
            .map(|((aor, landmark), (place, rows))| LandmarkUse {
                aor,
                landmark,
                place,
                rows,
            })
            .collect(),
        releases: result.releases,
    })
}
