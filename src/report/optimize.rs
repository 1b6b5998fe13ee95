//! A search's files (`simcloud optimize`): `chosen.toml` and `runner-up-N.toml`
//! (complete scenarios that `simcloud run` runs as they are), `evidence.csv` (one row
//! per configuration), `evidence.json` (the settings, the rounds and the same rows) and
//! the chart `search.svg`/`.png`. The numbers come from [`crate::compare::optimize`];
//! this module only writes them, in fixed precision, so the files are the same bytes
//! whatever the thread count.

use super::{OutputFile, plots};
use crate::compare::Estimate;
use crate::compare::optimize::{Drop, Evidence, Optimization, OptimizePlan, Outcome};
use crate::model::round_to;
use crate::scenario::{Constraint, Objective};
use anyhow::{Context, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// How the configuration ended, in a word or two (`evidence.csv`'s `outcome`).
pub fn outcome_text(e: &Evidence) -> String {
    match e.outcome {
        Outcome::Chosen => "chosen".into(),
        Outcome::RunnerUp(n) => format!("runner-up {n}"),
        Outcome::Left => "left".into(),
        Outcome::Dropped => "dropped".into(),
    }
}

/// Why, in a sentence naming the configurations it was compared with.
pub fn reason_text(o: &Optimization, e: &Evidence) -> String {
    let held = format!("held in {} of {} replicates", e.held, e.replicates);
    let drop = e.dropped.map(|(round, why)| match why {
        Drop::Infeasible => format!(
            "round {round}: infeasible: {held}, share interval below {}",
            o.confidence
        ),
        Drop::Dearer { than } => format!(
            "round {round}: dearer than {} (paired interval above 0)",
            o.evidence[than].name
        ),
        Drop::Indifferent { to } => format!(
            "round {round}: within the indifference zone of {} and not cheaper",
            o.evidence[to].name
        ),
    });
    match (e.outcome, drop) {
        (Outcome::Chosen, _) if e.shown_feasible => format!("cheapest shown feasible ({held})"),
        (Outcome::Chosen, _) => {
            format!("cheapest left; feasibility not shown ({held})")
        }
        (_, Some(drop)) => drop,
        (_, None) => format!("left in the race, not separated ({held})"),
    }
}

/// What the objective is called in the files, with its unit.
fn objective_key(o: &Optimization) -> &'static str {
    match o.objective {
        Objective::Cost => "cost_usd",
        Objective::CostPerMonth => "cost_per_month_usd",
    }
}

/// Numbers with a fixed number of decimals, never `-0.000000`; empty when absent.
fn fixed(x: Option<f64>) -> String {
    x.map(|x| format!("{:.6}", round_to(x, 6)))
        .unwrap_or_default()
}

