//! Data transfer's prices: out to the internet, with AWS's monthly tiers, and between
//! Availability Zones. The one place these prices live; the run's egress
//! (`model::egress`) and any tier that moves data between zones price their GB here.
//!
//! - Out to the internet (aws-facts.md 8, 21.2): the first 100 GB of a month are free,
//!   "aggregated across services and Regions"; then $0.09/GB up to 10 TB of the month,
//!   $0.085 for the next 40 TB, $0.07 for the next 100 TB, $0.05 beyond 150 TB. The
//!   bands are read as bounds on the month's total (the free 100 GB are the start of
//!   the first 10 TB), as aws-facts writes them ("up to 10 TB/month ... beyond
//!   150 TB"); a TB is 1,024 GB, as aws-facts 21.3 counts CloudFront's free "1 TB".
//!   Inbound data is free (8) and is not metered.
//! - Between Availability Zones (8, 21.2): $0.01/GB in each direction, so a GB that
//!   crosses from one zone to another is billed twice, out of one and into the other.
//!
//! Tiers are per month: usage is counted per month of simulated time (the 730-hour
//! [`MONTH`] of the price pages, the first starting at t = 0) and each month is priced
//! afresh from its first GB, so a run shorter than a month prices all its GB within
//! one month's tiers and gets the free 100 GB once. AWS counts calendar months; a run
//! does not say which day it starts, so its months start with it.
//!
//! A GB is 10^9 bytes here, as the ALB's processed bytes are (`billing/alb.rs`):
//! aws-facts does not say which GB AWS bills; were it 2^30 bytes, every GB figure
//! would be 7.4 % smaller.

use super::MONTH;
use crate::engine::SimTime;
use crate::model::outcome::CostItem;

/// Bytes in a GB.
pub(in crate::model) const BYTES_PER_GB: f64 = 1e9;

/// GB in a TB of AWS's price bands (aws-facts.md 21.3: "1 TB" free is 1,024 GB).
const GB_PER_TB: f64 = 1024.0;

/// A monthly price schedule: bands of a month's usage, each up to a bound (the
/// month's running total, in the schedule's unit) at a price per unit. The last band
/// has no bound.
#[derive(Clone, Copy, Debug)]
pub(in crate::model) struct Tiers(pub &'static [(f64, f64)]);

/// One band of a month's usage as the bill shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::model) struct Band {
    /// The month's usage where the band starts.
    pub from: f64,
    /// Usage billed in the band.
    pub quantity: f64,
    pub unit_price: f64,
}

impl Tiers {
    /// The bands that `amount` (one month's usage) reaches, in order, each with the
    /// part of `amount` that falls in it.
    pub(in crate::model) fn bands(self, amount: f64) -> impl Iterator<Item = Band> {
        let mut from = 0.0;
        self.0.iter().map_while(move |&(upto, unit_price)| {
            (amount > from).then(|| {
                let band = Band {
                    from,
                    quantity: amount.min(upto) - from,
                    unit_price,
                };
                from = upto;
                band
            })
        })
    }

    /// The price of one month's usage of `amount`.
    pub(in crate::model) fn cost(self, amount: f64) -> f64 {
        self.bands(amount).map(|b| b.quantity * b.unit_price).sum()
    }
}

/// The free GB of a month of internet egress (aws-facts.md 8).
const INTERNET_FREE_GB: f64 = 100.0;

/// Data transfer out to the internet, per GB of a month (aws-facts.md 8, 21.2):
/// `INTERNET_OUT.cost(gb)` prices one month's GB.
pub(in crate::model) const INTERNET_OUT: Tiers = Tiers(&[
    (INTERNET_FREE_GB, 0.0),
    (10.0 * GB_PER_TB, 0.09),
    (50.0 * GB_PER_TB, 0.085),
    (150.0 * GB_PER_TB, 0.07),
    (f64::INFINITY, 0.05),
]);

/// Data transfer between Availability Zones of a Region, per GB in each direction
/// (aws-facts.md 8, 17.3, 21.2).
pub(in crate::model) const INTER_AZ_USD_PER_GB_EACH_WAY: f64 = 0.01;

/// What `gb` sent from one Availability Zone to another costs: billed out of the one
/// and into the other, $0.02 per GB in all.
pub(in crate::model) fn inter_az_usd(gb: f64) -> f64 {
    2.0 * INTER_AZ_USD_PER_GB_EACH_WAY * gb
}

/// GB in `bytes`.
pub(in crate::model) fn gigabytes(bytes: u64) -> f64 {
    bytes as f64 / BYTES_PER_GB
}

