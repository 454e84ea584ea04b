//! Comparing two releases of the same table where they overlap in time.
//!
//! ICE revises records between releases, so before trusting a new release users compare
//! it with the previous one on the days both cover: counts by month and AOR from each, the
//! differences, and the rows only one of them has. Rows are matched as a multiset on the
//! event date, the AOR code and every canonical field that both releases fill on the
//! overlapping days (fields one release withholds or lacks cannot be compared). Unmatched
//! rows are reported as counts and as source sheet/row pointers, not as record values.

use crate::QueryError;
use crate::count::select_releases;
use crate::dedup::{DedupScope, MergedRows, merged_rows};
use crate::dimension::Dimension;
use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tally_catalog::schema;
use tally_model::date::{from_epoch_days, to_epoch_days};
use tally_model::{DedupRule, TableKind};
use tally_store::{ReleaseEntry, Store, StoreError, TableScan, TextColumn};

/// Pointers to unmatched rows printed per release (the counts cover all of them).
pub const MAX_ROW_POINTERS: usize = 50;

/// One release in a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSide {
    pub id: String,
    pub file_name: String,
    pub sha256: String,
    /// Rows of the table on the overlapping days and AORs.
    pub rows_in_overlap: u64,
    /// Rows with no counterpart in the other release.
    pub only_here: u64,
    /// Rows of the part compared dated outside the days and AORs both releases cover
    /// (not compared): rows a revision moved to an AOR-day the other release does not
    /// reach show here, not among the rows only in it.
    pub outside_overlap: u64,
    /// `(sheet, row)` of the first unmatched rows.
    pub only_here_rows: Vec<(String, i64)>,
}

/// Counts of one month and AOR in each release.
#[derive(Debug, Clone, Serialize)]
pub struct MonthAor {
    pub month: String,
    pub aor: String,
    pub a: u64,
    pub b: u64,
    /// `b - a`.
    pub difference: i64,
    /// Records found in both (identical, or paired on an identifier and changed): `a -
    /// only_a`, equally `b - only_b`.
    pub matched: u64,
    pub only_a: u64,
    pub only_b: u64,
}

/// The outcome of comparing release A with release B.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The table compared.
    pub table: TableKind,
    /// The part compared when one release holds only part of the table (`expedited`).
    pub part: Option<String>,
    pub a: ReleaseSide,
    pub b: ReleaseSide,
    /// Overlap per AOR: `(aor, first, last)`.
    pub overlap: Vec<(String, NaiveDate, NaiveDate)>,
    /// Days on which rows without a usable AOR are compared: from the later first day to
    /// the earlier last day either release covers for any AOR.
    pub no_aor_overlap: Option<(NaiveDate, NaiveDate)>,
    /// What the comparison leaves out and why.
    pub notes: Vec<String>,
    /// Fields rows were matched on.
    pub matched_on: Vec<String>,
    /// Records found in both releases: identical rows plus the changed records.
    pub matched_rows: u64,
    /// The identifier field (filled by both releases) that rows left unmatched were paired
    /// on, with the event date and AOR, to find records revised between the releases.
    pub paired_on: Option<String>,
    /// Records paired on `paired_on` whose other fields differ (counted in `matched_rows`,
    /// not as one removed plus one added).
    pub changed_records: u64,
    /// For each compared field, how many of the changed records differ in it (largest
    /// first; a record can differ in several).
    pub changed_fields: Vec<(String, u64)>,
    pub by_month_aor: Vec<MonthAor>,
    /// The de-duplication rule applied within each release before comparing, and the rows
    /// it merged in A and in B (on the days compared).
    pub dedup: Option<(String, u64, u64)>,
}

/// The AOR of rows whose AOR name maps to no code.
pub const NO_AOR_UNMAPPED: &str = "(unmapped)";
/// The AOR of rows with a blank or withheld AOR.
pub const NO_AOR_BLANK: &str = "(blank)";

