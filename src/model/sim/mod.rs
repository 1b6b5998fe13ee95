//! The simulation of one scenario: the event loop that dispatches each event to the
//! components that own the state and the rules: [`Serving`] (the request path and the
//! load balancer), [`Fleet`] (the instances), the Auto Scaling group and its policies
//! (`scaling`), the [`SpotMarket`], the [`CostLedger`] (the only pricing code) and the
//! [`Metrics`].
//!
//! What an event does across components is carried out here, by topic: `lifecycle`
//! (launch, boot, health checks passed, draining, termination), `interruptions` (spot
//! notices and capacity rebalancing), `health` (failures and health checks) and `group`
//! (metric periods, policies, scheduled actions, forecasts, clock hours, reconciling to
//! desired capacity). This file holds the loop, the timeline rows and the summary.
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
                .schedule(SimTime::ZERO + SimDuration::HOUR, Event::HourTick);
        }
        if let Some((_, _, _, buffer)) = sim.predictive() {
            let at = SimTime(SimDuration::HOUR.0.saturating_sub(buffer.0));
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
                        .schedule(self.now + SimDuration::HOUR, Event::HourTick);
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
