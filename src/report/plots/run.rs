//! The five charts of one run: traffic and capacity, latency over time, CPU against
//! the scaling target, cumulative cost by purchase option, and the latency distribution
//! (`distribution.rs`).
//! In a run of several tiers each tier gets the first four from its own timeline; the
//! distribution is the clients' (the entry tier's) only.
//!
//! Every chart reads [`SeriesPoint`]s (the downsampled timeline) or the latency
//! complementary CDF, never per-request data. Counts are drawn as rates (per second or
//! per minute) so that a chart reads the same whether a point is one timeline row or
//! thirty-two merged ones. Instance counts are drawn as steps: they change at instants.

use super::distribution::Distribution;
use super::jobs::Jobs;
use super::*;
use crate::report::verdict::span;

/// What the run charts need, gathered by the report from the config, the summary and
/// the latency histogram: one of these per tier.
pub struct RunChartInput {
    pub scenario: String,
    /// The tier the charts show, in a run of several tiers; `None` in a run of one.
    pub tier: Option<ChartTier>,
    pub points: Vec<SeriesPoint>,
    /// The zones' outages, shaded on the time charts.
    pub outages: Vec<OutageBand>,
    /// The tier's deployments (`[[deployment]]`), shaded on the traffic chart.
    pub deployments: Vec<DeploymentBand>,
    pub duration_s: f64,
    pub slo_latency_ms: f64,
    pub slo_percentile: f64,
    /// What the tier's capacity is counted in, one and many ("task", "tasks").
    pub units: (&'static str, &'static str),
    /// Targets of the tier's CPU target-tracking policies, in percent.
    pub cpu_targets: Vec<f64>,
    /// Targets of its `ALBRequestCountPerTarget` policies (target tracking and
    /// predictive), in requests per target per minute.
    pub request_targets: Vec<f64>,
    /// A burstable group's baseline, in percent of its CPU (aws-facts.md 20.5): the
    /// CPU chart draws it, and the credit balance on its right axis.
    pub cpu_baseline: Option<f64>,
    /// The end-to-end latency distribution, for the entry tier only: the run keeps a
    /// latency histogram of the requests the clients see, not of the calls a tier
    /// receives (whose percentiles are in the summary).
    pub distribution: Option<LatencyDistribution>,
}

/// A zone's outage (`[[outage]]`), from `from_s` to `to_s` of the run.
pub struct OutageBand {
    pub zone: String,
    pub from_s: f64,
    pub to_s: f64,
}

/// The legend entry of the outage bands, when the run has any.
fn outage_key(outages: &[OutageBand]) -> Option<(Key, String)> {
    let mut zones: Vec<&str> = outages.iter().map(|o| o.zone.as_str()).collect();
    zones.dedup();
    (!zones.is_empty()).then(|| {
        (
            Key::Fill(OUTAGE),
            format!("zone outage ({})", zones.join(", ")),
        )
    })
}

/// The shade of a zone's outage: light, under every series.
const OUTAGE: RGBColor = RGBColor(224, 224, 224);

/// Shades each zone outage across a time chart, on its secondary (linear, from 0)
/// coordinates up to `top`, before the series are drawn over it.
macro_rules! shade_outages {
    ($chart:expr, $input:expr, $axis:expr, $top:expr) => {
        $chart.draw_secondary_series($input.outages.iter().map(|o| {
            let to = o.to_s.min($input.duration_s);
            Rectangle::new(
                [($axis.at(o.from_s), 0.0), ($axis.at(to), $top)],
                OUTAGE.filled(),
            )
        }))?
    };
}

/// A deployment of a new application version, from `from_s` to `to_s` of the run;
/// `text` is its hover text, and `phases` its phases' moments, each with its hover
/// text (one per moment: phases at the same moment share it).
pub struct DeploymentBand {
    pub policy: String,
    pub from_s: f64,
    pub to_s: f64,
    pub text: String,
    pub phases: Vec<(f64, String)>,
}

/// The shade of a deployment: a light blue, under every series.
const DEPLOYMENT: RGBColor = RGBColor(205, 228, 245);

/// A deployment's phase: a thin vertical line, over the stacked instances and under
/// the lines, in the palette's reddish purple, which no other element of the traffic
/// chart uses and which shows on the blues, the orange and the band alike.
const PHASE: RGBColor = palette::REDDISH_PURPLE;

