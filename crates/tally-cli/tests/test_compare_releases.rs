//! `tally compare-releases`: counts in the overlap, their differences, and the rows only
//! one release has.

mod common;

use common::*;
use std::path::Path;

fn compare_json(store: &Path, a: &str, b: &str) -> serde_json::Value {
    let out = tally(&[
        "compare-releases",
        "--store",
        path_str(store),
        a,
        b,
        "--table",
        "arrests",
        "--format",
        "json",
        "--suppress-below",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn national_fy2019_against_the_seattle_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let fy2019 = national().join("EROArrests_FY2019.pipe.csv.gz");
    assert!(
        ingest(
            &store,
            &[
                &fy2019,
                &seattle_workbook(),
                &seattle().join("arrests.pipe.csv.gz")
            ]
        )
        .status
        .success()
    );

    let c = compare_json(
        &store,
        "EROArrests_FY2019.pipe.csv.gz",
        "UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx",
    );
    assert_eq!(
        c["overlap"],
        serde_json::json!([["SEA", "2018-10-01", "2019-07-06"]])
    );
    assert_eq!(c["a"]["rows_in_overlap"], 1934);
    assert_eq!(c["b"]["rows_in_overlap"], 1931);
    assert_eq!(c["matched_rows"], 1930);
    assert_eq!(c["a"]["only_here"], 4);
    assert_eq!(c["b"]["only_here"], 1);
    assert_eq!(
        c["a"]["only_here_rows"],
        serde_json::json!([
            ["EROArrests_FY2019.pipe.csv.gz", 34841],
            ["EROArrests_FY2019.pipe.csv.gz", 100599],
            ["EROArrests_FY2019.pipe.csv.gz", 110491],
            ["EROArrests_FY2019.pipe.csv.gz", 110553]
        ])
    );
    assert_eq!(
        c["b"]["only_here_rows"],
        serde_json::json!([["Arrests", 32556]])
    );
    assert_eq!(
        c["matched_on"],
        serde_json::json!([
            "event_date",
            "aor",
            "apprehension_date",
            "apprehension_method",
            "landmark",
            "citizenship",
            "gender"
        ])
    );

    // By default, fewer than 10 differing rows are published as <10, without row pointers.
    let out = tally(&[
        "compare-releases",
        "--store",
        path_str(&store),
        "EROArrests_FY2019.pipe.csv.gz",
        "UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("1,930 matched; <10 only in A; <10 only in B")
            || text.contains("1930 matched; <10 only in A; <10 only in B"),
        "{text}"
    );
    assert!(
        text.contains("only in A: row pointers withheld because fewer than 10 rows differ"),
        "{text}"
    );
    assert!(!text.contains("34841"), "{text}");

    // The workbook and its pipe dump are the same records.
    let c = compare_json(
        &store,
        "arrests.pipe.csv.gz",
        "UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx",
    );
    assert_eq!(
        (
            c["matched_rows"].as_u64(),
            c["a"]["only_here"].as_u64(),
            c["b"]["only_here"].as_u64()
        ),
        (Some(32_549), Some(0), Some(0))
    );
}

#[test]
fn planted_differences_are_found_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    let rows = tally_synth::arrests(11, &["Denver", "Boston"], d(3, 1), d(4, 30), 3, None);
    let mut revised = rows.clone();
    revised.remove(40);
    revised.remove(20);
    revised.remove(10);
    revised[5].method = "Teleportation".into();
    revised[6].date = d(5, 1);
    let a = dir.path().join("first.pipe.csv");
    let b = dir.path().join("revised.pipe.csv");
    tally_synth::write_national_arrests(&a, "FY2019", &rows).unwrap();
    tally_synth::write_national_arrests(&b, "FY2019", &revised).unwrap();
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&a, &b]).status.success());
    let c = compare_json(&store, "first.pipe.csv", "revised.pipe.csv");
    // Removed 3 + changed method 1 + moved date 1; both banners state FY2019, so the moved
    // row's new date lies inside A's coverage and shows in B too.
    assert_eq!(c["a"]["only_here"], 5);
    assert_eq!(c["b"]["only_here"], 2);
    assert_eq!(c["matched_rows"].as_u64().unwrap() as usize, rows.len() - 5);

    let out = tally(&[
        "compare-releases",
        "--store",
        path_str(&store),
        "first.pipe.csv",
        "revised.pipe.csv",
        "--format",
        "csv",
    ]);
    let csv = stdout(&out);
    assert!(
        csv.starts_with("month,aor,a,b,difference,only_a,only_b\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
}

#[test]
fn releases_that_do_not_overlap_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files = [
        national().join("EROArrests_FY2016.pipe.csv.gz"),
        national().join("EROArrests_FY2019.pipe.csv.gz"),
    ];
    assert!(ingest(&store, &[&files[0], &files[1]]).status.success());
    let out = tally(&[
        "compare-releases",
        "--store",
        path_str(&store),
        "EROArrests_FY2016.pipe.csv.gz",
        "EROArrests_FY2019.pipe.csv.gz",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("EROArrests_FY2016.pipe.csv.gz and EROArrests_FY2019.pipe.csv.gz do not overlap: no AOR has arrests days in both"),
        "{}",
        stderr(&out)
    );
}
