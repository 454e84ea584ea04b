//! One count under several de-duplication rules, as it may be published
//! (`tally count --compare-dedup`).
//!
//! The rules set aside different rows of the same count, so a group under one rule minus
//! the same group under another could leave a suppressed count exposed. As with
//! method-group schemes ([`crate::schemes`]), every figure is a sum over the finest cells
//! the rules agree on (rows of one group that the same rules merge), published with
//! [`Disclosure::sum_hiding_parts`]: the same whatever its suppressed cells hold, so no
//! difference between rules reveals one.

use std::collections::BTreeMap;
use tally_model::DedupRule;
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::count::{CellCoverage, CountResult};

/// One group under one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct DedupGroup {
    /// Values of the `--by` dimensions.
    pub values: Vec<String>,
    pub rule: String,
    /// Rows the rule counts in the group.
    pub count: Figure,
    /// Rows of the group the rule merges into another row (the difference from `none`).
    pub merged: Figure,
    /// How much of the group's days releases cover (a group no release covers prints
    /// not covered under every rule, never 0).
    pub coverage: CellCoverage,
}

/// The count under each rule.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedDedup {
    pub dimensions: Vec<String>,
    pub groups: Vec<DedupGroup>,
    /// Per rule: (name, rows counted, rows merged), over every group.
    pub totals: Vec<(String, Figure, Figure)>,
    pub suppress_below: u64,
    pub any_suppressed: bool,
}

/// Publishes `atoms` (a count whose last value per group names the rules of `rules` that
/// merge its rows, joined by `+`; see `tally_query::count::MERGED_BY`) under `none` and
/// each of `rules`.
pub fn publish_dedup(
    atoms: &CountResult,
    rules: &[&DedupRule],
    rule: Disclosure,
) -> PublishedDedup {
    let n = atoms.dimensions.len().saturating_sub(1);
    let merged_by = |values: &[String], r: &DedupRule| {
        values
            .last()
            .is_some_and(|m| m.split('+').any(|name| name == r.name))
    };
    let names: Vec<String> = std::iter::once(tally_model::dedup::NO_DEDUP.to_string())
        .chain(rules.iter().map(|r| r.name.clone()))
        .collect();
    // (values, rule index) -> (kept, hidden kept, merged, hidden merged)
    type Sums = (u64, Vec<u64>, u64, Vec<u64>);
    let mut sums: BTreeMap<(Vec<String>, usize), Sums> = BTreeMap::new();
    let mut totals: Vec<Sums> = vec![Sums::default(); names.len()];
    let mut any_suppressed = false;
    let mut coverage: BTreeMap<Vec<String>, CellCoverage> = BTreeMap::new();
    for atom in &atoms.groups {
        let values = atom.values[..n.min(atom.values.len())].to_vec();
        coverage.entry(values.clone()).or_insert(atom.coverage);
        let small = rule.small(atom.count);
        any_suppressed |= small;
        for r in 0..names.len() {
            let merged = r > 0 && merged_by(&atom.values, rules[r - 1]);
            for e in [sums.entry((values.clone(), r)).or_default(), &mut totals[r]] {
                let (n, hidden) = if merged {
                    (&mut e.2, &mut e.3)
                } else {
                    (&mut e.0, &mut e.1)
                };
                *n += atom.count;
                if small {
                    hidden.push(atom.count);
                }
            }
        }
    }
    let publish = |s: &Sums| {
        (
            rule.sum_hiding_parts(s.0, &s.1),
            rule.sum_hiding_parts(s.2, &s.3),
        )
    };
    let groups = sums
        .iter()
        .map(|((values, r), s)| {
            let cover = coverage.get(values).copied().unwrap_or(CellCoverage::Full);
            let (count, merged) = match (cover, s.0 + s.2) {
                (CellCoverage::NotCovered, 0) => (Figure::NotCovered, Figure::NotCovered),
                _ => publish(s),
            };
            DedupGroup {
                values: values.clone(),
                rule: names[*r].clone(),
                count,
                merged,
                coverage: cover,
            }
        })
        .collect();
    let nothing_covered = atoms.total == 0 && atoms.total_coverage == CellCoverage::NotCovered;
    PublishedDedup {
        dimensions: atoms.dimensions[..n].to_vec(),
        groups,
        totals: names
            .iter()
            .zip(&totals)
            .map(|(name, s)| {
                let (count, merged) = if nothing_covered {
                    (Figure::NotCovered, Figure::NotCovered)
                } else {
                    publish(s)
                };
                (name.clone(), count, merged)
            })
            .collect(),
        suppress_below: rule.threshold,
        any_suppressed,
    }
}
