//! Policy sources that are not tables, ingested as releases: DHS's May 2025 sanctuary
//! jurisdictions list (a printed web page, PDF), the Secure Communities activation dates
//! by county (Stata), CIS's 2017 sanctuary map (CSV) and a user-written TOML list. The
//! expected numbers were counted independently of Tally: the PDF's rows with poppler's
//! `pdftotext -bbox` (each item placed under the state heading above it) and by hand
//! from the pypdf extraction beside it, the Stata file with pandas `read_stata`.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tally_store::Store;

fn policy() -> PathBuf {
    shared_data().join("policy")
}

fn dhs_pdf() -> PathBuf {
    policy().join("dhs_sanctuary_jurisdictions_list_2025-05.pdf")
}

const DHS_NAME: &str = "dhs_sanctuary_jurisdictions_list_2025-05.pdf";
const SC_NAME: &str = "secure_communities_activation_dates_hhadah.dta";
const CIS_NAME: &str = "cis_sanctuary_map_cities_counties_states_2017_austinbrian.csv";

fn ingested(paths: &[&Path]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ingest(dir.path(), paths);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    dir
}

/// Counts by one dimension with no small-cell suppression: `value -> count`.
fn counts_by(store: &Path, table: &str, by: &str, release: &str) -> BTreeMap<String, u64> {
    let csv = count_csv(
        store,
        table,
        &["--by", by, "--release", release, "--suppress-below", "0"],
    );
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(',')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect()
}

fn notes_of(store: &Path, file_name: &str) -> Vec<String> {
    let store = Store::open(store).expect("store opens");
    store
        .manifest()
        .releases
        .iter()
        .find(|r| r.report.file_name == file_name)
        .map(|r| r.report.notes.clone())
        .expect("release in the store")
}

#[test]
fn dhs_sanctuary_list_pdf_by_type_and_state() {
    let dir = ingested(&[&dhs_pdf()]);
    let store = dir.path();
    // 605 rows: the list's items, Nicollet County (printed across the page break) once.
    let by_type = counts_by(store, "sanctuary-policies", "jurisdiction-type", DHS_NAME);
    // 200 items under Cities, less Douglas County (KS), a county by its name; 342 under
    // Counties + 49 under County + Douglas County; 14 State sections.
    let want: BTreeMap<String, u64> = [("city", 199), ("county", 392), ("state", 14)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(by_type, want);
    let by_section = counts_by(store, "sanctuary-policies", "list-section", DHS_NAME);
    assert_eq!(by_section.get("Cities"), Some(&200));
    assert_eq!(by_section.get("Counties"), Some(&342));
    assert_eq!(by_section.get("County"), Some(&49));
    assert_eq!(by_section.get("State"), Some(&14));
    let by_state = counts_by(store, "sanctuary-policies", "state", DHS_NAME);
    assert_eq!(by_state.len(), 36, "{by_state:?}");
    assert_eq!(by_state.get("CA"), Some(&112));
    assert_eq!(by_state.get("IL"), Some(&104));
    assert_eq!(by_state.get("MN"), Some(&23));
    assert_eq!(by_state.get("WA"), Some(&41));
    assert_eq!(by_state.get("KS"), Some(&2));
    assert_eq!(by_state.values().sum::<u64>(), 605);

    let rows = read_rows(
        store,
        table("sanctuary-policies"),
        &[
            "jurisdiction",
            "jurisdiction_type",
            "state",
            "list_section",
            "designation",
        ],
        |f| f == DHS_NAME,
    );
    assert_eq!(rows.len(), 605);
    let find = |name: &str| -> Vec<Vec<String>> {
        let mut found: Vec<Vec<String>> = rows.iter().filter(|r| r[0] == name).cloned().collect();
        found.sort();
        found
    };
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        find("Chicago"),
        [row(&["Chicago", "city", "IL", "Cities", "NULL"])]
    );
    assert_eq!(
        find("Cook County"),
        [row(&["Cook County", "county", "IL", "Counties", "NULL"])]
    );
    assert_eq!(
        find("City of Boise"),
        [row(&["City of Boise", "city", "ID", "Cities", "NULL"])]
    );
    assert_eq!(
        find("Las Vegas City"),
        [row(&["Las Vegas City", "city", "NV", "Cities", "NULL"])]
    );
    // Newark is listed under Delaware, California and New Jersey.
    let newark: Vec<String> = find("Newark").iter().map(|r| r[2].clone()).collect();
    assert_eq!(newark, ["CA", "DE", "NJ"]);
    // Kansas's swapped headings: reported, the county corrected by its name only.
    assert_eq!(
        find("Douglas County")
            .iter()
            .map(|r| format!("{} {} {}", r[1], r[2], r[3]))
            .collect::<Vec<_>>(),
        [
            "county GA Counties",
            "county IL Counties",
            "county KS Cities"
        ]
    );
    assert_eq!(
        find("Lawrence")
            .iter()
            .map(|r| format!("{} {} {}", r[1], r[2], r[3]))
            .collect::<Vec<_>>(),
        ["city MA Cities", "county KS County"]
    );
    assert_eq!(find("Nicollet County").len(), 1);
    // State sections: the state itself, with the list's statement.
    assert_eq!(
        find("California"),
        [row(&[
            "California",
            "state",
            "CA",
            "State",
            "Self-Identification as a State Sanctuary Jurisdiction"
        ])]
    );
    assert_eq!(
        find("Rhode Island"),
        [row(&[
            "Rhode Island",
            "state",
            "RI",
            "State",
            "Court Order Requiring State Sanctuary Requirements"
        ])]
    );
    assert_eq!(
        find("District of Columbia"),
        [row(&[
            "District of Columbia",
            "city",
            "DC",
            "Cities",
            "Self-Identification as Local Sanctuary Jurisdiction"
        ])]
    );

    let notes = notes_of(store, DHS_NAME).join("\n");
    for expected in [
        "read with pdf-extract: 605 rows under 36 state headings (Alaska to Wisconsin)",
        "\"Nicollet County\" is printed across the break between pages 1 and 2",
        "\"Douglas County\" (KS) is listed under Cities but its name says it is a county",
        "\"Lawrence\" (KS) is listed under County but its name does not say County",
        "4 blank bullet item(s)",
        "agree with the pypdf extraction, line for line and in order",
    ] {
        assert!(
            notes.contains(expected),
            "{expected:?} not in notes:\n{notes}"
        );
    }
    assert!(!notes.contains("disagree"), "{notes}");
}

