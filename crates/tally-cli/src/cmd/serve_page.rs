//! The server's HTML: server-rendered pages with SVG charts and no script, readable at
//! phone width and by keyboard. A count page is drawn from the count's JSON (the
//! publication layer's output): suppressed cells show as `<10` and are not drawn.

use serde_json::Value;
use std::fmt::Write;

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
.note{{color:#444;font-size:.9rem}}svg{{max-width:100%;height:auto}}
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

/// The dashboard: a GET form over `/count/{table}`; its result's URL is the permalink.
pub fn dashboard(store: &std::path::Path) -> String {
    let tables: String = tally_model::TableKind::all()
        .iter()
        .map(|t| format!("<option>{}</option>", escape(t.slug())))
        .collect();
    let body = format!(
        r#"<p class="note">Store {store}. Every view is a URL; add <code>.json</code> or <code>.csv</code> to a count's table for its data.</p>
<form method="get" action="/">
<label>Table <select name="table">{tables}</select></label>
<label>Break down by <input name="by" value="fy,method-group" size="24"></label>
<label>AORs <input name="aor" placeholder="all, or CHI,NYC" size="12"></label>
<label>From <input name="from" type="date"></label>
<label>To <input name="to" type="date"></label>
<button type="submit">Count</button></form>
<p class="note">The form leads to a count's own URL, such as <a href="/count/arrests?by=fy,method-group">/count/arrests?by=fy,method-group</a>: that URL is the permalink.</p>"#,
        store = escape(&store.display().to_string()),
    );
    page("Tally", &body)
}

/// A count's page: its table, a chart of the series (by week, month, date or fy) or of
/// the categories, its sources and notes.
pub fn count_page(body: &[u8], argv: &[String]) -> Result<Vec<u8>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("reading the count: {e}"))?;
    let dims: Vec<String> = v["dimensions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let groups = v["groups"].as_array().cloned().unwrap_or_default();
    let mut html = String::new();
    let (path, query) = view_url(argv);
    let _ = write!(
        html,
        "<p><code>{}</code></p><p><a href=\"{p}.csv{q}\" download>Download CSV</a> · <a href=\"{p}.json{q}\">JSON</a> · permalink: <a href=\"{p}{q}\">{p}{q}</a></p>",
        escape(&super::serve::command_line_for(argv)),
        p = escape(&path),
        q = escape(&query),
    );
    html.push_str(&chart(&dims, &groups));
    html.push_str("<table><thead><tr>");
    for d in &dims {
        let _ = write!(html, "<th scope=\"col\">{}</th>", escape(d));
    }
    html.push_str("<th scope=\"col\">count</th></tr></thead><tbody>");
    for g in &groups {
        html.push_str("<tr>");
        for d in &dims {
            let _ = write!(html, "<td>{}</td>", escape(g[d].as_str().unwrap_or("")));
        }
        let _ = write!(
            html,
            "<td class=\"n\">{}</td></tr>",
            escape(&figure(&g["count"]))
        );
    }
    let _ = write!(
        html,
        "</tbody></table><p>total {}</p>",
        escape(&figure(&v["total"]))
    );
    html.push_str(&provenance(&v));
    let table = argv.get(1).cloned().unwrap_or_default();
    Ok(page(&format!("Count of {table}"), &html).into_bytes())
}

/// A published figure as the table prints it: `1,234`, `<10`, `about 1,230`, `not
/// covered` (the publication layer's own wording).
fn figure(v: &Value) -> String {
    tally_model::Figure::from_json(v).map_or_else(|| v.to_string(), |f| f.text())
}

/// Bars of the exact counts of the first dimension (suppressed and missing cells are not
/// drawn), with units and the dimension named.
fn chart(dims: &[String], groups: &[Value]) -> String {
    let Some(first) = dims.first() else {
        return String::new();
    };
    // One bar per value of the first dimension, summing only exact cells.
    let mut bars: Vec<(String, u64, bool)> = Vec::new();
    for g in groups {
        let key = g[first].as_str().unwrap_or("").to_string();
        let exact = g["count"].as_u64();
        match bars.iter_mut().find(|b| b.0 == key) {
            Some(b) => {
                b.1 += exact.unwrap_or(0);
                b.2 |= exact.is_none();
            }
            None => bars.push((key, exact.unwrap_or(0), exact.is_none())),
        }
    }
    if bars.is_empty() || bars.len() > 400 {
        return String::new();
    }
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let width = 760.0;
    let bar_w = (width - 60.0) / bars.len() as f64;
    let mut svg = format!(
        r#"<svg viewBox="0 0 {width} 260" role="img" aria-label="rows by {d}"><title>Rows by {d} (count of records; cells with a suppressed or missing count are not drawn)</title>"#,
        d = escape(first)
    );
    for (i, (label, n, partial)) in bars.iter().enumerate() {
        let h = 200.0 * *n as f64 / max as f64;
        let x = 50.0 + i as f64 * bar_w;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{}"><title>{}: {}</title></rect>"##,
            220.0 - h,
            (bar_w * 0.8).max(1.0),
            if *partial { "#9ab" } else { "#357" },
            escape(label),
            match (*n, *partial) {
                (0, true) => "suppressed or missing, not drawn".to_string(),
                (n, true) => format!(
                    "{} drawn, plus cells suppressed or missing",
                    crate::render::thousands(n)
                ),
                (n, false) => crate::render::thousands(n),
            },
        );
    }
    // Category labels under the bars, where they fit.
    if bars.len() <= 30 {
        for (i, (label, _, _)) in bars.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="234" font-size="11" text-anchor="middle">{}</text>"#,
                50.0 + (i as f64 + 0.4) * bar_w,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<text x="50" y="254" font-size="12">{} → (count of records, max {})</text></svg>"#,
        escape(first),
        crate::render::thousands(max)
    );
    svg
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
            "--store" | "--format" | "--suppress-below" => {}
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
        let count = tally_model::Figure::from_json(&g["count"]);
        let value = if rate {
            g["per_100k"]["rate"].as_f64()
        } else {
            count.and_then(|f| f.exact()).map(|n| n as f64)
        };
        let label = match (value, rate) {
            (Some(x), true) => format!(
                "{x:.1} per 100,000 ({})",
                count.map(|f| f.text()).unwrap_or_default()
            ),
            (Some(x), false) => crate::render::thousands(x as u64),
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
    for (aor, d) in shapes["aors"].as_object().into_iter().flatten() {
        let found = values.iter().find(|v| &v.0 == aor);
        let (fill, label) = match found {
            Some((_, Some(x), label)) => (colours[bin_of(*x)].to_string(), label.clone()),
            Some((_, None, label)) => ("url(#hatch)".to_string(), format!("{label} (not shaded)")),
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
    let mut legend = String::from("<p class=\"note\">");
    let mut lo = shaded.first().copied().unwrap_or(0.0);
    for (k, c) in colours.iter().enumerate() {
        let hi = bins.get(k).copied();
        let _ = write!(
            legend,
            "<span style=\"display:inline-block;width:1em;height:1em;background:{c};border:1px solid #333\"></span> {}{} ",
            crate::render::thousands(lo as u64),
            hi.map(|h| format!("-{}", crate::render::thousands(h as u64)))
                .unwrap_or_else(|| "+".into())
        );
        lo = hi.unwrap_or(lo);
    }
    legend.push_str("<span style=\"display:inline-block;width:1em;height:1em;background:#ddd;border:1px solid #333\"></span> suppressed, not covered or no rows (not shaded)</p>");
    let mut html = format!(
        "<p><code>{}</code></p>{svg}{legend}",
        escape(&super::serve::command_line_for(argv))
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
    for n in v["notes"].as_array().into_iter().flatten() {
        let _ = write!(
            html,
            "<p class=\"note\">note: {}</p>",
            escape(n.as_str().unwrap_or(""))
        );
    }
    html
}
