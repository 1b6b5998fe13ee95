//! The `lambda` tier kind: an AWS Lambda function, called by another tier or, as the
//! entry tier, behind API Gateway. Requests never queue: each runs in an execution
//! environment of its own, or is throttled.
//!
//! The rules, with their sources in `reference/aws-facts.md`:
//! - One request at a time per environment; the function's concurrency is the number
//!   of busy environments (14.1).
//! - A request that finds no idle environment starts one: a cold start, whose init
//!   phase (the `init` distribution, capped at its 10 s limit, 6.1) runs before the
//!   invoke. Idle environments are reused most recently used first: AWS does not
//!   document its choice, and this order keeps the fewest environments warm, so a
//!   quiet spell lets the least recently used ones expire, which is what the
//!   measurements of idle lifetimes describe. An idle environment expires after
//!   `idle_lifetime` (not documented by AWS; 45-60 minutes measured by Yan Cui, 14.1;
//!   later informal reports say 5-15). A function timeout resets the environment
//!   (14.1): it is not reused.
//! - Memory sets the CPU share (1,769 MB ≈ 1 vCPU, 14.3). `service.time` is given at
//!   `reference_memory_mb`; its `cpu_bound_share` scales with the CPU share, the rest
//!   does not. The handler is taken to use one thread, so memory beyond 1,769 MB does
//!   not speed it up (14.3: "up to the number of threads the code can use").
//! - Concurrency (6.1, 14.5): at most the reserved concurrency, else the account's
//!   limit (default 1,000; the function is the only one using the unreserved pool);
//!   new environments at most 1,000 per 10 s (a token bucket, `bucket`). A request
//!   beyond either is throttled: 429, counted in `requests.rejected` and in the
//!   summary's `lambda.throttles`.
//! - Provisioned concurrency (14.4, 14.5): environments initialised at t = 0 that never
//!   expire; requests use them first and spill over to on-demand environments.
//! - The function timeout (at most 900 s, 6.1) ends an invoke with an error: counted
//!   `timed_out` and answered as a timeout.
//! - Calls to other tiers (`[[tiers.<name>.calls]]`), as an `ec2` tier makes them:
//!   after its own work the invocation makes them one after the other, and the
//!   environment stays busy, and billed, while it waits (Lambda bills the duration,
//!   waiting included, 6.1). A called tier's error ends the invocation with the same
//!   error; the function timeout counts the waiting too, and ends the invocation (the
//!   answer of the call in progress is then dropped).
//! - API Gateway (13.2, 13.3): a token bucket in front (429 when empty, counted
//!   `rejected`), and the integration timeout, after which the client gets a 504 while
//!   the function runs on (and is billed) to its end.
//! - Or an ALB in front (13.4): it "waits until your Lambda function responds or times
//!   out", so the function's own timeout is the only one; the client gets a 502 for a
//!   function error or timeout (4.6), counted `timed_out` as through API Gateway, and
//!   for a throttle, counted `rejected`.
//!
//! The bill is `billing::serverless`. The timeline row maps environments onto the
//! instance columns: `pending_on_demand` environments in their init phase,
//! `in_service_on_demand` environments invoking, `warm_pool` idle environments (warm
//! and waiting, as a warm pool's instances are), `mean_cpu` the share of environment
//! time (busy and idle) spent busy; the other instance columns stay 0, and the whole
//! bill so far is in `cost_usd` (an invocation counted when it ends; there is no
//! column for the bill's new parts).
//!
//! Not modelled: SnapStart, asynchronous invocation, provisioned
//! concurrency's own scaling, and the 10 s init limit's retry (a longer draw is cut).

mod bucket;

