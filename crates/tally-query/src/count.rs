//! The group-by kernel: counts rows of one table by dimensions, with filters, a date
//! range and release precedence, over Arrow columns read from the store.

use crate::QueryError;
use crate::dimension::Dimension;
use crate::precedence::{Overlap, Precedence};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampSecondType};
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tally_catalog::schema;
use tally_model::TableKind;
use tally_model::date::{from_epoch_days, to_epoch_days};
use tally_store::{ReleaseEntry, Store, StoreError, TableScan, TextColumn};

/// Most dimensions one count can group by.
pub const MAX_DIMENSIONS: usize = 8;

/// What to count.
#[derive(Debug, Clone)]
pub struct CountQuery {
    pub table: TableKind,
    /// Group-by dimensions, in output column order.
    pub by: Vec<Dimension>,
    /// Keep rows whose dimension value is one of the listed values (as printed).
    pub filters: Vec<(Dimension, Vec<String>)>,
    /// Inclusive first and last event date; rows without an event date are excluded when
    /// either is set.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Release selectors (file name, id or SHA-256 prefix); `None` = every release, with
    /// precedence resolving overlaps.
    pub releases: Option<Vec<String>>,
}

/// How one release contributed to a count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseUse {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    /// Sheets (or the text file) whose rows were read.
    pub sheets: Vec<String>,
    /// Rows that passed every filter and were counted.
    pub rows_counted: u64,
    /// Rows that passed the filters but lost to a higher-precedence release.
    pub rows_shadowed: u64,
}

/// Result of a count: one row per group, sorted by the dimension values.
#[derive(Debug, Clone, Serialize)]
pub struct CountResult {
    pub table: TableKind,
    pub dimensions: Vec<String>,
    pub groups: Vec<(Vec<String>, u64)>,
    pub total: u64,
    pub releases: Vec<ReleaseUse>,
    /// Overlaps between the releases used, resolved by precedence.
    pub overlaps: Vec<Overlap>,
    /// Counted rows without an event date (included only when no date range is set).
    pub undated_rows: u64,
    /// Things a reader of the numbers should know: filter values that matched no row,
    /// days in the counted range that no release covers.
    pub notes: Vec<String>,
}

struct Interner {
    ids: HashMap<String, u32>,
    values: Vec<String>,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            ids: HashMap::new(),
            values: Vec::new(),
        }
    }
    fn id(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.to_string());
        self.ids.insert(value.to_string(), id);
        id
    }
}

/// Chooses the releases a query reads.
///
/// # Errors
/// A selector that matches no release.
pub fn select_releases<'m>(
    store: &'m Store,
    selectors: Option<&[String]>,
) -> Result<Vec<&'m ReleaseEntry>, QueryError> {
    let manifest = store.manifest();
    match selectors {
        None => Ok(manifest.releases.iter().collect()),
        Some(selectors) => {
            let mut out: Vec<&ReleaseEntry> = Vec::new();
            for s in selectors {
                let found = manifest.select(s);
                if found.is_empty() {
                    return Err(QueryError::Invalid(format!(
                        "no release matches {s:?} (use a file name, or at least 6 hex digits of a SHA-256; see `tally status`)"
                    )));
                }
                for r in found {
                    if !out.iter().any(|o| o.id == r.id) {
                        out.push(r);
                    }
                }
            }
            Ok(out)
        }
    }
}

