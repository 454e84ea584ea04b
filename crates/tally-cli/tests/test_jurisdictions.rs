//! The policy layer on the real files: ICE's 287(g) snapshots (counts per snapshot and
//! support model, county placement rates, snapshot differences), the county-AOR
//! crosswalk, the ACS populations per AOR (per-capita rates against a computation made
//! here from the file), and arrest landmarks placed in counties against a hand-checked
//! sample. Expected values were read from the files independently (pandas) and by hand.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn policy(name: &str) -> PathBuf {
    shared_data().join("policy").join(name)
}

fn reference(name: &str) -> PathBuf {
    shared_data().join("reference").join(name)
}

const SNAPSHOTS: [&str; 6] = [
    "ice_287g_ParticipatingEntities-20210113.xlsx",
    "ice_287g_ParticipatingEntities-20250219.xlsx",
    "ice_287g_participatingAgencies-20250408.xlsx",
    "ice_287g_participatingAgencies-20251231.xlsx",
    "ice_287g_pendingAgencies-20250406.xlsx",
    "ice_287g_pendingAgencies-20251121.xlsx",
];

/// One store for the whole file: the national arrests FY2016-FY2019, every 287(g)
/// snapshot, the 2017 and DHS 2025 sanctuary lists, Secure Communities, the county
/// crosswalk without Harlingen and the ACS populations.
fn store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jurisdictions-store");
        let _ = std::fs::remove_dir_all(&dir);
        let mut paths: Vec<PathBuf> = (2016..=2019)
            .map(|fy| national().join(format!("EROArrests_FY{fy}.pipe.csv.gz")))
            .collect();
        paths.extend(SNAPSHOTS.iter().map(|s| policy(s)));
        paths.push(policy(
            "cis_sanctuary_map_cities_counties_states_2017_austinbrian.csv",
        ));
        paths.push(policy("dhs_sanctuary_jurisdictions_list_2025-05.pdf"));
        paths.push(policy("secure_communities_activation_dates_hhadah.dta"));
        paths.push(reference("uwchr_county_aor_hand.csv"));
        paths.push(reference("uwchr_aor_demog_indicators.csv"));
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let out = ingest(&dir, &refs);
        assert!(out.status.success(), "{}", stderr(&out));
        dir
    })
}

