//! Reading a table's rows back from the store, only the columns asked for.

use crate::{Store, StoreError};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field as ArrowField};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use std::fs::File;
use tally_catalog::schema::Rollup;
use tally_catalog::{DataFile, ReleaseEntry};
use tally_model::TableKind;

/// The files of one table across chosen releases, read batch by batch.
pub struct TableScan<'s> {
    store: &'s Store,
    table: TableKind,
    columns: Vec<String>,
    /// The columns as batches carry them: the table schema's type, nullable; text for a
    /// name the schema lacks.
    wanted: Vec<ArrowField>,
    rollups: Option<Rollup>,
}

impl<'s> TableScan<'s> {
    /// A scan of `table` projecting `columns` (canonical column names).
    pub fn new(store: &'s Store, table: TableKind, columns: &[&str]) -> TableScan<'s> {
        let schema = tally_catalog::schema::table_schema(table);
        let wanted = columns
            .iter()
            .map(|name| match schema.field_with_name(name) {
                Ok(f) => f.clone().with_nullable(true),
                Err(_) => ArrowField::new(*name, DataType::Utf8, true),
            })
            .collect();
        TableScan {
            store,
            table,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            wanted,
            rollups: None,
        }
    }

    /// The same scan reading each table file's rollup of kind `rollups` in its place
    /// where the release has one (`tally_catalog::schema::Rollup::schema`): a batch row
    /// then stands for `rollup_rows` rows of the file, and a column the rollup lacks
    /// reads as nulls. Files without one (releases committed before format 3, or 4 for
    /// the rollup by citizenship) are read row by row, their `rollup_rows` null. The
    /// caller must ask only for columns the rollup keeps. `None` reads rows.
    pub fn with_rollups(mut self, rollups: Option<Rollup>) -> TableScan<'s> {
        self.rollups = rollups;
        self
    }

