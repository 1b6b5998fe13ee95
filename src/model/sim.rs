//! The simulation of one scenario: the event loop (`Simulation`: the clock, the queue,
//! the arriving traffic) dispatches each event to the tier it concerns, and carries
//! the calls and answers between tiers ([`Message`]) that an event produces. Each tier
//! is a [`Service`]: one kind of AWS service (`ec2` in `model::ec2`, `lambda` in
//! `model::lambda`, `rds` in `model::rds`) whose components own its state and rules; a tier sees the shared
//! clock and queue, and sends to other tiers, through a [`Ctx`]. This file holds the loop, the timeline
//! rows and the summary.
//!
//! One `Simulation` is one run: single-threaded, no I/O, no wall clock. Timeline rows
//! are handed to a caller-supplied observer as they are produced, so a month-long run
//! holds one interval's statistics in memory, not the whole timeline.

use super::batch::BatchTier;
use super::billing::route53::Route53Bill;
use super::billing::{CostSoFar, DEDICATED_REGION_HOUR};
use super::calls::{Answer, Caller, Message};
use super::config::{Config, Network, SloConfig, TierConfig, TierKind};
use super::ec2::Ec2Tier;
use super::egress::Egress;
use super::event::Event;
use super::lambda::LambdaTier;
use super::metrics::Metrics;
use super::outcome::*;
use super::rds::RdsTier;
use super::traffic::{ArrivalProcess, RateFunction};
use crate::engine::{EventQueue, LatencyHistogram, RngStreams, SECS_PER_HOUR, SimTime};
use std::collections::BTreeSet;

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
    let sim = Simulation::new(config);
    // A run of `Ec2Tier`s only (`ec2` and `fargate` tiers; every run before other
    // kinds existed) goes through a loop made for that service alone, into which
    // `Ec2Tier::on_event` is inlined: with a
    // second kind in `AnyService` the compiler stopped inlining it into the one loop,
    // and the single-tier model was about 12 % slower (spike.toml 0.36 s -> 0.40-0.41 s
    // user time; with this loop and the inlining forced, 0.37-0.38 s). Both loops are
    // the same generic code.
    if sim
        .tiers
        .iter()
        .all(|t| matches!(t, AnyService::Ec2Tier(_)))
    {
        sim.with_tiers(|tier| match tier {
            AnyService::Ec2Tier(tier) => tier,
            _ => unreachable!("every tier is an Ec2Tier"),
        })
        .run(observer)
    } else {
        sim.run(observer)
    }
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

impl Ctx<'_> {
    /// Schedules this tier's events of the run's zone outages: the zone fails at `at`
    /// and recovers `duration` later (`[[outage]]`).
    pub(super) fn schedule_outages(&mut self, network: &Network) {
        let tier = self.tier;
        for o in &network.outages {
            let zone = o.zone as u8;
            let at = SimTime::ZERO + o.at;
            self.queue.schedule(at, Event::ZoneFailed { tier, zone });
            let back = at + o.duration;
            self.queue
                .schedule(back, Event::ZoneRecovered { tier, zone });
        }
    }
}

