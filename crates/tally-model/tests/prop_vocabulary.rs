//! Property tests: the withheld-marker and date parsers never panic, and recognize every
//! spelling they are built to recognize.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use tally_model::date::parse_text_date;
use tally_model::withheld::exemption_codes;

fn code() -> impl Strategy<Value = (u8, Option<char>)> {
    (
        prop_oneof![Just(3u8), Just(6), Just(7)],
        proptest::option::of(prop_oneof![Just('c'), Just('e'), Just('C'), Just('E')]),
    )
}

/// One code spelled the ways releases spell them: `(b)(7)(C)`, `b(7)c`, `(B)(7)c)`, `(b)(7)(E )`.
fn spelled((digit, letter): (u8, Option<char>), style: u8) -> String {
    let b = if style.is_multiple_of(2) { "b" } else { "B" };
    let head = match style % 3 {
        0 => format!("({b})({digit})"),
        1 => format!("{b}({digit})"),
        _ => format!("({b}) ({digit})"),
    };
    match letter {
        None => head,
        Some(l) => match style % 4 {
            0 => format!("{head}({l})"),
            1 => format!("{head}{l})"),
            2 => format!("{head}({l} )"),
            _ => format!("{head}{l}"),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn withheld_parser_never_panics(s in ".{0,40}") {
        let _ = exemption_codes(&s);
    }

    #[test]
    fn every_spelling_of_a_code_list_is_recognized(codes in proptest::collection::vec(code(), 1..4), styles in proptest::collection::vec(0u8..12, 4), sep in prop_oneof![Just(","), Just(";"), Just(", "), Just(" "), Just("")], trailing in prop_oneof![Just(""), Just(" ")]) {
        let text: Vec<String> = codes.iter().zip(styles.iter().cycle()).map(|(c, s)| spelled(*c, *s)).collect();
        let cell = format!("{}{trailing}", text.join(sep));
        let got = exemption_codes(&cell);
        prop_assert!(got.is_some(), "not recognized: {cell:?}");
        let mut want: Vec<String> = Vec::new();
        for (d, l) in &codes {
            let c = match l { None => format!("(b)({d})"), Some(l) => format!("(b)({d})({})", l.to_ascii_uppercase()) };
            if !want.contains(&c) { want.push(c); }
        }
        prop_assert_eq!(got.unwrap(), want.join(";"));
    }

    #[test]
    fn date_parser_never_panics(s in ".{0,24}") {
        let _ = parse_text_date(&s);
    }

    #[test]
    fn text_dates_round_trip(days in 0i64..60_000, style in 0u8..4) {
        let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(days as u64);
        let text = match style {
            0 => format!("{}/{}/{}", date.month(), date.day(), date.year()),
            1 => format!("{:02}/{:02}/{}", date.month(), date.day(), date.year()),
            2 => date.format("%Y-%m-%d").to_string(),
            _ => format!("{}/{}/{} 13:45", date.month(), date.day(), date.year()),
        };
        prop_assert_eq!(parse_text_date(&text), Ok(Some(date)));
    }
}
