//! What a store holds of each field of a table: rows, share missing, share withheld and
//! the number of distinct values (`tally fields --store`).
//!
//! Every kept row of every release holding the table is read, without precedence: this
//! describes the store's contents, not a count. A field a release's files lack (a field
//! its layout does not have) counts as missing in that release's rows.

use crate::QueryError;
use arrow_array::Array;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use tally_catalog::schema;
use tally_model::TableKind;
use tally_store::{ReleaseEntry, Store, TableScan, TextColumn};

/// One field's profile in a store.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldProfile {
    /// The field's column name.
    pub field: String,
    /// Kept rows of the table in the store.
    pub rows: u64,
    /// Rows where the field is null and not withheld (blank, a placeholder, or a column
    /// the release does not have).
    pub missing: u64,
    /// Rows where the release withheld the cell (a FOIA exemption marker).
    pub withheld: u64,
    /// Distinct non-null values (64-bit hashes of their text: exact for any realistic
    /// count of distinct values).
    pub distinct: u64,
    /// Releases with a column for the field (by their ingest reports).
    pub releases_with_column: u64,
}

/// Profiles every field of `table` over all releases in the store.
///
/// # Errors
/// Store read errors.
pub fn profile_fields(store: &Store, table: TableKind) -> Result<Vec<FieldProfile>, QueryError> {
    let def = table.def();
    let mut columns: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
    columns.push(schema::WITHHELD);
    let releases: Vec<&ReleaseEntry> = store
        .manifest()
        .releases
        .iter()
        .filter(|r| r.tables().contains(&table))
        .collect();
    let n = def.fields.len();
    let mut nulls = vec![0u64; n];
    let mut withheld = vec![0u64; n];
    let mut distinct: Vec<HashSet<u64>> = (0..n).map(|_| HashSet::new()).collect();
    let mut rows = 0u64;
    let index: HashMap<&str, usize> = def
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let scan = TableScan::new(store, table, &columns);
    scan.for_each(&releases, |_, batch| {
        rows += batch.num_rows() as u64;
        let marks = TextColumn::new(batch.column(n)).ok();
        // Withheld fields of each row, from `field=codes|field=codes`.
        let mut row_withheld: Vec<Vec<usize>> = vec![Vec::new(); batch.num_rows()];
        if let Some(marks) = &marks {
            for (i, slot) in row_withheld.iter_mut().enumerate() {
                if let Some(text) = marks.get(i) {
                    for part in text.split('|') {
                        if let Some(&f) = part.split('=').next().and_then(|name| index.get(name)) {
                            slot.push(f);
                        }
                    }
                }
            }
        }
        for f in 0..n {
            let column = batch.column(f);
            let text = TextColumn::new(column).ok();
            for (i, held) in row_withheld.iter().enumerate() {
                if column.is_null(i) {
                    if held.contains(&f) {
                        withheld[f] += 1;
                    } else {
                        nulls[f] += 1;
                    }
                    continue;
                }
                let mut h = std::collections::hash_map::DefaultHasher::new();
                match &text {
                    Some(t) => t.get(i).hash(&mut h),
                    None => crate::compare::value_text(column, i).hash(&mut h),
                }
                distinct[f].insert(h.finish());
            }
        }
        Ok(())
    })?;
    Ok(def
        .fields
        .iter()
        .enumerate()
        .map(|(f, field)| FieldProfile {
            field: field.name.clone(),
            rows,
            missing: nulls[f],
            withheld: withheld[f],
            distinct: distinct[f].len() as u64,
            releases_with_column: releases
                .iter()
                .filter(|r| {
                    r.report
                        .sheets
                        .iter()
                        .any(|s| s.table == table && s.has_field(&field.name))
                })
                .count() as u64,
        })
        .collect())
}
