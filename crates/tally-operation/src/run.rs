//! Running an operation against the store: coverage, counts, estimates, weekly series.

use crate::coverage::Coverage;
use crate::daily::DailyCounts;
use crate::estimate::{DidEstimate, PanelCell, poisson_did};
use crate::series::weekly_series;
use crate::spec::{Operation, Outcome, Window};
use chrono::NaiveDate;
use serde::Serialize;
use tally_model::TableKind;
use tally_model::disclosure::{Disclosure, Figure, round_to};
use tally_query::{
    CountQuery, CountResult, Dimension, PopulationDimension, PopulationMeasure, PopulationQuery,
    PopulationResult, ReleaseUse, count, population,
};
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
    /// What was measured; with [`Outcome::AverageDailyPopulation`], every figure of
    /// `groups` and `weeks` is an average daily population (people), not a count.
    pub outcome: Outcome,
    pub table: TableKind,
    pub periods: Vec<Period>,
    pub treated_aors: Vec<String>,
    pub comparison_aors: Vec<String>,
    pub groups: Vec<GroupCounts>,
    pub weeks: Vec<Week>,
    /// At-large share of treated AORs' counts per period (tables with method groups).
    pub at_large_share: Vec<Option<f64>>,
    /// The same for the comparison AORs.
    pub comparison_at_large_share: Vec<Option<f64>>,
    /// For treated AORs chosen by a policy: each AOR's share of counties under it.
    pub policy_exposure: Vec<tally_query::jurisdiction::AorExposure>,
    pub coverage_gaps: Vec<CoverageGap>,
    pub caveats: Vec<String>,
    /// The exact query every number was computed from.
    pub query: String,
    pub releases: Vec<ReleaseUse>,
    pub method: String,
}

impl OperationResult {
    /// True when the figures are average daily populations, not counts.
    pub fn is_population(&self) -> bool {
        self.outcome == Outcome::AverageDailyPopulation
    }

    /// The heading of the per-period table.
    pub fn figures_heading(&self) -> &'static str {
        if self.is_population() {
            "Average daily detained population (people; detention data, not arrests); change = window vs the baselines' mean"
        } else {
            "Counts by method group; change = window's daily rate vs the baselines' mean daily rate"
        }
    }

    /// The caveats a reader must see before any number (with a population outcome: what
    /// was measured instead, that these are detention data, confounders inside the
    /// window); they also stay in `caveats`.
    pub fn read_first(&self) -> Vec<&str> {
        const FIRST: [&str; 8] = [
            "MEASURED INSTEAD",
            "DETENTION DATA, NOT ARRESTS",
            "CONFOUNDER INSIDE THE WINDOW",
            "TREATED BY POLICY",
            "ECOLOGICAL COMPARISON",
            "AOR-LEVEL GEOGRAPHY",
            "POLICIES CHANGE OVER TIME",
            "CAP ARRESTS HAPPEN IN JAILS",
        ];
        self.caveats
            .iter()
            .filter(|c| FIRST.iter().any(|f| c.starts_with(f)))
            .map(String::as_str)
            .collect()
    }

    /// The label of the rows of the per-period table.
    pub fn row_label(&self) -> &'static str {
        if self.is_population() {
            "measure"
        } else {
            "method group"
        }
    }

    /// What a daily figure is, for chart axes: `arrests per day`.
    pub fn per_day(&self) -> String {
        if self.is_population() {
            "people detained (average per day)".into()
        } else {
            format!("{} per day", self.table.slug())
        }
    }

    /// What a weekly figure is.
    pub fn weekly_figures(&self) -> &'static str {
        if self.is_population() {
            "average daily population of the week"
        } else {
            "counts"
        }
    }

    /// A period's daily rate of a figure of `groups` (counts are divided by the counted
    /// days; populations already are daily).
    pub fn daily_rate(&self, figure: u64, period: usize) -> f64 {
        if self.is_population() {
            figure as f64
        } else {
            figure as f64
                / self
                    .periods
                    .get(period)
                    .map_or(1, |p| p.counted_days.max(1)) as f64
        }
    }
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

