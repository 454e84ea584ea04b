//! `tally demo` runs the whole pipeline on synthetic data and says so.

mod common;

use common::*;

#[test]
fn demo_runs_end_to_end_and_is_labelled_synthetic() {
    let dir = tempfile::tempdir().unwrap();
    let out = tally(&["demo", "--dir", path_str(dir.path())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("==================== SYNTHETIC DEMO DATA: NOT REAL ICE RECORDS"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("SYNTHETIC DEMO DATA: NOT REAL ICE RECORDS ====================")
    );
    assert!(
        text.contains("2 file(s) ingested, 0 already present, 0 failed"),
        "{text}"
    );
    assert!(
        text.contains("reconciliation with the workbook's Summary: 4 of 4 FY totals match"),
        "{text}"
    );
    assert!(
        text.contains(
            "arrests SEA 2018-10-01 .. 2019-07-05: SYNTHETIC_EROArrests_FY2019.pipe.csv counts"
        ),
        "{text}"
    );
    // The February-May 2020 operation on synthetic national data recovers the planted effect.
    assert!(text.contains("SYNTHETIC operation demo"), "{text}");
    assert!(text.contains("$ tally operation run bortac-2020"), "{text}");
    let at_large = text
        .lines()
        .find(|l| l.starts_with("at-large ") && l.contains('['))
        .expect("an at-large estimate line");
    let ratio: f64 = at_large
        .rsplit("  ")
        .next()
        .unwrap()
        .trim()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((ratio - 1.5).abs() < 0.1, "{at_large}");
    assert!(
        text.contains("(SYNTHETIC: planted at-large factor 1.5"),
        "{text}"
    );
    // Same seed, same output: the demo's count equals a fresh count on its store.
    let store = dir.path().join("store");
    let csv = count_csv(
        &store,
        "arrests",
        &["--by", "method-group", "--where", "aor=CHI,NYC"],
    );
    assert_eq!(
        csv,
        "method-group,count,coverage\nat-large,660,\"partly: 670 of 1,216 AOR-days\"\ncustodial,1676,\"partly: 670 of 1,216 AOR-days\"\nother,162,\"partly: 670 of 1,216 AOR-days\"\n"
    );
    assert!(text.contains("FY2019  at-large        660"), "{text}");
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in ["ingest", "status", "count", "demo"] {
        let out = tally(&[cmd, "--help"]);
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("Example:"),
            "{cmd} --help lacks an example"
        );
    }
    let out = tally(&["count", "people", "--store", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "unknown table \"people\"; expected one of arrests, encounters, removals, book-ins"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    let out = tally(&["status", "--store", "/nonexistent-store"]);
    assert!(
        stderr(&out).contains("no Tally store at /nonexistent-store"),
        "{}",
        stderr(&out)
    );
}
