//! The simulation of one scenario: the event loop tying traffic, load balancer,
//! instances, Auto Scaling and billing together.
//!
//! One `Simulation` is one run: single-threaded, no I/O, no wall clock. Timeline rows
//! are handed to a caller-supplied sink as they are produced, so a month-long run
//! holds one interval's statistics in memory, not the whole timeline.

use super::billing::{BilledType, CostLedger, CostSoFar};
use super::config::{Config, HealthCheckType, PredictiveMode, ScalingMetric, ScalingPolicy};
use super::scaling::termination::{self, Candidate};
use super::scaling::{AutoScalingGroup, MetricSample};

/// How long EC2 status checks take to report an impaired instance to the group: AWS
/// says the group "waits a few minutes" (aws-facts.md 3.7).
const EC2_IMPAIRED_DELAY: SimDuration = SimDuration::from_secs(180);
use super::event::Event;
use super::fleet::{Fleet, TypeInfo};
use super::instance::{InstanceState, PurchaseOption};
use super::metrics::Metrics;
use super::outcome::*;
use super::scaling::predictive::{Forecaster, HourStats};
use super::serving::Serving;
use super::spot::SpotMarket;
use super::traffic::{ArrivalProcess, RateFunction};
use crate::engine::{EventQueue, LatencyHistogram, RngStreams, SimDuration, SimTime};
use std::collections::VecDeque;

/// The result of a run, apart from the timeline (streamed to the sink).
pub struct RunOutcome {
    pub summary: Summary,
    pub cost_items: Vec<CostItem>,
    /// Latencies of every completed request, for the report's distribution chart.
    pub latency: LatencyHistogram,
}

/// What a run hands out while it goes: timeline rows in time order, and each line of
/// the bill as soon as it is final. Exporters implement it to stream to disk, so that
/// memory stays flat however long the run; the model never sees a file.
pub trait RunObserver {
    fn row(&mut self, row: &TimelineRow);
    fn cost_item(&mut self, item: &CostItem);
}

/// Runs `config` to completion, passing each timeline row to `on_row` in time order;
/// the bill's lines are kept in [`RunOutcome::cost_items`].
pub fn simulate(config: &Config, on_row: &mut dyn FnMut(&TimelineRow)) -> RunOutcome {
    let mut items = Vec::new();
    let mut outcome = simulate_streaming(config, on_row, &mut |item| items.push(item.clone()));
    outcome.cost_items = items;
    outcome
}

/// Like [`simulate`], but hands each line of the bill to `on_item` as soon as it is
/// final (at the next timeline row) instead of keeping it: memory then stays flat
/// however many instances a long run launches. `RunOutcome::cost_items` is empty.
pub fn simulate_streaming(
    config: &Config,
    on_row: &mut dyn FnMut(&TimelineRow),
    on_item: &mut dyn FnMut(&CostItem),
) -> RunOutcome {
    struct Closures<'f> {
        on_row: &'f mut dyn FnMut(&TimelineRow),
        on_item: &'f mut dyn FnMut(&CostItem),
    }
    impl RunObserver for Closures<'_> {
        fn row(&mut self, row: &TimelineRow) {
            (self.on_row)(row)
        }
        fn cost_item(&mut self, item: &CostItem) {
            (self.on_item)(item)
        }
    }
    simulate_observed(config, &mut Closures { on_row, on_item })
}

/// Like [`simulate_streaming`], with both streams going to one observer.
pub fn simulate_observed(config: &Config, observer: &mut dyn RunObserver) -> RunOutcome {
    Simulation::new(config).run(observer)
}

struct Simulation<'a> {
    config: &'a Config,
    now: SimTime,
    end: SimTime,
    queue: EventQueue<Event>,
    arrivals: ArrivalProcess,
    rate: RateFunction,
    fleet: Fleet,
    market: SpotMarket,
    serving: Serving,
    group: AutoScalingGroup,
    ledger: CostLedger,
    metrics: Metrics,
    events: u64,
    hour_start: SimTime,
    /// Metric datapoints computed but not yet published.
    unpublished: VecDeque<MetricSample>,
    forecaster: Forecaster,
    /// Requests and busy worker-time at the start of the current clock hour.
    hour_marks: (u64, u128),
    /// The latest predictive forecast, for the timeline.
    forecast_capacity: u32,
    // Marks at the previous report tick.
    last_report_at: SimTime,
    last_busy_area: u128,
    last_capacity_area: u128,
}