/// Counts rows of `query.table`.
///
/// # Errors
/// Unknown release selectors, too many dimensions, and store read errors.
pub fn count(store: &Store, query: &CountQuery) -> Result<CountResult, QueryError> {
    let mut dims_needed: Vec<Dimension> = query.by.clone();
    if dims_needed.len() > MAX_DIMENSIONS {
        return Err(QueryError::Invalid(format!(
            "at most {MAX_DIMENSIONS} --by dimensions"
        )));
    }
    for (d, _) in &query.filters {
        if !dims_needed.contains(d) {
            dims_needed.push(*d);
        }
    }
    let releases: Vec<&ReleaseEntry> = select_releases(store, query.releases.as_deref())?
        .into_iter()
        .filter(|r| r.tables().contains(&query.table))
        .collect();
    let precedence = Precedence::new(query.table, &releases);

    // Columns: event_date, aor, the AOR field, withheld, source_sheet, event_datetime,
    // then one per text dimension.
    let def = query.table.def();
    let aor_field = def
        .aor
        .map(|i| def.fields[i].name.as_str())
        .unwrap_or("aor_name");
    let mut columns: Vec<&str> = vec![
        schema::EVENT_DATE,
        schema::AOR,
        aor_field,
        schema::WITHHELD,
        schema::SOURCE_SHEET,
        schema::EVENT_DATETIME,
    ];
    let mut dim_column: Vec<Option<usize>> = Vec::new();
    for d in &dims_needed {
        match d.column() {
            None => dim_column.push(None),
            Some(c) => {
                let at = columns.iter().position(|x| *x == c).unwrap_or_else(|| {
                    columns.push(c);
                    columns.len() - 1
                });
                dim_column.push(Some(at));
            }
        }
    }
    let filters: Vec<(usize, Vec<String>)> = query
        .filters
        .iter()
        .map(|(d, values)| {
            let at = dims_needed.iter().position(|x| x == d).unwrap_or(0);
            (
                at,
                values
                    .iter()
                    .map(|v| d.normalize_value(query.table, v))
                    .collect(),
            )
        })
        .collect();
    let from = query.from.map(to_epoch_days);
    let to = query.to.map(to_epoch_days);

    let mut interners: Vec<Interner> = dims_needed.iter().map(|_| Interner::new()).collect();
    let mut date_cache: Vec<HashMap<i32, u32>> =
        dims_needed.iter().map(|_| HashMap::new()).collect();
    let mut groups: HashMap<[u32; MAX_DIMENSIONS], u64> = HashMap::new();
    let mut uses: BTreeMap<String, ReleaseUse> = BTreeMap::new();
    let mut undated = 0u64;
    let mut matched: Vec<Vec<bool>> = filters.iter().map(|(_, v)| vec![false; v.len()]).collect();
    let n_by = query.by.len();

    let scan = TableScan::new(store, query.table, &columns);
    scan.for_each(&releases, |release, batch: &RecordBatch| {
        let bad = |what: &str| {
            StoreError::Invalid(format!(
                "release {}: column {what} has an unexpected type",
                release.id
            ))
        };
        let dates = batch
            .column(0)
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| bad("event_date"))?;
        let text = |i: usize, name: &str| TextColumn::new(batch.column(i)).map_err(|_| bad(name));
        let aor = text(1, "aor")?;
        let aor_name = text(2, aor_field)?;
        let withheld = text(3, "withheld")?;
        let datetimes = batch.column(5).as_primitive_opt::<TimestampSecondType>();
        let text_columns: Vec<Option<TextColumn>> = (0..batch.num_columns())
            .map(|i| TextColumn::new(batch.column(i)).ok())
            .collect();
        // Per dimension: interner id of each dictionary key of this batch's column.
        let mut key_ids: Vec<Vec<Option<u32>>> = dims_needed.iter().map(|_| Vec::new()).collect();
        let check_precedence = precedence.shadows_any(&release.id);
        let sheet = text(4, "source_sheet")?;
        let parts: std::collections::HashMap<&str, Option<&str>> = release
            .report
            .sheets
            .iter()
            .map(|s| (s.sheet.as_str(), s.part.as_deref()))
            .collect();
        // Sheets whose events carry a time of day (the others count as "(no time)").
        let timed: Vec<&str> = release
            .report
            .sheets
            .iter()
            .filter(|s| s.table == query.table && s.event_time_rows > 0)
            .map(|s| s.sheet.as_str())
            .collect();
        let use_entry = uses
            .entry(release.id.clone())
            .or_insert_with(|| ReleaseUse {
                id: release.id.clone(),
                sha256: release.report.sha256.clone(),
                file_name: release.report.file_name.clone(),
                sheets: release
                    .report
                    .sheets
                    .iter()
                    .filter(|s| s.table == query.table)
                    .map(|s| s.sheet.clone())
                    .collect(),
                rows_counted: 0,
                rows_shadowed: 0,
            });
        let mut key = [0u32; MAX_DIMENSIONS];
        'rows: for i in 0..batch.num_rows() {
            let day = dates.is_valid(i).then(|| dates.value(i));
            if from.is_some() || to.is_some() {
                match day {
                    None => continue,
                    Some(d) if from.is_some_and(|f| d < f) || to.is_some_and(|t| d > t) => continue,
                    _ => {}
                }
            }
            for (k, d) in dims_needed.iter().enumerate() {
                let id = if d.is_date() {
                    match day {
                        None => interners[k].id("(undated)"),
                        Some(day) => match date_cache[k].get(&day) {
                            Some(id) => *id,
                            None => {
                                let id = interners[k].id(&d.render_date(from_epoch_days(day)));
                                date_cache[k].insert(day, id);
                                id
                            }
                        },
                    }
                } else if *d == Dimension::Release {
                    interners[k].id(&release.report.file_name)
                } else if *d == Dimension::HourOfDay {
                    let hour = datetimes
                        .filter(|t| t.is_valid(i))
                        .filter(|_| sheet.get(i).is_some_and(|s| timed.contains(&s)))
                        .map(|t| t.value(i).rem_euclid(86_400) / 3_600);
                    match hour {
                        Some(h) => interners[k].id(&format!("{h:02}")),
                        None => interners[k].id("(no time)"),
                    }
                } else {
                    let col = dim_column[k].and_then(|c| text_columns[c].as_ref());
                    match col.map(|c| (c, c.key(i))) {
                        Some((col, Some(key))) => {
                            let memo = &mut key_ids[k];
                            if memo.len() <= key {
                                memo.resize(key + 1, None);
                            }
                            match memo[key] {
                                Some(id) => id,
                                None => {
                                    let id = interners[k].id(col.key_value(key));
                                    memo[key] = Some(id);
                                    id
                                }
                            }
                        }
                        Some((col, None)) if col.get(i).is_some() => {
                            interners[k].id(col.get(i).unwrap_or_default())
                        }
                        _ => {
                            let name = d.withheld_field(query.table).unwrap_or("");
                            let is_withheld = withheld.get(i).is_some_and(|w| {
                                w.split('|').any(|w| w.split('=').next() == Some(name))
                            });
                            let value = if is_withheld {
                                "(withheld)"
                            } else if *d == Dimension::Aor && aor_name.get(i).is_some() {
                                "(unmapped)"
                            } else {
                                "(blank)"
                            };
                            interners[k].id(value)
                        }
                    }
                };
                key[k] = id;
            }
            for (f, (k, allowed)) in filters.iter().enumerate() {
                let value = &interners[*k].values[key[*k] as usize];
                match allowed
                    .iter()
                    .position(|a| a == value || a.eq_ignore_ascii_case(value))
                {
                    Some(p) => matched[f][p] = true,
                    None => continue 'rows,
                }
            }
            if check_precedence {
                let aor_key = match aor.get(i) {
                    Some(code) => code,
                    None if aor_name.get(i).is_some() => "(unmapped)",
                    None => "(blank)",
                };
                let part = sheet
                    .get(i)
                    .and_then(|name| parts.get(name).copied().flatten());
                if !precedence.counts(&release.id, part, aor_key, day) {
                    use_entry.rows_shadowed += 1;
                    continue;
                }
            }
            use_entry.rows_counted += 1;
            if day.is_none() {
                undated += 1;
            }
            let mut group_key = [u32::MAX; MAX_DIMENSIONS];
            group_key[..n_by].copy_from_slice(&key[..n_by]);
            *groups.entry(group_key).or_default() += 1;
        }
        Ok(())
    })?;

    let mut rows: Vec<(Vec<String>, u64)> = groups
        .into_iter()
        .map(|(key, n)| {
            (
                (0..n_by)
                    .map(|k| interners[k].values[key[k] as usize].clone())
                    .collect(),
                n,
            )
        })
        .collect();
    rows.sort();
    let total = rows.iter().map(|(_, n)| n).sum();
    let mut notes = Vec::new();
    for ((dim, values), seen) in query.filters.iter().zip(&matched) {
        let missing: Vec<&String> = values
            .iter()
            .zip(seen)
            .filter(|(_, s)| !**s)
            .map(|(v, _)| v)
            .collect();
        if !missing.is_empty() {
            let list: Vec<&str> = missing.iter().map(|v| v.as_str()).collect();
            notes.push(format!(
                "--where {}={} matched no {} row (values are matched as printed by --by {})",
                dim.name(),
                list.join(","),
                query.table,
                dim.name()
            ));
        }
    }
    notes.extend(coverage_notes(&releases, query));
    Ok(CountResult {
        table: query.table,
        dimensions: query.by.iter().map(|d| d.name()).collect(),
        groups: rows,
        total,
        // In ingest order, as `status` lists them.
        releases: releases
            .iter()
            .filter_map(|r| uses.remove(&r.id))
            .filter(|u| u.rows_counted + u.rows_shadowed > 0)
            .collect(),
        // Only the overlaps that touch the counted range matter to this result.
        overlaps: precedence
            .overlaps()
            .iter()
            .filter(|o| {
                query.from.is_none_or(|f| o.last >= f) && query.to.is_none_or(|t| o.first <= t)
            })
            .cloned()
            .collect(),
        undated_rows: undated,
        notes,
    })
}

