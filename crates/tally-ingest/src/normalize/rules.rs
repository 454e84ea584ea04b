//! What one source cell of a canonical field becomes: the normalization rules of the
//! module documentation (see [`super`]), applied once per distinct text by the memo.

use super::column::number_bits;
use super::dictionary::ValueDictionary;
use super::memo::CellOutcome;
use super::{EVENT_DATE_RANGE, OTHER_DATE_RANGE};
use crate::cell::CellValue;
use chrono::NaiveDateTime;
use tally_model::date::{
    DateError, ParsedDateTime, check_plausible, excel_serial_to_datetime, parse_text_datetime,
    to_epoch_days, to_epoch_seconds,
};
use tally_model::field::{Spelling, spelling_key};
use tally_model::withheld::exemption_codes;
use tally_model::{FieldType, MissingValues};

/// What the rules need besides the cell: the field's type, whether it dates the row, the
/// field's dictionary (text and flags), the sheet's dictionary of exemption codes, the
/// reasons that reject rows, and the missing-value placeholders.
pub(super) struct CellRules<'a> {
    pub(super) field_type: FieldType,
    pub(super) event_date: bool,
    pub(super) values: &'a mut ValueDictionary,
    pub(super) codes: &'a mut ValueDictionary,
    pub(super) reasons: &'a mut Vec<String>,
    pub(super) missing: &'a MissingValues,
    /// Released spellings of the field's values ([`tally_model::field::Spelling`]).
    pub(super) spellings: &'a [Spelling],
    /// `Mon-YY` text reads as the month's first day ([`tally_model::FieldDef::month_year_text`]).
    pub(super) month_year: bool,
}

impl CellRules<'_> {
    /// What a text cell becomes.
    pub(super) fn text(&mut self, text: &str) -> CellOutcome {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return CellOutcome::Blank;
        }
        if self.missing.is_missing(trimmed) {
            return CellOutcome::Missing;
        }
        if let Some(c) = exemption_codes(text) {
            return CellOutcome::Withheld(self.codes.key(&c));
        }
        match self.field_type {
            FieldType::Text if !self.spellings.is_empty() => {
                let key = spelling_key(trimmed);
                match self
                    .spellings
                    .iter()
                    .position(|s| spelling_key(&s.raw) == key)
                {
                    Some(at) => CellOutcome::Respelled(
                        self.values.key(&self.spellings[at].value),
                        at as u32,
                    ),
                    None => CellOutcome::Text(self.values.key(trimmed)),
                }
            }
            FieldType::Text | FieldType::Identifier => CellOutcome::Text(self.values.key(trimmed)),
            FieldType::Flag => match flag(trimmed) {
                Some(yes) => CellOutcome::Text(self.values.key(yes)),
                None => CellOutcome::Unparsed,
            },
            FieldType::Integer => {
                integer(trimmed).map_or(CellOutcome::Unparsed, CellOutcome::Integer)
            }
            FieldType::Number => number(trimmed).map_or(CellOutcome::Unparsed, |n| {
                CellOutcome::Number(number_bits(n))
            }),
            FieldType::Date if self.month_year && month_year(trimmed).is_some() => {
                let at = month_year(trimmed).map(|d| d.and_time(chrono::NaiveTime::MIN));
                self.dated(Ok(at.map(|at| ParsedDateTime {
                    at,
                    has_time: false,
                })))
            }
            FieldType::Date | FieldType::Datetime => self.dated(parse_text_datetime(text)),
        }
    }

    /// What a typed workbook cell (number, Excel date or datetime, error) becomes.
    pub(super) fn typed(&mut self, cell: &CellValue<'_>) -> CellOutcome {
        if let CellValue::Error(e) = cell {
            return self.unreadable(format!("spreadsheet error cell {e}"));
        }
        match self.field_type {
            FieldType::Text | FieldType::Identifier => {
                let text = cell.to_text();
                if text.trim().is_empty() {
                    CellOutcome::Blank
                } else {
                    CellOutcome::Text(self.values.key(text.trim()))
                }
            }
            FieldType::Flag => match cell {
                CellValue::Number(n) if *n == 1.0 => CellOutcome::Text(self.values.key("YES")),
                CellValue::Number(n) if *n == 0.0 => CellOutcome::Text(self.values.key("NO")),
                _ => CellOutcome::Unparsed,
            },
            FieldType::Integer => match cell {
                CellValue::Number(n) => {
                    whole(*n).map_or(CellOutcome::Unparsed, CellOutcome::Integer)
                }
                _ => CellOutcome::Unparsed,
            },
            FieldType::Number => match cell {
                CellValue::Number(n) if n.is_finite() => CellOutcome::Number(number_bits(*n)),
                _ => CellOutcome::Unparsed,
            },
            FieldType::Date | FieldType::Datetime => match cell {
                CellValue::Date(d) => self.dated(Ok(Some(ParsedDateTime {
                    at: d.and_time(chrono::NaiveTime::MIN),
                    has_time: false,
                }))),
                CellValue::DateTime(at) => self.dated(Ok(Some(ParsedDateTime {
                    at: *at,
                    has_time: true,
                }))),
                CellValue::Number(n) => self.dated(excel_serial_to_datetime(*n).map(Some)),
                _ => CellOutcome::Blank,
            },
        }
    }

    fn dated(&mut self, parsed: Result<Option<ParsedDateTime>, DateError>) -> CellOutcome {
        let range = if self.event_date {
            EVENT_DATE_RANGE
        } else {
            OTHER_DATE_RANGE
        };
        match parsed {
            Ok(Some(p)) => match check_plausible(p.at.date(), range.0, range.1) {
                Ok(_) => self.stored(p.at, p.has_time),
                Err(e) => self.unreadable(e.to_string()),
            },
            Ok(None) => self.unreadable("empty".into()),
            Err(e) => self.unreadable(e.to_string()),
        }
    }

    /// A date field keeps the day; a datetime field the moment and whether it had a time.
    fn stored(&self, at: NaiveDateTime, has_time: bool) -> CellOutcome {
        match self.field_type {
            FieldType::Datetime => CellOutcome::DateTime(to_epoch_seconds(at), has_time),
            _ => CellOutcome::Date(to_epoch_days(at.date())),
        }
    }

    /// An unreadable cell rejects its row when it is the event date, else is kept as text.
    fn unreadable(&mut self, reason: String) -> CellOutcome {
        if self.event_date {
            self.reasons.push(reason);
            CellOutcome::Reject((self.reasons.len() - 1) as u32)
        } else {
            CellOutcome::Unparsed
        }
    }
}