impl<'a> Simulation<'a> {
    fn new(config: &'a Config) -> Self {
        let streams = RngStreams::new(config.seed);
        let end = SimTime(config.duration.0);
        // The type table: the group's own type first, then any other spot pool types.
        // Workers follow vCPUs when the scenario asks for workers per vCPU.
        let per_vcpu = config.service.workers_setting;
        let mut billed = vec![BilledType {
            name: config.instance.type_name.clone(),
            on_demand_price: config.instance.price_per_hour,
        }];
        let mut types = vec![TypeInfo {
            workers: config.service.workers,
        }];
        let pools = config
            .purchase
            .spot_pools
            .iter()
            .zip(&config.purchase.spot_pool_types);
        for (name, t) in pools {
            if billed.iter().all(|b| &b.name != name) {
                billed.push(BilledType {
                    name: name.clone(),
                    on_demand_price: t.price_per_hour,
                });
                let workers = if config.service.workers_per_vcpu {
                    per_vcpu * t.vcpu
                } else {
                    config.service.workers
                };
                types.push(TypeInfo { workers });
            }
        }
        let type_index = |name: &str| {
            billed
                .iter()
                .position(|b| b.name == name)
                .expect("every pool type is in the table")
        };
        let od_price = |name: &str| billed[type_index(name)].on_demand_price;
        let market = SpotMarket::new(
            &config.purchase,
            &config.spot,
            &streams,
            end,
            type_index,
            od_price,
        );
        let mut sim = Simulation {
            config,
            now: SimTime::ZERO,
            end,
            queue: EventQueue::with_capacity(1024),
            arrivals: ArrivalProcess::new(&config.traffic, streams.stream("arrivals"), end),
            rate: RateFunction::new(&config.traffic),
            fleet: Fleet::new(config, types, &streams),
            market,
            serving: Serving::new(config, &streams),
            group: AutoScalingGroup::new(&config.autoscaling),
            ledger: CostLedger::new(billed, config),
            metrics: Metrics::new(config),
            events: 0,
            hour_start: SimTime::ZERO,
            unpublished: VecDeque::new(),
            forecaster: Forecaster::default(),
            hour_marks: (0, 0),
            forecast_capacity: 0,
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
            last_capacity_area: 0,
        };
        // The initial desired capacity starts in service at t = 0, already warm.
        // Split between on-demand and spot by the mixed instances policy.
        for _ in 0..config.autoscaling.desired {
            let id = sim.launch_for_group();
            let instance = &mut sim.fleet.instances[id as usize];
            instance.warm_at = Some(SimTime::ZERO);
            sim.become_healthy(id);
        }
        for (pool, p) in sim.market.pools.iter().enumerate() {
            for plan in &p.capacity_events {
                let event = Event::SpotCapacityReclaimed {
                    pool: pool as u32,
                    notice_at: plan.notice_at,
                };
                sim.queue.schedule(plan.rebalance_at, event);
            }
        }
        if sim.ledger.has_commitments() || sim.predictive().is_some() {
            sim.queue
                .schedule(SimTime::from_secs(3600), Event::HourTick);
        }
        if let Some((_, _, _, buffer)) = sim.predictive() {
            let at = SimTime(3_600_000_000_000u64.saturating_sub(buffer.0));
            sim.queue.schedule(at, Event::ForecastDue { hour: 1 });
        }
        for &at in &config.instance.failures.at {
            sim.queue.schedule(SimTime::ZERO + at, Event::FailureDue);
        }
        for (i, action) in config.autoscaling.scheduled.iter().enumerate() {
            let first = match (&action.at, &action.cron) {
                (Some(at), _) => Some(SimTime::ZERO + *at),
                (None, Some(cron)) => cron.next_after(0).map(SimTime),
                (None, None) => None,
            };
            if let Some(t) = first {
                sim.queue
                    .schedule(t, Event::ScheduledActionDue { action: i as u32 });
            }
        }
        if let Some(t) = sim.arrivals.next_arrival() {
            sim.queue.schedule_source(t, Event::RequestArrived);
        }
        sim.queue.schedule(
            SimTime::ZERO + config.autoscaling.metric_period,
            Event::MetricTick,
        );
        sim
    }

