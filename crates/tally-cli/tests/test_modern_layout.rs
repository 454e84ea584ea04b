//! ICE's 2023-2026 raw workbooks, for every table kind: SYNTHETIC workbooks in that layout
//! (no real copy could be obtained; DOMAIN.md sections 1-2 describe it) written by
//! tally-synth, with banners, headers on row 7, tables continued on several sheets and cut
//! inside a day, Excel datetimes, withheld cells, and an Office lock file beside each. Every
//! count is compared with what the generator says it wrote.

mod common;

use common::*;
use std::collections::BTreeMap;
use tally_synth::{ModernOptions, PlantedDuplicates, modern_tables, write_modern_release};

fn options(seed: u64) -> ModernOptions {
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
    ModernOptions {
        seed,
        aors: vec!["Chicago".into(), "Seattle".into(), "Harlingen".into()],
        first: d(2025, 1, 15),
        last: d(2025, 2, 28),
        per_day: 3,
        rows_per_sheet: 120,
        duplicates: PlantedDuplicates::default(),
    }
}

fn code(aor: &str) -> &'static str {
    match aor {
        "Chicago Area of Responsibility" => "CHI",
        "Seattle Area of Responsibility" => "SEA",
        "Harlingen Area of Responsibility" => "HLG",
        other => panic!("unexpected AOR {other}"),
    }
}

fn expected(groups: BTreeMap<Vec<String>, u64>, header: &str) -> String {
    let mut out = format!("{header},count\n");
    for (k, n) in groups {
        out.push_str(&format!("{},{n}\n", k.join(",")));
    }
    out
}

#[test]
fn every_table_kind_in_the_2025_layout_ingests_with_exact_counts() {
    assert_eq!(
        modern_tables(),
        [
            "arrests",
            "encounters",
            "removals",
            "book-ins",
            "detainers",
            "detention-stints"
        ]
    );
    for (seed, slug) in modern_tables().into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let release = write_modern_release(dir.path(), slug, &options(seed as u64 + 1)).unwrap();
        let sheets = release.rows_per_sheet();
        assert!(sheets.len() >= 3, "{slug}: {sheets:?}");
        let store = dir.path().join("store");
        // The folder holds the workbook and Excel's lock file: the lock file is passed over
        // with its reason, the workbook read.
        let out = ingest(&store, &[dir.path()]);
        let text = stdout(&out);
        assert!(out.status.success(), "{slug}: {text}{}", stderr(&out));
        assert!(
            text.contains(&format!(
                "{}: skipped: an Office lock file (Excel writes one beside a workbook while it is open), not a release",
                release.lock_file.display()
            )),
            "{text}"
        );
        assert!(!text.contains("WARNING"), "{slug}: {text}");
        // Each continued sheet has its own banner and header: every row is kept, none
        // rejected, and the sheets add up.
        for (sheet, n) in &sheets {
            assert!(
                text.contains(&format!(
                    "  sheet {sheet:?}: {slug} table, header on row 7\n"
                )),
                "{slug} {sheet}: {text}"
            );
            let n = thousands(*n as u64);
            assert!(
                text.contains(&format!(
                    "rows read {n} = kept {n} + rejected 0  [balanced]"
                )),
                "{slug} {sheet} {n}: {text}"
            );
        }
        // Counts by AOR and day, and by hour of the day: the generator's own rows.
        // Every AOR-day the banner's period covers prints, days without rows as 0.
        let mut by_day: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        let period = options(0);
        for aor in ["CHI", "SEA", "HLG"] {
            for day in period.first.iter_days().take_while(|d| *d <= period.last) {
                by_day.insert(vec![aor.to_string(), day.to_string()], 0);
            }
        }
        let mut by_hour: BTreeMap<Vec<String>, u64> = BTreeMap::new();
        for r in &release.rows {
            *by_day
                .entry(vec![code(&r.aor).into(), r.event.date().to_string()])
                .or_default() += 1;
            *by_hour
                .entry(vec![r.event.format("%H").to_string()])
                .or_default() += 1;
        }
        assert_eq!(
            counts_only(&count_csv(
                &store,
                slug,
                &["--by", "aor,date", "--suppress-below", "0"]
            )),
            expected(by_day, "aor,date"),
            "{slug}"
        );
        assert_eq!(
            count_csv(
                &store,
                slug,
                &["--by", "hour-of-day", "--suppress-below", "0"]
            ),
            expected(by_hour, "hour-of-day"),
            "{slug}"
        );
        // Datetimes are stored to the second: the row the generator put on a sheet's last
        // line carries its exact time.
        let last = release.rows.last().unwrap();
        let stored = read_rows(
            &store,
            table(slug),
            &["source_sheet", "source_row", "event_datetime"],
            |_| true,
        );
        assert!(
            stored.contains(&vec![
                last.sheet.clone(),
                last.row.to_string(),
                last.event.format("%Y-%m-%d %H:%M:%S").to_string()
            ]),
            "{slug}: {last:?}"
        );
        if release.rows.iter().any(|r| r.criminality.is_some()) {
            let mut by: BTreeMap<Vec<String>, u64> = BTreeMap::new();
            for r in &release.rows {
                *by.entry(vec![r.criminality.unwrap_or("(blank)").to_string()])
                    .or_default() += 1;
            }
            assert_eq!(
                count_csv(
                    &store,
                    slug,
                    &["--by", "criminality", "--suppress-below", "0"]
                ),
                expected(by, "criminality"),
                "{slug}"
            );
        }
        if release.rows.iter().any(|r| r.method.is_some()) {
            let mut by: BTreeMap<Vec<String>, u64> = BTreeMap::new();
            for r in &release.rows {
                *by.entry(vec![r.method.unwrap_or("(blank)").to_string()])
                    .or_default() += 1;
            }
            assert_eq!(
                count_csv(
                    &store,
                    slug,
                    &["--by", "apprehension-method", "--suppress-below", "0"]
                ),
                expected(by, "apprehension-method"),
                "{slug}"
            );
        }
        // Withheld birth dates and identifiers never become values.
        let status = stdout(&tally(&["fields", slug, "--store", path_str(&store)]));
        assert!(
            status.contains(&format!(
                "in this store: {} rows",
                thousands(release.rows.len() as u64)
            )),
            "{status}"
        );
    }
}

