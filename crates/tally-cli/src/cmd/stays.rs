//! `tally count detention-stays`: stays built from detention stints, counted.

use super::Format;
use super::count::{Args, split_where_values};
use crate::render::table;
use anyhow::{Result, bail};
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;
use tally_publish::{Disclosure, PublishedStays, publish_stays};
use tally_query::stays::{StayDimension, StayQuery, count_stays};
use tally_store::Store;

/// The table name `count` answers with stays.
pub const STAYS: &str = "detention-stays";

fn parse_query(args: &Args, store: &Store) -> Result<StayQuery> {
    if args.compare_schemes || args.compare_dedup || args.scheme != "default" {
        bail!("detention-stays has no method groups or de-duplication choices to compare");
    }
    for (given, option) in [
        (args.per_capita.is_some(), "--per-capita"),
        (args.policy.is_some(), "--policy"),
    ] {
        if given {
            bail!(
                "{option} does not apply to detention-stays (stays have no county to place a population or a policy by)"
            );
        }
    }
    if !matches!(args.dedup.as_str(), "none" | "exact") {
        bail!(
            "detention-stays always merges exact copies of a stint (the exact rule) before building stays; --dedup {} does not apply",
            args.dedup
        );
    }
    let by = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| StayDimension::parse(b).map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    for (i, d) in by.iter().enumerate() {
        if by[..i].contains(d) {
            bail!("--by lists {} twice", d.name());
        }
    }
    let aors = tally_model::aor::AorCrosswalk::embedded();
    let mut filters = Vec::new();
    let wheres = args.filters.iter().map(|f| (f, false));
    let wholes = args.where_value.iter().map(|f| (f, true));
    for (f, whole) in wheres.chain(wholes) {
        let Some((dim, values)) = f.split_once('=') else {
            bail!("--where {f:?} must look like DIM=V1,V2 (for example aor=CHI,NYC)");
        };
        let values = if whole {
            vec![values.trim().to_string()]
        } else {
            split_where_values(values).map_err(|e| anyhow::anyhow!("--where {f:?}: {e}"))?
        };
        let dim = StayDimension::parse(dim)?;
        let mut values = values
            .iter()
            .map(|v| stay_filter_value(dim, v.trim(), &aors))
            .collect::<Result<Vec<String>>>()?;
        // A release as `--release` names one (or several, a file name they share).
        if dim == StayDimension::Release {
            values = super::release_labels(store, &values)?;
        }
        filters.push((dim, values));
    }
    let releases = super::release_ids(store, &args.release)?;
    super::check_asked_dates(args.from, args.to)?;
    Ok(StayQuery {
        by,
        filters,
        from: args.from,
        to: args.to,
        releases,
        max_groups: args.max_groups,
    })
}

/// A `--where` value as stays name it (`aor=Chicago` is `CHI`, `fy=2020` is `FY2020`);
/// a value that can never match is an error naming what would, as in `count`.
fn stay_filter_value(
    dim: StayDimension,
    v: &str,
    aors: &tally_model::aor::AorCrosswalk,
) -> Result<String> {
    if let Some(period) = dim.period() {
        let table = tally_model::TableKind::from_slug("detention-stints")
            .ok_or_else(|| anyhow::anyhow!("no detention-stints table"))?;
        super::count::check_where_value(table, period, v, tally_model::scheme::default_scheme())?;
        return Ok(match dim {
            StayDimension::Fy => tally_model::fiscal::parse_fiscal_year_label(v)
                .map_or_else(|| v.to_string(), |fy| format!("FY{fy}")),
            _ => v.to_string(),
        });
    }
    let never = |expected: String| {
        anyhow::anyhow!(
            "--where {}={v:?} can never match: expected {expected}",
            dim.name()
        )
    };
    let lengths = || {
        tally_query::stays::LENGTHS
            .iter()
            .map(|(label, _)| *label)
            .chain([tally_query::stays::ONGOING])
    };
    Ok(match dim {
        StayDimension::Aor if v.starts_with('(') => v.to_string(),
        StayDimension::Aor => aors.code_for(v).map(str::to_string).ok_or_else(|| {
            let codes: Vec<&str> = aors.codes().iter().map(|(c, _)| *c).collect();
            never(format!(
                "an AOR code or name: {}, or (blank) or (unmapped)",
                codes.join(", ")
            ))
        })?,
        StayDimension::Length => lengths()
            .find(|l| l.eq_ignore_ascii_case(v))
            .map(str::to_string)
            .ok_or_else(|| {
                never(format!(
                    "a length group: {}",
                    lengths().collect::<Vec<_>>().join(", ")
                ))
            })?,
        StayDimension::Status => ["ended", tally_query::stays::ONGOING]
            .into_iter()
            .find(|s| s.eq_ignore_ascii_case(v))
            .map(str::to_string)
            .ok_or_else(|| never("ended or ongoing".into()))?,
        _ => v.to_string(),
    })
}

