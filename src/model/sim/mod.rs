//! The simulation of one scenario: the event loop (`Simulation`: the clock, the queue,
//! the arriving traffic) dispatches each event to the [`Tier`] it concerns, whose
//! components own the state and the rules: [`Serving`] (the request path and the load
//! balancer), [`Fleet`] (the instances), the Auto Scaling group and its policies
//! (`scaling`), the [`SpotMarket`], the [`CostLedger`] (the only pricing code) and the
//! [`Metrics`]. A tier's rules see the shared clock and queue through a [`Ctx`].
//!
//! What an event does across a tier's components is carried out here, by topic:
//! `lifecycle` (launch, boot, health checks passed, draining, termination),
//! `interruptions` (spot notices and capacity rebalancing), `health` (failures and
//! health checks) and `group` (metric periods, policies, scheduled actions, forecasts,
//! clock hours, reconciling to desired capacity). This file holds the loop, the
//! timeline rows and the summary.
//!
//! One `Simulation` is one run: single-threaded, no I/O, no wall clock. Timeline rows
//! are handed to a caller-supplied observer as they are produced, so a month-long run
//! holds one interval's statistics in memory, not the whole timeline.

mod group;
mod health;
mod interruptions;
mod lifecycle;

use super::billing::{BilledType, CostLedger, CostSoFar};
use super::config::{Config, HealthCheckType, PredictiveMode, ScalingMetric, ScalingPolicy};
use super::event::Event;
use super::fleet::{Fleet, TypeInfo};
use super::instance::{InstanceState, PurchaseOption};
use super::metrics::Metrics;
use super::outcome::*;
use super::scaling::predictive::{Forecaster, HourStats};
use super::scaling::termination::{self, Candidate};
use super::scaling::{AutoScalingGroup, MetricSample};
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
    struct Keep<'f> {
        on_row: &'f mut dyn FnMut(&TimelineRow),
        items: Vec<CostItem>,
    }
    impl RunObserver for Keep<'_> {
        fn row(&mut self, row: &TimelineRow) {
            (self.on_row)(row)
        }
        fn cost_item(&mut self, item: &CostItem) {
            self.items.push(item.clone())
        }
    }
    let mut keep = Keep {
        on_row,
        items: Vec::new(),
    };
    let mut outcome = simulate_observed(config, &mut keep);
    outcome.cost_items = keep.items;
    outcome
}

/// Runs `config` to completion, handing each timeline row and each line of the bill
/// to `observer` as soon as it is final (a line at the next timeline row), instead of
/// keeping them: memory then stays flat however long the run and however many
/// instances it launches. `RunOutcome::cost_items` is empty.
pub fn simulate_observed(config: &Config, observer: &mut dyn RunObserver) -> RunOutcome {
    Simulation::new(config).run(observer)
}

/// The clock and the event queue, which the whole run shares: what a tier's rules
/// need besides its own state.
pub(super) struct Ctx<'q> {
    pub(super) now: SimTime,
    pub(super) end: SimTime,
    pub(super) queue: &'q mut EventQueue<Event>,
}

/// The simulated service: a load balancer in front of an Auto Scaling group of EC2
/// instances, with its purchase options, its bill and its measurements. Each field is a
/// component that owns its state and rules; the `impl` blocks in this folder carry out
/// what an event does across them. One run has one tier today; several tiers (SPEC
/// "Phase 2") are several of these behind one loop.
pub(super) struct Tier<'a> {
    config: &'a Config,
    fleet: Fleet,
    market: SpotMarket,
    serving: Serving,
    group: AutoScalingGroup,
    ledger: CostLedger,
    metrics: Metrics,
    /// The start of the clock hour not yet settled.
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

