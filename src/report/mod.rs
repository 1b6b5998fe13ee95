//! Exporters: the run folder (`summary.json`, `timeline.csv`, `cost.csv`, the charts
//! and `report.html`).
//!
//! One result record feeds every exporter, as in hyperfine. Every file of a run is
//! written into a staging folder that replaces the run folder as a whole only when the
//! whole run has succeeded ([`folder`]), so a run folder is always the complete output
//! of exactly one run, and a failed or interrupted run leaves the previous one intact.
//!
//! The charts read a bounded copy of the timeline ([`plots::TimelineSeries`]) filled
//! while the timeline streams to disk, and the run's latency histogram; never
//! per-request data, so drawing a month-long run costs about as much as an hour.
//! A run of several tiers gets each tier's charts from its own timeline (a further
//! tier's files named after it, `api-latency.svg`) and a section per tier in
//! `report.html`, with where the clients' time goes ([`tiers`]).

pub mod bill;
pub mod compare;
mod file;
pub mod folder;
pub mod html;
pub mod optimize;
pub mod plots;
pub mod shard;
pub mod tiers;
pub mod verdict;

pub use file::OutputFile;
pub use folder::{OutputError, StagedFolder};

use crate::model::{
    Config, CostItem, RunObserver, RunOutcome, ScalingMetric, ScalingPolicy, Summary, TierConfig,
    TimelineRow,
};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to write besides the numbers.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The charts (PNG and SVG) and `report.html`.
    pub plots: bool,
    /// The folder `report.html` names the scenario's files relative to (the folder the
    /// command ran in), so that a committed report names no machine's folders; `None`
    /// names them absolute.
    pub paths_relative_to: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            plots: true,
            paths_relative_to: None,
        }
    }
}

/// Writes a run's folder while the run goes: `timeline.csv` (the entry tier's),
/// `timeline-<tier>.csv` for each other tier, and `cost.csv` stream to disk row by
/// row and line by line (the first write error is kept and reported by
/// [`RunWriter::finish`]), and a bounded copy of the timeline and a digest of the
/// bill are kept for the charts and `report.html`. It writes into a folder it is
/// given, normally a [`StagedFolder`]; it never runs a simulation: the caller hands it
/// to [`crate::model::simulate_observed`].
pub struct RunWriter {
    dir: PathBuf,
    options: RunOptions,
    /// A timeline per tier, entry first, with its file name.
    timelines: Vec<(String, csv::Writer<OutputFile>)>,
    cost: csv::Writer<OutputFile>,
    /// The charts' copy of each tier's timeline.
    series: Vec<plots::TimelineSeries>,
    bill: bill::BillStatement,
    /// The entry tier's intervals over the SLO, for the page's verdict.
    slo_watch: verdict::SloWatch,
    error: Option<(String, csv::Error)>,
}

/// The timeline file of tier `index` named `name` (SPEC "Phase 2").
pub fn timeline_file(index: usize, name: &str) -> String {
    match index {
        0 => "timeline.csv".to_string(),
        _ => format!("timeline-{name}.csv"),
    }
}

impl RunWriter {
    pub fn create(dir: &Path, options: &RunOptions, config: &Config) -> Result<Self> {
        let mut timelines = Vec::new();
        for (index, tier) in config.tiers.iter().enumerate() {
            let name = timeline_file(index, &tier.name);
            let writer = csv::Writer::from_writer(OutputFile::create(dir, &name)?);
            timelines.push((name, writer));
        }
        Ok(RunWriter {
            dir: dir.to_path_buf(),
            options: options.clone(),
            timelines,
            cost: csv::Writer::from_writer(OutputFile::create(dir, "cost.csv")?),
            series: config
                .tiers
                .iter()
                .map(|_| plots::TimelineSeries::new())
                .collect(),
            bill: bill::BillStatement::default(),
            slo_watch: verdict::SloWatch::new(config.slo.latency.as_secs_f64() * 1e3),
            error: None,
        })
    }