    fn run(mut self, observer: &mut dyn RunObserver) -> RunOutcome {
        let interval = self.config.report.interval;
        let mut next_report = SimTime::ZERO + interval;
        while let Some(time) = self.queue.peek_time() {
            if time >= self.end {
                break;
            }
            // A row covers [start, end): it is taken before any event at its end time,
            // which belongs to the next row. A timer event would pop after events
            // scheduled earlier for the same instant.
            while next_report <= time {
                self.now = next_report;
                observer.row(&self.timeline_row());
                for item in self.ledger.drain_items() {
                    observer.cost_item(&item);
                }
                next_report += interval;
            }
            let (time, event) = self.queue.pop().expect("peeked");
            self.now = time;
            self.events += 1;
            match event {
                Event::RequestArrived => self.on_request_arrived(),
                Event::RequestServed {
                    instance,
                    arrived_at,
                    timed_out,
                } => self.on_request_served(instance, arrived_at, timed_out),
                Event::RequestTimedOut { instance } => {
                    Serving::timed_out(&mut self.fleet, &mut self.metrics, instance)
                }
                Event::QueueTimeoutDue { instance } => self.serving.queue_timeout_due(
                    &mut self.fleet,
                    &mut self.metrics,
                    &mut self.queue,
                    self.now,
                    instance,
                ),
                Event::InstanceBooted { instance } => self.on_instance_booted(instance),
                Event::HealthChecksPassed { instance } => self.on_health_checks_passed(instance),
                Event::DeregistrationDelayExpired { instance } => {
                    if self.fleet.instances[instance as usize].state == InstanceState::Draining {
                        self.terminate(instance);
                    }
                }
                Event::InstanceFailed { instance } => self.on_instance_failed(instance),
                Event::WarmInstanceStopped => {
                    if let Some((pool, _)) = &mut self.fleet.warm_pool {
                        pool.initialized(self.now);
                    }
                    self.refill_warm_pool();
                }
                Event::FailureDue => self.on_failure_due(),
                Event::TargetFoundUnhealthy { instance } => {
                    self.on_target_found_unhealthy(instance)
                }
                Event::InstanceFoundUnhealthy { instance } => {
                    self.on_instance_found_unhealthy(instance)
                }
                Event::SpotRebalanceRecommended { instance } => {
                    self.on_rebalance_recommended(instance)
                }
                Event::SpotInterruptionNoticed { instance } => {
                    self.on_interruption_noticed(instance)
                }
                Event::SpotInstanceReclaimed { instance } => self.on_instance_reclaimed(instance),
                Event::SpotCapacityReclaimed { pool, notice_at } => {
                    self.on_capacity_reclaimed(pool as usize, notice_at)
                }
                Event::MetricTick => self.on_metric_tick(),
                Event::MetricPublished => self.on_metric_published(),
                Event::ScheduledActionDue { action } => self.on_scheduled_action(action as usize),
                Event::ForecastDue { hour } => self.on_forecast_due(hour),
                Event::HourTick => {
                    self.settle_hour();
                    self.queue
                        .schedule(self.now + SimDuration::from_secs(3600), Event::HourTick);
                }
            }
        }
        while next_report < self.end {
            self.now = next_report;
            observer.row(&self.timeline_row());
            next_report += interval;
        }
        self.now = self.end;
        let last_row = (self.last_report_at < self.end).then(|| self.timeline_row());
        let mut outcome = self.finish();
        if let Some(mut row) = last_row {
            // The last clock hour settles only when the bill closes; the last row
            // carries the closed bill, so the timeline ends at the summary's total.
            CostSoFar::closed(&outcome.summary.cost_usd).write_to(&mut row);
            observer.row(&row);
        }
        for item in std::mem::take(&mut outcome.cost_items) {
            observer.cost_item(&item);
        }
        outcome
    }

    // ----- requests -------------------------------------------------------------

    #[inline]
    fn on_request_arrived(&mut self) {
        if let Some(t) = self.arrivals.next_arrival() {
            self.queue.schedule_source(t, Event::RequestArrived);
        }
        let (fleet, metrics, queue) = (&mut self.fleet, &mut self.metrics, &mut self.queue);
        self.serving.arrive(fleet, metrics, queue, self.now);
    }

    #[inline]
    fn on_request_served(&mut self, id: u32, arrived_at: SimTime, marked: bool) {
        let (fleet, metrics, queue) = (&mut self.fleet, &mut self.metrics, &mut self.queue);
        let drained = self
            .serving
            .served(fleet, metrics, queue, self.now, id, arrived_at, marked);
        if drained {
            // Deregistration completes as soon as the last in-flight request is done.
            self.terminate(id);
        }
    }

    // ----- instance lifecycle -----------------------------------------------------

    /// Launches the instance the mixed instances policy wants next: on-demand while the
    /// group has fewer than its on-demand target for the desired capacity, else spot in
    /// the pool the allocation strategy picks (aws-facts.md 2.4, 2.5). Billed from now.
    fn launch_for_group(&mut self) -> u32 {
        let (on_demand, _, per_pool) = self.fleet.active_counts(self.market.pools.len());
        let target = self.config.purchase.on_demand_target(self.group.desired);
        if on_demand < target {
            self.launch(PurchaseOption::OnDemand, 0, None)
        } else {
            let pool = self.market.choose_pool(self.now, &per_pool);
            self.launch_spot(pool)
        }
    }

