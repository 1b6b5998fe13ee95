//! `simcloud compare`: every `[[strategy]]` of a scenario × R replicates, run in
//! parallel, summarised as means with 95 % confidence intervals, paired differences
//! against the first strategy, and the cost vs p99 Pareto front.
//!
//! This is the only module that uses threads (rayon). Parallelism is across runs only:
//! each run is the ordinary single-threaded [`simulate`], so a run's result does not
//! depend on which thread ran it or when. Results are collected by input index
//! (strategy, then replicate), never in completion order, and every statistic is
//! computed afterwards on one thread in that order, so the output is byte-identical
//! whatever `--threads` is. The module does no terminal formatting (that is `cli`'s
//! job): progress is reported through a callback.
//!
//! # Common random numbers (CRN)
//! Replicate `r` of **every** strategy runs with the seed [`replicate_seed`]`(base, r)
//! = base + r` (wrapping), where `base` is the scenario's `seed` (or `--seed`). Inside a
//! run, each random component draws from its own xoshiro256++ stream seeded from
//! `(seed, component name)` (see [`crate::engine::RngStreams`]): `arrivals`, `service`,
//! `boot`, `routing`. So, under one replicate seed:
//! - the arrival times are identical across strategies (the `arrivals` stream is used by
//!   nothing else, and the rate function only changes if a strategy changes `traffic`);
//! - request *i* gets the same service time in every strategy, because the model draws
//!   it from the `service` stream at arrival, whatever then happens to the request
//!   (routed, queued or rejected), rather than when a worker picks it up;
//! - the *k*-th instance launched gets the same boot time (the `boot` stream is drawn
//!   once per launch, in launch order);
//! - random routing draws (`random`, `power_of_two`) line up request by request as long
//!   as both strategies route the same requests.
//!
//! Differences between strategies therefore come from the strategies, not from luck,
//! and a paired comparison (replicate r of strategy s minus replicate r of the baseline)
//! has a much narrower interval than comparing two independent means. A strategy that
//! changes only prices gives bit-for-bit the same latencies as the baseline. A strategy
//! may not override `seed` (that would silently break CRN); [`ComparePlan::from_file`]
//! rejects it. Seeds `base + r` are fine as stream seeds because each component seed is
//! `splitmix64(seed ^ fnv1a64(name))`, which spreads consecutive seeds apart.
//!
//! # Statistics
//! For each strategy and metric: the mean over replicates and a 95 % confidence
//! interval `mean ± t(0.975, R−1) · s / √R` (Student t, `s` the sample standard
//! deviation). The difference against the first strategy (the baseline) is the mean of
//! the per-replicate differences with the same interval on those differences (a paired
//! t interval). With R = 1 no interval exists: it is `None` (empty in CSV, `null` in
//! JSON), never NaN. The Pareto front uses the means of total cost and p99 latency; p99
//! describes completed requests only, so read it together with the error rates.

use crate::model::BillPart;
use crate::model::{Config, RequestCounts, Summary, round_to, simulate};
use crate::scenario::{ScenarioError, ScenarioFile};
use anyhow::Result;
use rayon::prelude::*;
use std::path::PathBuf;

/// Replicates per strategy when `--replicates` is not given.
pub const DEFAULT_REPLICATES: u32 = 10;

/// The most replicates per strategy. The half-width of a 95 % interval shrinks as
/// 1/√R: 10,000 replicates already pin a mean 30 times tighter than 10, far below the
/// model's own error, while a billion would hold a billion summaries in memory and run
/// for years.
pub const MAX_REPLICATES: u32 = 10_000;

/// Confidence level of every interval in the comparison.
pub const CONFIDENCE: f64 = 0.95;

