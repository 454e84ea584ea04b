//! `tally status`: what the store holds, where it came from, and where releases overlap.

use super::ReportFormat;
use crate::render::{clip, table, thousands};
use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::TableKind;
use tally_publish::{Disclosure, Figure};
use tally_query::{CountQuery, Overlap, count};
use tally_store::Store;

/// Show the releases in a store, their tables, coverage per AOR and overlaps.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally status --store ./store\n  tally status --store ./store --format json | jq '.overlaps'"
)]
pub struct Args {
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// The name the store is shown under instead of its path (`tally serve` shows its
    /// clients the store directory's name, not where it lies on the server).
    #[arg(long, hide = true, value_name = "NAME")]
    pub store_shown_as: Option<String>,
}

/// The precedence rule, as printed and documented (see `tally_query::precedence`).
pub const PRECEDENCE_RULE: &str = "where releases hold the same table, AOR and day: a choice made with `tally prefer` decides; \
else a release far thinner than the other for that AOR (under half its rows per day) never supersedes it; \
else the release whose coverage of that AOR ends later counts, and on equal ends the one ingested first. \
A release of one part of a table (expedited removals) never supersedes a whole-table release. \
A release giving no row's AOR is set aside where the releases giving AORs that count on those days hold together 0.9 of its rows or more, and else counts in their place. \
A release of one facility's records never counts over one of many places'. \
Cuts of the same raw ICE workbook (DDP extracts pointing to it) are counted once by source row instead. \
`tally count --release` chooses releases explicitly.";

#[derive(Serialize)]
struct TableRows {
    rows_read: u64,
    rows_kept: u64,
    rows_rejected: u64,
}

/// One value of a categorical field in a release, as `status --format json` publishes it.
#[derive(Serialize)]
struct PublishedValueSpan {
    value: String,
    /// First and last event date (`YYYY-MM-DD`), or month (`YYYY-MM`) for a fine field (a
    /// nationality, country or place finer than an AOR: its first day would be a day and
    /// a nationality, `tally_model::disclosure::is_fine_attribute`); `None` where the
    /// value's rows are suppressed.
    first: Option<String>,
    last: Option<String>,
    rows: serde_json::Value,
}

#[derive(Serialize)]
struct SummaryStatus {
    matched: usize,
    of: usize,
    lines: Vec<String>,
}

/// What a release holding one state's rows of `table` covers, where it does.
fn one_state_extract(report: &tally_catalog::ReleaseReport, table: TableKind) -> Option<String> {
    let (state, beyond) = report.extract_beyond(table)?;
    let def = table.def();
    let field = def.event_state.map_or("", |f| def.fields[f].name.as_str());
    if beyond.is_empty() {
        return None;
    }
    let beyond: Vec<String> = beyond
        .iter()
        .map(|(aor, states)| format!("{aor} ({states})"))
        .collect();
    Some(format!(
        "{table}: every row names {state} ({field}): its rows of {} are {state}'s part of those AORs, not their whole count (`count` says so beside them)",
        beyond.join(", ")
    ))
}

/// A release's Summary reconciliation, where some figure does not match.
fn summary_status(report: &tally_catalog::ReleaseReport) -> Option<SummaryStatus> {
    let (matched, of) = report.summary_reconciled()?;
    if matched == of {
        return None;
    }
    let mut lines: Vec<String> = report
        .unmatched_summary
        .iter()
        .map(|u| {
            format!(
                "column {:?} of {:?} ({} FY totals, {} rows): {}",
                u.column,
                u.block_title,
                u.figures,
                thousands(u.rows.max(0) as u64),
                u.reason
            )
        })
        .collect();
    lines.extend(
        report
            .summary_checks
            .iter()
            .filter(|c| !c.matches())
            .map(|c| {
                format!(
                    "{} {}: the Summary says {}, {} rows were ingested (sheets {})",
                    c.fy_label,
                    c.column,
                    thousands(c.summary_total.max(0) as u64),
                    Disclosure::default().cell(c.ingested.max(0) as u64).text(),
                    c.sheets.join(" + ")
                )
            }),
    );
    Some(SummaryStatus { matched, of, lines })
}