    fn launch_spot(&mut self, pool: usize) -> u32 {
        let type_index = self.market.pools[pool].type_index;
        let id = self.launch(PurchaseOption::Spot, type_index, Some(pool));
        if let Some(plan) = self.market.pools[pool].plan_interruption(self.now, &self.config.spot) {
            if plan.notice_at < self.end {
                self.queue.schedule(
                    plan.rebalance_at,
                    Event::SpotRebalanceRecommended { instance: id },
                );
                self.queue.schedule(
                    plan.notice_at,
                    Event::SpotInterruptionNoticed { instance: id },
                );
            }
        }
        id
    }

    fn launch(&mut self, purchase: PurchaseOption, type_index: usize, pool: Option<usize>) -> u32 {
        let protected = self
            .config
            .autoscaling
            .new_instances_protected_from_scale_in;
        let id = self
            .fleet
            .launch(self.now, purchase, type_index, pool, protected);
        self.schedule_failure(id);
        id
    }

    /// Launches pool instances until the pool (ready and initialising) has its size:
    /// the configured one, or max - desired (aws-facts.md 3.8).
    fn refill_warm_pool(&mut self) {
        let Some(config) = &self.config.autoscaling.warm_pool else {
            return;
        };
        let size = config
            .size
            .unwrap_or(self.group.max.saturating_sub(self.group.desired));
        loop {
            let Some((pool, _)) = &self.fleet.warm_pool else {
                return;
            };
            if pool.ready + pool.initializing >= size {
                return;
            }
            let boot = SimDuration(self.fleet.boot.sample(&mut self.fleet.boot_rng));
            if let Some((pool, _)) = &mut self.fleet.warm_pool {
                pool.start_initializing(boot);
            }
            self.queue
                .schedule(self.now + boot, Event::WarmInstanceStopped);
        }
    }

    /// Starts an instance's boot; it then passes health checks before any traffic.
    fn boot(&mut self, id: u32) {
        let boot = self.fleet.boot.sample(&mut self.fleet.boot_rng);
        self.queue.schedule(
            self.now + SimDuration(boot),
            Event::InstanceBooted { instance: id },
        );
    }

    fn on_instance_booted(&mut self, id: u32) {
        let instance = &mut self.fleet.instances[id as usize];
        if instance.state != InstanceState::Booting {
            return; // terminated while booting
        }
        // The group marks it InService and registers it with the target group; its
        // warm-up starts now (aws-facts.md 3.2, 3.5). The target receives traffic after
        // `healthy` consecutive successful checks, one per interval (4.4).
        instance.state = InstanceState::Registering;
        instance.warm_at = Some(self.now + self.config.autoscaling.instance_warmup);
        let hc = &self.config.load_balancer.health_check;
        let delay = SimDuration(hc.interval.0 * u64::from(hc.healthy));
        self.queue
            .schedule(self.now + delay, Event::HealthChecksPassed { instance: id });
    }

    fn on_health_checks_passed(&mut self, id: u32) {
        if self.fleet.instances[id as usize].state == InstanceState::Registering {
            self.become_healthy(id);
        }
    }

    fn become_healthy(&mut self, id: u32) {
        self.fleet.last_activity_end = self.now;
        let instance = &mut self.fleet.instances[id as usize];
        instance.state = InstanceState::InService;
        instance.healthy_at = Some(self.now);
        let replaces = instance.replaces;
        self.serving.balancer.register(id);
        self.fleet.change_in_service(self.now, 1);
        // Capacity rebalancing retires the at-risk instance once its replacement
        // passes health checks (aws-facts.md 2.6).
        if let Some(old) = replaces {
            self.begin_draining(old);
        }
    }

    /// Takes an instance out of service for scale-in: deregistration first, then
    /// termination when its requests are done or the delay expires (aws-facts.md 3.2,
    /// 4.2). An instance that never received traffic stops at once.
    fn begin_draining(&mut self, id: u32) {
        let instance = &mut self.fleet.instances[id as usize];
        match instance.state {
            InstanceState::Booting | InstanceState::Registering | InstanceState::Unhealthy => {
                self.terminate(id)
            }
            InstanceState::InService => {
                instance.state = InstanceState::Draining;
                let idle = instance.outstanding() == 0;
                self.serving.balancer.deregister(id);
                self.fleet.change_in_service(self.now, -1);
                let delay = self.config.load_balancer.deregistration_delay;
                if idle || delay == SimDuration::ZERO {
                    self.terminate(id);
                } else {
                    self.queue.schedule(
                        self.now + delay,
                        Event::DeregistrationDelayExpired { instance: id },
                    );
                }
            }
            InstanceState::Draining | InstanceState::Terminated => {}
        }
    }

