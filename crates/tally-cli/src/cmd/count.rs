//! `tally count`: counts of one table by dimensions, with filters and provenance.

use super::Format;
use crate::render::{table, thousands};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::TableKind;
use tally_publish::{Disclosure, Figure, PublishedCount, publish_count_owned};
use tally_query::count::CellCoverage;
use tally_query::{CountQuery, CountResult, Dimension, count};
use tally_store::Store;

/// Count rows of a table, grouped by dimensions.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = help())]
pub struct Args {
    /// Table to count.
    #[arg(value_name = "TABLE")]
    pub table: String,
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Dimensions to group by, comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "DIM")]
    pub by: Vec<String>,
    /// Keep rows whose DIM is one of the values: DIM=V1,V2 (repeatable; all must hold).
    /// A value holding a comma is double-quoted: 'citizenship="KOREA, SOUTH",MEXICO'.
    #[arg(long = "where", value_name = "DIM=V1,V2")]
    pub filters: Vec<String>,
    /// Keep rows whose DIM is VALUE, taken whole, commas and all: citizenship=KOREA, SOUTH.
    /// Repeated for one DIM, or beside a --where list of the same DIM, the values are
    /// alternatives (as in one --where list).
    #[arg(long = "where-value", value_name = "DIM=VALUE")]
    pub where_value: Vec<String>,
    /// First event date counted (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Last event date counted (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Count only these releases (file name, release id or SHA-256 prefix); repeatable.
    #[arg(long, value_name = "RELEASE")]
    pub release: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// With --by policy: the policy whose presence in the row's county on the row's day
    /// is counted: sanctuary (default), 287g or secure-communities.
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// The county-aor crosswalk that places rows in counties for --by policy (default:
    /// the latest ingested).
    #[arg(long, value_name = "RELEASE")]
    pub crosswalk: Option<String>,
    /// Add each cell's rate per 100,000 residents of its AOR in its fiscal year, with the
    /// interval the population estimate's standard error gives: total, foreign-born,
    /// noncitizen or undocumented (needs --by aor,fy and the aor-population table).
    #[arg(long, value_name = "POPULATION")]
    pub per_capita: Option<String>,
    /// Cells with a count below this print as "<N" (0 or 1 turns suppression off).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub suppress_below: u64,
    /// Method-group scheme of the method-group dimension: default, uwchr-2026 (custodial /
    /// non-custodial / all other methods) or mpi-2018 (by ERO program).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub scheme: String,
    /// With --by method-group: the same count under every scheme, side by side.
    #[arg(long)]
    pub compare_schemes: bool,
    /// De-duplication rule, applied within each release: none (rows as released),
    /// exact, same-person-day or episode-24h (see README, "Duplicates").
    #[arg(long, value_name = "RULE", default_value = "none")]
    pub dedup: String,
    /// The same count under every de-duplication rule, side by side, with the rows each
    /// merges.
    #[arg(long)]
    pub compare_dedup: bool,
    /// Count every table file row by row instead of from its daily rollup: the same
    /// answer, slower (for checking the rollups; see README, "At scale").
    #[arg(long)]
    pub no_rollups: bool,
    /// Refuse the count when it holds more than N groups before small ones are hidden,
    /// ending its scan as soon as one file passes N: a bound on memory (about 270 bytes a
    /// group). `tally serve` sets it (its --max-groups, default 1000000). Default: no limit.
    #[arg(long, value_name = "N", value_parser = at_least_one_group)]
    pub max_groups: Option<usize>,
    /// Print, instead of the count, one self-contained SQL query for DuckDB or Spark SQL
    /// over the store's Parquet files that returns this count's groups and counts: release
    /// precedence (resolved by Tally and inlined), cuts of one workbook counted once,
    /// --where, --from/--to, --release, the labels --by prints and --suppress-below (a
    /// `count` column, NULL when suppressed, and `published`). Not included: the total,
    /// cells printed as 0 or "not covered", and coverage notes. Not yet writable: --dedup
    /// other than none, --compare-dedup, --scheme other than default, --compare-schemes,
    /// --per-capita, --by policy and detention-stays.
    #[arg(long, value_name = "DIALECT", value_parser = ["duckdb", "spark"])]
    pub sql: Option<String>,
}

