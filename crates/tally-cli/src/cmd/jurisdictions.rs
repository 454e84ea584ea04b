//! `tally jurisdictions`: the policy layer. Places with the policies in force on a date,
//! 287(g) agencies placed in counties, and what changed between two 287(g) snapshots.

use super::Format;
use crate::render::{table, thousands};
use anyhow::{Result, bail};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::TableKind;
use tally_query::jurisdiction::{CountyDirectory, Snapshot, diff, read_snapshot};
use tally_store::{ReleaseEntry, Store};

/// Places and the cooperation policies in force there.
#[derive(clap::Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    about = "Places (counties, cities, states) with the immigration cooperation policies in force on a date: 287(g) agreements, sanctuary lists, Secure Communities",
    after_help = "Examples:\n  tally jurisdictions --store ./store --on 2025-12-31 --state TX\n  tally jurisdictions agencies --store ./store --release participatingAgencies-20251231.xlsx\n  tally jurisdictions diff --store ./store participatingAgencies-20250408.xlsx participatingAgencies-20251231.xlsx"
)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    list: super::jurisdictions_on::OnArgs,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// 287(g) agencies of each snapshot placed in counties (FIPS) and AORs, with the
    /// share placed per snapshot.
    Agencies(AgenciesArgs),
    /// Arrests (or detainers) placed in counties per AOR and fiscal year: by the
    /// landmark where it names a county, by the release's own county column where it has
    /// one; offices and programs are not places.
    Landmarks(LandmarksArgs),
    /// Agreements added, removed and changed between two 287(g) snapshots, matching
    /// respelled agencies (fuzzy matches are marked with their score).
    Diff(DiffArgs),
}

#[derive(clap::Args, Debug)]
struct AgenciesArgs {
    /// Store directory.
    #[arg(long)]
    store: PathBuf,
    /// Snapshots to list (file name, its tail, or id); every 287(g) snapshot when absent.
    #[arg(long)]
    release: Vec<String>,
    /// The county-aor crosswalk to place counties with (default: the latest ingested).
    #[arg(long)]
    crosswalk: Option<String>,
    /// Print only the match rates, not each agency.
    #[arg(long)]
    summary: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct LandmarksArgs {
    /// Store directory.
    #[arg(long)]
    store: PathBuf,
    /// Table whose rows to place (arrests, detainers, ...).
    #[arg(long, default_value = "arrests")]
    table: String,
    /// Count only these releases (file name, its tail, or id).
    #[arg(long)]
    release: Vec<String>,
    /// The county-aor crosswalk (default: the latest ingested). Use one without
    /// Harlingen for releases before ICE's Harlingen AOR existed.
    #[arg(long)]
    crosswalk: Option<String>,
    /// List each landmark with where it was placed, instead of the shares.
    #[arg(long)]
    list: bool,
    /// Cells with a count below this print as "<N".
    #[arg(long, default_value_t = tally_publish::DEFAULT_THRESHOLD)]
    suppress_below: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// Store directory.
    #[arg(long)]
    store: PathBuf,
    /// The earlier snapshot (file name, its tail, or id).
    before: String,
    /// The later snapshot.
    after: String,
    /// The county-aor crosswalk (default: the latest ingested).
    #[arg(long)]
    crosswalk: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs `tally jurisdictions`.
///
/// # Errors
/// A missing store, a selector naming no 287(g) snapshot, unreadable store files.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    match args.action {
        Some(Action::Agencies(a)) => agencies(a, out),
        Some(Action::Diff(d)) => run_diff(d, out),
        Some(Action::Landmarks(l)) => super::jurisdictions_places::run(
            super::jurisdictions_places::PlaceArgs {
                store: l.store,
                table: l.table,
                release: l.release,
                crosswalk: l.crosswalk,
                list: l.list,
                suppress_below: l.suppress_below,
                format: l.format,
            },
            out,
        ),
        None => super::jurisdictions_on::run(args.list, out),
    }
}

