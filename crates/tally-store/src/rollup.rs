//! Daily rollups: each table file's rows summed by event date and the few dimensions most
//! counts ask for, written at ingest beside the file, one of each kind
//! (`tally_catalog::schema::Rollup`).
//!
//! A count whose dimensions, filters and precedence need nothing else reads a rollup row
//! as `rollup_rows` rows of the table file (the query kernel's weight), so a file of
//! millions of rows is counted from tens of thousands. Rows are summed only where every
//! value a count could read from them is the same: the source sheet (provenance and
//! parts), the event date (date dimensions, ranges, precedence by day), the AOR code
//! (precedence by AOR) and the AOR field where the code is null (unmapped vs blank) in the
//! kinds that keep them, the rollup's dimensions, and the withheld markers that explain a
//! null one.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type};
use arrow_array::{Array, ArrayRef, Date32Array, Int64Array, RecordBatch};
use rustc_hash::FxHashMap;
use std::sync::Arc;
use tally_catalog::schema::{AOR, EVENT_DATE, Rollup, WITHHELD, table_schema};
use tally_model::TableKind;

use crate::read::TextColumn;

/// Most text columns a rollup keeps (see `Rollup::text_columns`).
const MAX_TEXT: usize = 6;
/// The id of a null value.
const NULL: u32 = u32::MAX;
/// A dictionary key whose id is not yet known.
const UNSEEN: u32 = u32::MAX - 1;
/// The event day of a row without one.
const NO_DAY: i32 = i32::MIN;

/// Sums one table file's rows into its rollup, batch by batch (memory: one entry per
/// distinct rollup row, never per row).
pub(crate) struct RollupBuilder {
    table: TableKind,
    kind: Rollup,
    /// Column of `event_date` in the table's batches.
    date_at: Option<usize>,
    /// Per rollup text column: its column in the table's batches.
    text_at: Vec<Option<usize>>,
    /// Which rollup text column holds `aor`, which the AOR field, which `withheld`.
    aor: Option<usize>,
    aor_field: Option<usize>,
    withheld: Option<usize>,
    withheld_fields: Vec<&'static str>,
    /// Per rollup text column: the values seen, by id.
    values: Vec<Vec<Option<String>>>,
    ids: Vec<FxHashMap<Option<String>, u32>>,
    /// Rows per rollup row, keyed by [`pack`] (nearly every row: ids under 65,535)...
    packed: FxHashMap<u128, u64>,
    /// ...and by the key itself where an id does not fit.
    groups: FxHashMap<(i32, [u32; MAX_TEXT]), u64>,
}

/// A rollup row's key in 16 bytes, the event day then each text column's id in 16 bits
/// (null as 0xFFFF): hashed and compared in two words, where the key itself takes seven.
/// `None` when an id does not fit.
fn pack(day: i32, key: &[u32; MAX_TEXT]) -> Option<u128> {
    let mut packed = (day as u32 as u128) << 96;
    for (c, id) in key.iter().enumerate() {
        let id = match *id {
            NULL => 0xFFFF,
            id if id < 0xFFFF => id,
            _ => return None,
        };
        packed |= (id as u128) << (80 - 16 * c);
    }
    Some(packed)
}

/// The key [`pack`] packed.
fn unpack(packed: u128) -> (i32, [u32; MAX_TEXT]) {
    let mut key = [NULL; MAX_TEXT];
    for (c, id) in key.iter_mut().enumerate() {
        let bits = ((packed >> (80 - 16 * c)) & 0xFFFF) as u32;
        *id = if bits == 0xFFFF { NULL } else { bits };
    }
    ((packed >> 96) as u32 as i32, key)
}

impl RollupBuilder {
    /// The builders of a file of `table`, one per kind of rollup it gets
    /// (`Rollup::for_table`): none for a reference table (no event dates), which counts
    /// read row by row.
    pub(crate) fn for_table(table: TableKind) -> Vec<RollupBuilder> {
        Rollup::for_table(table)
            .into_iter()
            .filter_map(|kind| RollupBuilder::new(table, kind))
            .collect()
    }

