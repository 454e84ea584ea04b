//! `tally count ... --sql duckdb` prints one SQL query that, run by DuckDB over the
//! store's Parquet files, returns exactly Tally's groups and counts (the cells Tally fills
//! in as 0 or "not covered" aside): on the real national store, and on stores whose
//! releases overlap (precedence sets rows aside, a thin extract, a `tally prefer` choice,
//! parts of a table, rows without an AOR, cuts of one DDP workbook).
//!
//! The SQL runs in the Python `duckdb` package (`.ci/run` installs it and sets
//! `TALLY_SQL_TESTS=required`). Without it the tests say SKIPPED and pass, unless
//! `TALLY_SQL_TESTS=required`, when they fail. Spark is not run here (see README).

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A group's count as published: the exact count (None when suppressed) and its text.
type Groups = BTreeMap<Vec<String>, (Option<u64>, String)>;

/// Why the SQL cannot be run here, if it cannot.
fn duckdb_missing() -> Option<String> {
    match Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
    {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "the Python duckdb package is missing ({}); install it with `python3 -m pip install duckdb`",
            String::from_utf8_lossy(&o.stderr)
                .trim()
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Some(format!("python3 cannot be run: {e}")),
    }
}

/// True when the SQL tests can run; false (after saying SKIPPED) when they cannot and are
/// not required.
fn can_run(test: &str) -> bool {
    let Some(missing) = duckdb_missing() else {
        return true;
    };
    let required = std::env::var("TALLY_SQL_TESTS").as_deref() == Ok("required");
    assert!(!required, "SQL tests are required but {missing}");
    eprintln!("SKIPPED {test}: {missing}");
    false
}

