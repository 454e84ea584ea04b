//! A count as it may be published: every number a count prints, through the one rule.

use serde::Serialize;
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::Overlap;
use tally_query::count::{COUNT_MARK, CellCoverage, CountResult, CoverageGap, VocabularyMark};

/// One group as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedGroup {
    pub values: Vec<String>,
    pub count: Figure,
    pub coverage: CellCoverage,
    /// The cell holds a partial last day of a release: its count is likely low.
    pub incomplete: bool,
}

/// One release's share of the count, as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedRelease {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    pub sheets: Vec<String>,
    pub rows_counted: Figure,
    pub rows_shadowed: Figure,
    pub rows_duplicate: Figure,
    /// Whether the release is a cut of one raw ICE workbook, counted by source record
    /// (only such a release sets rows aside as already counted from another cut).
    pub cut_of_workbook: bool,
    /// Whether the release overlaps another (only such a release has rows shadowed).
    pub overlaps_another: bool,
}

/// An overlap as published, with both releases' rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedOverlap {
    pub overlap: Overlap,
    pub winner_rows: Figure,
    pub shadowed_rows: Figure,
    pub disagrees: bool,
}

/// A count ready to render: nothing here needs the small-cell rule applied again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedCount {
    pub table: String,
    pub dimensions: Vec<String>,
    pub groups: Vec<PublishedGroup>,
    pub total: Figure,
    pub undated_rows: Figure,
    pub releases: Vec<PublishedRelease>,
    pub overlaps: Vec<PublishedOverlap>,
    pub coverage_gaps: Vec<CoverageGap>,
    pub notes: Vec<String>,
    /// Extracts of one state's rows read (as the count gives them: no counts).
    pub state_extracts: Vec<tally_query::count::StateExtractUse>,
    pub suppress_below: u64,
    /// True when some cell is suppressed (so sums print rounded).
    pub any_suppressed: bool,
    /// The de-duplication rule applied and the rows it merged.
    pub dedup: Option<PublishedDedupUse>,
    /// Rows counted without a person identifier (given when a person rule applies).
    pub rows_without_person: Option<Figure>,
}

/// A de-duplication rule's part in a count, as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedDedupUse {
    pub rule: String,
    pub title: String,
    pub source: String,
    /// Rows of the count merged into another row of their release (a count of records:
    /// suppressed when small; it sums no published cell).
    pub rows_merged: Figure,
}

/// The note of a count whose small groups are not listed
/// (`tally_model::disclosure::lists_small_groups`): why, keyed by which `attributes` (its
/// dimensions and pinned ones, repeats named once), and what that means for its figures,
/// which count `unit` (`rows`, `stays`).
pub(crate) fn pooling_note(rule: Disclosure, attributes: &[&str], unit: &str) -> String {
    let mut named: Vec<&str> = Vec::new();
    for a in attributes {
        if !named.contains(a) {
            named.push(a);
        }
    }
    let t = rule.threshold;
    format!(
        "groups of fewer than {t} {unit} are not listed: a count by {} (two or more of a day or hour, a place finer than an AOR, a nationality or country and a conviction, among its --by dimensions, its filters and a date range under a month) keys groups so finely that a small one is nearly one record, so only groups of {t} {unit} or more are listed, and filter values that match no {} are not named; beside listed groups the total is not shown unless the groups not listed hold {} {unit} or more (it is then rounded to 10), so that it cannot tell whether they hold any, and a count with no --by dimension prints below {t} as <{t}, 0 included; a combination not listed has fewer than {t} {unit} or none",
        named.join(", "),
        unit.trim_end_matches('s'),
        t.saturating_mul(t)
    )
}

/// Applies the rule to a count result (a copy of it: [`publish_count_owned`] spends it).
pub fn publish_count(result: &CountResult, rule: Disclosure) -> PublishedCount {
    publish_count_owned(result.clone(), rule)
}

