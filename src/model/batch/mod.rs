//! The `batch` tier kind: an AWS Batch managed compute environment and the job
//! queues that share it (issue 16). Jobs are submitted, wait RUNNABLE, are placed on
//! the environment's instances by vCPUs and memory, run, and succeed or fail; the
//! environment launches instances when jobs wait and scales in those left idle.
//!
//! The rules, with their sources in `reference/aws-facts.md`:
//! - Queues (18.2): the queue of higher `priority` is served first, each FIFO. A job
//!   is placed on the instance it fits most tightly (fewest vCPUs left over, then the
//!   oldest instance), as ECS's binpack does for Batch; a queue's jobs all have one
//!   size, so a queue whose first job fits nowhere waits, and the next queue is tried
//!   (a lower-priority job may use room a higher-priority one cannot).
//! - Scale-up (18.1): when jobs wait and the instances still booting cannot hold them,
//!   the environment launches instances of the type its allocation strategy chooses
//!   (`allocation/`, one file per strategy), until the waiting jobs fit or `maxvCpus`
//!   is reached; every strategy but BEST_FIT on `EC2` may exceed it by one instance.
//!   An instance takes jobs `launch_time` after the decision (a stated assumption,
//!   `scenario::default::BATCH_LAUNCH_TIME`).
//! - Scale-down (18.1): an instance with no job for `idle_timeout` is terminated
//!   unless that would take the environment below `minvCpus`; `desiredvCpus` are
//!   launched at the start.
//! - Spot (2.2, 18.1): a `SPOT` environment's instances are the spot model's pools
//!   (`spot::SpotMarket`, one per type): prices, the bid (`bidPercentage`, a pool priced
//!   above it is not launched in) and interruptions with the two-minute notice. At the
//!   notice the instance takes no new job (and stops counting as capacity, so a job
//!   waiting for it gets a replacement); its jobs run on until the instance is
//!   reclaimed, when each attempt ends: the work since its last checkpoint is lost, and
//!   the job is retried (back to the front of its queue) while it has attempts left
//!   (18.4). Rebalance recommendations and capacity events are not acted on (Batch
//!   does not).
//! - An attempt after the first spends `restart_cost` before it progresses (reloading
//!   the checkpoint); checkpoints are taken every `checkpoint` of progress, at no cost.
//!   An attempt that runs to its end fails with `failure_probability` (a non-zero
//!   exit), retried only when `retry_on = "any"` (no `evaluateOnExit`, 18.4).
//! - Billing (1.1, 2.2, 18.5): Batch adds no charge; the instances are billed per
//!   second by the EC2 ledger (`billing::CostLedger`), on-demand or spot at the price
//!   in effect with the first-hour refund of an interrupted instance, from the launch
//!   decision to termination: the bill's `on_demand` and `spot` parts.
//!
//! Each job's work is drawn at submission from its queue's stream, so that strategies
//! compared under one seed run the same jobs. The timeline row maps the environment
//! onto the instance columns (`pending_*` booting, `in_service_*` taking jobs,
//! `draining_*` noticed spot instances, `desired` the instances' vCPUs, `mean_cpu`
//! the share of those vCPUs held by jobs, `arrivals` jobs submitted, `completions`
//! jobs succeeded, `failed` jobs failed, `interruptions` attempts cut off) and adds
//! the jobs' own columns (`JobColumns`).
//!
//! Not modelled: Fargate compute environments, several compute environments per
//! queue, job dependencies, fair-share scheduling, multi-node jobs, zones (every
//! instance is in the first zone), capacity shortages.

mod allocation;
mod emr;

use super::billing::{BilledType, CostLedger};
use super::calls::{Caller, Slab};
use super::config::{
    BatchConfig, ComputeType, Config, Deadline, JobSource, RetryOn, SloConfig, SpotConfig,
    TierConfig,
};
use super::dist::DurationSampler;
use super::event::Event;
use super::instance::{Instance, PurchaseOption};
use super::metrics::Metrics;
use super::outcome::*;
use super::sim::{Ctx, Service};
use super::spot::SpotMarket;
use super::traffic::ArrivalProcess;
use crate::engine::{RngStreams, SimDuration, SimRng, SimTime, TimeIntegral};
use allocation::{LaunchView, policy};
use rand::Rng;
use std::collections::VecDeque;

/// An instance of the compute environment.
struct Host {
    /// The billing record (its id is its index in `BatchTier::hosts`).
    instance: Instance,
    vcpu: u32,
    memory_mib: u64,
    free_vcpus: u32,
    free_memory_mib: u64,
    /// Booted and registered: it takes jobs.
    ready: bool,
    /// Its spot interruption notice has come: it takes no new job.
    noticed: bool,
    terminated: bool,
    /// The jobs running on it.
    running: Vec<u32>,
    /// Bumped whenever it becomes idle, so that an older idle timer is ignored.
    idle_generation: u32,
}

