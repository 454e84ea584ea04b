//! Partial last days of a release: days at the end of what a release covers that hold
//! far fewer rows than such days usually do, because the extract was cut while ICE was
//! still entering them (or the release states a period its rows stop short of).
//!
//! The rule: walking back from the release's last covered day, at most
//! [`MAX_TAIL_DAYS`] days, a day is partial when it holds fewer than [`FAR_FEWER`] of
//! its usual rows, "usual" being the median of the same weekday over the previous
//! [`LOOKBACK_WEEKS`] weeks inside the release (at least [`MIN_REFERENCE_WEEKS`] of them,
//! so a short extract is never judged). The same weekday, because arrests fall by three
//! quarters on weekends. A median of at least [`MIN_USUAL`], so that the quiet days of a
//! small AOR's extract are not mistaken for a cut. The walk stops at the first day that
//! is not partial. The test is on the whole release (every AOR), where a cut shows.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// At most this many days at the end of a release are examined.
pub const MAX_TAIL_DAYS: u64 = 7;
/// Weeks of the same weekday looked back at for the usual count.
pub const LOOKBACK_WEEKS: u64 = 8;
/// Weeks of reference needed inside the release before a day is judged.
pub const MIN_REFERENCE_WEEKS: usize = 4;
/// A day with fewer than this share of its usual rows is partial. (A holiday at the very
/// end of a release can trip it too; the flag says "likely", and the rows stay counted.)
pub const FAR_FEWER: f64 = 0.5;
/// Usual counts below this are too small to judge a day by.
pub const MIN_USUAL: u64 = 10;

/// A day at the end of a release with far fewer rows than usual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialDay {
    /// The day.
    pub date: NaiveDate,
    /// Rows the release holds for it (all AORs).
    pub rows: u64,
    /// The median rows of the same weekday over the weeks before.
    pub usual: u64,
}

/// The partial days at the end of `first..=last` (the days a release covers), oldest
/// first, from its rows per day (days absent from `rows_by_day` hold no rows).
pub fn partial_tail(
    rows_by_day: &BTreeMap<NaiveDate, u64>,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<PartialDay> {
    let rows = |d: NaiveDate| rows_by_day.get(&d).copied().unwrap_or(0);
    let mut out = Vec::new();
    for back in 0..MAX_TAIL_DAYS {
        let Some(day) = last.checked_sub_days(Days::new(back)) else {
            break;
        };
        if day < first {
            break;
        }
        let mut reference: Vec<u64> = (1..=LOOKBACK_WEEKS)
            .filter_map(|w| day.checked_sub_days(Days::new(7 * w)))
            .filter(|d| *d >= first)
            .map(rows)
            .collect();
        if reference.len() < MIN_REFERENCE_WEEKS {
            break;
        }
        reference.sort_unstable();
        let usual = reference[reference.len() / 2];
        let n = rows(day);
        if usual < MIN_USUAL || (n as f64) >= FAR_FEWER * usual as f64 {
            break;
        }
        out.push(PartialDay {
            date: day,
            rows: n,
            usual,
        });
    }
    out.reverse();
    out
}

/// The day a release cut short was cut on (its last day of rows, see [`crate::short`]),
/// as a partial day: the cut fell somewhere inside it, whatever its count looks like.
/// `usual` is the same weekday's median over the weeks before, or the release's mean
/// rows per day where it holds fewer weeks than [`MIN_REFERENCE_WEEKS`].
pub fn cut_day(rows_by_day: &BTreeMap<NaiveDate, u64>, day: NaiveDate) -> PartialDay {
    let rows = |d: NaiveDate| rows_by_day.get(&d).copied().unwrap_or(0);
    let first = rows_by_day.keys().next().copied().unwrap_or(day);
    let mut reference: Vec<u64> = (1..=LOOKBACK_WEEKS)
        .filter_map(|w| day.checked_sub_days(Days::new(7 * w)))
        .filter(|d| *d >= first)
        .map(rows)
        .collect();
    let usual = if reference.len() >= MIN_REFERENCE_WEEKS {
        reference.sort_unstable();
        reference[reference.len() / 2]
    } else {
        let days = ((day - first).num_days() + 1).max(1) as u64;
        rows_by_day.values().sum::<u64>() / days
    };
    PartialDay {
        date: day,
        rows: rows(day),
        usual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, m, day).unwrap()
    }

    /// Weekdays 400, weekends 100, from June through `last`, with `tail` overriding.
    fn days(last: NaiveDate, tail: &[(NaiveDate, u64)]) -> BTreeMap<NaiveDate, u64> {
        use chrono::Datelike;
        let mut out = BTreeMap::new();
        let mut day = d(6, 1);
        while day <= last {
            let n = if day.weekday().num_days_from_monday() >= 5 {
                100
            } else {
                400
            };
            out.insert(day, n);
            day = day.succ_opt().unwrap();
        }
        for (day, n) in tail {
            out.insert(*day, *n);
        }
        out
    }

    #[test]
    fn a_cut_last_day_is_partial_and_a_weekend_is_not() {
        // 2019-08-31 is a Saturday: 100 rows is its usual, not a cut.
        assert_eq!(
            partial_tail(&days(d(8, 31), &[]), d(6, 1), d(8, 31)),
            vec![]
        );
        // Friday 8/30 with 40 of its usual 400 rows, and Saturday with 3 of 100.
        let cut = days(d(8, 31), &[(d(8, 30), 40), (d(8, 31), 3)]);
        assert_eq!(
            partial_tail(&cut, d(6, 1), d(8, 31)),
            vec![
                PartialDay {
                    date: d(8, 30),
                    rows: 40,
                    usual: 400
                },
                PartialDay {
                    date: d(8, 31),
                    rows: 3,
                    usual: 100
                }
            ]
        );
        // A stated period running past the rows: the empty days are partial too.
        let short = days(d(8, 29), &[]);
        assert_eq!(
            partial_tail(&short, d(6, 1), d(8, 31))
                .iter()
                .map(|p| (p.date, p.rows))
                .collect::<Vec<_>>(),
            vec![(d(8, 30), 0), (d(8, 31), 0)]
        );
        // Too little history, or too few rows, to judge.
        assert_eq!(partial_tail(&cut, d(8, 10), d(8, 31)), vec![]);
        let quiet: BTreeMap<NaiveDate, u64> = days(d(8, 31), &[(d(8, 31), 0)])
            .into_iter()
            .map(|(k, v)| (k, v / 50))
            .collect();
        assert_eq!(partial_tail(&quiet, d(6, 1), d(8, 31)), vec![]);
    }
}
