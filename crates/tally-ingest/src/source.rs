//! Reading a release file: bytes, fingerprint and container format.

use crate::IngestOptions;
use crate::error::{IngestError, Location};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The container a release arrived in, told by its content (magic bytes), not its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// Office Open XML workbook (zip).
    Xlsx,
    /// Legacy BIFF workbook in an OLE compound file.
    Xls,
    /// Delimited text with the sniffed delimiter (`|`, `,`, tab or `;`).
    Delimited(u8),
    /// An Apache Parquet file (the Deportation Data Project's processed releases).
    Parquet,
    /// A PDF (`%PDF` at the start): a printed list of jurisdictions ([`crate::pdf_list`]).
    Pdf,
    /// A Stata dataset: `<stata_dta>` at the start (releases 117-119), or the binary
    /// header of releases 102-115 ([`crate::stata`]).
    Stata,
    /// A user-written policy list: text in a file whose name ends in `.toml`
    /// ([`crate::policy_toml`]).
    Toml,
}

impl SourceFormat {
    /// Short name for reports (`xlsx`, `xls`, `pipe-delimited`, ...).
    pub fn describe(self) -> String {
        match self {
            SourceFormat::Xlsx => "xlsx".into(),
            SourceFormat::Xls => "xls".into(),
            SourceFormat::Delimited(b'|') => "pipe-delimited text".into(),
            SourceFormat::Delimited(b',') => "comma-delimited text".into(),
            SourceFormat::Delimited(b'\t') => "tab-delimited text".into(),
            SourceFormat::Delimited(d) => format!("{:?}-delimited text", d as char),
            SourceFormat::Parquet => "parquet".into(),
            SourceFormat::Pdf => "PDF".into(),
            SourceFormat::Stata => "Stata dataset".into(),
            SourceFormat::Toml => "TOML policy list".into(),
        }
    }
}

/// A release file read into memory as published: its name, SHA-256 and format. Its
/// content is decompressed on demand, whole ([`ReleaseFile::whole_content`], for
/// workbooks) or in chunks ([`ReleaseFile::content_stream`], for delimited text).
#[derive(Debug)]
pub struct ReleaseFile {
    /// Path the file was read from.
    pub path: PathBuf,
    /// File name as published.
    pub file_name: String,
    /// Lower-case hex SHA-256 of the file exactly as published (before decompression).
    pub sha256: String,
    /// Size of the file as published, in bytes.
    pub bytes: u64,
    /// True when the file was gzip-compressed.
    pub gzipped: bool,
    /// Container format, from the content.
    pub format: SourceFormat,
    /// The file's bytes exactly as published, or where to stream them from.
    published: Published,
    /// Largest decompressed size accepted (`IngestOptions::max_decompressed_bytes`).
    limit: u64,
    /// For a file streamed from disk: set once a stream read it to its end and found the
    /// fingerprinted bytes ([`ReleaseFile::confirm_fingerprint`]).
    confirmed: std::sync::atomic::AtomicBool,
}

/// Where a release's bytes come from.
#[derive(Debug)]
enum Published {
    /// Read whole, and fingerprinted.
    Bytes(Vec<u8>),
    /// A gzip file, or a delimited text file, streamed from disk as its content is read,
    /// so an ingest holds chunks, not the release: the bytes are fingerprinted as they go,
    /// and the stream fails at its end unless they hash to the release's SHA-256 (what was
    /// read is what was fingerprinted, even if the file changes meanwhile).
    OnDisk,
}

/// Decompressed bytes read ahead to tell a gzip file's format and delimiter.
const HEAD_BYTES: u64 = 64 * 1024;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const GZIP_MAGIC: &[u8] = &[0x1F, 0x8B];
const PARQUET_MAGIC: &[u8] = b"PAR1";
const PDF_MAGIC: &[u8] = b"%PDF";
const STATA_XML_MAGIC: &[u8] = b"<stata_dta>";

/// True for the start of a Stata dataset: the XML-like header of releases 117-119, or the
/// four-byte binary header of releases 102-115 (release byte, byte order 1 = big-endian
/// or 2 = little-endian, file type 1, a zero byte; Stata's `dta` file-format manual,
/// "Versions 102-115").
fn is_stata(content: &[u8]) -> bool {
    if content.starts_with(STATA_XML_MAGIC) {
        return true;
    }
    const BINARY_RELEASES: &[u8] = &[
        102, 103, 104, 105, 106, 107, 108, 110, 111, 112, 113, 114, 115,
    ];
    matches!(content, [release, 1 | 2, 1, 0, ..] if BINARY_RELEASES.contains(release))
}