/// Why a comparison cannot run. Every variant but [`CompareError::ThreadPool`] is bad
/// input (exit code 2); see [`CompareError::is_bad_input`].
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(
        "{}: has no [[strategy]] or [[sweep]] table (and no --sweep); compare needs at least one strategy (the first is the baseline), for example:\n\n    [[strategy]]\n    name = \"cpu 40\"\n    autoscaling.policy = [{{ kind = \"target_tracking\", metric = \"cpu\", target = 40.0 }}]",
        file.display()
    )]
    NoStrategies { file: PathBuf },
    #[error(
        "{}: strategy \"{name}\" sets `seed` = {seed}; compare runs replicate r of every strategy with the same seed (common random numbers), so set `seed` at the top of the file or pass --seed",
        file.display()
    )]
    StrategySeed {
        file: PathBuf,
        name: String,
        seed: u64,
    },
    #[error(
        "--replicates 0: every strategy needs at least 1 replicate (2 or more for confidence intervals)"
    )]
    ZeroReplicates,
    #[error(
        "--replicates {replicates}: at most {max} replicates per strategy (that many already narrow a 95 % interval about 30 times more than the default 10 do)",
        max = MAX_REPLICATES
    )]
    TooManyReplicates { replicates: u32 },
    #[error("--threads 0: at least 1 thread is needed (leave --threads out to use every core)")]
    ZeroThreads,
    #[error(
        "{given} with {replicates} replicates: replicate r runs with seed {base} + r, which would pass the largest seed {max}; use a base seed of at most {last_base}",
        max = u64::MAX,
        last_base = u64::MAX - u64::from(*replicates - 1)
    )]
    SeedRange {
        /// `--seed N` or `<file>: seed = N`.
        given: String,
        base: u64,
        replicates: u32,
    },
    #[error(
        "--shard {given}: expected K/N with 0 <= K < N (K counts from 0), for example --shard 0/4, or --shard auto"
    )]
    ShardSyntax { given: String },
    #[error(
        "{given}: {count} shards for {runs} runs ({strategies} × {replicates}); at most one shard per run"
    )]
    TooManyShards {
        given: String,
        count: u32,
        runs: usize,
        strategies: usize,
        replicates: u32,
    },
    #[error("{0}")]
    ShardEnvironment(String),
    #[error("cannot start {threads} worker threads: {reason}")]
    ThreadPool { threads: usize, reason: String },
}

impl CompareError {
    /// True when the user's input is at fault (exit code 2), false when the machine is.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, CompareError::ThreadPool { .. })
    }
}

/// How to compare: everything the command line decides.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// Replicates per strategy (R >= 1).
    pub replicates: u32,
    /// Worker threads; `None` uses every core. More than the cores or the runs is
    /// reduced to what helps (see [`ComparePlan::threads`]).
    pub threads: Option<usize>,
    /// Base seed; `None` uses the scenario's `seed`.
    pub seed: Option<u64>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            replicates: DEFAULT_REPLICATES,
            threads: None,
            seed: None,
        }
    }
}

/// One named strategy: the base scenario with its overrides merged in.
#[derive(Clone, Debug)]
pub struct Strategy {
    pub name: String,
    pub config: Config,
}

/// A validated comparison, ready to run: nothing here can fail for bad input any more.
#[derive(Clone, Debug)]
pub struct ComparePlan {
    /// The scenario's `name`.
    pub scenario: String,
    pub base_seed: u64,
    pub replicates: u32,
    /// Worker threads used: the request (every core by default) but never more than
    /// the cores or the runs, since a run is single-threaded and CPU-bound, and extra
    /// threads only cost memory and start-up (`--threads 100000` once started a
    /// hundred thousand threads for two runs).
    pub threads: usize,
    /// What `--threads` asked for, when it was more than [`ComparePlan::threads`].
    pub threads_reduced_from: Option<usize>,
    /// In file order; the first is the baseline.
    pub strategies: Vec<Strategy>,
}

/// The seed of replicate `r`, the same for every strategy (common random numbers).
/// [`ComparePlan::from_file`] rejects a base seed whose replicates would pass
/// `u64::MAX`, so the wrap-around here never happens in a plan; it is kept so that the
/// function is total.
pub fn replicate_seed(base_seed: u64, replicate: u32) -> u64 {
    base_seed.wrapping_add(u64::from(replicate))
}

impl ComparePlan {
    /// Validates the scenario (base and every strategy) and the options.
    pub fn from_file(file: &ScenarioFile, options: &CompareOptions) -> Result<Self, CompareError> {
        let base = file.resolve()?;
        let strategies = file.strategies()?;
        if strategies.is_empty() {
            return Err(CompareError::NoStrategies {
                file: file.path().to_path_buf(),
            });
        }
        if let Some((name, config)) = strategies.iter().find(|(_, c)| c.seed != base.seed) {
            return Err(CompareError::StrategySeed {
                file: file.path().to_path_buf(),
                name: name.clone(),
                seed: config.seed,
            });
        }
        if options.replicates == 0 {
            return Err(CompareError::ZeroReplicates);
        }
        if options.replicates > MAX_REPLICATES {
            return Err(CompareError::TooManyReplicates {
                replicates: options.replicates,
            });
        }
        let base_seed = options.seed.unwrap_or(base.seed);
        // Seeds that wrap past u64::MAX would print as a backwards range and repeat
        // seeds 0, 1, ... of another comparison: refused rather than wrapped.
        if base_seed
            .checked_add(u64::from(options.replicates - 1))
            .is_none()
        {
            return Err(CompareError::SeedRange {
                given: match options.seed {
                    Some(seed) => format!("--seed {seed}"),
                    None => format!("{}: seed = {base_seed}", file.path().display()),
                },
                base: base_seed,
                replicates: options.replicates,
            });
        }
        let runs = strategies.len() * options.replicates as usize;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let requested = match options.threads {
            Some(0) => return Err(CompareError::ZeroThreads),
            Some(n) => n,
            None => cores,
        };
        let threads = requested.min(cores).min(runs).max(1);
        Ok(ComparePlan {
            scenario: base.name.clone(),
            base_seed,
            replicates: options.replicates,
            threads,
            threads_reduced_from: options.threads.filter(|&n| n > threads),
            strategies: strategies
                .into_iter()
                .map(|(name, config)| Strategy { name, config })
                .collect(),
        })
    }

