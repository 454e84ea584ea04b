//! The small-cell rule, defined once.
//!
//! A published count below the threshold (10 by default) and above zero is suppressed: it
//! prints as `<10` (a true zero reveals no one and prints as 0). Every number derived from
//! a suppressed count is coarsened so that no combination of published numbers determines
//! it:
//!
//! - a sum over cells some of which are suppressed (a total, a release's rows, an overlap's
//!   rows) is published as "about X", rounded to a base (10, 100, 1,000, ...) chosen as the
//!   smallest for which every suppressed cell still has at least two values consistent with
//!   the rounded sum and the exact cells ([`Disclosure::sum`]); a sum that is itself small
//!   is suppressed;
//! - a share, rate or percentage computed from a suppressed count is not published at all,
//!   and one computed only from published counts is rounded to whole percent (full
//!   precision is not needed to read it, and would let several of them be combined);
//! - a chart does not draw a suppressed bar (its height would be the count).
//!
//! - a count keyed so finely that a small group is nearly one record (two or more fine
//!   attributes: a day or hour, a place finer than an AOR, a nationality or country;
//!   [`lists_small_groups`]) does not list its small groups one by one: listed, they
//!   would be the release's records (a day, an hour, a jail, a nationality, a sex), `<10`
//!   or not; they are pooled in a note, and count as suppressed cells for every sum.
//!
//! Rounding to nearest 10 alone is not enough: a suppressed 9 beside exact cells summing to
//! 6 makes a total of 15, rounded to 20, from which 20 - 5 - 6 = 9 is the only value in
//! 1..9 left. [`Disclosure::sum`] checks exactly that and coarsens further.

use serde::Serialize;

/// Tally's default threshold: counts from 1 to 9 are suppressed.
pub const DEFAULT_THRESHOLD: u64 = 10;

/// A number as it may be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// The exact count.
    Exact(u64),
    /// Suppressed: between 1 and the bound less one (the threshold for a cell; a higher
    /// bound for a sum that suppressed cells could otherwise be told from).
    Below(u64),
    /// Rounded to the nearest `base` because cells it sums are suppressed.
    About { value: u64, base: u64 },
    /// A sum holding suppressed cells, published as every value it could take whatever
    /// they hold (`lo` = its exact part plus one per suppressed cell, `hi` = plus the
    /// threshold less one per cell): it says nothing about them.
    Between { lo: u64, hi: u64 },
    /// No release covers the days: the count is missing, not zero.
    NotCovered,
    /// In a series of a categorical value: the bucket is after the value's last use.
    Discontinued,
    /// In a series of a categorical value: the bucket is before the value's first use.
    NotYetInUse,
    /// Not shown: a sum over cells some of which are suppressed, split in a way that,
    /// beside the published total, could narrow them down (per-release rows of a count).
    /// ("Not shown" rather than "withheld", which means a FOIA exemption in the releases.)
    NotShown,
}

impl Figure {
    /// As a terminal prints it: `1,234`, `<10`, `about 1,230`, `230 to 238`, `not covered`.
    pub fn text(&self) -> String {
        match self {
            Figure::Exact(n) => thousands(*n),
            Figure::Below(t) => format!("<{t}"),
            // Rounded to zero: say the interval, not "about 0".
            Figure::About { value: 0, base } => format!("<{}", thousands(base / 2)),
            Figure::About { value, .. } => format!("about {}", thousands(*value)),
            Figure::Between { lo, hi } => format!("{} to {}", thousands(*lo), thousands(*hi)),
            Figure::NotCovered => "not covered".into(),
            Figure::Discontinued => "discontinued".into(),
            Figure::NotYetInUse => "not yet in use".into(),
            Figure::NotShown => "not shown".into(),
        }
    }

    /// As CSV prints it: `1234`, `<10`, `~1230`, `230-238`, `not covered`.
    pub fn plain(&self) -> String {
        match self {
            Figure::Exact(n) => n.to_string(),
            Figure::Below(t) => format!("<{t}"),
            Figure::About { value: 0, base } => format!("<{}", base / 2),
            Figure::About { value, .. } => format!("~{value}"),
            Figure::Between { lo, hi } => format!("{lo}-{hi}"),
            Figure::NotCovered => "not covered".into(),
            Figure::Discontinued => "discontinued".into(),
            Figure::NotYetInUse => "not yet in use".into(),
            Figure::NotShown => "not shown".into(),
        }
    }

