//! `tally synth`: SYNTHETIC releases at scale, for benchmarks.

use crate::render::thousands;
use anyhow::{Result, bail};
use chrono::{Duration, NaiveDate};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_synth::{
    ArrestFileKind, NationalOptions, PlantedStints, SHEET_DATA_ROWS, StintFormat, StintOptions,
    write_national_arrests_set, write_stint_release, write_workbook_arrests,
};

/// Write a SYNTHETIC release of about N rows (not real data), for benchmarks.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
tally synth --table arrests --rows 10000000 --out ./synthetic --overlap\n  \
tally synth --table arrests --rows 1000000 --layout workbook --out ./synthetic\n  \
tally synth --table detention-stints --rows 10000000 --out ./synthetic\n\n\
arrests: the national release's raw layout (FOIA 2019-ICFO-53623): one gzip'd pipe-delimited \
file per fiscal year back from FY2019 (whose banner states 10/1/2018 - 8/31/2019, as the real \
one does), with the five banner lines, withheld birth dates and operations. Exactly N rows, \
spread over the days by the weekday and month pattern fitted from the real files; one year per \
140,000 rows up to 8 years (FY2012-FY2019), then a higher daily volume (--releases sets the \
years). AOR, method per AOR, citizenship, gender, processing disposition and operation are drawn \
from marginals fitted from the national files (crates/tally-synth/data/arrests_marginals.csv); \
landmarks are invented per AOR. --overlap adds a re-extraction of FY2019 stating the whole year \
(the same records, 1% with a revised disposition, 0.5% more, and September) and a thin extract \
(one row in five of Chicago, Seattle and Boston, 4/1/2018 - 10/31/2018): precedence must set \
aside the first FY2019 extraction and the thin extract, and the report says how many rows that \
is.\n\n\
--layout workbook writes the same arrests (the same draws of the same seed) as one workbook \
in ICE's 2025 raw layout (FOIA 2025-ICLI-00019): six banner rows and the header on each sheet, \
up to 1,048,569 data rows a sheet (--rows-per-sheet), the table continuing on the next sheet \
inside a day; 25 columns, Excel datetimes with a time of day, withheld birth dates and \
operations, an anonymized identifier per row; criminality and the other columns the national \
files lack take invented values. Written row by row (constant memory).\n\n\
detention-stints: DDP's processed CSV layout, with about one in a thousand stays planted as \
ongoing, overlapping, without identifier, detained again or with a disagreeing Stay Book In, \
and exact copies.\n\n\
Every file says SYNTHETIC in its banner or name: the records describe no one.")]
pub struct Args {
    /// Table to write: arrests or detention-stints.
    #[arg(long, value_name = "TABLE")]
    pub table: String,
    /// Rows: exactly, for arrests (the fiscal-year files together); about, for
    /// detention-stints (at least about 24: a stay a day in each of 24 AORs).
    #[arg(long, value_name = "N")]
    pub rows: u64,
    /// Folder to write into (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Generator seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// arrests: fiscal-year releases to write, back from FY2019, 1 to 49 (default: one per
    /// 140,000 rows, at most 8).
    #[arg(long, value_name = "K")]
    pub releases: Option<u32>,
    /// arrests: also write overlapping releases (a re-extraction of FY2019 and a thin
    /// extract of three AORs) whose rows precedence must set aside.
    #[arg(long)]
    pub overlap: bool,
    /// arrests: files written at once (default: the machine's cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// arrests: the raw layout: `national` (gzip'd pipe text, one file per fiscal year) or
    /// `workbook` (ICE's 2025 layout: one .xlsx, banner rows above the header on each
    /// sheet, the table continuing on further sheets).
    #[arg(long, value_enum, default_value_t = Layout::National)]
    pub layout: Layout,
    /// arrests, `--layout workbook`: data rows per sheet, at most 1,048,569 (Excel's
    /// 1,048,576 rows less the banner and header; the default).
    #[arg(long, value_name = "N")]
    pub rows_per_sheet: Option<u64>,
    /// Report format (arrests; detention-stints print text).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The raw layout `synth --table arrests` writes.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The national release's gzip'd pipe text (FOIA 2019-ICFO-53623).
    National,
    /// ICE's 2025 workbook layout (FOIA 2025-ICLI-00019).
    Workbook,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Lines for a person.
    Text,
    /// One JSON object: every file with its rows per FY and AOR, and the planted overlap.
    Json,
}

