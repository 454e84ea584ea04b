//! Applying a de-duplication rule ([`tally_model::dedup`]) to the rows of a table: which
//! rows the rule merges into another row of the same release (or of another cut of the
//! same ICE workbook, whose identifiers are the same).
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

use tally_catalog::ColumnRole;
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
    /// Releases the rule does not apply to, with the reason (file name, reason).
    pub not_applied: Vec<(String, String)>,
    /// Where the rows carry DDP's `duplicate_likely` flag, how the episode rule's
    /// episodes compare with it.
    pub flag_check: Option<FlagCheck>,
}

/// DDP's `duplicate_likely` flag beside Tally's 24-hour episodes, over the rows that
/// carry the flag and a person identifier. DDP flags every row of a multi-row episode;
/// a flagged row alone here has its episode's other rows outside the release (a state
/// extract of a national workbook).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlagCheck {
    /// Rows DDP flags.
    pub flagged: u64,
    /// Flagged rows in a multi-row episode here.
    pub flagged_in_episodes: u64,
    /// Flagged rows of a person with no other row here.
    pub flagged_alone: u64,
    /// Flagged rows neither in an episode here nor alone (their person has other rows
    /// here, outside 24 hours).
    pub flagged_otherwise: u64,
    /// Rows in a multi-row episode here that DDP does not flag.
    pub unflagged_in_episodes: u64,
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

    /// The merged rows of one release, by sheet.
    /// True when the rule merges no row of any release (it applies to none of them, or
    /// finds nothing to merge): counting under it is counting rows as released.
    pub fn merges_nothing(&self) -> bool {
        self.sets
            .values()
            .all(|sheets| sheets.values().all(|set| set.0.iter().all(|w| *w == 0)))
    }

    pub fn release(&self, release: &str) -> Option<&HashMap<String, RowSet>> {
        self.sets.get(release)
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

/// Which releases a rule looks across.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupScope {
    /// Cuts of one raw ICE workbook together (a count: they are one release's records).
    CutsTogether,
    /// Each release alone (a comparison of two releases, even two cuts of one workbook).
    EachRelease,
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
    scope: DedupScope,
) -> Result<MergedRows, QueryError> {
    let mut out = MergedRows::default();
    if rule.kind == DedupKind::None {
        return Ok(out);
    }
    let def = table.def();
    let person = def.person.map(|i| def.fields[i].name.as_str());
    if rule.needs_person() && person.is_none() {
        return Err(QueryError::Invalid(format!(
            "the {} rule matches rows on a person identifier, which {table} has no field for (rules for it: none, exact)",
            rule.name
        )));
    }
    let groups = match scope {
        DedupScope::CutsTogether => same_records(releases, table),
        DedupScope::EachRelease => releases.iter().map(|r| vec![*r]).collect(),
    };
    for group in groups {
        // What the group's sheets give: a person identifier column, times of day.
        let sheets = || {
            group
                .iter()
                .flat_map(|r| r.report.sheets.iter())
                .filter(|s| s.table == table)
        };
        let has_person = person.is_some_and(|p| {
            sheets().any(|s| {
                s.columns
                    .iter()
                    .any(|(_, role)| matches!(role, ColumnRole::Field(f) if f == p))
            })
        });
        let timed = sheets().any(|s| s.event_time_rows > 0);
        let why_not = match rule.kind {
            DedupKind::Exact if !has_person && !timed => Some(
                "it gives neither a person identifier nor a time of day, so rows alike in every field may be different people's (the same day, place and nationality)",
            ),
            DedupKind::SameDay | DedupKind::Episode if !has_person => {
                Some("it gives no person identifier")
            }
            _ => None,
        };
        if let Some(why) = why_not {
            for r in &group {
                out.not_applied
                    .push((r.report.file_name.clone(), why.to_string()));
            }
            continue;
        }
        match (rule.kind, person) {
            (DedupKind::Exact, _) => exact_copies(store, &group, table, &mut out)?,
            (_, Some(person)) => person_rule(store, &group, table, person, rule, &mut out)?,
            _ => {}
        }
    }
    Ok(out)
}

/// Releases that hold the same records, as groups a rule applies to together: cuts of one
/// raw ICE workbook share its person identifiers, so a person's rows in two cuts are one
/// person's; any other release is a group of its own (identifiers do not match across
/// releases). Which releases share records: [`crate::precedence::SharedRecords`].
pub(crate) fn same_records<'r>(
    releases: &[&'r ReleaseEntry],
    table: TableKind,
) -> Vec<Vec<&'r ReleaseEntry>> {
    crate::precedence::SharedRecords::of(releases, table)
        .groups()
        .into_iter()
        .map(|g| g.into_iter().map(|i| releases[i]).collect())
        .collect()
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

