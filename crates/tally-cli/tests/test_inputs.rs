//! Inputs cannot hurt the store: one file named several times, a folder of identical
//! copies, symlinks and symlink loops, the store inside the folder being ingested. Each
//! case runs many times: races do not show in one run.

mod common;

use common::*;
use std::path::Path;

fn small_release() -> std::path::PathBuf {
    seattle().join("expedited-removals.pipe.csv.gz")
}

/// The store holds exactly one release of that file, verifies, and counts its rows once.
fn holds_it_once(store: &Path) {
    let out = tally(&["verify", "--store", path_str(store)]);
    assert!(out.status.success(), "{}", stdout(&out));
    let manifest = tally_store::Store::open(store).unwrap().manifest().clone();
    assert_eq!(manifest.releases.len(), 1);
    assert_eq!(
        count_csv(store, "removals", &["--by", "aor"]),
        "aor,count\nSEA,6529\n"
    );
}

#[test]
fn one_file_named_three_times_is_ingested_once_every_time() {
    for run in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let f = small_release();
        let out = ingest(&store, &[&f, &f, &f]);
        let text = stdout(&out);
        assert!(out.status.success(), "run {run}: {text}{}", stderr(&out));
        assert!(
            text.contains("1 file(s) ingested, 0 already present, 0 failed"),
            "run {run}: {text}"
        );
        assert_eq!(
            text.matches("same content as").count(),
            2,
            "run {run}: {text}"
        );
        holds_it_once(&store);
    }
}

#[test]
fn a_folder_of_forty_identical_copies_is_one_release() {
    for run in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("copies");
        std::fs::create_dir(&folder).unwrap();
        for i in 0..40 {
            std::fs::copy(
                small_release(),
                folder.join(format!("copy-{i:02}.pipe.csv.gz")),
            )
            .unwrap();
        }
        let store = dir.path().join("store");
        let out = ingest(&store, &[&folder]);
        let text = stdout(&out);
        assert!(out.status.success(), "run {run}: {text}{}", stderr(&out));
        assert_eq!(text.matches("same content as").count(), 39, "run {run}");
        // The first name in path order is the one kept.
        let manifest = tally_store::Store::open(&store).unwrap().manifest().clone();
        assert_eq!(manifest.releases[0].report.file_name, "copy-00.pipe.csv.gz");
        holds_it_once(&store);
    }
}

#[test]
fn symlinks_and_symlink_loops_are_read_once() {
    for run in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("releases");
        let inner = folder.join("inner");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::copy(small_release(), inner.join("expedited.pipe.csv.gz")).unwrap();
        // A link to the file, a link to the folder itself (a loop), a link to the parent,
        // and a link to nothing.
        std::os::unix::fs::symlink(
            inner.join("expedited.pipe.csv.gz"),
            folder.join("link.pipe.csv.gz"),
        )
        .unwrap();
        std::os::unix::fs::symlink(&inner, inner.join("loop")).unwrap();
        std::os::unix::fs::symlink(&folder, inner.join("up")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("gone.csv"), folder.join("dangling.csv"))
            .unwrap();
        let store = dir.path().join("store");
        let out = ingest(&store, &[&folder]);
        let text = stdout(&out);
        assert!(out.status.success(), "run {run}: {text}{}", stderr(&out));
        assert!(text.contains("skipped: a link to the folder"), "{text}");
        assert!(
            text.contains("dangling.csv: skipped: a link to nothing"),
            "{text}"
        );
        assert_eq!(text.matches("same content as").count(), 1, "{text}");
        holds_it_once(&store);
    }
}

#[test]
fn the_store_inside_the_folder_being_ingested_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(small_release(), dir.path().join("expedited.pipe.csv.gz")).unwrap();
    let store = dir.path().join("store");
    for run in 0..3 {
        let out = ingest(&store, &[dir.path()]);
        let text = stdout(&out);
        assert!(out.status.success(), "run {run}: {text}{}", stderr(&out));
        if run > 0 {
            assert!(
                text.contains("store: skipped: the store this ingest writes to"),
                "{text}"
            );
            assert!(text.contains("already in the store"), "{text}");
        }
        holds_it_once(&store);
    }
}

#[test]
fn a_licence_or_readme_in_a_folder_is_passed_over_and_named_alone_is_read() {
    // NPR keeps its licence beside its detainer tables; a folder walk passes such text
    // over (saying so) instead of failing the ingest on it.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("release");
    std::fs::create_dir(&folder).unwrap();
    let data = shared_data()
        .join("ddp-processed")
        .join("detainers_st-cloud-declined_2026-02.csv");
    std::fs::copy(
        &data,
        folder.join("detainers_st-cloud-declined_2026-02.csv"),
    )
    .unwrap();
    std::fs::copy(
        shared_data()
            .join("detainers")
            .join("npr_sanctuary-cities_LICENSE.txt"),
        folder.join("npr_sanctuary-cities_LICENSE.txt"),
    )
    .unwrap();
    std::fs::write(folder.join("README.md"), "# About these files\n").unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &[&folder]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    for name in ["README.md", "npr_sanctuary-cities_LICENSE.txt"] {
        assert!(
            text.contains(&format!(
                "{}: skipped: a licence or readme beside the data, not a release (name it alone to read it)",
                folder.join(name).display()
            )),
            "{text}"
        );
    }
    assert!(
        text.contains("1 file(s) ingested, 0 already present, 0 failed"),
        "{text}"
    );
    // Named alone, it is read (and refused as no table), as any file named is.
    let out = ingest(&store, &[&folder.join("npr_sanctuary-cities_LICENSE.txt")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("npr_sanctuary-cities_LICENSE.txt: no recognizable header"),
        "{}",
        stderr(&out)
    );
    // No threads is no ingest.
    let out = tally(&[
        "ingest",
        "--store",
        path_str(&store),
        "--jobs",
        "0",
        path_str(&folder),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("invalid value '0' for '--jobs <N>': an ingest needs at least 1 thread"),
        "{}",
        stderr(&out)
    );
}
