//! Running an operation against the store: coverage, counts, estimates, weekly series.

use crate::coverage::Coverage;
use crate::daily::DailyCounts;
use crate::estimate::{DidEstimate, PanelCell, poisson_did};
use crate::series::weekly_series;
use crate::spec::{Operation, Window};
use chrono::NaiveDate;
use serde::Serialize;
use tally_model::TableKind;
use tally_model::disclosure::{Disclosure, Figure, round_to};
use tally_query::{CountQuery, Dimension, ReleaseUse, count};
use tally_store::Store;

/// Weeks before and after the window shown in the weekly series.
pub const SERIES_WEEKS_AROUND: i64 = 8;

/// The method groups reported, in order, followed by the total.
pub const GROUPS: [&str; 4] = ["custodial", "at-large", "border", "other"];
/// Fewest counts in each of the four corners of the design (treated/comparison x
/// window/baselines) for an estimate to be reported.
pub const MIN_CELL: u64 = 10;

/// Label of the all-methods line.
pub const TOTAL: &str = "total";

/// Failures of a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The store has no records for the window or a baseline; the message says which table,
    /// AORs and days are missing and what release would cover them.
    #[error("{0}")]
    NoCoverage(String),
    #[error(transparent)]
    Query(#[from] tally_query::QueryError),
}

/// One period of the design.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// "baseline 2016-07-14..2016-07-27" or "window ...".
    pub label: String,
    /// The period as designed.
    pub window: Window,
    /// True for the operation window, false for a baseline.
    pub is_operation: bool,
    /// The days actually counted: those of `window` that releases cover for every AOR in
    /// the design, as runs of consecutive days. Days some AOR lacks are left out for all
    /// AORs, so no missing day is ever counted as zero.
    pub counted: Vec<Window>,
    /// Number of days in `counted`.
    pub counted_days: i64,
}

/// Counts of one method group (or the total) for treated and comparison AORs.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCounts {
    pub group: String,
    /// Per period, in period order.
    pub treated: Vec<u64>,
    pub comparison: Vec<u64>,
    /// Percent change of the window's daily rate against the baselines' mean daily rate.
    pub treated_change_pct: Option<f64>,
    pub comparison_change_pct: Option<f64>,
    pub estimate: Option<DidEstimate>,
    /// Why there is no estimate, when there is none.
    pub no_estimate: Option<String>,
}

/// One week of the weekly series; week `k` covers days `7k .. 7k+6` from the window's first
/// day (negative before it).
#[derive(Debug, Clone, Serialize)]
pub struct Week {
    pub week: i64,
    /// First day of the week in the operation year.
    pub first: NaiveDate,
    /// Days of this week inside the operation window (0-7).
    pub days_in_window: u32,
    /// Days of this week, in the operation year, with no ingested release for some AOR.
    pub uncovered_days: u32,
    /// Counts in the operation year; `None` when some day of the week has no ingested
    /// release for some AOR (missing is not zero).
    pub treated: Option<u64>,
    pub comparison: Option<u64>,
    /// Mean over baseline years of the same relative week; `None` when not fully covered.
    pub treated_baseline: Option<f64>,
    pub comparison_baseline: Option<f64>,
}

/// Days a period is not covered by any release, per AOR.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageGap {
    pub aor: String,
    pub period: String,
    pub days: i64,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Everything a run produced; every number here comes from `query` over `releases`.
#[derive(Debug, Clone, Serialize)]
pub struct OperationResult {
    pub operation: Operation,
    pub table: TableKind,
    pub periods: Vec<Period>,
    pub treated_aors: Vec<String>,
    pub comparison_aors: Vec<String>,
    pub groups: Vec<GroupCounts>,
    pub weeks: Vec<Week>,
    /// At-large share of treated AORs' counts per period (tables with method groups).
    pub at_large_share: Vec<Option<f64>>,
    pub coverage_gaps: Vec<CoverageGap>,
    pub caveats: Vec<String>,
    /// The exact query every number was computed from.
    pub query: String,
    pub releases: Vec<ReleaseUse>,
    pub method: String,
}

/// The statistical method, as printed with every estimate.
pub const METHOD: &str = "Difference in differences as a Poisson regression of counts per AOR and period on AOR and \
period fixed effects plus a treated-in-window indicator; rate ratio exp(beta) with a 95% interval from \
quasi-Poisson (Pearson-dispersion) standard errors. Wooldridge (2023), The Econometrics Journal 26(3), C31-C66; \
McCullagh and Nelder (1989), Generalized Linear Models, section 6.2.";

