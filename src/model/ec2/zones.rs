//! Carrying out the Availability Zones (aws-facts.md 17): the zone each instance
//! launches in, launches that fail and their retries, zone outages and recoveries, and
//! AZ rebalancing. With one zone and nothing happening to it, every rule here is the
//! identity: a run is the run before zones existed, draw for draw.
//!
//! - A launch goes to the zone with the fewest active instances of the group (17.1);
//!   ties go to the zone listed first in `[network] zones` (AWS picks at random;
//!   simcloud stays reproducible without spending random numbers). A zone that is down
//!   is skipped: AWS's attempt there fails and the group "attempts to launch the
//!   instances in another Availability Zone until it succeeds" (17.1); that attempt is
//!   not counted. A cluster placement group launches in the first zone only (17.4).
//! - In a zone, an on-demand launch is of the group's instance type; a spot launch
//!   goes to the pool the allocation strategy picks among the pools with capacity
//!   there ("first balance across AZs, then apply allocation strategy", 2.5). A type
//!   short in the zone (`[[capacity_shortage]]`) fails with
//!   InsufficientInstanceCapacity and the next pool, then the next zone, is tried
//!   (17.2: "other AZs first"); a spread placement group refuses an eighth running
//!   instance in a zone (17.4), and Dedicated Hosts one more instance than their
//!   slots (20.1; simcloud's hosts serve every zone of the group). Each failed
//!   attempt is counted (`failed_launches`).
//! - When no zone takes an instance the group retries after 10 s, doubling up to
//!   5 minutes (17.2's model default: AWS does not document the cadence). Until the
//!   retry the group launches nothing; a launch that succeeds resets the delay.
//! - An outage (`[[outage]]`): every instance of the group in the zone stops
//!   answering. A serving one fails as `instance.failures` do (`health.rs`): the
//!   requests on it are lost and counted interrupted, and until the load balancer's
//!   health checks mark it unhealthy the requests routed to it are answered 502 ("the
//!   target ... closed the connection", aws-facts.md 4.6) and counted interrupted too;
//!   the group replaces it, in another zone, when its own health check finds it
//!   (3.7). A booting one never passes its checks: EC2's status checks report it
//!   after a few minutes. A draining one stops at once.
//! - AZ rebalancing (17.1): when the zones that are up differ by more than one
//!   active instance (after an outage, or a shortage that pushed launches elsewhere)
//!   the group launches in the zone with the fewest and, once the new instance is
//!   healthy, drains one in the zone with the most (launch before terminate, as
//!   capacity rebalancing does, 2.6), exceeding `max` by at most 10 % of it or one
//!   instance, whichever is greater.
//!
//! The load balancer routes across zones as it did across instances: cross-zone load
//! balancing is always on for an ALB (aws-facts.md 4.5, 17.3), so each healthy target
//! gets its share whatever its zone, and the balancer needs no zone of its own.
//!
//! Spot pools are one per instance type and zone (`spot.rs`): a launch in a zone uses
//! that zone's pools, each with its own price path, interruptions and shortages.

use super::health::EC2_IMPAIRED_DELAY;
use super::*;
use crate::model::config::{PLACEMENT_PER_ZONE, PlacementGroupStrategy, Tenancy};

/// The first wait before the group retries failed launches, and the longest
/// (aws-facts.md 17.2, model default).
const FIRST_RETRY: SimDuration = SimDuration::from_secs(10);
const LONGEST_RETRY: SimDuration = SimDuration::from_secs(300);

/// The group's failed launches waiting for their retry.
pub(super) struct LaunchRetry {
    /// A retry is scheduled: the group launches nothing until then.
    pending: bool,
    /// The wait before the next retry.
    delay: SimDuration,
}

impl Default for LaunchRetry {
    fn default() -> Self {
        LaunchRetry {
            pending: false,
            delay: FIRST_RETRY,
        }
    }
}

