//! Deployments of a new application version to a tier's instances under live traffic,
//! by Elastic Beanstalk's deployment policies (aws-facts.md 5, 11.3-11.5). The
//! component decides *what* happens next (which instances leave the load balancer to
//! deploy, how many new instances to launch, which to retire) and keeps the
//! deployment's measures; the tier carries the steps out (`ec2::deploy`), as it does
//! scaling decisions. One file per policy where the policies differ: `all_at_once`,
//! `rolling` (with or without the additional batch), `immutable`, `traffic_splitting`
//! and `blue_green`.
//!
//! A deployment advances when every instance it waits on is in service (deployed and
//! healthy, or launched and healthy) or gone, and a timed phase (a blue/green swap, the
//! end of an evaluation) when its time comes. The last two policies put new instances
//! in a second target group (`Step::LaunchNew`) and split the traffic between the old
//! and the new ones (`Share`): a fixed share (traffic splitting's weighted target
//! groups), or clients following a swapped CNAME as their cached answers expire
//! (blue/green, `[dns]`).
//!
//! A new version may fail (`fail`, `failure_probability`, drawn at the start from a
//! stream of its own). What a failure is, per policy, after the developer guide
//! ("Deployment policies and settings", "Immutable environment updates";
//! aws-facts.md 5, 11.4, 11.5):
//!
//! - Rolling, rolling with an additional batch, all at once: the failing batch's
//!   instances (`failing_batch`, default the first to get the new version) restart
//!   with the new version and never become healthy; they stay out of the load
//!   balancer. "If a batch of instances does not become healthy within the command
//!   timeout, the deployment fails": at the batch's start + `Timeout` + 240 s. The
//!   completed batches keep the new version, the pending ones the old; Elastic
//!   Beanstalk does not roll back ("perform another deployment with a fixed or known
//!   good version of your application to roll back"): the failed instances stay out
//!   of service (`failed`), until a later deployment reaches them, or, with
//!   `rollback = true`, the previous version is deployed again at once with the same
//!   batches: the failed batch first, then the completed ones, and the additional
//!   batch is terminated (`rolled_back`). All at once is one batch of every instance.
//! - Immutable: the temporary group's instances of the failing batch (1: the first
//!   instance, 2: the rest) pass the load balancer's checks but never become healthy
//!   for Elastic Beanstalk; at the batch's launch + `Timeout` + 240 s the temporary
//!   group is terminated and the old instances are untouched (`rolled_back`).
//! - Traffic splitting: the new instances pass the load balancer's checks and get
//!   their share, but the new version answers every request with an error (500);
//!   at the end of the evaluation time the deployment fails, all the traffic goes
//!   back to the old instances and the new ones terminate (`rolled_back`).
//! - Blue/green: the second environment's instances never become healthy, so the
//!   swap (which waits for them) never happens; at its creation + `Timeout` + 240 s
//!   the second environment is terminated with its load balancer (`rolled_back`).

mod all_at_once;
mod blue_green;
mod immutable;
mod rolling;
mod traffic_splitting;

use super::config::{DeploymentConfig, DeploymentHealth, DeploymentPolicy, DnsConfig, TierConfig};
use super::dist::DurationSampler;
use super::outcome::{DeploymentPhase, DeploymentSummary, RequestCounts, round_to};
use crate::engine::{LatencyHistogram, RngStreams, SimDuration, SimRng, SimTime};
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Enhanced health: a web server environment's instances must pass 12 consecutive
/// health checks with an OK status within two minutes (aws-facts.md 11.4), so a batch
/// is healthy two minutes after its instances restart. (The agent's reporting
/// interval is not documented; 12 checks at 10 s are the two minutes.)
const ENHANCED_HEALTH_WINDOW: SimDuration = SimDuration::from_secs(120);

/// The TTL clients keep a swapped CNAME's old answer without a `[dns]` table: 60 s,
/// as the scenario's default (aws-facts.md 11.6).
const DEFAULT_TTL: SimDuration = SimDuration::from_secs(60);

