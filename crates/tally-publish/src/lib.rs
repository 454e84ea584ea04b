//! Tally's publication layer. Analysis crates produce typed results with exact numbers;
//! this crate decides what of them may be published ([`disclosure`]: the small-cell rule,
//! defined once) and returns published results that renderers print as they are. Nothing
//! that prints a number applies the rule itself.

pub mod count;
pub mod disclosure;

pub use count::{PublishedCount, PublishedGroup, publish_count};
pub use disclosure::{DEFAULT_THRESHOLD, Disclosure, Figure, thousands};
