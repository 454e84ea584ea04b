//! A cell as read from any source format, before normalization.

use chrono::{NaiveDate, NaiveDateTime};
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
    /// A cell Excel itself typed as a date (no time of day).
    Date(NaiveDate),
    /// A cell Excel typed as a date with a time of day (rounded to the second).
    DateTime(NaiveDateTime),
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
            CellValue::DateTime(d) => CellValue::DateTime(d),
            CellValue::Error(e) => CellValue::Error(e),
        }
    }

    /// The cell as display text (numbers without a trailing `.0`, dates as YYYY-MM-DD,
    /// datetimes as YYYY-MM-DD HH:MM:SS).
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            CellValue::Empty => Cow::Borrowed(""),
            CellValue::Text(t) => Cow::Borrowed(t.as_ref()),
            CellValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                Cow::Owned(format!("{}", *n as i64))
            }
            CellValue::Number(n) => Cow::Owned(n.to_string()),
            CellValue::Date(d) => Cow::Owned(d.to_string()),
            CellValue::DateTime(d) => Cow::Owned(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            CellValue::Error(e) => Cow::Owned(e.clone()),
        }
    }
}

/// A text cell's bytes as text: UTF-8 when valid, else read as Latin-1 (Windows exports).
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| b as char).collect()),
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

/// The cells of one source row, read by position without building them all: the
/// normalizer's fast path reads a text cell's bytes exactly as written, and only builds a
/// [`CellValue`] for typed cells, cells that need decoding, and rows it rejects.
pub trait RowCells {
    /// Number of cells in the row.
    fn width(&self) -> usize;

    /// The cell's text exactly as written when it needs no decoding (UTF-8, or Latin-1
    /// that [`RowCells::cell`] decodes); `None` for typed cells (numbers, dates, errors)
    /// and text that must be unescaped first. An empty cell is `Some(b"")`.
    fn raw_text(&self, i: usize) -> Option<&[u8]>;

    /// Cell `i` as a value (`Empty` past the last cell).
    fn cell(&self, i: usize) -> CellValue<'_>;

    /// True for an empty cell or text that is only whitespace (as `str::trim` counts it).
    fn is_blank(&self, i: usize) -> bool {
        match self.raw_text(i) {
            Some(bytes) => match bytes.iter().find(|b| !is_ascii_white_space(**b)) {
                None => true,
                Some(b) if b.is_ascii() => false,
                // Possibly Unicode white space (no-break space, ...): decode to tell.
                Some(_) => self.cell(i).is_blank(),
            },
            None => self.cell(i).is_blank(),
        }
    }

    /// All the cells, built (for rejected rows and previews).
    fn to_cells(&self) -> Vec<CellValue<'_>> {
        (0..self.width()).map(|i| self.cell(i)).collect()
    }
}

/// The ASCII characters `char::is_whitespace` accepts (it also accepts `\x0B`, which
/// `u8::is_ascii_whitespace` does not).
fn is_ascii_white_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

impl RowCells for [CellValue<'_>] {
    fn width(&self) -> usize {
        self.len()
    }

    fn raw_text(&self, i: usize) -> Option<&[u8]> {
        match self.get(i) {
            Some(CellValue::Text(t)) => Some(t.as_bytes()),
            Some(CellValue::Empty) | None => Some(b""),
            Some(_) => None,
        }
    }

    fn cell(&self, i: usize) -> CellValue<'_> {
        match self.get(i) {
            Some(CellValue::Text(t)) => CellValue::Text(Cow::Borrowed(t.as_ref())),
            Some(CellValue::Empty) | None => CellValue::Empty,
            Some(CellValue::Number(n)) => CellValue::Number(*n),
            Some(CellValue::Date(d)) => CellValue::Date(*d),
            Some(CellValue::DateTime(d)) => CellValue::DateTime(*d),
            Some(CellValue::Error(e)) => CellValue::Error(e.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_cells_as_str_trim_counts_them() {
        let row = [
            CellValue::Empty,
            CellValue::Text(" \t\x0B".into()),
            CellValue::Text("\u{a0}".into()),
            CellValue::Text(" x ".into()),
            CellValue::Number(0.0),
        ];
        let blank: Vec<bool> = (0..row.len()).map(|i| row.is_blank(i)).collect();
        assert_eq!(blank, [true, true, true, false, false]);
        assert_eq!(row.raw_text(3), Some(&b" x "[..]));
        assert_eq!(row.raw_text(4), None);
        assert_eq!(row.raw_text(9), Some(&b""[..]));
        assert_eq!(row.to_cells(), row.to_vec());
    }
}
