//! A release comparison as it may be published.
//!
//! Each month-and-AOR row splits into three counts no published number double-counts:
//! records in both releases (`matched`), rows only in A and rows only in B. A row's A
//! count is `matched + only_a`, its B count `matched + only_b`, and the totals sum the
//! rows, so one suppressed count sits inside several published sums that share it (two
//! rounded views of one small `matched` can pin it where either alone would not). Every
//! such sum is therefore published with [`Disclosure::sum_hiding_parts`]: the same figure
//! whatever its suppressed parts hold, so no combination of them says anything about a
//! suppressed count. The difference B - A is published only where no part of the row is
//! suppressed; the per-field counts of changed records are cells of their own.
//!
//! Pointers to unmatched source rows (sheet and row) would let anyone holding the files
//! recount a suppressed cell, so a side's pointers are not shown whenever one of its
//! only-in counts is suppressed.

use chrono::NaiveDate;
use serde_json::{Value, json};
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::Comparison;

/// One month and AOR as published.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedMonthAor {
    pub month: String,
    pub aor: String,
    pub a: Figure,
    pub b: Figure,
    /// `B - A`, or `None` when a part of the row is suppressed.
    pub difference: Option<i64>,
    pub only_a: Figure,
    pub only_b: Figure,
}

/// One release of the comparison as published.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedSide {
    pub id: String,
    pub file_name: String,
    pub sha256: String,
    pub rows_in_overlap: Figure,
    pub only_here: Figure,
    /// Rows outside the days and AORs both releases cover: not compared.
    pub outside_overlap: Figure,
    /// `(sheet, row)` pointers to the first unmatched rows, or `None` when not shown.
    pub only_here_rows: Option<Vec<(String, i64)>>,
}

/// A comparison ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedComparison {
    pub table: String,
    pub part: Option<String>,
    pub a: PublishedSide,
    pub b: PublishedSide,
    pub overlap: Vec<(String, NaiveDate, NaiveDate)>,
    pub no_aor_overlap: Option<(NaiveDate, NaiveDate)>,
    pub notes: Vec<String>,
    pub matched_on: Vec<String>,
    pub matched_rows: Figure,
    pub paired_on: Option<String>,
    pub changed_records: Figure,
    pub changed_fields: Vec<(String, Figure)>,
    pub by_month_aor: Vec<PublishedMonthAor>,
    pub suppress_below: u64,
    /// True when some count is suppressed (so sums print rounded).
    pub any_suppressed: bool,
}

/// Applies the rule to a comparison.
pub fn publish_comparison(c: &Comparison, rule: Disclosure) -> PublishedComparison {
    let hidden = |n: u64| rule.small(n).then_some(n);
    let (mut all_matched, mut all_a, mut all_b, mut all_only_a, mut all_only_b) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut any_suppressed = false;
    let rows = c
        .by_month_aor
        .iter()
        .map(|r| {
            let (m, x, y) = (hidden(r.matched), hidden(r.only_a), hidden(r.only_b));
            let in_a: Vec<u64> = [m, x].into_iter().flatten().collect();
            let in_b: Vec<u64> = [m, y].into_iter().flatten().collect();
            all_matched.extend(m);
            all_only_a.extend(x);
            all_only_b.extend(y);
            all_a.extend(&in_a);
            all_b.extend(&in_b);
            let row_hidden = m.is_some() || x.is_some() || y.is_some();
            any_suppressed |= row_hidden;
            PublishedMonthAor {
                month: r.month.clone(),
                aor: r.aor.clone(),
                a: rule.sum_hiding_parts(r.a, &in_a),
                b: rule.sum_hiding_parts(r.b, &in_b),
                difference: (!row_hidden).then_some(r.difference),
                only_a: rule.cell(r.only_a),
                only_b: rule.cell(r.only_b),
            }
        })
        .collect();
    let pointers = |side: &tally_query::compare::ReleaseSide, hidden_here: &[u64]| {
        (hidden_here.is_empty() && !rule.small(side.only_here)).then(|| side.only_here_rows.clone())
    };
    let side = |s: &tally_query::compare::ReleaseSide, all: &[u64], only: &[u64]| PublishedSide {
        id: s.id.clone(),
        file_name: s.file_name.clone(),
        sha256: s.sha256.clone(),
        rows_in_overlap: rule.sum_hiding_parts(s.rows_in_overlap, all),
        only_here: rule.sum_hiding_parts(s.only_here, only),
        outside_overlap: rule.cell(s.outside_overlap),
        only_here_rows: pointers(s, only),
    };
    let changed_records = rule.cell(c.changed_records);
    any_suppressed |= matches!(changed_records, Figure::Below(_));
    PublishedComparison {
        table: c.table.slug().to_string(),
        part: c.part.clone(),
        a: side(&c.a, &all_a, &all_only_a),
        b: side(&c.b, &all_b, &all_only_b),
        overlap: c.overlap.clone(),
        no_aor_overlap: c.no_aor_overlap,
        notes: {
            let mut notes = c.notes.clone();
            if let Some((name, a, b)) = &c.dedup {
                notes.push(format!(
                    "each release is de-duplicated by the {name} rule before comparing (within itself only: identifiers do not match across releases): {} rows of A and {} of B merged on the days compared",
                    rule.cell(*a).text(),
                    rule.cell(*b).text()
                ));
            }
            notes
        },
        matched_on: c.matched_on.clone(),
        matched_rows: rule.sum_hiding_parts(c.matched_rows, &all_matched),
        paired_on: c.paired_on.clone(),
        changed_records,
        changed_fields: c
            .changed_fields
            .iter()
            .map(|(f, n)| (f.clone(), rule.cell(*n)))
            .collect(),
        by_month_aor: rows,
        suppress_below: rule.threshold,
        any_suppressed,
    }
}

impl PublishedComparison {
    /// The JSON document `compare-releases --format json` prints: numbers where exact,
    /// else the figure objects of [`Figure::json`].
    pub fn json(&self) -> Value {
        let side = |s: &PublishedSide| {
            json!({
                "id": s.id,
                "file_name": s.file_name,
                "sha256": s.sha256,
                "rows_in_overlap": s.rows_in_overlap.json(),
                "only_here": s.only_here.json(),
                "outside_overlap": s.outside_overlap.json(),
                "only_here_rows": match &s.only_here_rows {
                    Some(rows) => json!(rows),
                    None => json!({ "not_shown": true }),
                },
            })
        };
        json!({
            "table": self.table,
            "part": self.part,
            "a": side(&self.a),
            "b": side(&self.b),
            "overlap": self.overlap,
            "no_aor_overlap": self.no_aor_overlap,
            "notes": self.notes,
            "matched_on": self.matched_on,
            "matched_rows": self.matched_rows.json(),
            "paired_on": self.paired_on,
            "changed_records": self.changed_records.json(),
            "changed_fields": self.changed_fields.iter().map(|(f, n)| json!({"field": f, "records": n.json()})).collect::<Vec<_>>(),
            "by_month_aor": self.by_month_aor.iter().map(|r| json!({
                "month": r.month,
                "aor": r.aor,
                "a": r.a.json(),
                "b": r.b.json(),
                "difference": r.difference,
                "only_a": r.only_a.json(),
                "only_b": r.only_b.json(),
            })).collect::<Vec<_>>(),
            "suppress_below": self.suppress_below,
        })
    }
}
