//! Small SVG charts for the HTML pages: grouped vertical bars and horizontal bars.
//!
//! Coordinates are computed with exact decimals and written with one decimal place, so a
//! page is byte-identical from run to run. Every bar carries a `<title>` (its label and
//! value, shown on hover) and the chart a `role="img"` with a label, for screen readers.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use unicode_width::UnicodeWidthStr;

use super::html::{escape, grouped};

/// One series of a bar chart: its name (in the legend) and a value per label.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// The name in the legend.
    pub name: &'a str,
    /// One value per label.
    pub values: Vec<Decimal>,
}

/// The colours of the series, in order (readable on white, and told apart in grey).
const COLOURS: [&str; 4] = ["#2f6db5", "#e08a2c", "#3a9a5b", "#8a5fb0"];

const WIDTH: i64 = 760;
const HEIGHT: i64 = 280;
const LEFT: i64 = 96;
const TOP: i64 = 28;
const BOTTOM: i64 = 64;
/// The room the legend takes above the plot (it sits at y 6 to 18): the value written above
/// the highest bar then stays clear of it.
const LEGEND: i64 = 18;
/// Pixels per column of text in the legend's 12-pixel font (a Chinese character is two
/// columns, a Latin letter one).
const LEGEND_COLUMN: i64 = 7;

/// A grouped vertical bar chart: one group per label, one bar per series; the axis runs
/// from the smallest value (or 0) to the largest (or 0).
pub fn bars(caption: &str, labels: &[String], series: &[Series<'_>]) -> String {
    let values = || series.iter().flat_map(|s| s.values.iter().copied());
    let high = values().fold(Decimal::ZERO, Decimal::max);
    let low = values().fold(Decimal::ZERO, Decimal::min);
    let span = if high == low { Decimal::ONE } else { high - low };
    let top = if series.len() >= 2 { TOP + LEGEND } else { TOP };
    let plot_h = Decimal::from(HEIGHT - top - BOTTOM);
    let y = |v: Decimal| Decimal::from(top) + (high - v) * plot_h / span;
    let groups = Decimal::from(labels.len().max(1));
    let group_w = (Decimal::from(WIDTH - LEFT - 16) / groups).min(Decimal::from(140));
    let bar_w = group_w * Decimal::new(8, 1) / Decimal::from(series.len().max(1));
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">"#,
        escape(caption)
    );
    // The axis: its top, zero and bottom, with light grid lines.
    let mut marks = vec![Decimal::ZERO];
    marks.extend([high, low].into_iter().filter(|v| !v.is_zero()));
    for v in marks {
        let at = px(y(v));
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{at}" y2="{at}" stroke="{}" />"##,
            WIDTH - 8,
            if v.is_zero() { "#555" } else { "#ddd" }
        );
        let _ = write!(
            out,
            r#"<text x="{}" y="{at}" dy="4" text-anchor="end" class="axis">{}</text>"#,
            LEFT - 6,
            escape(&grouped(&v.normalize().to_string()))
        );
    }
    let zero = y(Decimal::ZERO);
    let every = labels.len().div_ceil(16).max(1);
    // Few bars: each is labelled with its value, for readers who want the figure, not a guess.
    let labelled = labels.len() * series.len() <= 16;
    for (g, label) in labels.iter().enumerate() {
        let x0 = Decimal::from(LEFT) + group_w * Decimal::from(g) + group_w * Decimal::new(1, 1);
        for (s, series_) in series.iter().enumerate() {
            let Some(v) = series_.values.get(g).copied() else {
                continue;
            };
            let (top, bottom) = if v >= Decimal::ZERO { (y(v), zero) } else { (zero, y(v)) };
            let colour = COLOURS.get(s % COLOURS.len()).copied().unwrap_or("#2f6db5");
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}"><title>{}: {} {}</title></rect>"#,
                px(x0 + bar_w * Decimal::from(s)),
                px(top),
                px(bar_w),
                px(bottom - top),
                escape(label),
                escape(series_.name),
                escape(&grouped(&v.to_string()))
            );
            if labelled {
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" text-anchor="middle" class="value">{}</text>"#,
                    px(x0 + bar_w * Decimal::from(s) + bar_w / Decimal::TWO),
                    px(top - Decimal::from(4)),
                    escape(&grouped(&v.to_string()))
                );
            }
        }
        if g % every == 0 {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle" class="axis">{}</text>"#,
                px(x0 + group_w * Decimal::new(4, 1)),
                HEIGHT - BOTTOM + 18,
                escape(&short(label, 18))
            );
        }
    }
    legend(&mut out, series);
    out.push_str("</svg>");
    out
}

