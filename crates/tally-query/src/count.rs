//! The group-by kernel: counts rows of one table by dimensions, with filters, a date
//! range and release precedence, over Arrow columns read from the store.

use crate::QueryError;
use crate::coverage::CoverageMap;
use crate::dedup::{DedupScope, MergedRows, merged_rows};
use crate::dimension::Dimension;
use crate::precedence::{Decision, INGESTED_FIRST, Overlap, Precedence};
use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use tally_catalog::schema::{self, Rollup};
use tally_model::date::{from_epoch_days, to_epoch_days};
use tally_model::{DedupRule, TableKind};
use tally_store::{ReleaseEntry, SecondsColumn, Store, StoreError, TableScan, TextColumn};

/// Most dimensions one count can group by.
pub const MAX_DIMENSIONS: usize = 8;

/// A `--from`..`--to` range shorter than this many days narrows a count as a day does
/// (`CountQuery::pinned`): a few days, most without rows, single out the rows of one.
pub const SHORT_RANGE_DAYS: i64 = 31;

/// What to count.
#[derive(Debug, Clone)]
pub struct CountQuery {
    pub table: TableKind,
    /// Group-by dimensions, in output column order.
    pub by: Vec<Dimension>,
    /// Keep rows whose dimension value is one of the listed values (as printed).
    pub filters: Vec<(Dimension, Vec<String>)>,
    /// Inclusive first and last event date; rows without an event date are excluded when
    /// either is set.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Release selectors (file name, id or SHA-256 prefix); `None` = every release, with
    /// precedence resolving overlaps.
    pub releases: Option<Vec<String>>,
    /// The method-group scheme of the `method-group` dimension: `None` (or the default
    /// scheme) reads the stored `method_group` column; another scheme groups its field's
    /// values as it is read.
    pub scheme: Option<&'static tally_model::GroupingScheme>,
    /// The de-duplication rule (`None` or `none`: rows as released): rows it merges into
    /// another row of their release are not counted ([`crate::dedup`]).
    pub dedup: Option<&'static DedupRule>,
    /// Rules whose merges are marked rather than applied (`count --compare-dedup`): each
    /// group's values gain a last one, [`MERGED_BY`], naming the rules that merge its
    /// rows ("" for rows every rule keeps), so that one count serves every rule.
    pub dedup_marks: Vec<&'static DedupRule>,
    /// Count every table file row by row, never from its daily rollups (`count
    /// --no-rollups`): the same answer, slower; for checking the rollups. Otherwise a count
    /// whose dimensions and filters a rollup keeps (dates, release, and AOR, method group,
    /// criminality, or citizenship alone; no de-duplication, time of day or cuts of one
    /// workbook) reads the rollups ([`rollups_answer`]).
    pub rows_only: bool,
    /// Most groups the count may hold before small ones are hidden (`count --max-groups`,
    /// which `tally serve` sets): past it the count is refused with
    /// [`QueryError::Invalid`], its scan ending at the batch that passed it, so that a key
    /// as fine as date by landmark (11 million groups and 2.9 GB over the 50 M-row
    /// benchmark store, about 270 bytes a group once built) cannot take a server's memory.
    /// What is held to it is the groups every file's tally holds, summed as the files are
    /// read (what takes the memory: a group several releases hold counts once for each).
    /// `None`: no limit.
    pub max_groups: Option<usize>,
    /// The small-cell threshold where the count's small groups will not be listed
    /// ([`CountQuery::lists_small_groups`] false, suppression on); `None` otherwise. Then
    /// [`CountQuery::max_groups`] holds only the groups of that many rows or more (the
    /// ones listed), and every group to [`HARD_GROUPS_UNDER_A_FINE_KEY`] or twice the
    /// limit: a refusal counted over every group would tell whether one more unlisted
    /// group holds rows (fill the limit with groups known to be listed, then ask).
    pub listed_from: Option<u64>,
}

/// Under a key whose small groups are not listed, the most groups of any size a count
/// may hold ([`CountQuery::listed_from`]) where twice its limit is fewer: a refusal
/// there tells something of how many small groups hold rows only when a client already
/// knows two million groups in one grid of its filters. Two counts at once, at about
/// 270 bytes a group, stay near 1 GiB.
pub const HARD_GROUPS_UNDER_A_FINE_KEY: usize = 2_000_000;

impl CountQuery {
    /// The dimensions the filters name (`--where aor=CHI`; a list of values counts too:
    /// padded with values that match nothing, `citizenship=MEXICO,NOSUCH` is one), and
    /// `date` where `--from` and `--to` are under [`SHORT_RANGE_DAYS`] apart (two days,
    /// one of them empty, are one day): with `by`, the attributes every group's key names
    /// (`tally_model::disclosure::lists_small_groups`).
    pub fn pinned(&self) -> Vec<String> {
        let short = matches!(self.days_asked(), (Some(f), Some(t)) if (t - f).num_days() < SHORT_RANGE_DAYS);
        self.filters
            .iter()
            .map(|(d, _)| d.name())
            .chain(short.then(|| "date".to_string()))
            .collect()
    }

    /// The first and last day `--from`/`--to` and the date filters (`--where date=`,
    /// `week=`, `month=`, `fy=`) let in, where they bound them (`fy=FY2026 --to
    /// 2025-10-01` is one day).
    pub fn days_asked(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        narrowed_by_periods(
            (self.from, self.to),
            self.filters
                .iter()
                .filter(|(d, _)| d.is_date())
                .map(|(d, values)| {
                    values
                        .iter()
                        .map(|v| (*d, d.normalize_value(self.table, v)))
                        .collect()
                }),
        )
    }

    /// Whether the count's small groups may be listed one by one: not where its key
    /// (`by` and [`CountQuery::pinned`]) is so fine that one is nearly one record.
    pub fn lists_small_groups(&self) -> bool {
        let by: Vec<String> = self.by.iter().map(|d| d.name()).collect();
        let pinned = self.pinned();
        let attributes: Vec<&str> = by.iter().chain(&pinned).map(String::as_str).collect();
        tally_model::disclosure::lists_small_groups(&attributes)
    }

    /// A count of every row of `table`: no dimensions, filters or dates, every release,
    /// the stored scheme, rows as released, rollups where they answer.
    pub fn every_row(table: TableKind) -> CountQuery {
        CountQuery {
            table,
            by: Vec::new(),
            filters: Vec::new(),
            from: None,
            to: None,
            releases: None,
            scheme: None,
            dedup: None,
            dedup_marks: Vec::new(),
            rows_only: false,
            max_groups: None,
            listed_from: None,
        }
    }
}

/// The name of the dimension [`CountQuery::dedup_marks`] adds.
pub const MERGED_BY: &str = "merged-by";

/// How a de-duplication rule changed a count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DedupUse {
    pub rule: String,
    pub title: String,
    pub source: String,
    /// Rows that passed the filters but were merged into another row of their release.
    pub rows_merged: u64,
    /// Releases the rule does not apply to, and why (file name, reason).
    pub not_applied: Vec<(String, String)>,
    /// DDP's `duplicate_likely` beside the episodes, where the rows carry it.
    pub flag_check: Option<crate::dedup::FlagCheck>,
}

/// How one release contributed to a count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseUse {
    pub id: String,
    pub sha256: String,
    pub file_name: String,
    /// Sheets (or the text file) whose rows were read.
    pub sheets: Vec<String>,
    /// Rows that passed every filter and were counted.
    pub rows_counted: u64,
    /// Rows that passed the filters but lost to a higher-precedence release.
    pub rows_shadowed: u64,
    /// Rows set aside because an earlier release already counted the same source record
    /// (cuts of one raw workbook, by DDP's `file_original`/`sheet_original`/`row_original`).
    pub rows_duplicate: u64,
    /// Whether the release is a cut of one raw ICE workbook counted by source record
    /// (`Precedence::by_record`): only such a release can have `rows_duplicate`.
    pub cut_of_workbook: bool,
    /// Whether the release overlaps another on some AOR and day (`Precedence::involves`):
    /// only such a release can have `rows_shadowed`.
    pub overlaps_another: bool,
}

/// How much of a cell's AOR-days some release covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "coverage")]
pub enum CellCoverage {
    /// Every AOR-day of the cell is covered (or the cell has no date or AOR to check).
    Full,
    /// Some AOR-days are covered: `covered` of `of`.
    Partial { covered: i64, of: i64 },
    /// No release covers any AOR-day of the cell: its count is missing, not zero.
    NotCovered,
}

/// One group of a count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The dimension values, as printed.
    pub values: Vec<String>,
    /// Rows counted (0 for a covered cell with no rows, and for a cell not covered).
    pub count: u64,
    /// How much of the cell releases cover.
    #[serde(flatten)]
    pub coverage: CellCoverage,
    /// True when a `--by date` or `--by week` cell holds a partial last day of a release
    /// that counted rows (see [`CountResult::partial_days`]): its count is likely low.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// In a series of a categorical field by date: the value was not in use in this
    /// bucket (after its last date or before its first in the releases counted), rather
    /// than a zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vocabulary: Option<VocabularyMark>,
}

/// Why a value of a categorical field has no rows in a date bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VocabularyMark {
    /// The bucket starts after the value's last date: ICE stopped using it.
    Discontinued,
    /// The bucket ends before the value's first date: ICE had not started using it.
    NotYetInUse,
}

pub use tally_catalog::partial::PartialDay;

/// A partial last day (`tally_catalog::partial`) of a release that counted rows in the
/// range asked about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialDayUse {
    pub file_name: String,
    /// The release's id (two releases may share a file name: a revision).
    pub release: String,
    /// The part of the table (`None`: the whole table).
    pub part: Option<String>,
    #[serde(flatten)]
    pub day: PartialDay,
}

/// An overlap of releases that touched this count, with each side's rows in it (after
/// the query's filters): the winner's counted, the other's set aside.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlapUse {
    #[serde(flatten)]
    pub overlap: Overlap,
    /// Rows of the release that counts, in the overlap.
    pub winner_rows: u64,
    /// Rows of the release set aside, in the overlap.
    pub shadowed_rows: u64,
}

impl OverlapUse {
    /// True when the two releases' rows differ by more than [`DISAGREEMENT_SHARE`] and at
    /// least [`DISAGREEMENT_ROWS`] rows.
    pub fn disagrees(&self) -> bool {
        if !self.overlap.like_for_like {
            return false;
        }
        let (w, s) = (self.winner_rows, self.shadowed_rows);
        let diff = w.abs_diff(s);
        diff >= DISAGREEMENT_ROWS && diff as f64 > DISAGREEMENT_SHARE * w.max(s) as f64
    }
}

/// Overlapping releases whose rows differ by more than this share...
pub const DISAGREEMENT_SHARE: f64 = 0.01;
/// ...and at least this many rows are said to disagree.
pub const DISAGREEMENT_ROWS: u64 = 10;

/// Days that no release covers for some of the AORs asked about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageGap {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// AOR codes not covered on those days.
    pub aors: Vec<String>,
}

/// A release of one state's rows read by a count, whose rows of some AORs are that
/// state's part of them (`tally_catalog::ReleaseReport::extract_beyond`): the count's note
/// says so, and a CSV's coverage column marks the cells it may reach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateExtractUse {
    /// The release, as labels print it.
    pub release: String,
    /// The state's postal code (`WA`).
    pub state: String,
    /// AOR codes asked about whose territory reaches beyond the state.
    pub aors: Vec<String>,
    /// The first and last day of its rows or stated period.
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Result of a count: one row per group, sorted by the dimension values.
#[derive(Debug, Clone, Serialize)]
pub struct CountResult {
    pub table: TableKind,
    pub dimensions: Vec<String>,
    pub groups: Vec<Group>,
    pub total: u64,
    pub releases: Vec<ReleaseUse>,
    /// Overlaps between the releases used, resolved by precedence, with both sides' rows.
    pub overlaps: Vec<OverlapUse>,
    /// Counted rows without an event date (included only when no date range is set).
    pub undated_rows: u64,
    /// AOR-days of the counted range that no release covers (however short).
    pub coverage_gaps: Vec<CoverageGap>,
    /// How much of all the AOR-days asked about releases cover (the total's coverage).
    pub total_coverage: CellCoverage,
    /// Partial last days of the releases counted, inside the range asked about.
    pub partial_days: Vec<PartialDayUse>,
    /// Extracts of one state's rows read, where their days meet the days asked.
    pub state_extracts: Vec<StateExtractUse>,
    /// Things a reader of the numbers should know: filter values that matched no row,
    /// days no release covers, releases that disagree where they overlap.
    pub notes: Vec<String>,
    /// The de-duplication rule applied, and what it merged.
    pub dedup: Option<DedupUse>,
    /// Rows counted that carry no person identifier (never merged by a person rule):
    /// given whenever a person rule is applied or marked.
    pub rows_without_person: Option<u64>,
    /// The dimensions the query's filters pin to one value (`date` where `--from` is
    /// `--to`): with [`CountResult::dimensions`], the attributes every group's key names,
    /// which decide whether its small groups may be listed
    /// (`tally_model::disclosure::lists_small_groups`).
    #[serde(skip)]
    pub pinned: Vec<String>,
    /// Copies of records in cuts of one ICE workbook (counted once, from the first cut
    /// read) whose event date or AOR differs from the copy counted: the cuts disagree.
    pub records_differing: u64,
}

impl CountResult {
    /// Whether the result's small groups may be listed one by one: not where its key (its
    /// dimensions and [`CountResult::pinned`]) is so fine that one is nearly one record
    /// (`tally_model::disclosure::lists_small_groups`).
    pub fn lists_small_groups(&self) -> bool {
        let attributes: Vec<&str> = self
            .dimensions
            .iter()
            .chain(&self.pinned)
            .map(String::as_str)
            .collect();
        tally_model::disclosure::lists_small_groups(&attributes)
    }
}

/// The id of no value: a row outside the dates asked about, left uncounted.
const SKIPPED: u32 = u32::MAX;

/// Placeholders for columns a count does not read (no file has them: they read as nulls).
const UNREAD_DATETIME: &str = "(event_datetime not read)";
const UNREAD_SOURCE_ROW: &str = "(source_row not read)";
const UNREAD_AOR: &str = "(aor not read)";
const UNREAD_AOR_FIELD: &str = "(AOR field not read)";
const UNREAD_SHEET: &str = "(source_sheet not read)";

/// What the scan of one file gathers, merged with the others' in scan order: ids are
/// the file's own interners' (see [`count`]).
struct FileTally {
    interners: Vec<Interner>,
    date_cache: Vec<DayMemo>,
    /// Per date dimension: the id of each bucket's label, by the bucket's first day.
    bucket_cache: Vec<BucketMemo>,
    filtering: FilterState,
    groups: GroupCounts,
    use_entry: Option<ReleaseUse>,
    undated: u64,
    rows_merged: u64,
    rows_without_person: u64,
    /// Copies of records, from other cuts of their workbook, whose event date or AOR
    /// differs from the copy counted.
    records_differing: u64,
    mark_names: Interner,
    overlap_rows: Vec<(u64, u64)>,
    /// Groups of this tally already added to the count's running total of groups held
    /// ([`CountQuery::max_groups`]).
    groups_reported: usize,
    /// Likewise for every group whatever its rows ([`HARD_GROUPS_UNDER_A_FINE_KEY`]).
    all_groups_reported: usize,
}

/// What a file's tally learns of its filters, per filter: each interned id's match.
struct FilterState {
    /// Per interned id: the index of the filter value it matches, once known.
    memo: Vec<Vec<Option<Option<usize>>>>,
    /// Per filter value: whether any row matched it.
    matched: Vec<Vec<bool>>,
    /// Per filter value: the interned ids (spellings) that matched it.
    spellings: Vec<Vec<Vec<u32>>>,
}

impl FilterState {
    /// For `filters` (`(dimension's place in the key, values allowed)`): nothing known.
    fn new(filters: &[(usize, Vec<String>)]) -> FilterState {
        FilterState {
            memo: filters.iter().map(|_| Vec::new()).collect(),
            matched: filters.iter().map(|(_, v)| vec![false; v.len()]).collect(),
            spellings: filters
                .iter()
                .map(|(_, v)| vec![Vec::new(); v.len()])
                .collect(),
        }
    }

    /// Whether a row with ids `key` (interned by `interners`) passes every filter. Every
    /// filter is tried, so that each value's "matched no row" note is true of that value,
    /// whatever the other filters do; each id is matched against a filter once, then
    /// looked up.
    #[inline]
    fn passes(
        &mut self,
        filters: &[(usize, Vec<String>)],
        key: &[u32],
        interners: &[Interner],
    ) -> bool {
        let mut passes = true;
        for (f, (k, allowed)) in filters.iter().enumerate() {
            passes &= self.id_passes(f, allowed, key[*k], &interners[*k]);
        }
        passes
    }

