//! Carrying out a deployment's steps (`deployment`) on the tier: instances leave the
//! load balancer, drain, install the new version and restart, pass their health checks
//! and return; new instances launch into the group; old or extra ones retire. The
//! deployment's measures (failed requests, the latency during it) are read from the
//! tier's metrics.

use super::*;
use crate::model::deployment::{Due, SplitCounts, Step};
use crate::model::serving::Split;

impl Ec2Tier<'_> {
    /// Deployment `index` is due: it starts over the instances in service now, and
    /// those an earlier failed deployment left out of service with its version.
    pub(super) fn on_deployment_due(&mut self, ctx: &mut Ctx<'_>, index: usize) {
        let old: Vec<u32> = self
            .fleet
            .alive
            .iter()
            .copied()
            .filter(|&id| {
                let instance = &self.fleet.instances[id as usize];
                let failed_version =
                    instance.state == InstanceState::Deploying && instance.failing_version;
                (instance.state == InstanceState::InService || failed_version)
                    && instance.is_active()
            })
            .collect();
        let was_running = self.deployments.is_running();
        let step = self
            .deployments
            .start(index, old, ctx.now, &self.metrics.totals);
        if let Some(step) = step {
            if !was_running {
                self.metrics.window = Some(LatencyHistogram::new(self.metrics.max_micros, 3));
            }
            self.carry_out(ctx, step);
        }
    }

    /// Carries out `step`, then the next ones for as long as nothing is waited on.
    fn carry_out(&mut self, ctx: &mut Ctx<'_>, first: Step) {
        let mut step = Some(first);
        while let Some(s) = step.take() {
            match s {
                Step::Deploy { instances, drain } => {
                    for id in instances {
                        self.detach_for_deploy(ctx, id, drain);
                    }
                }
                Step::Launch(n) => {
                    self.group.desired += n;
                    for _ in 0..n {
                        // A launch refused for want of capacity is retried by the
                        // group, as any; the deployment does not wait for it.
                        let Some(id) = self.launch_for_group(ctx) else {
                            self.retry_launches_later(ctx);
                            break;
                        };
                        self.deployments.launched(id, ctx.now);
                        self.boot(ctx, id);
                    }
                }
                Step::Retire(instances) => {
                    let n = instances.len() as u32;
                    self.group.desired = self.group.desired.saturating_sub(n);
                    for id in instances {
                        if self.fleet.instances[id as usize].state == InstanceState::Terminated {
                            self.deployments.skip(id);
                        } else {
                            self.begin_draining(ctx, id);
                        }
                    }
                }
                Step::LaunchNew {
                    count,
                    load_balancer,
                } => {
                    if load_balancer {
                        // The second environment's load balancer is billed from its
                        // creation (aws-facts.md 4.7).
                        self.ledger.open_alb(ctx.now);
                        self.deployments.second_load_balancer(ctx.now);
                    }
                    self.group.desired += count;
                    for _ in 0..count {
                        let Some(id) = self.launch_for_group(ctx) else {
                            self.retry_launches_later(ctx);
                            break;
                        };
                        self.serving.join_new(id);
                        self.deployments.launched(id, ctx.now);
                        self.boot(ctx, id);
                    }
                }
                Step::Route(share) => {
                    let deployment = self
                        .deployments
                        .running_index()
                        .expect("a running deployment routes");
                    self.end_split();
                    self.serving.split = Some(Split {
                        deployment,
                        share,
                        old_gone: false,
                        new_fails: self.deployments.new_version_fails(),
                        counts: SplitCounts::default(),
                    });
                }
                Step::Wait(at) => {
                    if at > ctx.now {
                        let deployment = self.deployments.wait_until(at);
                        let event = Event::DeploymentPhaseDue {
                            tier: ctx.tier,
                            deployment,
                        };
                        ctx.queue.schedule(at, event);
                    }
                }
                Step::RetireOld { environment } => {
                    let old: Vec<u32> = self
                        .fleet
                        .alive
                        .iter()
                        .copied()
                        .filter(|&id| !self.serving.is_new(id))
                        .collect();
                    if environment {
                        // The old environment and its load balancer are deleted; its
                        // clients that have not moved yet are lost from now on.
                        self.ledger.close_alb(ctx.now);
                        self.deployments.load_balancer_deleted(ctx.now);
                        if let Some(split) = self.serving.split.as_mut() {
                            split.old_gone = true;
                        }
                    } else {
                        // All the traffic goes to the new instances.
                        self.end_split();
                    }
                    self.deployments.retiring(&old);
                    let n = old.len() as u32;
                    self.group.desired = self.group.desired.saturating_sub(n);
                    for &id in &old {
                        self.begin_draining(ctx, id);
                    }
                    self.serving.promote_new();
                }
                Step::RetireNew { environment } => {
                    // All the traffic goes back to the old instances.
                    self.end_split();
                    if environment {
                        // The failed second environment is deleted with its load
                        // balancer.
                        self.ledger.close_alb(ctx.now);
                        self.deployments.load_balancer_deleted(ctx.now);
                    }
                    let new: Vec<u32> = self
                        .fleet
                        .alive
                        .iter()
                        .copied()
                        .filter(|&id| self.serving.is_new(id))
                        .collect();
                    self.deployments.retiring(&new);
                    let n = new.len() as u32;
                    self.group.desired = self.group.desired.saturating_sub(n);
                    for &id in &new {
                        self.begin_draining(ctx, id);
                    }
                    self.serving.drop_new();
                }
                Step::Done => {
                    self.close_deployment(ctx.now, true);
                    return;
                }
            }
            // A batch that fails has its command timeout's end as an event.
            if let Some((deployment, at)) = self.deployments.take_deadline() {
                let event = Event::DeploymentPhaseDue {
                    tier: ctx.tier,
                    deployment,
                };
                ctx.queue.schedule(at, event);
            }
            step = self.deployments.ready_step(ctx.now);
        }
    }

    /// The deployment's timed phase, or its failing batch's timeout, is due.
    pub(super) fn on_deployment_phase_due(&mut self, ctx: &mut Ctx<'_>, index: usize) {
        match self.deployments.phase_due(index, ctx.now) {
            Due::Phase => self.deployment_progressed(ctx),
            Due::Failure => {
                if let Some(step) = self.deployments.fail(ctx.now) {
                    self.carry_out(ctx, step);
                }
            }
            Due::Nothing => {}
        }
    }

    /// The split of the traffic in force ends: its counts go to its deployment.
    pub(super) fn end_split(&mut self) {
        if let Some(split) = self.serving.split.take() {
            self.deployments.split_ended(split.deployment, split.counts);
        }
    }

    /// Closes the running deployment with the tier's measures.
    pub(super) fn close_deployment(&mut self, now: SimTime, finished: bool) {
        if let Some(window) = self.metrics.window.take() {
            self.deployments
                .close(now, &self.metrics.totals, &window, finished);
        }
    }

    /// A running deployment may take its next step: an instance it waits on is in
    /// service or gone.
    pub(super) fn deployment_progressed(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(step) = self.deployments.ready_step(ctx.now) {
            self.carry_out(ctx, step);
        }
    }

    /// Takes `id` out of the load balancer for its deploy (aws-facts.md 11.4): it
    /// restarts once its requests are done or the deregistration delay expires (at
    /// once when `drain` is false or it is idle). One out of service with a failed
    /// version restarts at once. An instance no longer in service (failed, leaving)
    /// is skipped.
    fn detach_for_deploy(&mut self, ctx: &mut Ctx<'_>, id: u32, drain: bool) {
        let instance = &self.fleet.instances[id as usize];
        if instance.state == InstanceState::Deploying
            && instance.failing_version
            && !instance.failed
        {
            // On its way into service again (pending, no longer unhealthy), unless
            // the version it gets fails too.
            self.fleet.instances[id as usize].failing_version = false;
            self.deployments.detached(id, ctx.now);
            self.restart(ctx, id);
            return;
        }
        if instance.state != InstanceState::InService || instance.failed {
            self.deployments.skip(id);
            return;
        }
        self.deployments.detached(id, ctx.now);
        if self.deregister(ctx, id, InstanceState::Deploying, drain) {
            self.restart(ctx, id);
        }
    }

    /// `id`, out of the load balancer, installs the new version and restarts the
    /// application (once, whichever of its drain's ends comes first).
    pub(super) fn restart(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if let Some(deploy) = self.deployments.restart(id) {
            ctx.queue.schedule(
                ctx.now + deploy,
                Event::VersionDeployed {
                    tier: ctx.tier,
                    instance: id,
                },
            );
        }
    }

    /// The new version runs on `id`: it is registered again and receives traffic once
    /// it proves healthy; a failing version never does, and it stays out of service.
    pub(super) fn on_version_deployed(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if self.fleet.instances[id as usize].state != InstanceState::Deploying {
            return; // terminated meanwhile
        }
        let fails = self.deployments.version_fails(id);
        let instance = &mut self.fleet.instances[id as usize];
        instance.failing_version = fails;
        if fails {
            return;
        }
        instance.state = InstanceState::Registering;
        ctx.queue.schedule(
            ctx.now + self.deployments.health_time(),
            Event::HealthChecksPassed {
                tier: ctx.tier,
                instance: id,
            },
        );
    }
}
