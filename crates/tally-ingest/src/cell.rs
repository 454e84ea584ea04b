//! A cell as read from any source format, before normalization.

use chrono::NaiveDate;
use std::borrow::Cow;

/// One source cell. Text cells borrow from the reader where they can.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue<'a> {
    /// A cell with nothing in it.
    Empty,
    /// Text as written.
    Text(Cow<'a, str>),
    /// A number cell (xlsx/xls); in a date column it is an Excel serial day.
    Number(f64),
    /// A cell Excel itself typed as a date.
    Date(NaiveDate),
    /// A spreadsheet error cell such as `#N/A` or `#REF!`.
    Error(String),
}

impl CellValue<'_> {
    /// True for empty cells and text that is only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The same cell owning its text, for rows kept past the reader's buffer.
    pub fn into_static(self) -> CellValue<'static> {
        match self {
            CellValue::Text(t) => CellValue::Text(Cow::Owned(t.into_owned())),
            CellValue::Empty => CellValue::Empty,
            CellValue::Number(n) => CellValue::Number(n),
            CellValue::Date(d) => CellValue::Date(d),
            CellValue::Error(e) => CellValue::Error(e),
        }
    }

    /// The cell as display text (numbers without a trailing `.0`, dates as YYYY-MM-DD).
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            CellValue::Empty => Cow::Borrowed(""),
            CellValue::Text(t) => Cow::Borrowed(t.as_ref()),
            CellValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                Cow::Owned(format!("{}", *n as i64))
            }
            CellValue::Number(n) => Cow::Owned(n.to_string()),
            CellValue::Date(d) => Cow::Owned(d.to_string()),
            CellValue::Error(e) => Cow::Owned(e.clone()),
        }
    }
}

/// Text of a row's cells joined by ` | `, trailing blanks dropped (for reject records).
pub fn row_text(cells: &[CellValue<'_>]) -> String {
    let last = cells
        .iter()
        .rposition(|c| !c.is_blank())
        .map(|p| p + 1)
        .unwrap_or(0);
    cells[..last]
        .iter()
        .map(|c| c.to_text().into_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}
