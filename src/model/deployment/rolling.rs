//! `Rolling` and `RollingWithAdditionalBatch` (aws-facts.md 5, 11.4): batches of
//! `BatchSize` instances, one after the other; each batch is detached from the load
//! balancer (its requests drained first), deployed, health-checked and reattached, and
//! the next batch starts when all of its instances are healthy. Capacity drops by a
//! batch throughout. With the additional batch, a batch of new instances is launched
//! first (and billed) so that capacity stays whole, and a batch is terminated at the
//! end; the model terminates the extra batch itself, which leaves the same number of
//! instances, all with the new version.

use super::{Active, Phase, Step};
use crate::model::config::DeploymentPolicy;

pub(super) fn next(active: &mut Active) -> Step {
    if active.phase == Phase::Started {
        if active.policy == DeploymentPolicy::RollingWithAdditionalBatch {
            active.phase = Phase::AdditionalBatch;
            return Step::Launch(active.batch);
        }
        active.phase = Phase::Batches;
    }
    if active.phase == Phase::AdditionalBatch {
        active.phase = Phase::Batches;
    }
    match active.phase {
        Phase::Batches if !active.pending.is_empty() => active.deploy_next(active.batch, true),
        Phase::Batches if active.policy == DeploymentPolicy::RollingWithAdditionalBatch => {
            active.phase = Phase::Retiring;
            let extra = active.launched.clone();
            active.waiting.extend(&extra);
            Step::Retire(extra)
        }
        _ => Step::Done,
    }
}
