//! The report folder: `report.html` (self-contained, charts inline), `report.md` with
//! `weekly.svg`, `method-groups.svg` and `estimate.svg` beside it, and `result.json`.

use crate::run::OperationResult;
use crate::{chart, render};
use std::path::{Path, PathBuf};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html_table(header: &[String], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<div class=\"scroll\"><table><thead><tr>");
    for h in header {
        s.push_str(&format!("<th>{}</th>", escape(h)));
    }
    s.push_str("</tr></thead><tbody>");
    for row in rows {
        s.push_str("<tr>");
        for c in row {
            s.push_str(&format!("<td>{}</td>", escape(c)));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table></div>");
    s
}

/// The self-contained HTML report.
pub fn html(r: &OperationResult) -> String {
    let op = &r.operation;
    let (ch, crows) = render::count_rows(r);
    let (wh, wrows) = render::week_rows(r);
    let caveats: String = r
        .caveats
        .iter()
        .map(|c| format!("<li>{}</li>", escape(c)))
        .collect();
    let sources: String = op
        .sources
        .iter()
        .map(|c| format!("<li>{}</li>", escape(c)))
        .collect();
    let releases: String = r
        .releases
        .iter()
        .map(|rel| {
            format!(
                "<li>{} (sha256 <code>{}</code>; sheets {}): {} rows</li>",
                escape(&rel.file_name),
                rel.sha256,
                escape(&rel.sheets.join(", ")),
                rel.rows_counted
            )
        })
        .collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:Georgia,serif;max-width:760px;margin:0 auto;padding:12px;color:#222;line-height:1.45}}
h1{{font-size:1.5em}} h2{{font-size:1.2em;margin-top:1.6em}}
.scroll{{overflow-x:auto}} table{{border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:13px}}
th,td{{border-bottom:1px solid #ddd;padding:4px 6px;text-align:right;white-space:nowrap}} th:first-child,td:first-child{{text-align:left}}
code{{font-size:12px;word-break:break-all}} .note{{color:#555;font-size:0.9em}}
.first{{border-left:4px solid #b00;padding:4px 10px;background:#fdf3f3}}
</style></head><body>
<h1>{title}</h1>
{read_first}
{headline}
<p>{description}</p>
<p class="note">Operation <code>{name}</code>; table {table}; treated AORs: {treated}; comparison AORs ({n_comp}): {comparison}.</p>
<h2>Estimate</h2>
{estimate_svg}
<p class="note">{method}</p>
<h2>{figures_heading}</h2>
{counts}
<p class="note">Change compares the window's daily rate with the mean daily rate of the baseline windows. {rounding}</p>
{method_svg}
<h2>Weekly series</h2>
{weekly_svg}
{weeks}
<h2>Caveats</h2><ul>{caveats}</ul>
<h2>Provenance</h2>
<p>Every number in this report comes from one query, <code>{query}</code>, over these releases:</p><ul>{releases}</ul>
<h2>Sources for the operation</h2><ul>{sources}</ul>
<p class="note">Made by Tally {version}.</p>
</body></html>
"#,
        title = escape(&op.title),
        headline = render::headline(r)
            .map(|h| format!("<p><strong>{}</strong></p>", escape(&h)))
            .unwrap_or_default()
            + &render::rate_ratio_in_words(r)
                .map(|w| format!("<p class=\"note\">{}</p>", escape(&w)))
                .unwrap_or_default(),
        read_first = r
            .read_first()
            .iter()
            .map(|c| format!(
                "<p class=\"first\"><strong>Read first.</strong> {}</p>",
                escape(c)
            ))
            .collect::<String>(),
        description = escape(op.description.trim()),
        name = escape(&op.name),
        table = r.table,
        treated = escape(&r.treated_aors.join(", ")),
        n_comp = r.comparison_aors.len(),
        comparison = escape(&r.comparison_aors.join(", ")),
        estimate_svg = chart::estimates(r),
        method = escape(&r.method),
        counts = html_table(&ch, &crows),
        method_svg = chart::method_bars(r),
        weekly_svg = chart::weekly_series(r),
        weeks = html_table(&wh, &wrows),
        query = escape(&r.query),
        version = env!("CARGO_PKG_VERSION"),
        rounding = escape(render::rounding_note(r)),
        figures_heading = escape(r.figures_heading()),
    )
}

/// Writes the report folder; returns the files written.
///
/// # Errors
/// I/O errors creating the folder or writing a file, naming the path.
pub fn write_report(dir: &Path, r: &OperationResult) -> std::io::Result<Vec<PathBuf>> {
    let at = |path: &Path| {
        let path = path.display().to_string();
        move |e: std::io::Error| std::io::Error::new(e.kind(), format!("{path}: {e}"))
    };
    if dir.exists() && !dir.is_dir() {
        return Err(std::io::Error::other(format!(
            "{}: --report names a file; give a folder to write the report into",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(at(dir))?;
    let json =
        serde_json::to_string_pretty(&crate::run::published(r)).map_err(std::io::Error::other)?;
    let files = [
        ("report.html", html(r)),
        ("report.md", render::markdown(r)),
        ("weekly.svg", chart::weekly_series(r)),
        ("method-groups.svg", chart::method_bars(r)),
        ("estimate.svg", chart::estimates(r)),
        ("result.json", json),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(at(&path))?;
        written.push(path);
    }
    Ok(written)
}
