//! The server's SVG charts of a count's published groups: a line per series over weeks,
//! months, days or fiscal years, or bars for categories. Only exact counts are drawn:
//! a suppressed cell is a gap in its line (or left out of its bar, and said so), and
//! periods no release covers are drawn as grey bands labelled "not covered", never as
//! zeros. Every chart names its units, period and source.

use super::serve_page::escape;
use crate::render::thousands;
use serde_json::Value;
use std::fmt::Write;

/// What a chart says about itself: the table counted, the period asked for, and the
/// releases the numbers come from.
pub struct ChartMeta {
    /// Table slug (`arrests`): the unit is "records of" it (stays: `detention-stays`,
    /// whose unit is a stay).
    pub table: String,
    /// The period of the view, as words (`2018-10-01 to 2019-09-30`, `FY2019`).
    pub period: String,
    /// The source files, as one line.
    pub source: String,
}

impl ChartMeta {
    /// What the chart counts, for its title: `Records of arrests`, `Stays`.
    fn what(&self) -> String {
        if self.table == super::stays::STAYS {
            "Stays".to_string()
        } else {
            format!("Records of {}", self.table)
        }
    }

    /// The count axis's label: `arrests (count)`, `stays`.
    fn axis(&self) -> String {
        if self.table == super::stays::STAYS {
            "stays".to_string()
        } else {
            format!("{} (count)", self.table)
        }
    }
}

/// Dimensions drawn as a time axis.
pub const SERIES: [&str; 4] = ["week", "month", "date", "fy"];

/// Most lines drawn; the rest are in the table under the chart.
const MAX_LINES: usize = 8;

/// Colours told apart by most readers (Okabe and Ito, 2008).
const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// The chart for a count: a series chart when its first dimension is a period, else bars
/// of the first dimension's categories. Empty when there is nothing to draw.
///
/// `axis` is the same count by the period alone, when the view has a second dimension:
/// its groups give every period, including those no release covers, which a count by
/// two dimensions leaves out rather than print as zeros.
pub fn chart(
    dims: &[String],
    groups: &[Value],
    axis: Option<&[Value]>,
    meta: &ChartMeta,
) -> String {
    match dims.first() {
        Some(first) if SERIES.contains(&first.as_str()) => series_chart(dims, groups, axis, meta),
        Some(_) => bar_chart(dims, groups, meta),
        None => String::new(),
    }
}

/// A published count's exact value, `None` when suppressed, rounded or missing.
fn exact(count: &Value) -> Option<u64> {
    tally_model::Figure::from_json(count).and_then(|f| f.exact())
}

/// Whether a group's cell is not covered: no day of it covered (`count.not_covered`), or
/// rows only of a release that does not claim its days (`coverage.coverage`
/// `not-covered`: 41 Washington-state rows coded to the DC office, printed "not covered"
/// in the table, had been drawn as DC's arrests).
pub(crate) fn not_covered(g: &Value) -> bool {
    g["count"]["not_covered"] == Value::Bool(true) || g["coverage"]["coverage"] == "not-covered"
}

/// One line of a series chart: its name, its points (`None`: not drawn), its total (for
/// the order of lines) and which points are partly covered.
type Line = (String, Vec<Option<u64>>, u64, Vec<bool>);

/// Whether a group's cell misses some days (partly covered, or holding a release's
/// partial last day): its point is drawn hollow and says so.
fn partly_covered(g: &Value) -> bool {
    g["coverage"]["coverage"] == "partial" || g["incomplete"] == Value::Bool(true)
}

/// The count a chart or map draws for a group: its exact count where its cell is covered;
/// `None` (not drawn, said so) where suppressed, rounded, missing or not covered.
pub(crate) fn drawn(g: &Value) -> Option<u64> {
    if not_covered(g) {
        None
    } else {
        exact(&g["count"])
    }
}

/// A step that gives 4-6 round ticks up to `max`.
fn tick_step(max: u64) -> u64 {
    let rough = (max / 5).max(1);
    let magnitude = 10u64.pow(rough.ilog10());
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10 * magnitude)
}

/// The title and axis frame shared by both charts, with `max` on the y axis.
fn frame(title: &str, unit: &str, max: u64, meta: &ChartMeta) -> (String, u64) {
    let step = tick_step(max);
    let top = max.div_ceil(step).max(1) * step;
    let mut svg = format!(
        r##"<svg viewBox="0 0 760 330" role="img" aria-label="{t}" data-chart><title>{t}. Period: {p}. Source: {s}</title><text x="60" y="16" font-size="13" font-weight="bold">{t}</text><text x="60" y="32" font-size="11" fill="#444">{p}</text>"##,
        t = escape(title),
        p = escape(&meta.period),
        s = escape(&meta.source),
    );
    let mut v = 0;
    while v <= top {
        let y = y_of(v, top);
        let _ = write!(
            svg,
            r##"<line x1="60" x2="740" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="55" y="{:.1}" font-size="10" text-anchor="end">{}</text>"##,
            y + 3.0,
            thousands(v)
        );
        v += step;
    }
    let _ = write!(
        svg,
        r##"<text x="12" y="150" font-size="11" transform="rotate(-90 12 150)" text-anchor="middle">{}</text><text x="60" y="322" font-size="10" fill="#444">Source: {}</text>"##,
        escape(unit),
        escape(&meta.source)
    );
    (svg, top)
}

