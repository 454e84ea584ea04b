//! `tally population` and the 2020 operation on the real daily headcount
//! (../shared/data/detention/uwchr_detain_inc_headcount_fy12-24ytd.csv.gz) and facility
//! lists, checked against sums computed here straight from the files.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn detention() -> PathBuf {
    shared_data().join("detention")
}

fn headcount_file() -> PathBuf {
    detention().join("uwchr_detain_inc_headcount_fy12-24ytd.csv.gz")
}

fn uwchr_facilities_file() -> PathBuf {
    detention().join("uwchr_detain_facilities.csv.gz")
}

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// UWCHR's facility table, read here: code -> AOR ("NA" and blanks are no AOR).
fn uwchr_aors() -> BTreeMap<String, Option<String>> {
    let text = gunzip(&uwchr_facilities_file());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'|')
        .from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let code_at = headers.iter().position(|h| h == "detloc").unwrap();
    let aor_at = headers.iter().position(|h| h == "aor").unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| {
            let aor = r[aor_at].trim().to_string();
            let aor = (!aor.is_empty() && aor != "NA").then_some(aor);
            (r[code_at].trim().to_uppercase(), aor)
        })
        .collect()
}

/// People per AOR on each of `days`, summed here over the headcount's facilities.
fn direct_sums(days: &[&str]) -> BTreeMap<(String, String), u64> {
    let aors = uwchr_aors();
    let text = gunzip(&headcount_file());
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split('|').collect();
        let (code, n, day) = (cells[0], cells[1], cells[2]);
        if !days.contains(&day) {
            continue;
        }
        let aor = match aors.get(&code.trim().to_uppercase()) {
            Some(Some(a)) => a.clone(),
            Some(None) => "(facility AOR not listed)".to_string(),
            None => "(unmatched facility)".to_string(),
        };
        *out.entry((aor, day.to_string())).or_default() += n.parse::<u64>().unwrap();
    }
    out
}

fn headcount_store(dir: &Path, lists: &[PathBuf]) -> PathBuf {
    let store = dir.join("store");
    let mut paths: Vec<&Path> = lists.iter().map(PathBuf::as_path).collect();
    let headcount = headcount_file();
    paths.push(&headcount);
    let out = ingest(&store, &paths);
    assert!(out.status.success(), "{}", stderr(&out));
    store
}

fn population(store: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["population", "--store", path_str(store)];
    all.extend_from_slice(args);
    tally(&all)
}

#[test]
fn daily_population_per_aor_equals_a_direct_sum_over_the_facilities() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[uwchr_facilities_file()]);
    let days = [
        "2012-06-01",
        "2019-07-15",
        "2020-02-03",
        "2020-03-16",
        "2023-12-31",
    ];
    let want = direct_sums(&days);
    let mut got = BTreeMap::new();
    for day in days {
        let out = population(
            &store,
            &[
                "--by",
                "aor,date",
                "--from",
                day,
                "--to",
                day,
                "--format",
                "csv",
                "--suppress-below",
                "0",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let csv = stdout(&out);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("aor,date,people,days"));
        for line in lines {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[3], "1", "{line}");
            got.insert(
                (cells[0].to_string(), cells[1].to_string()),
                cells[2].parse::<u64>().unwrap(),
            );
        }
    }
    assert_eq!(got, want);
    // Real magnitudes, so the comparison is not of two empty maps.
    assert!(want[&("NOL".to_string(), "2020-02-03".to_string())] > 5_000);
    assert_eq!(
        want.keys().filter(|(_, d)| d == "2020-03-16").count(),
        got.keys().filter(|(_, d)| d == "2020-03-16").count()
    );
}

