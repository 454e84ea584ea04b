//! The Arrow schema of each table, from its definition, and of the rejects dataset.
//!
//! Columns of a table, in order: provenance (`release_sha256`, `source_sheet`,
//! `source_row`), derived (`event_date`, `event_datetime` when an event field can carry a
//! time of day, `event_fy`, `aor` when the table has an AOR field, `method_group` when it
//! has a method field), one column per field of the table's definition
//! (`data/tables/<table>.toml`, types in [`arrow_type`]), then `withheld`,
//! `unparsed_values` and `extra_columns`. A table's files hold its own fields only.
//!
//! Readers look columns up by name, and a column a file lacks reads as null: stores
//! written before a field was added (or by the version that shared one schema between
//! all tables) keep working without a re-ingest.

use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef, TimeUnit};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tally_model::{FieldType, TableKind};

/// SHA-256 (hex) of the release file the row came from.
pub const RELEASE_SHA256: &str = "release_sha256";
/// Sheet name (workbooks) or file name (text) the row came from.
pub const SOURCE_SHEET: &str = "source_sheet";
/// 1-based row (workbooks) or line (text) of the row in its source.
pub const SOURCE_ROW: &str = "source_row";
/// The table's event date (the first event field the row fills), Date32.
pub const EVENT_DATE: &str = "event_date";
/// The event field's date and time of day, Timestamp(Second), for tables whose event field
/// can carry one; midnight when the cell gave none (the sheet report says whether the
/// sheet's events carry times: `SheetReport::event_time_rows`).
pub const EVENT_DATETIME: &str = "event_datetime";
/// Fiscal year of `event_date`, Int32.
pub const EVENT_FY: &str = "event_fy";
/// Canonical AOR code (CHI, SFR, ..., HQ); null when blank, withheld or unmapped.
pub const AOR: &str = "aor";
/// custodial / at-large / border / other, for tables with a method field.
pub const METHOD_GROUP: &str = "method_group";
/// Withheld cells of the row: `field=(b)(6);(b)(7)(C)|other_field=(b)(7)(E)`.
pub const WITHHELD: &str = "withheld";
/// JSON object of cells that could not be parsed as their field's type: field -> raw text.
pub const UNPARSED_VALUES: &str = "unparsed_values";
/// JSON object of columns Tally does not know: release header -> raw text.
pub const EXTRA_COLUMNS: &str = "extra_columns";

/// The Arrow type a field of this type is stored as.
pub fn arrow_type(field_type: FieldType) -> DataType {
    match field_type {
        FieldType::Text | FieldType::Flag => text_type(),
        FieldType::Date => DataType::Date32,
        FieldType::Datetime => timestamp_type(),
        FieldType::Integer => DataType::Int64,
        FieldType::Number => DataType::Float64,
        FieldType::Identifier => DataType::Utf8,
    }
}

/// Arrow type of datetimes: milliseconds (whole seconds as released), no time zone (ICE's
/// wall-clock times). Parquet has no seconds unit: a seconds column would reach DuckDB and
/// pandas as a bare int64.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, None)
}

/// The derived columns a table has, in order, between provenance and fields.
pub fn derived_columns(table: TableKind) -> Vec<(&'static str, DataType)> {
    let def = table.def();
    let mut out = vec![(EVENT_DATE, DataType::Date32)];
    if def.has_event_time() {
        out.push((EVENT_DATETIME, timestamp_type()));
    }
    out.push((EVENT_FY, DataType::Int32));
    if def.aor.is_some() {
        out.push((AOR, text_type()));
    }
    if def.method.is_some() {
        out.push((METHOD_GROUP, text_type()));
    }
    out
}

