//! Lists of jurisdictions printed from a web page to PDF: DHS's May 2025 "Sanctuary
//! Jurisdictions" list, read into rows of `sanctuary-policies` (jurisdiction, its type,
//! its state).
//!
//! The page is an accordion: one heading per state ("Alaska", ..., "Wisconsin"), and
//! under each, sections headed `Cities`, `County`/`Counties` or `State`, each a bulleted
//! list. The text extracted in content order (what pypdf or `pdftotext -raw` give) puts
//! all the state headings of a page first and the sections after them, so the text alone
//! cannot say which state a section belongs to. Their positions can: pdf-extract
//! ([`pdf_extract::output_doc`]) hands every glyph with its place on the page, and a
//! section belongs to the state heading printed above it. How it is read:
//!
//! - **Lines** are glyphs on one baseline, in reading order; each keeps its page, its
//!   place (x, and y from the top of the document: the pages of a printed web page are
//!   slices of one long page, so a page's y continues the previous page's) and its
//!   position in the content order (the line number reported as the row).
//! - **A line printed across a page break** is drawn on both pages at the same place of
//!   the long page (the May 2025 list's "Nicollet County", Minnesota): the copy is
//!   dropped, with a note.
//! - **The heading column** is where the section headings start (`Cities`, `County`,
//!   `Counties`, `State`); state headings start there too and are recognized only as a
//!   U.S. state's (or DC's, or a territory's) full name. A line there that is neither
//!   ends the state above it: the rows below get no state, with a note, since nothing
//!   says which state they are in.
//! - **The list** runs from the first state heading to the first line below the last
//!   one that starts left of the heading column (the page's "Keywords" footer). Items are
//!   the lines indented right of the heading column. The list's name is the line just
//!   above the first state heading ("Sanctuary Jurisdiction List"); the page's address
//!   (its first line starting with `http`) is kept as each row's citation.
//! - **Rows**: an item is a jurisdiction of its section's type, in the state of the
//!   heading above it. Under `State`, the item is the list's statement about the state
//!   ("Self-Identification as a State Sanctuary Jurisdiction"), so the row is the state
//!   itself with that statement as its designation; an item elsewhere that is such a
//!   statement (the District of Columbia's `Cities` section) likewise stands for the
//!   heading's jurisdiction. `jurisdiction_type` takes the section heading as listed (the
//!   table's spellings make `Cities` city, `Counties` county), except that a name ending
//!   in "County" is a county whatever its heading (Kansas lists "Douglas County" under
//!   Cities and "Lawrence", a city, under County: the first is stored as county with a
//!   note; the second keeps its heading, with a note, since nothing in the list says
//!   what Lawrence is). `list_section` keeps the heading as listed. Blank bullets are
//!   skipped and counted in a note.
//! - **Cross-check**: when the file has beside it a text extraction made with pypdf
//!   (`<name>_pypdf_extracted.txt`), the section headings and items read here are
//!   aligned with its lines (longest common subsequence); every line one has and the
//!   other lacks inside the list is reported as a note, and agreement is stated.

use crate::error::IngestError;
use crate::records::RecordSheet;
use crate::source::ReleaseFile;
use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};
use std::path::{Path, PathBuf};
use tally_model::states as us_states;

/// Section headings of the list, as the May 2025 list writes them.
const SECTION_WORDS: &[&str] = &["Cities", "City", "Counties", "County", "State", "States"];

/// Tolerance, in points, for two lines starting in one column or sitting on one place.
const SAME_PLACE: f64 = 2.0;

/// The columns of the record sheet a list becomes.
const HEADER: &[&str] = &[
    "jurisdiction",
    "jurisdiction_type",
    "state",
    "designation",
    "list_section",
    "list_name",
    "source_citation",
];

/// One line of text as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfLine {
    /// 1-based page.
    pub page: u32,
    /// 1-based position in the content order (the order a text extraction gives).
    pub order: u64,
    /// Left edge, in points from the page's left.
    pub x: f64,
    /// Baseline, in points from the top of the first page (pages continue one another).
    pub y: f64,
    /// Baseline, in points from the top of its own page (beyond the page's height for a
    /// line cut by the page's bottom edge).
    pub page_y: f64,
    /// Height of the page the line is on, in points.
    pub page_height: f64,
    /// Font size as printed, in points.
    pub size: f64,
    /// The text, as extracted (spaces kept).
    pub text: String,
}

