//! Arrest landmarks placed in counties, where the landmark itself says which county.
//!
//! The older releases give no arrest county; their `Apprehension Landmark` names where
//! ICE logged the arrest: a jail ("SNOHOMISH COUNTY JAIL", "CAP - MARICOPA COUNTY SHERIFFS
//! OFFICE JAIL"), a prison, a city, or an office or program ("ICE ERO NEWARK", "GENERAL
//! AREA, NON-SPECIFIC", "SC INTEROPERABILITY LAFO"). The rule, in order:
//! 1. an office, program or area label ([`OFFICE_WORDS`]) is **not a place**;
//! 2. a landmark naming a county (`X COUNTY`, `X PARISH`, `X CO` inside a phrase, never a
//!    lone `CO` after a comma, which is Colorado) is matched to the one county of that
//!    name among the arrest AOR's counties (the county crosswalk), narrowed to the states
//!    the landmark names (`, TX`, `NY STATE`, `KANSAS` at the end, `TX1080000`). The
//!    longest name before the county word that matches wins ("CAP - LOS ANGELES COUNTY
//!    JAIL" tries "CAP LOS ANGELES", then "LOS ANGELES");
//! 3. anything else, and any name matching no county or several, is **unmatched**, with
//!    the reason. Nothing is guessed: a regional jail, a city jail or a prison that names
//!    no county stays unmatched.

use super::counties::{CountyDirectory, county_key};
use tally_model::states::{State, states};

/// Words that make a landmark an office, program or area label, not a place.
pub const OFFICE_WORDS: &[&str] = &[
    "GENERAL AREA",
    "NON-SPECIFIC",
    "NON SPECIFIC",
    "FUGOPS",
    "FUG OPS",
    "FUGITIVE OP",
    "FEDERAL PLAZA",
    "INTEROPERABILITY",
    "SUB-OFFICE",
    "SUB OFFICE",
    "FIELD OFFICE",
    "AT LARGE",
    "NON CRIM",
    "DETENTION AND REMOVAL",
    "HEADQUARTERS",
    "ICE ERO",
    "ERO ",
    " ERO",
    "TASK FORCE",
    "ALTERNATIVES TO DETENTION",
];

/// Words that may stand right before a county's name in a landmark (the name of an
/// office or program, not of another place).
const NAME_OPENERS: &[&str] = &[
    "DIST",
    "DISTRICT",
    "DIVISION",
    "OFFICE",
    "PROBATION",
    "PAROLE",
    "DEPARTMENT",
    "DEPT",
    "SERVICE",
    "SERVICES",
    "JAIL",
    "SHERIFF",
    "SHERIFFS",
    "POLICE",
    "COURT",
    "STATE",
    "FEDERAL",
    "CORRECTIONS",
    "CORRECTIONAL",
    "CENTER",
    "FACILITY",
    "UNIT",
    "PROGRAM",
    "INSIDE",
    "REFERRAL",
];

/// True when `word`, standing right before a county's name in `landmark` (upper case),
/// ends a phrase rather than being part of another place's name: a code ("CAP", "TAM",
/// "VCAS", "JCART": five letters or fewer with at most two vowels), a word of offices
/// ("PROBATION OFFICE", "SHERMAN DIV"), or a word set off by a dash or slash ("LEAR -
/// APACHE", "STUART-MARTIN") that is no compass point ("NORTH-HAMPTON" is not Hampton
/// County). So "BONNERS FERRY CO. JAIL" (a city in Idaho) is not Ferry County.
fn opens_name(word: &str, landmark: &str) -> bool {
    let vowels = word.chars().filter(|c| "AEIOU".contains(*c)).count();
    if word.len() <= 3 || (word.len() <= 5 && vowels <= 2) || NAME_OPENERS.contains(&word) {
        return true;
    }
    let compass = matches!(word, "NORTH" | "SOUTH" | "EAST" | "WEST");
    let set_off = [format!("{word}-"), format!("{word} -"), format!("{word}/")]
        .iter()
        .any(|p| landmark.contains(p.as_str()));
    set_off && !compass
}

/// Words that, after a state's name opening a landmark, make it that state's agency.
const STATE_AGENCY_WORDS: &[&str] = &[
    "DEPT",
    "DEPARTMENT",
    "DIVISION",
    "BUREAU",
    "STATE",
    "HIGHWAY",
    "CORRECTIONAL",
    "PRISON",
];

/// Words that make a landmark a jail or prison (for the share reported, not the match).
pub const CUSTODY_WORDS: &[&str] = &[
    "JAIL",
    "PRISON",
    "DETENTION",
    "CORRECTION",
    "CORR.",
    "SHERIFF",
    "PENAL",
    "LAW ENFORCEMENT CENTER",
    "JUSTICE CENTER",
    "CAP ",
    "CAP-",
    "DOC ",
    "BOP",
    "INSTITUTION",
    "DEPT OF CRIMINAL JUSTICE",
    "TDCJ",
    "FCI ",
    "USP ",
    "FDC ",
];