/// A tier as the loop sees it: what every kind of service does. A kind is one
/// component (its own folder or file) implementing this, registered in `tier_kinds!`.
pub(super) trait Service {
    /// Its state at t = 0 and its first events.
    fn start(&mut self, ctx: &mut Ctx<'_>);
    /// A request reaches the tier: from the traffic (the entry tier) or a call from
    /// `caller`, which must be answered (through `ctx.outbox`) however it ends.
    fn on_request(&mut self, ctx: &mut Ctx<'_>, caller: Caller);
    /// A call made by the tier's request in `slot` has ended with `answer`.
    fn on_answer(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer);
    /// Instance `instance` of tier `tier`, a caller of this one, has stopped. Only a
    /// tier that keeps something per calling instance (a database's connection
    /// pools) cares.
    fn on_caller_stopped(&mut self, _ctx: &mut Ctx<'_>, _tier: u8, _instance: u32) {}
    /// A message reaches the tier's queue (a worker tier's only).
    fn on_sent(&mut self, _ctx: &mut Ctx<'_>) {
        unreachable!("messages are sent to worker tiers only")
    }
    /// The application answered `sqsd`'s delivery `slot` (a worker tier's only).
    fn on_delivery_answered(&mut self, _ctx: &mut Ctx<'_>, _slot: u32, _answer: Answer) {
        unreachable!("deliveries are a worker tier's")
    }
    /// One of the tier's own events.
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event);
    /// The tier's timeline row for the interval ending at `now` (the loop fills in the
    /// arrival rate).
    fn timeline_row(&mut self, now: SimTime) -> TimelineRow;
    /// The bill's lines that became final since the last call.
    fn drain_bill(&mut self) -> Vec<CostItem>;
    /// Closes the tier at `end`: its summary, the rest of its bill, and its
    /// measurements (the entry tier's give the run's SLO and latency chart).
    fn finish(self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics);
}

/// The registry of tier kinds: `Service: Kind | Kind` makes `AnyService`, an enum of
/// the services that the loop holds (one variant per service, named after it), and
/// [`service`], which builds the one that carries out a tier's kind (a `fargate` tier
/// is an `Ec2Tier` whose instances are tasks). An enum and a `match` rather than
/// `Box<dyn Service>`: the compiler inlines each event's handling into the loop, where
/// a call through a trait object cost the single-tier model 11-13 %
/// (results/studies/bench/README.md).
macro_rules! tier_kinds {
    ($($service:ident: $($kind:ident)|+),+ $(,)?) => {
        enum AnyService<'a> {
            $($service($service<'a>)),+
        }

        impl Service for AnyService<'_> {
            #[inline]
            fn start(&mut self, ctx: &mut Ctx<'_>) {
                match self { $(AnyService::$service(s) => s.start(ctx)),+ }
            }
            #[inline]
            fn on_request(&mut self, ctx: &mut Ctx<'_>, caller: Caller) {
                match self { $(AnyService::$service(s) => s.on_request(ctx, caller)),+ }
            }
            #[inline]
            fn on_answer(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer) {
                match self { $(AnyService::$service(s) => s.on_answer(ctx, slot, answer)),+ }
            }
            fn on_sent(&mut self, ctx: &mut Ctx<'_>) {
                match self { $(AnyService::$service(s) => s.on_sent(ctx)),+ }
            }
            fn on_delivery_answered(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer: Answer) {
                match self { $(AnyService::$service(s) => s.on_delivery_answered(ctx, slot, answer)),+ }
            }
            fn on_caller_stopped(&mut self, ctx: &mut Ctx<'_>, tier: u8, instance: u32) {
                match self { $(AnyService::$service(s) => s.on_caller_stopped(ctx, tier, instance)),+ }
            }
            #[inline]
            fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event) {
                match self { $(AnyService::$service(s) => s.on_event(ctx, event)),+ }
            }
            fn timeline_row(&mut self, now: SimTime) -> TimelineRow {
                match self { $(AnyService::$service(s) => s.timeline_row(now)),+ }
            }
            fn drain_bill(&mut self) -> Vec<CostItem> {
                match self { $(AnyService::$service(s) => s.drain_bill()),+ }
            }
            fn finish(self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics) {
                match self { $(AnyService::$service(s) => s.finish(end)),+ }
            }
        }

        /// The service that carries out a tier of `config.kind`.
        fn service<'a>(
            config: &'a TierConfig,
            index: u8,
            streams: &RngStreams,
            end: SimTime,
            slo: &SloConfig,
            run: &'a Config,
        ) -> AnyService<'a> {
            match config.kind {
                $($(TierKind::$kind)|+ => AnyService::$service($service::new(config, index, streams, end, slo, run))),+
            }
        }
    };
}

tier_kinds! {
    Ec2Tier: Ec2 | Fargate | EcsEc2 | Beanstalk | Worker,
    LambdaTier: Lambda,
    RdsTier: Rds,
    BatchTier: Batch | Emr,
}

