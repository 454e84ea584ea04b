//! Sanctuary-policy lists written by hand in TOML (a `.toml` file), read into
//! `sanctuary-policies` rows. The format (also in the README, "Sanctuary-policy lists in
//! TOML"):
//!
//! ```toml
//! name = "Oregon detainer policies, hand-coded"   # required: the list's name
//! source = "https://example.org/oregon-policies"  # optional: cites every row without its own
//!
//! [[jurisdiction]]
//! name = "Multnomah County"          # required
//! type = "county"                    # required: state, county or city
//! state = "OR"                       # required: two-letter postal code
//! county_fips = "41051"              # optional: five digits, quoted (a leading 0 matters)
//! policy = "Sheriff's office policy" # required
//! detainer_criteria = "Judicial warrant required"  # optional
//! designation = "county"             # optional: the list's own class for it
//! effective_from = 2014-04-01        # required: a TOML date or "YYYY-MM-DD"
//! effective_to = 2020-01-01          # optional: when the policy ended
//! source = "https://example.org/mc"  # URL or citation; required unless the list has one
//! ```
//!
//! A malformed file (not TOML, no `name`, no `[[jurisdiction]]`) is refused whole. A
//! malformed entry is rejected alone, with a reason naming it (`jurisdiction 3 ("Lane
//! County")`) and the key at fault, and counted: rows read = kept + rejected. Reasons: a
//! missing required key, an unknown key (a misspelt `efective_from` is not silently
//! dropped), a type other than state/county/city, an unknown postal code, a county FIPS
//! code that is not five digits or lies in another state, a date that is not a calendar
//! day, an end before the start, and no source on the entry or the list. Each entry's
//! row is reported at the line of its `[[jurisdiction]]` header.

use crate::error::IngestError;
use crate::records::RecordSheet;
use crate::source::ReleaseFile;
use chrono::NaiveDate;
use tally_model::states as us_states;

/// The columns of the record sheet a list becomes.
const HEADER: &[&str] = &[
    "jurisdiction",
    "jurisdiction_type",
    "state",
    "county_fips",
    "policy",
    "detainer_criteria",
    "designation",
    "effective_from",
    "effective_to",
    "source_citation",
    "list_name",
];

/// Keys an entry may have.
const ENTRY_KEYS: &[&str] = &[
    "name",
    "type",
    "state",
    "county_fips",
    "policy",
    "detainer_criteria",
    "designation",
    "effective_from",
    "effective_to",
    "source",
];

/// Keys the list itself may have.
const LIST_KEYS: &[&str] = &["name", "source", "description", "jurisdiction"];

/// Why an entry is rejected: the key at fault (the sheet's column name) and the reason.
type EntryError = (Option<&'static str>, String);

fn text(entry: &toml::Table, key: &str) -> Result<Option<String>, String> {
    match entry.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(other) => Err(format!(
            "`{key}` must be text in quotes, not {}",
            other.type_str()
        )),
    }
}

fn date(entry: &toml::Table, key: &str) -> Result<Option<NaiveDate>, String> {
    let raw = match entry.get(key) {
        None => return Ok(None),
        Some(toml::Value::Datetime(d)) => match (d.date, d.time) {
            (Some(day), None) => {
                return NaiveDate::from_ymd_opt(
                    i32::from(day.year),
                    u32::from(day.month),
                    u32::from(day.day),
                )
                .map(Some)
                .ok_or_else(|| format!("`{key}` = {d} is not a calendar day"));
            }
            _ => return Err(format!("`{key}` = {d} must be a date alone (YYYY-MM-DD)")),
        },
        Some(toml::Value::String(s)) => s.trim().to_string(),
        Some(other) => {
            return Err(format!(
                "`{key}` must be a date (YYYY-MM-DD), not {}",
                other.type_str()
            ));
        }
    };
    NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| format!("`{key}` = {raw:?} is not a date (YYYY-MM-DD)"))
}

