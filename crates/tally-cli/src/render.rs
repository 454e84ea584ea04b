//! Small text-rendering helpers shared by the commands.

/// Formats an integer with thousands separators: `110104` → `110,104`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A count for a published line: `<10` when small (1-9), else with thousands separators.
/// (Accounting lines such as rows read = kept + rejected stay exact.)
pub fn published(n: u64) -> String {
    tally_publish::Disclosure::default().cell(n).text()
}

/// Longest text value printed in a report line; longer ones are cut with a note.
pub const CLIP_CHARS: usize = 160;

/// A value for a report line: as is, or cut to [`CLIP_CHARS`] with the full length noted
/// (a 30 MB cell must not flood the terminal; the store keeps it whole).
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(CLIP_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!(
            "{}... ({} characters in all)",
            &text[..cut],
            text.chars().count()
        )),
    }
}

/// Renders rows as an aligned text table; columns listed in `right` are right-aligned.
pub fn table(header: &[String], rows: &[Vec<String>], right: &[usize]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths.get(i).copied().unwrap_or(0);
                if right.contains(&i) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(header);
    out.push('\n');
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_clipped() {
        assert_eq!(clip("short"), "short");
        let long = "x".repeat(1000);
        assert_eq!(
            clip(&long),
            format!("{}... (1000 characters in all)", "x".repeat(CLIP_CHARS))
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(110_104), "110,104");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