/// Values rows are matched on: event date, AOR, then the compared fields (None = null).
type MatchKey = Vec<Option<String>>;

struct Row {
    month: String,
    aor: String,
    sheet: String,
    row: i64,
    key: Vec<Option<String>>,
}

fn coverage(
    release: &ReleaseEntry,
    table: TableKind,
    parts: &[Option<String>],
) -> BTreeMap<String, (NaiveDate, NaiveDate)> {
    let mut out: BTreeMap<String, (NaiveDate, NaiveDate)> = BTreeMap::new();
    // Every day either release has rows on or claims: rows of an AOR a release does not
    // claim to cover (a few stray ones) are compared too.
    for ((part, aor), (f, l)) in release.extent(table) {
        if !parts.contains(&release.effective_part(table, part.as_deref())) {
            continue;
        }
        let e = out.entry(aor).or_insert((f, l));
        e.0 = e.0.min(f);
        e.1 = e.1.max(l);
    }
    out
}

fn slugs(tables: &[TableKind]) -> String {
    tables
        .iter()
        .map(|t| t.slug())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table two releases share, or an error naming what each holds.
fn common_table(
    a: &ReleaseEntry,
    b: &ReleaseEntry,
    table: Option<TableKind>,
) -> Result<TableKind, QueryError> {
    let (ta, tb) = (a.tables(), b.tables());
    let common: Vec<TableKind> = ta.iter().copied().filter(|t| tb.contains(t)).collect();
    match table {
        Some(t) if common.contains(&t) => Ok(t),
        Some(t) => Err(QueryError::Invalid(format!(
            "both releases must hold {t}: {} holds {}, {} holds {}",
            a.report.file_name,
            slugs(&ta),
            b.report.file_name,
            slugs(&tb)
        ))),
        None if common.len() == 1 => Ok(common[0]),
        None if common.is_empty() => Err(QueryError::Invalid(format!(
            "the releases hold no table in common: {} holds {}, {} holds {}",
            a.report.file_name,
            slugs(&ta),
            b.report.file_name,
            slugs(&tb)
        ))),
        None => Err(QueryError::Invalid(format!(
            "the releases share several tables {common:?}; choose one with --table"
        ))),
    }
}

/// The fields rows are matched on: every field of the table but its AOR field (the AOR
/// code is matched instead).
fn key_fields(table: TableKind) -> Vec<&'static str> {
    let def = table.def();
    def.fields
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != def.aor)
        .map(|(_, f)| f.name.as_str())
        .collect()
}

/// A cell of any stored type as comparable text (`None` when null).
pub(crate) fn value_text(column: &arrow_array::ArrayRef, i: usize) -> Option<String> {
    use arrow_array::types::Int64Type;
    if column.is_null(i) {
        return None;
    }
    if let Ok(t) = TextColumn::new(column) {
        return t.get(i).map(String::from);
    }
    match column.data_type() {
        arrow_schema::DataType::Date32 => {
            Some(column.as_primitive::<Date32Type>().value(i).to_string())
        }
        arrow_schema::DataType::Timestamp(unit, _) => {
            use arrow_array::types::*;
            use arrow_schema::TimeUnit;
            // Whole seconds, so releases stored in different units compare alike.
            let seconds = match unit {
                TimeUnit::Second => column.as_primitive::<TimestampSecondType>().value(i),
                TimeUnit::Millisecond => {
                    column.as_primitive::<TimestampMillisecondType>().value(i) / 1_000
                }
                TimeUnit::Microsecond => {
                    column.as_primitive::<TimestampMicrosecondType>().value(i) / 1_000_000
                }
                TimeUnit::Nanosecond => {
                    column.as_primitive::<TimestampNanosecondType>().value(i) / 1_000_000_000
                }
            };
            Some(seconds.to_string())
        }
        arrow_schema::DataType::Int64 => {
            Some(column.as_primitive::<Int64Type>().value(i).to_string())
        }
        _ => None,
    }
}

