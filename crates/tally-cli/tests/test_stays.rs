//! Stays from synthetic stints in the 2025 raw layout with planted cases, and populations
//! from stints, each checked against what the generator planted or a brute-force count.

mod common;

use chrono::{NaiveDate, NaiveDateTime};
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tally_synth::{PlantedStints, StintFormat, StintOptions, StintRelease, write_stint_release};

const AORS: [(&str, &str); 3] = [
    ("Chicago", "CHI"),
    ("Seattle", "SEA"),
    ("New Orleans", "NOL"),
];

fn options() -> StintOptions {
    StintOptions {
        seed: 11,
        aors: AORS.iter().map(|(n, _)| n.to_string()).collect(),
        first: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        last: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
        stays_per_day: 2,
        planted: PlantedStints {
            ongoing: 6,
            overlapping: 5,
            without_person: 4,
            unknown_facility: 3,
            stay_start_disagrees: 7,
            detained_again: 5,
            exact_copies: 8,
        },
    }
}

fn code_of(long: &str) -> &'static str {
    AORS.iter()
        .find(|(n, _)| long.starts_with(n))
        .map(|(_, c)| *c)
        .unwrap()
}

/// A facility list for the synthetic facilities, in UWCHR's 2025 hand-coded layout.
fn facility_list(dir: &Path) -> PathBuf {
    let path = dir.join("synthetic_coded_facilities.csv");
    let mut text = String::from(
        "detention_facility_code,detention_facility,address,state,aor,type,operator,note\n",
    );
    for (name, code) in AORS {
        for (fc, fname) in tally_synth::synthetic_facilities(name) {
            text.push_str(&format!("{fc},{fname},SYNTHETIC,XX,{code},IGSA,,\n"));
        }
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn stints_store(dir: &Path, format: StintFormat) -> (PathBuf, StintRelease) {
    let release = write_stint_release(dir, &options(), format).unwrap();
    let store = dir.join("store");
    let list = facility_list(dir);
    let out = ingest(&store, &[&list, &release.path]);
    assert!(out.status.success(), "{}", stderr(&out));
    (store, release)
}

fn length_of(start: NaiveDateTime, end: Option<NaiveDateTime>) -> &'static str {
    let Some(end) = end else { return "ongoing" };
    let days = (end - start).num_seconds() as f64 / 86_400.0;
    [
        ("under 1 day", 1.0),
        ("1-3 days", 4.0),
        ("4-7 days", 8.0),
        ("8-30 days", 31.0),
        ("31-90 days", 91.0),
        ("91-180 days", 181.0),
        ("181-365 days", 366.0),
    ]
    .iter()
    .find(|(_, below)| days < *below)
    .map_or("over 365 days", |(l, _)| l)
}

fn csv_counts(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .skip(1)
        .map(|l| {
            let (k, v) = l.rsplit_once(',').unwrap();
            (k.to_string(), v.parse::<u64>().unwrap())
        })
        .collect()
}

#[test]
fn stays_from_planted_stints_are_exactly_the_planted_stays() {
    let dir = tempfile::tempdir().unwrap();
    let (store, release) = stints_store(
        dir.path(),
        StintFormat::Workbook {
            rows_per_sheet: 300,
        },
    );
    assert!(
        release.stints.len() > 600,
        "several sheets: {}",
        release.stints.len()
    );
    let count = |args: &[&str]| {
        let mut all = vec![
            "count",
            "detention-stays",
            "--store",
            path_str(&store),
            "--suppress-below",
            "0",
        ];
        all.extend_from_slice(args);
        let out = tally(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    // By AOR.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for s in &release.stays {
        *want.entry(code_of(&s.aor).to_string()).or_default() += 1;
    }
    assert_eq!(
        csv_counts(&count(&["--by", "aor", "--format", "csv"])),
        want
    );
    // By length group and by month of the start.
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for s in &release.stays {
        *want
            .entry(length_of(s.start, s.end).to_string())
            .or_default() += 1;
    }
    assert_eq!(
        csv_counts(&count(&["--by", "length", "--format", "csv"])),
        want
    );
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for s in &release.stays {
        *want.entry(s.start.format("%Y-%m").to_string()).or_default() += 1;
    }
    let got = csv_counts(&count(&["--by", "month", "--format", "csv"]));
    // A stay whose released start is 3 days before the data begins starts in December.
    assert_eq!(got, want);
    // --max-groups (which `tally serve` sets) holds: the months' groups fit in their
    // number and not in one fewer.
    let months = got.len();
    let limited = |max: usize| {
        tally(&[
            "count",
            "detention-stays",
            "--store",
            path_str(&store),
            "--by",
            "month",
            "--format",
            "csv",
            "--suppress-below",
            "0",
            "--max-groups",
            &max.to_string(),
        ])
    };
    let out = limited(months);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(csv_counts(&stdout(&out)), want);
    // 0 would refuse every count, its total alone too: it is no limit to give.
    let out = limited(0);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("\"0\" is not a number of groups of at least 1"),
        "{}",
        stderr(&out)
    );
    let out = limited(months - 1);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!(
            "the count holds more than {} groups (before groups under the small-cell limit are hidden), the most allowed here: group by fewer or coarser dimensions, filter, or narrow the dates",
            months - 1
        )),
        "{}",
        stderr(&out)
    );

    let json: serde_json::Value = serde_json::from_str(&count(&["--format", "json"])).unwrap();
    let n = |pred: &dyn Fn(&tally_synth::SynthStay) -> bool| {
        release.stays.iter().filter(|s| pred(s)).count() as u64
    };
    assert_eq!(json["total"], release.stays.len() as u64);
    assert_eq!(json["ongoing"], n(&|s| s.end.is_none()));
    assert_eq!(json["overlapping"], 5);
    assert_eq!(n(&|s| s.overlapping), 5);
    // The 7 planted, and the later stints of stays without identifiers: each is a stay of
    // its own whose released Stay Book In is its first stint's.
    assert_eq!(json["start_disagrees"], n(&|s| s.start_disagrees));
    assert!(n(&|s| s.start_disagrees) > 7);
    assert_eq!(n(&|s| s.start_disagrees && s.person.is_some()), 7);
    assert_eq!(json["without_person"], n(&|s| s.person.is_none()));
    assert!(json["without_person"].as_u64().unwrap() >= 4);
    assert_eq!(json["exact_copies_merged"], 8);
    assert_eq!(json["stints_read"], release.stints.len() as u64);
    // Every stint is accounted for: merged copies, or in exactly one stay.
    let in_stays: u64 = release.stays.iter().map(|s| s.stints as u64).sum();
    assert_eq!(in_stays + 8, release.stints.len() as u64);
    // People detained again are two stays each, not one.
    let mut per_person: BTreeMap<&str, usize> = BTreeMap::new();
    for s in release.stays.iter().filter_map(|s| s.person.as_deref()) {
        *per_person.entry(s).or_default() += 1;
    }
    assert_eq!(per_person.values().filter(|n| **n == 2).count(), 5);

    // The planted unknown facility codes are unmatched, listed by status, not dropped.
    let out = tally(&["status", "--store", path_str(&store)]);
    let status = stdout(&out);
    let line = status
        .lines()
        .find(|l| l.contains("UNMATCHED FACILITY in detention-stints"))
        .unwrap_or_default();
    assert!(
        line.contains(": 3 codes no list knows")
            && line.contains("SYNUNK01 (<10)")
            && line.contains("SYNUNK03 (<10)"),
        "{status}"
    );
    let day = release
        .stints
        .iter()
        .find(|s| s.facility_code == "SYNUNK01")
        .map(|s| s.book_in.date().succ_opt().unwrap().to_string())
        .unwrap();
    let out = tally(&[
        "population",
        "--store",
        path_str(&store),
        "--by",
        "aor",
        "--from",
        &day,
        "--to",
        &day,
        "--suppress-below",
        "0",
        "--format",
        "csv",
    ]);
    assert!(
        stdout(&out).contains("(unmatched facility),"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("unmatched facility codes counted as (unmatched facility)"),
        "{}",
        stderr(&out)
    );

    let text = count(&["--by", "status"]);
    assert!(text.contains("exact copies merged first"), "{text}");
    assert!(text.contains("Median length of the ended stays"), "{text}");
    // A filter on the first facility's AOR and a date range.
    let want = release
        .stays
        .iter()
        .filter(|s| {
            code_of(&s.aor) == "SEA"
                && s.start.date() >= NaiveDate::from_ymd_opt(2025, 2, 1).unwrap()
        })
        .count();
    let out = count(&[
        "--where",
        "aor=Seattle",
        "--from",
        "2025-02-01",
        "--format",
        "csv",
        "--by",
        "aor",
    ]);
    assert_eq!(out, format!("aor,stays\nSEA,{want}\n"));
}

