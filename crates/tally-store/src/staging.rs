//! Staging: where an ingest writes Parquet before the commit moves it into the store.

use crate::rollup::RollupBuilder;
use crate::{StoreError, release_id};
use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tally_catalog::DataFile;
use tally_catalog::schema::{Rollup, SOURCE_ROW, rejects_schema, table_schema};
use tally_catalog::{BatchSink, RejectedRow};
use tally_model::TableKind;

/// Hive partition value for rows without a fiscal year (Spark's and DuckDB's convention).
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

type WriterKey = (TableKind, usize, Option<i32>);

/// A data file being written: its relative path, writer, rows so far, which columns
/// have held a value (the others are listed in the file as null throughout), and its
/// rollups so far.
type OpenFile = (
    String,
    ArrowWriter<HashingFile>,
    u64,
    Vec<bool>,
    Vec<RollupBuilder>,
);

/// Key of the file metadata entry listing the columns null in every row of the file
/// (comma-separated): a reader need not decode them (`TableScan`).
pub const NULL_COLUMNS_KEY: &str = "tally.null_columns";

/// Parquet files being written for one release under `<store>/.staging/<id>-<pid>/`.
pub struct Staging {
    pub(crate) dir: PathBuf,
    pub(crate) id: String,
    writers: BTreeMap<WriterKey, OpenFile>,
    pub(crate) files: Vec<DataFile>,
}

fn properties(schema: &arrow_schema::Schema) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        // Row-group min/max of the numeric and date columns are what readers prune on
        // (event_date, event_fy, source_row). Text columns get none: every row group
        // holds nearly every AOR, method and country, so their min/max prune nothing,
        // and computing them compared every value of every row.
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by(format!("tally {}", env!("CARGO_PKG_VERSION")));
    for field in schema.fields() {
        if !matches!(
            field.data_type(),
            DataType::Utf8 | DataType::Dictionary(_, _)
        ) {
            builder = builder.set_column_statistics_enabled(
                ColumnPath::from(field.name().as_str()),
                EnabledStatistics::Chunk,
            );
        }
    }
    // Source rows are distinct and ascending: a dictionary would only grow until it gave
    // up; deltas of 1 pack into a few bits.
    let source_row = ColumnPath::from(SOURCE_ROW);
    builder
        .set_column_dictionary_enabled(source_row.clone(), false)
        .set_column_encoding(source_row, parquet::basic::Encoding::DELTA_BINARY_PACKED)
        .build()
}

/// Relative path of a data file inside the store (and inside the staging directory).
pub fn data_file_path(table: TableKind, id: &str, fy: Option<i32>, sheet_index: usize) -> String {
    // A reference table (a facility list) has no dates: no FY partition, which readers
    // would take for a column of nothing but nulls.
    if table.def().reference {
        return format!("{}/release={id}/part-{sheet_index}.parquet", table.slug());
    }
    let fy = fy
        .map(|f| f.to_string())
        .unwrap_or_else(|| NULL_PARTITION.to_string());
    format!(
        "{}/release={id}/fy={fy}/part-{sheet_index}.parquet",
        table.slug()
    )
}

impl Staging {
    pub(crate) fn new(dir: PathBuf, sha256: &str) -> Staging {
        Staging {
            dir,
            id: release_id(sha256),
            writers: BTreeMap::new(),
            files: Vec::new(),
        }
    }

