//! SYNTHETIC national arrests at scale, in the raw layout of ICE's national release
//! (FOIA 2019-ICFO-53623, `EROArrests_FY2019.pipe.csv.gz`): gzip'd pipe-delimited text,
//! five banner lines (office, FOUO notice, FOIA number, a blank line, the title naming the
//! fiscal year and, for the last one, its period), the header on line 6, M/D/YYYY dates,
//! `(B)(6);(B)(7)(C) ` birth dates (always withheld) and `(B)(7)(E) ` operations.
//!
//! One file per fiscal year, going back from FY2019 (which, like the real one, states
//! `(10/1/2018 - 8/31/2019)`); the rows are spread over the days by the fitted weekday and
//! month pattern, so a larger N adds years first (up to 8 by default) and then raises the
//! daily volume. Every value is drawn from the marginals fitted from the real files
//! ([`crate::marginals`]); landmarks are invented per AOR from the method (a county jail
//! for CAP local arrests, a general area for at-large ones, ...). Each day's rows come from
//! a generator seeded by the seed and the day alone, so a day's rows are the same in every
//! file that holds them, files can be written in parallel and the output is byte-identical
//! for the same options. Rows are generated and written one at a time through a gzip
//! encoder: memory does not grow with N.
//!
//! With overlap, two more releases are planted (see [`Overlap`]); every row they shadow is
//! known, so precedence can be checked exactly at scale. Every banner says SYNTHETIC.

use crate::marginals::Marginals;
use crate::{Rng, SynthError};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The last fiscal year written (the national release's last).
pub const LAST_FY: i32 = 2019;

/// Fiscal years written by default: one per 140,000 rows (the real files hold 110k to
/// 159k a year), at most this many (FY2012-FY2019, the span of ICE's LESA productions).
pub const DEFAULT_MAX_YEARS: u32 = 8;
const ROWS_PER_YEAR: u64 = 140_000;
/// The most fiscal years written: FY1971-FY2019 (Tally rejects event dates before 1970).
pub const MAX_YEARS: u32 = 49;

/// AORs of the thin filtered extract.
pub const THIN_AORS: [&str; 3] = [
    "Chicago Area of Responsibility",
    "Seattle Area of Responsibility",
    "Boston Area of Responsibility",
];
/// One row in this many of those AORs' rows is kept in the thin extract.
pub const THIN_ONE_IN: u64 = 5;
/// Share of a re-extracted day's rows whose processing disposition changed, per mille.
pub const REVISED_PER_MILLE: u64 = 10;
/// Rows added to a re-extracted day (entered late), per mille of the day's rows.
pub const ADDED_PER_MILLE: u64 = 5;

const BIRTH_DATE: &[u8] = b"\"(B)(6);(B)(7)(C) \"";
const HEADER: &str = "\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Apprehension Landmark\"|\"Operation\"|\"Processing Disposition\"|\"Birth Date\"|\"Citizenship\"|\"Gender\"";

/// Options of a synthetic national arrests set.
#[derive(Debug, Clone)]
pub struct NationalOptions {
    pub seed: u64,
    /// Rows of the fiscal-year releases together, exactly.
    pub rows: u64,
    /// Fiscal-year releases (default: one per 140,000 rows, 1 to 8).
    pub years: Option<u32>,
    /// Also write the overlapping releases of [`Overlap`].
    pub overlap: bool,
    /// Files written at once (default: the machine's cores).
    pub jobs: Option<usize>,
}

/// What a written file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrestFileKind {
    /// One fiscal year of the national release.
    FiscalYear(i32),
    /// A later re-extraction of the last fiscal year: the same records on the days the
    /// first extraction covers (1% with a revised processing disposition, 0.5% more rows
    /// entered late), plus September, so it states the whole year.
    Reextraction,
    /// A thin filtered extract: one row in five of three AORs' rows (Chicago, Seattle,
    /// Boston) from 1 April 2018 (or the set's first day, when later) to 31 October 2018,
    /// the same records as the fiscal-year files, under a banner stating that period.
    ThinExtract,
    /// Every fiscal year in one workbook of the 2025 raw layout
    /// ([`crate::national_workbook`]), its sheets continuing one another.
    Workbook,
}

/// One written file.
#[derive(Debug, Clone)]
pub struct ArrestFile {
    pub path: PathBuf,
    pub kind: ArrestFileKind,
    /// The banner's title line.
    pub title: String,
    /// The period the banner states.
    pub period: (NaiveDate, NaiveDate),
    pub rows: u64,
    /// Rows per fiscal year of the apprehension date.
    pub rows_by_fy: BTreeMap<i32, u64>,
    /// Rows per AOR long name ("" for rows without an AOR).
    pub rows_by_aor: BTreeMap<String, u64>,
    /// Size of the gzip file.
    pub bytes: u64,
}