/// A tier of a run of several, as its charts name it.
pub struct ChartTier {
    pub name: String,
    /// The entry tier's chart files keep the names of a one-tier run (`latency.svg`),
    /// as its timeline keeps `timeline.csv`; another tier's carry its name
    /// (`api-latency.svg`, see [`Figure::stem`]).
    pub entry: bool,
}

/// What the latency distribution chart draws.
pub struct LatencyDistribution {
    /// `(latency_ms, share of completed requests at least that slow)`, increasing.
    pub ccdf: Vec<(f64, f64)>,
    /// Completed requests behind the CCDF.
    pub completed: u64,
    /// Marked on the distribution: `("p99", ms)`, ...
    pub percentiles: Vec<(String, f64)>,
}

impl RunChartInput {
    /// A chart's heading, naming the tier when the run has several: a PNG shown on its
    /// own must say which tier it is.
    pub(super) fn heading(&self, title: &str) -> String {
        match &self.tier {
            Some(tier) => format!("{title} (tier {})", tier.name),
            None => title.to_string(),
        }
    }
}

/// Draws the charts, in the order of the report: four from the timeline, and the
/// latency distribution when there is one.
pub fn draw_run_charts(input: &RunChartInput) -> Result<Vec<Figure>, PlotError> {
    let axis = TimeAxis::for_duration(input.duration_s);
    let s = match &input.tier {
        Some(tier) => format!("{}, tier {}", input.scenario, tier.name),
        None => input.scenario.clone(),
    };
    let mut figures = vec![
        render(
            &Traffic { input, axis },
            &format!("{s}: traffic and capacity"),
        )?,
        render(&Latency { input, axis }, &format!("{s}: latency over time"))?,
        render(&Cpu { input, axis }, &format!("{s}: CPU utilisation"))?,
        render(
            &Cost { input, axis },
            &format!("{s}: cumulative cost by purchase option"),
        )?,
    ];
    if input.points.first().is_some_and(|p| p.jobs.is_some()) {
        figures.push(render(
            &Jobs { input, axis },
            &format!("{s}: jobs and vCPUs"),
        )?);
    }
    if let Some(distribution) = &input.distribution {
        figures.push(render(
            &Distribution {
                input,
                distribution,
            },
            &format!("{s}: latency distribution"),
        )?);
    }
    if let Some(tier) = input.tier.as_ref().filter(|t| !t.entry) {
        for figure in &mut figures {
            figure.tier = Some(tier.name.clone());
        }
    }
    Ok(figures)
}

/// A value held over each point: two vertices per point, at its start and its end.
pub(super) fn steps(
    points: &[SeriesPoint],
    axis: TimeAxis,
    value: impl Fn(&SeriesPoint) -> f64,
) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len() * 2);
    for p in points {
        let v = value(p);
        out.push((axis.at(p.start_s), v));
        out.push((axis.at(p.end_s), v));
    }
    out
}

/// A value measured over each point, drawn at the point's middle.
fn mids(
    points: &[SeriesPoint],
    axis: TimeAxis,
    value: impl Fn(&SeriesPoint) -> f64,
) -> Vec<(f64, f64)> {
    points
        .iter()
        .map(|p| (axis.at((p.start_s + p.end_s) / 2.0), value(p)))
        .collect()
}

/// The mesh of a chart with time across: light grid, human ticks, captions with units.
macro_rules! time_mesh {
    ($chart:expr, $axis:expr, $y_desc:expr, $y_fmt:expr) => {
        time_mesh!($chart, $axis, $y_desc, $y_fmt, 8)
    };
    ($chart:expr, $axis:expr, $y_desc:expr, $y_fmt:expr, $y_labels:expr) => {
        $chart
            .configure_mesh()
            .x_desc($axis.caption)
            .y_desc($y_desc)
            .x_labels(12)
            .y_labels($y_labels)
            .x_label_formatter(&tick)
            .y_label_formatter($y_fmt)
            .light_line_style(no_grid())
            .bold_line_style(light_grid())
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .draw()?
    };
}

pub(super) fn no_data<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    what: &str,
) -> Result<(), DrawFailed> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        what.to_string(),
        (w as i32 / 2, h as i32 / 2),
        anchored(
            (FONT, LABEL_SIZE).into_font().color(&palette::GREY),
            HPos::Center,
            VPos::Center,
        ),
    ))?;
    Ok(())
}

