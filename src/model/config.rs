//! The validated model configuration: what a simulation run needs, with every default
//! filled in and every cross-field rule already checked.
//!
//! `crate::scenario` builds these from TOML and writes them back as TOML for `simcloud
//! validate` and the HTML report (it is the only code that knows the file format); the
//! simulation trusts them. Nothing here spells a key of the file.

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
    /// The database of an `rds` tier (its other tables then hold their defaults and
    /// are not used).
    pub rds: Option<RdsConfig>,
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

    /// True when the tier may launch spot instances (FARGATE_SPOT tasks).
    pub fn uses_spot(&self) -> bool {
        match &self.fargate {
            Some(f) => f.strategy.uses_spot(),
            None => self.purchase.on_demand_percent_above_base < 100,
        }
    }
}

/// An ECS service on AWS Fargate (`kind = "fargate"`): its task size and image, and
/// how its tasks are split between FARGATE and FARGATE_SPOT.
#[derive(Clone, Debug, PartialEq)]
pub struct FargateConfig {
    /// Task vCPU, one of the valid sizes (aws-facts.md 15.1).
    pub cpu: f64,
    pub memory_gb: f64,
    pub architecture: Architecture,
    /// The container image in ECR: pulled whole by every task (15.3), stored in ECR
    /// (15.7).
    pub image_mb: f64,
    /// Image pull throughput, MB/s.
    pub pull_mb_per_s: f64,
    /// From the image pulled to the container ready; added to the provisioning
    /// time (`instance.boot_time`) and the pull.
    pub container_start: SimDuration,
    /// `image_mb / pull_mb_per_s`, as a duration.
    pub image_pull: SimDuration,
    pub strategy: CapacityProviderStrategy,
}

/// The capacity provider strategy of an ECS service (aws-facts.md 15.5): `base` tasks
/// on one provider first, the rest split by weight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityProviderStrategy {
    pub fargate: ProviderShare,
    pub fargate_spot: ProviderShare,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderShare {
    pub base: u32,
    pub weight: u32,
}

impl CapacityProviderStrategy {
    /// FARGATE tasks in a service of `total`: the base first (at most one provider
    /// has one), then the FARGATE share by weight of the rest, rounded up in favour
    /// of FARGATE as the Auto Scaling group rounds on-demand (an assumption: ECS does
    /// not document its rounding).
    pub fn on_demand_target(&self, total: u32) -> u32 {
        let (od, spot) = (self.fargate, self.fargate_spot);
        let od_base = total.min(od.base);
        let spot_base = (total - od_base).min(spot.base);
        let above = u64::from(total - od_base - spot_base);
        let weights = u64::from(od.weight + spot.weight);
        let od_above = (above * u64::from(od.weight)).div_ceil(weights.max(1));
        od_base + od_above as u32
    }

    /// True when some tasks may run on FARGATE_SPOT.
    pub fn uses_spot(&self) -> bool {
        self.fargate_spot.base > 0 || self.fargate_spot.weight > 0
    }
}

/// An Amazon RDS database (`kind = "rds"`): a primary, its Multi-AZ standby and read
/// replicas of one instance class, the connection pools its callers keep, and the
/// queries each call runs (issue 13).
#[derive(Clone, Debug, PartialEq)]
pub struct RdsConfig {
    pub engine: DbEngine,
    /// The instance class (`db.m5.large`) of the primary, the standby and the replicas.
    pub class: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// The Single-AZ on-demand price of the class for the engine (aws-facts.md 16.5).
    pub price_per_hour: f64,
    /// A synchronous standby in another zone, billed like the primary (16.1).
    pub multi_az: bool,
    pub read_replicas: u32,
    /// The share of calls that only read: they go to a replica when there is one.
    pub read_share: f64,
    /// Connections each instance accepts: the engine's formula on the class's memory
    /// unless given (aws-facts.md 7).
    pub max_connections: u32,
    /// Connections each calling instance keeps to each endpoint at most.
    pub pool_size: u32,
    /// Queries per call, run one after the other on the call's connection.
    pub queries: u32,
    /// The database CPU time of one query.
    pub query_time: DurationDist,
    /// gp3 storage, GB (billed per GB-month, aws-facts.md 16.4).
    pub storage_gb: u32,
    /// Multi-AZ failovers, in time order (a Multi-AZ database only).
    pub failovers: Vec<Failover>,
    /// RDS Proxy in front of the primary (aws-facts.md 16.3).
    pub proxy: bool,
    /// Reserved DB instances of `class` (aws-facts.md 16.6), settled per clock hour as
    /// EC2's: each covers 3,600 seconds of any of the tier's DB instances (primary,
    /// standby, replicas) per clock hour.
    pub reserved: Vec<Reservation>,
}

/// A Multi-AZ failover at `at`: the primary answers nothing until the standby has
/// taken over, after `duration` (aws-facts.md 16.1: typically 60-120 s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Failover {
    pub at: SimDuration,
    /// `None`: drawn uniformly between 60 s and 120 s.
    pub duration: Option<SimDuration>,
}

/// The database engine: it sets the price and the `max_connections` formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbEngine {
    Mysql,
    Postgres,
}

