//! One count under several method-group schemes, as it may be published.
//!
//! The schemes partition the same rows differently, so a group of one scheme minus the
//! groups of another could leave a suppressed count exposed. Each group is therefore a
//! sum over the finest cells all schemes agree on (rows with the same group under every
//! scheme), published with [`Disclosure::sum_hiding_parts`]: the same whatever its
//! suppressed cells hold, so no difference between schemes reveals one.

use std::collections::BTreeMap;
use tally_model::GroupingScheme;
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::count::CountResult;

/// One group of one scheme in one cell of the other dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeGroup {
    /// Values of the other `--by` dimensions.
    pub values: Vec<String>,
    pub scheme: String,
    pub group: String,
    pub count: Figure,
}

/// The count under each scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedSchemes {
    /// The other `--by` dimensions.
    pub dimensions: Vec<String>,
    pub groups: Vec<SchemeGroup>,
    /// The rows counted (the same under every scheme).
    pub total: Figure,
    pub suppress_below: u64,
    pub any_suppressed: bool,
}

/// Groups `atoms` (a count by the other dimensions, at positions `other`, then by each
/// scheme's field) under each of `schemes` (with the position of its field in the atom
/// values), and publishes every group.
pub fn publish_schemes(
    atoms: &CountResult,
    other: &[usize],
    schemes: &[(&GroupingScheme, usize)],
    rule: Disclosure,
) -> PublishedSchemes {
    // The finest cells the schemes agree on: rows with the same group under every scheme
    // (and the same other values). Only these can be told apart by comparing schemes.
    let mut cells: BTreeMap<(Vec<String>, Vec<String>), u64> = BTreeMap::new();
    for atom in &atoms.groups {
        let values: Vec<String> = other.iter().map(|&k| atom.values[k].clone()).collect();
        let groups: Vec<String> = schemes
            .iter()
            .map(|(scheme, at)| {
                let value = &atom.values[*at];
                // Blank and withheld values have no group under any scheme.
                if value.starts_with('(') {
                    value.clone()
                } else {
                    scheme.group_of(value).to_string()
                }
            })
            .collect();
        *cells.entry((values, groups)).or_default() += atom.count;
    }
    // (other values, scheme index, group) -> (sum, suppressed cells in it)
    type GroupKey = (Vec<String>, usize, String);
    let mut sums: BTreeMap<GroupKey, (u64, Vec<u64>)> = BTreeMap::new();
    let mut hidden_all = Vec::new();
    for ((values, groups), n) in &cells {
        let small = rule.small(*n);
        if small {
            hidden_all.push(*n);
        }
        for (s, group) in groups.iter().enumerate() {
            let e = sums.entry((values.clone(), s, group.clone())).or_default();
            e.0 += n;
            if small {
                e.1.push(*n);
            }
        }
    }
    let order = |s: usize, group: &str| {
        schemes[s]
            .0
            .groups
            .iter()
            .position(|g| g == group)
            .unwrap_or(usize::MAX)
    };
    let mut keys: Vec<&GroupKey> = sums.keys().collect();
    keys.sort_by(|a, b| {
        (&a.0, a.1, order(a.1, &a.2), &a.2).cmp(&(&b.0, b.1, order(b.1, &b.2), &b.2))
    });
    let groups = keys
        .into_iter()
        .map(|k| {
            let (sum, hidden) = &sums[k];
            SchemeGroup {
                values: k.0.clone(),
                scheme: schemes[k.1].0.name.clone(),
                group: k.2.clone(),
                count: rule.sum_hiding_parts(*sum, hidden),
            }
        })
        .collect();
    PublishedSchemes {
        dimensions: other.iter().map(|&k| atoms.dimensions[k].clone()).collect(),
        groups,
        total: rule.sum_hiding_parts(atoms.total, &hidden_all),
        suppress_below: rule.threshold,
        any_suppressed: !hidden_all.is_empty(),
    }
}
