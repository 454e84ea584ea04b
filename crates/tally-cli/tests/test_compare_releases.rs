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
        text.contains(
            "in the overlap: A 1,933 to 1,957 rows, B 1,931 to 1,939 rows; 1,930 records in both; 3 to 27 only in A; <10 only in B; outside the days and AORs both cover, not compared: A 129,970 rows, B 30,618 rows"
        ),
        "{text}"
    );
    // December: A has 229 matched rows and a few of its own, B exactly the 229; A as the
    // range it could take for any few (230 to 238), with B - A left blank, keeps them hidden.
    assert!(
        text.contains("2018-12  SEA  230 to 238       229               <10          0"),
        "{text}"
    );
    assert!(
        text.contains(
            "only in A: row pointers not shown because some only-in-A counts are below 10"
        ),
        "{text}"
    );
    assert!(
        text.contains("note: rows without an AOR are not compared"),
        "{text}"
    );
    assert!(!text.contains("34841"), "{text}");

    // Three releases hold Seattle's FY2019 arrests: each overlap shows both sides' rows on
    // its days, though the national release supersedes both others there.
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    for line in [
        "arrests SEA 2018-10-01 .. 2019-07-06: EROArrests_FY2019.pipe.csv.gz counts, arrests.pipe.csv.gz does not (the one counted has coverage ending later; 1,934 rows against 1,931)",
        "arrests SEA 2012-01-01 .. 2019-07-06: UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx counts, arrests.pipe.csv.gz does not (same coverage end; ingested first; 32,549 rows against 32,549)",
    ] {
        assert!(status.contains(line), "{line}\n{status}");
    }

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
    tally_synth::write_national_arrests(&a, "FY2019 (3/1/2019 - 5/1/2019)", &rows).unwrap();
    tally_synth::write_national_arrests(&b, "FY2019 (3/1/2019 - 5/1/2019)", &revised).unwrap();
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&a, &b]).status.success());
    let c = compare_json(&store, "first.pipe.csv", "revised.pipe.csv");
    // Removed 3 + changed method 1 + moved date 1; both banners state a period to 1 May,
    // so the moved row's new date lies inside A's coverage and shows in B too. (A banner
    // stating all of FY2019 over two months of rows would be taken as cut short.)
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