use super::billing::alb::{AlbPrices, AlbTargets};
use super::billing::serverless::ServerlessBill;
use super::calls::{Answer, Caller, Calls, Message, Pending};
use super::config::{Config, LambdaConfig, SloConfig, TierConfig};
use super::dist::DurationSampler;
use super::event::Event;
use super::metrics::Metrics;
use super::outcome::*;
use super::serving::answer;
use super::sim::{Ctx, Service};
use crate::engine::{RngStreams, SimDuration, SimRng, SimTime, TimeIntegral};
use bucket::TokenBucket;
use std::collections::VecDeque;

/// 1,769 MB of memory is one vCPU (aws-facts.md 14.3).
const MB_PER_VCPU: f64 = 1769.0;
/// The init phase's limit (aws-facts.md 6.1).
const INIT_LIMIT: SimDuration = SimDuration::from_secs(10);
/// New environments per function: 1,000 per 10 s (aws-facts.md 6.1).
const SCALING_BURST: f64 = 1000.0;
const SCALING_PER_SEC: f64 = 100.0;

/// How much longer (or shorter) a request runs at `memory_mb` than at
/// `reference_memory_mb`: the CPU-bound share scales with the inverse of the CPU
/// share, capped at one vCPU for a single-threaded handler (aws-facts.md 14.3).
pub(super) fn duration_factor(function: &LambdaConfig) -> f64 {
    let cpu = |mb: u32| (f64::from(mb) / MB_PER_VCPU).min(1.0);
    let s = function.cpu_bound_share;
    (1.0 - s) + s * cpu(function.reference_memory_mb) / cpu(function.memory_mb)
}

/// The request an environment is running.
#[derive(Clone, Copy, Debug)]
struct Invocation {
    arrived_at: SimTime,
    caller: Caller,
    /// When its invoke phase starts (after the init phase of a cold start).
    invoke_at: SimTime,
    /// It runs into the function timeout.
    fails: bool,
    /// Already answered (504 by API Gateway's integration timeout).
    answered: bool,
    /// Its slot in `calls.pending` while it waits on its calls.
    calling: Option<u32>,
}

struct Environment {
    provisioned: bool,
    /// Counts the environment's invocations, to tell an old timeout from a new one.
    invocation: u32,
    current: Option<Invocation>,
}

/// API Gateway in front of the function.
struct Gateway {
    bucket: TokenBucket,
    integration_timeout: SimDuration,
}

/// One function (`kind = "lambda"`): its environments, its throttles, its bill.
pub(super) struct LambdaTier<'a> {
    config: &'a TierConfig,
    function: &'a LambdaConfig,
    gateway: Option<Gateway>,
    /// The calls each invocation makes, and the invocations waiting on them.
    calls: Calls,
    /// The tiers it calls, and the environments gone since the last event, whose
    /// connections there (a database's pool) are let go with the next event.
    targets: Vec<u8>,
    stopped: Vec<u32>,
    environments: Vec<Environment>,
    /// Indexes of environments that expired or were reset, for reuse.
    gone: Vec<u32>,
    /// Idle on-demand environments with the time each became idle, most recently used
    /// last (reused from the back, expired from the front).
    idle: VecDeque<(u32, SimTime)>,
    idle_provisioned: Vec<u32>,
    /// Environments busy (initialising or invoking) and alive.
    busy: u32,
    alive: u32,
    busy_time: TimeIntegral,
    alive_time: TimeIntegral,
    scaling: TokenBucket,
    service: DurationSampler,
    service_rng: SimRng,
    init: DurationSampler,
    init_rng: SimRng,
    factor: f64,
    metrics: Metrics,
    bill: ServerlessBill,
    summary: LambdaSummary,
    // Marks at the previous timeline row.
    last_report_at: SimTime,
    last_busy_area: u128,
    last_alive_area: u128,
}