/// Collects pdf-extract's glyphs into lines.
#[derive(Default)]
struct LineCollector {
    lines: Vec<PdfLine>,
    page: u32,
    page_height: f64,
    page_top: f64,
    current: Option<PdfLine>,
    last_end: f64,
}

impl LineCollector {
    fn flush(&mut self) {
        if let Some(mut line) = self.current.take() {
            line.order = self.lines.len() as u64 + 1;
            self.lines.push(line);
        }
    }
}

impl OutputDev for LineCollector {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.flush();
        self.page_top += self.page_height;
        self.page = page_num;
        self.page_height = media_box.ury - media_box.lly;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.flush();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // The glyph's size as printed: the font size through the text matrix (the same
        // measure pdf-extract's own text output uses).
        let vx = font_size * (trm.m11 + trm.m21);
        let vy = font_size * (trm.m12 + trm.m22);
        let size = (vx * vy).abs().sqrt().max(0.1);
        let x = trm.m31;
        let page_y = self.page_height - trm.m32;
        if let Some(line) = &mut self.current {
            let new_line = (page_y - line.page_y).abs() > size * 0.5
                || x < self.last_end - size * 0.5
                || x > self.last_end + size * 3.0;
            if new_line {
                self.flush();
            } else if x > self.last_end + size * 0.15 && !line.text.ends_with(' ') {
                line.text.push(' ');
            }
        }
        let line = self.current.get_or_insert_with(|| PdfLine {
            page: self.page,
            order: 0,
            x,
            y: self.page_top + page_y,
            page_y,
            page_height: self.page_height,
            size,
            text: String::new(),
        });
        line.text.push_str(char);
        self.last_end = x + width * size;
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// The lines of a PDF, in content order, with their places.
///
/// # Errors
/// A message when the bytes are no PDF pdf-extract can read (damaged, truncated,
/// encrypted), including a panic inside the library, which is caught.
pub fn extract_lines(content: &[u8]) -> Result<Vec<PdfLine>, String> {
    let run = || -> Result<Vec<PdfLine>, String> {
        let doc = pdf_extract::Document::load_mem(content).map_err(|e| e.to_string())?;
        if doc.is_encrypted() {
            return Err("the PDF is encrypted".into());
        }
        let mut collector = LineCollector::default();
        pdf_extract::output_doc(&doc, &mut collector).map_err(|e| e.to_string())?;
        collector.flush();
        Ok(collector.lines)
    };
    // pdf-extract unwraps on some malformed input; a damaged release must be an error
    // naming the file, not a crash.
    std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown failure".into());
        Err(format!("pdf-extract failed: {detail}"))
    })
}

/// One jurisdiction read from the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    /// Position of the item's line in the content order.
    pub order: u64,
    /// The jurisdiction as named (the state's name for a state-level statement).
    pub jurisdiction: String,
    /// The type to store: the section heading as listed, or `county` by the name rule.
    pub jurisdiction_type: String,
    /// Postal code of the state heading above, empty when none places it.
    pub state: String,
    /// The list's statement about the jurisdiction (State sections), else empty.
    pub designation: String,
    /// The section heading as listed.
    pub section: String,
}

/// What the list's lines say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedList {
    /// The rows, in printed order.
    pub rows: Vec<ListRow>,
    /// The list's name (the line above the first state heading).
    pub list_name: String,
    /// The page's address, when printed.
    pub source_url: String,
    /// Section headings and items in content order with their pages, copies across page
    /// breaks included (what a content-order extraction prints): the cross-check's side.
    pub content_lines: Vec<(u32, String)>,
    /// What the reader saw and decided.
    pub notes: Vec<String>,
}

fn is_section(text: &str) -> bool {
    SECTION_WORDS.iter().any(|w| w.eq_ignore_ascii_case(text))
}

fn is_state_section(section: &str) -> bool {
    section.eq_ignore_ascii_case("state") || section.eq_ignore_ascii_case("states")
}

fn is_city_section(section: &str) -> bool {
    section.eq_ignore_ascii_case("cities") || section.eq_ignore_ascii_case("city")
}

fn is_county_section(section: &str) -> bool {
    section.eq_ignore_ascii_case("counties") || section.eq_ignore_ascii_case("county")
}