/// The y of a value on a 250-px plot from y=40 to y=290.
fn y_of(v: u64, top: u64) -> f64 {
    290.0 - 250.0 * v as f64 / top.max(1) as f64
}

/// Lines over the periods of the first dimension, one per value of the second (the
/// largest [`MAX_LINES`]); not-covered periods as bands; suppressed points as gaps.
fn series_chart(
    dims: &[String],
    groups: &[Value],
    axis: Option<&[Value]>,
    meta: &ChartMeta,
) -> String {
    let period_dim = &dims[0];
    let line_dim = dims.get(1);
    let mut periods: Vec<String> = Vec::new();
    let mut uncovered: Vec<bool> = Vec::new();
    for g in axis.unwrap_or(&[]) {
        periods.push(g[period_dim].as_str().unwrap_or("").to_string());
        uncovered.push(not_covered(g));
    }
    let mut lines: Vec<(String, Vec<Option<u64>>, u64)> = Vec::new();
    // (line, period) of points whose cell misses days: drawn hollow, and said.
    let mut partial: std::collections::HashSet<(usize, usize)> = Default::default();
    for g in groups {
        let period = g[period_dim].as_str().unwrap_or("").to_string();
        let at = match periods.iter().position(|p| *p == period) {
            Some(i) => i,
            None => {
                periods.push(period);
                uncovered.push(true);
                periods.len() - 1
            }
        };
        uncovered[at] &= not_covered(g);
        let name = line_dim
            .map(|d| g[d].as_str().unwrap_or("").to_string())
            .unwrap_or_else(|| "all".into());
        let line = match lines.iter().position(|l| l.0 == name) {
            Some(i) => i,
            None => {
                lines.push((name, Vec::new(), 0));
                lines.len() - 1
            }
        };
        let points = &mut lines[line].1;
        if points.len() <= at {
            points.resize(at + 1, None);
        }
        let value = drawn(g);
        points[at] = value;
        if value.is_some() && partly_covered(g) {
            partial.insert((line, at));
        }
        lines[line].2 += value.unwrap_or(0);
    }
    if periods.is_empty() {
        return String::new();
    }
    // Sorted by size below: keep each line's partial points with it.
    let mut lines: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .map(|(k, (name, points, total))| {
            let hollow = (0..points.len())
                .map(|i| partial.contains(&(k, i)))
                .collect();
            (name, points, total, hollow)
        })
        .collect();
    lines.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let hidden = lines.len().saturating_sub(MAX_LINES);
    lines.truncate(MAX_LINES);
    let max = lines
        .iter()
        .flat_map(|l| l.1.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0);
    let title = match line_dim {
        Some(d) => format!("{} per {period_dim}, by {d}", meta.what()),
        None => format!("{} per {period_dim}", meta.what()),
    };
    let (mut svg, top) = frame(
        &title,
        &format!(
            "{} per {period_dim}",
            if meta.table == super::stays::STAYS {
                "stays"
            } else {
                &meta.table
            }
        ),
        max,
        meta,
    );
    let n = periods.len();
    let x_of = |i: usize| 60.0 + 680.0 * (i as f64 + 0.5) / n as f64;
    let band = 680.0 / n as f64;
    for (i, _) in uncovered.iter().enumerate().filter(|(_, u)| **u) {
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="40" width="{band:.2}" height="250" fill="#bbb" opacity="0.45" data-not-covered><title>{}: not covered by any release (missing, not zero)</title></rect>"##,
            x_of(i) - band / 2.0,
            escape(&periods[i])
        );
    }
    if uncovered.iter().any(|u| *u) {
        let _ = write!(
            svg,
            r##"<text x="740" y="32" font-size="10" text-anchor="end" fill="#444">grey: no release covers these days</text>"##
        );
    }
    // Period labels: at most 12, evenly spaced.
    let every = n.div_ceil(12).max(1);
    for i in (0..n).step_by(every) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="305" font-size="10" text-anchor="middle">{}</text>"##,
            x_of(i),
            escape(&periods[i])
        );
    }
    for (k, (name, points, _, hollow)) in lines.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        // A line breaks at a suppressed or missing point.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, p) in points.iter().enumerate() {
            match p {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x_of(i),
                        y_of(*v, top)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            r##"<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" data-series="{}"/>"##,
            escape(name)
        );
        if n <= 120 {
            for (i, p) in points.iter().enumerate() {
                if let Some(v) = p {
                    let part = hollow.get(i).copied().unwrap_or(false);
                    let _ = write!(
                        svg,
                        r##"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}" stroke="{colour}"{}><title>{} {}: {}{}</title></circle>"##,
                        x_of(i),
                        y_of(*v, top),
                        if part { "white" } else { colour },
                        if part { " data-partly-covered" } else { "" },
                        escape(name),
                        escape(&periods[i]),
                        thousands(*v),
                        if part {
                            " (partly covered: days missing, see the table)"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        // The legend, along the top right.
        let (x, y) = (470 + (k % 2) * 135, 2 + (k / 2) * 12);
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}" font-size="10">{}</text>"##,
            x + 14,
            y + 9,
            escape(name),
        );
    }
    svg.push_str("</svg>");
    if hidden > 0 {
        let _ = write!(
            svg,
            "<p class=\"note\">The {MAX_LINES} largest series are drawn; {hidden} more are in the table.</p>"
        );
    }
    svg
}

/// Bars of the exact counts of the first dimension's categories (summed over any other
/// dimension); a bar with a suppressed or missing cell is drawn lighter and says so.
fn bar_chart(dims: &[String], groups: &[Value], meta: &ChartMeta) -> String {
    let first = &dims[0];
    let mut bars: Vec<(String, u64, bool)> = Vec::new();
    for g in groups {
        let key = g[first].as_str().unwrap_or("").to_string();
        let value = drawn(g);
        match bars.iter_mut().find(|b| b.0 == key) {
            Some(b) => {
                b.1 += value.unwrap_or(0);
                b.2 |= value.is_none();
            }
            None => bars.push((key, value.unwrap_or(0), value.is_none())),
        }
    }
    if bars.is_empty() || bars.len() > 400 {
        return String::new();
    }
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0);
    let title = format!("{} by {first}", meta.what());
    let (mut svg, top) = frame(&title, &meta.axis(), max, meta);
    let bar_w = 680.0 / bars.len() as f64;
    for (i, (label, n, partial)) in bars.iter().enumerate() {
        let y = y_of(*n, top);
        let x = 60.0 + i as f64 * bar_w;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"##,
            (bar_w * 0.8).max(1.0),
            290.0 - y,
            if *partial { "#9ab" } else { "#357" },
            escape(label),
            match (*n, *partial) {
                (0, true) => "suppressed, missing or not covered, not drawn".to_string(),
                (n, true) => format!(
                    "{} drawn, plus cells suppressed, missing or not covered",
                    thousands(n)
                ),
                (n, false) => thousands(n),
            },
        );
    }
    if bars.len() <= 30 {
        for (i, (label, _, _)) in bars.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="305" font-size="10" text-anchor="middle">{}</text>"#,
                60.0 + (i as f64 + 0.4) * bar_w,
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    if bars.iter().any(|b| b.2) {
        svg.push_str("<p class=\"note\">Lighter bars leave out cells that are suppressed or not covered; the table shows them.</p>");
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta() -> ChartMeta {
        ChartMeta {
            table: "arrests".into(),
            period: "FY2019".into(),
            source: "a.csv".into(),
        }
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick_step(782), 200);
        assert_eq!(tick_step(5), 1);
        assert_eq!(tick_step(100_000), 20_000);
    }

    #[test]
    fn a_series_breaks_at_suppressed_points_and_bands_uncovered_periods() {
        let groups = vec![
            json!({"month": "2019-07", "count": 615}),
            json!({"month": "2019-08", "count": {"below": 10}}),
            json!({"month": "2019-09", "count": {"not_covered": true}}),
            json!({"month": "2019-10", "count": 20}),
        ];
        let svg = chart(&["month".into()], &groups, None, &meta());
        // Two pieces of line (M twice), one band, and the hidden figure nowhere.
        let path = svg.split("<path d=\"").nth(1).unwrap();
        assert_eq!(path.split('"').next().unwrap().matches('M').count(), 2);
        assert_eq!(svg.matches("data-not-covered").count(), 1);
        assert!(svg.contains("Period: FY2019. Source: a.csv"));
        assert!(svg.contains(": 615<"), "{svg}");
    }

    #[test]
    fn periods_a_two_way_count_leaves_out_come_from_the_axis() {
        let groups = vec![
            json!({"month": "2019-08", "method-group": "custodial", "count": 400}),
            json!({"month": "2019-08", "method-group": "at-large", "count": 200}),
        ];
        let axis = vec![
            json!({"month": "2019-08", "count": 600}),
            json!({"month": "2019-09", "count": {"not_covered": true}}),
        ];
        let dims = ["month".to_string(), "method-group".to_string()];
        let svg = chart(&dims, &groups, Some(&axis), &meta());
        assert_eq!(svg.matches("data-not-covered").count(), 1);
        assert!(svg.contains("2019-09: not covered"), "{svg}");
        assert_eq!(svg.matches("data-series=").count(), 2);
    }
}