impl Host {
    fn live(&self) -> bool {
        !self.terminated
    }

    /// Booting and not noticed: capacity on its way.
    fn coming(&self) -> bool {
        !self.terminated && !self.ready && !self.noticed
    }

    fn takes_jobs(&self) -> bool {
        !self.terminated && self.ready && !self.noticed
    }
}

/// A job from its submission to its end.
struct Job {
    queue: u8,
    submitted_at: SimTime,
    /// Its whole work, and the part saved by checkpoints, in nanoseconds.
    work: u64,
    saved: u64,
    /// Attempts started.
    attempts: u32,
    deadline: Option<SimTime>,
    attempt: Option<Attempt>,
}

impl Job {
    /// A job submitted at `now`, RUNNABLE, with nothing saved.
    fn new(queue: u8, now: SimTime, work: u64, deadline: Option<SimTime>) -> Job {
        Job {
            queue,
            submitted_at: now,
            work,
            saved: 0,
            attempts: 0,
            deadline,
            attempt: None,
        }
    }
}

/// A job's attempt on a host.
#[derive(Clone, Copy)]
struct Attempt {
    host: u32,
    started_at: SimTime,
    /// Time spent restarting before progress (nanoseconds).
    restart: u64,
    /// Names the attempt in its `JobAttemptEnded` event.
    token: u32,
}

pub(super) struct BatchTier<'a> {
    config: &'a TierConfig,
    batch: &'a BatchConfig,
    spot: &'a SpotConfig,
    market: SpotMarket,
    ledger: CostLedger,
    hosts: Vec<Host>,
    jobs: Slab<Job>,
    /// RUNNABLE jobs of each queue, in order.
    waiting: Vec<VecDeque<u32>>,
    arrivals: Vec<Option<ArrivalProcess>>,
    work: Vec<DurationSampler>,
    work_rngs: Vec<SimRng>,
    failure_rng: SimRng,
    next_token: u32,
    metrics: Metrics,
    summary: BatchSummary,
    /// The first submission and the last end of a job.
    first_submitted: Option<SimTime>,
    last_ended: Option<SimTime>,
    deadline_jobs: u64,
    queue_wait_nanos: u128,
    first_starts: u64,
    /// Running vCPUs, instance vCPUs now, and their integrals (`mean_cpu`).
    vcpus_running: u64,
    vcpus_instances: u64,
    running_area: TimeIntegral,
    instances_area: TimeIntegral,
    last_areas: (u128, u128),
    in_service: u64,
    in_service_area: TimeIntegral,
    peak_in_service: u32,
    /// Fleet events and job ends of the current interval.
    interval: IntervalCounts,
    last_report_at: SimTime,
    /// The cluster of an `emr` tier (`emr.rs`), which replaces the compute
    /// environment's scaling.
    emr: Option<emr::Cluster<'a>>,
}

#[derive(Default)]
struct IntervalCounts {
    interrupted: u64,
    launched: u64,
    terminated: u64,
    noticed: u64,
    succeeded: u64,
    failed: u64,
}

impl<'a> BatchTier<'a> {
    pub(super) fn new(
        config: &'a TierConfig,
        _index: u8,
        streams: &RngStreams,
        end: SimTime,
        slo: &SloConfig,
        _run: &'a Config,
    ) -> Self {
        let batch = config
            .batch
            .as_ref()
            .expect("a batch tier has its environment");
        let types: Vec<BilledType> = batch
            .types
            .iter()
            .map(|t| BilledType {
                name: t.name.clone(),
                on_demand_price: t.price_per_hour,
            })
            .collect();
        // The environment's types are its spot pools, in the first zone.
        let market = SpotMarket::new(
            &config.purchase,
            &config.spot,
            streams,
            end,
            |name| {
                batch
                    .types
                    .iter()
                    .position(|t| t.name == name)
                    .expect("a pool is a type")
            },
            |name| {
                batch
                    .types
                    .iter()
                    .find(|t| t.name == name)
                    .map_or(0.0, |t| t.price_per_hour)
            },
            1,
        );
        let arrivals = batch
            .queues
            .iter()
            .map(|q| match &q.jobs.source {
                JobSource::Arrivals(traffic) => Some(ArrivalProcess::new(
                    traffic,
                    streams.stream(&format!("jobs/{}", q.name)),
                    end,
                )),
                _ => None,
            })
            .collect();
        BatchTier {
            config,
            batch,
            spot: &config.spot,
            market,
            ledger: CostLedger::new(types, config),
            hosts: Vec::new(),
            jobs: Slab::default(),
            waiting: vec![VecDeque::new(); batch.queues.len()],
            arrivals,
            work: batch
                .queues
                .iter()
                .map(|q| DurationSampler::new(&q.jobs.run_time))
                .collect(),
            work_rngs: batch
                .queues
                .iter()
                .map(|q| streams.stream(&format!("job-work/{}", q.name)))
                .collect(),
            failure_rng: streams.stream("job-failures"),
            next_token: 0,
            metrics: Metrics::new(end.since(SimTime::ZERO), slo),
            summary: BatchSummary::default(),
            first_submitted: None,
            last_ended: None,
            deadline_jobs: 0,
            queue_wait_nanos: 0,
            first_starts: 0,
            vcpus_running: 0,
            vcpus_instances: 0,
            running_area: TimeIntegral::default(),
            instances_area: TimeIntegral::default(),
            last_areas: (0, 0),
            in_service: 0,
            in_service_area: TimeIntegral::default(),
            peak_in_service: 0,
            interval: IntervalCounts::default(),
            last_report_at: SimTime::ZERO,
            emr: config
                .emr
                .as_ref()
                .map(|e| emr::Cluster::new(e, &config.name)),
        }
    }

