//! Blue/green (aws-facts.md 5, 11.6): the new version goes to a second environment —
//! the same tier configuration, its own load balancer, as many instances as the old
//! environment has in service — created at the deployment's `at` and billed from
//! then. At `swap_at` the environments' CNAMEs are swapped ("Swap Environment URLs");
//! Elastic Beanstalk swaps only environments that are ready, so if the new one's
//! instances are not all healthy by then the swap waits for them. The clients move
//! as their cached answers expire (`Share::Dns`: one TTL for those that honour it, a
//! tail for those that do not). At `terminate_old_at` the old environment and its
//! load balancer are deleted; a client that still resolves the old name from then on
//! reaches nothing: its requests are lost.
//!
//! The second environment's instances are counted in the tier's group (its desired
//! capacity rises by them and falls by the old ones at the end), so the group's
//! scaling policies see both environments while they run.
//!
//! A failing version: the second environment's instances never become healthy, so
//! the swap, which waits for them, never happens and the old environment keeps every
//! client. At the environment's creation + `Timeout` + 240 s (the command timeout of
//! its instances' deployment) the deployment fails and the second environment is
//! terminated with its load balancer (an operator would not keep a failed
//! environment; `terminate_old_at` is for the old one, which stays): the cost is the
//! second environment until then.

use super::{Active, Phase, Share, Step};
use crate::engine::{SimDuration, SimTime};
use crate::model::config::{DeploymentConfig, DnsConfig};

pub(super) fn next(
    active: &mut Active,
    config: &DeploymentConfig,
    dns: &DnsConfig,
    now: SimTime,
) -> Step {
    let at = |d: Option<SimDuration>| SimTime::ZERO + d.expect("a resolved blue/green deployment");
    match active.phase {
        Phase::Started => {
            active.phase = Phase::NewInstances;
            active.batches = 1;
            active.mark("environment_created", None, now);
            active.launch_failing = active.begin_new_batch(config, now, true);
            Step::LaunchNew {
                count: active.old.len() as u32,
                load_balancer: true,
            }
        }
        Phase::NewInstances => {
            active.phase = Phase::BeforeSwap;
            active.mark("environment_healthy", None, now);
            active.launch_failing = false;
            Step::Wait(at(config.swap_at))
        }
        Phase::BeforeSwap => {
            active.phase = Phase::Swapped;
            active.mark("swapped", None, now);
            Step::Route(Share::Dns {
                swap_at: now,
                ttl: dns.ttl,
                ignoring: dns.ttl_ignoring_share,
                hold: dns.ttl_ignoring_hold,
            })
        }
        Phase::Swapped => {
            active.phase = Phase::AfterSwap;
            Step::Wait(at(config.terminate_old_at).max(now))
        }
        Phase::AfterSwap => {
            active.phase = Phase::Retiring;
            active.mark("old_terminated", None, now);
            Step::RetireOld { environment: true }
        }
        _ => Step::Done,
    }
}
