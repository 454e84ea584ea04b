//! AOR populations by year (the `aor-population` table: ACS estimates summed to AORs),
//! the denominators of per-capita rates.
//!
//! Rates: `count / population * 100,000`. The counts are complete counts of released
//! records, not samples, so the interval of a rate comes from the population estimate
//! only: `count / (population ± 1.96 * standard error) * 100,000` (the ACS 90% margins
//! of error divided by 1.645 give these standard errors; U.S. Census Bureau, "Understanding
//! and Using ACS Data", ch. 7). Which year's population divides a fiscal year's count: the
//! year the FY ends in (FY2016 -> 2016); a FY past the file's last year uses the last
//! year, and a FY before its first the first, said in the result.

use crate::QueryError;
use crate::reference::read_reference;
use std::collections::BTreeMap;
use tally_model::TableKind;
use tally_store::Store;

/// The population a rate is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerCapita {
    /// Everyone.
    Total,
    /// Foreign-born residents.
    ForeignBorn,
    /// Non-citizen residents.
    Noncitizen,
    /// Estimated undocumented residents (a model estimate).
    Undocumented,
}

impl PerCapita {
    /// Every measure with its command-line name.
    pub const ALL: [(PerCapita, &'static str); 4] = [
        (PerCapita::Total, "total"),
        (PerCapita::ForeignBorn, "foreign-born"),
        (PerCapita::Noncitizen, "noncitizen"),
        (PerCapita::Undocumented, "undocumented"),
    ];

    /// Parses a command-line name.
    ///
    /// # Errors
    /// An unknown name, listing the known ones.
    pub fn parse(text: &str) -> Result<PerCapita, QueryError> {
        crate::named(
            &Self::ALL,
            text.trim().to_ascii_lowercase().as_str(),
            "--per-capita population",
        )
    }

    /// Command-line name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("total", |(_, n)| n)
    }

    /// The `aor-population` columns of the estimate and its standard error.
    fn columns(self) -> [&'static str; 2] {
        match self {
            PerCapita::Total => ["total_population", "total_population_se"],
            PerCapita::ForeignBorn => ["foreign_born_population", "foreign_born_population_se"],
            PerCapita::Noncitizen => ["noncitizen_population", "noncitizen_population_se"],
            PerCapita::Undocumented => ["undocumented_population", "undocumented_population_se"],
        }
    }
}

/// One AOR-year estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// People.
    pub population: f64,
    /// Standard error (people).
    pub se: f64,
    /// Row of the source file.
    pub source_row: u64,
}

/// A rate per 100,000 with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Count per 100,000 people.
    pub per_100k: f64,
    /// Lower bound (count over the upper bound of the population).
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// The population year used.
    pub year: i32,
}

/// Populations by (AOR code, year) for one measure.
#[derive(Debug, Clone, Default)]
pub struct AorPopulation {
    /// File name of the table's release.
    pub file_name: String,
    /// SHA-256 of it.
    pub sha256: String,
    estimates: BTreeMap<(String, i32), Estimate>,
}

impl AorPopulation {
    /// Reads `measure` from the latest-ingested `aor-population` release; `Ok(None)` when
    /// the store has none.
    ///
    /// # Errors
    /// Unreadable store files.
    pub fn read(store: &Store, measure: PerCapita) -> Result<Option<AorPopulation>, QueryError> {
        let Some(table) = TableKind::from_slug("aor-population") else {
            return Ok(None);
        };
        let Some(release) = crate::releases_holding(store, table).last().copied() else {
            return Ok(None);
        };
        let [value, se] = measure.columns();
        let rows = read_reference(
            store,
            table,
            &[release],
            &[tally_catalog::schema::AOR, "population_year", value, se],
        )?;
        let mut estimates = BTreeMap::new();
        for row in rows {
            let (Some(aor), Some(year), Some(pop)) = (
                row.values[0].text(),
                row.values[1].number(),
                row.values[2].number(),
            ) else {
                continue;
            };
            estimates.insert(
                (aor.to_string(), year as i32),
                Estimate {
                    population: pop,
                    se: row.values[3].number().unwrap_or(0.0),
                    source_row: row.source_row,
                },
            );
        }
        Ok(Some(AorPopulation {
            file_name: release.report.file_name.clone(),
            sha256: release.report.sha256.clone(),
            estimates,
        }))
    }

    /// First and last year with estimates.
    pub fn years(&self) -> Option<(i32, i32)> {
        let years = self.estimates.keys().map(|(_, y)| *y);
        Some((years.clone().min()?, years.max()?))
    }

    /// The year whose population divides counts of fiscal year `fy`: `fy` itself, or the
    /// nearest year the file has.
    pub fn year_for(&self, fy: i32) -> Option<i32> {
        let (first, last) = self.years()?;
        Some(fy.clamp(first, last))
    }

    /// The estimate for `aor` in `year`.
    pub fn estimate(&self, aor: &str, year: i32) -> Option<Estimate> {
        self.estimates.get(&(aor.to_string(), year)).copied()
    }

    /// `count` per 100,000 of `aor`'s population for fiscal year `fy`.
    pub fn rate(&self, count: u64, aor: &str, fy: i32) -> Option<Rate> {
        let year = self.year_for(fy)?;
        let e = self.estimate(aor, year)?;
        rate(count, e, year)
    }
}

/// `count` per 100,000 of estimate `e`, with the 95% interval from its standard error.
pub fn rate(count: u64, e: Estimate, year: i32) -> Option<Rate> {
    if e.population <= 0.0 {
        return None;
    }
    let per = |pop: f64| count as f64 / pop * 100_000.0;
    let margin = 1.96 * e.se;
    let low_pop = e.population - margin;
    Some(Rate {
        per_100k: per(e.population),
        low: per(e.population + margin),
        high: if low_pop > 0.0 {
            per(low_pop)
        } else {
            f64::INFINITY
        },
        year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_carry_the_estimates_margin() {
        let e = Estimate {
            population: 1_000_000.0,
            se: 10_000.0,
            source_row: 2,
        };
        let r = rate(500, e, 2016).unwrap_or(Rate {
            per_100k: 0.0,
            low: 0.0,
            high: 0.0,
            year: 0,
        });
        assert!((r.per_100k - 50.0).abs() < 1e-9);
        assert!((r.low - 500.0 / 1_019_600.0 * 1e5).abs() < 1e-9);
        assert!((r.high - 500.0 / 980_400.0 * 1e5).abs() < 1e-9);
        assert_eq!(
            rate(
                5,
                Estimate {
                    population: 0.0,
                    se: 0.0,
                    source_row: 0
                },
                2016
            ),
            None
        );
    }
}