impl ReleaseFile {
    /// Reads and fingerprints `path`, decompressing gzip.
    ///
    /// # Errors
    /// Missing or unreadable file, a spreadsheet extension on content that is not a
    /// workbook, an encrypted workbook, a truncated gzip stream, or content past
    /// `options.max_decompressed_bytes`.
    pub fn read(path: &Path, options: &IngestOptions) -> Result<ReleaseFile, IngestError> {
        let raw = std::fs::read(path).map_err(|source| IngestError::Io {
            at: Location {
                file: path.to_path_buf(),
                ..Location::default()
            },
            source,
        })?;
        let sha256 = sha256_hex(&raw);
        ReleaseFile::from_published(path, raw, sha256, options)
    }

    /// The release whose bytes, exactly as published, were already read from `path` and
    /// fingerprinted (`sha256` is [`sha256_hex`] of `raw`): decompresses gzip and tells
    /// the format, without reading or hashing the file again.
    ///
    /// # Errors
    /// As [`ReleaseFile::read`], but for reading the file.
    pub fn from_published(
        path: &Path,
        raw: Vec<u8>,
        sha256: String,
        options: &IngestOptions,
    ) -> Result<ReleaseFile, IngestError> {
        let at = Location {
            file: path.to_path_buf(),
            ..Location::default()
        };
        let bytes = raw.len() as u64;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if raw.is_empty() {
            return Err(IngestError::NoData {
                at,
                detail: "the file is empty".into(),
            });
        }
        if file_name.to_ascii_lowercase().ends_with(".gz") && !raw.starts_with(GZIP_MAGIC) {
            return Err(IngestError::Corrupt {
                at,
                format: "gzip file",
                detail: "the name ends in .gz but the content is not gzip-compressed".into(),
            });
        }
        let gzipped = raw.starts_with(GZIP_MAGIC);
        // A gzip file's format and delimiter are told from the start of its content.
        let head = if gzipped {
            gunzip_head(raw.as_slice(), &at)?
        } else {
            Vec::new()
        };
        if gzipped && head.is_empty() {
            return Err(IngestError::NoData {
                at,
                detail: "the gzip file decompresses to nothing".into(),
            });
        }
        let format = detect_format(&file_name, if gzipped { &head } else { &raw }, &at)?;
        Ok(ReleaseFile {
            path: path.to_path_buf(),
            file_name,
            sha256,
            bytes,
            gzipped,
            format,
            published: Published::Bytes(raw),
            limit: options.max_decompressed_bytes,
            confirmed: std::sync::atomic::AtomicBool::new(true),
        })
    }

