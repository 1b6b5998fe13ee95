//! A batch tier's jobs over time: jobs queued (RUNNABLE) and running, and the vCPUs
//! they need and hold against the vCPUs of the compute environment's instances. Drawn
//! only for a batch tier, whose timeline rows carry job columns
//! ([`crate::model::JobColumns`]); on long runs each step is the most seen in its span.

use super::run::{RunChartInput, no_data, steps};
use super::series::JobPoint;
use super::*;

/// The chart of one batch tier.
pub(super) struct Jobs<'a> {
    pub(super) input: &'a RunChartInput,
    pub(super) axis: TimeAxis,
}

impl Chart for Jobs<'_> {
    fn name(&self) -> &str {
        "jobs"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        use palette::*;
        let (input, axis) = (self.input, self.axis);
        let points = &input.points;
        let legend = vec![
            (Key::Line(VERMILLION), "jobs queued (RUNNABLE)".to_string()),
            (Key::Line(BLUE), "jobs running".to_string()),
            (Key::Dashed(BLACK), "vCPUs of the instances".to_string()),
            (
                Key::Line(BLUISH_GREEN),
                "vCPUs held by running jobs".to_string(),
            ),
            (
                Key::Dashed(ORANGE),
                "vCPUs the queued jobs need".to_string(),
            ),
        ];
        let plot = frame(root, &input.heading("Jobs and vCPUs"), &legend)?;
        let jobs = |p: &SeriesPoint| p.jobs.clone().unwrap_or_default();
        if points.is_empty() {
            return no_data(&plot, "no timeline rows");
        }
        let top = headroom(
            points
                .iter()
                .map(|p| {
                    let j = jobs(p);
                    [
                        j.jobs_queued,
                        j.jobs_running,
                        j.vcpus_queued,
                        j.vcpus_instances,
                    ]
                    .into_iter()
                    .max()
                    .unwrap_or(0) as f64
                })
                .fold(1.0, f64::max),
        );
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(40)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(axis.range(), 0.0..top)?;
        chart
            .configure_mesh()
            .x_desc(axis.caption)
            .y_desc("jobs, vCPUs")
            .x_labels(12)
            .y_labels(8)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .light_line_style(no_grid())
            .bold_line_style(light_grid())
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .draw()?;
        let series = |f: fn(&JobPoint) -> u64| steps(points, axis, move |p| f(&jobs(p)) as f64);
        chart.draw_series(DashedLineSeries::new(
            series(|j| j.vcpus_instances),
            10,
            6,
            BLACK.stroke_width(2),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            series(|j| j.vcpus_queued),
            10,
            6,
            ORANGE.stroke_width(2),
        ))?;
        chart.draw_series(LineSeries::new(
            series(|j| j.vcpus_running),
            BLUISH_GREEN.stroke_width(2),
        ))?;
        chart.draw_series(LineSeries::new(
            series(|j| j.jobs_queued),
            VERMILLION.stroke_width(2),
        ))?;
        chart.draw_series(LineSeries::new(
            series(|j| j.jobs_running),
            BLUE.stroke_width(2),
        ))?;
        Ok(())
    }
}
