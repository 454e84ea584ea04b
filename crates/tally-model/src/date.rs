//! Date and datetime cells as releases write them: Excel dates, Excel serial numbers
//! (stored as numbers or as text) and text.
//!
//! Accepted text forms (each seen in a release or a processed copy of one):
//! - `M/D/YYYY` and `MM/DD/YYYY` (2019-era LESA text dumps, UWCHR), `M/D/YY` (two-digit
//!   years 00-68 are 20xx, 69-99 are 19xx: the POSIX `%y` rule);
//! - any of those followed by a time `H:MM`, `H:MM:SS`, optionally `AM`/`PM`
//!   (`2/19/2025 6:10`, the ICE detention exports' `%m/%d/%Y %H:%M`);
//! - `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fraction]]`, and
//!   optionally `Z`, `UTC` or `+00:00` (DDP writes `2023-09-01 07:56:00 UTC`);
//! - Excel serial numbers written as text, whole (`43466`) or with a fraction of a day
//!   (`45707.2569444`).
//!
//! Times are ICE's wall-clock times as released: a `UTC`/`Z` label is dropped, not
//! converted (DDP labels the workbook's clock times UTC when it reads them). Fractions of
//! a second are rounded to the nearest second. Excel serial 0 (Excel's "1900-01-00") and
//! serial 60 (the 1900-02-29 that Excel's leap-year bug invents) are not dates.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// Why a date cell could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error(
        "{0:?} is not a date (expected M/D/YYYY or YYYY-MM-DD, optionally with a time of day, or an Excel serial number)"
    )]
    /// Text that is not a date in any accepted format.
    Unreadable(String),
    #[error("{0:?} has the form of a date, but that day does not exist")]
    /// A date-shaped text for a day the calendar lacks (2/29/2019).
    NoSuchDay(String),
    #[error("{0:?} has the form of a time of day, but that time does not exist")]
    /// A time-shaped text that is no time (25:10).
    NoSuchTime(String),
    #[error(
        "Excel serial 60 is 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)"
    )]
    /// Excel serial 60.
    ExcelLeapYearBug,
    #[error("Excel serial 0 is Excel's \"1900-01-00\", not a date (an empty date cell)")]
    /// Excel serial 0.
    ExcelSerialZero,
    #[error("{0} is outside the plausible range {1}..={2}")]
    /// A date outside the plausible range: the date, the range's first and last day.
    Implausible(NaiveDate, NaiveDate, NaiveDate),
}

/// A parsed date or datetime cell: the moment, and whether the cell gave a time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDateTime {
    /// The date and time (midnight when the cell gave no time).
    pub at: NaiveDateTime,
    /// True when the cell stated a time of day (even 00:00).
    pub has_time: bool,
}

impl ParsedDateTime {
    fn date_only(date: NaiveDate) -> ParsedDateTime {
        ParsedDateTime {
            at: date.and_time(NaiveTime::MIN),
            has_time: false,
        }
    }
}

/// Event dates outside this inclusive range reject the row at ingest, and `--from`/`--to`
/// outside it are refused: 1970-01-01 ..= 2099-12-31.
/// (ICE ERO-LESA releases start in FY2012; the range only catches typos and serials read
/// from the wrong column, such as year 0999.)
pub const EVENT_DATE_RANGE: (NaiveDate, NaiveDate) = (
    match NaiveDate::from_ymd_opt(1970, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
    match NaiveDate::from_ymd_opt(2099, 12, 31) {
        Some(d) => d,
        None => NaiveDate::MAX,
    },
);

/// The Monday of `date`'s week: weeks are named by their Monday (ISO 8601 weeks start on
/// Monday), in `--by week` and `--where week=`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// Days from 1970-01-01, the unit of Arrow's Date32.
pub fn to_epoch_days(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - 719_163
}

/// Inverse of [`to_epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(days + 719_163).unwrap_or(NaiveDate::MIN)
}

/// Seconds from 1970-01-01 00:00:00, the unit of Arrow's Timestamp(Second).
pub fn to_epoch_seconds(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

/// Inverse of [`to_epoch_seconds`].
pub fn from_epoch_seconds(seconds: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|d| d.naive_utc())
        .unwrap_or(NaiveDateTime::MIN)
}

