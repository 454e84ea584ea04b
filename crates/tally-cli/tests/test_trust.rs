//! Counts you can put in a newspaper, on the real releases: each Seattle day counted from
//! exactly one release when the national folder and the UW v. DHS workbook share a store,
//! a small extract that cannot override a full release, rows without an AOR that go with
//! their release, choices made with `tally prefer`, and missing never printed as zero.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workbook() -> PathBuf {
    seattle_workbook()
}

/// `count --by fy,aor` of one release alone (no precedence across releases).
fn by_fy_aor(store: &Path, table: &str, release: &str) -> BTreeMap<(String, String), u64> {
    let csv = counts_only(&count_csv(
        store,
        table,
        &[
            "--by",
            "fy,aor",
            "--release",
            release,
            "--suppress-below",
            "0",
        ],
    ));
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let (fy, aor, n) = (f.next()?, f.next()?, f.next()?);
            Some(((fy.to_string(), aor.to_string()), n.parse().ok()?))
        })
        .collect()
}

/// `tally count arrests --by BY` as the terminal prints it.
fn arrests_by(store: &Path, by: &str) -> String {
    stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(store),
        "--by",
        by,
    ]))
}

fn fy_totals(store: &Path, table: &str) -> BTreeMap<String, String> {
    counts_only(&count_csv(
        store,
        table,
        &["--by", "fy", "--suppress-below", "0"],
    ))
    .lines()
    .skip(1)
    .filter_map(|l| {
        l.split_once(',')
            .map(|(a, b)| (a.to_string(), b.to_string()))
    })
    .collect()
}

