//! Helpers shared by the integration tests: run the real binary, find the shared data,
//! read a store back.

#![allow(dead_code)]

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type, Int64Type, TimestampMillisecondType};
use arrow_schema::DataType;
use std::path::{Path, PathBuf};
use std::process::Output;
use tally_model::TableKind;
use tally_store::{Store, TableScan};

/// `../shared/data` beside the repository (tests never copy it). Found from the package
/// directory cargo gives the test at run time: a test binary reused from a build cache
/// filled by a checkout elsewhere must still read the data beside this one.
pub fn shared_data() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    package.join("../../../shared/data")
}

pub fn national() -> PathBuf {
    shared_data().join("ice-lesa/national-2019-ICFO-53623")
}

pub fn seattle() -> PathBuf {
    shared_data().join("ice-lesa/seattle-uw-v-dhs")
}

pub fn seattle_workbook() -> PathBuf {
    seattle().join("UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx")
}

/// An integer with thousands separators, as Tally prints counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A count's CSV without the rows of covered days that had no records (`...,0`): tests
/// about parsing look at the rows that hold records.
/// A count's CSV without its coverage column and without the lines of zero or "not
/// covered" (a synthetic release whose banner states more days than its few rows reach
/// prints those days not covered): the rows' own counts.
pub fn covered_counts(csv: &str) -> String {
    without_zeros(&counts_only(csv))
        .lines()
        .filter(|l| !l.ends_with(",not covered"))
        .map(|l| format!("{l}\n"))
        .collect()
}

pub fn without_zeros(csv: &str) -> String {
    csv.lines()
        .filter(|l| !l.ends_with(",0"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A table kind of the embedded catalog, by slug.
pub fn table(slug: &str) -> TableKind {
    TableKind::from_slug(slug).expect("a table of the catalog")
}

/// Runs `tally` with arguments.
pub fn tally(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(args)
        .output()
        .expect("the tally binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A file's SHA-256 in hex, as a store records it.
#[allow(dead_code)]
pub fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(std::fs::read(path).expect("read file"));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id a store gives the release ingested from `path`: its SHA-256's first 16 hex digits.
#[allow(dead_code)]
pub fn release_id(path: &Path) -> String {
    sha256_hex(path)[..16].to_string()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Every file under `dir` with its bytes, to prove a store did not change.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if !p.ends_with(".tally.lock") {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Reads `columns` of `table` for the releases whose file name passes `keep`, as text rows.
pub fn read_rows(
    store: &Path,
    table: TableKind,
    columns: &[&str],
    keep: impl Fn(&str) -> bool,
) -> Vec<Vec<String>> {
    let store = Store::open(store).expect("store opens");
    let releases: Vec<_> = store
        .manifest()
        .releases
        .iter()
        .filter(|r| keep(&r.report.file_name))
        .collect();
    let mut rows = Vec::new();
    TableScan::new(&store, table, columns)
        .for_each(&releases, |_, batch| {
            for i in 0..batch.num_rows() {
                rows.push(
                    (0..batch.num_columns())
                        .map(|c| cell_text(batch.column(c).as_ref(), i))
                        .collect(),
                );
            }
            Ok(())
        })
        .expect("scan");
    rows
}

pub fn cell_text(array: &dyn Array, i: usize) -> String {
    if array.is_null(i) {
        return "NULL".into();
    }
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(i).to_string(),
        DataType::Dictionary(_, _) => {
            let dict = array.as_dictionary::<Int32Type>();
            let key = dict.keys().value(i) as usize;
            dict.values().as_string::<i32>().value(key).to_string()
        }
        DataType::Int64 => array.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Date32 => {
            tally_model::date::from_epoch_days(array.as_primitive::<Date32Type>().value(i))
                .to_string()
        }
        DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, None) => {
            tally_model::date::from_epoch_seconds(
                array.as_primitive::<TimestampMillisecondType>().value(i) / 1_000,
            )
            .to_string()
        }
        other => panic!("unexpected type {other}"),
    }
}

/// `tally ingest --store STORE PATHS...`
pub fn ingest(store: &Path, paths: &[&Path]) -> Output {
    let mut args = vec!["ingest", "--store", path_str(store)];
    args.extend(paths.iter().map(|p| path_str(p)));
    tally(&args)
}

/// `tally count TABLE --store STORE ARGS... --format csv`, asserting success; returns stdout.
pub fn count_csv(store: &Path, table: &str, args: &[&str]) -> String {
    let mut all = vec![
        "count",
        table,
        "--store",
        path_str(store),
        "--format",
        "csv",
    ];
    all.extend_from_slice(args);
    let out = tally(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// A count's CSV without its `coverage` column (present when some cell misses days), for
/// comparing the counts alone with an independent count.
pub fn counts_only(csv: &str) -> String {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let keep = if header.last().map(String::as_str) == Some("coverage") {
        header.len() - 1
    } else {
        header.len()
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header[..keep]).unwrap();
    for r in reader.records() {
        let r = r.unwrap();
        w.write_record(r.iter().take(keep)).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Writes an operation file `NAME.toml` in `dir` with `body` after its name, title and
/// description.
pub fn write_op(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!("name = \"{name}\"\ntitle = \"t\"\ndescription = \"d\"\n{body}"),
    )
    .unwrap();
    path
}

/// `tally operation run OP --store STORE --format json` (and `extra`), which must succeed.
pub fn operation_json(op: &Path, store: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "operation",
        "run",
        path_str(op),
        "--store",
        path_str(store),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = tally(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// The `total` group of an operation's JSON result.
pub fn total_group(result: &serde_json::Value) -> &serde_json::Value {
    result["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "total")
        .unwrap()
}

/// Copies the directory tree `from` to `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Ingests the national arrests FY2016-FY2019 (544,059 rows) into `store`.
pub fn ingest_national_arrests(store: &Path) {
    let files: Vec<PathBuf> = (2016..=2019)
        .map(|fy| national().join(format!("EROArrests_FY{fy}.pipe.csv.gz")))
        .collect();
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let out = ingest(store, &refs);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A running `tally serve`, stopped when dropped; `addr` is `127.0.0.1:PORT`.
pub struct Server {
    child: std::process::Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tally serve --store STORE --bind 127.0.0.1:0 EXTRA...` and waits for the
/// address it prints.
pub fn serve(store: &Path, extra: &[&str]) -> Server {
    serve_with_stderr(store, extra, std::process::Stdio::null())
}

/// [`serve`], with what the server writes on stderr gathered as it comes.
pub fn serve_logged(
    store: &Path,
    extra: &[&str],
) -> (Server, std::sync::Arc<std::sync::Mutex<String>>) {
    use std::io::Read;
    let mut server = serve_with_stderr(store, extra, std::process::Stdio::piped());
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let mut stderr = server.child.stderr.take().unwrap();
    let sink = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (server, log)
}

fn serve_with_stderr(store: &Path, extra: &[&str], stderr: std::process::Stdio) -> Server {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["serve", "--store", path_str(store), "--bind", "127.0.0.1:0"])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .strip_prefix("listening on http://")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, addr }
}