/// `evidence.csv`: one row per configuration, in grid order.
pub fn write_evidence_csv(o: &Optimization, out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let objective = objective_key(o);
    let metric = o.constraint_metric;
    w.write_record([
        "index".to_string(),
        "configuration".into(),
        "outcome".into(),
        "replicates".into(),
        format!("{objective}_mean"),
        format!("{objective}_ci_low"),
        format!("{objective}_ci_high"),
        format!("{metric}_mean"),
        format!("{metric}_ci_low"),
        format!("{metric}_ci_high"),
        "held".into(),
        "held_share_low".into(),
        "held_share_high".into(),
        "shown_feasible".into(),
        "dropped_round".into(),
        "reason".into(),
    ])?;
    for e in &o.evidence {
        let (cost, value) = (e.objective, e.metric);
        w.write_record([
            e.index.to_string(),
            e.name.clone(),
            outcome_text(e),
            e.replicates.to_string(),
            fixed(Some(cost.mean)),
            fixed(cost.ci().map(|c| c.0)),
            fixed(cost.ci().map(|c| c.1)),
            fixed(Some(value.mean)),
            fixed(value.ci().map(|c| c.0)),
            fixed(value.ci().map(|c| c.1)),
            e.held.to_string(),
            fixed(Some(e.held_interval.0)),
            fixed(Some(e.held_interval.1)),
            e.shown_feasible.to_string(),
            e.dropped.map(|(r, _)| r.to_string()).unwrap_or_default(),
            reason_text(o, e),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonSearch<'a> {
    scenario: &'a str,
    simcloud_version: &'a str,
    method: &'static str,
    seeds: JsonSeeds,
    objective: &'static str,
    constraint: &'a str,
    constraint_metric: &'static str,
    confidence: f64,
    indifference: f64,
    budget: u64,
    first_replicates: u32,
    max_replicates: u32,
    runs_spent: usize,
    full_grid_runs: usize,
    stop: &'static str,
    chosen: Option<&'a str>,
    chosen_shown_feasible: Option<bool>,
    runner_ups: Vec<&'a str>,
    rounds: Vec<JsonRound>,
    configurations: Vec<JsonConfiguration<'a>>,
}

#[derive(Serialize)]
struct JsonSeeds {
    base: u64,
    rule: &'static str,
}

#[derive(Serialize)]
struct JsonRound {
    round: usize,
    runs: usize,
    configurations_run: usize,
    left: usize,
    dropped_infeasible: usize,
    dropped_dearer: usize,
}

#[derive(Serialize)]
struct JsonConfiguration<'a> {
    index: usize,
    name: &'a str,
    outcome: String,
    replicates: u32,
    objective: JsonInterval,
    metric: JsonInterval,
    held: u32,
    held_share: JsonShare,
    shown_feasible: bool,
    dropped_round: Option<usize>,
    reason: String,
}

#[derive(Serialize)]
struct JsonInterval {
    mean: f64,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

impl JsonInterval {
    fn new(e: Estimate) -> Self {
        let round = |x: f64| round_to(x, 6);
        JsonInterval {
            mean: e.mean,
            ci_low: e.ci().map(|c| round(c.0)),
            ci_high: e.ci().map(|c| round(c.1)),
        }
    }
}

#[derive(Serialize)]
struct JsonShare {
    low: f64,
    high: f64,
}

/// `evidence.json`: the settings, how the race went, and every configuration.
pub fn write_evidence_json(o: &Optimization, mut out: impl Write) -> Result<()> {
    let chosen = o.chosen();
    let record = JsonSearch {
        scenario: &o.scenario,
        simcloud_version: &o.simcloud_version,
        method: "racing with common random numbers: Wilson intervals for the share of replicates meeting the constraint, paired t intervals for cost differences, each at 95 % (see README, optimize)",
        seeds: JsonSeeds {
            base: o.base_seed,
            rule: "replicate r of every configuration runs with seed base + r (common random numbers)",
        },
        objective: o.objective.key(),
        constraint: &o.constraint,
        constraint_metric: o.constraint_metric,
        confidence: o.confidence,
        indifference: o.indifference,
        budget: o.budget,
        first_replicates: o.first_replicates,
        max_replicates: o.max_replicates,
        runs_spent: o.runs_spent,
        full_grid_runs: o.full_grid,
        stop: o.stop.text(),
        chosen: chosen.map(|e| e.name.as_str()),
        chosen_shown_feasible: chosen.map(|e| e.shown_feasible),
        runner_ups: o
            .runner_ups
            .iter()
            .map(|&i| o.evidence[i].name.as_str())
            .collect(),
        rounds: o
            .rounds
            .iter()
            .map(|r| JsonRound {
                round: r.number,
                runs: r.runs,
                configurations_run: r.ran,
                left: r.left,
                dropped_infeasible: r.dropped_infeasible,
                dropped_dearer: r.dropped_dearer,
            })
            .collect(),
        configurations: o
            .evidence
            .iter()
            .map(|e| JsonConfiguration {
                index: e.index,
                name: &e.name,
                outcome: outcome_text(e),
                replicates: e.replicates,
                objective: JsonInterval::new(e.objective),
                metric: JsonInterval::new(e.metric),
                held: e.held,
                held_share: JsonShare {
                    low: e.held_interval.0,
                    high: e.held_interval.1,
                },
                shown_feasible: e.shown_feasible,
                dropped_round: e.dropped.map(|(r, _)| r),
                reason: reason_text(o, e),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut out, &record)?;
    writeln!(out)?;
    Ok(())
}

/// A configuration as a scenario file: a comment saying where it comes from, then the
/// configuration resolved (every default filled in, file paths absolute), which
/// `simcloud run` runs from any folder.
fn scenario_file(
    o: &Optimization,
    plan: &OptimizePlan,
    e: &Evidence,
    role: &str,
) -> Result<String> {
    let config = &plan.spec.configurations[e.index].1;
    let text = crate::scenario::resolved_toml(config, &[])
        .map_err(anyhow::Error::msg)
        .context("cannot print the resolved scenario")?;
    Ok(format!(
        "# {role} by simcloud optimize from scenario {}: {}\n# {}; {} replicates from seed {}; {}.\n{text}",
        o.scenario,
        e.name,
        o.constraint,
        e.replicates,
        o.base_seed,
        reason_text(o, e)
    ))
}

/// Everything a search writes into `dir` (a staging folder); the chart only when
/// `plots`. Returns the names of the files.
pub fn write_search(
    o: &Optimization,
    plan: &OptimizePlan,
    plots: bool,
    dir: &Path,
) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut toml_file = |name: &str, text: String| -> Result<()> {
        let mut file = OutputFile::create(dir, name)?;
        file.writer()
            .write_all(text.as_bytes())
            .with_context(|| format!("cannot write {name}"))?;
        files.push(file.finish()?);
        Ok(())
    };
    if let Some(chosen) = o.chosen() {
        toml_file("chosen.toml", scenario_file(o, plan, chosen, "chosen")?)?;
    }
    for (n, &i) in o.runner_ups.iter().enumerate() {
        let role = format!("runner-up {}", n + 1);
        toml_file(
            &format!("runner-up-{}.toml", n + 1),
            scenario_file(o, plan, &o.evidence[i], &role)?,
        )?;
    }
    let mut csv_file = OutputFile::create(dir, "evidence.csv")?;
    write_evidence_csv(o, csv_file.writer()).context("cannot write evidence.csv")?;
    files.push(csv_file.finish()?);
    let mut json_file = OutputFile::create(dir, "evidence.json")?;
    write_evidence_json(o, json_file.writer()).context("cannot write evidence.json")?;
    files.push(json_file.finish()?);
    if plots {
        files.extend(search_chart(o, plan)?.write_to(dir)?);
    }
    Ok(files)
}

fn search_chart(o: &Optimization, plan: &OptimizePlan) -> Result<plots::Figure> {
    let points: Vec<plots::SearchPoint> = o
        .evidence
        .iter()
        .map(|e| plots::SearchPoint {
            hover: format!("{}: {}; {}", e.name, outcome_text(e), reason_text(o, e)),
            label: match e.outcome {
                Outcome::Dropped => None,
                _ => Some(format!("{}, n={}", outcome_text(e), e.replicates)),
            },
            objective: e.objective.mean,
            objective_ci95: e.objective.half_width.unwrap_or(0.0),
            metric: e.metric.mean,
            metric_ci95: e.metric.half_width.unwrap_or(0.0),
            class: match (e.outcome, e.dropped) {
                (Outcome::Chosen, _) => plots::SearchClass::Chosen,
                (Outcome::RunnerUp(_), _) => plots::SearchClass::RunnerUp,
                (_, Some((_, Drop::Infeasible))) => plots::SearchClass::Infeasible,
                (_, Some(_)) => plots::SearchClass::Dearer,
                (_, None) => plots::SearchClass::Left,
            },
        })
        .collect();
    let (threshold, metric_desc) = match plan.spec.constraint {
        Constraint::P99AtMostSlo => (plan.slo_ms, "p99 latency [ms] (mean over replicates)"),
        Constraint::AttainmentAtLeast(t) => (t, "SLO attainment (mean over replicates)"),
    };
    let objective_desc = match o.objective {
        Objective::Cost => "total cost [USD] (mean)",
        Objective::CostPerMonth => "cost per month [USD] (mean)",
    };
    Ok(plots::draw_search(
        &o.scenario,
        &points,
        threshold,
        metric_desc,
        objective_desc,
    )?)
}
