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
use crate::model::{Config, QueueSummary, RequestCounts, Summary, round_to, simulate};
use crate::scenario::{ScenarioError, ScenarioFile};
use anyhow::Result;
use rayon::prelude::*;
use std::path::PathBuf;

pub mod optimize;
mod shard;
mod stats;

pub use shard::{Grid, Shard, Slo};
pub use stats::{Estimate, pareto_optimal, t_quantile_975};

/// Replicates per strategy when `--replicates` is not given.
pub const DEFAULT_REPLICATES: u32 = 10;

/// The most replicates per strategy. The half-width of a 95 % interval shrinks as
/// 1/√R: 10,000 replicates already pin a mean 30 times tighter than 10, far below the
/// model's own error, while a billion would hold a billion summaries in memory and run
/// for years.
pub const MAX_REPLICATES: u32 = crate::scenario::MAX_REPLICATES;

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
        Self::new(file, base.name, base.seed, strategies, options)
    }

    /// A plan for `strategies` of the scenario `file` (called `scenario`, seed
    /// `file_seed`): checks the replicates, the seeds and the threads.
    pub(crate) fn new(
        file: &ScenarioFile,
        scenario: String,
        file_seed: u64,
        strategies: Vec<(String, Config)>,
        options: &CompareOptions,
    ) -> Result<Self, CompareError> {
        if options.replicates == 0 {
            return Err(CompareError::ZeroReplicates);
        }
        if options.replicates > MAX_REPLICATES {
            return Err(CompareError::TooManyReplicates {
                replicates: options.replicates,
            });
        }
        let base_seed = options.seed.unwrap_or(file_seed);
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
            scenario,
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

    /// Each strategy's name and configuration, as the scenario printers take them.
    pub fn named_configs(&self) -> Vec<(String, Config)> {
        self.strategies
            .iter()
            .map(|s| (s.name.clone(), s.config.clone()))
            .collect()
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
    /// The groups of metrics the run has, in [`MetricGroup::ALL`] order:
    /// [`MetricGroup::General`] always, and a kind of tier's when the run has one.
    pub groups: Vec<MetricGroup>,
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
            groups: MetricGroup::ALL
                .into_iter()
                .filter(|g| g.in_summary(&run.summary))
                .collect(),
        }
    }

    /// The metric's value in this run, unrounded.
    pub fn value(&self, metric: Metric) -> f64 {
        self.values[metric.index()]
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
            slos: self.strategies.iter().map(|s| Slo::of(&s.config)).collect(),
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
    /// The total cost at this rate for a month of [`optimize::HOURS_PER_MONTH`].
    CostPerMonth,
    P50,
    P99,
    SloAttainment,
    /// 1 when the run met its SLO (`slo.met`), else 0: its mean is the share of
    /// replicates that met it.
    SloMet,
    RejectedRate,
    TimedOutRate,
    InterruptedRate,
    /// 500s: errors from a database tier (refused connections, a failover).
    FailedRate,
    InstanceHours,
    /// One part of the bill, so that every part is compared (see [`BillPart`]).
    Cost(BillPart),
    /// A batch tier's (the entry tier's, else the first's): from the first submission
    /// to the last job's end, or the run's length while jobs were unfinished.
    Makespan,
    /// A batch tier's share of jobs with a deadline that succeeded by it.
    DeadlineMet,
    /// A batch tier's bill over its succeeded jobs.
    CostPerJob,
    /// One measure of a worker tier's queue (the entry tier's, else the first's).
    Queue(QueueMeasure),
}

/// A measure of a worker tier's SQS queue, from `queue` of its `summary.json`
/// (aws-facts.md 5, 12): a metric of [`MetricGroup::Queue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueMeasure {
    /// Time in queue, from a message's sending to the receive whose processing
    /// deleted it (`time_in_queue_ms`): mean, median, 99th percentile.
    TimeInQueueMean,
    TimeInQueueP50,
    TimeInQueueP99,
    /// Messages processed (each once), receives of a message after its first,
    /// messages moved to the dead-letter queue, and messages deleted by the retention
    /// period unprocessed (`processed`, `retried`, `dead_lettered`, `expired`).
    Processed,
    Retried,
    DeadLettered,
    Expired,
    /// The most messages visible at once (`backlog_peak`).
    BacklogPeak,
}

