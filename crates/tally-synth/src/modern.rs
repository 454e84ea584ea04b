//! SYNTHETIC releases in the layout of ICE's 2023-2026 raw workbooks (FOIA
//! 2024-ICFO-39357 / 2025-ICLI-00019, 2026-ICLI-00005), for every table kind.
//!
//! The layout, from DOMAIN.md section 1 and DDP's readers: one workbook per table, six
//! banner rows (agency, unit, FOIA numbers, title, extraction note, blank), the header on
//! row 7, data from row 8; a table longer than a sheet is continued on further sheets,
//! each with the same banner and header, and the cut falls wherever the row count says,
//! inside a day; datetimes are real Excel datetimes with the time of day; birth dates and
//! internal identifiers are withheld; an Office lock file `~$...` sits beside the workbook
//! (Excel writes one while the file is open on a desktop). Columns are each table's raw
//! names (DOMAIN.md section 2). Nothing here is real: every value comes from a fixed seed.

use crate::{Rng, SynthError};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a raw column holds, for generating its values.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// The table's event: an Excel datetime with a time of day.
    Event,
    /// The AOR long name ("Chicago Area of Responsibility").
    Aor,
    /// Another Excel datetime (a book-out, a stay's start).
    Moment,
    /// An Excel date.
    Day,
    Method,
    Criminality,
    Country,
    Gender,
    State,
    YesNo,
    /// A 40-hex anonymized person identifier.
    Person,
    /// A withheld cell (`(b)(6), (b)(7)(c)`).
    Withheld,
    BirthYear,
    Number,
    /// One of a few category values.
    Category(&'static [&'static str]),
}

use Kind::*;

const FACILITIES: &[&str] = &["SYNTHETIC COUNTY JAIL", "SYNTHETIC PROCESSING CENTER"];
const STATUS: &[&str] = &["ACTIVE", "8-Excluded/Removed - Inadmissibility"];
const CATEGORY: &[&str] = &["[16] Reinstated Final Order", "[8F] Expedited Removal"];
const LEVEL: &[&str] = &["1", "2", "3"];
const PROGRAM: &[&str] = &["Fugitive Operations", "ERO Criminal Alien Program"];

/// One table's raw layout: its slug, the words of its file name and title, and columns.
struct Layout {
    slug: &'static str,
    file_words: &'static str,
    title: &'static str,
    columns: &'static [(&'static str, Kind)],
}

