//! Delimited text is read in chunks of decompressed bytes, carrying the record a chunk
//! ends in over to the next: any chunk size must give exactly the rows, batches and
//! report of reading the release whole, at every kind of boundary (inside a quoted field
//! with a line break or a doubled quote, between CR and LF, inside a multi-byte UTF-8
//! character, in a line of Latin-1 text).

use arrow_array::RecordBatch;
use std::io::Write;
use tally_ingest::{BatchSink, IngestOptions, ReleaseReport, ingest_file};
use tally_model::TableKind;

#[derive(Default)]
struct Collect(Vec<(TableKind, usize, Option<i32>, RecordBatch)>);

impl BatchSink for Collect {
    fn write_batch(
        &mut self,
        table: TableKind,
        sheet: usize,
        fy: Option<i32>,
        batch: RecordBatch,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.push((table, sheet, fy, batch));
        Ok(())
    }
}

/// A national-layout arrests file (banner, header, rows) with every awkward boundary.
fn release_text() -> Vec<u8> {
    let mut text = Vec::new();
    text.extend_from_slice(
        b"\"ERO-LESA Statistical Tracking Unit\"|||\r\n\"2019-ICFO-53623\"|||\r\n|||\r\n\"ERO Administrative Arrests\"|||\r\n",
    );
    text.extend_from_slice(
        b"\"Area of Responsibility\"|\"Apprehension Date\"|\"Apprehension Method\"|\"Citizenship\"|\"Apprehension Landmark\"\r\n",
    );
    let aors = ["Chicago", "Los Angeles", "New York City", "Seattle"];
    let countries = [
        "MEXICO",
        "M\u{c9}XICO",
        "C\u{d4}TE D'IVOIRE",
        "\u{65e5}\u{672c}",
    ];
    for i in 0..1500u32 {
        let aor = aors[i as usize % aors.len()];
        let day = 1 + i % 28;
        let country = countries[(i / 3) as usize % countries.len()];
        let landmark = match i % 7 {
            0 => "\"line\nbreak\"".to_string(),
            1 => "\"say \"\"hi\"\" there\"".to_string(),
            2 => "(b)(7)(E )".to_string(),
            3 => String::new(),
            _ => format!("\"OFFICE {}\"", i % 11),
        };
        let end = if i % 5 == 0 { "\n" } else { "\r\n" };
        text.extend_from_slice(
            format!(
                "\"{aor} Area of Responsibility\"|3/{day}/2019|\"Located\"|\"{country}\"|{landmark}{end}"
            )
            .as_bytes(),
        );
        if i % 97 == 0 {
            text.extend_from_slice(b"\r\n");
        }
        if i == 700 {
            // A Latin-1 line, as Windows exports have.
            text.extend_from_slice(
                b"\"Chicago Area of Responsibility\"|3/9/2019|\"Located\"|\"M\xc9XICO\"|\r\n",
            );
        }
    }
    text
}

fn ingest_in_chunks(path: &std::path::Path, chunk: usize) -> (Collect, ReleaseReport) {
    let options = IngestOptions {
        text_chunk_bytes: chunk,
        batch_rows: 400,
        ..IngestOptions::default()
    };
    let mut sink = Collect::default();
    let report = ingest_file(path, &options, &mut sink).expect("ingests");
    (sink, report)
}

#[test]
fn any_chunk_size_gives_the_rows_of_a_whole_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("EROArrests_FY2019.pipe.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&release_text()).expect("gzip");
    std::fs::write(&path, gz.finish().expect("gzip")).expect("write");

    let (whole, whole_report) = ingest_in_chunks(&path, 1 << 24);
    let sheet = &whole_report.sheets[0];
    assert_eq!(sheet.rows_kept, 1501, "{:?}", sheet.first_rejects);
    assert_eq!(sheet.rows_rejected, 0);
    assert_eq!(sheet.header_row, 5);
    assert_eq!(sheet.blank_rows, 0);
    for chunk in [1, 2, 3, 5, 7, 64, 1000] {
        let (chunked, report) = ingest_in_chunks(&path, chunk);
        assert_eq!(report.sheets, whole_report.sheets, "chunk {chunk}");
        assert_eq!(chunked.0.len(), whole.0.len(), "chunk {chunk}");
        for (a, b) in chunked.0.iter().zip(&whole.0) {
            assert_eq!(a, b, "chunk {chunk}");
        }
    }
}