/// What crosses between zones: the calls of an instance to an `rds` tier whose
/// primary runs in another zone (request and response, `calls.request_bytes` and
/// `response_bytes`), which connect to the database directly. Calls to an `ec2`,
/// `fargate` or `lambda` tier go through its load balancer or the Lambda service: the
/// caller reaches the load balancer's node in its own zone, and "ALB→target traffic
/// across AZs is not charged as inter-AZ transfer" (17.3, unverified there); Lambda
/// runs in no one zone of the run. The bill's line for `bytes` that crossed in a run
/// ending at `end_s`, for `tier` (the tier whose calls crossed into it); `None` for
/// no bytes.
pub(in crate::model) fn inter_az_item(bytes: u64, end_s: f64, tier: &str) -> Option<CostItem> {
    let gb = gigabytes(bytes);
    (bytes > 0).then(|| CostItem {
        item: "inter_az_transfer".to_string(),
        purchase_option: "data_transfer".to_string(),
        instance_type: String::new(),
        instance_id: None,
        start_s: 0.0,
        end_s,
        quantity: gb,
        unit: "GB".to_string(),
        unit_price_usd: 2.0 * INTER_AZ_USD_PER_GB_EACH_WAY,
        cost_usd: inter_az_usd(gb),
        tier: tier.to_string(),
    })
}

/// Usage counted per month of simulated time (month `k` is `[k, k + 1) * MONTH`), so
/// that each month is priced from its own first unit.
#[derive(Clone, Debug, Default)]
pub(in crate::model) struct MonthlyUsage {
    months: Vec<f64>,
}

impl MonthlyUsage {
    /// Adds `amount` used evenly over `[start, end)`: each month gets the share of it
    /// that its part of the span has (all of it when the span is one instant or lies
    /// in one month). The run's egress is added per timeline interval, which only an
    /// interval that does not divide 730 hours can make straddle a month's end.
    pub(in crate::model) fn add(&mut self, start: SimTime, end: SimTime, amount: f64) {
        if amount == 0.0 {
            return;
        }
        let month = |t: SimTime| (t.0 / MONTH.0) as usize;
        let last = month(SimTime(end.0.saturating_sub(1).max(start.0)));
        if self.months.len() <= last {
            self.months.resize(last + 1, 0.0);
        }
        let span = end.0.saturating_sub(start.0) as f64;
        for m in month(start)..=last {
            let share = if m == month(start) && m == last {
                1.0
            } else {
                let from = start.0.max(m as u64 * MONTH.0);
                let to = end.0.min((m as u64 + 1) * MONTH.0);
                (to - from) as f64 / span
            };
            self.months[m] += amount * share;
        }
    }

    /// The usage of each month, first month first (months with none included).
    #[cfg(test)]
    fn months(&self) -> &[f64] {
        &self.months
    }

    /// All months' usage.
    pub(in crate::model) fn total(&self) -> f64 {
        self.months.iter().sum()
    }

    /// The price of every month's usage under `tiers`.
    pub(in crate::model) fn cost(&self, tiers: Tiers) -> f64 {
        self.months.iter().map(|&m| tiers.cost(m)).sum()
    }

    /// The bill's lines of the usage under `tiers` in a run that ended at `end`: one
    /// per month and band reached, as AWS's bill shows them ("$0.090 per GB - first
    /// 10 TB / month data transfer out beyond the global free tier", aws-facts.md 8),
    /// a free band's item named `<item>_free`. They add up to [`MonthlyUsage::cost`].
    pub(in crate::model) fn lines(
        &self,
        tiers: Tiers,
        end: SimTime,
        line: &LineNames,
        tier: &str,
    ) -> Vec<CostItem> {
        let mut lines = Vec::new();
        for (m, &amount) in self.months.iter().enumerate() {
            let at = |k: usize| SimTime((k as u64 * MONTH.0).min(end.0)).as_secs_f64();
            for band in tiers.bands(amount) {
                lines.push(CostItem {
                    item: match band.unit_price == 0.0 {
                        true => format!("{}_free", line.item),
                        false => line.item.to_string(),
                    },
                    purchase_option: line.part.to_string(),
                    instance_type: String::new(),
                    instance_id: None,
                    start_s: at(m),
                    end_s: at(m + 1),
                    quantity: band.quantity,
                    unit: line.unit.to_string(),
                    unit_price_usd: band.unit_price,
                    cost_usd: band.quantity * band.unit_price,
                    tier: tier.to_string(),
                });
            }
        }
        lines
    }
}

