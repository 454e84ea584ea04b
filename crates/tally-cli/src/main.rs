//! `tally`: ingest ICE FOIA enforcement releases into a provenance-tracked Parquet store
//! and answer counts. Each subcommand lives in `cmd/<name>.rs`; this file only dispatches.

/// Writes a line to stderr, ignoring failures (a closed pipe must not panic, as
/// `eprintln!` would).
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if !$crate::in_view() {
            let _ = writeln!(std::io::stderr(), $($arg)*);
        }
    }};
}

thread_local! {
    /// True while this thread runs a command line for `tally serve` ([`run_argv`]).
    static IN_VIEW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// True while this thread runs a view for `tally serve`: what a command would say on
/// stderr (its notes, its provenance) is in the view itself or not the server log's
/// business, so it is not written there.
pub(crate) fn in_view() -> bool {
    IN_VIEW.with(std::cell::Cell::get)
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
    Serve(cmd::serve::Args),
    Verify(cmd::verify::Args),
    Prefer(cmd::prefer::Args),
    CompareReleases(cmd::compare_releases::Args),
    Demo(cmd::demo::Args),
    Synth(cmd::synth::Args),
}

/// Runs one parsed command, writing its output to `out`.
fn dispatch(command: Command, out: &mut dyn std::io::Write) -> anyhow::Result<ExitCode> {
    match command {
        Command::Ingest(args) => cmd::ingest::run(args, out),
        Command::Status(args) => cmd::status::run(args, out),
        Command::Count(args) => cmd::count::run(args, out),
        Command::Fields(args) => cmd::fields::run(args, out),
        Command::CompareReleases(args) => cmd::compare_releases::run(args, out),
        Command::Operation(args) => cmd::operation::run(args, out),
        Command::Population(args) => cmd::population::run(args, out),
        Command::Jurisdictions(args) => cmd::jurisdictions::run(args, out),
        Command::Verify(args) => cmd::verify::run(args, out),
        Command::Prefer(args) => cmd::prefer::run(args, out),
        Command::Synth(args) => cmd::synth::run(args, out),
        Command::Demo(args) => cmd::demo::run(args, out),
        Command::Serve(args) => cmd::serve::run(args, out),
    }
}

/// Runs a command line (without the program name) as `tally` would, writing its output
/// to `out`: the server answers every view so, which keeps its numbers the CLI's.
///
/// # Errors
/// The command line's parse error (as clap words it, naming the argument), or the
/// command's own error.
pub(crate) fn run_argv(
    argv: &[String],
    out: &mut dyn std::io::Write,
) -> Result<ExitCode, ViewError> {
    let cli = Cli::try_parse_from(std::iter::once("tally".to_string()).chain(argv.iter().cloned()))
        .map_err(|e| ViewError::request(without_cli_help(&e.render().to_string())))?;
    if matches!(
        cli.command,
        Command::Serve(_)
            | Command::Ingest(_)
            | Command::Prefer(_)
            | Command::Synth(_)
            | Command::Demo(_)
    ) {
        return Err(ViewError::request("not a read-only view".into()));
    }
    // Reset however the command ends (a thread of the server's pool runs other work next).
    struct InView;
    impl Drop for InView {
        fn drop(&mut self) {
            IN_VIEW.with(|v| v.set(false));
        }
    }
    IN_VIEW.with(|v| v.set(true));
    let _in_view = InView;
    dispatch(cli.command, out).map_err(|e| ViewError {
        message: e.to_string(),
        // A store that cannot be read (a file changed after its commit, one missing) is
        // the server's fault, not the request's.
        store_fault: e.chain().any(|c| {
            c.is::<tally_store::StoreError>()
                || matches!(
                    c.downcast_ref::<tally_query::QueryError>(),
                    Some(tally_query::QueryError::Store(_))
                )
        }),
    })
}

/// A command-line parser's error as a web client should read it: without the pointers
/// to `--help` and the usage line, which name a terminal the client does not have.
fn without_cli_help(message: &str) -> String {
    message
        .lines()
        .filter(|l| !l.starts_with("For more information") && !l.starts_with("Usage:"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

/// Why a view run in-process ([`run_argv`]) failed.
#[derive(Debug)]
pub(crate) struct ViewError {
    pub(crate) message: String,
    /// True when the store could not be read, rather than the request being wrong.
    pub(crate) store_fault: bool,
}

impl ViewError {
    fn request(message: String) -> ViewError {
        ViewError {
            message,
            store_fault: false,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = dispatch(cli.command, &mut std::io::stdout().lock());
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
