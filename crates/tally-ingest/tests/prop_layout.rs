//! Property tests on layout detection and normalization: any delimited file built from a
//! banner, a header of known columns in any order and rows of arbitrary cells ingests
//! with every row accounted for (kept or rejected, each once, with its source line); never
//! a panic.

use arrow_array::RecordBatch;
use proptest::prelude::*;
use tally_ingest::{BatchSink, IngestOptions, ingest_file};
use tally_model::TableKind;

#[derive(Default)]
struct Collect {
    rows: usize,
    source_rows: Vec<i64>,
}

impl BatchSink for Collect {
    fn write_batch(
        &mut self,
        _: TableKind,
        _: usize,
        _: Option<i32>,
        batch: RecordBatch,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        use arrow_array::cast::AsArray;
        self.rows += batch.num_rows();
        let rows = batch
            .column(2)
            .as_primitive::<arrow_array::types::Int64Type>();
        self.source_rows.extend(rows.values().iter().copied());
        Ok(())
    }
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Chicago Area of Responsibility".to_string()),
        Just("(B)(6);(B)(7)(C) ".to_string()),
        Just("b(7)(e)".to_string()),
        Just("Located".to_string()),
        Just("1/2/2019".to_string()),
        Just("2019-13-40".to_string()),
        Just("43466".to_string()),
        Just("07/02/0999".to_string()),
        Just("\"quoted | pipe\"".to_string()),
        Just("\"line\nbreak\"".to_string()),
        "[a-zA-Z0-9 /()-]{0,12}",
    ]
}

const COLUMNS: [&str; 6] = [
    "Area of Responsibility",
    "Apprehension Date",
    "Apprehension Method",
    "Citizenship",
    "Gender",
    "Unknown Column",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_row_is_kept_or_rejected(
        banner_lines in 0usize..6,
        order in Just(COLUMNS.to_vec()).prop_shuffle(),
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..8), 0..40),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..banner_lines {
            text.push_str(&format!("\"ERO Administrative Arrests banner {i}\"|||\n"));
        }
        let header: Vec<String> = order.iter().map(|c| format!("\"{c}\"")).collect();
        text.push_str(&header.join("|"));
        text.push('\n');
        for r in &rows {
            text.push_str(&r.join("|"));
            text.push('\n');
        }
        let path = dir.path().join("EROArrests_prop.txt");
        std::fs::write(&path, &text).unwrap();
        let mut sink = Collect::default();
        match ingest_file(&path, &IngestOptions::default(), &mut sink) {
            Err(e) => prop_assert!(false, "valid layout refused: {e}"),
            Ok(report) => {
                prop_assert_eq!(report.sheets.len(), 1);
                let sheet = &report.sheets[0];
                prop_assert!(sheet.balances());
                prop_assert_eq!(sheet.rows_kept as usize, sink.rows);
                prop_assert_eq!(report.rejects.len() as u64, sheet.rows_rejected);
                let lines = text.lines().count() as i64;
                prop_assert!(sink.source_rows.iter().all(|r| *r > sheet.header_row as i64 && *r <= lines));
                let mut unique = sink.source_rows.clone();
                unique.sort_unstable();
                unique.dedup();
                prop_assert_eq!(unique.len(), sink.source_rows.len());
            }
        }
    }
}
