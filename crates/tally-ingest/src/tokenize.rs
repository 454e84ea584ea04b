//! Splits delimited text held in memory into records and fields without copying them.
//!
//! The quoting rules are exactly those of the `csv` crate's default reader (RFC 4180 with
//! its leniencies), which earlier Tally releases used and which the property tests in this
//! module compare against: a field that starts with `"` is quoted and `""` inside it is
//! one quote; text after a closing quote continues the field unquoted; a quote inside an
//! unquoted field is literal; `\r`, `\n` and `\r\n` all end a record and empty lines are
//! skipped; an unclosed quote runs to the end of the input. What differs is the cost: a
//! field is a byte range of the input, copied only in the rare case that it must be
//! unescaped, so a release of millions of rows is split with no allocation per row.

/// Where one field's text lies in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpan {
    /// First byte (after an opening quote when the field is simply quoted).
    pub start: usize,
    /// One past the last byte (before the closing quote when simply quoted).
    pub end: usize,
    /// True when `start..end` is the raw quoted text (from the opening quote) that
    /// [`unescape`] must decode: it holds a doubled quote or text after the closing quote.
    pub escaped: bool,
}

/// Records of delimited text, read in order.
pub struct Records<'a> {
    input: &'a [u8],
    pos: usize,
    line: u64,
    delimiter: u8,
    /// Bytes that end an unquoted field: the delimiter, `\r` and `\n`.
    ends_field: [bool; 256],
    /// True when `input` is a chunk that more text follows: a record that runs to its end
    /// is then not returned but left for the next chunk (see [`Records::consumed`]).
    more_follows: bool,
    /// In the record last returned: the field whose opening quote no later text closes.
    unclosed_quote: Option<usize>,
    /// The record last returned: where it starts, its line, and whether a quoted field of
    /// it runs over a line break.
    record_start: usize,
    record_line: u64,
    spans_lines: bool,
}

impl<'a> Records<'a> {
    /// Records of `input` separated by `delimiter` (not `"`, `\r` or `\n`).
    pub fn new(input: &'a [u8], delimiter: u8) -> Records<'a> {
        Records::chunk(input, delimiter, 1, false)
    }

    /// Records of one chunk of a longer text whose first byte is on line `first_line`.
    /// With `more_follows`, the record the chunk ends in is left unread: carry the bytes
    /// from [`Records::consumed`] on into the next chunk, from line [`Records::line`].
    pub fn chunk(
        input: &'a [u8],
        delimiter: u8,
        first_line: u64,
        more_follows: bool,
    ) -> Records<'a> {
        let mut ends_field = [false; 256];
        ends_field[delimiter as usize] = true;
        ends_field[b'\r' as usize] = true;
        ends_field[b'\n' as usize] = true;
        Records {
            input,
            pos: 0,
            line: first_line,
            delimiter,
            ends_field,
            more_follows,
            unclosed_quote: None,
            record_start: 0,
            record_line: first_line,
            spans_lines: false,
        }
    }

    /// True when a quoted field of the record last returned runs over a line break.
    pub fn spans_lines(&self) -> bool {
        self.spans_lines
    }

    /// The byte range of the first line of the record last returned.
    pub fn first_line(&self) -> std::ops::Range<usize> {
        let from = self.record_start;
        let end = memchr::memchr2(b'\n', b'\r', &self.input[from..])
            .map_or(self.input.len(), |k| from + k);
        from..end
    }

    /// Goes back to read the text after the first line of the record last returned as
    /// records: for a record whose quote was stray, so that the lines it swallowed are
    /// read again.
    pub fn resume_after_first_line(&mut self) {
        self.pos = self.first_line().end;
        self.line = self.record_line;
    }

    /// In the record last returned, the (0-based) field that opens a quote which nothing
    /// up to the end of the text closes. The `csv` crate reads such a field to the end of
    /// the text, swallowing every line after it into one value; here the quote is read as
    /// text, the field ends at the next delimiter or line end, and the lines after it are
    /// records again. The caller decides what to do with the record (ingest rejects it).
    pub fn unclosed_quote(&self) -> Option<usize> {
        self.unclosed_quote
    }

