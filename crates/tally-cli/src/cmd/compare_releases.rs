//! `tally compare-releases`: two releases of one table, where they overlap in time.

use super::Format;
use crate::render::table;
use anyhow::{Result, bail};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::TableKind;
use tally_publish::{Disclosure, PublishedComparison, publish_comparison};
use tally_query::compare_releases;
use tally_store::Store;

/// Compare two releases of the same table on the days and AORs both cover.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally compare-releases --store ./store EROArrests_FY2019.pipe.csv.gz \\\n      \"UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx\" --table arrests\n\n\
Prints counts by month and AOR in the overlap from each release and their difference (B - A), \
then the rows only one release has, matched on the event date, the AOR and every field both \
releases fill. Where both releases fill an identifier, rows left over that share it (with the \
event date and AOR) are one record revised: the fields that changed are counted instead. \
Unmatched rows are given as counts and as source sheet and row numbers. Rows without an AOR \
are compared on the days both releases cover. Counts below --suppress-below print as <N, and \
a sum that holds them prints as the range of values it could take, so that no combination of \
printed numbers reveals them."
)]
pub struct Args {
    /// Release A (file name, release id or SHA-256 prefix).
    #[arg(value_name = "A")]
    pub a: String,
    /// Release B.
    #[arg(value_name = "B")]
    pub b: String,
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Table to compare (default: the one table both releases hold).
    #[arg(long, value_name = "TABLE")]
    pub table: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Cells with a count below this print as "<N" (0 or 1 turns suppression off).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub suppress_below: u64,
    /// De-duplication rule applied within each release before comparing: none, exact,
    /// same-person-day or episode-24h.
    #[arg(long, value_name = "RULE", default_value = "none")]
    pub dedup: String,
}

/// Runs the comparison.
///
/// # Errors
/// Unknown releases or table, releases with no overlap, a missing store.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let table_kind = match &args.table {
        None => None,
        Some(t) => match TableKind::from_slug(t) {
            Some(t) => Some(t),
            None => bail!(
                "unknown table {t:?}; expected one of {}",
                TableKind::slugs()
            ),
        },
    };
    let store = Store::open(&args.store)?;
    let Some(dedup) = tally_model::dedup_rule(&args.dedup) else {
        bail!(
            "unknown de-duplication rule {:?}; expected one of {}",
            args.dedup,
            tally_model::dedup_rule_names()
        );
    };
    let c = compare_releases(&store, &args.a, &args.b, table_kind, Some(dedup))?;
    let p = publish_comparison(&c, Disclosure::new(args.suppress_below));
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &p.json())?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(["month", "aor", "a", "b", "difference", "only_a", "only_b"])?;
            for m in &p.by_month_aor {
                w.write_record([
                    m.month.clone(),
                    m.aor.clone(),
                    m.a.plain(),
                    m.b.plain(),
                    m.difference.map(|d| d.to_string()).unwrap_or_default(),
                    m.only_a.plain(),
                    m.only_b.plain(),
                ])?;
            }
            w.flush()?;
            crate::warn!("# A: {} (sha256 {})", p.a.file_name, p.a.sha256);
            crate::warn!("# B: {} (sha256 {})", p.b.file_name, p.b.sha256);
            crate::warn!("# {}", summary(&p));
            if let Some(changed) = changed_line(&p) {
                crate::warn!("# {changed}");
            }
            for note in &p.notes {
                crate::warn!("# note: {note}");
            }
        }
        Format::Table => render_table(&p, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The overlap's totals in one line.
fn summary(p: &PublishedComparison) -> String {
    format!(
        "in the overlap: A {} rows, B {} rows; {} records in both; {} only in A; {} only in B; outside the days and AORs both cover, not compared: A {} rows, B {} rows",
        p.a.rows_in_overlap.text(),
        p.b.rows_in_overlap.text(),
        p.matched_rows.text(),
        p.a.only_here.text(),
        p.b.only_here.text(),
        p.a.outside_overlap.text(),
        p.b.outside_overlap.text()
    )
}

/// The records revised between the releases, when they were paired on an identifier.
fn changed_line(p: &PublishedComparison) -> Option<String> {
    p.paired_on.as_ref()?;
    let changed: Vec<String> = p
        .changed_fields
        .iter()
        .map(|(f, n)| format!("{f} changed on {} records", n.text()))
        .collect();
    Some(format!(
        "of the records in both, {} changed between the releases{}{}",
        p.changed_records.text(),
        if changed.is_empty() { "" } else { ": " },
        changed.join("; ")
    ))
}

fn render_table(p: &PublishedComparison, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "{} in A = {} (sha256 {})",
        p.table, p.a.file_name, p.a.sha256
    )?;
    writeln!(
        out,
        "{} in B = {} (sha256 {})",
        p.table, p.b.file_name, p.b.sha256
    )?;
    let spans: Vec<String> = p
        .overlap
        .iter()
        .map(|(a, f, l)| format!("{a} {f}..{l}"))
        .collect();
    writeln!(out, "overlap: {}", spans.join(", "))?;
    if let Some((f, l)) = p.no_aor_overlap {
        writeln!(out, "rows without an AOR compared on {f}..{l}")?;
    }
    for note in &p.notes {
        writeln!(out, "note: {note}")?;
    }
    if let Some(part) = &p.part {
        writeln!(out, "compared part: {part} {}", p.table)?;
    }
    writeln!(out, "rows matched on: {}", p.matched_on.join(", "))?;
    if let Some(id) = &p.paired_on {
        writeln!(
            out,
            "rows left over paired on {id}, event_date and aor as one record revised"
        )?;
    }
    writeln!(out)?;
    let header: Vec<String> = ["month", "aor", "A", "B", "B - A", "only in A", "only in B"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = p
        .by_month_aor
        .iter()
        .map(|m| {
            vec![
                m.month.clone(),
                m.aor.clone(),
                m.a.text(),
                m.b.text(),
                m.difference.map(|d| format!("{d:+}")).unwrap_or_default(),
                m.only_a.text(),
                m.only_b.text(),
            ]
        })
        .collect();
    write!(out, "{}", table(&header, &rows, &[2, 3, 4, 5, 6]))?;
    writeln!(out, "\n{}", summary(p))?;
    if let Some(changed) = changed_line(p) {
        writeln!(out, "{changed}")?;
    }
    if p.any_suppressed {
        writeln!(
            out,
            "(counts below {t} print as <{t}; a sum that holds them prints as the range of values it could take whatever they hold, so it cannot reveal them, and B - A is left blank)",
            t = p.suppress_below
        )?;
    }
    for (label, side) in [("A", &p.a), ("B", &p.b)] {
        match &side.only_here_rows {
            Some(rows) if rows.is_empty() => {}
            Some(rows) => {
                let pointers: Vec<String> = rows.iter().map(|(s, r)| format!("{s}:{r}")).collect();
                let total = side.only_here.exact().unwrap_or(0) as usize;
                let more = if total > rows.len() {
                    format!(", first {} of {}", rows.len(), side.only_here.text())
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "only in {label} (sheet:row){more}: {}",
                    pointers.join(", ")
                )?;
            }
            None => writeln!(
                out,
                "only in {label}: row pointers not shown because some only-in-{label} counts are below {} (--suppress-below 0 lists them)",
                p.suppress_below
            )?,
        }
    }
    Ok(())
}
