//! The Application Load Balancer's bill (aws-facts.md 4.7): $0.0225 per
//! load-balancer-hour, each partial hour billed as a full hour, plus $0.008 per
//! LCU-hour. An LCU is the largest of its dimensions; simcloud meters new connections
//! (25 per second = 1 LCU) and processed bytes (1 GB per hour = 1 LCU for EC2 and IP
//! targets, 0.4 GB for Lambda targets). Both are proportional to requests, so the
//! LCU-hours of a run are `requests * max(1 / (requests_per_connection * 25 * 3600),
//! request_bytes / (GB per LCU-hour * 1e9))`. Active connections and rule evaluations
//! are not metered (they rarely dominate for a web application with short requests
//! and fewer than 10 rules).

use crate::engine::{SECS_PER_HOUR, SimDuration};
use crate::model::config::LoadBalancerConfig;

/// What the load balancer's targets are: the processed-bytes dimension of an LCU
/// differs (aws-facts.md 4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::model) enum AlbTargets {
    /// EC2 instances or IP addresses (Fargate tasks): 1 GB per LCU-hour.
    Instances,
    /// A Lambda function: 0.4 GB per LCU-hour.
    Lambda,
}

/// An ALB's prices, and the LCU-hours one request uses.
#[derive(Clone, Debug)]
pub(in crate::model) struct AlbPrices {
    per_hour: f64,
    per_lcu_hour: f64,
    lcu_hours_per_request: f64,
}

impl AlbPrices {
    pub(in crate::model) fn new(lb: &LoadBalancerConfig, targets: AlbTargets) -> Self {
        let gb_per_lcu_hour = match targets {
            AlbTargets::Instances => 1.0,
            AlbTargets::Lambda => 0.4,
        };
        let per_connection = 1.0 / (lb.requests_per_connection * 25.0 * SECS_PER_HOUR);
        let per_byte = lb.request_bytes as f64 / (gb_per_lcu_hour * 1e9);
        AlbPrices {
            per_hour: lb.price_per_hour,
            per_lcu_hour: lb.price_per_lcu_hour,
            lcu_hours_per_request: per_connection.max(per_byte),
        }
    }

    /// The price of a load-balancer hour.
    pub(in crate::model) fn per_hour(&self) -> f64 {
        self.per_hour
    }

    /// Load-balancer hours billed for a run that has lasted `elapsed`.
    pub(in crate::model) fn hours(elapsed: SimDuration) -> u64 {
        elapsed.0.div_ceil(SimDuration::HOUR.0)
    }

    /// The bill after `elapsed` with `requests` processed.
    pub(in crate::model) fn cost(&self, elapsed: SimDuration, requests: u64) -> f64 {
        Self::hours(elapsed) as f64 * self.per_hour
            + requests as f64 * self.lcu_hours_per_request * self.per_lcu_hour
    }

    /// The bill's two lines as `(item, quantity, unit, unit price)`: the hours and
    /// the LCU-hours.
    pub(in crate::model) fn lines(
        &self,
        elapsed: SimDuration,
        requests: u64,
    ) -> [(&'static str, f64, &'static str, f64); 2] {
        [
            (
                "load_balancer_hours",
                Self::hours(elapsed) as f64,
                "hour",
                self.per_hour,
            ),
            (
                "load_balancer_lcu",
                requests as f64 * self.lcu_hours_per_request,
                "lcu_hour",
                self.per_lcu_hour,
            ),
        ]
    }
}