#[test]
fn national_and_seattle_releases_count_each_seattle_day_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&national(), &workbook()]).status.success());
    let uw = "UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx";
    for (table, prefix) in [("arrests", "EROArrests"), ("removals", "ICERemovals")] {
        let got = fy_totals(&store, table);
        let seattle = by_fy_aor(&store, table, uw);
        // The rule (README, "Coverage, overlaps and missing days"): where both cover Seattle, the release
        // whose coverage ends later counts: the workbook (to 2019-07-06) over the national
        // FY2016-FY2018 files, the national FY2019 file (to 2019-08-31) over the workbook.
        for fy in 2016..=2019 {
            let national_file = format!("{prefix}_FY{fy}.pipe.csv.gz");
            let national = by_fy_aor(&store, table, &national_file);
            let fy_label = format!("FY{fy}");
            let national_total: u64 = national.values().sum();
            let national_sea = national
                .get(&(fy_label.clone(), "SEA".into()))
                .copied()
                .unwrap_or(0);
            let uw_sea = seattle
                .get(&(fy_label.clone(), "SEA".into()))
                .copied()
                .unwrap_or(0);
            let expected = if fy < 2019 {
                national_total - national_sea + uw_sea
            } else {
                national_total
            };
            assert_eq!(got[&fy_label], expected.to_string(), "{table} {fy_label}");
        }
        // Before FY2016 only the workbook covers anything, and only Seattle.
        for fy in 2012..=2015 {
            let fy_label = format!("FY{fy}");
            assert_eq!(
                got[&fy_label],
                seattle[&(fy_label.clone(), "SEA".to_string())].to_string(),
                "{table} {fy_label}"
            );
        }
    }
    // The figures, as published: FY2016 arrests equal the national release's (the two
    // releases agree exactly on Seattle's FY2016 arrests), FY2016 removals do not.
    let arrests = fy_totals(&store, "arrests");
    assert_eq!(arrests["FY2016"], "110104");
    let removals = fy_totals(&store, "removals");
    assert_eq!(removals["FY2016"], "240239");
    // One January 2016 in Seattle: from the workbook only, with the national rows set aside.
    let out = tally(&[
        "count",
        "removals",
        "--store",
        path_str(&store),
        "--where",
        "aor=SEA",
        "--by",
        "release",
        "--from",
        "2016-01-01",
        "--to",
        "2016-01-31",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx    118\ntotal 118\n"),
        "{text}"
    );
    assert!(text.contains("ICERemovals_FY2016.pipe.csv.gz (sha256 d608a3e730b2f324a08f7bed52d773fa99574e57e658336c66ea58083351cb72, sheets ICERemovals_FY2016.pipe.csv.gz): 0 rows counted, 113 rows on days another release covers (precedence)"), "{text}");
    // The workbook dates a removal by its departure, the national files by the removal:
    // where precedence passes from one to the other, a record may count twice or never.
    assert!(text.contains("note: removals are dated by departed_date in UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx; by removal_date in ICERemovals_FY2016.pipe.csv.gz, and these releases overlap: where precedence passes from one to another, a record whose two dates fall on either side of that day is counted by both or by neither"), "{text}");
    let arrests_by_month = stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--where",
        "aor=SEA",
        "--by",
        "month",
    ]));
    assert!(
        !arrests_by_month.contains("are dated by"),
        "{arrests_by_month}"
    );
    // By release, each row is that release's rows: the days no release covers (FY2012 to
    // FY2015 outside Seattle) are said once, not printed as "partly" beside every release.
    let text = arrests_by(&store, "release");
    assert!(
        text.contains("EROArrests_FY2016.pipe.csv.gz                    107,406\n"),
        "{text}"
    );
    assert!(!text.contains("partly"), "{text}");
    assert!(
        text.contains("note: no ingested arrests release covers 24 of 25 AORs (all but SEA) on 2012-01-01..2015-09-30 (1369 days): counts there are missing, not zero"),
        "{text}"
    );
    // By release and FY, the partly covered cells are the FYs', and the notes say so.
    let text = arrests_by(&store, "release,fy");
    assert!(
        text.contains("UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx  FY2012    6,620  partly: 274 of 9,150 AOR-days\n"),
        "{text}"
    );
    assert!(
        text.contains("note: by release, a cell's coverage is that of its days and AORs by any release read, not by that release alone (each release's own coverage: tally status)"),
        "{text}"
    );
    // FY2012-FY2015 say they are Seattle only.
    let text = arrests_by(&store, "fy");
    assert!(
        text.contains("FY2012    6,620  partly: 274 of 9,150 AOR-days")
            || text.contains("FY2012    6,620  partly:"),
        "{text}"
    );
    assert!(
        text.contains("note: no ingested arrests release covers 24 of 25 AORs (all but SEA) on 2012-01-01..2015-09-30 (1369 days): counts there are missing, not zero"),
        "{text}"
    );
    // status lists every overlap with the rule that decided it and both figures; the
    // removals releases disagree in FY2019 (national removal dates against the workbook's
    // departed dates), which is said.
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(status.contains("removals SEA 2015-10-01 .. 2016-09-30: UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx counts, ICERemovals_FY2016.pipe.csv.gz does not (the one counted has coverage ending later; 2,108 rows against 2,124)"), "{status}");
    assert!(status.contains("removals SEA 2018-10-01 .. 2019-07-06: ICERemovals_FY2019.pipe.csv.gz counts, UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx does not (the one counted has coverage ending later; 3,444 rows against 3,137; they DISAGREE by more than 1%)"), "{status}");
    // compare-releases now works on the pair status lists.
    let out = tally(&[
        "compare-releases",
        "--store",
        path_str(&store),
        "ICERemovals_FY2016.pipe.csv.gz",
        "cb4ad7e0",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A count lists the overlaps of the AORs and days it asks about: Seattle's four for
    // Seattle, none for Chicago (which had listed Seattle's).
    let overlaps_of = |aor: &str| {
        let out = tally(&[
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--by",
            "fy",
            "--where",
            &format!("aor={aor}"),
            "--format",
            "json",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        json["overlaps_resolved"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["aor"].as_str().unwrap_or("").to_string())
            .collect::<Vec<String>>()
    };
    assert_eq!(overlaps_of("SEA"), ["SEA", "SEA", "SEA", "SEA"]);
    assert_eq!(overlaps_of("CHI"), Vec::<String>::new());
}

/// Writes the national FY2019 arrests layout with `rows` (pipe text lines).
fn national_layout(path: &Path, title: &str, rows: &[String]) {
    let mut text = String::from(
        "\"ERO-LESA Statistical Tracking Unit\"||||||||\n\"For Official Use Only\"||||||||\n\"2019-ICFO-53623\"||||||||\n||||||||\n",
    );
    text.push_str(&format!("\"{title}\"||||||||\n"));
    text.push_str("\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Apprehension Landmark\"|\"Operation\"|\"Processing Disposition\"|\"Birth Date\"|\"Citizenship\"|\"Gender\"\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn national_fy2019_rows() -> Vec<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(national().join("EROArrests_FY2019.pipe.csv.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    text.lines().skip(6).map(String::from).collect()
}

#[test]
fn a_small_extract_with_a_full_banner_cannot_override_the_full_release() {
    let dir = tempfile::tempdir().unwrap();
    let rows = national_fy2019_rows();
    let chicago: Vec<String> = rows
        .iter()
        .filter(|r| r.starts_with("\"Chicago"))
        .take(300)
        .cloned()
        .collect();
    let houston = rows
        .iter()
        .find(|r| r.starts_with("\"Houston") && r.contains("|9/1/2019|"))
        .cloned()
        .unwrap();
    let mut extract = chicago.clone();
    extract.push(houston);
    let path = dir.path().join("EROArrests_FY2019_extract.pipe.csv");
    national_layout(&path, "ERO Administrative Arrests for FY2019", &extract);
    let store = dir.path().join("store");
    // The extract first, so that "ingested first" cannot be what saves the full release.
    assert!(ingest(&store, &[&path]).status.success());
    assert!(
        ingest(&store, &[&national().join("EROArrests_FY2019.pipe.csv.gz")])
            .status
            .success()
    );
    assert_eq!(fy_totals(&store, "arrests")["FY2019"], "131904");
    assert_eq!(
        count_csv(&store, "arrests", &["--by", "fy", "--where", "aor=CHI"]),
        "fy,count,coverage\nFY2019,7769,partly: 335 of 365 AOR-days\n"
    );
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    // The extract's Chicago rows stop on 2018-10-15 (one Houston row on 2019-09-01 aside):
    // the months between are a hole of the extract, no part of the overlap.
    assert!(status.contains("arrests CHI 2018-10-01 .. 2018-10-15: EROArrests_FY2019.pipe.csv.gz counts, EROArrests_FY2019_extract.pipe.csv does not (EROArrests_FY2019_extract.pipe.csv is far thinner"), "{status}");
    assert!(
        status.contains("EROArrests_FY2019_extract.pipe.csv: arrests: no rows dated 2018-10-16..2019-08-31 (320 days)"),
        "{status}"
    );
    // The reason names the rule, not the releases' rates (a rate times the days covered
    // is a release's rows, which a count may hide).
    assert!(
        status.contains("far thinner (under half the other's rows per day)"),
        "{status}"
    );
    assert!(!status.contains("rows a day"), "{status}");
    // The extract's banner does not make September 2019 covered: only the days its own
    // rows span count as covered where it is far thinner.
    let text = stdout(&tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--from",
        "2019-09-01",
        "--to",
        "2019-09-07",
        "--by",
        "aor",
        "--where",
        "aor=CHI,HOU,NYC",
    ]));
    assert!(
        text.contains(
            "no ingested arrests release covers CHI, NYC on 2019-09-01..2019-09-07 (7 days)"
        ),
        "{text}"
    );
    assert!(
        text.contains("no ingested arrests release covers HOU on 2019-09-02..2019-09-07 (6 days)"),
        "{text}"
    );
}

#[test]
fn rows_without_an_aor_go_with_their_release() {
    let dir = tempfile::tempdir().unwrap();
    let rows = national_fy2019_rows();
    let in_january = |r: &&String| r.contains("|1/") && r.contains("/2019|");
    // A: January's Chicago and New York rows, and 5 rows with a blank AOR.
    let mut a: Vec<String> = rows
        .iter()
        .filter(in_january)
        .filter(|r| r.starts_with("\"Chicago") || r.starts_with("\"New York"))
        .cloned()
        .collect();
    let blank: Vec<String> = a
        .iter()
        .take(5)
        .map(|r| format!("\"\"|{}", r.split_once('|').unwrap().1))
        .collect();
    a.extend(blank.iter().cloned());
    // B: the same AORs for January and February (its coverage ends later), no blank rows.
    let b: Vec<String> = rows
        .iter()
        .filter(|r| (r.contains("|1/") || r.contains("|2/")) && r.contains("/2019|"))
        .filter(|r| r.starts_with("\"Chicago") || r.starts_with("\"New York"))
        .cloned()
        .collect();
    let (pa, pb) = (
        dir.path().join("EROArrests_A.pipe.csv"),
        dir.path().join("EROArrests_B.pipe.csv"),
    );
    national_layout(
        &pa,
        "ERO Administrative Arrests (01/01/2019 - 01/31/2019)",
        &a,
    );
    national_layout(
        &pb,
        "ERO Administrative Arrests (01/01/2019 - 02/28/2019)",
        &b,
    );
    let store = dir.path().join("store");
    assert!(ingest(&store, &[&pa, &pb]).status.success());
    // B counts for every AOR A covers, so A's rows without an AOR are set aside too.
    let csv = count_csv(
        &store,
        "arrests",
        &["--by", "release", "--suppress-below", "0"],
    );
    assert_eq!(
        csv,
        format!("release,count\nEROArrests_B.pipe.csv,{}\n", b.len())
    );
}

#[test]
fn a_choice_made_with_prefer_decides_and_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(
            &store,
            &[
                &national().join("EROArrests_FY2019.pipe.csv.gz"),
                &workbook()
            ]
        )
        .status
        .success()
    );
    let from_uw = count_csv(
        &store,
        "arrests",
        &[
            "--where",
            "aor=SEA",
            "--from",
            "2019-01-01",
            "--to",
            "2019-03-31",
            "--release",
            "cb4ad7e0",
        ],
    );
    let from_national = count_csv(
        &store,
        "arrests",
        &[
            "--where",
            "aor=SEA",
            "--from",
            "2019-01-01",
            "--to",
            "2019-03-31",
            "--release",
            "94bd7703",
        ],
    );
    let both = |s: &Path| {
        count_csv(
            s,
            "arrests",
            &[
                "--where",
                "aor=SEA",
                "--from",
                "2019-01-01",
                "--to",
                "2019-03-31",
            ],
        )
    };
    assert_eq!(both(&store), from_national);
    let out = tally(&[
        "prefer",
        "cb4ad7e0",
        "--table",
        "arrests",
        "--aor",
        "Seattle",
        "--from",
        "2019-01-01",
        "--to",
        "2019-03-31",
        "--store",
        path_str(&store),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(both(&store), from_uw);
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(status.contains("arrests SEA 2019-01-01 .. 2019-03-31: UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx counts, EROArrests_FY2019.pipe.csv.gz does not (chosen with `tally prefer`"), "{status}");
    assert!(
        status.contains("Choices made with `tally prefer`"),
        "{status}"
    );
    assert!(
        tally(&["verify", "--store", path_str(&store)])
            .status
            .success()
    );
    // A choice no overlap falls under (the workbook holds Seattle alone; days after both
    // releases end) is refused, naming where the release does overlap, and not recorded.
    let manifest = || std::fs::read_to_string(store.join("manifest.json")).unwrap();
    let before = manifest();
    for (aor, from) in [("NYC", "2019-01-01"), ("SEA", "2025-01-01")] {
        let out = tally(&[
            "prefer",
            "94bd7703",
            "--table",
            "arrests",
            "--aor",
            aor,
            "--from",
            from,
            "--store",
            path_str(&store),
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "EROArrests_FY2019.pipe.csv.gz overlaps no other release's arrests rows in {aor} from {from}: the choice would change no count, and is not recorded (it overlaps others in SEA from "
            )),
            "{err}"
        );
        assert_eq!(manifest(), before);
    }
    // Cleared, the default rule is back.
    assert!(
        tally(&["prefer", "--clear", "--store", path_str(&store)])
            .status
            .success()
    );
    assert_eq!(both(&store), from_national);
}

/// The FY2019 removals release stops on a Saturday with 3 removals where the eight
/// Saturdays before have a median of 267, after a Friday with 419 where Fridays have 987
/// (pandas on the file): both days are partial, said by `status`, marked in daily and
/// weekly counts, and left alone in monthly ones.
#[test]
fn a_partial_last_day_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = national().join("ICERemovals_FY2019.pipe.csv.gz");
    assert!(ingest(&store, &[&file]).status.success());
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("ICERemovals_FY2019.pipe.csv.gz: removals 2019-08-30 (Friday): 419 rows where that weekday usually has 987\n  ICERemovals_FY2019.pipe.csv.gz: removals 2019-08-31 (Saturday): <10 rows where that weekday usually has 267"),
        "{status}"
    );
    let json = |by: &str| -> serde_json::Value {
        let out = tally(&[
            "count",
            "removals",
            "--store",
            path_str(&store),
            "--by",
            by,
            "--from",
            "2019-08-19",
            "--to",
            "2019-08-31",
            "--format",
            "json",
        ]);
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let daily = json("date");
    let flagged: Vec<&str> = daily["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["incomplete"] == true)
        .map(|g| g["date"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["2019-08-30", "2019-08-31"]);
    assert!(
        daily["notes"].to_string().contains("the last days of ICERemovals_FY2019.pipe.csv.gz look cut short: 2019-08-30 (419 rows where that weekday usually has 987), 2019-08-31 (<10 rows where that weekday usually has 267)"),
        "{}",
        daily["notes"]
    );
    let weekly = json("week");
    let flagged: Vec<&str> = weekly["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["incomplete"] == true)
        .map(|g| g["week"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["2019-08-26"]);
    // A month holding them is marked too: its count is low for the same reason.
    let monthly = json("month");
    let flagged: Vec<&str> = monthly["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["incomplete"] == true)
        .map(|g| g["month"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, ["2019-08"]);
}

/// The Deportation Data Project's Washington-state arrests hold a few rows of other AORs
/// (Chicago 4, Washington DC 42, pandas on the file): they are counted, but the extract is
/// not taken to cover those AORs, so their other months are "not covered", never 0.
#[test]
fn a_few_rows_of_an_aor_do_not_make_it_covered() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = shared_data().join("ddp-processed/arrests_washington-state_2023-09_2025-10.csv");
    assert!(ingest(&store, &[&file]).status.success());
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--where",
        "aor=CHI,WAS",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--by",
        "aor,month",
        "--format",
        "json",
        "--suppress-below",
        "0",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 24);
    // Every month of both is not covered; the three Chicago rows still count where they are.
    assert!(
        groups
            .iter()
            .all(|g| g["coverage"] == serde_json::json!({"coverage": "not-covered"})),
        "{groups:?}"
    );
    let with_rows: Vec<(&str, &str, u64)> = groups
        .iter()
        .filter_map(|g| {
            Some((
                g["aor"].as_str()?,
                g["month"].as_str()?,
                g["count"].as_u64()?,
            ))
        })
        .collect();
    assert_eq!(
        with_rows,
        [
            ("CHI", "2024-01", 1),
            ("CHI", "2024-08", 1),
            ("CHI", "2024-10", 1)
        ]
    );
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("CHI: <10 rows (fewer than one a week, or than one in a thousand of the sheet's): counted, but this release is not taken to cover CHI"),
        "{status}"
    );
    // The first and last of a few rows are those records' dates: not given.
    assert!(!status.contains("2024-01-24"), "{status}");
    // WAS's 42 rows print as the coverage table prints them (rounded there, so that the
    // release's exact total less its other AORs' rows cannot give back the small ones): the
    // warning printed 42 beside the table's <50.
    assert!(
        status.contains("WAS: <50 rows over 2023-11-30..2025-08-26"),
        "{status}"
    );
    assert!(
        status.contains(
            "arrests  WAS      2023-11-30  2025-08-26                                 <50"
        ),
        "{status}"
    );
    assert!(!status.contains(" 42 rows"), "{status}");
    // Its rows without an AOR are the release's own, not an AOR it does not cover (a count
    // prints them bare; status had said the release was "not taken to cover (blank)").
    // (Few, their first and last days are not given: those of a few records.)
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("arrests  (blank)  ") && l.contains("<10")),
        "{status}"
    );
    assert!(!status.contains("2023-09-25"), "{status}");
    assert!(!status.contains("not taken to cover (blank)"), "{status}");
}

/// A file cut short (a download that stopped) keeps its banner's whole period: the
/// national FY2019 arrests cut after 200,000 bytes, mid-record and at a line end, hold
/// three days of October 2018 under a banner stating 2018-10-01 - 2019-08-31. Tally says it
/// looks cut short, takes it to cover only the days its rows reach, and prints the other
/// months not covered instead of zeros.
#[test]
fn a_file_cut_short_covers_only_the_days_its_rows_reach() {
    use std::io::Read;
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(national().join("EROArrests_FY2019.pipe.csv.gz")).unwrap(),
    )
    .take(200_000)
    .read_to_end(&mut text)
    .unwrap();
    let at_line_end = text.iter().rposition(|b| *b == b'\n').unwrap() + 1;
    for (name, bytes) in [
        ("EROArrests_FY2019_mid_record.pipe.csv", &text[..]),
        ("EROArrests_FY2019_line_end.pipe.csv", &text[..at_line_end]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let store = dir.path().join("store");
        let out = ingest(&store, &[&path]);
        assert!(out.status.success(), "{}", stderr(&out));
        let warning = "arrests: the banner states 2018-10-01..2019-08-31 but the rows run 2018-10-01..2018-10-03; at the release's rate about 131,800 more rows would fill the rest, so it looks cut short (truncated, or a part missing): it is taken to cover 2018-10-01..2018-10-03 only, and the other days print not covered";
        let report = stdout(&out);
        assert!(
            report.contains(&format!("  WARNING: {warning}")),
            "{report}"
        );
        // The record the cut went through is rejected with its reason, not lost.
        assert_eq!(
            report.contains("rows read 1,192 = kept 1,191 + rejected 1"),
            name.contains("mid_record"),
            "{report}"
        );
        let status = stdout(&tally(&["status", "--store", path_str(&store)]));
        assert!(status.contains(&format!("{name}: {warning}")), "{status}");
        let csv = count_csv(
            &store,
            "arrests",
            &[
                "--by",
                "month",
                "--where",
                "aor=CHI",
                "--from",
                "2018-10-01",
                "--to",
                "2018-12-31",
            ],
        );
        assert_eq!(
            csv,
            "month,count,coverage\n2018-10,63,partly: 3 of 31 AOR-days; incomplete: a release's partial last day\n2018-11,not covered,not covered\n2018-12,not covered,not covered\n"
        );
        // The day the cut fell on is partial, whatever its count looks like; open ends run
        // to the banner's last day, so the days the rows never reach print not covered
        // (they had been left out, as if not asked about).
        let csv = count_csv(&store, "arrests", &["--by", "date"]);
        assert!(
            csv.contains("\n2018-10-03,225,incomplete: a release's partial last day\n2018-10-04,not covered,not covered\n"),
            "{csv}"
        );
        assert!(
            csv.ends_with("\n2019-08-31,not covered,not covered\n"),
            "{csv}"
        );
        let csv = count_csv(&store, "arrests", &["--by", "month", "--where", "aor=CHI"]);
        assert_eq!(csv.lines().count(), 12, "{csv}");
        assert!(
            csv.ends_with("\n2019-07,not covered,not covered\n2019-08,not covered,not covered\n"),
            "{csv}"
        );
    }
}

/// A re-extraction of Chicago's FY2019 arrests that also carries the national file's rows
/// without an AOR (2,416) and ends later: it wins Chicago, the national file wins every
/// other AOR, and the rows without an AOR, which both hold, are counted once (settled
/// between the two as if they were one more AOR), so FY2019 stays 131,904.
#[test]
fn rows_without_an_aor_held_by_two_releases_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let rows = national_fy2019_rows();
    let chosen: Vec<String> = rows
        .iter()
        .filter(|r| r.starts_with("\"Chicago Area") || r.starts_with("\"\"|") || r.starts_with('|'))
        .cloned()
        .collect();
    let blank = chosen
        .iter()
        .filter(|r| !r.starts_with("\"Chicago"))
        .count();
    assert_eq!(blank, 2_416);
    let path = dir.path().join("EROArrests_FY2019_CHI_reextract.pipe.csv");
    national_layout(
        &path,
        "ERO Administrative Arrests for FY2019 (10/1/2018 - 9/1/2019)",
        &chosen,
    );
    let store = dir.path().join("store");
    let national_file = national().join("EROArrests_FY2019.pipe.csv.gz");
    assert!(ingest(&store, &[&national_file, &path]).status.success());
    assert_eq!(fy_totals(&store, "arrests")["FY2019"], "131904");
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("arrests (no AOR) 2018-10-01 .. 2019-08-31: EROArrests_FY2019_CHI_reextract.pipe.csv counts, EROArrests_FY2019.pipe.csv.gz does not (the one counted has coverage ending later; 2,416 rows against 2,416)"),
        "{status}"
    );
}

