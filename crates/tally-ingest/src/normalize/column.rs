//! Columns of 32- and 64-bit values filled row by row and handed to Arrow once per batch.
//!
//! A row appends one plain integer per column (a dictionary key, a day number, a fiscal
//! year); nulls are a reserved value turned into Arrow's validity bitmap when the batch is
//! built, so the per-row work is a push, and the values move into the Arrow array without
//! a copy.

use arrow_array::{Date32Array, Float64Array, Int32Array, Int64Array, TimestampMillisecondArray};
use arrow_buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};

/// The value that stands for null: no dictionary key, day number (1900..=2099) or fiscal
/// year Tally writes can be `i32::MIN`.
pub(crate) const NULL: i32 = i32::MIN;

/// A nullable Int32 or Date32 column.
#[derive(Default)]
pub(crate) struct I32Column(Vec<i32>);

impl I32Column {
    /// An empty column with room for `rows`.
    pub(crate) fn with_capacity(rows: usize) -> I32Column {
        I32Column(Vec::with_capacity(rows))
    }

    /// Appends a value, [`NULL`] for null.
    #[inline]
    pub(crate) fn push(&mut self, value: i32) {
        self.0.push(value);
    }

    /// Appends an optional value.
    #[inline]
    pub(crate) fn push_option(&mut self, value: Option<i32>) {
        self.0.push(value.unwrap_or(NULL));
    }

    fn take(&mut self) -> (ScalarBuffer<i32>, Option<NullBuffer>) {
        let capacity = self.0.capacity();
        let mut values = std::mem::replace(&mut self.0, Vec::with_capacity(capacity));
        if !values.contains(&NULL) {
            return (ScalarBuffer::from(values), None);
        }
        let valid = BooleanBuffer::collect_bool(values.len(), |i| values[i] != NULL);
        // Slots under a null hold 0, a key in range for any dictionary.
        values
            .iter_mut()
            .filter(|v| **v == NULL)
            .for_each(|v| *v = 0);
        (ScalarBuffer::from(values), Some(NullBuffer::new(valid)))
    }

    /// The values so far as an Int32 array; the column starts over empty.
    pub(crate) fn finish_int32(&mut self) -> Int32Array {
        let (values, nulls) = self.take();
        Int32Array::new(values, nulls)
    }

    /// The values so far as a Date32 array (days since 1970-01-01); the column starts over.
    pub(crate) fn finish_date32(&mut self) -> Date32Array {
        let (values, nulls) = self.take();
        Date32Array::new(values, nulls)
    }
}

/// The value that stands for null in 64-bit columns.
pub(crate) const NULL64: i64 = i64::MIN;

/// A finite number as the i64 a row holds: the bits of its f64. Negative zero (whose bits
/// are [`NULL64`]) is stored as zero.
pub(crate) fn number_bits(n: f64) -> i64 {
    let n = if n == 0.0 { 0.0 } else { n };
    n.to_bits() as i64
}

/// A nullable Int64 or Timestamp(Second) column.
#[derive(Default)]
pub(crate) struct I64NullableColumn(Vec<i64>);

impl I64NullableColumn {
    /// An empty column with room for `rows`.
    pub(crate) fn with_capacity(rows: usize) -> I64NullableColumn {
        I64NullableColumn(Vec::with_capacity(rows))
    }

    /// Appends a value, [`NULL64`] for null.
    #[inline]
    pub(crate) fn push(&mut self, value: i64) {
        self.0.push(value);
    }

    fn take(&mut self) -> (ScalarBuffer<i64>, Option<NullBuffer>) {
        let capacity = self.0.capacity();
        let mut values = std::mem::replace(&mut self.0, Vec::with_capacity(capacity));
        if !values.contains(&NULL64) {
            return (ScalarBuffer::from(values), None);
        }
        let valid = BooleanBuffer::collect_bool(values.len(), |i| values[i] != NULL64);
        values
            .iter_mut()
            .filter(|v| **v == NULL64)
            .for_each(|v| *v = 0);
        (ScalarBuffer::from(values), Some(NullBuffer::new(valid)))
    }

    /// The values so far as an Int64 array; the column starts over empty.
    pub(crate) fn finish_int64(&mut self) -> Int64Array {
        let (values, nulls) = self.take();
        Int64Array::new(values, nulls)
    }

    /// The values so far, f64 bits ([`number_bits`]), as a Float64 array; the column starts
    /// over empty.
    pub(crate) fn finish_float64(&mut self) -> Float64Array {
        let (values, nulls) = self.take();
        let numbers: ScalarBuffer<f64> = values.iter().map(|b| f64::from_bits(*b as u64)).collect();
        Float64Array::new(numbers, nulls)
    }

