//! Rows that stop far short of the period a banner states: a file cut short (a download
//! that stopped, a text file truncated mid-record, a workbook missing its later sheets)
//! still carries its banner's whole period. Taken at its word, it would "cover" months it
//! holds no rows for, and every count there would print zero. Where the rows stop far
//! short, the release is taken to cover only the days its rows reach, and that is said.
//!
//! A small gap is normal (removals are recorded late, so the last days of the UW v. DHS
//! workbook's removals are four and five days short of its stated end, where about 30 and
//! 12 removals would be expected): a gap counts as far short only when it is at least
//! [`SHORT_MIN_DAYS`] long and, at the rate the release's rows arrive, would have held at
//! least [`SHORT_MIN_EXPECTED_ROWS`] rows. Fewer missing rows at the very end are what
//! [`crate::partial`] looks for.

use crate::report::ReleaseReport;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use tally_model::TableKind;

/// A gap shorter than this many days is never taken for a cut (a weekend at the end of a
/// period is not). Shorter cuts show as partial last days ([`crate::partial`]).
pub const SHORT_MIN_DAYS: i64 = 3;

/// A gap in which the release's own rate of rows would give fewer rows than this is never
/// taken for a cut (a small AOR's extract can go weeks without a removal).
pub const SHORT_MIN_EXPECTED_ROWS: f64 = 100.0;

/// A table (part) of a release whose rows stop far short of its stated period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShortOfStated {
    pub table: TableKind,
    /// Part of the table (`None`: the whole table).
    pub part: Option<String>,
    /// The period the banners state.
    pub stated: (NaiveDate, NaiveDate),
    /// The first and last event dates of its rows.
    pub rows_span: (NaiveDate, NaiveDate),
    /// Rows with an event date.
    pub rows: u64,
    /// Rows the gaps would hold at the release's own daily rate (rounded down).
    pub expected_missing_rows: u64,
    /// The days taken as covered: the stated period, cut to the rows at a far-short end.
    pub covered: (NaiveDate, NaiveDate),
}

/// The parts of `table` in `report` whose rows stop far short of the period their banners
/// state, at either end. Sheets continuing one table part (a table spread over several
/// sheets, each with the same banner) are taken together.
pub fn short_of_stated(report: &ReleaseReport, table: TableKind) -> Vec<ShortOfStated> {
    struct Part {
        stated: (NaiveDate, NaiveDate),
        span: Option<(NaiveDate, NaiveDate)>,
        rows: u64,
    }
    let mut parts: BTreeMap<Option<String>, Part> = BTreeMap::new();
    for sheet in report.sheets.iter().filter(|s| s.table == table) {
        let Some(stated) = sheet.banner.coverage else {
            continue;
        };
        let part = parts.entry(sheet.part.clone()).or_insert(Part {
            stated,
            span: None,
            rows: 0,
        });
        part.stated = (part.stated.0.min(stated.0), part.stated.1.max(stated.1));
        for span in sheet.aors.values() {
            if let (Some(first), Some(last)) = (span.first, span.last) {
                let s = part.span.get_or_insert((first, last));
                *s = (s.0.min(first), s.1.max(last));
                part.rows += span.rows;
            }
        }
    }
    let mut out = Vec::new();
    for (part_name, part) in parts {
        let Some((first, last)) = part.span else {
            continue;
        };
        let rate = part.rows as f64 / ((last - first).num_days() + 1) as f64;
        let far_short =
            |gap: i64| gap >= SHORT_MIN_DAYS && rate * gap as f64 >= SHORT_MIN_EXPECTED_ROWS;
        let head = (first - part.stated.0).num_days();
        let tail = (part.stated.1 - last).num_days();
        let (cut_head, cut_tail) = (far_short(head), far_short(tail));
        if !cut_head && !cut_tail {
            continue;
        }
        let missing_days = if cut_head { head } else { 0 } + if cut_tail { tail } else { 0 };
        out.push(ShortOfStated {
            table,
            part: part_name,
            stated: part.stated,
            rows_span: (first, last),
            rows: part.rows,
            expected_missing_rows: (rate * missing_days as f64) as u64,
            covered: (
                if cut_head { first } else { part.stated.0 },
                if cut_tail { last } else { part.stated.1 },
            ),
        });
    }
    out
}

impl ShortOfStated {
    /// One line for the ingest report and `status`: what is short, by how much, and what
    /// Tally takes the release to cover instead.
    pub fn describe(&self) -> String {
        let what = match &self.part {
            Some(p) => format!("{} ({p})", self.table),
            None => self.table.to_string(),
        };
        format!(
            "{what}: the banner states {}..{} but the rows run {}..{}; at the release's rate about {} more rows would fill the rest, so it looks cut short (truncated, or a part missing): it is taken to cover {}..{} only, and the other days print not covered",
            self.stated.0,
            self.stated.1,
            self.rows_span.0,
            self.rows_span.1,
            tally_model::disclosure::thousands(roughly(self.expected_missing_rows)),
            self.covered.0,
            self.covered.1
        )
    }
}

/// An estimate printed without false precision: to the hundred from 1,000, else the ten.
pub(crate) fn roughly(n: u64) -> u64 {
    if n >= 1000 {
        n / 100 * 100
    } else {
        n / 10 * 10
    }
}