/// Every count of records `status` and `fields` publish goes through the small-cell rule:
/// on the 22 St. Cloud detainers (DDP) and the national FY2019 arrests, no value's rows,
/// no field's missing or withheld rows, and no straggler warning is a count from 1 to 9,
/// and a value held by a few rows gives no dates (one detainer's date is not an aggregate).
#[test]
fn status_and_fields_publish_no_small_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let detainers = shared_data().join("ddp-processed/detainers_st-cloud-declined_2026-02.csv");
    let arrests = national().join("EROArrests_FY2019.pipe.csv.gz");
    let out = ingest(&store, &[&detainers, &arrests]);
    assert!(out.status.success(), "{}", stderr(&out));
    let small = |v: &serde_json::Value| v.as_u64().is_some_and(|n| (1..10).contains(&n));
    let status: serde_json::Value = serde_json::from_str(&stdout(&tally(&[
        "status",
        "--store",
        path_str(&store),
        "--format",
        "json",
    ])))
    .unwrap();
    let mut suppressed_values = 0;
    for release in status["releases"].as_array().unwrap() {
        for fields in release["vocabulary"].as_object().unwrap().values() {
            for spans in fields.as_object().unwrap().values() {
                for span in spans.as_array().unwrap() {
                    assert!(!small(&span["rows"]), "{span}");
                    if span["rows"].get("below").is_some() {
                        suppressed_values += 1;
                        assert!(span["first"].is_null() && span["last"].is_null(), "{span}");
                    }
                }
            }
        }
    }
    assert!(suppressed_values > 100, "{suppressed_values}");
    // Beside the release's exact rows, a field holding a suppressed value shows no other
    // value's rows either: no subtraction gives the suppressed one back.
    for release in status["releases"].as_array().unwrap() {
        for fields in release["vocabulary"].as_object().unwrap().values() {
            for spans in fields.as_object().unwrap().values() {
                let spans = spans.as_array().unwrap();
                if spans.iter().any(|s| s["rows"].get("below").is_some()) {
                    assert!(spans.iter().all(|s| !s["rows"].is_number()), "{spans:?}");
                }
            }
        }
    }
    let text = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        text.contains(
            "<10 rows are dated outside the period the banner (or, with no banner, the file name) states (2018-10-01..2019-08-31)"
        ),
        "{text}"
    );
    for table in ["detainers", "arrests"] {
        let fields: serde_json::Value = serde_json::from_str(&stdout(&tally(&[
            "fields",
            table,
            "--store",
            path_str(&store),
            "--format",
            "json",
        ])))
        .unwrap();
        for f in fields[0]["fields"].as_array().unwrap() {
            let p = &f["store"];
            for key in ["missing", "withheld"] {
                assert!(!small(&p[key]), "{table} {}: {p}", f["name"]);
                if p[key].get("below").is_some() {
                    assert!(p[format!("{key}_percent")].is_null(), "{p}");
                }
            }
        }
    }
    // The detainers' final order is blank on 2 of 22 rows: no count, no share.
    let fields = stdout(&tally(&[
        "fields",
        "detainers",
        "--store",
        path_str(&store),
    ]));
    let line = fields
        .lines()
        .find(|l| l.trim_start().starts_with("final_order_yes_no"))
        .unwrap();
    assert!(
        line.contains("<10 rows") && !line.contains("9.1%"),
        "{line}"
    );
}

