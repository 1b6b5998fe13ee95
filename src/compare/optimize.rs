//! `simcloud optimize`: the cheapest configuration of a search space that meets a
//! constraint, found by racing with common random numbers.
//!
//! # The method
//! A sequential ranking-and-selection procedure for a constrained problem, in the
//! family of *racing* (Maron & Moore, "The racing algorithm: model selection for lazy
//! learners", Artificial Intelligence Review 11, 1997) and of the feasibility-then-
//! comparison procedures of Andradóttir & Kim ("Fully sequential procedures for
//! comparing constrained systems via simulation", Naval Research Logistics 57, 2010).
//! Every configuration is a system; replicate r of every system runs with seed
//! `base + r` ([`super::replicate_seed`], common random numbers), so two systems'
//! r-th replicates see the same arrivals and service times and their costs are
//! compared pair by pair. Round 1 runs `first_replicates` of every configuration; after
//! each round, on the replicates so far:
//!
//! 1. *Feasibility*: the constraint holds in s of a configuration's n replicates; the
//!    probability that it holds has the 95 % Wilson score interval [lo, hi]. A
//!    configuration with hi < `confidence` is dropped as **infeasible**; one with
//!    lo >= `confidence` is **shown feasible**.
//! 2. *Cost*: a configuration B is dropped as **dearer** than a shown-feasible A when
//!    the 95 % t interval of the paired differences cost(B) − cost(A) (over their
//!    common replicates) lies above 0, or lies within ± `indifference` × A's mean
//!    cost while B's mean is higher (or equal, B later in the grid): *within the
//!    indifference zone*.
//! 3. *Allocation*: a configuration clearly dearer (paired, as above) than another
//!    configuration still in the race, and below `max_replicates`, waits; every other
//!    configuration in the race doubles its replicates (at most `max_replicates`), or
//!    shares what is left of the budget equally.
//!
//! The race ends when one configuration is left and it is shown feasible, when none
//! is left, when no configuration can get more replicates, or when the budget is
//! spent. The answer is the cheapest (mean cost) configuration left that is shown
//! feasible, else the cheapest left whose share of replicates meeting the constraint
//! is at least `confidence` (flagged as not shown).
//!
//! # The guarantee
//! Each elimination is a one-sided test at level 2.5 % (normal approximations: Wilson
//! for the share, Student t for the mean difference). If no test the race made errs —
//! by Bonferroni, with probability at least 1 − 2.5 % × the number of its tests — the
//! cheapest feasible configuration is never dropped: it is not infeasible, and no
//! feasible configuration is cheaper (beyond the indifference zone). So when the race
//! ends with one configuration left, that is the cheapest feasible one (within the
//! indifference zone); when the budget ends it first, the answer is among those left,
//! which the evidence lists as not separated.
//!
//! Like `compare`, the runs go through [`super::run_cells`] on a local pool, and every
//! decision is made on one thread from results in (configuration, replicate) order,
//! so the search and its files are the same whatever `--threads` is.

// Errors are returned by value here as everywhere in the crate (`ScenarioError` names
// the file, key, value and line; it is built once per command, not in a loop), which
// clippy's size lint flags on every such function: allowed for this module's new ones
// rather than boxing one module's errors differently from the rest.
#![allow(clippy::result_large_err)]

use super::{CompareError, CompareOptions, ComparePlan, Estimate, Metric, RunRecord, run_cells};
use crate::model::round_to;
use crate::scenario::{Constraint, Objective, OptimizeSpec, ScenarioFile};

/// The z of a two-sided 95 % interval (one-sided 97.5 %), for Wilson's interval.
const Z_975: f64 = 1.959_963_984_540_054;

/// Hours in the month of `cost_per_month`: "The Calculator assumes 730 hours in a
/// month, (365 days in a year x 24 hours in a day / 12 months in year)", AWS Pricing
/// Calculator assumptions, https://aws.amazon.com/calculator/calculator-assumptions
/// (`reference/aws-facts.md` has no monthly figure).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// A bill of `cost` over `hours` as a month of [`HOURS_PER_MONTH`] at the same rate.
pub fn per_month(cost: f64, hours: f64) -> f64 {
    cost * HOURS_PER_MONTH / hours
}

