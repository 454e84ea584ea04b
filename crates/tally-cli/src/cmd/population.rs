//! `tally population`: daily detained population by AOR, facility, state and period.

use super::Format;
use super::count::split_where_values;
use crate::render::{table, thousands};
use anyhow::{Result, bail};
use chrono::NaiveDate;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_publish::{Disclosure, PublishedPopulation, publish_population};
use tally_query::facility::UNMATCHED_FACILITY;
use tally_query::{PopulationDimension, PopulationMeasure, PopulationQuery, population};
use tally_store::Store;

/// Daily detained population: people detained per facility and day, summed to AORs.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally population --store ./store --by aor,month --where aor=CHI,SEA \\\n      --from 2020-02-01 --to 2020-05-31 --measure average-daily\n\n\
Dimensions: aor and state (of the facility, from the detention-facilities lists in the store), \
facility (its code), date, week (its Monday), month (YYYY-MM), fy.\n\
A day's figure is the people detained in the published daily headcount; a week, month, FY or \
the whole range gets its average daily population (person-days over covered days). Days no \
headcount release covers print as not covered, never 0. Facility codes no list knows are \
counted as (unmatched facility) and listed."
)]
pub struct Args {
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Dimensions to group by: aor, facility, state, date, week, month, fy.
    #[arg(long, value_delimiter = ',', value_name = "DIM")]
    pub by: Vec<String>,
    /// Keep facilities (or days) whose DIM is one of the values: DIM=V1,V2 (repeatable).
    #[arg(long = "where", value_name = "DIM=V1,V2")]
    pub filters: Vec<String>,
    /// First day (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive), YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// midnight (the daily count), 24h (anyone detained during the day; needs stints) or
    /// average-daily (the daily count averaged over each period).
    #[arg(long, value_name = "MEASURE", default_value = "midnight")]
    pub measure: String,
    /// Where daily figures come from: headcount (a published daily headcount per
    /// facility) or stints (book-in and book-out times); default: headcount when the store
    /// has one, else stints.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// Read only these releases (file name, release id or SHA-256 prefix); repeatable.
    #[arg(long, value_name = "RELEASE")]
    pub release: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Figures below this print as "<N" (0 or 1 turns suppression off).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub suppress_below: u64,
}

fn parse_query(args: &Args, store: Option<&Store>) -> Result<PopulationQuery> {
    let by = args
        .by
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| PopulationDimension::parse(b).map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    for (i, d) in by.iter().enumerate() {
        if by[..i].contains(d) {
            bail!("--by lists {} twice", d.name());
        }
    }
    let mut filters = Vec::new();
    let aors = tally_model::aor::AorCrosswalk::embedded();
    for f in &args.filters {
        let Some((dim, values)) = f.split_once('=') else {
            bail!("--where {f:?} must look like DIM=V1,V2 (for example aor=CHI,NYC)");
        };
        let values =
            split_where_values(values).map_err(|e| anyhow::anyhow!("--where {f:?}: {e}"))?;
        if values.is_empty() {
            bail!("--where {f:?} lists no values");
        }
        let dim = PopulationDimension::parse(dim)?;
        let period = match dim {
            PopulationDimension::Fy => Some(tally_query::Dimension::Fy),
            PopulationDimension::Month => Some(tally_query::Dimension::Month),
            PopulationDimension::Week => Some(tally_query::Dimension::Week),
            PopulationDimension::Date => Some(tally_query::Dimension::Date),
            _ => None,
        };
        if let Some(period) = period {
            for v in &values {
                super::check_asked_period(period, v.trim())?;
            }
        }
        let values = values
            .iter()
            .map(|v| canonical_value(dim, v.trim(), &aors))
            .collect::<Result<Vec<_>>>()?;
        filters.push((dim, values));
    }
    super::check_asked_dates(args.from, args.to)?;
    Ok(PopulationQuery {
        by,
        measure: PopulationMeasure::parse(&args.measure)?,
        filters,
        from: args.from,
        to: args.to,
        source: args
            .source
            .as_deref()
            .map(tally_query::population::PopulationSource::parse)
            .transpose()?,
        releases: match store {
            Some(store) => super::release_ids(store, &args.release)?,
            None => None,
        },
    })
}

