//! Layout detection: the header row (found by its known column names, not a fixed
//! offset), the banner above it, which table a sheet holds, and what each column becomes.

use crate::cell::CellValue;
use chrono::NaiveDate;
use tally_catalog::{Banner, ColumnRole, HeaderNote};
use tally_model::{
    AorCrosswalk, Catalog, FieldType, HeaderMatch, TableKind, date::parse_text_date,
    text::lookup_key,
};

/// Rows scanned from the top of a sheet when looking for its header.
pub const HEADER_SCAN_ROWS: usize = 100;

/// A row read for layout detection: its 1-based source row (or line) and cells.
pub type PreviewRow = (u64, Vec<CellValue<'static>>);

/// What the first rows of a sheet say it is.
#[derive(Debug, Clone)]
pub struct SheetLayout {
    /// Index in the preview rows of the header row.
    pub header_at: usize,
    /// 1-based row or line of the header.
    pub header_row: u64,
    /// The header cells.
    pub header: Vec<CellValue<'static>>,
    /// The banner above the header.
    pub banner: Banner,
    /// The table the sheet holds.
    pub table: TableKind,
    /// What each column becomes.
    pub roles: Vec<ColumnRole>,
    /// Headers mapped only after normalizing.
    pub notes: Vec<HeaderNote>,
}

/// Why a sheet's layout could not be told.
#[derive(Debug, Clone, PartialEq)]
pub enum LayoutError {
    /// No row among the first ones has two known column names.
    NoHeader {
        /// Rows looked at.
        scanned: usize,
    },
    /// The table kind could not be told: the 1-based header row and what was looked at.
    UnknownTable {
        /// 1-based header row.
        row: u64,
        /// What was looked at.
        detail: String,
    },
}

/// Finds the header, banner, table and column roles of a sheet from its first rows.
///
/// # Errors
/// [`LayoutError`] when no header or no table kind can be told.
pub fn read_layout(
    rows: &[PreviewRow],
    sheet_name: Option<&str>,
    file_name: &str,
    catalog: &Catalog,
    aors: &AorCrosswalk,
) -> Result<SheetLayout, LayoutError> {
    let header_at = find_header(rows, catalog).ok_or(LayoutError::NoHeader {
        scanned: rows.len(),
    })?;
    let mut banner = read_banner(&rows[..header_at], aors);
    // A file with no banner may state its period in its name, as researchers' exports do
    // (UWCHR's `headcount_fy12-24ytd`): the only statement of it there is.
    if banner.lines.is_empty() && banner.stated_period.is_none() {
        banner.stated_period = file_name_period(file_name);
        banner.coverage = match banner.stated_period {
            Some((Some(first), Some(last))) => Some((first, last)),
            _ => None,
        };
    }
    let (header_row, header) = rows[header_at].clone();
    let table =
        detect_table(&banner, sheet_name, file_name, &header, catalog).map_err(|detail| {
            LayoutError::UnknownTable {
                row: header_row,
                detail,
            }
        })?;
    let (roles, notes) = column_roles(&header, table, catalog);
    Ok(SheetLayout {
        header_at,
        header_row,
        header,
        banner,
        table,
        roles,
        notes,
    })
}

/// Finds the header row among `rows`: the first row with the most cells that some table's
/// crosswalk knows, needing at least two. Returns its index in `rows`.
pub fn find_header(rows: &[PreviewRow], catalog: &Catalog) -> Option<usize> {
    let crosswalk = catalog.crosswalk();
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in rows.iter().enumerate().take(HEADER_SCAN_ROWS) {
        let known = cells
            .iter()
            .filter(|c| matches!(c, CellValue::Text(t) if crosswalk.is_known_anywhere(t)))
            .count();
        if known >= 2 && best.is_none_or(|(_, n)| known > n) {
            best = Some((i, known));
        }
    }
    best.map(|(i, _)| i)
}

/// Assigns each header cell its role in `table`, and notes the headers matched only after
/// normalizing. A field claimed by several columns goes to the one whose crosswalk
/// spelling is marked `prefer`, else to the first; of the others, a date or datetime
/// column becomes the date part of the field ([`ColumnRole::DatePartOf`]) and any other
/// becomes an extra under its own header, so no value is lost.
pub fn column_roles(
    header: &[CellValue<'_>],
    table: TableKind,
    catalog: &Catalog,
) -> (Vec<ColumnRole>, Vec<HeaderNote>) {
    let def = table.def();
    let crosswalk = catalog.crosswalk();
    let texts: Vec<String> = header
        .iter()
        .map(|c| c.to_text().trim().to_string())
        .collect();
    let matches: Vec<_> = header
        .iter()
        .map(|c| crosswalk.match_header(table, &c.to_text()))
        .collect();
    // The column holding each claimed field.
    let mut holder: Vec<Option<usize>> = vec![None; def.fields.len()];
    for (i, m) in matches.iter().enumerate() {
        let Some(m) = m else { continue };
        match holder[m.field] {
            None => holder[m.field] = Some(i),
            Some(j) => {
                let held_prefers = matches[j].as_ref().is_some_and(|h| h.prefer);
                if m.prefer && !held_prefers {
                    holder[m.field] = Some(i);
                }
            }
        }
    }
    let mut extras: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    let roles = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            if text.is_empty() {
                return ColumnRole::Unnamed(i + 1);
            }
            if let Some(m) = &matches[i] {
                let field = &def.fields[m.field];
                let role = if holder[m.field] == Some(i) {
                    Some(ColumnRole::Field(field.name.clone()))
                } else if matches!(field.field_type, FieldType::Date | FieldType::Datetime) {
                    Some(ColumnRole::DatePartOf(field.name.clone()))
                } else {
                    None
                };
                if let Some(role) = role {
                    if m.how != HeaderMatch::Exact {
                        notes.push(HeaderNote {
                            header: header[i].to_text().into_owned(),
                            field: field.name.clone(),
                            how: m.how,
                            known: m.known.clone(),
                        });
                    }
                    return role;
                }
            }
            let mut name = text.clone();
            let mut n = 2;
            while extras.contains(&name) {
                name = format!("{text} ({n})");
                n += 1;
            }
            extras.push(name.clone());
            ColumnRole::Extra(name)
        })
        .collect();
    (roles, notes)
}

