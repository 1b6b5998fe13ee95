//! The scenario file as written: serde structs mirroring the TOML, and the one
//! declaration of its keys and of the words its enums take.
//!
//! Every field is optional where the file may leave it out, so that defaults are
//! filled in one place (`scenario::default`, read by `resolve`); unknown keys are
//! rejected. The same structs serialize the resolved scenario back to TOML (`print`),
//! and [`known_keys`](super::known_keys) lists their keys for the loader's fuzz test,
//! so a key is declared here once.
//!
//! Words a key takes (`algorithm = "round_robin"`) are serde enums (`file_enum!`),
//! converted to and from the model's own enums, which know no file format. A key that
//! takes values of several shapes (a distribution is a duration or a table;
//! `queue_limit` is a count or "unlimited") is kept as a `toml::Value` and read by
//! `resolve`: serde's untagged enums would answer a mistake with "data did not match
//! any variant of untagged enum", naming no key and a Rust type.

use crate::model::{
    AdjustmentType, ApiKind, Architecture, BatchAllocation, BatchSizeType, Comparison, DbEngine,
    DeploymentHealth, DeploymentPolicy, EnvironmentType, HealthCheckType, Monitoring,
    OfferingClass, Payment, Placement, PlacementGroupStrategy, PredictiveMode, Routing,
    SavingsPlanKind, ScalingMetric, SpotAllocation, Term, TerminationPolicy, TierKind,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A model enum as the file spells it: serde reads and writes the words (snake_case
/// of the variant unless one is given), and two `From`s convert to and from the
/// model's enum. An unknown word is an error that lists the allowed ones.
macro_rules! file_enum {
    ($(#[$doc:meta])* $raw:ident => $model:ident { $($variant:ident $(= $word:literal)?),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub(crate) enum $raw {
            $($(#[serde(rename = $word)])? $variant),+
        }

        impl From<$raw> for $model {
            fn from(raw: $raw) -> $model {
                match raw {
                    $($raw::$variant => $model::$variant),+
                }
            }
        }

        impl From<$model> for $raw {
            fn from(model: $model) -> $raw {
                match model {
                    $($model::$variant => $raw::$variant),+
                }
            }
        }
    };
}

file_enum!(RawRouting => Routing { RoundRobin, LeastOutstandingRequests, Random, PowerOfTwo });
file_enum!(RawMetric => ScalingMetric {
    Cpu,
    RequestCountPerTarget,
    Memory,
    NetworkOut,
    BacklogPerInstance,
    MessagesVisible,
});
file_enum!(RawAdjustmentType => AdjustmentType {
    ChangeInCapacity,
    ExactCapacity,
    PercentChangeInCapacity,
});
file_enum!(RawComparison => Comparison {
    Greater = ">",
    GreaterOrEqual = ">=",
    Less = "<",
    LessOrEqual = "<=",
});
file_enum!(RawPredictiveMode => PredictiveMode { ForecastAndScale, ForecastOnly });
file_enum!(RawMonitoring => Monitoring { Detailed, Basic });
file_enum!(RawTerminationPolicy => TerminationPolicy {
    Default,
    OldestInstance,
    NewestInstance,
    ClosestToNextInstanceHour,
});
file_enum!(RawHealthCheckType => HealthCheckType { Ec2, Elb });
file_enum!(RawSpotAllocation => SpotAllocation {
    LowestPrice,
    CapacityOptimized,
    PriceCapacityOptimized,
});
file_enum!(RawTerm => Term { OneYear = "1y", ThreeYears = "3y" });
file_enum!(RawPayment => Payment { NoUpfront, PartialUpfront, AllUpfront });
file_enum!(RawOfferingClass => OfferingClass { Standard, Convertible });
file_enum!(RawSavingsPlanKind => SavingsPlanKind { Compute, Ec2Instance });
file_enum!(RawArchitecture => Architecture { X86_64 = "x86_64", Arm64 = "arm64" });
file_enum!(RawApiKind => ApiKind { Rest, Http });
file_enum!(RawBatchSizeType => BatchSizeType { Percentage, Fixed });
file_enum!(RawDeploymentHealth => DeploymentHealth { Enhanced, Basic });
file_enum!(RawDbEngine => DbEngine { Mysql = "mysql", Postgres = "postgres" });
file_enum!(RawEnvironmentType => EnvironmentType { LoadBalanced, SingleInstance });
file_enum!(RawBatchAllocation => BatchAllocation {
    BestFit = "BEST_FIT",
    BestFitProgressive = "BEST_FIT_PROGRESSIVE",
    SpotCapacityOptimized = "SPOT_CAPACITY_OPTIMIZED",
    SpotPriceCapacityOptimized = "SPOT_PRICE_CAPACITY_OPTIMIZED",
});

/// A compute environment's `type` (aws-facts.md 18.1): every word AWS Batch takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub(crate) enum RawComputeType {
    #[serde(rename = "EC2")]
    Ec2,
    #[serde(rename = "SPOT")]
    Spot,
    #[serde(rename = "FARGATE")]
    Fargate,
    #[serde(rename = "FARGATE_SPOT")]
    FargateSpot,
}

/// `evaluate_on_exit`, simplified (aws-facts.md 18.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawRetryOn {
    /// Every failed attempt (no `evaluateOnExit`).
    Any,
    /// Only attempts whose host was reclaimed (`onStatusReason = "Host EC2*"`).
    Interruption,
}

/// How `[s3]`'s objects reach the clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawVia {
    /// Straight from the bucket: S3's internet egress.
    S3,
    /// Through a CloudFront distribution in front of the bucket.
    Cloudfront,
}

/// The kinds of `[[autoscaling.policy]]`: the file's only, since the model keeps
/// scheduled actions apart from policies. (A default only so that `RawPolicy` can be
/// filled in with `..Default::default()`; the file must give a `kind`.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawPolicyKind {
    #[default]
    TargetTracking,
    Step,
    Simple,
    Scheduled,
    Predictive,
}

