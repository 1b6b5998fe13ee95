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
use super::calls::{Answer, Caller, Message};
use super::config::{
    Config, HealthCheckType, PredictiveMode, ScalingMetric, ScalingPolicy, SloConfig, TierConfig,
};
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
    /// Latencies of every completed request of the entry tier (end to end), for the
    /// report's distribution chart.
    pub latency: LatencyHistogram,
}

/// What a run hands out while it goes: timeline rows in time order (each interval's
/// rows tier by tier, entry first: `tier` indexes `Config::tiers`), and each line of
/// the bill as soon as it is final. Exporters implement it to stream to disk, so that
/// memory stays flat however long the run; the model never sees a file.
pub trait RunObserver {
    fn row(&mut self, tier: usize, row: &TimelineRow);
    fn cost_item(&mut self, item: &CostItem);
}

/// Runs `config` to completion, passing each timeline row of the entry tier to
/// `on_row` in time order; the bill's lines are kept in [`RunOutcome::cost_items`].
pub fn simulate(config: &Config, on_row: &mut dyn FnMut(&TimelineRow)) -> RunOutcome {
    struct Keep<'f> {
        on_row: &'f mut dyn FnMut(&TimelineRow),
        items: Vec<CostItem>,
    }
    impl RunObserver for Keep<'_> {
        fn row(&mut self, tier: usize, row: &TimelineRow) {
            if tier == 0 {
                (self.on_row)(row)
            }
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

/// What a tier's rules need besides its own state: the clock and the event queue,
/// which the whole run shares, the tier's own index (for the events it schedules),
/// and the outbox of calls and answers for other tiers.
pub(super) struct Ctx<'q> {
    pub(super) now: SimTime,
    pub(super) end: SimTime,
    pub(super) queue: &'q mut EventQueue<Event>,
    pub(super) outbox: &'q mut Vec<Message>,
    pub(super) tier: u8,
}

/// One service of the architecture (`kind = "ec2"`): a load balancer in front of an
/// Auto Scaling group of EC2 instances, with its purchase options, its bill and its
/// measurements. Each field is a component that owns its state and rules; the `impl`
/// blocks in this folder carry out what an event does across them.
pub(super) struct Tier<'a> {
    config: &'a TierConfig,
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

/// One run: the clock, the event queue, the traffic that enters, and the tiers; the
/// first receives the traffic.
struct Simulation<'a> {
    config: &'a Config,
    now: SimTime,
    end: SimTime,
    queue: EventQueue<Event>,
    /// Calls and answers between tiers produced by the current event, and those being
    /// delivered.
    outbox: Vec<Message>,
    inbox: Vec<Message>,
    arrivals: ArrivalProcess,
    rate: RateFunction,
    events: u64,
    tiers: Vec<Tier<'a>>,
}