/// A validated search, ready to run.
#[derive(Clone, Debug)]
pub struct OptimizePlan {
    /// The configurations as strategies, `max_replicates` replicates each: the grid
    /// whose cells the rounds run.
    pub runs: ComparePlan,
    pub spec: OptimizeSpec,
    /// The `[slo]` latency the p99 constraint holds against [ms].
    pub slo_ms: f64,
}

impl OptimizePlan {
    /// Reads `[optimize]` (with `--budget`), resolves the space, checks the options.
    pub fn from_file(
        file: &ScenarioFile,
        budget: Option<u64>,
        threads: Option<usize>,
        seed: Option<u64>,
    ) -> Result<Self, CompareError> {
        let base = file.resolve()?;
        let spec = file.optimization(budget)?;
        let options = CompareOptions {
            replicates: spec.max_replicates,
            threads,
            seed,
        };
        let runs = ComparePlan::new(
            file,
            base.name.clone(),
            base.seed,
            spec.configurations.clone(),
            &options,
        )?;
        Ok(OptimizePlan {
            runs,
            spec,
            slo_ms: base.slo.latency.as_secs_f64() * 1e3,
        })
    }

    /// Runs in the whole grid: every configuration at `max_replicates`.
    pub fn full_grid(&self) -> usize {
        self.runs.runs()
    }

    /// The objective and the constraint's metric of one run.
    fn measure(&self, record: &RunRecord, hours: f64) -> (f64, f64) {
        let cost = record.value(Metric::TotalCost);
        let objective = match self.spec.objective {
            Objective::Cost => cost,
            Objective::CostPerMonth => per_month(cost, hours),
        };
        let metric = match self.spec.constraint {
            Constraint::P99AtMostSlo => record.value(Metric::P99),
            Constraint::AttainmentAtLeast(_) => record.value(Metric::SloAttainment),
        };
        (objective, metric)
    }

    /// True when a run's constraint metric meets the constraint.
    pub fn holds(&self, metric: f64) -> bool {
        match self.spec.constraint {
            Constraint::P99AtMostSlo => metric <= self.slo_ms,
            Constraint::AttainmentAtLeast(target) => metric >= target,
        }
    }

    /// The constraint in words, for the terminal and the evidence.
    pub fn constraint_text(&self) -> String {
        match self.spec.constraint {
            Constraint::P99AtMostSlo => format!("p99 <= {} ms", self.slo_ms),
            Constraint::AttainmentAtLeast(t) => format!("SLO attainment >= {t}"),
        }
    }
}

/// Why a configuration left the race.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Drop {
    /// The constraint's share of replicates is below `confidence` (its interval's top
    /// is below it).
    Infeasible,
    /// Paired cost differences above 0 against this shown-feasible configuration.
    Dearer { than: usize },
    /// Paired cost differences within the indifference zone of this shown-feasible
    /// configuration, and not cheaper.
    Indifferent { to: usize },
}

/// Where a configuration stands when the search ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    Chosen,
    /// Ranked by mean cost after the chosen one (1, 2).
    RunnerUp(usize),
    /// Still in the race, not separated from the chosen one.
    Left,
    /// Out of the race (see [`Evidence::dropped`]).
    Dropped,
}

/// Everything known about one configuration at the end.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub index: usize,
    pub name: String,
    pub replicates: u32,
    /// The objective over the replicates (USD, or USD per month).
    pub objective: Estimate,
    /// The constraint's metric over the replicates (ms, or a share).
    pub metric: Estimate,
    /// Replicates in which the constraint held.
    pub held: u32,
    /// 95 % Wilson interval of the probability that it holds.
    pub held_interval: (f64, f64),
    pub shown_feasible: bool,
    pub outcome: Outcome,
    /// The round after which it left the race, and why (a runner-up may have left it
    /// on cost).
    pub dropped: Option<(usize, Drop)>,
}

/// One round, as the terminal and the evidence show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    pub number: usize,
    /// Runs made in this round.
    pub runs: usize,
    /// Configurations that ran in it.
    pub ran: usize,
    /// Configurations in the race after it.
    pub left: usize,
    pub dropped_infeasible: usize,
    pub dropped_dearer: usize,
}

