//! Which days each AOR of a table is covered by some release: one definition for counts,
//! `status`, precedence and operations (Tally never prints a zero for days it has no data
//! for).
//!
//! A release covers, for every AOR it holds rows for, each part of a table from its first
//! to its last event date, or the period its banner states (`ReleaseEntry::coverage`).
//! Rows with no usable AOR (blank, withheld, unmapped) belong to the release as a whole:
//! they extend no AOR's coverage; a release none of whose rows gives an AOR covers its
//! days under [`AOR_NOT_GIVEN`]. Long stretches inside a release's span with no rows at
//! all, where its rate would have given many ([`tally_store::Hole`]), are not covered.

use crate::precedence::Precedence;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use tally_model::TableKind;
use tally_store::ReleaseEntry;

/// True for the AOR keys that name no AOR.
pub fn is_no_aor(key: &str) -> bool {
    key.starts_with('(')
}

/// The one key of a table that has no AOR field (the detention headcount): its releases
/// cover the table as a whole, from their first to their last day, so that days after a
/// headcount ends are not covered rather than silently absent.
pub const WHOLE_TABLE: &str = "whole table";

/// The key under which a release of a table with AORs covers its days when it gives no
/// AOR for any row (NPR's processed detainers have no AOR column): covered for no AOR in
/// particular, so that the days it does not cover print `not covered`, not 0 or nothing.
pub const AOR_NOT_GIVEN: &str = "(AOR not given)";

/// Covered days per AOR code, as merged inclusive ranges.
#[derive(Debug, Clone, Default)]
pub struct CoverageMap {
    spans: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>>,
    /// The first and last day the releases' banners state, covered or not (a file cut
    /// short states days its rows never reach), and the days of the rows of one place's
    /// extracts (`SheetReport::one_place`), which cover none.
    stated: Option<(NaiveDate, NaiveDate)>,
}

impl CoverageMap {
    /// The coverage of `table` by `releases`, where a release precedence found far
    /// thinner than another for an AOR covers only the days its rows span there (a
    /// filtered extract carrying a full release's banner does not cover what it left out).
    pub fn of(
        releases: &[&ReleaseEntry],
        table: TableKind,
        precedence: &Precedence,
    ) -> CoverageMap {
        let mut spans: BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> = BTreeMap::new();
        let whole = table.def().aor.is_none();
        let mut stated: Option<(NaiveDate, NaiveDate)> = None;
        for r in releases {
            for (f, l) in r
                .report
                .sheets
                .iter()
                .filter(|s| s.table == table)
                .filter_map(|s| match s.one_place() {
                    // One place's extract covers no days, but its rows' days are asked
                    // about by an open count, as a banner's are: the years between two
                    // releases print "not covered" rather than being left out.
                    Some(_) => s.first_date.zip(s.last_date),
                    None => s.banner.coverage,
                })
            {
                let e = stated.get_or_insert((f, l));
                *e = (e.0.min(f), e.1.max(l));
            }
            // Long stretches with no rows (a mistyped date years before the rest) are not
            // covered: tally_catalog::holes.
            let holes = tally_store::holes(&r.report, table);
            let of_release = r.coverage(table);
            let gives_no_aor =
                !of_release.is_empty() && of_release.keys().all(|(_, aor)| is_no_aor(aor));
            for ((part, aor), span) in of_release {
                let aor = match (whole, is_no_aor(&aor)) {
                    (true, _) => WHOLE_TABLE.to_string(),
                    (false, true) if gives_no_aor => AOR_NOT_GIVEN.to_string(),
                    (false, true) => continue,
                    (false, false) => aor,
                };
                let span = if precedence.is_thin(&r.id, &aor) {
                    match rows_span(r, table, &part, &aor) {
                        Some(rows) => rows,
                        None => continue,
                    }
                } else {
                    span
                };
                let mut pieces = tally_store::without_holes(span, &holes, &part);
                // A release giving no AOR, set aside where one giving AORs counts for its
                // days, covers no AOR of its own there: kept, "(AOR not given)" made every
                // other day of a full store "partly" covered beside a renamed copy of a
                // quarter's arrests.
                if aor == AOR_NOT_GIVEN {
                    pieces = precedence.without_shadowed_rows_without_aor(&r.id, &part, pieces);
                } else if !whole {
                    // Days a release giving no AOR counts in its place: the AOR's rows
                    // are counted there, but not as its own.
                    pieces =
                        precedence.without_days_counted_without_aor(&r.id, &part, &aor, pieces);
                }
                if !pieces.is_empty() {
                    spans.entry(aor).or_default().extend(pieces);
                }
            }
        }
        for list in spans.values_mut() {
            *list = merge(std::mem::take(list));
        }
        CoverageMap { spans, stated }
    }

    /// The first and last day a count's open ends reach: those of any AOR's covered days,
    /// widened to the days the releases' banners state. A release cut short (its rows stop
    /// in March under a banner stating to August 31) is not taken to cover April to
    /// August, and a count from January with no end prints those months "not covered",
    /// as its ingest said it would, rather than stopping at March as if they were not
    /// asked about.
    pub fn asked_extent(&self) -> Option<(NaiveDate, NaiveDate)> {
        match (self.extent(), self.stated) {
            (Some((f, l)), Some((sf, sl))) => Some((f.min(sf), l.max(sl))),
            (covered, stated) => covered.or(stated),
        }
    }

