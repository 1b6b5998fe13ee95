//! The comparison's files: `compare.csv` (one row per strategy × metric),
//! `compare.json`, `replicates.csv` (one row per strategy × replicate), and its
//! pictures and `report.html`. The numbers come from [`crate::compare`], which runs
//! and summarises; this module only writes them, in fixed-precision text so that
//! identical comparisons give identical bytes whatever the thread count.

use super::{OutputFile, html, plots};
use crate::compare::*;
use crate::model::{Config, round_to};
use anyhow::{Context, Result};
use serde::Serialize;
use serde::ser::SerializeMap;
use std::io::Write;
use std::path::Path;

/// Numbers with a fixed number of decimals (`1.500000`), never `-0.000000`.
fn fixed(x: f64, decimals: usize) -> String {
    format!("{:.*}", decimals, round_to(x, decimals as i32))
}

fn fixed_opt(x: Option<f64>, decimals: usize) -> String {
    x.map(|x| fixed(x, decimals)).unwrap_or_default()
}

/// `compare.csv`: one row per strategy × metric (long form, ready for plotting and
/// pivot tables); CI columns are empty when R = 1.
pub fn write_compare_csv(c: &Comparison, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "strategy_index",
        "strategy",
        "metric",
        "unit",
        "replicates",
        "mean",
        "std_dev",
        "half_width",
        "ci_low",
        "ci_high",
        "diff_vs_baseline",
        "diff_ci_low",
        "diff_ci_high",
        "pareto_optimal",
    ])?;
    for s in &c.strategies {
        for m in &s.metrics {
            let d = m.metric.decimals();
            let (e, diff) = (m.estimate, m.diff);
            w.write_record([
                s.index.to_string(),
                s.name.clone(),
                m.metric.key().to_string(),
                m.metric.unit().to_string(),
                c.replicates.to_string(),
                fixed(e.mean, d),
                fixed_opt(e.std_dev, d),
                fixed_opt(e.half_width, d),
                fixed_opt(e.ci().map(|c| c.0), d),
                fixed_opt(e.ci().map(|c| c.1), d),
                fixed(diff.mean, d),
                fixed_opt(diff.ci().map(|c| c.0), d),
                fixed_opt(diff.ci().map(|c| c.1), d),
                s.pareto_optimal.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// `replicates.csv`: one row per strategy × replicate, ordered by input.
pub fn write_replicates_csv(c: &Comparison, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "strategy_index",
        "strategy",
        "replicate",
        "seed",
        "events",
        "arrived",
        "completed",
        "rejected",
        "timed_out",
        "interrupted",
        "failed",
        "in_flight",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(c.shown().iter().map(|m| m.key().to_string()));
    w.write_record(&header)?;
    for run in &c.runs {
        let q = &run.requests;
        let mut row = vec![
            run.strategy.to_string(),
            c.strategies[run.strategy].name.clone(),
            run.replicate.to_string(),
            run.seed.to_string(),
            run.events.to_string(),
            q.arrived.to_string(),
            q.completed.to_string(),
            q.rejected.to_string(),
            q.timed_out.to_string(),
            q.interrupted.to_string(),
            q.failed.to_string(),
            q.in_flight.to_string(),
        ];
        row.extend(c.shown().iter().map(|&m| fixed(run.value(m), m.decimals())));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonComparison<'a> {
    scenario: &'a str,
    simcloud_version: &'a str,
    replicates: u32,
    confidence: f64,
    seeds: JsonSeeds,
    baseline: &'a str,
    metrics: Vec<JsonMetricInfo>,
    strategies: Vec<JsonStrategy<'a>>,
    cost_vs_p99: Vec<JsonParetoPoint<'a>>,
}

#[derive(Serialize)]
struct JsonSeeds {
    base: u64,
    first: u64,
    last: u64,
    rule: &'static str,
}

#[derive(Serialize)]
struct JsonMetricInfo {
    key: &'static str,
    unit: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct JsonStrategy<'a> {
    index: usize,
    name: &'a str,
    pareto_optimal: bool,
    metrics: JsonMetrics<'a>,
}

/// The metrics of a strategy as a JSON object in [`Metric::ALL`] order.
struct JsonMetrics<'a>(&'a [MetricResult]);

impl Serialize for JsonMetrics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for m in self.0 {
            map.serialize_entry(
                m.metric.key(),
                &JsonMetric {
                    estimate: JsonEstimate::new(m.estimate, m.metric),
                    diff_vs_baseline: JsonEstimate::new(m.diff, m.metric),
                },
            )?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonMetric {
    #[serde(flatten)]
    estimate: JsonEstimate,
    diff_vs_baseline: JsonEstimate,
}

/// `null` for the interval when R = 1.
#[derive(Serialize)]
struct JsonEstimate {
    mean: f64,
    std_dev: Option<f64>,
    half_width: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

impl JsonEstimate {
    /// Interval bounds are rounded again: `mean ± half-width` can carry float noise.
    fn new(e: Estimate, metric: Metric) -> Self {
        let round = |x: f64| metric.round(x);
        JsonEstimate {
            mean: e.mean,
            std_dev: e.std_dev,
            half_width: e.half_width,
            ci_low: e.ci().map(|c| round(c.0)),
            ci_high: e.ci().map(|c| round(c.1)),
        }
    }
}

#[derive(Serialize)]
struct JsonParetoPoint<'a> {
    strategy: &'a str,
    total_cost_usd: JsonEstimate,
    p99_ms: JsonEstimate,
    pareto_optimal: bool,
}

/// `compare.json`: the whole comparison (not the individual runs: see
/// `replicates.csv`). Numbers are rounded to [`Metric::decimals`], interval bounds
/// included, so a bound can differ from `mean ± half-width` in the last digit.
pub fn write_compare_json(c: &Comparison, mut out: impl Write) -> Result<()> {
    let record = JsonComparison {
        scenario: &c.scenario,
        simcloud_version: &c.simcloud_version,
        replicates: c.replicates,
        confidence: CONFIDENCE,
        seeds: JsonSeeds {
            base: c.base_seed,
            first: replicate_seed(c.base_seed, 0),
            last: replicate_seed(c.base_seed, c.replicates - 1),
            rule: "replicate r of every strategy runs with seed base + r (common random numbers)",
        },
        baseline: &c.baseline().name,
        metrics: c
            .shown()
            .iter()
            .map(|&m| JsonMetricInfo {
                key: m.key(),
                unit: m.unit(),
                description: m.description(),
            })
            .collect(),
        strategies: c
            .strategies
            .iter()
            .map(|s| JsonStrategy {
                index: s.index,
                name: &s.name,
                pareto_optimal: s.pareto_optimal,
                metrics: JsonMetrics(&s.metrics),
            })
            .collect(),
        cost_vs_p99: c
            .strategies
            .iter()
            .map(|s| JsonParetoPoint {
                strategy: &s.name,
                total_cost_usd: JsonEstimate::new(s.cost(), Metric::TotalCost),
                p99_ms: JsonEstimate::new(s.p99(), Metric::P99),
                pareto_optimal: s.pareto_optimal,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &record)?;
    writeln!(out)?;
    Ok(())
}

/// Writes `compare.csv`, `compare.json` and `replicates.csv` into `dir` (a staging
/// folder: see [`super::StagedFolder`]) and returns their names.
pub fn write_files(c: &Comparison, dir: &Path) -> Result<Vec<String>> {
    let mut csv_file = OutputFile::create(dir, "compare.csv")?;
    write_compare_csv(c, csv_file.writer()).context("cannot write compare.csv")?;
    let mut json_file = OutputFile::create(dir, "compare.json")?;
    write_compare_json(c, json_file.writer()).context("cannot write compare.json")?;
    let mut replicates_file = OutputFile::create(dir, "replicates.csv")?;
    write_replicates_csv(c, replicates_file.writer()).context("cannot write replicates.csv")?;
    Ok(vec![
        csv_file.finish()?,
        json_file.finish()?,
        replicates_file.finish()?,
    ])
}

/// Everything a comparison writes into `dir` (a staging folder): [`write_files`],
/// then, when `report_scenario` is given (the resolved base scenario as the report
/// shows it, [`report_scenario_text`]), [`write_pictures`]. Returns the names of the
/// files. Both `compare` and `merge` write through here, so a merged comparison is the
/// same bytes as an unsharded one.
pub fn write_comparison(
    comparison: &Comparison,
    report_scenario: Option<&str>,
    dir: &Path,
) -> Result<Vec<String>> {
    let mut files = write_files(comparison, dir)?;
    if let Some(text) = report_scenario {
        files.extend(write_pictures(comparison, text, dir)?);
    }
    Ok(files)
}

/// The scenario as `report.html` shows it: the base resolved, then each strategy as
/// a `[[strategy]]` table of what it changes (the page's definitions of the strategies
/// are read from it), with the files they read relative to `paths_relative_to` (the
/// folder the command ran in) when given.
pub fn report_scenario_text(
    base: &Config,
    strategies: &[(String, Config)],
    paths_relative_to: Option<&Path>,
) -> Result<String> {
    super::scenario_text(base, strategies, paths_relative_to)
        .map_err(anyhow::Error::msg)
        .context("cannot print the resolved scenario")
}

/// The pictures of a comparison in `dir`: cost against p99 with 95 % intervals and the
/// Pareto frontier, the cost breakdown per strategy, and `report.html` with the table
/// of strategies and the base scenario as resolved. Returns the names of the files.
pub fn write_compare_pictures(
    comparison: &Comparison,
    base: &Config,
    strategies: &[(String, Config)],
    dir: &Path,
    paths_relative_to: Option<&Path>,
) -> Result<Vec<String>> {
    let text = report_scenario_text(base, strategies, paths_relative_to)?;
    write_pictures(comparison, &text, dir)
}

/// `mean ± half-width`, scaled (e.g. fractions to percent); just the mean when R = 1.
pub fn estimate_cell(e: Estimate, scale: f64, decimals: usize) -> String {
    match e.half_width {
        Some(h) => format!(
            "{:.*} ± {:.*}",
            decimals,
            e.mean * scale,
            decimals,
            h * scale
        ),
        None => format!("{:.*}", decimals, e.mean * scale),
    }
}

/// `+mean [low, high]` with a `*` when the interval *as printed* excludes zero: an
/// interval that excludes zero only beyond the printed decimals reads `[0.000, 0.000]`
/// or `[0.000, +0.002]`, and a star beside it would claim what the reader cannot see.
pub fn diff_cell(e: Estimate, scale: f64, decimals: usize) -> String {
    let signed = |x: f64| {
        let text = format!("{:+.*}", decimals, x * scale);
        // "-0.00" and "+0.00" both read as zero.
        if text[1..].chars().all(|c| c == '0' || c == '.') {
            format!("{:.*}", decimals, 0.0)
        } else {
            text
        }
    };
    match e.ci() {
        Some((lo, hi)) => {
            let (lo, hi) = (signed(lo), signed(hi));
            let is_zero = |t: &str| !t.starts_with(['+', '-']);
            let excludes_zero = e.excludes_zero()
                && !is_zero(&lo)
                && !is_zero(&hi)
                && lo.starts_with('-') == hi.starts_with('-');
            format!(
                "{} [{lo}, {hi}]{}",
                signed(e.mean),
                if excludes_zero { " *" } else { "  " }
            )
        }
        None => signed(e.mean),
    }
}

/// A table per kind of tier whose measures the comparison shows (none for web tiers
/// alone), for the terminal and `report.html`: per strategy, each of the group's
/// metrics as `mean ± half-width` at its [`Metric::display`].
pub fn tier_tables(c: &Comparison) -> Vec<html::MeasureTable> {
    MetricGroup::ALL
        .into_iter()
        .filter(|&group| group != MetricGroup::General)
        .filter_map(|group| {
            let metrics = c.shown_in(group);
            if metrics.is_empty() {
                return None;
            }
            Some(html::MeasureTable {
                id: group.key(),
                title: group.title(),
                columns: metrics
                    .iter()
                    .map(|m| format!("{} [{}]", m.label(), m.display().1))
                    .collect(),
                rows: c
                    .strategies
                    .iter()
                    .map(|s| {
                        let cells = metrics
                            .iter()
                            .map(|&m| {
                                let (scale, _, decimals) = m.display();
                                estimate_cell(s.get(m).estimate, scale, decimals)
                            })
                            .collect();
                        (s.name.clone(), cells)
                    })
                    .collect(),
            })
        })
        .collect()
}

/// The comparison's verdict in words ([`Comparison::verdict`]).
pub fn verdict_sentence(c: &Comparison) -> String {
    let v = c.verdict();
    let name = |s: usize| format!("\"{}\"", c.strategies[s].name);
    let met = |s: usize| format!("{} of {} replicates", c.slo_met(s), c.replicates);
    let share = (SLO_MET_SHARE * 100.0).round();
    match v.chosen {
        Some(chosen) => {
            let mut text = format!(
                "the cheapest strategy that met the SLO in at least {share} % of replicates is {} ({}), at {} per run on average, {} per month at this rate",
                name(chosen),
                met(chosen),
                plots::dollars(c.strategies[chosen].cost().mean),
                plots::dollars(c.strategies[chosen].get(Metric::CostPerMonth).estimate.mean),
            );
            if !v.ties.is_empty() {
                let ties: Vec<String> = v.ties.iter().map(|&s| name(s)).collect();
                text += &format!(
                    "; its cost is not significantly different from {} (paired 95 % intervals of the cost difference include 0)",
                    ties.join(", ")
                );
            }
            text + "."
        }
        None => format!(
            "no strategy met the SLO in at least {share} % of replicates; {} met it most often ({}).",
            name(v.best_effort),
            met(v.best_effort),
        ),
    }
}

/// [`write_compare_pictures`] with the report's scenario text already printed.
pub fn write_pictures(
    comparison: &Comparison,
    scenario_toml: &str,
    dir: &Path,
) -> Result<Vec<String>> {
    let points: Vec<plots::StrategyPoint> = comparison
        .strategies
        .iter()
        .map(|s| {
            let (cost, p99) = (s.cost(), s.p99());
            plots::StrategyPoint {
                name: s.name.clone(),
                cost_mean: cost.mean,
                cost_ci95: cost.half_width.unwrap_or(0.0),
                p99_mean: p99.mean,
                p99_ci95: p99.half_width.unwrap_or(0.0),
                pareto: s.pareto_optimal,
                cost_breakdown: s
                    .cost_breakdown()
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                replicates: comparison
                    .runs
                    .iter()
                    .filter(|r| r.strategy == s.index)
                    .map(|r| (r.value(Metric::P99), r.value(Metric::TotalCost)))
                    .collect(),
            }
        })
        .collect();
    // One SLO line when every strategy is judged against the same SLO.
    let slo = comparison
        .slos
        .first()
        .filter(|first| comparison.slos.iter().all(|s| s == *first))
        .copied();
    let figures = vec![
        plots::draw_cost_vs_p99(
            &comparison.scenario,
            &points,
            slo.map(|s| (s.percentile, s.latency_ms)),
        )?,
        plots::draw_cost_breakdown(&comparison.scenario, &points)?,
    ];
    let page = html::compare_report(
        &comparison.scenario,
        comparison.replicates as usize,
        &points,
        &figures,
        scenario_toml,
        &html::ComparePage {
            text: verdict_sentence(comparison),
            chosen: comparison
                .verdict()
                .chosen
                .map(|s| comparison.strategies[s].name.clone()),
            rows: comparison
                .strategies
                .iter()
                .map(|s| {
                    let pair = |m: Metric| {
                        let e = s.get(m).estimate;
                        (e.mean, e.half_width.unwrap_or(0.0))
                    };
                    html::SloRow {
                        slo_met: comparison.slo_met(s.index),
                        attainment: pair(Metric::SloAttainment),
                        per_million: pair(Metric::CostPerMillionRequests),
                        per_month: pair(Metric::CostPerMonth),
                    }
                })
                .collect(),
            slo,
            differences: comparison.strategies[1..]
                .iter()
                .map(|s| {
                    let diff = |m: Metric, scale: f64, decimals: usize| {
                        diff_cell(s.get(m).diff, scale, decimals).trim().to_string()
                    };
                    html::DiffRow {
                        strategy: s.name.clone(),
                        cells: vec![
                            diff(Metric::TotalCost, 1.0, 3),
                            diff(Metric::CostPerMonth, 1.0, 2),
                            diff(Metric::P99, 1.0, 1),
                            diff(Metric::SloAttainment, 100.0, 2),
                            diff(Metric::InstanceHours, 1.0, 2),
                        ],
                    }
                })
                .collect(),
            tiers: tier_tables(comparison),
        },
    );
    let mut files = Vec::new();
    for figure in &figures {
        files.extend(figure.write_to(dir)?);
    }
    let mut page_file = OutputFile::create(dir, "report.html")?;
    page_file
        .writer()
        .write_all(page.as_bytes())
        .context("cannot write report.html")?;
    files.push(page_file.finish()?);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_precision_never_prints_negative_zero() {
        assert_eq!(fixed(-0.000_000_1, 6), "0.000000");
        assert_eq!(fixed(1.5, 3), "1.500");
        assert_eq!(fixed_opt(None, 3), "");
    }

    /// Issue 11: a difference whose interval prints as `[0.000, 0.000]` (or touches
    /// zero once rounded) gets no star, though the unrounded interval excludes zero.
    #[test]
    fn a_difference_printed_as_zero_is_not_starred() {
        let tiny = Estimate {
            mean: 0.0002,
            std_dev: Some(0.0001),
            half_width: Some(0.0001),
        };
        assert!(tiny.excludes_zero());
        assert_eq!(diff_cell(tiny, 1.0, 3), "0.000 [0.000, 0.000]  ");
        let touching = Estimate {
            mean: 0.003,
            std_dev: Some(0.001),
            half_width: Some(0.0027),
        };
        assert_eq!(diff_cell(touching, 1.0, 3), "+0.003 [0.000, +0.006]  ");
        let clear = Estimate {
            mean: -2.0,
            std_dev: Some(0.5),
            half_width: Some(0.5),
        };
        assert_eq!(diff_cell(clear, 1.0, 3), "-2.000 [-2.500, -1.500] *");
    }
}