impl DbEngine {
    /// The default parameter group's `max_connections` for a class of `memory_gib`
    /// (aws-facts.md 7): MySQL `{DBInstanceClassMemory/12582880}`, PostgreSQL
    /// `LEAST({DBInstanceClassMemory/9531392},5000)`, with `DBInstanceClassMemory` the
    /// class's memory in bytes (16 GiB gives MySQL 1,365, "around 1,300" in AWS's
    /// words; 4 GiB gives PostgreSQL 450).
    pub fn max_connections(self, memory_gib: f64) -> u32 {
        let bytes = memory_gib * 1024.0 * 1024.0 * 1024.0;
        match self {
            DbEngine::Mysql => (bytes / 12_582_880.0).floor() as u32,
            DbEngine::Postgres => ((bytes / 9_531_392.0).floor() as u32).min(5000),
        }
    }
}

/// An AWS Lambda function (`kind = "lambda"`), optionally behind API Gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaConfig {
    /// 128-10,240 MB in 1 MB steps (aws-facts.md 6.1).
    pub memory_mb: u32,
    pub architecture: Architecture,
    /// The memory at which `service.time` was measured: the duration scales with the
    /// CPU share for the CPU-bound part of the work (aws-facts.md 14.3).
    pub reference_memory_mb: u32,
    /// The share of `service.time` that is CPU-bound, 0 to 1.
    pub cpu_bound_share: f64,
    /// The function timeout, at most 900 s (aws-facts.md 6.1).
    pub timeout: SimDuration,
    /// The init phase of a new execution environment (a cold start).
    pub init: DurationDist,
    /// How long an idle environment is kept for reuse (aws-facts.md 14.1).
    pub idle_lifetime: SimDuration,
    /// The account's concurrency limit (aws-facts.md 6.1, default 1,000).
    pub account_concurrency: u32,
    /// Reserved concurrency: the function's own cap (aws-facts.md 14.5).
    pub reserved_concurrency: Option<u32>,
    /// Always-warm environments, billed while configured (aws-facts.md 14.4).
    pub provisioned_concurrency: u32,
    /// The monthly free tier, prorated to the run (aws-facts.md 6.1); off by default.
    pub free_tier: bool,
    /// API Gateway in front of the function (the entry tier only).
    pub api_gateway: Option<ApiGatewayConfig>,
    /// An ALB with the function as its target, in front of the entry tier instead of
    /// API Gateway (aws-facts.md 13.4), priced by the tier's `load_balancer`.
    pub alb: bool,
}

impl LambdaConfig {
    /// The concurrency the function can reach: its reserved concurrency, else the
    /// account's (one function uses the unreserved pool alone).
    pub fn concurrency_limit(&self) -> u32 {
        self.reserved_concurrency
            .unwrap_or(self.account_concurrency)
    }
}

/// The instruction set of a Lambda function, which sets its duration price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

/// API Gateway in front of the entry tier's function (aws-facts.md 13).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiGatewayConfig {
    pub api: ApiKind,
    /// The integration timeout: 504 after it (aws-facts.md 13.2).
    pub integration_timeout: SimDuration,
    /// The throttling token bucket: refill per second and capacity (aws-facts.md 13.3).
    pub rate: f64,
    pub burst: u32,
}

/// REST or HTTP API: their prices and timeout limits differ (aws-facts.md 13.1, 13.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
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
    /// An Amazon RDS database called by other tiers.
    Rds,
}

impl TierKind {
    /// The kind as the scenario and the summary spell it.
    pub fn word(self) -> &'static str {
        match self {
            TierKind::Ec2 => "ec2",
            TierKind::Lambda => "lambda",
            TierKind::Fargate => "fargate",
            TierKind::Rds => "rds",
        }
    }
}

/// `count` synchronous calls to the tier at index `tier` of [`Config::tiers`], one
/// after the other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub tier: usize,
    pub count: u32,
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
}

#[derive(Clone, Debug)]
pub struct InstanceConfig {
    pub type_name: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// On-demand price, us-east-1 Linux.
    pub price_per_hour: f64,
    pub boot_time: DurationDist,
    pub failures: Failures,
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

    /// ECS's examples (aws-facts.md 15.5): weights 1 and 4 put one task on the first
    /// provider for every four on the second; a base is filled first.
    #[test]
    fn capacity_provider_strategy_fills_the_base_then_splits_by_weight() {
        let strategy = |od: (u32, u32), spot: (u32, u32)| CapacityProviderStrategy {
            fargate: ProviderShare {
                base: od.0,
                weight: od.1,
            },
            fargate_spot: ProviderShare {
                base: spot.0,
                weight: spot.1,
            },
        };
        let od = |s: &CapacityProviderStrategy| [1, 2, 5, 10].map(|t| s.on_demand_target(t));
        assert_eq!(od(&strategy((0, 1), (0, 4))), [1, 1, 1, 2]);
        assert_eq!(od(&strategy((2, 1), (0, 3))), [1, 2, 3, 4]);
        // A base on FARGATE_SPOT: spot first, then FARGATE by weight (1 of 2 above it).
        assert_eq!(od(&strategy((0, 1), (2, 1))), [0, 0, 2, 4]);
        assert_eq!(od(&strategy((0, 1), (0, 0))), [1, 2, 5, 10]);
        assert!(!strategy((0, 1), (0, 0)).uses_spot());
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