/// What the overlap planted: the rows Tally's precedence must set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// Rows of the last fiscal year's first extraction, all superseded by the
    /// re-extraction (its coverage ends later, on 30 September, and it holds every record
    /// of the first, so it is never the thinner).
    pub first_extraction_rows: u64,
    /// Rows of the thin extract, all set aside: under half the rows per day of the
    /// fiscal-year files for the same AORs, it never supersedes them, though its period
    /// ends after FY2018's.
    pub thin_rows: u64,
}

impl Overlap {
    /// Rows precedence sets aside.
    pub fn shadowed(&self) -> u64 {
        self.first_extraction_rows + self.thin_rows
    }
}

/// A written set of releases.
#[derive(Debug, Clone)]
pub struct NationalSet {
    pub files: Vec<ArrestFile>,
    /// Rows of the fiscal-year files (the requested N).
    pub rows: u64,
    pub overlap: Option<Overlap>,
}

impl NationalSet {
    /// Rows every file holds.
    pub fn rows_written(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum()
    }

    /// Rows per fiscal year as `tally count arrests --by fy` must count them: the
    /// fiscal-year files, with the last year from the re-extraction when it was written.
    pub fn counted_by_fy(&self) -> BTreeMap<i32, u64> {
        let mut out = BTreeMap::new();
        let reextracted = self
            .files
            .iter()
            .any(|f| f.kind == ArrestFileKind::Reextraction);
        for f in &self.files {
            let counts = match f.kind {
                ArrestFileKind::FiscalYear(fy) if reextracted && fy == LAST_FY => continue,
                ArrestFileKind::FiscalYear(_)
                | ArrestFileKind::Reextraction
                | ArrestFileKind::Workbook => true,
                ArrestFileKind::ThinExtract => false,
            };
            if counts {
                for (fy, n) in &f.rows_by_fy {
                    *out.entry(*fy).or_default() += n;
                }
            }
        }
        out
    }
}