/// Reads the banner lines above the header. The title is the last line that names a
/// table (the 2019-era banners end with it; the 2025 ones put an extraction note below
/// it), else the last line; the coverage period and the AOR are read from the first line
/// that states them.
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
    // ICE's own name ("Enforcement and Removal Operations") contains a table's word.
    let names_table = |l: &&String| {
        !l.to_ascii_lowercase()
            .contains("enforcement and removal operations")
            && TableKind::from_title(l).is_some()
    };
    let title = lines
        .iter()
        .rev()
        .find(names_table)
        .or(lines.last())
        .cloned();
    let foia_number = lines.iter().find_map(|l| foia_number(l));
    let stated_period = title
        .as_deref()
        .and_then(stated_period)
        .or_else(|| lines.iter().find_map(|l| stated_period(l)));
    let coverage = match stated_period {
        Some((Some(first), Some(last))) => Some((first, last)),
        _ => None,
    };
    let aor_name = title
        .as_deref()
        .and_then(|t| title_aor(t, aors))
        .or_else(|| lines.iter().find_map(|l| title_aor(l, aors)));
    Banner {
        lines,
        title,
        foia_number,
        coverage,
        stated_period,
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

/// The period a title states, each end when it states it: a parenthesized `date - date`
/// pair first; else `through DATE` (or `thru`); else fiscal years, `FY2016` or
/// `FY2012 - FY2019` (their first and last days), where a year marked `YTD` leaves the last
/// day open.
pub fn stated_period(title: &str) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    if let Some((first, last)) = stated_coverage(title) {
        return Some((Some(first), Some(last)));
    }
    let lower = title.to_ascii_lowercase();
    for word in ["through ", "thru "] {
        if let Some(at) = lower.find(word) {
            let rest = &title[at + word.len()..];
            let date = rest
                .split(|c: char| c.is_whitespace() || c == ')' || c == ',')
                .next()?;
            if let Ok(Some(last)) = parse_text_date(date) {
                return Some((None, Some(last)));
            }
        }
    }
    let upper = title.to_ascii_uppercase();
    let mut years: Vec<(i32, bool)> = Vec::new();
    let mut rest = upper.as_str();
    while let Some(at) = rest.find("FY") {
        let after = rest[at + 2..].trim_start();
        let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.len() == 4
            && let Ok(fy) = digits.parse::<i32>()
        {
            let ytd = after[4..].trim_start().starts_with("YTD");
            years.push((fy, ytd));
        }
        rest = &rest[at + 2..];
    }
    let (first_fy, _) = *years.first()?;
    let (last_fy, ytd) = *years.last()?;
    let first = tally_model::fiscal::fiscal_year_bounds(first_fy).0;
    let last = (!ytd).then(|| tally_model::fiscal::fiscal_year_bounds(last_fy).1);
    Some((Some(first), last))
}