/// Converts an Excel serial day number (1900 date system) to a date, dropping any time.
///
/// Excel counts 1900-02-29, which never existed, as serial 60: serials below 60 are one
/// day later than a plain count from 1899-12-31 would give, serial 60 is an error, and
/// serials from 61 count from 1899-12-30.
pub fn excel_serial_to_date(serial: f64) -> Result<NaiveDate, DateError> {
    excel_serial_to_datetime(serial).map(|p| p.at.date())
}

/// Converts an Excel serial (whole days plus a fraction of a day) to a datetime, rounding
/// the time to the nearest second. Serial 0 and 60 are errors (see the module notes).
pub fn excel_serial_to_datetime(serial: f64) -> Result<ParsedDateTime, DateError> {
    if serial.is_finite() && (0.0..1.0).contains(&serial) && serial.trunc() == 0.0 {
        return Err(DateError::ExcelSerialZero);
    }
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return Err(DateError::Unreadable(serial.to_string()));
    }
    let mut whole = serial.trunc() as i64;
    let mut seconds = ((serial - serial.trunc()) * 86_400.0).round() as i64;
    if seconds >= 86_400 {
        whole += 1;
        seconds -= 86_400;
    }
    let (base, offset) = match whole {
        60 => return Err(DateError::ExcelLeapYearBug),
        ..60 => (NaiveDate::from_ymd_opt(1899, 12, 31), whole),
        _ => (NaiveDate::from_ymd_opt(1899, 12, 30), whole),
    };
    let date = base
        .and_then(|b| b.checked_add_days(chrono::Days::new(offset as u64)))
        .ok_or_else(|| DateError::Unreadable(serial.to_string()))?;
    let time =
        NaiveTime::from_num_seconds_from_midnight_opt(seconds as u32, 0).unwrap_or(NaiveTime::MIN);
    Ok(ParsedDateTime {
        at: date.and_time(time),
        has_time: serial.fract() != 0.0,
    })
}

/// Parses a text date cell, dropping any time of day. Blank text is `Ok(None)`.
pub fn parse_text_date(text: &str) -> Result<Option<NaiveDate>, DateError> {
    parse_text_datetime(text).map(|p| p.map(|p| p.at.date()))
}

/// Parses a text date or datetime cell in the forms of the module notes. Blank text is
/// `Ok(None)`.
pub fn parse_text_datetime(text: &str) -> Result<Option<ParsedDateTime>, DateError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || DateError::Unreadable(t.to_string());
    let split = t.find([' ', 'T']).unwrap_or(t.len());
    let (day_part, time_part) = (&t[..split], t[split..].trim_start_matches(['T', ' ']));
    // A plausible month and day that the calendar lacks (2/29/2019, 4/31/2019) is a
    // different mistake from text that is no date at all.
    let no_such_day = |month: u32, day: u32| {
        if (1..=12).contains(&month) && (1..=31).contains(&day) {
            DateError::NoSuchDay(t.to_string())
        } else {
            DateError::Unreadable(t.to_string())
        }
    };
    let date = if day_part.contains('/') {
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
        NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| no_such_day(month, day))?
    } else if day_part.len() == 10
        && day_part.as_bytes()[4] == b'-'
        && day_part.as_bytes()[7] == b'-'
    {
        let year = small_number(&day_part[0..4]).ok_or_else(bad)? as i32;
        let month = small_number(&day_part[5..7]).ok_or_else(bad)?;
        let day = small_number(&day_part[8..10]).ok_or_else(bad)?;
        NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| no_such_day(month, day))?
    } else if let Ok(serial) = t.parse::<f64>() {
        return excel_serial_to_datetime(serial).map(Some);
    } else {
        return Err(bad());
    };
    if time_part.is_empty() {
        return Ok(Some(ParsedDateTime::date_only(date)));
    }
    let time = parse_time(time_part)?.ok_or_else(bad)?;
    Ok(Some(ParsedDateTime {
        at: date.and_time(time),
        has_time: true,
    }))
}