impl QueueMeasure {
    /// Its metric key in the comparison's files.
    fn key(self) -> &'static str {
        match self {
            QueueMeasure::TimeInQueueMean => "time_in_queue_mean_ms",
            QueueMeasure::TimeInQueueP50 => "time_in_queue_p50_ms",
            QueueMeasure::TimeInQueueP99 => "time_in_queue_p99_ms",
            QueueMeasure::Processed => "messages_processed",
            QueueMeasure::Retried => "messages_retried",
            QueueMeasure::DeadLettered => "messages_dead_lettered",
            QueueMeasure::Expired => "messages_expired",
            QueueMeasure::BacklogPeak => "backlog_peak",
        }
    }

    fn label(self) -> &'static str {
        match self {
            QueueMeasure::TimeInQueueMean => "time in queue, mean",
            QueueMeasure::TimeInQueueP50 => "time in queue, p50",
            QueueMeasure::TimeInQueueP99 => "time in queue, p99",
            QueueMeasure::Processed => "processed",
            QueueMeasure::Retried => "retried",
            QueueMeasure::DeadLettered => "dead-lettered",
            QueueMeasure::Expired => "expired",
            QueueMeasure::BacklogPeak => "backlog peak",
        }
    }

    fn is_time(self) -> bool {
        matches!(
            self,
            QueueMeasure::TimeInQueueMean
                | QueueMeasure::TimeInQueueP50
                | QueueMeasure::TimeInQueueP99
        )
    }

    fn description(self) -> &'static str {
        match self {
            QueueMeasure::TimeInQueueMean => {
                "a worker tier's mean time from a message's sending to the receive whose processing deleted it"
            }
            QueueMeasure::TimeInQueueP50 => {
                "a worker tier's median time in queue of processed messages"
            }
            QueueMeasure::TimeInQueueP99 => {
                "a worker tier's 99th percentile time in queue of processed messages"
            }
            QueueMeasure::Processed => {
                "a worker tier's messages processed successfully and deleted (each once)"
            }
            QueueMeasure::Retried => "a worker tier's receives of a message after its first",
            QueueMeasure::DeadLettered => {
                "a worker tier's messages moved to the dead-letter queue after max_retries receives"
            }
            QueueMeasure::Expired => {
                "a worker tier's messages deleted by the retention period, never processed"
            }
            QueueMeasure::BacklogPeak => {
                "a worker tier's most messages visible in its queue at once"
            }
        }
    }

    /// Its value in the queue's summary.
    fn of(self, q: &QueueSummary) -> f64 {
        match self {
            QueueMeasure::TimeInQueueMean => q.time_in_queue_ms.mean,
            QueueMeasure::TimeInQueueP50 => q.time_in_queue_ms.p50,
            QueueMeasure::TimeInQueueP99 => q.time_in_queue_ms.p99,
            QueueMeasure::Processed => q.processed as f64,
            QueueMeasure::Retried => q.retried as f64,
            QueueMeasure::DeadLettered => q.dead_lettered as f64,
            QueueMeasure::Expired => q.expired as f64,
            QueueMeasure::BacklogPeak => q.backlog_peak as f64,
        }
    }
}

/// What a metric measures: what every run has, or one kind of tier's measures. A
/// comparison shows a kind of tier's metrics only when its runs have such a tier
/// ([`Metric::present_in`], [`Comparison::shown`]), so that a comparison of web tiers
/// has no columns of zeros for jobs or queues it does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricGroup {
    General,
    /// A `batch` or `emr` tier's jobs (an EMR step's containers).
    Batch,
    /// A `worker` tier's SQS queue.
    Queue,
}

