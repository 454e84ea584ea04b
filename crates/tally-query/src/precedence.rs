//! Release precedence: which release counts for each (table, part, AOR, day).
//!
//! Rule: where two releases hold the same table for the same AOR and day, the release
//! whose coverage of that AOR ends later wins for the overlapping days; on equal ends, the
//! release ingested first wins (so a later re-publication never silently changes figures
//! already reported). Coverage is [`ReleaseEntry::coverage`]: the sheet's first to last
//! event date, widened to its stated coverage period, for every AOR it holds. Rows without an event date cannot overlap and always
//! count.
//!
//! Some releases hold only a part of a table (the LESA-STU "Expedited Removals" and
//! "Other Removals" sheets, see `SheetReport::part`). Parts are compared only with the
//! same part or with a release holding the whole table: a whole-table release that wins
//! shadows a part, but a part never shadows a whole table, and different parts never
//! shadow each other (they are different records).

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use tally_model::TableKind;
use tally_store::ReleaseEntry;

/// Coverage of one AOR by one release (or one part of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    first: NaiveDate,
    last: NaiveDate,
}

/// Two releases covering the same table (part), AOR and days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overlap {
    pub table: TableKind,
    /// Part of the table concerned (`None` = the whole table).
    pub part: Option<String>,
    pub aor: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// File name of the release that counts for these days.
    pub winner: String,
    pub winner_id: String,
    /// File name of the release whose rows on these days are not counted.
    pub shadowed: String,
    pub shadowed_id: String,
}

/// Key of shadowed day ranges: (release id, part, AOR key).
type ShadowKey = (String, Option<String>, String);

/// Precedence for one table among a set of releases.
#[derive(Debug, Clone)]
pub struct Precedence {
    /// Day ranges (days since 1970-01-01) where a higher-precedence release wins.
    shadows: BTreeMap<ShadowKey, Vec<(i32, i32)>>,
    overlaps: Vec<Overlap>,
}

/// Coverage of one release per (part, AOR).
type PartSpans = BTreeMap<(Option<String>, String), Span>;

/// Spans per (part, AOR) of one release ([`ReleaseEntry::coverage`]).
fn spans(release: &ReleaseEntry, table: TableKind) -> PartSpans {
    release
        .coverage(table)
        .into_iter()
        .map(|(k, (first, last))| (k, Span { first, last }))
        .collect()
}

/// Whether rows of part `shadowed` can be stood in for by a release holding `winner`.
fn can_shadow(winner: &Option<String>, shadowed: &Option<String>) -> bool {
    winner.is_none() || winner == shadowed
}

impl Precedence {
    /// Computes precedence for `table` among `releases`.
    pub fn new(table: TableKind, releases: &[&ReleaseEntry]) -> Precedence {
        let coverage: Vec<(&ReleaseEntry, PartSpans)> = releases
            .iter()
            .map(|r| (*r, spans(r, table)))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        let mut shadows: BTreeMap<ShadowKey, Vec<(i32, i32)>> = BTreeMap::new();
        let mut overlaps = Vec::new();
        for (a, a_spans) in &coverage {
            for ((a_part, aor), a_span) in a_spans {
                for (b, b_spans) in &coverage {
                    if a.id == b.id {
                        continue;
                    }
                    for ((b_part, b_aor), b_span) in b_spans {
                        if b_aor != aor || !can_shadow(b_part, a_part) {
                            continue;
                        }
                        let b_wins = (b_span.last, std::cmp::Reverse(b.sequence))
                            > (a_span.last, std::cmp::Reverse(a.sequence));
                        if !b_wins {
                            continue;
                        }
                        let first = a_span.first.max(b_span.first);
                        let last = a_span.last.min(b_span.last);
                        if first > last {
                            continue;
                        }
                        shadows
                            .entry((a.id.clone(), a_part.clone(), aor.clone()))
                            .or_default()
                            .push((
                                tally_model::date::to_epoch_days(first),
                                tally_model::date::to_epoch_days(last),
                            ));
                        overlaps.push(Overlap {
                            table,
                            part: a_part.clone(),
                            aor: aor.clone(),
                            first,
                            last,
                            winner: b.report.file_name.clone(),
                            winner_id: b.id.clone(),
                            shadowed: a.report.file_name.clone(),
                            shadowed_id: a.id.clone(),
                        });
                    }
                }
            }
        }
        Precedence { shadows, overlaps }
    }

    /// True when a row of `release_id` from table part `part`, for `aor_key` (AOR code,
    /// `(blank)` or `(unmapped)`), dated `day` (days since 1970-01-01) counts.
    pub fn counts(
        &self,
        release_id: &str,
        part: Option<&str>,
        aor_key: &str,
        day: Option<i32>,
    ) -> bool {
        let Some(day) = day else { return true };
        match self.shadows.get(&(
            release_id.to_string(),
            part.map(String::from),
            aor_key.to_string(),
        )) {
            None => true,
            Some(ranges) => !ranges.iter().any(|(f, l)| *f <= day && day <= *l),
        }
    }

    /// True when some rows of `release_id` are shadowed (lets the kernel skip checks).
    pub fn shadows_any(&self, release_id: &str) -> bool {
        self.shadows.keys().any(|(r, _, _)| r == release_id)
    }

    /// Every overlap found, with its winner.
    pub fn overlaps(&self) -> &[Overlap] {
        &self.overlaps
    }
}