/// Why the race ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// One configuration left, shown feasible.
    Decided,
    /// Every configuration dropped as infeasible.
    NoneFeasible,
    /// Every configuration in the race has `max_replicates`.
    MaxReplicates,
    /// The next round did not fit in the budget.
    Budget,
}

impl Stop {
    pub fn text(self) -> &'static str {
        match self {
            Stop::Decided => "one configuration left, shown feasible",
            Stop::NoneFeasible => "every configuration dropped as infeasible",
            Stop::MaxReplicates => {
                "every configuration left has max_replicates; those left are not separated"
            }
            Stop::Budget => "the budget is spent; those left are not separated",
        }
    }
}

/// The search's one record: every exporter and the terminal read it.
#[derive(Clone, Debug)]
pub struct Optimization {
    pub scenario: String,
    pub simcloud_version: String,
    pub base_seed: u64,
    pub objective: Objective,
    pub constraint: String,
    pub constraint_metric: &'static str,
    pub confidence: f64,
    pub indifference: f64,
    pub budget: u64,
    pub first_replicates: u32,
    pub max_replicates: u32,
    pub runs_spent: usize,
    pub full_grid: usize,
    pub rounds: Vec<Round>,
    pub stop: Stop,
    /// In grid order.
    pub evidence: Vec<Evidence>,
    pub chosen: Option<usize>,
    /// In order: runner-up 1, 2.
    pub runner_ups: Vec<usize>,
}

impl Optimization {
    /// The chosen configuration's evidence.
    pub fn chosen(&self) -> Option<&Evidence> {
        self.chosen.map(|i| &self.evidence[i])
    }
}

/// What the race knows of one configuration.
#[derive(Clone, Debug, Default)]
struct Tally {
    objective: Vec<f64>,
    metric: Vec<f64>,
    held: u32,
    dropped: Option<(usize, Drop)>,
}

impl Tally {
    fn n(&self) -> u32 {
        self.objective.len() as u32
    }

    fn mean(&self) -> f64 {
        self.objective.iter().sum::<f64>() / self.objective.len() as f64
    }

    fn interval(&self) -> (f64, f64) {
        wilson(self.held, self.n())
    }
}

