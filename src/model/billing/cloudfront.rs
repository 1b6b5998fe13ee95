//! Amazon CloudFront's bill, for objects served through a distribution in front of an
//! S3 bucket (aws-facts.md 21.3): data transfer out from the edge and HTTPS requests,
//! each month after the always-free 1 TB and 10,000,000 requests. Origin fetches from
//! S3 are free (21.1, 21.3); their GETs are S3's.
//!
//! - Out to the internet (US, Mexico, Canada, Europe): the first 1 TB (1,024 GB) of a
//!   month free, then $0.085/GB up to 10 TB, $0.080 to 50 TB, $0.060 to 150 TB,
//!   $0.040 to 500 TB, $0.030 to 1,024 TB, $0.025 to 5 PB, $0.020 beyond — bounds on
//!   the month's total, as for EC2's egress (`data_transfer.rs`), which is 21.3's own
//!   model: "max(0, GB − 1,024) × 0.085".
//! - HTTPS requests: $0.0100 per 10,000 past the free 10,000,000 of a month.
//!
//! CloudFront's free tier is its own, not the 100 GB of other services' egress (21.3).

use super::data_transfer::{LineNames, MonthlyUsage, Tiers};
use crate::engine::SimTime;
use crate::model::outcome::CostItem;

const TB: f64 = 1024.0;

/// Data transfer out from the edge, per GB of a month.
const OUT: Tiers = Tiers(&[
    (TB, 0.0),
    (10.0 * TB, 0.085),
    (50.0 * TB, 0.080),
    (150.0 * TB, 0.060),
    (500.0 * TB, 0.040),
    (1024.0 * TB, 0.030),
    (5.0 * 1024.0 * TB, 0.025),
    (f64::INFINITY, 0.020),
]);

/// HTTPS requests, per request of a month.
const REQUESTS: Tiers = Tiers(&[(10_000_000.0, 0.0), (f64::INFINITY, 0.01 / 10_000.0)]);

const OUT_LINES: LineNames = LineNames {
    part: "cloudfront",
    item: "cloudfront_out",
    unit: "gb",
};
const REQUEST_LINES: LineNames = LineNames {
    part: "cloudfront",
    item: "cloudfront_requests",
    unit: "request",
};

/// A distribution's usage, per month of simulated time.
#[derive(Clone, Debug, Default)]
pub(in crate::model) struct CloudFrontBill {
    pub gb: MonthlyUsage,
    pub requests: MonthlyUsage,
}

impl CloudFrontBill {
    /// The bill so far.
    pub(in crate::model) fn cost(&self) -> f64 {
        self.gb.cost(OUT) + self.requests.cost(REQUESTS)
    }

    /// The bill's lines for a run that ended at `end`: per month, the GB and the
    /// requests by band, the free ones included.
    pub(in crate::model) fn lines(&self, end: SimTime, tier: &str) -> Vec<CostItem> {
        let mut lines = self.gb.lines(OUT, end, &OUT_LINES, tier);
        lines.extend(self.requests.lines(REQUESTS, end, &REQUEST_LINES, tier));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// The always-free tier by hand: 1,024 GB and 10,000,000 requests in a month cost
    /// nothing; 2,048 GB and 12,000,000 requests cost 1,024 * $0.085 = $87.04 and
    /// 2,000,000 / 10,000 * $0.01 = $2.00. Past 10 TB the price is $0.080: 10,241 GB
    /// cost 9,216 * 0.085 + 1 * 0.080 = $783.44.
    #[test]
    fn free_tier_then_bands_by_hand() {
        let month = |gb: f64, requests: f64| {
            let mut bill = CloudFrontBill::default();
            let end = SimTime::ZERO + SimDuration::HOUR;
            bill.gb.add(SimTime::ZERO, end, gb);
            bill.requests.add(SimTime::ZERO, end, requests);
            bill
        };
        assert_eq!(month(1024.0, 1e7).cost(), 0.0);
        assert!((month(2048.0, 1.2e7).cost() - 89.04).abs() < 1e-9);
        assert!((month(10_241.0, 0.0).cost() - 783.44).abs() < 1e-9);
        let lines = month(2048.0, 1.2e7).lines(SimTime::ZERO + SimDuration::HOUR, "web");
        let items: Vec<&str> = lines.iter().map(|l| l.item.as_str()).collect();
        assert_eq!(
            items,
            [
                "cloudfront_out_free",
                "cloudfront_out",
                "cloudfront_requests_free",
                "cloudfront_requests"
            ]
        );
        let sum: f64 = lines.iter().map(|l| l.cost_usd).sum();
        assert!((sum - 89.04).abs() < 1e-9);
    }
}