    /// The release at `path`, whose SHA-256 is `sha256`, to be streamed from disk
    /// ([`Published::OnDisk`]) when it is gzip-compressed or delimited text (the
    /// Deportation Data Project's CSVs run to gigabytes, and were read whole): only the
    /// start of its content is read here, to tell the format. Memory then stays
    /// proportional to the chunks read, whatever the release's size. Returns `Ok(None)`
    /// for any other file, and an empty one (read it whole with
    /// [`ReleaseFile::from_published`], which says what it is).
    ///
    /// # Errors
    /// An unreadable file, a damaged gzip stream, content that decompresses to nothing or
    /// whose format is not known.
    pub fn on_disk(
        path: &Path,
        sha256: String,
        options: &IngestOptions,
    ) -> Result<Option<ReleaseFile>, IngestError> {
        let at = Location {
            file: path.to_path_buf(),
            ..Location::default()
        };
        let io = |source| IngestError::Io {
            at: at.clone(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let bytes = file.metadata().map_err(io)?.len();
        let mut start = Vec::new();
        (&mut file)
            .take(HEAD_BYTES)
            .read_to_end(&mut start)
            .map_err(io)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let gzipped = start.starts_with(GZIP_MAGIC);
        let format = if gzipped {
            let file = std::fs::File::open(path).map_err(io)?;
            let head = gunzip_head(std::io::BufReader::new(file), &at)?;
            if head.is_empty() {
                return Err(IngestError::NoData {
                    at,
                    detail: "the gzip file decompresses to nothing".into(),
                });
            }
            detect_format(&file_name, &head, &at)?
        } else if start.is_empty() || file_name.to_ascii_lowercase().ends_with(".gz") {
            return Ok(None);
        } else {
            match detect_format(&file_name, &start, &at) {
                Ok(format @ SourceFormat::Delimited(_)) => format,
                _ => return Ok(None),
            }
        };
        Ok(Some(ReleaseFile {
            path: path.to_path_buf(),
            file_name,
            sha256,
            bytes,
            gzipped,
            format,
            published: Published::OnDisk,
            limit: options.max_decompressed_bytes,
            confirmed: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// The content when it needs no decompression (the file as published), else `None`.
    pub fn plain_content(&self) -> Option<&[u8]> {
        match &self.published {
            Published::Bytes(raw) if !self.gzipped => Some(raw.as_slice()),
            _ => None,
        }
    }

    /// The whole content, decompressed (workbooks are read at random).
    ///
    /// # Errors
    /// A damaged gzip stream, or content past the decompressed-size limit.
    pub fn whole_content(&self) -> Result<std::borrow::Cow<'_, [u8]>, IngestError> {
        if let Some(raw) = self.plain_content() {
            return Ok(std::borrow::Cow::Borrowed(raw));
        }
        let mut content = Vec::new();
        let mut stream = self.content_stream();
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            match stream.read(&mut chunk)? {
                0 => return Ok(std::borrow::Cow::Owned(content)),
                n => content.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The content, decompressed as it is read: memory stays proportional to the chunks
    /// read, not to the release.
    pub fn content_stream(&self) -> ContentStream<'_> {
        let source = match &self.published {
            Published::Bytes(raw) if !self.gzipped => Source::Plain(raw.as_slice()),
            Published::Bytes(raw) => Source::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(
                raw.as_slice(),
            ))),
            Published::OnDisk => match std::fs::File::open(&self.path) {
                Ok(file) => Source::OnDisk {
                    stream: {
                        let file = std::io::BufReader::with_capacity(
                            1 << 16,
                            FingerprintedFile {
                                file,
                                sha256: Sha256::new(),
                                bytes: 0,
                            },
                        );
                        if self.gzipped {
                            DiskStream::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(file)))
                        } else {
                            DiskStream::Plain(file)
                        }
                    },
                    expected: &self.sha256,
                    bytes: self.bytes,
                    checked: false,
                    confirmed: &self.confirmed,
                },
                Err(e) => Source::Failed(e.to_string()),
            },
        };
        ContentStream {
            source,
            read: 0,
            limit: self.limit,
            at: self.location(),
        }
    }

    /// Succeeds when the bytes ingested are known to be the bytes fingerprinted: always
    /// for a file read whole; for one streamed from disk, once a stream has read it to
    /// its end and checked it.
    ///
    /// # Errors
    /// A streamed file no stream read to its end.
    pub fn confirm_fingerprint(&self) -> Result<(), IngestError> {
        if self.confirmed.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        Err(IngestError::Corrupt {
            at: self.location(),
            format: "release file",
            detail: "its content was not read to the end, so its fingerprint was never checked"
                .into(),
        })
    }

    /// An empty report for this file, before any sheet is read.
    pub fn empty_report(&self) -> tally_catalog::ReleaseReport {
        tally_catalog::ReleaseReport {
            file_name: self.file_name.clone(),
            source_path: self.path.display().to_string(),
            sha256: self.sha256.clone(),
            bytes: self.bytes,
            format: self.format.describe(),
            gzipped: self.gzipped,
            foia_number: None,
            stated_coverage: None,
            notes: Vec::new(),
            sheets: Vec::new(),
            skipped_sheets: Vec::new(),
            summary_checks: Vec::new(),
            unmatched_summary: Vec::new(),
            rejects: Vec::new(),
            summary_blocks: Vec::new(),
        }
    }

    /// A location naming this file.
    pub fn location(&self) -> Location {
        Location {
            file: self.path.clone(),
            ..Location::default()
        }
    }
}

/// A release's content read in chunks (see [`ReleaseFile::content_stream`]).
pub struct ContentStream<'a> {
    source: Source<'a>,
    read: u64,
    limit: u64,
    at: Location,
}

/// Where a [`ContentStream`] reads from.
enum Source<'a> {
    /// The content itself (a file not compressed).
    Plain(&'a [u8]),
    /// A gzip file read whole.
    Gzip(Box<flate2::bufread::MultiGzDecoder<&'a [u8]>>),
    /// A file streamed from disk, fingerprinted as it is read; checked against
    /// `expected` (SHA-256) and `bytes` at the end.
    OnDisk {
        stream: DiskStream,
        expected: &'a str,
        bytes: u64,
        /// The end was reached and checked.
        checked: bool,
        /// The release's flag, set when the check passes.
        confirmed: &'a std::sync::atomic::AtomicBool,
    },
    /// The file could not be opened again.
    Failed(String),
}

/// A file read from disk: its content, decompressed or as it is.
enum DiskStream {
    Gzip(Box<flate2::bufread::MultiGzDecoder<std::io::BufReader<FingerprintedFile>>>),
    Plain(std::io::BufReader<FingerprintedFile>),
}

impl DiskStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            DiskStream::Gzip(decoder) => decoder.read(buf),
            DiskStream::Plain(file) => file.read(buf),
        }
    }

    /// The file under the stream, read to its last byte (a gzip stream may end before
    /// its file does).
    fn read_to_end(&mut self) -> std::io::Result<&mut FingerprintedFile> {
        let reader = match self {
            DiskStream::Gzip(decoder) => decoder.get_mut(),
            DiskStream::Plain(file) => file,
        };
        std::io::copy(reader, &mut std::io::sink())?;
        Ok(reader.get_mut())
    }
}

