//! One module per subcommand; each starts with its arguments (the `--help` a user sees)
//! and ends in one `run` function.

pub mod compare_releases;
pub mod count;
mod count_compare;
pub mod demo;
pub mod fields;
pub mod ingest;
pub mod operation;
pub mod population;
pub mod prefer;
pub mod status;
pub mod stays;
pub mod synth;
pub mod verify;

/// Output formats shared by the reporting commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// CSV: a header row, then one row per group (provenance and notes on stderr).
    Csv,
    /// JSON with the numbers and their provenance.
    Json,
}

/// Output formats of commands whose results are several tables (no CSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for a terminal.
    Table,
    /// JSON with the numbers and their provenance.
    Json,
}
