//! What a server keeps beside its cached manifest between queries (`tally_store::memo`:
//! each table's release precedence, coverage and partial last days per set of releases)
//! must give, query after query, exactly the count derived afresh. Its own test binary:
//! the read cache it turns on is process-wide.

mod common;

use common::*;
use std::path::Path;
use tally_query::count::{CountQuery, count};
use tally_query::dimension::Dimension;

/// A count query on `table`: `by` dimensions, `filters` as `(dimension, values)`, an
/// optional date range, scheme and release selectors.
struct Asked {
    table: &'static str,
    by: &'static [&'static str],
    filters: &'static [(&'static str, &'static [&'static str])],
    range: Option<(&'static str, &'static str)>,
    scheme: Option<&'static str>,
    releases: Option<&'static [&'static str]>,
}

const ASKED: Asked = Asked {
    table: "arrests",
    by: &[],
    filters: &[],
    range: None,
    scheme: None,
    releases: None,
};

fn query(a: &Asked) -> CountQuery {
    let t = table(a.table);
    let dim = |name: &str| Dimension::parse(t, name).unwrap();
    let date = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    CountQuery {
        table: t,
        by: a.by.iter().map(|d| dim(d)).collect(),
        filters: a
            .filters
            .iter()
            .map(|(d, values)| (dim(d), values.iter().map(|v| v.to_string()).collect()))
            .collect(),
        from: a.range.map(|(f, _)| date(f)),
        to: a.range.map(|(_, t)| date(t)),
        releases: a
            .releases
            .map(|r| r.iter().map(|s| s.to_string()).collect()),
        scheme: a.scheme.map(|s| tally_model::scheme::scheme(s).unwrap()),
        dedup: None,
        dedup_marks: Vec::new(),
        rows_only: false,
        max_groups: None,
        listed_from: None,
    }
}

fn counted(store: &Path, a: &Asked) -> serde_json::Value {
    let opened = tally_store::Store::open(store).unwrap();
    serde_json::to_value(count(&opened, &query(a)).unwrap()).unwrap()
}