impl MetricGroup {
    /// Every group, in the order of their metrics in [`Metric::ALL`].
    pub const ALL: [MetricGroup; 3] =
        [MetricGroup::General, MetricGroup::Batch, MetricGroup::Queue];

    /// The run has the group's measures: every run the general ones, a run with a
    /// tier of the kind its.
    pub fn in_summary(self, s: &Summary) -> bool {
        match self {
            MetricGroup::General => true,
            MetricGroup::Batch => s.first_batch().is_some(),
            MetricGroup::Queue => s.first_queue().is_some(),
        }
    }

    /// The group's name in `report.html`'s anchors.
    pub fn key(self) -> &'static str {
        match self {
            MetricGroup::General => "general",
            MetricGroup::Batch => "batch",
            MetricGroup::Queue => "queue",
        }
    }

    /// The heading of the group's table in the terminal and `report.html`.
    pub fn title(self) -> &'static str {
        match self {
            MetricGroup::General => "every run",
            MetricGroup::Batch => "the jobs of the batch or EMR tier",
            MetricGroup::Queue => "the worker tier's queue",
        }
    }

    /// The group's metrics, in [`Metric::ALL`] order.
    pub fn metrics(self) -> impl Iterator<Item = Metric> {
        Metric::ALL.into_iter().filter(move |m| m.group() == self)
    }
}

impl Metric {
    /// Every metric, in the order of the output files.
    pub const ALL: [Metric; 44] = [
        Metric::TotalCost,
        Metric::CostPerMillionRequests,
        Metric::CostPerMonth,
        Metric::P50,
        Metric::P99,
        Metric::SloAttainment,
        Metric::SloMet,
        Metric::RejectedRate,
        Metric::TimedOutRate,
        Metric::InterruptedRate,
        Metric::FailedRate,
        Metric::InstanceHours,
        Metric::Cost(BillPart::OnDemand),
        Metric::Cost(BillPart::Spot),
        Metric::Cost(BillPart::Reserved),
        Metric::Cost(BillPart::SavingsPlan),
        Metric::Cost(BillPart::WarmPool),
        Metric::Cost(BillPart::LoadBalancer),
        Metric::Cost(BillPart::Lambda),
        Metric::Cost(BillPart::ApiGateway),
        Metric::Cost(BillPart::Fargate),
        Metric::Cost(BillPart::FargateSpot),
        Metric::Cost(BillPart::Ecr),
        Metric::Cost(BillPart::Rds),
        Metric::Cost(BillPart::Sqs),
        Metric::Cost(BillPart::DataTransfer),
        Metric::Cost(BillPart::S3),
        Metric::Cost(BillPart::CloudFront),
        Metric::Cost(BillPart::Dedicated),
        Metric::Cost(BillPart::CapacityReservation),
        Metric::Cost(BillPart::Route53),
        Metric::Cost(BillPart::CpuCredits),
        Metric::Cost(BillPart::Emr),
        // A kind of tier's measures come last, group by group (in
        // [`MetricGroup::ALL`] order): a comparison without such a tier leaves them out
        // of every file ([`Comparison::shown`]).
        Metric::Makespan,
        Metric::DeadlineMet,
        Metric::CostPerJob,
        Metric::Queue(QueueMeasure::TimeInQueueMean),
        Metric::Queue(QueueMeasure::TimeInQueueP50),
        Metric::Queue(QueueMeasure::TimeInQueueP99),
        Metric::Queue(QueueMeasure::Processed),
        Metric::Queue(QueueMeasure::Retried),
        Metric::Queue(QueueMeasure::DeadLettered),
        Metric::Queue(QueueMeasure::Expired),
        Metric::Queue(QueueMeasure::BacklogPeak),
    ];

