//! The store is provably complete and consistent: verify catches tampering; a killed
//! ingest leaves the old store or the new one; a full disk or a read-only store gives a
//! clear error and no change; ingests are serialized; readers see whole manifests.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn verify_ok(store: &Path) -> String {
    let out = tally(&["verify", "--store", path_str(store)]);
    assert!(
        out.status.success(),
        "verify failed:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

fn release_count(store: &Path) -> usize {
    tally_store::Store::open_or_empty(store)
        .map(|s| s.manifest().releases.len())
        .unwrap_or(0)
}

#[test]
fn verify_detects_a_changed_file_a_missing_file_and_a_wrong_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(&store, &[&seattle().join("arrests.pipe.csv.gz")])
            .status
            .success()
    );
    assert!(verify_ok(&store).contains("verified: the files match the manifest"));

    let manifest = tally_store::Store::open(&store).unwrap().manifest().clone();
    let file = store.join(&manifest.releases[0].files[0].path);
    let original = std::fs::read(&file).unwrap();
    let mut changed = original.clone();
    let mid = changed.len() / 2;
    changed[mid] ^= 0xFF;
    std::fs::write(&file, &changed).unwrap();
    let out = tally(&["verify", "--store", path_str(&store)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("SHA-256"), "{}", stdout(&out));

    std::fs::remove_file(&file).unwrap();
    let out = tally(&["verify", "--store", path_str(&store)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("cannot read"), "{}", stdout(&out));
    std::fs::write(&file, &original).unwrap();
    verify_ok(&store);

    let manifest_path = store.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(
        &manifest_path,
        text.replacen("\"rows_kept\": 32549", "\"rows_kept\": 32548", 1),
    )
    .unwrap();
    let out = tally(&["verify", "--store", path_str(&store)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("32549 rows in the store, manifest says 32548 kept"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_killed_ingest_leaves_the_old_store_or_the_new_one_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = national();
    let args_for = |store: &Path| {
        vec![
            "ingest".to_string(),
            "--store".into(),
            path_str(store).into(),
            path_str(&folder).into(),
        ]
    };
    let run = |store: &Path| {
        tally(
            &args_for(store)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
    };
    // How long an uninterrupted ingest of the national folder takes here, to spread the kills over it.
    let probe = dir.path().join("probe");
    let start = Instant::now();
    assert!(run(&probe).status.success());
    let full = start.elapsed();

    let kills = 12;
    let mut outcomes = (0, 0);
    for k in 0..kills {
        let store = dir.path().join(format!("store-{k}"));
        // The old state: one release already in the store.
        assert!(
            ingest(&store, &[&seattle().join("arrests.pipe.csv.gz")])
                .status
                .success()
        );
        let before = snapshot(&store.join("manifest.json"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(args_for(&store))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the run with a deterministic jitter, the last ones past its end.
        let at =
            full.mul_f64((k as f64 + 0.37 * ((k * 7) % 5) as f64 / 5.0) / (kills as f64 - 2.0));
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();

        verify_ok(&store);
        match release_count(&store) {
            1 => {
                outcomes.0 += 1;
                assert_eq!(
                    snapshot(&store.join("manifest.json")),
                    before,
                    "kill {k}: manifest changed without the new releases"
                );
            }
            12 => outcomes.1 += 1,
            n => panic!(
                "kill {k} after {at:?}: {n} releases, neither the old store (1) nor the new one (12)"
            ),
        }
        // A re-run completes it, and leftovers of the killed run are gone.
        let out = run(&store);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(release_count(&store), 12);
        let report = verify_ok(&store);
        assert!(!report.contains("leftover"), "{report}");
        let counts = count_csv(
            &store,
            "arrests",
            &["--by", "fy", "--release", "EROArrests_FY2016.pipe.csv.gz"],
        );
        assert_eq!(counts, "fy,count\nFY2016,110104\n");
    }
    assert!(
        outcomes.0 > 0 && outcomes.1 > 0,
        "kills should land both before and after the commit: {outcomes:?}"
    );
}

/// A tmpfs mounted for one test, unmounted on drop (the test runs as root here; CI too).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        if !is_root() {
            eprintln!("SKIPPED: mounting a tmpfs needs root");
            return None;
        }
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size}"),
                "tmpfs",
                path_str(at),
            ])
            .status()
            .unwrap();
        assert!(
            ok.success(),
            "mount tmpfs at {} failed although running as root",
            at.display()
        );
        Some(Tmpfs(at.to_path_buf()))
    }

    fn read_only(&self) {
        let ok = Command::new("mount")
            .args(["-o", "remount,ro", path_str(&self.0)])
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[test]
fn a_full_disk_gives_a_clear_error_and_leaves_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("small"), "1500k") else {
        return;
    };
    let store = fs.0.join("store");
    assert!(
        ingest(&store, &[&seattle().join("expedited-removals.pipe.csv.gz")])
            .status
            .success()
    );
    let before = snapshot(&store);
    let out = ingest(
        &store,
        &[&national().join("EROEncounters_FY2017.pipe.csv.gz")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("No space left on device"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&store), before);
    assert!(!store.join(".staging").exists());
    verify_ok(&store);
}

/// Bytes in use on the file system holding `path` (`df`), to see space come back.
fn used_bytes(path: &Path) -> u64 {
    let out = std::process::Command::new("df")
        .args(["--output=used", "-B1"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_full_disk_at_any_point_of_an_ingest_leaves_no_staging_behind() {
    // Disks of several sizes fill at different points: while the Parquet files are
    // written, while they are verified, while the manifest is replaced. Each time the
    // store is old or new, and the disk is as full as before the ingest.
    let dir = tempfile::tempdir().unwrap();
    let sizes: Vec<String> = (15..=26).map(|k| format!("{}k", k * 100)).collect();
    for (i, size) in sizes.iter().enumerate() {
        let Some(fs) = Tmpfs::mount(&dir.path().join(format!("disk-{i}")), size) else {
            return;
        };
        let store = fs.0.join("store");
        assert!(
            ingest(&store, &[&seattle().join("expedited-removals.pipe.csv.gz")])
                .status
                .success()
        );
        let before = snapshot(&store);
        let used = used_bytes(&fs.0);
        let out = ingest(
            &store,
            &[
                &national().join("ICERemovals_FY2019.pipe.csv.gz"),
                &national().join("EROArrests_FY2018.pipe.csv.gz"),
            ],
        );
        assert!(
            !store.join(".staging").exists(),
            "{size}: staging left behind"
        );
        if out.status.success() {
            assert_eq!(release_count(&store), 3, "{size}");
        } else {
            assert!(
                stderr(&out).contains("No space left on device"),
                "{size}: {}",
                stderr(&out)
            );
            let after = snapshot(&store);
            assert!(
                after == before || release_count(&store) > 1,
                "{size}: the store changed without a commit"
            );
            if after == before {
                assert_eq!(used_bytes(&fs.0), used, "{size}: space not given back");
            }
        }
        verify_ok(&store);
    }
}

#[test]
fn a_read_only_store_gives_a_clear_error_and_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("ro"), "20m") else {
        return;
    };
    let store = fs.0.join("store");
    assert!(
        ingest(&store, &[&seattle().join("expedited-removals.pipe.csv.gz")])
            .status
            .success()
    );
    let before = snapshot(&store);
    fs.read_only();
    let out = ingest(&store, &[&seattle().join("other-removals.pipe.csv.gz")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&store), before);
    verify_ok(&store);
    assert_eq!(
        count_csv(&store, "removals", &["--by", "fy"])
            .lines()
            .count(),
        9
    );
}

#[test]
fn concurrent_ingests_are_serialized_and_readers_see_whole_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    assert!(
        ingest(&store, &[&seattle().join("arrests.pipe.csv.gz")])
            .status
            .success()
    );
    let old = count_csv(&store, "arrests", &["--by", "fy"]);
    let mut writer = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["ingest", "--store", path_str(&store), path_str(&national())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    let second = ingest(&store, &[&seattle().join("bookins.pipe.csv.gz")]);
    let mut readers_seen = std::collections::BTreeSet::new();
    loop {
        let out = tally(&[
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--by",
            "fy",
            "--format",
            "csv",
        ]);
        assert!(
            out.status.success(),
            "a reader failed during ingest: {}",
            stderr(&out)
        );
        readers_seen.insert(stdout(&out));
        let operation = tally(&[
            "operation",
            "run",
            "family-op-2019",
            "--store",
            path_str(&store),
            "--format",
            "json",
        ]);
        // Before the commit the store has no national arrests (a clear coverage error, exit 1);
        // after it, a full result. Never a crash or a partial read.
        assert!(
            matches!(operation.status.code(), Some(0) | Some(1)),
            "{}",
            stderr(&operation)
        );
        if operation.status.code() == Some(1) {
            assert!(
                stderr(&operation).contains("no arrests records for"),
                "{}",
                stderr(&operation)
            );
        }
        let status = tally(&["status", "--store", path_str(&store), "--format", "json"]);
        assert!(
            status.status.success(),
            "status failed during ingest: {}",
            stderr(&status)
        );
        let releases =
            serde_json::from_str::<serde_json::Value>(&stdout(&status)).unwrap()["releases"]
                .as_array()
                .unwrap()
                .len();
        assert!(
            releases == 1 || releases == 12,
            "status saw {releases} releases: neither the old store nor the new one"
        );
        if writer.try_wait().unwrap().is_some() {
            break;
        }
    }
    assert!(writer.wait().unwrap().success());
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("is locked by another ingest; wait for it to finish"),
        "{}",
        stderr(&second)
    );
    let new = count_csv(&store, "arrests", &["--by", "fy"]);
    assert_ne!(old, new);
    for seen in &readers_seen {
        assert!(
            seen == &old || seen == &new,
            "a reader saw a partial store:\n{seen}"
        );
    }
    verify_ok(&store);
}

/// A store holding the national FY2019 arrests under `dir`, and its committed table file.
fn committed_fy2019_arrests(dir: &Path) -> (PathBuf, PathBuf) {
    let store = dir.join("store");
    let out = ingest(&store, &[&national().join("EROArrests_FY2019.pipe.csv.gz")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = std::fs::read_dir(store.join("arrests"))
        .unwrap()
        .map(|e| e.unwrap().path().join("fy=2019/part-0.parquet"))
        .next()
        .unwrap();
    (store, file)
}

/// A byte changed in a committed table file's footer is refused by every read, never
/// counted: the manifest records the footer's SHA-256 (the footer has no CRC, and one
/// listing `aor` among the all-null columns decoded, every arrest then "(unmapped)").
#[test]
fn a_changed_footer_is_refused_where_it_would_have_decoded_as_another_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (store, file) = committed_fy2019_arrests(dir.path());
    let original = std::fs::read(&file).unwrap();
    let run = || {
        tally(&[
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--no-rollups",
            "--by",
            "aor",
            "--format",
            "csv",
            "--suppress-below",
            "0",
        ])
    };
    let expected = stdout(&run());
    assert!(expected.contains("CHI,"), "{expected}");
    // The footer lists the columns null in every row, which are then not read. Naming
    // `aor` there in place of a column really null keeps the footer valid Thrift of the
    // same length: before footers were fingerprinted, every arrest counted as
    // "(unmapped)" and each AOR printed 0.
    let n = original.len();
    let footer_len = u32::from_le_bytes(original[n - 8..n - 4].try_into().unwrap()) as usize;
    let footer_start = n - 8 - footer_len;
    let listed = original
        .windows(18)
        .position(|w| w == b"tally.null_columns")
        .expect("the all-null column list");
    assert!(listed > footer_start);
    let criminality = listed
        + original[listed..]
            .windows(25)
            .position(|w| w == b"apprehension_criminality,")
            .expect("an all-null column listed");
    let mut relisted = original.clone();
    relisted[criminality..criminality + 4].copy_from_slice(b"aor,");
    std::fs::write(&file, &relisted).unwrap();
    let out = run();
    assert!(!out.status.success(), "counted: {}", stdout(&out));
    assert!(
        stderr(&out).contains(
            "part-0.parquet: its footer's bytes do not match the SHA-256 the manifest records: the file is damaged"
        ),
        "{}",
        stderr(&out)
    );
    // `status` reads no rows, but says so, and fails.
    let status = tally(&["status", "--store", path_str(&store)]);
    assert!(!status.status.success());
    assert!(
        stdout(&status).contains("DAMAGED: 1 file(s) changed after their commit"),
        "{}",
        stdout(&status)
    );
    // Any byte of the footer, its length and magic included: refused, never counted.
    for k in 0..30 {
        let at = footer_start + k * (footer_len + 8) / 30;
        let mut damaged = original.clone();
        damaged[at] ^= 0x01;
        std::fs::write(&file, &damaged).unwrap();
        let out = run();
        assert!(
            !out.status.success(),
            "footer byte {at} changed, counted: {}",
            stdout(&out)
        );
        assert!(
            stderr(&out).contains("the file is damaged"),
            "byte {at}: {}",
            stderr(&out)
        );
    }
    std::fs::write(&file, &original).unwrap();
    assert_eq!(stdout(&run()), expected);
    let status = tally(&["status", "--store", path_str(&store)]);
    assert!(status.status.success(), "{}", stdout(&status));
    assert!(!stdout(&status).contains("DAMAGED"));
}

/// A byte changed in a committed table file's pages is refused when a count reads it,
/// never counted: every page is written with its CRC (the national FY2019 arrests, a byte
/// set to 0xFF at 40 places across its pages; before, a change at byte 5,000 moved
/// 543 arrests into "FY-262143" and one at byte 700,000 changed nationalities, silently).
#[test]
fn a_damaged_page_is_refused_by_a_count_never_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (store, file) = committed_fy2019_arrests(dir.path());
    let original = std::fs::read(&file).unwrap();
    // The pages end where the footer starts (its length is in the last 8 bytes).
    let n = original.len();
    let footer = u32::from_le_bytes(original[n - 8..n - 4].try_into().unwrap()) as usize;
    let pages_end = n - 8 - footer;
    let queries: [&[&str]; 2] = [
        &["--by", "fy,aor,criminality"],
        &["--by", "citizenship,gender,method"],
    ];
    let run = |by: &[&str]| {
        let mut args = vec![
            "count",
            "arrests",
            "--store",
            path_str(&store),
            "--no-rollups",
            "--format",
            "csv",
            "--suppress-below",
            "0",
        ];
        args.extend_from_slice(by);
        tally(&args)
    };
    let expected: Vec<String> = queries.iter().map(|q| stdout(&run(q))).collect();
    assert!(expected[0].contains("FY2019,CHI,"), "{}", expected[0]);
    let (mut refused, mut unchanged) = (0, 0);
    for k in 0..40 {
        let at = 4 + k * (pages_end - 4) / 40;
        let mut damaged = original.clone();
        damaged[at] = if damaged[at] == 0xFF { 0 } else { 0xFF };
        std::fs::write(&file, &damaged).unwrap();
        for (q, by) in queries.iter().enumerate() {
            let out = run(by);
            if out.status.success() {
                assert_eq!(
                    stdout(&out),
                    expected[q],
                    "byte {at} changed, {by:?} counted it"
                );
                unchanged += 1;
            } else {
                let err = stderr(&out);
                // A page's data against its CRC, or a page header that no longer decodes.
                assert!(err.contains("the file is damaged"), "byte {at}: {err}");
                refused += 1;
            }
        }
    }
    std::fs::write(&file, &original).unwrap();
    // Most changes fall in columns these counts do not read; some in ones they do.
    assert!(
        refused >= 10 && unchanged >= 10,
        "{refused} refused, {unchanged} unchanged"
    );
    assert_eq!(stdout(&run(queries[0])), expected[0]);
}