/// Runs `tally count detention-stays`.
///
/// # Errors
/// A bad query, an unreadable store, a failed write.
pub fn run(args: &Args, out: &mut dyn Write) -> Result<ExitCode> {
    let store = Store::open(&args.store)?;
    let query = parse_query(args, &store)?;
    let result = count_stays(&store, &query)?;
    if result.releases.is_empty() {
        // Named without its path: `tally serve` answers with this text too.
        bail!(
            "the store holds no detention-stints release to build stays from (ingest a detention stints release first)"
        );
    }
    let p = publish_stays(&result, Disclosure::new(args.suppress_below));
    // A key whose small groups are not listed is held to the limit by the groups it lists
    // (`StayQuery::max_groups`).
    if let Some(max) = args.max_groups
        && !result.lists_small_groups
        && p.cells.len() > max
    {
        return Err(tally_query::count::too_many_groups(
            max,
            query.by.contains(&StayDimension::Date),
            Some(args.suppress_below),
        )
        .into());
    }
    match args.format {
        Format::Table => text(&p, out)?,
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut header = p.dimensions.clone();
            header.push("stays".into());
            w.write_record(&header)?;
            for c in &p.cells {
                let mut row = c.values.clone();
                row.push(c.stays.plain());
                w.write_record(&row)?;
            }
            out.write_all(&w.into_inner()?)?;
            for period in &p.not_covered {
                crate::warn!("not covered: {period}");
            }
            for note in &p.notes {
                crate::warn!("note: {note}");
            }
            crate::warn!("total: {}", p.total.plain());
        }
        Format::Json => {
            let mut v = serde_json::to_value(&p)?;
            for (key, f) in [
                ("total", &p.total),
                ("ongoing", &p.ongoing),
                ("overlapping", &p.overlapping),
                ("start_disagrees", &p.start_disagrees),
                ("without_person", &p.without_person),
                ("stints_read", &p.stints_read),
                ("exact_copies_merged", &p.exact_copies_merged),
                ("stints_without_book_in", &p.stints_without_book_in),
                ("stints_without_person", &p.stints_without_person),
                ("stays_shadowed", &p.stays_shadowed),
            ] {
                v[key] = f.json();
            }
            v["cells"] = json!(
                p.cells
                    .iter()
                    .map(|c| json!({"values": c.values, "stays": c.stays.json()}))
                    .collect::<Vec<_>>()
            );
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn text(p: &PublishedStays, out: &mut dyn Write) -> Result<()> {
    let by = if p.dimensions.is_empty() {
        String::new()
    } else {
        format!(" by {}", p.dimensions.join(", "))
    };
    writeln!(
        out,
        "Detention stays{by}: one person's consecutive stints, first book-in to last book-out"
    )?;
    let mut header = p.dimensions.clone();
    header.push("stays".into());
    let mut rows: Vec<Vec<String>> = p
        .cells
        .iter()
        .map(|c| {
            let mut r = c.values.clone();
            r.push(c.stays.text());
            r
        })
        .collect();
    for period in &p.not_covered {
        let mut r = vec![period.clone()];
        r.resize(p.dimensions.len(), String::new());
        r.push("not covered".into());
        rows.push(r);
    }
    let mut total = vec![String::new(); p.dimensions.len()];
    if let Some(first) = total.first_mut() {
        *first = "total".into();
    }
    total.push(p.total.text());
    rows.push(total);
    writeln!(out, "{}", table(&header, &rows, &[p.dimensions.len()]))?;
    if p.any_suppressed {
        writeln!(
            out,
            "Counts below {} print as <{}; the total is rounded so that none can be worked out.",
            p.suppress_below, p.suppress_below
        )?;
    }
    for note in &p.notes {
        writeln!(out, "note: {note}")?;
    }
    for period in &p.not_covered {
        writeln!(
            out,
            "NOT COVERED: {period}: no stint release covers these days; nothing is printed as 0"
        )?;
    }
    writeln!(
        out,
        "Of these stays: {} ongoing (no book-out at extraction); {} with overlapping stints of one person (booked in before an earlier stint's book-out: counted once, not split); {} whose released Stay Book In differs from their first stint's book-in (the released start is used); {} of one stint without a person identifier (never merged).",
        p.ongoing.text(),
        p.overlapping.text(),
        p.start_disagrees.text(),
        p.without_person.text()
    )?;
    match p.median_length_days {
        Some(d) => writeln!(out, "Median length of the ended stays: {d:.1} days.")?,
        None if p.pooled => writeln!(
            out,
            "Median length: not published (beside the groups listed it would move with the stays of groups not listed)."
        )?,
        None if p.suppress_below <= 1 => {
            writeln!(out, "Median length: no ended stays.")?;
        }
        None => writeln!(
            out,
            "Median length: not published (fewer than {} ended stays).",
            p.suppress_below
        )?,
    }
    writeln!(
        out,
        "Stints: {} read; {} exact copies merged first; {} without a book-in (in no stay); {} without a person identifier. Stays set aside because an overlapping release counts their AOR and day: {}.",
        p.stints_read.text(),
        p.exact_copies_merged.text(),
        p.stints_without_book_in.text(),
        p.stints_without_person.text(),
        p.stays_shadowed.text()
    )?;
    writeln!(
        out,
        "Rule: stints of one person form a stay when the release's Stay Book In is the same, or, without it, when the next book-in comes within {} hours of the last book-out; within one release (see README, \"Stays\").",
        tally_query::stays::TRANSFER_GAP_HOURS
    )?;
    for r in &p.releases {
        writeln!(out, "source: {} (sha256 {})", r.file_name, r.sha256)?;
    }
    Ok(())
}
