//! Row normalization: source cells → canonical Arrow columns with provenance.
//!
//! Rules (each documented where its vocabulary lives): withheld markers become null with
//! their codes in `withheld` ([`tally_model::withheld`]); AOR names become codes
//! ([`tally_model::AorCrosswalk`]); methods get a group ([`tally_model::MethodGroups`]);
//! dates accept Excel dates, Excel serials and text ([`tally_model::date`]). A row is
//! rejected, with the column and reason, only when its event date cannot be read or lies
//! outside [`EVENT_DATE_RANGE`]; other unreadable cells are kept as raw text in
//! `unparsed_values`, and unknown columns in `extra_columns`.
//!
//! How: each distinct text of a column is normalized once (a per-column memo of raw
//! bytes to outcome) and text columns are built as Arrow dictionaries, so a row costs a
//! few lookups and 4-byte keys however long its texts are.

mod batch;
mod column;
mod dictionary;
mod memo;
mod recorded_fy;
mod rules;

use crate::BatchSink;
use crate::cell::{CellValue, RowCells, decode_text, row_text};
use crate::error::{IngestError, Location};
use crate::layout::ColumnRole;
use crate::report::{AorSpan, RejectedRow, SheetReport};
use arrow_array::RecordBatch;
use batch::{Dictionaries, PendingBatch};
use chrono::NaiveDate;
use column::NULL;
use dictionary::ValueDictionary;
use memo::{CellOutcome, ColumnMemo};
use recorded_fy::RecordedFyRuns;
use rules::{text_outcome, typed_outcome};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use tally_model::date::from_epoch_days;
use tally_model::fiscal::fiscal_year;
use tally_model::withheld::exemption_codes;
use tally_model::{AorCrosswalk, Field, MethodGroups, TableKind};

/// Event dates outside this inclusive range reject the row: 1970-01-01 ..= 2099-12-31.
/// (ICE ERO-LESA releases start in FY2012; the range only catches typos and serials read
/// from the wrong column, such as year 0999.)
pub const EVENT_DATE_RANGE: (NaiveDate, NaiveDate) = (
    match NaiveDate::from_ymd_opt(1970, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
    match NaiveDate::from_ymd_opt(2099, 12, 31) {
        Some(d) => d,
        None => NaiveDate::MAX,
    },
);

/// Other date fields outside 1900-01-01 ..= 2099-12-31 are kept as raw text in
/// `unparsed_values` (seen: removals apprehension dates such as 07/02/0999).
pub const OTHER_DATE_RANGE: (NaiveDate, NaiveDate) = (
    match NaiveDate::from_ymd_opt(1900, 1, 1) {
        Some(d) => d,
        None => NaiveDate::MIN,
    },
    EVENT_DATE_RANGE.1,
);

const FIRST_REJECTS_KEPT: usize = 5;

/// Shared, read-only vocabularies.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// AOR names to codes.
    pub aors: AorCrosswalk,
    /// Apprehension methods to groups.
    pub methods: MethodGroups,
    /// Release headers to canonical fields.
    pub columns: tally_model::ColumnCrosswalk,
}

impl Vocabulary {
    /// The vocabularies shipped with Tally.
    pub fn embedded() -> Vocabulary {
        Vocabulary {
            aors: AorCrosswalk::embedded(),
            methods: MethodGroups::embedded(),
            columns: tally_model::ColumnCrosswalk::embedded(),
        }
    }
}

/// What a sheet is, for the normalizer.
pub struct SheetSpec<'a> {
    /// SHA-256 of the release file (provenance of every row).
    pub release_sha256: &'a str,
    /// The release file, for error locations.
    pub file: &'a std::path::Path,
    /// Sheet name, or the file name for text.
    pub sheet: String,
    /// 0-based index among the file's data sheets (names the Parquet part).
    pub sheet_index: usize,
    /// The table the sheet holds.
    pub table: TableKind,
    /// 1-based row or line of the header.
    pub header_row: u64,
    /// The header cells.
    pub header: Vec<CellValue<'static>>,
    /// What each column becomes.
    pub roles: Vec<ColumnRole>,
    /// AOR named only in the banner title, used when the sheet has no AOR column.
    pub banner_aor: Option<String>,
    /// The banner above the header.
    pub banner: crate::layout::Banner,
    /// Rows per Arrow batch.
    pub batch_rows: usize,
}

