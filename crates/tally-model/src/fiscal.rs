//! U.S. federal fiscal years: FY N runs 1 October N-1 through 30 September N.

use chrono::{Datelike, NaiveDate};

/// The fiscal year of a date (FY2020 = 2019-10-01 ..= 2020-09-30).
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 10 {
        date.year() + 1
    } else {
        date.year()
    }
}

/// First and last day of a fiscal year.
pub fn fiscal_year_bounds(fy: i32) -> (NaiveDate, NaiveDate) {
    let first = NaiveDate::from_ymd_opt(fy - 1, 10, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(fy, 9, 30).unwrap_or(NaiveDate::MAX);
    (first, last)
}

/// Parses labels such as `FY2019`, `FY2019 YTD`, `fy 2016` or `2019` into the year.
pub fn parse_fiscal_year_label(label: &str) -> Option<i32> {
    let t = label.trim().to_ascii_uppercase();
    let t = t.strip_prefix("FY").unwrap_or(&t).trim_start();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = t[digits.len()..].trim();
    if digits.len() != 4 || !(rest.is_empty() || rest == "YTD") {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_year_boundaries() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(fiscal_year(d(2019, 9, 30)), 2019);
        assert_eq!(fiscal_year(d(2019, 10, 1)), 2020);
        assert_eq!(fiscal_year_bounds(2020), (d(2019, 10, 1), d(2020, 9, 30)));
        assert_eq!(parse_fiscal_year_label("FY2019 YTD"), Some(2019));
        assert_eq!(parse_fiscal_year_label("FY2012"), Some(2012));
        assert_eq!(parse_fiscal_year_label("Total"), None);
    }
}
