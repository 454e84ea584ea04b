//! Vocabulary changes: values of a categorical field that ICE starts or stops using
//! inside a release (the three CAP methods replaced by "Custodial Arrest" in July 2025).
//!
//! A value starts inside a release when it is absent from the release's first
//! [`CHANGE_MARGIN_DAYS`] days, and stops when absent from its last ones; only values with
//! at least [`CHANGE_MIN_ROWS`] rows are judged, and only gaps in which the value's own
//! rate (its rows over the days from its first to its last use) would have put
//! [`CHANGE_MIN_EXPECTED_ROWS`] rows or more, so that values seen now and then are not
//! taken for changes: a country of 5 arrests a month with none in a release's last month
//! (chance: about 1 in 300, and a release holds hundreds of values) was marked
//! "discontinued", and one first seen in its third month "not yet in use". `tally status` lists the changes; a count of such a value by
//! date marks the buckets before its first use "not yet in use" and after its last
//! "discontinued".

use crate::ValueSpan;
use chrono::NaiveDate;

/// Days a value must be absent from a release's start or end to count as starting or
/// stopping inside it.
pub const CHANGE_MARGIN_DAYS: i64 = 28;
/// Rows a value needs before its first and last dates are taken for a change.
pub const CHANGE_MIN_ROWS: u64 = 50;
/// Rows the value's own rate would have put in a gap before the gap is taken for a
/// change: none where 10 are expected happens by chance about once in 22,000 (a Poisson
/// count), rare enough across a release's hundreds of values.
pub const CHANGE_MIN_EXPECTED_ROWS: f64 = 10.0;

/// A value that starts or stops inside a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueChange {
    pub value: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// First used after the release's start.
    pub starts: bool,
    /// Last used before the release's end.
    pub stops: bool,
}

/// The values of `spans` (one field of a release whose rows run `first..=last`) that
/// start or stop inside it.
pub fn changes(spans: &[ValueSpan], first: NaiveDate, last: NaiveDate) -> Vec<ValueChange> {
    spans
        .iter()
        .filter(|v| v.rows >= CHANGE_MIN_ROWS)
        .filter_map(|v| {
            let rows_a_day = v.rows as f64 / ((v.last - v.first).num_days() + 1) as f64;
            let gap_is_change = |days: i64| {
                days >= CHANGE_MARGIN_DAYS && rows_a_day * days as f64 >= CHANGE_MIN_EXPECTED_ROWS
            };
            let starts = gap_is_change((v.first - first).num_days());
            let stops = gap_is_change((last - v.last).num_days());
            (starts || stops).then(|| ValueChange {
                value: v.value.clone(),
                first: v.first,
                last: v.last,
                starts,
                stops,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn span(value: &str, first: &str, last: &str, rows: u64) -> ValueSpan {
        ValueSpan {
            value: value.into(),
            first: day(first),
            last: day(last),
            rows,
        }
    }

    #[test]
    fn a_gap_its_own_rate_explains_is_no_change() {
        let (first, last) = (day("2015-10-01"), day("2016-09-30"));
        let spans = [
            // 5 a month, none in September: about 5 expected in the gap, not a change.
            span("GERMANY", "2015-10-03", "2016-08-29", 55),
            // 2 a day, none after July 16: 150 expected in the gap, a change.
            span("CAP Local Incarceration", "2015-10-01", "2016-07-16", 580),
            // First seen on August 1 at 3 a day: 300 expected before it, a change.
            span("Custodial Arrest", "2016-08-01", "2016-09-30", 183),
            // Absent under 28 days: no change whatever its rate.
            span("Non-Custodial Arrest", "2015-10-01", "2016-09-10", 5_000),
        ];
        let found: Vec<(String, bool, bool)> = changes(&spans, first, last)
            .into_iter()
            .map(|c| (c.value, c.starts, c.stops))
            .collect();
        assert_eq!(
            found,
            vec![
                ("CAP Local Incarceration".to_string(), false, true),
                ("Custodial Arrest".to_string(), true, false),
            ]
        );
    }
}
