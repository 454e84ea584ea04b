//! Delimited text releases (pipe, comma, tab or semicolon; UTF-8, UTF-16 or Latin-1).
//!
//! The text is read in chunks of decompressed bytes (`IngestOptions::text_chunk_bytes`),
//! split into records in place ([`crate::tokenize`]) and handed to the normalizer as byte
//! ranges; the record a chunk ends in is carried over to the next chunk.

use crate::cell::{CellValue, RowCells, decode_text};
use crate::error::{IngestError, Location};
use crate::layout::{self, HEADER_SCAN_ROWS, LayoutError, PreviewRow};
use crate::normalize::{SheetNormalizer, SheetSpec, Vocabulary};
use crate::source::{ContentStream, ReleaseFile, looks_utf16};
use crate::tokenize::{self, FieldSpan, Records};
use crate::{BatchSink, IngestOptions};
use std::borrow::Cow;
use tally_catalog::ReleaseReport;

/// Picks the delimiter that occurs most often, outside quotes, in the first lines.
/// Candidates: `|`, tab, `,`, `;`; comma when none occurs.
pub fn sniff_delimiter(content: &[u8]) -> u8 {
    let sample = &content[..content.len().min(64 * 1024)];
    let mut counts = [0usize; 4];
    let candidates = [b'|', b'\t', b',', b';'];
    let mut in_quotes = false;
    for &b in sample {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && let Some(i) = candidates.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], 4 - i)).unwrap_or(2);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// Text content as UTF-8 bytes: strips a UTF-8 byte-order mark, decodes UTF-16 (with BOM).
fn utf8_content(content: &[u8]) -> Cow<'_, [u8]> {
    if let Some(rest) = content.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Cow::Borrowed(rest);
    }
    let utf16 = |bytes: &[u8], le: bool| -> Vec<u8> {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&units).into_bytes()
    };
    if let Some(rest) = content.strip_prefix(&[0xFF, 0xFE]) {
        return Cow::Owned(utf16(rest, true));
    }
    if let Some(rest) = content.strip_prefix(&[0xFE, 0xFF]) {
        return Cow::Owned(utf16(rest, false));
    }
    Cow::Borrowed(content)
}

/// The part of a release's text not yet read: all of it in memory (files as published, or
/// UTF-16 text converted), or a window over decompressed chunks.
enum TextWindow<'f> {
    Whole {
        text: Cow<'f, [u8]>,
        start: usize,
    },
    Streamed {
        stream: Box<ContentStream<'f>>,
        buffer: Vec<u8>,
        start: usize,
        end: usize,
        done: bool,
        /// Bytes appended per [`TextWindow::fill`] (`IngestOptions::text_chunk_bytes`): a
        /// record rarely straddles two chunks, and a chunk stays in cache while it is split
        /// and normalized, where a whole release would not.
        chunk: usize,
    },
}