    /// Bytes of the input read so far: whole records and the line ends after them.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// The line of the first byte not yet read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reads the next record's fields into `fields` (cleared first) and returns the
    /// 1-based line on which the record starts, or `None` at the end of the input. Lines
    /// end at `\n`, `\r\n` or a lone `\r`, as the records themselves do.
    pub fn next_record(&mut self, fields: &mut Vec<FieldSpan>) -> Option<u64> {
        fields.clear();
        self.unclosed_quote = None;
        let input = self.input;
        let n = input.len();
        while self.pos < n {
            match input[self.pos] {
                b'\n' => self.line += 1,
                b'\r' => match input.get(self.pos + 1) {
                    // The line feed counts the line.
                    Some(b'\n') => {}
                    Some(_) => self.line += 1,
                    // Whether a line feed follows is in the next chunk.
                    None if self.more_follows => return None,
                    None => self.line += 1,
                },
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos >= n {
            return None;
        }
        let line = self.line;
        let record_start = self.pos;
        self.record_start = record_start;
        self.record_line = line;
        self.spans_lines = false;
        loop {
            let start = self.pos;
            let end = if input.get(start) == Some(&b'"') {
                self.quoted_field(start, fields)
            } else {
                let end = self.unquoted_end(start);
                fields.push(FieldSpan {
                    start,
                    end,
                    escaped: false,
                });
                end
            };
            self.pos = end;
            match input.get(end) {
                Some(&b) if b == self.delimiter => self.pos += 1,
                // A terminator (left for the next call to skip, counting lines).
                Some(_) => return Some(line),
                // The end of a chunk that more text follows: the record may go on.
                None if self.more_follows => {
                    self.pos = record_start;
                    self.line = line;
                    fields.clear();
                    return None;
                }
                None => return Some(line),
            }
        }
    }

    /// End of an unquoted run starting at `from`: the next delimiter or terminator.
    fn unquoted_end(&self, from: usize) -> usize {
        let delimiter = self.delimiter;
        first_match(
            &self.input[from..],
            |w| has_byte(w, delimiter) | has_byte(w, b'\n') | has_byte(w, b'\r'),
            |b| self.ends_field[b as usize],
        )
        .map_or(self.input.len(), |k| from + k)
    }

    /// Reads the quoted field whose opening quote is at `start`; returns where it ends.
    fn quoted_field(&mut self, start: usize, fields: &mut Vec<FieldSpan>) -> usize {
        let input = self.input;
        let n = input.len();
        let line_at_quote = self.line;
        let mut escaped = false;
        let mut i = start + 1;
        loop {
            let Some(k) = first_match(
                &input[i..],
                |w| has_byte(w, b'"') | has_byte(w, b'\n') | has_byte(w, b'\r'),
                |b| b == b'"' || b == b'\n' || b == b'\r',
            ) else {
                if self.more_follows {
                    // The closing quote may be in the next chunk: the record is re-read then.
                    return n;
                }
                // Never closed: the quote is text, and the field ends where an unquoted
                // one would.
                self.line = line_at_quote;
                self.unclosed_quote = Some(fields.len());
                let end = self.unquoted_end(start + 1);
                fields.push(FieldSpan {
                    start,
                    end,
                    escaped: false,
                });
                return end;
            };
            let at = i + k;
            match input[at] {
                b'\n' => self.line += 1,
                // A lone carriage return ends a line; before a line feed, the feed counts.
                b'\r' if input.get(at + 1).is_some_and(|b| *b != b'\n') => self.line += 1,
                _ => {}
            }
            if input[at] != b'"' {
                self.spans_lines = true;
            }
            if input[at] != b'"' {
                i = at + 1;
                continue;
            }
            let next = at + 1;
            match input.get(next) {
                Some(b'"') => {
                    escaped = true;
                    i = next + 1;
                }
                None => {
                    fields.push(span(start, at, escaped));
                    return next;
                }
                Some(&b) if self.ends_field[b as usize] => {
                    fields.push(span(start, at, escaped));
                    return next;
                }
                Some(_) => {
                    // Text after the closing quote continues the field, unquoted.
                    let end = self.unquoted_end(next);
                    fields.push(FieldSpan {
                        start,
                        end,
                        escaped: true,
                    });
                    return end;
                }
            }
        }
    }
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of every byte of `word` (little-endian) that equals `byte`, and possibly
/// of bytes above such a byte: the lowest set bit always marks a true match.
#[inline(always)]
fn has_byte(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * byte as u64);
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Position of the first byte of `hay` that matches, eight bytes at a time: `in_word`
/// marks matches in a little-endian word (see [`has_byte`]), `is_match` tests the last
/// few bytes one by one. Fields are short (most under 40 bytes), where this beats a
/// vectorized search's setup cost.
#[inline(always)]
fn first_match(
    hay: &[u8],
    in_word: impl Fn(u64) -> u64,
    is_match: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut words = hay.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        let found = in_word(word);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| is_match(b))
        .map(|k| offset + k)
}

/// The span of a quoted field that closed at `close`: the text inside the quotes when
/// nothing needs unescaping, else the raw text from the opening quote.
fn span(open: usize, close: usize, escaped: bool) -> FieldSpan {
    if escaped {
        FieldSpan {
            start: open,
            end: close + 1,
            escaped,
        }
    } else {
        FieldSpan {
            start: open + 1,
            end: close,
            escaped,
        }
    }
}

/// Decodes an escaped field's raw text (starting at its opening quote): `""` inside the
/// quotes is one quote, the closing quote is dropped, and what follows it is literal.
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 1;
    let mut quoted = true;
    while i < raw.len() {
        let b = raw[i];
        if quoted && b == b'"' {
            if raw.get(i + 1) == Some(&b'"') {
                out.push(b'"');
                i += 2;
                continue;
            }
            quoted = false;
        } else {
            out.push(b);
        }
        i += 1;
    }
    out
}

/// The bytes of one field.
pub fn field_bytes<'a>(input: &'a [u8], field: &FieldSpan) -> std::borrow::Cow<'a, [u8]> {
    let raw = &input[field.start..field.end];
    if field.escaped {
        std::borrow::Cow::Owned(unescape(raw))
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Records as the `csv` crate reads them, with line numbers counted by `\n` before
    /// each record's first byte (the oracle).
    fn by_csv_crate(input: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            let mut at = record.position().map_or(0, |p| p.byte() as usize);
            while at < input.len() && matches!(input[at], b'\r' | b'\n') {
                at += 1;
            }
            let line = 1 + line_breaks(&input[..at]);
            out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    /// A record's starting line and its fields.
    type Parsed = (u64, Vec<Vec<u8>>);

    /// Line breaks in `text`: `\n`, `\r\n` and lone `\r` (a `\r` at the very end counts:
    /// the oracle only asks about text before a record's first byte).
    fn line_breaks(text: &[u8]) -> u64 {
        text.iter()
            .enumerate()
            .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && text.get(i + 1) != Some(&b'\n')))
            .count() as u64
    }

    /// The records of `input`, up to (without) the first with an unclosed quote when
    /// `stop_at_unclosed`; and whether one was met.
    fn records_of(input: &[u8], delimiter: u8, stop_at_unclosed: bool) -> (Vec<Parsed>, bool) {
        let mut records = Records::new(input, delimiter);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = records.next_record(&mut fields) {
            if stop_at_unclosed && records.unclosed_quote().is_some() {
                return (out, true);
            }
            let cells = fields
                .iter()
                .map(|f| field_bytes(input, f).into_owned())
                .collect();
            out.push((line, cells));
        }
        (out, false)
    }

    fn until_unclosed(input: &[u8], delimiter: u8) -> (Vec<Parsed>, bool) {
        records_of(input, delimiter, true)
    }

    fn by_tokenizer(input: &[u8], delimiter: u8) -> Vec<Parsed> {
        records_of(input, delimiter, false).0
    }

    #[test]
    fn splits_ice_rows_and_quoting_corners() {
        let text = b"\"Los Angeles Area of Responsibility\"|10/1/2016|\"(B)(6);(B)(7)(C) \"|\r\n\r\n\"a \"\"b\"\" c\"|\"x\"y|z\"w\n\"open|\nstill";
        let got = by_tokenizer(text, b'|');
        let fields = |r: &(u64, Vec<Vec<u8>>)| -> Vec<String> {
            r.1.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        };
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].0, 1);
        assert_eq!(
            fields(&got[0]),
            [
                "Los Angeles Area of Responsibility",
                "10/1/2016",
                "(B)(6);(B)(7)(C) ",
                ""
            ]
        );
        assert_eq!(got[1].0, 3);
        assert_eq!(fields(&got[1]), ["a \"b\" c", "xy", "z\"w"]);
        // A quote never closed is text; the line after it is a record again (the csv crate
        // would read "open|\nstill" as one field).
        assert_eq!(got[2].0, 4);
        assert_eq!(fields(&got[2]), ["\"open", ""]);
        assert_eq!(got[3].0, 5);
        assert_eq!(fields(&got[3]), ["still"]);
        assert_eq!(got[..2], by_csv_crate(text, b'|')[..2]);
    }

    #[test]
    fn an_unclosed_quote_is_text_and_the_lines_after_it_are_records() {
        let text = b"a|\"Male\nb|c\rd|e\r\nf|g";
        let mut records = Records::new(text, b'|');
        let mut fields = Vec::new();
        let mut got = Vec::new();
        while let Some(line) = records.next_record(&mut fields) {
            let cells: Vec<String> = fields
                .iter()
                .map(|f| String::from_utf8_lossy(&field_bytes(text, f)).into_owned())
                .collect();
            got.push((line, cells, records.unclosed_quote()));
        }
        let row = |line: u64, cells: &[&str], unclosed: Option<usize>| {
            (
                line,
                cells.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
                unclosed,
            )
        };
        assert_eq!(
            got,
            [
                row(1, &["a", "\"Male"], Some(1)),
                row(2, &["b", "c"], None),
                row(3, &["d", "e"], None),
                row(4, &["f", "g"], None),
            ]
        );
    }

    /// The records of `input` read in chunks of `size` bytes, carrying each unfinished
    /// record into the next chunk as the delimited reader does.
    fn by_chunks(input: &[u8], delimiter: u8, size: usize) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        let mut buffer: Vec<u8> = Vec::new();
        let mut line = 1;
        let mut fields = Vec::new();
        let mut next = 0;
        loop {
            let take = size.min(input.len() - next);
            buffer.extend_from_slice(&input[next..next + take]);
            next += take;
            let more = next < input.len();
            let mut records = Records::chunk(&buffer, delimiter, line, more);
            while let Some(at) = records.next_record(&mut fields) {
                out.push((
                    at,
                    fields
                        .iter()
                        .map(|f| field_bytes(&buffer, f).into_owned())
                        .collect(),
                ));
            }
            let consumed = records.consumed();
            line = records.line();
            buffer.drain(..consumed);
            if !more {
                return out;
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Reading in chunks of any size gives the records and lines of one whole read.
        #[test]
        fn chunks_read_as_the_whole(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b' ', b'|', b'"', b'\r', b'\n']),
                0..80,
            ),
            size in 1usize..12,
        ) {
            prop_assert_eq!(by_chunks(&bytes, b'|', size), by_tokenizer(&bytes, b'|'));
        }


        /// Any text over the bytes that matter gives the csv crate's records and lines.
        #[test]
        fn agrees_with_the_csv_crate(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b' ', b'|', b',', b'"', b'\r', b'\n']),
                0..60,
            ),
            comma in any::<bool>(),
        ) {
            let delimiter = if comma { b',' } else { b'|' };
            // Up to a quote that is never closed, which the csv crate reads to the end.
            let (ours, unclosed) = until_unclosed(&bytes, delimiter);
            let theirs = by_csv_crate(&bytes, delimiter);
            if unclosed {
                prop_assert_eq!(&ours[..], &theirs[..ours.len()]);
            } else {
                prop_assert_eq!(ours, theirs);
            }
        }
    }
}
