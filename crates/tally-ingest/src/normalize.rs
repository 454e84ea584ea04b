//! Row normalization: source cells → canonical Arrow columns with provenance.
//!
//! Rules (each documented where its vocabulary lives): withheld markers become null with
//! their codes in `withheld` ([`tally_model::withheld`]); AOR names become codes
//! ([`tally_model::AorCrosswalk`]); methods get a group ([`tally_model::MethodGroups`]);
//! dates accept Excel dates, Excel serials and text ([`tally_model::date`]). A row is
//! rejected, with the column and reason, only when its event date cannot be read or lies
//! outside [`EVENT_DATE_RANGE`]; other unreadable cells are kept as raw text in
//! `unparsed_values`, and unknown columns in `extra_columns`.

use crate::BatchSink;
use crate::cell::{CellValue, row_text};
use crate::error::{IngestError, Location};
use crate::layout::ColumnRole;
use crate::report::{AorSpan, RejectedRow, SheetReport};
use crate::schema::canonical_schema;
use arrow_array::builder::{Date32Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use chrono::NaiveDate;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::sync::Arc;
use tally_model::date::{
    DateError, check_plausible, excel_serial_to_date, parse_text_date, to_epoch_days,
};
use tally_model::fiscal::fiscal_year;
use tally_model::withheld::exemption_codes;
use tally_model::{AorCrosswalk, Field, FieldType, MethodGroups, TableKind};

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

enum FieldBuilder {
    Text(StringBuilder),
    Date(Date32Builder),
}

struct Builders {
    row: Int64Builder,
    event_date: Date32Builder,
    event_fy: Int32Builder,
    aor: StringBuilder,
    method_group: StringBuilder,
    fields: Vec<FieldBuilder>,
    withheld: StringBuilder,
    unparsed: StringBuilder,
    extra: StringBuilder,
    len: usize,
}

impl Builders {
    fn new() -> Builders {
        Builders {
            row: Int64Builder::new(),
            event_date: Date32Builder::new(),
            event_fy: Int32Builder::new(),
            aor: StringBuilder::new(),
            method_group: StringBuilder::new(),
            fields: Field::ALL
                .iter()
                .map(|f| match f.field_type() {
                    FieldType::Text => FieldBuilder::Text(StringBuilder::new()),
                    FieldType::Date => FieldBuilder::Date(Date32Builder::new()),
                })
                .collect(),
            withheld: StringBuilder::new(),
            unparsed: StringBuilder::new(),
            extra: StringBuilder::new(),
            len: 0,
        }
    }

    fn finish(
        &mut self,
        release: &str,
        sheet: &str,
    ) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let constant = |value: &str| -> Result<ArrayRef, arrow_schema::ArrowError> {
            let keys = arrow_array::Int32Array::from(vec![0; self.len]);
            let values = Arc::new(arrow_array::StringArray::from(vec![value]));
            Ok(Arc::new(arrow_array::DictionaryArray::try_new(
                keys, values,
            )?))
        };
        let mut columns: Vec<ArrayRef> = vec![
            constant(release)?,
            constant(sheet)?,
            Arc::new(self.row.finish()),
            Arc::new(self.event_date.finish()),
            Arc::new(self.event_fy.finish()),
            Arc::new(self.aor.finish()),
            Arc::new(self.method_group.finish()),
        ];
        for b in &mut self.fields {
            columns.push(match b {
                FieldBuilder::Text(t) => Arc::new(t.finish()),
                FieldBuilder::Date(d) => Arc::new(d.finish()),
            });
        }
        columns.push(Arc::new(self.withheld.finish()));
        columns.push(Arc::new(self.unparsed.finish()));
        columns.push(Arc::new(self.extra.finish()));
        self.len = 0;
        RecordBatch::try_new(canonical_schema(), columns)
    }
}

/// One row's values between parsing and appending.
#[derive(Default)]
struct RowScratch {
    /// Trimmed text of each field, as a byte range of `text_buf` (no allocation per cell).
    texts: Vec<Option<(usize, usize)>>,
    text_buf: String,
    dates: Vec<Option<i32>>,
    /// `field=codes|field=codes` for the row's withheld cells.
    withheld: String,
    unparsed: serde_json::Map<String, serde_json::Value>,
    extra: serde_json::Map<String, serde_json::Value>,
}

/// Normalizes the rows of one sheet, streaming full batches to a sink.
pub struct SheetNormalizer<'v> {
    vocab: &'v Vocabulary,
    spec: SheetSpec<'v>,
    event_date_columns: Vec<usize>,
    has_method: bool,
    partitions: BTreeMap<Option<i32>, Builders>,
    aor_cache: HashMap<String, Option<&'static str>>,
    method_cache: HashMap<String, (&'static str, bool)>,
    report: SheetReport,
    rejects: Vec<RejectedRow>,
    scratch: RowScratch,
    banner_aor: Option<Arc<str>>,
    recorded_fy: RecordedFyRuns,
    withheld_cache: HashMap<String, Option<Arc<str>>>,
    date_memo: Vec<DateMemo>,
}