/// A file whose bytes are hashed as they are read.
struct FingerprintedFile {
    file: std::fs::File,
    sha256: Sha256,
    bytes: u64,
}

impl Read for FingerprintedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.sha256.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl ContentStream<'_> {
    /// Reads the next bytes into `buf`; 0 at the end of the content.
    ///
    /// # Errors
    /// A damaged or truncated gzip stream, or content past the decompressed-size limit.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, IngestError> {
        let content = self.read;
        let corrupt = |e: std::io::Error, at: &Location| IngestError::Corrupt {
            at: at.clone(),
            format: "gzip stream",
            detail: gzip_failure(&e, content),
        };
        let n = match &mut self.source {
            Source::Plain(rest) => {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                *rest = &rest[n..];
                n
            }
            Source::Gzip(decoder) => loop {
                match decoder.read(buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(corrupt(e, &self.at)),
                }
            },
            Source::OnDisk {
                stream,
                expected,
                bytes,
                checked,
                confirmed,
            } => {
                let gzip = matches!(stream, DiskStream::Gzip(_));
                let failed = |e: std::io::Error, at: &Location| {
                    if gzip {
                        corrupt(e, at)
                    } else {
                        IngestError::Io {
                            at: at.clone(),
                            source: e,
                        }
                    }
                };
                let n = loop {
                    match stream.read(buf) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(failed(e, &self.at)),
                    }
                };
                if n == 0 && !*checked {
                    *checked = true;
                    // The end: every byte of the file, trailing ones too, must be the
                    // bytes fingerprinted before the ingest began.
                    let file = stream.read_to_end().map_err(|e| failed(e, &self.at))?;
                    let sha = hex(&std::mem::take(&mut file.sha256).finalize());
                    if sha != *expected || file.bytes != *bytes {
                        return Err(IngestError::Corrupt {
                            at: self.at.clone(),
                            format: "release file",
                            detail: format!(
                                "the file changed while it was being read: {} bytes with SHA-256 {sha}, where {bytes} bytes with SHA-256 {expected} were fingerprinted; ingest it again",
                                file.bytes
                            ),
                        });
                    }
                    confirmed.store(true, std::sync::atomic::Ordering::Release);
                }
                n
            }
            Source::Failed(e) => {
                return Err(IngestError::Corrupt {
                    at: self.at.clone(),
                    format: "release file",
                    detail: format!("cannot read it again: {e}"),
                });
            }
        };
        self.read += n as u64;
        if self.read > self.limit {
            return Err(IngestError::TooLarge {
                at: self.at.clone(),
                limit: self.limit,
            });
        }
        Ok(n)
    }
}

/// The first [`HEAD_BYTES`] of a gzip file's content (fewer when it is shorter).
/// Why a gzip stream failed after `content` bytes of content. A member that ends whole
/// followed by bytes that are no gzip header (zero padding from a download or tape tool,
/// or garbage) fails as "invalid gzip header"; gzip and Python skip zero padding, but
/// Tally ingests a release exactly as published or not at all, and says which it was.
fn gzip_failure(e: &std::io::Error, content: u64) -> String {
    if content > 0 && e.to_string().contains("invalid gzip header") {
        format!(
            "the gzip stream ends whole after {content} bytes of content but the file goes on with bytes that are not another gzip member (zero padding or garbage, which gzip and Python skip); Tally does not guess what they are: recompress the content (`gzip -dc FILE | gzip > FIXED.gz`) and ingest that"
        )
    } else {
        e.to_string()
    }
}

