//! The catalog: every table definition, the column crosswalk and the missing-value
//! placeholders, loaded once from the data files embedded at build time and validated.

use crate::VocabularyError;
use crate::crosswalk::ColumnCrosswalk;
use crate::field::{FieldDef, FieldType};
use crate::missing::MissingValues;
use crate::table::{PartDef, TableDef};
use serde::Deserialize;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/table_files.rs"));

const COLUMN_CROSSWALK_CSV: &str = include_str!("../data/column_crosswalk.csv");
const MISSING_VALUES_CSV: &str = include_str!("../data/missing_values.csv");

/// Names every table answers to as a dimension whatever its fields: computed from the
/// event date, the AOR code, the method group or the release. A field or alias may not
/// take one of them.
pub const DERIVED_DIMENSIONS: &[&str] = &[
    "fy",
    "month",
    "week",
    "date",
    "hour-of-day",
    "aor",
    "method-group",
    "release",
];

/// The file of fields every table may hold.
const COMMON_FILE: &str = "common.toml";

/// Tables, crosswalk and placeholders: the whole model as data.
#[derive(Debug)]
pub struct Catalog {
    tables: Vec<TableDef>,
    crosswalk: ColumnCrosswalk,
    missing: MissingValues,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    display_order: Option<u32>,
    slug: Option<String>,
    name: Option<String>,
    description: Option<String>,
    source: Option<String>,
    #[serde(default)]
    title_words: Vec<String>,
    #[serde(default)]
    not_title_words: Vec<String>,
    #[serde(default)]
    event: Vec<String>,
    aor: Option<String>,
    method: Option<String>,
    person: Option<String>,
    event_state: Option<String>,
    #[serde(default)]
    reference: bool,
    #[serde(default = "yes")]
    counts_people: bool,
    key: Option<String>,
    population: Option<String>,
    place_state: Option<String>,
    #[serde(default)]
    recorded_fy_from_sheet_blocks: bool,
    #[serde(default)]
    part: Vec<PartDef>,
    #[serde(default)]
    field: Vec<FieldDef>,
}