/// `H:MM`, `H:MM:SS`, `HH:MM:SS.fff`, optionally followed by `AM`/`PM` and by `Z`, `UTC`
/// or `+00:00`. `Ok(None)` when the text has no time's shape.
fn parse_time(text: &str) -> Result<Option<NaiveTime>, DateError> {
    let mut t = text.trim();
    for zone in ["UTC", "Z", "+00:00", "+0000"] {
        if let Some(rest) = t.strip_suffix(zone) {
            t = rest.trim_end();
            break;
        }
    }
    let mut pm = None;
    for (suffix, is_pm) in [("AM", false), ("PM", true), ("am", false), ("pm", true)] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.trim_end();
            pm = Some(is_pm);
            break;
        }
    }
    let mut parts = t.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let s = parts.next();
    if parts.next().is_some() {
        return Ok(None);
    }
    let (Some(mut hour), Some(minute)) = (small_number(h), small_number(m)) else {
        return Ok(None);
    };
    if m.len() != 2 {
        return Ok(None);
    }
    let seconds: f64 = match s {
        None => 0.0,
        Some(s) => match s.parse::<f64>() {
            Ok(v) if s.len() >= 2 && v >= 0.0 => v,
            _ => return Ok(None),
        },
    };
    if let Some(is_pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(DateError::NoSuchTime(text.trim().to_string()));
        }
        hour = hour % 12 + if is_pm { 12 } else { 0 };
    }
    let total = hour as i64 * 3600 + minute as i64 * 60 + seconds.round() as i64;
    if hour > 23 || minute > 59 || seconds >= 60.5 || total >= 86_400 {
        return Err(DateError::NoSuchTime(text.trim().to_string()));
    }
    Ok(NaiveTime::from_num_seconds_from_midnight_opt(
        total as u32,
        0,
    ))
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

/// The hour of day (0-23) of a datetime.
pub fn hour_of_day(at: NaiveDateTime) -> u32 {
    at.hour()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dt(y: i32, m: u32, day: u32, h: u32, min: u32, s: u32) -> ParsedDateTime {
        ParsedDateTime {
            at: d(y, m, day).and_hms_opt(h, min, s).unwrap(),
            has_time: true,
        }
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
    fn datetimes_in_every_released_form() {
        let p = |t: &str| parse_text_datetime(t).expect(t).expect(t);
        assert_eq!(p("2/19/2025 6:10"), dt(2025, 2, 19, 6, 10, 0));
        assert_eq!(p("02/19/2025 18:10:59"), dt(2025, 2, 19, 18, 10, 59));
        assert_eq!(p("2/19/2025 6:10 PM"), dt(2025, 2, 19, 18, 10, 0));
        assert_eq!(p("2/19/2025 12:05 AM"), dt(2025, 2, 19, 0, 5, 0));
        assert_eq!(p("2023-09-01 07:56:00 UTC"), dt(2023, 9, 1, 7, 56, 0));
        assert_eq!(p("2023-09-01T07:56:00Z"), dt(2023, 9, 1, 7, 56, 0));
        assert_eq!(p("2023-09-01T07:56:00.6"), dt(2023, 9, 1, 7, 56, 1));
        assert_eq!(p("2023-09-01 07:56"), dt(2023, 9, 1, 7, 56, 0));
        // 45707.2569444 days: 2025-02-19 and 0.2569444 of a day = 06:10:00 (rounded).
        assert_eq!(p("45707.2569444"), dt(2025, 2, 19, 6, 10, 0));
        assert!(!p("2/19/2025").has_time);
        assert!(!p("45707").has_time);
        assert_eq!(
            parse_text_datetime("2/19/2025 25:10"),
            Err(DateError::NoSuchTime("25:10".into()))
        );
        assert!(matches!(
            parse_text_datetime("2/19/2025 soon"),
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
        assert_eq!(excel_serial_to_date(0.0), Err(DateError::ExcelSerialZero));
        assert_eq!(parse_text_date("0"), Err(DateError::ExcelSerialZero));
        assert!(excel_serial_to_date(-3.0).is_err());
        // 23:59:59.6 rounds into the next day.
        let late = excel_serial_to_datetime(43_466.0 + 86_399.6 / 86_400.0).unwrap();
        assert_eq!(late.at, d(2019, 1, 2).and_hms_opt(0, 0, 0).unwrap());
        assert_eq!(
            excel_serial_to_datetime(45_707.257).unwrap().at,
            d(2025, 2, 19).and_hms_opt(6, 10, 5).unwrap()
        );
    }

    #[test]
    fn epoch_round_trips() {
        assert_eq!(to_epoch_days(d(1970, 1, 1)), 0);
        assert_eq!(to_epoch_days(d(2019, 10, 1)), 18_170);
        assert_eq!(from_epoch_days(18_170), d(2019, 10, 1));
        let at = d(2025, 2, 19).and_hms_opt(6, 10, 0).unwrap();
        assert_eq!(from_epoch_seconds(to_epoch_seconds(at)), at);
        assert_eq!(
            to_epoch_seconds(d(1970, 1, 2).and_hms_opt(0, 0, 1).unwrap()),
            86_401
        );
    }
}
