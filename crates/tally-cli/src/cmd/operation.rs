//! `tally operation`: measure an enforcement operation against a baseline.

use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_operation::{Operation, RunError, run_operation};
use tally_store::Store;

/// List the shipped operations, or run one against a store.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally operation list\n  tally operation run family-op-2019 --store ./store --report ./report\n  tally operation run my-operation.toml --store ./store --format json\n\n\
An operation file (TOML) names the treated AORs, the window, the baselines (default: the same calendar \
window in each of the 3 preceding years) and the comparison AORs (default: every other AOR with data, HQ \
excluded). See operations/*.toml for the format."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: OperationCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum OperationCommand {
    /// List the operations shipped with Tally.
    List,
    /// Run an operation (a shipped name or a TOML file) against a store.
    Run(RunArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Shipped operation name or path to an operation file.
    #[arg(value_name = "FILE|NAME")]
    pub operation: String,
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Output format: aligned text, JSON, or the report's HTML page (charts inline).
    #[arg(long, value_enum, default_value_t = OperationFormat::Table)]
    pub format: OperationFormat,
    /// Also write report.html, report.md, SVG charts and result.json into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// De-duplication rule for every count (overrides the operation file's `dedup`):
    /// none, exact, same-person-day or episode-24h.
    #[arg(long, value_name = "RULE")]
    pub dedup: Option<String>,
    /// What to measure (overrides the operation file's `outcome`): count, or
    /// average-daily-population (people detained per day, from daily headcounts).
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: Option<String>,
}

/// What `operation run` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OperationFormat {
    /// Aligned text for a terminal.
    Table,
    /// JSON with the numbers and their provenance.
    Json,
    /// The report's self-contained HTML page (the `report.html` of `--report`).
    Html,
}

/// Runs the subcommand.
///
/// # Errors
/// Unknown operation, missing store, no coverage for the window (non-zero exit with the
/// message saying what is missing), report write failures.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    match args.command {
        OperationCommand::List => {
            let shipped = Operation::shipped();
            let width = shipped
                .iter()
                .map(|(_, op)| op.name.len())
                .max()
                .unwrap_or(0);
            for (path, op) in &shipped {
                // Shipped operations are built into the binary: the path is where the source has them.
                writeln!(out, "{:<width$}  {}  (built in: {path})", op.name, op.title)?;
                writeln!(
                    out,
                    "{:<width$}  table {}, {}, window {}..{}",
                    "",
                    op.table,
                    treated_aors(op),
                    op.window.first,
                    op.window.last
                )?;
                let baselines: Vec<String> = op
                    .baselines()
                    .iter()
                    .map(|w| format!("{}..{}", w.first, w.last))
                    .collect();
                let fallback = op
                    .fallback_outcome
                    .as_deref()
                    .map(|f| format!(" ({f} where no {} release covers the design)", op.table))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{:<width$}  measures {}{fallback}; baselines {}",
                    "",
                    op.outcome.as_deref().unwrap_or("count"),
                    baselines.join(", ")
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        OperationCommand::Run(a) => run_one(a, out),
    }
}

/// An operation's treated AORs as `operation list` gives them: the codes it lists, or the
/// policy that chooses them from the store when it is run.
fn treated_aors(op: &Operation) -> String {
    match &op.treated_policy {
        Some(p) => format!(
            "AORs where at least {:.0}% of counties are under the {} policy on {} (chosen from the store)",
            p.min_county_share * 100.0,
            p.policy,
            p.on
        ),
        None => format!("AORs {}", op.aors.join(",")),
    }
}

/// Runs one operation and prints it.
///
/// # Errors
/// As [`run`].
pub fn run_one(a: RunArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let mut op = Operation::find(&a.operation)?;
    if let Some(rule) = &a.dedup {
        if tally_model::dedup_rule(rule).is_none() {
            anyhow::bail!(
                "unknown de-duplication rule {rule:?}; expected one of {}",
                tally_model::dedup_rule_names()
            );
        }
        op.dedup = Some(rule.clone());
    }
    if let Some(outcome) = &a.outcome {
        if tally_operation::spec::Outcome::parse(outcome).is_none() {
            anyhow::bail!(
                "unknown outcome {outcome:?}; expected one of {}",
                tally_operation::spec::Outcome::NAMES
            );
        }
        op.outcome = Some(outcome.clone());
        // Asked for by name: measured, or refused, never swapped for another.
        op.fallback_outcome = None;
    }
    let store = Store::open(&a.store)?;
    let result = match run_operation(&store, &op) {
        Ok(r) => tally_operation::run::for_publication(&r),
        // The store cannot answer: an error like any other (exit 1, the message on
        // stderr; the server answers it as a 4xx).
        Err(RunError::NoCoverage(message)) => anyhow::bail!("{message}"),
        Err(e) => return Err(e.into()),
    };
    match a.format {
        OperationFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &tally_operation::run::published(&result))?;
            writeln!(out)?;
        }
        OperationFormat::Html => write!(out, "{}", tally_operation::report::html(&result))?,
        OperationFormat::Table => write!(out, "{}", tally_operation::render::text(&result))?,
    }
    if let Some(dir) = &a.report {
        let files = tally_operation::report::write_report(dir, &result)?;
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        crate::warn!("report written: {}", names.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
