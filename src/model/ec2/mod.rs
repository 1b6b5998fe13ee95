//! The `ec2` tier kind: an Application Load Balancer in front of an Auto Scaling group
//! of EC2 instances. Its components own the state and the rules: [`Serving`] (the
//! request path, the load balancer and the calls to other tiers), [`Fleet`] (the
//! instances), the Auto Scaling group and its policies (`scaling`), the
//! [`SpotMarket`], the [`CostLedger`] (the only pricing code) and the [`Metrics`].
//!
//! What an event does across the components is carried out here, by topic:
//! `lifecycle` (launch, boot, health checks passed, draining, termination),
//! `interruptions` (spot notices and capacity rebalancing), `health` (failures and
//! health checks) and `group` (metric periods, policies, scheduled actions, forecasts,
//! clock hours, reconciling to desired capacity). This file holds the dispatch of the
//! tier's events, its timeline row and its summary.

mod containers;
mod credits;
mod deploy;
mod group;
mod health;
mod interruptions;
mod lifecycle;
mod worker;
mod zones;

use super::billing::{BilledType, CostLedger};
use super::calls::{Answer, Caller, Handle};
use super::cluster::Cluster;
use super::config::{
    Config, HealthCheckType, Network, PredictiveMode, ScalingMetric, ScalingPolicy, SloConfig,
    TierConfig,
};
use super::credits::CreditSpec;
use super::deployment::Deployments;
use super::event::Event;
use super::fleet::{Fleet, TypeInfo};
use super::instance::{InstanceState, PurchaseOption};
use super::metrics::Metrics;
use super::outcome::*;
use super::scaling::predictive::{Forecaster, HourStats};
use super::scaling::termination::{self, Candidate};
use super::scaling::{AutoScalingGroup, MetricSample};
use super::serving::Serving;
use super::sim::{Ctx, Service};
use super::spot::SpotMarket;
use super::sqs::Queue;
use crate::engine::{LatencyHistogram, RngStreams, SimDuration, SimTime};
use std::collections::VecDeque;

/// One service of the architecture (`kind = "ec2"`): a load balancer in front of an
/// Auto Scaling group of EC2 instances, with its purchase options, its bill and its
/// measurements. Each field is a component that owns its state and rules; the `impl`
/// blocks in this folder carry out what an event does across them.
pub(super) struct Ec2Tier<'a> {
    config: &'a TierConfig,
    /// The run's zones, their outages and shortages.
    network: &'a Network,
    /// The instance types of the run's type table, by type index.
    type_names: Vec<String>,
    /// Failed launches waiting for their retry (`zones.rs`).
    retry: zones::LaunchRetry,
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
    /// The container instances of an `ecs_ec2` tier, whose fleet is its tasks.
    cluster: Option<Cluster>,
    /// The tier's deployments of new application versions.
    deployments: Deployments,
    /// The SQS queue of a `worker` tier, which its instances read (no load
    /// balancer).
    sqs: Option<Queue>,
    /// The scaling metrics of the last metric period (CPU, request count per target),
    /// for the timeline.
    last_metrics: (Option<f64>, Option<f64>),
    // Marks at the previous report tick.
    last_report_at: SimTime,
    last_busy_area: u128,
    last_capacity_area: u128,
}

