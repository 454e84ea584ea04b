//! Long stretches with no rows inside the days a release would otherwise cover: one
//! mistyped date years before a file's other rows (2020-01-15 in an extract of
//! 2023-09..2025-10) would stretch its coverage over the years between, and every count
//! there would print zero. A release does not cover the days of such a hole: they print
//! not covered, and the hole is said at ingest and in `status`. The rows on either side
//! still count.
//!
//! A quiet stretch is normal (a small AOR's extract can go weeks without an arrest): a gap
//! between two days with rows is a hole only when it is at least [`HOLE_MIN_DAYS`] long
//! and, at the rate the table part's rows arrive over its span less the holes found
//! (found again at the new rate until they stop changing: a stray date years early would
//! otherwise lower the rate enough to hide a real month-long hole), would have held at
//! least [`crate::short::SHORT_MIN_EXPECTED_ROWS`] rows: the same bar as a release cut
//! short ([`crate::short`]).

use crate::report::ReleaseReport;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use tally_model::TableKind;

/// A gap shorter than this many days is never taken for a hole (a holiday fortnight of
/// few arrests is not).
pub const HOLE_MIN_DAYS: i64 = 14;

/// Days inside a table part of a release on which it holds no rows, where its rows would
/// be expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hole {
    pub table: TableKind,
    /// Part of the table (`None`: the whole table), as the sheets name it.
    pub part: Option<String>,
    /// The first and last day with no rows.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Rows the hole would hold at the part's own daily rate (rounded down).
    pub expected_rows: u64,
    /// Rows dated before and after the hole (not published: with the release's rows
    /// one gives the other, and a stray row is a small cell; [`Hole::describe`] gives the
    /// fewer side, suppressed when small).
    #[serde(skip)]
    pub rows_before: u64,
    #[serde(skip)]
    pub rows_after: u64,
}

/// The holes of `table` in `report`, per part, in date order. Sheets of one part are
/// taken together (a table spread over several sheets). Releases ingested before rows per
/// day were recorded have none.
pub fn holes(report: &ReleaseReport, table: TableKind) -> Vec<Hole> {
    let mut by_part: BTreeMap<Option<String>, BTreeMap<NaiveDate, u64>> = BTreeMap::new();
    for sheet in report.sheets.iter().filter(|s| s.table == table) {
        let days = by_part.entry(sheet.part.clone()).or_default();
        for (day, n) in &sheet.rows_by_day {
            *days.entry(*day).or_default() += n;
        }
    }
    let mut out = Vec::new();
    for (part, days) in by_part {
        let (Some((first, _)), Some((last, _))) = (days.first_key_value(), days.last_key_value())
        else {
            continue;
        };
        let rows: u64 = days.values().sum();
        let span = ((*last - *first).num_days() + 1) as f64;
        // The rate over the span less the holes found so far, until they stop changing:
        // one mistyped date years early lowers the rate over the whole span enough to
        // hide a real month-long hole, which the rate without the first hole finds.
        let mut found: Vec<Hole> = Vec::new();
        for _ in 0..5 {
            let in_holes: i64 = found
                .iter()
                .map(|h| (h.last - h.first).num_days() + 1)
                .sum();
            let rate = rows as f64 / (span - in_holes as f64).max(1.0);
            let again = holes_at(&days, rate, rows, table, &part);
            if again.len() == found.len() {
                found = again;
                break;
            }
            found = again;
        }
        out.extend(found);
    }
    out
}

/// The gaps of `days` (rows per day) that are holes at `rate` rows a day.
fn holes_at(
    days: &BTreeMap<NaiveDate, u64>,
    rate: f64,
    rows: u64,
    table: TableKind,
    part: &Option<String>,
) -> Vec<Hole> {
    let mut out = Vec::new();
    let mut before = 0u64;
    let mut previous: Option<NaiveDate> = None;
    for (day, n) in days {
        if let Some(p) = previous {
            let gap = (*day - p).num_days() - 1;
            let expected = rate * gap as f64;
            if gap >= HOLE_MIN_DAYS && expected >= crate::short::SHORT_MIN_EXPECTED_ROWS {
                out.push(Hole {
                    table,
                    part: part.clone(),
                    first: p + chrono::Days::new(1),
                    last: *day - chrono::Days::new(1),
                    expected_rows: expected as u64,
                    rows_before: before,
                    rows_after: rows - before,
                });
            }
        }
        before += n;
        previous = Some(*day);
    }
    out
}

/// `span` without the days of the `holes` of table part `part`: the pieces left, in order
/// (none when holes take it all).
pub fn without_holes(
    span: (NaiveDate, NaiveDate),
    holes: &[Hole],
    part: &Option<String>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut pieces = vec![span];
    for h in holes.iter().filter(|h| &h.part == part) {
        pieces = pieces
            .into_iter()
            .flat_map(|(first, last)| {
                let mut left = Vec::with_capacity(2);
                if h.last < first || last < h.first {
                    left.push((first, last));
                    return left;
                }
                if first < h.first {
                    left.push((first, h.first - chrono::Days::new(1)));
                }
                if h.last < last {
                    left.push((h.last + chrono::Days::new(1), last));
                }
                left
            })
            .collect();
    }
    pieces
}

impl Hole {
    /// One line for the ingest report and `status`: where the hole is, how many rows it
    /// would hold, and what Tally takes the release to cover.
    pub fn describe(&self) -> String {
        let what = match &self.part {
            Some(p) => format!("{} ({p})", self.table),
            None => self.table.to_string(),
        };
        let days = (self.last - self.first).num_days() + 1;
        // Only the fewer side is given (suppressed when small): with the release's rows,
        // both would give each other.
        let cell = |n: u64| tally_model::Disclosure::default().cell(n).text();
        let sides = if self.rows_before <= self.rows_after {
            format!(
                "{} rows dated before it, the rest after",
                cell(self.rows_before)
            )
        } else {
            format!(
                "{} rows dated after it, the rest before",
                cell(self.rows_after)
            )
        };
        format!(
            "{what}: no rows dated {}..{} ({days} days), where at the release's rate about {} would be expected ({sides}: a mistyped date, or a stretch missing from the file); the release is not taken to cover those days, which print not covered, not zero",
            self.first,
            self.last,
            tally_model::disclosure::thousands(crate::short::roughly(self.expected_rows)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn spans_lose_the_days_of_their_part_holes_only() {
        let hole = |first: &str, last: &str, part: Option<&str>| Hole {
            table: TableKind::from_slug("arrests").expect("table"),
            part: part.map(String::from),
            first: day(first),
            last: day(last),
            expected_rows: 500,
            rows_before: 1,
            rows_after: 500,
        };
        let holes = [
            hole("2020-01-16", "2023-08-31", None),
            hole("2024-02-01", "2024-02-29", None),
            hole("2021-01-01", "2021-12-31", Some("other")),
        ];
        assert_eq!(
            without_holes((day("2020-01-15"), day("2025-10-15")), &holes, &None),
            vec![
                (day("2020-01-15"), day("2020-01-15")),
                (day("2023-09-01"), day("2024-01-31")),
                (day("2024-03-01"), day("2025-10-15")),
            ]
        );
        // A span inside a hole is left with nothing; another part's hole takes nothing.
        assert!(without_holes((day("2021-05-01"), day("2021-06-01")), &holes, &None).is_empty());
        assert_eq!(
            without_holes(
                (day("2024-03-01"), day("2024-04-01")),
                &holes,
                &Some("x".into())
            ),
            vec![(day("2024-03-01"), day("2024-04-01"))]
        );
    }
}