/// True for an item that is the list's statement about a jurisdiction, not a name.
fn is_statement(item: &str) -> bool {
    let lower = item.to_ascii_lowercase();
    lower.starts_with("self-identification") || lower.starts_with("court order")
}

/// Reads the list from its lines (see the module documentation).
///
/// # Errors
/// A message when the lines hold no list: no section headings, or no state heading in
/// their column.
pub fn parse_list(lines: &[PdfLine]) -> Result<ParsedList, String> {
    let mut out = ParsedList::default();
    // The heading column: where most section headings start.
    let mut columns: Vec<(i64, usize)> = Vec::new();
    for line in lines.iter().filter(|l| is_section(l.text.trim())) {
        let x = line.x.round() as i64;
        match columns.iter_mut().find(|(c, _)| *c == x) {
            Some((_, n)) => *n += 1,
            None => columns.push((x, 1)),
        }
    }
    let heading_x = columns
        .iter()
        .max_by_key(|(_, n)| *n)
        .map(|(x, _)| *x as f64)
        .ok_or("no section headings (Cities, Counties, County, State) in the text")?;
    let in_column = |l: &PdfLine| (l.x - heading_x).abs() < SAME_PLACE;
    let state_headings: Vec<&PdfLine> = lines
        .iter()
        .filter(|l| in_column(l) && us_states::postal_code(l.text.trim()).is_some())
        .collect();
    let first = state_headings
        .iter()
        .min_by(|a, b| a.y.total_cmp(&b.y))
        .ok_or("section headings, but no state's name in their column")?;
    let last = state_headings
        .iter()
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .ok_or("no state heading")?;
    let end = lines
        .iter()
        .filter(|l| l.y > last.y + SAME_PLACE && l.x < heading_x - SAME_PLACE)
        .map(|l| l.y)
        .min_by(f64::total_cmp)
        .unwrap_or(f64::INFINITY);
    let start = first.y - SAME_PLACE;
    out.list_name = lines
        .iter()
        .filter(|l| l.y < start && l.x < heading_x + SAME_PLACE && !l.text.trim().is_empty())
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .map(|l| l.text.trim().to_string())
        .unwrap_or_default();
    out.source_url = lines
        .iter()
        .map(|l| l.text.trim())
        .find(|t| t.starts_with("http"))
        .map(|t| t.split_whitespace().next().unwrap_or(t).to_string())
        .unwrap_or_default();
    let within = |l: &&PdfLine| l.y >= start && l.y < end;
    for outside in lines
        .iter()
        .filter(within)
        .filter(|l| l.x < heading_x - SAME_PLACE && !l.text.trim().is_empty())
    {
        out.notes.push(format!(
            "line {}: \"{}\" starts left of the list's heading column inside the list: not read as part of it",
            outside.order,
            outside.text.trim()
        ));
    }
    let mut region: Vec<&PdfLine> = lines
        .iter()
        .filter(within)
        .filter(|l| l.x >= heading_x - SAME_PLACE)
        .collect();
    out.content_lines = region
        .iter()
        .filter(|l| {
            let t = l.text.trim();
            let state_heading = in_column(l) && us_states::postal_code(t).is_some();
            !t.is_empty() && !state_heading
        })
        .map(|l| (l.page, l.text.trim().to_string()))
        .collect();
    region.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    // A line cut by a page break is drawn on both pages at one place of the long page.
    let mut kept: Vec<&PdfLine> = Vec::with_capacity(region.len());
    for line in region {
        let copy = kept.iter().rev().take(8).any(|k| {
            k.page != line.page
                && k.text.trim() == line.text.trim()
                && (k.x - line.x).abs() < 0.5
                && (k.y - line.y).abs() < 0.5
        });
        if copy {
            out.notes.push(format!(
                "\"{}\" is printed across the break between pages {} and {} (drawn on both at the same place of the page): read once",
                line.text.trim(),
                line.page - 1,
                line.page
            ));
        } else {
            kept.push(line);
        }
    }
    let mut state: Option<(String, &'static str)> = None;
    let mut section: Option<String> = None;
    let mut blank_items = 0;
    let mut headings = 0;
    for line in kept {
        let text = line.text.trim();
        if text.is_empty() {
            if !in_column(line) {
                blank_items += 1;
            }
            continue;
        }
        if in_column(line) {
            if is_section(text) {
                section = Some(text.to_string());
            } else if let Some(code) = us_states::postal_code(text) {
                state = Some((text.to_string(), code));
                section = None;
                headings += 1;
            } else {
                out.notes.push(format!(
                    "line {}: heading \"{text}\" is neither a section nor a state's name: the rows below it get no state until the next state heading",
                    line.order
                ));
                state = None;
                section = None;
            }
            continue;
        }
        let Some(listed) = section.clone() else {
            out.notes.push(format!(
                "line {}: \"{text}\" is listed under no section heading: its type is left blank",
                line.order
            ));
            out.rows.push(ListRow {
                order: line.order,
                jurisdiction: text.to_string(),
                jurisdiction_type: String::new(),
                state: state.as_ref().map(|s| s.1.to_string()).unwrap_or_default(),
                designation: String::new(),
                section: String::new(),
            });
            continue;
        };
        let code = state.as_ref().map(|s| s.1.to_string()).unwrap_or_default();
        if code.is_empty() {
            out.notes.push(format!(
                "line {}: \"{text}\" is under no state heading: its state is left blank",
                line.order
            ));
        }
        let mut row = ListRow {
            order: line.order,
            jurisdiction: text.to_string(),
            jurisdiction_type: listed.clone(),
            state: code,
            designation: String::new(),
            section: listed.clone(),
        };
        if is_state_section(&listed) || is_statement(text) {
            match &state {
                Some((name, _)) => {
                    row.jurisdiction = name.clone();
                    row.designation = text.to_string();
                    if !is_state_section(&listed) {
                        out.notes.push(format!(
                            "line {}: under {name}'s {listed} heading the list gives the statement \"{text}\", not a name: stored as {name}, {listed} as listed, with the statement as its designation",
                            line.order
                        ));
                    }
                }
                None => out.notes.push(format!(
                    "line {}: statement \"{text}\" under no state heading: kept as the jurisdiction's name",
                    line.order
                )),
            }
        } else if is_city_section(&listed) && text.ends_with(" County") {
            row.jurisdiction_type = "county".into();
            out.notes.push(format!(
                "line {}: \"{text}\" ({}) is listed under {listed} but its name says it is a county: stored as county (rule: a name ending in \"County\" is a county); list_section keeps {listed}",
                line.order, row.state
            ));
        } else if is_county_section(&listed)
            && !["County", "Parish", "Borough"]
                .iter()
                .any(|w| text.contains(w))
        {
            out.notes.push(format!(
                "line {}: \"{text}\" ({}) is listed under {listed} but its name does not say County: kept as county, as listed (possibly a city listed under the wrong heading)",
                line.order, row.state
            ));
        }
        out.rows.push(row);
    }
    out.notes.insert(
        0,
        format!(
            "read with pdf-extract: {} rows under {headings} state headings ({} to {}); states are named only in the page's accordion headings, and each section is placed under the heading printed above it (positions on the page, pages read as one continuous page)",
            out.rows.len(),
            first.text.trim(),
            last.text.trim()
        ),
    );
    if blank_items > 0 {
        out.notes.push(format!(
            "{blank_items} blank bullet item(s) in the list skipped"
        ));
    }
    Ok(out)
}

/// Aligns the list's content-order lines with a pypdf text extraction: the notes say
/// whether they agree, and every line that one has and the other lacks inside the list.
pub fn cross_check(content_lines: &[(u32, String)], pypdf_text: &str, what: &str) -> Vec<String> {
    let theirs: Vec<&str> = pypdf_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let ours: Vec<&str> = content_lines.iter().map(|(_, t)| t.as_str()).collect();
    let (n, m) = (ours.len(), theirs.len());
    // Longest common subsequence, by suffix lengths.
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if ours[i] == theirs[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut missing_in_theirs: Vec<usize> = Vec::new();
    while i < n && j < m {
        if ours[i] == theirs[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lcs[at(i + 1, j)] >= lcs[at(i, j + 1)] {
            missing_in_theirs.push(i);
            i += 1;
        } else {
            j += 1;
        }
    }
    missing_in_theirs.extend(i..n);
    let mut disagreements: Vec<String> = missing_in_theirs
        .iter()
        .map(|&i| {
            format!(
                "pdf-extract read \"{}\" (page {}), which the pypdf extraction lacks",
                ours[i], content_lines[i].0
            )
        })
        .collect();
    // Lines pypdf has between two lines read here one after the other on one page.
    for w in pairs.windows(2) {
        let ((i0, j0), (i1, j1)) = (w[0], w[1]);
        if i1 == i0 + 1 && j1 > j0 + 1 && content_lines[i0].0 == content_lines[i1].0 {
            for extra in &theirs[j0 + 1..j1] {
                disagreements.push(format!(
                    "the pypdf extraction has \"{extra}\" between \"{}\" and \"{}\", which pdf-extract did not read there",
                    ours[i0], ours[i1]
                ));
            }
        }
    }
    if disagreements.is_empty() {
        vec![format!(
            "cross-check with {what}: the {n} section headings and items read with pdf-extract agree with the pypdf extraction, line for line and in order"
        )]
    } else {
        let mut notes = vec![format!(
            "cross-check with {what}: pdf-extract and the pypdf extraction disagree on {} line(s):",
            disagreements.len()
        )];
        notes.extend(disagreements);
        notes
    }
}

/// The pypdf extraction kept beside a PDF (`<name>_pypdf_extracted.txt`), if any.
pub fn pypdf_companion(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let companion = path.with_file_name(format!("{stem}_pypdf_extracted.txt"));
    companion.is_file().then_some(companion)
}

/// Reads a PDF list into one record sheet of `sanctuary-policies` rows.
///
/// # Errors
/// [`IngestError::Corrupt`] naming the file when pdf-extract cannot read it;
/// [`IngestError::NoData`] when its text holds no list of jurisdictions by state.
pub fn read_pdf_list(file: &ReleaseFile) -> Result<Vec<RecordSheet>, IngestError> {
    let content = file.whole_content()?;
    let lines = extract_lines(&content).map_err(|detail| IngestError::Corrupt {
        at: file.location(),
        format: "PDF",
        detail,
    })?;
    let parsed = parse_list(&lines).map_err(|detail| IngestError::NoData {
        at: file.location(),
        detail: format!("no list of jurisdictions by state in the PDF's text: {detail}"),
    })?;
    let name = if parsed.list_name.is_empty() {
        "jurisdiction list".to_string()
    } else {
        parsed.list_name.clone()
    };
    let mut sheet = RecordSheet::with_header(&name, HEADER);
    sheet.notes = parsed.notes.clone();
    match pypdf_companion(&file.path) {
        Some(companion) => match std::fs::read(&companion) {
            Ok(bytes) => {
                let what = companion
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                sheet.notes.extend(cross_check(
                    &parsed.content_lines,
                    &String::from_utf8_lossy(&bytes),
                    &what,
                ));
            }
            Err(e) => sheet.notes.push(format!(
                "no cross-check: {} could not be read ({e})",
                companion.display()
            )),
        },
        None => sheet.notes.push(
            "no cross-check: no pypdf extraction (<name>_pypdf_extracted.txt) beside the file"
                .into(),
        ),
    }
    for row in parsed.rows {
        sheet.push_text(
            row.order,
            vec![
                row.jurisdiction,
                row.jurisdiction_type,
                row.state,
                row.designation,
                row.section,
                parsed.list_name.clone(),
                parsed.source_url.clone(),
            ],
        );
    }
    Ok(vec![sheet])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(page: u32, order: u64, x: f64, y: f64, text: &str) -> PdfLine {
        PdfLine {
            page,
            order,
            x,
            y,
            page_y: y - f64::from(page - 1) * 1000.0,
            page_height: 1000.0,
            size: 16.0,
            text: text.into(),
        }
    }

    /// A two-page accordion in content order: headings first, then sections, one item
    /// drawn on both sides of the page break, a footer left of the column.
    fn sample() -> Vec<PdfLine> {
        vec![
            line(1, 1, 500.0, 50.0, "Sanctuary Jurisdiction List"),
            line(1, 2, 520.0, 100.0, "Illinois"),
            line(1, 3, 520.0, 400.0, "Kansas"),
            line(1, 4, 520.0, 130.0, "State"),
            line(
                1,
                5,
                560.0,
                150.0,
                "Self-Identification as a State Sanctuary Jurisdiction ",
            ),
            line(1, 6, 520.0, 180.0, "Cities"),
            line(1, 7, 560.0, 200.0, " Chicago "),
            line(1, 8, 520.0, 430.0, "County"),
            line(1, 9, 560.0, 450.0, "Lawrence"),
            line(1, 10, 520.0, 480.0, "Cities"),
            line(1, 11, 560.0, 1003.0, "Douglas County"),
            line(2, 12, 500.0, 1500.0, "Keywords"),
            line(2, 13, 560.0, 1003.0, "Douglas County"),
            line(2, 14, 560.0, 1027.0, " "),
            line(2, 15, 560.0, 1600.0, "Footer item"),
        ]
    }

    #[test]
    fn sections_take_the_state_heading_above_them() {
        let parsed = parse_list(&sample()).expect("a list");
        let rows: Vec<(&str, &str, &str, &str)> = parsed
            .rows
            .iter()
            .map(|r| {
                (
                    r.jurisdiction.as_str(),
                    r.jurisdiction_type.as_str(),
                    r.state.as_str(),
                    r.section.as_str(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("Illinois", "State", "IL", "State"),
                ("Chicago", "Cities", "IL", "Cities"),
                ("Lawrence", "County", "KS", "County"),
                ("Douglas County", "county", "KS", "Cities"),
            ]
        );
        assert_eq!(
            parsed.rows[0].designation,
            "Self-Identification as a State Sanctuary Jurisdiction"
        );
        assert_eq!(parsed.list_name, "Sanctuary Jurisdiction List");
        let notes = parsed.notes.join("\n");
        assert!(
            notes.contains("across the break between pages 1 and 2"),
            "{notes}"
        );
        assert!(notes.contains("name says it is a county"), "{notes}");
        assert!(
            notes.contains("\"Lawrence\" (KS) is listed under County"),
            "{notes}"
        );
        assert!(notes.contains("1 blank bullet"), "{notes}");
        // The footer item below "Keywords" is outside the list.
        assert!(!rows.iter().any(|r| r.0 == "Footer item"));
        // Both printed copies of the straddling line are in the content order.
        assert_eq!(
            parsed
                .content_lines
                .iter()
                .filter(|(_, t)| t == "Douglas County")
                .count(),
            2
        );
    }

    #[test]
    fn an_unknown_heading_leaves_the_state_blank() {
        let mut lines = sample();
        lines.push(line(1, 16, 520.0, 300.0, "Atlantis"));
        lines.push(line(1, 17, 520.0, 310.0, "Cities"));
        lines.push(line(1, 18, 560.0, 320.0, "Poseidonia"));
        let parsed = parse_list(&lines).expect("a list");
        let row = parsed
            .rows
            .iter()
            .find(|r| r.jurisdiction == "Poseidonia")
            .expect("row");
        assert_eq!(row.state, "");
        assert!(parsed.notes.iter().any(|n| n.contains("\"Atlantis\"")));
    }

    #[test]
    fn no_list_is_an_error() {
        assert!(parse_list(&[line(1, 1, 10.0, 10.0, "Hello")]).is_err());
        assert!(parse_list(&[line(1, 1, 10.0, 10.0, "Cities")]).is_err());
    }

    #[test]
    fn cross_check_reports_lines_either_side_lacks() {
        let ours: Vec<(u32, String)> = ["Cities", "Chicago", "Evanston", "Skokie"]
            .iter()
            .map(|t| (1, t.to_string()))
            .collect();
        let agree = cross_check(
            &ours,
            "Menu\nCities \nChicago\n\nEvanston\nSkokie\nFooter",
            "x",
        );
        assert_eq!(agree.len(), 1);
        assert!(agree[0].contains("agree"), "{agree:?}");
        let differ = cross_check(&ours, "Cities\nChicago\nUrbana\nEvanston\n", "x");
        let text = differ.join("\n");
        assert!(text.contains("disagree on 2 line(s)"), "{text}");
        assert!(
            text.contains("\"Urbana\" between \"Chicago\" and \"Evanston\""),
            "{text}"
        );
        assert!(text.contains("pdf-extract read \"Skokie\""), "{text}");
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        assert!(extract_lines(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF").is_err());
        assert!(extract_lines(b"not a pdf at all").is_err());
    }
}
