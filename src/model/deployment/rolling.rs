//! `Rolling` and `RollingWithAdditionalBatch` (aws-facts.md 5, 11.4): batches of
//! `BatchSize` instances, one after the other; each batch is detached from the load
//! balancer (its requests drained first), deployed, health-checked and reattached, and
//! the next batch starts when all of its instances are healthy. Capacity drops by a
//! batch throughout. With the additional batch, a batch of new instances is launched
//! first (and billed) so that capacity stays whole, and a batch is terminated at the
//! end; the model terminates the extra batch itself, which leaves the same number of
//! instances, all with the new version.
//!
//! A failing batch stays out of service; the deployment fails at its command timeout
//! and stops there, the completed batches (and the additional batch) keeping the new
//! version. With `rollback`, the previous version is deployed again, batch by batch:
//! the failed batch first, then the completed ones; the additional batch is then
//! terminated (see the module `deployment`).

use super::{Active, Phase, Step};
use crate::engine::SimTime;
use crate::model::config::{DeploymentConfig, DeploymentPolicy};

pub(super) fn next(active: &mut Active, config: &DeploymentConfig, now: SimTime) -> Step {
    // What became healthy since the last step.
    match active.phase {
        Phase::Started if active.policy == DeploymentPolicy::RollingWithAdditionalBatch => {
            active.phase = Phase::AdditionalBatch;
            active.mark("additional_batch_launched", None, now);
            let last = active.pending.is_empty();
            active.launch_failing = active.begin_new_batch(config, now, last);
            return Step::Launch(active.batch);
        }
        Phase::Started => active.phase = Phase::Batches,
        Phase::AdditionalBatch => {
            active.mark("additional_batch_healthy", None, now);
            active.launch_failing = false;
            active.phase = Phase::Batches;
        }
        Phase::Batches => {
            active.mark("batch_healthy", Some(active.batches), now);
            active.batch_done();
        }
        Phase::Rollback if active.rollback_batches > 0 => {
            active.mark("rollback_batch_healthy", Some(active.rollback_batches), now);
        }
        _ => {}
    }
    match active.phase {
        Phase::Batches | Phase::Rollback if !active.pending.is_empty() => {
            active.deploy_next(config, active.batch, true, now)
        }
        // The additional batch is terminated at the end (after a rollback too).
        Phase::Batches | Phase::Rollback
            if active.policy == DeploymentPolicy::RollingWithAdditionalBatch =>
        {
            active.phase = Phase::Retiring;
            active.mark("additional_batch_retiring", None, now);
            let extra = active.launched.clone();
            active.waiting.extend(&extra);
            Step::Retire(extra)
        }
        _ => Step::Done,
    }
}