/// One run: the clock, the event queue, the traffic that enters, and the tier it
/// enters.
struct Simulation<'a> {
    config: &'a Config,
    now: SimTime,
    end: SimTime,
    queue: EventQueue<Event>,
    arrivals: ArrivalProcess,
    rate: RateFunction,
    events: u64,
    tier: Tier<'a>,
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
        let mut tier = Tier {
            config,
            fleet: Fleet::new(config, types, &streams),
            market,
            serving: Serving::new(config, &streams),
            group: AutoScalingGroup::new(&config.autoscaling),
            ledger: CostLedger::new(billed, config),
            metrics: Metrics::new(config),
            hour_start: SimTime::ZERO,
            unpublished: VecDeque::new(),
            forecaster: Forecaster::default(),
            hour_marks: (0, 0),
            forecast_capacity: 0,
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
            last_capacity_area: 0,
        };
        let mut queue = EventQueue::with_capacity(1024);
        tier.start(&mut Ctx {
            now: SimTime::ZERO,
            end,
            queue: &mut queue,
        });
        let mut sim = Simulation {
            config,
            now: SimTime::ZERO,
            end,
            queue,
            arrivals: ArrivalProcess::new(&config.traffic, streams.stream("arrivals"), end),
            rate: RateFunction::new(&config.traffic),
            events: 0,
            tier,
        };
        if let Some(t) = sim.arrivals.next_arrival() {
            sim.queue.schedule_source(t, Event::RequestArrived);
        }
        sim
    }

    fn run(mut self, observer: &mut dyn RunObserver) -> RunOutcome {
        let interval = self.config.report.interval;
        let mut next_report = SimTime::ZERO + interval;
        // Popped before its row is taken (one heap look per event, not two); an event
        // at or after the end is dropped with the rest of the queue.
        while let Some((time, event)) = self.queue.pop() {
            if time >= self.end {
                break;
            }
            // A row covers [start, end): it is taken before any event at its end time,
            // which belongs to the next row. A timer event would pop after events
            // scheduled earlier for the same instant.
            while next_report <= time {
                self.now = next_report;
                observer.row(&self.timeline_row());
                for item in self.tier.ledger.drain_items() {
                    observer.cost_item(&item);
                }
                next_report += interval;
            }
            self.now = time;
            self.events += 1;
            let ctx = &mut Ctx {
                now: time,
                end: self.end,
                queue: &mut self.queue,
            };
            let tier = &mut self.tier;
            match event {
                Event::RequestArrived => {
                    if let Some(t) = self.arrivals.next_arrival() {
                        ctx.queue.schedule_source(t, Event::RequestArrived);
                    }
                    tier.on_request_arrived(ctx)
                }
                Event::RequestServed {
                    instance,
                    arrived_at,
                    timed_out,
                } => tier.on_request_served(ctx, instance, arrived_at, timed_out),
                Event::RequestTimedOut { instance } => {
                    Serving::timed_out(&mut tier.fleet, &mut tier.metrics, instance)
                }
                Event::QueueTimeoutDue { instance } => tier.serving.queue_timeout_due(
                    &mut tier.fleet,
                    &mut tier.metrics,
                    ctx.queue,
                    ctx.now,
                    instance,
                ),
                Event::InstanceBooted { instance } => tier.on_instance_booted(ctx, instance),
                Event::HealthChecksPassed { instance } => {
                    tier.on_health_checks_passed(ctx, instance)
                }
                Event::DeregistrationDelayExpired { instance } => {
                    if tier.fleet.instances[instance as usize].state == InstanceState::Draining {
                        tier.terminate(ctx, instance);
                    }
                }
                Event::InstanceFailed { instance } => tier.on_instance_failed(ctx, instance),
                Event::WarmInstanceStopped => {
                    if let Some((pool, _)) = &mut tier.fleet.warm_pool {
                        pool.initialized(ctx.now);
                    }
                    tier.refill_warm_pool(ctx);
                }
                Event::FailureDue => tier.on_failure_due(ctx),
                Event::TargetFoundUnhealthy { instance } => {
                    tier.on_target_found_unhealthy(ctx, instance)
                }
                Event::InstanceFoundUnhealthy { instance } => {
                    tier.on_instance_found_unhealthy(ctx, instance)
                }
                Event::SpotRebalanceRecommended { instance } => {
                    tier.on_rebalance_recommended(ctx, instance)
                }
                Event::SpotInterruptionNoticed { instance } => {
                    tier.on_interruption_noticed(ctx, instance)
                }
                Event::SpotInstanceReclaimed { instance } => {
                    tier.on_instance_reclaimed(ctx, instance)
                }
                Event::SpotCapacityReclaimed { pool, notice_at } => {
                    tier.on_capacity_reclaimed(ctx, pool as usize, notice_at)
                }
                Event::MetricTick => tier.on_metric_tick(ctx),
                Event::MetricPublished => tier.on_metric_published(ctx),
                Event::ScheduledActionDue { action } => {
                    tier.on_scheduled_action(ctx, action as usize)
                }
                Event::ForecastDue { hour } => tier.on_forecast_due(ctx, hour),
                Event::HourTick => {
                    tier.settle_hour(ctx);
                    ctx.queue
                        .schedule(ctx.now + SimDuration::HOUR, Event::HourTick);
                }
            }
        }
        while next_report < self.end {
            self.now = next_report;
            observer.row(&self.timeline_row());
            next_report += interval;
        }
        self.now = self.end;
        let last_row = (self.tier.last_report_at < self.end).then(|| self.timeline_row());
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

    /// The timeline row for the interval ending now: the tier's, with the traffic's
    /// mean rate over the interval.
    fn timeline_row(&mut self) -> TimelineRow {
        let start = self.tier.last_report_at;
        let mut row = self.tier.timeline_row(self.now);
        row.arrival_rate = round_to(self.rate.mean_over(start.0, self.now.0), 3);
        row
    }

    fn finish(self) -> RunOutcome {
        self.tier.finish(self.end, self.events)
    }
}