    /// Number of simulation runs: strategies × replicates.
    pub fn runs(&self) -> usize {
        self.strategies.len() * self.replicates as usize
    }
}

/// One finished run.
#[derive(Clone, Debug)]
pub struct Replicate {
    pub strategy: usize,
    pub replicate: u32,
    pub seed: u64,
    pub summary: Summary,
}

/// What a comparison keeps of one run: the numbers its files show and nothing else.
/// Runs made on this machine and runs read back from shards made elsewhere become the
/// same records, and from there one path ([`Comparison::new`], then the exporters)
/// writes the files, which is why a merged comparison is byte-identical to an
/// unsharded one. Keeping the whole [`Summary`] instead was rejected: it would have to
/// be read back from JSON too, and the comparison uses a tenth of it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    pub strategy: usize,
    pub replicate: u32,
    pub seed: u64,
    pub events: u64,
    pub requests: RequestCounts,
    /// [`Metric::of`] the run's summary, unrounded, in [`Metric::ALL`] order.
    pub values: [f64; Metric::ALL.len()],
}

impl RunRecord {
    pub fn of(run: &Replicate) -> Self {
        RunRecord {
            strategy: run.strategy,
            replicate: run.replicate,
            seed: run.seed,
            events: run.summary.events,
            requests: run.summary.requests,
            values: Metric::ALL.map(|m| m.of(&run.summary)),
        }
    }

    /// The metric's value in this run, unrounded.
    pub fn value(&self, metric: Metric) -> f64 {
        self.values[metric.index()]
    }
}

/// The strategy × replicate grid of a comparison, as its files name it: what a shard
/// records and a merge checks, without the configurations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// The scenario's `name`.
    pub scenario: String,
    pub base_seed: u64,
    pub replicates: u32,
    /// Strategy names in file order; the first is the baseline.
    pub strategies: Vec<String>,
}

impl Grid {
    /// Number of runs: strategies × replicates.
    pub fn runs(&self) -> usize {
        self.strategies.len() * self.replicates as usize
    }

    /// The (strategy, replicate) of the run at `index` in grid order (strategy, then
    /// replicate).
    pub fn cell(&self, index: usize) -> (usize, u32) {
        let r = self.replicates as usize;
        (index / r, (index % r) as u32)
    }
}