/// What a landmark says about place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LandmarkPlace {
    /// No landmark.
    Blank,
    /// An office, program or area label.
    NotAPlace,
    /// The one county it names: FIPS code, and whether the landmark is a jail or prison.
    County { fips: String, custody: bool },
    /// Names no county, or one that matches none or several: the reason.
    Unmatched(String),
}

/// True when the landmark is an office, program or area label.
pub fn is_office(landmark: &str) -> bool {
    let upper = format!(" {} ", landmark.to_uppercase());
    OFFICE_WORDS.iter().any(|w| upper.contains(w)) || upper.trim_start().starts_with("SC INTEROP")
}

/// True when the landmark names a jail, prison or custody program.
pub fn is_custody(landmark: &str) -> bool {
    let upper = format!("{} ", landmark.to_uppercase());
    CUSTODY_WORDS.iter().any(|w| upper.contains(w))
}

/// Places one landmark of an arrest in `aor` (its AOR code, when the row has one), or a
/// detainer's facility name with the facility's state (`state`: a name or postal code
/// the release gives beside it, which narrows the search as a state the text names).
pub fn place_landmark(
    landmark: &str,
    aor: Option<&str>,
    state: Option<&str>,
    counties: &CountyDirectory,
) -> LandmarkPlace {
    if landmark.trim().is_empty() {
        return LandmarkPlace::Blank;
    }
    if is_office(landmark) {
        return LandmarkPlace::NotAPlace;
    }
    let custody = is_custody(landmark);
    let upper = landmark.to_uppercase();
    let segments = segments(landmark);
    let mut hinted = state_hints(&segments);
    if let Some(s) = state.and_then(tally_model::states::state)
        && !hinted.contains(&s)
    {
        hinted.push(s);
    }
    let mut named_any = false;
    for seg in &segments {
        for (m, word) in seg.iter().enumerate() {
            let marker = match word.as_str() {
                "COUNTY" | "CNTY" | "PARISH" => true,
                // "DENVER, CO" is Colorado: CO is a county word only inside a phrase.
                "CO" => m > 0,
                _ => false,
            };
            if !marker || m == 0 {
                continue;
            }
            named_any = true;
            // Longest name first: "CAP LOS ANGELES", "LOS ANGELES", "ANGELES"; the word
            // right before the name must end a phrase ([`opens_name`]).
            for start in m.saturating_sub(4)..m {
                if start > 0 && !opens_name(&seg[start - 1], &upper) {
                    continue;
                }
                let name = seg[start..m].join(" ");
                let key = county_key(&name);
                let mut found: Vec<&super::counties::County> = match aor {
                    Some(a) => counties.find_in_aor(a, &key),
                    None => Vec::new(),
                };
                if aor.is_none() {
                    if hinted.is_empty() {
                        continue;
                    }
                    found = counties
                        .counties()
                        .filter(|c| {
                            county_key(c.name.rsplit_once(',').map_or(&c.name, |(n, _)| n)) == key
                        })
                        .collect();
                }
                if !hinted.is_empty() {
                    found.retain(|c| hinted.iter().any(|s| s.postal == c.state));
                }
                match found.as_slice() {
                    [one] => {
                        return LandmarkPlace::County {
                            fips: one.fips.clone(),
                            custody,
                        };
                    }
                    [] => continue,
                    several => {
                        return LandmarkPlace::Unmatched(format!(
                            "{name} names {} counties of the AOR",
                            several.len()
                        ));
                    }
                }
            }
        }
    }
    LandmarkPlace::Unmatched(if named_any {
        match aor {
            Some(a) if hinted.is_empty() => format!("names a county that is not one of {a}'s"),
            Some(a) => format!(
                "names a county that is not one of {a}'s in {}",
                hinted
                    .iter()
                    .map(|s| s.postal.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "no AOR (and no state) to look the county up in".into(),
        }
    } else if custody {
        "a jail or prison that names no county".into()
    } else {
        "names no county".into()
    })
}

/// The landmark's words, upper case, split into comma-separated segments; other
/// punctuation separates words, `.` and `'` are dropped (`ST. MARY'S` -> `ST MARYS`).
fn segments(landmark: &str) -> Vec<Vec<String>> {
    landmark
        .to_uppercase()
        .split(',')
        .map(|seg| {
            let cleaned: String = seg
                .chars()
                .filter(|c| !matches!(c, '.' | '\'' | '\u{2019}'))
                .map(|c| if c.is_alphanumeric() { c } else { ' ' })
                .collect();
            cleaned.split_whitespace().map(str::to_string).collect()
        })
        .filter(|s: &Vec<String>| !s.is_empty())
        .collect()
}

/// States a landmark names: a postal code ending a comma segment or the text, before
/// `STATE`, or glued to a facility number (`TX1080000`); a state's name ending the text.
fn state_hints(segments: &[Vec<String>]) -> Vec<&'static State> {
    let mut found: Vec<&'static State> = Vec::new();
    let postal = |w: &str| states().iter().find(|s| s.postal == w);
    let mut push = |s: &'static State| {
        if !found.contains(&s) {
            found.push(s);
        }
    };
    for (i, seg) in segments.iter().enumerate() {
        for (j, w) in seg.iter().enumerate() {
            let last_of_segment = j + 1 == seg.len();
            let before_state = seg.get(j + 1).is_some_and(|n| n == "STATE");
            // ", GA (CHEROKEE COUNTY)": a code opening a segment after a comma.
            let opens_later_segment = i > 0 && j == 0;
            // A lone CO after a comma is Colorado; inside a phrase it is "county".
            if (last_of_segment && (j == 0 || i > 0 || w != "CO"))
                || before_state
                || opens_later_segment
            {
                if w == "CO" && j > 0 {
                    continue;
                }
                if let Some(s) = postal(w) {
                    push(s);
                }
            }
            if w.len() > 2
                && w[..2].chars().all(|c| c.is_ascii_alphabetic())
                && w[2..].chars().all(|c| c.is_ascii_digit())
                && let Some(s) = postal(&w[..2])
            {
                push(s);
            }
        }
    }
    // A state's name ending the text ("..., INDIANA", "NIOBRARA COUNTY WYOMING"), or
    // opening it before a word of state agencies ("TEXAS DEPT OF CRIMINAL JUSTICE"; not
    // "WASHINGTON COUNTY JAIL" or "WASHINGTON TOWNSHIP POLICE").
    let county_word = |w: Option<&String>| {
        w.is_some_and(|w| matches!(w.as_str(), "COUNTY" | "CO" | "CNTY" | "PARISH"))
    };
    for s in states() {
        let name: Vec<String> = s
            .name
            .to_uppercase()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if let Some(last) = segments.last()
            && last.ends_with(&name)
            && (last.len() > name.len() || segments.len() > 1)
        {
            push(s);
        }
        if let Some(first) = segments.first()
            && first.starts_with(&name)
            && first.len() > name.len()
            && !county_word(first.get(name.len()))
            && first
                .get(name.len())
                .is_some_and(|w| STATE_AGENCY_WORDS.contains(&w.as_str()))
        {
            push(s);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offices_and_programs_are_not_places() {
        for l in [
            "ICE ERO NEWARK",
            "GENERAL AREA, NON-SPECIFIC",
            "SC INTEROPERABILITY LAFO",
            "LOS ANGELES COUNTY GENERAL AREA, NON-SPECIFIC",
            "SAN DIEGO FUGOPS",
            "SAN ANGELO SUB-OFFICE",
            "N DIST TX DALLAS DIV DALLAS CO CRIM AT LARGE",
        ] {
            assert!(is_office(l), "{l}");
        }
        for l in [
            "SNOHOMISH COUNTY JAIL",
            "CAP - MARICOPA COUNTY SHERIFFS OFFICE JAIL",
            "ATLANTA, GA",
        ] {
            assert!(!is_office(l), "{l}");
        }
    }

    #[test]
    fn states_named_by_landmarks() {
        let hints = |l: &str| {
            state_hints(&segments(l))
                .iter()
                .map(|s| s.postal.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(hints("HARRIS COUNTY JAIL, HOUSTON, TX"), ["TX"]);
        assert_eq!(
            hints("HIDALGO COUNTY JAIL, EDINBURG, TXN - TX1080000"),
            ["TX"]
        );
        assert_eq!(hints("CAP - SUFFOLK COUNTY POLICE NY STATE"), ["NY"]);
        assert_eq!(hints("NEMAHA COUNTY SHERIFFS OFFICE KANSAS"), ["KS"]);
        assert_eq!(hints("ARAPAHOE COUNTY JAIL, CENTENNIAL, CO"), ["CO"]);
        assert_eq!(hints("WASHINGTON COUNTY JAIL"), Vec::<String>::new());
        assert_eq!(hints("BOONE COUNTY SHERIFF'S OFFICE, INDIANA"), ["IN"]);
        assert_eq!(hints("HOLLY SPRINGS, GA (CHEROKEE COUNTY)"), ["GA"]);
        assert_eq!(hints("TEXAS DEPT OF CRIMINAL JUSTICE, WALKER CO"), ["TX"]);
    }
}