#[test]
fn small_figures_are_suppressed_and_days_before_the_stated_fiscal_years_are_not_covered() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[uwchr_facilities_file()]);
    // By facility on one day, most facilities hold fewer than 10 people.
    let out = population(
        &store,
        &[
            "--by",
            "facility",
            "--from",
            "2020-03-16",
            "--to",
            "2020-03-16",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = stdout(&out);
    let direct: u64 = gunzip(&headcount_file())
        .lines()
        .filter(|l| l.ends_with("|2020-03-16") && l.starts_with("CSCNWWA|"))
        .map(|l| l.split('|').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(direct > 500);
    assert!(csv.contains(&format!("CSCNWWA,{direct},1")), "{csv}");
    assert!(csv.lines().any(|l| l.ends_with(",<10,1")), "{csv}");
    assert!(!csv.lines().skip(1).any(|l| {
        l.split(',')
            .nth(1)
            .is_some_and(|v| v.parse::<u64>().is_ok_and(|n| n > 0 && n < 10))
    }));

    // The file's name states FY2012 onward ("fy12-24ytd"): earlier days (which hold only
    // people still detained in FY2012) are not covered, never printed as a population.
    let out = population(
        &store,
        &["--by", "fy", "--from", "2010-10-01", "--to", "2012-09-30"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("FY2011  not covered"), "{text}");
    assert!(text.contains("NOT COVERED: FY2011 (365 days)"), "{text}");
    let fy2012_line = text.lines().find(|l| l.starts_with("FY2012")).unwrap();
    assert!(fy2012_line.ends_with("366"), "{fy2012_line}");

    // A 24-hour population needs book-in and book-out times.
    let out = population(&store, &["--measure", "24h"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--measure 24h needs each stay's book-in and book-out times"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn facility_lists_that_disagree_are_said_and_unknown_codes_are_unmatched_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let lists = [
        uwchr_facilities_file(),
        detention().join("ice_foia_2019-ICFO-31121_raw.xlsx"),
        detention().join("ice_foia_09-5638_detentionfacilitylist_legacy.xls"),
        detention().join("uwchr_ddp_coded_facilities_jun2025.csv"),
    ];
    let store = headcount_store(dir.path(), &lists);
    let out = population(
        &store,
        &[
            "--by",
            "aor",
            "--from",
            "2020-03-16",
            "--to",
            "2020-03-16",
            "--suppress-below",
            "0",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let with_all: u64 = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    let direct: u64 = direct_sums(&["2020-03-16"]).values().sum();
    // Every person of the day is in some group, placed or not.
    assert_eq!(with_all, direct);

    let out = population(
        &store,
        &["--by", "aor", "--from", "2020-03-16", "--to", "2020-03-16"],
    );
    let text = stdout(&out);
    // The 2009 list puts Etowah County (AL) in Atlanta; two later lists put it in New Orleans.
    assert!(text.contains("FACILITY LISTS DISAGREE on ETOWAAL's AOR: ATL in ice_foia_09-5638_detentionfacilitylist_legacy.xls; NOL in uwchr_detain_facilities.csv.gz, ice_foia_2019-ICFO-31121_raw.xlsx; counted in NOL"), "{text}");

    let out = tally(&["status", "--store", path_str(&store)]);
    let text = stdout(&out);
    assert!(
        text.contains("Facility codes (") && text.contains("known to 4 facility lists"),
        "{text}"
    );
    let unmatched = text
        .lines()
        .find(|l| l.contains("UNMATCHED FACILITY in detention-headcount"))
        .unwrap();
    // Codes the headcount holds that no list knows, computed here.
    let known: std::collections::BTreeSet<String> = {
        let out = tally(&[
            "count",
            "detention-facilities",
            "--store",
            path_str(&store),
            "--by",
            "facility-code",
            "--format",
            "csv",
            "--suppress-below",
            "0",
        ]);
        stdout(&out)
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_uppercase())
            .collect()
    };
    let in_headcount: std::collections::BTreeSet<String> = gunzip(&headcount_file())
        .lines()
        .skip(1)
        .map(|l| l.split('|').next().unwrap().trim().to_uppercase())
        .collect();
    let missing = in_headcount.difference(&known).count();
    assert!(missing > 10);
    assert!(
        unmatched.contains(&format!(": {missing} codes no list knows")),
        "{unmatched}"
    );
    // The facility lists cover no days: no coverage rows of their own.
    assert!(
        !text.lines().any(|l| l.starts_with("detention-facilities ")),
        "{text}"
    );
}

#[test]
fn the_2020_operation_runs_on_the_detained_population_and_says_so_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[uwchr_facilities_file()]);
    let report = dir.path().join("report");
    let out = tally(&[
        "operation",
        "run",
        "bortac-2020",
        "--store",
        path_str(&store),
        "--format",
        "json",
        "--report",
        path_str(&report),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["outcome"], "average-daily-population");
    assert_eq!(r["table"], "detention-headcount");
    let caveats: Vec<&str> = r["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(caveats[0].starts_with("MEASURED INSTEAD: average-daily-population (detention data, not arrests), because operation bortac-2020: no arrests records"), "{}", caveats[0]);
    assert!(
        caveats[1].starts_with("DETENTION DATA, NOT ARRESTS"),
        "{}",
        caveats[1]
    );
    assert!(
        caveats[3].starts_with("CONFOUNDER INSIDE THE WINDOW: COVID-19 shutdowns from 2020-03-13"),
        "{}",
        caveats[3]
    );

    // The window's treated average daily population, computed here: people in the ten
    // AORs' facilities summed over the 121 days, over 121.
    let treated = [
        "CHI", "SFR", "LOS", "ATL", "HOU", "BOS", "NOL", "DET", "NEW", "NYC",
    ];
    let aors = uwchr_aors();
    let mut person_days = 0u64;
    let text = gunzip(&headcount_file());
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split('|').collect();
        if cells[2] < "2020-02-01" || cells[2] > "2020-05-31" {
            continue;
        }
        if let Some(Some(a)) = aors.get(&cells[0].trim().to_uppercase())
            && treated.contains(&a.as_str())
        {
            person_days += cells[1].parse::<u64>().unwrap();
        }
    }
    let want = (person_days + 60) / 121;
    let total = total_group(&r);
    assert_eq!(total["treated"][3], want, "{total}");
    let estimate = &total["estimate"];
    assert!(
        estimate["rate_ratio"].as_f64().unwrap() > 0.5
            && estimate["ci_low"].as_f64().unwrap() < estimate["ci_high"].as_f64().unwrap()
    );
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("DETENTION DATA, NOT ARRESTS"));
    assert!(html.contains("Average daily detained population"));
    assert!(html.contains("Santos Silva and Tenreyro (2006)"));
    let chart = std::fs::read_to_string(report.join("estimate.svg")).unwrap();
    assert!(chart.contains("Estimated change in detained population (ratio)"));
    assert!(chart.contains("detention data, not arrests"));

    // Asked for arrests explicitly, with no fallback, the run refuses rather than print zeros.
    let op = dir.path().join("arrests-only.toml");
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../operations/bortac-2020.toml"),
    )
    .unwrap();
    assert!(shipped.contains("fallback_outcome = \"average-daily-population\"\n"));
    std::fs::write(
        &op,
        shipped.replace("fallback_outcome = \"average-daily-population\"\n", ""),
    )
    .unwrap();
    let out = tally(&[
        "operation",
        "run",
        path_str(&op),
        "--store",
        path_str(&store),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no arrests records for CHI"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_cut_copy_of_the_headcount_never_overrides_the_whole_file_and_filters_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[uwchr_facilities_file()]);
    // The first 300,000 rows under the same kind of name: its last day is partial.
    let text = gunzip(&headcount_file());
    let cut: String = text
        .lines()
        .take(300_001)
        .map(|l| format!("{l}\n"))
        .collect();
    let last_day = cut
        .lines()
        .last()
        .unwrap()
        .split('|')
        .nth(2)
        .unwrap()
        .to_string();
    let cut_path = dir.path().join("cut_fy12-24ytd.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, cut.as_bytes()).unwrap();
    std::fs::write(&cut_path, gz.finish().unwrap()).unwrap();
    assert!(ingest(&store, &[&cut_path]).status.success());
    let out = population(
        &store,
        &[
            "--by",
            "date",
            "--from",
            &last_day,
            "--to",
            &last_day,
            "--format",
            "csv",
            "--suppress-below",
            "0",
        ],
    );
    let direct: u64 = direct_sums(&[&last_day]).values().sum();
    assert_eq!(
        stdout(&out),
        format!("date,people,days\n{last_day},{direct},1\n")
    );
    assert!(
        stderr(&out).contains(&format!("cut_fy12-24ytd.csv.gz both cover {last_day}..{last_day}: each day is read from uwchr_detain_inc_headcount_fy12-24ytd.csv.gz")),
        "{}",
        stderr(&out)
    );

    // --release reads one release: the cut copy alone gives its own (partial) last day.
    let out = population(
        &store,
        &[
            "--by",
            "date",
            "--from",
            &last_day,
            "--to",
            &last_day,
            "--format",
            "csv",
            "--suppress-below",
            "0",
            "--release",
            "cut_fy12-24ytd.csv.gz",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let cut_sum: u64 = cut
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(&format!("|{last_day}")))
        .map(|l| l.split('|').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(cut_sum < direct);
    assert_eq!(
        stdout(&out),
        format!("date,people,days\n{last_day},{cut_sum},1\n")
    );
    let out = population(&store, &["--release", "nosuch.csv"]);
    assert!(
        stderr(&out).contains("--release \"nosuch.csv\" names no release"),
        "{}",
        stderr(&out)
    );

    // fy=2020 and fy=FY2020 are the same filter; a value that can never match is an error.
    let one = |w: &str| {
        let out = population(&store, &["--by", "aor", "--where", w, "--format", "csv"]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(one("fy=2020"), one("fy=FY2020"));
    assert!(one("fy=2020").contains("CHI,"));
    for (bad, says) in [
        (
            "week=2020-03-03",
            "is a Tuesday: weeks are named by their Monday, so this week is 2020-03-02",
        ),
        ("aor=XYZ", "--where aor=\"XYZ\" can never match"),
        ("month=2020-3", "expected a month as YYYY-MM"),
    ] {
        let out = population(&store, &["--where", bad]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(says), "{bad}: {}", stderr(&out));
    }
    let out = population(
        &store,
        &[
            "--by",
            "facility",
            "--where",
            "facility=CSCNWWA,NOSUCHX",
            "--from",
            "2020-03-16",
            "--to",
            "2020-03-16",
        ],
    );
    assert!(
        stdout(&out).contains(
            "NOTE: --where facility=NOSUCHX: no facility of the detention-headcount is in it"
        ),
        "{}",
        stdout(&out)
    );

    // A file whose rows all precede the period its name states covers what its rows give.
    let tiny: String = text.lines().take(1_001).map(|l| format!("{l}\n")).collect();
    let tiny_path = dir.path().join("tiny_fy12-24ytd.csv");
    std::fs::write(&tiny_path, tiny).unwrap();
    let other = dir.path().join("store-tiny");
    let out = ingest(&other, &[&tiny_path]);
    assert!(
        stdout(&out).contains("the stated period starts 2011-10-01, after the last row's date"),
        "{}",
        stdout(&out)
    );
    assert!(population(&other, &["--by", "fy"]).status.success());
    // Facility lists are not partitioned by a fiscal year they do not have.
    let manifest = std::fs::read_to_string(store.join("manifest.json")).unwrap();
    assert!(manifest.contains("detention-facilities/release="));
    assert!(!manifest.contains("detention-facilities/release=a7c8c9ed00af90e6/fy="));
}

#[test]
fn asked_for_arrests_by_name_the_operation_refuses_rather_than_fall_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[uwchr_facilities_file()]);
    let out = tally(&[
        "operation",
        "run",
        "bortac-2020",
        "--store",
        path_str(&store),
        "--outcome",
        "count",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains("no arrests records for CHI"),
        "{}",
        stderr(&out)
    );
    // The report's first words after the title are the detention warning.
    let report = dir.path().join("report");
    let out = tally(&[
        "operation",
        "run",
        "bortac-2020",
        "--store",
        path_str(&store),
        "--report",
        path_str(&report),
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    let first = text.find("READ FIRST: MEASURED INSTEAD").unwrap();
    assert!(first < text.find("Average daily detained population").unwrap());
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    let read_first = html
        .find("<strong>Read first.</strong> DETENTION DATA, NOT ARRESTS")
        .unwrap();
    assert!(read_first < html.find("<h2>Estimate</h2>").unwrap());
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(
        md.find("> **Read first.** MEASURED INSTEAD").unwrap() < md.find("## Estimate").unwrap()
    );
}

#[test]
fn the_november_2017_workbook_is_read_sheet_by_sheet_and_redacted_codes_place_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let list = detention().join("ice_Facility_List_11-06-2017-web_raw.xlsx");
    let out = ingest(&store, &[&list]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "sheet \"Facility List - Main\": detention-facilities table, header on row 9"
        ),
        "{text}"
    );
    assert!(
        text.contains("rows read 1,685 = kept 1,685 + rejected 0"),
        "{text}"
    );
    // The legend sheet names no code: kept as notes, not an error.
    assert!(
        !text.contains("sheet \"Facility Type\": detention-facilities"),
        "{text}"
    );
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(
        status.contains(
            "414 list rows give their code as REDACTED (withheld): they place no facility"
        ),
        "{status}"
    );
    let out = tally(&[
        "count",
        "detention-facilities",
        "--store",
        path_str(&store),
        "--from",
        "2020-01-01",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is a reference table (a list, not events): it has no dates"));
}

/// The UWCHR headcount has no AOR field: its coverage is the table's as a whole (the file
/// states FY2012 to 2024-01-04). Months after it ends are "not covered", never absent or
/// zero, the month it ends in is partly covered, and the note names the days.
#[test]
fn headcount_counts_past_the_files_last_day_are_not_covered() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[]);
    let asked = [
        "--by",
        "month",
        "--from",
        "2023-12-01",
        "--to",
        "2024-03-31",
    ];
    let csv = count_csv(
        &store,
        "detention-headcount",
        &[&asked[..], &["--suppress-below", "0"]].concat(),
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "month,count,coverage", "{csv}");
    assert!(
        lines[1].starts_with("2023-12,") && lines[1].ends_with(','),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("2024-01,") && lines[2].ends_with(",partly: 4 of 31 days"),
        "{csv}"
    );
    assert_eq!(
        &lines[3..],
        [
            "2024-02,not covered,not covered",
            "2024-03,not covered,not covered"
        ],
        "{csv}"
    );
    let out = tally(
        &[
            &["count", "detention-headcount", "--store", path_str(&store)],
            &asked[..],
        ]
        .concat(),
    );
    assert!(out.status.success());
    // Rows dated before the file's stated first day (people booked in before FY2012 and
    // still held) count, but their months are not claimed: said so, without an AOR.
    let before = count_csv(
        &store,
        "detention-headcount",
        &[
            "--by",
            "month",
            "--from",
            "2011-08-01",
            "--to",
            "2011-10-31",
            "--suppress-below",
            "0",
        ],
    );
    let lines: Vec<&str> = before.lines().collect();
    for month in ["2011-08", "2011-09"] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{month},"))
                && l.ends_with(",not covered: rows of a release that does not claim these days (outside its stated period; see tally status)")),
            "{before}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2011-10,") && l.ends_with(',')),
        "{before}"
    );
    // A week straddling the first stated day is partly covered; its count holds the rows
    // of the days before (they are in the file), and the note says so rather than claim
    // it counts only the covered days.
    let week = stdout(&tally(&[
        "count",
        "detention-headcount",
        "--store",
        path_str(&store),
        "--by",
        "week",
        "--from",
        "2011-09-26",
        "--to",
        "2011-10-02",
    ]));
    assert!(week.contains("partly: 2 of 7 days"), "{week}");
    assert!(
        week.contains("note: 1 cell(s) are only partly covered by the ingested releases: 2011-09-26; the days no release covers are missing from their counts, not zero (rows dated on those days, outside a release's stated period, still count)"),
        "{week}"
    );
    // The table prints its notes after it.
    let text = stdout(&out);
    assert!(
        text.contains("no ingested detention-headcount release covers 2024-01-05..2024-03-31 (87 days): counts there are missing, not zero"),
        "{text}"
    );
}

/// A fiscal year the headcount covers in part is said to be partly covered, and one
/// `--from` cuts is said to average only its days asked; the rows read are those of the
/// days asked (a month filter included), and the JSON names the figure as the text does.
#[test]
fn cut_and_partly_covered_periods_are_said_and_rows_read_follow_the_days_asked() {
    let dir = tempfile::tempdir().unwrap();
    let store = headcount_store(dir.path(), &[uwchr_facilities_file()]);
    // The headcount ends on 2024-01-04: 96 of FY2024's 366 days.
    let by_fy = stdout(&population(&store, &["--by", "fy"]));
    assert!(
        by_fy.contains("PARTLY COVERED: FY2024: 96 of 366 days covered; its figure averages the covered days only"),
        "{by_fy}"
    );
    let from = stdout(&population(&store, &["--by", "fy", "--from", "2023-01-01"]));
    assert!(
        from.contains("NOTE: FY2023 averages only the 273 of its 365 days inside the days asked (2023-01-01..2024-01-04: --from or --to falls inside it)"),
        "{from}"
    );
    // Rows of March 2020, counted here from the file.
    let march_rows = gunzip(&headcount_file())
        .lines()
        .skip(1)
        .filter(|l| {
            l.split('|')
                .nth(2)
                .is_some_and(|d| d.starts_with("2020-03-"))
        })
        .count() as u64;
    assert!(march_rows > 5_000, "{march_rows}");
    let march = population(&store, &["--by", "facility", "--where", "month=2020-03"]);
    let text = stdout(&march);
    assert!(
        text.contains(&format!(
            ": {} facility-days read (every facility's, on the days asked), covering 2011-10-01..2024-01-04",
            thousands(march_rows)
        )),
        "{text}"
    );
    assert!(text.starts_with(
        "Detained population by facility: average daily population (person-days / covered days)"
    ));
    let json = population(
        &store,
        &[
            "--by",
            "facility",
            "--where",
            "month=2020-03",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        json["measure"],
        "average daily population (person-days / covered days)"
    );
    let by_date = population(
        &store,
        &[
            "--by",
            "date",
            "--where",
            "month=2020-03",
            "--format",
            "json",
        ],
    );
    let by_date: serde_json::Value = serde_json::from_slice(&by_date.stdout).unwrap();
    assert_eq!(by_date["measure"], "people detained (daily count)");
}
