//! The dashboard's controls: one GET form, submitted to `/`, which the server sends on
//! (303) to the count's own URL, so every view chosen with the form has a permalink and
//! works without script. A few lines of script only jump to another table's form when
//! the table changes, and copy the permalink.

use super::serve_chart::SERIES;
use super::serve_page::escape;
use std::fmt::Write;

/// What the form offers for one table: its periods and dimensions, the fiscal years the
/// store holds, and filters with the values the store publishes.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Table slug.
    pub table: String,
    /// Period dimensions the table has (`week`, `month`, `date`, `fy`).
    pub series: Vec<String>,
    /// Other dimensions to split by.
    pub splits: Vec<String>,
    /// Fiscal years with rows in the store (`FY2019`).
    pub fys: Vec<String>,
    /// Filters: (dimension, label, values); a value is offered only when its count is
    /// published (not below the threshold), so the list itself discloses nothing.
    pub filters: Vec<(String, String, Vec<String>)>,
}

/// The form's fields that are not count parameters: they are turned into `by`.
pub const FORM_ONLY: [&str; 3] = ["table", "series", "split"];

/// The form, pre-filled from a view's query parameters (`by=month,method-group&aor=CHI`).
pub fn controls(c: &Choices, query: &[(String, String)]) -> String {
    let value = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let by: Vec<&str> = value("by").split(',').filter(|d| !d.is_empty()).collect();
    let (series, split) = match by.first() {
        Some(first) if SERIES.contains(first) => (*first, by.get(1).copied().unwrap_or("")),
        Some(first) => ("", *first),
        None => ("", ""),
    };
    let aors: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "aor")
        .flat_map(|(_, v)| v.split(','))
        .collect();
    let mut html = String::from(
        r#"<form method="get" action="/" class="controls" aria-label="choose a view">"#,
    );
    // Stays are counted on a page of their own (`/count/detention-stays`), as a table.
    let tables: String = tally_model::TableKind::all()
        .iter()
        .map(|t| t.slug())
        .chain([super::stays::STAYS])
        .map(|slug| option(slug, slug, slug == c.table))
        .collect();
    let _ = write!(
        html,
        r#"<label>Table <select name="table" data-go-table>{tables}</select></label>"#
    );
    let aor_options: String = tally_model::AorCrosswalk::embedded()
        .codes()
        .iter()
        .map(|(code, name)| option(code, &format!("{code} {name}"), aors.contains(code)))
        .collect();
    let _ = write!(
        html,
        r#"<label>AORs <select name="aor" multiple size="5" aria-describedby="aor-hint">{aor_options}</select></label><span id="aor-hint" class="note">none chosen: all AORs; Ctrl or Cmd to choose several</span>"#
    );
    let fys: String = std::iter::once(option("", "any", value("fy").is_empty()))
        .chain(c.fys.iter().map(|f| option(f, f, value("fy") == f)))
        .collect();
    let _ = write!(
        html,
        r#"<label>Fiscal year <select name="fy">{fys}</select></label><label>From <input name="from" type="date" value="{}"></label><label>To <input name="to" type="date" value="{}"></label>"#,
        escape(value("from")),
        escape(value("to")),
    );
    let series_options: String = std::iter::once(option("", "none", series.is_empty()))
        .chain(c.series.iter().map(|s| option(s, s, s == series)))
        .collect();
    let split_options: String = std::iter::once(option("", "none", split.is_empty()))
        .chain(c.splits.iter().map(|s| option(s, s, s == split)))
        .collect();
    let _ = write!(
        html,
        r#"<label>Over time by <select name="series">{series_options}</select></label><label>Split by <select name="split">{split_options}</select></label>"#
    );
    for (dim, label, values) in &c.filters {
        let chosen = value(dim);
        let options: String = std::iter::once(option("", "all", chosen.is_empty()))
            .chain(values.iter().map(|v| option(v, v, v == chosen)))
            .collect();
        let _ = write!(
            html,
            r#"<label>{} <select name="{}">{options}</select></label>"#,
            escape(label),
            escape(dim)
        );
    }
    html.push_str(r#"<button type="submit">Show</button></form>"#);
    html
}

fn option(value: &str, text: &str, selected: bool) -> String {
    format!(
        "<option value=\"{}\"{}>{}</option>",
        escape(value),
        if selected { " selected" } else { "" },
        escape(text)
    )
}