/// The header's first cell, for telling cheaply that a row is not a repeated header.
enum HeaderFirst {
    /// Its text, trimmed.
    Text(String),
    /// Blank: a repeated header starts with a blank cell too.
    Blank,
    /// A typed cell: no row is taken for a repeated header.
    Other,
}

/// How one source column is normalized.
enum ColumnPlan {
    /// A canonical field, at `index` in [`Field::ALL`].
    Field {
        field: Field,
        index: usize,
        event_date: bool,
    },
    /// A column Tally does not know, kept under this name in `extra_columns`.
    Extra(String),
}

/// One row's normalized values between its cells and its batch.
#[derive(Default)]
struct RowValues {
    /// Per field: its dictionary key (text fields) or days since 1970-01-01 (dates), or
    /// [`column::NULL`].
    fields: Vec<i32>,
    /// (source column, key of its exemption codes), in column order.
    withheld: Vec<(u32, u32)>,
    /// (field index, raw text) of cells unreadable as their field's type.
    unparsed: Vec<(usize, String)>,
    extra: serde_json::Map<String, serde_json::Value>,
}

impl RowValues {
    fn clear(&mut self) {
        self.fields.iter_mut().for_each(|v| *v = NULL);
        self.withheld.clear();
        self.unparsed.clear();
        if !self.extra.is_empty() {
            self.extra.clear();
        }
    }

    /// The value of field `index`, `None` when null.
    fn get(&self, index: usize) -> Option<i32> {
        let v = self.fields[index];
        (v != NULL).then_some(v)
    }
}

/// Running counts for the sheet report, kept by dictionary key and turned into names
/// once, in [`SheetNormalizer::finish`].
#[derive(Default)]
struct Tally {
    /// Per AOR code key.
    aor_spans: Vec<AorSpan>,
    unmapped_span: Option<AorSpan>,
    blank_span: Option<AorSpan>,
    /// Per `aor_name` key of names the crosswalk does not know.
    unmapped_names: FxHashMap<u32, u64>,
    /// Per apprehension-method key (`None`: blank) not in the method-group scheme.
    unknown_methods: FxHashMap<Option<u32>, u64>,
    /// Per source column.
    withheld_cells: Vec<u64>,
    /// Per field index.
    unparsed_cells: Vec<u64>,
    /// Kept rows per fiscal year of the event date.
    rows_by_fy: Vec<(i32, u64)>,
}

fn widen(span: &mut AorSpan, date: Option<NaiveDate>) {
    span.rows += 1;
    if let Some(d) = date {
        span.first = Some(span.first.map_or(d, |f| f.min(d)));
        span.last = Some(span.last.map_or(d, |l| l.max(d)));
    }
}

fn empty_span() -> AorSpan {
    AorSpan {
        first: None,
        last: None,
        rows: 0,
    }
}

