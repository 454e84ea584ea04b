//! Text renderings of an operation result: the terminal table and Markdown. Counts below
//! [`SUPPRESS_BELOW`] print as `<10`.

use crate::estimate::DidEstimate;
use crate::run::{OperationResult, TOTAL};
use crate::spec::Outcome;
use std::fmt::Write;

/// Published counts below this print as `<10` (Tally's small-cell rule,
/// `tally_model::disclosure`).
pub const SUPPRESS_BELOW: u64 = tally_model::disclosure::DEFAULT_THRESHOLD;

/// How small cells are published, printed under every counts table.
pub const ROUNDING_NOTE: &str = "Counts below 10 print as <10; a total marked ~ is rounded (to the nearest 10, or coarser where that could give a suppressed count back) because a method group in its column is suppressed; such a total has no percent change.";

/// The note under an operation's table of figures: [`ROUNDING_NOTE`] for counts by method
/// group; a population's figures are one measure with no groups to round a total for.
pub fn rounding_note(r: &OperationResult) -> &'static str {
    if r.is_population() {
        "Average daily populations below 10 print as <10."
    } else {
        ROUNDING_NOTE
    }
}

/// True for a count that is published as `<10`.
pub fn is_small(n: u64) -> bool {
    tally_model::Disclosure::default().small(n)
}

/// A count as published, with thousands separators.
pub fn shown(n: u64) -> String {
    if is_small(n) {
        format!("<{SUPPRESS_BELOW}")
    } else {
        thousands(n)
    }
}

pub use tally_model::disclosure::thousands;

/// Per period: whether some method group's count is suppressed there. The total of such a
/// period is published rounded, so it cannot be used to subtract back to the hidden count.
pub fn hidden_columns(
    r: &OperationResult,
    counts: impl Fn(&crate::run::GroupCounts) -> &Vec<u64>,
) -> Vec<bool> {
    (0..r.periods.len())
        .map(|p| {
            r.groups
                .iter()
                .filter(|g| g.group != TOTAL)
                .any(|g| counts(g).get(p).is_some_and(|n| is_small(*n)))
        })
        .collect()
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:+.0}%"))
        .unwrap_or_else(|| "n/a".into())
}

/// A short column label for a period: "window", or the baseline's fiscal year (`FY2016`)
/// when it lies inside one and no other baseline shares it, else the baseline's first
/// day. Fiscal, not calendar, years: a baseline of 2015-10-01..2016-08-31 is FY2016,
/// which its calendar year of starting (2015) would misname.
pub fn period_label(r: &OperationResult, p: &crate::run::Period) -> String {
    if p.is_operation {
        return "window".into();
    }
    let fy = |q: &crate::run::Period| {
        let first = tally_model::fiscal::fiscal_year(q.window.first);
        (first == tally_model::fiscal::fiscal_year(q.window.last)).then_some(first)
    };
    let shared = r
        .periods
        .iter()
        .filter(|q| !q.is_operation && fy(q) == fy(p))
        .count()
        > 1;
    match fy(p) {
        Some(year) if !shared => format!("FY{year}"),
        _ => p.window.first.to_string(),
    }
}

