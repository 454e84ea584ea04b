//! Vocabulary changes: values of a categorical field that ICE starts or stops using
//! inside a release (the three CAP methods replaced by "Custodial Arrest" in July 2025).
//!
//! A value starts inside a release when it is absent from the release's first
//! [`CHANGE_MARGIN_DAYS`] days, and stops when absent from its last ones; only values with
//! at least [`CHANGE_MIN_ROWS`] rows are judged, so that rare values seen now and then are
//! not taken for changes. `tally status` lists the changes; a count of such a value by
//! date marks the buckets before its first use "not yet in use" and after its last
//! "discontinued".

use crate::ValueSpan;
use chrono::NaiveDate;

/// Days a value must be absent from a release's start or end to count as starting or
/// stopping inside it.
pub const CHANGE_MARGIN_DAYS: i64 = 28;
/// Rows a value needs before its first and last dates are taken for a change.
pub const CHANGE_MIN_ROWS: u64 = 50;

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
            let starts = (v.first - first).num_days() >= CHANGE_MARGIN_DAYS;
            let stops = (last - v.last).num_days() >= CHANGE_MARGIN_DAYS;
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