// ----- 1. traffic and capacity ----------------------------------------------------------

struct Traffic<'a> {
    input: &'a RunChartInput,
    axis: TimeAxis,
}

impl Chart for Traffic<'_> {
    fn name(&self) -> &str {
        "traffic"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        use palette::*;
        let points = &self.input.points;
        let axis = self.axis;
        let many = self.input.units.1;
        // Stacked from the bottom: what serves traffic first, then what is still
        // booting, then what no longer serves (draining, failed awaiting replacement).
        let layers: [(&str, RGBColor, fn(&SeriesPoint) -> u32); 6] = [
            ("in service, on-demand", ON_DEMAND, |p| {
                p.in_service_on_demand
            }),
            ("in service, spot", SPOT, |p| p.in_service_spot),
            ("pending, on-demand", tint(ON_DEMAND, 0.6), |p| {
                p.pending_on_demand
            }),
            ("pending, spot", tint(SPOT, 0.6), |p| p.pending_spot),
            ("draining", tint(BLACK, 0.75), |p| p.draining),
            ("unhealthy (failed, or a failed version)", VERMILLION, |p| {
                p.unhealthy
            }),
        ];
        // The legend names only what the chart shows: no spot entries for a run
        // without spot, no event without an occurrence.
        let mut legend: Vec<(Key, String)> = layers
            .iter()
            .filter(|(_, _, f)| points.iter().any(|p| f(p) > 0))
            .map(|(label, c, _)| (Key::Fill(*c), label.to_string()))
            .collect();
        legend.push((Key::Line(VERMILLION), "desired capacity".into()));
        legend.extend(outage_key(&self.input.outages));
        let mut policies: Vec<&str> = self
            .input
            .deployments
            .iter()
            .map(|d| d.policy.as_str())
            .collect();
        policies.sort_unstable();
        policies.dedup();
        if !policies.is_empty() {
            legend.push((
                Key::Fill(DEPLOYMENT),
                format!("deployment ({})", policies.join(", ")),
            ));
        }
        if self.input.deployments.iter().any(|d| !d.phases.is_empty()) {
            legend.push((Key::Line(PHASE), "deployment phase".into()));
        }
        let forecast = points.iter().any(|p| p.forecast_capacity > 0);
        if forecast {
            legend.push((
                Key::Dashed(BLUISH_GREEN),
                "predictive forecast (capacity for the hour)".into(),
            ));
        }
        legend.push((Key::Line(BLACK), "arrival rate (right axis)".into()));
        let events: Vec<(&EventMark, u64)> = EVENT_MARKS
            .iter()
            .map(|e| (e, event_counts(points, e).iter().sum::<u64>()))
            .filter(|(_, n)| *n > 0)
            .collect();
        for (e, n) in &events {
            legend.push((e.key, format!("{} ({})", e.label, thousands(*n as i64))));
        }
        let plot = frame(root, &self.input.heading("Traffic and capacity"), &legend)?;
        if points.is_empty() {
            return no_data(&plot, "no timeline rows");
        }
        let stacked = |p: &SeriesPoint, upto: usize| -> u32 {
            layers[..=upto].iter().map(|(_, _, f)| f(p)).sum()
        };
        let max_instances = points
            .iter()
            .map(|p| {
                stacked(p, layers.len() - 1)
                    .max(p.desired)
                    .max(p.forecast_capacity)
            })
            .max()
            .unwrap_or(1);
        let max_rate = points
            .iter()
            .map(|p| p.per_second(p.arrivals))
            .fold(0.0, f64::max);
        // A row of markers per kind of event above the data.
        let data_top = headroom(f64::from(max_instances)).max(2.0);
        let row_height = data_top * 0.06;
        let y_top = data_top + row_height * events.len() as f64;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(10)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(TIME_LEFT_AXIS)
            .right_y_label_area_size(TIME_RIGHT_AXIS)
            .build_cartesian_2d(axis.range(), axis_range(0.0, y_top))?
            .set_secondary_coord(axis_range(0.0, axis.end), 0.0..headroom(max_rate));
        time_mesh!(chart, axis, many, &tick);
        shade_outages!(chart, self.input, axis, headroom(max_rate));
        let (_, rows) = chart.plotting_area().get_pixel_range();
        for d in &self.input.deployments {
            let to = d.to_s.min(self.input.duration_s);
            chart.draw_secondary_series(std::iter::once(Rectangle::new(
                [(axis.at(d.from_s), 0.0), (axis.at(to), headroom(max_rate))],
                DEPLOYMENT.filled(),
            )))?;
            hovers.boxed(
                (chart.backend_coord(&(axis.at(d.from_s), 0.0)).0, rows.start),
                (chart.backend_coord(&(axis.at(to), 0.0)).0, rows.end),
                d.text.clone(),
            );
        }
        chart
            .configure_secondary_axes()
            .y_desc("arrival rate [requests/s]")
            .y_label_formatter(&tick)
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .draw()?;
        for upto in (0..layers.len()).rev() {
            let color = layers[upto].1;
            chart.draw_series(AreaSeries::new(
                steps(points, axis, |p| f64::from(stacked(p, upto))),
                0.0,
                color.filled(),
            ))?;
        }
        // Each phase of a deployment: a thin line across the chart at its moment,
        // named by a narrow box around it (over the band's box, which it cuts).
        for d in &self.input.deployments {
            for (at_s, text) in &d.phases {
                if !at_s.is_finite() || *at_s > self.input.duration_s {
                    continue;
                }
                let x = axis.at(*at_s);
                chart.draw_secondary_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, headroom(max_rate))],
                    PHASE.stroke_width(2),
                )))?;
                let column = chart.backend_coord(&(x, 0.0)).0;
                hovers.boxed(
                    (column - 3, rows.start),
                    (column + 3, rows.end),
                    text.clone(),
                );
            }
        }
        // Solid, not dashed: dashes turn to noise on a month of daily cycles. A white
        // halo under it keeps it readable on the orange of spot instances.
        for style in [WHITE.stroke_width(5), VERMILLION.stroke_width(2)] {
            chart.draw_series(LineSeries::new(
                steps(points, axis, |p| f64::from(p.desired)),
                style,
            ))?;
        }
        if forecast {
            chart.draw_series(DashedLineSeries::new(
                steps(points, axis, |p| f64::from(p.forecast_capacity)),
                8,
                5,
                BLUISH_GREEN.stroke_width(2),
            ))?;
        }
        chart.draw_secondary_series(LineSeries::new(
            mids(points, axis, |p| p.per_second(p.arrivals)),
            BLACK.stroke_width(2),
        ))?;
        for (row, (e, _)) in events.iter().enumerate() {
            let y = data_top + row_height * (row as f64 + 0.5);
            let marked: Vec<(&SeriesPoint, u64)> = points
                .iter()
                .zip(event_counts(points, e))
                .filter(|(_, n)| *n > 0)
                .collect();
            let at: Vec<(f64, f64)> = marked
                .iter()
                .map(|(p, _)| (axis.at((p.start_s + p.end_s) / 2.0), y))
                .collect();
            for ((p, n), &xy) in marked.iter().zip(&at) {
                hovers.around(
                    chart.backend_coord(&xy),
                    7,
                    format!(
                        "{} × {n}, from {} to {} after the start",
                        e.label,
                        span(p.start_s),
                        span(p.end_s)
                    ),
                );
            }
            match e.key {
                Key::Triangle(c) => chart.draw_series(
                    at.into_iter()
                        .map(|at| TriangleMarker::new(at, 7, c.filled())),
                )?,
                Key::Marker(c) => {
                    chart.draw_series(at.into_iter().map(|at| Circle::new(at, 5, c.filled())))?
                }
                _ => unreachable!("events are marked with triangles or dots"),
            };
        }
        Ok(())
    }
}