/// The `kind` of a `[tiers.<name>]` table: every word SPEC "Phase 2" fixes, each
/// mapped to the model's kind by `built` (every one is built today; a kind named
/// before it is built would return `None` there, and a scenario that names it would
/// hear that it is not built yet, rather than that the word is unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawTierKind {
    #[default]
    Ec2,
    Fargate,
    EcsEc2,
    Lambda,
    Rds,
    Beanstalk,
    Worker,
    Batch,
    Emr,
}

impl RawTierKind {
    pub(crate) const ALL: [RawTierKind; 9] = [
        RawTierKind::Ec2,
        RawTierKind::Fargate,
        RawTierKind::EcsEc2,
        RawTierKind::Lambda,
        RawTierKind::Rds,
        RawTierKind::Beanstalk,
        RawTierKind::Worker,
        RawTierKind::Batch,
        RawTierKind::Emr,
    ];

    /// The model's kind, when this kind is built.
    pub(crate) fn built(self) -> Option<TierKind> {
        match self {
            RawTierKind::Ec2 => Some(TierKind::Ec2),
            RawTierKind::Lambda => Some(TierKind::Lambda),
            RawTierKind::Fargate => Some(TierKind::Fargate),
            RawTierKind::Rds => Some(TierKind::Rds),
            RawTierKind::EcsEc2 => Some(TierKind::EcsEc2),
            RawTierKind::Beanstalk => Some(TierKind::Beanstalk),
            RawTierKind::Worker => Some(TierKind::Worker),
            RawTierKind::Batch => Some(TierKind::Batch),
            RawTierKind::Emr => Some(TierKind::Emr),
        }
    }
}

impl From<TierKind> for RawTierKind {
    fn from(kind: TierKind) -> RawTierKind {
        match kind {
            TierKind::Ec2 => RawTierKind::Ec2,
            TierKind::Lambda => RawTierKind::Lambda,
            TierKind::Fargate => RawTierKind::Fargate,
            TierKind::Rds => RawTierKind::Rds,
            TierKind::EcsEc2 => RawTierKind::EcsEc2,
            TierKind::Beanstalk => RawTierKind::Beanstalk,
            TierKind::Worker => RawTierKind::Worker,
            TierKind::Batch => RawTierKind::Batch,
            TierKind::Emr => RawTierKind::Emr,
        }
    }
}

/// The `dist` of a distribution table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawDistKind {
    Constant,
    Exponential,
    Lognormal,
    Gamma,
    Uniform,
}

/// The name a value takes in the file (`"target_tracking"`), for messages.
pub(crate) fn word<T: Serialize>(value: &T) -> String {
    match toml::Value::try_from(value) {
        Ok(toml::Value::String(s)) => s,
        other => panic!("not a word of the scenario file: {other:?}"),
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Option<String>,
    pub duration: Option<String>,
    pub seed: Option<u64>,
    pub traffic: Option<RawTraffic>,
    pub service: Option<RawService>,
    pub instance: Option<RawInstance>,
    pub load_balancer: Option<RawLoadBalancer>,
    pub autoscaling: Option<RawAutoScaling>,
    pub purchase: Option<RawPurchase>,
    pub spot: Option<RawSpot>,
    pub s3: Option<RawS3>,
    pub slo: Option<RawSlo>,
    pub report: Option<RawReport>,
    /// The tiers of an architecture (SPEC "Phase 2"), by name; the single-tier form
    /// above is one tier named `web`. A scenario gives one form or the other.
    pub tiers: Option<BTreeMap<String, RawTier>>,
    /// The single-tier form's placement group.
    pub placement: Option<RawPlacementGroup>,
    /// The Availability Zones (SPEC "Phase 2").
    pub network: Option<RawNetwork>,
    /// `[[outage]]`: a zone down for a while.
    pub outage: Option<Vec<RawOutage>>,
    /// `[[capacity_shortage]]`: launches of a type in a zone fail for a while.
    pub capacity_shortage: Option<Vec<RawShortage>>,
    /// `[[deployment]]`: new application versions deployed to a tier.
    pub deployment: Option<Vec<RawDeployment>>,
    /// `[dns]`: the Route 53 name the clients resolve (SPEC "Changes over time").
    pub dns: Option<RawDns>,
    /// `[pricing]`: prices from an AWS Price List offer file.
    pub pricing: Option<RawPricing>,
    // `[[strategy]]` is taken out of the table before this struct is read; see
    // `ScenarioFile::strategies`.
}

/// `[[deployment]]`: a new application version deployed to a tier under traffic
/// (SPEC "Phase 2", "Changes over time"; aws-facts.md 5, 11.3-11.5).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDeployment {
    /// The tier; the entry tier when not given.
    pub tier: Option<String>,
    pub at: String,
    pub policy: Option<RawDeploymentPolicy>,
    pub deploy_time: Option<RawDistValue>,
    pub batch_size: Option<u32>,
    pub batch_size_type: Option<RawBatchSizeType>,
    pub health: Option<RawDeploymentHealth>,
    /// `traffic_splitting` only.
    pub new_version_percent: Option<u32>,
    pub evaluation_time: Option<String>,
    /// `blue_green` only.
    pub swap_at: Option<String>,
    pub terminate_old_at: Option<String>,
    /// A new version that fails: for sure, or with a probability; the batch that
    /// fails (rolling, immutable), the command timeout, and (rolling, all at once)
    /// a redeployment of the previous version.
    pub fail: Option<bool>,
    pub failure_probability: Option<f64>,
    pub failing_batch: Option<u32>,
    pub timeout: Option<String>,
    pub rollback: Option<bool>,
}

