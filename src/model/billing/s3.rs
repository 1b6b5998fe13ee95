//! Amazon S3 Standard's bill (aws-facts.md 21.1): requests and storage. The objects it
//! sends to the internet are data transfer out (`data_transfer.rs`), priced with
//! everything else the run sends; what it sends to CloudFront or to EC2 in the Region
//! is free (21.1), so an origin fetch costs only its GET.
//!
//! - GET (and every request but PUT, COPY, POST, LIST and DELETE): $0.0004 per 1,000.
//! - PUT, COPY, POST, LIST: $0.005 per 1,000.
//! - Storage: $0.023 per GB-month for the first 50 TB of a month, $0.022 for the next
//!   450 TB, $0.021 beyond (the two last "from memory" in aws-facts), prorated over
//!   the run from the 730-hour [`MONTH`].
//!
//! The free tier of a new account's first 12 months (5 GB, 20,000 GETs, 2,000 PUTs,
//! 21.1) is not applied: it ends, and a capacity plan is for the years after.

use super::MONTH;
use super::data_transfer::Tiers;
use crate::engine::SimDuration;
use crate::model::outcome::CostItem;

/// Per GET request.
const GET_USD: f64 = 0.0004 / 1000.0;
/// Per PUT request.
const PUT_USD: f64 = 0.005 / 1000.0;
/// Storage per GB-month, by the month's GB stored (TB = 1,024 GB).
const STORAGE: Tiers = Tiers(&[
    (50.0 * 1024.0, 0.023),
    (500.0 * 1024.0, 0.022),
    (f64::INFINITY, 0.021),
]);

/// A bucket's requests so far, and what it stores.
#[derive(Clone, Debug, Default)]
pub(in crate::model) struct S3Bill {
    pub gets: f64,
    pub puts: f64,
    pub stored_gb: f64,
}

impl S3Bill {
    /// The bill after `elapsed`.
    pub(in crate::model) fn cost(&self, elapsed: SimDuration) -> f64 {
        self.lines(elapsed, "").iter().map(|l| l.cost_usd).sum()
    }

    /// The bill's lines after `elapsed`: the GETs, the PUTs and the storage by band,
    /// each present when it has a quantity.
    pub(in crate::model) fn lines(&self, elapsed: SimDuration, tier: &str) -> Vec<CostItem> {
        let months = elapsed.as_secs_f64() / MONTH.as_secs_f64();
        let storage = STORAGE
            .bands(self.stored_gb)
            .map(|b| ("s3_storage", b.quantity * months, "gb_month", b.unit_price));
        [
            ("s3_get_requests", self.gets, "request", GET_USD),
            ("s3_put_requests", self.puts, "request", PUT_USD),
        ]
        .into_iter()
        .chain(storage)
        .filter(|&(_, quantity, _, _)| quantity > 0.0)
        .map(|(item, quantity, unit, price)| CostItem {
            item: item.to_string(),
            purchase_option: "s3".to_string(),
            instance_type: String::new(),
            instance_id: None,
            start_s: 0.0,
            end_s: elapsed.as_secs_f64(),
            quantity,
            unit: unit.to_string(),
            unit_price_usd: price,
            cost_usd: quantity * price,
            tier: tier.to_string(),
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand: 1,000,000 GETs * $0.0004 / 1,000 = $0.40; 20,000 PUTs * $0.005 /
    /// 1,000 = $0.10; 100 GB for half a 730-hour month * $0.023 = $1.15. Total $1.65.
    #[test]
    fn requests_and_storage_by_hand() {
        let bill = S3Bill {
            gets: 1e6,
            puts: 2e4,
            stored_gb: 100.0,
        };
        let half_month = SimDuration::from_secs(365 * 3600);
        let lines = bill.lines(half_month, "web");
        let costs: Vec<(&str, f64)> = lines
            .iter()
            .map(|l| (l.item.as_str(), l.cost_usd))
            .collect();
        assert_eq!(costs.len(), 3, "{costs:?}");
        for ((item, cost), (want_item, want)) in costs.iter().zip([
            ("s3_get_requests", 0.40),
            ("s3_put_requests", 0.10),
            ("s3_storage", 1.15),
        ]) {
            assert_eq!(*item, want_item);
            assert!((cost - want).abs() < 1e-12, "{item}: {cost} != {want}");
        }
        assert!((bill.cost(half_month) - 1.65).abs() < 1e-12);
    }

    /// 60 TB = 61,440 GB stored for a month: 51,200 GB at $0.023 + 10,240 at $0.022 =
    /// $1,177.60 + $225.28 = $1,402.88.
    #[test]
    fn storage_past_50_tb_is_cheaper() {
        let bill = S3Bill {
            stored_gb: 61_440.0,
            ..S3Bill::default()
        };
        assert!((bill.cost(MONTH) - 1_402.88).abs() < 1e-9);
    }
}
