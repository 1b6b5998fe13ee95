//! Exporters: the run folder (`summary.json`, `timeline.csv`, `cost.csv`, the charts
//! and `report.html`).
//!
//! One result record feeds every exporter, as in hyperfine. Files are written under a
//! temporary name and renamed into place only when the whole run has succeeded, so a
//! failed or interrupted run never leaves a half-written file behind.
//!
//! The charts read a bounded copy of the timeline ([`plots::TimelineSeries`]) filled
//! while the timeline streams to disk, and the run's latency histogram; never
//! per-request data, so drawing a month-long run costs about as much as an hour.

mod atomic;
pub mod html;
pub mod plots;

pub use atomic::AtomicFile;

use crate::model::{
    Config, RunOutcome, ScalingMetric, ScalingPolicy, Summary, TimelineRow, simulate_streaming,
};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a finished run wrote.
pub struct RunReport {
    pub summary: Summary,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// Wall-clock seconds spent drawing the charts and `report.html` (`None` with
    /// `--no-plots`). For the terminal only: it never reaches a file.
    pub plots_secs: Option<f64>,
}

/// What to write besides the numbers.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The charts (PNG and SVG) and `report.html`.
    pub plots: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { plots: true }
    }
}

/// Runs `config` and writes its run folder in `dir`, charts included; `on_row` sees
/// every timeline row as it is produced (for progress display).
pub fn run_to_folder(
    config: &Config,
    dir: &Path,
    on_row: &mut dyn FnMut(&TimelineRow),
) -> Result<RunReport> {
    run_to_folder_with(config, dir, &RunOptions::default(), on_row)
}

/// [`run_to_folder`] with options.
pub fn run_to_folder_with(
    config: &Config,
    dir: &Path,
    options: &RunOptions,
    on_row: &mut dyn FnMut(&TimelineRow),
) -> Result<RunReport> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    let mut timeline = AtomicFile::create(dir, "timeline.csv")?;
    let mut write_error = None;
    let mut cost_file = AtomicFile::create(dir, "cost.csv")?;
    let mut series = plots::TimelineSeries::new();
    let mut bill = html::BillDigest::default();
    let mut cost_error = None;
    let outcome = {
        // Rows and bill lines go to disk as they come: memory stays flat.
        let mut writer = csv::Writer::from_writer(timeline.writer());
        let mut cost_writer = csv::Writer::from_writer(cost_file.writer());
        let outcome = simulate_streaming(
            config,
            &mut |row| {
                on_row(row);
                if options.plots {
                    series.push(row);
                }
                if write_error.is_none() {
                    if let Err(e) = writer.serialize(row) {
                        write_error = Some(e);
                    }
                }
            },
            &mut |item| {
                bill.add(item);
                if cost_error.is_none() {
                    if let Err(e) = cost_writer.serialize(item) {
                        cost_error = Some(e);
                    }
                }
            },
        );
        writer.flush().context("cannot write timeline.csv")?;
        cost_writer.flush().context("cannot write cost.csv")?;
        outcome
    };
    if let Some(e) = write_error {
        return Err(e).context("cannot write timeline.csv");
    }
    if let Some(e) = cost_error {
        return Err(e).context("cannot write cost.csv");
    }
    let RunOutcome {
        summary, latency, ..
    } = outcome;
    let mut summary_file = AtomicFile::create(dir, "summary.json")?;
    write_summary_json(&summary, summary_file.writer())?;
    // The pictures are drawn in memory before any file is committed, so a drawing
    // failure leaves the folder as it was.
    let started = Instant::now();
    let pictures = if options.plots {
        let input = chart_input(config, &summary, &series, &latency);
        let figures = plots::draw_run_charts(&input)?;
        let scenario_toml = crate::scenario::resolved_toml(config, &[])
            .map_err(anyhow::Error::msg)
            .context("cannot print the resolved scenario")?;
        let page = html::run_report(&summary, &scenario_toml, &figures, &bill);
        let mut page_file = AtomicFile::create(dir, "report.html")?;
        page_file.writer().write_all(page.as_bytes())?;
        Some((figures, page_file))
    } else {
        None
    };
    let mut files = vec![
        timeline.commit()?,
        summary_file.commit()?,
        cost_file.commit()?,
    ];
    let plots_secs = match pictures {
        Some((figures, page_file)) => {
            for figure in &figures {
                files.extend(figure.write_to(dir)?);
            }
            files.push(page_file.commit()?);
            Some(started.elapsed().as_secs_f64())
        }
        None => None,
    };
    Ok(RunReport {
        summary,
        dir: dir.to_path_buf(),
        files,
        plots_secs,
    })
}

/// Gathers what the run charts draw: the series, the SLO, the CPU targets of the
/// target-tracking policies and the latency distribution.
fn chart_input(
    config: &Config,
    summary: &Summary,
    series: &plots::TimelineSeries,
    latency: &crate::engine::LatencyHistogram,
) -> plots::RunChartInput {
    let l = &summary.latency_ms;
    plots::RunChartInput {
        scenario: config.name.clone(),
        points: series.points(),
        duration_s: summary.simulated_seconds,
        slo_latency_ms: summary.slo.latency_ms,
        slo_percentile: summary.slo.percentile,
        cpu_targets: config
            .autoscaling
            .policy
            .iter()
            .filter_map(|p| match p {
                ScalingPolicy::TargetTracking {
                    metric: ScalingMetric::Cpu,
                    target,
                    ..
                } => Some(*target),
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .collect(),
        latency_ccdf: latency.ccdf_ms(),
        completed: latency.count(),
        percentiles: vec![
            ("p50".into(), l.p50),
            ("p90".into(), l.p90),
            ("p99".into(), l.p99),
            ("p99.9".into(), l.p999),
        ],
    }
}

pub fn write_summary_json(summary: &Summary, mut out: impl Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut out, summary)?;
    writeln!(out)?;
    Ok(())
}

pub fn summary_json(summary: &Summary) -> String {
    serde_json::to_string_pretty(summary).expect("a summary always serializes")
}

/// The pictures of a comparison in `dir`: cost against p99 with 95 % intervals and the
/// Pareto frontier, the cost breakdown per strategy, and `report.html` with the table
/// of strategies and the base scenario as resolved. Returns the files written.
pub fn write_compare_pictures(
    comparison: &crate::compare::Comparison,
    base: &Config,
    dir: &Path,
) -> Result<Vec<PathBuf>> {
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
            }
        })
        .collect();
    let figures = vec![
        plots::draw_cost_vs_p99(&comparison.scenario, &points)?,
        plots::draw_cost_breakdown(&comparison.scenario, &points)?,
    ];
    let scenario_toml = crate::scenario::resolved_toml(base, &[])
        .map_err(anyhow::Error::msg)
        .context("cannot print the resolved scenario")?;
    let page = html::compare_report(
        &comparison.scenario,
        comparison.replicates as usize,
        &points,
        &figures,
        &scenario_toml,
    );
    let mut page_file = AtomicFile::create(dir, "report.html")?;
    page_file.writer().write_all(page.as_bytes())?;
    let mut files = Vec::new();
    for figure in &figures {
        files.extend(figure.write_to(dir)?);
    }
    files.push(page_file.commit()?);
    Ok(files)
}
