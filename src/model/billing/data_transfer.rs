//! Data transfer between Availability Zones (aws-facts.md 8, 17.3): "$0.01/GB in each
//! direction". A byte that crosses from one zone to another is charged once out of
//! the first zone and once into the second: $0.02 per GB crossed, both sides being the
//! scenario's own instances. Inbound data from the internet is free and data transfer
//! out to the internet is not modelled here.
//!
//! What crosses: the calls of an instance to an `rds` tier whose primary runs in
//! another zone (its request and its response, `calls.request_bytes` and
//! `response_bytes`), which connect to the database directly. Calls to an `ec2`,
//! `fargate` or `lambda` tier go through its load balancer or the Lambda service: the
//! caller reaches the load balancer's node in its own zone, and "ALB→target traffic
//! across AZs is not charged as inter-AZ transfer" (17.3, unverified there); Lambda
//! runs in no one zone of the run.
//!
//! simcloud counts a GB as 10^9 bytes (aws-facts.md does not say which GB the bill
//! means).

use crate::model::outcome::CostItem;

/// The price of a GB out of one zone, and of a GB into another (aws-facts.md 8, 17.3).
const INTER_AZ_USD_PER_GB_EACH_DIRECTION: f64 = 0.01;
const BYTES_PER_GB: f64 = 1e9;

/// GB in `bytes`.
pub(in crate::model) fn gigabytes(bytes: u64) -> f64 {
    bytes as f64 / BYTES_PER_GB
}

/// The cost of `bytes` crossing between zones: out of one and into the other.
pub(in crate::model) fn inter_az_usd(bytes: u64) -> f64 {
    gigabytes(bytes) * 2.0 * INTER_AZ_USD_PER_GB_EACH_DIRECTION
}

/// The bill's line for `bytes` that crossed between zones in a run ending at `end_s`,
/// for `tier` (the tier whose calls crossed into it); `None` for no bytes.
pub(in crate::model) fn inter_az_item(bytes: u64, end_s: f64, tier: &str) -> Option<CostItem> {
    (bytes > 0).then(|| CostItem {
        item: "inter_az_transfer".to_string(),
        purchase_option: "data_transfer".to_string(),
        instance_type: String::new(),
        instance_id: None,
        start_s: 0.0,
        end_s,
        quantity: gigabytes(bytes),
        unit: "GB".to_string(),
        unit_price_usd: 2.0 * INTER_AZ_USD_PER_GB_EACH_DIRECTION,
        cost_usd: inter_az_usd(bytes),
        tier: tier.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 5 GB across zones: $0.01 out of one and $0.01 into the other per GB, $0.10.
    #[test]
    fn a_gigabyte_across_zones_costs_two_cents() {
        assert!((inter_az_usd(5_000_000_000) - 0.10).abs() < 1e-12);
        assert!(inter_az_item(0, 60.0, "db").is_none());
    }
}