    /// What the metric measures: a kind of tier's measure is 0 in a run without one,
    /// and shown only in a comparison of runs that have one.
    pub fn group(self) -> MetricGroup {
        match self {
            Metric::Makespan | Metric::DeadlineMet | Metric::CostPerJob => MetricGroup::Batch,
            Metric::Queue(_) => MetricGroup::Queue,
            // Listed rather than `_`: a new metric does not compile until its group is
            // chosen here.
            Metric::TotalCost
            | Metric::CostPerMillionRequests
            | Metric::CostPerMonth
            | Metric::P50
            | Metric::P99
            | Metric::SloAttainment
            | Metric::SloMet
            | Metric::RejectedRate
            | Metric::TimedOutRate
            | Metric::InterruptedRate
            | Metric::FailedRate
            | Metric::InstanceHours
            | Metric::Cost(_) => MetricGroup::General,
        }
    }

    /// Whether `run` has something to show in this metric: a kind of tier's measure
    /// when the run has such a tier ([`MetricGroup`]); a part of the bill when the run
    /// paid some of it, to the decimals shown (SPEC fixes no columns of the
    /// comparison's files, and a column of zeros for each of the twenty parts a web
    /// tier never pays buried the parts it does); any other metric always. A
    /// comparison shows a metric when one of its runs has it ([`Comparison::shown`]):
    /// a decision made from the runs alone, so a merge of shards, which has every run,
    /// makes the same one.
    pub fn present_in(self, run: &RunRecord) -> bool {
        match self {
            Metric::Cost(_) => self.round(run.value(self)) != 0.0,
            _ => run.groups.contains(&self.group()),
        }
    }

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
            Metric::CostPerMonth => "cost_per_month_usd",
            Metric::P50 => "p50_ms",
            Metric::P99 => "p99_ms",
            Metric::SloAttainment => "slo_attainment",
            Metric::SloMet => "slo_met",
            Metric::RejectedRate => "rejected_rate",
            Metric::TimedOutRate => "timed_out_rate",
            Metric::InterruptedRate => "interrupted_rate",
            Metric::FailedRate => "failed_rate",
            Metric::InstanceHours => "instance_hours",
            Metric::Cost(part) => part.metric_key(),
            Metric::Makespan => "makespan_s",
            Metric::DeadlineMet => "deadline_met",
            Metric::CostPerJob => "cost_per_job_usd",
            Metric::Queue(q) => q.key(),
        }
    }

    /// A short name for people: a column of the terminal's and `report.html`'s tables.
    pub fn label(self) -> &'static str {
        match self {
            Metric::TotalCost => "total cost",
            Metric::CostPerMillionRequests => "cost per million requests",
            Metric::CostPerMonth => "cost per month at this rate",
            Metric::P50 => "p50",
            Metric::P99 => "p99",
            Metric::SloAttainment => "SLO attained",
            Metric::SloMet => "SLO met",
            Metric::RejectedRate => "rejected",
            Metric::TimedOutRate => "timed out",
            Metric::InterruptedRate => "interrupted",
            Metric::FailedRate => "failed",
            Metric::InstanceHours => "instance-hours",
            Metric::Cost(part) => part.label(),
            Metric::Makespan => "makespan",
            Metric::DeadlineMet => "deadline met",
            Metric::CostPerJob => "cost per job",
            Metric::Queue(q) => q.label(),
        }
    }

    /// How the terminal and `report.html` print the metric's estimates: the factor,
    /// the unit after it, and the decimals (fractions as percent; a queue's times in
    /// seconds, as its sentence in the run's report has them, since a backlog holds
    /// messages for minutes; a batch's makespan in hours). The files keep
    /// [`Metric::unit`] and [`Metric::decimals`].
    pub fn display(self) -> (f64, &'static str, usize) {
        match self {
            Metric::Queue(q) if q.is_time() => return (1e-3, "s", 2),
            Metric::Makespan => return (1.0 / 3600.0, "h", 2),
            _ => {}
        }
        match self.unit() {
            "fraction" => (100.0, "%", 2),
            "USD" => (1.0, "$", 4),
            "hours" => (1.0, "h", 2),
            unit => (1.0, unit, 1),
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::TotalCost
            | Metric::CostPerMillionRequests
            | Metric::CostPerMonth
            | Metric::Cost(_)
            | Metric::CostPerJob => "USD",
            Metric::Makespan => "s",
            Metric::DeadlineMet => "fraction",
            Metric::Queue(q) if q.is_time() => "ms",
            Metric::Queue(_) => "messages",
            Metric::P50 | Metric::P99 => "ms",
            Metric::SloAttainment
            | Metric::SloMet
            | Metric::RejectedRate
            | Metric::TimedOutRate
            | Metric::InterruptedRate
            | Metric::FailedRate => "fraction",
            Metric::InstanceHours => "hours",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Metric::TotalCost => "the whole bill of the run",
            Metric::CostPerMillionRequests => "total cost / arrived requests × 1,000,000",
            Metric::CostPerMonth => {
                "total cost × 730 hours / simulated hours: a month (AWS Pricing Calculator's 730 hours) at this rate"
            }
            Metric::P50 => "median latency of completed requests",
            Metric::P99 => "99th percentile latency of completed requests",
            Metric::SloAttainment => {
                "share of finished requests answered within the SLO latency (errors count as misses)"
            }
            Metric::SloMet => {
                "1 if the run met its SLO (summary.json's slo.met), else 0: the mean is the share of replicates that met it"
            }
            Metric::RejectedRate => "503s (no healthy target or queue full) / arrived",
            Metric::TimedOutRate => "504s (slower than the idle timeout) / arrived",
            Metric::InterruptedRate => "requests cut off by a stopping instance / arrived",
            Metric::FailedRate => "500s (a database refused a connection or failed over) / arrived",
            Metric::InstanceHours => "instance-hours billed",
            Metric::Cost(part) => part.description(),
            Metric::Makespan => {
                "a batch tier's first submission to its last job's end (the run's length if jobs were unfinished)"
            }
            Metric::DeadlineMet => {
                "a batch tier's jobs with a deadline that succeeded by it / jobs with a deadline"
            }
            Metric::CostPerJob => "a batch tier's bill / its succeeded jobs",
            Metric::Queue(q) => q.description(),
        }
    }

    /// Decimals kept in every output; the one place where comparison precision is set.
    /// Times in milliseconds and seconds keep the summary's 3 (so a replicate's value
    /// is the summary's, digit for digit); counts of messages 3 too, which is enough
    /// for a mean over replicates.
    pub fn decimals(self) -> usize {
        match self.unit() {
            "ms" | "s" | "messages" => 3,
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
            Metric::CostPerMonth => {
                optimize::per_month(s.cost_usd.total, s.simulated_seconds / 3600.0)
            }
            Metric::P50 => s.latency_ms.p50,
            Metric::P99 => s.latency_ms.p99,
            Metric::SloAttainment => s.slo.attainment,
            Metric::SloMet => f64::from(u8::from(s.slo.met)),
            Metric::RejectedRate => per_arrived(r.rejected),
            Metric::TimedOutRate => per_arrived(r.timed_out),
            Metric::InterruptedRate => per_arrived(r.interrupted),
            Metric::FailedRate => per_arrived(r.failed),
            Metric::InstanceHours => s.instance_hours(),
            Metric::Cost(part) => part.of(&s.cost_usd),
            Metric::Makespan | Metric::DeadlineMet | Metric::CostPerJob => {
                let Some(b) = s.first_batch() else {
                    return 0.0;
                };
                // Numbers in every run (a comparison's estimates and equality need
                // them): no deadline is none missed, and with no job succeeded the
                // cost per job is the whole bill.
                match self {
                    Metric::Makespan => b.makespan_s.unwrap_or(s.simulated_seconds),
                    Metric::DeadlineMet => b.deadline_met_percent.map_or(1.0, |p| p / 100.0),
                    _ => b.cost_per_job_usd.unwrap_or(b_cost(s)),
                }
            }
            Metric::Queue(q) => s.first_queue().map_or(0.0, |queue| q.of(queue)),
        }
    }

    /// The value rounded to [`Metric::decimals`], as every output shows it.
    pub fn round(self, x: f64) -> f64 {
        round_to(x, self.decimals() as i32)
    }
}