/// What the tier does next for the running deployment.
#[derive(Debug, PartialEq)]
pub(super) enum Step {
    /// Take these instances out of the load balancer (after draining their requests
    /// when `drain`) and deploy the new version on them.
    Deploy { instances: Vec<u32>, drain: bool },
    /// Launch this many new instances (with the new version) into the group.
    Launch(u32),
    /// Drain and terminate these instances; the group's desired capacity drops by
    /// as many.
    Retire(Vec<u32>),
    /// Launch this many new instances into the new target group (traffic
    /// splitting), or, with `load_balancer`, into a second environment with a load
    /// balancer of its own, billed from now (blue/green).
    LaunchNew { count: u32, load_balancer: bool },
    /// Route requests between the old and the new target group by this share.
    Route(Share),
    /// Go on at this time (now or later).
    Wait(SimTime),
    /// Every instance outside the new target group drains and terminates, and the
    /// new group becomes the tier's; with `environment`, the old environment is
    /// deleted with its load balancer, and requests its clients still send there
    /// are lost.
    RetireOld { environment: bool },
    /// A failed deployment's new target group (with `environment`, the second
    /// environment and its load balancer) is given up: the traffic goes back to the
    /// old instances alone and every instance of the new group drains and
    /// terminates; the group's desired capacity drops by as many.
    RetireNew { environment: bool },
    /// The deployment is over.
    Done,
}

/// The share of requests that goes to the new version, as a function of time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Share {
    /// Weighted target groups: a fixed per cent (traffic splitting, aws-facts.md 5).
    Fixed(f64),
    /// A CNAME swapped at `swap_at` (aws-facts.md 5, 11.6). A client cached its
    /// answer at a uniformly random moment of the TTL before, so the clients that
    /// honour the TTL move over linearly within one TTL: the old share is `1 - x /
    /// ttl` at `x` after the swap. A share `ignoring` of the clients keeps its answer
    /// for an exponentially distributed time of mean `hold` instead (an assumption:
    /// the sources say such resolvers exist, not how long they hold on), a tail of
    /// `ignoring * exp(-x / hold)`.
    Dns {
        swap_at: SimTime,
        ttl: SimDuration,
        ignoring: f64,
        hold: SimDuration,
    },
}

impl Share {
    /// The share of requests sent to the new version at `now`.
    pub(super) fn new_at(&self, now: SimTime) -> f64 {
        match *self {
            Share::Fixed(p) => p,
            Share::Dns {
                swap_at,
                ttl,
                ignoring,
                hold,
            } => {
                let x = now.0.saturating_sub(swap_at.0) as f64;
                let honouring = (1.0 - x / ttl.0 as f64).max(0.0);
                let old = (1.0 - ignoring) * honouring + ignoring * (-x / hold.0 as f64).exp();
                1.0 - old
            }
        }
    }
}

/// What the requests routed by a deployment's `Share` did, counted by the request
/// path and handed back when the split ends (or the run does).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct SplitCounts {
    /// Requests routed while the split was in force.
    pub routed: u64,
    /// Of those, sent to the new version.
    pub to_new: u64,
    /// Of those, sent to an old environment that no longer exists.
    pub lost: u64,
}

/// Where a policy is in its steps; each policy file reads and advances it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Started,
    /// Rolling: the extra batch is launching.
    AdditionalBatch,
    /// Rolling: batches of old instances deploy, one after the other.
    Batches,
    /// Immutable: the temporary group's first instance is launching.
    FirstNew,
    /// Immutable: the rest of the temporary group is launching.
    RestNew,
    /// Traffic splitting, blue/green: the new target group or environment is
    /// launching.
    NewInstances,
    /// Traffic splitting: the new instances get their share from now.
    Splitting,
    /// Traffic splitting: the evaluation time runs.
    Evaluating,
    /// Blue/green: waiting for the swap time.
    BeforeSwap,
    /// Blue/green: the CNAMEs are swapped.
    Swapped,
    /// Blue/green: waiting for the old environment's termination.
    AfterSwap,
    /// The instances the deployment leaves behind are terminating.
    Retiring,
    /// Rolling, all at once: the previous version is deployed again after a failure.
    Rollback,
}

