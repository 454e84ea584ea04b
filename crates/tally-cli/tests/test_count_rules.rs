//! Rules of `tally count` that protect its readers: parts of a table are not mistaken for
//! overlapping releases, small cells cannot be recovered from totals, impossible filters
//! are refused, and missing coverage is said.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// A fresh store holding the named files of the national release: (its temporary
/// directory, kept alive by the caller; the store's path).
fn national_store(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files: Vec<PathBuf> = names.iter().map(|n| national().join(n)).collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = ingest(&store, &refs);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, store)
}

#[test]
fn expedited_and_other_removals_released_separately_both_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let expedited = seattle().join("expedited-removals.pipe.csv.gz");
    let other = seattle().join("other-removals.pipe.csv.gz");
    assert!(ingest(&store, &[&expedited, &other]).status.success());
    let csv = count_csv(&store, "removals", &["--by", "aor"]);
    assert_eq!(csv, "aor,count\nSEA,26913\n");
    // The same releases through the workbook: its two sheets are the same two parts, so
    // each dump overlaps only its own part of the workbook.
    assert!(ingest(&store, &[&seattle_workbook()]).status.success());
    assert_eq!(
        count_csv(&store, "removals", &["--by", "aor"]),
        "aor,count\nSEA,26913\n"
    );
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    // The workbook holds both parts, so it is the whole table: it counts over each part.
    assert!(status.contains("removals (expedited) SEA 2012-01-01 .. 2019-07-06: UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx counts, expedited-removals.pipe.csv.gz does not (a whole-table release counts over a release of one part;"), "{status}");
    assert!(!status.contains("DISAGREE"), "{status}");
}

#[test]
fn totals_and_release_counts_cannot_reveal_suppressed_cells() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(&store, &[&national().join("EROArrests_FY2019.pipe.csv.gz")])
            .status
            .success()
    );
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "aor",
        "--where",
        "aor=HQ,CHI",
    ]);
    let text = stdout(&out);
    assert!(text.contains("HQ     <10"), "{text}");
    assert!(text.contains("total about 7,770\n"), "{text}");
    assert!(
        text.contains("note: cells below 10 print as <10; sums over them print rounded (the total) or not at all (each release's rows, where several releases count) so that no suppressed cell can be worked out"),
        "{text}"
    );
    assert!(text.contains("about 7,770 rows counted"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "aor",
        "--where",
        "aor=HQ,CHI",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(
        json["total"],
        serde_json::json!({"about": 7770, "rounded_to": 10})
    );
    assert_eq!(json["groups"][1]["count"], serde_json::json!({"below": 10}));
    assert_eq!(
        json["releases"][0]["rows_counted"],
        serde_json::json!({"about": 7770, "rounded_to": 10})
    );
    // Without suppressed cells, exact totals.
    let text = stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--where",
        "aor=CHI",
    ]));
    assert!(text.contains("total 7,769"), "{text}");
    // The threshold is configurable.
    let text = stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "aor",
        "--where",
        "aor=HQ,CHI",
        "--suppress-below",
        "0",
    ]));
    assert!(text.contains("total 7,773"), "{text}");
}