/// A person identifier as a 128-bit key. ICE's anonymized identifiers are 40 lower-case
/// hex digits (160 bits of a hash): read as a number and folded to 128 bits, which no two
/// of them share in practice; any other spelling is hashed to 128 bits.
pub(crate) fn person_key(id: &str) -> u128 {
    if let Some(key) = hex_key(id.as_bytes()) {
        return key;
    }
    let mut h = Hash128::new();
    h.write(id.as_bytes());
    // Hashed keys are kept apart from folded ones by their top bit.
    h.finish() | (1 << 127)
}

/// 40 lower-case hex digits as a 128-bit key (the first 32 digits, the last 8 folded into
/// the low bits), `None` for anything else.
fn hex_key(id: &[u8]) -> Option<u128> {
    // Value of each byte as a lower-case hex digit; 0xff for any other byte.
    const NIBBLE: [u8; 256] = {
        let mut t = [0xffu8; 256];
        let mut b = 0;
        while b < 10 {
            t[b'0' as usize + b] = b as u8;
            b += 1;
        }
        let mut b = 0;
        while b < 6 {
            t[b'a' as usize + b] = 10 + b as u8;
            b += 1;
        }
        t
    };
    fn word(digits: &[u8]) -> Option<u64> {
        let mut w = 0u64;
        let mut bad = 0u8;
        for &b in digits {
            let d = NIBBLE[b as usize];
            bad |= d;
            w = (w << 4) | u64::from(d & 0x0f);
        }
        // Every valid digit is below 16; an invalid byte sets the top bits.
        (bad < 16).then_some(w)
    }
    if id.len() != 40 {
        return None;
    }
    let (high, low, tail) = (word(&id[..16])?, word(&id[16..32])?, word(&id[32..])?);
    Some(((u128::from(high) << 64) | u128::from(low)) ^ (u128::from(tail) << 17))
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

    /// Per-key hashes of a dictionary column's values (once per batch), so that hashing
    /// a row reads a key, not its text; empty for other columns.
    fn key_hashes(&self) -> Vec<u64> {
        match self {
            Cells::Text(TextColumn::Dict(_, values)) => (0..values.len())
                .map(|k| {
                    let mut h = rustc_hash::FxHasher::default();
                    h.write(values.value(k).as_bytes());
                    h.finish()
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Mixes every row's value into `hashes` (one per row of the batch), a column at a
    /// time: equal values mix in equally, whatever batch or dictionary they come from (a
    /// dictionary value by its text's hash). Hashes only pick candidates; candidates'
    /// values are compared in full.
    fn hash_column(&self, key_hashes: &[u64], hashes: &mut [u64]) {
        #[inline]
        fn mix(h: u64, v: u64) -> u64 {
            (h.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95)
        }
        match self {
            Cells::Text(TextColumn::Dict(d, _)) => {
                let keys = d.keys().values();
                let nulls = d.nulls();
                for (i, h) in hashes.iter_mut().enumerate() {
                    let v = if nulls.is_some_and(|n| n.is_null(i)) {
                        0
                    } else {
                        key_hashes
                            .get(keys[i] as usize)
                            .copied()
                            .unwrap_or_default()
                            | 1
                    };
                    *h = mix(*h, v);
                }
            }
            Cells::Text(t) => {
                for (i, h) in hashes.iter_mut().enumerate() {
                    let v = match t.get(i) {
                        None => 0,
                        Some(text) => {
                            let mut inner = rustc_hash::FxHasher::default();
                            inner.write(text.as_bytes());
                            inner.finish() | 1
                        }
                    };
                    *h = mix(*h, v);
                }
            }
            Cells::Bool(b) => {
                for (i, h) in hashes.iter_mut().enumerate() {
                    let v = if b.is_null(i) {
                        0
                    } else {
                        2 + u64::from(b.value(i))
                    };
                    *h = mix(*h, v);
                }
            }
            Cells::Fixed {
                array,
                bytes,
                width,
                offset,
            } => {
                let nulls = array.logical_nulls();
                for (i, h) in hashes.iter_mut().enumerate() {
                    let v = if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
                        0
                    } else {
                        let start = (offset + i) * width;
                        let cell = bytes.get(start..start + width).unwrap_or_default();
                        match <[u8; 8]>::try_from(cell) {
                            // Dates and integers (4 bytes), times and counts (8 bytes).
                            Ok(word) => mix(1, u64::from_le_bytes(word)),
                            Err(_) => cell.chunks(8).fold(1u64, |v, chunk| {
                                let mut word = [0u8; 8];
                                word[..chunk.len()].copy_from_slice(chunk);
                                mix(v, u64::from_le_bytes(word))
                            }),
                        }
                    };
                    *h = mix(*h, v);
                }
            }
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

/// The cells of a batch's released columns, for hashing and encoding.
fn cells_of<'a>(
    names: &[&str],
    columns: &'a [ArrayRef],
    data: &'a [arrow_data::ArrayData],
) -> Result<Vec<Cells<'a>>, String> {
    names
        .iter()
        .zip(columns)
        .zip(data)
        .map(|((name, column), data)| {
            Cells::of(column, data).map_err(|e| format!("column {name}: {e}"))
        })
        .collect()
}

/// Exact copies: rows alike in every released column. A fast 64-bit hash of each row
/// finds the candidates (hashes seen more than once); a second pass compares candidates'
/// full values, so a hash collision never merges two different rows.
fn exact_copies(
    store: &Store,
    group: &[&ReleaseEntry],
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
    let threads = tally_store::cores();
    // A row's place: its file's place in the scan order, then its row in the file.
    const FILE_SHIFT: u32 = 40;
    // Pass 1, a file per thread: every row's hash and place.
    struct Hashed {
        file: u64,
        rows: u64,
        hashes: Vec<(u64, u64)>,
        failure: Option<String>,
    }
    let states = scan.par_for_each(
        group,
        threads,
        |at| {
            Some(Hashed {
                file: at as u64,
                rows: 0,
                hashes: Vec::new(),
                failure: None,
            })
        },
        |st, _, batch| {
            let data: Vec<arrow_data::ArrayData> =
                batch.columns()[2..].iter().map(|c| c.to_data()).collect();
            let cells = match cells_of(&columns[2..], &batch.columns()[2..], &data) {
                Ok(c) => c,
                Err(e) => {
                    st.failure = Some(e);
                    return Ok(());
                }
            };
            let mut hashes = vec![0u64; batch.num_rows()];
            for c in &cells {
                c.hash_column(&c.key_hashes(), &mut hashes);
            }
            for (i, h) in hashes.into_iter().enumerate() {
                st.hashes
                    .push((h, (st.file << FILE_SHIFT) | (st.rows + i as u64)));
            }
            st.rows += batch.num_rows() as u64;
            Ok(())
        },
    )?;
    let mut failure: Option<String> = None;
    let mut hashed: Vec<(u64, u64)> = Vec::new();
    for st in states.into_iter().flatten() {
        failure = failure.or(st.failure);
        hashed.extend(st.hashes);
    }
    // Equal hashes side by side: a sort of 16-byte entries beats a hash set of millions
    // of rows (no cache miss per row).
    crate::par::sort_by_key(&mut hashed, |e| e.0);
    let mut wanted: Vec<u64> = Vec::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
        wanted.extend(run.iter().map(|(_, at)| *at));
    }
    drop(hashed);
    wanted.sort_unstable();
    if !wanted.is_empty() {
        // Pass 2, only the files holding candidates: their values, compared in full in
        // scan order, so a hash collision never merges two rows and the first row stays.
        struct Encoded {
            rows: u64,
            wanted: Vec<u64>,
            next: usize,
            found: Vec<(String, String, i64, Vec<u8>)>,
            failure: Option<String>,
        }
        let states = scan.par_for_each(
            group,
            threads,
            |at| {
                let lo = (at as u64) << FILE_SHIFT;
                let hi = (at as u64 + 1) << FILE_SHIFT;
                let from = wanted.partition_point(|w| *w < lo);
                let to = wanted.partition_point(|w| *w < hi);
                (from < to).then(|| Encoded {
                    rows: 0,
                    wanted: wanted[from..to].iter().map(|w| w - lo).collect(),
                    next: 0,
                    found: Vec::new(),
                    failure: None,
                })
            },
            |st, release, batch| {
                let first = st.rows;
                st.rows += batch.num_rows() as u64;
                if st.wanted.get(st.next).is_none_or(|&w| w >= st.rows) {
                    return Ok(());
                }
                let (Ok(sheets), Some(rows)) = (
                    TextColumn::new(batch.column(0)),
                    batch.column(1).as_primitive_opt::<Int64Type>(),
                ) else {
                    st.failure = Some("source_sheet or source_row has an unexpected type".into());
                    return Ok(());
                };
                let data: Vec<arrow_data::ArrayData> =
                    batch.columns()[2..].iter().map(|c| c.to_data()).collect();
                let cells = match cells_of(&columns[2..], &batch.columns()[2..], &data) {
                    Ok(c) => c,
                    Err(e) => {
                        st.failure = Some(e);
                        return Ok(());
                    }
                };
                while let Some(&w) = st.wanted.get(st.next).filter(|&&w| w < st.rows) {
                    st.next += 1;
                    let i = (w - first) as usize;
                    let mut bytes = Vec::with_capacity(256);
                    for c in &cells {
                        c.encode(i, &mut bytes);
                    }
                    if let Some(sheet) = sheets.get(i) {
                        st.found.push((
                            release.id.clone(),
                            sheet.to_string(),
                            rows.value(i),
                            bytes,
                        ));
                    }
                }
                Ok(())
            },
        )?;
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for st in states.into_iter().flatten() {
            failure = failure.or(st.failure);
            for (release, sheet, row, bytes) in st.found {
                if !seen.insert(bytes) {
                    out.insert(&release, &sheet, row);
                }
            }
        }
    }
    match failure {
        Some(e) => Err(QueryError::Invalid(format!(
            "{}: {e}",
            group
                .iter()
                .map(|r| r.report.file_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        None => Ok(()),
    }
}

/// One row with a person identifier, as the person rules sort it.
#[derive(Clone, Copy)]
struct PersonRow {
    person: u128,
    /// Seconds since 1970: the event's time, or the start of its day when the release
    /// gives the date only.
    when: i64,
    timed: bool,
    /// DDP's `duplicate_likely`, where the row carries it.
    flagged: Option<bool>,
    /// Order within the group: release, sheet (as the report lists them), source row.
    release: u32,
    sheet: u32,
    row: i64,
    /// The source record (`crate::count::record_key`): the raw workbook's row that
    /// cuts of one workbook point back to, else the row's own place. Copies of one record
    /// in two cuts are one row, not a merge.
    record: u64,
}

fn person_rule(
    store: &Store,
    group: &[&ReleaseEntry],
    table: TableKind,
    person: &str,
    rule: &DedupRule,
    out: &mut MergedRows,
) -> Result<(), QueryError> {
    let sheet_names: Vec<Vec<&str>> = group
        .iter()
        .map(|r| r.report.sheets.iter().map(|s| s.sheet.as_str()).collect())
        .collect();
    let columns = [
        schema::SOURCE_SHEET,
        schema::SOURCE_ROW,
        schema::EVENT_DATE,
        schema::EVENT_DATETIME,
        person,
        DDP_FLAG,
        "original_file",
        "original_sheet",
        "original_row",
    ];
    let mut rows: Vec<PersonRow> = Vec::new();
    TableScan::new(store, table, &columns).for_each(group, |release, batch: &RecordBatch| {
        let at = group.iter().position(|r| r.id == release.id).unwrap_or(0);
        let sheets = TextColumn::new(batch.column(0)).ok();
        let source_rows = batch.column(1).as_primitive_opt::<Int64Type>();
        let dates = batch.column(2).as_primitive_opt::<Date32Type>();
        let times = SecondsColumn::new(batch.column(3));
        let ids = TextColumn::new(batch.column(4)).ok();
        let flags = TextColumn::new(batch.column(5)).ok();
        let original_files = TextColumn::new(batch.column(6)).ok();
        let original_sheets = TextColumn::new(batch.column(7)).ok();
        let original_rows = batch.column(8).as_primitive_opt::<Int64Type>();
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
            let sheet_name = sheets.get(i);
            let sheet = sheet_name
                .and_then(|s| sheet_names[at].iter().position(|n| *n == s))
                .unwrap_or(usize::MAX) as u32;
            let pointer = (
                original_files.as_ref().and_then(|f| f.get(i)),
                original_sheets.as_ref().and_then(|s| s.get(i)),
                original_rows.filter(|r| r.is_valid(i)).map(|r| r.value(i)),
            );
            let record = match pointer {
                (Some(f), Some(s), Some(r)) => crate::count::record_key(f, s, r),
                _ => crate::count::record_key(
                    &release.report.file_name,
                    sheet_name.unwrap_or_default(),
                    source_rows.value(i),
                ),
            };
            rows.push(PersonRow {
                person: person_key(id),
                when: time.unwrap_or(day_start),
                timed: time.is_some(),
                flagged: flags.as_ref().and_then(|f| f.get(i)).map(|v| v == "YES"),
                release: at as u32,
                sheet,
                row: source_rows.value(i),
                record,
            });
        }
        Ok(())
    })?;
    rows.sort_unstable_by_key(|r| (r.person, r.when, r.release, r.sheet, r.row));
    let mut merge = |r: &PersonRow| {
        let release = r.release as usize;
        if let Some(name) = sheet_names[release].get(r.sheet as usize) {
            out.insert(&group[release].id, name, r.row);
        }
    };
    // Each run of rows one rule takes for one event: every row but the last processed
    // (the last in this order) is merged into it, but for copies of that row's record in
    // other cuts of its workbook (they are the same row, counted once by record, not a
    // merge).
    let day = |r: &PersonRow| r.when.div_euclid(86_400);
    // Whether `r` belongs to the run that `first` starts: the same day (the same-day rule,
    // or a row that gives its date only, whose time could be any in its day), else
    // within the episode's length of its first row.
    let belongs = |first: &PersonRow, r: &PersonRow| match rule.kind {
        DedupKind::Episode if first.timed && r.timed => {
            r.when <= first.when + rule.episode_seconds()
        }
        _ => day(r) == day(first),
    };
    let mut check = FlagCheck::default();
    let carries_flag = rows.iter().any(|r| r.flagged.is_some());
    let mut start = 0;
    while start < rows.len() {
        let first = &rows[start];
        let mut end = start + 1;
        while end < rows.len() && rows[end].person == first.person && belongs(first, &rows[end]) {
            end += 1;
        }
        if carries_flag && rule.kind == DedupKind::Episode {
            let alone = (start == 0 || rows[start - 1].person != first.person)
                && (end == rows.len() || rows[end].person != first.person)
                && end - start == 1;
            for r in &rows[start..end] {
                match (r.flagged, end - start > 1) {
                    (Some(true), true) => check.flagged_in_episodes += 1,
                    (Some(true), false) if alone => check.flagged_alone += 1,
                    (Some(true), false) => check.flagged_otherwise += 1,
                    (Some(false), true) => check.unflagged_in_episodes += 1,
                    _ => {}
                }
                if r.flagged == Some(true) {
                    check.flagged += 1;
                }
            }
        }
        let kept = rows[end - 1].record;
        for r in rows[start..end - 1].iter().filter(|r| r.record != kept) {
            merge(r);
        }
        start = end;
    }
    if carries_flag && rule.kind == DedupKind::Episode {
        let total = out.flag_check.get_or_insert_with(FlagCheck::default);
        total.flagged += check.flagged;
        total.flagged_in_episodes += check.flagged_in_episodes;
        total.flagged_alone += check.flagged_alone;
        total.flagged_otherwise += check.flagged_otherwise;
        total.unflagged_in_episodes += check.unflagged_in_episodes;
    }
    Ok(())
}

/// DDP's likely-duplicate flag (a yes/no field of every table).
const DDP_FLAG: &str = "duplicate_likely";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_identifiers_are_read_as_numbers_and_others_hashed() {
        let a = "70e222acf368dc9c2da8f3b52b9012db7f4eb232";
        let b = "70e222acf368dc9c2da8f3b52b9012db7f4eb233";
        assert_eq!(
            hex_key(a.as_bytes()),
            Some((0x70e2_22ac_f368_dc9c_2da8_f3b5_2b90_12db_u128) ^ (0x7f4e_b232_u128 << 17))
        );
        assert_ne!(person_key(a), person_key(b));
        // Upper case, other lengths and other characters are not read as hex.
        assert_eq!(hex_key(a.to_uppercase().as_bytes()), None);
        assert_eq!(hex_key(&a.as_bytes()[..39]), None);
        assert_eq!(hex_key(b"70e222acf368dc9c2da8f3b52b9012db7f4eb23g"), None);
        let other = person_key("A123456789");
        assert_eq!(other >> 127, 1);
        assert_eq!(other, person_key("A123456789"));
        assert_ne!(other, person_key("A123456780"));
    }
}
