//! Ingest of the real releases in ../shared/data: exact counts, reconciliation, and the
//! xlsx and pipe-text paths agreeing row for row.

mod common;

use common::*;
use tally_catalog::schema::table_schema;
use tally_model::TableKind;
use tally_store::Store;

#[test]
fn seattle_workbook_sheet_counts_and_summary_reconcile_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&seattle_workbook()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("reconciliation with the workbook's Summary: 40 of 40 FY totals match"),
        "{text}"
    );

    let manifest = Store::open(&store).unwrap().manifest().clone();
    let report = &manifest.releases[0].report;
    let counts: Vec<(&str, TableKind, u64, u64)> = report
        .sheets
        .iter()
        .map(|s| (s.sheet.as_str(), s.table, s.rows_read, s.rows_kept))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("Arrests", table("arrests"), 32_549, 32_549),
            ("Book Ins", table("book-ins"), 36_811, 36_811),
            ("Expedited Removals", table("removals"), 6_529, 6_529),
            ("Other Removals", table("removals"), 20_384, 20_384),
        ]
    );
    assert_eq!(report.summary_checks.len(), 40);
    assert!(report.summary_checks.iter().all(|c| c.matches()));
    assert!(report.unmatched_summary.is_empty());
    let arrests_2019 = report
        .summary_checks
        .iter()
        .find(|c| c.fy_label == "FY2019 YTD" && c.sheets == ["Arrests"])
        .unwrap();
    assert_eq!(
        (arrests_2019.summary_total, arrests_2019.summary_row),
        (1_931, 15)
    );
    // AOR only in the banner title; the Footnotes sheet kept as release notes.
    assert!(
        report
            .sheets
            .iter()
            .all(|s| s.aors.keys().collect::<Vec<_>>() == ["SEA"])
    );
    assert_eq!(report.notes.len(), 19);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("FY2019 YTD data are updated through 07/06/2019"))
    );
    assert_eq!(
        report
            .stated_coverage
            .map(|(a, b)| (a.to_string(), b.to_string())),
        Some(("2012-01-01".into(), "2019-07-06".into()))
    );
}

#[test]
fn a_workbook_missing_a_sheet_its_summary_totals_does_not_reconcile() {
    // The Seattle workbook with its "Book Ins" sheet taken out of the workbook's sheet
    // list (the Summary still totals it): its 8 Book Ins figures are totals no sheet
    // gives, counted as not matching and warned of, at ingest and in `status`.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(seattle_workbook()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if name == "xl/workbook.xml" {
            let text = String::from_utf8(data).unwrap();
            let sheet = "<sheet name=\"Book Ins\" sheetId=\"8\" r:id=\"rId4\" />";
            assert!(text.contains(sheet), "{text}");
            data = text.replace(sheet, "").into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &data).unwrap();
    }
    let copy = dir.path().join("seattle_without_book_ins.xlsx");
    std::fs::write(&copy, out.finish().unwrap().into_inner()).unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&copy]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "WARNING: reconciliation with the workbook's Summary: 32 of 40 FY totals match"
        ),
        "{text}"
    );
    assert!(
        text.contains("Book Ins for the Seattle Area of Responsibility\" (8 FY totals, 36,811 rows) not reconciled: no data sheet of this workbook matches"),
        "{text}"
    );
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains(
            "Workbook Summaries that do not reconcile with the rows ingested\n  seattle_without_book_ins.xlsx: 32 of 40 FY totals match\n"
        ),
        "{status}"
    );
    // The whole workbook says nothing of the kind.
    let whole = dir.path().join("whole");
    assert!(ingest(&whole, &[&seattle_workbook()]).status.success());
    let status = stdout(&tally(&["status", "--store", path_str(&whole)]));
    assert!(!status.contains("Workbook Summaries"), "{status}");
}

#[test]
fn xlsx_sheets_and_their_pipe_dumps_give_identical_canonical_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&seattle()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("5 file(s) ingested"),
        "{}",
        stdout(&out)
    );

    // Every column after the provenance ones, per table.
    let columns_of = |t: tally_model::TableKind| -> Vec<String> {
        std::iter::once("source_row".to_string())
            .chain(
                table_schema(t)
                    .fields()
                    .iter()
                    .skip(3)
                    .map(|f| f.name().clone()),
            )
            .collect()
    };
    let pairs = [
        (table("arrests"), "arrests.pipe.csv.gz", "Arrests"),
        (table("book-ins"), "bookins.pipe.csv.gz", "Book Ins"),
    ];
    for (table, dump, _) in pairs {
        let columns = columns_of(table);
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut from_xlsx = read_rows(&store, table, &columns, |f| f.ends_with(".xlsx"));
        let mut from_text = read_rows(&store, table, &columns, |f| f == dump);
        from_xlsx.sort();
        from_text.sort();
        assert_eq!(from_xlsx.len(), from_text.len(), "{table}");
        assert!(
            from_xlsx == from_text,
            "{table}: xlsx and {dump} differ, first: {:?} vs {:?}",
            from_xlsx
                .iter()
                .zip(&from_text)
                .find(|(a, b)| a != b)
                .map(|p| p.0),
            from_xlsx
                .iter()
                .zip(&from_text)
                .find(|(a, b)| a != b)
                .map(|p| p.1)
        );
    }
    // Removals: two sheets in the workbook, two dumps; compare per source.
    let columns = columns_of(table("removals"));
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut xlsx = read_rows(&store, table("removals"), &columns, |f| {
        f.ends_with(".xlsx")
    });
    let mut text = read_rows(&store, table("removals"), &columns, |f| {
        f.contains("removals.pipe")
    });
    xlsx.sort();
    text.sort();
    assert_eq!(xlsx.len(), 6_529 + 20_384);
    assert!(xlsx == text, "removals differ between xlsx and pipe dumps");
}

