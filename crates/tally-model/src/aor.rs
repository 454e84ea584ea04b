//! Area of Responsibility names → canonical codes (`data/aor_codes.csv`, `data/aor_aliases.csv`).

use crate::VocabularyError;
use crate::text::lookup_key;
use std::collections::HashMap;

const AOR_CODES_CSV: &str = include_str!("../data/aor_codes.csv");
const AOR_ALIASES_CSV: &str = include_str!("../data/aor_aliases.csv");

/// Maps ICE's AOR spellings to the canonical three-letter codes (CHI, SFR, LOS, ... and HQ).
///
/// Codes and names come from UWCHR's `aor_codes.yaml` (24 field offices) plus HLG
/// (Harlingen, in releases since 2021; ICE's own code, with UWCHR's HAL as an alias) and
/// HQ; see `data/aor_codes.csv` and `data/aor_aliases.csv`. A value is matched
/// after stripping the suffix " Area of Responsibility" (any case), so
/// "Chicago Area of Responsibility", "Chicago" and "CHI" all give `CHI`. Anything else is
/// unmapped: ingest reports it and never guesses.
#[derive(Debug, Clone)]
pub struct AorCrosswalk {
    by_key: HashMap<String, &'static str>,
    names: Vec<(&'static str, &'static str)>,
}

const SUFFIX: &str = " area of responsibility";

impl AorCrosswalk {
    /// The crosswalk shipped with Tally.
    pub fn embedded() -> AorCrosswalk {
        static EMBEDDED: std::sync::OnceLock<AorCrosswalk> = std::sync::OnceLock::new();
        EMBEDDED
            .get_or_init(|| match AorCrosswalk::load() {
                Ok(c) => c,
                Err(e) => panic!("embedded AOR crosswalk is invalid: {e}"),
            })
            .clone()
    }

    fn load() -> Result<AorCrosswalk, VocabularyError> {
        let mut by_key = HashMap::new();
        let mut names = Vec::new();
        for (line, fields) in csv_rows(AOR_CODES_CSV) {
            // Loaded once per process (see `embedded`), so the names live as long as it.
            let code: &'static str = Box::leak(fields[0].clone().into_boxed_str());
            let name: &'static str = Box::leak(fields[1].clone().into_boxed_str());
            by_key.insert(lookup_key(code), code);
            by_key.insert(lookup_key(name), code);
            names.push((code, name));
            if fields.len() < 3 {
                return Err(VocabularyError {
                    file: "aor_codes.csv",
                    line,
                    message: "missing source".into(),
                });
            }
        }
        for (line, fields) in csv_rows(AOR_ALIASES_CSV) {
            let (alias, code) = (fields[0].as_str(), fields[1].as_str());
            if !names.iter().any(|(c, _)| *c == code) {
                return Err(VocabularyError {
                    file: "aor_aliases.csv",
                    line,
                    message: format!("alias {alias:?} points at unknown code {code:?}"),
                });
            }
            let code = names
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(c, _)| *c)
                .unwrap_or("HQ");
            by_key.insert(lookup_key(alias), code);
        }
        Ok(AorCrosswalk { by_key, names })
    }

    /// The canonical code for an AOR as released, or `None` when it is not in the crosswalk.
    /// Blank input gives `None` too; callers tell blank from unmapped themselves.
    pub fn code_for(&self, raw: &str) -> Option<&'static str> {
        let key = lookup_key(raw);
        let key = key.strip_suffix(SUFFIX).unwrap_or(&key).trim();
        let key = key.strip_prefix("the ").unwrap_or(key);
        self.by_key.get(key).copied()
    }

    /// `(code, name)` for every AOR, in file order.
    pub fn codes(&self) -> &[(&'static str, &'static str)] {
        &self.names
    }

    /// The name of a canonical code (`CHI` → `Chicago`).
    pub fn name_of(&self, code: &str) -> Option<&'static str> {
        self.names.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
    }

    /// True when `code` is one of the canonical codes.
    pub fn is_code(&self, code: &str) -> bool {
        self.names.iter().any(|(c, _)| *c == code)
    }
}

/// Rows of an embedded CSV as `(1-based line, fields)`.
fn csv_rows(text: &'static str) -> Vec<(usize, Vec<String>)> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .filter_map(|(i, r)| {
            r.ok()
                .map(|r| (i + 2, r.iter().map(String::from).collect()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_codes_and_aliases_map() {
        let aors = AorCrosswalk::embedded();
        assert_eq!(aors.code_for("Chicago Area of Responsibility"), Some("CHI"));
        assert_eq!(
            aors.code_for("san francisco area of responsibility "),
            Some("SFR")
        );
        assert_eq!(
            aors.code_for("the Seattle Area of Responsibility"),
            Some("SEA")
        );
        assert_eq!(aors.code_for("HQ Area of Responsibility"), Some("HQ"));
        assert_eq!(
            aors.code_for("St. Paul Area of Responsibility"),
            Some("SPM")
        );
        assert_eq!(aors.code_for("nyc"), Some("NYC"));
        assert_eq!(aors.code_for("Gotham Area of Responsibility"), None);
        assert_eq!(aors.code_for(""), None);
        assert_eq!(aors.codes().len(), 26);
        assert_eq!(
            aors.code_for("Harlingen Area of Responsibility"),
            Some("HLG")
        );
        assert_eq!(aors.code_for("HAL"), Some("HLG"));
        assert_eq!(aors.name_of("HLG"), Some("Harlingen"));
    }
}
