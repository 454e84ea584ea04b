//! Tally's publication layer. Analysis crates produce typed results with exact numbers;
//! this crate decides what of them may be published (with [`disclosure`], the small-cell
//! rule defined once in `tally-model` so that every crate that publishes a number uses
//! the same one) and returns published results that renderers print as they are.

pub mod compare;
pub mod count;
pub mod dedup;
pub mod per_capita;
pub mod population;
pub mod profile;
pub mod schemes;
pub mod stays;

pub use compare::{PublishedComparison, publish_comparison};
pub use count::{
    PublishedCount, PublishedDedupUse, PublishedGroup, publish_count, publish_count_owned,
};
pub use dedup::{DedupGroup, PublishedDedup, publish_dedup};
pub use per_capita::{PublishedRate, publish_rates};
pub use population::{PublishedPopulation, PublishedPopulationCell, publish_population};
pub use profile::{PublishedProfile, publish_profile};
pub use schemes::{PublishedSchemes, SchemeGroup, publish_schemes};
pub use stays::{PublishedStayCell, PublishedStays, publish_stays};
pub use tally_model::disclosure::{self, DEFAULT_THRESHOLD, Disclosure, Figure, thousands};
