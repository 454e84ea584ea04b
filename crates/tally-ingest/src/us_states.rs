//! U.S. states, the District of Columbia and the inhabited territories: name, two-letter
//! postal code and two-digit FIPS code, for the readers and rules that place a
//! jurisdiction in its state. Source: USPS Publication 28, Appendix B (postal codes) and
//! Census Bureau FIPS state codes (ANSI INCITS 38).

/// (name, postal code, FIPS code).
const STATES: &[(&str, &str, &str)] = &[
    ("Alabama", "AL", "01"),
    ("Alaska", "AK", "02"),
    ("Arizona", "AZ", "04"),
    ("Arkansas", "AR", "05"),
    ("California", "CA", "06"),
    ("Colorado", "CO", "08"),
    ("Connecticut", "CT", "09"),
    ("Delaware", "DE", "10"),
    ("District of Columbia", "DC", "11"),
    ("Florida", "FL", "12"),
    ("Georgia", "GA", "13"),
    ("Hawaii", "HI", "15"),
    ("Idaho", "ID", "16"),
    ("Illinois", "IL", "17"),
    ("Indiana", "IN", "18"),
    ("Iowa", "IA", "19"),
    ("Kansas", "KS", "20"),
    ("Kentucky", "KY", "21"),
    ("Louisiana", "LA", "22"),
    ("Maine", "ME", "23"),
    ("Maryland", "MD", "24"),
    ("Massachusetts", "MA", "25"),
    ("Michigan", "MI", "26"),
    ("Minnesota", "MN", "27"),
    ("Mississippi", "MS", "28"),
    ("Missouri", "MO", "29"),
    ("Montana", "MT", "30"),
    ("Nebraska", "NE", "31"),
    ("Nevada", "NV", "32"),
    ("New Hampshire", "NH", "33"),
    ("New Jersey", "NJ", "34"),
    ("New Mexico", "NM", "35"),
    ("New York", "NY", "36"),
    ("North Carolina", "NC", "37"),
    ("North Dakota", "ND", "38"),
    ("Ohio", "OH", "39"),
    ("Oklahoma", "OK", "40"),
    ("Oregon", "OR", "41"),
    ("Pennsylvania", "PA", "42"),
    ("Rhode Island", "RI", "44"),
    ("South Carolina", "SC", "45"),
    ("South Dakota", "SD", "46"),
    ("Tennessee", "TN", "47"),
    ("Texas", "TX", "48"),
    ("Utah", "UT", "49"),
    ("Vermont", "VT", "50"),
    ("Virginia", "VA", "51"),
    ("Washington", "WA", "53"),
    ("West Virginia", "WV", "54"),
    ("Wisconsin", "WI", "55"),
    ("Wyoming", "WY", "56"),
    ("American Samoa", "AS", "60"),
    ("Guam", "GU", "66"),
    ("Northern Mariana Islands", "MP", "69"),
    ("Puerto Rico", "PR", "72"),
    ("U.S. Virgin Islands", "VI", "78"),
];

/// The postal code of a state written out in full (`"New York"` → `NY`), matched
/// ignoring case and runs of white space; `None` for anything else (abbreviations,
/// misspellings such as CIS's "lowa": never guessed).
pub fn postal_code(name: &str) -> Option<&'static str> {
    let key = name.split_whitespace().collect::<Vec<_>>().join(" ");
    STATES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(&key))
        .map(|(_, code, _)| *code)
}

/// True for a known two-letter postal code, upper case (`IL`).
pub fn is_postal_code(code: &str) -> bool {
    STATES.iter().any(|(_, c, _)| *c == code)
}

/// The two-digit FIPS code of a postal code (`IL` → `17`).
pub fn fips_of(code: &str) -> Option<&'static str> {
    STATES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map(|(_, _, fips)| *fips)
}

/// Splits `Place, State Name` at its last comma when what follows is a state's name or
/// its postal code in capitals (`Washington, DC`): (place, postal code). `None` when there
/// is no comma, or the text after it is neither (`Franklin County, Washington 99301`
/// with its ZIP code is kept whole).
pub fn split_place_state(text: &str) -> Option<(&str, &'static str)> {
    let (place, state) = text.rsplit_once(',')?;
    let place = place.trim();
    if place.is_empty() {
        return None;
    }
    let state = state.trim();
    postal_code(state)
        .or_else(|| {
            STATES
                .iter()
                .find(|(_, c, _)| *c == state)
                .map(|(_, c, _)| *c)
        })
        .map(|code| (place, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_splits() {
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
        assert_eq!(split_place_state("Franklin County, Washington 99301"), None);
        assert_eq!(split_place_state("Cass County, lowa"), None);
        assert_eq!(split_place_state("East Haven. Connecticut"), None);
        assert_eq!(split_place_state("Rhode Island"), None);
        assert_eq!(STATES.len(), 56);
    }
}