/// `[dns]`: the name the clients resolve and its TTL (aws-facts.md 11.6, 11.7).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDns {
    pub ttl: Option<String>,
    pub ttl_ignoring_share: Option<f64>,
    pub ttl_ignoring_hold: Option<String>,
    pub resolvers: Option<u32>,
}

/// Every deployment policy SPEC "Phase 2" names, though not every one is built
/// (`built`), so that a scenario naming one hears that it is not built yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawDeploymentPolicy {
    AllAtOnce,
    Rolling,
    RollingWithAdditionalBatch,
    Immutable,
    TrafficSplitting,
    BlueGreen,
}

impl RawDeploymentPolicy {
    /// The model's policy, when this one is built.
    pub(crate) fn built(self) -> Option<DeploymentPolicy> {
        match self {
            RawDeploymentPolicy::AllAtOnce => Some(DeploymentPolicy::AllAtOnce),
            RawDeploymentPolicy::Rolling => Some(DeploymentPolicy::Rolling),
            RawDeploymentPolicy::RollingWithAdditionalBatch => {
                Some(DeploymentPolicy::RollingWithAdditionalBatch)
            }
            RawDeploymentPolicy::Immutable => Some(DeploymentPolicy::Immutable),
            RawDeploymentPolicy::TrafficSplitting => Some(DeploymentPolicy::TrafficSplitting),
            RawDeploymentPolicy::BlueGreen => Some(DeploymentPolicy::BlueGreen),
        }
    }
}

impl From<DeploymentPolicy> for RawDeploymentPolicy {
    fn from(policy: DeploymentPolicy) -> RawDeploymentPolicy {
        match policy {
            DeploymentPolicy::AllAtOnce => RawDeploymentPolicy::AllAtOnce,
            DeploymentPolicy::Rolling => RawDeploymentPolicy::Rolling,
            DeploymentPolicy::RollingWithAdditionalBatch => {
                RawDeploymentPolicy::RollingWithAdditionalBatch
            }
            DeploymentPolicy::Immutable => RawDeploymentPolicy::Immutable,
            DeploymentPolicy::TrafficSplitting => RawDeploymentPolicy::TrafficSplitting,
            DeploymentPolicy::BlueGreen => RawDeploymentPolicy::BlueGreen,
        }
    }
}

/// The single-tier form is one tier of kind `ec2` (SPEC "Phase 2"): its tables move
/// between the two forms here, in both directions, and nowhere else.
impl RawScenario {
    /// The single-tier form's tables, taken out as a tier of kind `ec2` that calls
    /// nothing (all `None` when the scenario is written in tiers).
    pub(crate) fn take_single_tier(&mut self) -> RawTier {
        RawTier {
            kind: RawTierKind::Ec2,
            service: self.service.take(),
            instance: self.instance.take(),
            load_balancer: self.load_balancer.take(),
            autoscaling: self.autoscaling.take(),
            purchase: self.purchase.take(),
            spot: self.spot.take(),
            s3: self.s3.take(),
            placement: self.placement.take(),
            ..RawTier::default()
        }
    }

    /// `tier`'s tables put in as the single-tier form's; its kind, `entry` and calls
    /// are left out, the single-tier form having none to give.
    pub(crate) fn put_single_tier(&mut self, tier: RawTier) {
        RawTier {
            service: self.service,
            instance: self.instance,
            load_balancer: self.load_balancer,
            autoscaling: self.autoscaling,
            purchase: self.purchase,
            spot: self.spot,
            s3: self.s3,
            placement: self.placement,
            kind: _,
            entry: _,
            calls: _,
            lambda: _,
            api_gateway: _,
            task: _,
            cluster: _,
            capacity_provider: _,
            rds: _,
            failover: _,
            environment: _,
            compute: _,
            compute_environment: _,
            jobs: _,
            queue: _,
            emr: _,
            instance_groups: _,
            instance_fleets: _,
            node_loss: _,
            managed_scaling: _,
            sends: _,
            sqsd: _,
            messages: _,
            periodic_task: _,
            cron_file: _,
        } = tier;
    }
}

