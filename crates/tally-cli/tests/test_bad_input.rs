//! Bad input: one clear error naming file, sheet and row; a non-zero exit; the store
//! unchanged; and a bad file in a folder does not stop the good ones.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A store holding one good synthetic release, and its snapshot.
fn store_with_one_release(dir: &Path) -> (PathBuf, Vec<(PathBuf, Vec<u8>)>) {
    let good = dir.join("good.pipe.csv");
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    let rows = tally_synth::arrests(1, &["Chicago"], d(1, 1), d(1, 31), 3, None);
    tally_synth::write_national_arrests(&good, "FY2019", &rows).unwrap();
    let store = dir.join("store");
    let out = ingest(&store, &[&good]);
    assert!(out.status.success(), "{}", stderr(&out));
    let snap = snapshot(&store);
    (store, snap)
}

/// Ingests `file`, expecting failure with `message` in stderr and no change to the store.
fn assert_rejected(file: &Path, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (store, before) = store_with_one_release(dir.path());
    let out = ingest(&store, &[file]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains(message), "expected {message:?} in:\n{err}");
    assert!(
        err.contains(path_str(file)),
        "error must name the file:\n{err}"
    );
    assert_eq!(snapshot(&store), before, "the store changed");
}

fn synthetic_workbook(dir: &Path) -> PathBuf {
    let path = dir.join("book.xlsx");
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    let rows = tally_synth::arrests(3, &["Seattle"], d(1, 1), d(3, 31), 4, None);
    tally_synth::write_lesa_workbook(&path, "Seattle", &rows).unwrap();
    path
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-release.xlsx");
    assert_rejected(
        &missing,
        "no-such-release.xlsx: cannot read file: No such file or directory",
    );
}

#[test]
fn text_named_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("arrests.xlsx");
    std::fs::write(
        &fake,
        "Area of Responsibility,Apprehension Date\nChicago,1/1/2019\n",
    )
    .unwrap();
    assert_rejected(
        &fake,
        "not a spreadsheet: the name ends in .xlsx but the content starts with \"Area of Responsi\"",
    );
}

#[test]
fn truncated_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let book = synthetic_workbook(dir.path());
    let bytes = std::fs::read(&book).unwrap();
    let cut = dir.path().join("truncated.xlsx");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 5]).unwrap();
    assert_rejected(&cut, "truncated or corrupt xlsx workbook");
}

#[test]
fn encrypted_workbook() {
    // Office encrypts a workbook into an OLE compound file with an EncryptedPackage stream.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("protected.xlsx");
    let mut comp = cfb::create(&path).unwrap();
    comp.create_stream("EncryptionInfo")
        .unwrap()
        .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
        .unwrap();
    comp.create_stream("EncryptedPackage")
        .unwrap()
        .write_all(&[0u8; 4096])
        .unwrap();
    comp.flush().unwrap();
    drop(comp);
    assert_rejected(&path, "encrypted (password-protected) workbook");
}

#[test]
fn sheet_with_no_recognizable_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-header.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Data").unwrap();
    sheet
        .write_string(0, 0, "ERO-LESA Statistical Tracking Unit")
        .unwrap();
    sheet.write_string(2, 0, "Region").unwrap();
    sheet.write_string(2, 1, "Total").unwrap();
    sheet.write_number(3, 1, 12.0).unwrap();
    book.save(&path).unwrap();
    assert_rejected(
        &path,
        "sheet \"Data\": no recognizable header in the first 3 non-blank rows",
    );
}

#[test]
fn table_kind_tally_cannot_tell() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("extract.csv");
    std::fs::write(
        &path,
        "Area of Responsibility|Gender|Citizenship\nChicago Area of Responsibility|Male|MEXICO\n",
    )
    .unwrap();
    assert_rejected(
        &path,
        "row 1: cannot tell which table this is: neither the file name \"extract.csv\" nor the columns name a table",
    );
}

