//! SPOT_PRICE_CAPACITY_OPTIMIZED (aws-facts.md 18.1, recommended for Spot): "lowest
//! interruption risk, then lowest price": the better half of the types by hazard (as
//! the spot model's `price_capacity_optimized`, 2.4), then the lowest price per vCPU (per unit of an EMR
//! fleet's weighted capacity).

use super::{AllocationPolicy, LaunchView};

pub(super) struct SpotPriceCapacityOptimized;

impl AllocationPolicy for SpotPriceCapacityOptimized {
    fn choose(&self, view: &LaunchView) -> Option<usize> {
        let mut order = view.candidates();
        order.sort_by(|&(a, _), &(b, _)| {
            (view.hazard)(a)
                .total_cmp(&(view.hazard)(b))
                .then(a.cmp(&b))
        });
        order.truncate(order.len().div_ceil(2));
        let per_vcpu = |i: usize, p: f64| view.per_unit(i, p);
        order
            .into_iter()
            .min_by(|&(a, pa), &(b, pb)| {
                per_vcpu(a, pa).total_cmp(&per_vcpu(b, pb)).then(a.cmp(&b))
            })
            .map(|(i, _)| i)
    }
}
