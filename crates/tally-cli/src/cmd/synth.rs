//! `tally synth`: SYNTHETIC releases at scale, for benchmarks.

use anyhow::{Result, bail};
use chrono::{Duration, NaiveDate};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_synth::{PlantedStints, StintFormat, StintOptions, write_stint_release};

/// Write a SYNTHETIC release of about N rows (not real data), for benchmarks.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally synth --table detention-stints --rows 10000000 --out ./synthetic\n\n\
Writes DDP's processed CSV layout, with about one in a thousand stays planted as ongoing, \
overlapping, without identifier, detained again or with a disagreeing Stay Book In, and exact \
copies. Only detention-stints so far (issue #13 adds the other tables and fitted marginals)."
)]
pub struct Args {
    /// Table to write.
    #[arg(long, value_name = "TABLE")]
    pub table: String,
    /// About how many rows (fewer for a span of days shorter than the stays: stints that
    /// would start after the extraction are not written).
    #[arg(long, value_name = "N")]
    pub rows: u64,
    /// Folder to write into (created).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Generator seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
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
/// Another table than detention-stints, or a failed write.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    if args.table != "detention-stints" {
        bail!(
            "tally synth writes detention-stints only so far; {} is not yet generated",
            args.table
        );
    }
    std::fs::create_dir_all(&args.out)?;
    // 24 AORs x 40 stays a day x 2 stints a stay on average: 1,920 stints a day.
    let per_day = 40u64;
    let days = (args.rows / (AORS.len() as u64 * per_day * 2)).max(1) as i64;
    let first = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap_or_default();
    let planted = (args.rows / 2_000) as usize;
    let options = StintOptions {
        seed: args.seed,
        aors: AORS.iter().map(|a| a.to_string()).collect(),
        first,
        last: first + Duration::days(days - 1),
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