/// The help's lists of tables and dimensions, from the table definitions.
fn help() -> String {
    let mut text = String::from(
        "Example:\n  tally count arrests --store ./store --by fy,method-group --where aor=CHI,NYC \\\n      --from 2018-10-01 --to 2019-08-31 --format csv\n\n\
         Derived dimensions: fy, month (YYYY-MM), week (its Monday, YYYY-MM-DD), date, hour-of-day \
         (00-23, where releases give times), aor, method-group (tables with a method; --scheme \
         chooses how methods are grouped, --compare-schemes shows each), release.\n\
         Every text or yes/no field of a table is a dimension too, by its name or an alias \
         (`tally fields TABLE` describes each):\n",
    );
    for t in TableKind::all() {
        let names: Vec<String> = Dimension::all(t)
            .into_iter()
            .filter(|d| matches!(d, Dimension::Field(_)))
            .map(|d| d.name())
            .collect();
        text.push_str(&format!("  {}: {}\n", t.slug(), names.join(", ")));
    }
    text.push_str(&format!(
        "  {} (stays built from detention-stints; see README, \"Detention\"): {}\n",
        super::stays::STAYS,
        tally_query::stays::StayDimension::ALL
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    text.push_str(
        "Empty values print as (blank), withheld ones as (withheld), rows with no event date as \
         (undated).\nCounts below --suppress-below (default 10) print as <10 so small cells are \
         never published.",
    );
    text
}

pub(super) fn parse_query(args: &Args) -> Result<CountQuery> {
    let Some(table) = TableKind::from_slug(&args.table) else {
        bail!(
            "unknown table {:?}; expected one of {}",
            args.table,
            TableKind::slugs()
        );
    };
    let dimension = |name: &str| -> Result<Dimension> {
        Dimension::parse(table, name).map_err(anyhow::Error::msg)
    };
    let by = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| dimension(b))
        .collect::<Result<Vec<_>>>()?;
    for (i, d) in by.iter().enumerate() {
        if by[..i].contains(d) {
            bail!("--by lists {} twice", d.name());
        }
    }
    let mut filters: Vec<(Dimension, Vec<String>)> = Vec::new();
    for f in &args.filters {
        let Some((dim, values)) = f.split_once('=') else {
            bail!("--where {f:?} must look like DIM=V1,V2 (for example aor=CHI,NYC)");
        };
        // The dimension first: an unknown one is the error to report, values or not.
        let dim = dimension(dim)?;
        let values =
            split_where_values(values).map_err(|e| anyhow::anyhow!("--where {f:?}: {e}"))?;
        if values.is_empty() {
            bail!("--where {f:?} lists no values");
        }
        filters.push((dim, values));
    }
    // `--where-value` values are taken whole; several for one dimension are alternatives.
    let mut whole: Vec<(Dimension, Vec<String>)> = Vec::new();
    for f in &args.where_value {
        let Some((dim, value)) = f.split_once('=') else {
            bail!(
                "--where-value {f:?} must look like DIM=VALUE (for example citizenship=KOREA, SOUTH)"
            );
        };
        let (dim, value) = (dimension(dim)?, value.trim().to_string());
        if value.is_empty() {
            bail!("--where-value {f:?} gives no value");
        }
        match whole.iter_mut().find(|(d, _)| *d == dim) {
            Some((_, values)) => values.push(value),
            None => whole.push((dim, vec![value])),
        }
    }
    // Values given whole join the --where list of the same dimension as alternatives.
    for (dim, values) in whole {
        match filters.iter_mut().find(|(d, _)| *d == dim) {
            Some((_, list)) => list.extend(values),
            None => filters.push((dim, values)),
        }
    }
    let Some(scheme) = tally_model::scheme(&args.scheme) else {
        bail!(
            "unknown scheme {:?}; expected one of {}",
            args.scheme,
            tally_model::scheme_names()
        );
    };
    if (scheme.name != tally_model::scheme::DEFAULT_SCHEME || args.compare_schemes)
        && !by.contains(&Dimension::MethodGroup)
    {
        bail!("--scheme and --compare-schemes apply to --by method-group; add it to --by");
    }
    for (dim, values) in &filters {
        if args.compare_schemes && *dim == Dimension::MethodGroup {
            bail!(
                "--compare-schemes shows every scheme's groups; filter on method-group with one --scheme instead"
            );
        }
        for v in values {
            check_where_value(table, *dim, v, scheme)?;
        }
    }
    super::check_asked_dates(args.from, args.to)?;
    if table.def().reference && (args.from.is_some() || args.to.is_some()) {
        bail!(
            "{table} is a reference table (a list, not events): it has no dates for --from/--to to select; use --release to choose a list"
        );
    }
    let Some(dedup) = tally_model::dedup_rule(&args.dedup) else {
        bail!(
            "unknown de-duplication rule {:?}; expected one of {}",
            args.dedup,
            tally_model::dedup_rule_names()
        );
    };
    if args.compare_dedup && !dedup.is_none() {
        bail!("--compare-dedup shows every rule; leave out --dedup");
    }
    if args.compare_dedup && args.compare_schemes {
        bail!("--compare-dedup and --compare-schemes cannot be combined; compare one at a time");
    }
    let person_rules =
        |r: &&tally_model::DedupRule| !r.needs_person() || table.def().person.is_some();
    let dedup_marks: Vec<&'static tally_model::DedupRule> = if args.compare_dedup {
        tally_model::dedup_rules()
            .iter()
            .filter(|r| !r.is_none())
            .filter(person_rules)
            .collect()
    } else {
        Vec::new()
    };
    let mut query = CountQuery {
        table,
        by,
        filters,
        from: args.from,
        to: args.to,
        releases: (!args.release.is_empty()).then(|| args.release.clone()),
        scheme: Some(scheme),
        dedup: Some(dedup),
        dedup_marks,
        rows_only: args.no_rollups,
        max_groups: args.max_groups,
        listed_from: None,
    };
    // Where small groups will not be listed, the group limit holds the listed ones (a
    // refusal counted over every group would tell whether an unlisted one holds rows).
    let rule = Disclosure::for_table(args.suppress_below, table);
    if rule.threshold > 1 && !query.lists_small_groups() {
        query.listed_from = Some(rule.threshold);
    }
    Ok(query)
}