impl<'a> LambdaTier<'a> {
    pub(super) fn new(
        config: &'a TierConfig,
        index: u8,
        streams: &RngStreams,
        _end: SimTime,
        slo: &SloConfig,
        // A function runs in no one zone of the run: Lambda keeps it available across
        // the Region's zones, so an outage does not touch it (aws-facts.md 6.1).
        _run: &'a Config,
    ) -> Self {
        let function = config
            .lambda
            .as_ref()
            .expect("a lambda tier has its function");
        let gateway = function.api_gateway.as_ref().map(|g| Gateway {
            bucket: TokenBucket::new(f64::from(g.burst), g.rate),
            integration_timeout: g.integration_timeout,
        });
        let calls = Calls::for_tier(index, &config.calls);
        // No completed request takes longer than the init limit and the timeout.
        let longest = INIT_LIMIT + function.timeout;
        LambdaTier {
            config,
            function,
            gateway,
            targets: calls.targets(),
            calls,
            stopped: Vec::new(),
            environments: Vec::new(),
            gone: Vec::new(),
            idle: VecDeque::new(),
            idle_provisioned: Vec::new(),
            busy: 0,
            alive: 0,
            busy_time: TimeIntegral::default(),
            alive_time: TimeIntegral::default(),
            scaling: TokenBucket::new(SCALING_BURST, SCALING_PER_SEC),
            service: DurationSampler::new(&config.service.time),
            service_rng: streams.stream("service"),
            init: DurationSampler::new(&function.init),
            init_rng: streams.stream("init"),
            factor: duration_factor(function),
            metrics: Metrics::new(longest, slo),
            bill: ServerlessBill::new(
                function,
                &config.name,
                function
                    .alb
                    .then(|| AlbPrices::new(&config.load_balancer, AlbTargets::Lambda)),
            ),
            summary: LambdaSummary::default(),
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
            last_alive_area: 0,
        }
    }

    fn set_busy(&mut self, now: SimTime, busy: u32) {
        self.busy_time.advance(now, u64::from(self.busy));
        self.busy = busy;
        self.summary.peak_concurrency = self.summary.peak_concurrency.max(busy);
    }

    fn set_alive(&mut self, now: SimTime, alive: u32) {
        self.alive_time.advance(now, u64::from(self.alive));
        self.alive = alive;
    }

    /// A new environment (it is initialising or provisioned).
    fn create(&mut self, now: SimTime, provisioned: bool) -> u32 {
        self.summary.environments_created += 1;
        self.set_alive(now, self.alive + 1);
        let environment = Environment {
            provisioned,
            invocation: 0,
            current: None,
        };
        match self.gone.pop() {
            Some(id) => {
                self.environments[id as usize] = environment;
                id
            }
            None => {
                self.environments.push(environment);
                (self.environments.len() - 1) as u32
            }
        }
    }

    fn remove(&mut self, now: SimTime, id: u32) {
        self.set_alive(now, self.alive - 1);
        self.gone.push(id);
        if !self.targets.is_empty() {
            self.stopped.push(id);
        }
    }

    /// Each environment gone lets go of what it held at the tiers it calls (its own
    /// database connections: every environment opens its own). Expiry is found
    /// lazily, so this comes with the tier's next event.
    fn let_go(&mut self, ctx: &mut Ctx<'_>) {
        for instance in self.stopped.drain(..) {
            for &to in &self.targets {
                ctx.outbox.push(Message::CallerStopped {
                    to,
                    tier: ctx.tier,
                    instance,
                });
            }
        }
    }

    /// Idle environments whose idle lifetime has passed are gone: they are the least
    /// recently used, at the front.
    fn expire(&mut self, now: SimTime) {
        while let Some(&(id, since)) = self.idle.front() {
            if since + self.function.idle_lifetime > now {
                break;
            }
            self.idle.pop_front();
            self.remove(now, id);
        }
    }