/// The statistical method of a population outcome.
pub const METHOD_POPULATION: &str = "Difference in differences for a stock: Poisson pseudo-maximum-likelihood (PPML) \
regression of each AOR's average daily detained population in each period (person-days over the period's counted days) \
on AOR and period fixed effects plus a treated-in-window indicator; ratio exp(beta) of the treated AORs' population in \
the window to what their baselines and the comparison AORs' change predict, with a 95% interval from quasi-Poisson \
(Pearson-dispersion) standard errors. PPML needs only the mean to be right, not counts: Santos Silva and Tenreyro (2006), \
The Log of Gravity, Review of Economics and Statistics 88(4), 641-658; Wooldridge (2023), The Econometrics Journal \
26(3), C31-C66. One observation per AOR and period, so day-to-day persistence of a stock does not inflate the sample.";

/// The table a population outcome reads.
pub const POPULATION_TABLE: &str = "detention-headcount";

/// Runs `op` against `store`: its outcome, or, when the file names a fallback outcome and
/// no release of its table covers the design, the fallback (said first in the caveats).
///
/// # Errors
/// [`RunError::NoCoverage`] when no release covers the window (or a baseline) for any
/// treated AOR; query errors.
pub fn run_operation(store: &Store, op: &Operation) -> Result<OperationResult, RunError> {
    run_operation_as(store, op, op.outcome())
}

/// The treated AORs a `[treated_policy]` chooses, each AOR's exposure, and the caveats
/// that say how they were chosen.
///
/// # Errors
/// No county crosswalk or no list of the policy in the store.
fn resolve_policy(
    store: &Store,
    op: &Operation,
) -> Result<
    (
        Operation,
        Vec<tally_query::jurisdiction::AorExposure>,
        Vec<String>,
    ),
    RunError,