/// Days of the counted range (`--from/--to`, or the span of the releases read) that no
/// release of the table covers for any AOR, as notes. Gaps shorter than 7 days are not
/// reported (week-ends and holidays with no events look the same).
fn coverage_notes(releases: &[&ReleaseEntry], query: &CountQuery) -> Vec<String> {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = releases
        .iter()
        .flat_map(|r| r.report.sheets.iter().filter(|s| s.table == query.table))
        .filter_map(|s| s.first_date.zip(s.last_date))
        .collect();
    if spans.is_empty() {
        return Vec::new();
    }
    spans.sort();
    let first = query.from.unwrap_or(spans[0].0);
    let last = query
        .to
        .unwrap_or_else(|| spans.iter().map(|s| s.1).max().unwrap_or(spans[0].1));
    let mut notes = Vec::new();
    let mut cursor = first;
    for (f, l) in spans
        .iter()
        .chain(std::iter::once(&(last.succ_opt().unwrap_or(last), last)))
    {
        if *f > cursor {
            let gap_last = (*f - chrono::Days::new(1)).min(last);
            if gap_last >= cursor && (gap_last - cursor).num_days() + 1 >= 7 {
                notes.push(format!(
                    "no ingested {} release covers {cursor}..{gap_last} ({} days): counts there are missing, not zero",
                    query.table,
                    (gap_last - cursor).num_days() + 1
                ));
            }
        }
        if *l >= cursor {
            cursor = l.succ_opt().unwrap_or(*l);
        }
        if cursor > last {
            break;
        }
    }
    notes
}
