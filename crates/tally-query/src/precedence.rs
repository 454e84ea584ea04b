//! Release precedence: which release counts for each (table, part, AOR, day) where
//! releases overlap, so no day is counted twice.
//!
//! The default rule, for two releases holding the same table (or the same part of it)
//! for the same AOR on the same days:
//!
//! 1. A choice made with `tally prefer` (kept in the manifest) decides within its table,
//!    AOR and days; the latest choice first.
//! 2. A release that is far thinner than the other for that AOR (fewer than
//!    [`THIN_RATIO`] of its rows per covered day) never supersedes it: a filtered extract
//!    (300 Chicago rows carrying the FY2019 banner) cannot override a full release.
//! 3. Otherwise the release whose coverage of that AOR ends later counts (the more recent
//!    extraction of ICE's records); on equal ends, the one ingested first (a later
//!    re-publication never silently changes figures already reported).
//!
//! Parts: a release holding every part of a table (the LESA-STU workbooks' expedited and
//! other removals together) holds the whole table. A release holding only a part never
//! supersedes a whole-table release for those days, and a whole-table release always
//! supersedes it (a whole release's rows of that part cannot be told apart from the rest,
//! so counting both would count them twice). Different parts never shadow each other.
//!
//! Rows with no usable AOR (blank, withheld, unmapped) belong to their release as a whole:
//! they are set aside on the days their release is superseded for every AOR it covers.
//! Where two releases both still count such rows on the same days (a re-extraction of one
//! AOR that carries the national file's blank rows too), those rows are settled between
//! the two as if they were one more AOR, `(no AOR)`, by the same rule.
//!
//! A release none of whose rows gives an AOR (its AOR column missing or renamed) holds
//! rows that may be any AOR's: on the days it shares with a release giving AORs (of the
//! AORs reaching its state, where it is one state's extract), the two settle as wholes,
//! and the one giving AORs counts unless it holds under [`GIVING_AORS_MIN_SHARE`] of
//! the other's rows a day (the other may hold AORs it lacks). Counted side by side, a copy
//! of FY2018's arrests with its AOR column renamed doubled the year.
//!
//! A release of one facility's records (`SheetReport::one_place`) never counts over a
//! release of many places for the same days, and two places' extracts never shadow
//! each other: they are different records.
//!
//! Cuts of the same records: releases derived from the same raw ICE workbook (the
//! Deportation Data Project's state extracts point back to it with `file_original` /
//! `sheet_original` / `row_original`; a raw release is its own source) do not shadow each
//! other by AOR and day, since two cuts of one release may each hold part of an AOR's
//! records. They are counted once by record instead: a row whose source record (workbook,
//! sheet, row) an earlier-ingested release already counted is set aside as a duplicate.
//!
//! Releases are compared on [`ReleaseEntry::extent`]: their coverage widened to any rows
//! dated outside it, so a straggler is never counted twice. Rows without an event date
//! cannot overlap and always count.

use crate::coverage::is_no_aor;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tally_model::TableKind;
use tally_model::date::{from_epoch_days, to_epoch_days};
use tally_store::{Preference, ReleaseEntry};

/// Below this share of another release's rows per covered day, a release is "far thinner"
/// for an AOR and cannot supersede it.
pub const THIN_RATIO: f64 = 0.5;

/// Two releases covering the same table (part), AOR and days, and which one counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    pub table: TableKind,
    /// Part of the table concerned (`None` = the whole table).
    pub part: Option<String>,
    /// AOR code, or `(no AOR)` for rows without one.
    pub aor: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// File name of the release that counts for these days.
    pub winner: String,
    pub winner_id: String,
    /// File name of the release whose rows on these days are not counted.
    pub shadowed: String,
    pub shadowed_id: String,
    /// Which rule decided: `tally prefer`, far thinner, coverage ends later, ingested first,
    /// whole table over a part.
    pub reason: String,
    /// False when the two sides hold different shares of the table (a whole release
    /// against one part of it, or a release giving no AOR against one giving AORs), so
    /// their row counts are not comparable.
    pub like_for_like: bool,
}

/// Per (release id, effective part, AOR key): day ranges (days since 1970-01-01) and the
/// overlap each belongs to.
type Ranges = HashMap<(String, Option<String>, String), DayRanges>;

/// What precedence says about one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The row counts.
    Counts,
    /// The row is set aside: another release counts for its AOR and day (overlap index).
    Shadowed(usize),
}

/// Precedence for one table among a set of releases.
#[derive(Debug, Clone)]
pub struct Precedence {
    /// Releases that hold every part of the table (their rows count as the whole table).
    whole: BTreeSet<String>,
    /// Releases counted by source record, with the workbook names their rows point to.
    by_record: BTreeMap<String, BTreeSet<String>>,
    shadows: Ranges,
    wins: Ranges,
    overlaps: Vec<Overlap>,
    /// (release id, AOR) pairs found far thinner than another release: extracts whose
    /// banner's claim to cover a whole period is not taken for coverage.
    thin: BTreeSet<(String, String)>,
    /// Releases none of whose rows of the table gives an AOR (a file whose AOR column is
    /// missing or renamed; NPR's processed detainers): each row may be any AOR's.
    without_aor: BTreeSet<String>,
    /// Releases of one place's records (`SheetReport::one_place`: every row of every
    /// sheet of the table names one facility), with that place as `field=value`.
    one_place: BTreeMap<String, String>,
}

/// A release's holdings per (effective part, AOR).
type Holdings = BTreeMap<(Option<String>, String), Held>;

/// Day ranges (days since 1970-01-01) with the overlap each belongs to.
type DayRanges = Vec<(i32, i32, usize)>;

/// One release's coverage of one (effective part, AOR): its span and rows.
#[derive(Debug, Clone, Copy)]
struct Held {
    first: NaiveDate,
    last: NaiveDate,
    rows: u64,
}

impl Held {
    fn density(&self) -> f64 {
        self.rows as f64 / ((self.last - self.first).num_days() + 1).max(1) as f64
    }
}

impl Precedence {
    /// [`Precedence::new`] over `releases` of `store` with the store's preferences, kept
    /// beside the store's manifest while the read cache keeps it (a server's later queries
    /// of the same table and releases read it back: a tenth of a small count's time).
    pub fn of_store(
        store: &tally_store::Store,
        table: TableKind,
        releases: &[&ReleaseEntry],
    ) -> std::sync::Arc<Precedence> {
        let ids: Vec<&str> = releases.iter().map(|r| r.id.as_str()).collect();
        store
            .memo()
            .get_or_make(&format!("precedence {table} {ids:?}"), || {
                Precedence::new(table, releases, &store.manifest().preferences)
            })
    }