    /// As JSON publishes it: a number when exact, else an object saying what it is
    /// (`{"below": 10}`, `{"about": 1230, "rounded_to": 10}`, `{"between": [230, 238]}`,
    /// `{"not_covered": true}`, `{"not_shown": true}`).
    pub fn json(&self) -> serde_json::Value {
        match self {
            Figure::Exact(n) => serde_json::json!(n),
            Figure::Below(t) => serde_json::json!({ "below": t }),
            // Rounded to zero: the interval, never a 0 a reader could take for a count.
            Figure::About { value: 0, base } => serde_json::json!({ "below": base / 2 }),
            Figure::About { value, base } => {
                serde_json::json!({ "about": value, "rounded_to": base })
            }
            Figure::Between { lo, hi } => serde_json::json!({ "between": [lo, hi] }),
            Figure::NotCovered => serde_json::json!({ "not_covered": true }),
            Figure::Discontinued => serde_json::json!({ "discontinued": true }),
            Figure::NotYetInUse => serde_json::json!({ "not_yet_in_use": true }),
            Figure::NotShown => serde_json::json!({ "not_shown": true }),
        }
    }

    /// The figure a [`Figure::json`] value stands for (for pages drawn from published
    /// JSON); `None` for anything else.
    pub fn from_json(v: &serde_json::Value) -> Option<Figure> {
        if let Some(n) = v.as_u64() {
            return Some(Figure::Exact(n));
        }
        let o = v.as_object()?;
        let num = |k: &str| o.get(k).and_then(serde_json::Value::as_u64);
        if let Some(t) = num("below") {
            return Some(Figure::Below(t));
        }
        if let (Some(value), Some(base)) = (num("about"), num("rounded_to")) {
            return Some(Figure::About { value, base });
        }
        if let Some([lo, hi]) = o
            .get("between")
            .and_then(serde_json::Value::as_array)
            .and_then(|a| <&[serde_json::Value; 2]>::try_from(a.as_slice()).ok())
        {
            return Some(Figure::Between {
                lo: lo.as_u64()?,
                hi: hi.as_u64()?,
            });
        }
        [
            ("not_covered", Figure::NotCovered),
            ("discontinued", Figure::Discontinued),
            ("not_yet_in_use", Figure::NotYetInUse),
            ("not_shown", Figure::NotShown),
        ]
        .into_iter()
        .find(|(k, _)| o.contains_key(*k))
        .map(|(_, f)| f)
    }

    /// The exact value, when published exactly.
    pub fn exact(&self) -> Option<u64> {
        match self {
            Figure::Exact(n) => Some(*n),
            _ => None,
        }
    }
}

/// Formats an integer with thousands separators: `110104` → `110,104`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Fine attributes a count's key may name and still list its small groups: with two (a
/// day and a jail, a day and a nationality) a `<10` group is nearly one record.
pub const MAX_FINE_ATTRIBUTES_LISTING_SMALL_GROUPS: usize = 1;

/// True for an attribute (a dimension's name) fine enough to help single out an event
/// or a person: a day or hour (`date`, `hour-of-day`), a place finer than an AOR (a
/// landmark, facility, site, port, county, city or address field), a nationality or
/// country, a birth date or age, a conviction (hundreds of charges). AORs, fiscal years, months, weeks, methods, criminality
/// and sex are coarse: a table of them lists its `<10` cells.
pub fn is_fine_attribute(name: &str) -> bool {
    matches!(name, "date" | "hour-of-day")
        || [
            "landmark",
            "facility",
            "site",
            "port",
            "county",
            "city",
            "address",
            "citizenship",
            "country",
            "birth",
            "age",
            "conviction",
        ]
        .iter()
        .any(|p| name.contains(p))
}

/// True where a count keyed by `attributes` (its `--by` dimensions and each dimension a
/// filter pins to one value, by name) lists its small groups one by one; false where a
/// small group is nearly one record: more than [`MAX_FINE_ATTRIBUTES_LISTING_SMALL_GROUPS`]
/// fine attributes ([`is_fine_attribute`]: `--by date,landmark`, or `--by date,aor
/// --where citizenship=MEXICO`). The hard line this keeps: aggregates only, nothing that
/// locates or identifies a person (a new user rebuilt a release row by row from `<10`
/// groups keyed by day, hour, jail, nationality and sex).
pub fn lists_small_groups(attributes: &[&str]) -> bool {
    let mut fine: Vec<&str> = attributes
        .iter()
        .copied()
        .filter(|a| is_fine_attribute(a))
        .collect();
    fine.sort_unstable();
    fine.dedup();
    fine.len() <= MAX_FINE_ATTRIBUTES_LISTING_SMALL_GROUPS
}

