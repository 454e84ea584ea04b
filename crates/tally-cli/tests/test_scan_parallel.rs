//! The count kernel reads a table's files on several threads and merges what each file
//! gave in scan order: the answer must not depend on which thread read what. Run in a
//! loop on the national arrests, and checked against the sum of one count per release.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

fn groups(store: &Path, extra: &[&str]) -> BTreeMap<String, u64> {
    let mut args = vec![
        "count",
        "arrests",
        "--store",
        path_str(store),
        "--by",
        "fy,aor,method-group",
        "--suppress-below",
        "0",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = tally(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| {
            let n = g["count"].as_u64()?;
            Some((format!("{} {} {}", g["fy"], g["aor"], g["method-group"]), n))
        })
        .collect()
}

#[test]
fn a_parallel_count_is_the_same_every_run_and_the_sum_of_its_releases() {
    let dir = tempfile::tempdir().unwrap();
    ingest_national_arrests(dir.path());
    let first = groups(dir.path(), &[]);
    assert_eq!(first.values().sum::<u64>(), 544_059);
    for _ in 0..8 {
        assert_eq!(groups(dir.path(), &[]), first);
    }
    let mut summed: BTreeMap<String, u64> = BTreeMap::new();
    for fy in 2016..=2019 {
        let name = format!("EROArrests_FY{fy}.pipe.csv.gz");
        for (k, n) in groups(dir.path(), &["--release", &name]) {
            *summed.entry(k).or_default() += n;
        }
    }
    assert_eq!(summed, first);
}
