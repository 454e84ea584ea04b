//! Dimensions: what counts can be grouped (`--by`) and filtered (`--where`) by.

use chrono::{Datelike, NaiveDate};
use tally_ingest::schema;
use tally_model::fiscal::parse_fiscal_year_label;

/// A dimension of a count. Date dimensions use the table's event date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Fiscal year of the event date, printed `FY2019` (FY = 1 Oct - 30 Sep).
    Fy,
    /// Calendar month of the event date, `YYYY-MM`.
    Month,
    /// Week of the event date, printed as its Monday, `YYYY-MM-DD` (DDP's convention).
    Week,
    /// Event date, `YYYY-MM-DD`.
    Date,
    /// AOR code (CHI, SFR, ...).
    Aor,
    /// Apprehension method as released.
    Method,
    /// custodial / at-large / border / other.
    MethodGroup,
    Citizenship,
    Gender,
    Landmark,
    Operation,
    ProcessingDisposition,
    /// Release file name.
    Release,
}

impl Dimension {
    /// Every dimension with its command-line name.
    pub const ALL: [(Dimension, &'static str); 13] = [
        (Dimension::Fy, "fy"),
        (Dimension::Month, "month"),
        (Dimension::Week, "week"),
        (Dimension::Date, "date"),
        (Dimension::Aor, "aor"),
        (Dimension::Method, "method"),
        (Dimension::MethodGroup, "method-group"),
        (Dimension::Citizenship, "citizenship"),
        (Dimension::Gender, "gender"),
        (Dimension::Landmark, "landmark"),
        (Dimension::Operation, "operation"),
        (Dimension::ProcessingDisposition, "processing-disposition"),
        (Dimension::Release, "release"),
    ];

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Dimension> {
        let key = name.trim().to_ascii_lowercase().replace('_', "-");
        Dimension::ALL
            .iter()
            .find(|(_, n)| *n == key)
            .map(|(d, _)| *d)
    }

    /// The command-line (and CSV header) name.
    pub fn name(self) -> &'static str {
        Dimension::ALL
            .iter()
            .find(|(d, _)| *d == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }

    /// The store column this dimension reads, or `None` for date dimensions (event_date)
    /// and `release`.
    pub fn column(self) -> Option<&'static str> {
        match self {
            Dimension::Fy
            | Dimension::Month
            | Dimension::Week
            | Dimension::Date
            | Dimension::Release => None,
            Dimension::Aor => Some(schema::AOR),
            Dimension::Method => Some("apprehension_method"),
            Dimension::MethodGroup => Some(schema::METHOD_GROUP),
            Dimension::Citizenship => Some("citizenship"),
            Dimension::Gender => Some("gender"),
            Dimension::Landmark => Some("landmark"),
            Dimension::Operation => Some("operation"),
            Dimension::ProcessingDisposition => Some("processing_disposition"),
        }
    }

    /// The canonical field whose withheld marker (in `withheld`) explains a null value of
    /// this dimension: the AOR code is derived from `aor_name`, the method group from
    /// `apprehension_method`.
    pub fn withheld_field(self) -> Option<&'static str> {
        match self {
            Dimension::Aor => Some("aor_name"),
            Dimension::MethodGroup => Some("apprehension_method"),
            other => other.column(),
        }
    }

    /// True for dimensions computed from the event date.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Dimension::Fy | Dimension::Month | Dimension::Week | Dimension::Date
        )
    }

    /// Renders the date dimension of a date.
    pub fn render_date(self, date: NaiveDate) -> String {
        match self {
            Dimension::Fy => format!("FY{}", tally_model::fiscal::fiscal_year(date)),
            Dimension::Month => format!("{:04}-{:02}", date.year(), date.month()),
            Dimension::Week => {
                let monday = date - chrono::Days::new(date.weekday().num_days_from_monday() as u64);
                monday.to_string()
            }
            _ => date.to_string(),
        }
    }

    /// Brings a `--where` value to the form this dimension prints (`2019` → `FY2019`,
    /// AOR codes upper-cased).
    pub fn normalize_value(self, value: &str) -> String {
        let v = value.trim();
        match self {
            Dimension::Fy => parse_fiscal_year_label(v)
                .map(|y| format!("FY{y}"))
                .unwrap_or_else(|| v.to_string()),
            Dimension::Aor => v.to_ascii_uppercase(),
            Dimension::MethodGroup => v.to_ascii_lowercase(),
            _ => v.to_string(),
        }
    }
}
