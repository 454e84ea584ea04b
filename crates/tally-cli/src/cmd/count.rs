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
use tally_query::{CountQuery, CountResult, Dimension, count};
use tally_store::Store;

/// Count rows of a table, grouped by dimensions.
#[derive(clap::Args, Debug)]
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
    #[arg(long = "where", value_name = "DIM=V1,V2")]
    pub filters: Vec<String>,
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
    /// Cells with a count below this print as "<N" (0 or 1 turns suppression off).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub suppress_below: u64,
}

/// The help's lists of tables and dimensions, from the table definitions.
fn help() -> String {
    let mut text = String::from(
        "Example:\n  tally count arrests --store ./store --by fy,method-group --where aor=CHI,NYC \\\n      --from 2018-10-01 --to 2019-08-31 --format csv\n\n\
         Derived dimensions: fy, month (YYYY-MM), week (its Monday, YYYY-MM-DD), date, hour-of-day \
         (00-23, where releases give times), aor, method-group (tables with a method), release.\n\
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
    text.push_str(
        "Empty values print as (blank), withheld ones as (withheld), rows with no event date as \
         (undated).\nCounts below --suppress-below (default 10) print as <10 so small cells are \
         never published.",
    );
    text
}

fn parse_query(args: &Args) -> Result<CountQuery> {
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
    let mut filters = Vec::new();
    for f in &args.filters {
        let Some((dim, values)) = f.split_once('=') else {
            bail!("--where {f:?} must look like DIM=V1,V2 (for example aor=CHI,NYC)");
        };
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            bail!("--where {f:?} lists no values");
        }
        let dim = dimension(dim)?;
        for v in &values {
            check_where_value(table, dim, v)?;
        }
        filters.push((dim, values));
    }
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        bail!("--from {from} is after --to {to}");
    }
    Ok(CountQuery {
        table,
        by,
        filters,
        from: args.from,
        to: args.to,
        releases: (!args.release.is_empty()).then(|| args.release.clone()),
    })
}

/// Runs the count and prints it.
///
/// # Errors
/// Bad arguments, a missing store, unknown releases.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let mut query = parse_query(&args)?;
    let store = Store::open(&args.store)?;
    // `--where release=` accepts what `--release` accepts: file name, id or SHA-256 prefix.
    for (dim, values) in &mut query.filters {
        if *dim == Dimension::Release {
            for v in values.iter_mut() {
                if let [one] = store.manifest().select(v).as_slice() {
                    *v = one.report.file_name.clone();
                }
            }
        }
    }
    let mut result = count(&store, &query)?;
    // Columns are headed by the names the user gave (`--by method` heads `method`), so a
    // script's column names do not depend on which alias resolves to which field.
    result.dimensions = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.trim().to_ascii_lowercase())
        .collect();
    write_result(out, &args, &query, &result)?;
    Ok(ExitCode::SUCCESS)
}

/// Small-cell protection for everything a count prints: cells below the threshold print
/// as `<N`; when any cell is suppressed, the total and the per-release row counts (which
/// would let a reader subtract their way to the hidden cells) are rounded to the nearest
/// 10; and any other count below the threshold prints as `<N` too.
struct Disclosure {
    threshold: u64,
    any_suppressed: bool,
}

impl Disclosure {
    fn new(threshold: u64, result: &CountResult) -> Disclosure {
        let active = threshold > 1;
        Disclosure {
            threshold,
            any_suppressed: active && result.groups.iter().any(|(_, n)| *n < threshold),
        }
    }

    /// A true zero reveals no one, so it is never suppressed.
    fn small(&self, n: u64) -> bool {
        self.threshold > 1 && n > 0 && n < self.threshold
    }

    /// A cell: exact, or `<N`.
    fn cell(&self, n: u64, pretty: bool) -> String {
        if self.small(n) {
            format!("<{}", self.threshold)
        } else if pretty {
            thousands(n)
        } else {
            n.to_string()
        }
    }

    /// A total over cells: exact, `<N`, or rounded to the nearest 10 when cells are hidden.
    fn total(&self, n: u64) -> String {
        if self.small(n) {
            format!("<{}", self.threshold)
        } else if self.any_suppressed {
            format!(
                "about {} (rounded to the nearest 10: some cells are suppressed)",
                thousands(round10(n))
            )
        } else {
            thousands(n)
        }
    }

    fn total_json(&self, n: u64) -> serde_json::Value {
        if self.small(n) || self.any_suppressed {
            json!(null)
        } else {
            json!(n)
        }
    }
}

/// Refuses `--where` values that can never match: unknown AOR codes or method groups,
/// malformed fiscal years, months and dates.
fn check_where_value(table: TableKind, dim: Dimension, value: &str) -> Result<()> {
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
        Dimension::MethodGroup => ["custodial", "at-large", "border", "other", "(blank)"]
            .contains(&v.to_ascii_lowercase().as_str()),
        Dimension::Fy => {
            tally_model::fiscal::parse_fiscal_year_label(v).is_some() || v == "(undated)"
        }
        Dimension::Month => {
            v == "(undated)"
                || chrono::NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").is_ok()
        }
        Dimension::Week | Dimension::Date => {
            v == "(undated)" || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
        }
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let expected = match dim {
        Dimension::Aor => {
            let codes: Vec<&str> = tally_model::AorCrosswalk::embedded()
                .codes()
                .iter()
                .map(|(c, _)| *c)
                .collect();
            format!("an AOR code or name: {}, or (blank)", codes.join(", "))
        }
        Dimension::HourOfDay => "an hour 0-23, or (no time)".into(),
        d if d.is_flag(table) => "YES or NO (or Y/N, TRUE/FALSE), or (blank)".into(),
        Dimension::MethodGroup => "custodial, at-large, border, other or (blank)".into(),
        Dimension::Fy => "a fiscal year such as 2019 or FY2019".into(),
        Dimension::Month => "a month as YYYY-MM".into(),
        _ => "a date as YYYY-MM-DD (weeks by their Monday)".into(),
    };
    bail!(
        "--where {}={v:?} can never match: expected {expected}",
        dim.name()
    )
}