/// `YES` or `NO` for the spellings of a yes/no flag, `None` for anything else.
pub(super) fn flag(text: &str) -> Option<&'static str> {
    match text.to_ascii_uppercase().as_str() {
        "YES" | "Y" | "TRUE" | "T" | "1" => Some("YES"),
        "NO" | "N" | "FALSE" | "F" | "0" => Some("NO"),
        _ => None,
    }
}

/// A whole number written as text: `1994`, `1994.0` (DDP writes R doubles so), `1,500`,
/// `$1,500.00`, `-3`.
pub(super) fn integer(text: &str) -> Option<i64> {
    let t = text.strip_prefix('$').unwrap_or(text);
    let digits: String = t.chars().filter(|c| *c != ',').collect();
    if digits.is_empty()
        || !digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return None;
    }
    digits.parse::<f64>().ok().and_then(whole)
}

/// The first day of a month written `Mon-YY` (`Sep-14` -> 2014-09-01; years 00-69 are
/// 20xx, 70-99 19xx).
pub(super) fn month_year(text: &str) -> Option<chrono::NaiveDate> {
    let (month, year) = text.split_once('-')?;
    if month.len() != 3 || year.len() != 2 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = months.iter().position(|x| x.eq_ignore_ascii_case(month))? as u32 + 1;
    let yy: i32 = year.parse().ok()?;
    chrono::NaiveDate::from_ymd_opt(if yy < 70 { 2000 + yy } else { 1900 + yy }, m, 1)
}

/// A finite number written plainly or with thousands separators (`4154.19`, `18,542,235`,
/// `1e3`).
pub(super) fn number(text: &str) -> Option<f64> {
    let plain: String = text.chars().filter(|c| *c != ',').collect();
    plain.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn whole(n: f64) -> Option<i64> {
    (n.is_finite() && n.fract() == 0.0 && n.abs() < 9.0e15).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_written_mon_yy() {
        let d = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 1);
        assert_eq!(month_year("Sep-14"), d(2014, 9));
        assert_eq!(month_year("dec-13"), d(2013, 12));
        assert_eq!(month_year("Jul-98"), d(1998, 7));
        assert_eq!(month_year("Sept-14"), None);
        assert_eq!(month_year("14-Sep"), None);
        assert_eq!(month_year("Sep-2014"), None);
    }

    #[test]
    fn flags_and_integers_in_released_spellings() {
        assert_eq!(flag("YES"), Some("YES"));
        assert_eq!(flag("n"), Some("NO"));
        assert_eq!(flag("False"), Some("NO"));
        assert_eq!(flag("maybe"), None);
        assert_eq!(integer("1994.0"), Some(1994));
        assert_eq!(integer("$1,500.00"), Some(1500));
        assert_eq!(integer("-3"), Some(-3));
        assert_eq!(integer("12.5"), None);
        assert_eq!(integer("1e3"), None);
        assert_eq!(integer("abc"), None);
    }
}