impl Tier<'_> {
    /// The tier at t = 0: its initial fleet in service, and its timers and planned
    /// events on the queue.
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        // The initial desired capacity starts in service at t = 0, already warm.
        // Split between on-demand and spot by the mixed instances policy.
        for _ in 0..self.config.autoscaling.desired {
            let id = self.launch_for_group(ctx);
            let instance = &mut self.fleet.instances[id as usize];
            instance.warm_at = Some(SimTime::ZERO);
            self.become_healthy(ctx, id);
        }
        for (pool, p) in self.market.pools.iter().enumerate() {
            for plan in &p.capacity_events {
                let event = Event::SpotCapacityReclaimed {
                    pool: pool as u32,
                    notice_at: plan.notice_at,
                };
                ctx.queue.schedule(plan.rebalance_at, event);
            }
        }
        if self.ledger.has_commitments() || self.predictive().is_some() {
            ctx.queue
                .schedule(SimTime::ZERO + SimDuration::HOUR, Event::HourTick);
        }
        if let Some((_, _, _, buffer)) = self.predictive() {
            let at = SimTime(SimDuration::HOUR.0.saturating_sub(buffer.0));
            ctx.queue.schedule(at, Event::ForecastDue { hour: 1 });
        }
        for &at in &self.config.instance.failures.at {
            ctx.queue.schedule(SimTime::ZERO + at, Event::FailureDue);
        }
        for (i, action) in self.config.autoscaling.scheduled.iter().enumerate() {
            let first = match (&action.at, &action.cron) {
                (Some(at), _) => Some(SimTime::ZERO + *at),
                (None, Some(cron)) => cron.next_after(0).map(SimTime),
                (None, None) => None,
            };
            if let Some(t) = first {
                ctx.queue
                    .schedule(t, Event::ScheduledActionDue { action: i as u32 });
            }
        }
        ctx.queue.schedule(
            SimTime::ZERO + self.config.autoscaling.metric_period,
            Event::MetricTick,
        );
    }
    // ----- requests -------------------------------------------------------------

    #[inline]
    fn on_request_arrived(&mut self, ctx: &mut Ctx<'_>) {
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        self.serving.arrive(fleet, metrics, ctx.queue, ctx.now);
    }

    #[inline]
    fn on_request_served(&mut self, ctx: &mut Ctx<'_>, id: u32, arrived_at: SimTime, marked: bool) {
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        let drained = self
            .serving
            .served(fleet, metrics, ctx.queue, ctx.now, id, arrived_at, marked);
        if drained {
            // Deregistration completes as soon as the last in-flight request is done.
            self.terminate(ctx, id);
        }
    }

    // ----- reporting ----------------------------------------------------------------

    /// The tier's timeline row for the interval ending at `now` (the traffic's rate is
    /// the run's to fill in).
    fn timeline_row(&mut self, now: SimTime) -> TimelineRow {
        let (busy, capacity) = self.fleet.utilization_areas(now);
        let d_busy = busy - self.last_busy_area;
        let d_capacity = capacity - self.last_capacity_area;
        let mut row = TimelineRow {
            start_s: self.last_report_at.as_secs_f64(),
            end_s: now.as_secs_f64(),
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
            row.spot_price = round_to(self.market.mean_price(now), 6);
        }
        self.ledger
            .accrued(&self.fleet, &self.market, now, self.metrics.totals.arrived)
            .write_to(&mut row);
        self.last_report_at = now;
        self.last_busy_area = busy;
        self.last_capacity_area = capacity;
        row
    }

    /// Closes the run at `end`: the instances still running are billed, the last clock
    /// hour settles, and the summary is made.
    fn finish(mut self, end: SimTime, events: u64) -> RunOutcome {
        self.fleet.change_in_service(end, 0);
        let (busy, capacity) = self.fleet.utilization_areas(end);
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
            events,
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