/// The schema of a table's dataset.
pub fn table_schema(table: TableKind) -> SchemaRef {
    static SCHEMAS: OnceLock<Mutex<HashMap<TableKind, SchemaRef>>> = OnceLock::new();
    let cache = SCHEMAS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = match cache.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    cache
        .entry(table)
        .or_insert_with(|| {
            let mut fields = vec![
                // Constant within a batch: dictionary-encoded so neither Arrow nor Parquet
                // copies or hashes the 64-character SHA-256 once per row.
                ArrowField::new(RELEASE_SHA256, text_type(), false),
                ArrowField::new(SOURCE_SHEET, text_type(), false),
                ArrowField::new(SOURCE_ROW, DataType::Int64, false),
            ];
            for (name, ty) in derived_columns(table) {
                fields.push(ArrowField::new(name, ty, true));
            }
            for f in &table.def().fields {
                fields.push(ArrowField::new(&f.name, arrow_type(f.field_type), true));
            }
            fields.push(ArrowField::new(WITHHELD, text_type(), true));
            fields.push(ArrowField::new(UNPARSED_VALUES, DataType::Utf8, true));
            fields.push(ArrowField::new(EXTRA_COLUMNS, DataType::Utf8, true));
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// Arrow type of every text column but the JSON ones and identifiers: a dictionary of
/// Int32 keys to Utf8 values. Release columns hold few distinct values, so readers get
/// each text once per batch; in Parquet the column is a plain UTF8 byte array
/// (dictionary-encoded), which DuckDB and Spark read as text and pandas, through the
/// stored Arrow schema, as a categorical.
pub fn text_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// Rows of the table file a rollup row stands for (Int64, at least 1).
pub const ROLLUP_ROWS: &str = "rollup_rows";

/// A daily rollup of a table file: its rows summed by event date, source sheet and a set
/// of dimensions, so a count grouping and filtering by those alone reads one rollup row
/// per distinct combination instead of every row. Each event table file has one rollup of
/// each kind whose dimensions the table has ([`Rollup::for_table`]).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Rollup {
    /// By the AOR code, the method group and the field answering to `criminality` (the
    /// questions of "where, by which method, for whom"), those the table has; the one
    /// rollup of store format 3.
    #[default]
    Daily,
    /// By the field answering to `citizenship` alone: high-cardinality (about 170 values
    /// a day in the national arrests), so kept apart from [`Rollup::Daily`], whose rows it
    /// would multiply. Without the AOR, it answers only counts that precedence does not
    /// touch (no release they read overlaps another).
    Citizenship,
}

impl Rollup {
    /// Every kind, in the order a count tries them (smallest first).
    pub const ALL: [Rollup; 2] = [Rollup::Daily, Rollup::Citizenship];

    /// The kinds of rollup each file of `table` gets: none for a reference table (no
    /// event dates); [`Rollup::Citizenship`] only where the table has such a field.
    pub fn for_table(table: TableKind) -> Vec<Rollup> {
        if table.def().reference {
            return Vec::new();
        }
        Rollup::ALL
            .into_iter()
            .filter(|r| *r == Rollup::Daily || !r.dimensions(table).is_empty())
            .collect()
    }

    /// True for [`Rollup::Daily`] (the kind a format-3 manifest leaves unnamed).
    pub fn is_daily(&self) -> bool {
        *self == Rollup::Daily
    }

    /// True when the rollup keeps the AOR code, which precedence settles overlaps by.
    pub fn keeps_aor(self) -> bool {
        self == Rollup::Daily
    }

    /// The store path of this rollup of the table file at `data_path`
    /// (`<table>/release=<id>/<rest>`): `_rollup/release=<id>/<table>/<rest>` for the
    /// daily rollup, `_rollup/release=<id>/<table>.citizenship/<rest>` for the other.
    /// Outside the table's own directory, so an engine reading `<table>/**/*.parquet`
    /// never counts a rollup row as a row; under a `release=` directory of its own, so a
    /// commit moves it and a crashed ingest's copy is cleaned up like any release
    /// directory.
    pub fn path(self, data_path: &str) -> String {
        let mut parts = data_path.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(table), Some(release), Some(rest)) => {
                format!("_rollup/{release}/{}/{rest}", self.directory(table))
            }
            _ => format!("_rollup/{data_path}"),
        }
    }

    /// The directory of this rollup's files of table `slug` under `_rollup/release=<id>/`.
    pub fn directory(self, slug: &str) -> String {
        match self {
            Rollup::Daily => slug.to_string(),
            Rollup::Citizenship => format!("{slug}.citizenship"),
        }
    }

    /// The dimensions the rollup keeps besides the event date, and so the ones a count
    /// can group or filter by from it alone, those `table` has.
    pub fn dimensions(self, table: TableKind) -> Vec<&'static str> {
        let def = table.def();
        let field = |name: &str| {
            def.dimension_field(name)
                .map(|i| def.fields[i].name.as_str())
        };
        match self {
            Rollup::Daily => {
                let mut out = Vec::new();
                if def.aor.is_some() {
                    out.push(AOR);
                }
                if def.method.is_some() {
                    out.push(METHOD_GROUP);
                }
                out.extend(field("criminality"));
                out
            }
            Rollup::Citizenship => field("citizenship").into_iter().collect(),
        }
    }

    /// The fields whose withheld markers the rollup keeps in its `withheld` column: those
    /// a null value of one of its dimensions is explained by (the AOR field for `aor`,
    /// the method field for `method_group`, a field dimension itself). Markers of other
    /// fields are dropped, so rows differing only in them fall into one rollup row.
    pub fn withheld_fields(self, table: TableKind) -> Vec<&'static str> {
        let def = table.def();
        self.dimensions(table)
            .into_iter()
            .filter_map(|d| match d {
                AOR => def.aor.map(|i| def.fields[i].name.as_str()),
                METHOD_GROUP => def.method.map(|i| def.fields[i].name.as_str()),
                field => Some(field),
            })
            .collect()
    }

    /// The rollup's text columns, in order: `source_sheet`, its [dimensions]
    /// ([`Rollup::dimensions`]), the AOR field where it keeps the AOR code (kept only
    /// where `aor` is null, to tell an unmapped AOR from a blank one), and `withheld`
    /// (reduced to [`Rollup::withheld_fields`]).
    pub fn text_columns(self, table: TableKind) -> Vec<&'static str> {
        let def = table.def();
        let mut out = vec![SOURCE_SHEET];
        let dimensions = self.dimensions(table);
        let keeps_aor = dimensions.contains(&AOR);
        out.extend(dimensions);
        if let Some(i) = def.aor.filter(|_| keeps_aor) {
            out.push(def.fields[i].name.as_str());
        }
        out.push(WITHHELD);
        out
    }

    /// The schema of the rollup's files: `event_date`, the [`Rollup::text_columns`]
    /// (dictionary text, as in the table), and [`ROLLUP_ROWS`]. One row per distinct
    /// combination of those values in the table file, with the number of rows holding it.
    pub fn schema(self, table: TableKind) -> SchemaRef {
        let mut fields = vec![ArrowField::new(EVENT_DATE, DataType::Date32, true)];
        for name in self.text_columns(table) {
            fields.push(ArrowField::new(name, text_type(), true));
        }
        fields.push(ArrowField::new(ROLLUP_ROWS, DataType::Int64, false));
        Arc::new(Schema::new(fields))
    }
}