/// What a deployment's timed event found due.
#[derive(Debug, PartialEq)]
pub(super) enum Due {
    /// Nothing: the deployment it was for has ended, or moved on.
    Nothing,
    /// The timed phase the deployment waited for.
    Phase,
    /// The failing batch's command timeout ran out: the deployment fails.
    Failure,
}

/// The running deployment.
struct Active {
    index: usize,
    policy: DeploymentPolicy,
    started_at: SimTime,
    phase: Phase,
    /// Instances in service at the start, in launch order (the old version).
    old: Vec<u32>,
    /// Of `old`, those not yet sent to deploy (rolling).
    pending: VecDeque<u32>,
    /// Instances the deployment launched.
    launched: Vec<u32>,
    batch: u32,
    batches: u32,
    /// Instances the next step waits on: to be in service, or gone.
    waiting: BTreeSet<u32>,
    /// Instances out of the load balancer for their deploy, since when.
    detached: BTreeMap<u32, SimTime>,
    /// Of those, the ones whose restart has begun.
    restarting: BTreeSet<u32>,
    out_of_service_nanos: u128,
    /// Instance-time of the old and launched instances: each counted from the start
    /// (or its launch) until it terminates (`open` holds those still running).
    open: BTreeMap<u32, SimTime>,
    instance_nanos: u128,
    /// Failed requests (rejected, timed out, interrupted, errors) before the start.
    failed_before: u64,
    /// A timed phase the next step waits for.
    timer: Option<SimTime>,
    /// Blue/green: when the second environment's load balancer was created, and the
    /// hours it ran beside the old one.
    second_lb_from: Option<SimTime>,
    extra_lb_hours: u64,
    /// The new version fails (certain, or drawn at the start).
    fails: bool,
    /// Batches given the new version so far, in order (the additional batch and
    /// immutable's first instance count).
    new_batches: u32,
    /// The instances launched from now on run the failing version.
    launch_failing: bool,
    /// The instances of the failing batch, and of those the ones that run the failed
    /// version now (out of service).
    failing: BTreeSet<u32>,
    broken: BTreeSet<u32>,
    /// When the failing batch's command timeout runs out, and whether the tier has
    /// its event.
    deadline: Option<SimTime>,
    deadline_given: bool,
    failed_at: Option<SimTime>,
    /// The previous version is being deployed again (rolling, all at once).
    rolling_back: bool,
    /// Old instances of the completed batches (they run the new version), and those
    /// of the batch under way.
    upgraded: Vec<u32>,
    current: Vec<u32>,
    rollback_batches: u32,
    phases: Vec<DeploymentPhase>,
}

/// The deployments of one tier, in time order, and the summary of each one done.
pub(super) struct Deployments {
    configs: Vec<DeploymentConfig>,
    /// The run's `[dns]`, or its defaults (aws-facts.md 11.6).
    dns: DnsConfig,
    samplers: Vec<DurationSampler>,
    rng: SimRng,
    /// Whether a new version fails, when a deployment gives a probability.
    fail_rng: SimRng,
    active: Option<Active>,
    /// The summaries of the deployments done, with each one's index.
    done: Vec<(usize, DeploymentSummary)>,
    /// What the requests a deployment's split routed did, by deployment index.
    splits: BTreeMap<usize, SplitCounts>,
    tier: String,
    price_per_hour: f64,
    lb_price_per_hour: f64,
    health: SimDuration,
}

fn failed(counts: &RequestCounts) -> u64 {
    counts.rejected + counts.timed_out + counts.interrupted + counts.failed
}