/// 287(g) tables: participating lists, then pending ones.
fn agreement_tables() -> Vec<TableKind> {
    ["287g-agreements", "287g-pending"]
        .iter()
        .filter_map(|s| TableKind::from_slug(s))
        .collect()
}

/// The 287(g) snapshot `selector` names, with its table.
fn snapshot_release<'s>(store: &'s Store, selector: &str) -> Result<(TableKind, &'s ReleaseEntry)> {
    let picked = store.manifest().select(selector);
    for table in agreement_tables() {
        // A list with no rows (ICE's pending list of 2025-11-21) holds the table too.
        if let Some(r) = picked
            .iter()
            .find(|r| r.report.sheets.iter().any(|s| s.table == table))
        {
            return Ok((table, r));
        }
    }
    let known: Vec<String> = agreement_tables()
        .into_iter()
        .flat_map(|t| tally_query::releases_holding(store, t))
        .map(|r| r.report.file_name.clone())
        .collect();
    bail!(
        "{selector:?} names no 287(g) snapshot in the store; it has: {}",
        if known.is_empty() {
            "none (ingest ../shared/data/policy/ice_287g_*.xlsx)".to_string()
        } else {
            known.join(", ")
        }
    )
}

fn open(store: &std::path::Path) -> Result<Store> {
    Ok(Store::open(store)?)
}

