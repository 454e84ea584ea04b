//! Release column headers → canonical fields, per table (`data/column_crosswalk.csv`).
//!
//! Columns: `table` (a table slug, or `*` for every table that defines the field),
//! `raw_header` (a spelling seen in a release), `field` (the canonical field), `claim`
//! (`prefer` when this header should hold the field even if another header of the sheet
//! maps to it too: DDP's `apprehension_date_time` over its date part `apprehension_date`)
//! and `source` (the release or document where the spelling was seen). A header may mean
//! different fields in different tables.

use crate::VocabularyError;
use crate::table::{TableDef, TableKind};
use crate::text::header_key;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One row of the crosswalk file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrosswalkRow {
    /// Table slug, or `None` for every table defining the field.
    pub table: Option<String>,
    /// The header as seen in a release.
    pub raw_header: String,
    /// Canonical field name.
    pub field: String,
    /// True when this header holds the field over any other header mapped to it.
    pub prefer: bool,
    /// Where the spelling was seen.
    pub source: String,
}

/// How a release header matched the crosswalk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderMatch {
    /// Exactly a spelling listed in the crosswalk.
    Exact,
    /// A listed spelling after trimming, case folding, removing invisible characters
    /// (zero-width spaces, byte-order marks, soft hyphens), reading no-break spaces and `_`
    /// as spaces and collapsing runs of spaces. Ingest reports the mapping.
    Normalized,
    /// The start of exactly one field's spellings, at least [`TRUNCATED_MIN_CHARS`] long:
    /// a header cut short (Excel, fixed-width exports: `Alien File Numbe`). Ingest reports
    /// the mapping.
    Truncated,
}

/// Shortest header read as a cut-short spelling.
pub const TRUNCATED_MIN_CHARS: usize = 8;

/// A header's field in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMatch {
    /// Index of the field in the table's definition.
    pub field: usize,
    /// How the header matched.
    pub how: HeaderMatch,
    /// The crosswalk spelling it matched.
    pub known: String,
    /// The crosswalk's `prefer` claim for that spelling.
    pub prefer: bool,
}

#[derive(Debug, Default)]
struct TableHeaders {
    /// Exact spelling → (field, prefer).
    exact: HashMap<String, (usize, bool)>,
    /// Normalized key → (field, prefer, spelling).
    by_key: HashMap<String, (usize, bool, String)>,
}

/// Maps release headers to canonical fields of each table.
#[derive(Debug)]
pub struct ColumnCrosswalk {
    rows: Vec<CrosswalkRow>,
    tables: Vec<TableHeaders>,
    any: HashSet<String>,
}

