//! The distinct values of one text column, as the dictionary of an Arrow
//! `Dictionary(Int32, Utf8)` column.
//!
//! Release columns hold few distinct values (the national 2019-ICFO-53623 files: at most
//! about 6,300 per column over hundreds of thousands of rows), so rows carry a 4-byte key
//! and each distinct text is stored once per batch rather than once per row.

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Distinct values in first-seen order; a value's key is its position.
#[derive(Default)]
pub(crate) struct ValueDictionary {
    index: FxHashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
    /// All values as an Arrow array, kept while no value has been added since.
    built: Option<ArrayRef>,
    /// Per key: the batch that last used it and its key in that batch's own dictionary
    /// (used when the dictionary is too large to attach whole to every batch).
    local: Vec<(u32, i32)>,
    batches: u32,
}

/// Dictionaries larger than this are not attached whole to each batch: a batch gets only
/// the values it uses, so a column of mostly distinct values costs O(rows), not O(rows²).
const WHOLE_DICTIONARY_LIMIT: usize = 1 << 14;

impl ValueDictionary {
    /// The key of `value`, adding it when new.
    pub(crate) fn key(&mut self, value: &str) -> u32 {
        if let Some(&key) = self.index.get(value) {
            return key;
        }
        let key = self.values.len() as u32;
        self.values.push(value.into());
        self.index.insert(value.into(), key);
        self.built = None;
        key
    }

    /// Number of distinct values.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// The value of `key`.
    pub(crate) fn value(&self, key: u32) -> &str {
        &self.values[key as usize]
    }

    /// A dictionary array over `keys` (nulls stay null).
    ///
    /// # Errors
    /// Arrow's own check that every key is in range (a bug if it fails).
    pub(crate) fn array(&mut self, keys: Int32Array) -> Result<ArrayRef, arrow_schema::ArrowError> {
        if self.values.len() <= WHOLE_DICTIONARY_LIMIT {
            let values = self
                .built
                .get_or_insert_with(|| {
                    let mut b = StringBuilder::with_capacity(
                        self.values.len(),
                        self.values.iter().map(|v| v.len()).sum(),
                    );
                    for v in &self.values {
                        b.append_value(v);
                    }
                    Arc::new(b.finish())
                })
                .clone();
            return Ok(Arc::new(DictionaryArray::try_new(keys, values)?));
        }
        // Only the values this batch uses, re-keyed.
        self.batches += 1;
        let batch = self.batches;
        self.local.resize(self.values.len(), (0, 0));
        let mut values = StringBuilder::new();
        let mut used = 0i32;
        let local_keys: Int32Array = keys
            .iter()
            .map(|k| {
                let k = usize::try_from(k?).ok()?;
                let slot = self.local.get_mut(k)?;
                if slot.0 != batch {
                    *slot = (batch, used);
                    values.append_value(&self.values[k]);
                    used += 1;
                }
                Some(slot.1)
            })
            .collect();
        let values: ArrayRef = Arc::new(values.finish());
        Ok(Arc::new(DictionaryArray::try_new(local_keys, values)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;

    fn texts(array: &ArrayRef) -> Vec<Option<String>> {
        let dict = array.as_dictionary::<Int32Type>();
        let values = dict.values().as_string::<i32>();
        (0..dict.len())
            .map(|i| {
                dict.is_valid(i)
                    .then(|| values.value(dict.keys().value(i) as usize).to_string())
            })
            .collect()
    }

    #[test]
    fn keys_values_in_first_seen_order_and_round_trips() {
        let mut d = ValueDictionary::default();
        assert_eq!(d.key("MEXICO"), 0);
        assert_eq!(d.key("GUATEMALA"), 1);
        assert_eq!(d.key("MEXICO"), 0);
        assert_eq!(d.value(1), "GUATEMALA");
        let keys = Int32Array::from(vec![Some(1), None, Some(0)]);
        let array = d.array(keys).expect("in range");
        assert_eq!(
            texts(&array),
            [Some("GUATEMALA".into()), None, Some("MEXICO".into())]
        );
    }

    #[test]
    fn large_dictionaries_attach_only_the_values_a_batch_uses() {
        let mut d = ValueDictionary::default();
        for i in 0..(WHOLE_DICTIONARY_LIMIT + 10) {
            d.key(&format!("v{i}"));
        }
        assert_eq!(d.len(), WHOLE_DICTIONARY_LIMIT + 10);
        let keys = Int32Array::from(vec![Some(7), Some(16_390), None, Some(7)]);
        let array = d.array(keys).expect("in range");
        let dict = array.as_dictionary::<Int32Type>();
        assert_eq!(dict.values().len(), 2);
        assert_eq!(
            texts(&array),
            [
                Some("v7".into()),
                Some("v16390".into()),
                None,
                Some("v7".into())
            ]
        );
        // A second batch builds its own dictionary.
        let again = d
            .array(Int32Array::from(vec![Some(16_390)]))
            .expect("in range");
        assert_eq!(texts(&again), [Some("v16390".into())]);
    }
}
