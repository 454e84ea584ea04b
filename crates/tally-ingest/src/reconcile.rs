//! Reconciliation of a workbook's Summary totals with the rows ingested.

use tally_catalog::{ReleaseReport, SummaryCheck, UnmatchedSummary};
use tally_model::TableKind;
use tally_model::text::lookup_key;

/// Compares every Summary figure with the kept rows of the data sheets it describes, per FY.
///
/// A Summary column named like a data sheet ("Expedited Removals") is compared with that
/// sheet. A "Total" column is compared with the data sheets whose banner title equals the
/// block title, else with every data sheet of the table the block title names (so the
/// removals block's Total is Expedited + Other Removals). FYs are those of each row's
/// event date, except tables whose definition says ICE totals them by the FY it recorded
/// each row in (removals; `SheetReport::rows_by_recorded_fy`).
pub fn reconcile_summary(report: &mut ReleaseReport) {
    let mut checks = Vec::new();
    let mut unmatched = Vec::new();
    for block in &report.summary_blocks {
        let kind = TableKind::from_title(&block.title);
        for (ci, column) in block.columns.iter().enumerate() {
            let key = lookup_key(column);
            let by_name: Vec<usize> = (0..report.sheets.len())
                .filter(|&i| lookup_key(&report.sheets[i].sheet) == key)
                .collect();
            let sheets: Vec<usize> = if !by_name.is_empty() {
                by_name
            } else if key == "total" {
                let by_title: Vec<usize> = (0..report.sheets.len())
                    .filter(|&i| {
                        report.sheets[i].banner.title.as_deref() == Some(block.title.as_str())
                    })
                    .collect();
                if by_title.is_empty() {
                    (0..report.sheets.len())
                        .filter(|&i| Some(report.sheets[i].table) == kind)
                        .collect()
                } else {
                    by_title
                }
            } else {
                Vec::new()
            };
            if sheets.is_empty() {
                let figures: Vec<i64> = block
                    .rows
                    .iter()
                    .filter_map(|(_, _, _, values)| values.get(ci).copied().flatten())
                    .collect();
                unmatched.push(UnmatchedSummary {
                    block_title: block.title.clone(),
                    column: column.clone(),
                    reason: "no data sheet of this workbook matches the column or the block title"
                        .into(),
                    figures: figures.len() as u64,
                    rows: figures.iter().sum(),
                });
                continue;
            }
            for (label, fy, row, values) in &block.rows {
                let Some(total) = values.get(ci).copied().flatten() else {
                    continue;
                };
                let ingested: u64 = sheets
                    .iter()
                    .map(|&i| {
                        let sheet = &report.sheets[i];
                        let by_fy = if sheet.table.def().recorded_fy_from_sheet_blocks {
                            &sheet.rows_by_recorded_fy
                        } else {
                            &sheet.rows_by_fy
                        };
                        by_fy.get(fy).copied().unwrap_or(0)
                    })
                    .sum();
                checks.push(SummaryCheck {
                    block_title: block.title.clone(),
                    column: column.clone(),
                    fy_label: label.clone(),
                    fy: *fy,
                    summary_row: *row,
                    summary_total: total,
                    sheets: sheets
                        .iter()
                        .map(|&i| report.sheets[i].sheet.clone())
                        .collect(),
                    ingested: ingested as i64,
                });
            }
        }
    }
    report.summary_checks = checks;
    report.unmatched_summary = unmatched;
}
