//! The note of two overlapping releases that disagree, where neither side's rows may be
//! shown beside the count.

mod common;
use common::arrests_count;
use tally_model::TableKind;
use tally_model::disclosure::Disclosure;
use tally_publish::publish_count;
use tally_query::count::{COUNT_MARK, OverlapUse};
use tally_query::precedence::Overlap;

#[test]
fn a_disagreement_whose_rows_are_not_shown_says_which_counted_and_where_the_rows_are() {
    // A key of a day and a nationality lists no small group and shows no sums: the
    // overlap's rows are not shown, and "not shown rows in the first (counted), not shown
    // in the second" told nothing.
    let mut result = arrests_count(
        &["date", "citizenship"],
        vec![
            (vec!["2019-02-14".into(), "MEXICO".into()], 40),
            (vec!["2019-02-14".into(), "GUATEMALA".into()], 3),
        ],
    );
    let day = chrono::NaiveDate::from_ymd_opt(2019, 2, 14).expect("date");
    result.overlaps = vec![OverlapUse {
        overlap: Overlap {
            table: TableKind::from_slug("arrests").expect("table"),
            part: None,
            aor: "SNA".into(),
            first: day,
            last: day,
            winner: "full.csv".into(),
            winner_id: "a".repeat(16),
            shadowed: "cut.csv".into(),
            shadowed_id: "b".repeat(16),
            reason: "coverage ends later".into(),
            like_for_like: true,
        },
        winner_rows: 43,
        shadowed_rows: 20,
    }];
    result.notes = vec![format!(
        "full.csv and cut.csv disagree on arrests SNA 2019-02-14..2019-02-14: {COUNT_MARK} rows in the first (counted), {COUNT_MARK} in the second (set aside by precedence: coverage ends later)"
    )];
    let published = publish_count(&result, Disclosure::new(10));
    assert_eq!(
        published.notes[0],
        "full.csv and cut.csv disagree on arrests SNA 2019-02-14..2019-02-14: the first counted, the second not (each side's rows are not shown beside this count; `tally status` gives them) (set aside by precedence: coverage ends later)"
    );
}