/// A kind of event marked on the traffic chart, one row of markers per kind; a new
/// kind of event (a zone outage, say) is one more entry in [`EVENT_MARKS`].
struct EventMark {
    label: &'static str,
    key: Key,
    /// How many happened in a point, given the point before it (itself for the first).
    count: fn(&SeriesPoint, &SeriesPoint) -> u64,
}

/// The events of a run that the traffic chart marks, in the order of their rows.
const EVENT_MARKS: [EventMark; 5] = [
    EventMark {
        label: "scale-out (desired raised)",
        key: Key::Triangle(palette::BLUISH_GREEN),
        count: |before, p| u64::from(p.desired > before.desired),
    },
    EventMark {
        label: "scale-in (desired lowered)",
        key: Key::Marker(palette::SKY_BLUE),
        count: |before, p| u64::from(p.desired < before.desired),
    },
    EventMark {
        label: "spot interruptions",
        key: Key::Triangle(palette::REDDISH_PURPLE),
        count: |_, p| p.spot_interruptions,
    },
    EventMark {
        label: "instance failures",
        key: Key::Triangle(palette::VERMILLION),
        count: |_, p| p.failures,
    },
    EventMark {
        label: "replaced after a failed health check",
        key: Key::Marker(palette::BLACK),
        count: |_, p| p.replaced_unhealthy,
    },
];

