//! Text normalization shared by every crosswalk lookup.

/// Lower-cases, trims and collapses internal whitespace runs to one space, so
/// `" Apprehension  Date "` and `"apprehension date"` compare equal. Quotes left by
/// spreadsheet exports (`"` at both ends) are removed.
pub fn lookup_key(raw: &str) -> String {
    let trimmed = raw.trim().trim_matches('"').trim();
    let mut out = String::with_capacity(trimmed.len());
    let mut last_space = false;
    for ch in trimmed.chars() {
        if ch.is_whitespace() || ch == '\u{a0}' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.extend(ch.to_lowercase());
            last_space = false;
        }
    }
    out
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
    }
}
