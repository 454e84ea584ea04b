//! A corpus of generated hostile and broken inputs. Each gives a clear error naming the
//! file (and sheet, row, column where they apply) or a correct parse; never a panic, a
//! hang, or unbounded memory.

mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs an ingest into a fresh store; panics on a crash (a panic or a signal).
fn ingest_fresh(dir: &Path, file: &Path) -> (Output, PathBuf) {
    let store = dir.join(format!(
        "store-{}",
        file.file_name().unwrap().to_string_lossy()
    ));
    let out = ingest(&store, &[file]);
    let err = stderr(&out);
    assert!(
        !err.contains("panicked"),
        "panic on {}:\n{err}",
        file.display()
    );
    assert!(
        out.status.code().is_some(),
        "killed by a signal on {}",
        file.display()
    );
    (out, store)
}

fn expect_error(dir: &Path, file: &Path, message: &str) {
    let (out, store) = ingest_fresh(dir, file);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains(message), "expected {message:?} in:\n{err}");
    assert!(
        err.contains(&file.file_name().unwrap().to_string_lossy().to_string()),
        "error must name the file:\n{err}"
    );
    assert!(
        !store.join("manifest.json").exists(),
        "nothing may be committed"
    );
}

fn expect_parse(dir: &Path, file: &Path) -> (String, PathBuf) {
    let (out, store) = ingest_fresh(dir, file);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        tally(&["verify", "--store", path_str(&store)])
            .status
            .success()
    );
    (stdout(&out), store)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const HEADER: &str = "\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Citizenship\"|\"Gender\"";

fn arrests_text(rows: &[&str], eol: &str) -> String {
    let mut t = format!("\"ERO Administrative Arrests for FY2019\"||||{eol}{HEADER}{eol}");
    for r in rows {
        t.push_str(r);
        t.push_str(eol);
    }
    t
}

#[test]
fn corrupted_zip_containers_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("source.xlsx");
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2019, m, day).unwrap();
    tally_synth::write_lesa_workbook(
        &book,
        "Seattle",
        &tally_synth::arrests(9, &["Seattle"], d(1, 1), d(2, 28), 4, None),
    )
    .unwrap();
    let bytes = std::fs::read(&book).unwrap();
    // Damage the compressed data at several places; each must end in an error or a parse.
    for (i, at) in [0.2, 0.4, 0.6, 0.8].iter().enumerate() {
        let mut bad = bytes.clone();
        let pos = (bad.len() as f64 * at) as usize;
        for b in &mut bad[pos..pos + 64] {
            *b = !*b;
        }
        let file = write(dir.path(), &format!("damaged-{i}.xlsx"), &bad);
        let (out, _) = ingest_fresh(dir.path(), &file);
        if out.status.code() == Some(1) {
            assert!(
                stderr(&out).contains(&format!("damaged-{i}.xlsx")),
                "{}",
                stderr(&out)
            );
        }
    }
    // Only the local header survives: a zip with no central directory.
    expect_error(
        dir.path(),
        &write(dir.path(), "headless.xlsx", &bytes[..200]),
        "truncated or corrupt xlsx workbook",
    );
}

