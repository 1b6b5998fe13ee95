//! The simulation of one scenario: the event loop tying traffic, load balancer,
//! instances, Auto Scaling and billing together.
//!
//! One `Simulation` is one run: single-threaded, no I/O, no wall clock. Timeline rows
//! are handed to a caller-supplied sink as they are produced, so a month-long run
//! holds one interval's statistics in memory, not the whole timeline.

use super::autoscaling::{AutoScalingGroup, MetricSample};
use super::balancer::LoadBalancer;
use super::billing::CostLedger;
use super::config::Config;
use super::dist::DurationSampler;
use super::instance::{Instance, InstanceState, PurchaseOption, Waiting};
use super::outcome::*;
use super::traffic::{ArrivalProcess, RateFunction};
use crate::engine::{EventQueue, LatencyHistogram, RngStreams, SimDuration, SimRng, SimTime};

/// Everything that can happen, in the past tense for facts and `…Tick` for timers.
/// The enum is closed: every event the model knows is here.
#[derive(Clone, Copy, Debug)]
enum Event {
    RequestArrived,
    RequestServed { instance: u32, arrived_at: SimTime },
    InstanceBooted { instance: u32 },
    HealthChecksPassed { instance: u32 },
    DeregistrationDelayExpired { instance: u32 },
    MetricTick,
    ReportTick,
}

/// Counters of one reporting interval.
#[derive(Default)]
struct IntervalCounts {
    requests: RequestCounts,
}

/// The result of a run, apart from the timeline (streamed to the sink).
pub struct RunOutcome {
    pub summary: Summary,
    pub cost_items: Vec<CostItem>,
    /// Latencies of every completed request, for the report's distribution chart.
    pub latency: LatencyHistogram,
}

/// Runs `config` to completion, passing each timeline row to `on_row` in time order.
pub fn simulate(config: &Config, on_row: &mut dyn FnMut(&TimelineRow)) -> RunOutcome {
    Simulation::new(config).run(on_row)
}

struct Simulation<'a> {
    config: &'a Config,
    now: SimTime,
    end: SimTime,
    queue: EventQueue<Event>,
    arrivals: ArrivalProcess,
    rate: RateFunction,
    service: DurationSampler,
    service_rng: SimRng,
    boot: DurationSampler,
    boot_rng: SimRng,
    instances: Vec<Instance>,
    /// Ids of instances not yet terminated, in launch order.
    alive: Vec<u32>,
    balancer: LoadBalancer,
    group: AutoScalingGroup,
    ledger: CostLedger,
    totals: RequestCounts,
    interval: IntervalCounts,
    latency: LatencyHistogram,
    interval_latency: LatencyHistogram,
    slo_nanos: u64,
    within_slo: u64,
    events: u64,
    // Instance statistics.
    launched: u64,
    terminated: u64,
    in_service: u32,
    peak_in_service: u32,
    min_in_service: u32,
    in_service_area: u128,
    in_service_changed_at: SimTime,
    retired_busy_area: u128,
    retired_capacity_area: u128,
    // Marks at the previous report tick.
    last_report_at: SimTime,
    last_busy_area: u128,
    last_capacity_area: u128,
}

