//! U.S. states and territories by Census FIPS code, postal code and name
//! (`data/states.csv`), so that lists naming a state in any of those ways meet: ICE's
//! 287(g) lists spell names in capitals, the Secure Communities file gives postal codes
//! and FIPS numbers, the county crosswalk lower-case names.
//!
//! Source: U.S. Census Bureau, FIPS state codes (ANSI INCITS 38), checked against the
//! state FIPS and postal pairs of the Secure Communities file and the state names of the
//! county crosswalk in ../shared/data.

use std::sync::OnceLock;

const STATES_CSV: &str = include_str!("../data/states.csv");

/// One state or territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Two-digit Census FIPS code (`17`).
    pub fips: String,
    /// Postal code (`IL`).
    pub postal: String,
    /// Name (`Illinois`).
    pub name: String,
}

/// Every state, DC and the territories, by FIPS code.
pub fn states() -> &'static [State] {
    static STATES: OnceLock<Vec<State>> = OnceLock::new();
    STATES.get_or_init(|| {
        STATES_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut parts = line.splitn(3, ',');
                Some(State {
                    fips: parts.next()?.to_string(),
                    postal: parts.next()?.to_string(),
                    name: parts.next()?.trim().to_string(),
                })
            })
            .collect()
    })
}

/// The state a text names: its postal code, name (any case, surrounding and inner
/// space as released: `"TEXAS "`, `"new  york"`) or FIPS code (`17`, `6`).
pub fn state(text: &str) -> Option<&'static State> {
    let key = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if key.is_empty() {
        return None;
    }
    if let Ok(n) = key.parse::<u32>() {
        return states().iter().find(|s| s.fips.parse::<u32>() == Ok(n));
    }
    states().iter().find(|s| {
        s.postal.eq_ignore_ascii_case(&key)
            || s.name.eq_ignore_ascii_case(&key)
            || (key.eq_ignore_ascii_case("Washington DC")
                || key.eq_ignore_ascii_case("Washington, D.C."))
                && s.postal == "DC"
    })
}

/// The postal code of a state written out in full (`"New York"` -> `NY`), matched
/// ignoring case and runs of white space; `None` for anything else (abbreviations,
/// misspellings such as CIS's "lowa": never guessed).
pub fn postal_code(name: &str) -> Option<&'static str> {
    let key = name.split_whitespace().collect::<Vec<_>>().join(" ");
    states()
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(&key))
        .map(|s| s.postal.as_str())
}

/// True for a known two-letter postal code, upper case (`IL`).
pub fn is_postal_code(code: &str) -> bool {
    states().iter().any(|s| s.postal == code)
}

/// The two-digit FIPS code of a postal code (`IL` -> `17`).
pub fn fips_of(code: &str) -> Option<&'static str> {
    states()
        .iter()
        .find(|s| s.postal == code)
        .map(|s| s.fips.as_str())
}

/// Splits `Place, State Name` at its last comma when what follows is a state's name or
/// its postal code in capitals (`Washington, DC`), a ZIP code after it dropped
/// (`Franklin County, Washington 99301`, as CIS's 2017 sanctuary map writes it; kept
/// whole, the county was on no sanctuary list in counts by policy): (place, postal
/// code). `None` when there is no comma, or the text after it is neither: a misspelt
/// state (`Cass County, lowa`) is never guessed.
pub fn split_place_state(text: &str) -> Option<(&str, &'static str)> {
    let (place, st) = text.rsplit_once(',')?;
    let place = place.trim();
    if place.is_empty() {
        return None;
    }
    let st = without_zip(st.trim());
    postal_code(st)
        .or_else(|| {
            states()
                .iter()
                .find(|s| s.postal == st)
                .map(|s| s.postal.as_str())
        })
        .map(|code| (place, code))
}

/// `text` less a trailing ZIP code (`Washington 99301`, `Washington 99301-1234`).
fn without_zip(text: &str) -> &str {
    let Some((before, last)) = text.rsplit_once(' ') else {
        return text;
    };
    let (five, four) = last.split_once('-').unwrap_or((last, "0000"));
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if digits(five, 5) && digits(four, 4) {
        before.trim_end()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_answer_to_name_postal_code_and_fips() {
        assert_eq!(states().len(), 56);
        assert_eq!(state("TEXAS ").map(|s| s.postal.as_str()), Some("TX"));
        assert_eq!(state("new  york").map(|s| s.fips.as_str()), Some("36"));
        assert_eq!(state("IL").map(|s| s.name.as_str()), Some("Illinois"));
        assert_eq!(state("6").map(|s| s.postal.as_str()), Some("CA"));
        assert_eq!(
            state("District of Columbia").map(|s| s.postal.as_str()),
            Some("DC")
        );
        assert_eq!(state("Atlantis"), None);
        assert_eq!(postal_code("New  York"), Some("NY"));
        assert_eq!(postal_code("district of columbia"), Some("DC"));
        assert_eq!(postal_code("lowa"), None);
        assert!(is_postal_code("WI"));
        assert!(!is_postal_code("wi"));
        assert_eq!(fips_of("IL"), Some("17"));
        assert_eq!(
            split_place_state("Suffolk County, New York"),
            Some(("Suffolk County", "NY"))
        );
        assert_eq!(
            split_place_state("Washington, District of Columbia"),
            Some(("Washington", "DC"))
        );
        assert_eq!(
            split_place_state("Washington, DC"),
            Some(("Washington", "DC"))
        );
        assert_eq!(
            split_place_state("Franklin County, Washington 99301"),
            Some(("Franklin County", "WA"))
        );
        assert_eq!(
            split_place_state("Franklin County, Washington 99301-1234"),
            Some(("Franklin County", "WA"))
        );
        assert_eq!(split_place_state("Franklin County, Washington 9930"), None);
        assert_eq!(split_place_state("Route 9, Old Highway 99301"), None);
        assert_eq!(split_place_state("Cass County, lowa"), None);
        assert_eq!(split_place_state("East Haven. Connecticut"), None);
        assert_eq!(split_place_state("Rhode Island"), None);
        assert_eq!(state(""), None);
    }
}
