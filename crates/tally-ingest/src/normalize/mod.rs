//! Row normalization: source cells → a table's canonical Arrow columns with provenance,
//! driven by the table's definition (`tally_model::TableDef`).
//!
//! Rules (each documented where its vocabulary lives): missing-value placeholders (`NA`,
//! `N/A`, `NULL`, `--`; [`tally_model::MissingValues`]) become null and are counted
//! apart; withheld markers become null with their codes in `withheld`
//! ([`tally_model::withheld`]); AOR names become codes ([`tally_model::AorCrosswalk`]);
//! methods get a group ([`tally_model::MethodGroups`]); dates and datetimes accept Excel
//! dates, Excel serials and the text forms of [`tally_model::date`]; flags read
//! `YES`/`NO` and their spellings; integers read whole numbers (`1994.0` too). A row is
//! rejected, with the column and reason, only when its event date cannot be read or lies
//! outside [`EVENT_DATE_RANGE`]; other unreadable cells are kept as raw text in
//! `unparsed_values`, and unknown columns in `extra_columns`.
//!
//! How: each distinct text of a column is normalized once (a per-column memo of raw
//! bytes to outcome) and text columns are built as Arrow dictionaries, so a row costs a
//! few lookups and 4-byte keys however long its texts are. Identifiers, mostly distinct,
//! skip the memo and are copied as plain text.

mod batch;
mod column;
mod dictionary;
mod memo;
mod place;
mod recorded_fy;
mod rules;

use crate::cell::{CellValue, RowCells, decode_text, row_text};
use crate::error::{IngestError, Location};
use arrow_array::RecordBatch;
use batch::{Dictionaries, PendingBatch};
use chrono::NaiveDate;
use column::NULL64;
use dictionary::ValueDictionary;
use memo::{CellOutcome, ColumnMemo};
use recorded_fy::RecordedFyRuns;
use rules::CellRules;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use tally_catalog::{AorSpan, Banner, BatchSink, ColumnRole, HeaderNote, RejectedRow, SheetReport};
use tally_model::date::from_epoch_days;
use tally_model::fiscal::fiscal_year;
use tally_model::withheld::exemption_codes;
use tally_model::{AorCrosswalk, Catalog, FieldType, MethodGroups, TableDef, TableKind};

/// Event dates outside this inclusive range reject the row (one definition, in the model).
pub use tally_model::date::EVENT_DATE_RANGE;

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
    /// Tables, the column crosswalk and missing-value placeholders.
    pub catalog: &'static Catalog,
}