#[test]
fn impossible_filters_are_refused_and_unmatched_ones_noted() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(&store, &[&national().join("EROArrests_FY2016.pipe.csv.gz")])
            .status
            .success()
    );
    for (arg, message) in [
        (
            "aor=Gotham",
            "--where aor=\"Gotham\" can never match: expected an AOR code or name",
        ),
        (
            "method-group=bogus",
            "--where method-group=\"bogus\" can never match: expected a group of the default scheme: custodial, at-large, border, other, or (blank) or (withheld)",
        ),
        (
            "month=2019-13",
            "--where month=\"2019-13\" can never match: expected a month as YYYY-MM",
        ),
    ] {
        let out = tally(&[
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--where",
            arg,
        ]);
        assert_eq!(out.status.code(), Some(1), "{arg}");
        assert!(stderr(&out).contains(message), "{arg}: {}", stderr(&out));
    }
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "fy,fy",
    ]);
    assert!(stderr(&out).contains("--by lists fy twice"));
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--where",
        "citizenship=MEXCO",
        "--format",
        "csv",
    ]);
    // A count by nothing is its total: a true zero, the days being covered.
    assert_eq!(stdout(&out), "count\n0\n");
    assert!(
        stderr(&out).contains("# note: --where citizenship=MEXCO matched no arrests row"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn days_no_release_covers_are_said_not_counted_as_zero() {
    let (_dir, store) = national_store(&[
        "EROEncounters_FY2017.pipe.csv.gz",
        "EROEncounters_FY2019.pipe.csv.gz",
    ]);
    let text = stdout(&tally(&[
        "count",
        "encounters",
        "--store",
        path_str(&store),
        "--by",
        "fy",
    ]));
    // FY2018 is said, never 0; FY2019 is partly covered (its release stops on 8/31).
    assert!(
        text.contains("FY2017      439,903\nFY2018  not covered  not covered\nFY2019      396,384  partly: 8,375 of 9,125 AOR-days\n"),
        "{text}"
    );
    assert!(text.contains("note: no ingested encounters release covers any of the 25 AORs asked about on 2017-10-01..2018-09-30 (365 days): counts there are missing, not zero"), "{text}");
    // CSV says it in a column too: a spreadsheet shows no stderr.
    let csv = count_csv(&store, "encounters", &["--by", "fy"]);
    assert_eq!(
        csv,
        "fy,count,coverage\nFY2017,439903,\nFY2018,not covered,not covered\nFY2019,396384,\"partly: 8,375 of 9,125 AOR-days\"\n"
    );
    // A release chosen by name that holds another table says so beside its empty count.
    let text = stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--release",
        "EROEncounters_FY2017.pipe.csv.gz",
    ]));
    assert!(
        text.contains("note: EROEncounters_FY2017.pipe.csv.gz holds no arrests rows (it holds encounters): it counts nothing here"),
        "{text}"
    );
    // A date filter past every release asks about those days: not covered, never 0.
    let text = stdout(&tally(&[
        "count",
        "encounters",
        "--store",
        path_str(&store),
        "--where",
        "fy=2020",
        "--where",
        "aor=CHI",
    ]));
    assert!(text.contains("total not covered\n"), "{text}");
    assert!(text.contains("note: no ingested encounters release covers CHI on 2019-10-01..2020-09-30 (366 days): counts there are missing, not zero"), "{text}");
    assert!(!text.contains("matched no"), "{text}");
    let csv = count_csv(
        &store,
        "encounters",
        &[
            "--by",
            "aor",
            "--where",
            "fy=2020",
            "--where",
            "aor=CHI,NYC",
        ],
    );
    assert_eq!(
        csv,
        "aor,count,coverage\nCHI,not covered,not covered\nNYC,not covered,not covered\n"
    );
    // One open end before (or after) every release's days asks about them still: not
    // covered, never a total of 0.
    for (args, csv_expected) in [
        (
            ["--to", "2015-06-30"],
            "fy,count,coverage\nFY2015,not covered,not covered\n",
        ),
        (
            ["--from", "2031-02-01"],
            "fy,count,coverage\nFY2031,not covered,not covered\n",
        ),
    ] {
        let csv = count_csv(&store, "encounters", &[&["--by", "fy"][..], &args].concat());
        assert_eq!(csv, csv_expected, "{args:?}");
        let out = tally(
            &[
                &[
                    "count",
                    "encounters",
                    "--store",
                    path_str(&store),
                    "--format",
                    "json",
                ][..],
                &args,
            ]
            .concat(),
        );
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(
            json["total"],
            serde_json::json!({"not_covered": true}),
            "{args:?}: {json}"
        );
    }
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    let chi = status
        .lines()
        .find(|l| l.starts_with("encounters  CHI"))
        .unwrap_or_default();
    assert!(chi.contains("  2017-10-01..2018-09-30  "), "{status}");
}