    // ----- spot -----------------------------------------------------------------------

    fn on_rebalance_recommended(&mut self, id: u32) {
        if !self.fleet.instances[id as usize].is_active() {
            return;
        }
        self.fleet.rebalance_recommendations += 1;
        if self.config.spot.capacity_rebalance {
            self.replace_at_risk(id);
        }
    }

    /// Launches a replacement for an at-risk spot instance; the group may exceed its
    /// maximum while both run (aws-facts.md 2.6).
    fn replace_at_risk(&mut self, id: u32) {
        self.fleet.instances[id as usize].replaced = true;
        let (_, _, per_pool) = self.fleet.active_counts(self.market.pools.len());
        let pool = self.market.choose_pool(self.now, &per_pool);
        let new = self.launch_spot(pool);
        self.fleet.instances[new as usize].replaces = Some(id);
        self.boot(new);
    }

    /// The two-minute warning: the instance is deregistered and drains until EC2 stops
    /// it (aws-facts.md 2.2). With capacity rebalancing and no replacement yet (the
    /// recommendation came with the notice), the replacement launches now.
    fn on_interruption_noticed(&mut self, id: u32) {
        let instance = &self.fleet.instances[id as usize];
        if instance.state == InstanceState::Terminated || instance.interruption_noticed {
            return;
        }
        let replace_now = self.config.spot.capacity_rebalance && !instance.replaced;
        let was_in_service = instance.state == InstanceState::InService;
        self.fleet.instances[id as usize].interruption_noticed = true;
        let reclaim_at = self.now + self.config.spot.notice;
        self.queue
            .schedule(reclaim_at, Event::SpotInstanceReclaimed { instance: id });
        self.serving.balancer.deregister(id);
        if was_in_service {
            self.fleet.change_in_service(self.now, -1);
        }
        if self.fleet.instances[id as usize].state != InstanceState::Draining {
            self.fleet.instances[id as usize].state = InstanceState::Draining;
        }
        if replace_now {
            self.replace_at_risk(id);
        }
    }

    /// EC2 stops the instance at the end of the notice. Without capacity rebalancing
    /// the group replaces it only now (aws-facts.md 2.6).
    fn on_instance_reclaimed(&mut self, id: u32) {
        if self.fleet.instances[id as usize].state == InstanceState::Terminated {
            return;
        }
        self.fleet.instances[id as usize].interrupted = true;
        self.terminate(id);
        self.reconcile();
    }

