//! The `batch` tier kind: AWS Batch managed compute environments and the job queues
//! that share them (issue 16). Jobs are submitted, wait RUNNABLE, are placed on an
//! environment's instances by vCPUs and memory (or each in a Fargate task of its
//! own), run, and succeed or fail; an environment launches instances when jobs wait
//! and scales in those left idle.
//!
//! The rules, with their sources in `reference/aws-facts.md`:
//! - Queues (18.2): the queue of higher `priority` is served first, each FIFO. A job
//!   is placed on the instance it fits most tightly (fewest vCPUs left over, then the
//!   oldest instance), as ECS's binpack does for Batch; a queue's jobs all have one
//!   size, so a queue whose first job fits nowhere waits, and the next queue is tried
//!   (a lower-priority job may use room a higher-priority one cannot).
//! - Several environments per queue (18.2; "Compute environments are tried in
//!   ascending order", https://docs.aws.amazon.com/batch/latest/APIReference/API_ComputeEnvironmentOrder.html):
//!   a job goes to the first environment of its queue's order that has room for it
//!   now, or has room booting, or may launch an instance for it within `maxvCpus`;
//!   only an environment that can do none of these passes it to the next. So a SPOT
//!   environment first and an EC2 one after it runs on spot up to the spot
//!   environment's `maxvCpus` and overflows to on-demand.
//! - Fargate (18.1, 15.1, 6.2): a `FARGATE` or `FARGATE_SPOT` environment launches a
//!   task of the job's size for each job, while the vCPUs of its tasks starting or
//!   running stay within `maxvCpus` (never beyond: there is no instance to round up
//!   to). The job runs `launch_time` later; the task stops with the attempt. It is
//!   billed per second with the one-minute minimum from the job's start (Fargate bills
//!   from the image pull on, not the provisioning before it; simcloud counts the whole
//!   `launch_time` as provisioning), at the Fargate prices of the `fargate` tier kind,
//!   as the bill's `fargate` and `fargate_spot` parts. A FARGATE_SPOT task draws its
//!   interruption from the spot model when its job starts: the two-minute warning,
//!   then the task stops and the attempt is retried as on a reclaimed EC2 host.
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
//! Not modelled: fractional Fargate vCPUs (0.25 and 0.5: a job's `vcpus` is whole),
//! EC2 and Fargate environments in one tier (AWS allows them in different queues; the
//! ledger bills a tier as instances or as tasks), a Fargate `stopTimeout` shorter than
//! the warning (the job runs through the two minutes), the job's image pull (billed by
//! Fargate, inside `launch_time` here), job dependencies, fair-share scheduling,
//! multi-node jobs, zones (every instance is in the first zone), capacity shortages.

mod allocation;
mod emr;

use super::billing::{BilledType, CostLedger};
use super::calls::{Caller, Slab};
use super::config::{
    BatchConfig, BatchType, ComputeEnvironment, ComputeType, Config, Deadline, JobSource, RetryOn,
    SloConfig, SpotConfig, TierConfig,
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
use allocation::{LaunchView, fleet_policy, policy};
use rand::Rng;
use std::collections::VecDeque;

/// An instance of the compute environment.
struct Host {
    /// The billing record (its id is its index in `BatchTier::hosts`); a Fargate
    /// task's is launched when its job starts.
    instance: Instance,
    /// Its compute environment (index into `BatchConfig::environments`).
    env: u8,
    /// A Fargate task: the job it was launched for.
    task_job: Option<u32>,
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
        !self.terminated && self.ready && !self.noticed && self.task_job.is_none()
    }

    /// Billed now: not a Fargate task still starting (billed from its job's start).
    fn billed(&self) -> bool {
        !self.terminated && (self.ready || self.task_job.is_none())
    }
}