impl Deployments {
    pub(super) fn new(config: &TierConfig, dns: Option<&DnsConfig>, streams: &RngStreams) -> Self {
        let hc = &config.load_balancer.health_check;
        Deployments {
            configs: config.deployments.clone(),
            dns: dns.cloned().unwrap_or(DnsConfig {
                ttl: DEFAULT_TTL,
                ttl_ignoring_share: 0.0,
                ttl_ignoring_hold: SimDuration::HOUR,
                resolvers: 1,
            }),
            samplers: config
                .deployments
                .iter()
                .map(|d| DurationSampler::new(&d.deploy_time))
                .collect(),
            // A stream of its own: a scenario with a deployment draws the same boot
            // and service times as one without (common random numbers).
            rng: streams.stream("deployment"),
            // Likewise: a scenario with a failure probability draws nothing else
            // differently.
            fail_rng: streams.stream("deployment failure"),
            active: None,
            done: Vec::new(),
            splits: BTreeMap::new(),
            tier: config.name.clone(),
            price_per_hour: config.instance.price_per_hour,
            lb_price_per_hour: config.load_balancer.price_per_hour,
            health: SimDuration(hc.interval.0 * u64::from(hc.healthy)),
        }
    }

    /// When each deployment is due, by index.
    pub(super) fn due(&self) -> impl Iterator<Item = (usize, SimDuration)> + '_ {
        self.configs.iter().enumerate().map(|(i, d)| (i, d.at))
    }

    pub(super) fn is_running(&self) -> bool {
        self.active.is_some()
    }

    /// Deployment `index` starts at `now` over the instances in service `old` (in
    /// launch order). Elastic Beanstalk refuses an update while the environment is
    /// not Ready (another deployment running): that one is recorded as refused and
    /// `None` returned.
    pub(super) fn start(
        &mut self,
        index: usize,
        old: Vec<u32>,
        now: SimTime,
        counts: &RequestCounts,
    ) -> Option<Step> {
        let config = &self.configs[index];
        if self.active.is_some() {
            self.done.push((
                index,
                DeploymentSummary {
                    tier: self.tier.clone(),
                    policy: config.policy.word().to_string(),
                    start_s: now.as_secs_f64(),
                    outcome: "refused".to_string(),
                    ..DeploymentSummary::default()
                },
            ));
            return None;
        }
        let batch = config.batch_of(old.len() as u32);
        let failure = &config.failure;
        let fails = failure.certain
            || failure
                .probability
                .is_some_and(|p| self.fail_rng.random::<f64>() < p);
        let mut active = Active {
            index,
            policy: config.policy,
            started_at: now,
            phase: Phase::Started,
            pending: old.iter().copied().collect(),
            open: old.iter().map(|&id| (id, now)).collect(),
            old,
            launched: Vec::new(),
            batch,
            batches: 0,
            waiting: BTreeSet::new(),
            detached: BTreeMap::new(),
            restarting: BTreeSet::new(),
            out_of_service_nanos: 0,
            instance_nanos: 0,
            failed_before: failed(counts),
            timer: None,
            second_lb_from: None,
            extra_lb_hours: 0,
            fails,
            new_batches: 0,
            launch_failing: false,
            failing: BTreeSet::new(),
            broken: BTreeSet::new(),
            deadline: None,
            deadline_given: false,
            failed_at: None,
            rolling_back: false,
            upgraded: Vec::new(),
            current: Vec::new(),
            rollback_batches: 0,
            phases: Vec::new(),
        };
        let step = active.next(config, &self.dns, now);
        self.active = Some(active);
        Some(step)
    }

    /// The next step at `now` once nothing is waited on, if a deployment runs.
    pub(super) fn ready_step(&mut self, now: SimTime) -> Option<Step> {
        let active = self.active.as_mut()?;
        let ready = active.waiting.is_empty() && active.timer.is_none();
        ready.then(|| active.next(&self.configs[active.index], &self.dns, now))
    }

    /// The running deployment waits until `at` (a timed phase); the index to put in
    /// the event.
    pub(super) fn wait_until(&mut self, at: SimTime) -> u32 {
        let active = self.active.as_mut().expect("a running deployment");
        active.timer = Some(at);
        active.index as u32
    }

    /// What deployment `index` has due at `now`: the failing batch's timeout, the
    /// timed phase it waits for, or nothing (it ended, or is past it).
    pub(super) fn phase_due(&mut self, index: usize, now: SimTime) -> Due {
        match self.active.as_mut() {
            Some(active) if active.index == index && active.deadline == Some(now) => {
                active.deadline = None;
                Due::Failure
            }
            Some(active) if active.index == index && active.timer == Some(now) => {
                active.timer = None;
                Due::Phase
            }
            _ => Due::Nothing,
        }
    }

    /// When the failing batch's command timeout runs out, once, for the tier to
    /// schedule its event.
    pub(super) fn take_deadline(&mut self) -> Option<(u32, SimTime)> {
        let active = self.active.as_mut()?;
        if active.deadline_given {
            return None;
        }
        let at = active.deadline?;
        active.deadline_given = true;
        Some((active.index as u32, at))
    }

    /// The running deployment fails at `now`: its next step (the rollback's first,
    /// or the new instances retired, or the end).
    pub(super) fn fail(&mut self, now: SimTime) -> Option<Step> {
        let active = self.active.as_mut()?;
        Some(active.fail(&self.configs[active.index], now))
    }

    /// `id` has the new version now (restarted with it, or launched with it and
    /// checked): true when that version fails on it, which then stays out of service.
    pub(super) fn version_fails(&mut self, id: u32) -> bool {
        let Some(active) = self.active.as_mut() else {
            return false;
        };
        let fails = !active.rolling_back && active.failing.contains(&id);
        if fails {
            active.broken.insert(id);
        } else {
            active.broken.remove(&id);
        }
        fails
    }

    /// Whether the requests the running deployment routes to its new target group
    /// fail (a failing traffic-splitting canary answers 500).
    pub(super) fn new_version_fails(&self) -> bool {
        self.active
            .as_ref()
            .is_some_and(|a| a.fails && a.policy == DeploymentPolicy::TrafficSplitting)
    }

    /// The running deployment's index, and the `Share` of its `Step::Route`s.
    pub(super) fn running_index(&self) -> Option<usize> {
        self.active.as_ref().map(|a| a.index)
    }

    /// The second environment's load balancer is created at `now`.
    pub(super) fn second_load_balancer(&mut self, now: SimTime) {
        let active = self.active.as_mut().expect("a running deployment");
        active.second_lb_from = Some(now);
    }

    /// One of the two environments' load balancers is deleted at `now` (the old
    /// one, or a failed second environment's): the hours both ran, a partial hour as
    /// a full one (aws-facts.md 4.7).
    pub(super) fn load_balancer_deleted(&mut self, now: SimTime) {
        let active = self.active.as_mut().expect("a running deployment");
        if let Some(from) = active.second_lb_from.take() {
            active.extra_lb_hours += now.since(from).0.div_ceil(SimDuration::HOUR.0);
        }
    }

    /// The old instances the deployment retires (`Step::RetireOld`) are waited on
    /// until they are gone.
    pub(super) fn retiring(&mut self, ids: &[u32]) {
        let active = self.active.as_mut().expect("a running deployment");
        active.waiting.extend(ids);
    }

    /// What the requests of deployment `index`'s split did.
    pub(super) fn split_ended(&mut self, index: usize, counts: SplitCounts) {
        let total = self.splits.entry(index).or_default();
        total.routed += counts.routed;
        total.to_new += counts.to_new;
        total.lost += counts.lost;
    }

    /// The tier launched `id` for the deployment: it is waited on.
    pub(super) fn launched(&mut self, id: u32, now: SimTime) {
        let active = self.active.as_mut().expect("a running deployment");
        active.launched.push(id);
        active.waiting.insert(id);
        active.open.insert(id, now);
        if active.launch_failing {
            active.failing.insert(id);
        }
    }

    /// `id` left the load balancer for its deploy (or, out of it with a failed
    /// version, is deployed again: out of service since it left).
    pub(super) fn detached(&mut self, id: u32, now: SimTime) {
        let active = self.active.as_mut().expect("a running deployment");
        active.detached.entry(id).or_insert(now);
    }

    /// `id` cannot take the step (it failed, or was terminated): it is not waited on.
    pub(super) fn skip(&mut self, id: u32) {
        if let Some(active) = self.active.as_mut() {
            active.waiting.remove(&id);
        }
    }

    /// `id`'s restart with the new version begins now, unless it already has: its
    /// install-and-restart time, drawn.
    pub(super) fn restart(&mut self, id: u32) -> Option<SimDuration> {
        let active = self.active.as_mut()?;
        if !active.detached.contains_key(&id) || !active.restarting.insert(id) {
            return None;
        }
        Some(SimDuration(
            self.samplers[active.index].sample(&mut self.rng),
        ))
    }

    /// How long an instance that restarted takes to prove healthy (aws-facts.md
    /// 11.4).
    pub(super) fn health_time(&self) -> SimDuration {
        let active = self.active.as_ref().expect("a running deployment");
        match self.configs[active.index].health {
            DeploymentHealth::Enhanced => ENHANCED_HEALTH_WINDOW,
            DeploymentHealth::Basic => self.health,
        }
    }

    /// `id` is in service (healthy behind the load balancer) at `now`.
    pub(super) fn in_service(&mut self, id: u32, now: SimTime) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        if let Some(since) = active.detached.remove(&id) {
            active.restarting.remove(&id);
            active.out_of_service_nanos += u128::from(now.since(since).0);
        }
        active.waiting.remove(&id);
    }

    /// `id` terminated at `now`.
    pub(super) fn terminated(&mut self, id: u32, now: SimTime) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        if let Some(since) = active.open.remove(&id) {
            active.instance_nanos += u128::from(now.since(since).0);
        }
        if let Some(since) = active.detached.remove(&id) {
            active.restarting.remove(&id);
            active.out_of_service_nanos += u128::from(now.since(since).0);
        }
        active.waiting.remove(&id);
        active.broken.remove(&id);
    }

    /// Closes the running deployment at `now` with its measures (`latency`: of the
    /// requests completed during it); `finished` is false when the run ended first.
    pub(super) fn close(
        &mut self,
        now: SimTime,
        counts: &RequestCounts,
        latency: &LatencyHistogram,
        finished: bool,
    ) {
        let Some(mut active) = self.active.take() else {
            return;
        };
        for (_, since) in std::mem::take(&mut active.open) {
            active.instance_nanos += u128::from(now.since(since).0);
        }
        for (_, since) in std::mem::take(&mut active.detached) {
            active.out_of_service_nanos += u128::from(now.since(since).0);
        }
        let duration = now.since(active.started_at);
        // Extra instance-time: what the old and new instances ran over the
        // deployment, beyond the old fleet running throughout.
        let baseline = active.old.len() as u128 * u128::from(duration.0);
        let extra_secs = active.instance_nanos.saturating_sub(baseline) as f64 / 1e9;
        if let Some(from) = active.second_lb_from.take() {
            // The run ended with both load balancers running.
            active.extra_lb_hours += now.since(from).0.div_ceil(SimDuration::HOUR.0);
        }
        let lb_usd = active.extra_lb_hours as f64 * self.lb_price_per_hour;
        // Immutable, traffic splitting and blue/green give the new instances up by
        // themselves; rolling and all at once only with a rollback.
        let rolled_back = active.rolling_back
            || matches!(
                active.policy,
                DeploymentPolicy::Immutable
                    | DeploymentPolicy::TrafficSplitting
                    | DeploymentPolicy::BlueGreen
            );
        let outcome = match (finished, active.failed_at) {
            (false, _) => "unfinished",
            (true, None) => "succeeded",
            (true, Some(_)) if rolled_back => "rolled_back",
            (true, Some(_)) => "failed",
        };
        let summary = DeploymentSummary {
            tier: self.tier.clone(),
            policy: active.policy.word().to_string(),
            start_s: active.started_at.as_secs_f64(),
            duration_s: duration.as_secs_f64(),
            outcome: outcome.to_string(),
            failed_at_s: active.failed_at.map(SimTime::as_secs_f64),
            left_out_of_service: active.broken.len() as u64,
            phases: std::mem::take(&mut active.phases),
            instances: active.old.len() as u32,
            batch_size: active.batch,
            batches: active.batches,
            requests_failed: failed(counts) - active.failed_before,
            p99_ms: round_to(latency.quantile_ms(0.99), 3),
            out_of_service_instance_seconds: round_to(active.out_of_service_nanos as f64 / 1e9, 3),
            extra_instance_hours: round_to(extra_secs / 3600.0, 6),
            extra_load_balancer_hours: active.extra_lb_hours,
            extra_cost_usd: round_to(extra_secs / 3600.0 * self.price_per_hour + lb_usd, 6),
            ..DeploymentSummary::default()
        };
        self.done.push((active.index, summary));
    }

    /// The summaries, in the order the deployments started (a refused one is
    /// recorded before the one running when it came due, which ends later).
    pub(super) fn into_summaries(mut self) -> Vec<DeploymentSummary> {
        for (index, summary) in &mut self.done {
            if let Some(split) = self.splits.get(index) {
                summary.requests_split = split.routed;
                summary.requests_to_new_version = split.to_new;
                summary.requests_lost = split.lost;
            }
        }
        let mut done: Vec<DeploymentSummary> = self.done.into_iter().map(|(_, s)| s).collect();
        done.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        done
    }
}

