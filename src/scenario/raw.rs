//! The scenario file as written: serde structs mirroring the TOML, every field optional
//! so that defaults are filled in one place (`resolve`), and unknown keys rejected.
//!
//! A key that takes values of several shapes (a distribution is a duration or a
//! table; `queue_limit` is a count or "unlimited") is kept as a `toml::Value` and
//! read by `resolve`: serde's untagged enums would answer a mistake with "data did not
//! match any variant of untagged enum", naming no key and a Rust type.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub duration: Option<String>,
    pub seed: Option<u64>,
    pub traffic: Option<RawTraffic>,
    pub service: Option<RawService>,
    pub instance: Option<RawInstance>,
    pub load_balancer: Option<RawLoadBalancer>,
    pub autoscaling: Option<RawAutoScaling>,
    pub purchase: Option<RawPurchase>,
    pub spot: Option<RawSpot>,
    pub slo: Option<RawSlo>,
    pub report: Option<RawReport>,
    // `[[strategy]]` is taken out of the table before this struct is read; see
    // `ScenarioFile::strategies`.
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    pub rate: Option<f64>,
    pub spike: Option<Vec<RawSpike>>,
    pub diurnal: Option<RawDiurnal>,
    pub trace: Option<RawTrace>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpike {
    pub start: String,
    pub ramp: Option<String>,
    pub hold: Option<String>,
    pub ramp_down: Option<String>,
    pub peak: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiurnal {
    pub low: f64,
    pub high: f64,
    pub period: Option<String>,
    pub peak_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrace {
    pub file: String,
    pub interval: Option<String>,
    pub column: Option<String>,
    pub scale: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: String,
    pub mean: Option<String>,
    pub cv: Option<f64>,
    pub value: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub time: Option<toml::Value>,
    pub workers: Option<u32>,
    pub workers_per_vcpu: Option<bool>,
    pub queue_limit: Option<toml::Value>,
    pub timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstance {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub vcpu: Option<u32>,
    pub memory_gib: Option<f64>,
    pub price_per_hour: Option<f64>,
    pub boot_time: Option<toml::Value>,
    pub failures: Option<RawFailures>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailures {
    pub mtbf: Option<String>,
    pub at: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub healthy: Option<u32>,
    pub unhealthy: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoadBalancer {
    pub algorithm: Option<String>,
    pub health_check: Option<RawHealthCheck>,
    pub deregistration_delay: Option<String>,
    pub slow_start: Option<String>,
    pub price_per_hour: Option<f64>,
    pub price_per_lcu_hour: Option<f64>,
    pub request_bytes: Option<u64>,
    pub requests_per_connection: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoScaling {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
    pub instance_warmup: Option<String>,
    pub monitoring: Option<String>,
    pub metric_delay: Option<String>,
    pub termination_policy: Option<String>,
    pub health_check_type: Option<String>,
    pub health_check_grace_period: Option<String>,
    pub new_instances_protected_from_scale_in: Option<bool>,
    pub policy: Option<Vec<RawPolicy>>,
    pub scheduled: Option<Vec<RawScheduled>>,
    pub warm_pool: Option<RawWarmPool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWarmPool {
    pub size: Option<u32>,
    pub start_time: Option<toml::Value>,
    pub storage_price_per_hour: Option<f64>,
}

/// Every policy kind's keys; `resolve` rejects those that do not belong to the kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub kind: String,
    pub metric: Option<String>,
    pub target: Option<f64>,
    pub disable_scale_in: Option<bool>,
    pub alarm: Option<RawAlarm>,
    pub adjustment_type: Option<String>,
    pub adjustment: Option<f64>,
    pub steps: Option<Vec<RawStep>>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown: Option<String>,
    pub mode: Option<String>,
    pub scheduling_buffer: Option<String>,
    // `kind = "scheduled"`: the keys of a scheduled action.
    pub at: Option<String>,
    pub recurrence: Option<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlarm {
    pub metric: Option<String>,
    pub comparison: String,
    pub threshold: f64,
    pub evaluation_periods: Option<u32>,
    pub datapoints_to_alarm: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduled {
    pub at: Option<String>,
    pub recurrence: Option<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub latency: Option<String>,
    pub percentile: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    pub interval: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPurchase {
    pub on_demand_base: Option<u32>,
    pub on_demand_percent_above_base: Option<i64>,
    pub spot_pools: Option<Vec<String>>,
    pub spot_allocation: Option<String>,
    pub spot_instance_pools: Option<u32>,
    pub reserved: Option<Vec<RawReservation>>,
    pub savings_plan: Option<RawSavingsPlan>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReservation {
    #[serde(rename = "type")]
    pub type_name: String,
    pub count: u32,
    pub term: Option<String>,
    pub payment: Option<String>,
    pub class: Option<String>,
    pub hourly_usd: Option<f64>,
    pub upfront_usd: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSavingsPlan {
    pub kind: String,
    pub hourly_commitment: f64,
    pub term: Option<String>,
    pub payment: Option<String>,
    pub discount: Option<f64>,
    pub family: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    pub price: Option<RawSpotPrice>,
    pub interruption: Option<RawInterruption>,
    pub capacity_events: Option<RawCapacityEvents>,
    pub notice: Option<String>,
    pub rebalance: Option<RawRebalance>,
    pub capacity_rebalance: Option<bool>,
    pub pool: Option<Vec<RawSpotPool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpotPrice {
    pub discount: Option<f64>,
    pub trace: Option<String>,
    pub zone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInterruption {
    pub band: Option<String>,
    pub per_hour: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityEvents {
    pub per_day: f64,
    pub share: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRebalance {
    pub probability: Option<f64>,
    pub lead_max: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpotPool {
    #[serde(rename = "type")]
    pub type_name: String,
    pub interruption: RawInterruption,
}
