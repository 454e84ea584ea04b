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
            // The total never gives the unlisted rows back exactly: beside listed groups
            // it is not shown unless they hold 100 rows or more, then rounded.
            let total: u64 = counts.iter().sum();
            let unlisted: u64 = counts.iter().filter(|n| **n < 10).sum();
            prop_assert!(!matches!(p.total, Figure::Exact(_) | Figure::Below(_)), "{:?}", p.total);
            if unlisted < 100 {
                prop_assert_eq!(p.total, Figure::NotShown);
            } else {
                prop_assert_eq!(p.total, Figure::About { value: (total + 5) / 10 * 10, base: 10 });
            }
        } else {
            prop_assert_eq!(p.groups.len(), counts.len());
            prop_assert!(p.notes.iter().all(|n| !n.contains("are not listed")));
        }
    }
}

proptest! {
    /// Under a fine key, what is published is the same whatever the unlisted groups hold,
    /// none included, while together they hold under 100 rows: a new user pinned a filter
    /// to the listed groups and one more and read that one's rows off the total (exact
    /// where it held none, "about" where it held some).
    #[test]
    fn a_fine_key_publishes_the_same_whether_unlisted_groups_hold_rows_or_none(
        counts in proptest::collection::vec(prop_oneof![2 => 0u64..10, 1 => 10u64..60], 1..30),
        other in proptest::collection::vec(0u64..10, 30),
        rows_without_person in 0u64..3,
    ) {
        let alike: Vec<u64> = counts
            .iter()
            .zip(&other)
            .map(|(n, o)| if *n < 10 { *o } else { *n })
            .collect();
        let unlisted = |c: &[u64]| c.iter().filter(|n| **n < 10).sum::<u64>();
        prop_assume!(unlisted(&counts) < 100 && unlisted(&alike) < 100);
        let published = |c: &[u64]| {
            let groups = c
                .iter()
                .enumerate()
                .map(|(i, n)| (vec![format!("2019-01-{:02}", i + 1), "JAIL".into()], *n))
                .collect();
            let mut result = arrests_count(&["date", "landmark"], groups);
            // A count over the whole selection, here the rows of one unlisted group,
            // which 0 against <10 would give away.
            let first_unlisted = c.iter().copied().find(|n| *n < 10).unwrap_or(0);
            result.rows_without_person = Some(first_unlisted.min(rows_without_person * 5));
            let p = publish_count(&result, Disclosure::default());
            serde_json::to_string(&p).unwrap_or_default()
        };
        prop_assert_eq!(published(&counts), published(&alike));
    }
}

#[test]
fn a_fine_key_total_is_rounded_only_beside_many_unlisted_rows() {
    let rule = Disclosure::default();
    assert_eq!(rule.pooled_total(30, 30), Figure::NotShown);
    assert_eq!(rule.pooled_total(129, 30), Figure::NotShown);
    assert_eq!(
        rule.pooled_total(134, 30),
        Figure::About {
            value: 130,
            base: 10
        }
    );
    assert_eq!(Disclosure::new(0).pooled_total(31, 30), Figure::Exact(31));
    assert_eq!(rule.pooled_cell(0), Figure::Below(10));
    assert_eq!(rule.pooled_cell(10), Figure::Exact(10));
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
