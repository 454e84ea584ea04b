//! `tally demo`: the whole pipeline on an embedded, deterministic SYNTHETIC release.

use super::Format;
use anyhow::Result;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run ingest, status and count on SYNTHETIC releases written in ICE's raw layouts.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally demo\n  tally demo --dir ./demo   # keep the synthetic files and store to explore\n\n\
The data are SYNTHETIC: generated with a fixed seed, they describe no one and no real \
enforcement. They exist so a fresh machine can show the main job with no data at hand."
)]
pub struct Args {
    /// Keep the synthetic release files and the store in this folder (default: a temporary
    /// folder removed afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

const BANNER: &str =
    "==================== SYNTHETIC DEMO DATA: NOT REAL ICE RECORDS ====================";

/// AORs of the national synthetic dump (names as ICE spells them, without the suffix).
pub const DEMO_AORS: [&str; 6] = [
    "Chicago",
    "New York City",
    "Los Angeles",
    "Houston",
    "Atlanta",
    "Seattle",
];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

/// Runs the demo.
///
/// # Errors
/// Failures writing the synthetic files or the store.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            dir.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let releases = dir.join("releases");
    std::fs::create_dir_all(&releases)?;
    let store = dir.join("store");

    writeln!(out, "{BANNER}")?;
    writeln!(
        out,
        "Tally demo: writing two SYNTHETIC releases in ICE's raw layouts to {}",
        releases.display()
    )?;
    let national = tally_synth::arrests(2019, &DEMO_AORS, d(2018, 10, 1), d(2019, 8, 31), 4, None);
    let national_path = releases.join("SYNTHETIC_EROArrests_FY2019.pipe.csv");
    tally_synth::write_national_arrests(
        &national_path,
        "FY2019 (10/1/2018 - 8/31/2019)",
        &national,
    )?;
    writeln!(
        out,
        "  {}: national-style pipe text, {} arrests, 6 AORs",
        national_path.display(),
        national.len()
    )?;
    let seattle = tally_synth::arrests(98, &["Seattle"], d(2018, 1, 1), d(2019, 7, 5), 5, None);
    let workbook_path = releases.join("SYNTHETIC_LESA-STU_Seattle.xlsx");
    let (arrests, book_ins) =
        tally_synth::write_lesa_workbook(&workbook_path, "Seattle", &seattle)?;
    writeln!(
        out,
        "  {}: LESA-STU style workbook (banner rows, Summary, Footnotes), {arrests} arrests, {book_ins} book-ins\n",
        workbook_path.display()
    )?;

    writeln!(
        out,
        "$ tally ingest --store {} {}",
        store.display(),
        releases.display()
    )?;
    let code = super::ingest::run(
        super::ingest::Args {
            store: store.clone(),
            paths: vec![releases.clone()],
            max_decompressed_mib: 4096,
            jobs: Some(1),
        },
        out,
    )?;
    if code != ExitCode::SUCCESS {
        writeln!(out, "{BANNER}")?;
        return Ok(code);
    }

    writeln!(out, "\n$ tally status --store {}", store.display())?;
    super::status::run(
        super::status::Args {
            store: store.clone(),
            format: super::ReportFormat::Table,
            store_shown_as: None,
        },
        out,
    )?;

    let count_args = super::count::Args {
        table: "arrests".into(),
        store: store.clone(),
        by: vec!["fy".into(), "method-group".into()],
        filters: vec!["aor=CHI,NYC".into()],
        where_value: Vec::new(),
        from: Some(d(2018, 10, 1)),
        to: Some(d(2019, 8, 31)),
        release: Vec::new(),
        format: Format::Table,
        suppress_below: 10,
        per_capita: None,
        policy: None,
        crosswalk: None,
        scheme: "default".into(),
        compare_schemes: false,
        dedup: tally_model::dedup::NO_DEDUP.into(),
        compare_dedup: false,
        no_rollups: false,
        max_groups: None,
        sql: None,
    };
    writeln!(
        out,
        "\n$ tally count arrests --store {} --by fy,method-group --where aor=CHI,NYC --from 2018-10-01 --to 2019-08-31",
        store.display()
    )?;
    super::count::run(count_args, out)?;