    /// Whether value `id` (interned by `interner`) is one of filter `f`'s `allowed`
    /// values, noting the match the first time the id is asked about.
    #[inline]
    fn id_passes(&mut self, f: usize, allowed: &[String], id: u32, interner: &Interner) -> bool {
        let memo = &mut self.memo[f];
        if memo.len() <= id as usize {
            memo.resize(id as usize + 1, None);
        }
        let hit = match memo[id as usize] {
            Some(hit) => hit,
            None => {
                let value = &interner.values[id as usize];
                let hit = allowed
                    .iter()
                    .position(|a| a == value || a.eq_ignore_ascii_case(value));
                if let Some(p) = hit {
                    self.matched[f][p] = true;
                    self.spellings[f][p].push(id);
                }
                memo[id as usize] = Some(hit);
                hit
            }
        };
        hit.is_some()
    }
}

/// Rows per group key. Ids are interned densely from 0, so while a key has at most four
/// ids and they fit in [`DenseCounts::MAX_BITS`] bits together, groups are counted in a
/// table indexed by the key itself (a hash lookup per row, its branches mispredicted as
/// the keys of consecutive rows differ, was a third of a count over rollups). Past that,
/// while every id fits in 16 bits, the key is packed into a `u64` and hashed (8 bytes,
/// not 36); other keys are kept whole. A key always goes one way (the dense table moves
/// into the packed map once when it would outgrow its bound), so no group is split.
#[derive(Default)]
struct GroupCounts {
    dense: DenseCounts,
    packed: rustc_hash::FxHashMap<u64, u64>,
    wide: rustc_hash::FxHashMap<[u32; MAX_DIMENSIONS + 1], u64>,
    /// Rows from which a group is listed ([`CountQuery::listed_from`]); 0: every group.
    listed_from: u64,
    /// Groups of the hashed maps holding `listed_from` rows or more.
    listed_hashed: usize,
}

/// Groups counted by position: slot `Σ id_j << shift_j` holds 1 + the rows of the key
/// (0: no such group yet). Each dimension's bit width grows as larger ids arrive.
struct DenseCounts {
    /// False once the table gave way to the hash maps (for good, for this tally).
    open: bool,
    bits: [u32; 4],
    slots: Vec<u64>,
}

impl Default for DenseCounts {
    fn default() -> Self {
        DenseCounts {
            open: true,
            bits: [0; 4],
            slots: Vec::new(),
        }
    }
}

impl DenseCounts {
    /// Most bits a dense key may take: 2^16 slots, 512 KiB, inside a core's L2 cache.
    const MAX_BITS: u32 = 16;

    #[inline]
    fn slot(&self, own: &[u32]) -> Option<usize> {
        let mut at = 0usize;
        for (j, id) in own.iter().enumerate() {
            if *id >= 1 << self.bits[j] {
                return None;
            }
            at = (at << self.bits[j]) | *id as usize;
        }
        Some(at)
    }

    /// Every group held, as (ids, rows), for a key of `width` ids.
    fn groups(&self, width: usize) -> impl Iterator<Item = ([u32; 4], u64)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(move |(at, n)| {
                let mut ids = [0u32; 4];
                let mut rest = at;
                for j in (0..width).rev() {
                    ids[j] = (rest & ((1 << self.bits[j]) - 1)) as u32;
                    rest >>= self.bits[j];
                }
                (ids, n - 1)
            })
    }
}

impl GroupCounts {
    /// Counts `rows` rows of the key made of the first `width` ids of `ids` (the slots
    /// past `width` are ignored).
    #[inline]
    fn add(&mut self, ids: &[u32; MAX_DIMENSIONS + 1], width: usize, rows: u64) {
        let own = &ids[..width.min(MAX_DIMENSIONS + 1)];
        if self.dense.open && width <= 4 {
            let at = match self.dense.slot(own) {
                Some(at) if at < self.dense.slots.len() => Some(at),
                _ => self.widen(own),
            };
            if let Some(at) = at {
                self.dense.slots[at] += rows + u64::from(self.dense.slots[at] == 0);
                return;
            }
        }
        if width <= 4 && own.iter().all(|id| *id < 0xFFFF) {
            let packed = own.iter().fold(0u64, |p, id| (p << 16) | u64::from(*id));
            // A lookup before an insert: `entry` reserves room on every call.
            let before = match self.packed.get_mut(&packed) {
                Some(n) => {
                    *n += rows;
                    *n - rows
                }
                None => {
                    self.packed.insert(packed, rows);
                    0
                }
            };
            self.note_listed(before, rows);
        } else {
            let mut key = [u32::MAX; MAX_DIMENSIONS + 1];
            key[..own.len()].copy_from_slice(own);
            let n = self.wide.entry(key).or_default();
            *n += rows;
            let before = *n - rows;
            self.note_listed(before, rows);
        }
    }

    /// Counts a hashed group that `rows` more rows take from `before` rows to
    /// [`GroupCounts::listed_from`] or more.
    #[inline]
    fn note_listed(&mut self, before: u64, rows: u64) {
        let t = self.listed_from;
        if t > 0 && before < t && before + rows >= t {
            self.listed_hashed += 1;
        }
    }

    /// What the group limit holds a tally's hashed groups to: those of
    /// [`GroupCounts::listed_from`] rows or more where it is set, else all of them.
    fn limited_hashed(&self) -> usize {
        if self.listed_from > 0 {
            self.listed_hashed
        } else {
            self.hashed()
        }
    }

    /// [`GroupCounts::limited_hashed`] with the dense table's groups counted one by one.
    fn limited_len(&self) -> usize {
        if self.listed_from == 0 {
            return self.len();
        }
        let dense = if self.dense.open {
            // A slot holds 1 + its rows.
            self.dense
                .slots
                .iter()
                .filter(|n| **n > self.listed_from)
                .count()
        } else {
            0
        };
        self.listed_hashed + dense
    }

    /// Counts a batch of `rows` rows a column at a time: row `i` has ids `ids[j][i]` (`j <
    /// width`, each below `bounds[j]`) and stands for `weights[i]` rows (1 without
    /// weights), and is left out where `skip[i]`. Returns the rows counted, or `None`
    /// (nothing counted) when the keys do not fit the dense table, for the caller to add
    /// row by row. One pass per dimension composes each row's slot, one more adds the
    /// weights: no per-row dispatch, so it runs at a few nanoseconds a row.
    fn add_columns<C: AsRef<[u32]>>(
        &mut self,
        rows: usize,
        ids: &[C],
        width: usize,
        bounds: &[u32],
        weights: Option<&[i64]>,
        skip: Option<&[bool]>,
    ) -> Option<u64> {
        if !self.dense.open || width > 4 {
            return None;
        }
        let highest: Vec<u32> = bounds[..width]
            .iter()
            .map(|b| b.saturating_sub(1))
            .collect();
        if !matches!(self.dense.slot(&highest), Some(at) if at < self.dense.slots.len()) {
            self.widen(&highest)?;
        }
        if width <= 2 {
            // One pass, each row's slot composed as it is added (no slot vector): the
            // keys of most counts have one or two dimensions. Each shape of the batch
            // (no, one or two ids; weights or not; rows left out or not) has a loop of
            // its own, so no row asks.
            let table = &mut self.dense.slots[..];
            let shift = if width == 2 { self.dense.bits[1] } else { 0 };
            let first = ids.first().map(|c| &c.as_ref()[..rows]);
            let second = ids
                .get(1)
                .filter(|_| width == 2)
                .map(|c| &c.as_ref()[..rows]);
            let counted = match (first, second) {
                (Some(a), Some(b)) => add_weighed(
                    table,
                    a.iter().zip(b).map(|(a, b)| (a << shift) | b),
                    rows,
                    weights,
                    skip,
                ),
                (Some(a), None) if width == 1 => {
                    add_weighed(table, a.iter().copied(), rows, weights, skip)
                }
                _ => add_weighed(table, std::iter::repeat_n(0, rows), rows, weights, skip),
            };
            return Some(counted);
        }
        let mut slots = crate::scratch::IDS.take(rows, 0);
        for (j, column) in ids[..width].iter().enumerate() {
            let bits = self.dense.bits[j];
            for (slot, id) in slots.iter_mut().zip(column.as_ref()) {
                *slot = (*slot << bits) | *id;
            }
        }
        Some(add_weighed(
            &mut self.dense.slots,
            slots.iter().copied(),
            rows,
            weights,
            skip,
        ))
    }

    /// Makes room in the dense table for `own` (widening the dimensions whose ids no
    /// longer fit, and moving the groups counted so far); `None`, with the table's groups
    /// moved into the packed map, when the key would take more than
    /// [`DenseCounts::MAX_BITS`] bits.
    #[cold]
    fn widen(&mut self, own: &[u32]) -> Option<usize> {
        let width = own.len();
        let mut bits = self.dense.bits;
        for (j, id) in own.iter().enumerate() {
            while *id >= 1 << bits[j] {
                bits[j] += 1;
            }
        }
        let held: Vec<([u32; 4], u64)> = self.dense.groups(width).collect();
        if bits[..width].iter().sum::<u32>() > DenseCounts::MAX_BITS {
            self.dense.open = false;
            self.dense.slots = Vec::new();
            for (ids, n) in held {
                let mut key = [u32::MAX; MAX_DIMENSIONS + 1];
                key[..width].copy_from_slice(&ids[..width]);
                self.add(&key, width, n);
            }
            return None;
        }
        self.dense.bits = bits;
        self.dense.slots = vec![0; 1 << bits[..width].iter().sum::<u32>()];
        for (ids, n) in held {
            if let Some(at) = self.dense.slot(&ids[..width]) {
                self.dense.slots[at] = n + 1;
            }
        }
        self.dense.slot(own)
    }

    /// Every group with its whole key.
    #[cfg(test)]
    fn into_groups(self, width: usize) -> Vec<([u32; MAX_DIMENSIONS + 1], u64)> {
        let mut out = Vec::new();
        self.for_each_group(width, |key, n| out.push((*key, n)));
        out
    }

    /// Groups held: [`GroupCounts::hashed`] and the dense table's slots in use, counted
    /// one by one (a pass over up to 2^16 slots; the adding loops do not count them, which
    /// cost a twentieth of a scan).
    fn len(&self) -> usize {
        let dense = if self.dense.open {
            self.dense.slots.iter().filter(|n| **n > 0).count()
        } else {
            0
        };
        self.hashed() + dense
    }

    /// Groups held in the hashed maps: all but the dense table's (at most 2^16 groups,
    /// 512 KiB).
    fn hashed(&self) -> usize {
        self.wide.len() + self.packed.len()
    }

    /// Hands every group to `visit` with its whole key (the slots past `width` are
    /// `u32::MAX`) and its rows, without gathering them first: the groups of a file are
    /// added straight into the sum of every file's ([`add_up`]).
    fn for_each_group(self, width: usize, mut visit: impl FnMut(&[u32; MAX_DIMENSIONS + 1], u64)) {
        for (key, n) in self.wide {
            visit(&key, n);
        }
        if self.dense.open && width <= 4 {
            for (ids, n) in self.dense.groups(width) {
                let mut key = [u32::MAX; MAX_DIMENSIONS + 1];
                key[..width].copy_from_slice(&ids[..width]);
                visit(&key, n);
            }
        }
        for (mut packed, n) in self.packed {
            let mut key = [u32::MAX; MAX_DIMENSIONS + 1];
            for slot in key[..width].iter_mut().rev() {
                *slot = (packed & 0xFFFF) as u32;
                packed >>= 16;
            }
            visit(&key, n);
        }
    }
}

/// [`add_dense`] with each row's weight from `weights` (`weights[i]`, negatives as 0; 1 a row
/// without), the first `rows` rows of each.
#[inline(always)]
fn add_weighed(
    table: &mut [u64],
    slots: impl Iterator<Item = u32>,
    rows: usize,
    weights: Option<&[i64]>,
    skip: Option<&[bool]>,
) -> u64 {
    match weights {
        Some(w) => add_dense(
            table,
            slots,
            w[..rows].iter().map(|w| (*w).max(0) as u64),
            skip,
        ),
        None => add_dense(table, slots, std::iter::repeat_n(1, rows), skip),
    }
}

/// Adds each row's weight into its dense slot (`slots` and `weights` a row each, rows where
/// `skip` holds left out; the first rows of a slot also mark it in use) and returns the rows
/// added. Generic over the iterators so each batch shape compiles to a loop of its own.
#[inline(always)]
fn add_dense(
    table: &mut [u64],
    slots: impl Iterator<Item = u32>,
    weights: impl Iterator<Item = u64>,
    skip: Option<&[bool]>,
) -> u64 {
    let mut counted = 0u64;
    let mut add = |slot: u32, rows: u64| {
        let n = &mut table[slot as usize];
        *n += rows + u64::from(*n == 0);
        counted += rows;
    };
    match skip {
        None => slots.zip(weights).for_each(|(s, w)| add(s, w)),
        Some(skip) => slots
            .zip(weights)
            .zip(skip)
            .filter(|(_, skip)| !**skip)
            .for_each(|((s, w), _)| add(s, w)),
    }
    counted
}

/// The ids of one date dimension's buckets (their labels interned by a file's interner),
/// by each bucket's first day, and the bucket last asked about with its days.
#[derive(Default)]
struct BucketMemo {
    by_start: DayMemo,
    /// First day, last day, id.
    last: Option<(i32, i32, u32)>,
}

/// The id of `day`'s bucket of date dimension `d` (its label interned by `interner`):
/// labels are formatted once per bucket (a FY's 365 days share one), not once per day,
/// and a day in the bucket of the day before takes its id without date arithmetic (days
/// arrive in order, and working out a day's FY was a twentieth of a served count).
fn day_id(d: &Dimension, day: i32, interner: &mut Interner, buckets: &mut BucketMemo) -> u32 {
    if let Some((first, last, id)) = buckets.last
        && first <= day
        && day <= last
    {
        return id;
    }
    let date = from_epoch_days(day);
    let (first, last) = d.bucket_bounds(date);
    let (first, last) = (to_epoch_days(first), to_epoch_days(last));
    let id = match buckets.by_start.get(first) {
        Some(id) => id,
        None => {
            let id = interner.id(&d.render_date(date));
            buckets.by_start.set(first, id);
            id
        }
    };
    buckets.last = Some((first, last, id));
    id
}

/// Interned ids of event days, in a vector from the earliest day seen (a hash lookup per
/// row and date dimension was a tenth of the kernel's time).
#[derive(Default)]
struct DayMemo {
    first: i32,
    ids: Vec<u32>,
}

impl DayMemo {
    /// Slack added on either side when the vector grows, in days.
    const SLACK: i32 = 366;
    /// Most days the vector spans (about 1,400 years).
    const SPAN: i32 = 1 << 19;

    /// The first day held and each day's id from it (`u32::MAX`: not held).
    fn span(&self) -> (i32, &[u32]) {
        (self.first, &self.ids)
    }

    #[inline]
    fn get(&self, day: i32) -> Option<u32> {
        let at = usize::try_from(day.checked_sub(self.first)?).ok()?;
        self.ids.get(at).copied().filter(|id| *id != u32::MAX)
    }

    /// Remembers `id` for `day`; a day more than [`Self::SPAN`] days from those already
    /// held is not remembered (an absurd date never allocates gigabytes).
    fn set(&mut self, day: i32, id: u32) {
        if !self.ids.is_empty()
            && (i64::from(day) - i64::from(self.first)).abs() > i64::from(Self::SPAN)
        {
            return;
        }
        if self.ids.is_empty() {
            self.first = day.saturating_sub(Self::SLACK);
        } else if day < self.first {
            let first = day.saturating_sub(Self::SLACK);
            let grow = (self.first - first) as usize;
            self.ids.splice(0..0, std::iter::repeat_n(u32::MAX, grow));
            self.first = first;
        }
        let at = (day - self.first) as usize;
        if self.ids.len() <= at {
            self.ids.resize(at + Self::SLACK as usize, u32::MAX);
        }
        self.ids[at] = id;
    }
}

struct Interner {
    ids: rustc_hash::FxHashMap<String, u32>,
    values: Vec<String>,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            ids: rustc_hash::FxHashMap::default(),
            values: Vec::new(),
        }
    }
    fn id(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.to_string());
        self.ids.insert(value.to_string(), id);
        id
    }
}

/// The kind of daily rollup (`tally_catalog::schema::Rollup`) whose rows can stand in
/// for the table files' rows in `query`, the first of [`Rollup::ALL`] that can: the query
/// reads nothing the rollup does not keep (every dimension and filter is a date
/// dimension, the release, or one of the rollup's dimensions; the method group only under
/// the default scheme), applies no de-duplication rule, and (`by_record`) counts no cuts
/// of one workbook by source record, which needs each row's pointer back. A rollup
/// without the AOR code answers only where `precedence_free` (no release the query reads
/// overlaps another, so precedence reads no AOR). `None` (rows) also when
/// [`CountQuery::rows_only`] asks for rows. The count and the SQL it writes
/// (`crate::sql`) decide by this alone.
pub fn rollups_answer(
    query: &CountQuery,
    by_record: bool,
    precedence_free: bool,
) -> Option<Rollup> {
    let dedup = query.dedup.is_some_and(|r| !r.is_none()) || !query.dedup_marks.is_empty();
    let scheme = query
        .scheme
        .is_some_and(|s| s.name != tally_model::scheme::DEFAULT_SCHEME);
    if query.rows_only || by_record || dedup || scheme {
        return None;
    }
    Rollup::ALL.into_iter().find(|kind| {
        let kept = kind.dimensions(query.table);
        (kind.keeps_aor() || precedence_free)
            && query
                .by
                .iter()
                .chain(query.filters.iter().map(|(d, _)| d))
                .all(|d| {
                    d.is_date()
                        || *d == Dimension::Release
                        || d.column().is_some_and(|c| kept.contains(&c))
                })
    })
}