/// Part `index` of `count` of a comparison's grid (`--shard K/N`).
///
/// Shard K runs the grid's runs K, K + N, K + 2N, ... (in grid order) rather than a
/// contiguous block: strategies can differ a lot in run time (a fleet of 20 against
/// one of 2), and striding gives every shard its share of each strategy, so the array
/// job ends when its average shard does rather than its unluckiest. Any N up to the
/// number of runs is allowed; the shards then differ by at most one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `K/N` as typed after `--shard`.
    pub fn parse(text: &str) -> Result<Shard, CompareError> {
        let bad = || CompareError::ShardSyntax {
            given: text.to_string(),
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The shard of an array job, from its engine's variables (`--shard auto`): Slurm
    /// (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, counted from
    /// `SLURM_ARRAY_TASK_MIN` when set, so `--array=1-4` works too), AWS Batch
    /// (`AWS_BATCH_JOB_ARRAY_INDEX`, `AWS_BATCH_JOB_ARRAY_SIZE`) or a Kubernetes
    /// Indexed Job (`JOB_COMPLETION_INDEX`; it has no count variable, so N is
    /// `shards`, from `--shards`). `shards`, when given, must agree with the engine's
    /// count. `var` looks a variable up (the environment, in the binary).
    pub fn from_environment(
        var: &dyn Fn(&str) -> Option<String>,
        shards: Option<u32>,
    ) -> Result<Shard, CompareError> {
        let fail = |text: String| CompareError::ShardEnvironment(format!("--shard auto: {text}"));
        let number = |name: &str| -> Result<Option<u32>, CompareError> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| {
                    fail(format!(
                        "{name}={v:?} is not a whole number from 0 to {}",
                        u32::MAX
                    ))
                }),
            }
        };
        let engines: [(&str, &str, Option<&str>); 3] = [
            (
                "SLURM_ARRAY_TASK_ID",
                "SLURM_ARRAY_TASK_COUNT",
                Some("SLURM_ARRAY_TASK_MIN"),
            ),
            (
                "AWS_BATCH_JOB_ARRAY_INDEX",
                "AWS_BATCH_JOB_ARRAY_SIZE",
                None,
            ),
            ("JOB_COMPLETION_INDEX", "", None),
        ];
        for (index_var, count_var, min_var) in engines {
            let Some(id) = number(index_var)? else {
                continue;
            };
            let min = match min_var {
                Some(name) => number(name)?.unwrap_or(0),
                None => 0,
            };
            let count = if count_var.is_empty() {
                None
            } else {
                number(count_var)?
            };
            let count = match (count, shards) {
                (Some(c), Some(s)) if c != s => {
                    return Err(fail(format!(
                        "{count_var}={c} but --shards {s}: the array and the comparison must have the same number of parts"
                    )));
                }
                (Some(c), _) | (None, Some(c)) => c,
                (None, None) if count_var.is_empty() => {
                    return Err(fail(format!(
                        "{index_var} is set but a Kubernetes Indexed Job has no variable for the number of parts: pass --shards N (the job's completions)"
                    )));
                }
                (None, None) => {
                    return Err(fail(format!(
                        "{index_var} is set but {count_var} is not: pass --shards N"
                    )));
                }
            };
            let index = id.checked_sub(min).filter(|&k| k < count).ok_or_else(|| {
                let from = if min > 0 {
                    format!(" counted from {min}")
                } else {
                    String::new()
                };
                fail(format!(
                    "{index_var}={id}{from} is not a part of {count} (0 to {})",
                    count.saturating_sub(1)
                ))
            })?;
            return Ok(Shard { index, count });
        }
        Err(fail(
            "no array-job variables are set: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm), AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE (AWS Batch), or JOB_COMPLETION_INDEX with --shards N (Kubernetes); outside an array job use --shard K/N".to_string(),
        ))
    }

    /// The grid indices this shard runs, in grid order.
    pub fn cells(self, runs: usize) -> impl Iterator<Item = usize> {
        (self.index as usize..runs).step_by(self.count as usize)
    }

    /// `K/N`.
    pub fn label(self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

impl ComparePlan {
    /// The grid this plan runs.
    pub fn grid(&self) -> Grid {
        Grid {
            scenario: self.scenario.clone(),
            base_seed: self.base_seed,
            replicates: self.replicates,
            strategies: self.strategies.iter().map(|s| s.name.clone()).collect(),
        }
    }

    /// Checks that `shard` (from `given`, the option as typed) has at least one run.
    pub fn check_shard(&self, shard: Shard, given: &str) -> Result<(), CompareError> {
        if shard.count as usize > self.runs() {
            return Err(CompareError::TooManyShards {
                given: given.to_string(),
                count: shard.count,
                runs: self.runs(),
                strategies: self.strategies.len(),
                replicates: self.replicates,
            });
        }
        Ok(())
    }
}

/// Runs every strategy × replicate on a local pool of `plan.threads` threads and
/// returns the runs ordered by (strategy, replicate). `on_done` is called once per
/// finished run, from the worker threads (for a progress bar).
pub fn run_replicates(
    plan: &ComparePlan,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<Replicate>, CompareError> {
    let cells: Vec<usize> = (0..plan.runs()).collect();
    run_cells(plan, &cells, on_done)
}

/// Runs the grid's runs at `cells` (indices in grid order, as [`Shard::cells`] gives
/// them) and returns them in that order.
pub fn run_cells(
    plan: &ComparePlan,
    cells: &[usize],
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<Replicate>, CompareError> {
    let threads = plan.threads.min(cells.len()).max(1);
    // A local pool rather than rayon's global one: the thread count is the user's
    // choice for this comparison, and a library must not configure global state.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("simcloud-compare-{i}"))
        .build()
        .map_err(|e| CompareError::ThreadPool {
            threads,
            reason: e.to_string(),
        })?;
    let grid = plan.grid();
    // An indexed parallel iterator collects into input order, whichever thread
    // finishes first; `with_max_len(1)` lets idle threads steal single runs, which
    // matters because strategies can differ a lot in run time.
    let runs = pool.install(|| {
        cells
            .par_iter()
            .with_max_len(1)
            .map(|&cell| {
                let (s, r) = grid.cell(cell);
                let mut config = plan.strategies[s].config.clone();
                config.seed = replicate_seed(plan.base_seed, r);
                let outcome = simulate(&config, &mut |_row| {});
                on_done();
                Replicate {
                    strategy: s,
                    replicate: r,
                    seed: config.seed,
                    summary: outcome.summary,
                }
            })
            .collect::<Vec<_>>()
    });
    Ok(runs)
}

/// Validates nothing more, runs everything and summarises: [`run_replicates`] then
/// [`Comparison::new`].
pub fn run(plan: &ComparePlan, on_done: &(dyn Fn() + Sync)) -> Result<Comparison, CompareError> {
    let runs = run_replicates(plan, on_done)?;
    Ok(Comparison::new(
        &plan.grid(),
        runs.iter().map(RunRecord::of).collect(),
    ))
}

// ----- metrics ------------------------------------------------------------------

/// A quantity measured on every run and compared across strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    TotalCost,
    CostPerMillionRequests,
    P50,
    P99,
    SloAttainment,
    RejectedRate,
    TimedOutRate,
    InterruptedRate,
    InstanceHours,
    /// One part of the bill, so that every part is compared (see [`BillPart`]).
    Cost(BillPart),
}

impl Metric {
    /// Every metric, in the order of the output files.
    pub const ALL: [Metric; 17] = [
        Metric::TotalCost,
        Metric::CostPerMillionRequests,
        Metric::P50,
        Metric::P99,
        Metric::SloAttainment,
        Metric::RejectedRate,
        Metric::TimedOutRate,
        Metric::InterruptedRate,
        Metric::InstanceHours,
        Metric::Cost(BillPart::OnDemand),
        Metric::Cost(BillPart::Spot),
        Metric::Cost(BillPart::Reserved),
        Metric::Cost(BillPart::SavingsPlan),
        Metric::Cost(BillPart::WarmPool),
        Metric::Cost(BillPart::LoadBalancer),
        Metric::Cost(BillPart::Lambda),
        Metric::Cost(BillPart::ApiGateway),
    ];

    /// Position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        Metric::ALL
            .iter()
            .position(|&m| m == self)
            .expect("every metric is in ALL")
    }

    /// The name in `compare.csv`, `compare.json` and `replicates.csv`.
    pub fn key(self) -> &'static str {
        match self {
            Metric::TotalCost => "total_cost_usd",
            Metric::CostPerMillionRequests => "cost_per_million_requests_usd",
            Metric::P50 => "p50_ms",
            Metric::P99 => "p99_ms",
            Metric::SloAttainment => "slo_attainment",
            Metric::RejectedRate => "rejected_rate",
            Metric::TimedOutRate => "timed_out_rate",
            Metric::InterruptedRate => "interrupted_rate",
            Metric::InstanceHours => "instance_hours",
            Metric::Cost(part) => part.metric_key(),
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::TotalCost | Metric::CostPerMillionRequests | Metric::Cost(_) => "USD",
            Metric::P50 | Metric::P99 => "ms",
            Metric::SloAttainment
            | Metric::RejectedRate
            | Metric::TimedOutRate
            | Metric::InterruptedRate => "fraction",
            Metric::InstanceHours => "hours",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Metric::TotalCost => "the whole bill of the run",
            Metric::CostPerMillionRequests => "total cost / arrived requests × 1,000,000",
            Metric::P50 => "median latency of completed requests",
            Metric::P99 => "99th percentile latency of completed requests",
            Metric::SloAttainment => {
                "share of finished requests answered within the SLO latency (errors count as misses)"
            }
            Metric::RejectedRate => "503s (no healthy target or queue full) / arrived",
            Metric::TimedOutRate => "504s (slower than the idle timeout) / arrived",
            Metric::InterruptedRate => "requests cut off by a stopping instance / arrived",
            Metric::InstanceHours => "instance-hours billed",
            Metric::Cost(part) => part.description(),
        }
    }

    /// Decimals kept in every output; the one place where comparison precision is set.
    pub fn decimals(self) -> usize {
        match self {
            Metric::P50 | Metric::P99 => 3,
            _ => 6,
        }
    }

    /// The metric's value in one run. Rates over zero arrivals are 0, never NaN.
    pub fn of(self, s: &Summary) -> f64 {
        let r = &s.requests;
        let per_arrived = |n: u64| {
            if r.arrived == 0 {
                0.0
            } else {
                n as f64 / r.arrived as f64
            }
        };
        match self {
            Metric::TotalCost => s.cost_usd.total,
            // Per *arrived* request rather than per completed one: under common random
            // numbers every strategy sees the same arrivals, so this column differs
            // across strategies exactly as the total cost does, and a strategy that
            // drops requests does not look cheaper per request for it.
            Metric::CostPerMillionRequests => per_arrived(1_000_000) * s.cost_usd.total,
            Metric::P50 => s.latency_ms.p50,
            Metric::P99 => s.latency_ms.p99,
            Metric::SloAttainment => s.slo.attainment,
            Metric::RejectedRate => per_arrived(r.rejected),
            Metric::TimedOutRate => per_arrived(r.timed_out),
            Metric::InterruptedRate => per_arrived(r.interrupted),
            Metric::InstanceHours => s.instance_hours(),
            Metric::Cost(part) => part.of(&s.cost_usd),
        }
    }

    /// The value rounded to [`Metric::decimals`], as every output shows it.
    pub fn round(self, x: f64) -> f64 {
        round_to(x, self.decimals() as i32)
    }
}