/// Normalizes the rows of one sheet, streaming full batches to a sink.
pub struct SheetNormalizer<'v> {
    vocab: &'v Vocabulary,
    spec: SheetSpec<'v>,
    columns: Vec<ColumnPlan>,
    /// Field indexes of the table's event-date fields, in order of preference.
    event_fields: Vec<usize>,
    aor_field: usize,
    method_field: Option<usize>,
    banner_aor: Option<u32>,
    /// Indexes of the fields some column of the sheet holds (or, for `aor_name`, the
    /// banner), ascending.
    present: Vec<usize>,
    /// Reasons that reject a row, by [`CellOutcome::Reject`] index.
    reject_reasons: Vec<String>,
    header_first: HeaderFirst,
    memos: Vec<ColumnMemo>,
    dictionaries: Dictionaries,
    /// Per `aor_name` key: its AOR code key, once looked up.
    aor_of_name: Vec<Option<Option<u32>>>,
    /// Per apprehension-method key: its group key and whether the scheme knows it.
    group_of_method: Vec<Option<(u32, bool)>>,
    blank_method_group: Option<(u32, bool)>,
    /// Row withheld-cell lists already seen, to their `withheld` dictionary key.
    withheld_rows: FxHashMap<Vec<(u32, u32)>, u32>,
    /// The last list looked up (most rows repeat it: every national row withholds the
    /// birth date).
    last_withheld: Option<(Vec<(u32, u32)>, u32)>,
    /// The last event date seen: (days, date, fiscal year).
    last_event: Option<(i32, NaiveDate, i32)>,
    /// Pending rows per fiscal year (a sheet has a handful: a linear search is fastest).
    partitions: Vec<(Option<i32>, PendingBatch)>,
    report: SheetReport,
    rejects: Vec<RejectedRow>,
    row: RowValues,
    tally: Tally,
    recorded_fy: RecordedFyRuns,
}

