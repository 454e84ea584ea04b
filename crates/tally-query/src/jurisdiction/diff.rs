//! What changed between two snapshots of a 287(g) list: agreements added, removed,
//! changed (same agency and support model, another signing date, type or county), and
//! agencies matched across a respelling.
//!
//! Matching, in order:
//! 1. exact: same state, support model and agency name after [`agency_key`] (case,
//!    punctuation, `Dept`/`Department`, `Co.`/`County`, `Sheriffs`/`Sheriff's` ignored);
//! 2. fuzzy: among what is left, same state and support model and names whose keys are
//!    at least [`FUZZY_THRESHOLD`] alike (normalized Levenshtein similarity, the `strsim`
//!    crate), best pairs first, one to one, never between agencies placed in different
//!    counties. Every fuzzy match is printed with its score so a reader can overrule it;
//! 3. renamed: among what is left, same state, support model, county (both placed) and
//!    signing date ("Flathead County Sheriff's Department" -> "... Office");
//! 4. moved: the same agency name and support model under another state (ICE filed Crow
//!    Wing County, Minnesota, under Massachusetts in April 2025).
//!
//! Each match says how it was made.

use super::agreements::{Agreement, Snapshot};
use serde::Serialize;

/// Least similarity (0..1, normalized Levenshtein on agency keys) for a fuzzy match.
pub const FUZZY_THRESHOLD: f64 = 0.85;

/// An agreement in both snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct Matched {
    /// The row in the first snapshot.
    pub before: Agreement,
    /// The row in the second.
    pub after: Agreement,
    /// What differs (`signed 2016-06-08 -> 2020-06-09`); empty when nothing does.
    pub changes: Vec<String>,
    /// Similarity of the agency keys when matched fuzzily; `None` for exact matches.
    pub fuzzy_score: Option<f64>,
    /// How the two rows were matched: `exact`, `fuzzy name`, `same county and signing
    /// date`, `same name, another state`.
    pub how: String,
}

/// The difference between two snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotDiff {
    /// First snapshot's file name.
    pub before: String,
    /// Second snapshot's file name.
    pub after: String,
    /// Rows in each.
    pub rows: (usize, usize),
    /// In the second only.
    pub added: Vec<Agreement>,
    /// In the first only.
    pub removed: Vec<Agreement>,
    /// In both (exact or fuzzy).
    pub matched: Vec<Matched>,
}

impl SnapshotDiff {
    /// Matched rows with some change or a fuzzy match.
    pub fn changed(&self) -> impl Iterator<Item = &Matched> {
        self.matched
            .iter()
            .filter(|m| !m.changes.is_empty() || m.how != "exact")
    }
}