/// Runs the count and prints it.
///
/// # Errors
/// Bad arguments, a missing store, unknown releases.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let sql = match &args.sql {
        Some(name) => {
            super::count_sql::refuse(&args)?;
            Some(super::count_sql::dialect(name)?)
        }
        None => None,
    };
    if args.table.trim().eq_ignore_ascii_case(super::stays::STAYS) {
        return super::stays::run(&args, out);
    }
    if args
        .by
        .iter()
        .any(|b| b.trim().eq_ignore_ascii_case("policy"))
    {
        return super::policy_count::run(&args, out);
    }
    if args.policy.is_some() {
        bail!("--policy chooses the policy of --by policy; add policy to --by");
    }
    if args.filters.iter().chain(&args.where_value).any(|f| {
        f.split('=')
            .next()
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("policy"))
    }) {
        bail!(
            "policy is a dimension of --by only (the policy of the row's county on the row's day, looked up as rows are counted): count --by policy and keep the rows you want"
        );
    }
    let mut query = parse_query(&args)?;
    let store = Store::open(&args.store)?;
    // `--where release=` accepts what `--release` accepts: file name, id or SHA-256
    // prefix, or a label as printed; each value stands for the labels of the releases
    // it names (a file name for every release of that name).
    for (dim, values) in &mut query.filters {
        if *dim == Dimension::Release {
            *values = super::release_labels(&store, values)?;
        }
    }
    if let Some(dialect) = sql {
        return super::count_sql::run(&args, &query, &store, dialect, out);
    }
    if args.compare_schemes {
        return super::count_compare::compare_schemes(&args, &query, &store, out);
    }
    if args.compare_dedup {
        return super::count_compare::compare_dedup(&args, &query, &store, out);
    }
    let mut result = count(&store, &query)?;
    // A comma split a value that matched nothing: perhaps it was one value with a comma.
    for f in &args.filters {
        let Some((dim, values)) = f.split_once('=') else {
            continue;
        };
        let split = split_where_values(values).unwrap_or_default();
        let prefix = format!(
            "--where {}=",
            Dimension::parse(query.table, dim)
                .map(|d| d.name())
                .unwrap_or_default()
        );
        if split.len() > 1
            && !values.contains('"')
            && result
                .notes
                .iter()
                .any(|n| n.starts_with(&prefix) && n.contains("matched no"))
        {
            result.notes.push(format!(
                "--where {f:?} was read as {} values split at commas; a value holding a comma is double-quoted (--where '{dim}=\"{}\"') or given whole (--where-value '{dim}={}')",
                split.len(),
                values.trim(),
                values.trim()
            ));
        }
    }
    // Columns are headed by the names the user gave (`--by method` heads `method`), so a
    // script's column names do not depend on which alias resolves to which field.
    result.dimensions = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.trim().to_ascii_lowercase())
        .collect();
    write_result(out, &args, &query, result)?;
    Ok(ExitCode::SUCCESS)
}

/// The values of one `--where` list: split on commas, except inside double quotes (a
/// doubled quote inside quotes is a quote), each trimmed; empty ones dropped.
///
/// # Errors
/// A quote left open.
pub fn split_where_values(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                current.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if current.trim().is_empty() => {
                current.clear();
                quoted = true;
                was_quoted = true;
            }
            (',', false) => {
                let v = if was_quoted {
                    current.clone()
                } else {
                    current.trim().to_string()
                };
                if !v.trim().is_empty() {
                    values.push(v.trim().to_string());
                }
                current.clear();
                was_quoted = false;
            }
            (c, _) => current.push(c),
        }
    }
    if quoted {
        return Err(format!("a double quote is left open in {text:?}"));
    }
    if !current.trim().is_empty() {
        values.push(current.trim().to_string());
    }
    Ok(values)
}

/// `YYYY-MM` exactly (two-digit month): the form `--by month` prints.
pub(crate) fn strict_month(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    (b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit()))
    .then(|| NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").ok())
    .flatten()
}

/// `YYYY-MM-DD` exactly: the form `--by date` and `--by week` print.
pub(crate) fn strict_date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    (b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()))
    .then(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    .flatten()
}

/// `--max-groups N`: a whole number of at least 1 (0 would refuse every count, even one
/// with no groups but its total).
pub(crate) fn at_least_one_group(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a number of groups of at least 1")),
    }
}

