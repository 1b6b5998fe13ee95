//! The configuration of a deployment of a new application version to an `ec2` tier
//! (SPEC "Phase 2", "Changes over time"): when, by which Elastic Beanstalk policy, and
//! with which of the policy's options (aws-facts.md 5, 11.3-11.5), and the `[dns]`
//! name that blue/green swaps (11.6).

use super::DurationDist;
use crate::engine::SimDuration;

/// How Elastic Beanstalk replaces the application version on the instances
/// (`aws:elasticbeanstalk:command` `DeploymentPolicy`, aws-facts.md 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentPolicy {
    /// Every instance restarts the application at the same time.
    AllAtOnce,
    /// Batches of instances, one after the other, each out of the load balancer
    /// while it deploys: capacity drops by a batch.
    Rolling,
    /// As `Rolling`, after launching one extra batch that keeps full capacity and
    /// is terminated at the end.
    RollingWithAdditionalBatch,
    /// New instances in a temporary group (one, then as many as the group has), the
    /// old ones terminated when all new ones are healthy.
    Immutable,
    /// A full set of new instances in a temporary group; a share of the traffic goes
    /// to them for an evaluation time, then all of it, and the old ones terminate.
    TrafficSplitting,
    /// A second environment with the new version; the environments' CNAMEs are
    /// swapped and clients follow as their DNS answers expire; the old environment is
    /// terminated later.
    BlueGreen,
}

impl DeploymentPolicy {
    /// The policy as the scenario and the summary spell it.
    pub fn word(self) -> &'static str {
        match self {
            DeploymentPolicy::AllAtOnce => "all_at_once",
            DeploymentPolicy::Rolling => "rolling",
            DeploymentPolicy::RollingWithAdditionalBatch => "rolling_with_additional_batch",
            DeploymentPolicy::Immutable => "immutable",
            DeploymentPolicy::TrafficSplitting => "traffic_splitting",
            DeploymentPolicy::BlueGreen => "blue_green",
        }
    }
}

/// How a batch's instances prove healthy before the next batch starts (aws-facts.md
/// 11.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentHealth {
    /// Enhanced health reporting: 12 consecutive OK checks within two minutes for a
    /// web server environment.
    Enhanced,
    /// Basic health: the load balancer's own healthy threshold × interval.
    Basic,
}

/// `BatchSizeType` (aws-facts.md 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchSizeType {
    Percentage,
    Fixed,
}

/// One `[[deployment]]` of a new version to the tier that holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentConfig {
    /// Since the start of the run.
    pub at: SimDuration,
    pub policy: DeploymentPolicy,
    /// How long an instance takes to install the new version and restart it.
    pub deploy_time: DurationDist,
    pub batch_size: u32,
    pub batch_size_type: BatchSizeType,
    pub health: DeploymentHealth,
    /// Traffic splitting (`aws:elasticbeanstalk:trafficsplitting`, aws-facts.md 5):
    /// the per cent of the traffic the new instances get while they are evaluated,
    /// and for how long.
    pub new_version_percent: u32,
    pub evaluation_time: SimDuration,
    /// Blue/green: when the CNAMEs are swapped and when the old environment is
    /// terminated, since the start of the run (`swap_at` > `at`, `terminate_old_at`
    /// >= `swap_at`).
    pub swap_at: Option<SimDuration>,
    pub terminate_old_at: Option<SimDuration>,
    /// Whether the new version fails (`DeploymentFailure`), and what Elastic
    /// Beanstalk does then.
    pub failure: DeploymentFailure,
}

/// A new version that fails, and the options that govern what a failure does
/// (aws-facts.md 5, 11.4, 11.5; the model's reading per policy is in
/// `model::deployment`).
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentFailure {
    /// The version fails for sure (`fail = true`).
    pub certain: bool,
    /// The version fails with this probability, drawn when the deployment starts
    /// from a random stream of its own (`failure_probability`).
    pub probability: Option<f64>,
    /// The batch whose instances do not become healthy, in the order batches get the
    /// new version (rolling's additional batch and immutable's first instance are
    /// batch 1); a batch past the last is the last.
    pub batch: u32,
    /// `aws:elasticbeanstalk:command` `Timeout`: how long Elastic Beanstalk waits for
    /// an instance to become healthy, to which it adds 240 s (aws-facts.md 5, 11.4).
    pub timeout: SimDuration,
    /// Rolling and all at once: the previous version is deployed again once the
    /// deployment failed (the documented recovery, by hand on AWS).
    pub rollback: bool,
}

impl DeploymentFailure {
    /// What Elastic Beanstalk adds to `Timeout` (aws-facts.md 5).
    pub const ADDED: SimDuration = SimDuration::from_secs(240);

    /// No failure.
    pub fn none(timeout: SimDuration) -> Self {
        DeploymentFailure {
            certain: false,
            probability: None,
            batch: 1,
            timeout,
            rollback: false,
        }
    }

    /// Whether the scenario gives the version a chance to fail.
    pub fn possible(&self) -> bool {
        self.certain || self.probability.is_some()
    }

    /// How long after a batch starts its failure is detected: `Timeout` + 240 s.
    pub fn detected_after(&self) -> SimDuration {
        self.timeout + Self::ADDED
    }
}

impl DeploymentConfig {
    /// The instances of a batch in a group of `instances` (at least one). A
    /// percentage is rounded up: 25 % of 3 instances is a batch of one, as a fraction
    /// of an instance cannot be deployed alone.
    pub fn batch_of(&self, instances: u32) -> u32 {
        let batch = match self.batch_size_type {
            BatchSizeType::Fixed => self.batch_size,
            BatchSizeType::Percentage => {
                (u64::from(instances) * u64::from(self.batch_size)).div_ceil(100) as u32
            }
        };
        batch.clamp(1, instances.max(1))
    }
}

/// `[dns]`: the name the clients resolve, a record in a Route 53 hosted zone that
/// points at the entry tier's environment (aws-facts.md 11.6, 11.7).
#[derive(Clone, Debug, PartialEq)]
pub struct DnsConfig {
    /// How long a client keeps an answer.
    pub ttl: SimDuration,
    /// The share of the clients whose resolver ignores the TTL (aws-facts.md 5,
    /// 11.6: "DNS servers don't always clear old records from their cache based on
    /// the TTL").
    pub ttl_ignoring_share: f64,
    /// How long such a client keeps an answer, on average (exponentially
    /// distributed: an assumption, no source gives the tail's shape).
    pub ttl_ignoring_hold: SimDuration,
    /// The caching resolvers the clients' queries reach Route 53 through: each asks
    /// again at its first request after its answer expired.
    pub resolvers: u32,
}