#[test]
fn national_arrests_counts_by_fy_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files: Vec<std::path::PathBuf> = (2016..=2019)
        .map(|y| national().join(format!("EROArrests_FY{y}.pipe.csv.gz")))
        .collect();
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    let out = ingest(&store, &paths);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for rows in ["110,104", "143,470", "158,581", "131,904"] {
        let line = format!("rows read {rows} = kept {rows} + rejected 0  [balanced]");
        assert!(text.contains(&line), "{text}");
    }
    assert!(text.contains("FOIA request: 2019-ICFO-53623"));
    assert!(text.contains("stated coverage: 2018-10-01 .. 2019-08-31"));

    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &["--by", "fy"])),
        "fy,count\nFY2016,110104\nFY2017,143470\nFY2018,158581\nFY2019,131904\n"
    );
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "fy",
        "--format",
        "csv",
    ]);
    let provenance = stderr(&out);
    assert!(
        provenance.contains("# source: EROArrests_FY2019.pipe.csv.gz (sha256 94bd7703fec8b39a"),
        "{provenance}"
    );

    // Filters and the date range: the 4 rows dated 2019-09-01 fall outside --to.
    let fy2019_window = ["--from", "2018-10-01", "--to", "2019-08-31"];
    let mut args = vec!["--by", "fy"];
    args.extend(fy2019_window);
    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &args)),
        "fy,count\nFY2019,131900\n"
    );
    let mut args = vec!["--by", "fy,method-group", "--where", "aor=CHI,NYC"];
    args.extend(fy2019_window);
    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &args)),
        "fy,method-group,count\nFY2019,at-large,3874\nFY2019,border,31\nFY2019,custodial,5115\nFY2019,other,1030\n"
    );
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "arrests",
            &["--by", "aor", "--where", "fy=2019", "--where", "aor=HQ,CHI"]
        )),
        "aor,count\nCHI,7769\nHQ,<10\n"
    );

    // Re-ingesting is a no-op that says so.
    let before = snapshot(&store);
    let out = ingest(&store, &paths[..1]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("already in the store as release 057a56ab5a32a4e8"),
        "{}",
        stdout(&out)
    );
    assert_eq!(snapshot(&store), before);
}

#[test]
fn every_national_aor_maps_and_withheld_markers_never_survive() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&national()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = Store::open(&store).unwrap().manifest().clone();
    assert_eq!(manifest.releases.len(), 11);
    let mut codes = std::collections::BTreeSet::new();
    for r in &manifest.releases {
        for s in &r.report.sheets {
            assert!(
                s.unmapped_aors.is_empty(),
                "{}: {:?}",
                r.report.file_name,
                s.unmapped_aors
            );
            assert!(s.balances());
            codes.extend(s.aors.keys().cloned());
        }
    }
    let expected: Vec<&str> = vec![
        "(blank)", "ATL", "BAL", "BOS", "BUF", "CHI", "DAL", "DEN", "DET", "ELP", "HOU", "HQ",
        "LOS", "MIA", "NEW", "NOL", "NYC", "PHI", "PHO", "SEA", "SFR", "SLC", "SNA", "SND", "SPM",
        "WAS",
    ];
    assert_eq!(
        codes.iter().map(String::as_str).collect::<Vec<_>>(),
        expected
    );

    let mut withheld_rows = 0;
    for table in [table("arrests"), table("encounters"), table("removals")] {
        let schema = table_schema(table);
        let text_columns: Vec<&str> = schema
            .fields()
            .iter()
            .filter(|f| {
                f.data_type() == &tally_catalog::schema::text_type()
                    && !["withheld", "release_sha256", "source_sheet"].contains(&f.name().as_str())
            })
            .map(|f| f.name().as_str())
            .collect();
        let mut columns = text_columns.clone();
        columns.push("withheld");
        for row in read_rows(&store, table, &columns, |_| true) {
            for (value, name) in row.iter().zip(&columns).take(text_columns.len()) {
                let lower = value.to_ascii_lowercase();
                assert!(
                    !lower.contains("(b)(") && !lower.contains("b(6)"),
                    "{table} {name}: withheld marker survived: {value:?}"
                );
            }
            if row
                .last()
                .is_some_and(|w| w.contains("birth_date=(b)(6);(b)(7)(C)"))
            {
                withheld_rows += 1;
            }
        }
    }
    // Every national row has a withheld Birth Date.
    assert_eq!(
        withheld_rows,
        110_104
            + 143_470
            + 158_581
            + 131_904
            + 368_645
            + 439_903
            + 396_384
            + 240_255
            + 226_119
            + 256_085
            + 241_513
    );
}