/// Chooses the releases a query reads.
///
/// # Errors
/// A selector that matches no release.
pub fn select_releases<'m>(
    store: &'m Store,
    selectors: Option<&[String]>,
) -> Result<Vec<&'m ReleaseEntry>, QueryError> {
    let manifest = store.manifest();
    match selectors {
        None => Ok(manifest.releases.iter().collect()),
        Some(selectors) => {
            let mut out: Vec<&ReleaseEntry> = Vec::new();
            for s in selectors {
                let found = manifest.select(s);
                if found.is_empty() {
                    // A name several stored names end with selects none of them: say which.
                    let mut alike: Vec<&str> = manifest
                        .releases
                        .iter()
                        .map(|r| r.report.file_name.as_str())
                        .filter(|n| s.len() >= 6 && n.ends_with(s.trim()))
                        .collect();
                    alike.sort_unstable();
                    alike.dedup();
                    if alike.len() > 1 {
                        return Err(QueryError::Invalid(format!(
                            "{s:?} is ambiguous: {} stored releases' names end with it ({}); give one whole name, or at least 6 hex digits of its SHA-256 (see `tally status`)",
                            alike.len(),
                            alike.join(", ")
                        )));
                    }
                    return Err(QueryError::Invalid(format!(
                        "no release matches {s:?} (use a file name, or at least 6 hex digits of a SHA-256; see `tally status`)"
                    )));
                }
                for r in found {
                    if !out.iter().any(|o| o.id == r.id) {
                        out.push(r);
                    }
                }
            }
            Ok(out)
        }
    }
}

/// Ends a count whose request was asked to stop (`tally_store::cancel`) between the
/// steps that follow its scan: building a result of millions of groups takes as long as
/// the scan.
fn stop_if_asked() -> Result<(), QueryError> {
    if tally_store::cancel::stop_requested() {
        return Err(QueryError::Store(StoreError::Stopped));
    }
    Ok(())
}

/// Counts rows of `query.table`.
///
/// # Errors
/// Unknown release selectors, too many dimensions, and store read errors.
pub fn count(store: &Store, query: &CountQuery) -> Result<CountResult, QueryError> {
    let started = std::time::Instant::now();
    LAST_TIMING.with(|t| t.set(CountTiming::default()));
    let result = count_timed(store, query);
    LAST_TIMING.with(|t| {
        t.set(CountTiming {
            total: started.elapsed(),
            ..t.get()
        })
    });
    result
}

/// Where the time of the last [`count`] on this thread went (for `tally serve`'s
/// Server-Timing header): the whole count, and of it the scan (reading the batches and
/// adding them into each file's groups), both wall-clock. The rest of a count is setting
/// up (precedence, columns) and building the result (merging the files' groups, coverage,
/// notes, order).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CountTiming {
    pub total: std::time::Duration,
    pub scan: std::time::Duration,
}

thread_local! {
    static LAST_TIMING: std::cell::Cell<CountTiming> =
        const { std::cell::Cell::new(CountTiming { total: std::time::Duration::ZERO, scan: std::time::Duration::ZERO }) };
}

/// The timing of the last [`count`] run on this thread, reset to nothing (`None` when no
/// count ran since the last call).
pub fn take_count_timing() -> Option<CountTiming> {
    let timing = LAST_TIMING.with(|t| t.take());
    (timing != CountTiming::default()).then_some(timing)
}