const LAYOUTS: &[Layout] = &[
    Layout {
        slug: "arrests",
        file_words: "ERO Admin Arrests",
        title: "ERO Administrative Arrests",
        columns: &[
            ("Apprehension Date", Event),
            ("Apprehension Type", Category(&["Targeted", "Collateral"])),
            ("State", State),
            ("County", Category(&["COOK", "KING"])),
            ("TOA Current Duty AOR", Aor),
            ("Apprehension Final Program", Category(PROGRAM)),
            ("Arresting Agency", Category(&["ICE", "CBP"])),
            ("Apprehension Method", Method),
            ("Apprehension Criminality", Criminality),
            ("Case Status", Category(STATUS)),
            ("Case Category", Category(CATEGORY)),
            ("Departure Country", Country),
            ("Departed Date", Day),
            ("Final Order Yes No", YesNo),
            ("Final Order Date", Day),
            ("Birth Date", Withheld),
            ("Birth Year", BirthYear),
            ("Citizenship Country", Country),
            ("Gender", Gender),
            (
                "Apprehension Site Landmark",
                Category(&["SYNTHETIC FUG OPS", "SYNTHETIC COUNTY JAIL"]),
            ),
            ("Operation", Withheld),
            (
                "TOA Current Duty Site",
                Category(&["SYNTHETIC DOCKET CONTROL OFFICE"]),
            ),
            ("Case Criminality", Criminality),
            ("Case Threat Level", Category(LEVEL)),
            ("Anonymized Identifier", Person),
        ],
    },
    Layout {
        slug: "encounters",
        file_words: "ERO Encounters",
        title: "ERO Encounters",
        columns: &[
            ("Event Date", Event),
            ("Responsible AOR", Aor),
            (
                "Responsible Site",
                Category(&["SYNTHETIC DOCKET CONTROL OFFICE"]),
            ),
            ("Lead Event Type", Category(&["Database match", "Tip"])),
            ("Lead Source", Category(&["SYNTHETIC CENTER"])),
            (
                "Event Type",
                Category(&["CAP Local Incarceration", "Located"]),
            ),
            ("Final Program", Category(PROGRAM)),
            ("Final Program Group", Category(&["ICE"])),
            ("Encounter Criminality", Criminality),
            (
                "Processing Disposition",
                Category(&["Detainer", "Notice to Appear"]),
            ),
            ("Case Status", Category(STATUS)),
            ("Case Category", Category(CATEGORY)),
            ("Departed Date", Day),
            ("Departure Country", Country),
            ("Final Order Yes No", YesNo),
            ("Final Order Date", Day),
            ("Birth Date", Withheld),
            ("Birth Year", BirthYear),
            ("Citizenship Country", Country),
            ("Gender", Gender),
            (
                "Event Landmark",
                Category(&["SC INTEROPERABILITY SYNTHETIC"]),
            ),
            ("Alien File Number", Withheld),
            ("EID Case ID", Withheld),
            ("EID Subject ID", Withheld),
            ("Unique Identifier", Person),
        ],
    },
    Layout {
        slug: "removals",
        file_words: "ICE Removals",
        title: "ICE Removals",
        columns: &[
            ("Departed Date", Event),
            ("Port of Departure", Category(&["SYNTHETIC PORT"])),
            ("Departure Country", Country),
            ("Docket AOR", Aor),
            ("Apprehension State", State),
            ("Apprehension County", Category(&["COOK", "KING"])),
            ("Case Status", Category(STATUS)),
            ("Gender", Gender),
            ("Birth Country", Country),
            ("Citizenship Country", Country),
            ("Birth Date", Withheld),
            ("Birth Year", BirthYear),
            ("Entry Date", Day),
            ("Entry Status", Category(&["Entered Without Inspection"])),
            (
                "MSC NCIC Charge",
                Category(&["Traffic Offense", "Dangerous Drugs"]),
            ),
            ("Case Threat Level", Category(LEVEL)),
            ("Case Criminality", Criminality),
            ("Felon", Category(&["Not an Aggravated Felon"])),
            (
                "Processing Disposition",
                Category(&["Reinstatement of Deport Order I-871"]),
            ),
            ("Case Category", Category(CATEGORY)),
            ("Final Program", Category(PROGRAM)),
            ("Latest Person Apprehension Date", Day),
            ("Final Order Yes No", YesNo),
            ("Final Order Date", Day),
            ("Final Charge Section Code", Category(&["212a6Ai"])),
            ("Prior Deport Yes No", YesNo),
            ("Unique Identifier", Person),
        ],
    },
    Layout {
        slug: "book-ins",
        file_words: "ICE Initial Book Ins",
        title: "ICE Initial Book Ins",
        columns: &[
            ("Book In Date", Event),
            ("Area of Responsibility", Aor),
            ("Gender", Gender),
            ("Country of Citizenship", Country),
            ("Detention Facility", Category(FACILITIES)),
            ("Apprehension Method", Method),
            ("Most Serious Conviction", Category(&["Traffic Offense"])),
        ],
    },
    Layout {
        slug: "detainers",
        file_words: "ERO Detainers",
        title: "ERO Detainers",
        columns: &[
            ("Detainer Prepare Date", Event),
            ("Facility State", State),
            ("Facility AOR", Aor),
            ("Port of Departure", Category(&["SYNTHETIC PORT"])),
            ("Departure Country", Country),
            ("Departed Date", Day),
            ("Case Status", Category(STATUS)),
            ("Detainer Criminality", Criminality),
            ("Detainer Facility", Category(FACILITIES)),
            ("Detainer Facility Code", Category(&["SYNJAIL", "SYNSPC"])),
            ("Facility City", Category(&["SYNTHETIC CITY"])),
            ("Detainer Threat Level", Category(LEVEL)),
            ("Gender", Gender),
            ("Citizenship Country", Country),
            ("Birth Country", Country),
            ("Birth Year", BirthYear),
            ("MSC Charge", Category(&["Dangerous Drugs"])),
            ("MSC Sentence Months", Number),
            (
                "Aggravated Felon Yes No",
                Category(&["Not an Aggravated Felon"]),
            ),
            ("Processing Disposition", Category(&["Detainer"])),
            ("Case Category", Category(CATEGORY)),
            ("Apprehension Method", Method),
            ("Final Order Yes No", YesNo),
            ("Apprehension Date", Day),
            ("Prior Felony Yes No", YesNo),
            (
                "Detainer Lift Reason",
                Category(&["Detainer Declined by LEA", "Booked into Detention"]),
            ),
            (
                "Detainer Type",
                Category(&["I247A - Immigration Detainer - Notice of Action (as of May 2025)"]),
            ),
            (
                "TOD Current Duty Site",
                Category(&["SYNTHETIC DOCKET CONTROL OFFICE"]),
            ),
            ("Anonymized Identifier", Person),
        ],
    },
    Layout {
        slug: "detention-stints",
        file_words: "ICE Detentions",
        title: "ICE Detentions",
        columns: &[
            ("Stay Book In Date Time", Moment),
            ("Book In Date Time", Event),
            ("Detention Facility", Category(FACILITIES)),
            ("Book Out Date Time", Moment),
            ("Stay Book Out Date Time", Moment),
            (
                "Detention Release Reason",
                Category(&["Transferred", "Removed"]),
            ),
            ("Stay Book Out Date", Day),
            ("Stay Release Reason", Category(&["Removed"])),
            ("Religion", Category(&["Unknown"])),
            ("Gender", Gender),
            ("Marital Status", Category(&["Single", "Married"])),
            (
                "Ethnicity",
                Category(&["Hispanic Origin", "Not of Hispanic Origin"]),
            ),
            ("Birth Country", Country),
            ("Citizenship Country", Country),
            ("Entry Status", Category(&["Entered Without Inspection"])),
            ("Known Terrorist Yes No", YesNo),
            ("MSC Charge", Category(&["Traffic Offense"])),
            (
                "Aggravated Felon Yes No",
                Category(&["Not an Aggravated Felon"]),
            ),
            ("Bond Posted Amount", Number),
            ("Case Status", Category(STATUS)),
            ("Case Category", Category(CATEGORY)),
            ("Final Order Yes No", YesNo),
            ("Case Threat Level", Category(LEVEL)),
            ("Detention Facility Code", Category(&["SYNJAIL", "SYNSPC"])),
            ("Birth Year", BirthYear),
            ("Book In Criminality", Criminality),
            ("Apprehension Final Program", Category(PROGRAM)),
            ("Book In AOR", Aor),
            ("Anonymized Identifier", Person),
        ],
    },
];