/// Refuses `--where` values that can never match: unknown AOR codes or method groups,
/// malformed fiscal years, months and dates.
pub(super) fn check_where_value(
    table: TableKind,
    dim: Dimension,
    value: &str,
    scheme: &tally_model::GroupingScheme,
) -> Result<()> {
    let v = value.trim();
    let ok = match dim {
        Dimension::Aor => {
            v.starts_with('(') || tally_model::AorCrosswalk::embedded().code_for(v).is_some()
        }
        Dimension::HourOfDay => v == "(no time)" || v.parse::<u32>().is_ok_and(|h| h < 24),
        d if d.is_flag(table) => {
            v.starts_with('(')
                || d.normalize_value(table, v) == "YES"
                || d.normalize_value(table, v) == "NO"
        }
        Dimension::MethodGroup => {
            let v = v.to_ascii_lowercase();
            scheme.groups.contains(&v) || v == "(blank)" || v == "(withheld)"
        }
        Dimension::Fy => {
            tally_model::fiscal::parse_fiscal_year_label(v).is_some() || v == "(undated)"
        }
        Dimension::Month => v == "(undated)" || strict_month(v).is_some(),
        Dimension::Date => v == "(undated)" || strict_date(v).is_some(),
        Dimension::Week => {
            if let Some(day) = strict_date(v) {
                let monday = tally_model::date::week_start(day);
                if monday != day {
                    bail!(
                        "--where week={v:?} is a {}: weeks are named by their Monday, so this week is {monday}",
                        day.format("%A")
                    );
                }
                true
            } else {
                v == "(undated)"
            }
        }
        _ => true,
    };
    if ok {
        if dim.is_date() {
            super::check_asked_period(dim, v)?;
        }
        return Ok(());
    }
    let expected = match dim {
        Dimension::Aor => {
            let codes: Vec<&str> = tally_model::AorCrosswalk::embedded()
                .codes()
                .iter()
                .map(|(c, _)| *c)
                .collect();
            format!(
                "an AOR code or name: {}, or (blank), (withheld) or (unmapped)",
                codes.join(", ")
            )
        }
        Dimension::HourOfDay => "an hour 0-23, or (no time)".into(),
        d if d.is_flag(table) => "YES or NO (or Y/N, TRUE/FALSE), or (blank)".into(),
        Dimension::MethodGroup => format!(
            "a group of the {} scheme: {}, or (blank) or (withheld)",
            scheme.name,
            scheme.groups.join(", ")
        ),
        Dimension::Fy => "a fiscal year such as 2019 or FY2019".into(),
        Dimension::Month => "a month as YYYY-MM, such as 2019-07".into(),
        _ => "a date as YYYY-MM-DD, such as 2019-07-08 (weeks by their Monday)".into(),
    };
    bail!(
        "--where {}={v:?} can never match: expected {expected}",
        dim.name()
    )
}