/// The metrics a comparison of `runs` shows, in [`Metric::ALL`] order: those one of
/// the runs has ([`Metric::present_in`]).
fn shown(runs: &[RunRecord]) -> Vec<Metric> {
    Metric::ALL
        .into_iter()
        .filter(|m| runs.iter().any(|r| m.present_in(r)))
        .collect()
}

/// The bill of a run's batch tiers' summary: the run's whole bill (a batch tier is
/// normally the run's only tier).
fn b_cost(s: &Summary) -> f64 {
    s.cost_usd.total
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
    /// In [`Metric::ALL`] order: the metrics the comparison shows
    /// ([`Comparison::shown`]), and only those.
    pub metrics: Vec<MetricResult>,
    /// No other strategy is no worse on both cost and p99 and better on one, better
    /// and worse judged on paired 95 % intervals ([`pareto_optimal`]).
    pub pareto_optimal: bool,
}

impl StrategyResult {
    /// A metric the comparison shows; asking for another is a bug. Every metric of
    /// [`MetricGroup::General`] but the parts of the bill is always shown.
    pub fn get(&self, metric: Metric) -> &MetricResult {
        self.metrics
            .iter()
            .find(|m| m.metric == metric)
            .unwrap_or_else(|| panic!("{metric:?} is not shown in this comparison"))
    }

