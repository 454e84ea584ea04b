//! `tally count --sql`: one self-contained SQL query, for DuckDB or Spark SQL, over the
//! store's Parquet files, returning the groups and counts [`crate::count::count`] returns
//! for the same query, with precedence, cuts of one workbook, filters, labels and the
//! small-cell rule applied the same way.
//!
//! How Tally's rules reach the SQL (the store is only read):
//!
//! - **Files.** The exact files of the selected releases, from the manifest, each read on
//!   its own and tagged with its release's and file's place in scan order (`UNION ALL`), so
//!   a file the manifest does not list never counts. A column a file lacks (a store written
//!   before a field was added) reads as NULL, as in [`tally_store::TableScan`].
//! - **Daily rollups.** Where the count itself would read them
//!   ([`crate::count::rollups_answer`]), the query reads each file's daily rollup in its
//!   place and sums `rollup_rows` instead of counting rows: the same groups from a
//!   fraction of the rows. `--no-rollups` writes the query over the rows.
//! - **Precedence.** Resolved here, by the one [`Precedence`] the count uses, and inlined
//!   as the day ranges on which each release's rows are set aside
//!   ([`Precedence::set_aside`]), per effective part and AOR key (rows with no usable AOR
//!   under [`NO_AOR`]). A row counts unless one of those ranges holds its release, part,
//!   AOR key and day; rows without an event date always count.
//! - **Cuts of one workbook** ([`Precedence::by_record`]): a row whose source record
//!   (DDP's `original_file`/`original_sheet`/`original_row`, else its release's own file,
//!   sheet and row) an earlier row already counted is set aside, by `ROW_NUMBER()` over the
//!   record in scan order (release, file, sheet, row), after the filters and after
//!   precedence, as the kernel does: a copy another release shadows never keeps the
//!   other cut's copy from counting.
//! - **Labels.** Every dimension is derived as [`Dimension`] prints it: `FY2019`,
//!   `YYYY-MM`, weeks by their Monday, `00`..`23` or `(no time)` (sheets whose events carry
//!   a time of day), `(undated)`, `(withheld)` (the row's `withheld` column names the
//!   field), `(unmapped)` (an AOR name the crosswalk does not know), `(blank)`, and the
//!   release's file name. `--where` values are compared as the kernel compares them:
//!   normalized ([`Dimension::normalize_value`]) and equal up to ASCII case.
//! - **Small cells.** `count` is NULL and `published` is `<N` for a count from 1 to N-1
//!   (N = `--suppress-below`, none for tables that count no people), as
//!   `tally_model::Disclosure` publishes a cell; where the key is so fine that a small
//!   group is nearly one record (its dimensions, filters and the days asked that releases
//!   cover, as the count judges them: [`SqlInput::lists_small_groups`]), such groups are not
//!   returned, as Tally does not list them.
//!
//! Not in the SQL: totals (and their rounding), cells Tally fills in with 0, "not
//! covered", "discontinued" or "not yet in use" (the SQL returns the groups that have
//! rows), coverage notes, partial last days, and the manifest's check of each file's size
//! and row count. Refused ([`SqlError`]): de-duplication rules other than `none`, marks of
//! `--compare-dedup`, and method-group schemes other than the default.

use crate::QueryError;
use crate::count::{Asked, CountQuery, MAX_DIMENSIONS, pinned_within, select_releases};
use crate::coverage::CoverageMap;
use crate::dimension::Dimension;
use crate::precedence::{NO_AOR, Precedence, SetAside};
use chrono::NaiveDate;
use std::fmt::Write as _;
use tally_catalog::schema;
use tally_store::{ReleaseEntry, Store, StoredColumn, stored_columns};

/// The SQL engines a count can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB: files read with `read_parquet(path, hive_partitioning = false)`.
    DuckDb,
    /// Spark SQL: files read as ``parquet.`path` ``. Checked with Spark 4.3 (which, like
    /// 3.4 and later, reads Tally's zone-less timestamps as clock time, so `hour-of-day`
    /// does not depend on the session's time zone).
    Spark,
}

impl Dialect {
    /// Every dialect with its command-line name.
    pub const ALL: [(Dialect, &'static str); 2] =
        [(Dialect::DuckDb, "duckdb"), (Dialect::Spark, "spark")];

    /// The dialect named `name` (`duckdb` or `spark`, any case).
    pub fn parse(name: &str) -> Option<Dialect> {
        let key = name.trim().to_ascii_lowercase();
        Self::ALL.iter().find(|(_, n)| *n == key).map(|(d, _)| *d)
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
        }
    }

    /// The engine's name, for the header comment.
    fn title(self) -> &'static str {
        match self {
            Dialect::DuckDb => "DuckDB",
            Dialect::Spark => "Spark SQL",
        }
    }

    /// A table expression reading one Parquet file at absolute `path`.
    fn source(self, path: &str) -> String {
        match self {
            // Hive partitioning off: the partition directories (`release=`, `fy=`) would
            // otherwise add columns of their own.
            Dialect::DuckDb => format!(
                "read_parquet({}, hive_partitioning = false)",
                self.string(path)
            ),
            // A file path (not a folder) has no partitions to discover.
            Dialect::Spark => format!("parquet.`{}`", path.replace('`', "``")),
        }
    }