/// `[tiers.<name>]`: a tier's kind, whether it is the entry tier, the tables of the
/// single-tier form, and the tiers its requests call. The tables are fields of their
/// own rather than a `#[serde(flatten)]` struct shared with [`RawScenario`]: serde
/// does not reject unknown keys through a flatten, and reads it through a buffer that
/// loses the path of a bad key.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {
    pub kind: RawTierKind,
    pub entry: Option<bool>,
    pub service: Option<RawService>,
    pub instance: Option<RawInstance>,
    pub load_balancer: Option<RawLoadBalancer>,
    pub autoscaling: Option<RawAutoScaling>,
    pub purchase: Option<RawPurchase>,
    pub spot: Option<RawSpot>,
    /// The S3 bucket the entry tier's pages fetch static objects from.
    pub s3: Option<RawS3>,
    pub calls: Option<Vec<RawCall>>,
    /// The function of a `lambda` tier.
    pub lambda: Option<RawLambda>,
    /// API Gateway in front of an entry `lambda` tier.
    pub api_gateway: Option<RawApiGateway>,
    /// The task of a `fargate` or `ecs_ec2` tier.
    pub task: Option<RawTask>,
    /// The container instances of an `ecs_ec2` tier.
    pub cluster: Option<RawCluster>,
    /// The capacity provider strategy of a `fargate` tier.
    pub capacity_provider: Option<Vec<RawCapacityProvider>>,
    /// The database of an `rds` tier.
    pub rds: Option<RawRds>,
    /// Multi-AZ failovers of an `rds` tier.
    pub failover: Option<Vec<RawFailover>>,
    /// Asynchronous messages a completed request sends to worker tiers' queues.
    pub sends: Option<Vec<RawSend>>,
    /// The queue and its `sqsd` daemon of a `worker` tier.
    pub sqsd: Option<RawSqsd>,
    /// Messages a `worker` tier's own clients send to its queue: a rate as in
    /// `[traffic]`.
    pub messages: Option<RawTraffic>,
    /// A `worker` tier's periodic tasks written in the scenario (`cron.yaml`'s
    /// entries, aws-facts.md 5).
    pub periodic_task: Option<Vec<RawPeriodicTask>>,
    /// A `worker` tier's `cron.yaml`, relative to the scenario file.
    pub cron_file: Option<String>,
    /// The placement group of an `ec2` tier (aws-facts.md 17.4).
    pub placement: Option<RawPlacementGroup>,
    /// The environment of a `beanstalk` tier.
    pub environment: Option<RawEnvironment>,
    /// The compute environment of a `batch` tier (its first, when it has several).
    pub compute: Option<RawCompute>,
    /// Further compute environments of a `batch` tier, each named, after `compute`.
    pub compute_environment: Option<Vec<RawCompute>>,
    /// The jobs of a `batch` tier with one job queue.
    pub jobs: Option<RawJobs>,
    /// The job queues of a `batch` tier, each with its priority and jobs.
    pub queue: Option<Vec<RawJobQueue>>,
    /// The cluster of an `emr` tier: when it starts and ends, HDFS.
    pub emr: Option<RawEmr>,
    /// The instance groups of an `emr` tier.
    pub instance_groups: Option<RawInstanceGroups>,
    /// The instance fleets of an `emr` tier (instead of instance groups).
    pub instance_fleets: Option<RawInstanceFleets>,
    /// Spot nodes of an `emr` tier reclaimed at given times.
    pub node_loss: Option<Vec<RawNodeLoss>>,
    /// EMR managed scaling of an `emr` tier.
    pub managed_scaling: Option<RawManagedScaling>,
}

/// `[tiers.<name>.managed_scaling]`: EMR managed scaling's compute limits, in
/// instances (aws-facts.md 19.5).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawManagedScaling {
    pub min_units: Option<u32>,
    pub max_units: Option<u32>,
    pub max_core_units: Option<u32>,
    pub max_on_demand_units: Option<u32>,
}

/// `[tiers.<name>.emr]`: an Amazon EMR cluster's life (aws-facts.md 19).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEmr {
    pub at: Option<String>,
    pub provisioning_time: Option<String>,
    pub terminate: Option<RawTerminate>,
    pub idle_timeout: Option<String>,
    pub terminate_at: Option<String>,
    pub hdfs_replication: Option<u32>,
}

/// How an EMR cluster ends besides `terminate_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawTerminate {
    /// The auto-termination policy: after `idle_timeout` with nothing to run.
    WhenIdle,
    /// Never by itself: at `terminate_at` or the end of the run.
    Never,
}

/// `[tiers.<name>.instance_groups]`: an EMR cluster's primary, core and task
/// instance groups (aws-facts.md 19.2).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInstanceGroups {
    pub primary: Option<RawNodeGroup>,
    pub core: Option<RawNodeGroup>,
    pub task: Option<RawNodeGroup>,
}

/// `[tiers.<name>.instance_groups.primary]`, `.core`, `.task`: an EMR instance group
/// (aws-facts.md 19.2).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNodeGroup {
    #[serde(rename = "type")]
    pub instance_type: Option<String>,
    pub count: Option<u32>,
    pub market: Option<RawMarket>,
    /// EMR's price per node-hour, when not 25 % of the on-demand price (19.1).
    pub emr_price_per_hour: Option<f64>,
}

