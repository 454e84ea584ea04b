//! Applying a de-duplication rule ([`tally_model::dedup`]) to the rows of a table: which
//! rows each release's rule merges into another row of the same release.
//!
//! The rule is applied to each release whole, before any filter of the query: a filter
//! then sees one row per merged event, carrying the values of the row that stays, so a
//! count by any dimension adds up to the de-duplicated total. Rows are named by their
//! sheet and source row (unique within a release), so the count reads them in any order.
//!
//! Memory: one entry per row with a person identifier (about 40 bytes) for the person
//! rules, and one 16-byte hash per row for `exact`, for the release being read.

use crate::QueryError;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use tally_catalog::schema;
use tally_model::{DedupKind, DedupRule, TableKind};
use tally_store::{ReleaseEntry, SecondsColumn, Store, TableScan, TextColumn};

/// Columns that say where a row came from, or what a publisher derived from it, rather
/// than what the release says about the event: two rows differing only there are copies.
const NOT_RELEASED: &[&str] = &[
    schema::RELEASE_SHA256,
    schema::SOURCE_SHEET,
    schema::SOURCE_ROW,
    "original_file",
    "original_sheet",
    "original_row",
    "duplicate_likely",
];

/// The rows a rule merges, per release and sheet, by source row.
#[derive(Debug, Default)]
pub struct MergedRows {
    sets: HashMap<String, HashMap<String, RowSet>>,
}

/// Source rows of one sheet, as a bitset.
#[derive(Debug, Default)]
pub struct RowSet(Vec<u64>);

impl RowSet {
    fn insert(&mut self, row: i64) {
        let Ok(row) = usize::try_from(row) else {
            return;
        };
        let (word, bit) = (row / 64, row % 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << bit;
    }

    /// True when `row` is merged.
    pub fn contains(&self, row: i64) -> bool {
        usize::try_from(row)
            .ok()
            .and_then(|r| self.0.get(r / 64).map(|w| w & (1 << (r % 64)) != 0))
            .unwrap_or(false)
    }
}

impl MergedRows {
    /// The merged rows of one sheet of one release, if any.
    pub fn sheet(&self, release: &str, sheet: &str) -> Option<&RowSet> {
        self.sets.get(release).and_then(|s| s.get(sheet))
    }

    /// True when the rule merges the row at `sheet`, `row` of `release` into another.
    pub fn is_merged(&self, release: &str, sheet: &str, row: i64) -> bool {
        self.sheet(release, sheet).is_some_and(|s| s.contains(row))
    }

