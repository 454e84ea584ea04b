//! Dimensions: what counts of a table can be grouped (`--by`) and filtered (`--where`)
//! by. Every text and yes/no field of the table's definition is a dimension under its
//! canonical name (`apprehension-criminality`) and the aliases the definition gives
//! (`criminality`); derived dimensions come from the event date, the AOR code, the method
//! group and the release. Identifiers, dates and numbers are never dimensions: Tally
//! publishes aggregates only.

use chrono::{Datelike, NaiveDate};
use tally_catalog::schema;
use tally_model::fiscal::parse_fiscal_year_label;
use tally_model::{AorCrosswalk, FieldType, TableKind};

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
    /// Hour of the event's time of day, `00`..`23`; `(no time)` for rows of releases
    /// that give dates only.
    HourOfDay,
    /// AOR code (CHI, SFR, ...).
    Aor,
    /// custodial / at-large / border / other (tables with a method field).
    MethodGroup,
    /// Release file name.
    Release,
    /// A text or yes/no field of the table, by its column name.
    Field(&'static str),
}

/// The derived dimensions, with their command-line names.
const DERIVED: [(Dimension, &str); 8] = [
    (Dimension::Fy, "fy"),
    (Dimension::Month, "month"),
    (Dimension::Week, "week"),
    (Dimension::Date, "date"),
    (Dimension::HourOfDay, "hour-of-day"),
    (Dimension::Aor, "aor"),
    (Dimension::MethodGroup, "method-group"),
    (Dimension::Release, "release"),
];

impl Dimension {
    /// Every dimension of `table`: the derived ones it has, then its text and yes/no
    /// fields in definition order.
    pub fn all(table: TableKind) -> Vec<Dimension> {
        let def = table.def();
        let mut out: Vec<Dimension> = DERIVED
            .iter()
            .map(|(d, _)| *d)
            .filter(|d| match d {
                Dimension::HourOfDay => def.has_event_time(),
                // A reference table (a facility list) has no event date to group by.
                Dimension::Fy | Dimension::Month | Dimension::Week | Dimension::Date => {
                    !def.event.is_empty()
                }
                Dimension::Aor => def.aor.is_some(),
                Dimension::MethodGroup => def.method.is_some(),
                _ => true,
            })
            .collect();
        out.extend(
            def.fields
                .iter()
                .filter(|f| f.field_type.is_dimension())
                .map(|f| Dimension::Field(f.name.as_str())),
        );
        out
    }

    /// Parses a command-line name for `table`: a derived dimension, a field's canonical
    /// name (with `-` or `_`) or one of its aliases.
    ///
    /// # Errors
    /// A message listing the table's dimensions; for identifiers, dates and numbers, one
    /// saying why they are not dimensions.
    pub fn parse(table: TableKind, name: &str) -> Result<Dimension, String> {
        let key = name.trim().to_ascii_lowercase().replace('_', "-");
        let all = Dimension::all(table);
        if let Some(d) = all.iter().find(|d| d.name() == key) {
            return Ok(*d);
        }
        let def = table.def();
        if let Some(i) = def.dimension_field(&key) {
            return Ok(Dimension::Field(def.fields[i].name.as_str()));
        }
        if let Some(f) = def.fields.iter().find(|f| f.answers_to(&key)) {
            let why = match f.field_type {
                FieldType::Identifier => {
                    "an identifier: Tally publishes aggregates only, and never groups or filters by a person's or case's identifier"
                }
                FieldType::Date | FieldType::Datetime => {
                    "a date: group by fy, month, week, date or hour-of-day (of the event date), or filter with --from/--to"
                }
                _ => "a number, not a category",
            };
            return Err(format!("{} is {why}", f.name));
        }
        Err(format!(
            "unknown dimension {name:?} for {table}; expected one of {}",
            all.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
        ))
    }