    /// A builder of the `kind` rollup of a file of `table`.
    fn new(table: TableKind, kind: Rollup) -> Option<RollupBuilder> {
        let schema = table_schema(table);
        let at = |name: &str| schema.index_of(name).ok();
        let names = kind.text_columns(table);
        if names.len() > MAX_TEXT {
            return None;
        }
        let aor_field = table.def().aor.map(|i| table.def().fields[i].name.as_str());
        Some(RollupBuilder {
            table,
            kind,
            date_at: at(EVENT_DATE),
            text_at: names.iter().map(|n| at(n)).collect(),
            aor: names.iter().position(|n| *n == AOR),
            aor_field: aor_field.and_then(|f| names.iter().position(|n| *n == f)),
            withheld: names.iter().position(|n| *n == WITHHELD),
            withheld_fields: kind.withheld_fields(table),
            values: names.iter().map(|_| Vec::new()).collect(),
            ids: names.iter().map(|_| FxHashMap::default()).collect(),
            packed: FxHashMap::default(),
            groups: FxHashMap::default(),
        })
    }

    /// The id of `value` in text column `c`, after the column's reduction.
    fn id(&mut self, c: usize, value: Option<&str>) -> u32 {
        let value = match value {
            Some(v) if Some(c) == self.withheld => {
                // Only the markers of the fields a rollup dimension is explained by.
                let kept: Vec<&str> = v
                    .split('|')
                    .filter(|m| {
                        m.split('=')
                            .next()
                            .is_some_and(|f| self.withheld_fields.contains(&f))
                    })
                    .collect();
                (!kept.is_empty()).then(|| kept.join("|"))
            }
            other => other.map(str::to_string),
        };
        if value.is_none() {
            return NULL;
        }
        if let Some(id) = self.ids[c].get(&value) {
            return *id;
        }
        let id = self.values[c].len() as u32;
        self.values[c].push(value.clone());
        self.ids[c].insert(value, id);
        id
    }

    /// Adds a batch of the table's rows (the table's schema, as written to its file).
    pub(crate) fn add(&mut self, batch: &RecordBatch) {
        let dates = self
            .date_at
            .and_then(|at| batch.column(at).as_primitive_opt::<Date32Type>());
        let columns: Vec<Option<TextColumn>> = self
            .text_at
            .iter()
            .map(|at| at.and_then(|at| TextColumn::new(batch.column(at)).ok()))
            .collect();
        // Per text column, each row's id, column by column: a dictionary key's id is found
        // once per batch, and the row loop below only gathers.
        let n = batch.num_rows();
        let ids: Vec<Vec<u32>> = columns
            .iter()
            .enumerate()
            .map(|(c, column)| {
                let mut out = vec![NULL; n];
                match column {
                    None => {}
                    Some(TextColumn::Dict(dict, values)) => {
                        let mut memo = vec![UNSEEN; values.len()];
                        let keys = dict.keys().values();
                        for (i, id) in out.iter_mut().enumerate() {
                            if dict.is_null(i) {
                                continue;
                            }
                            let k = keys[i] as usize;
                            *id = match memo.get_mut(k) {
                                Some(known) if *known != UNSEEN => *known,
                                Some(slot) => {
                                    *slot = self.id(c, Some(values.value(k)));
                                    *slot
                                }
                                None => self.id(c, None),
                            };
                        }
                    }
                    Some(plain) => {
                        for (i, id) in out.iter_mut().enumerate() {
                            *id = self.id(c, plain.get(i));
                        }
                    }
                }
                out
            })
            .collect();
        for i in 0..n {
            let day = match dates {
                Some(d) if d.is_valid(i) => d.value(i),
                _ => NO_DAY,
            };
            let mut key = [NULL; MAX_TEXT];
            for (c, column) in ids.iter().enumerate() {
                key[c] = column[i];
            }
            // The AOR field matters only where no code was found for it.
            if let (Some(aor), Some(field)) = (self.aor, self.aor_field)
                && key[aor] != NULL
            {
                key[field] = NULL;
            }
            match pack(day, &key) {
                Some(packed) => *self.packed.entry(packed).or_default() += 1,
                None => *self.groups.entry((day, key)).or_default() += 1,
            }
        }
    }