#[test]
fn crlf_text_reports_true_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("EROArrests_crlf.csv");
    std::fs::write(
        &file,
        "Banner one\r\nBanner two\r\n\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"\r\n\
         \"Chicago Area of Responsibility\"|1/2/2019|Located\r\n\"Chicago Area of Responsibility\"|1/99/2019|Located\r\n",
    )
    .unwrap();
    let out = ingest(&dir.path().join("store"), &[&file]);
    let text = stdout(&out);
    assert!(text.contains("arrests table, header on row 3"), "{text}");
    assert!(
        text.contains("rejected row 5, column \"Apprehension Date\""),
        "{text}"
    );
    let header_first = dir.path().join("EROArrests_crlf2.csv");
    std::fs::write(&header_first, "\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"\r\n\"Chicago Area of Responsibility\"|1/2/2019|Located\r\n").unwrap();
    let out = ingest(&dir.path().join("store2"), &[&header_first]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_rows(
        &dir.path().join("store2"),
        common::table("arrests"),
        &["source_row"],
        |_| true,
    );
    assert_eq!(rows, vec![vec!["2".to_string()]]);
}

/// `--where` values with commas, date-like values in the wrong form, unknown releases and
/// case-insensitive matches of several spellings (counts from EROArrests_FY2019).
#[test]
fn filters_cannot_lie() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(&store, &[&national().join("EROArrests_FY2019.pipe.csv.gz")])
            .status
            .success()
    );
    let run = |args: &[&str]| {
        let mut all = vec!["count", "arrests", "--store", path_str(&store)];
        all.extend(args);
        tally(&all)
    };
    let total = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        text.lines()
            .find_map(|l| l.strip_prefix("total "))
            .unwrap_or_else(|| panic!("{text}"))
            .to_string()
    };
    // Quoted values keep their commas; a list can mix them with plain values.
    assert_eq!(
        total(&["--where", "citizenship=\"MICRONESIA, FEDERATED STATES OF\""]),
        "86"
    );
    assert_eq!(
        total(&[
            "--where",
            "citizenship=\"MICRONESIA, FEDERATED STATES OF\",MEXICO"
        ]),
        "74,882"
    );
    // The single-value form takes the value whole.
    assert_eq!(
        total(&["--where-value", "landmark=HARRIS COUNTY JAIL, HOUSTON, TX"]),
        "3,139"
    );
    // Unquoted, the comma splits: the part that matches nothing is said, with the cure.
    let out = run(&["--where", "citizenship=KOREA, SOUTH", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let notes = json["notes"].to_string();
    assert!(
        notes.contains("--where citizenship=SOUTH matched no arrests row"),
        "{notes}"
    );
    assert!(
        notes.contains("a value holding a comma is double-quoted (--where 'citizenship=\\\"KOREA, SOUTH\\\"') or given whole (--where-value 'citizenship=KOREA, SOUTH')"),
        "{notes}"
    );
    // One lower-case value matches two spellings of a landmark: counted together, said.
    let out = run(&["--where", "landmark=fugitive operations ny state"]);
    let text = stdout(&out);
    assert!(text.contains("total 492"), "{text}");
    assert!(
        text.contains("--where landmark=fugitive operations ny state matched 2 spellings, counted together: FUGITIVE OPERATIONS NY STATE, FUGITIVE OPERATIONS NY State"),
        "{text}"
    );
    // Date-like values in another form, unknown releases and open quotes are errors.
    for (args, message) in [
        (
            vec!["--where", "week=2019-07-14"],
            "--where week=\"2019-07-14\" is a Sunday: weeks are named by their Monday, so this week is 2019-07-08",
        ),
        (
            vec!["--where", "month=2019-7"],
            "--where month=\"2019-7\" can never match: expected a month as YYYY-MM, such as 2019-07",
        ),
        (
            vec!["--where", "date=2019-7-01"],
            "--where date=\"2019-7-01\" can never match: expected a date as YYYY-MM-DD",
        ),
        (
            vec!["--where", "release=nonexistent"],
            "--where release=\"nonexistent\" names no release in",
        ),
        (
            vec!["--where", "citizenship=\"KOREA"],
            "a double quote is left open",
        ),
        (
            vec!["--where-value", "citizenship"],
            "--where-value \"citizenship\" must look like DIM=VALUE",
        ),
        // An unknown dimension is the error, with values or without.
        (
            vec!["--where", "bogus="],
            "unknown dimension \"bogus\" for arrests",
        ),
        (vec!["--where", "aor="], "--where \"aor=\" lists no values"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    // A range that starts or ends mid-week says which weeks it cuts short.
    let text = stdout(&run(&[
        "--by",
        "week",
        "--from",
        "2019-07-10",
        "--to",
        "2019-07-24",
    ]));
    assert!(
        text.contains(
            "note: week 2019-07-08 counts only 2019-07-10..2019-07-14 (--from falls mid-week)"
        ) && text.contains(
            "note: week 2019-07-22 counts only 2019-07-22..2019-07-24 (--to falls mid-week)"
        ),
        "{text}"
    );
    // Months and fiscal years alike; a range inside one bucket is said once, and a
    // range on a bucket's bounds says nothing.
    let text = stdout(&run(&["--by", "fy,month", "--from", "2019-07-10"]));
    assert!(
        text.contains(
            "note: FY2019 counts only 2019-07-10..2019-09-30 (--from falls mid-fiscal-year)"
        ) && text.contains(
            "note: month 2019-07 counts only 2019-07-10..2019-07-31 (--from falls mid-month)"
        ),
        "{text}"
    );
    let text = stdout(&run(&[
        "--by",
        "month",
        "--from",
        "2019-07-10",
        "--to",
        "2019-07-20",
    ]));
    assert!(
        text.contains(
            "note: month 2019-07 counts only 2019-07-10..2019-07-20 (--from and --to fall mid-month)"
        ),
        "{text}"
    );
    let text = stdout(&run(&[
        "--by",
        "month",
        "--from",
        "2019-07-01",
        "--to",
        "2019-07-31",
    ]));
    assert!(!text.contains("counts only"), "{text}");
    assert_eq!(
        total(&["--where", "week=2019-07-08"]),
        total(&["--from", "2019-07-08", "--to", "2019-07-14"])
    );
    // A date filter narrows a cell's days as --from/--to do: FY2019 asked about for a
    // week no release covers (the release ends 2019-08-31) is not covered, not 0; for a
    // month the release covers whole, whole; and weeks a month filter cuts say so.
    let text = stdout(&run(&["--by", "fy", "--where", "week=2019-09-02"]));
    let fy = text.lines().find(|l| l.starts_with("FY2019")).unwrap_or("");
    assert!(fy.contains("not covered") && !fy.contains(" 0 "), "{text}");
    let text = stdout(&run(&[
        "--by",
        "fy,aor",
        "--where",
        "month=2019-02",
        "--where",
        "aor=CHI",
    ]));
    assert!(
        text.contains("FY2019  CHI") && !text.contains("partly"),
        "{text}"
    );
    let text = stdout(&run(&["--by", "week", "--where", "month=2019-02"]));
    assert!(
        text.contains("note: week 2019-01-28 counts only 2019-02-01..2019-02-03 (the days asked about start mid-week)")
            && text.contains("note: week 2019-02-25 counts only 2019-02-25..2019-02-28 (the days asked about end mid-week)"),
        "{text}"
    );
}

/// A blank or withheld apprehension method has no method group: it is counted as
/// `(blank)` or `(withheld)`, not as "other" (which would say it was not custodial).
#[test]
fn a_method_not_given_has_no_group() {
    let dir = tempfile::tempdir().unwrap();
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    let mut rows = tally_synth::arrests(5, &["Denver"], d(3, 1), d(3, 31), 2, None);
    let n = rows.len();
    for r in rows.iter_mut().take(12) {
        r.method = String::new();
    }
    for r in rows.iter_mut().skip(12).take(11) {
        r.method = "(b)(7)(E)".into();
    }
    let file = dir.path().join("arrests.pipe.csv");
    tally_synth::write_national_arrests(&file, "FY2019", &rows).unwrap();
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&file]).status.success());
    let csv = count_csv(
        &store,
        "arrests",
        &["--by", "method-group", "--suppress-below", "0"],
    );
    let counted: Vec<(String, u64)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            // group,count,coverage: the release states FY2019 and its rows cover March.
            let fields: Vec<&str> = l.split(',').collect();
            (fields[0].to_string(), fields[1].parse().unwrap())
        })
        .collect();
    assert!(csv.starts_with("method-group,count,coverage\n"), "{csv}");
    assert!(counted.contains(&("(blank)".into(), 12)), "{csv}");
    assert!(counted.contains(&("(withheld)".into(), 11)), "{csv}");
    assert_eq!(counted.iter().map(|(_, n)| n).sum::<u64>(), n as u64);
}

