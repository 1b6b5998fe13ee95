//! The Auto Scaling group's instances: the records of every instance launched, which
//! are alive, the boot and failure draws, the warm pool, and the instance statistics
//! of the summary (launches, terminations, interruptions, instances in service over
//! time, busy worker-time).
//!
//! The fleet owns the instances' state; what happens to them (routing, scaling, the
//! bill) is decided elsewhere and carried out through its methods, so that the count
//! of instances in service and the utilisation integrals stay exact.

use super::config::TierConfig;
use super::credits::{CreditSpec, Credits};
use super::dist::DurationSampler;
use super::instance::{Instance, InstanceState, PurchaseOption};
use super::outcome::{InstanceSummary, TimelineRow, round_to};
use super::warm_pool::WarmPool;
use crate::engine::{RngStreams, SECS_PER_HOUR, SimDuration, SimRng, SimTime, TimeIntegral};

/// An instance type as the run uses it.
pub(super) struct TypeInfo {
    pub workers: u32,
    /// Relative per-vCPU speed (m5.large = 1.0): service times are divided by it.
    pub speed: f64,
    /// CPU credits, for the group's own type when it bursts (aws-facts.md 20.5).
    pub credits: Option<CreditSpec>,
}

pub(super) struct Fleet {
    /// Every instance launched, by id (ids are indices; records stay after
    /// termination).
    pub instances: Vec<Instance>,
    /// Ids of instances not yet terminated, in launch order.
    pub alive: Vec<u32>,
    pub types: Vec<TypeInfo>,
    pub boot: DurationSampler,
    /// Added to every boot draw: a Fargate task's image pull and container start
    /// (aws-facts.md 15.3), after its provisioning (`instance.boot_time`).
    pub boot_offset: SimDuration,
    pub boot_rng: SimRng,
    /// Warm-pool draws (initialisation runs and starts from the pool) have their own
    /// stream, so that a strategy with a warm pool sees the same boot times as one
    /// without (common random numbers).
    pub warm_pool_rng: SimRng,
    pub failures_rng: SimRng,
    pub warm_pool: Option<(WarmPool, DurationSampler)>,
    pub launched: u64,
    pub launched_spot: u64,
    pub terminated: u64,
    pub failures: u64,
    pub replaced_unhealthy: u64,
    /// Launch attempts that failed: InsufficientInstanceCapacity, a full spread
    /// placement group, or no zone to launch in (aws-facts.md 17.2, 17.4).
    pub failed_launches: u64,
    pub spot_interruptions: u64,
    pub rebalance_recommendations: u64,
    /// The event counts above when the last timeline row was written
    /// ([`Fleet::count_events`]).
    reported: [u64; 5],
    /// When the last scaling activity finished (an instance in service or stopped).
    pub last_activity_end: SimTime,
    pub in_service: u32,
    pub peak_in_service: u32,
    pub min_in_service: u32,
    pub in_service_area: TimeIntegral,
    /// Busy and offered worker-time of terminated instances.
    pub retired_busy_area: u128,
    pub retired_capacity_area: u128,
    /// Credits of terminated burstable instances: spent, surplus spent, surplus
    /// billed, throttled nanoseconds.
    pub retired_credits: [f64; 4],
}

impl Fleet {
    pub(super) fn new(config: &TierConfig, types: Vec<TypeInfo>, streams: &RngStreams) -> Self {
        Fleet {
            instances: Vec::new(),
            alive: Vec::new(),
            types,
            boot: DurationSampler::new(&config.instance.boot_time),
            boot_offset: config
                .fargate
                .as_ref()
                .map_or(SimDuration::ZERO, |f| f.image_pull + f.container_start),
            boot_rng: streams.stream("boot"),
            warm_pool_rng: streams.stream("warm_pool"),
            failures_rng: streams.stream("failures"),
            warm_pool: config.autoscaling.warm_pool.as_ref().map(|w| {
                let size = w.size_for(config.autoscaling.max, config.autoscaling.desired);
                (WarmPool::new(size), DurationSampler::new(&w.start_time))
            }),
            launched: 0,
            launched_spot: 0,
            terminated: 0,
            failures: 0,
            replaced_unhealthy: 0,
            failed_launches: 0,
            spot_interruptions: 0,
            rebalance_recommendations: 0,
            reported: [0; 5],
            last_activity_end: SimTime::ZERO,
            in_service: 0,
            peak_in_service: 0,
            min_in_service: u32::MAX,
            in_service_area: TimeIntegral::starting_at(SimTime::ZERO),
            retired_busy_area: 0,
            retired_capacity_area: 0,
            retired_credits: [0.0; 4],
        }
    }

    /// Launches an instance now: billed from now, booting until `InstanceBooted`.
    pub(super) fn launch(
        &mut self,
        now: SimTime,
        purchase: PurchaseOption,
        type_index: usize,
        pool: Option<usize>,
        zone: u8,
        protected: bool,
    ) -> u32 {
        let id = self.instances.len() as u32;
        let workers = self.types[type_index].workers;
        let mut instance = Instance::new(id, purchase, type_index, pool, zone, workers, now);
        instance.protected = protected;
        instance.speed = self.types[type_index].speed;
        if let Some(spec) = self.types[type_index].credits {
            instance.credits = Some(Box::new(Credits::new(spec, now)));
        }
        self.instances.push(instance);
        self.alive.push(id);
        self.launched += 1;
        if pool.is_some() {
            self.launched_spot += 1;
        }
        id
    }