    // ----- jobs ---------------------------------------------------------------------

    /// `count` jobs enter queue `queue` together (an array's children, or one
    /// arrival): for an `emr` tier, one step.
    fn submit_step(&mut self, now: SimTime, queue: usize, count: u32) {
        let slots: Vec<u32> = (0..count).map(|_| self.submit(now, queue)).collect();
        self.emr_step_submitted(&slots);
    }

    /// A job enters queue `queue` (RUNNABLE: no dependencies are modelled).
    fn submit(&mut self, now: SimTime, queue: usize) -> u32 {
        let spec = &self.batch.queues[queue].jobs;
        let work = self.work[queue].sample(&mut self.work_rngs[queue]).max(1);
        let deadline = spec.deadline.map(|d| match d {
            Deadline::AfterSubmission(after) => now + after,
            Deadline::At(at) => SimTime::ZERO + at,
        });
        self.deadline_jobs += u64::from(deadline.is_some());
        let (slot, _) = self.jobs.insert(Job::new(queue as u8, now, work, deadline));
        self.waiting[queue].push_back(slot);
        self.metrics.arrived();
        self.summary.jobs_submitted += 1;
        self.first_submitted.get_or_insert(now);
        slot
    }

    /// Starts the next attempt of `slot` on `host`.
    fn start_attempt(&mut self, ctx: &mut Ctx<'_>, slot: u32, host: u32) {
        let now = ctx.now;
        let token = self.next_token;
        self.next_token = self.next_token.wrapping_add(1);
        let job = self.jobs.get_mut(slot);
        let spec = &self.batch.queues[usize::from(job.queue)].jobs;
        if job.attempts == 0 && !self.emr.as_ref().is_some_and(|e| e.is_rerun(slot)) {
            self.queue_wait_nanos += u128::from(now.since(job.submitted_at).0);
            self.first_starts += 1;
        }
        job.attempts += 1;
        let restart = match job.attempts {
            1 => 0,
            _ => spec.restart_cost.0,
        };
        job.attempt = Some(Attempt {
            host,
            started_at: now,
            restart,
            token,
        });
        let ends = now + SimDuration(restart + (job.work - job.saved));
        let h = &mut self.hosts[host as usize];
        h.free_vcpus -= spec.vcpus;
        h.free_memory_mib -= memory_mib(spec.memory_gib);
        h.running.push(slot);
        self.vcpus_running_changed(now, i64::from(spec.vcpus));
        ctx.queue.schedule(
            ends,
            Event::JobAttemptEnded {
                tier: ctx.tier,
                job: slot,
                generation: token,
            },
        );
    }

    /// The attempt of `slot` leaves its host: frees the room, and starts the host's
    /// idle timer when it was the last job.
    fn leave_host(&mut self, ctx: &mut Ctx<'_>, slot: u32, host: u32) {
        let job = self.jobs.get(slot);
        let spec = &self.batch.queues[usize::from(job.queue)].jobs;
        let h = &mut self.hosts[host as usize];
        h.free_vcpus += spec.vcpus;
        h.free_memory_mib += memory_mib(spec.memory_gib);
        let at = h
            .running
            .iter()
            .position(|&s| s == slot)
            .expect("the job runs here");
        h.running.swap_remove(at);
        self.vcpus_running_changed(ctx.now, -i64::from(spec.vcpus));
        self.idle_if_empty(ctx, host);
    }

    /// An attempt ran to its end: the job succeeds, or fails (a non-zero exit) and is
    /// retried or given up.
    fn attempt_ended(&mut self, ctx: &mut Ctx<'_>, slot: u32) {
        let attempt = self.jobs.get_mut(slot).attempt.take().expect("running");
        self.leave_host(ctx, slot, attempt.host);
        let job = self.jobs.get(slot);
        let spec = &self.batch.queues[usize::from(job.queue)].jobs;
        // Always drawn, so that the stream does not depend on the probability.
        let exit_failed = self.failure_rng.random::<f64>() < spec.failure_probability;
        if !exit_failed {
            let counted = self.emr_container_succeeded(slot, attempt.host, ctx.now);
            let job = self.jobs.remove(slot);
            self.last_ended = Some(ctx.now);
            if !counted {
                return;
            }
            self.metrics.completed(ctx.now.since(job.submitted_at).0);
            self.summary.jobs_succeeded += 1;
            self.interval.succeeded += 1;
            if job.deadline.is_some_and(|d| ctx.now > d) {
                self.summary.deadline_misses += 1;
            }
        } else {
            // What it ran is done work only up to its checkpoints; a retry resumes there.
            let retry = spec.retry_on == RetryOn::Any;
            self.failed_attempt(ctx.now, slot, retry);
        }
    }

