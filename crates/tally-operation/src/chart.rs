//! SVG charts for operation reports: plain SVG text, scaled with the page (viewBox), with
//! labelled axes and units, readable at phone width.

use crate::run::{OperationResult, TOTAL};
use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 380.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 70.0;
const TREATED: &str = "#b2182b";
const COMPARISON: &str = "#2166ac";
const PERIOD_COLOURS: [&str; 5] = ["#d9d9d9", "#bdbdbd", "#969696", "#737373", "#b2182b"];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(title: &str, subtitle: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" style="max-width:{W}px;font-family:Helvetica,Arial,sans-serif" role="img" aria-label="{t}">"#,
        t = escape(title)
    );
    let _ = write!(s, r##"<rect width="{W}" height="{H}" fill="#ffffff"/>"##);
    let _ = write!(
        s,
        r##"<text x="{LEFT}" y="20" font-size="16" font-weight="bold" fill="#222">{}</text>"##,
        escape(title)
    );
    let _ = write!(
        s,
        r##"<text x="{LEFT}" y="38" font-size="12" fill="#555">{}</text>"##,
        escape(subtitle)
    );
    s
}

/// "Nice" tick values covering `lo..hi`.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= n as f64)
        .unwrap_or(mag * 10.0);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

fn axes(s: &mut String, x_label: &str, y_label: &str, y_ticks: &[(f64, String)]) {
    let (x0, x1, y0, y1) = (LEFT, W - RIGHT, TOP, H - BOTTOM);
    for (y, label) in y_ticks {
        let _ = write!(
            s,
            r##"<line x1="{x0}" x2="{x1}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e5e5"/>"##
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#444">{}</text>"##,
            x0 - 6.0,
            y + 4.0,
            escape(label)
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{x0}" x2="{x1}" y1="{y1}" y2="{y1}" stroke="#444"/>"##
    );
    let _ = write!(
        s,
        r##"<line x1="{x0}" x2="{x0}" y1="{y0}" y2="{y1}" stroke="#444"/>"##
    );
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle" fill="#222">{}</text>"##,
        (x0 + x1) / 2.0,
        H - 14.0,
        escape(x_label)
    );
    let _ = write!(
        s,
        r##"<text transform="translate(16,{:.1}) rotate(-90)" font-size="13" text-anchor="middle" fill="#222">{}</text>"##,
        (y0 + y1) / 2.0,
        escape(y_label)
    );
}

fn legend(s: &mut String, items: &[(&str, String)]) {
    let mut x = LEFT + 10.0;
    for (colour, label) in items {
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="12" height="12" fill="{colour}"/>"#,
            TOP + 6.0
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#222">{}</text>"##,
            x + 16.0,
            TOP + 16.0,
            escape(label)
        );
        x += 24.0 + 7.0 * label.len() as f64;
    }
}