fn fiscal_span(w: &Window) -> String {
    let (a, b) = (
        tally_model::fiscal::fiscal_year(w.first),
        tally_model::fiscal::fiscal_year(w.last),
    );
    let (first, _) = tally_model::fiscal::fiscal_year_bounds(a);
    let (_, last) = tally_model::fiscal::fiscal_year_bounds(b);
    if a == b {
        format!("FY{a} ({first}..{last})")
    } else {
        format!("FY{a}-FY{b} ({first}..{last})")
    }
}

/// Runs `op` against `store`.
///
/// # Errors
/// [`RunError::NoCoverage`] when no release covers the window (or a baseline) for any
/// treated AOR; query errors.
pub fn run_operation(store: &Store, op: &Operation) -> Result<OperationResult, RunError> {
    let table = op.table_kind();
    let mut baselines = op.baselines();
    baselines.sort_by_key(|w| w.first);
    let mut periods: Vec<Period> = baselines
        .iter()
        .map(|w| Period {
            label: format!("baseline {}..{}", w.first, w.last),
            window: *w,
            is_operation: false,
            counted: Vec::new(),
            counted_days: 0,
        })
        .collect();
    periods.push(Period {
        label: format!("window {}..{}", op.window.first, op.window.last),
        window: op.window,
        is_operation: true,
        counted: Vec::new(),
        counted_days: 0,
    });

    // Coverage: refuse to print zeros for days no release covers.
    let cover = Coverage::of(store, table);
    for period in &periods {
        let missing: Vec<&String> = op
            .aors
            .iter()
            .filter(|a| cover.uncovered(a, &period.window).len() as i64 == period.window.days())
            .collect();
        if missing.len() == op.aors.len() {
            let held = match cover.span() {
                Some((f, l)) => format!("the store's {table} records cover {f}..{l}"),
                None => format!("the store holds no {table} records"),
            };
            let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            return Err(RunError::NoCoverage(format!(
                "operation {}: no {table} records for {} on any day of the {} ({} days); {held}. \
                 Ingest a release of ICE ERO {table} covering {} for these AORs (for example a LESA-STU \
                 record-level release whose coverage includes {}..{}); Tally will not print zeros for days it has no data for.",
                op.name,
                names.join(", "),
                period.label,
                period.window.days(),
                fiscal_span(&period.window),
                period.window.first,
                period.window.last,
            )));
        }
    }

    // One query for every number: counts by AOR, day and method group over the whole span.
    // The weekly series runs whole weeks from SERIES_WEEKS_AROUND before each period's
    // first day to as many after the window's last week; the query must cover all of them.
    let series_days = 7 * ((op.window.days() + 6) / 7 + 2 * SERIES_WEEKS_AROUND);
    let span_first = periods
        .iter()
        .map(|p| p.window.first)
        .min()
        .unwrap_or(op.window.first)
        - chrono::Duration::days(7 * SERIES_WEEKS_AROUND);
    let span_last = periods
        .iter()
        .map(|p| p.window.first)
        .max()
        .unwrap_or(op.window.first)
        + chrono::Duration::days(series_days - 7 * SERIES_WEEKS_AROUND - 1);
    let query = CountQuery {
        table,
        by: vec![Dimension::Aor, Dimension::Date, Dimension::MethodGroup],
        filters: Vec::new(),
        from: Some(span_first),
        to: Some(span_last),
        releases: None,
        scheme: None,
        dedup: Some(op.dedup_rule()),
        dedup_marks: Vec::new(),
    };
    let dedup = op.dedup_rule();
    let query_text = format!(
        "tally count {} --by aor,date,method-group --from {span_first} --to {span_last}{}",
        table.slug(),
        if dedup.is_none() {
            String::new()
        } else {
            format!(" --dedup {}", dedup.name)
        }
    );
    let result = count(store, &query)?;
    let daily = DailyCounts::from_count(&result);
    let windows: Vec<Window> = periods.iter().map(|p| p.window).collect();
    let aors_with_data = daily.aors_with_data(&windows);
    let has_groups = daily.has_method_groups();

    let mut caveats = Vec::new();
    // An AOR that no release covers on any day of some period cannot be compared there:
    // it leaves the design (said in the caveats) rather than contributing zeros.
    let uncovered_somewhere = |aor: &String| {
        periods
            .iter()
            .any(|p| cover.uncovered(aor, &p.window).len() as i64 == p.window.days())
    };
    let mut treated: Vec<String> = Vec::new();
    for aor in &op.aors {
        if uncovered_somewhere(aor) {
            caveats.push(format!("Treated AOR {aor} is left out: no ingested {table} release covers it on any day of some period."));
        } else {
            treated.push(aor.clone());
        }
    }
    let candidates: Vec<String> = if op.comparison.comparison_aors.is_empty() {
        aors_with_data
            .iter()
            .filter(|a| !op.aors.contains(a) && a.as_str() != "HQ" && !a.starts_with('('))
            .cloned()
            .collect()
    } else {
        op.comparison.comparison_aors.clone()
    };
    let mut comparison: Vec<String> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    for aor in candidates {
        if uncovered_somewhere(&aor) {
            dropped.push(aor)
        } else {
            comparison.push(aor)
        }
    }
    if !dropped.is_empty() {
        caveats.push(format!(
            "Comparison AORs left out because no ingested {table} release covers them on any day of some period: {}.",
            dropped.join(", ")
        ));
    }
    if comparison.is_empty() {
        return Err(RunError::NoCoverage(format!(
            "operation {}: no comparison AOR has {table} records in every period ({}); ingest releases covering the baselines \
             and the window for other AORs, or list comparison_aors that have them",
            op.name,
            periods
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let all_aors: Vec<String> = treated.iter().chain(&comparison).cloned().collect();
    // Where overlapping releases disagree about an AOR of the design, the figures rest on
    // the one precedence chose: say so with both sides' rows, as `count` and `status` do.
    let rule = Disclosure::default();
    for o in result
        .overlaps
        .iter()
        .filter(|o| o.disagrees() && all_aors.contains(&o.overlap.aor))
    {
        caveats.push(format!(
            "{} and {} disagree on {table} in {} {}..{}: {} rows in the first (counted), {} in the second (set aside: {}), on the days of the series.",
            o.overlap.winner,
            o.overlap.shadowed,
            o.overlap.aor,
            o.overlap.first,
            o.overlap.last,
            rule.cell(o.winner_rows).text(),
            rule.cell(o.shadowed_rows).text(),
            o.overlap.reason
        ));
    }
    // A release's partial last days (far fewer rows than usual: the extract was cut) would
    // read as a drop: they are left out of every period, for every AOR, and said.
    let partial_days: Vec<NaiveDate> = result.partial_days.iter().map(|p| p.day.date).collect();
    let in_periods: Vec<String> = result
        .partial_days
        .iter()
        .filter(|p| {
            periods
                .iter()
                .any(|w| w.window.first <= p.day.date && p.day.date <= w.window.last)
        })
        .map(|p| format!("{} ({})", p.day.date, p.file_name))
        .collect();
    if !in_periods.is_empty() {
        caveats.push(format!(
            "Partial last days left out of every period, for every AOR (far fewer rows than the same weekday usually has: the release was likely cut while ICE was still entering them): {}.",
            in_periods.join(", ")
        ));
    }
    for p in &mut periods {
        let mut runs: Vec<Window> = Vec::new();
        for day in p
            .window
            .first
            .iter_days()
            .take_while(|d| *d <= p.window.last)
        {
            if all_aors.iter().all(|a| cover.covers(a, day)) && !partial_days.contains(&day) {
                match runs.last_mut() {
                    Some(r) if r.last.succ_opt() == Some(day) => r.last = day,
                    _ => runs.push(Window {
                        first: day,
                        last: day,
                    }),
                }
            }
        }
        p.counted_days = runs.iter().map(Window::days).sum();
        p.counted = runs;
        if p.counted_days == 0 {
            return Err(RunError::NoCoverage(format!(
                "operation {}: no day of the {} is covered by {table} releases for every AOR of the design ({}); \
                 ingest releases covering it",
                op.name,
                p.label,
                all_aors.join(", ")
            )));
        }
        if p.counted_days < p.window.days() {
            caveats.push(format!(
                "The {} is counted on {} of its {} days: days some AOR's releases do not cover, and partial last days, are left out for every AOR.",
                p.label,
                p.counted_days,
                p.window.days()
            ));
        }
    }

    // Sums over a period count only its covered days.
    let sum_period = |aors: &[String], p: &Period, group: Option<&str>| -> u64 {
        p.counted.iter().map(|w| daily.sum(aors, w, group)).sum()
    };

    let group_names: Vec<Option<&str>> = if has_groups {
        GROUPS
            .iter()
            .map(|g| Some(*g))
            .chain(std::iter::once(None))
            .collect()
    } else {
        vec![None]
    };
    let mut groups = Vec::new();
    for group in group_names {
        let per = |aors: &[String]| {
            periods
                .iter()
                .map(|p| sum_period(aors, p, group))
                .collect::<Vec<u64>>()
        };
        let treated_counts = per(&treated);
        let comparison_counts = per(&comparison);
        let days: Vec<i64> = periods.iter().map(|p| p.counted_days).collect();
        let change = |counts: &[u64]| change_pct(counts, &days);
        let mut panel = Vec::new();
        for (a, aor) in all_aors.iter().enumerate() {
            for (p, period) in periods.iter().enumerate() {
                let one = std::slice::from_ref(aor);
                panel.push(PanelCell {
                    aor: a,
                    period: p,
                    treated_in_window: period.is_operation && a < treated.len(),
                    count: sum_period(one, period, group) as f64,
                });
            }
        }
        let n = periods.len();
        let too_few = treated_counts[n - 1] < MIN_CELL
            || treated_counts[..n - 1].iter().sum::<u64>() < MIN_CELL
            || comparison_counts[n - 1] < MIN_CELL
            || comparison_counts[..n - 1].iter().sum::<u64>() < MIN_CELL;
        let (estimate, no_estimate) = if too_few {
            (
                None,
                Some(format!("too few (<{MIN_CELL} in a corner of the design)")),
            )
        } else {
            match poisson_did(&panel) {
                Ok(e) if e.ci_low.is_finite() && e.ci_high.is_finite() && e.ci_low > 0.0 => {
                    (Some(e), None)
                }
                Ok(_) => (
                    None,
                    Some("the interval is unbounded: too little information".into()),
                ),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        groups.push(GroupCounts {
            group: group.unwrap_or(TOTAL).to_string(),
            treated_change_pct: change(&treated_counts),
            comparison_change_pct: change(&comparison_counts),
            treated: treated_counts,
            comparison: comparison_counts,
            estimate,
            no_estimate,
        });
    }

    let weeks = weekly_series(
        &op.window,
        &baselines,
        &daily,
        &cover,
        &treated,
        &comparison,
    );

    let at_large_share = periods
        .iter()
        .map(|p| {
            if !has_groups {
                return None;
            }
            let all = sum_period(&treated, p, None);
            (all > 0).then(|| sum_period(&treated, p, Some("at-large")) as f64 / all as f64)
        })
        .collect();

    let mut coverage_gaps = Vec::new();
    for aor in &all_aors {
        for p in &periods {
            let days = cover.uncovered(aor, &p.window);
            if let (Some(f), Some(l)) = (days.first(), days.last()) {
                coverage_gaps.push(CoverageGap {
                    aor: aor.clone(),
                    period: p.label.clone(),
                    days: days.len() as i64,
                    first: *f,
                    last: *l,
                });
            }
        }
    }

    for g in &coverage_gaps {
        caveats.push(format!(
            "{} has no ingested {table} release for {} day(s) of the {} ({}..{}): its counts there are missing, not zero.",
            g.aor, g.days, g.period, g.first, g.last
        ));
    }
    let partial: Vec<String> = weeks
        .iter()
        .filter(|w| w.days_in_window > 0 && w.days_in_window < 7)
        .map(|w| {
            format!(
                "week {} ({}) has {} of 7 days in the window",
                w.week, w.first, w.days_in_window
            )
        })
        .collect();
    if !partial.is_empty() {
        caveats.push(format!("Partial weeks: {}.", partial.join("; ")));
    }
    let edge: Vec<String> = weeks
        .iter()
        .filter(|w| w.uncovered_days > 0)
        .map(|w| format!("week {} ({}): {} day(s)", w.week, w.first, w.uncovered_days))
        .collect();
    if !edge.is_empty() {
        caveats.push(format!(
            "Weeks of the series with days some AOR's releases do not cover (counts there understate): {}.",
            edge.join("; ")
        ));
    }
    let releases: Vec<String> = result
        .releases
        .iter()
        .map(|r| format!("{} (sha256 {})", r.file_name, r.sha256))
        .collect();
    caveats.push(format!("Releases used: {}.", releases.join("; ")));
    if let Some(d) = &result.dedup {
        for (file, why) in &d.not_applied {
            caveats.push(format!(
                "The {} rule is not applied to {file}: {why}; its rows count as released.",
                d.rule
            ));
        }
        caveats.push(format!(
            "Counts are de-duplicated by the {} rule ({}; source: {}): {} rows of the series' days were merged into another row of their release.",
            d.rule,
            d.title,
            d.source,
            Disclosure::default().cell(d.rows_merged).text()
        ));
    } else {
        caveats.push(
            "Counts are rows as released (no de-duplication; `dedup = \"episode-24h\"` in the operation file or `--dedup` counts one row per 24-hour episode of a person where releases carry person identifiers)."
                .into(),
        );
    }
    if has_groups {
        caveats.push(
            "Method groups follow crates/tally-model/data/schemes/default.csv: custodial = CAP Local/State/Federal Incarceration, \
             Criminal Alien Program, 287(g) Program, Custodial Arrest; at-large = Located, Non-Custodial Arrest, Probation and \
             Parole, Worksite Enforcement; border = Patrol Border/Interior, Inspections, Anti-Smuggling, Boat Patrol, Traffic \
             Check, Crewman/Stowaway, Transportation Check; other = everything else."
                .into(),
        );
    }
    for c in &op.confounders {
        let when = match (c.first, c.last) {
            (Some(f), Some(l)) => format!(" ({f}..{l})"),
            (Some(f), None) => format!(" (from {f})"),
            _ => String::new(),
        };
        caveats.push(format!("Known confounder: {}{when}. {}", c.name, c.note));
    }
    caveats.push(
        "The estimate compares treated AORs with the comparison AORs; it assumes both would have changed alike without the \
         operation (parallel trends) and cannot separate the operation from anything else that hit only the treated AORs."
            .into(),
    );

    Ok(OperationResult {
        operation: op.clone(),
        table,
        periods,
        treated_aors: treated,
        comparison_aors: comparison,
        groups,
        weeks,
        at_large_share,
        coverage_gaps,
        caveats,
        query: query_text,
        releases: result.releases,
        method: METHOD.to_string(),
    })
}

/// The result as it may be published, through the one small-cell rule
/// (`tally_model::disclosure`): counts below the threshold are suppressed; where a method
/// group's count is suppressed, the period's total is rounded (to the base that keeps the
/// hidden count undetermined, [`Disclosure::sum`]), weekly counts and baseline means are
/// rounded to the nearest 10, and neither the total's percent change nor the period's
/// at-large share is published (either would give the total back); every other percent
/// change and share is rounded to a whole percent, and one computed from a suppressed
/// count is not published. Renderers (text,
/// Markdown, HTML, charts, JSON) all print this, never the raw result.
pub fn for_publication(r: &OperationResult) -> OperationResult {
    use crate::render::hidden_columns;
    let rule = Disclosure::default();
    let mut p = r.clone();
    let hidden_t = hidden_columns(r, |g| &g.treated);
    let hidden_c = hidden_columns(r, |g| &g.comparison);
    let any_hidden = hidden_t.iter().chain(&hidden_c).any(|h| *h);
    if any_hidden {
        let round = |n: u64| if rule.small(n) { n } else { round_to(n, 10) };
        for w in &mut p.weeks {
            w.treated = w.treated.map(round);
            w.comparison = w.comparison.map(round);
            w.treated_baseline = w.treated_baseline.map(|m| (m / 10.0).round() * 10.0);
            w.comparison_baseline = w.comparison_baseline.map(|m| (m / 10.0).round() * 10.0);
        }
    }
    for g in &mut p.groups {
        let total = g.group == TOTAL;
        g.treated_change_pct = if total && hidden_t.iter().any(|h| *h) {
            None
        } else {
            rule.percent(g.treated_change_pct, &g.treated)
        };
        g.comparison_change_pct = if total && hidden_c.iter().any(|h| *h) {
            None
        } else {
            rule.percent(g.comparison_change_pct, &g.comparison)
        };
        if let Some(e) = &mut g.estimate {
            e.rate_ratio = (e.rate_ratio * 100.0).round() / 100.0;
            e.ci_low = (e.ci_low * 100.0).round() / 100.0;
            e.ci_high = (e.ci_high * 100.0).round() / 100.0;
        }
    }
    // A share is at-large over the total: where any method group of the period is
    // suppressed, the total is, in effect, too (the exact at-large count and the share
    // would give it back), so no share is published there.
    for (i, share) in p.at_large_share.iter_mut().enumerate() {
        let from: Vec<u64> = r
            .groups
            .iter()
            .filter_map(|g| g.treated.get(i).copied())
            .collect();
        *share = rule.share(*share, &from);
    }
    p
}

/// Percent change of the last period's daily rate (the window) against the mean daily
/// rate of the others (the baselines): `counts` and `days` per period, in period order.
/// `None` when the baselines' rate is zero.
pub fn change_pct(counts: &[u64], days: &[i64]) -> Option<f64> {
    let n = counts.len().min(days.len());
    if n < 2 {
        return None;
    }
    let rate = |i: usize| counts[i] as f64 / days[i].max(1) as f64;
    let mean = (0..n - 1).map(rate).sum::<f64>() / (n - 1) as f64;
    (mean > 0.0).then(|| 100.0 * (rate(n - 1) / mean - 1.0))
}

/// Which side of the design a count belongs to.
pub type Side = fn(&GroupCounts) -> &Vec<u64>;

/// The treated AORs' counts of a group.
pub fn treated(g: &GroupCounts) -> &Vec<u64> {
    &g.treated
}

/// The comparison AORs' counts of a group.
pub fn comparison(g: &GroupCounts) -> &Vec<u64> {
    &g.comparison
}

/// The published figure of every group's count on one side, per group and period: a
/// method group's count as a cell, the total as a sum over the method groups (rounded
/// where one of them is suppressed, [`Disclosure::sum`]).
pub fn side_figures(r: &OperationResult, side: Side) -> Vec<Vec<Figure>> {
    let rule = Disclosure::default();
    r.groups
        .iter()
        .map(|g| {
            side(g)
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    if g.group != TOTAL {
                        return rule.cell(*n);
                    }
                    let hidden: Vec<u64> = r
                        .groups
                        .iter()
                        .filter(|x| x.group != TOTAL)
                        .filter_map(|x| side(x).get(i).copied())
                        .filter(|v| rule.small(*v))
                        .collect();
                    rule.sum(*n, &hidden)
                })
                .collect()
        })
        .collect()
}

/// The result as published JSON ([`for_publication`]), every count a published figure
/// (`tally_model::disclosure::Figure`: a number, or `{"below": 10}`, or
/// `{"about": n, "rounded_to": base}`), with `suppress_below` stating the rule.
pub fn published(r: &OperationResult) -> serde_json::Value {
    let rule = Disclosure::default();
    let p = for_publication(r);
    let mut v = serde_json::to_value(&p).unwrap_or(serde_json::Value::Null);
    let sides: [(&str, Vec<Vec<Figure>>); 2] = [
        ("treated", side_figures(r, treated)),
        ("comparison", side_figures(r, comparison)),
    ];
    if let Some(groups) = v.get_mut("groups").and_then(|g| g.as_array_mut()) {
        for (i, json) in groups.iter_mut().enumerate() {
            for (key, figures) in &sides {
                let figures: Vec<serde_json::Value> = figures[i].iter().map(Figure::json).collect();
                json[*key] = serde_json::json!(figures);
            }
        }
    }
    if let Some(weeks) = v.get_mut("weeks").and_then(|w| w.as_array_mut()) {
        for w in weeks {
            for key in ["treated", "comparison"] {
                if let Some(x) = w.get_mut(key)
                    && let Some(n) = x.as_u64()
                {
                    *x = rule.cell(n).json();
                }
            }
            for key in ["treated_baseline", "comparison_baseline"] {
                if let Some(x) = w.get_mut(key)
                    && x.as_f64()
                        .is_some_and(|v| v > 0.0 && v < rule.threshold as f64)
                {
                    *x = serde_json::json!({ "below": rule.threshold });
                }
            }
        }
    }
    if let Some(obj) = v.as_object_mut() {
        obj.insert("suppressed_below".into(), serde_json::json!(rule.threshold));
    }
    v
}
