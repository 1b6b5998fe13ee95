//! SPOT_CAPACITY_OPTIMIZED (aws-facts.md 18.1): Spot only, "types least likely to be
//! interrupted": the lowest interruption hazard of the spot model's pools (2.3), the
//! lower price per vCPU (per unit of an EMR fleet's weighted capacity) on a tie.

use super::{AllocationPolicy, LaunchView};

pub(super) struct SpotCapacityOptimized;

impl AllocationPolicy for SpotCapacityOptimized {
    fn choose(&self, view: &LaunchView) -> Option<usize> {
        let per_vcpu = |i: usize, p: f64| view.per_unit(i, p);
        view.candidates()
            .into_iter()
            .min_by(|&(a, pa), &(b, pb)| {
                (view.hazard)(a)
                    .total_cmp(&(view.hazard)(b))
                    .then(per_vcpu(a, pa).total_cmp(&per_vcpu(b, pb)))
                    .then(a.cmp(&b))
            })
            .map(|(i, _)| i)
    }
}