    /// Records a stopped instance: its worker-time joins the retired totals and it
    /// leaves the alive list. Its requests and its bill are settled before.
    pub(super) fn retire(&mut self, id: u32, now: SimTime) {
        let instance = &mut self.instances[id as usize];
        self.retired_busy_area += instance.busy_area_at(now);
        self.retired_capacity_area += instance.capacity_area_at(now);
        if let Some(c) = &mut instance.credits {
            // A terminated instance loses its credits (aws-facts.md 20.5).
            c.advance(now);
            // Its outstanding surplus was billed as it stopped.
            c.settle();
            let figures = [c.spent, c.surplus_spent, c.charged, c.throttled_nanos];
            for (total, x) in self.retired_credits.iter_mut().zip(figures) {
                *total += x;
            }
            c.jobs.clear();
        }
        instance.state = InstanceState::Terminated;
        if instance.interrupted {
            self.spot_interruptions += 1;
        }
        self.alive.retain(|&a| a != id);
        self.terminated += 1;
        self.last_activity_end = now;
    }

    /// Active instances by purchase option, and active spot instances per pool.
    pub(super) fn active_counts(&self, pools: usize) -> (u32, u32, Vec<u32>) {
        let (mut on_demand, mut spot) = (0, 0);
        let mut per_pool = vec![0; pools];
        for instance in self.alive() {
            if instance.is_active() {
                match instance.pool {
                    Some(pool) => {
                        spot += 1;
                        per_pool[pool] += 1;
                    }
                    None => on_demand += 1,
                }
            }
        }
        (on_demand, spot, per_pool)
    }

    /// The instances not yet terminated, in launch order.
    pub(super) fn alive(&self) -> impl Iterator<Item = &Instance> {
        self.alive.iter().map(|&id| &self.instances[id as usize])
    }

    /// Keeps the time integral of instances in service exact across a change.
    pub(super) fn change_in_service(&mut self, now: SimTime, delta: i32) {
        self.in_service_area
            .advance(now, u64::from(self.in_service));
        self.in_service = self
            .in_service
            .checked_add_signed(delta)
            .expect("in-service count >= 0");
        self.peak_in_service = self.peak_in_service.max(self.in_service);
        // The minimum is taken after the initial fleet is up (t = 0 counts from then).
        if now > SimTime::ZERO || delta < 0 {
            self.min_in_service = self.min_in_service.min(self.in_service);
        }
    }

    /// Busy and offered worker-time of every instance of the run up to `now`, in
    /// worker-nanoseconds.
    pub(super) fn utilization_areas(&self, now: SimTime) -> (u128, u128) {
        let mut busy = self.retired_busy_area;
        let mut capacity = self.retired_capacity_area;
        for instance in self.alive() {
            busy += instance.busy_area_at(now);
            capacity += instance.capacity_area_at(now);
        }
        (busy, capacity)
    }

    /// Counts the alive instances by state and purchase option into a timeline row.
    pub(super) fn count_states(&self, row: &mut TimelineRow) {
        for instance in self.alive() {
            let spot = instance.purchase == PurchaseOption::Spot;
            let slot = match instance.state {
                // A failed deployment's version never becomes healthy.
                InstanceState::Deploying if instance.failing_version => &mut row.unhealthy,
                // A deploying instance is counted as pending: on its way into service.
                InstanceState::Booting | InstanceState::Registering | InstanceState::Deploying => {
                    if spot {
                        &mut row.pending_spot
                    } else {
                        &mut row.pending_on_demand
                    }
                }
                InstanceState::InService => {
                    if spot {
                        &mut row.in_service_spot
                    } else {
                        &mut row.in_service_on_demand
                    }
                }
                InstanceState::Draining => {
                    if spot {
                        &mut row.draining_spot
                    } else {
                        &mut row.draining_on_demand
                    }
                }
                InstanceState::Unhealthy => &mut row.unhealthy,
                InstanceState::Terminated => unreachable!("alive"),
            };
            *slot += 1;
        }
    }

    /// Writes the fleet events since the last row into `row` (launches, terminations,
    /// spot interruptions, failures, replacements).
    pub(super) fn count_events(&mut self, row: &mut TimelineRow) {
        let now = [
            self.launched,
            self.terminated,
            self.spot_interruptions,
            self.failures,
            self.replaced_unhealthy,
        ];
        let [launched, terminated, spot_interruptions, failures, replaced] =
            std::array::from_fn(|i| now[i] - self.reported[i]);
        row.launched = launched;
        row.terminated = terminated;
        row.spot_interruptions = spot_interruptions;
        row.failures = failures;
        row.replaced_unhealthy = replaced;
        self.reported = now;
    }

    /// The summary's instance section at the end of a run of `duration`.
    pub(super) fn summary(&self, duration: SimDuration, billed_secs: u64) -> InstanceSummary {
        InstanceSummary {
            launched: self.launched,
            launched_spot: self.launched_spot,
            terminated: self.terminated,
            spot_interruptions: self.spot_interruptions,
            failures: self.failures,
            replaced_unhealthy: self.replaced_unhealthy,
            failed_launches: self.failed_launches,
            launched_from_warm_pool: self
                .warm_pool
                .as_ref()
                .map_or(0, |(p, _)| p.launched_from_pool),
            rebalance_recommendations: self.rebalance_recommendations,
            peak_in_service: self.peak_in_service,
            mean_in_service: round_to(
                self.in_service_area.at(SimTime::ZERO + duration, 0) as f64
                    / duration.0.max(1) as f64,
                3,
            ),
            min_in_service: self.min_in_service.min(self.in_service),
            instance_hours: round_to(billed_secs as f64 / SECS_PER_HOUR, 6),
            zones: Vec::new(),
            credits: None,
        }
    }
}