/// The 95 % Wilson score interval of a probability seen `s` times in `n` trials
/// (Wilson 1927; Agresti & Coull, The American Statistician 52, 1998): unlike the
/// normal interval it stays inside [0, 1] and is not empty when s = 0 or s = n.
pub fn wilson(s: u32, n: u32) -> (f64, f64) {
    let (s, n) = (f64::from(s), f64::from(n));
    let z2 = Z_975 * Z_975;
    let p = s / n;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z_975 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The paired differences b − a over the replicates both have.
fn paired(b: &Tally, a: &Tally) -> Estimate {
    let n = b.objective.len().min(a.objective.len());
    let diffs: Vec<f64> = (0..n).map(|r| b.objective[r] - a.objective[r]).collect();
    Estimate::of(&diffs)
}

/// True when b is clearly dearer than a: the paired interval lies above 0.
fn clearly_dearer(b: &Tally, a: &Tally) -> bool {
    paired(b, a).ci().is_some_and(|(lo, _)| lo > 0.0)
}

/// What runs a round: the grid's cells (configuration × max_replicates + replicate,
/// in order) in, each run's (objective, constraint metric) out, in the same order.
/// An error (of the caller's type) ends the search.
pub type Evaluate<'a, E> = dyn FnMut(&[usize]) -> Result<Vec<(f64, f64)>, E> + 'a;

/// Runs the search, each round's runs through `evaluate`.
pub fn search<E>(plan: &OptimizePlan, evaluate: &mut Evaluate<'_, E>) -> Result<Optimization, E> {
    let spec = &plan.spec;
    let k = spec.configurations.len();
    let max = spec.max_replicates;
    let mut tallies = vec![Tally::default(); k];
    let mut want: Vec<u32> = vec![spec.first_replicates; k];
    let mut spent = 0usize;
    let mut rounds = Vec::new();
    let stop = loop {
        let number = rounds.len() + 1;
        let cells: Vec<usize> = (0..k)
            .flat_map(|c| {
                let from = tallies[c].n();
                (from..want[c]).map(move |r| c * max as usize + r as usize)
            })
            .collect();
        let ran = (0..k).filter(|&c| want[c] > tallies[c].n()).count();
        let results = evaluate(&cells)?;
        for (&cell, &(objective, metric)) in cells.iter().zip(&results) {
            let t = &mut tallies[cell / max as usize];
            t.objective.push(objective);
            t.metric.push(metric);
            t.held += u32::from(plan.holds(metric));
        }
        spent += cells.len();
        let (infeasible, dearer) = decide(&mut tallies, number, spec);
        let left: Vec<usize> = (0..k).filter(|&c| tallies[c].dropped.is_none()).collect();
        rounds.push(Round {
            number,
            runs: cells.len(),
            ran,
            left: left.len(),
            dropped_infeasible: infeasible,
            dropped_dearer: dearer,
        });
        let shown = |c: usize| tallies[c].interval().0 >= spec.confidence;
        match left.as_slice() {
            [] => break Stop::NoneFeasible,
            [only] if shown(*only) => break Stop::Decided,
            _ => {}
        }
        // Those waiting: clearly dearer than another configuration that can still
        // settle its feasibility. One at max_replicates and still undecided never
        // will, and may be infeasible: what is dearer than it races on.
        let open: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&a| tallies[a].n() < max)
            .collect();
        let mut racing: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&b| {
                !open
                    .iter()
                    .any(|&a| a != b && clearly_dearer(&tallies[b], &tallies[a]))
            })
            .collect();
        if racing.is_empty() {
            // Paired intervals over different replicate counts need not be transitive;
            // the cheapest then races alone.
            racing.push(cheapest(&tallies, &left));
        }
        let mut more: Vec<(usize, u32)> = racing
            .iter()
            .map(|&c| (c, tallies[c].n().min(max - tallies[c].n())))
            .collect();
        let total: u64 = more.iter().map(|&(_, m)| u64::from(m)).sum();
        if total == 0 {
            break Stop::MaxReplicates;
        }
        let remaining = spec.budget - spent as u64;
        if total > remaining {
            let share = (remaining / more.len() as u64) as u32;
            for (_, m) in &mut more {
                *m = (*m).min(share);
            }
        }
        if more.iter().all(|&(_, m)| m == 0) {
            break Stop::Budget;
        }
        for (c, m) in more {
            want[c] = tallies[c].n() + m;
        }
    };
    let left: Vec<usize> = (0..k).filter(|&c| tallies[c].dropped.is_none()).collect();
    let share = |c: usize| f64::from(tallies[c].held) / f64::from(tallies[c].n());
    let shown: Vec<usize> = left
        .iter()
        .copied()
        .filter(|&c| tallies[c].interval().0 >= spec.confidence)
        .collect();
    let likely: Vec<usize> = left
        .iter()
        .copied()
        .filter(|&c| share(c) >= spec.confidence)
        .collect();
    let chosen = match (shown.is_empty(), likely.is_empty()) {
        (false, _) => Some(cheapest(&tallies, &shown)),
        (true, false) => Some(cheapest(&tallies, &likely)),
        (true, true) => None,
    };
    // Runner-ups: the next cheapest that were not found infeasible and whose share
    // meets the confidence, whether still in the race or dropped on cost.
    let mut others: Vec<usize> = (0..k)
        .filter(|&c| Some(c) != chosen && share(c) >= spec.confidence)
        .filter(|&c| !matches!(tallies[c].dropped, Some((_, Drop::Infeasible))))
        .collect();
    others.sort_by(|&a, &b| by_cost(&tallies, a, b));
    let runner_ups: Vec<usize> = match chosen {
        Some(_) => others.into_iter().take(2).collect(),
        None => Vec::new(),
    };
    let decimals = 6;
    let evidence = tallies
        .iter()
        .enumerate()
        .map(|(c, t)| {
            let interval = t.interval();
            let outcome = if Some(c) == chosen {
                Outcome::Chosen
            } else if let Some(rank) = runner_ups.iter().position(|&r| r == c) {
                Outcome::RunnerUp(rank + 1)
            } else if t.dropped.is_some() {
                Outcome::Dropped
            } else {
                Outcome::Left
            };
            Evidence {
                index: c,
                name: spec.configurations[c].0.clone(),
                replicates: t.n(),
                objective: Estimate::of(&t.objective).rounded(decimals),
                metric: Estimate::of(&t.metric).rounded(decimals),
                held: t.held,
                held_interval: (round_to(interval.0, 6), round_to(interval.1, 6)),
                shown_feasible: interval.0 >= spec.confidence,
                outcome,
                dropped: t.dropped,
            }
        })
        .collect();
    Ok(Optimization {
        scenario: plan.runs.scenario.clone(),
        simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
        base_seed: plan.runs.base_seed,
        objective: spec.objective,
        constraint: plan.constraint_text(),
        constraint_metric: spec.constraint.metric_key(),
        confidence: spec.confidence,
        indifference: spec.indifference,
        budget: spec.budget,
        first_replicates: spec.first_replicates,
        max_replicates: max,
        runs_spent: spent,
        full_grid: plan.full_grid(),
        rounds,
        stop,
        evidence,
        chosen,
        runner_ups,
    })
}

