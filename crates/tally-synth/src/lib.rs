//! SYNTHETIC releases in the real raw layouts, for `tally demo` and tests.
//!
//! Nothing here is real data: every record is drawn from a fixed-seed generator. The
//! layouts copy ICE's: a LESA-STU style workbook (banner rows above the header, a Summary
//! sheet of stacked FY tables, data sheets, a Footnotes sheet; real Excel dates; withheld
//! cells spelled `(b)(6),(b)(7)c)`) and a national pipe-delimited dump (five banner lines,
//! header on line 6, M/D/YYYY text dates, `(B)(6);(B)(7)(C) ` markers with a trailing space).
//! Every banner says SYNTHETIC.

pub mod marginals;
pub mod modern;
pub mod national;
pub mod national_workbook;
pub mod stints;

pub use modern::{
    ModernOptions, ModernRelease, ModernRow, PlantedDuplicates, modern_tables, write_modern_release,
};
pub use national::{
    ArrestFile, ArrestFileKind, NationalOptions, NationalSet, Overlap, write_national_arrests_set,
};
pub use national_workbook::{SHEET_DATA_ROWS, write_workbook_arrests};
pub use stints::{
    PlantedStints, StintFormat, StintOptions, StintRelease, SynthStay, SynthStint, generate_stints,
    synthetic_facilities, write_stint_release,
};

use chrono::{Days, NaiveDate};
use rust_xlsxwriter::{Format, Workbook};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Failures writing synthetic files.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: {1}")]
    Xlsx(PathBuf, rust_xlsxwriter::XlsxError),
}

/// A small deterministic generator (SplitMix64), so output is identical on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Arrest methods with weights, roughly the national FY2016-FY2019 mix.
pub const METHODS: [(&str, u64); 8] = [
    ("CAP Local Incarceration", 40),
    ("CAP Federal Incarceration", 15),
    ("Located", 12),
    ("Non-Custodial Arrest", 11),
    ("CAP State Incarceration", 8),
    ("287(g) Program", 5),
    ("Probation and Parole", 3),
    ("ERO Reprocessed Arrest", 6),
];

const COUNTRIES: [&str; 6] = [
    "MEXICO",
    "GUATEMALA",
    "HONDURAS",
    "EL SALVADOR",
    "INDIA",
    "CHINA, PEOPLES REPUBLIC OF",
];

fn weighted_method(rng: &mut Rng) -> &'static str {
    let total: u64 = METHODS.iter().map(|(_, w)| w).sum();
    let mut x = rng.below(total);
    for (m, w) in METHODS {
        if x < w {
            return m;
        }
        x -= w;
    }
    METHODS[0].0
}

/// One synthetic arrest record.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticArrest {
    pub aor_name: String,
    pub date: NaiveDate,
    pub method: String,
    pub citizenship: String,
    pub gender: String,
}

/// Generates arrests for `aor_names` over `first..=last`, about `per_day` per AOR per day.
/// `effect` multiplies at-large arrests (Located, Non-Custodial Arrest) in `treated` AORs
/// during `window`, planting a known operation effect.
pub fn arrests(
    seed: u64,
    aor_names: &[&str],
    first: NaiveDate,
    last: NaiveDate,
    per_day: u64,
    planted: Option<(&[&str], (NaiveDate, NaiveDate), f64)>,
) -> Vec<SyntheticArrest> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        for aor in aor_names {
            let n = rng.below(per_day * 2 + 1);
            for _ in 0..n {
                let method = weighted_method(&mut rng);
                let at_large = matches!(method, "Located" | "Non-Custodial Arrest");
                let copies = match planted {
                    Some((treated, (w0, w1), factor))
                        if at_large && treated.contains(aor) && day >= w0 && day <= w1 =>
                    {
                        let whole = factor.floor() as u64;
                        let extra = ((factor - factor.floor()) * 1000.0) as u64;
                        whole + u64::from(rng.below(1000) < extra)
                    }
                    _ => 1,
                };
                for _ in 0..copies {
                    out.push(SyntheticArrest {
                        aor_name: aor.to_string(),
                        date: day,
                        method: method.to_string(),
                        citizenship: rng.pick(&COUNTRIES).to_string(),
                        gender: if rng.below(10) < 9 {
                            "Male".into()
                        } else {
                            "Female".into()
                        },
                    });
                }
            }
        }
        day = day + Days::new(1);
    }
    out
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |e| SynthError::Io(path.to_path_buf(), e)
}

