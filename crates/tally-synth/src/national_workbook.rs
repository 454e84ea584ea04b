//! SYNTHETIC arrests at scale in the 2025 raw workbook layout (FOIA 2025-ICLI-00019 /
//! 2024-ICFO-39357; see [`crate::modern`] and DOMAIN.md section 1): one workbook whose
//! sheets each hold six banner rows, the header on row 7 and up to a sheet's row limit of
//! data below it, the table continuing on the next sheet wherever the count falls (inside
//! a day). The days, AORs, methods per AOR, citizenship and gender are drawn as
//! [`crate::national`] draws them, from the marginals fitted from the national files, so
//! the two layouts of one seed hold the same arrests; the 2025 layout's other columns
//! (criminality, case status, identifiers, ...) take invented values, since the national
//! files have none to fit. Rows are written as they are drawn, to worksheets in
//! rust_xlsxwriter's constant-memory mode, so memory stays flat as N grows.

use crate::marginals::Marginals;
use crate::national::{
    ArrestFile, ArrestFileKind, LAST_FY, Model, NationalOptions, Plan, date, day_rng,
    default_years, fiscal_year,
};
use crate::{Rng, SynthError};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use std::collections::BTreeMap;
use std::path::Path;

/// Excel's rows per sheet.
pub const EXCEL_ROWS: u32 = 1_048_576;
/// Rows above the data on each sheet: six banner rows and the header.
const ABOVE_DATA: u32 = 7;
/// The most data rows a sheet of the 2025 layout holds.
pub const SHEET_DATA_ROWS: u64 = (EXCEL_ROWS - ABOVE_DATA) as u64;

/// The 2025 layout's arrests columns, as released (DOMAIN.md section 2).
const HEADER: [&str; 25] = [
    "Apprehension Date",
    "Apprehension Type",
    "State",
    "County",
    "TOA Current Duty AOR",
    "Apprehension Final Program",
    "Arresting Agency",
    "Apprehension Method",
    "Apprehension Criminality",
    "Case Status",
    "Case Category",
    "Departure Country",
    "Departed Date",
    "Final Order Yes No",
    "Final Order Date",
    "Birth Date",
    "Birth Year",
    "Citizenship Country",
    "Gender",
    "Apprehension Site Landmark",
    "Operation",
    "TOA Current Duty Site",
    "Case Criminality",
    "Case Threat Level",
    "Anonymized Identifier",
];

/// Criminality values and their invented shares (per mille).
const CRIMINALITY: [(&str, u64); 3] = [
    ("1 Convicted Criminal", 450),
    ("2 Pending Criminal Charges", 250),
    ("3 Other Immigration Violator", 300),
];
const PROGRAM: [&str; 2] = ["Fugitive Operations", "ERO Criminal Alien Program"];
const STATUS: [&str; 2] = ["ACTIVE", "8-Excluded/Removed - Inadmissibility"];
const CATEGORY: [&str; 2] = ["[16] Reinstated Final Order", "[8F] Expedited Removal"];
const WITHHELD: &str = "(b)(6), (b)(7)(c)";

/// Excel's serial day number of `day` (days since 1899-12-30).
fn serial(day: NaiveDate) -> f64 {
    (day - date(1899, 12, 30)).num_days() as f64
}

/// The workbook being written: its sheets, filled in order.
struct Book {
    workbook: Workbook,
    title: String,
    seed: u64,
    rows_per_sheet: u64,
    /// Data rows on the current sheet, and sheets so far.
    on_sheet: u64,
    sheets: usize,
}