// ----- statistics ---------------------------------------------------------------

/// A mean with its 95 % confidence interval; `std_dev` and `half_width` are `None`
/// when there is a single value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator).
    pub std_dev: Option<f64>,
    /// `t(0.975, n − 1) · std_dev / √n`.
    pub half_width: Option<f64>,
}

impl Estimate {
    /// Mean and 95 % Student-t interval of `values` (at least one). Sums run in index
    /// order with a two-pass variance, so the result depends only on the values.
    pub fn of(values: &[f64]) -> Self {
        assert!(!values.is_empty(), "an estimate needs at least one value");
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                mean,
                std_dev: None,
                half_width: None,
            };
        }
        let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let std_dev = (squares / (n - 1) as f64).sqrt();
        let half_width = t_quantile_975((n - 1) as u64) * std_dev / (n as f64).sqrt();
        Estimate {
            mean,
            std_dev: Some(std_dev),
            half_width: Some(half_width),
        }
    }

    /// The interval `(low, high)`, when there is one.
    pub fn ci(&self) -> Option<(f64, f64)> {
        self.half_width.map(|h| (self.mean - h, self.mean + h))
    }

    /// True when the interval excludes zero (a difference that is not luck at 95 %).
    pub fn excludes_zero(&self) -> bool {
        self.ci().is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }

    fn rounded(self, decimals: usize) -> Self {
        let r = |x: f64| round_to(x, decimals as i32);
        Estimate {
            mean: r(self.mean),
            std_dev: self.std_dev.map(r),
            half_width: self.half_width.map(r),
        }
    }
}