/// `[tiers.<name>.instance_fleets]`: an EMR cluster's primary, core and task
/// instance fleets (aws-facts.md 19.4), instead of instance groups.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInstanceFleets {
    pub primary: Option<RawNodeFleet>,
    pub core: Option<RawNodeFleet>,
    pub task: Option<RawNodeFleet>,
}

/// `[tiers.<name>.instance_fleets.primary]`, `.core`, `.task`: an EMR instance fleet
/// (API `InstanceFleetConfig`, in snake_case).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNodeFleet {
    pub target_on_demand_capacity: Option<u32>,
    pub target_spot_capacity: Option<u32>,
    pub instance_types: Option<Vec<RawFleetType>>,
    pub spot_specification: Option<RawSpotSpecification>,
    pub on_demand_specification: Option<RawOnDemandSpecification>,
}

/// `[[tiers.<name>.instance_fleets.<role>.instance_types]]` (API
/// `InstanceTypeConfig`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFleetType {
    #[serde(rename = "type")]
    pub instance_type: Option<String>,
    pub weighted_capacity: Option<u32>,
    /// The spot maximum price, in percent of the on-demand price (default 100).
    pub bid_price_as_percentage_of_on_demand_price: Option<f64>,
    /// EMR's price per node-hour, when not 25 % of the on-demand price (19.1).
    pub emr_price_per_hour: Option<f64>,
}

/// A fleet's `spot_specification` (API `SpotProvisioningSpecification`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpotSpecification {
    /// A duration, 5 to 1,440 minutes (`TimeoutDurationMinutes`).
    pub timeout_duration: Option<String>,
    pub timeout_action: Option<RawTimeoutAction>,
    pub allocation_strategy: Option<RawSpotFleetAllocation>,
}

/// A fleet's `on_demand_specification` (API `OnDemandProvisioningSpecification`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOnDemandSpecification {
    pub allocation_strategy: Option<RawOnDemandFleetAllocation>,
}

/// `SpotProvisioningSpecification.AllocationStrategy` (AWS's words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawSpotFleetAllocation {
    CapacityOptimized,
    PriceCapacityOptimized,
    LowestPrice,
    /// Documented by AWS, refused as not built.
    Diversified,
}

/// `OnDemandProvisioningSpecification.AllocationStrategy`: `lowest-price` (AWS's
/// `prioritized` is not built).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawOnDemandFleetAllocation {
    LowestPrice,
}

/// `SpotProvisioningSpecification.TimeoutAction` (AWS's words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum RawTimeoutAction {
    SwitchToOnDemand,
    TerminateCluster,
}

/// An instance group's `Market` (EMR's words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub(crate) enum RawMarket {
    #[serde(rename = "ON_DEMAND")]
    OnDemand,
    #[serde(rename = "SPOT")]
    Spot,
}

/// `[[tiers.<name>.node_loss]]`: EC2 reclaims a spot node of `group` at `at`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNodeLoss {
    pub group: RawNodeRole,
    pub at: String,
}

/// An EMR node role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawNodeRole {
    Primary,
    Core,
    Task,
}

/// `[tiers.<name>.compute]` or a `[[tiers.<name>.compute_environment]]`: an AWS Batch
/// managed compute environment (aws-facts.md 18.1).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCompute {
    /// What job queues call it (`compute_environments`).
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub compute_type: Option<RawComputeType>,
    pub min_vcpus: Option<u32>,
    pub desired_vcpus: Option<u32>,
    pub max_vcpus: Option<u32>,
    /// Instance types, or `["optimal"]`.
    pub instance_types: Option<Vec<String>>,
    pub allocation_strategy: Option<RawBatchAllocation>,
    pub bid_percentage: Option<u32>,
    pub launch_time: Option<String>,
    pub idle_timeout: Option<String>,
}

/// `[[tiers.<name>.queue]]`: a job queue, its priority and its jobs (aws-facts.md 18.2).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJobQueue {
    pub name: Option<String>,
    pub priority: Option<u32>,
    /// The compute environments it places jobs in, in order (1-3, aws-facts.md 18.2).
    pub compute_environments: Option<Vec<String>>,
    pub jobs: Option<RawJobs>,
}

/// `[tiers.<name>.jobs]` (or a queue's `jobs`): where jobs come from and what each
/// needs. An array (`array_size` at `at`), `arrivals` (a rate or trace, as
/// `[traffic]`), or, for the entry tier, the run's `[traffic]`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJobs {
    pub array_size: Option<u32>,
    pub at: Option<String>,
    pub arrivals: Option<RawTraffic>,
    pub vcpus: Option<u32>,
    pub memory_gb: Option<f64>,
    pub run_time: Option<RawDistValue>,
    pub checkpoint: Option<String>,
    pub restart_cost: Option<String>,
    /// After submission.
    pub deadline: Option<String>,
    /// A time of the run.
    pub deadline_at: Option<String>,
    pub attempts: Option<u32>,
    pub retry_on: Option<RawRetryOn>,
    pub failure_probability: Option<f64>,
}