    /// A capacity event: each running instance of the pool is reclaimed with
    /// probability `share`; each gets its rebalance recommendation now and its notice
    /// at `notice_at` (now, when the warning comes with the notice).
    fn on_capacity_reclaimed(&mut self, pool: usize, notice_at: SimTime) {
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
                self.on_rebalance_recommended(id);
                if notice_at > self.now {
                    let noticed = Event::SpotInterruptionNoticed { instance: id };
                    self.queue.schedule(notice_at, noticed);
                } else {
                    self.on_interruption_noticed(id);
                }
            }
        }
    }

    /// Stops an instance now: requests still on it are interrupted, billing ends.
    fn terminate(&mut self, id: u32) {
        let now = self.now;
        if self.fleet.instances[id as usize].state == InstanceState::InService {
            self.fleet.change_in_service(self.now, -1);
        }
        self.serving.balancer.deregister(id);
        Serving::cut_off(&mut self.fleet, &mut self.metrics, self.now, id);
        self.ledger
            .close_instance(&self.fleet.instances[id as usize], now, &self.market);
        self.fleet.retire(id, now);
    }

    // ----- failures and health checks ----------------------------------------------

    /// Draws the failure time of an instance from its mean time between failures
    /// (exponential lifetimes, so a redraw at any moment is as good as the first).
    fn schedule_failure(&mut self, id: u32) {
        if let Some(mtbf) = self.config.instance.failures.mtbf {
            let draw: f64 = rand::Rng::sample(&mut self.fleet.failures_rng, rand_distr::Exp1);
            let at = self.now + SimDuration::from_secs_f64(draw * mtbf.as_secs_f64());
            if at < self.end {
                self.queue
                    .schedule(at, Event::InstanceFailed { instance: id });
            }
        }
    }

    fn on_instance_failed(&mut self, id: u32) {
        match self.fleet.instances[id as usize].state {
            InstanceState::InService => self.fail(id),
            // Only serving instances fail here; a booting one draws again.
            InstanceState::Booting | InstanceState::Registering => self.schedule_failure(id),
            _ => {}
        }
    }

    fn on_failure_due(&mut self) {
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
            self.fail(serving[pick]);
        }
    }

    /// The instance stops answering: its requests are lost, and until the load
    /// balancer's health checks notice, requests routed to it fail too. The load
    /// balancer checks each target every interval from the moment it became healthy
    /// and marks it unhealthy after `unhealthy` consecutive failures (aws-facts.md 4.4).
    /// The group replaces it when its own health check notices: ELB checks after the
    /// grace period, or EC2 status checks, which report an impaired instance after a
    /// few minutes (3.7; simcloud uses 3 minutes).
    fn fail(&mut self, id: u32) {
        self.fleet.failures += 1;
        Serving::cut_off(&mut self.fleet, &mut self.metrics, self.now, id);
        let instance = &mut self.fleet.instances[id as usize];
        instance.failed = true;
        let hc = &self.config.load_balancer.health_check;
        let healthy_at = instance.healthy_at.unwrap_or(self.now);
        let since = self.now.since(healthy_at).0;
        let next_check = healthy_at.0 + since.div_ceil(hc.interval.0).max(1) * hc.interval.0;
        let found_at = SimTime(next_check + u64::from(hc.unhealthy - 1) * hc.interval.0);
        self.queue
            .schedule(found_at, Event::TargetFoundUnhealthy { instance: id });
        let autoscaling = &self.config.autoscaling;
        let group_finds_at = match autoscaling.health_check_type {
            HealthCheckType::Elb => {
                // The grace period runs from InService, when warm-up starts.
                let in_service = instance.warm_at.map_or(SimTime::ZERO, |w| {
                    SimTime(w.0.saturating_sub(autoscaling.instance_warmup.0))
                });
                found_at.max(in_service + autoscaling.health_check_grace_period)
            }
            HealthCheckType::Ec2 => self.now + EC2_IMPAIRED_DELAY,
        };
        self.queue.schedule(
            group_finds_at,
            Event::InstanceFoundUnhealthy { instance: id },
        );
    }

    fn on_target_found_unhealthy(&mut self, id: u32) {
        if self.fleet.instances[id as usize].state == InstanceState::InService {
            self.fleet.instances[id as usize].state = InstanceState::Unhealthy;
            self.serving.balancer.mark_unhealthy(id);
            self.fleet.change_in_service(self.now, -1);
        }
    }

    /// The group terminates the unhealthy instance and launches a replacement.
    fn on_instance_found_unhealthy(&mut self, id: u32) {
        if self.fleet.instances[id as usize].state != InstanceState::Terminated {
            self.fleet.replaced_unhealthy += 1;
            self.terminate(id);
            self.reconcile();
        }
    }

    /// Ends the clock hour: running on-demand usage is counted, then reservations and
    /// the savings plan are applied to the hour.
    fn settle_hour(&mut self) {
        if self.ledger.has_commitments() {
            for &id in &self.fleet.alive {
                self.ledger
                    .add_running_usage(&mut self.fleet.instances[id as usize], self.now);
            }
            self.ledger.settle_hour(self.hour_start);
        }
        if self.predictive().is_some() {
            let (busy, _) = self.fleet.utilization_areas(self.now);
            let (requests_mark, busy_mark) = self.hour_marks;
            self.forecaster.record(HourStats {
                requests: self.metrics.totals.arrived - requests_mark,
                busy_worker_secs: (busy - busy_mark) as f64 * 1e-9,
            });
            self.hour_marks = (self.metrics.totals.arrived, busy);
        }
        self.hour_start = self.now;
    }

    /// The predictive policy, if any: (metric, target, mode, scheduling buffer).
    fn predictive(&self) -> Option<(ScalingMetric, f64, PredictiveMode, SimDuration)> {
        self.config.autoscaling.policy.iter().find_map(|p| match p {
            ScalingPolicy::Predictive {
                metric,
                target,
                mode,
                scheduling_buffer,
            } => Some((*metric, *target, *mode, *scheduling_buffer)),
            _ => None,
        })
    }

    /// Forecasts hour `hour` ahead of its start (by the scheduling buffer) and, unless
    /// the policy only forecasts, raises capacity to the forecast (aws-facts.md 3.9).
    fn on_forecast_due(&mut self, hour: u32) {
        let (metric, target, mode, buffer) = self
            .predictive()
            .expect("scheduled for a predictive policy");
        let workers = self.config.service.workers;
        if let Some(capacity) = self
            .forecaster
            .capacity(hour as usize, metric, target, workers)
        {
            self.forecast_capacity = capacity;
            if mode == PredictiveMode::ForecastAndScale
                && self.group.set_forecast_floor(capacity).is_some()
            {
                self.reconcile();
            }
        }
        let next = SimTime((u64::from(hour) + 1) * 3_600_000_000_000 - buffer.0);
        if next < self.end {
            self.queue
                .schedule(next, Event::ForecastDue { hour: hour + 1 });
        }
    }

    /// A scheduled action sets min, max and/or desired, then the group reconciles;
    /// a recurring action is scheduled again for its next match (aws-facts.md 3.10).
    fn on_scheduled_action(&mut self, index: usize) {
        let action = &self.config.autoscaling.scheduled[index];
        self.group.apply_scheduled(action);
        self.reconcile();
        if let Some(next) = action.cron.as_ref().and_then(|c| c.next_after(self.now.0)) {
            if next < self.end.0 {
                self.queue.schedule(
                    SimTime(next),
                    Event::ScheduledActionDue {
                        action: index as u32,
                    },
                );
            }
        }
    }

    // ----- Auto Scaling -------------------------------------------------------------

    fn on_metric_tick(&mut self) {
        let now = self.now;
        let period = self.config.autoscaling.metric_period;
        self.queue.schedule(now + period, Event::MetricTick);
        let mut cpu_sum = 0.0;
        let mut sample = MetricSample::default();
        for &id in &self.fleet.alive {
            let instance = &mut self.fleet.instances[id as usize];
            let area = instance.busy_area_at(now);
            let delta = area - instance.metric_mark;
            instance.metric_mark = area;
            if !instance.is_active() {
                continue;
            }
            let warm = instance.state == InstanceState::InService
                && instance.warm_at.is_some_and(|w| w <= now);
            // Warming instances are counted when the datapoint is read: the group's
            // state then, not at the end of the period, is what the policies see.
            if warm {
                cpu_sum += delta as f64 / (f64::from(instance.workers) * period.0 as f64);
                sample.contributing += 1;
            }
        }
        if sample.contributing > 0 {
            sample.cpu = Some(100.0 * cpu_sum / f64::from(sample.contributing));
        }
        // ALBRequestCountPerTarget, per minute whatever the period.
        let targets = self.serving.balancer.targets().len();
        if targets > 0 {
            let minutes = period.as_secs_f64() / 60.0;
            sample.request_count_per_target =
                Some(self.serving.balancer.routed_in_period as f64 / targets as f64 / minutes);
            sample.targets = targets as u32;
        }
        self.serving.balancer.routed_in_period = 0;
        // The datapoint is read `metric_delay` after its period ends.
        self.unpublished.push_back(sample);
        let delay = self.config.autoscaling.metric_delay;
        if delay == SimDuration::ZERO {
            self.on_metric_published();
        } else {
            self.queue.schedule(now + delay, Event::MetricPublished);
        }
    }

    /// The policies read the oldest unread datapoint; the group's own state (warming
    /// instances, activities) is read as it is now.
    fn on_metric_published(&mut self) {
        let mut sample = self
            .unpublished
            .pop_front()
            .expect("a datapoint per publication");
        let (mut warming, mut terminating) = (0, 0);
        let mut activity = false;
        for &id in &self.fleet.alive {
            let instance = &self.fleet.instances[id as usize];
            let warm = instance.state == InstanceState::InService
                && instance.warm_at.is_some_and(|w| w <= self.now);
            if instance.is_active() && !warm {
                warming += 1;
            }
            if instance.state == InstanceState::Draining {
                terminating += 1;
            }
            activity |= matches!(
                instance.state,
                InstanceState::Booting | InstanceState::Registering | InstanceState::Draining
            );
        }
        sample.warming = warming;
        sample.terminating = terminating;
        sample.activity_in_progress = activity;
        sample.last_activity_end = self.fleet.last_activity_end;
        sample.now = self.now;
        if self.group.evaluate(&sample).is_some() {
            self.reconcile();
        }
    }

    /// Launches or drains instances until the active count equals desired capacity.
    /// Without capacity rebalancing, an instance with an interruption notice still
    /// counts until it stops, so the group replaces it only after the interruption.
    fn reconcile(&mut self) {
        let rebalance = self.config.spot.capacity_rebalance;
        let (mut active, mut leaving) = (0, 0);
        for &id in &self.fleet.alive {
            let instance = &self.fleet.instances[id as usize];
            if instance.is_active() {
                active += 1;
            } else if !rebalance && instance.interruption_noticed {
                leaving += 1;
            }
        }
        let desired = self.group.desired;
        for _ in (active + leaving)..desired {
            let id = self.launch_for_group();
            let warm_start = self.fleet.warm_pool.as_mut().and_then(|(pool, start)| {
                (pool.take(self.now)).then(|| start.sample(&mut self.fleet.boot_rng))
            });
            match warm_start {
                // From the warm pool: started, not launched, so a shorter boot.
                Some(start) => self.queue.schedule(
                    self.now + SimDuration(start),
                    Event::InstanceBooted { instance: id },
                ),
                None => self.boot(id),
            }
        }
        self.refill_warm_pool();
        // Instances already leaving go by themselves; only active ones are drained.
        for _ in desired..active {
            // Protected instances stay; the group then sits above desired, as AWS's
            // does when every instance is protected from scale-in (3.6).
            let Some(victim) = self.choose_victim() else {
                break;
            };
            self.begin_draining(victim);
        }
    }

    /// The instance a scale-in drains, by the termination policy
    /// (`scaling::termination`, aws-facts.md 2.5, 3.6) over the active instances.
    fn choose_victim(&self) -> Option<u32> {
        let active: Vec<Candidate> = self
            .fleet
            .alive
            .iter()
            .filter_map(|&id| {
                let instance = &self.fleet.instances[id as usize];
                instance.is_active().then_some(Candidate {
                    id,
                    launched_at: instance.launched_at,
                    spot: instance.pool.is_some(),
                    protected: instance.protected,
                })
            })
            .collect();
        let desired = self.group.desired;
        let spot_target = desired - self.config.purchase.on_demand_target(desired);
        let policy = self.config.autoscaling.termination_policy;
        termination::choose_victim(&active, spot_target, policy, self.now)
    }

    // ----- reporting ----------------------------------------------------------------

    fn timeline_row(&mut self) -> TimelineRow {
        let (busy, capacity) = self.fleet.utilization_areas(self.now);
        let d_busy = busy - self.last_busy_area;
        let d_capacity = capacity - self.last_capacity_area;
        let mut row = TimelineRow {
            start_s: self.last_report_at.as_secs_f64(),
            end_s: self.now.as_secs_f64(),
            arrival_rate: round_to(self.rate.mean_over(self.last_report_at.0, self.now.0), 3),
            desired: self.group.desired,
            forecast_capacity: self.forecast_capacity,
            warm_pool: self.fleet.warm_pool.as_ref().map_or(0, |(p, _)| p.ready),
            mean_cpu: if d_capacity == 0 {
                0.0
            } else {
                round_to(100.0 * d_busy as f64 / d_capacity as f64, 3)
            },
            // The interval's request counts and latency percentiles.
            ..self.metrics.take_interval()
        };
        self.fleet.count_states(&mut row);
        if self.config.purchase.on_demand_percent_above_base < 100 {
            row.spot_price = round_to(self.market.mean_price(self.now), 6);
        }
        self.ledger
            .accrued(
                &self.fleet,
                &self.market,
                self.now,
                self.metrics.totals.arrived,
            )
            .write_to(&mut row);
        self.last_report_at = self.now;
        self.last_busy_area = busy;
        self.last_capacity_area = capacity;
        row
    }

    fn finish(mut self) -> RunOutcome {
        let end = self.end;
        self.fleet.change_in_service(self.now, 0);
        let (busy, capacity) = self.fleet.utilization_areas(self.now);
        let mut in_flight = 0;
        for id in std::mem::take(&mut self.fleet.alive) {
            in_flight += u64::from(self.fleet.instances[id as usize].unanswered());
            self.ledger
                .close_instance(&self.fleet.instances[id as usize], end, &self.market);
        }
        // The last (possibly partial) clock hour settles too: reservations and the
        // savings plan are paid for every clock hour the run touches.
        if self.ledger.has_commitments() && self.hour_start < end {
            self.ledger.settle_hour(self.hour_start);
        }
        self.metrics.totals.in_flight = in_flight;
        let duration = end.since(SimTime::ZERO);
        let warm_pool = self.fleet.warm_pool.as_ref().map(|(pool, _)| pool);
        let requests = self.metrics.totals.arrived;
        let (cost_usd, commitments) = self.ledger.summary(duration, requests, warm_pool);
        let billed_secs = self.ledger.totals.billed_secs;
        let cost_items = self.ledger.finish(duration, requests, warm_pool);
        let summary = Summary {
            scenario: self.config.name.clone(),
            seed: self.config.seed,
            simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
            simulated_seconds: duration.as_secs_f64(),
            events: self.events,
            requests: self.metrics.totals,
            latency_ms: self.metrics.latency_summary(),
            slo: self.metrics.slo_summary(&self.config.slo),
            cost_usd,
            commitments,
            instances: self.fleet.summary(duration, billed_secs),
            queueing: self.metrics.queueing.summary(end),
            utilization: UtilizationSummary {
                mean_cpu: if capacity == 0 {
                    0.0
                } else {
                    round_to(100.0 * busy as f64 / capacity as f64, 3)
                },
            },
        };
        RunOutcome {
            summary,
            cost_items,
            latency: self.metrics.into_latency(),
        }
    }
}
