//! Amazon Route 53's bill for the `[dns]` name (aws-facts.md 11.7): $0.50 per hosted
//! zone per month (the first 25 zones; a scenario has one), prorated over the run as
//! the other monthly prices are (`billing::MONTH`), and $0.40 per million standard
//! queries (the first billion a month; the cheaper band beyond is not modelled). The
//! record is a CNAME to the Elastic Beanstalk environment's name, whose queries are
//! billed (an alias record's would be free, 11.7; not modelled).
//!
//! Queries: the clients reach Route 53 through `resolvers` caching resolvers, each
//! sent an equal share of the requests as a Poisson stream. A resolver asks at its
//! first request after its cached answer expired, so its queries are a renewal
//! process of mean gap `ttl + resolvers / λ` (the TTL, then the wait for the next
//! request): `λ / (1 + λ · ttl / resolvers)` queries per second in all, at the entry
//! tier's arrival rate λ, taken per timeline interval. At a low rate every request
//! queries; at a high one each resolver asks once per TTL.

use super::MONTH;
use crate::engine::{SimDuration, SimTime};
use crate::model::config::DnsConfig;
use crate::model::outcome::{CostItem, round_to};

/// A hosted zone per month, the first 25 zones (aws-facts.md 11.7).
pub(in crate::model) const HOSTED_ZONE_PER_MONTH: f64 = 0.50;
/// Standard queries per million, the first billion a month (aws-facts.md 11.7).
pub(in crate::model) const PER_MILLION_QUERIES: f64 = 0.40;

/// The hosted zone and the queries counted so far.
#[derive(Clone, Debug)]
pub(in crate::model) struct Route53Bill {
    ttl_secs: f64,
    resolvers: f64,
    queries: f64,
    tier: String,
}

impl Route53Bill {
    pub(in crate::model) fn new(dns: &DnsConfig, tier: &str) -> Self {
        Route53Bill {
            ttl_secs: dns.ttl.as_secs_f64(),
            resolvers: f64::from(dns.resolvers),
            queries: 0.0,
            tier: tier.to_string(),
        }
    }

    /// `arrivals` requests reached the entry tier over `[start, end)`: the queries
    /// their clients' resolvers made.
    pub(in crate::model) fn arrived(&mut self, start: SimTime, end: SimTime, arrivals: u64) {
        let secs = end.since(start).as_secs_f64();
        if secs <= 0.0 || arrivals == 0 {
            return;
        }
        let n = arrivals as f64;
        let rate = n / secs;
        self.queries += n / (1.0 + rate * self.ttl_secs / self.resolvers);
    }

    /// The queries counted so far.
    #[cfg(test)]
    pub(in crate::model) fn queries(&self) -> f64 {
        self.queries
    }

    /// The bill after `elapsed`.
    pub(in crate::model) fn cost(&self, elapsed: SimDuration) -> f64 {
        months(elapsed) * HOSTED_ZONE_PER_MONTH + self.queries / 1e6 * PER_MILLION_QUERIES
    }

    /// The bill's two lines for a run that lasted `elapsed`.
    pub(in crate::model) fn lines(&self, elapsed: SimDuration) -> Vec<CostItem> {
        let end_s = elapsed.as_secs_f64();
        let line = |item: &str, quantity: f64, unit: &str, price: f64| CostItem {
            item: item.to_string(),
            purchase_option: "route53".to_string(),
            instance_type: String::new(),
            instance_id: None,
            start_s: 0.0,
            end_s,
            quantity: round_to(quantity, 6),
            unit: unit.to_string(),
            unit_price_usd: price,
            cost_usd: quantity * price,
            tier: self.tier.clone(),
        };
        vec![
            line(
                "route53_hosted_zone",
                months(elapsed),
                "zone_month",
                HOSTED_ZONE_PER_MONTH,
            ),
            line(
                "route53_queries",
                self.queries / 1e6,
                "million_queries",
                PER_MILLION_QUERIES,
            ),
        ]
    }
}

/// `elapsed` in months of 730 hours.
fn months(elapsed: SimDuration) -> f64 {
    elapsed.as_secs_f64() / MONTH.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 req/s for an hour through 1,000 resolvers with a 60 s TTL: λ·T/C = 6, so
    /// 360,000 / 7 ≈ 51,428.6 queries, $0.0205714; the zone for 1 h of a 730-h month
    /// is $0.50 / 730 = $0.000684932.
    #[test]
    fn a_resolver_asks_once_per_ttl_and_request_gap() {
        let dns = DnsConfig {
            ttl: SimDuration::from_secs(60),
            ttl_ignoring_share: 0.0,
            ttl_ignoring_hold: SimDuration::HOUR,
            resolvers: 1000,
        };
        let mut bill = Route53Bill::new(&dns, "web");
        bill.arrived(SimTime::ZERO, SimTime::from_secs(3600), 360_000);
        assert!((bill.queries() - 360_000.0 / 7.0).abs() < 1e-6);
        let cost = bill.cost(SimDuration::HOUR);
        let by_hand = 0.5 / 730.0 + 360_000.0 / 7.0 / 1e6 * 0.4;
        assert!((cost - by_hand).abs() < 1e-12, "{cost}");
    }
}