#[test]
fn a_detention_text_export_with_book_in_date_and_time_ingests() {
    // UWCHR's exports of 2022-ICFO-09022: six banner lines, then the header; datetimes
    // as %m/%d/%Y %H:%M (DOMAIN.md section 1). SYNTHETIC rows.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ICE_Detentions_FY2024_SYNTHETIC.csv");
    std::fs::write(
        &path,
        "ICE Detention Statistics (SYNTHETIC)\nLESA-STU\n2022-ICFO-09022\n\nICE Detentions FY2024\n\n\
         Stay Book In Date And Time,Detention Book In Date And Time,Detention Book Out Date And Time,Detention Facility Code,Area of Responsibility,Gender\n\
         10/01/2023 23:50,10/01/2023 23:50,10/02/2023 08:15,SYNJAIL,Seattle Area of Responsibility,Male\n\
         10/01/2023 23:50,10/02/2023 09:05,,SYNSPC,Seattle Area of Responsibility,Male\n\
         10/03/2023 07:30,10/03/2023 07:30,10/03/2023 19:00,SYNJAIL,Chicago Area of Responsibility,Female\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&path]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("detention-stints table, header on row 7"),
        "{text}"
    );
    assert!(text.contains("rows read 3 = kept 3 + rejected 0"), "{text}");
    assert!(
        text.contains("event dates 2023-10-01 .. 2023-10-03; 3 with a time of day"),
        "{text}"
    );
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "detention-stints",
            &[
                "--by",
                "aor,date,hour-of-day,facility-code",
                "--suppress-below",
                "0"
            ]
        )),
        "aor,date,hour-of-day,facility-code,count\nCHI,2023-10-03,07,SYNJAIL,1\nSEA,2023-10-01,23,SYNJAIL,1\nSEA,2023-10-02,09,SYNSPC,1\n"
    );
    // An ongoing stint has no book-out: the field is missing, not zero or a guess.
    let rows = read_rows(
        &store,
        table("detention-stints"),
        &["source_row", "book_out_date_time"],
        |_| true,
    );
    assert!(
        rows.contains(&vec!["9".to_string(), "NULL".to_string()]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec!["8".to_string(), "2023-10-02 08:15:00".to_string()]),
        "{rows:?}"
    );
}

