//! The adversary's test of the publication layer: for random small count tables, every
//! assignment of values to the suppressed cells is tried, and a suppressed cell must keep
//! at least two values under which everything published (every cell, the total, each
//! release's rows, each overlap's rows, as figures and as printed text) comes out
//! identical. A cell with one such value could be worked out from what Tally publishes.

use proptest::prelude::*;
use tally_model::{Disclosure, TableKind};
use tally_publish::{PublishedCount, publish_count};
use tally_query::count::{CellCoverage, CountResult, Group, PartialDayUse, ReleaseUse};

/// A count result of `cells`, each cell's rows split between two releases by `split`.
fn result(cells: &[u64], split: &[bool]) -> CountResult {
    let table = TableKind::from_slug("arrests").expect("table");
    let groups: Vec<Group> = cells
        .iter()
        .enumerate()
        .map(|(i, n)| Group {
            values: vec![format!("g{i:02}")],
            count: *n,
            coverage: CellCoverage::Full,
            incomplete: i == 0,
            vocabulary: None,
        })
        .collect();
    let in_a: u64 = cells
        .iter()
        .zip(split)
        .filter(|(_, a)| **a)
        .map(|(n, _)| n)
        .sum();
    let total: u64 = cells.iter().sum();
    let release = |id: &str, rows: u64| ReleaseUse {
        id: id.into(),
        sha256: id.repeat(8),
        file_name: format!("{id}.csv"),
        sheets: vec![format!("{id}.csv")],
        rows_counted: rows,
        rows_shadowed: 0,
        rows_duplicate: 0,
        cut_of_workbook: false,
        overlaps_another: true,
    };
    CountResult {
        table,
        dimensions: vec!["group".into()],
        groups,
        total,
        total_coverage: CellCoverage::Full,
        releases: vec![release("a", in_a), release("b", total - in_a)],
        overlaps: Vec::new(),
        undated_rows: 0,
        coverage_gaps: Vec::new(),
        // The first cell is a release's partial last day: the note prints its rows too.
        partial_days: vec![PartialDayUse {
            file_name: "a.csv".into(),
            release: "r".into(),
            part: None,
            day: tally_query::count::PartialDay {
                date: chrono::NaiveDate::from_ymd_opt(2019, 8, 31).expect("date"),
                rows: cells[0],
                usual: 400,
            },
        }],
        state_extracts: Vec::new(),
        notes: Vec::new(),
        dedup: None,
        rows_without_person: None,
        pinned: Vec::new(),
        records_differing: 0,
    }
}

/// Everything a reader sees: the published figures and their printed forms.
fn seen(p: &PublishedCount) -> (PublishedCount, Vec<String>) {
    let mut text: Vec<String> = p
        .groups
        .iter()
        .map(|g| format!("{} {}", g.count.text(), g.count.plain()))
        .collect();
    text.push(p.total.text());
    text.extend(p.releases.iter().map(|r| r.rows_counted.text()));
    text.push(serde_json::to_string(&p.total.json()).unwrap_or_default());
    (p.clone(), text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_suppressed_cell_can_be_worked_out(
        cells in prop::collection::vec(prop_oneof![3 => 1u64..10, 2 => 10u64..60, 1 => Just(0u64)], 2..7),
        split in prop::collection::vec(any::<bool>(), 7),
    ) {
        let rule = Disclosure::default();
        let published = seen(&publish_count(&result(&cells, &split), rule));
        let hidden: Vec<usize> = (0..cells.len()).filter(|&i| rule.small(cells[i])).collect();
        prop_assume!(!hidden.is_empty() && hidden.len() <= 4);
        // Every assignment of 1..9 to the suppressed cells.
        let mut consistent: Vec<Vec<u64>> = vec![Vec::new(); hidden.len()];
        let combos = 9u64.pow(hidden.len() as u32);
        for code in 0..combos {
            let mut trial = cells.clone();
            let mut c = code;
            for &i in &hidden {
                trial[i] = 1 + c % 9;
                c /= 9;
            }
            if seen(&publish_count(&result(&trial, &split), rule)) == published {
                for (k, &i) in hidden.iter().enumerate() {
                    if !consistent[k].contains(&trial[i]) {
                        consistent[k].push(trial[i]);
                    }
                }
            }
        }
        for (k, &i) in hidden.iter().enumerate() {
            prop_assert!(
                consistent[k].len() >= 2,
                "cell {} = {} of {:?} is determined by what is published",
                i, cells[i], cells
            );
        }
    }

    /// A release's rows counted are a count too: where they are small, the total and the
    /// other releases' rows must not give them away (a count of Chicago over days two
    /// releases share: 49 in all, 42 from one, so the other's `<10` is 7).
    #[test]
    fn no_release_rows_below_the_threshold_can_be_worked_out(
        cells in prop::collection::vec(prop_oneof![4 => 10u64..60, 1 => 1u64..10], 1..5),
        thin in 1u64..10,
        thin_first in any::<bool>(),
    ) {
        let rule = Disclosure::default();
        // The cells' rows come from two releases, one of which holds only a few of them
        // (days the two share, say), whatever the cells are.
        let mut counted = result(&cells, &vec![true; cells.len()]);
        prop_assume!(counted.total > thin);
        let (a, b) = if thin_first {
            (thin, counted.total - thin)
        } else {
            (counted.total - thin, thin)
        };
        counted.releases[0].rows_counted = a;
        counted.releases[1].rows_counted = b;
        let published = publish_count(&counted, rule);
        for (i, release) in counted.releases.iter().enumerate() {
            if !rule.small(release.rows_counted) {
                continue;
            }
            prop_assert_eq!(published.releases[i].rows_counted.exact(), None);
            let others: Option<u64> = published
                .releases
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, r)| r.rows_counted.exact())
                .sum();
            prop_assert!(
                published.total.exact().is_none() || others.is_none(),
                "release {} ({} rows of {:?}) is the exact total less the others' exact rows",
                i, release.rows_counted, cells
            );
        }
    }
}

/// Partial last days of two releases published under one file name (a revision and the
/// release it revises) are noted per release, each named with its id: under the name
/// alone their days read as one release's.
#[test]
fn partial_days_of_two_releases_of_one_name_are_told_apart() {
    let mut r = result(&[40, 50], &[true, false]);
    let day = r.partial_days[0].clone();
    r.partial_days = ["a", "b"]
        .iter()
        .map(|id| PartialDayUse {
            file_name: "x.csv".into(),
            release: id.to_string(),
            ..day.clone()
        })
        .collect();
    let notes = publish_count(&r, Disclosure::default()).notes;
    let partial: Vec<&String> = notes
        .iter()
        .filter(|n| n.contains("look cut short"))
        .collect();
    assert_eq!(partial.len(), 2, "{notes:?}");
    assert!(
        partial[0]
            .starts_with("the last days of x.csv (release a) look cut short: 2019-08-31 (40 rows"),
        "{notes:?}"
    );
    assert!(
        partial[1]
            .starts_with("the last days of x.csv (release b) look cut short: 2019-08-31 (40 rows"),
        "{notes:?}"
    );
    // One release of the name: named as it is.
    r.partial_days.truncate(1);
    let notes = publish_count(&r, Disclosure::default()).notes;
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("the last days of x.csv look cut short")),
        "{notes:?}"
    );
}
