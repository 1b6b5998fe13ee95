//! Carrying out failures and health checks: failed instances, the load balancer's
//! checks that find them, and the group's replacement (aws-facts.md 3.7, 4.4).

use super::*;

/// How long EC2 status checks take to report an impaired instance to the group: AWS
/// says the group "waits a few minutes" (aws-facts.md 3.7).
pub(super) const EC2_IMPAIRED_DELAY: SimDuration = SimDuration::from_secs(180);

impl Ec2Tier<'_> {
    /// Draws the failure time of an instance from its mean time between failures
    /// (exponential lifetimes, so a redraw at any moment is as good as the first).
    pub(super) fn schedule_failure(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if let Some(mtbf) = self.config.instance.failures.mtbf {
            let draw: f64 = rand::Rng::sample(&mut self.fleet.failures_rng, rand_distr::Exp1);
            let at = ctx.now + SimDuration::from_secs_f64(draw * mtbf.as_secs_f64());
            if at < ctx.end {
                ctx.queue.schedule(
                    at,
                    Event::InstanceFailed {
                        tier: ctx.tier,
                        instance: id,
                    },
                );
            }
        }
    }

    pub(super) fn on_instance_failed(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        let instance = &self.fleet.instances[id as usize];
        match instance.state {
            // An instance its zone's outage took down fails once.
            InstanceState::InService if instance.failed => {}
            InstanceState::InService => self.fail(ctx, id),
            // Only serving instances fail here; a booting one draws again.
            InstanceState::Booting | InstanceState::Registering => self.schedule_failure(ctx, id),
            _ => {}
        }
    }

    pub(super) fn on_failure_due(&mut self, ctx: &mut Ctx<'_>) {
        let serving: Vec<u32> = self
            .fleet
            .alive
            .iter()
            .copied()
            .filter(|&id| {
                let instance = &self.fleet.instances[id as usize];
                instance.state == InstanceState::InService && !instance.failed
            })
            .collect();
        if !serving.is_empty() {
            let pick = rand::Rng::random_range(&mut self.fleet.failures_rng, 0..serving.len());
            self.fail(ctx, serving[pick]);
        }
    }

    /// The instance stops answering: its requests are lost, and until the load
    /// balancer's health checks notice, requests routed to it fail too. The load
    /// balancer checks each target every interval from the moment it became healthy
    /// and marks it unhealthy after `unhealthy` consecutive failures (aws-facts.md 4.4).
    /// The group replaces it when its own health check notices: ELB checks after the
    /// grace period, or EC2 status checks, which report an impaired instance after a
    /// few minutes (3.7; simcloud uses 3 minutes).
    pub(super) fn fail(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        self.fleet.failures += 1;
        self.serving
            .cut_off(&mut self.fleet, &mut self.metrics, ctx, id);
        let instance = &mut self.fleet.instances[id as usize];
        instance.failed = true;
        let hc = &self.config.load_balancer.health_check;
        let healthy_at = instance.healthy_at.unwrap_or(ctx.now);
        let since = ctx.now.since(healthy_at).0;
        let next_check = healthy_at.0 + since.div_ceil(hc.interval.0).max(1) * hc.interval.0;
        let found_at = SimTime(next_check + u64::from(hc.unhealthy - 1) * hc.interval.0);
        // Without a load balancer nothing stops sending it requests, which fail,
        // until the group terminates it (a single-instance environment, 11.2).
        if self.config.has_load_balancer() {
            ctx.queue.schedule(
                found_at,
                Event::TargetFoundUnhealthy {
                    tier: ctx.tier,
                    instance: id,
                },
            );
        }
        let autoscaling = &self.config.autoscaling;
        let group_finds_at = match autoscaling.health_check_type {
            HealthCheckType::Elb => {
                // The grace period runs from InService, when warm-up starts.
                let in_service = instance.warm_at.map_or(SimTime::ZERO, |w| {
                    SimTime(w.0.saturating_sub(autoscaling.instance_warmup.0))
                });
                found_at.max(in_service + autoscaling.health_check_grace_period)
            }
            HealthCheckType::Ec2 => ctx.now + EC2_IMPAIRED_DELAY,
        };
        ctx.queue.schedule(
            group_finds_at,
            Event::InstanceFoundUnhealthy {
                tier: ctx.tier,
                instance: id,
            },
        );
    }

    pub(super) fn on_target_found_unhealthy(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if self.fleet.instances[id as usize].state == InstanceState::InService {
            self.fleet.instances[id as usize].state = InstanceState::Unhealthy;
            self.serving.mark_unhealthy(id);
            self.fleet.change_in_service(ctx.now, -1);
        }
    }

    /// The group terminates the unhealthy instance and launches a replacement.
    pub(super) fn on_instance_found_unhealthy(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if self.fleet.instances[id as usize].state != InstanceState::Terminated {
            self.fleet.replaced_unhealthy += 1;
            self.terminate(ctx, id);
            self.reconcile(ctx);
        }
    }
}
