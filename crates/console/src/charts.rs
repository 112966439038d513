//! Daily bar charts drawn on the server as SVG: plain geometry (rectangles, grid lines and
//! labels, each in page units) that a template turns into `<svg>` markup. Colours come from
//! CSS classes, so the page needs no inline style; every label is escaped when rendered.

/// Width of the drawing, in SVG units.
const WIDTH: f64 = 720.0;
/// Height of the drawing, in SVG units.
const HEIGHT: f64 = 200.0;
/// Room for the value labels on the left.
const LEFT: f64 = 44.0;
/// Room for the day labels at the bottom.
const BOTTOM: f64 = 22.0;
/// Room above the highest grid line.
const TOP: f64 = 8.0;

/// One series of a chart: a name for the legend, the CSS class of its bars and one value per
/// day. Series are drawn in order over each other, so list the largest (the others' superset)
/// first.
#[derive(Debug, Clone)]
pub struct Series {
    /// Shown in the legend and the bars' tooltips.
    pub name: &'static str,
    /// The bars' CSS class (`s-sent`, `s-read`, …).
    pub class: &'static str,
    /// One value per day.
    pub values: Vec<u64>,
}

/// A bar, in SVG units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Left edge.
    pub x: String,
    /// Top edge.
    pub y: String,
    /// Width.
    pub w: String,
    /// Height.
    pub h: String,
    /// The series' CSS class.
    pub class: &'static str,
    /// Its tooltip (`2026-12-01 · read: 12`).
    pub tip: String,
}

/// A horizontal grid line with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Its height, in SVG units.
    pub y: String,
    /// The value it marks.
    pub label: String,
}

/// A day's label under the bars.
#[derive(Debug, Clone, PartialEq)]
pub struct DayLabel {
    /// The centre of the day's bar.
    pub x: String,
    /// The day of the month.
    pub text: String,
}

/// A chart ready to render.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its id in the page (also names its screenshot selector).
    pub id: &'static str,
    /// Its heading.
    pub title: &'static str,
    /// The drawing's width and height (the `viewBox`).
    pub view_box: String,
    /// Left and right ends of the grid lines and the value labels' x.
    pub grid_left: String,
    /// Right end of the grid lines.
    pub grid_right: String,
    /// Where the value labels end (right-aligned).
    pub label_x: String,
    /// Baseline of the day labels.
    pub day_y: String,
    /// The bars, drawn in order.
    pub bars: Vec<Bar>,
    /// The grid lines, bottom first.
    pub grid: Vec<Grid>,
    /// The day labels (every day when few, else every few days).
    pub days: Vec<DayLabel>,
    /// The legend: each series' name and class.
    pub legend: Vec<(&'static str, &'static str)>,
    /// The sum of the first series over the period (the chart's headline number).
    pub total: u64,
    /// A text alternative for screen readers.
    pub summary: String,
}

/// The smallest of 1, 2 or 5 × 10ⁿ at or above `v` (at least 1), so the grid has round values.
pub fn nice_ceiling(v: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            let candidate = step.saturating_mul(m);
            if candidate >= v || candidate == u64::MAX {
                return candidate.max(1);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Formats an SVG coordinate with one decimal (no trailing `.0`).
fn unit(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// Draws `series` over `days` (`YYYY-MM-DD`, one per value).
pub fn daily(id: &'static str, title: &'static str, days: &[String], series: &[Series]) -> Chart {
    let n = days.len().max(1);
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let ceiling = nice_ceiling(top);
    let plot_w = WIDTH - LEFT - 4.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = plot_w / n as f64;
    let bar_w = (slot * 0.7).max(1.0);
    let scale = plot_h / ceiling as f64;
    let base = HEIGHT - BOTTOM;
    let mut bars = Vec::new();
    for s in series {
        for (i, value) in s.values.iter().enumerate() {
            if *value == 0 {
                continue;
            }
            let h = (*value as f64 * scale).max(1.0);
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let day = days.get(i).map(String::as_str).unwrap_or_default();
            bars.push(Bar {
                x: unit(x),
                y: unit(base - h),
                w: unit(bar_w),
                h: unit(h),
                class: s.class,
                tip: format!("{day} · {}: {value}", s.name),
            });
        }
    }
    let grid = [0, ceiling / 2, ceiling]
        .into_iter()
        .enumerate()
        .filter(|(i, v)| *i == 0 || *v > 0)
        .map(|(_, v)| Grid {
            y: unit(base - v as f64 * scale),
            label: v.to_string(),
        })
        .collect();
    let every = n.div_ceil(16);
    let day_labels = days
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, d)| DayLabel {
            x: unit(LEFT + slot * i as f64 + slot / 2.0),
            text: d
                .rsplit('-')
                .next()
                .unwrap_or(d)
                .trim_start_matches('0')
                .to_string(),
        })
        .collect();
    let total = series.first().map_or(0, |s| s.values.iter().sum());
    let summary = series
        .iter()
        .map(|s| format!("{}: {}", s.name, s.values.iter().sum::<u64>()))
        .collect::<Vec<_>>()
        .join(", ");
    Chart {
        id,
        title,
        view_box: format!("0 0 {} {}", unit(WIDTH), unit(HEIGHT)),
        grid_left: unit(LEFT),
        grid_right: unit(WIDTH - 4.0),
        label_x: unit(LEFT - 6.0),
        day_y: unit(HEIGHT - 6.0),
        bars,
        grid,
        days: day_labels,
        legend: series.iter().map(|s| (s.name, s.class)).collect(),
        total,
        summary: format!("{title} over {} days: {summary}", days.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("2026-12-{d:02}")).collect()
    }

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(2_000), 2_000);
        assert_eq!(nice_ceiling(2_001), 5_000);
        assert!(nice_ceiling(u64::MAX) >= u64::MAX / 10);
    }

    #[test]
    fn bars_scale_to_the_ceiling_and_zero_days_draw_nothing() {
        let chart = daily(
            "sent",
            "Sent",
            &days(3),
            &[
                Series {
                    name: "sent",
                    class: "s-sent",
                    values: vec![10, 0, 5],
                },
                Series {
                    name: "read",
                    class: "s-read",
                    values: vec![4, 0, 0],
                },
            ],
        );
        assert_eq!(chart.bars.len(), 3, "no bar for a zero");
        assert_eq!(chart.total, 15);
        // The ceiling is 10: the 10 fills the plot (170 units from y=8 to the base at 178).
        assert_eq!(chart.bars[0].y, "8");
        assert_eq!(chart.bars[0].h, "170");
        assert_eq!(chart.bars[1].h, "85");
        assert_eq!(chart.bars[2].class, "s-read");
        assert_eq!(chart.bars[2].tip, "2026-12-01 · read: 4");
        assert_eq!(
            chart
                .grid
                .iter()
                .map(|g| g.label.as_str())
                .collect::<Vec<_>>(),
            ["0", "5", "10"]
        );
        assert_eq!(chart.days.len(), 3);
        assert_eq!(chart.days[0].text, "1");
        assert!(chart.summary.contains("sent: 15, read: 4"));
    }

    #[test]
    fn an_empty_month_has_a_baseline_and_a_long_range_thins_its_labels() {
        let chart = daily(
            "in",
            "Received",
            &days(31),
            &[Series {
                name: "received",
                class: "s-in",
                values: vec![0; 31],
            }],
        );
        assert!(chart.bars.is_empty());
        assert_eq!(chart.grid.len(), 2, "0 and the ceiling of 1");
        assert_eq!(chart.days.len(), 16, "every second day of 31");
    }
}