    /// The bill so far, as the lines of `cost.csv` add up (the terminal prints it).
    pub fn bill(&self) -> &bill::BillStatement {
        &self.bill
    }

    /// Writes the rest once the run is over: `summary.json`, then the charts (each
    /// tier's, entry first) and `report.html` unless they are skipped. Returns the
    /// names of the files in the order they were written, and the seconds spent
    /// drawing (`None` without charts; for the terminal only).
    pub fn finish(
        self,
        config: &Config,
        outcome: &RunOutcome,
    ) -> Result<(Vec<String>, Option<f64>)> {
        let RunWriter {
            dir,
            options,
            timelines,
            cost,
            series,
            bill,
            slo_watch,
            error,
        } = self;
        if let Some((name, e)) = error {
            return Err(e).with_context(|| format!("cannot write {name}"));
        }
        let close = |writer: csv::Writer<OutputFile>, name: &str| -> Result<String> {
            let file = writer
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {name}"))?;
            file.finish()
        };
        let mut files = Vec::new();
        for (name, writer) in timelines {
            files.push(close(writer, &name)?);
        }
        let summary = &outcome.summary;
        let mut summary_file = OutputFile::create(&dir, "summary.json")?;
        writeln!(summary_file.writer(), "{}", summary_json(summary))
            .context("cannot write summary.json")?;
        files.push(summary_file.finish()?);
        files.push(close(cost, "cost.csv")?);
        if !options.plots {
            return Ok((files, None));
        }
        let started = Instant::now();
        let mut charts = Vec::with_capacity(series.len());
        for (index, (series, tier)) in series.iter().zip(&config.tiers).enumerate() {
            let input = chart_input(config, summary, (index, tier), series, &outcome.latency);
            charts.push(plots::draw_run_charts(&input)?);
        }
        let scenario_toml = scenario_text(config, &[], options.paths_relative_to.as_deref())
            .map_err(anyhow::Error::msg)
            .context("cannot print the resolved scenario")?;
        let kinds: Vec<_> = config.tiers.iter().map(|t| t.kind).collect();
        let page = html::run_report(
            summary,
            &kinds,
            &scenario_toml,
            &charts,
            &bill,
            &slo_watch,
            &html::TierWords {
                time_split: tiers::where_the_time_goes(config, summary),
                verdicts: tiers::tier_verdicts(config, summary),
            },
        );
        for figure in charts.iter().flatten() {
            files.extend(figure.write_to(&dir)?);
        }
        let mut page_file = OutputFile::create(&dir, "report.html")?;
        page_file
            .writer()
            .write_all(page.as_bytes())
            .context("cannot write report.html")?;
        files.push(page_file.finish()?);
        Ok((files, Some(started.elapsed().as_secs_f64())))
    }
}

impl RunObserver for RunWriter {
    fn row(&mut self, tier: usize, row: &TimelineRow) {
        if tier == 0 {
            self.slo_watch.row(row);
        }
        if self.options.plots {
            self.series[tier].push(row);
        }
        if self.error.is_none() {
            let (name, writer) = &mut self.timelines[tier];
            // A batch tier's job columns follow the columns every tier has.
            let written = match &row.jobs {
                Some(jobs) => writer.serialize((row, jobs)),
                None => writer.serialize(row),
            };
            if let Err(e) = written {
                self.error = Some((name.clone(), e));
            }
        }
    }

    fn cost_item(&mut self, item: &CostItem) {
        self.bill.add(item);
        if self.error.is_none() {
            if let Err(e) = self.cost.serialize(item) {
                self.error = Some(("cost.csv".into(), e));
            }
        }
    }
}