/// Configurations in order of mean objective, the earlier in the grid first on ties.
fn by_cost(tallies: &[Tally], a: usize, b: usize) -> std::cmp::Ordering {
    tallies[a]
        .mean()
        .total_cmp(&tallies[b].mean())
        .then(a.cmp(&b))
}

/// The configuration of `among` with the lowest mean objective (the first on ties).
fn cheapest(tallies: &[Tally], among: &[usize]) -> usize {
    *among
        .iter()
        .min_by(|&&a, &&b| by_cost(tallies, a, b))
        .expect("at least one configuration")
}

/// Drops, after round `round`, the infeasible configurations, then those dearer than
/// (or indifferent to) a shown-feasible one. All decisions of a round are made on the
/// same figures. Returns how many were dropped for each reason.
fn decide(tallies: &mut [Tally], round: usize, spec: &OptimizeSpec) -> (usize, usize) {
    let left: Vec<usize> = (0..tallies.len())
        .filter(|&c| tallies[c].dropped.is_none())
        .collect();
    let mut drops: Vec<(usize, Drop)> = Vec::new();
    for &c in &left {
        if tallies[c].interval().1 < spec.confidence {
            drops.push((c, Drop::Infeasible));
        }
    }
    let mut feasible: Vec<usize> = left
        .iter()
        .copied()
        .filter(|&c| tallies[c].interval().0 >= spec.confidence)
        .collect();
    // Against the cheapest shown-feasible first, so a drop names the best reason.
    feasible.sort_by(|&a, &b| by_cost(tallies, a, b));
    for &b in &left {
        if drops.iter().any(|&(d, _)| d == b) {
            continue;
        }
        for &a in feasible.iter().filter(|&&a| a != b) {
            let diff = paired(&tallies[b], &tallies[a]);
            let Some((lo, hi)) = diff.ci() else { continue };
            if lo > 0.0 {
                drops.push((b, Drop::Dearer { than: a }));
                break;
            }
            let zone = spec.indifference * tallies[a].mean().abs();
            let not_cheaper = diff.mean > 0.0 || (diff.mean == 0.0 && b > a);
            if lo >= -zone && hi <= zone && not_cheaper {
                drops.push((b, Drop::Indifferent { to: a }));
                break;
            }
        }
    }
    let infeasible = drops
        .iter()
        .filter(|(_, why)| *why == Drop::Infeasible)
        .count();
    let dearer = drops.len() - infeasible;
    for (c, why) in drops {
        tallies[c].dropped = Some((round, why));
    }
    (infeasible, dearer)
}

/// Runs the search on a local pool of `plan.runs.threads` threads ([`run_cells`]);
/// `on_done` is called once per finished run.
pub fn run(plan: &OptimizePlan, on_done: &(dyn Fn() + Sync)) -> Result<Optimization, CompareError> {
    search_runs(plan, &mut |cells| {
        let runs = run_cells(&plan.runs, cells, on_done)?;
        Ok(runs.iter().map(RunRecord::of).collect())
    })
}

