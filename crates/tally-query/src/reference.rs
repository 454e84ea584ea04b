//! Rows of reference tables (lists of agencies, counties, policies, populations) read
//! whole: they are small (thousands of rows), and the jurisdiction layer joins them in
//! memory. Each row keeps the release and source row it came from, so every figure built
//! on them can name its sources.

use crate::QueryError;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use chrono::NaiveDate;
use tally_catalog::schema;
use tally_model::TableKind;
use tally_model::date::from_epoch_days;
use tally_store::{ReleaseEntry, Store, TableScan, TextColumn};

/// One stored cell of a reference row.
#[derive(Debug, Clone, PartialEq)]
pub enum RefValue {
    /// Null (blank, missing, withheld or unreadable in the release).
    Null,
    /// Text, trimmed as stored.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction.
    Number(f64),
    /// A date.
    Date(NaiveDate),
}

impl RefValue {
    /// The text, when the cell is text.
    pub fn text(&self) -> Option<&str> {
        match self {
            RefValue::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The number, when the cell is a whole number or a number.
    pub fn number(&self) -> Option<f64> {
        match self {
            RefValue::Integer(n) => Some(*n as f64),
            RefValue::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The date, when the cell is a date.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            RefValue::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// A reference row with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct RefRow {
    /// File name of the release (list) holding it.
    pub file_name: String,
    /// The release's id in the store.
    pub release_id: String,
    /// Row in the source sheet (1-based, as released).
    pub source_row: u64,
    /// The requested columns, in request order.
    pub values: Vec<RefValue>,
}

/// Every row of `table` in `releases` (ingest order), with the requested `columns`.
///
/// # Errors
/// Unreadable store files, or a column of a type reference tables do not use.
pub fn read_reference(
    store: &Store,
    table: TableKind,
    releases: &[&ReleaseEntry],
    columns: &[&str],
) -> Result<Vec<RefRow>, QueryError> {
    let mut wanted = vec![schema::SOURCE_ROW];
    wanted.extend_from_slice(columns);
    let mut rows = Vec::new();
    let mut bad: Option<String> = None;
    TableScan::new(store, table, &wanted).for_each(releases, |release, batch| {
        let source_rows = batch.column(0).as_primitive_opt::<Int64Type>();
        for i in 0..batch.num_rows() {
            let mut values = Vec::with_capacity(columns.len());
            for (c, name) in wanted.iter().enumerate().skip(1) {
                match value(batch.column(c), i) {
                    Ok(v) => values.push(v),
                    Err(e) => {
                        bad.get_or_insert(format!("{name}: {e}"));
                        values.push(RefValue::Null);
                    }
                }
            }
            rows.push(RefRow {
                file_name: release.report.file_name.clone(),
                release_id: release.id.clone(),
                source_row: source_rows.map_or(0, |r| r.value(i).max(0) as u64),
                values,
            });
        }
        Ok(())
    })?;
    match bad {
        Some(e) => Err(QueryError::Invalid(format!("reading {table}: {e}"))),
        None => Ok(rows),
    }
}

fn value(array: &ArrayRef, i: usize) -> Result<RefValue, String> {
    if array.is_null(i) {
        return Ok(RefValue::Null);
    }
    Ok(match array.data_type() {
        DataType::Int64 => RefValue::Integer(array.as_primitive::<Int64Type>().value(i)),
        DataType::Float64 => RefValue::Number(array.as_primitive::<Float64Type>().value(i)),
        DataType::Date32 => {
            RefValue::Date(from_epoch_days(array.as_primitive::<Date32Type>().value(i)))
        }
        DataType::Null => RefValue::Null,
        _ => {
            let text = TextColumn::new(array)?;
            text.get(i)
                .map_or(RefValue::Null, |t| RefValue::Text(t.trim().to_string()))
        }
    })
}