/// The 0.975 quantile of Student's t distribution with `df` degrees of freedom (the
/// factor of a two-sided 95 % interval), to about 1e-12.
///
/// For integer degrees of freedom the t distribution function has a closed form in
/// θ = atan(t / √ν) (Abramowitz & Stegun 26.7.3): the probability of |T| < t is
/// - ν odd:  (2/π) [θ + sin θ (cos θ + ⅔ cos³θ + … + (2·4⋯(ν−3))/(1·3⋯(ν−2)) cos^{ν−2}θ)]
///   (just 2θ/π for ν = 1),
/// - ν even: sin θ [1 + ½ cos²θ + (1·3)/(2·4) cos⁴θ + … + (1·3⋯(ν−3))/(2·4⋯(ν−2)) cos^{ν−2}θ].
///
/// It is increasing in t, so bisection finds where it equals 0.95. This was preferred
/// to a printed table (which stops somewhere) and to the Cornish–Fisher expansion
/// (inaccurate for few degrees of freedom, which is exactly where compare lives).
pub fn t_quantile_975(df: u64) -> f64 {
    assert!(df >= 1, "Student t needs at least one degree of freedom");
    let (mut lo, mut hi) = (0.0f64, 64.0f64); // t(0.975, 1) = 12.71 is the largest
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_two_sided_mass(mid, df) < CONFIDENCE {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// P(|T| < t) for Student's t with `df` degrees of freedom (A&S 26.7.3).
fn t_two_sided_mass(t: f64, df: u64) -> f64 {
    let theta = (t / (df as f64).sqrt()).atan();
    let (sin, cos) = theta.sin_cos();
    let cos2 = cos * cos;
    if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = cos;
            sum = term;
            for k in 1..=(df - 3) / 2 {
                term *= cos2 * (2 * k) as f64 / (2 * k + 1) as f64;
                sum += term;
            }
        }
        std::f64::consts::FRAC_2_PI * (theta + sin * sum)
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..=(df - 2) / 2 {
            term *= cos2 * (2 * k - 1) as f64 / (2 * k) as f64;
            sum += term;
        }
        sin * sum
    }
}

/// Which points are Pareto-optimal when lower is better on both axes: a point is
/// dominated if another is no worse on both and strictly better on one. Equal points
/// are all optimal.
pub fn pareto_optimal(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .map(|&(x, y)| {
            !points
                .iter()
                .any(|&(a, b)| a <= x && b <= y && (a < x || b < y))
        })
        .collect()
}

// ----- the comparison record ------------------------------------------------------

/// One metric of one strategy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricResult {
    pub metric: Metric,
    /// Over the strategy's replicates.
    pub estimate: Estimate,
    /// Of the per-replicate differences (this strategy − the baseline), paired by
    /// replicate. Exactly zero for the baseline itself.
    pub diff: Estimate,
}