    /// Computes precedence for `table` among `releases`, with the user's choices.
    pub fn new(
        table: TableKind,
        releases: &[&ReleaseEntry],
        preferences: &[Preference],
    ) -> Precedence {
        let def = table.def();
        let mut whole = BTreeSet::new();
        let mut held: Vec<(&ReleaseEntry, Holdings)> = Vec::new();
        // Rows without a usable AOR, per release (index as in `held`).
        let mut no_aor_held: Vec<Holdings> = Vec::new();
        let mut gives_no_aor: BTreeSet<String> = BTreeSet::new();
        let mut one_place: BTreeMap<String, String> = BTreeMap::new();
        for r in releases {
            let parts: BTreeSet<Option<&str>> = r
                .report
                .sheets
                .iter()
                .filter(|s| s.table == table)
                .map(|s| s.part.as_deref())
                .collect();
            if parts.is_empty() {
                continue;
            }
            let all_parts = !def.parts.is_empty()
                && def
                    .parts
                    .iter()
                    .all(|p| parts.contains(&Some(p.name.as_str())));
            if all_parts {
                whole.insert(r.id.clone());
            }
            let effective = |part: &Option<String>| if all_parts { None } else { part.clone() };
            let mut spans: Holdings = BTreeMap::new();
            let mut without_aor: Holdings = BTreeMap::new();
            for ((part, aor), (first, last)) in r.extent(table) {
                let rows: u64 = r
                    .report
                    .sheets
                    .iter()
                    .filter(|s| s.table == table && s.part == part)
                    .filter_map(|s| s.aors.get(&aor).map(|a| a.rows))
                    .sum();
                let (target, aor) = if is_no_aor(&aor) {
                    (&mut without_aor, NO_AOR.to_string())
                } else {
                    (&mut spans, aor)
                };
                let e = target.entry((effective(&part), aor)).or_insert(Held {
                    first,
                    last,
                    rows: 0,
                });
                e.first = e.first.min(first);
                e.last = e.last.max(last);
                e.rows += rows;
            }
            if spans.is_empty() && !without_aor.is_empty() {
                gives_no_aor.insert(r.id.clone());
            }
            let places: BTreeSet<Option<(&str, &str)>> = r
                .report
                .sheets
                .iter()
                .filter(|s| s.table == table)
                .map(|s| s.one_place())
                .collect();
            if let [Some((field, value))] = places.into_iter().collect::<Vec<_>>()[..] {
                one_place.insert(r.id.clone(), format!("{field}={value}"));
            }
            held.push((r, spans));
            no_aor_held.push(without_aor);
        }
        // Releases sharing a source workbook are counted by record, not by AOR and day.
        let releases: Vec<&ReleaseEntry> = held.iter().map(|(r, _)| *r).collect();
        let sharing = SharedRecords::of(&releases, table);
        let mut by_record: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (i, (a, _)) in held.iter().enumerate() {
            for (j, (b, _)) in held.iter().enumerate() {
                if i != j && sharing.between(i, j) {
                    by_record.insert(a.id.clone(), sources(a, table));
                    by_record.insert(b.id.clone(), sources(b, table));
                }
            }
        }
        let mut p = Precedence {
            whole,
            by_record,
            shadows: HashMap::new(),
            wins: HashMap::new(),
            overlaps: Vec::new(),
            thin: BTreeSet::new(),
            without_aor: gives_no_aor,
            one_place,
        };
        // Long stretches a release holds no rows in (tally_catalog::holes) are no part of
        // an overlap: there the other release's rows count, not nothing.
        let holes: Vec<Vec<tally_store::Hole>> = held
            .iter()
            .map(|(r, _)| tally_store::holes(&r.report, table))
            .collect();
        for (i, (a, a_held)) in held.iter().enumerate() {
            for (j, (b, b_held)) in held.iter().enumerate().skip(i + 1) {
                if sharing.between(i, j) {
                    continue;
                }
                if versions(a, b, table) {
                    p.settle_versions(
                        table,
                        preferences,
                        (a, a_held, &holes[i]),
                        (b, b_held, &holes[j]),
                    );
                    continue;
                }
                for ((a_part, aor), ha) in a_held {
                    for ((b_part, b_aor), hb) in b_held {
                        if b_aor != aor {
                            continue;
                        }
                        let first = ha.first.max(hb.first);
                        let last = ha.last.min(hb.last);
                        if first > last {
                            continue;
                        }
                        let pieces: Vec<(NaiveDate, NaiveDate)> =
                            tally_store::without_holes((first, last), &holes[i], a_part)
                                .into_iter()
                                .flat_map(|s| tally_store::without_holes(s, &holes[j], b_part))
                                .collect();
                        for (first, last) in pieces {
                            p.settle(
                                table,
                                preferences,
                                (a, a_part, ha),
                                (b, b_part, hb),
                                aor,
                                first,
                                last,
                            );
                        }
                    }
                }
            }
        }
        p.settle_releases_without_aor(table, &held, &no_aor_held, &sharing, &holes);
        p.settle_rows_without_aor(table, &held);
        p.settle_between_rows_without_aor(
            table,
            preferences,
            &held,
            &no_aor_held,
            &sharing,
            &holes,
        );
        p
    }

