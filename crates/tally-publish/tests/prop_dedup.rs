//! The adversary's test of `--compare-dedup`: the rules set aside different rows of the
//! same count, so a group under one rule minus the same group under another could expose
//! a suppressed count. For random counts per (group, rules that merge the rows) atom,
//! every suppressed atom is set to every other value it could hold; everything published
//! must come out identical.

use proptest::prelude::*;
use tally_model::{Disclosure, dedup_rules};
use tally_publish::publish_dedup;
use tally_query::count::CountResult;

mod common;
use common::arrests_count;

const GROUPS: [&str; 3] = ["at-large", "custodial", "other"];
/// Which rules merge an atom's rows (the `merged-by` value).
const MARKS: [&str; 4] = [
    "",
    "exact+same-person-day+episode-24h",
    "same-person-day+episode-24h",
    "episode-24h",
];

fn atoms(counts: &[u64]) -> CountResult {
    arrests_count(
        &["method-group", "merged-by"],
        counts
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    vec![
                        GROUPS[i / MARKS.len()].to_string(),
                        MARKS[i % MARKS.len()].to_string(),
                    ],
                    *n,
                )
            })
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_difference_between_rules_reveals_a_suppressed_count(
        counts in prop::collection::vec(prop_oneof![3 => Just(0u64), 2 => 1u64..10, 2 => 10u64..300], 12),
    ) {
        let rule = Disclosure::default();
        let rules: Vec<&tally_model::DedupRule> = dedup_rules().iter().filter(|r| !r.is_none()).collect();
        let seen = publish_dedup(&atoms(&counts), &rules, rule);
        for (i, n) in counts.iter().enumerate() {
            if !rule.small(*n) {
                continue;
            }
            for other in 1..rule.threshold {
                let mut trial = counts.clone();
                trial[i] = other;
                let published = publish_dedup(&atoms(&trial), &rules, rule);
                prop_assert_eq!(&published, &seen, "atom {} = {} told apart from {}", i, n, other);
            }
        }
    }
}

#[test]
fn each_rule_counts_the_rows_it_keeps_and_says_what_it_merges() {
    // at-large: 100 kept by all, 20 merged by every rule, 30 merged by the person rules.
    let mut counts = vec![0u64; 12];
    counts[0] = 100;
    counts[1] = 20;
    counts[2] = 30;
    let rules: Vec<&tally_model::DedupRule> =
        dedup_rules().iter().filter(|r| !r.is_none()).collect();
    let p = publish_dedup(&atoms(&counts), &rules, Disclosure::default());
    let at_large: Vec<(String, String, String)> = p
        .groups
        .iter()
        .filter(|g| g.values == ["at-large"])
        .map(|g| (g.rule.clone(), g.count.text(), g.merged.text()))
        .collect();
    let row = |r: &str, c: &str, m: &str| (r.to_string(), c.to_string(), m.to_string());
    assert_eq!(
        at_large,
        vec![
            row("none", "150", "0"),
            row("exact", "130", "20"),
            row("same-person-day", "100", "50"),
            row("episode-24h", "100", "50"),
        ]
    );
}