    fn insert(&mut self, release: &str, sheet: &str, row: i64) {
        self.sets
            .entry(release.to_string())
            .or_default()
            .entry(sheet.to_string())
            .or_default()
            .insert(row);
    }
}

/// Finds the rows `rule` merges in each of `releases` (their rows of `table`).
///
/// # Errors
/// Store read errors, and a table the rule cannot apply to (a person rule on a table
/// with no person identifier).
pub fn merged_rows(
    store: &Store,
    releases: &[&ReleaseEntry],
    table: TableKind,
    rule: &DedupRule,
) -> Result<MergedRows, QueryError> {
    let mut out = MergedRows::default();
    match rule.kind {
        DedupKind::None => {}
        DedupKind::Exact => {
            for release in releases {
                exact_copies(store, release, table, &mut out)?;
            }
        }
        DedupKind::SameDay | DedupKind::Episode => {
            let def = table.def();
            let Some(person) = def.person.map(|i| def.fields[i].name.as_str()) else {
                return Err(QueryError::Invalid(format!(
                    "the {} rule matches rows on a person identifier, which {table} has no field for (rules for it: none, exact)",
                    rule.name
                )));
            };
            for release in releases {
                person_rule(store, release, table, person, rule, &mut out)?;
            }
        }
    }
    Ok(out)
}

/// A 128-bit hash (two independent 64-bit ones) of a person identifier: collisions among
/// tens of millions of people are out of reach, so two people are never taken for one.
struct Hash128(
    std::collections::hash_map::DefaultHasher,
    std::collections::hash_map::DefaultHasher,
);

impl Hash128 {
    fn new() -> Hash128 {
        let mut second = std::collections::hash_map::DefaultHasher::new();
        0x9e37_79b9_7f4a_7c15u64.hash(&mut second);
        Hash128(std::collections::hash_map::DefaultHasher::new(), second)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
        self.1.write(bytes);
    }
    fn finish(&self) -> u128 {
        (u128::from(self.0.finish()) << 64) | u128::from(self.1.finish())
    }
}

/// One column of a batch, read for encoding rows: text (plain or dictionary), booleans,
/// or fixed-width values (dates, integers, timestamps) as their bytes.
enum Cells<'a> {
    Text(TextColumn<'a>),
    Bool(&'a arrow_array::BooleanArray),
    Fixed {
        array: &'a ArrayRef,
        bytes: &'a [u8],
        width: usize,
        offset: usize,
    },
}

impl<'a> Cells<'a> {
    fn of(column: &'a ArrayRef, data: &'a arrow_data::ArrayData) -> Result<Cells<'a>, String> {
        if let Ok(text) = TextColumn::new(column) {
            return Ok(Cells::Text(text));
        }
        if let Some(b) = column.as_boolean_opt() {
            return Ok(Cells::Bool(b));
        }
        match (column.data_type().primitive_width(), data.buffers().first()) {
            (Some(width), Some(buffer)) => Ok(Cells::Fixed {
                array: column,
                bytes: buffer.as_slice(),
                width,
                offset: data.offset(),
            }),
            _ => Err(format!(
                "cannot compare values of type {}",
                column.data_type()
            )),
        }
    }

    /// Appends row `i`'s value to `out`, self-delimiting (a null apart from every value).
    fn encode(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Text(t) => match t.get(i) {
                None => out.push(0),
                Some(v) => {
                    out.push(1);
                    out.extend_from_slice(&(v.len() as u64).to_le_bytes());
                    out.extend_from_slice(v.as_bytes());
                }
            },
            Cells::Bool(b) => out.push(if b.is_null(i) {
                0
            } else {
                2 + u8::from(b.value(i))
            }),
            Cells::Fixed {
                array,
                bytes,
                width,
                offset,
            } => {
                if array.is_null(i) {
                    out.push(0);
                } else {
                    out.push(1);
                    let start = (offset + i) * width;
                    out.extend_from_slice(bytes.get(start..start + width).unwrap_or_default());
                }
            }
        }
    }
}

/// Exact copies: rows alike in every released column. A fast 64-bit hash of each row
/// finds the candidates (hashes seen more than once); a second pass compares candidates'
/// full values, so a hash collision never merges two different rows.
fn exact_copies(
    store: &Store,
    release: &ReleaseEntry,
    table: TableKind,
    out: &mut MergedRows,
) -> Result<(), QueryError> {
    let schema = tally_catalog::schema::table_schema(table);
    let mut columns: Vec<&str> = vec![schema::SOURCE_SHEET, schema::SOURCE_ROW];
    columns.extend(
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .filter(|n| !NOT_RELEASED.contains(n)),
    );
    let scan = TableScan::new(store, table, &columns);
    let mut failure: Option<String> = None;
    // Calls `each(sheet, row, encoded values)` for every row of the release.
    let mut encoded_rows = |each: &mut dyn FnMut(&str, i64, &[u8])| -> Result<(), QueryError> {
        scan.for_each(&[release], |_, batch: &RecordBatch| {
            let sheets = TextColumn::new(batch.column(0)).ok();
            let rows = batch.column(1).as_primitive_opt::<Int64Type>();
            let (Some(sheets), Some(rows)) = (sheets, rows) else {
                failure = Some("source_sheet or source_row has an unexpected type".into());
                return Ok(());
            };
            let data: Vec<arrow_data::ArrayData> =
                batch.columns()[2..].iter().map(|c| c.to_data()).collect();
            let mut cells = Vec::with_capacity(data.len());
            for ((name, column), data) in columns[2..].iter().zip(&batch.columns()[2..]).zip(&data)
            {
                match Cells::of(column, data) {
                    Ok(c) => cells.push(c),
                    Err(e) => {
                        failure = Some(format!("column {name}: {e}"));
                        return Ok(());
                    }
                }
            }
            let mut buffer = Vec::with_capacity(256);
            for i in 0..batch.num_rows() {
                buffer.clear();
                for c in &cells {
                    c.encode(i, &mut buffer);
                }
                if let Some(sheet) = sheets.get(i) {
                    each(sheet, rows.value(i), &buffer);
                }
            }
            Ok(())
        })?;
        Ok(())
    };
    let fast = |bytes: &[u8]| {
        let mut h = rustc_hash::FxHasher::default();
        h.write(bytes);
        h.finish()
    };
    let mut seen_once: HashSet<u64> = HashSet::new();
    let mut candidates: HashSet<u64> = HashSet::new();
    encoded_rows(&mut |_, _, bytes| {
        let h = fast(bytes);
        if !seen_once.insert(h) {
            candidates.insert(h);
        }
    })?;
    drop(seen_once);
    if !candidates.is_empty() {
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        encoded_rows(&mut |sheet, row, bytes| {
            if candidates.contains(&fast(bytes)) && !seen.insert(bytes.to_vec()) {
                out.insert(&release.id, sheet, row);
            }
        })?;
    }
    match failure {
        Some(e) => Err(QueryError::Invalid(format!(
            "release {}: {e}",
            release.report.file_name
        ))),
        None => Ok(()),
    }
}