/// `[tiers.<name>.environment]`: an Elastic Beanstalk environment (aws-facts.md 11.1,
/// 11.2).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnvironment {
    #[serde(rename = "type")]
    pub environment_type: Option<RawEnvironmentType>,
}

/// `[[tiers.<name>.sends]]`: a message to a worker tier's queue, sent by a completed
/// request with `probability`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSend {
    pub tier: String,
    pub probability: Option<f64>,
}

/// `[[tiers.<name>.periodic_task]]`: one of a worker environment's periodic tasks, as
/// `cron.yaml` lists them (`name`, `url`, `schedule`), with what processing one of its
/// messages takes (`time`, the tier's `service.time` when left out).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeriodicTask {
    pub name: String,
    pub schedule: String,
    pub url: Option<String>,
    pub time: Option<RawDistValue>,
}

/// `[tiers.<name>.sqsd]`: an Elastic Beanstalk worker environment's queue options
/// (`aws:elasticbeanstalk:sqsd`, aws-facts.md 5) and its messages' size.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSqsd {
    pub http_connections: Option<u32>,
    pub visibility_timeout: Option<String>,
    pub error_visibility_timeout: Option<String>,
    pub inactivity_timeout: Option<String>,
    pub max_retries: Option<u32>,
    pub retention_period: Option<String>,
    pub message_kb: Option<f64>,
}

/// `[network]`: the Availability Zones the tiers spread over.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub zones: Option<Vec<String>>,
}

/// `[[outage]]`: every instance in `zone` stops answering at `at` for `duration`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutage {
    pub zone: String,
    pub at: String,
    pub duration: String,
}

/// `[[capacity_shortage]]`: launches of `pool` (an instance type) in `zone` fail with
/// InsufficientInstanceCapacity from `from` until `to`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShortage {
    pub pool: String,
    pub zone: String,
    pub from: String,
    pub to: String,
}

file_enum!(RawPlacementGroupStrategy => PlacementGroupStrategy { Cluster, Spread, Partition });

/// `[tiers.<name>.placement]`: a placement group (aws-facts.md 17.4).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlacementGroup {
    pub strategy: RawPlacementGroupStrategy,
    pub partitions: Option<u32>,
}

/// `[tiers.<name>.task]`: a Fargate task's size and image (aws-facts.md 15.1, 15.3).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTask {
    /// vCPU: 0.25, 0.5, 1, 2, 4, 8 or 16.
    pub cpu: Option<f64>,
    pub memory_gb: Option<f64>,
    pub architecture: Option<RawArchitecture>,
    pub image_mb: Option<f64>,
    pub pull_mb_per_s: Option<f64>,
    pub provisioning: Option<RawDistValue>,
    pub container_start: Option<String>,
    /// Memory in use with no request, GB, and per request being computed, MB.
    pub memory_baseline_gb: Option<f64>,
    pub memory_per_request_mb: Option<f64>,
}

/// `[tiers.<name>.cluster]`: an `ecs_ec2` tier's Auto Scaling group of container
/// instances, its capacity provider's managed scaling (aws-facts.md 15.5) and the
/// service's task placement (15.6).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCluster {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
    pub target_capacity: Option<f64>,
    pub instance_warmup: Option<String>,
    pub minimum_scaling_step_size: Option<u32>,
    pub maximum_scaling_step_size: Option<u32>,
    pub managed_termination_protection: Option<bool>,
    pub placement: Option<RawPlacement>,
}

file_enum!(RawPlacement => Placement { Binpack, Spread });

/// `[[tiers.<name>.capacity_provider]]`: one provider of the strategy (15.5).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCapacityProvider {
    pub provider: RawProvider,
    pub base: Option<u32>,
    pub weight: Option<u32>,
}

/// The Fargate capacity providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub(crate) enum RawProvider {
    #[serde(rename = "FARGATE")]
    Fargate,
    #[serde(rename = "FARGATE_SPOT")]
    FargateSpot,
}

/// `[s3]` / `[tiers.<entry>.s3]`: static objects the clients fetch from an S3
/// bucket, directly or through CloudFront (aws-facts.md 21).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawS3 {
    pub gets_per_request: Option<f64>,
    pub object_kb: Option<f64>,
    pub stored_gb: Option<f64>,
    pub puts_per_request: Option<f64>,
    pub via: Option<RawVia>,
    pub cache_hit_ratio: Option<f64>,
}

/// `[[tiers.<name>.failover]]`: a Multi-AZ failover (aws-facts.md 16.1).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFailover {
    pub at: String,
    pub duration: Option<String>,
}

/// `[tiers.<name>.rds]`: the database (aws-facts.md 7, 16).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRds {
    pub engine: Option<RawDbEngine>,
    pub class: Option<String>,
    pub multi_az: Option<bool>,
    pub read_replicas: Option<u32>,
    pub read_share: Option<f64>,
    pub max_connections: Option<u32>,
    pub pool_size: Option<u32>,
    pub queries: Option<u32>,
    pub query_time: Option<RawDistValue>,
    pub storage_gb: Option<u32>,
    pub proxy: Option<bool>,
    pub reserved: Option<Vec<RawDbReservation>>,
}

