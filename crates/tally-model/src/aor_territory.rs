//! The states and territories each Area of Responsibility's territory lies in
//! (`data/aor_states.csv`), so that a release holding one state's rows is known to hold
//! all of an AOR's rows only where the AOR lies wholly within that state (Baltimore in
//! Maryland, Houston in Texas), never Seattle's (Alaska, Oregon and Washington) from a
//! Washington-state extract.
//!
//! Source: the Deportation Data Project's `ice-areas-of-responsibility.csv`
//! (../shared/data/reference/dd_ice-areas-of-responsibility.csv), states as postal
//! codes (`crate::states`); HQ has no territory.

use std::collections::HashMap;
use std::sync::OnceLock;

const AOR_STATES_CSV: &str = include_str!("../data/aor_states.csv");

/// The postal codes of the states and territories AOR `code`'s territory lies in (`SEA`:
/// AK, OR, WA); empty for HQ, which has none; `None` for a code the list does not hold.
pub fn states_of(code: &str) -> Option<&'static [String]> {
    static BY_CODE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    BY_CODE
        .get_or_init(|| {
            let mut reader = csv::Reader::from_reader(AOR_STATES_CSV.as_bytes());
            reader
                .records()
                .filter_map(Result::ok)
                .filter_map(|r| {
                    let code = r.get(0)?.to_string();
                    let states = r.get(1)?.split_whitespace().map(String::from).collect();
                    Some((code, states))
                })
                .collect()
        })
        .get(code)
        .map(Vec::as_slice)
}

/// Whether all of AOR `code`'s territory lies in the state with postal code `postal`, so
/// that every row of the AOR is a row of that state: false for an AOR spanning other
/// states too, for HQ (no territory) and for anything not an AOR code (`(blank)`).
pub fn lies_within(code: &str, postal: &str) -> bool {
    states_of(code).is_some_and(|states| !states.is_empty() && states.iter().all(|s| s == postal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aor_code_has_its_states_and_each_is_a_state() {
        let aors = crate::aor::AorCrosswalk::embedded();
        for (code, _) in aors.codes() {
            let states = states_of(code).unwrap_or_else(|| panic!("{code} has no states"));
            assert_eq!(states.is_empty(), *code == "HQ", "{code}");
            for s in states {
                assert!(crate::states::is_postal_code(s), "{code}: {s}");
            }
        }
        assert_eq!(states_of("SEA").unwrap(), ["AK", "OR", "WA"]);
        assert!(lies_within("BAL", "MD") && lies_within("HOU", "TX"));
        assert!(!lies_within("SEA", "WA") && !lies_within("HQ", "DC"));
        assert!(!lies_within("(blank)", "WA"));
    }
}
