//! The canonical Arrow schema every table shares, and the rejects schema.
//!
//! Columns, in order: provenance (`release_sha256`, `source_sheet`, `source_row`), derived
//! (`event_date`, `event_fy`, `aor`, `method_group`), one column per canonical field
//! ([`tally_model::Field::ALL`]), then `withheld`, `unparsed_values` and `extra_columns`.
//! Text columns are Arrow dictionaries ([`text_type`]), except the two JSON columns.

use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};
use std::sync::{Arc, OnceLock};
use tally_model::{Field, FieldType};

/// SHA-256 (hex) of the release file the row came from.
pub const RELEASE_SHA256: &str = "release_sha256";
/// Sheet name (workbooks) or file name (text) the row came from.
pub const SOURCE_SHEET: &str = "source_sheet";
/// 1-based row (workbooks) or line (text) of the row in its source.
pub const SOURCE_ROW: &str = "source_row";
/// The table's event date (see `TableKind::event_date_fields`), Date32.
pub const EVENT_DATE: &str = "event_date";
/// Fiscal year of `event_date`, Int32.
pub const EVENT_FY: &str = "event_fy";
/// Canonical AOR code (CHI, SFR, ..., HQ); null when blank or unmapped.
pub const AOR: &str = "aor";
/// custodial / at-large / border / other, for tables with an apprehension method.
pub const METHOD_GROUP: &str = "method_group";
/// Withheld cells of the row: `field=(b)(6);(b)(7)(C)|other_field=(b)(7)(E)`.
pub const WITHHELD: &str = "withheld";
/// JSON object of cells that could not be parsed as their field's type: field -> raw text.
pub const UNPARSED_VALUES: &str = "unparsed_values";
/// JSON object of columns Tally does not know: release header -> raw text.
pub const EXTRA_COLUMNS: &str = "extra_columns";

/// The schema of every table dataset.
pub fn canonical_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut fields = vec![
                // Constant within a batch: dictionary-encoded so neither Arrow nor Parquet
                // copies or hashes the 64-character SHA-256 once per row.
                ArrowField::new(RELEASE_SHA256, provenance_text_type(), false),
                ArrowField::new(SOURCE_SHEET, provenance_text_type(), false),
                ArrowField::new(SOURCE_ROW, DataType::Int64, false),
                ArrowField::new(EVENT_DATE, DataType::Date32, true),
                ArrowField::new(EVENT_FY, DataType::Int32, true),
                ArrowField::new(AOR, text_type(), true),
                ArrowField::new(METHOD_GROUP, text_type(), true),
            ];
            for f in Field::ALL {
                let ty = match f.field_type() {
                    FieldType::Date => DataType::Date32,
                    FieldType::Text => text_type(),
                };
                fields.push(ArrowField::new(f.name(), ty, true));
            }
            fields.push(ArrowField::new(WITHHELD, text_type(), true));
            fields.push(ArrowField::new(UNPARSED_VALUES, DataType::Utf8, true));
            fields.push(ArrowField::new(EXTRA_COLUMNS, DataType::Utf8, true));
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// Arrow type of `release_sha256` and `source_sheet`: dictionary of Int32 keys to Utf8.
pub fn provenance_text_type() -> DataType {
    text_type()
}

/// Arrow type of every text column but `unparsed_values` and `extra_columns`: a
/// dictionary of Int32 keys to Utf8 values. Release columns hold few distinct values, so
/// readers get each text once per batch; in Parquet the column is a plain UTF8 byte
/// array (dictionary-encoded), which DuckDB and Spark read as text and pandas, through
/// the stored Arrow schema, as a categorical.
pub fn text_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// Number of leading provenance + derived columns before the canonical fields.
pub const LEADING_COLUMNS: usize = 7;

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