/// How many of event `e` happened in each point.
fn event_counts(points: &[SeriesPoint], e: &EventMark) -> Vec<u64> {
    points
        .iter()
        .enumerate()
        .map(|(i, p)| (e.count)(&points[i.saturating_sub(1)], p))
        .collect()
}

// ----- 2. latency over time ---------------------------------------------------------------

struct Latency<'a> {
    input: &'a RunChartInput,
    axis: TimeAxis,
}

/// A log axis from the lowest to the highest value, widened to round numbers: down to
/// 1, 2 or 5 times a power of ten, up to the next such number. Both bounds are finite
/// and positive whatever the values are (see [`axis_bound`]).
pub(super) fn log_bounds(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (axis_bound(lo), axis_bound(hi));
    let down = |v: f64| {
        let e = v.log10().floor();
        let m = v / 10f64.powf(e);
        let step = if m >= 5.0 {
            5.0
        } else if m >= 2.0 {
            2.0
        } else {
            1.0
        };
        step * 10f64.powf(e)
    };
    let up = |v: f64| {
        let e = v.log10().floor();
        let m = v / 10f64.powf(e);
        let step = if m <= 1.0 {
            1.0
        } else if m <= 2.0 {
            2.0
        } else if m <= 5.0 {
            5.0
        } else {
            10.0
        };
        step * 10f64.powf(e)
    };
    let lo = down(lo.clamp(1e-3, AXIS_LIMIT / 10.0));
    let hi = up(hi.max(lo * 10.0).min(AXIS_LIMIT));
    (lo, hi)
}

