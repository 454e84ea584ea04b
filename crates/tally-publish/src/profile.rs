//! A field profile (`tally fields --store`) as it may be published: the rows missing or
//! withheld in a field are counts of records like any other, so a small one is suppressed,
//! and so is its share (a share of a known total gives the count back).

use serde::Serialize;
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::FieldProfile;

/// One field's profile, as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedProfile {
    pub field: String,
    /// Kept rows of the table in the store.
    pub rows: Figure,
    /// Rows where the field is missing (blank, a placeholder, a column the release lacks).
    pub missing: Figure,
    /// Rows where the release withheld the cell.
    pub withheld: Figure,
    /// Share of rows missing, in percent to one decimal; `None` when the count is
    /// suppressed or there are no rows.
    pub missing_percent: Option<f64>,
    /// Share of rows withheld, likewise.
    pub withheld_percent: Option<f64>,
    /// Distinct values (a count of values, not of records).
    pub distinct: u64,
    /// Releases with a column for the field.
    pub releases_with_column: u64,
}

/// Publishes a profile under `rule`. Where suppression applies, rows missing or withheld
/// are rounded to the nearest 10 (none and all stay exact): two fields' exact counts, or
/// one and the table's rows, differ by small counts of records (576,612 arrests without
/// an identifier against 576,608 without DDP's pointer leave 4 of DDP's rows without
/// one), which the rounding hides; shares are of the rounded counts.
pub fn publish_profile(p: &FieldProfile, rule: Disclosure) -> PublishedProfile {
    let published = |n: u64| {
        if rule.threshold > 1 && n != 0 && n != p.rows {
            rule.sum_at(n, 10)
        } else {
            rule.cell(n)
        }
    };
    let percent = |n: u64| {
        let shown = match published(n) {
            Figure::Exact(v) | Figure::About { value: v, .. } => Some(v),
            _ => None,
        };
        shown
            .filter(|_| p.rows > 0)
            .map(|v| (v as f64 * 1000.0 / p.rows as f64).round() / 10.0)
    };
    PublishedProfile {
        field: p.field.clone(),
        rows: rule.cell(p.rows),
        missing: published(p.missing),
        withheld: published(p.withheld),
        missing_percent: percent(p.missing),
        withheld_percent: percent(p.withheld),
        distinct: p.distinct,
        releases_with_column: p.releases_with_column,
    }
}

impl PublishedProfile {
    /// A share as the table prints it: `12.5%`, `<0.1%`, or the suppressed count.
    pub fn share_text(count: Figure, percent: Option<f64>) -> String {
        match (count, percent) {
            (Figure::Exact(0), _) => "0.0%".into(),
            (_, Some(p)) if p < 0.1 => "<0.1%".into(),
            (_, Some(p)) => format!("{p:.1}%"),
            (f, None) => format!("{} rows", f.text()),
        }
    }
}