/// Weekly counts of treated and comparison AORs as a percentage of the baseline years'
/// mean for the same week, with the operation window shaded.
pub fn weekly_series(r: &OperationResult) -> String {
    let table = r.table.slug();
    let mut s = open(
        &if r.is_population() {
            "Weekly detained population: treated vs comparison AORs".to_string()
        } else {
            format!("Weekly {table}: treated vs comparison AORs")
        },
        &format!(
            "% of the baseline years' mean for the same week; window {}..{} shaded",
            r.operation.window.first, r.operation.window.last
        ),
    );
    let index = |now: Option<u64>, base: Option<f64>| match (now, base) {
        (Some(n), Some(b)) if b > 0.0 => Some(100.0 * n as f64 / b),
        _ => None,
    };
    let treated: Vec<(i64, Option<f64>)> = r
        .weeks
        .iter()
        .map(|w| (w.week, index(w.treated, w.treated_baseline)))
        .collect();
    let comparison: Vec<(i64, Option<f64>)> = r
        .weeks
        .iter()
        .map(|w| (w.week, index(w.comparison, w.comparison_baseline)))
        .collect();
    let values: Vec<f64> = treated
        .iter()
        .chain(&comparison)
        .filter_map(|(_, v)| *v)
        .collect();
    let (lo, hi) = (
        values.iter().copied().fold(100.0_f64, f64::min).min(50.0),
        values.iter().copied().fold(100.0_f64, f64::max).max(150.0),
    );
    let (k0, k1) = (
        r.weeks.first().map(|w| w.week).unwrap_or(0),
        r.weeks.last().map(|w| w.week).unwrap_or(1),
    );
    let x = |k: f64| LEFT + (k - k0 as f64) / ((k1 - k0).max(1) as f64) * (W - LEFT - RIGHT);
    let y = |v: f64| (H - BOTTOM) - (v - lo) / (hi - lo) * (H - BOTTOM - TOP - 30.0);
    let window_weeks: Vec<i64> = r
        .weeks
        .iter()
        .filter(|w| w.days_in_window > 0)
        .map(|w| w.week)
        .collect();
    if let (Some(a), Some(b)) = (window_weeks.first(), window_weeks.last()) {
        let _ = write!(
            s,
            r##"<rect x="{:.1}" y="{TOP}" width="{:.1}" height="{:.1}" fill="#fde0dd"/>"##,
            x(*a as f64 - 0.5),
            x(*b as f64 + 0.5) - x(*a as f64 - 0.5),
            H - BOTTOM - TOP
        );
    }
    let y_ticks: Vec<(f64, String)> = ticks(lo, hi, 5)
        .into_iter()
        .map(|t| (y(t), format!("{t:.0}%")))
        .collect();
    axes(
        &mut s,
        "Weeks from the window's first day (week 0 starts on it)",
        "% of baseline mean",
        &y_ticks,
    );
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#888" stroke-dasharray="4 3"/>"##,
        W - RIGHT,
        y(100.0),
        y(100.0)
    );
    for t in ticks(k0 as f64, k1 as f64, 8) {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#444">{t:.0}</text>"##,
            x(t),
            H - BOTTOM + 16.0
        );
    }
    for (series, colour) in [(&treated, TREATED), (&comparison, COMPARISON)] {
        let points: Vec<String> = series
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{:.1},{:.1}", x(*k as f64), y(v))))
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"/>"#,
            points.join(" ")
        );
    }
    legend(
        &mut s,
        &[
            (TREATED, format!("treated AORs ({})", r.treated_aors.len())),
            (
                COMPARISON,
                format!("comparison AORs ({})", r.comparison_aors.len()),
            ),
        ],
    );
    s.push_str("</svg>");
    s
}

/// Treated AORs' daily rate by method group in each baseline and the window.
pub fn method_bars(r: &OperationResult) -> String {
    let table = r.table.slug();
    let title = if r.is_population() {
        "People detained per day (average), treated AORs".to_string()
    } else {
        format!(
            "{} per day by arrest method, treated AORs",
            capitalize(table)
        )
    };
    let mut s = open(&title, "each baseline window and the operation window");
    let groups: Vec<&crate::run::GroupCounts> = r
        .groups
        .iter()
        .filter(|g| g.group != TOTAL || r.groups.len() == 1)
        .collect();
    let rates: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| {
            g.treated
                .iter()
                .enumerate()
                .map(|(i, n)| r.daily_rate(*n, i))
                .collect()
        })
        .collect();
    let hi = rates
        .iter()
        .flatten()
        .copied()
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.1;
    let y = |v: f64| (H - BOTTOM) - v / hi * (H - BOTTOM - TOP - 30.0);
    let y_ticks: Vec<(f64, String)> = ticks(0.0, hi, 5)
        .into_iter()
        .map(|t| (y(t), format!("{t:.0}")))
        .collect();
    let x_label = if r.is_population() {
        "Measure"
    } else {
        "Method group"
    };
    axes(&mut s, x_label, &r.per_day(), &y_ticks);
    let slot = (W - LEFT - RIGHT) / groups.len().max(1) as f64;
    let n = r.periods.len();
    let bar = (slot * 0.8) / n as f64;
    for (gi, g) in groups.iter().enumerate() {
        let x0 = LEFT + gi as f64 * slot + slot * 0.1;
        for (pi, rate) in rates[gi].iter().enumerate() {
            // A suppressed count gets no bar (its height would give the count away).
            if crate::render::is_small(g.treated[pi]) {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" font-size="9" text-anchor="middle" fill="#555">&lt;10</text>"##,
                    x0 + pi as f64 * bar + bar / 2.0,
                    H - BOTTOM - 3.0
                );
                continue;
            }
            let colour = if r.periods[pi].is_operation {
                PERIOD_COLOURS[4]
            } else {
                PERIOD_COLOURS[pi.min(3)]
            };
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"/>"#,
                x0 + pi as f64 * bar,
                y(*rate),
                bar - 1.0,
                (H - BOTTOM) - y(*rate)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#444">{}</text>"##,
            x0 + slot * 0.4,
            H - BOTTOM + 16.0,
            escape(&g.group)
        );
    }
    let items: Vec<(&str, String)> = r
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                if p.is_operation {
                    PERIOD_COLOURS[4]
                } else {
                    PERIOD_COLOURS[i.min(3)]
                },
                crate::render::period_label(r, p),
            )
        })
        .collect();
    legend(&mut s, &items);
    s.push_str("</svg>");
    s
}