impl Ec2Tier<'_> {
    /// Schedules the outages of the run's zones and the ends of the shortages of the
    /// types this tier launches.
    pub(super) fn schedule_zone_events(&self, ctx: &mut Ctx<'_>) {
        ctx.schedule_outages(self.network);
        let tier = ctx.tier;
        for s in &self.network.shortages {
            if self.type_names.contains(&s.type_name) {
                let zone = s.zone as u8;
                ctx.queue
                    .schedule(SimTime::ZERO + s.to, Event::ZoneRecovered { tier, zone });
            }
        }
    }

    /// Whether the group may launch in `zone` now: it is up, and the placement group
    /// allows it (a cluster group is the first zone).
    fn zone_usable(&self, zone: usize, now: SimTime) -> bool {
        let cluster = self
            .config
            .placement
            .is_some_and(|p| p.strategy == PlacementGroupStrategy::Cluster);
        !(cluster && zone > 0) && !self.network.down(zone, now.since(SimTime::ZERO))
    }

    /// Active instances of the group per zone.
    pub(super) fn active_per_zone(&self) -> Vec<u32> {
        let mut count = vec![0; self.network.zones.len()];
        for instance in self.fleet.alive() {
            if instance.is_active() {
                count[instance.zone as usize] += 1;
            }
        }
        count
    }

    /// The summary's instances per zone, in a run of several zones.
    pub(super) fn zone_summary(&self) -> Vec<ZoneInstances> {
        if self.network.zones.len() == 1 {
            return Vec::new();
        }
        let active = self.active_per_zone();
        let mut zones: Vec<ZoneInstances> = (self.network.zones.iter().zip(active))
            .map(|(zone, active_at_end)| ZoneInstances {
                zone: zone.clone(),
                launched: 0,
                active_at_end,
            })
            .collect();
        for instance in &self.fleet.instances {
            zones[usize::from(instance.zone)].launched += 1;
        }
        zones
    }

    /// The zones a launch may go to, fewest active instances first (ties: the zone
    /// listed first).
    pub(super) fn launch_zones(&self, now: SimTime) -> Vec<usize> {
        let count = self.active_per_zone();
        let mut zones: Vec<usize> = (0..count.len())
            .filter(|&z| self.zone_usable(z, now))
            .collect();
        zones.sort_by_key(|&z| (count[z], z));
        zones
    }

    /// Launches the instance the mixed instances policy wants next: on-demand while
    /// the group has fewer than its on-demand target for the desired capacity, else
    /// spot (aws-facts.md 2.4, 2.5), in the zone with the fewest instances that has
    /// capacity (17.1, 17.2). Billed from now. `None` when no zone takes it.
    pub(super) fn launch_for_group(&mut self, ctx: &mut Ctx<'_>) -> Option<u32> {
        let (on_demand, _, _) = self.fleet.active_counts(self.market.pools.len());
        let spot = on_demand >= self.config.on_demand_target(self.group.desired);
        let zones = self.launch_zones(ctx.now);
        let launched = self.launch_in_zones(ctx, spot, &zones);
        if launched.is_some() {
            self.retry.delay = FIRST_RETRY;
        }
        launched
    }

    /// Tries `zones` in order until one takes the instance, counting each attempt
    /// that fails; with no zone to try, that is one failed attempt.
    pub(super) fn launch_in_zones(
        &mut self,
        ctx: &mut Ctx<'_>,
        spot: bool,
        zones: &[usize],
    ) -> Option<u32> {
        if zones.is_empty() {
            self.fleet.failed_launches += 1;
        }
        zones
            .iter()
            .find_map(|&zone| self.launch_in_zone(ctx, spot, zone))
    }

    fn launch_in_zone(&mut self, ctx: &mut Ctx<'_>, spot: bool, zone: usize) -> Option<u32> {
        let spread = self
            .config
            .placement
            .is_some_and(|p| p.strategy == PlacementGroupStrategy::Spread);
        if spread {
            // "If you try to start an eighth instance in the same Availability Zone
            // ... the instance will not launch" (aws-facts.md 17.4).
            let running = self
                .fleet
                .alive()
                .filter(|i| usize::from(i.zone) == zone)
                .count() as u32;
            if running >= PLACEMENT_PER_ZONE {
                self.fleet.failed_launches += 1;
                return None;
            }
        }
        let t = ctx.now.since(SimTime::ZERO);
        if let Tenancy::Host(hosts) = &self.config.purchase.tenancy
            && self.fleet.alive.len() as u32 >= hosts.capacity()
        {
            // No free slot on the Dedicated Hosts (aws-facts.md 20.1): EC2 refuses the
            // launch as it does one short of capacity, and the group retries.
            self.fleet.failed_launches += 1;
            return None;
        }
        if !spot {
            if self.network.short_of(&self.type_names[0], zone, t) {
                self.fleet.failed_launches += 1;
                return None;
            }
            return Some(self.launch(ctx, PurchaseOption::OnDemand, 0, None, zone as u8));
        }
        let (_, _, per_pool) = self.fleet.active_counts(self.market.pools.len());
        // The zone's own pools (aws-facts.md 2.5: balance across zones first).
        let mut tried: Vec<bool> = (0..per_pool.len())
            .map(|p| usize::from(self.market.pools[p].zone) != zone)
            .collect();
        while let Some(pool) = self.market.choose_pool(ctx.now, &per_pool, &|p| !tried[p]) {
            let type_name = &self.type_names[self.market.pools[pool].type_index];
            if !self.network.short_of(type_name, zone, t) {
                return Some(self.launch_spot(ctx, pool, zone as u8));
            }
            self.fleet.failed_launches += 1;
            tried[pool] = true;
        }
        None
    }

    /// No zone took a launch: the group tries again after its retry delay, which
    /// doubles up to its cap (aws-facts.md 17.2).
    pub(super) fn retry_launches_later(&mut self, ctx: &mut Ctx<'_>) {
        if self.retry.pending {
            return;
        }
        self.retry.pending = true;
        ctx.queue.schedule(
            ctx.now + self.retry.delay,
            Event::LaunchRetryDue { tier: ctx.tier },
        );
        self.retry.delay = SimDuration(self.retry.delay.0 * 2).min(LONGEST_RETRY);
    }

    /// Whether the group is waiting for a retry: it launches nothing until then.
    pub(super) fn waiting_to_retry(&self) -> bool {
        self.retry.pending
    }

    pub(super) fn on_launch_retry_due(&mut self, ctx: &mut Ctx<'_>) {
        self.retry.pending = false;
        self.reconcile(ctx);
    }

    /// The zone goes down: each of the group's instances in it stops answering (see
    /// the module's doc).
    pub(super) fn on_zone_failed(&mut self, ctx: &mut Ctx<'_>, zone: u8) {
        let in_zone: Vec<u32> = self
            .fleet
            .alive
            .iter()
            .copied()
            .filter(|&id| self.fleet.instances[id as usize].zone == zone)
            .collect();
        for id in in_zone {
            let instance = &mut self.fleet.instances[id as usize];
            if instance.failed {
                continue;
            }
            match instance.state {
                InstanceState::InService => self.fail(ctx, id),
                // Out of the load balancer, as a deploying instance is.
                InstanceState::Booting | InstanceState::Registering | InstanceState::Deploying => {
                    instance.failed = true;
                    self.fleet.failures += 1;
                    ctx.queue.schedule(
                        ctx.now + EC2_IMPAIRED_DELAY,
                        Event::InstanceFoundUnhealthy {
                            tier: ctx.tier,
                            instance: id,
                        },
                    );
                }
                InstanceState::Draining => self.terminate(ctx, id),
                InstanceState::Unhealthy | InstanceState::Terminated => {}
            }
        }
    }

    /// The zone is back (its outage, or a shortage there, is over): launches waiting
    /// go ahead and the group rebalances (aws-facts.md 17.1).
    pub(super) fn on_zone_recovered(&mut self, ctx: &mut Ctx<'_>) {
        self.reconcile(ctx);
    }

    /// AZ rebalancing (see the module's doc; aws-facts.md 17.1).
    pub(super) fn rebalance_zones(&mut self, ctx: &mut Ctx<'_>) {
        if self.network.zones.len() == 1 || self.retry.pending {
            return;
        }
        // "a margin of 10 percent or one instance, whichever is greater" over max.
        let limit = self.group.max + (self.group.max / 10).max(1);
        loop {
            let count = self.active_per_zone();
            let up: Vec<usize> = (0..count.len())
                .filter(|&z| self.zone_usable(z, ctx.now))
                .collect();
            let (Some(&fewest), Some(&most)) = (
                up.iter().min_by_key(|&&z| (count[z], z)),
                up.iter().max_by_key(|&&z| (count[z], z)),
            ) else {
                return;
            };
            if count[most] <= count[fewest] + 1 {
                return;
            }
            let in_group = self
                .fleet
                .alive()
                .filter(|i| i.is_active() || (i.replaced && i.state != InstanceState::Draining))
                .count() as u32;
            if in_group >= limit {
                return;
            }
            let Some(old) = self.choose_victim_in(ctx, Some(most as u8)) else {
                return;
            };
            let spot = self.fleet.instances[old as usize].pool.is_some();
            let Some(new) = self.launch_in_zones(ctx, spot, &[fewest]) else {
                return;
            };
            self.fleet.instances[old as usize].replaced = true;
            self.fleet.instances[new as usize].replaces = Some(old);
            self.boot(ctx, new);
        }
    }
}