#[test]
fn bad_file_in_a_folder_does_not_stop_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let releases = dir.path().join("releases");
    std::fs::create_dir(&releases).unwrap();
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    let rows = tally_synth::arrests(5, &["Newark"], d(2, 1), d(2, 28), 3, None);
    tally_synth::write_national_arrests(&releases.join("a-good.pipe.csv"), "FY2019", &rows)
        .unwrap();
    std::fs::write(releases.join("b-bad.xlsx"), "not a workbook").unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&releases]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("1 file(s) ingested, 0 already present, 1 failed"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("b-bad.xlsx: not a spreadsheet"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &["--by", "aor"])),
        format!("aor,count\nNEW,{}\n", rows.len())
    );
}

#[test]
fn rejected_rows_are_counted_and_kept_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("EROArrests_test.csv");
    std::fs::write(
        &path,
        "\"ERO Administrative Arrests for FY2019\"|||\n\
         \"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Gender\"\n\
         \"Chicago Area of Responsibility\"|1/2/2019|\"Located\"|\"Male\"\n\
         \"Chicago Area of Responsibility\"|13/45/2019|\"Located\"|\"Male\"\n\
         \"Gotham Area of Responsibility\"|1/3/2019|\"Teleportation\"|\"Male\"\n\
         \"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Gender\"\n\
         \"Chicago Area of Responsibility\"|1/4/2019\n\
         |||\n\
         \"Chicago Area of Responsibility\"|07/02/0999|\"Located\"|\"(b)(6), (b)(7)(c)\"\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("rows read 6 = kept 2 + rejected 4  [balanced]; 1 blank rows skipped"),
        "{text}"
    );
    assert!(
        text.contains("rejected row 4, column \"Apprehension Date\": \"13/45/2019\" is not a date"),
        "{text}"
    );
    assert!(
        text.contains("rejected row 6: repeated header row"),
        "{text}"
    );
    assert!(
        text.contains("rejected row 7: row has 2 fields, the header has 4"),
        "{text}"
    );
    assert!(text.contains("rejected row 9, column \"Apprehension Date\": 0999-07-02 is outside the plausible range"), "{text}");
    assert!(text.contains("UNMAPPED AOR values (not guessed; rows kept with a null aor): \"Gotham Area of Responsibility\" (<10)"), "{text}");
    assert!(
        text.contains(
            "methods outside the method-group scheme (grouped as other): Teleportation (<10)"
        ),
        "{text}"
    );
    // `status` publishes the same small counts as the ingest report: never the exact 1.
    let text = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        text.contains("(counted as other; rows in releases)\n  Teleportation: <10\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "(rows kept, aor null; rows in releases)\n  \"Gotham Area of Responsibility\": <10\n"
        ),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&tally(&[
        "status",
        "--store",
        path_str(&store),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(
        json["unknown_methods"]["Teleportation"],
        serde_json::json!({"below": 10})
    );
    assert_eq!(
        json["unmapped_aors"]["Gotham Area of Responsibility"],
        serde_json::json!({"below": 10})
    );
    let rejects = read_rejects(&store);
    assert_eq!(rejects.len(), 4);
    assert_eq!(rejects[0], vec!["4".to_string(), "Apprehension Date".into(), "\"13/45/2019\" is not a date (expected M/D/YYYY or YYYY-MM-DD, optionally with a time of day, or an Excel serial number)".into(), "Chicago Area of Responsibility | 13/45/2019 | Located | Male".into()]);
}

fn read_rejects(store: &Path) -> Vec<Vec<String>> {
    let manifest = tally_store::Store::open(store).unwrap().manifest().clone();
    let file = manifest.releases[0]
        .files
        .iter()
        .find(|f| f.table.is_none())
        .expect("rejects file");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(store.join(&file.path)).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            rows.push(
                (2..6)
                    .map(|c| cell_text(batch.column(c).as_ref(), i))
                    .collect(),
            );
        }
    }
    rows
}

#[test]
fn empty_files_fake_gzip_and_impossible_days_are_named_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert_rejected(&empty, "empty.csv: no data sheet found (the file is empty)");
    let fake_gz = dir.path().join("arrests.csv.gz");
    std::fs::write(&fake_gz, "Area of Responsibility|Apprehension Date\n").unwrap();
    assert_rejected(
        &fake_gz,
        "truncated or corrupt gzip file: the name ends in .gz but the content is not gzip-compressed",
    );

    let leap = dir.path().join("EROArrests_leap.csv");
    std::fs::write(&leap, "\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"\n\"Chicago Area of Responsibility\"|2/29/2019|Located\n").unwrap();
    let out = ingest(&dir.path().join("store"), &[&leap]);
    assert!(stdout(&out).contains("rejected row 2, column \"Apprehension Date\": \"2/29/2019\" has the form of a date, but that day does not exist"), "{}", stdout(&out));
}

