//! A detained population as it may be published.
//!
//! Each cell is a number of people (a day's count, or an average daily population rounded
//! to whole people) and goes through the small-cell rule like a count. The total:
//! - with no time dimension, it is the sum of the published cells' whole-people values, so
//!   it adds up, and is rounded by [`Disclosure::sum`] when some cell is suppressed;
//! - with a time dimension, it is the average daily population over the whole range, and
//!   is not shown when some cell is suppressed (an average over periods weighted by their
//!   days could otherwise be unpicked to a suppressed cell).
//!
//! Unmatched facility codes are listed by name and days seen, never with their people:
//! their numbers beside the `(unmatched facility)` group would give a suppressed one away.

use serde::Serialize;
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::population::{PeriodCoverage, PopulationRelease, PopulationResult};

/// One group, as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedPopulationCell {
    pub values: Vec<String>,
    /// People: the day's count, or the period's average daily population in whole people.
    pub people: Figure,
    /// Covered days the figure is over.
    pub days: u64,
}

/// A population ready to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedPopulation {
    pub table: String,
    pub dimensions: Vec<String>,
    pub measure: String,
    pub cells: Vec<PublishedPopulationCell>,
    pub total: Figure,
    pub total_days: u64,
    pub not_covered: Vec<PeriodCoverage>,
    pub releases: Vec<PopulationRelease>,
    pub facility_lists: Vec<String>,
    /// Facility codes no list knows, counted under `(unmatched facility)`.
    pub unmatched_facilities: Vec<String>,
    pub aor_disagreements: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub suppress_below: u64,
    pub any_suppressed: bool,
}

/// Whole people of `person_days` over `days`, rounded half up; a selection holding
/// anyone never rounds to a zero a reader would take for "nobody" (it counts as 1).
fn whole_people(person_days: u64, days: u64) -> u64 {
    if days == 0 {
        return 0;
    }
    let n = (person_days + days / 2) / days;
    if n == 0 && person_days > 0 { 1 } else { n }
}

/// Applies `rule` to `result`.
pub fn publish_population(result: &PopulationResult, rule: Disclosure) -> PublishedPopulation {
    let mut hidden = Vec::new();
    let mut sum = 0u64;
    let cells: Vec<PublishedPopulationCell> = result
        .cells
        .iter()
        .map(|c| {
            let people = whole_people(c.person_days, c.days);
            sum += people;
            if rule.small(people) {
                hidden.push(people);
            }
            PublishedPopulationCell {
                values: c.values.clone(),
                people: if c.days == 0 {
                    Figure::NotCovered
                } else {
                    rule.cell(people)
                },
                days: c.days,
            }
        })
        .collect();
    let timed = result
        .dimensions
        .iter()
        .any(|d| matches!(d.as_str(), "date" | "week" | "month" | "fy"));
    let total = if result.total.days == 0 {
        Figure::NotCovered
    } else if timed || result.dimensions.is_empty() {
        let people = whole_people(result.total.person_days, result.total.days);
        if hidden.is_empty() {
            rule.cell(people)
        } else {
            Figure::NotShown
        }
    } else {
        rule.sum(sum, &hidden)
    };
    PublishedPopulation {
        table: result.table.clone(),
        dimensions: result.dimensions.clone(),
        measure: result.measure.heading(&result.dimensions).to_string(),
        cells,
        total,
        total_days: result.total.days,
        not_covered: result.not_covered.clone(),
        releases: result.releases.clone(),
        facility_lists: result.facility_lists.clone(),
        unmatched_facilities: result.unmatched.iter().map(|u| u.code.clone()).collect(),
        aor_disagreements: result.aor_disagreements.clone(),
        notes: result.notes.clone(),
        suppress_below: rule.threshold,
        any_suppressed: !hidden.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tally_query::population::{PopulationCell, PopulationMeasure};

    fn result(dims: &[&str], cells: &[(&str, u64, u64)]) -> PopulationResult {
        let cells: Vec<PopulationCell> = cells
            .iter()
            .map(|(v, pd, d)| PopulationCell {
                values: vec![v.to_string()],
                person_days: *pd,
                days: *d,
            })
            .collect();
        PopulationResult {
            table: "detention-headcount".into(),
            dimensions: dims.iter().map(|d| d.to_string()).collect(),
            measure: PopulationMeasure::AverageDaily,
            total: PopulationCell {
                values: vec![],
                person_days: cells.iter().map(|c| c.person_days).sum(),
                days: cells.iter().map(|c| c.days).max().unwrap_or(0),
            },
            cells,
            not_covered: vec![],
            releases: vec![],
            facility_lists: vec![],
            unmatched: vec![],
            aor_disagreements: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn averages_round_to_whole_people_and_small_ones_are_suppressed() {
        // 30 days: 3,015 person-days = 100.5 -> 101; 150 = 5 -> suppressed; 10 -> 1 (not 0).
        let r = result(
            &["aor"],
            &[
                ("CHI", 3_015, 30),
                ("SEA", 150, 30),
                ("(unmatched facility)", 10, 30),
            ],
        );
        let p = publish_population(&r, Disclosure::default());
        assert_eq!(p.cells[0].people, Figure::Exact(101));
        assert_eq!(p.cells[1].people, Figure::Below(10));
        assert_eq!(p.cells[2].people, Figure::Below(10));
        // The total sums whole people (101 + 5 + 1) and is rounded, not exact.
        assert!(
            matches!(p.total, Figure::About { .. } | Figure::Below(_)),
            "{:?}",
            p.total
        );
        assert_ne!(p.total, Figure::Exact(107));
    }

    #[test]
    fn a_timed_total_beside_a_suppressed_cell_is_not_shown() {
        let r = result(
            &["month"],
            &[("2020-02", 29 * 500, 29), ("2020-03", 31 * 4, 31)],
        );
        let p = publish_population(&r, Disclosure::default());
        assert_eq!(p.cells[0].people, Figure::Exact(500));
        assert_eq!(p.cells[1].people, Figure::Below(10));
        assert_eq!(p.total, Figure::NotShown);
        let clean = result(&["month"], &[("2020-02", 29 * 500, 29)]);
        assert_eq!(
            publish_population(&clean, Disclosure::default()).total,
            Figure::Exact(500)
        );
    }
}