#[test]
fn rows_with_no_event_date_count_as_undated_under_that_label() {
    // A blank event date keeps its row, undated: counted under "(undated)" by every date
    // dimension, and selectable by that label.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("arrests.csv");
    let mut text = String::from("Area of Responsibility|Apprehension Date|Apprehension Method\n");
    for day in 1..=12 {
        text.push_str(&format!(
            "Chicago Area of Responsibility|10/{day}/2018|Located\n"
        ));
    }
    for _ in 0..11 {
        text.push_str("Chicago Area of Responsibility||Located\n");
    }
    std::fs::write(&file, text).unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&file]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (by, dated) in [("fy", "FY2019"), ("month", "2018-10")] {
        let csv = count_csv(&store, "arrests", &["--by", by, "--suppress-below", "0"]);
        assert_eq!(
            counts_only(&csv),
            format!("{by},count\n(undated),11\n{dated},12\n"),
            "{csv}"
        );
    }
    let csv = count_csv(
        &store,
        "arrests",
        &[
            "--by",
            "aor",
            "--where",
            "fy=(undated)",
            "--suppress-below",
            "0",
        ],
    );
    assert_eq!(counts_only(&csv), "aor,count\nCHI,11\n", "{csv}");
}

#[test]
fn a_release_named_by_a_tail_several_names_share_is_ambiguous_and_says_which() {
    let (_dir, store) = national_store(&[
        "EROArrests_FY2019.pipe.csv.gz",
        "EROEncounters_FY2019.pipe.csv.gz",
        "ICERemovals_FY2019.pipe.csv.gz",
    ]);
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--release",
        "FY2019.pipe.csv.gz",
    ]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "tally: error: \"FY2019.pipe.csv.gz\" is ambiguous: 3 stored releases' names end with it (EROArrests_FY2019.pipe.csv.gz, EROEncounters_FY2019.pipe.csv.gz, ICERemovals_FY2019.pipe.csv.gz); give one whole name, or at least 6 hex digits of its SHA-256 (see `tally status`)"
    );
    // The whole name selects it; a name nothing ends with is still "no release matches".
    let csv = count_csv(
        &store,
        "arrests",
        &["--release", "EROArrests_FY2019.pipe.csv.gz", "--by", "fy"],
    );
    assert!(
        csv.starts_with("fy,count,coverage\nFY2019,131904,"),
        "{csv}"
    );
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--release",
        "FY2020.pipe.csv.gz",
    ]);
    assert!(
        stderr(&out).contains("no release matches \"FY2020.pipe.csv.gz\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_value_absent_at_the_end_of_one_release_and_used_in_the_next_is_not_discontinued() {
    // GERMANY has no arrest in the last weeks of the national FY2016 file (its last is in
    // August 2016) and has some again in FY2017's: September 2016 is a true zero of a
    // value still in use, not a vocabulary change.
    let (_dir, store) = national_store(&[
        "EROArrests_FY2016.pipe.csv.gz",
        "EROArrests_FY2017.pipe.csv.gz",
    ]);
    let csv = count_csv(
        &store,
        "arrests",
        &[
            "--by",
            "month,citizenship",
            "--where",
            "citizenship=GERMANY",
            "--from",
            "2016-06-01",
            "--to",
            "2016-12-31",
            "--suppress-below",
            "0",
        ],
    );
    assert_eq!(
        csv,
        "month,citizenship,count\n2016-06,GERMANY,6\n2016-07,GERMANY,6\n2016-08,GERMANY,5\n\
         2016-10,GERMANY,5\n2016-11,GERMANY,4\n2016-12,GERMANY,5\n"
    );
    // Read from the FY2016 file alone, September has none either, and is left out as
    // above: at GERMANY's rate (about 6 a month) a month without any happens by chance,
    // and it is no vocabulary change (it had printed "discontinued").
    let csv = count_csv(
        &store,
        "arrests",
        &[
            "--by",
            "month,citizenship",
            "--where",
            "citizenship=GERMANY",
            "--from",
            "2016-08-01",
            "--to",
            "2016-09-30",
            "--release",
            "EROArrests_FY2016.pipe.csv.gz",
            "--suppress-below",
            "0",
        ],
    );
    assert_eq!(csv, "month,citizenship,count\n2016-08,GERMANY,5\n");
}

#[test]
fn an_hour_of_day_asked_of_releases_without_times_is_not_covered_never_zero() {
    // The national FY2019 arrests record dates only: how many arrests happened at midnight
    // is unknown there, not 0.
    let (_dir, store) = national_store(&["EROArrests_FY2019.pipe.csv.gz"]);
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "fy",
        "--where",
        "hour-of-day=00",
        "--format",
        "csv",
    ]);
    assert_eq!(
        stdout(&out),
        "fy,count,coverage\nFY2019,not covered,not covered\n"
    );
    assert!(
        stderr(&out).contains("# note: 1 of the 1 releases read record no time of day: their days are not covered for --where hour-of-day"),
        "{}",
        stderr(&out)
    );
    // Their rows are all "(no time)", which is asked about as any value is.
    let csv = count_csv(
        &store,
        "arrests",
        &["--by", "fy", "--where", "hour-of-day=(no time)"],
    );
    assert!(
        csv.starts_with("fy,count,coverage\nFY2019,131904,"),
        "{csv}"
    );
}

