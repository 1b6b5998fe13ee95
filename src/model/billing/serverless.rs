//! The bill of a `lambda` tier: AWS Lambda's requests, duration and provisioned
//! concurrency, and API Gateway's requests. Prices are us-east-1, first tier:
//!
//! - Lambda (aws-facts.md 6.1, 14.4): $0.20 per million requests; duration billed per
//!   1 ms × memory at $0.0000166667 per GB-s on x86 and $0.0000133334 on Arm. A cold
//!   invocation's billed duration is its init plus its invoke (14.2, since 1 Aug 2025).
//! - Provisioned concurrency (14.4): configured environments × memory × the time it is
//!   configured, "rounded up to the nearest five minutes", at $0.0000041667 per GB-s
//!   (x86; Arm $0.0000033334, unverified), plus its invocations' duration at the lower
//!   $0.0000097222 per GB-s (x86; Arm $0.0000077778, unverified). Invocations that spill
//!   over to on-demand environments pay on-demand rates.
//! - The free tier (6.1): 1 M requests and 400,000 GB-s a month. A run is rarely a
//!   month, so simcloud prorates the allowance to the run's length over a 730-hour
//!   month (the month of AWS's price pages), which keeps a cost per hour independent
//!   of the run's length. It applies to on-demand usage only ("the free tier does not
//!   apply to PC functions": with provisioned concurrency there is none). Off by
//!   default: most accounts have spent it on other functions.
//! - API Gateway (13.1): REST $3.50 per million calls, HTTP $1.00 per million, first
//!   tier. Requests API Gateway throttles with 429 are not billed (an assumption:
//!   aws-facts does not say).
//! - An ALB in front of the function instead (13.4): its hours and LCUs as for any
//!   ALB, with 0.4 GB of processed bytes per LCU-hour (`alb`), for every request it
//!   receives, throttled or not; no per-request fee.
//!
//! Usage is kept in exact integers (milliseconds × MB) and priced when asked, so the
//! bill accrued for a timeline row and the closed bill agree to the cent.

use super::MONTH;
use super::alb::AlbPrices;
use crate::engine::SimDuration;
use crate::model::config::{ApiKind, Architecture, LambdaConfig};
use crate::model::outcome::{CostItem, CostSummary, round_to};

/// $0.20 per million.
const PER_REQUEST_USD: f64 = 0.000_000_2;
const MB_PER_GB: f64 = 1024.0;
/// The free tier's monthly allowance (prorated over `billing::MONTH`).
const FREE_REQUESTS_PER_MONTH: f64 = 1e6;
const FREE_GB_SECONDS_PER_MONTH: f64 = 400_000.0;
/// Provisioned concurrency is billed in steps of five minutes.
const PROVISIONED_STEP: SimDuration = SimDuration::from_secs(300);

/// Per GB-s: on-demand duration, provisioned duration, provisioned configured.
fn gb_second_prices(architecture: Architecture) -> (f64, f64, f64) {
    match architecture {
        Architecture::X86_64 => (0.0000166667, 0.0000097222, 0.0000041667),
        Architecture::Arm64 => (0.0000133334, 0.0000077778, 0.0000033334),
    }
}

/// API Gateway's price per request (aws-facts.md 13.1).
pub(in crate::model) fn api_gateway_price(api: ApiKind) -> f64 {
    match api {
        ApiKind::Rest => 0.000_003_5,
        ApiKind::Http => 0.000_001,
    }
}

/// A lambda tier's usage so far, and its prices.
pub(in crate::model) struct ServerlessBill {
    memory_mb: u64,
    provisioned: u64,
    free_tier: bool,
    prices: (f64, f64, f64),
    api_price: Option<f64>,
    alb: Option<AlbPrices>,
    tier: String,
    /// Invocations (requests Lambda ran), billed milliseconds on on-demand and on
    /// provisioned environments, and requests API Gateway passed on.
    pub invocations: u64,
    on_demand_ms: u64,
    provisioned_ms: u64,
    pub api_requests: u64,
    /// Requests the ALB in front received.
    pub alb_requests: u64,
}

/// What a lambda tier costs up to some time.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::model) struct ServerlessCost {
    requests: f64,
    duration: f64,
    provisioned_duration: f64,
    provisioned_configured: f64,
    free_tier: f64,
    api_gateway: f64,
    load_balancer: f64,
    /// Billed GB-seconds, on-demand and provisioned (the configured time is not).
    pub gb_seconds: f64,
    configured_gb_seconds: f64,
}

impl ServerlessCost {
    pub(in crate::model) fn lambda(&self) -> f64 {
        self.requests
            + self.duration
            + self.provisioned_duration
            + self.provisioned_configured
            + self.free_tier
    }