#[test]
fn a_failed_first_ingest_leaves_no_store_behind() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("junk.xlsx");
    std::fs::write(&bad, "junk").unwrap();
    let store = dir.path().join("new-store");
    let out = ingest(&store, &[&bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !store.exists(),
        "the failed first ingest left {}",
        store.display()
    );
    let out = tally(&["status", "--store", path_str(&store), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'csv' for '--format <FORMAT>'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_users_own_export_is_mapped_by_name_with_notes_and_missing_columns_are_warned() {
    let dir = tempfile::tempdir().unwrap();
    // Reordered columns, a header led by a no-break space, one in capitals, one cut short
    // by Excel, and the AOR column renamed to something no release writes.
    let path = dir.path().join("my_arrests_export.csv");
    std::fs::write(
        &path,
        "Gender,\u{a0}Apprehension Date,APPREHENSION METHOD,Alien File Numbe,AOR Name\n\
         Male,2019-01-02,Located,(b)(6),Chicago Area of Responsibility\n\
         Female,2019-01-03,Non-Custodial Arrest,(b)(6),Chicago Area of Responsibility\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "WARNING: no AOR column: every row's aor_name is missing (headers read as aor_name: \"Area of Responsibility\", \"AOR\", \"Apprehension AOR\", \"TOA Current Duty AOR\", and 2 more: `tally fields arrests` lists every spelling; columns Tally does not know: \"AOR Name\")",
        "header \"\\u{a0}Apprehension Date\" read as apprehension_date (matches only after normalizing case, spaces or invisible characters; known spelling \"Apprehension Date\")",
        "header \"APPREHENSION METHOD\" read as apprehension_method (matches only after normalizing case, spaces or invisible characters; known spelling \"Apprehension Method\")",
        "header \"Alien File Numbe\" read as alien_file_number (looks cut short; known spelling \"Alien File Number\")",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("WARNING: no AOR column: every row's aor_name is missing"),
        "{status}"
    );
    assert!(
        status.contains("header \"Alien File Numbe\" read as alien_file_number"),
        "{status}"
    );
    // The renamed column's values are kept, not lost, and the AORs count as blank.
    assert_eq!(
        count_csv(
            &store,
            "arrests",
            &["--by", "aor,method-group", "--suppress-below", "0"]
        ),
        "aor,method-group,count\n(blank),at-large,2\n"
    );
    let extras = read_rows(
        &store,
        table("arrests"),
        &["extra_columns", "withheld"],
        |_| true,
    );
    assert_eq!(
        extras[0],
        vec![
            r#"{"AOR Name":"Chicago Area of Responsibility"}"#.to_string(),
            "alien_file_number=(b)(6)".to_string()
        ]
    );
}

/// Two columns read as one field: the first holds it, the second is kept as an extra
/// column and the ingest says so; a file whose columns fit a table but lack its event
/// date is refused as such.
#[test]
fn columns_that_collide_or_lack_the_event_date_are_said() {
    let dir = tempfile::tempdir().unwrap();
    let twice = dir.path().join("twice.csv");
    std::fs::write(
        &twice,
        "Area of Responsibility|Apprehension Date|Apprehension Method|Apprehension Method\n\
         Chicago Area of Responsibility|10/1/2018|Located|Non-Custodial Arrest\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&twice]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("WARNING: columns \"Apprehension Method\" (column 3) and \"Apprehension Method\" (column 4) both read as apprehension_method: the first is apprehension_method, the second is kept as the extra column \"Apprehension Method\""),
        "{}",
        stdout(&out)
    );
    let undated = dir.path().join("undated.csv");
    std::fs::write(
        &undated,
        "Area of Responsibility|Apprehension Method|Apprehension Landmark|Departed Date|Citizenship\n\
         Chicago Area of Responsibility|Located|CHICAGO|10/1/2018|MEXICO\n",
    )
    .unwrap();
    let out = ingest(&store, &[&undated]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the columns fit arrests best (5 of 5 headers known) but its event-date column (apprehension_date) is missing"),
        "{}",
        stderr(&out)
    );
}

/// More rejected rows than the report lists: it says how many more and where they are;
/// a --store that is a file, and a --report that is a file, are named as such.
#[test]
fn every_reject_is_accounted_for_and_paths_that_are_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("arrests.csv");
    let mut text = String::from("Area of Responsibility|Apprehension Date|Apprehension Method\n");
    for day in 1..=20 {
        text.push_str(&format!(
            "Chicago Area of Responsibility|10/{day}/2018|Located\n"
        ));
    }
    for _ in 0..8 {
        text.push_str("Chicago Area of Responsibility|not a date|Located\n");
    }
    std::fs::write(&file, text).unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&file]);
    let report = stdout(&out);
    assert!(
        report.contains("rows read 28 = kept 20 + rejected 8"),
        "{report}"
    );
    assert!(
        report.contains("and 3 more rejected rows, each with its row, column and reason in the store's _rejects/release="),
        "{report}"
    );
    let a_file = dir.path().join("not-a-folder");
    std::fs::write(&a_file, "x").unwrap();
    for args in [
        vec!["count", "arrests", "--store", path_str(&a_file)],
        vec!["ingest", "--store", path_str(&a_file), path_str(&file)],
    ] {
        let out = tally(&args);
        assert!(
            stderr(&out).contains("it is a file: --store names the folder a store lives in"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// A data file replaced after its commit (another release's file, copied over it) is
/// refused by `count`, naming it, rather than counted.
#[test]
fn count_refuses_a_data_file_changed_after_commit() {
    let dir = tempfile::tempdir().unwrap();
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    let parquet = |store: &Path| -> PathBuf {
        snapshot(store)
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| {
                p.extension().is_some_and(|e| e == "parquet")
                    && p.to_string_lossy().contains("arrests")
            })
            .map(|p| store.join(p))
            .unwrap()
    };
    let mut stores = Vec::new();
    for (i, days) in [(1u32, 10u32), (2, 20)] {
        let rows = tally_synth::arrests(i as u64, &["Denver"], d(3, 1), d(3, days), 3, None);
        let file = dir.path().join(format!("a{i}.pipe.csv"));
        tally_synth::write_national_arrests(&file, "FY2019", &rows).unwrap();
        let store = dir.path().join(format!("store{i}"));
        assert!(ingest(&store, &[&file]).status.success());
        stores.push(store);
    }
    let target = parquet(&stores[0]);
    std::fs::copy(parquet(&stores[1]), &target).unwrap();
    let out = tally(&["count", "arrests", "--store", path_str(&stores[0])]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("where the manifest records")
            && stderr(&out).contains("the file changed after it was committed (run `tally verify"),
        "{}",
        stderr(&out)
    );
}

/// NPR's processed detainers (Pennsylvania, 2007-2015): `date` is ICE's Prepare Date
/// (nprapps/sanctuary-cities `clean.py`), the other columns its lift reason, facility,
/// city and state. Every row's date is written at 00:00:00: read as dates, with a
/// warning, so no hour of day is counted. Counts by FY and lift reason are checked
/// against the file read here with the `csv` crate.
#[test]
fn nprs_processed_detainers_are_read_with_their_prepare_dates_and_no_time_of_day() {
    let file = shared_data().join("detainers/pa_detainers_eads.csv");
    let mut by_fy: std::collections::BTreeMap<String, u64> = Default::default();
    let mut by_reason: std::collections::BTreeMap<String, u64> = Default::default();
    let mut reader = csv::Reader::from_path(&file).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        let (year, month): (i32, u32) = (r[0][..4].parse().unwrap(), r[0][5..7].parse().unwrap());
        assert_eq!(&r[0][10..], " 00:00:00", "{:?}", &r[0]);
        let fy = if month >= 10 { year + 1 } else { year };
        *by_fy.entry(format!("FY{fy}")).or_default() += 1;
        let reason = if r[1].is_empty() { "(blank)" } else { &r[1] };
        *by_reason.entry(reason.to_string()).or_default() += 1;
    }
    assert_eq!(by_fy.values().sum::<u64>(), 32_757);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&file]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("detainers table, header on row 1"), "{said}");
    assert!(
        said.contains(
            "every event time is 00:00:00 (32,757 rows): read as dates without a time of day"
        ),
        "{said}"
    );
    assert!(!said.contains("with a time of day"), "{said}");
    let counts = |by: &str| -> std::collections::BTreeMap<String, u64> {
        let text = count_csv(&store, "detainers", &["--by", by, "--suppress-below", "0"]);
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .filter_map(|r| {
                let r = r.ok()?;
                Some((r.get(0)?.to_string(), r.get(1)?.parse().ok()?))
            })
            .collect()
    };
    assert_eq!(counts("fy"), by_fy);
    assert_eq!(counts("detainer-lift-reason"), by_reason);
    assert_eq!(
        counts("hour-of-day"),
        [("(no time)".to_string(), 32_757)].into_iter().collect()
    );
    // No AOR column: it covers its days for no AOR in particular, so the months of 2007
    // before its first row are not covered (they were silently absent), and it is said.
    let in_2007 = count_csv(
        &store,
        "detainers",
        &[
            "--from",
            "2007-01-01",
            "--to",
            "2007-12-31",
            "--suppress-below",
            "0",
        ],
    );
    let first_2007: u64 = csv::Reader::from_path(&file)
        .unwrap()
        .records()
        .filter(|r| r.as_ref().unwrap()[0].starts_with("2007-"))
        .count() as u64;
    assert_eq!(
        in_2007,
        format!("count,coverage\n{first_2007},partly: 91 of 365 AOR-days\n")
    );
    let out = tally(&[
        "count",
        "detainers",
        "--store",
        path_str(&store),
        "--from",
        "2007-01-01",
        "--to",
        "2007-12-31",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(
        notes.contains(&"pa_detainers_eads.csv gives no AOR for any of its rows: it covers 2007-10-02..2015-07-18 for no AOR in particular (counted as (AOR not given)), so days it does not cover print \"not covered\" but what it covers cannot be placed by AOR")
            && notes.contains(&"no ingested detainers release covers (AOR not given) on 2007-01-01..2007-10-01 (274 days): counts there are missing, not zero"),
        "{notes:?}"
    );
}

/// NPR's Pennsylvania detainers (no AOR) beside the Deportation Data Project's St. Cloud
/// detainers (St. Paul AOR, 2026, one facility's): Pennsylvania's years are covered, the
/// years between the two are not covered, never absent or labelled as rows of a release
/// that does not claim its days.
#[test]
fn detainers_without_an_aor_beside_detainers_with_one_are_covered_in_part() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let pa = shared_data().join("detainers/pa_detainers_eads.csv");
    let st_cloud = shared_data().join("ddp-processed/detainers_st-cloud-declined_2026-02.csv");
    let out = ingest(&store, &[&pa, &st_cloud]);
    assert!(out.status.success(), "{}", stderr(&out));
    let by_fy = count_csv(
        &store,
        "detainers",
        &["--by", "fy", "--suppress-below", "0"],
    );
    // The St. Cloud file is one facility's extract and covers no AOR's days (it made
    // Pennsylvania's FY2009 "partly: 365 of 730 AOR-days", St. Paul's days counted as
    // days asked about): its rows count in FY2026, on days no release claims.
    for line in [
        "FY2009,4913,",
        "FY2016,not covered,not covered",
        "FY2025,not covered,not covered",
        "FY2026,22,\"not covered: rows of a release that does not claim these days (outside its stated period, a few rows of an AOR it does not cover, or one place's records; see tally status)\"",
    ] {
        assert!(by_fy.lines().any(|l| l == line), "{line}: {by_fy}");
    }
    assert_eq!(by_fy.matches("does not claim").count(), 1, "{by_fy}");
}