impl ColumnCrosswalk {
    /// Parses the crosswalk CSV against the table definitions it refers to.
    ///
    /// # Errors
    /// A [`VocabularyError`] naming the line of an unknown table or field, a `*` row whose
    /// field no table defines, or a header mapped to two fields of one table.
    pub fn from_csv(
        file: &'static str,
        text: &str,
        tables: &[TableDef],
    ) -> Result<ColumnCrosswalk, VocabularyError> {
        let mut out = ColumnCrosswalk {
            rows: Vec::new(),
            tables: tables.iter().map(|_| TableHeaders::default()).collect(),
            any: HashSet::new(),
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        for (i, rec) in reader.records().enumerate() {
            let line = i + 2;
            let err = |message: String| VocabularyError {
                file,
                line,
                message,
            };
            let rec = rec.map_err(|e| err(e.to_string()))?;
            let get = |k: usize| rec.get(k).unwrap_or_default().trim().to_string();
            let (table, raw_header, field, claim, source) =
                (get(0), get(1), get(2), get(3), get(4));
            let prefer = match claim.as_str() {
                "" => false,
                "prefer" => true,
                other => {
                    return Err(err(format!(
                        "unknown claim {other:?} (expected prefer or nothing)"
                    )));
                }
            };
            if raw_header.is_empty() || source.is_empty() {
                return Err(err("a row needs a raw_header and a source".into()));
            }
            let targets: Vec<usize> = if table == "*" {
                let t: Vec<usize> = (0..tables.len())
                    .filter(|&t| tables[t].field_index(&field).is_some())
                    .collect();
                if t.is_empty() {
                    return Err(err(format!("no table defines field {field:?}")));
                }
                t
            } else {
                let t = tables
                    .iter()
                    .position(|d| d.slug == table)
                    .ok_or_else(|| err(format!("unknown table {table:?}")))?;
                if tables[t].field_index(&field).is_none() {
                    return Err(err(format!("table {table} has no field {field:?}")));
                }
                vec![t]
            };
            let key = header_key(&raw_header);
            for t in targets {
                let index = tables[t].field_index(&field).unwrap_or_default();
                let headers = &mut out.tables[t];
                if let Some((other, _, spelling)) = headers.by_key.get(&key)
                    && *other != index
                {
                    return Err(err(format!(
                        "header {raw_header:?} maps to {field} in {} but {spelling:?} maps it to {}",
                        tables[t].slug, tables[t].fields[*other].name
                    )));
                }
                headers.exact.insert(raw_header.clone(), (index, prefer));
                headers
                    .by_key
                    .entry(key.clone())
                    .or_insert((index, prefer, raw_header.clone()));
            }
            out.any.insert(key);
            out.rows.push(CrosswalkRow {
                table: (table != "*").then_some(table),
                raw_header,
                field,
                prefer,
                source,
            });
        }
        Ok(out)
    }

    /// True when some table's crosswalk knows the header (exactly or normalized): how a
    /// header row is told from banner lines before the table is known.
    pub fn is_known_anywhere(&self, header: &str) -> bool {
        self.any.contains(&header_key(header))
    }

    /// The field of `table` a release header maps to, and how it matched.
    pub fn match_header(&self, table: TableKind, header: &str) -> Option<ColumnMatch> {
        let headers = &self.tables[table_index(table)];
        if let Some(&(field, prefer)) = headers.exact.get(header) {
            return Some(ColumnMatch {
                field,
                how: HeaderMatch::Exact,
                known: header.to_string(),
                prefer,
            });
        }
        let key = header_key(header);
        if key.is_empty() {
            return None;
        }
        if let Some((field, prefer, known)) = headers.by_key.get(&key) {
            return Some(ColumnMatch {
                field: *field,
                how: HeaderMatch::Normalized,
                known: known.clone(),
                prefer: *prefer,
            });
        }
        if key.chars().count() < TRUNCATED_MIN_CHARS {
            return None;
        }
        let mut found: Option<(usize, bool, &String)> = None;
        for (k, (field, prefer, known)) in &headers.by_key {
            if k.len() > key.len() && k.starts_with(&key) {
                match found {
                    Some((f, _, _)) if f != *field => return None,
                    Some((_, _, seen)) if seen <= known => {}
                    _ => found = Some((*field, *prefer, known)),
                }
            }
        }
        found.map(|(field, prefer, known)| ColumnMatch {
            field,
            how: HeaderMatch::Truncated,
            known: known.clone(),
            prefer,
        })
    }

    /// The spellings listed for a field of a table, in file order.
    pub fn spellings(&self, table: TableKind, field: &str) -> Vec<&str> {
        let slug = table.slug();
        self.rows
            .iter()
            .filter(|r| r.field == field && r.table.as_deref().is_none_or(|t| t == slug))
            .map(|r| r.raw_header.as_str())
            .collect()
    }

    /// Every row, in file order (for documentation).
    pub fn rows(&self) -> &[CrosswalkRow] {
        &self.rows
    }
}

fn table_index(table: TableKind) -> usize {
    TableKind::all()
        .iter()
        .position(|t| *t == table)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn field_of(table: &str, header: &str) -> Option<(String, HeaderMatch)> {
        let t = TableKind::from_slug(table).expect("table");
        Catalog::embedded()
            .crosswalk()
            .match_header(t, header)
            .map(|m| (t.def().fields[m.field].name.clone(), m.how))
    }

    #[test]
    fn release_spellings_map_per_table() {
        use HeaderMatch::*;
        let f = |t, h| field_of(t, h);
        assert_eq!(
            f("arrests", "Arrest Date"),
            Some(("apprehension_date".into(), Exact))
        );
        assert_eq!(
            f("arrests", "apprehension_date_time"),
            Some(("apprehension_date".into(), Exact))
        );
        assert_eq!(f("arrests", "Event Area of Responsibility"), None);
        assert_eq!(
            f("encounters", "Event Area of Responsibility"),
            Some(("aor_name".into(), Exact))
        );
        // One header, different fields: the arrest date dates arrests, not removals.
        let removals = TableKind::from_slug("removals").expect("table");
        assert!(!removals.def().event_names().contains(&"apprehension_date"));
        assert_eq!(
            f("removals", "Apprehension Date"),
            Some(("apprehension_date".into(), Exact))
        );
        assert_eq!(
            f("detainers", "Detainer Prepare Date"),
            Some(("detainer_prepare_date".into(), Exact))
        );
        assert_eq!(
            f("detention-stints", "Detention Book In Date And Time"),
            Some(("book_in_date_time".into(), Exact))
        );
        assert_eq!(f("arrests", "Shoe Size"), None);
    }

    #[test]
    fn near_spellings_match_and_say_how() {
        use HeaderMatch::*;
        let f = |h| field_of("arrests", h);
        assert_eq!(
            f(" arrest   METHOD "),
            Some(("apprehension_method".into(), Normalized))
        );
        assert_eq!(
            f("\u{a0}Area of Responsibility"),
            Some(("aor_name".into(), Normalized))
        );
        assert_eq!(
            f("Area\u{200b} of Responsibility"),
            Some(("aor_name".into(), Normalized))
        );
        assert_eq!(
            f("Alien File Numbe"),
            Some(("alien_file_number".into(), Truncated))
        );
        // Too short, or the start of two fields' names: no guess.
        assert_eq!(f("Alien"), None);
        assert_eq!(f("Apprehension"), None);
        assert_eq!(f("AOR Name"), None);
    }

    #[test]
    fn rejects_unknown_tables_and_fields_with_line() {
        let tables = Catalog::embedded().tables();
        let err = ColumnCrosswalk::from_csv(
            "t.csv",
            "table,raw_header,field,claim,source\narrests,A,nope,,x\n",
            tables,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "vocabulary file t.csv, line 2: table arrests has no field \"nope\""
        );
        let err = ColumnCrosswalk::from_csv(
            "t.csv",
            "table,raw_header,field,claim,source\npeople,A,gender,,x\n",
            tables,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "vocabulary file t.csv, line 2: unknown table \"people\""
        );
        let err = ColumnCrosswalk::from_csv(
            "t.csv",
            "table,raw_header,field,claim,source\narrests,Gender,gender,,x\narrests,GENDER,citizenship,,x\n",
            tables,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("line 3: header \"GENDER\" maps to citizenship"),
            "{err}"
        );
    }
}