    /// An attempt has failed: the job goes back to the front of its queue while it
    /// has attempts left and `retry` allows, else it has failed for good.
    fn failed_attempt(&mut self, now: SimTime, slot: u32, retry: bool) {
        let job = self.jobs.get(slot);
        let queue = usize::from(job.queue);
        let spec = &self.batch.queues[queue].jobs;
        if retry && job.attempts < spec.attempts {
            self.summary.jobs_retried += 1;
            self.waiting[queue].push_front(slot);
        } else {
            self.give_up(now, slot);
        }
    }

    /// The job of `slot` has failed for good.
    fn give_up(&mut self, now: SimTime, slot: u32) {
        let counted = self.emr_container_failed(slot);
        let job = self.jobs.remove(slot);
        self.last_ended = Some(now);
        if !counted {
            return;
        }
        self.metrics.failed();
        self.summary.jobs_failed += 1;
        self.interval.failed += 1;
        if job.deadline.is_some() {
            self.summary.deadline_misses += 1;
        }
    }

    /// The attempt of `slot` is cut off by its instance's reclaim: the work since its
    /// last checkpoint (and its restart time) is lost.
    fn interrupt(&mut self, ctx: &mut Ctx<'_>, slot: u32) {
        let now = ctx.now;
        let attempt = self.jobs.get_mut(slot).attempt.take().expect("running");
        self.leave_host(ctx, slot, attempt.host);
        let job = self.jobs.get_mut(slot);
        let spec = &self.batch.queues[usize::from(job.queue)].jobs;
        let ran = now.since(attempt.started_at).0;
        let progress = ran.saturating_sub(attempt.restart);
        let saved = match spec.checkpoint {
            Some(every) => progress / every.0 * every.0,
            None => 0,
        };
        job.saved += saved;
        debug_assert!(job.saved < job.work, "a job whose work is saved has ended");
        let lost_nanos = ran - saved;
        self.summary.attempts_interrupted += 1;
        self.summary.work_lost_vcpu_hours +=
            lost_nanos as f64 / SimDuration::HOUR.0 as f64 * f64::from(spec.vcpus);
        self.interval.interrupted += 1;
        // "Host EC2*" matches a reclaimed host: retried under either rule (18.4).
        self.failed_attempt(now, slot, true);
    }

    // ----- the environment ------------------------------------------------------------

    /// Places the waiting jobs that fit, then launches what the rest need (an `emr`
    /// tier's cluster launches nothing for them; once it has ended, they fail).
    fn dispatch(&mut self, ctx: &mut Ctx<'_>) {
        if self.emr.as_ref().is_some_and(|e| e.ended()) {
            self.fail_waiting(ctx.now);
            return;
        }
        for queue in 0..self.waiting.len() {
            let spec = &self.batch.queues[queue].jobs;
            let (vcpus, memory) = (spec.vcpus, memory_mib(spec.memory_gib));
            while let Some(&slot) = self.waiting[queue].front() {
                let Some(host) = self.tightest_fit(vcpus, memory) else {
                    break;
                };
                self.waiting[queue].pop_front();
                self.start_attempt(ctx, slot, host);
            }
        }
        if self.emr.is_none() {
            self.scale_up(ctx);
        }
    }