    /// Two versions of one file (the same file name; a revision published again under it)
    /// settle as wholes, not AOR by AOR: on the days both span, one of them counts for
    /// every AOR either holds, decided once by the rule over each one's rows and days
    /// (or `tally prefer`). Settled AOR by AOR, a record the revision moved from one AOR
    /// to another counted twice: in the first version's old AOR and the revision's new
    /// one (and each AOR could go to a different version, by thinness).
    fn settle_versions(
        &mut self,
        table: TableKind,
        preferences: &[Preference],
        a: (&ReleaseEntry, &Holdings, &[tally_store::Hole]),
        b: (&ReleaseEntry, &Holdings, &[tally_store::Hole]),
    ) {
        let whole = |h: &Holdings| {
            h.values().copied().reduce(|x, y| Held {
                first: x.first.min(y.first),
                last: x.last.max(y.last),
                rows: x.rows + y.rows,
            })
        };
        let ((ra, held_a, holes_a), (rb, held_b, holes_b)) = (a, b);
        let (Some(wa), Some(wb)) = (whole(held_a), whole(held_b)) else {
            return;
        };
        let (first, last) = (wa.first.max(wb.first), wa.last.min(wb.last));
        if first > last {
            return;
        }
        let keys: BTreeSet<&(Option<String>, String)> =
            held_a.keys().chain(held_b.keys()).collect();
        for (part, aor) in keys {
            let pieces: Vec<(NaiveDate, NaiveDate)> =
                tally_store::without_holes((first, last), holes_a, part)
                    .into_iter()
                    .flat_map(|s| tally_store::without_holes(s, holes_b, part))
                    .collect();
            for (f, l) in pieces {
                self.settle(
                    table,
                    preferences,
                    (ra, part, &wa),
                    (rb, part, &wb),
                    aor,
                    f,
                    l,
                );
            }
        }
    }

    /// Two releases that both hold rows without an AOR on the same days, and both still
    /// count them there (neither is superseded for every AOR it covers), may hold the
    /// same records: a re-extraction of one AOR carries the national file's blank rows
    /// too. Those rows cannot be told apart by AOR, so the two releases' rows without an
    /// AOR are settled as if they were one more AOR, by the same rule, and, as for an
    /// AOR, a hole in either release (`holes`, per release of `held`) is no part of it.
    fn settle_between_rows_without_aor(
        &mut self,
        table: TableKind,
        preferences: &[Preference],
        held: &[(&ReleaseEntry, Holdings)],
        no_aor_held: &[Holdings],
        sharing: &SharedRecords,
        holes: &[Vec<tally_store::Hole>],
    ) {
        let shadowed_on = |p: &Precedence, id: &str, part: &Option<String>, day: i32| {
            p.shadows
                .get(&(id.to_string(), part.clone(), NO_AOR.to_string()))
                .is_some_and(|s| s.iter().any(|(f, l, _)| *f <= day && day <= *l))
        };
        for i in 0..held.len() {
            for j in i + 1..held.len() {
                if sharing.between(i, j) {
                    continue;
                }
                let (a, b) = (held[i].0, held[j].0);
                for ((a_part, _), ha) in &no_aor_held[i] {
                    for ((b_part, _), hb) in &no_aor_held[j] {
                        let (first, last) = (ha.first.max(hb.first), ha.last.min(hb.last));
                        if first > last {
                            continue;
                        }
                        // The days neither release's rows without an AOR are set aside,
                        // outside both releases' holes.
                        let days: Vec<i32> =
                            tally_store::without_holes((first, last), &holes[i], a_part)
                                .into_iter()
                                .flat_map(|s| tally_store::without_holes(s, &holes[j], b_part))
                                .flat_map(|(f, l)| to_epoch_days(f)..=to_epoch_days(l))
                                .collect();
                        let mut runs: Vec<(i32, i32)> = Vec::new();
                        for day in days {
                            if shadowed_on(self, &a.id, a_part, day)
                                || shadowed_on(self, &b.id, b_part, day)
                            {
                                continue;
                            }
                            match runs.last_mut() {
                                Some(run) if run.1 + 1 == day => run.1 = day,
                                _ => runs.push((day, day)),
                            }
                        }
                        for (f, l) in runs {
                            self.settle(
                                table,
                                preferences,
                                (a, a_part, ha),
                                (b, b_part, hb),
                                NO_AOR,
                                from_epoch_days(f),
                                from_epoch_days(l),
                            );
                        }
                    }
                }
            }
        }
    }

