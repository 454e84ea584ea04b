//! The marginals SYNTHETIC national arrests are drawn from, fitted from ICE's national
//! release (FOIA 2019-ICFO-53623, `EROArrests_FY2016..FY2019.pipe.csv.gz`) and embedded as
//! a small table of row counts, `data/arrests_marginals.csv`.
//!
//! [`fit_national_arrests`] derives that table from the real files; a test compares its
//! output with the embedded file whenever `../shared/data` is present (and rewrites it when
//! `TALLY_SYNTH_REFIT=1`), so the table cannot drift from its source. Only counts of 10
//! rows or more are kept: Tally publishes no smaller count, and the table is published
//! with the code.

use crate::SynthError;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The embedded table.
pub const EMBEDDED: &str = include_str!("../data/arrests_marginals.csv");

/// The national release's arrests columns, in order.
pub const COLUMNS: [&str; 9] = [
    "Area of Responsibility",
    "Apprehension Date",
    "Apprehension Method",
    "Apprehension Landmark",
    "Operation",
    "Processing Disposition",
    "Birth Date",
    "Citizenship",
    "Gender",
];

/// Counts below this are left out of the table (Tally's default small-cell threshold).
pub const SMALLEST_CELL: u64 = 10;

/// How many citizenships the table keeps (by rows; those under 10 rows are left out too).
pub const TOP_CITIZENSHIPS: usize = 200;

/// The fitted marginals: every distribution as `(value, rows)`, in the table's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Marginals {
    /// AOR long names ("" for rows without one).
    pub aor: Vec<(String, u64)>,
    /// Apprehension methods of each AOR, keyed by the AOR's long name.
    pub method: BTreeMap<String, Vec<(String, u64)>>,
    pub citizenship: Vec<(String, u64)>,
    pub gender: Vec<(String, u64)>,
    pub disposition: Vec<(String, u64)>,
    /// Raw Operation cells ("", the withheld marker `(B)(7)(E) `, `--`).
    pub operation: Vec<(String, u64)>,
    /// Blank ("") and filled ("(text)") landmarks.
    pub landmark: Vec<(String, u64)>,
    /// Distinct landmarks seen per AOR (sizes the synthetic landmark vocabulary).
    pub landmarks_per_aor: BTreeMap<String, u64>,
    /// Rows and covered days per weekday (0 = Monday).
    pub weekday: [(u64, u64); 7],
    /// Rows and covered days per calendar month (0 = January).
    pub month: [(u64, u64); 12],
}

impl Marginals {
    /// The embedded table.
    ///
    /// # Panics
    /// Never for the committed file (a unit test parses it).
    pub fn embedded() -> Marginals {
        Marginals::parse(EMBEDDED).expect("the embedded marginals table parses")
    }