/// The fiscal years a file name states in a researcher's short form, `fy12-24ytd` or
/// `FY2016` (two-digit years are 20xx), as [`stated_period`] gives them; `None` when the
/// name states none. `fy` must start a word of the name (after `_`, `-`, `.`, a space or
/// the start), so that words merely containing the letters are not read.
pub fn file_name_period(file_name: &str) -> Option<(Option<NaiveDate>, Option<NaiveDate>)> {
    let lower = file_name.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let at = (0..lower.len().saturating_sub(2)).find(|&i| {
        lower[i..].starts_with("fy")
            && (i == 0 || matches!(bytes[i - 1], b'_' | b'-' | b'.' | b' '))
            && bytes.get(i + 2).is_some_and(u8::is_ascii_digit)
    })?;
    let rest = &lower[at + 2..];
    let year = |digits: &str| -> Option<i32> {
        let n: i32 = digits.parse().ok()?;
        match digits.len() {
            2 => Some(2000 + n),
            4 => Some(n),
            _ => None,
        }
    };
    let first_digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let first_fy = year(&first_digits)?;
    let after = &rest[first_digits.len()..];
    let (last_fy, tail) = match after.strip_prefix('-') {
        Some(more) => {
            let digits: String = more
                .trim_start_matches("fy")
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            match year(&digits) {
                Some(fy) => (fy, &more[more.find(&digits).unwrap_or(0) + digits.len()..]),
                None => (first_fy, after),
            }
        }
        None => (first_fy, after),
    };
    if last_fy < first_fy {
        return None;
    }
    let ytd = tail.starts_with("ytd") || tail.starts_with("_ytd");
    let first = tally_model::fiscal::fiscal_year_bounds(first_fy).0;
    let last = (!ytd).then(|| tally_model::fiscal::fiscal_year_bounds(last_fy).1);
    Some((Some(first), last))
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
/// the sheet name, then the file name (each by the table words of the definitions), then
/// the columns present: the table whose crosswalk knows the most headers, which must have
/// its event-date column among them.
///
/// # Errors
/// A message naming what was looked at when nothing tells the kind, when two tables fit
/// the columns equally well, or when the best fit lacks its event-date column.
pub fn detect_table(
    banner: &Banner,
    sheet_name: Option<&str>,
    file_name: &str,
    header: &[CellValue<'_>],
    catalog: &Catalog,
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
    let crosswalk = catalog.crosswalk();
    let mut scored: Vec<(usize, TableKind)> = Vec::new();
    for table in TableKind::all() {
        let fields: Vec<usize> = header
            .iter()
            .filter_map(|c| crosswalk.match_header(table, &c.to_text()))
            .filter(|m| m.how != HeaderMatch::Truncated)
            .map(|m| m.field)
            .collect();
        if !fields.is_empty() {
            scored.push((fields.len(), table));
        }
    }
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    // The table the columns fit best must have its event date among them: an arrests
    // file missing its date column is refused as such, not read as the table whose
    // event date it happens to hold (its "Departed Date" makes it look like removals).
    let has_event = |table: TableKind| {
        header.iter().any(|c| {
            crosswalk
                .match_header(table, &c.to_text())
                .is_some_and(|m| {
                    m.how != HeaderMatch::Truncated
                        && table.def().anchor_fields().contains(&m.field)
                })
        })
    };
    let places = NamingPlaces::new(banner.title.as_deref(), sheet_name, file_name);
    let top: Vec<TableKind> = scored
        .iter()
        .take_while(|(n, _)| Some(*n) == scored.first().map(|s| s.0))
        .map(|(_, t)| *t)
        .collect();
    let with_event: Vec<TableKind> = top.iter().copied().filter(|t| has_event(*t)).collect();
    let named = header
        .iter()
        .filter(|c| !c.to_text().trim().is_empty())
        .count();
    match (with_event.as_slice(), top.as_slice()) {
        // Told by its columns alone, a table must know at least half of them: two known
        // headers among counts ("State", "Jurisdiction", then "All", "Yes", "No" totals
        // of TRAC's detainers by facility) are an aggregate that happens to share
        // words with a list, not that list.
        ([one], _) if scored[0].0 * 2 < named => {
            return Err(format!(
                "{} no table; the columns fit {one} best, but only {} of {named} headers are ones it knows: not read as {one} (an aggregate table, or another kind of file?); put the table's name in the file name if it is one",
                places.name_no_table(),
                scored[0].0,
            ));
        }
        ([one], _) => return Ok(*one),
        ([], [table]) => {
            let table = *table;
            let def = table.def();
            let events: Vec<&str> = def
                .anchor_fields()
                .iter()
                .map(|&e| def.fields[e].name.as_str())
                .collect();
            return Err(format!(
                "{} no table; the columns fit {table} best ({} of {} headers known) but its event-date column ({}) is missing",
                places.name_no_table(),
                scored[0].0,
                header
                    .iter()
                    .filter(|c| !c.to_text().trim().is_empty())
                    .count(),
                events.join(" or ")
            ));
        }
        _ => {}
    }
    let scored: Vec<(usize, TableKind)> = scored
        .into_iter()
        .filter(|(_, t)| with_event.contains(t))
        .collect();
    match scored.as_slice() {
        [] => Err(format!(
            "neither {} nor the columns name a table ({})",
            places.listed(" nor "),
            TableKind::slugs()
        )),
        tied => Err(format!(
            "{} no table, and the columns fit {} equally well; put the table's name in the file name",
            places.name_no_table(),
            tied.iter()
                .take_while(|(n, _)| *n == tied[0].0)
                .map(|(_, t)| t.slug())
                .collect::<Vec<_>>()
                .join(" and ")
        )),
    }
}

/// Where a table's name was looked for (title, sheet name, file name), as an error says
/// them: only those the file has (a CSV has neither title nor sheet name).
struct NamingPlaces(Vec<String>);

impl NamingPlaces {
    fn new(title: Option<&str>, sheet_name: Option<&str>, file_name: &str) -> NamingPlaces {
        let mut places = Vec::new();
        for (what, text) in [("the title", title), ("the sheet name", sheet_name)] {
            if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                places.push(format!("{what} {text:?}"));
            }
        }
        places.push(format!("the file name {file_name:?}"));
        NamingPlaces(places)
    }

    /// `A, B<last>C`.
    fn listed(&self, last: &str) -> String {
        match self.0.split_last() {
            Some((tail, [])) => tail.clone(),
            Some((tail, head)) => format!("{}{last}{tail}", head.join(", ")),
            None => String::new(),
        }
    }

    /// `the file name "x.csv" names` / `the title "T" and the file name "x.csv" name`.
    fn name_no_table(&self) -> String {
        let verb = if self.0.len() == 1 { "names" } else { "name" };
        format!("{} {verb}", self.listed(" and "))
    }
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
    "\"Apprehension Date\", \"Area of Responsibility\", \"Arrest Method\", \"Event Date\", \"Departed Date\", \"Book In Date\", \"Detainer Prepare Date\", \"Book In Date Time\"".into()
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

    fn table(slug: &str) -> TableKind {
        TableKind::from_slug(slug).expect("table")
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
        let layout = read_layout(
            &rows,
            None,
            "x.csv",
            Catalog::embedded(),
            &AorCrosswalk::embedded(),
        )
        .expect("layout");
        assert_eq!(layout.header_row, 6);
        assert_eq!(
            layout.banner.foia_number.as_deref(),
            Some("2019-ICFO-53623")
        );
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            layout.banner.coverage,
            Some((d(2018, 10, 1), d(2019, 8, 31)))
        );
        assert_eq!(layout.banner.aor_name, None);
        assert_eq!(layout.table, table("arrests"));
    }

    #[test]
    fn stated_periods_in_every_form_the_titles_use() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(
            stated_period("ERO Encounters for FY2019 YTD (10/1/2018 - 8/31/2019)"),
            Some((d(2018, 10, 1), d(2019, 8, 31)))
        );
        assert_eq!(
            stated_period("ERO Administrative Arrests for FY2016"),
            Some((d(2015, 10, 1), d(2016, 9, 30)))
        );
        assert_eq!(
            stated_period("FY2012 - FY2019 YTD ICE Removals"),
            Some((d(2011, 10, 1), None))
        );
        assert_eq!(
            stated_period("ERO Admin Arrests, data through 06/26/2025"),
            Some((None, d(2025, 6, 26)))
        );
        assert_eq!(stated_period("ICE Removals"), None);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(
            file_name_period("uwchr_detain_inc_headcount_fy12-24ytd.csv.gz"),
            Some((d("2011-10-01"), None))
        );
        assert_eq!(
            file_name_period("arrests_FY2016-FY2017.csv"),
            Some((d("2015-10-01"), d("2017-09-30")))
        );
        assert_eq!(
            file_name_period("EROArrests_fy19.txt"),
            Some((d("2018-10-01"), d("2019-09-30")))
        );
        assert_eq!(
            file_name_period("arrests_washington-state_2023-09_2025-10.csv"),
            None
        );
        assert_eq!(file_name_period("shifty12.csv"), None);
        assert_eq!(file_name_period("fy24-12.csv"), None);
    }

    #[test]
    fn title_aor_duplicate_headers_and_date_parts() {
        let aors = AorCrosswalk::embedded();
        let t = "FY2012 - FY2019 YTD (01/01/2012 - 07/06/2019) ERO Administrative Arrests for the Seattle Area of Responsibility";
        assert_eq!(
            title_aor(t, &aors).as_deref(),
            Some("Seattle Area of Responsibility")
        );
        let header = row(
            1,
            &[
                "Apprehension Method",
                "Arrest Method",
                "Notes",
                "Notes",
                "",
                "apprehension_date",
                "apprehension_date_time",
            ],
        )
        .1;
        let (roles, notes) = column_roles(&header, table("arrests"), Catalog::embedded());
        assert_eq!(
            roles,
            vec![
                ColumnRole::Field("apprehension_method".into()),
                ColumnRole::Extra("Arrest Method".into()),
                ColumnRole::Extra("Notes".into()),
                ColumnRole::Extra("Notes (2)".into()),
                ColumnRole::Unnamed(5),
                ColumnRole::DatePartOf("apprehension_date".into()),
                ColumnRole::Field("apprehension_date".into()),
            ]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn near_headers_are_mapped_with_a_note() {
        let header = row(
            1,
            &[
                "\u{a0}Area of Responsibility",
                "APPREHENSION DATE",
                "Alien File Numbe",
            ],
        )
        .1;
        let (roles, notes) = column_roles(&header, table("arrests"), Catalog::embedded());
        assert_eq!(roles[0], ColumnRole::Field("aor_name".into()));
        assert_eq!(roles[2], ColumnRole::Field("alien_file_number".into()));
        let how: Vec<(String, HeaderMatch)> =
            notes.iter().map(|n| (n.field.clone(), n.how)).collect();
        assert_eq!(
            how,
            [
                ("aor_name".to_string(), HeaderMatch::Normalized),
                ("apprehension_date".to_string(), HeaderMatch::Normalized),
                ("alien_file_number".to_string(), HeaderMatch::Truncated),
            ]
        );
    }

    #[test]
    fn tables_told_by_columns_when_names_are_silent() {
        let detect = |cells: &[&str]| {
            detect_table(
                &Banner::default(),
                Some("Sheet1"),
                "data.csv",
                &row(1, cells).1,
                Catalog::embedded(),
            )
        };
        assert_eq!(
            detect(&[
                "Area of Responsibility",
                "Apprehension Date",
                "Apprehension Method"
            ]),
            Ok(table("arrests"))
        );
        assert_eq!(
            detect(&[
                "Area of Responsibility",
                "Apprehension Date",
                "Processing Disposition Code",
                "Departed Date",
                "Removal Date"
            ]),
            Ok(table("removals"))
        );
        assert_eq!(
            detect(&["Detainer Prepare Date", "Facility AOR"]),
            Ok(table("detainers"))
        );
        assert_eq!(
            detect(&["Book In Date Time", "Detention Facility Code"]),
            Ok(table("detention-stints"))
        );
        let err = detect(&["hello", "world"]).unwrap_err();
        assert!(err.contains("\"Sheet1\""), "{err}");
        // An arrests layout without its date column is not read as removals (whose event
        // date, Departed Date, it holds).
        let err = detect(&[
            "Area of Responsibility",
            "Apprehension Method",
            "Apprehension Landmark",
            "Apprehension Criminality",
            "Departed Date",
            "Citizenship",
        ])
        .unwrap_err();
        assert!(
            err.contains("the columns fit arrests best (6 of 6 headers known) but its event-date column (apprehension_date) is missing"),
            "{err}"
        );
    }

    #[test]
    fn no_header() {
        let rows = vec![row(1, &["hello", "world"]), row(2, &["1", "2"])];
        assert_eq!(find_header(&rows, Catalog::embedded()), None);
    }
}
