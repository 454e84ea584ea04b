//! Method-group schemes (`data/schemes.toml` and `data/schemes/<name>.csv`): the ways
//! analysts group arrests by how they came about, each with its source.
//!
//! A scheme groups the values of one field (the table's method field, or a named field
//! such as `final_program`) by rules tried in file order, the first match winning:
//! `exact`, `prefix` or `contains`, compared on [`lookup_key`] (case and spacing do not
//! matter). A value no rule matches goes to the scheme's `unmatched` group; a blank or
//! withheld value has no group. The `default` scheme is the one stored with every release
//! (the `method_group` column) and used by operations.

use crate::table::TableKind;
use crate::text::lookup_key;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const SCHEMES_TOML: &str = include_str!("../data/schemes.toml");

/// The rule files, by scheme name (every scheme in `schemes.toml` must have one).
const RULE_FILES: &[(&str, &str)] = &[
    ("default", include_str!("../data/schemes/default.csv")),
    ("uwchr-2026", include_str!("../data/schemes/uwchr-2026.csv")),
    ("mpi-2018", include_str!("../data/schemes/mpi-2018.csv")),
];

/// The name of the scheme stored with every release.
pub const DEFAULT_SCHEME: &str = "default";

/// How a rule compares a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    Exact,
    Prefix,
    Contains,
}

/// One rule of a scheme.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeRule {
    pub matching: Matching,
    /// The value (or its start, or a part of it) as written in the file.
    pub value: String,
    pub group: String,
    /// Where the grouping comes from.
    pub source: String,
    #[serde(skip)]
    key: String,
}

/// A method-group scheme.
#[derive(Debug, Clone, Serialize)]
pub struct GroupingScheme {
    pub name: String,
    pub title: String,
    /// The field grouped: `method` (the table's method field) or a field name.
    pub field: String,
    /// Its groups in print order.
    pub groups: Vec<String>,
    /// The group of values no rule matches.
    pub unmatched: String,
    pub source: String,
    pub rules: Vec<SchemeRule>,
}

#[derive(Deserialize)]
struct SchemesFile {
    scheme: Vec<SchemeHeader>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeHeader {
    name: String,
    title: String,
    field: String,
    groups: Vec<String>,
    unmatched: String,
    source: String,
}

impl GroupingScheme {
    /// The group a rule gives `value`, `None` when no rule matches.
    pub fn classify(&self, value: &str) -> Option<&str> {
        let key = lookup_key(value);
        self.rules
            .iter()
            .find(|r| match r.matching {
                Matching::Exact => key == r.key,
                Matching::Prefix => key.starts_with(&r.key),
                Matching::Contains => key.contains(&r.key),
            })
            .map(|r| r.group.as_str())
    }

    /// The group of a given value: its rule's, else the unmatched group.
    pub fn group_of(&self, value: &str) -> &str {
        self.classify(value).unwrap_or(&self.unmatched)
    }

    /// The field this scheme groups in `table`: `None` when the table has none.
    pub fn field_in(&self, table: TableKind) -> Option<&'static str> {
        let def = table.def();
        if self.field == "method" {
            def.method.map(|i| def.fields[i].name.as_str())
        } else {
            def.field(&self.field).map(|f| f.name.as_str())
        }
    }
}

/// Every shipped scheme, the default first.
///
/// # Panics
/// When the embedded files are malformed (a build defect, caught by the tests).
pub fn schemes() -> &'static [GroupingScheme] {
    static SCHEMES: OnceLock<Vec<GroupingScheme>> = OnceLock::new();
    SCHEMES.get_or_init(|| {
        let file: SchemesFile = match toml::from_str(SCHEMES_TOML) {
            Ok(f) => f,
            Err(e) => panic!("schemes.toml: {e}"),
        };
        file.scheme.into_iter().map(load).collect()
    })
}

/// The scheme named `name`.
pub fn scheme(name: &str) -> Option<&'static GroupingScheme> {
    schemes().iter().find(|s| s.name == name)
}

/// The scheme stored with every release.
pub fn default_scheme() -> &'static GroupingScheme {
    &schemes()[0]
}

/// The names of the schemes, for messages.
pub fn scheme_names() -> String {
    schemes()
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn load(header: SchemeHeader) -> GroupingScheme {
    let Some((_, text)) = RULE_FILES.iter().find(|(n, _)| *n == header.name) else {
        panic!(
            "schemes.toml names {:?}, which has no rule file",
            header.name
        )
    };
    let mut rules = Vec::new();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for (i, rec) in reader.records().enumerate() {
        let at = format!("schemes/{}.csv line {}", header.name, i + 2);
        let rec = rec.unwrap_or_else(|e| panic!("{at}: {e}"));
        let matching = match &rec[0] {
            "exact" => Matching::Exact,
            "prefix" => Matching::Prefix,
            "contains" => Matching::Contains,
            other => panic!("{at}: unknown match {other:?}"),
        };
        let group = rec[2].to_string();
        if !header.groups.contains(&group) {
            panic!("{at}: group {group:?} is not one of {:?}", header.groups);
        }
        rules.push(SchemeRule {
            matching,
            key: lookup_key(&rec[1]),
            value: rec[1].to_string(),
            group,
            source: rec[3].to_string(),
        });
    }
    if !header.groups.contains(&header.unmatched) {
        panic!(
            "schemes.toml: {}'s unmatched group {:?} is not one of its groups",
            header.name, header.unmatched
        );
    }
    GroupingScheme {
        name: header.name,
        title: header.title,
        field: header.field,
        groups: header.groups,
        unmatched: header.unmatched,
        source: header.source,
        rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_schemes_load_and_group_as_their_sources_say() {
        assert_eq!(scheme_names(), "default, uwchr-2026, mpi-2018");
        let uwchr = scheme("uwchr-2026").unwrap();
        // "Non-Custodial Arrest" contains "Custodial Arrest": its own rule comes first.
        assert_eq!(uwchr.group_of("Non-Custodial Arrest"), "non-custodial");
        assert_eq!(uwchr.group_of("Custodial Arrest"), "custodial");
        assert_eq!(uwchr.group_of("CAP Local Incarceration"), "custodial");
        assert_eq!(uwchr.group_of("287(g) Program"), "all other methods");
        assert_eq!(uwchr.group_of("located"), "non-custodial");
        let mpi = scheme("mpi-2018").unwrap();
        assert_eq!(
            mpi.group_of("ERO Criminal Alien Program"),
            "criminal justice system"
        );
        assert_eq!(mpi.group_of("Fugitive Operations"), "at-large");
        assert_eq!(
            mpi.group_of("Non-Detained Docket Control"),
            "other programs"
        );
        assert_eq!(
            mpi.field_in(TableKind::from_slug("arrests").unwrap()),
            Some("final_program")
        );
        assert_eq!(
            default_scheme().field_in(TableKind::from_slug("arrests").unwrap()),
            Some("apprehension_method")
        );
        assert_eq!(
            default_scheme().group_of("Probation and Parole"),
            "at-large"
        );
        assert_eq!(default_scheme().classify("Teleportation"), None);
    }
}
