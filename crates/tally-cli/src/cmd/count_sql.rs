//! `tally count ... --sql duckdb|spark`: prints one self-contained SQL query over the
//! store's Parquet files that returns the count's groups and counts (see
//! `tally_query::sql` for what it covers and how precedence reaches it).

use super::count::Args;
use anyhow::{Result, bail};
use std::io::Write;
use std::process::ExitCode;
use tally_query::CountQuery;
use tally_query::sql::{Dialect, SqlInput, count_sql};
use tally_store::Store;

/// The dialect `--sql` names, or an error listing them.
///
/// # Errors
/// An unknown dialect.
pub(super) fn dialect(name: &str) -> Result<Dialect> {
    match Dialect::parse(name) {
        Some(d) => Ok(d),
        None => bail!(
            "--sql {name:?}: expected one of {}",
            Dialect::ALL.map(|(_, n)| n).join(", ")
        ),
    }
}

/// Refuses, naming the option, what `--sql` cannot express (checked before the count's
/// other paths: `--by policy` and detention-stays have kernels of their own).
///
/// # Errors
/// The first option `--sql` cannot write.
pub(super) fn refuse(args: &Args) -> Result<()> {
    if args.table.trim().eq_ignore_ascii_case(super::stays::STAYS) {
        bail!(
            "--sql cannot write {} yet: stays are built from stints by rules the SQL does not hold; count detention-stints instead",
            super::stays::STAYS
        );
    }
    let names_policy = |f: &String| {
        f.split('=')
            .next()
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("policy"))
    };
    if args
        .by
        .iter()
        .any(|b| b.trim().eq_ignore_ascii_case("policy"))
        || args
            .filters
            .iter()
            .chain(&args.where_value)
            .any(names_policy)
        || args.policy.is_some()
        || args.crosswalk.is_some()
    {
        bail!(
            "--sql cannot write --by policy yet (each row's county and that day's policy are looked up as rows are counted)"
        );
    }
    if args.per_capita.is_some() {
        bail!(
            "--sql cannot write --per-capita yet (rates divide by population estimates with their intervals); count with --sql, then divide"
        );
    }
    if args.compare_schemes {
        bail!("--sql cannot write --compare-schemes; write one scheme's count at a time");
    }
    if args.compare_dedup {
        bail!("--sql cannot write --compare-dedup; it covers --dedup none");
    }
    Ok(())
}

/// Prints the SQL for `query` (already parsed, `--where release=` values resolved).
///
/// # Errors
/// What the SQL cannot express, and store read errors.
pub(super) fn run(
    args: &Args,
    query: &CountQuery,
    store: &Store,
    dialect: Dialect,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    tally_query::sql::check(query)?;
    let threshold = if query.table.def().counts_people {
        args.suppress_below
    } else {
        0
    };
    let input = SqlInput::gather(store, query, threshold)?;
    // Columns are headed by the names the user gave, as the count's are.
    let names: Vec<String> = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.trim().to_ascii_lowercase())
        .collect();
    let mut command = super::count::describe(args);
    command.push_str(&format!(
        " --store {} --sql {}",
        super::count::shell_word(&args.store.display().to_string()),
        dialect.name()
    ));
    let sql = count_sql(query, &names, &input, dialect, &command)?;
    out.write_all(sql.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