/// A compute environment's own state.
struct Environment<'a> {
    config: &'a ComputeEnvironment,
    /// Its types, for its allocation strategy (`config.types` of the tier's).
    types: Vec<BatchType>,
    /// The vCPUs of its live instances (or of its tasks starting and running): what
    /// `maxvCpus` bounds.
    vcpus: u64,
    summary: EnvironmentSummary,
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
    envs: Vec<Environment<'a>>,
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
    /// environments' scaling.
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
        let envs = batch
            .environments
            .iter()
            .map(|e| Environment {
                config: e,
                types: e.types.iter().map(|&t| batch.types[t].clone()).collect(),
                vcpus: 0,
                summary: EnvironmentSummary {
                    name: e.name.clone(),
                    compute_type: e.compute.word().to_string(),
                    ..EnvironmentSummary::default()
                },
            })
            .collect();
        let mut ledger = CostLedger::new(types, config);
        if batch.fargate() {
            ledger = ledger.billing_tasks();
        }
        BatchTier {
            config,
            batch,
            envs,
            spot: &config.spot,
            market,
            ledger,
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
                .map(|e| emr::Cluster::new(e, &config.name, &_run.network.shortages)),
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
        self.envs[usize::from(h.env)].summary.attempts_started += 1;
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
        let task = h.task_job.is_some();
        let noticed = h.noticed;
        self.vcpus_running_changed(ctx.now, -i64::from(spec.vcpus));
        match task {
            // A Fargate task stops with its job's attempt.
            true => self.terminate(ctx.now, host, noticed),
            false => self.idle_if_empty(ctx, host),
        }
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

    /// Places the waiting jobs, each in the first environment of its queue's order
    /// that takes it: room now (the job starts), room booting or an instance launched
    /// for it (the job waits for it), or, on Fargate, a task launched for it. A job no
    /// environment takes waits, and so do the rest of its queue (of its size).
    /// An `emr` tier's cluster launches nothing for them (its managed scaling adds
    /// nodes on its own clock); once it has ended, they fail.
    fn dispatch(&mut self, ctx: &mut Ctx<'_>) {
        if self.emr.as_ref().is_some_and(|e| e.ended()) {
            self.fail_waiting(ctx.now);
            return;
        }
        // Room on the way in each environment: its booting instances', claimed by the
        // waiting jobs in turn.
        let mut coming: Vec<Vec<(u32, u64)>> = vec![Vec::new(); self.envs.len()];
        for h in self
            .hosts
            .iter()
            .filter(|h| h.coming() && h.task_job.is_none())
        {
            coming[usize::from(h.env)].push((h.vcpu, h.memory_mib));
        }
        for queue in 0..self.waiting.len() {
            let mut kept = VecDeque::new();
            while let Some(slot) = self.waiting[queue].pop_front() {
                match self.route(ctx, queue, slot, &mut coming) {
                    Route::Started => {}
                    Route::Waits => kept.push_back(slot),
                    Route::Nowhere => {
                        kept.push_back(slot);
                        kept.extend(self.waiting[queue].drain(..));
                    }
                }
            }
            self.waiting[queue] = kept;
        }
    }

    /// Where the waiting job `slot` of `queue` goes now.
    fn route(
        &mut self,
        ctx: &mut Ctx<'_>,
        queue: usize,
        slot: u32,
        coming: &mut [Vec<(u32, u64)>],
    ) -> Route {
        let batch = self.batch;
        let spec = &batch.queues[queue].jobs;
        let (vcpus, memory) = (spec.vcpus, memory_mib(spec.memory_gib));
        for &e in &batch.queues[queue].environments {
            let config = self.envs[e].config;
            if config.compute.fargate() {
                // A task of the job's size (its type), within maxvCpus.
                let t = config
                    .types
                    .iter()
                    .copied()
                    .find(|&t| {
                        let ty = &batch.types[t];
                        ty.vcpu == vcpus && memory_mib(ty.memory_gib) == memory
                    })
                    .expect("a Fargate environment has its jobs' sizes");
                if self.envs[e].vcpus + u64::from(vcpus) <= u64::from(config.max_vcpus) {
                    self.launch(ctx, e, t, Some(slot));
                    return Route::Started;
                }
                continue;
            }
            if let Some(host) = self.tightest_fit(e, vcpus, memory) {
                self.start_attempt(ctx, slot, host);
                return Route::Started;
            }
            if let Some(r) = coming[e].iter_mut().find(|r| r.0 >= vcpus && r.1 >= memory) {
                r.0 -= vcpus;
                r.1 -= memory;
                return Route::Waits;
            }
            if self.emr.is_none()
                && let Some(t) = self.choose_type(e, ctx.now, vcpus, memory)
                && self.may_launch(e, t)
            {
                self.launch(ctx, e, t, None);
                let ty = &self.batch.types[t];
                coming[e].push((ty.vcpu - vcpus, memory_mib(ty.memory_gib) - memory));
                return Route::Waits;
            }
        }
        Route::Nowhere
    }

    /// The instance of environment `env` taking jobs with room for a job of this size
    /// and the fewest vCPUs left over (then the oldest).
    fn tightest_fit(&self, env: usize, vcpus: u32, memory: u64) -> Option<u32> {
        self.hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                usize::from(h.env) == env
                    && h.takes_jobs()
                    && h.free_vcpus >= vcpus
                    && h.free_memory_mib >= memory
            })
            .min_by_key(|(i, h)| (h.free_vcpus - vcpus, *i))
            .map(|(i, _)| i as u32)
    }

    /// `maxvCpus` (aws-facts.md 18.1): a launch of type `t` in `env` must keep within
    /// it, or, where Batch may exceed it by one instance, start below it.
    fn may_launch(&self, env: usize, t: usize) -> bool {
        let e = &self.envs[env];
        let max = u64::from(e.config.max_vcpus);
        let after = e.vcpus + u64::from(self.batch.types[t].vcpu);
        after <= max || (e.config.allocation.may_exceed_max(e.config.compute) && e.vcpus < max)
    }

    /// The type (an index into the tier's types) that `env`'s allocation strategy
    /// launches for a job of this size now.
    fn choose_type(&self, env: usize, now: SimTime, vcpus: u32, memory: u64) -> Option<usize> {
        let e = &self.envs[env];
        let spot = e.config.compute == ComputeType::Spot;
        let bid = f64::from(e.config.bid_percentage) / 100.0;
        let global = &e.config.types;
        let types = &e.types;
        let price = |i: usize| -> Option<f64> {
            match spot {
                false => Some(types[i].price_per_hour),
                true => {
                    let p = self.market.pools[global[i]].price_at(now);
                    (p <= bid * types[i].price_per_hour).then_some(p)
                }
            }
        };
        let hazard = |i: usize| match spot {
            true => self.market.pools[global[i]].hazard_per_hour,
            false => 0.0,
        };
        policy(e.config.allocation)
            .choose(&LaunchView {
                types,
                vcpus,
                memory_mib: memory,
                price: &price,
                hazard: &hazard,
                capacity: &|i| f64::from(types[i].vcpu),
            })
            .map(|i| global[i])
    }

    /// Launches an instance of type `t` in `env`: billed from now, taking jobs
    /// `launch_time` later; a spot instance draws its interruption. A Fargate task
    /// (`task_job`, the job it runs) is billed, and draws its interruption, from its
    /// job's start.
    fn launch(&mut self, ctx: &mut Ctx<'_>, env: usize, t: usize, task_job: Option<u32>) {
        let spot = self.envs[env].config.compute.spot();
        self.launch_as(ctx, env, t, task_job, spot, true);
    }

    /// `launch`, spot or on-demand as `spot` says (an `emr` tier's node, of its
    /// group's market); without `yarn` (an EMR primary node) it holds no job: no vCPU
    /// or memory to offer. Its host id.
    fn launch_as(
        &mut self,
        ctx: &mut Ctx<'_>,
        env: usize,
        t: usize,
        task_job: Option<u32>,
        spot: bool,
        yarn: bool,
    ) -> u32 {
        let now = ctx.now;
        let id = self.hosts.len() as u32;
        let launch_time = self.envs[env].config.launch_time;
        let (purchase, pool) = match spot {
            true => (PurchaseOption::Spot, Some(t)),
            false => (PurchaseOption::OnDemand, None),
        };
        let ty = &self.batch.types[t];
        let (vcpu, memory) = match yarn {
            true => (ty.vcpu, memory_mib(ty.memory_gib)),
            false => (0, 0),
        };
        let billed_from = match task_job {
            Some(_) => now + launch_time,
            None => now,
        };
        self.hosts.push(Host {
            instance: Instance::new(id, purchase, t, pool, 0, 0, billed_from),
            env: env as u8,
            task_job,
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
        let e = &mut self.envs[env];
        e.vcpus += u64::from(vcpu);
        e.summary.launched += 1;
        e.summary.peak_vcpus = e.summary.peak_vcpus.max(e.vcpus as u32);
        self.summary.instances_launched += 1;
        self.interval.launched += 1;
        let tier = ctx.tier;
        ctx.queue.schedule(
            now + launch_time,
            Event::InstanceBooted { tier, instance: id },
        );
        if task_job.is_none() {
            self.plan_interruption(ctx, id);
        }
        id
    }

    /// Draws the interruption of spot host `id` from now (an EC2 spot instance at its
    /// launch, a Fargate Spot task at its job's start).
    fn plan_interruption(&mut self, ctx: &mut Ctx<'_>, id: u32) {
        if let Some(pool) = self.hosts[id as usize].instance.pool
            && let Some(plan) = self.market.pools[pool].plan_interruption(ctx.now, self.spot)
            && plan.notice_at < ctx.end
        {
            ctx.queue.schedule(
                plan.notice_at,
                Event::SpotInterruptionNoticed {
                    tier: ctx.tier,
                    instance: id,
                },
            );
        }
    }

    /// Starts the idle timer of `host` if it runs no job (not an `emr` tier's node:
    /// its cluster scales nodes in on its own clock).
    fn idle_if_empty(&mut self, ctx: &mut Ctx<'_>, host: u32) {
        if self.emr.is_some() {
            return;
        }
        let h = &mut self.hosts[host as usize];
        if h.takes_jobs() && h.running.is_empty() {
            h.idle_generation = h.idle_generation.wrapping_add(1);
            ctx.queue.schedule(
                ctx.now + self.envs[usize::from(h.env)].config.idle_timeout,
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
        self.envs[usize::from(h.env)].vcpus -= u64::from(vcpu);
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

    /// Fargate tasks still starting: their jobs count as queued.
    fn starting_tasks(&self) -> impl Iterator<Item = &Host> {
        self.hosts
            .iter()
            .filter(|h| h.task_job.is_some() && !h.terminated && !h.ready)
    }

    fn job_columns(&self) -> JobColumns {
        let queued: u64 = self.waiting.iter().map(|w| w.len() as u64).sum::<u64>()
            + self.starting_tasks().count() as u64;
        let vcpus_queued: u64 = self
            .waiting
            .iter()
            .zip(&self.batch.queues)
            .map(|(w, q)| w.len() as u64 * u64::from(q.jobs.vcpus))
            .sum::<u64>()
            + self
                .starting_tasks()
                .map(|h| u64::from(h.vcpu))
                .sum::<u64>();
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

/// What became of a waiting job in `dispatch`.
enum Route {
    /// It started, or its Fargate task was launched.
    Started,
    /// It waits for room booting in an environment.
    Waits,
    /// No environment of its queue takes it now.
    Nowhere,
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
        for e in 0..self.envs.len() {
            let config = self.envs[e].config;
            let desired = u64::from(config.desired_vcpus.max(config.min_vcpus));
            while self.envs[e].vcpus < desired {
                let Some(t) = self.choose_type(e, ctx.now, 1, 0) else {
                    break;
                };
                self.launch(ctx, e, t, None);
            }
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
                if let Some(job) = self.hosts[instance as usize].task_job {
                    // A Fargate task: its job starts, and its interruption runs from now.
                    self.plan_interruption(ctx, instance);
                    self.start_attempt(ctx, job, instance);
                    return;
                }
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
                let env = &self.envs[usize::from(h.env)];
                let floor = u64::from(env.config.min_vcpus);
                if idle && env.vcpus - u64::from(h.vcpu) >= floor {
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
                // A Fargate task has stopped with its job's attempt.
                if !self.hosts[instance as usize].terminated {
                    self.terminate(now, instance, true);
                }
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
            spot_price: match self.envs.iter().any(|e| e.config.compute.spot()) {
                true => round_to(self.market.mean_price(now), 6),
                false => 0.0,
            },
            launched: self.interval.launched,
            terminated: self.interval.terminated,
            spot_interruptions: self.interval.noticed,
            jobs: Some(self.job_columns()),
            ..self.metrics.take_interval()
        };
        row.interruptions = self.interval.interrupted;
        let live = self
            .hosts
            .iter()
            .filter(|h| h.billed())
            .map(|h| &h.instance);
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
            .filter(|&i| self.hosts[i as usize].billed())
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
        batch.queued_at_end = self.waiting.iter().flatten().filter(counted).count() as u64
            + self.starting_tasks().count() as u64;
        if self.envs.len() > 1 {
            batch.environments = self.envs.iter().map(|e| e.summary.clone()).collect();
        }
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