/// The legend above the plot, when there is more than one series.
fn legend(out: &mut String, series: &[Series<'_>]) {
    if series.len() < 2 {
        return;
    }
    let mut x = LEFT;
    for (s, series_) in series.iter().enumerate() {
        let colour = COLOURS.get(s % COLOURS.len()).copied().unwrap_or("#2f6db5");
        let _ = write!(
            out,
            r#"<rect x="{x}" y="6" width="12" height="12" fill="{colour}" /><text x="{}" y="16" class="legend">{}</text>"#,
            x + 16,
            escape(series_.name)
        );
        x += 28 + i64::try_from(series_.name.width()).unwrap_or(0) * LEGEND_COLUMN;
    }
}

/// Horizontal bars of shares (0 to 100 %): one row per label, with its value written beside.
pub fn shares(caption: &str, rows: &[(String, Decimal, String)]) -> String {
    let row_h = 26;
    let height = i64::try_from(rows.len()).unwrap_or(0) * row_h + 12;
    let (label_w, plot_w) = (300, 280);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}">"#,
        escape(caption)
    );
    for (r, (label, share, text)) in rows.iter().enumerate() {
        let top = i64::try_from(r).unwrap_or(0) * row_h + 6;
        let w = (*share).clamp(Decimal::ZERO, Decimal::ONE_HUNDRED) * Decimal::from(plot_w) / Decimal::ONE_HUNDRED;
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" text-anchor="end" class="axis">{}</text><rect x="{label_w}" y="{top}" width="{plot_w}" height="18" fill="#eef1f5" /><rect x="{label_w}" y="{top}" width="{}" height="18" fill="{}"><title>{}: {}</title></rect><text x="{}" y="{}" class="axis">{}</text>"##,
            label_w - 8,
            top + 13,
            escape(&short(label, 30)),
            px(w),
            COLOURS.first().copied().unwrap_or("#2f6db5"),
            escape(label),
            escape(text),
            label_w + plot_w + 8,
            top + 13,
            escape(text)
        );
    }
    out.push_str("</svg>");
    out
}

/// A coordinate with one decimal place.
fn px(v: Decimal) -> Decimal {
    v.round_dp(1).normalize()
}

/// `text` cut to `n` characters, marked `…` when cut.
fn short(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(n.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
#[expect(clippy::panic, reason = "a test stops at its first surprise")]
mod tests {
    use super::*;

    /// The value of attribute `name` in the last element opened in `before`.
    fn last_attribute(before: &str, name: &str) -> Option<f64> {
        let element = before.rsplit('<').next()?;
        element
            .split(&format!(" {name}=\""))
            .nth(1)?
            .split('"')
            .next()?
            .parse()
            .ok()
    }

    /// The `name` attribute of every element of class `class`, in order.
    fn attributes_of(svg: &str, class: &str, name: &str) -> Vec<f64> {
        let marker = format!("class=\"{class}\"");
        let parts: Vec<&str> = svg.split(marker.as_str()).collect();
        let before = parts.len().saturating_sub(1);
        parts
            .iter()
            .take(before)
            .filter_map(|p| last_attribute(p, name))
            .collect()
    }

    #[test]
    fn the_values_above_the_bars_stay_below_the_legend() {
        let labels = ["A".to_string(), "B".to_string()];
        let series = [
            Series {
                name: "方案一",
                values: vec![Decimal::from(100), Decimal::from(40)],
            },
            Series {
                name: "方案二",
                values: vec![Decimal::from(90), Decimal::from(100)],
            },
        ];
        let svg = bars("c", &labels, &series);
        let values = attributes_of(&svg, "value", "y");
        assert_eq!(values.len(), 4, "four values written: {svg}");
        // An 11-pixel value's text starts 11 pixels above its baseline; the legend's 12-pixel
        // text ends on its baseline, y 16, and its swatches at y 18.
        let highest = values.iter().copied().fold(f64::MAX, f64::min) - 11.0;
        assert!(
            highest > 18.0,
            "a value's text reaches y {highest}, into the legend: {svg}"
        );
        assert_eq!(attributes_of(&svg, "legend", "y"), [16.0, 16.0], "{svg}");
    }

    #[test]
    fn chinese_series_names_do_not_run_into_each_other_in_the_legend() {
        let series = [
            Series {
                name: "当前方案的成本",
                values: vec![Decimal::ONE],
            },
            Series {
                name: "新方案",
                values: vec![Decimal::ONE],
            },
        ];
        let svg = bars("c", &["A".to_string()], &series);
        let xs = attributes_of(&svg, "legend", "x");
        // The second name starts after the first name's seven characters of 12 pixels, its
        // swatch (12 pixels) and the gaps around it.
        let [first, second] = xs[..] else {
            panic!("two legend entries: {svg}")
        };
        assert!(second - first >= 7.0 * 12.0 + 12.0, "{first} then {second}: {svg}");
    }
}
