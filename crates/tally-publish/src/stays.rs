//! Detention stays as they may be published: every count through the small-cell rule, the
//! total rounded where a cell is suppressed ([`Disclosure::sum`]), the median length only
//! over enough stays.

use serde::Serialize;
use tally_model::disclosure::{Disclosure, Figure};
use tally_query::stays::{StayAccounting, StayRelease, StayResult};

/// One group, as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedStayCell {
    pub values: Vec<String>,
    pub stays: Figure,
}

/// Stays ready to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedStays {
    pub dimensions: Vec<String>,
    pub cells: Vec<PublishedStayCell>,
    pub total: Figure,
    pub ongoing: Figure,
    pub overlapping: Figure,
    pub start_disagrees: Figure,
    pub without_person: Figure,
    /// Median length of the selection's ended stays, in days to one decimal; `None` when
    /// fewer stays than the threshold ended.
    pub median_length_days: Option<f64>,
    /// Stint accounting: read = merged copies + without book-in + in stays.
    pub stints_read: Figure,
    pub exact_copies_merged: Figure,
    pub stints_without_book_in: Figure,
    pub stints_without_person: Figure,
    pub stays_shadowed: Figure,
    pub releases: Vec<StayRelease>,
    pub not_covered: Vec<String>,
    pub suppress_below: u64,
    pub any_suppressed: bool,
    /// Notes on the figures: where the key is so fine that small groups are not listed,
    /// why.
    pub notes: Vec<String>,
    /// Whether groups are listed beside groups not listed (a fine key with dimensions):
    /// then no figure over the whole selection is published exactly, the median included.
    pub pooled: bool,
}

/// Applies `rule` to `r`.
pub fn publish_stays(r: &StayResult, rule: Disclosure) -> PublishedStays {
    let hidden: Vec<u64> = r
        .cells
        .iter()
        .map(|c| c.stays)
        .filter(|n| rule.small(*n))
        .collect();
    let StayAccounting {
        stints_read,
        exact_copies_merged,
        stints_without_book_in,
        stints_without_person,
        stays_shadowed,
        ..
    } = r.accounting;
    let enough = r.ended_lengths_days.len() as u64 >= rule.threshold.max(1);
    // A key so fine that a small group is nearly one person's stay (a day and a
    // facility): as for a count (`crate::count::publish_count_owned`), its small groups
    // are not listed but count among the hidden cells, and a small total is a bound.
    let pooling = rule.threshold > 1 && !r.lists_small_groups;
    let pooled_sums = pooling && !r.dimensions.is_empty();
    let listed: u64 = r
        .cells
        .iter()
        .map(|c| c.stays)
        .filter(|n| *n >= rule.threshold)
        .sum();
    let total = if r.total == 0 && r.cells.is_empty() && !r.not_covered.is_empty() {
        // Nothing counted and every period asked about uncovered: the total is missing
        // too, not 0.
        Figure::NotCovered
    } else if pooled_sums {
        rule.pooled_total(r.total, listed)
    } else if pooling && r.total < rule.threshold {
        Figure::Below(rule.threshold)
    } else {
        rule.sum(r.total, &hidden)
    };
    // Parts of the selection (its ongoing stays, ...): beside listed groups not shown
    // (the whole is not, and with a filter of status=ongoing the part is the unlisted
    // groups' stays); under such a key with a small total, <10 with 0 (0 against <10
    // would tell); else not shown where the rest is small (21 ongoing of 22 stays).
    let selection_cell = |n: u64| {
        if pooled_sums {
            Figure::NotShown
        } else if pooling && r.total < rule.threshold {
            rule.pooled_cell(n)
        } else {
            rule.part(n, r.total)
        }
    };
    let attributes: Vec<&str> = r
        .dimensions
        .iter()
        .chain(&r.pinned)
        .map(String::as_str)
        .collect();
    let notes = if pooling {
        vec![crate::count::pooling_note(rule, &attributes, "stays")]
    } else {
        Vec::new()
    };
    PublishedStays {
        dimensions: r.dimensions.clone(),
        cells: r
            .cells
            .iter()
            .filter(|c| !pooling || c.stays >= rule.threshold || r.dimensions.is_empty())
            .map(|c| PublishedStayCell {
                values: c.values.clone(),
                stays: if pooling && r.dimensions.is_empty() {
                    total
                } else {
                    rule.cell(c.stays)
                },
            })
            .collect(),
        total,
        ongoing: selection_cell(r.ongoing),
        overlapping: selection_cell(r.overlapping),
        start_disagrees: selection_cell(r.start_disagrees),
        without_person: selection_cell(r.without_person),
        // Beside listed groups, a median over the selection moves with the unlisted
        // groups' stays (one more stay or none): not published.
        median_length_days: r
            .median_length_days()
            .filter(|_| enough && !pooled_sums)
            .map(|d| (d * 10.0).round() / 10.0),
        stints_read: rule.cell(stints_read),
        exact_copies_merged: rule.cell(exact_copies_merged),
        stints_without_book_in: rule.cell(stints_without_book_in),
        stints_without_person: rule.cell(stints_without_person),
        stays_shadowed: rule.cell(stays_shadowed),
        releases: r.releases.clone(),
        not_covered: r.not_covered.clone(),
        suppress_below: rule.threshold,
        any_suppressed: !hidden.is_empty() || pooling,
        notes,
        pooled: pooled_sums,
    }
}
