//! The policy layer: counties and their AORs, 287(g) agreements placed in counties,
//! snapshots compared, and the policies in force in a place on a date.
//!
//! Everything here reads reference tables of the store (`county-aor`, `287g-agreements`,
//! `287g-pending`, `sanctuary-policies`, `secure-communities`, `aor-population`), each
//! row keeping the release and source row it came from.

pub mod agreements;
pub mod counties;
pub mod diff;
pub mod exposure;
pub mod landmark;
pub mod landmark_report;
pub mod policies;
pub mod policy_count;
pub mod population;
pub mod timeline;

pub use agreements::{Agreement, Snapshot, read_snapshot, snapshot_date};
pub use counties::{County, CountyDirectory, county_key};
pub use diff::{SnapshotDiff, diff};
pub use exposure::{AorExposure, aor_exposure};
pub use landmark::{LandmarkPlace, place_landmark};
pub use landmark_report::{PlaceReport, PlaceShare, place_report};
pub use policies::{PoliciesOn, PolicyFamily, PolicyPlace, policies_on};
pub use population::{AorPopulation, PerCapita, Rate};
pub use timeline::PolicyTimeline;
