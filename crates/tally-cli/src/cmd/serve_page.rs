//! The server's HTML: server-rendered pages with SVG charts and no script, readable at
//! phone width and by keyboard. A count page is drawn from the count's JSON (the
//! publication layer's output): suppressed cells show as `<10` and are not drawn.

use super::serve_chart::ChartMeta;
use super::serve_form::Choices;
use serde_json::Value;
use std::fmt::Write;
use tally_model::Figure;

/// Text escaped for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t} · Tally</title><style>
body{{font-family:system-ui,sans-serif;margin:1rem auto;max-width:64rem;padding:0 1rem;color:#111}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}}
td.n{{text-align:right;font-variant-numeric:tabular-nums}}pre{{white-space:pre-wrap;font-size:.85rem}}
nav a{{margin-right:1rem}}label{{display:inline-block;margin:.3rem 1rem .3rem 0}}input,select,button{{font:inherit}}
.note{{color:#444;font-size:.9rem}}svg{{max-width:100%;height:auto}}.scroll{{overflow-x:auto}}
form.controls{{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.2rem 1rem;padding:.5rem;background:#f4f6f8;border-radius:4px}}
:focus-visible{{outline:3px solid #0072B2;outline-offset:2px}}.total{{font-size:1.2rem}}
code,a,p,li{{overflow-wrap:anywhere}}select{{max-width:100%}}.chart svg{{min-width:560px}}
</style></head><body><nav><a href="/">Dashboard</a><a href="/status">Status</a><a href="/operations">Operations</a><a href="/openapi.json">API</a></nav><h1>{t}</h1>{body}</body></html>"#,
        t = escape(title),
    )
}

/// A command's text output as a page.
pub fn text_page(body: &[u8], argv: &[String]) -> Result<Vec<u8>, String> {
    let text = String::from_utf8_lossy(body);
    let title = argv.first().cloned().unwrap_or_default();
    Ok(page(&title, &format!("<pre>{}</pre>", escape(&text))).into_bytes())
}

/// The operations offered, as links and a picker (a GET form to `/operations?name=`).
pub fn operations_page(list: &[Value]) -> String {
    let mut items = String::new();
    let mut options = String::new();
    for o in list {
        let name = escape(o["name"].as_str().unwrap_or(""));
        let _ = write!(
            items,
            "<li><a href=\"{}\">{name}</a>: {}{}</li>",
            escape(o["url"].as_str().unwrap_or("")),
            escape(o["title"].as_str().unwrap_or("")),
            if o["shipped"] == Value::Bool(true) {
                ""
            } else {
                " (file given to the server)"
            }
        );
        let _ = write!(options, "<option>{name}</option>");
    }
    page(
        "Operations",
        &format!(
            r#"<form method="get" action="/operations"><label>Operation <select name="name">{options}</select></label> <button type="submit">Run</button></form><ul>{items}</ul><p class="note">Each page is <code>tally operation run NAME --format html</code>: the same report, charts and numbers as <code>--report</code>.</p>"#
        ),
    )
}

/// An operation's report page (`operation run --format html`, self-contained) with the
/// server's navigation and the command line added at the top of its body.
pub fn report_page(body: &[u8], argv: &[String]) -> Result<Vec<u8>, String> {
    let html = String::from_utf8_lossy(body);
    let nav = format!(
        r#"<nav style="font-family:system-ui,sans-serif"><a href="/">Dashboard</a> · <a href="/operations">Operations</a> · <a href="/status">Status</a></nav><p class="note"><code>{}</code></p>"#,
        escape(&super::serve::command_line_for(argv))
    );
    Ok(html
        .replacen("<body>", &format!("<body>{nav}"), 1)
        .into_bytes())
}

/// The dashboard: the controls for one table (the form's GET goes to `/`, which sends
/// it on to the count's own URL: the permalink).
pub fn dashboard(store: &std::path::Path, choices: &Choices) -> String {
    let body = format!(
        r#"<p class="note">Store {store}. Choose a table, AORs, dates and a breakdown; the view's URL is its permalink, and <code>.json</code> or <code>.csv</code> after the table's name gives its data.</p>{controls}
<p class="note">For example <a href="/count/arrests?by=fy,method-group">/count/arrests?by=fy,method-group</a>, or <a href="/map/arrests">a map of arrests by AOR</a>.</p>{script}"#,
        store = escape(&store.display().to_string()),
        controls = super::serve_form::controls(choices, &[]),
        script = super::serve_form::SCRIPT,
    );
    page("Tally", &body)
}

/// A count's page: the controls filled from its URL, its total, links (CSV, JSON, map,
/// permalink), a chart of the series (by week, month, date or fy) or of the categories,
/// the days no release covers, the caveats, the table and its sources. `axis` is the
/// count by the view's period alone (see [`super::serve_chart::chart`]).
///
/// # Errors
/// The count's JSON cannot be read.
pub fn count_page(
    body: &[u8],
    argv: &[String],
    choices: &Choices,
    query: &[(String, String)],
    axis: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("reading the count: {e}"))?;
    let dims: Vec<String> = v["dimensions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let table = argv.get(1).cloned().unwrap_or_default();
    // Stays are published as cells (`values`, `stays`), a count's groups keyed by
    // dimension with a `count`: the page shows both alike.
    let stays = table == super::stays::STAYS;
    let groups: Vec<Value> = if stays {
        v["cells"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let mut g = serde_json::Map::new();
                for (d, value) in dims
                    .iter()
                    .zip(c["values"].as_array().into_iter().flatten())
                {
                    g.insert(d.clone(), value.clone());
                }
                g.insert("count".into(), c["stays"].clone());
                Value::Object(g)
            })
            .collect()
    } else {
        v["groups"].as_array().cloned().unwrap_or_default()
    };
    let (unit, map_link) = if stays {
        // No map of stays: `/map` draws row tables by AOR.
        ("stays", String::new())
    } else {
        (
            "records",
            String::from(" · <a href=\"/map/{t}{mq}\">Map by AOR</a>"),
        )
    };
    let mut html = super::serve_form::controls(choices, query);
    let (path, q) = view_url(argv);
    // The map takes the view's filters but its AORs and breakdown: it shows every AOR.
    let filters: Vec<&str> = q
        .strip_prefix('?')
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("by=") && !p.starts_with("aor="))
        .collect();
    let map_query = if filters.is_empty() {
        String::new()
    } else {
        format!("?{}", filters.join("&"))
    };
    let _ = write!(
        html,
        r#"<p class="total">Total: <strong data-total>{total}</strong> {unit} of {t}</p><p><code>{cmd}</code></p><p><a href="{p}.csv{q}" download>Download CSV</a> · <a href="{p}.json{q}">JSON</a>{map} · permalink: <a href="{p}{q}" data-permalink>{p}{q}</a> <button type="button" data-copy="{p}{q}" hidden>Copy permalink</button></p>"#,
        total = escape(&figure(&v["total"])),
        map = map_link
            .replace("{t}", &escape(&table))
            .replace("{mq}", &escape(&map_query)),
        t = escape(&table),
        cmd = escape(&super::serve::command_line_for(argv)),
        p = escape(&path),
        q = escape(&q),
    );
    let meta = ChartMeta {
        table: table.clone(),
        period: period_of(query),
        source: sources_line(&v),
    };
    let axis: Option<Vec<Value>> = axis
        .and_then(|a| serde_json::from_slice::<Value>(a).ok())
        .and_then(|a| a["groups"].as_array().cloned());
    let _ = write!(
        html,
        "<div class=\"scroll chart\">{}</div>",
        super::serve_chart::chart(&dims, &groups, axis.as_deref(), &meta)
    );
    html.push_str(&coverage(&v));
    // Cells that miss days say so in a column, as the CLI's table and CSV do (a month
    // half covered had read as a drop).
    let words: Vec<String> = groups.iter().map(|g| cell_coverage(&table, g)).collect();
    let with_coverage = words.iter().any(|w| !w.is_empty());
    html.push_str("<div class=\"scroll\"><table><thead><tr>");
    for d in &dims {
        let _ = write!(html, "<th scope=\"col\">{}</th>", escape(d));
    }
    let _ = write!(
        html,
        "<th scope=\"col\">{}</th>{}</tr></thead><tbody>",
        if stays { "stays" } else { "count" },
        if with_coverage {
            "<th scope=\"col\">coverage</th>"
        } else {
            ""
        }
    );
    for (g, w) in groups.iter().zip(&words) {
        html.push_str("<tr>");
        for d in &dims {
            let _ = write!(html, "<td>{}</td>", escape(g[d].as_str().unwrap_or("")));
        }
        let _ = write!(
            html,
            "<td class=\"n\">{}</td>",
            escape(&figure(&g["count"]))
        );
        if with_coverage {
            let _ = write!(html, "<td data-cell-coverage>{}</td>", escape(w));
        }
        html.push_str("</tr>");
    }
    let _ = write!(
        html,
        "</tbody><tfoot><tr><th scope=\"row\" colspan=\"{}\">total</th><td class=\"n\">{}</td>{}</tr></tfoot></table></div>",
        dims.len().max(1),
        escape(&figure(&v["total"])),
        if with_coverage { "<td></td>" } else { "" }
    );
    html.push_str(&provenance(&v));
    html.push_str(super::serve_form::SCRIPT);
    Ok(page(&format!("Count of {table}"), &html).into_bytes())
}

/// A group's coverage in the words of the CLI's coverage column (empty when every day is
/// covered), from its JSON (`coverage`, `incomplete`).
fn cell_coverage(table: &str, g: &Value) -> String {
    let coverage = match g["coverage"]["coverage"].as_str() {
        Some("partial") => tally_query::count::CellCoverage::Partial {
            covered: g["coverage"]["covered"].as_i64().unwrap_or(0),
            of: g["coverage"]["of"].as_i64().unwrap_or(0),
        },
        Some("not-covered") => tally_query::count::CellCoverage::NotCovered,
        _ => tally_query::count::CellCoverage::Full,
    };
    let count = Figure::from_json(&g["count"]).unwrap_or(Figure::NotShown);
    super::count::cell_coverage_words(
        table,
        &coverage,
        &count,
        g["incomplete"] == Value::Bool(true),
    )
}

/// A published figure as the table prints it: `1,234`, `<10`, `about 1,230`, `not
/// covered` (the publication layer's own wording).
fn figure(v: &Value) -> String {
    tally_model::Figure::from_json(v).map_or_else(|| v.to_string(), |f| f.text())
}

/// The view's period in words, from its `from`, `to` and `fy` parameters.
fn period_of(query: &[(String, String)]) -> String {
    let value = |key: &str| {
        query
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let dates = match (value("from"), value("to")) {
        (Some(f), Some(t)) => Some(format!("{f} to {t}")),
        (Some(f), None) => Some(format!("from {f}")),
        (None, Some(t)) => Some(format!("to {t}")),
        (None, None) => None,
    };
    match (value("fy"), dates) {
        (Some(fy), Some(d)) => format!("{fy}, {d}"),
        (Some(fy), None) => fy,
        (None, Some(d)) => d,
        (None, None) => "every date the ingested releases cover".into(),
    }
}

/// The releases behind a count as one line (`a.csv, b.csv and 2 more`).
fn sources_line(v: &Value) -> String {
    let names: Vec<&str> = v["releases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["file_name"].as_str())
        .collect();
    match names.len() {
        0 => "no release".into(),
        1..=3 => format!("ICE releases {}", names.join(", ")),
        n => format!("ICE releases {} and {} more", names[..2].join(", "), n - 2),
    }
}

/// The covered and not-covered days of a view: each gap (AORs and days no release
/// covers, missing rather than zero), or that none was found.
fn coverage(v: &Value) -> String {
    let gaps = v["coverage_gaps"].as_array().cloned().unwrap_or_default();
    if gaps.is_empty() {
        return "<p class=\"note\" data-coverage>Coverage: no day of this view lacks an ingested release.</p>".into();
    }
    let mut html = String::from("<h2>Days no release covers</h2><ul data-coverage>");
    for g in &gaps {
        let aors: Vec<&str> = g["aors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a.as_str())
            .collect();
        // A gap lists the AORs it leaves out; a table without AORs (the detention
        // headcount) is covered or not as a whole, and its gaps list none.
        let which = if aors.is_empty() {
            String::new()
        } else {
            format!(": {}", aors.join(", "))
        };
        let _ = write!(
            html,
            "<li>{} to {}{} (counts there are missing, not zero)</li>",
            escape(g["first"].as_str().unwrap_or("")),
            escape(g["last"].as_str().unwrap_or("")),
            escape(&which)
        );
    }
    html.push_str("</ul>");
    html
}

/// The count view's path and query string, rebuilt from its command line (the inverse
/// of the server's mapping): `count arrests --by fy --where aor=CHI` is
/// `/count/arrests` and `?by=fy&aor=CHI`.
fn view_url(argv: &[String]) -> (String, String) {
    let table = argv.get(1).cloned().unwrap_or_default();
    // The server writes options as `--flag=value`; a command typed by hand as two words.
    let mut words: Vec<(String, String)> = Vec::new();
    let mut i = 2;
    while i < argv.len() {
        match argv[i].split_once('=') {
            Some((f, v)) if argv[i].starts_with("--") => {
                words.push((f.to_string(), v.to_string()));
                i += 1;
            }
            _ => {
                words.push((
                    argv[i].clone(),
                    argv.get(i + 1).cloned().unwrap_or_default(),
                ));
                i += 2;
            }
        }
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (flag, value) in words {
        match flag.as_str() {
            "--store" | "--format" | "--suppress-below" | "--max-groups" => {}
            "--where" => {
                if let Some((k, v)) = value.split_once('=') {
                    pairs.push((k.to_string(), v.to_string()));
                }
            }
            f => pairs.push((f.trim_start_matches("--").to_string(), value)),
        }
    }
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    (
        format!("/count/{}", encode(&table)),
        if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
    )
}

/// Percent-encoding for a URL component (letters, digits, `-_.~,` kept).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// AOR outlines: us-atlas counties (Census, Albers USA) merged through the county-AOR
/// crosswalk by `scripts/aor-shapes/make.mjs`, generated once and committed; the server
/// fetches nothing.
const AOR_SHAPES: &str = include_str!("../../assets/aor-shapes.json");

/// The map page of a count by AOR (`/map/{table}`): each AOR shaded by its exact count
/// (or rate per 100,000, with `per-capita`) in five bins; suppressed, missing and
/// not-covered AORs are grey and hatched, never shaded as a number.
pub fn map_page(body: &[u8], argv: &[String]) -> Result<Vec<u8>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("reading the count: {e}"))?;
    let shapes: Value =
        serde_json::from_str(AOR_SHAPES).map_err(|e| format!("reading the AOR shapes: {e}"))?;
    let rate = argv.iter().any(|a| a.starts_with("--per-capita"));
    let mut values: Vec<(String, Option<f64>, String)> = Vec::new();
    for g in v["groups"].as_array().into_iter().flatten() {
        let aor = g["aor"].as_str().unwrap_or("").to_string();
        let count = Figure::from_json(&g["count"]);
        let uncovered = super::serve_chart::not_covered(g);
        let value = if uncovered {
            None
        } else if rate {
            g["per_100k"]["rate"].as_f64()
        } else {
            super::serve_chart::drawn(g).map(|n| n as f64)
        };
        // An extract of one state's rows holds only that state's part of this AOR: said
        // where the AOR is shaded (Seattle's 1,876 from Washington's file had read as
        // Alaska's and Oregon's too).
        let part_of: Vec<String> = v["state_extracts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| {
                e["aors"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(aor.as_str())))
            })
            .map(|e| {
                format!(
                    "{}'s part only: {} is one state's extract",
                    e["state"].as_str().unwrap_or(""),
                    e["release"].as_str().unwrap_or("")
                )
            })
            .collect();
        let part_of = if part_of.is_empty() {
            String::new()
        } else {
            format!(" ({})", part_of.join("; "))
        };
        let label = match (value, rate) {
            (None, _) if uncovered => match count {
                Some(f) if !matches!(f, Figure::NotCovered | Figure::Exact(0)) => format!(
                    "not covered: {} rows of a release that does not claim these days",
                    f.text()
                ),
                _ => "not covered".to_string(),
            },
            (Some(x), true) => format!(
                "{x:.1} per 100,000 ({}){part_of}",
                count.map(|f| f.text()).unwrap_or_default()
            ),
            (Some(x), false) => format!("{}{part_of}", crate::render::thousands(x as u64)),
            (None, _) => count.map(|f| f.text()).unwrap_or_else(|| "no data".into()),
        };
        values.push((aor, value, label));
    }
    let mut shaded: Vec<f64> = values.iter().filter_map(|v| v.1).collect();
    shaded.sort_by(f64::total_cmp);
    let bins: Vec<f64> = (1..5)
        .map(|k| shaded.get(shaded.len() * k / 5).copied().unwrap_or(0.0))
        .collect();
    let colours = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
    // Strictly above a bin's lower bound: ties (a map of zeros) stay in the lightest bin.
    let bin_of = |x: f64| bins.iter().filter(|b| x > **b).count().min(4);
    let mut svg = format!(
        r##"<svg viewBox="0 0 975 610" role="img" aria-label="map of AORs"><title>{} by AOR</title><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#aaa" stroke-width="2"/></pattern></defs>"##,
        if rate {
            "Rate per 100,000 residents"
        } else {
            "Count of records"
        }
    );
    let pooled = v["notes"].as_array().into_iter().flatten().any(|n| {
        n.as_str()
            .is_some_and(|n| n.contains("rows are not listed"))
    });
    // AORs a filter leaves out were not asked about: "no rows" would read as zero.
    let asked: Option<Vec<String>> = argv
        .iter()
        .filter_map(|a| a.strip_prefix("--where=aor="))
        .map(|list| {
            list.split(',')
                .map(|a| a.trim().to_ascii_uppercase())
                .collect()
        })
        .next();
    for (aor, d) in shapes["aors"].as_object().into_iter().flatten() {
        let found = values.iter().find(|v| &v.0 == aor);
        let (fill, label) = match found {
            Some((_, Some(x), label)) => (colours[bin_of(*x)].to_string(), label.clone()),
            Some((_, None, label)) => ("url(#hatch)".to_string(), format!("{label} (not shaded)")),
            None if asked.as_ref().is_some_and(|a| !a.contains(aor)) => (
                "url(#hatch)".to_string(),
                "not asked about (not shaded)".to_string(),
            ),
            // A count whose small groups are not listed (a key fine enough to list
            // records): an AOR missing from it may hold a few rows.
            None if pooled => (
                "url(#hatch)".to_string(),
                format!(
                    "not listed: fewer than {} rows or none (not shaded)",
                    v["suppress_below"].as_u64().unwrap_or(10)
                ),
            ),
            None => (
                "url(#hatch)".to_string(),
                "no rows (not shaded)".to_string(),
            ),
        };
        let _ = write!(
            svg,
            r##"<path d="{}" fill="{fill}" stroke="#333" stroke-width="0.6" data-aor="{a}"><title>{a}: {l}</title></path>"##,
            d.as_str().unwrap_or(""),
            a = escape(aor),
            l = escape(&label)
        );
    }
    let _ = write!(
        svg,
        r##"<path d="{}" fill="none" stroke="#fff" stroke-width="0.5" stroke-dasharray="2,2"/></svg>"##,
        shapes["states"].as_str().unwrap_or("")
    );
    // One key per shade in use, with the lowest and highest value it stands for.
    let mut legend = String::from("<p class=\"note\">");
    let shown = |x: f64| {
        if rate {
            format!("{x:.1}")
        } else {
            crate::render::thousands(x as u64)
        }
    };
    for (k, c) in colours.iter().enumerate() {
        let in_bin: Vec<f64> = shaded.iter().copied().filter(|x| bin_of(*x) == k).collect();
        let (Some(lo), Some(hi)) = (in_bin.first(), in_bin.last()) else {
            continue;
        };
        let _ = write!(
            legend,
            "<span style=\"display:inline-block;width:1em;height:1em;background:{c};border:1px solid #333\"></span> {} ",
            if lo == hi {
                shown(*lo)
            } else {
                format!("{} to {}", shown(*lo), shown(*hi))
            }
        );
    }
    legend.push_str("<span style=\"display:inline-block;width:1em;height:1em;background:#ddd;border:1px solid #333\"></span> suppressed, not covered, no rows, or not asked about (not shaded)</p>");
    // The period and source, said above the map as under a chart.
    let (_, q) = view_url(argv);
    let query: Vec<(String, String)> = q
        .trim_start_matches('?')
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut html = format!(
        "<p><code>{}</code></p><p class=\"note\" data-caption>{} of {} by AOR. Period: {}. Source: {}.</p><div class=\"scroll chart\">{svg}</div>{legend}",
        escape(&super::serve::command_line_for(argv)),
        if rate {
            "Rate per 100,000 residents"
        } else {
            "Count of records"
        },
        escape(argv.get(1).map_or("", String::as_str)),
        escape(&period_of(&query)),
        escape(&sources_line(&v)),
    );
    let _ = write!(
        html,
        "<p class=\"note\">{} {}</p>",
        escape(shapes["source"].as_str().unwrap_or("")),
        escape(shapes["licence"].as_str().unwrap_or(""))
    );
    html.push_str(&provenance(&v));
    let table = argv.get(1).cloned().unwrap_or_default();
    Ok(page(&format!("Map of {table} by AOR"), &html).into_bytes())
}

/// A count's sources (file and SHA-256) and notes, as the page's closing paragraphs.
fn provenance(v: &Value) -> String {
    let mut html = String::new();
    for r in v["releases"].as_array().into_iter().flatten() {
        let _ = write!(
            html,
            "<p class=\"note\">source: {} (sha256 {})</p>",
            escape(r["file_name"].as_str().unwrap_or("")),
            escape(r["sha256"].as_str().unwrap_or(""))
        );
    }
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str())
        .collect();
    if !notes.is_empty() {
        html.push_str("<h2>Caveats</h2><ul data-caveats>");
        for n in notes {
            let _ = write!(html, "<li>{}</li>", escape(n));
        }
        html.push_str("</ul>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gap names the AORs it leaves out; a gap of a table without AORs (the detention
    /// headcount) names none, and does not claim "every AOR" of a table that has none.
    #[test]
    fn a_gap_names_its_aors_and_a_table_without_aors_names_none() {
        let view = serde_json::json!({"coverage_gaps": [
            {"first": "2024-01-05", "last": "2024-03-31", "aors": []},
            {"first": "2020-02-01", "last": "2020-02-29", "aors": ["CHI", "NYC"]},
        ]});
        let html = coverage(&view);
        assert!(
            html.contains("<li>2024-01-05 to 2024-03-31 (counts there are missing, not zero)</li>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<li>2020-02-01 to 2020-02-29: CHI, NYC (counts there are missing, not zero)</li>"
            ),
            "{html}"
        );
        assert!(!html.contains("every AOR"), "{html}");
        let none = coverage(&serde_json::json!({"coverage_gaps": []}));
        assert!(
            none.contains("no day of this view lacks an ingested release"),
            "{none}"
        );
    }
}