impl Active {
    /// The policy's next step at `now`; called when nothing is waited on.
    fn next(&mut self, config: &DeploymentConfig, dns: &DnsConfig, now: SimTime) -> Step {
        match self.policy {
            DeploymentPolicy::AllAtOnce => all_at_once::next(self, config, now),
            DeploymentPolicy::Rolling | DeploymentPolicy::RollingWithAdditionalBatch => {
                rolling::next(self, config, now)
            }
            DeploymentPolicy::Immutable => immutable::next(self, config, now),
            DeploymentPolicy::TrafficSplitting => traffic_splitting::next(self, config, now),
            DeploymentPolicy::BlueGreen => blue_green::next(self, config, dns, now),
        }
    }

    /// The next `n` old instances go to deploy (the new version, or in a rollback
    /// the previous one), and are waited on.
    fn deploy_next(
        &mut self,
        config: &DeploymentConfig,
        n: u32,
        drain: bool,
        now: SimTime,
    ) -> Step {
        let take = (n as usize).min(self.pending.len());
        let instances: Vec<u32> = self.pending.drain(..take).collect();
        self.waiting.extend(&instances);
        if self.rolling_back {
            self.rollback_batches += 1;
            self.mark("rollback_batch_started", Some(self.rollback_batches), now);
        } else {
            self.batches += 1;
            self.mark("batch_started", Some(self.batches), now);
            let last = self.pending.is_empty();
            if self.begin_new_batch(config, now, last) {
                self.failing.extend(&instances);
            }
            self.current = instances.clone();
        }
        Step::Deploy { instances, drain }
    }

