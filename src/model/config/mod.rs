//! The validated model configuration: what a simulation run needs, with every default
//! filled in and every cross-field rule already checked.
//!
//! `crate::scenario` builds these from TOML and writes them back as TOML for `simcloud
//! validate` and the HTML report (it is the only code that knows the file format); the
//! simulation trusts them. Nothing here spells a key of the file.

mod batch;
mod beanstalk;
mod deployment;
mod ecs;
mod emr;
mod fargate;
mod lambda;
mod network;
mod rds;
mod s3;
mod tenancy;
mod worker;

pub use batch::*;
pub use beanstalk::*;
pub use deployment::*;
pub use ecs::*;
pub use emr::*;
pub use fargate::*;
pub use lambda::*;
pub use network::*;
pub use rds::*;
pub use s3::*;
pub use tenancy::*;
pub use worker::*;

use crate::engine::SimDuration;
use std::path::PathBuf;
use std::sync::Arc;

/// One fully resolved scenario: the input of [`crate::model::simulate`].
#[derive(Clone, Debug)]
pub struct Config {
    pub name: String,
    pub seed: u64,
    pub duration: SimDuration,
    pub traffic: TrafficConfig,
    pub slo: SloConfig,
    pub report: ReportConfig,
    /// The services of the architecture (SPEC "Phase 2"), never empty; the first is
    /// the entry tier, which receives the traffic and answers the clients.
    pub tiers: Vec<TierConfig>,
    /// The Availability Zones, their outages and capacity shortages.
    pub network: Network,
    /// `[dns]`: the Route 53 name of the entry tier, when the scenario has one.
    pub dns: Option<DnsConfig>,
    /// The AWS Price List offer file the instance types' vCPU, memory and prices were
    /// read from, if any (already applied to every tier's `instance` and pools; kept
    /// so that the resolved scenario names it).
    pub pricing: Option<Pricing>,
}

/// `[pricing]`: where the instance types' prices came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    pub offer_file: std::path::PathBuf,
    pub region: Option<String>,
}

impl Config {
    /// The tier that receives the traffic.
    pub fn entry(&self) -> &TierConfig {
        &self.tiers[0]
    }

    pub fn entry_mut(&mut self) -> &mut TierConfig {
        &mut self.tiers[0]
    }
}

/// One service of the architecture: an Application Load Balancer in front of an Auto
/// Scaling group of EC2 instances (`kind = "ec2"`), with its purchase options, and the
/// tiers its requests call.
#[derive(Clone, Debug)]
pub struct TierConfig {
    pub name: String,
    pub kind: TierKind,
    pub service: ServiceConfig,
    pub instance: InstanceConfig,
    pub load_balancer: LoadBalancerConfig,
    pub autoscaling: AutoScalingConfig,
    pub purchase: PurchaseConfig,
    pub spot: SpotConfig,
    /// Synchronous calls a request makes, in order, after its own service time and
    /// while it holds its worker.
    pub calls: Vec<Call>,
    /// The function of a `lambda` tier (its other tables then hold their defaults
    /// and are not used, apart from `service.time`).
    pub lambda: Option<LambdaConfig>,
    /// The tasks of a `fargate` tier, which the tier's `instance` and `purchase`
    /// describe in the group's terms (a task size priced per hour, FARGATE_SPOT as
    /// the spot pool).
    pub fargate: Option<FargateConfig>,
    /// The tasks and container instances of an `ecs_ec2` tier, whose `instance` is the
    /// container instances' type.
    pub ecs: Option<EcsConfig>,
    /// The database of an `rds` tier (its other tables then hold their defaults and
    /// are not used).
    pub rds: Option<RdsConfig>,
    /// The environment of a `beanstalk` tier.
    pub beanstalk: Option<BeanstalkConfig>,
    /// The queue and `sqsd` of a `worker` tier (which has no load balancer).
    pub worker: Option<WorkerConfig>,
    /// The compute environment and job queues of a `batch` tier (its other tables
    /// then hold their defaults and are not used, apart from `spot`).
    pub batch: Option<BatchConfig>,
    /// The cluster of an `emr` tier, whose workload and node types are its `batch`.
    pub emr: Option<EmrConfig>,
    /// Asynchronous messages a completed request sends to worker tiers' queues.
    pub sends: Vec<Send>,
    /// The S3 bucket (and CloudFront distribution) the entry tier's pages fetch
    /// their static objects from.
    pub s3: Option<S3Config>,
    /// The placement group of an `ec2` tier's instances (aws-facts.md 17.4).
    pub placement: Option<PlacementGroup>,
    /// Deployments of a new application version (`ec2` tiers only), in time order,
    /// none overlapping.
    pub deployments: Vec<DeploymentConfig>,
}

