//! `tally synth --table arrests` (issue #13): SYNTHETIC national arrests in the real raw
//! layout, ingested by Tally with exact counts. The row totals per fiscal year are those
//! synth reports, the AOR shares those fitted from the national files, and with
//! `--overlap` precedence sets aside exactly the planted rows.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use tally_synth::marginals::Marginals;

fn synth(out: &Path, rows: u64, seed: u64, overlap: bool) -> Value {
    let rows = rows.to_string();
    let seed = seed.to_string();
    let mut args = vec![
        "synth",
        "--table",
        "arrests",
        "--rows",
        &rows,
        "--seed",
        &seed,
        "--out",
        path_str(out),
        "--format",
        "json",
    ];
    if overlap {
        args.push("--overlap");
    }
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("synth --format json prints one object")
}

fn ingest(store: &Path, src: &Path) {
    let o = tally(&["ingest", "--store", path_str(store), path_str(src)]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let report = stdout(&o);
    assert!(report.contains("rejected 0"), "{report}");
    assert!(!report.contains("failed:"), "{report}");
}

fn count_json(store: &Path, by: &str) -> Value {
    let o = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(store),
        "--by",
        by,
        "--format",
        "json",
        "--suppress-below",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn groups(count: &Value, dim: &str) -> BTreeMap<String, u64> {
    count["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g[dim].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn as_counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

#[test]
fn synthetic_national_arrests_ingest_with_the_reported_counts_and_fitted_shares() {
    let dir = tempfile::tempdir().unwrap();
    let (src, store) = (dir.path().join("src"), dir.path().join("store"));
    let report = synth(&src, 200_000, 3, false);
    assert_eq!(report["synthetic"], true);
    assert_eq!(report["rows_written"], 200_000);
    let files = report["files"].as_array().unwrap();
    // One file per 140,000 rows, back from FY2019: FY2018 and FY2019.
    let kinds: Vec<&str> = files.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["FY2018", "FY2019"]);
    ingest(&store, &src);

    let by_fy = count_json(&store, "fy");
    assert_eq!(groups(&by_fy, "fy"), as_counts(&report["counted_by_fy"]));
    assert_eq!(by_fy["total"], 200_000);
    assert_eq!(by_fy["coverage_gaps"].as_array().unwrap().len(), 0);
    let stated: Vec<&str> = files
        .iter()
        .map(|f| f["period"][1].as_str().unwrap())
        .collect();
    assert_eq!(stated, ["2018-09-30", "2019-08-31"]);

    // AOR shares within half a point of the marginals fitted from the national files.
    let by_aor = groups(&count_json(&store, "aor-name"), "aor-name");
    let fitted = Marginals::embedded();
    let fitted_total: u64 = fitted.aor.iter().map(|a| a.1).sum();
    assert_eq!(by_aor.len(), fitted.aor.len(), "{by_aor:?}");
    for (name, rows) in &fitted.aor {
        let label = if name.is_empty() {
            "(blank)"
        } else {
            name.as_str()
        };
        let got = by_aor.get(label).copied().unwrap_or(0) as f64 / 200_000.0;
        let want = *rows as f64 / fitted_total as f64;
        assert!(
            (got - want).abs() < 0.005,
            "{label}: {got} vs fitted {want}"
        );
    }
}

#[test]
fn overlapping_releases_shadow_exactly_the_planted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (src, store) = (dir.path().join("src"), dir.path().join("store"));
    let report = synth(&src, 200_000, 5, true);
    let overlap = &report["overlap"];
    let first = overlap["first_extraction_rows"].as_u64().unwrap();
    let thin = overlap["thin_rows"].as_u64().unwrap();
    assert!(first > 90_000 && thin > 500, "{overlap}");
    assert_eq!(overlap["shadowed"].as_u64().unwrap(), first + thin);
    ingest(&store, &src);

    let by_fy = count_json(&store, "fy");
    assert_eq!(groups(&by_fy, "fy"), as_counts(&report["counted_by_fy"]));
    assert_eq!(
        by_fy["total"].as_u64().unwrap(),
        report["rows_written"].as_u64().unwrap() - first - thin
    );
    let shadowed: BTreeMap<String, u64> = by_fy["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file_name"].as_str().unwrap().to_string(),
                r["rows_shadowed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shadowed,
        BTreeMap::from([
            ("SYNTHETIC_EROArrests_FY2018.pipe.csv.gz".to_string(), 0),
            ("SYNTHETIC_EROArrests_FY2019.pipe.csv.gz".to_string(), first),
            (
                "SYNTHETIC_EROArrests_FY2019_reextracted.pipe.csv.gz".to_string(),
                0
            ),
            (
                "SYNTHETIC_EROArrests_extract_CHI_SEA_BOS.pipe.csv.gz".to_string(),
                thin
            ),
        ])
    );
    // The thin extract loses for being thin, not for ending first.
    let reasons: Vec<&str> = by_fy["overlaps_resolved"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["shadowed"] == "SYNTHETIC_EROArrests_extract_CHI_SEA_BOS.pipe.csv.gz")
        .map(|o| o["reason"].as_str().unwrap())
        .collect();
    assert!(
        !reasons.is_empty() && reasons.iter().all(|r| r.contains("far thinner")),
        "{reasons:?}"
    );
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let ra = synth(&a, 30_000, 9, true);
    synth(&b, 30_000, 9, true);
    synth(&c, 30_000, 10, true);
    for f in ra["files"].as_array().unwrap() {
        let path = Path::new(f["path"].as_str().unwrap());
        let name = path.file_name().unwrap();
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(bytes, std::fs::read(b.join(name)).unwrap(), "{name:?}");
        assert_ne!(bytes, std::fs::read(c.join(name)).unwrap(), "{name:?}");
    }
}

#[test]
fn years_before_1970_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("src");
    let o = tally(&[
        "synth",
        "--table",
        "arrests",
        "--rows",
        "1000",
        "--releases",
        "50",
        "--out",
        path_str(&out),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("1 to 49 fiscal years"),
        "{}",
        stderr(&o)
    );
    let o = tally(&[
        "synth",
        "--table",
        "arrests",
        "--rows",
        "1000",
        "--releases",
        "49",
        "--out",
        path_str(&out),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["files"][0]["period"][0], "1970-10-01");
}

#[test]
fn the_2025_workbook_layout_holds_the_same_arrests_across_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let (text_src, book_src) = (dir.path().join("text"), dir.path().join("book"));
    let (text_store, book_store) = (dir.path().join("ts"), dir.path().join("bs"));
    synth(&text_src, 30_000, 4, false);
    let o = tally(&[
        "synth",
        "--table",
        "arrests",
        "--rows",
        "30000",
        "--seed",
        "4",
        "--layout",
        "workbook",
        "--rows-per-sheet",
        "12000",
        "--out",
        path_str(&book_src),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["files"][0]["kind"], "2025 workbook");
    assert_eq!(report["rows_written"], 30_000);
    ingest(&text_store, &text_src);
    // Three sheets of 12,000, 12,000 and 6,000 rows, each under its own banner and header,
    // read as one table, no row rejected.
    let o = tally(&[
        "ingest",
        "--store",
        path_str(&book_store),
        path_str(&book_src),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    let sheets: Vec<&str> = report
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("sheet \"") || l.starts_with("rows read"))
        .collect();
    assert_eq!(
        sheets,
        [
            "sheet \"Sheet1\": arrests table, header on row 7",
            "rows read 12,000 = kept 12,000 + rejected 0  [balanced]",
            "sheet \"Sheet2\": arrests table, header on row 7",
            "rows read 12,000 = kept 12,000 + rejected 0  [balanced]",
            "sheet \"Sheet3\": arrests table, header on row 7",
            "rows read 6,000 = kept 6,000 + rejected 0  [balanced]",
        ],
        "{report}"
    );
    // The same draws as the national layout of the same seed: the same arrests by fiscal
    // year, AOR and method group.
    for by in ["fy", "aor", "method-group"] {
        assert_eq!(
            groups(&count_json(&text_store, by), by),
            groups(&count_json(&book_store, by), by),
            "{by}"
        );
    }
    // Its own columns: criminality, and times of day.
    let crim = groups(&count_json(&book_store, "criminality"), "criminality");
    assert_eq!(crim.len(), 3, "{crim:?}");
    assert_eq!(crim.values().sum::<u64>(), 30_000);
    let hours = groups(&count_json(&book_store, "hour-of-day"), "hour-of-day");
    assert!(
        !hours.contains_key("(no time)") && hours.len() == 14,
        "{hours:?}"
    );
}

/// `synth --table detention-stints --rows N` writes about N stints, small N included (it
/// wrote a whole day of 1,920 stints for any N under that).
#[test]
fn synthetic_stints_come_to_about_the_rows_asked() {
    for n in [1_000u64, 5_000, 20_000] {
        let dir = tempfile::tempdir().unwrap();
        let out = tally(&[
            "synth",
            "--table",
            "detention-stints",
            "--rows",
            &n.to_string(),
            "--out",
            path_str(dir.path()),
            "--seed",
            "7",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let written: u64 = text
            .lines()
            .find_map(|l| l.split_once(": ").map(|(_, r)| r))
            .and_then(|_| {
                text.lines()
                    .find(|l| l.contains(" SYNTHETIC stints"))
                    .and_then(|l| l.split(": ").nth(1))
                    .and_then(|r| r.split(' ').next())
                    .map(|v| v.replace(',', "").parse().unwrap())
            })
            .unwrap();
        let (lo, hi) = (n * 3 / 4, n * 5 / 4);
        assert!(
            (lo..=hi).contains(&written),
            "{n} asked, {written} written: {text}"
        );
    }
}
