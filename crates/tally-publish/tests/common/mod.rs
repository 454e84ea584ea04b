//! Count results built by hand for the publication layer's property tests.

use tally_model::TableKind;
use tally_query::count::{CellCoverage, CountResult, Group};

/// An arrests count with `dimensions` and one group per `(values, rows)`, every cell
/// covered, no releases, overlaps or notes: what a publisher sees of a plain count.
pub fn arrests_count(dimensions: &[&str], groups: Vec<(Vec<String>, u64)>) -> CountResult {
    let total = groups.iter().map(|(_, n)| n).sum();
    CountResult {
        table: TableKind::from_slug("arrests").expect("table"),
        dimensions: dimensions.iter().map(|d| d.to_string()).collect(),
        groups: groups
            .into_iter()
            .map(|(values, count)| Group {
                values,
                count,
                coverage: CellCoverage::Full,
                incomplete: false,
                vocabulary: None,
            })
            .collect(),
        total,
        total_coverage: CellCoverage::Full,
        releases: Vec::new(),
        overlaps: Vec::new(),
        undated_rows: 0,
        coverage_gaps: Vec::new(),
        partial_days: Vec::new(),
        state_extracts: Vec::new(),
        notes: Vec::new(),
        dedup: None,
        rows_without_person: None,
        pinned: Vec::new(),
        records_differing: 0,
    }
}
