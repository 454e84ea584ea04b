//! Stata datasets (`.dta`, every release from 102 to 119), read with the pure-Rust `dta`
//! crate into one record sheet: the variable names are the header, each observation a
//! row (its 1-based observation number is the row reported), Stata's missing values
//! (`.`, `.a`-`.z`) blank cells, long strings (`strL`) resolved.
//!
//! Two shapes that researchers' county files use are turned into what the tables hold,
//! each said in the release notes:
//!
//! - **FIPS codes stored as numbers** (a variable whose name ends in `fips`): written as
//!   zero-padded text, five digits for a county code (`countyfips` 1001 is `01001`), two
//!   for a state code (`statefips` 1 is `01`). A county code is a state code times 1,000
//!   plus the county's own three digits (Census FIPS, ANSI INCITS 31), so the padding
//!   restores the code the number lost.
//! - **A month and a year in two variables** (`<stem>_month` and `<stem>_year`, such as
//!   `activation_month` and `activation_year`): one date `<stem>_date`, the first day of
//!   the month. The day is not given; the first day stands for the month, and the notes
//!   say so. A row missing either part, or with a month outside 1-12, gets no date
//!   (counted in a note).
//!
//! The notes also keep the dataset's label and each variable's label (Secure
//! Communities' `l` is labelled "Lugar").

use crate::error::IngestError;
use crate::records::RecordSheet;
use crate::source::ReleaseFile;
use dta::stata::dta::dta_reader::DtaReader;
use dta::stata::dta::long_string_table::LongStringTable;
use dta::stata::dta::value::Value;
use std::io::Cursor;

/// A cell of an observation before long strings are resolved.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Missing,
    Number(f64),
    Text(String),
    LongString(dta::stata::dta::long_string_ref::LongStringRef),
}

fn cell(value: &Value<'_>) -> Cell {
    let number = |n: Option<f64>| n.map_or(Cell::Missing, Cell::Number);
    match value {
        Value::Byte(v) => number(v.present().map(f64::from)),
        Value::Int(v) => number(v.present().map(f64::from)),
        Value::Long(v) => number(v.present().map(f64::from)),
        Value::Float(v) => number(v.present().map(f64::from)),
        Value::Double(v) => number(v.present()),
        Value::String(s) => Cell::Text(s.to_string()),
        Value::LongStringRef(r) => Cell::LongString(*r),
    }
}

/// A number as text: whole numbers without a fraction (`1001`, not `1001.0`).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// The width a FIPS variable's codes are padded to: 5 for county codes, 2 for state codes.
fn fips_width(name: &str) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    if !lower.ends_with("fips") {
        return None;
    }
    if lower.contains("county") || lower.contains("cnty") {
        Some(5)
    } else if lower.contains("state") || lower.starts_with("st") {
        Some(2)
    } else {
        None
    }
}

/// Reads a Stata dataset into one record sheet.
///
/// # Errors
/// [`IngestError::Corrupt`] naming the file when the `dta` crate cannot read it (a
/// damaged or truncated file: fewer observations than its header declares, a cut
/// section), and [`IngestError::NoData`] for a dataset without observations.
pub fn read_stata(file: &ReleaseFile) -> Result<Vec<RecordSheet>, IngestError> {
    let content = file.whole_content()?;
    let corrupt = |e: &dyn std::fmt::Display| IngestError::Corrupt {
        at: file.location(),
        format: "Stata dataset",
        detail: e.to_string(),
    };
    let schema_reader = DtaReader::new()
        .from_reader(Cursor::new(content.as_ref()))
        .read_header()
        .map_err(|e| corrupt(&e))?;
    let header = schema_reader.header().clone();
    let mut characteristics = schema_reader.read_schema().map_err(|e| corrupt(&e))?;
    let schema = characteristics.schema().clone();
    characteristics.skip_to_end().map_err(|e| corrupt(&e))?;
    let mut records = characteristics
        .into_record_reader()
        .map_err(|e| corrupt(&e))?;
    let mut observations: Vec<Vec<Cell>> = Vec::new();
    while let Some(record) = records.read_record().map_err(|e| corrupt(&e))? {
        observations.push(record.values().iter().map(cell).collect());
    }
    let declared = header.observation_count();
    if observations.len() as u64 != declared {
        return Err(corrupt(&format!(
            "the header declares {declared} observations but {} could be read",
            observations.len()
        )));
    }
    let has_long_strings = observations
        .iter()
        .any(|o| o.iter().any(|c| matches!(c, Cell::LongString(_))));
    let mut long_strings = LongStringTable::for_reading();
    if has_long_strings {
        let mut reader = records.into_long_string_reader().map_err(|e| corrupt(&e))?;
        reader
            .read_remaining_into(&mut long_strings)
            .map_err(|e| corrupt(&e))?;
    }
    if observations.is_empty() {
        return Err(IngestError::NoData {
            at: file.location(),
            detail: "the Stata dataset has no observations".into(),
        });
    }
    let names: Vec<String> = schema
        .variables()
        .iter()
        .map(|v| v.name().to_string())
        .collect();
    let mut notes = vec![format!(
        "Stata dataset, release {} ({} observations, {} variables){}",
        header.release(),
        declared,
        names.len(),
        if header.dataset_label().trim().is_empty() {
            String::new()
        } else {
            format!(", labelled {:?}", header.dataset_label().trim())
        }
    )];
    let labels: Vec<String> = schema
        .variables()
        .iter()
        .filter(|v| !v.label().trim().is_empty())
        .map(|v| format!("{} = {:?}", v.name(), v.label().trim()))
        .collect();
    if !labels.is_empty() {
        notes.push(format!("variable labels: {}", labels.join("; ")));
    }

    // Text of every cell, by variable.
    let text_of = |c: &Cell| -> String {
        match c {
            Cell::Missing => String::new(),
            Cell::Number(n) => number_text(*n),
            Cell::Text(t) => t.clone(),
            Cell::LongString(r) => long_strings
                .get(r)
                .map(|s| String::from_utf8_lossy(s.content().data()).into_owned())
                .unwrap_or_default(),
        }
    };
    let mut columns: Vec<(String, Vec<String>)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let width = fips_width(name).filter(|_| {
                observations
                    .iter()
                    .all(|o| matches!(o.get(i), Some(Cell::Number(_) | Cell::Missing) | None))
            });
            let values = observations
                .iter()
                .map(|o| {
                    let c = o.get(i).unwrap_or(&Cell::Missing);
                    match (width, c) {
                        (Some(w), Cell::Number(n)) if n.fract() == 0.0 && *n >= 0.0 => {
                            format!("{:0w$}", *n as i64)
                        }
                        _ => text_of(c),
                    }
                })
                .collect();
            if let Some(w) = width {
                let example = if w == 5 { 1001 } else { 1 };
                notes.push(format!(
                    "{name}: FIPS codes stored as numbers, written as {w}-digit zero-padded text ({example} is {example:0w$})"
                ));
            }
            (name.clone(), values)
        })
        .collect();
    month_year_dates(&mut columns, &mut notes);

    let header_names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    let name = if header.dataset_label().trim().is_empty() {
        "observations".to_string()
    } else {
        header.dataset_label().trim().to_string()
    };
    let mut sheet = RecordSheet::with_header(&name, &header_names);
    sheet.notes = notes;
    for i in 0..observations.len() {
        sheet.push_text(
            i as u64 + 1,
            columns
                .iter()
                .map(|(_, values)| values[i].clone())
                .collect(),
        );
    }
    Ok(vec![sheet])
}