/// Everything compared about one strategy.
#[derive(Clone, Debug)]
pub struct StrategyResult {
    /// Position in the file; 0 is the baseline.
    pub index: usize,
    pub name: String,
    /// In [`Metric::ALL`] order.
    pub metrics: Vec<MetricResult>,
    /// No other strategy has both a lower (or equal) mean cost and a lower (or equal)
    /// mean p99, with one of them strictly lower.
    pub pareto_optimal: bool,
}

impl StrategyResult {
    pub fn get(&self, metric: Metric) -> &MetricResult {
        &self.metrics[metric.index()]
    }

    /// Mean total cost and its 95 % interval (for charts).
    pub fn cost(&self) -> Estimate {
        self.get(Metric::TotalCost).estimate
    }

    /// Mean p99 latency and its 95 % interval (for charts).
    pub fn p99(&self) -> Estimate {
        self.get(Metric::P99).estimate
    }

    /// Mean cost by part of the bill, in a fixed order (for stacked charts).
    pub fn cost_breakdown(&self) -> [(&'static str, f64); 8] {
        BillPart::ALL.map(|part| (part.key(), self.get(Metric::Cost(part)).estimate.mean))
    }
}

/// The one record of a comparison: every exporter and the terminal table read it.
/// Nothing in it depends on the thread count or the wall clock.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub scenario: String,
    pub simcloud_version: String,
    pub base_seed: u64,
    pub replicates: u32,
    /// In file order; `strategies[0]` is the baseline.
    pub strategies: Vec<StrategyResult>,
    /// Every run, ordered by (strategy, replicate).
    pub runs: Vec<RunRecord>,
}

impl Comparison {
    /// Summarises `runs`, which must be ordered by (strategy, replicate) as
    /// [`run_replicates`] returns them. The one way from runs to a comparison, for a
    /// local comparison and for a merge of shards alike.
    pub fn new(grid: &Grid, runs: Vec<RunRecord>) -> Self {
        let r = grid.replicates as usize;
        assert_eq!(
            runs.len(),
            grid.runs(),
            "one run per strategy and replicate"
        );
        for (i, run) in runs.iter().enumerate() {
            assert_eq!(
                (run.strategy, run.replicate as usize),
                (i / r, i % r),
                "runs are in input order"
            );
        }
        // values[s][m][r]: metric m of replicate r of strategy s, rounded as shown.
        let values: Vec<Vec<Vec<f64>>> = runs
            .chunks(r)
            .map(|chunk| {
                Metric::ALL
                    .iter()
                    .map(|&m| chunk.iter().map(|run| m.round(run.value(m))).collect())
                    .collect()
            })
            .collect();
        let mut strategies: Vec<StrategyResult> = values
            .iter()
            .enumerate()
            .map(|(s, per_metric)| StrategyResult {
                index: s,
                name: grid.strategies[s].clone(),
                metrics: Metric::ALL
                    .iter()
                    .enumerate()
                    .map(|(mi, &metric)| {
                        let own = &per_metric[mi];
                        let baseline = &values[0][mi];
                        let diffs: Vec<f64> =
                            own.iter().zip(baseline).map(|(x, b)| x - b).collect();
                        MetricResult {
                            metric,
                            estimate: Estimate::of(own).rounded(metric.decimals()),
                            diff: Estimate::of(&diffs).rounded(metric.decimals()),
                        }
                    })
                    .collect(),
                pareto_optimal: false,
            })
            .collect();
        let points: Vec<(f64, f64)> = strategies
            .iter()
            .map(|s| (s.cost().mean, s.p99().mean))
            .collect();
        for (s, optimal) in strategies.iter_mut().zip(pareto_optimal(&points)) {
            s.pareto_optimal = optimal;
        }
        Comparison {
            scenario: grid.scenario.clone(),
            simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
            base_seed: grid.base_seed,
            replicates: grid.replicates,
            strategies,
            runs,
        }
    }