impl<'a> Simulation<'a> {
    fn new(config: &'a Config) -> Self {
        let streams = RngStreams::new(config.seed);
        let end = SimTime(config.duration.0);
        let timeout_micros = config.service.timeout.0 / 1_000;
        let mut sim = Simulation {
            config,
            now: SimTime::ZERO,
            end,
            queue: EventQueue::with_capacity(1024),
            arrivals: ArrivalProcess::new(&config.traffic, streams.stream("arrivals"), end),
            rate: RateFunction::new(&config.traffic),
            service: DurationSampler::new(&config.service.time),
            service_rng: streams.stream("service"),
            boot: DurationSampler::new(&config.instance.boot_time),
            boot_rng: streams.stream("boot"),
            instances: Vec::new(),
            alive: Vec::new(),
            balancer: LoadBalancer::new(config.load_balancer.algorithm, streams.stream("routing")),
            group: AutoScalingGroup::new(&config.autoscaling),
            ledger: CostLedger::new(&config.instance.type_name, &config.load_balancer),
            totals: RequestCounts::default(),
            interval: IntervalCounts::default(),
            latency: LatencyHistogram::new(timeout_micros + 1, 3),
            interval_latency: LatencyHistogram::new(timeout_micros + 1, 2),
            slo_nanos: config.slo.latency.0,
            within_slo: 0,
            events: 0,
            launched: 0,
            terminated: 0,
            in_service: 0,
            peak_in_service: 0,
            min_in_service: u32::MAX,
            in_service_area: 0,
            in_service_changed_at: SimTime::ZERO,
            retired_busy_area: 0,
            retired_capacity_area: 0,
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
            last_capacity_area: 0,
        };
        // The initial desired capacity starts in service at t = 0, already warm.
        for _ in 0..config.autoscaling.desired {
            let id = sim.launch();
            let instance = &mut sim.instances[id as usize];
            instance.warm_at = Some(SimTime::ZERO);
            sim.become_healthy(id);
        }
        if let Some(t) = sim.arrivals.next_arrival() {
            sim.queue.schedule(t, Event::RequestArrived);
        }
        sim.queue.schedule(
            SimTime::ZERO + config.autoscaling.metric_period,
            Event::MetricTick,
        );
        sim.queue
            .schedule(SimTime::ZERO + config.report.interval, Event::ReportTick);
        sim
    }

    fn run(mut self, on_row: &mut dyn FnMut(&TimelineRow)) -> RunOutcome {
        while let Some(time) = self.queue.peek_time() {
            if time >= self.end {
                break;
            }
            let (time, event) = self.queue.pop().expect("peeked");
            self.now = time;
            self.events += 1;
            match event {
                Event::RequestArrived => self.on_request_arrived(),
                Event::RequestServed {
                    instance,
                    arrived_at,
                } => self.on_request_served(instance, arrived_at),
                Event::InstanceBooted { instance } => self.on_instance_booted(instance),
                Event::HealthChecksPassed { instance } => self.on_health_checks_passed(instance),
                Event::DeregistrationDelayExpired { instance } => {
                    if self.instances[instance as usize].state == InstanceState::Draining {
                        self.terminate(instance);
                    }
                }
                Event::MetricTick => self.on_metric_tick(),
                Event::ReportTick => {
                    on_row(&self.timeline_row());
                    self.queue
                        .schedule(self.now + self.config.report.interval, Event::ReportTick);
                }
            }
        }
        self.now = self.end;
        if self.last_report_at < self.end {
            on_row(&self.timeline_row());
        }
        self.finish()
    }

    // ----- requests -------------------------------------------------------------

    #[inline]
    fn on_request_arrived(&mut self) {
        if let Some(t) = self.arrivals.next_arrival() {
            self.queue.schedule(t, Event::RequestArrived);
        }
        self.totals.arrived += 1;
        self.interval.requests.arrived += 1;
        // Drawn at arrival, whatever happens to the request, so that strategies
        // compared under one seed give request i the same service time.
        let service_nanos = self.service.sample(&mut self.service_rng);
        let Some(id) = self.balancer.pick(&self.instances) else {
            return self.reject();
        };
        let now = self.now;
        let instance = &mut self.instances[id as usize];
        if instance.busy < instance.workers {
            instance.set_busy(instance.busy + 1, now);
            self.queue.schedule(
                now + SimDuration(service_nanos),
                Event::RequestServed {
                    instance: id,
                    arrived_at: now,
                },
            );
        } else if self
            .config
            .service
            .queue_limit
            .is_none_or(|l| instance.queue.len() < l as usize)
        {
            instance.queue.push_back(Waiting {
                arrived_at: now,
                service_nanos,
            });
        } else {
            self.reject();
        }
    }

    fn reject(&mut self) {
        self.totals.rejected += 1;
        self.interval.requests.rejected += 1;
    }