fn gunzip_head(raw: impl Read, at: &Location) -> Result<Vec<u8>, IngestError> {
    let mut head = Vec::new();
    flate2::read::MultiGzDecoder::new(raw)
        .take(HEAD_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| IngestError::Corrupt {
            at: at.clone(),
            format: "gzip stream",
            detail: e.to_string(),
        })?;
    Ok(head)
}

fn detect_format(
    file_name: &str,
    content: &[u8],
    at: &Location,
) -> Result<SourceFormat, IngestError> {
    let lower = file_name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    let says_workbook = [".xlsx", ".xlsm", ".xls"]
        .iter()
        .any(|e| lower.ends_with(e));
    if content.starts_with(ZIP_MAGIC) {
        return Ok(SourceFormat::Xlsx);
    }
    if content.starts_with(PARQUET_MAGIC) {
        return Ok(SourceFormat::Parquet);
    }
    if content.starts_with(PDF_MAGIC) {
        return Ok(SourceFormat::Pdf);
    }
    if is_stata(content) {
        return Ok(SourceFormat::Stata);
    }
    let head = || String::from_utf8_lossy(&content[..content.len().min(16)]).into_owned();
    if lower.ends_with(".pdf") {
        return Err(IngestError::Corrupt {
            at: at.clone(),
            format: "PDF",
            detail: format!(
                "the name ends in .pdf but the content starts with {:?}, not a PDF's %PDF",
                head()
            ),
        });
    }
    if lower.ends_with(".dta") {
        return Err(IngestError::Corrupt {
            at: at.clone(),
            format: "Stata dataset",
            detail: format!(
                "the name ends in .dta but the content starts with {:?}, not a Stata dataset's header",
                head()
            ),
        });
    }
    if content.starts_with(OLE_MAGIC) {
        if contains_utf16(content, "EncryptedPackage") {
            return Err(IngestError::Encrypted { at: at.clone() });
        }
        return Ok(SourceFormat::Xls);
    }
    if says_workbook {
        let detail = if content.is_empty() {
            "the file is empty".to_string()
        } else {
            format!(
                "the name ends in {} but the content starts with {:?}, not a workbook's zip or OLE signature",
                lower
                    .rsplit('.')
                    .next()
                    .map(|e| format!(".{e}"))
                    .unwrap_or_default(),
                String::from_utf8_lossy(&content[..content.len().min(16)])
            )
        };
        return Err(IngestError::NotASpreadsheet {
            at: at.clone(),
            detail,
        });
    }
    if content.iter().take(8192).any(|&b| b == 0) && !looks_utf16(content) {
        return Err(IngestError::NotASpreadsheet {
            at: at.clone(),
            detail: "binary content that is neither a workbook nor delimited text".into(),
        });
    }
    if lower.ends_with(".toml") {
        return Ok(SourceFormat::Toml);
    }
    Ok(SourceFormat::Delimited(crate::delimited::sniff_delimiter(
        content,
    )))
}

/// Refuses a workbook whose zip entries declare more than `limit` bytes uncompressed in
/// all (a zip bomb), before anything is decompressed.
///
/// # Errors
/// [`IngestError::TooLarge`], or [`IngestError::Corrupt`] when the zip directory is
/// unreadable (a truncated or damaged container).
pub fn check_zip_sizes(content: &[u8], at: &Location, limit: u64) -> Result<(), IngestError> {
    let corrupt = |e: zip::result::ZipError| IngestError::Corrupt {
        at: at.clone(),
        format: "xlsx workbook",
        detail: e.to_string(),
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(content)).map_err(corrupt)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(corrupt)?;
        total = total.saturating_add(entry.size());
        if total > limit {
            return Err(IngestError::TooLarge {
                at: at.clone(),
                limit,
            });
        }
    }
    Ok(())
}

/// True when `haystack` contains `needle` encoded as UTF-16LE (OLE directory names).
fn contains_utf16(haystack: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    haystack
        .windows(pattern.len())
        .any(|w| w == pattern.as_slice())
}

/// UTF-16 text starts with a byte-order mark.
pub(crate) fn looks_utf16(content: &[u8]) -> bool {
    content.starts_with(&[0xFF, 0xFE]) || content.starts_with(&[0xFE, 0xFF])
}