    /// Decides one overlap of releases `a` and `b` for `aor` on `first..=last`, splitting
    /// it where a `tally prefer` choice starts or ends.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &mut self,
        table: TableKind,
        preferences: &[Preference],
        a: (&ReleaseEntry, &Option<String>, &Held),
        b: (&ReleaseEntry, &Option<String>, &Held),
        aor: &str,
        first: NaiveDate,
        last: NaiveDate,
    ) {
        let (ra, pa, ha) = a;
        let (rb, pb, hb) = b;
        // Parts: the same part (or both whole) compare; a whole release beats a part; two
        // different parts are different records.
        let structural: Option<(bool, &str)> = match (pa, pb) {
            (x, y) if x == y => None,
            (None, Some(_)) => Some((
                true,
                "a whole-table release counts over a release of one part",
            )),
            (Some(_), None) => Some((
                false,
                "a whole-table release counts over a release of one part",
            )),
            _ => return,
        };
        // One place's records: two places' are different records, and one place's never
        // stand for an AOR's (38 rows of one facility, ingested first, set aside the
        // AOR's 72).
        let (place_a, place_b) = (self.one_place.get(&ra.id), self.one_place.get(&rb.id));
        let same_place = place_a == place_b;
        let structural = match (place_a, place_b) {
            (Some(x), Some(y)) if x != y => return,
            (Some(_), None) => Some((false, ONE_PLACE)),
            (None, Some(_)) => Some((true, ONE_PLACE)),
            _ => structural,
        };
        // Day boundaries of the choices that concern these two releases.
        let relevant: Vec<&Preference> = preferences
            .iter()
            .filter(|c| c.applies(table, aor) && (c.release == ra.id || c.release == rb.id))
            .collect();
        let mut cuts: BTreeSet<NaiveDate> = [first, last.succ_opt().unwrap_or(last)].into();
        for c in &relevant {
            for d in [c.from, c.to.and_then(|t| t.succ_opt())]
                .into_iter()
                .flatten()
            {
                if d > first && d <= last {
                    cuts.insert(d);
                }
            }
        }
        let cuts: Vec<NaiveDate> = cuts.into_iter().collect();
        for w in cuts.windows(2) {
            let (seg_first, seg_last) = (w[0], w[1].pred_opt().unwrap_or(w[1]).min(last));
            if seg_first > seg_last {
                continue;
            }
            let chosen = relevant.iter().rev().find(|c| {
                c.from.is_none_or(|f| f <= seg_first) && c.to.is_none_or(|t| t >= seg_last)
            });
            let (a_wins, reason) = match (chosen, structural) {
                (Some(c), _) => (c.release == ra.id, "chosen with `tally prefer`".to_string()),
                (None, Some((a_wins, why))) => (a_wins, why.to_string()),
                (None, None) => rule(ra, ha, rb, hb),
            };
            if reason.contains(FAR_THINNER) {
                let loser = if a_wins { &rb.id } else { &ra.id };
                self.thin.insert((loser.clone(), aor.to_string()));
            }
            let (w_rel, w_part, l_rel, l_part) = if a_wins {
                (ra, pa, rb, pb)
            } else {
                (rb, pb, ra, pa)
            };
            // A revision published under its first version's name: "x.csv counts, x.csv
            // does not" would say nothing, so each is named with its release id too.
            let same_name = w_rel.report.file_name == l_rel.report.file_name;
            let named = |r: &ReleaseEntry| {
                tally_catalog::release_label(&r.report.file_name, &r.id, same_name)
            };
            self.record(
                Overlap {
                    table,
                    part: l_part.clone(),
                    aor: aor.to_string(),
                    first: seg_first,
                    last: seg_last,
                    winner: named(w_rel),
                    winner_id: w_rel.id.clone(),
                    shadowed: named(l_rel),
                    shadowed_id: l_rel.id.clone(),
                    reason,
                    like_for_like: pa == pb && same_place,
                },
                w_part.clone(),
            );
        }
    }

    /// A release none of whose rows gives an AOR (`without_aor`) holds rows that may be
    /// any AOR's: beside releases giving AORs it counted twice (a copy of FY2018's
    /// arrests with its AOR column renamed printed 316,289 for 158,581). It is settled,
    /// day range by day range, against what the releases giving AORs still count there
    /// once AOR precedence is done (their AORs' rows not set aside, those without an AOR
    /// too), taken together: where together they hold [`GIVING_AORS_MIN_SHARE`] of its
    /// rows per day or more, its rows are set aside; else it may hold AORs they lack, and
    /// it counts in their place, their rows set aside. Settled pair by pair, three
    /// releases went round in a circle (a seven-AOR extract over the national file, the
    /// renamed copy over the extract, the national file over the copy) and 85,900 rows
    /// counted nowhere. Releases it shares records with (cuts of one workbook) and, where
    /// it is one state's extract, AORs not reaching that state are left out; its holes
    /// are no part of it.
    fn settle_releases_without_aor(
        &mut self,
        table: TableKind,
        held: &[(&ReleaseEntry, Holdings)],
        no_aor_held: &[Holdings],
        sharing: &SharedRecords,
        holes: &[Vec<tally_store::Hole>],
    ) {
        let mut order: Vec<usize> = (0..held.len())
            .filter(|&i| self.without_aor.contains(&held[i].0.id))
            .collect();
        order.sort_by_key(|&i| held[i].0.sequence);
        for i in order {
            let a = held[i].0;
            let a_state = a.report.extract_state(table);
            // The keys of the releases giving AORs set beside it: (index, part, AOR key, held).
            let mut beside: Vec<(usize, Option<String>, String, Held)> = Vec::new();
            for (j, (b, b_held)) in held.iter().enumerate() {
                if j == i || sharing.between(i, j) || self.without_aor.contains(&b.id) {
                    continue;
                }
                let b_state = b.report.extract_state(table);
                if a_state.is_some() && b_state.is_some() && a_state != b_state {
                    continue;
                }
                let reaches =
                    |aor: &str| match (a_state, tally_model::aor_territory::states_of(aor)) {
                        (Some(state), Some(states)) if !states.is_empty() => {
                            states.iter().any(|s| s == state)
                        }
                        _ => true,
                    };
                for ((part, aor), h) in b_held.iter().chain(&no_aor_held[j]) {
                    if aor == NO_AOR || reaches(aor) {
                        beside.push((j, part.clone(), aor.clone(), *h));
                    }
                }
            }
            for ((a_part, _), ha) in &no_aor_held[i] {
                let keys: Vec<&(usize, Option<String>, String, Held)> = beside
                    .iter()
                    .filter(|(_, part, _, _)| part == a_part || part.is_none() || a_part.is_none())
                    .collect();
                if keys.is_empty() {
                    continue;
                }
                // Elementary day ranges: every boundary of its span, theirs and the
                // ranges already set aside.
                let mut cuts: BTreeSet<i32> = BTreeSet::new();
                let own: Vec<(i32, i32)> =
                    tally_store::without_holes((ha.first, ha.last), &holes[i], a_part)
                        .into_iter()
                        .map(|(f, l)| (to_epoch_days(f), to_epoch_days(l)))
                        .collect();
                for (f, l) in &own {
                    cuts.insert(*f);
                    cuts.insert(*l + 1);
                }
                for (j, part, aor, h) in &keys {
                    cuts.insert(to_epoch_days(h.first));
                    cuts.insert(to_epoch_days(h.last) + 1);
                    let key = (held[*j].0.id.clone(), part.clone(), aor.clone());
                    for (f, l, _) in self.shadows.get(&key).into_iter().flatten() {
                        cuts.insert(*f);
                        cuts.insert(*l + 1);
                    }
                }
                let cuts: Vec<i32> = cuts.into_iter().collect();
                // Runs of ranges decided alike, by the same releases' keys.
                type Run = (i32, i32, bool, Vec<usize>);
                let mut runs: Vec<Run> = Vec::new();
                for w in cuts.windows(2) {
                    let (day, last) = (w[0], w[1] - 1);
                    if !own.iter().any(|(f, l)| *f <= day && day <= *l) {
                        continue;
                    }
                    let counting: Vec<usize> = keys
                        .iter()
                        .enumerate()
                        .filter(|(_, (j, part, aor, h))| {
                            let key = (held[*j].0.id.clone(), part.clone(), aor.clone());
                            to_epoch_days(h.first) <= day
                                && day <= to_epoch_days(h.last)
                                && !self.shadows.get(&key).is_some_and(|s| {
                                    s.iter().any(|(f, l, _)| *f <= day && day <= *l)
                                })
                        })
                        .map(|(k, _)| k)
                        .collect();
                    if counting.is_empty() {
                        continue;
                    }
                    let a_counts = match self
                        .rows_beside(table, a, a_part, held, &keys, &counting, day, last)
                    {
                        // Rows on these very days where every release recorded them per
                        // day (a straggler day's 4 rows against its rows, not a year's
                        // rate against a day's).
                        Some((own, together)) => together < GIVING_AORS_MIN_SHARE * own,
                        None => {
                            let together: f64 = counting.iter().map(|&k| keys[k].3.density()).sum();
                            together < GIVING_AORS_MIN_SHARE * ha.density()
                        }
                    };
                    match runs.last_mut() {
                        Some(run) if run.1 + 1 == day && run.2 == a_counts && run.3 == counting => {
                            run.1 = last
                        }
                        _ => runs.push((day, last, a_counts, counting)),
                    }
                }
                for (f, l, a_counts, counting) in runs {
                    let releases: BTreeSet<usize> = counting.iter().map(|&k| keys[k].0).collect();
                    if a_counts {
                        // Its rows count; each key giving AORs there is set aside.
                        for &k in &counting {
                            let (j, part, aor, _) = keys[k];
                            let b = held[*j].0;
                            let index = self.overlaps.len();
                            self.overlaps.push(Overlap {
                                table,
                                part: part.clone(),
                                aor: aor.clone(),
                                first: from_epoch_days(f),
                                last: from_epoch_days(l),
                                winner: tally_catalog::release_label(
                                    &a.report.file_name,
                                    &a.id,
                                    a.report.file_name == b.report.file_name,
                                ),
                                winner_id: a.id.clone(),
                                shadowed: tally_catalog::release_label(
                                    &b.report.file_name,
                                    &b.id,
                                    a.report.file_name == b.report.file_name,
                                ),
                                shadowed_id: b.id.clone(),
                                reason: AOR_LESS_COUNTS.into(),
                                like_for_like: false,
                            });
                            self.shadows
                                .entry((b.id.clone(), part.clone(), aor.clone()))
                                .or_default()
                                .push((f, l, index));
                            self.wins
                                .entry((a.id.clone(), a_part.clone(), NO_AOR.into()))
                                .or_default()
                                .push((f, l, index));
                        }
                    } else {
                        let named: Vec<(String, String)> = releases
                            .iter()
                            .map(|&j| {
                                let b = held[j].0;
                                let same = a.report.file_name == b.report.file_name;
                                (
                                    b.id.clone(),
                                    tally_catalog::release_label(&b.report.file_name, &b.id, same),
                                )
                            })
                            .collect();
                        let index = self.overlaps.len();
                        self.overlaps.push(Overlap {
                            table,
                            part: a_part.clone(),
                            aor: NO_AOR.into(),
                            first: from_epoch_days(f),
                            last: from_epoch_days(l),
                            winner: named
                                .iter()
                                .map(|(_, n)| n.as_str())
                                .collect::<Vec<_>>()
                                .join(" + "),
                            winner_id: named
                                .iter()
                                .map(|(i, _)| i.as_str())
                                .collect::<Vec<_>>()
                                .join("+"),
                            shadowed: tally_catalog::release_label(
                                &a.report.file_name,
                                &a.id,
                                false,
                            ),
                            shadowed_id: a.id.clone(),
                            reason: AOR_GIVERS_COUNT.into(),
                            like_for_like: false,
                        });
                        self.shadows
                            .entry((a.id.clone(), a_part.clone(), NO_AOR.into()))
                            .or_default()
                            .push((f, l, index));
                        for &k in &counting {
                            let (j, part, aor, _) = keys[k];
                            self.wins
                                .entry((held[*j].0.id.clone(), part.clone(), aor.clone()))
                                .or_default()
                                .push((f, l, index));
                        }
                    }
                }
            }
        }
    }

    /// For [`Precedence::settle_releases_without_aor`]: the rows `a` (table part `part`)
    /// holds on days `first..=last` (days since 1970-01-01), and the rows the releases of
    /// `keys` hold there that still count (each release's rows on those days in the
    /// share of its keys spanning them that are `counting`, by their rows per day).
    /// `None` where a release has no rows per day recorded (stores from before they were).
    #[allow(clippy::too_many_arguments)]
    fn rows_beside(
        &self,
        table: TableKind,
        a: &ReleaseEntry,
        part: &Option<String>,
        held: &[(&ReleaseEntry, Holdings)],
        keys: &[&(usize, Option<String>, String, Held)],
        counting: &[usize],
        first: i32,
        last: i32,
    ) -> Option<(f64, f64)> {
        let rows_in = |r: &ReleaseEntry, part: &Option<String>| -> Option<f64> {
            let sheets: Vec<&tally_catalog::SheetReport> = r
                .report
                .sheets
                .iter()
                .filter(|s| s.table == table && (part.is_none() || s.part == *part))
                .collect();
            if sheets.is_empty() || sheets.iter().any(|s| s.rows_by_day.is_empty()) {
                return None;
            }
            let (f, l) = (from_epoch_days(first), from_epoch_days(last));
            Some(
                sheets
                    .iter()
                    .flat_map(|s| s.rows_by_day.range(f..=l).map(|(_, n)| *n))
                    .sum::<u64>() as f64,
            )
        };
        let own = rows_in(a, part)?;
        let releases: BTreeSet<usize> = counting.iter().map(|&k| keys[k].0).collect();
        let mut together = 0.0;
        for j in releases {
            let spanning = keys.iter().enumerate().filter(|(_, (r, _, _, h))| {
                *r == j && to_epoch_days(h.first) <= first && first <= to_epoch_days(h.last)
            });
            let (mut all, mut kept) = (0.0, 0.0);
            for (k, (_, _, _, h)) in spanning {
                all += h.density();
                if counting.contains(&k) {
                    kept += h.density();
                }
            }
            if all > 0.0 {
                together += rows_in(held[j].0, &None)? * kept / all;
            }
        }
        Some((own, together))
    }

    fn record(&mut self, o: Overlap, winner_part: Option<String>) {
        let index = self.overlaps.len();
        let range = (to_epoch_days(o.first), to_epoch_days(o.last), index);
        self.shadows
            .entry((o.shadowed_id.clone(), o.part.clone(), o.aor.clone()))
            .or_default()
            .push(range);
        self.wins
            .entry((o.winner_id.clone(), winner_part, o.aor.clone()))
            .or_default()
            .push(range);
        self.overlaps.push(o);
    }

    /// Rows with no usable AOR belong to their release as a whole: on the days the release
    /// is superseded for every AOR it covers, they are set aside too.
    fn settle_rows_without_aor(&mut self, table: TableKind, held: &[(&ReleaseEntry, Holdings)]) {
        for (r, spans) in held {
            // Only releases that have rows without an AOR, in the parts that have them.
            let whole = self.whole.contains(&r.id);
            let parts: BTreeSet<Option<String>> = r
                .coverage(table)
                .keys()
                .filter(|(_, aor)| is_no_aor(aor))
                .map(|(p, _)| if whole { None } else { p.clone() })
                .collect();
            for part in parts {
                let aors: Vec<(&String, &Held)> = spans
                    .iter()
                    .filter(|((p, _), _)| *p == part)
                    .map(|((_, a), h)| (a, h))
                    .collect();
                let shadows: Vec<(&Held, DayRanges)> = aors
                    .iter()
                    .map(|(a, h)| {
                        let key = (r.id.clone(), part.clone(), (*a).clone());
                        (*h, self.shadows.get(&key).cloned().unwrap_or_default())
                    })
                    .collect();
                if shadows.iter().all(|(_, s)| s.is_empty()) {
                    continue;
                }
                // Elementary day ranges between every span and shadow boundary.
                let mut cuts: BTreeSet<i32> = BTreeSet::new();
                for (h, s) in &shadows {
                    cuts.insert(to_epoch_days(h.first));
                    cuts.insert(to_epoch_days(h.last) + 1);
                    for (f, l, _) in s {
                        cuts.insert(*f);
                        cuts.insert(*l + 1);
                    }
                }
                let cuts: Vec<i32> = cuts.into_iter().collect();
                let mut runs: Vec<(i32, i32, BTreeSet<usize>)> = Vec::new();
                for w in cuts.windows(2) {
                    let day = w[0];
                    let covering: Vec<&(&Held, DayRanges)> = shadows
                        .iter()
                        .filter(|(h, _)| {
                            to_epoch_days(h.first) <= day && day <= to_epoch_days(h.last)
                        })
                        .collect();
                    let mut by: BTreeSet<usize> = BTreeSet::new();
                    let all = !covering.is_empty()
                        && covering.iter().all(|(_, s)| {
                            match s.iter().find(|(f, l, _)| *f <= day && day <= *l) {
                                Some((_, _, o)) => {
                                    by.insert(*o);
                                    true
                                }
                                None => false,
                            }
                        });
                    if all {
                        match runs.last_mut() {
                            Some(run) if run.1 + 1 == day && run.2 == by => run.1 = w[1] - 1,
                            _ => runs.push((day, w[1] - 1, by)),
                        }
                    }
                }
                for (f, l, by) in runs {
                    let winners: BTreeSet<(String, String)> = by
                        .iter()
                        .map(|o| {
                            (
                                self.overlaps[*o].winner_id.clone(),
                                self.overlaps[*o].winner.clone(),
                            )
                        })
                        .collect();
                    let index = self.overlaps.len();
                    // Named with its id where a winner shares its file name (a revision
                    // republished under it), as the winners are.
                    let shared = winners.iter().any(|(id, name)| {
                        *id != r.id
                            && *name == tally_catalog::release_label(&r.report.file_name, id, true)
                    });
                    self.overlaps.push(Overlap {
                        table,
                        part: part.clone(),
                        aor: NO_AOR.into(),
                        first: from_epoch_days(f),
                        last: from_epoch_days(l),
                        winner: winners.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(" + "),
                        winner_id: winners.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>().join("+"),
                        shadowed: tally_catalog::release_label(&r.report.file_name, &r.id, shared),
                        shadowed_id: r.id.clone(),
                        reason: "rows without an AOR go with their release, superseded here for every AOR it covers".into(),
                        like_for_like: false,
                    });
                    self.shadows
                        .entry((r.id.clone(), part.clone(), NO_AOR.into()))
                        .or_default()
                        .push((f, l, index));
                    // The winners' own rows without an AOR on those days are the other
                    // side of it (tallied as every overlap's two sides are: `status`
                    // printed 0 rows against the release set aside).
                    for (id, _) in &winners {
                        let their_part = if self.whole.contains(id) {
                            None
                        } else {
                            part.clone()
                        };
                        self.wins
                            .entry((id.clone(), their_part, NO_AOR.into()))
                            .or_default()
                            .push((f, l, index));
                    }
                }
            }
        }
    }

    /// True when `release_id`'s rows are counted once by source record, beside other cuts
    /// of the same raw workbook.
    pub fn by_record(&self, release_id: &str) -> bool {
        self.by_record.contains_key(release_id)
    }

    /// The part a sheet's rows count as: `None` for every sheet of a release holding all
    /// parts of the table (the part [`SetAside::part`] names).
    pub fn effective(&self, release_id: &str, part: Option<&str>) -> Option<String> {
        if self.whole.contains(release_id) {
            None
        } else {
            part.map(String::from)
        }
    }

    /// The overlaps in `ranges` (shadows or wins) that a row of `release_id`, table part
    /// `part`, AOR key `aor_key` (rows without a usable AOR share one key) and `day` lies in.
    fn ranges_at<'a>(
        &'a self,
        ranges: &'a Ranges,
        release_id: &str,
        part: Option<&str>,
        aor_key: &str,
        day: i32,
    ) -> impl Iterator<Item = usize> + 'a {
        let aor = if is_no_aor(aor_key) { NO_AOR } else { aor_key };
        let key = (
            release_id.to_string(),
            self.effective(release_id, part),
            aor.to_string(),
        );
        ranges
            .get(&key)
            .into_iter()
            .flatten()
            .filter(move |(f, l, _)| *f <= day && day <= *l)
            .map(|(_, _, o)| *o)
    }

    /// Whether a row of `release_id` from table part `part`, for `aor_key` (AOR code, or a
    /// key in parentheses for rows without one), dated `day` (days since 1970-01-01)
    /// counts, and if not, which overlap sets it aside.
    pub fn decide(
        &self,
        release_id: &str,
        part: Option<&str>,
        aor_key: &str,
        day: Option<i32>,
    ) -> Decision {
        let Some(day) = day else {
            return Decision::Counts;
        };
        match self
            .ranges_at(&self.shadows, release_id, part, aor_key, day)
            .next()
        {
            Some(o) => Decision::Shadowed(o),
            None => Decision::Counts,
        }
    }

    /// The overlaps a counted row of `release_id` wins (for tallying both sides of each).
    pub fn wins<'a>(
        &'a self,
        release_id: &str,
        part: Option<&str>,
        aor_key: &str,
        day: i32,
    ) -> impl Iterator<Item = usize> + 'a {
        self.ranges_at(&self.wins, release_id, part, aor_key, day)
    }

    /// Every overlap a row of `release_id` lies in on the losing side (for tallying both
    /// sides of each overlap, whichever release counts in the end).
    pub fn shadowed_in<'a>(
        &'a self,
        release_id: &str,
        part: Option<&str>,
        aor_key: &str,
        day: i32,
    ) -> impl Iterator<Item = usize> + 'a {
        self.ranges_at(&self.shadows, release_id, part, aor_key, day)
    }

    /// True when some rows of `release_id` may be set aside or win an overlap (lets the
    /// kernel skip the checks for the others).
    pub fn involves(&self, release_id: &str) -> bool {
        self.by_record(release_id)
            || self
                .shadows
                .keys()
                .chain(self.wins.keys())
                .any(|(r, _, _)| r == release_id)
    }

    /// `pieces` (days of a release's table part `part`) less the days on which the rows
    /// of `release_id` without an AOR are set aside.
    pub fn without_shadowed_rows_without_aor(
        &self,
        release_id: &str,
        part: &Option<String>,
        pieces: Vec<(NaiveDate, NaiveDate)>,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        self.without_shadowed(release_id, part, NO_AOR, pieces, |_| true)
    }

    /// `pieces` (days `release_id` covers `aor` in table part `part`) less the days on
    /// which a release giving no AOR counts in its place: there the AOR's rows are counted
    /// without an AOR, so the AOR is not covered (its cells printed 0).
    pub fn without_days_counted_without_aor(
        &self,
        release_id: &str,
        part: &Option<String>,
        aor: &str,
        pieces: Vec<(NaiveDate, NaiveDate)>,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        self.without_shadowed(release_id, part, aor, pieces, |o| {
            o.reason == AOR_LESS_COUNTS
        })
    }

    /// `pieces` less the day ranges where `release_id`'s rows of `aor_key` are set aside
    /// by an overlap `which` accepts.
    fn without_shadowed(
        &self,
        release_id: &str,
        part: &Option<String>,
        aor_key: &str,
        pieces: Vec<(NaiveDate, NaiveDate)>,
        which: impl Fn(&Overlap) -> bool,
    ) -> Vec<(NaiveDate, NaiveDate)> {
        let key = (
            release_id.to_string(),
            self.effective(release_id, part.as_deref()),
            aor_key.to_string(),
        );
        let Some(shadowed) = self.shadows.get(&key) else {
            return pieces;
        };
        let mut left: Vec<(i32, i32)> = pieces
            .iter()
            .map(|(f, l)| (to_epoch_days(*f), to_epoch_days(*l)))
            .collect();
        for &(sf, sl, _) in shadowed
            .iter()
            .filter(|(_, _, o)| which(&self.overlaps[*o]))
        {
            left = left
                .into_iter()
                .flat_map(|(f, l)| {
                    if sl < f || l < sf {
                        return vec![(f, l)];
                    }
                    let mut kept = Vec::with_capacity(2);
                    if f < sf {
                        kept.push((f, sf - 1));
                    }
                    if l > sl {
                        kept.push((sl + 1, l));
                    }
                    kept
                })
                .collect();
        }
        left.into_iter()
            .map(|(f, l)| (from_epoch_days(f), from_epoch_days(l)))
            .collect()
    }

    /// True when `release_id` was found far thinner than another release for `aor`: its
    /// banner's claim to cover a whole period is not taken for coverage there, only the
    /// days its rows span.
    pub fn is_thin(&self, release_id: &str, aor: &str) -> bool {
        self.thin
            .contains(&(release_id.to_string(), aor.to_string()))
    }

    /// Every overlap found, with its winner.
    pub fn overlaps(&self) -> &[Overlap] {
        &self.overlaps
    }

    /// Every day range on which a release's rows are set aside, as what
    /// [`Precedence::decide`] reads: a dated row of release `release_id`, effective part
    /// `part` ([`Precedence::effective`]) and AOR key `aor` (its AOR code, or [`NO_AOR`]
    /// for a row without a usable AOR) on a day in `first..=last` is [`Decision::Shadowed`];
    /// every other row counts (undated rows always). Ranges of one (release, part, AOR) are
    /// merged where they touch, so they never overlap; sorted, so that the order never
    /// depends on hashing. Exported for `tally count --sql` ([`crate::sql`]).
    pub fn set_aside(&self) -> Vec<SetAside> {
        let mut out = Vec::new();
        let mut keys: Vec<&(String, Option<String>, String)> = self.shadows.keys().collect();
        keys.sort();
        for key in keys {
            let mut ranges: Vec<(i32, i32)> =
                self.shadows[key].iter().map(|(f, l, _)| (*f, *l)).collect();
            ranges.sort_unstable();
            let mut merged: Vec<(i32, i32)> = Vec::new();
            for (f, l) in ranges {
                match merged.last_mut() {
                    Some(last) if f <= last.1.saturating_add(1) => last.1 = last.1.max(l),
                    _ => merged.push((f, l)),
                }
            }
            let (release_id, part, aor) = key;
            out.extend(merged.into_iter().map(|(f, l)| SetAside {
                release_id: release_id.clone(),
                part: part.clone(),
                aor: aor.clone(),
                first: from_epoch_days(f),
                last: from_epoch_days(l),
            }));
        }
        out
    }
}

