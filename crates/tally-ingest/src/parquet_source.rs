//! Parquet releases (the Deportation Data Project publishes its processed tables as
//! Parquet beside CSV), read with arrow-rs.
//!
//! The column names are the header; there is no banner. Rows are numbered as in the
//! same table written as CSV with one header line: the first data row is row 2, so a
//! Parquet file and its CSV twin give the same `source_row` provenance. Cells keep their
//! Arrow types: strings are text, numbers numbers, Date32 dates and timestamps datetimes
//! (their wall-clock digits: DDP stores ICE's clock times labelled UTC).

use crate::cell::CellValue;
use crate::error::{IngestError, Location};
use crate::layout::{self, LayoutError};
use crate::normalize::{SheetNormalizer, SheetSpec, Vocabulary};
use crate::source::ReleaseFile;
use crate::{BatchSink, IngestOptions};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::borrow::Cow;
use tally_catalog::ReleaseReport;
use tally_model::date::{from_epoch_days, from_epoch_seconds};

/// Ingests a Parquet release: one table, its column names as the header.
///
/// # Errors
/// [`IngestError::Corrupt`] for an unreadable file or a column of a type Tally cannot
/// read as cells, [`IngestError::NoHeader`] / [`IngestError::UnknownTable`] as for text,
/// and sink failures.
pub fn ingest_parquet(
    file: &ReleaseFile,
    options: &IngestOptions,
    sink: &mut dyn BatchSink,
) -> Result<ReleaseReport, IngestError> {
    let vocab = Vocabulary::embedded();
    let at = |row: Option<u64>| Location {
        file: file.path.clone(),
        sheet: None,
        row,
        column: None,
    };
    let corrupt = |row: Option<u64>, detail: String| IngestError::Corrupt {
        at: at(row),
        format: "parquet file",
        detail,
    };
    let content = bytes::Bytes::from(file.whole_content()?.into_owned());
    let builder = ParquetRecordBatchReaderBuilder::try_new(content)
        .map_err(|e| corrupt(None, e.to_string()))?;
    let header: Vec<CellValue<'static>> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| CellValue::Text(Cow::Owned(f.name().clone())))
        .collect();
    let layout = layout::read_layout(
        &[(1, header)],
        None,
        &file.file_name,
        vocab.catalog,
        &vocab.aors,
    )
    .map_err(|e| match e {
        LayoutError::NoHeader { scanned } => IngestError::NoHeader {
            at: at(None),
            scanned,
            examples: layout::header_examples(),
        },
        LayoutError::UnknownTable { row, detail } => IngestError::UnknownTable {
            at: at(Some(row)),
            detail,
        },
    })?;
    let spec = SheetSpec {
        release_sha256: &file.sha256,
        file: &file.path,
        sheet: file.file_name.clone(),
        sheet_index: 0,
        table: layout.table,
        header_row: layout.header_row,
        header: layout.header,
        roles: layout.roles,
        header_notes: layout.notes,
        banner: layout.banner,
        batch_rows: options.batch_rows,
    };
    let mut normalizer = SheetNormalizer::new(&vocab, spec)?;
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| corrupt(None, e.to_string()))?;
    let mut row = 2u64;
    for batch in reader {
        let batch = batch.map_err(|e| corrupt(Some(row), e.to_string()))?;
        // (column, its values, dictionary keys): a dictionary column's keys are worked out
        // once per batch, then each cell is read from the values.
        let mut columns: Vec<(&ArrayRef, &ArrayRef, Option<Vec<usize>>)> = Vec::new();
        for column in batch.columns() {
            check_type(column.data_type()).map_err(|d| corrupt(None, d))?;
            columns.push(match column.data_type() {
                DataType::Dictionary(_, _) => {
                    let dict = column.as_any_dictionary();
                    (column, dict.values(), Some(dict.normalized_keys()))
                }
                _ => (column, column, None),
            });
        }
        let mut cells: Vec<CellValue<'_>> = Vec::with_capacity(columns.len());
        for i in 0..batch.num_rows() {
            cells.clear();
            cells.extend(columns.iter().map(|(column, values, keys)| match keys {
                _ if column.is_null(i) => CellValue::Empty,
                Some(keys) => cell(values, keys[i]),
                None => cell(column, i),
            }));
            normalizer.push_row(row, cells.as_slice(), sink)?;
            row += 1;
        }
    }
    let (sheet_report, rejects) = normalizer.finish(sink)?;
    let mut report = file.empty_report();
    report.sheets.push(sheet_report);
    report.rejects = rejects;
    Ok(report)
}