    /// The values so far, seconds since 1970, as the stored timestamp type (milliseconds,
    /// see `schema::timestamp_type`); the column starts over.
    pub(crate) fn finish_timestamp(&mut self) -> TimestampMillisecondArray {
        let (values, nulls) = self.take();
        let millis: ScalarBuffer<i64> = values.iter().map(|s| s.saturating_mul(1_000)).collect();
        TimestampMillisecondArray::new(millis, nulls)
    }
}

/// A nullable plain-text column of mostly distinct values (identifiers), appended row by
/// row into one buffer.
#[derive(Default)]
pub(crate) struct PlainTextColumn(arrow_array::builder::StringBuilder);

impl PlainTextColumn {
    /// Appends a value.
    #[inline]
    pub(crate) fn push(&mut self, value: Option<&str>) {
        self.0.append_option(value);
    }

    /// The rows so far as a Utf8 array; the column starts over empty.
    pub(crate) fn finish_utf8(&mut self) -> arrow_array::ArrayRef {
        std::sync::Arc::new(self.0.finish())
    }
}

/// A non-null Int64 column.
#[derive(Default)]
pub(crate) struct I64Column(Vec<i64>);

impl I64Column {
    /// An empty column with room for `rows`.
    pub(crate) fn with_capacity(rows: usize) -> I64Column {
        I64Column(Vec::with_capacity(rows))
    }

    /// Appends a value.
    #[inline]
    pub(crate) fn push(&mut self, value: i64) {
        self.0.push(value);
    }

    /// The values so far as an Int64 array; the column starts over empty.
    pub(crate) fn finish_int64(&mut self) -> Int64Array {
        let capacity = self.0.capacity();
        let values = std::mem::replace(&mut self.0, Vec::with_capacity(capacity));
        Int64Array::new(ScalarBuffer::from(values), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    #[test]
    fn nulls_become_validity_and_the_column_starts_over() {
        let mut c = I32Column::with_capacity(4);
        c.push(7);
        c.push_option(None);
        c.push_option(Some(-3));
        let a = c.finish_int32();
        assert_eq!(a.len(), 3);
        assert_eq!(a.null_count(), 1);
        assert_eq!(a.iter().collect::<Vec<_>>(), [Some(7), None, Some(-3)]);
        c.push(1);
        let b = c.finish_date32();
        assert_eq!(b.null_count(), 0);
        assert_eq!(b.values().as_ref(), &[1]);
        let mut rows = I64Column::with_capacity(2);
        rows.push(12);
        assert_eq!(rows.finish_int64().values().as_ref(), &[12]);
        let mut times = I64NullableColumn::with_capacity(2);
        times.push(NULL64);
        times.push(86_400);
        let t = times.finish_timestamp();
        assert_eq!(t.iter().collect::<Vec<_>>(), [None, Some(86_400_000)]);
        let mut ids = PlainTextColumn::default();
        ids.push(Some("70e2"));
        ids.push(None);
        assert_eq!(ids.finish_utf8().null_count(), 1);
    }
}

/// A nullable text column that is null in nearly every row (`unparsed_values`,
/// `extra_columns`): only the rows with a value are stored, by position.
#[derive(Default)]
pub(crate) struct SparseTextColumn {
    len: usize,
    values: Vec<(usize, String)>,
}

impl SparseTextColumn {
    /// Appends a null.
    #[inline]
    pub(crate) fn push_null(&mut self) {
        self.len += 1;
    }

    /// Appends a value.
    pub(crate) fn push(&mut self, value: String) {
        self.values.push((self.len, value));
        self.len += 1;
    }

    /// The rows so far as a Utf8 array; the column starts over empty.
    pub(crate) fn finish_utf8(&mut self) -> arrow_array::ArrayRef {
        let len = std::mem::take(&mut self.len);
        let values = std::mem::take(&mut self.values);
        if values.is_empty() {
            return arrow_array::new_null_array(&arrow_schema::DataType::Utf8, len);
        }
        let mut builder = arrow_array::builder::StringBuilder::with_capacity(
            len,
            values.iter().map(|(_, v)| v.len()).sum(),
        );
        let mut next = values.into_iter().peekable();
        for row in 0..len {
            match next.next_if(|(at, _)| *at == row) {
                Some((_, v)) => builder.append_value(v),
                None => builder.append_null(),
            }
        }
        std::sync::Arc::new(builder.finish())
    }
}

#[cfg(test)]
mod sparse_tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    #[test]
    fn sparse_values_land_in_their_rows() {
        let mut c = SparseTextColumn::default();
        c.push_null();
        c.push("{\"a\":\"1\"}".into());
        c.push_null();
        let a = c.finish_utf8();
        let s = a.as_string::<i32>();
        assert_eq!(s.len(), 3);
        assert!(s.is_null(0) && s.is_null(2));
        assert_eq!(s.value(1), "{\"a\":\"1\"}");
        c.push_null();
        assert_eq!(c.finish_utf8().null_count(), 1);
    }
}
