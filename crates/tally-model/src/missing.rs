//! Cell texts that mean "no value" (`data/missing_values.csv`): missing is not a category,
//! so such cells are stored as null and counted as `(blank)`.

use crate::VocabularyError;
use crate::text::lookup_key;
use std::collections::HashSet;

/// The placeholders releases and their processed copies write for a missing value.
#[derive(Debug, Clone)]
pub struct MissingValues {
    keys: HashSet<String>,
    rows: Vec<(String, String)>,
}

impl MissingValues {
    /// Parses `value,source` rows.
    ///
    /// # Errors
    /// A row without a source, naming its line.
    pub fn from_csv(file: &'static str, text: &str) -> Result<MissingValues, VocabularyError> {
        let mut out = MissingValues {
            keys: HashSet::new(),
            rows: Vec::new(),
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| VocabularyError {
                file,
                line: i + 2,
                message: e.to_string(),
            })?;
            let (value, source) = (
                rec.get(0).unwrap_or_default(),
                rec.get(1).unwrap_or_default(),
            );
            if value.trim().is_empty() || source.trim().is_empty() {
                return Err(VocabularyError {
                    file,
                    line: i + 2,
                    message: "a row needs a value and a source".into(),
                });
            }
            out.keys.insert(lookup_key(value));
            out.rows.push((value.to_string(), source.to_string()));
        }
        Ok(out)
    }

    /// True when a whole cell (any case, surrounding space ignored) is a placeholder.
    pub fn is_missing(&self, cell: &str) -> bool {
        let t = cell.trim();
        // Placeholders are short: most cells are told apart without building a key.
        t.len() <= 8 && !t.is_empty() && self.keys.contains(&lookup_key(t))
    }

    /// `(value, source)` rows in file order.
    pub fn rows(&self) -> &[(String, String)] {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;

    #[test]
    fn placeholders_are_whole_cells() {
        let m = Catalog::embedded().missing();
        for cell in ["NA", " NA ", "na", "N/A", "NULL", "--"] {
            assert!(m.is_missing(cell), "{cell:?}");
        }
        for cell in ["NAMIBIA", "Not Applicable", "UNKNOWN", "", "-- x"] {
            assert!(!m.is_missing(cell), "{cell:?}");
        }
    }
}