/// Applies the rule to a count result, moving its groups' values into the published
/// groups rather than copying them (a count of 16,000 groups copied its values twice).
pub fn publish_count_owned(mut result: CountResult, rule: Disclosure) -> PublishedCount {
    let hidden: Vec<u64> = result
        .groups
        .iter()
        .map(|g| g.count)
        .filter(|n| rule.small(*n))
        .collect();
    // A key so fine that a small group is nearly one record: its small groups are not
    // listed (they count among the hidden cells all the same), and where the total itself
    // is small it prints as a bound, 0 included: "0" against "<10" would tell whether the
    // one combination asked about holds rows.
    let pooling = rule.threshold > 1 && !result.lists_small_groups();
    let small_total = pooling && result.total < rule.threshold;
    // With groups listed beside it, such a total and every sum over the selection
    // (releases' rows, overlaps' rows) could tell whether the unlisted groups hold rows:
    // not shown, or rounded where they hold many (`Disclosure::pooled_total`).
    let pooled_sums = pooling && !result.dimensions.is_empty();
    let listed: u64 = result
        .groups
        .iter()
        .map(|g| g.count)
        .filter(|n| *n >= rule.threshold)
        .sum();
    // (Beside listed groups, not even a small total prints as <10: "<10" against "not
    // shown" would tell whether one more unlisted group takes the rest past 10.)
    let total = if pooled_sums {
        rule.pooled_total(result.total, listed)
    } else if small_total {
        Figure::Below(rule.threshold)
    } else {
        rule.sum(result.total, &hidden)
    };
    // Counts over the whole selection: beside listed groups not shown (they would hold
    // the unlisted groups' rows, the total being hidden); with a small total under such a
    // key, <10 with 0 (0 against <10 would tell).
    let selection_cell = |n: u64| {
        if pooled_sums {
            Figure::NotShown
        } else if small_total {
            rule.pooled_cell(n)
        } else {
            rule.cell(n)
        }
    };
    // Sums over part of the cells (each release's rows, each overlap's rows), beside the
    // total, could narrow suppressed cells down: where any cell is suppressed they are not
    // published, but a single release's rows are the total.
    let single_release = result.releases.len() <= 1;
    // They are themselves counts, which add up with each other and the total (the
    // releases' rows counted to the total; rows set aside and each overlap's rows to
    // other sums of the same rows): where several releases count and one of them is
    // small, the others beside the total would give it away (49 counted, one release
    // 42: the other's `<10` is 7), so none of them is shown.
    let small_part = !single_release
        && result
            .releases
            .iter()
            .flat_map(|r| [r.rows_counted, r.rows_shadowed, r.rows_duplicate])
            .chain(
                result
                    .overlaps
                    .iter()
                    .flat_map(|o| [o.winner_rows, o.shadowed_rows]),
            )
            .any(|n| rule.small(n));
    let sum = |n: u64| {
        if small_total || pooled_sums {
            Figure::NotShown
        } else if (hidden.is_empty() && !small_part) || n == 0 {
            rule.cell(n)
        } else if single_release && n == result.total {
            total
        } else {
            Figure::NotShown
        }
    };
    let attributes: Vec<&str> = result
        .dimensions
        .iter()
        .chain(&result.pinned)
        .map(String::as_str)
        .collect();
    let no_dimensions = result.dimensions.is_empty();
    let groups = std::mem::take(&mut result.groups)
        .into_iter()
        .filter(|g| {
            // Where small groups are not listed, neither are covered cells of no rows: a
            // grid's zeros beside its unlisted cells would tell which ones hold rows. A
            // cell no release covers, or a value not in use, is no count: it stays.
            // ("Not yet in use" and "discontinued" marks go too: where they start and stop
            // tells the first and last day of a small group.)
            // A count with no dimensions keeps its one cell, printed as its total is.
            // (Under such a key a small group on days no release covers, rows of a
            // release outside its stated period, is "not covered" as an empty one is:
            // "<10 rows outside the period" against "not covered" would tell.)
            let said = g.coverage == CellCoverage::NotCovered
                && (g.count == 0 || (pooling && g.count < rule.threshold));
            !pooling || g.count >= rule.threshold || said || no_dimensions
        })
        .map(|g| PublishedGroup {
            values: g.values,
            count: match (g.vocabulary, g.coverage) {
                (_, CellCoverage::NotCovered)
                    if g.count == 0 || (pooling && g.count < rule.threshold) =>
                {
                    Figure::NotCovered
                }
                _ if pooling && no_dimensions => total,
                (Some(VocabularyMark::Discontinued), _) if g.count == 0 => Figure::Discontinued,
                (Some(VocabularyMark::NotYetInUse), _) if g.count == 0 => Figure::NotYetInUse,
                _ => rule.cell(g.count),
            },
            coverage: g.coverage,
            incomplete: g.incomplete,
        })
        .collect();
    let overlaps: Vec<PublishedOverlap> = result
        .overlaps
        .iter()
        .map(|o| PublishedOverlap {
            overlap: o.overlap.clone(),
            winner_rows: sum(o.winner_rows),
            shadowed_rows: sum(o.shadowed_rows),
            disagrees: o.disagrees(),
        })
        .collect();
    // Notes carry counts as marks: the disagreement notes, in overlap order.
    let mut disagreeing = overlaps.iter().filter(|o| o.disagrees);
    let notes = result
        .notes
        .iter()
        .map(|n| {
            if !n.contains(COUNT_MARK) {
                return n.clone();
            }
            match disagreeing.next() {
                // Neither side's rows shown: say which counted, and where the rows are
                // ("not shown rows in the first, not shown in the second" said nothing).
                Some(o)
                    if o.winner_rows == Figure::NotShown && o.shadowed_rows == Figure::NotShown =>
                {
                    n.replacen(
                        &format!(
                            "{COUNT_MARK} rows in the first (counted), {COUNT_MARK} in the second"
                        ),
                        "the first counted, the second not (each side's rows are not shown beside this count; `tally status` gives them)",
                        1,
                    )
                    .replace(COUNT_MARK, "not shown")
                }
                Some(o) => n.replacen(COUNT_MARK, &o.winner_rows.text(), 1).replacen(
                    COUNT_MARK,
                    &o.shadowed_rows.text(),
                    1,
                ),
                None => n.replace(COUNT_MARK, "?"),
            }
        })
        .collect::<Vec<String>>();
    let mut notes = notes;
    if pooling {
        // Which filter values matched no row would tell none from some, as a 0 would.
        notes.retain(|n| !(n.starts_with("--where ") && n.contains(" matched no ")));
        notes.push(pooling_note(rule, &attributes, "rows"));
    }
    // Partial last days: the release's own rows that day are a cell of their own.
    let mut by_release: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for p in &result.partial_days {
        let text = format!(
            "{}{} ({} rows where that weekday usually has {})",
            p.day.date,
            p.part.as_ref().map(|x| format!(" {x}")).unwrap_or_default(),
            rule.cell(p.day.rows).text(),
            crate::thousands(p.day.usual)
        );
        match by_release.iter_mut().find(|(_, id, _)| *id == p.release) {
            Some((_, _, days)) => days.push(text),
            None => by_release.push((&p.file_name, &p.release, vec![text])),
        }
    }
    let names: Vec<&str> = by_release.iter().map(|(f, _, _)| *f).collect();
    for (file, id, days) in &by_release {
        // A revision published under its first version's name is told apart by its id.
        let file = if names.iter().filter(|n| *n == file).count() > 1 {
            format!("{file} (release {id})")
        } else {
            file.to_string()
        };
        notes.push(format!(
            "the last days of {file} look cut short: {}; counts on those days are likely too low (days and weeks holding them are marked incomplete)",
            days.join(", ")
        ));
    }
    let dedup = result.dedup.as_ref().map(|d| PublishedDedupUse {
        rule: d.rule.clone(),
        title: d.title.clone(),
        source: d.source.clone(),
        rows_merged: selection_cell(d.rows_merged),
    });
    // A part of the total: not shown where the rest is small.
    let rows_without_person = result.rows_without_person.map(|n| match selection_cell(n) {
        Figure::Exact(_) => rule.part(n, result.total),
        other => other,
    });
    if let Some(d) = &dedup {
        notes.push(format!(
            "de-duplicated by the {} rule ({}; source: {}): {} rows merged into another row of their release",
            d.rule,
            d.title,
            d.source,
            d.rows_merged.text()
        ));
    }
    // DDP's own flag beside the episodes, every difference said (counts of records,
    // suppressed when small).
    if let Some(c) = result.dedup.as_ref().and_then(|d| d.flag_check) {
        notes.push(format!(
            "DDP's duplicate_likely flags {} rows: {} are in a multi-row 24-hour episode here, {} belong to a person with no other row in the releases counted (their episode's other rows lie outside them), {} to a person whose other rows here are over 24 hours away; {} rows of multi-row episodes here are not flagged",
            selection_cell(c.flagged).text(),
            selection_cell(c.flagged_in_episodes).text(),
            selection_cell(c.flagged_alone).text(),
            selection_cell(c.flagged_otherwise).text(),
            selection_cell(c.unflagged_in_episodes).text(),
        ));
    }
    if result.records_differing > 0 {
        notes.push(format!(
            "{} rows are copies of records another cut of the same ICE workbook also holds, with a different event date or AOR: the cuts disagree; each record counts once, as the first cut read gives it",
            selection_cell(result.records_differing).text()
        ));
    }
    if let Some(n) = rows_without_person {
        notes.push(format!(
            "{} rows counted carry no person identifier: a person rule never merges them",
            n.text()
        ));
    }
    PublishedCount {
        table: result.table.slug().to_string(),
        dimensions: result.dimensions.clone(),
        groups,
        total: match result.total_coverage {
            CellCoverage::NotCovered
                if result.total == 0 || (pooling && result.total < rule.threshold) =>
            {
                Figure::NotCovered
            }
            _ => total,
        },
        undated_rows: sum(result.undated_rows),
        releases: result
            .releases
            .iter()
            .map(|r| PublishedRelease {
                id: r.id.clone(),
                sha256: r.sha256.clone(),
                file_name: r.file_name.clone(),
                sheets: r.sheets.clone(),
                rows_counted: sum(r.rows_counted),
                rows_shadowed: sum(r.rows_shadowed),
                rows_duplicate: sum(r.rows_duplicate),
                cut_of_workbook: r.cut_of_workbook,
                overlaps_another: r.overlaps_another,
            })
            .collect(),
        overlaps,
        coverage_gaps: result.coverage_gaps.clone(),
        notes,
        state_extracts: result.state_extracts.clone(),
        suppress_below: rule.threshold,
        any_suppressed: !hidden.is_empty() || small_total || pooled_sums,
        dedup,
        rows_without_person,
    }
}