/// Writes a national-style pipe-delimited arrests dump (uncompressed).
/// Returns the number of data rows.
pub fn write_national_arrests(
    path: &Path,
    fy_label: &str,
    rows: &[SyntheticArrest],
) -> Result<usize, SynthError> {
    let mut text = String::new();
    text.push_str(
        "\"ERO-LESA Statistical Tracking Unit (SYNTHETIC DEMO DATA - NOT REAL)\"||||||||\n",
    );
    text.push_str("\"For Official Use Only (FOUO)/Pre-decisional\"||||||||\n");
    text.push_str("\"0000-DEMO-00000\"||||||||\n||||||||\n");
    text.push_str(&format!(
        "\"SYNTHETIC ERO Administrative Arrests for {fy_label}\"||||||||\n"
    ));
    text.push_str("\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Apprehension Landmark\"|\"Operation\"|\"Processing Disposition\"|\"Birth Date\"|\"Citizenship\"|\"Gender\"\n");
    for (i, r) in rows.iter().enumerate() {
        let operation = if i % 7 == 0 { "\"(B)(7)(E) \"" } else { "" };
        text.push_str(&format!(
            "\"{} Area of Responsibility\"|{}|\"{}\"|\"{} GENERAL AREA, NON-SPECIFIC\"|{operation}|\"Warrant of Arrest/Notice to Appear\"|\"(B)(6);(B)(7)(C) \"|\"{}\"|\"{}\"\n",
            r.aor_name,
            r.date.format("%-m/%-d/%Y"),
            r.method,
            r.aor_name.to_uppercase(),
            r.citizenship,
            r.gender
        ));
    }
    let mut file = std::fs::File::create(path).map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    Ok(rows.len())
}

