//! Carrying out an instance's life: launch (for the group's mix of purchase options),
//! boot, health checks, service, draining on scale-in, termination and its bill.

use super::*;

impl Ec2Tier<'_> {
    /// Launches a spot instance of `pool` in `zone` (the group's choice of both is
    /// `zones.rs`), with its interruption planned.
    pub(super) fn launch_spot(&mut self, ctx: &mut Ctx<'_>, pool: usize, zone: u8) -> u32 {
        let type_index = self.market.pools[pool].type_index;
        let id = self.launch(ctx, PurchaseOption::Spot, type_index, Some(pool), zone);
        if let Some(plan) = self.market.pools[pool].plan_interruption(ctx.now, &self.config.spot) {
            if plan.notice_at < ctx.end {
                // FARGATE_SPOT gives the two-minute warning alone (aws-facts.md 15.2).
                if self.config.fargate.is_none() {
                    ctx.queue.schedule(
                        plan.rebalance_at,
                        Event::SpotRebalanceRecommended {
                            tier: ctx.tier,
                            instance: id,
                        },
                    );
                }
                ctx.queue.schedule(
                    plan.notice_at,
                    Event::SpotInterruptionNoticed {
                        tier: ctx.tier,
                        instance: id,
                    },
                );
            }
        }
        id
    }

    pub(super) fn launch(
        &mut self,
        ctx: &mut Ctx<'_>,
        purchase: PurchaseOption,
        type_index: usize,
        pool: Option<usize>,
        zone: u8,
    ) -> u32 {
        let protected = self
            .config
            .autoscaling
            .new_instances_protected_from_scale_in;
        let id = self
            .fleet
            .launch(ctx.now, purchase, type_index, pool, zone, protected);
        self.schedule_failure(ctx, id);
        id
    }

    /// Launches pool instances until the pool (ready and initialising) has its size.
    pub(super) fn refill_warm_pool(&mut self, ctx: &mut Ctx<'_>) {
        let Some(config) = &self.config.autoscaling.warm_pool else {
            return;
        };
        let size = config.size_for(self.group.max, self.group.desired);
        loop {
            let Some((pool, _)) = &self.fleet.warm_pool else {
                return;
            };
            if pool.ready + pool.initializing >= size {
                return;
            }
            let boot = SimDuration(self.fleet.boot.sample(&mut self.fleet.warm_pool_rng));
            if let Some((pool, _)) = &mut self.fleet.warm_pool {
                pool.start_initializing(boot);
            }
            ctx.queue.schedule(
                ctx.now + boot,
                Event::WarmInstanceStopped { tier: ctx.tier },
            );
        }
    }

    /// Starts an instance's boot (a task's provisioning, image pull and container
    /// start); it then passes health checks before any traffic.
    pub(super) fn boot(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if self.cluster.is_some() {
            // An ecs_ec2 task starts once placed on a container instance.
            self.place_task(ctx, id);
            return;
        }
        let boot = self.fleet.boot.sample(&mut self.fleet.boot_rng);
        ctx.queue.schedule(
            ctx.now + SimDuration(boot) + self.fleet.boot_offset,
            Event::InstanceBooted {
                tier: ctx.tier,
                instance: id,
            },
        );
    }

    pub(super) fn on_instance_booted(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        let instance = &mut self.fleet.instances[id as usize];
        if instance.state != InstanceState::Booting || instance.failed {
            return; // terminated while booting, or its zone went down
        }
        // The group marks it InService and registers it with the target group; its
        // warm-up starts now (aws-facts.md 3.2, 3.5). The target receives traffic after
        // `healthy` consecutive successful checks, one per interval (4.4).
        instance.state = InstanceState::Registering;
        instance.warm_at = Some(ctx.now + self.config.autoscaling.instance_warmup);
        // Without a load balancer (a single-instance Beanstalk environment, aws-facts.md
        // 11.2, or a worker tier, whose `sqsd` polls the queue once the instance is up)
        // the instance serves as soon as it is in service.
        if !self.config.has_load_balancer() {
            return self.become_healthy(ctx, id);
        }
        let hc = &self.config.load_balancer.health_check;
        let delay = SimDuration(hc.interval.0 * u64::from(hc.healthy));
        ctx.queue.schedule(
            ctx.now + delay,
            Event::HealthChecksPassed {
                tier: ctx.tier,
                instance: id,
            },
        );
    }

    pub(super) fn on_health_checks_passed(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        let instance = &self.fleet.instances[id as usize];
        if instance.state == InstanceState::Registering && !instance.failed {
            // An instance a deployment launched with a failing version passes the load
            // balancer's checks but never Elastic Beanstalk's: it is kept out of
            // service until the deployment gives it up.
            if self.deployments.version_fails(id) {
                let instance = &mut self.fleet.instances[id as usize];
                instance.state = InstanceState::Deploying;
                instance.failing_version = true;
                return;
            }
            self.become_healthy(ctx, id);
        }
    }

    pub(super) fn become_healthy(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        self.fleet.last_activity_end = ctx.now;
        let instance = &mut self.fleet.instances[id as usize];
        instance.state = InstanceState::InService;
        instance.healthy_at = Some(ctx.now);
        instance.first_healthy_at.get_or_insert(ctx.now);
        let replaces = instance.replaces;
        self.serving.register(id);
        self.fleet.change_in_service(ctx.now, 1);
        // Capacity rebalancing retires the at-risk instance once its replacement
        // passes health checks (aws-facts.md 2.6).
        // So does AZ rebalancing, which then goes on (aws-facts.md 17.1).
        if let Some(old) = replaces {
            self.begin_draining(ctx, old);
            self.rebalance_zones(ctx);
        }
        self.deployments.in_service(id, ctx.now);
        self.deployment_progressed(ctx);
        self.pump(ctx);
    }

    /// Takes an instance out of service for scale-in: deregistration first, then
    /// termination when its requests are done or the delay expires (aws-facts.md 3.2,
    /// 4.2). An instance that never received traffic stops at once.
    pub(super) fn begin_draining(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        let instance = &mut self.fleet.instances[id as usize];
        match instance.state {
            // A deploying instance is out of the load balancer already.
            InstanceState::Booting
            | InstanceState::Registering
            | InstanceState::Unhealthy
            | InstanceState::Deploying => self.terminate(ctx, id),
            InstanceState::InService => {
                if self.deregister(ctx, id, InstanceState::Draining, true) {
                    self.terminate(ctx, id);
                }
            }
            InstanceState::Draining | InstanceState::Terminated => {}
        }
    }

    /// Takes in-service `id` out of the load balancer into `state` (draining for
    /// scale-in, or deploying). True when it has nothing to drain: it is idle, or
    /// `drain` is false, or there is no deregistration delay; else the delay's end is
    /// scheduled, unless its last request ends first (aws-facts.md 4.2).
    pub(super) fn deregister(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: u32,
        state: InstanceState,
        drain: bool,
    ) -> bool {
        let instance = &mut self.fleet.instances[id as usize];
        instance.state = state;
        let idle = instance.outstanding() == 0;
        self.serving.deregister(id);
        self.fleet.change_in_service(ctx.now, -1);
        // Without a load balancer there is nothing to drain from: a worker's messages
        // in flight wait out their visibility timeout (aws-facts.md 12.6 advises
        // scale-in protection for long jobs).
        let delay = match self.config.has_load_balancer() {
            true => self.config.load_balancer.deregistration_delay,
            false => SimDuration::ZERO,
        };
        if !drain || idle || delay == SimDuration::ZERO {
            return true;
        }
        ctx.queue.schedule(
            ctx.now + delay,
            Event::DeregistrationDelayExpired {
                tier: ctx.tier,
                instance: id,
            },
        );
        false
    }
}
