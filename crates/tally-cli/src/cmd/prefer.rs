//! `tally prefer`: choose which release counts where releases overlap, overriding the
//! default precedence rule; the choice is kept in the store's manifest and shown by
//! `status`.

use anyhow::{Result, bail};
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_model::{AorCrosswalk, TableKind};
use tally_store::{Preference, Store};

/// Choose the release that counts where releases overlap.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  tally prefer \"UW v. DHS - ICE Productions_LESA-STU_FINAL.xlsx\" --table arrests --aor SEA \\\n      --from 2018-10-01 --to 2019-07-06 --store ./store\n  tally prefer --clear --table arrests --store ./store\n\n\
Within the table (and AOR and days, when given), the chosen release counts and the releases it \
overlaps do not, whatever the default rule says (see README, \"Coverage, overlaps and missing days\"). The \
latest choice wins where choices overlap. `tally status` lists the choices in force; `tally \
count` names the rule that decided each overlap."
)]
pub struct Args {
    /// The release to prefer (file name, release id or SHA-256 prefix).
    #[arg(value_name = "RELEASE", required_unless_present = "clear")]
    pub release: Option<String>,
    /// Store directory.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// Table the choice applies to (required, but with --clear, which clears every
    /// table's choices without it).
    #[arg(long, value_name = "TABLE", required_unless_present = "clear")]
    pub table: Option<String>,
    /// AOR (code or name) the choice is limited to.
    #[arg(long, value_name = "AOR")]
    pub aor: Option<String>,
    /// First day the choice applies to.
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Last day the choice applies to.
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Remove choices instead (all, or those of --table).
    #[arg(long)]
    pub clear: bool,
}

/// Records or clears a choice.
///
/// # Errors
/// An unknown release, table or AOR, a reversed range, a release without that table, a
/// locked or unwritable store.
pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode> {
    let table = match &args.table {
        None => None,
        Some(t) => match TableKind::from_slug(t) {
            Some(t) => Some(t),
            None => bail!(
                "unknown table {t:?}; expected one of {}",
                TableKind::slugs()
            ),
        },
    };
    let store = Store::open(&args.store)?;
    let lock = Store::lock(&args.store)?;
    let mut preferences = store.manifest().preferences.clone();
    if args.clear {
        let before = preferences.len();
        preferences.retain(|p| table.is_some_and(|t| p.table != t));
        let removed = before - preferences.len();
        lock.set_preferences(preferences)?;
        writeln!(out, "removed {removed} choice(s)")?;
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(selector), Some(table)) = (&args.release, table) else {
        bail!("give a RELEASE and --table, or --clear");
    };
    let found = store.manifest().select(selector);
    let release = match found.as_slice() {
        [one] => *one,
        [] => bail!(
            "no release matches {selector:?} (use a file name, or at least 6 hex digits of a SHA-256; see `tally status`)"
        ),
        many => bail!(
            "{selector:?} matches {} releases; use a longer SHA-256 prefix",
            many.len()
        ),
    };
    if !release.tables().contains(&table) {
        bail!("{} holds no {table} rows", release.report.file_name);
    }
    let aor = match &args.aor {
        None => None,
        Some(a) => match AorCrosswalk::embedded().code_for(a) {
            Some(code) => Some(code.to_string()),
            None => bail!("--aor {a:?} is no AOR code or name Tally knows"),
        },
    };
    super::check_asked_dates(args.from, args.to)?;
    preferences.push(Preference {
        release: release.id.clone(),
        table,
        aor: aor.clone(),
        from: args.from,
        to: args.to,
        set_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    // A choice no overlap falls under would sit in `status` deciding nothing: refused,
    // with where the release does overlap another.
    let holding: Vec<&tally_catalog::ReleaseEntry> = store
        .manifest()
        .releases
        .iter()
        .filter(|r| r.tables().contains(&table))
        .collect();
    let precedence = tally_query::precedence::Precedence::new(table, &holding, &preferences);
    let its: Vec<&tally_query::precedence::Overlap> = precedence
        .overlaps()
        .iter()
        .filter(|o| o.winner_id == release.id || o.shadowed_id == release.id)
        .collect();
    let applies = its.iter().any(|o| {
        aor.as_ref().is_none_or(|a| &o.aor == a)
            && args.from.is_none_or(|f| o.last >= f)
            && args.to.is_none_or(|t| o.first <= t)
    });
    if !applies {
        let mut aors: Vec<&str> = its.iter().map(|o| o.aor.as_str()).collect();
        aors.sort_unstable();
        aors.dedup();
        let span = |f: fn(&&tally_query::precedence::Overlap) -> NaiveDate, last: bool| {
            let days = its.iter().map(f);
            if last { days.max() } else { days.min() }
        };
        bail!(
            "{} overlaps no other release's {table} rows{}{}{}: the choice would change no count, and is not recorded ({})",
            release.report.file_name,
            aor.as_ref().map(|a| format!(" in {a}")).unwrap_or_default(),
            args.from.map(|d| format!(" from {d}")).unwrap_or_default(),
            args.to.map(|d| format!(" to {d}")).unwrap_or_default(),
            match (span(|o| o.first, false), span(|o| o.last, true)) {
                (Some(first), Some(last)) => format!(
                    "it overlaps others in {} from {first} to {last}; `tally status` lists each overlap",
                    aors.join(", ")
                ),
                _ => format!("it overlaps no release's {table} rows anywhere"),
            }
        );
    }
    lock.set_preferences(preferences)?;
    writeln!(
        out,
        "{} ({}) now counts for {table}{}{}{} where releases overlap",
        release.report.file_name,
        release.id,
        aor.map(|a| format!(" {a}")).unwrap_or_default(),
        args.from.map(|d| format!(" from {d}")).unwrap_or_default(),
        args.to.map(|d| format!(" to {d}")).unwrap_or_default(),
    )?;
    Ok(ExitCode::SUCCESS)
}
