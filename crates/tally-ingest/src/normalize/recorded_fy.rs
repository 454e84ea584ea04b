//! The fiscal year in which ICE recorded each removal, read from a sheet's FY blocks.

use chrono::NaiveDate;
use std::collections::BTreeMap;
use tally_model::fiscal::fiscal_year;

/// Infers the fiscal year in which ICE *recorded* each removal.
///
/// ICE counts a removal in the FY its case was closed, which can be after the departure
/// (UW v. DHS workbook, Footnotes: "FY Data Lag/Case Closure Lag ... the removal is
/// recorded in the month the case was closed and reported in the next FY Removals"). The
/// LESA-STU removal sheets list rows by that recorded FY, then by departed date, so a
/// recorded-FY block ends wherever the departed date steps backwards. Each block's FY is
/// the FY of its latest departed date (a lag only ever moves a removal later). The
/// Summary sheet's removal totals are by recorded FY; reconciliation uses these counts.
#[derive(Debug, Default)]
pub(crate) struct RecordedFyRuns {
    previous: Option<NaiveDate>,
    run_max: Option<NaiveDate>,
    run_rows: u64,
}

impl RecordedFyRuns {
    /// Adds the next row's date, closing the current block when the date steps back.
    pub(crate) fn push(&mut self, date: NaiveDate, into: &mut BTreeMap<i32, u64>) {
        if self.previous.is_some_and(|p| date < p) {
            self.close(into);
        }
        self.previous = Some(date);
        self.run_max = Some(self.run_max.map_or(date, |m| m.max(date)));
        self.run_rows += 1;
    }

    /// Closes the current block, adding its rows to its FY.
    pub(crate) fn close(&mut self, into: &mut BTreeMap<i32, u64>) {
        if let Some(max) = self.run_max.take() {
            *into.entry(fiscal_year(max)).or_default() += self.run_rows;
        }
        self.run_rows = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_ends_where_the_date_steps_back() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid");
        let mut runs = RecordedFyRuns::default();
        let mut by_fy = BTreeMap::new();
        // FY2018 block (latest 2018-09-30), then a FY2019 block that starts earlier.
        for date in [d(2018, 1, 5), d(2018, 9, 30), d(2018, 9, 1), d(2018, 12, 2)] {
            runs.push(date, &mut by_fy);
        }
        runs.close(&mut by_fy);
        assert_eq!(by_fy, BTreeMap::from([(2018, 2), (2019, 2)]));
    }
}
