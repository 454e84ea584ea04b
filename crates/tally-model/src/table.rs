//! Table definitions (`data/tables/*.toml`) and [`TableKind`], a handle on one of them.

use crate::catalog::Catalog;
use crate::field::{FieldDef, FieldType};
use serde::{Deserialize, Serialize};

/// A part of a table that a release may hold alone (the LESA-STU workbooks release
/// expedited and other removals on separate sheets).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PartDef {
    /// The part's name, e.g. `expedited`.
    pub name: String,
    /// Words that announce the part in a title or sheet name, matched like
    /// [`TableDef::title_words`].
    pub title_words: Vec<String>,
    /// What the part holds and where that is defined.
    pub description: String,
}

/// One table kind, as its definition file states it.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// Command-line name and the store's dataset directory (`arrests`, `book-ins`).
    pub slug: String,
    /// Display name ("Administrative arrests").
    pub name: String,
    /// What one row is.
    pub description: String,
    /// Where the definition comes from.
    pub source: String,
    /// Listing order.
    pub display_order: u32,
    /// Words that name the table in a title, sheet name or file name, matched against the
    /// text lower-cased with spaces, `_` and `-` removed ("ERO Administrative Arrests",
    /// "EROArrests_FY2016" both contain `arrest`).
    pub title_words: Vec<String>,
    /// Words that, present, mean the text names something else (`bookin` for detention).
    pub not_title_words: Vec<String>,
    /// The table's fields: its own, then the fields every table may hold
    /// (`data/tables/common.toml`).
    pub fields: Vec<FieldDef>,
    /// Fields that date a row, in order of preference (indexes into `fields`): the first
    /// one a row fills is its event date.
    pub event: Vec<usize>,
    /// The field naming the Area of Responsibility (its code becomes `aor`).
    pub aor: Option<usize>,
    /// The arrest-method field (its group becomes `method_group`).
    pub method: Option<usize>,
    /// The person identifier, used inside one release only.
    pub person: Option<usize>,
    /// The field naming the U.S. state the event took place in (an arrest's apprehension
    /// state): a release all of whose rows name one state is an extract of that state,
    /// and covers only the AORs lying wholly within it
    /// (`tally_catalog::ReleaseReport::extract_state`, [`crate::aor_territory`]).
    pub event_state: Option<usize>,
    /// True for a reference table: a list of things (facilities) keyed by `key`, with no
    /// event date; its releases are snapshots that cover no days.
    pub reference: bool,
    /// False for a table whose rows are not people or events about people (agencies,
    /// counties, facilities, policies): its counts are published exactly, since the
    /// small-cell rule protects people (`tally_model::disclosure`). True by default.
    pub counts_people: bool,
    /// The field identifying a row of a reference table (a facility code).
    pub key: Option<usize>,
    /// For a table of published stocks (daily headcounts), the integer field giving how
    /// many people a row stands for; `tally population` sums it, `count` counts rows.
    pub population: Option<usize>,
    /// For a reference table whose key may read `Place, State` (CIS's sanctuary map:
    /// "Suffolk County, New York"), the text field that takes the state's postal code when
    /// the text after the key's last comma is a U.S. state's name and the row leaves this
    /// field blank; the key then keeps the place alone.
    pub place_state: Option<usize>,
    /// Parts a release may hold alone.
    pub parts: Vec<PartDef>,
    /// True when ICE orders a sheet of this table by the fiscal year in which it recorded
    /// each row, so the recorded FY can be read from the sheet's FY blocks (removals; see
    /// the UW v. DHS Footnotes).
    pub recorded_fy_from_sheet_blocks: bool,
}