/// One entry's cells in [`HEADER`] order, or why it is rejected.
fn entry_cells(
    entry: &toml::Table,
    list_source: Option<&str>,
    list_name: &str,
) -> Result<Vec<String>, EntryError> {
    if let Some(unknown) = entry.keys().find(|k| !ENTRY_KEYS.contains(&k.as_str())) {
        return Err((
            None,
            format!(
                "unknown key `{unknown}` (an entry has {})",
                ENTRY_KEYS.join(", ")
            ),
        ));
    }
    let get = |key: &str, column: &'static str| text(entry, key).map_err(|e| (Some(column), e));
    let required = |key: &str, column: &'static str| {
        get(key, column)?.ok_or_else(|| (Some(column), format!("`{key}` is missing")))
    };
    let name = required("name", "jurisdiction")?;
    let kind = required("type", "jurisdiction_type")?.to_ascii_lowercase();
    if !["state", "county", "city"].contains(&kind.as_str()) {
        return Err((
            Some("jurisdiction_type"),
            format!("`type` = {kind:?}: expected state, county or city"),
        ));
    }
    let state = required("state", "state")?.to_ascii_uppercase();
    if !us_states::is_postal_code(&state) {
        return Err((
            Some("state"),
            format!("`state` = {state:?} is not a two-letter postal code (IL, DC)"),
        ));
    }
    let county_fips = match entry.get("county_fips") {
        Some(toml::Value::Integer(n)) => {
            return Err((
                Some("county_fips"),
                format!(
                    "`county_fips` = {n} is a number: write the five digits in quotes (\"{n:05}\"), since a leading 0 is part of the code"
                ),
            ));
        }
        _ => get("county_fips", "county_fips")?,
    };
    if let Some(fips) = &county_fips {
        if fips.len() != 5 || !fips.bytes().all(|b| b.is_ascii_digit()) {
            return Err((
                Some("county_fips"),
                format!("`county_fips` = {fips:?} is not five digits"),
            ));
        }
        if us_states::fips_of(&state).is_some_and(|s| !fips.starts_with(s)) {
            return Err((
                Some("county_fips"),
                format!(
                    "`county_fips` = {fips:?} lies in another state than {state} (whose codes start {})",
                    us_states::fips_of(&state).unwrap_or_default()
                ),
            ));
        }
    }
    let policy = required("policy", "policy")?;
    let criteria = get("detainer_criteria", "detainer_criteria")?;
    let designation = get("designation", "designation")?;
    let from = date(entry, "effective_from")
        .map_err(|e| (Some("effective_from"), e))?
        .ok_or((Some("effective_from"), "`effective_from` is missing".into()))?;
    let to = date(entry, "effective_to").map_err(|e| (Some("effective_to"), e))?;
    if let Some(to) = to
        && to < from
    {
        return Err((
            Some("effective_to"),
            format!("`effective_to` {to} is before `effective_from` {from}"),
        ));
    }
    let source = match get("source", "source_citation")? {
        Some(s) => s,
        None => list_source.map(str::to_string).ok_or((
            Some("source_citation"),
            "no `source` on the entry and no `source` for the list: every row needs a URL or citation".to_string(),
        ))?,
    };
    Ok(vec![
        name,
        kind,
        state,
        county_fips.unwrap_or_default(),
        policy,
        criteria.unwrap_or_default(),
        designation.unwrap_or_default(),
        from.format("%Y-%m-%d").to_string(),
        to.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        source,
        list_name.to_string(),
    ])
}

/// The 1-based lines of the `[[jurisdiction]]` headers, in order.
fn entry_lines(source: &str) -> Vec<u64> {
    source
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let code = l.split('#').next().unwrap_or("");
            code.split_whitespace().collect::<String>() == "[[jurisdiction]]"
        })
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// A value as a rejected row's record shows it.
fn show(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(a) => format!("(a list of {} values)", a.len()),
        toml::Value::Table(t) => format!("(a table of {} keys)", t.len()),
    }
}