    /// A batch gets the new version from `now` (`last`: the deployment's last): true
    /// when it is the batch that fails, whose command timeout is then the deadline.
    /// A failing batch past the last is the last.
    fn begin_new_batch(&mut self, config: &DeploymentConfig, now: SimTime, last: bool) -> bool {
        self.new_batches += 1;
        let batch = config.failure.batch;
        let failing =
            self.fails && (self.new_batches == batch || (last && self.new_batches < batch));
        if failing {
            self.deadline = Some(now + config.failure.detected_after());
        }
        failing
    }

    /// The batch under way became healthy: its old instances run the new version.
    fn batch_done(&mut self) {
        let current = std::mem::take(&mut self.current);
        self.upgraded.extend(current);
    }

    fn mark(&mut self, phase: &str, batch: Option<u32>, now: SimTime) {
        self.phases.push(DeploymentPhase {
            phase: phase.to_string(),
            batch,
            at_s: now.as_secs_f64(),
        });
    }

    /// The deployment fails at `now` (the failing batch's timeout ran out): what the
    /// policy does then (see the module's documentation).
    fn fail(&mut self, config: &DeploymentConfig, now: SimTime) -> Step {
        self.failed_at = Some(now);
        self.mark("failed", None, now);
        // The failed instances are waited on no more, nor is any timed phase.
        self.waiting.clear();
        self.timer = None;
        self.launch_failing = false;
        self.current.clear();
        match self.policy {
            DeploymentPolicy::AllAtOnce
            | DeploymentPolicy::Rolling
            | DeploymentPolicy::RollingWithAdditionalBatch => {
                if !config.failure.rollback {
                    return Step::Done;
                }
                // The previous version again: the old instances with the failed
                // version first (out of service already), then the completed batches.
                self.rolling_back = true;
                self.phase = Phase::Rollback;
                self.restarting.clear();
                let failed: Vec<u32> = self
                    .old
                    .iter()
                    .copied()
                    .filter(|id| self.broken.contains(id))
                    .collect();
                let upgraded = std::mem::take(&mut self.upgraded);
                self.pending = failed.into_iter().chain(upgraded).collect();
                if self.policy == DeploymentPolicy::AllAtOnce {
                    self.batch = (self.pending.len() as u32).max(1);
                    return all_at_once::next(self, config, now);
                }
                rolling::next(self, config, now)
            }
            DeploymentPolicy::Immutable => {
                // The temporary group is terminated; the old instances are untouched.
                self.phase = Phase::Retiring;
                let new = self.launched.clone();
                self.waiting.extend(&new);
                Step::Retire(new)
            }
            DeploymentPolicy::BlueGreen | DeploymentPolicy::TrafficSplitting => {
                self.phase = Phase::Retiring;
                let new = self.launched.clone();
                self.waiting.extend(&new);
                Step::RetireNew {
                    environment: self.policy == DeploymentPolicy::BlueGreen,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A swapped CNAME with a 60 s TTL and no TTL-ignoring clients: the new share
    /// grows linearly from 0 at the swap to 1 one TTL later (a client cached its
    /// answer at a uniformly random moment), and stays 1.
    #[test]
    fn clients_follow_a_swap_linearly_within_one_ttl() {
        let swap_at = SimTime::from_secs(900);
        let share = Share::Dns {
            swap_at,
            ttl: SimDuration::from_secs(60),
            ignoring: 0.0,
            hold: SimDuration::HOUR,
        };
        assert_eq!(share.new_at(swap_at), 0.0);
        assert!((share.new_at(SimTime::from_secs(915)) - 0.25).abs() < 1e-12);
        assert!((share.new_at(SimTime::from_secs(930)) - 0.5).abs() < 1e-12);
        assert_eq!(share.new_at(SimTime::from_secs(960)), 1.0);
        assert_eq!(share.new_at(SimTime::from_secs(5000)), 1.0);
        // Routed as the request path does, 10,000 requests at T/2 send a binomial
        // count to the old environment: mean 5,000, σ = 50; the tolerance is 4 σ.
        let mut rng = RngStreams::new(7).stream("split");
        let at = SimTime::from_secs(930);
        let to_old = (0..10_000)
            .filter(|_| rng.random::<f64>() >= share.new_at(at))
            .count();
        assert!((to_old as i64 - 5000).abs() <= 200, "{to_old}");
    }

    /// A share q of TTL-ignoring clients holding on for an exponential time of mean
    /// `hold`: one TTL after the swap the old share is q, and q / e one `hold` later.
    #[test]
    fn ttl_ignoring_clients_leave_a_tail() {
        let share = Share::Dns {
            swap_at: SimTime::ZERO,
            ttl: SimDuration::from_secs(60),
            ignoring: 0.1,
            hold: SimDuration::from_secs(600),
        };
        let old = |s: u64| 1.0 - share.new_at(SimTime::from_secs(s));
        assert!((old(0) - 1.0).abs() < 1e-12);
        assert!((old(60) - 0.1 * (-0.1f64).exp()).abs() < 1e-12);
        assert!((old(600) - 0.1 / std::f64::consts::E).abs() < 1e-12);
    }
}