    /// A string literal.
    fn string(self, text: &str) -> String {
        match self {
            Dialect::DuckDb => format!("'{}'", text.replace('\'', "''")),
            // Spark reads backslash escapes inside literals.
            Dialect::Spark => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }

    /// A quoted identifier.
    fn ident(self, name: &str) -> String {
        match self {
            Dialect::DuckDb => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// The Monday on or before `date` (a DATE expression), as a DATE.
    fn monday(self, date: &str) -> String {
        match self {
            // isodow: Monday 1 .. Sunday 7.
            Dialect::DuckDb => {
                format!("CAST({date} - CAST(isodow({date}) - 1 AS INTEGER) AS DATE)")
            }
            // dayofweek: Sunday 1 .. Saturday 7.
            Dialect::Spark => format!("date_sub({date}, (dayofweek({date}) + 5) % 7)"),
        }
    }

    /// What ends the statement: DuckDB's shell runs a statement at its semicolon; Spark's
    /// `spark.sql()` takes one statement without.
    fn end(self) -> &'static str {
        match self {
            Dialect::DuckDb => ";",
            Dialect::Spark => "",
        }
    }
}

/// What a query cannot yet be written as SQL, naming the option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SqlError(pub String);

impl From<SqlError> for QueryError {
    fn from(e: SqlError) -> QueryError {
        QueryError::Invalid(e.0)
    }
}

/// One sheet of a release, as the SQL tells its rows apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlSheet {
    /// Sheet name (`source_sheet`).
    pub name: String,
    /// The effective part its rows count as ([`Precedence::effective`]).
    pub part: Option<String>,
    /// True when the sheet's events of the table carry a time of day (else `hour-of-day`
    /// is `(no time)`).
    pub timed: bool,
}

/// One release the query reads, in scan order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlRelease {
    /// Release id (16 hex digits).
    pub id: String,
    pub sha256: String,
    /// File name (what a record of its own is keyed by).
    pub file_name: String,
    /// The value of the `release` dimension ([`tally_catalog::Manifest::release_label`]).
    pub label: String,
    /// True when its rows are counted once by source record beside other cuts of the same
    /// workbook ([`Precedence::by_record`]).
    pub by_record: bool,
    /// Its sheets, in the order its report lists them (the order rows were written).
    pub sheets: Vec<SqlSheet>,
}

/// One Parquet file the query reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFile {
    /// Absolute path.
    pub path: String,
    /// Index of its release in [`SqlInput::releases`].
    pub release: usize,
    /// The columns the file holds.
    pub columns: Vec<StoredColumn>,
    /// True for a daily rollup read in place of its table file: each row stands for
    /// `rollup_rows` rows.
    pub weighted: bool,
}

/// Everything the SQL is written from, resolved from the store: releases and files in
/// scan order, and precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlInput {
    pub releases: Vec<SqlRelease>,
    pub files: Vec<SqlFile>,
    /// Day ranges on which releases' rows are set aside ([`Precedence::set_aside`]).
    pub set_aside: Vec<SetAside>,
    /// Counts from 1 to this minus 1 are suppressed (0 or 1: none), as
    /// `tally_model::Disclosure::for_table` gives for the table.
    pub suppress_below: u64,
    /// Whether small groups are listed one by one: not where the key is so fine that
    /// one is nearly one record, judged on the days the releases cover as the count
    /// judges it (`crate::count::pinned_within`), so the SQL lists the groups Tally lists.
    pub lists_small_groups: bool,
}

