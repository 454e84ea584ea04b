//! A workbook's own Summary sheet: stacked per-FY tables of totals (LESA-STU layout).
//!
//! Layout seen in the UW v. DHS workbook: banner rows, then for each block a title row
//! ("FY2012 - FY2019 YTD (...) ERO Administrative Arrests for the Seattle Area of
//! Responsibility"), a header row starting with "Fiscal Year" ("Total", or "Expedited
//! Removals | Other Removals | Total"), and one row per FY ("FY2012" ... "FY2019 YTD").
//! Formula cells (`=SUM(B30:C30)`) are read by their cached values.

use crate::cell::CellValue;
pub use tally_catalog::SummaryBlock;
use tally_model::fiscal::parse_fiscal_year_label;
use tally_model::text::lookup_key;

/// True when a row starts with a "Fiscal Year" header cell.
pub fn is_fiscal_year_header(cells: &[CellValue<'_>]) -> bool {
    cells
        .iter()
        .find(|c| !c.is_blank())
        .is_some_and(|c| lookup_key(&c.to_text()) == "fiscal year")
}

/// Reads the blocks of a Summary sheet from its rows (`(1-based row, cells)`).
pub fn read_summary_blocks(rows: &[(u64, Vec<CellValue<'_>>)]) -> Vec<SummaryBlock> {
    let mut blocks = Vec::new();
    let mut last_title: Option<String> = None;
    let mut current: Option<SummaryBlock> = None;
    for (row, cells) in rows {
        let non_blank: Vec<&CellValue<'_>> = cells.iter().filter(|c| !c.is_blank()).collect();
        if non_blank.is_empty() {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            continue;
        }
        if is_fiscal_year_header(cells) {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            let first = cells.iter().position(|c| !c.is_blank()).unwrap_or(0);
            let columns = cells[first + 1..]
                .iter()
                .map(|c| c.to_text().trim().to_string())
                .take_while(|c| !c.is_empty())
                .collect();
            current = Some(SummaryBlock {
                title: last_title.clone().unwrap_or_default(),
                columns,
                rows: Vec::new(),
            });
            continue;
        }
        let first_text = non_blank[0].to_text().trim().to_string();
        match (&mut current, parse_fiscal_year_label(&first_text)) {
            (Some(block), Some(fy)) => {
                let first = cells.iter().position(|c| !c.is_blank()).unwrap_or(0);
                let values = (0..block.columns.len())
                    .map(|i| match cells.get(first + 1 + i) {
                        Some(CellValue::Number(n)) if n.fract() == 0.0 => Some(*n as i64),
                        Some(CellValue::Text(t)) => t.trim().replace(',', "").parse().ok(),
                        _ => None,
                    })
                    .collect();
                block.rows.push((first_text, fy, *row, values));
            }
            _ => {
                if let Some(b) = current.take() {
                    blocks.push(b);
                }
                if non_blank.len() == 1 {
                    last_title = Some(first_text);
                }
            }
        }
    }
    if let Some(b) = current.take() {
        blocks.push(b);
    }
    blocks
}