impl<'v> SheetNormalizer<'v> {
    /// Prepares a sheet.
    ///
    /// # Errors
    /// [`IngestError::MissingColumn`] when the header has none of the table's event-date
    /// columns.
    pub fn new(
        vocab: &'v Vocabulary,
        spec: SheetSpec<'v>,
    ) -> Result<SheetNormalizer<'v>, IngestError> {
        let event_date_columns: Vec<usize> = spec
            .table
            .event_date_fields()
            .iter()
            .filter_map(|f| spec.roles.iter().position(|r| *r == ColumnRole::Field(*f)))
            .collect();
        if event_date_columns.is_empty() {
            let wanted: Vec<&str> = spec
                .table
                .event_date_fields()
                .iter()
                .map(|f| f.name())
                .collect();
            return Err(IngestError::MissingColumn {
                at: Location {
                    file: spec.file.to_path_buf(),
                    sheet: Some(spec.sheet.clone()),
                    row: Some(spec.header_row),
                    column: None,
                },
                detail: format!(
                    "the header of this {} table has no event-date column (canonical field {}; see the column crosswalk)",
                    spec.table,
                    wanted.join(" or ")
                ),
            });
        }
        let event_fields: Vec<usize> = spec
            .table
            .event_date_fields()
            .iter()
            .map(|f| field_index(*f))
            .collect();
        let columns: Vec<ColumnPlan> = spec
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| match role {
                ColumnRole::Field(f) => ColumnPlan::Field {
                    field: *f,
                    index: field_index(*f),
                    event_date: event_date_columns.contains(&i),
                },
                ColumnRole::Extra(name) => ColumnPlan::Extra(name.clone()),
                ColumnRole::Unnamed(n) => ColumnPlan::Extra(format!("column {n}")),
            })
            .collect();
        let method_field = spec
            .roles
            .contains(&ColumnRole::Field(Field::ApprehensionMethod))
            .then(|| field_index(Field::ApprehensionMethod));
        let report = SheetReport {
            sheet: spec.sheet.clone(),
            table: spec.table,
            part: spec
                .table
                .part(spec.banner.title.as_deref().unwrap_or(""))
                .or_else(|| spec.table.part(&spec.sheet))
                .map(String::from),
            header_row: spec.header_row,
            banner: spec.banner.clone(),
            columns: spec
                .header
                .iter()
                .zip(&spec.roles)
                .map(|(h, r)| (h.to_text().trim().to_string(), r.clone()))
                .collect(),
            rows_read: 0,
            rows_kept: 0,
            rows_rejected: 0,
            blank_rows: 0,
            first_rejects: Vec::new(),
            first_date: None,
            last_date: None,
            undated_rows: 0,
            rows_by_fy: BTreeMap::new(),
            rows_by_recorded_fy: BTreeMap::new(),
            aors: BTreeMap::new(),
            unmapped_aors: BTreeMap::new(),
            unknown_methods: BTreeMap::new(),
            withheld_cells: BTreeMap::new(),
            unparsed_cells: BTreeMap::new(),
        };
        let n = Field::ALL.len();
        let mut dictionaries = Dictionaries {
            fields: (0..n).map(|_| ValueDictionary::default()).collect(),
            ..Dictionaries::default()
        };
        let aor_field = field_index(Field::AorName);
        let banner_aor = spec
            .banner_aor
            .as_deref()
            .map(|name| dictionaries.fields[aor_field].key(name.trim()));
        let mut present: Vec<usize> = columns
            .iter()
            .filter_map(|plan| match plan {
                ColumnPlan::Field { index, .. } => Some(*index),
                ColumnPlan::Extra(_) => None,
            })
            .chain(banner_aor.map(|_| aor_field))
            .collect();
        present.sort_unstable();
        present.dedup();
        let header_first = match spec.header.first() {
            None => HeaderFirst::Blank,
            Some(c) if c.is_blank() => HeaderFirst::Blank,
            Some(CellValue::Text(t)) => HeaderFirst::Text(t.trim().to_string()),
            Some(_) => HeaderFirst::Other,
        };
        Ok(SheetNormalizer {
            vocab,
            present,
            reject_reasons: Vec::new(),
            header_first,
            memos: (0..columns.len()).map(|_| ColumnMemo::default()).collect(),
            columns,
            event_fields,
            aor_field,
            method_field,
            banner_aor,
            dictionaries,
            aor_of_name: Vec::new(),
            group_of_method: Vec::new(),
            blank_method_group: None,
            withheld_rows: FxHashMap::default(),
            last_withheld: None,
            last_event: None,
            partitions: Vec::new(),
            report,
            rejects: Vec::new(),
            row: RowValues {
                fields: vec![NULL; n],
                ..RowValues::default()
            },
            tally: Tally {
                unparsed_cells: vec![0; n],
                ..Tally::default()
            },
            recorded_fy: RecordedFyRuns::default(),
            spec,
        })
    }

    /// Records a blank row below the header (skipped, counted apart from records).
    pub fn blank_row(&mut self) {
        self.report.blank_rows += 1;
    }

    /// Counts a row as read and rejects it.
    pub fn reject(
        &mut self,
        row: u64,
        cells: &[CellValue<'_>],
        column: Option<String>,
        reason: String,
    ) {
        self.report.rows_read += 1;
        self.report.rows_rejected += 1;
        let rejected = RejectedRow {
            sheet: self.spec.sheet.clone(),
            row,
            column,
            reason,
            values: row_text(cells),
        };
        if self.report.first_rejects.len() < FIRST_REJECTS_KEPT {
            self.report.first_rejects.push(rejected.clone());
        }
        self.rejects.push(rejected);
    }

    /// The header of source column `column` (0-based), as reports name it.
    fn header_name(&self, column: usize) -> String {
        match self.spec.roles.get(column) {
            Some(ColumnRole::Extra(name)) => name.clone(),
            Some(ColumnRole::Unnamed(n)) => format!("column {n}"),
            Some(ColumnRole::Field(_)) | None => self
                .spec
                .header
                .get(column)
                .map(|c| c.to_text().trim().to_string())
                .unwrap_or_else(|| format!("column {}", column + 1)),
        }
    }

    /// The name a withheld cell of source column `column` is listed under in `withheld`:
    /// the canonical field, or the header of a column Tally does not know.
    fn withheld_name(&self, column: usize) -> String {
        match self.columns.get(column) {
            Some(ColumnPlan::Field { field, .. }) => field.name().to_string(),
            Some(ColumnPlan::Extra(name)) => name.clone(),
            None => self.header_name(column),
        }
    }

    /// Normalizes one source row (1-based `row` in its source).
    ///
    /// # Errors
    /// Only sink failures; unreadable rows are rejected and counted, not errors.
    pub fn push_row<R: RowCells + ?Sized>(
        &mut self,
        row: u64,
        cells: &R,
        sink: &mut dyn BatchSink,
    ) -> Result<(), IngestError> {
        if (0..cells.width()).all(|i| cells.is_blank(i)) {
            self.blank_row();
            return Ok(());
        }
        if self.may_repeat_header(cells)
            && crate::layout::is_repeated_header(&cells.to_cells(), &self.spec.header)
        {
            self.reject(
                row,
                &cells.to_cells(),
                None,
                "repeated header row (a second table stacked below the first)".into(),
            );
            return Ok(());
        }
        self.row.clear();
        match self.read_cells(cells) {
            Err((column, reason)) => {
                let name = self.header_name(column);
                self.reject(row, &cells.to_cells(), Some(name), reason);
                Ok(())
            }
            Ok(()) if self.is_title_line(cells) => {
                self.reject(
                    row,
                    &cells.to_cells(),
                    None,
                    "a line of one cell and no event date: a title or note between records, not a record".into(),
                );
                Ok(())
            }
            Ok(()) => self.append(row, sink),
        }
    }

    /// True for a row with no event date and text in one cell only: a title, banner or note
    /// line inside the data (a second release pasted below the first, a footnote), which
    /// would otherwise count as an undated record.
    fn is_title_line<R: RowCells + ?Sized>(&self, cells: &R) -> bool {
        self.event_fields.iter().all(|&f| self.row.get(f).is_none())
            && (0..cells.width()).filter(|&i| !cells.is_blank(i)).count() <= 1
    }

    /// False when the first cell shows the row cannot be a copy of the header (nearly
    /// every row: no cell is built to tell).
    fn may_repeat_header<R: RowCells + ?Sized>(&self, cells: &R) -> bool {
        match (&self.header_first, cells.raw_text(0)) {
            (HeaderFirst::Text(first), Some(raw)) => {
                let trimmed = raw.trim_ascii();
                // Unicode white space around the text needs the full check.
                trimmed.eq_ignore_ascii_case(first.as_bytes())
                    || (trimmed.len() > first.len() && !raw.is_ascii())
            }
            (HeaderFirst::Blank, _) => cells.is_blank(0),
            (HeaderFirst::Other, _) => false,
            (HeaderFirst::Text(_), None) => true,
        }
    }

    /// Fills `self.row` from the cells, or names the column and reason that reject it.
    fn read_cells<R: RowCells + ?Sized>(&mut self, cells: &R) -> Result<(), (usize, String)> {
        for i in 0..cells.width() {
            let (field, index, event_date) = match self.columns.get(i) {
                Some(ColumnPlan::Field {
                    field,
                    index,
                    event_date,
                }) => (*field, *index, *event_date),
                _ => {
                    if !cells.is_blank(i) {
                        self.read_extra(i, &cells.cell(i));
                    }
                    continue;
                }
            };
            let values = &mut self.dictionaries.fields[index];
            let codes = &mut self.dictionaries.codes;
            let reasons = &mut self.reject_reasons;
            let outcome = match cells.raw_text(i) {
                Some([]) => continue,
                Some(raw) => self.memos[i].outcome(raw, |raw| {
                    text_outcome(field, event_date, &decode_text(raw), values, codes, reasons)
                }),
                None => match cells.cell(i) {
                    CellValue::Empty => continue,
                    CellValue::Text(text) => self.memos[i].outcome(text.as_bytes(), |_| {
                        text_outcome(field, event_date, &text, values, codes, reasons)
                    }),
                    other => typed_outcome(field, event_date, &other, values, reasons),
                },
            };
            match outcome {
                CellOutcome::Blank => {}
                CellOutcome::Withheld(codes) => self.row.withheld.push((i as u32, codes)),
                CellOutcome::Text(key) => self.row.fields[index] = key as i32,
                CellOutcome::Date(days) => self.row.fields[index] = days,
                CellOutcome::Unparsed => self
                    .row
                    .unparsed
                    .push((index, cells.cell(i).to_text().trim().to_string())),
                CellOutcome::Reject(reason) => {
                    let reason = self.reject_reasons[reason as usize].clone();
                    return Err((i, reason));
                }
            }
        }
        Ok(())
    }

    /// A cell of a column Tally does not know: kept by header name in `extra_columns`, or
    /// as withheld when it is an exemption marker.
    fn read_extra(&mut self, column: usize, cell: &CellValue<'_>) {
        if cell.is_blank() {
            return;
        }
        let text = cell.to_text();
        if let Some(codes) = exemption_codes(&text) {
            let key = self.dictionaries.codes.key(&codes);
            self.row.withheld.push((column as u32, key));
        } else {
            let name = self.withheld_name(column);
            self.row.extra.insert(name, text.trim().into());
        }
    }

    fn append(&mut self, row: u64, sink: &mut dyn BatchSink) -> Result<(), IngestError> {
        let event_days = self.event_fields.iter().find_map(|&f| self.row.get(f));
        // Rows come sorted or clustered by date: the previous row's date and FY usually hold.
        let (event_date, fy) = match (event_days, self.last_event) {
            (None, _) => (None, None),
            (Some(days), Some((last, date, fy))) if days == last => (Some(date), Some(fy)),
            (Some(days), _) => {
                let date = from_epoch_days(days);
                let fy = fiscal_year(date);
                self.last_event = Some((days, date, fy));
                (Some(date), Some(fy))
            }
        };
        let aor_name = self
            .row
            .get(self.aor_field)
            .map(|k| k as u32)
            .or(self.banner_aor);
        // The banner names the AOR of rows that name none.
        if let Some(name) = aor_name {
            self.row.fields[self.aor_field] = name as i32;
        }
        let aor = match aor_name {
            Some(name) => self.aor_code(name),
            None => None,
        };
        let group = match self.method_field {
            Some(f) => Some(self.method_group(self.row.get(f).map(|k| k as u32))),
            None => None,
        };
        let withheld = self.withheld_key();
        let values = &self.row;

        // Accounting.
        let r = &mut self.report;
        r.rows_read += 1;
        r.rows_kept += 1;
        match event_date {
            Some(d) => {
                r.first_date = Some(r.first_date.map_or(d, |f| f.min(d)));
                r.last_date = Some(r.last_date.map_or(d, |l| l.max(d)));
                if let Some(fy) = fy {
                    match self.tally.rows_by_fy.iter_mut().find(|(f, _)| *f == fy) {
                        Some((_, n)) => *n += 1,
                        None => self.tally.rows_by_fy.push((fy, 1)),
                    }
                }
                if self.spec.table == TableKind::Removals {
                    self.recorded_fy.push(d, &mut r.rows_by_recorded_fy);
                }
            }
            None => r.undated_rows += 1,
        }
        let t = &mut self.tally;
        let span = match (aor, aor_name) {
            (Some(code), _) => {
                let code = code as usize;
                if t.aor_spans.len() <= code {
                    t.aor_spans.resize_with(code + 1, empty_span);
                }
                &mut t.aor_spans[code]
            }
            (None, Some(name)) => {
                *t.unmapped_names.entry(name).or_default() += 1;
                t.unmapped_span.get_or_insert_with(empty_span)
            }
            (None, None) => t.blank_span.get_or_insert_with(empty_span),
        };
        widen(span, event_date);
        for &(column, _) in &values.withheld {
            let column = column as usize;
            if t.withheld_cells.len() <= column {
                t.withheld_cells.resize(column + 1, 0);
            }
            t.withheld_cells[column] += 1;
        }
        for (field, _) in &values.unparsed {
            t.unparsed_cells[*field] += 1;
        }

        let batch_rows = self.spec.batch_rows;
        let at = match self.partitions.iter().position(|(f, _)| *f == fy) {
            Some(at) => at,
            None => {
                let batch = PendingBatch::new(&self.present, batch_rows);
                self.partitions.push((fy, batch));
                self.partitions.len() - 1
            }
        };
        let b = &mut self.partitions[at].1;
        b.row.push(row as i64);
        b.event_date.push_option(event_days);
        b.event_fy.push_option(fy);
        b.aor.push_option(aor.map(|k| k as i32));
        b.method_group.push_option(group.map(|k| k as i32));
        for (index, column) in &mut b.fields {
            column.push(values.fields[*index]);
        }
        b.withheld.push_option(withheld.map(|k| k as i32));
        if values.unparsed.is_empty() {
            b.unparsed.push_null();
        } else {
            let map: serde_json::Map<String, serde_json::Value> = values
                .unparsed
                .iter()
                .map(|(f, text)| (Field::ALL[*f].name().to_string(), text.as_str().into()))
                .collect();
            b.unparsed
                .push(serde_json::to_string(&map).unwrap_or_default());
        }
        if values.extra.is_empty() {
            b.extra.push_null();
        } else {
            b.extra
                .push(serde_json::to_string(&values.extra).unwrap_or_default());
        }
        b.len += 1;
        if b.len >= batch_rows {
            let batch = self
                .dictionaries
                .finish(b, self.spec.release_sha256, &self.spec.sheet)
                .map_err(|e| self.sink_error(e.to_string()))?;
            self.send(fy, batch, sink)?;
        }
        Ok(())
    }

    /// The key of the row's `withheld` value (`field=codes|field=codes`), `None` when
    /// no cell of the row is withheld.
    fn withheld_key(&mut self) -> Option<u32> {
        if self.row.withheld.is_empty() {
            return None;
        }
        if let Some((cells, key)) = &self.last_withheld
            && *cells == self.row.withheld
        {
            return Some(*key);
        }
        if let Some(&key) = self.withheld_rows.get(self.row.withheld.as_slice()) {
            self.last_withheld = Some((self.row.withheld.clone(), key));
            return Some(key);
        }
        let mut text = String::new();
        for &(column, codes) in &self.row.withheld {
            if !text.is_empty() {
                text.push('|');
            }
            text.push_str(&self.withheld_name(column as usize));
            text.push('=');
            text.push_str(self.dictionaries.codes.value(codes));
        }
        let key = self.dictionaries.withheld.key(&text);
        self.withheld_rows.insert(self.row.withheld.clone(), key);
        Some(key)
    }

    /// The AOR code key of an `aor_name` key (`None`: the crosswalk does not know it).
    fn aor_code(&mut self, name: u32) -> Option<u32> {
        let slot = name as usize;
        if self.aor_of_name.len() <= slot {
            self.aor_of_name.resize(slot + 1, None);
        }
        if let Some(code) = self.aor_of_name[slot] {
            return code;
        }
        let text = self.dictionaries.fields[self.aor_field].value(name);
        let code = self
            .vocab
            .aors
            .code_for(text)
            .map(|c| self.dictionaries.aor.key(c));
        self.aor_of_name[slot] = Some(code);
        code
    }

    /// The method-group key of an apprehension-method key (`None`: blank method); counts
    /// methods the scheme does not know.
    fn method_group(&mut self, method: Option<u32>) -> u32 {
        let memo = match method {
            Some(m) => {
                let slot = m as usize;
                if self.group_of_method.len() <= slot {
                    self.group_of_method.resize(slot + 1, None);
                }
                &mut self.group_of_method[slot]
            }
            None => &mut self.blank_method_group,
        };
        let (group, known) = match memo {
            Some(g) => *g,
            None => {
                let text = match (method, self.method_field) {
                    (Some(m), Some(f)) => self.dictionaries.fields[f].value(m),
                    _ => "",
                };
                let classified = self.vocab.methods.classify(text);
                let group = classified.unwrap_or(tally_model::MethodGroup::Other).name();
                let g = (
                    self.dictionaries.method_group.key(group),
                    classified.is_some(),
                );
                *memo = Some(g);
                g
            }
        };
        if !known {
            *self.tally.unknown_methods.entry(method).or_default() += 1;
        }
        group
    }

    fn sink_error(&self, detail: String) -> IngestError {
        IngestError::Sink {
            at: Location {
                file: self.spec.file.to_path_buf(),
                sheet: Some(self.spec.sheet.clone()),
                row: None,
                column: None,
            },
            detail,
        }
    }

    fn send(
        &self,
        fy: Option<i32>,
        batch: RecordBatch,
        sink: &mut dyn BatchSink,
    ) -> Result<(), IngestError> {
        sink.write_batch(self.spec.table, self.spec.sheet_index, fy, batch)
            .map_err(|e| self.sink_error(e.to_string()))
    }

    /// Flushes the remaining rows and returns the sheet's report and its rejects.
    ///
    /// # Errors
    /// Sink failures.
    pub fn finish(
        mut self,
        sink: &mut dyn BatchSink,
    ) -> Result<(SheetReport, Vec<RejectedRow>), IngestError> {
        self.recorded_fy.close(&mut self.report.rows_by_recorded_fy);
        let mut partitions = std::mem::take(&mut self.partitions);
        partitions.sort_by_key(|(fy, _)| *fy);
        for (fy, mut b) in partitions {
            if b.len > 0 {
                let batch = self
                    .dictionaries
                    .finish(&mut b, self.spec.release_sha256, &self.spec.sheet)
                    .map_err(|e| self.sink_error(e.to_string()))?;
                self.send(fy, batch, sink)?;
            }
        }
        self.report_tally();
        Ok((self.report, self.rejects))
    }

    /// Moves the running counts into the report under their names.
    fn report_tally(&mut self) {
        let t = std::mem::take(&mut self.tally);
        let r = &mut self.report;
        r.rows_by_fy.extend(t.rows_by_fy);
        for (code, span) in t.aor_spans.into_iter().enumerate() {
            if span.rows > 0 {
                let name = self.dictionaries.aor.value(code as u32).to_string();
                r.aors.insert(name, span);
            }
        }
        if let Some(span) = t.unmapped_span {
            r.aors.insert("(unmapped)".into(), span);
        }
        if let Some(span) = t.blank_span {
            r.aors.insert("(blank)".into(), span);
        }
        let names = &self.dictionaries.fields[self.aor_field];
        for (name, n) in t.unmapped_names {
            *r.unmapped_aors
                .entry(names.value(name).to_string())
                .or_default() += n;
        }
        for (method, n) in t.unknown_methods {
            let name = match (method, self.method_field) {
                (Some(m), Some(f)) => self.dictionaries.fields[f].value(m).to_string(),
                _ => "(blank)".to_string(),
            };
            *r.unknown_methods.entry(name).or_default() += n;
        }
        for (column, n) in t.withheld_cells.into_iter().enumerate() {
            if n > 0 {
                let name = self.withheld_name(column);
                *self.report.withheld_cells.entry(name).or_default() += n;
            }
        }
        for (field, n) in t.unparsed_cells.into_iter().enumerate() {
            if n > 0 {
                *self
                    .report
                    .unparsed_cells
                    .entry(Field::ALL[field].name().to_string())
                    .or_default() += n;
            }
        }
    }
}

/// Position of a field in [`Field::ALL`].
pub fn field_index(f: Field) -> usize {
    Field::ALL.iter().position(|x| *x == f).unwrap_or(0)
}
