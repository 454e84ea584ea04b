//! Canonical fields: the columns of a table that come from release cells, as defined in
//! `data/tables/*.toml`.

use serde::{Deserialize, Serialize};

/// How a field's cells are parsed and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FieldType {
    /// Text, trimmed; stored as a dictionary of UTF-8 strings. A dimension of counts.
    Text,
    /// A calendar date (Excel date, Excel serial number or text date); Arrow Date32. A
    /// time of day in the cell is dropped.
    Date,
    /// A date with its time of day when the release gives one; Arrow Timestamp (seconds,
    /// no time zone: ICE's wall-clock time as released). Fractions of a second are
    /// rounded to the nearest second.
    Datetime,
    /// A whole number (`1994`, `1994.0`); Arrow Int64.
    Integer,
    /// A number with a fraction (population estimates' standard errors, `4154.19`);
    /// Arrow Float64. Thousands separators are read; not-a-number and infinities are not.
    Number,
    /// An identifier of a person, case or record; plain UTF-8. Never a dimension or a
    /// filter: Tally uses identifiers inside a release only (de-duplication, linkage).
    Identifier,
    /// A yes/no flag (`YES`/`NO`, `Y`/`N`, `TRUE`/`FALSE`, `1`/`0`); stored as the text
    /// `YES` or `NO`. A dimension of counts.
    Flag,
}

impl FieldType {
    /// The name used in table definitions and `tally fields`.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Identifier => "identifier",
            FieldType::Flag => "flag",
        }
    }

    /// True for types that can be counted by (`--by`) and filtered on (`--where`).
    pub fn is_dimension(self) -> bool {
        matches!(self, FieldType::Text | FieldType::Flag)
    }
}

/// One canonical field of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// The Parquet column name (snake_case), e.g. `apprehension_criminality`.
    pub name: String,
    /// How cells are parsed and stored.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Other command-line names for the field as a dimension (`criminality`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the field holds, for `tally fields`, `--help` and the README.
    pub description: String,
    /// Where the definition comes from (codebook, release, DOMAIN.md section).
    pub source: String,
    /// Released spellings of a value that mean another value of this field
    /// (`Warrant Service Office` for `Warrant Service Officer`), applied at ingest and
    /// counted in the sheet report, so counts group one value under one name.
    #[serde(default)]
    pub spelling: Vec<Spelling>,
    /// For a date field: text written `Mon-YY` (`Sep-14`, a spreadsheet's month format)
    /// reads as the first day of that month (years 00-69 as 20xx, 70-99 as 19xx), where a
    /// release is known to write months so; elsewhere such text is no day and stays
    /// unreadable.
    #[serde(default)]
    pub month_year_text: bool,
}

/// One released spelling of a text value and the value it stands for, with the release
/// it was seen in. Matched ignoring case, surrounding space and runs of inner space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spelling {
    /// The text as released.
    pub raw: String,
    /// The value it is stored as.
    pub value: String,
    /// Where the spelling was seen.
    pub source: String,
}

/// The key spellings are matched on: lower case, inner whitespace runs as one space,
/// trimmed.
pub fn spelling_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl FieldDef {
    /// The field's command-line name: its column name with `-` for `_`
    /// (`apprehension-criminality`).
    pub fn cli_name(&self) -> String {
        self.name.replace('_', "-")
    }

    /// The value a released text stands for when the definition lists it as a spelling.
    pub fn respelled(&self, text: &str) -> Option<&str> {
        if self.spelling.is_empty() {
            return None;
        }
        let key = spelling_key(text);
        self.spelling
            .iter()
            .find(|s| spelling_key(&s.raw) == key)
            .map(|s| s.value.as_str())
    }

    /// True when `name` (any case, `-` or `_`) is this field's name or one of its aliases.
    pub fn answers_to(&self, name: &str) -> bool {
        let key = name.trim().to_ascii_lowercase().replace('_', "-");
        key == self.cli_name() || self.aliases.contains(&key)
    }
}
