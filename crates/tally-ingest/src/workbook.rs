//! Excel workbooks (xlsx and legacy xls) via calamine.
//!
//! xlsx sheets are streamed cell by cell (calamine's cell reader), never loaded as a dense
//! range: a sheet whose extent claims 16,384 columns and 1,048,576 rows costs only the
//! cells it really has. Legacy xls sheets are bounded by the format (65,536 x 256) and
//! read as ranges. Either way each row goes through one [`SheetProcessor`].

use crate::cell::CellValue;
use crate::error::{IngestError, Location};
use crate::layout::{self, HEADER_SCAN_ROWS, LayoutError, PreviewRow};
use crate::normalize::{SheetNormalizer, SheetSpec, Vocabulary};
use crate::source::{ReleaseFile, SourceFormat};
use crate::summary::{is_fiscal_year_header, read_summary_blocks};
use crate::{BatchSink, IngestOptions};
use calamine::{Data, DataRef, Reader, Xls, Xlsx};
use std::borrow::Cow;
use std::io::Cursor;
use tally_catalog::{ReleaseReport, SkippedSheet};

/// The title ICE's biweekly detention-statistics workbooks open with (sheet "Header",
/// first row; FY2020 to FY2026 alike): tables of sums, not records.
const DETENTION_STATISTICS_TITLE: &str = "ICE Detention Statistics";

/// The title of a sheet that opens ICE's published aggregate tables, if the preview rows
/// hold one.
fn aggregate_title(rows: &[PreviewRow]) -> Option<String> {
    rows.iter().flat_map(|(_, cells)| cells).find_map(|c| {
        let text = c.to_text();
        let text = text.trim();
        text.eq_ignore_ascii_case(DETENTION_STATISTICS_TITLE)
            .then(|| text.to_string())
    })
}

/// Widest row Tally materializes (Excel's own limit is 16,384 columns).
const MAX_COLUMNS: usize = 16_384;

/// An Excel date cell: a date, or a date and time of day when the cell has one (rounded to
/// the nearest second, like text serials; see `tally_model::date`). calamine converts the
/// serial (1900 or 1904 date system, 1900 leap-year bug); serials 0 and 60 stay numbers so
/// that the normalizer names why they are no dates.
fn excel_date(dt: &calamine::ExcelDateTime) -> CellValue<'static> {
    let serial = dt.as_f64();
    let whole = serial.trunc();
    if !dt.is_datetime() || whole == 0.0 || whole == 60.0 {
        return CellValue::Number(serial);
    }
    let (y, m, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let at = chrono::NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
        .and_then(|date| date.and_hms_opt(h as u32, mi as u32, s as u32))
        .map(|at| at + chrono::Duration::seconds(i64::from(ms >= 500)));
    match at {
        Some(at) if serial.fract() != 0.0 => CellValue::DateTime(at),
        Some(at) => CellValue::Date(at.date()),
        None => CellValue::Number(serial),
    }
}

fn cell(data: &Data) -> CellValue<'_> {
    match data {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(Cow::Borrowed(s.as_str())),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Text(Cow::Borrowed(if *b { "TRUE" } else { "FALSE" })),
        Data::DateTime(dt) => excel_date(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(Cow::Borrowed(s.as_str())),
        Data::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn cell_ref<'a>(data: DataRef<'a>) -> CellValue<'a> {
    match data {
        DataRef::Empty => CellValue::Empty,
        DataRef::SharedString(s) => CellValue::Text(Cow::Borrowed(s)),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            CellValue::Text(Cow::Owned(s))
        }
        DataRef::Float(f) => CellValue::Number(f),
        DataRef::Int(i) => CellValue::Number(i as f64),
        DataRef::Bool(b) => CellValue::Text(Cow::Borrowed(if b { "TRUE" } else { "FALSE" })),
        DataRef::DateTime(dt) => excel_date(&dt),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn is_notes_sheet(name: &str) -> bool {
    let key = name.trim().to_ascii_lowercase();
    matches!(
        key.as_str(),
        "footnotes" | "footnote" | "notes" | "read me" | "readme"
    )
}

enum Phase<'v> {
    /// Collecting the first rows to find the header.
    Preview(Vec<PreviewRow>),
    /// A Summary sheet: every row kept for its FY blocks.
    Summary(Vec<PreviewRow>),
    /// Footnotes: text lines.
    Notes(Vec<String>),
    /// A data sheet being normalized.
    Data(Box<SheetNormalizer<'v>>),
}

/// Turns one sheet's rows into a normalized table, Summary blocks or release notes.
pub(crate) struct SheetProcessor<'v> {
    vocab: &'v Vocabulary,
    file: &'v ReleaseFile,
    options: &'v IngestOptions,
    name: String,
    sheet_index: usize,
    phase: Phase<'v>,
    any_cell: bool,
}