/// The table slugs this module writes, in order.
pub fn modern_tables() -> Vec<&'static str> {
    LAYOUTS.iter().map(|l| l.slug).collect()
}

/// What was written, for tests to compare Tally's counts with.
#[derive(Debug, Clone)]
pub struct ModernRelease {
    /// The workbook.
    pub path: PathBuf,
    /// The Office lock file written beside it.
    pub lock_file: PathBuf,
    /// Table slug.
    pub table: &'static str,
    /// Raw header of each column.
    pub columns: Vec<&'static str>,
    /// Every data row: (sheet name, 1-based row, AOR long name, event datetime,
    /// criminality if the layout has one, method if it has one).
    pub rows: Vec<ModernRow>,
}

/// One data row as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ModernRow {
    /// Sheet it is on.
    pub sheet: String,
    /// 1-based row on that sheet.
    pub row: u32,
    /// AOR as written ("Chicago Area of Responsibility").
    pub aor: String,
    /// The event's date and time (seconds exact).
    pub event: NaiveDateTime,
    /// The criminality value, when the layout has a criminality column.
    pub criminality: Option<&'static str>,
    /// The method, when the layout has one.
    pub method: Option<&'static str>,
    /// The person identifier, when the layout has one and the row fills it.
    pub person: Option<String>,
}