impl<'a> Simulation<'a> {
    fn new(config: &'a Config) -> Self {
        let streams = RngStreams::new(config.seed);
        let end = SimTime(config.duration.0);
        let mut queue = EventQueue::with_capacity(1024);
        let mut outbox = Vec::new();
        let mut tiers = Vec::with_capacity(config.tiers.len());
        for (index, tier) in config.tiers.iter().enumerate() {
            // The entry tier draws from the run's streams, as a single-tier run always
            // has; every other tier from streams of its own name.
            let streams = match index {
                0 => streams,
                _ => streams.within(&format!("tier/{}", tier.name)),
            };
            let mut tier = Tier::new(tier, index as u8, &streams, end, &config.slo);
            tier.start(&mut Ctx {
                now: SimTime::ZERO,
                end,
                queue: &mut queue,
                outbox: &mut outbox,
                tier: index as u8,
            });
            tiers.push(tier);
        }
        let mut sim = Simulation {
            config,
            now: SimTime::ZERO,
            end,
            queue,
            outbox,
            inbox: Vec::new(),
            arrivals: ArrivalProcess::new(&config.traffic, streams.stream("arrivals"), end),
            rate: RateFunction::new(&config.traffic),
            events: 0,
            tiers,
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
                self.report(observer);
                next_report += interval;
            }
            self.now = time;
            self.events += 1;
            let mut ctx = Ctx {
                now: time,
                end: self.end,
                queue: &mut self.queue,
                outbox: &mut self.outbox,
                tier: 0,
            };
            match event.tier() {
                None => {
                    if let Some(t) = self.arrivals.next_arrival() {
                        ctx.queue.schedule_source(t, Event::RequestArrived);
                    }
                    self.tiers[0].on_request_arrived(&mut ctx, Caller::CLIENT)
                }
                Some(tier) => {
                    ctx.tier = tier;
                    self.tiers[tier as usize].on_event(&mut ctx, event)
                }
            }
            if !self.outbox.is_empty() {
                self.deliver();
            }
        }
        while next_report < self.end {
            self.now = next_report;
            self.report(observer);
            next_report += interval;
        }
        self.now = self.end;
        self.finish(observer)
    }

    /// Carries out the calls and answers between tiers that the event produced, and
    /// those they produce in turn, in the order they were made, at the same instant.
    fn deliver(&mut self) {
        while !self.outbox.is_empty() {
            std::mem::swap(&mut self.outbox, &mut self.inbox);
            for message in self.inbox.drain(..) {
                let (tier, caller, answer) = match message {
                    Message::Call { to, caller } => (to, caller, None),
                    Message::Answered { caller, answer } => (
                        caller.tier().expect("answers go to tiers"),
                        caller,
                        Some(answer),
                    ),
                };
                let ctx = &mut Ctx {
                    now: self.now,
                    end: self.end,
                    queue: &mut self.queue,
                    outbox: &mut self.outbox,
                    tier,
                };
                let tier = &mut self.tiers[tier as usize];
                match answer {
                    None => tier.on_request_arrived(ctx, caller),
                    Some(answer) => tier.on_call_answered(ctx, caller.slot(), answer),
                }
            }
        }
    }

    /// Each tier's timeline row for the interval ending now, entry first. The entry
    /// tier's arrival rate is the traffic's mean rate over the interval; another's is
    /// the calls it received per second.
    fn rows(&mut self) -> Vec<TimelineRow> {
        let (start, now, rate) = (self.tiers[0].last_report_at, self.now, &self.rate);
        let mut rows = Vec::with_capacity(self.tiers.len());
        for (index, tier) in self.tiers.iter_mut().enumerate() {
            let mut row = tier.timeline_row(now);
            row.arrival_rate = round_to(
                match index {
                    0 => rate.mean_over(start.0, now.0),
                    _ => row.arrivals as f64 / (row.end_s - row.start_s),
                },
                3,
            );
            rows.push(row);
        }
        rows
    }

    /// The timeline rows for the interval ending now, and the bill's lines final by
    /// now.
    fn report(&mut self, observer: &mut dyn RunObserver) {
        for (index, row) in self.rows().iter().enumerate() {
            observer.row(index, row);
        }
        for tier in &mut self.tiers {
            for item in tier.ledger.drain_items() {
                observer.cost_item(&item);
            }
        }
    }

    /// Closes the run: each tier's bill, the last rows (each carries its tier's closed
    /// bill, so that a timeline ends at its tier's total), and the summary.
    fn finish(mut self, observer: &mut dyn RunObserver) -> RunOutcome {
        let last_rows = match self.tiers[0].last_report_at < self.end {
            true => self.rows(),
            false => Vec::new(),
        };
        let several = self.tiers.len() > 1;
        let mut tiers = Vec::with_capacity(self.tiers.len());
        let mut entry_metrics = None;
        let mut cost_items = Vec::new();
        for (index, tier) in self.tiers.into_iter().enumerate() {
            let (summary, items, metrics) = tier.finish(self.end);
            if let Some(row) = last_rows.get(index) {
                // The last clock hour settles only when the bill closes.
                let mut row = row.clone();
                CostSoFar::closed(&summary.cost_usd).write_to(&mut row);
                observer.row(index, &row);
            }
            cost_items.extend(items);
            entry_metrics.get_or_insert(metrics);
            tiers.push(summary);
        }
        for item in &cost_items {
            observer.cost_item(item);
        }
        let metrics = entry_metrics.expect("a run has a tier");
        let entry = &tiers[0];
        let summary = Summary {
            scenario: self.config.name.clone(),
            seed: self.config.seed,
            simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
            simulated_seconds: self.end.since(SimTime::ZERO).as_secs_f64(),
            events: self.events,
            requests: entry.requests,
            latency_ms: entry.latency_ms.clone(),
            slo: metrics.slo_summary(&self.config.slo),
            cost_usd: CostSummary::sum(tiers.iter().map(|t| &t.cost_usd)),
            commitments: entry.commitments.clone(),
            instances: entry.instances.clone(),
            utilization: entry.utilization.clone(),
            queueing: entry.queueing.clone(),
            tiers: if several { tiers } else { Vec::new() },
        };
        RunOutcome {
            summary,
            cost_items: Vec::new(),
            latency: metrics.into_latency(),
        }
    }
}

