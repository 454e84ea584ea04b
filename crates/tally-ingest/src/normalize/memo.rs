//! What each distinct raw text of a column becomes, computed once per sheet.
//!
//! Releases repeat a few hundred spellings per column across hundreds of thousands of rows
//! (every national row's birth date is the same withheld marker; dates come sorted), so
//! the trimming, marker detection, date parsing and dictionary lookup of a text are done
//! the first time it appears and remembered.

use hashbrown::HashTable;
use std::hash::{BuildHasher, Hasher};

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
    /// Text released in a spelling the field's definition lists: the key of the value it
    /// stands for, and the index of the spelling in the field's definition.
    Respelled(u32, u32),
    /// A plausible date, as days since 1970-01-01.
    Date(i32),
    /// A plausible date and time, as seconds since 1970-01-01 00:00, and whether the cell
    /// stated a time of day.
    DateTime(i64, bool),
    /// A whole number.
    Integer(i64),
    /// A finite number, as its [`super::column::number_bits`].
    Number(i64),
    /// A missing-value placeholder (`NA`, `N/A`, ...): null, counted apart.
    Missing,
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
    seen: HashTable<(SeenText, CellOutcome)>,
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
            seen: HashTable::new(),
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
    #[inline]
    pub(crate) fn outcome(
        &mut self,
        text: &[u8],
        compute: impl FnOnce(&[u8]) -> CellOutcome,
    ) -> CellOutcome {
        if self.check_last {
            if let Some(last) = &self.last
                && same_bytes(&self.last_text, text)
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
        let hash = hash_bytes(text);
        let outcome = match self
            .seen
            .find(hash, |(seen, _)| same_bytes(seen.bytes(), text))
        {
            Some((_, o)) => *o,
            None => {
                let o = compute(text);
                if self.seen.len() < MEMO_LIMIT {
                    self.seen
                        .insert_unique(hash, (SeenText::new(text), o), |(seen, _)| {
                            hash_bytes(seen.bytes())
                        });
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

/// A hash of a cell's text from its length and its first and last eight bytes: cheap for
/// the short texts of release cells and enough to tell them apart (texts that share all
/// three only share a bucket; equality is always checked in full).
/// A remembered text, kept inside its table entry when short (nearly all are), so that
/// comparing it reads no other memory.
enum SeenText {
    Inline { len: u8, bytes: [u8; INLINE_TEXT] },
    Heap(Box<[u8]>),
}

const INLINE_TEXT: usize = 38;

impl SeenText {
    fn new(text: &[u8]) -> SeenText {
        if text.len() <= INLINE_TEXT {
            let mut bytes = [0u8; INLINE_TEXT];
            bytes[..text.len()].copy_from_slice(text);
            SeenText::Inline {
                len: text.len() as u8,
                bytes,
            }
        } else {
            SeenText::Heap(text.into())
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            SeenText::Inline { len, bytes } => &bytes[..*len as usize],
            SeenText::Heap(b) => b,
        }
    }
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let word = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(0, u64::from_le_bytes);
    let (head, tail) = if n >= 8 {
        (word(&bytes[..8]), word(&bytes[n - 8..]))
    } else {
        (bytes.iter().fold(0u64, |w, &b| (w << 8) | b as u64), 0)
    };
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write_u64(head);
    h.write_u64(tail);
    h.write_usize(n);
    h.finish()
}

/// Byte equality for the short texts of release cells, eight bytes at a time and inline:
/// most compared texts are 2 to 40 bytes, where a call to `memcmp` costs more than the
/// comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let word = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(0, u64::from_ne_bytes);
    let mut wa = a.chunks_exact(8);
    let mut wb = b.chunks_exact(8);
    if (&mut wa).zip(&mut wb).any(|(x, y)| word(x) != word(y)) {
        return false;
    }
    wa.remainder()
        .iter()
        .zip(wb.remainder())
        .all(|(x, y)| x == y)
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

    #[test]
    fn same_bytes_is_byte_equality() {
        let texts: [&[u8]; 7] = [
            b"",
            b"Male",
            b"Malf",
            b"Chicago Area of Responsibility",
            b"Chicago Area of Responsibilitx",
            b"Chicago Area of Responsibility ",
            b"12345678",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
