//! Daily rollups (`_rollup/`): written at ingest beside each table file, read by `count`
//! in place of the rows when the count needs nothing else, and giving exactly the answer
//! the rows give, on real releases and on overlapping synthetic ones; a rollup changed
//! after its commit is caught, never counted.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use tally_catalog::schema::Rollup;

/// `count ... --format json` with and without `--no-rollups`: both outputs, the second's
/// query line (which names `--no-rollups`) read as the first's.
fn both_ways(store: &Path, table: &str, args: &[&str]) -> (String, String) {
    let run = |extra: &[&str]| {
        let mut all = vec!["count", "--store", path_str(store), table];
        all.extend(args);
        all.extend(["--format", "json"]);
        all.extend(extra);
        let o = tally(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        stdout(&o)
    };
    let rows = run(&["--no-rollups"]);
    let query = |out: &str| -> String {
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        v["query"].as_str().unwrap_or_default().to_string()
    };
    let asked = query(&rows);
    assert!(asked.ends_with(" --no-rollups"), "{asked}");
    let rows = rows.replace(&asked, asked.trim_end_matches(" --no-rollups"));
    (run(&[]), rows)
}

/// Asserts every query gives byte-identical JSON from rollups and from rows.
fn assert_same_both_ways(store: &Path, queries: &[(&str, &[&str])]) {
    for (table, args) in queries {
        let (rollups, rows) = both_ways(store, table, args);
        assert_eq!(rollups, rows, "{table} {args:?}");
    }
}

/// The manifest's files of every release: (path, rows, rollup_of), rollups of `kind` only
/// among the rollups.
fn manifest_files(store: &Path, kind: Rollup) -> Vec<(String, u64, Option<String>)> {
    let m = tally_store::Store::open(store).unwrap().manifest().clone();
    m.releases
        .iter()
        .flat_map(|r| r.files.iter())
        .filter(|f| f.rollup_of.is_none() || f.rollup == kind)
        .map(|f| (f.path.clone(), f.rows, f.rollup_of.clone()))
        .collect()
}

/// `count ... --sql duckdb`: the SQL the count would run, which names the files it reads.
fn sql_of(store: &Path, table: &str, args: &[&str]) -> String {
    let mut all = vec!["count", "--store", path_str(store), table];
    all.extend(args);
    all.extend(["--sql", "duckdb"]);
    let o = tally(&all);
    assert!(o.status.success(), "{all:?}: {}", stderr(&o));
    stdout(&o)
}

/// Queries a rollup answers, and some it must leave to the rows.
const NATIONAL_QUERIES: &[(&str, &[&str])] = &[
    ("arrests", &["--by", "fy,aor"]),
    (
        "arrests",
        &[
            "--by",
            "week,aor",
            "--where",
            "aor=CHI,NYC,LOS,SFR,ATL,HOU,BOS,NOL,DET,NEW",
            "--where",
            "method-group=at-large",
        ],
    ),
    (
        "arrests",
        &[
            "--by",
            "month,method-group",
            "--from",
            "2017-01-01",
            "--to",
            "2018-03-31",
        ],
    ),
    ("arrests", &["--by", "date", "--where", "aor=chi"]),
    (
        "arrests",
        &[
            "--by",
            "aor,method-group,criminality",
            "--suppress-below",
            "0",
        ],
    ),
    ("arrests", &["--by", "release,fy"]),
    ("arrests", &["--by", "fy", "--where", "aor=(unmapped)"]),
    ("arrests", &[]),
    // The rollups by citizenship.
    ("arrests", &["--by", "fy,citizenship"]),
    (
        "arrests",
        &["--by", "citizenship,month", "--suppress-below", "0"],
    ),
    (
        "arrests",
        &[
            "--by",
            "week",
            "--where",
            "citizenship=mexico,Guatemala,(blank)",
            "--from",
            "2018-12-01",
        ],
    ),
    // Not in a rollup: read row by row whatever the flag.
    ("arrests", &["--by", "citizenship,aor"]),
    ("arrests", &["--by", "fy", "--dedup", "exact"]),
    (
        "arrests",
        &["--by", "fy,method-group", "--scheme", "uwchr-2026"],
    ),
];

#[test]
fn national_counts_from_rollups_are_the_counts_from_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest_national_arrests(&store);
    // One rollup per table file, of exactly as many rows as the file holds distinct
    // (event date, AOR, method group): the national files fill no criminality, the AOR
    // name is kept only where no code was found, and their withheld markers concern the
    // birth date and operation, which a rollup drops. DuckDB's
    // COUNT(DISTINCT (event_date, aor, method_group)) per file gives the same numbers.
    let files = manifest_files(&store, Rollup::Daily);
    let rollups: Vec<(String, u64)> = files
        .iter()
        .filter(|(_, _, of)| of.is_some())
        .map(|(p, n, _)| (p.rsplit("fy=").next().unwrap().to_string(), *n))
        .collect();
    let mut rollups = rollups;
    rollups.sort();
    assert_eq!(
        rollups,
        [
            ("2016/part-0.parquet".to_string(), 15_836),
            ("2017/part-0.parquet".to_string(), 16_738),
            ("2018/part-0.parquet".to_string(), 17_320),
            ("2019/part-0.parquet".to_string(), 15_400),
        ]
    );
    // And one by citizenship per file, of as many rows as the file holds distinct (event
    // date, citizenship): no release withholds a citizenship (DuckDB's COUNT(DISTINCT
    // (source_sheet, event_date, citizenship, citizenship markers)) per file agrees).
    let by_citizenship = manifest_files(&store, Rollup::Citizenship);
    let mut rollups: Vec<(String, u64)> = by_citizenship
        .iter()
        .filter(|(_, _, of)| of.is_some())
        .map(|(p, n, _)| (p.split("/release=").nth(1).unwrap()[17..].to_string(), *n))
        .collect();
    rollups.sort();
    assert_eq!(
        rollups,
        [
            (
                "arrests.citizenship/fy=2016/part-0.parquet".to_string(),
                9_750
            ),
            (
                "arrests.citizenship/fy=2017/part-0.parquet".to_string(),
                11_472
            ),
            (
                "arrests.citizenship/fy=2018/part-0.parquet".to_string(),
                12_960
            ),
            (
                "arrests.citizenship/fy=2019/part-0.parquet".to_string(),
                10_655
            ),
        ]
    );
    for files in [&files, &by_citizenship] {
        for (path, _, of) in files {
            if let Some(of) = of {
                assert!(path.starts_with("_rollup/release="), "{path}");
                assert!(files.iter().any(|(p, _, o)| p == of && o.is_none()), "{of}");
            }
        }
    }
    assert_same_both_ways(&store, NATIONAL_QUERIES);
    // Which files a count reads: citizenship alone from its rollups, with the AOR from
    // the rows (neither rollup keeps both), the AOR alone from the daily rollups.
    let sql = sql_of(&store, "arrests", &["--by", "citizenship,month"]);
    assert!(sql.contains("/arrests.citizenship/fy=2019/"), "{sql}");
    let sql = sql_of(&store, "arrests", &["--by", "citizenship,aor"]);
    assert!(!sql.contains("_rollup/"), "{sql}");
    let sql = sql_of(&store, "arrests", &["--by", "fy,aor"]);
    assert!(
        sql.contains("/arrests/fy=2019/")
            && sql.contains("_rollup/")
            && !sql.contains(".citizenship"),
        "{sql}"
    );
    // The real numbers, from the rollups.
    assert_eq!(
        counts_only(&count_csv(&store, "arrests", &["--by", "fy"])),
        "fy,count\nFY2016,110104\nFY2017,143470\nFY2018,158581\nFY2019,131904\n"
    );
    let o = tally(&["verify", "--store", path_str(&store)]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn overlapping_synthetic_releases_count_the_same_from_rollups() {
    let dir = tempfile::tempdir().unwrap();
    let (src, store) = (dir.path().join("src"), dir.path().join("store"));
    let o = tally(&[
        "synth",
        "--table",
        "arrests",
        "--rows",
        "300000",
        "--seed",
        "5",
        "--overlap",
        "--out",
        path_str(&src),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tally(&["ingest", "--store", path_str(&store), path_str(&src)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A re-extraction and a thin extract overlap the full releases: rows shadowed, and
    // the overlaps with both sides' rows, must come out the same from rollups. (Without
    // suppression: where one release's or overlap's rows are small, none is shown.)
    let (json, _) = both_ways(&store, "arrests", &["--by", "fy", "--suppress-below", "0"]);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let shadowed: u64 = parsed["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rows_shadowed"].as_u64().unwrap_or(0))
        .sum();
    assert!(shadowed > 10_000, "{json}");
    assert_same_both_ways(
        &store,
        &[
            ("arrests", &["--by", "fy,aor"]),
            ("arrests", &["--by", "release,aor", "--suppress-below", "0"]),
            (
                "arrests",
                &[
                    "--by",
                    "week",
                    "--where",
                    "aor=CHI,SEA,BOS",
                    "--where",
                    "method-group=at-large",
                ],
            ),
            (
                "arrests",
                &["--by", "month,criminality", "--where", "aor=SEA"],
            ),
            (
                "arrests",
                &["--by", "date", "--from", "2019-03-01", "--to", "2019-04-15"],
            ),
            // Precedence settles overlaps by AOR, which the rollups by citizenship do not
            // keep: read from the rows.
            ("arrests", &["--by", "citizenship,fy"]),
            (
                "arrests",
                &["--by", "month", "--where", "citizenship=MEXICO"],
            ),
        ],
    );
    let sql = sql_of(&store, "arrests", &["--by", "citizenship,fy"]);
    assert!(!sql.contains(".citizenship/"), "{sql}");
    // One release alone overlaps nothing: its rollup by citizenship answers.
    let status = tally(&["status", "--store", path_str(&store), "--format", "json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let status: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    let first = status["releases"][0]["id"].as_str().unwrap().to_string();
    let one: &[&str] = &["--by", "citizenship,fy", "--release", &first];
    let sql = sql_of(&store, "arrests", one);
    assert!(sql.contains(".citizenship/"), "{sql}");
    assert_same_both_ways(&store, &[("arrests", one)]);
}

#[test]
fn modern_workbooks_and_ddp_files_count_the_same_from_rollups() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let ddp = shared_data().join("ddp-processed");
    let out = ingest(&store, &[&seattle_workbook(), &ddp]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_both_ways(
        &store,
        &[
            ("arrests", &["--by", "fy,aor,method-group"]),
            (
                "arrests",
                &["--by", "month,criminality", "--suppress-below", "0"],
            ),
            ("arrests", &["--by", "release"]),
            ("removals", &["--by", "fy,aor"]),
            ("detainers", &["--by", "month,aor"]),
            ("book-ins", &["--by", "fy", "--suppress-below", "0"]),
            // Rules that merge rows read the rows; a rule that merges none here counts
            // as released, from the rollups.
            ("arrests", &["--by", "fy,aor", "--dedup", "exact"]),
            ("arrests", &["--by", "fy", "--dedup", "episode-24h"]),
            ("detainers", &["--by", "fy", "--dedup", "exact"]),
        ],
    );
}

/// Copies `store` to a new directory inside `dir`.
fn copy_store(store: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    copy_dir(store, &to);
    to
}

#[test]
fn a_rollup_changed_after_its_commit_is_caught_never_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest_national_arrests(&store);
    let files = manifest_files(&store, Rollup::Daily);
    let rollup_2019 = files
        .iter()
        .find(|(p, _, of)| of.is_some() && p.contains("fy=2019"))
        .map(|(p, _, _)| p.clone())
        .unwrap();
    let rollup_2018 = files
        .iter()
        .find(|(p, _, of)| of.is_some() && p.contains("fy=2018"))
        .map(|(p, _, _)| p.clone())
        .unwrap();

    // A rollup truncated by a byte: a count that would read it stops, naming it.
    let cut = copy_store(&store, dir.path(), "cut");
    let path = cut.join(&rollup_2019);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let o = tally(&["count", "--store", path_str(&cut), "arrests", "--by", "fy"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&rollup_2019) && stderr(&o).contains("changed after it was committed"),
        "{}",
        stderr(&o)
    );
    // The rows still count, and a count another rollup answers never reads this one.
    assert_eq!(
        counts_only(&count_csv(&cut, "arrests", &["--by", "fy", "--no-rollups"])),
        "fy,count\nFY2016,110104\nFY2017,143470\nFY2018,158581\nFY2019,131904\n"
    );
    assert!(
        count_csv(
            &cut,
            "arrests",
            &["--by", "citizenship", "--where", "fy=2019"]
        )
        .contains("MEXICO")
    );
    let o = tally(&["verify", "--store", path_str(&cut)]);
    assert!(!o.status.success());
    assert!(stdout(&o).contains(&rollup_2019), "{}", stdout(&o));
    // So too for a rollup by citizenship: the count it answers stops, naming it; the
    // count by FY (the daily rollup's) does not read it.
    let by_citizenship = copy_store(&store, dir.path(), "cut-citizenship");
    let citizenship_2019 = manifest_files(&store, Rollup::Citizenship)
        .into_iter()
        .find(|(p, _, of)| of.is_some() && p.contains("fy=2019"))
        .map(|(p, _, _)| p)
        .unwrap();
    let path = by_citizenship.join(&citizenship_2019);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    let o = tally(&[
        "count",
        "--store",
        path_str(&by_citizenship),
        "arrests",
        "--by",
        "citizenship",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains(&citizenship_2019), "{}", stderr(&o));
    assert!(count_csv(&by_citizenship, "arrests", &["--by", "fy"]).contains("FY2019,131904"));
    // The server says the fault is its store's (500), not the request's.
    let server = serve(&cut, &[]);
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /count/arrests.json?by=fy HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 500")
            && answer.contains(r#""parameter":"store""#)
            && answer.contains("changed after it was committed"),
        "{answer}"
    );

    // A rollup edited in place, its size and rows unchanged (two AOR codes swapped in its
    // dictionary): its SHA-256 no longer matches, and the count stops rather than print
    // Chicago's arrests as New York's.
    let edited = copy_store(&store, dir.path(), "edited");
    let path = edited.join(&rollup_2019);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = |b: &[u8], what: &[u8]| b.windows(what.len()).position(|w| w == what).unwrap();
    let (chi, nyc) = (at(&bytes, b"CHI"), at(&bytes, b"NYC"));
    bytes[chi..chi + 3].copy_from_slice(b"NYC");
    bytes[nyc..nyc + 3].copy_from_slice(b"CHI");
    std::fs::write(&path, &bytes).unwrap();
    let o = tally(&[
        "count",
        "--store",
        path_str(&edited),
        "arrests",
        "--by",
        "aor",
    ]);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(&rollup_2019)
            && stderr(&o).contains("has SHA-256")
            && stderr(&o).contains("(the manifest's is "),
        "{}",
        stderr(&o)
    );

    // Another file's rollup put in its place, with the manifest's size and hash made to
    // match: its rows no longer add up to the table file's, and verify says so.
    let swapped = copy_store(&store, dir.path(), "swapped");
    std::fs::copy(swapped.join(&rollup_2018), swapped.join(&rollup_2019)).unwrap();
    let manifest_path = swapped.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let entry_of = |m: &serde_json::Value, path: &str| {
        m["releases"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["files"].as_array().unwrap().iter())
            .find(|f| f["path"] == path)
            .unwrap()
            .clone()
    };
    let donor = entry_of(&manifest, &rollup_2018);
    for r in manifest["releases"].as_array_mut().unwrap() {
        for f in r["files"].as_array_mut().unwrap() {
            if f["path"] == rollup_2019.as_str() {
                for key in ["rows", "bytes", "sha256"] {
                    f[key] = donor[key].clone();
                }
            }
        }
    }
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    // The count reading it stops: 158,581 FY2018 rows are never counted as FY2019's.
    let o = tally(&[
        "count",
        "--store",
        path_str(&swapped),
        "arrests",
        "--by",
        "fy",
    ]);
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("sums 158581 rows where the manifest records 131904"),
        "{}",
        stderr(&o)
    );
    let o = tally(&["verify", "--store", path_str(&swapped)]);
    assert!(!o.status.success());
    assert!(
        stdout(&o).contains("sums 158581 rows, but arrests/release=94bd7703fec8b39a/fy=2019/part-0.parquet holds 131904"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn rollups_kept_decoded_between_reads_are_read_again_once_their_file_changes() {
    use tally_store::{Store, TableScan, TextColumn, cache};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let fy19 = national().join("EROArrests_FY2019.pipe.csv.gz");
    assert!(ingest(&store, &[&fy19]).status.success());
    let rollup = manifest_files(&store, Rollup::Daily)
        .into_iter()
        .find(|(_, _, of)| of.is_some())
        .map(|(p, _, _)| p)
        .unwrap();
    let chicago = count_csv(&store, "arrests", &["--by", "aor", "--where", "aor=CHI"]);
    let chicago: u64 = chicago
        .lines()
        .find_map(|l| l.strip_prefix("CHI,"))
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    // Files changed in the last SETTLED_SECONDS are never kept: wait that out.
    std::thread::sleep(std::time::Duration::from_secs(
        cache::SETTLED_SECONDS as u64 + 1,
    ));
    cache::enable(64 << 20);
    // Chicago's arrests summed from the daily rollups, as a long-running reader would.
    let chicago_from_rollups = || -> Result<u64, String> {
        let opened = Store::open(&store).map_err(|e| e.to_string())?;
        let releases: Vec<_> = opened.manifest().releases.iter().collect();
        let mut n = 0u64;
        TableScan::new(&opened, table("arrests"), &["aor", "rollup_rows"])
            .with_rollups(Some(Rollup::Daily))
            .for_each(&releases, |_, batch| {
                let aor = TextColumn::new(batch.column(0)).unwrap();
                let rows = batch
                    .column(1)
                    .as_any()
                    .downcast_ref::<arrow_array::Int64Array>()
                    .unwrap();
                for i in 0..batch.num_rows() {
                    if aor.get(i) == Some("CHI") {
                        n += rows.value(i) as u64;
                    }
                }
                Ok(())
            })
            .map_err(|e| e.to_string())?;
        Ok(n)
    };
    let before = cache::counters().unwrap();
    assert_eq!(chicago_from_rollups(), Ok(chicago));
    assert_eq!(chicago_from_rollups(), Ok(chicago));
    let after = cache::counters().unwrap();
    // [manifest hits, manifest misses, rollup hits, rollup misses]: read and checked
    // once, then taken from memory.
    assert_eq!(
        [
            after[0] - before[0],
            after[1] - before[1],
            after[2] - before[2],
            after[3] - before[3]
        ],
        [1, 1, 1, 1]
    );

    // Edited in place, size and rows unchanged (Chicago's code swapped with New York's
    // in its dictionary): the copy in memory is not used, the file is read and refused.
    let path = store.join(&rollup);
    let original = std::fs::read(&path).unwrap();
    let mut edited = original.clone();
    let at = |b: &[u8], what: &[u8]| b.windows(what.len()).position(|w| w == what).unwrap();
    let (chi, nyc) = (at(&edited, b"CHI"), at(&edited, b"NYC"));
    edited[chi..chi + 3].copy_from_slice(b"NYC");
    edited[nyc..nyc + 3].copy_from_slice(b"CHI");
    for _ in 0..5 {
        std::fs::write(&path, &edited).unwrap();
        let refused = chicago_from_rollups().unwrap_err();
        assert!(
            refused.contains(&rollup) && refused.contains("changed after it was committed"),
            "{refused}"
        );
        // Put back, it counts as before (read afresh: it changed a moment ago).
        std::fs::write(&path, &original).unwrap();
        assert_eq!(chicago_from_rollups(), Ok(chicago));
    }
    let last = cache::counters().unwrap();
    assert_eq!(
        last[2], after[2],
        "no read after the edits came from memory"
    );
}
