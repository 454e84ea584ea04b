//! What each distinct raw text of a column becomes, computed once per sheet.
//!
//! Releases repeat a few hundred spellings per column across hundreds of thousands of rows
//! (every national row's birth date is the same withheld marker; dates come sorted), so
//! the trimming, marker detection, date parsing and dictionary lookup of a text are done
//! the first time it appears and remembered.

use rustc_hash::FxHashMap;

/// The normalized meaning of one source cell of a canonical field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CellOutcome {
    /// Nothing in it (empty or whitespace).
    Blank,
    /// A FOIA exemption marker: the key of its canonical codes, e.g. `(b)(6);(b)(7)(C)`,
    /// in the sheet's dictionary of codes.
    Withheld(u32),
    /// Text: its key in the field's value dictionary.
    Text(u32),
    /// A plausible date, as days since 1970-01-01.
    Date(i32),
    /// Unreadable as the field's type: kept as raw text in `unparsed_values`.
    Unparsed,
    /// Unreadable event date: the row is rejected for the reason at this index of the
    /// normalizer's list of reasons.
    Reject(u32),
}

/// Distinct texts of one column and their outcomes, with the previous row's text checked
/// first in columns where it usually repeats (sorted dates).
pub(crate) struct ColumnMemo {
    last_text: Vec<u8>,
    last: Option<CellOutcome>,
    seen: FxHashMap<Box<[u8]>, CellOutcome>,
    /// Whether to check the previous row's text first; turned off after
    /// [`REPEAT_SAMPLE`] rows when fewer than half of them repeated it.
    check_last: bool,
    lookups: u32,
    repeats: u32,
}

impl Default for ColumnMemo {
    fn default() -> Self {
        ColumnMemo {
            last_text: Vec::new(),
            last: None,
            seen: FxHashMap::default(),
            check_last: true,
            lookups: 0,
            repeats: 0,
        }
    }
}

/// Distinct texts remembered per column; past this (a column of mostly unique values)
/// new texts are computed each time instead of growing the memo with every row.
const MEMO_LIMIT: usize = 1 << 16;

/// Rows sampled before deciding whether a column repeats its previous value often enough
/// for checking it first to pay.
const REPEAT_SAMPLE: u32 = 4096;

impl ColumnMemo {
    /// The outcome of a cell's text (its bytes exactly as written), computed by `compute`
    /// the first time it is seen.
    pub(crate) fn outcome(
        &mut self,
        text: &[u8],
        compute: impl FnOnce(&[u8]) -> CellOutcome,
    ) -> CellOutcome {
        if self.check_last {
            if let Some(last) = &self.last
                && self.last_text == text
            {
                self.repeats += 1;
                return *last;
            }
            self.lookups += 1;
            if self.lookups == REPEAT_SAMPLE {
                self.check_last = self.repeats >= REPEAT_SAMPLE;
                self.last = None;
            }
        }
        let outcome = match self.seen.get(text) {
            Some(o) => *o,
            None => {
                let o = compute(text);
                if self.seen.len() < MEMO_LIMIT {
                    self.seen.insert(text.into(), o);
                }
                o
            }
        };
        if self.check_last {
            self.last_text.clear();
            self.last_text.extend_from_slice(text);
            self.last = Some(outcome);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_each_distinct_text_once() {
        let mut memo = ColumnMemo::default();
        let mut calls = 0;
        for text in ["a", "a", "b", "a", "b", "c"] {
            let got = memo.outcome(text.as_bytes(), |t| {
                calls += 1;
                CellOutcome::Text(t[0] as u32)
            });
            assert_eq!(got, CellOutcome::Text(text.as_bytes()[0] as u32));
        }
        assert_eq!(calls, 3);
    }
}