/// Rows of the counts table: group, treated per period, change, comparison per period,
/// change, rate ratio with interval.
pub fn count_rows(r: &OperationResult) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec![r.row_label().to_string()];
    let label = |p: &crate::run::Period| period_label(r, p);
    header.extend(r.periods.iter().map(|p| format!("treated {}", label(p))));
    header.push("treated change".into());
    header.extend(r.periods.iter().map(|p| format!("comparison {}", label(p))));
    header.push("comparison change".into());
    header.push(if r.outcome == Outcome::AtLargeShare {
        "share ratio [95% CI]".into()
    } else {
        "rate ratio [95% CI]".into()
    });
    let figures_t = crate::run::side_figures(r, crate::run::treated);
    let figures_c = crate::run::side_figures(r, crate::run::comparison);
    let shown = |f: &tally_model::Figure| match f {
        tally_model::Figure::About { value, .. } if *value > 0 => format!("~{}", thousands(*value)),
        f => f.text(),
    };
    let rows = r
        .groups
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let mut row = vec![g.group.clone()];
            let small = |counts: &[u64]| counts.iter().any(|n| is_small(*n));
            row.extend(figures_t[gi].iter().map(shown));
            row.push(if small(&g.treated) {
                "suppressed".into()
            } else {
                pct(g.treated_change_pct)
            });
            row.extend(figures_c[gi].iter().map(shown));
            row.push(if small(&g.comparison) {
                "suppressed".into()
            } else {
                pct(g.comparison_change_pct)
            });
            row.push(match (&g.estimate, &g.no_estimate) {
                (Some(e), _) => format!("{:.2} [{:.2}, {:.2}]", e.rate_ratio, e.ci_low, e.ci_high),
                (None, Some(why)) => format!("none: {why}"),
                (None, None) => "none".into(),
            });
            row
        })
        .collect();
    (header, rows)
}

/// Rows of the weekly series table.
pub fn week_rows(r: &OperationResult) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "week",
        "first day",
        "treated",
        "treated baseline mean",
        "comparison",
        "comparison baseline mean",
        "notes",
    ]
    .map(String::from)
    .to_vec();
    let rows = r
        .weeks
        .iter()
        .map(|w| {
            let mut notes = Vec::new();
            if w.days_in_window == 7 {
                notes.push("window".to_string());
            } else if w.days_in_window > 0 {
                notes.push(format!("window, partial ({}/7 days)", w.days_in_window));
            }
            if w.uncovered_days > 0 {
                notes.push(format!(
                    "{} day(s) not covered by any release",
                    w.uncovered_days
                ));
            }
            let count = |n: Option<u64>| n.map(shown).unwrap_or_else(|| "not covered".into());
            let mean = |m: Option<f64>| match m {
                Some(m) if m > 0.0 && m < SUPPRESS_BELOW as f64 => format!("<{SUPPRESS_BELOW}"),
                Some(m) => {
                    let tenths = (m * 10.0).round() as u64;
                    format!("{}.{}", thousands(tenths / 10), tenths % 10)
                }
                None => "not covered".into(),
            };
            vec![
                w.week.to_string(),
                w.first.to_string(),
                count(w.treated),
                mean(w.treated_baseline),
                count(w.comparison),
                mean(w.comparison_baseline),
                notes.join("; "),
            ]
        })
        .collect();
    (header, rows)
}