    let seattle_args = super::count::Args {
        table: "arrests".into(),
        store: store.clone(),
        by: vec!["fy".into(), "release".into()],
        filters: vec!["aor=SEA".into()],
        where_value: Vec::new(),
        from: None,
        to: None,
        release: Vec::new(),
        format: Format::Table,
        suppress_below: 10,
        per_capita: None,
        policy: None,
        crosswalk: None,
        scheme: "default".into(),
        compare_schemes: false,
        dedup: tally_model::dedup::NO_DEDUP.into(),
        compare_dedup: false,
        no_rollups: false,
        max_groups: None,
        sql: None,
    };
    writeln!(
        out,
        "\n$ tally count arrests --store {} --by fy,release --where aor=SEA",
        store.display()
    )?;
    writeln!(
        out,
        "(the two synthetic releases overlap for Seattle; precedence decides which counts each day)"
    )?;
    super::count::run(seattle_args, out)?;
    operation_demo(&dir, out)?;
    writeln!(out, "\n{BANNER}")?;
    Ok(ExitCode::SUCCESS)
}

/// AORs of the synthetic national series for the operation demo: the ten BORTAC AORs and
/// six comparison AORs.
pub const OPERATION_DEMO_AORS: [&str; 16] = [
    "Chicago",
    "San Francisco",
    "Los Angeles",
    "Atlanta",
    "Houston",
    "Boston",
    "New Orleans",
    "Detroit",
    "Newark",
    "New York City",
    "Dallas",
    "Phoenix",
    "San Antonio",
    "Miami",
    "Seattle",
    "Denver",
];

/// The planted effect: at-large arrests in the ten treated AORs during the window.
pub const PLANTED_AT_LARGE_FACTOR: f64 = 1.5;

/// Runs the shipped February-May 2020 operation on synthetic national arrests FY2017-FY2020
/// with a planted effect, in a store of its own.
fn operation_demo(dir: &std::path::Path, out: &mut dyn Write) -> Result<()> {
    let releases = dir.join("operation-releases");
    std::fs::create_dir_all(&releases)?;
    let store = dir.join("operation-store");
    let treated = &OPERATION_DEMO_AORS[..10];
    let window = (d(2020, 2, 1), d(2020, 5, 31));
    writeln!(
        out,
        "\nSYNTHETIC operation demo: national-style arrests FY2017-FY2020 for {} AORs, with at-large arrests \
         multiplied by {PLANTED_AT_LARGE_FACTOR} in the ten treated AORs from {} to {}. The estimate below should \
         recover about {PLANTED_AT_LARGE_FACTOR} for at-large arrests and about 1 for custodial ones.",
        OPERATION_DEMO_AORS.len(),
        window.0,
        window.1
    )?;
    for fy in 2017..=2020 {
        let (first, last) = tally_model::fiscal::fiscal_year_bounds(fy);
        let rows = tally_synth::arrests(
            7_000 + fy as u64,
            &OPERATION_DEMO_AORS,
            first,
            last,
            3,
            Some((treated, window, PLANTED_AT_LARGE_FACTOR)),
        );
        tally_synth::write_national_arrests(
            &releases.join(format!("SYNTHETIC_EROArrests_FY{fy}.pipe.csv")),
            &format!("FY{fy}"),
            &rows,
        )?;
    }
    let code = super::ingest::run(
        super::ingest::Args {
            store: store.clone(),
            paths: vec![releases.clone()],
            max_decompressed_mib: 4096,
            jobs: Some(1),
        },
        &mut std::io::sink(),
    )?;
    if code != ExitCode::SUCCESS {
        anyhow::bail!("the synthetic operation releases did not ingest");
    }
    writeln!(
        out,
        "\n$ tally operation run bortac-2020 --store {}",
        store.display()
    )?;
    super::operation::run_one(
        super::operation::RunArgs {
            operation: "bortac-2020".into(),
            store,
            format: super::operation::OperationFormat::Table,
            report: None,
            dedup: None,
            outcome: None,
        },
        out,
    )?;
    writeln!(
        out,
        "(SYNTHETIC: planted at-large factor {PLANTED_AT_LARGE_FACTOR}; the real COVID-19 confounder in the file does not apply to these synthetic numbers.)"
    )?;
    Ok(())
}