#[test]
fn a_grid_too_large_to_list_says_its_empty_cells_are_left_out() {
    let (_dir, store) = national_store(&["EROArrests_FY2019.pipe.csv.gz"]);
    let count = |from: &str, to: &str| {
        tally(&[
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--by",
            "date,aor",
            "--from",
            from,
            "--to",
            to,
            "--format",
            "csv",
        ])
    };
    // 26 years of days by 25 AORs: past the bound, said so.
    let out = count("2000-01-01", "2025-12-31");
    let note = "# note: more than 200000 cells were asked about: only cells with rows are listed";
    assert!(stderr(&out).contains(note), "{}", stderr(&out));
    let listed = stdout(&out).lines().count() - 1;
    assert!(
        stdout(&out)
            .lines()
            .skip(1)
            .all(|l| !l.contains(",0,") && !l.ends_with(",0"))
    );
    // A week of the same: every cell listed (25 AORs, HQ and blank), and no such note.
    let out = count("2019-03-04", "2019-03-10");
    assert!(
        !stderr(&out).contains("more than 200000"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out).lines().count() - 1, 7 * 26);
    assert!(listed > 7 * 26, "{listed}");
}

/// An AOR cell with no code reads three ways, each row by its own cells: withheld (a FOIA
/// marker), unmapped (a name no crosswalk entry matches) or blank. The scan finds a
/// null cell's reading once per (withheld cell, AOR name) pair and each value's id once
/// per dictionary key; the counts must be those of the rows whichever way the rows are
/// read (from the rollups or the rows, every day or a range cutting the file), with the
/// three kinds interleaved among coded rows in one batch.
#[test]
fn aor_cells_without_a_code_keep_their_own_reading_in_every_scan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("arrests.csv");
    let mut text = String::from("Area of Responsibility|Apprehension Date|Apprehension Method\n");
    // Interleaved: the 13th rows blank, the 11th unmapped, the 7th withheld (a row
    // matching two takes the first), the rest Chicago or Denver; March and April 2019.
    let mut expected: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for i in 0..600u32 {
        let (aor, label) = match i {
            _ if i % 13 == 5 => ("", "(blank)"),
            _ if i % 11 == 3 => ("Atlantis Area of Responsibility", "(unmapped)"),
            _ if i % 7 == 2 => ("(b)(7)(E)", "(withheld)"),
            _ if (i / 2) % 2 == 0 => ("Chicago Area of Responsibility", "CHI"),
            _ => ("Denver Area of Responsibility", "DEN"),
        };
        let (month, day) = (3 + i % 2, 1 + (i / 2) % 30);
        text.push_str(&format!("{aor}|{month}/{day}/2019|Located\n"));
        let in_range = month == 4 && day <= 15;
        let e = expected.entry(label).or_default();
        e.0 += 1;
        e.1 += u64::from(in_range);
    }
    assert!(
        expected.values().all(|(all, part)| *all > 20 && *part > 5),
        "{expected:?}"
    );
    std::fs::write(&file, text).unwrap();
    let store = dir.path().join("store");
    let o = ingest(&store, &[&file]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let counts = |extra: &[&str]| -> Vec<(String, u64)> {
        let mut args = vec!["--by", "aor", "--suppress-below", "0"];
        args.extend_from_slice(extra);
        count_csv(&store, "arrests", &args)
            .lines()
            .skip(1)
            .map(|l| {
                // aor,count[,coverage]
                let mut cells = l.split(',');
                let g = cells.next().unwrap().to_string();
                (g, cells.next().unwrap().parse().unwrap())
            })
            .collect()
    };
    let all: Vec<(String, u64)> = expected
        .iter()
        .map(|(l, (n, _))| (l.to_string(), *n))
        .collect();
    let april: Vec<(String, u64)> = expected
        .iter()
        .map(|(l, (_, n))| (l.to_string(), *n))
        .collect();
    for extra in [&[][..], &["--no-rollups"][..]] {
        assert_eq!(counts(extra), all, "{extra:?}");
        let mut range = extra.to_vec();
        range.extend_from_slice(&["--from", "2019-04-01", "--to", "2019-04-15"]);
        assert_eq!(counts(&range), april, "{range:?}");
    }
}