/// A revised cut of the Deportation Data Project's Washington arrests: records changed in
/// place are paired on the person identifier and reported as changed fields, not as one
/// removed plus one added.
#[test]
fn revised_records_are_paired_on_the_identifier() {
    let source = shared_data().join("ddp-processed/arrests_washington-state_2023-09_2025-10.csv");
    let mut reader = csv::Reader::from_path(&source).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, date, aor, country, gender) = (
        col("unique_identifier"),
        col("apprehension_date"),
        col("apprehension_aor"),
        col("departure_country"),
        col("gender"),
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3441);
    // Rows whose identifier, date and AOR no other row shares, so each pairing is certain.
    let key = |r: &csv::StringRecord| (r[id].to_string(), r[date].to_string(), r[aor].to_string());
    let mut seen = std::collections::HashMap::new();
    for r in &rows {
        *seen.entry(key(r)).or_insert(0) += 1;
    }
    let unique: Vec<usize> = (0..rows.len())
        .filter(|&i| !rows[i][id].is_empty() && seen[&key(&rows[i])] == 1)
        .step_by(97)
        .collect();
    assert!(unique.len() >= 17);
    let mut revised = rows.clone();
    let set = |r: &mut csv::StringRecord, c: usize, v: &str| {
        *r = r
            .iter()
            .enumerate()
            .map(|(k, x)| if k == c { v } else { x })
            .collect();
    };
    for &i in &unique[..12] {
        set(&mut revised[i], country, "SYNTHETIC LAND");
    }
    for &i in &unique[12..15] {
        let other = if rows[i][gender] == *"Male" {
            "Female"
        } else {
            "Male"
        };
        set(&mut revised[i], gender, other);
    }
    let mut added = rows[unique[15]].clone();
    set(&mut added, id, "SYNTHETIC-NEW-PERSON");
    let removed = [unique[16], unique[15] + 1];
    let mut revised: Vec<csv::StringRecord> = revised
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !removed.contains(i))
        .map(|(_, r)| r)
        .collect();
    revised.push(added);

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, rows: &[csv::StringRecord]| {
        let path = dir.path().join(name);
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(&headers).unwrap();
        for r in rows {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        path
    };
    let a = write("arrests_wa_first.csv", &rows);
    let b = write("arrests_wa_revised.csv", &revised);
    let store = dir.path().join("store");
    let out = ingest(&store, &[&a, &b]);
    assert!(out.status.success(), "{}", stderr(&out));
    let c = compare_json(&store, "arrests_wa_first.csv", "arrests_wa_revised.csv");
    assert_eq!(c["paired_on"], "unique_identifier");
    assert_eq!(c["changed_records"], 15);
    assert_eq!(
        c["changed_fields"],
        serde_json::json!([
            {"field": "departure_country", "records": 12},
            {"field": "gender", "records": 3}
        ])
    );
    assert_eq!(c["a"]["only_here"], 2);
    assert_eq!(c["b"]["only_here"], 1);
    assert_eq!(c["a"]["rows_in_overlap"], 3441);
    assert_eq!(c["b"]["rows_in_overlap"], 3440);
    assert_eq!(c["matched_rows"], 3439);
    // No identifier reaches the output, only counts and source pointers.
    let text = serde_json::to_string(&c).unwrap();
    assert!(
        !text.contains(&rows[unique[0]][id]),
        "an identifier was printed"
    );

    let out = tally(&[
        "compare-releases",
        "--store",
        path_str(&store),
        "arrests_wa_first.csv",
        "arrests_wa_revised.csv",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains(
            "of the records in both, 15 changed between the releases: departure_country changed on 12 records; gender changed on <10 records"
        ),
        "{text}"
    );
}

#[test]
fn rows_a_revision_moves_outside_the_overlap_are_said_not_hidden() {
    // A revision of DDP's Washington-state file moving 2 Seattle arrests of September
    // 2023 to the Washington (DC) AOR, whose days in the first version start in November:
    // they fall outside the days and AORs both cover, so they are neither "only in B" nor
    // compared. The summary said 0 only in B and read as 2 records deleted.
    let dir = tempfile::tempdir().unwrap();
    let original = shared_data().join("ddp-processed/arrests_washington-state_2023-09_2025-10.csv");
    let text = std::fs::read_to_string(&original).unwrap();
    let mut moved = 0;
    let revised: Vec<String> = text
        .lines()
        .map(|l| {
            if moved < 2
                && l.starts_with("2023-09-")
                && l.contains(",Seattle Area of Responsibility,")
            {
                moved += 1;
                return l.replace(
                    ",Seattle Area of Responsibility,",
                    ",Washington Area of Responsibility,",
                );
            }
            l.to_string()
        })
        .collect();
    assert_eq!(moved, 2);
    let newer = dir.path().join("b").join(original.file_name().unwrap());
    std::fs::create_dir_all(newer.parent().unwrap()).unwrap();
    std::fs::write(&newer, revised.join("\n") + "\n").unwrap();
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&original]).status.success());
    assert!(ingest(&store, &[&newer]).status.success());
    let (a, b) = (release_id(&original), release_id(&newer));
    let out = tally(&["compare-releases", &a, &b, "--store", path_str(&store)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("<10 only in A; 0 only in B; outside the days and AORs both cover, not compared: A 0 rows, B <10 rows"),
        "{text}"
    );
    let out = tally(&[
        "compare-releases",
        &a,
        &b,
        "--store",
        path_str(&store),
        "--format",
        "json",
        "--suppress-below",
        "0",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["a"]["outside_overlap"], 0);
    assert_eq!(v["b"]["outside_overlap"], 2);
    assert_eq!(v["a"]["only_here"], 2);
    assert_eq!(v["b"]["only_here"], 0);
}
