//! Tally's canonical domain model, as data.
//!
//! Everything here is vocabulary loaded from files under `data/`, embedded at build time,
//! each row with its source, so a new release's quirks are a data change, not a code
//! change: the table definitions (`data/tables/*.toml`: each table's fields with types,
//! descriptions and sources, its event date, AOR, method and person fields; see
//! [`TableDef`]), the column crosswalk per table ([`ColumnCrosswalk`]), the placeholders
//! that mean "no value" ([`MissingValues`]), Area of Responsibility codes
//! ([`AorCrosswalk`]), how an apprehension method groups into custodial / at-large /
//! border / other ([`MethodGroups`]), FOIA exemption markers ([`withheld`]), fiscal years
//! ([`fiscal`]) and date parsing ([`date`]).
//!
//! ```
//! use tally_model::{AorCrosswalk, MethodGroups, MethodGroup, TableKind};
//! let aors = AorCrosswalk::embedded();
//! assert_eq!(aors.code_for("Chicago Area of Responsibility"), Some("CHI"));
//! let groups = MethodGroups::embedded();
//! assert_eq!(groups.group_of("Non-Custodial Arrest"), MethodGroup::AtLarge);
//! let arrests = TableKind::from_slug("arrests").unwrap();
//! assert!(arrests.def().dimension_field("criminality").is_some());
//! ```

pub mod aor;
pub mod aor_territory;
pub mod catalog;
pub mod crosswalk;
pub mod date;
pub mod dedup;
pub mod disclosure;
pub mod field;
pub mod fiscal;
pub mod method_group;
pub mod missing;
pub mod scheme;
pub mod states;
pub mod table;
pub mod text;
pub mod withheld;

pub use aor::AorCrosswalk;
pub use catalog::{Catalog, DERIVED_DIMENSIONS};
pub use crosswalk::{ColumnCrosswalk, ColumnMatch, HeaderMatch};
pub use dedup::{DedupKind, DedupRule, dedup_rule, dedup_rule_names, dedup_rules};
pub use disclosure::{Disclosure, Figure};
pub use field::{FieldDef, FieldType};
pub use method_group::{MethodGroup, MethodGroups};
pub use missing::MissingValues;
pub use scheme::{GroupingScheme, default_scheme, scheme, scheme_names, schemes};
pub use table::{PartDef, TableDef, TableKind};

/// An embedded vocabulary file failed to load (a build-time data defect, reported with
/// the file name and 1-based line; line 0 when the defect is not on one line).
#[derive(Debug, thiserror::Error)]
#[error("vocabulary file {file}, line {line}: {message}")]
pub struct VocabularyError {
    /// Embedded file name.
    pub file: &'static str,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}
