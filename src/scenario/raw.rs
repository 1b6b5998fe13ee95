//! The scenario file as written: serde structs mirroring the TOML, every field optional
//! so that defaults are filled in one place (`resolve`), and unknown keys rejected.

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
#[serde(untagged)]
pub enum RawQueueLimit {
    Count(i64),
    Word(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub time: Option<RawDist>,
    pub workers: Option<u32>,
    pub workers_per_vcpu: Option<bool>,
    pub queue_limit: Option<RawQueueLimit>,
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
    pub boot_time: Option<RawDist>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoScaling {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
    pub instance_warmup: Option<String>,
    pub policy: Option<Vec<RawPolicy>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub kind: String,
    pub metric: Option<String>,
    pub target: Option<f64>,
    pub disable_scale_in: Option<bool>,
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
