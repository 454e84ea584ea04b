//! SYNTHETIC detention stints whose stays are known: people held in one facility or moved
//! between several (a transfer's book-out is the next book-in), written either as a 2025
//! raw workbook (banner rows, header on row 7, Excel datetimes) or as the Deportation Data
//! Project's processed CSV (snake_case header, ISO datetimes, `NA` for missing), which is
//! the form that scales to millions of rows.
//!
//! Planted on stays of their own, so that each rule's answer is known exactly: ongoing
//! stays (no book-out at extraction), a person's overlapping stints (booked in somewhere
//! before the book-out elsewhere), stints without a person identifier, unknown facility
//! codes, stays whose released Stay Book In disagrees with their first stint, a person
//! detained again weeks after release (two stays), and exact copies of a stint.

use crate::{Rng, SynthError};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Special stays to plant, each on stays of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlantedStints {
    /// Stays still open at extraction (last stint without a book-out).
    pub ongoing: usize,
    /// Stays of two stints where the second is booked in 2 hours before the first's
    /// book-out.
    pub overlapping: usize,
    /// Stays whose stints carry no person identifier (each stint then a stay of its own).
    pub without_person: usize,
    /// Stints whose facility code no facility list knows (`SYNUNK01`, ...).
    pub unknown_facility: usize,
    /// Stays whose released Stay Book In is 3 days before their first stint's book-in.
    pub stay_start_disagrees: usize,
    /// People detained again 30 days after their stay ended (a second stay).
    pub detained_again: usize,
    /// Exact copies of a stint (every column the same).
    pub exact_copies: usize,
}

/// Options of a synthetic stint release.
#[derive(Debug, Clone)]
pub struct StintOptions {
    pub seed: u64,
    /// AOR names without the suffix ("Chicago"); each gets two facilities,
    /// `SYN<first three letters>J` (a jail) and `SYN<...>S` (a processing center).
    pub aors: Vec<String>,
    /// Stays start on these days (inclusive); the extraction is at the end of `last`.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Mean stays starting per AOR per day.
    pub stays_per_day: u64,
    pub planted: PlantedStints,
}

/// How the release is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StintFormat {
    /// The 2025 raw workbook, `rows_per_sheet` data rows per sheet.
    Workbook { rows_per_sheet: usize },
    /// DDP's processed CSV (gzip is left to the caller).
    ProcessedCsv,
}

/// One stint as written.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthStint {
    pub person: Option<String>,
    pub facility_code: String,
    /// AOR long name ("Chicago Area of Responsibility").
    pub aor: String,
    pub book_in: NaiveDateTime,
    pub book_out: Option<NaiveDateTime>,
    pub stay_book_in: NaiveDateTime,
}

/// One stay as Tally should find it.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthStay {
    pub person: Option<String>,
    /// AOR long name of its first stint.
    pub aor: String,
    /// The released Stay Book In (the stay's start).
    pub start: NaiveDateTime,
    /// Last book-out; `None` while ongoing.
    pub end: Option<NaiveDateTime>,
    pub stints: usize,
    /// Two of its stints overlap in time.
    pub overlapping: bool,
    /// Its released start differs from its first stint's book-in.
    pub start_disagrees: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct StintRelease {
    pub path: PathBuf,
    pub stints: Vec<SynthStint>,
    /// Stays, in the order they were generated (exact copies add no stay).
    pub stays: Vec<SynthStay>,
    /// The extraction moment: the end of the last day.
    pub extracted: NaiveDateTime,
}

fn facility(aor: &str, kind: char) -> String {
    // The words' initials, then the last word's letters: New York City, New Orleans and
    // Newark are NYC, NOR and NEW (their first three letters made one code of the three,
    // placed in three AORs), San Francisco and San Diego SFR and SDI.
    let words: Vec<&str> = aor
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let mut letters: String = words.iter().filter_map(|w| w.get(..1)).collect();
    if let Some(last) = words.last() {
        letters.push_str(last.get(1..).unwrap_or_default());
    }
    letters.truncate(3);
    format!("SYN{}{kind}", letters.to_ascii_uppercase())
}