/// Refuses column types that have no cell reading (lists, structs, binary).
fn check_type(ty: &DataType) -> Result<(), String> {
    match ty {
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _)
        | DataType::Null => Ok(()),
        DataType::Dictionary(_, v) => check_type(v),
        other => Err(format!("a column of type {other} cannot be read as cells")),
    }
}

/// The cell at row `i` of a column.
fn cell(column: &ArrayRef, i: usize) -> CellValue<'_> {
    if column.is_null(i) {
        return CellValue::Empty;
    }
    let number = |n: f64| CellValue::Number(n);
    match column.data_type() {
        DataType::Utf8 => CellValue::Text(Cow::Borrowed(column.as_string::<i32>().value(i))),
        DataType::LargeUtf8 => CellValue::Text(Cow::Borrowed(column.as_string::<i64>().value(i))),
        DataType::Utf8View => CellValue::Text(Cow::Borrowed(column.as_string_view().value(i))),
        DataType::Boolean => CellValue::Text(Cow::Borrowed(if column.as_boolean().value(i) {
            "TRUE"
        } else {
            "FALSE"
        })),
        DataType::Int8 => number(column.as_primitive::<Int8Type>().value(i) as f64),
        DataType::Int16 => number(column.as_primitive::<Int16Type>().value(i) as f64),
        DataType::Int32 => number(column.as_primitive::<Int32Type>().value(i) as f64),
        DataType::Int64 => number(column.as_primitive::<Int64Type>().value(i) as f64),
        DataType::UInt8 => number(column.as_primitive::<UInt8Type>().value(i) as f64),
        DataType::UInt16 => number(column.as_primitive::<UInt16Type>().value(i) as f64),
        DataType::UInt32 => number(column.as_primitive::<UInt32Type>().value(i) as f64),
        DataType::UInt64 => number(column.as_primitive::<UInt64Type>().value(i) as f64),
        DataType::Float32 => number(column.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => number(column.as_primitive::<Float64Type>().value(i)),
        DataType::Date32 => CellValue::Date(from_epoch_days(
            column.as_primitive::<Date32Type>().value(i),
        )),
        DataType::Date64 => CellValue::Date(
            from_epoch_seconds(
                column
                    .as_primitive::<Date64Type>()
                    .value(i)
                    .div_euclid(1000),
            )
            .date(),
        ),
        DataType::Timestamp(unit, _) => {
            let (value, per_second) = match unit {
                TimeUnit::Second => (column.as_primitive::<TimestampSecondType>().value(i), 1),
                TimeUnit::Millisecond => (
                    column.as_primitive::<TimestampMillisecondType>().value(i),
                    1_000,
                ),
                TimeUnit::Microsecond => (
                    column.as_primitive::<TimestampMicrosecondType>().value(i),
                    1_000_000,
                ),
                TimeUnit::Nanosecond => (
                    column.as_primitive::<TimestampNanosecondType>().value(i),
                    1_000_000_000,
                ),
            };
            // Nearest second, as for every other datetime.
            let seconds = (value + per_second / 2).div_euclid(per_second);
            CellValue::DateTime(from_epoch_seconds(seconds))
        }
        // Dictionaries are resolved by the caller, once per batch.
        _ => CellValue::Empty,
    }
}