/// Runs the search with each round's cells run by `runs` (a run's record for each
/// cell, in the same order): locally, or from the runs of shards (`optimize
/// --shard`), which decide the same as local ones since a record holds every measure
/// unrounded.
pub fn search_runs<E>(
    plan: &OptimizePlan,
    runs: &mut dyn FnMut(&[usize]) -> Result<Vec<RunRecord>, E>,
) -> Result<Optimization, E> {
    let hours: Vec<f64> = plan
        .spec
        .configurations
        .iter()
        .map(|(_, c)| c.duration.as_secs_f64() / 3600.0)
        .collect();
    search(plan, &mut |cells| {
        Ok(runs(cells)?
            .iter()
            .map(|record| plan.measure(record, hours[record.strategy]))
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan of three configurations (min = 1, 2, 3), two replicates first, four at
    /// most, a constraint that must hold in half the replicates.
    fn three() -> OptimizePlan {
        let text = r#"
            name = "race"
            duration = "1m"
            [traffic]
            rate = 1
            [service]
            time = "10ms"
            [autoscaling]
            min = 1
            max = 3
            [optimize]
            confidence = 0.5
            budget = 100
            first_replicates = 2
            max_replicates = 4
            [[optimize.space]]
            key = "autoscaling.min"
            range = [1, 3]
        "#;
        let file = ScenarioFile::parse(std::path::Path::new("race.toml"), text.into()).unwrap();
        OptimizePlan::from_file(&file, None, Some(1), None).unwrap()
    }

    /// The race on made-up runs, worked by hand. Costs 1, 2, 3 (the same in every
    /// replicate, so every paired interval is a point); the SLO (300 ms by default)
    /// holds in every replicate of configurations 1 and 2 and in every other one of
    /// configuration 0.
    /// Round 1 (6 runs): all undecided (s = n = 2: Wilson [0.342, 1]; s = 1: [0.095,
    /// 0.905]); 1 and 2 are clearly dearer than 0 and wait. Round 2 (2 runs): 0 reaches
    /// max_replicates with 2 of 4, Wilson [0.150, 0.850]: never to be settled, so it
    /// no longer holds 1 back (2 still waits behind 1). Round 3 (2 runs): 1 holds 4 of
    /// 4, Wilson low 4 / (4 + 1.96²) = 0.510 >= 0.5: shown feasible, and 2 is dropped
    /// as dearer. Nothing can run any more: 1 is chosen, 0 (share 0.5, not found
    /// infeasible) and 2 are the runner-ups, in order of cost.
    #[test]
    fn an_undecided_configuration_at_its_last_replicate_holds_no_one_back() {
        let plan = three();
        let max = plan.spec.max_replicates as usize;
        let mut calls = Vec::new();
        let o = search::<CompareError>(&plan, &mut |cells| {
            calls.push(cells.to_vec());
            Ok(cells
                .iter()
                .map(|&cell| {
                    let (c, r) = (cell / max, cell % max);
                    let held = c > 0 || r % 2 == 0;
                    ((c + 1) as f64, if held { 100.0 } else { 900.0 })
                })
                .collect())
        })
        .unwrap();
        assert_eq!(calls, vec![vec![0, 1, 4, 5, 8, 9], vec![2, 3], vec![6, 7]]);
        assert_eq!(o.stop, Stop::MaxReplicates);
        assert_eq!(o.chosen, Some(1));
        assert!(o.evidence[1].shown_feasible);
        assert_eq!(o.evidence[2].dropped, Some((3, Drop::Dearer { than: 1 })));
        assert_eq!(o.evidence[0].dropped, None);
        assert_eq!(o.runner_ups, vec![0, 2]);
        assert_eq!(o.runs_spent, 10);
    }

    #[test]
    fn wilson_matches_hand_computed_bounds() {
        // s = n = 16: lo = n / (n + z²) = 16 / 19.8415 = 0.80639.
        let (lo, hi) = wilson(16, 16);
        assert!((lo - 16.0 / (16.0 + Z_975 * Z_975)).abs() < 1e-12, "{lo}");
        assert_eq!(hi, 1.0);
        // s = 0, n = 2: hi = z² / (n + z²) = 3.8415 / 5.8415 = 0.65762.
        let (lo, hi) = wilson(0, 2);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.657_62).abs() < 1e-5, "{hi}");
        // s = 5, n = 10 (Agresti & Coull's table: 0.2366 to 0.7634).
        let (lo, hi) = wilson(5, 10);
        assert!((lo - 0.2366).abs() < 1e-4 && (hi - 0.7634).abs() < 1e-4);
    }
}
