//! The weekly series around the window (event-study style).

use crate::coverage::Coverage;
use crate::daily::DailyCounts;
use crate::run::{SERIES_WEEKS_AROUND, Week};
use crate::spec::Window;
use chrono::Duration;

/// Weeks from `SERIES_WEEKS_AROUND` before the window to as many after it. Week `k` covers
/// days `7k .. 7k+6` counted from the window's first day; each carries the operation year's
/// counts for treated and comparison AORs and the mean of the same relative week over the
/// baselines. A count is `None` when some AOR's releases miss a day of that week.
pub fn weekly_series(
    window: &Window,
    baselines: &[Window],
    daily: &DailyCounts,
    cover: &Coverage,
    treated: &[String],
    comparison: &[String],
) -> Vec<Week> {
    let all: Vec<String> = treated.iter().chain(comparison).cloned().collect();
    let offsets: Vec<i64> = baselines
        .iter()
        .map(|b| (window.first - b.first).num_days())
        .collect();
    let window_weeks = (window.days() + 6) / 7;
    (-SERIES_WEEKS_AROUND..window_weeks + SERIES_WEEKS_AROUND)
        .map(|k| {
            let first = window.first + Duration::days(7 * k);
            let week = Window {
                first,
                last: first + Duration::days(6),
            };
            let days = || (0..7).map(move |d| first + Duration::days(d));
            let days_in_window = days().filter(|d| window.contains(*d)).count() as u32;
            let uncovered_days = days()
                .filter(|d| all.iter().any(|a| !cover.covers(a, *d)))
                .count() as u32;
            let shifted: Vec<Window> = offsets
                .iter()
                .map(|off| Window {
                    first: week.first - Duration::days(*off),
                    last: week.last - Duration::days(*off),
                })
                .collect();
            let baselines_covered = shifted.iter().all(|w| cover.covers_all(&all, w));
            let base = |aors: &[String]| {
                baselines_covered.then(|| {
                    shifted
                        .iter()
                        .map(|b| daily.sum(aors, b, None))
                        .sum::<u64>() as f64
                        / shifted.len().max(1) as f64
                })
            };
            let now = uncovered_days == 0;
            Week {
                week: k,
                first,
                days_in_window,
                uncovered_days,
                treated: now.then(|| daily.sum(treated, &week, None)),
                comparison: now.then(|| daily.sum(comparison, &week, None)),
                treated_baseline: base(treated),
                comparison_baseline: base(comparison),
            }
        })
        .collect()
}
