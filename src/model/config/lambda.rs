//! The configuration of a `lambda` tier: the function and the API Gateway in front
//! (aws-facts.md 6.1, 13, 14).

use super::*;

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