    pub(in crate::model) fn total(&self) -> f64 {
        self.lambda() + self.api_gateway + self.load_balancer
    }

    /// The tier's part of `summary.json`'s `cost_usd`. No instances run, so the
    /// all-on-demand figure is the bill itself and there is no saving.
    pub(in crate::model) fn summary(&self) -> CostSummary {
        CostSummary {
            total: round_to(self.total(), 6),
            lambda: round_to(self.lambda(), 6),
            api_gateway: round_to(self.api_gateway, 6),
            load_balancer: round_to(self.load_balancer, 6),
            all_on_demand: round_to(self.total(), 6),
            ..CostSummary::default()
        }
    }
}

impl ServerlessBill {
    /// The bill of `function` in `tier`, behind `alb` when an ALB is in front.
    pub(in crate::model) fn new(
        function: &LambdaConfig,
        tier: &str,
        alb: Option<AlbPrices>,
    ) -> Self {
        ServerlessBill {
            memory_mb: u64::from(function.memory_mb),
            provisioned: u64::from(function.provisioned_concurrency),
            free_tier: function.free_tier && function.provisioned_concurrency == 0,
            prices: gb_second_prices(function.architecture),
            api_price: function
                .api_gateway
                .as_ref()
                .map(|g| api_gateway_price(g.api)),
            alb,
            tier: tier.to_string(),
            invocations: 0,
            on_demand_ms: 0,
            provisioned_ms: 0,
            api_requests: 0,
            alb_requests: 0,
        }
    }

    /// An invocation ran (or has run so far) for `billed`, on a provisioned
    /// environment or not: per 1 ms, rounded up (aws-facts.md 6.1).
    pub(in crate::model) fn ran(&mut self, billed: SimDuration, provisioned: bool) {
        let ms = billed.0.div_ceil(1_000_000);
        match provisioned {
            true => self.provisioned_ms += ms,
            false => self.on_demand_ms += ms,
        }
    }

    fn gb_seconds(&self, ms: u64) -> f64 {
        (ms * self.memory_mb) as f64 / 1000.0 / MB_PER_GB
    }

    /// The bill for `elapsed` of the run, with the usage recorded so far.
    pub(in crate::model) fn cost(&self, elapsed: SimDuration) -> ServerlessCost {
        let (on_demand_price, provisioned_price, configured_price) = self.prices;
        let on_demand_gbs = self.gb_seconds(self.on_demand_ms);
        let provisioned_gbs = self.gb_seconds(self.provisioned_ms);
        let configured_secs =
            elapsed.0.div_ceil(PROVISIONED_STEP.0) * PROVISIONED_STEP.0 / 1_000_000_000;
        let configured_gbs =
            (self.provisioned * configured_secs * self.memory_mb) as f64 / MB_PER_GB;
        let requests = self.invocations as f64 * PER_REQUEST_USD;
        let duration = on_demand_gbs * on_demand_price;
        let free_tier = match self.free_tier {
            false => 0.0,
            true => {
                let share = elapsed.as_secs_f64() / MONTH.as_secs_f64();
                let free_requests = (FREE_REQUESTS_PER_MONTH * share).min(self.invocations as f64);
                let free_gbs = (FREE_GB_SECONDS_PER_MONTH * share).min(on_demand_gbs);
                -(free_requests * PER_REQUEST_USD + free_gbs * on_demand_price)
            }
        };
        ServerlessCost {
            requests,
            duration,
            provisioned_duration: provisioned_gbs * provisioned_price,
            provisioned_configured: configured_gbs * configured_price,
            free_tier,
            api_gateway: self.api_requests as f64 * self.api_price.unwrap_or(0.0),
            load_balancer: self
                .alb
                .as_ref()
                .map_or(0.0, |alb| alb.cost(elapsed, self.alb_requests)),
            gb_seconds: on_demand_gbs + provisioned_gbs,
            configured_gb_seconds: configured_gbs,
        }
    }