/// Prints a count result in the chosen format, with provenance (table and JSON on stdout;
/// CSV keeps stdout to the data and puts provenance on stderr). Every number goes through
/// the publication layer (`tally_publish`) first; this only renders.
pub fn write_result(
    out: &mut dyn Write,
    args: &Args,
    query: &CountQuery,
    result: CountResult,
) -> Result<()> {
    let undated_rows = result.undated_rows;
    let p = publish_count_owned(
        result,
        Disclosure::for_table(args.suppress_below, query.table),
    );
    let (rates, rate_notes) = match &args.per_capita {
        Some(measure) => per_capita_rates(args, query, &p, measure)?,
        None => (Vec::new(), Vec::new()),
    };
    const RATE_COLUMNS: [&str; 4] = [
        "per_100k",
        "per_100k_low",
        "per_100k_high",
        "population_year",
    ];
    let provenance: Vec<String> = p
        .releases
        .iter()
        .map(|r| {
            // Said of releases that overlap another, and of cuts of one ICE workbook
            // (status says which releases are): of any other release they are always none.
            let mut shadowed = match r.rows_shadowed {
                _ if !r.overlaps_another => String::new(),
                Figure::Exact(0) => String::new(),
                f => format!(
                    ", {}",
                    rows_phrase(f, "on days another release covers (precedence)")
                ),
            };
            if r.cut_of_workbook && r.rows_duplicate != Figure::Exact(0) {
                shadowed.push_str(&format!(
                    ", {}",
                    rows_phrase(
                        r.rows_duplicate,
                        "already counted from another cut of the same ICE workbook (same source row)"
                    )
                ));
            }
            format!(
                "{} (sha256 {}, sheets {}): {}{shadowed}",
                r.file_name,
                r.sha256,
                r.sheets.join(", "),
                rows_phrase(r.rows_counted, "counted")
            )
        })
        .collect();
    let mut notes: Vec<String> = partial_cell_notes(&p);
    if p.releases.is_empty() {
        notes.push(format!(
            "no release in the store holds {} rows matching this query",
            query.table
        ));
    }
    notes.extend(p.notes.iter().cloned());
    notes.extend(rate_notes);
    if p.any_suppressed {
        notes.push(format!(
            "cells below {} print as <{}; sums over them print rounded (the total) or not at all (each release's rows, where several releases count) so that no suppressed cell can be worked out",
            p.suppress_below, p.suppress_below
        ));
    }
    let query_text = describe(args);
    match args.format {
        Format::Csv => {
            let mut header = p.dimensions.clone();
            header.push("count".into());
            // A spreadsheet shows no stderr: cells that miss days say so in a column, and
            // so do buckets the days asked cut (a week from a mid-week --from).
            let cut = buckets_cut(query, &p);
            let extracts = state_extract_cells(query, &p);
            let partial = needs_coverage_column(&p)
                || cut.iter().any(Option::is_some)
                || extracts.iter().any(Option::is_some);
            if partial {
                header.push("coverage".into());
            }
            if !rates.is_empty() {
                header.extend(RATE_COLUMNS.map(String::from));
            }
            let mut w = csv_writer(out);
            w.write_record(&header)?;
            for (i, g) in p.groups.iter().enumerate() {
                // A server request past its time limit stops writing too.
                if i % 65_536 == 65_535 && tally_store::cancel::stop_requested() {
                    return Err(tally_store::StoreError::Stopped.into());
                }
                for value in &g.values {
                    w.write_field(value)?;
                }
                w.write_field(g.count.plain())?;
                if partial {
                    let words: Vec<String> = std::iter::once(cell_coverage_text(&p.table, g))
                        .chain(cut.get(i).cloned().flatten())
                        .chain(extracts.get(i).cloned().flatten())
                        .filter(|w| !w.is_empty())
                        .collect();
                    w.write_field(words.join("; "))?;
                }
                if let Some(r) = rates.get(i) {
                    for column in r.columns() {
                        w.write_field(column)?;
                    }
                }
                w.write_record(None::<&[u8]>)?;
            }
            // A count by nothing is its total, even when no row holds it (not covered).
            if p.dimensions.is_empty() && p.groups.is_empty() {
                w.write_record([p.total.plain()])?;
            }
            w.flush()?;
            crate::warn!("# {query_text}");
            for line in &provenance {
                crate::warn!("# source: {line}");
            }
            for note in &notes {
                crate::warn!("# note: {note}");
            }
        }
        Format::Json => {
            let releases: Vec<serde_json::Value> = p
                .releases
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "sha256": r.sha256,
                        "file_name": r.file_name,
                        "sheets": r.sheets,
                        "rows_counted": r.rows_counted.json(),
                        "rows_shadowed": r.rows_shadowed.json(),
                        "rows_duplicate": r.rows_duplicate.json(),
                    })
                })
                .collect();
            let overlaps: Vec<serde_json::Value> = p
                .overlaps
                .iter()
                .map(|o| {
                    let mut v = json!(o.overlap);
                    v["winner_rows"] = o.winner_rows.json();
                    v["shadowed_rows"] = o.shadowed_rows.json();
                    v["disagree"] = json!(o.disagrees);
                    v
                })
                .collect();
            // Groups are written one by one (a count by date and landmark has hundreds of
            // thousands): the document is never built whole in memory.
            let head = json!({
                "table": query.table.slug(),
                "query": query_text,
                "dimensions": p.dimensions,
            });
            let head = serde_json::to_string_pretty(&head)?;
            let head = head.trim_end().trim_end_matches('}').trim_end();
            write!(out, "{head},\n  \"groups\": [")?;
            for (i, g) in p.groups.iter().enumerate() {
                let mut obj = serde_json::Map::new();
                for (dim, v) in p.dimensions.iter().zip(&g.values) {
                    obj.insert(dim.clone(), json!(v));
                }
                obj.insert("count".into(), g.count.json());
                if g.coverage != CellCoverage::Full {
                    obj.insert("coverage".into(), json!(g.coverage));
                }
                if g.incomplete {
                    obj.insert("incomplete".into(), json!(true));
                }
                match rates.get(i) {
                    Some(tally_publish::PublishedRate::Rate(r)) => {
                        obj.insert(
                            "per_100k".into(),
                            json!({"rate": r.per_100k, "low": r.low, "high": if r.high.is_finite() { json!(r.high) } else { json!(null) }, "population_year": r.year}),
                        );
                    }
                    Some(tally_publish::PublishedRate::None(why)) => {
                        obj.insert("per_100k".into(), json!({"rate": null, "why": why}));
                    }
                    None => {}
                }
                write!(out, "{}\n    ", if i == 0 { "" } else { "," })?;
                serde_json::to_writer(&mut *out, &obj)?;
            }
            write!(out, "\n  ],\n")?;
            let doc = json!({
                "total": p.total.json(),
                "undated_rows": p.undated_rows.json(),
                "suppress_below": p.suppress_below,
                "releases": releases,
                "overlaps_resolved": overlaps,
                "coverage_gaps": p.coverage_gaps,
                "state_extracts": p.state_extracts,
                "notes": notes,
            });
            let tail = serde_json::to_string_pretty(&doc)?;
            writeln!(
                out,
                "  {}",
                tail.trim_start().trim_start_matches('{').trim_start()
            )?;
        }
        Format::Table => {
            let mut header = p.dimensions.clone();
            header.push("count".into());
            let partial = needs_coverage_column(&p);
            if partial {
                header.push("coverage".into());
            }
            if !rates.is_empty() {
                header.extend(["per 100k", "low", "high", "pop. year"].map(String::from));
            }
            let rows: Vec<Vec<String>> = p
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let mut r = g.values.clone();
                    r.push(g.count.text());
                    if partial {
                        r.push(cell_coverage_text(&p.table, g));
                    }
                    if let Some(rate) = rates.get(i) {
                        r.extend(rate.columns());
                    }
                    r
                })
                .collect();
            let count_column = p.dimensions.len();
            let mut right = vec![count_column];
            if !rates.is_empty() {
                let first = header.len() - 4;
                right.extend(first..header.len());
            }
            write!(out, "{}", table(&header, &rows, &right))?;
            writeln!(out, "total {}", p.total.text())?;
            writeln!(out, "\nquery: {query_text}")?;
            for line in &provenance {
                writeln!(out, "source: {line}")?;
            }
            if query.table.def().reference {
                if p.releases.len() > 1 {
                    writeln!(
                        out,
                        "note: {} is a reference table: each list's rows are counted, so a {} on {} lists counts {} times; add --by release, or --release one list",
                        query.table,
                        query
                            .table
                            .def()
                            .key
                            .map_or("row", |k| query.table.def().fields[k].name.as_str()),
                        p.releases.len(),
                        p.releases.len()
                    )?;
                }
            } else if undated_rows > 0 {
                writeln!(
                    out,
                    "note: {} counted rows have no event date",
                    p.undated_rows.text()
                )?;
            }
            for note in &notes {
                writeln!(out, "note: {note}")?;
            }
        }
    }
    Ok(())
}