/// The rows of `release` on the days compared, with which of its key fields it fills, and
/// how many rows `merged` (a de-duplication rule's merges) set aside there.
fn read_rows(
    store: &Store,
    release: &ReleaseEntry,
    table: TableKind,
    overlap: &BTreeMap<String, (i32, i32)>,
    parts: &[Option<String>],
    merged: Option<&MergedRows>,
) -> Result<(Vec<Row>, Vec<bool>, u64, u64), QueryError> {
    let mut merged_rows = 0u64;
    let mut outside = 0u64;
    let key_fields = key_fields(table);
    let def = table.def();
    let aor_field = def
        .aor
        .map(|i| def.fields[i].name.as_str())
        .unwrap_or("aor_name");
    let mut columns: Vec<&str> = vec![
        schema::EVENT_DATE,
        schema::AOR,
        aor_field,
        schema::SOURCE_SHEET,
        schema::SOURCE_ROW,
    ];
    columns.extend(key_fields.iter().copied());
    let mut rows = Vec::new();
    let mut filled = vec![false; key_fields.len()];
    TableScan::new(store, table, &columns).for_each(&[release], |_, batch: &RecordBatch| {
        let bad = |c: &str| {
            StoreError::Invalid(format!(
                "release {}: column {c} has an unexpected type",
                release.id
            ))
        };
        let dates = batch
            .column(0)
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| bad("event_date"))?;
        let aor = TextColumn::new(batch.column(1)).map_err(|_| bad("aor"))?;
        let aor_name = TextColumn::new(batch.column(2)).map_err(|_| bad("aor_name"))?;
        let sheet = TextColumn::new(batch.column(3)).map_err(|_| bad("source_sheet"))?;
        let part_of = |name: &str| {
            let part = release
                .report
                .sheets
                .iter()
                .find(|s| s.sheet == name)
                .and_then(|s| s.part.clone());
            release.effective_part(table, part.as_deref())
        };
        let source_row = batch
            .column(4)
            .as_primitive_opt::<arrow_array::types::Int64Type>()
            .ok_or_else(|| bad("source_row"))?;
        for i in 0..batch.num_rows() {
            if !dates.is_valid(i) {
                continue;
            }
            let day = dates.value(i);
            let aor_key = match (aor.get(i), aor_name.get(i)) {
                (Some(code), _) => code,
                (None, Some(_)) => NO_AOR_UNMAPPED,
                (None, None) => NO_AOR_BLANK,
            };
            if !parts.contains(&part_of(sheet.get(i).unwrap_or_default())) {
                continue;
            }
            let Some((first, last)) = overlap.get(aor_key) else {
                outside += 1;
                continue;
            };
            if day < *first || day > *last {
                outside += 1;
                continue;
            }
            if merged.is_some_and(|m| {
                m.is_merged(
                    &release.id,
                    sheet.get(i).unwrap_or_default(),
                    source_row.value(i),
                )
            }) {
                merged_rows += 1;
                continue;
            }
            let mut key = Vec::with_capacity(key_fields.len() + 2);
            key.push(Some(day.to_string()));
            key.push(Some(aor_key.to_string()));
            for (k, seen) in filled.iter_mut().enumerate() {
                let value = value_text(batch.column(5 + k), i);
                *seen |= value.is_some();
                key.push(value);
            }
            rows.push(Row {
                month: Dimension::Month.render_date(from_epoch_days(day)),
                aor: aor_key.to_string(),
                sheet: sheet.get(i).unwrap_or_default().to_string(),
                row: source_row.value(i),
                key,
            });
        }
        Ok(())
    })?;
    Ok((rows, filled, merged_rows, outside))
}

