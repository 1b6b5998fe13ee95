//! `AllAtOnce` (the `DeploymentPolicy` default, aws-facts.md 5): every instance
//! restarts the application at the same time, so the environment serves nothing until
//! they are healthy again. Elastic Beanstalk does not take them out of the load
//! balancer; the application behind each target is down, so the ALB answers 502 (the
//! target refused the connection) or, once its health checks fail, 503. The model
//! takes every instance out at once without draining: the load balancer has no target
//! and answers 503 ("no registered targets",
//! https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html);
//! requests already on an instance are still answered.
//!
//! A failing version leaves every instance out of service: the load balancer answers
//! 503 from the start until a rollback brings the previous version back (or, without
//! `rollback`, to the end of the run or a later deployment).

use super::{Active, Phase, Step};
use crate::engine::SimTime;
use crate::model::config::DeploymentConfig;

pub(super) fn next(active: &mut Active, config: &DeploymentConfig, now: SimTime) -> Step {
    match active.phase {
        Phase::Started => {
            active.phase = Phase::Batches;
            let all = active.pending.len() as u32;
            active.batch = all;
            active.deploy_next(config, all, false, now)
        }
        Phase::Batches => {
            active.mark("batch_healthy", Some(1), now);
            active.batch_done();
            Step::Done
        }
        // After a failure with `rollback`: every instance at once again, with the
        // previous version.
        Phase::Rollback if !active.pending.is_empty() => {
            let all = active.batch;
            active.deploy_next(config, all, false, now)
        }
        Phase::Rollback => {
            active.mark("rollback_batch_healthy", Some(active.rollback_batches), now);
            Step::Done
        }
        _ => Step::Done,
    }
}
