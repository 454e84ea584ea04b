//! Layout detection: the header row (found by its known column names, not a fixed
//! offset), the banner above it, and which table a sheet holds.

use crate::cell::CellValue;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tally_model::{
    AorCrosswalk, ColumnCrosswalk, Field, TableKind, date::parse_text_date, text::lookup_key,
};

/// Rows scanned from the top of a sheet when looking for its header.
pub const HEADER_SCAN_ROWS: usize = 100;

/// A row read for layout detection: its 1-based source row (or line) and cells.
pub type PreviewRow = (u64, Vec<CellValue<'static>>);

/// What a release column becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    /// A canonical field (via the column crosswalk).
    Field(Field),
    /// A column Tally does not know: kept under its header in `extra_columns`.
    Extra(String),
    /// A column with a blank header; non-blank values are kept as extras named `column N`.
    Unnamed(usize),
}

/// The banner rows ICE puts above a table, and what they state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Banner {
    /// Non-blank banner lines, top to bottom.
    pub lines: Vec<String>,
    /// The last banner line: the table title ("ERO Administrative Arrests for FY2016").
    pub title: Option<String>,
    /// A FOIA request number such as `2019-ICFO-53623`, when a line states one.
    pub foia_number: Option<String>,
    /// Coverage period stated in the title, e.g. "(10/1/2018 - 8/31/2019)".
    pub coverage: Option<(NaiveDate, NaiveDate)>,
    /// The AOR named in the title ("... for the Seattle Area of Responsibility").
    pub aor_name: Option<String>,
}

/// Finds the header row among `rows`: the first row with the most cells that the column
/// crosswalk knows, needing at least two. Returns its index in `rows`.
pub fn find_header(rows: &[PreviewRow], crosswalk: &ColumnCrosswalk) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in rows.iter().enumerate().take(HEADER_SCAN_ROWS) {
        let known = cells
            .iter()
            .filter(|c| matches!(c, CellValue::Text(t) if crosswalk.field_for(t).is_some()))
            .count();
        if known >= 2 && best.is_none_or(|(_, n)| known > n) {
            best = Some((i, known));
        }
    }
    best.map(|(i, _)| i)
}

/// Assigns each header cell its role. A field claimed twice keeps the first column; later
/// ones become extras under their own header, so no value is lost.
pub fn column_roles(header: &[CellValue<'_>], crosswalk: &ColumnCrosswalk) -> Vec<ColumnRole> {
    let mut claimed: Vec<Field> = Vec::new();
    let mut extras: Vec<String> = Vec::new();
    header
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let text = cell.to_text().trim().to_string();
            if text.is_empty() {
                return ColumnRole::Unnamed(i + 1);
            }
            match crosswalk.field_for(&text) {
                Some(f) if !claimed.contains(&f) => {
                    claimed.push(f);
                    ColumnRole::Field(f)
                }
                _ => {
                    let mut name = text.clone();
                    let mut n = 2;
                    while extras.contains(&name) {
                        name = format!("{text} ({n})");
                        n += 1;
                    }
                    extras.push(name.clone());
                    ColumnRole::Extra(name)
                }
            }
        })
        .collect()
}

/// Reads the banner lines above the header.
pub fn read_banner(rows: &[PreviewRow], aors: &AorCrosswalk) -> Banner {
    let lines: Vec<String> = rows
        .iter()
        .filter_map(|(_, cells)| {
            cells
                .iter()
                .find(|c| !c.is_blank())
                .map(|c| c.to_text().trim().to_string())
        })
        .collect();
    let title = lines.last().cloned();
    let foia_number = lines.iter().find_map(|l| foia_number(l));
    let coverage = title.as_deref().and_then(stated_coverage);
    let aor_name = title.as_deref().and_then(|t| title_aor(t, aors));
    Banner {
        lines,
        title,
        foia_number,
        coverage,
        aor_name,
    }
}

/// A FOIA request number (`2019-ICFO-53623`, `2025-ICLI-00019`) in a line of text.
pub fn foia_number(line: &str) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || c == '_' || c == ',')
        .find_map(|token| {
            let parts: Vec<&str> = token.split('-').collect();
            let ok = parts.len() == 3
                && parts[0].len() == 4
                && parts[0].bytes().all(|b| b.is_ascii_digit())
                && parts[1].len() == 4
                && parts[1].bytes().all(|b| b.is_ascii_alphabetic())
                && !parts[2].is_empty()
                && parts[2].bytes().all(|b| b.is_ascii_digit());
            ok.then(|| token.to_string())
        })
}

/// The coverage period in a title: the first parenthesized `date - date` pair.
pub fn stated_coverage(title: &str) -> Option<(NaiveDate, NaiveDate)> {
    let mut rest = title;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let close = after.find(')')?;
        let inside = &after[..close];
        if let Some((a, b)) = inside.split_once(" - ").or_else(|| inside.split_once('-'))
            && let (Ok(Some(first)), Ok(Some(last))) = (parse_text_date(a), parse_text_date(b))
        {
            return Some((first, last));
        }
        rest = &after[close..];
    }
    None
}

/// The AOR named in a title ("... for the Seattle Area of Responsibility"), as written,
/// when the crosswalk knows it.
pub fn title_aor(title: &str, aors: &AorCrosswalk) -> Option<String> {
    let lower = title.to_ascii_lowercase();
    let end = lower.find("area of responsibility")? + "area of responsibility".len();
    let start = lower[..end].rfind(" for ").map(|p| p + 5).unwrap_or(0);
    let candidate = title[start..end].trim();
    aors.code_for(candidate)
        .map(|_| candidate.trim_start_matches("the ").to_string())
}

