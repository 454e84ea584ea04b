//! Operation files: an enforcement operation described as data (TOML).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tally_model::TableKind;

/// An inclusive span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Window {
    /// Number of days, both ends included.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }

    /// The same calendar window `years` earlier (29 February becomes 28 February).
    pub fn years_earlier(&self, years: i32) -> Window {
        let shift = |d: NaiveDate| {
            NaiveDate::from_ymd_opt(d.year() - years, d.month(), d.day())
                .or_else(|| NaiveDate::from_ymd_opt(d.year() - years, d.month(), d.day() - 1))
                .unwrap_or(d)
        };
        Window {
            first: shift(self.first),
            last: shift(self.last),
        }
    }
}

/// How the operation is compared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    /// Baselines: the same calendar window in each of this many preceding years (default 3
    /// when `baselines` is empty).
    #[serde(default)]
    pub baseline_years: Option<u32>,
    /// Explicit baseline windows; when given, they replace `baseline_years`.
    #[serde(default)]
    pub baselines: Vec<Window>,
    /// Comparison AORs; empty means every other AOR with data, HQ excluded.
    #[serde(default)]
    pub comparison_aors: Vec<String>,
}

/// Something else that happened during the window and may move the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confounder {
    pub name: String,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub note: String,
}

/// An operation file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Short name, used by `tally operation run NAME`.
    pub name: String,
    pub title: String,
    pub description: String,
    /// Citations, as text.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Table slug (default `arrests`).
    #[serde(default = "default_table")]
    pub table: String,
    /// Treated AOR codes (or `treated_policy`, which chooses them from the store's
    /// policy lists).
    #[serde(default)]
    pub aors: Vec<String>,
    /// Treated AORs chosen by a policy in force on a date, instead of `aors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treated_policy: Option<TreatedPolicy>,
    pub window: Window,
    #[serde(default)]
    pub comparison: Comparison,
    #[serde(default)]
    pub confounders: Vec<Confounder>,
    /// De-duplication rule applied to every count (`tally_model::dedup`; default `none`,
    /// rows as released).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup: Option<String>,
    /// What is measured: `count` (rows of `table`, the default) or
    /// `average-daily-population` (people detained per day, from the store's daily
    /// headcounts; see [`Outcome`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The outcome measured instead when no release of `table` covers the window or a
    /// baseline for any treated AOR (for an operation of 2020, whose arrest records could
    /// not be obtained); the report says so first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_outcome: Option<String>,
}

/// Treated AORs defined by a policy: those where at least `min_county_share` of the
/// counties (the county-AOR crosswalk) were under `policy` on `on`, by the store's policy
/// lists ([`tally_query::jurisdiction::aor_exposure`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatedPolicy {
    /// `sanctuary`, `287g` or `secure-communities`.
    pub policy: String,
    /// The day the policy must be in force.
    pub on: NaiveDate,
    /// Least share of an AOR's counties under the policy (0..1).
    pub min_county_share: f64,
    /// The county-aor crosswalk release (default: the latest ingested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crosswalk: Option<String>,
}

/// What an operation measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Rows of the operation's table (arrests), by method group: a flow of events.
    Count,
    /// Average daily detained population per AOR and period (person-days over counted
    /// days), from the `detention-headcount` table: a stock, not events.
    AverageDailyPopulation,
    /// Each method group's share of all arrests (the at-large share above all): the
    /// estimate is a ratio of shares (PPML with the AOR-period's arrests as exposure).
    AtLargeShare,
}

impl Outcome {
    /// Parses `count` or `average-daily-population`.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s.trim() {
            "count" => Some(Outcome::Count),
            "average-daily-population" => Some(Outcome::AverageDailyPopulation),
            "at-large-share" => Some(Outcome::AtLargeShare),
            _ => None,
        }
    }

    /// The names [`Outcome::parse`] accepts.
    pub const NAMES: &'static str = "count, average-daily-population, at-large-share";

    /// Its name in operation files.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Count => "count",
            Outcome::AverageDailyPopulation => "average-daily-population",
            Outcome::AtLargeShare => "at-large-share",
        }
    }
}