/// The facility codes the generator uses for `aor` (name without suffix), with the
/// facility name: what a facility list for the synthetic data would hold.
pub fn synthetic_facilities(aor: &str) -> [(String, String); 2] {
    [
        (
            facility(aor, 'J'),
            format!("SYNTHETIC {} COUNTY JAIL", aor.to_uppercase()),
        ),
        (
            facility(aor, 'S'),
            format!("SYNTHETIC {} PROCESSING CENTER", aor.to_uppercase()),
        ),
    ]
}

fn person_id(rng: &mut Rng) -> String {
    format!(
        "{:016x}{:016x}{:08x}",
        rng.next_u64(),
        rng.next_u64(),
        rng.below(u32::MAX as u64)
    )
}

/// Generates the stints and their stays (nothing written).
pub fn generate_stints(options: &StintOptions) -> (Vec<SynthStint>, Vec<SynthStay>, NaiveDateTime) {
    let mut rng = Rng::new(options.seed);
    let extracted = options.last.and_hms_opt(23, 59, 59).unwrap_or_default();
    let mut stints = Vec::new();
    let mut stays = Vec::new();
    let mut planted = options.planted;
    let mut unknown = 0usize;
    let mut day = options.first;
    while day <= options.last {
        for aor in &options.aors {
            let aor_long = format!("{aor} Area of Responsibility");
            for _ in 0..rng.below(options.stays_per_day * 2 + 1) {
                let seconds = rng.below(86_400) as i64;
                let start =
                    day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(seconds);
                let person = Some(person_id(&mut rng));
                let mut n = 1 + rng.below(3) as usize;
                // Planted kinds, one per stay, while any are left.
                let mut overlapping = false;
                let mut disagrees = false;
                let mut id_less = false;
                let mut ongoing = false;
                let mut again = false;
                if planted.overlapping > 0 {
                    planted.overlapping -= 1;
                    overlapping = true;
                    n = 2;
                } else if planted.stay_start_disagrees > 0 {
                    planted.stay_start_disagrees -= 1;
                    disagrees = true;
                } else if planted.without_person > 0 {
                    planted.without_person -= 1;
                    id_less = true;
                } else if planted.ongoing > 0 {
                    planted.ongoing -= 1;
                    ongoing = true;
                } else if planted.detained_again > 0 {
                    planted.detained_again -= 1;
                    again = true;
                }
                let person = if id_less { None } else { person };
                let released_start = if disagrees {
                    start - Duration::days(3)
                } else {
                    start
                };
                let mut at = start;
                let mut made: Vec<SynthStint> = Vec::new();
                for k in 0..n {
                    let length = Duration::seconds(3_600 + rng.below(40 * 86_400) as i64);
                    let code = if planted.unknown_facility > 0 && k == 0 {
                        planted.unknown_facility -= 1;
                        unknown += 1;
                        format!("SYNUNK{unknown:02}")
                    } else {
                        facility(aor, if rng.below(2) == 0 { 'J' } else { 'S' })
                    };
                    let out = at + length;
                    made.push(SynthStint {
                        person: person.clone(),
                        facility_code: code,
                        aor: aor_long.clone(),
                        book_in: at,
                        book_out: Some(out),
                        stay_book_in: released_start,
                    });
                    at = if overlapping {
                        out - Duration::hours(2)
                    } else {
                        out
                    };
                }
                if ongoing && let Some(last) = made.last_mut() {
                    last.book_out = None;
                }
                // The extraction cuts what had not happened yet.
                made.retain(|s| s.book_in <= extracted);
                for s in &mut made {
                    if s.book_out.is_some_and(|o| o > extracted) {
                        s.book_out = None;
                    }
                }
                // A stint open at extraction ends the stay there: later ones cannot exist.
                if let Some(open) = made.iter().position(|s| s.book_out.is_none()) {
                    made.truncate(open + 1);
                }
                let end = made.last().and_then(|s| s.book_out);
                if person.is_none() {
                    // Never merged: each stint is a stay of its own.
                    for s in &made {
                        stays.push(SynthStay {
                            person: None,
                            aor: aor_long.clone(),
                            start: s.stay_book_in,
                            end: s.book_out,
                            stints: 1,
                            overlapping: false,
                            start_disagrees: s.stay_book_in != s.book_in,
                        });
                    }
                } else {
                    stays.push(SynthStay {
                        person: person.clone(),
                        aor: aor_long.clone(),
                        start: released_start,
                        end,
                        stints: made.len(),
                        overlapping: overlapping && made.len() == 2,
                        start_disagrees: disagrees,
                    });
                }
                stints.extend(made);
                if again && let Some(end) = end {
                    let back = end + Duration::days(30);
                    if back <= extracted {
                        let out = back + Duration::days(5);
                        let out = (out <= extracted).then_some(out);
                        stints.push(SynthStint {
                            person: person.clone(),
                            facility_code: facility(aor, 'J'),
                            aor: aor_long.clone(),
                            book_in: back,
                            book_out: out,
                            stay_book_in: back,
                        });
                        stays.push(SynthStay {
                            person: person.clone(),
                            aor: aor_long.clone(),
                            start: back,
                            end: out,
                            stints: 1,
                            overlapping: false,
                            start_disagrees: false,
                        });
                    }
                }
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    // Exact copies of stints of identified people (the exact-copy rule merges them).
    let with_person: Vec<usize> = (0..stints.len())
        .filter(|&i| stints[i].person.is_some())
        .collect();
    let step = (with_person.len() / (planted.exact_copies + 1)).max(1);
    for k in 1..=planted.exact_copies.min(with_person.len()) {
        let copy = stints[with_person[(k * step).min(with_person.len() - 1)]].clone();
        stints.push(copy);
    }
    (stints, stays, extracted)
}

const HEADERS_RAW: [&str; 10] = [
    "Stay Book In Date Time",
    "Book In Date Time",
    "Detention Facility",
    "Book Out Date Time",
    "Stay Book Out Date Time",
    "Detention Release Reason",
    "Detention Facility Code",
    "Book In AOR",
    "Anonymized Identifier",
    "Book In Criminality",
];

const HEADERS_PROCESSED: [&str; 10] = [
    "stay_book_in_date_time",
    "book_in_date_time",
    "detention_facility",
    "book_out_date_time",
    "stay_book_out_date_time",
    "detention_release_reason",
    "detention_facility_code",
    "book_in_aor",
    "unique_identifier",
    "book_in_criminality",
];

/// Writes a SYNTHETIC stint release into `dir`.
///
/// # Errors
/// Failures writing the file.
pub fn write_stint_release(
    dir: &Path,
    options: &StintOptions,
    format: StintFormat,
) -> Result<StintRelease, SynthError> {
    let (stints, stays, extracted) = generate_stints(options);
    // A stint's stay end is its stay's last book-out, the same on every stint of it.
    let mut ends = std::collections::HashMap::new();
    for st in stays.iter().filter(|st| st.person.is_some()) {
        ends.insert((st.person.clone(), st.start), st.end);
    }
    let stay_end = |s: &SynthStint| -> Option<NaiveDateTime> {
        match &s.person {
            Some(_) => ends
                .get(&(s.person.clone(), s.stay_book_in))
                .copied()
                .flatten(),
            None => s.book_out,
        }
    };
    let criminality = ["1 Convicted Criminal", "3 Other Immigration Violator"];
    let path = match format {
        StintFormat::ProcessedCsv => {
            let path = dir.join("SYNTHETIC_detention-stints_processed.csv");
            let file = std::fs::File::create(&path).map_err(|e| SynthError::Io(path.clone(), e))?;
            let mut w = std::io::BufWriter::new(file);
            let io = |e| SynthError::Io(path.clone(), e);
            writeln!(w, "{}", HEADERS_PROCESSED.join(",")).map_err(io)?;
            let iso = |t: Option<NaiveDateTime>| {
                t.map_or("NA".to_string(), |t| {
                    t.format("%Y-%m-%d %H:%M:%S").to_string()
                })
            };
            for s in &stints {
                let end = stay_end(s);
                writeln!(
                    w,
                    "{},{},SYNTHETIC FACILITY {},{},{},{},{},{},{},{}",
                    iso(Some(s.stay_book_in)),
                    iso(Some(s.book_in)),
                    s.facility_code,
                    iso(s.book_out),
                    iso(end),
                    if s.book_out.is_some() {
                        "Transferred"
                    } else {
                        "NA"
                    },
                    s.facility_code,
                    s.aor,
                    s.person.as_deref().unwrap_or("NA"),
                    criminality[s.book_in.second() as usize % 2],
                )
                .map_err(io)?;
            }
            w.flush().map_err(io)?;
            path
        }
        StintFormat::Workbook { rows_per_sheet } => {
            let path = dir.join("SYNTHETIC_2025-ICLI-00019_2024-ICFO-39357_ICE Detentions_LESA-STU_FINAL Redacted.xlsx");
            let xerr = |e| SynthError::Xlsx(path.clone(), e);
            let mut book = Workbook::new();
            let datetime = Format::new().set_num_format("m/d/yyyy h:mm:ss");
            let excel = |at: NaiveDateTime| -> Result<ExcelDateTime, SynthError> {
                ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)
                    .and_then(|d| {
                        d.and_hms(at.hour() as u16, at.minute() as u8, at.second() as f64)
                    })
                    .map_err(|e| SynthError::Xlsx(path.clone(), e))
            };
            for (sheet_at, chunk) in stints.chunks(rows_per_sheet.max(1)).enumerate() {
                let sheet = book
                    .add_worksheet()
                    .set_name(format!("Sheet{}", sheet_at + 1))
                    .map_err(xerr)?;
                let banner = [
                    "U.S. Immigration and Customs Enforcement (SYNTHETIC DATA - NOT REAL)"
                        .to_string(),
                    "Enforcement and Removal Operations - LESA Statistical Tracking Unit"
                        .to_string(),
                    "FOIA 2025-ICLI-00019 / 2024-ICFO-39357 (SYNTHETIC)".to_string(),
                    format!(
                        "SYNTHETIC ICE Detentions ({} - {})",
                        options.first.format("%m/%d/%Y"),
                        options.last.format("%m/%d/%Y")
                    ),
                    "Data extracted from EID; written by tally-synth with a fixed seed".to_string(),
                ];
                for (i, line) in banner.iter().enumerate() {
                    sheet.write_string(i as u32, 0, line).map_err(xerr)?;
                }
                for (c, h) in HEADERS_RAW.iter().enumerate() {
                    sheet.write_string(6, c as u16, *h).map_err(xerr)?;
                }
                for (i, s) in chunk.iter().enumerate() {
                    let r = 7 + i as u32;
                    let end = stay_end(s);
                    sheet
                        .write_datetime_with_format(r, 0, excel(s.stay_book_in)?, &datetime)
                        .map_err(xerr)?;
                    sheet
                        .write_datetime_with_format(r, 1, excel(s.book_in)?, &datetime)
                        .map_err(xerr)?;
                    sheet
                        .write_string(r, 2, format!("SYNTHETIC FACILITY {}", s.facility_code))
                        .map_err(xerr)?;
                    if let Some(out) = s.book_out {
                        sheet
                            .write_datetime_with_format(r, 3, excel(out)?, &datetime)
                            .map_err(xerr)?;
                        sheet.write_string(r, 5, "Transferred").map_err(xerr)?;
                    }
                    if let Some(end) = end {
                        sheet
                            .write_datetime_with_format(r, 4, excel(end)?, &datetime)
                            .map_err(xerr)?;
                    }
                    sheet.write_string(r, 6, &s.facility_code).map_err(xerr)?;
                    sheet.write_string(r, 7, &s.aor).map_err(xerr)?;
                    if let Some(p) = &s.person {
                        sheet.write_string(r, 8, p).map_err(xerr)?;
                    }
                    sheet
                        .write_string(r, 9, criminality[s.book_in.second() as usize % 2])
                        .map_err(xerr)?;
                }
            }
            book.save(&path).map_err(xerr)?;
            path
        }
    };
    Ok(StintRelease {
        path,
        stints,
        stays,
        extracted,
    })
}

#[cfg(test)]
mod facility_tests {
    /// Each AOR the generator may name has facility codes of its own.
    #[test]
    fn no_two_aors_share_a_facility_code() {
        let aors = [
            "New York City",
            "New Orleans",
            "Newark",
            "San Francisco",
            "San Antonio",
            "San Diego",
            "Salt Lake City",
            "Chicago",
            "Los Angeles",
            "Seattle",
        ];
        let codes: Vec<String> = aors.iter().map(|a| super::facility(a, 'J')).collect();
        assert_eq!(codes[..3], ["SYNNYCJ", "SYNNORJ", "SYNNEWJ"]);
        assert_eq!(codes[3..6], ["SYNSFRJ", "SYNSANJ", "SYNSDIJ"]);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
    }
}
