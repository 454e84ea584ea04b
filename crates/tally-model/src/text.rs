//! Text normalization shared by every crosswalk lookup.

/// Lower-cases, trims and collapses internal whitespace runs to one space, so
/// `" Apprehension  Date "` and `"apprehension date"` compare equal. Quotes left by
/// spreadsheet exports (`"` at both ends) are removed; no-break spaces count as spaces and
/// invisible characters (zero-width spaces and joiners, word joiners, byte-order marks,
/// soft hyphens) are dropped.
pub fn lookup_key(raw: &str) -> String {
    normalize(raw, false)
}

/// [`lookup_key`] for column headers, which also reads `_` as a space (`case_status` and
/// "Case Status" share a key).
pub fn header_key(raw: &str) -> String {
    normalize(raw, true)
}

/// Characters that print as nothing.
fn is_invisible(ch: char) -> bool {
    matches!(
        ch,
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
    )
}

fn normalize(raw: &str, underscores: bool) -> String {
    let trimmed = raw
        .trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
        .trim_matches('"')
        .trim();
    let mut out = String::with_capacity(trimmed.len());
    let mut last_space = false;
    for ch in trimmed.chars() {
        if is_invisible(ch) {
            continue;
        }
        if ch.is_whitespace() || ch == '\u{a0}' || (underscores && ch == '_') {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.extend(ch.to_lowercase());
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_case_space_and_quotes() {
        assert_eq!(
            lookup_key("  \"Apprehension\u{a0} Date\" "),
            "apprehension date"
        );
        assert_eq!(
            lookup_key("CAP  Local\tIncarceration"),
            "cap local incarceration"
        );
        assert_eq!(lookup_key("\u{feff}Gen\u{200b}der"), "gender");
        assert_eq!(header_key("case_status"), "case status");
        assert_eq!(lookup_key("case_status"), "case_status");
    }
}
