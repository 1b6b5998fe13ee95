//! Which instance type a compute environment launches for a job that waits
//! (aws-facts.md 18.1 "Allocation strategies"): one file per strategy behind
//! [`AllocationPolicy`], chosen by [`policy`]. A strategy sees the environment's types,
//! their prices and interruption hazards now, and the job's size; it never launches.
//!
//! Not modelled: capacity shortages (every type is always available), so BEST_FIT's
//! "waits when more of that type aren't available" and BEST_FIT_PROGRESSIVE's move to
//! the next type happen only through the bid (a spot pool priced above
//! `bid_percentage` of on-demand is unavailable).

mod best_fit;
mod best_fit_progressive;
mod lowest_price;
mod spot_capacity_optimized;
mod spot_price_capacity_optimized;

use crate::model::config::{BatchAllocation, BatchType, SpotFleetAllocation};

/// What a strategy decides from.
pub(super) struct LaunchView<'v> {
    pub types: &'v [BatchType],
    /// The job's vCPUs and memory (MiB).
    pub vcpus: u32,
    pub memory_mib: u64,
    /// The price per hour of a type now (spot price or on-demand); `None` when the
    /// type cannot be launched (spot above the bid).
    pub price: &'v dyn Fn(usize) -> Option<f64>,
    /// The interruption hazard of a type's spot pool, per hour (0 on-demand).
    pub hazard: &'v dyn Fn(usize) -> f64,
    /// What one instance of a type counts, which prices are compared per: its vCPUs
    /// for a Batch compute environment, its weighted capacity (units) for an EMR
    /// instance fleet (`emr.rs`).
    pub capacity: &'v dyn Fn(usize) -> f64,
}

impl LaunchView<'_> {
    /// Jobs of this size one instance of type `i` holds (0: too small).
    pub(super) fn jobs_per_instance(&self, i: usize) -> u32 {
        let t = &self.types[i];
        let by_vcpu = t.vcpu / self.vcpus.max(1);
        let memory_mib = (t.memory_gib * 1024.0).round() as u64;
        let by_memory = memory_mib.checked_div(self.memory_mib).unwrap_or(u64::MAX);
        by_vcpu.min(by_memory.min(u64::from(u32::MAX)) as u32)
    }

    /// `price` per unit of `capacity` of type `i`.
    pub(super) fn per_unit(&self, i: usize, price: f64) -> f64 {
        price / (self.capacity)(i)
    }

    /// The types that hold at least one job and can be launched now, in order.
    pub(super) fn candidates(&self) -> Vec<(usize, f64)> {
        (0..self.types.len())
            .filter(|&i| self.jobs_per_instance(i) > 0)
            .filter_map(|i| (self.price)(i).map(|p| (i, p)))
            .collect()
    }
}

/// A strategy: the type of the next instance, or `None` when no type can hold the
/// job now.
pub(super) trait AllocationPolicy {
    fn choose(&self, view: &LaunchView) -> Option<usize>;
}

/// The strategy an environment uses.
pub(super) fn policy(allocation: BatchAllocation) -> &'static dyn AllocationPolicy {
    match allocation {
        BatchAllocation::BestFit => &best_fit::BestFit,
        BatchAllocation::BestFitProgressive => &best_fit_progressive::BestFitProgressive,
        BatchAllocation::SpotCapacityOptimized => &spot_capacity_optimized::SpotCapacityOptimized,
        BatchAllocation::SpotPriceCapacityOptimized => {
            &spot_price_capacity_optimized::SpotPriceCapacityOptimized
        }
    }
}