/// Gathers what the run charts of `tier` (at `index` of the config's tiers) draw: its
/// series, the SLO, the CPU targets of its own target-tracking policies, and (for the
/// entry tier, whose requests are the clients') the latency distribution.
fn chart_input(
    config: &Config,
    summary: &Summary,
    (index, tier): (usize, &TierConfig),
    series: &plots::TimelineSeries,
    latency: &crate::engine::LatencyHistogram,
) -> plots::RunChartInput {
    let l = &summary.latency_ms;
    // The targets of the tier's policies on `metric`: target tracking and predictive.
    let targets = |metric: ScalingMetric| -> Vec<f64> {
        tier.autoscaling
            .policy
            .iter()
            .filter_map(|p| match p {
                ScalingPolicy::TargetTracking {
                    metric: m, target, ..
                }
                | ScalingPolicy::Predictive {
                    metric: m, target, ..
                } if *m == metric => Some(*target),
                _ => None,
            })
            .collect()
    };
    plots::RunChartInput {
        scenario: config.name.clone(),
        tier: (config.tiers.len() > 1).then(|| plots::ChartTier {
            name: tier.name.clone(),
            entry: index == 0,
        }),
        points: series.points(),
        outages: config
            .network
            .outages
            .iter()
            .map(|o| plots::OutageBand {
                zone: config.network.zones[o.zone].clone(),
                from_s: o.at.as_secs_f64(),
                to_s: (o.at + o.duration).as_secs_f64(),
            })
            .collect(),
        deployments: summary
            .deployments
            .iter()
            .filter(|d| d.tier == tier.name && d.outcome != "refused")
            .map(|d| plots::DeploymentBand {
                policy: d.policy.clone(),
                from_s: d.start_s,
                to_s: d.start_s + d.duration_s,
                text: format!(
                    "{} deployment, {}: from {} to {} after the start; {} requests failed, p99 {} during it",
                    d.policy,
                    d.outcome.replace('_', " "),
                    verdict::span(d.start_s),
                    verdict::span(d.start_s + d.duration_s),
                    plots::thousands(d.requests_failed as i64),
                    verdict::ms(d.p99_ms)
                ),
                phases: phase_marks(d),
            })
            .collect(),
        duration_s: summary.simulated_seconds,
        slo_latency_ms: summary.slo.latency_ms,
        slo_percentile: summary.slo.percentile,
        units: tier.kind.units(),
        cpu_targets: targets(ScalingMetric::Cpu),
        cpu_baseline: tier.instance.credits.as_ref().map(|c| 100.0 * c.baseline()),
        request_targets: targets(ScalingMetric::RequestCountPerTarget),
        distribution: (index == 0).then(|| plots::LatencyDistribution {
            ccdf: latency.ccdf_ms(),
            completed: latency.count(),
            percentiles: vec![
                ("p50".into(), l.p50),
                ("p90".into(), l.p90),
                ("p99".into(), l.p99),
                ("p99.9".into(), l.p999),
            ],
        }),
    }
}

/// The scenario as run (and its strategies, for a comparison), for a page: files
/// named relative to `dir` when given.
pub(super) fn scenario_text(
    config: &Config,
    strategies: &[(String, Config)],
    dir: Option<&Path>,
) -> Result<String, String> {
    match dir {
        Some(dir) => crate::scenario::resolved_toml_from(config, strategies, dir),
        None => crate::scenario::resolved_toml(config, strategies),
    }
}

/// `summary.json`'s text (without its final newline).
/// A deployment's phases as the traffic chart marks them: one mark per moment, its
/// hover text naming every phase then ("rolling deployment: batch 1 healthy, batch 2
/// started at 750 s after the start").
fn phase_marks(d: &crate::model::DeploymentSummary) -> Vec<(f64, String)> {
    let mut marks: Vec<(f64, Vec<String>)> = Vec::new();
    for p in &d.phases {
        match marks.last_mut() {
            Some((at, names)) if *at == p.at_s => names.push(p.words()),
            _ => marks.push((p.at_s, vec![p.words()])),
        }
    }
    marks
        .into_iter()
        .map(|(at, names)| {
            let text = format!(
                "{} deployment: {} at {:.0} s after the start ({})",
                d.policy,
                names.join(", "),
                at,
                verdict::span(at)
            );
            (at, text)
        })
        .collect()
}

pub fn summary_json(summary: &Summary) -> String {
    serde_json::to_string_pretty(summary).expect("a summary always serializes")
}