impl<'f> TextWindow<'f> {
    /// The release's text from its first byte, without a byte-order mark.
    fn open(file: &'f ReleaseFile, chunk: usize) -> Result<TextWindow<'f>, IngestError> {
        let mut window = match file.plain_content() {
            Some(text) => TextWindow::Whole {
                text: Cow::Borrowed(text),
                start: 0,
            },
            None => TextWindow::Streamed {
                stream: Box::new(file.content_stream()),
                buffer: Vec::new(),
                start: 0,
                end: 0,
                done: false,
                chunk: chunk.max(1),
            },
        };
        window.fill()?;
        let text = window.text();
        if looks_utf16(text) {
            // Rare (Windows "Unicode text" exports): converted whole.
            let mut all = Vec::new();
            while !window.done() {
                window.fill()?;
            }
            all.extend_from_slice(window.text());
            return Ok(TextWindow::Whole {
                text: Cow::Owned(utf8_content(&all).into_owned()),
                start: 0,
            });
        }
        if text.starts_with(&[0xEF, 0xBB, 0xBF]) {
            window.consume(3);
        }
        Ok(window)
    }

    /// The text not yet consumed that is in memory.
    fn text(&self) -> &[u8] {
        match self {
            TextWindow::Whole { text, start } => &text[*start..],
            TextWindow::Streamed {
                buffer, start, end, ..
            } => &buffer[*start..*end],
        }
    }

    /// True when [`TextWindow::text`] runs to the end of the release.
    fn done(&self) -> bool {
        match self {
            TextWindow::Whole { .. } => true,
            TextWindow::Streamed { done, .. } => *done,
        }
    }

    /// Marks the first `n` bytes of [`TextWindow::text`] read.
    fn consume(&mut self, n: usize) {
        match self {
            TextWindow::Whole { start, .. } | TextWindow::Streamed { start, .. } => *start += n,
        }
    }

    /// Appends the next chunk (or what is left) to the text in memory.
    fn fill(&mut self) -> Result<(), IngestError> {
        let TextWindow::Streamed {
            stream,
            buffer,
            start,
            end,
            done,
            chunk,
        } = self
        else {
            return Ok(());
        };
        buffer.copy_within(*start..*end, 0);
        *end -= *start;
        *start = 0;
        // A record longer than the text in memory doubles it, so that reading it again from
        // its start after each fill stays linear in its length.
        let want = *end + (*chunk).max(*end);
        if buffer.len() < want {
            buffer.resize(want, 0);
        }
        while !*done && *end < want {
            match stream.read(&mut buffer[*end..want])? {
                0 => *done = true,
                n => *end += n,
            }
        }
        Ok(())
    }
}

/// `text` as UTF-8 when it is valid, allowing a character cut at the end of a chunk that
/// more text follows (the record it is in is read with the next chunk).
fn valid_utf8(text: &[u8], done: bool) -> Option<&str> {
    match simdutf8::compat::from_utf8(text) {
        Ok(s) => Some(s),
        Err(e) if e.error_len().is_none() && !done => {
            simdutf8::basic::from_utf8(&text[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

/// Most text looked at for the banner and header.
const PREVIEW_BYTES: usize = 1 << 20;

/// Why the record just read is taken for one broken by a stray quote, if it is: a quote
/// never closed, or a quoted field running over a line break into a record of the wrong
/// width (a quote closed by the next line's first quote).
fn stray_quote(records: &Records<'_>, width: usize, header_width: usize) -> Option<String> {
    if let Some(field) = records.unclosed_quote() {
        return Some(format!(
            "field {} opens a quote that nothing closes: the line is rejected and the lines after it are read as records",
            field + 1
        ));
    }
    (records.spans_lines() && width != header_width).then(|| {
        format!(
            "a quote on this line closes on line {}, making a record of {width} fields (the header has {header_width}): the line is rejected and the lines after it are read as records",
            records.line()
        )
    })
}

/// Hands one record to the normalizer: blank records are counted, records with more or
/// fewer fields than the header are rejected.
fn push_record<R: RowCells + ?Sized>(
    line: u64,
    row: &R,
    header_width: usize,
    normalizer: &mut SheetNormalizer<'_>,
    sink: &mut dyn BatchSink,
) -> Result<(), IngestError> {
    let width = (0..row.width())
        .rposition(|i| !row.is_blank(i))
        .map_or(0, |p| p + 1);
    if width == 0 {
        normalizer.blank_row();
        Ok(())
    } else if row.width() < header_width || width > header_width {
        normalizer.reject(
            line,
            &row.to_cells(),
            None,
            format!(
                "row has {} fields, the header has {header_width}",
                row.width().max(width)
            ),
        );
        Ok(())
    } else {
        normalizer.push_row(line, row, sink)
    }
}

/// One record of delimited text: its fields are byte ranges of the file's text.
struct TextRow<'a> {
    bytes: &'a [u8],
    /// The whole text when it is valid UTF-8.
    utf8: Option<&'a str>,
    fields: &'a [FieldSpan],
}

impl RowCells for TextRow<'_> {
    fn width(&self) -> usize {
        self.fields.len()
    }

    fn raw_text(&self, i: usize) -> Option<&[u8]> {
        match self.fields.get(i) {
            Some(f) if f.escaped => None,
            Some(f) => Some(&self.bytes[f.start..f.end]),
            None => Some(b""),
        }
    }

    fn cell(&self, i: usize) -> CellValue<'_> {
        match self.fields.get(i) {
            Some(f) => field_cell(self.bytes, self.utf8, f),
            None => CellValue::Empty,
        }
    }
}

/// A field as a cell. `utf8` is the whole text when it is valid UTF-8; otherwise each
/// field is decoded on its own ([`decode`]).
fn field_cell<'a>(bytes: &'a [u8], utf8: Option<&'a str>, field: &FieldSpan) -> CellValue<'a> {
    if field.escaped {
        let unescaped = tokenize::unescape(&bytes[field.start..field.end]);
        return decode(&unescaped).into_static();
    }
    match utf8.and_then(|text| text.get(field.start..field.end)) {
        Some("") => CellValue::Empty,
        Some(s) => CellValue::Text(Cow::Borrowed(s)),
        None => decode(&bytes[field.start..field.end]),
    }
}

/// A field as text: UTF-8 when valid, else read as Latin-1 (Windows exports).
fn decode(field: &[u8]) -> CellValue<'_> {
    if field.is_empty() {
        return CellValue::Empty;
    }
    CellValue::Text(decode_text(field))
}

/// Ingests a delimited text release: one table, header found among the first lines.
///
/// # Errors
/// [`IngestError::NoHeader`], [`IngestError::UnknownTable`],
/// and sink failures.
pub fn ingest_delimited(
    file: &ReleaseFile,
    delimiter: u8,
    options: &IngestOptions,
    sink: &mut dyn BatchSink,
) -> Result<ReleaseReport, IngestError> {
    let vocab = Vocabulary::embedded();
    let at = |row: Option<u64>| Location {
        file: file.path.clone(),
        sheet: None,
        row,
        column: None,
    };
    let mut window = TextWindow::open(file, options.text_chunk_bytes)?;
    let mut fields: Vec<FieldSpan> = Vec::new();

    // The banner and header: the first records, looked at without reading past them (the
    // records after the header are read again below, in order, with the stray-quote check).
    let mut preview: Vec<PreviewRow>;
    let mut first_line = 1;
    loop {
        preview = Vec::new();
        let text = window.text();
        let utf8 = valid_utf8(text, window.done());
        let mut records = Records::chunk(text, delimiter, first_line, !window.done());
        while preview.len() < HEADER_SCAN_ROWS {
            let Some(at_line) = records.next_record(&mut fields) else {
                break;
            };
            preview.push((
                at_line,
                fields
                    .iter()
                    .map(|f| field_cell(text, utf8, f).into_static())
                    .collect(),
            ));
        }
        // The header is looked for in the first records of the first MiB of text (blank
        // lines before the first record aside), not further.
        if preview.len() == HEADER_SCAN_ROWS || window.done() || text.len() >= PREVIEW_BYTES {
            break;
        }
        if preview.is_empty() {
            // Only blank lines so far: drop them rather than keep them in memory.
            first_line = records.line();
            let consumed = records.consumed();
            window.consume(consumed);
        }
        window.fill()?;
    }
    let layout = layout::read_layout(&preview, None, &file.file_name, vocab.catalog, &vocab.aors)
        .map_err(|e| match e {
        LayoutError::NoHeader { scanned } => IngestError::NoHeader {
            at: at(None),
            scanned,
            examples: layout::header_examples(),
        },
        LayoutError::UnknownTable { row, detail } => IngestError::UnknownTable {
            at: at(Some(row)),
            detail,
        },
    })?;
    let header_at = layout.header_at;
    let header_width = layout
        .header
        .iter()
        .rposition(|c| !c.is_blank())
        .map(|p| p + 1)
        .unwrap_or(0);
    let banner = layout.banner.clone();
    let spec = SheetSpec {
        release_sha256: &file.sha256,
        file: &file.path,
        sheet: file.file_name.clone(),
        sheet_index: 0,
        table: layout.table,
        header_row: layout.header_row,
        header: layout.header,
        roles: layout.roles,
        header_notes: layout.notes,
        banner: layout.banner,
        batch_rows: options.batch_rows,
    };
    let mut normalizer = SheetNormalizer::new(&vocab, spec)?;
    // The banner and the header are the first records of the text in memory.
    let mut before_data = header_at + 1;
    let mut line = first_line;
    // The records, chunk by chunk: each chunk is split and normalized while it is in cache,
    // and the record it ends in is carried into the next.
    loop {
        let text = window.text();
        let utf8 = valid_utf8(text, window.done());
        let mut records = Records::chunk(text, delimiter, line, !window.done());
        while let Some(at_line) = records.next_record(&mut fields) {
            if before_data > 0 {
                before_data -= 1;
                continue;
            }
            if let Some(reason) = stray_quote(&records, fields.len(), header_width) {
                // Reject the line the stray quote is on; read the lines it swallowed again.
                let first_line = decode(&text[records.first_line()]).into_static();
                normalizer.reject(at_line, &[first_line], None, reason);
                records.resume_after_first_line();
                continue;
            }
            let row = TextRow {
                bytes: text,
                utf8,
                fields: &fields,
            };
            push_record(at_line, &row, header_width, &mut normalizer, sink)?;
        }
        line = records.line();
        let consumed = records.consumed();
        if window.done() {
            break;
        }
        window.consume(consumed);
        window.fill()?;
    }
    let (sheet_report, rejects) = normalizer.finish(sink)?;
    let mut report = file.empty_report();
    report.foia_number = banner.foia_number.clone();
    report.stated_coverage = sheet_report.banner.coverage;
    report.sheets.push(sheet_report);
    report.rejects = rejects;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_pipe_over_commas_inside_quotes() {
        let text = b"\"a\"|\"(b)(6),(b)(7)c)\"|x\n\"b\"|\"c, d\"|y\n";
        assert_eq!(sniff_delimiter(text), b'|');
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"nothing here"), b',');
    }

    #[test]
    fn decodes_latin1_and_utf16() {
        assert_eq!(
            decode(b"M\xc9XICO"),
            CellValue::Text(Cow::Owned("MÉXICO".into()))
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a|b".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(utf8_content(&utf16).as_ref(), b"a|b");
        assert_eq!(utf8_content(b"\xEF\xBB\xBFa|b").as_ref(), b"a|b");
    }
}
