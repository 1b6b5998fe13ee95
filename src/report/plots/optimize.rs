//! The chart of a search (`simcloud optimize`): every configuration evaluated, its
//! mean cost against its mean constraint metric with 95 % intervals, coloured by how
//! it ended (chosen, runner-up, left in the race, dropped as infeasible, dropped as
//! dearer), the constraint's threshold as a dashed line, and the labels the caller
//! gives (the chosen one's and the runner-ups' roles and replicates).
//!
//! It takes plain data ([`SearchPoint`]) in grid order and draws; the search is
//! `compare::optimize`'s.

use super::*;

/// How a configuration ended, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchClass {
    Chosen,
    RunnerUp,
    Left,
    Infeasible,
    Dearer,
}

impl SearchClass {
    const ALL: [SearchClass; 5] = [
        SearchClass::Chosen,
        SearchClass::RunnerUp,
        SearchClass::Left,
        SearchClass::Dearer,
        SearchClass::Infeasible,
    ];

    fn colour(self) -> RGBColor {
        match self {
            SearchClass::Chosen => palette::BLUISH_GREEN,
            SearchClass::RunnerUp => palette::BLUE,
            SearchClass::Left => palette::REDDISH_PURPLE,
            SearchClass::Dearer => palette::ORANGE,
            SearchClass::Infeasible => palette::VERMILLION,
        }
    }

    fn label(self) -> &'static str {
        match self {
            SearchClass::Chosen => "chosen",
            SearchClass::RunnerUp => "runner-up",
            SearchClass::Left => "left, not separated",
            SearchClass::Dearer => "dropped: dearer",
            SearchClass::Infeasible => "dropped: infeasible",
        }
    }
}

/// One configuration of the search.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchPoint {
    /// Written beside the point when given (configuration names are long; the
    /// evidence table has them).
    pub label: Option<String>,
    /// What the point's hover text says: the configuration, how it ended and why.
    pub hover: String,
    /// Mean objective [USD] and the half-width of its 95 % interval.
    pub objective: f64,
    pub objective_ci95: f64,
    /// Mean constraint metric and the half-width of its 95 % interval.
    pub metric: f64,
    pub metric_ci95: f64,
    pub class: SearchClass,
}

/// The search, in one picture. `threshold` is the constraint's bound on the metric,
/// `metric_desc` and `objective_desc` the axes' descriptions.
pub fn draw_search(
    title: &str,
    points: &[SearchPoint],
    threshold: f64,
    metric_desc: &str,
    objective_desc: &str,
) -> Result<Figure, PlotError> {
    render(
        &Search {
            points,
            threshold,
            metric_desc,
            objective_desc,
        },
        &format!("{title}: the search"),
    )
}

struct Search<'a> {
    points: &'a [SearchPoint],
    threshold: f64,
    metric_desc: &'a str,
    objective_desc: &'a str,
}

impl Chart for Search<'_> {
    fn name(&self) -> &str {
        "search"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        let p = self.points;
        let mut legend: Vec<(Key, String)> = SearchClass::ALL
            .iter()
            .filter(|class| p.iter().any(|q| q.class == **class))
            .map(|class| {
                let n = p.iter().filter(|q| q.class == *class).count();
                (
                    Key::Marker(class.colour()),
                    format!("{} ({n})", class.label()),
                )
            })
            .collect();
        legend.push((Key::Dashed(palette::GREY), "constraint".into()));
        let plot = frame(
            root,
            "Every configuration evaluated: mean cost against the constraint's metric",
            &legend,
        )?;
        let objectives = match p.is_empty() {
            true => (0.0, 1.0),
            false => (
                p.iter()
                    .map(|q| q.objective - q.objective_ci95)
                    .fold(f64::MAX, f64::min),
                p.iter()
                    .map(|q| q.objective + q.objective_ci95)
                    .fold(0.0, f64::max),
            ),
        };
        let mut chart = scatter_axes(
            &plot,
            (
                p.iter()
                    .map(|q| q.metric - q.metric_ci95)
                    .fold(self.threshold, f64::min),
                p.iter()
                    .map(|q| q.metric + q.metric_ci95)
                    .fold(self.threshold, f64::max),
            ),
            objectives,
            self.metric_desc,
            self.objective_desc,
        )?;
        let (y0, y1) = {
            let range = chart.y_range();
            (range.start, range.end)
        };
        chart.draw_series(DashedLineSeries::new(
            [(self.threshold, y0), (self.threshold, y1)],
            8,
            5,
            palette::GREY.stroke_width(2),
        ))?;
        let font = (FONT, TICK_SIZE).into_font();
        // The dropped first, so that the chosen and the runner-ups are drawn on top.
        let mut order: Vec<&SearchPoint> = p.iter().collect();
        order.sort_by_key(|q| {
            std::cmp::Reverse(SearchClass::ALL.iter().position(|c| *c == q.class))
        });
        for q in order {
            let c = q.class.colour();
            error_cross(
                &mut chart,
                (q.metric, q.metric_ci95),
                (q.objective, q.objective_ci95),
                c.stroke_width(1),
                6,
            )?;
            chart.draw_series(std::iter::once(Circle::new(
                (q.metric, q.objective),
                5,
                c.filled(),
            )))?;
            hovers.around(
                chart.backend_coord(&(q.metric, q.objective)),
                6,
                format!(
                    "{}\n{} {} ± {}; {} {} ± {}",
                    q.hover,
                    self.metric_desc,
                    tick(&q.metric),
                    tick(&q.metric_ci95),
                    self.objective_desc,
                    dollars(q.objective),
                    dollars(q.objective_ci95)
                ),
            );
            if let Some(label) = &q.label {
                chart.draw_series(std::iter::once(Text::new(
                    label.clone(),
                    (q.metric, q.objective),
                    anchored(font.clone(), HPos::Left, VPos::Bottom),
                )))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_draws_from_hand_made_data() {
        let point = |name: &str, cost: f64, p99: f64, class| SearchPoint {
            hover: format!("{name}: hand-made"),
            label: (class != SearchClass::Infeasible).then(|| format!("{name} (n=4)")),
            objective: cost,
            objective_ci95: 0.1,
            metric: p99,
            metric_ci95: 5.0,
            class,
        };
        let points = [
            point("min=1", 1.0, 900.0, SearchClass::Infeasible),
            point("min=2 <b>", 2.0, 280.0, SearchClass::Chosen),
            point("min=3", 3.0, 200.0, SearchClass::RunnerUp),
        ];
        let figure = draw_search("demo", &points, 300.0, "p99 [ms]", "cost [USD]").unwrap();
        assert!(figure.svg.starts_with("<svg"));
        assert!(figure.svg.contains("min=2 &lt;b&gt; (n=4)"));
        assert!(figure.svg.contains("dropped: infeasible (1)"));
        assert!(figure.png.starts_with(b"\x89PNG"));
        assert!(draw_search("empty", &[], 1.0, "x", "y").is_ok());
    }
}