impl TableDef {
    /// The index of field `name` (column name).
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The field called `name`, if the table has it.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The dimension field answering to a command-line name (canonical name or alias).
    pub fn dimension_field(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| f.field_type.is_dimension() && f.answers_to(name))
    }

    /// True when some event field can carry a time of day.
    pub fn has_event_time(&self) -> bool {
        self.event
            .iter()
            .any(|&i| self.fields[i].field_type == FieldType::Datetime)
    }

    /// The fields a row must fill for the header that holds them to be this table's: the
    /// event dates, or a reference table's key.
    pub fn anchor_fields(&self) -> Vec<usize> {
        if self.reference {
            self.key.into_iter().collect()
        } else {
            self.event.clone()
        }
    }

    /// Names of the event fields, in order of preference.
    pub fn event_names(&self) -> Vec<&str> {
        self.event
            .iter()
            .map(|&i| self.fields[i].name.as_str())
            .collect()
    }
}

/// One of the table kinds of the embedded catalog: a small copyable handle.
///
/// Serialized as its slug (`"arrests"`), so manifests stay readable and stable however the
/// catalog's files are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableKind(u16);

impl TableKind {
    pub(crate) fn at(index: usize) -> TableKind {
        TableKind(index as u16)
    }

    /// Every table kind, in display order.
    pub fn all() -> Vec<TableKind> {
        (0..Catalog::embedded().tables().len())
            .map(TableKind::at)
            .collect()
    }

    /// The table's definition.
    pub fn def(self) -> &'static TableDef {
        &Catalog::embedded().tables()[self.0 as usize]
    }

    /// The name used on the command line and as the store's dataset directory.
    pub fn slug(self) -> &'static str {
        &self.def().slug
    }

    /// Parses a slug as printed by [`TableKind::slug`]; `_` reads as `-`, and the dashes
    /// may be left out (`bookins`).
    pub fn from_slug(slug: &str) -> Option<TableKind> {
        let key = slug.trim().to_ascii_lowercase().replace('_', "-");
        TableKind::all()
            .into_iter()
            .find(|t| t.slug() == key || t.slug().replace('-', "") == key)
    }

    /// Every slug, comma-separated, for messages and help.
    pub fn slugs() -> String {
        TableKind::all()
            .iter()
            .map(|t| t.slug())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The part of this table a title or sheet name announces, when it holds only part of
    /// the table (`expedited`, `other` removals); `None` for a whole table.
    pub fn part(self, text: &str) -> Option<&'static str> {
        let key = squash(text);
        self.def()
            .parts
            .iter()
            .find(|p| p.title_words.iter().any(|w| key.contains(w.as_str())))
            .map(|p| p.name.as_str())
    }

    /// Classifies a sheet title, sheet name or file name by the table words of each
    /// definition ("ERO Administrative Arrests", "ICE Initial Book Ins",
    /// "EROEncounters_FY2016"). `None` when no table or more than one matches.
    pub fn from_title(text: &str) -> Option<TableKind> {
        let key = squash(text);
        let found: Vec<TableKind> = TableKind::all()
            .into_iter()
            .filter(|t| {
                let def = t.def();
                def.title_words.iter().any(|w| key.contains(w.as_str()))
                    && !def.not_title_words.iter().any(|w| key.contains(w.as_str()))
            })
            .collect();
        match found.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// Lower-cased text without spaces, `_` and `-`, for matching table words.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

impl std::fmt::Display for TableKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl Serialize for TableKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.slug())
    }
}

impl<'de> Deserialize<'de> for TableKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TableKind, D::Error> {
        let slug = String::deserialize(d)?;
        TableKind::from_slug(&slug).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown table {slug:?} (this Tally knows {})",
                TableKind::slugs()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(slug: &str) -> TableKind {
        TableKind::from_slug(slug).expect("embedded table")
    }