    #[inline]
    fn on_request_served(&mut self, id: u32, arrived_at: SimTime) {
        let now = self.now;
        let instance = &mut self.instances[id as usize];
        if instance.state == InstanceState::Terminated {
            return; // already counted as interrupted when the instance stopped
        }
        if let Some(next) = instance.queue.pop_front() {
            self.queue.schedule(
                now + SimDuration(next.service_nanos),
                Event::RequestServed {
                    instance: id,
                    arrived_at: next.arrived_at,
                },
            );
        } else {
            instance.set_busy(instance.busy - 1, now);
        }
        let drained = instance.state == InstanceState::Draining && instance.outstanding() == 0;
        let latency = now.since(arrived_at).0;
        if latency > self.config.service.timeout.0 {
            self.totals.timed_out += 1;
            self.interval.requests.timed_out += 1;
        } else {
            self.totals.completed += 1;
            self.interval.requests.completed += 1;
            self.latency.record_nanos(latency);
            self.interval_latency.record_nanos(latency);
            if latency <= self.slo_nanos {
                self.within_slo += 1;
            }
        }
        if drained {
            // Deregistration completes as soon as the last in-flight request is done.
            self.terminate(id);
        }
    }

    // ----- instance lifecycle -----------------------------------------------------

    /// Launches an on-demand instance; it is billed from now.
    fn launch(&mut self) -> u32 {
        let id = self.instances.len() as u32;
        let instance = Instance::new(
            id,
            PurchaseOption::OnDemand,
            self.config.instance.price_per_hour,
            self.config.service.workers,
            self.now,
        );
        self.instances.push(instance);
        self.alive.push(id);
        self.launched += 1;
        id
    }

    /// Launches an instance that must boot and pass health checks first.
    fn launch_and_boot(&mut self) {
        let id = self.launch();
        let boot = self.boot.sample(&mut self.boot_rng);
        self.queue.schedule(
            self.now + SimDuration(boot),
            Event::InstanceBooted { instance: id },
        );
    }

    fn on_instance_booted(&mut self, id: u32) {
        let instance = &mut self.instances[id as usize];
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
        if self.instances[id as usize].state == InstanceState::Registering {
            self.become_healthy(id);
        }
    }

    fn become_healthy(&mut self, id: u32) {
        let instance = &mut self.instances[id as usize];
        instance.state = InstanceState::InService;
        instance.healthy_at = Some(self.now);
        self.balancer.register(id);
        self.change_in_service(1);
    }

    fn change_in_service(&mut self, delta: i32) {
        let elapsed = self.now.since(self.in_service_changed_at).0;
        self.in_service_area += u128::from(self.in_service) * u128::from(elapsed);
        self.in_service_changed_at = self.now;
        self.in_service = self
            .in_service
            .checked_add_signed(delta)
            .expect("in-service count >= 0");
        self.peak_in_service = self.peak_in_service.max(self.in_service);
        // The minimum is taken after the initial fleet is up (t = 0 counts from then).
        if self.now > SimTime::ZERO || delta < 0 {
            self.min_in_service = self.min_in_service.min(self.in_service);
        }
    }