/// What a finished sheet produced.
pub(crate) enum SheetResult {
    Data(
        Box<tally_catalog::SheetReport>,
        Vec<tally_catalog::RejectedRow>,
    ),
    Summary(Vec<crate::summary::SummaryBlock>),
    Notes(Vec<String>),
    Empty,
}

impl<'v> SheetProcessor<'v> {
    pub(crate) fn new(
        vocab: &'v Vocabulary,
        file: &'v ReleaseFile,
        options: &'v IngestOptions,
        name: String,
        sheet_index: usize,
    ) -> Self {
        let phase = if is_notes_sheet(&name) {
            Phase::Notes(Vec::new())
        } else {
            Phase::Preview(Vec::new())
        };
        SheetProcessor {
            vocab,
            file,
            options,
            name,
            sheet_index,
            phase,
            any_cell: false,
        }
    }

    fn at(&self, row: Option<u64>) -> Location {
        Location {
            file: self.file.path.clone(),
            sheet: Some(self.name.clone()),
            row,
            column: None,
        }
    }

    pub(crate) fn push(
        &mut self,
        row: u64,
        cells: &[CellValue<'_>],
        sink: &mut dyn BatchSink,
    ) -> Result<(), IngestError> {
        if cells.iter().all(CellValue::is_blank) {
            if let Phase::Data(n) = &mut self.phase {
                n.blank_row();
            }
            return Ok(());
        }
        self.any_cell = true;
        match &mut self.phase {
            Phase::Data(n) => n.push_row(row, cells, sink),
            Phase::Notes(lines) => {
                let text: Vec<String> = cells
                    .iter()
                    .map(|c| c.to_text().trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect();
                lines.push(text.join(" "));
                Ok(())
            }
            Phase::Summary(rows) => {
                rows.push((row, cells.iter().map(|c| c.clone().into_static()).collect()));
                Ok(())
            }
            Phase::Preview(rows) => {
                rows.push((row, cells.iter().map(|c| c.clone().into_static()).collect()));
                if rows.len() >= HEADER_SCAN_ROWS {
                    self.decide(sink)?;
                }
                Ok(())
            }
        }
    }

    /// Counts a record its reader refused (see [`crate::records::RecordReject`]) as read
    /// and rejected, once the sheet's table is known.
    ///
    /// # Errors
    /// As [`SheetProcessor::push`]; a refused record of a sheet that holds no table is
    /// [`IngestError::NoData`].
    pub(crate) fn reject(
        &mut self,
        row: u64,
        cells: &[CellValue<'_>],
        column: Option<String>,
        reason: String,
        sink: &mut dyn BatchSink,
    ) -> Result<(), IngestError> {
        self.any_cell = true;
        if matches!(self.phase, Phase::Preview(_)) {
            self.decide(sink)?;
        }
        match &mut self.phase {
            Phase::Data(n) => {
                n.reject(row, cells, column, reason);
                Ok(())
            }
            _ => Err(IngestError::NoData {
                at: self.at(Some(row)),
                detail: format!("a refused record ({reason}) in a sheet that holds no table"),
            }),
        }
    }

    /// Decides what the sheet is from the preview rows, then replays them.
    fn decide(&mut self, sink: &mut dyn BatchSink) -> Result<(), IngestError> {
        let Phase::Preview(rows) = std::mem::replace(&mut self.phase, Phase::Notes(Vec::new()))
        else {
            return Ok(());
        };
        let layout = match layout::read_layout(
            &rows,
            Some(&self.name),
            &self.file.file_name,
            self.vocab.catalog,
            &self.vocab.aors,
        ) {
            Ok(layout) => layout,
            Err(LayoutError::NoHeader { scanned }) => {
                if rows.iter().any(|(_, cells)| is_fiscal_year_header(cells)) {
                    self.phase = Phase::Summary(rows);
                    return Ok(());
                }
                if let Some(title) = aggregate_title(&rows) {
                    return Err(IngestError::Aggregates {
                        at: self.at(None),
                        what: format!("\"{title}\", ICE's published detention statistics"),
                    });
                }
                return Err(IngestError::NoHeader {
                    at: self.at(None),
                    scanned,
                    examples: layout::header_examples(),
                });
            }
            Err(LayoutError::UnknownTable { row, detail }) => {
                return Err(IngestError::UnknownTable {
                    at: self.at(Some(row)),
                    detail,
                });
            }
        };
        let header_at = layout.header_at;
        let spec = SheetSpec {
            release_sha256: &self.file.sha256,
            file: &self.file.path,
            sheet: self.name.clone(),
            sheet_index: self.sheet_index,
            table: layout.table,
            header_row: layout.header_row,
            header: layout.header,
            roles: layout.roles,
            header_notes: layout.notes,
            banner: layout.banner,
            batch_rows: self.options.batch_rows,
        };
        let reference = layout.table.def().reference;
        let mut normalizer = match SheetNormalizer::new(self.vocab, spec) {
            Ok(n) => n,
            // A sheet of a list workbook that names the list but has no key column (a
            // legend of facility types beside the lists) holds no rows of it: its text is
            // kept as notes, as a Footnotes sheet's is. A table of events missing its
            // date column stays an error.
            Err(IngestError::MissingColumn { .. }) if reference => {
                let lines = rows
                    .iter()
                    .map(|(_, cells)| {
                        cells
                            .iter()
                            .map(|c| c.to_text().trim().to_string())
                            .filter(|t| !t.is_empty())
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect();
                self.phase = Phase::Notes(lines);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        for (row, cells) in &rows[header_at + 1..] {
            normalizer.push_row(*row, cells.as_slice(), sink)?;
        }
        self.phase = Phase::Data(Box::new(normalizer));
        Ok(())
    }

    pub(crate) fn finish(mut self, sink: &mut dyn BatchSink) -> Result<SheetResult, IngestError> {
        if !self.any_cell {
            return Ok(SheetResult::Empty);
        }
        if matches!(self.phase, Phase::Preview(_)) {
            self.decide(sink)?;
        }
        Ok(match self.phase {
            Phase::Data(n) => {
                let (report, rejects) = n.finish(sink)?;
                SheetResult::Data(Box::new(report), rejects)
            }
            Phase::Summary(rows) => SheetResult::Summary(read_summary_blocks(&rows)),
            Phase::Notes(lines) => SheetResult::Notes(lines),
            Phase::Preview(_) => SheetResult::Empty,
        })
    }
}

/// Streams an xlsx sheet row by row into `processor`.
fn stream_xlsx_sheet(
    book: &mut Xlsx<Cursor<&[u8]>>,
    processor: &mut SheetProcessor<'_>,
    sink: &mut dyn BatchSink,
) -> Result<(), IngestError> {
    let corrupt =
        |p: &SheetProcessor<'_>, row: Option<u64>, e: calamine::XlsxError| IngestError::Corrupt {
            at: p.at(row),
            format: "xlsx workbook",
            detail: e.to_string(),
        };
    let mut reader = book
        .worksheet_cells_reader(&processor.name)
        .map_err(|e| corrupt(processor, None, e))?;
    let mut current: Option<u32> = None;
    let mut cells: Vec<CellValue<'_>> = Vec::new();
    loop {
        let next = reader
            .next_cell()
            .map_err(|e| corrupt(processor, current.map(|r| r as u64 + 1), e))?;
        let row_of_next = next.as_ref().map(|c| c.get_position().0);
        if current.is_some() && row_of_next != current {
            if let Some(r) = current {
                processor.push(r as u64 + 1, &cells, sink)?;
            }
            cells.clear();
        }
        let Some(c) = next else { break };
        let (row, col) = c.get_position();
        current = Some(row);
        let value = cell_ref(c.get_value().clone());
        if value.is_blank() {
            continue;
        }
        let col = col as usize;
        if col >= MAX_COLUMNS {
            continue;
        }
        if cells.len() <= col {
            cells.resize(col + 1, CellValue::Empty);
        }
        cells[col] = value;
    }
    Ok(())
}

/// Ingests every sheet of a workbook: data sheets are normalized, a Summary sheet's FY
/// totals are read for reconciliation, a Footnotes sheet's text is kept as release notes,
/// and empty sheets are listed as skipped.
///
/// # Errors
/// A corrupt or truncated workbook, any data sheet without a recognizable header or with a
/// table kind Tally cannot tell (the whole file fails, so a release is never half
/// ingested), a workbook with no data sheet, and sink failures.
pub fn ingest_workbook(
    file: &ReleaseFile,
    options: &IngestOptions,
    sink: &mut dyn BatchSink,
) -> Result<ReleaseReport, IngestError> {
    let vocab = Vocabulary::embedded();
    let mut report = file.empty_report();
    let corrupt = |format: &'static str, detail: String| IngestError::Corrupt {
        at: file.location(),
        format,
        detail,
    };
    let mut results: Vec<(String, SheetResult)> = Vec::new();
    let content = file.whole_content()?;
    if file.format == SourceFormat::Xls {
        let mut book = Xls::new(Cursor::new(content.as_ref()))
            .map_err(|e| corrupt("xls workbook", e.to_string()))?;
        for name in book.sheet_names() {
            let range = book
                .worksheet_range(&name)
                .map_err(|e| IngestError::Corrupt {
                    at: Location {
                        file: file.path.clone(),
                        sheet: Some(name.clone()),
                        row: None,
                        column: None,
                    },
                    format: "xls workbook",
                    detail: e.to_string(),
                })?;
            let first_row = range.start().map(|(r, _)| r as u64 + 1).unwrap_or(1);
            let sheet_index = results
                .iter()
                .filter(|(_, r)| matches!(r, SheetResult::Data(..)))
                .count();
            let mut processor =
                SheetProcessor::new(&vocab, file, options, name.clone(), sheet_index);
            let mut cells: Vec<CellValue<'_>> = Vec::new();
            for (i, r) in range.rows().enumerate() {
                cells.clear();
                cells.extend(r.iter().map(cell));
                processor.push(first_row + i as u64, &cells, sink)?;
            }
            results.push((name, processor.finish(sink)?));
        }
    } else {
        crate::source::check_zip_sizes(&content, &file.location(), options.max_decompressed_bytes)?;
        let mut book = Xlsx::new(Cursor::new(content.as_ref()))
            .map_err(|e| corrupt("xlsx workbook", e.to_string()))?;
        for name in book.sheet_names() {
            let sheet_index = results
                .iter()
                .filter(|(_, r)| matches!(r, SheetResult::Data(..)))
                .count();
            let mut processor =
                SheetProcessor::new(&vocab, file, options, name.clone(), sheet_index);
            stream_xlsx_sheet(&mut book, &mut processor, sink)?;
            results.push((name, processor.finish(sink)?));
        }
    }
    assemble_report(file, &mut report, results)?;
    Ok(report)
}

/// Folds finished sheets into the release report: data sheets and their rejects,
/// Summary blocks, notes, and empty sheets listed as skipped.
///
/// # Errors
/// [`IngestError::NoData`] when no sheet holds data.
pub(crate) fn assemble_report(
    file: &ReleaseFile,
    report: &mut ReleaseReport,
    results: Vec<(String, SheetResult)>,
) -> Result<(), IngestError> {
    for (name, result) in results {
        match result {
            SheetResult::Data(sheet, rejects) => {
                report.foia_number = report
                    .foia_number
                    .take()
                    .or(sheet.banner.foia_number.clone());
                report.stated_coverage = report.stated_coverage.or(sheet.banner.coverage);
                report.sheets.push(*sheet);
                report.rejects.extend(rejects);
            }
            SheetResult::Summary(blocks) => report.summary_blocks.extend(blocks),
            SheetResult::Notes(lines) => report.notes.extend(lines),
            SheetResult::Empty => report.skipped_sheets.push(SkippedSheet {
                sheet: name,
                reason: "empty sheet".into(),
            }),
        }
    }
    if report.sheets.is_empty() {
        let detail = if report.skipped_sheets.is_empty() {
            "the workbook has only summary or notes sheets".to_string()
        } else {
            format!("{} empty sheet(s)", report.skipped_sheets.len())
        };
        return Err(IngestError::NoData {
            at: file.location(),
            detail,
        });
    }
    Ok(())
}