/// The fiscal year of a day.
pub fn fiscal_year(day: NaiveDate) -> i32 {
    if day.month() >= 10 {
        day.year() + 1
    } else {
        day.year()
    }
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// A generator seeded by the seed, a day and a stream: each day's rows are its own.
pub(crate) fn day_rng(seed: u64, day: NaiveDate, stream: u64) -> Rng {
    let mut r = Rng::new(
        seed ^ (day.num_days_from_ce() as u64).wrapping_mul(0xA24B_AED4_963E_E407)
            ^ stream.wrapping_mul(0x9FB2_1C65_1E98_DF25),
    );
    r.next_u64();
    r
}

/// Walker's alias table: one draw of 64 bits picks a value with the fitted weights.
#[derive(Debug, Clone)]
struct Alias {
    threshold: Vec<u32>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(weights: &[u64]) -> Alias {
        let n = weights.len().max(1);
        let total: f64 = weights.iter().sum::<u64>().max(1) as f64;
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|w| *w as f64 * n as f64 / total)
            .collect();
        scaled.resize(n, 1.0);
        let mut threshold = vec![u32::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            threshold[s] = (scaled[s] * 4_294_967_296.0).min(u32::MAX as f64) as u32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { threshold, alias }
    }

    fn sample(&self, r: u64) -> usize {
        let i = (((r >> 32) * self.threshold.len() as u64) >> 32) as usize;
        if (r as u32) < self.threshold[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

fn quoted(s: &str) -> Vec<u8> {
    if s.is_empty() {
        Vec::new()
    } else {
        format!("\"{s}\"").into_bytes()
    }
}

/// Landmark kinds, chosen by method.
const LANDMARK_KINDS: [&str; 5] = [
    "COUNTY JAIL",
    "GENERAL AREA, NON-SPECIFIC",
    "FEDERAL CORRECTIONAL INSTITUTION",
    "STATE PRISON",
    "PROCESSING CENTER",
];

fn landmark_kind(method: &str) -> usize {
    let m = method.to_ascii_lowercase();
    if m.contains("federal") {
        2
    } else if m.contains("state") {
        3
    } else if m.contains("local")
        || m.contains("287")
        || m.contains("parole")
        || m.contains("law enforcement")
    {
        0
    } else if m.contains("located")
        || m.contains("non-custodial")
        || m.contains("other")
        || m.contains("task force")
    {
        1
    } else {
        4
    }
}

/// The drawn row: indexes into the model's value lists.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub(crate) aor: usize,
    pub(crate) method: usize,
    landmark: Option<usize>,
    operation: usize,
    disposition: usize,
    pub(crate) citizenship: usize,
    pub(crate) gender: usize,
}

/// The fitted marginals, ready to draw from.
pub(crate) struct Model {
    pub(crate) aors: Vec<String>,
    /// The values as released (unquoted), by the indexes of [`Row`].
    pub(crate) method_names: Vec<String>,
    pub(crate) citizenship_names: Vec<String>,
    pub(crate) gender_names: Vec<String>,
    aor_text: Vec<Vec<u8>>,
    aor_alias: Alias,
    methods: Vec<Vec<u8>>,
    /// Per AOR: its methods (global indexes) and their alias table.
    method_of_aor: Vec<(Vec<usize>, Alias)>,
    method_kind: Vec<usize>,
    /// Per AOR and landmark kind: the landmark texts, most frequent first.
    landmarks: Vec<[Vec<Vec<u8>>; 5]>,
    landmark_blank: u32,
    operations: Vec<Vec<u8>>,
    operation_alias: Alias,
    dispositions: Vec<Vec<u8>>,
    disposition_alias: Alias,
    citizenships: Vec<Vec<u8>>,
    citizenship_alias: Alias,
    genders: Vec<Vec<u8>>,
    gender_alias: Alias,
}

impl Model {
    pub(crate) fn new(m: &Marginals) -> Model {
        let aors: Vec<String> = m.aor.iter().map(|(a, _)| a.clone()).collect();
        let weights = |d: &[(String, u64)]| d.iter().map(|(_, n)| *n).collect::<Vec<u64>>();
        let mut methods: Vec<String> = Vec::new();
        let mut method_of_aor = Vec::new();
        for aor in &aors {
            let dist = m.method.get(aor).cloned().unwrap_or_default();
            let idx = dist
                .iter()
                .map(|(name, _)| match methods.iter().position(|x| x == name) {
                    Some(i) => i,
                    None => {
                        methods.push(name.clone());
                        methods.len() - 1
                    }
                })
                .collect();
            method_of_aor.push((idx, Alias::new(&weights(&dist))));
        }
        let method_kind = methods.iter().map(|x| landmark_kind(x)).collect();
        let landmarks = aors
            .iter()
            .map(|aor| {
                let place = aor
                    .trim_end_matches("Area of Responsibility")
                    .trim()
                    .to_ascii_uppercase();
                let place = if place.is_empty() {
                    "NATIONAL".to_string()
                } else {
                    place
                };
                let distinct = m.landmarks_per_aor.get(aor).copied().unwrap_or(10);
                let per_kind = distinct.div_ceil(LANDMARK_KINDS.len() as u64).max(1);
                std::array::from_fn(|k| {
                    (0..per_kind)
                        .map(|i| {
                            let kind = LANDMARK_KINDS[k];
                            if i == 0 {
                                quoted(&format!("{place} {kind}"))
                            } else {
                                quoted(&format!("{place} {kind} {i}"))
                            }
                        })
                        .collect()
                })
            })
            .collect();
        let blank: u64 = m
            .landmark
            .iter()
            .filter(|(v, _)| v.is_empty())
            .map(|x| x.1)
            .sum();
        let all: u64 = m.landmark.iter().map(|x| x.1).sum::<u64>().max(1);
        let texts = |d: &[(String, u64)]| d.iter().map(|(v, _)| quoted(v)).collect::<Vec<_>>();
        let names = |d: &[(String, u64)]| d.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>();
        Model {
            method_names: methods.clone(),
            citizenship_names: names(&m.citizenship),
            gender_names: names(&m.gender),
            aor_text: aors.iter().map(|a| quoted(a)).collect(),
            aor_alias: Alias::new(&weights(&m.aor)),
            aors,
            methods: methods.iter().map(|x| quoted(x)).collect(),
            method_of_aor,
            method_kind,
            landmarks,
            landmark_blank: ((blank as f64 / all as f64) * 4_294_967_296.0) as u32,
            // The withheld Operation marker is written unquoted-trailing-space as ICE does.
            operations: texts(&m.operation),
            operation_alias: Alias::new(&weights(&m.operation)),
            dispositions: texts(&m.disposition),
            disposition_alias: Alias::new(&weights(&m.disposition)),
            citizenships: texts(&m.citizenship),
            citizenship_alias: Alias::new(&weights(&m.citizenship)),
            genders: texts(&m.gender),
            gender_alias: Alias::new(&weights(&m.gender)),
        }
    }

    /// Draws one row: always seven draws of `rng`.
    pub(crate) fn draw(&self, rng: &mut Rng) -> Row {
        let aor = self.aor_alias.sample(rng.next_u64());
        let (methods, alias) = &self.method_of_aor[aor];
        let method = methods[alias.sample(rng.next_u64())];
        let r = rng.next_u64();
        let landmark = ((r as u32) >= self.landmark_blank).then(|| {
            // Skewed toward the first landmarks, as real ones are (a few jails take most).
            let u = (r >> 32) as f64 / 4_294_967_296.0;
            let n = self.landmarks[aor][self.method_kind[method]].len();
            ((n as f64 * u * u * u) as usize).min(n - 1)
        });
        Row {
            aor,
            method,
            landmark,
            operation: self.operation_alias.sample(rng.next_u64()),
            disposition: self.disposition_alias.sample(rng.next_u64()),
            citizenship: self.citizenship_alias.sample(rng.next_u64()),
            gender: self.gender_alias.sample(rng.next_u64()),
        }
    }

    fn write(&self, row: &Row, date: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&self.aor_text[row.aor]);
        out.push(b'|');
        out.extend_from_slice(date);
        out.push(b'|');
        out.extend_from_slice(&self.methods[row.method]);
        out.push(b'|');
        if let Some(i) = row.landmark {
            out.extend_from_slice(&self.landmarks[row.aor][self.method_kind[row.method]][i]);
        }
        out.push(b'|');
        out.extend_from_slice(&self.operations[row.operation]);
        out.push(b'|');
        out.extend_from_slice(&self.dispositions[row.disposition]);
        out.push(b'|');
        out.extend_from_slice(BIRTH_DATE);
        out.push(b'|');
        out.extend_from_slice(&self.citizenships[row.citizenship]);
        out.push(b'|');
        out.extend_from_slice(&self.genders[row.gender]);
        out.push(b'\n');
    }
}

/// The days and their row counts.
pub(crate) struct Plan {
    seed: u64,
    /// Rows per day of the fiscal-year files, from their first day to 31 August 2019.
    pub(crate) days: Vec<(NaiveDate, u64)>,
    /// Rows per day of September 2019 (the re-extraction's own days).
    september: Vec<(NaiveDate, u64)>,
}

impl Plan {
    pub(crate) fn new(m: &Marginals, seed: u64, rows: u64, years: u32) -> Plan {
        let first = date(LAST_FY - years as i32, 10, 1);
        let last = date(LAST_FY, 8, 31);
        let weight = |day: NaiveDate| {
            // Days vary by up to 15% around the weekday and month pattern (no holidays:
            // a day under half its weekday's usual would be read as a partial last day).
            let noise =
                0.85 + 0.3 * (day_rng(seed, day, 1).next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            m.day_factor(day) * noise
        };
        let mut weights = Vec::new();
        let mut day = first;
        while day <= last {
            weights.push((day, weight(day)));
            day = day.succ_opt().unwrap_or(last);
            if weights.len() > 100_000 {
                break;
            }
        }
        let total: f64 = weights.iter().map(|w| w.1).sum();
        let spread = |weights: &[(NaiveDate, f64)], per_weight: f64| {
            let mut cum = 0.0f64;
            let mut given = 0u64;
            weights
                .iter()
                .map(|(d, w)| {
                    cum += w;
                    let upto = (cum * per_weight).round() as u64;
                    let n = upto - given;
                    given = upto;
                    (*d, n)
                })
                .collect::<Vec<_>>()
        };
        let per_weight = rows as f64 / total;
        let mut days = spread(&weights, per_weight);
        // Rounding cannot miss N by more than a row; put any difference on the last day.
        let sum: u64 = days.iter().map(|d| d.1).sum();
        if let Some(lastday) = days.last_mut() {
            lastday.1 = (lastday.1 + rows).saturating_sub(sum);
        }
        let sept: Vec<(NaiveDate, f64)> = (1..=30)
            .map(|d| {
                let day = date(LAST_FY, 9, d);
                (day, weight(day))
            })
            .collect();
        Plan {
            seed,
            days,
            september: spread(&sept, per_weight),
        }
    }
}

/// Writes rows through a buffer into a gzip file (fast compression) and counts them.
struct Sink {
    path: PathBuf,
    encoder: flate2::write::GzEncoder<std::fs::File>,
    buf: Vec<u8>,
    rows: u64,
    by_fy: BTreeMap<i32, u64>,
    by_aor: Vec<u64>,
}

impl Sink {
    fn create(path: &Path, banner: &[String], aors: usize) -> Result<Sink, SynthError> {
        let file = std::fs::File::create(path).map_err(|e| SynthError::Io(path.into(), e))?;
        let mut buf = Vec::with_capacity(1 << 20);
        for line in banner {
            if line.is_empty() {
                buf.extend_from_slice(b"||||||||\n");
            } else {
                buf.extend_from_slice(format!("\"{line}\"||||||||\n").as_bytes());
            }
        }
        buf.extend_from_slice(HEADER.as_bytes());
        buf.push(b'\n');
        Ok(Sink {
            path: path.into(),
            encoder: flate2::GzBuilder::new().write(file, flate2::Compression::fast()),
            buf,
            rows: 0,
            by_fy: BTreeMap::new(),
            by_aor: vec![0; aors],
        })
    }

    fn row(&mut self, model: &Model, row: &Row, date: &[u8], fy: i32) -> Result<(), SynthError> {
        model.write(row, date, &mut self.buf);
        self.rows += 1;
        *self.by_fy.entry(fy).or_default() += 1;
        self.by_aor[row.aor] += 1;
        if self.buf.len() >= 1 << 18 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SynthError> {
        self.encoder
            .write_all(&self.buf)
            .map_err(|e| SynthError::Io(self.path.clone(), e))?;
        self.buf.clear();
        Ok(())
    }

    fn finish(
        mut self,
        model: &Model,
        kind: ArrestFileKind,
        title: String,
        period: (NaiveDate, NaiveDate),
    ) -> Result<ArrestFile, SynthError> {
        self.flush()?;
        let file = self
            .encoder
            .finish()
            .map_err(|e| SynthError::Io(self.path.clone(), e))?;
        let bytes = file
            .metadata()
            .map_err(|e| SynthError::Io(self.path.clone(), e))?
            .len();
        let rows_by_aor = model
            .aors
            .iter()
            .zip(&self.by_aor)
            .filter(|(_, n)| **n > 0)
            .map(|(a, n)| (a.clone(), *n))
            .collect();
        Ok(ArrestFile {
            path: self.path,
            kind,
            title,
            period,
            rows: self.rows,
            rows_by_fy: self.by_fy,
            rows_by_aor,
            bytes,
        })
    }
}

fn date_text(day: NaiveDate) -> Vec<u8> {
    format!("{}/{}/{}", day.month(), day.day(), day.year()).into_bytes()
}

fn us_date(day: NaiveDate) -> String {
    format!("{}/{}/{}", day.month(), day.day(), day.year())
}

fn banner(seed: u64, foia: &str, title: &str) -> Vec<String> {
    vec![
        "ERO-LESA Statistical Tracking Unit (SYNTHETIC DATA - NOT REAL)".into(),
        "For Official Use Only (FOUO)/Pre-decisional".into(),
        foia.into(),
        format!(
            "SYNTHETIC DATA - NOT REAL: written by tally synth (seed {seed}) from fitted marginals; these records describe no one"
        ),
        title.into(),
    ]
}

/// One file to write.
#[derive(Debug, Clone, Copy)]
enum Job {
    Year(i32),
    Reextraction,
    Thin,
}

fn write_job(job: Job, dir: &Path, model: &Model, plan: &Plan) -> Result<ArrestFile, SynthError> {
    let seed = plan.seed;
    match job {
        Job::Year(fy) => {
            let (first, last) = (
                date(fy - 1, 10, 1),
                date(fy, 9, 30).min(date(LAST_FY, 8, 31)),
            );
            let title = if fy == LAST_FY {
                format!(
                    "ERO Administrative Arrests for FY{fy} ({} - {})",
                    us_date(first),
                    us_date(last)
                )
            } else {
                format!("ERO Administrative Arrests for FY{fy}")
            };
            let path = dir.join(format!("SYNTHETIC_EROArrests_FY{fy}.pipe.csv.gz"));
            let mut sink = Sink::create(
                &path,
                &banner(seed, "0000-SYNT-00001", &title),
                model.aors.len(),
            )?;
            for &(day, n) in plan.days.iter().filter(|d| fiscal_year(d.0) == fy) {
                let text = date_text(day);
                let mut rng = day_rng(seed, day, 0);
                for _ in 0..n {
                    let row = model.draw(&mut rng);
                    sink.row(model, &row, &text, fy)?;
                }
            }
            sink.finish(model, ArrestFileKind::FiscalYear(fy), title, (first, last))
        }
        Job::Reextraction => {
            let (first, last) = (date(LAST_FY - 1, 10, 1), date(LAST_FY, 9, 30));
            let title = format!(
                "ERO Administrative Arrests for FY{LAST_FY} ({} - {})",
                us_date(first),
                us_date(last)
            );
            let path = dir.join(format!(
                "SYNTHETIC_EROArrests_FY{LAST_FY}_reextracted.pipe.csv.gz"
            ));
            let mut sink = Sink::create(
                &path,
                &banner(seed, "0000-SYNT-00002", &title),
                model.aors.len(),
            )?;
            let days = plan
                .days
                .iter()
                .filter(|d| fiscal_year(d.0) == LAST_FY)
                .map(|d| (*d, true))
                .chain(plan.september.iter().map(|d| (*d, false)));
            for ((day, n), extracted_before) in days {
                let text = date_text(day);
                let mut rng = day_rng(seed, day, 0);
                if !extracted_before {
                    for _ in 0..n {
                        let row = model.draw(&mut rng);
                        sink.row(model, &row, &text, LAST_FY)?;
                    }
                    continue;
                }
                let mut revise = day_rng(seed, day, 2);
                for _ in 0..n {
                    let mut row = model.draw(&mut rng);
                    if revise.below(1000) < REVISED_PER_MILLE {
                        row.disposition = model.disposition_alias.sample(revise.next_u64());
                    }
                    sink.row(model, &row, &text, LAST_FY)?;
                }
                let mut late = day_rng(seed, day, 3);
                let added = (n * ADDED_PER_MILLE + late.below(1000)) / 1000;
                for _ in 0..added {
                    let row = model.draw(&mut late);
                    sink.row(model, &row, &text, LAST_FY)?;
                }
            }
            sink.finish(model, ArrestFileKind::Reextraction, title, (first, last))
        }
        Job::Thin => {
            let first_day = plan.days.first().map_or(date(2018, 4, 1), |d| d.0);
            let (first, last) = (date(2018, 4, 1).max(first_day), date(2018, 10, 31));
            let title = format!(
                "ERO Administrative Arrests, extract of {} AORs ({} - {})",
                THIN_AORS.len(),
                us_date(first),
                us_date(last)
            );
            let path = dir.join("SYNTHETIC_EROArrests_extract_CHI_SEA_BOS.pipe.csv.gz");
            let mut sink = Sink::create(
                &path,
                &banner(seed, "0000-SYNT-00003", &title),
                model.aors.len(),
            )?;
            let keep: Vec<bool> = model
                .aors
                .iter()
                .map(|a| THIN_AORS.contains(&a.as_str()))
                .collect();
            for &(day, n) in plan.days.iter().filter(|d| d.0 >= first && d.0 <= last) {
                let text = date_text(day);
                let mut rng = day_rng(seed, day, 0);
                let mut pick = day_rng(seed, day, 4);
                for _ in 0..n {
                    let row = model.draw(&mut rng);
                    if pick.below(THIN_ONE_IN) == 0 && keep[row.aor] {
                        sink.row(model, &row, &text, fiscal_year(day))?;
                    }
                }
            }
            sink.finish(model, ArrestFileKind::ThinExtract, title, (first, last))
        }
    }
}

/// Fiscal years written for `rows` rows when none are asked for.
pub fn default_years(rows: u64) -> u32 {
    rows.div_ceil(ROWS_PER_YEAR)
        .clamp(1, DEFAULT_MAX_YEARS as u64) as u32
}

/// Writes the set into `dir` (created), several files at once.
///
/// # Errors
/// A file that cannot be written.
pub fn write_national_arrests_set(
    dir: &Path,
    options: &NationalOptions,
) -> Result<NationalSet, SynthError> {
    write_national_arrests_set_with(dir, options, &Marginals::embedded())
}

/// [`write_national_arrests_set`] with other marginals.
///
/// # Errors
/// A file that cannot be written.
pub fn write_national_arrests_set_with(
    dir: &Path,
    options: &NationalOptions,
    marginals: &Marginals,
) -> Result<NationalSet, SynthError> {
    std::fs::create_dir_all(dir).map_err(|e| SynthError::Io(dir.into(), e))?;
    let years = options
        .years
        .unwrap_or_else(|| default_years(options.rows))
        .clamp(1, MAX_YEARS);
    let model = Model::new(marginals);
    let plan = Plan::new(marginals, options.seed, options.rows, years);
    let mut jobs: Vec<Job> = Vec::new();
    if options.overlap {
        // The longest first: the re-extraction regenerates the last year and September.
        jobs.push(Job::Reextraction);
    }
    jobs.extend((0..years as i32).map(|k| Job::Year(LAST_FY - k)));
    if options.overlap {
        jobs.push(Job::Thin);
    }
    let workers = options
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, jobs.len());
    let next = AtomicUsize::new(0);
    let results: Vec<(usize, Result<ArrestFile, SynthError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        done.push((i, write_job(*job, dir, &model, &plan)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut results = results;
    results.sort_by_key(|r| r.0);
    let mut files = Vec::new();
    for (_, r) in results {
        files.push(r?);
    }
    // Oldest year first, then the planted releases.
    files.sort_by_key(|f| match f.kind {
        ArrestFileKind::FiscalYear(fy) => (0, fy),
        ArrestFileKind::Reextraction => (1, 0),
        ArrestFileKind::ThinExtract => (2, 0),
        ArrestFileKind::Workbook => (3, 0),
    });
    let overlap = options.overlap.then(|| Overlap {
        first_extraction_rows: files
            .iter()
            .filter(|f| f.kind == ArrestFileKind::FiscalYear(LAST_FY))
            .map(|f| f.rows)
            .sum(),
        thin_rows: files
            .iter()
            .filter(|f| f.kind == ArrestFileKind::ThinExtract)
            .map(|f| f.rows)
            .sum(),
    });
    Ok(NationalSet {
        files,
        rows: options.rows,
        overlap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn options(rows: u64, overlap: bool) -> NationalOptions {
        NationalOptions {
            seed: 7,
            rows,
            years: None,
            overlap,
            jobs: Some(2),
        }
    }

    fn text(path: &Path) -> String {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    }

    #[test]
    fn alias_tables_draw_the_weights() {
        let alias = Alias::new(&[70, 20, 10, 0]);
        let mut rng = Rng::new(3);
        let mut counts = [0u64; 4];
        for _ in 0..200_000 {
            counts[alias.sample(rng.next_u64())] += 1;
        }
        assert_eq!(counts[3], 0);
        for (got, want) in counts.iter().zip([0.7, 0.2, 0.1]) {
            let share = *got as f64 / 200_000.0;
            assert!((share - want).abs() < 0.005, "{counts:?}");
        }
    }

    #[test]
    fn exact_rows_years_and_the_real_layout() {
        let dir = tempfile::tempdir().unwrap();
        let set = write_national_arrests_set(dir.path(), &options(300_001, false)).unwrap();
        assert_eq!(set.rows_written(), 300_001);
        let years: Vec<ArrestFileKind> = set.files.iter().map(|f| f.kind).collect();
        assert_eq!(
            years,
            [2017, 2018, 2019].map(ArrestFileKind::FiscalYear),
            "one file per 140k rows, back from FY2019"
        );
        for f in &set.files {
            let ArrestFileKind::FiscalYear(fy) = f.kind else {
                unreachable!()
            };
            assert_eq!(f.rows_by_fy.keys().copied().collect::<Vec<_>>(), [fy]);
            let body = text(&f.path);
            let lines: Vec<&str> = body.lines().collect();
            assert_eq!(lines.len() as u64, f.rows + 6);
            assert!(lines[0].contains("SYNTHETIC") && lines[3].contains("SYNTHETIC"));
            assert_eq!(lines[2], "\"0000-SYNT-00001\"||||||||");
            assert_eq!(lines[5], HEADER);
            assert!(lines.iter().skip(6).all(|l| l.matches('|').count() == 8));
            assert!(lines[6].contains("|\"(B)(6);(B)(7)(C) \"|"));
            let title = if fy == 2019 {
                "\"ERO Administrative Arrests for FY2019 (10/1/2018 - 8/31/2019)\"||||||||"
                    .to_string()
            } else {
                format!("\"ERO Administrative Arrests for FY{fy}\"||||||||")
            };
            assert_eq!(lines[4], title);
            assert!(
                lines[6].contains(&format!("|10/1/{}|", fy - 1)),
                "{}",
                lines[6]
            );
        }
        // Weekends hold about a quarter of a weekday's rows, as in the real files.
        let body = text(&set.files[2].path);
        let sat = body.matches("|3/2/2019|").count() + body.matches("|3/9/2019|").count();
        let tue = body.matches("|3/5/2019|").count() + body.matches("|3/12/2019|").count();
        assert!(sat * 2 < tue && sat > 0, "{sat} {tue}");
    }

    #[test]
    fn same_options_same_bytes_another_seed_other_bytes() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let one = write_national_arrests_set(a.path(), &options(150_000, true)).unwrap();
        let mut serial = options(150_000, true);
        serial.jobs = Some(1);
        let two = write_national_arrests_set(b.path(), &serial).unwrap();
        let mut other = options(150_000, true);
        other.seed = 8;
        let three = write_national_arrests_set(c.path(), &other).unwrap();
        assert_eq!(one.files.len(), 4);
        for ((x, y), z) in one.files.iter().zip(&two.files).zip(&three.files) {
            assert_eq!(
                std::fs::read(&x.path).unwrap(),
                std::fs::read(&y.path).unwrap()
            );
            assert_ne!(
                std::fs::read(&x.path).unwrap(),
                std::fs::read(&z.path).unwrap()
            );
        }
    }

    #[test]
    fn overlap_plants_a_reextraction_and_a_thin_extract_of_the_same_records() {
        let dir = tempfile::tempdir().unwrap();
        let set = write_national_arrests_set(dir.path(), &options(280_000, true)).unwrap();
        let by_kind = |k: ArrestFileKind| set.files.iter().find(|f| f.kind == k).unwrap();
        let first = by_kind(ArrestFileKind::FiscalYear(2019));
        let again = by_kind(ArrestFileKind::Reextraction);
        let thin = by_kind(ArrestFileKind::ThinExtract);
        let overlap = set.overlap.clone().unwrap();
        assert_eq!(overlap.first_extraction_rows, first.rows);
        assert_eq!(overlap.thin_rows, thin.rows);
        // The re-extraction holds every record of the first (revised ones aside) and more.
        let first_text = text(&first.path);
        let again_text = text(&again.path);
        let first_rows: Vec<&str> = first_text.lines().skip(6).collect();
        let again_rows: std::collections::HashSet<&str> = again_text.lines().skip(6).collect();
        let kept = first_rows
            .iter()
            .filter(|r| again_rows.contains(*r))
            .count();
        let share = kept as f64 / first_rows.len() as f64;
        assert!(share > 0.98 && share < 1.0, "{share}");
        assert!(
            again.rows > first.rows * 1_080 / 1_000,
            "September and late rows"
        );
        assert!(again_text.contains("|9/30/2019|"));
        assert_eq!(again.period, (date(2018, 10, 1), date(2019, 9, 30)));
        // The thin extract: its three AORs only, one row in five, every row also in FY2018
        // or FY2019.
        assert_eq!(
            thin.rows_by_aor
                .keys()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            [
                "Boston Area of Responsibility",
                "Chicago Area of Responsibility",
                "Seattle Area of Responsibility"
            ]
        );
        let full: u64 = set
            .files
            .iter()
            .filter(|f| matches!(f.kind, ArrestFileKind::FiscalYear(_)))
            .map(|f| {
                THIN_AORS
                    .iter()
                    .map(|a| f.rows_by_aor.get(*a).copied().unwrap_or(0))
                    .sum::<u64>()
            })
            .sum();
        let days = 214.0 / 699.0;
        let expected = full as f64 * days / THIN_ONE_IN as f64;
        assert!(
            (thin.rows as f64 / expected - 1.0).abs() < 0.15,
            "{} vs {expected}",
            thin.rows
        );
        let mut fy_rows: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for f in [2018, 2019] {
            for l in text(&by_kind(ArrestFileKind::FiscalYear(f)).path)
                .lines()
                .skip(6)
            {
                *fy_rows.entry(l.to_string()).or_default() += 1;
            }
        }
        for l in text(&thin.path).lines().skip(6) {
            assert!(fy_rows.contains_key(l), "{l}");
        }
        let counted = set.counted_by_fy();
        assert_eq!(counted[&2019], again.rows);
        assert_eq!(
            counted.values().sum::<u64>(),
            set.rows_written() - overlap.shadowed()
        );
    }

    #[test]
    fn shares_follow_the_fitted_marginals() {
        let m = Marginals::embedded();
        let model = Model::new(&m);
        let mut rng = Rng::new(11);
        let n = 400_000;
        let mut aor = vec![0u64; model.aors.len()];
        let mut mexico = 0u64;
        let mut blank_landmark = 0u64;
        for _ in 0..n {
            let row = model.draw(&mut rng);
            aor[row.aor] += 1;
            mexico += u64::from(model.citizenships[row.citizenship] == b"\"MEXICO\"");
            blank_landmark += u64::from(row.landmark.is_none());
        }
        let total: u64 = m.aor.iter().map(|a| a.1).sum();
        for ((name, fitted), got) in m.aor.iter().zip(&aor) {
            let want = *fitted as f64 / total as f64;
            let share = *got as f64 / n as f64;
            assert!((share - want).abs() < 0.003, "{name}: {share} vs {want}");
        }
        let share = mexico as f64 / n as f64;
        assert!((0.58..0.62).contains(&share), "{share}");
        assert!((0.02..0.035).contains(&(blank_landmark as f64 / n as f64)));
    }
}