/// Days on which one release's rows of one part and AOR key are set aside by precedence
/// (see [`Precedence::set_aside`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SetAside {
    /// Release id (first 16 hex digits of its SHA-256).
    pub release_id: String,
    /// Effective part of the table (`None`: the whole table, or a release holding every
    /// part).
    pub part: Option<String>,
    /// AOR code, or [`NO_AOR`] for rows whose AOR is blank, withheld or unmapped.
    pub aor: String,
    /// First and last day set aside (inclusive).
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// The raw workbooks a release's rows of `table` point back to (DDP's `file_original`):
/// empty for a raw release.
fn pointed(r: &ReleaseEntry, table: TableKind) -> BTreeSet<String> {
    r.report
        .sheets
        .iter()
        .filter(|s| s.table == table)
        .flat_map(|s| s.original_files.iter().cloned())
        .collect()
}

/// The raw workbooks a release's rows of `table` come from: the ones its rows point back to
/// (DDP's `file_original`), else the release itself, by file name.
pub(crate) fn sources(r: &ReleaseEntry, table: TableKind) -> BTreeSet<String> {
    let pointed = pointed(r, table);
    if pointed.is_empty() {
        [r.report.file_name.clone()].into()
    } else {
        pointed
    }
}

/// Whether `a` and `b` are two versions of one file for `table`: the same file name (a
/// revision republished under it), holding the same AORs' rows (some AOR in common, each
/// counted where its rows are more than incidental) and, where each is one state's extract,
/// the same state's. Two different extracts that happen to share a generic name (one
/// city's `arrests.csv` and another's; Washington's and Oregon's) are not versions.
pub(crate) fn versions(a: &ReleaseEntry, b: &ReleaseEntry, table: TableKind) -> bool {
    if a.id == b.id || a.report.file_name != b.report.file_name {
        return false;
    }
    if let (Some(x), Some(y)) = (a.report.extract_state(table), b.report.extract_state(table))
        && x != y
    {
        return false;
    }
    let aors = |r: &ReleaseEntry| -> BTreeSet<String> {
        r.report
            .sheets
            .iter()
            .filter(|s| s.table == table)
            .flat_map(|s| {
                s.aors
                    .iter()
                    .filter(|(aor, span)| {
                        !is_no_aor(aor)
                            && !tally_catalog::manifest::is_incidental(span, s.rows_kept)
                    })
                    .map(|(aor, _)| aor.clone())
            })
            .collect()
    };
    !aors(a).is_disjoint(&aors(b))
}

