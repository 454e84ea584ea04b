//! FOIA exemption markers: cells ICE withheld under 5 U.S.C. 552(b).
//!
//! Releases spell the same markers many ways: `(b)(6),(b)(7)c)` (UW v. DHS workbook),
//! `(B)(6);(B)(7)(C) ` with a trailing space and `(B)(7)(E) ` (2019-ICFO-53623),
//! `(b)(7)(E )`, `b(6), b(7)c`, `(b)(6)(b)(7)(c)`, `(b)(6), (b)(7)(c) (b)(7)(e)`,
//! `(B)(3)` (DOMAIN.md section 5; DDP's rule matches `\(b\)|b\([0-9]\)`). Tally recognizes a
//! cell as withheld when it contains a parenthesis and, after dropping everything but
//! letters and digits, is nothing but a run of codes `b<digit>[<letter>]`. Such a cell
//! becomes null and its codes are recorded in canonical form (`(b)(6);(b)(7)(C)`).

/// Canonical exemption codes of a withheld cell, e.g. `"(b)(6);(b)(7)(C)"`, or `None`
/// when the cell is an ordinary value.
///
/// ```
/// use tally_model::withheld::exemption_codes;
/// assert_eq!(exemption_codes("(B)(6);(B)(7)(C) ").as_deref(), Some("(b)(6);(b)(7)(C)"));
/// assert_eq!(exemption_codes("(b)(7)(E )").as_deref(), Some("(b)(7)(E)"));
/// assert_eq!(exemption_codes("MEXICO"), None);
/// ```
pub fn exemption_codes(cell: &str) -> Option<String> {
    if !cell.contains('(') {
        return None;
    }
    let squashed: Vec<u8> = cell
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let mut codes: Vec<String> = Vec::new();
    let mut i = 0;
    while i < squashed.len() {
        if squashed[i] != b'b' {
            return None;
        }
        i += 1;
        let start = i;
        while i < squashed.len() && squashed[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 1 {
            return None;
        }
        let mut code = format!("(b)({})", squashed[start] as char);
        let next_is_code =
            i + 1 < squashed.len() && squashed[i] == b'b' && squashed[i + 1].is_ascii_digit();
        if i < squashed.len() && squashed[i].is_ascii_alphabetic() && !next_is_code {
            code.push_str(&format!("({})", (squashed[i] as char).to_ascii_uppercase()));
            i += 1;
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        None
    } else {
        Some(codes.join(";"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_seen_in_releases() {
        let cases = [
            ("(b)(6),(b)(7)c)", "(b)(6);(b)(7)(C)"),
            ("(B)(6);(B)(7)(C) ", "(b)(6);(b)(7)(C)"),
            ("(b)(7)(E )", "(b)(7)(E)"),
            ("(B)(7)(E) ", "(b)(7)(E)"),
            ("(b)(7)e)", "(b)(7)(E)"),
            ("b(6), b(7)c", "(b)(6);(b)(7)(C)"),
            ("b(6), b(7)C", "(b)(6);(b)(7)(C)"),
            ("(b)(6)(b)(7)(c)", "(b)(6);(b)(7)(C)"),
            ("(b)(6), (b)(7)(c) (b)(7)(e)", "(b)(6);(b)(7)(C);(b)(7)(E)"),
            ("b(7)(e)", "(b)(7)(E)"),
            ("(B)(3)", "(b)(3)"),
        ];
        for (raw, want) in cases {
            assert_eq!(exemption_codes(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn ordinary_values_are_not_withheld() {
        for raw in [
            "MEXICO",
            "287(g) Program",
            "BLDG (B6) ANNEX",
            "Other Agency (turned over to INS)",
            "",
            "()",
            "(b)",
        ] {
            assert_eq!(exemption_codes(raw), None, "{raw:?}");
        }
    }
}
