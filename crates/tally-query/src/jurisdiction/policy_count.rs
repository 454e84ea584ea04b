//! Counts by the policy of the row's county on the row's day (`count --by policy`): each
//! row is placed in a county (the release's own state and county columns, else the
//! landmark, [`super::landmark`]) and the county's policy looked up on the row's event
//! date ([`super::timeline`]). Rows placed in no county are counted as
//! [`COUNTY_UNKNOWN`], never given a policy.
//!
//! The count kernel does the counting (precedence, filters, coverage of releases); this
//! module only regroups its cells.

use super::counties::CountyDirectory;
use super::landmark::{LandmarkPlace, place_landmark};
use super::policies::PolicyFamily;
use super::timeline::PolicyTimeline;
use crate::QueryError;
use crate::count::{CountQuery, ReleaseUse, count};
use crate::dimension::Dimension;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// The policy value of rows whose county is not known.
pub const COUNTY_UNKNOWN: &str = "(county unknown)";

/// The policy value of rows whose county's status the lists cannot tell (a 287(g) day
/// before the earliest snapshot, for a county without an agreement in it; a county listed
/// only by a list that gives no date).
pub const STATUS_UNKNOWN: &str = "(not known on the day)";

/// Dimensions `count --by policy` can add beside the policy.
pub const POLICY_COUNT_DIMENSIONS: [&str; 5] = ["policy", "aor", "fy", "month", "method-group"];

/// The two values a county takes under `family`.
pub fn policy_labels(family: PolicyFamily) -> [&'static str; 2] {
    match family {
        PolicyFamily::Agreement287g => [
            "287(g) agreement in the county",
            "no 287(g) agreement in the county",
        ],
        PolicyFamily::Sanctuary => [
            "county under a sanctuary policy",
            "county not on a sanctuary list",
        ],
        PolicyFamily::SecureCommunities => [
            "Secure Communities activated",
            "Secure Communities not activated",
        ],
    }
}

/// The result: groups (values in `by` order, count) and what was read.
#[derive(Debug, Clone, Default)]
pub struct PolicyCount {
    /// Dimension names, in order.
    pub by: Vec<String>,
    /// Groups, sorted by values.
    pub groups: Vec<(Vec<String>, u64)>,
    /// Releases of the counted table.
    pub releases: Vec<ReleaseUse>,
    /// Policy lists read.
    pub lists: Vec<String>,
    /// Rows counted without an event date (no policy can be looked up).
    pub undated: u64,
    /// List entries read with no U.S. state, placed nowhere: (list file, entry)
    /// (`PolicyTimeline::without_state`).
    pub lists_without_state: Vec<(String, String)>,
}

