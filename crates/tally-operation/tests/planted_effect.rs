//! Correctness evidence for the estimator on synthetic data with a known planted effect.

use chrono::NaiveDate;
use tally_operation::estimate::{PanelCell, poisson_did};
use tally_synth::SyntheticArrest;

const AORS: [&str; 20] = [
    "Chicago",
    "San Francisco",
    "Los Angeles",
    "Atlanta",
    "Houston",
    "Boston",
    "New Orleans",
    "Detroit",
    "Dallas",
    "Phoenix",
    "San Antonio",
    "Miami",
    "Seattle",
    "Denver",
    "Newark",
    "New York City",
    "Baltimore",
    "Buffalo",
    "El Paso",
    "St. Paul",
];
const TREATED: usize = 8;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// At-large arrests per AOR and period: three baseline years and the window (2020-02-01 ..
/// 2020-03-31), with at-large arrests multiplied by `effect` in treated AORs in the window.
fn at_large_panel(seed: u64, effect: f64) -> Vec<PanelCell> {
    let treated: Vec<&str> = AORS[..TREATED].to_vec();
    let window = (d(2020, 2, 1), d(2020, 3, 31));
    let mut cells = Vec::new();
    for (period, year) in [2017, 2018, 2019, 2020].iter().enumerate() {
        let (first, last) = (d(*year, 2, 1), d(*year, 3, 31));
        let planted =
            (*year == 2020 && effect != 1.0).then_some((treated.as_slice(), window, effect));
        let rows: Vec<SyntheticArrest> =
            tally_synth::arrests(seed * 10 + period as u64, &AORS, first, last, 6, planted);
        for (a, name) in AORS.iter().enumerate() {
            let count = rows
                .iter()
                .filter(|r| {
                    r.aor_name == *name
                        && matches!(r.method.as_str(), "Located" | "Non-Custodial Arrest")
                })
                .count();
            cells.push(PanelCell {
                aor: a,
                period,
                treated_in_window: *year == 2020 && a < TREATED,
                count: count as f64,
                exposure: 1.0,
            });
        }
    }
    cells
}

#[test]
fn a_planted_one_and_a_half_times_effect_is_recovered_within_its_interval() {
    let e = poisson_did(&at_large_panel(7, 1.5)).unwrap();
    assert!(e.ci_low <= 1.5 && 1.5 <= e.ci_high, "{e:?}");
    assert!((e.rate_ratio - 1.5).abs() < 0.15, "{e:?}");
    assert!(
        e.ci_low > 1.0,
        "the planted effect should be distinguishable from none: {e:?}"
    );
}

#[test]
fn with_no_planted_effect_the_interval_covers_one_in_at_least_90_percent_of_50_seeds() {
    let covered = (0..50)
        .filter(|seed| {
            let e = poisson_did(&at_large_panel(1000 + seed, 1.0)).unwrap();
            e.ci_low <= 1.0 && 1.0 <= e.ci_high
        })
        .count();
    assert!(
        covered >= 45,
        "the interval covered 1 in only {covered} of 50 seeds"
    );
}