/// An EMR instance fleet's strategy: `lowest-price` for its on-demand capacity
/// (`OnDemandProvisioningSpecification`'s default, "launch the instances with the
/// lowest price first",
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-emr-instancefleetconfig-ondemandprovisioningspecification.html),
/// its spot allocation strategy for its spot capacity: the same rules as Batch's
/// spot strategies of those names (EC2 Fleet's, which both services use).
pub(super) fn fleet_policy(spot: Option<SpotFleetAllocation>) -> &'static dyn AllocationPolicy {
    match spot {
        None | Some(SpotFleetAllocation::LowestPrice) => &lowest_price::LowestPrice,
        Some(SpotFleetAllocation::CapacityOptimized) => {
            &spot_capacity_optimized::SpotCapacityOptimized
        }
        Some(SpotFleetAllocation::PriceCapacityOptimized) => {
            &spot_price_capacity_optimized::SpotPriceCapacityOptimized
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> Vec<BatchType> {
        let t = |name: &str, vcpu, memory_gib, price_per_hour| BatchType {
            name: name.into(),
            vcpu,
            memory_gib,
            price_per_hour,
        };
        vec![
            t("c5.large", 2, 4.0, 0.085),
            t("m5.large", 2, 8.0, 0.096),
            t("m5.xlarge", 4, 16.0, 0.192),
        ]
    }

    /// A 2-vCPU, 6 GiB job: c5.large is too small (4 GiB); m5.large holds one for
    /// $0.096, m5.xlarge two for $0.192: BEST_FIT takes the smaller of the equally
    /// priced fits. With m5.large at $0.04 and m5.xlarge at $0.06 (spot), the cheapest
    /// per vCPU is m5.xlarge (0.015 < 0.02); the least interrupted is the one of hazard
    /// 0.001; the price-capacity choice is the cheaper of the better half by hazard.
    #[test]
    fn each_strategy_picks_by_its_rule() {
        let types = types();
        let od = |i: usize| Some(types[i].price_per_hour);
        let spot_prices = [0.03, 0.04, 0.06];
        let spot = |i: usize| Some(spot_prices[i]);
        let hazards = [0.001, 0.01, 0.002];
        let hazard = |i: usize| hazards[i];
        let view = |price: &dyn Fn(usize) -> Option<f64>| {
            let v = LaunchView {
                types: &types,
                vcpus: 2,
                memory_mib: 6 * 1024,
                price,
                hazard: &hazard,
                capacity: &|i| f64::from(types[i].vcpu),
            };
            [
                BatchAllocation::BestFit,
                BatchAllocation::BestFitProgressive,
                BatchAllocation::SpotCapacityOptimized,
                BatchAllocation::SpotPriceCapacityOptimized,
            ]
            .map(|a| policy(a).choose(&v))
        };
        assert_eq!(view(&od)[0], Some(1));
        assert_eq!(view(&spot), [Some(1), Some(2), Some(2), Some(2)]);
        let none = |_: usize| None;
        assert_eq!(view(&none), [None; 4]);
    }

    /// An EMR fleet compares prices per unit of weighted capacity: c5.large $0.085
    /// of weight 1, m5.large $0.096 of weight 4 ($0.024 per unit), m5.xlarge $0.192
    /// of weight 4 ($0.048): lowest-price (on-demand, and spot at these prices)
    /// takes m5.large, where per vCPU c5.large ($0.0425) would beat m5.large
    /// ($0.048). Capacity-optimized goes to the least hazard first (c5.large).
    #[test]
    fn a_fleet_strategy_compares_prices_per_unit() {
        let types = types();
        let price = |i: usize| Some(types[i].price_per_hour);
        let hazards = [0.001, 0.01, 0.002];
        let weights = [1.0, 4.0, 4.0];
        let v = LaunchView {
            types: &types,
            vcpus: 1,
            memory_mib: 0,
            price: &price,
            hazard: &|i| hazards[i],
            capacity: &|i| weights[i],
        };
        assert_eq!(fleet_policy(None).choose(&v), Some(1));
        let lowest = fleet_policy(Some(SpotFleetAllocation::LowestPrice));
        assert_eq!(lowest.choose(&v), Some(1));
        let capacity = fleet_policy(Some(SpotFleetAllocation::CapacityOptimized));
        assert_eq!(capacity.choose(&v), Some(0));
    }
}