/// Joins each `<stem>_month` / `<stem>_year` pair of columns into `<stem>_date`, the
/// month's first day (`YYYY-MM-01`), in the year column's place.
fn month_year_dates(columns: &mut Vec<(String, Vec<String>)>, notes: &mut Vec<String>) {
    let stems: Vec<String> = columns
        .iter()
        .filter_map(|(n, _)| n.strip_suffix("_month").map(str::to_string))
        .filter(|stem| columns.iter().any(|(n, _)| *n == format!("{stem}_year")))
        .collect();
    for stem in stems {
        let (Some(m), Some(y)) = (
            columns
                .iter()
                .position(|(n, _)| *n == format!("{stem}_month")),
            columns
                .iter()
                .position(|(n, _)| *n == format!("{stem}_year")),
        ) else {
            continue;
        };
        let mut dated = 0;
        let mut undated = 0;
        let mut unreadable: Vec<String> = Vec::new();
        let dates: Vec<String> = columns[m]
            .1
            .iter()
            .zip(&columns[y].1)
            .map(|(month, year)| {
                if month.is_empty() || year.is_empty() {
                    undated += 1;
                    return String::new();
                }
                let date = month
                    .parse::<u32>()
                    .ok()
                    .zip(year.parse::<i32>().ok())
                    .and_then(|(mo, yr)| chrono::NaiveDate::from_ymd_opt(yr, mo, 1));
                match date {
                    Some(d) => {
                        dated += 1;
                        d.format("%Y-%m-%d").to_string()
                    }
                    None => {
                        if unreadable.len() < 5 {
                            unreadable.push(format!("{month}/{year}"));
                        }
                        undated += 1;
                        String::new()
                    }
                }
            })
            .collect();
        notes.push(format!(
            "{stem}_month and {stem}_year give a month, not a day: {stem}_date is the first day of that month (the day is not given) for {dated} rows; {undated} rows have no date (a part missing{})",
            if unreadable.is_empty() {
                String::new()
            } else {
                format!(" or no such month: {}", unreadable.join(", "))
            }
        ));
        let name = format!("{stem}_date");
        let (first, second) = if m < y { (m, y) } else { (y, m) };
        columns[first] = (name, dates);
        columns.remove(second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_widths_by_name() {
        assert_eq!(fips_width("countyfips"), Some(5));
        assert_eq!(fips_width("statefips"), Some(2));
        assert_eq!(fips_width("stfips"), Some(2));
        assert_eq!(fips_width("fipscode"), None);
        assert_eq!(fips_width("countyname"), None);
    }

    #[test]
    fn month_and_year_become_the_first_of_the_month() {
        let mut columns = vec![
            (
                "county".to_string(),
                vec!["A".into(), "B".into(), "C".into()],
            ),
            (
                "activation_month".to_string(),
                vec!["4".into(), "".into(), "13".into()],
            ),
            (
                "activation_year".to_string(),
                vec!["2011".into(), "2012".into(), "2010".into()],
            ),
        ];
        let mut notes = Vec::new();
        month_year_dates(&mut columns, &mut notes);
        assert_eq!(columns.len(), 2);
        assert_eq!(columns[1].0, "activation_date");
        assert_eq!(columns[1].1, ["2011-04-01", "", ""]);
        assert!(notes[0].contains("the day is not given"), "{notes:?}");
        assert!(notes[0].contains("2 rows have no date"), "{notes:?}");
        assert!(notes[0].contains("13/2010"), "{notes:?}");
    }

    #[test]
    fn numbers_as_text() {
        assert_eq!(number_text(1001.0), "1001");
        assert_eq!(number_text(2.5), "2.5");
    }
}
