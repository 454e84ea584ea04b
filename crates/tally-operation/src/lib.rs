//! Measuring an enforcement operation against a baseline.
//!
//! An operation is a TOML file ([`spec`]): treated AORs, a window, baselines (by default
//! the same calendar window in each of the 3 preceding years) and comparison AORs (by
//! default every other AOR with data, HQ excluded). [`run`] checks coverage, counts the
//! table by AOR, day and method group with one `tally count` query, fits the Poisson
//! difference-in-differences model of [`estimate`] per method group and in total, and
//! builds the weekly series and caveats. [`render`] prints it as text or Markdown,
//! [`chart`] draws SVG charts and [`report`] writes a self-contained HTML report.

pub mod chart;
pub mod coverage;
pub mod daily;
pub mod estimate;
pub mod render;
pub mod report;
pub mod run;
pub mod series;
pub mod spec;

pub use run::{OperationResult, RunError, run_operation};
pub use spec::{Operation, SpecError, Window};
