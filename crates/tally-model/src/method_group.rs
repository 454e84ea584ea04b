//! Apprehension methods → method groups: the default scheme (`data/schemes/default.csv`,
//! see [`crate::scheme`]) as the enum that ingest stores and operations use.

use crate::text::lookup_key;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How an arrest came about, grouped for the custodial vs at-large question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodGroup {
    /// Taken from the custody of a jail, prison or 287(g) partner.
    Custodial,
    /// Arrested in the community (home, street, worksite, check-in).
    AtLarge,
    /// Border-patrol style methods (likely CBP-origin cases).
    Border,
    /// Every other method given, including methods Tally does not know (a blank or withheld
    /// method has no group).
    Other,
}

impl MethodGroup {
    /// The name printed and stored (`custodial`, `at-large`, `border`, `other`).
    pub fn name(self) -> &'static str {
        match self {
            MethodGroup::Custodial => "custodial",
            MethodGroup::AtLarge => "at-large",
            MethodGroup::Border => "border",
            MethodGroup::Other => "other",
        }
    }

    fn parse(name: &str) -> Option<MethodGroup> {
        [
            MethodGroup::Custodial,
            MethodGroup::AtLarge,
            MethodGroup::Border,
            MethodGroup::Other,
        ]
        .into_iter()
        .find(|g| g.name() == name)
    }
}

/// The method-group scheme: exact method names and name prefixes, each with its source.
///
/// Shipped scheme (`data/schemes/default.csv`, issue #2): custodial = CAP Local/State/Federal
/// Incarceration, Criminal Alien Program, 287(g) Program, Custodial Arrest; at-large =
/// Located, Non-Custodial Arrest, Probation and Parole, Worksite Enforcement; border =
/// Patrol Border, Patrol Interior, Inspections, Anti-Smuggling, Boat Patrol, Traffic Check,
/// Crewman/Stowaway, Transportation Check (any); other = every other method given,
/// including methods not listed (which `tally status` lists as unknown). A blank or
/// withheld method has no group.
#[derive(Debug, Clone)]
pub struct MethodGroups {
    exact: HashMap<String, MethodGroup>,
    prefixes: Vec<(String, MethodGroup)>,
    rows: Vec<MethodGroupRule>,
}

/// One line of the scheme, for documentation and `status`.
#[derive(Debug, Clone, Serialize)]
pub struct MethodGroupRule {
    /// `exact` or `prefix`.
    pub matching: String,
    /// Method name (exact) or prefix, as in the file.
    pub method: String,
    /// The group it belongs to.
    pub group: MethodGroup,
    /// Where the grouping comes from.
    pub source: String,
}

impl MethodGroups {
    /// The scheme stored with every release: the `default` scheme of
    /// [`crate::scheme::schemes`].
    pub fn embedded() -> MethodGroups {
        let mut exact = HashMap::new();
        let mut prefixes = Vec::new();
        let mut rows = Vec::new();
        let scheme = crate::scheme::default_scheme();
        for rule in &scheme.rules {
            let Some(group) = MethodGroup::parse(&rule.group) else {
                panic!("schemes/default.csv: unknown group {:?}", rule.group)
            };
            match rule.matching {
                crate::scheme::Matching::Exact => {
                    exact.insert(lookup_key(&rule.value), group);
                }
                _ => prefixes.push((lookup_key(&rule.value), group)),
            }
            rows.push(MethodGroupRule {
                matching: format!("{:?}", rule.matching).to_lowercase(),
                method: rule.value.clone(),
                group,
                source: rule.source.clone(),
            });
        }
        MethodGroups {
            exact,
            prefixes,
            rows,
        }
    }

    /// The group of a method as released; unknown or blank methods are [`MethodGroup::Other`].
    pub fn group_of(&self, method: &str) -> MethodGroup {
        self.classify(method).unwrap_or(MethodGroup::Other)
    }

    /// The group when the scheme lists the method, `None` when it is unknown.
    pub fn classify(&self, method: &str) -> Option<MethodGroup> {
        let key = lookup_key(method);
        if let Some(g) = self.exact.get(&key) {
            return Some(*g);
        }
        self.prefixes
            .iter()
            .find(|(p, _)| key.starts_with(p.as_str()))
            .map(|(_, g)| *g)
    }

    /// The scheme's rules in file order.
    pub fn rules(&self) -> &[MethodGroupRule] {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_follow_the_documented_scheme() {
        let g = MethodGroups::embedded();
        assert_eq!(
            g.group_of("CAP Local Incarceration"),
            MethodGroup::Custodial
        );
        assert_eq!(g.group_of("287(g) Program"), MethodGroup::Custodial);
        assert_eq!(g.group_of("Custodial Arrest"), MethodGroup::Custodial);
        assert_eq!(g.group_of("Located"), MethodGroup::AtLarge);
        assert_eq!(g.group_of("probation and parole"), MethodGroup::AtLarge);
        assert_eq!(
            g.group_of("Transportation Check Freight Train"),
            MethodGroup::Border
        );
        assert_eq!(g.group_of("Crewman/Stowaway"), MethodGroup::Border);
        assert_eq!(g.group_of("ERO Reprocessed Arrest"), MethodGroup::Other);
        assert_eq!(g.classify("Teleportation"), None);
        assert_eq!(g.group_of("Teleportation"), MethodGroup::Other);
    }

    #[test]
    fn every_uwchr_method_fy12_23_is_listed() {
        // ../shared/data/reference/uwchr_fy12-23_arr_methods.txt, lower-cased by UWCHR.
        // The package directory at run time (see tally-cli's tests/common::shared_data).
        let package = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let path =
            format!("{package}/../../../shared/data/reference/uwchr_fy12-23_arr_methods.txt");
        let text =
            std::fs::read_to_string(&path).expect("shared reference data beside the repository");
        let g = MethodGroups::embedded();
        let unknown: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && g.classify(l).is_none())
            .collect();
        assert!(
            unknown.is_empty(),
            "methods missing from the scheme: {unknown:?}"
        );
    }
}
