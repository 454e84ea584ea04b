//! The adversary's test of `--compare-schemes`: the schemes split the same rows three
//! ways, so one scheme's groups minus another's could expose a suppressed count. For
//! random counts per (method, program) pair, every suppressed cell of the partition the
//! schemes share is set to every other value it could hold; everything published must
//! come out identical.

use proptest::prelude::*;
use tally_model::{Disclosure, schemes};
use tally_publish::publish_schemes;
use tally_query::count::CountResult;

mod common;
use common::arrests_count;

const METHODS: [&str; 6] = [
    "Located",
    "CAP Local Incarceration",
    "287(g) Program",
    "Patrol Border",
    "ERO Reprocessed Arrest",
    "Custodial Arrest",
];
const PROGRAMS: [&str; 3] = [
    "Fugitive Operations",
    "ERO Criminal Alien Program",
    "Non-Detained Docket Control",
];

fn atoms(counts: &[u64]) -> CountResult {
    arrests_count(
        &["apprehension_method", "final_program"],
        counts
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    vec![
                        METHODS[i / PROGRAMS.len()].to_string(),
                        PROGRAMS[i % PROGRAMS.len()].to_string(),
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
    fn no_difference_between_schemes_reveals_a_suppressed_count(
        counts in prop::collection::vec(prop_oneof![3 => Just(0u64), 2 => 1u64..10, 2 => 10u64..300], 18),
    ) {
        let rule = Disclosure::default();
        let all = schemes();
        let shared: Vec<(&tally_model::GroupingScheme, usize)> = vec![(&all[0], 0), (&all[1], 0), (&all[2], 1)];
        let seen = publish_schemes(&atoms(&counts), &[], &shared, rule);
        // The cells the schemes share: rows with the same group under every scheme.
        let key = |i: usize| -> Vec<&str> {
            let (m, p) = (METHODS[i / PROGRAMS.len()], PROGRAMS[i % PROGRAMS.len()]);
            vec![all[0].group_of(m), all[1].group_of(m), all[2].group_of(p)]
        };
        let mut cells: std::collections::BTreeMap<Vec<&str>, Vec<usize>> = Default::default();
        for i in 0..counts.len() {
            cells.entry(key(i)).or_default().push(i);
        }
        for members in cells.values() {
            let n: u64 = members.iter().map(|&i| counts[i]).sum();
            if !rule.small(n) {
                continue;
            }
            // Move the cell to every other small value (through its first atom).
            for other in 1..rule.threshold {
                let mut trial = counts.clone();
                for &i in members {
                    trial[i] = 0;
                }
                trial[members[0]] = other;
                let published = publish_schemes(&atoms(&trial), &[], &shared, rule);
                prop_assert_eq!(&published, &seen, "cell {:?} = {} told apart from {}", key(members[0]), n, other);
            }
        }
    }
}
