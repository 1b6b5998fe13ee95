//! Carrying out spot events: rebalance recommendations, the two-minute interruption
//! notice, reclaiming, correlated capacity events and capacity rebalancing
//! (aws-facts.md 2.2, 2.6).

use super::*;
use crate::model::calls::Message;

impl Ec2Tier<'_> {
    pub(super) fn on_rebalance_recommended(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if !self.fleet.instances[id as usize].is_active() {
            return;
        }
        self.fleet.rebalance_recommendations += 1;
        if self.config.spot.capacity_rebalance {
            self.replace_at_risk(ctx, id);
        }
    }

    /// Launches a replacement for an at-risk spot instance; the group may exceed its
    /// maximum while both run (aws-facts.md 2.6).
    pub(super) fn replace_at_risk(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        self.fleet.instances[id as usize].replaced = true;
        // In the zone with the fewest instances, as any launch (aws-facts.md 17.1);
        // if none takes it, the instance stays until it is interrupted.
        let zones = self.launch_zones(ctx.now);
        let Some(new) = self.launch_in_zones(ctx, true, &zones) else {
            self.fleet.instances[id as usize].replaced = false;
            return;
        };
        self.fleet.instances[new as usize].replaces = Some(id);
        self.boot(ctx, new);
    }

    /// The two-minute warning: the instance is deregistered and drains until EC2 stops
    /// it (aws-facts.md 2.2). With capacity rebalancing and no replacement yet (the
    /// recommendation came with the notice), the replacement launches now.
    pub(super) fn on_interruption_noticed(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        let instance = &self.fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated || instance.interruption_noticed {
            return;
        }
        let replace_now = self.config.spot.capacity_rebalance && !instance.replaced;
        let was_in_service = instance.state == InstanceState::InService;
        self.fleet.instances[id as usize].interruption_noticed = true;
        let reclaim_at = ctx.now + self.config.spot.notice;
        ctx.queue.schedule(
            reclaim_at,
            Event::SpotInstanceReclaimed {
                tier: ctx.tier,
                instance: id,
            },
        );
        self.serving.deregister(id);
        if was_in_service {
            self.fleet.change_in_service(ctx.now, -1);
        }
        if self.fleet.instances[id as usize].state != InstanceState::Draining {
            self.fleet.instances[id as usize].state = InstanceState::Draining;
        }
        if replace_now {
            self.replace_at_risk(ctx, id);
        }
    }

    /// EC2 stops the instance at the end of the notice. Without capacity rebalancing
    /// the group replaces it only now (aws-facts.md 2.6).
    pub(super) fn on_instance_reclaimed(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if self.fleet.instances[id as usize].state == InstanceState::Terminated {
            return;
        }
        self.fleet.instances[id as usize].interrupted = true;
        self.terminate(ctx, id);
        self.reconcile(ctx);
    }

    /// A capacity event: each running instance of the pool is reclaimed with
    /// probability `share`; each gets its rebalance recommendation now and its notice
    /// at `notice_at` (now, when the warning comes with the notice).
    pub(super) fn on_capacity_reclaimed(
        &mut self,
        ctx: &mut Ctx<'_>,
        pool: usize,
        notice_at: SimTime,
    ) {
        let share = self.config.spot.capacity_events.share;
        let in_pool: Vec<u32> = self
            .fleet
            .alive
            .iter()
            .copied()
            .filter(|&id| self.fleet.instances[id as usize].pool == Some(pool))
            .collect();
        for id in in_pool {
            let draw: f64 = rand::Rng::random(&mut self.market.pools[pool].event_rng);
            if draw < share {
                self.on_rebalance_recommended(ctx, id);
                if notice_at > ctx.now {
                    let noticed = Event::SpotInterruptionNoticed {
                        tier: ctx.tier,
                        instance: id,
                    };
                    ctx.queue.schedule(notice_at, noticed);
                } else {
                    self.on_interruption_noticed(ctx, id);
                }
            }
        }
    }

    /// Stops an instance now: requests still on it are interrupted, billing ends.
    pub(super) fn terminate(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        let now = ctx.now;
        if self.fleet.instances[id as usize].state == InstanceState::InService {
            self.fleet.change_in_service(ctx.now, -1);
        }
        self.serving.deregister(id);
        self.serving
            .cut_off(&mut self.fleet, &mut self.metrics, ctx, id);
        // An ecs_ec2 tier's tasks are not billed: its container instances are.
        if self.cluster.is_none() {
            self.ledger
                .close_instance(&self.fleet.instances[id as usize], now, &self.market);
        }
        self.fleet.retire(id, now);
        self.release_task(ctx, id);
        // What the instance held at the tiers it calls (a database's connection
        // pool) is let go with it.
        for to in self.serving.calls.targets() {
            ctx.outbox.push(Message::CallerStopped {
                to,
                tier: ctx.tier,
                instance: id,
            });
        }
        self.deployments.terminated(id, now);
        self.deployment_progressed(ctx);
    }
}
