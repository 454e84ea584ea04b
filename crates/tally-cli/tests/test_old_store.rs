//! A store written by an earlier Tally (manifest format 1, one Arrow schema shared by
//! every table) is read and counted by this one, with the counts it printed then.
//! Fixture: tests/fixtures/synthetic/store-v1 (SYNTHETIC releases of `tally demo`).

mod common;

use common::*;
use std::path::PathBuf;

fn fixture() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    package.join("../../tests/fixtures/synthetic/store-v1")
}

/// A copy of the fixture, so a test can never change the committed files.
fn copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    copy_dir(&fixture(), &store);
    (dir, store)
}

#[test]
fn a_format_1_store_verifies_and_counts_as_it_did() {
    let (_dir, store) = copy();
    let out = tally(&["verify", "--store", path_str(&store)]);
    assert!(out.status.success(), "{}", stdout(&out));
    // The figures Tally printed for this store at the commit that wrote it; since then,
    // AOR-years no release covers print "not covered" instead of disappearing.
    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &["--by", "fy,aor"])),
        "fy,aor,count\nFY2018,ATL,not covered\nFY2018,CHI,not covered\nFY2018,HOU,not covered\nFY2018,LOS,not covered\nFY2018,NYC,not covered\nFY2018,SEA,1367\nFY2019,ATL,1256\nFY2019,CHI,1166\nFY2019,HOU,1342\nFY2019,LOS,1358\nFY2019,NYC,1332\nFY2019,SEA,1376\n"
    );
    assert_eq!(
        counts_only(&count_csv(&store, "book-ins", &["--by", "fy,aor"])),
        "fy,aor,count\nFY2018,SEA,951\nFY2019,SEA,996\n"
    );
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "arrests",
            &["--by", "method-group,gender"]
        )),
        "method-group,gender,count\nat-large,Female,248\nat-large,Male,2179\ncustodial,Female,587\ncustodial,Male,5662\nother,Female,48\nother,Male,473\n"
    );
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "arrests",
            &["--by", "citizenship", "--where", "aor=SEA"]
        )),
        "citizenship,count\n\"CHINA, PEOPLES REPUBLIC OF\",469\nEL SALVADOR,470\nGUATEMALA,450\nHONDURAS,431\nINDIA,492\nMEXICO,431\n"
    );
    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &["--by", "release"])),
        "release,count\nSYNTHETIC_EROArrests_FY2019.pipe.csv,7830\nSYNTHETIC_LESA-STU_Seattle.xlsx,1367\n"
    );
}

#[test]
fn fields_added_since_read_as_missing_and_new_releases_join_the_old_store() {
    let (dir, store) = copy();
    // A field the old files lack counts as blank, never as an error or a re-ingest.
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "arrests",
            &["--by", "apprehension-criminality", "--where", "aor=CHI"]
        )),
        "apprehension-criminality,count\n(blank),1166\n"
    );
    let fields = stdout(&tally(&["fields", "arrests", "--store", path_str(&store)]));
    assert!(fields.contains("in this store: 10,706 rows"), "{fields}");
    // A release ingested now lands beside the old ones, and the manifest moves to the
    // current format while keeping the old entries.
    let csv = dir.path().join("EROArrests_extra.csv");
    std::fs::write(
        &csv,
        "\"ERO Administrative Arrests for FY2020\"|||\n\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Apprehension Criminality\"\n\
         \"Chicago Area of Responsibility\"|10/1/2019 6:10|\"Located\"|\"1 Convicted Criminal\"\n",
    )
    .unwrap();
    assert!(ingest(&store, &[&csv]).status.success());
    assert!(
        tally(&["verify", "--store", path_str(&store)])
            .status
            .success()
    );
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "arrests",
            &[
                "--by",
                "fy,apprehension-criminality",
                "--where",
                "aor=CHI",
                "--suppress-below",
                "0"
            ]
        )),
        "fy,apprehension-criminality,count\nFY2019,(blank),1166\nFY2020,1 Convicted Criminal,1\n"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format_version"], 4);
    assert_eq!(manifest["releases"].as_array().map(|r| r.len()), Some(3));
    // Only the new release has rollups (daily and by citizenship); the old ones are
    // counted row by row, and a count over both gives what the rows give.
    let rollups: Vec<usize> = manifest["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["files"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f.get("rollup_of").is_some())
                .count()
        })
        .collect();
    assert_eq!(rollups, [0, 0, 2]);
    for args in [
        ["--by", "fy,aor,method-group", "--suppress-below", "0"],
        ["--by", "fy,citizenship", "--suppress-below", "0"],
    ] {
        let with_rows: Vec<&str> = args.iter().copied().chain(["--no-rollups"]).collect();
        assert_eq!(
            count_csv(&store, "arrests", &args),
            count_csv(&store, "arrests", &with_rows)
        );
    }
}