> {
    use tally_query::jurisdiction::{CountyDirectory, PolicyFamily, aor_exposure, policies_on};
    let Some(t) = &op.treated_policy else {
        return Ok((op.clone(), Vec::new(), Vec::new()));
    };
    let Some(counties) = CountyDirectory::read(store, t.crosswalk.as_deref())? else {
        return Err(RunError::NoCoverage(
            "treated_policy needs a county-aor crosswalk in the store (tally ingest ../shared/data/reference/uwchr_county_aor_hand.csv)".into(),
        ));
    };
    let family = match t.policy.as_str() {
        "287g" => PolicyFamily::Agreement287g,
        "secure-communities" => PolicyFamily::SecureCommunities,
        _ => PolicyFamily::Sanctuary,
    };
    let on = policies_on(store, t.on, Some(&counties))?;
    let lists: Vec<&str> = on
        .lists
        .iter()
        .filter(|(f, _)| *f == family)
        .map(|(_, l)| l.as_str())
        .collect();
    if lists.is_empty() {
        return Err(RunError::NoCoverage(format!(
            "treated_policy: the store has no {} list (ingest ../shared/data/policy)",
            family.name()
        )));
    }
    let mut exposure = aor_exposure(&on, &counties, family);
    exposure.sort_by(|a, b| b.share.total_cmp(&a.share).then(a.aor.cmp(&b.aor)));
    let mut resolved = op.clone();
    resolved.aors = exposure
        .iter()
        .filter(|e| e.share >= t.min_county_share && e.counties_under > 0)
        .map(|e| e.aor.clone())
        .collect();
    resolved.aors.sort();
    let mut caveats = vec![format!(
        "TREATED BY POLICY: the AORs where at least {:.0}% of counties were under a {} policy on {} ({}), by the county crosswalk {}: {}. The share is of counties, not people (the store has no county populations); city policies place no county.",
        100.0 * t.min_county_share,
        family.name(),
        t.on,
        lists.join(", "),
        counties.crosswalk,
        exposure
            .iter()
            .filter(|e| resolved.aors.contains(&e.aor))
            .map(|e| format!("{} {}/{}", e.aor, e.counties_under, e.counties))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    caveats.extend(
        on.caveats
            .iter()
            .filter(|c| c.starts_with(family.name()))
            .cloned(),
    );
    if resolved.aors.is_empty() {
        return Err(RunError::NoCoverage(format!(
            "treated_policy: no AOR has {:.0}% of its counties under a {} policy on {}",
            100.0 * t.min_county_share,
            family.name(),
            t.on
        )));
    }
    Ok((resolved, exposure, caveats))
}

/// Runs `op` measuring `outcome` (and its fallback, as [`run_operation`]).
///
/// # Errors
/// As [`run_operation`].
pub fn run_operation_as(
    store: &Store,
    op: &Operation,
    outcome: Outcome,
) -> Result<OperationResult, RunError> {
    let (resolved, exposure, policy_caveats) = resolve_policy(store, op)?;
    let op = &resolved;
    let attach = |mut r: OperationResult| {
        r.policy_exposure = exposure.clone();
        for (i, c) in policy_caveats.iter().enumerate() {
            r.caveats.insert(i, c.clone());
        }
        r
    };
    let result = run_measuring_policy(store, op, outcome);
    result.map(attach)
}

fn run_measuring_policy(
    store: &Store,
    op: &Operation,
    outcome: Outcome,
) -> Result<OperationResult, RunError> {
    match (run_measuring(store, op, outcome), op.fallback()) {
        (Err(RunError::NoCoverage(why)), Some(fallback)) if fallback != outcome => {
            let mut r = match run_measuring(store, op, fallback) {
                Ok(r) => r,
                // Neither can run: say why the outcome could not, then why the fallback
                // could not either.
                Err(e) => {
                    return Err(RunError::NoCoverage(format!(
                        "{why}\nThe fallback outcome, {}, could not run either: {e}",
                        fallback.name()
                    )));
                }
            };
            r.caveats.insert(
                0,
                format!(
                    "MEASURED INSTEAD: {} ({}), because {why}",
                    fallback.name(),
                    if fallback == Outcome::AverageDailyPopulation {
                        "detention data, not arrests"
                    } else {
                        "counts of records"
                    }
                ),
            );
            Ok(r)
        }
        (r, _) => r,
    }
}

fn run_measuring(
    store: &Store,
    op: &Operation,
    outcome: Outcome,
) -> Result<OperationResult, RunError> {
    let is_population = outcome == Outcome::AverageDailyPopulation;
    let is_share = outcome == Outcome::AtLargeShare;
    let table = if is_population {
        TableKind::from_slug(POPULATION_TABLE).unwrap_or_else(|| op.table_kind())
    } else {
        op.table_kind()
    };
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
    // Coverage: refuse to print zeros for days no release covers. A headcount carries
    // no AOR of its own (its facilities are placed in AORs), so its days cover every AOR.
    let population_result: Option<PopulationResult> = if is_population {
        Some(population(
            store,
            &PopulationQuery {
                by: vec![PopulationDimension::Aor, PopulationDimension::Date],
                measure: PopulationMeasure::Midnight,
                filters: Vec::new(),
                from: Some(span_first),
                to: Some(span_last),
                source: None,
                releases: None,
            },
        )?)
    } else {
        None
    };
    // A population is read from a headcount, or from stints where the store has no
    // headcount: the table named is the one read.
    let table = population_result
        .as_ref()
        .and_then(|p| TableKind::from_slug(&p.table))
        .unwrap_or(table);
    let cover = match &population_result {
        Some(p) => Coverage::everywhere(p.releases.iter().map(|r| (r.first, r.last)).collect()),
        None => Coverage::of(store, table),
    };
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
        rows_only: false,
        max_groups: None,
        listed_from: None,
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
    let (daily, count_result, query_text): (DailyCounts, Option<CountResult>, String) =
        match &population_result {
            Some(p) => (
                DailyCounts::from_population(p),
                None,
                format!("tally population --by aor,date --from {span_first} --to {span_last}"),
            ),
            None => {
                let result = count(store, &query)?;
                (DailyCounts::from_count(&result), Some(result), query_text)
            }
        };
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
    for o in count_result
        .iter()
        .flat_map(|r| &r.overlaps)
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
    let partial_days: Vec<NaiveDate> = count_result
        .iter()
        .flat_map(|r| &r.partial_days)
        .map(|p| p.day.date)
        .collect();
    let in_periods: Vec<String> = count_result
        .iter()
        .flat_map(|r| &r.partial_days)
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
    // A day left out of one period is left out of every period at the same place in its
    // span (its day number from the period's first day): the window counted on August
    // 15-31 only is compared with August 15-31 of the baseline years, not with their
    // whole August 15 - September 30 (whose rate differs with the season).
    let counts_day = |day: NaiveDate| {
        all_aors.iter().all(|a| cover.covers(a, day)) && !partial_days.contains(&day)
    };
    let left_out: std::collections::BTreeSet<i64> = periods
        .iter()
        .flat_map(|p| {
            p.window
                .first
                .iter_days()
                .take_while(|d| *d <= p.window.last)
                .enumerate()
                .filter(|(_, day)| !counts_day(*day))
                .map(|(at, _)| at as i64)
                .collect::<Vec<i64>>()
        })
        .collect();
    for p in &mut periods {
        let mut runs: Vec<Window> = Vec::new();
        for (at, day) in p
            .window
            .first
            .iter_days()
            .take_while(|d| *d <= p.window.last)
            .enumerate()
        {
            if !left_out.contains(&(at as i64)) {
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
            let own: i64 = p
                .window
                .first
                .iter_days()
                .take_while(|d| *d <= p.window.last)
                .filter(|d| counts_day(*d))
                .count() as i64;
            // Its own days are covered, but each falls where another period's is not.
            if own > 0 {
                return Err(RunError::NoCoverage(format!(
                    "operation {}: the periods share no covered day of their spans: the {} is covered on {own} of its {} days, but every one of them falls at a place in the span where another period has a day some AOR's releases do not cover (periods are counted on the same days of their spans, so that they compare like with like); \
                     choose baselines whose days the releases cover where the window's are covered, or ingest releases covering the others",
                    op.name,
                    p.label,
                    p.window.days()
                )));
            }
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
                "The {} is counted on {} of its {} days: days some AOR's releases do not cover, and partial last days, are left out for every AOR, and so is the same day of every other period, so that each period counts the same days of its span.",
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
        let counted_days: Vec<i64> = periods.iter().map(|p| p.counted_days).collect();
        // A population's person-days become average daily populations (whole people),
        // and its change compares those averages directly.
        let measured = |person_days: Vec<u64>| -> Vec<u64> {
            if !is_population {
                return person_days;
            }
            person_days
                .iter()
                .zip(&counted_days)
                .map(|(n, d)| average_daily(*n, *d))
                .collect()
        };
        let treated_counts = measured(per(&treated));
        let comparison_counts = measured(per(&comparison));
        let days: Vec<i64> = if is_population {
            vec![1; periods.len()]
        } else {
            counted_days.clone()
        };
        let change = |counts: &[u64]| change_pct(counts, &days);
        let mut panel = Vec::new();
        for (a, aor) in all_aors.iter().enumerate() {
            for (p, period) in periods.iter().enumerate() {
                let one = std::slice::from_ref(aor);
                let value = sum_period(one, period, group) as f64;
                panel.push(PanelCell {
                    aor: a,
                    period: p,
                    treated_in_window: period.is_operation && a < treated.len(),
                    count: if is_population {
                        value / period.counted_days.max(1) as f64
                    } else {
                        value
                    },
                    exposure: if is_share {
                        sum_period(one, period, None) as f64
                    } else {
                        1.0
                    },
                });
            }
        }
        let n = periods.len();
        let too_few = treated_counts[n - 1] < MIN_CELL
            || treated_counts[..n - 1].iter().sum::<u64>() < MIN_CELL
            || comparison_counts[n - 1] < MIN_CELL
            || comparison_counts[..n - 1].iter().sum::<u64>() < MIN_CELL;
        let (estimate, no_estimate) = if is_share && group.is_none() {
            (
                None,
                Some("every period's share of all arrests is 100%".into()),
            )
        } else if too_few {
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

    let mut weeks = weekly_series(
        &op.window,
        &baselines,
        &daily,
        &cover,
        &treated,
        &comparison,
    );
    if is_population {
        // A week's person-days over its seven (covered) days: its average daily population.
        for w in &mut weeks {
            w.treated = w.treated.map(|n| average_daily(n, 7));
            w.comparison = w.comparison.map(|n| average_daily(n, 7));
            w.treated_baseline = w.treated_baseline.map(|m| (m / 7.0).round());
            w.comparison_baseline = w.comparison_baseline.map(|m| (m / 7.0).round());
        }
    }

    let share_of = |aors: &[String]| -> Vec<Option<f64>> {
        periods
            .iter()
            .map(|p| {
                if !has_groups {
                    return None;
                }
                let all = sum_period(aors, p, None);
                (all > 0).then(|| sum_period(aors, p, Some("at-large")) as f64 / all as f64)
            })
            .collect()
    };
    let at_large_share = share_of(&treated);
    let comparison_at_large_share = share_of(&comparison);
    if is_share && !has_groups {
        return Err(RunError::NoCoverage(format!(
            "{table} has no method groups, so it has no at-large share"
        )));
    }
    if is_share {
        caveats.extend(
            [
                "ECOLOGICAL COMPARISON: AORs are compared, not places or people; a difference between AORs says nothing about any one county's or city's policy.",
                "AOR-LEVEL GEOGRAPHY: an AOR spans several states and many counties with different policies; the older releases give no arrest county.",
                "POLICIES CHANGE OVER TIME: lists date from when they were compiled; a county listed in one year may have changed its policy before or after.",
                "CAP ARRESTS HAPPEN IN JAILS WHATEVER THE CITY'S POLICY: a state prison or a county jail outside the city can hand people over where the city would not, so custodial arrests continue in sanctuary AORs.",
            ]
            .map(String::from),
        );
    }

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
            "Weeks of the series with days some AOR's releases do not cover print \"not covered\" (their covered days alone would understate the week): {}.",
            edge.join("; ")
        ));
    }
    let release_uses: Vec<ReleaseUse> = match (&count_result, &population_result) {
        (Some(r), _) => r.releases.clone(),
        (None, Some(p)) => p
            .releases
            .iter()
            .map(|r| ReleaseUse {
                id: r.sha256.chars().take(16).collect(),
                sha256: r.sha256.clone(),
                file_name: r.file_name.clone(),
                sheets: vec![r.file_name.clone()],
                rows_counted: r.rows,
                rows_shadowed: 0,
                rows_duplicate: 0,
                cut_of_workbook: false,
                overlaps_another: false,
            })
            .collect(),
        (None, None) => Vec::new(),
    };
    let releases: Vec<String> = release_uses
        .iter()
        .map(|r| format!("{} (sha256 {})", r.file_name, r.sha256))
        .collect();
    caveats.push(format!("Releases used: {}.", releases.join("; ")));
    if let Some(d) = count_result.as_ref().and_then(|r| r.dedup.as_ref()) {
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
    } else if !is_population {
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

    if let Some(p) = &population_result {
        population_caveats(op, p, &periods, &mut caveats);
    }

    Ok(OperationResult {
        operation: op.clone(),
        outcome,
        table,
        periods,
        treated_aors: treated,
        comparison_aors: comparison,
        groups,
        weeks,
        at_large_share,
        comparison_at_large_share,
        policy_exposure: Vec::new(),
        coverage_gaps,
        caveats,
        query: query_text,
        releases: release_uses,
        method: if is_population {
            METHOD_POPULATION
        } else {
            METHOD
        }
        .to_string(),
    })
}

/// Whole people: `person_days` over `days`, rounded half up.
fn average_daily(person_days: u64, days: i64) -> u64 {
    let days = days.max(1) as u64;
    (person_days + days / 2) / days
}

/// What a population outcome must say before any number: these are detention data, not
/// arrests; what a stock can and cannot show; confounders inside the window first; the
/// people whose facility no list places in an AOR.
fn population_caveats(
    op: &Operation,
    p: &PopulationResult,
    periods: &[Period],
    caveats: &mut Vec<String>,
) {
    let mut first = vec![
        "DETENTION DATA, NOT ARRESTS: every figure is the average number of people ICE held in detention per day \
         (a published daily headcount per facility, placed in AORs by the facility lists), not a count of arrests."
            .to_string(),
        "What a detained population can show about at-large arrests: little directly. It is a stock: it rises with \
         arrests that lead to detention (custodial and at-large alike, and border apprehensions held in the interior), \
         and moves with how long people are held, releases (court-ordered and discretionary releases during COVID-19), \
         removals, bed capacity and transfers: people are counted in the AOR of the facility holding them, which is often \
         not the AOR that arrested them. A change here is consistent with a change in arrests but does not measure it."
            .to_string(),
    ];
    let window = op.window;
    for c in &op.confounders {
        let inside =
            c.first.is_none_or(|f| f <= window.last) && c.last.is_none_or(|l| l >= window.first);
        if inside {
            first.push(format!(
                "CONFOUNDER INSIDE THE WINDOW: {}{}. {} The window's figures mix the operation with it; its effect on \
                 detention (fewer book-ins, releases) differed by AOR, which the comparison AORs cannot fully absorb.",
                c.name,
                c.first.map(|f| format!(" from {f}")).unwrap_or_default(),
                c.note
            ));
        }
    }
    // Person-days of the counted days of the periods, of one AOR or of all.
    let counted = |aor: Option<&str>| {
        p.cells
            .iter()
            .filter(|c| aor.is_none_or(|a| c.values.first().is_some_and(|v| v == a)))
            .filter(|c| {
                c.values
                    .get(1)
                    .and_then(|d| d.parse::<NaiveDate>().ok())
                    .is_some_and(|d| {
                        periods
                            .iter()
                            .any(|w| w.counted.iter().any(|r| r.contains(d)))
                    })
            })
            .map(|c| c.person_days)
            .sum::<u64>()
    };
    let all = counted(None);
    let unplaced = counted(Some(tally_query::facility::UNMATCHED_FACILITY))
        + counted(Some(tally_query::facility::NO_LISTED_AOR));
    if all > 0 {
        let more = p.unmatched.len().saturating_sub(12);
        first.push(format!(
            "Facilities no list places in an AOR hold {:.2}% of the person-days of the periods (left out of every AOR; {} codes no list knows: {}{}; `tally status` lists them all).",
            100.0 * unplaced as f64 / all as f64,
            p.unmatched.len(),
            p.unmatched
                .iter()
                .take(12)
                .map(|u| u.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ));
    }
    for (code, said) in &p.aor_disagreements {
        first.push(format!("Facility lists disagree on {code}'s AOR: {said}."));
    }
    if !p.facility_lists.is_empty() {
        first.push(format!(
            "Facility codes placed in AORs by: {}.",
            p.facility_lists.join(", ")
        ));
    }
    for note in &p.notes {
        first.push(note.clone());
    }
    caveats.splice(0..0, first);
}

/// The result as it may be published, through the one small-cell rule
/// (`tally_model::disclosure`): counts below the threshold are suppressed; where a method
/// group's count is suppressed, the period's total is rounded (to the base that keeps the
/// hidden count undetermined, [`Disclosure::sum`]), weekly counts and baseline means are
/// rounded to the nearest 10, and neither the total's percent change nor the period's
/// at-large share is published (either would give the total back); every other percent
/// change and share is rounded to a whole percent, and one computed from a suppressed
/// count is not published. With AOR and period effects and one treated block, an
/// estimate's `beta` has a closed form, `log(T_w C_b / (T_b C_w))` over the group's
/// treated and comparison counts in the window and the baselines: at full precision the
/// total's `beta` beside the shown method groups gave back three suppressed border counts
/// exactly. So no estimate is published where a count it is fitted from is suppressed (a
/// method group's own counts; for the total, any method group's), and the others are
/// published to 2 decimals (rate ratio, interval, `beta`, `se`; the dispersion, a sum
/// over the unpublished AOR counts, to 1). Renderers (text,
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
        let fitted_from_hidden = if total {
            any_hidden
        } else {
            g.treated
                .iter()
                .chain(&g.comparison)
                .any(|n| rule.small(*n))
        };
        if fitted_from_hidden && g.estimate.is_some() {
            g.estimate = None;
            // Short: it stands in the table's estimate column.
            g.no_estimate = Some(format!(
                "not published ({} <{}, which it would give back)",
                if total {
                    "a method group's count is"
                } else {
                    "one of its counts is"
                },
                rule.threshold
            ));
        }
        if let Some(e) = &mut g.estimate {
            e.rate_ratio = (e.rate_ratio * 100.0).round() / 100.0;
            e.ci_low = (e.ci_low * 100.0).round() / 100.0;
            e.ci_high = (e.ci_high * 100.0).round() / 100.0;
            e.beta = (e.beta * 100.0).round() / 100.0;
            e.se = (e.se * 100.0).round() / 100.0;
            e.dispersion = (e.dispersion * 10.0).round() / 10.0;
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
    for (i, share) in p.comparison_at_large_share.iter_mut().enumerate() {
        let from: Vec<u64> = r
            .groups
            .iter()
            .filter_map(|g| g.comparison.get(i).copied())
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
    v["headline"] = serde_json::json!(crate::render::headline(&p));
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