/// Which releases hold the same records: cuts of one raw ICE workbook, which share its
/// person identifiers and its rows (precedence counts them once by record;
/// de-duplication and stays treat them as one release). A processed release (its rows
/// naming their workbook) shares records with every release of a workbook it names, raw
/// or processed, except another version of its own file ([`versions`]). Two raw
/// releases never do, even under one file name: the same name published twice is a
/// revision (rows edited, added or dropped), whose rows settle by AOR and day like any
/// two releases; matched by row number (or by DDP's pointers) they would keep the first
/// one's edits and add the second one's new rows.
pub(crate) struct SharedRecords {
    /// Per pair of releases (row-major, `n` by `n`): whether they share records.
    shared: Vec<bool>,
    n: usize,
}

impl SharedRecords {
    /// The relation over `releases` for `table`.
    pub(crate) fn of(releases: &[&ReleaseEntry], table: TableKind) -> SharedRecords {
        let n = releases.len();
        let named: Vec<(bool, BTreeSet<String>)> = releases
            .iter()
            .map(|r| (!pointed(r, table).is_empty(), sources(r, table)))
            .collect();
        let mut shared = vec![false; n * n];
        for i in 0..n {
            for j in 0..n {
                let ((processed_i, a), (processed_j, b)) = (&named[i], &named[j]);
                let revision =
                    *processed_i && *processed_j && versions(releases[i], releases[j], table);
                shared[i * n + j] =
                    i != j && (*processed_i || *processed_j) && !revision && !a.is_disjoint(b);
            }
        }
        SharedRecords { shared, n }
    }