/// How the lines of a [`MonthlyUsage`] are named in `cost.csv`.
pub(in crate::model) struct LineNames {
    /// The part of the bill (`BillPart::key`).
    pub part: &'static str,
    pub item: &'static str,
    pub unit: &'static str,
}

/// Internet egress's lines.
pub(in crate::model) const INTERNET_OUT_LINES: LineNames = LineNames {
    part: "data_transfer",
    item: "data_transfer_out",
    unit: "gb",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// Every band boundary by hand, TB = 1,024 GB:
    /// - 100 GB: free, $0.
    /// - 101 GB: 1 GB at $0.09 = $0.09.
    /// - 10 TB = 10,240 GB: 10,140 GB at $0.09 = $912.60.
    /// - 50 TB = 51,200 GB: $912.60 + 40,960 * 0.085 = $912.60 + $3,481.60 = $4,394.20.
    /// - 150 TB = 153,600 GB: $4,394.20 + 102,400 * 0.07 = $4,394.20 + $7,168 = $11,562.20.
    /// - 200 TB = 204,800 GB: $11,562.20 + 51,200 * 0.05 = $11,562.20 + $2,560 = $14,122.20.
    #[test]
    fn internet_egress_across_every_band_boundary() {
        for (gb, usd) in [
            (0.0, 0.0),
            (50.0, 0.0),
            (100.0, 0.0),
            (101.0, 0.09),
            (10_240.0, 912.60),
            (10_241.0, 912.60 + 0.085),
            (51_200.0, 4_394.20),
            (51_201.0, 4_394.20 + 0.07),
            (153_600.0, 11_562.20),
            (153_601.0, 11_562.20 + 0.05),
            (204_800.0, 14_122.20),
        ] {
            let cost = INTERNET_OUT.cost(gb);
            assert!((cost - usd).abs() < 1e-6, "{gb} GB: {cost} != {usd}");
        }
        assert_eq!(INTERNET_OUT.cost(INTERNET_FREE_GB), 0.0);
    }

    /// The bands of 12,000 GB: 100 free, 10,140 at $0.09, 1,760 at $0.085; they add up
    /// to the amount and to the price.
    #[test]
    fn bands_split_a_month_and_add_up() {
        let bands: Vec<Band> = INTERNET_OUT.bands(12_000.0).collect();
        let expected = [
            (0.0, 100.0, 0.0),
            (100.0, 10_140.0, 0.09),
            (10_240.0, 1_760.0, 0.085),
        ];
        assert_eq!(bands.len(), expected.len());
        for (band, (from, quantity, price)) in bands.iter().zip(expected) {
            assert_eq!(
                (band.from, band.quantity, band.unit_price),
                (from, quantity, price)
            );
        }
        let sum: f64 = bands.iter().map(|b| b.quantity * b.unit_price).sum();
        assert!((sum - (10_140.0 * 0.09 + 1_760.0 * 0.085)).abs() < 1e-9);
        assert_eq!(INTERNET_OUT.bands(0.0).count(), 0);
    }

    /// 1 TB crossing zones: 1,024 GB * $0.01 * 2 = $20.48.
    #[test]
    fn inter_az_is_billed_each_way() {
        assert!((inter_az_usd(1024.0) - 20.48).abs() < 1e-9);
        assert!((inter_az_usd(gigabytes(5_000_000_000)) - 0.10).abs() < 1e-12);
        assert!(inter_az_item(0, 60.0, "db").is_none());
    }

    /// 300 GB spread evenly over [729 h, 731 h) straddles the first month's end: 150 GB
    /// in each month, each under the free 100 GB by 50 GB: 2 * 50 * $0.09 = $9, where
    /// one month of 300 GB would cost 200 * $0.09 = $18.
    #[test]
    fn each_month_gets_its_own_free_tier() {
        let hour = |h: u64| SimTime::ZERO + SimDuration::from_secs(h * 3600);
        let mut usage = MonthlyUsage::default();
        usage.add(hour(729), hour(731), 300.0);
        assert_eq!(usage.months().len(), 2);
        assert!((usage.months()[0] - 150.0).abs() < 1e-9);
        assert!((usage.months()[1] - 150.0).abs() < 1e-9);
        assert!((usage.cost(INTERNET_OUT) - 9.0).abs() < 1e-9);
        let mut one = MonthlyUsage::default();
        one.add(hour(0), hour(1), 200.0);
        one.add(hour(1), hour(730), 100.0);
        assert_eq!(
            one.months().len(),
            1,
            "an interval ending at the month's end is in it"
        );
        assert!((one.cost(INTERNET_OUT) - 18.0).abs() < 1e-9);
        assert!((one.total() - 300.0).abs() < 1e-9);
    }
}