    /// Mean total cost and its 95 % interval (for charts).
    pub fn cost(&self) -> Estimate {
        self.get(Metric::TotalCost).estimate
    }

    /// Mean p99 latency and its 95 % interval (for charts).
    pub fn p99(&self) -> Estimate {
        self.get(Metric::P99).estimate
    }

    /// Mean cost by part of the bill, in bill order, for the parts the comparison shows
    /// (for stacked charts; the others are 0 in every run).
    pub fn cost_breakdown(&self) -> Vec<(&'static str, f64)> {
        self.metrics
            .iter()
            .filter_map(|m| match m.metric {
                Metric::Cost(part) => Some((part.key(), m.estimate.mean)),
                _ => None,
            })
            .collect()
    }
}

/// The share of replicates in which a strategy must meet its SLO to be recommended.
pub const SLO_MET_SHARE: f64 = 0.95;

/// A comparison's answer to "which strategy should I buy": the cheapest (mean total
/// cost) of the strategies that met their SLO in at least [`SLO_MET_SHARE`] of their
/// replicates, and those whose cost it cannot be told apart from (the paired 95 %
/// interval of the cost difference, replicate by replicate under common random
/// numbers, contains 0). With none meeting it: the strategy that met it most often.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The recommended strategy, when one met the SLO often enough.
    pub chosen: Option<usize>,
    /// Strategies meeting the SLO as often, not significantly dearer than `chosen`.
    pub ties: Vec<usize>,
    /// Without a choice: the strategy that met the SLO in the most replicates (the
    /// cheaper on ties).
    pub best_effort: usize,
}

impl Comparison {
    /// Replicates of strategy `s` that met the SLO.
    pub fn slo_met(&self, s: usize) -> u32 {
        self.runs
            .iter()
            .filter(|r| r.strategy == s && r.value(Metric::SloMet) == 1.0)
            .count() as u32
    }

    /// The paired 95 % interval of strategy `b`'s total cost minus `a`'s.
    pub fn cost_difference(&self, b: usize, a: usize) -> Option<(f64, f64)> {
        let cost = |s: usize| self.runs.iter().filter(move |r| r.strategy == s);
        let diffs: Vec<f64> = cost(b)
            .zip(cost(a))
            .map(|(rb, ra)| rb.value(Metric::TotalCost) - ra.value(Metric::TotalCost))
            .collect();
        Estimate::of(&diffs).ci()
    }

