//! The latency distribution of a run's clients: the share of requests slower than
//! each latency (the complementary CDF), on log axes, thinned to one vertex per pixel
//! column.

use super::run::{LatencyDistribution, RunChartInput, log_bounds, log_ticks, no_data};
use super::*;

/// The chart, drawn once per run from the entry tier's latency histogram.
pub(super) struct Distribution<'a> {
    pub(super) input: &'a RunChartInput,
    pub(super) distribution: &'a LatencyDistribution,
}

/// At most this many CCDF vertices: one per pixel column is plenty.
const MAX_CCDF_POINTS: usize = 1200;

/// Keeps the first point in each of `MAX_CCDF_POINTS` equal steps of log latency, and
/// the last point (the slowest request).
fn thin_ccdf(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let (l0, l1) = (first.0.ln(), last.0.ln());
    let step = ((l1 - l0) / MAX_CCDF_POINTS as f64).max(f64::MIN_POSITIVE);
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(MAX_CCDF_POINTS + 2);
    let mut next = f64::NEG_INFINITY;
    for &(x, y) in points {
        if x.ln() >= next {
            out.push((x, y));
            next = x.ln() + step;
        }
    }
    if out.last() != Some(last) {
        out.push(*last);
    }
    out
}

fn percent_tick(v: &f64) -> String {
    let pct = v * 100.0;
    if pct >= 1.0 {
        format!("{} %", tick(&pct))
    } else {
        format!("{} %", format!("{pct:.6}").trim_end_matches('0'))
    }
}

impl Chart for Distribution<'_> {
    fn name(&self) -> &str {
        "latency_distribution"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        use palette::*;
        let input = self.input;
        let slo = input.slo_latency_ms;
        let legend = vec![
            (
                Key::Line(BLUE),
                format!(
                    "share of the {} completed requests at least this slow",
                    thousands(self.distribution.completed as i64)
                ),
            ),
            (Key::Marker(VERMILLION), "percentiles".to_string()),
            (Key::Dashed(BLACK), format!("SLO latency {} ms", tick(&slo))),
        ];
        let plot = frame(
            root,
            &input.heading("Latency distribution (complementary CDF)"),
            &legend,
        )?;
        let curve = thin_ccdf(&self.distribution.ccdf);
        let (Some(first), Some(last)) = (curve.first(), curve.last()) else {
            return no_data(&plot, "no completed requests");
        };
        let (x_lo, x_hi) = log_bounds(first.0.min(slo) / 1.2, last.0.max(slo) * 1.2);
        // A share below 1e-12 is below anything a histogram of 2^64 requests can hold.
        let y_lo = 10f64
            .powf(last.1.clamp(1e-12, 1.0).log10().floor())
            .min(0.1);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(40)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(
                (x_lo..x_hi)
                    .log_scale()
                    .with_key_points(log_ticks(x_lo, x_hi)),
                (y_lo..1.0).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("latency [ms] (log scale)")
            .y_desc("requests at least this slow (log scale)")
            .x_labels(50)
            .y_labels(10)
            .x_label_formatter(&tick)
            .y_label_formatter(&percent_tick)
            .light_line_style(no_grid())
            .bold_line_style(light_grid())
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .draw()?;
        // A step curve: the share is constant until the next recorded latency.
        let mut stepped = Vec::with_capacity(curve.len() * 2);
        for w in curve.windows(2) {
            stepped.push(w[0]);
            stepped.push((w[1].0, w[0].1));
        }
        stepped.push(*last);
        chart.draw_series(LineSeries::new(stepped, BLUE.stroke_width(2)))?;
        chart.draw_series(DashedLineSeries::new(
            vec![(slo, y_lo), (slo, 1.0)],
            10,
            6,
            BLACK.stroke_width(2),
        ))?;
        let font = (FONT, TICK_SIZE).into_font();
        for (name, value) in &self.distribution.percentiles {
            let q: f64 = name
                .trim_start_matches('p')
                .parse::<f64>()
                .map(|p| 1.0 - p / 100.0)
                .unwrap_or(0.5);
            if *value <= 0.0 || q < y_lo {
                continue;
            }
            let at = (value.clamp(x_lo, x_hi), q);
            // The label sits beside its marker, right and up, clear of the curve.
            chart.draw_series(std::iter::once(
                EmptyElement::at(at)
                    + Circle::new((0, 0), 5, VERMILLION.filled())
                    + Text::new(
                        format!("{name} = {}", ms(*value)),
                        (9, -4),
                        anchored(font.clone(), HPos::Left, VPos::Bottom),
                    ),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_the_bound() {
        let points: Vec<(f64, f64)> = (1..=100_000)
            .map(|i| (i as f64 / 100.0, 1.0 - (i - 1) as f64 / 100_000.0))
            .collect();
        let thin = thin_ccdf(&points);
        assert!(thin.len() <= MAX_CCDF_POINTS + 2);
        assert_eq!(thin.first(), points.first());
        assert_eq!(thin.last(), points.last());
    }
}