/// Decides the table kind of a data sheet: the banner title first (what ICE states), then
/// the sheet name, then the file name, then the columns present.
///
/// # Errors
/// A message naming what was looked at when nothing tells the kind.
pub fn detect_table(
    banner: &Banner,
    sheet_name: Option<&str>,
    file_name: &str,
    roles: &[ColumnRole],
) -> Result<TableKind, String> {
    let from_text = banner
        .title
        .as_deref()
        .and_then(TableKind::from_title)
        .or_else(|| sheet_name.and_then(TableKind::from_title))
        .or_else(|| TableKind::from_title(file_name));
    if let Some(kind) = from_text {
        return Ok(kind);
    }
    let has = |f: Field| roles.contains(&ColumnRole::Field(f));
    let by_columns = if has(Field::RemovalDate)
        || (has(Field::DepartedDate) && !has(Field::ApprehensionMethod))
    {
        Some(TableKind::Removals)
    } else if has(Field::EncounterDate) {
        Some(TableKind::Encounters)
    } else if has(Field::BookInDate) {
        Some(TableKind::BookIns)
    } else if has(Field::ApprehensionDate) && has(Field::ApprehensionMethod) {
        Some(TableKind::Arrests)
    } else {
        None
    };
    by_columns.ok_or_else(|| {
        format!(
            "neither the title {:?}, the sheet name {:?}, the file name {:?} nor the columns name a table \
             (arrests, encounters, removals, book-ins, detainers, detention stints)",
            banner.title.as_deref().unwrap_or(""),
            sheet_name.unwrap_or(""),
            file_name
        )
    })
}

/// True when a row is a copy of the header (a table stacked below another).
pub fn is_repeated_header(cells: &[CellValue<'_>], header: &[CellValue<'_>]) -> bool {
    let width = header
        .iter()
        .rposition(|c| !c.is_blank())
        .map(|p| p + 1)
        .unwrap_or(0);
    if width == 0 || cells.is_empty() {
        return false;
    }
    // Cheap test on the first cell before comparing whole rows: almost every row differs there.
    let first_matches = match (&cells[0], &header[0]) {
        (CellValue::Text(a), CellValue::Text(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
        (a, b) => a.is_blank() && b.is_blank(),
    };
    first_matches
        && (0..width).all(|i| {
            let a = cells
                .get(i)
                .map(|c| lookup_key(&c.to_text()))
                .unwrap_or_default();
            a == lookup_key(&header[i].to_text())
        })
}

/// Example header names for error messages.
pub fn header_examples() -> String {
    "\"Apprehension Date\", \"Area of Responsibility\", \"Arrest Method\", \"Event Date\", \"Departed Date\", \"Book In Date\"".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn row(n: u64, cells: &[&str]) -> PreviewRow {
        (
            n,
            cells
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        CellValue::Empty
                    } else {
                        CellValue::Text(Cow::Owned(c.to_string()))
                    }
                })
                .collect(),
        )
    }

    #[test]
    fn finds_header_below_banner_and_reads_banner() {
        let rows = vec![
            row(1, &["ERO-LESA Statistical Tracking Unit"]),
            row(2, &["For Official Use Only (FOUO)/Pre-decisional"]),
            row(3, &["2019-ICFO-53623"]),
            row(4, &[]),
            row(
                5,
                &["ERO Administrative Arrests for FY2019 (10/1/2018 - 8/31/2019)"],
            ),
            row(
                6,
                &[
                    "Area of Responsibility",
                    "Apprehension Date",
                    "Apprehension Method",
                ],
            ),
            row(
                7,
                &["Chicago Area of Responsibility", "10/1/2018", "Located"],
            ),
        ];
        let cw = ColumnCrosswalk::embedded();
        let at = find_header(&rows, &cw).unwrap();
        assert_eq!(rows[at].0, 6);
        let banner = read_banner(&rows[..at], &AorCrosswalk::embedded());
        assert_eq!(banner.foia_number.as_deref(), Some("2019-ICFO-53623"));
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(banner.coverage, Some((d(2018, 10, 1), d(2019, 8, 31))));
        assert_eq!(banner.aor_name, None);
        let roles = column_roles(&rows[at].1, &cw);
        assert_eq!(
            detect_table(&banner, None, "x.csv", &roles),
            Ok(TableKind::Arrests)
        );
    }

    #[test]
    fn title_aor_and_duplicate_headers() {
        let aors = AorCrosswalk::embedded();
        let t = "FY2012 - FY2019 YTD (01/01/2012 - 07/06/2019) ERO Administrative Arrests for the Seattle Area of Responsibility";
        assert_eq!(
            title_aor(t, &aors).as_deref(),
            Some("Seattle Area of Responsibility")
        );
        let cw = ColumnCrosswalk::embedded();
        let header = row(
            1,
            &["Arrest Date", "Apprehension Date", "Notes", "Notes", ""],
        )
        .1;
        assert_eq!(
            column_roles(&header, &cw),
            vec![
                ColumnRole::Field(Field::ApprehensionDate),
                ColumnRole::Extra("Apprehension Date".into()),
                ColumnRole::Extra("Notes".into()),
                ColumnRole::Extra("Notes (2)".into()),
                ColumnRole::Unnamed(5),
            ]
        );
    }

    #[test]
    fn no_header_and_unknown_table() {
        let rows = vec![row(1, &["hello", "world"]), row(2, &["1", "2"])];
        assert_eq!(find_header(&rows, &ColumnCrosswalk::embedded()), None);
        let err = detect_table(&Banner::default(), Some("Sheet1"), "data.csv", &[]).unwrap_err();
        assert!(err.contains("\"Sheet1\""), "{err}");
    }
}
