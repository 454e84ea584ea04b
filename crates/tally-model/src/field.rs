//! Canonical fields: the columns of Tally's tables that come from release cells.

use serde::{Deserialize, Serialize};

/// How a canonical field's cells are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A calendar date (Excel date, Excel serial number or text date), stored as Arrow Date32.
    Date,
    /// Text, trimmed, stored as Arrow Utf8.
    Text,
}

macro_rules! fields {
    ($($variant:ident => $name:literal, $ty:ident, $doc:literal;)*) => {
        /// A canonical field. Its [`Field::name`] is the Parquet column name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Field {
            $(#[doc = $doc] $variant,)*
        }

        impl Field {
            /// Every canonical field, in the store's column order.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The Parquet column name (snake_case).
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }

            /// How cells of this field are parsed.
            pub fn field_type(self) -> FieldType {
                match self { $(Field::$variant => FieldType::$ty,)* }
            }

            /// One-line description for documentation and `--help`.
            pub fn description(self) -> &'static str {
                match self { $(Field::$variant => $doc,)* }
            }
        }
    };
}

fields! {
    AorName => "aor_name", Text, "Area of Responsibility exactly as the release spells it (\"Chicago Area of Responsibility\"), or as its banner title names it.";
    ApprehensionDate => "apprehension_date", Date, "Apprehension (arrest) date.";
    EncounterDate => "encounter_date", Date, "Encounter event date.";
    DepartedDate => "departed_date", Date, "Date the person departed the United States (removals).";
    RemovalDate => "removal_date", Date, "Removal date (removals).";
    BookInDate => "book_in_date", Date, "Initial book-in date (book-ins, detention stints).";
    DetainerPrepareDate => "detainer_prepare_date", Date, "Detainer prepare date (detainers).";
    BirthDate => "birth_date", Date, "Birth date: withheld in every release held; kept only as a withheld marker.";
    ApprehensionMethod => "apprehension_method", Text, "Apprehension (arrest) method as released, e.g. \"CAP Local Incarceration\".";
    Landmark => "landmark", Text, "Apprehension or event landmark (semi-structured text, often an office or program).";
    Operation => "operation", Text, "Operation name (mostly empty or withheld).";
    ProcessingDisposition => "processing_disposition", Text, "Processing disposition: a label in arrests and encounters, a short code (REINST, ADMDPT) in removals.";
    Citizenship => "citizenship", Text, "Country of citizenship.";
    Gender => "gender", Text, "Gender as released.";
    CaseCategory => "case_category", Text, "Case category, e.g. \"[8F] Expedited Removal\".";
    MostSeriousConviction => "most_serious_conviction", Text, "Most serious conviction.";
    DetentionFacility => "detention_facility", Text, "Detention facility name.";
    EventNumber => "event_number", Text, "Event number (withheld in every release held).";
    ThreatLevel => "threat_level", Text, "RC threat level (removals).";
    FinalChargeSection => "final_charge_section", Text, "Final charge section of law (removals).";
}

impl Field {
    /// Finds a field by its column name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
