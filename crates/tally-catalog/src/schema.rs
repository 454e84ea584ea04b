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

/// The store path of the daily rollup of the table file at `data_path`
/// (`<table>/release=<id>/<rest>`): `_rollup/release=<id>/<table>/<rest>`. Outside the
/// table's own directory, so an engine reading `<table>/**/*.parquet` never counts a
/// rollup row as a row; under a `release=` directory of its own, so a commit moves it and
/// a crashed ingest's copy is cleaned up like any release directory.
pub fn rollup_path(data_path: &str) -> String {
    let mut parts = data_path.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(table), Some(release), Some(rest)) => {
            format!("_rollup/{release}/{table}/{rest}")
        }
        _ => format!("_rollup/{data_path}"),
    }
}

/// The dimensions a table's daily rollup keeps besides the event date, and so the ones a
/// count can group or filter by from rollups alone: the AOR code, the method group, and
/// the field answering to `criminality` (the questions of "where, by which method, for
/// whom"), those the table has.
pub fn rollup_dimensions(table: TableKind) -> Vec<&'static str> {
    let def = table.def();
    let mut out = Vec::new();
    if def.aor.is_some() {
        out.push(AOR);
    }
    if def.method.is_some() {
        out.push(METHOD_GROUP);
    }
    if let Some(i) = def.dimension_field("criminality") {
        out.push(def.fields[i].name.as_str());
    }
    out
}

/// The fields whose withheld markers a rollup keeps in its `withheld` column: those a
/// null value of a rollup dimension is explained by (the AOR field for `aor`, the method
/// field for `method_group`, the criminality field itself). Markers of other fields are
/// dropped, so rows differing only in them fall into one rollup row.
pub fn rollup_withheld_fields(table: TableKind) -> Vec<&'static str> {
    let def = table.def();
    let mut out: Vec<&'static str> = [def.aor, def.method]
        .into_iter()
        .flatten()
        .map(|i| def.fields[i].name.as_str())
        .collect();
    if let Some(i) = def.dimension_field("criminality") {
        out.push(def.fields[i].name.as_str());
    }
    out
}

/// The text columns of a table's daily rollup, in order: `source_sheet`, the rollup
/// dimensions ([`rollup_dimensions`]), the AOR field (kept only where `aor` is null, to
/// tell an unmapped AOR from a blank one) and `withheld` (reduced to
/// [`rollup_withheld_fields`]).
pub fn rollup_text_columns(table: TableKind) -> Vec<&'static str> {
    let def = table.def();
    let mut out = vec![SOURCE_SHEET];
    out.extend(rollup_dimensions(table));
    if let Some(i) = def.aor {
        out.push(def.fields[i].name.as_str());
    }
    out.push(WITHHELD);
    out
}

/// The schema of a table file's daily rollup: `event_date`, the
/// [`rollup_text_columns`] (dictionary text, as in the table), and [`ROLLUP_ROWS`]. One
/// row per distinct combination of those values in the file, with the number of rows
/// holding it; written at ingest beside each table file of an event table.
pub fn rollup_schema(table: TableKind) -> SchemaRef {
    let mut fields = vec![ArrowField::new(EVENT_DATE, DataType::Date32, true)];
    for name in rollup_text_columns(table) {
        fields.push(ArrowField::new(name, text_type(), true));
    }
    fields.push(ArrowField::new(ROLLUP_ROWS, DataType::Int64, false));
    Arc::new(Schema::new(fields))
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
        assert_eq!(
            rollup_path("arrests/release=0123456789abcdef/fy=2019/part-0.parquet"),
            "_rollup/release=0123456789abcdef/arrests/fy=2019/part-0.parquet"
        );
        let arrests = TableKind::from_slug("arrests").expect("table");
        assert_eq!(
            rollup_text_columns(arrests),
            [
                SOURCE_SHEET,
                AOR,
                METHOD_GROUP,
                "apprehension_criminality",
                "aor_name",
                WITHHELD
            ]
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
