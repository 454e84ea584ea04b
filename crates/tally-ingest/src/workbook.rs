//! Excel workbooks (xlsx and legacy xls) via calamine.

use crate::cell::CellValue;
use crate::error::{IngestError, Location};
use crate::layout::{self, HEADER_SCAN_ROWS, PreviewRow};
use crate::normalize::{SheetNormalizer, SheetSpec, Vocabulary};
use crate::report::{ReleaseReport, SkippedSheet};
use crate::source::{ReleaseFile, SourceFormat};
use crate::summary::{is_fiscal_year_header, read_summary_blocks};
use crate::{BatchSink, IngestOptions};
use calamine::{Data, Range, Reader, Xls, Xlsx};
use chrono::NaiveDate;
use std::borrow::Cow;
use std::io::Cursor;

enum Book<'a> {
    Xlsx(Box<Xlsx<Cursor<&'a [u8]>>>),
    Xls(Box<Xls<Cursor<&'a [u8]>>>),
}

impl Book<'_> {
    fn sheet_names(&self) -> Vec<String> {
        match self {
            Book::Xlsx(b) => b.sheet_names(),
            Book::Xls(b) => b.sheet_names(),
        }
    }
    fn range(&mut self, name: &str) -> Result<Range<Data>, String> {
        match self {
            Book::Xlsx(b) => b.worksheet_range(name).map_err(|e| e.to_string()),
            Book::Xls(b) => b.worksheet_range(name).map_err(|e| e.to_string()),
        }
    }
}

fn cell(data: &Data) -> CellValue<'_> {
    match data {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(Cow::Borrowed(s.as_str())),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Text(Cow::Borrowed(if *b { "TRUE" } else { "FALSE" })),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32) {
                Some(date) => CellValue::Date(date),
                None => CellValue::Number(dt.as_f64()),
            }
        }
        Data::DateTime(dt) => CellValue::Number(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(Cow::Borrowed(s.as_str())),
        Data::Error(e) => CellValue::Error(format!("#{e:?}")),
    }
}

fn is_notes_sheet(name: &str) -> bool {
    let key = name.trim().to_ascii_lowercase();
    matches!(
        key.as_str(),
        "footnotes" | "footnote" | "notes" | "read me" | "readme"
    )
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
    let opened = match file.format {
        SourceFormat::Xls => Xls::new(Cursor::new(file.content.as_slice()))
            .map(|b| Book::Xls(Box::new(b)))
            .map_err(|e| ("xls workbook", e.to_string())),
        _ => Xlsx::new(Cursor::new(file.content.as_slice()))
            .map(|b| Book::Xlsx(Box::new(b)))
            .map_err(|e| ("xlsx workbook", e.to_string())),
    };
    let mut book = opened.map_err(|(format, detail)| IngestError::Corrupt {
        at: file.location(),
        format,
        detail,
    })?;
    let at = |sheet: &str, row: Option<u64>| Location {
        file: file.path.clone(),
        sheet: Some(sheet.to_string()),
        row,
        column: None,
    };

    let mut report = ReleaseReport::for_file(file);
    for name in book.sheet_names() {
        let range = book.range(&name).map_err(|detail| IngestError::Corrupt {
            at: at(&name, None),
            format: if file.format == SourceFormat::Xls {
                "xls workbook"
            } else {
                "xlsx workbook"
            },
            detail,
        })?;
        let first_row = range.start().map(|(r, _)| r as u64 + 1).unwrap_or(1);
        if range.is_empty() || range.used_cells().next().is_none() {
            report.skipped_sheets.push(SkippedSheet {
                sheet: name,
                reason: "empty sheet".into(),
            });
            continue;
        }
        if is_notes_sheet(&name) {
            report.notes.extend(range.rows().filter_map(|r| {
                let text: Vec<String> = r
                    .iter()
                    .map(|c| cell(c).to_text().trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect();
                (!text.is_empty()).then(|| text.join(" "))
            }));
            continue;
        }
        let preview: Vec<PreviewRow> = range
            .rows()
            .take(HEADER_SCAN_ROWS)
            .enumerate()
            .map(|(i, r)| {
                (
                    first_row + i as u64,
                    r.iter().map(|c| cell(c).into_static()).collect(),
                )
            })
            .collect();
        let header_at = layout::find_header(&preview, &vocab.columns);
        let Some(header_at) = header_at else {
            if preview
                .iter()
                .any(|(_, cells)| is_fiscal_year_header(cells))
            {
                let rows: Vec<(u64, Vec<CellValue<'_>>)> = range
                    .rows()
                    .enumerate()
                    .map(|(i, r)| (first_row + i as u64, r.iter().map(cell).collect()))
                    .collect();
                report.summary_blocks.extend(read_summary_blocks(&rows));
                continue;
            }
            return Err(IngestError::NoHeader {
                at: at(&name, None),
                scanned: preview.len(),
                examples: layout::header_examples(),
            });
        };
        let banner = layout::read_banner(&preview[..header_at], &vocab.aors);
        report.foia_number = report.foia_number.take().or(banner.foia_number.clone());
        report.stated_coverage = report.stated_coverage.or(banner.coverage);
        let (header_row, header) = preview[header_at].clone();
        let roles = layout::column_roles(&header, &vocab.columns);
        let table = layout::detect_table(&banner, Some(&name), &file.file_name, &roles).map_err(
            |detail| IngestError::UnknownTable {
                at: at(&name, Some(header_row)),
                detail,
            },
        )?;
        let spec = SheetSpec {
            release_sha256: &file.sha256,
            file: &file.path,
            sheet: name.clone(),
            sheet_index: report.sheets.len(),
            table,
            header_row,
            header,
            roles,
            banner_aor: banner.aor_name.clone(),
            banner,
            batch_rows: options.batch_rows,
        };
        let mut normalizer = SheetNormalizer::new(&vocab, spec)?;
        let mut cells: Vec<CellValue<'_>> = Vec::new();
        for (i, r) in range.rows().enumerate().skip(header_at + 1) {
            cells.clear();
            cells.extend(r.iter().map(cell));
            normalizer.push_row(first_row + i as u64, &cells, sink)?;
        }
        let (sheet_report, rejects) = normalizer.finish(sink)?;
        report.sheets.push(sheet_report);
        report.rejects.extend(rejects);
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
    Ok(report)
}