impl Chart for Latency<'_> {
    fn name(&self) -> &str {
        "latency"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        use palette::*;
        let points = &self.input.points;
        let axis = self.axis;
        let slo = self.input.slo_latency_ms;
        // Merged points (long runs) hold many intervals: their p99s are drawn as a
        // band, the median to the 90th percentile of the intervals' p99s, so that a
        // longer run of the same system does not look worse for having more worst
        // minutes to take the maximum of; the maximum stays as a faint line.
        let merged = points.iter().any(|p| p.p99s.len() > 1);
        let mut legend = vec![(Key::Line(SKY_BLUE), "p50 per interval".to_string())];
        if merged {
            legend.push((
                Key::Fill(tint(BLUE, 0.6)),
                "p99s of the intervals in each span: median to 90th percentile".to_string(),
            ));
            legend.push((Key::Line(BLUE), "median of the intervals' p99s".to_string()));
            legend.push((
                Key::Line(tint(BLUE, 0.7)),
                "worst interval's p99".to_string(),
            ));
        } else {
            legend.push((Key::Line(BLUE), "p99 per interval".to_string()));
        }
        legend.push((
            Key::Dashed(BLACK),
            format!(
                "SLO: p{} ≤ {} ms",
                tick(&self.input.slo_percentile),
                tick(&slo)
            ),
        ));
        for (count, colour, label) in ERRORS {
            if points.iter().any(|p| count(p) > 0) {
                legend.push((
                    Key::Fill(tint(colour, 0.35)),
                    format!("{label} (right axis)"),
                ));
            }
        }
        legend.extend(outage_key(&self.input.outages));
        let plot = frame(
            root,
            &self.input.heading("Latency of completed requests"),
            &legend,
        )?;
        if points.is_empty() {
            return no_data(&plot, "no timeline rows");
        }
        let served: Vec<&SeriesPoint> = points.iter().filter(|p| p.completions > 0).collect();
        let lo = served
            .iter()
            .map(|p| p.p50_ms)
            .filter(|v| *v > 0.0)
            .fold(slo, f64::min);
        let hi = served.iter().map(|p| p.p99_ms).fold(slo, f64::max);
        let (lo, hi) = log_bounds(lo / 1.2, hi * 1.2);
        let per_minute = |p: &SeriesPoint, n: u64| p.per_second(n) * 60.0;
        let max_errors = points
            .iter()
            .flat_map(|p| {
                ERRORS
                    .iter()
                    .map(move |(count, _, _)| per_minute(p, count(p)))
            })
            .fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(10)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(TIME_LEFT_AXIS)
            .right_y_label_area_size(TIME_RIGHT_AXIS)
            .build_cartesian_2d(
                axis.range(),
                (lo..hi).log_scale().with_key_points(log_ticks(lo, hi)),
            )?
            .set_secondary_coord(
                axis_range(0.0, axis.end),
                0.0..headroom(max_errors).max(10.0),
            );
        time_mesh!(chart, axis, "latency [ms] (log scale)", &tick);
        shade_outages!(chart, self.input, axis, headroom(max_errors).max(10.0));
        chart
            .configure_secondary_axes()
            .y_desc("errors [requests per minute]")
            .y_label_formatter(&tick)
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .draw()?;
        for (count, color, _) in ERRORS {
            if points.iter().any(|p| count(p) > 0) {
                chart.draw_secondary_series(AreaSeries::new(
                    steps(points, axis, |p| per_minute(p, count(p))),
                    0.0,
                    color.mix(0.45).filled(),
                ))?;
            }
        }
        let at = |p: &SeriesPoint| axis.at((p.start_s + p.end_s) / 2.0);
        let line = |f: &dyn Fn(&SeriesPoint) -> f64| {
            served
                .iter()
                .map(|p| (at(p), f(p).clamp(lo, hi)))
                .collect::<Vec<_>>()
        };
        if merged {
            let quantile = |q: f64| move |p: &SeriesPoint| p.p99_quantile(q).unwrap_or(p.p99_ms);
            let mut band = line(&quantile(0.9));
            band.extend(line(&quantile(0.5)).into_iter().rev());
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                tint(BLUE, 0.6).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                line(&|p| p.p99_ms),
                tint(BLUE, 0.7).stroke_width(1),
            ))?;
            chart.draw_series(LineSeries::new(line(&quantile(0.5)), BLUE.stroke_width(2)))?;
        } else {
            chart.draw_series(LineSeries::new(line(&|p| p.p99_ms), BLUE.stroke_width(2)))?;
        }
        chart.draw_series(LineSeries::new(
            line(&|p| p.p50_ms),
            SKY_BLUE.stroke_width(2),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, slo), (axis.end, slo)],
            10,
            6,
            BLACK.stroke_width(2),
        ))?;
        Ok(())
    }
}

/// A count of a point, its colour and its label.
type Counted = (fn(&SeriesPoint) -> u64, RGBColor, &'static str);

/// The errors drawn per minute on the latency chart's right axis.
const ERRORS: [Counted; 4] = [
    (|p| p.rejections, palette::VERMILLION, "rejected 503"),
    (|p| p.timeouts, palette::REDDISH_PURPLE, "timed out 504"),
    (|p| p.failed, palette::BLACK, "failed 500"),
    (
        |p| p.interruptions,
        palette::ORANGE,
        "cut off by a stopping instance",
    ),
];

// ----- 3. CPU against the scaling target ----------------------------------------------------

struct Cpu<'a> {
    input: &'a RunChartInput,
    axis: TimeAxis,
}

