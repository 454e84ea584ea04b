//! Per-capita rates of a published count: each cell's count per 100,000 of its AOR's
//! population in the cell's fiscal year ([`tally_query::jurisdiction::population`]).
//!
//! Disclosure: a rate is published only beside an exact count. A suppressed, rounded or
//! not-covered cell gets no rate, since the rate times the published population would
//! give the count back.

use crate::PublishedCount;
use tally_model::Figure;
use tally_query::jurisdiction::{AorPopulation, PerCapita, Rate};

/// One cell's rate, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum PublishedRate {
    /// The rate, with the population year used.
    Rate(Rate),
    /// No rate: the reason (`suppressed`, `not covered`, `no population for AOR`).
    None(&'static str),
}

impl PublishedRate {
    /// The rate's columns as printed: per 100,000, low, high (one decimal), year.
    pub fn columns(&self) -> [String; 4] {
        match self {
            PublishedRate::Rate(r) => [
                format!("{:.1}", r.per_100k),
                format!("{:.1}", r.low),
                if r.high.is_finite() {
                    format!("{:.1}", r.high)
                } else {
                    "unbounded".into()
                },
                r.year.to_string(),
            ],
            PublishedRate::None(why) => [
                format!("({why})"),
                String::new(),
                String::new(),
                String::new(),
            ],
        }
    }
}

/// Rates of every group of `p`, whose dimensions hold the AOR at `aor_at` and the FY
/// (`FY2016`) at `fy_at`; with notes naming the population used and the years
/// substituted.
pub fn publish_rates(
    p: &PublishedCount,
    aor_at: usize,
    fy_at: usize,
    population: &AorPopulation,
    measure: PerCapita,
) -> (Vec<PublishedRate>, Vec<String>) {
    let mut substituted: std::collections::BTreeSet<(i32, i32)> = Default::default();
    let rates: Vec<PublishedRate> = p
        .groups
        .iter()
        .map(|g| {
            let (Some(aor), Some(fy)) = (g.values.get(aor_at), g.values.get(fy_at)) else {
                return PublishedRate::None("no AOR or FY");
            };
            let Some(fy) = fy.trim_start_matches("FY").parse::<i32>().ok() else {
                return PublishedRate::None("no fiscal year");
            };
            let count = match g.count {
                Figure::Exact(n) => n,
                Figure::NotCovered => return PublishedRate::None("not covered"),
                _ => return PublishedRate::None("count suppressed"),
            };
            match population.rate(count, aor, fy) {
                Some(r) => {
                    if r.year != fy {
                        substituted.insert((fy, r.year));
                    }
                    PublishedRate::Rate(r)
                }
                None => PublishedRate::None("no population for this AOR"),
            }
        })
        .collect();
    let mut notes = vec![format!(
        "per capita: count per 100,000 {}residents of the AOR's counties (ACS estimates from {}, sha256 {}); interval: the population estimate ± 1.96 standard errors (the counts are complete, not samples); FY N uses population year N",
        match measure {
            PerCapita::Total => "",
            PerCapita::ForeignBorn => "foreign-born ",
            PerCapita::Noncitizen => "non-citizen ",
            PerCapita::Undocumented => "estimated undocumented ",
        },
        population.file_name,
        population.sha256
    )];
    for (fy, year) in substituted {
        notes.push(format!(
            "per capita: FY{fy} has no population estimate in {}; its rates use {year}'s",
            population.file_name
        ));
    }
    let partial: Vec<String> = p
        .groups
        .iter()
        .zip(&rates)
        .filter(|(g, r)| {
            matches!(r, PublishedRate::Rate(_))
                && matches!(g.coverage, tally_query::count::CellCoverage::Partial { .. })
        })
        .map(|(g, _)| g.values.join(" "))
        .collect();
    if !partial.is_empty() {
        notes.push(format!(
            "per capita: these cells are only partly covered, and their rates count the covered days only (not annualized; not comparable with full years): {}",
            partial.join(", ")
        ));
    }
    if p.groups
        .iter()
        .any(|g| !matches!(g.count, Figure::Exact(_) | Figure::NotCovered))
    {
        notes.push("per capita: cells whose count is suppressed get no rate, which would give the count back".into());
    }
    (rates, notes)
}