/// Dates no release's rows can hold (event dates outside 1970-01-01..2099-12-31 are
/// rejected at ingest) are refused when asked for, not counted: `--from 0999-09-30`
/// printed `FY999,0` for a year no release covers, and `--from -2019-01-01` 4,039 fiscal
/// years of zeros sorted as text. A period partly inside the range is counted as usual.
#[test]
fn dates_outside_the_kept_event_dates_are_refused_not_counted_as_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_one_release(dir.path());
    let refused = |args: &[&str], message: &str| {
        let mut all = vec![
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--by",
            "fy",
        ];
        all.extend_from_slice(args);
        let out = tally(&all);
        assert!(!out.status.success(), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    };
    let kept = "outside the event dates Tally keeps (1970-01-01 to 2099-12-31): no release's rows can fall there";
    let ask = "outside the event dates Tally keeps (1970-01-01 to 2099-12-31): ask within them";
    refused(
        &["--from=0999-09-30", "--to", "1000-10-02"],
        &format!("--from 0999-09-30 is {ask}"),
    );
    refused(
        &["--from=-2019-01-01"],
        &format!("--from -2019-01-01 is {ask}"),
    );
    refused(
        &["--to", "2100-01-01"],
        &format!("--to 2100-01-01 is {ask}"),
    );
    refused(
        &["--where", "month=0999-01"],
        &format!("--where month=\"0999-01\" lies {kept}"),
    );
    refused(
        &["--where", "fy=FY0999"],
        &format!("--where fy=\"FY0999\" lies {kept}"),
    );
    refused(
        &["--where", "date=1969-12-31"],
        &format!("--where date=\"1969-12-31\" lies {kept}"),
    );
    // FY1970 starts in 1969 but ends inside the range: asked, it is not covered.
    let fy1970 = count_csv(&store, "arrests", &["--by", "fy", "--where", "fy=FY1970"]);
    assert_eq!(
        fy1970,
        "fy,count,coverage\nFY1970,not covered,not covered\n"
    );
}

