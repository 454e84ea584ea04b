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

/// Counts running at once in one process, as a server runs them, share the scan's spare
/// buffers (`tally_query::scratch`) and each cached rollup's placeholder columns: every
/// answer must be the one the same count gives alone. Five kinds of count (three
/// dimensions, filters, the rollups by citizenship, a date range, the rows) on four
/// threads, each in its own order, six rounds.
#[test]
fn counts_running_at_once_give_the_answers_they_give_alone() {
    use tally_query::count::{CountQuery, count};
    use tally_query::dimension::Dimension;
    let dir = tempfile::tempdir().unwrap();
    ingest_national_arrests(dir.path());
    // Files settled, so that the rollups are kept decoded and shared between the counts.
    std::thread::sleep(std::time::Duration::from_secs(
        tally_store::cache::SETTLED_SECONDS as u64 + 1,
    ));
    tally_store::cache::enable(tally_store::cache::DEFAULT_LIMIT_BYTES);
    let arrests = table("arrests");
    let dims = |names: &[&str]| -> Vec<Dimension> {
        names
            .iter()
            .map(|n| Dimension::parse(arrests, n).unwrap())
            .collect()
    };
    let date = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let plain = CountQuery::every_row(arrests);
    let queries = [
        CountQuery {
            by: dims(&["fy", "aor", "method-group"]),
            ..plain.clone()
        },
        CountQuery {
            by: dims(&["week", "aor"]),
            filters: vec![
                (dims(&["aor"])[0], vec!["CHI".into(), "NYC".into()]),
                (dims(&["method-group"])[0], vec!["at-large".into()]),
            ],
            ..plain.clone()
        },
        CountQuery {
            by: dims(&["citizenship", "month"]),
            ..plain.clone()
        },
        CountQuery {
            by: dims(&["aor"]),
            from: date("2019-02-01"),
            to: date("2019-05-31"),
            ..plain.clone()
        },
        CountQuery {
            by: dims(&["fy", "aor"]),
            rows_only: true,
            max_groups: None,
            listed_from: None,
            ..plain.clone()
        },
    ];
    let store = tally_store::Store::open(dir.path()).unwrap();
    let answer = |q: &CountQuery| serde_json::to_string(&count(&store, q).unwrap()).unwrap();
    let alone: Vec<String> = queries.iter().map(answer).collect();
    assert!(alone[1].contains("CHI") && alone[2].contains("MEXICO"));
    // (manifest hits, misses, rollup hits, misses): the rollups were read back.
    let kept = tally_store::cache::counters().unwrap();
    assert!(kept[2] > 0, "{kept:?}");
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (queries, alone, answer) = (&queries, &alone, &answer);
            scope.spawn(move || {
                for round in 0..6 {
                    for i in 0..queries.len() {
                        let q = (i + t + round) % queries.len();
                        assert_eq!(
                            answer(&queries[q]),
                            alone[q],
                            "thread {t}, round {round}, count {q}"
                        );
                    }
                }
            });
        }
    });
}

/// Scans share one pool of threads (`tally_store::read`). A scan whose every thread is
/// busy (here: blocked until the other scan ends) must not hold up another scan started
/// meanwhile, as a long count in `tally serve` must not hold up a short one: the second
/// scan finishes while the first still waits for it. Run in a loop.
#[test]
fn a_scan_never_waits_for_the_threads_of_another() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    ingest_national_arrests(dir.path());
    let store = tally_store::Store::open(dir.path()).unwrap();
    let manifest = store.manifest();
    let releases: Vec<_> = manifest.releases.iter().collect();
    assert_eq!(releases.len(), 4);
    let threads = tally_store::cores();
    let scan = tally_store::read::TableScan::new(&store, table("arrests"), &["event_date"]);
    for round in 0..5 {
        let (started, second_done) = (AtomicUsize::new(0), AtomicBool::new(false));
        std::thread::scope(|s| {
            let first = s.spawn(|| {
                scan.par_for_each(
                    &releases,
                    threads,
                    |_| Some(0u64),
                    |rows, _, batch| {
                        if *rows == 0 {
                            started.fetch_add(1, Ordering::SeqCst);
                            let deadline = Instant::now() + Duration::from_secs(60);
                            while !second_done.load(Ordering::SeqCst) {
                                assert!(
                                    Instant::now() < deadline,
                                    "round {round}: the second scan waited for the first's threads"
                                );
                                std::thread::sleep(Duration::from_millis(1));
                            }
                        }
                        *rows += batch.num_rows() as u64;
                        Ok(())
                    },
                )
            });
            // Every thread of the first scan is busy before the second starts.
            while started.load(Ordering::SeqCst) < threads.min(releases.len()) {
                std::thread::sleep(Duration::from_millis(1));
            }
            let second = scan
                .par_for_each(
                    &releases,
                    threads,
                    |_| Some(0u64),
                    |rows, _, batch| {
                        *rows += batch.num_rows() as u64;
                        Ok(())
                    },
                )
                .unwrap();
            second_done.store(true, Ordering::SeqCst);
            let total = |files: Vec<Option<u64>>| files.into_iter().flatten().sum::<u64>();
            assert_eq!(total(second), 544_059, "round {round}");
            assert_eq!(
                total(first.join().unwrap().unwrap()),
                544_059,
                "round {round}"
            );
        });
    }
}