impl<'a> Ec2Tier<'a> {
    /// The tier `index` of the run, drawing from `streams`.
    pub(super) fn new(
        config: &'a TierConfig,
        index: u8,
        streams: &RngStreams,
        end: SimTime,
        slo: &SloConfig,
        run: &'a Config,
    ) -> Self {
        let network = &run.network;
        // The type table: the group's own type first, then any other spot pool types.
        // Workers follow vCPUs when the scenario asks for workers per vCPU.
        let per_vcpu = config.service.workers_setting;
        let mut billed = vec![BilledType {
            name: config.instance.type_name.clone(),
            on_demand_price: config.instance.price_per_hour,
        }];
        let mut types = vec![TypeInfo {
            workers: config.service.workers,
            speed: config.instance.speed,
            credits: config
                .instance
                .credits
                .as_ref()
                .map(|c| CreditSpec::new(c, config.service.workers)),
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
                types.push(TypeInfo {
                    workers,
                    speed: t.speed,
                    credits: None,
                });
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
            network.zones.len(),
        );
        Ec2Tier {
            config,
            network,
            type_names: billed.iter().map(|b| b.name.clone()).collect(),
            retry: zones::LaunchRetry::default(),
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
            cluster: config
                .ecs
                .as_ref()
                .map(|e| Cluster::new(&e.cluster, e.tasks_per_instance, e.placement)),
            deployments: Deployments::new(config, run.dns.as_ref(), streams),
            sqs: config
                .worker
                .as_ref()
                .map(|w| Queue::new(w, &streams.within("sqs"), end)),
            last_metrics: (None, None),
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
            last_capacity_area: 0,
        }
    }

    /// A request's own service time is over (see `Serving::served`).
    #[inline(always)]
    fn on_served(
        &mut self,
        ctx: &mut Ctx<'_>,
        instance: u32,
        arrived_at: SimTime,
        timed_out: bool,
        handle: Handle,
    ) {
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        let drained = self
            .serving
            .served(fleet, metrics, ctx, instance, arrived_at, timed_out, handle);
        if drained {
            // Deregistration completes as soon as the last in-flight request is done.
            self.terminate(ctx, instance);
        } else {
            // So does a deploy's drain: the instance then restarts.
            let instance_ref = &self.fleet.instances[instance as usize];
            if instance_ref.state == InstanceState::Deploying && instance_ref.outstanding() == 0 {
                self.restart(ctx, instance);
            }
        }
    }
}

impl Service for Ec2Tier<'_> {
    /// The tier at t = 0: its initial fleet in service, and its timers and planned
    /// events on the queue.
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        // The initial desired capacity starts in service at t = 0, already warm.
        // Split between on-demand and spot by the mixed instances policy. An ecs_ec2
        // tier's first tasks run on its first container instances, as many as fit.
        self.start_cluster(ctx);
        for _ in 0..self.config.autoscaling.desired {
            let Some(id) = self.launch_for_group(ctx) else {
                self.retry_launches_later(ctx);
                break;
            };
            if self.cluster.is_some() && !self.place_first_task(id) {
                continue;
            }
            let instance = &mut self.fleet.instances[id as usize];
            instance.warm_at = Some(SimTime::ZERO);
            self.set_initial_credits(id);
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
        for (i, at) in self.deployments.due() {
            if at < ctx.end.since(SimTime::ZERO) {
                let event = Event::DeploymentDue {
                    tier: ctx.tier,
                    deployment: i as u32,
                };
                ctx.queue.schedule(SimTime::ZERO + at, event);
            }
        }
        ctx.queue.schedule(
            SimTime::ZERO + self.config.autoscaling.metric_period,
            Event::MetricTick { tier: ctx.tier },
        );
        self.start_queue(ctx);
        self.schedule_zone_events(ctx);
    }