/// The rate ratio and its 95% interval per method group, on a log scale.
pub fn estimates(r: &OperationResult) -> String {
    let (title, sub, axis) = if r.is_population() {
        (
            "Estimated change in detained population (ratio)",
            "detention data, not arrests; difference in differences, PPML; bars are 95% intervals; 1 = no change",
            "Population ratio (log scale): window vs baselines, treated vs comparison",
        )
    } else {
        (
            "Estimated effect of the operation (rate ratio)",
            "difference in differences, Poisson model; bars are 95% intervals; 1 = no change",
            "Rate ratio (log scale): window vs baselines, treated vs comparison AORs",
        )
    };
    let mut s = open(title, sub);
    let rows: Vec<(&str, f64, f64, f64)> = r
        .groups
        .iter()
        .filter_map(|g| {
            g.estimate
                .as_ref()
                .map(|e| (g.group.as_str(), e.rate_ratio, e.ci_low, e.ci_high))
        })
        .collect();
    let lo = rows.iter().map(|r| r.2).fold(0.5_f64, f64::min).max(1e-3);
    let hi = rows.iter().map(|r| r.3).fold(2.0_f64, f64::max).min(1e3);
    let (l0, l1) = (lo.ln(), hi.ln());
    let left = LEFT + 70.0;
    let x = |v: f64| left + (v.max(lo).min(hi).ln() - l0) / (l1 - l0) * (W - left - RIGHT);
    let (y0, y1) = (TOP + 20.0, H - BOTTOM);
    let step = (y1 - y0) / rows.len().max(1) as f64;
    for t in [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0] {
        if t >= lo && t <= hi {
            let _ = write!(
                s,
                r##"<line x1="{:.1}" x2="{:.1}" y1="{TOP}" y2="{y1}" stroke="{}"/>"##,
                x(t),
                x(t),
                if t == 1.0 { "#444" } else { "#e5e5e5" }
            );
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#444">{t}</text>"##,
                x(t),
                y1 + 16.0
            );
        }
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" x2="{:.1}" y1="{y1}" y2="{y1}" stroke="#444"/>"##,
        W - RIGHT
    );
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle" fill="#222">{axis}</text>"##,
        (left + W - RIGHT) / 2.0,
        H - 14.0
    );
    for (i, (group, rr, l, h)) in rows.iter().enumerate() {
        let yy = y0 + (i as f64 + 0.5) * step;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="end" fill="#222">{}</text>"##,
            left - 8.0,
            yy,
            escape(group)
        );
        let _ = write!(
            s,
            r##"<line x1="{:.1}" x2="{:.1}" y1="{yy:.1}" y2="{yy:.1}" stroke="#222" stroke-width="2"/>"##,
            x(*l),
            x(*h)
        );
        let _ = write!(
            s,
            r##"<circle cx="{:.1}" cy="{yy:.1}" r="5" fill="{TREATED}"/>"##,
            x(*rr)
        );
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#555">{rr:.2} [{l:.2}, {h:.2}]</text>"##,
            left - 8.0,
            yy + 15.0
        );
    }
    s.push_str("</svg>");
    s
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