    /// The command-line (and CSV header) name.
    pub fn name(self) -> String {
        match self {
            Dimension::Field(column) => column.replace('_', "-"),
            other => DERIVED
                .iter()
                .find(|(d, _)| *d == other)
                .map(|(_, n)| n.to_string())
                .unwrap_or_default(),
        }
    }

    /// The store column this dimension reads, or `None` for date dimensions (event date)
    /// and `release`.
    pub fn column(self) -> Option<&'static str> {
        match self {
            Dimension::Fy
            | Dimension::Month
            | Dimension::Week
            | Dimension::Date
            | Dimension::HourOfDay
            | Dimension::Release => None,
            Dimension::Aor => Some(schema::AOR),
            Dimension::MethodGroup => Some(schema::METHOD_GROUP),
            Dimension::Field(column) => Some(column),
        }
    }

    /// The field of `table` whose withheld marker (in `withheld`) explains a null value
    /// of this dimension: the AOR code is derived from the AOR field, the method group
    /// from the method field.
    pub fn withheld_field(self, table: TableKind) -> Option<&'static str> {
        let def = table.def();
        match self {
            Dimension::Aor => def.aor.map(|i| def.fields[i].name.as_str()),
            Dimension::MethodGroup => def.method.map(|i| def.fields[i].name.as_str()),
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

    /// True for a yes/no field.
    pub fn is_flag(self, table: TableKind) -> bool {
        matches!(self, Dimension::Field(c) if table.def().field(c).is_some_and(|f| f.field_type == FieldType::Flag))
    }

    /// The first day of the bucket of this date dimension that holds `date` (its FY,
    /// month or week, or the day itself): two days render alike under
    /// [`Dimension::render_date`] exactly when their bucket starts are equal, so a label
    /// can be found once per bucket rather than formatted once per day.
    pub fn bucket_start(self, date: NaiveDate) -> NaiveDate {
        self.bucket_bounds(date).0
    }

    /// The first and last day of the bucket holding `date` (see
    /// [`Dimension::bucket_start`]): a FY runs 1 October to 30 September
    /// (`tally_model::fiscal`), a week Monday to Sunday (`tally_model::date::week_start`).
    pub fn bucket_bounds(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Dimension::Fy => {
                tally_model::fiscal::fiscal_year_bounds(tally_model::fiscal::fiscal_year(date))
            }
            Dimension::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let last = first
                    .checked_add_months(chrono::Months::new(1))
                    .and_then(|next| next.pred_opt())
                    .unwrap_or(date);
                (first, last)
            }
            Dimension::Week => {
                let first = tally_model::date::week_start(date);
                (first, first + chrono::Days::new(6))
            }
            _ => (date, date),
        }
    }

    /// Renders the date dimension of a date.
    pub fn render_date(self, date: NaiveDate) -> String {
        match self {
            Dimension::Fy => format!("FY{}", tally_model::fiscal::fiscal_year(date)),
            Dimension::Month => format!("{:04}-{:02}", date.year(), date.month()),
            Dimension::Week => tally_model::date::week_start(date).to_string(),
            _ => date.to_string(),
        }
    }

    /// Brings a `--where` value to the form this dimension prints (`2019` → `FY2019`,
    /// `Chicago` or `chi` → `CHI`, `y` → `YES` for flags, `6` → `06` for hours).
    pub fn normalize_value(self, table: TableKind, value: &str) -> String {
        let v = value.trim();
        match self {
            Dimension::Fy => parse_fiscal_year_label(v)
                .map(|y| format!("FY{y}"))
                .unwrap_or_else(|| v.to_string()),
            Dimension::Aor => AorCrosswalk::embedded()
                .code_for(v)
                .map(String::from)
                .unwrap_or_else(|| v.to_ascii_uppercase()),
            Dimension::MethodGroup => v.to_ascii_lowercase(),
            Dimension::HourOfDay => match v.parse::<u32>() {
                Ok(h) if h < 24 => format!("{h:02}"),
                _ => v.to_string(),
            },
            d if d.is_flag(table) => match v.to_ascii_uppercase().as_str() {
                "YES" | "Y" | "TRUE" | "T" | "1" => "YES".into(),
                "NO" | "N" | "FALSE" | "F" | "0" => "NO".into(),
                _ => v.to_string(),
            },
            _ => v.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(slug: &str) -> TableKind {
        TableKind::from_slug(slug).expect("table")
    }

    #[test]
    fn a_bucket_holds_exactly_the_days_that_render_alike() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            Dimension::Fy.bucket_bounds(day("2020-02-15")),
            (day("2019-10-01"), day("2020-09-30"))
        );
        assert_eq!(
            Dimension::Month.bucket_bounds(day("2020-02-15")),
            (day("2020-02-01"), day("2020-02-29"))
        );
        assert_eq!(
            Dimension::Week.bucket_bounds(day("2020-02-15")),
            (day("2020-02-10"), day("2020-02-16"))
        );
        for d in [
            Dimension::Fy,
            Dimension::Month,
            Dimension::Week,
            Dimension::Date,
        ] {
            let mut date = day("2018-09-20");
            while date < day("2021-03-10") {
                let (first, last) = d.bucket_bounds(date);
                assert!(first <= date && date <= last, "{d:?} {date}");
                assert_eq!(first, d.bucket_start(date));
                let label = d.render_date(date);
                assert_eq!(d.render_date(first), label, "{d:?} {date}");
                assert_eq!(d.render_date(last), label, "{d:?} {date}");
                assert_ne!(d.render_date(last.succ_opt().expect("day")), label);
                assert_ne!(d.render_date(first.pred_opt().expect("day")), label);
                date = date.succ_opt().expect("day");
            }
        }
    }

    #[test]
    fn names_and_aliases_come_from_the_definition() {
        let arrests = table("arrests");
        assert_eq!(
            Dimension::parse(arrests, "criminality"),
            Ok(Dimension::Field("apprehension_criminality"))
        );
        assert_eq!(
            Dimension::parse(arrests, "apprehension_state"),
            Ok(Dimension::Field("apprehension_state"))
        );
        assert_eq!(
            Dimension::parse(arrests, "method"),
            Ok(Dimension::Field("apprehension_method"))
        );
        assert_eq!(
            Dimension::parse(arrests, "Method-Group"),
            Ok(Dimension::MethodGroup)
        );
        assert_eq!(
            Dimension::Field("apprehension_criminality").name(),
            "apprehension-criminality"
        );
        let err = Dimension::parse(arrests, "unique-identifier").unwrap_err();
        assert!(err.contains("aggregates only"), "{err}");
        let err = Dimension::parse(arrests, "birth_date").unwrap_err();
        assert!(err.contains("a date"), "{err}");
        let err = Dimension::parse(arrests, "shoe-size").unwrap_err();
        assert!(err.starts_with("unknown dimension \"shoe-size\" for arrests; expected one of fy, month, week, date, hour-of-day, aor, method-group, release, aor-name,"), "{err}");
        // Removals have no method field, so no method group.
        assert!(Dimension::parse(table("removals"), "method-group").is_err());
        assert!(Dimension::parse(table("book-ins"), "method-group").is_ok());
    }

    #[test]
    fn where_values_take_the_printed_form() {
        let arrests = table("arrests");
        assert_eq!(Dimension::Aor.normalize_value(arrests, "Chicago"), "CHI");
        assert_eq!(
            Dimension::Aor.normalize_value(arrests, "Harlingen Area of Responsibility"),
            "HLG"
        );
        assert_eq!(Dimension::Aor.normalize_value(arrests, "hal"), "HLG");
        assert_eq!(Dimension::Fy.normalize_value(arrests, "2019"), "FY2019");
        assert_eq!(Dimension::HourOfDay.normalize_value(arrests, "6"), "06");
        assert_eq!(
            Dimension::Field("final_order_yes_no").normalize_value(arrests, "y"),
            "YES"
        );
    }
}