    /// Carries out an event of this tier. Always inlined: it has two callers, the loop
    /// of ec2-only runs and `AnyService`'s, and the first needs it inline (`sim`).
    #[inline(always)]
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event) {
        match event {
            Event::RequestArrived => unreachable!("arrivals go to the entry tier"),
            Event::InvocationEnded { .. }
            | Event::FunctionTimedOut { .. }
            | Event::IntegrationTimedOut { .. }
            | Event::QueryEnded { .. }
            | Event::FailoverStarted { .. }
            | Event::FailoverEnded { .. }
            | Event::JobSubmitted { .. }
            | Event::JobAttemptEnded { .. }
            | Event::BatchInstanceIdle { .. }
            | Event::EmrTimerDue { .. } => {
                unreachable!("another kind's events go to its tier")
            }
            Event::RequestServed {
                instance,
                arrived_at,
                timed_out,
                ..
            } => self.on_served(ctx, instance, arrived_at, timed_out, Handle::CLIENT),
            Event::CallServed {
                instance,
                call,
                timed_out,
                ..
            } => {
                let handle = Handle::of(call);
                let arrived_at = self.serving.calls.received.get(call).arrived_at;
                self.on_served(ctx, instance, arrived_at, timed_out, handle)
            }
            Event::RequestTimedOut { instance, .. } => {
                let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
                self.serving
                    .timed_out(fleet, metrics, ctx, instance, Handle::CLIENT)
            }
            Event::CallTimedOut { instance, call, .. } => {
                let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
                self.serving
                    .timed_out(fleet, metrics, ctx, instance, Handle::of(call))
            }
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
                match self.fleet.instances[instance as usize].state {
                    InstanceState::Draining => self.terminate(ctx, instance),
                    InstanceState::Deploying => self.restart(ctx, instance),
                    _ => {}
                }
            }
            Event::DeploymentDue { deployment, .. } => {
                self.on_deployment_due(ctx, deployment as usize)
            }
            Event::DeploymentPhaseDue { deployment, .. } => {
                self.on_deployment_phase_due(ctx, deployment as usize)
            }
            Event::VersionDeployed { instance, .. } => self.on_version_deployed(ctx, instance),
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
            Event::ZoneFailed { zone, .. } => self.on_zone_failed(ctx, zone),
            Event::ZoneRecovered { .. } => self.on_zone_recovered(ctx),
            Event::LaunchRetryDue { .. } => self.on_launch_retry_due(ctx),
            Event::ContainerInstanceRegistered { host, .. } => {
                self.on_container_instance_registered(ctx, host)
            }
            Event::ClusterTick { .. } => self.on_cluster_tick(ctx),
            Event::MessageVisible { message, turn, .. } => {
                self.on_message_visible(ctx, message, turn)
            }
            Event::MessageSent { .. } => self.on_own_message(ctx),
            Event::PeriodicTaskDue { task, .. } => self.on_periodic_task_due(ctx, task),
            Event::CreditsDue {
                instance,
                generation,
                ..
            } => self.on_credits_due(ctx, instance, generation),
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
    #[inline(always)]
    fn on_request(&mut self, ctx: &mut Ctx<'_>, caller: Caller) {
        if self.sqs.is_some() {
            // A worker tier's clients send messages to its queue.
            return self.on_message_sent(ctx);
        }
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        self.serving.arrive(fleet, metrics, ctx, caller);
    }

    /// A call made by the request in `slot` has ended.
    #[inline]
    fn on_answer(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer) {
        let (fleet, metrics) = (&mut self.fleet, &mut self.metrics);
        let (drained, instance) = self
            .serving
            .call_answered(fleet, metrics, ctx, slot, answer);
        if drained {
            self.terminate(ctx, instance);
        }
    }

    fn on_sent(&mut self, ctx: &mut Ctx<'_>) {
        self.on_message_sent(ctx);
    }

    /// A worker tier's application answered `sqsd`'s delivery `slot`: after its own
    /// calls, if it makes any (the answers to those come to `on_answer`).
    fn on_delivery_answered(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer) {
        self.delivery_answered(ctx, slot, answer);
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
        self.fleet.count_events(&mut row);
        self.credit_columns(now, &mut row);
        (row.metric_cpu, row.metric_request_count_per_target) = self.last_metrics;
        if self.config.uses_spot() {
            row.spot_price = round_to(self.market.mean_price(now), 6);
        }
        // What is billed: the instances, or an ecs_ec2 tier's container instances.
        let requests = self.metrics.totals.arrived;
        let warm_pool = self.fleet.warm_pool.as_ref().map(|(p, _)| p);
        let cost = match &self.cluster {
            None => self
                .ledger
                .accrued(self.fleet.alive(), warm_pool, &self.market, now, requests),
            Some(c) => {
                let hosts = c.alive.iter().map(|&h| &c.hosts[h as usize].instance);
                self.ledger
                    .accrued(hosts, warm_pool, &self.market, now, requests)
            }
        };
        cost.write_to(&mut row);
        if let Some(queue) = &self.sqs {
            // A worker tier has no warm pool (refused): its column holds the
            // messages visible at the end of the interval, and the cost the queue.
            row.warm_pool = queue.visible() as u32;
            let area = self
                .fleet
                .in_service_area
                .at(now, u64::from(self.fleet.in_service));
            row.cost_usd = round_to(row.cost_usd + queue.cost(now, area), 6);
        }
        self.last_report_at = now;
        self.last_busy_area = busy;
        self.last_capacity_area = capacity;
        row
    }

    fn drain_bill(&mut self) -> Vec<CostItem> {
        self.ledger.drain_items()
    }

    /// Closes the tier at `end`: the instances still running are billed, the last
    /// clock hour settles.
    fn finish(mut self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics) {
        self.close_deployment(end, false);
        self.end_split();
        let zones = self.zone_summary();
        self.fleet.change_in_service(end, 0);
        let (busy, capacity) = self.fleet.utilization_areas(end);
        let credits = self.credits_summary(end);
        let mut in_flight = 0;
        for id in std::mem::take(&mut self.fleet.alive) {
            in_flight += u64::from(self.fleet.instances[id as usize].unanswered());
            if self.cluster.is_none() {
                self.ledger
                    .close_instance(&self.fleet.instances[id as usize], end, &self.market);
            }
        }
        self.finish_cluster(end);
        // The last (possibly partial) clock hour settles too: reservations and the
        // savings plan are paid for every clock hour the run touches.
        if self.ledger.has_commitments() && self.hour_start < end {
            self.ledger.settle_hour(self.hour_start);
        }
        self.metrics.totals.in_flight = in_flight;
        let duration = end.since(SimTime::ZERO);
        let warm_pool = self.fleet.warm_pool.as_ref().map(|(pool, _)| pool);
        let requests = self.metrics.totals.arrived;
        let (mut cost_usd, commitments) = self.ledger.summary(duration, requests, warm_pool);
        let billed_secs = self.ledger.totals.billed_secs;
        let mut cost_items = self.ledger.finish(duration, requests, warm_pool);
        let in_service_area = self
            .fleet
            .in_service_area
            .at(end, u64::from(self.fleet.in_service));
        let queue = self.sqs.as_mut().map(|queue| {
            let (line, summary) = queue.finish(&self.config.name, end, in_service_area);
            cost_usd.sqs = line.cost_usd;
            cost_usd.total = round_to(cost_usd.total + line.cost_usd, 6);
            cost_usd.all_on_demand = round_to(cost_usd.all_on_demand + line.cost_usd, 6);
            cost_items.push(line);
            summary
        });
        let summary = TierSummary {
            name: self.config.name.clone(),
            kind: self.config.kind.word().to_string(),
            requests: self.metrics.totals,
            latency_ms: self.metrics.latency_summary(),
            cost_usd,
            commitments,
            instances: InstanceSummary {
                zones,
                credits,
                ..self.fleet.summary(duration, billed_secs)
            },
            utilization: UtilizationSummary {
                mean_cpu: if capacity == 0 {
                    0.0
                } else {
                    round_to(100.0 * busy as f64 / capacity as f64, 3)
                },
            },
            queueing: self.metrics.queueing.summary(end),
            batch: None,
            emr: None,
            lambda: None,
            rds: None,
            container_instances: self
                .cluster
                .as_ref()
                .map(|c| c.summary(duration, billed_secs)),
            deployments: self.deployments.into_summaries(),
            queue,
        };
        (summary, cost_items, self.metrics)
    }
}