    pub fn baseline(&self) -> &StrategyResult {
        &self.strategies[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published 0.975 quantiles of Student's t (e.g. NIST/SEMATECH e-Handbook,
    /// table 1.3.6.7.2), to the 7 decimals printed there or more.
    #[test]
    fn t_quantile_matches_published_values() {
        let known = [
            (1, 12.706_204_7),
            (2, 4.302_652_7),
            (3, 3.182_446_3),
            (4, 2.776_445_1),
            (5, 2.570_581_8),
            (9, 2.262_157_2),
            (10, 2.228_138_9),
            (19, 2.093_024_1),
            (29, 2.045_229_6),
            (30, 2.042_272_5),
            (60, 2.000_297_8),
            (120, 1.979_930_4),
        ];
        for (df, t) in known {
            let got = t_quantile_975(df);
            assert!((got - t).abs() < 1e-6, "df {df}: {got} vs {t}");
        }
        // Large df tends to the normal quantile 1.959964.
        assert!((t_quantile_975(100_000) - 1.959_964).abs() < 1e-4);
    }

    /// The closed form agrees with the distribution functions known in elementary
    /// terms: ν = 1 is Cauchy (P(|T| < 1) = 1/2) and ν = 2 has P(|T| < t) = t/√(t²+2).
    #[test]
    fn t_mass_closed_form_special_cases() {
        assert!((t_two_sided_mass(1.0, 1) - 0.5).abs() < 1e-15);
        let t: f64 = 3.0;
        assert!((t_two_sided_mass(t, 2) - t / (t * t + 2.0).sqrt()).abs() < 1e-15);
    }

    /// Values 1..5: mean 3; s² = (4 + 1 + 0 + 1 + 4) / 4 = 2.5, s = 1.581139;
    /// t(0.975, 4) = 2.776445; half-width = 2.776445 × 1.581139 / √5 = 1.963243.
    #[test]
    fn half_width_of_a_hand_computed_example() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        assert!((e.std_dev.unwrap() - 1.581_139).abs() < 1e-6);
        assert!((e.half_width.unwrap() - 1.963_243).abs() < 1e-6);
        let (lo, hi) = e.ci().unwrap();
        assert!((lo - 1.036_757).abs() < 1e-6 && (hi - 4.963_243).abs() < 1e-6);
        assert!(e.excludes_zero());
    }

    #[test]
    fn one_value_has_no_interval_and_identical_values_a_zero_one() {
        let e = Estimate::of(&[7.5]);
        assert_eq!(
            (e.mean, e.std_dev, e.half_width, e.ci()),
            (7.5, None, None, None)
        );
        let e = Estimate::of(&[0.0, 0.0, 0.0]);
        assert_eq!((e.mean, e.half_width), (0.0, Some(0.0)));
        assert!(!e.excludes_zero());
    }

    /// (1, 5) and (5, 1) trade off; (3, 3) is on the front; (4, 4) is dominated by
    /// (3, 3); (1, 5) twice: equal points are both optimal; (2, 5) is dominated by (1, 5).
    #[test]
    fn pareto_front_lower_is_better_on_both_axes() {
        let points = [
            (1.0, 5.0),
            (5.0, 1.0),
            (3.0, 3.0),
            (4.0, 4.0),
            (1.0, 5.0),
            (2.0, 5.0),
        ];
        assert_eq!(
            pareto_optimal(&points),
            vec![true, true, true, false, true, false]
        );
    }

    #[test]
    fn every_part_of_the_bill_is_a_metric() {
        for part in BillPart::ALL {
            assert!(Metric::ALL.contains(&Metric::Cost(part)), "{part:?}");
        }
    }

    /// Every run belongs to exactly one shard, for any number of shards, and shards
    /// differ by at most one run: 10 runs in 3 shards are 4, 3 and 3.
    #[test]
    fn shards_cover_the_grid_once_and_evenly() {
        for runs in 1..=12 {
            for count in 1..=runs as u32 {
                let mut seen = vec![0; runs];
                let sizes: Vec<usize> = (0..count)
                    .map(|index| {
                        let cells: Vec<usize> = Shard { index, count }.cells(runs).collect();
                        cells.iter().for_each(|&c| seen[c] += 1);
                        cells.len()
                    })
                    .collect();
                assert!(seen.iter().all(|&n| n == 1), "{runs} runs, {count} shards");
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1, "{runs} runs, {count} shards: {sizes:?}");
            }
        }
        let sizes: Vec<usize> = (0..3)
            .map(|k| Shard { index: k, count: 3 }.cells(10).count())
            .collect();
        assert_eq!(sizes, [4, 3, 3]);
    }

    #[test]
    fn shard_options_parse_and_bad_ones_are_refused() {
        assert_eq!(Shard::parse("2/7").unwrap(), Shard { index: 2, count: 7 });
        for bad in ["7/7", "0/0", "-1/3", "1", "a/b", "1/3/4"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_environment(&slurm, None).unwrap(),
            Shard { index: 3, count: 4 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(
            Shard::from_environment(&k8s, Some(6)).unwrap(),
            Shard { index: 5, count: 6 }
        );
        assert!(Shard::from_environment(&k8s, None).is_err());
        assert!(Shard::from_environment(&env(&[]), Some(6)).is_err());
    }

    #[test]
    fn replicate_seeds_are_shared_by_every_strategy() {
        assert_eq!(replicate_seed(42, 0), 42);
        assert_eq!(replicate_seed(42, 3), 45);
        assert_eq!(replicate_seed(u64::MAX, 1), 0);
    }
}