    pub fn verdict(&self) -> Verdict {
        let n = f64::from(self.replicates);
        let cost = |s: usize| self.strategies[s].cost().mean;
        let cheaper = |a: &usize, b: &usize| cost(*a).total_cmp(&cost(*b)).then(a.cmp(b));
        let mut meeting: Vec<usize> = (0..self.strategies.len())
            .filter(|&s| f64::from(self.slo_met(s)) >= SLO_MET_SHARE * n)
            .collect();
        meeting.sort_by(cheaper);
        let best_effort = (0..self.strategies.len())
            .min_by(|a, b| self.slo_met(*b).cmp(&self.slo_met(*a)).then(cheaper(a, b)))
            .expect("a comparison has a strategy");
        let Some(&chosen) = meeting.first() else {
            return Verdict {
                chosen: None,
                ties: Vec::new(),
                best_effort,
            };
        };
        let ties = meeting[1..]
            .iter()
            .copied()
            .filter(|&s| {
                self.cost_difference(s, chosen)
                    .is_some_and(|(lo, hi)| lo <= 0.0 && hi >= 0.0)
            })
            .collect();
        Verdict {
            chosen: Some(chosen),
            ties,
            best_effort,
        }
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
    /// Each strategy's SLO, in the same order.
    pub slos: Vec<Slo>,
    /// Every run, ordered by (strategy, replicate).
    pub runs: Vec<RunRecord>,
    /// The metrics its files show, in [`Metric::ALL`] order.
    shown: Vec<Metric>,
}

impl Comparison {
    /// The metrics its files show, in [`Metric::ALL`] order: those one of its runs has
    /// ([`Metric::present_in`]): a kind of tier's only when its runs have one, a part of
    /// the bill only when a run paid some of it.
    pub fn shown(&self) -> &[Metric] {
        &self.shown
    }

    /// The metrics of `group` it shows, in [`Metric::ALL`] order (none when its runs
    /// have no tier of the group's kind).
    pub fn shown_in(&self, group: MetricGroup) -> Vec<Metric> {
        self.shown
            .iter()
            .copied()
            .filter(|m| m.group() == group)
            .collect()
    }

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
        let shown = shown(&runs);
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
                metrics: shown
                    .iter()
                    .map(|&metric| {
                        let own = &per_metric[metric.index()];
                        let baseline = &values[0][metric.index()];
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
        // Cost and p99 by replicate: the front is judged on paired differences.
        let points: Vec<(Vec<f64>, Vec<f64>)> = values
            .iter()
            .map(|v| {
                (
                    v[Metric::TotalCost.index()].clone(),
                    v[Metric::P99.index()].clone(),
                )
            })
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
            slos: grid.slos.clone(),
            runs,
            shown,
        }
    }

    pub fn baseline(&self) -> &StrategyResult {
        &self.strategies[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_the_bill_is_a_metric() {
        for part in BillPart::ALL {
            assert!(Metric::ALL.contains(&Metric::Cost(part)), "{part:?}");
        }
    }

    /// The groups' metrics follow each other in [`MetricGroup::ALL`] order, and each
    /// group but the general one has some.
    #[test]
    fn metrics_come_group_by_group() {
        let groups: Vec<MetricGroup> = Metric::ALL.iter().map(|m| m.group()).collect();
        assert!(groups.is_sorted(), "{groups:?}");
        for group in MetricGroup::ALL {
            assert!(group.metrics().count() > 0, "{group:?}");
        }
    }

    #[test]
    fn replicate_seeds_are_shared_by_every_strategy() {
        assert_eq!(replicate_seed(42, 0), 42);
        assert_eq!(replicate_seed(42, 3), 45);
        assert_eq!(replicate_seed(u64::MAX, 1), 0);
    }
}
