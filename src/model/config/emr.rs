//! The configuration of an `emr` tier: an Amazon EMR cluster of instance groups or
//! instance fleets (aws-facts.md 19) that runs a job workload as YARN containers. The workload and the
//! node types are a [`BatchConfig`]'s (its queues, and its `types`: the groups' types,
//! which are the tier's spot pools), so that the `batch` tier's job model runs it.

use super::*;

/// An Amazon EMR cluster (`kind = "emr"`, issue 16): its primary, core and task
/// instance groups, when it is created and ends, and its HDFS replication.
#[derive(Clone, Debug)]
pub struct EmrConfig {
    /// The primary node (aws-facts.md 19.2: one, running no container), the core
    /// nodes (YARN NodeManagers and HDFS DataNodes) and the task nodes (YARN
    /// NodeManagers only), as instance groups or instance fleets.
    pub nodes: EmrNodes,
    /// When the cluster is requested.
    pub at: SimDuration,
    /// From a node's request to its taking containers (the cluster's start, a
    /// replacement, a resize). A stated assumption (`scenario::default`).
    pub provisioning_time: SimDuration,
    /// The auto-termination policy's idle timeout (60 s to 7 days,
    /// https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html):
    /// the cluster ends once it has run no container and had none waiting this long.
    pub idle_timeout: Option<SimDuration>,
    /// A fixed end of the cluster (a time of the run), if any.
    pub terminate_at: Option<SimDuration>,
    /// `dfs.replication`: the copies HDFS keeps of each block (EMR's default from
    /// the core count, https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-hdfs-config.html).
    pub hdfs_replication: u32,
    /// Spot nodes reclaimed at given times (a what-if, as an outage is).
    pub node_losses: Vec<NodeLoss>,
    /// EMR managed scaling (aws-facts.md 19.5), if on.
    pub managed_scaling: Option<ManagedScaling>,
}

/// EMR managed scaling's `ComputeLimits` (aws-facts.md 19.5), in instances
/// (`UnitType = Instances`), counting the core and task nodes (the primary node is
/// never scaled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManagedScaling {
    pub min_units: u32,
    pub max_units: u32,
    /// The most core nodes; the rest of `max_units` are task nodes.
    pub max_core_units: u32,
    /// The most on-demand core and task nodes.
    pub max_on_demand_units: u32,
}

/// The role of a node (aws-facts.md 19.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeRole {
    Primary,
    Core,
    Task,
}

impl NodeRole {
    /// As the scenario and the summary spell it.
    pub fn word(self) -> &'static str {
        match self {
            NodeRole::Primary => "primary",
            NodeRole::Core => "core",
            NodeRole::Task => "task",
        }
    }
}

/// An instance group: `count` nodes of one type, bought one way.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeGroup {
    pub role: NodeRole,
    /// The index of its type in the tier's `BatchConfig::types`.
    pub type_index: usize,
    pub count: u32,
    /// True for `market = "SPOT"`.
    pub spot: bool,
    /// EMR's price per node-hour on top of EC2 (aws-facts.md 19.1).
    pub emr_price_per_hour: f64,
}

/// How a cluster's nodes are configured: instance groups or instance fleets, one
/// or the other for the whole cluster (aws-facts.md 19.4), primary first, then
/// core, then task (optional).
#[derive(Clone, Debug, PartialEq)]
pub enum EmrNodes {
    Groups(Vec<NodeGroup>),
    Fleets(Vec<NodeFleet>),
}

/// An instance fleet (aws-facts.md 19.4; API `InstanceFleetConfig`): on-demand and
/// spot target capacities in units, met by launching instances of its types, each
/// counting its weighted capacity.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeFleet {
    pub role: NodeRole,
    pub target_on_demand_units: u32,
    pub target_spot_units: u32,
    /// `InstanceTypeConfigs`, in the file's order.
    pub types: Vec<FleetType>,
    /// `SpotProvisioningSpecification.AllocationStrategy`.
    pub spot_allocation: SpotFleetAllocation,
    /// `SpotProvisioningSpecification.TimeoutDurationMinutes` and `TimeoutAction`,
    /// if given.
    pub spot_timeout: Option<(SimDuration, SpotTimeoutAction)>,
}

/// One of a fleet's instance types (API `InstanceTypeConfig`).
#[derive(Clone, Debug, PartialEq)]
pub struct FleetType {
    /// The index of its type in the tier's `BatchConfig::types`.
    pub type_index: usize,
    /// `WeightedCapacity`: the units one instance counts toward the targets.
    pub weighted_capacity: u32,
    /// `BidPriceAsPercentageOfOnDemandPrice` / 100: a spot instance of the type is
    /// launched only while its spot price is at most this share of its on-demand
    /// price.
    pub max_spot_share: f64,
    /// EMR's price per node-hour on top of EC2 (aws-facts.md 19.1).
    pub emr_price_per_hour: f64,
}

/// A fleet's spot allocation strategy (API `SpotProvisioningSpecification`), each
/// the EC2 Fleet strategy of its name; the on-demand one is always `lowest-price`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpotFleetAllocation {
    CapacityOptimized,
    PriceCapacityOptimized,
    LowestPrice,
}

impl SpotFleetAllocation {
    /// As AWS (and the scenario) spells it.
    pub fn word(self) -> &'static str {
        match self {
            SpotFleetAllocation::CapacityOptimized => "capacity-optimized",
            SpotFleetAllocation::PriceCapacityOptimized => "price-capacity-optimized",
            SpotFleetAllocation::LowestPrice => "lowest-price",
        }
    }
}

/// What EMR does with spot capacity not provisioned within the timeout
/// (`TimeoutAction`, aws-facts.md 19.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpotTimeoutAction {
    SwitchToOnDemand,
    TerminateCluster,
}

impl SpotTimeoutAction {
    pub fn word(self) -> &'static str {
        match self {
            SpotTimeoutAction::SwitchToOnDemand => "SWITCH_TO_ON_DEMAND",
            SpotTimeoutAction::TerminateCluster => "TERMINATE_CLUSTER",
        }
    }
}

/// The spot node of `role` with the lowest id alive at `at` gets its interruption
/// notice then, and is reclaimed after `[spot] notice`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeLoss {
    pub role: NodeRole,
    pub at: SimDuration,
}

impl EmrConfig {
    /// The instance groups, primary first (none with fleets).
    pub fn groups(&self) -> &[NodeGroup] {
        match &self.nodes {
            EmrNodes::Groups(g) => g,
            EmrNodes::Fleets(_) => &[],
        }
    }

    /// The instance fleets, primary first (none with groups).
    pub fn fleets(&self) -> &[NodeFleet] {
        match &self.nodes {
            EmrNodes::Groups(_) => &[],
            EmrNodes::Fleets(f) => f,
        }
    }

    /// The group of `role`.
    pub fn group(&self, role: NodeRole) -> Option<&NodeGroup> {
        self.groups().iter().find(|g| g.role == role)
    }
}