#[derive(Serialize)]
struct ReleaseStatus {
    id: String,
    sequence: u64,
    file_name: String,
    sha256: String,
    foia_number: Option<String>,
    stated_coverage: Option<(NaiveDate, NaiveDate)>,
    ingested_at: String,
    tables: BTreeMap<String, TableRows>,
    notes: Vec<String>,
    /// Days at the end of a table that look cut short (see `tally_catalog::partial`).
    partial_days: Vec<PartialDayStatus>,
    /// Tables whose rows stop far short of the period the banner states (see
    /// `tally_catalog::short`): taken to cover only the days the rows reach.
    cut_short: Vec<tally_store::ShortOfStated>,
    /// Long stretches with no rows inside what the release would cover: not covered.
    holes: Vec<tally_store::Hole>,
    /// Where a workbook's Summary does not reconcile with the rows ingested: the figures
    /// that match, of all, and a line for each figure that does not.
    summary_not_reconciled: Option<SummaryStatus>,
    /// Tables of which the release holds one state's rows (`ReleaseReport::extract_state`),
    /// each said with the AORs reaching beyond that state, of which it holds a part.
    extract_of_one_state: Vec<String>,
    /// Per table and categorical field, each value's first and last event date and rows,
    /// as published: a value held by few rows prints its rows suppressed and no dates
    /// (one arrest's date is not an aggregate).
    vocabulary: BTreeMap<String, BTreeMap<String, Vec<PublishedValueSpan>>>,
    /// Values that start well after the release's first day or stop well before its last.
    #[serde(skip)]
    vocabulary_changes: Vec<String>,
}

/// A day a value of `field` is first or last used, as published: the month for a fine
/// field (a nationality's first day in a file is one arrest's day and nationality).
fn span_day(field: &str, day: NaiveDate) -> String {
    if tally_model::disclosure::is_fine_attribute(field) {
        day.format("%Y-%m").to_string()
    } else {
        day.to_string()
    }
}

