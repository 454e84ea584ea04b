//! Counting over Tally's store.
//!
//! [`dimension`] names what a count can be grouped and filtered by; [`precedence`] decides
//! which release counts for each (table, AOR, day) when releases overlap; [`count`] is the
//! group-by kernel over Arrow columns; [`sql`] writes the same count as one SQL query for
//! DuckDB or Spark over the store's Parquet files.

pub mod compare;
pub mod count;
pub mod coverage;
pub mod dedup;
pub mod dimension;
pub mod facility;
pub mod jurisdiction;
pub mod par;
pub mod population;
pub mod precedence;
pub mod profile;
pub mod reference;
mod scratch;
pub mod sql;
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

/// The releases of `store` holding rows of `table`, in ingest order.
pub fn releases_holding(
    store: &tally_store::Store,
    table: tally_model::TableKind,
) -> Vec<&tally_store::ReleaseEntry> {
    store
        .manifest()
        .releases
        .iter()
        .filter(|r| r.files.iter().any(|f| f.table == Some(table)))
        .collect()
}

/// The value named `key` among `all` (value, name) pairs, or an error listing the names
/// (`what` says what was looked for: "population dimension").
pub(crate) fn named<D: Copy>(
    all: &[(D, &'static str)],
    key: &str,
    what: &str,
) -> Result<D, QueryError> {
    all.iter()
        .find(|(_, n)| *n == key)
        .map(|(d, _)| *d)
        .ok_or_else(|| {
            QueryError::Invalid(format!(
                "unknown {what} {key:?}; expected one of {}",
                all.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
            ))
        })
}
