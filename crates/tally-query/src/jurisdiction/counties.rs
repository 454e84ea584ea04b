//! Counties by FIPS code, their AORs, and county names as lists write them matched to
//! FIPS codes, from a `county-aor` crosswalk release of the store.
//!
//! Name matching is exact after one normalization ([`county_key`]): case, punctuation,
//! `Saint`/`St.` and the type word (`County`, `Parish`, `Borough`, `Census Area`) are
//! ignored, within one state. A name matching no county, or several, is unmatched, never
//! guessed.

use crate::QueryError;
use crate::reference::{RefValue, read_reference};
use std::collections::BTreeMap;
use tally_model::TableKind;
use tally_model::states::{State, state};
use tally_store::{ReleaseEntry, Store};

/// The table counties come from.
pub const COUNTY_AOR_TABLE: &str = "county-aor";

/// One county of the crosswalk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// Five-digit FIPS code.
    pub fips: String,
    /// Name as the crosswalk writes it ("autauga county, alabama").
    pub name: String,
    /// Postal code of the state (from the FIPS code).
    pub state: String,
    /// AOR code (Tally's), when the crosswalk gives one it knows.
    pub aor: Option<String>,
    /// Row of the crosswalk file.
    pub source_row: u64,
}

/// Counties of one crosswalk, findable by FIPS code, by (state, name) and by AOR.
#[derive(Debug, Clone, Default)]
pub struct CountyDirectory {
    /// File name of the crosswalk used.
    pub crosswalk: String,
    /// Its release id.
    pub release_id: String,
    /// Other crosswalks in the store (file names), not used.
    pub others: Vec<String>,
    by_fips: BTreeMap<String, County>,
    /// (state postal, county key) -> FIPS codes.
    by_name: BTreeMap<(String, String), Vec<String>>,
}