/// A filter naming several periods asks about those periods, not the days between them:
/// `--where fy=FY2014,FY2017` printed FY2015 and FY2016 as 0 beside 1.26 million rows
/// each. By day, two days asked give two rows, and a bucket they cut says which days it
/// counts.
#[test]
fn several_periods_asked_list_those_periods_not_zeros_between() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_one_release(dir.path());
    let all = count_csv(
        &store,
        "arrests",
        &["--by", "date", "--suppress-below", "0"],
    );
    let day = |d: &str| -> u64 {
        all.lines()
            .find_map(|l| {
                l.strip_prefix(&format!("{d},"))?
                    .split(',')
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("{d}: {all}"))
    };
    let (a, b) = (day("2019-01-05"), day("2019-01-20"));
    let two = count_csv(
        &store,
        "arrests",
        &[
            "--by",
            "date",
            "--where",
            "date=2019-01-05,2019-01-20",
            "--suppress-below",
            "0",
        ],
    );
    assert_eq!(two, format!("date,count\n2019-01-05,{a}\n2019-01-20,{b}\n"));
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "week",
        "--where",
        "date=2019-01-05,2019-01-20",
        "--suppress-below",
        "0",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let weeks: Vec<(String, u64)> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["week"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        weeks,
        [("2018-12-31".to_string(), a), ("2019-01-14".to_string(), b)]
    );
    let notes = v["notes"].to_string();
    assert!(
        notes.contains(
            "week 2018-12-31 counts only 2019-01-05..2019-01-05 (the days asked about cut it)"
        ),
        "{notes}"
    );
}

/// ICE's biweekly detention-statistics workbooks (FY2020 to FY2026, as published) are sums,
/// not records: each is refused as such, not as a sheet with no header.
#[test]
fn ices_published_detention_statistics_are_refused_as_aggregates() {
    let folder = shared_data().join("detention");
    for name in [
        "ice_FY20-detentionstats_carwilb.xlsx",
        "ice_FY21_detentionStats07082021_raw.xlsx",
        "ice_FY25_detentionStats09242025.xlsx",
        "ice_FY26_detentionStats02022026.xlsx",
        "ice_FY26_detentionStats_04092026.xlsx",
    ] {
        assert_rejected(
            &folder.join(name),
            "sheet \"Header\": \"ICE Detention Statistics\", ICE's published detention statistics: tables of figures ICE has already summed, not records",
        );
    }
}