impl TierConfig {
    /// On-demand instances (FARGATE tasks) wanted in a group of `total`: the
    /// capacity provider strategy of a `fargate` tier, else the group's mixed
    /// instances policy.
    pub fn on_demand_target(&self, total: u32) -> u32 {
        match &self.fargate {
            Some(f) => f.strategy.on_demand_target(total),
            None => self.purchase.on_demand_target(total),
        }
    }

    /// How an ECS service's task uses its memory (`fargate` and `ecs_ec2` tiers).
    pub fn task_memory(&self) -> Option<&TaskMemory> {
        match (&self.fargate, &self.ecs) {
            (Some(f), _) => Some(&f.memory),
            (None, Some(e)) => Some(&e.memory),
            (None, None) => None,
        }
    }

    /// Bytes an instance sends per response, its `NetworkOut`: the response's size to
    /// the clients (`service.response_bytes`) when the scenario gives it, else the
    /// bytes the load balancer processes per request, most of which is the response.
    pub fn bytes_per_response(&self) -> u64 {
        match self.service.response_bytes {
            0 => self.load_balancer.request_bytes,
            given => given,
        }
    }

    /// False for a single-instance Beanstalk environment, whose clients reach its
    /// instance directly (aws-facts.md 11.2), and for a worker tier, whose `sqsd`
    /// reads a queue (5): no load balancer, no health checks of one, nothing of it on
    /// the bill.
    pub fn has_load_balancer(&self) -> bool {
        self.worker.is_none()
            && self.batch.is_none()
            && !matches!(
                &self.beanstalk,
                Some(BeanstalkConfig {
                    environment_type: EnvironmentType::SingleInstance
                })
            )
    }

    /// True when the tier may launch spot instances (FARGATE_SPOT tasks).
    pub fn uses_spot(&self) -> bool {
        match &self.fargate {
            Some(f) => f.strategy.uses_spot(),
            None => self.purchase.on_demand_percent_above_base < 100,
        }
    }
}

/// What a tier is built of. SPEC "Phase 2" names the kinds to come; each is one
/// component of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierKind {
    /// An ALB and an Auto Scaling group of EC2 instances.
    Ec2,
    /// An AWS Lambda function, optionally behind API Gateway.
    Lambda,
    /// An ECS service of Fargate tasks behind an ALB.
    Fargate,
    /// An ECS service behind an ALB whose tasks run on an Auto Scaling group of EC2
    /// container instances.
    EcsEc2,
    /// An Amazon RDS database called by other tiers.
    Rds,
    /// An Elastic Beanstalk web server environment: an ALB (or, single-instance, none)
    /// and an Auto Scaling group of EC2 instances with Beanstalk's defaults.
    Beanstalk,
    /// An Elastic Beanstalk worker environment: an SQS queue feeding an Auto
    /// Scaling group of EC2 instances.
    Worker,
    /// An AWS Batch managed compute environment and its job queues.
    Batch,
    /// An Amazon EMR cluster running a job workload as YARN containers.
    Emr,
}

