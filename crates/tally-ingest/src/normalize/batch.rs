//! The rows of a sheet waiting to become Arrow batches: one plain integer column per
//! present field, dictionaries shared by the sheet, turned into a [`RecordBatch`] of the
//! canonical schema once the batch is full.

use super::column::{I32Column, I64Column, SparseTextColumn};
use super::dictionary::ValueDictionary;
use crate::schema::canonical_schema;
use arrow_array::{ArrayRef, RecordBatch};
use std::sync::Arc;
use tally_model::{Field, FieldType};

/// The rows of one fiscal year waiting to become a batch.
pub(super) struct PendingBatch {
    pub(super) row: I64Column,
    pub(super) event_date: I32Column,
    pub(super) event_fy: I32Column,
    pub(super) aor: I32Column,
    pub(super) method_group: I32Column,
    /// (field index, column) of the fields some column of the sheet holds: dictionary keys
    /// for text fields, days since 1970-01-01 for dates. The other fields are null.
    pub(super) fields: Vec<(usize, I32Column)>,
    pub(super) withheld: I32Column,
    pub(super) unparsed: SparseTextColumn,
    pub(super) extra: SparseTextColumn,
    pub(super) len: usize,
}

impl PendingBatch {
    /// `present`: indexes of the fields the sheet holds; `rows`: the batch size.
    pub(super) fn new(present: &[usize], rows: usize) -> PendingBatch {
        let column = || I32Column::with_capacity(rows);
        PendingBatch {
            row: I64Column::with_capacity(rows),
            event_date: column(),
            event_fy: column(),
            aor: column(),
            method_group: column(),
            fields: present.iter().map(|&f| (f, column())).collect(),
            withheld: column(),
            unparsed: SparseTextColumn::default(),
            extra: SparseTextColumn::default(),
            len: 0,
        }
    }
}

/// The sheet's dictionaries: one per text field, and for the derived columns.
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
    pub(super) fn finish(
        &mut self,
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
            Arc::new(b.event_fy.finish_int32()),
            self.aor.array(b.aor.finish_int32())?,
            self.method_group.array(b.method_group.finish_int32())?,
        ];
        let mut held = b.fields.iter_mut().peekable();
        for (index, field) in Field::ALL.iter().enumerate() {
            let column = match held.next_if(|(f, _)| *f == index) {
                Some((_, values)) => match field.field_type() {
                    FieldType::Text => self.fields[index].array(values.finish_int32())?,
                    FieldType::Date => Arc::new(values.finish_date32()),
                },
                None => {
                    let ty = match field.field_type() {
                        FieldType::Text => crate::schema::text_type(),
                        FieldType::Date => arrow_schema::DataType::Date32,
                    };
                    arrow_array::new_null_array(&ty, b.len)
                }
            };
            columns.push(column);
        }
        columns.push(self.withheld.array(b.withheld.finish_int32())?);
        columns.push(b.unparsed.finish_utf8());
        columns.push(b.extra.finish_utf8());
        b.len = 0;
        RecordBatch::try_new(canonical_schema(), columns)
    }
}