/// Counts `query.table` (its filters, dates and releases; its `by` is replaced) by `by`
/// (names of [`POLICY_COUNT_DIMENSIONS`], `policy` among them).
///
/// # Errors
/// An unknown dimension, a table without landmark or county columns, no list of the
/// family in the store, store errors.
pub fn count_by_policy(
    store: &tally_store::Store,
    mut query: CountQuery,
    by: &[String],
    family: PolicyFamily,
    counties: &CountyDirectory,
) -> Result<PolicyCount, QueryError> {
    for b in by {
        if !POLICY_COUNT_DIMENSIONS.contains(&b.as_str()) {
            return Err(QueryError::Invalid(format!(
                "--by policy combines with {}; not with {b}",
                POLICY_COUNT_DIMENSIONS[1..].join(", ")
            )));
        }
    }
    let timeline = PolicyTimeline::read(store, counties, family)?;
    if timeline.is_empty() {
        return Err(QueryError::Invalid(format!(
            "the store has no {} list: ingest one from ../shared/data/policy",
            family.name()
        )));
    }
    let def = query.table.def();
    let field = |name: &'static str| def.field(name).map(|_| Dimension::Field(name));
    let landmark = field("landmark").or_else(|| field("detention_facility"));
    let hint = if def.field("landmark").is_none() {
        field("facility_state")
    } else {
        None
    };
    let own = field("apprehension_state").zip(field("apprehension_county"));
    if landmark.is_none() && own.is_none() {
        return Err(QueryError::Invalid(format!(
            "{} has neither a landmark nor a county column: its rows cannot be placed in counties",
            query.table
        )));
    }
    let with_method = by.iter().any(|b| b == "method-group");
    let mut kernel_by = vec![Dimension::Aor, Dimension::Date];
    if with_method {
        kernel_by.push(Dimension::MethodGroup);
    }
    kernel_by.extend(landmark);
    kernel_by.extend(hint);
    if let Some((s, c)) = own {
        kernel_by.push(s);
        kernel_by.push(c);
    }
    query.by = kernel_by;
    let result = count(store, &query)?;
    let labels = policy_labels(family);
    let blank = |v: &str| v.is_empty() || v.starts_with('(');
    let mut memo: BTreeMap<(String, String, Option<String>), Option<String>> = BTreeMap::new();
    let mut groups: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut undated = 0;
    for g in result.groups.iter().filter(|g| g.count > 0) {
        let aor = &g.values[0];
        let day = NaiveDate::parse_from_str(&g.values[1], "%Y-%m-%d").ok();
        let mut at = 2;
        let method = with_method.then(|| {
            at += 1;
            g.values[2].clone()
        });
        let landmark_text = landmark.map(|_| {
            at += 1;
            g.values[at - 1].clone()
        });
        let hint_text = hint.map(|_| {
            at += 1;
            g.values[at - 1].clone()
        });
        let own_state = own
            .map(|_| g.values[at].clone())
            .filter(|s| !blank(s))
            .and_then(|s| tally_model::states::state(&s).map(|s| s.postal.clone()));
        let own_fips = own.and_then(|_| {
            let (st, county) = (&g.values[at], &g.values[at + 1]);
            (!blank(st) && !blank(county))
                .then(|| counties.find(st, county).ok().map(|c| c.fips.clone()))
                .flatten()
        });
        let fips = own_fips.or_else(|| {
            let text = landmark_text.clone().filter(|t| !blank(t))?;
            memo.entry((aor.clone(), text.clone(), hint_text.clone()))
                .or_insert_with(|| {
                    let st = hint_text.as_deref().filter(|s| !blank(s));
                    match place_landmark(&text, (!blank(aor)).then_some(aor.as_str()), st, counties)
                    {
                        LandmarkPlace::County { fips, .. } => Some(fips),
                        _ => None,
                    }
                })
                .clone()
        });
        let policy = match (&fips, day) {
            (Some(f), Some(d)) => {
                let postal = counties
                    .county(f)
                    .map(|c| c.state.clone())
                    .unwrap_or_default();
                match timeline.in_force(f, &postal, d) {
                    Some(true) => labels[0],
                    Some(false) => labels[1],
                    None => STATUS_UNKNOWN,
                }
            }
            (_, None) => {
                undated += g.count;
                "(no event date)"
            }
            // A row whose release gives its state but no county (its own state column,
            // else its facility's state) is under a policy of the whole state (DHS lists
            // states), else its county is unknown.
            (None, Some(d)) => match own_state
                .or_else(|| {
                    hint_text
                        .as_deref()
                        .filter(|s| !blank(s))
                        .and_then(|s| tally_model::states::state(s).map(|s| s.postal.clone()))
                })
                .as_deref()
                .and_then(|p| timeline.state_in_force(p, d))
            {
                Some(true) => labels[0],
                _ => COUNTY_UNKNOWN,
            },
        };
        let values: Vec<String> = by
            .iter()
            .map(|b| match b.as_str() {
                "policy" => policy.to_string(),
                "aor" => aor.clone(),
                "fy" => day.map_or("(no date)".into(), |d| {
                    format!(
                        "FY{}",
                        if d.month() >= 10 {
                            d.year() + 1
                        } else {
                            d.year()
                        }
                    )
                }),
                "month" => day.map_or("(no date)".into(), |d| d.format("%Y-%m").to_string()),
                _ => method.clone().unwrap_or_default(),
            })
            .collect();
        *groups.entry(values).or_default() += g.count;
    }
    Ok(PolicyCount {
        by: by.to_vec(),
        groups: groups.into_iter().collect(),
        releases: result.releases,
        lists: timeline.lists,
        undated,
        lists_without_state: timeline.without_state,
    })
}