impl TierKind {
    /// The kind as the scenario and the summary spell it.
    pub fn word(self) -> &'static str {
        match self {
            TierKind::Ec2 => "ec2",
            TierKind::Lambda => "lambda",
            TierKind::Fargate => "fargate",
            TierKind::EcsEc2 => "ecs_ec2",
            TierKind::Rds => "rds",
            TierKind::Beanstalk => "beanstalk",
            TierKind::Worker => "worker",
            TierKind::Batch => "batch",
            TierKind::Emr => "emr",
        }
    }

    /// What the tier's capacity is counted in, one and many: EC2 and RDS instances,
    /// ECS tasks (fargate, ecs_ec2), Lambda execution environments. Reports say "3 tasks launched"
    /// for a Fargate service, never "instances".
    pub fn units(self) -> (&'static str, &'static str) {
        match self {
            TierKind::Ec2
            | TierKind::Rds
            | TierKind::Beanstalk
            | TierKind::Worker
            | TierKind::Batch
            | TierKind::Emr => ("instance", "instances"),
            TierKind::Fargate | TierKind::EcsEc2 => ("task", "tasks"),
            TierKind::Lambda => ("environment", "environments"),
        }
    }
}

/// `count` synchronous calls to the tier at index `tier` of [`Config::tiers`], one
/// after the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub tier: usize,
    pub count: u32,
    /// Bytes of one call's request and of its response: they cross zones when the
    /// called database runs in another zone than the caller (aws-facts.md 17.3).
    pub request_bytes: u64,
    pub response_bytes: u64,
}

/// The arrival rate is the sum of every component present, in requests per second.
#[derive(Clone, Debug)]
pub struct TrafficConfig {
    /// Constant base rate [req/s].
    pub rate: f64,
    pub spike: Vec<Spike>,
    pub diurnal: Option<Diurnal>,
    pub trace: Option<Trace>,
}

impl TrafficConfig {
    /// No traffic at all: a run whose only work is a batch tier's own jobs.
    pub fn none() -> Self {
        TrafficConfig {
            rate: 0.0,
            spike: Vec::new(),
            diurnal: None,
            trace: None,
        }
    }

    /// True when nothing ever arrives.
    pub fn is_none(&self) -> bool {
        self.rate == 0.0 && self.spike.is_empty() && self.diurnal.is_none() && self.trace.is_none()
    }
}

/// A trapezoid added on top of the other components: it rises linearly from 0 at
/// `start` to `peak` over `ramp`, holds for `hold`, and falls back to 0 over `ramp_down`.
#[derive(Clone, Debug)]
pub struct Spike {
    pub start: SimDuration,
    pub ramp: SimDuration,
    pub hold: SimDuration,
    pub ramp_down: SimDuration,
    /// Extra requests per second at the top of the spike.
    pub peak: f64,
}

/// A daily (or any `period`) cosine between `low` and `high`, highest at `peak_at`.
#[derive(Clone, Debug)]
pub struct Diurnal {
    pub low: f64,
    pub high: f64,
    pub period: SimDuration,
    pub peak_at: SimDuration,
}

/// Replay of a CSV of request counts per interval: within interval `i` the rate is
/// `counts[i] / interval * scale`; after the last interval it is 0.
#[derive(Clone, Debug)]
pub struct Trace {
    pub file: PathBuf,
    pub interval: SimDuration,
    pub column: String,
    pub scale: f64,
    /// Requests per second in each interval, already scaled.
    pub rates: Arc<[f64]>,
}

/// A distribution of durations (service times, boot times).
#[derive(Clone, Debug, PartialEq)]
pub enum DurationDist {
    Constant {
        value: SimDuration,
    },
    Exponential {
        mean: SimDuration,
    },
    /// Log-normal with the given mean and coefficient of variation (sd / mean).
    Lognormal {
        mean: SimDuration,
        cv: f64,
    },
    /// Gamma with the given mean and coefficient of variation (shape = 1 / cv²).
    Gamma {
        mean: SimDuration,
        cv: f64,
    },
    Uniform {
        min: SimDuration,
        max: SimDuration,
    },
}

