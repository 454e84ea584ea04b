//! A count keyed so finely that a small group is nearly one record (two or more fine
//! attributes: a day, a place finer than an AOR, a nationality) lists no group below the
//! threshold, and no covered cell of no rows either (beside the unlisted ones, a grid's
//! zeros would tell which hold rows); coarser counts list every group, `<10` included.

use proptest::prelude::*;
use tally_model::Disclosure;
use tally_model::disclosure::{Figure, lists_small_groups};
use tally_publish::publish_count;
use tally_query::count::CellCoverage;

mod common;
use common::arrests_count;

#[test]
fn which_keys_list_their_small_groups() {
    assert!(lists_small_groups(&["aor", "month"]));
    assert!(lists_small_groups(&["citizenship", "month"]));
    assert!(lists_small_groups(&["week", "aor", "method-group"]));
    assert!(lists_small_groups(&["month", "method-group", "aor", "fy"]));
    assert!(lists_small_groups(&["citizenship", "gender", "aor", "fy"]));
    assert!(lists_small_groups(&["aor", "date"]));
    assert!(lists_small_groups(&["landmark", "fy"]));
    // A filter pinning the dimension a --by names adds nothing.
    assert!(lists_small_groups(&["date", "aor", "date"]));
    assert!(!lists_small_groups(&["date", "landmark"]));
    assert!(!lists_small_groups(&["hour-of-day", "detention_facility"]));
    assert!(!lists_small_groups(&["date", "aor", "citizenship"]));
    assert!(!lists_small_groups(&["month", "landmark", "citizenship"]));
    assert!(!lists_small_groups(&[
        "date",
        "hour-of-day",
        "landmark",
        "citizenship",
        "gender",
        "departure-country"
    ]));
}

proptest! {
    #[test]
    fn fine_keys_list_no_small_group_and_no_zero(
        counts in proptest::collection::vec(0u64..40, 1..60),
        fine in any::<bool>(),
        pinned in any::<bool>(),
    ) {
        // Three dimensions, one of them fine (a day); a filter pinning a nationality makes
        // the key fine, as does `fine` (a day with a landmark).
        let dims: &[&str] = if fine {
            &["date", "landmark", "gender"]
        } else {
            &["date", "aor", "gender"]
        };
        let groups: Vec<(Vec<String>, u64)> = counts
            .iter()
            .enumerate()
            .map(|(i, n)| (vec![format!("a{i}"), "b".into(), "c".into()], *n))
            .collect();
        let mut result = arrests_count(dims, groups);
        if pinned {
            result.pinned = vec!["citizenship".into()];
        }
        let rule = Disclosure::default();
        let p = publish_count(&result, rule);
        let small = counts.iter().filter(|n| rule.small(**n)).count();
        if fine || pinned {
            // Only groups of 10 rows or more, each exact, in order.
            let listed: Vec<u64> = p.groups.iter().map(|g| match g.count {
                Figure::Exact(n) => n,
                other => panic!("{other:?} listed"),
            }).collect();
            let want: Vec<u64> = counts.iter().copied().filter(|n| *n >= 10).collect();
            prop_assert_eq!(listed, want);
            // Said whether or not any group is small (its presence would tell).
            let said = p.notes.iter().any(|n| n.starts_with("groups of fewer than 10 rows are not listed"));
            prop_assert!(said);
            // The total never gives the unlisted rows back exactly, and below 10 it is a
            // bound, 0 included.
            let total: u64 = counts.iter().sum();
            if small > 0 {
                prop_assert!(!matches!(p.total, Figure::Exact(_)), "{:?}", p.total);
            }
            if total < 10 {
                prop_assert_eq!(p.total, Figure::Below(10));
            }
        } else {
            prop_assert_eq!(p.groups.len(), counts.len());
            prop_assert!(p.notes.iter().all(|n| !n.contains("are not listed")));
        }
    }
}

#[test]
fn cells_no_release_covers_stay_listed_under_a_fine_key() {
    let mut result = arrests_count(
        &["date", "landmark"],
        vec![
            (vec!["2019-01-01".into(), "X".into()], 0),
            (vec!["2019-01-02".into(), "X".into()], 0),
            (vec!["2019-01-03".into(), "X".into()], 4),
            (vec!["2019-01-04".into(), "X".into()], 12),
        ],
    );
    result.groups[1].coverage = CellCoverage::NotCovered;
    let p = publish_count(&result, Disclosure::default());
    let listed: Vec<(&str, Figure)> = p
        .groups
        .iter()
        .map(|g| (g.values[0].as_str(), g.count))
        .collect();
    assert_eq!(
        listed,
        [
            ("2019-01-02", Figure::NotCovered),
            ("2019-01-04", Figure::Exact(12))
        ]
    );
    // With suppression off, every group is listed.
    let p = publish_count(&result, Disclosure::new(0));
    assert_eq!(p.groups.len(), 4);
}