/// The rule with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    /// Counts from 1 to `threshold - 1` are suppressed; 0 or 1 turns suppression off.
    pub threshold: u64,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure {
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

impl Disclosure {
    /// The rule with a threshold.
    pub fn new(threshold: u64) -> Disclosure {
        Disclosure { threshold }
    }

    /// The rule for counts of `table`: `threshold` for tables of people and events about
    /// them; none for tables of agencies, counties, facilities or policies
    /// ([`crate::TableDef::counts_people`]), whose counts identify no one.
    pub fn for_table(threshold: u64, table: crate::TableKind) -> Disclosure {
        if table.def().counts_people {
            Disclosure::new(threshold)
        } else {
            Disclosure::new(0)
        }
    }

    /// True for a count that is suppressed (a true zero never is).
    pub fn small(&self, n: u64) -> bool {
        self.threshold > 1 && n > 0 && n < self.threshold
    }

    /// The total of a count whose small groups are not listed ([`lists_small_groups`]),
    /// beside its listed groups, which sum to `listed`. Nothing published may tell whether
    /// the unlisted groups hold rows (a new user pinned a filter to the listed groups and
    /// one more, and read that one's rows off the total: exact where it held none, "about"
    /// where it held some). So the total is not shown where the unlisted groups hold fewer
    /// than the threshold squared (100 by default; none included), and is rounded to the
    /// nearest 10 otherwise, which leaves each unlisted group, among at least 11, its
    /// values.
    pub fn pooled_total(&self, total: u64, listed: u64) -> Figure {
        if self.threshold <= 1 {
            return Figure::Exact(total);
        }
        if total.saturating_sub(listed) < self.threshold.saturating_mul(self.threshold) {
            Figure::NotShown
        } else {
            Figure::About {
                value: round_to(total, 10),
                base: 10,
            }
        }
    }

    /// A count over every row of a selection whose small groups are not listed (its
    /// ongoing stays, its rows without a person identifier): suppressed below the
    /// threshold, zero included, since a 0 against a `<10` would tell a reader something
    /// about rows in the unlisted groups.
    pub fn pooled_cell(&self, n: u64) -> Figure {
        if self.threshold > 1 && n < self.threshold {
            Figure::Below(self.threshold)
        } else {
            Figure::Exact(n)
        }
    }

    /// A count that is part of a published `whole` (the stays of a selection that are
    /// ongoing, its rows without a person identifier): suppressed when small, and not
    /// shown where the rest of the whole is small, which it would give away exactly (21
    /// ongoing of 22 stays is one ended stay).
    pub fn part(&self, n: u64, whole: u64) -> Figure {
        if self.small(n) {
            Figure::Below(self.threshold)
        } else if self.small(whole.saturating_sub(n)) {
            Figure::NotShown
        } else {
            Figure::Exact(n)
        }
    }

    /// A cell: exact, or suppressed.
    pub fn cell(&self, n: u64) -> Figure {
        if self.small(n) {
            Figure::Below(self.threshold)
        } else {
            Figure::Exact(n)
        }
    }

    /// A sum over cells of which `hidden` (the values of the suppressed ones) are
    /// suppressed: exact when none is; else rounded to a base chosen from what a reader
    /// knows anyway (the sum of the exact cells and how many are hidden), never from the
    /// hidden values themselves: the smallest base under which, whatever the hidden cells
    /// hold, every hidden cell keeps two or more values consistent with what is published.
    /// (Choosing the base from the hidden values would itself give them away.) A sum that
    /// is itself below the threshold prints as suppressed.
    pub fn sum(&self, total: u64, hidden: &[u64]) -> Figure {
        if hidden.is_empty() || self.threshold <= 1 {
            return self.cell(total);
        }
        let exact = total.saturating_sub(hidden.iter().sum());
        let k = hidden.len() as u64;
        // Where some values of the hidden cells would make the sum itself small, whether it
        // prints as small would tell them apart: print one bound that holds for all.
        if exact + k < self.threshold {
            let most = exact + k * (self.threshold - 1);
            return Figure::Below(((most / 10 + 1) * 10).max(self.threshold));
        }
        self.sum_at(total, self.base_for(exact, k))
    }

    /// A sum over cells of which `hidden` are suppressed, published so that it is the same
    /// whatever the hidden cells hold (each anywhere from 1 to the threshold less one): as
    /// the range of every value it could take ([`Figure::Between`], from the exact part
    /// and how many cells are hidden, both of which a reader sees anyway), or as
    /// suppressed when that whole range is small. It tells a reader nothing about the
    /// hidden cells, so several such sums that share cells cannot be combined to narrow
    /// them down either (which [`Disclosure::sum`], safe for one sum, does not promise).
    /// Exact when nothing is hidden.
    pub fn sum_hiding_parts(&self, total: u64, hidden: &[u64]) -> Figure {
        if hidden.is_empty() || self.threshold <= 1 {
            return self.cell(total);
        }
        let exact = total.saturating_sub(hidden.iter().sum());
        let k = hidden.len() as u64;
        let (least, most) = (exact + k, exact + k * (self.threshold - 1));
        if most < self.threshold {
            return Figure::Below(self.threshold);
        }
        Figure::Between {
            lo: least,
            hi: most,
        }
    }

    /// The rounding base for sums over `k` suppressed cells beside exact cells summing to
    /// `exact` (see [`Disclosure::sum`]).
    pub fn base_for(&self, exact: u64, k: u64) -> u64 {
        let mut base = 10u64;
        while !self.safe(exact, k, base) && base < u64::MAX / 100 {
            base *= 10;
        }
        base
    }

    /// A sum published at `base`: suppressed when small, else rounded.
    pub fn sum_at(&self, total: u64, base: u64) -> Figure {
        if self.small(total) {
            Figure::Below(self.threshold)
        } else {
            Figure::About {
                value: round_to(total, base),
                base,
            }
        }
    }

    /// True when, for every value the `k` hidden cells can sum to, the figure published at
    /// `base` leaves each hidden cell at least two values.
    ///
    /// The published figure is a step function of the hidden sum, so the sums a reader
    /// cannot tell apart form runs; this walks run by run (a few per base) rather than sum
    /// by sum, since a count by a fine dimension can hide thousands of cells.
    fn safe(&self, exact: u64, k: u64, base: u64) -> bool {
        let max = self.threshold - 1;
        let (first, last) = (k, k * max);
        let mut lo = first;
        while lo <= last {
            let hi = self
                .same_figure_until(exact + lo, base)
                .saturating_sub(exact)
                .min(last);
            // One cell's values, the other k - 1 taking anything in 1..=max.
            let cell_lo = lo.saturating_sub((k - 1) * max).max(1);
            let cell_hi = hi.saturating_sub(k - 1).min(max);
            if cell_hi <= cell_lo {
                return false;
            }
            lo = hi + 1;
        }
        true
    }

    /// The largest total that [`Disclosure::sum_at`] publishes as it publishes `total`.
    fn same_figure_until(&self, total: u64, base: u64) -> u64 {
        if self.small(total) {
            self.threshold - 1
        } else {
            // round_to(t) = v for t in [v - base/2, v + base/2 - 1].
            round_to(total, base) + base / 2 - 1
        }
    }

    /// A share or percentage: `None` (not published) when a count it comes from is
    /// suppressed, else rounded to whole percent (`value` is a fraction, 0.284 → 28%).
    pub fn share(&self, value: Option<f64>, from: &[u64]) -> Option<f64> {
        if from.iter().any(|n| self.small(*n)) {
            return None;
        }
        value.map(|v| (v * 100.0).round() / 100.0)
    }

    /// A percent change (`12.3` for +12.3%): `None` when a count it comes from is
    /// suppressed, else rounded to a whole percent.
    pub fn percent(&self, value: Option<f64>, from: &[u64]) -> Option<f64> {
        if from.iter().any(|n| self.small(*n)) {
            return None;
        }
        value.map(f64::round)
    }
}

/// `n` rounded half up to a multiple of `base`.
pub fn round_to(n: u64, base: u64) -> u64 {
    (n + base / 2) / base * base
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule of [`Disclosure::safe`] sum by sum, as first written.
    fn safe_by_every_sum(d: &Disclosure, exact: u64, k: u64, base: u64) -> bool {
        let max = d.threshold - 1;
        let sums = k..=k * max;
        sums.clone().all(|s| {
            let shown = d.sum_at(exact + s, base);
            let same: Vec<u64> = sums
                .clone()
                .filter(|t| d.sum_at(exact + t, base) == shown)
                .collect();
            let (lo, hi) = (same[0], same[same.len() - 1]);
            let cell_lo = lo.saturating_sub((k - 1) * max).max(1);
            let cell_hi = hi.saturating_sub(k - 1).min(max);
            cell_hi > cell_lo
        })
    }

    #[test]
    fn the_run_by_run_rule_agrees_with_the_sum_by_sum_rule() {
        for threshold in [2, 3, 5, 10, 11] {
            let d = Disclosure::new(threshold);
            for exact in 0..60 {
                for k in 1..8 {
                    for base in [10, 100] {
                        assert_eq!(
                            d.safe(exact, k, base),
                            safe_by_every_sum(&d, exact, k, base),
                            "threshold {threshold} exact {exact} k {k} base {base}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_sum_over_thousands_of_hidden_cells_is_published_quickly() {
        let d = Disclosure::default();
        let hidden = vec![3u64; 50_000];
        let figure = d.sum(1_000_000 + 150_000, &hidden);
        assert!(matches!(figure, Figure::About { .. }), "{figure:?}");
    }

    #[test]
    fn a_sum_hiding_its_parts_is_the_same_whatever_they_hold() {
        let d = Disclosure::default();
        for exact in [0u64, 3, 10, 95, 402, 996, 12_345] {
            for k in 1..=3u64 {
                let shown =
                    |hidden: &[u64]| d.sum_hiding_parts(exact + hidden.iter().sum::<u64>(), hidden);
                let all: Vec<Vec<u64>> = (0..9u64.pow(k as u32))
                    .map(|code| (0..k).map(|i| 1 + code / 9u64.pow(i as u32) % 9).collect())
                    .collect();
                let first = shown(&all[0]);
                assert!(
                    all.iter().all(|h| shown(h) == first),
                    "exact {exact}, {k} hidden"
                );
            }
        }
        assert_eq!(
            d.sum_hiding_parts(402 + 5, &[5]),
            Figure::Between { lo: 403, hi: 411 }
        );
        assert_eq!(
            d.sum_hiding_parts(3 + 5, &[5]),
            Figure::Between { lo: 4, hi: 12 }
        );
        assert_eq!(d.sum_hiding_parts(5, &[5]), Figure::Below(10));
        assert_eq!(d.sum_hiding_parts(40, &[]), Figure::Exact(40));
    }

    #[test]
    fn figures_print_alike_everywhere() {
        let d = Disclosure::default();
        assert_eq!(d.cell(9).text(), "<10");
        assert_eq!(d.cell(0).text(), "0");
        assert_eq!(d.cell(1234).text(), "1,234");
        assert_eq!(
            Figure::About {
                value: 1230,
                base: 10
            }
            .plain(),
            "~1230"
        );
        assert_eq!(d.cell(3).json(), serde_json::json!({"below": 10}));
        assert_eq!(Disclosure::new(0).cell(3), Figure::Exact(3));
    }

    #[test]
    fn a_rounded_sum_never_pins_a_suppressed_cell() {
        let d = Disclosure::default();
        // 6 exact + a suppressed 9 = 15: to the nearest 10 that is 20, and 9 is the only
        // value left; and "<10" for the sums under 10 would tell 9 from the rest. Beside 6
        // exact, one suppressed cell sums to less than 20 whatever it holds.
        assert_eq!(d.sum(15, &[9]), Figure::Below(20));
        assert_eq!(d.sum(11, &[5]), Figure::Below(20));
        assert_eq!(
            d.sum(26, &[9]),
            Figure::About {
                value: 30,
                base: 10
            }
        );
        assert_eq!(
            d.sum(1009, &[9]),
            Figure::About {
                value: 1010,
                base: 10
            }
        );
        assert_eq!(d.sum(1000, &[]), Figure::Exact(1000));
        assert_eq!(d.sum(7, &[7]), Figure::Below(10));
        // Exhaustively, as a reader would: every assignment of the hidden cells that
        // publishes the same figure beside the same exact cells is possible, and each
        // hidden cell must keep two or more values among them.
        for exact in 0..120u64 {
            for k in 1..=2u32 {
                let assignments: Vec<Vec<u64>> = (0..9u64.pow(k))
                    .map(|code| (0..k).map(|j| 1 + code / 9u64.pow(j) % 9).collect())
                    .collect();
                let shown: Vec<Figure> = assignments
                    .iter()
                    .map(|h| d.sum(exact + h.iter().sum::<u64>(), h))
                    .collect();
                for (a, hidden) in assignments.iter().enumerate() {
                    for cell in 0..k as usize {
                        let mut values: Vec<u64> = assignments
                            .iter()
                            .zip(&shown)
                            .filter(|(_, f)| **f == shown[a])
                            .map(|(h, _)| h[cell])
                            .collect();
                        values.sort();
                        values.dedup();
                        assert!(
                            values.len() >= 2,
                            "exact {exact} hidden {hidden:?}: cell {cell} pinned by {:?}",
                            shown[a]
                        );
                    }
                }
            }
        }
    }
}