    /// This builder's kind of rollup.
    pub(crate) fn kind(&self) -> Rollup {
        self.kind
    }

    /// The rollup's rows (`Rollup::schema`), sorted by event date then text, so the same
    /// rows always give the same file; `None` when no row was added.
    ///
    /// # Errors
    /// Arrow errors building the batch.
    pub(crate) fn finish(mut self) -> Result<Option<RecordBatch>, arrow_schema::ArrowError> {
        for (packed, n) in std::mem::take(&mut self.packed) {
            *self.groups.entry(unpack(packed)).or_default() += n;
        }
        if self.groups.is_empty() {
            return Ok(None);
        }
        let text = |c: usize, id: u32| -> Option<&str> {
            if id == NULL {
                None
            } else {
                self.values[c][id as usize].as_deref()
            }
        };
        let mut rows: Vec<(&(i32, [u32; MAX_TEXT]), &u64)> = self.groups.iter().collect();
        rows.sort_by(|(a, _), (b, _)| {
            a.0.cmp(&b.0).then_with(|| {
                (0..self.text_at.len())
                    .map(|c| text(c, a.1[c]).cmp(&text(c, b.1[c])))
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
        });
        let dates: Date32Array = rows
            .iter()
            .map(|((day, _), _)| (*day != NO_DAY).then_some(*day))
            .collect();
        let mut columns: Vec<ArrayRef> = vec![Arc::new(dates)];
        for c in 0..self.text_at.len() {
            let mut builder = StringDictionaryBuilder::<Int32Type>::new();
            for ((_, key), _) in &rows {
                builder.append_option(text(c, key[c]));
            }
            columns.push(Arc::new(builder.finish()));
        }
        let counts: Int64Array = rows.iter().map(|(_, n)| **n as i64).collect();
        columns.push(Arc::new(counts));
        RecordBatch::try_new(self.kind.schema(self.table), columns).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(values: &[Option<&str>]) -> ArrayRef {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        for v in values {
            b.append_option(*v);
        }
        Arc::new(b.finish())
    }

    /// A batch of the arrests schema with the rollup's columns filled.
    fn arrests_batch(
        days: &[Option<i32>],
        aor: &[Option<&str>],
        aor_name: &[Option<&str>],
        withheld: &[Option<&str>],
    ) -> RecordBatch {
        let table = TableKind::from_slug("arrests").expect("arrests");
        let schema = table_schema(table);
        let n = days.len();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                "event_date" => Arc::new(Date32Array::from(days.to_vec())) as ArrayRef,
                "aor" => text(aor),
                "aor_name" => text(aor_name),
                "withheld" => text(withheld),
                "source_sheet" | "release_sha256" => text(&vec![Some("s"); n]),
                "source_row" => Arc::new(Int64Array::from_iter_values(0..n as i64)),
                _ => arrow_array::new_null_array(f.data_type(), n),
            })
            .collect();
        RecordBatch::try_new(schema, columns).expect("batch")
    }

    /// Event day, AOR, AOR name, withheld, rows.
    type RollupRow<'a> = (
        Option<i32>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        i64,
    );