    /// The instance taking jobs with room for a job of this size and the fewest vCPUs
    /// left over (then the oldest).
    fn tightest_fit(&self, vcpus: u32, memory: u64) -> Option<u32> {
        self.hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.takes_jobs() && h.free_vcpus >= vcpus && h.free_memory_mib >= memory)
            .min_by_key(|(i, h)| (h.free_vcpus - vcpus, *i))
            .map(|(i, _)| i as u32)
    }

    /// Launches instances for the waiting jobs that the booting instances cannot hold.
    fn scale_up(&mut self, ctx: &mut Ctx<'_>) {
        self.scale_up_by(ctx, Self::launch_for);
    }

    /// Launches instances for the waiting jobs that the booting instances cannot
    /// hold: `launch` launches one for a job of `vcpus` and `memory` (MiB) and
    /// returns its room, or `None` when no more may be launched (the compute
    /// environment's choice, or an `emr` tier's managed scaling).
    fn scale_up_by(
        &mut self,
        ctx: &mut Ctx<'_>,
        launch: fn(&mut Self, &mut Ctx<'_>, u32, u64) -> Option<(u32, u64)>,
    ) {
        // Room on the way: the booting instances', filled queue by queue.
        let mut room: Vec<(u32, u64)> = self
            .hosts
            .iter()
            .filter(|h| h.coming())
            .map(|h| (h.vcpu, h.memory_mib))
            .collect();
        // Takes up to `left` jobs of this size into `r`; returns how many.
        let fill = |r: &mut (u32, u64), vcpus: u32, memory: u64, left: u64| {
            let fit = u64::from(r.0 / vcpus).min(r.1.checked_div(memory).unwrap_or(u64::MAX));
            let take = fit.min(left);
            r.0 -= (take * u64::from(vcpus)) as u32;
            r.1 -= take * memory;
            take
        };
        for queue in 0..self.waiting.len() {
            let spec = &self.batch.queues[queue].jobs;
            let (vcpus, memory) = (spec.vcpus, memory_mib(spec.memory_gib));
            let mut left = self.waiting[queue].len() as u64;
            for r in room.iter_mut() {
                left -= fill(r, vcpus, memory, left);
            }
            while left > 0 {
                let Some(mut r) = launch(self, ctx, vcpus, memory) else {
                    break;
                };
                left -= fill(&mut r, vcpus, memory, left);
                room.push(r);
            }
        }
    }

    /// Launches the type the allocation strategy chooses for a job of this size,
    /// within `maxvCpus`; its room.
    fn launch_for(&mut self, ctx: &mut Ctx<'_>, vcpus: u32, memory: u64) -> Option<(u32, u64)> {
        let t = self.choose_type(ctx.now, vcpus, memory)?;
        if !self.may_launch(t) {
            return None;
        }
        self.launch(ctx, t, self.batch.compute == ComputeType::Spot, true);
        let ty = &self.batch.types[t];
        Some((ty.vcpu, memory_mib(ty.memory_gib)))
    }

    /// `maxvCpus` (aws-facts.md 18.1): a launch of type `t` must keep within it, or,
    /// where Batch may exceed it by one instance, start below it.
    fn may_launch(&self, t: usize) -> bool {
        let max = u64::from(self.batch.max_vcpus);
        let after = self.vcpus_instances + u64::from(self.batch.types[t].vcpu);
        after <= max
            || (self.batch.allocation.may_exceed_max(self.batch.compute)
                && self.vcpus_instances < max)
    }

    /// The type the allocation strategy launches for a job of this size now.
    fn choose_type(&self, now: SimTime, vcpus: u32, memory: u64) -> Option<usize> {
        let spot = self.batch.compute == ComputeType::Spot;
        let bid = f64::from(self.batch.bid_percentage) / 100.0;
        let types = &self.batch.types;
        let price = |i: usize| -> Option<f64> {
            match spot {
                false => Some(types[i].price_per_hour),
                true => {
                    let p = self.market.pools[i].price_at(now);
                    (p <= bid * types[i].price_per_hour).then_some(p)
                }
            }
        };
        let hazard = |i: usize| match spot {
            true => self.market.pools[i].hazard_per_hour,
            false => 0.0,
        };
        policy(self.batch.allocation).choose(&LaunchView {
            types,
            vcpus,
            memory_mib: memory,
            price: &price,
            hazard: &hazard,
        })
    }

    /// Launches an instance of type `t`, spot or on-demand: billed from now, taking
    /// jobs `launch_time` later; a spot instance draws its interruption. Without
    /// `yarn` (an EMR primary node) it holds no job: no vCPU or memory to offer.
    fn launch(&mut self, ctx: &mut Ctx<'_>, t: usize, spot: bool, yarn: bool) -> u32 {
        let now = ctx.now;
        let id = self.hosts.len() as u32;
        let (purchase, pool) = match spot {
            true => (PurchaseOption::Spot, Some(t)),
            false => (PurchaseOption::OnDemand, None),
        };
        let ty = &self.batch.types[t];
        let (vcpu, memory) = match yarn {
            true => (ty.vcpu, memory_mib(ty.memory_gib)),
            false => (0, 0),
        };
        self.hosts.push(Host {
            instance: Instance::new(id, purchase, t, pool, 0, 0, now),
            vcpu,
            memory_mib: memory,
            free_vcpus: vcpu,
            free_memory_mib: memory,
            ready: false,
            noticed: false,
            terminated: false,
            running: Vec::new(),
            idle_generation: 0,
        });
        self.instances_changed(now, i64::from(vcpu));
        self.summary.instances_launched += 1;
        self.interval.launched += 1;
        let tier = ctx.tier;
        ctx.queue.schedule(
            now + self.batch.launch_time,
            Event::InstanceBooted { tier, instance: id },
        );
        if let Some(pool) = pool
            && let Some(plan) = self.market.pools[pool].plan_interruption(now, self.spot)
            && plan.notice_at < ctx.end
        {
            ctx.queue.schedule(
                plan.notice_at,
                Event::SpotInterruptionNoticed { tier, instance: id },
            );
        }
        id
    }

    /// Starts the idle timer of `host` if it runs no job (not an `emr` tier's node:
    /// the cluster scales none in).
    fn idle_if_empty(&mut self, ctx: &mut Ctx<'_>, host: u32) {
        if self.emr.is_some() {
            return;
        }
        let h = &mut self.hosts[host as usize];
        if h.takes_jobs() && h.running.is_empty() {
            h.idle_generation = h.idle_generation.wrapping_add(1);
            ctx.queue.schedule(
                ctx.now + self.batch.idle_timeout,
                Event::BatchInstanceIdle {
                    tier: ctx.tier,
                    instance: host,
                    generation: h.idle_generation,
                },
            );
        }
    }

    /// Terminates `host` (scale-in, or reclaimed by EC2) and bills it.
    fn terminate(&mut self, now: SimTime, host: u32, interrupted: bool) {
        let h = &mut self.hosts[host as usize];
        debug_assert!(h.running.is_empty());
        h.terminated = true;
        h.instance.interrupted = interrupted;
        let (vcpu, ready) = (h.vcpu, h.ready);
        self.ledger.close_instance(&h.instance, now, &self.market);
        self.emr_close_node(host, now);
        self.instances_changed(now, -i64::from(vcpu));
        if ready {
            self.in_service_changed(now, -1);
        }
        self.interval.terminated += 1;
    }

    fn vcpus_running_changed(&mut self, now: SimTime, by: i64) {
        self.running_area.advance(now, self.vcpus_running);
        self.vcpus_running = self
            .vcpus_running
            .checked_add_signed(by)
            .expect("not below 0");
    }

    fn instances_changed(&mut self, now: SimTime, by: i64) {
        self.instances_area.advance(now, self.vcpus_instances);
        self.vcpus_instances = self
            .vcpus_instances
            .checked_add_signed(by)
            .expect("not below 0");
        self.summary.peak_vcpus = self.summary.peak_vcpus.max(self.vcpus_instances as u32);
    }

    fn in_service_changed(&mut self, now: SimTime, by: i64) {
        self.in_service_area.advance(now, self.in_service);
        self.in_service = self.in_service.checked_add_signed(by).expect("not below 0");
        self.peak_in_service = self.peak_in_service.max(self.in_service as u32);
    }

    fn live_hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.live())
    }

    fn job_columns(&self) -> JobColumns {
        let queued: u64 = self.waiting.iter().map(|w| w.len() as u64).sum();
        let vcpus_queued: u64 = self
            .waiting
            .iter()
            .zip(&self.batch.queues)
            .map(|(w, q)| w.len() as u64 * u64::from(q.jobs.vcpus))
            .sum();
        let running: u64 = self.live_hosts().map(|h| h.running.len() as u64).sum();
        JobColumns {
            jobs_queued: queued,
            jobs_running: running,
            vcpus_queued,
            vcpus_running: self.vcpus_running,
            vcpus_instances: self.vcpus_instances,
            jobs_succeeded: self.interval.succeeded,
            jobs_failed: self.interval.failed,
        }
    }
}

