//! What one source cell of a canonical field becomes: the normalization rules of the
//! module documentation (see [`super`]), applied once per distinct text by the memo.

use super::dictionary::ValueDictionary;
use super::memo::CellOutcome;
use super::{EVENT_DATE_RANGE, OTHER_DATE_RANGE};
use crate::cell::CellValue;
use chrono::NaiveDate;
use tally_model::date::{
    DateError, check_plausible, excel_serial_to_date, parse_text_date, to_epoch_days,
};
use tally_model::withheld::exemption_codes;
use tally_model::{Field, FieldType};

/// What a text cell of `field` becomes (see the module rules).
pub(super) fn text_outcome(
    field: Field,
    event_date: bool,
    text: &str,
    values: &mut ValueDictionary,
    codes: &mut ValueDictionary,
    reasons: &mut Vec<String>,
) -> CellOutcome {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return CellOutcome::Blank;
    }
    if let Some(c) = exemption_codes(text) {
        return CellOutcome::Withheld(codes.key(&c));
    }
    match field.field_type() {
        FieldType::Text => CellOutcome::Text(values.key(trimmed)),
        FieldType::Date => date_outcome(parse_text_date(text), event_date, reasons),
    }
}

/// What a typed workbook cell (number, Excel date, error) of `field` becomes.
pub(super) fn typed_outcome(
    field: Field,
    event_date: bool,
    cell: &CellValue<'_>,
    values: &mut ValueDictionary,
    reasons: &mut Vec<String>,
) -> CellOutcome {
    if let CellValue::Error(e) = cell {
        return unreadable(event_date, format!("spreadsheet error cell {e}"), reasons);
    }
    match field.field_type() {
        FieldType::Text => {
            let text = cell.to_text();
            if text.trim().is_empty() {
                CellOutcome::Blank
            } else {
                CellOutcome::Text(values.key(text.trim()))
            }
        }
        FieldType::Date => match cell {
            CellValue::Date(d) => date_outcome(Ok(Some(*d)), event_date, reasons),
            CellValue::Number(n) => {
                date_outcome(excel_serial_to_date(*n).map(Some), event_date, reasons)
            }
            _ => CellOutcome::Blank,
        },
    }
}

fn date_outcome(
    parsed: Result<Option<NaiveDate>, DateError>,
    event_date: bool,
    reasons: &mut Vec<String>,
) -> CellOutcome {
    let range = if event_date {
        EVENT_DATE_RANGE
    } else {
        OTHER_DATE_RANGE
    };
    match parsed {
        Ok(Some(d)) => match check_plausible(d, range.0, range.1) {
            Ok(d) => CellOutcome::Date(to_epoch_days(d)),
            Err(e) => unreadable(event_date, e.to_string(), reasons),
        },
        Ok(None) => unreadable(event_date, "empty".into(), reasons),
        Err(e) => unreadable(event_date, e.to_string(), reasons),
    }
}

/// An unreadable cell rejects its row when it is the event date, else is kept as text.
fn unreadable(event_date: bool, reason: String, reasons: &mut Vec<String>) -> CellOutcome {
    if event_date {
        reasons.push(reason);
        CellOutcome::Reject((reasons.len() - 1) as u32)
    } else {
        CellOutcome::Unparsed
    }
}
