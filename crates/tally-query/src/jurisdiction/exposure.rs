//! How much of each AOR lives under a policy on a date: the share of its counties under
//! it (a county listed itself, or in a state listed as a whole).
//!
//! Counties, not people: the store has populations per AOR (ACS), not per county, so a
//! population-weighted share cannot be computed from the data Tally holds; the share of
//! counties is stated as what it is. City policies place no county (a city is not its
//! county, and the crosswalk has no cities): they are counted apart.

use super::counties::CountyDirectory;
use super::policies::{PoliciesOn, PolicyFamily};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One AOR's exposure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AorExposure {
    /// AOR code.
    pub aor: String,
    /// Counties of the AOR in the crosswalk.
    pub counties: usize,
    /// Of them, under the policy.
    pub counties_under: usize,
    /// `counties_under / counties`.
    pub share: f64,
    /// City policies in the AOR's states that place no county.
    pub city_policies: usize,
}

/// Exposure of every AOR of the crosswalk to `family` on `on.date`.
pub fn aor_exposure(
    on: &PoliciesOn,
    counties: &CountyDirectory,
    family: PolicyFamily,
) -> Vec<AorExposure> {
    let places: Vec<_> = on.places.iter().filter(|p| p.family == family).collect();
    let whole_states: BTreeSet<&str> = places
        .iter()
        .filter(|p| p.place_kind == "state")
        .filter_map(|p| p.state.as_deref())
        .collect();
    let listed: BTreeSet<&str> = places
        .iter()
        .filter_map(|p| p.county_fips.as_deref())
        .collect();
    let mut by_aor: BTreeMap<String, (usize, usize, BTreeSet<String>)> = BTreeMap::new();
    for c in counties.counties() {
        let Some(aor) = &c.aor else { continue };
        let e = by_aor.entry(aor.clone()).or_default();
        e.0 += 1;
        if listed.contains(c.fips.as_str()) || whole_states.contains(c.state.as_str()) {
            e.1 += 1;
        }
        e.2.insert(c.state.clone());
    }
    by_aor
        .into_iter()
        .map(|(aor, (n, under, states))| AorExposure {
            city_policies: places
                .iter()
                .filter(|p| {
                    p.place_kind == "city" && p.state.as_ref().is_some_and(|s| states.contains(s))
                })
                .count(),
            aor,
            counties: n,
            counties_under: under,
            share: if n == 0 { 0.0 } else { under as f64 / n as f64 },
        })
        .collect()
}