fn agencies(args: AgenciesArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let store = open(&args.store)?;
    let counties = CountyDirectory::read(&store, args.crosswalk.as_deref())?;
    let mut chosen: Vec<(TableKind, &ReleaseEntry)> = Vec::new();
    if args.release.is_empty() {
        for t in agreement_tables() {
            chosen.extend(
                tally_query::releases_holding(&store, t)
                    .into_iter()
                    .map(|r| (t, r)),
            );
        }
    } else {
        for s in &args.release {
            chosen.push(snapshot_release(&store, s)?);
        }
    }
    if chosen.is_empty() {
        bail!("the store has no 287(g) snapshot (ingest ../shared/data/policy/ice_287g_*.xlsx)");
    }
    let snapshots: Vec<Snapshot> = chosen
        .iter()
        .map(|(t, r)| read_snapshot(&store, *t, r, counties.as_ref()))
        .collect::<Result<_, _>>()?;
    match args.format {
        Format::Json => {
            let body = json!({
                "crosswalk": counties.as_ref().map(|c| &c.crosswalk),
                "snapshots": snapshots.iter().map(|s| json!({
                    "file_name": s.file_name,
                    "sha256": s.sha256,
                    "table": s.table,
                    "snapshot_date": s.snapshot_date,
                    "rows": s.agreements.len(),
                    "placed_in_county": s.placed(),
                    "agreements": if args.summary { json!(null) } else { json!(s.agreements) },
                })).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "snapshot",
                "agency",
                "state",
                "agency_type",
                "county_listed",
                "support_model",
                "signed",
                "county_fips",
                "aor",
                "placement",
                "source_row",
            ])?;
            for s in &snapshots {
                for a in &s.agreements {
                    w.write_record([
                        s.file_name.clone(),
                        a.agency.clone(),
                        a.state.clone(),
                        a.agency_type.clone().unwrap_or_default(),
                        a.county_listed.clone().unwrap_or_default(),
                        a.support_model.clone().unwrap_or_default(),
                        a.signed.map(|d| d.to_string()).unwrap_or_default(),
                        a.county_fips.clone().unwrap_or_default(),
                        a.aor.clone().unwrap_or_default(),
                        a.placement.clone(),
                        a.source_row.to_string(),
                    ])?;
                }
            }
            w.flush()?;
        }
        Format::Table => {
            if !args.summary {
                for s in &snapshots {
                    writeln!(
                        out,
                        "{} ({} rows)",
                        s.file_name,
                        thousands(s.agreements.len() as u64)
                    )?;
                    let rows: Vec<Vec<String>> = s
                        .agreements
                        .iter()
                        .map(|a| {
                            vec![
                                a.agency.clone(),
                                a.state_postal.clone().unwrap_or_else(|| a.state.clone()),
                                a.support_model.clone().unwrap_or_default(),
                                a.county_fips.clone().unwrap_or_else(|| "-".into()),
                                a.aor.clone().unwrap_or_else(|| "-".into()),
                                a.placement.clone(),
                            ]
                        })
                        .collect();
                    let header = [
                        "agency",
                        "state",
                        "support model",
                        "county",
                        "aor",
                        "placed by",
                    ]
                    .map(String::from);
                    writeln!(out, "{}", table(&header, &rows, &[]))?;
                }
            }
            write_match_rates(out, &snapshots, counties.as_ref())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Per snapshot: rows, rows placed in a county, and the reasons the rest are not.
fn write_match_rates(
    out: &mut dyn Write,
    snapshots: &[Snapshot],
    counties: Option<&CountyDirectory>,
) -> Result<()> {
    writeln!(out, "County (FIPS) placement per snapshot:")?;
    let mut rows = Vec::new();
    for s in snapshots {
        let placed = s.placed();
        let n = s.agreements.len();
        let share = if n == 0 {
            "no rows".to_string()
        } else {
            format!("{:.1}%", 100.0 * placed as f64 / n as f64)
        };
        rows.push(vec![
            s.file_name.clone(),
            thousands(n as u64),
            thousands(placed as u64),
            share,
        ]);
    }
    let header = ["snapshot", "rows", "placed in a county", "share"].map(String::from);
    writeln!(out, "{}", table(&header, &rows, &[1, 2, 3]))?;
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for s in snapshots {
        for a in s.agreements.iter().filter(|a| a.county_fips.is_none()) {
            let reason = a.placement.split(':').next().unwrap_or("").to_string();
            *reasons.entry(reason).or_default() += 1;
        }
    }
    if !reasons.is_empty() {
        writeln!(out, "not placed, by reason (all snapshots):")?;
        for (r, n) in reasons {
            writeln!(out, "  {r}: {n}")?;
        }
    }
    match counties {
        Some(c) => {
            writeln!(
                out,
                "counties from {} ({} counties){}",
                c.crosswalk,
                thousands(c.len() as u64),
                if c.others.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; other crosswalks not used: {} (--crosswalk)",
                        c.others.join(", ")
                    )
                }
            )?;
        }
        None => writeln!(
            out,
            "no county-aor crosswalk in the store: ingest ../shared/data/reference/uwchr_county_aor_hand.csv to place agencies"
        )?,
    }
    writeln!(
        out,
        "rule: the list's COUNTY cell, else a county the agency's name states (\"Etowah County Sheriff's Office\"), matched by name within the state; municipalities and state agencies are not put in a county"
    )?;
    Ok(())
}

fn run_diff(args: DiffArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let store = open(&args.store)?;
    let counties = CountyDirectory::read(&store, args.crosswalk.as_deref())?;
    let (ta, ra) = snapshot_release(&store, &args.before)?;
    let (tb, rb) = snapshot_release(&store, &args.after)?;
    if ta != tb {
        bail!(
            "{} is a {ta} snapshot and {} a {tb} snapshot: compare lists of one kind",
            ra.report.file_name,
            rb.report.file_name
        );
    }
    let a = read_snapshot(&store, ta, ra, counties.as_ref())?;
    let b = read_snapshot(&store, tb, rb, counties.as_ref())?;
    let d = diff(&a, &b);
    let fuzzy = d.matched.iter().filter(|m| m.how != "exact").count();
    let changed = d.changed().count();
    match args.format {
        Format::Json => {
            let body = json!({
                "before": {"file_name": a.file_name, "sha256": a.sha256, "snapshot_date": a.snapshot_date, "rows": d.rows.0},
                "after": {"file_name": b.file_name, "sha256": b.sha256, "snapshot_date": b.snapshot_date, "rows": d.rows.1},
                "added": d.added,
                "removed": d.removed,
                "changed": d.changed().collect::<Vec<_>>(),
                "unchanged": d.matched.len() - changed,
                "fuzzy_threshold": tally_query::jurisdiction::diff::FUZZY_THRESHOLD,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "change",
                "agency_before",
                "agency_after",
                "state",
                "support_model",
                "detail",
                "match",
                "row_before",
                "row_after",
            ])?;
            for a in &d.added {
                w.write_record([
                    "added",
                    "",
                    &a.agency,
                    &a.state,
                    a.support_model.as_deref().unwrap_or(""),
                    "",
                    "",
                    "",
                    &a.source_row.to_string(),
                ])?;
            }
            for a in &d.removed {
                w.write_record([
                    "removed",
                    &a.agency,
                    "",
                    &a.state,
                    a.support_model.as_deref().unwrap_or(""),
                    "",
                    "",
                    &a.source_row.to_string(),
                    "",
                ])?;
            }
            for m in d.changed() {
                w.write_record([
                    "changed",
                    &m.before.agency,
                    &m.after.agency,
                    &m.after.state,
                    m.after.support_model.as_deref().unwrap_or(""),
                    &m.changes.join("; "),
                    &match m.fuzzy_score {
                        Some(s) => format!("{} {s}", m.how),
                        None => m.how.clone(),
                    },
                    &m.before.source_row.to_string(),
                    &m.after.source_row.to_string(),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            writeln!(
                out,
                "{} ({} rows) -> {} ({} rows)",
                a.file_name,
                thousands(d.rows.0 as u64),
                b.file_name,
                thousands(d.rows.1 as u64)
            )?;
            writeln!(
                out,
                "added {}, removed {}, changed {} ({} matched across a respelling, a rename or a move), unchanged {}",
                thousands(d.added.len() as u64),
                thousands(d.removed.len() as u64),
                thousands(changed as u64),
                fuzzy,
                thousands((d.matched.len() - changed) as u64)
            )?;
            let show = |title: &str,
                        list: &[tally_query::jurisdiction::Agreement],
                        out: &mut dyn Write|
             -> Result<()> {
                if list.is_empty() {
                    return Ok(());
                }
                writeln!(out, "\n{title}:")?;
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|a| {
                        vec![
                            a.agency.clone(),
                            a.state_postal.clone().unwrap_or_else(|| a.state.clone()),
                            a.support_model.clone().unwrap_or_default(),
                            a.signed.map(|d| d.to_string()).unwrap_or_default(),
                            a.source_row.to_string(),
                        ]
                    })
                    .collect();
                let header =
                    ["agency", "state", "support model", "signed", "row"].map(String::from);
                writeln!(out, "{}", table(&header, &rows, &[4]))?;
                Ok(())
            };
            show("added", &d.added, out)?;
            show("removed", &d.removed, out)?;
            if changed > 0 {
                writeln!(out, "\nchanged:")?;
                let rows: Vec<Vec<String>> = d
                    .changed()
                    .map(|m| {
                        vec![
                            m.after.agency.clone(),
                            m.after
                                .state_postal
                                .clone()
                                .unwrap_or_else(|| m.after.state.clone()),
                            m.after.support_model.clone().unwrap_or_default(),
                            match m.fuzzy_score {
                                Some(s) => format!("{} {s:.3}", m.how),
                                None => m.how.clone(),
                            },
                            m.changes.join("; "),
                        ]
                    })
                    .collect();
                let header = [
                    "agency (after)",
                    "state",
                    "support model",
                    "match",
                    "what changed",
                ]
                .map(String::from);
                writeln!(out, "{}", table(&header, &rows, &[]))?;
            }
            writeln!(
                out,
                "\nmatching: same state and support model, and the agency name after ignoring case, punctuation and common abbreviations; else a fuzzy name (similarity >= {}, never across two counties), marked with its score; else the same county and signing date (a renamed agency); else the same name under another state",
                tally_query::jurisdiction::diff::FUZZY_THRESHOLD
            )?;
            writeln!(
                out,
                "sources: {} (sha256 {}), {} (sha256 {})",
                a.file_name, a.sha256, b.file_name, b.sha256
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