/// The cells of an entry as far as they can be read, for a rejected row's record.
fn raw_cells(entry: &toml::Table) -> Vec<String> {
    fn key_of(column: &'static str) -> &'static str {
        match column {
            "jurisdiction" => "name",
            "jurisdiction_type" => "type",
            "source_citation" => "source",
            other => other,
        }
    }
    HEADER
        .iter()
        .map(|column| match entry.get(key_of(column)) {
            Some(value) => show(value),
            None => String::new(),
        })
        .collect()
}

/// Reads a TOML policy list into one record sheet, its malformed entries rejected with
/// their reasons.
///
/// # Errors
/// [`IngestError::Corrupt`] naming the file for text that is not TOML (the parser's
/// message gives the line), a list without `name` or without any `[[jurisdiction]]`, or
/// an unknown top-level key.
pub fn read_policy_list(file: &ReleaseFile) -> Result<Vec<RecordSheet>, IngestError> {
    let content = file.whole_content()?;
    let corrupt = |detail: String| IngestError::Corrupt {
        at: file.location(),
        format: "TOML policy list",
        detail,
    };
    let source = std::str::from_utf8(&content)
        .map_err(|e| corrupt(format!("not UTF-8 text: {e}")))?
        .trim_start_matches('\u{feff}');
    let list: toml::Table = toml::from_str(source).map_err(|e| corrupt(e.to_string()))?;
    if let Some(unknown) = list.keys().find(|k| !LIST_KEYS.contains(&k.as_str())) {
        return Err(corrupt(format!(
            "unknown key `{unknown}` at the top of the list (a list has {}; entries go under [[jurisdiction]])",
            LIST_KEYS.join(", ")
        )));
    }
    let name = text(&list, "name")
        .map_err(corrupt)?
        .ok_or_else(|| corrupt("the list has no `name`".into()))?;
    let list_source = text(&list, "source").map_err(corrupt)?;
    let entries = match list.get("jurisdiction") {
        Some(toml::Value::Array(entries)) if !entries.is_empty() => entries,
        _ => {
            return Err(corrupt(
                "the list has no [[jurisdiction]] entries".to_string(),
            ));
        }
    };
    let lines = entry_lines(source);
    let mut sheet = RecordSheet::with_header("sanctuary policies", HEADER);
    sheet.notes.push(format!(
        "TOML policy list {name:?}: {} jurisdiction entries{}",
        entries.len(),
        list_source
            .as_deref()
            .map(|s| format!("; list source: {s}"))
            .unwrap_or_default()
    ));
    if let Some(description) = text(&list, "description").map_err(corrupt)? {
        sheet.notes.push(format!("list description: {description}"));
    }
    for (i, entry) in entries.iter().enumerate() {
        // Entries written inline are numbered, not placed on a line.
        let at = if lines.len() == entries.len() {
            lines[i]
        } else {
            i as u64 + 1
        };
        let Some(table) = entry.as_table() else {
            sheet.reject(
                at,
                vec![show(entry)],
                None,
                format!("jurisdiction {}: an entry must be a table of keys", i + 1),
            );
            continue;
        };
        match entry_cells(table, list_source.as_deref(), &name) {
            Ok(cells) => sheet.push_text(at, cells),
            Err((column, reason)) => {
                let who = match text(table, "name") {
                    Ok(Some(n)) => format!("jurisdiction {} ({n:?})", i + 1),
                    _ => format!("jurisdiction {}", i + 1),
                };
                sheet.reject(
                    at,
                    raw_cells(table),
                    column.map(str::to_string),
                    format!("{who}: {reason}"),
                );
            }
        }
    }
    Ok(vec![sheet])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> toml::Table {
        toml::from_str(text).expect("toml")
    }

    const GOOD: &str = "name = \"Lane County\"\ntype = \"County\"\nstate = \"or\"\ncounty_fips = \"41039\"\npolicy = \"p\"\neffective_from = 2014-04-01\n";

    #[test]
    fn a_good_entry_takes_the_list_source() {
        let cells = entry_cells(&entry(GOOD), Some("https://list"), "L").expect("ok");
        assert_eq!(cells[1], "county");
        assert_eq!(cells[2], "OR");
        assert_eq!(cells[7], "2014-04-01");
        assert_eq!(cells[9], "https://list");
        assert_eq!(cells[10], "L");
    }

    #[test]
    fn bad_entries_say_why() {
        let reason = |t: &str, list_source: Option<&str>| {
            entry_cells(&entry(t), list_source, "L").expect_err("rejected")
        };
        let (column, why) = reason(GOOD, None);
        assert_eq!(column, Some("source_citation"));
        assert!(why.contains("no `source`"), "{why}");
        let (_, why) = reason(&GOOD.replace("County\"\n", "Parish\"\n"), Some("s"));
        assert!(why.contains("expected state, county or city"), "{why}");
        let (_, why) = reason(&GOOD.replace("\"41039\"", "\"06037\""), Some("s"));
        assert!(why.contains("another state"), "{why}");
        let (_, why) = reason(&GOOD.replace("\"41039\"", "41039"), Some("s"));
        assert!(why.contains("in quotes"), "{why}");
        let (_, why) = reason(&GOOD.replace("2014-04-01", "\"Sep-14\""), Some("s"));
        assert!(why.contains("not a date"), "{why}");
        let (_, why) = reason(&format!("{GOOD}effective_to = 2013-01-01\n"), Some("s"));
        assert!(why.contains("before"), "{why}");
        let (column, why) = reason(&format!("{GOOD}efective_to = 2015-01-01\n"), Some("s"));
        assert_eq!(column, None);
        assert!(why.contains("unknown key `efective_to`"), "{why}");
        let (_, why) = reason(
            &GOOD.replace("state = \"or\"", "state = \"Oregon\""),
            Some("s"),
        );
        assert!(why.contains("postal code"), "{why}");
    }

    #[test]
    fn entries_are_placed_on_their_header_lines() {
        let text = "name = \"x\"\n\n[[jurisdiction]]\nname = \"a\"\n  [[ jurisdiction ]] # second\nname = \"b\"\n";
        assert_eq!(entry_lines(text), [3, 5]);
    }
}