/// Infers the fiscal year in which ICE *recorded* each removal.
///
/// ICE counts a removal in the FY its case was closed, which can be after the departure
/// (UW v. DHS workbook, Footnotes: "FY Data Lag/Case Closure Lag ... the removal is
/// recorded in the month the case was closed and reported in the next FY Removals"). The
/// LESA-STU removal sheets list rows by that recorded FY, then by departed date, so a
/// recorded-FY block ends wherever the departed date steps backwards. Each block's FY is
/// the FY of its latest departed date (a lag only ever moves a removal later). The
/// Summary sheet's removal totals are by recorded FY; reconciliation uses these counts.
#[derive(Debug, Default)]
struct RecordedFyRuns {
    previous: Option<NaiveDate>,
    run_max: Option<NaiveDate>,
    run_rows: u64,
}

impl RecordedFyRuns {
    fn push(&mut self, date: NaiveDate, into: &mut BTreeMap<i32, u64>) {
        if self.previous.is_some_and(|p| date < p) {
            self.close(into);
        }
        self.previous = Some(date);
        self.run_max = Some(self.run_max.map_or(date, |m| m.max(date)));
        self.run_rows += 1;
    }

    fn close(&mut self, into: &mut BTreeMap<i32, u64>) {
        if let Some(max) = self.run_max.take() {
            *into.entry(fiscal_year(max)).or_default() += self.run_rows;
        }
        self.run_rows = 0;
    }
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
        let has_method = spec
            .roles
            .contains(&ColumnRole::Field(Field::ApprehensionMethod));
        let columns = spec
            .header
            .iter()
            .zip(&spec.roles)
            .map(|(h, r)| (h.to_text().trim().to_string(), r.clone()))
            .collect();
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
            columns,
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
        let spec_banner_aor = spec.banner_aor.as_deref().map(Arc::from);
        Ok(SheetNormalizer {
            vocab,
            spec,
            event_date_columns,
            has_method,
            partitions: BTreeMap::new(),
            aor_cache: HashMap::default(),
            method_cache: HashMap::default(),
            report,
            rejects: Vec::new(),
            scratch: RowScratch {
                texts: vec![None; n],
                dates: vec![None; n],
                ..RowScratch::default()
            },
            banner_aor: spec_banner_aor,
            recorded_fy: RecordedFyRuns::default(),
            withheld_cache: HashMap::default(),
            date_memo: vec![None; Field::ALL.len()],
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

    /// Normalizes one source row (1-based `row` in its source).
    ///
    /// # Errors
    /// Only sink failures; unreadable rows are rejected and counted, not errors.
    pub fn push_row(
        &mut self,
        row: u64,
        cells: &[CellValue<'_>],
        sink: &mut dyn BatchSink,
    ) -> Result<(), IngestError> {
        if cells.iter().all(CellValue::is_blank) {
            self.blank_row();
            return Ok(());
        }
        if crate::layout::is_repeated_header(cells, &self.spec.header) {
            self.reject(
                row,
                cells,
                None,
                "repeated header row (a second table stacked below the first)".into(),
            );
            return Ok(());
        }
        let mut s = std::mem::take(&mut self.scratch);
        s.texts.iter_mut().for_each(|t| *t = None);
        s.text_buf.clear();
        s.dates.iter_mut().for_each(|d| *d = None);
        s.withheld.clear();
        s.unparsed.clear();
        s.extra.clear();
        let outcome = self.parse_cells(row, cells, &mut s);
        let result = match outcome {
            Err((column, reason)) => {
                let name = self.header_name(column);
                self.reject(row, cells, Some(name), reason);
                Ok(())
            }
            Ok(()) => self.append(row, &s, sink),
        };
        self.scratch = s;
        result
    }

    fn parse_cells(
        &mut self,
        _row: u64,
        cells: &[CellValue<'_>],
        s: &mut RowScratch,
    ) -> Result<(), (usize, String)> {
        for (i, cell) in cells.iter().enumerate() {
            if cell.is_blank() {
                continue;
            }
            let role = self
                .spec
                .roles
                .get(i)
                .cloned()
                .unwrap_or(ColumnRole::Unnamed(i + 1));
            match role {
                ColumnRole::Field(f) => {
                    let fi = field_index(f);
                    let is_event = self.event_date_columns.contains(&i);
                    if let Some(codes) = self.withheld_codes(cell) {
                        *self
                            .report
                            .withheld_cells
                            .entry(f.name().to_string())
                            .or_default() += 1;
                        push_withheld(&mut s.withheld, f.name(), &codes);
                        continue;
                    }
                    match parse_field(f, cell, &mut self.date_memo[fi]) {
                        Parsed::Text(t) => {
                            let start = s.text_buf.len();
                            s.text_buf.push_str(t.trim());
                            s.texts[fi] = Some((start, s.text_buf.len()));
                        }
                        Parsed::Date(d) => {
                            let range = if is_event {
                                EVENT_DATE_RANGE
                            } else {
                                OTHER_DATE_RANGE
                            };
                            match check_plausible(d, range.0, range.1) {
                                Ok(d) => s.dates[fi] = Some(to_epoch_days(d)),
                                Err(e) if is_event => return Err((i, e.to_string())),
                                Err(_) => self.keep_unparsed(s, f, cell),
                            }
                        }
                        Parsed::Unreadable(e) => {
                            if is_event {
                                return Err((i, e));
                            }
                            self.keep_unparsed(s, f, cell);
                        }
                    }
                }
                ColumnRole::Extra(_) | ColumnRole::Unnamed(_) => {
                    let name = self.header_name(i);
                    let text = cell.to_text();
                    if let Some(codes) = exemption_codes(&text) {
                        *self.report.withheld_cells.entry(name.clone()).or_default() += 1;
                        push_withheld(&mut s.withheld, &name, &codes);
                    } else {
                        s.extra.insert(name, text.trim().into());
                    }
                }
            }
        }
        Ok(())
    }

    fn append(
        &mut self,
        row: u64,
        s: &RowScratch,
        sink: &mut dyn BatchSink,
    ) -> Result<(), IngestError> {
        let event_days = self
            .spec
            .table
            .event_date_fields()
            .iter()
            .find_map(|f| s.dates[field_index(*f)]);
        let event_date = event_days.map(tally_model::date::from_epoch_days);
        let fy = event_date.map(fiscal_year);
        let aor_fi = field_index(Field::AorName);
        let banner_aor = self.banner_aor.clone();
        let aor_name: Option<&str> = s.text(aor_fi).or(banner_aor.as_deref());
        let aor_code = match aor_name {
            None => None,
            Some(name) => self.aor_code(name),
        };
        let group = if self.has_method {
            let method = s.text(field_index(Field::ApprehensionMethod)).unwrap_or("");
            Some(self.method_group(method))
        } else {
            None
        };

        // Accounting.
        let r = &mut self.report;
        r.rows_read += 1;
        r.rows_kept += 1;
        match event_date {
            Some(d) => {
                r.first_date = Some(r.first_date.map_or(d, |f| f.min(d)));
                r.last_date = Some(r.last_date.map_or(d, |l| l.max(d)));
                if let Some(fy) = fy {
                    *r.rows_by_fy.entry(fy).or_default() += 1;
                }
                if self.spec.table == TableKind::Removals {
                    self.recorded_fy.push(d, &mut r.rows_by_recorded_fy);
                }
            }
            None => r.undated_rows += 1,
        }
        let aor_key = match (aor_code, aor_name) {
            (Some(code), _) => code.to_string(),
            (None, Some(_)) => "(unmapped)".to_string(),
            (None, None) => "(blank)".to_string(),
        };
        let span = r.aors.entry(aor_key).or_insert(AorSpan {
            first: None,
            last: None,
            rows: 0,
        });
        span.rows += 1;
        if let Some(d) = event_date {
            span.first = Some(span.first.map_or(d, |f| f.min(d)));
            span.last = Some(span.last.map_or(d, |l| l.max(d)));
        }

        let batch_rows = self.spec.batch_rows;
        let b = self.partitions.entry(fy).or_insert_with(Builders::new);
        b.row.append_value(row as i64);
        b.event_date.append_option(event_days);
        b.event_fy.append_option(fy);
        b.aor.append_option(aor_code);
        b.method_group.append_option(group);
        for (i, fb) in b.fields.iter_mut().enumerate() {
            match fb {
                FieldBuilder::Text(t) => {
                    if i == aor_fi && s.texts[i].is_none() {
                        t.append_option(aor_name);
                    } else {
                        t.append_option(s.text(i));
                    }
                }
                FieldBuilder::Date(d) => d.append_option(s.dates[i]),
            }
        }
        if s.withheld.is_empty() {
            b.withheld.append_null();
        } else {
            b.withheld.append_value(&s.withheld);
        }
        append_json(&mut b.unparsed, &s.unparsed);
        append_json(&mut b.extra, &s.extra);
        b.len += 1;
        if b.len >= batch_rows {
            let batch = b
                .finish(self.spec.release_sha256, &self.spec.sheet)
                .map_err(|e| self.sink_error(e.to_string()))?;
            self.send(fy, batch, sink)?;
        }
        Ok(())
    }

    /// Keeps a cell that could not be read as its field's type as raw text in
    /// `unparsed_values`, and counts it.
    fn keep_unparsed(&mut self, s: &mut RowScratch, field: Field, cell: &CellValue<'_>) {
        *self
            .report
            .unparsed_cells
            .entry(field.name().to_string())
            .or_default() += 1;
        s.unparsed
            .insert(field.name().into(), cell.to_text().trim().into());
    }

    /// Exemption codes of a withheld text cell, cached by the cell's exact text (releases
    /// repeat the same marker on every row).
    fn withheld_codes(&mut self, cell: &CellValue<'_>) -> Option<Arc<str>> {
        let CellValue::Text(t) = cell else {
            return None;
        };
        if !t.contains('(') {
            return None;
        }
        if let Some(hit) = self.withheld_cache.get(t.as_ref()) {
            return hit.clone();
        }
        let codes: Option<Arc<str>> = exemption_codes(t).map(Arc::from);
        self.withheld_cache.insert(t.to_string(), codes.clone());
        codes
    }

    fn aor_code(&mut self, name: &str) -> Option<&'static str> {
        if let Some(code) = self.aor_cache.get(name) {
            if code.is_none() {
                *self
                    .report
                    .unmapped_aors
                    .entry(name.to_string())
                    .or_default() += 1;
            }
            return *code;
        }
        let code = self.vocab.aors.code_for(name);
        self.aor_cache.insert(name.to_string(), code);
        if code.is_none() {
            *self
                .report
                .unmapped_aors
                .entry(name.to_string())
                .or_default() += 1;
        }
        code
    }

    fn method_group(&mut self, method: &str) -> &'static str {
        let (group, known) = match self.method_cache.get(method) {
            Some(v) => *v,
            None => {
                let classified = self.vocab.methods.classify(method);
                let v = (
                    classified.unwrap_or(tally_model::MethodGroup::Other).name(),
                    classified.is_some(),
                );
                self.method_cache.insert(method.to_string(), v);
                v
            }
        };
        if !known {
            let key = if method.is_empty() { "(blank)" } else { method };
            *self
                .report
                .unknown_methods
                .entry(key.to_string())
                .or_default() += 1;
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
        let partitions = std::mem::take(&mut self.partitions);
        for (fy, mut b) in partitions {
            if b.len > 0 {
                let batch = b
                    .finish(self.spec.release_sha256, &self.spec.sheet)
                    .map_err(|e| self.sink_error(e.to_string()))?;
                self.send(fy, batch, sink)?;
            }
        }
        Ok((self.report, self.rejects))
    }
}

impl RowScratch {
    fn text(&self, field: usize) -> Option<&str> {
        self.texts[field].map(|(a, b)| &self.text_buf[a..b])
    }
}

fn push_withheld(buf: &mut String, name: &str, codes: &str) {
    if !buf.is_empty() {
        buf.push('|');
    }
    buf.push_str(name);
    buf.push('=');
    buf.push_str(codes);
}

fn append_json(builder: &mut StringBuilder, map: &serde_json::Map<String, serde_json::Value>) {
    if map.is_empty() {
        builder.append_null();
    } else {
        builder.append_value(serde_json::Value::Object(map.clone()).to_string());
    }
}

/// Position of a field in [`Field::ALL`].
pub fn field_index(f: Field) -> usize {
    Field::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

enum Parsed<'a> {
    Text(std::borrow::Cow<'a, str>),
    Date(NaiveDate),
    Unreadable(String),
}

/// The last text date parsed for one field, with its result: release rows come sorted or
/// clustered by date, so most date cells repeat the previous row's text.
type DateMemo = Option<(String, Result<Option<NaiveDate>, DateError>)>;

fn parse_field<'a>(field: Field, cell: &'a CellValue<'_>, memo: &mut DateMemo) -> Parsed<'a> {
    if let CellValue::Error(e) = cell {
        return Parsed::Unreadable(format!("spreadsheet error cell {e}"));
    }
    match field.field_type() {
        FieldType::Text => Parsed::Text(cell.to_text()),
        FieldType::Date => {
            let parsed: Result<Option<NaiveDate>, DateError> = match cell {
                CellValue::Date(d) => Ok(Some(*d)),
                CellValue::Number(n) => excel_serial_to_date(*n).map(Some),
                CellValue::Text(t) => match memo {
                    Some((text, result)) if text.as_str() == t.as_ref() => result.clone(),
                    _ => {
                        let result = parse_text_date(t);
                        *memo = Some((t.to_string(), result.clone()));
                        result
                    }
                },
                CellValue::Empty | CellValue::Error(_) => Ok(None),
            };
            match parsed {
                Ok(Some(d)) => Parsed::Date(d),
                Ok(None) => Parsed::Unreadable("empty".into()),
                Err(e) => Parsed::Unreadable(e.to_string()),
            }
        }
    }
}