impl ModernRelease {
    /// Rows per sheet, in sheet order.
    pub fn rows_per_sheet(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for r in &self.rows {
            *out.entry(r.sheet.clone()).or_default() += 1;
        }
        out
    }
}

/// Options of one synthetic modern release.
#[derive(Debug, Clone)]
pub struct ModernOptions {
    /// Generator seed.
    pub seed: u64,
    /// AOR names without the suffix ("Chicago").
    pub aors: Vec<String>,
    /// First and last day of events.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Mean records per AOR per day.
    pub per_day: u64,
    /// Data rows per sheet before the table continues on the next sheet.
    pub rows_per_sheet: usize,
    /// Duplicates to plant (none by default).
    pub duplicates: PlantedDuplicates,
}

/// Duplicates planted among a release's records, each kind on records of its own (so the
/// rules' answers are known exactly): exact copies of a record; a second record of the
/// same person later the same day; a second record of the same person 20 hours later (the
/// next day, inside one 24-hour episode); and records whose person identifier is blank.
/// Planted rows are written after the others, on the last sheet. Used only in tables
/// whose layout has a person identifier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlantedDuplicates {
    pub exact_copies: usize,
    pub same_day: usize,
    pub next_day_within_24h: usize,
    pub without_person: usize,
}

const CRIMINALITY: [&str; 3] = [
    "1 Convicted Criminal",
    "2 Pending Criminal Charges",
    "3 Other Immigration Violator",
];