/// Writes a LESA-STU style single-AOR workbook: Summary, Arrests, Book Ins, Footnotes.
/// Book-ins are the arrests that were custodial, one day later. Returns the number of
/// (arrest, book-in) rows written.
pub fn write_lesa_workbook(
    path: &Path,
    aor_name: &str,
    rows: &[SyntheticArrest],
) -> Result<(usize, usize), SynthError> {
    let xerr = |e| SynthError::Xlsx(path.to_path_buf(), e);
    let mut book = Workbook::new();
    let date_format = Format::new().set_num_format("m/d/yyyy");
    let first = rows.iter().map(|r| r.date).min().unwrap_or(NaiveDate::MIN);
    let last = rows.iter().map(|r| r.date).max().unwrap_or(NaiveDate::MIN);
    let period = format!(
        "({} - {})",
        first.format("%m/%d/%Y"),
        last.format("%m/%d/%Y")
    );
    let banner = |title: &str| {
        vec![
            "ERO-LESA Statistical Tracking Unit (SYNTHETIC DEMO DATA - NOT REAL)".to_string(),
            "For Official Use Only (FOUO)/Pre-decisional".to_string(),
            "Tally demo - synthetic production".to_string(),
            "Please review the last tab for footnotes.".to_string(),
            String::new(),
            title.to_string(),
        ]
    };
    let arrests_title = format!(
        "SYNTHETIC {period} ERO Administrative Arrests for the {aor_name} Area of Responsibility"
    );
    let bookins_title = format!(
        "SYNTHETIC {period} ICE Initial Book Ins for the {aor_name} Area of Responsibility"
    );
    let book_ins: Vec<&SyntheticArrest> = rows
        .iter()
        .filter(|r| r.method.starts_with("CAP") || r.method == "287(g) Program")
        .collect();

    let fy_counts = |dates: &mut dyn Iterator<Item = NaiveDate>| {
        let mut m = std::collections::BTreeMap::<i32, u64>::new();
        for d in dates {
            let fy = if chrono::Datelike::month(&d) >= 10 {
                chrono::Datelike::year(&d) + 1
            } else {
                chrono::Datelike::year(&d)
            };
            *m.entry(fy).or_default() += 1;
        }
        m
    };
    let arrests_by_fy = fy_counts(&mut rows.iter().map(|r| r.date));
    let bookins_by_fy = fy_counts(&mut book_ins.iter().map(|r| r.date + Days::new(1)));

    let summary = book.add_worksheet().set_name("Summary").map_err(xerr)?;
    let mut row = 0u32;
    for line in banner("").iter().take(5) {
        summary.write_string(row, 0, line).map_err(xerr)?;
        row += 1;
    }
    for (title, counts) in [
        (&arrests_title, &arrests_by_fy),
        (&bookins_title, &bookins_by_fy),
    ] {
        summary.write_string(row, 0, title.as_str()).map_err(xerr)?;
        summary
            .write_string(row + 1, 0, "Fiscal Year")
            .map_err(xerr)?;
        summary.write_string(row + 1, 1, "Total").map_err(xerr)?;
        row += 2;
        for (fy, n) in counts {
            summary
                .write_string(row, 0, format!("FY{fy}"))
                .map_err(xerr)?;
            summary.write_number(row, 1, *n as f64).map_err(xerr)?;
            row += 1;
        }
        row += 1;
    }

    let sheet = book.add_worksheet().set_name("Arrests").map_err(xerr)?;
    for (i, line) in banner(&arrests_title).iter().enumerate() {
        if !line.is_empty() {
            sheet.write_string(i as u32, 0, line).map_err(xerr)?;
        }
    }
    for (c, h) in [
        "Arrest Date",
        "Date of Birth",
        "Gender",
        "Country of Citizenship",
        "Event Number",
        "Apprehension Landmark",
        "Arrest Method",
        "Most Serious Conviction",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(6, c as u16, *h).map_err(xerr)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let at = 7 + i as u32;
        let when = rust_xlsxwriter::ExcelDateTime::from_ymd(
            chrono::Datelike::year(&r.date) as u16,
            chrono::Datelike::month(&r.date) as u8,
            chrono::Datelike::day(&r.date) as u8,
        )
        .map_err(xerr)?;
        sheet
            .write_datetime_with_format(at, 0, &when, &date_format)
            .map_err(xerr)?;
        sheet.write_string(at, 1, "(b)(6),(b)(7)c)").map_err(xerr)?;
        sheet.write_string(at, 2, &r.gender).map_err(xerr)?;
        sheet.write_string(at, 3, &r.citizenship).map_err(xerr)?;
        sheet.write_string(at, 4, "(b)(7)e)").map_err(xerr)?;
        sheet
            .write_string(at, 5, format!("{} COUNTY JAIL", r.aor_name.to_uppercase()))
            .map_err(xerr)?;
        sheet.write_string(at, 6, &r.method).map_err(xerr)?;
    }

    let sheet = book.add_worksheet().set_name("Book Ins").map_err(xerr)?;
    for (i, line) in banner(&bookins_title).iter().enumerate() {
        if !line.is_empty() {
            sheet.write_string(i as u32, 0, line).map_err(xerr)?;
        }
    }
    for (c, h) in [
        "Book In Date",
        "Date of Birth",
        "Gender",
        "Country of Citizenship",
        "Detention Facility",
        "Apprehension Method",
        "Most Serious Conviction",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(6, c as u16, *h).map_err(xerr)?;
    }
    for (i, r) in book_ins.iter().enumerate() {
        let at = 7 + i as u32;
        // Excel serial numbers rather than typed dates: both appear in real workbooks.
        let serial = (r.date + Days::new(1)
            - NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or(NaiveDate::MIN))
        .num_days();
        sheet.write_number(at, 0, serial as f64).map_err(xerr)?;
        sheet.write_string(at, 1, "(b)(6),(b)(7)c)").map_err(xerr)?;
        sheet.write_string(at, 2, &r.gender).map_err(xerr)?;
        sheet.write_string(at, 3, &r.citizenship).map_err(xerr)?;
        sheet
            .write_string(at, 4, "SYNTHETIC PROCESSING CENTER")
            .map_err(xerr)?;
        sheet.write_string(at, 5, &r.method).map_err(xerr)?;
    }

    let notes = book.add_worksheet().set_name("Footnotes").map_err(xerr)?;
    for (i, line) in [
        "ERO-LESA Statistical Tracking Unit (SYNTHETIC DEMO DATA - NOT REAL)",
        "These records were generated by tally-synth with a fixed seed. They describe no one.",
        "Book Ins: custodial arrests booked in the next day.",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string(i as u32, 0, *line).map_err(xerr)?;
    }
    book.save(path).map_err(xerr)?;
    Ok((rows.len(), book_ins.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let a = arrests(7, &["Chicago"], d(2019, 1, 1), d(2019, 1, 31), 3, None);
        let b = arrests(7, &["Chicago"], d(2019, 1, 1), d(2019, 1, 31), 3, None);
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }
}
