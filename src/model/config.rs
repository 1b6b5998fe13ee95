//! The validated model configuration: what a simulation run needs, with every default
//! filled in and every cross-field rule already checked.
//!
//! `crate::scenario` builds these from TOML (and is the only code that knows TOML); the
//! simulation trusts them. They serialize back to TOML for `simcloud validate` and the
//! HTML report, so a user always sees the scenario exactly as it was run.

use crate::engine::SimDuration;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// One fully resolved scenario: the input of [`crate::model::simulate`].
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub name: String,
    pub seed: u64,
    pub duration: SimDuration,
    pub traffic: TrafficConfig,
    pub service: ServiceConfig,
    pub instance: InstanceConfig,
    pub load_balancer: LoadBalancerConfig,
    pub autoscaling: AutoScalingConfig,
    pub slo: SloConfig,
    pub report: ReportConfig,
}

/// The arrival rate is the sum of every component present, in requests per second.
#[derive(Clone, Debug, Serialize)]
pub struct TrafficConfig {
    /// Constant base rate [req/s].
    pub rate: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spike: Vec<Spike>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diurnal: Option<Diurnal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
}

/// A trapezoid added on top of the other components: it rises linearly from 0 at
/// `start` to `peak` over `ramp`, holds for `hold`, and falls back to 0 over `ramp_down`.
#[derive(Clone, Debug, Serialize)]
pub struct Spike {
    pub start: SimDuration,
    pub ramp: SimDuration,
    pub hold: SimDuration,
    pub ramp_down: SimDuration,
    /// Extra requests per second at the top of the spike.
    pub peak: f64,
}

/// A daily (or any `period`) cosine between `low` and `high`, highest at `peak_at`.
#[derive(Clone, Debug, Serialize)]
pub struct Diurnal {
    pub low: f64,
    pub high: f64,
    pub period: SimDuration,
    pub peak_at: SimDuration,
}

/// Replay of a CSV of request counts per interval: within interval `i` the rate is
/// `counts[i] / interval * scale`; after the last interval it is 0.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub file: PathBuf,
    pub interval: SimDuration,
    pub column: String,
    pub scale: f64,
    /// Requests per second in each interval, already scaled.
    #[serde(skip)]
    pub rates: Arc<[f64]>,
}

/// A distribution of durations (service times, boot times).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
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

#[derive(Clone, Debug, Serialize)]
pub struct ServiceConfig {
    pub time: DurationDist,
    /// Requests served at once per instance (already multiplied by vCPUs when
    /// `workers_per_vcpu` is set).
    pub workers: u32,
    pub workers_per_vcpu: bool,
    /// Waiting requests per instance before it answers 503; `None` is unlimited.
    #[serde(serialize_with = "serialize_queue_limit")]
    pub queue_limit: Option<u32>,
    /// Load balancer idle timeout: a slower response counts as a 504.
    pub timeout: SimDuration,
}

fn serialize_queue_limit<S: serde::Serializer>(
    limit: &Option<u32>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match limit {
        Some(n) => serializer.serialize_u32(*n),
        None => serializer.serialize_str("unlimited"),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InstanceConfig {
    #[serde(rename = "type")]
    pub type_name: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// On-demand price, us-east-1 Linux.
    pub price_per_hour: f64,
    pub boot_time: DurationDist,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Routing {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
    PowerOfTwo,
}

#[derive(Clone, Debug, Serialize)]
pub struct HealthCheck {
    pub interval: SimDuration,
    pub timeout: SimDuration,
    pub healthy: u32,
    pub unhealthy: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct LoadBalancerConfig {
    pub algorithm: Routing,
    pub health_check: HealthCheck,
    pub deregistration_delay: SimDuration,
    pub price_per_hour: f64,
    pub price_per_lcu_hour: f64,
    /// Bytes processed per request (request + response), for the LCU bill.
    pub request_bytes: u64,
    /// Requests carried by one client connection (1 = no keep-alive), for the LCU bill.
    pub requests_per_connection: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingMetric {
    /// `ASGAverageCPUUtilization`: busy workers / workers, in percent.
    Cpu,
    /// `ALBRequestCountPerTarget`: requests per healthy target per minute.
    RequestCountPerTarget,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScalingPolicy {
    TargetTracking {
        metric: ScalingMetric,
        target: f64,
        disable_scale_in: bool,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct AutoScalingConfig {
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    pub instance_warmup: SimDuration,
    /// CloudWatch metric period the policies read (60 s: detailed monitoring). Not a
    /// scenario key yet, so not printed.
    #[serde(skip)]
    pub metric_period: SimDuration,
    pub policy: Vec<ScalingPolicy>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SloConfig {
    pub latency: SimDuration,
    pub percentile: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReportConfig {
    /// Length of one `timeline.csv` row.
    pub interval: SimDuration,
}