    #[test]
    fn rows_sum_where_every_value_a_count_reads_agrees() {
        let table = TableKind::from_slug("arrests").expect("arrests");
        let mut b = RollupBuilder::new(table, Rollup::Daily).expect("event table");
        // Two CHI rows a day apart, two CHI rows on one day whose names differ (the name
        // is not kept where the code is known), an unmapped and a blank AOR, and a
        // withheld AOR whose other markers are dropped.
        b.add(&arrests_batch(
            &[Some(1), Some(2), Some(2), Some(2), Some(2), Some(2), None],
            &[
                Some("CHI"),
                Some("CHI"),
                Some("CHI"),
                None,
                None,
                None,
                None,
            ],
            &[
                Some("Chicago"),
                Some("Chicago"),
                Some("CHICAGO AOR"),
                Some("Nowhere"),
                None,
                None,
                None,
            ],
            &[
                None,
                Some("birth_date=(b)(6)"),
                None,
                None,
                None,
                Some("aor_name=(b)(7)(E)|birth_date=(b)(6)"),
                None,
            ],
        ));
        let batch = b.finish().expect("finish").expect("rows");
        let col = |name: &str| batch.column(batch.schema().index_of(name).expect("column"));
        let rows = col("rollup_rows").as_primitive::<arrow_array::types::Int64Type>();
        let day = col("event_date").as_primitive::<Date32Type>();
        let aor = TextColumn::new(col("aor")).expect("text");
        let name = TextColumn::new(col("aor_name")).expect("text");
        let withheld = TextColumn::new(col("withheld")).expect("text");
        let got: Vec<RollupRow> = (0..batch.num_rows())
            .map(|i| {
                (
                    day.is_valid(i).then(|| day.value(i)),
                    aor.get(i),
                    name.get(i),
                    withheld.get(i),
                    rows.value(i),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (None, None, None, None, 1),
                (Some(1), Some("CHI"), None, None, 1),
                (Some(2), None, None, None, 1),
                (Some(2), None, None, Some("aor_name=(b)(7)(E)"), 1),
                (Some(2), None, Some("Nowhere"), None, 1),
                (Some(2), Some("CHI"), None, None, 2),
            ]
        );
        assert_eq!(rows.iter().flatten().sum::<i64>(), 7);
    }

    #[test]
    fn packed_keys_unpack_to_themselves_and_wide_ids_are_not_packed() {
        for (day, key) in [
            (0, [0, 1, 2, 3, 4, 5]),
            (-719_162, [NULL, 0xFFFE, 0, NULL, 7, NULL]),
            (NO_DAY, [NULL; MAX_TEXT]),
            (i32::MAX, [0xFFFE; MAX_TEXT]),
        ] {
            let packed = pack(day, &key).expect("fits");
            assert_eq!(unpack(packed), (day, key));
        }
        assert_eq!(pack(1, &[0, 0xFFFF, 0, 0, 0, 0]), None);
        assert_eq!(pack(1, &[0, 0, 0, 0, 0, 70_000]), None);
    }

    #[test]
    fn the_rollup_by_citizenship_keeps_no_aor_and_only_its_own_markers() {
        let table = TableKind::from_slug("arrests").expect("arrests");
        let mut b = RollupBuilder::new(table, Rollup::Citizenship).expect("event table");
        let mut batch = arrests_batch(
            &[Some(1), Some(1), Some(1), Some(1)],
            &[Some("CHI"), Some("NYC"), None, None],
            &[Some("Chicago"), Some("New York"), Some("Nowhere"), None],
            &[
                None,
                Some("aor_name=(b)(7)(E)"),
                Some("citizenship=(b)(6)|birth_date=(b)(6)"),
                Some("citizenship=(b)(6)"),
            ],
        );
        let at = batch.schema().index_of("citizenship").expect("column");
        let mut columns = batch.columns().to_vec();
        columns[at] = text(&[Some("MEXICO"), Some("MEXICO"), None, None]);
        batch = RecordBatch::try_new(batch.schema(), columns).expect("batch");
        b.add(&batch);
        let out = b.finish().expect("finish").expect("rows");
        assert_eq!(out.schema(), Rollup::Citizenship.schema(table));
        let col = |name: &str| out.column(out.schema().index_of(name).expect("column"));
        let rows = col("rollup_rows").as_primitive::<arrow_array::types::Int64Type>();
        let citizenship = TextColumn::new(col("citizenship")).expect("text");
        let withheld = TextColumn::new(col("withheld")).expect("text");
        let got: Vec<(Option<&str>, Option<&str>, i64)> = (0..out.num_rows())
            .map(|i| (citizenship.get(i), withheld.get(i), rows.value(i)))
            .collect();
        // Chicago and New York fall together (no AOR kept, the AOR's marker dropped);
        // the two withheld citizenships too (the birth date's marker dropped).
        assert_eq!(
            got,
            [
                (None, Some("citizenship=(b)(6)"), 2),
                (Some("MEXICO"), None, 2)
            ]
        );
    }
}