    /// Parses a table in the layout [`fit_national_arrests`] writes.
    ///
    /// # Errors
    /// A line that is not `kind,given,value,rows,days` with known kind and numbers.
    pub fn parse(text: &str) -> Result<Marginals, String> {
        let mut m = Marginals {
            aor: Vec::new(),
            method: BTreeMap::new(),
            citizenship: Vec::new(),
            gender: Vec::new(),
            disposition: Vec::new(),
            operation: Vec::new(),
            landmark: Vec::new(),
            landmarks_per_aor: BTreeMap::new(),
            weekday: [(0, 0); 7],
            month: [(0, 0); 12],
        };
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .has_headers(true)
            .from_reader(text.as_bytes());
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("record {}: {e}", i + 1))?;
            let field = |k: usize| record.get(k).unwrap_or("");
            let number = |k: usize| -> Result<u64, String> {
                let s = field(k);
                if s.is_empty() {
                    return Ok(0);
                }
                s.parse()
                    .map_err(|_| format!("record {}: {s:?} is not a count", i + 1))
            };
            let (kind, given, value, rows, days) =
                (field(0), field(1), field(2), number(3)?, number(4)?);
            let entry = (value.to_string(), rows);
            match kind {
                "aor" => m.aor.push(entry),
                "method" => m.method.entry(given.to_string()).or_default().push(entry),
                "citizenship" => m.citizenship.push(entry),
                "gender" => m.gender.push(entry),
                "disposition" => m.disposition.push(entry),
                "operation" => m.operation.push(entry),
                "landmark" => m.landmark.push(entry),
                "landmarks" => {
                    m.landmarks_per_aor.insert(given.to_string(), rows);
                }
                "weekday" | "month" => {
                    let at: usize = value
                        .parse()
                        .map_err(|_| format!("record {}: bad {kind} {value:?}", i + 1))?;
                    let slot = if kind == "weekday" {
                        m.weekday.get_mut(at)
                    } else {
                        m.month.get_mut(at.wrapping_sub(1))
                    };
                    *slot.ok_or_else(|| format!("record {}: bad {kind} {value:?}", i + 1))? =
                        (rows, days);
                }
                other => return Err(format!("record {}: unknown kind {other:?}", i + 1)),
            }
        }
        if m.aor.is_empty()
            || m.weekday.iter().any(|w| w.1 == 0)
            || m.month.iter().any(|w| w.1 == 0)
        {
            return Err("the table lacks AORs, weekdays or months".into());
        }
        Ok(m)
    }

    /// Mean rows per covered day over the fitted period.
    pub fn rows_per_day(&self) -> f64 {
        let rows: u64 = self.weekday.iter().map(|w| w.0).sum();
        let days: u64 = self.weekday.iter().map(|w| w.1).sum();
        rows as f64 / days.max(1) as f64
    }

    /// A day's expected volume relative to the mean day: weekday factor times month factor.
    pub fn day_factor(&self, day: NaiveDate) -> f64 {
        let mean = self.rows_per_day();
        let (wr, wd) = self.weekday[day.weekday().num_days_from_monday() as usize];
        let (mr, md) = self.month[day.month0() as usize];
        (wr as f64 / wd as f64 / mean) * (mr as f64 / md as f64 / mean)
    }
}

/// The national release's arrests files under `folder`, in name order.
pub fn national_arrest_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("EROArrests_FY") && n.ends_with(".pipe.csv.gz"))
        })
        .collect();
    files.sort();
    files
}

/// The period a national banner title states: `(M/D/YYYY - M/D/YYYY)`, else the fiscal
/// year `FYyyyy` names (1 October to 30 September).
fn title_period(title: &str) -> Option<(NaiveDate, NaiveDate)> {
    if let (Some(open), Some(close)) = (title.find('('), title.find(')'))
        && let Some((a, b)) = title[open + 1..close].split_once(" - ")
        && let (Ok(a), Ok(b)) = (
            NaiveDate::parse_from_str(a.trim(), "%m/%d/%Y"),
            NaiveDate::parse_from_str(b.trim(), "%m/%d/%Y"),
        )
    {
        return Some((a, b));
    }
    let at = title.find("FY")?;
    let fy: i32 = title.get(at + 2..at + 6)?.parse().ok()?;
    Some((
        NaiveDate::from_ymd_opt(fy - 1, 10, 1)?,
        NaiveDate::from_ymd_opt(fy, 9, 30)?,
    ))
}