    /// Whether releases `i` and `j` (positions in the list given to [`SharedRecords::of`])
    /// share records.
    pub(crate) fn between(&self, i: usize, j: usize) -> bool {
        self.shared[i * self.n + j]
    }

    /// The releases as groups of releases sharing records, directly or through another
    /// (positions; each group in the given order, groups by their first member).
    pub(crate) fn groups(&self) -> Vec<Vec<usize>> {
        let mut group_of: Vec<Option<usize>> = vec![None; self.n];
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for start in 0..self.n {
            if group_of[start].is_some() {
                continue;
            }
            let g = groups.len();
            let mut members = vec![start];
            group_of[start] = Some(g);
            let mut k = 0;
            while k < members.len() {
                let i = members[k];
                for (j, of) in group_of.iter_mut().enumerate() {
                    if of.is_none() && self.between(i, j) {
                        *of = Some(g);
                        members.push(j);
                    }
                }
                k += 1;
            }
            members.sort_unstable();
            groups.push(members);
        }
        groups
    }
}

/// How the thinness rule is named in reasons.
const FAR_THINNER: &str = "far thinner";

/// The reason where a release of one place's records meets one of many places'.
const ONE_PLACE: &str = "a release of one place's records never counts over one of many places'";

/// Below this share of its rows per day, the releases giving AORs that count beside a
/// release giving none do not set it aside: it may hold AORs they lack (seven AORs'
/// 85,900 FY2018 arrests had set aside a renamed copy's 158,581), so it counts instead.
pub const GIVING_AORS_MIN_SHARE: f64 = 0.9;