/// A `--where` value as the population names it (`fy=2020` is `FY2020`, `aor=Chicago`
/// is `CHI`); a value that can never match is an error, as in `count`.
fn canonical_value(
    dim: PopulationDimension,
    v: &str,
    aors: &tally_model::aor::AorCrosswalk,
) -> Result<String> {
    use super::count::{strict_date, strict_month};
    let bad = |expected: &str| {
        anyhow::anyhow!(
            "--where {}={v:?} can never match: expected {expected}",
            dim.name()
        )
    };
    Ok(match dim {
        PopulationDimension::Aor if v.starts_with('(') => v.to_string(),
        PopulationDimension::Aor => aors
            .code_for(v)
            .map(str::to_string)
            .ok_or_else(|| bad("an AOR code or name (CHI, Chicago, ...), or (unmatched facility) or (facility AOR not listed)"))?,
        PopulationDimension::Fy => tally_model::fiscal::parse_fiscal_year_label(v)
            .map(|fy| format!("FY{fy}"))
            .ok_or_else(|| bad("a fiscal year such as 2020 or FY2020"))?,
        PopulationDimension::Month => strict_month(v)
            .map(|_| v.to_string())
            .ok_or_else(|| bad("a month as YYYY-MM, such as 2020-03"))?,
        PopulationDimension::Date => strict_date(v)
            .map(|d| d.to_string())
            .ok_or_else(|| bad("a date as YYYY-MM-DD"))?,
        PopulationDimension::Week => {
            let day = strict_date(v).ok_or_else(|| bad("a Monday as YYYY-MM-DD"))?;
            let monday = tally_model::date::week_start(day);
            if monday != day {
                bail!(
                    "--where week={v:?} is a {}: weeks are named by their Monday, so this week is {monday}",
                    day.format("%A")
                );
            }
            day.to_string()
        }
        PopulationDimension::Facility => v.to_ascii_uppercase(),
        PopulationDimension::State => v.to_string(),
    })
}