fn count_timed(store: &Store, query: &CountQuery) -> Result<CountResult, QueryError> {
    let mut dims_needed: Vec<Dimension> = query.by.clone();
    if dims_needed.len() > MAX_DIMENSIONS {
        return Err(QueryError::Invalid(format!(
            "at most {MAX_DIMENSIONS} --by dimensions"
        )));
    }
    for (d, _) in &query.filters {
        if !dims_needed.contains(d) {
            dims_needed.push(*d);
        }
    }
    let selected = select_releases(store, query.releases.as_deref())?;
    // A release chosen by name that holds none of the table counts nothing: said, so
    // that an empty count is not read as no events.
    let other_tables: Vec<String> = match query.releases {
        Some(_) => selected
            .iter()
            .filter(|r| !r.tables().contains(&query.table))
            .map(|r| {
                let held: Vec<&str> = r.tables().iter().map(|t| t.slug()).collect();
                format!(
                    "{} holds no {} rows (it holds {}): it counts nothing here",
                    r.report.file_name,
                    query.table,
                    if held.is_empty() {
                        "no table rows".to_string()
                    } else {
                        held.join(", ")
                    }
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let releases: Vec<&ReleaseEntry> = selected
        .into_iter()
        .filter(|r| r.tables().contains(&query.table))
        .collect();
    let precedence = Precedence::of_store(store, query.table, &releases);
    // The `release` dimension's values: file names, with ids where names are shared.
    let labels: std::collections::HashMap<&str, String> = releases
        .iter()
        .map(|r| (r.id.as_str(), store.manifest().release_label(r)))
        .collect();

    // Columns: event_date, aor, the AOR field, withheld, source_sheet, event_datetime,
    // then one per text dimension.
    let def = query.table.def();
    let aor_field = def
        .aor
        .map(|i| def.fields[i].name.as_str())
        .unwrap_or("aor_name");
    let mut columns: Vec<&str> = vec![
        schema::EVENT_DATE,
        schema::AOR,
        aor_field,
        schema::WITHHELD,
        schema::SOURCE_SHEET,
        schema::EVENT_DATETIME,
        schema::SOURCE_ROW,
    ];
    // Cuts of one raw workbook are counted once by source record: their pointers back.
    let by_record = releases.iter().any(|r| precedence.by_record(&r.id));
    let record_columns = by_record.then(|| {
        let at = columns.len();
        columns.extend(["original_file", "original_sheet", "original_row"]);
        at
    });
    // Each record counted (or merged) from a cut of its workbook, with what that cut says
    // of it (its event date and AOR, hashed): another cut's copy that says otherwise is
    // a disagreement, counted and said.
    let seen_records: std::collections::HashMap<u64, u64> = std::collections::HashMap::new();
    // The time of day and the source row are read only when a count needs them (a column
    // the files lack reads as nulls, unread): together they were a fifth of a scan.
    // De-duplication: the rows each rule merges, found per release before counting.
    let dedup = query.dedup.filter(|r| !r.is_none());
    let merged: Option<MergedRows> = match dedup {
        Some(rule) => Some(merged_rows(
            store,
            &releases,
            query.table,
            rule,
            DedupScope::CutsTogether,
        )?),
        None => None,
    };
    // A rule that merges no row here (it applies to none of the releases, or finds nothing)
    // counts rows as released: the count reads what a count without it reads, rollups
    // included, and still reports the rule.
    let dedup_inert = merged.as_ref().is_some_and(MergedRows::merges_nothing)
        && !dedup.is_some_and(|r| r.needs_person());
    let needs_source_row =
        by_record || (dedup.is_some() && !dedup_inert) || !query.dedup_marks.is_empty();
    if !query.by.contains(&Dimension::HourOfDay)
        && !query
            .filters
            .iter()
            .any(|(d, _)| *d == Dimension::HourOfDay)
    {
        columns[5] = UNREAD_DATETIME;
    }
    if !needs_source_row {
        columns[6] = UNREAD_SOURCE_ROW;
    }
    // With no release in an overlap, precedence reads nothing: the AOR columns are read
    // only for an AOR dimension, the sheet only for what needs it (time of day, source
    // records, de-duplication). Each column fewer is a tenth or more of a scan.
    let no_precedence = !releases.iter().any(|r| precedence.involves(&r.id));
    if no_precedence && !dims_needed.contains(&Dimension::Aor) {
        columns[1] = UNREAD_AOR;
        columns[2] = UNREAD_AOR_FIELD;
    }
    if no_precedence && !needs_source_row && !dims_needed.contains(&Dimension::HourOfDay) {
        columns[4] = UNREAD_SHEET;
    }
    // A scheme other than the stored one groups its own field's values as they are read.
    let scheme = query
        .scheme
        .filter(|s| s.name != tally_model::scheme::DEFAULT_SCHEME);
    let scheme_field = match scheme {
        Some(s) => Some(s.field_in(query.table).ok_or_else(|| {
            QueryError::Invalid(format!(
                "the {} scheme groups {}, which {} has no field for",
                s.name, s.field, query.table
            ))
        })?),
        None => None,
    };
    let column_of = |d: &Dimension| match (d, scheme_field) {
        (Dimension::MethodGroup, Some(field)) => Some(field),
        _ => d.column(),
    };
    let mut dim_column: Vec<Option<usize>> = Vec::new();
    for d in &dims_needed {
        match column_of(d) {
            None => dim_column.push(None),
            Some(c) => {
                let at = columns.iter().position(|x| *x == c).unwrap_or_else(|| {
                    columns.push(c);
                    columns.len() - 1
                });
                dim_column.push(Some(at));
            }
        }
    }
    let filters: Vec<(usize, Vec<String>)> = query
        .filters
        .iter()
        .map(|(d, values)| {
            let at = dims_needed.iter().position(|x| x == d).unwrap_or(0);
            (
                at,
                values
                    .iter()
                    .map(|v| d.normalize_value(query.table, v))
                    .collect(),
            )
        })
        .collect();
    let from = query.from.map(to_epoch_days);
    let to = query.to.map(to_epoch_days);

    let n_by = query.by.len();

    let marks: Vec<MergedRows> = query
        .dedup_marks
        .iter()
        .map(|rule| {
            merged_rows(
                store,
                &releases,
                query.table,
                rule,
                DedupScope::CutsTogether,
            )
        })
        .collect::<Result<_, _>>()?;
    let person_rule = dedup.is_some_and(|r| r.needs_person())
        || query.dedup_marks.iter().any(|r| r.needs_person());
    let person_column = match (person_rule, def.person) {
        (true, Some(i)) => {
            let name = def.fields[i].name.as_str();
            Some(columns.iter().position(|c| *c == name).unwrap_or_else(|| {
                columns.push(name);
                columns.len() - 1
            }))
        }
        _ => None,
    };
    let marked = !query.dedup_marks.is_empty();
    let seen_records = std::sync::Mutex::new(seen_records);

    // Daily rollups stand in for the rows when every value the count reads is one a
    // rollup keeps; each rollup row then counts `rollup_rows` times.
    let use_rollups = if dedup_inert {
        rollups_answer(
            &CountQuery {
                dedup: None,
                ..query.clone()
            },
            by_record,
            no_precedence,
        )
    } else {
        rollups_answer(query, by_record, no_precedence)
    };
    let weight_at = use_rollups.map(|_| {
        columns.push(schema::ROLLUP_ROWS);
        columns.len() - 1
    });

    // Files are read in parallel, each into a tally of its own, merged in scan order. Cuts
    // of one workbook are the exception: which release counts a record depends on the
    // order releases are read in, so they are read one at a time, in order.
    let threads = if by_record { 1 } else { tally_store::cores() };
    let new_tally = |_: usize| {
        Some(FileTally {
            interners: dims_needed.iter().map(|_| Interner::new()).collect(),
            date_cache: dims_needed.iter().map(|_| DayMemo::default()).collect(),
            bucket_cache: dims_needed.iter().map(|_| BucketMemo::default()).collect(),
            filtering: FilterState::new(&filters),
            groups: GroupCounts {
                listed_from: query.listed_from.unwrap_or(0),
                ..GroupCounts::default()
            },
            use_entry: None,
            undated: 0,
            rows_merged: 0,
            rows_without_person: 0,
            records_differing: 0,
            mark_names: Interner::new(),
            overlap_rows: vec![(0, 0); precedence.overlaps().len()],
            groups_reported: 0,
            all_groups_reported: 0,
        })
    };
    let scan = TableScan::new(store, query.table, &columns).with_rollups(use_rollups);
    let scan_started = std::time::Instant::now();
    // The groups every file's tally holds in its hashed maps, summed, against
    // `--max-groups` (its dense table, at most 512 KiB, is counted once the scan ends);
    // set past it by the batch that took the sum there, whose scan then ends as a stopped
    // one (told apart from a stop asked for below).
    let groups_held = std::sync::atomic::AtomicUsize::new(0);
    let all_groups_held = std::sync::atomic::AtomicUsize::new(0);
    // The limit on every group: the limit itself, or under a key whose small groups are
    // not listed, a looser one (see `CountQuery::listed_from`).
    let hard_limit = |max: usize| match query.listed_from {
        Some(_) => max.saturating_mul(2).max(HARD_GROUPS_UNDER_A_FINE_KEY),
        None => max,
    };
    let over_budget = std::sync::atomic::AtomicBool::new(false);
    let tally_batch = |st: &mut FileTally,
                       release: &tally_store::ReleaseEntry,
                       batch: &RecordBatch| {
        let bad = |what: &str| {
            StoreError::Invalid(format!(
                "release {}: column {what} has an unexpected type",
                release.id
            ))
        };
        let dates = batch
            .column(0)
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| bad("event_date"))?;
        let text = |i: usize, name: &str| TextColumn::new(batch.column(i)).map_err(|_| bad(name));
        let aor = text(1, "aor")?;
        let aor_name = text(2, aor_field)?;
        let withheld = text(3, "withheld")?;
        let datetimes = SecondsColumn::new(batch.column(5));
        // Rows a batch row stands for: a rollup's `rollup_rows`, else 1 (a table
        // file's column reads as nulls).
        let weights = weight_at.and_then(|w| {
            batch
                .column(w)
                .as_primitive_opt::<arrow_array::types::Int64Type>()
        });
        let text_columns: Vec<Option<TextColumn>> = (0..batch.num_columns())
            .map(|i| TextColumn::new(batch.column(i)).ok())
            .collect();
        // Per dimension: interner id of each dictionary key of this batch's column.
        let check_precedence = precedence.involves(&release.id);
        let sheet = text(4, "source_sheet")?;
        let source_rows = batch
            .column(6)
            .as_primitive_opt::<arrow_array::types::Int64Type>();
        if needs_source_row && source_rows.is_none() {
            return Err(bad("source_row"));
        }
        let source_row = |i: usize| source_rows.map_or(0, |r| r.value(i));
        let records = match record_columns {
            Some(at) if precedence.by_record(&release.id) => Some((
                TextColumn::new(batch.column(at)).ok(),
                TextColumn::new(batch.column(at + 1)).ok(),
                batch
                    .column(at + 2)
                    .as_primitive_opt::<arrow_array::types::Int64Type>(),
            )),
            _ => None,
        };
        let parts: std::collections::HashMap<&str, Option<&str>> = release
            .report
            .sheets
            .iter()
            .map(|s| (s.sheet.as_str(), s.part.as_deref()))
            .collect();
        // Sheets whose events carry a time of day (the others count as "(no time)").
        let timed: Vec<&str> = release
            .report
            .sheets
            .iter()
            .filter(|s| s.table == query.table && s.event_time_rows > 0)
            .map(|s| s.sheet.as_str())
            .collect();
        let release_label = labels.get(release.id.as_str()).map_or("", String::as_str);
        let use_entry = st.use_entry.get_or_insert_with(|| ReleaseUse {
            id: release.id.clone(),
            sha256: release.report.sha256.clone(),
            file_name: release.report.file_name.clone(),
            sheets: release
                .report
                .sheets
                .iter()
                .filter(|s| s.table == query.table)
                .map(|s| s.sheet.clone())
                .collect(),
            rows_counted: 0,
            rows_shadowed: 0,
            rows_duplicate: 0,
            cut_of_workbook: precedence.by_record(&release.id),
            overlaps_another: precedence.involves(&release.id),
        });
        // Per dimension, each row's id, found a column at a time (one kind of lookup
        // over many rows, rather than every kind in turn on each row). Rows outside
        // the dates asked about are skipped: a value only they hold is never interned.
        let rows = batch.num_rows();
        let range_rows = (from.is_some() || to.is_some()).then(|| {
            let mut kept = crate::scratch::FLAGS.take(rows, false);
            for (i, kept) in kept.iter_mut().enumerate() {
                *kept = dates.is_valid(i)
                    && from.is_none_or(|f| dates.value(i) >= f)
                    && to.is_none_or(|t| dates.value(i) <= t);
            }
            kept
        });
        let in_range = |i: usize| range_rows.as_ref().is_none_or(|r| r[i]);
        // A row's id where no column-wide lookup applies: the release, the time of
        // day, plain text, and no value (withheld, an unmapped AOR, or blank).
        let row_id = |interner: &mut Interner, k: usize, i: usize| -> u32 {
            let d = &dims_needed[k];
            if *d == Dimension::Release {
                return interner.id(release_label);
            }
            if *d == Dimension::HourOfDay {
                let hour = datetimes
                    .as_ref()
                    .and_then(|t| t.get(i))
                    .filter(|_| sheet.get(i).is_some_and(|s| timed.contains(&s)))
                    .map(|seconds| seconds.rem_euclid(86_400) / 3_600);
                return match hour {
                    Some(h) => interner.id(&format!("{h:02}")),
                    None => interner.id("(no time)"),
                };
            }
            let col = dim_column[k].and_then(|c| text_columns[c].as_ref());
            if let Some(value) = col.and_then(|c| c.get(i)) {
                return match (d, scheme) {
                    (Dimension::MethodGroup, Some(s)) => interner.id(s.group_of(value)),
                    _ => interner.id(value),
                };
            }
            let name = match (d, scheme_field) {
                (Dimension::MethodGroup, Some(field)) => field,
                _ => d.withheld_field(query.table).unwrap_or(""),
            };
            let is_withheld = withheld
                .get(i)
                .is_some_and(|w| w.split('|').any(|w| w.split('=').next() == Some(name)));
            interner.id(if is_withheld {
                "(withheld)"
            } else if *d == Dimension::Aor && aor_name.get(i).is_some() {
                "(unmapped)"
            } else {
                "(blank)"
            })
        };
        let mut row_ids: Vec<crate::scratch::Buffer<u32>> = Vec::with_capacity(dims_needed.len());
        // Every row is read (no dates asked about): each dimension's ids are looked up
        // a row at a time in a table of the batch's values.
        let every_row = range_rows.is_none();
        for (k, d) in dims_needed.iter().enumerate() {
            let mut ids = crate::scratch::IDS.take(rows, SKIPPED);
            let interner = &mut st.interners[k];
            let col = dim_column[k].and_then(|c| text_columns[c].as_ref());
            if d.is_date() {
                let days = dates.values();
                let memo = &mut st.date_cache[k];
                let buckets = &mut st.bucket_cache[k];
                if every_row && dates.null_count() == 0 {
                    // One lookup a row, in a vector from the memo's first day; a day
                    // not yet held is given its id (once per day, its bucket's label
                    // once per bucket) and the lookup goes on.
                    let mut at = 0;
                    while at < rows {
                        let (start, table) = memo.span();
                        for (slot, day) in ids[at..].iter_mut().zip(&days[at..]) {
                            let id = table
                                .get(day.wrapping_sub(start) as u32 as usize)
                                .copied()
                                .unwrap_or(SKIPPED);
                            if id == SKIPPED {
                                break;
                            }
                            *slot = id;
                            at += 1;
                        }
                        if let Some(day) = days.get(at).copied() {
                            let id = day_id(d, day, interner, buckets);
                            memo.set(day, id);
                            if memo.get(day).is_none() {
                                // Too far from the days held to be kept (an absurd
                                // date): this row's id alone.
                                ids[at] = id;
                                at += 1;
                            }
                        }
                    }
                    row_ids.push(ids);
                    continue;
                }
                for (i, slot) in ids.iter_mut().enumerate() {
                    if !in_range(i) {
                        continue;
                    }
                    *slot = if dates.is_null(i) {
                        interner.id("(undated)")
                    } else {
                        let day = days[i];
                        match memo.get(day) {
                            Some(id) => id,
                            None => {
                                let id = day_id(d, day, interner, buckets);
                                memo.set(day, id);
                                id
                            }
                        }
                    };
                }
            } else if let Some(TextColumn::Dict(dict, _)) = col {
                // Each dictionary key's id, found the first time a row holds it.
                let keys = dict.keys().values();
                let mut key_ids = vec![SKIPPED; dict.values().len()];
                let mut key_id = |interner: &mut Interner, key: usize| -> u32 {
                    match key_ids.get(key) {
                        Some(id) if *id != SKIPPED => *id,
                        _ => {
                            let value = col.map_or("", |c| c.key_value(key));
                            let id = match (d, scheme) {
                                (Dimension::MethodGroup, Some(s)) => interner.id(s.group_of(value)),
                                _ => interner.id(value),
                            };
                            if let Some(memo) = key_ids.get_mut(key) {
                                *memo = id;
                            }
                            id
                        }
                    }
                };
                let nulls = dict.nulls().filter(|n| n.null_count() > 0);
                // A null cell reads the same in every row with the same withheld
                // cell and AOR name: found once per such pair where the withheld
                // column is a dictionary (each row's text otherwise).
                let mut null_ids: rustc_hash::FxHashMap<(Option<usize>, bool), u32> =
                    rustc_hash::FxHashMap::default();
                let keyed_withheld = matches!(withheld, TextColumn::Dict(..));
                let mut null_id = |interner: &mut Interner, i: usize| -> u32 {
                    if !keyed_withheld {
                        return row_id(interner, k, i);
                    }
                    let reading = (withheld.key(i), aor_name.get(i).is_some());
                    match null_ids.get(&reading) {
                        Some(id) => *id,
                        None => {
                            let id = row_id(interner, k, i);
                            null_ids.insert(reading, id);
                            id
                        }
                    }
                };
                match nulls {
                    _ if every_row => {
                        // Every key's id first (a few dozen values), then one lookup a
                        // row, then the null rows' readings.
                        let table: Vec<u32> = (0..dict.values().len())
                            .map(|key| key_id(interner, key))
                            .collect();
                        for (slot, key) in ids.iter_mut().zip(keys.iter()) {
                            *slot = match table.get(*key as usize) {
                                Some(id) => *id,
                                None => key_id(interner, *key as usize),
                            };
                        }
                        if let Some(nulls) = nulls {
                            for (at, chunk) in nulls.inner().bit_chunks().iter_padded().enumerate()
                            {
                                let mut missing = !chunk;
                                while missing != 0 {
                                    let i = at * 64 + missing.trailing_zeros() as usize;
                                    missing &= missing - 1;
                                    if let Some(slot) = ids.get_mut(i) {
                                        *slot = null_id(interner, i);
                                    }
                                }
                            }
                        }
                    }
                    nulls => {
                        for (i, slot) in ids.iter_mut().enumerate() {
                            if !in_range(i) {
                                continue;
                            }
                            if nulls.is_some_and(|n| n.is_null(i)) {
                                *slot = null_id(interner, i);
                                continue;
                            }
                            *slot = key_id(interner, keys[i] as usize);
                        }
                    }
                }
            } else {
                for (i, slot) in ids.iter_mut().enumerate() {
                    if in_range(i) {
                        *slot = row_id(interner, k, i);
                    }
                }
            }
            row_ids.push(ids);
        }
        // The row's ids by dimension; after its filters, slot `n_by` holds its marks.
        let mut key = [0u32; MAX_DIMENSIONS + 1];
        let merged_sheets = merged.as_ref().and_then(|m| m.release(&release.id));
        let mut merged_sheet: Option<(&str, Option<&crate::dedup::RowSet>)> = None;
        // A batch none of whose rows can be merged, shadowed, claimed as a record,
        // marked or asked for its person: each row in range that passes the filters
        // counts under its ids (what the loop below does for such rows, without
        // asking about each), a column at a time.
        if merged_sheets.is_none()
            && records.is_none()
            && !marked
            && !check_precedence
            && person_column.is_none()
        {
            // Rows left out: outside the dates, or failing a filter. Every filter is
            // asked about every id a row in range holds, once, so that each value's
            // "matched no row" note is true of it whatever the other filters do.
            let mut skip = range_rows.as_ref().map(|r| {
                let mut skip = crate::scratch::FLAGS.take(rows, false);
                for (skip, kept) in skip.iter_mut().zip(r.iter()) {
                    *skip = !kept;
                }
                skip
            });
            for (f, (k, allowed)) in filters.iter().enumerate() {
                let skip = skip.get_or_insert_with(|| crate::scratch::FLAGS.take(rows, false));
                let mut verdicts: Vec<Option<bool>> = vec![None; st.interners[*k].values.len()];
                for (i, id) in row_ids[*k].iter().enumerate() {
                    if !in_range(i) {
                        continue;
                    }
                    let passes = match verdicts[*id as usize] {
                        Some(passes) => passes,
                        None => {
                            let passes = st.filtering.id_passes(f, allowed, *id, &st.interners[*k]);
                            verdicts[*id as usize] = Some(passes);
                            passes
                        }
                    };
                    skip[i] |= !passes;
                }
            }
            let skipped = |i: usize| skip.as_ref().is_some_and(|s| s[i]);
            let weight = |i: usize| weights.map_or(1, |w| w.value(i).max(0) as u64);
            let bounds: Vec<u32> = st.interners.iter().map(|n| n.values.len() as u32).collect();
            let counted = st.groups.add_columns(
                rows,
                &row_ids,
                n_by,
                &bounds,
                weights.map(|w| w.values().as_ref()),
                skip.as_ref().map(|s| s.as_slice()),
            );
            match counted {
                Some(counted) => use_entry.rows_counted += counted,
                None => {
                    for i in (0..rows).filter(|i| !skipped(*i)) {
                        for (k, ids) in row_ids.iter().enumerate() {
                            key[k] = ids[i];
                        }
                        use_entry.rows_counted += weight(i);
                        st.groups.add(&key, n_by, weight(i));
                    }
                }
            }
            if dates.null_count() > 0 {
                st.undated += (0..rows)
                    .filter(|i| dates.is_null(*i) && !skipped(*i))
                    .map(weight)
                    .sum::<u64>();
            }
            return Ok(());
        }
        // The AOR key and table part precedence decides a row by.
        let precedence_place = |i: usize| {
            let aor_key = match aor.get(i) {
                Some(code) => code,
                None if aor_name.get(i).is_some() => "(unmapped)",
                None => "(blank)",
            };
            let part = sheet
                .get(i)
                .and_then(|name| parts.get(name).copied().flatten());
            (aor_key, part)
        };
        'rows: for i in 0..batch.num_rows() {
            let weight = weights.map_or(1, |w| w.value(i).max(0) as u64);
            let day = dates.is_valid(i).then(|| dates.value(i));
            if from.is_some() || to.is_some() {
                match day {
                    None => continue,
                    Some(d) if from.is_some_and(|f| d < f) || to.is_some_and(|t| d > t) => {
                        continue;
                    }
                    _ => {}
                }
            }
            for (k, ids) in row_ids.iter().enumerate() {
                key[k] = ids[i];
            }
            let passes = st.filtering.passes(&filters, &key, &st.interners);
            if !passes {
                continue 'rows;
            }
            // A row a de-duplication rule merges into another: set aside below, and
            // never standing for its source record among cuts of one workbook (every
            // copy of a merged record is merged, crate::dedup).
            let mut merged_row = false;
            if let Some(sheets) = merged_sheets
                && let Some(name) = sheet.get(i)
            {
                // Rows of a batch come from one sheet or a few: look each up once.
                let set = match merged_sheet {
                    Some((last, set)) if last == name => set,
                    _ => {
                        let set = sheets.get(name);
                        merged_sheet = Some((name, set));
                        set
                    }
                };
                merged_row = set.is_some_and(|s| s.contains(source_row(i)));
            }
            // A record already counted from another cut is a duplicate; one not yet
            // counted is claimed only once precedence lets this row count (a copy a
            // third release shadows must not keep the other cut's copy out).
            let mut record = None;
            if let Some((files, sheets, rows)) = &records {
                // The source record: DDP's pointer into ICE's workbook, else this
                // release's own file, sheet and row.
                let pointer = (
                    files.as_ref().and_then(|f| f.get(i)),
                    sheets.as_ref().and_then(|s| s.get(i)),
                    rows.filter(|r| r.is_valid(i)).map(|r| r.value(i)),
                );
                let key = match pointer {
                    (Some(f), Some(s), Some(r)) => Some(record_key(f, s, r)),
                    _ if files.as_ref().is_some_and(|f| f.get(i).is_some()) => None,
                    _ => sheet
                        .get(i)
                        .map(|s| record_key(&release.report.file_name, s, source_row(i))),
                };
                if let Some(key) = key
                    && let Some(first) = seen_records
                        .lock()
                        .ok()
                        .and_then(|seen| seen.get(&key).copied())
                {
                    use_entry.rows_duplicate += weight;
                    if first != record_says(day, aor.get(i), aor_name.get(i)) {
                        st.records_differing += weight;
                    }
                    continue;
                }
                record = key;
            }
            // The rows a rule merges are told among the rows that would count: a
            // merged copy of a record another cut already gave is a duplicate (above),
            // and a merged row of a release precedence sets aside is set aside.
            if merged_row {
                let shadowed = check_precedence && {
                    let (aor_key, part) = precedence_place(i);
                    matches!(
                        precedence.decide(&release.id, part, aor_key, day),
                        Decision::Shadowed(_)
                    )
                };
                if shadowed {
                    use_entry.rows_shadowed += weight;
                } else {
                    st.rows_merged += weight;
                    if let Some(key) = record
                        && let Ok(mut seen) = seen_records.lock()
                    {
                        seen.insert(key, record_says(day, aor.get(i), aor_name.get(i)));
                    }
                }
                continue 'rows;
            }
            let mut mask = 0u32;
            if marked && let Some(sheet) = sheet.get(i) {
                for (r, m) in marks.iter().enumerate() {
                    if m.is_merged(&release.id, sheet, source_row(i)) {
                        mask |= 1 << r;
                    }
                }
            }
            if check_precedence {
                let (aor_key, part) = precedence_place(i);
                // Both sides of every overlap the row lies in are tallied, whichever
                // release counts in the end (a third may supersede both).
                if let Some(d) = day {
                    for o in precedence.wins(&release.id, part, aor_key, d) {
                        st.overlap_rows[o].0 += weight;
                    }
                    for o in precedence.shadowed_in(&release.id, part, aor_key, d) {
                        st.overlap_rows[o].1 += weight;
                    }
                }
                if let Decision::Shadowed(_) = precedence.decide(&release.id, part, aor_key, day) {
                    use_entry.rows_shadowed += weight;
                    continue;
                }
            }
            // Locked only for a record (a lock per row was a quarter of a scan).
            if let Some(key) = record
                && let Ok(mut seen) = seen_records.lock()
            {
                seen.insert(key, record_says(day, aor.get(i), aor_name.get(i)));
            }
            use_entry.rows_counted += weight;
            if day.is_none() {
                st.undated += weight;
            }
            if let Some(c) = person_column
                && text_columns[c]
                    .as_ref()
                    .is_none_or(|ids| ids.get(i).is_none_or(str::is_empty))
            {
                st.rows_without_person += weight;
            }
            if marked {
                let names: Vec<&str> = query
                    .dedup_marks
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| mask & (1 << r) != 0)
                    .map(|(_, rule)| rule.name.as_str())
                    .collect();
                key[n_by] = st.mark_names.id(&names.join("+"));
            }
            st.groups.add(&key, n_by + usize::from(marked), weight);
        }
        Ok(())
    };
    let by_day = query.by.contains(&Dimension::Date);
    let tallies = scan
        .par_for_each(
            &releases,
            threads,
            new_tally,
            |st: &mut FileTally, release, batch: &RecordBatch| {
                tally_batch(st, release, batch)?;
                if let Some(max) = query.max_groups {
                    // A tally's hashed groups only grow.
                    let now = st.groups.limited_hashed();
                    let new = now - std::mem::replace(&mut st.groups_reported, now);
                    let held = groups_held.fetch_add(new, std::sync::atomic::Ordering::Relaxed);
                    let all_now = st.groups.hashed();
                    let all_new = all_now - std::mem::replace(&mut st.all_groups_reported, all_now);
                    let all_held =
                        all_groups_held.fetch_add(all_new, std::sync::atomic::Ordering::Relaxed);
                    if held + new > max || all_held + all_new > hard_limit(max) {
                        over_budget.store(true, std::sync::atomic::Ordering::Relaxed);
                        return Err(StoreError::Stopped);
                    }
                }
                Ok(())
            },
        )
        .map_err(|e| match (e, query.max_groups) {
            (StoreError::Stopped, Some(max))
                if over_budget.load(std::sync::atomic::Ordering::Relaxed) =>
            {
                too_many_groups(max, by_day, query.listed_from)
            }
            (e, _) => QueryError::from(e),
        })?;

    LAST_TIMING.with(|t| {
        t.set(CountTiming {
            scan: scan_started.elapsed(),
            ..t.get()
        })
    });
    // The files' tallies, merged in scan order: values are interned again in the order
    // the files were read, so the result is the same however the files were shared out.
    let mut interners: Vec<Interner> = dims_needed.iter().map(|_| Interner::new()).collect();
    let mut mark_names = Interner::new();
    // Every file's groups with the map from its ids to the merged ones, added up below
    // once every value is interned (the merged ids' bounds size the sum's table).
    let mut files: Vec<FileGroups> = Vec::new();
    let mut uses: BTreeMap<String, ReleaseUse> = BTreeMap::new();
    let mut undated = 0u64;
    let mut matched: Vec<Vec<bool>> = filters.iter().map(|(_, v)| vec![false; v.len()]).collect();
    // The spellings (interned values) each filter value matched: `mexico` may match both
    // `MEXICO` and `Mexico`, which a reader should hear about.
    let mut spellings: Vec<Vec<Vec<u32>>> = filters
        .iter()
        .map(|(_, v)| vec![Vec::new(); v.len()])
        .collect();
    let mut rows_merged = 0u64;
    let mut rows_without_person = 0u64;
    let mut records_differing = 0u64;
    let mut overlap_rows: Vec<(u64, u64)> = vec![(0, 0); precedence.overlaps().len()];
    for st in tallies.into_iter().flatten() {
        stop_if_asked()?;
        let ids: Vec<Vec<u32>> = st
            .interners
            .iter()
            .zip(interners.iter_mut())
            .map(|(theirs, ours)| theirs.values.iter().map(|v| ours.id(v)).collect())
            .collect();
        let mark_ids: Vec<u32> = st
            .mark_names
            .values
            .iter()
            .map(|v| mark_names.id(v))
            .collect();
        if let Some(u) = st.use_entry {
            match uses.get_mut(&u.id) {
                Some(ours) => {
                    ours.rows_counted += u.rows_counted;
                    ours.rows_shadowed += u.rows_shadowed;
                    ours.rows_duplicate += u.rows_duplicate;
                }
                None => {
                    uses.insert(u.id.clone(), u);
                }
            }
        }
        undated += st.undated;
        rows_merged += st.rows_merged;
        rows_without_person += st.rows_without_person;
        records_differing += st.records_differing;
        for (f, (k, _)) in filters.iter().enumerate() {
            for (p, seen) in st.filtering.matched[f].iter().enumerate() {
                matched[f][p] |= *seen;
                for id in &st.filtering.spellings[f][p] {
                    let ours = ids[*k][*id as usize];
                    if !spellings[f][p].contains(&ours) {
                        spellings[f][p].push(ours);
                    }
                }
            }
        }
        for (ours, theirs) in overlap_rows.iter_mut().zip(&st.overlap_rows) {
            ours.0 += theirs.0;
            ours.1 += theirs.1;
        }
        // A group's key: the `--by` dimensions' ids (the filters' dimensions past them
        // are no part of it), then the marks'.
        let mut ids = ids;
        ids.truncate(n_by);
        if marked {
            ids.push(mark_ids);
        }
        files.push(FileGroups {
            groups: st.groups,
            ids,
        });
    }

    // The result stays keyed by interned ids until its groups are built: the grid, the
    // vocabulary marks and each cell's coverage are found by id (thousands of cells share
    // a few hundred dates and AORs), and the cells are put in order once, at the end.
    stop_if_asked()?;
    if let Some(max) = query.max_groups
        && (files.iter().map(|f| f.groups.limited_len()).sum::<usize>() > max
            || files.iter().map(|f| f.groups.len()).sum::<usize>() > hard_limit(max))
    {
        return Err(too_many_groups(max, by_day, query.listed_from));
    }
    let mut cells = add_up(files, &interners[..n_by], marked.then_some(&mark_names))?;
    let total = cells.values().sum();
    let mut notes = other_tables;
    let applied: Vec<(&str, &MergedRows)> = dedup
        .iter()
        .map(|r| r.name.as_str())
        .zip(merged.iter())
        .chain(
            query
                .dedup_marks
                .iter()
                .map(|r| r.name.as_str())
                .zip(marks.iter()),
        )
        .collect();
    for (name, m) in applied {
        for (file, why) in &m.not_applied {
            notes.push(format!(
                "the {name} rule is not applied to {file}: {why}; its rows count as released"
            ));
        }
    }
    // An hour of day asked about is known only where a release records times: the days of
    // the others are not covered for it (their rows' hours are unknown, not zero).
    let asks_hours = query.filters.iter().any(|(d, values)| {
        *d == Dimension::HourOfDay && values.iter().all(|v| v.trim() != "(no time)")
    });
    let timed = |r: &&ReleaseEntry| {
        r.report
            .sheets
            .iter()
            .any(|s| s.table == query.table && s.event_time_rows > 0)
    };
    let covering: Vec<&ReleaseEntry> = if asks_hours {
        releases.iter().copied().filter(timed).collect()
    } else {
        releases.clone()
    };
    if asks_hours && covering.len() < releases.len() {
        notes.push(format!(
            "{} of the {} releases read record no time of day: their days are not covered for --where hour-of-day (each of their rows is \"(no time)\")",
            releases.len() - covering.len(),
            releases.len()
        ));
    }
    stop_if_asked()?;
    // Kept beside the manifest for a server's next query of the same releases.
    let coverage_of = |releases: &[&ReleaseEntry]| {
        let ids: Vec<&str> = releases.iter().map(|r| r.id.as_str()).collect();
        store
            .memo()
            .get_or_make(&format!("coverage {} {ids:?}", query.table), || {
                CoverageMap::of(releases, query.table, &precedence)
            })
    };
    let cover = coverage_of(&covering);
    // The days and AORs asked about are those of every release read, covered or not.
    let read_cover = (covering.len() < releases.len()).then(|| coverage_of(&releases));
    let asked = Asked::of(query, read_cover.as_ref().unwrap_or(&cover));
    // Releases whose rows cover no day at all (one facility's extract alone): their rows'
    // cells are rows of releases that claim no days, said so as a cell's coverage.
    let nothing_covered = cover.aors().is_empty() && !query.table.def().reference;
    for (f, (dim, values)) in query.filters.iter().enumerate() {
        for (p, value) in values.iter().enumerate() {
            let (k, _) = &filters[f];
            let mut found: Vec<&str> = spellings[f][p]
                .iter()
                .map(|id| interners[*k].values[*id as usize].as_str())
                .collect();
            if found.len() > 1 {
                found.sort_unstable();
                notes.push(format!(
                    "--where {}={value} matched {} spellings, counted together: {}",
                    dim.name(),
                    found.len(),
                    found.join(", ")
                ));
            }
        }
    }
    for ((dim, values), seen) in query.filters.iter().zip(&matched) {
        let missing: Vec<&String> = values
            .iter()
            .zip(seen)
            .filter(|(_, s)| !**s)
            // An AOR, or days, no release covers in the range are said by the coverage
            // notes.
            .filter(|_| {
                !dim.is_date()
                    || asked
                        .as_ref()
                        .is_none_or(|a| a.range_coverage(&cover) != CellCoverage::NotCovered)
            })
            .filter(|(v, _)| {
                *dim != Dimension::Aor
                    || asked.as_ref().is_none_or(|a| {
                        let code = Dimension::Aor.normalize_value(query.table, v);
                        cover.covered_days(&code, a.first, a.last) > 0
                    })
            })
            .map(|(v, _)| v)
            .collect();
        if !missing.is_empty() {
            let list: Vec<&str> = missing.iter().map(|v| v.as_str()).collect();
            notes.push(format!(
                "--where {}={} matched no {} row in the days counted (values are matched as printed by --by {})",
                dim.name(),
                list.join(","),
                query.table,
                dim.name()
            ));
        }
    }
    // A release of a table with AORs whose rows hold none (no AOR column, or every AOR
    // blank or withheld) covers its days for no AOR in particular: said, with its days.
    if query.table.def().aor.is_some() {
        for r in &releases {
            let spans = r.coverage(query.table);
            if spans.is_empty() || !spans.keys().all(|(_, aor)| crate::coverage::is_no_aor(aor)) {
                continue;
            }
            // Its days less those a release giving AORs counts for in its place.
            let own: Vec<(NaiveDate, NaiveDate)> = spans
                .iter()
                .flat_map(|((part, _), span)| {
                    precedence.without_shadowed_rows_without_aor(&r.id, part, vec![*span])
                })
                .collect();
            if own.is_empty() {
                notes.push(format!(
                    "{} gives no AOR for any of its rows, and on all its days a release giving AORs counts in its place (`tally status` lists where)",
                    r.report.file_name
                ));
                continue;
            }
            let first = own.iter().map(|s| s.0).min();
            let last = own.iter().map(|s| s.1).max();
            if let (Some(first), Some(last)) = (first, last) {
                notes.push(format!(
                    "{} gives no AOR for any of its rows: it covers {first}..{last} for no AOR in particular (counted as {}), so days it does not cover print \"not covered\" but what it covers cannot be placed by AOR",
                    r.report.file_name,
                    crate::coverage::AOR_NOT_GIVEN
                ));
            }
        }
    }
    // Coverage: which asked-for AOR-days no release covers, and each cell's share.
    let mut coverage_gaps = Vec::new();
    if let Some(asked) = &asked {
        let gaps = asked
            .spans
            .iter()
            .flat_map(|&(first, last)| cover.gaps_by_range(&asked.aors, first, last));
        for ((first, last), aors) in gaps {
            // A table without AORs lists none in its gaps.
            let aors = aors
                .into_iter()
                .filter(|a| a != crate::coverage::WHOLE_TABLE)
                .collect();
            coverage_gaps.push(CoverageGap { first, last, aors });
        }
        notes.extend(gap_notes(query.table, &coverage_gaps, &asked.aors));
        let gridded =
            !query.by.is_empty() && query.by.iter().all(|d| d.is_date() || *d == Dimension::Aor);
        match asked.grid(query, &cover) {
            Some(grid) => {
                for cell in grid {
                    let mut key = [0u32; MAX_DIMENSIONS + 1];
                    for (k, value) in cell.iter().enumerate() {
                        key[k] = interners[k].id(value);
                    }
                    if marked {
                        key[n_by] = mark_names.id("");
                    }
                    cells.entry(key).or_insert(0);
                }
            }
            // Past the bound, cells without rows are not listed: said, not left silent.
            None if gridded => notes.push(format!(
                "more than {MAX_GRID_CELLS} cells were asked about: only cells with rows are listed (cells with no rows, 0 or not covered, are left out; the coverage notes say which days no release covers); narrow the dates or AORs to list every cell"
            )),
            None => {}
        }
        // A count with no dimensions is one cell, rows or none: with none, it is still
        // listed, so that its coverage (0 over days partly covered) is printed beside it.
        if n_by == 0 && !marked && cells.is_empty() {
            cells.insert([0u32; MAX_DIMENSIONS + 1], 0);
        }
    }
    // A range that starts or ends inside a week, month or fiscal year cuts that bucket
    // short: its count is of the days asked about, which the bucket's label hides. The
    // range is `--from`/`--to`'s, narrowed by the date filters (`--by week --where
    // month=2019-02` cuts the weeks at either end of February).
    let (range_from, range_to) = asked
        .as_ref()
        .map_or((query.from, query.to), |a| (a.from, a.to));
    let start_word = if range_from == query.from {
        "--from falls"
    } else {
        "the days asked about start"
    };
    let end_word = if range_to == query.to {
        "--to falls"
    } else {
        "the days asked about end"
    };
    let both_words = if range_from == query.from && range_to == query.to {
        "--from and --to fall"
    } else {
        "the days asked about start and end"
    };
    for d in query
        .by
        .iter()
        .filter(|d| d.is_date() && **d != Dimension::Date)
    {
        let unit = match d {
            Dimension::Week => "week",
            Dimension::Month => "month",
            _ => "fiscal-year",
        };
        let label = |d: Dimension, day: NaiveDate| match d {
            Dimension::Fy => d.render_date(day),
            _ => format!("{unit} {}", d.render_date(day)),
        };
        let last_of = |day: NaiveDate| d.bucket_bounds(day).1;
        // Days asked about in pieces (`--where date=2014-01-06,2016-01-04`): each bucket
        // they cut says which of its days it counts.
        if let Some(spans) = asked.as_ref().map(|a| &a.spans).filter(|s| s.len() > 1) {
            let mut per_bucket: Vec<(NaiveDate, Vec<String>)> = Vec::new();
            for &(first, last) in spans {
                let mut day = first;
                while day <= last {
                    let (start, end) = d.bucket_bounds(day);
                    let piece_end = end.min(last);
                    if day != start || piece_end != end {
                        let piece = format!("{day}..{piece_end}");
                        match per_bucket.last_mut() {
                            Some((s, pieces)) if *s == start => pieces.push(piece),
                            _ => per_bucket.push((start, vec![piece])),
                        }
                    }
                    let Some(next) = piece_end.succ_opt() else {
                        break;
                    };
                    day = next;
                }
            }
            for (start, pieces) in per_bucket {
                notes.push(format!(
                    "{} counts only {} (the days asked about cut it)",
                    label(*d, start),
                    pieces.join(", ")
                ));
            }
            continue;
        }
        let cut_from = range_from.filter(|f| d.bucket_start(*f) != *f);
        let cut_to = range_to.filter(|t| last_of(*t) != *t);
        match (cut_from, cut_to) {
            (Some(from), Some(to)) if d.bucket_start(from) == d.bucket_start(to) => {
                notes.push(format!(
                    "{} counts only {from}..{to} ({both_words} mid-{unit})",
                    label(*d, from)
                ));
            }
            (from, to) => {
                if let Some(from) = from {
                    notes.push(format!(
                        "{} counts only {from}..{} ({start_word} mid-{unit})",
                        label(*d, from),
                        last_of(from)
                    ));
                }
                if let Some(to) = to {
                    notes.push(format!(
                        "{} counts only {}..{to} ({end_word} mid-{unit})",
                        label(*d, to),
                        d.bucket_start(to)
                    ));
                }
            }
        }
    }
    // Partial last days of the releases that counted rows, inside the range.
    let partial_days: Vec<PartialDayUse> = releases
        .iter()
        .filter(|r| uses.get(&r.id).is_some_and(|u| u.rows_counted > 0))
        .flat_map(|r| {
            let days = store
                .memo()
                .get_or_make(&format!("partial days {} {}", query.table, r.id), || {
                    r.partial_days(query.table)
                });
            (0..days.len()).map(move |i| PartialDayUse {
                file_name: r.report.file_name.clone(),
                release: r.id.clone(),
                part: days[i].0.clone(),
                day: days[i].1,
            })
        })
        .filter(|p| {
            query.from.is_none_or(|f| p.day.date >= f) && query.to.is_none_or(|t| p.day.date <= t)
        })
        .collect();
    // A cell of a date dimension (day, week, month, FY) whose days hold a partial last day
    // is marked: its count is likely low. Without a date dimension, the note says it.
    // Found once per date bucket: thousands of cells share a few hundred.
    let by_date = query.by.iter().any(|d| d.is_date()) && !partial_days.is_empty();
    // The days of each cell's date buckets, found once per bucket (by the ids of its
    // date values), for its partial-day mark and its coverage alike.
    let date_dims: Vec<usize> = (0..n_by).filter(|k| query.by[*k].is_date()).collect();
    let mut days_memo: rustc_hash::FxHashMap<
        [u32; MAX_DIMENSIONS + 1],
        Option<(NaiveDate, NaiveDate)>,
    > = rustc_hash::FxHashMap::default();
    let mut cell_days = |key: &[u32; MAX_DIMENSIONS + 1], values: &[String]| {
        let mut dates = [0u32; MAX_DIMENSIONS + 1];
        for k in &date_dims {
            dates[*k] = key[*k];
        }
        *days_memo
            .entry(dates)
            .or_insert_with(|| asked.as_ref().and_then(|a| a.cell_days(query, values)))
    };
    let holds_partial_day = |days: Option<(NaiveDate, NaiveDate)>| -> bool {
        by_date
            && days.is_some_and(|(first, last)| {
                partial_days
                    .iter()
                    .any(|p| first <= p.day.date && p.day.date <= last)
            })
    };
    // A series of a categorical field by one date dimension: each value's buckets before
    // its first date or after its last (in the releases counted) say so instead of
    // leaving a gap a reader would fill with zeros; covered buckets in between are true
    // zeros.
    let mut marks: rustc_hash::FxHashMap<[u32; MAX_DIMENSIONS + 1], VocabularyMark> =
        rustc_hash::FxHashMap::default();
    if let (Some(asked), [a, b]) = (&asked, query.by.as_slice()) {
        let (date_at, field_at) = match (a.is_date(), b.is_date()) {
            (true, false) => (0, 1),
            (false, true) => (1, 0),
            _ => (usize::MAX, usize::MAX),
        };
        if let (true, Dimension::Field(field)) = (date_at != usize::MAX, query.by[field_at.min(1)])
        {
            let date_dim = query.by[date_at];
            // Each counted release's values that start or stop inside it (one rule:
            // tally_catalog::vocabulary), their dates widened over the releases.
            let mut spans: BTreeMap<String, (NaiveDate, NaiveDate)> = BTreeMap::new();
            // Each value's first and last date in any release counted: a value that stops
            // inside one release and is used again in the next (GERMANY, absent from the
            // last weeks of one FY's file, present in the next FY's) did not stop.
            let mut in_use: BTreeMap<String, (NaiveDate, NaiveDate)> = BTreeMap::new();
            for r in releases
                .iter()
                .filter(|r| uses.get(&r.id).is_some_and(|u| u.rows_counted > 0))
            {
                let sheets: Vec<_> = r
                    .report
                    .sheets
                    .iter()
                    .filter(|s| s.table == query.table)
                    .collect();
                let mut values: Vec<tally_catalog::ValueSpan> = Vec::new();
                for v in sheets
                    .iter()
                    .flat_map(|s| s.value_spans.get(field).into_iter().flatten())
                {
                    match values.iter_mut().find(|x| x.value == v.value) {
                        Some(x) => {
                            x.first = x.first.min(v.first);
                            x.last = x.last.max(v.last);
                            x.rows += v.rows;
                        }
                        None => values.push(v.clone()),
                    }
                }
                for v in &values {
                    let e = in_use.entry(v.value.clone()).or_insert((v.first, v.last));
                    e.0 = e.0.min(v.first);
                    e.1 = e.1.max(v.last);
                }
                let first = sheets.iter().filter_map(|s| s.first_date).min();
                let last = sheets.iter().filter_map(|s| s.last_date).max();
                let (Some(first), Some(last)) = (first, last) else {
                    continue;
                };
                for c in tally_catalog::vocabulary::changes(&values, first, last) {
                    let e = spans.entry(c.value).or_insert((c.first, c.last));
                    e.0 = e.0.min(c.first);
                    e.1 = e.1.max(c.last);
                }
            }
            for (value, span) in spans.iter_mut() {
                if let Some((first, last)) = in_use.get(value) {
                    span.0 = span.0.min(*first);
                    span.1 = span.1.max(*last);
                }
            }
            let seen: rustc_hash::FxHashSet<u32> = cells.keys().map(|k| k[field_at]).collect();
            let mut buckets: Vec<String> = Vec::new();
            let mut days = asked
                .spans
                .iter()
                .flat_map(|&(first, last)| first.iter_days().take_while(move |d| *d <= last));
            while let Some(day) = days.next()
                && buckets.len() <= MAX_GRID_CELLS
            {
                let label = date_dim.render_date(day);
                if buckets.last() != Some(&label) {
                    buckets.push(label);
                }
            }
            // Each bucket's id and first and last day, found once (not once per value).
            let buckets: Vec<(u32, (NaiveDate, NaiveDate))> = buckets
                .into_iter()
                .filter_map(|label| {
                    date_bucket(date_dim, &label).map(|b| (interners[date_at].id(&label), b))
                })
                .collect();
            for (value, (first, last)) in &spans {
                let Some(value_id) = interners[field_at]
                    .ids
                    .get(value.as_str())
                    .copied()
                    .filter(|id| seen.contains(id))
                else {
                    continue;
                };
                for (label, (bf, bl)) in buckets.iter().map(|(l, b)| (*l, *b)) {
                    let mark = if bf > *last {
                        VocabularyMark::Discontinued
                    } else if bl < *first {
                        VocabularyMark::NotYetInUse
                    } else {
                        continue;
                    };
                    let mut key = [0u32; MAX_DIMENSIONS + 1];
                    key[date_at] = label;
                    key[field_at] = value_id;
                    if marked {
                        key[n_by] = mark_names.id("");
                    }
                    if cells.contains_key(&key) {
                        continue;
                    }
                    marks.insert(key, mark);
                    cells.insert(key, 0);
                }
            }
        }
    }
    if !marks.is_empty() {
        notes.push(
            "\"discontinued\" and \"not yet in use\" mark buckets after a value's last date or before its first in the releases counted (ICE's vocabulary changed; tally status lists the changes), where a reader would otherwise see no rows"
                .to_string(),
        );
    }
    // Groups in printed order, sorted by each value's rank among its dimension's values
    // (integers) rather than by the texts themselves (a third of a 16,000-group count).
    let rank_of = |values: &[String]| -> Vec<u32> {
        let mut order: Vec<u32> = (0..values.len() as u32).collect();
        order.sort_unstable_by(|a, b| values[*a as usize].cmp(&values[*b as usize]));
        let mut rank = vec![0u32; values.len()];
        for (r, id) in order.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        rank
    };
    let mut ranks: Vec<Vec<u32>> = interners[..n_by]
        .iter()
        .map(|n| rank_of(&n.values))
        .collect();
    if marked {
        ranks.push(rank_of(&mark_names.values));
    }
    stop_if_asked()?;
    let ordered = in_printed_order(cells, &ranks);
    // A cell's coverage depends on its date buckets and AOR alone: found once for each
    // (thousands of citizenship × month cells share a few hundred).
    let mut coverage_memo: rustc_hash::FxHashMap<[u32; MAX_DIMENSIONS + 1], CellCoverage> =
        rustc_hash::FxHashMap::default();
    let coverage_of: Vec<usize> = query
        .by
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_date() || **d == Dimension::Aor)
        .map(|(i, _)| i)
        .collect();
    stop_if_asked()?;
    let groups: Vec<Group> = ordered
        .into_iter()
        .enumerate()
        .map(|(i, (key, count))| {
            if i % 65_536 == 65_535 {
                stop_if_asked()?;
            }
            let mut values: Vec<String> = (0..n_by)
                .map(|k| interners[k].values[key[k] as usize].clone())
                .collect();
            if marked {
                values.push(mark_names.values[key[n_by] as usize].clone());
            }
            let days = cell_days(&key, &values);
            let mut place = [0u32; MAX_DIMENSIONS + 1];
            for k in &coverage_of {
                place[*k] = key[*k];
            }
            let coverage = match &asked {
                Some(asked) => *coverage_memo
                    .entry(place)
                    .or_insert_with(|| asked.cell_coverage(query, &cover, days, &values)),
                None if nothing_covered => CellCoverage::NotCovered,
                None => CellCoverage::Full,
            };
            Ok(Group {
                incomplete: holds_partial_day(days),
                vocabulary: marks.get(&key).copied(),
                values,
                count,
                coverage,
            })
        })
        .collect::<Result<_, QueryError>>()?;
    // Only the overlaps that touch the days and AORs asked about matter to this result (a
    // count of Chicago had listed Seattle's).
    let aor_filter: Option<&Vec<String>> = query
        .filters
        .iter()
        .find(|(d, _)| *d == Dimension::Aor)
        .map(|(_, v)| v);
    let overlaps: Vec<OverlapUse> = precedence
        .overlaps()
        .iter()
        .zip(&overlap_rows)
        .filter(|(o, (w, l))| {
            (w + l > 0)
                || (asked
                    .as_ref()
                    .is_none_or(|a| o.last >= a.first && o.first <= a.last)
                    && aor_filter.is_none_or(|asked| {
                        asked.iter().any(|a| {
                            Dimension::Aor
                                .normalize_value(query.table, a)
                                .eq_ignore_ascii_case(&o.aor)
                        })
                    }))
        })
        .map(|(o, (w, l))| OverlapUse {
            overlap: o.clone(),
            winner_rows: *w,
            shadowed_rows: *l,
        })
        .collect();
    // `--where release=` keeps rows after precedence: a release set aside on some days
    // counts nothing there, and an overlap's two sides, one of them filtered out, would
    // read as a disagreement.
    let release_filtered = query.filters.iter().any(|(d, _)| *d == Dimension::Release);
    // (Said wherever the releases read overlap at all, whatever rows the query holds.)
    if release_filtered && !precedence.overlaps().is_empty() {
        notes.push(
            "--where release= keeps the rows of the releases named that precedence counts: on days another release counts instead, they count nothing here, which is no zero of theirs; `--release` counts releases as if no other were in the store".into(),
        );
    }
    for o in overlaps
        .iter()
        .filter(|o| o.disagrees() && !release_filtered)
    {
        notes.push(format!(
            "{} and {} disagree on {} {} {}..{}: {} rows in the first (counted), {} in the second (set aside by precedence: {})",
            o.overlap.winner,
            o.overlap.shadowed,
            query.table,
            o.overlap.aor,
            o.overlap.first,
            o.overlap.last,
            COUNT_MARK,
            COUNT_MARK,
            o.overlap.reason
        ));
    }
    // An extract of one state's rows holds only that state's part of an AOR reaching
    // beyond it (Washington's arrests of Seattle's AK, OR and WA): said beside counts of
    // it, so that its figures are not set beside an AOR-wide release's as like for like.
    // (Said from the release's AORs alone, whatever rows the query counts: said only where
    // rows count, it would tell none from some under a fine key.)
    let asked_aors: Option<&Vec<String>> = query
        .filters
        .iter()
        .find(|(d, _)| *d == Dimension::Aor)
        .map(|(_, v)| v);
    // Said for a release whose days meet the days asked (from its report, as `status`
    // shows them: a Chicago count of FY2019 had carried the note of a 2023-2025 extract).
    let meets_asked = |r: &ReleaseEntry| {
        asked.as_ref().is_none_or(|a| {
            r.extent(query.table)
                .values()
                .any(|(f, l)| *f <= a.last && a.first <= *l)
        })
    };
    let mut state_extracts: Vec<StateExtractUse> = Vec::new();
    for r in releases.iter().filter(|r| meets_asked(r)) {
        let Some((state, beyond)) = r.report.extract_beyond(query.table) else {
            continue;
        };
        let beyond: Vec<&(String, String)> = beyond
            .iter()
            .filter(|(aor, _)| {
                asked_aors.is_none_or(|asked| asked.iter().any(|a| a.eq_ignore_ascii_case(aor)))
            })
            .collect();
        let extent = r.extent(query.table);
        if let (Some(first), Some(last)) = (
            extent.values().map(|s| s.0).min(),
            extent.values().map(|s| s.1).max(),
        ) && !beyond.is_empty()
        {
            state_extracts.push(StateExtractUse {
                release: store.manifest().release_label(r),
                state: state.to_string(),
                aors: beyond.iter().map(|(aor, _)| aor.clone()).collect(),
                first,
                last,
            });
        }
        let beyond: Vec<String> = beyond
            .iter()
            .map(|(aor, states)| format!("{aor} ({states})"))
            .collect();
        if !beyond.is_empty() {
            notes.push(format!(
                "{} holds only the {} whose {} is {state}: its rows of {} are {state}'s part of those AORs, not their whole count",
                store.manifest().release_label(r),
                query.table,
                def.event_state.map_or("state", |f| def.fields[f].name.as_str()),
                beyond.join(", ")
            ));
        }
    }
    // An extract of one place's records covers no AOR (`SheetReport::one_place`): its
    // rows count on days that print as not covered, and the note says why.
    for r in releases.iter().filter(|r| meets_asked(r)) {
        let places: std::collections::BTreeSet<(&str, &str)> = r
            .report
            .sheets
            .iter()
            .filter(|s| s.table == query.table)
            .filter_map(|s| s.one_place())
            .collect();
        for (field, value) in places {
            notes.push(format!(
                "{} holds only the {} whose {field} is {value:?}: an extract of one place's records, it covers no AOR's days (its rows count, on days that print \"not covered\")",
                store.manifest().release_label(r),
                query.table
            ));
        }
    }
    // Two versions of one file covering the same days: the ingest order decided which
    // counts, which is no sign of which is the newer. Said once per pair, with the way
    // to choose.
    let mut versions: Vec<(&str, &str)> = Vec::new();
    for o in overlaps
        .iter()
        .filter(|o| o.winner_rows + o.shadowed_rows > 0 && o.overlap.reason == INGESTED_FIRST)
    {
        let pair = (o.overlap.winner_id.as_str(), o.overlap.shadowed_id.as_str());
        let release = |id: &str| releases.iter().find(|r| r.id == id).copied();
        let (Some(winner), Some(shadowed)) = (release(pair.0), release(pair.1)) else {
            continue;
        };
        if !crate::precedence::versions(winner, shadowed, query.table) || versions.contains(&pair) {
            continue;
        }
        versions.push(pair);
        notes.push(format!(
            "{} and {} are two versions of one file covering the same days: where they overlap the first counts because it was ingested first, which says nothing of which is newer; if the second is the newer version, `tally prefer {} --table {}` makes it count",
            o.overlap.winner, o.overlap.shadowed, pair.1, query.table
        ));
    }
    // Releases dating the table's events by different fields (removals: the national
    // files by removal date, the UW v. DHS workbook by departed date): where precedence
    // passes from one to the other, a record dated differently in each lands on both
    // sides of the day or on neither (96 Seattle removals of FY2019's national file,
    // dated from 2018-10-01 on, had departed before it). Said once per pair.
    let event_field = |r: &ReleaseEntry| -> Option<&str> {
        let sheets: Vec<&tally_catalog::SheetReport> = r
            .report
            .sheets
            .iter()
            .filter(|s| s.table == query.table)
            .collect();
        def.event
            .iter()
            .map(|&f| def.fields[f].name.as_str())
            .find(|name| sheets.iter().any(|s| s.has_field(name)))
    };
    // By field, the releases of overlaps dated apart (a release in one list once).
    let mut dated_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for o in overlaps
        .iter()
        .filter(|o| def.event.len() > 1 && o.winner_rows + o.shadowed_rows > 0)
    {
        let release = |id: &str| releases.iter().find(|r| r.id == id).copied();
        let (Some(winner), Some(shadowed)) = (
            release(&o.overlap.winner_id),
            release(&o.overlap.shadowed_id),
        ) else {
            continue;
        };
        let (Some(winner_field), Some(shadowed_field)) =
            (event_field(winner), event_field(shadowed))
        else {
            continue;
        };
        if winner_field == shadowed_field {
            continue;
        }
        for (field, label) in [
            (winner_field, o.overlap.winner.as_str()),
            (shadowed_field, o.overlap.shadowed.as_str()),
        ] {
            let labels = dated_by.entry(field).or_default();
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    if !dated_by.is_empty() {
        let by: Vec<String> = dated_by
            .iter()
            .map(|(field, labels)| format!("by {field} in {}", labels.join(", ")))
            .collect();
        notes.push(format!(
            "{} are dated {}, and these releases overlap: where precedence passes from one to another, a record whose two dates fall on either side of that day is counted by both or by neither (`tally status` gives where each counts)",
            query.table,
            by.join("; ")
        ));
    }
    let total_coverage = match &asked {
        Some(asked) => asked.range_coverage(&cover),
        // No release read holds the table (or, for an hour of day, records times): nothing
        // is covered.
        None if covering.is_empty() || nothing_covered => CellCoverage::NotCovered,
        None => CellCoverage::Full,
    };
    let mut dimensions: Vec<String> = query.by.iter().map(|d| d.name()).collect();
    if marked {
        dimensions.push(MERGED_BY.to_string());
    }
    let pinned = pinned_within(query, asked.as_ref(), read_cover.as_ref().unwrap_or(&cover));
    // Where a key is so fine that its small groups are not listed, every release read is
    // listed, rows or none: which ones hold rows would tell none from some.
    let attributes: Vec<&str> = dimensions
        .iter()
        .chain(&pinned)
        .map(String::as_str)
        .collect();
    let every_release = !tally_model::disclosure::lists_small_groups(&attributes);
    Ok(CountResult {
        table: query.table,
        dimensions,
        groups,
        total,
        total_coverage,
        // In ingest order, as `status` lists them.
        releases: releases
            .iter()
            .filter_map(|r| uses.remove(&r.id))
            .filter(|u| every_release || u.rows_counted + u.rows_shadowed + u.rows_duplicate > 0)
            .collect(),
        overlaps,
        undated_rows: undated,
        coverage_gaps,
        partial_days,
        notes,
        state_extracts,
        dedup: dedup.map(|rule| DedupUse {
            rule: rule.name.clone(),
            title: rule.title.clone(),
            source: rule.source.clone(),
            rows_merged,
            not_applied: merged
                .as_ref()
                .map(|m| m.not_applied.clone())
                .unwrap_or_default(),
            flag_check: merged.as_ref().and_then(|m| m.flag_check),
        }),
        rows_without_person: person_rule.then_some(rows_without_person),
        pinned,
        records_differing,
    })
}

/// The cells in printed order: by the rank of each key's first id among its dimension's
/// values (`ranks[k][id]`), then the second's, and so on. Where every combination of
/// ranks fits a small table (a few hundred thousand slots, or four per cell) each cell is
/// put in its slot and the table read in order, with no comparisons (sorting 16,000 cells
/// of 64 bytes was a tenth of a large count); past that, sorted by the ranks packed into
/// one integer (one comparison of integers per pair however many dimensions), or by the
/// ranks themselves when they do not fit 128 bits.
fn in_printed_order(
    cells: rustc_hash::FxHashMap<[u32; MAX_DIMENSIONS + 1], u64>,
    ranks: &[Vec<u32>],
) -> Vec<([u32; MAX_DIMENSIONS + 1], u64)> {
    let cells: Vec<([u32; MAX_DIMENSIONS + 1], u64)> = cells.into_iter().collect();
    let radix: Vec<usize> = ranks.iter().map(|r| r.len().max(1)).collect();
    let slots = radix
        .iter()
        .try_fold(1usize, |p, b| p.checked_mul(*b))
        .filter(|p| *p <= (1 << 18).max(4 * cells.len()));
    if let Some(slots) = slots {
        let mut at_slot = vec![u32::MAX; slots];
        for (i, (key, _)) in cells.iter().enumerate() {
            let at = ranks
                .iter()
                .zip(&radix)
                .enumerate()
                .fold(0, |at, (k, (rank, b))| {
                    at * b + rank[key[k] as usize] as usize
                });
            at_slot[at] = i as u32;
        }
        return at_slot
            .into_iter()
            .filter(|i| *i != u32::MAX)
            .map(|i| cells[i as usize])
            .collect();
    }
    let rank_bits: Vec<u32> = ranks
        .iter()
        .map(|r| usize::BITS - r.len().leading_zeros())
        .collect();
    let ranked_key = |key: &[u32; MAX_DIMENSIONS + 1]| {
        let mut ranked = [0u32; MAX_DIMENSIONS + 1];
        for (k, rank) in ranks.iter().enumerate() {
            ranked[k] = rank[key[k] as usize];
        }
        ranked
    };
    if rank_bits.iter().sum::<u32>() > u128::BITS {
        let mut cells = cells;
        cells.sort_unstable_by_key(|(key, _)| ranked_key(key));
        return cells;
    }
    let mut packed: Vec<(u128, [u32; MAX_DIMENSIONS + 1], u64)> = cells
        .into_iter()
        .map(|(key, n)| {
            let ranked = ranks
                .iter()
                .zip(&rank_bits)
                .enumerate()
                .fold(0u128, |p, (k, (rank, bits))| {
                    (p << bits) | u128::from(rank[key[k] as usize])
                });
            (ranked, key, n)
        })
        .collect();
    packed.sort_unstable_by_key(|(ranked, _, _)| *ranked);
    packed.into_iter().map(|(_, key, n)| (key, n)).collect()
}

/// One file's groups, under the ids of the file's own interners, and for each of its
/// key's ids (the dimensions', then the de-duplication marks') the map from the file's
/// ids to the merged ones.
struct FileGroups {
    groups: GroupCounts,
    ids: Vec<Vec<u32>>,
}

/// The refusal of a count holding more than `max` groups ([`CountQuery::max_groups`],
/// [`crate::stays::StayQuery::max_groups`]); `by_day`: whether it is keyed by day, where
/// a month or week is the coarser key to suggest. Worded for a page as for a terminal:
/// the limit is `tally serve`'s or one given to `tally count`.
///
/// `listed_from`: where small groups are not listed, the rows from which a group is (the
/// limit holds those groups; see [`CountQuery::listed_from`]).
pub fn too_many_groups(max: usize, by_day: bool, listed_from: Option<u64>) -> QueryError {
    let coarser = if by_day {
        " (month or week rather than date)"
    } else {
        ""
    };
    let groups = if max == 1 { "group" } else { "groups" };
    let which = match listed_from {
        Some(t) => format!("of {t} or more (the groups it would list)"),
        None => "(before groups under the small-cell limit are hidden)".to_string(),
    };
    QueryError::Invalid(format!(
        "the count holds more than {max} {groups} {which}, the most allowed here: group by fewer or coarser dimensions{coarser}, filter, or narrow the dates (the limit is the server's, or --max-groups given to `tally count`, which otherwise has none)"
    ))
}

/// The groups of every file added up under the merged ids of `interners` (and, for a
/// count by de-duplication marks, `marks` after them); a key's slots past its own ids are
/// 0. Where every key fits a small table (a few hundred thousand slots) the rows are
/// added by position, else by hashing each key: 16,000 groups in each of 8 files took 2
/// ms to hash. Each file's groups go straight into the sum (gathering them first wrote
/// and read back 44 bytes a group, megabytes for a large count).
fn add_up(
    files: Vec<FileGroups>,
    interners: &[Interner],
    marks: Option<&Interner>,
) -> Result<rustc_hash::FxHashMap<[u32; MAX_DIMENSIONS + 1], u64>, QueryError> {
    let width = interners.len() + usize::from(marks.is_some());
    let held: usize = files.iter().map(|f| f.groups.len()).sum();
    let bounds: Vec<usize> = interners
        .iter()
        .chain(marks)
        .map(|n| n.values.len().max(1))
        .collect();
    let slots = bounds
        .iter()
        .try_fold(1usize, |p, b| p.checked_mul(*b))
        .filter(|p| *p <= (1 << 18).max(held));
    // A file's key under the merged ids.
    let merged = |ids: &[Vec<u32>], theirs: &[u32; MAX_DIMENSIONS + 1]| {
        let mut key = [0u32; MAX_DIMENSIONS + 1];
        for (k, map) in ids.iter().enumerate().take(width) {
            key[k] = map[theirs[k] as usize];
        }
        key
    };
    let mut cells = rustc_hash::FxHashMap::default();
    let Some(slots) = slots else {
        for file in files {
            // Millions of keys take a while: a request no longer waited for stops here.
            stop_if_asked()?;
            let ids = file.ids;
            file.groups.for_each_group(width, |theirs, n| {
                *cells.entry(merged(&ids, theirs)).or_default() += n;
            });
        }
        return Ok(cells);
    };
    // Slot `n` holds 1 + the rows of its group (0: no file holds it).
    let mut table = vec![0u64; slots];
    for file in files {
        stop_if_asked()?;
        let ids = file.ids;
        file.groups.for_each_group(width, |theirs, n| {
            let at = ids
                .iter()
                .zip(&bounds)
                .enumerate()
                .fold(0, |at, (k, (map, b))| {
                    at * b + map[theirs[k] as usize] as usize
                });
            table[at] += n + u64::from(table[at] == 0);
        });
    }
    cells.reserve(held.min(slots));
    for (mut at, n) in table.into_iter().enumerate() {
        if n == 0 {
            continue;
        }
        let mut key = [0u32; MAX_DIMENSIONS + 1];
        for (slot, b) in key[..bounds.len()].iter_mut().zip(&bounds).rev() {
            *slot = (at % b) as u32;
            at /= b;
        }
        cells.insert(key, n - 1);
    }
    Ok(cells)
}

/// What a cut says of a record where cuts may disagree: its event date and AOR (code,
/// else the name as released), hashed.
fn record_says(day: Option<i32>, aor: Option<&str>, aor_name: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (day, aor.or(aor_name)).hash(&mut h);
    h.finish()
}

/// A 64-bit key of a source record (workbook, sheet, row).
pub(crate) fn record_key(file: &str, sheet: &str, row: i64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (file, sheet, row).hash(&mut h);
    h.finish()
}

/// Where a note holds a count, this mark stands for it: renderers put the published
/// figure in its place (the disagreement's two row counts, in order), so that small-cell
/// rules apply to notes too.
pub const COUNT_MARK: &str = "{count}";

/// The AOR-days a query asks about: the AORs of `--where aor=` (else every AOR some
/// release covers) and the days of `--from/--to` (else the releases' extent).
pub(crate) struct Asked {
    aors: Vec<String>,
    first: NaiveDate,
    last: NaiveDate,
    /// The days asked about inside `first..=last`, sorted and apart: `--where fy=FY2014,
    /// FY2017` asks about those two years, not the two between them (whose buckets, left
    /// in, printed 0 beside 1.26 million rows each).
    spans: Vec<(NaiveDate, NaiveDate)>,
    /// The first and last day `--from`/`--to` and the date filters (`--where week=`,
    /// `month=`, `fy=`, `date=`) let in, where they bound them: a cell's days are its
    /// buckets' within these, not the releases' extent.
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// Most cells a count fills in with zeros or "not covered" (a grid of date buckets and
/// AORs); larger grids print only the groups that have rows.
pub const MAX_GRID_CELLS: usize = 200_000;

/// The attributes every group of `query`'s count names beyond its dimensions, judged on
/// the days the releases read cover (`cover`, `asked` from it): [`CountQuery::pinned`],
/// with `date` where the days asked hold under [`SHORT_RANGE_DAYS`] covered days. Open
/// ends are the releases' own (`--from` the last day any release holds is a day), and
/// days no release covers hold no rows, so a range ending on them is as short as its
/// covered days (a day and six weeks past the release's end listed a day's nationalities
/// as a coarse count). One definition for the count and the SQL written for it
/// (`crate::sql`), which must list the same groups.
pub(crate) fn pinned_within(
    query: &CountQuery,
    asked: Option<&Asked>,
    cover: &CoverageMap,
) -> Vec<String> {
    let mut pinned = query.pinned();
    let short = asked.is_some_and(|a| {
        covered_span_within(&cover.ranges(), a.first, a.last)
            .is_none_or(|(f, l)| (l - f).num_days() < SHORT_RANGE_DAYS)
    });
    if short && !pinned.iter().any(|p| p == "date") {
        pinned.push("date".to_string());
    }
    pinned
}

impl Asked {
    /// The days and AORs `query` asks about, open ends taken from `cover` (the coverage
    /// of every release read); none where it asks about no AOR or no day.
    pub(crate) fn of(query: &CountQuery, cover: &CoverageMap) -> Option<Asked> {
        let aors: Vec<String> = match query.filters.iter().find(|(d, _)| *d == Dimension::Aor) {
            Some((_, values)) => values
                .iter()
                .map(|v| Dimension::Aor.normalize_value(query.table, v))
                .filter(|v| !crate::coverage::is_no_aor(v))
                .collect(),
            None => cover.aors(),
        };
        // `--where date=`, `week=`, `month=` or `fy=` asks about those days only, whether
        // or not any release reaches them (FY2020 of a store ending in FY2019 is asked
        // about, and not covered, not zero).
        let asked = query.days_asked();
        // Ends nothing asks about are the releases' own; an end asked about beyond them
        // (`--to` before the first day any release covers) is asked about still, as its
        // one day: nothing up to it is covered, so its counts are missing, not zero.
        let (first, last) = match (asked, cover.asked_extent()) {
            ((Some(f), Some(l)), _) => (f, l),
            ((f, l), Some((lo, hi))) => (
                f.unwrap_or(l.map_or(lo, |l| lo.min(l))),
                l.unwrap_or(f.map_or(hi, |f| hi.max(f))),
            ),
            ((Some(f), None), None) => (f, f),
            ((None, Some(l)), None) => (l, l),
            ((None, None), None) => return None,
        };
        if aors.is_empty() || first > last {
            return None;
        }
        // Each date filter lets in the union of its values' buckets.
        let mut spans = vec![(first, last)];
        for (d, values) in query.filters.iter().filter(|(d, _)| d.is_date()) {
            let mut let_in: Vec<(NaiveDate, NaiveDate)> = values
                .iter()
                .filter_map(|v| date_bucket(*d, &d.normalize_value(query.table, v)))
                .collect();
            if let_in.is_empty() {
                continue;
            }
            let_in.sort();
            spans = intersect_spans(&spans, &let_in);
        }
        (!spans.is_empty()).then_some(Asked {
            aors,
            first,
            last,
            spans,
            from: asked.0,
            to: asked.1,
        })
    }

    /// The days asked about from `first` to `last`, as sorted ranges apart.
    fn within(&self, first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        intersect_spans(&self.spans, &[(first, last)])
    }

    /// The days of a cell: each date dimension's bucket (a whole fiscal year, month, week
    /// or day), narrowed by `--from/--to` and the date filters only: a fiscal year the
    /// releases cover for eleven months is partly covered, whatever the releases hold,
    /// and FY2019 counted for `--where week=2019-09-02` is that week's.
    fn cell_days(&self, query: &CountQuery, values: &[String]) -> Option<(NaiveDate, NaiveDate)> {
        if !query.by.iter().any(|d| d.is_date()) {
            return Some((self.first, self.last));
        }
        let mut first = self.from.unwrap_or(NaiveDate::MIN);
        let mut last = self.to.unwrap_or(NaiveDate::MAX);
        for (d, v) in query.by.iter().zip(values) {
            if !d.is_date() {
                continue;
            }
            let (f, l) = date_bucket(*d, v)?;
            first = first.max(f);
            last = last.min(l);
        }
        if first > last {
            return None;
        }
        // Narrowed to the days asked about (a bucket between two asked by a date filter
        // holds none of them).
        let pieces = self.within(first.max(self.first), last.min(self.last));
        match (pieces.first(), pieces.last()) {
            (Some(a), Some(b)) if self.spans.len() > 1 => Some((a.0, b.1)),
            (Some(_), Some(_)) => Some((first, last)),
            // Past an end no one asked about (the releases' coverage ends there): rows of
            // days no release covers (stragglers past a stated period, an extract of one
            // state's rows), whose cell is judged on its own days, not taken as covered.
            _ if (self.from.is_none() && last < self.first)
                || (self.to.is_none() && first > self.last) =>
            {
                Some((first, last))
            }
            _ => None,
        }
    }

    /// Coverage of every AOR-day asked about.
    fn range_coverage(&self, cover: &CoverageMap) -> CellCoverage {
        let aors: Vec<&String> = self.aors.iter().collect();
        let (covered, of) = covered_of(cover, &aors, &self.spans);
        share(covered, of)
    }

    /// A cell's coverage, given its days ([`Asked::cell_days`]) and its values.
    fn cell_coverage(
        &self,
        query: &CountQuery,
        cover: &CoverageMap,
        days: Option<(NaiveDate, NaiveDate)>,
        values: &[String],
    ) -> CellCoverage {
        let Some((first, last)) = days else {
            return CellCoverage::Full;
        };
        // A release's cell holds that release's rows over the whole query: the days no
        // release covers are the query's, said once in the notes, not repeated per release.
        if query.by.contains(&Dimension::Release) && !query.by.iter().any(|d| d.is_date()) {
            return CellCoverage::Full;
        }
        let aor_at = query.by.iter().position(|d| *d == Dimension::Aor);
        let aors: Vec<&String> = match aor_at {
            Some(i) if crate::coverage::is_no_aor(&values[i]) => return CellCoverage::Full,
            Some(i) => vec![&values[i]],
            None => self.aors.iter().collect(),
        };
        // A cell's days are its buckets' (a fiscal year past the releases' last day is
        // partly covered); only days asked about in pieces narrow them further.
        let pieces = if self.spans.len() == 1 {
            vec![(first, last)]
        } else {
            self.within(first, last)
        };
        let (covered, of) = covered_of(cover, &aors, &pieces);
        share(covered, of)
    }

    /// Every cell of a count grouped only by date dimensions and AOR, so that empty cells
    /// print as zero (covered) or "not covered", never disappear. `None` for other
    /// groupings and for grids over [`MAX_GRID_CELLS`].
    fn grid(&self, query: &CountQuery, cover: &CoverageMap) -> Option<Vec<Vec<String>>> {
        if query.by.is_empty() || !query.by.iter().all(|d| d.is_date() || *d == Dimension::Aor) {
            return None;
        }
        let days = (self.last - self.first).num_days() + 1;
        let aors: &[String] = if query.by.contains(&Dimension::Aor) {
            &self.aors
        } else {
            &[]
        };
        if days as usize * aors.len().max(1) > MAX_GRID_CELLS * 8 {
            return None;
        }
        let mut buckets: Vec<Vec<String>> = Vec::new();
        let dates: Vec<Dimension> = query.by.iter().copied().filter(|d| d.is_date()).collect();
        // Labels are rendered once per bucket: a day starting no bucket of any date
        // dimension has its previous day's labels.
        // Only the buckets holding days asked about.
        for &(first, last) in &self.spans {
            let mut day = first;
            while day <= last {
                if day == first || dates.iter().any(|d| d.bucket_start(day) == day) {
                    let labels: Vec<String> = dates.iter().map(|d| d.render_date(day)).collect();
                    if buckets.last() != Some(&labels) {
                        buckets.push(labels);
                    }
                }
                day = day.succ_opt()?;
            }
        }
        buckets.sort();
        buckets.dedup();
        let _ = cover;
        let mut out = Vec::new();
        for labels in &buckets {
            let mut with_aor: Vec<Vec<String>> = vec![Vec::new()];
            if !aors.is_empty() {
                with_aor = aors.iter().map(|a| vec![a.clone()]).collect();
            }
            for aor in with_aor {
                let mut dates = labels.iter();
                let mut aor = aor.into_iter();
                let cell: Vec<String> = query
                    .by
                    .iter()
                    .map(|d| {
                        if d.is_date() {
                            dates.next().cloned().unwrap_or_default()
                        } else {
                            aor.next().unwrap_or_default()
                        }
                    })
                    .collect();
                out.push(cell);
            }
            if out.len() > MAX_GRID_CELLS {
                return None;
            }
        }
        Some(out)
    }
}

/// Covered AOR-days of `aors` over the days of `pieces`, and all their AOR-days.
fn covered_of(
    cover: &CoverageMap,
    aors: &[&String],
    pieces: &[(NaiveDate, NaiveDate)],
) -> (i64, i64) {
    pieces.iter().fold((0, 0), |(covered, of), &(f, l)| {
        let days = (l - f).num_days() + 1;
        let here: i64 = aors.iter().map(|a| cover.covered_days(a, f, l)).sum();
        (covered + here, of + days * aors.len() as i64)
    })
}

/// The days both `a` and `b` hold (each sorted; `b`'s ranges may overlap), sorted and
/// merged.
fn intersect_spans(
    a: &[(NaiveDate, NaiveDate)],
    b: &[(NaiveDate, NaiveDate)],
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut pieces: Vec<(NaiveDate, NaiveDate)> = a
        .iter()
        .flat_map(|&(af, al)| b.iter().map(move |&(bf, bl)| (af.max(bf), al.min(bl))))
        .filter(|(f, l)| f <= l)
        .collect();
    pieces.sort();
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (f, l) in pieces {
        match out.last_mut() {
            Some(prev) if prev.1.succ_opt().is_some_and(|next| f <= next) => prev.1 = prev.1.max(l),
            _ => out.push((f, l)),
        }
    }
    out
}

fn share(covered: i64, of: i64) -> CellCoverage {
    if covered >= of {
        CellCoverage::Full
    } else if covered == 0 {
        CellCoverage::NotCovered
    } else {
        CellCoverage::Partial { covered, of }
    }
}

/// The first and last day of a date dimension's printed value (`FY2019`, `2019-07`, a
/// week's Monday, a day); `None` for another dimension or a value that is none.
pub fn date_bucket(d: Dimension, value: &str) -> Option<(NaiveDate, NaiveDate)> {
    match d {
        Dimension::Fy => {
            let fy = tally_model::fiscal::parse_fiscal_year_label(value)?;
            Some(tally_model::fiscal::fiscal_year_bounds(fy))
        }
        Dimension::Month => {
            let first = NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d").ok()?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            Some((first, next.pred_opt()?))
        }
        Dimension::Week => {
            let monday = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
            Some((monday, monday.checked_add_days(chrono::Days::new(6))?))
        }
        Dimension::Date => {
            let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
            Some((day, day))
        }
        _ => None,
    }
}

/// `(from, to)` narrowed by period filters, each the list of its (period, value): to
/// the days from the first of a filter's periods to the last of them, where they bound
/// the days (`fy=FY2026 --to 2025-10-01` is one day). Shared by counts and stays.
pub fn narrowed_by_periods(
    mut asked: (Option<NaiveDate>, Option<NaiveDate>),
    filters: impl Iterator<Item = Vec<(Dimension, String)>>,
) -> (Option<NaiveDate>, Option<NaiveDate>) {
    for values in filters {
        let spans: Vec<(NaiveDate, NaiveDate)> = values
            .iter()
            .filter_map(|(d, v)| date_bucket(*d, v))
            .collect();
        if let (Some(f), Some(l)) = (
            spans.iter().map(|s| s.0).min(),
            spans.iter().map(|s| s.1).max(),
        ) {
            asked.0 = Some(asked.0.map_or(f, |a| a.max(f)));
            asked.1 = Some(asked.1.map_or(l, |a| a.min(l)));
        }
    }
    asked
}

/// The first and last day of `first..=last` that `ranges` (sorted, merged) cover; `None`
/// where they cover none of it.
pub fn covered_span_within(
    ranges: &[(NaiveDate, NaiveDate)],
    first: NaiveDate,
    last: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let inside: Vec<(NaiveDate, NaiveDate)> = ranges
        .iter()
        .map(|(f, l)| ((*f).max(first), (*l).min(last)))
        .filter(|(f, l)| f <= l)
        .collect();
    Some((inside.first()?.0, inside.last()?.1))
}

/// Notes for the AOR-days no release covers, however short: which days, which AORs.
fn gap_notes(table: TableKind, gaps: &[CoverageGap], asked: &[String]) -> Vec<String> {
    const SHOWN: usize = 12;
    let mut notes: Vec<String> = gaps
        .iter()
        .take(SHOWN)
        .map(|g| {
            let days = (g.last - g.first).num_days() + 1;
            let which = if asked == [crate::coverage::WHOLE_TABLE] {
                // A table without AORs: its days alone.
                return format!(
                    "no ingested {table} release covers {}..{} ({days} day{}): counts there are missing, not zero",
                    g.first,
                    g.last,
                    if days == 1 { "" } else { "s" }
                );
            } else if g.aors.len() == asked.len() && asked.len() > 1 {
                format!("any of the {} AORs asked about", asked.len())
            } else if g.aors.len() * 2 > asked.len() && asked.len() > 4 {
                let covered: Vec<&str> = asked
                    .iter()
                    .filter(|a| !g.aors.contains(a))
                    .map(String::as_str)
                    .collect();
                format!("{} of {} AORs (all but {})", g.aors.len(), asked.len(), covered.join(", "))
            } else {
                g.aors.join(", ")
            };
            format!(
                "no ingested {table} release covers {which} on {}..{} ({days} day{}): counts there are missing, not zero",
                g.first,
                g.last,
                if days == 1 { "" } else { "s" }
            )
        })
        .collect();
    if gaps.len() > SHOWN {
        notes.push(format!(
            "... and {} more ranges of days some AOR asked about is not covered (`tally status` lists coverage)",
            gaps.len() - SHOWN
        ));
    }
    notes
}

#[cfg(test)]
mod kernel_tests {
    use super::*;

    fn key(ids: &[u32]) -> [u32; MAX_DIMENSIONS + 1] {
        let mut k = [u32::MAX; MAX_DIMENSIONS + 1];
        k[..ids.len()].copy_from_slice(ids);
        k
    }

    fn interner_of(n: usize) -> Interner {
        let mut i = Interner::new();
        for v in 0..n {
            i.id(&format!("v{v}"));
        }
        i
    }

    #[test]
    fn files_add_up_alike_by_position_and_by_hash() {
        // Two dimensions of 3 and 4 values (12 slots: added by position), the same keys
        // under dimensions of 70,000 and 4 values (280,000 slots: past the table, hashed).
        // Two files: the first's ids are the merged ones, the second's first dimension
        // numbers its values in another order (its 0, 1, 2 are the merged 2, 0, 1).
        let file = |keys: &[[u32; 2]], rows_from: u64, first_map: Vec<u32>| {
            let mut groups = GroupCounts::default();
            for (i, k) in keys.iter().enumerate() {
                groups.add(&key(k), 2, rows_from + i as u64);
            }
            FileGroups {
                groups,
                ids: vec![first_map, (0..4).collect()],
            }
        };
        let want: Vec<([u32; 2], u64)> =
            vec![([0, 0], 2 + 5), ([1, 0], 4), ([2, 1], 6), ([2, 3], 1 + 3)];
        for first in [3, 70_000] {
            let files = vec![
                file(&[[2, 3], [0, 0], [2, 3]], 1, vec![0, 1, 2]),
                file(&[[2, 0], [1, 0], [0, 1]], 4, vec![2, 0, 1]),
            ];
            let cells = add_up(files, &[interner_of(first), interner_of(4)], None).unwrap();
            let mut got: Vec<([u32; 2], u64)> = cells
                .into_iter()
                .map(|(k, n)| {
                    assert!(k[2..].iter().all(|id| *id == 0));
                    ([k[0], k[1]], n)
                })
                .collect();
            got.sort_unstable();
            assert_eq!(got, want, "first dimension of {first} values");
        }
        // A group of no rows (a grid's empty cell) is kept, as zero.
        let mut groups = GroupCounts::default();
        groups.add(&key(&[1]), 1, 0);
        let files = vec![FileGroups {
            groups,
            ids: vec![vec![0, 1]],
        }];
        let cells = add_up(files, &[interner_of(2)], None).unwrap();
        let mut empty = [0u32; MAX_DIMENSIONS + 1];
        empty[0] = 1;
        assert_eq!(cells.get(&empty), Some(&0));
    }

    #[test]
    fn cells_come_in_rank_order_by_table_by_packed_ranks_and_by_whole_ranks() {
        // The same cells under dimensions of few values (placed in a table), of many
        // (ranks packed into 128 bits and sorted) and of eight of 2^17 values (past 128
        // bits: sorted by the ranks themselves): each way gives the naive order.
        let mut x: u64 = 11;
        let mut next = |n: u32| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % u64::from(n)) as u32
        };
        for (dims, values) in [(2usize, 7u32), (3, 5_000), (8, 1 << 17)] {
            // Each dimension's ranks: a permutation of its ids.
            let ranks: Vec<Vec<u32>> = (0..dims)
                .map(|_| {
                    let mut r: Vec<u32> = (0..values).collect();
                    for i in (1..r.len()).rev() {
                        let j = next(i as u32 + 1) as usize;
                        r.swap(i, j);
                    }
                    r
                })
                .collect();
            let mut cells = rustc_hash::FxHashMap::default();
            for n in 0..2_000u64 {
                let mut k = [0u32; MAX_DIMENSIONS + 1];
                for id in k[..dims].iter_mut() {
                    *id = next(values);
                }
                cells.insert(k, n);
            }
            let mut want: Vec<([u32; MAX_DIMENSIONS + 1], u64)> =
                cells.iter().map(|(k, n)| (*k, *n)).collect();
            want.sort_unstable_by_key(|(k, _)| {
                (0..dims)
                    .map(|d| ranks[d][k[d] as usize])
                    .collect::<Vec<u32>>()
            });
            assert_eq!(in_printed_order(cells, &ranks), want, "{dims} dimensions");
        }
    }

    #[test]
    fn group_keys_come_back_whole_whether_packed_or_not() {
        let mut g = GroupCounts::default();
        for ids in [[1, 2], [1, 2], [0xFFFF, 3], [0, 0]] {
            g.add(&key(&ids), 2, 1);
        }
        let mut out = g.into_groups(2);
        out.sort();
        assert_eq!(
            out,
            vec![(key(&[0, 0]), 1), (key(&[1, 2]), 2), (key(&[0xFFFF, 3]), 1)]
        );
        // Five dimensions never pack; none at all is one group.
        let mut g = GroupCounts::default();
        g.add(&key(&[1, 2, 3, 4, 5]), 5, 1);
        g.add(&key(&[1, 2, 3, 4, 5]), 5, 40);
        assert_eq!(g.into_groups(5), vec![(key(&[1, 2, 3, 4, 5]), 41)]);
        let mut g = GroupCounts::default();
        g.add(&key(&[]), 0, 1);
        g.add(&key(&[]), 0, 1);
        assert_eq!(g.into_groups(0), vec![(key(&[]), 2)]);
    }

    #[test]
    fn groups_counted_densely_survive_widening_and_the_move_to_hashing() {
        // The same keys counted through every path must give the same groups: a
        // reference tally in a BTreeMap against GroupCounts fed keys that widen the dense
        // table dimension by dimension, then outgrow it.
        let mut reference: std::collections::BTreeMap<Vec<u32>, u64> = Default::default();
        let mut g = GroupCounts::default();
        let mut feed = |g: &mut GroupCounts, ids: [u32; 3], rows: u64| {
            *reference.entry(ids.to_vec()).or_default() += rows;
            g.add(&key(&ids), 3, rows);
        };
        feed(&mut g, [0, 0, 0], 1);
        feed(&mut g, [0, 0, 0], 0);
        feed(&mut g, [1, 0, 0], 3);
        feed(&mut g, [0, 7, 1], 2);
        feed(&mut g, [5, 7, 3], 4);
        feed(&mut g, [1, 0, 0], 5);
        assert!(g.dense.open, "3 + 3 + 2 bits fit the dense table");
        assert_eq!(g.len(), 4, "the groups held, not the table's slots");
        feed(&mut g, [0, 200, 0], 6);
        feed(&mut g, [60, 7, 3], 1);
        assert!(g.dense.open, "6 + 8 + 2 bits still fit");
        assert_eq!(g.len(), 6);
        feed(&mut g, [60, 7, 9], 2);
        assert!(!g.dense.open, "6 + 8 + 4 bits do not");
        assert_eq!(g.len(), 7, "every group moved to the hashed map");
        feed(&mut g, [5, 7, 3], 10);
        feed(&mut g, [0, 0, 0], 1);
        feed(&mut g, [0xFFFF, 1, 1], 1);
        let mut out = g.into_groups(3);
        out.sort();
        let expected: Vec<([u32; MAX_DIMENSIONS + 1], u64)> = reference
            .into_iter()
            .map(|(ids, n)| (key(&ids), n))
            .collect();
        assert_eq!(out, expected);
        // A zero-row group is a group, as it was when hashed.
        let mut g = GroupCounts::default();
        g.add(&key(&[2]), 1, 0);
        assert_eq!(g.into_groups(1), vec![(key(&[2]), 0)]);
    }

    #[test]
    fn a_batch_counted_a_column_at_a_time_gives_the_groups_row_by_row_does() {
        // Rows of three dimensions with weights, some skipped: counted by add_columns
        // and by add, row by row, through widening, must give the same groups.
        let rows = 5_000usize;
        let ids: Vec<Vec<u32>> = vec![
            (0..rows).map(|i| (i * 7 % 13) as u32).collect(),
            (0..rows).map(|i| (i * 11 % 40) as u32).collect(),
            (0..rows).map(|i| (i % 3) as u32).collect(),
        ];
        let weights: Vec<i64> = (0..rows).map(|i| (i % 5) as i64 + 1).collect();
        let skip: Vec<bool> = (0..rows).map(|i| i % 4 == 0).collect();
        let mut by_columns = GroupCounts::default();
        by_columns.add(&key(&[0, 0, 0]), 3, 2);
        let counted =
            by_columns.add_columns(rows, &ids, 3, &[13, 40, 3], Some(&weights), Some(&skip));
        let mut by_rows = GroupCounts::default();
        by_rows.add(&key(&[0, 0, 0]), 3, 2);
        let mut expected = 0;
        for i in (0..rows).filter(|i| !skip[*i]) {
            by_rows.add(
                &key(&[ids[0][i], ids[1][i], ids[2][i]]),
                3,
                weights[i] as u64,
            );
            expected += weights[i] as u64;
        }
        assert_eq!(counted, Some(expected));
        let (mut a, mut b) = (by_columns.into_groups(3), by_rows.into_groups(3));
        a.sort();
        b.sort();
        assert_eq!(a, b);
        // Every shape of batch (0 to 3 dimensions, weights or not, rows left out or not)
        // counts as row by row does.
        for width in 0..=3 {
            for weighed in [false, true] {
                for skipping in [false, true] {
                    let mut by_columns = GroupCounts::default();
                    let counted = by_columns.add_columns(
                        rows,
                        &ids[..width],
                        width,
                        &[13, 40, 3][..width],
                        weighed.then_some(&weights[..]),
                        skipping.then_some(&skip[..]),
                    );
                    let mut by_rows = GroupCounts::default();
                    let mut expected = 0;
                    for i in (0..rows).filter(|i| !(skipping && skip[*i])) {
                        let own: Vec<u32> = ids[..width].iter().map(|c| c[i]).collect();
                        let n = if weighed { weights[i] as u64 } else { 1 };
                        by_rows.add(&key(&own), width, n);
                        expected += n;
                    }
                    assert_eq!(counted, Some(expected), "{width} {weighed} {skipping}");
                    // The groups held (what --max-groups bounds), however they were added.
                    let held = (by_columns.len(), by_rows.len());
                    let (mut a, mut b) =
                        (by_columns.into_groups(width), by_rows.into_groups(width));
                    a.sort();
                    b.sort();
                    assert_eq!(a, b, "{width} {weighed} {skipping}");
                    assert!(!a.is_empty());
                    assert_eq!(held, (a.len(), a.len()), "{width} {weighed} {skipping}");
                }
            }
        }
        // Two dimensions, nothing skipped, no weights: every row counts once.
        let mut g = GroupCounts::default();
        assert_eq!(
            g.add_columns(rows, &ids[..2], 2, &[13, 40], None, None),
            Some(rows as u64)
        );
        assert_eq!(
            g.into_groups(2).iter().map(|(_, n)| n).sum::<u64>(),
            rows as u64
        );
        // Keys past the dense table's bits are left to the caller, nothing counted.
        let mut g = GroupCounts::default();
        let wide = vec![vec![70_000u32; 3], vec![1u32; 3]];
        assert_eq!(g.add_columns(3, &wide, 2, &[70_001, 2], None, None), None);
        assert!(g.into_groups(2).is_empty());
    }

    #[test]
    fn days_share_a_bucket_start_exactly_when_they_share_a_label() {
        let first = NaiveDate::from_ymd_opt(2015, 9, 20).expect("a date");
        for d in [
            Dimension::Fy,
            Dimension::Month,
            Dimension::Week,
            Dimension::Date,
        ] {
            let mut day = first;
            for _ in 0..800 {
                let next = day.succ_opt().expect("a date");
                assert_eq!(
                    d.render_date(day),
                    d.render_date(d.bucket_start(day)),
                    "{d:?} {day}"
                );
                assert_eq!(
                    d.bucket_start(day) == d.bucket_start(next),
                    d.render_date(day) == d.render_date(next),
                    "{d:?} {day}"
                );
                day = next;
            }
        }
    }

    #[test]
    fn a_day_memo_grows_both_ways_and_ignores_absurd_days() {
        let mut m = DayMemo::default();
        m.set(18_000, 7);
        m.set(10_000, 8);
        m.set(20_000, 9);
        assert_eq!(
            (m.get(18_000), m.get(10_000), m.get(20_000), m.get(15_000)),
            (Some(7), Some(8), Some(9), None)
        );
        m.set(i32::MAX, 1);
        m.set(i32::MIN, 1);
        assert_eq!((m.get(i32::MAX), m.get(i32::MIN)), (None, None));
        assert!(m.ids.len() < 20_000);
    }
}
