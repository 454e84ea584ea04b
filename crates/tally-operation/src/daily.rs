//! Daily counts per AOR and method group, from one `tally count` query.

use crate::spec::Window;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use tally_query::CountResult;

/// Counts keyed by (AOR, day, method group), as returned by
/// `tally count TABLE --by aor,date,method-group`.
#[derive(Debug, Clone, Default)]
pub struct DailyCounts {
    by_day: BTreeMap<(String, NaiveDate, String), u64>,
}

impl DailyCounts {
    /// Reads a count result grouped by aor, date and method-group (in that order); groups
    /// without a date (`(undated)`) are left out.
    pub fn from_count(result: &CountResult) -> DailyCounts {
        let mut by_day = BTreeMap::new();
        for g in &result.groups {
            let Ok(day) = g.values[1].parse::<NaiveDate>() else {
                continue;
            };
            *by_day
                .entry((g.values[0].clone(), day, g.values[2].clone()))
                .or_default() += g.count;
        }
        DailyCounts { by_day }
    }

    /// Reads a population grouped by aor and date (in that order): each day's people as
    /// that day's figure under the group `total` (a population has no method groups).
    pub fn from_population(result: &tally_query::PopulationResult) -> DailyCounts {
        let mut by_day = BTreeMap::new();
        for c in &result.cells {
            let Ok(day) = c.values[1].parse::<NaiveDate>() else {
                continue;
            };
            if c.days > 0 {
                *by_day
                    .entry((c.values[0].clone(), day, crate::run::TOTAL.to_string()))
                    .or_default() += c.person_days;
            }
        }
        DailyCounts { by_day }
    }

    /// AORs with at least one count in any of `windows`.
    pub fn aors_with_data(&self, windows: &[Window]) -> BTreeSet<String> {
        self.by_day
            .keys()
            .filter(|(_, day, _)| windows.iter().any(|w| w.contains(*day)))
            .map(|(a, _, _)| a.clone())
            .collect()
    }

    /// True when any count carries a method group (tables with an apprehension method).
    pub fn has_method_groups(&self) -> bool {
        self.by_day
            .keys()
            .any(|(_, _, g)| crate::run::GROUPS.contains(&g.as_str()))
    }

    /// Sum over `aors` and the days of `window`, for one method group or all (`None`).
    pub fn sum(&self, aors: &[String], window: &Window, group: Option<&str>) -> u64 {
        aors.iter()
            .map(|a| {
                self.by_day
                    .range(
                        (a.clone(), window.first, String::new())
                            ..=(a.clone(), window.last, "\u{10FFFF}".to_string()),
                    )
                    .filter(|((_, _, g), _)| group.is_none_or(|want| g == want))
                    .map(|(_, n)| *n)
                    .sum::<u64>()
            })
            .sum()
    }
}
