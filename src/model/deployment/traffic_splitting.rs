//! Traffic splitting (aws-facts.md 5, `aws:elasticbeanstalk:trafficsplitting`): a
//! canary. A full set of new instances — as many as the group has in service — is
//! launched into a temporary group, as an immutable deployment's (11.5) but all at
//! once; when all are healthy, the load balancer sends `new_version_percent` of the
//! traffic to them (weighted target groups) for `evaluation_time`; then all of it,
//! and the old instances drain and terminate. Capacity stays whole throughout, and
//! the bill carries both sets from the launch to the end.
//!
//! A failing new version passes the load balancer's checks but answers every request
//! it gets with an error (500, an assumption: the sources say only that the new
//! instances fail their health checks). At the end of the evaluation time the
//! deployment fails: all the traffic goes back to the old instances and the new ones
//! drain and terminate; the requests the canary got during the evaluation failed.

use super::{Active, Phase, Share, Step};
use crate::engine::SimTime;
use crate::model::config::DeploymentConfig;

pub(super) fn next(active: &mut Active, config: &DeploymentConfig, now: SimTime) -> Step {
    match active.phase {
        Phase::Started => {
            active.phase = Phase::NewInstances;
            active.batches = 1;
            active.mark("new_instances_launched", None, now);
            Step::LaunchNew {
                count: active.old.len() as u32,
                load_balancer: false,
            }
        }
        Phase::NewInstances => {
            active.phase = Phase::Splitting;
            active.mark("evaluation_started", None, now);
            Step::Route(Share::Fixed(f64::from(config.new_version_percent) / 100.0))
        }
        Phase::Splitting => {
            active.phase = Phase::Evaluating;
            Step::Wait(now + config.evaluation_time)
        }
        Phase::Evaluating => {
            active.mark("evaluation_ended", None, now);
            if active.fails {
                // The canary failed its evaluation: back to the old instances.
                return active.fail(config, now);
            }
            active.phase = Phase::Retiring;
            active.mark("old_retiring", None, now);
            Step::RetireOld { environment: false }
        }
        _ => Step::Done,
    }
}
