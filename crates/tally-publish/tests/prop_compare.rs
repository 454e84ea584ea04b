//! The adversary's test of a published release comparison: for random comparisons of a
//! few month-and-AOR rows (records in both, rows only in A, rows only in B per row, and
//! changed records), every suppressed count is set to every other value it could hold,
//! with every number derived from it recomputed (the row's A and B counts, B - A, each
//! release's rows, the matched total, the only-in totals). Everything published must come
//! out identical, so no combination of published numbers says anything about it.

use proptest::prelude::*;
use tally_model::{Disclosure, TableKind};
use tally_publish::publish_comparison;
use tally_query::Comparison;
use tally_query::compare::{MonthAor, ReleaseSide};

/// `cells[r] = (matched, only_a, only_b)` per row, and the changed records.
fn comparison(cells: &[(u64, u64, u64)], changed: u64) -> Comparison {
    let rows: Vec<MonthAor> = cells
        .iter()
        .enumerate()
        .map(|(i, &(m, x, y))| MonthAor {
            month: format!("2019-{:02}", i + 1),
            aor: "SEA".into(),
            a: m + x,
            b: m + y,
            difference: y as i64 - x as i64,
            matched: m,
            only_a: x,
            only_b: y,
        })
        .collect();
    let side = |id: &str, rows_in: u64, only: u64| ReleaseSide {
        id: id.into(),
        file_name: format!("{id}.csv"),
        sha256: id.repeat(8),
        rows_in_overlap: rows_in,
        only_here: only,
        outside_overlap: 0,
        only_here_rows: (0..only.min(50) as i64)
            .map(|r| (format!("{id}.csv"), r + 2))
            .collect(),
    };
    let sum = |f: &dyn Fn(&(u64, u64, u64)) -> u64| cells.iter().map(f).sum::<u64>();
    Comparison {
        table: TableKind::from_slug("arrests").expect("table"),
        part: None,
        a: side("a", sum(&|c| c.0 + c.1), sum(&|c| c.1)),
        b: side("b", sum(&|c| c.0 + c.2), sum(&|c| c.2)),
        overlap: Vec::new(),
        no_aor_overlap: None,
        notes: Vec::new(),
        matched_on: vec!["event_date".into(), "aor".into()],
        matched_rows: sum(&|c| c.0),
        paired_on: Some("unique_identifier".into()),
        changed_records: changed,
        changed_fields: vec![("gender".into(), changed)],
        by_month_aor: rows,
        dedup: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn no_suppressed_count_can_be_worked_out(
        raw in prop::collection::vec(prop_oneof![3 => 0u64..10, 1 => 10u64..60, 2 => 60u64..3000], 9),
        changed in prop_oneof![0u64..10, 10u64..100],
    ) {
        let cells: Vec<(u64, u64, u64)> = raw.chunks(3).map(|c| (c[0], c[1], c[2])).collect();
        let rule = Disclosure::default();
        let seen = publish_comparison(&comparison(&cells, changed), rule);
        for r in 0..cells.len() {
            for k in 0..3 {
                let value = [cells[r].0, cells[r].1, cells[r].2][k];
                if !rule.small(value) {
                    continue;
                }
                for other in 1..rule.threshold {
                    let mut trial = cells.clone();
                    match k {
                        0 => trial[r].0 = other,
                        1 => trial[r].1 = other,
                        _ => trial[r].2 = other,
                    }
                    let published = publish_comparison(&comparison(&trial, changed), rule);
                    prop_assert_eq!(
                        &published, &seen,
                        "row {} part {} = {} told apart from {}", r, k, value, other
                    );
                    prop_assert_eq!(published.json(), seen.json());
                }
            }
        }
    }
}