    #[test]
    fn titles_from_real_releases_classify() {
        let cases = [
            ("ERO Administrative Arrests for FY2016", Some("arrests")),
            (
                "ERO Encounters for FY2019 YTD (10/1/2018 - 8/31/2019)",
                Some("encounters"),
            ),
            ("ICE Removals for FY2016", Some("removals")),
            (
                "FY2012 - FY2019 YTD (01/01/2012 - 07/06/2019) ICE Initial Book Ins for the Seattle Area of Responsibility",
                Some("book-ins"),
            ),
            ("Expedited Removals", Some("removals")),
            ("EROArrests_FY2016.pipe.csv.gz", Some("arrests")),
            ("bookins.pipe.csv.gz", Some("book-ins")),
            (
                "2025-ICLI-00019_2024-ICFO-39357_ERO Detainers_LESA-STU_FINAL Redacted.xlsx",
                Some("detainers"),
            ),
            (
                "2025-ICLI-00019_2024-ICFO-39357_ICE Detentions_LESA-STU_FINAL Redacted.xlsx",
                Some("detention-stints"),
            ),
            ("detainers_st-cloud-declined_2026-02.csv", Some("detainers")),
            (
                "dhs_sanctuary_jurisdictions_list_2025-05.pdf",
                Some("sanctuary-policies"),
            ),
            (
                "cis_sanctuary_map_cities_counties_states_2017_austinbrian.csv",
                Some("sanctuary-policies"),
            ),
            (
                "secure_communities_activation_dates_hhadah.dta",
                Some("secure-communities"),
            ),
            ("Summary", None),
        ];
        for (title, want) in cases {
            assert_eq!(TableKind::from_title(title), want.map(table), "{title}");
        }
    }

    #[test]
    fn removal_parts_from_titles_and_sheet_names() {
        let r = table("removals");
        assert_eq!(r.part("FY2012 - FY2019 YTD (01/01/2012 - 07/06/2019) ICE Expedited Removals for the Seattle Area of Responsibility"), Some("expedited"));
        assert_eq!(
            r.part("Other ICE Removals for the Seattle Area of Responsibility"),
            Some("other")
        );
        assert_eq!(r.part("Other Removals"), Some("other"));
        assert_eq!(r.part("ICE Removals for FY2016"), None);
        assert_eq!(table("arrests").part("Expedited Removals"), None);
    }

    #[test]
    fn slugs_round_trip_and_serialize_as_text() {
        for t in TableKind::all() {
            assert_eq!(TableKind::from_slug(t.slug()), Some(t));
            let json = serde_json::to_string(&t).expect("serializes");
            assert_eq!(json, format!("\"{}\"", t.slug()));
            let back: TableKind = serde_json::from_str(&json).expect("deserializes");
            assert_eq!(back, t);
        }
        assert_eq!(TableKind::from_slug("bookins"), Some(table("book-ins")));
        assert_eq!(TableKind::from_slug("people"), None);
        // In display order; tables others add as files may sit between them.
        let slugs: Vec<&str> = TableKind::all()
            .iter()
            .map(|t| t.slug())
            .filter(|s| {
                [
                    "arrests",
                    "encounters",
                    "removals",
                    "book-ins",
                    "detainers",
                    "detention-stints",
                    "detention-headcount",
                    "detention-facilities",
                    "sanctuary-policies",
                    "secure-communities",
                ]
                .contains(s)
            })
            .collect();
        assert_eq!(
            slugs,
            [
                "arrests",
                "encounters",
                "removals",
                "book-ins",
                "detainers",
                "detention-stints",
                "detention-headcount",
                "detention-facilities",
                "sanctuary-policies",
                "secure-communities"
            ]
        );
    }

    #[test]
    fn definitions_name_their_roles() {
        let arrests = table("arrests").def();
        assert_eq!(arrests.event_names(), ["apprehension_date"]);
        assert_eq!(
            arrests.aor.map(|i| arrests.fields[i].name.as_str()),
            Some("aor_name")
        );
        assert_eq!(
            arrests.dimension_field("criminality"),
            arrests.field_index("apprehension_criminality")
        );
        assert_eq!(arrests.dimension_field("unique-identifier"), None);
        assert!(arrests.has_event_time());
        let removals = table("removals").def();
        assert_eq!(removals.event_names(), ["removal_date", "departed_date"]);
        assert!(removals.method.is_none());
        // Every table carries the common fields after its own.
        for t in TableKind::all() {
            assert!(t.def().field("duplicate_likely").is_some(), "{t}");
        }
    }
}
