//! `tally operation` on the real national arrests FY2016-FY2019.

mod common;

use common::*;
use std::path::PathBuf;

fn national_arrests_store(dir: &std::path::Path) -> PathBuf {
    let store = dir.join("store");
    ingest_national_arrests(&store);
    store
}

#[test]
fn the_july_2019_operation_runs_end_to_end_and_its_counts_equal_tally_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = national_arrests_store(dir.path());
    let report = dir.path().join("report");
    let out = tally(&[
        "operation",
        "run",
        "family-op-2019",
        "--store",
        path_str(&store),
        "--format",
        "json",
        "--report",
        path_str(&report),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let treated: Vec<String> = r["treated_aors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(treated.join(","), "ATL,BAL,CHI,DEN,HOU,LOS,MIA,NOL,NYC,SFR");
    assert_eq!(r["comparison_aors"].as_array().unwrap().len(), 14);
    // Baselines are named by their fiscal years (July 2016 is in FY2016), never by a
    // calendar year that would misname one starting in October.
    let text = stdout(&tally(&[
        "operation",
        "run",
        "family-op-2019",
        "--store",
        path_str(&store),
    ]));
    assert!(
        text.contains("method group  treated FY2016  treated FY2017  treated FY2018  treated window  treated change  comparison FY2016  comparison FY2017  comparison FY2018  comparison window"),
        "{text}"
    );
    // The treated AORs' shares are suppressed (a method group below 10 would be given
    // back by them): said, beside the comparison AORs' shares, never left out.
    assert!(
        text.contains("At-large share of treated AORs' arrests: FY2016 suppressed or n/a, FY2017 suppressed or n/a, FY2018 suppressed or n/a, window suppressed or n/a\nAt-large share of comparison AORs' arrests: FY2016 suppressed or n/a, FY2017 28%, FY2018 27%, window 20%\n"),
        "{text}"
    );

    // The window counts for treated AORs by method group equal `tally count` with the same filters.
    let where_aor = format!("aor={}", treated.join(","));
    let csv = count_csv(
        &store,
        "arrests",
        &[
            "--by",
            "method-group",
            "--where",
            &where_aor,
            "--from",
            "2019-07-14",
            "--to",
            "2019-07-27",
        ],
    );
    let mut from_count = std::collections::BTreeMap::new();
    for line in csv.lines().skip(1) {
        let (group, n) = line.split_once(',').unwrap();
        from_count.insert(group.to_string(), n.to_string());
    }
    let window = r["periods"].as_array().unwrap().len() - 1;
    let mut total = 0u64;
    for g in r["groups"].as_array().unwrap() {
        let name = g["group"].as_str().unwrap();
        let n = &g["treated"][window];
        if name == "total" {
            // A group is suppressed in this column (border), so the total is published rounded
            // (to a base chosen from the exact groups only), and its percent change is not
            // published.
            let base = n["rounded_to"].as_u64().unwrap();
            total = n["about"].as_u64().unwrap();
            assert_eq!(total % base, 0);
            assert!(g["treated_change_pct"].is_null());
            continue;
        }
        let printed = if n.get("below").is_some() {
            format!("<{}", n["below"])
        } else {
            n.as_u64().unwrap().to_string()
        };
        assert_eq!(
            from_count.get(name).cloned().unwrap_or("0".into()),
            printed,
            "{name}"
        );
    }
    assert_eq!(total, 2700);
    assert_eq!(from_count["custodial"], "2163");
    assert_eq!(from_count["at-large"], "471");

    // An estimate with an interval for the large groups, with the method stated, to 2
    // decimals. None for the total: the border group's counts are suppressed, and the
    // total's full-precision beta (-0.04023926854234501) gave them back (3 in the window,
    // 9 over the treated baselines, 2 in the comparison AORs' FY2016).
    let group = |name: &str| {
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == name)
            .unwrap()
            .clone()
    };
    let total_group = group("total");
    assert!(total_group["estimate"].is_null(), "{total_group}");
    assert_eq!(
        total_group["no_estimate"],
        "not published (a method group's count is <10, which it would give back)"
    );
    let e = &group("at-large")["estimate"];
    assert_eq!(e["rate_ratio"], 0.72);
    assert_eq!(
        (e["ci_low"].as_f64(), e["ci_high"].as_f64()),
        (Some(0.5), Some(1.03))
    );
    assert_eq!(e["beta"], -0.33);
    assert_eq!(e["se"], 0.18);
    assert_eq!(e["dispersion"], 7.0);
    assert!(r["method"].as_str().unwrap().contains("Poisson"));
    assert_eq!(
        r["query"],
        "tally count arrests --by aor,date,method-group --from 2016-05-19 --to 2019-09-21"
    );
    assert_eq!(r["releases"].as_array().unwrap().len(), 4);
    // Days after the last release are "not covered", never zero.
    let weeks = r["weeks"].as_array().unwrap();
    let last = weeks.last().unwrap();
    assert!(
        last["treated"].is_null() && last["uncovered_days"] == 7,
        "{last}"
    );

    // The report: HTML with three inline charts, Markdown with its SVG files, and provenance.
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3);
    assert!(html.contains("tally count arrests --by aor,date,method-group"));
    assert!(html.contains("94bd7703fec8b39a4996600e5dcd4d03be2009879c6f2f26e1417df980a751a1"));
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    for svg in ["weekly.svg", "method-groups.svg", "estimate.svg"] {
        assert!(md.contains(&format!("]({svg})")), "{svg} not referenced");
        let chart = std::fs::read_to_string(report.join(svg)).unwrap();
        assert!(
            chart.starts_with("<svg") && chart.contains("viewBox"),
            "{svg}"
        );
    }
    assert!(
        std::fs::read_to_string(report.join("weekly.svg"))
            .unwrap()
            .contains("% of baseline mean")
    );
}

