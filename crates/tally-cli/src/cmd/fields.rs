//! `tally fields`: every field of each table as its definition states it (type,
//! description, source, the names it answers to), and with `--store`, what the store holds
//! of it (share missing, share withheld, distinct values).

use crate::render::{table, thousands};
use anyhow::{Result, bail};
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::{Catalog, TableKind};
use tally_publish::{Disclosure, PublishedProfile, publish_profile};
use tally_query::{FieldProfile, profile_fields};
use tally_store::Store;

/// List the fields of each table: definitions, and what a store holds of them.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally fields arrests\n  tally fields arrests --store ./store\n  tally fields --format markdown   # the README's field tables\n\n\
Fields come from the table definitions (crates/tally-model/data/tables/*.toml). Text and yes/no \
fields are dimensions of `tally count` (--by, --where) under their name or an alias; identifiers, \
dates and numbers are not. With --store, each field's share of rows missing (blank, a placeholder \
such as NA, or a column the release lacks) and withheld (a FOIA exemption marker), and its number \
of distinct values, over every release of the store holding the table."
)]
pub struct Args {
    /// Table (default: every table).
    #[arg(value_name = "TABLE")]
    pub table: Option<String>,
    /// Store directory: adds what the store holds of each field.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FieldsFormat::Table)]
    pub format: FieldsFormat,
}

/// Output formats of `tally fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FieldsFormat {
    /// Aligned text for a terminal.
    Table,
    /// CSV, one row per table and field.
    Csv,
    /// JSON.
    Json,
    /// Markdown tables, as in the README.
    Markdown,
}

/// Prints the fields.
///
/// # Errors
/// An unknown table, a missing store, output errors.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let tables: Vec<TableKind> = match &args.table {
        None => TableKind::all(),
        Some(name) => match TableKind::from_slug(name) {
            Some(t) => vec![t],
            None => bail!(
                "unknown table {name:?}; expected one of {}",
                TableKind::slugs()
            ),
        },
    };
    let store = args.store.as_deref().map(Store::open).transpose()?;
    let mut profiles: Vec<Option<Vec<FieldProfile>>> = Vec::new();
    for t in &tables {
        profiles.push(match &store {
            Some(s) => Some(profile_fields(s, *t)?),
            None => None,
        });
    }
    let rule = Disclosure::default();
    match args.format {
        FieldsFormat::Markdown => markdown(out, &tables)?,
        FieldsFormat::Json => {
            let doc: Vec<serde_json::Value> = tables
                .iter()
                .zip(&profiles)
                .map(|(t, p)| {
                    let def = t.def();
                    let fields: Vec<serde_json::Value> = def
                        .fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| {
                            let mut v = json!({
                                "name": f.name,
                                "type": f.field_type.name(),
                                "dimension": f.field_type.is_dimension().then(|| f.cli_name()),
                                "aliases": f.aliases,
                                "role": role(*t, i),
                                "description": f.description,
                                "source": f.source,
                                "headers": Catalog::embedded().crosswalk().spellings(*t, &f.name),
                            });
                            if let Some(p) = p.as_ref().and_then(|p| p.get(i)) {
                                let p = publish_profile(p, rule);
                                v["store"] = json!({
                                    "field": p.field,
                                    "rows": p.rows.json(),
                                    "missing": p.missing.json(),
                                    "withheld": p.withheld.json(),
                                    "missing_percent": p.missing_percent,
                                    "withheld_percent": p.withheld_percent,
                                    "distinct": p.distinct,
                                    "releases_with_column": p.releases_with_column,
                                });
                            }
                            v
                        })
                        .collect();
                    json!({
                        "table": t.slug(),
                        "sources": store.as_ref().map(|s| {
                            releases_of(s, *t)
                                .into_iter()
                                .map(|(name, sha)| json!({"file_name": name, "sha256": sha}))
                                .collect::<Vec<_>>()
                        }),
                        "name": def.name,
                        "description": def.description,
                        "source": def.source,
                        "event": def.event_names(),
                        "derived_dimensions": derived(*t),
                        "fields": fields,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        FieldsFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            let mut header = vec![
                "table",
                "field",
                "type",
                "dimension",
                "aliases",
                "role",
                "description",
                "source",
            ];
            if store.is_some() {
                header.extend(["rows", "missing", "withheld", "distinct"]);
            }
            w.write_record(&header)?;
            for (t, p) in tables.iter().zip(&profiles) {
                for (i, f) in t.def().fields.iter().enumerate() {
                    let mut record = vec![
                        t.slug().to_string(),
                        f.name.clone(),
                        f.field_type.name().to_string(),
                        if f.field_type.is_dimension() {
                            f.cli_name()
                        } else {
                            String::new()
                        },
                        f.aliases.join(" "),
                        role(*t, i).unwrap_or_default().to_string(),
                        f.description.clone(),
                        f.source.clone(),
                    ];
                    if let Some(p) = p.as_ref().and_then(|p| p.get(i)) {
                        let p = publish_profile(p, rule);
                        record.extend([
                            p.rows.plain(),
                            p.missing.plain(),
                            p.withheld.plain(),
                            p.distinct.to_string(),
                        ]);
                    }
                    w.write_record(&record)?;
                }
            }
            w.flush()?;
        }
        FieldsFormat::Table => {
            for (t, p) in tables.iter().zip(&profiles) {
                let def = t.def();
                writeln!(out, "{} ({}): {}", t.slug(), def.name, def.description)?;
                match def.key {
                    Some(key) if def.reference => writeln!(
                        out,
                        "  reference table: one row per {} a list names; no event date",
                        def.fields[key].name
                    )?,
                    _ => writeln!(
                        out,
                        "  event date: {} (first filled)",
                        def.event_names().join(", then ")
                    )?,
                }
                writeln!(out, "  derived dimensions: {}", derived(*t).join(", "))?;
                let mut header: Vec<String> = ["field", "type", "--by / --where", "role"]
                    .map(String::from)
                    .to_vec();
                if let Some(p) = p {
                    let rows = p.first().map_or(0, |x| x.rows);
                    writeln!(out, "  in this store: {} rows", thousands(rows))?;
                    // Each figure below is of these releases' rows, every row of each
                    // (no precedence: a field's missing cells are a release's own).
                    if let Some(s) = &store {
                        for (name, sha) in releases_of(s, *t) {
                            writeln!(out, "  source: {name} (sha256 {sha})")?;
                        }
                    }
                    header.extend(["missing", "withheld", "distinct"].map(String::from));
                }
                header.push("description".into());
                let rows: Vec<Vec<String>> = def
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let names = if f.field_type.is_dimension() {
                            std::iter::once(f.cli_name())
                                .chain(f.aliases.iter().cloned())
                                .collect::<Vec<_>>()
                                .join(", ")
                        } else {
                            "-".into()
                        };
                        let mut r = vec![
                            f.name.clone(),
                            f.field_type.name().to_string(),
                            names,
                            role(*t, i).unwrap_or_default().to_string(),
                        ];
                        if let Some(p) = p.as_ref().and_then(|p| p.get(i)) {
                            let p = publish_profile(p, rule);
                            r.push(PublishedProfile::share_text(p.missing, p.missing_percent));
                            r.push(PublishedProfile::share_text(p.withheld, p.withheld_percent));
                            r.push(thousands(p.distinct));
                        }
                        r.push(clip_words(&f.description, 70));
                        r
                    })
                    .collect();
                let right: Vec<usize> = if p.is_some() { vec![4, 5, 6] } else { vec![] };
                let rendered = table(&header, &rows, &right);
                for line in rendered.lines() {
                    writeln!(out, "  {line}")?;
                }
                writeln!(out)?;
            }
            writeln!(
                out,
                "Sources of each field: `tally fields --format csv` or the table definitions in crates/tally-model/data/tables."
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The field's role in its table, if any.
fn role(table: TableKind, index: usize) -> Option<&'static str> {
    let def = table.def();
    if def.event.first() == Some(&index) {
        Some("event date")
    } else if def.event.contains(&index) {
        Some("event date (fallback)")
    } else if def.aor == Some(index) {
        Some("AOR")
    } else if def.method == Some(index) {
        Some("method")
    } else if def.person == Some(index) {
        Some("person")
    } else {
        None
    }
}

/// The derived dimensions a table has (the query layer's one list).
fn derived(table: TableKind) -> Vec<String> {
    tally_query::Dimension::all(table)
        .into_iter()
        .filter(|d| !matches!(d, tally_query::Dimension::Field(_)))
        .map(|d| d.name())
        .collect()
}

/// A share as a percentage with one decimal (`0.0%` only when exactly none).
fn clip_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}...", &cut[..at])
}

/// The README's field tables: one Markdown table per table kind.
fn markdown(out: &mut dyn Write, tables: &[TableKind]) -> std::io::Result<()> {
    let escape = |s: &str| s.replace('|', "\\|");
    for t in tables {
        let def = t.def();
        writeln!(
            out,
            "<details><summary><code>{}</code>: {} ({} fields)</summary>\n",
            t.slug(),
            def.name,
            def.fields.len()
        )?;
        let dated = match def.key {
            Some(key) if def.reference => format!(
                "A reference table keyed by `{}`, with no event date",
                def.fields[key].name
            ),
            _ => format!(
                "Event date: {}",
                def.event_names()
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", then ")
            ),
        };
        writeln!(
            out,
            "{} {dated}. Derived dimensions: {}. Source: {}.\n",
            escape(&def.description),
            derived(*t).join(", "),
            escape(&def.source)
        )?;
        writeln!(out, "| field | type | `--by` names | role | description |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for (i, f) in def.fields.iter().enumerate() {
            let names = if f.field_type.is_dimension() {
                std::iter::once(f.cli_name())
                    .chain(f.aliases.iter().cloned())
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                String::new()
            };
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                f.name,
                f.field_type.name(),
                names,
                role(*t, i).unwrap_or_default(),
                escape(&f.description)
            )?;
        }
        writeln!(out, "\n</details>\n")?;
    }
    Ok(())
}

/// The releases of `store` holding `table`, in ingest order: (file name, SHA-256), the
/// sources of the figures `fields` prints for it.
fn releases_of(store: &Store, table: TableKind) -> Vec<(String, String)> {
    store
        .manifest()
        .releases
        .iter()
        .filter(|r| r.tables().contains(&table))
        .map(|r| (r.report.file_name.clone(), r.report.sha256.clone()))
        .collect()
}