/// True when some cell misses days (not or partly covered, or holding a partial last
/// day): the table and CSV then carry a `coverage` column.
/// Per group of `p`: where the days `query` asks about (`--from`/`--to` and date
/// filters) cut one of its date buckets, the days it counts (`counts only
/// 2019-08-14..2019-08-18 (the days asked cut it)`), as the count's notes say them.
fn buckets_cut(query: &CountQuery, p: &PublishedCount) -> Vec<Option<String>> {
    let (from, to) = query.days_asked();
    // The days asked: `--from`..`--to`, narrowed by each date filter to its values' buckets
    // (`--where date=2018-01-29,2018-02-03` asks about two days, not those between).
    let mut spans: Vec<(NaiveDate, NaiveDate)> =
        vec![(from.unwrap_or(NaiveDate::MIN), to.unwrap_or(NaiveDate::MAX))];
    for (d, values) in query.filters.iter().filter(|(d, _)| d.is_date()) {
        let let_in: Vec<(NaiveDate, NaiveDate)> = values
            .iter()
            .filter_map(|v| tally_query::count::date_bucket(*d, &d.normalize_value(query.table, v)))
            .collect();
        if let_in.is_empty() {
            continue;
        }
        spans = spans
            .iter()
            .flat_map(|(f, l)| {
                let_in
                    .iter()
                    .map(move |(a, b)| ((*f).max(*a), (*l).min(*b)))
                    .filter(|(a, b)| a <= b)
            })
            .collect();
        spans.sort();
        spans.dedup();
    }
    let date_dims = date_dimensions(query);
    if (from.is_none() && to.is_none()) || date_dims.is_empty() {
        return Vec::new();
    }
    p.groups
        .iter()
        .map(|g| {
            // A cell no day of which is covered counts nothing to cut.
            if g.count == Figure::NotCovered {
                return None;
            }
            date_dims.iter().find_map(|(k, d)| {
                let (start, end) = tally_query::count::date_bucket(*d, g.values.get(*k)?)?;
                let pieces: Vec<(NaiveDate, NaiveDate)> = spans
                    .iter()
                    .map(|(f, l)| ((*f).max(start), (*l).min(end)))
                    .filter(|(f, l)| f <= l)
                    .collect();
                (!pieces.is_empty() && pieces != [(start, end)]).then(|| {
                    let days: Vec<String> =
                        pieces.iter().map(|(f, l)| format!("{f}..{l}")).collect();
                    format!("counts only {} (the days asked cut it)", days.join(", "))
                })
            })
        })
        .collect()
}

