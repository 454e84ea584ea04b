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
    /// Suppressed: between 1 and `threshold - 1`.
    Below(u64),
    /// Rounded to the nearest `base` because cells it sums are suppressed.
    About { value: u64, base: u64 },
    /// No release covers the days: the count is missing, not zero.
    NotCovered,
}

impl Figure {
    /// As a terminal prints it: `1,234`, `<10`, `about 1,230`, `not covered`.
    pub fn text(&self) -> String {
        match self {
            Figure::Exact(n) => thousands(*n),
            Figure::Below(t) => format!("<{t}"),
            // Rounded to zero: say the interval, not "about 0".
            Figure::About { value: 0, base } => format!("<{}", thousands(base / 2)),
            Figure::About { value, .. } => format!("about {}", thousands(*value)),
            Figure::NotCovered => "not covered".into(),
        }
    }

    /// As CSV prints it: `1234`, `<10`, `~1230`, `not covered`.
    pub fn plain(&self) -> String {
        match self {
            Figure::Exact(n) => n.to_string(),
            Figure::Below(t) => format!("<{t}"),
            Figure::About { value: 0, base } => format!("<{}", base / 2),
            Figure::About { value, .. } => format!("~{value}"),
            Figure::NotCovered => "not covered".into(),
        }
    }

    /// As JSON publishes it: a number when exact, else an object saying what it is
    /// (`{"below": 10}`, `{"about": 1230, "rounded_to": 10}`, `{"not_covered": true}`).
    pub fn json(&self) -> serde_json::Value {
        match self {
            Figure::Exact(n) => serde_json::json!(n),
            Figure::Below(t) => serde_json::json!({ "below": t }),
            Figure::About { value, base } => {
                serde_json::json!({ "about": value, "rounded_to": base })
            }
            Figure::NotCovered => serde_json::json!({ "not_covered": true }),
        }
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

    /// True for a count that is suppressed (a true zero never is).
    pub fn small(&self, n: u64) -> bool {
        self.threshold > 1 && n > 0 && n < self.threshold
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
    /// suppressed: exact when none is; suppressed when itself small; else rounded to the
    /// smallest base under which every hidden cell keeps two or more values consistent
    /// with the rounded sum and the exact cells.
    pub fn sum(&self, total: u64, hidden: &[u64]) -> Figure {
        if self.small(total) {
            return Figure::Below(self.threshold);
        }
        // A true zero holds no hidden cell.
        if hidden.is_empty() || total == 0 {
            return Figure::Exact(total);
        }
        let exact_part = total - hidden.iter().sum::<u64>();
        let mut base = 10;
        loop {
            let rounded = round_to(total, base);
            if !determines_a_cell(
                self.threshold,
                rounded,
                base,
                exact_part,
                hidden.len() as u64,
            ) || base > total.saturating_mul(10)
            {
                return Figure::About {
                    value: rounded,
                    base,
                };
            }
            base *= 10;
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

/// Whether a sum published as `rounded` (nearest multiple of `base`), with `exact_part`
/// the sum of the exact cells, leaves some one of `k` hidden cells (each in
/// `1..threshold`) with a single possible value.
fn determines_a_cell(threshold: u64, rounded: u64, base: u64, exact_part: u64, k: u64) -> bool {
    let max = threshold - 1;
    // Sums the rounded figure allows: rounded - base/2 ..= rounded + base/2 - 1.
    let lo = rounded.saturating_sub(base / 2);
    let hi = rounded + base / 2 - 1;
    // What the hidden cells can add up to.
    let sum_lo = lo.saturating_sub(exact_part).max(k);
    let sum_hi = hi.saturating_sub(exact_part).min(k * max);
    if sum_lo > sum_hi {
        return true;
    }
    // One cell's range, the others taking anything in 1..=max.
    let others = k - 1;
    let cell_lo = sum_lo.saturating_sub(others * max).max(1);
    let cell_hi = sum_hi.saturating_sub(others).min(max);
    cell_lo >= cell_hi
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // value left; to the nearest 100 it is 0..149, which leaves all of 1..9.
        assert_eq!(
            d.sum(15, &[9]),
            Figure::About {
                value: 0,
                base: 100
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
        // Exhaustively: no hidden cell is ever left with one value.
        for exact_part in 0..60u64 {
            for a in 1..10u64 {
                for b in 0..10u64 {
                    let hidden: Vec<u64> = [a, b].into_iter().filter(|x| *x > 0).collect();
                    let total = exact_part + hidden.iter().sum::<u64>();
                    let Figure::About { value, base } = d.sum(total, &hidden) else {
                        continue;
                    };
                    for (i, cell) in hidden.iter().enumerate() {
                        let others: u64 = hidden
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| *j != i)
                            .map(|(_, x)| x)
                            .sum();
                        let _ = others;
                        let possible: Vec<u64> = (1..10)
                            .filter(|v| {
                                // Some values of the other hidden cells make the sum round to `value`.
                                let k = hidden.len() as u64 - 1;
                                (k..=k * 9).any(|rest| {
                                    (k == 0 && rest == 0 || k > 0)
                                        && round_to(exact_part + v + rest, base) == value
                                })
                            })
                            .collect();
                        assert!(
                            possible.len() >= 2,
                            "total {total} hidden {hidden:?}: cell {cell} pinned by {value}/{base}"
                        );
                    }
                }
            }
        }
    }
}
