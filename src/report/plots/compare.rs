//! The charts of a comparison (`simcloud compare`): cost against p99 latency with
//! confidence intervals and the Pareto frontier, and the cost breakdown per strategy.
//!
//! They take plain data ([`StrategyPoint`]) and know nothing of how the comparison was
//! run: the caller computes means, confidence half-widths and Pareto membership, so
//! these functions only draw. Strategies appear in the order given (input order, not
//! completion order), which keeps the output deterministic.

use super::*;

/// One strategy's result over its replicates.
#[derive(Clone, Debug, PartialEq)]
pub struct StrategyPoint {
    pub name: String,
    /// Mean total cost over the replicates [USD].
    pub cost_mean: f64,
    /// Half-width of the 95 % confidence interval of the cost [USD].
    pub cost_ci95: f64,
    /// Mean p99 latency over the replicates [ms].
    pub p99_mean: f64,
    /// Half-width of the 95 % confidence interval of p99 [ms].
    pub p99_ci95: f64,
    /// No other strategy is both cheaper and faster.
    pub pareto: bool,
    /// Mean cost per purchase option, `("on_demand", 12.3)`, ... in `cost.csv` names.
    pub cost_breakdown: Vec<(String, f64)>,
    /// Each replicate's (p99 [ms], cost [USD]), drawn as dots beside the mean.
    pub replicates: Vec<(f64, f64)>,
}

/// The SLO every strategy is judged against, drawn on the chart when it is a p99
/// latency (the axis is p99): `(percentile, latency [ms])`.
pub type SloMark = (f64, f64);

/// Cost against p99, one point per strategy with 95 % error bars in both directions,
/// the Pareto frontier joined by a line, the SLO's latency as a vertical line when
/// `slo` is a p99 one. `title` is usually the scenario name.
pub fn draw_cost_vs_p99(
    title: &str,
    strategies: &[StrategyPoint],
    slo: Option<SloMark>,
) -> Result<Figure, PlotError> {
    render(
        &CostVsP99 { strategies, slo },
        &format!("{title}: cost against p99 latency"),
    )
}

/// Mean cost per strategy as bars stacked by purchase option.
pub fn draw_cost_breakdown(title: &str, strategies: &[StrategyPoint]) -> Result<Figure, PlotError> {
    render(
        &CostBreakdown { strategies },
        &format!("{title}: cost breakdown by strategy"),
    )
}

/// The marker colours of strategies, in order; Okabe–Ito without the purchase-option
/// meaning (this chart has no purchase options).
const STRATEGY_COLOURS: [RGBColor; 7] = [
    palette::BLUE,
    palette::VERMILLION,
    palette::BLUISH_GREEN,
    palette::REDDISH_PURPLE,
    palette::ORANGE,
    palette::SKY_BLUE,
    palette::BLACK,
];

struct CostVsP99<'a> {
    strategies: &'a [StrategyPoint],
    slo: Option<SloMark>,
}