/// Per group of `p`: where an extract of one state's rows may reach it (an AOR of the
/// extract's beyond its state, on days the extract spans), that its rows there are the
/// state's part (`WA's part of SEA only (arrests_washington-state_...csv is one state's
/// extract)`), as the count's note says: a spreadsheet shows no stderr. Judged from the
/// cell's AOR and days, never its rows.
fn state_extract_cells(query: &CountQuery, p: &PublishedCount) -> Vec<Option<String>> {
    let aor_at = p.dimensions.iter().position(|d| d == "aor");
    // Said of AOR-level figures: a count by AOR or of chosen AORs (a count over every AOR
    // has its note).
    let aor_asked = aor_at.is_some() || query.filters.iter().any(|(d, _)| *d == Dimension::Aor);
    if p.state_extracts.is_empty() || !aor_asked {
        return Vec::new();
    }
    let date_dims = date_dimensions(query);
    p.groups
        .iter()
        .map(|g| {
            // A cell no day of which is covered holds no part of anything.
            if g.count == Figure::NotCovered {
                return None;
            }
            let days = date_dims
                .iter()
                .find_map(|(k, d)| tally_query::count::date_bucket(*d, g.values.get(*k)?));
            // (state, AORs) -> the extracts saying it: two extracts of one state say it once.
            let mut said: Vec<((String, String), Vec<&str>)> = Vec::new();
            for e in p
                .state_extracts
                .iter()
                .filter(|e| days.is_none_or(|(f, l)| f <= e.last && e.first <= l))
            {
                let aors: Vec<&str> = match aor_at.and_then(|k| g.values.get(k)) {
                    Some(aor) => e
                        .aors
                        .iter()
                        .filter(|a| *a == aor)
                        .map(String::as_str)
                        .collect(),
                    None => e.aors.iter().map(String::as_str).collect(),
                };
                if aors.is_empty() {
                    continue;
                }
                let key = (e.state.clone(), aors.join(", "));
                match said.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, releases)) => releases.push(&e.release),
                    None => said.push((key, vec![&e.release])),
                }
            }
            let words: Vec<String> = said
                .into_iter()
                .map(|((state, aors), releases)| {
                    let (list, what) = if releases.len() == 1 {
                        (releases[0].to_string(), "is one state's extract")
                    } else {
                        (releases.join(", "), "are extracts of one state")
                    };
                    format!("{state}'s part of {aors} only ({list} {what})")
                })
                .collect();
            (!words.is_empty()).then(|| words.join("; "))
        })
        .collect()
}

/// The date dimensions of `query`'s `by` (fy, month, week, date), with their positions.
fn date_dimensions(query: &CountQuery) -> Vec<(usize, Dimension)> {
    query
        .by
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_date())
        .map(|(k, d)| (k, *d))
        .collect()
}

fn needs_coverage_column(p: &PublishedCount) -> bool {
    p.groups
        .iter()
        .any(|g| g.coverage != CellCoverage::Full || g.incomplete)
}

/// A cell's `coverage` column for a count of `table` (its slug): empty when every day is
/// covered.
fn cell_coverage_text(table: &str, g: &tally_publish::PublishedGroup) -> String {
    cell_coverage_words(table, &g.coverage, &g.count, g.incomplete)
}

/// A cell's `coverage` column from its coverage, its published count and whether it
/// holds a partial last day (the words of [`cell_coverage_text`], for counts whose cells
/// are not [`tally_publish::PublishedGroup`]s: by policy).
pub(super) fn cell_coverage_words(
    table: &str,
    coverage: &CellCoverage,
    count: &Figure,
    incomplete: bool,
) -> String {
    let mut text = coverage_text(table, coverage);
    // Rows on days no release claims: stragglers past a stated period.
    if *coverage == CellCoverage::NotCovered && *count != Figure::NotCovered {
        let why = match TableKind::from_slug(table).map(|t| t.def().aor.is_some()) {
            Some(false) => "outside its stated period",
            _ => {
                "outside its stated period, a few rows of an AOR it does not cover, or one place's records"
            }
        };
        text = format!(
            "not covered: rows of a release that does not claim these days ({why}; see tally status)"
        );
    }
    if incomplete {
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str("incomplete: a release's partial last day");
    }
    text
}

/// How a cell's coverage prints in a count of `table` (its slug): a partly covered cell
/// says how many of its AOR-days releases cover, or of its days for a table without AORs
/// (the detention headcount), which releases cover as a whole.
pub(super) fn coverage_text(table: &str, c: &CellCoverage) -> String {
    match c {
        CellCoverage::Full => String::new(),
        CellCoverage::NotCovered => "not covered".into(),
        CellCoverage::Partial { covered, of } => {
            let unit = match TableKind::from_slug(table).map(|t| t.def().aor.is_some()) {
                Some(false) => "days",
                _ => "AOR-days",
            };
            format!(
                "partly: {} of {} {unit}",
                thousands(*covered as u64),
                thousands(*of as u64)
            )
        }
    }
}

/// A note naming the cells only partly covered (their counts miss the uncovered days).
/// "N rows WHAT", or "rows WHAT: not shown" where the figure would let a suppressed cell
/// be worked out.
fn rows_phrase(figure: Figure, what: &str) -> String {
    match figure {
        Figure::NotShown => format!("rows {what}: not shown"),
        f => format!("{} rows {what}", f.text()),
    }
}