    /// The bill's lines for a run of `elapsed` (`cost.csv`): each non-zero part.
    pub(in crate::model) fn items(&self, elapsed: SimDuration) -> Vec<CostItem> {
        let c = self.cost(elapsed);
        let (on_demand_price, provisioned_price, configured_price) = self.prices;
        let provisioned_gbs = self.gb_seconds(self.provisioned_ms);
        let on_demand_gbs = self.gb_seconds(self.on_demand_ms);
        let lines = [
            (
                "lambda_requests",
                "lambda",
                self.invocations as f64,
                "requests",
                PER_REQUEST_USD,
                c.requests,
            ),
            (
                "lambda_duration",
                "lambda",
                on_demand_gbs,
                "GB-seconds",
                on_demand_price,
                c.duration,
            ),
            (
                "lambda_provisioned_duration",
                "lambda",
                provisioned_gbs,
                "GB-seconds",
                provisioned_price,
                c.provisioned_duration,
            ),
            (
                "lambda_provisioned_concurrency",
                "lambda",
                c.configured_gb_seconds,
                "GB-seconds",
                configured_price,
                c.provisioned_configured,
            ),
            (
                "lambda_free_tier",
                "lambda",
                1.0,
                "prorated allowance",
                c.free_tier,
                c.free_tier,
            ),
            (
                "api_gateway_requests",
                "api_gateway",
                self.api_requests as f64,
                "requests",
                self.api_price.unwrap_or(0.0),
                c.api_gateway,
            ),
        ];
        let alb = self.alb.iter().flat_map(|alb| {
            alb.lines(elapsed, self.alb_requests)
                .map(|(item, quantity, unit, price)| {
                    (
                        item,
                        "load_balancer",
                        quantity,
                        unit,
                        price,
                        quantity * price,
                    )
                })
        });
        lines
            .into_iter()
            .chain(alb)
            .filter(|line| line.5 != 0.0)
            .map(|(item, part, quantity, unit, unit_price, cost)| CostItem {
                item: item.to_string(),
                purchase_option: part.to_string(),
                instance_type: format!("{} MB", self.memory_mb),
                instance_id: None,
                start_s: 0.0,
                end_s: elapsed.as_secs_f64(),
                quantity,
                unit: unit.to_string(),
                unit_price_usd: unit_price,
                cost_usd: cost,
                tier: self.tier.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::{ApiGatewayConfig, DurationDist};

    fn function(memory_mb: u32, architecture: Architecture, api: ApiKind) -> LambdaConfig {
        LambdaConfig {
            memory_mb,
            architecture,
            reference_memory_mb: memory_mb,
            cpu_bound_share: 1.0,
            timeout: SimDuration::from_secs(3),
            init: DurationDist::Constant {
                value: SimDuration::ZERO,
            },
            idle_lifetime: SimDuration::HOUR,
            account_concurrency: 1000,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            free_tier: false,
            api_gateway: Some(ApiGatewayConfig {
                api,
                integration_timeout: SimDuration::from_secs(29),
                rate: 10_000.0,
                burst: 5_000,
            }),
            alb: false,
        }
    }

    /// Exactly 1 million warm requests of 120 ms at 512 MB, through API Gateway:
    /// $0.20 of requests; 60,000 GB-s × $0.0000166667 = $1.000002 (x86) or
    /// × $0.0000133334 = $0.800004 (Arm); REST $3.50, HTTP $1.00.
    #[test]
    fn a_million_requests_by_hand() {
        for (architecture, api, lambda, gateway) in [
            (Architecture::X86_64, ApiKind::Rest, 1.200002, 3.50),
            (Architecture::Arm64, ApiKind::Http, 1.000004, 1.00),
        ] {
            let mut bill = ServerlessBill::new(&function(512, architecture, api), "fn", None);
            for _ in 0..1_000_000 {
                bill.invocations += 1;
                bill.api_requests += 1;
                bill.ran(SimDuration::from_millis(120), false);
            }
            let c = bill.cost(SimDuration::HOUR);
            assert!((c.lambda() - lambda).abs() < 1e-9, "{}", c.lambda());
            assert!((c.api_gateway - gateway).abs() < 1e-9);
            assert!((c.gb_seconds - 60_000.0).abs() < 1e-9);
            let lines: f64 = bill
                .items(SimDuration::HOUR)
                .iter()
                .map(|i| i.cost_usd)
                .sum();
            assert!((lines - c.total()).abs() < 1e-9);
        }
    }

    /// The free tier prorated to one 730-hour month covers the whole allowance:
    /// 1 M requests and 400,000 GB-s. 2 M requests of 1 s at 1,024 MB (2 M GB-s) pay for
    /// 1 M requests ($0.20) and 1.6 M GB-s ($26.66672).
    #[test]
    fn the_free_tier_over_a_month() {
        let mut f = function(1024, Architecture::X86_64, ApiKind::Http);
        f.free_tier = true;
        let mut bill = ServerlessBill::new(&f, "fn", None);
        bill.invocations = 2_000_000;
        bill.on_demand_ms = 2_000_000 * 1000;
        let c = bill.cost(MONTH);
        assert!(
            (c.lambda() - (0.20 + 1.6e6 * 0.0000166667)).abs() < 1e-6,
            "{}",
            c.lambda()
        );
    }
}
