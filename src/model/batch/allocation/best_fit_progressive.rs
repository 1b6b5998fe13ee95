//! BEST_FIT_PROGRESSIVE (aws-facts.md 18.1): "adds other types large enough,
//! preferring lower cost per vCPU": among the types that hold the job and can be
//! launched now, the lowest price per vCPU at the current price (spot or on-demand).

use super::{AllocationPolicy, LaunchView};

pub(super) struct BestFitProgressive;

impl AllocationPolicy for BestFitProgressive {
    fn choose(&self, view: &LaunchView) -> Option<usize> {
        let per_vcpu = |i: usize, p: f64| p / f64::from(view.types[i].vcpu);
        view.candidates()
            .into_iter()
            .min_by(|&(a, pa), &(b, pb)| {
                per_vcpu(a, pa).total_cmp(&per_vcpu(b, pb)).then(a.cmp(&b))
            })
            .map(|(i, _)| i)
    }
}