impl Chart for CostVsP99<'_> {
    fn name(&self) -> &str {
        "cost_vs_p99"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        let s = self.strategies;
        let colour = |i: usize| STRATEGY_COLOURS[i % STRATEGY_COLOURS.len()];
        let mut legend: Vec<(Key, String)> = s
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let star = if p.pareto { " (Pareto)" } else { "" };
                (Key::Triangle(colour(i)), format!("{}{star}", p.name))
            })
            .collect();
        legend.push((Key::Dashed(palette::GREY), "Pareto frontier".into()));
        legend.push((Key::Line(palette::GREY), "95 % confidence interval".into()));
        legend.push((Key::Marker(palette::GREY), "one replicate".into()));
        // Only a p99 SLO can be drawn on a p99 axis.
        let slo_ms = self
            .slo
            .filter(|(percentile, _)| *percentile == 99.0)
            .map(|(_, ms)| ms);
        if let Some(ms) = slo_ms {
            legend.push((
                Key::Dashed(palette::BLACK),
                format!("SLO: p99 ≤ {} ms", tick(&ms)),
            ));
        }
        let plot = frame(
            root,
            "Cost against p99 latency (lower left is better)",
            &legend,
        )?;
        if s.is_empty() {
            return no_data_text(&plot, "no strategies");
        }
        let mut chart = scatter_axes(
            &plot,
            // The means' intervals and every replicate inside the axes.
            (
                s.iter()
                    .flat_map(|p| {
                        p.replicates
                            .iter()
                            .map(|r| r.0)
                            .chain([p.p99_mean - p.p99_ci95])
                    })
                    .chain(slo_ms)
                    .fold(f64::MAX, f64::min),
                s.iter()
                    .flat_map(|p| {
                        p.replicates
                            .iter()
                            .map(|r| r.0)
                            .chain([p.p99_mean + p.p99_ci95])
                    })
                    .chain(slo_ms)
                    .fold(0.0, f64::max),
            ),
            (
                s.iter()
                    .flat_map(|p| {
                        p.replicates
                            .iter()
                            .map(|r| r.1)
                            .chain([p.cost_mean - p.cost_ci95])
                    })
                    .fold(f64::MAX, f64::min),
                s.iter()
                    .flat_map(|p| {
                        p.replicates
                            .iter()
                            .map(|r| r.1)
                            .chain([p.cost_mean + p.cost_ci95])
                    })
                    .fold(0.0, f64::max),
            ),
            "p99 latency [ms] (mean over replicates)",
            "total cost [USD] (mean)",
        )?;
        let mut frontier: Vec<(f64, f64)> = s
            .iter()
            .filter(|p| p.pareto)
            .map(|p| (p.p99_mean, p.cost_mean))
            .collect();
        frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(DashedLineSeries::new(
            frontier,
            8,
            5,
            palette::GREY.stroke_width(2),
        ))?;
        if let Some(ms) = slo_ms {
            let y = chart.y_range();
            chart.draw_series(DashedLineSeries::new(
                vec![(ms, y.start), (ms, y.end)],
                10,
                6,
                palette::BLACK.stroke_width(2),
            ))?;
        }
        // The replicates first, small and light, so the means stay on top.
        for (i, p) in s.iter().enumerate() {
            let c = colour(i).mix(0.6);
            chart.draw_series(
                p.replicates
                    .iter()
                    .map(|&at| Circle::new(at, 3, c.filled())),
            )?;
            for (r, &(p99, cost)) in p.replicates.iter().enumerate() {
                hovers.around(
                    chart.backend_coord(&(p99, cost)),
                    3,
                    format!(
                        "{}, replicate {}: p99 {} ms, cost {}",
                        p.name,
                        r + 1,
                        tick(&p99),
                        dollars(cost)
                    ),
                );
            }
        }
        const MARKER: i32 = 8;
        for (i, p) in s.iter().enumerate() {
            let c = colour(i);
            error_cross(
                &mut chart,
                (p.p99_mean, p.p99_ci95),
                (p.cost_mean, p.cost_ci95),
                c.stroke_width(2),
                10,
            )?;
            chart.draw_series(std::iter::once(TriangleMarker::new(
                (p.p99_mean, p.cost_mean),
                MARKER as u32,
                c.filled(),
            )))?;
            hovers.around(
                chart.backend_coord(&(p.p99_mean, p.cost_mean)),
                MARKER,
                format!(
                    "{}{}: mean p99 {} ± {} ms, mean cost {} ± {} (95 % intervals, {} replicates)",
                    p.name,
                    if p.pareto { " (Pareto)" } else { "" },
                    tick(&p.p99_mean),
                    tick(&p.p99_ci95),
                    dollars(p.cost_mean),
                    dollars(p.cost_ci95),
                    p.replicates.len()
                ),
            );
        }
        // The names beside the means, placed so that no two overlap (nearby strategies
        // printed over each other before issue 17), joined to their point by a thin
        // line when pushed away from it.
        let style = TextStyle::from((FONT, TICK_SIZE).into_font());
        let anchors: Vec<(i32, i32)> = s
            .iter()
            .map(|p| chart.backend_coord(&(p.p99_mean, p.cost_mean)))
            .collect();
        let sizes: Vec<(i32, i32)> = s
            .iter()
            .map(|p| {
                let (w, h) = root
                    .estimate_text_size(&p.name, &style)
                    .unwrap_or((8 * p.name.len() as u32, TICK_SIZE));
                (w as i32 + 4, h as i32 + 2)
            })
            .collect();
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let bounds = LabelBox {
            left: xs.start,
            top: ys.start,
            right: xs.end,
            bottom: ys.end,
        };
        for ((p, at), b) in s
            .iter()
            .zip(&anchors)
            .zip(place_labels(&anchors, &sizes, MARKER, bounds))
        {
            let Some(b) = b else { continue };
            let near = (b.left - MARKER - 3..=b.right + MARKER + 3).contains(&at.0)
                && (b.top - MARKER - 3..=b.bottom + MARKER + 3).contains(&at.1);
            if !near {
                let to = (at.0.clamp(b.left, b.right), at.1.clamp(b.top, b.bottom));
                root.draw(&PathElement::new(
                    vec![*at, to],
                    palette::GREY.stroke_width(1),
                ))?;
            }
            // A light backing keeps the name readable over error bars and the SLO line.
            root.draw(&Rectangle::new(
                [(b.left, b.top), (b.right, b.bottom)],
                WHITE.mix(0.8).filled(),
            ))?;
            root.draw(&Text::new(
                p.name.clone(),
                (b.left + 2, (b.top + b.bottom) / 2),
                anchored(style.clone(), HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}

struct CostBreakdown<'a> {
    strategies: &'a [StrategyPoint],
}

/// The purchase options some strategy paid for, in bill order, then any others in
/// order of first appearance: the legend names no part that no bar shows.
fn option_order(strategies: &[StrategyPoint]) -> Vec<String> {
    let paid = |n: &str| {
        strategies
            .iter()
            .any(|p| p.cost_breakdown.iter().any(|(o, v)| o == n && *v > 0.0))
    };
    let mut names: Vec<String> = crate::model::BillPart::ALL
        .iter()
        .map(|p| p.key().to_string())
        .filter(|n| paid(n))
        .collect();
    for p in strategies {
        for (o, _) in &p.cost_breakdown {
            if !names.contains(o) && paid(o) {
                names.push(o.clone());
            }
        }
    }
    names
}

/// "on_demand" → "on-demand", "savings_plan" → "savings plan"; a name that is not a
/// part of the bill with its underscores as spaces.
pub fn option_label(name: &str) -> String {
    match crate::model::BillPart::from_key(name) {
        Some(part) => part.label().to_string(),
        None => name.replace('_', " "),
    }
}

impl Chart for CostBreakdown<'_> {
    fn name(&self) -> &str {
        "cost_breakdown"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        hovers: &Hovers,
    ) -> Result<(), DrawFailed> {
        let s = self.strategies;
        let options = option_order(s);
        let fallback = [palette::YELLOW, palette::SKY_BLUE, palette::BLACK];
        let colour_of = |i: usize, name: &str| match palette::purchase_option(name) {
            c if c == palette::BLACK => fallback[i % fallback.len()],
            c => c,
        };
        let legend: Vec<(Key, String)> = options
            .iter()
            .enumerate()
            .map(|(i, o)| (Key::Fill(colour_of(i, o)), option_label(o)))
            .collect();
        let plot = frame(root, "Mean cost by strategy and purchase option", &legend)?;
        if s.is_empty() {
            return no_data_text(&plot, "no strategies");
        }
        let total = |p: &StrategyPoint| p.cost_breakdown.iter().map(|(_, v)| v.max(0.0)).sum();
        let y_top = headroom(s.iter().map(total).fold(0.0, f64::max));
        let n = s.len();
        let names: Vec<String> = s.iter().map(|p| p.name.clone()).collect();
        let label = move |v: &f64| -> String {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(10)
            .margin_right(30)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.6..(n as f64 - 0.4), 0.0..y_top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("strategy")
            .y_desc("mean total cost [USD]")
            .x_labels(n.max(1) * 2 + 1)
            .y_labels(8)
            .x_label_formatter(&label)
            .y_label_formatter(&|v| dollars(*v))
            .light_line_style(no_grid())
            .bold_line_style(light_grid())
            .axis_desc_style((FONT, LABEL_SIZE))
            .label_style((FONT, TICK_SIZE))
            .draw()?;
        for (i, p) in s.iter().enumerate() {
            let x = i as f64;
            let mut bottom = 0.0;
            for (k, o) in options.iter().enumerate() {
                let v: f64 = p
                    .cost_breakdown
                    .iter()
                    .filter(|(name, _)| name == o)
                    .map(|(_, v)| v.max(0.0))
                    .sum();
                if v <= 0.0 {
                    continue;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.3, bottom), (x + 0.3, bottom + v)],
                    colour_of(k, o).filled(),
                )))?;
                hovers.boxed(
                    chart.backend_coord(&(x - 0.3, bottom)),
                    chart.backend_coord(&(x + 0.3, bottom + v)),
                    format!("{}: {} {} (mean)", p.name, option_label(o), dollars(v)),
                );
                bottom += v;
            }
            chart.draw_series(std::iter::once(Text::new(
                dollars(bottom),
                (x, bottom),
                anchored((FONT, TICK_SIZE).into_font(), HPos::Center, VPos::Bottom),
            )))?;
        }
        Ok(())
    }
}

