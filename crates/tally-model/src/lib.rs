//! Tally's canonical domain model.
//!
//! Everything here is vocabulary: which tables exist ([`TableKind`]), which canonical
//! fields a release column maps to ([`Field`], [`ColumnCrosswalk`]), how an Area of
//! Responsibility long name becomes a code ([`AorCrosswalk`]), how an apprehension method
//! groups into custodial / at-large / border / other ([`MethodGroups`]), how FOIA
//! exemption markers are recognized ([`withheld`]), fiscal years ([`fiscal`]) and date
//! parsing ([`date`]). The crosswalks are CSV files under `data/` with a source column,
//! embedded at build time, so a new release's quirks are a data change, not a code change.
//!
//! ```
//! use tally_model::{AorCrosswalk, MethodGroups, MethodGroup};
//! let aors = AorCrosswalk::embedded();
//! assert_eq!(aors.code_for("Chicago Area of Responsibility"), Some("CHI"));
//! let groups = MethodGroups::embedded();
//! assert_eq!(groups.group_of("Non-Custodial Arrest"), MethodGroup::AtLarge);
//! ```

pub mod aor;
pub mod crosswalk;
pub mod date;
pub mod field;
pub mod fiscal;
pub mod method_group;
pub mod table;
pub mod text;
pub mod withheld;

pub use aor::AorCrosswalk;
pub use crosswalk::ColumnCrosswalk;
pub use field::{Field, FieldType};
pub use method_group::{MethodGroup, MethodGroups};
pub use table::TableKind;

/// An embedded vocabulary file failed to load (a build-time data defect, reported with
/// the file name and 1-based line).
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