/// `[[tiers.<name>.rds.reserved]]`: reserved DB instances of the tier's class
/// (aws-facts.md 16.6).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDbReservation {
    pub count: u32,
    pub term: Option<RawTerm>,
    pub payment: Option<RawPayment>,
    pub hourly_usd: Option<f64>,
    pub upfront_usd: Option<f64>,
}

impl RawTier {
    /// A tier of `kind` that gives no table.
    pub(crate) fn of_kind(kind: RawTierKind) -> RawTier {
        RawTier {
            kind,
            ..RawTier::default()
        }
    }
}

/// `[tiers.<name>.lambda]`: the function (aws-facts.md 6.1, 14).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLambda {
    /// A number rather than an integer, so that `512.5` is told it must be whole MB
    /// with the range, rather than "expected an integer".
    pub memory_mb: Option<f64>,
    pub architecture: Option<RawArchitecture>,
    pub reference_memory_mb: Option<f64>,
    pub cpu_bound_share: Option<f64>,
    pub timeout: Option<String>,
    pub init: Option<RawDistValue>,
    pub idle_lifetime: Option<String>,
    pub account_concurrency: Option<u32>,
    pub reserved_concurrency: Option<u32>,
    pub provisioned_concurrency: Option<u32>,
    pub free_tier: Option<bool>,
}

/// `[tiers.<name>.api_gateway]` (aws-facts.md 13).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawApiGateway {
    pub api: Option<RawApiKind>,
    pub integration_timeout: Option<String>,
    pub rate: Option<f64>,
    pub burst: Option<u32>,
}

