//! The vendored parquet writer's one change (vendor/parquet-dictionary-keys.patch): a
//! dictionary-encoded text column is interned once per dictionary value instead of once
//! per row. The file must read back exactly as written, and hold exactly what the same
//! values written as plain text give: nulls, keys under null slots that point outside the
//! dictionary, values repeated across mini-batches and row groups, dictionaries far larger
//! than a mini-batch (the per-row path), and a dictionary the writer gives up for plain
//! encoding part-way through a column.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;
use tally_store::TextColumn;

/// Writes `column` as the one column of a file (row groups of `group_rows`, dictionary
/// pages of at most `dictionary_bytes`) and reads it back as plain text.
fn round_trip(column: ArrayRef, group_rows: usize, dictionary_bytes: usize) -> Vec<Option<String>> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "text",
        column.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema.clone(), vec![column]).expect("batch");
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .set_dictionary_page_size_limit(dictionary_bytes)
        .build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(properties)).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .expect("reader")
        .build()
        .expect("reader");
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        let column = arrow_cast_to_text(batch.column(0));
        out.extend(column);
    }
    out
}

/// A text or dictionary-of-text column's values, as Tally's readers see them.
fn arrow_cast_to_text(column: &ArrayRef) -> Vec<Option<String>> {
    let text = TextColumn::new(column).expect("a text column");
    (0..column.len())
        .map(|i| text.get(i).map(str::to_string))
        .collect()
}

/// `n` rows cycling through `distinct` values, every `null_every`-th row null.
fn rows(n: usize, distinct: usize, null_every: usize) -> Vec<Option<String>> {
    (0..n)
        .map(|i| (i % null_every != 0).then(|| format!("value-{}", (i * 7919) % distinct)))
        .collect()
}

fn dictionary_of(values: &[Option<String>]) -> ArrayRef {
    let mut b = StringDictionaryBuilder::<Int32Type>::new();
    for v in values {
        b.append_option(v.as_deref());
    }
    Arc::new(b.finish())
}

fn plain_of(values: &[Option<String>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

#[test]
fn dictionary_columns_read_back_as_written_and_as_plain_text_does() {
    for (n, distinct, group_rows, dictionary_bytes) in [
        // Few values, many rows: the case the change is for.
        (20_000, 25, 6_000, 1 << 20),
        // A dictionary far larger than a mini-batch: interned row by row.
        (9_000, 8_000, 100_000, 1 << 20),
        // A dictionary page limit reached part-way: the writer falls back to plain.
        (20_000, 5_000, 100_000, 4_096),
    ] {
        let values = rows(n, distinct, 13);
        let from_dictionary = round_trip(dictionary_of(&values), group_rows, dictionary_bytes);
        let from_plain = round_trip(plain_of(&values), group_rows, dictionary_bytes);
        assert_eq!(from_dictionary, values, "{n} rows, {distinct} values");
        assert_eq!(from_plain, values, "{n} rows, {distinct} values");
    }
}

#[test]
fn a_key_outside_the_dictionary_under_a_null_slot_is_never_read() {
    // Keys of null slots are not checked by Arrow: 99 points nowhere.
    let keys = Int32Array::from(vec![Some(0), Some(1), None, Some(0), None, Some(1)]);
    let keys = Int32Array::new(
        arrow_buffer::ScalarBuffer::from(vec![0, 1, 99, 0, 99, 1]),
        keys.nulls().cloned(),
    );
    let values = Arc::new(StringArray::from(vec!["CHI", "NYC"]));
    let column: ArrayRef =
        Arc::new(DictionaryArray::<Int32Type>::try_new(keys, values).expect("dictionary"));
    assert_eq!(
        round_trip(column, 1_000, 1 << 20),
        [
            Some("CHI".to_string()),
            Some("NYC".to_string()),
            None,
            Some("CHI".to_string()),
            None,
            Some("NYC".to_string())
        ]
    );
}