fn partial_cell_notes(p: &PublishedCount) -> Vec<String> {
    let partial: Vec<String> = p
        .groups
        .iter()
        .filter(|g| matches!(g.coverage, CellCoverage::Partial { .. }))
        .map(|g| {
            if g.values.is_empty() {
                "the total".to_string()
            } else {
                g.values.join(" ")
            }
        })
        .collect();
    let not_covered = p
        .groups
        .iter()
        .filter(|g| g.coverage == CellCoverage::NotCovered)
        .count();
    let mut notes = Vec::new();
    if !partial.is_empty() {
        let shown: Vec<&str> = partial.iter().take(8).map(String::as_str).collect();
        notes.push(format!(
            "{} cell(s) are only partly covered by the ingested releases: {}{}; the days no release covers are missing from their counts, not zero (rows dated on those days, outside a release's stated period, still count)",
            partial.len(),
            shown.join("; "),
            if partial.len() > 8 { "; ..." } else { "" }
        ));
    }
    if not_covered > 0 {
        notes.push(format!(
            "{not_covered} cell(s) print \"not covered\": no ingested release covers their days, so their counts are missing, not zero"
        ));
    }
    // By release, a cell's coverage is still its days' and AORs' by every release read:
    // a reader could take it for the release's own.
    if (!partial.is_empty() || not_covered > 0) && p.dimensions.iter().any(|d| d == "release") {
        notes.push(
            "by release, a cell's coverage is that of its days and AORs by any release read, not by that release alone (each release's own coverage: tally status)".into(),
        );
    }
    notes
}

pub(super) fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::Writer::from_writer(out)
}

/// `word` as a POSIX shell reads it back: bare when safe, else single-quoted, so the
/// printed query can be pasted into a terminal.
pub(crate) fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

pub(super) fn describe(args: &Args) -> String {
    let mut parts = vec![format!("tally count {}", args.table)];
    if !args.by.is_empty() {
        parts.push(format!("--by {}", shell_word(&args.by.join(","))));
    }
    for f in &args.filters {
        parts.push(format!("--where {}", shell_word(f)));
    }
    for f in &args.where_value {
        parts.push(format!("--where-value {}", shell_word(f)));
    }
    if let Some(d) = args.from {
        parts.push(format!("--from {d}"));
    }
    if let Some(d) = args.to {
        parts.push(format!("--to {d}"));
    }
    for r in &args.release {
        parts.push(format!("--release {}", shell_word(r)));
    }
    if args.suppress_below != 10 {
        parts.push(format!("--suppress-below {}", args.suppress_below));
    }
    if let Some(p) = &args.policy {
        parts.push(format!("--policy {}", shell_word(p)));
    }
    if let Some(c) = &args.crosswalk {
        parts.push(format!("--crosswalk {}", shell_word(c)));
    }
    if let Some(p) = &args.per_capita {
        parts.push(format!("--per-capita {}", shell_word(p)));
    }
    if args.scheme != tally_model::scheme::DEFAULT_SCHEME {
        parts.push(format!("--scheme {}", shell_word(&args.scheme)));
    }
    if args.compare_schemes {
        parts.push("--compare-schemes".into());
    }
    if args.dedup != tally_model::dedup::NO_DEDUP {
        parts.push(format!("--dedup {}", shell_word(&args.dedup)));
    }
    if args.compare_dedup {
        parts.push("--compare-dedup".into());
    }
    // The same answer either way, but a reader re-running the query should read what
    // this one read.
    if args.no_rollups {
        parts.push("--no-rollups".into());
    }
    parts.join(" ")
}

/// Rates per 100,000 of each group of `p` (`--per-capita`), and the notes that say how.
///
/// # Errors
/// No `aor` and `fy` among `--by`, an unknown population, or no `aor-population` table
/// in the store.
fn per_capita_rates(
    args: &Args,
    query: &CountQuery,
    p: &PublishedCount,
    measure: &str,
) -> Result<(Vec<tally_publish::PublishedRate>, Vec<String>)> {
    let measure = tally_query::jurisdiction::PerCapita::parse(measure)?;
    let at = |d: Dimension| query.by.iter().position(|b| *b == d);
    let (Some(aor_at), Some(fy_at)) = (at(Dimension::Aor), at(Dimension::Fy)) else {
        bail!(
            "--per-capita divides each cell by its AOR's population in its fiscal year: add aor and fy to --by (for example --by aor,fy)"
        );
    };
    let store = Store::open(&args.store)?;
    let Some(population) = tally_query::jurisdiction::AorPopulation::read(&store, measure)? else {
        bail!(
            "--per-capita needs the AOR population table: tally ingest --store {} ../shared/data/reference/uwchr_aor_demog_indicators.csv",
            args.store.display()
        );
    };
    Ok(tally_publish::publish_rates(
        p,
        aor_at,
        fy_at,
        &population,
        measure,
    ))
}