impl Book {
    /// The sheet to write the next row on: a new one, with its banner and header, when
    /// the current one is full.
    fn sheet(&mut self) -> Result<(&mut Worksheet, u32), rust_xlsxwriter::XlsxError> {
        if self.sheets == 0 || self.on_sheet == self.rows_per_sheet {
            self.sheets += 1;
            self.on_sheet = 0;
            let sheet = self.workbook.add_worksheet_with_constant_memory()?;
            sheet.set_name(format!("Sheet{}", self.sheets))?;
            let banner = [
                "U.S. Immigration and Customs Enforcement (SYNTHETIC DATA - NOT REAL)".to_string(),
                "ERO-LESA Statistical Tracking Unit".to_string(),
                "FOIA 0000-SYNT-00025".to_string(),
                self.title.clone(),
                format!(
                    "SYNTHETIC DATA - NOT REAL: written by tally synth (seed {}) from fitted marginals; these records describe no one",
                    self.seed
                ),
            ];
            for (r, line) in banner.iter().enumerate() {
                sheet.write_string(r as u32, 0, line)?;
            }
            for (c, header) in HEADER.iter().enumerate() {
                sheet.write_string(ABOVE_DATA - 1, c as u16, *header)?;
            }
        }
        let row = ABOVE_DATA + self.on_sheet as u32;
        self.on_sheet += 1;
        let sheet = self.workbook.worksheets_mut().last_mut().ok_or(
            rust_xlsxwriter::XlsxError::ParameterError("no sheet".into()),
        )?;
        Ok((sheet, row))
    }
}

/// Writes `options.rows` SYNTHETIC arrests (the fiscal years of `options`, as
/// [`crate::write_national_arrests_set`] draws them) into one workbook of the 2025 layout
/// in `dir`, at most `rows_per_sheet` data rows a sheet (at most [`SHEET_DATA_ROWS`]).
/// `options.overlap` and `options.jobs` do not apply.
///
/// # Errors
/// A file that cannot be written.
pub fn write_workbook_arrests(
    dir: &Path,
    options: &NationalOptions,
    rows_per_sheet: u64,
) -> Result<ArrestFile, SynthError> {
    std::fs::create_dir_all(dir).map_err(|e| SynthError::Io(dir.into(), e))?;
    let marginals = Marginals::embedded();
    let years = options
        .years
        .unwrap_or_else(|| default_years(options.rows))
        .clamp(1, crate::national::MAX_YEARS);
    let model = Model::new(&marginals);
    let plan = Plan::new(&marginals, options.seed, options.rows, years);
    let first = plan.days.first().map_or(date(LAST_FY, 8, 31), |d| d.0);
    let last = plan.days.last().map_or(date(LAST_FY, 8, 31), |d| d.0);
    let title = format!(
        "ERO Administrative Arrests ({} - {})",
        first.format("%-m/%-d/%Y"),
        last.format("%-m/%-d/%Y")
    );
    let path = dir.join(format!(
        "SYNTHETIC_2025-ICLI-00019_ERO Admin Arrests_FY{}-FY{}_LESA-STU_FINAL Redacted.xlsx",
        fiscal_year(first),
        fiscal_year(last)
    ));
    let xerr = |e| SynthError::Xlsx(path.clone(), e);
    let mut workbook = Workbook::new();
    workbook.set_tempdir(dir).map_err(xerr)?;
    let mut book = Book {
        workbook,
        title: title.clone(),
        seed: options.seed,
        rows_per_sheet: rows_per_sheet.clamp(1, SHEET_DATA_ROWS),
        on_sheet: 0,
        sheets: 0,
    };
    let datetime = Format::new().set_num_format("m/d/yyyy h:mm:ss");
    let date_format = Format::new().set_num_format("m/d/yyyy");
    let mut rows = 0u64;
    let mut by_fy: BTreeMap<i32, u64> = BTreeMap::new();
    let mut by_aor = vec![0u64; model.aors.len()];
    for &(day, n) in &plan.days {
        // The national draw for the day, so both layouts of a seed hold the same arrests;
        // the 2025 layout's own columns from a stream of their own.
        let mut rng = day_rng(options.seed, day, 0);
        let mut own = day_rng(options.seed, day, 5);
        let fy = fiscal_year(day);
        for _ in 0..n {
            let drawn = model.draw(&mut rng);
            let (sheet, r) = book.sheet().map_err(xerr)?;
            write_row(
                sheet,
                r,
                &model,
                &drawn,
                day,
                &mut own,
                &datetime,
                &date_format,
            )
            .map_err(xerr)?;
            rows += 1;
            *by_fy.entry(fy).or_default() += 1;
            by_aor[drawn.aor] += 1;
        }
    }
    if book.sheets == 0 {
        book.sheet().map_err(xerr)?;
    }
    book.workbook.save(&path).map_err(xerr)?;
    let bytes = std::fs::metadata(&path)
        .map_err(|e| SynthError::Io(path.clone(), e))?
        .len();
    Ok(ArrestFile {
        path,
        kind: ArrestFileKind::Workbook,
        title,
        period: (first, last),
        rows,
        rows_by_fy: by_fy,
        rows_by_aor: model
            .aors
            .iter()
            .zip(&by_aor)
            .filter(|(_, n)| **n > 0)
            .map(|(a, n)| (a.clone(), *n))
            .collect(),
        bytes,
    })
}