#[test]
fn a_revision_published_under_the_same_file_name_settles_by_aor_and_day() {
    // A release revised and published again under the same file name (30 arrests'
    // methods corrected, 40 later arrests added) is no cut of the same workbook: matched
    // by row number, the first one's methods would stand and the added rows count too.
    let dir = tempfile::tempdir().unwrap();
    let chicago: Vec<String> = national_fy2019_rows()
        .into_iter()
        .filter(|r| r.starts_with("\"Chicago"))
        .take(340)
        .collect();
    // With 20 rows without an AOR in both: they go with their release.
    let no_aor: Vec<String> = national_fy2019_rows()
        .into_iter()
        .filter(|r| r.starts_with("\"\"|") || r.starts_with('|'))
        .take(20)
        .collect();
    assert_eq!(no_aor.len(), 20);
    let first: Vec<String> = chicago[..300].iter().chain(&no_aor).cloned().collect();
    let mut revised: Vec<String> = chicago.iter().chain(&no_aor).cloned().collect();
    let mut corrected = 0;
    for row in revised
        .iter_mut()
        .take(chicago.len())
        .filter(|r| r.contains("|\"Located\"|"))
    {
        *row = row.replace("|\"Located\"|", "|\"Non-Custodial Arrest\"|");
        corrected += 1;
    }
    assert_eq!(
        corrected,
        25 + chicago[300..]
            .iter()
            .filter(|r| r.contains("|\"Located\"|"))
            .count()
    );
    let name = "EROArrests_FY2019_chicago.pipe.csv";
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    national_layout(
        &a.join(name),
        "ERO Administrative Arrests for FY2019",
        &first,
    );
    national_layout(
        &b.join(name),
        "ERO Administrative Arrests for FY2019",
        &revised,
    );
    let both = dir.path().join("both");
    let alone = dir.path().join("alone");
    for (store, files) in [
        (&both, vec![a.join(name), b.join(name)]),
        (&alone, vec![b.join(name)]),
    ] {
        for f in files {
            let out = ingest(store, &[&f]);
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    let by_method = |store: &Path| {
        count_csv(
            store,
            "arrests",
            &["--by", "method", "--suppress-below", "0"],
        )
    };
    let revised_alone = by_method(&alone);
    // Only the 2 "Located" rows without an AOR, which the revision leaves as they were.
    assert!(
        counts_only(&revised_alone).contains("\nLocated,2\n"),
        "{revised_alone}"
    );
    // The revision ends later, so it counts every day the two share: the store holding
    // both counts exactly what the revision holds.
    assert_eq!(counts_only(&by_method(&both)), counts_only(&revised_alone));
    assert_eq!(fy_totals(&both, "arrests")["FY2019"], "360");
    // Told apart by release id where their names are the same, and their
    // disagreement reported.
    let revision = release_id(&b.join(name));
    let text = arrests_by(&both, "method");
    assert!(
        text.contains(&format!(
            "note: {name} (release {revision}) and {name} (release "
        )),
        "{text}"
    );
    assert!(
        text.contains(" disagree on arrests CHI 2018-10-01..2018-10-15: "),
        "{text}"
    );
    let status = stdout(&tally(&["status", "--store", path_str(&both)]));
    assert!(
        status.contains(&format!(
            "arrests CHI 2018-10-01 .. 2018-10-15: {name} (release {revision}) counts, {name} (release "
        )),
        "{status}"
    );
    // Their rows without an AOR: the revision's 20 count against the first one's 20,
    // both named with their ids (the first one's were printed bare, and its winner's as
    // 0 rows).
    assert!(
        status.contains(&format!(
            "arrests (no AOR) 2018-10-01 .. 2018-10-15: {name} (release {revision}) counts, {name} (release "
        )),
        "{status}"
    );
    assert!(
        status.contains("superseded here for every AOR it covers; 20 rows against 20)"),
        "{status}"
    );
    // Each release's partial last days, named apart.
    let partial: Vec<&str> = status
        .lines()
        .skip_while(|l| !l.starts_with("Partial last days"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(!partial.is_empty(), "{status}");
    assert!(
        partial
            .iter()
            .all(|l| l.starts_with(&format!("  {name} (release "))),
        "{status}"
    );
}

#[test]
fn under_a_fine_key_neither_the_group_limit_nor_days_past_the_data_nor_uncovered_days_tell_an_unlisted_group()
 {
    // Counted over every group, a refusal at the limit told whether one more unlisted
    // group holds rows: fill the limit with listed groups, add the one, and ask.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(&store, &[&national().join("EROArrests_FY2019.pipe.csv.gz")])
            .status
            .success()
    );
    let count = |extra: &[&str]| {
        let mut args = vec![
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--by",
            "date,landmark",
            "--from",
            "2019-01-01",
            "--to",
            "2019-01-31",
            "--format",
            "csv",
        ];
        args.extend_from_slice(extra);
        tally(&args)
    };
    let all = count(&["--suppress-below", "0"]);
    assert_eq!(stdout(&all).lines().count() - 1, 6_717);
    let listed = count(&[]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert_eq!(stdout(&listed).lines().count() - 1, 89);
    let limited = count(&["--max-groups", "89"]);
    assert!(limited.status.success(), "{}", stderr(&limited));
    assert_eq!(stdout(&limited), stdout(&listed));
    let refused = count(&["--max-groups", "88"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains(
            "the count holds more than 88 groups of 10 or more (the groups it would list), the most allowed here"
        ),
        "{}",
        stderr(&refused)
    );
    // A range running on past the release's last day is as short as its covered days:
    // one day of Chicago's nationalities lists none of its small ones (it listed MEXICO
    // <10 and no other as a coarse count).
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "citizenship",
        "--where",
        "aor=CHI",
        "--from",
        "2019-08-31",
        "--to",
        "2019-10-15",
        "--format",
        "csv",
    ]);
    assert_eq!(stdout(&out), "citizenship,count\n", "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "groups of fewer than 10 rows are not listed: a count by citizenship, aor, date"
        ),
        "{}",
        stderr(&out)
    );
    // Rows on a day after the stated period print "not covered" as no rows do: "<10 rows
    // of a release that does not claim these days" told MEXICO's 3 from GUATEMALA's none.
    let one_day = |citizenship: &str| {
        stdout(&tally(&[
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--where",
            "aor=HOU",
            "--where",
            &format!("citizenship={citizenship}"),
            "--where",
            "date=2019-09-01",
            "--format",
            "csv",
        ]))
    };
    let truth = count_csv(
        &store,
        "arrests",
        &[
            "--where",
            "aor=HOU",
            "--where",
            "citizenship=MEXICO",
            "--where",
            "date=2019-09-01",
            "--suppress-below",
            "0",
        ],
    );
    assert!(truth.starts_with("count,coverage\n3,"), "{truth}");
    assert_eq!(
        one_day("MEXICO"),
        "count,coverage\nnot covered,not covered\n"
    );
    assert_eq!(one_day("GUATEMALA"), one_day("MEXICO"));
    // Unsuppressed, every group counts toward the limit, as before.
    let refused = count(&["--suppress-below", "0", "--max-groups", "6716"]);
    assert!(
        stderr(&refused).contains("the count holds more than 6716 groups (before groups under the small-cell limit are hidden)"),
        "{}",
        stderr(&refused)
    );
}

/// A copy of a release whose AOR column was renamed (so that no row gives an AOR) holds
/// rows that may be any AOR's: beside the release giving AORs it was counted on top of it
/// (FY2018's 158,581 arrests printed as 316,289). Where the release giving AORs holds far
/// fewer rows a day (a 300-row Chicago extract; seven AORs' rows), the copy counts and
/// the other is set aside.
#[test]
fn a_copy_whose_aor_column_is_renamed_is_not_counted_beside_the_release() {
    let dir = tempfile::tempdir().unwrap();
    let rows = national_fy2019_rows();
    let title = "ERO Administrative Arrests for FY2019 (10/1/2018 - 8/31/2019)";
    let renamed = dir.path().join("EROArrests_FY2019_renamed.pipe.csv");
    national_layout(&renamed, title, &rows);
    let text = std::fs::read_to_string(&renamed).unwrap().replacen(
        "\"Area of Responsibility\"|",
        "\"AOR Name\"|",
        1,
    );
    std::fs::write(&renamed, text).unwrap();
    let national_file = national().join("EROArrests_FY2019.pipe.csv.gz");

    let store = dir.path().join("store");
    // The copy first, so that "ingested first" cannot be what settles it.
    let out = ingest(&store, &[&renamed]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ingest(&store, &[&national_file]).status.success());
    assert_eq!(fy_totals(&store, "arrests")["FY2019"], "131904");
    assert_eq!(
        count_csv(&store, "arrests", &["--by", "aor", "--where", "aor=CHI"]),
        "aor,count\nCHI,7769\n"
    );
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("arrests (no AOR) 2018-10-01 .. 2019-08-31: EROArrests_FY2019.pipe.csv.gz counts, EROArrests_FY2019_renamed.pipe.csv does not (releases giving each row's AOR count over one giving none (whose rows may be any AOR's), holding together as many rows per day"),
        "{status}"
    );

    // A thin extract giving AORs does not make the copy's rows count twice either.
    let chicago: Vec<String> = rows
        .iter()
        .filter(|r| r.starts_with("\"Chicago"))
        .take(300)
        .cloned()
        .collect();
    let extract = dir.path().join("EROArrests_FY2019_CHI_extract.pipe.csv");
    national_layout(&extract, title, &chicago);
    let store = dir.path().join("store2");
    assert!(ingest(&store, &[&extract, &renamed]).status.success());
    assert_eq!(fy_totals(&store, "arrests")["FY2019"], "131904");
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("arrests CHI 2018-10-01 .. 2018-10-15: EROArrests_FY2019_renamed.pipe.csv counts, EROArrests_FY2019_CHI_extract.pipe.csv does not (a release giving no row's AOR counts over releases giving AORs that hold together far fewer rows per day (it may hold AORs they lack); 5,839 rows against 300)"),
        "{status}"
    );

    // A release giving AORs for some of them only (seven AORs, about half the rows) does
    // not set aside the renamed copy, which may hold the others' rows: 85,900 of FY2018's
    // 158,581 had counted, and nothing said the rest was gone.
    let seven = [
        "\"Dallas",
        "\"Atlanta",
        "\"Houston",
        "\"San Antonio",
        "\"New Orleans",
        "\"Chicago",
        "\"Miami",
    ];
    let south: Vec<String> = rows
        .iter()
        .filter(|r| seven.iter().any(|a| r.starts_with(a)))
        .cloned()
        .collect();
    assert!(
        south.len() * 2 > rows.len() && south.len() * 10 < rows.len() * 9,
        "{}",
        south.len()
    );
    let south_path = dir.path().join("EROArrests_FY2019_south.pipe.csv");
    national_layout(&south_path, title, &south);
    let store = dir.path().join("store3");
    assert!(ingest(&store, &[&south_path, &renamed]).status.success());
    assert_eq!(fy_totals(&store, "arrests")["FY2019"], "131904");
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains("EROArrests_FY2019_renamed.pipe.csv counts, EROArrests_FY2019_south.pipe.csv does not (a release giving no row's AOR counts over releases giving AORs that hold together far fewer rows per day (it may hold AORs they lack)"),
        "{status}"
    );

    // A renamed copy of one quarter beside the whole release: set aside, it makes no day
    // of the store "partly" covered (its "(AOR not given)" had stood for an AOR of its
    // own, uncovered on every other day), and the count is the release's own.
    let quarter: Vec<String> = rows
        .iter()
        .filter(|r| {
            ["|1/", "|2/", "|3/"]
                .iter()
                .any(|m| r.contains(m) && r.contains("/2019|"))
        })
        .cloned()
        .collect();
    let quarter_path = dir.path().join("EROArrests_FY2019_Q2_renamed.pipe.csv");
    national_layout(
        &quarter_path,
        "ERO Administrative Arrests (1/1/2019 - 3/31/2019)",
        &quarter,
    );
    let text = std::fs::read_to_string(&quarter_path).unwrap().replacen(
        "\"Area of Responsibility\"|",
        "\"AOR Name\"|",
        1,
    );
    std::fs::write(&quarter_path, text).unwrap();
    let alone = dir.path().join("alone");
    assert!(ingest(&alone, &[&national_file]).status.success());
    let store = dir.path().join("store4");
    assert!(
        ingest(&store, &[&national_file, &quarter_path])
            .status
            .success()
    );
    for by in ["fy", "aor", "month"] {
        assert_eq!(
            count_csv(&store, "arrests", &["--by", by]),
            count_csv(&alone, "arrests", &["--by", by]),
            "{by}"
        );
    }

    // Three at once, in the orders that went round in a circle when settled pair by pair
    // (the seven AORs over the release by ingest order, the copy over the seven AORs, the
    // release over the copy): the seven AORs' rows counted nowhere. Settled against what
    // the releases giving AORs count together, the answer is the release's own.
    for (name, order) in [
        ("rso", [&renamed, &south_path, &national_file]),
        ("sro", [&south_path, &renamed, &national_file]),
        ("sor", [&south_path, &national_file, &renamed]),
    ] {
        let store = dir.path().join(name);
        for path in order {
            assert!(ingest(&store, &[path.as_path()]).status.success());
        }
        for by in ["fy", "aor"] {
            assert_eq!(
                count_csv(&store, "arrests", &["--by", by]),
                count_csv(&alone, "arrests", &["--by", by]),
                "{name} {by}"
            );
        }
    }
}
