//! Sources that are not sheets of cells: a PDF list, a Stata dataset, a user-written TOML
//! list. A reader for each turns its file into [`RecordSheet`]s (a header row of column
//! names, then data rows, each with the position it came from), and [`ingest_records`]
//! runs them through the same layout detection, normalization and row accounting as
//! workbook sheets, so every table and every rule applies to them unchanged.

use crate::cell::CellValue;
use crate::error::IngestError;
use crate::normalize::Vocabulary;
use crate::source::ReleaseFile;
use crate::workbook::{SheetProcessor, assemble_report};
use crate::{BatchSink, IngestOptions};
use tally_catalog::ReleaseReport;

/// One sheet-like block of records read from a non-tabular source.
///
/// `rows[0]` is normally the header (column names the column crosswalk knows); every row
/// carries the 1-based position it was read from in the source (a line of the extracted
/// text, an observation number), which provenance reports as the row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordSheet {
    /// Name reported as the sheet (`page 3`, `observations`, a TOML list's name).
    pub name: String,
    /// Rows in order: (source position, cells).
    pub rows: Vec<(u64, Vec<CellValue<'static>>)>,
    /// Notes about the source kept with the release (what the reader saw and decided).
    pub notes: Vec<String>,
    /// Records the reader itself refused (a malformed entry of a user-written list), each
    /// counted as read and rejected with its reason, like a row the normalizer rejects.
    pub rejects: Vec<RecordReject>,
}

/// A record refused by its reader, with the reason a reject record keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordReject {
    /// 1-based source position (the line of a TOML entry).
    pub at: u64,
    /// The record's values as far as they could be read, in header order.
    pub cells: Vec<String>,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// Why the record is refused, naming it.
    pub reason: String,
}

impl RecordSheet {
    /// A sheet called `name` whose first row is `header`, read from position 0.
    pub fn with_header(name: &str, header: &[&str]) -> RecordSheet {
        RecordSheet {
            name: name.to_string(),
            rows: vec![(
                0,
                header
                    .iter()
                    .map(|h| CellValue::Text(h.to_string().into()))
                    .collect(),
            )],
            notes: Vec::new(),
            rejects: Vec::new(),
        }
    }

    /// Refuses the record read at source position `at`, with its cells, the column at
    /// fault and the reason.
    pub fn reject(&mut self, at: u64, cells: Vec<String>, column: Option<String>, reason: String) {
        self.rejects.push(RecordReject {
            at,
            cells,
            column,
            reason,
        });
    }

    /// Appends a data row of text cells read at source position `at` (empty text is a
    /// blank cell).
    pub fn push_text(&mut self, at: u64, cells: Vec<String>) {
        self.rows.push((
            at,
            cells
                .into_iter()
                .map(|c| {
                    if c.trim().is_empty() {
                        CellValue::Empty
                    } else {
                        CellValue::Text(c.into())
                    }
                })
                .collect(),
        ));
    }
}

/// Normalizes record sheets read from `file` into `sink`, with the same report, rejects
/// and accounting as a workbook.
///
/// # Errors
/// A sheet without a recognizable header or table kind, no data at all, sink failures.
pub fn ingest_records(
    file: &ReleaseFile,
    sheets: Vec<RecordSheet>,
    options: &IngestOptions,
    sink: &mut dyn BatchSink,
) -> Result<ReleaseReport, IngestError> {
    let vocab = Vocabulary::embedded();
    let mut report = file.empty_report();
    let mut results = Vec::with_capacity(sheets.len());
    let mut data_sheets = 0;
    for sheet in sheets {
        report.notes.extend(sheet.notes.iter().cloned());
        let mut processor =
            SheetProcessor::new(&vocab, file, options, sheet.name.clone(), data_sheets);
        for (at, cells) in &sheet.rows {
            processor.push(*at, cells, sink)?;
        }
        for r in &sheet.rejects {
            let cells: Vec<CellValue<'_>> = r
                .cells
                .iter()
                .map(|c| CellValue::Text(c.as_str().into()))
                .collect();
            processor.reject(r.at, &cells, r.column.clone(), r.reason.clone(), sink)?;
        }
        let result = processor.finish(sink)?;
        if matches!(result, crate::workbook::SheetResult::Data(..)) {
            data_sheets += 1;
        }
        results.push((sheet.name, result));
    }
    assemble_report(file, &mut report, results)?;
    Ok(report)
}
