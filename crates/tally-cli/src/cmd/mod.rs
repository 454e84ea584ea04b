//! One module per subcommand; each starts with its arguments (the `--help` a user sees)
//! and ends in one `run` function.

pub mod compare_releases;
pub mod count;
mod count_compare;
mod count_sql;
pub mod demo;
pub mod fields;
pub mod ingest;
pub mod jurisdictions;
pub mod jurisdictions_on;
pub mod jurisdictions_places;
pub mod operation;
pub mod policy_count;
pub mod population;
pub mod prefer;
pub mod serve;
pub mod serve_chart;
pub mod serve_form;
pub mod serve_page;
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

/// Checks `--from` and `--to`: each inside the event dates Tally keeps
/// ([`tally_model::date::EVENT_DATE_RANGE`]: no release's rows can fall outside it, and a
/// count there printed fiscal years such as `FY999` as 0), and `--from` not after `--to`.
///
/// # Errors
/// The date at fault and the range, or the two dates out of order.
pub fn check_asked_dates(
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    let (first, last) = tally_model::date::EVENT_DATE_RANGE;
    for (flag, date) in [("--from", from), ("--to", to)] {
        if let Some(d) = date
            && (d < first || d > last)
        {
            anyhow::bail!(
                "{flag} {d} is outside the event dates Tally keeps ({first} to {last}): ask within them"
            );
        }
    }
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        anyhow::bail!("--from {from} is after --to {to}");
    }
    Ok(())
}

/// Refuses a `--where` value of date dimension `dim` (`FY2019`, `2019-07`, a week's
/// Monday, a day) wholly outside the event dates ingest keeps: no release's rows can
/// fall there, and counted it printed `FY999,0` where no release covers it.
///
/// # Errors
/// The filter and the range.
pub(crate) fn check_asked_period(dim: tally_query::Dimension, value: &str) -> anyhow::Result<()> {
    let (kept_first, kept_last) = tally_model::date::EVENT_DATE_RANGE;
    if let Some((first, last)) = tally_query::count::date_bucket(dim, value)
        && (last < kept_first || first > kept_last)
    {
        anyhow::bail!(
            "--where {}={value:?} lies outside the event dates Tally keeps ({kept_first} to {kept_last}): no release's rows can fall there",
            dim.name()
        );
    }
    Ok(())
}

/// The `release` dimension's values (`--where release=`) the given values stand for: the
/// label ([`tally_catalog::Manifest::release_label`]) of every release each one selects
/// (file name, label, id or SHA-256 prefix), so that a file name two releases share
/// means both.
///
/// # Errors
/// A value that names no release of the store.
pub fn release_labels(
    store: &tally_store::Store,
    values: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut labels: Vec<String> = Vec::new();
    for v in values {
        let found = store.manifest().select(v);
        if found.is_empty() {
            anyhow::bail!(
                "--where release={v:?} names no release in this store (use a file name, a release id or at least 6 hex digits of a SHA-256; `tally status` lists them)"
            );
        }
        for r in found {
            let label = store.manifest().release_label(r);
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    Ok(labels)
}

/// The release ids that `--release` values name (file name, release id or SHA-256
/// prefix); `None` when none is given (every release).
///
/// # Errors
/// A value that names no release of the store.
pub fn release_ids(
    store: &tally_store::Store,
    selectors: &[String],
) -> anyhow::Result<Option<Vec<String>>> {
    if selectors.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::new();
    for r in selectors {
        let found = store.manifest().select(r);
        if found.is_empty() {
            // Named without the store's path: `tally serve` answers with this text too.
            anyhow::bail!(
                "--release {r:?} names no release in this store (`tally status` lists them)"
            );
        }
        ids.extend(found.iter().map(|e| e.id.clone()));
    }
    Ok(Some(ids))
}