/// Compares releases `a` and `b` (selectors as for `count --release`) on `table`, or on
/// the one table they share.
///
/// # Errors
/// Unknown selectors, a selector matching several releases, releases with no common
/// table or no overlap, and store read errors.
pub fn compare_releases(
    store: &Store,
    a: &str,
    b: &str,
    table: Option<TableKind>,
    dedup: Option<&DedupRule>,
) -> Result<Comparison, QueryError> {
    let pick = |s: &str| -> Result<&ReleaseEntry, QueryError> {
        let found = select_releases(store, Some(&[s.to_string()]))?;
        match found.as_slice() {
            [one] => Ok(*one),
            many => Err(QueryError::Invalid(format!(
                "{s:?} matches {} releases; use a longer SHA-256 prefix",
                many.len()
            ))),
        }
    };
    let (ra, rb) = (pick(a)?, pick(b)?);
    if ra.id == rb.id {
        return Err(QueryError::Invalid(format!(
            "{a:?} and {b:?} are the same release"
        )));
    }
    let table = common_table(ra, rb, table)?;
    // Releases of one part of a table (expedited removals only, say) compare with the same
    // part of the other release; a whole table cannot be split to match a part.
    let parts_of = |r: &ReleaseEntry| -> Vec<Option<String>> {
        let mut p: Vec<Option<String>> = r
            .report
            .sheets
            .iter()
            .filter(|s| s.table == table)
            .map(|s| r.effective_part(table, s.part.as_deref()))
            .collect();
        p.sort();
        p.dedup();
        p
    };
    let (pa, pb) = (parts_of(ra), parts_of(rb));
    let parts: Vec<Option<String>> = pa.iter().filter(|p| pb.contains(p)).cloned().collect();
    if parts.is_empty() {
        let describe = |p: &[Option<String>]| {
            p.iter()
                .map(|x| x.clone().unwrap_or_else(|| format!("all {table}")))
                .collect::<Vec<_>>()
                .join(" and ")
        };
        return Err(QueryError::Invalid(format!(
            "{} holds {} and {} holds {}: no part of the table in common to compare",
            store.manifest().release_label(ra),
            describe(&pa),
            store.manifest().release_label(rb),
            describe(&pb)
        )));
    }
    let compared_part = if parts.len() == 1 && pa.len() + pb.len() > 2 {
        parts[0].clone()
    } else {
        None
    };
    let (ca, cb) = (coverage(ra, table, &parts), coverage(rb, table, &parts));
    let mut overlap = Vec::new();
    let mut overlap_days: BTreeMap<String, (i32, i32)> = BTreeMap::new();
    for (aor, (fa, la)) in &ca {
        if let Some((fb, lb)) = cb.get(aor) {
            let (first, last) = ((*fa).max(*fb), (*la).min(*lb));
            if first <= last {
                overlap.push((aor.clone(), first, last));
                overlap_days.insert(aor.clone(), (to_epoch_days(first), to_epoch_days(last)));
            }
        }
    }
    // Rows without a usable AOR belong to their release as a whole: they are compared on
    // the days both releases cover for some AOR.
    let whole = |c: &BTreeMap<String, (NaiveDate, NaiveDate)>| {
        c.values()
            .copied()
            .reduce(|x, y| (x.0.min(y.0), x.1.max(y.1)))
    };
    // That is only fair when both releases span the same AORs: a national release's rows
    // without an AOR may belong to any AOR, and a one-AOR workbook has no counterpart.
    let codes = |c: &BTreeMap<String, (NaiveDate, NaiveDate)>| -> Vec<String> {
        c.keys()
            .filter(|k| *k != NO_AOR_BLANK && *k != NO_AOR_UNMAPPED)
            .cloned()
            .collect()
    };
    let same_scope = codes(&ca) == codes(&cb);
    let mut notes = Vec::new();
    let mut no_aor_overlap = None;
    if !same_scope {
        notes.push(format!(
            "rows without an AOR are not compared: {} holds {} AORs and {} holds {}, so they could belong to AORs only one release covers",
            store.manifest().release_label(ra),
            codes(&ca).len(),
            store.manifest().release_label(rb),
            codes(&cb).len()
        ));
        for key in [NO_AOR_BLANK, NO_AOR_UNMAPPED] {
            overlap_days.remove(key);
        }
        overlap.retain(|(aor, _, _)| aor != NO_AOR_BLANK && aor != NO_AOR_UNMAPPED);
    }
    if let (true, Some((fa, la)), Some((fb, lb))) = (same_scope, whole(&ca), whole(&cb)) {
        let (first, last) = (fa.max(fb), la.min(lb));
        if first <= last && !overlap.is_empty() {
            no_aor_overlap = Some((first, last));
            for key in [NO_AOR_BLANK, NO_AOR_UNMAPPED] {
                overlap_days.insert(key.into(), (to_epoch_days(first), to_epoch_days(last)));
            }
        }
    }
    if overlap.is_empty() {
        return Err(QueryError::Invalid(format!(
            "{} and {} do not overlap: no AOR has {table} days in both",
            store.manifest().release_label(ra),
            store.manifest().release_label(rb)
        )));
    }
    let merged = match dedup.filter(|r| !r.is_none()) {
        Some(rule) => Some(merged_rows(
            store,
            &[ra, rb],
            table,
            rule,
            DedupScope::EachRelease,
        )?),
        None => None,
    };
    if let Some((rule, m)) = dedup.zip(merged.as_ref()) {
        for (file, why) in &m.not_applied {
            notes.push(format!(
                "the {} rule is not applied to {file}: {why}; its rows are compared as released",
                rule.name
            ));
        }
    }
    let (rows_a, filled_a, merged_a, outside_a) =
        read_rows(store, ra, table, &overlap_days, &parts, merged.as_ref())?;
    let (rows_b, filled_b, merged_b, outside_b) =
        read_rows(store, rb, table, &overlap_days, &parts, merged.as_ref())?;
    // Compare on event date, AOR and the fields both releases fill.
    let key_fields = key_fields(table);
    let compared: Vec<usize> = (0..key_fields.len())
        .filter(|&k| filled_a[k] && filled_b[k])
        .collect();
    let project = |r: &Row| -> Vec<Option<String>> {
        let mut k = vec![r.key[0].clone(), r.key[1].clone()];
        k.extend(compared.iter().map(|&i| r.key[i + 2].clone()));
        k
    };
    let mut pool: HashMap<MatchKey, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, r) in rows_a.iter().enumerate() {
        pool.entry(project(r)).or_default().0.push(i);
    }
    for (i, r) in rows_b.iter().enumerate() {
        pool.entry(project(r)).or_default().1.push(i);
    }
    let mut matched = 0u64;
    let mut only_a: Vec<usize> = Vec::new();
    let mut only_b: Vec<usize> = Vec::new();
    for (_, (ia, ib)) in pool {
        let m = ia.len().min(ib.len());
        matched += m as u64;
        only_a.extend(&ia[m..]);
        only_b.extend(&ib[m..]);
    }
    only_a.sort_unstable();
    only_b.sort_unstable();
    // Rows left over on both sides that share an identifier (the first identifier field
    // of the definition both releases fill), event date and AOR are one record revised
    // between the releases: count which fields changed instead of one removed plus one
    // added. The identifier is used for pairing only and never leaves this function.
    let def = table.def();
    let paired_on = compared.iter().copied().find(|&k| {
        def.field(key_fields[k])
            .is_some_and(|f| f.field_type == tally_model::FieldType::Identifier)
    });
    let mut changed_records = 0u64;
    let mut changed_counts: BTreeMap<&str, u64> = BTreeMap::new();
    if let Some(id) = paired_on {
        let pair_key = |r: &Row| -> Option<(String, String, String)> {
            Some((r.key[id + 2].clone()?, r.key[0].clone()?, r.key[1].clone()?))
        };
        let mut waiting: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        for &i in only_a.iter().rev() {
            if let Some(k) = pair_key(&rows_a[i]) {
                waiting.entry(k).or_default().push(i);
            }
        }
        let mut paired_a: Vec<usize> = Vec::new();
        let mut unpaired_b: Vec<usize> = Vec::new();
        for &j in &only_b {
            let partner = pair_key(&rows_b[j]).and_then(|k| waiting.get_mut(&k)?.pop());
            let Some(i) = partner else {
                unpaired_b.push(j);
                continue;
            };
            paired_a.push(i);
            changed_records += 1;
            for &k in &compared {
                if rows_a[i].key[k + 2] != rows_b[j].key[k + 2] {
                    *changed_counts.entry(key_fields[k]).or_default() += 1;
                }
            }
        }
        paired_a.sort_unstable();
        only_a.retain(|i| paired_a.binary_search(i).is_err());
        only_b = unpaired_b;
        matched += changed_records;
    }
    let mut changed_fields: Vec<(String, u64)> = changed_counts
        .into_iter()
        .map(|(f, n)| (f.to_string(), n))
        .collect();
    changed_fields.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    only_a.sort_by_key(|&i| (&rows_a[i].sheet, rows_a[i].row));
    only_b.sort_by_key(|&i| (&rows_b[i].sheet, rows_b[i].row));

    let mut cells: BTreeMap<(String, String), MonthAor> = BTreeMap::new();
    let mut tally_cell = |r: &Row, update: &dyn Fn(&mut MonthAor)| {
        let c = cells
            .entry((r.month.clone(), r.aor.clone()))
            .or_insert_with(|| MonthAor {
                month: r.month.clone(),
                aor: r.aor.clone(),
                a: 0,
                b: 0,
                difference: 0,
                matched: 0,
                only_a: 0,
                only_b: 0,
            });
        update(c);
    };
    for r in &rows_a {
        tally_cell(r, &|c| c.a += 1);
    }
    for r in &rows_b {
        tally_cell(r, &|c| c.b += 1);
    }
    for &i in &only_a {
        tally_cell(&rows_a[i], &|c| c.only_a += 1);
    }
    for &i in &only_b {
        tally_cell(&rows_b[i], &|c| c.only_b += 1);
    }
    let by_month_aor: Vec<MonthAor> = cells
        .into_values()
        .map(|mut c| {
            c.difference = c.b as i64 - c.a as i64;
            c.matched = c.a - c.only_a;
            c
        })
        .collect();
    let side = |r: &ReleaseEntry, rows: &[Row], only: &[usize], outside: u64| ReleaseSide {
        id: r.id.clone(),
        file_name: r.report.file_name.clone(),
        sha256: r.report.sha256.clone(),
        rows_in_overlap: rows.len() as u64,
        only_here: only.len() as u64,
        outside_overlap: outside,
        only_here_rows: only
            .iter()
            .take(MAX_ROW_POINTERS)
            .map(|&i| (rows[i].sheet.clone(), rows[i].row))
            .collect(),
    };
    let mut matched_on = vec!["event_date".to_string(), "aor".to_string()];
    matched_on.extend(compared.iter().map(|&k| key_fields[k].to_string()));
    Ok(Comparison {
        table,
        part: compared_part,
        a: side(ra, &rows_a, &only_a, outside_a),
        b: side(rb, &rows_b, &only_b, outside_b),
        overlap,
        no_aor_overlap,
        notes,
        matched_on,
        matched_rows: matched,
        paired_on: paired_on.map(|k| key_fields[k].to_string()),
        changed_records,
        changed_fields,
        by_month_aor,
        dedup: dedup
            .filter(|r| !r.is_none())
            .map(|r| (r.name.clone(), merged_a, merged_b)),
    })
}
