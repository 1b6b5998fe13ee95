//! The configuration of a `batch` tier: an AWS Batch managed compute environment and
//! its job queues, each with the jobs submitted to it (aws-facts.md 18).

use super::*;

/// An AWS Batch tier (`kind = "batch"`, issue 16): its managed compute environments
/// and the job queues that share them. The types every environment may launch (EC2
/// instance types, or the Fargate task sizes of its jobs) are the tier's spot pools
/// (`TierConfig::purchase.spot_pools`, in the order of `types`), whose prices and
/// interruptions the spot model gives; `TierConfig::spot` holds the tier's `[spot]`
/// table.
#[derive(Clone, Debug)]
pub struct BatchConfig {
    /// The compute environments, in the order written (`[compute]` first).
    pub environments: Vec<ComputeEnvironment>,
    /// Every type an environment may launch, once each.
    pub types: Vec<BatchType>,
    /// The job queues, highest priority first (ties in the order given).
    pub queues: Vec<JobQueue>,
}

impl BatchConfig {
    /// True when the environments are Fargate's (all are, or none: a tier is billed as
    /// one or the other).
    pub fn fargate(&self) -> bool {
        self.environments.iter().any(|e| e.compute.fargate())
    }
}

/// A managed compute environment (aws-facts.md 18.1).
#[derive(Clone, Debug)]
pub struct ComputeEnvironment {
    /// Its name, which queues' `compute_environments` give.
    pub name: String,
    /// `EC2` (on-demand), `SPOT`, `FARGATE` or `FARGATE_SPOT` (aws-facts.md 18.1).
    pub compute: ComputeType,
    /// Instance vCPUs kept running even with no job (`minvCpus`; 0 on Fargate).
    pub min_vcpus: u32,
    /// Instance vCPUs launched at the start (`desiredvCpus`; 0 on Fargate).
    pub desired_vcpus: u32,
    /// The most instance vCPUs (`maxvCpus`); on Fargate, the most vCPUs of the tasks
    /// running or starting.
    pub max_vcpus: u32,
    /// The types it may launch (indices into `BatchConfig::types`), in the order
    /// given (`optimal` resolved); on Fargate, the task sizes of its queues' jobs.
    pub types: Vec<usize>,
    /// Unused on Fargate (AWS takes none).
    pub allocation: BatchAllocation,
    /// The most a spot instance may cost, as a share of on-demand (`bidPercentage`,
    /// default 100 %). A pool priced above it is not launched in. Unused on Fargate.
    pub bid_percentage: u32,
    /// From Batch's decision to launch to the instance taking jobs (ECS agent
    /// registered). A stated assumption: aws-facts.md 3.12 gives one to two minutes to
    /// first availability; Batch's own scheduling adds to it. On Fargate, from the
    /// decision to the job's container running (15.3).
    pub launch_time: SimDuration,
    /// How long an instance with no job waits before Batch scales it in (toward
    /// `min_vcpus`). aws-facts.md 18.1: "not documented (unverified; observed minutes)".
    /// Unused on Fargate, whose task stops with its job.
    pub idle_timeout: SimDuration,
}

/// A type a compute environment may launch (from the catalog).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchType {
    pub name: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    pub price_per_hour: f64,
}

/// What the environment runs jobs on (aws-facts.md 18.1 `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeType {
    /// On-demand instances.
    Ec2,
    /// Spot instances (interrupted with the two-minute notice, aws-facts.md 2.2).
    Spot,
    /// A Fargate task per job, sized by the job (15.1).
    Fargate,
    /// A Fargate Spot task per job (interrupted with the two-minute warning, 15.2).
    FargateSpot,
}

impl ComputeType {
    /// FARGATE or FARGATE_SPOT.
    pub fn fargate(self) -> bool {
        matches!(self, ComputeType::Fargate | ComputeType::FargateSpot)
    }

    /// The word of a scenario file and AWS's API.
    pub fn word(self) -> &'static str {
        match self {
            ComputeType::Ec2 => "EC2",
            ComputeType::Spot => "SPOT",
            ComputeType::Fargate => "FARGATE",
            ComputeType::FargateSpot => "FARGATE_SPOT",
        }
    }

    /// SPOT or FARGATE_SPOT.
    pub fn spot(self) -> bool {
        matches!(self, ComputeType::Spot | ComputeType::FargateSpot)
    }
}

/// Which instance type a launch takes (aws-facts.md 18.1); one file per strategy under
/// `model/batch/allocation/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchAllocation {
    BestFit,
    BestFitProgressive,
    SpotCapacityOptimized,
    SpotPriceCapacityOptimized,
}

impl BatchAllocation {
    /// True when Batch may exceed `maxvCpus` by one instance (aws-facts.md 18.1: every
    /// strategy but BEST_FIT on on-demand).
    pub fn may_exceed_max(self, compute: ComputeType) -> bool {
        !(self == BatchAllocation::BestFit && compute == ComputeType::Ec2) && !compute.fargate()
    }
}

/// A job queue (aws-facts.md 18.2): its priority (higher first), its jobs, FIFO, and
/// the compute environments it places them in, tried in order.
#[derive(Clone, Debug)]
pub struct JobQueue {
    pub name: String,
    pub priority: u32,
    pub jobs: JobSpec,
    /// Indices into `BatchConfig::environments`, 1-3 of them, all EC2 (`EC2`, `SPOT`)
    /// or all Fargate.
    pub environments: Vec<usize>,
}

/// The jobs submitted to a queue: where they come from and what each needs.
#[derive(Clone, Debug)]
pub struct JobSpec {
    pub source: JobSource,
    /// vCPUs each job reserves (an integer for EC2 compute environments).
    pub vcpus: u32,
    pub memory_gib: f64,
    /// The work of one job on its vCPUs, drawn at submission.
    pub run_time: DurationDist,
    /// Work is saved every `checkpoint` of progress; `None`: never (an interrupted job
    /// starts over).
    pub checkpoint: Option<SimDuration>,
    /// Time a retried attempt spends before making progress again (reloading its
    /// checkpoint, re-downloading its inputs).
    pub restart_cost: SimDuration,
    /// When a job should be done by.
    pub deadline: Option<Deadline>,
    /// `attempts` of the retry strategy (1-10, aws-facts.md 18.4).
    pub attempts: u32,
    /// Which failed attempts are retried.
    pub retry_on: RetryOn,
    /// The probability that an attempt that ran to its end exits non-zero (the
    /// application's own failure).
    pub failure_probability: f64,
}

/// Where a queue's jobs come from.
#[derive(Clone, Debug)]
pub enum JobSource {
    /// An array job of `size` children submitted at `at` (aws-facts.md 18.3).
    Array { size: u32, at: SimDuration },
    /// Poisson arrivals at a rate, or a trace of counts: the same process as
    /// `[traffic]`'s.
    Arrivals(TrafficConfig),
    /// Every arrival of the run's `[traffic]` is a job (the entry tier only).
    Traffic,
}

/// A job's deadline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Deadline {
    /// This long after its submission.
    AfterSubmission(SimDuration),
    /// At this time of the run.
    At(SimDuration),
}

/// `evaluateOnExit`, simplified (aws-facts.md 18.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryOn {
    /// No condition: every failed attempt is retried while attempts remain.
    Any,
    /// AWS's Spot best practice: `{"onStatusReason": "Host EC2*", "action": "RETRY"}`,
    /// `{"onReason": "*", "action": "EXIT"}`: only attempts whose host was reclaimed.
    Interruption,
}
