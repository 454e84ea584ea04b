//! Release column names → canonical fields (`data/column_crosswalk.csv`).

use crate::VocabularyError;
use crate::field::Field;
use crate::text::lookup_key;
use std::collections::HashMap;

const COLUMN_CROSSWALK_CSV: &str = include_str!("../data/column_crosswalk.csv");

/// Maps release column headers (any case and spacing) to canonical [`Field`]s.
///
/// Loaded from `data/column_crosswalk.csv` (`raw_header,field,source`), whose source column
/// names the release where each spelling was seen. Headers not listed are "extra" columns:
/// ingest keeps their values, it never drops them.
#[derive(Debug, Clone)]
pub struct ColumnCrosswalk {
    by_key: HashMap<String, Field>,
    rows: Vec<(String, Field, String)>,
}

impl ColumnCrosswalk {
    /// The crosswalk shipped with Tally.
    ///
    /// # Panics
    /// Never at run time: the embedded file is validated by this crate's tests.
    pub fn embedded() -> ColumnCrosswalk {
        match ColumnCrosswalk::from_csv("column_crosswalk.csv", COLUMN_CROSSWALK_CSV) {
            Ok(c) => c,
            Err(e) => panic!("embedded crosswalk is invalid: {e}"),
        }
    }

    /// Parses a crosswalk CSV with columns `raw_header,field,source`.
    ///
    /// # Errors
    /// A [`VocabularyError`] naming the line of an unknown field or a header mapped twice.
    pub fn from_csv(file: &'static str, text: &str) -> Result<ColumnCrosswalk, VocabularyError> {
        let mut by_key = HashMap::new();
        let mut rows = Vec::new();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for (i, rec) in reader.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| VocabularyError {
                file,
                line,
                message: e.to_string(),
            })?;
            let raw = rec.get(0).unwrap_or_default().to_string();
            let field_name = rec.get(1).unwrap_or_default();
            let field = Field::from_name(field_name).ok_or_else(|| VocabularyError {
                file,
                line,
                message: format!("unknown canonical field {field_name:?}"),
            })?;
            if by_key.insert(lookup_key(&raw), field).is_some() {
                return Err(VocabularyError {
                    file,
                    line,
                    message: format!("header {raw:?} listed twice"),
                });
            }
            rows.push((raw, field, rec.get(2).unwrap_or_default().to_string()));
        }
        Ok(ColumnCrosswalk { by_key, rows })
    }

    /// The canonical field for a raw header, if the crosswalk knows it.
    pub fn field_for(&self, raw_header: &str) -> Option<Field> {
        self.by_key.get(&lookup_key(raw_header)).copied()
    }

    /// Every `(raw header, field, source)` row, in file order (for documentation).
    pub fn rows(&self) -> &[(String, Field, String)] {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_maps_release_spellings_to_one_field() {
        let cw = ColumnCrosswalk::embedded();
        assert_eq!(cw.field_for("Arrest Date"), Some(Field::ApprehensionDate));
        assert_eq!(
            cw.field_for("Apprehension Date"),
            Some(Field::ApprehensionDate)
        );
        assert_eq!(
            cw.field_for(" arrest   METHOD "),
            Some(Field::ApprehensionMethod)
        );
        assert_eq!(
            cw.field_for("Event Area of Responsibility"),
            Some(Field::AorName)
        );
        assert_eq!(
            cw.field_for("Country of Citizenship"),
            Some(Field::Citizenship)
        );
        assert_eq!(cw.field_for("Shoe Size"), None);
    }

    #[test]
    fn rejects_unknown_field_with_line() {
        let err =
            ColumnCrosswalk::from_csv("t.csv", "raw_header,field,source\nA,nope,x\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "vocabulary file t.csv, line 2: unknown canonical field \"nope\""
        );
    }
}