/// Planted duplicates in the 2025 arrests layout, each kind on records of its own: 6 exact
/// copies, 5 second arrests of a person later the same day, 4 second arrests 20 hours later
/// (the next day, one 24-hour episode), 3 rows without a person identifier. Every rule
/// merges exactly what it should: exact 6; same-person-day 6 + 5; episode-24h 6 + 5 + 4;
/// and the 3 rows without an identifier are counted and never merged. An operation and
/// `--compare-dedup` give the same answers.
#[test]
fn planted_duplicates_are_merged_exactly_by_each_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(21);
    o.duplicates = PlantedDuplicates {
        exact_copies: 6,
        same_day: 5,
        next_day_within_24h: 4,
        without_person: 3,
    };
    let written = write_modern_release(dir.path(), "arrests", &o).unwrap();
    let n = written.rows.len();
    // The planted rows are written: 15 more rows than records, 3 blank identifiers.
    assert_eq!(
        written.rows.iter().filter(|r| r.person.is_none()).count(),
        3
    );
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&written.path]).status.success());
    let total = |rule: &str| -> u64 {
        let csv = counts_only(&count_csv(
            &store,
            "arrests",
            &["--dedup", rule, "--suppress-below", "0"],
        ));
        csv.lines().nth(1).unwrap().parse().unwrap()
    };
    assert_eq!(total("none"), n as u64);
    assert_eq!(total("exact"), n as u64 - 6);
    assert_eq!(total("same-person-day"), n as u64 - 11);
    assert_eq!(total("episode-24h"), n as u64 - 15);
    let text = stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--dedup",
        "episode-24h",
        "--suppress-below",
        "0",
    ]));
    assert!(
        text.contains("): 15 rows merged into another row of their release"),
        "{text}"
    );
    assert!(
        text.contains("3 rows counted carry no person identifier: a person rule never merges them"),
        "{text}"
    );
    // By AOR: each rule's counts add up to its total, and equal the rows written less the
    // planted rows the rule merges (the planted rows are the last ones written).
    let planted = &written.rows[n - 15..];
    for (rule, merged) in [("exact", 6), ("same-person-day", 11), ("episode-24h", 15)] {
        let mut expect: BTreeMap<String, u64> = BTreeMap::new();
        for r in &written.rows[..n - 15] {
            *expect.entry(code(&r.aor).to_string()).or_default() += 1;
        }
        // Rows merged are the earlier ones of each pair where the later is kept (the last
        // processed stays): a planted second arrest takes its first's place, same AOR.
        for r in &planted[merged..] {
            *expect.entry(code(&r.aor).to_string()).or_default() += 1;
        }
        let csv = counts_only(&count_csv(
            &store,
            "arrests",
            &["--by", "aor", "--dedup", rule, "--suppress-below", "0"],
        ));
        let got: BTreeMap<String, u64> = csv
            .lines()
            .skip(1)
            .map(|l| {
                let (a, c) = l.split_once(',').unwrap();
                (a.to_string(), c.parse().unwrap())
            })
            .collect();
        assert_eq!(got, expect, "{rule}");
    }
    let csv = count_csv(
        &store,
        "arrests",
        &["--compare-dedup", "--suppress-below", "0"],
    );
    assert_eq!(
        csv,
        format!(
            "dedup,count,merged\nnone,{n},0\nexact,{},6\nsame-person-day,{},11\nepisode-24h,{},15\n",
            n - 6,
            n - 11,
            n - 15
        )
    );
    // An operation counts under the rule it is given, and says so.
    let op = write_op(
        dir.path(),
        "planted",
        "aors = [\"CHI\"]\nwindow = { first = \"2025-02-15\", last = \"2025-02-28\" }\ndedup = \"episode-24h\"\n[comparison]\nbaselines = [{ first = \"2025-01-15\", last = \"2025-01-28\" }]\ncomparison_aors = [\"SEA\", \"HLG\"]\n",
    );
    let r = operation_json(&op, &store, &[]);
    assert!(
        r["query"]
            .as_str()
            .unwrap()
            .ends_with("--dedup episode-24h"),
        "{}",
        r["query"]
    );
    assert!(
        r["caveats"]
            .to_string()
            .contains("Counts are de-duplicated by the episode-24h rule"),
        "{}",
        r["caveats"]
    );
    let window_total = total_group(&r)["treated"][1].clone();
    let csv = counts_only(&count_csv(
        &store,
        "arrests",
        &[
            "--where",
            "aor=CHI",
            "--from",
            "2025-02-15",
            "--to",
            "2025-02-28",
            "--dedup",
            "episode-24h",
        ],
    ));
    let counted: u64 = csv.lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(window_total, counted);
}
