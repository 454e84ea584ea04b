//! The adversary's test of what an operation publishes: for random method-group counts
//! over a window and three baselines, every assignment of values to the suppressed counts
//! is tried, and each suppressed count must keep at least two values under which the
//! published result (JSON, with totals, percent changes and shares, and the text report)
//! comes out identical. Each group carries the difference-in-differences estimate
//! `operation run` fits, whose `beta` has a closed form in the group's counts.

use chrono::NaiveDate;
use proptest::prelude::*;
use tally_model::TableKind;
use tally_operation::estimate::{PanelCell, poisson_did};
use tally_operation::run::{
    GroupCounts, OperationResult, Period, TOTAL, change_pct, for_publication, published,
};
use tally_operation::spec::{Operation, Window};

const GROUPS: [&str; 4] = ["custodial", "at-large", "border", "other"];
const DAYS: [i64; 4] = [14, 14, 14, 14];

fn window(y: i32) -> Window {
    Window {
        first: NaiveDate::from_ymd_opt(y, 7, 14).unwrap(),
        last: NaiveDate::from_ymd_opt(y, 7, 27).unwrap(),
    }
}

/// An operation result whose every derived number comes from `counts[group][side][period]`.
fn result(counts: &[[[u64; 4]; 2]; 4]) -> OperationResult {
    let op = Operation::parse("t.toml", "name = \"t\"\ntitle = \"t\"\ndescription = \"d\"\naors = [\"CHI\"]\nwindow = { first = \"2019-07-14\", last = \"2019-07-27\" }\n").unwrap();
    // Each group's estimate fitted as `operation run` fits it, on one treated and one
    // comparison AOR: its `beta` is then the closed form that gave suppressed counts back.
    let group = |name: &str, t: Vec<u64>, c: Vec<u64>| {
        let panel: Vec<PanelCell> = [&t, &c]
            .iter()
            .enumerate()
            .flat_map(|(aor, counts)| {
                counts.iter().enumerate().map(move |(period, n)| PanelCell {
                    aor,
                    period,
                    treated_in_window: aor == 0 && period == 3,
                    count: *n as f64,
                    exposure: 1.0,
                })
            })
            .collect();
        let estimate = poisson_did(&panel).ok();
        GroupCounts {
            group: name.into(),
            treated_change_pct: change_pct(&t, &DAYS),
            comparison_change_pct: change_pct(&c, &DAYS),
            treated: t,
            comparison: c,
            no_estimate: estimate.is_none().then(|| "test".into()),
            estimate,
        }
    };
    let mut groups: Vec<GroupCounts> = GROUPS
        .iter()
        .zip(counts)
        .map(|(name, c)| group(name, c[0].to_vec(), c[1].to_vec()))
        .collect();
    let total = |side: usize| {
        (0..4)
            .map(|p| counts.iter().map(|g| g[side][p]).sum())
            .collect::<Vec<u64>>()
    };
    groups.push(group(TOTAL, total(0), total(1)));
    let treated_total = total(0);
    let comparison_total = total(1);
    let at_large_share = (0..4)
        .map(|p| (treated_total[p] > 0).then(|| counts[1][0][p] as f64 / treated_total[p] as f64))
        .collect();
    let comparison_at_large_share = (0..4)
        .map(|p| {
            (comparison_total[p] > 0).then(|| counts[1][1][p] as f64 / comparison_total[p] as f64)
        })
        .collect();
    OperationResult {
        operation: op,
        outcome: tally_operation::spec::Outcome::Count,
        table: TableKind::from_slug("arrests").unwrap(),
        periods: (0..4)
            .map(|p| Period {
                label: format!("p{p}"),
                window: window(2016 + p as i32),
                is_operation: p == 3,
                counted: vec![window(2016 + p as i32)],
                counted_days: DAYS[p],
            })
            .collect(),
        treated_aors: vec!["CHI".into()],
        comparison_aors: vec!["NYC".into()],
        groups,
        weeks: Vec::new(),
        at_large_share,
        comparison_at_large_share,
        policy_exposure: Vec::new(),
        coverage_gaps: Vec::new(),
        caveats: Vec::new(),
        query: "q".into(),
        releases: Vec::new(),
        method: "m".into(),
    }
}

fn seen(r: &OperationResult) -> (String, String) {
    (
        serde_json::to_string(&published(r)).unwrap(),
        tally_operation::render::text(&for_publication(r)),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn no_suppressed_count_can_be_worked_out(
        raw in prop::collection::vec(prop_oneof![2 => 1u64..10, 3 => 10u64..400], 32),
        hide in prop::collection::vec(0usize..32, 1..3),
    ) {
        // A few small counts among larger ones, so suppression and rounding both happen.
        let mut counts = [[[0u64; 4]; 2]; 4];
        for (i, v) in raw.iter().enumerate() {
            let small = hide.contains(&i);
            counts[i / 8][(i / 4) % 2][i % 4] = if small { 1 + v % 9 } else { 10 + v % 390 };
        }
        let rule = tally_model::Disclosure::default();
        let cells: Vec<(usize, usize, usize)> = (0..4)
            .flat_map(|g| (0..2).flat_map(move |s| (0..4).map(move |p| (g, s, p))))
            .filter(|&(g, s, p)| rule.small(counts[g][s][p]))
            .collect();
        prop_assume!(!cells.is_empty() && cells.len() <= 3);
        let target = seen(&result(&counts));
        let mut consistent: Vec<Vec<u64>> = vec![Vec::new(); cells.len()];
        for code in 0..9u64.pow(cells.len() as u32) {
            let mut trial = counts;
            let mut c = code;
            for &(g, s, p) in &cells {
                trial[g][s][p] = 1 + c % 9;
                c /= 9;
            }
            if seen(&result(&trial)) == target {
                for (k, &(g, s, p)) in cells.iter().enumerate() {
                    if !consistent[k].contains(&trial[g][s][p]) {
                        consistent[k].push(trial[g][s][p]);
                    }
                }
            }
        }
        for (k, cell) in cells.iter().enumerate() {
            prop_assert!(consistent[k].len() >= 2, "count {:?} = {} is determined by what is published", cell, counts[cell.0][cell.1][cell.2]);
        }
    }
}