/// Memory in whole MiB, so that packing is exact.
fn memory_mib(gib: f64) -> u64 {
    (gib * 1024.0).round() as u64
}

impl Service for BatchTier<'_> {
    /// Launches `desiredvCpus` (at least `minvCpus`) and schedules the submissions.
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        let tier = ctx.tier;
        for (q, queue) in self.batch.queues.iter().enumerate() {
            let at = match &queue.jobs.source {
                JobSource::Array { at, .. } => Some(SimTime::ZERO + *at),
                JobSource::Arrivals(_) => self.arrivals[q].as_mut().and_then(|a| a.next_arrival()),
                JobSource::Traffic => None,
            };
            if let Some(at) = at {
                ctx.queue.schedule(
                    at,
                    Event::JobSubmitted {
                        tier,
                        queue: q as u8,
                    },
                );
            }
        }
        if self.emr.is_some() {
            self.emr_start(ctx);
            return;
        }
        let desired = u64::from(self.batch.desired_vcpus.max(self.batch.min_vcpus));
        while self.vcpus_instances < desired {
            let Some(t) = self.choose_type(ctx.now, 1, 0) else {
                break;
            };
            self.launch(ctx, t, self.batch.compute == ComputeType::Spot, true);
        }
    }

    /// A `[traffic]` arrival (an entry batch tier): a job for the queue that takes them.
    fn on_request(&mut self, ctx: &mut Ctx<'_>, caller: Caller) {
        debug_assert!(caller.tier().is_none(), "a batch tier is not called");
        let queue = self
            .batch
            .queues
            .iter()
            .position(|q| matches!(q.jobs.source, JobSource::Traffic))
            .expect("an entry batch tier has a queue of [traffic] jobs");
        self.submit_step(ctx.now, queue, 1);
        self.dispatch(ctx);
        self.emr_check_idle(ctx);
    }

    fn on_answer(&mut self, _ctx: &mut Ctx<'_>, _slot: u32, _answer: super::calls::Answer) {
        unreachable!("a batch tier makes no calls")
    }

    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event) {
        let now = ctx.now;
        match event {
            Event::JobSubmitted { queue, .. } => {
                let q = usize::from(queue);
                match self.batch.queues[q].jobs.source {
                    JobSource::Array { size, .. } => self.submit_step(now, q, size),
                    _ => {
                        self.submit_step(now, q, 1);
                        let next = self.arrivals[q].as_mut().and_then(|a| a.next_arrival());
                        if let Some(t) = next {
                            let tier = ctx.tier;
                            ctx.queue.schedule(t, Event::JobSubmitted { tier, queue });
                        }
                    }
                }
            }
            Event::JobAttemptEnded {
                job, generation, ..
            } => {
                let current = self
                    .jobs
                    .get_if(job, self.jobs.generation(job))
                    .and_then(|j| j.attempt)
                    .is_some_and(|a| a.token == generation);
                if !current {
                    return;
                }
                self.attempt_ended(ctx, job);
            }
            Event::InstanceBooted { instance, .. } => {
                let h = &mut self.hosts[instance as usize];
                if h.terminated {
                    return;
                }
                h.ready = true;
                self.in_service_changed(now, 1);
                self.dispatch(ctx);
                self.idle_if_empty(ctx, instance);
                self.emr_check_idle(ctx);
                return;
            }
            Event::BatchInstanceIdle {
                instance,
                generation,
                ..
            } => {
                let h = &self.hosts[instance as usize];
                let idle =
                    h.takes_jobs() && h.running.is_empty() && h.idle_generation == generation;
                let floor = u64::from(self.batch.min_vcpus);
                if idle && self.vcpus_instances - u64::from(h.vcpu) >= floor {
                    self.terminate(now, instance, false);
                }
            }
            Event::SpotInterruptionNoticed { instance, .. } => {
                let h = &mut self.hosts[instance as usize];
                if h.terminated {
                    return;
                }
                h.noticed = true;
                self.summary_noticed();
                let tier = ctx.tier;
                ctx.queue.schedule(
                    now + self.spot.notice,
                    Event::SpotInstanceReclaimed { tier, instance },
                );
            }
            Event::SpotInstanceReclaimed { instance, .. } => {
                if self.hosts[instance as usize].terminated {
                    return;
                }
                let running = self.hosts[instance as usize].running.clone();
                for slot in running {
                    self.interrupt(ctx, slot);
                }
                self.terminate(now, instance, true);
                if self.emr.is_some() {
                    self.emr_node_lost(ctx, instance);
                }
            }
            Event::EmrTimerDue {
                timer, generation, ..
            } => self.emr_timer(ctx, timer, generation),
            other => unreachable!("not a batch tier's event: {other:?}"),
        }
        self.dispatch(ctx);
        self.emr_check_idle(ctx);
    }

    fn timeline_row(&mut self, now: SimTime) -> TimelineRow {
        let running = self.running_area.at(now, self.vcpus_running);
        let instances = self.instances_area.at(now, self.vcpus_instances);
        let (last_running, last_instances) = self.last_areas;
        let count = |option: PurchaseOption, f: &dyn Fn(&Host) -> bool| {
            self.live_hosts()
                .filter(|h| h.instance.purchase == option && f(h))
                .count() as u32
        };
        let booting = |h: &Host| !h.ready;
        let serving = |h: &Host| h.ready && !h.noticed;
        let noticed = |h: &Host| h.ready && h.noticed;
        let mut row = TimelineRow {
            start_s: self.last_report_at.as_secs_f64(),
            end_s: now.as_secs_f64(),
            pending_on_demand: count(PurchaseOption::OnDemand, &booting),
            pending_spot: count(PurchaseOption::Spot, &booting),
            in_service_on_demand: count(PurchaseOption::OnDemand, &serving),
            in_service_spot: count(PurchaseOption::Spot, &serving),
            draining_on_demand: count(PurchaseOption::OnDemand, &noticed),
            draining_spot: count(PurchaseOption::Spot, &noticed),
            desired: self.vcpus_instances as u32,
            mean_cpu: match instances - last_instances {
                0 => 0.0,
                span => round_to((running - last_running) as f64 / span as f64 * 100.0, 3),
            },
            spot_price: match self.batch.compute {
                ComputeType::Spot => round_to(self.market.mean_price(now), 6),
                ComputeType::Ec2 => 0.0,
            },
            launched: self.interval.launched,
            terminated: self.interval.terminated,
            spot_interruptions: self.interval.noticed,
            jobs: Some(self.job_columns()),
            ..self.metrics.take_interval()
        };
        row.interruptions = self.interval.interrupted;
        let live = self.hosts.iter().filter(|h| h.live()).map(|h| &h.instance);
        self.ledger
            .accrued(live, None, &self.market, now, 0)
            .write_to(&mut row);
        row.cost_usd = round_to(row.cost_usd + self.emr_accrued(now), 6);
        self.last_areas = (running, instances);
        self.last_report_at = now;
        self.interval = IntervalCounts::default();
        row
    }

    fn drain_bill(&mut self) -> Vec<CostItem> {
        let mut items = self.ledger.drain_items();
        items.extend(self.emr_drain_items());
        items
    }

    /// Closes the tier: instances still running are billed to the end; jobs still
    /// queued or running are counted, and miss their deadlines.
    fn finish(mut self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics) {
        let elapsed = end.since(SimTime::ZERO);
        let live: Vec<u32> = (0..self.hosts.len() as u32)
            .filter(|&i| self.hosts[i as usize].live())
            .collect();
        for &i in &live {
            self.ledger
                .close_instance(&self.hosts[i as usize].instance, end, &self.market);
            self.emr_close_node(i, end);
        }
        let (mut cost, commitments) = self.ledger.summary(elapsed, 0, None);
        let emr = self.emr_finish(end);
        if let Some((charge, _)) = &emr {
            // EMR's charge is paid all on-demand too (aws-facts.md 19.1).
            cost.emr = round_to(*charge, 6);
            cost.total = round_to(cost.total + charge, 6);
            cost.all_on_demand = round_to(cost.all_on_demand + charge, 6);
        }
        let mut batch = std::mem::take(&mut self.summary);
        // An emr tier's reruns for lost HDFS output are containers already counted.
        let counted = |slot: &&u32| !self.emr.as_ref().is_some_and(|e| e.is_rerun(**slot));
        batch.queued_at_end = self.waiting.iter().flatten().filter(counted).count() as u64;
        batch.running_at_end = self
            .live_hosts()
            .flat_map(|h| &h.running)
            .filter(counted)
            .count() as u64;
        let unfinished = batch.queued_at_end + batch.running_at_end;
        batch.deadline_misses += self
            .jobs
            .filled()
            .filter(|&s| self.jobs.get(s).deadline.is_some())
            .count() as u64;
        batch.work_lost_vcpu_hours = round_to(batch.work_lost_vcpu_hours, 6);
        batch.makespan_s = match (unfinished, self.first_submitted, self.last_ended) {
            (0, Some(first), Some(last)) => Some(round_to(last.since(first).as_secs_f64(), 3)),
            _ => None,
        };
        batch.deadline_met_percent = (self.deadline_jobs > 0).then(|| {
            round_to(
                (self.deadline_jobs - batch.deadline_misses) as f64 / self.deadline_jobs as f64
                    * 100.0,
                3,
            )
        });
        batch.cost_per_job_usd = (batch.jobs_succeeded > 0)
            .then(|| round_to(cost.total / batch.jobs_succeeded as f64, 6));
        batch.mean_queue_wait_s = match self.first_starts {
            0 => 0.0,
            n => round_to(self.queue_wait_nanos as f64 / n as f64 / 1e9, 3),
        };
        let mut requests = self.metrics.totals;
        requests.in_flight = unfinished;
        let t = &self.ledger.totals;
        let instances = InstanceSummary {
            launched: batch.instances_launched,
            launched_spot: self
                .hosts
                .iter()
                .filter(|h| h.instance.purchase == PurchaseOption::Spot)
                .count() as u64,
            terminated: self.hosts.iter().filter(|h| h.terminated).count() as u64,
            spot_interruptions: self.hosts.iter().filter(|h| h.instance.interrupted).count() as u64,
            peak_in_service: self.peak_in_service,
            mean_in_service: round_to(
                self.in_service_area.at(end, self.in_service) as f64 / elapsed.0.max(1) as f64,
                3,
            ),
            instance_hours: round_to(t.billed_secs as f64 / 3600.0, 6),
            ..InstanceSummary::default()
        };
        let running = self.running_area.at(end, self.vcpus_running);
        let whole = self.instances_area.at(end, self.vcpus_instances);
        let summary = TierSummary {
            name: self.config.name.clone(),
            kind: self.config.kind.word().to_string(),
            requests,
            latency_ms: self.metrics.latency_summary(),
            cost_usd: cost,
            commitments,
            instances,
            utilization: UtilizationSummary {
                mean_cpu: match whole {
                    0 => 0.0,
                    w => round_to(running as f64 / w as f64 * 100.0, 3),
                },
            },
            queueing: self.metrics.queueing.summary(end),
            lambda: None,
            rds: None,
            container_instances: None,
            deployments: Vec::new(),
            queue: None,
            batch: Some(batch),
            emr: emr.map(|(_, summary)| summary),
        };
        let emr_items = self.emr_drain_items();
        let mut items = self.ledger.finish(elapsed, 0, None);
        items.extend(emr_items);
        (summary, items, self.metrics)
    }
}

impl BatchTier<'_> {
    fn summary_noticed(&mut self) {
        self.interval.noticed += 1;
    }
}
