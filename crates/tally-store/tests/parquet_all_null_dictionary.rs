//! The vendored parquet reader's change (vendor/parquet-all-null-dictionary.patch): a
//! dictionary column chunk whose every slot is null (a rollup's `aor_name` or `withheld`
//! where no row has one) is read back without deduplicating each empty slot against the
//! first. It must still read back exactly as written: every slot null, as a dictionary of
//! text, beside columns with values that read back unchanged, in batches that span pages.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::sync::Arc;
use tally_store::TextColumn;

fn dictionary_of(values: &[Option<String>]) -> ArrayRef {
    let mut b = StringDictionaryBuilder::<Int32Type>::new();
    for v in values {
        b.append_option(v.as_deref());
    }
    Arc::new(b.finish())
}

/// Writes the columns as one file and reads it back in batches of `batch_rows` (the
/// store reads a rollup in batches of 65,536).
fn round_trip(columns: Vec<(&str, ArrayRef)>, batch_rows: usize) -> Vec<RecordBatch> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, c)| c).collect(),
    )
    .expect("batch");
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .expect("reader")
        .with_batch_size(batch_rows)
        .build()
        .expect("reader")
        .map(|b| b.expect("batch"))
        .collect()
}

fn text_of(column: &ArrayRef) -> Vec<Option<String>> {
    let text = TextColumn::new(column).expect("a text column");
    (0..column.len())
        .map(|i| text.get(i).map(str::to_string))
        .collect()
}

#[test]
fn an_all_null_dictionary_column_reads_back_null_beside_columns_with_values() {
    // 45,000 rows: more than one data page (20,000 rows each) and than one batch.
    let rows = 45_000;
    let nulls: Vec<Option<String>> = vec![None; rows];
    let codes: Vec<Option<String>> = (0..rows)
        .map(|i| (i % 13 != 0).then(|| ["CHI", "NYC", "SEA", ""][i % 4].to_string()))
        .collect();
    for batch_rows in [65_536, 7_000] {
        let batches = round_trip(
            vec![
                ("aor_name", dictionary_of(&nulls)),
                ("aor", dictionary_of(&codes)),
            ],
            batch_rows,
        );
        let mut read_nulls = Vec::new();
        let mut read_codes = Vec::new();
        for b in &batches {
            let column = b.column(0);
            assert_eq!(
                column.data_type(),
                &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            );
            assert_eq!(column.null_count(), column.len());
            let dict = column
                .as_any()
                .downcast_ref::<DictionaryArray<Int32Type>>()
                .expect("a dictionary");
            // Every key points inside the dictionary, null slots included (a reader
            // following keys without looking at the nulls must not run off the end).
            assert!(
                dict.keys()
                    .values()
                    .iter()
                    .all(|k| (*k as usize) < dict.values().len())
            );
            read_nulls.extend(text_of(column));
            read_codes.extend(text_of(b.column(1)));
        }
        assert_eq!(read_nulls, nulls, "batches of {batch_rows}");
        assert_eq!(read_codes, codes, "batches of {batch_rows}");
    }
    // No rows at all reads back as no rows.
    let batches = round_trip(vec![("aor_name", dictionary_of(&[]))], 65_536);
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 0);
}