/// The count parameters a submitted form stands for: `series` and `split` become `by`,
/// repeated values of one dimension (`aor=CHI&aor=NYC`) one comma list, empty fields
/// none. Parameters given as such (`by=fy`) pass on when the form's own are absent.
///
/// The form is filled from the view it was on, so a table chosen without script arrives
/// with the previous table's period, split and filters: those the chosen table has no
/// dimension for (`has_dimension` false; asked of `from` and `to` too, which a reference
/// table has no dates for) are left out, and a split that repeats the period is asked
/// once, rather than the count answering 400.
pub fn count_query(
    form: &[(String, String)],
    has_dimension: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    let from_form = form.iter().any(|(k, _)| k == "series" || k == "split");
    let mut out: Vec<(String, String)> = Vec::new();
    if from_form {
        let mut by: Vec<&str> = Vec::new();
        for (_, v) in ["series", "split"]
            .iter()
            .filter_map(|k| form.iter().find(|(f, _)| f == k))
        {
            let v = v.trim();
            if !v.is_empty() && has_dimension(v) && !by.contains(&v) {
                by.push(v);
            }
        }
        if !by.is_empty() {
            out.push(("by".into(), by.join(",")));
        }
    }
    for (k, v) in form {
        let v = v.trim();
        if v.is_empty() || FORM_ONLY.contains(&k.as_str()) || (from_form && k == "by") {
            continue;
        }
        if from_form && k != "release" && !has_dimension(k) {
            continue;
        }
        match out.iter_mut().find(|(o, _)| o == k) {
            Some((_, values)) if !matches!(k.as_str(), "release") => {
                values.push(',');
                values.push_str(v);
            }
            _ => out.push((k.clone(), v.to_string())),
        }
    }
    out
}

/// The script of the controls: another table's form when the table changes, and a
/// button that copies the permalink (the page works without it).
pub const SCRIPT: &str = r#"<script>
for (const s of document.querySelectorAll('[data-go-table]')) {
  s.addEventListener('change', () => { location.href = '/count/' + encodeURIComponent(s.value); });
}
for (const b of document.querySelectorAll('[data-copy]')) {
  b.hidden = false;
  b.addEventListener('click', async () => {
    const url = new URL(b.dataset.copy, location.href).href;
    try { await navigator.clipboard.writeText(url); b.textContent = 'Copied'; }
    catch (e) { window.prompt('Permalink', url); }
  });
}
</script>"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_submitted_form_is_the_count_query_it_stands_for() {
        let form = pairs(&[
            ("table", "arrests"),
            ("aor", "CHI"),
            ("aor", "NYC"),
            ("fy", "FY2019"),
            ("from", ""),
            ("series", "month"),
            ("split", "method-group"),
            ("method-group", ""),
        ]);
        assert_eq!(
            count_query(&form, |_| true),
            pairs(&[
                ("by", "month,method-group"),
                ("aor", "CHI,NYC"),
                ("fy", "FY2019")
            ])
        );
        // No breakdown chosen: the total.
        let form = pairs(&[("table", "arrests"), ("series", ""), ("split", "")]);
        assert!(count_query(&form, |_| true).is_empty());
        // A table chosen without script: the previous table's split and filter it has
        // no dimension for are left out; a split repeating the period is asked once.
        let detention = |d: &str| !matches!(d, "method-group" | "criminality");
        let reference = |d: &str| !matches!(d, "from" | "to" | "fy");
        let form = pairs(&[
            ("table", "county-aor"),
            ("from", "2019-01-01"),
            ("to", "2019-03-31"),
            ("series", ""),
            ("split", ""),
        ]);
        assert!(count_query(&form, reference).is_empty());
        let form = pairs(&[
            ("table", "detention-stints"),
            ("aor", "CHI"),
            ("series", "month"),
            ("split", "method-group"),
            ("method-group", "at-large"),
            ("from", "2019-01-01"),
        ]);
        assert_eq!(
            count_query(&form, detention),
            pairs(&[("by", "month"), ("aor", "CHI"), ("from", "2019-01-01")])
        );
        let form = pairs(&[("table", "arrests"), ("series", "week"), ("split", "week")]);
        assert_eq!(count_query(&form, |_| true), pairs(&[("by", "week")]));
        // A hand-made link keeps its `by`, known or not (the count says what is wrong).
        let form = pairs(&[("table", "arrests"), ("by", "fy,nosuch"), ("nosuch", "x")]);
        assert_eq!(
            count_query(&form, |d| d != "nosuch"),
            pairs(&[("by", "fy,nosuch"), ("nosuch", "x")])
        );
        let form = pairs(&[("table", "arrests"), ("by", "fy,method-group")]);
        assert_eq!(
            count_query(&form, |_| true),
            pairs(&[("by", "fy,method-group")])
        );
    }

    #[test]
    fn the_form_is_filled_from_the_view() {
        let c = Choices {
            table: "arrests".into(),
            series: vec!["week".into(), "month".into()],
            splits: vec!["aor".into(), "method-group".into()],
            fys: vec!["FY2018".into(), "FY2019".into()],
            filters: vec![(
                "method-group".into(),
                "Method group".into(),
                vec!["custodial".into(), "at-large".into()],
            )],
        };
        let html = controls(
            &c,
            &pairs(&[
                ("by", "month,method-group"),
                ("aor", "CHI,NYC"),
                ("fy", "FY2019"),
                ("method-group", "at-large"),
            ]),
        );
        for selected in [
            "<option value=\"CHI\" selected>",
            "<option value=\"NYC\" selected>",
            "<option value=\"FY2019\" selected>",
            "<option value=\"month\" selected>",
            "<option value=\"method-group\" selected>",
            "<option value=\"at-large\" selected>",
        ] {
            assert!(html.contains(selected), "{selected}");
        }
        assert_eq!(html.matches(" selected>").count(), 7, "{html}");
    }
}