/// The values of `spans` (one field of a sheet spanning `first..=last`) that start or stop
/// inside it, as text (the rule: `tally_catalog::vocabulary`).
fn changes_in(
    field: &str,
    spans: &[tally_catalog::ValueSpan],
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<String> {
    tally_catalog::vocabulary::changes(spans, first, last)
        .into_iter()
        .map(|c| {
            let what = match (c.starts, c.stops) {
                (true, true) => "starts and stops",
                (true, false) => "starts",
                _ => "stops",
            };
            format!(
                "{field} {:?} {what}: in use {}..{}",
                c.value,
                span_day(field, c.first),
                span_day(field, c.last)
            )
        })
        .collect()
}

#[derive(Serialize)]
struct PartialDayStatus {
    table: TableKind,
    part: Option<String>,
    date: NaiveDate,
    rows: serde_json::Value,
    usual: u64,
    #[serde(skip)]
    text: String,
}

#[derive(Serialize)]
struct Coverage {
    table: TableKind,
    aor: String,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    /// Spans inside first..last that no release of the table covers (`(first, last)`).
    gaps: Vec<(NaiveDate, NaiveDate)>,
    /// Rows in all releases together; overlapping releases are counted once each here,
    /// while `count` applies precedence. Published: a sum holding a release's small count
    /// prints as the range it could take.
    #[serde(skip)]
    rows_in_releases: u64,
    /// The small (suppressed) per-release counts inside `rows_in_releases`.
    #[serde(skip)]
    small_parts: Vec<u64>,
    /// `rows_in_releases` as published.
    rows: serde_json::Value,
    #[serde(skip)]
    rows_text: String,
    releases: Vec<String>,
    #[serde(skip)]
    spans: Vec<(NaiveDate, NaiveDate)>,
}

#[derive(Serialize)]
struct Status {
    store: String,
    generation: u64,
    /// Files changed after their commit, as every read would find them (size, footer):
    /// any makes `status` exit non-zero, as counts over them are refused.
    damaged_files: Vec<tally_store::verify::Problem>,
    precedence_rule: &'static str,
    releases: Vec<ReleaseStatus>,
    coverage: Vec<Coverage>,
    overlaps: Vec<OverlapStatus>,
    preferences: Vec<tally_store::Preference>,
    /// Rows per method outside the scheme, published (a value of few rows prints `<10`,
    /// as the ingest report and `count` print it).
    unknown_methods: BTreeMap<String, serde_json::Value>,
    #[serde(skip)]
    unknown_methods_text: Vec<(String, String)>,
    /// Rows per AOR value with no code, published alike.
    unmapped_aors: BTreeMap<String, serde_json::Value>,
    #[serde(skip)]
    unmapped_aors_text: Vec<(String, String)>,
    /// Per release and sheet: warnings of its ingest (a missing AOR, event-date or method
    /// column) and headers mapped only after normalizing.
    sheet_notes: Vec<SheetNotes>,
    /// Facility codes: the lists that place them, and the codes of headcounts and stints
    /// no list knows (`None` when the store holds neither lists nor facility codes).
    facilities: Option<FacilityStatus>,
}

/// Facility lists and the codes they do not place.
#[derive(Serialize)]
struct FacilityStatus {
    /// File names of the `detention-facilities` releases, in ingest order.
    lists: Vec<String>,
    /// Codes the lists know.
    codes_known: usize,
    /// Per table, the codes no list knows, with the table's rows holding each (a
    /// headcount's facility-days, a stint table's stints): counted as
    /// "(unmatched facility)" by `tally population`, never dropped.
    unmatched: BTreeMap<String, Vec<(String, serde_json::Value)>>,
    #[serde(skip)]
    unmatched_text: BTreeMap<String, Vec<String>>,
    /// Codes whose lists give different AORs: (code, what each list says).
    aor_disagreements: Vec<(String, String)>,
    /// Codes of the store's tables that lists know but give no AOR for: counted as
    /// "(facility AOR not listed)".
    without_aor: Vec<String>,
    /// List rows whose code is withheld (`REDACTED`).
    redacted_rows: u64,
}

/// An overlap with both releases' rows in it (published: small counts suppressed).
#[derive(Serialize)]
struct OverlapStatus {
    #[serde(flatten)]
    overlap: Overlap,
    winner_rows: serde_json::Value,
    shadowed_rows: serde_json::Value,
    disagree: bool,
    #[serde(skip)]
    text: String,
}

#[derive(Serialize)]
struct SheetNotes {
    release: String,
    file_name: String,
    sheet: String,
    table: TableKind,
    warnings: Vec<String>,
    header_notes: Vec<tally_catalog::HeaderNote>,
}

fn gather(store: &Store) -> Result<Status> {
    let manifest = store.manifest();
    let mut releases = Vec::new();
    let mut coverage: BTreeMap<(TableKind, String), Coverage> = BTreeMap::new();
    let mut unknown_methods = BTreeMap::new();
    let mut unmapped_aors = BTreeMap::new();
    let mut sheet_notes: Vec<SheetNotes> = Vec::new();
    // Warnings that name an AOR's rows, written once the coverage table's figures are
    // known: (note, warning, table, AOR, rows, first and last day).
    let mut incidental: Vec<(usize, usize, TableKind, String, u64, String)> = Vec::new();
    for r in &manifest.releases {
        let mut tables: BTreeMap<String, TableRows> = BTreeMap::new();
        for s in &r.report.sheets {
            let t = tables.entry(s.table.to_string()).or_insert(TableRows {
                rows_read: 0,
                rows_kept: 0,
                rows_rejected: 0,
            });
            t.rows_read += s.rows_read;
            t.rows_kept += s.rows_kept;
            t.rows_rejected += s.rows_rejected;
            // A reference table (a facility list) covers no days.
            for (aor, span) in s.aors.iter().filter(|_| !s.table.def().reference) {
                let c = coverage.entry((s.table, aor.clone())).or_insert(Coverage {
                    table: s.table,
                    aor: aor.clone(),
                    first: None,
                    last: None,
                    gaps: Vec::new(),
                    rows_in_releases: 0,
                    small_parts: Vec::new(),
                    rows: serde_json::Value::Null,
                    rows_text: String::new(),
                    releases: Vec::new(),
                    spans: Vec::new(),
                });
                c.rows_in_releases += span.rows;
                if Disclosure::default().small(span.rows) {
                    c.small_parts.push(span.rows);
                }
                // One definition of coverage (ReleaseEntry::coverage): an AOR with no
                // events on some days inside a release's span is not a coverage gap.
                if let Some(span) = r.coverage(s.table).get(&(s.part.clone(), aor.clone())) {
                    let holes = tally_store::holes(&r.report, s.table);
                    c.spans
                        .extend(tally_store::without_holes(*span, &holes, &s.part));
                }
                c.first = match (c.first, span.first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                c.last = match (c.last, span.last) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                if !c.releases.contains(&r.id) {
                    c.releases.push(r.id.clone());
                }
            }
            for (m, n) in &s.unknown_methods {
                *unknown_methods.entry(m.clone()).or_default() += n;
            }
            for (a, n) in &s.unmapped_aors {
                *unmapped_aors.entry(a.clone()).or_default() += n;
            }
            let mut warnings = s.warnings.clone();
            if let Some((field, value)) = s.one_place() {
                warnings.push(format!(
                    "every row names one {field}, {value:?}: an extract of one place's records, not taken to cover any AOR (its rows count; its days print \"not covered\")"
                ));
            }
            // A reference list covers no days: its few rows of an AOR are no thin coverage.
            if s.banner.coverage.is_none() && !s.table.def().reference {
                for (aor, span) in s
                    .aors
                    .iter()
                    .filter(|(_, span)| tally_store::is_incidental(span, s.rows_kept))
                    // Rows without an AOR belong to their release as a whole, are not
                    // judged as an AOR it covers, and a count prints them so.
                    .filter(|(aor, _)| !tally_query::coverage::is_no_aor(aor))
                {
                    incidental.push((
                        sheet_notes.len(),
                        warnings.len(),
                        s.table,
                        aor.clone(),
                        span.rows,
                        format!(
                            "{}..{}",
                            span.first.map(|d| d.to_string()).unwrap_or_default(),
                            span.last.map(|d| d.to_string()).unwrap_or_default()
                        ),
                    ));
                    warnings.push(String::new());
                }
            }
            if !warnings.is_empty() || !s.header_notes.is_empty() {
                sheet_notes.push(SheetNotes {
                    release: r.id.clone(),
                    file_name: r.report.file_name.clone(),
                    sheet: s.sheet.clone(),
                    table: s.table,
                    warnings,
                    header_notes: s.header_notes.clone(),
                });
            }
        }
        let mut vocabulary: BTreeMap<String, BTreeMap<String, Vec<tally_catalog::ValueSpan>>> =
            BTreeMap::new();
        let mut vocabulary_changes = Vec::new();
        for s in &r.report.sheets {
            for (field, spans) in &s.value_spans {
                let all = vocabulary
                    .entry(s.table.to_string())
                    .or_default()
                    .entry(field.clone())
                    .or_default();
                for v in spans {
                    match all.iter_mut().find(|x| x.value == v.value) {
                        Some(x) => {
                            x.first = x.first.min(v.first);
                            x.last = x.last.max(v.last);
                            x.rows += v.rows;
                        }
                        None => all.push(v.clone()),
                    }
                }
            }
        }
        for (table, fields) in &vocabulary {
            let sheets = r
                .report
                .sheets
                .iter()
                .filter(|s| s.table.to_string() == *table);
            let first = sheets.clone().filter_map(|s| s.first_date).min();
            let last = sheets.filter_map(|s| s.last_date).max();
            if let (Some(first), Some(last)) = (first, last) {
                for (field, spans) in fields {
                    for change in changes_in(field, spans, first, last) {
                        vocabulary_changes.push(format!("{table} {change}"));
                    }
                }
            }
        }
        let rule = Disclosure::default();
        let vocabulary = vocabulary
            .into_iter()
            .map(|(table, fields)| {
                let fields = fields
                    .into_iter()
                    .map(|(field, spans)| {
                        // The release's rows are published exactly, and its values add up
                        // to them (with the blanks): where a value is suppressed, the others'
                        // rows are not shown either, so no subtraction gives it back
                        // (`tally count --by FIELD` publishes them with the totals rounded).
                        let any_hidden = spans.iter().any(|v| rule.small(v.rows));
                        let spans = spans
                            .iter()
                            .map(|v| {
                                let small = rule.small(v.rows);
                                let rows = if any_hidden && !small {
                                    Figure::NotShown
                                } else {
                                    rule.cell(v.rows)
                                };
                                PublishedValueSpan {
                                    value: v.value.clone(),
                                    first: (!small).then(|| span_day(&field, v.first)),
                                    last: (!small).then(|| span_day(&field, v.last)),
                                    rows: rows.json(),
                                }
                            })
                            .collect();
                        (field, spans)
                    })
                    .collect();
                (table, fields)
            })
            .collect();
        releases.push(ReleaseStatus {
            vocabulary,
            vocabulary_changes,
            id: r.id.clone(),
            sequence: r.sequence,
            file_name: r.report.file_name.clone(),
            sha256: r.report.sha256.clone(),
            foia_number: r.report.foia_number.clone(),
            stated_coverage: r.report.stated_coverage,
            ingested_at: r.ingested_at.clone(),
            tables,
            notes: r.report.notes.clone(),
            cut_short: r
                .tables()
                .into_iter()
                .flat_map(|t| tally_store::short_of_stated(&r.report, t))
                .collect(),
            holes: r
                .tables()
                .into_iter()
                .flat_map(|t| tally_store::holes(&r.report, t))
                .collect(),
            summary_not_reconciled: summary_status(&r.report),
            extract_of_one_state: r
                .tables()
                .into_iter()
                .filter_map(|t| one_state_extract(&r.report, t))
                .collect(),
            partial_days: r
                .tables()
                .into_iter()
                .flat_map(|t| {
                    r.partial_days(t).into_iter().map(move |(part, d)| {
                        let rows = Disclosure::default().cell(d.rows);
                        PartialDayStatus {
                            table: t,
                            text: format!(
                                "{t}{} {} ({}): {} rows where that weekday usually has {}",
                                part.as_ref().map(|p| format!(" ({p})")).unwrap_or_default(),
                                d.date,
                                d.date.format("%A"),
                                rows.text(),
                                thousands(d.usual)
                            ),
                            part,
                            date: d.date,
                            rows: rows.json(),
                            usual: d.usual,
                        }
                    })
                })
                .collect(),
        });
    }
    for c in coverage.values_mut() {
        // First and last covered days (ReleaseEntry::coverage, as count and precedence
        // use): stragglers dated after a stated period are rows, not coverage.
        if let (Some(f), Some(l)) = (
            c.spans.iter().map(|s| s.0).min(),
            c.spans.iter().map(|s| s.1).max(),
        ) {
            c.first = Some(f);
            c.last = Some(l);
        } else if Disclosure::default().small(c.rows_in_releases) {
            // Covered by no release, its first and last days are those of a few records.
            c.first = None;
            c.last = None;
        }
        c.gaps = gaps(&mut c.spans);
        let figure = Disclosure::default().sum_hiding_parts(c.rows_in_releases, &c.small_parts);
        c.rows = figure.json();
        c.rows_text = figure.text();
    }
    // Where one AOR's rows of a table are not published exactly, the exact rows of its
    // other AORs, subtracted from a release's exact row count, would give them back: every
    // exact figure of that table is then rounded too, at a base chosen from what a reader
    // knows anyway (the sum of the exact figures and how many are hidden).
    for table in TableKind::all() {
        let cells: Vec<&Coverage> = coverage
            .iter()
            .filter(|((t, _), _)| *t == table)
            .map(|(_, c)| c)
            .collect();
        let hidden = cells
            .iter()
            .filter(|c| {
                !c.small_parts.is_empty() || Disclosure::default().small(c.rows_in_releases)
            })
            .count() as u64;
        if hidden == 0 {
            continue;
        }
        let exact: u64 = cells
            .iter()
            .filter(|c| {
                c.small_parts.is_empty() && !Disclosure::default().small(c.rows_in_releases)
            })
            .map(|c| c.rows_in_releases)
            .sum();
        let base = Disclosure::default().base_for(exact, hidden).max(100);
        for ((t, _), c) in coverage.iter_mut() {
            if *t == table
                && c.small_parts.is_empty()
                && !Disclosure::default().small(c.rows_in_releases)
            {
                let figure = Disclosure::default().sum_at(c.rows_in_releases, base);
                c.rows = figure.json();
                c.rows_text = figure.text();
            }
        }
    }
    // An AOR's rows in one release are printed as the coverage table prints them where
    // they are all its rows there: "42 rows" beside a table rounding them to "<50" gave
    // back what the rounding hides.
    for (note, at, table, aor, rows, days) in incidental {
        let figure = match coverage.get(&(table, aor.clone())) {
            Some(c) if c.rows_in_releases == rows => c.rows_text.clone(),
            _ => Disclosure::default().cell(rows).text(),
        };
        // The days of a few rows are not given, as the vocabulary's are not: a span of
        // one row is that record's date.
        let over = if Disclosure::default().small(rows) {
            String::new()
        } else {
            format!(" over {days}")
        };
        sheet_notes[note].warnings[at] = format!(
            "{aor}: {figure} rows{over} (fewer than one a week, or than one in a thousand of the sheet's): counted, but this release is not taken to cover {aor}"
        );
    }
    // Each table's overlaps with both sides' rows: a count with no dimensions tallies them.
    let rule = Disclosure::default();
    let mut overlaps = Vec::new();
    for t in TableKind::all() {
        if !manifest.releases.iter().any(|r| r.tables().contains(&t)) {
            continue;
        }
        let result = count(store, &CountQuery::every_row(t))?;
        for o in result.overlaps {
            let (w, l) = (rule.cell(o.winner_rows), rule.cell(o.shadowed_rows));
            let text = format!("{} rows against {}", fig(&w), fig(&l));
            overlaps.push(OverlapStatus {
                disagree: o.disagrees(),
                overlap: o.overlap,
                winner_rows: w.json(),
                shadowed_rows: l.json(),
                text,
            });
        }
    }
    let facilities = facility_status(store)?;
    Ok(Status {
        store: store.root().display().to_string(),
        generation: manifest.generation,
        damaged_files: tally_store::verify::quick_check(store),
        precedence_rule: PRECEDENCE_RULE,
        releases,
        coverage: coverage.into_values().collect(),
        overlaps,
        preferences: manifest.preferences.clone(),
        unknown_methods: published_rows(&unknown_methods).0,
        unknown_methods_text: published_rows(&unknown_methods).1,
        unmapped_aors: published_rows(&unmapped_aors).0,
        unmapped_aors_text: published_rows(&unmapped_aors).1,
        sheet_notes,
        facilities,
    })
}

/// Rows per value under the small-cell rule, as JSON figures and as text.
type PublishedRows = (BTreeMap<String, serde_json::Value>, Vec<(String, String)>);

/// `rows` (value -> rows) published: each count through the small-cell rule.
fn published_rows(rows: &BTreeMap<String, u64>) -> PublishedRows {
    let rule = Disclosure::default();
    let json = rows
        .iter()
        .map(|(v, n)| (v.clone(), rule.cell(*n).json()))
        .collect();
    let text = rows
        .iter()
        .map(|(v, n)| (v.clone(), rule.cell(*n).text()))
        .collect();
    (json, text)
}

fn facility_status(store: &Store) -> Result<Option<FacilityStatus>> {
    let directory = tally_query::FacilityDirectory::read(store)?;
    let mut unmatched = BTreeMap::new();
    let mut unmatched_text = BTreeMap::new();
    let rule = tally_model::Disclosure::default();
    let mut any_codes = false;
    let mut without_aor = std::collections::BTreeSet::new();
    for table in TableKind::all().into_iter().filter(|t| !t.def().reference) {
        let codes = tally_query::facility::codes_in(store, table)?;
        any_codes |= !codes.is_empty();
        without_aor.extend(
            codes
                .keys()
                .filter(|c| directory.place(c).is_some_and(|p| p.aor.is_none()))
                .cloned(),
        );
        let missing: Vec<(String, u64)> = codes
            .into_iter()
            .filter(|(c, _)| directory.place(c).is_none())
            .collect();
        if !missing.is_empty() {
            // Rows of a stint table are people's placements: small ones are suppressed.
            unmatched_text.insert(
                table.slug().to_string(),
                missing
                    .iter()
                    .map(|(c, n)| format!("{c} ({})", rule.cell(*n).text()))
                    .collect(),
            );
            unmatched.insert(
                table.slug().to_string(),
                missing
                    .into_iter()
                    .map(|(c, n)| (c, rule.cell(n).json()))
                    .collect(),
            );
        }
    }
    if directory.is_empty() && !any_codes {
        return Ok(None);
    }
    let aor_disagreements = directory
        .disagreements()
        .map(|(code, p)| {
            let said: Vec<String> = p
                .aor_disagreement
                .iter()
                .map(|(aor, files)| format!("{aor} in {}", files.join(", ")))
                .collect();
            (
                code.clone(),
                format!(
                    "{}; counted in {}",
                    said.join("; "),
                    p.aor.as_deref().unwrap_or("")
                ),
            )
        })
        .collect();
    Ok(Some(FacilityStatus {
        lists: directory.lists.clone(),
        codes_known: directory.len(),
        unmatched,
        unmatched_text,
        aor_disagreements,
        without_aor: without_aor.into_iter().collect(),
        redacted_rows: directory.redacted_rows,
    }))
}

fn fig(f: &Figure) -> String {
    f.text()
}

/// The days between spans that no span covers, as `(first, last)` ranges.
fn gaps(spans: &mut [(NaiveDate, NaiveDate)]) -> Vec<(NaiveDate, NaiveDate)> {
    spans.sort();
    let mut out = Vec::new();
    let mut covered_to: Option<NaiveDate> = None;
    for (f, l) in spans.iter() {
        if let Some(to) = covered_to
            && let Some(next) = to.succ_opt()
            && *f > next
        {
            out.push((next, f.pred_opt().unwrap_or(*f)));
        }
        covered_to = Some(covered_to.map_or(*l, |to| to.max(*l)));
    }
    out
}

/// Prints the store's status.
///
/// # Errors
/// A missing or unreadable store.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let store = Store::open(&args.store)?;
    let mut status = gather(&store)?;
    if let Some(name) = &args.store_shown_as {
        status.store = name.clone();
    }
    let exit = if status.damaged_files.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if args.format == ReportFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &status)?;
        writeln!(out)?;
        return Ok(exit);
    }
    writeln!(
        out,
        "Store {} (generation {}, {} releases)\n",
        status.store,
        status.generation,
        status.releases.len()
    )?;
    if !status.damaged_files.is_empty() {
        writeln!(
            out,
            "DAMAGED: {} file(s) changed after their commit; counts reading them are refused (run `tally verify --store {}`; re-ingest their releases):",
            status.damaged_files.len(),
            status.store
        )?;
        for p in &status.damaged_files {
            writeln!(
                out,
                "  {}: {}",
                p.path.as_deref().unwrap_or_default(),
                p.detail
            )?;
        }
        writeln!(out)?;
    }
    let header: Vec<String> = [
        "#",
        "release",
        "file",
        "FOIA",
        "stated coverage",
        "tables: kept (rejected)",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = status
        .releases
        .iter()
        .map(|r| {
            let tables: Vec<String> = r
                .tables
                .iter()
                .map(|(t, n)| {
                    format!(
                        "{t} {} ({})",
                        thousands(n.rows_kept),
                        thousands(n.rows_rejected)
                    )
                })
                .collect();
            vec![
                r.sequence.to_string(),
                r.id.clone(),
                r.file_name.clone(),
                r.foia_number.clone().unwrap_or_default(),
                r.stated_coverage
                    .map(|(a, b)| format!("{a} .. {b}"))
                    .unwrap_or_default(),
                tables.join(", "),
            ]
        })
        .collect();
    writeln!(out, "Releases (full SHA-256 in --format json)")?;
    write!(out, "{}", table(&header, &rows, &[0]))?;
    // A release by its file name, and its id where another release has the same name (a
    // revision published under its first version's name).
    let named = |r: &ReleaseStatus| {
        let shared = status
            .releases
            .iter()
            .any(|o| o.id != r.id && o.file_name == r.file_name);
        tally_catalog::release_label(&r.file_name, &r.id, shared)
    };
    if status
        .releases
        .iter()
        .any(|r| !r.vocabulary_changes.is_empty())
    {
        writeln!(
            out,
            "\nVocabulary changes (values of {}+ rows absent from a release's first or last {}+ days, where their own rate would have put {}+ rows; every value's dates in --format json)",
            tally_catalog::vocabulary::CHANGE_MIN_ROWS,
            tally_catalog::vocabulary::CHANGE_MARGIN_DAYS,
            tally_catalog::vocabulary::CHANGE_MIN_EXPECTED_ROWS
        )?;
        for r in &status.releases {
            for c in &r.vocabulary_changes {
                writeln!(out, "  {}: {c}", named(r))?;
            }
        }
    }
    if status.releases.iter().any(|r| !r.cut_short.is_empty()) {
        writeln!(
            out,
            "\nReleases cut short (rows stop far short of the period their banner states)"
        )?;
        for r in &status.releases {
            for c in &r.cut_short {
                writeln!(out, "  {}: {}", named(r), c.describe())?;
            }
        }
    }
    if status.releases.iter().any(|r| !r.holes.is_empty()) {
        writeln!(
            out,
            "\nReleases with long stretches of no rows (those days are not covered)"
        )?;
        for r in &status.releases {
            for h in &r.holes {
                writeln!(out, "  {}: {}", named(r), h.describe())?;
            }
        }
    }
    if status
        .releases
        .iter()
        .any(|r| r.summary_not_reconciled.is_some())
    {
        writeln!(
            out,
            "\nWorkbook Summaries that do not reconcile with the rows ingested"
        )?;
        for r in &status.releases {
            if let Some(s) = &r.summary_not_reconciled {
                writeln!(
                    out,
                    "  {}: {} of {} FY totals match",
                    named(r),
                    s.matched,
                    s.of
                )?;
                for line in &s.lines {
                    writeln!(out, "    {line}")?;
                }
            }
        }
    }
    if status
        .releases
        .iter()
        .any(|r| !r.extract_of_one_state.is_empty())
    {
        writeln!(
            out,
            "\nExtracts of one state (they hold all of an AOR's rows only where it lies wholly within that state)"
        )?;
        for r in &status.releases {
            for line in &r.extract_of_one_state {
                writeln!(out, "  {}: {line}", named(r))?;
            }
        }
    }
    if status.releases.iter().any(|r| !r.partial_days.is_empty()) {
        writeln!(
            out,
            "\nPartial last days (far fewer rows than the same weekday over the weeks before: the extract was likely cut while ICE was still entering them; operations leave them out)"
        )?;
        for r in &status.releases {
            for d in &r.partial_days {
                writeln!(out, "  {}: {}", named(r), d.text)?;
            }
        }
    }

    writeln!(out, "\nCoverage by table and AOR (event dates)")?;
    let header: Vec<String> = [
        "table",
        "aor",
        "first",
        "last",
        "days not covered",
        "rows in releases",
        "releases",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = status
        .coverage
        .iter()
        .map(|c| {
            vec![
                c.table.to_string(),
                c.aor.clone(),
                c.first.map(|d| d.to_string()).unwrap_or_default(),
                c.last.map(|d| d.to_string()).unwrap_or_default(),
                c.gaps
                    .iter()
                    .map(|(f, l)| format!("{f}..{l}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                c.rows_text.clone(),
                c.releases.len().to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        writeln!(
            out,
            "  no table of events: the store's releases are lists (reference tables), which cover no days"
        )?;
    } else {
        write!(out, "{}", table(&header, &rows, &[5, 6]))?;
        writeln!(
            out,
            "(rows in releases adds up overlapping releases; `tally count` counts each day once, by precedence)"
        )?;
    }

    if let Some(f) = &status.facilities {
        writeln!(
            out,
            "\nFacility codes ({} known to {} facility lists: {})",
            thousands(f.codes_known as u64),
            f.lists.len(),
            if f.lists.is_empty() {
                "none; ingest the lists in ../shared/data/detention".to_string()
            } else {
                f.lists.join(", ")
            }
        )?;
        if f.unmatched.is_empty() {
            writeln!(
                out,
                "  every facility code of the store's tables is on some list"
            )?;
        }
        for (table, shown) in &f.unmatched_text {
            let codes = shown;
            writeln!(
                out,
                "  UNMATCHED FACILITY in {table}: {} codes no list knows, counted as \"(unmatched facility)\" (rows): {}",
                codes.len(),
                shown.join(", ")
            )?;
        }
        for (code, said) in &f.aor_disagreements {
            writeln!(out, "  lists disagree on {code}'s AOR: {said}")?;
        }
        if f.redacted_rows > 0 {
            writeln!(
                out,
                "  {} list rows give their code as REDACTED (withheld): they place no facility",
                thousands(f.redacted_rows)
            )?;
        }
        if !f.without_aor.is_empty() {
            writeln!(
                out,
                "  {} codes are on lists that give no AOR for them, counted as \"(facility AOR not listed)\": {}",
                f.without_aor.len(),
                f.without_aor.join(", ")
            )?;
        }
    }

    writeln!(out, "\nOverlaps between releases")?;
    writeln!(out, "  precedence rule: {PRECEDENCE_RULE}")?;
    if status.overlaps.is_empty() {
        writeln!(out, "  none")?;
    }
    for s in &status.overlaps {
        let o = &s.overlap;
        writeln!(
            out,
            "  {}{} {} {} .. {}: {} counts, {} does not ({}; {}{})",
            o.table,
            o.part
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default(),
            o.aor,
            o.first,
            o.last,
            o.winner,
            o.shadowed,
            o.reason,
            s.text,
            if s.disagree {
                "; they DISAGREE by more than 1%"
            } else {
                ""
            }
        )?;
    }
    if !status.preferences.is_empty() {
        writeln!(
            out,
            "\nChoices made with `tally prefer` (latest first in force)"
        )?;
        for p in status.preferences.iter().rev() {
            writeln!(
                out,
                "  {} for {}{}{}{} (set {})",
                p.release,
                p.table,
                p.aor
                    .as_deref()
                    .map(|a| format!(" {a}"))
                    .unwrap_or_default(),
                p.from.map(|d| format!(" from {d}")).unwrap_or_default(),
                p.to.map(|d| format!(" to {d}")).unwrap_or_default(),
                p.set_at
            )?;
        }
    }
    if !status.unknown_methods.is_empty() {
        writeln!(
            out,
            "\nApprehension methods outside the method-group scheme (counted as other; rows in releases)"
        )?;
        for (m, n) in &status.unknown_methods_text {
            writeln!(out, "  {}: {n}", clip(m))?;
        }
    }
    if !status.unmapped_aors.is_empty() {
        writeln!(
            out,
            "\nAOR values with no code (rows kept, aor null; rows in releases)"
        )?;
        for (a, n) in &status.unmapped_aors_text {
            writeln!(out, "  {:?}: {n}", clip(a))?;
        }
    }
    if !status.sheet_notes.is_empty() {
        writeln!(out, "\nWarnings and header mappings from ingest")?;
        for n in &status.sheet_notes {
            writeln!(
                out,
                "  {} ({}), sheet {:?}, {}:",
                n.file_name, n.release, n.sheet, n.table
            )?;
            for w in &n.warnings {
                writeln!(out, "    WARNING: {w}")?;
            }
            for h in &n.header_notes {
                writeln!(
                    out,
                    "    header {:?} read as {} (matched {:?})",
                    h.header, h.field, h.known
                )?;
            }
        }
    }
    Ok(exit)
}