impl Vocabulary {
    /// The vocabularies shipped with Tally.
    pub fn embedded() -> Vocabulary {
        Vocabulary {
            aors: AorCrosswalk::embedded(),
            methods: MethodGroups::embedded(),
            catalog: Catalog::embedded(),
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
    /// Headers mapped only after normalizing them.
    pub header_notes: Vec<HeaderNote>,
    /// The banner above the header (its AOR names the rows of a sheet with no AOR column).
    pub banner: Banner,
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
    /// A field, at `index` in the table's fields; `event` is its position among the
    /// table's event fields.
    Field {
        index: usize,
        field_type: FieldType,
        event: Option<usize>,
    },
    /// The date part of field `index`, which another column holds in full.
    DatePart { index: usize },
    /// A column Tally does not know, kept under this name in `extra_columns`.
    Extra(String),
}

/// One row's normalized values between its cells and its batch.
#[derive(Default)]
struct RowValues {
    /// Per field: its dictionary key (text, flags), days since 1970-01-01 (dates),
    /// seconds since 1970-01-01 (datetimes), the number (integers), or 1 for a present
    /// identifier (its text in `identifiers`); [`NULL64`] when null.
    fields: Vec<i64>,
    /// Per field: the identifier's text, when the field is an identifier.
    identifiers: Vec<String>,
    /// Per event field: whether its cell stated a time of day.
    event_has_time: Vec<bool>,
    /// (field index, days, source column) of date-part cells.
    date_parts: Vec<(usize, i32, usize)>,
    /// (source column, key of its exemption codes), in column order.
    withheld: Vec<(u32, u32)>,
    /// (field index, raw text) of cells unreadable as their field's type.
    unparsed: Vec<(usize, String)>,
    /// Fields whose cell held a missing-value placeholder.
    placeholders: Vec<usize>,
    /// (field index, spelling index) of cells released in a listed spelling.
    respelled: Vec<(usize, u32)>,
    extra: serde_json::Map<String, serde_json::Value>,
}

impl RowValues {
    fn clear(&mut self) {
        self.fields.iter_mut().for_each(|v| *v = NULL64);
        self.event_has_time.iter_mut().for_each(|v| *v = false);
        self.date_parts.clear();
        self.withheld.clear();
        self.unparsed.clear();
        self.placeholders.clear();
        self.respelled.clear();
        if !self.extra.is_empty() {
            self.extra.clear();
        }
    }

    /// The value of field `index`, `None` when null.
    fn get(&self, index: usize) -> Option<i64> {
        let v = self.fields[index];
        (v != NULL64).then_some(v)
    }
}

/// Fields with more distinct values than this in a sheet are not reported value by value.
const MAX_VOCABULARY: usize = 300;

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
    /// Per method key (`None`: blank) not in the method-group scheme.
    unknown_methods: FxHashMap<Option<u32>, u64>,
    /// Per source column.
    withheld_cells: Vec<u64>,
    /// Per field index.
    unparsed_cells: Vec<u64>,
    /// Per field index.
    placeholder_cells: Vec<u64>,
    /// Per (field index, spelling index): cells stored under the value a spelling stands for.
    respelled_cells: BTreeMap<(usize, u32), u64>,
    /// Per field index: date parts that disagree with their full column.
    date_part_mismatches: Vec<u64>,
    /// Kept rows per fiscal year of the event date.
    rows_by_fy: Vec<(i32, u64)>,
    /// Kept rows per event date.
    rows_by_day: FxHashMap<NaiveDate, u64>,
    /// Per text field, per dictionary key: (first event day, last event day, rows), days
    /// since 1970.
    value_spans: Vec<Vec<(i32, i32, u64)>>,
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
    def: &'static TableDef,
    spec: SheetSpec<'v>,
    columns: Vec<ColumnPlan>,
    banner_aor: Option<u32>,
    /// Indexes of the fields some column of the sheet holds (or, for the AOR field, the
    /// banner), ascending.
    present: Vec<usize>,
    /// The text fields among `present`: the ones whose values' spans are tracked.
    text_present: Vec<usize>,
    /// The event day rows are being counted for, and how many so far, before they go into
    /// `Tally::rows_by_day` (rows come mostly in date order: one map update per run).
    day_run: Option<(NaiveDate, u64)>,
    /// Reasons that reject a row, by [`CellOutcome::Reject`] index.
    reject_reasons: Vec<String>,
    header_first: HeaderFirst,
    memos: Vec<ColumnMemo>,
    dictionaries: Dictionaries,
    /// Per AOR-name key: its AOR code key, once looked up.
    aor_of_name: Vec<Option<Option<u32>>>,
    /// Per method key: its group key and whether the scheme knows it.
    group_of_method: Vec<Option<(u32, bool)>>,
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
    /// Kept rows whose event time of day is exactly midnight: when every timed row's is,
    /// the times are dates written as timestamps (`2007-10-02 00:00:00`), not times.
    event_midnight_rows: u64,
}

impl<'v> SheetNormalizer<'v> {
    /// Prepares a sheet. A table whose AOR or method column is missing is still read
    /// (every row kept), with a warning in the sheet report.
    ///
    /// # Errors
    /// [`IngestError::MissingColumn`] when the header has none of the table's event-date
    /// columns: such a sheet cannot be placed in time (and is often no release table at
    /// all, such as a facility list), so it is refused with the headers Tally would read
    /// and the ones it does not know.
    pub fn new(
        vocab: &'v Vocabulary,
        spec: SheetSpec<'v>,
    ) -> Result<SheetNormalizer<'v>, IngestError> {
        let def = spec.table.def();
        let field_of = |name: &str| def.field_index(name);
        let columns: Vec<ColumnPlan> = spec
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| match role {
                ColumnRole::Field(name) => match field_of(name) {
                    Some(index) => ColumnPlan::Field {
                        index,
                        field_type: def.fields[index].field_type,
                        event: def.event.iter().position(|&e| e == index),
                    },
                    None => ColumnPlan::Extra(header_text(&spec.header, i)),
                },
                ColumnRole::DatePartOf(name) => match field_of(name) {
                    Some(index) => ColumnPlan::DatePart { index },
                    None => ColumnPlan::Extra(header_text(&spec.header, i)),
                },
                ColumnRole::Extra(name) => ColumnPlan::Extra(name.clone()),
                ColumnRole::Unnamed(n) => ColumnPlan::Extra(format!("column {n}")),
            })
            .collect();
        let holds = |index: usize| {
            columns
                .iter()
                .any(|c| matches!(c, ColumnPlan::Field { index: i, .. } if *i == index))
        };
        let n = def.fields.len();
        let mut dictionaries = Dictionaries {
            fields: (0..n).map(|_| ValueDictionary::default()).collect(),
            ..Dictionaries::default()
        };
        let banner_aor = match (def.aor, &spec.banner.aor_name) {
            (Some(aor), Some(name)) if !holds(aor) => {
                Some(dictionaries.fields[aor].key(name.trim()))
            }
            _ => None,
        };
        let mut present: Vec<usize> = columns
            .iter()
            .filter_map(|plan| match plan {
                ColumnPlan::Field { index, .. } | ColumnPlan::DatePart { index, .. } => {
                    Some(*index)
                }
                ColumnPlan::Extra(_) => None,
            })
            .chain(banner_aor.and(def.aor))
            // A `Place, State` key fills the state field of rows that leave it blank.
            .chain(def.place_state.filter(|_| def.key.is_some_and(holds)))
            .collect();
        present.sort_unstable();
        present.dedup();
        let mut warnings = role_warnings(vocab, &spec, def, &holds, banner_aor.is_some());
        if let Some(at) = warnings
            .iter()
            .position(|w| w.starts_with(NO_EVENT_DATE) || w.starts_with(NO_KEY))
        {
            return Err(IngestError::MissingColumn {
                at: Location {
                    file: spec.file.to_path_buf(),
                    sheet: Some(spec.sheet.clone()),
                    row: Some(spec.header_row),
                    column: None,
                },
                detail: format!(
                    "the header of this {} table has {}",
                    spec.table,
                    warnings.remove(at)
                ),
            });
        }
        let header_first = match spec.header.first() {
            None => HeaderFirst::Blank,
            Some(c) if c.is_blank() => HeaderFirst::Blank,
            Some(CellValue::Text(t)) => HeaderFirst::Text(t.trim().to_string()),
            Some(_) => HeaderFirst::Other,
        };
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
            rows_by_day: BTreeMap::new(),
            value_spans: BTreeMap::new(),
            rows_by_recorded_fy: BTreeMap::new(),
            aors: BTreeMap::new(),
            unmapped_aors: BTreeMap::new(),
            unknown_methods: BTreeMap::new(),
            withheld_cells: BTreeMap::new(),
            unparsed_cells: BTreeMap::new(),
            placeholder_cells: BTreeMap::new(),
            respelled_cells: Vec::new(),
            event_time_rows: 0,
            rows_outside_stated: 0,
            original_files: Vec::new(),
            header_notes: spec.header_notes.clone(),
            warnings,
        };
        let text_present: Vec<usize> = present
            .iter()
            .copied()
            .filter(|&f| def.fields[f].field_type == FieldType::Text)
            .collect();
        Ok(SheetNormalizer {
            vocab,
            def,
            text_present,
            day_run: None,
            present,
            reject_reasons: Vec::new(),
            header_first,
            memos: (0..columns.len()).map(|_| ColumnMemo::default()).collect(),
            columns,
            banner_aor,
            dictionaries,
            aor_of_name: Vec::new(),
            group_of_method: Vec::new(),
            withheld_rows: FxHashMap::default(),
            last_withheld: None,
            last_event: None,
            partitions: Vec::new(),
            report,
            rejects: Vec::new(),
            row: RowValues {
                fields: vec![NULL64; n],
                identifiers: vec![String::new(); n],
                event_has_time: vec![false; def.event.len()],
                ..RowValues::default()
            },
            tally: Tally {
                unparsed_cells: vec![0; n],
                placeholder_cells: vec![0; n],
                date_part_mismatches: vec![0; n],
                ..Tally::default()
            },
            recorded_fy: RecordedFyRuns::default(),
            event_midnight_rows: 0,
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
            _ => header_text(&self.spec.header, column),
        }
    }

    /// The name a withheld cell of source column `column` is listed under in `withheld`:
    /// the canonical field, or the header of a column Tally does not know.
    fn withheld_name(&self, column: usize) -> String {
        match self.columns.get(column) {
            Some(ColumnPlan::Field { index, .. }) | Some(ColumnPlan::DatePart { index, .. }) => {
                self.def.fields[*index].name.clone()
            }
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
        let read = self.read_cells(cells);
        if read.is_ok() {
            self.split_place_state();
        }
        match read {
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
                    "a line with no event date and at most one filled cell: a title or note between records, not a record".into(),
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
        self.def
            .anchor_fields()
            .iter()
            .all(|&f| self.row.get(f).is_none())
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
            let (index, field_type, event, date_part) = match self.columns.get(i) {
                Some(ColumnPlan::Field {
                    index,
                    field_type,
                    event,
                }) => (*index, *field_type, *event, false),
                Some(ColumnPlan::DatePart { index, .. }) => (*index, FieldType::Date, None, true),
                _ => {
                    if !cells.is_blank(i) {
                        self.read_extra(i, &cells.cell(i));
                    }
                    continue;
                }
            };
            if field_type == FieldType::Identifier {
                self.read_identifier(i, index, &cells.cell(i));
                continue;
            }
            let mut rules = CellRules {
                field_type,
                event_date: event.is_some(),
                values: &mut self.dictionaries.fields[index],
                codes: &mut self.dictionaries.codes,
                reasons: &mut self.reject_reasons,
                missing: self.vocab.catalog.missing(),
                spellings: &self.def.fields[index].spelling,
                month_year: self.def.fields[index].month_year_text,
            };
            let outcome = match cells.raw_text(i) {
                Some([]) => continue,
                Some(raw) => self.memos[i].outcome(raw, |raw| rules.text(&decode_text(raw))),
                None => match cells.cell(i) {
                    CellValue::Empty => continue,
                    CellValue::Text(text) => {
                        self.memos[i].outcome(text.as_bytes(), |_| rules.text(&text))
                    }
                    other => rules.typed(&other),
                },
            };
            let value = match outcome {
                CellOutcome::Blank => continue,
                CellOutcome::Missing => {
                    self.row.placeholders.push(index);
                    continue;
                }
                CellOutcome::Withheld(codes) => {
                    self.row.withheld.push((i as u32, codes));
                    continue;
                }
                CellOutcome::Unparsed => {
                    self.row
                        .unparsed
                        .push((index, cells.cell(i).to_text().trim().to_string()));
                    continue;
                }
                CellOutcome::Reject(reason) => {
                    return Err((i, self.reject_reasons[reason as usize].clone()));
                }
                CellOutcome::Text(key) => key as i64,
                CellOutcome::Respelled(key, spelling) => {
                    self.row.respelled.push((index, spelling));
                    key as i64
                }
                CellOutcome::Date(days) => days as i64,
                CellOutcome::Integer(n) | CellOutcome::Number(n) => n,
                CellOutcome::DateTime(seconds, has_time) => {
                    if let Some(slot) = event {
                        self.row.event_has_time[slot] = has_time;
                    }
                    seconds
                }
            };
            if date_part {
                self.row.date_parts.push((index, value as i32, i));
            } else {
                self.row.fields[index] = value;
            }
        }
        if !self.row.date_parts.is_empty() {
            self.settle_date_parts(cells);
        }
        Ok(())
    }

    /// An identifier cell: copied as plain text unless blank, a placeholder or withheld.
    fn read_identifier(&mut self, column: usize, index: usize, cell: &CellValue<'_>) {
        let text = cell.to_text();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return;
        }
        if self.vocab.catalog.missing().is_missing(trimmed) {
            self.row.placeholders.push(index);
        } else if let Some(codes) = exemption_codes(trimmed) {
            let key = self.dictionaries.codes.key(&codes);
            self.row.withheld.push((column as u32, key));
        } else {
            let slot = &mut self.row.identifiers[index];
            slot.clear();
            slot.push_str(trimmed);
            self.row.fields[index] = 1;
        }
    }

    /// A cell of a column Tally does not know: kept by header name in `extra_columns`, or
    /// as withheld when it is an exemption marker (placeholders are missing values).
    fn read_extra(&mut self, column: usize, cell: &CellValue<'_>) {
        if cell.is_blank() {
            return;
        }
        let text = cell.to_text();
        if self.vocab.catalog.missing().is_missing(&text) {
            return;
        }
        if let Some(codes) = exemption_codes(&text) {
            let key = self.dictionaries.codes.key(&codes);
            self.row.withheld.push((column as u32, key));
        } else {
            let name = self.withheld_name(column);
            self.row.extra.insert(name, text.trim().into());
        }
    }

    /// Settles date-part columns against the full column they shadow: used where the full
    /// one is empty, kept as written in `extra_columns` and counted where they disagree.
    fn settle_date_parts<R: RowCells + ?Sized>(&mut self, cells: &R) {
        for k in 0..self.row.date_parts.len() {
            let (index, days, column) = self.row.date_parts[k];
            let full = self.row.get(index);
            let field_type = self.def.fields[index].field_type;
            let full_days = full.map(|v| match field_type {
                FieldType::Datetime => v.div_euclid(86_400) as i32,
                _ => v as i32,
            });
            match full_days {
                None => {
                    self.row.fields[index] = match field_type {
                        FieldType::Datetime => days as i64 * 86_400,
                        _ => days as i64,
                    };
                }
                Some(d) if d != days => {
                    self.tally.date_part_mismatches[index] += 1;
                    let name = self.header_name(column);
                    let raw = cells.cell(column).to_text().trim().to_string();
                    self.row.extra.insert(name, raw.into());
                }
                Some(_) => {}
            }
        }
    }

    fn append(&mut self, row: u64, sink: &mut dyn BatchSink) -> Result<(), IngestError> {
        let def = self.def;
        let event = def
            .event
            .iter()
            .enumerate()
            .find_map(|(slot, &f)| self.row.get(f).map(|v| (slot, f, v)));
        let (event_days, event_seconds, event_has_time) = match event {
            None => (None, None, false),
            Some((slot, f, v)) => match def.fields[f].field_type {
                FieldType::Datetime => (
                    Some(v.div_euclid(86_400) as i32),
                    Some(v),
                    self.row.event_has_time[slot],
                ),
                _ => (Some(v as i32), None, false),
            },
        };
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
        let aor_name = def
            .aor
            .and_then(|f| self.row.get(f).map(|k| k as u32).or(self.banner_aor));
        // The banner names the AOR of rows that name none.
        if let (Some(name), Some(f)) = (aor_name, def.aor) {
            self.row.fields[f] = name as i64;
        }
        let aor = match aor_name {
            Some(name) => self.aor_code(name),
            None => None,
        };
        // A blank or withheld method has no group (null: `(blank)` / `(withheld)` in counts),
        // rather than "other", which would count it as a method that is not custodial.
        let group = def
            .method
            .and_then(|f| self.row.get(f))
            .map(|method| self.method_group(method as u32));
        let withheld = self.withheld_key();
        let values = &self.row;

        // Accounting.
        let r = &mut self.report;
        r.rows_read += 1;
        r.rows_kept += 1;
        if event_has_time {
            r.event_time_rows += 1;
            if event_seconds.is_some_and(|s| s.rem_euclid(86_400) == 0) {
                self.event_midnight_rows += 1;
            }
        }
        match event_date {
            Some(d) => {
                if let Some((first, last)) = r.banner.stated_period
                    && (first.is_some_and(|f| d < f) || last.is_some_and(|l| d > l))
                {
                    r.rows_outside_stated += 1;
                }
                r.first_date = Some(r.first_date.map_or(d, |f| f.min(d)));
                r.last_date = Some(r.last_date.map_or(d, |l| l.max(d)));
                match &mut self.day_run {
                    Some((day, n)) if *day == d => *n += 1,
                    run => {
                        if let Some((day, n)) = run.replace((d, 1)) {
                            *self.tally.rows_by_day.entry(day).or_default() += n;
                        }
                    }
                }
                // When each value of a categorical field is in use (vocabulary changes).
                if let Some(day) = event_days {
                    if self.tally.value_spans.len() < def.fields.len() {
                        self.tally.value_spans.resize(def.fields.len(), Vec::new());
                    }
                    for &f in &self.text_present {
                        let Some(k) = values.get(f) else { continue };
                        let spans = &mut self.tally.value_spans[f];
                        let k = k as usize;
                        if spans.len() <= k {
                            spans.resize(k + 1, (i32::MAX, i32::MIN, 0));
                        }
                        let e = &mut spans[k];
                        e.0 = e.0.min(day);
                        e.1 = e.1.max(day);
                        e.2 += 1;
                    }
                }
                if let Some(fy) = fy {
                    match self.tally.rows_by_fy.iter_mut().find(|(f, _)| *f == fy) {
                        Some((_, n)) => *n += 1,
                        None => self.tally.rows_by_fy.push((fy, 1)),
                    }
                }
                if def.recorded_fy_from_sheet_blocks {
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
        for field in &values.placeholders {
            t.placeholder_cells[*field] += 1;
        }
        for at in &values.respelled {
            *t.respelled_cells.entry(*at).or_default() += 1;
        }

        let batch_rows = self.spec.batch_rows;
        let at = match self.partitions.iter().position(|(f, _)| *f == fy) {
            Some(at) => at,
            None => {
                let batch = PendingBatch::new(self.spec.table, &self.present, batch_rows);
                self.partitions.push((fy, batch));
                self.partitions.len() - 1
            }
        };
        let b = &mut self.partitions[at].1;
        b.row.push(row as i64);
        b.event_date.push_option(event_days);
        if let Some(c) = &mut b.event_datetime {
            // Only a cell that gave a time of day has one: a date-only cell (a 2019-era
            // text date, an Excel date without a fraction) is null here, not midnight.
            let seconds = event_seconds.filter(|_| event_has_time);
            c.push(seconds.unwrap_or(NULL64));
        }
        b.event_fy.push_option(fy);
        if let Some(c) = &mut b.aor {
            c.push_option(aor.map(|k| k as i32));
        }
        if let Some(c) = &mut b.method_group {
            c.push_option(group.map(|k| k as i32));
        }
        for (index, column) in &mut b.fields {
            column.push(values.fields[*index], Some(&values.identifiers[*index]));
        }
        b.withheld.push_option(withheld.map(|k| k as i32));
        if values.unparsed.is_empty() {
            b.unparsed.push_null();
        } else {
            let map: serde_json::Map<String, serde_json::Value> = values
                .unparsed
                .iter()
                .map(|(f, text)| (def.fields[*f].name.clone(), text.as_str().into()))
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
                .finish(
                    self.spec.table,
                    b,
                    self.spec.release_sha256,
                    &self.spec.sheet,
                )
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

    /// The AOR code key of an AOR-name key (`None`: the crosswalk does not know it).
    fn aor_code(&mut self, name: u32) -> Option<u32> {
        let aor_field = self.def.aor?;
        let slot = name as usize;
        if self.aor_of_name.len() <= slot {
            self.aor_of_name.resize(slot + 1, None);
        }
        if let Some(code) = self.aor_of_name[slot] {
            return code;
        }
        let text = self.dictionaries.fields[aor_field].value(name);
        let code = self
            .vocab
            .aors
            .code_for(text)
            .map(|c| self.dictionaries.aor.key(c));
        self.aor_of_name[slot] = Some(code);
        code
    }

    /// The method-group key of a method key (`None`: blank method); counts methods the
    /// scheme does not know.
    /// The method group key of method dictionary key `method`, memoized per key; methods
    /// the scheme does not know go to "other" and are counted for the report.
    fn method_group(&mut self, method: u32) -> u32 {
        let slot = method as usize;
        if self.group_of_method.len() <= slot {
            self.group_of_method.resize(slot + 1, None);
        }
        let (group, known) = match self.group_of_method[slot] {
            Some(g) => g,
            None => {
                let text = match self.def.method {
                    Some(f) => self.dictionaries.fields[f].value(method),
                    None => "",
                };
                let classified = self.vocab.methods.classify(text);
                let group = classified.unwrap_or(tally_model::MethodGroup::Other).name();
                let g = (
                    self.dictionaries.method_group.key(group),
                    classified.is_some(),
                );
                self.group_of_method[slot] = Some(g);
                g
            }
        };
        if !known {
            *self.tally.unknown_methods.entry(Some(method)).or_default() += 1;
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
        // The ends the title leaves open are the sheet's own first and last event dates.
        let r = &mut self.report;
        // Every event at 00:00:00: dates written as timestamps (NPR's processed detainers
        // write every Prepare Date so), which counted by hour would all fall at midnight.
        if r.event_time_rows > 0 && self.event_midnight_rows == r.event_time_rows {
            r.warnings.push(format!(
                "every event time is 00:00:00 ({} rows): read as dates without a time of day, so no hour of day is counted",
                tally_model::disclosure::thousands(r.event_time_rows)
            ));
            r.event_time_rows = 0;
        }
        if let Some((first, last)) = r.banner.stated_period {
            r.banner.coverage = first.or(r.first_date).zip(last.or(r.last_date));
            // An open end filled from the rows can fall before the stated start (rows all
            // dated before the period the name states): no period is stated after all.
            if let Some((a, b)) = r.banner.coverage
                && a > b
            {
                r.warnings.push(format!(
                    "the stated period starts {a}, after the last row's date {b}: the rows cover none of it, so the release is taken to cover the days its rows give"
                ));
                r.banner.stated_period = None;
                r.banner.coverage = None;
            }
        }
        // A published stock states its period nowhere else: without it, its first days
        // may be people still held from before its records began, not a population.
        if self.def.population.is_some() && r.banner.stated_period.is_none() {
            r.warnings.push(
                "no period is stated (no banner, and the file name states no fiscal years such as fy12-24ytd): its coverage is taken from its rows' dates. A headcount computed from detention records holds, before those records begin, only people still detained when they do: check `tally population --by fy` for early years far below the rest".into(),
            );
        }
        if let Some(f) = self.def.field_index(ORIGINAL_FILE)
            && self.present.contains(&f)
        {
            let values = &self.dictionaries.fields[f];
            r.original_files = (0..values.len() as u32)
                .map(|k| values.value(k).to_string())
                .collect();
            r.original_files.sort();
        }
        if let (n @ 1.., Some((first, last))) = (r.rows_outside_stated, r.banner.coverage) {
            // A count of records like any other: a few stragglers print as suppressed.
            let n = tally_model::Disclosure::default().cell(n).text();
            r.warnings.push(format!(
                "{n} rows are dated outside the period the banner (or, with no banner, the file name) states ({first}..{last}): they are counted, but the release does not claim to cover their days"
            ));
        }
        let mut partitions = std::mem::take(&mut self.partitions);
        partitions.sort_by_key(|(fy, _)| *fy);
        for (fy, mut b) in partitions {
            if b.len > 0 {
                let batch = self
                    .dictionaries
                    .finish(
                        self.spec.table,
                        &mut b,
                        self.spec.release_sha256,
                        &self.spec.sheet,
                    )
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
        let def = self.def;
        let r = &mut self.report;
        r.rows_by_fy.extend(t.rows_by_fy);
        let mut rows_by_day = t.rows_by_day;
        if let Some((day, n)) = self.day_run.take() {
            *rows_by_day.entry(day).or_default() += n;
        }
        r.rows_by_day.extend(rows_by_day);
        for (f, spans) in t.value_spans.iter().enumerate() {
            let in_use: Vec<&(i32, i32, u64)> = spans.iter().filter(|s| s.2 > 0).collect();
            // Categorical fields only: a field of hundreds of values (landmarks, facilities)
            // has no vocabulary to speak of.
            if in_use.is_empty() || in_use.len() > MAX_VOCABULARY {
                continue;
            }
            let mut list: Vec<tally_catalog::ValueSpan> = spans
                .iter()
                .enumerate()
                .filter(|(_, s)| s.2 > 0)
                .map(|(k, s)| tally_catalog::ValueSpan {
                    value: self.dictionaries.fields[f].value(k as u32).to_string(),
                    first: from_epoch_days(s.0),
                    last: from_epoch_days(s.1),
                    rows: s.2,
                })
                .collect();
            list.sort_by(|a, b| a.first.cmp(&b.first).then_with(|| a.value.cmp(&b.value)));
            r.value_spans.insert(def.fields[f].name.clone(), list);
        }
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
        if let Some(aor_field) = def.aor {
            let names = &self.dictionaries.fields[aor_field];
            for (name, n) in t.unmapped_names {
                *r.unmapped_aors
                    .entry(names.value(name).to_string())
                    .or_default() += n;
            }
        }
        for (method, n) in t.unknown_methods {
            let name = match (method, def.method) {
                (Some(m), Some(f)) => self.dictionaries.fields[f].value(m).to_string(),
                _ => "(blank)".to_string(),
            };
            *r.unknown_methods.entry(name).or_default() += n;
        }
        for (field, n) in t.unparsed_cells.into_iter().enumerate() {
            if n > 0 {
                r.unparsed_cells.insert(def.fields[field].name.clone(), n);
            }
        }
        for (field, n) in t.placeholder_cells.into_iter().enumerate() {
            if n > 0 {
                r.placeholder_cells
                    .insert(def.fields[field].name.clone(), n);
            }
        }
        for ((field, spelling), n) in t.respelled_cells {
            let f = &def.fields[field];
            let s = &f.spelling[spelling as usize];
            r.respelled_cells.push(tally_catalog::Respelling {
                field: f.name.clone(),
                raw: s.raw.clone(),
                value: s.value.clone(),
                cells: n,
            });
        }
        for (field, n) in t.date_part_mismatches.into_iter().enumerate() {
            if n > 0 {
                r.warnings.push(format!(
                    "{n} rows give a date part that disagrees with their {} column (kept in extra_columns)",
                    def.fields[field].name
                ));
            }
        }
        for (column, n) in t.withheld_cells.into_iter().enumerate() {
            if n > 0 {
                let name = self.withheld_name(column);
                *self.report.withheld_cells.entry(name).or_default() += n;
            }
        }
    }
}

/// The header text of column `i`, or `column N`.
fn header_text(header: &[CellValue<'_>], i: usize) -> String {
    header
        .get(i)
        .map(|c| c.to_text().trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("column {}", i + 1))
}

/// The field of a processed release naming the raw ICE workbook of each row.
const ORIGINAL_FILE: &str = "original_file";

/// How the missing event-date column is said.
const NO_EVENT_DATE: &str = "no event-date column";

/// How a reference table's missing key column is said.
const NO_KEY: &str = "no key column";

/// The first few header spellings of a field, quoted, and how many more the crosswalk
/// knows (a warning stays readable, and never hides that the list is longer).
fn spelling_list<'a>(spellings: impl IntoIterator<Item = &'a str>, table: TableKind) -> String {
    const SHOWN: usize = 4;
    let all: Vec<&str> = spellings.into_iter().collect();
    let mut out: Vec<String> = all.iter().take(SHOWN).map(|s| format!("{s:?}")).collect();
    if all.len() > SHOWN {
        out.push(format!(
            "and {} more: `tally fields {}` lists every spelling",
            all.len() - SHOWN,
            table.slug()
        ));
    }
    out.join(", ")
}

/// Warnings for a sheet whose header lacks the table's AOR, event-date or method column:
/// its rows are kept, but those values are missing, which every count must say.
fn role_warnings(
    vocab: &Vocabulary,
    spec: &SheetSpec<'_>,
    def: &TableDef,
    holds: &dyn Fn(usize) -> bool,
    banner_aor: bool,
) -> Vec<String> {
    let crosswalk = vocab.catalog.crosswalk();
    // Names come from the file: a few, each cut short, so the warning stays readable.
    let names: Vec<&String> = spec
        .roles
        .iter()
        .filter_map(|r| match r {
            ColumnRole::Extra(name) => Some(name),
            _ => None,
        })
        .collect();
    let mut shown: Vec<String> = names
        .iter()
        .take(8)
        .map(|n| format!("{:?}", n.chars().take(60).collect::<String>()))
        .collect();
    if names.len() > 8 {
        shown.push(format!("and {} more", names.len() - 8));
    }
    let unknown = if shown.is_empty() {
        String::new()
    } else {
        format!("; columns Tally does not know: {}", shown.join(", "))
    };
    let missing = |what: &str, index: usize| {
        let name = &def.fields[index].name;
        let spellings = spelling_list(crosswalk.spellings(spec.table, name), spec.table);
        format!(
            "no {what} column: every row's {name} is missing (headers read as {name}: {spellings}{unknown})"
        )
    };
    let mut out = Vec::new();
    if !def.anchor_fields().iter().any(|&e| holds(e)) {
        let anchors = def.anchor_fields();
        let names: Vec<&str> = anchors
            .iter()
            .map(|&i| def.fields[i].name.as_str())
            .collect();
        let spellings = spelling_list(
            names
                .iter()
                .flat_map(|n| crosswalk.spellings(spec.table, n)),
            spec.table,
        );
        let names = names.join(" or ");
        let what = if def.reference { NO_KEY } else { NO_EVENT_DATE };
        out.push(format!(
            "{what} ({names}; headers read as such: {spellings}{unknown})"
        ));
    }
    if let Some(aor) = def.aor
        && !holds(aor)
        && !banner_aor
    {
        out.push(missing("AOR", aor));
    }
    if let Some(method) = def.method
        && !holds(method)
    {
        out.push(missing("arrest-method", method));
    }
    // Two columns read as one field: the first (or the crosswalk's preferred spelling)
    // holds it, the other is kept as an extra column, and the reader hears which.
    for (i, role) in spec.roles.iter().enumerate() {
        let ColumnRole::Extra(name) = role else {
            continue;
        };
        let header = spec.header.get(i).map(|c| c.to_text()).unwrap_or_default();
        let Some(m) = crosswalk.match_header(spec.table, &header) else {
            continue;
        };
        let field = &def.fields[m.field].name;
        let holder = spec
            .roles
            .iter()
            .position(|r| matches!(r, ColumnRole::Field(f) if f == field));
        let held_by = holder
            .and_then(|h| spec.header.get(h))
            .map(|c| format!("{:?} (column {})", c.to_text(), holder.unwrap_or(0) + 1))
            .unwrap_or_default();
        out.push(format!(
            "columns {held_by} and {header:?} (column {}) both read as {field}: the first is {field}, the second is kept as the extra column {name:?}",
            i + 1
        ));
    }
    out
}