/// The key agency names are matched on.
pub fn agency_key(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', " and ");
    let cleaned: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|w| *w != "s")
        .map(|w| match w {
            "dept" => "department",
            "co" | "cnty" => "county",
            "sheriffs" => "sheriff",
            "pd" => "police department",
            "ofc" => "office",
            "st" => "saint",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn exact_key(a: &Agreement) -> (String, String, String) {
    (
        a.state_postal
            .clone()
            .unwrap_or_else(|| a.state.trim().to_uppercase()),
        a.support_model.clone().unwrap_or_default().to_lowercase(),
        agency_key(&a.agency),
    )
}

/// Compares snapshot `a` (before) with `b` (after).
pub fn diff(a: &Snapshot, b: &Snapshot) -> SnapshotDiff {
    let mut left: Vec<Option<&Agreement>> = a.agreements.iter().map(Some).collect();
    let mut right: Vec<Option<&Agreement>> = b.agreements.iter().map(Some).collect();
    let mut matched = Vec::new();
    for slot in &mut left {
        let Some(x) = *slot else { continue };
        let key = exact_key(x);
        if let Some(j) = right
            .iter()
            .position(|y| y.is_some_and(|y| exact_key(y) == key))
            && let Some(y) = right[j].take()
        {
            matched.push(pair(x, y, None, "exact"));
            *slot = None;
        }
    }
    // Fuzzy pass: score every remaining same-state, same-model pair, best first.
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (i, x) in left.iter().enumerate() {
        let Some(x) = x else { continue };
        let kx = exact_key(x);
        for (j, y) in right.iter().enumerate() {
            let Some(y) = y else { continue };
            let ky = exact_key(y);
            if kx.0 != ky.0 || kx.1 != ky.1 {
                continue;
            }
            // Two agencies placed in different counties are different agencies, however
            // alike their names ("Waupaca County" and "Waukesha County" score 0.87).
            if let (Some(cx), Some(cy)) = (&x.county_fips, &y.county_fips)
                && cx != cy
            {
                continue;
            }
            let score = strsim::normalized_levenshtein(&kx.2, &ky.2);
            if score >= FUZZY_THRESHOLD {
                candidates.push((score, i, j));
            }
        }
    }
    candidates.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
    for (score, i, j) in candidates {
        if let (Some(x), Some(y)) = (left[i], right[j]) {
            matched.push(pair(
                x,
                y,
                Some((score * 1000.0).round() / 1000.0),
                "fuzzy name",
            ));
            left[i] = None;
            right[j] = None;
        }
    }
    // Renamed: same state, model, county and signing date.
    for slot in &mut left {
        let Some(x) = *slot else { continue };
        let (kx, Some(cx), Some(sx)) = (exact_key(x), &x.county_fips, x.signed) else {
            continue;
        };
        let found = right.iter().position(|y| {
            y.is_some_and(|y| {
                let ky = exact_key(y);
                ky.0 == kx.0
                    && ky.1 == kx.1
                    && y.county_fips.as_ref() == Some(cx)
                    && y.signed == Some(sx)
            })
        });
        if let Some(j) = found
            && let Some(y) = right[j].take()
        {
            let score = strsim::normalized_levenshtein(&kx.2, &exact_key(y).2);
            matched.push(pair(
                x,
                y,
                Some((score * 1000.0).round() / 1000.0),
                "same county and signing date",
            ));
            *slot = None;
        }
    }
    // Moved: the same name and model under another state.
    for slot in &mut left {
        let Some(x) = *slot else { continue };
        let kx = exact_key(x);
        let found = right.iter().position(|y| {
            y.is_some_and(|y| {
                let ky = exact_key(y);
                ky.1 == kx.1 && ky.2 == kx.2 && ky.0 != kx.0
            })
        });
        if let Some(j) = found
            && let Some(y) = right[j].take()
        {
            matched.push(pair(x, y, None, "same name, another state"));
            *slot = None;
        }
    }
    matched.sort_by_key(|m| m.after.source_row);
    SnapshotDiff {
        before: a.file_name.clone(),
        after: b.file_name.clone(),
        rows: (a.agreements.len(), b.agreements.len()),
        added: right.into_iter().flatten().cloned().collect(),
        removed: left.into_iter().flatten().cloned().collect(),
        matched,
    }
}

fn pair(x: &Agreement, y: &Agreement, fuzzy: Option<f64>, how: &str) -> Matched {
    let mut changes = Vec::new();
    if x.state.trim() != y.state.trim() {
        changes.push(format!("state {} -> {}", x.state.trim(), y.state.trim()));
    }
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(blank)".into());
    if x.agency.trim() != y.agency.trim() {
        changes.push(format!(
            "agency {:?} -> {:?}",
            x.agency.trim(),
            y.agency.trim()
        ));
    }
    if x.signed != y.signed {
        let d = |v: Option<chrono::NaiveDate>| v.map_or("(blank)".into(), |d| d.to_string());
        changes.push(format!("signed {} -> {}", d(x.signed), d(y.signed)));
    }
    // Columns a list lacks are not changes: TYPE and COUNTY appear in April 2025.
    if x.agency_type.is_some() && y.agency_type.is_some() && x.agency_type != y.agency_type {
        changes.push(format!(
            "type {} -> {}",
            show(&x.agency_type),
            show(&y.agency_type)
        ));
    }
    if x.county_fips.is_some() && y.county_fips.is_some() && x.county_fips != y.county_fips {
        changes.push(format!(
            "county {} -> {}",
            show(&x.county_fips),
            show(&y.county_fips)
        ));
    }
    Matched {
        before: x.clone(),
        after: y.clone(),
        changes,
        fuzzy_score: fuzzy,
        how: how.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agreement(agency: &str, model: &str, row: u64) -> Agreement {
        Agreement {
            agency: agency.into(),
            state: "FLORIDA".into(),
            state_postal: Some("FL".into()),
            agency_type: None,
            county_listed: None,
            support_model: Some(model.into()),
            signed: None,
            county_fips: None,
            aor: None,
            placement: String::new(),
            source_row: row,
        }
    }

    fn snapshot(rows: Vec<Agreement>) -> Snapshot {
        Snapshot {
            file_name: "x".into(),
            release_id: "x".into(),
            sha256: String::new(),
            snapshot_date: None,
            table: "287g-agreements".into(),
            agreements: rows,
        }
    }

    #[test]
    fn respelled_agencies_match_and_say_so() {
        let a = snapshot(vec![
            agreement("Alachua County Sheriff's Office", "Task Force Model", 2),
            agreement("Bay County Sheriffs Office", "Task Force Model", 3),
            agreement(
                "Brevard County Sheriff's Office",
                "Jail Enforcement Model",
                4,
            ),
            agreement("Town of Eatonville Police Dept.", "Task Force Model", 5),
        ]);
        let b = snapshot(vec![
            agreement("Alachua County Sheriff's Office ", "Task Force Model", 2),
            agreement("Bay County Sheriff's Office", "Task Force Model", 3),
            agreement("Eatonville Police Department", "Task Force Model", 4),
            agreement("Citrus County Sheriff's Office", "Task Force Model", 5),
        ]);
        let d = diff(&a, &b);
        assert_eq!(d.added.len(), 2, "{d:#?}");
        assert_eq!(d.added[0].agency, "Eatonville Police Department");
        assert_eq!(d.removed.len(), 2);
        // Brevard's jail model is gone; "Town of Eatonville Police Dept." is too unlike
        // "Eatonville Police Department" (0.79) to be matched.
        assert_eq!(d.matched.len(), 2);
        assert!(d.matched.iter().all(|m| m.fuzzy_score.is_none()));
    }

    #[test]
    fn near_spellings_are_fuzzy_matches_with_a_score() {
        let a = snapshot(vec![agreement(
            "Collier County Sherrif's Office",
            "Task Force Model",
            2,
        )]);
        let b = snapshot(vec![agreement(
            "Collier County Sheriff's Office",
            "Task Force Model",
            2,
        )]);
        let d = diff(&a, &b);
        assert_eq!(d.matched.len(), 1);
        let score = d.matched[0].fuzzy_score.unwrap_or(0.0);
        assert!((0.85..1.0).contains(&score), "{score}");
        assert_eq!(d.changed().count(), 1);
    }

    #[test]
    fn alike_names_in_different_counties_are_different_agencies() {
        let mut x = agreement(
            "Waupaca County Sheriff's Office",
            "Warrant Service Officer",
            2,
        );
        x.county_fips = Some("55135".into());
        let mut y = agreement(
            "Waukesha County Sheriff's Office",
            "Warrant Service Officer",
            2,
        );
        y.county_fips = Some("55133".into());
        let d = diff(&snapshot(vec![x]), &snapshot(vec![y]));
        assert_eq!((d.added.len(), d.removed.len(), d.matched.len()), (1, 1, 0));
    }
}