/// The jurisdiction names in the pypdf extraction beside the PDF, read here by hand: the
/// list's lines lie between "Sanctuary Jurisdiction List" and the "Topics" footer on the
/// first page, and between "Submit" and "Yes" on the second; section headings are not
/// names. They must be the names stored from pdf-extract's text (the statements of State
/// sections stand for their state), plus the second printed copy of Nicollet County.
#[test]
fn pdf_names_agree_with_the_pypdf_extraction() {
    let text = std::fs::read_to_string(
        policy().join("dhs_sanctuary_jurisdictions_list_2025-05_pypdf_extracted.txt"),
    )
    .expect("pypdf extraction beside the PDF");
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let block = |from: &str, to: &str| -> Vec<String> {
        let start = lines.iter().position(|l| *l == from).expect("block start") + 1;
        let end = start
            + lines[start..]
                .iter()
                .position(|l| *l == to)
                .expect("block end");
        lines[start..end]
            .iter()
            .filter(|l| !l.is_empty())
            .filter(|l| !["Cities", "City", "Counties", "County", "State"].contains(l))
            .map(|l| l.to_string())
            .collect()
    };
    let mut pypdf: Vec<String> = block("Sanctuary Jurisdiction List", "Topics");
    pypdf.extend(block("Submit", "Yes"));
    pypdf.sort();

    let dir = ingested(&[&dhs_pdf()]);
    let rows = read_rows(
        dir.path(),
        table("sanctuary-policies"),
        &["jurisdiction", "designation"],
        |f| f == DHS_NAME,
    );
    let mut ours: Vec<String> = rows
        .iter()
        .map(|r| {
            if r[1] == "NULL" {
                r[0].clone()
            } else {
                r[1].clone()
            }
        })
        .collect();
    ours.push("Nicollet County".into());
    ours.sort();
    assert_eq!(ours.len(), 606);
    assert_eq!(pypdf, ours);
}