impl SqlInput {
    /// Resolves `query` on `store`: the releases it selects that hold the table (in the
    /// order the count scans them), their files (absolute paths, columns read from each
    /// footer) and precedence among them, with the manifest's `tally prefer` choices.
    /// `suppress_below` is the threshold already chosen for the table.
    ///
    /// # Errors
    /// Unknown release selectors, no release holding the table, a store path that is
    /// not UTF-8 or holds a character engines read as a file pattern, unreadable files.
    pub fn gather(
        store: &Store,
        query: &CountQuery,
        suppress_below: u64,
    ) -> Result<SqlInput, QueryError> {
        let releases: Vec<&ReleaseEntry> = select_releases(store, query.releases.as_deref())?
            .into_iter()
            .filter(|r| r.tables().contains(&query.table))
            .collect();
        if releases.is_empty() {
            return Err(QueryError::Invalid(format!(
                "no release selected holds {} rows: there is nothing to write SQL over",
                query.table
            )));
        }
        let precedence = Precedence::new(query.table, &releases, &store.manifest().preferences);
        let root = std::fs::canonicalize(store.root())
            .map_err(|e| QueryError::Invalid(format!("{}: {e}", store.root().display())))?;
        let root_text = root.to_str().ok_or_else(|| {
            QueryError::Invalid(format!(
                "{}: the store's path is not UTF-8, which SQL cannot name",
                root.display()
            ))
        })?;
        if let Some(c) = root_text.chars().find(|c| "*?[]{}".contains(*c)) {
            return Err(QueryError::Invalid(format!(
                "{root_text}: the store's path holds {c:?}, which DuckDB and Spark read as a file pattern; move the store to a path without one"
            )));
        }
        let by_record = releases.iter().any(|r| precedence.by_record(&r.id));
        let precedence_free = !releases.iter().any(|r| precedence.involves(&r.id));
        let rollups = crate::count::rollups_answer(query, by_record, precedence_free);
        let mut out_releases = Vec::new();
        let mut files = Vec::new();
        for (at, r) in releases.iter().enumerate() {
            // The kernel looks a row's part up among every sheet of its release (the last
            // of a name wins) and its time of day among the table's sheets with times.
            let mut sheets: Vec<SqlSheet> = Vec::new();
            for s in &r.report.sheets {
                let part = precedence.effective(&r.id, s.part.as_deref());
                let timed = s.table == query.table && s.event_time_rows > 0;
                match sheets.iter_mut().find(|x| x.name == s.sheet) {
                    Some(x) => {
                        x.part = part;
                        x.timed |= timed;
                    }
                    None => sheets.push(SqlSheet {
                        name: s.sheet.clone(),
                        part,
                        timed,
                    }),
                }
            }
            out_releases.push(SqlRelease {
                id: r.id.clone(),
                sha256: r.report.sha256.clone(),
                file_name: r.report.file_name.clone(),
                label: store.manifest().release_label(r),
                by_record: precedence.by_record(&r.id),
                sheets,
            });
            for f in r.files.iter().filter(|f| f.holds_rows_of(query.table)) {
                let f = rollups.and_then(|kind| r.rollup_of(f, kind)).unwrap_or(f);
                let path = root.join(&f.path);
                let path = path.to_str().ok_or_else(|| {
                    QueryError::Invalid(format!("{}: not a UTF-8 path", path.display()))
                })?;
                files.push(SqlFile {
                    path: path.to_string(),
                    release: at,
                    columns: stored_columns(store, f)?,
                    weighted: f.rollup_of.is_some(),
                });
            }
        }
        let cover = CoverageMap::of(&releases, query.table, &precedence);
        let pinned = pinned_within(query, Asked::of(query, &cover).as_ref(), &cover);
        let attributes: Vec<String> = query.by.iter().map(|d| d.name()).chain(pinned).collect();
        let attributes: Vec<&str> = attributes.iter().map(String::as_str).collect();
        Ok(SqlInput {
            releases: out_releases,
            files,
            set_aside: precedence.set_aside(),
            suppress_below,
            lists_small_groups: tally_model::disclosure::lists_small_groups(&attributes),
        })
    }
}

/// Checks that `query` can be written as SQL.
///
/// # Errors
/// A de-duplication rule other than `none`, `--compare-dedup` marks, a method-group
/// scheme other than the default, too many dimensions.
pub fn check(query: &CountQuery) -> Result<(), SqlError> {
    if let Some(rule) = query.dedup.filter(|r| !r.is_none()) {
        return Err(SqlError(format!(
            "--dedup {} cannot be written as SQL yet (its merges follow rules over identifiers and times); --sql covers --dedup none",
            rule.name
        )));
    }
    if !query.dedup_marks.is_empty() {
        return Err(SqlError(
            "--compare-dedup cannot be written as SQL; --sql covers one count under --dedup none"
                .into(),
        ));
    }
    if let Some(s) = query
        .scheme
        .filter(|s| s.name != tally_model::scheme::DEFAULT_SCHEME)
    {
        return Err(SqlError(format!(
            "--scheme {} cannot be written as SQL yet (its groups come from matching rules over method values); --sql covers the default scheme, stored in the method_group column",
            s.name
        )));
    }
    if query.by.len() > MAX_DIMENSIONS {
        return Err(SqlError(format!(
            "at most {MAX_DIMENSIONS} --by dimensions"
        )));
    }
    Ok(())
}

/// The SQL query, in `dialect`, returning `query`'s groups: one column per `--by`
/// dimension headed by `names` (the names the user gave, in order), then `count` (NULL
/// when suppressed) and `published` (`<N` or the count as text), one row per group with
/// rows, sorted by the dimension values. `command` (the `tally count` command line) heads
/// the SQL as a comment. Pure: everything it needs is in `input`.
///
/// # Errors
/// What [`check`] refuses; `names` not one per `--by` dimension.
pub fn count_sql(
    query: &CountQuery,
    names: &[String],
    input: &SqlInput,
    dialect: Dialect,
    command: &str,
) -> Result<String, SqlError> {
    check(query)?;
    if input.files.is_empty() {
        return Err(SqlError(format!(
            "the releases selected store no {} rows: there is nothing to write SQL over",
            query.table
        )));
    }
    if names.len() != query.by.len() {
        return Err(SqlError(format!(
            "{} column names for {} dimensions",
            names.len(),
            query.by.len()
        )));
    }
    let w = Writer::new(query, input, dialect);
    Ok(w.write(names, command))
}