/// The reason where releases giving AORs count in place of one giving none.
const AOR_GIVERS_COUNT: &str = "releases giving each row's AOR count over one giving none (whose rows may be any AOR's), holding together as many rows per day";

/// The reason where a release giving no AOR counts in place of releases giving AORs.
const AOR_LESS_COUNTS: &str = "a release giving no row's AOR counts over releases giving AORs that hold together far fewer rows per day (it may hold AORs they lack)";

/// The AOR key of overlaps of rows without an AOR.
pub const NO_AOR: &str = "(no AOR)";

/// The default rule for two releases of the same part: far thinner never wins, else the
/// later end, else the first ingested. Returns whether `a` wins, and why.
fn rule(a: &ReleaseEntry, ha: &Held, b: &ReleaseEntry, hb: &Held) -> (bool, String) {
    // The reason names the rule, not the two rates: beside a count's rows and days they
    // would give away figures the small-cell rule hides (a rate times the days covered is
    // a release's rows).
    let (da, db) = (ha.density(), hb.density());
    if da < THIN_RATIO * db {
        return (
            false,
            format!(
                "{} is far thinner (under half the other's rows per day)",
                a.report.file_name
            ),
        );
    }
    if db < THIN_RATIO * da {
        return (
            true,
            format!(
                "{} is far thinner (under half the other's rows per day)",
                b.report.file_name
            ),
        );
    }
    if ha.last != hb.last {
        return (
            ha.last > hb.last,
            "the one counted has coverage ending later".into(),
        );
    }
    (a.sequence < b.sequence, INGESTED_FIRST.into())
}

/// The reason of an overlap the ingest order decided (equal coverage ends): for two
/// versions of one file, Tally cannot tell which is the newer.
pub const INGESTED_FIRST: &str = "same coverage end; ingested first";
