//! `tally serve` end to end in headless Chromium (Debian's `chromium`, driven by
//! `playwright-core` from npm; `.ci/run` installs both and sets
//! `TALLY_BROWSER_TESTS=required`): tests/browser/dashboard.mjs chooses Chicago and
//! FY2019 on the dashboard, checks the chart, the table and the total against the CLI,
//! downloads the CSV and compares it with the CLI's, opens the permalink, the map and an
//! operation page, and saves screenshots under the test's artifact folder.
//!
//! The test installs the npm package itself (`npm ci`) when npm is at hand. Without
//! node, npm or chromium it says what is missing and passes, unless
//! `TALLY_BROWSER_TESTS=required` (set by `.ci/run`), when it fails.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's browser-test folder.
fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

/// What is missing to run the browser, if anything.
fn missing_tools() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "no chromium at {chromium} (apt-get install chromium)"
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node (apt-get install nodejs npm)".into());
    }
    if !browser_dir().join("node_modules/playwright-core").exists() {
        // The test command sets itself up where npm is at hand (the lock file pins the
        // version).
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(browser_dir())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            return Some("no playwright-core (cd tests/browser && npm ci)".into());
        }
    }
    None
}

#[test]
fn the_dashboard_works_in_a_real_browser() {
    if let Some(missing) = missing_tools() {
        let required = std::env::var("TALLY_BROWSER_TESTS").as_deref() == Ok("required");
        assert!(!required, "browser tests are required but {missing}");
        eprintln!("SKIPPED the browser test: {missing}");
        return;
    }
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let store = tmp.join("browser-store");
    let _ = std::fs::remove_dir_all(&store);
    ingest_national_arrests(&store);

    // What the CLI says for the view the browser will choose.
    let view = [
        "count",
        "arrests",
        "--store",
        path_str(&store),
        "--by",
        "month,method-group",
        "--where",
        "aor=CHI",
        "--where",
        "fy=FY2019",
    ];
    let csv = stdout(&tally(&[&view[..], &["--format", "csv"]].concat()));
    let json: serde_json::Value = serde_json::from_str(&stdout(&tally(
        &[&view[..], &["--format", "json"]].concat(),
    )))
    .unwrap();
    let total = tally_model::Figure::from_json(&json["total"])
        .unwrap()
        .text();
    // FY2019's eleven released months by four method groups.
    assert_eq!(json["groups"].as_array().unwrap().len(), 44);
    assert_eq!(total, "about 7,770");
    let op: serde_json::Value = serde_json::from_str(&stdout(&tally(&[
        "operation",
        "run",
        "family-op-2019",
        "--store",
        path_str(&store),
        "--format",
        "json",
    ])))
    .unwrap();
    let expected = serde_json::json!({
        "count_path": "/count/arrests?by=month,method-group&aor=CHI&fy=FY2019",
        "total": total,
        "rows": 44,
        "csv": csv,
        "operation_headline": op["headline"],
    });
    let expected_path = tmp.join("browser-expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();

    let server = serve(&store, &[]);
    let addr = format!("http://{}", server.addr);
    let artifacts = std::env::var("TALLY_BROWSER_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tmp.join("browser-artifacts"));
    let run = Command::new("node")
        .arg(browser_dir().join("dashboard.mjs"))
        .arg(&addr)
        .arg(&expected_path)
        .arg(&artifacts)
        .output()
        .unwrap();
    drop(server);
    eprintln!(
        "{}{}\nscreenshots: {}",
        stdout(&run),
        stderr(&run),
        artifacts.display()
    );
    assert!(run.status.success(), "the browser run failed (see above)");
    for shot in [
        "1-dashboard.png",
        "2-count.png",
        "3-count-phone.png",
        "4-map.png",
        "5-operation.png",
    ] {
        let size = std::fs::metadata(artifacts.join(shot)).unwrap().len();
        assert!(size > 10_000, "{shot}: {size} bytes");
    }
}
