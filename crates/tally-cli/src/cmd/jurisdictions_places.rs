//! `tally jurisdictions landmarks`: rows placed in counties per AOR and fiscal year, or
//! each landmark with its county.

use super::Format;
use crate::render::table;
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::TableKind;
use tally_publish::{Disclosure, Figure};
use tally_query::jurisdiction::{CountyDirectory, LandmarkPlace, place_report};
use tally_store::Store;

/// Arguments, as the subcommand parsed them.
pub struct PlaceArgs {
    pub store: PathBuf,
    pub table: String,
    pub release: Vec<String>,
    pub crosswalk: Option<String>,
    pub list: bool,
    pub suppress_below: u64,
    pub format: Format,
}

/// Runs the report.
///
/// # Errors
/// No crosswalk in the store, an unknown table, store errors.
pub fn run(args: PlaceArgs, out: &mut dyn Write) -> Result<ExitCode> {
    let store = Store::open(&args.store)?;
    let kind = TableKind::from_slug(&args.table).with_context(|| {
        format!(
            "unknown table {:?}; tables: {}",
            args.table,
            TableKind::slugs()
        )
    })?;
    let Some(counties) = CountyDirectory::read(&store, args.crosswalk.as_deref())? else {
        bail!(
            "no county-aor crosswalk in the store: tally ingest --store {} ../shared/data/reference/uwchr_county_aor_hand.csv",
            args.store.display()
        );
    };
    let releases = super::release_ids(&store, &args.release)?;
    let report = place_report(&store, kind, &counties, releases)?;
    let rule = Disclosure::new(args.suppress_below);
    let sources: Vec<String> = report
        .releases
        .iter()
        .filter(|r| r.rows_counted > 0)
        .map(|r| format!("{} (sha256 {})", r.file_name, r.sha256))
        .collect();
    if args.list {
        writeln!(
            std::io::stderr(),
            "# rows per landmark are shown in bands (10-99, 100-999, ...): exact counts beside the exact totals of `tally jurisdictions landmarks` would give small cells back"
        )?;
        let place_text = |p: &LandmarkPlace| -> (String, String, String) {
            match p {
                LandmarkPlace::Blank => ("blank".into(), String::new(), String::new()),
                LandmarkPlace::NotAPlace => (
                    "not a place".into(),
                    String::new(),
                    "office, program or area label".into(),
                ),
                LandmarkPlace::County { fips, custody } => (
                    if *custody {
                        "jail or prison".into()
                    } else {
                        "place".into()
                    },
                    fips.clone(),
                    counties
                        .county(fips)
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                ),
                LandmarkPlace::Unmatched(why) => ("unmatched".into(), String::new(), why.clone()),
            }
        };
        match args.format {
            Format::Json => {
                let rows: Vec<_> = report.landmarks.iter().map(|l| {
                    let (kind, fips, detail) = place_text(&l.place);
                    json!({"aor": l.aor, "landmark": l.landmark, "place": kind, "county_fips": fips, "detail": detail, "rows": band(l.rows, &rule)})
                }).collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(
                        &json!({"crosswalk": report.crosswalk, "landmarks": rows, "sources": sources})
                    )?
                )?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(["aor", "landmark", "place", "county_fips", "detail", "rows"])?;
                for l in &report.landmarks {
                    let (kind, fips, detail) = place_text(&l.place);
                    w.write_record([
                        l.aor.clone(),
                        l.landmark.clone(),
                        kind,
                        fips,
                        detail,
                        band(l.rows, &rule),
                    ])?;
                }
                w.flush()?;
            }
            Format::Table => {
                let rows: Vec<Vec<String>> = report
                    .landmarks
                    .iter()
                    .map(|l| {
                        let (kind, fips, detail) = place_text(&l.place);
                        vec![
                            l.aor.clone(),
                            l.landmark.clone(),
                            kind,
                            fips,
                            detail,
                            band(l.rows, &rule),
                        ]
                    })
                    .collect();
                let header = [
                    "aor",
                    "landmark",
                    "place",
                    "county",
                    "county name / reason",
                    "rows",
                ]
                .map(String::from);
                writeln!(out, "{}", table(&header, &rows, &[5]))?;
                writeln!(out, "counties from {}", report.crosswalk)?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // A share is published only when its parts are: matched and unmatched rows both at or
    // above the threshold (else the other part follows from the published rows).
    let published = |part: u64, whole: u64| -> (Figure, Option<f64>) {
        let rest = whole.saturating_sub(part);
        // Of a row of fewer than the threshold, no part is told: 0 printed as not shown
        // and 1-9 as <10 told none from some.
        if rule.small(whole) {
            return (Figure::NotShown, None);
        }
        if rule.small(part) {
            (Figure::Below(args.suppress_below), None)
        } else if rule.small(rest) {
            (Figure::NotShown, None)
        } else {
            let share = if whole == 0 {
                None
            } else {
                Some(part as f64 / whole as f64)
            };
            (Figure::Exact(part), rule.share(share, &[part, rest]))
        }
    };
    let lines: Vec<[String; 8]> = report
        .shares
        .iter()
        .map(|s| {
            let (placed, share) = published(s.placed, s.rows);
            let (mut not_place, _) = published(s.not_a_place, s.rows);
            let (mut custody_placed, mut custody_share) = published(s.custody_placed, s.custody);
            // The row's parts beside its printed figures: rows placed by a landmark that
            // is no jail (placed less jail rows placed) and rows naming a place that is
            // not placed (rows less not a place less placed). Where one is small and the
            // figures it is the difference of are exact, one of them is not shown (MIA
            // FY2019's 8 rows placed but not by a jail were printed as such a difference).
            let exact = |f: &Figure| matches!(f, Figure::Exact(_));
            let placed_not_jail = s.placed.saturating_sub(s.custody_placed);
            if rule.small(placed_not_jail) && exact(&placed) && exact(&custody_placed) {
                custody_placed = Figure::NotShown;
                custody_share = None;
            }
            let place_not_placed = s.rows.saturating_sub(s.not_a_place + s.placed);
            if rule.small(place_not_placed)
                && exact(&placed)
                && exact(&not_place)
                && !rule.small(s.rows)
            {
                not_place = Figure::NotShown;
            }
            let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.0}%", v * 100.0));
            let show = |f: Figure| {
                if args.format == Format::Table {
                    f.text()
                } else {
                    f.plain()
                }
            };
            [
                s.aor.clone(),
                s.fy.clone(),
                show(rule.cell(s.rows)),
                show(not_place),
                show(placed),
                pct(share),
                show(custody_placed),
                pct(custody_share),
            ]
        })
        .collect();
    match args.format {
        Format::Json => {
            let rows: Vec<_> = lines.iter().map(|l| json!({
                "aor": l[0], "fy": l[1], "rows": l[2], "not_a_place": l[3], "placed_in_county": l[4], "share_placed": l[5], "custody_landmark_rows_placed": l[6], "share_of_custody_landmarks_placed": l[7],
            })).collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(
                    &json!({"crosswalk": report.crosswalk, "shares": rows, "sources": sources})
                )?
            )?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "aor",
                "fy",
                "rows",
                "not_a_place",
                "placed_in_county",
                "share_placed",
                "custody_rows_placed",
                "share_of_custody_placed",
            ])?;
            for l in &lines {
                w.write_record(l)?;
            }
            w.flush()?;
        }
        Format::Table => {
            let header = [
                "aor",
                "fy",
                "rows",
                "not a place",
                "placed in a county",
                "share",
                "jail/prison rows placed",
                "share",
            ]
            .map(String::from);
            let rows: Vec<Vec<String>> = lines.iter().map(|l| l.to_vec()).collect();
            writeln!(out, "{}", table(&header, &rows, &[2, 3, 4, 5, 6, 7]))?;
            writeln!(
                out,
                "counties from {}; a landmark is placed only where it names one county of its AOR (states it names narrow the search); offices, programs and area labels are not places; nothing is guessed",
                report.crosswalk
            )?;
            for s in &sources {
                writeln!(out, "source: {s}")?;
            }
            if rows
                .iter()
                .any(|r| r.iter().any(|c| c.starts_with('<') || c == "not shown"))
            {
                writeln!(
                    out,
                    "note: counts below {} print as <{}; a count whose complement in its row would be below it prints as not shown, and its share as -",
                    args.suppress_below, args.suppress_below
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A landmark's rows as a band (`<10`, `10-99`, `100-999`, ...): exact rows per landmark
/// beside the exact placed totals per AOR and year would give a suppressed landmark's
/// count back by subtraction.
fn band(rows: u64, rule: &Disclosure) -> String {
    if rule.small(rows) {
        return Figure::Below(rule.threshold).text();
    }
    let mut low = 10u64.max(rule.threshold);
    if rows < low {
        return rows.to_string();
    }
    while rows >= low * 10 {
        low *= 10;
    }
    format!(
        "{}-{}",
        crate::render::thousands(low),
        crate::render::thousands(low * 10 - 1)
    )
}
