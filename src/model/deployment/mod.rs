//! Deployments of a new application version to a tier's instances under live traffic,
//! by Elastic Beanstalk's deployment policies (aws-facts.md 5, 11.3-11.5). The
//! component decides *what* happens next (which instances leave the load balancer to
//! deploy, how many new instances to launch, which to retire) and keeps the
//! deployment's measures; the tier carries the steps out (`ec2::deploy`), as it does
//! scaling decisions. One file per policy where the policies differ: `all_at_once`,
//! `rolling` (with or without the additional batch) and `immutable`.
//!
//! A deployment advances when every instance it waits on is in service (deployed and
//! healthy, or launched and healthy) or gone. It deliberately does not model a failed
//! deployment or its rollback, traffic splitting or blue/green environments.

mod all_at_once;
mod immutable;
mod rolling;

use super::config::{DeploymentConfig, DeploymentHealth, DeploymentPolicy, TierConfig};
use super::dist::DurationSampler;
use super::outcome::{DeploymentSummary, RequestCounts, round_to};
use crate::engine::{LatencyHistogram, RngStreams, SimDuration, SimRng, SimTime};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Enhanced health: a web server environment's instances must pass 12 consecutive
/// health checks with an OK status within two minutes (aws-facts.md 11.4), so a batch
/// is healthy two minutes after its instances restart. (The agent's reporting
/// interval is not documented; 12 checks at 10 s are the two minutes.)
const ENHANCED_HEALTH_WINDOW: SimDuration = SimDuration::from_secs(120);

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
    /// The deployment is over.
    Done,
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
    /// The instances the deployment leaves behind are terminating.
    Retiring,
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
}

/// The deployments of one tier, in time order, and the summary of each one done.
pub(super) struct Deployments {
    configs: Vec<DeploymentConfig>,
    samplers: Vec<DurationSampler>,
    rng: SimRng,
    active: Option<Active>,
    done: Vec<DeploymentSummary>,
    tier: String,
    price_per_hour: f64,
    health: SimDuration,
}

fn failed(counts: &RequestCounts) -> u64 {
    counts.rejected + counts.timed_out + counts.interrupted + counts.failed
}

impl Deployments {
    pub(super) fn new(config: &TierConfig, streams: &RngStreams) -> Self {
        let hc = &config.load_balancer.health_check;
        Deployments {
            configs: config.deployments.clone(),
            samplers: config
                .deployments
                .iter()
                .map(|d| DurationSampler::new(&d.deploy_time))
                .collect(),
            // A stream of its own: a scenario with a deployment draws the same boot
            // and service times as one without (common random numbers).
            rng: streams.stream("deployment"),
            active: None,
            done: Vec::new(),
            tier: config.name.clone(),
            price_per_hour: config.instance.price_per_hour,
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
            self.done.push(DeploymentSummary {
                tier: self.tier.clone(),
                policy: config.policy.word().to_string(),
                start_s: now.as_secs_f64(),
                outcome: "refused".to_string(),
                ..DeploymentSummary::default()
            });
            return None;
        }
        let batch = config.batch_of(old.len() as u32);
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
        };
        let step = active.next();
        self.active = Some(active);
        Some(step)
    }

    /// The next step once nothing is waited on, if a deployment runs.
    pub(super) fn ready_step(&mut self) -> Option<Step> {
        let active = self.active.as_mut()?;
        active.waiting.is_empty().then(|| active.next())
    }

    /// The tier launched `id` for the deployment: it is waited on.
    pub(super) fn launched(&mut self, id: u32, now: SimTime) {
        let active = self.active.as_mut().expect("a running deployment");
        active.launched.push(id);
        active.waiting.insert(id);
        active.open.insert(id, now);
    }

    /// `id` left the load balancer for its deploy.
    pub(super) fn detached(&mut self, id: u32, now: SimTime) {
        let active = self.active.as_mut().expect("a running deployment");
        active.detached.insert(id, now);
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
        self.done.push(DeploymentSummary {
            tier: self.tier.clone(),
            policy: active.policy.word().to_string(),
            start_s: active.started_at.as_secs_f64(),
            duration_s: duration.as_secs_f64(),
            outcome: if finished { "succeeded" } else { "unfinished" }.to_string(),
            instances: active.old.len() as u32,
            batch_size: active.batch,
            batches: active.batches,
            requests_failed: failed(counts) - active.failed_before,
            p99_ms: round_to(latency.quantile_ms(0.99), 3),
            out_of_service_instance_seconds: round_to(active.out_of_service_nanos as f64 / 1e9, 3),
            extra_instance_hours: round_to(extra_secs / 3600.0, 6),
            extra_cost_usd: round_to(extra_secs / 3600.0 * self.price_per_hour, 6),
        });
    }

    /// The summaries, in the order the deployments started (a refused one is
    /// recorded before the one running when it came due, which ends later).
    pub(super) fn into_summaries(mut self) -> Vec<DeploymentSummary> {
        self.done.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        self.done
    }
}

impl Active {
    /// The policy's next step; called when nothing is waited on.
    fn next(&mut self) -> Step {
        match self.policy {
            DeploymentPolicy::AllAtOnce => all_at_once::next(self),
            DeploymentPolicy::Rolling | DeploymentPolicy::RollingWithAdditionalBatch => {
                rolling::next(self)
            }
            DeploymentPolicy::Immutable => immutable::next(self),
        }
    }

    /// The next `n` old instances go to deploy, and are waited on.
    fn deploy_next(&mut self, n: u32, drain: bool) -> Step {
        let take = (n as usize).min(self.pending.len());
        let instances: Vec<u32> = self.pending.drain(..take).collect();
        self.waiting.extend(&instances);
        self.batches += 1;
        Step::Deploy { instances, drain }
    }
}