impl Operation {
    /// The de-duplication rule its counts use (`none` when the file names none).
    pub fn dedup_rule(&self) -> &'static tally_model::DedupRule {
        self.dedup
            .as_deref()
            .and_then(tally_model::dedup_rule)
            .unwrap_or(&tally_model::dedup_rules()[0])
    }
}

fn default_table() -> String {
    "arrests".into()
}

/// Problems with an operation file.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// Operations shipped with Tally (`operations/*.toml` in the repository).
pub const SHIPPED: [(&str, &str); 3] = [
    (
        "operations/bortac-2020.toml",
        include_str!("../../../operations/bortac-2020.toml"),
    ),
    (
        "operations/family-op-2019.toml",
        include_str!("../../../operations/family-op-2019.toml"),
    ),
    (
        "operations/sanctuary-at-large-2016-2019.toml",
        include_str!("../../../operations/sanctuary-at-large-2016-2019.toml"),
    ),
];

impl Operation {
    /// Parses and checks an operation file's text; `origin` names it in errors.
    ///
    /// # Errors
    /// TOML syntax, unknown keys, an unknown table or AOR code, an empty or reversed window.
    pub fn parse(origin: &str, text: &str) -> Result<Operation, SpecError> {
        let invalid = |message: String| SpecError::Invalid {
            path: origin.to_string(),
            message,
        };
        let op: Operation =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim().to_string()))?;
        if TableKind::from_slug(&op.table).is_none() {
            return Err(invalid(format!("unknown table {:?}", op.table)));
        }
        if let Some(name) = &op.dedup
            && tally_model::dedup_rule(name).is_none()
        {
            return Err(invalid(format!(
                "unknown de-duplication rule {name:?}; expected one of {}",
                tally_model::dedup_rule_names()
            )));
        }
        for name in op.outcome.iter().chain(&op.fallback_outcome) {
            if Outcome::parse(name).is_none() {
                return Err(invalid(format!(
                    "unknown outcome {name:?}; expected one of {}",
                    Outcome::NAMES
                )));
            }
        }
        let aors = tally_model::AorCrosswalk::embedded();
        for code in op.aors.iter().chain(&op.comparison.comparison_aors) {
            if !aors.is_code(code) {
                // An operation file names AORs by code only (a file is a record of a
                // design: a name read loosely could hide a typo), but says which code a
                // name it recognizes stands for.
                return Err(invalid(match aors.code_for(code) {
                    Some(known) => format!(
                        "unknown AOR code {code:?}: an operation file names AORs by code; {code:?} is {known:?}"
                    ),
                    None => format!("unknown AOR code {code:?} (codes: see `tally status`)"),
                }));
            }
        }
        match (&op.treated_policy, op.aors.is_empty()) {
            (None, true) => {
                return Err(invalid(
                    "aors lists no treated AOR (list them, or choose them by a [treated_policy])"
                        .into(),
                ));
            }
            (Some(_), false) => {
                return Err(invalid(
                    "give treated AORs either as aors or as [treated_policy], not both".into(),
                ));
            }
            (Some(t), true) => {
                if !["sanctuary", "287g", "secure-communities"].contains(&t.policy.as_str()) {
                    return Err(invalid(format!(
                        "treated_policy.policy {:?}: expected sanctuary, 287g or secure-communities",
                        t.policy
                    )));
                }
                if !(0.0..=1.0).contains(&t.min_county_share) {
                    return Err(invalid(format!(
                        "treated_policy.min_county_share {} is not a share between 0 and 1",
                        t.min_county_share
                    )));
                }
            }
            (None, false) => {}
        }
        for w in std::iter::once(&op.window).chain(&op.comparison.baselines) {
            if w.first > w.last {
                return Err(invalid(format!(
                    "window {} .. {} ends before it starts",
                    w.first, w.last
                )));
            }
        }
        let mut seen: Vec<&String> = Vec::new();
        for code in &op.aors {
            if seen.contains(&code) {
                return Err(invalid(format!("AOR {code:?} is listed twice in aors")));
            }
            seen.push(code);
        }
        let mut compared: Vec<&String> = Vec::new();
        for code in &op.comparison.comparison_aors {
            if op.aors.contains(code) {
                return Err(invalid(format!(
                    "AOR {code:?} is both treated (aors) and a comparison AOR"
                )));
            }
            if compared.contains(&code) {
                return Err(invalid(format!(
                    "AOR {code:?} is listed twice in comparison_aors"
                )));
            }
            compared.push(code);
        }
        let baselines = op.baselines();
        for (i, b) in baselines.iter().enumerate() {
            let overlaps = |w: &Window| b.first <= w.last && w.first <= b.last;
            if overlaps(&op.window) {
                return Err(invalid(format!(
                    "baseline {}..{} overlaps the window {}..{}; a baseline must be a period without the operation",
                    b.first, b.last, op.window.first, op.window.last
                )));
            }
            if let Some(other) = baselines[i + 1..].iter().find(|w| overlaps(w)) {
                return Err(invalid(format!(
                    "baselines {}..{} and {}..{} overlap",
                    b.first, b.last, other.first, other.last
                )));
            }
        }
        if !op.comparison.baselines.is_empty() && op.comparison.baseline_years.is_some() {
            return Err(invalid(
                "give either comparison.baselines or comparison.baseline_years, not both".into(),
            ));
        }
        if op.comparison.baselines.is_empty() && op.comparison.baseline_years == Some(0) {
            return Err(invalid(
                "no baseline: set comparison.baseline_years or comparison.baselines".into(),
            ));
        }
        Ok(op)
    }

    /// Reads an operation file.
    ///
    /// # Errors
    /// As [`Operation::parse`], plus I/O errors.
    pub fn read(path: &Path) -> Result<Operation, SpecError> {
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Operation::parse(&path.display().to_string(), &text)
    }

    /// The shipped operations.
    pub fn shipped() -> Vec<(String, Operation)> {
        SHIPPED
            .iter()
            .filter_map(|(path, text)| {
                Operation::parse(path, text)
                    .ok()
                    .map(|op| (path.to_string(), op))
            })
            .collect()
    }

    /// A shipped operation by name, or a file at `name_or_path`.
    ///
    /// # Errors
    /// Neither a shipped name nor a readable operation file.
    pub fn find(name_or_path: &str) -> Result<Operation, SpecError> {
        if let Some((_, op)) = Operation::shipped()
            .into_iter()
            .find(|(_, op)| op.name == name_or_path)
        {
            return Ok(op);
        }
        let path = Path::new(name_or_path);
        if path.exists() {
            return Operation::read(path);
        }
        let names: Vec<String> = Operation::shipped()
            .into_iter()
            .map(|(_, op)| op.name)
            .collect();
        Err(SpecError::Invalid {
            path: name_or_path.to_string(),
            message: format!(
                "no such operation file, and no shipped operation of that name (shipped: {})",
                names.join(", ")
            ),
        })
    }

    /// What the operation measures (`count` unless the file says otherwise).
    pub fn outcome(&self) -> Outcome {
        self.outcome
            .as_deref()
            .and_then(Outcome::parse)
            .unwrap_or(Outcome::Count)
    }

    /// What is measured when `table` does not cover the design, if the file names one.
    pub fn fallback(&self) -> Option<Outcome> {
        self.fallback_outcome.as_deref().and_then(Outcome::parse)
    }

    /// The table this operation counts ([`Operation::parse`] refuses unknown tables; an
    /// operation built otherwise with one counts the first table, arrests).
    pub fn table_kind(&self) -> TableKind {
        TableKind::from_slug(&self.table).unwrap_or_else(|| TableKind::all()[0])
    }

    /// Baseline windows: explicit ones, or the same calendar window in each preceding year,
    /// most recent first.
    pub fn baselines(&self) -> Vec<Window> {
        if !self.comparison.baselines.is_empty() {
            return self.comparison.baselines.clone();
        }
        (1..=self.comparison.baseline_years.unwrap_or(3) as i32)
            .map(|y| self.window.years_earlier(y))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treated_aors_come_from_a_list_or_a_policy_never_both() {
        let head = "name = \"x\"\ntitle = \"x\"\ndescription = \"x\"\nwindow = { first = \"2019-01-01\", last = \"2019-01-31\" }\n";
        let err = |text: &str| Operation::parse("op.toml", text).unwrap_err().to_string();
        assert!(err(head).contains("aors lists no treated AOR"));
        let policy = "[treated_policy]\npolicy = \"sanctuary\"\non = \"2017-01-01\"\nmin_county_share = 0.5\n";
        assert!(
            err(&format!("aors = [\"CHI\"]\n{head}{policy}"))
                .contains("either as aors or as [treated_policy]")
        );
        assert!(
            err(&format!("{head}{}", policy.replace("0.5", "1.5")))
                .contains("not a share between 0 and 1")
        );
        assert!(
            err(&format!(
                "{head}{}",
                policy.replace("\"sanctuary\"", "\"sanctuaries\"")
            ))
            .contains("expected sanctuary, 287g or secure-communities")
        );
        assert!(
            Operation::parse(
                "op.toml",
                &format!("{head}outcome = \"at-large-share\"\n{policy}")
            )
            .is_ok()
        );
    }

    #[test]
    fn shipped_operations_parse_and_default_to_three_prior_years() {
        let shipped = Operation::shipped();
        assert_eq!(shipped.len(), 3);
        let sanctuary = Operation::find("sanctuary-at-large-2016-2019").unwrap();
        assert_eq!(sanctuary.outcome(), Outcome::AtLargeShare);
        assert!(sanctuary.aors.is_empty());
        let policy = sanctuary.treated_policy.clone().unwrap();
        assert_eq!(
            (policy.policy.as_str(), policy.min_county_share),
            ("sanctuary", 0.33)
        );
        let op = Operation::find("bortac-2020").unwrap();
        assert_eq!(op.aors.len(), 10);
        assert_eq!(op.table_kind().slug(), "arrests");
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            op.baselines(),
            vec![
                Window {
                    first: d(2019, 2, 1),
                    last: d(2019, 5, 31)
                },
                Window {
                    first: d(2018, 2, 1),
                    last: d(2018, 5, 31)
                },
                Window {
                    first: d(2017, 2, 1),
                    last: d(2017, 5, 31)
                },
            ]
        );
        assert_eq!(op.confounders[0].name, "COVID-19 shutdowns");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let err = Operation::parse("x.toml", "name='x'\ntitle='t'\ndescription='d'\naors=['GOT']\nwindow={first='2020-01-01',last='2020-01-31'}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.toml: unknown AOR code \"GOT\" (codes: see `tally status`)"
        );
        let err = Operation::parse("x.toml", "name='x'\ntitle='t'\ndescription='d'\naors=['Chicago']\nwindow={first='2020-01-01',last='2020-01-31'}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.toml: unknown AOR code \"Chicago\": an operation file names AORs by code; \"Chicago\" is \"CHI\""
        );
        let err = Operation::parse("y.toml", "name='x'\ntitle='t'\ndescription='d'\naors=['CHI']\nwindow={first='2020-02-01',last='2020-01-31'}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "y.toml: window 2020-02-01 .. 2020-01-31 ends before it starts"
        );
        assert!(
            Operation::parse("z.toml", "name='x'\ncolour='red'\n")
                .unwrap_err()
                .to_string()
                .contains("unknown field")
        );
    }
}