    /// Ends the invocation of `environment` now with `outcome`: billed to now, counted
    /// and answered (unless API Gateway has answered already), and the environment
    /// idle again, or reset after a function timeout (aws-facts.md 14.1).
    fn end_invocation(&mut self, ctx: &mut Ctx<'_>, environment: u32, outcome: Answer) {
        let now = ctx.now;
        let env = &mut self.environments[environment as usize];
        let provisioned = env.provisioned;
        let invocation = env.current.take().expect("an ending invocation runs");
        self.bill_run(provisioned, &invocation, now);
        self.set_busy(now, self.busy - 1);
        self.metrics.queueing.in_system_changed(now, -1);
        if !invocation.answered {
            match outcome {
                Answer::Ok => self.metrics.completed(now.since(invocation.arrived_at).0),
                Answer::Rejected => self.metrics.rejected(),
                Answer::TimedOut => self.metrics.timed_out(1),
                Answer::Interrupted => self.metrics.interrupted(1),
                Answer::Failed => self.metrics.failed(),
            }
            answer(ctx, invocation.caller, outcome);
        }
        match (provisioned, invocation.fails) {
            // A provisioned environment is initialised again at once (its init is
            // under the configured charge).
            (true, _) => self.idle_provisioned.push(environment),
            // A timeout resets the environment (aws-facts.md 14.1).
            (false, true) => self.remove(now, environment),
            (false, false) => self.idle.push_back((environment, now)),
        }
    }

    /// Refuses a request with 429 (the caller hears a rejection).
    fn throttle(&mut self, ctx: &mut Ctx<'_>, caller: Caller, by_gateway: bool) {
        match by_gateway {
            true => self.summary.api_gateway_throttles += 1,
            false => self.summary.throttles += 1,
        }
        self.metrics.rejected();
        answer(ctx, caller, Answer::Rejected);
    }

    /// An environment for a request now: a provisioned one, the most recently used
    /// idle one, or a new one if the scaling rate allows; and whether it is cold.
    fn environment(&mut self, ctx: &mut Ctx<'_>) -> Option<(u32, bool)> {
        let now = ctx.now;
        if let Some(id) = self.idle_provisioned.pop() {
            return Some((id, false));
        }
        self.expire(now);
        // Before an expired environment's index is reused.
        self.let_go(ctx);
        if let Some((id, _)) = self.idle.pop_back() {
            return Some((id, false));
        }
        self.scaling
            .take(now)
            .then(|| (self.create(now, false), true))
    }

    /// Bills an invocation that ran from its arrival until `until`: a cold one's init
    /// is billed with its invoke (aws-facts.md 14.2); a provisioned environment was
    /// initialised ahead, under its configured charge.
    fn bill_run(&mut self, provisioned: bool, invocation: &Invocation, until: SimTime) {
        self.bill
            .ran(until.since(invocation.arrived_at), provisioned);
    }
}

