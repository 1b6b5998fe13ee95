//! BEST_FIT (aws-facts.md 18.1, the default): "type that best fits the jobs,
//! preferring lowest cost": the type whose on-demand list price per job it holds is
//! lowest, the smaller type on a tie. Ranked on list prices, so an environment keeps
//! to one type whatever spot prices do, as Batch does when it "waits" for it.

use super::{AllocationPolicy, LaunchView};

pub(super) struct BestFit;

impl AllocationPolicy for BestFit {
    fn choose(&self, view: &LaunchView) -> Option<usize> {
        let per_job =
            |i: usize| view.types[i].price_per_hour / f64::from(view.jobs_per_instance(i));
        view.candidates()
            .into_iter()
            .map(|(i, _)| i)
            .min_by(|&a, &b| {
                per_job(a)
                    .total_cmp(&per_job(b))
                    .then(view.types[a].vcpu.cmp(&view.types[b].vcpu))
                    .then(a.cmp(&b))
            })
    }
}