#[test]
fn the_2020_operation_on_a_store_without_fy2020_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let store = national_arrests_store(dir.path());
    let out = tally(&[
        "operation",
        "run",
        "bortac-2020",
        "--store",
        path_str(&store),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).is_empty(),
        "no numbers may be printed: {}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains(
            "operation bortac-2020: no arrests records for CHI, SFR, LOS, ATL, HOU, BOS, NOL, DET, NEW, NYC on any day of the \
             window 2020-02-01..2020-05-31 (121 days); the store's arrests records cover 2015-10-01..2019-08-31. Ingest a \
             release of ICE ERO arrests covering FY2020 (2019-10-01..2020-09-30)"
        ),
        "{err}"
    );
}

#[test]
fn operation_list_shows_the_shipped_operations_and_bad_files_are_refused() {
    let out = tally(&["operation", "list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    // Names in one column as wide as the longest; a policy's treated AORs said as such.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 9, "{text}");
    assert!(
        lines[0].starts_with("bortac-2020                   CBP BORTAC officers")
            && lines[1].starts_with(
                "                              table arrests, AORs CHI,SFR,LOS,ATL,HOU,BOS,NOL,DET,NEW,NYC, window 2020-02-01..2020-05-31"
            )
            && lines[0].ends_with("(built in: operations/bortac-2020.toml)")
            && lines[2]
                == "                              measures count (average-daily-population where no arrests release covers the design); baselines 2019-02-01..2019-05-31, 2018-02-01..2018-05-31, 2017-02-01..2017-05-31"
            && lines[3].starts_with("family-op-2019                ICE family-unit"),
        "{text}"
    );
    assert_eq!(
        lines[8],
        "                              measures at-large-share; baselines 2017-10-01..2018-08-31, 2016-10-01..2017-08-31, 2015-10-01..2016-08-31",
        "{text}"
    );
    assert_eq!(
        lines[7],
        "                              table arrests, AORs where at least 33% of counties are under the sanctuary policy on 2017-01-01 (chosen from the store), window 2018-10-01..2019-08-31",
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\ntitle = \"t\"\ndescription = \"d\"\naors = [\"CHI\"]\nwindow = { first = \"2019-01-31\", last = \"2019-01-01\" }\n").unwrap();
    let store = dir.path().join("store");
    let out = tally(&[
        "operation",
        "run",
        path_str(&bad),
        "--store",
        path_str(&store),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.toml: window 2019-01-31 .. 2019-01-01 ends before it starts"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn days_without_data_are_left_out_never_counted_as_zero() {
    let dir = tempfile::tempdir().unwrap();
    let store = national_arrests_store(dir.path());
    // Most of this window lies after the last release: only its covered days count (the
    // release states 10/1/2018 - 8/31/2019; its 4 rows dated 9/1 do not extend that).
    let partial = write_op(
        dir.path(),
        "partial",
        "aors = [\"ATL\", \"HOU\"]\nwindow = { first = \"2019-08-15\", last = \"2019-09-30\" }\n",
    );
    let out = tally(&[
        "operation",
        "run",
        path_str(&partial),
        "--store",
        path_str(&store),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let window = r["periods"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(window["counted_days"], 17);
    assert_eq!(
        window["counted"],
        serde_json::json!([{ "first": "2019-08-15", "last": "2019-08-31" }])
    );
    let caveats = r["caveats"].to_string();
    assert!(
        caveats.contains("is counted on 17 of its 47 days"),
        "{caveats}"
    );
    // The baselines are counted on the same 17 days of their spans (August 15-31 of each
    // year): against their whole spans, late August would be compared with late August
    // and September.
    let periods = r["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 4);
    for (p, year) in periods.iter().zip([2016, 2017, 2018]) {
        assert_eq!(p["counted_days"], 17, "{p}");
        assert_eq!(
            p["counted"],
            serde_json::json!([{ "first": format!("{year}-08-15"), "last": format!("{year}-08-31") }])
        );
    }
    let at_large_2016 = count_csv(
        &store,
        "arrests",
        &[
            "--where",
            "aor=ATL,HOU",
            "--where",
            "method-group=at-large",
            "--from",
            "2016-08-15",
            "--to",
            "2016-08-31",
        ],
    );
    let at_large = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "at-large")
        .unwrap()["treated"][0]
        .clone();
    assert_eq!(
        at_large.as_u64(),
        Some(at_large_2016.lines().nth(1).unwrap().parse().unwrap()),
        "{at_large_2016}"
    );
    // The window's counts equal `tally count` over the covered days only.
    let csv = count_csv(
        &store,
        "arrests",
        &[
            "--where",
            "aor=ATL,HOU",
            "--from",
            "2019-08-15",
            "--to",
            "2019-08-31",
        ],
    );
    let total = r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "total")
        .unwrap()["treated"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    let expected: u64 = csv.lines().nth(1).unwrap().parse().unwrap();
    // Published exactly, or rounded when a method group is suppressed.
    match total.as_u64() {
        Some(n) => assert_eq!(n, expected),
        None => {
            let base = total["rounded_to"].as_u64().unwrap();
            assert_eq!(
                total["about"].as_u64(),
                Some((expected + base / 2) / base * base),
                "{csv}"
            )
        }
    }

    // A design whose comparison AORs have no baseline records is refused.
    let seattle_store = dir.path().join("seattle-store");
    assert!(
        ingest(
            &seattle_store,
            &[
                &national().join("EROArrests_FY2019.pipe.csv.gz"),
                &seattle_workbook()
            ]
        )
        .status
        .success()
    );
    let sea = write_op(
        dir.path(),
        "sea",
        "aors = [\"SEA\"]\nwindow = { first = \"2019-07-14\", last = \"2019-07-27\" }\n",
    );
    let out = tally(&[
        "operation",
        "run",
        path_str(&sea),
        "--store",
        path_str(&seattle_store),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out)
            .contains("operation sea: no comparison AOR has arrests records in every period"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn nothing_published_reveals_a_suppressed_cell() {
    let dir = tempfile::tempdir().unwrap();
    let store = national_arrests_store(dir.path());
    let out = tally(&[
        "operation",
        "run",
        "family-op-2019",
        "--store",
        path_str(&store),
        "--format",
        "json",
    ]);
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    // Border arrests are suppressed in every period, so no at-large share is published
    // (at-large / share would give the total back), and weekly counts are rounded.
    assert_eq!(
        r["at_large_share"],
        serde_json::json!([null, null, null, null])
    );
    let week0 = &r["weeks"].as_array().unwrap()[8];
    assert_eq!(
        (week0["week"].as_i64(), week0["treated"].as_u64()),
        (Some(0), Some(1390))
    );
    let svg = std::fs::read_to_string({
        let report = dir.path().join("report");
        assert!(
            tally(&[
                "operation",
                "run",
                "family-op-2019",
                "--store",
                path_str(&store),
                "--report",
                path_str(&report)
            ])
            .status
            .success()
        );
        report.join("method-groups.svg")
    })
    .unwrap();
    assert!(
        svg.contains("&lt;10"),
        "suppressed bars must be labelled, not drawn"
    );
}

/// The FY2019 removals release ends on a partial Friday and Saturday (419 and 3 removals
/// where those weekdays usually have 987 and 267): an operation whose window reaches it leaves the day out
/// for every AOR and says so, rather than reading the cut as a drop.
#[test]
fn partial_last_days_are_left_out_of_operations() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(
            &store,
            &[&national().join("ICERemovals_FY2019.pipe.csv.gz")]
        )
        .status
        .success()
    );
    let op = write_op(
        dir.path(),
        "cut",
        "table = \"removals\"\naors = [\"ATL\", \"HOU\"]\nwindow = { first = \"2019-08-18\", last = \"2019-08-31\" }\n[comparison]\nbaselines = [{ first = \"2019-07-21\", last = \"2019-08-03\" }]\n",
    );
    let r = operation_json(&op, &store, &[]);
    let window = r["periods"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(window["counted_days"], 12);
    assert_eq!(
        window["counted"],
        serde_json::json!([{ "first": "2019-08-18", "last": "2019-08-29" }])
    );
    let caveats = r["caveats"].to_string();
    assert!(
        caveats.contains("Partial last days left out of every period, for every AOR")
            && caveats.contains("2019-08-30 (ICERemovals_FY2019.pipe.csv.gz), 2019-08-31 (ICERemovals_FY2019.pipe.csv.gz)"),
        "{caveats}"
    );
}

/// The case: national removals FY2016-FY2019 and the UW v. DHS workbook in one
/// store. An operation on Seattle removals counts each Seattle day from one release (the
/// window and each baseline equal `tally count` of the same days), and says that the two
/// releases disagree on FY2019 Seattle removals (the national file dates a removal by its
/// removal date, the workbook by its departed date), with both figures.
#[test]
fn an_operation_on_overlapping_releases_counts_each_day_once_and_says_where_they_disagree() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut files: Vec<PathBuf> = (2016..=2019)
        .map(|y| national().join(format!("ICERemovals_FY{y}.pipe.csv.gz")))
        .collect();
    files.push(seattle_workbook());
    let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
    assert!(ingest(&store, &paths).status.success());
    let periods = [
        ("2017-02-01", "2017-05-31"),
        ("2018-02-01", "2018-05-31"),
        ("2019-02-01", "2019-05-31"),
    ];
    let op = write_op(
        dir.path(),
        "seattle-removals",
        "table = \"removals\"\naors = [\"SEA\"]\nwindow = { first = \"2019-02-01\", last = \"2019-05-31\" }\n[comparison]\nbaselines = [{ first = \"2017-02-01\", last = \"2017-05-31\" }, { first = \"2018-02-01\", last = \"2018-05-31\" }]\n",
    );
    let r = operation_json(&op, &store, &[]);
    let total = total_group(&r);
    for (i, (from, to)) in periods.iter().enumerate() {
        let csv = count_csv(
            &store,
            "removals",
            &[
                "--by", "aor", "--where", "aor=SEA", "--from", from, "--to", to,
            ],
        );
        let counted: u64 = csv
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(total["treated"][i], counted, "{from}..{to}");
    }
    // 2017 and 2018 come from the workbook (its coverage of Seattle ends later), 2019
    // from the national FY2019 file: the release counted for each day, by the rule.
    let caveats = r["caveats"].to_string();
    assert!(
        caveats.contains("ICERemovals_FY2019.pipe.csv.gz and UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx disagree on removals in SEA 2018-10-01..2019-07-06"),
        "{caveats}"
    );
}

#[test]
fn periods_sharing_no_covered_day_of_their_spans_are_refused_saying_why() {
    // FY2017 missing: the baselines of a window of 2018-09-15..10-15 are covered on
    // different days of their spans (2015's from October 1, 2016's to September 30,
    // 2017's on none), so no day is covered in every period. The refusal said "no day of
    // the baseline 2015-09-15..2015-10-15 is covered" and told the user to ingest it.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for fy in ["2016", "2018", "2019"] {
        let out = ingest(
            &store,
            &[&national().join(format!("EROArrests_FY{fy}.pipe.csv.gz"))],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let op = write_op(
        dir.path(),
        "gap",
        "aors = [\"CHI\"]\nwindow = { first = \"2018-09-15\", last = \"2018-10-15\" }\n[comparison]\ncomparison_aors = [\"NYC\", \"LOS\"]\n",
    );
    let out = tally(&[
        "operation",
        "run",
        path_str(&op),
        "--store",
        path_str(&store),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("operation gap: the periods share no covered day of their spans: the baseline 2015-09-15..2015-10-15 is covered on 15 of its 31 days, but every one of them falls at a place in the span where another period has a day some AOR's releases do not cover"),
        "{}",
        stderr(&out)
    );
}
