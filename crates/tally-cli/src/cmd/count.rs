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
#[command(
    after_help = "Example:\n  tally count arrests --store ./store --by fy,method-group --where aor=CHI,NYC \\\n      --from 2018-10-01 --to 2019-08-31 --format csv\n\n\
Tables: arrests, encounters, removals, book-ins, detainers, detention-stints.\n\
Dimensions: fy, month (YYYY-MM), week (its Monday, YYYY-MM-DD), date, aor, method, method-group, \
citizenship, gender, landmark, operation, processing-disposition, release.\n\
Empty values print as (blank), withheld ones as (withheld), rows with no event date as (undated).\n\
Counts below --suppress-below (default 10) print as <10 so small cells are never published."
)]
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

fn parse_query(args: &Args) -> Result<CountQuery> {
    let Some(table) = TableKind::from_slug(&args.table) else {
        bail!(
            "unknown table {:?}; expected one of {}",
            args.table,
            TableKind::ALL.map(|t| t.slug()).join(", ")
        );
    };
    let dimension = |name: &str| -> Result<Dimension> {
        Dimension::parse(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown dimension {name:?}; expected one of {}",
                Dimension::ALL.map(|(_, n)| n).join(", ")
            )
        })
    };
    let by = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| dimension(b))
        .collect::<Result<Vec<_>>>()?;
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
        filters.push((dimension(dim)?, values));
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

fn shown(n: u64, threshold: u64) -> String {
    if threshold > 1 && n < threshold {
        format!("<{threshold}")
    } else {
        n.to_string()
    }
}

/// Runs the count and prints it.
///
/// # Errors
/// Bad arguments, a missing store, unknown releases.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let query = parse_query(&args)?;
    let store = Store::open(&args.store)?;
    let result = count(&store, &query)?;
    write_result(out, &args, &query, &result)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a count result in the chosen format, with provenance (table and JSON on stdout;
/// CSV keeps stdout to the data and puts provenance on stderr).
pub fn write_result(
    out: &mut dyn Write,
    args: &Args,
    query: &CountQuery,
    result: &CountResult,
) -> Result<()> {
    let threshold = args.suppress_below;
    let provenance: Vec<String> = result
        .releases
        .iter()
        .map(|r| {
            format!(
                "{} (sha256 {}, sheets {}): {} rows counted{}",
                r.file_name,
                r.sha256,
                r.sheets.join(", "),
                thousands(r.rows_counted),
                if r.rows_shadowed > 0 {
                    format!(
                        ", {} rows on days another release covers (precedence)",
                        thousands(r.rows_shadowed)
                    )
                } else {
                    String::new()
                }
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
                record.push(shown(*n, threshold));
                w.write_record(&record)?;
            }
            w.flush()?;
            eprintln!("# {query_text}");
            for p in &provenance {
                eprintln!("# source: {p}");
            }
        }
        Format::Json => {
            let groups: Vec<serde_json::Value> = result
                .groups
                .iter()
                .map(|(values, n)| {
                    let mut obj = serde_json::Map::new();
                    for (d, v) in result.dimensions.iter().zip(values) {
                        obj.insert(d.clone(), json!(v));
                    }
                    let suppressed = threshold > 1 && *n < threshold;
                    obj.insert(
                        "count".into(),
                        if suppressed { json!(null) } else { json!(n) },
                    );
                    if suppressed {
                        obj.insert("suppressed".into(), json!(format!("<{threshold}")));
                    }
                    serde_json::Value::Object(obj)
                })
                .collect();
            let doc = json!({
                "table": query.table.slug(),
                "query": query_text,
                "dimensions": result.dimensions,
                "groups": groups,
                "total": result.total,
                "undated_rows": result.undated_rows,
                "suppress_below": threshold,
                "releases": result.releases,
                "overlaps_resolved": result.overlaps,
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
                    r.push(if threshold > 1 && *n < threshold {
                        format!("<{threshold}")
                    } else {
                        thousands(*n)
                    });
                    r
                })
                .collect();
            write!(out, "{}", table(&header, &rows, &[header.len() - 1]))?;
            writeln!(out, "total {}", thousands(result.total))?;
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
                    thousands(result.undated_rows)
                )?;
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
    parts.join(" ")
}
