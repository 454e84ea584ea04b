//! Counting over Tally's store.
//!
//! [`dimension`] names what a count can be grouped and filtered by; [`precedence`] decides
//! which release counts for each (table, AOR, day) when releases overlap; [`count`] is the
//! group-by kernel over Arrow columns.

pub mod compare;
pub mod count;
pub mod coverage;
pub mod dedup;
pub mod dimension;
pub mod facility;
pub mod par;
pub mod population;
pub mod precedence;
pub mod profile;
pub mod stays;

pub use compare::{Comparison, compare_releases};
pub use count::{CountQuery, CountResult, ReleaseUse, count};
pub use coverage::CoverageMap;
pub use dimension::Dimension;
pub use facility::{FacilityDirectory, FacilityPlace};
pub use population::{
    PopulationDimension, PopulationMeasure, PopulationQuery, PopulationResult, population,
};
pub use precedence::{Decision, Overlap, Precedence};
pub use profile::{FieldProfile, profile_fields};

/// Query failures.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Store(#[from] tally_store::StoreError),
    #[error("{0}")]
    Invalid(String),
}
