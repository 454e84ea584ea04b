//! Date cells as releases write them: Excel dates, Excel serial numbers and text.

use chrono::{Datelike, NaiveDate};

/// Why a date cell could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{0:?} is not a date (expected M/D/YYYY, YYYY-MM-DD or an Excel serial number)")]
    /// Text that is not a date in any accepted format.
    Unreadable(String),
    #[error("{0:?} has the form of a date, but that day does not exist")]
    /// A date-shaped text for a day the calendar lacks (2/29/2019).
    NoSuchDay(String),
    #[error(
        "Excel serial 60 is 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)"
    )]
    /// Excel serial 60.
    ExcelLeapYearBug,
    #[error("{0} is outside the plausible range {1}..={2}")]
    /// A date outside the plausible range: the date, the range's first and last day.
    Implausible(NaiveDate, NaiveDate, NaiveDate),
}

/// Days from 1970-01-01, the unit of Arrow's Date32.
pub fn to_epoch_days(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - 719_163
}

/// Inverse of [`to_epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days + 719_163).unwrap_or(NaiveDate::MIN)
}

/// Converts an Excel serial day number (1900 date system) to a date.
///
/// Excel counts 1900-02-29, which never existed, as serial 60: serials below 60 are one
/// day later than a plain count from 1899-12-31 would give, serial 60 is an error, and
/// serials from 61 count from 1899-12-30. Fractions (times of day) are dropped.
pub fn excel_serial_to_date(serial: f64) -> Result<NaiveDate, DateError> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return Err(DateError::Unreadable(serial.to_string()));
    }
    let whole = serial.trunc() as i64;
    let (base, offset) = match whole {
        60 => return Err(DateError::ExcelLeapYearBug),
        ..60 => (NaiveDate::from_ymd_opt(1899, 12, 31), whole),
        _ => (NaiveDate::from_ymd_opt(1899, 12, 30), whole),
    };
    base.and_then(|b| b.checked_add_days(chrono::Days::new(offset as u64)))
        .ok_or_else(|| DateError::Unreadable(serial.to_string()))
}

/// Parses a text date cell. Blank text is `Ok(None)`.
///
/// Accepted: `M/D/YYYY` and `MM/DD/YYYY` (UWCHR and LESA text dumps), with an optional time
/// after a space (`10/1/2015 13:45`), `YYYY-MM-DD` with an optional `T`/space time, `M/D/YY`
/// (two-digit years 00-68 are 20xx, 69-99 are 19xx, the POSIX `%y` rule) and whole numbers
/// between 1 and 2958465 written as text, read as Excel serials.
pub fn parse_text_date(text: &str) -> Result<Option<NaiveDate>, DateError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let day_part = t.split([' ', 'T']).next().unwrap_or(t);
    let bad = || DateError::Unreadable(t.to_string());
    // A plausible month and day that the calendar lacks (2/29/2019, 4/31/2019) is a
    // different mistake from text that is no date at all.
    let no_such_day = |month: u32, day: u32| {
        if (1..=12).contains(&month) && (1..=31).contains(&day) {
            DateError::NoSuchDay(t.to_string())
        } else {
            DateError::Unreadable(t.to_string())
        }
    };
    if day_part.contains('/') {
        let mut parts = day_part.split('/');
        let (Some(m), Some(d), Some(y), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let month = small_number(m).ok_or_else(bad)?;
        let day = small_number(d).ok_or_else(bad)?;
        let year = match y.len() {
            4 => small_number(y).ok_or_else(bad)? as i32,
            2 => {
                let yy = small_number(y).ok_or_else(bad)? as i32;
                if yy <= 68 { 2000 + yy } else { 1900 + yy }
            }
            _ => return Err(bad()),
        };
        return NaiveDate::from_ymd_opt(year, month, day)
            .map(Some)
            .ok_or_else(|| no_such_day(month, day));
    }
    if day_part.len() == 10 && day_part.as_bytes()[4] == b'-' && day_part.as_bytes()[7] == b'-' {
        let year = small_number(&day_part[0..4]).ok_or_else(bad)? as i32;
        let month = small_number(&day_part[5..7]).ok_or_else(bad)?;
        let day = small_number(&day_part[8..10]).ok_or_else(bad)?;
        return NaiveDate::from_ymd_opt(year, month, day)
            .map(Some)
            .ok_or_else(|| no_such_day(month, day));
    }
    if let Ok(serial) = t.parse::<f64>()
        && serial.fract() == 0.0
    {
        return excel_serial_to_date(serial).map(Some);
    }
    Err(bad())
}

fn small_number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Checks a date against an inclusive plausible range.
pub fn check_plausible(
    date: NaiveDate,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<NaiveDate, DateError> {
    if date < first || date > last {
        Err(DateError::Implausible(date, first, last))
    } else {
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn text_formats() {
        assert_eq!(parse_text_date("10/1/2015"), Ok(Some(d(2015, 10, 1))));
        assert_eq!(parse_text_date("07/02/0999"), Ok(Some(d(999, 7, 2))));
        assert_eq!(parse_text_date(" 2019-08-31 "), Ok(Some(d(2019, 8, 31))));
        assert_eq!(
            parse_text_date("2019-08-31T13:00:00"),
            Ok(Some(d(2019, 8, 31)))
        );
        assert_eq!(parse_text_date("8/31/2019 13:45"), Ok(Some(d(2019, 8, 31))));
        assert_eq!(parse_text_date("1/2/19"), Ok(Some(d(2019, 1, 2))));
        assert_eq!(parse_text_date("1/2/75"), Ok(Some(d(1975, 1, 2))));
        assert_eq!(parse_text_date("43466"), Ok(Some(d(2019, 1, 1))));
        assert_eq!(parse_text_date(""), Ok(None));
        assert_eq!(
            parse_text_date("2/29/2019"),
            Err(DateError::NoSuchDay("2/29/2019".into()))
        );
        assert!(matches!(
            parse_text_date("13/45/2019"),
            Err(DateError::Unreadable(_))
        ));
        assert!(matches!(
            parse_text_date("Male"),
            Err(DateError::Unreadable(_))
        ));
    }

    #[test]
    fn excel_serials_and_the_1900_leap_bug() {
        assert_eq!(excel_serial_to_date(1.0), Ok(d(1900, 1, 1)));
        assert_eq!(excel_serial_to_date(59.0), Ok(d(1900, 2, 28)));
        assert_eq!(excel_serial_to_date(60.0), Err(DateError::ExcelLeapYearBug));
        assert_eq!(excel_serial_to_date(61.0), Ok(d(1900, 3, 1)));
        assert_eq!(excel_serial_to_date(43_466.75), Ok(d(2019, 1, 1)));
        assert!(excel_serial_to_date(-3.0).is_err());
    }

    #[test]
    fn epoch_days_round_trip() {
        assert_eq!(to_epoch_days(d(1970, 1, 1)), 0);
        assert_eq!(to_epoch_days(d(2019, 10, 1)), 18_170);
        assert_eq!(from_epoch_days(18_170), d(2019, 10, 1));
    }
}