fn round10(n: u64) -> u64 {
    (n + 5) / 10 * 10
}

/// Prints a count result in the chosen format, with provenance (table and JSON on stdout;
/// CSV keeps stdout to the data and puts provenance on stderr).
pub fn write_result(
    out: &mut dyn Write,
    args: &Args,
    query: &CountQuery,
    result: &CountResult,
) -> Result<()> {
    let d = Disclosure::new(args.suppress_below, result);
    let provenance: Vec<String> = result
        .releases
        .iter()
        .map(|r| {
            let counted = if d.any_suppressed && !d.small(r.rows_counted) {
                format!("about {}", thousands(round10(r.rows_counted)))
            } else {
                d.cell(r.rows_counted, true)
            };
            let shadowed = if r.rows_shadowed > 0 {
                format!(
                    ", {} rows on days another release covers (precedence)",
                    d.cell(r.rows_shadowed, true)
                )
            } else {
                String::new()
            };
            format!(
                "{} (sha256 {}, sheets {}): {counted} rows counted{shadowed}",
                r.file_name,
                r.sha256,
                r.sheets.join(", ")
            )
        })
        .collect();
    let query_text = describe(args);
    match args.format {
        Format::Csv => {
            let mut header = result.dimensions.clone();
            header.push("count".into());
            let mut w = csv_writer(out);
            w.write_record(&header)?;
            for (values, n) in &result.groups {
                let mut record = values.clone();
                record.push(d.cell(*n, false));
                w.write_record(&record)?;
            }
            w.flush()?;
            crate::warn!("# {query_text}");
            for p in &provenance {
                crate::warn!("# source: {p}");
            }
            for note in &result.notes {
                crate::warn!("# note: {note}");
            }
        }
        Format::Json => {
            let groups: Vec<serde_json::Value> = result
                .groups
                .iter()
                .map(|(values, n)| {
                    let mut obj = serde_json::Map::new();
                    for (dim, v) in result.dimensions.iter().zip(values) {
                        obj.insert(dim.clone(), json!(v));
                    }
                    obj.insert(
                        "count".into(),
                        if d.small(*n) { json!(null) } else { json!(n) },
                    );
                    if d.small(*n) {
                        obj.insert("suppressed".into(), json!(format!("<{}", d.threshold)));
                    }
                    serde_json::Value::Object(obj)
                })
                .collect();
            let releases: Vec<serde_json::Value> = result
                .releases
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "sha256": r.sha256,
                        "file_name": r.file_name,
                        "sheets": r.sheets,
                        "rows_counted": if d.small(r.rows_counted) || d.any_suppressed { json!(null) } else { json!(r.rows_counted) },
                        "rows_shadowed": if d.small(r.rows_shadowed) && r.rows_shadowed > 0 { json!(null) } else { json!(r.rows_shadowed) },
                    })
                })
                .collect();
            let doc = json!({
                "table": query.table.slug(),
                "query": query_text,
                "dimensions": result.dimensions,
                "groups": groups,
                "total": d.total_json(result.total),
                "total_rounded": if d.any_suppressed && !d.small(result.total) { json!(round10(result.total)) } else { json!(null) },
                "undated_rows": d.total_json(result.undated_rows),
                "suppress_below": d.threshold,
                "releases": releases,
                "overlaps_resolved": result.overlaps,
                "notes": result.notes,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => {
            let mut header = result.dimensions.clone();
            header.push("count".into());
            let rows: Vec<Vec<String>> = result
                .groups
                .iter()
                .map(|(values, n)| {
                    let mut r = values.clone();
                    r.push(d.cell(*n, true));
                    r
                })
                .collect();
            write!(out, "{}", table(&header, &rows, &[header.len() - 1]))?;
            writeln!(out, "total {}", d.total(result.total))?;
            writeln!(out, "\nquery: {query_text}")?;
            for p in &provenance {
                writeln!(out, "source: {p}")?;
            }
            if result.releases.is_empty() {
                writeln!(
                    out,
                    "no release in the store holds {} rows matching this query",
                    query.table
                )?;
            }
            if result.undated_rows > 0 {
                writeln!(
                    out,
                    "note: {} counted rows have no event date",
                    d.cell(result.undated_rows, true)
                )?;
            }
            for note in &result.notes {
                writeln!(out, "note: {note}")?;
            }
        }
    }
    Ok(())
}

fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::Writer::from_writer(out)
}

fn describe(args: &Args) -> String {
    let mut parts = vec![format!("tally count {}", args.table)];
    if !args.by.is_empty() {
        parts.push(format!("--by {}", args.by.join(",")));
    }
    for f in &args.filters {
        parts.push(format!("--where {f}"));
    }
    if let Some(d) = args.from {
        parts.push(format!("--from {d}"));
    }
    if let Some(d) = args.to {
        parts.push(format!("--to {d}"));
    }
    for r in &args.release {
        parts.push(format!("--release {r}"));
    }
    if args.suppress_below != 10 {
        parts.push(format!("--suppress-below {}", args.suppress_below));
    }
    parts.join(" ")
}
