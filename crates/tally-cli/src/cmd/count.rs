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
use tally_publish::{Disclosure, Figure, PublishedCount, publish_count};
use tally_query::count::CellCoverage;
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

/// Prints a count result in the chosen format, with provenance (table and JSON on stdout;
/// CSV keeps stdout to the data and puts provenance on stderr). Every number goes through
/// the publication layer (`tally_publish`) first; this only renders.
pub fn write_result(
    out: &mut dyn Write,
    args: &Args,
    query: &CountQuery,
    result: &CountResult,
) -> Result<()> {
    let p = publish_count(result, Disclosure::new(args.suppress_below));
    let provenance: Vec<String> = p
        .releases
        .iter()
        .map(|r| {
            let mut shadowed = match r.rows_shadowed {
                Figure::Exact(0) => String::new(),
                f => format!(
                    ", {} rows on days another release covers (precedence)",
                    f.text()
                ),
            };
            if r.rows_duplicate != Figure::Exact(0) {
                shadowed.push_str(&format!(
                    ", {} rows already counted from another cut of the same ICE workbook (same source row)",
                    r.rows_duplicate.text()
                ));
            }
            format!(
                "{} (sha256 {}, sheets {}): {} rows counted{shadowed}",
                r.file_name,
                r.sha256,
                r.sheets.join(", "),
                r.rows_counted.text()
            )
        })
        .collect();
    let mut notes: Vec<String> = partial_cell_notes(&p);
    notes.extend(p.notes.iter().cloned());
    if p.any_suppressed {
        notes.push(format!(
            "cells below {} print as <{}; sums over them (the total, each release's rows) print rounded so that no suppressed cell can be worked out",
            p.suppress_below, p.suppress_below
        ));
    }
    let query_text = describe(args);
    match args.format {
        Format::Csv => {
            let mut header = p.dimensions.clone();
            header.push("count".into());
            let mut w = csv_writer(out);
            w.write_record(&header)?;
            for g in &p.groups {
                let mut record = g.values.clone();
                record.push(g.count.plain());
                w.write_record(&record)?;
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
            let groups: Vec<serde_json::Value> = p
                .groups
                .iter()
                .map(|g| {
                    let mut obj = serde_json::Map::new();
                    for (dim, v) in p.dimensions.iter().zip(&g.values) {
                        obj.insert(dim.clone(), json!(v));
                    }
                    obj.insert("count".into(), g.count.json());
                    if g.coverage != CellCoverage::Full {
                        obj.insert("coverage".into(), json!(g.coverage));
                    }
                    serde_json::Value::Object(obj)
                })
                .collect();
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
            let doc = json!({
                "table": query.table.slug(),
                "query": query_text,
                "dimensions": p.dimensions,
                "groups": groups,
                "total": p.total.json(),
                "undated_rows": p.undated_rows.json(),
                "suppress_below": p.suppress_below,
                "releases": releases,
                "overlaps_resolved": overlaps,
                "coverage_gaps": p.coverage_gaps,
                "notes": notes,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        Format::Table => {
            let mut header = p.dimensions.clone();
            header.push("count".into());
            let partial = p.groups.iter().any(|g| g.coverage != CellCoverage::Full);
            if partial {
                header.push("coverage".into());
            }
            let rows: Vec<Vec<String>> = p
                .groups
                .iter()
                .map(|g| {
                    let mut r = g.values.clone();
                    r.push(g.count.text());
                    if partial {
                        r.push(coverage_text(&g.coverage));
                    }
                    r
                })
                .collect();
            let count_column = p.dimensions.len();
            write!(out, "{}", table(&header, &rows, &[count_column]))?;
            writeln!(out, "total {}", p.total.text())?;
            writeln!(out, "\nquery: {query_text}")?;
            for line in &provenance {
                writeln!(out, "source: {line}")?;
            }
            if p.releases.is_empty() {
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

/// How a cell's coverage prints in the table.
fn coverage_text(c: &CellCoverage) -> String {
    match c {
        CellCoverage::Full => String::new(),
        CellCoverage::NotCovered => "not covered".into(),
        CellCoverage::Partial { covered, of } => {
            format!(
                "partly: {} of {} AOR-days",
                thousands(*covered as u64),
                thousands(*of as u64)
            )
        }
    }
}

/// A note naming the cells only partly covered (their counts miss the uncovered days).
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
            "{} cell(s) are only partly covered by the ingested releases, and count only the covered days: {}{}",
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
    notes
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