fn no_data_text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    what: &str,
) -> Result<(), DrawFailed> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        what.to_string(),
        (w as i32 / 2, h as i32 / 2),
        anchored((FONT, LABEL_SIZE).into_font(), HPos::Center, VPos::Center),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategies() -> Vec<StrategyPoint> {
        let point = |name: &str, cost: f64, p99: f64, pareto: bool, spot: f64| StrategyPoint {
            name: name.into(),
            cost_mean: cost,
            cost_ci95: cost * 0.03,
            p99_mean: p99,
            p99_ci95: p99 * 0.05,
            pareto,
            cost_breakdown: vec![
                ("on_demand".into(), cost - spot - 0.5),
                ("spot".into(), spot),
                ("load_balancer".into(), 0.5),
            ],
            replicates: vec![(p99 * 0.97, cost * 1.02), (p99 * 1.03, cost * 0.98)],
        };
        vec![
            point("all on-demand", 40.0, 180.0, true, 0.0),
            point("70 % spot <escaped> & \"quoted\"", 22.0, 260.0, true, 12.0),
            point("spot, no rebalance", 24.0, 320.0, false, 13.0),
        ]
    }

    #[test]
    fn compare_charts_draw_from_hand_made_data() {
        let s = strategies();
        for figure in [
            draw_cost_vs_p99("demo", &s, Some((99.0, 300.0))).unwrap(),
            draw_cost_breakdown("demo", &s).unwrap(),
        ] {
            assert!(figure.svg.starts_with("<svg"), "{}", figure.name);
            assert!(figure.svg.contains("all on-demand"));
            // Names are escaped in the SVG text.
            assert!(figure.svg.contains("&lt;escaped&gt;"));
            assert!(figure.png.starts_with(b"\x89PNG"));
        }
        // Same data, same bytes.
        assert_eq!(
            draw_cost_breakdown("demo", &s).unwrap().svg,
            draw_cost_breakdown("demo", &s).unwrap().svg
        );
    }

    /// Issue 17: each strategy's point, each replicate's dot and each bar has a hover
    /// text (an SVG `<title>` on an invisible box over it), and the boxes change no
    /// pixel: the PNG is the same with the hover group taken out of the SVG.
    #[test]
    fn points_and_bars_have_hover_titles_that_change_no_pixel() {
        let s = strategies();
        let scatter = draw_cost_vs_p99("demo", &s, None).unwrap();
        assert!(
            scatter.svg.contains(
                "<title>all on-demand (Pareto): mean p99 180 ± 9 ms, mean cost $40.00 ± $1.20 (95 % intervals, 2 replicates)</title>"
            ),
            "{}",
            scatter.svg
        );
        assert!(
            scatter.svg.contains(
                "<title>spot, no rebalance, replicate 2: p99 329.6 ms, cost $23.52</title>"
            )
        );
        let bars = draw_cost_breakdown("demo", &s).unwrap();
        assert!(
            bars.svg
                .contains("<title>spot, no rebalance: spot $13.00 (mean)</title>")
        );
        for figure in [scatter, bars] {
            let titles = figure.svg.matches("<title>").count();
            assert!(titles > s.len(), "{}: {titles} titles", figure.name);
            let start = figure
                .svg
                .find("<g fill=\"#000\" fill-opacity=\"0\">")
                .unwrap();
            let end = start + figure.svg[start..].find("</g>").unwrap() + "</g>\n".len();
            let bare = format!("{}{}", &figure.svg[..start], &figure.svg[end..]);
            assert_eq!(rasterise(&bare).unwrap(), figure.png, "{}", figure.name);
        }
    }

    #[test]
    fn empty_comparisons_still_draw() {
        assert!(draw_cost_vs_p99("empty", &[], None).is_ok());
        assert!(draw_cost_breakdown("empty", &[]).is_ok());
    }

    #[test]
    fn purchase_options_come_in_bill_order() {
        assert_eq!(
            option_order(&strategies()),
            vec!["on_demand", "spot", "load_balancer"]
        );
        // A part no strategy paid for is not in the legend (issue 17).
        let mut s = strategies();
        s[0].cost_breakdown.push(("lambda".into(), 0.0));
        assert!(!option_order(&s).contains(&"lambda".to_string()));
        assert_eq!(option_label("savings_plan"), "savings plan");
    }
}