/// The key county names are matched on: lower case, `&` as `and`, apostrophes dropped,
/// other punctuation as space, accents folded, `ft` as `fort`, spaces dropped at the end,
/// `saint` as `st`, without a trailing type word (`county`, `parish`, `borough`,
/// `census area`, `city and borough`, `municipality`), single spaces. `Baltimore city`
/// keeps its `city`, so it stays apart from Baltimore County.
pub fn county_key(name: &str) -> String {
    let lower: String = name
        .to_lowercase()
        .replace('&', " and ")
        .chars()
        .map(fold_accent)
        .collect();
    // Apostrophes join ("St. Mary's" and "ST MARYS" meet); other punctuation separates.
    let cleaned: String = lower
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}'))
        .map(|c| {
            if c.is_alphanumeric() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    for w in &mut words {
        match *w {
            "saint" => *w = "st",
            "ft" => *w = "fort",
            _ => {}
        }
    }
    let mut key = words.join(" ");
    for suffix in [
        " city and borough",
        " census area",
        " municipality",
        " county",
        // ICE's 287(g) list of 2025-12-31 spells it so twice ("Lake Conty").
        " conty",
        " parish",
        " borough",
    ] {
        if let Some(stem) = key.strip_suffix(suffix) {
            key = stem.to_string();
            break;
        }
    }
    // "DeBaca" and "De Baca", "DeWitt" and "De Witt": spaces do not tell counties apart.
    key.retain(|c| c != ' ');
    key
}

/// A Latin letter without its accent (`ñ` -> `n`, `é` -> `e`): the crosswalk writes
/// "doña ana", the releases "DONA ANA".
fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

impl CountyDirectory {
    /// Reads one crosswalk: the release `selector` names (file name, its tail, or id), or
    /// else the latest-ingested `county-aor` release. `Ok(None)` when the store has none.
    ///
    /// # Errors
    /// A selector naming no crosswalk; unreadable store files.
    pub fn read(
        store: &Store,
        selector: Option<&str>,
    ) -> Result<Option<CountyDirectory>, QueryError> {
        let Some(table) = TableKind::from_slug(COUNTY_AOR_TABLE) else {
            return Ok(None);
        };
        let all = crate::releases_holding(store, table);
        let chosen: Option<&ReleaseEntry> = match selector {
            Some(s) => {
                let picked = store.manifest().select(s);
                let found = all
                    .iter()
                    .copied()
                    .find(|r| picked.iter().any(|p| p.id == r.id));
                Some(found.ok_or_else(|| {
                    QueryError::Invalid(format!(
                        "--crosswalk {s:?} names no county-aor release; the store has {}",
                        names(&all)
                    ))
                })?)
            }
            None => all.last().copied(),
        };
        let Some(chosen) = chosen else {
            return Ok(None);
        };
        let rows = read_reference(
            store,
            table,
            &[chosen],
            &["county_fips", "county_name", tally_catalog::schema::AOR],
        )?;
        let mut dir = CountyDirectory {
            crosswalk: chosen.report.file_name.clone(),
            release_id: chosen.id.clone(),
            others: all
                .iter()
                .filter(|r| r.id != chosen.id)
                .map(|r| r.report.file_name.clone())
                .collect(),
            ..CountyDirectory::default()
        };
        for row in rows {
            let [fips, name, aor] = [0, 1, 2].map(|i| row.values[i].clone());
            let (Some(fips), Some(name)) = (fips.text(), name.text()) else {
                continue;
            };
            let fips = format!("{fips:0>5}");
            let Some(st) = state(&fips[..2]) else {
                continue;
            };
            // The crosswalk writes "autauga county, alabama": the county is before the
            // last comma.
            let county_part = name.rsplit_once(',').map_or(name, |(c, _)| c);
            dir.by_name
                .entry((st.postal.clone(), county_key(county_part)))
                .or_default()
                .push(fips.clone());
            dir.by_fips.insert(
                fips.clone(),
                County {
                    fips,
                    name: name.to_string(),
                    state: st.postal.clone(),
                    aor: match aor {
                        RefValue::Text(a) => Some(a),
                        _ => None,
                    },
                    source_row: row.source_row,
                },
            );
        }
        Ok(Some(dir))
    }

    /// The county with this FIPS code (`1001` and `01001` alike).
    pub fn county(&self, fips: &str) -> Option<&County> {
        self.by_fips.get(&format!("{:0>5}", fips.trim()))
    }

    /// The county a list names in a state (state by name, postal code or FIPS): the one
    /// county whose key equals the name's; `Err` says why there is none.
    ///
    /// # Errors
    /// A reason, as printed in match reports: unknown state, no county of that name, or
    /// several.
    pub fn find(&self, state_text: &str, county_name: &str) -> Result<&County, String> {
        let st: &State =
            state(state_text).ok_or_else(|| format!("unknown state {state_text:?}"))?;
        let key = county_key(county_name);
        match self.by_name.get(&(st.postal.clone(), key)) {
            Some(f) if f.len() == 1 => self
                .by_fips
                .get(&f[0])
                .ok_or_else(|| "crosswalk row missing".to_string()),
            Some(f) => Err(format!(
                "{county_name:?} names {} counties of {}",
                f.len(),
                st.postal
            )),
            None => Err(format!("no county {county_name:?} in {}", st.postal)),
        }
    }

    /// Counties whose key is `key` among those of `aor`, any state.
    pub fn find_in_aor(&self, aor: &str, key: &str) -> Vec<&County> {
        self.by_name
            .iter()
            .filter(|((_, k), _)| k == key)
            .flat_map(|(_, fips)| fips.iter())
            .filter_map(|f| self.by_fips.get(f))
            .filter(|c| c.aor.as_deref() == Some(aor))
            .collect()
    }

    /// Every county, by FIPS code.
    pub fn counties(&self) -> impl Iterator<Item = &County> {
        self.by_fips.values()
    }

    /// Counties in the crosswalk.
    pub fn len(&self) -> usize {
        self.by_fips.len()
    }

    /// True when the crosswalk has no county.
    pub fn is_empty(&self) -> bool {
        self.by_fips.is_empty()
    }
}

fn names(all: &[&ReleaseEntry]) -> String {
    if all.is_empty() {
        return "none (ingest ../shared/data/reference/uwchr_county_aor_hand.csv)".into();
    }
    all.iter()
        .map(|r| r.report.file_name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::county_key;

    #[test]
    fn county_names_meet_across_spellings() {
        assert_eq!(county_key("Autauga County"), "autauga");
        assert_eq!(county_key("autauga county"), "autauga");
        assert_eq!(county_key("St. Louis County"), "stlouis");
        assert_eq!(county_key("Saint Louis"), "stlouis");
        assert_eq!(county_key("Baltimore city"), "baltimorecity");
        assert_eq!(county_key("Prince George's County"), "princegeorges");
        assert_eq!(county_key("DONA ANA COUNTY"), county_key("doña ana county"));
        assert_eq!(county_key("DeBaca County"), county_key("de baca county"));
        assert_eq!(county_key("ST MARYS"), county_key("st. mary's county"));
        assert_eq!(county_key("Orleans Parish"), "orleans");
        assert_eq!(county_key("Juneau City and Borough"), "juneau");
        assert_eq!(county_key("De Witt County"), "dewitt");
        assert_eq!(county_key("FT BEND"), county_key("fort bend county"));
    }
}