#[test]
fn counts_with_precedence_and_coverage_kept_between_queries_are_the_counts_derived_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (src, store) = (dir.path().join("src"), dir.path().join("store"));
    // Overlapping synthetic releases (precedence reads each row's AOR and day) and a real
    // release (withheld and unmapped AORs, ICE's spellings).
    let o = tally(&[
        "synth",
        "--table",
        "arrests",
        "--rows",
        "200000",
        "--seed",
        "9",
        "--overlap",
        "--out",
        path_str(&src),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fy19 = national().join("EROArrests_FY2019.pipe.csv.gz");
    let o = tally(&[
        "ingest",
        "--store",
        path_str(&store),
        path_str(&src),
        path_str(&fy19),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let asked = [
        Asked {
            by: &["fy", "aor"],
            ..ASKED
        },
        Asked {
            by: &["week", "aor"],
            filters: &[
                ("aor", &["CHI", "sea", "BOS", "XYZ"]),
                ("method-group", &["at-large"]),
            ],
            ..ASKED
        },
        Asked {
            by: &["week", "aor"],
            filters: &[
                ("aor", &["CHI", "SEA", "BOS"]),
                ("method-group", &["at-large"]),
            ],
            range: Some(("2019-02-01", "2019-05-31")),
            ..ASKED
        },
        // A value only rows outside the range hold (the FY2018 release) matched no row.
        Asked {
            by: &["release", "aor"],
            filters: &[(
                "release",
                &[
                    "SYNTHETIC_EROArrests_FY2018.pipe.csv.gz",
                    "SYNTHETIC_EROArrests_FY2019.pipe.csv.gz",
                ],
            )],
            range: Some(("2019-02-01", "2019-05-31")),
            ..ASKED
        },
        Asked {
            by: &["citizenship", "month"],
            ..ASKED
        },
        Asked {
            by: &["release", "criminality"],
            filters: &[("criminality", &["no such value", "Convicted Criminal"])],
            ..ASKED
        },
        Asked {
            by: &["aor"],
            releases: Some(&["EROArrests_FY2019.pipe.csv.gz"]),
            ..ASKED
        },
        // Precedence and coverage differ with the releases read: kept per set of them.
        Asked {
            by: &["release", "aor"],
            releases: Some(&[
                "SYNTHETIC_EROArrests_FY2019.pipe.csv.gz",
                "SYNTHETIC_EROArrests_FY2019_reextracted.pipe.csv.gz",
            ]),
            ..ASKED
        },
        Asked {
            by: &["release", "aor"],
            releases: Some(&["SYNTHETIC_EROArrests_FY2019_reextracted.pipe.csv.gz"]),
            ..ASKED
        },
        Asked {
            by: &["release", "aor"],
            ..ASKED
        },
        Asked {
            by: &["fy", "method-group"],
            scheme: Some("uwchr-2026"),
            ..ASKED
        },
        Asked {
            by: &["fy"],
            filters: &[("aor", &["(withheld)", "(unmapped)", "(blank)", "NYC"])],
            ..ASKED
        },
    ];
    // Derived afresh: no read cache, nothing kept.
    assert!(!tally_store::cache::enabled());
    let afresh: Vec<serde_json::Value> = asked.iter().map(|a| counted(&store, a)).collect();
    // The filters' notes say which values matched no row: "XYZ" and "no such value".
    for (i, needle) in [
        (1, "XYZ"),
        (3, "SYNTHETIC_EROArrests_FY2018.pipe.csv.gz"),
        (5, "no such value"),
    ] {
        assert!(
            afresh[i]["notes"].to_string().contains(needle),
            "{}",
            afresh[i]
        );
    }
    // Stays: built once for every release and kept; a chosen release's are built afresh.
    let stints = dir.path().join("stints");
    let stints_store = dir.path().join("stints-store");
    let o = tally(&[
        "synth",
        "--table",
        "detention-stints",
        "--rows",
        "20000",
        "--out",
        path_str(&stints),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tally(&[
        "ingest",
        "--store",
        path_str(&stints_store),
        path_str(&stints),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stints_release = tally_store::Store::open(&stints_store)
        .unwrap()
        .manifest()
        .releases
        .iter()
        .find(|r| r.report.file_name.contains("stints"))
        .map(|r| r.id.clone())
        .unwrap();
    let stay_queries: Vec<tally_query::stays::StayQuery> = [
        (vec!["aor"], None),
        (vec!["month", "length"], None),
        (vec!["facility"], Some(vec![stints_release.clone()])),
        (vec!["status"], None),
    ]
    .into_iter()
    .map(|(by, releases)| tally_query::stays::StayQuery {
        by: by
            .iter()
            .map(|d| tally_query::stays::StayDimension::parse(d).unwrap())
            .collect(),
        releases,
        ..Default::default()
    })
    .collect();
    let stays = |q: &tally_query::stays::StayQuery| {
        let opened = tally_store::Store::open(&stints_store).unwrap();
        serde_json::to_value(tally_query::stays::count_stays(&opened, q).unwrap()).unwrap()
    };
    let stays_afresh: Vec<serde_json::Value> = stay_queries.iter().map(stays).collect();
    assert!(
        stays_afresh[0]["total"].as_u64().unwrap() > 5_000,
        "{}",
        stays_afresh[0]
    );
    // Files changed in the last SETTLED_SECONDS are never kept: wait that out.
    std::thread::sleep(std::time::Duration::from_secs(
        tally_store::cache::SETTLED_SECONDS as u64 + 1,
    ));
    tally_store::cache::enable(64 << 20);
    let before = tally_store::memo::hits();
    // In turn, in reverse, and again: each set of releases reads back what it (and only it)
    // kept.
    let order: Vec<usize> = (0..asked.len())
        .chain((0..asked.len()).rev())
        .chain(0..asked.len())
        .collect();
    for i in order {
        assert_eq!(counted(&store, &asked[i]), afresh[i], "query {i}");
    }
    let hits = tally_store::memo::hits() - before;
    // Each of the 3 x 12 counts after the first of its set of releases reads back its
    // precedence and coverage (and each release's partial days) rather than making them.
    assert!(hits >= 60, "{hits} values read back");
    // Stays of every release, three queries twice: made once, read back five times; the
    // query of one chosen release builds its own each time and keeps none.
    let before = tally_store::memo::hits();
    for i in [0, 1, 2, 3, 2, 1, 0, 3] {
        assert_eq!(stays(&stay_queries[i]), stays_afresh[i], "stays query {i}");
    }
    let hits = tally_store::memo::hits() - before;
    assert_eq!(hits, 5, "stays read back");
}