/// One run: the clock, the event queue, the traffic that enters, and the tiers
/// (`AnyService`, or one kind's own service when every tier is of that kind); the
/// first receives the traffic.
struct Simulation<'a, T> {
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
    tiers: Vec<T>,
    /// What the entry tier's responses send to the internet.
    egress: Egress,
    /// The `[dns]` name's hosted zone and queries (Route 53), on the entry tier's bill.
    route53: Option<Route53Bill>,
    /// The end of the last timeline row.
    last_row_at: SimTime,
}

impl<'a> Simulation<'a, AnyService<'a>> {
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
            let mut tier = service(tier, index as u8, &streams, end, &config.slo, config);
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
            egress: Egress::new(config),
            route53: config
                .dns
                .as_ref()
                .map(|dns| Route53Bill::new(dns, &config.entry().name)),
            last_row_at: SimTime::ZERO,
        };
        if let Some(t) = sim.arrivals.next_arrival() {
            sim.queue.schedule_source(t, Event::RequestArrived);
        }
        sim
    }

    /// The same run with each tier turned into `U` by `f`.
    fn with_tiers<U>(self, f: impl FnMut(AnyService<'a>) -> U) -> Simulation<'a, U> {
        Simulation {
            config: self.config,
            now: self.now,
            end: self.end,
            queue: self.queue,
            outbox: self.outbox,
            inbox: self.inbox,
            arrivals: self.arrivals,
            rate: self.rate,
            events: self.events,
            tiers: self.tiers.into_iter().map(f).collect(),
            egress: self.egress,
            route53: self.route53,
            last_row_at: self.last_row_at,
        }
    }
}

impl<T: Service> Simulation<'_, T> {
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
            if let Event::RequestArrived = event {
                if let Some(t) = self.arrivals.next_arrival() {
                    ctx.queue.schedule_source(t, Event::RequestArrived);
                }
                self.tiers[0].on_request(&mut ctx, Caller::CLIENT)
            } else {
                // One tier needs no look at the event's tier: a second `match` on
                // every event cost the single-tier model a few percent.
                let tier = match &mut self.tiers[..] {
                    [only] => only,
                    tiers => {
                        ctx.tier = event.tier().expect("every other event is a tier's");
                        &mut tiers[ctx.tier as usize]
                    }
                };
                tier.on_event(&mut ctx, event)
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
                let to = match message {
                    Message::Call { to, .. }
                    | Message::CallerStopped { to, .. }
                    | Message::Sent { to } => to,
                    Message::Answered { caller, .. } => caller.tier().expect("answers go to tiers"),
                };
                let ctx = &mut Ctx {
                    now: self.now,
                    end: self.end,
                    queue: &mut self.queue,
                    outbox: &mut self.outbox,
                    tier: to,
                };
                let tier = &mut self.tiers[to as usize];
                match message {
                    Message::Call { caller, .. } => tier.on_request(ctx, caller),
                    Message::Answered { caller, answer } if caller.is_delivery() => {
                        tier.on_delivery_answered(ctx, caller.slot(), answer)
                    }
                    Message::Answered { caller, answer } => {
                        tier.on_answer(ctx, caller.slot(), answer)
                    }
                    Message::CallerStopped {
                        tier: from,
                        instance,
                        ..
                    } => tier.on_caller_stopped(ctx, from, instance),
                    Message::Sent { .. } => tier.on_sent(ctx),
                }
            }
        }
    }

    /// Each tier's timeline row for the interval ending now, entry first. The entry
    /// tier's arrival rate is the traffic's mean rate over the interval; another's is
    /// the calls it received per second. The entry tier's responses of the interval go
    /// to the internet, and its cost so far includes their data transfer.
    fn rows(&mut self) -> Vec<TimelineRow> {
        let (start, now, rate) = (self.last_row_at, self.now, &self.rate);
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
            if index == 0 && self.egress.metered() {
                self.egress.responded(start, now, row.completions);
                row.cost_usd = round_to(row.cost_usd + self.egress.cost(now), 6);
            }
            if let (0, Some(route53)) = (index, self.route53.as_mut()) {
                route53.arrived(start, now, row.arrivals);
                let elapsed = now.since(SimTime::ZERO);
                row.cost_usd = round_to(row.cost_usd + route53.cost(elapsed), 6);
            }
            rows.push(row);
        }
        self.last_row_at = now;
        rows
    }

    /// The timeline rows for the interval ending now, and the bill's lines final by
    /// now.
    fn report(&mut self, observer: &mut dyn RunObserver) {
        for (index, row) in self.rows().iter().enumerate() {
            observer.row(index, row);
        }
        for tier in &mut self.tiers {
            for item in tier.drain_bill() {
                observer.cost_item(&item);
            }
        }
    }

    /// Closes the run: each tier's bill, the last rows (each carries its tier's closed
    /// bill, so that a timeline ends at its tier's total), and the summary. The run's
    /// data transfer, counted once the last row has been taken, is the entry tier's.
    fn finish(mut self, observer: &mut dyn RunObserver) -> RunOutcome {
        let last_rows = match self.last_row_at < self.end {
            true => self.rows(),
            false => Vec::new(),
        };
        let egress = self.egress.metered().then(|| self.egress.finish(self.end));
        let several = self.tiers.len() > 1;
        let mut tiers = Vec::with_capacity(self.tiers.len());
        let mut entry_metrics = None;
        let mut cost_items = Vec::new();
        let mut dedicated_hours = BTreeSet::new();
        for (index, tier) in self.tiers.into_iter().enumerate() {
            let (mut summary, mut items, metrics) = tier.finish(self.end);
            keep_dedicated_hours_once(&mut dedicated_hours, &mut summary.cost_usd, &mut items);
            if let (0, Some((cost, lines, _))) = (index, &egress) {
                summary.cost_usd = CostSummary::sum([&summary.cost_usd, cost]);
                items.extend(lines.iter().cloned());
            }
            if let (0, Some(route53)) = (index, &self.route53) {
                let elapsed = self.end.since(SimTime::ZERO);
                let usd = round_to(route53.cost(elapsed), 6);
                let cost = CostSummary {
                    total: usd,
                    route53: usd,
                    all_on_demand: usd,
                    ..CostSummary::default()
                };
                summary.cost_usd = CostSummary::sum([&summary.cost_usd, &cost]);
                items.extend(route53.lines(elapsed));
            }
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
            lambda: entry.lambda.clone(),
            container_instances: entry.container_instances.clone(),
            queue: entry.queue.clone(),
            batch: entry.batch.clone(),
            emr: entry.emr.clone(),
            data_transfer: egress.as_ref().map(|e| e.2.data_transfer.clone()),
            s3: egress.as_ref().and_then(|e| e.2.s3.clone()),
            cloudfront: egress.and_then(|e| e.2.cloudfront),
            deployments: tiers.iter().flat_map(|t| t.deployments.clone()).collect(),
            tiers: if several { tiers } else { Vec::new() },
        };
        RunOutcome {
            summary,
            cost_items: Vec::new(),
            latency: metrics.into_latency(),
        }
    }
}

/// The per-Region fee of Dedicated Instances is the Region's, owed once per clock hour
/// in which any dedicated instance of the run runs (aws-facts.md 20.2): a tier's
/// `dedicated_region_hour` lines for hours an earlier tier already pays are dropped
/// from its lines and its bill.
fn keep_dedicated_hours_once(
    charged: &mut BTreeSet<u64>,
    cost: &mut CostSummary,
    items: &mut Vec<CostItem>,
) {
    let mut dropped = 0.0;
    items.retain(|item| {
        if item.item != DEDICATED_REGION_HOUR {
            return true;
        }
        let hour = (item.start_s / SECS_PER_HOUR) as u64;
        let first = charged.insert(hour);
        if !first {
            dropped += item.cost_usd;
        }
        first
    });
    if dropped > 0.0 {
        cost.dedicated = round_to(cost.dedicated - dropped, 6);
        cost.total = round_to(cost.total - dropped, 6);
        cost.all_on_demand = round_to(cost.all_on_demand - dropped, 6);
    }
}