/// `[[tiers.<name>.calls]]`: `count` synchronous calls to the tier named `tier`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCall {
    pub tier: String,
    pub count: Option<u32>,
    pub request_bytes: Option<u64>,
    pub response_bytes: Option<u64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTraffic {
    pub rate: Option<f64>,
    pub spike: Option<Vec<RawSpike>>,
    pub diurnal: Option<RawDiurnal>,
    pub trace: Option<RawTrace>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpike {
    pub start: String,
    pub ramp: Option<String>,
    pub hold: Option<String>,
    pub ramp_down: Option<String>,
    pub peak: f64,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDiurnal {
    pub low: f64,
    pub high: f64,
    pub period: Option<String>,
    pub peak_at: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrace {
    pub file: String,
    pub interval: Option<String>,
    pub column: Option<String>,
    pub scale: Option<f64>,
}

/// A distribution of durations: a plain duration (`"60s"`) or a [`RawDist`] table.
/// Read by `resolve`, which can say which of the two shapes it expected.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub(crate) struct RawDistValue(pub toml::Value);

/// The name `known_keys` recognises a [`RawDistValue`] by.
pub(crate) const DIST_VALUE: &str = "RawDistValue";

impl<'de> Deserialize<'de> for RawDistValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawDistValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration or a distribution table")
            }
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<RawDistValue, D::Error> {
                toml::Value::deserialize(deserializer).map(RawDistValue)
            }
        }
        deserializer.deserialize_newtype_struct(DIST_VALUE, Visitor)
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDist {
    pub dist: RawDistKind,
    pub mean: Option<String>,
    pub cv: Option<f64>,
    pub value: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub time: Option<RawDistValue>,
    pub workers: Option<u32>,
    pub workers_per_vcpu: Option<bool>,
    pub queue_limit: Option<toml::Value>,
    pub timeout: Option<String>,
    /// Bytes of each response to a client (the entry tier only).
    pub response_bytes: Option<u64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInstance {
    #[serde(rename = "type")]
    pub type_name: Option<String>,
    pub vcpu: Option<u32>,
    pub memory_gib: Option<f64>,
    pub price_per_hour: Option<f64>,
    /// Relative per-vCPU speed, m5.large = 1.0: service times are divided by it.
    pub speed: Option<f64>,
    pub boot_time: Option<RawDistValue>,
    pub failures: Option<RawFailures>,
    /// A burstable type's credit mode (aws-facts.md 20.5).
    pub credit_specification: Option<RawCreditSpecification>,
    /// The credit balance of the instances in service at t = 0.
    pub initial_credits: Option<f64>,
}

/// `[instance] credit_specification`: how a burstable instance bursts (aws-facts.md
/// 20.5). The model keeps it as `CreditsConfig::unlimited`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawCreditSpecification {
    Standard,
    Unlimited,
}

/// `[pricing]`: the prices of the run's instance types from an AWS Price List offer
/// file instead of the built-in catalog (aws-facts.md 22).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPricing {
    /// The EC2 offer file of one Region, in CSV, relative to the scenario file.
    pub offer_file: Option<String>,
    /// The Region to read from a file of several (`us-east-1`, or its display name).
    pub region: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFailures {
    pub mtbf: Option<String>,
    pub at: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHealthCheck {
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub healthy: Option<u32>,
    pub unhealthy: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLoadBalancer {
    pub algorithm: Option<RawRouting>,
    pub health_check: Option<RawHealthCheck>,
    pub deregistration_delay: Option<String>,
    pub slow_start: Option<String>,
    pub price_per_hour: Option<f64>,
    pub price_per_lcu_hour: Option<f64>,
    pub request_bytes: Option<u64>,
    pub requests_per_connection: Option<f64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAutoScaling {
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
    pub instance_warmup: Option<String>,
    pub monitoring: Option<RawMonitoring>,
    pub metric_delay: Option<String>,
    pub termination_policy: Option<RawTerminationPolicy>,
    pub health_check_type: Option<RawHealthCheckType>,
    pub health_check_grace_period: Option<String>,
    pub new_instances_protected_from_scale_in: Option<bool>,
    pub policy: Option<Vec<RawPolicy>>,
    pub scheduled: Option<Vec<RawScheduled>>,
    pub warm_pool: Option<RawWarmPool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWarmPool {
    pub size: Option<u32>,
    pub start_time: Option<RawDistValue>,
    pub storage_price_per_hour: Option<f64>,
}

/// Every policy kind's keys; each kind's resolver (`resolve/autoscaling/`) names its
/// own and rejects the others. One flat table rather than a serde enum tagged by
/// `kind`: serde reads a tagged enum through a buffer that loses the path of a bad
/// key, and an error must name `autoscaling.policy[0].target`, not the policy.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub kind: RawPolicyKind,
    pub metric: Option<RawMetric>,
    pub target: Option<f64>,
    pub disable_scale_in: Option<bool>,
    pub alarm: Option<RawAlarm>,
    pub adjustment_type: Option<RawAdjustmentType>,
    pub adjustment: Option<f64>,
    pub steps: Option<Vec<RawStep>>,
    pub min_adjustment_magnitude: Option<u32>,
    pub cooldown: Option<String>,
    pub mode: Option<RawPredictiveMode>,
    pub scheduling_buffer: Option<String>,
    // `kind = "scheduled"`: the keys of a scheduled action.
    pub at: Option<String>,
    pub recurrence: Option<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlarm {
    pub metric: Option<RawMetric>,
    pub comparison: RawComparison,
    pub threshold: f64,
    pub evaluation_periods: Option<u32>,
    pub datapoints_to_alarm: Option<u32>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: f64,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScheduled {
    pub at: Option<String>,
    pub recurrence: Option<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: Option<u32>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSlo {
    pub latency: Option<String>,
    pub percentile: Option<f64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReport {
    pub interval: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPurchase {
    pub on_demand_base: Option<u32>,
    pub on_demand_percent_above_base: Option<i64>,
    pub spot_pools: Option<Vec<String>>,
    pub spot_allocation: Option<RawSpotAllocation>,
    pub spot_instance_pools: Option<u32>,
    pub reserved: Option<Vec<RawReservation>>,
    pub savings_plan: Option<RawSavingsPlan>,
    pub tenancy: Option<RawTenancy>,
    pub hosts: Option<RawHosts>,
    pub capacity_reservation: Option<Vec<RawCapacityReservation>>,
    pub scheduled_reserved: Option<Vec<RawScheduledReservation>>,
}

/// `tenancy`'s words; the model's `Tenancy` carries prices, so this is not a
/// `file_enum!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawTenancy {
    Default,
    Dedicated,
    Host,
}

/// `[purchase.hosts]`: Dedicated Hosts for `tenancy = "host"`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHosts {
    pub count: u32,
    pub family: Option<String>,
    pub price_per_hour: Option<f64>,
}

/// `[[purchase.capacity_reservation]]`: an On-Demand Capacity Reservation.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCapacityReservation {
    #[serde(rename = "type")]
    pub type_name: String,
    pub count: u32,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `[[purchase.scheduled_reserved]]`: a Scheduled Reserved Instance purchase.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScheduledReservation {
    #[serde(rename = "type")]
    pub type_name: String,
    pub count: u32,
    pub schedule: RawSchedule,
    pub term: Option<RawTerm>,
    pub hourly_usd: Option<f64>,
}

/// A scheduled reservation's recurring window: `start = "08:00"` (UTC, on the hour),
/// `hours`, and `days` (`["mon", "fri"]`) for a weekly schedule, every day if left
/// out.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    pub start: String,
    pub hours: u32,
    pub days: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReservation {
    #[serde(rename = "type")]
    pub type_name: String,
    pub count: u32,
    pub term: Option<RawTerm>,
    pub payment: Option<RawPayment>,
    pub class: Option<RawOfferingClass>,
    pub hourly_usd: Option<f64>,
    pub upfront_usd: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSavingsPlan {
    pub kind: RawSavingsPlanKind,
    pub hourly_commitment: f64,
    pub term: Option<RawTerm>,
    pub payment: Option<RawPayment>,
    pub discount: Option<f64>,
    pub family: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpot {
    pub price: Option<RawSpotPrice>,
    pub interruption: Option<RawInterruption>,
    pub capacity_events: Option<RawCapacityEvents>,
    pub notice: Option<String>,
    pub rebalance: Option<RawRebalance>,
    pub capacity_rebalance: Option<bool>,
    pub pool: Option<Vec<RawSpotPool>>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpotPrice {
    pub discount: Option<f64>,
    pub trace: Option<String>,
    pub zone: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInterruption {
    pub band: Option<String>,
    pub per_hour: Option<f64>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCapacityEvents {
    pub per_day: f64,
    pub share: f64,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRebalance {
    pub probability: Option<f64>,
    pub lead_max: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpotPool {
    #[serde(rename = "type")]
    pub type_name: String,
    pub interruption: RawInterruption,
}