#[test]
fn a_legacy_xls_renamed_xlsx_is_read_as_xls() {
    let dir = tempfile::tempdir().unwrap();
    let xls = shared_data().join("detention/ice_foia_09-5638_detentionfacilitylist_legacy.xls");
    let renamed = write(dir.path(), "facilities.xlsx", &std::fs::read(xls).unwrap());
    // Read as the legacy workbook it is (its sheet named, its rows counted): ICE's 2009
    // facility list, a reference table of facility codes with their AORs.
    let (text, _) = expect_parse(dir.path(), &renamed);
    assert!(
        text.contains("sheet \"Facility List\": detention-facilities table, header on row 7"),
        "{text}"
    );
    assert!(
        text.contains("rows read 275 = kept 275 + rejected 0  [balanced]"),
        "{text}"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_decompression() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // Ingest with a 64 MiB limit: refused as a bomb, nothing committed.
    let refused = |path: &Path| {
        assert!(
            std::fs::metadata(path).unwrap().len() < 1 << 20,
            "the bomb should be small on disk"
        );
        let out = tally(&[
            "ingest",
            "--store",
            path_str(&store),
            "--max-decompressed-mib",
            "64",
            path_str(path),
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains(
                "decompressed size exceeds the limit of 67108864 bytes (possible zip or gzip bomb)"
            ),
            "{}",
            stderr(&out)
        );
        assert!(!store.join("manifest.json").exists(), "nothing committed");
    };
    let zeros = vec![b' '; 1 << 20];

    // A workbook whose zip entries declare 96 MiB: refused before decompression.
    let path = dir.path().join("bomb.xlsx");
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    for _ in 0..96 {
        zip.write_all(&zeros).unwrap();
    }
    zip.finish().unwrap();
    refused(&path);

    // A gzip bomb: a valid header, then 96 MiB of spaces, read in chunks until the limit.
    let gz_path = dir.path().join("EROArrests_FY2019.pipe.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(format!("{HEADER}\n").as_bytes()).unwrap();
    for _ in 0..96 {
        gz.write_all(&zeros).unwrap();
    }
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    refused(&gz_path);
}

#[test]
fn a_sheet_claiming_16384_columns_and_1048576_rows_parses_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phantom.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Arrests").unwrap();
    sheet
        .write_string(0, 0, "ERO Administrative Arrests for FY2019")
        .unwrap();
    for (c, h) in [
        "Area of Responsibility",
        "Apprehension Date",
        "Apprehension Method",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for r in 0..50u32 {
        sheet
            .write_string(2 + r, 0, "Chicago Area of Responsibility")
            .unwrap();
        sheet.write_number(2 + r, 1, 43_466.0 + r as f64).unwrap();
        sheet.write_string(2 + r, 2, "Located").unwrap();
    }
    // The far corner: the sheet's extent becomes A1:XFD1048576.
    sheet.write_string(1_048_575, 16_383, "corner").unwrap();
    book.save(&path).unwrap();
    let before = max_child_rss_kib();
    let (text, store) = expect_parse(dir.path(), &path);
    assert!(
        max_child_rss_kib().max(before) < 512 * 1024,
        "used more than 512 MiB"
    );
    // The far corner's lone cell is no record: rejected as a note line, not counted undated.
    assert!(
        text.contains("rows read 51 = kept 50 + rejected 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "rejected row 1048576: a line with no event date and at most one filled cell"
        ),
        "{text}"
    );
    assert_eq!(
        covered_counts(&count_csv(&store, "arrests", &["--by", "month"])),
        "month,count\n2019-01,31\n2019-02,19\n"
    );
}

/// Rewrites every worksheet's `<dimension ref="...">` of an xlsx to `ref`, copying the
/// other parts as they are.
fn with_dimension(xlsx: &[u8], dimension: &str) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        if name.starts_with("xl/worksheets/sheet") {
            let xml = String::from_utf8(bytes).unwrap();
            let start = xml.find("<dimension ref=\"").expect("a dimension element") + 16;
            let end = start + xml[start..].find('"').unwrap();
            bytes = format!("{}{dimension}{}", &xml[..start], &xml[end..]).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_sheet_whose_dimension_names_whole_rows_is_read() {
    // The FOIA 2018-ICFO-36170 workbooks declare `<dimension ref="1:1416"/>`: calamine
    // 0.38 refused them ("Range is missing the expected column component"); Tally carries
    // the fix in vendor/calamine (see vendor/README.md).
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Arrests").unwrap();
    sheet
        .write_string(0, 0, "ERO Administrative Arrests")
        .unwrap();
    for (c, h) in [
        "Area of Responsibility",
        "Apprehension Date",
        "Apprehension Method",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for r in 0..1414u32 {
        sheet
            .write_string(2 + r, 0, "Seattle Area of Responsibility")
            .unwrap();
        sheet
            .write_number(2 + r, 1, 43_466.25 + (r % 90) as f64)
            .unwrap();
        sheet.write_string(2 + r, 2, "Located").unwrap();
    }
    let original = book.save_to_buffer().unwrap();
    for dimension in ["1:1416", "A:C"] {
        let file = write(
            dir.path(),
            "rows-only.xlsx",
            &with_dimension(&original, dimension),
        );
        let (text, store) = expect_parse(dir.path(), &file);
        assert!(
            text.contains("rows read 1,414 = kept 1,414 + rejected 0"),
            "{dimension}: {text}"
        );
        assert_eq!(
            count_csv(&store, "arrests", &["--by", "aor,hour-of-day"]),
            "aor,hour-of-day,count\nSEA,06,1414\n",
            "{dimension}"
        );
    }
    // A dimension that is no range at all is still an error naming the file and sheet.
    let file = write(
        dir.path(),
        "bad-dimension.xlsx",
        &with_dimension(&original, "A1:!!"),
    );
    expect_error(dir.path(), &file, "bad-dimension.xlsx, sheet \"Arrests\"");
}

/// Peak resident memory (KiB) of the largest child process waited for so far:
/// getrusage(RUSAGE_CHILDREN).ru_maxrss (Linux x86-64 layout: two timevals, then maxrss).
fn max_child_rss_kib() -> i64 {
    unsafe extern "C" {
        fn getrusage(who: i32, usage: *mut [i64; 18]) -> i32;
    }
    const RUSAGE_CHILDREN: i32 = -1;
    let mut usage = [0i64; 18];
    // SAFETY: `usage` is a writable buffer of the size of `struct rusage` (144 bytes).
    let rc = unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    usage[4]
}

#[test]
fn excel_serials_the_1900_leap_bug_mixed_formats_and_implausible_dates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dates.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Arrests").unwrap();
    for (c, h) in [
        "Area of Responsibility",
        "Apprehension Date",
        "Apprehension Method",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let chicago = "Chicago Area of Responsibility   ";
    sheet.write_string(1, 0, chicago).unwrap();
    sheet.write_number(1, 1, 43_466.0).unwrap(); // 2019-01-01 as a serial
    sheet.write_string(2, 0, chicago).unwrap();
    sheet.write_number(2, 1, 60.0).unwrap(); // the 1900-02-29 that never was
    sheet.write_string(3, 0, chicago).unwrap();
    sheet.write_string(3, 1, "1/2/2019").unwrap();
    sheet.write_string(4, 0, chicago).unwrap();
    sheet.write_string(4, 1, "2019-01-03").unwrap();
    sheet.write_string(5, 0, chicago).unwrap();
    sheet.write_string(5, 1, "43469").unwrap(); // a number stored as text
    sheet.write_string(6, 0, chicago).unwrap();
    sheet.write_string(6, 1, "1/5/2919").unwrap();
    sheet.write_string(7, 0, chicago).unwrap();
    sheet
        .write_formula(
            7,
            1,
            rust_xlsxwriter::Formula::new("=DATE(2019,1,6)").set_result("43471"),
        )
        .unwrap();
    for r in 1..=7 {
        sheet.write_string(r, 2, " Located ").unwrap();
    }
    book.save(&path).unwrap();
    let (text, store) = expect_parse(dir.path(), &path);
    assert!(text.contains("rows read 7 = kept 5 + rejected 2"), "{text}");
    assert!(text.contains("rejected row 3, column \"Apprehension Date\": Excel serial 60 is 1900-02-29, a day that does not exist"), "{text}");
    assert!(text.contains("rejected row 7, column \"Apprehension Date\": 2919-01-05 is outside the plausible range"), "{text}");
    let by_date = count_csv(
        &store,
        "arrests",
        &["--by", "date,aor,method", "--suppress-below", "0"],
    );
    assert_eq!(
        by_date,
        "date,aor,method,count\n2019-01-01,CHI,Located,1\n2019-01-02,CHI,Located,1\n2019-01-03,CHI,Located,1\n2019-01-04,CHI,Located,1\n2019-01-06,CHI,Located,1\n"
    );
}

#[test]
fn encodings_line_endings_quotes_and_duplicate_headers() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        "\"Chicago Area of Responsibility\"|1/2/2019|\"Located\"|\"M\u{c9}XICO\"|\"Male\"",
        "\"Chicago Area of Responsibility\"|1/3/2019|\"Located\"|\"CHINA | TAIWAN\"|\"Female\"",
        "\"Chicago Area of Responsibility\"|1/4/2019|\"Located\"|\"LINE\nBREAK\"|\"Male\"",
    ];
    // UTF-8 with a byte-order mark and CRLF.
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend(arrests_text(&rows, "\r\n").into_bytes());
    // Latin-1 (É as one byte 0xC9).
    let latin1: Vec<u8> = arrests_text(&rows, "\n")
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    // UTF-16LE with a byte-order mark.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        arrests_text(&rows, "\r\n")
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    for (name, bytes) in [
        ("utf8-bom-crlf.csv", utf8),
        ("latin1.txt", latin1),
        ("utf16.txt", utf16),
    ] {
        let file = write(dir.path(), name, &bytes);
        let (text, store) = expect_parse(dir.path(), &file);
        assert!(
            text.contains("rows read 3 = kept 3 + rejected 0"),
            "{name}: {text}"
        );
        let got = count_csv(
            &store,
            "arrests",
            &["--by", "citizenship,gender", "--suppress-below", "0"],
        );
        assert_eq!(
            counts_only(&got),
            "citizenship,gender,count\nCHINA | TAIWAN,Female,1\n\"LINE\nBREAK\",Male,1\nMÉXICO,Male,1\n",
            "{name}"
        );
    }
    // The quoted newline: the third record starts on line 5 and is reported there.
    let file = write(
        dir.path(),
        "rows.csv",
        arrests_text(
            &[
                rows[2],
                "\"Chicago Area of Responsibility\"|99/99/2019|\"Located\"|\"X\"|\"Male\"",
            ],
            "\n",
        )
        .as_bytes(),
    );
    let (text, _) = expect_parse(dir.path(), &file);
    assert!(
        text.contains("rejected row 5, column \"Apprehension Date\""),
        "{text}"
    );

    // Duplicated header names: the second copy is kept, not dropped (a second date column
    // of the same field is checked against the first and kept where it disagrees).
    let dup = "\"ERO Administrative Arrests\"|||\n\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Date\"|\"Notes\"|\"Notes\"\n\
               \"Chicago Area of Responsibility\"|1/2/2019|1/9/2019|a|b\n";
    let file = write(dir.path(), "dup.csv", dup.as_bytes());
    let (_, store) = expect_parse(dir.path(), &file);
    let rows = read_rows(
        &store,
        common::table("arrests"),
        &["event_date", "extra_columns"],
        |_| true,
    );
    assert_eq!(
        rows,
        vec![vec![
            "2019-01-02".to_string(),
            r#"{"Apprehension Date":"1/9/2019","Notes":"a","Notes (2)":"b"}"#.to_string()
        ]]
    );
}

#[test]
fn formula_and_error_cells_and_withheld_markers_in_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cells.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Arrests").unwrap();
    for (c, h) in [
        "Area of Responsibility",
        "Apprehension Date",
        "Apprehension Method",
        "Citizenship",
        "Operation",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=3u32 {
        sheet
            .write_string(r, 0, "Newark Area of Responsibility")
            .unwrap();
        sheet.write_number(r, 1, 43_500.0).unwrap();
        sheet.write_string(r, 2, "Located").unwrap();
    }
    sheet
        .write_formula(
            1,
            3,
            rust_xlsxwriter::Formula::new("=\"MEX\"&\"ICO\"").set_result("MEXICO"),
        )
        .unwrap();
    sheet
        .write_formula(
            2,
            3,
            rust_xlsxwriter::Formula::new("=NA()").set_result("#N/A"),
        )
        .unwrap();
    sheet.write_string(3, 3, "GUATEMALA ").unwrap();
    sheet.write_string(1, 4, "(b)(7)(E )").unwrap();
    book.save(&path).unwrap();
    let (_, store) = expect_parse(dir.path(), &path);
    let mut rows = read_rows(
        &store,
        common::table("arrests"),
        &[
            "source_row",
            "citizenship",
            "operation",
            "withheld",
            "unparsed_values",
        ],
        |_| true,
    );
    rows.sort();
    let row = |cells: [&str; 5]| cells.map(String::from).to_vec();
    assert_eq!(
        rows,
        vec![
            row(["2", "MEXICO", "NULL", "operation=(b)(7)(E)", "NULL"]),
            row(["3", "NULL", "NULL", "NULL", r##"{"citizenship":"#N/A"}"##]),
            row(["4", "GUATEMALA", "NULL", "NULL", "NULL"]),
        ]
    );
}

#[test]
fn stray_quotes_lone_cr_lines_and_title_lines_lose_no_record() {
    let dir = tempfile::tempdir().unwrap();
    // Ingests an arrests file of `rows` into a fresh store; the report text and the store.
    let parse = |name: &str, rows: &[&str], eol: &str| {
        let file = write(dir.path(), name, arrests_text(rows, eol).as_bytes());
        expect_parse(dir.path(), &file)
    };
    let row = |day: u32, gender: &str| {
        format!("\"Chicago Area of Responsibility\"|1/{day}/2019|\"Located\"|\"MEXICO\"|{gender}")
    };
    // A quote left open in row 2 closes at row 3's first quote: without care, rows 2 and 3
    // become one record of the wrong width and row 3 is lost inside a reject.
    let rows: Vec<String> = (1..=6)
        .map(|d| row(d, if d == 2 { "\"Male" } else { "\"Male\"" }))
        .collect();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let (text, store) = parse("paired.csv", &refs, "\n");
    assert!(text.contains("rows read 6 = kept 5 + rejected 1"), "{text}");
    assert!(
        text.contains("rejected row 4: a quote on this line closes on line 5, making a record of 9 fields (the header has 5)"),
        "{text}"
    );
    assert_eq!(
        covered_counts(&count_csv(
            &store,
            "arrests",
            &["--by", "date", "--suppress-below", "0"]
        )),
        "date,count\n2019-01-01,1\n2019-01-03,1\n2019-01-04,1\n2019-01-05,1\n2019-01-06,1\n"
    );

    // A quote nothing closes (the csv crate would read the rest of the file into one field).
    let rows: Vec<String> = (1..=4)
        .map(|d| {
            let gender = if d == 2 { "\"Male" } else { "Male" };
            format!("Chicago Area of Responsibility|1/{d}/2019|Located|MEXICO|{gender}")
        })
        .collect();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let (text, _) = parse("unclosed.csv", &refs, "\n");
    assert!(text.contains("rows read 4 = kept 3 + rejected 1"), "{text}");
    assert!(
        text.contains("rejected row 4: field 5 opens a quote that nothing closes"),
        "{text}"
    );

    // Lone CR line ends (old Mac exports): each line its own record and its own number.
    let rows: Vec<String> = (1..=3).map(|d| row(d, "\"Male\"")).collect();
    let mut refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    refs.push("\"Chicago Area of Responsibility\"|1/40/2019|\"Located\"|\"MEXICO\"|\"Male\"");
    let (text, _) = parse("cr.csv", &refs, "\r");
    assert!(text.contains("rows read 4 = kept 3 + rejected 1"), "{text}");
    assert!(
        text.contains("rejected row 6, column \"Apprehension Date\""),
        "{text}"
    );

    // A title line between records, and a withheld AOR: neither is an undated record.
    let mut refs: Vec<String> = (1..=2).map(|d| row(d, "\"Male\"")).collect();
    refs.push("\"ERO Administrative Arrests for FY2019 (continued)\"||||".into());
    refs.push("\"(B)(6);(B)(7)(C) \"|1/3/2019|\"Located\"|\"MEXICO\"|\"Male\"".into());
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let (text, store) = parse("title.csv", &refs, "\n");
    assert!(text.contains("rows read 4 = kept 3 + rejected 1"), "{text}");
    assert!(
        text.contains("rejected row 5: a line with no event date and at most one filled cell"),
        "{text}"
    );
    assert_eq!(
        counts_only(&count_csv(
            &store,
            "arrests",
            &["--by", "aor", "--suppress-below", "0"]
        )),
        "aor,count\n(withheld),1\nCHI,2\n"
    );
}

#[test]
fn a_gzipped_workbook_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("Arrests").unwrap();
    sheet
        .write_string(0, 0, "ERO Administrative Arrests for FY2019")
        .unwrap();
    for (c, h) in ["Area of Responsibility", "Apprehension Date"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for r in 0..3u32 {
        sheet
            .write_string(2 + r, 0, "Chicago Area of Responsibility")
            .unwrap();
        sheet.write_number(2 + r, 1, 43_466.0 + r as f64).unwrap();
    }
    let xlsx = book.save_to_buffer().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&xlsx).unwrap();
    let file = write(dir.path(), "arrests.xlsx.gz", &gz.finish().unwrap());
    let (text, store) = expect_parse(dir.path(), &file);
    assert!(text.contains("xlsx"), "{text}");
    assert!(text.contains("rows read 3 = kept 3 + rejected 0"), "{text}");
    assert_eq!(
        covered_counts(&count_csv(
            &store,
            "arrests",
            &["--by", "date", "--suppress-below", "0"]
        )),
        "date,count\n2019-01-01,1\n2019-01-02,1\n2019-01-03,1\n"
    );
}

#[test]
fn a_gzip_release_padded_with_zeros_is_refused_saying_so_and_a_cut_one_is_not_called_whole() {
    let dir = tempfile::tempdir().unwrap();
    let real = national().join("EROArrests_FY2016.pipe.csv.gz");
    let bytes = std::fs::read(&real).unwrap();
    // Zero padding after the whole gzip member (gzip and Python skip it).
    let padded = dir.path().join("EROArrests_FY2016.pipe.csv.gz");
    let mut with_zeros = bytes.clone();
    with_zeros.extend_from_slice(&[0u8; 512]);
    std::fs::write(&padded, &with_zeros).unwrap();
    let store = dir.path().join("store");
    let o = ingest(&store, &[&padded]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("EROArrests_FY2016.pipe.csv.gz")
            && err.contains("the gzip stream ends whole after")
            && err.contains("zero padding or garbage"),
        "{err}"
    );
    assert!(!store.join("arrests").exists(), "nothing was committed");
    // A member cut short is not said to end whole.
    let cut = dir.path().join("cut.pipe.csv.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let o = ingest(&dir.path().join("store-cut"), &[&cut]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("cut.pipe.csv.gz")
            && err.contains("truncated or corrupt gzip stream")
            && !err.contains("ends whole"),
        "{err}"
    );
}