/// Writes one query.
struct Writer<'a> {
    query: &'a CountQuery,
    input: &'a SqlInput,
    d: Dialect,
    /// `--by` dimensions, then the filters' others.
    needed: Vec<Dimension>,
    /// Some release is counted by source record.
    by_record: bool,
    /// Rows are told apart by part: some sheet counts as a part of the table, and some
    /// rows are set aside (a set-aside range of part P, or of the whole table, holds only
    /// rows of that part).
    parts: bool,
    /// Some file is a daily rollup: rows are summed by `tally_weight`, not counted.
    weighted: bool,
}

/// The internal name of the AOR field as released (what `(unmapped)` looks at).
const AOR_SOURCE: &str = "aor_source";

impl<'a> Writer<'a> {
    fn new(query: &'a CountQuery, input: &'a SqlInput, d: Dialect) -> Writer<'a> {
        let mut needed = query.by.clone();
        for (dim, _) in &query.filters {
            if !needed.contains(dim) {
                needed.push(*dim);
            }
        }
        Writer {
            query,
            input,
            d,
            needed,
            by_record: input.releases.iter().any(|r| r.by_record),
            weighted: input.files.iter().any(|f| f.weighted),
            parts: !input.set_aside.is_empty()
                && input
                    .releases
                    .iter()
                    .any(|r| r.sheets.iter().any(|s| s.part.is_some())),
        }
    }

    fn s(&self, text: &str) -> String {
        self.d.string(text)
    }

    fn needs(&self, dim: Dimension) -> bool {
        self.needed.contains(&dim)
    }

    /// True when some needed dimension is a text column whose NULL is told apart by the
    /// `withheld` column.
    fn needs_withheld(&self) -> bool {
        self.needed.iter().any(|d| d.column().is_some())
    }

    /// The AOR field of the table (what `(unmapped)` looks at).
    fn aor_field(&self) -> &'static str {
        let def = self.query.table.def();
        def.aor
            .map(|i| def.fields[i].name.as_str())
            .unwrap_or("aor_name")
    }

    /// Columns read from every file: (internal name, store column, SQL type for a file
    /// that lacks it). Dimension columns are `tally_c<k>`, in `needed` order.
    fn columns(&self) -> Vec<(String, &'static str, &'static str)> {
        let mut out: Vec<(String, &'static str, &'static str)> = vec![
            ("event_date".into(), schema::EVENT_DATE, "DATE"),
            ("aor".into(), schema::AOR, "STRING"),
        ];
        if self.needs(Dimension::Aor) {
            out.push((AOR_SOURCE.into(), self.aor_field(), "STRING"));
        }
        if self.needs_withheld() {
            out.push(("withheld".into(), schema::WITHHELD, "STRING"));
        }
        if self.by_record {
            out.push(("source_sheet".into(), schema::SOURCE_SHEET, "STRING"));
            out.push(("source_row".into(), schema::SOURCE_ROW, "BIGINT"));
        }
        for (k, dim) in self.needed.iter().enumerate() {
            if let Some(c) = dim.column()
                && *dim != Dimension::Aor
            {
                out.push((format!("tally_c{k}"), c, "STRING"));
            }
        }
        out
    }

    /// `CASE source_sheet WHEN ... END` over a release's sheets, or the one value they
    /// all share. `value` gives a sheet's SQL value (`None`: NULL).
    fn by_sheet(
        &self,
        release: &SqlRelease,
        value: impl Fn(&SqlSheet) -> Option<String>,
    ) -> String {
        let values: Vec<(String, Option<String>)> = release
            .sheets
            .iter()
            .map(|s| (s.name.clone(), value(s)))
            .collect();
        let first = values.first().map(|(_, v)| v.clone()).unwrap_or(None);
        if values.iter().all(|(_, v)| *v == first) {
            return first.unwrap_or_else(|| "NULL".into());
        }
        let mut text = format!("CASE {}", self.d.ident(schema::SOURCE_SHEET));
        for (name, v) in values {
            if let Some(v) = v {
                let _ = write!(text, " WHEN {} THEN {v}", self.s(&name));
            }
        }
        text.push_str(" END");
        text
    }

    /// One file's rows with the columns every file gives, tagged with its release's and
    /// its own place in scan order.
    fn file_select(&self, index: usize, file: &SqlFile) -> String {
        let release = &self.input.releases[file.release];
        let has = |name: &str| file.columns.iter().find(|c| c.name == name);
        let mut cols: Vec<String> = vec![
            format!("{} AS tally_release", file.release),
            format!("{index} AS tally_file"),
        ];
        for (alias, column, ty) in self.columns() {
            let value = match has(column) {
                Some(_) => self.d.ident(column),
                None => format!("CAST(NULL AS {ty})"),
            };
            cols.push(format!("{value} AS {alias}"));
        }
        if self.weighted {
            cols.push(match file.weighted {
                true => format!("{} AS tally_weight", self.d.ident(schema::ROLLUP_ROWS)),
                false => "CAST(1 AS BIGINT) AS tally_weight".into(),
            });
        }
        if self.by_record {
            cols.push(format!(
                "{} AS tally_release_name",
                self.s(&release.file_name)
            ));
        }
        if self.needs(Dimension::Release) {
            cols.push(format!("{} AS tally_release_label", self.s(&release.label)));
        }
        if self.parts {
            let part = self.by_sheet(release, |s| s.part.as_deref().map(|p| self.s(p)));
            let part = if part == "NULL" {
                "CAST(NULL AS STRING)".to_string()
            } else {
                part
            };
            cols.push(format!("{part} AS tally_part"));
        }
        if self.by_record {
            let order = self.by_sheet(release, |s| {
                release
                    .sheets
                    .iter()
                    .position(|x| x.name == s.name)
                    .map(|i| i.to_string())
            });
            cols.push(format!("{order} AS tally_sheet_order"));
            cols.push(format!(
                "{} AS tally_by_record",
                if release.by_record { "TRUE" } else { "FALSE" }
            ));
            for (column, ty) in [
                ("original_file", "STRING"),
                ("original_sheet", "STRING"),
                ("original_row", "BIGINT"),
            ] {
                cols.push(format!(
                    "{} AS {column}",
                    self.column_or_null(file, column, ty)
                ));
            }
        }
        if self.needs(Dimension::HourOfDay) {
            let hour = match has(schema::EVENT_DATETIME) {
                Some(c) if c.timestamp => format!("hour({})", self.d.ident(schema::EVENT_DATETIME)),
                // Whole seconds since 1970 (an older store), floored to the hour.
                Some(_) => format!(
                    "CAST(floor(((CAST({c} AS BIGINT) % 86400) + 86400) % 86400 / 3600) AS INT)",
                    c = self.d.ident(schema::EVENT_DATETIME)
                ),
                None => "CAST(NULL AS INT)".into(),
            };
            let timed = self.by_sheet(release, |s| s.timed.then(|| hour.clone()));
            let timed = if timed == "NULL" {
                "CAST(NULL AS INT)".to_string()
            } else {
                timed
            };
            cols.push(format!("{timed} AS tally_hour"));
        }
        format!(
            "  SELECT {}\n  FROM {}",
            cols.join(", "),
            self.d.source(&file.path)
        )
    }

    /// A store column of `file`, quoted, or a typed NULL when the file lacks it.
    fn column_or_null(&self, file: &SqlFile, column: &str, ty: &str) -> String {
        if file.columns.iter().any(|c| c.name == column) {
            self.d.ident(column)
        } else {
            format!("CAST(NULL AS {ty})")
        }
    }

    /// `withheld` names `field` (`field=...` or `field` between `|`s).
    fn withheld_names(&self, field: &str) -> String {
        format!(
            "(instr(concat('|', coalesce(withheld, ''), '|'), {}) > 0 OR instr(concat('|', coalesce(withheld, '')), {}) > 0)",
            self.s(&format!("|{field}|")),
            self.s(&format!("|{field}="))
        )
    }

    /// The label of dimension `k` of `needed`, as the kernel prints it.
    fn label(&self, k: usize, dim: Dimension) -> String {
        let date = "event_date";
        let undated =
            |expr: String| format!("CASE WHEN {date} IS NULL THEN '(undated)' ELSE {expr} END");
        match dim {
            Dimension::Fy => undated(format!(
                "concat('FY', CAST(year({date}) + CASE WHEN month({date}) >= 10 THEN 1 ELSE 0 END AS STRING))"
            )),
            Dimension::Month => undated(format!(
                "concat(lpad(CAST(year({date}) AS STRING), 4, '0'), '-', lpad(CAST(month({date}) AS STRING), 2, '0'))"
            )),
            Dimension::Week => undated(format!("CAST({} AS STRING)", self.d.monday(date))),
            Dimension::Date => undated(format!("CAST({date} AS STRING)")),
            Dimension::HourOfDay => "CASE WHEN tally_hour IS NULL THEN '(no time)' ELSE lpad(CAST(tally_hour AS STRING), 2, '0') END".into(),
            Dimension::Release => "tally_release_label".into(),
            Dimension::Aor => format!(
                "CASE WHEN aor IS NOT NULL THEN aor WHEN {} THEN '(withheld)' WHEN {AOR_SOURCE} IS NOT NULL THEN '(unmapped)' ELSE '(blank)' END",
                self.withheld_names(dim.withheld_field(self.query.table).unwrap_or(""))
            ),
            Dimension::MethodGroup | Dimension::Field(_) => {
                let c = format!("tally_c{k}");
                format!(
                    "CASE WHEN {c} IS NOT NULL THEN {c} WHEN {} THEN '(withheld)' ELSE '(blank)' END",
                    self.withheld_names(dim.withheld_field(self.query.table).unwrap_or(""))
                )
            }
        }
    }

    fn date(&self, day: NaiveDate) -> String {
        format!("DATE '{day}'")
    }

    fn write(&self, names: &[String], command: &str) -> String {
        let d = self.d;
        let input = self.input;
        let mut sql = String::new();
        // Header: what this is, from what, and what it leaves out.
        let clean = |t: &str| t.replace(['\n', '\r'], " ");
        let _ = writeln!(sql, "-- {}", clean(command));
        let _ = writeln!(
            sql,
            "-- {} query written by Tally {}: the groups and counts of this count, with release precedence",
            d.title(),
            env!("CARGO_PKG_VERSION")
        );
        let small = match input.suppress_below {
            0 | 1 => "no small-cell suppression".to_string(),
            t => format!("cells below {t} published as <{t} (count NULL)"),
        };
        let _ = writeln!(
            sql,
            "-- resolved by Tally and inlined below, filters, labels, and {small}."
        );
        let _ = writeln!(
            sql,
            "-- Not here: the total, cells Tally prints as 0 or \"not covered\", and coverage notes (run the count itself)."
        );
        for (i, r) in input.releases.iter().enumerate() {
            let _ = writeln!(
                sql,
                "-- release {i}: {} (sha256 {})",
                clean(&r.file_name),
                r.sha256
            );
        }
        if self.weighted {
            let _ = writeln!(
                sql,
                "-- Read from the files' daily rollups (_rollup/): a row stands for {} rows of its file.",
                schema::ROLLUP_ROWS
            );
        }
        sql.push_str("WITH\n");
        let mut ctes: Vec<String> = Vec::new();
        // Every file of the selected releases, in scan order.
        let files: Vec<String> = input
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| self.file_select(i, f))
            .collect();
        ctes.push(format!(
            "tally_rows AS (\n{}\n)",
            files.join("\n  UNION ALL\n")
        ));
        // Precedence, resolved by Tally: the days each release's rows are set aside.
        let spans: Vec<String> = input
            .set_aside
            .iter()
            .filter_map(|s| {
                let at = input.releases.iter().position(|r| r.id == s.release_id)?;
                let mut row = format!("({at}, ");
                if self.parts {
                    match &s.part {
                        Some(p) => {
                            let _ = write!(row, "{}, ", self.s(p));
                        }
                        None => row.push_str("CAST(NULL AS STRING), "),
                    }
                }
                let _ = write!(
                    row,
                    "{}, {}, {})",
                    self.s(&s.aor),
                    self.date(s.first),
                    self.date(s.last)
                );
                Some(row)
            })
            .collect();
        if !spans.is_empty() {
            let columns = if self.parts {
                "tally_release, part, aor, first_day, last_day"
            } else {
                "tally_release, aor, first_day, last_day"
            };
            ctes.push(format!(
                "tally_set_aside AS (\n  -- Days on which a release's rows of an AOR (and part) are not counted: another\n  -- release counts for them (Tally's precedence rules; see `tally status`).\n  SELECT * FROM (VALUES\n    {}\n  ) AS v({columns})\n)",
                spans.join(",\n    ")
            ));
        }
        // Labels and filters.
        let mut labelled = vec![
            "tally_release".to_string(),
            "tally_file".to_string(),
            "event_date".to_string(),
            format!(
                "CASE WHEN aor IS NULL THEN {} ELSE aor END AS tally_aor_key",
                self.s(NO_AOR)
            ),
        ];
        if self.parts {
            labelled.push("tally_part".into());
        }
        if self.weighted {
            labelled.push("tally_weight".into());
        }
        if self.by_record {
            labelled.extend(["source_row", "tally_sheet_order"].map(String::from));
            // The source record: DDP's pointer into ICE's workbook when whole; none when
            // only partly given; else the release's own file, sheet and row.
            let whole = "original_file IS NOT NULL AND original_sheet IS NOT NULL AND original_row IS NOT NULL";
            for (pointer, own, name) in [
                ("original_file", "tally_release_name", "tally_record_file"),
                ("original_sheet", "source_sheet", "tally_record_sheet"),
                ("original_row", "source_row", "tally_record_row"),
            ] {
                labelled.push(format!(
                    "CASE WHEN NOT tally_by_record THEN NULL WHEN {whole} THEN {pointer} WHEN original_file IS NOT NULL THEN NULL ELSE {own} END AS {name}"
                ));
            }
        }
        for (k, dim) in self.needed.iter().enumerate() {
            labelled.push(format!("{} AS tally_d{k}", self.label(k, *dim)));
        }
        let mut conditions: Vec<String> = Vec::new();
        if let Some(from) = self.query.from {
            conditions.push(format!("event_date >= {}", self.date(from)));
        }
        if let Some(to) = self.query.to {
            conditions.push(format!("event_date <= {}", self.date(to)));
        }
        ctes.push(format!(
            "tally_labelled AS (\n  SELECT {}\n  FROM tally_rows{}\n)",
            labelled.join(",\n    "),
            if conditions.is_empty() {
                String::new()
            } else {
                format!("\n  WHERE {}", conditions.join(" AND "))
            }
        ));
        let mut filters: Vec<String> = Vec::new();
        for (dim, values) in &self.query.filters {
            let Some(k) = self.needed.iter().position(|x| x == dim) else {
                continue;
            };
            let mut allowed: Vec<String> = values
                .iter()
                .map(|v| {
                    let v = dim.normalize_value(self.query.table, v);
                    self.s(&v.to_ascii_lowercase())
                })
                .collect();
            allowed.sort();
            allowed.dedup();
            // Equal up to ASCII case, as the kernel compares.
            filters.push(format!(
                "translate(tally_d{k}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') IN ({})",
                allowed.join(", ")
            ));
        }
        let mut last = "tally_labelled".to_string();
        if !filters.is_empty() {
            ctes.push(format!(
                "tally_kept AS (\n  SELECT * FROM tally_labelled\n  WHERE {}\n)",
                filters.join("\n    AND ")
            ));
            last = "tally_kept".into();
        }
        // Precedence first: a row another release counts for is set aside.
        if !spans.is_empty() {
            ctes.push(format!(
                "tally_precedent AS (\n  SELECT r.* FROM {last} r\n  LEFT JOIN tally_set_aside s\n    ON s.tally_release = r.tally_release AND s.aor = r.tally_aor_key{}\n    AND r.event_date BETWEEN s.first_day AND s.last_day\n  WHERE s.tally_release IS NULL\n)",
                if self.parts {
                    " AND coalesce(s.part, '') = coalesce(r.tally_part, '')"
                } else {
                    ""
                }
            ));
            last = "tally_precedent".into();
        }
        // Then cuts of one workbook: a source record counts once, from the first of its
        // rows still counted, in scan order (as the kernel).
        let counted = if self.by_record {
            ctes.push(format!(
                "tally_numbered AS (\n  SELECT *, CASE WHEN tally_record_file IS NULL THEN 1 ELSE ROW_NUMBER() OVER (\n    PARTITION BY tally_record_file, tally_record_sheet, tally_record_row\n    ORDER BY tally_release, tally_file, tally_sheet_order, source_row) END AS tally_copy\n  FROM {last}\n)"
            ));
            "  SELECT * FROM tally_numbered WHERE tally_copy = 1".to_string()
        } else {
            format!("  SELECT * FROM {last}")
        };
        ctes.push(format!("tally_counted AS (\n{counted}\n)"));
        sql.push_str(&ctes.join(",\n"));
        // Groups, counts and the small-cell rule.
        let n_by = self.query.by.len();
        let keys: Vec<String> = (0..n_by).map(|k| format!("tally_d{k}")).collect();
        let t = input.suppress_below;
        let small = if t > 1 {
            format!("n > 0 AND n < {t}")
        } else {
            "FALSE".into()
        };
        let mut select: Vec<String> = keys
            .iter()
            .zip(names)
            .map(|(k, name)| format!("{k} AS {}", d.ident(name)))
            .collect();
        select.push(format!(
            "CASE WHEN {small} THEN NULL ELSE n END AS {}",
            d.ident("count")
        ));
        select.push(format!(
            "CASE WHEN {small} THEN '<{t}' ELSE CAST(n AS STRING) END AS {}",
            d.ident("published")
        ));
        let n = if self.weighted {
            "CAST(coalesce(SUM(tally_weight), 0) AS BIGINT)"
        } else {
            "COUNT(*)"
        };
        let grouped = if keys.is_empty() {
            format!("SELECT {n} AS n FROM tally_counted")
        } else {
            format!(
                "SELECT {k}, {n} AS n FROM tally_counted GROUP BY {k}",
                k = keys.join(", ")
            )
        };
        let _ = write!(sql, "\nSELECT {}\nFROM ({grouped}) g", select.join(",\n  "));
        // A key so fine that a small group is nearly one record lists none of them.
        if t > 1 && !input.lists_small_groups {
            let _ = write!(sql, "\nWHERE n >= {t}");
        }
        if !keys.is_empty() {
            let order: Vec<String> = (1..=n_by).map(|i| i.to_string()).collect();
            let _ = write!(sql, "\nORDER BY {}", order.join(", "));
        }
        sql.push_str(d.end());
        sql.push('\n');
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tally_model::TableKind;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn query(by: Vec<Dimension>, filters: Vec<(Dimension, Vec<String>)>) -> CountQuery {
        CountQuery {
            table: TableKind::from_slug("arrests").expect("table"),
            by,
            filters,
            from: Some(day("2019-01-01")),
            to: None,
            releases: None,
            scheme: tally_model::scheme("default"),
            dedup: tally_model::dedup_rule("none"),
            dedup_marks: Vec::new(),
            rows_only: false,
            max_groups: None,
            listed_from: None,
        }
    }

    fn columns(names: &[&str]) -> Vec<StoredColumn> {
        names
            .iter()
            .map(|n| StoredColumn {
                name: n.to_string(),
                timestamp: *n == "event_datetime",
            })
            .collect()
    }

    /// Two releases: a whole-table one, and one of a part that a choice sets aside; the
    /// second is a cut of a workbook counted by record.
    fn input() -> SqlInput {
        let sheet = |name: &str, part: Option<&str>| SqlSheet {
            name: name.into(),
            part: part.map(String::from),
            timed: name == "timed",
        };
        SqlInput {
            releases: vec![
                SqlRelease {
                    id: "a".repeat(16),
                    sha256: "a".repeat(64),
                    file_name: "O'Brien\\national.csv".into(),
                    label: "O'Brien\\national.csv".into(),
                    by_record: false,
                    sheets: vec![sheet("timed", None)],
                },
                SqlRelease {
                    id: "b".repeat(16),
                    sha256: "b".repeat(64),
                    file_name: "cut.csv".into(),
                    label: "cut.csv".into(),
                    by_record: true,
                    sheets: vec![sheet("x", Some("expedited")), sheet("y", None)],
                },
            ],
            files: vec![
                SqlFile {
                    path: "/s/arrests/release=a/fy=2019/part-0.parquet".into(),
                    release: 0,
                    columns: columns(&["event_date", "aor", "event_datetime", "withheld"]),
                    weighted: false,
                },
                SqlFile {
                    path: "/s/arrests/release=b/fy=2019/part-0.parquet".into(),
                    release: 1,
                    columns: columns(&["event_date", "aor", "source_sheet", "source_row"]),
                    weighted: false,
                },
            ],
            set_aside: vec![SetAside {
                release_id: "b".repeat(16),
                part: Some("expedited".into()),
                aor: NO_AOR.into(),
                first: day("2019-01-01"),
                last: day("2019-01-31"),
            }],
            suppress_below: 10,
            lists_small_groups: true,
        }
    }

    #[test]
    fn dialects_quote_alike_where_they_can() {
        assert_eq!(Dialect::parse(" DuckDB "), Some(Dialect::DuckDb));
        assert_eq!(Dialect::parse("spark"), Some(Dialect::Spark));
        assert_eq!(Dialect::parse("oracle"), None);
        assert_eq!(Dialect::DuckDb.string("O'B\\x"), "'O''B\\x'");
        assert_eq!(Dialect::Spark.string("O'B\\x"), "'O\\'B\\\\x'");
        assert_eq!(Dialect::DuckDb.ident("method-group"), "\"method-group\"");
        assert_eq!(Dialect::Spark.ident("method-group"), "`method-group`");
        assert_eq!(Dialect::Spark.source("/s/a`b"), "parquet.`/s/a``b`");
    }

    #[test]
    fn the_query_carries_precedence_records_labels_and_the_small_cell_rule() {
        let q = query(
            vec![Dimension::HourOfDay, Dimension::Release, Dimension::Aor],
            vec![(Dimension::Aor, vec!["Chicago".into(), "nyc".into()])],
        );
        let names = ["hour-of-day".to_string(), "release".into(), "aor".into()];
        for d in [Dialect::DuckDb, Dialect::Spark] {
            let sql = count_sql(&q, &names, &input(), d, "tally count arrests").expect("sql");
            // Files in scan order, a missing column as a typed NULL.
            assert!(sql.contains("0 AS tally_release, 0 AS tally_file"), "{sql}");
            assert!(sql.contains("CAST(NULL AS STRING) AS withheld"), "{sql}");
            // Precedence: the part and the `(no AOR)` key; parts by sheet.
            assert!(
                sql.contains(&format!(
                    "(1, {}, {}, DATE '2019-01-01', DATE '2019-01-31')",
                    d.string("expedited"),
                    d.string(NO_AOR)
                )),
                "{sql}"
            );
            assert!(sql.contains(&format!(
                "CASE {} WHEN {} THEN {} END AS tally_part",
                d.ident("source_sheet"),
                d.string("x"),
                d.string("expedited")
            )));
            // Records: only the cut, the first row of each in scan order.
            assert!(sql.contains("TRUE AS tally_by_record"));
            assert!(
                sql.contains("ORDER BY tally_release, tally_file, tally_sheet_order, source_row")
            );
            // Hours only where the sheet has times.
            assert!(sql.contains(&format!(
                "hour({}) AS tally_hour",
                d.ident("event_datetime")
            )));
            assert!(sql.contains("CAST(NULL AS INT) AS tally_hour"));
            // Filters normalized and compared up to ASCII case; the date range.
            assert!(sql.contains(&format!("IN ({}, {})", d.string("chi"), d.string("nyc"))));
            assert!(sql.contains("event_date >= DATE '2019-01-01'"));
            assert!(sql.contains(&d.string("O'Brien\\national.csv")));
            assert!(
                sql.contains("CASE WHEN n > 0 AND n < 10 THEN '<10' ELSE CAST(n AS STRING) END")
            );
            assert!(sql.contains(&format!("AS {}", d.ident("hour-of-day"))));
        }
    }

    #[test]
    fn what_sql_cannot_say_is_refused() {
        let mut q = query(vec![Dimension::Fy], Vec::new());
        q.dedup = tally_model::dedup_rule("exact");
        let err = count_sql(&q, &["fy".into()], &input(), Dialect::DuckDb, "").unwrap_err();
        assert!(err.0.starts_with("--dedup exact"), "{err}");
        let mut q = query(vec![Dimension::MethodGroup], Vec::new());
        q.scheme = tally_model::scheme("uwchr-2026");
        let err =
            count_sql(&q, &["method-group".into()], &input(), Dialect::Spark, "").unwrap_err();
        assert!(err.0.starts_with("--scheme uwchr-2026"), "{err}");
        let q = query(vec![Dimension::Fy], Vec::new());
        let mut empty = input();
        empty.files.clear();
        assert!(count_sql(&q, &["fy".into()], &empty, Dialect::DuckDb, "").is_err());
    }
}
