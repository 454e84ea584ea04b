//! `tally compare-releases`: two releases of one table, where they overlap in time.

use super::Format;
use crate::render::{table, thousands};
use anyhow::{Result, bail};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::TableKind;
use tally_query::compare_releases;
use tally_store::Store;

/// Compare two releases of the same table on the days and AORs both cover.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally compare-releases --store ./store EROArrests_FY2019.pipe.csv.gz \\\n      \"UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx\" --table arrests\n\n\
Prints counts by month and AOR in the overlap from each release and their difference (B - A), \
then the rows only one release has, matched on the event date, the AOR and every field both \
releases fill. Unmatched rows are given as counts and as source sheet and row numbers. \
Counts below --suppress-below print as <N."
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
    let c = compare_releases(&store, &args.a, &args.b, table_kind)?;
    let threshold = args.suppress_below;
    let small = |n: u64| threshold > 1 && n > 0 && n < threshold;
    // Counts that would let a reader subtract back to a suppressed one are rounded: the
    // row's A and B counts when its only-in counts are hidden, and the overlap totals when
    // the release-level only-in counts are.
    let shown = |n: u64| {
        if small(n) {
            format!("<{threshold}")
        } else {
            thousands(n)
        }
    };
    let rounded = |n: u64| format!("~{}", thousands((n + 5) / 10 * 10));
    let totals_hidden = small(c.a.only_here) || small(c.b.only_here);
    let total = |n: u64| {
        if totals_hidden {
            rounded(n)
        } else {
            thousands(n)
        }
    };
    let row_hidden = |m: &tally_query::compare::MonthAor| {
        small(m.only_a) || small(m.only_b) || small(m.a) || small(m.b)
    };
    let cell = |n: u64, hidden: bool| {
        if small(n) {
            shown(n)
        } else if hidden {
            rounded(n)
        } else {
            thousands(n)
        }
    };
    match args.format {
        Format::Json => {
            let mut v = serde_json::to_value(&c)?;
            for side in ["a", "b"] {
                if v[side]["only_here"].as_u64().is_some_and(small) {
                    v[side]["only_here"] = serde_json::Value::Null;
                    v[side]["only_here_rows"] = serde_json::json!([]);
                }
                if totals_hidden {
                    let n = v[side]["rows_in_overlap"].as_u64().unwrap_or(0);
                    v[side]["rows_in_overlap"] =
                        serde_json::json!({ "rounded": (n + 5) / 10 * 10 });
                }
            }
            if totals_hidden {
                let n = v["matched_rows"].as_u64().unwrap_or(0);
                v["matched_rows"] = serde_json::json!({ "rounded": (n + 5) / 10 * 10 });
            }
            if let Some(cells) = v["by_month_aor"].as_array_mut() {
                for (cell_json, m) in cells.iter_mut().zip(&c.by_month_aor) {
                    let hidden = row_hidden(m);
                    for (k, n) in [
                        ("a", m.a),
                        ("b", m.b),
                        ("only_a", m.only_a),
                        ("only_b", m.only_b),
                    ] {
                        if small(n) {
                            cell_json[k] = serde_json::Value::Null;
                        } else if hidden && (k == "a" || k == "b") {
                            cell_json[k] = serde_json::json!({ "rounded": (n + 5) / 10 * 10 });
                        }
                    }
                    if hidden {
                        cell_json["difference"] = serde_json::Value::Null;
                    }
                }
            }
            v["suppress_below"] = serde_json::json!(threshold);
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(["month", "aor", "a", "b", "difference", "only_a", "only_b"])?;
            for m in &c.by_month_aor {
                let hidden = row_hidden(m);
                let plain = |n: u64| {
                    if small(n) {
                        format!("<{threshold}")
                    } else if hidden {
                        format!("~{}", (n + 5) / 10 * 10)
                    } else {
                        n.to_string()
                    }
                };
                let diff = if hidden {
                    String::new()
                } else {
                    m.difference.to_string()
                };
                let only = |n: u64| {
                    if small(n) {
                        format!("<{threshold}")
                    } else {
                        n.to_string()
                    }
                };
                w.write_record([
                    m.month.clone(),
                    m.aor.clone(),
                    plain(m.a),
                    plain(m.b),
                    diff,
                    only(m.only_a),
                    only(m.only_b),
                ])?;
            }
            w.flush()?;
            crate::warn!("# A: {} (sha256 {})", c.a.file_name, c.a.sha256);
            crate::warn!("# B: {} (sha256 {})", c.b.file_name, c.b.sha256);
        }
        Format::Table => {
            writeln!(
                out,
                "{} in A = {} (sha256 {})",
                c.table, c.a.file_name, c.a.sha256
            )?;
            writeln!(
                out,
                "{} in B = {} (sha256 {})",
                c.table, c.b.file_name, c.b.sha256
            )?;
            let spans: Vec<String> = c
                .overlap
                .iter()
                .map(|(a, f, l)| format!("{a} {f}..{l}"))
                .collect();
            writeln!(out, "overlap: {}", spans.join(", "))?;
            if let Some(part) = &c.part {
                writeln!(out, "compared part: {part} {}", c.table)?;
            }
            writeln!(out, "rows matched on: {}\n", c.matched_on.join(", "))?;
            let header: Vec<String> = ["month", "aor", "A", "B", "B - A", "only in A", "only in B"]
                .map(String::from)
                .to_vec();
            let rows: Vec<Vec<String>> = c
                .by_month_aor
                .iter()
                .map(|m| {
                    let hidden = row_hidden(m);
                    vec![
                        m.month.clone(),
                        m.aor.clone(),
                        cell(m.a, hidden),
                        cell(m.b, hidden),
                        if hidden {
                            String::new()
                        } else {
                            format!("{:+}", m.difference)
                        },
                        shown(m.only_a),
                        shown(m.only_b),
                    ]
                })
                .collect();
            write!(out, "{}", table(&header, &rows, &[2, 3, 4, 5, 6]))?;
            writeln!(
                out,
                "\nin the overlap: A {} rows, B {} rows; {} matched; {} only in A; {} only in B",
                total(c.a.rows_in_overlap),
                total(c.b.rows_in_overlap),
                total(c.matched_rows),
                shown(c.a.only_here),
                shown(c.b.only_here)
            )?;
            writeln!(
                out,
                "(counts below {threshold} print as <{threshold}; ~ marks counts rounded to the nearest 10 so they cannot reveal them)"
            )?;
            for (label, side) in [("A", &c.a), ("B", &c.b)] {
                if side.only_here_rows.is_empty() {
                    continue;
                }
                if small(side.only_here) {
                    writeln!(
                        out,
                        "only in {label}: row pointers withheld because fewer than {threshold} rows differ (--suppress-below 0 lists them)"
                    )?;
                    continue;
                }
                let pointers: Vec<String> = side
                    .only_here_rows
                    .iter()
                    .map(|(s, r)| format!("{s}:{r}"))
                    .collect();
                let more = side.only_here as usize - side.only_here_rows.len();
                writeln!(
                    out,
                    "only in {label} (sheet:row){}: {}",
                    if more > 0 {
                        format!(
                            ", first {} of {}",
                            side.only_here_rows.len(),
                            side.only_here
                        )
                    } else {
                        String::new()
                    },
                    pointers.join(", ")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
