//! `tally count TABLE --by policy[,aor,fy,month,method-group]`: rows by the policy of
//! their county on their day.

use super::Format;
use super::count::{Args, describe, parse_query};
use crate::render::table;
use anyhow::{Result, bail};
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use tally_publish::{Disclosure, Figure};
use tally_query::count::CellCoverage;
use tally_query::dimension::Dimension;
use tally_query::jurisdiction::policy_count::{COUNTY_UNKNOWN, count_by_policy};
use tally_query::jurisdiction::{CountyDirectory, PolicyFamily};
use tally_store::Store;

/// Runs the count.
///
/// # Errors
/// As `count`, plus no crosswalk or policy list in the store.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    let family = match args.policy.as_deref().map(str::trim) {
        None | Some("sanctuary") => PolicyFamily::Sanctuary,
        Some("287g") => PolicyFamily::Agreement287g,
        Some("secure-communities") => PolicyFamily::SecureCommunities,
        Some(other) => bail!("--policy {other:?}: expected sanctuary, 287g or secure-communities"),
    };
    if args.per_capita.is_some() || args.compare_schemes || args.compare_dedup {
        bail!(
            "--by policy does not combine with --per-capita, --compare-schemes or --compare-dedup"
        );
    }
    let by: Vec<String> = args
        .by
        .iter()
        .map(|b| b.trim().to_ascii_lowercase())
        .filter(|b| !b.is_empty())
        .collect();
    let mut plain = args.clone();
    plain.by = Vec::new();
    let query = parse_query(&plain)?;
    let store = Store::open(&args.store)?;
    let Some(counties) = CountyDirectory::read(&store, args.crosswalk.as_deref())? else {
        bail!(
            "--by policy places rows in counties through a county-aor crosswalk: tally ingest --store {} ../shared/data/reference/uwchr_county_aor_hand.csv",
            args.store.display()
        );
    };
    let coverage_query = query.clone();
    let result = count_by_policy(&store, query, &by, family, &counties)?;
    // Cells the policy count leaves out because no release covers them, and those only
    // partly covered: counted by the same dimensions without the policy.
    let (coverage_note, coverage_of) = {
        let mut q = coverage_query;
        q.by = by
            .iter()
            .filter_map(|b| match b.as_str() {
                "aor" => Some(Dimension::Aor),
                "fy" => Some(Dimension::Fy),
                "month" => Some(Dimension::Month),
                _ => None,
            })
            .collect();
        let c = tally_query::count::count(&store, &q)?;
        let name = |g: &tally_query::count::Group| {
            if g.values.is_empty() {
                "the query".to_string()
            } else {
                g.values.join(" ")
            }
        };
        let missing: Vec<String> = c
            .groups
            .iter()
            .filter(|g| g.coverage == CellCoverage::NotCovered)
            .map(name)
            .collect();
        let partial: Vec<String> = c
            .groups
            .iter()
            .filter_map(|g| match g.coverage {
                // Worded as a count's coverage column words it (one definition).
                CellCoverage::Partial { .. } => Some(format!(
                    "{} ({})",
                    name(g),
                    super::count::coverage_text(q.table.slug(), &g.coverage)
                )),
                _ => None,
            })
            .collect();
        let mut parts = Vec::new();
        if !missing.is_empty() {
            parts.push(format!(
                "not covered by any release, so missing, not zero (a few rows dated there, outside a release's stated period, still count): {}",
                missing.join(", ")
            ));
        }
        if !partial.is_empty() {
            parts.push(format!(
                "only partly covered, counting the covered days: {}",
                partial.join(", ")
            ));
        }
        // Each cell's coverage, by its values without the policy (in `by`'s order).
        let coverage_of: std::collections::HashMap<Vec<String>, CellCoverage> = c
            .groups
            .iter()
            .map(|g| (g.values.clone(), g.coverage))
            .collect();
        (parts.join("; "), coverage_of)
    };
    // The values of `by` the coverage count was grouped by, in order.
    let covered_dims: Vec<usize> = (0..by.len())
        .filter(|i| matches!(by[*i].as_str(), "aor" | "fy" | "month"))
        .collect();
    let cell_coverage = |values: &[String]| -> CellCoverage {
        let key: Vec<String> = covered_dims.iter().map(|i| values[*i].clone()).collect();
        coverage_of.get(&key).copied().unwrap_or(CellCoverage::Full)
    };
    let rule = Disclosure::new(args.suppress_below);
    let cells: Vec<Figure> = result.groups.iter().map(|(_, n)| rule.cell(*n)).collect();
    let total: u64 = result.groups.iter().map(|(_, n)| n).sum();
    let hidden: Vec<u64> = result
        .groups
        .iter()
        .map(|(_, n)| *n)
        .filter(|n| rule.small(*n))
        .collect();
    let total_figure = rule.sum(total, &hidden);
    let mut notes = vec![
        format!(
            "policy: whether the row's county was under a {} policy on the row's event date, by {}; a county comes from the release's own state and county columns, else from a landmark that names one county of the AOR (tally jurisdictions landmarks); rows placed in no county are {COUNTY_UNKNOWN}",
            family.name(),
            result.lists.join(", ")
        ),
        format!("counties from {}", counties.crosswalk),
        "an AOR's share of population under each policy is not computed: the store has populations per AOR, not per county".to_string(),
    ];
    if !result.lists_without_state.is_empty() {
        let entries: Vec<String> = result
            .lists_without_state
            .iter()
            .map(|(list, entry)| format!("{entry:?} ({list})"))
            .collect();
        notes.push(format!(
            "{} list entr{} read with no U.S. state, so placed in no county or state and under the policy nowhere in this count: {}",
            entries.len(),
            if entries.len() == 1 { "y is" } else { "ies are" },
            entries.join(", ")
        ));
    }
    if !hidden.is_empty() {
        notes.push(format!(
            "cells below {} print as <{}; the total is rounded so that they cannot be worked out",
            args.suppress_below, args.suppress_below
        ));
    }
    let sources: Vec<String> = result
        .releases
        .iter()
        .filter(|r| r.rows_counted > 0)
        .map(|r| {
            // With suppressed cells, exact rows per release would add up to the exact
            // total the rounded one protects.
            if hidden.is_empty() {
                format!(
                    "{} (sha256 {}): {} rows counted",
                    r.file_name,
                    r.sha256,
                    rule.cell(r.rows_counted).text()
                )
            } else {
                format!(
                    "{} (sha256 {}): rows counted: not shown",
                    r.file_name, r.sha256
                )
            }
        })
        .collect();
    if !coverage_note.is_empty() {
        notes.insert(0, coverage_note);
    }
    if family == PolicyFamily::SecureCommunities {
        notes.push("Secure Communities was ended on 2014-11-20 (replaced by the Priority Enforcement Program) and restored on 2017-01-25: between those days a county's activation says its jails' fingerprints reached ICE, not that the program ran".into());
    }
    if family == PolicyFamily::Agreement287g {
        notes.push("287(g): a day uses the latest snapshot on or before it, else the earliest snapshot; agreements that ended before the earliest snapshot are not known".into());
    }
    let query_text = describe(args);
    // Each cell's coverage, and a `coverage` column where some cell is not fully covered
    // (a spreadsheet shows no notes), worded as a count's.
    let coverages: Vec<CellCoverage> = result
        .groups
        .iter()
        .map(|(values, _)| cell_coverage(values))
        .collect();
    let partial = coverages.iter().any(|c| *c != CellCoverage::Full);
    let coverage_words = |i: usize| {
        super::count::cell_coverage_words(args.table.as_str(), &coverages[i], &cells[i], false)
    };
    match args.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let mut header = by.clone();
            header.push("count".into());
            if partial {
                header.push("coverage".into());
            }
            w.write_record(&header)?;
            for (i, ((values, _), f)) in result.groups.iter().zip(&cells).enumerate() {
                let mut rec = values.clone();
                rec.push(f.plain());
                if partial {
                    rec.push(coverage_words(i));
                }
                w.write_record(&rec)?;
            }
            w.flush()?;
            crate::warn!("# {query_text}");
            for s in &sources {
                crate::warn!("# source: {s}");
            }
            for n in &notes {
                crate::warn!("# note: {n}");
            }
        }
        Format::Json => {
            let groups: Vec<serde_json::Value> = result
                .groups
                .iter()
                .zip(&cells)
                .zip(&coverages)
                .map(|(((values, _), f), coverage)| {
                    let mut o = serde_json::Map::new();
                    for (d, v) in by.iter().zip(values) {
                        o.insert(d.clone(), json!(v));
                    }
                    o.insert("count".into(), f.json());
                    if *coverage != CellCoverage::Full {
                        o.insert("coverage".into(), json!(coverage));
                    }
                    serde_json::Value::Object(o)
                })
                .collect();
            let body = json!({
                "table": args.table,
                "query": query_text,
                "policy": family.name(),
                "dimensions": by,
                "groups": groups,
                "total": total_figure.json(),
                "policy_lists": result.lists,
                "crosswalk": counties.crosswalk,
                "sources": sources,
                "notes": notes,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        Format::Table => {
            let mut header = by.clone();
            header.push("count".into());
            if partial {
                header.push("coverage".into());
            }
            let rows: Vec<Vec<String>> = result
                .groups
                .iter()
                .zip(&cells)
                .enumerate()
                .map(|(i, ((values, _), f))| {
                    let mut r = values.clone();
                    r.push(f.text());
                    if partial {
                        r.push(coverage_words(i));
                    }
                    r
                })
                .collect();
            write!(out, "{}", table(&header, &rows, &[by.len()]))?;
            writeln!(out, "total {}", total_figure.text())?;
            writeln!(out, "\nquery: {query_text}")?;
            for s in &sources {
                writeln!(out, "source: {s}")?;
            }
            for n in &notes {
                writeln!(out, "note: {n}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