/// One row with a person identifier, as the person rules sort it.
struct PersonRow {
    person: u128,
    /// Seconds since 1970: the event's time, or the start of its day when the release
    /// gives the date only.
    when: i64,
    timed: bool,
    /// Order within the release: sheet (as the report lists them), then source row.
    sheet: u32,
    row: i64,
}

fn person_rule(
    store: &Store,
    release: &ReleaseEntry,
    table: TableKind,
    person: &str,
    rule: &DedupRule,
    out: &mut MergedRows,
) -> Result<(), QueryError> {
    let sheet_names: Vec<&str> = release
        .report
        .sheets
        .iter()
        .map(|s| s.sheet.as_str())
        .collect();
    let columns = [
        schema::SOURCE_SHEET,
        schema::SOURCE_ROW,
        schema::EVENT_DATE,
        schema::EVENT_DATETIME,
        person,
    ];
    let mut rows: Vec<PersonRow> = Vec::new();
    TableScan::new(store, table, &columns).for_each(&[release], |_, batch: &RecordBatch| {
        let sheets = TextColumn::new(batch.column(0)).ok();
        let source_rows = batch.column(1).as_primitive_opt::<Int64Type>();
        let dates = batch.column(2).as_primitive_opt::<Date32Type>();
        let times = SecondsColumn::new(batch.column(3));
        let ids = TextColumn::new(batch.column(4)).ok();
        let (Some(sheets), Some(source_rows), Some(dates), Some(ids)) =
            (sheets, source_rows, dates, ids)
        else {
            return Ok(());
        };
        for i in 0..batch.num_rows() {
            // Rows without an identifier or a date are never merged.
            let (Some(id), true) = (ids.get(i).filter(|s| !s.is_empty()), dates.is_valid(i)) else {
                continue;
            };
            let time = times.as_ref().and_then(|t| t.get(i));
            let day_start = i64::from(dates.value(i)) * 86_400;
            let mut h = Hash128::new();
            h.write(id.as_bytes());
            let sheet = sheets
                .get(i)
                .and_then(|s| sheet_names.iter().position(|n| *n == s))
                .unwrap_or(usize::MAX) as u32;
            rows.push(PersonRow {
                person: h.finish(),
                when: time.unwrap_or(day_start),
                timed: time.is_some(),
                sheet,
                row: source_rows.value(i),
            });
        }
        Ok(())
    })?;
    rows.sort_unstable_by_key(|r| (r.person, r.when, r.sheet, r.row));
    let mut merge = |r: &PersonRow| {
        if let Some(name) = sheet_names.get(r.sheet as usize) {
            out.insert(&release.id, name, r.row);
        }
    };
    // Each run of rows one rule takes for one event: every row but the last processed
    // (the last in this order) is merged into it.
    let mut start = 0;
    while start < rows.len() {
        let first = &rows[start];
        let ends = match rule.kind {
            DedupKind::SameDay => first.when.div_euclid(86_400) * 86_400 + 86_399,
            _ if first.timed => first.when + rule.episode_seconds(),
            _ => first.when.div_euclid(86_400) * 86_400 + 86_399,
        };
        let mut end = start + 1;
        while end < rows.len() && rows[end].person == first.person && rows[end].when <= ends {
            end += 1;
        }
        for r in &rows[start..end - 1] {
            merge(r);
        }
        start = end;
    }
    Ok(())
}