/// Runs each SQL text in a fresh DuckDB connection (one Python process for all); every
/// value as text, NULL as None.
fn run_duckdb(queries: &[String]) -> Vec<Vec<Vec<Option<String>>>> {
    const DRIVER: &str = r#"
import json, sys, duckdb
out = []
for q in json.load(sys.stdin):
    rows = duckdb.connect().execute(q).fetchall()
    out.append([[None if v is None else str(v) for v in r] for r in rows])
json.dump(out, sys.stdout)
"#;
    let mut child = Command::new("python3")
        .args(["-c", DRIVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let input = serde_json::to_vec(queries).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "DuckDB failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `tally count TABLE --store STORE ARGS... --sql DIALECT`, which must succeed.
fn sql_of(store: &Path, table: &str, args: &[&str], dialect: &str) -> String {
    let mut all = vec!["count", table, "--store", path_str(store), "--sql", dialect];
    all.extend_from_slice(args);
    let out = tally(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Tally's own groups of a count with exact or suppressed counts: the cells it fills in
/// (0, not covered, discontinued, not yet in use) are left out, as the SQL has no row
/// for them.
fn tally_groups(store: &Path, table: &str, args: &[&str]) -> Groups {
    let mut all = vec![
        "count",
        table,
        "--store",
        path_str(store),
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let out = tally(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let dims: Vec<String> = json["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    let mut groups = Groups::new();
    for g in json["groups"].as_array().unwrap() {
        let key: Vec<String> = dims
            .iter()
            .map(|d| g[d].as_str().unwrap().to_string())
            .collect();
        let count = &g["count"];
        if let Some(n) = count.as_u64() {
            if n > 0 {
                groups.insert(key, (Some(n), n.to_string()));
            }
        } else if let Some(t) = count.get("below").and_then(|t| t.as_u64()) {
            groups.insert(key, (None, format!("<{t}")));
        }
    }
    groups
}

/// The SQL result as groups: dimension columns, then `count` and `published`.
fn sql_groups(rows: &[Vec<Option<String>>]) -> Groups {
    rows.iter()
        .map(|r| {
            let n = r.len();
            let key: Vec<String> = r[..n - 2].iter().map(|v| v.clone().unwrap()).collect();
            let count = r[n - 2].as_ref().map(|c| c.parse::<u64>().unwrap());
            (key, (count, r[n - 1].clone().unwrap()))
        })
        .collect()
}

/// For each query (table, arguments), DuckDB running the printed SQL returns Tally's
/// groups exactly. Returns the SQL results, in order, and each query's SQL.
fn assert_same(store: &Path, queries: &[(&str, Vec<&str>)]) -> Vec<(String, Groups)> {
    let sql: Vec<String> = queries
        .iter()
        .map(|(table, args)| sql_of(store, table, args, "duckdb"))
        .collect();
    let results = run_duckdb(&sql);
    let mut out = Vec::new();
    for (((table, args), text), rows) in queries.iter().zip(&sql).zip(&results) {
        let from_sql = sql_groups(rows);
        let from_tally = tally_groups(store, table, args);
        assert!(
            !from_tally.is_empty(),
            "{table} {args:?}: Tally found no rows"
        );
        if from_sql != from_tally {
            let mut diff = Vec::new();
            for k in from_sql.keys().chain(from_tally.keys()) {
                if from_sql.get(k) != from_tally.get(k) {
                    diff.push(format!(
                        "{k:?}: sql {:?}, tally {:?}",
                        from_sql.get(k),
                        from_tally.get(k)
                    ));
                }
            }
            diff.dedup();
            panic!(
                "{table} {args:?}: DuckDB's {} groups differ from Tally's {}:\n{}\n\nSQL:\n{text}",
                from_sql.len(),
                from_tally.len(),
                diff.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
            );
        }
        out.push((text.clone(), from_sql));
    }
    out
}

fn exact(groups: &Groups, key: &[&str]) -> Option<u64> {
    let key: Vec<String> = key.iter().map(|k| k.to_string()).collect();
    groups.get(&key).and_then(|(n, _)| *n)
}

fn nat(file: &str) -> PathBuf {
    national().join(file)
}

#[test]
fn duckdb_gives_tallys_counts_on_the_national_store() {
    if !can_run("duckdb_gives_tallys_counts_on_the_national_store") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let files: Vec<PathBuf> = (2016..=2019)
        .map(|fy| nat(&format!("EROArrests_FY{fy}.pipe.csv.gz")))
        .chain([nat("ICERemovals_FY2019.pipe.csv.gz")])
        .collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = ingest(&store, &refs);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = snapshot(&store);
    let results = assert_same(
        &store,
        &[
            ("arrests", vec!["--by", "fy,aor"]),
            (
                "arrests",
                vec![
                    "--by",
                    "week,method-group",
                    "--where",
                    "aor=CHI,NYC",
                    "--from",
                    "2019-01-01",
                    "--to",
                    "2019-08-31",
                ],
            ),
            ("arrests", vec!["--by", "citizenship,month"]),
            (
                "arrests",
                vec!["--by", "fy", "--release", "EROArrests_FY2019.pipe.csv.gz"],
            ),
            ("arrests", vec!["--by", "fy", "--suppress-below", "0"]),
            // Withheld operations, blank and unmapped AORs, hours of releases without
            // times, a value holding a comma, a filter in another case.
            ("arrests", vec!["--by", "operation,aor,hour-of-day"]),
            (
                "arrests",
                vec![
                    "--by",
                    "month,gender",
                    "--where-value",
                    "citizenship=CHINA, PEOPLES REPUBLIC OF",
                    "--where",
                    "fy=2018",
                    "--suppress-below",
                    "25",
                ],
            ),
            (
                "arrests",
                vec![
                    "--by",
                    "Release,criminality",
                    "--where",
                    "method-group=AT-LARGE",
                ],
            ),
            ("removals", vec!["--by", "month,aor"]),
            (
                "arrests",
                vec![
                    "--by",
                    "week,method-group",
                    "--where",
                    "aor=CHI",
                    "--no-rollups",
                ],
            ),
            // A day and a nationality: a key so fine that its small groups are not listed,
            // by Tally nor by the SQL.
            (
                "arrests",
                vec![
                    "--by",
                    "date,gender",
                    "--where",
                    "citizenship=MEXICO",
                    "--where",
                    "fy=2018",
                    "--suppress-below",
                    "25",
                ],
            ),
            // Days from August 28 on, the releases ending August 31: four covered days, a
            // range as fine as a day, so neither lists its small AOR-nationality groups
            // (the SQL had judged the open end as the range's, and listed 190 of them).
            (
                "arrests",
                vec![
                    "--by",
                    "aor,citizenship",
                    "--from",
                    "2019-08-28",
                    "--release",
                    "EROArrests_FY2019.pipe.csv.gz",
                ],
            ),
        ],
    );
    let late_august = &results[11].1;
    assert!(
        late_august.len() > 20
            && late_august
                .values()
                .all(|(n, _)| n.is_some_and(|n| n >= 10)),
        "late August lists only groups of 10 rows or more: {late_august:?}"
    );
    // Real numbers: the national arrests per fiscal year, and the FY2019 removals.
    let by_fy = &results[4].1;
    assert_eq!(exact(by_fy, &["FY2016"]), Some(110_104));
    assert_eq!(exact(by_fy, &["FY2017"]), Some(143_470));
    assert_eq!(exact(by_fy, &["FY2018"]), Some(158_581));
    assert_eq!(exact(by_fy, &["FY2019"]), Some(131_904));
    assert_eq!(results[3].1.len(), 1);
    assert_eq!(exact(&results[3].1, &["FY2019"]), Some(131_904));
    let total: u64 = results[0].1.values().filter_map(|(n, _)| *n).sum();
    let hidden = results[0].1.values().filter(|(n, _)| n.is_none()).count() as u64;
    assert!(
        total <= 544_059 && total + 9 * hidden >= 544_059,
        "{total} + {hidden} suppressed"
    );
    // Cells below 10 are NULL with "<10", as Tally publishes them.
    assert!(
        results[0]
            .1
            .values()
            .any(|(n, p)| n.is_none() && p == "<10")
    );
    // The SQL names the exact files of the manifest, by absolute path, and no glob: the
    // daily rollup where the count would read it, summing its rows...
    let sql = &results[3].0;
    let root = std::fs::canonicalize(&store).unwrap();
    assert!(
        sql.contains(&format!(
            "read_parquet('{}/_rollup/release=94bd7703fec8b39a/arrests/fy=2019/part-0.parquet'",
            root.display()
        )),
        "{sql}"
    );
    assert!(sql.contains("SUM(tally_weight)"), "{sql}");
    // ...and the table's files, counting rows, with --no-rollups.
    let rows_sql = &results[10].0;
    assert_eq!(
        rows_sql
            .matches(&format!(
                "read_parquet('{}/arrests/release=",
                root.display()
            ))
            .count(),
        4,
        "{rows_sql}"
    );
    assert!(
        !rows_sql.contains("_rollup") && rows_sql.contains("COUNT(*)"),
        "{rows_sql}"
    );
    assert_eq!(sql.matches("read_parquet(").count(), 1, "{sql}");
    assert!(!sql.contains("*.parquet") && !sql.contains("/*/"), "{sql}");
    // Printing SQL never writes to the store.
    assert_eq!(snapshot(&store), before);

    // Spark's dialect reads the same files as parquet.`path`, without a semicolon.
    let spark = sql_of(&store, "arrests", &["--by", "week,aor"], "spark");
    assert!(
        spark.contains(&format!(
            "FROM parquet.`{}/_rollup/release=",
            root.display()
        )),
        "{spark}"
    );
    assert!(spark.contains("date_sub(event_date, (dayofweek(event_date) + 5) % 7)"));
    assert!(!spark.trim_end().ends_with(';'), "{spark}");
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
        std::fs::File::open(nat("EROArrests_FY2019.pipe.csv.gz")).unwrap(),
    )
    .read_to_string(&mut text)
    .unwrap();
    text.lines().skip(6).map(String::from).collect()
}

#[test]
fn duckdb_gives_tallys_counts_where_releases_overlap() {
    if !can_run("duckdb_gives_tallys_counts_where_releases_overlap") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rows = national_fy2019_rows();
    // A thin extract: every 25th Chicago row under a full-year banner (far thinner: it
    // never supersedes the national file), ingested first so that "ingested first"
    // cannot be what saves the national file.
    let thin: Vec<String> = rows
        .iter()
        .filter(|r| r.starts_with("\"Chicago"))
        .step_by(25)
        .cloned()
        .collect();
    let thin_path = dir.path().join("EROArrests_FY2019_extract.pipe.csv");
    national_layout(&thin_path, "ERO Administrative Arrests for FY2019", &thin);
    // A re-extraction of Chicago and New York (and the rows without an AOR) from January
    // to September 2019, ending later than the national file, with every 7th row missing
    // (so the two disagree and precedence decides), and an apostrophe in a value.
    let mut reextract: Vec<String> = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            i % 7 != 0
                && r.contains("/2019|")
                && (r.starts_with("\"Chicago Area")
                    || r.starts_with("\"New York")
                    || r.starts_with("\"\"|")
                    || r.starts_with('|'))
        })
        .map(|(_, r)| r.clone())
        .collect();
    for r in reextract.iter_mut().step_by(40) {
        let mut cells: Vec<&str> = r.split('|').collect();
        cells[7] = "\"COTE D'IVOIRE\"";
        *r = cells.join("|");
    }
    let re_path = dir
        .path()
        .join("EROArrests_FY2019_CHI_NYC_reextract.pipe.csv");
    national_layout(
        &re_path,
        "ERO Administrative Arrests for FY2019 (1/1/2019 - 9/1/2019)",
        &reextract,
    );
    let store = dir.path().join("store");
    let seattle_files = [
        seattle().join("arrests.pipe.csv.gz"),
        seattle_workbook(),
        seattle().join("expedited-removals.pipe.csv.gz"),
        seattle().join("other-removals.pipe.csv.gz"),
    ];
    let mut files: Vec<PathBuf> = vec![
        thin_path,
        nat("EROArrests_FY2019.pipe.csv.gz"),
        nat("EROArrests_FY2018.pipe.csv.gz"),
        re_path,
    ];
    files.extend(seattle_files);
    // One at a time, in this order: ingest order is part of precedence.
    for f in &files {
        let out = ingest(&store, &[f.as_path()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // New York's March 2019 is chosen from the national file.
    let out = tally(&[
        "prefer",
        "EROArrests_FY2019.pipe.csv.gz",
        "--store",
        path_str(&store),
        "--table",
        "arrests",
        "--aor",
        "NYC",
        "--from",
        "2019-03-01",
        "--to",
        "2019-03-31",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    for decided in [
        "is far thinner",
        "arrests CHI 2019-01-01 .. 2019-08-31: EROArrests_FY2019_CHI_NYC_reextract.pipe.csv counts, EROArrests_FY2019.pipe.csv.gz does not (the one counted has coverage ending later",
        "chosen with `tally prefer`",
        "arrests (no AOR) 2019-01-01 .. 2019-08-31: EROArrests_FY2019_CHI_NYC_reextract.pipe.csv counts",
        "a whole-table release counts over a release of one part",
        "same coverage end; ingested first",
    ] {
        assert!(status.contains(decided), "{decided}\n{status}");
    }
    let results = assert_same(
        &store,
        &[
            ("arrests", vec!["--by", "fy,aor"]),
            (
                "arrests",
                vec!["--by", "release,fy", "--suppress-below", "0"],
            ),
            (
                "arrests",
                vec![
                    "--by",
                    "date,release",
                    "--where",
                    "aor=NYC,CHI",
                    "--from",
                    "2018-12-25",
                    "--to",
                    "2019-04-05",
                ],
            ),
            (
                "arrests",
                vec!["--by", "week,aor", "--where", "aor=SEA,(blank)"],
            ),
            ("arrests", vec!["--by", "aor,method-group,release"]),
            (
                "arrests",
                vec!["--by", "month", "--where", "citizenship=cote d'ivoire"],
            ),
            (
                "arrests",
                vec![
                    "--by",
                    "fy,aor",
                    "--release",
                    "EROArrests_FY2019.pipe.csv.gz",
                    "--release",
                    "EROArrests_FY2019_extract.pipe.csv",
                ],
            ),
            (
                "removals",
                vec!["--by", "fy,release", "--suppress-below", "0"],
            ),
            ("book-ins", vec!["--by", "month,aor"]),
        ],
    );
    // Precedence reached the SQL as days set aside, parts included for removals.
    assert!(
        results[0].0.contains("tally_set_aside AS ("),
        "{}",
        results[0].0
    );
    assert!(results[0].0.contains("'(no AOR)'"));
    assert!(
        results[7].0.contains("'expedited', 'SEA'"),
        "{}",
        results[7].0
    );
    // The releases set aside count nothing: the thin extract and the workbook's arrests
    // (the Seattle dump, ingested first, counts for the same days).
    let by_release: Vec<&String> = results[1].1.keys().map(|k| &k[0]).collect();
    assert!(
        !by_release.iter().any(|r| r.contains("_extract.")),
        "{by_release:?}"
    );
    assert!(
        !by_release.iter().any(|r| r.contains("xlsx")),
        "{by_release:?}"
    );
    let re_counted: u64 = results[1]
        .1
        .iter()
        .filter(|(k, _)| k[0].contains("reextract"))
        .filter_map(|(_, (n, _))| *n)
        .sum();
    assert!(re_counted > 0 && re_counted < reextract.len() as u64);
    // With only the national file and the thin extract, the national file counts.
    let chosen = &results[6].1;
    assert!(
        exact(chosen, &["FY2019", "CHI"]).is_some_and(|n| n > 7_000),
        "{chosen:?}"
    );
}

#[test]
fn duckdb_counts_cuts_of_one_workbook_once() {
    if !can_run("duckdb_counts_cuts_of_one_workbook_once") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Two cuts of DDP's Washington-state arrests that share their middle third: each
    // source record (file_original, sheet_original, row_original) counts once.
    let source = shared_data().join("ddp-processed/arrests_washington-state_2023-09_2025-10.csv");
    let text = std::fs::read_to_string(&source).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let n = body.len();
    let (pa, pb) = (
        dir.path().join("arrests_wa_cut_a.csv"),
        dir.path().join("arrests_wa_cut_b.csv"),
    );
    let write = |path: &Path, rows: &[&str]| {
        std::fs::write(path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    };
    write(&pa, &body[..2 * n / 3]);
    write(&pb, &body[n / 3..]);
    let store = dir.path().join("store");
    // The later cut first: the earlier-ingested release keeps the shared records.
    for f in [&pb, &pa] {
        let out = ingest(&store, &[f.as_path()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let results = assert_same(
        &store,
        &[
            ("arrests", vec!["--suppress-below", "0"]),
            ("arrests", vec!["--by", "month,release"]),
            ("arrests", vec!["--by", "hour-of-day,criminality"]),
            (
                "arrests",
                vec!["--by", "state,method", "--where", "method-group=custodial"],
            ),
            (
                "arrests",
                vec!["--by", "release", "--release", "arrests_wa_cut_a.csv"],
            ),
        ],
    );
    assert!(
        results[0].0.contains("ROW_NUMBER() OVER"),
        "{}",
        results[0].0
    );
    // Every record of the whole file once.
    let records = csv::Reader::from_path(&source).unwrap().records().count() as u64;
    assert_eq!(exact(&results[0].1, &[]), Some(records));
    // Times of day are read where the release gives them.
    assert!(
        results[2].1.keys().any(|k| k[0] == "13"),
        "{:?}",
        results[2].1
    );
}

#[test]
fn what_the_sql_cannot_say_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&nat("EROArrests_FY2019.pipe.csv.gz")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let refused = |table: &str, args: &[&str], option: &str| {
        let mut all = vec![
            "count",
            table,
            "--store",
            path_str(&store),
            "--sql",
            "duckdb",
        ];
        all.extend_from_slice(args);
        let out = tally(&all);
        assert!(!out.status.success(), "{args:?} was not refused");
        let err = stderr(&out);
        assert!(err.contains(option), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}: SQL printed");
    };
    refused("arrests", &["--dedup", "exact"], "--dedup exact");
    refused("arrests", &["--compare-dedup"], "--compare-dedup");
    refused(
        "arrests",
        &["--by", "method-group", "--scheme", "uwchr-2026"],
        "--scheme uwchr-2026",
    );
    refused(
        "arrests",
        &["--by", "method-group", "--compare-schemes"],
        "--compare-schemes",
    );
    refused(
        "arrests",
        &["--by", "aor,fy", "--per-capita", "total"],
        "--per-capita",
    );
    refused("arrests", &["--by", "policy"], "--by policy");
    refused("detention-stays", &[], "detention-stays");
    refused("detainers", &[], "no release selected holds detainers rows");
    // An unknown dialect is refused by the argument parser, naming the two.
    let out = tally(&[
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--sql",
        "oracle",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("duckdb"), "{}", stderr(&out));
    // --help says what --sql covers.
    let help = stdout(&tally(&["count", "--help"]));
    assert!(help.contains("--sql <DIALECT>"), "{help}");
    assert!(help.contains("Not yet writable"), "{help}");
}

#[test]
fn a_record_a_third_release_shadows_in_one_cut_counts_from_the_other() {
    let dir = tempfile::tempdir().unwrap();
    // Cut A holds the first two thirds of DDP's Washington-state arrests, cut B the last
    // two; C (another workbook, by its pointers) holds the middle third and a little more,
    // so its coverage ends after A's and before B's: C shadows A on its days, B shadows C.
    // The shared records' A copies are set aside by C; their B copies must count.
    let source = shared_data().join("ddp-processed/arrests_washington-state_2023-09_2025-10.csv");
    let text = std::fs::read_to_string(&source).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let n = body.len();
    let write = |name: &str, rows: &[&str]| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path
    };
    let a = write("arrests_wa_cut_a.csv", &body[..2 * n / 3]);
    let b = write("arrests_wa_cut_b.csv", &body[n / 3..]);
    let other: Vec<String> = body[n / 3..2 * n / 3 + n / 10]
        .iter()
        .map(|r| {
            r.replace(
                "ERO Admin Arrests_LESA-STU-FINAL Release_raw.xlsx",
                "another workbook.xlsx",
            )
        })
        .collect();
    let other: Vec<&str> = other.iter().map(String::as_str).collect();
    let c = write("arrests_wa_other.csv", &other);
    let store = dir.path().join("store");
    for f in [&a, &b, &c] {
        let out = ingest(&store, &[f.as_path()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let total = tally_groups(&store, "arrests", &["--suppress-below", "0"]);
    // Every record of the source once: A's days before C, B's copies of the middle third
    // (C is shadowed by B there), B alone after.
    let records = csv::Reader::from_path(&source).unwrap().records().count() as u64;
    assert_eq!(exact(&total, &[]), Some(records));
    if can_run("a_record_a_third_release_shadows_in_one_cut_counts_from_the_other") {
        assert_same(
            &store,
            &[
                ("arrests", vec!["--suppress-below", "0"]),
                ("arrests", vec!["--by", "month,release"]),
            ],
        );
    }
}

#[test]
fn releases_of_one_file_name_are_told_apart_by_release_in_counts_and_in_the_sql() {
    // Two extracts published under one file name (Chicago's, then New York's), which
    // cover different AORs: both count, and `--by release` must not add them up as one
    // release. Each is named with its id; the file name still selects both.
    let dir = tempfile::tempdir().unwrap();
    let rows = national_fy2019_rows();
    let of = |aor: &str| -> Vec<String> {
        rows.iter()
            .filter(|r| r.starts_with(aor))
            .take(400)
            .cloned()
            .collect()
    };
    let name = "EROArrests_FY2019_extract.pipe.csv";
    let mut ids = Vec::new();
    let store = dir.path().join("store");
    for (folder, aor) in [("chi", "\"Chicago"), ("nyc", "\"New York")] {
        let path = dir.path().join(folder).join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        national_layout(&path, "ERO Administrative Arrests for FY2019", &of(aor));
        let out = ingest(&store, &[path.as_path()]);
        assert!(out.status.success(), "{}", stderr(&out));
        ids.push(release_id(&path));
    }
    let chicago = format!("{name} (release {})", ids[0]);
    let new_york = format!("{name} (release {})", ids[1]);
    let by_release = tally_groups(&store, "arrests", &["--by", "release"]);
    assert_eq!(by_release.len(), 2, "{by_release:?}");
    assert_eq!(exact(&by_release, &[&chicago]), Some(400));
    assert_eq!(exact(&by_release, &[&new_york]), Some(400));
    // A label as printed selects its release; the shared file name both.
    let one = tally_groups(
        &store,
        "arrests",
        &[
            "--by",
            "release,aor",
            "--where",
            &format!("release={new_york}"),
        ],
    );
    assert_eq!(one.len(), 1, "{one:?}");
    assert_eq!(exact(&one, &[&new_york, "NYC"]), Some(400));
    let both = tally_groups(
        &store,
        "arrests",
        &["--by", "release", "--where", &format!("release={name}")],
    );
    assert_eq!(both, by_release);
    // `status` names them the same way.
    let status = stdout(&tally(&["status", "--store", path_str(&store)]));
    assert!(status.contains(&chicago), "{status}");
    if !can_run("releases_of_one_file_name_are_told_apart_by_release_in_counts_and_in_the_sql") {
        return;
    }
    let release_filter = format!("release={name}");
    let results = assert_same(
        &store,
        &[
            ("arrests", vec!["--by", "release"]),
            (
                "arrests",
                vec!["--by", "release,method", "--where", &release_filter],
            ),
        ],
    );
    assert_eq!(exact(&results[0].1, &[&chicago]), Some(400));
}
