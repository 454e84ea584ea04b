//! The rows of a sheet waiting to become Arrow batches: one plain column per present
//! field, dictionaries shared by the sheet, turned into a [`RecordBatch`] of the table's
//! schema ([`tally_catalog::schema::table_schema`]) once the batch is full.

use super::column::{
    I32Column, I64Column, I64NullableColumn, NULL, NULL64, PlainTextColumn, SparseTextColumn,
};
use super::dictionary::ValueDictionary;
use arrow_array::{ArrayRef, RecordBatch};
use std::sync::Arc;
use tally_catalog::schema::{arrow_type, table_schema};
use tally_model::{FieldType, TableKind};

/// One present field's pending values.
pub(super) enum FieldColumn {
    /// Dictionary keys (text and flags).
    Keys(I32Column),
    /// Days since 1970-01-01 (dates).
    Days(I32Column),
    /// Seconds since 1970-01-01 00:00 (datetimes).
    Seconds(I64NullableColumn),
    /// Whole numbers.
    Integers(I64NullableColumn),
    /// Numbers, as the bits of their f64 ([`f64::to_bits`]).
    Numbers(I64NullableColumn),
    /// Identifiers, as plain text.
    Plain(PlainTextColumn),
}

impl FieldColumn {
    fn new(field_type: FieldType, rows: usize) -> FieldColumn {
        match field_type {
            FieldType::Text | FieldType::Flag => FieldColumn::Keys(I32Column::with_capacity(rows)),
            FieldType::Date => FieldColumn::Days(I32Column::with_capacity(rows)),
            FieldType::Datetime => FieldColumn::Seconds(I64NullableColumn::with_capacity(rows)),
            FieldType::Integer => FieldColumn::Integers(I64NullableColumn::with_capacity(rows)),
            FieldType::Number => FieldColumn::Numbers(I64NullableColumn::with_capacity(rows)),
            FieldType::Identifier => FieldColumn::Plain(PlainTextColumn::default()),
        }
    }

    /// Appends a row's value: a key, day or number ([`NULL64`] for null); identifiers
    /// take their text from `text`.
    #[inline]
    pub(super) fn push(&mut self, value: i64, text: Option<&str>) {
        match self {
            FieldColumn::Keys(c) | FieldColumn::Days(c) => {
                c.push(if value == NULL64 { NULL } else { value as i32 })
            }
            FieldColumn::Seconds(c) | FieldColumn::Integers(c) | FieldColumn::Numbers(c) => {
                c.push(value)
            }
            FieldColumn::Plain(c) => c.push(if value == NULL64 { None } else { text }),
        }
    }
}

/// The rows of one fiscal year waiting to become a batch.
pub(super) struct PendingBatch {
    pub(super) row: I64Column,
    pub(super) event_date: I32Column,
    /// Present when the table's event can carry a time of day.
    pub(super) event_datetime: Option<I64NullableColumn>,
    pub(super) event_fy: I32Column,
    /// Present when the table has an AOR field.
    pub(super) aor: Option<I32Column>,
    /// Present when the table has a method field.
    pub(super) method_group: Option<I32Column>,
    /// (field index, column) of the fields some column of the sheet holds, ascending by
    /// index. The other fields are null.
    pub(super) fields: Vec<(usize, FieldColumn)>,
    pub(super) withheld: I32Column,
    pub(super) unparsed: SparseTextColumn,
    pub(super) extra: SparseTextColumn,
    pub(super) len: usize,
}

impl PendingBatch {
    /// `present`: indexes of the fields the sheet holds; `rows`: the batch size.
    pub(super) fn new(table: TableKind, present: &[usize], rows: usize) -> PendingBatch {
        let def = table.def();
        let column = || I32Column::with_capacity(rows);
        PendingBatch {
            row: I64Column::with_capacity(rows),
            event_date: column(),
            event_datetime: def
                .has_event_time()
                .then(|| I64NullableColumn::with_capacity(rows)),
            event_fy: column(),
            aor: def.aor.map(|_| column()),
            method_group: def.method.map(|_| column()),
            fields: present
                .iter()
                .map(|&f| (f, FieldColumn::new(def.fields[f].field_type, rows)))
                .collect(),
            withheld: column(),
            unparsed: SparseTextColumn::default(),
            extra: SparseTextColumn::default(),
            len: 0,
        }
    }
}

/// The sheet's dictionaries: one per field (used by text and flag fields), and for the
/// derived columns.
#[derive(Default)]
pub(super) struct Dictionaries {
    pub(super) fields: Vec<ValueDictionary>,
    pub(super) aor: ValueDictionary,
    pub(super) method_group: ValueDictionary,
    /// Whole `withheld` values (`field=codes|field=codes`).
    pub(super) withheld: ValueDictionary,
    /// Canonical exemption codes of single cells.
    pub(super) codes: ValueDictionary,
}

impl Dictionaries {
    /// The pending rows as a batch of the table's schema; `b` starts over empty.
    pub(super) fn finish(
        &mut self,
        table: TableKind,
        b: &mut PendingBatch,
        release: &str,
        sheet: &str,
    ) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let constant = |value: &str| -> Result<ArrayRef, arrow_schema::ArrowError> {
            let keys = arrow_array::Int32Array::from(vec![0; b.len]);
            let values = Arc::new(arrow_array::StringArray::from(vec![value]));
            Ok(Arc::new(arrow_array::DictionaryArray::try_new(
                keys, values,
            )?))
        };
        let mut columns: Vec<ArrayRef> = vec![
            constant(release)?,
            constant(sheet)?,
            Arc::new(b.row.finish_int64()),
            Arc::new(b.event_date.finish_date32()),
        ];
        if let Some(c) = &mut b.event_datetime {
            columns.push(Arc::new(c.finish_timestamp()));
        }
        columns.push(Arc::new(b.event_fy.finish_int32()));
        if let Some(c) = &mut b.aor {
            columns.push(self.aor.array(c.finish_int32())?);
        }
        if let Some(c) = &mut b.method_group {
            columns.push(self.method_group.array(c.finish_int32())?);
        }
        let mut held = b.fields.iter_mut().peekable();
        for (index, field) in table.def().fields.iter().enumerate() {
            let column = match held.next_if(|(f, _)| *f == index) {
                Some((_, FieldColumn::Keys(keys))) => {
                    self.fields[index].array(keys.finish_int32())?
                }
                Some((_, FieldColumn::Days(days))) => Arc::new(days.finish_date32()),
                Some((_, FieldColumn::Seconds(s))) => Arc::new(s.finish_timestamp()),
                Some((_, FieldColumn::Integers(n))) => Arc::new(n.finish_int64()),
                Some((_, FieldColumn::Numbers(n))) => Arc::new(n.finish_float64()),
                Some((_, FieldColumn::Plain(p))) => p.finish_utf8(),
                None => arrow_array::new_null_array(&arrow_type(field.field_type), b.len),
            };
            columns.push(column);
        }
        columns.push(self.withheld.array(b.withheld.finish_int32())?);
        columns.push(b.unparsed.finish_utf8());
        columns.push(b.extra.finish_utf8());
        b.len = 0;
        RecordBatch::try_new(table_schema(table), columns)
    }
}