/// The schema of the `_rejects` dataset: one row per rejected source row.
pub fn rejects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        ArrowField::new(RELEASE_SHA256, DataType::Utf8, false),
        ArrowField::new(SOURCE_SHEET, DataType::Utf8, false),
        ArrowField::new(SOURCE_ROW, DataType::Int64, false),
        ArrowField::new("source_column", DataType::Utf8, true),
        ArrowField::new("reason", DataType::Utf8, false),
        ArrowField::new("values", DataType::Utf8, false),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rollup_lives_under_its_release_outside_the_table() {
        let file = "arrests/release=0123456789abcdef/fy=2019/part-0.parquet";
        assert_eq!(
            Rollup::Daily.path(file),
            "_rollup/release=0123456789abcdef/arrests/fy=2019/part-0.parquet"
        );
        assert_eq!(
            Rollup::Citizenship.path(file),
            "_rollup/release=0123456789abcdef/arrests.citizenship/fy=2019/part-0.parquet"
        );
        let arrests = TableKind::from_slug("arrests").expect("table");
        assert_eq!(
            Rollup::Daily.text_columns(arrests),
            [
                SOURCE_SHEET,
                AOR,
                METHOD_GROUP,
                "apprehension_criminality",
                "aor_name",
                WITHHELD
            ]
        );
        assert_eq!(
            Rollup::Daily.withheld_fields(arrests),
            [
                "aor_name",
                "apprehension_method",
                "apprehension_criminality"
            ]
        );
        assert_eq!(
            Rollup::Citizenship.text_columns(arrests),
            [SOURCE_SHEET, "citizenship", WITHHELD]
        );
        assert_eq!(
            Rollup::for_table(arrests),
            [Rollup::Daily, Rollup::Citizenship]
        );
    }

    #[test]
    fn each_table_holds_its_own_fields() {
        let arrests = TableKind::from_slug("arrests").expect("table");
        let removals = TableKind::from_slug("removals").expect("table");
        let a = table_schema(arrests);
        let r = table_schema(removals);
        assert!(a.field_with_name("apprehension_criminality").is_ok());
        assert!(r.field_with_name("apprehension_criminality").is_err());
        assert!(r.field_with_name("port_of_departure").is_ok());
        assert!(a.field_with_name(METHOD_GROUP).is_ok());
        assert!(r.field_with_name(METHOD_GROUP).is_err());
        assert_eq!(
            a.field_with_name("apprehension_date")
                .map(|f| f.data_type().clone())
                .ok(),
            Some(timestamp_type())
        );
        assert_eq!(
            a.field_with_name("birth_year")
                .map(|f| f.data_type().clone())
                .ok(),
            Some(DataType::Int64)
        );
        assert_eq!(
            a.field_with_name("unique_identifier")
                .map(|f| f.data_type().clone())
                .ok(),
            Some(DataType::Utf8)
        );
        let names: Vec<&str> = a
            .fields()
            .iter()
            .take(8)
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(
            names,
            [
                RELEASE_SHA256,
                SOURCE_SHEET,
                SOURCE_ROW,
                EVENT_DATE,
                EVENT_DATETIME,
                EVENT_FY,
                AOR,
                METHOD_GROUP
            ]
        );
    }
}