/// AORs the synthetic stints use.
const AORS: [&str; 24] = [
    "Atlanta",
    "Baltimore",
    "Boston",
    "Buffalo",
    "Chicago",
    "Dallas",
    "Denver",
    "Detroit",
    "El Paso",
    "Houston",
    "Los Angeles",
    "Miami",
    "Newark",
    "New Orleans",
    "New York City",
    "Philadelphia",
    "Phoenix",
    "Salt Lake City",
    "San Antonio",
    "San Diego",
    "San Francisco",
    "Seattle",
    "St. Paul",
    "Washington",
];

/// Runs the command.
///
/// # Errors
/// A table synth does not write, an option of another table, or a failed write.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    match args.table.as_str() {
        "arrests" => return arrests(&args, out),
        "detention-stints" => {}
        other => {
            bail!("tally synth writes arrests and detention-stints; {other} is not generated yet")
        }
    }
    if args.releases.is_some()
        || args.overlap
        || args.layout != Layout::National
        || args.rows_per_sheet.is_some()
    {
        bail!("--releases, --overlap, --layout and --rows-per-sheet apply to --table arrests");
    }
    std::fs::create_dir_all(&args.out)?;
    // 24 AORs x up to 40 stays a day: a smaller N gets fewer stays a day (down to one per
    // AOR) rather than a whole day of them.
    let aors = AORS.len() as u64;
    let per_day = (args.rows / aors).clamp(1, 40);
    let first = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap_or_default();
    let planted = (args.rows / 2_000) as usize;
    let mut options = StintOptions {
        seed: args.seed,
        aors: AORS.iter().map(|a| a.to_string()).collect(),
        first,
        last: first,
        stays_per_day: per_day,
        planted: PlantedStints {
            ongoing: planted,
            overlapping: planted,
            without_person: planted,
            unknown_facility: planted.min(99),
            stay_start_disagrees: planted,
            detained_again: planted,
            exact_copies: planted,
        },
    };
    // Stints a stay has grow with the span (people are moved as days pass: about one a
    // stay over a few days, two over years), so the span is found from a trial: a span
    // of one stint a stay, then scaled by the stints it gave (up to a million rows; past
    // that, two stints a stay).
    let one_each = (args.rows / (aors * per_day)).max(1) as i64;
    let days = if args.rows <= 1_000_000 {
        options.last = first + Duration::days(one_each - 1);
        let trial = tally_synth::generate_stints(&options).0.len().max(1) as f64;
        ((one_each as f64 * args.rows as f64 / trial).round() as i64).max(1)
    } else {
        (one_each / 2).max(1)
    };
    options.last = first + Duration::days(days - 1);
    let release = write_stint_release(&args.out, &options, StintFormat::ProcessedCsv)?;
    // The facilities the stints name, in UWCHR's hand-coded list layout, so that
    // `population` can place them in AORs (the planted unknown codes stay unknown).
    let list = args.out.join("SYNTHETIC_coded_facilities.csv");
    let aors = tally_model::aor::AorCrosswalk::embedded();
    let mut text = String::from(
        "detention_facility_code,detention_facility,address,state,aor,type,operator,note\n",
    );
    for aor in AORS {
        let code = aors.code_for(aor).unwrap_or_default();
        for (fc, name) in tally_synth::synthetic_facilities(aor) {
            text.push_str(&format!("{fc},{name},SYNTHETIC,XX,{code},SYNTHETIC,,\n"));
        }
    }
    std::fs::write(&list, text)?;
    writeln!(out, "{}: its facility list", list.display())?;
    writeln!(
        out,
        "{}: {} SYNTHETIC stints, {} stays, {}..{}",
        release.path.display(),
        release.stints.len(),
        release.stays.len(),
        options.first,
        options.last
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `--table arrests`: the national layout, one file per fiscal year (and the overlap).
fn arrests(args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    if args.rows == 0 {
        bail!("--rows must be at least 1");
    }
    let most = tally_synth::national::MAX_YEARS;
    if args.releases.is_some_and(|k| !(1..=most).contains(&k)) {
        bail!(
            "--releases takes 1 to {most} fiscal years (FY{}-FY2019: Tally rejects event dates before 1970)",
            tally_synth::national::LAST_FY + 1 - most as i32
        );
    }
    let options = NationalOptions {
        seed: args.seed,
        rows: args.rows,
        years: args.releases,
        overlap: args.overlap,
        jobs: args.jobs,
    };
    let started = std::time::Instant::now();
    let set = match args.layout {
        Layout::National => {
            if args.rows_per_sheet.is_some() {
                bail!("--rows-per-sheet applies to --layout workbook");
            }
            write_national_arrests_set(&args.out, &options)?
        }
        Layout::Workbook => {
            if args.overlap {
                bail!("--overlap writes the national layout; leave it out with --layout workbook");
            }
            let per_sheet = args.rows_per_sheet.unwrap_or(SHEET_DATA_ROWS);
            if !(1..=SHEET_DATA_ROWS).contains(&per_sheet) {
                bail!(
                    "--rows-per-sheet takes 1 to {SHEET_DATA_ROWS} (a sheet's rows below its banner and header)"
                );
            }
            let file = write_workbook_arrests(&args.out, &options, per_sheet)?;
            tally_synth::NationalSet {
                rows: file.rows,
                files: vec![file],
                overlap: None,
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let counted = set.counted_by_fy();
    if args.format == Format::Json {
        let files: Vec<serde_json::Value> = set
            .files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "path": f.path.display().to_string(),
                    "kind": kind_name(f.kind),
                    "title": f.title,
                    "period": [f.period.0.to_string(), f.period.1.to_string()],
                    "rows": f.rows,
                    "bytes": f.bytes,
                    "rows_by_fy": f.rows_by_fy.iter().map(|(fy, n)| (format!("FY{fy}"), *n)).collect::<BTreeMap<_, _>>(),
                    "rows_by_aor": f.rows_by_aor,
                })
            })
            .collect();
        let json = serde_json::json!({
            "synthetic": true,
            "table": "arrests",
            "seed": args.seed,
            "rows": set.rows,
            "rows_written": set.rows_written(),
            "files": files,
            "counted_by_fy": counted.iter().map(|(fy, n)| (format!("FY{fy}"), *n)).collect::<BTreeMap<_, _>>(),
            "counted": counted.values().sum::<u64>(),
            "overlap": set.overlap.as_ref().map(|o| serde_json::json!({
                "first_extraction_rows": o.first_extraction_rows,
                "thin_rows": o.thin_rows,
                "shadowed": o.shadowed(),
            })),
        });
        writeln!(out, "{json}")?;
        return Ok(ExitCode::SUCCESS);
    }
    for f in &set.files {
        writeln!(
            out,
            "{}: {} SYNTHETIC arrests, {} ({}..{}), {:.1} MB",
            f.path.display(),
            thousands(f.rows),
            kind_name(f.kind),
            f.period.0,
            f.period.1,
            f.bytes as f64 / 1e6
        )?;
    }
    writeln!(
        out,
        "{} rows in {} files, seed {}, in {seconds:.2} s ({:.2} M rows/s)",
        thousands(set.rows_written()),
        set.files.len(),
        args.seed,
        set.rows_written() as f64 / seconds.max(1e-9) / 1e6
    )?;
    if let Some(o) = &set.overlap {
        writeln!(
            out,
            "planted overlap: precedence sets aside {} rows: the first FY{} extraction ({}, \
             superseded by the re-extraction, whose period ends later) and the thin extract \
             ({}, under half the rows per day of the full files for its AORs)",
            thousands(o.shadowed()),
            tally_synth::national::LAST_FY,
            thousands(o.first_extraction_rows),
            thousands(o.thin_rows)
        )?;
    }
    let by_fy: Vec<String> = counted
        .iter()
        .map(|(fy, n)| format!("FY{fy} {}", thousands(*n)))
        .collect();
    writeln!(
        out,
        "`tally count arrests --by fy` counts {} rows: {}",
        thousands(counted.values().sum()),
        by_fy.join(", ")
    )?;
    Ok(ExitCode::SUCCESS)
}

fn kind_name(kind: ArrestFileKind) -> String {
    match kind {
        ArrestFileKind::FiscalYear(fy) => format!("FY{fy}"),
        ArrestFileKind::Reextraction => "re-extraction".into(),
        ArrestFileKind::ThinExtract => "thin extract".into(),
        ArrestFileKind::Workbook => "2025 workbook".into(),
    }
}
