//! `tally count --compare-schemes` and `--compare-dedup`: one count side by side under
//! every method-group scheme or every de-duplication rule. The numbers come from the
//! publication layer (`tally_publish::schemes`, `tally_publish::dedup`); this module only
//! lays them out.

use super::Format;
use super::count::{Args, csv_writer, describe};
use crate::render::table;
use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use tally_publish::{Disclosure, Figure, publish_count};
use tally_query::count::{CellCoverage, CountResult};
use tally_query::{CountQuery, Dimension, count};
use tally_store::Store;

/// A count laid out side by side: `dims` head the value columns, `figure_names` the
/// figures of each row.
struct SideBySide {
    dims: Vec<String>,
    rows: Vec<(Vec<String>, Vec<Figure>)>,
    figure_names: Vec<&'static str>,
    /// The table format's closing line ("total ... (under every scheme)").
    total_line: String,
    /// Fields the JSON document adds (its total, the schemes or rules).
    json_fields: serde_json::Map<String, serde_json::Value>,
    notes: Vec<String>,
    /// A `coverage` column, one text per row, where some row misses days.
    coverage: Option<Vec<String>>,
}

fn write_side_by_side(
    out: &mut dyn Write,
    args: &Args,
    query: &CountQuery,
    s: &SideBySide,
) -> Result<()> {
    let query_text = describe(args);
    let mut header = s.dims.clone();
    header.extend(s.figure_names.iter().map(|n| n.to_string()));
    if s.coverage.is_some() {
        header.push("coverage".into());
    }
    let coverage_of = |i: usize| s.coverage.as_ref().map(|c| c[i].clone());
    match args.format {
        Format::Csv => {
            let mut w = csv_writer(out);
            w.write_record(&header)?;
            for (i, (values, figures)) in s.rows.iter().enumerate() {
                let mut record = values.clone();
                record.extend(figures.iter().map(Figure::plain));
                record.extend(coverage_of(i));
                w.write_record(&record)?;
            }
            w.flush()?;
            crate::warn!("# {query_text}");
            for note in &s.notes {
                crate::warn!("# note: {note}");
            }
        }
        Format::Json => {
            let groups: Vec<serde_json::Value> = s
                .rows
                .iter()
                .enumerate()
                .map(|(i, (values, figures))| {
                    let mut obj = serde_json::Map::new();
                    for (d, v) in s.dims.iter().zip(values) {
                        obj.insert(d.clone(), json!(v));
                    }
                    for (name, f) in s.figure_names.iter().zip(figures) {
                        obj.insert(name.to_string(), f.json());
                    }
                    if let Some(c) = coverage_of(i).filter(|c| !c.is_empty()) {
                        obj.insert("coverage".into(), json!(c));
                    }
                    serde_json::Value::Object(obj)
                })
                .collect();
            let mut doc = serde_json::Map::new();
            doc.insert("table".into(), json!(query.table.slug()));
            doc.insert("query".into(), json!(query_text));
            doc.insert("dimensions".into(), json!(s.dims));
            doc.insert("groups".into(), json!(groups));
            doc.extend(s.json_fields.clone());
            doc.insert("notes".into(), json!(s.notes));
            serde_json::to_writer_pretty(&mut *out, &serde_json::Value::Object(doc))?;
            writeln!(out)?;
        }
        Format::Table => {
            let body: Vec<Vec<String>> = s
                .rows
                .iter()
                .enumerate()
                .map(|(i, (values, figures))| {
                    let mut r = values.clone();
                    r.extend(figures.iter().map(Figure::text));
                    r.extend(coverage_of(i));
                    r
                })
                .collect();
            let numeric: Vec<usize> = (s.dims.len()..s.dims.len() + s.figure_names.len()).collect();
            write!(out, "{}", table(&header, &body, &numeric))?;
            writeln!(out, "{}", s.total_line)?;
            writeln!(out, "\nquery: {query_text}")?;
            for note in &s.notes {
                writeln!(out, "note: {note}")?;
            }
        }
    }
    Ok(())
}

/// The `--by` names the user gave, but `skip`.
fn given_dims(args: &Args, query: &CountQuery, skip: Option<Dimension>) -> Vec<String> {
    args.by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| b.trim().to_string())
        .filter(|b| skip.is_none() || Dimension::parse(query.table, b).ok() != skip)
        .collect()
}

