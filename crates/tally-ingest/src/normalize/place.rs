//! A key written `Place, State` (CIS's sanctuary map: "Suffolk County, New York"), for a
//! table whose definition names a `place_state` field: the place stays in the key, the
//! state's postal code goes to that field. Only a full state name after the last comma
//! is read (`tally_model::states::split_place_state`); anything else is kept whole and the sheet
//! report says so, so a misspelt state ("Cass County, lowa") is never guessed.

use super::SheetNormalizer;
use tally_model::states as us_states;

impl SheetNormalizer<'_> {
    /// Applies the table's `place_state` rule to the row just read.
    pub(super) fn split_place_state(&mut self) {
        let (Some(state_field), Some(key_field)) = (self.def.place_state, self.def.key) else {
            return;
        };
        if self.row.get(state_field).is_some() {
            return;
        }
        let Some(key) = self.row.get(key_field) else {
            return;
        };
        let text = self.dictionaries.fields[key_field]
            .value(key as u32)
            .to_string();
        let key_name = &self.def.fields[key_field].name;
        let state_name = &self.def.fields[state_field].name;
        let warning = match us_states::split_place_state(&text) {
            Some((place, code)) => {
                let place_key = self.dictionaries.fields[key_field].key(place);
                let state_key = self.dictionaries.fields[state_field].key(code);
                self.row.fields[key_field] = i64::from(place_key);
                self.row.fields[state_field] = i64::from(state_key);
                format!(
                    "{key_name} written \"Place, State\" (\"Suffolk County, New York\"): the place is kept in {key_name}, the state's postal code in {state_name}"
                )
            }
            // A state listed as a whole ("Rhode Island") is its own state.
            None => match us_states::postal_code(&text) {
                Some(code) => {
                    let state_key = self.dictionaries.fields[state_field].key(code);
                    self.row.fields[state_field] = i64::from(state_key);
                    format!(
                        "{key_name} naming a state alone (\"Rhode Island\"): the state's postal code also goes to {state_name}"
                    )
                }
                None => format!(
                    "{key_name} {text:?} has no U.S. state's name after a last comma: kept whole, {state_name} left blank"
                ),
            },
        };
        if !self.report.warnings.contains(&warning) {
            self.report.warnings.push(warning);
        }
    }
}