    /// The AOR codes some release covers.
    pub fn aors(&self) -> Vec<String> {
        self.spans.keys().cloned().collect()
    }

    /// Covered ranges of `aor`, merged and sorted.
    pub fn spans(&self, aor: &str) -> &[(NaiveDate, NaiveDate)] {
        self.spans.get(aor).map(Vec::as_slice).unwrap_or(&[])
    }

    /// True when some release covers `aor` on `day`.
    pub fn covers(&self, aor: &str, day: NaiveDate) -> bool {
        self.spans(aor).iter().any(|(f, l)| *f <= day && day <= *l)
    }

    /// Days of `first..=last` covered for `aor`.
    pub fn covered_days(&self, aor: &str, first: NaiveDate, last: NaiveDate) -> i64 {
        self.spans(aor)
            .iter()
            .map(|(f, l)| {
                let (a, b) = ((*f).max(first), (*l).min(last));
                if a <= b { (b - a).num_days() + 1 } else { 0 }
            })
            .sum()
    }

    /// Ranges of `first..=last` that no release covers for `aor`.
    pub fn gaps(
        &self,
        aor: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let mut cursor = first;
        for (f, l) in self.spans(aor) {
            if *l < cursor {
                continue;
            }
            if *f > last {
                break;
            }
            if *f > cursor {
                out.push((cursor, (*f - chrono::Days::new(1)).min(last)));
            }
            cursor = match l.succ_opt() {
                Some(next) => next,
                None => return out,
            };
            if cursor > last {
                return out;
            }
        }
        if cursor <= last {
            out.push((cursor, last));
        }
        out
    }

    /// Days some release covers for some AOR, merged and sorted.
    pub fn ranges(&self) -> Vec<(NaiveDate, NaiveDate)> {
        merge(self.spans.values().flatten().copied().collect())
    }

    /// The first and last covered day of any AOR.
    pub fn extent(&self) -> Option<(NaiveDate, NaiveDate)> {
        let all = self.spans.values().flatten();
        all.clone().map(|s| s.0).min().zip(all.map(|s| s.1).max())
    }

    /// Gaps of several AORs over `first..=last`, grouped by identical ranges, for notes:
    /// `[(range, AORs missing it)]` in date order.
    pub fn gaps_by_range(
        &self,
        aors: &[String],
        first: NaiveDate,
        last: NaiveDate,
    ) -> Vec<((NaiveDate, NaiveDate), Vec<String>)> {
        let mut by: BTreeMap<(NaiveDate, NaiveDate), BTreeSet<String>> = BTreeMap::new();
        for aor in aors {
            for g in self.gaps(aor, first, last) {
                by.entry(g).or_default().insert(aor.clone());
            }
        }
        by.into_iter()
            .map(|(g, a)| (g, a.into_iter().collect()))
            .collect()
    }
}

/// The days a release's rows of one part and AOR span.
fn rows_span(
    r: &ReleaseEntry,
    table: TableKind,
    part: &Option<String>,
    aor: &str,
) -> Option<(NaiveDate, NaiveDate)> {
    let spans = r
        .report
        .sheets
        .iter()
        .filter(|s| s.table == table && s.part == *part)
        .filter_map(|s| s.aors.get(aor))
        .filter_map(|a| a.first.zip(a.last));
    spans.reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
}

/// Sorts and merges overlapping or adjacent ranges.
fn merge(mut spans: Vec<(NaiveDate, NaiveDate)>) -> Vec<(NaiveDate, NaiveDate)> {
    spans.sort();
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (f, l) in spans {
        match out.last_mut() {
            Some((_, pl)) if f <= pl.succ_opt().unwrap_or(*pl) => *pl = (*pl).max(l),
            _ => out.push((f, l)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, m, day).unwrap()
    }

    #[test]
    fn gaps_are_the_days_no_span_covers() {
        let map = CoverageMap {
            spans: [(
                "CHI".to_string(),
                merge(vec![
                    (d(1, 10), d(1, 20)),
                    (d(1, 21), d(1, 25)),
                    (d(2, 1), d(2, 5)),
                ]),
            )]
            .into_iter()
            .collect(),
            stated: None,
        };
        assert_eq!(map.spans("CHI"), [(d(1, 10), d(1, 25)), (d(2, 1), d(2, 5))]);
        assert_eq!(
            map.gaps("CHI", d(1, 1), d(2, 10)),
            [
                (d(1, 1), d(1, 9)),
                (d(1, 26), d(1, 31)),
                (d(2, 6), d(2, 10))
            ]
        );
        assert_eq!(map.gaps("CHI", d(1, 12), d(1, 14)), []);
        assert_eq!(map.gaps("NYC", d(1, 12), d(1, 14)), [(d(1, 12), d(1, 14))]);
        assert_eq!(map.covered_days("CHI", d(1, 20), d(2, 2)), 6 + 2);
    }
}