#[test]
fn a_processed_csv_gives_the_same_stays_and_populations_equal_a_brute_force_count() {
    let dir = tempfile::tempdir().unwrap();
    let (store, release) = stints_store(dir.path(), StintFormat::ProcessedCsv);
    let out = tally(&[
        "count",
        "detention-stays",
        "--store",
        path_str(&store),
        "--format",
        "json",
        "--suppress-below",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["total"], release.stays.len() as u64);

    // Brute force: people (each stint without identifier a person) per AOR of the
    // facility, on some days, at 00:00 and at any time of the day.
    let mut unique: Vec<&tally_synth::SynthStint> = Vec::new();
    for s in &release.stints {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    let aor_of_facility = |code: &str| -> String {
        for (name, aor) in AORS {
            if tally_synth::synthetic_facilities(name)
                .iter()
                .any(|(c, _)| c == code)
            {
                return aor.to_string();
            }
        }
        "(unmatched facility)".to_string()
    };
    let open_end = release
        .extracted
        .date()
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    // A covered day with nobody held at its first midnight is a row of 0, not a gap.
    let out = tally(&[
        "population",
        "--store",
        path_str(&store),
        "--by",
        "date",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-02",
        "--format",
        "csv",
        "--suppress-below",
        "0",
    ]);
    let csv = stdout(&out);
    assert!(
        csv.starts_with("date,people,days\n2025-01-01,0,1\n2025-01-02,"),
        "{csv}"
    );
    for day in ["2025-01-20", "2025-02-14", "2025-03-31"] {
        let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        let (midnight, next) = (
            d.and_hms_opt(0, 0, 0).unwrap(),
            d.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap(),
        );
        for (measure, present) in [
            (
                "midnight",
                Box::new(|i: NaiveDateTime, o: NaiveDateTime| i <= midnight && midnight < o)
                    as Box<dyn Fn(NaiveDateTime, NaiveDateTime) -> bool>,
            ),
            (
                "24h",
                Box::new(|i: NaiveDateTime, o: NaiveDateTime| {
                    i < next && o.max(i + chrono::Duration::seconds(1)) > midnight
                }),
            ),
        ] {
            let mut people: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
            for (k, s) in unique.iter().enumerate() {
                if present(s.book_in, s.book_out.unwrap_or(open_end)) {
                    let who = s.person.clone().unwrap_or_else(|| format!("anonymous {k}"));
                    people
                        .entry(aor_of_facility(&s.facility_code))
                        .or_default()
                        .insert(who);
                }
            }
            let want: BTreeMap<String, u64> = people
                .into_iter()
                .map(|(a, p)| (a, p.len() as u64))
                .collect();
            let out = tally(&[
                "population",
                "--store",
                path_str(&store),
                "--by",
                "aor",
                "--from",
                day,
                "--to",
                day,
                "--measure",
                measure,
                "--format",
                "csv",
                "--suppress-below",
                "0",
            ]);
            assert!(out.status.success(), "{}", stderr(&out));
            let got: BTreeMap<String, u64> = stdout(&out)
                .lines()
                .skip(1)
                .map(|l| {
                    let c: Vec<&str> = l.split(',').collect();
                    (c[0].to_string(), c[1].parse().unwrap())
                })
                .collect();
            assert_eq!(got, want, "{measure} on {day}");
        }
    }
}

/// A filter on a period asks about its periods only: `--where date=2025-02-03` by date is
/// that day's row, not the days beside it at 0 (they hold stays); periods no release
/// covers are not covered, the total too when nothing else is asked; and periods wholly
/// outside the event dates Tally keeps are refused, by `population` as by `count`.
#[test]
fn a_filter_on_periods_lists_those_periods_and_uncovered_ones_are_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = stints_store(dir.path(), StintFormat::ProcessedCsv);
    let stays = |args: &[&str]| -> String {
        let mut all = vec!["count", "detention-stays", "--store", path_str(&store)];
        all.extend_from_slice(args);
        let out = tally(&all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let csv = ["--format", "csv", "--suppress-below", "0"];
    let by_date = csv_counts(&stays(&[&["--by", "date"][..], &csv].concat()));
    let day = by_date.get("2025-02-03").copied().unwrap();
    assert!(
        by_date["2025-02-02"] > 0 && by_date["2025-02-04"] > 0,
        "{by_date:?}"
    );
    let one_day = stays(&[&["--by", "date", "--where", "date=2025-02-03"][..], &csv].concat());
    assert_eq!(one_day, format!("date,stays\n2025-02-03,{day}\n"));
    let json = stays(&[
        "--by",
        "fy",
        "--where",
        "fy=FY2024,FY2026",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["not_covered"], serde_json::json!(["FY2024", "FY2026"]));
    assert_eq!(v["total"], serde_json::json!({"not_covered": true}));
    assert_eq!(v["cells"], serde_json::json!([]));
    for command in ["count", "population"] {
        let mut all = vec![command];
        if command == "count" {
            all.push("detention-stays");
        }
        all.extend([
            "--store",
            path_str(&store),
            "--by",
            "fy",
            "--where",
            "fy=FY2101",
        ]);
        let out = tally(&all);
        assert!(!out.status.success(), "{command}: {}", stdout(&out));
        assert!(
            stderr(&out).contains("--where fy=\"FY2101\" lies outside the event dates Tally keeps (1970-01-01 to 2099-12-31)"),
            "{command}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_key_of_day_and_facility_lists_no_small_stay_group_and_a_filter_that_never_matches_is_refused()
{
    let dir = tempfile::tempdir().unwrap();
    let (store, release) = stints_store(dir.path(), StintFormat::ProcessedCsv);
    let run = |args: &[&str]| {
        let mut all = vec!["count", "detention-stays", "--store", path_str(&store)];
        all.extend_from_slice(args);
        tally(&all)
    };
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    };
    let exact = csv_counts(&stdout(&ok(&[
        "--by",
        "date,facility",
        "--format",
        "csv",
        "--suppress-below",
        "0",
    ])));
    assert_eq!(
        exact.values().sum::<u64>(),
        release.stays.len() as u64,
        "every stay in one day and facility"
    );
    let large: BTreeMap<String, u64> = exact
        .iter()
        .filter(|(_, n)| **n >= 10)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    assert!(
        exact.len() > large.len() + 100,
        "most days and facilities hold a few stays: {} of {}",
        large.len(),
        exact.len()
    );
    // Published: a day and a facility make a small group nearly one person's stay, so
    // only groups of 10 or more are listed, and the note says why.
    let out = ok(&["--by", "date,facility", "--format", "csv"]);
    assert_eq!(csv_counts(&stdout(&out)), large);
    assert!(
        stderr(&out).contains(
            "note: groups of fewer than 10 stays are not listed: a count by date, facility"
        ),
        "{}",
        stderr(&out)
    );
    let text = stdout(&ok(&["--by", "date,facility"]));
    let table: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("total"))
        .collect();
    assert_eq!(table.len() - 3, large.len(), "{text}");
    assert!(!table.iter().any(|l| l.contains("<10")), "{text}");
    assert!(
        text.contains("note: groups of fewer than 10 stays are not listed"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&ok(&["--by", "date,facility", "--format", "json"]))).unwrap();
    assert_eq!(json["cells"].as_array().unwrap().len(), large.len());
    assert_eq!(json["notes"].as_array().unwrap().len(), 1);
    // A filter pins its dimension: one facility by day is as fine, and one facility on
    // one day is a total below 10, printed as a bound.
    let (key, n) = exact.iter().find(|(_, n)| **n < 10).unwrap();
    let (day, facility) = key.split_once(',').unwrap();
    let where_facility = format!("facility={facility}");
    let by_day = csv_counts(&stdout(&ok(&[
        "--by",
        "date",
        "--where",
        &where_facility,
        "--format",
        "csv",
    ])));
    assert!(by_day.values().all(|n| *n >= 10), "{by_day:?}");
    let where_day = format!("date={day}");
    let one = stdout(&ok(&["--where", &where_facility, "--where", &where_day]));
    // Its one cell and its total.
    assert_eq!(
        one.lines().filter(|l| l.trim() == "<10").count(),
        2,
        "{n} stays: {one}"
    );
    // A coarse key lists its small groups as <10.
    let by_facility = stdout(&ok(&["--by", "facility,month", "--format", "csv"]));
    assert!(by_facility.contains(",<10\n"), "{by_facility}");
    // Values that can never match are refused, naming what would; fy=2025 is FY2025.
    for (filter, message) in [
        (
            "aor=ZZZ",
            "--where aor=\"ZZZ\" can never match: expected an AOR code or name: ",
        ),
        (
            "length=forever",
            "--where length=\"forever\" can never match: expected a length group: under 1 day, 1-3 days,",
        ),
        (
            "status=closed",
            "--where status=\"closed\" can never match: expected ended or ongoing",
        ),
        (
            "month=2025-13",
            "--where month=\"2025-13\" can never match: expected a month as YYYY-MM",
        ),
    ] {
        let out = run(&["--where", filter]);
        assert!(!out.status.success(), "{filter}: {}", stdout(&out));
        assert!(stderr(&out).contains(message), "{filter}: {}", stderr(&out));
    }
    // A release that is not in the store, and options stays do not take, are refused;
    // the store's path is not named (a server answers with the same text).
    for (args, message) in [
        (
            &["--where", "release=nosuch.csv"][..],
            "--where release=\"nosuch.csv\" names no release in this store",
        ),
        (
            &["--release", "nosuch.csv"][..],
            "--release \"nosuch.csv\" names no release in this store",
        ),
        (
            &["--per-capita", "total"][..],
            "--per-capita does not apply to detention-stays",
        ),
        (
            &["--policy", "sanctuary"][..],
            "--policy does not apply to detention-stays",
        ),
    ] {
        let out = run(args);
        assert!(!out.status.success(), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains(path_str(&store)),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let sha256 = sha256_hex(&release.path);
    let named = stdout(&ok(&[
        "--by",
        "release",
        "--where",
        &format!("release={}", &sha256[..12]),
        "--format",
        "csv",
        "--suppress-below",
        "0",
    ]));
    assert_eq!(
        named,
        format!(
            "release,stays\n{},{}\n",
            release.path.file_name().unwrap().to_string_lossy(),
            release.stays.len()
        )
    );
    let csv0 = ["--format", "csv", "--suppress-below", "0", "--by", "fy"];
    assert_eq!(
        stdout(&ok(&[&csv0[..], &["--where", "fy=2025"]].concat())),
        stdout(&ok(&[&csv0[..], &["--where", "fy=FY2025"]].concat()))
    );
    assert_eq!(
        stdout(&ok(&[&csv0[..], &["--where", "status=Ended"]].concat())),
        stdout(&ok(&[&csv0[..], &["--where", "status=ended"]].concat()))
    );
    assert!(!stdout(&ok(&[&csv0[..], &["--where", "status=ended"]].concat())).contains(",0\n"));
}

/// A store of `tally synth --table detention-stints --rows ROWS` (about 20 stays a day per
/// synthetic facility at 200,000) and its facility list.
fn synth_stints_store(dir: &Path, rows: &str) -> PathBuf {
    let src = dir.join("src");
    let store = dir.join("store");
    let o = tally(&[
        "synth",
        "--table",
        "detention-stints",
        "--rows",
        rows,
        "--out",
        path_str(&src),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ingest(&store, &[&src]);
    assert!(o.status.success(), "{}", stderr(&o));
    store
}

#[test]
fn under_a_day_and_facility_key_nothing_published_tells_whether_an_unlisted_group_holds_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = synth_stints_store(dir.path(), "200000");
    let run = |args: &[&str]| {
        let mut all = vec!["count", "detention-stays", "--store", path_str(&store)];
        all.extend_from_slice(args);
        let out = tally(&all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        (stdout(&out), stderr(&out))
    };
    let codes: Vec<String> = std::fs::read_to_string(
        dir.path()
            .join("src")
            .join("SYNTHETIC_coded_facilities.csv"),
    )
    .unwrap()
    .lines()
    .skip(1)
    .filter_map(|l| l.split(',').next().map(str::to_string))
    .collect();
    // A day with listed facilities, one facility without stays and one with a few.
    let (day, listed, none, some) = (2..28)
        .find_map(|d| {
            let day = format!("2012-01-{d:02}");
            let exact = csv_counts(
                &run(&[
                    "--by",
                    "facility",
                    "--where",
                    &format!("date={day}"),
                    "--format",
                    "csv",
                    "--suppress-below",
                    "0",
                ])
                .0,
            );
            let listed: Vec<String> = exact
                .iter()
                .filter(|(_, n)| **n >= 10)
                .map(|(f, _)| f.clone())
                .collect();
            let none = codes.iter().find(|c| !exact.contains_key(*c))?.clone();
            let some = exact.iter().find(|(_, n)| **n < 10)?.0.clone();
            (listed.len() >= 3).then_some((day, listed, none, some))
        })
        .expect("a day with listed, empty and small facilities");
    let asked = |unlisted: &str, extra: &[&str]| {
        let facilities = format!("facility={},{unlisted}", listed.join(","));
        let date = format!("date={day}");
        let mut args = vec![
            "--by",
            "date,facility",
            "--where",
            &date,
            "--where",
            &facilities,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    for format in ["table", "csv", "json"] {
        let with_none = asked(&none, &["--format", format]);
        assert_eq!(with_none, asked(&some, &["--format", format]), "{format}");
        if format == "table" {
            assert!(
                with_none
                    .0
                    .lines()
                    .any(|l| l.starts_with("total ") && l.ends_with(" not shown")),
                "{}",
                with_none.0
            );
            assert!(
                with_none.0.contains("Of these stays: not shown ongoing"),
                "{}",
                with_none.0
            );
        }
    }
    // Parts of the selection are not shown beside listed groups: with status=ongoing the
    // ongoing stays were the total, unlisted groups included.
    for unlisted in [&none, &some] {
        let json: serde_json::Value = serde_json::from_str(
            &asked(unlisted, &["--where", "status=ongoing", "--format", "json"]).0,
        )
        .unwrap();
        assert_eq!(
            json["ongoing"],
            serde_json::json!({"not_shown": true}),
            "{json}"
        );
        assert_eq!(
            json["total"],
            serde_json::json!({"not_shown": true}),
            "{json}"
        );
    }
    // A part whose rest is small is not shown either: 21 ongoing of 22 stays would give
    // the one ended stay. (One listed facility that day, alone: no dimension.)
    let facility = format!("facility={}", listed[0]);
    let date = format!("date={day}");
    let exact_status = csv_counts(
        &run(&[
            "--by",
            "status",
            "--where",
            &facility,
            "--where",
            &date,
            "--format",
            "csv",
            "--suppress-below",
            "0",
        ])
        .0,
    );
    let json: serde_json::Value =
        serde_json::from_str(&run(&["--where", &facility, "--where", &date, "--format", "json"]).0)
            .unwrap();
    let (ongoing, ended) = (
        exact_status.get("ongoing").copied().unwrap_or(0),
        exact_status.get("ended").copied().unwrap_or(0),
    );
    let want = if (1..10).contains(&ongoing) {
        serde_json::json!({"below": 10})
    } else if (1..10).contains(&ended) {
        serde_json::json!({"not_shown": true})
    } else {
        serde_json::json!(ongoing)
    };
    assert_eq!(json["ongoing"], want, "{exact_status:?}: {json}");
    // The group limit is held to the groups listed: a refusal would tell whether the
    // one more unlisted group holds stays.
    let limit = listed.len().to_string();
    assert_eq!(
        asked(&none, &["--max-groups", &limit]),
        asked(&some, &["--max-groups", &limit])
    );
}

#[test]
fn a_stint_release_and_its_earlier_cut_count_each_stay_once_and_days_asked_outside_are_not_covered()
{
    let dir = tempfile::tempdir().unwrap();
    let store = synth_stints_store(dir.path(), "20000");
    let stays = |store: &Path, args: &[&str]| {
        let mut all = vec![
            "count",
            "detention-stays",
            "--store",
            path_str(store),
            "--suppress-below",
            "0",
        ];
        all.extend_from_slice(args);
        let out = tally(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let whole = stays(&store, &["--by", "month", "--format", "csv"]);
    // The same release cut at its first 15 days of book-ins, under the same name, first:
    // stays whose released Stay Book In is before any release's first day were counted
    // by both.
    let csv_path = std::fs::read_dir(dir.path().join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("stints"))
        .unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let book_in = header
        .split(',')
        .position(|h| h == "book_in_date_time")
        .unwrap();
    let early: Vec<&str> = lines
        .filter(|l| l.split(',').nth(book_in).is_some_and(|b| b < "2012-01-16"))
        .collect();
    assert!(early.len() > 100, "{}", early.len());
    let cut_dir = dir.path().join("cut");
    std::fs::create_dir_all(&cut_dir).unwrap();
    let cut = cut_dir.join(csv_path.file_name().unwrap());
    std::fs::write(&cut, format!("{header}\n{}\n", early.join("\n"))).unwrap();
    let both = dir.path().join("both");
    let list = dir
        .path()
        .join("src")
        .join("SYNTHETIC_coded_facilities.csv");
    for files in [
        vec![list.as_path(), cut.as_path()],
        vec![csv_path.as_path()],
    ] {
        let out = ingest(&both, &files);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let started_before = whole.lines().nth(1).unwrap();
    assert!(started_before.starts_with("2011-12,"), "{whole}");
    assert_eq!(stays(&both, &["--by", "month", "--format", "csv"]), whole);
    // Days asked that no release covers are missing, whatever the grouping.
    for args in [
        &["--by", "aor", "--where", "fy=FY2030"][..],
        &["--where", "month=2030-01"][..],
        &[
            "--by",
            "status",
            "--from",
            "2030-01-01",
            "--to",
            "2030-02-01",
        ][..],
    ] {
        let text = stays(&store, args);
        assert!(
            text.contains("NOT COVERED: ") && text.contains("not covered\n"),
            "{args:?}: {text}"
        );
        assert!(
            !text
                .lines()
                .any(|l| !l.starts_with("NOT COVERED") && l.trim_end().ends_with(" 0")),
            "{args:?}: {text}"
        );
    }
    // Days asked that a release covers in part count those.
    let text = stays(&store, &["--by", "aor", "--from", "2011-01-01"]);
    assert!(!text.contains("NOT COVERED"), "{text}");
}

/// `GET path` over HTTP/1.0: status and body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_server_draws_stays_as_a_count_and_refuses_what_they_do_not_take() {
    let dir = tempfile::tempdir().unwrap();
    let store = synth_stints_store(dir.path(), "20000");
    let by_aor = csv_counts(&stdout(&tally(&[
        "count",
        "detention-stays",
        "--store",
        path_str(&store),
        "--by",
        "aor",
        "--format",
        "csv",
    ])));
    assert!(by_aor.len() > 20, "{by_aor:?}");
    let server = serve(&store, &[]);
    let (status, page) = http_get(&server.addr, "/count/detention-stays?by=aor");
    assert_eq!(status, 200, "{page}");
    // Every group is a row of the page's table (it read a count's groups, and stays have
    // cells: the table was empty), and no link leads to a map stays do not have.
    for (aor, n) in &by_aor {
        let row = format!(
            "<tr><td>{aor}</td><td class=\"n\">{}</td></tr>",
            thousands(*n)
        );
        assert!(page.contains(&row), "{row}: {page}");
    }
    assert!(page.contains("<th scope=\"col\">stays</th>"), "{page}");
    assert!(page.contains("Stays by aor"), "{page}");
    assert!(
        page.contains(r#"<option value="detention-stays" selected>"#),
        "{page}"
    );
    assert!(!page.contains("/map/detention-stays"), "{page}");
    for (path, parameter) in [
        ("/count/detention-stays.json?by=aor&foo=", "foo"),
        (
            "/count/detention-stays.json?by=aor&per-capita=total",
            "per-capita",
        ),
    ] {
        let (status, body) = http_get(&server.addr, path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(parameter), "{path}: {body}");
        assert!(!body.contains(path_str(&store)), "{path}: {body}");
    }
}