impl DurationDist {
    /// The mean of the distribution.
    pub fn mean(&self) -> SimDuration {
        match *self {
            DurationDist::Constant { value } => value,
            DurationDist::Exponential { mean }
            | DurationDist::Lognormal { mean, .. }
            | DurationDist::Gamma { mean, .. } => mean,
            DurationDist::Uniform { min, max } => SimDuration((min.0 + max.0) / 2),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServiceConfig {
    pub time: DurationDist,
    /// Requests served at once by an instance of the group's type (already multiplied
    /// by its vCPUs when `workers_per_vcpu` is set).
    pub workers: u32,
    /// `workers` as written: per instance, or per vCPU with `workers_per_vcpu`.
    pub workers_setting: u32,
    pub workers_per_vcpu: bool,
    /// Waiting requests per instance before it answers 503; `None` is unlimited.
    pub queue_limit: Option<u32>,
    /// Load balancer idle timeout: a slower response counts as a 504.
    pub timeout: SimDuration,
    /// Bytes of each response the entry tier sends to its clients, which leave AWS
    /// as data transfer out to the internet (0: not metered). Only the entry tier's
    /// responses leave the Region; a called tier's go to its caller.
    pub response_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct InstanceConfig {
    pub type_name: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// On-demand price, us-east-1 Linux.
    pub price_per_hour: f64,
    /// Relative per-vCPU speed (m5.large = 1.0): a request's drawn service time is
    /// divided by it on this type.
    pub speed: f64,
    pub boot_time: DurationDist,
    pub failures: Failures,
    /// CPU credits, when the type is burstable (T2, T3, T3a, T4g; aws-facts.md 20.5).
    pub credits: Option<CreditsConfig>,
}

/// A burstable type's CPU credits (aws-facts.md 20.5): 1 credit is 1 vCPU at 100 %
/// for 1 minute.
#[derive(Clone, Debug, PartialEq)]
pub struct CreditsConfig {
    /// `unlimited` (surplus credits billed) or `standard` (throttled to the baseline
    /// when the balance is empty).
    pub unlimited: bool,
    /// Credits earned per hour: `baseline × vCPUs × 60`.
    pub credits_per_hour: f64,
    /// The vCPUs the credits are counted over (the type's own, from the burstable
    /// table).
    pub vcpu: u32,
    /// The most credits the balance holds (24 h of earnings).
    pub max_balance: f64,
    /// Credits given at each launch, spent first, outside the limit (T2).
    pub launch_credits: f64,
    /// The balance of the instances that are in service at t = 0 (a fleet that has
    /// been running); instances launched later start with none (T3/T3a/T4g).
    pub initial_credits: f64,
    /// The price of a surplus credit, per vCPU-hour.
    pub surplus_price_per_vcpu_hour: f64,
}

impl CreditsConfig {
    /// The baseline as a share of the whole instance (of all its vCPUs).
    pub fn baseline(&self) -> f64 {
        self.credits_per_hour / 60.0 / f64::from(self.vcpu)
    }
}

/// Instance failures: each instance fails after an exponential lifetime with mean
/// `mtbf`, and/or a random in-service instance fails at each time in `at`.
#[derive(Clone, Debug, Default)]
pub struct Failures {
    pub mtbf: Option<SimDuration>,
    pub at: Vec<SimDuration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
    PowerOfTwo,
}

#[derive(Clone, Debug)]
pub struct HealthCheck {
    pub interval: SimDuration,
    pub timeout: SimDuration,
    pub healthy: u32,
    pub unhealthy: u32,
}

#[derive(Clone, Debug)]
pub struct LoadBalancerConfig {
    pub algorithm: Routing,
    pub health_check: HealthCheck,
    pub deregistration_delay: SimDuration,
    /// New targets' share of requests grows linearly over this time (0: off).
    pub slow_start: SimDuration,
    pub price_per_hour: f64,
    pub price_per_lcu_hour: f64,
    /// Bytes processed per request (request + response), for the LCU bill.
    pub request_bytes: u64,
    /// Requests carried by one client connection (1 = no keep-alive), for the LCU bill.
    pub requests_per_connection: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalingMetric {
    /// `ASGAverageCPUUtilization`: busy workers / workers, in percent.
    Cpu,
    /// `ALBRequestCountPerTarget`: requests per healthy target per minute.
    RequestCountPerTarget,
    /// `ECSServiceAverageMemoryUtilization`: memory in use over the task's memory, in
    /// percent (ECS services: `fargate` and `ecs_ec2` tiers; aws-facts.md 15.4).
    Memory,
    /// `NetworkOut`: bytes an instance sent in the metric period, averaged over the
    /// group's instances (an EC2 metric; Beanstalk's default trigger, 11.1).
    NetworkOut,
    /// Backlog per instance: `ApproximateNumberOfMessagesVisible` of a worker tier's
    /// queue over its InService instances (aws-facts.md 12.6).
    BacklogPerInstance,
    /// `ApproximateNumberOfMessagesVisible` of a worker tier's queue (12.5), for
    /// step and simple scaling.
    MessagesVisible,
}

#[derive(Clone, Debug)]
pub enum ScalingPolicy {
    TargetTracking {
        metric: ScalingMetric,
        target: f64,
        disable_scale_in: bool,
    },
    /// Step scaling on a CloudWatch alarm: the adjustment depends on how far the
    /// metric is past the threshold (aws-facts.md 3.4).
    Step {
        alarm: Alarm,
        adjustment_type: AdjustmentType,
        step: Vec<StepAdjustment>,
        min_adjustment_magnitude: Option<u32>,
    },
    /// Simple scaling: one adjustment per alarm, then a wait for the activity and the
    /// cooldown (3.4, 3.5).
    Simple {
        alarm: Alarm,
        adjustment_type: AdjustmentType,
        adjustment: f64,
        min_adjustment_magnitude: Option<u32>,
        cooldown: SimDuration,
    },
    /// Predictive scaling: capacity for each coming hour from the same hour of the
    /// previous days, launched ahead of the hour; never scales in (3.9).
    Predictive {
        metric: ScalingMetric,
        target: f64,
        mode: PredictiveMode,
        scheduling_buffer: SimDuration,
    },
}

impl ScalingPolicy {
    /// The metric a dynamic policy reads each period; `None` for predictive scaling,
    /// which reads whole hours.
    pub fn period_metric(&self) -> Option<ScalingMetric> {
        match self {
            ScalingPolicy::TargetTracking { metric, .. } => Some(*metric),
            ScalingPolicy::Step { alarm, .. } | ScalingPolicy::Simple { alarm, .. } => {
                Some(alarm.metric)
            }
            ScalingPolicy::Predictive { .. } => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PredictiveMode {
    ForecastAndScale,
    ForecastOnly,
}

/// A CloudWatch alarm on a group metric: in ALARM when at least
/// `datapoints_to_alarm` of the last `evaluation_periods` datapoints breach.
#[derive(Clone, Debug)]
pub struct Alarm {
    pub metric: ScalingMetric,
    pub comparison: Comparison,
    pub threshold: f64,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Comparison {
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Greater => value > threshold,
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::Less => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentType {
    ChangeInCapacity,
    ExactCapacity,
    PercentChangeInCapacity,
}

/// One step: applies when `lower <= metric - threshold < upper` (a missing bound is
/// infinite).
#[derive(Clone, Debug, PartialEq)]
pub struct StepAdjustment {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: f64,
}

/// A scheduled action: at a time, or every time a cron recurrence matches, set any of
/// min, max and desired (3.10).
#[derive(Clone, Debug)]
pub struct ScheduledAction {
    pub at: Option<SimDuration>,
    pub recurrence: Option<String>,
    /// The parsed recurrence (minute, hour, day-of-week sets).
    pub cron: Option<Cron>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

/// A five-field cron recurrence in simulated UTC time, where t = 0 is a Monday 00:00.
/// Day-of-month and month must be `*` (a run is rarely long enough for them).
#[derive(Clone, Debug, PartialEq)]
pub struct Cron {
    pub minutes: Vec<bool>,
    pub hours: Vec<bool>,
    /// 0 = Sunday, as in cron.
    pub weekdays: Vec<bool>,
}

impl Cron {
    /// The first whole minute strictly after `after` (ns) that matches, if any within
    /// a week.
    pub fn next_after(&self, after: u64) -> Option<u64> {
        const MINUTE: u64 = 60_000_000_000;
        let mut minute = after / MINUTE + 1;
        for _ in 0..=7 * 1440 {
            let m = (minute % 60) as usize;
            let h = ((minute / 60) % 24) as usize;
            // Day 0 is a Monday: weekday (0 = Sunday) is (day + 1) % 7.
            let wd = ((minute / 1440 + 1) % 7) as usize;
            if self.minutes[m] && self.hours[h] && self.weekdays[wd] {
                return Some(minute * MINUTE);
            }
            minute += 1;
        }
        None
    }
}

/// Which instance scale-in takes (3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminationPolicy {
    /// Balance purchase options, then the instance closest to its next billing hour.
    Default,
    OldestInstance,
    NewestInstance,
    ClosestToNextInstanceHour,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthCheckType {
    /// EC2 status checks only: a failed instance is replaced after its status check
    /// reports it impaired.
    Ec2,
    /// Also the load balancer's health checks, after the grace period.
    Elb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitoring {
    /// 60 s metric periods (charged).
    Detailed,
    /// 300 s metric periods (free).
    Basic,
}

#[derive(Clone, Debug)]
pub struct AutoScalingConfig {
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    pub instance_warmup: SimDuration,
    /// EC2 monitoring: the metric period the policies read (3.11).
    pub monitoring: Monitoring,
    /// CloudWatch metric period the policies read: 60 s with detailed monitoring or
    /// when every dynamic policy reads an ALB metric (published each minute whatever
    /// the instances' monitoring), 300 s when one reads basic EC2 metrics.
    pub metric_period: SimDuration,
    /// Time from the end of a metric period until its datapoint can be read.
    pub metric_delay: SimDuration,
    pub termination_policy: TerminationPolicy,
    /// Which health checks the group acts on (3.7).
    pub health_check_type: HealthCheckType,
    /// Time after InService before load-balancer health checks count (3.5).
    pub health_check_grace_period: SimDuration,
    /// Instances launched by the group are protected from scale-in.
    pub new_instances_protected_from_scale_in: bool,
    pub policy: Vec<ScalingPolicy>,
    pub scheduled: Vec<ScheduledAction>,
    pub warm_pool: Option<WarmPoolConfig>,
}

/// Stopped, pre-initialised instances that start faster than new launches (3.8).
#[derive(Clone, Debug)]
pub struct WarmPoolConfig {
    /// Instances kept in the pool; `None` is max - desired, AWS's default.
    pub size: Option<u32>,
    /// From leaving the pool to InService.
    pub start_time: DurationDist,
    /// What a stopped pool instance costs per hour: its EBS storage.
    pub storage_price_per_hour: f64,
}

impl WarmPoolConfig {
    /// The pool's size for a group of `max` and `desired`: the configured one, or
    /// max - desired (aws-facts.md 3.8).
    pub fn size_for(&self, max: u32, desired: u32) -> u32 {
        self.size.unwrap_or(max.saturating_sub(desired))
    }
}

#[derive(Clone, Debug)]
pub struct SloConfig {
    pub latency: SimDuration,
    pub percentile: f64,
}

#[derive(Clone, Debug)]
pub struct ReportConfig {
    /// Length of one `timeline.csv` row.
    pub interval: SimDuration,
}

/// How instances are bought: the Auto Scaling group's mixed instances policy plus the
/// reservations and savings plans that discount on-demand usage (aws-facts.md 1.3,
/// 1.4, 2.5).
#[derive(Clone, Debug)]
pub struct PurchaseConfig {
    /// The first instances of the group are on-demand (`OnDemandBaseCapacity`).
    pub on_demand_base: u32,
    /// Share of capacity above the base that is on-demand, rounded up in favour of
    /// on-demand (`OnDemandPercentageAboveBaseCapacity`).
    pub on_demand_percent_above_base: u32,
    /// Spot capacity pools, one per instance type (one Availability Zone).
    pub spot_pools: Vec<String>,
    /// vCPUs and on-demand price of each pool's type, resolved from the catalog.
    pub spot_pool_types: Vec<PoolType>,
    pub spot_allocation: SpotAllocation,
    /// Pools to spread over with `lowest_price` (`SpotInstancePools`).
    pub spot_instance_pools: u32,
    pub reserved: Vec<Reservation>,
    pub savings_plan: Option<SavingsPlan>,
    /// Shared hardware, Dedicated Instances or Dedicated Hosts (aws-facts.md 20.1,
    /// 20.2).
    pub tenancy: Tenancy,
    /// On-Demand Capacity Reservations (20.4).
    pub capacity_reservations: Vec<CapacityReservation>,
    /// Scheduled Reserved Instances (20.3).
    pub scheduled_reserved: Vec<ScheduledReservation>,
}

impl PurchaseConfig {
    /// On-demand instances wanted in a group of `total`: the base first, then the
    /// percentage of the rest rounded up (aws-facts.md 2.5).
    pub fn on_demand_target(&self, total: u32) -> u32 {
        let base = total.min(self.on_demand_base);
        let above = u64::from(total - base);
        let on_demand_above = (above * u64::from(self.on_demand_percent_above_base)).div_ceil(100);
        base + on_demand_above as u32
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PoolType {
    pub vcpu: u32,
    pub price_per_hour: f64,
    /// Relative per-vCPU speed, as `InstanceConfig::speed`.
    pub speed: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpotAllocation {
    LowestPrice,
    CapacityOptimized,
    PriceCapacityOptimized,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    OneYear,
    ThreeYears,
}

impl Term {
    /// Hours in the term: 365 or 1,095 days (aws-facts.md 1.3).
    pub fn hours(self) -> f64 {
        match self {
            Term::OneYear => 8_760.0,
            Term::ThreeYears => 26_280.0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    NoUpfront,
    PartialUpfront,
    AllUpfront,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferingClass {
    Standard,
    Convertible,
}

/// Reserved instances of one type: a billing discount on matching on-demand usage,
/// paid every hour of the run whether used or not.
#[derive(Clone, Debug, PartialEq)]
pub struct Reservation {
    pub type_name: String,
    pub count: u32,
    pub term: Term,
    pub payment: Payment,
    pub class: OfferingClass,
    /// Recurring charge per reserved instance per hour.
    pub hourly_usd: f64,
    /// Upfront payment per reserved instance for the whole term.
    pub upfront_usd: f64,
}

impl Reservation {
    /// Hours in the term.
    pub fn term_hours(&self) -> f64 {
        self.term.hours()
    }

    /// What one reserved instance costs per hour: the recurring charge plus the
    /// upfront payment amortised over the term.
    pub fn effective_hourly_usd(&self) -> f64 {
        self.hourly_usd + self.upfront_usd / self.term_hours()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavingsPlanKind {
    Compute,
    Ec2Instance,
}

#[derive(Clone, Debug)]
pub struct SavingsPlan {
    pub kind: SavingsPlanKind,
    /// USD per hour committed, paid whether used or not.
    pub hourly_commitment: f64,
    pub term: Term,
    pub payment: Payment,
    /// Discount off the on-demand price for covered usage.
    pub discount: f64,
    /// For `ec2_instance` plans: the instance family covered (`m5`).
    pub family: Option<String>,
}

/// The spot market: prices and interruptions of every pool (aws-facts.md 2).
#[derive(Clone, Debug)]
pub struct SpotConfig {
    pub price: SpotPrice,
    pub interruption: InterruptionRate,
    /// Correlated reclaims: events at `per_day` (Poisson) that each take `share` of a
    /// pool's running instances at once.
    pub capacity_events: CapacityEvents,
    /// Warning before an interruption (two minutes).
    pub notice: SimDuration,
    pub rebalance: Rebalance,
    /// Launch a replacement at the rebalance recommendation (`CapacityRebalance`).
    pub capacity_rebalance: bool,
    /// Per-pool overrides of `interruption`, by instance type.
    pub pool: Vec<SpotPoolOverride>,
}

/// When the rebalance recommendation comes: before the notice with `probability`
/// (else with it), at most `lead_max` earlier.
#[derive(Clone, Debug)]
pub struct Rebalance {
    pub probability: f64,
    pub lead_max: SimDuration,
}

#[derive(Clone, Debug)]
pub struct SpotPoolOverride {
    pub type_name: String,
    pub interruption: InterruptionRate,
}

#[derive(Clone, Debug)]
pub enum SpotPrice {
    /// A seeded, slowly drifting price: starts at `1 - discount` of on-demand and moves
    /// in small steps every one to three days.
    Discount { discount: f64 },
    /// Replay of AWS price history (`describe-spot-price-history` form).
    Trace {
        trace: PathBuf,
        /// The Availability Zone whose records are replayed (resolved when not given).
        zone: String,
        history: Arc<Vec<PriceHistory>>,
    },
}

/// One pool's prices from a trace: `(seconds since the trace's first record, USD/h)`.
#[derive(Clone, Debug)]
pub struct PriceHistory {
    pub type_name: String,
    pub zone: String,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InterruptionRate {
    /// A Spot Instance Advisor band: `<5%`, `5-10%`, `10-15%`, `15-20%`, `>20%`.
    Band {
        band: String,
    },
    PerHour {
        per_hour: f64,
    },
}

impl InterruptionRate {
    /// The per-instance hazard per hour. A band is read as the monthly probability p of
    /// an interruption at the band's midpoint (25 % for `>20%`), and a constant hazard
    /// with that monthly probability is `-ln(1 - p) / (30 * 24)` (aws-facts.md 2.3).
    pub fn per_hour(&self) -> f64 {
        match self {
            InterruptionRate::PerHour { per_hour } => *per_hour,
            InterruptionRate::Band { band } => {
                let p = band_midpoint(band).expect("validated band");
                -(1.0 - p).ln() / (30.0 * 24.0)
            }
        }
    }
}

/// The monthly interruption probability at the middle of a Spot Instance Advisor band.
pub fn band_midpoint(band: &str) -> Option<f64> {
    match band {
        "<5%" => Some(0.025),
        "5-10%" => Some(0.075),
        "10-15%" => Some(0.125),
        "15-20%" => Some(0.175),
        ">20%" => Some(0.25),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct CapacityEvents {
    pub per_day: f64,
    pub share: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(base: u32, percent: u32) -> PurchaseConfig {
        PurchaseConfig {
            on_demand_base: base,
            on_demand_percent_above_base: percent,
            spot_pools: Vec::new(),
            spot_pool_types: Vec::new(),
            spot_allocation: SpotAllocation::PriceCapacityOptimized,
            spot_instance_pools: 2,
            reserved: Vec::new(),
            savings_plan: None,
            tenancy: Tenancy::Default,
            capacity_reservations: Vec::new(),
            scheduled_reserved: Vec::new(),
        }
    }

    /// AWS's own table (aws-facts.md 2.5) for groups of 10, 20, 30 and 40 instances.
    #[test]
    fn on_demand_targets_reproduce_the_aws_examples() {
        let totals = [10, 20, 30, 40];
        let od = |p: &PurchaseConfig| totals.map(|t| p.on_demand_target(t));
        assert_eq!(od(&policy(10, 50)), [10, 15, 20, 25]);
        assert_eq!(od(&policy(0, 60)), [6, 12, 18, 24]);
        assert_eq!(od(&policy(12, 0)), [10, 12, 12, 12]);
        // Fractions round up in favour of on-demand: 3 above the base at 50 % is 2.
        assert_eq!(policy(1, 50).on_demand_target(4), 3);
    }

    /// A band's midpoint p per month becomes a constant hazard with that monthly
    /// probability: 1 - exp(-lambda * 720 h) = p.
    #[test]
    fn band_hazard_gives_the_monthly_probability() {
        for (band, p) in [("<5%", 0.025), ("5-10%", 0.075), (">20%", 0.25)] {
            let lambda = InterruptionRate::Band { band: band.into() }.per_hour();
            assert!((1.0 - (-lambda * 720.0).exp() - p).abs() < 1e-12);
        }
    }
}