impl Service for LambdaTier<'_> {
    /// Provisioned environments are ready at t = 0.
    fn start(&mut self, _ctx: &mut Ctx<'_>) {
        for _ in 0..self.function.provisioned_concurrency {
            let id = self.create(SimTime::ZERO, true);
            self.idle_provisioned.push(id);
        }
    }

    // Never inlined: the loop inlines the ec2 kind's request path, and a second kind's
    // code inlined beside it made the single-tier ec2 model slower (spike.toml 0.35 s
    // -> 0.40 s user time).
    #[inline(never)]
    fn on_request(&mut self, ctx: &mut Ctx<'_>, caller: Caller) {
        self.let_go(ctx);
        let now = ctx.now;
        self.metrics.arrived();
        // Drawn at arrival, whatever happens to the request, so that strategies
        // compared under one seed see the same requests.
        let run = self.service.sample(&mut self.service_rng) as f64 * self.factor;
        let run = SimDuration(run.round() as u64);
        let init = SimDuration(self.init.sample(&mut self.init_rng)).min(INIT_LIMIT);
        if let Some(gateway) = &mut self.gateway {
            if !gateway.bucket.take(now) {
                return self.throttle(ctx, caller, true);
            }
            self.bill.api_requests += 1;
        }
        // An ALB in front processes every request (it does not throttle).
        if self.function.alb {
            self.bill.alb_requests += 1;
        }
        if self.busy >= self.function.concurrency_limit() {
            return self.throttle(ctx, caller, false);
        }
        let Some((id, cold)) = self.environment(ctx) else {
            return self.throttle(ctx, caller, false);
        };
        self.bill.invocations += 1;
        if cold {
            self.summary.cold_starts += 1;
        }
        self.set_busy(now, self.busy + 1);
        self.metrics.queueing.in_system_changed(now, 1);
        self.metrics.queueing.service_started(0);
        let invoke_at = now + if cold { init } else { SimDuration::ZERO };
        let fails = run > self.function.timeout;
        let ends_at = invoke_at + run.min(self.function.timeout);
        let environment = &mut self.environments[id as usize];
        environment.invocation = environment.invocation.wrapping_add(1);
        environment.current = Some(Invocation {
            arrived_at: now,
            caller,
            invoke_at,
            fails,
            answered: false,
            calling: None,
        });
        let tier = ctx.tier;
        if let Some(gateway) = &self.gateway {
            let deadline = now + gateway.integration_timeout;
            if ends_at > deadline {
                let event = Event::IntegrationTimedOut {
                    tier,
                    environment: id,
                    invocation: environment.invocation,
                };
                ctx.queue.schedule(deadline, event);
            }
        }
        let event = Event::InvocationEnded {
            tier,
            environment: id,
        };
        ctx.queue.schedule(ends_at, event);
    }

    /// A call of the invocation waiting in `slot` has ended: the next call goes out,
    /// or the invocation ends (with the first error, if any).
    fn on_answer(&mut self, ctx: &mut Ctx<'_>, slot: u32, answer_: Answer) {
        self.let_go(ctx);
        let pending = self.calls.pending.get_mut(slot);
        if pending.timed_out {
            // The invocation ended at its function timeout; this answer is dropped.
            self.calls.pending.remove(slot);
            return;
        }
        if answer_ == Answer::Ok {
            pending.made += 1;
            let (made, environment) = (pending.made, pending.instance);
            if let Some(to) = self.calls.target(made) {
                let me = self.calls.caller_of(slot, environment, made, None);
                ctx.outbox.push(Message::Call { to, caller: me });
                return;
            }
        }
        let environment = self.calls.pending.remove(slot).instance;
        self.end_invocation(ctx, environment, answer_);
    }

    #[inline(never)]
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event) {
        self.let_go(ctx);
        match event {
            Event::InvocationEnded { environment, .. } => {
                let env = &mut self.environments[environment as usize];
                let invocation = env.current.as_mut().expect("an ending invocation runs");
                let Some(to) = self.calls.target(0).filter(|_| !invocation.fails) else {
                    let outcome = match invocation.fails {
                        true => Answer::TimedOut,
                        false => Answer::Ok,
                    };
                    return self.end_invocation(ctx, environment, outcome);
                };
                // Its own work is done: the calls, under the function timeout.
                let (slot, _) = self.calls.pending.insert(Pending {
                    instance: environment,
                    arrived_at: invocation.arrived_at,
                    caller: invocation.caller,
                    made: 0,
                    timed_out: false,
                });
                invocation.calling = Some(slot);
                let event = Event::FunctionTimedOut {
                    tier: ctx.tier,
                    environment,
                    invocation: env.invocation,
                };
                ctx.queue
                    .schedule(invocation.invoke_at + self.function.timeout, event);
                let me = self.calls.caller_of(slot, environment, 0, None);
                ctx.outbox.push(Message::Call { to, caller: me });
            }
            Event::FunctionTimedOut {
                environment,
                invocation,
                ..
            } => {
                let env = &mut self.environments[environment as usize];
                if env.invocation != invocation {
                    return;
                }
                let Some(slot) = env.current.as_mut().and_then(|i| i.calling.take()) else {
                    return; // it ended before its timeout
                };
                self.calls.pending.get_mut(slot).timed_out = true;
                if let Some(running) = env.current.as_mut() {
                    running.fails = true;
                }
                self.end_invocation(ctx, environment, Answer::TimedOut);
            }
            Event::IntegrationTimedOut {
                environment,
                invocation,
                ..
            } => {
                let env = &mut self.environments[environment as usize];
                if env.invocation != invocation {
                    return;
                }
                if let Some(running) = env.current.as_mut().filter(|r| !r.answered) {
                    running.answered = true;
                    let caller = running.caller;
                    self.metrics.timed_out(1);
                    answer(ctx, caller, Answer::TimedOut);
                }
            }
            other => unreachable!("not a lambda tier's event: {other:?}"),
        }
    }

    fn timeline_row(&mut self, now: SimTime) -> TimelineRow {
        self.expire(now);
        let busy = self.busy_time.at(now, u64::from(self.busy));
        let alive = self.alive_time.at(now, u64::from(self.alive));
        let (d_busy, d_alive) = (busy - self.last_busy_area, alive - self.last_alive_area);
        let initialising = self
            .environments
            .iter()
            .filter_map(|e| e.current)
            .filter(|i| i.invoke_at > now)
            .count() as u32;
        let mut row = TimelineRow {
            start_s: self.last_report_at.as_secs_f64(),
            end_s: now.as_secs_f64(),
            pending_on_demand: initialising,
            in_service_on_demand: self.busy - initialising,
            warm_pool: self.alive - self.busy,
            mean_cpu: match d_alive {
                0 => 0.0,
                _ => round_to(100.0 * d_busy as f64 / d_alive as f64, 3),
            },
            ..self.metrics.take_interval()
        };
        // The bill so far: an invocation is billed when it ends.
        row.cost_usd = round_to(self.bill.cost(now.since(SimTime::ZERO)).total(), 6);
        self.last_report_at = now;
        self.last_busy_area = busy;
        self.last_alive_area = alive;
        row
    }

    fn drain_bill(&mut self) -> Vec<CostItem> {
        Vec::new()
    }

    /// Closes the tier: invocations still running are billed up to the end and
    /// counted in flight.
    fn finish(mut self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics) {
        let mut in_flight = 0;
        for i in 0..self.environments.len() {
            let env = &self.environments[i];
            if let Some(invocation) = env.current {
                let provisioned = env.provisioned;
                self.bill_run(provisioned, &invocation, end);
                in_flight += u64::from(!invocation.answered);
            }
        }
        self.metrics.totals.in_flight = in_flight;
        let elapsed = end.since(SimTime::ZERO);
        let cost = self.bill.cost(elapsed);
        let mut lambda = self.summary;
        lambda.cold_start_share = match self.bill.invocations {
            0 => 0.0,
            n => round_to(lambda.cold_starts as f64 / n as f64, 6),
        };
        lambda.gb_seconds = round_to(cost.gb_seconds, 3);
        let busy = self.busy_time.at(end, u64::from(self.busy));
        lambda.mean_concurrency = round_to(busy as f64 / elapsed.0.max(1) as f64, 3);
        let alive = self.alive_time.at(end, u64::from(self.alive));
        let summary = TierSummary {
            name: self.config.name.clone(),
            kind: self.config.kind.word().to_string(),
            requests: self.metrics.totals,
            latency_ms: self.metrics.latency_summary(),
            cost_usd: cost.summary(),
            commitments: CommitmentSummary::default(),
            instances: InstanceSummary::default(),
            utilization: UtilizationSummary {
                mean_cpu: match alive {
                    0 => 0.0,
                    _ => round_to(100.0 * busy as f64 / alive as f64, 3),
                },
            },
            queueing: self.metrics.queueing.summary(end),
            batch: None,
            emr: None,
            lambda: Some(lambda),
            rds: None,
            container_instances: None,
            deployments: Vec::new(),
            queue: None,
        };
        let items = self.bill.items(elapsed);
        (summary, items, self.metrics)
    }
}
