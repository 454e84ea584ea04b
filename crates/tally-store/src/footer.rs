//! A Parquet file's footer, read and fingerprinted on its own.
//!
//! A stored page carries a CRC32 of its bytes (see `vendor/parquet-page-crc.patch`), but
//! the footer carries none, and it holds what decides how pages are read: column chunk
//! offsets, statistics (a column whose null count equals its row count is not read at
//! all) and the list of all-null columns under `tally.null_columns`. A byte changed there
//! can decode as another valid footer. Its SHA-256 is kept in the manifest
//! (`DataFile::footer_sha256`) and checked by every read, which costs one read of a few
//! kilobytes that the Parquet reader would make anyway.
//!
//! Layout (Parquet format spec, "File format"): `... FileMetaData (n bytes) | n as a
//! little-endian u32 | "PAR1"`.

use crate::StoreError;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Bytes after the footer's metadata: its length (u32, little-endian) and `PAR1`.
const TAIL: usize = 8;

/// The footer of the Parquet file `content` (its last `8 + n` bytes, see the module
/// docs), or `None` when the bytes do not end as a Parquet file does.
pub fn footer_of(content: &[u8]) -> Option<&[u8]> {
    let n = content.len();
    if n < TAIL || &content[n - 4..] != b"PAR1" {
        return None;
    }
    let len = u32::from_le_bytes(content[n - TAIL..n - 4].try_into().ok()?) as usize;
    let start = n.checked_sub(TAIL + len)?;
    Some(&content[start..])
}

/// Reads the footer (metadata, length and magic) of the `bytes`-byte Parquet file `file`
/// at `path`, with two positioned reads: the last 8 bytes, then the metadata they give
/// the length of.
///
/// # Errors
/// I/O errors; [`StoreError::Invalid`] when the file does not end as a Parquet file does
/// (its last bytes are not `PAR1`, or the length they give passes the file's start),
/// naming the file.
pub fn read_footer(path: &Path, file: &std::fs::File, bytes: u64) -> Result<Vec<u8>, StoreError> {
    use std::os::unix::fs::FileExt;
    let not_parquet = |what: &str| {
        StoreError::Invalid(format!(
            "{}: {what}: the file is damaged (run `tally verify`; re-ingest its release)",
            path.display()
        ))
    };
    if bytes < TAIL as u64 {
        return Err(not_parquet("too short for a Parquet footer"));
    }
    let mut tail = [0u8; TAIL];
    file.read_exact_at(&mut tail, bytes - TAIL as u64)
        .map_err(StoreError::io(path))?;
    if &tail[4..] != b"PAR1" {
        return Err(not_parquet("it does not end in PAR1"));
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if len + TAIL as u64 > bytes {
        return Err(not_parquet(&format!(
            "its footer's length ({len} bytes) passes the file's start"
        )));
    }
    let mut footer = vec![0u8; len as usize + TAIL];
    file.read_exact_at(&mut footer, bytes - len - TAIL as u64)
        .map_err(StoreError::io(path))?;
    Ok(footer)
}

/// Lowercase hex SHA-256 of a footer as [`footer_of`] or [`read_footer`] give it.
pub fn footer_sha256(footer: &[u8]) -> String {
    tally_catalog::hex(&Sha256::digest(footer))
}

/// The decoded metadata of `footer` (as [`read_footer`] gives it).
///
/// # Errors
/// The Parquet decoder's, as text.
pub fn decode(footer: &[u8]) -> Result<parquet::file::metadata::ParquetMetaData, String> {
    let metadata = &footer[..footer.len().saturating_sub(TAIL)];
    parquet::file::metadata::ParquetMetaDataReader::decode_metadata(metadata)
        .map_err(|e| e.to_string())
}