/// Writes one drawn arrest as row `r` of `sheet`.
#[allow(clippy::too_many_arguments)]
fn write_row(
    sheet: &mut Worksheet,
    r: u32,
    model: &Model,
    drawn: &crate::national::Row,
    day: NaiveDate,
    rng: &mut Rng,
    datetime: &Format,
    date_format: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    // Office hours mostly, to the second.
    let seconds = (6 * 3600 + rng.below(14 * 3600)) as f64;
    sheet.write_number_with_format(r, 0, serial(day) + seconds / 86_400.0, datetime)?;
    sheet.write_string(r, 1, *rng.pick(&["Targeted", "Collateral"]))?;
    sheet.write_string(r, 2, *rng.pick(&["ILLINOIS", "WASHINGTON", "TEXAS"]))?;
    sheet.write_string(r, 3, *rng.pick(&["COOK", "KING", "HARRIS"]))?;
    sheet.write_string(r, 4, &model.aors[drawn.aor])?;
    sheet.write_string(r, 5, *rng.pick(&PROGRAM))?;
    sheet.write_string(r, 6, "ICE")?;
    sheet.write_string(r, 7, &model.method_names[drawn.method])?;
    let mut pick = rng.below(1000);
    let criminality = CRIMINALITY
        .iter()
        .find(|(_, share)| {
            let hit = pick < *share;
            pick = pick.saturating_sub(*share);
            hit
        })
        .map_or(CRIMINALITY[2].0, |(c, _)| *c);
    sheet.write_string(r, 8, criminality)?;
    sheet.write_string(r, 9, *rng.pick(&STATUS))?;
    sheet.write_string(r, 10, *rng.pick(&CATEGORY))?;
    let citizenship = &model.citizenship_names[drawn.citizenship];
    if rng.below(3) == 0 {
        sheet.write_string(r, 11, citizenship)?;
        sheet.write_number_with_format(
            r,
            12,
            serial(day) + 1.0 + rng.below(200) as f64,
            date_format,
        )?;
    }
    let final_order = rng.below(2) == 0;
    sheet.write_string(r, 13, if final_order { "YES" } else { "NO" })?;
    if final_order {
        sheet.write_number_with_format(r, 14, serial(day) - rng.below(400) as f64, date_format)?;
    }
    sheet.write_string(r, 15, WITHHELD)?;
    sheet.write_number(r, 16, (1950 + rng.below(55)) as f64)?;
    sheet.write_string(r, 17, citizenship)?;
    sheet.write_string(r, 18, &model.gender_names[drawn.gender])?;
    sheet.write_string(
        r,
        19,
        *rng.pick(&["SYNTHETIC FUG OPS", "SYNTHETIC COUNTY JAIL"]),
    )?;
    sheet.write_string(r, 20, WITHHELD)?;
    sheet.write_string(r, 21, "SYNTHETIC DOCKET CONTROL OFFICE")?;
    sheet.write_string(r, 22, criminality)?;
    sheet.write_string(r, 23, *rng.pick(&["1", "2", "3"]))?;
    let id = format!(
        "{:016x}{:016x}{:08x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.below(u32::MAX as u64)
    );
    sheet.write_string(r, 24, &id)?;
    Ok(())
}