fn sorted_counts(counts: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts
        .into_iter()
        .filter(|(_, n)| *n >= SMALLEST_CELL)
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Fits the marginals table from the national arrests files (`EROArrests_FY*.pipe.csv.gz`):
/// counts of rows per AOR, method per AOR, citizenship (the 200 most frequent), gender,
/// processing disposition, Operation cell and blank landmark over all rows; distinct
/// landmarks per AOR; rows and covered days per weekday and per month over the days each
/// file's banner states (rows dated outside it are left out there). Counts under 10 are
/// left out. Returns the table's text, header comment included.
///
/// # Errors
/// A file that cannot be read or whose header is not the national arrests header.
pub fn fit_national_arrests(files: &[PathBuf]) -> Result<String, SynthError> {
    let mut aor = BTreeMap::<String, u64>::new();
    let mut method = BTreeMap::<(String, String), u64>::new();
    let mut citizenship = BTreeMap::<String, u64>::new();
    let mut gender = BTreeMap::<String, u64>::new();
    let mut disposition = BTreeMap::<String, u64>::new();
    let mut operation = BTreeMap::<String, u64>::new();
    let mut landmark = BTreeMap::<String, u64>::new();
    let mut landmarks = BTreeMap::<String, std::collections::BTreeSet<String>>::new();
    let mut weekday = [(0u64, 0u64); 7];
    let mut month = [(0u64, 0u64); 12];
    let mut total = 0u64;
    let mut names = Vec::new();
    for path in files {
        let bad = |what: String| {
            SynthError::Io(
                path.clone(),
                std::io::Error::new(std::io::ErrorKind::InvalidData, what),
            )
        };
        let file = std::fs::File::open(path).map_err(|e| SynthError::Io(path.clone(), e))?;
        let mut text = BufReader::new(flate2::read::MultiGzDecoder::new(file));
        let mut banner = Vec::new();
        for _ in 0..5 {
            let mut line = String::new();
            text.read_line(&mut line)
                .map_err(|e| SynthError::Io(path.clone(), e))?;
            banner.push(
                line.split('|')
                    .next()
                    .unwrap_or("")
                    .trim_matches('"')
                    .to_string(),
            );
        }
        let (first, last) = title_period(&banner[4])
            .ok_or_else(|| bad(format!("no period in the title {:?}", banner[4])))?;
        let mut day = first;
        while day <= last {
            weekday[day.weekday().num_days_from_monday() as usize].1 += 1;
            month[day.month0() as usize].1 += 1;
            day = day.succ_opt().unwrap_or(day);
            if day == NaiveDate::MAX {
                break;
            }
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b'|')
            .has_headers(true)
            .flexible(false)
            .from_reader(text);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        if header != COLUMNS {
            return Err(bad(format!("not the national arrests header: {header:?}")));
        }
        for record in reader.records() {
            let r = record.map_err(|e| bad(e.to_string()))?;
            let f = |k: usize| r.get(k).unwrap_or("").to_string();
            total += 1;
            let a = f(0);
            *aor.entry(a.clone()).or_default() += 1;
            *method.entry((a.clone(), f(2))).or_default() += 1;
            let lm = f(3);
            let filled = !lm.trim().is_empty();
            *landmark
                .entry(if filled {
                    "(text)".into()
                } else {
                    String::new()
                })
                .or_default() += 1;
            if filled {
                landmarks.entry(a).or_default().insert(lm);
            }
            *operation.entry(f(4)).or_default() += 1;
            *disposition.entry(f(5)).or_default() += 1;
            *citizenship.entry(f(7)).or_default() += 1;
            *gender.entry(f(8)).or_default() += 1;
            if let Ok(d) = NaiveDate::parse_from_str(&f(1), "%m/%d/%Y")
                && d >= first
                && d <= last
            {
                weekday[d.weekday().num_days_from_monday() as usize].0 += 1;
                month[d.month0() as usize].0 += 1;
            }
        }
        names.push(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    let mut out = String::new();
    out.push_str(
        "# Marginals of SYNTHETIC national arrests (`tally synth --table arrests`): counts of\n\
         # rows fitted from ICE's national record-level release, FOIA 2019-ICFO-53623,\n",
    );
    out.push_str(&format!(
        "# ../shared/data/ice-lesa/national-2019-ICFO-53623/{{{}}} ({total} rows),\n",
        names.join(",")
    ));
    out.push_str(
        "# by tally_synth::marginals::fit_national_arrests. Do not edit: the test\n\
         # marginals::tests::embedded_table_is_fitted_from_the_national_files re-derives it from\n\
         # ../shared/data and fails on any difference (TALLY_SYNTH_REFIT=1 rewrites it).\n\
         # kind: aor (AOR long name, blank = no AOR), method (given = AOR), citizenship (the 200\n\
         # most frequent), gender, disposition, operation (raw cell), landmark (blank or\n\
         # \"(text)\"), landmarks (distinct landmarks seen in the AOR), weekday (0 = Monday) and\n\
         # month (1-12) with the rows dated on those days and the days the banners state.\n\
         # Counts under 10 rows are left out, as Tally prints no count under 10.\n",
    );
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(["kind", "given", "value", "rows", "days"])
        .map_err(|e| SynthError::Io(PathBuf::from("marginals"), e.into()))?;
    let mut row = |kind: &str, given: &str, value: &str, rows: u64, days: Option<u64>| {
        let days = days.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([kind, given, value, &rows.to_string(), &days])
            .map_err(|e| SynthError::Io(PathBuf::from("marginals"), e.into()))
    };
    let aors = sorted_counts(aor);
    for (a, n) in &aors {
        row("aor", "", a, *n, None)?;
    }
    for (a, _) in &aors {
        let of_aor: BTreeMap<String, u64> = method
            .iter()
            .filter(|((x, _), _)| x == a)
            .map(|((_, m), n)| (m.clone(), *n))
            .collect();
        for (m, n) in sorted_counts(of_aor) {
            row("method", a, &m, n, None)?;
        }
    }
    for (c, n) in sorted_counts(citizenship)
        .into_iter()
        .take(TOP_CITIZENSHIPS)
    {
        row("citizenship", "", &c, n, None)?;
    }
    for (kind, counts) in [
        ("gender", gender),
        ("disposition", disposition),
        ("operation", operation),
        ("landmark", landmark),
    ] {
        for (v, n) in sorted_counts(counts) {
            row(kind, "", &v, n, None)?;
        }
    }
    for (a, _) in &aors {
        let n = landmarks.get(a).map_or(0, |s| s.len() as u64);
        if n >= SMALLEST_CELL {
            row("landmarks", a, "", n, None)?;
        }
    }
    for (i, (rows, days)) in weekday.iter().enumerate() {
        row("weekday", "", &i.to_string(), *rows, Some(*days))?;
    }
    for (i, (rows, days)) in month.iter().enumerate() {
        row("month", "", &(i + 1).to_string(), *rows, Some(*days))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| SynthError::Io(PathBuf::from("marginals"), e.into_error()))?;
    out.push_str(&String::from_utf8_lossy(&body));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn national() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/ice-lesa/national-2019-ICFO-53623")
    }

    #[test]
    fn embedded_table_parses_and_is_sane() {
        let m = Marginals::embedded();
        assert!(m.aor.len() >= 24, "{:?}", m.aor);
        assert!(m.citizenship.len() > 100 && m.citizenship.len() <= TOP_CITIZENSHIPS);
        assert_eq!(m.citizenship[0].0, "MEXICO");
        assert!(m.method.values().all(|v| !v.is_empty()));
        assert!(m.operation.iter().any(|(v, _)| v == "(B)(7)(E) "));
        let all = [
            &m.aor,
            &m.citizenship,
            &m.gender,
            &m.disposition,
            &m.operation,
        ];
        assert!(
            all.iter()
                .all(|d| d.iter().all(|(_, n)| *n >= SMALLEST_CELL))
        );
        // About 380 arrests a day; weekends about a quarter of a weekday.
        assert!(
            (300.0..450.0).contains(&m.rows_per_day()),
            "{}",
            m.rows_per_day()
        );
        let sat = m.day_factor(NaiveDate::from_ymd_opt(2019, 3, 2).unwrap());
        let tue = m.day_factor(NaiveDate::from_ymd_opt(2019, 3, 5).unwrap());
        assert!(sat < 0.4 && tue > 1.2, "{sat} {tue}");
    }

    #[test]
    fn embedded_table_is_fitted_from_the_national_files() {
        let files = national_arrest_files(&national());
        if files.is_empty() {
            eprintln!("../shared/data absent: the embedded table is not re-derived");
            return;
        }
        assert_eq!(files.len(), 4, "{files:?}");
        let fitted = fit_national_arrests(&files).unwrap();
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/arrests_marginals.csv");
        if std::env::var_os("TALLY_SYNTH_REFIT").is_some() {
            std::fs::write(&path, &fitted).unwrap();
        }
        assert!(
            fitted == EMBEDDED,
            "{} differs from what the national files give; rerun with TALLY_SYNTH_REFIT=1 \
             and review the difference",
            path.display()
        );
        // 544,059 rows in the four files, as the data README says.
        assert!(fitted.contains("(544059 rows)"));
        assert_eq!(Marginals::parse(&fitted).unwrap(), Marginals::embedded());
    }
}
