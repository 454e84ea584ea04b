//! De-duplication rules (`data/dedup.toml`): the ways analysts decide which rows of one
//! release record the same event, each with its source. The rule is a visible choice at
//! query time (`tally count --dedup NAME`); the rows themselves stay in the store.
//!
//! Every rule acts within one release: ICE's anonymized person identifiers do not match
//! across releases (DDP news, 2025-03-21). Rows without a person identifier are never
//! merged by a person rule, and how many there are is said beside every figure.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const DEDUP_TOML: &str = include_str!("../data/dedup.toml");

/// The rule that leaves rows as released.
pub const NO_DEDUP: &str = "none";

/// What a rule does (the code that applies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DedupKind {
    /// Rows as released.
    None,
    /// Rows identical in every released field: the first in the release's order stays.
    Exact,
    /// Rows of one person on one event date: the last processed stays.
    SameDay,
    /// Rows of one person within some hours of the first row of an episode: the last
    /// processed stays.
    Episode,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupRule {
    pub name: String,
    pub kind: DedupKind,
    /// Length of an episode, for [`DedupKind::Episode`].
    #[serde(default)]
    pub hours: Option<u32>,
    pub title: String,
    pub source: String,
}

impl DedupRule {
    /// True for the rules that match rows on a person identifier.
    pub fn needs_person(&self) -> bool {
        matches!(self.kind, DedupKind::SameDay | DedupKind::Episode)
    }

    /// True for the rule that merges nothing.
    pub fn is_none(&self) -> bool {
        self.kind == DedupKind::None
    }

    /// An episode's length in seconds (24 hours when the file gives none).
    pub fn episode_seconds(&self) -> i64 {
        i64::from(self.hours.unwrap_or(24)) * 3_600
    }
}

#[derive(Deserialize)]
struct DedupFile {
    rule: Vec<DedupRule>,
}

/// Every shipped rule, `none` first.
///
/// # Panics
/// When the embedded file is malformed (a build defect, caught by the tests).
pub fn dedup_rules() -> &'static [DedupRule] {
    static RULES: OnceLock<Vec<DedupRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let file: DedupFile = match toml::from_str(DEDUP_TOML) {
            Ok(f) => f,
            Err(e) => panic!("dedup.toml: {e}"),
        };
        for r in &file.rule {
            if r.kind == DedupKind::Episode && r.hours.is_none_or(|h| h == 0) {
                panic!("dedup.toml: episode rule {:?} needs hours", r.name);
            }
        }
        file.rule
    })
}

/// The rule named `name`.
pub fn dedup_rule(name: &str) -> Option<&'static DedupRule> {
    dedup_rules().iter().find(|r| r.name == name)
}

/// The names of the rules, for messages.
pub fn dedup_rule_names() -> String {
    dedup_rules()
        .iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load_in_order() {
        assert_eq!(
            dedup_rule_names(),
            "none, exact, same-person-day, episode-24h"
        );
        assert!(dedup_rules()[0].is_none());
        let episode = dedup_rule("episode-24h").unwrap();
        assert_eq!(episode.episode_seconds(), 86_400);
        assert!(episode.needs_person());
        assert!(!dedup_rule("exact").unwrap().needs_person());
    }
}
