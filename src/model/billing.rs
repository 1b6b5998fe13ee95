//! The bill: EC2 instances per second with a 60 s minimum, and the load balancer.
//!
//! - EC2 (aws-facts.md 1.1): "You pay only for the seconds that your On-Demand
//!   Instances are in the running state, with a 60-second minimum." Auto Scaling bills
//!   "as soon as they are launched, including the time that they are not yet in
//!   service", so an instance is billed from launch to termination. Seconds are counted
//!   whole, rounding a partial second up.
//! - ALB (4.7): $0.0225 per load-balancer-hour, each partial hour billed as a full hour,
//!   plus $0.008 per LCU-hour. An LCU is the largest of its dimensions; simcloud meters
//!   new connections (25 per second = 1 LCU) and processed bytes (1 GB per hour =
//!   1 LCU). Both are proportional to requests, so the LCU-hours of a run are
//!   `requests * max(1 / (requests_per_connection * 25 * 3600), request_bytes / 1e9)`.
//!   Active connections and rule evaluations are not metered (they rarely dominate for
//!   a web application with short requests and fewer than 10 rules).
//!
//! The ledger keeps one line item per instance, so its memory grows with the number of
//! instances launched, never with the number of requests.

use super::config::LoadBalancerConfig;
use super::instance::{Instance, PurchaseOption};
use super::outcome::CostItem;
use crate::engine::{SimDuration, SimTime};

/// The minimum billed per instance start (aws-facts.md 1.1).
pub const MINIMUM_BILLED_SECS: u64 = 60;

/// Seconds billed for an instance that ran for `ran`: whole seconds, at least 60.
pub fn billed_seconds(ran: SimDuration) -> u64 {
    ran.0.div_ceil(1_000_000_000).max(MINIMUM_BILLED_SECS)
}

/// Cost of `seconds` at an hourly price.
pub fn cost_of_seconds(price_per_hour: f64, seconds: u64) -> f64 {
    price_per_hour * seconds as f64 / 3600.0
}

pub struct CostLedger {
    items: Vec<CostItem>,
    instance_type: String,
    /// Bill of instances already terminated, by purchase option.
    pub retired_on_demand: f64,
    pub retired_spot: f64,
    pub retired_billed_secs: u64,
    lb_price_per_hour: f64,
    lb_price_per_lcu_hour: f64,
    lcu_hours_per_request: f64,
}

impl CostLedger {
    pub fn new(instance_type: &str, lb: &LoadBalancerConfig) -> Self {
        let per_connection = 1.0 / (lb.requests_per_connection * 25.0 * 3600.0);
        let per_byte = lb.request_bytes as f64 / 1e9;
        CostLedger {
            items: Vec::new(),
            instance_type: instance_type.to_string(),
            retired_on_demand: 0.0,
            retired_spot: 0.0,
            retired_billed_secs: 0,
            lb_price_per_hour: lb.price_per_hour,
            lb_price_per_lcu_hour: lb.price_per_lcu_hour,
            lcu_hours_per_request: per_connection.max(per_byte),
        }
    }

    /// Bills an instance that stops at `end` (termination, or the end of the run).
    pub fn close_instance(&mut self, instance: &Instance, end: SimTime) {
        let seconds = billed_seconds(end.since(instance.launched_at));
        let cost = cost_of_seconds(instance.price_per_hour, seconds);
        match instance.purchase {
            PurchaseOption::OnDemand => self.retired_on_demand += cost,
            PurchaseOption::Spot => self.retired_spot += cost,
        }
        self.retired_billed_secs += seconds;
        self.items.push(CostItem {
            item: "instance".into(),
            purchase_option: purchase_name(instance.purchase).into(),
            instance_type: self.instance_type.clone(),
            instance_id: Some(instance.id),
            start_s: instance.launched_at.as_secs_f64(),
            end_s: end.as_secs_f64(),
            quantity: seconds as f64,
            unit: "second".into(),
            unit_price_usd: instance.price_per_hour / 3600.0,
            cost_usd: cost,
        });
    }

    /// What an instance still running at `now` owes so far (its 60 s minimum is owed
    /// from the moment it launches).
    pub fn accrued(instance: &Instance, now: SimTime) -> f64 {
        cost_of_seconds(
            instance.price_per_hour,
            billed_seconds(now.since(instance.launched_at)),
        )
    }

    /// Load-balancer hours billed for a run that has lasted `elapsed`.
    pub fn lb_hours(elapsed: SimDuration) -> u64 {
        elapsed.0.div_ceil(3_600 * 1_000_000_000)
    }

    /// The load balancer's bill after `elapsed` with `requests` processed.
    pub fn lb_cost(&self, elapsed: SimDuration, requests: u64) -> f64 {
        Self::lb_hours(elapsed) as f64 * self.lb_price_per_hour
            + requests as f64 * self.lcu_hours_per_request * self.lb_price_per_lcu_hour
    }

    /// Closes the bill: adds the load balancer's line items and returns every item.
    pub fn finish(mut self, duration: SimDuration, requests: u64) -> Vec<CostItem> {
        let hours = Self::lb_hours(duration);
        let end_s = duration.as_secs_f64();
        self.items.push(CostItem {
            item: "load_balancer_hours".into(),
            purchase_option: "load_balancer".into(),
            instance_type: String::new(),
            instance_id: None,
            start_s: 0.0,
            end_s,
            quantity: hours as f64,
            unit: "hour".into(),
            unit_price_usd: self.lb_price_per_hour,
            cost_usd: hours as f64 * self.lb_price_per_hour,
        });
        let lcu_hours = requests as f64 * self.lcu_hours_per_request;
        self.items.push(CostItem {
            item: "load_balancer_lcu".into(),
            purchase_option: "load_balancer".into(),
            instance_type: String::new(),
            instance_id: None,
            start_s: 0.0,
            end_s,
            quantity: lcu_hours,
            unit: "lcu_hour".into(),
            unit_price_usd: self.lb_price_per_lcu_hour,
            cost_usd: lcu_hours * self.lb_price_per_lcu_hour,
        });
        self.items
    }
}

pub fn purchase_name(p: PurchaseOption) -> &'static str {
    match p {
        PurchaseOption::OnDemand => "on_demand",
        PurchaseOption::Spot => "spot",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: 3 m5.large ($0.096/h) for 10 h = 3 * 0.96 = $2.88; an instance
    /// that lives 30 s is billed the 60 s minimum: 0.096 / 60 = $0.0016; 90.2 s is
    /// billed as 91 s.
    #[test]
    fn per_second_billing_with_a_minute_minimum() {
        let ten_hours = billed_seconds(SimDuration::from_secs(36_000));
        assert_eq!(ten_hours, 36_000);
        assert!((3.0 * cost_of_seconds(0.096, ten_hours) - 2.88).abs() < 1e-12);
        assert_eq!(billed_seconds(SimDuration::from_secs(30)), 60);
        assert!((cost_of_seconds(0.096, 60) - 0.0016).abs() < 1e-15);
        assert_eq!(billed_seconds(SimDuration::from_millis(90_200)), 91);
    }

    /// A partial load-balancer hour is a full hour: 2 h 1 s is 3 hours.
    #[test]
    fn load_balancer_hours_round_up() {
        assert_eq!(CostLedger::lb_hours(SimDuration::from_secs(7_201)), 3);
        assert_eq!(CostLedger::lb_hours(SimDuration::from_secs(7_200)), 2);
    }
}