/// Writes a SYNTHETIC workbook of `table` in the 2025 raw layout into `dir`, with its lock
/// file, and returns what it wrote.
///
/// # Errors
/// An unknown table slug, or a failure writing the files.
pub fn write_modern_release(
    dir: &Path,
    table: &str,
    options: &ModernOptions,
) -> Result<ModernRelease, SynthError> {
    let layout = LAYOUTS.iter().find(|l| l.slug == table).ok_or_else(|| {
        SynthError::Io(
            dir.join(table),
            std::io::Error::other("no synthetic layout for this table"),
        )
    })?;
    let name = format!(
        "SYNTHETIC_2025-ICLI-00019_2024-ICFO-39357_{}_LESA-STU_FINAL Redacted.xlsx",
        layout.file_words
    );
    let path = dir.join(&name);
    let xerr = |e| SynthError::Xlsx(path.clone(), e);
    let mut rng = Rng::new(options.seed);
    let mut records: Vec<Record> = Vec::new();
    let mut day = options.first;
    while day <= options.last {
        for aor in &options.aors {
            for _ in 0..rng.below(options.per_day * 2 + 1) {
                let seconds = 6 * 3600 + rng.below(14 * 3600) as u32;
                let at = day.and_hms_opt(seconds / 3600, seconds / 60 % 60, seconds % 60);
                let person = Some(format!(
                    "{:016x}{:016x}{:08x}",
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.below(u32::MAX as u64)
                ));
                records.push(Record {
                    aor: format!("{aor} Area of Responsibility"),
                    at: at.unwrap_or_default(),
                    person,
                    copy_of: None,
                });
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    plant(&mut records, &options.duplicates);
    let mut book = Workbook::new();
    let datetime = Format::new().set_num_format("m/d/yyyy h:mm:ss");
    let date = Format::new().set_num_format("m/d/yyyy");
    let excel = |at: NaiveDateTime| -> Result<ExcelDateTime, SynthError> {
        ExcelDateTime::from_ymd(at.year() as u16, at.month() as u8, at.day() as u8)
            .and_then(|d| d.and_hms(at.hour() as u16, at.minute() as u8, at.second() as f64))
            .map_err(|e| SynthError::Xlsx(path.clone(), e))
    };
    let rows_per_sheet = options.rows_per_sheet.max(1);
    let mut written = Vec::new();
    let chunks: Vec<&[Record]> = if records.is_empty() {
        vec![&records[..]]
    } else {
        records.chunks(rows_per_sheet).collect()
    };
    // The cells written for each record, so that an exact copy repeats them.
    let mut cells_of: Vec<Vec<Cell>> = Vec::with_capacity(records.len());
    let mut index = 0usize;
    for (s, chunk) in chunks.iter().enumerate() {
        let sheet_name = if s == 0 {
            "Sheet1".to_string()
        } else {
            format!("Sheet{}", s + 1)
        };
        let sheet = book.add_worksheet().set_name(&sheet_name).map_err(xerr)?;
        write_banner(sheet, layout.title, options).map_err(xerr)?;
        for (c, (header, _)) in layout.columns.iter().enumerate() {
            sheet.write_string(6, c as u16, *header).map_err(xerr)?;
        }
        for (i, record) in chunk.iter().enumerate() {
            let r = 7 + i as u32;
            let cells = match record.copy_of {
                Some(original) => cells_of[original].clone(),
                None => record_cells(layout, record, &mut rng),
            };
            let mut row = ModernRow {
                sheet: sheet_name.clone(),
                row: r + 1,
                aor: record.aor.clone(),
                event: record.at,
                criminality: None,
                method: None,
                person: None,
            };
            for (c, ((_, kind), cell)) in layout.columns.iter().zip(&cells).enumerate() {
                let c = c as u16;
                match (kind, cell) {
                    (Method, Cell::Text(m)) => {
                        row.method = METHODS.iter().copied().find(|x| x == m)
                    }
                    (Criminality, Cell::Text(v)) if row.criminality.is_none() => {
                        row.criminality = CRIMINALITY.iter().copied().find(|x| x == v)
                    }
                    (Person, Cell::Text(id)) => row.person = Some(id.clone()),
                    _ => {}
                }
                match cell {
                    Cell::DateTime(at) => {
                        sheet
                            .write_datetime_with_format(r, c, excel(*at)?, &datetime)
                            .map_err(xerr)?;
                    }
                    Cell::Date(d) => {
                        sheet
                            .write_datetime_with_format(r, c, excel((*d).into())?, &date)
                            .map_err(xerr)?;
                    }
                    Cell::Text(t) => {
                        sheet.write_string(r, c, t).map_err(xerr)?;
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, c, *n).map_err(xerr)?;
                    }
                    Cell::Blank => {}
                }
            }
            cells_of.push(cells);
            index += 1;
            written.push(row);
        }
    }
    debug_assert_eq!(index, records.len());
    book.save(&path).map_err(xerr)?;
    // Excel's owner file: 162 bytes starting with the user name, not a workbook.
    let lock_file = dir.join(format!("~${name}"));
    let mut owner = vec![0u8; 162];
    owner[0] = 9;
    owner[1..10].copy_from_slice(b"SYNTHETIC");
    std::fs::write(&lock_file, owner).map_err(|e| SynthError::Io(lock_file.clone(), e))?;
    Ok(ModernRelease {
        path,
        lock_file,
        table: layout.slug,
        columns: layout.columns.iter().map(|(h, _)| *h).collect(),
        rows: written,
    })
}

fn write_banner(
    sheet: &mut Worksheet,
    title: &str,
    options: &ModernOptions,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let lines = [
        "U.S. Immigration and Customs Enforcement (SYNTHETIC DATA - NOT REAL)".to_string(),
        "Enforcement and Removal Operations - LESA Statistical Tracking Unit".to_string(),
        "FOIA 2025-ICLI-00019 / 2024-ICFO-39357 (SYNTHETIC)".to_string(),
        format!(
            "SYNTHETIC {title} ({} - {})",
            options.first.format("%m/%d/%Y"),
            options.last.format("%m/%d/%Y")
        ),
        "Data extracted from EID; written by tally-synth with a fixed seed".to_string(),
    ];
    for (i, line) in lines.iter().enumerate() {
        sheet.write_string(i as u32, 0, line)?;
    }
    Ok(())
}

const METHODS: [&str; 4] = [
    "CAP Local Incarceration",
    "Custodial Arrest",
    "Located",
    "Non-Custodial Arrest",
];

/// One record before it is written.
#[derive(Debug, Clone)]
struct Record {
    aor: String,
    at: NaiveDateTime,
    person: Option<String>,
    /// For an exact copy: the record (index) whose cells it repeats.
    copy_of: Option<usize>,
}

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    DateTime(NaiveDateTime),
    Date(NaiveDate),
    Text(String),
    Number(f64),
    Blank,
}

/// Plants `planted` among `records`: each kind on records of its own, spread over the
/// release, the planted rows appended.
fn plant(records: &mut Vec<Record>, planted: &PlantedDuplicates) {
    let kinds = planted.exact_copies
        + planted.same_day
        + planted.next_day_within_24h
        + planted.without_person;
    if kinds == 0 || records.is_empty() {
        return;
    }
    let step = (records.len() / (kinds + 1)).max(1);
    let mut picks = (1..).map(|k| (k * step).min(records.len() - 1));
    let mut take = |n: usize| -> Vec<usize> { (&mut picks).take(n).collect() };
    let (exact, same_day, episode, blank) = (
        take(planted.exact_copies),
        take(planted.same_day),
        take(planted.next_day_within_24h),
        take(planted.without_person),
    );
    for i in blank {
        records[i].person = None;
    }
    for i in exact {
        let mut copy = records[i].clone();
        copy.copy_of = Some(i);
        records.push(copy);
    }
    for i in same_day {
        let mut later = records[i].clone();
        // Later the same day (events start from 06:00 and end by 20:00).
        later.at = later.at.date().and_hms_opt(22, 30, 0).unwrap_or(later.at);
        records.push(later);
    }
    for i in episode {
        let mut next = records[i].clone();
        next.at += chrono::Duration::hours(20);
        records.push(next);
    }
}

/// The cells of one record in `layout`'s columns.
fn record_cells(layout: &Layout, record: &Record, rng: &mut Rng) -> Vec<Cell> {
    layout
        .columns
        .iter()
        .map(|(_, kind)| match kind {
            Event => Cell::DateTime(record.at),
            Moment => Cell::DateTime(record.at + chrono::Duration::hours(rng.below(48) as i64)),
            Day => {
                if rng.below(3) > 0 {
                    Cell::Date(record.at.date() + chrono::Days::new(rng.below(200)))
                } else {
                    Cell::Blank
                }
            }
            Aor => Cell::Text(record.aor.clone()),
            Method => Cell::Text(rng.pick(&METHODS).to_string()),
            Criminality => Cell::Text(rng.pick(&CRIMINALITY).to_string()),
            Country => Cell::Text(
                rng.pick(&["MEXICO", "GUATEMALA", "HONDURAS", "VENEZUELA"])
                    .to_string(),
            ),
            Gender => Cell::Text(rng.pick(&["Male", "Male", "Female"]).to_string()),
            State => Cell::Text(rng.pick(&["ILLINOIS", "WASHINGTON"]).to_string()),
            YesNo => Cell::Text(rng.pick(&["YES", "NO"]).to_string()),
            Person => match &record.person {
                Some(id) => Cell::Text(id.clone()),
                None => Cell::Blank,
            },
            Withheld => Cell::Text("(b)(6), (b)(7)(c)".into()),
            BirthYear => Cell::Number((1950 + rng.below(55)) as f64),
            Number => Cell::Number(rng.below(240) as f64),
            Category(values) => Cell::Text(rng.pick(values).to_string()),
        })
        .collect()
}
