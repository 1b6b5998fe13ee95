//! `Immutable` (aws-facts.md 11.5): a temporary Auto Scaling group behind the same load
//! balancer launches one instance with the new version; when it passes its health
//! checks, as many more as the original group has (the model's temporary group then
//! holds as many instances as the original: one plus the rest), so that capacity and
//! cost briefly double; when all are healthy they move into the original group and the
//! old instances are drained and terminated. New instances pass the load balancer's
//! health checks after their boot, like any launched instance.
//!
//! A failing batch (`failing_batch` 1, the first instance, or 2, the rest) passes the
//! load balancer's checks but never Elastic Beanstalk's: at its launch + `Timeout` +
//! 240 s the whole temporary group is terminated (those of its instances in service
//! drain first) and the old instances serve on, untouched (aws-facts.md 11.5).
//! Capacity never drops; the cost is the temporary instances until then.

use super::{Active, Phase, Step};
use crate::engine::SimTime;
use crate::model::config::DeploymentConfig;

pub(super) fn next(active: &mut Active, config: &DeploymentConfig, now: SimTime) -> Step {
    match active.phase {
        Phase::Started => {
            active.phase = Phase::FirstNew;
            active.batches = 1;
            active.mark("first_instance_launched", None, now);
            let last = active.old.len() <= 1;
            active.launch_failing = active.begin_new_batch(config, now, last);
            Step::Launch(1)
        }
        Phase::FirstNew if active.old.len() > 1 => {
            active.phase = Phase::RestNew;
            active.batches = 2;
            active.mark("first_instance_healthy", None, now);
            active.mark("rest_launched", None, now);
            active.launch_failing = active.begin_new_batch(config, now, true);
            Step::Launch(active.old.len() as u32 - 1)
        }
        Phase::FirstNew | Phase::RestNew => {
            let healthy = match active.phase {
                Phase::FirstNew => "first_instance_healthy",
                _ => "rest_healthy",
            };
            active.mark(healthy, None, now);
            active.launch_failing = false;
            active.phase = Phase::Retiring;
            active.mark("old_retiring", None, now);
            let old = active.old.clone();
            active.waiting.extend(&old);
            Step::Retire(old)
        }
        _ => Step::Done,
    }
}