/// A count's source lines speak of rows set aside by precedence or as another cut's
/// copies only for releases that can have them: the national files overlap nothing and
/// are no cuts of one workbook, so "not shown" beside those phrases (under a key whose
/// counts are not shown) only raised a question a new user asked.
#[test]
fn source_lines_name_only_what_a_release_can_have_set_aside() {
    let (_dir, store) = national_store(&[
        "EROArrests_FY2018.pipe.csv.gz",
        "EROArrests_FY2019.pipe.csv.gz",
    ]);
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "hour-of-day",
        "--where",
        "aor=CHI",
        "--from",
        "2019-01-01",
        "--to",
        "2019-01-31",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let sources: Vec<&str> = text.lines().filter(|l| l.starts_with("source: ")).collect();
    assert_eq!(sources.len(), 2, "{text}");
    for line in sources {
        assert!(line.ends_with("rows counted: not shown"), "{line}");
    }
}

/// A week the days asked cut is said to be cut in the CSV's coverage column too (a
/// spreadsheet shows no stderr, where the note is): `--from 2019-08-14` counts five days
/// of the week of August 12.
#[test]
fn a_bucket_the_days_asked_cut_says_so_in_the_csv() {
    let (_dir, store) = national_store(&["EROArrests_FY2019.pipe.csv.gz"]);
    let csv = count_csv(
        &store,
        "arrests",
        &[
            "--by",
            "week",
            "--where",
            "aor=NYC",
            "--from",
            "2019-08-14",
            "--to",
            "2019-08-25",
        ],
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "week,count,coverage", "{csv}");
    assert!(
        lines[1].starts_with("2019-08-12,")
            && lines[1].ends_with(",counts only 2019-08-14..2019-08-18 (the days asked cut it)"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("2019-08-19,") && lines[2].ends_with(','),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    // Two days asked by a filter cut their months to those days, not to the days between.
    let (_dir, store) = national_store(&["EROArrests_FY2018.pipe.csv.gz"]);
    let csv = count_csv(
        &store,
        "arrests",
        &["--by", "month", "--where", "date=2018-01-29,2018-02-03"],
    );
    assert_eq!(
        csv,
        "month,count,coverage\n2018-01,572,counts only 2018-01-29..2018-01-29 (the days asked cut it)\n2018-02,118,counts only 2018-02-03..2018-02-03 (the days asked cut it)\n"
    );
}