/// The at-large share lines; both sides are said whenever either has a share (a side
/// whose shares are all suppressed says so, rather than leaving the other alone).
fn share_line(r: &OperationResult) -> Option<String> {
    if r.at_large_share.iter().all(Option::is_none)
        && r.comparison_at_large_share.iter().all(Option::is_none)
    {
        return None;
    }
    let side = |shares: &[Option<f64>]| -> String {
        r.periods
            .iter()
            .zip(shares)
            .map(|(p, s)| {
                format!(
                    "{} {}",
                    period_label(r, p),
                    // Published shares are whole percents (the disclosure rule rounds them).
                    s.map(|s| format!("{:.0}%", 100.0 * s))
                        .unwrap_or_else(|| "suppressed or n/a".into())
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut line = format!(
        "At-large share of treated AORs' {}: {}",
        r.table.slug(),
        side(&r.at_large_share)
    );
    line.push_str(&format!(
        "\nAt-large share of comparison AORs' {}: {}",
        r.table.slug(),
        side(&r.comparison_at_large_share)
    ));
    Some(line)
}

fn aligned(header: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    format!("{c:<w$}", w = widths[i])
                } else {
                    format!("{c:>w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = line(header) + "\n";
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// A sentence a reporter can quote, from the estimate of the figure the operation is
/// about (at-large arrests, the at-large share, or the average daily population), with
/// its rate ratio said in words: "In the 10 treated AORs, at-large arrests in the window
/// were 28% lower than the comparison AORs predict; 95% interval -50% to +3%; the
/// interval includes no change." `None` without an estimate.
pub fn headline(r: &OperationResult) -> Option<String> {
    let (what, e) = headline_estimate(r)?;
    let pct = |ratio: f64| ((ratio - 1.0) * 100.0).round();
    let change = pct(e.rate_ratio);
    let verb = if what.starts_with("the ") {
        "was"
    } else {
        "were"
    };
    let direction = if change < 0.0 {
        format!("{}% lower than", -change)
    } else if change > 0.0 {
        format!("{change}% higher than")
    } else {
        "the same as".to_string()
    };
    let signed = |v: f64| {
        if v > 0.0 {
            format!("+{v}%")
        } else {
            format!("{v}%")
        }
    };
    let includes = e.ci_low <= 1.0 && 1.0 <= e.ci_high;
    Some(format!(
        "In the {} treated AORs, {what} in the window {verb} {direction} the comparison AORs predict; 95% interval {} to {}; the interval {} no change.",
        r.treated_aors.len(),
        signed(pct(e.ci_low)),
        signed(pct(e.ci_high)),
        if includes { "includes" } else { "excludes" }
    ))
}

/// The headline's rate ratio said in words for a reader who has never met one: what it
/// divides by what, and what its value means as "where the comparison predicts 100".
/// `None` without an estimate.
pub fn rate_ratio_in_words(r: &OperationResult) -> Option<String> {
    let (what, e) = headline_estimate(r)?;
    let per_100 = (e.rate_ratio * 100.0).round();
    Some(format!(
        "How to read the rate ratio: it divides the change in {what} in the treated AORs, from the baseline windows to the window, by the change over the same time in the comparison AORs. A ratio of 1 means the treated AORs changed exactly as the comparison AORs did. This one is {ratio:.2}: where the comparison AORs' change predicts 100, the treated AORs had {per_100}. The 95% interval, {lo:.2} to {hi:.2}, is the range of ratios the data are consistent with; when it contains 1, the data cannot tell the change from no change.",
        ratio = e.rate_ratio,
        lo = e.ci_low,
        hi = e.ci_high,
    ))
}

/// The figure a headline is about (its words, and its estimate).
fn headline_estimate(r: &OperationResult) -> Option<(String, &DidEstimate)> {
    let (group, what) = match r.outcome {
        Outcome::AverageDailyPopulation => {
            (TOTAL, "the average daily detained population".to_string())
        }
        Outcome::AtLargeShare => (
            "at-large",
            format!("the at-large share of {}", r.table.slug()),
        ),
        Outcome::Count => {
            if r.groups.iter().any(|g| g.group == "at-large") {
                ("at-large", format!("at-large {}", r.table.slug()))
            } else {
                (TOTAL, r.table.slug().to_string())
            }
        }
    };
    let g = r.groups.iter().find(|g| g.group == group)?;
    Some((what, g.estimate.as_ref()?))
}

/// The terminal rendering.
pub fn text(r: &OperationResult) -> String {
    let mut s = String::new();
    let op = &r.operation;
    let _ = writeln!(s, "OPERATION {}: {}", op.name, op.title);
    let _ = writeln!(
        s,
        "table {}; treated AORs ({}): {}",
        r.table,
        r.treated_aors.len(),
        r.treated_aors.join(", ")
    );
    let _ = writeln!(
        s,
        "comparison AORs ({}): {}",
        r.comparison_aors.len(),
        r.comparison_aors.join(", ")
    );
    let periods: Vec<&str> = r.periods.iter().map(|p| p.label.as_str()).collect();
    let _ = writeln!(s, "periods: {}\n", periods.join("; "));
    for c in r.read_first() {
        let _ = writeln!(s, "READ FIRST: {c}\n");
    }
    if let Some(h) = headline(r) {
        let _ = writeln!(s, "HEADLINE: {h}\n");
    }
    if let Some(words) = rate_ratio_in_words(r) {
        let _ = writeln!(s, "{words}\n");
    }
    let _ = writeln!(s, "{}", r.figures_heading());
    let (h, rows) = count_rows(r);
    s.push_str(&aligned(&h, &rows));
    let _ = writeln!(s, "{}", rounding_note(r));
    if let Some(line) = share_line(r) {
        let _ = writeln!(s, "\n{line}");
    }
    let _ = writeln!(
        s,
        "\nWeekly series (week k = days 7k..7k+6 from {}), {} and baseline-years mean of the same week",
        op.window.first,
        r.weekly_figures()
    );
    let (h, rows) = week_rows(r);
    s.push_str(&aligned(&h, &rows));
    let _ = writeln!(s, "\nMethod: {}", r.method);
    let _ = writeln!(s, "\nCaveats:");
    for c in &r.caveats {
        let _ = writeln!(s, "- {c}");
    }
    let _ = writeln!(s, "\nEvery number above comes from: {}", r.query);
    for rel in &r.releases {
        let _ = writeln!(
            s,
            "  source: {} (sha256 {}, sheets {}): {} rows",
            rel.file_name,
            rel.sha256,
            rel.sheets.join(", "),
            rel.rows_counted
        );
    }
    s
}

fn md_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut s = format!(
        "| {} |\n|{}|\n",
        header.join(" | "),
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        let _ = writeln!(
            s,
            "| {} |",
            row.iter()
                .map(|c| c.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    s
}

/// The Markdown report; charts are referenced as SVG files written beside it.
pub fn markdown(r: &OperationResult) -> String {
    let op = &r.operation;
    let mut s = format!("# {}\n\n", op.title);
    for c in r.read_first() {
        let _ = writeln!(s, "> **Read first.** {c}\n");
    }
    if let Some(h) = headline(r) {
        let _ = writeln!(s, "**{h}**\n");
    }
    if let Some(words) = rate_ratio_in_words(r) {
        let _ = writeln!(s, "{words}\n");
    }
    let _ = writeln!(s, "{}\n", op.description.trim());
    let _ = writeln!(
        s,
        "Operation file `{}`; table `{}`; treated AORs: {}; comparison AORs: {}.\n",
        op.name,
        r.table,
        r.treated_aors.join(", "),
        r.comparison_aors.join(", ")
    );
    let _ = writeln!(
        s,
        "## Estimate\n\n![Estimated effect](estimate.svg)\n\n{}\n",
        r.method
    );
    let _ = writeln!(s, "## {}\n", r.figures_heading());
    let (h, rows) = count_rows(r);
    s.push_str(&md_table(&h, &rows));
    let _ = writeln!(s, "\n{}", rounding_note(r));
    if let Some(line) = share_line(r) {
        let _ = writeln!(s, "\n{line}.");
    }
    let _ = writeln!(
        s,
        "\n![Method groups](method-groups.svg)\n\n## Weekly series\n\n![Weekly series](weekly.svg)\n"
    );
    let (h, rows) = week_rows(r);
    s.push_str(&md_table(&h, &rows));
    let _ = writeln!(s, "\n## Caveats\n");
    for c in &r.caveats {
        let _ = writeln!(s, "- {c}");
    }
    let _ = writeln!(
        s,
        "\n## Provenance\n\nEvery number in this report comes from one query, `{}`, over these releases:\n",
        r.query
    );
    for rel in &r.releases {
        let _ = writeln!(
            s,
            "- {} (sha256 `{}`; sheets {}): {} rows",
            rel.file_name,
            rel.sha256,
            rel.sheets.join(", "),
            rel.rows_counted
        );
    }
    if !op.sources.is_empty() {
        let _ = writeln!(s, "\n## Sources for the operation\n");
        for src in &op.sources {
            let _ = writeln!(s, "- {src}");
        }
    }
    s
}