    /// Calls `visit(release, batch)` for every batch of every file of `releases` holding
    /// this table. Batches carry the projected columns in the order given to
    /// [`TableScan::new`]; a column a file lacks (a field added after the file was
    /// written, or one another table's schema has) reads as nulls of the type the table's
    /// schema gives it.
    ///
    /// # Errors
    /// Missing or unreadable files, naming them; [`StoreError::Stopped`] when a
    /// [`crate::cancel::StopFlag`] installed on this thread is raised.
    pub fn for_each(
        &self,
        releases: &[&ReleaseEntry],
        mut visit: impl FnMut(&ReleaseEntry, &RecordBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let stop = crate::cancel::Watch::new();
        for (release, file) in self.files(releases) {
            stop.check()?;
            self.for_each_in(release, file, &mut |r, b| {
                stop.check()?;
                visit(r, b)
            })?;
        }
        Ok(())
    }

    /// The files of `releases` holding this table (or, with rollups, each file's rollup
    /// where it has one), in scan order.
    pub fn files<'r>(
        &self,
        releases: &[&'r ReleaseEntry],
    ) -> Vec<(&'r ReleaseEntry, &'r DataFile)> {
        let rollups = self.rollups;
        releases
            .iter()
            .flat_map(|r| {
                r.files
                    .iter()
                    .filter(|f| f.holds_rows_of(self.table))
                    .map(move |f| {
                        let rollup = rollups.and_then(|kind| r.rollup_of(f, kind));
                        (*r, rollup.unwrap_or(f))
                    })
            })
            .collect()
    }

    /// [`TableScan::for_each`] with the files shared among `threads` threads: `visit`
    /// gets a state of its own for each file, made by `init(file's place in scan order)`
    /// (`None` skips the file unread), and the states come back in scan order, one per
    /// file, so a result merged from them in order is the same whatever thread read what.
    ///
    /// # Errors
    /// As [`TableScan::for_each`]; the first failure in scan order.
    pub fn par_for_each<S: Send>(
        &self,
        releases: &[&ReleaseEntry],
        threads: usize,
        init: impl Fn(usize) -> Option<S> + Sync,
        visit: impl Fn(&mut S, &ReleaseEntry, &RecordBatch) -> Result<(), StoreError> + Sync,
    ) -> Result<Vec<Option<S>>, StoreError> {
        let files = self.files(releases);
        // The caller's stop flag, watched by every worker (they run on the pool's threads).
        let stop = crate::cancel::Watch::new();
        let next = std::sync::atomic::AtomicUsize::new(0);
        type Slot<S> = std::sync::Mutex<Option<Result<Option<S>, StoreError>>>;
        let slots: Vec<Slot<S>> = files.iter().map(|_| std::sync::Mutex::new(None)).collect();
        let work = || {
            loop {
                let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((release, file)) = files.get(at) else {
                    break;
                };
                let done = match (stop.check(), init(at)) {
                    (Err(e), _) => Err(e),
                    (Ok(()), None) => Ok(None),
                    (Ok(()), Some(mut state)) => self
                        .for_each_in(release, file, &mut |r, b| {
                            stop.check()?;
                            visit(&mut state, r, b)
                        })
                        .map(|()| Some(state)),
                };
                if let Ok(mut slot) = slots[at].lock() {
                    *slot = Some(done);
                }
            }
        };
        match scan_pool() {
            Some(pool) => pool.scope(|scope| {
                for _ in 0..threads.clamp(1, files.len().max(1)) {
                    scope.spawn(|_| work());
                }
            }),
            // No thread could be started: the files are read on this one.
            None => work(),
        }
        let mut out = Vec::with_capacity(files.len());
        for slot in slots {
            match slot.into_inner().ok().flatten() {
                Some(Ok(state)) => out.push(state),
                Some(Err(e)) => return Err(e),
                None => return Err(StoreError::Invalid("a scan thread stopped".into())),
            }
        }
        Ok(out)
    }

    /// Calls `visit` for every batch of one file of the table.
    fn for_each_in(
        &self,
        release: &ReleaseEntry,
        file: &DataFile,
        visit: &mut dyn FnMut(&ReleaseEntry, &RecordBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let wanted = &self.wanted;
        let path = self.store.root().join(&file.path);
        // A rollup is only looked at here (`decode_rollup` opens it when it is read): one
        // system call rather than three for each file of every count.
        let opened = match file.rollup_of {
            Some(_) => None,
            None => Some(File::open(&path).map_err(StoreError::io(&path))?),
        };
        // Cheap checks of what `tally verify` checks in full: a file whose size or
        // row count differs from the manifest was changed after its commit, and
        // nothing read from it can be trusted.
        let meta = match &opened {
            Some(f) => f.metadata(),
            None => std::fs::metadata(&path),
        }
        .map_err(StoreError::io(&path))?;
        let bytes = meta.len();
        let changed = |what: String| {
            StoreError::Invalid(format!(
                "{}: {what} where the manifest records {} rows in {} bytes: the file changed after it was committed (run `tally verify --store {}`)",
                path.display(),
                file.rows,
                file.bytes,
                self.store.root().display()
            ))
        };
        // The size first: a truncated file's footer cannot even be parsed.
        if bytes != file.bytes {
            return Err(changed(format!("is {bytes} bytes")));
        }
        let Some(f) = opened else {
            // Read whole by `decode_rollup`, or taken from the cache when this very
            // version of the file was read and checked before.
            let stamp = crate::cache::FileStamp::of(&meta);
            // Kept for later queries, every column is decoded; read for this one alone,
            // only the columns it asks for.
            let only = (!crate::cache::enabled()).then_some(self.columns.as_slice());
            let decoded = crate::cache::rollup(&path, &file.sha256, stamp, || {
                decode_rollup(&path, file, &changed, only)
            })?;
            return self.visit_rollup(release, file, &path, &decoded, wanted, visit);
        };
        // The footer is read here rather than by the Parquet reader, to be checked first.
        let footer = crate::footer::read_footer(&path, &f, bytes)?;
        if let Some(expected) = &file.footer_sha256
            && crate::footer::footer_sha256(&footer) != *expected
        {
            return Err(damaged(
                &path,
                "its footer's bytes do not match the SHA-256 the manifest records",
                self.store,
            ));
        }
        let unreadable = |detail: String| damaged_or_unreadable(&path, detail, self.store);
        let metadata = crate::footer::decode(&footer).map_err(unreadable)?;
        let metadata =
            ArrowReaderMetadata::try_new(std::sync::Arc::new(metadata), ArrowReaderOptions::new())
                .map_err(|e| unreadable(e.to_string()))?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(f, metadata);
        self.read_built(release, file, &path, builder, wanted, visit)
    }

    /// Visits a decoded rollup's batches with the columns asked for, in the order asked
    /// (nulls for those it lacks), after checking that its rows add up to its table
    /// file's as the manifest records them: a rollup put in another's place, size and
    /// all, is caught as it is read.
    fn visit_rollup(
        &self,
        release: &ReleaseEntry,
        file: &DataFile,
        path: &std::path::Path,
        decoded: &crate::cache::DecodedRollup,
        wanted: &[ArrowField],
        visit: &mut dyn FnMut(&ReleaseEntry, &RecordBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let of = file.rollup_of.as_deref().unwrap_or_default();
        let expected = release.files.iter().find(|f| f.path == of).map(|f| f.rows);
        if expected != Some(decoded.rows_summed) {
            return Err(StoreError::Invalid(format!(
                "{}: sums {} rows where the manifest records {} for {of}: the rollup does not match its file (run `tally verify --store {}`; `count --no-rollups` counts the rows)",
                path.display(),
                decoded.rows_summed,
                expected.map_or("no file".to_string(), |n| n.to_string()),
                self.store.root().display()
            )));
        }
        for (at, batch) in decoded.batches.iter().enumerate() {
            let columns: Vec<ArrayRef> = wanted
                .iter()
                .map(|field| match batch.schema().index_of(field.name()) {
                    Ok(i) => batch.column(i).clone(),
                    Err(_) => decoded.placeholder(field.data_type(), at),
                })
                .collect();
            let batch = as_asked(path, wanted, columns, batch.num_rows())?;
            visit(release, &batch)?;
        }
        Ok(())
    }

    /// Reads the batches of one opened file (see [`TableScan::for_each_in`]), checking its
    /// row count against the manifest.
    fn read_built<T: parquet::file::reader::ChunkReader + 'static>(
        &self,
        release: &ReleaseEntry,
        file: &DataFile,
        path: &std::path::Path,
        builder: ParquetRecordBatchReaderBuilder<T>,
        wanted: &[ArrowField],
        visit: &mut dyn FnMut(&ReleaseEntry, &RecordBatch) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let path = path.to_path_buf();
        let perr = |e: parquet::errors::ParquetError| StoreError::Parquet {
            path: path.clone(),
            detail: e.to_string(),
        };
        let rows = builder.metadata().file_metadata().num_rows() as u64;
        if rows != file.rows {
            return Err(StoreError::Invalid(format!(
                "{}: holds {rows} rows where the manifest records {}: the file changed after it was committed (run `tally verify --store {}`)",
                path.display(),
                file.rows,
                self.store.root().display()
            )));
        }
        let parquet_schema = builder.parquet_schema();
        // A column null in every row of the file (by its statistics) is not read:
        // it reads as nulls, as a column the file lacks does. Sparse tables (a
        // release filling a few of a table's fields) then cost what they hold.
        let row_groups = builder.metadata().row_groups();
        let listed_null: Vec<&str> = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .into_iter()
            .flatten()
            .filter(|kv| kv.key == crate::staging::NULL_COLUMNS_KEY)
            .filter_map(|kv| kv.value.as_deref())
            .flat_map(|v| v.split(','))
            .collect();
        let all_null = |i: usize| {
            listed_null.contains(&parquet_schema.column(i).name())
                || (!row_groups.is_empty()
                    && row_groups.iter().all(|rg| {
                        let chunk = rg.column(i);
                        chunk
                            .statistics()
                            .and_then(|s| s.null_count_opt())
                            .is_some_and(|n| n as i64 == rg.num_rows())
                    }))
        };
        let found: Vec<Option<usize>> = self
            .columns
            .iter()
            .map(|name| {
                (0..parquet_schema.num_columns())
                    .find(|&i| parquet_schema.column(i).name() == name)
                    .filter(|&i| !all_null(i))
            })
            .collect();
        let mut indices: Vec<usize> = found.iter().flatten().copied().collect();
        indices.sort_unstable();
        indices.dedup();
        // With no column asked for present, read one anyway for the row counts.
        let placeholder = indices.is_empty() && parquet_schema.num_columns() > 0;
        if placeholder {
            indices.push(0);
        }
        let mask = ProjectionMask::leaves(parquet_schema, indices.clone());
        let reader = builder
            .with_projection(mask)
            .with_batch_size(65_536)
            .build()
            .map_err(perr)?;
        let event_date = wanted
            .iter()
            .position(|f| f.name() == tally_catalog::schema::EVENT_DATE);
        let mut rows_before = 0u64;
        for batch in reader {
            let batch =
                batch.map_err(|e| damaged_or_unreadable(&path, e.to_string(), self.store))?;
            // The projection returns columns in file order; put them in the order
            // asked, with nulls for the ones the file lacks.
            let columns: Vec<ArrayRef> = found
                .iter()
                .zip(wanted)
                .map(|(at, field)| match at {
                    Some(i) if !placeholder => {
                        let k = indices.iter().position(|x| x == i).unwrap_or(0);
                        batch.column(k).clone()
                    }
                    _ => arrow_array::new_null_array(field.data_type(), batch.num_rows()),
                })
                .collect();
            let batch = as_asked(&path, wanted, columns, batch.num_rows())?;
            if let Some(at) = event_date {
                check_event_dates(&path, batch.column(at), rows_before, self.store)?;
            }
            rows_before += batch.num_rows() as u64;
            visit(release, &batch)?;
        }
        Ok(())
    }
}

/// The error of a committed file whose pages do not decode: where a page's CRC (written
/// with every page since 2026-12-04) does not match, the file changed after its commit;
/// any other failure to decode a file the manifest lists (a changed page header or footer:
/// "Unexpected PageType -3") says the same, with the reader's words.
fn damaged_or_unreadable(path: &std::path::Path, detail: String, store: &Store) -> StoreError {
    let what = if detail.contains("CRC checksum mismatch") {
        "a page's bytes do not match the CRC written with them".to_string()
    } else {
        format!("it does not decode ({detail})")
    };
    damaged(path, &what, store)
}

/// The error of a committed file found changed by `what`: "the file is damaged", with
/// what to run.
fn damaged(path: &std::path::Path, what: &str, store: &Store) -> StoreError {
    StoreError::Invalid(format!(
        "{}: {what}: the file is damaged (run `tally verify --store {}`; re-ingest its release)",
        path.display(),
        store.root().display()
    ))
}

/// Refuses a batch of a table file holding an event date ingest never stores (outside
/// `tally_model::date::EVENT_DATE_RANGE`): a damaged file, whose rows would otherwise count
/// in a fiscal year such as FY-262143 (a byte changed in a committed file; the count
/// checks size and row count only, `tally verify` the SHA-256). `rows_before`: the file's
/// rows in earlier batches, to name the row.
fn check_event_dates(
    path: &std::path::Path,
    column: &ArrayRef,
    rows_before: u64,
    store: &Store,
) -> Result<(), StoreError> {
    let Some(dates) = column.as_primitive_opt::<arrow_array::types::Date32Type>() else {
        return Ok(());
    };
    let (first, last) = tally_model::date::EVENT_DATE_RANGE;
    let (lo, hi) = (
        tally_model::date::to_epoch_days(first),
        tally_model::date::to_epoch_days(last),
    );
    // Checked on the values alone first (a null's slot may hold anything), which is
    // one pass a compiler vectorizes; rows are looked at only where it finds one out.
    let values = dates.values();
    if values.iter().all(|d| (lo..=hi).contains(d)) {
        return Ok(());
    }
    let Some(i) = (0..dates.len()).find(|&i| dates.is_valid(i) && !(lo..=hi).contains(&values[i]))
    else {
        return Ok(());
    };
    Err(StoreError::Invalid(format!(
        "{}: row {} holds event date {}, outside {first}..{last}, which ingest never stores: the file is damaged (run `tally verify --store {}`; re-ingest its release)",
        path.display(),
        rows_before + i as u64 + 1,
        dates.value_as_date(i).map_or_else(
            || format!("{} days from 1970-01-01", values[i]),
            |d| d.to_string()
        ),
        store.root().display()
    )))
}

/// A batch of `rows` rows holding `columns`, named as `wanted` names them (in its order),
/// each typed as read; a failure names the file at `path`.
fn as_asked(
    path: &std::path::Path,
    wanted: &[ArrowField],
    columns: Vec<ArrayRef>,
    rows: usize,
) -> Result<RecordBatch, StoreError> {
    let fields: Vec<ArrowField> = wanted
        .iter()
        .zip(&columns)
        .map(|(f, c)| ArrowField::new(f.name(), c.data_type().clone(), true))
        .collect();
    RecordBatch::try_new_with_options(
        std::sync::Arc::new(arrow_schema::Schema::new(fields)),
        columns,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|e| StoreError::Parquet {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// Reads a rollup file whole and checks it against its manifest entry: its SHA-256 (a
/// rollup is small, tens of kilobytes, so one edited after its commit is refused even
/// when its size and row count are unchanged) and its row count; then decodes every
/// column, or with `only` those of its columns named there (and `rollup_rows`, to check
/// the sum). `changed` words the refusal of a file that differs from its entry.
fn decode_rollup(
    path: &std::path::Path,
    file: &DataFile,
    changed: &dyn Fn(String) -> StoreError,
    only: Option<&[String]>,
) -> Result<crate::cache::DecodedRollup, StoreError> {
    let perr = |e: parquet::errors::ParquetError| StoreError::Parquet {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let content = std::fs::read(path).map_err(StoreError::io(path))?;
    if content.len() as u64 != file.bytes {
        return Err(changed(format!("is {} bytes", content.len())));
    }
    let sha = tally_catalog::hex(&<sha2::Sha256 as sha2::Digest>::digest(&content));
    if sha != file.sha256 {
        return Err(changed(format!(
            "has SHA-256 {sha} (the manifest's is {})",
            file.sha256
        )));
    }
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(content)).map_err(perr)?;
    let rows = builder.metadata().file_metadata().num_rows() as u64;
    if rows != file.rows {
        return Err(changed(format!("holds {rows} rows")));
    }
    let builder = match only {
        Some(names) => {
            let schema = builder.parquet_schema();
            let leaves: Vec<usize> = (0..schema.num_columns())
                .filter(|&i| {
                    let column = schema.column(i);
                    let name = column.name();
                    name == tally_catalog::schema::ROLLUP_ROWS || names.iter().any(|n| n == name)
                })
                .collect();
            let mask = ProjectionMask::leaves(schema, leaves);
            builder.with_projection(mask)
        }
        None => builder,
    };
    let reader = builder.with_batch_size(65_536).build().map_err(perr)?;
    let mut batches = Vec::new();
    let mut rows_summed = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| StoreError::Parquet {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        if let Ok(i) = batch.schema().index_of(tally_catalog::schema::ROLLUP_ROWS)
            && let Some(n) = batch
                .column(i)
                .as_primitive_opt::<arrow_array::types::Int64Type>()
        {
            rows_summed += n.iter().flatten().map(|n| n.max(0) as u64).sum::<u64>();
        }
        batches.push(batch);
    }
    Ok(crate::cache::DecodedRollup {
        batches,
        rows_summed,
        placeholders: std::sync::Mutex::default(),
    })
}

/// A column of one stored Parquet file as any engine reading the file sees it (from the
/// Parquet schema, not the Arrow schema Tally embeds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredColumn {
    /// Column name.
    pub name: String,
    /// True for a Parquet timestamp (milliseconds since format 2); false for every other
    /// type, such as the bare int64 seconds an older store may hold.
    pub timestamp: bool,
}

/// The top-level columns of `file` (a file of `store`'s manifest), read from its footer
/// only; for `tally count --sql`, which must name only columns a file has.
///
/// # Errors
/// A missing or unreadable file, naming it.
pub fn stored_columns(store: &Store, file: &DataFile) -> Result<Vec<StoredColumn>, StoreError> {
    use parquet::basic::{ConvertedType, LogicalType};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let path = store.root().join(&file.path);
    let f = File::open(&path).map_err(StoreError::io(&path))?;
    let reader = SerializedFileReader::new(f).map_err(|e| StoreError::Parquet {
        path: path.clone(),
        detail: e.to_string(),
    })?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    Ok(schema
        .columns()
        .iter()
        .filter(|c| c.path().parts().len() == 1)
        .map(|c| StoredColumn {
            name: c.name().to_string(),
            timestamp: matches!(c.logical_type_ref(), Some(LogicalType::Timestamp { .. }))
                || matches!(
                    c.converted_type(),
                    ConvertedType::TIMESTAMP_MILLIS | ConvertedType::TIMESTAMP_MICROS
                ),
        })
        .collect())
}

/// A Utf8 or dictionary-of-Utf8 column read as text by row. Stores written by this
/// version hold dictionaries (see `tally_catalog::schema::text_type`); older stores held
/// plain Utf8 canonical fields, still read.
pub enum TextColumn<'a> {
    /// A plain Utf8 column.
    Plain(&'a arrow_array::StringArray),
    /// A dictionary-of-Utf8 column and its values.
    Dict(
        &'a arrow_array::DictionaryArray<arrow_array::types::Int32Type>,
        &'a arrow_array::StringArray,
    ),
}

impl<'a> TextColumn<'a> {
    /// Wraps a column.
    ///
    /// # Errors
    /// A column of another type.
    pub fn new(array: &'a arrow_array::ArrayRef) -> Result<TextColumn<'a>, String> {
        use arrow_array::cast::AsArray;
        match array.data_type() {
            arrow_schema::DataType::Utf8 => Ok(TextColumn::Plain(array.as_string::<i32>())),
            arrow_schema::DataType::Dictionary(_, _) => {
                let dict = array
                    .as_dictionary_opt::<arrow_array::types::Int32Type>()
                    .ok_or("dictionary keys are not Int32")?;
                let values = dict
                    .values()
                    .as_string_opt::<i32>()
                    .ok_or("dictionary values are not Utf8")?;
                Ok(TextColumn::Dict(dict, values))
            }
            other => Err(format!("expected a text column, found {other}")),
        }
    }

    /// The dictionary key at row `i`: `None` when null or when the column is plain.
    #[inline]
    pub fn key(&self, i: usize) -> Option<usize> {
        match self {
            TextColumn::Plain(_) => None,
            TextColumn::Dict(d, _) => d.is_valid(i).then(|| d.keys().value(i) as usize),
        }
    }

    /// The text of dictionary key `key` (see [`TextColumn::key`]); empty for a plain
    /// column or a key out of range.
    #[inline]
    pub fn key_value(&self, key: usize) -> &'a str {
        match self {
            TextColumn::Dict(_, v) if key < v.len() => v.value(key),
            _ => "",
        }
    }

    /// True when rows `i` and `j` hold the same text (or are both null); for a dictionary
    /// column, compares keys rather than texts.
    #[inline]
    pub fn same(&self, i: usize, j: usize) -> bool {
        match self {
            TextColumn::Dict(d, _) => {
                d.is_valid(i) == d.is_valid(j) && d.keys().value(i) == d.keys().value(j)
            }
            TextColumn::Plain(_) => self.get(i) == self.get(j),
        }
    }

    /// The text at row `i`, `None` when null.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            TextColumn::Plain(a) => a.is_valid(i).then(|| a.value(i)),
            TextColumn::Dict(d, v) => d.is_valid(i).then(|| v.value(d.keys().value(i) as usize)),
        }
    }
}

/// A stored datetime column read as whole seconds since 1970 (wall-clock, no time zone),
/// whatever unit it was written in: stores since format 2 hold milliseconds (Parquet has
/// no seconds unit, so a seconds column reads back elsewhere as a bare int64), older ones
/// seconds.
pub struct SecondsColumn {
    values: arrow_array::Int64Array,
    per_second: i64,
}

impl SecondsColumn {
    /// Wraps `array` (its buffers are shared, not copied); `None` for a column of another
    /// type.
    pub fn new(array: &ArrayRef) -> Option<SecondsColumn> {
        use arrow_schema::TimeUnit;
        let per_second = match array.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => 1,
            DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000,
            DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000_000,
            DataType::Timestamp(TimeUnit::Nanosecond, _) => 1_000_000_000,
            _ => return None,
        };
        // Every timestamp unit is stored as Int64: reinterpret the same buffers.
        let data = array
            .to_data()
            .into_builder()
            .data_type(DataType::Int64)
            .build()
            .ok()?;
        Some(SecondsColumn {
            values: arrow_array::Int64Array::from(data),
            per_second,
        })
    }

    /// Seconds since 1970 at row `i` (floored), `None` when null.
    #[inline]
    pub fn get(&self, i: usize) -> Option<i64> {
        self.values
            .is_valid(i)
            .then(|| self.values.value(i).div_euclid(self.per_second))
    }
}

/// The threads [`TableScan::par_for_each`] reads on, started once per process.
///
/// Threads started for each scan (and `available_parallelism` asked each time) were two
/// fifths of a count over the 10M-row store's rollups in one process (1.17 -> 0.70 ms a
/// count, `perf`, 2026-12-03). A scan asks for [`crate::cores`] threads, and `tally serve`
/// runs as many requests at once as there are cores: the pool holds that many scans' threads
/// (and at least two scans'), so that a short count never waits for a thread held by
/// the files of a long one
/// (`tally-cli/tests/test_scan_parallel.rs::a_scan_never_waits_for_the_threads_of_another`).
fn scan_pool() -> Option<&'static rayon_core::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon_core::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let cores = crate::cores();
        let threads = (cores * cores.max(2)).clamp(1, 256);
        rayon_core::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|n| format!("tally-scan-{n}"))
            .build()
            .ok()
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, DictionaryArray, Int32Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn plain_and_dictionary_text_read_alike() {
        // Stores written before text columns became dictionaries hold plain Utf8.
        let plain: ArrayRef = Arc::new(StringArray::from(vec![Some("CHI"), None, Some("CHI")]));
        let dict: ArrayRef = Arc::new(
            DictionaryArray::try_new(
                Int32Array::from(vec![Some(1), None, Some(1)]),
                Arc::new(StringArray::from(vec!["NYC", "CHI"])),
            )
            .expect("keys in range"),
        );
        for array in [&plain, &dict] {
            let column = TextColumn::new(array).expect("text");
            let rows: Vec<Option<&str>> = (0..3).map(|i| column.get(i)).collect();
            assert_eq!(rows, [Some("CHI"), None, Some("CHI")]);
            assert!(column.same(0, 2) && !column.same(0, 1));
        }
        let column = TextColumn::new(&dict).expect("text");
        assert_eq!(column.key(0), Some(1));
        assert_eq!(column.key(1), None);
        assert_eq!(column.key_value(1), "CHI");
        assert_eq!(TextColumn::new(&plain).expect("text").key(0), None);
        let numbers: ArrayRef = Arc::new(Int32Array::from(vec![1]));
        assert!(TextColumn::new(&numbers).is_err());
    }
}