impl Catalog {
    /// The catalog shipped with Tally.
    ///
    /// # Panics
    /// Never at run time: the embedded files are validated by this crate's tests.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            match Catalog::from_sources(TABLE_FILES, COLUMN_CROSSWALK_CSV, MISSING_VALUES_CSV) {
                Ok(c) => c,
                Err(e) => panic!("embedded catalog is invalid: {e}"),
            }
        })
    }

    /// Builds a catalog from table definition files (`(file name, TOML text)`, one of
    /// them `common.toml`), a column crosswalk CSV and a missing-values CSV.
    ///
    /// # Errors
    /// A [`VocabularyError`] naming the file and line (or field) of the first defect: a
    /// malformed file, a role naming no field or a field of the wrong type, an alias
    /// claimed twice or shadowing a derived dimension, a crosswalk row naming an unknown
    /// table or field.
    pub fn from_sources(
        table_files: &[(&'static str, &str)],
        crosswalk_csv: &str,
        missing_csv: &str,
    ) -> Result<Catalog, VocabularyError> {
        let mut common: Vec<FieldDef> = Vec::new();
        let mut files: Vec<(&'static str, TableFile)> = Vec::new();
        for (name, text) in table_files {
            let file: TableFile = toml::from_str(text).map_err(|e| VocabularyError {
                file: name,
                line: line_of(text, e.span().map(|s| s.start)),
                message: e.message().to_string(),
            })?;
            if *name == COMMON_FILE {
                common = file.field;
            } else {
                files.push((name, file));
            }
        }
        let mut tables = Vec::new();
        for (name, file) in files {
            tables.push(table_def(name, file, &common)?);
        }
        tables.sort_by_key(|t| (t.display_order, t.slug.clone()));
        for (i, t) in tables.iter().enumerate() {
            if tables[..i].iter().any(|o| o.slug == t.slug) {
                return Err(defect(
                    "tables",
                    format!("table {:?} defined twice", t.slug),
                ));
            }
        }
        let crosswalk = ColumnCrosswalk::from_csv("column_crosswalk.csv", crosswalk_csv, &tables)?;
        let missing = MissingValues::from_csv("missing_values.csv", missing_csv)?;
        Ok(Catalog {
            tables,
            crosswalk,
            missing,
        })
    }

    /// Every table, in display order.
    pub fn tables(&self) -> &[TableDef] {
        &self.tables
    }

    /// Release headers to fields, per table.
    pub fn crosswalk(&self) -> &ColumnCrosswalk {
        &self.crosswalk
    }

    /// Cell texts that mean "no value".
    pub fn missing(&self) -> &MissingValues {
        &self.missing
    }
}

fn defect(file: &'static str, message: String) -> VocabularyError {
    VocabularyError {
        file,
        line: 0,
        message,
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: Option<usize>) -> usize {
    offset.map_or(0, |o| text[..o.min(text.len())].matches('\n').count() + 1)
}

fn table_def(
    file: &'static str,
    t: TableFile,
    common: &[FieldDef],
) -> Result<TableDef, VocabularyError> {
    let missing = |what: &str| defect(file, format!("missing `{what}`"));
    let slug = t.slug.ok_or_else(|| missing("slug"))?;
    let mut fields = t.field;
    for c in common {
        if !fields.iter().any(|f| f.name == c.name) {
            fields.push(c.clone());
        }
    }
    for (i, f) in fields.iter().enumerate() {
        if f.description.trim().is_empty() || f.source.trim().is_empty() {
            return Err(defect(
                file,
                format!("field {:?} needs a description and a source", f.name),
            ));
        }
        if fields[..i].iter().any(|o| o.name == f.name) {
            return Err(defect(file, format!("field {:?} defined twice", f.name)));
        }
        for name in std::iter::once(f.cli_name()).chain(f.aliases.iter().cloned()) {
            if DERIVED_DIMENSIONS.contains(&name.as_str()) {
                return Err(defect(
                    file,
                    format!(
                        "{:?} of field {:?} is a derived dimension's name",
                        name, f.name
                    ),
                ));
            }
            let clash = fields
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && o.answers_to(&name));
            if clash && f.field_type.is_dimension() {
                return Err(defect(
                    file,
                    format!("{name:?} names field {:?} and another field", f.name),
                ));
            }
        }
    }
    let find = |role: &str, name: &str, types: &[FieldType]| {
        let i = fields
            .iter()
            .position(|f| f.name == name)
            .ok_or_else(|| defect(file, format!("{role} names unknown field {name:?}")))?;
        if !types.contains(&fields[i].field_type) {
            return Err(defect(
                file,
                format!(
                    "{role} field {name:?} is {}, expected {}",
                    fields[i].field_type.name(),
                    types
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        }
        Ok(i)
    };
    let dated = [FieldType::Date, FieldType::Datetime];
    let event = t
        .event
        .iter()
        .map(|e| find("event", e, &dated))
        .collect::<Result<Vec<_>, _>>()?;
    // A reference table (a list of facilities, agencies or counties) describes things,
    // not events: it has a key instead of an event date.
    if event.is_empty() && !t.reference {
        return Err(missing("event"));
    }
    let key = t
        .key
        .as_deref()
        .map(|k| find("key", k, &[FieldType::Text]))
        .transpose()?;
    if t.reference && key.is_none() {
        return Err(missing("key"));
    }
    let population = t
        .population
        .as_deref()
        .map(|p| find("population", p, &[FieldType::Integer]))
        .transpose()?;
    let place_state = t
        .place_state
        .as_deref()
        .map(|p| find("place_state", p, &[FieldType::Text]))
        .transpose()?;
    if place_state.is_some() && key.is_none() {
        return Err(defect(
            file,
            "place_state needs a key (the field holding \"Place, State\")".into(),
        ));
    }
    let aor = t
        .aor
        .as_deref()
        .map(|a| find("aor", a, &[FieldType::Text]))
        .transpose()?;
    let method = t
        .method
        .as_deref()
        .map(|m| find("method", m, &[FieldType::Text]))
        .transpose()?;
    let person = t
        .person
        .as_deref()
        .map(|p| find("person", p, &[FieldType::Identifier]))
        .transpose()?;
    let event_state = t
        .event_state
        .as_deref()
        .map(|p| find("event_state", p, &[FieldType::Text]))
        .transpose()?;
    Ok(TableDef {
        name: t.name.ok_or_else(|| missing("name"))?,
        description: t.description.ok_or_else(|| missing("description"))?,
        source: t.source.ok_or_else(|| missing("source"))?,
        display_order: t.display_order.unwrap_or(u32::MAX),
        title_words: t.title_words,
        not_title_words: t.not_title_words,
        slug,
        fields,
        event,
        aor,
        method,
        person,
        event_state,
        reference: t.reference,
        counts_people: t.counts_people,
        key,
        population,
        place_state,
        parts: t.part,
        recorded_fy_from_sheet_blocks: t.recorded_fy_from_sheet_blocks,
    })
}

/// Serde default of flags that are on unless a definition turns them off.
fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "display_order = 1\nslug = \"widgets\"\nname = \"W\"\ndescription = \"d\"\nsource = \"s\"\nevent = [\"made\"]\n\n[[field]]\nname = \"made\"\ntype = \"date\"\ndescription = \"d\"\nsource = \"s\"\n";

    #[test]
    fn the_embedded_catalog_loads() {
        let c = Catalog::embedded();
        // Tables are added as files (by several people at once): the ones named here
        // must be there, others may be too.
        for slug in [
            "arrests",
            "detention-facilities",
            "sanctuary-policies",
            "secure-communities",
        ] {
            assert!(c.tables().iter().any(|t| t.slug == slug), "{slug}");
        }
        let policies = c
            .tables()
            .iter()
            .find(|t| t.slug == "sanctuary-policies")
            .expect("sanctuary policies are a table");
        assert_eq!(
            policies
                .place_state
                .map(|f| policies.fields[f].name.as_str()),
            Some("state")
        );
        let facilities = c
            .tables()
            .iter()
            .find(|t| t.slug == "detention-facilities")
            .expect("facility lists are a table");
        assert!(facilities.reference && facilities.event.is_empty());
        assert_eq!(
            facilities.anchor_fields(),
            facilities.key.into_iter().collect::<Vec<_>>()
        );
        let headcount = c
            .tables()
            .iter()
            .find(|t| t.slug == "detention-headcount")
            .expect("headcounts are a table");
        assert_eq!(
            headcount
                .population
                .map(|i| headcount.fields[i].name.as_str()),
            Some("detained")
        );
        assert!(c.tables().iter().all(|t| !t.fields.is_empty()));
    }

    #[test]
    fn a_table_is_a_file() {
        let c = Catalog::from_sources(
            &[("widgets.toml", MINIMAL), ("common.toml", "")],
            "table,raw_header,field,claim,source\nwidgets,Made On,made,,test\n",
            "value,source\nNA,test\n",
        )
        .expect("valid");
        assert_eq!(c.tables()[0].slug, "widgets");
        assert_eq!(c.tables()[0].event, [0]);
    }

    #[test]
    fn defects_name_their_file() {
        let bad_role = MINIMAL.replace("event = [\"made\"]", "event = [\"nope\"]");
        let err = Catalog::from_sources(
            &[("w.toml", &bad_role)],
            "table,raw_header,field,claim,source\n",
            "value,source\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "vocabulary file w.toml, line 0: event names unknown field \"nope\""
        );
        let bad_alias = MINIMAL.replace(
            "name = \"made\"\ntype = \"date\"",
            "name = \"made\"\ntype = \"text\"\naliases = [\"fy\"]",
        );
        let err = Catalog::from_sources(
            &[("w.toml", &bad_alias)],
            "table,raw_header,field,claim,source\n",
            "value,source\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("derived dimension"), "{err}");
        let typo = MINIMAL.replace("source = \"s\"\nevent", "sorce = \"s\"\nevent");
        let err = Catalog::from_sources(
            &[("w.toml", &typo)],
            "table,raw_header,field,claim,source\n",
            "value,source\n",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("vocabulary file w.toml, line 5: unknown field `sorce`"),
            "{err}"
        );
    }

    #[test]
    fn only_a_reference_table_may_lack_an_event_date_and_it_needs_a_key() {
        let load = |text: &str| {
            Catalog::from_sources(
                &[("w.toml", text), ("common.toml", "")],
                "table,raw_header,field,claim,source\n",
                "value,source\n",
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        };
        let no_event = MINIMAL.replace("event = [\"made\"]\n", "");
        assert_eq!(
            load(&no_event),
            Err("vocabulary file w.toml, line 0: missing `event`".into())
        );
        let reference =
            no_event.replace("source = \"s\"\n\n", "source = \"s\"\nreference = true\n\n");
        assert_eq!(
            load(&reference),
            Err("vocabulary file w.toml, line 0: missing `key`".into())
        );
        let keyed = MINIMAL
            .replace("event = [\"made\"]\n", "reference = true\nkey = \"code\"\n")
            .replace(
                "name = \"made\"\ntype = \"date\"",
                "name = \"code\"\ntype = \"text\"",
            );
        assert_eq!(load(&keyed), Ok(()));
        let bad_population = MINIMAL.replace(
            "event = [\"made\"]\n",
            "event = [\"made\"]\npopulation = \"made\"\n",
        );
        assert_eq!(
            load(&bad_population),
            Err("vocabulary file w.toml, line 0: population field \"made\" is date, expected integer".into())
        );
        let place_state = keyed.replace(
            "key = \"code\"\n",
            "key = \"code\"\nplace_state = \"code\"\n",
        );
        assert_eq!(load(&place_state), Ok(()));
        let place_state_on_a_date = MINIMAL.replace(
            "event = [\"made\"]\n",
            "event = [\"made\"]\nplace_state = \"made\"\n",
        );
        assert_eq!(
            load(&place_state_on_a_date),
            Err(
                "vocabulary file w.toml, line 0: place_state field \"made\" is date, expected text"
                    .into()
            )
        );
    }
}