    fn writer(&mut self, key: WriterKey) -> Result<&mut OpenFile, StoreError> {
        if !self.writers.contains_key(&key) {
            let rel = data_file_path(key.0, &self.id, key.2, key.1);
            let path = self.dir.join(&rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
            }
            // Readable too: its footer is read back for the manifest once it is written.
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .map_err(StoreError::io(&path))?;
            let file = HashingFile {
                file,
                sha256: Sha256::new(),
                bytes: 0,
            };
            let writer = ArrowWriter::try_new(
                file,
                table_schema(key.0),
                Some(properties(&table_schema(key.0))),
            )
            .map_err(|e| StoreError::Parquet {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            let columns = table_schema(key.0).fields().len();
            self.writers.insert(
                key,
                (
                    rel,
                    writer,
                    0,
                    vec![false; columns],
                    RollupBuilder::for_table(key.0),
                ),
            );
        }
        self.writers
            .get_mut(&key)
            .ok_or_else(|| StoreError::Invalid("writer vanished".into()))
    }

    /// Closes every Parquet file, writes the rejects file, and fingerprints all of them.
    ///
    /// # Errors
    /// I/O and Parquet errors, naming the file.
    pub fn finish(&mut self, rejects: &[RejectedRow], sha256: &str) -> Result<(), StoreError> {
        let writers = std::mem::take(&mut self.writers);
        for ((table, _, fy), (rel, mut writer, rows, filled, rollups)) in writers {
            let path = self.dir.join(&rel);
            let schema = table_schema(table);
            let empty: Vec<&str> = schema
                .fields()
                .iter()
                .zip(&filled)
                .filter(|(_, filled)| !**filled)
                .map(|(f, _)| f.name().as_str())
                .collect();
            writer.append_key_value_metadata(parquet::file::metadata::KeyValue::new(
                NULL_COLUMNS_KEY.to_string(),
                empty.join(","),
            ));
            let written = writer.into_inner().map_err(|e| StoreError::Parquet {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            written.file.sync_all().map_err(StoreError::io(&path))?;
            let footer = crate::footer::read_footer(&path, &written.file, written.bytes)?;
            self.files.push(DataFile {
                path: rel.clone(),
                table: Some(table),
                fy,
                rows,
                bytes: written.bytes,
                sha256: tally_catalog::hex(&written.sha256.finalize()),
                footer_sha256: Some(crate::footer::footer_sha256(&footer)),
                rollup_of: None,
                rollup: Rollup::Daily,
            });
            for rollup in rollups {
                self.write_rollup(rollup, table, fy, &rel)?;
            }
        }
        if !rejects.is_empty() {
            let rel = format!("_rejects/release={}/part-0.parquet", self.id);
            let path = self.dir.join(&rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
            }
            let batch = rejects_batch(rejects, sha256).map_err(|e| StoreError::Parquet {
                path: path.clone(),
                detail: e.to_string(),
            })?;
            let file = File::create(&path).map_err(StoreError::io(&path))?;
            let parquet_err = |e: parquet::errors::ParquetError| StoreError::Parquet {
                path: path.clone(),
                detail: e.to_string(),
            };
            let mut writer =
                ArrowWriter::try_new(file, rejects_schema(), Some(properties(&rejects_schema())))
                    .map_err(parquet_err)?;
            writer.write(&batch).map_err(parquet_err)?;
            let file = writer.into_inner().map_err(parquet_err)?;
            file.sync_all().map_err(StoreError::io(&path))?;
            self.files.push(fingerprint(
                &self.dir,
                rel,
                None,
                None,
                rejects.len() as u64,
            )?);
        }
        Ok(())
    }

    /// Writes a rollup of the table file at `rel` (see [`crate::rollup`]).
    fn write_rollup(
        &mut self,
        rollup: RollupBuilder,
        table: TableKind,
        fy: Option<i32>,
        rel: &str,
    ) -> Result<(), StoreError> {
        let kind = rollup.kind();
        let rollup_rel = kind.path(rel);
        let path = self.dir.join(&rollup_rel);
        let parquet_err = |e: String| StoreError::Parquet {
            path: path.clone(),
            detail: e,
        };
        let Some(batch) = rollup.finish().map_err(|e| parquet_err(e.to_string()))? else {
            return Ok(());
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
        }
        let schema = kind.schema(table);
        let file = File::create(&path).map_err(StoreError::io(&path))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties(&schema)))
            .map_err(|e| parquet_err(e.to_string()))?;
        writer
            .write(&batch)
            .map_err(|e| parquet_err(e.to_string()))?;
        // As for table files: a reader skips the columns null throughout (decoding an
        // all-null dictionary column costs 30 times a filled one in parquet 60).
        let empty: Vec<&str> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .filter(|(_, c)| c.null_count() == c.len())
            .map(|(f, _)| f.name().as_str())
            .collect();
        writer.append_key_value_metadata(parquet::file::metadata::KeyValue::new(
            NULL_COLUMNS_KEY.to_string(),
            empty.join(","),
        ));
        let file = writer
            .into_inner()
            .map_err(|e| parquet_err(e.to_string()))?;
        file.sync_all().map_err(StoreError::io(&path))?;
        let mut entry = fingerprint(
            &self.dir,
            rollup_rel,
            Some(table),
            fy,
            batch.num_rows() as u64,
        )?;
        entry.rollup_of = Some(rel.to_string());
        entry.rollup = kind;
        self.files.push(entry);
        Ok(())
    }

    /// Verifies the finished staging against its report before it is committed: the same
    /// checks `tally verify` runs on the store (see [`crate::verify`]).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] listing every mismatch.
    pub fn verify(&self, report: &tally_catalog::ReleaseReport) -> Result<(), StoreError> {
        let entry = crate::ReleaseEntry {
            id: self.id.clone(),
            sequence: 0,
            ingested_at: String::new(),
            report: report.clone(),
            files: self.files.clone(),
        };
        crate::verify::verify_staged(&self.dir, &entry)
    }

    /// Files written so far (after [`Staging::finish`]: all of them).
    pub fn files(&self) -> &[DataFile] {
        &self.files
    }
}

/// A Parquet file being written, fingerprinted (SHA-256 and size) as its bytes go out, so
/// the manifest entry needs no second read of the file.
struct HashingFile {
    file: File,
    sha256: Sha256,
    bytes: u64,
}

impl std::io::Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.sha256.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn fingerprint(
    dir: &Path,
    rel: String,
    table: Option<TableKind>,
    fy: Option<i32>,
    rows: u64,
) -> Result<DataFile, StoreError> {
    let path = dir.join(&rel);
    let bytes = std::fs::read(&path).map_err(StoreError::io(&path))?;
    let sha256 = tally_catalog::hex(&Sha256::digest(&bytes));
    let footer = crate::footer::footer_of(&bytes).ok_or_else(|| {
        StoreError::Invalid(format!(
            "{}: written without a Parquet footer",
            path.display()
        ))
    })?;
    Ok(DataFile {
        path: rel,
        table,
        fy,
        rows,
        bytes: bytes.len() as u64,
        sha256,
        footer_sha256: Some(crate::footer::footer_sha256(footer)),
        rollup_of: None,
        rollup: Rollup::Daily,
    })
}

fn rejects_batch(
    rejects: &[RejectedRow],
    sha256: &str,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut release = StringBuilder::new();
    let mut sheet = StringBuilder::new();
    let mut row = Int64Builder::new();
    let mut column = StringBuilder::new();
    let mut reason = StringBuilder::new();
    let mut values = StringBuilder::new();
    for r in rejects {
        release.append_value(sha256);
        sheet.append_value(&r.sheet);
        row.append_value(r.row as i64);
        column.append_option(r.column.as_deref());
        reason.append_value(&r.reason);
        values.append_value(&r.values);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(release.finish()),
        Arc::new(sheet.finish()),
        Arc::new(row.finish()),
        Arc::new(column.finish()),
        Arc::new(reason.finish()),
        Arc::new(values.finish()),
    ];
    RecordBatch::try_new(rejects_schema(), columns)
}

impl BatchSink for Staging {
    fn write_batch(
        &mut self,
        table: TableKind,
        sheet_index: usize,
        fy: Option<i32>,
        batch: RecordBatch,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let rows = batch.num_rows() as u64;
        let entry = self.writer((table, sheet_index, fy))?;
        entry.1.write(&batch)?;
        for rollup in &mut entry.4 {
            rollup.add(&batch);
        }
        entry.2 += rows;
        for (filled, column) in entry.3.iter_mut().zip(batch.columns()) {
            *filled |= column.null_count() < column.len();
        }
        Ok(())
    }
}