/// `--compare-schemes`: counts by the other dimensions and by the field of every scheme,
/// then groups under each scheme and publishes (see `tally_publish::schemes`).
pub(super) fn compare_schemes(
    args: &Args,
    query: &CountQuery,
    store: &Store,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let mut atoms = query.clone();
    atoms.by.retain(|d| *d != Dimension::MethodGroup);
    let other: Vec<usize> = (0..atoms.by.len()).collect();
    let mut schemes = Vec::new();
    for scheme in tally_model::schemes() {
        let Some(field) = scheme.field_in(query.table) else {
            continue;
        };
        let dim = Dimension::Field(field);
        let at = match atoms.by.iter().position(|d| *d == dim) {
            Some(at) => at,
            None => {
                atoms.by.push(dim);
                atoms.by.len() - 1
            }
        };
        schemes.push((scheme, at));
    }
    let result = count(store, &atoms)?;
    refuse_fine_keys(args, &result, "schemes", "scheme")?;
    let rule = Disclosure::new(args.suppress_below);
    let published = tally_publish::publish_schemes(&result, &other, &schemes, rule);
    let context = publish_count(&result, rule);
    let mut dims = given_dims(args, query, Some(Dimension::MethodGroup));
    dims.extend(["scheme".to_string(), "method-group".to_string()]);
    let rows = published
        .groups
        .iter()
        .map(|g| {
            let mut r = g.values.clone();
            r.extend([g.scheme.clone(), g.group.clone()]);
            (r, vec![g.count])
        })
        .collect();
    let mut notes: Vec<String> = schemes
        .iter()
        .map(|(s, _)| format!("scheme {}: {} (source: {})", s.name, s.title, s.source))
        .collect();
    notes.extend(context.notes.iter().cloned());
    if published.any_suppressed {
        notes.push(format!(
            "counts below {t} print as <{t}; as schemes split the same rows differently, a group holding a suppressed count prints rounded (the same whatever it holds), so no difference between schemes reveals it",
            t = published.suppress_below
        ));
    }
    let mut json_fields = serde_json::Map::new();
    json_fields.insert("total".into(), published.total.json());
    json_fields.insert("suppress_below".into(), json!(published.suppress_below));
    json_fields.insert(
        "schemes".into(),
        json!(schemes.iter().map(|(s, _)| json!(s)).collect::<Vec<_>>()),
    );
    let side = SideBySide {
        coverage: None,
        dims,
        rows,
        figure_names: vec!["count"],
        total_line: format!("total {} (under every scheme)", published.total.text()),
        json_fields,
        notes,
    };
    write_side_by_side(out, args, query, &side)?;
    Ok(ExitCode::SUCCESS)
}

/// `--compare-dedup`: one count with each row marked by the rules that merge it, then
/// grouped under every rule and published (see `tally_publish::dedup`).
/// The comparisons list every group under each scheme or rule: refused for a key so fine
/// that a small group is nearly one record (`tally_model::disclosure`), which a count
/// does not list.
fn refuse_fine_keys(args: &Args, result: &CountResult, what: &str, each: &str) -> Result<()> {
    if Disclosure::for_table(args.suppress_below, result.table).threshold <= 1
        || result.lists_small_groups()
    {
        return Ok(());
    }
    let named: Vec<&str> = result
        .dimensions
        .iter()
        .chain(&result.pinned)
        .map(String::as_str)
        .filter(|d| *d != tally_query::count::MERGED_BY)
        .collect();
    anyhow::bail!(
        "--compare-{what} lists every group under each {each}, and a count by {} keys groups so finely that a small one is nearly one record (two or more of a day or hour, a place finer than an AOR, a nationality or country and a conviction), which Tally does not list; compare over coarser dimensions or a longer range",
        named.join(", ")
    );
}

pub(super) fn compare_dedup(
    args: &Args,
    query: &CountQuery,
    store: &Store,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let result = count(store, query)?;
    refuse_fine_keys(args, &result, "dedup", "rule")?;
    let rule = Disclosure::new(args.suppress_below);
    let rules = query.dedup_marks.clone();
    let published = tally_publish::publish_dedup(&result, &rules, rule);
    let context = publish_count(&result, rule);
    let mut dims = given_dims(args, query, None);
    dims.push("dedup".into());
    // Cells that miss days say so in a column, as in a plain count.
    let partial = published
        .groups
        .iter()
        .any(|g| g.coverage != CellCoverage::Full);
    let rows = published
        .groups
        .iter()
        .map(|g| {
            let mut r = g.values.clone();
            r.push(g.rule.clone());
            (r, vec![g.count, g.merged])
        })
        .collect();
    let coverage: Vec<String> = published
        .groups
        .iter()
        .map(|g| super::count::coverage_text(result.table.slug(), &g.coverage))
        .collect();
    let mut notes: Vec<String> = tally_model::dedup_rules()
        .iter()
        .filter(|r| r.is_none() || rules.contains(r))
        .map(|r| format!("rule {}: {} (source: {})", r.name, r.title, r.source))
        .collect();
    let skipped: Vec<&str> = tally_model::dedup_rules()
        .iter()
        .filter(|r| !r.is_none() && !rules.contains(r))
        .map(|r| r.name.as_str())
        .collect();
    if !skipped.is_empty() {
        notes.push(format!(
            "{} has no person identifier, so {} cannot apply",
            query.table,
            skipped.join(" and ")
        ));
    }
    // The merged-by marks are this view's own column; the context's notes are the count's.
    notes.extend(context.notes.iter().cloned());
    if published.any_suppressed {
        notes.push(format!(
            "counts below {t} print as <{t}; as rules set aside different rows of the same count, a figure holding a suppressed count prints as the range it could take, so no difference between rules reveals it",
            t = published.suppress_below
        ));
    }
    let totals: Vec<String> = published
        .totals
        .iter()
        .map(|(name, n, merged)| format!("{name} {} ({} merged)", n.text(), merged.text()))
        .collect();
    let mut json_fields = serde_json::Map::new();
    json_fields.insert(
        "totals".into(),
        json!(published
            .totals
            .iter()
            .map(|(name, n, merged)| json!({"dedup": name, "count": n.json(), "merged": merged.json()}))
            .collect::<Vec<_>>()),
    );
    json_fields.insert("suppress_below".into(), json!(published.suppress_below));
    json_fields.insert("rules".into(), json!(rules));
    if let Some(n) = context.rows_without_person {
        json_fields.insert("rows_without_person".into(), n.json());
    }
    let side = SideBySide {
        dims,
        rows,
        figure_names: vec!["count", "merged"],
        total_line: format!("totals: {}", totals.join("; ")),
        json_fields,
        notes,
        coverage: partial.then_some(coverage),
    };
    write_side_by_side(out, args, query, &side)?;
    Ok(ExitCode::SUCCESS)
}