/// Runs the command.
///
/// # Errors
/// A bad query, a store without headcounts, or a failed write.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    parse_query(&args, None)?;
    let store = Store::open(&args.store)?;
    let query = parse_query(&args, Some(&store))?;
    let result = population(&store, &query)?;
    let published = publish_population(&result, Disclosure::new(args.suppress_below));
    let command = command_line(&args);
    match args.format {
        Format::Table => write_text(&published, &command, out)?,
        Format::Csv => write_csv(&published, &command, out)?,
        Format::Json => {
            let mut value = serde_json::to_value(&published)?;
            value["command"] = json!(command);
            value["total"] = published.total.json();
            if let Some(cells) = value["cells"].as_array_mut() {
                for (cell, p) in cells.iter_mut().zip(&published.cells) {
                    cell["people"] = p.people.json();
                }
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The command line that reproduces the figures.
fn command_line(args: &Args) -> String {
    let mut parts = vec![format!("tally population --store {}", args.store.display())];
    if !args.by.is_empty() {
        parts.push(format!("--by {}", args.by.join(",")));
    }
    for f in &args.filters {
        parts.push(format!("--where '{f}'"));
    }
    if let Some(f) = args.from {
        parts.push(format!("--from {f}"));
    }
    if let Some(t) = args.to {
        parts.push(format!("--to {t}"));
    }
    parts.push(format!("--measure {}", args.measure));
    if let Some(source) = &args.source {
        parts.push(format!("--source {source}"));
    }
    for r in &args.release {
        parts.push(format!("--release '{r}'"));
    }
    if args.suppress_below != 10 {
        parts.push(format!("--suppress-below {}", args.suppress_below));
    }
    parts.join(" ")
}

fn write_text(
    p: &PublishedPopulation,
    command: &str,
    out: &mut (impl Write + ?Sized),
) -> Result<()> {
    let by = if p.dimensions.is_empty() {
        String::new()
    } else {
        format!(" by {}", p.dimensions.join(", "))
    };
    writeln!(out, "Detained population{by}: {}", p.measure)?;
    let from = if p.table == "detention-stints" {
        "each person counted once per group and day from their stints' book-in and book-out times"
    } else {
        "the publisher's daily headcount per facility"
    };
    writeln!(
        out,
        "From {}: {from} (detention data: people held, not arrests)",
        p.table
    )?;
    let mut header: Vec<String> = p.dimensions.clone();
    header.push("people".into());
    header.push("days".into());
    let mut rows: Vec<Vec<String>> = p
        .cells
        .iter()
        .map(|c| {
            let mut r = c.values.clone();
            r.push(c.people.text());
            r.push(thousands(c.days));
            r
        })
        .collect();
    let mut total = vec![String::new(); p.dimensions.len()];
    if let Some(first) = total.first_mut() {
        *first = "total".into();
    }
    total.push(p.total.text());
    total.push(thousands(p.total_days));
    rows.push(total);
    let n = p.dimensions.len();
    writeln!(out, "{}", table(&header, &rows, &[n, n + 1]))?;
    if p.any_suppressed {
        writeln!(
            out,
            "Figures below {} people print as <{}; the total is rounded or not shown so that none can be worked out.",
            p.suppress_below, p.suppress_below
        )?;
    }
    for gap in &p.not_covered {
        if gap.covered_days == 0 {
            writeln!(
                out,
                "NOT COVERED: {} ({} days): no headcount release covers these days; nothing is printed as 0",
                gap.period, gap.days
            )?;
        } else {
            writeln!(
                out,
                "PARTLY COVERED: {}: {} of {} days covered; its figure averages the covered days only",
                gap.period, gap.covered_days, gap.days
            )?;
        }
    }
    if !p.unmatched_facilities.is_empty() {
        let shown: Vec<&str> = p
            .unmatched_facilities
            .iter()
            .take(20)
            .map(String::as_str)
            .collect();
        let more = p.unmatched_facilities.len().saturating_sub(shown.len());
        writeln!(
            out,
            "UNMATCHED FACILITIES: {} codes no facility list in the store knows are counted as {UNMATCHED_FACILITY} (not dropped, not guessed): {}{}",
            p.unmatched_facilities.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more (tally status lists them all)")
            } else {
                String::new()
            }
        )?;
    }
    for (code, said) in p.aor_disagreements.iter().take(10) {
        writeln!(
            out,
            "FACILITY LISTS DISAGREE on {code}'s AOR: {said} (the AOR most lists give)"
        )?;
    }
    if p.aor_disagreements.len() > 10 {
        writeln!(
            out,
            "  and {} more facility codes whose lists disagree (tally status lists them)",
            p.aor_disagreements.len() - 10
        )?;
    }
    for note in &p.notes {
        writeln!(out, "NOTE: {note}")?;
    }
    writeln!(out, "Releases:")?;
    let unit = if p.table == "detention-stints" {
        "stints read (exact copies merged)"
    } else {
        "facility-days read (every facility's, on the days asked)"
    };
    for r in &p.releases {
        writeln!(
            out,
            "  {} (sha256 {}): {} {unit}, covering {}..{}",
            r.file_name,
            &r.sha256[..16.min(r.sha256.len())],
            thousands(r.rows),
            r.first,
            r.last
        )?;
    }
    if !p.facility_lists.is_empty() {
        writeln!(out, "Facility lists: {}", p.facility_lists.join(", "))?;
    }
    writeln!(out, "Reproduce: {command}")?;
    Ok(())
}

fn write_csv(
    p: &PublishedPopulation,
    command: &str,
    out: &mut (impl Write + ?Sized),
) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = p.dimensions.clone();
    header.push("people".into());
    header.push("days".into());
    w.write_record(&header)?;
    for c in &p.cells {
        let mut r = c.values.clone();
        r.push(c.people.plain());
        r.push(c.days.to_string());
        w.write_record(&r)?;
    }
    out.write_all(&w.into_inner()?)?;
    for gap in &p.not_covered {
        crate::warn!(
            "not covered: {} ({} of {} days covered)",
            gap.period,
            gap.covered_days,
            gap.days
        );
    }
    if !p.unmatched_facilities.is_empty() {
        crate::warn!(
            "{} unmatched facility codes counted as {UNMATCHED_FACILITY}",
            p.unmatched_facilities.len()
        );
    }
    for (code, said) in &p.aor_disagreements {
        crate::warn!("facility lists disagree on {code}'s AOR: {said}");
    }
    for note in &p.notes {
        crate::warn!("note: {note}");
    }
    for r in &p.releases {
        crate::warn!(
            "source: {} (sha256 {}), covering {}..{}",
            r.file_name,
            r.sha256,
            r.first,
            r.last
        );
    }
    if !p.facility_lists.is_empty() {
        crate::warn!("facility lists: {}", p.facility_lists.join(", "));
    }
    crate::warn!("total: {}; reproduce: {command}", p.total.plain());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_measure_and_dimension_are_named() {
        let args = Args {
            store: PathBuf::from("/nonexistent"),
            by: vec!["shoe-size".into()],
            filters: vec![],
            from: None,
            to: None,
            measure: "midnight".into(),
            source: None,
            release: vec![],
            format: Format::Table,
            suppress_below: 10,
        };
        let e = parse_query(&args, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            e,
            "unknown population dimension \"shoe-size\"; expected one of aor, facility, state, date, week, month, fy"
        );
        let args = Args {
            by: vec![],
            measure: "hourly".into(),
            ..args
        };
        let e = parse_query(&args, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            e,
            "unknown population measure \"hourly\"; expected midnight, 24h or average-daily"
        );
    }
}
