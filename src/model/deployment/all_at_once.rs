//! `AllAtOnce` (the `DeploymentPolicy` default, aws-facts.md 5): every instance
//! restarts the application at the same time, so the environment serves nothing until
//! they are healthy again. Elastic Beanstalk does not take them out of the load
//! balancer; the application behind each target is down, so the ALB answers 502 (the
//! target refused the connection) or, once its health checks fail, 503. The model
//! takes every instance out at once without draining: the load balancer has no target
//! and answers 503 ("no registered targets",
//! https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html);
//! requests already on an instance are still answered.

use super::{Active, Phase, Step};

pub(super) fn next(active: &mut Active) -> Step {
    match active.phase {
        Phase::Started => {
            active.phase = Phase::Batches;
            let all = active.pending.len() as u32;
            active.batch = all;
            active.deploy_next(all, false)
        }
        _ => Step::Done,
    }
}