/// Lower-case hex SHA-256 of `bytes`: a release's identity in the store.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub use tally_catalog::hex;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A gzip file of `text` at `path`; returns its SHA-256.
    fn gzip(path: &Path, text: &[u8]) -> String {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        let bytes = e.finish().unwrap();
        std::fs::write(path, &bytes).unwrap();
        sha256_hex(&bytes)
    }

    /// Reads the whole content of `file` through its stream.
    fn drain(file: &ReleaseFile) -> Result<Vec<u8>, IngestError> {
        let mut stream = file.content_stream();
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            match stream.read(&mut buf)? {
                0 => return Ok(out),
                n => out.extend_from_slice(&buf[..n]),
            }
        }
    }

    #[test]
    fn a_streamed_gzip_release_is_checked_against_its_fingerprint_at_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("EROArrests_FY2019.csv.gz");
        let text = b"Area of Responsibility|Apprehension Date\nChicago|10/1/2018\n";
        let sha = gzip(&path, text);
        let options = IngestOptions::default();
        // Read as fingerprinted: the content, then the confirmation.
        let file = ReleaseFile::on_disk(&path, sha.clone(), &options)
            .unwrap()
            .expect("gzip");
        assert_eq!(file.format, SourceFormat::Delimited(b'|'));
        assert!(file.confirm_fingerprint().is_err(), "nothing read yet");
        assert_eq!(drain(&file).unwrap(), text);
        assert!(file.confirm_fingerprint().is_ok());
        // The file replaced after it was fingerprinted: the stream fails at its end,
        // naming both fingerprints, and the release is never confirmed.
        let file = ReleaseFile::on_disk(&path, sha.clone(), &options)
            .unwrap()
            .expect("gzip");
        let other = gzip(
            &path,
            b"Area of Responsibility|Apprehension Date\nBoston|10/1/2018\n",
        );
        let e = drain(&file).unwrap_err().to_string();
        assert!(
            e.contains("the file changed while it was being read")
                && e.contains(&other)
                && e.contains(&sha),
            "{e}"
        );
        assert!(file.confirm_fingerprint().is_err());
        // Bytes after the gzip stream count too.
        let mut bytes = std::fs::read(&path).unwrap();
        let sha_before = sha256_hex(&bytes);
        let file = ReleaseFile::on_disk(&path, sha_before, &options)
            .unwrap()
            .expect("gzip");
        bytes.extend_from_slice(b"trailing");
        std::fs::write(&path, &bytes).unwrap();
        assert!(drain(&file).is_err());
    }

    #[test]
    fn delimited_text_is_streamed_from_disk_and_anything_else_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let options = IngestOptions::default();
        let text = b"Area of Responsibility|Apprehension Date\nChicago|10/1/2018\n";
        let plain = dir.path().join("EROArrests_FY2019.csv");
        std::fs::write(&plain, text).unwrap();
        let file = ReleaseFile::on_disk(&plain, sha256_hex(text), &options)
            .unwrap()
            .expect("delimited text is streamed");
        assert_eq!(file.format, SourceFormat::Delimited(b'|'));
        assert!(!file.gzipped);
        assert!(file.plain_content().is_none(), "not held in memory");
        assert!(file.confirm_fingerprint().is_err(), "nothing read yet");
        assert_eq!(drain(&file).unwrap(), text);
        assert!(file.confirm_fingerprint().is_ok());
        // Changed after it was fingerprinted: the stream fails at its end.
        let file = ReleaseFile::on_disk(&plain, sha256_hex(text), &options)
            .unwrap()
            .unwrap();
        std::fs::write(
            &plain,
            b"Area of Responsibility|Apprehension Date\nBoston|10/1/2018\n",
        )
        .unwrap();
        let e = drain(&file).unwrap_err().to_string();
        assert!(
            e.contains("the file changed while it was being read"),
            "{e}"
        );
        assert!(file.confirm_fingerprint().is_err());
        // A workbook, an empty file, and text named .gz are read whole (where they are
        // told apart and refused with their own errors).
        for (name, bytes) in [
            ("book.xlsx", &b"PK\x03\x04rest of a zip"[..]),
            ("empty.csv", &b""[..]),
            ("named.csv.gz", &text[..]),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            assert!(
                ReleaseFile::on_disk(&path, sha256_hex(bytes), &options)
                    .unwrap()
                    .is_none(),
                "{name}"
            );
        }
    }
}