fn run_ok(args: &[&str]) -> String {
    let out = tally(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn the_issue_command_gives_the_three_support_models_of_december_2025() {
    let s = store();
    let out = run_ok(&[
        "count",
        "287g-agreements",
        "--store",
        path_str(s),
        "--by",
        "support-model",
        "--release",
        "participatingAgencies-20251231.xlsx",
    ]);
    for line in [
        "Jail Enforcement Model     145",
        "Task Force Model           684",
        "Warrant Service Officer    445",
        "total 1,274",
    ] {
        assert!(out.contains(line), "{line:?} missing from\n{out}");
    }
    // One row spells it "Warrant Service Office": merged by the table definition, and
    // the ingest report says so.
    assert!(!out.contains("Warrant Service Office "), "{out}");
    let manifest = std::fs::read_to_string(s.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"raw\":\"Warrant Service Office\"")
            || manifest.contains("\"raw\": \"Warrant Service Office\""),
        "the respelling is not in the store's report"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = ingest(dir.path(), &[&policy(SNAPSHOTS[3])]);
    assert!(
        stdout(&out).contains("released spelling merged (table definition): support_model \"Warrant Service Office\" stored as \"Warrant Service Officer\" (<10 cells)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn agreements_per_snapshot_and_support_model_are_exact() {
    let s = store();
    let csv = count_csv(
        s,
        "287g-agreements",
        &["--by", "release,support-model", "--suppress-below", "1"],
    );
    let expected = [
        ("20210113", "Jail Enforcement Model", "74"),
        ("20210113", "Warrant Service Officer", "76"),
        ("20250219", "Jail Enforcement Model", "60"),
        ("20250219", "Task Force Model", "8"),
        ("20250219", "Warrant Service Officer", "77"),
        ("20250408", "Jail Enforcement Model", "86"),
        ("20250408", "Task Force Model", "178"),
        ("20250408", "Warrant Service Officer", "180"),
        ("20251231", "Jail Enforcement Model", "145"),
        ("20251231", "Task Force Model", "684"),
        ("20251231", "Warrant Service Officer", "445"),
    ];
    let rows = csv_rows(&csv);
    let got: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| r["count"] != "0")
        .map(|r| {
            let date = r["release"]
                .rsplit('-')
                .next()
                .unwrap()
                .trim_end_matches(".xlsx")
                .to_string();
            (date, r["support-model"].clone(), r["count"].clone())
        })
        .collect();
    let want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    let pending = count_csv(
        s,
        "287g-pending",
        &[
            "--by",
            "support-model",
            "--release",
            "pendingAgencies-20250406.xlsx",
            "--suppress-below",
            "1",
        ],
    );
    assert_eq!(
        pending.trim(),
        "support-model,count\nJail Enforcement Model,6\nTask Force Model,55\nWarrant Service Officer,5"
    );
}

#[test]
fn county_placement_rates_per_snapshot() {
    let s = store();
    let out = run_ok(&[
        "jurisdictions",
        "agencies",
        "--store",
        path_str(s),
        "--summary",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let got: Vec<(String, u64, u64)> = v["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["file_name"].as_str().unwrap().to_string(),
                s["rows"].as_u64().unwrap(),
                s["placed_in_county"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        (SNAPSHOTS[0], 150, 140),
        (SNAPSHOTS[1], 145, 129),
        (SNAPSHOTS[2], 444, 348),
        // State agencies are statewide even where the list gives them a county.
        (SNAPSHOTS[3], 1274, 1007),
        (SNAPSHOTS[4], 66, 16),
    ];
    let want: Vec<(String, u64, u64)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), *b, *c))
        .collect();
    assert_eq!(got, want);
    let table = run_ok(&[
        "jurisdictions",
        "agencies",
        "--store",
        path_str(s),
        "--summary",
    ]);
    let line = table.lines().find(|l| l.starts_with(SNAPSHOTS[3])).unwrap();
    assert_eq!(
        line.split_whitespace().collect::<Vec<_>>(),
        [SNAPSHOTS[3], "1,274", "1,007", "79.0%"]
    );
    // Named cases: a county from the COUNTY cell, one from the agency's name when the
    // cell is misspelt, and ICE's own errors left unmatched rather than guessed.
    let csv = run_ok(&[
        "jurisdictions",
        "agencies",
        "--store",
        path_str(s),
        "--format",
        "csv",
        "--release",
        "participatingAgencies-20251231.xlsx",
    ]);
    let rows = csv_rows(&csv);
    let find = |agency: &str| {
        rows.iter()
            .find(|r| r["agency"].trim() == agency)
            .unwrap_or_else(|| panic!("{agency} not listed"))
    };
    assert_eq!(
        find("Autauga County Sheriff's Office")["county_fips"],
        "01001"
    );
    assert_eq!(find("Autauga County Sheriff's Office")["aor"], "NOL");
    let franklin = rows
        .iter()
        .find(|r| r["county_listed"] == "Frankin County")
        .unwrap();
    assert_eq!(franklin["agency"], "Franklin County Sheriff's Office");
    assert_eq!(franklin["county_fips"], "01059");
    assert!(
        franklin["placement"].contains("COUNTY cell unmatched"),
        "{franklin:?}"
    );
    // April 2025 put Crow Wing County (Minnesota) in Massachusetts; December fixed it.
    assert_eq!(
        find("Crow Wing County Sheriff's Office")["county_fips"],
        "27035"
    );
    let april = csv_rows(&run_ok(&[
        "jurisdictions",
        "agencies",
        "--store",
        path_str(s),
        "--format",
        "csv",
        "--release",
        "participatingAgencies-20250408.xlsx",
    ]));
    let crow_wing = april
        .iter()
        .find(|r| r["agency"] == "Crow Wing County Sheriff's Office")
        .unwrap();
    assert_eq!(crow_wing["county_fips"], "");
    assert!(
        crow_wing["placement"].contains("no county \"Crow Wing County\" in MA"),
        "{crow_wing:?}"
    );
}

#[test]
fn snapshot_differences_match_respelled_agencies() {
    let s = store();
    let out = run_ok(&[
        "jurisdictions",
        "diff",
        "--store",
        path_str(s),
        "ParticipatingEntities-20210113.xlsx",
        "ParticipatingEntities-20250219.xlsx",
    ]);
    assert!(
        out.contains(
            "added 10, removed 15, changed 4 (1 matched across a respelling, a rename or a move), unchanged 131"
        ),
        "{out}"
    );
    assert!(out.contains("fuzzy name 0.935  agency \"Mantiowoc County Sheriff's Office\" -> \"Manitowoc County Sheriff's Office\""), "{out}");
    assert!(!out.contains("same county and signing date 0."), "{out}");
    let etowah = out
        .lines()
        .find(|l| l.starts_with("Etowah County"))
        .unwrap();
    assert_eq!(
        etowah.split_whitespace().collect::<Vec<_>>().join(" "),
        "Etowah County Sheriff's Office AL Jail Enforcement Model exact signed 2016-06-08 -> 2020-06-09"
    );
    let json = run_ok(&[
        "jurisdictions",
        "diff",
        "--store",
        path_str(s),
        "participatingAgencies-20250408.xlsx",
        "participatingAgencies-20251231.xlsx",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // 21 left the April list by name, of which 9 are a renamed agency (same county, model
    // and signing date) or a move (Crow Wing County filed under MA, then MN).
    assert_eq!(v["added"].as_array().unwrap().len(), 842);
    assert_eq!(v["removed"].as_array().unwrap().len(), 12);
    assert_eq!(v["changed"].as_array().unwrap().len(), 26);
    assert_eq!(v["unchanged"], 406);
    // Waupaca and Waukesha are alike names of different counties: never matched.
    assert!(
        !json.contains("\"fuzzy_score\": 0.867"),
        "Waupaca matched to Waukesha"
    );
    // Snapshots of different lists are not compared.
    let out = tally(&[
        "jurisdictions",
        "diff",
        "--store",
        path_str(s),
        "participatingAgencies-20250408.xlsx",
        "pendingAgencies-20250406.xlsx",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("compare lists of one kind"),
        "{}",
        stderr(&out)
    );
}

/// Landmarks of the national arrests and the county each names, checked by hand: the
/// county is the one named, in the state the landmark or its AOR gives; `None` where the
/// landmark is not a place, names no county, or names one ambiguously or wrongly.
const HAND_CHECKED: [(&str, &str, Option<&str>); 43] = [
    (
        "HOU",
        "TEXAS DEPT OF CRIMINAL JUSTICE, WALKER CO",
        Some("48471"),
    ),
    ("HOU", "HARRIS COUNTY JAIL, HOUSTON, TX", Some("48201")),
    (
        "PHO",
        "CAP - MARICOPA COUNTY SHERIFFS OFFICE JAIL",
        Some("04013"),
    ),
    ("ATL", "GWINNETT COUNTY JAIL - 287(G)", Some("13135")),
    (
        "SNA",
        "HIDALGO COUNTY JAIL, EDINBURG, TXN - TX1080000",
        Some("48215"),
    ),
    ("ATL", "COBB COUNTY JAIL - 287(G)", Some("13067")),
    ("ATL", "MECKLENBURG COUNTY, NC", Some("37119")),
    (
        "SNA",
        "TRAVIS COUNTY JAIL, AUSTIN, TEXAS - TX2270000",
        Some("48453"),
    ),
    ("SNA", "CAMERON COUNTY JAIL- OLMITO, TX", Some("48061")),
    ("DEN", "DENVER COUNTY", Some("08031")),
    ("ATL", "WAKE COUNTY JAIL", Some("37183")),
    ("DAL", "TARRANT COUNTY JAIL", Some("48439")),
    (
        "DAL",
        "TULSA COUNTY JAIL-DAVID L. MOSS CRIMINAL JUSTICE CENTER",
        Some("40143"),
    ),
    ("NOL", "Adams County Correctional Center", Some("28001")),
    ("LOS", "VENTURA COUNTY JAIL, VENTURA CA", Some("06111")),
    (
        "SLC",
        "SALT LAKE COUNTY ADULT DETENTION CENTER - UT",
        Some("49035"),
    ),
    ("MIA", "TAM-HILLSBOROUGH COUNTY JAIL", Some("12057")),
    ("CHI", "FAYETTE COUNTY CORRECTIONS, KY", Some("21067")),
    ("WAS", "FAIRFAX COUNTY JAIL - VA", Some("51059")),
    (
        "SPM",
        "HENNEPIN COUNTY ADULT DETENTION CENTER, MN",
        Some("27053"),
    ),
    ("NYC", "CAP - SUFFOLK COUNTY JAIL NY STATE", Some("36103")),
    ("NEW", "HUDSON COUNTY JAIL", Some("34017")),
    ("NOL", "JEFFERSON PARISH, LA", Some("22051")),
    ("SFR", "ALAMEDA COUNTY JAIL - SANTA RITA", Some("06001")),
    ("NOL", "DAVIDSON COUNTY JAIL, TN", Some("47037")),
    ("SPM", "MARSHALL CO JAIL, BRITTON, SD", Some("46091")),
    ("HOU", "FT BEND CO JAIL, RICHMOND, TX", Some("48157")),
    // A state named at the end narrows the county ("Boone" is four counties of CHI); an
    // accent the crosswalk has and the landmark lacks; a program code before the name.
    (
        "CHI",
        "BOONE COUNTY SHERIFF'S OFFICE, INDIANA",
        Some("18011"),
    ),
    ("ATL", "HOLLY SPRINGS, GA (CHEROKEE COUNTY)", Some("13057")),
    ("ELP", "DONA ANA COUNTY DETENTION CENTER", Some("35013")),
    ("PHO", "LEAR - APACHE COUNTY JAIL", Some("04001")),
    // Office codes, ambiguous and wrong names, regional jails, offices and programs.
    ("DAL", "DAL COUNTY JAIL", None),
    ("SLC", "CLARK COUNTY DETENTION CENTER", None),
    ("WAS", "PRINCE WILLIAM/MANASSAS REGIONAL JAIL - VA", None),
    ("ATL", "ATLANTA, GA", None),
    ("NOL", "ST. BERNARD PARISH, MS", None),
    ("NOL", "TERRABONE PARISH, LA", None),
    ("LOS", "LOS ANGELES COUNTY GENERAL AREA, NON-SPECIFIC", None),
    ("CHI", "CHI GENERAL AREA, NON-SPECIFIC", None),
    ("LOS", "SC INTEROPERABILITY LAFO", None),
    // Bonners Ferry is a city in Idaho, not Ferry County (WA); the Texas prison is not in
    // Walker County, Georgia; Escambia County, FL is not Escambia County, AL.
    ("SEA", "BONNERS FERRY CO. JAIL", None),
    ("ATL", "TEXAS DEPT OF CRIMINAL JUSTICE, WALKER CO", None),
    (
        "NOL",
        "ESCAMBIA COUNTY, FL COMMUNITY CORR AND MISD PROBATION",
        None,
    ),
];

#[test]
fn landmarks_match_a_hand_checked_sample_and_none_is_wrong() {
    let s = store();
    let csv = run_ok(&[
        "jurisdictions",
        "landmarks",
        "--store",
        path_str(s),
        "--list",
        "--format",
        "csv",
    ]);
    let rows = csv_rows(&csv);
    let mut checked = 0;
    for (aor, landmark, fips) in HAND_CHECKED {
        let row = rows
            .iter()
            .find(|r| r["aor"] == aor && r["landmark"] == landmark)
            .unwrap_or_else(|| {
                panic!("{aor} {landmark:?} is not a landmark of the national arrests")
            });
        let got = (!row["county_fips"].is_empty()).then(|| row["county_fips"].as_str());
        assert_eq!(got, fips, "{aor} {landmark:?}: {row:?}");
        checked += 1;
    }
    assert_eq!(checked, 43);
    let kind = |aor: &str, landmark: &str| {
        rows.iter()
            .find(|r| r["aor"] == aor && r["landmark"] == landmark)
            .map(|r| r["place"].clone())
            .unwrap()
    };
    assert_eq!(kind("LOS", "SC INTEROPERABILITY LAFO"), "not a place");
    assert_eq!(kind("SLC", "CLARK COUNTY DETENTION CENTER"), "unmatched");
    assert_eq!(
        kind("HOU", "HARRIS COUNTY JAIL, HOUSTON, TX"),
        "jail or prison"
    );
    // Shares per AOR and year: the table's rows add up to Tally's count by AOR and FY.
    let shares = csv_rows(&run_ok(&[
        "jurisdictions",
        "landmarks",
        "--store",
        path_str(s),
        "--format",
        "csv",
    ]));
    let counts = csv_rows(&count_csv(s, "arrests", &["--by", "aor,fy"]));
    let chi19 = shares
        .iter()
        .find(|r| r["aor"] == "CHI" && r["fy"] == "FY2019")
        .unwrap();
    let chi19_count = counts
        .iter()
        .find(|r| r["aor"] == "CHI" && r["fy"] == "FY2019")
        .unwrap();
    assert_eq!(chi19["rows"].replace(',', ""), chi19_count["count"]);
    assert_eq!(chi19["placed_in_county"], "2354");
    assert_eq!(chi19["share_placed"], "30%");
    // No small part of a row is the difference of two exact figures of it: rows placed
    // by a landmark that is no jail (Miami FY2019's 8 were 2,177 - 2,169) and rows
    // naming a place not placed.
    let exact = |r: &BTreeMap<String, String>, k: &str| r[k].replace(',', "").parse::<i64>().ok();
    let small = |d: i64| (1..10).contains(&d);
    for r in &shares {
        if let (Some(p), Some(j)) = (
            exact(r, "placed_in_county"),
            exact(r, "custody_rows_placed"),
        ) {
            assert!(!small(p - j), "{r:?}");
        }
        if let (Some(n), Some(p), Some(rows)) = (
            exact(r, "not_a_place"),
            exact(r, "placed_in_county"),
            exact(r, "rows"),
        ) {
            assert!(!small(rows - n - p), "{r:?}");
        }
    }
    let mia19 = shares
        .iter()
        .find(|r| r["aor"] == "MIA" && r["fy"] == "FY2019")
        .unwrap();
    assert_eq!(
        (
            mia19["placed_in_county"].as_str(),
            mia19["custody_rows_placed"].as_str(),
            mia19["share_of_custody_placed"].as_str()
        ),
        ("2177", "not shown", "-")
    );
}

/// ACS estimates read here from the file: (AOR, year) -> (population, standard error).
fn acs(column: &str) -> BTreeMap<(String, i32), (f64, f64)> {
    let mut text = String::new();
    std::fs::File::open(reference("uwchr_aor_demog_indicators.csv"))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b'|')
        .from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let at = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (aor, year, pop, se) = (
        at("aor"),
        at("year"),
        at(column),
        at(&format!("{column}_se")),
    );
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                (rec[aor].to_string(), rec[year].parse().unwrap()),
                (rec[pop].parse().unwrap(), rec[se].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn per_capita_rates_equal_a_computation_from_the_files() {
    let s = store();
    for (measure, column) in [
        ("total", "total_pop"),
        ("noncitizen", "noncitizen_pop"),
        ("undocumented", "undocu_pop"),
    ] {
        let pops = acs(column);
        let csv = count_csv(s, "arrests", &["--by", "aor,fy", "--per-capita", measure]);
        let rows = csv_rows(&csv);
        let mut checked = 0;
        for r in &rows {
            let Ok(count) = r["count"].parse::<f64>() else {
                continue;
            };
            let fy: i32 = r["fy"].trim_start_matches("FY").parse().unwrap();
            let Some((pop, se)) = pops.get(&(r["aor"].clone(), fy)) else {
                assert!(r["per_100k"].starts_with('('), "{r:?}");
                continue;
            };
            let rate = count / pop * 1e5;
            let low = count / (pop + 1.96 * se) * 1e5;
            let high = count / (pop - 1.96 * se) * 1e5;
            assert_eq!(r["per_100k"], format!("{rate:.1}"), "{measure} {r:?}");
            assert_eq!(r["per_100k_low"], format!("{low:.1}"), "{measure} {r:?}");
            assert_eq!(r["per_100k_high"], format!("{high:.1}"), "{measure} {r:?}");
            assert_eq!(r["population_year"], fy.to_string());
            checked += 1;
        }
        // 24 AORs x 4 fiscal years.
        assert_eq!(checked, 96, "{measure}");
    }
    // Chicago FY2019 by hand: 7,769 arrests, 13,098,004... per the file's 2019 row.
    let (pop, _) = acs("total_pop")[&("CHI".to_string(), 2019)];
    let chi = csv_rows(&count_csv(
        s,
        "arrests",
        &[
            "--by",
            "aor,fy",
            "--where",
            "aor=CHI",
            "--per-capita",
            "total",
        ],
    ));
    assert_eq!(chi[3]["count"], "7769");
    assert_eq!(chi[3]["per_100k"], format!("{:.1}", 7769.0 / pop * 1e5));
}

#[test]
fn per_capita_needs_aor_and_fy_and_gives_suppressed_cells_no_rate() {
    let s = store();
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "aor",
        "--per-capita",
        "total",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("add aor and fy to --by"),
        "{}",
        stderr(&out)
    );
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "aor,fy",
        "--per-capita",
        "everyone",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("expected one of total, foreign-born, noncitizen, undocumented"),
        "{}",
        stderr(&out)
    );
    // Cells below 10 (a rare citizenship in one AOR) have no rate, which would give the
    // count back.
    let csv = count_csv(
        s,
        "arrests",
        &[
            "--by",
            "aor,fy",
            "--where",
            "citizenship=ICELAND",
            "--per-capita",
            "total",
        ],
    );
    for r in csv_rows(&csv) {
        if r["count"].starts_with('<') {
            assert_eq!(r["per_100k"], "(count suppressed)", "{r:?}");
            assert_eq!(r["per_100k_low"], "");
        }
    }
}

#[test]
fn agreements_in_force_on_a_date_come_from_the_snapshot_of_that_date() {
    let s = store();
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2025-12-31",
        "--policy",
        "287g",
        "--state",
        "TX",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let places = v["places"].as_array().unwrap();
    assert!(
        places
            .iter()
            .all(|p| p["source_file"] == SNAPSHOTS[3] && p["state"] == "TX")
    );
    // Texas rows of the 2025-12-31 list, all signed by then (pandas: STATE == "TEXAS").
    assert_eq!(places.len(), 259);
    // Before the 2025 lists, the January 2021 snapshot answers, with agreements signed by
    // the date only.
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2021-06-01",
        "--policy",
        "287g",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let places = v["places"].as_array().unwrap();
    assert_eq!(places.len(), 150);
    assert!(places.iter().all(|p| p["source_file"] == SNAPSHOTS[0]));
    // Asked about a day before any snapshot: the earliest, said so.
    let out = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2019-01-01",
        "--policy",
        "287g",
    ]);
    assert!(
        out.contains("caveat: 287(g): the earliest snapshot (2021-01-13) is after 2019-01-01"),
        "{out}"
    );
    let bad = tally(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2019-13-01",
    ]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--on \"2019-13-01\" is not a date"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn sanctuary_lists_in_force_on_a_date_with_their_sources() {
    let s = store();
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2025-06-01",
        "--policy",
        "sanctuary",
        "--state",
        "IL",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let places = v["places"].as_array().unwrap();
    let count = |file: &str, kind: &str| {
        places
            .iter()
            .filter(|p| {
                p["source_file"].as_str().unwrap().starts_with(file) && p["place_kind"] == kind
            })
            .count()
    };
    // DHS, May 2025: Illinois as a state, 96 counties and 7 cities; the 2017 list: Cook
    // and one other county, and one city.
    assert_eq!(
        (
            count("dhs_", "state"),
            count("dhs_", "county"),
            count("dhs_", "city")
        ),
        (1, 96, 7)
    );
    assert_eq!((count("cis_", "county"), count("cis_", "city")), (2, 1));
    let cook: Vec<&serde_json::Value> = places
        .iter()
        .filter(|p| p["place"] == "Cook County")
        .collect();
    assert_eq!(cook.len(), 2);
    assert!(
        cook.iter()
            .all(|p| p["county_fips"] == "17031" && p["aor"] == "CHI")
    );
    assert!(
        cook.iter().any(|p| p["since"] == "2025-05-01"),
        "the DHS list's rows start on its date"
    );
    // Before the DHS list, only the 2017 list answers.
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2018-06-01",
        "--policy",
        "sanctuary",
        "--state",
        "IL",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["places"].as_array().unwrap().len(), 3);
    // Secure Communities: Cook County activated in January 2013 (the month's first day).
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2013-06-01",
        "--policy",
        "secure-communities",
        "--state",
        "IL",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let cook = v["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["county_fips"] == "17031")
        .unwrap();
    assert_eq!(cook["since"], "2013-01-01");
    let out = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2016-01-01",
        "--policy",
        "secure-communities",
    ]);
    assert!(
        out.contains("caveat: Secure Communities was ended on 2014-11-20"),
        "{out}"
    );
}

#[test]
fn counts_by_the_policy_of_the_arrest_county_on_the_arrest_day() {
    let s = store();
    let csv = count_csv(
        s,
        "arrests",
        &["--by", "policy,fy", "--suppress-below", "1"],
    );
    let rows = csv_rows(&csv);
    let total: u64 = rows
        .iter()
        .map(|r| r["count"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 544_059, "every arrest is counted once");
    // A spreadsheet shows no notes: FY2019's partial coverage is a column, as in a count.
    assert!(csv.starts_with("policy,fy,count,coverage\n"), "{csv}");
    for r in &rows {
        let want = if r["fy"] == "FY2019" {
            "partly: 8,375 of 9,125 AOR-days"
        } else {
            ""
        };
        assert_eq!(r["coverage"], want, "{r:?}");
    }
    // FY2019's partial coverage is worded as a count's coverage column words it.
    let text = run_ok(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "policy,fy",
    ]);
    assert!(
        text.contains("only partly covered, counting the covered days: FY2019 (partly: 8,375 of 9,125 AOR-days)"),
        "{text}"
    );
    // Rows placed in a county are those `jurisdictions landmarks` places.
    let shares = csv_rows(&run_ok(&[
        "jurisdictions",
        "landmarks",
        "--store",
        path_str(s),
        "--format",
        "csv",
        "--suppress-below",
        "1",
    ]));
    for fy in ["FY2016", "FY2017", "FY2018", "FY2019"] {
        let placed: u64 = shares
            .iter()
            .filter(|r| r["fy"] == fy)
            .map(|r| r["placed_in_county"].parse::<u64>().unwrap())
            .sum();
        let by_policy: u64 = rows
            .iter()
            .filter(|r| r["fy"] == fy && !r["policy"].starts_with('('))
            .map(|r| r["count"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(placed, by_policy, "{fy}");
    }
    // Known landmarks: Multnomah and King county jails are on the 2017 list, Harris is not.
    for (landmark, policy, n) in [
        (
            "MULTNOMAH COUNTY JAILS (INVERNESS & MCDC)",
            "county under a sanctuary policy",
            "32",
        ),
        ("KING COUNTY JAIL", "county under a sanctuary policy", "15"),
    ] {
        let csv = count_csv(
            s,
            "arrests",
            &[
                "--by",
                "policy",
                "--where-value",
                &format!("landmark={landmark}"),
                "--suppress-below",
                "1",
            ],
        );
        let rows = csv_rows(&csv);
        assert_eq!(rows.len(), 1, "{landmark}: {csv}");
        assert_eq!(rows[0]["policy"], policy, "{landmark}");
        assert_eq!(rows[0]["count"], n, "{landmark}");
    }
    let harris = csv_rows(&count_csv(
        s,
        "arrests",
        &[
            "--by",
            "policy,aor",
            "--where-value",
            "landmark=HARRIS COUNTY JAIL, HOUSTON, TX",
            "--where",
            "aor=HOU",
        ],
    ));
    assert_eq!(harris[0]["policy"], "county not on a sanctuary list");
    assert_eq!(harris[0]["count"], "8691");
    // "Franklin County, Washington 99301" (the 2017 list writes its ZIP code) is Franklin
    // County, WA: read whole, its jail's 87 FY2016 arrests counted as on no list (220 and
    // 366 here). "Cass County, lowa" is never guessed, and the count says so.
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--format",
        "csv",
        "--by",
        "policy",
        "--where",
        "aor=SEA",
        "--where",
        "fy=FY2016",
    ]);
    assert_eq!(
        stdout(&out),
        "policy,count\n(county unknown),2112\ncounty not on a sanctuary list,133\ncounty under a sanctuary policy,453\n"
    );
    assert!(
        stderr(&out).contains("note: 2 list entries are read with no U.S. state, so placed in no county or state and under the policy nowhere in this count: \"Cass County, lowa\" (cis_sanctuary_map_cities_counties_states_2017_austinbrian.csv), \"East Haven. Connecticut\""),
        "{}",
        stderr(&out)
    );
    // 287(g) before the first snapshot (2021): agreements in it signed by the day count;
    // any other county is not known, never "no agreement".
    let g = csv_rows(&count_csv(
        s,
        "arrests",
        &[
            "--by",
            "policy",
            "--policy",
            "287g",
            "--from",
            "2016-01-01",
            "--to",
            "2016-12-31",
        ],
    ));
    let values: Vec<&str> = g.iter().map(|r| r["policy"].as_str()).collect();
    assert!(
        !values.contains(&"no 287(g) agreement in the county"),
        "{values:?}"
    );
    assert!(values.contains(&"(not known on the day)"), "{values:?}");
    let bad = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "policy,citizenship",
    ]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("--by policy combines with aor, fy, month, method-group"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_shipped_sanctuary_analysis_compares_at_large_shares() {
    let s = store();
    let json = run_ok(&[
        "operation",
        "run",
        "sanctuary-at-large-2016-2019",
        "--store",
        path_str(s),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let treated: Vec<&str> = v["treated_aors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(treated, ["DEN", "LOS", "SEA", "SND"]);
    // Denver: the 2017 list's "Colorado County Jails" puts all 64 Colorado counties under
    // the policy, of the AOR's 87 (Colorado and Wyoming).
    let den = v["policy_exposure"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["aor"] == "DEN")
        .unwrap();
    assert_eq!(
        (den["counties_under"].as_u64(), den["counties"].as_u64()),
        (Some(64), Some(87))
    );
    // The at-large shares per period equal counts made here with `count`.
    let windows = [
        ("2015-10-01", "2016-08-31"),
        ("2016-10-01", "2017-08-31"),
        ("2017-10-01", "2018-08-31"),
        ("2018-10-01", "2019-08-31"),
    ];
    let comparison: Vec<String> = v["comparison_aors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    for (side, aors, key) in [
        ("treated", treated.join(","), "at_large_share"),
        (
            "comparison",
            comparison.join(","),
            "comparison_at_large_share",
        ),
    ] {
        for (i, (from, to)) in windows.iter().enumerate() {
            let rows = csv_rows(&count_csv(
                s,
                "arrests",
                &[
                    "--by",
                    "method-group",
                    "--where",
                    &format!("aor={aors}"),
                    "--from",
                    from,
                    "--to",
                    to,
                    "--suppress-below",
                    "1",
                ],
            ));
            let at_large: f64 = rows
                .iter()
                .filter(|r| r["method-group"] == "at-large")
                .map(|r| r["count"].parse::<f64>().unwrap())
                .sum();
            let all: f64 = rows
                .iter()
                .map(|r| r["count"].parse::<f64>().unwrap())
                .sum();
            let share = (at_large / all * 100.0).round() / 100.0;
            assert_eq!(v[key][i].as_f64(), Some(share), "{side} period {i}");
        }
    }
    let text = run_ok(&[
        "operation",
        "run",
        "sanctuary-at-large-2016-2019",
        "--store",
        path_str(s),
    ]);
    let read_first = text
        .find("READ FIRST")
        .expect("the report opens with what to read first");
    let counts = text.find("Counts by method group").unwrap();
    for caveat in [
        "TREATED BY POLICY",
        "ECOLOGICAL COMPARISON",
        "AOR-LEVEL GEOGRAPHY",
        "POLICIES CHANGE OVER TIME",
        "CAP ARRESTS HAPPEN IN JAILS",
    ] {
        let at = text
            .find(caveat)
            .unwrap_or_else(|| panic!("{caveat} missing"));
        assert!(at > read_first && at < counts, "{caveat} is not read first");
    }
    assert!(text.contains("share ratio [95% CI]"), "{text}");
    assert!(
        text.contains("HEADLINE: In the 4 treated AORs, the at-large share of arrests in the window was 58% higher than the comparison AORs predict; 95% interval +19% to +108%; the interval excludes no change."),
        "{text}"
    );
    assert!(text.contains("none: every period's share of all arrests is 100%"));
}

#[test]
fn what_a_new_user_found_stays_fixed() {
    let s = store();
    // State agencies are statewide, even with a COUNTY cell (Idaho State Police).
    let csv = run_ok(&[
        "jurisdictions",
        "agencies",
        "--store",
        path_str(s),
        "--format",
        "csv",
        "--release",
        "participatingAgencies-20251231.xlsx",
    ]);
    for r in csv_rows(&csv)
        .iter()
        .filter(|r| r["agency_type"].trim() == "State Agency")
    {
        assert_eq!(r["county_fips"], "", "{r:?}");
        assert!(
            r["placement"].starts_with("state agency (statewide, no county)"),
            "{r:?}"
        );
    }
    // Renamed and moved agreements are matched, and say how.
    let json = run_ok(&[
        "jurisdictions",
        "diff",
        "--store",
        path_str(s),
        "participatingAgencies-20250408.xlsx",
        "participatingAgencies-20251231.xlsx",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changed = v["changed"].as_array().unwrap();
    let how = |agency: &str| {
        changed
            .iter()
            .find(|m| m["after"]["agency"].as_str().unwrap().trim() == agency)
            .map(|m| m["how"].as_str().unwrap().to_string())
    };
    assert_eq!(
        how("Flathead County Sheriff's Office").as_deref(),
        Some("same county and signing date")
    );
    assert_eq!(
        how("Crow Wing County Sheriff's Office").as_deref(),
        Some("same name, another state")
    );
    // Counts of agencies are not counts of people: no cell is suppressed.
    let out = run_ok(&[
        "count",
        "287g-agreements",
        "--store",
        path_str(s),
        "--by",
        "support-model",
        "--release",
        "ParticipatingEntities-20250219.xlsx",
    ]);
    assert!(out.contains("Task Force Model             8"), "{out}");
    // The 2017 list's "Sep-14" dates are months: on 1 January 2013 eleven of its places
    // had their policies (pandas, reading "Mon-YY" and ISO dates).
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(s),
        "--on",
        "2013-01-01",
        "--policy",
        "sanctuary",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["places"].as_array().unwrap().len(), 11);
    assert!(v["caveats"].as_array().unwrap().is_empty(), "{json}");
    // Counting by policy says which months no release covers.
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "policy,month",
        "--where",
        "aor=BOS",
        "--from",
        "2019-07-01",
        "--to",
        "2019-10-31",
    ]);
    assert!(
        stdout(&out).contains(
            "note: not covered by any release, so missing, not zero (a few rows dated there, outside a release's stated period, still count): 2019-09, 2019-10"
        ),
        "{}",
        stdout(&out)
    );
    // A filter on policy is refused with what to do instead.
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "fy",
        "--where",
        "policy=sanctuary",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("policy is a dimension of --by only"),
        "{}",
        stderr(&out)
    );
    // Per-capita rates of partly covered years say so.
    let out = run_ok(&[
        "count",
        "arrests",
        "--store",
        path_str(s),
        "--by",
        "aor,fy",
        "--where",
        "aor=BOS",
        "--per-capita",
        "total",
    ]);
    assert!(
        out.contains(
            "these cells are only partly covered, and their rates count the covered days only"
        ),
        "{out}"
    );
    assert!(out.contains("BOS FY2019"), "{out}");
}

#[test]
fn modern_releases_place_rows_by_their_state_and_detainers_by_their_facility() {
    let dir = tempfile::tempdir().unwrap();
    let ddp = shared_data().join("ddp-processed");
    let out = ingest(
        dir.path(),
        &[
            &ddp,
            &policy("dhs_sanctuary_jurisdictions_list_2025-05.pdf"),
            &reference("uwchr_county_aor_with_HAR.csv"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The Washington arrests give a state but no county: every arrest from 1 May 2025, when
    // DHS listed Washington as a state, counts under its policy (pandas: 1,383 in FY2025
    // and 212 in FY2026, all with apprehension state WASHINGTON).
    let rows = csv_rows(&count_csv(
        dir.path(),
        "arrests",
        &["--by", "policy,fy", "--suppress-below", "1"],
    ));
    let under = |fy: &str| {
        rows.iter()
            .find(|r| r["fy"] == fy && r["policy"] == "county under a sanctuary policy")
            .map(|r| r["count"].clone())
    };
    assert_eq!(under("FY2025").as_deref(), Some("1383"));
    assert_eq!(under("FY2026").as_deref(), Some("212"));
    let total: u64 = rows
        .iter()
        .map(|r| r["count"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 3441);
    // Detainers are placed by their facility's name and state: the St. Cloud prison
    // ("MINN.C.F.,ST.CLOUD") names no county, so none of the 22 is placed.
    let shares = csv_rows(&run_ok(&[
        "jurisdictions",
        "landmarks",
        "--store",
        path_str(dir.path()),
        "--table",
        "detainers",
        "--format",
        "csv",
    ]));
    assert_eq!(shares.len(), 1);
    assert_eq!(
        (
            shares[0]["aor"].as_str(),
            shares[0]["rows"].as_str(),
            shares[0]["placed_in_county"].as_str()
        ),
        ("SPM", "22", "0")
    );
    let list = csv_rows(&run_ok(&[
        "jurisdictions",
        "landmarks",
        "--store",
        path_str(dir.path()),
        "--table",
        "detainers",
        "--list",
        "--format",
        "csv",
    ]));
    assert_eq!(list[0]["landmark"], "MINN.C.F.,ST.CLOUD");
    assert_eq!(list[0]["place"], "unmatched");
    assert_eq!(list[0]["detail"], "names no county");
    // Unplaced, they still give their facility's state: Minnesota, which DHS listed as a
    // state from 1 May 2025, so all 22 (February 2026) count under its policy, as an
    // arrest giving its state but no county does.
    let by_policy = count_csv(
        dir.path(),
        "detainers",
        &[
            "--by",
            "policy",
            "--policy",
            "sanctuary",
            "--suppress-below",
            "1",
        ],
    );
    assert_eq!(
        by_policy.lines().take(2).collect::<Vec<_>>(),
        [
            "policy,count,coverage",
            "county under a sanctuary policy,22,\"not covered: rows of a release that does not claim these days (outside its stated period, a few rows of an AOR it does not cover, or one place's records; see tally status)\""
        ],
        "{by_policy}"
    );
}

#[test]
fn a_small_extract_never_stands_in_for_the_full_287g_list_of_its_day() {
    let dir = tempfile::tempdir().unwrap();
    let extract = dir
        .path()
        .join("participatingAgencies-20251231-extract.csv");
    std::fs::write(
        &extract,
        "STATE,LAW ENFORCEMENT AGENCY,TYPE,COUNTY,SUPPORT TYPE,SIGNED,MOA\n\
         ALABAMA,Autauga County Sheriff's Office,County,Autauga County,Task Force Model,2025-09-22,link\n\
         TEXAS,Harris County Sheriff's Office,County,Harris County,Jail Enforcement Model,2025-02-20,link\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    // The full list first, then the extract: ingest order must not decide.
    for paths in [vec![policy(SNAPSHOTS[3])], vec![extract.clone()]] {
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        assert!(ingest(&store, &refs).status.success());
    }
    let json = run_ok(&[
        "jurisdictions",
        "--store",
        path_str(&store),
        "--on",
        "2025-12-31",
        "--policy",
        "287g",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["places"].as_array().unwrap().len(), 1274);
    let caveats = v["caveats"].to_string();
    assert!(caveats.contains("are both lists of 2025-12-31; the larger, ice_287g_participatingAgencies-20251231.xlsx (1274 rows), is used"), "{caveats}");
}
