//! The canonical tables Tally stores.

use crate::field::Field;
use serde::{Deserialize, Serialize};

/// One canonical table. Each release sheet is normalized into exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableKind {
    /// ERO administrative arrests ("apprehensions"); event date = apprehension date.
    Arrests,
    /// ERO encounters; event date = event date.
    Encounters,
    /// ICE removals (including the LESA-STU "Expedited Removals" and "Other Removals"
    /// sheets); event date = removal date, else departed date.
    Removals,
    /// ICE initial book-ins into detention; event date = book-in date.
    BookIns,
    /// I-247 detainers; event date = detainer prepare date (no such release is held yet).
    Detainers,
    /// Detention stints; event date = book-in date (no such release is held yet).
    DetentionStints,
}

impl TableKind {
    /// Every table, in display order.
    pub const ALL: [TableKind; 6] = [
        TableKind::Arrests,
        TableKind::Encounters,
        TableKind::Removals,
        TableKind::BookIns,
        TableKind::Detainers,
        TableKind::DetentionStints,
    ];

    /// The name used on the command line and as the store's dataset directory.
    pub fn slug(self) -> &'static str {
        match self {
            TableKind::Arrests => "arrests",
            TableKind::Encounters => "encounters",
            TableKind::Removals => "removals",
            TableKind::BookIns => "book-ins",
            TableKind::Detainers => "detainers",
            TableKind::DetentionStints => "detention-stints",
        }
    }

    /// Parses a slug as printed by [`TableKind::slug`]; also accepts `bookins`.
    pub fn from_slug(slug: &str) -> Option<TableKind> {
        let key = slug.trim().to_ascii_lowercase().replace('_', "-");
        TableKind::ALL
            .into_iter()
            .find(|t| t.slug() == key || t.slug().replace('-', "") == key)
    }

    /// Canonical fields holding the event date, in order of preference: the first
    /// non-empty one dates the row. Sources: 2019-ICFO-53623 column names; UW v. DHS
    /// LESA-STU workbook (removals dated by Departed Date); DOMAIN.md section 2.
    pub fn event_date_fields(self) -> &'static [Field] {
        match self {
            TableKind::Arrests => &[Field::ApprehensionDate],
            TableKind::Encounters => &[Field::EncounterDate],
            TableKind::Removals => &[Field::RemovalDate, Field::DepartedDate],
            TableKind::BookIns | TableKind::DetentionStints => &[Field::BookInDate],
            TableKind::Detainers => &[Field::DetainerPrepareDate],
        }
    }

    /// The part of this table a title or sheet name announces, when it holds only part of
    /// the table: `expedited` for "ICE Expedited Removals" and `other` for "Other ICE
    /// Removals" / "Other Removals". The UW v. DHS LESA-STU Footnotes define them:
    /// expedited removals have case category 8F, 8G, 8H or 8I, other removals are the rest.
    /// `None` for a whole table.
    pub fn part(self, text: &str) -> Option<&'static str> {
        if self != TableKind::Removals {
            return None;
        }
        let key = text.to_ascii_lowercase().replace(['_', '-'], " ");
        if key.contains("expedited removal") {
            Some("expedited")
        } else if key.contains("other") && key.contains("removal") {
            Some("other")
        } else {
            None
        }
    }

    /// Classifies a sheet title, sheet name or file name by the table words ICE uses
    /// ("ERO Administrative Arrests", "ICE Initial Book Ins", "ICE Expedited Removals",
    /// "EROEncounters_FY2016"). Returns `None` when no word or more than one kind matches.
    pub fn from_title(text: &str) -> Option<TableKind> {
        let key = text.to_ascii_lowercase().replace(['_', '-'], " ");
        let squashed = key.replace(' ', "");
        let mut found: Vec<TableKind> = Vec::new();
        let mut note = |kind: TableKind| {
            if !found.contains(&kind) {
                found.push(kind)
            }
        };
        if squashed.contains("bookin") {
            note(TableKind::BookIns);
        }
        if squashed.contains("arrest") || squashed.contains("apprehension") {
            note(TableKind::Arrests);
        }
        if squashed.contains("encounter") {
            note(TableKind::Encounters);
        }
        if squashed.contains("removal") {
            note(TableKind::Removals);
        }
        if squashed.contains("detainer") {
            note(TableKind::Detainers);
        }
        if squashed.contains("detention") && !squashed.contains("bookin") {
            note(TableKind::DetentionStints);
        }
        if found.len() == 1 { found.pop() } else { None }
    }
}

impl std::fmt::Display for TableKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_real_releases_classify() {
        let cases = [
            (
                "ERO Administrative Arrests for FY2016",
                Some(TableKind::Arrests),
            ),
            (
                "ERO Encounters for FY2019 YTD (10/1/2018 - 8/31/2019)",
                Some(TableKind::Encounters),
            ),
            ("ICE Removals for FY2016", Some(TableKind::Removals)),
            (
                "FY2012 - FY2019 YTD (01/01/2012 - 07/06/2019) ICE Initial Book Ins for the Seattle Area of Responsibility",
                Some(TableKind::BookIns),
            ),
            ("Expedited Removals", Some(TableKind::Removals)),
            ("EROArrests_FY2016.pipe.csv.gz", Some(TableKind::Arrests)),
            ("bookins.pipe.csv.gz", Some(TableKind::BookIns)),
            ("Summary", None),
        ];
        for (title, want) in cases {
            assert_eq!(TableKind::from_title(title), want, "{title}");
        }
    }

    #[test]
    fn removal_parts_from_titles_and_sheet_names() {
        let r = TableKind::Removals;
        assert_eq!(r.part("FY2012 - FY2019 YTD (01/01/2012 - 07/06/2019) ICE Expedited Removals for the Seattle Area of Responsibility"), Some("expedited"));
        assert_eq!(
            r.part("Other ICE Removals for the Seattle Area of Responsibility"),
            Some("other")
        );
        assert_eq!(r.part("Other Removals"), Some("other"));
        assert_eq!(r.part("ICE Removals for FY2016"), None);
        assert_eq!(TableKind::Arrests.part("Expedited Removals"), None);
    }

    #[test]
    fn slugs_round_trip() {
        for t in TableKind::ALL {
            assert_eq!(TableKind::from_slug(t.slug()), Some(t));
        }
        assert_eq!(TableKind::from_slug("bookins"), Some(TableKind::BookIns));
        assert_eq!(TableKind::from_slug("people"), None);
    }
}
