//! `tally jurisdictions [--on DATE]`: places with the cooperation policies in force on a
//! date, each with its source list and row.

use super::Format;
use crate::render::{table, thousands};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_query::jurisdiction::{CountyDirectory, PolicyFamily, PolicyPlace, policies_on};
use tally_store::Store;

/// Arguments of the listing (no subcommand).
#[derive(clap::Args, Debug)]
pub struct OnArgs {
    /// Store directory.
    #[arg(long)]
    store: Option<PathBuf>,
    /// The date (YYYY-MM-DD) the policies must be in force on; default today.
    #[arg(long)]
    on: Option<String>,
    /// Only places in this state (postal code or name).
    #[arg(long)]
    state: Option<String>,
    /// Only places in this AOR (code or name), through the county crosswalk.
    #[arg(long)]
    aor: Option<String>,
    /// Only one family of policies: 287g, sanctuary, secure-communities.
    #[arg(long)]
    policy: Option<String>,
    /// The county-aor crosswalk (default: the latest ingested).
    #[arg(long)]
    crosswalk: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Runs the listing.
///
/// # Errors
/// No `--store`, a malformed date, state, AOR or policy, unreadable store files.
pub fn run(args: OnArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let Some(store_path) = &args.store else {
        bail!("--store DIR is required (or a subcommand: agencies, diff)");
    };
    let store = Store::open(store_path)?;
    let date = match &args.on {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .with_context(|| format!("--on {d:?} is not a date like 2019-06-30"))?,
        None => chrono::Local::now().date_naive(),
    };
    let state = match &args.state {
        Some(s) => Some(
            tally_model::states::state(s)
                .with_context(|| {
                    format!("--state {s:?} is not a U.S. state, postal code or FIPS code")
                })?
                .postal
                .clone(),
        ),
        None => None,
    };
    let aor = match &args.aor {
        Some(a) => Some(
            tally_model::aor::AorCrosswalk::embedded()
                .code_for(a)
                .with_context(|| format!("--aor {a:?} is not an AOR code or name"))?
                .to_string(),
        ),
        None => None,
    };
    let family = match args.policy.as_deref() {
        None => None,
        Some(p) => Some(
            [
                tally_query::jurisdiction::PolicyFamily::Agreement287g,
                tally_query::jurisdiction::PolicyFamily::Sanctuary,
                tally_query::jurisdiction::PolicyFamily::SecureCommunities,
            ]
            .into_iter()
            .find(|f| f.name() == p.trim().to_ascii_lowercase())
            .with_context(|| {
                format!("--policy {p:?}: expected 287g, sanctuary or secure-communities")
            })?,
        ),
    };
    let counties = CountyDirectory::read(&store, args.crosswalk.as_deref())?;
    if aor.is_some() && counties.is_none() {
        bail!(
            "--aor places counties in AORs through a county-aor crosswalk, and the store has none: tally ingest --store {} ../shared/data/reference/uwchr_county_aor_hand.csv",
            store_path.display()
        );
    }
    let mut on = policies_on(&store, date, counties.as_ref())?;
    if on.lists.is_empty() {
        bail!(
            "the store has no policy list: ingest ../shared/data/policy (287(g) lists, sanctuary lists, Secure Communities) and ../shared/data/reference/uwchr_county_aor_hand.csv"
        );
    }
    on.places.retain(|p| {
        state.as_ref().is_none_or(|s| p.state.as_ref() == Some(s))
            && aor.as_ref().is_none_or(|a| p.aor.as_ref() == Some(a))
            && family.is_none_or(|f| p.family == f)
    });
    // With one family asked for, only its lists and caveats.
    if let Some(f) = family {
        on.lists.retain(|(g, _)| *g == f);
        on.caveats.retain(|c| {
            !(c.starts_with("287(g)")
                || c.starts_with("sanctuary")
                || c.starts_with("Secure Communities"))
                || c.starts_with(match f {
                    PolicyFamily::Agreement287g => "287(g)",
                    PolicyFamily::Sanctuary => "sanctuary",
                    PolicyFamily::SecureCommunities => "Secure Communities",
                })
        });
    }
    match args.format {
        Format::Json => {
            let body = json!({
                "on": date,
                "filters": {"state": state, "aor": aor, "policy": family.map(|f| f.name())},
                "crosswalk": counties.as_ref().map(|c| &c.crosswalk),
                "lists": on.lists.iter().map(|(f, l)| json!({"policy": f.name(), "file_name": l})).collect::<Vec<_>>(),
                "places": on.places,
                "caveats": on.caveats,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&body)?)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "policy",
                "place",
                "place_kind",
                "state",
                "county_fips",
                "aor",
                "detail",
                "since",
                "until",
                "source_file",
                "source_row",
                "sha256",
            ])?;
            for p in &on.places {
                w.write_record(record(p))?;
            }
            w.flush()?;
            // A spreadsheet shows no stderr, but a script's log does: the lists and caveats.
            for (f, l) in &on.lists {
                crate::warn!("# list ({}): {l}", f.name());
            }
            for c in &on.caveats {
                crate::warn!("# caveat: {c}");
            }
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = on
                .places
                .iter()
                .map(|p| {
                    let r = record(p);
                    vec![
                        r[0].clone(),
                        r[1].clone(),
                        r[2].clone(),
                        r[3].clone(),
                        r[4].clone(),
                        r[5].clone(),
                        r[6].clone(),
                        r[7].clone(),
                        format!("{} row {}", r[9], r[10]),
                    ]
                })
                .collect();
            let header = [
                "policy", "place", "kind", "state", "county", "aor", "detail", "since", "source",
            ]
            .map(String::from);
            writeln!(out, "{}", table(&header, &rows, &[]))?;
            let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
            for p in &on.places {
                *by.entry(p.family.name()).or_default() += 1;
            }
            let summary: Vec<String> = by
                .iter()
                .map(|(f, n)| format!("{f} {}", thousands(*n as u64)))
                .collect();
            writeln!(
                out,
                "in force on {date}: {}",
                if summary.is_empty() {
                    "nothing listed".into()
                } else {
                    summary.join(", ")
                }
            )?;
            for (f, l) in &on.lists {
                writeln!(out, "list ({}): {l}", f.name())?;
            }
            for c in &on.caveats {
                writeln!(out, "caveat: {c}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn record(p: &PolicyPlace) -> [String; 12] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let date = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    [
        p.family.name().to_string(),
        p.place.clone(),
        p.place_kind.clone(),
        opt(&p.state),
        opt(&p.county_fips),
        opt(&p.aor),
        p.policy.clone(),
        date(p.since),
        date(p.until),
        p.source_file.clone(),
        p.source_row.to_string(),
        p.sha256.clone(),
    ]
}