impl Chart for Cpu<'_> {
    fn name(&self) -> &str {
        "cpu"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        use palette::*;
        let points = &self.input.points;
        let axis = self.axis;
        let input = self.input;
        let requests = !input.request_targets.is_empty();
        let mut legend = vec![(
            Key::Line(BLUE),
            format!("mean CPU of in-service {}", input.units.1),
        )];
        if input.cpu_targets.is_empty() && !requests {
            legend.push((Key::Dashed(GREY), "no target-tracking policy".to_string()));
        }
        for t in &input.cpu_targets {
            legend.push((
                Key::Dashed(VERMILLION),
                format!("CPU target: {} %", tick(t)),
            ));
        }
        // The credit balance takes the right axis unless the request count has it.
        let credits = input.cpu_baseline.filter(|_| !requests);
        if let Some(baseline) = input.cpu_baseline {
            legend.push((
                Key::Dashed(BLUISH_GREEN),
                format!("baseline of a burstable instance: {} %", tick(&baseline)),
            ));
        }
        if credits.is_some() {
            legend.push((
                Key::Line(BLUISH_GREEN),
                format!("mean CPU credit balance per {} (right axis)", input.units.0),
            ));
        }
        if requests {
            legend.push((
                Key::Line(ORANGE),
                "requests per target per minute, as the policy read it (right axis)".to_string(),
            ));
            for t in &input.request_targets {
                legend.push((
                    Key::Dashed(BLACK),
                    format!("request count target: {} per minute", tick(t)),
                ));
            }
        }
        let heading = match requests {
            true => "CPU utilisation and the scaling metric against its target",
            false => "CPU utilisation against the scaling target",
        };
        let plot = frame(root, &input.heading(heading), &legend)?;
        if points.is_empty() {
            return no_data(&plot, "no timeline rows");
        }
        let request_top = headroom(
            points
                .iter()
                .filter_map(|p| match credits {
                    Some(_) => p.credit_balance,
                    None => p.metric_request_count_per_target,
                })
                .chain(input.request_targets.iter().copied())
                .fold(0.0, f64::max),
        );
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(10)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(TIME_LEFT_AXIS)
            .right_y_label_area_size(TIME_RIGHT_AXIS)
            .build_cartesian_2d(axis.range(), 0.0..100.0)?
            .set_secondary_coord(axis_range(0.0, axis.end), 0.0..request_top);
        time_mesh!(chart, axis, "CPU utilisation [%]", &tick);
        if credits.is_some() {
            chart
                .configure_secondary_axes()
                .y_desc("CPU credits")
                .y_label_formatter(&tick)
                .axis_desc_style((FONT, LABEL_SIZE))
                .label_style((FONT, TICK_SIZE))
                .draw()?;
            chart.draw_secondary_series(LineSeries::new(
                points.iter().filter_map(|p| {
                    p.credit_balance
                        .map(|b| (axis.at((p.start_s + p.end_s) / 2.0), b))
                }),
                BLUISH_GREEN.stroke_width(2),
            ))?;
        }
        if let Some(baseline) = input.cpu_baseline {
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, baseline), (axis.end, baseline)],
                4,
                4,
                BLUISH_GREEN.stroke_width(2),
            ))?;
        }
        if requests {
            chart
                .configure_secondary_axes()
                .y_desc("requests per target per minute")
                .y_label_formatter(&tick)
                .axis_desc_style((FONT, LABEL_SIZE))
                .label_style((FONT, TICK_SIZE))
                .draw()?;
        }
        chart.draw_series(LineSeries::new(
            mids(points, axis, |p| p.mean_cpu),
            BLUE.stroke_width(2),
        ))?;
        for &t in &input.cpu_targets {
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, t), (axis.end, t)],
                10,
                6,
                VERMILLION.stroke_width(2),
            ))?;
        }
        if requests {
            // Each point's datapoint where it has one; a gap (no targets) breaks the line.
            let mut run: Vec<(f64, f64)> = Vec::new();
            for p in points.iter() {
                match p.metric_request_count_per_target {
                    Some(v) => run.push((axis.at((p.start_s + p.end_s) / 2.0), v)),
                    None if !run.is_empty() => {
                        chart.draw_secondary_series(LineSeries::new(
                            std::mem::take(&mut run),
                            ORANGE.stroke_width(2),
                        ))?;
                    }
                    None => {}
                }
            }
            chart.draw_secondary_series(LineSeries::new(run, ORANGE.stroke_width(2)))?;
            for &t in &input.request_targets {
                chart.draw_secondary_series(DashedLineSeries::new(
                    vec![(0.0, t), (axis.end, t)],
                    10,
                    6,
                    BLACK.stroke_width(2),
                ))?;
            }
        }
        Ok(())
    }
}

// ----- 4. cumulative cost ---------------------------------------------------------------------

struct Cost<'a> {
    input: &'a RunChartInput,
    axis: TimeAxis,
}