impl<'a> Tier<'a> {
    /// The tier `index` of the run, drawing from `streams`.
    fn new(
        config: &'a TierConfig,
        index: u8,
        streams: &RngStreams,
        end: SimTime,
        slo: &SloConfig,
    ) -> Self {
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
            streams,
            end,
            type_index,
            od_price,
        );
        Tier {
            config,
            fleet: Fleet::new(config, types, streams),
            market,
            serving: Serving::new(config, index, streams),
            group: AutoScalingGroup::new(&config.autoscaling),
            ledger: CostLedger::new(billed, config),
            metrics: Metrics::new(config.service.timeout, slo),
            hour_start: SimTime::ZERO,
            unpublished: VecDeque::new(),
            forecaster: Forecaster::default(),
            hour_marks: (0, 0),
            forecast_capacity: 0,
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
            last_capacity_area: 0,
        }
    }
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
                    tier: ctx.tier,
                    pool: pool as u32,
                    notice_at: plan.notice_at,
                };
                ctx.queue.schedule(plan.rebalance_at, event);
            }
        }
        if self.ledger.has_commitments() || self.predictive().is_some() {
            ctx.queue.schedule(
                SimTime::ZERO + SimDuration::HOUR,
                Event::HourTick { tier: ctx.tier },
            );
        }
        if let Some((_, _, _, buffer)) = self.predictive() {
            let at = SimTime(SimDuration::HOUR.0.saturating_sub(buffer.0));
            ctx.queue.schedule(
                at,
                Event::ForecastDue {
                    tier: ctx.tier,
                    hour: 1,
                },
            );
        }
        for &at in &self.config.instance.failures.at {
            ctx.queue
                .schedule(SimTime::ZERO + at, Event::FailureDue { tier: ctx.tier });
        }
        for (i, action) in self.config.autoscaling.scheduled.iter().enumerate() {
            let first = match (&action.at, &action.cron) {
                (Some(at), _) => Some(SimTime::ZERO + *at),
                (None, Some(cron)) => cron.next_after(0).map(SimTime),
                (None, None) => None,
            };
            if let Some(t) = first {
                ctx.queue.schedule(
                    t,
                    Event::ScheduledActionDue {
                        tier: ctx.tier,
                        action: i as u32,
                    },
                );
            }
        }
        ctx.queue.schedule(
            SimTime::ZERO + self.config.autoscaling.metric_period,
            Event::MetricTick { tier: ctx.tier },
        );
    }

    /// Carries out an event of this tier.
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event) {
        match event {
            Event::RequestArrived => unreachable!("arrivals go to the entry tier"),
            Event::RequestServed {
                instance,
                arrived_at,
                timed_out,
                caller,
                ..
            } => {
                let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
                let drained = self
                    .serving
                    .served(fleet, metrics, ctx, instance, arrived_at, timed_out, caller);
                if drained {
                    // Deregistration completes as soon as the last in-flight request
                    // is done.
                    self.terminate(ctx, instance);
                }
            }
            Event::RequestTimedOut {
                instance, caller, ..
            } => Serving::timed_out(&mut self.fleet, &mut self.metrics, ctx, instance, caller),
            Event::CallsTimedOut {
                slot, generation, ..
            } => self.serving.calls_timed_out(
                &mut self.fleet,
                &mut self.metrics,
                ctx,
                slot,
                generation,
            ),
            Event::QueueTimeoutDue { instance, .. } => {
                self.serving
                    .queue_timeout_due(&mut self.fleet, &mut self.metrics, ctx, instance)
            }
            Event::InstanceBooted { instance, .. } => self.on_instance_booted(ctx, instance),
            Event::HealthChecksPassed { instance, .. } => {
                self.on_health_checks_passed(ctx, instance)
            }
            Event::DeregistrationDelayExpired { instance, .. } => {
                if self.fleet.instances[instance as usize].state == InstanceState::Draining {
                    self.terminate(ctx, instance);
                }
            }
            Event::InstanceFailed { instance, .. } => self.on_instance_failed(ctx, instance),
            Event::WarmInstanceStopped { .. } => {
                if let Some((pool, _)) = &mut self.fleet.warm_pool {
                    pool.initialized(ctx.now);
                }
                self.refill_warm_pool(ctx);
            }
            Event::FailureDue { .. } => self.on_failure_due(ctx),
            Event::TargetFoundUnhealthy { instance, .. } => {
                self.on_target_found_unhealthy(ctx, instance)
            }
            Event::InstanceFoundUnhealthy { instance, .. } => {
                self.on_instance_found_unhealthy(ctx, instance)
            }
            Event::SpotRebalanceRecommended { instance, .. } => {
                self.on_rebalance_recommended(ctx, instance)
            }
            Event::SpotInterruptionNoticed { instance, .. } => {
                self.on_interruption_noticed(ctx, instance)
            }
            Event::SpotInstanceReclaimed { instance, .. } => {
                self.on_instance_reclaimed(ctx, instance)
            }
            Event::SpotCapacityReclaimed {
                pool, notice_at, ..
            } => self.on_capacity_reclaimed(ctx, pool as usize, notice_at),
            Event::MetricTick { .. } => self.on_metric_tick(ctx),
            Event::MetricPublished { .. } => self.on_metric_published(ctx),
            Event::ScheduledActionDue { action, .. } => {
                self.on_scheduled_action(ctx, action as usize)
            }
            Event::ForecastDue { hour, .. } => self.on_forecast_due(ctx, hour),
            Event::HourTick { .. } => {
                self.settle_hour(ctx);
                let next = Event::HourTick { tier: ctx.tier };
                ctx.queue.schedule(ctx.now + SimDuration::HOUR, next);
            }
        }
    }

    // ----- requests -------------------------------------------------------------

    /// A request reaches the tier's load balancer: from the traffic (the entry tier)
    /// or a call from `caller`.
    #[inline]
    fn on_request_arrived(&mut self, ctx: &mut Ctx<'_>, caller: Caller) {
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        self.serving.arrive(fleet, metrics, ctx, caller);
    }

    /// A call made by the request in `slot` has ended.
    fn on_call_answered(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer) {
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        let (drained, instance) = self
            .serving
            .call_answered(fleet, metrics, ctx, slot, answer);
        if drained {
            self.terminate(ctx, instance);
        }
    }

    // ----- reporting ----------------------------------------------------------------

    /// The tier's timeline row for the interval ending at `now` (the arrival rate is
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

    /// Closes the tier at `end`: the instances still running are billed, the last
    /// clock hour settles. Returns the tier's summary, the bill's lines not yet handed
    /// out, and the measurements (for the run's SLO and latency chart).
    fn finish(mut self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics) {
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
        let summary = TierSummary {
            name: self.config.name.clone(),
            kind: self.config.kind.word().to_string(),
            requests: self.metrics.totals,
            latency_ms: self.metrics.latency_summary(),
            cost_usd,
            commitments,
            instances: self.fleet.summary(duration, billed_secs),
            utilization: UtilizationSummary {
                mean_cpu: if capacity == 0 {
                    0.0
                } else {
                    round_to(100.0 * busy as f64 / capacity as f64, 3)
                },
            },
            queueing: self.metrics.queueing.summary(end),
        };
        (summary, cost_items, self.metrics)
    }
}
