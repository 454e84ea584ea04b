//! `tally`: ingest ICE FOIA enforcement releases into a provenance-tracked Parquet store
//! and answer counts. Each subcommand lives in `cmd/<name>.rs`; this file only dispatches.

/// Writes a line to stderr, ignoring failures (a closed pipe must not panic, as
/// `eprintln!` would).
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cmd;
mod render;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Trustworthy, reproducible statistics from ICE enforcement records released under FOIA",
    long_about = "Tally ingests ICE ERO-LESA releases exactly as published (xlsx, xls, delimited text, gzip) \
into a Parquet store where every row keeps its source file, sheet and row, and answers counts: \
how many, where, when and by which arrest method.\n\nStart with `tally demo` (synthetic data, no files needed).",
    after_help = "Example:\n  tally ingest --store ./store ../shared/data/ice-lesa/national-2019-ICFO-53623/\n  tally count arrests --store ./store --by fy,method-group --where aor=CHI"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Ingest(cmd::ingest::Args),
    Status(cmd::status::Args),
    Count(cmd::count::Args),
    Fields(cmd::fields::Args),
    Operation(cmd::operation::Args),
    Population(cmd::population::Args),
    Jurisdictions(cmd::jurisdictions::Args),
    Verify(cmd::verify::Args),
    Prefer(cmd::prefer::Args),
    CompareReleases(cmd::compare_releases::Args),
    Demo(cmd::demo::Args),
    Synth(cmd::synth::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(args) => cmd::ingest::run(args, &mut std::io::stdout().lock()),
        Command::Status(args) => cmd::status::run(args, &mut std::io::stdout().lock()),
        Command::Count(args) => cmd::count::run(args, &mut std::io::stdout().lock()),
        Command::Fields(args) => cmd::fields::run(args, &mut std::io::stdout().lock()),
        Command::CompareReleases(args) => {
            cmd::compare_releases::run(args, &mut std::io::stdout().lock())
        }
        Command::Operation(args) => cmd::operation::run(args, &mut std::io::stdout().lock()),
        Command::Population(args) => cmd::population::run(args, &mut std::io::stdout().lock()),
        Command::Jurisdictions(args) => {
            cmd::jurisdictions::run(args, &mut std::io::stdout().lock())
        }
        Command::Verify(args) => cmd::verify::run(args, &mut std::io::stdout().lock()),
        Command::Prefer(args) => cmd::prefer::run(args, &mut std::io::stdout().lock()),
        Command::Synth(args) => cmd::synth::run(args, &mut std::io::stdout().lock()),
        Command::Demo(args) => cmd::demo::run(args, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(code) => code,
        // A reader that closed the pipe (`tally status | head`) is not an error.
        Err(e) if e.chain().any(is_broken_pipe) => ExitCode::SUCCESS,
        // Each error's own message already includes its cause (file, sheet, row, column).
        Err(e) => {
            warn!("tally: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// True for an error caused by writing to a pipe whose reader has gone.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io.kind() == BrokenPipe;
    }
    if let Some(csv) = e.downcast_ref::<csv::Error>() {
        return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
    }
    e.downcast_ref::<serde_json::Error>()
        .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
}