impl Chart for Cost<'_> {
    fn name(&self) -> &str {
        "cost"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        use palette::*;
        let points = &self.input.points;
        let axis = self.axis;
        // Stacked from the bottom in the order of the bill.
        let layers: [(&str, RGBColor, fn(&SeriesPoint) -> f64); 5] = [
            ("on-demand", ON_DEMAND, |p| p.cost_on_demand_usd),
            ("spot", SPOT, |p| p.cost_spot_usd),
            ("reserved + savings plan", RESERVED, |p| {
                p.cost_commitments_usd
            }),
            ("warm pool", WARM_POOL, |p| p.cost_warm_pool_usd),
            ("load balancer", LOAD_BALANCER, |p| p.cost_load_balancer_usd),
        ];
        let total = points.last().map_or(0.0, |p| p.cost_usd);
        // Parts the run never paid for (no spot, no reservations, ...) stay out of the
        // legend; on-demand is always there.
        let mut legend: Vec<(Key, String)> = layers
            .iter()
            .enumerate()
            .filter_map(|(i, (label, c, f))| {
                let so_far = points.last().map_or(0.0, f);
                (i == 0 || so_far != 0.0)
                    .then(|| (Key::Fill(*c), format!("{label} {}", dollars(so_far))))
            })
            .collect();
        legend.push((Key::Line(BLACK), format!("total {}", dollars(total))));
        let plot = frame(
            root,
            &self.input.heading("Cumulative cost by purchase option"),
            &legend,
        )?;
        if points.is_empty() {
            return no_data(&plot, "no timeline rows");
        }
        let stacked =
            |p: &SeriesPoint, upto: usize| -> f64 { layers[..=upto].iter().map(|l| l.2(p)).sum() };
        let y_top = points
            .iter()
            .map(|p| stacked(p, layers.len() - 1).max(p.cost_usd))
            .fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(10)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(TIME_LEFT_AXIS)
            .right_y_label_area_size(TIME_RIGHT_AXIS)
            .build_cartesian_2d(axis.range(), 0.0..headroom(y_top))?;
        // Whole dollars on an axis that reaches $20: cents there are noise.
        let whole = y_top >= 20.0;
        let money = move |v: &f64| {
            if whole {
                dollars(v.round()).replace(".00", "")
            } else {
                dollars(*v)
            }
        };
        time_mesh!(chart, axis, "cumulative cost [USD]", &money);
        let at_end = |f: &dyn Fn(&SeriesPoint) -> f64| {
            std::iter::once((0.0, 0.0))
                .chain(points.iter().map(|p| (axis.at(p.end_s), f(p))))
                .collect::<Vec<_>>()
        };
        for upto in (0..layers.len()).rev() {
            chart.draw_series(AreaSeries::new(
                at_end(&|p| stacked(p, upto)),
                0.0,
                layers[upto].1.filled(),
            ))?;
        }
        chart.draw_series(LineSeries::new(
            at_end(&|p| p.cost_usd),
            BLACK.stroke_width(2),
        ))?;
        Ok(())
    }
}

// ----- 5. latency distribution ------------------------------------------------------------------

/// Ticks at 1, 2 and 5 times each power of ten within `[lo, hi]`: plotters' own log
/// ticks are powers of ten only, too few on an axis of two or three decades.
pub(super) fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi {
        for m in [1.0, 2.0, 5.0] {
            // Rounded to 12 significant digits so that 0.1 * 2 prints as 0.2.
            let v: f64 = format!("{:.12e}", decade * m).parse().unwrap_or(decade * m);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                ticks.push(v);
            }
        }
        decade *= 10.0;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_bounds_are_round_numbers() {
        assert_eq!(log_bounds(37.0, 240.0), (20.0, 500.0));
        assert_eq!(log_bounds(1.0, 1000.0), (1.0, 1000.0));
        assert_eq!(log_bounds(0.5, 0.6), (0.5, 5.0));
    }

    #[test]
    fn log_ticks_are_one_two_five() {
        assert_eq!(
            log_ticks(20.0, 500.0),
            vec![20.0, 50.0, 100.0, 200.0, 500.0]
        );
        assert_eq!(log_ticks(0.1, 0.5), vec![0.1, 0.2, 0.5]);
    }
}