    /// Takes an instance out of service for scale-in: deregistration first, then
    /// termination when its requests are done or the delay expires (aws-facts.md 3.2,
    /// 4.2). An instance that never received traffic stops at once.
    fn begin_draining(&mut self, id: u32) {
        let instance = &mut self.instances[id as usize];
        match instance.state {
            InstanceState::Booting | InstanceState::Registering => self.terminate(id),
            InstanceState::InService => {
                instance.state = InstanceState::Draining;
                let idle = instance.outstanding() == 0;
                self.balancer.deregister(id);
                self.change_in_service(-1);
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

    /// Stops an instance now: requests still on it are interrupted, billing ends.
    fn terminate(&mut self, id: u32) {
        let now = self.now;
        let instance = &mut self.instances[id as usize];
        if instance.state == InstanceState::InService {
            self.balancer.deregister(id);
            self.change_in_service(-1);
        }
        let instance = &mut self.instances[id as usize];
        let cut_off = u64::from(instance.outstanding());
        self.totals.interrupted += cut_off;
        self.interval.requests.interrupted += cut_off;
        self.retired_busy_area += u128::from(instance.busy_area_at(now));
        self.retired_capacity_area += u128::from(instance.capacity_area_at(now));
        instance.set_busy(0, now);
        instance.queue = Default::default();
        instance.state = InstanceState::Terminated;
        self.ledger
            .close_instance(&self.instances[id as usize], now);
        self.alive.retain(|&a| a != id);
        self.terminated += 1;
    }

    // ----- Auto Scaling -------------------------------------------------------------

    fn on_metric_tick(&mut self) {
        let now = self.now;
        let period = self.config.autoscaling.metric_period;
        self.queue.schedule(now + period, Event::MetricTick);
        let mut cpu_sum = 0.0;
        let mut sample = MetricSample::default();
        for &id in &self.alive {
            let instance = &mut self.instances[id as usize];
            let area = instance.busy_area_at(now);
            let delta = area - instance.metric_mark;
            instance.metric_mark = area;
            if !instance.is_active() {
                continue;
            }
            let warm = instance.state == InstanceState::InService
                && instance.warm_at.is_some_and(|w| w <= now);
            if warm {
                cpu_sum += delta as f64 / (f64::from(instance.workers) * period.0 as f64);
                sample.contributing += 1;
            } else {
                sample.warming += 1;
            }
        }
        if sample.contributing > 0 {
            sample.cpu = Some(100.0 * cpu_sum / f64::from(sample.contributing));
        }
        let targets = self.balancer.targets().len();
        if targets > 0 {
            sample.request_count_per_target =
                Some(self.balancer.routed_in_period as f64 / targets as f64);
        }
        self.balancer.routed_in_period = 0;
        if self.group.evaluate(&sample).is_some() {
            self.reconcile();
        }
    }

    /// Launches or drains instances until the active count equals desired capacity.
    fn reconcile(&mut self) {
        let active = self
            .alive
            .iter()
            .filter(|&&id| self.instances[id as usize].is_active())
            .count() as u32;
        let desired = self.group.desired;
        for _ in active..desired {
            self.launch_and_boot();
        }
        for _ in desired..active {
            let victim = self.choose_victim();
            self.begin_draining(victim);
        }
    }

    /// The default termination policy for a single Availability Zone and one launch
    /// template (aws-facts.md 3.6): the instance closest to its next billing hour.
    /// AWS breaks ties at random; simcloud takes the oldest, to stay reproducible
    /// without spending random numbers.
    fn choose_victim(&self) -> u32 {
        const HOUR: u64 = 3_600_000_000_000;
        self.alive
            .iter()
            .copied()
            .filter(|&id| self.instances[id as usize].is_active())
            .max_by_key(|&id| {
                let into_hour = self.now.since(self.instances[id as usize].launched_at).0 % HOUR;
                (into_hour, std::cmp::Reverse(id))
            })
            .expect("scale-in only happens with active instances above min >= 1")
    }

    // ----- reporting ----------------------------------------------------------------

    fn utilization_areas(&self) -> (u128, u128) {
        let mut busy = self.retired_busy_area;
        let mut capacity = self.retired_capacity_area;
        for &id in &self.alive {
            let instance = &self.instances[id as usize];
            busy += u128::from(instance.busy_area_at(self.now));
            capacity += u128::from(instance.capacity_area_at(self.now));
        }
        (busy, capacity)
    }

    fn accrued_cost(&self) -> (f64, f64) {
        let (mut on_demand, mut spot) = (self.ledger.retired_on_demand, self.ledger.retired_spot);
        for &id in &self.alive {
            let instance = &self.instances[id as usize];
            match instance.purchase {
                PurchaseOption::OnDemand => on_demand += CostLedger::accrued(instance, self.now),
                PurchaseOption::Spot => spot += CostLedger::accrued(instance, self.now),
            }
        }
        (on_demand, spot)
    }

    fn timeline_row(&mut self) -> TimelineRow {
        let (busy, capacity) = self.utilization_areas();
        let d_busy = busy - self.last_busy_area;
        let d_capacity = capacity - self.last_capacity_area;
        let mut row = TimelineRow {
            start_s: self.last_report_at.as_secs_f64(),
            end_s: self.now.as_secs_f64(),
            arrival_rate: round_to(self.rate.at(self.now.0.saturating_sub(1)), 3),
            arrivals: self.interval.requests.arrived,
            completions: self.interval.requests.completed,
            rejections: self.interval.requests.rejected,
            timeouts: self.interval.requests.timed_out,
            interruptions: self.interval.requests.interrupted,
            p50_ms: round_to(self.interval_latency.quantile_ms(0.5), 3),
            p99_ms: round_to(self.interval_latency.quantile_ms(0.99), 3),
            desired: self.group.desired,
            mean_cpu: if d_capacity == 0 {
                0.0
            } else {
                round_to(100.0 * d_busy as f64 / d_capacity as f64, 3)
            },
            ..TimelineRow::default()
        };
        for &id in &self.alive {
            let instance = &self.instances[id as usize];
            let spot = instance.purchase == PurchaseOption::Spot;
            let slot = match instance.state {
                InstanceState::Booting | InstanceState::Registering => {
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
                InstanceState::Terminated => unreachable!("alive"),
            };
            *slot += 1;
        }
        let (on_demand, spot) = self.accrued_cost();
        let lb = self
            .ledger
            .lb_cost(self.now.since(SimTime::ZERO), self.totals.arrived);
        row.cost_usd = round_to(on_demand + spot + lb, 6);
        row.cost_on_demand_usd = round_to(on_demand, 6);
        row.cost_spot_usd = round_to(spot, 6);
        row.cost_load_balancer_usd = round_to(lb, 6);
        self.last_report_at = self.now;
        self.last_busy_area = busy;
        self.last_capacity_area = capacity;
        self.interval = IntervalCounts::default();
        self.interval_latency.reset();
        row
    }

    fn finish(mut self) -> RunOutcome {
        let end = self.end;
        self.change_in_service(0);
        let (busy, capacity) = self.utilization_areas();
        let mut in_flight = 0;
        for id in std::mem::take(&mut self.alive) {
            let instance = &self.instances[id as usize];
            in_flight += u64::from(instance.outstanding());
            self.ledger.close_instance(instance, end);
        }
        self.totals.in_flight = in_flight;
        let duration = end.since(SimTime::ZERO);
        let lb_cost = self.ledger.lb_cost(duration, self.totals.arrived);
        let on_demand = self.ledger.retired_on_demand;
        let spot = self.ledger.retired_spot;
        let billed_secs = self.ledger.retired_billed_secs;
        let cost_items = self.ledger.finish(duration, self.totals.arrived);
        let slo = &self.config.slo;
        let slo_quantile_ms = self.latency.quantile_ms(slo.percentile / 100.0);
        let finished = self.totals.arrived - self.totals.in_flight;
        let h = &self.latency;
        let summary = Summary {
            scenario: self.config.name.clone(),
            seed: self.config.seed,
            simcloud_version: env!("CARGO_PKG_VERSION").to_string(),
            simulated_seconds: duration.as_secs_f64(),
            events: self.events,
            requests: self.totals,
            latency_ms: LatencySummary {
                mean: round_to(h.mean_ms(), 3),
                p50: round_to(h.quantile_ms(0.5), 3),
                p90: round_to(h.quantile_ms(0.9), 3),
                p99: round_to(h.quantile_ms(0.99), 3),
                p999: round_to(h.quantile_ms(0.999), 3),
                max: round_to(h.max_ms(), 3),
            },
            slo: SloSummary {
                latency_ms: slo.latency.as_secs_f64() * 1e3,
                percentile: slo.percentile,
                met: h.count() > 0 && slo_quantile_ms <= slo.latency.as_secs_f64() * 1e3,
                attainment: if finished == 0 {
                    1.0
                } else {
                    round_to(self.within_slo as f64 / finished as f64, 6)
                },
            },
            cost_usd: CostSummary {
                total: round_to(on_demand + spot + lb_cost, 6),
                on_demand: round_to(on_demand, 6),
                spot: round_to(spot, 6),
                reserved: 0.0,
                savings_plan: 0.0,
                load_balancer: round_to(lb_cost, 6),
            },
            instances: InstanceSummary {
                launched: self.launched,
                terminated: self.terminated,
                spot_interruptions: 0,
                peak_in_service: self.peak_in_service,
                mean_in_service: round_to(
                    self.in_service_area as f64 / duration.0.max(1) as f64,
                    3,
                ),
                min_in_service: self.min_in_service.min(self.in_service),
                instance_hours: round_to(billed_secs as f64 / 3600.0, 6),
            },
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
            latency: self.latency,
        }
    }
}