#[test]
fn secure_communities_dates_from_stata() {
    let path = policy().join(SC_NAME);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ingest(dir.path(), &[&path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("rows read 3,242 = kept 3,242 + rejected 0"),
        "{text}"
    );
    let rows = read_rows(
        dir.path(),
        table("secure-communities"),
        &[
            "county_fips",
            "county_name",
            "state",
            "state_fips",
            "activation_date",
            "lugar",
        ],
        |_| true,
    );
    assert_eq!(rows.len(), 3242);
    let by_fips: BTreeMap<&str, &Vec<String>> = rows.iter().map(|r| (r[0].as_str(), r)).collect();
    assert_eq!(by_fips.len(), 3242, "one row per county FIPS code");
    // pandas: read_stata(...).query("countyfips in [17031, 6037, 48201, 1001, 2020]")
    let expect = [
        ("17031", "COOK", "IL", "17", "2013-01-01", "L"),
        ("06037", "LOS ANGELES", "CA", "06", "2009-08-01", "L"),
        ("48201", "HARRIS", "TX", "48", "2008-10-01", "L"),
        ("01001", "AUTAUGA", "AL", "01", "2011-04-01", "NULL"),
        ("02020", "ANCHORAGE", "AK", "02", "NULL", "NULL"),
    ];
    for (fips, name, state, state_fips, date, l) in expect {
        assert_eq!(
            by_fips.get(fips).map(|r| r.as_slice()),
            Some(
                [fips, name, state, state_fips, date, l]
                    .map(String::from)
                    .as_slice()
            ),
            "{fips}"
        );
    }
    // pandas: 140 rows with no month and year; l == "L" on 386.
    assert_eq!(rows.iter().filter(|r| r[4] == "NULL").count(), 140);
    assert_eq!(rows.iter().filter(|r| r[5] == "L").count(), 386);
    let notes = notes_of(dir.path(), SC_NAME).join("\n");
    assert!(notes.contains("release 118"), "{notes}");
    assert!(notes.contains("l = \"Lugar\""), "{notes}");
    assert!(notes.contains("the day is not given"), "{notes}");
}

#[test]
fn cis_2017_map_csv_splits_place_and_state() {
    let path = policy().join(CIS_NAME);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ingest(dir.path(), &[&path]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("rows read 166 = kept 166 + rejected 0"),
        "{text}"
    );
    assert!(text.contains("\"Cass County, lowa\""), "{text}");
    let rows = read_rows(
        dir.path(),
        table("sanctuary-policies"),
        &[
            "jurisdiction",
            "state",
            "effective_from",
            "designation",
            "unparsed_values",
        ],
        |_| true,
    );
    assert_eq!(rows.len(), 166);
    let find = |name: &str| rows.iter().find(|r| r[0] == name).cloned();
    assert_eq!(
        find("Suffolk County"),
        Some(
            ["Suffolk County", "NY", "2014-09-01", "2", "NULL"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(find("Washington").map(|r| r[1].clone()), Some("DC".into()));
    // Written as a day in the file (likely "Aug-14" read as 2015 by a spreadsheet): as is.
    assert_eq!(
        find("Boston").map(|r| r[2].clone()),
        Some("2015-08-14".into())
    );
    // A state listed alone is its own state.
    assert_eq!(
        find("Rhode Island").map(|r| r[1].clone()),
        Some("RI".into())
    );
    assert_eq!(
        find("North Dakota").map(|r| r[1].clone()),
        Some("ND".into())
    );
    // A misspelt state is kept whole, never guessed.
    assert_eq!(
        find("Cass County, lowa").map(|r| r[1].clone()),
        Some("NULL".into())
    );
    // "Mon-YY" is the month's first day (the table definition's month_year_text), never a
    // day of some year: every date reads.
    assert_eq!(rows.iter().filter(|r| r[2] == "NULL").count(), 0);
    assert_eq!(rows.iter().filter(|r| r[2].ends_with("-01")).count(), 164);
    assert_eq!(
        rows.iter()
            .filter(|r| r[4].contains("\"effective_from\""))
            .count(),
        0
    );
}

const LIST: &str = r#"# Hand-coded for the test.
name = "Test sanctuary list"

[[jurisdiction]]
name = "Multnomah County"
type = "county"
state = "OR"
county_fips = "41051"
policy = "Sheriff will not hold people on ICE detainers"
detainer_criteria = "Judicial warrant"
effective_from = 2014-04-01
source = "https://example.org/multnomah"

[[jurisdiction]]
name = "Nowhere City"
type = "city"
state = "OR"
policy = "Unsourced claim"
effective_from = 2015-01-01

[[jurisdiction]]
name = "Oregon"
type = "State"
state = "OR"
policy = "ORS 181A.820"
effective_from = "1987-07-07"
effective_to = 2023-12-31
source = "Oregon Revised Statutes 181A.820"
"#;

#[test]
fn toml_list_round_trip_with_a_rejected_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let list = dir.path().join("my_policies.toml");
    std::fs::write(&list, LIST).expect("write list");
    let store = dir.path().join("store");
    let out = ingest(&store, &[&list]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("TOML policy list"), "{text}");
    assert!(text.contains("rows read 3 = kept 2 + rejected 1"), "{text}");
    let rows = read_rows(
        &store,
        table("sanctuary-policies"),
        &[
            "jurisdiction",
            "jurisdiction_type",
            "state",
            "county_fips",
            "policy",
            "detainer_criteria",
            "effective_from",
            "effective_to",
            "source_citation",
            "list_name",
            "source_row",
        ],
        |_| true,
    );
    let rows: Vec<String> = rows.iter().map(|r| r.join("|")).collect();
    assert_eq!(
        rows,
        [
            "Multnomah County|county|OR|41051|Sheriff will not hold people on ICE detainers|Judicial warrant|2014-04-01|NULL|https://example.org/multnomah|Test sanctuary list|4",
            "Oregon|state|OR|NULL|ORS 181A.820|NULL|1987-07-07|2023-12-31|Oregon Revised Statutes 181A.820|Test sanctuary list|21",
        ]
    );
    let opened = Store::open(&store).expect("store");
    let report = &opened.manifest().releases[0].report;
    // The manifest keeps each sheet's first rejects (all of them go to `_rejects/`).
    let rejects = &report.sheets[0].first_rejects;
    assert_eq!(rejects.len(), 1);
    let reject = &rejects[0];
    assert_eq!(reject.row, 14, "the line of the entry's [[jurisdiction]]");
    assert_eq!(reject.column.as_deref(), Some("source_citation"));
    assert!(
        reject
            .reason
            .starts_with("jurisdiction 2 (\"Nowhere City\"): no `source`"),
        "{}",
        reject.reason
    );
}

#[test]
fn damaged_pdf_and_truncated_stata_name_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let broken = dir.path().join("broken_list.pdf");
    std::fs::write(
        &broken,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .expect("write");
    let out = ingest(&store, &[&broken]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("broken_list.pdf"), "{err}");
    assert!(err.contains("truncated or corrupt PDF"), "{err}");

    let not_pdf = dir.path().join("list.pdf");
    std::fs::write(&not_pdf, b"Location,Policy\nBoston,x\n").expect("write");
    let out = ingest(&store, &[&not_pdf]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("list.pdf"), "{err}");
    assert!(err.contains("not a PDF's %PDF"), "{err}");

    let whole = std::fs::read(policy().join(SC_NAME)).expect("dta");
    let cut = dir.path().join("cut_activation_dates.dta");
    std::fs::write(&cut, &whole[..whole.len() / 2]).expect("write");
    let out = ingest(&store, &[&cut]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("cut_activation_dates.dta"), "{err}");
    assert!(err.contains("truncated or corrupt Stata dataset"), "{err}");
}

#[test]
fn an_aggregate_sharing_two_headers_with_a_policy_list_is_not_read_as_one() {
    // TRAC's detainers by facility (State, Jurisdiction, All, Yes, No, County, Facility:
    // counts per jail) shares "State" and "Jurisdiction" with the sanctuary lists; its
    // name names two tables (detainers, facility). It is refused, naming why, and CIS's
    // list beside it is still read as the sanctuary list it is.
    let trac = shared_data()
        .join("detainers")
        .join("trac_ice_detainers_by_facility_28jun2017_austinbrian.csv");
    let cis = policy().join(CIS_NAME);
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ingest(dir.path(), &[&trac, &cis]);
    assert!(!out.status.success(), "one file refused is a failed ingest");
    let err = stderr(&out);
    assert!(
        err.contains(
            "trac_ice_detainers_by_facility_28jun2017_austinbrian.csv, row 1: cannot tell which table this is"
        ) && err.contains(
            "the columns fit sanctuary-policies best, but only 2 of 7 headers are ones it knows: not read as sanctuary-policies"
        ),
        "{err}"
    );
    let text = stdout(&out);
    assert!(
        text.contains("1 file(s) ingested, 0 already present, 1 failed"),
        "{text}"
    );
    assert!(!text.contains("sheet \"trac_ice_detainers"), "{text}");
    let csv = count_csv(
        dir.path(),
        "sanctuary-policies",
        &["--by", "release", "--suppress-below", "0"],
    );
    assert_eq!(csv, format!("release,count\n{CIS_NAME},166\n"));
}
