//! `[tiers.<name>.emr]`, `[tiers.<name>.instance_groups]` or
//! `[tiers.<name>.instance_fleets]` (`primary`, `core`, `task`) and
//! `[[tiers.<name>.node_loss]]`: an `emr` tier's Amazon EMR cluster (aws-facts.md
//! 19), and its workload in the `batch` tier's `[tiers.<name>.jobs]` or
//! `[[tiers.<name>.queue]]` tables (`resolve_queues`). The groups' types become the
//! tier's spot pools, so that its `[spot]` table is read as a `batch` tier's.

use super::batch::{ResolvedBatch, resolve_queues};

/// The name of an `emr` tier's one compute environment: its nodes.
const NODES: &str = "nodes";
use super::*;

/// The most nodes in one instance group: a bound of the simulator (memory grows
/// with nodes), not an AWS limit.
const MAX_GROUP_COUNT: u32 = 10_000;
/// `dfs.replication` beyond this is refused as a bound (HDFS's default is 3).
const MAX_REPLICATION: u32 = 10;
/// The auto-termination policy's idle timeout, 60 s to 7 days
/// (https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html).
const MIN_IDLE_TIMEOUT: SimDuration = SimDuration::from_secs(60);
const MAX_IDLE_TIMEOUT: SimDuration = SimDuration::from_secs(7 * 24 * 3600);

/// An `emr` tier's tables, as the file gives them.
pub(super) struct RawEmrTables {
    pub emr: Option<RawEmr>,
    pub groups: Option<RawInstanceGroups>,
    pub fleets: Option<RawInstanceFleets>,
    pub node_loss: Option<Vec<RawNodeLoss>>,
    pub managed_scaling: Option<RawManagedScaling>,
    pub jobs: Option<RawJobs>,
    pub queue: Option<Vec<RawJobQueue>>,
}

pub(super) fn resolve_emr(
    ctx: &Ctx,
    raw: RawEmrTables,
    entry: bool,
    duration: SimDuration,
) -> Result<ResolvedBatch> {
    let mut types: Vec<BatchType> = Vec::new();
    let nodes = match (raw.groups, raw.fleets) {
        (Some(_), Some(_)) => {
            return Err(ctx.err_table(
                "instance_fleets",
                "and instance_groups are both given: an EMR cluster's nodes are instance groups or instance fleets, not both (aws-facts.md 19.4)",
            ));
        }
        (None, Some(f)) => fleets(ctx, f, &mut types)?,
        (g, None) => groups(ctx, g.unwrap_or_default(), &mut types)?,
    };
    let e = raw.emr.unwrap_or_default();
    let at = ctx.duration("emr.at", e.at.as_ref(), SimDuration::ZERO)?;
    if at >= duration {
        ctx.note(
            "emr.at",
            "is at or after the end of the run: the cluster is never requested",
        );
    }
    let provisioning_time = ctx.duration(
        "emr.provisioning_time",
        e.provisioning_time.as_ref(),
        default::EMR_PROVISIONING_TIME,
    )?;
    let when_idle = match (e.terminate, &e.idle_timeout) {
        (Some(RawTerminate::Never), Some(_)) => {
            return Err(ctx.err(
                "emr.idle_timeout",
                "is the auto-termination policy's, but emr.terminate = \"never\"",
            ));
        }
        (Some(RawTerminate::WhenIdle), _) | (None, Some(_)) => true,
        (Some(RawTerminate::Never), None) | (None, None) => false,
    };
    let idle_timeout = match when_idle {
        true => Some(ctx.duration_in(
            "emr.idle_timeout",
            e.idle_timeout.as_ref(),
            default::EMR_IDLE_TIMEOUT,
            MIN_IDLE_TIMEOUT..=MAX_IDLE_TIMEOUT,
        )?),
        false => None,
    };
    let terminate_at = match &e.terminate_at {
        Some(text) => {
            let t = ctx.duration("emr.terminate_at", Some(text), SimDuration::ZERO)?;
            if t <= at {
                return Err(ctx.err(
                    "emr.terminate_at",
                    format!("must be after the cluster's request (emr.at = {at})"),
                ));
            }
            Some(t)
        }
        None => None,
    };
    // EMR sets dfs.replication from the core count: 1 below 4 core nodes, 2 below
    // 10, else 3; and will not run fewer core nodes than it (emr-hdfs-config). A
    // core fleet's count is the fewest nodes its targets take (all of its largest
    // weight).
    let core_count = core_nodes(&nodes);
    let replication_default = match core_count {
        0..=3 => 1,
        4..=9 => 2,
        _ => 3,
    };
    let hdfs_replication = e.hdfs_replication.unwrap_or(replication_default);
    let most = MAX_REPLICATION.min(core_count);
    if !(1..=most).contains(&hdfs_replication) {
        return Err(ctx.err(
            "emr.hdfs_replication",
            format!(
                "must be between 1 and {most}: at most the core nodes (instance_groups.core.count, or the fewest instance_fleets.core's targets take), as EMR runs no fewer core nodes than dfs.replication"
            ),
        ));
    }
    let mut node_losses = Vec::new();
    for (i, loss) in raw.node_loss.unwrap_or_default().into_iter().enumerate() {
        let key = |k: &str| format!("node_loss[{i}].{k}");
        let role = match loss.group {
            RawNodeRole::Primary => NodeRole::Primary,
            RawNodeRole::Core => NodeRole::Core,
            RawNodeRole::Task => NodeRole::Task,
        };
        if !has_spot(&nodes, Some(role)) {
            return Err(ctx.err(
                &key("group"),
                "names no spot group or fleet: EC2 reclaims spot nodes only (market = \"SPOT\", or a fleet's target_spot_capacity)",
            ));
        }
        let at = ctx.duration(&key("at"), Some(&loss.at), SimDuration::ZERO)?;
        node_losses.push(NodeLoss { role, at });
    }
    let managed_scaling = match (raw.managed_scaling, &nodes) {
        (Some(_), EmrNodes::Fleets(_)) => {
            return Err(ctx.err_table(
                "managed_scaling",
                "is not built with instance fleets (its limits would count the fleets' units): use instance groups with managed scaling, or fleets without it",
            ));
        }
        (Some(m), EmrNodes::Groups(g)) => Some(managed_scaling(ctx, m, &g[1], g.get(2))?),
        (None, _) => None,
    };
    // The queues run in one compute environment: the cluster's core and task nodes
    // (no scaling of its own; the cluster launches its nodes).
    if let Some(i) = raw
        .queue
        .as_ref()
        .and_then(|q| q.iter().position(|q| q.compute_environments.is_some()))
    {
        return Err(ctx.err(
            &format!("queue[{i}].compute_environments"),
            "is a batch tier's: an emr tier's queues run on its core and task nodes",
        ));
    }
    let any_spot = has_spot(&nodes, None);
    let total_vcpus = most_vcpus(&nodes, &types);
    let mut environments = vec![ComputeEnvironment {
        name: NODES.into(),
        compute: match any_spot {
            true => ComputeType::Spot,
            false => ComputeType::Ec2,
        },
        // The cluster's groups decide its nodes; these bounds are not used (and
        // not printed).
        min_vcpus: 0,
        desired_vcpus: 0,
        max_vcpus: total_vcpus,
        types: yarn_types(&nodes),
        allocation: BatchAllocation::BestFit,
        bid_percentage: 100,
        launch_time: provisioning_time,
        idle_timeout: SimDuration::ZERO,
    }];
    let queues = resolve_queues(
        ctx,
        (raw.jobs, raw.queue),
        &mut environments,
        &mut types,
        entry,
        duration,
    )?;
    Ok(ResolvedBatch::new(
        BatchConfig {
            environments,
            types,
            queues,
        },
        Some(EmrConfig {
            nodes,
            at,
            provisioning_time,
            idle_timeout,
            terminate_at,
            hdfs_replication,
            node_losses,
            managed_scaling,
        }),
    ))
}

/// `[tiers.<name>.managed_scaling]` (aws-facts.md 19.5): `ComputeLimits` in
/// instances over the core and task nodes; the groups' counts must not exceed them.
fn managed_scaling(
    ctx: &Ctx,
    raw: RawManagedScaling,
    core: &NodeGroup,
    task: Option<&NodeGroup>,
) -> Result<ManagedScaling> {
    let nodes = core.count + task.map_or(0, |t| t.count);
    let Some(min_units) = raw.min_units else {
        return Err(ctx.err(
            "managed_scaling.min_units",
            "missing: the fewest core and task nodes, like min_units = 2",
        ));
    };
    let Some(max_units) = raw.max_units else {
        return Err(ctx.err(
            "managed_scaling.max_units",
            "missing: the most core and task nodes, like max_units = 20",
        ));
    };
    let units = |key: &str, x: u32, lo: u32, hi: u32| {
        ctx.range(&format!("managed_scaling.{key}"), x, lo, hi, "")
    };
    let min_units = units("min_units", min_units, 1, MAX_GROUP_COUNT)?;
    if max_units < min_units {
        return Err(ctx.err(
            "managed_scaling.max_units",
            format!("must be at least managed_scaling.min_units ({min_units})"),
        ));
    }
    let max_units = units("max_units", max_units, min_units, MAX_GROUP_COUNT)?;
    let max_core_units = units(
        "max_core_units",
        raw.max_core_units.unwrap_or(max_units),
        1,
        max_units,
    )?;
    let max_on_demand_units = units(
        "max_on_demand_units",
        raw.max_on_demand_units.unwrap_or(max_units),
        0,
        max_units,
    )?;
    if core.count > max_core_units {
        return Err(ctx.err(
            "instance_groups.core.count",
            format!("must be at most managed_scaling.max_core_units ({max_core_units})"),
        ));
    }
    // Below min_units, managed scaling adds nodes at its first evaluation.
    if nodes > max_units {
        return Err(ctx.err_table(
            "instance_groups",
            format!(
                "the core and task nodes ({nodes}) are more than managed_scaling.max_units ({max_units})"
            ),
        ));
    }
    Ok(ManagedScaling {
        min_units,
        max_units,
        max_core_units,
        max_on_demand_units,
    })
}

/// An instance group at `key`; its type joins `types` (once).
fn group(
    ctx: &Ctx,
    key: &str,
    role: NodeRole,
    raw: RawNodeGroup,
    types: &mut Vec<BatchType>,
) -> Result<NodeGroup> {
    let k = |f: &str| format!("{key}.{f}");
    let (type_index, emr_price_per_hour) =
        node_type(ctx, key, raw.instance_type, raw.emr_price_per_hour, types)?;
    let count = match role {
        // The primary group has one node (19.2: "the master fleet target is always
        // 1"); multi-primary (high-availability) clusters are not modelled.
        NodeRole::Primary => ctx.range(&k("count"), raw.count.unwrap_or(1), 1, 1, "")?,
        NodeRole::Core => match raw.count {
            Some(0) => {
                return Err(ctx.err(
                    &k("count"),
                    "must be at least 1: YARN's containers and HDFS run on core nodes (a cluster of the primary node alone is not modelled)",
                ));
            }
            given => ctx.range(&k("count"), given.unwrap_or(1), 1, MAX_GROUP_COUNT, "")?,
        },
        NodeRole::Task => ctx.range(&k("count"), raw.count.unwrap_or(1), 0, MAX_GROUP_COUNT, "")?,
    };
    Ok(NodeGroup {
        role,
        type_index,
        count,
        spot: raw
            .market
            .map_or(default::EMR_MARKET_SPOT, |m| m == RawMarket::Spot),
        emr_price_per_hour,
    })
}

/// `[tiers.<name>.instance_groups]`: the primary, core and (optional) task groups.
fn groups(ctx: &Ctx, raw: RawInstanceGroups, types: &mut Vec<BatchType>) -> Result<EmrNodes> {
    let mut groups = Vec::new();
    for (role, group_raw, why) in [
        (
            NodeRole::Primary,
            raw.primary,
            "missing: an EMR cluster has one primary node, like [tiers.<name>.instance_groups.primary] type = \"m5.xlarge\"",
        ),
        (
            NodeRole::Core,
            raw.core,
            "missing: the cluster's containers and HDFS need core nodes, like [tiers.<name>.instance_groups.core] type = \"m5.xlarge\", count = 2",
        ),
        (NodeRole::Task, raw.task, ""),
    ] {
        let key = format!("instance_groups.{}", role.word());
        match group_raw {
            Some(g) => groups.push(group(ctx, &key, role, g, types)?),
            None if role == NodeRole::Task => {}
            None => return Err(ctx.err_table(&key, why)),
        }
    }
    Ok(EmrNodes::Groups(groups))
}

/// The instance type at `key` (`type`) joins `types` (once): its index, and EMR's
/// price per hour of it (`emr_price_per_hour`, or 25 % of its on-demand price,
/// aws-facts.md 19.1).
fn node_type(
    ctx: &Ctx,
    key: &str,
    name: Option<String>,
    emr_price: Option<f64>,
    types: &mut Vec<BatchType>,
) -> Result<(usize, f64)> {
    let k = |f: &str| format!("{key}.{f}");
    let Some(name) = name else {
        return Err(ctx.err(
            &k("type"),
            "missing: the instance type, like type = \"m5.xlarge\"",
        ));
    };
    let Some(facts) = ctx.instance_type(&name) else {
        return Err(ctx.err(
            &k("type"),
            format!("unknown instance type \"{name}\"; {}", ctx.known_types()),
        ));
    };
    let price = facts.price_per_hour;
    let emr_price_per_hour = match emr_price {
        Some(p) => ctx.non_negative(&k("emr_price_per_hour"), p)?,
        None => price * default::EMR_PRICE_SHARE,
    };
    let type_index = match types.iter().position(|t| t.name == name) {
        Some(i) => i,
        None => {
            types.push(BatchType {
                name,
                vcpu: facts.vcpu,
                memory_gib: facts.memory_gib,
                price_per_hour: price,
            });
            types.len() - 1
        }
    };
    Ok((type_index, emr_price_per_hour))
}

/// `[tiers.<name>.instance_fleets]`: the primary, core and (optional) task fleets
/// (aws-facts.md 19.4).
fn fleets(ctx: &Ctx, raw: RawInstanceFleets, types: &mut Vec<BatchType>) -> Result<EmrNodes> {
    let mut fleets = Vec::new();
    for (role, fleet) in [
        (NodeRole::Primary, raw.primary),
        (NodeRole::Core, raw.core),
        (NodeRole::Task, raw.task),
    ] {
        let key = format!("instance_fleets.{}", role.word());
        match fleet {
            Some(f) => fleets.push(node_fleet(ctx, &key, role, f, types)?),
            None if role == NodeRole::Task => {}
            None => {
                return Err(ctx.err_table(
                    &key,
                    format!(
                        "missing: an EMR cluster of instance fleets has a {} fleet, like [tiers.<name>.{key}] target_on_demand_capacity = 1 and [[tiers.<name>.{key}.instance_types]] type = \"m5.xlarge\"",
                        role.word()
                    ),
                ));
            }
        }
    }
    Ok(EmrNodes::Fleets(fleets))
}

/// The most instance types in a fleet: "a maximum of 30 instance type
/// configurations for a fleet" with an allocation strategy (which every fleet here
/// has: lowest-price on-demand, a spot strategy), five without (API
/// `InstanceTypeConfig`,
/// https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceTypeConfig.html).
const MAX_FLEET_TYPES: usize = 30;
/// The most units a fleet's target may have: a bound of the simulator (memory
/// grows with nodes), as `MAX_GROUP_COUNT`.
const MAX_FLEET_UNITS: u32 = 10_000;
/// `TimeoutDurationMinutes`: 5 to 1,440 minutes (aws-facts.md 19.4).
const MIN_SPOT_TIMEOUT: SimDuration = SimDuration::from_secs(5 * 60);
const MAX_SPOT_TIMEOUT: SimDuration = SimDuration::from_secs(1440 * 60);

/// The instance fleet of `role` at `key`; its types join `types` (once each).
fn node_fleet(
    ctx: &Ctx,
    key: &str,
    role: NodeRole,
    raw: RawNodeFleet,
    types: &mut Vec<BatchType>,
) -> Result<NodeFleet> {
    let k = |f: &str| format!("{key}.{f}");
    let on_demand = raw.target_on_demand_capacity.unwrap_or(0);
    let spot = raw.target_spot_capacity.unwrap_or(0);
    let on_demand = ctx.range(
        &k("target_on_demand_capacity"),
        on_demand,
        0,
        MAX_FLEET_UNITS,
        "",
    )?;
    let spot = ctx.range(&k("target_spot_capacity"), spot, 0, MAX_FLEET_UNITS, "")?;
    match role {
        // "For a master instance fleet, only one of TargetSpotCapacity and
        // TargetOnDemandCapacity can be specified, and its value must be 1" (API
        // InstanceFleetConfig,
        // https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceFleetConfig.html;
        // aws-facts.md 19.2: "the master fleet target is always 1").
        NodeRole::Primary if on_demand + spot != 1 => {
            let key = match raw.target_spot_capacity.is_some() {
                true => "target_spot_capacity",
                false => "target_on_demand_capacity",
            };
            return Err(ctx.err(
                &k(key),
                "must make the primary fleet's target exactly 1: one of target_on_demand_capacity and target_spot_capacity is 1, the other 0 (the primary fleet has one node)",
            ));
        }
        NodeRole::Core if on_demand + spot == 0 => {
            return Err(ctx.err_table(
                key,
                "has no target: YARN's containers and HDFS run on core nodes, like target_on_demand_capacity = 2",
            ));
        }
        _ => {}
    }
    let raw_types = raw.instance_types.unwrap_or_default();
    if raw_types.is_empty() {
        return Err(ctx.err_table(
            &k("instance_types"),
            "missing: a fleet has at least one instance type, like [[tiers.<name>.instance_fleets.core.instance_types]] type = \"m5.xlarge\", weighted_capacity = 4",
        ));
    }
    if raw_types.len() > MAX_FLEET_TYPES {
        return Err(ctx.err_table(
            &k("instance_types"),
            format!(
                "has {} types: at most {MAX_FLEET_TYPES} instance types per fleet (API InstanceTypeConfig)",
                raw_types.len()
            ),
        ));
    }
    let mut fleet_types: Vec<FleetType> = Vec::with_capacity(raw_types.len());
    for (i, t) in raw_types.into_iter().enumerate() {
        let tk = k(&format!("instance_types[{i}]"));
        // WeightedCapacity "is 1 for a master instance fleet, and must be 1 or
        // greater for core and task instance fleets. Defaults to 1 if not
        // specified" (API InstanceTypeConfig; the console's default, vCPUs, is the
        // console's).
        let weight = t.weighted_capacity.unwrap_or(1);
        let weight = match role {
            NodeRole::Primary => ctx.range(&format!("{tk}.weighted_capacity"), weight, 1, 1, "")?,
            _ => ctx.range(
                &format!("{tk}.weighted_capacity"),
                weight,
                1,
                MAX_FLEET_UNITS,
                "",
            )?,
        };
        let (type_index, emr_price_per_hour) =
            node_type(ctx, &tk, t.instance_type, t.emr_price_per_hour, types)?;
        if fleet_types.iter().any(|f| f.type_index == type_index) {
            return Err(ctx.err(
                &format!("{tk}.type"),
                "is given twice in the fleet: each instance type once",
            ));
        }
        // "If neither BidPrice nor BidPriceAsPercentageOfOnDemandPrice is provided,
        // BidPriceAsPercentageOfOnDemandPrice defaults to 100%" (API
        // InstanceTypeConfig); above 100 % is refused as a bound (EC2's price cap is
        // the on-demand price, aws-facts.md 2).
        let bid = t
            .bid_price_as_percentage_of_on_demand_price
            .unwrap_or(100.0);
        let bid_key = format!("{tk}.bid_price_as_percentage_of_on_demand_price");
        if !(bid.is_finite() && bid > 0.0 && bid <= 100.0) {
            return Err(ctx.err(&bid_key, "must be a percentage above 0 and at most 100"));
        }
        fleet_types.push(FleetType {
            type_index,
            weighted_capacity: weight,
            max_spot_share: bid / 100.0,
            emr_price_per_hour,
        });
    }
    let s = raw.spot_specification.unwrap_or_default();
    let spot_allocation = match s.allocation_strategy {
        // The default: "When you launch a Spot Instance fleet with the old console, it
        // automatically launches with the capacity-optimized strategy" (API
        // SpotProvisioningSpecification,
        // https://docs.aws.amazon.com/emr/latest/APIReference/API_SpotProvisioningSpecification.html).
        None | Some(RawSpotFleetAllocation::CapacityOptimized) => {
            SpotFleetAllocation::CapacityOptimized
        }
        Some(RawSpotFleetAllocation::PriceCapacityOptimized) => {
            SpotFleetAllocation::PriceCapacityOptimized
        }
        Some(RawSpotFleetAllocation::LowestPrice) => SpotFleetAllocation::LowestPrice,
        Some(RawSpotFleetAllocation::Diversified) => {
            return Err(ctx.err(
                &k("spot_specification.allocation_strategy"),
                "is not built: simcloud's fleets launch spot capacity by capacity-optimized, price-capacity-optimized or lowest-price",
            ));
        }
    };
    let spot_timeout = match (&s.timeout_duration, s.timeout_action) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(ctx.err(
                &k("spot_specification.timeout_action"),
                "missing: what EMR does when spot capacity is not provisioned within timeout_duration, \"SWITCH_TO_ON_DEMAND\" or \"TERMINATE_CLUSTER\"",
            ));
        }
        (None, Some(_)) => {
            return Err(ctx.err(
                &k("spot_specification.timeout_duration"),
                "missing: how long EMR tries to provision spot capacity before timeout_action, 5 to 1440 minutes, like timeout_duration = \"20m\"",
            ));
        }
        (Some(text), Some(action)) => Some((
            ctx.duration_in(
                &k("spot_specification.timeout_duration"),
                Some(text),
                MIN_SPOT_TIMEOUT,
                MIN_SPOT_TIMEOUT..=MAX_SPOT_TIMEOUT,
            )?,
            match action {
                RawTimeoutAction::SwitchToOnDemand => SpotTimeoutAction::SwitchToOnDemand,
                RawTimeoutAction::TerminateCluster => SpotTimeoutAction::TerminateCluster,
            },
        )),
    };
    Ok(NodeFleet {
        role,
        target_on_demand_units: on_demand,
        target_spot_units: spot,
        types: fleet_types,
        spot_allocation,
        spot_timeout,
    })
}

/// The core nodes: an instance group's count, or the fewest a core fleet's targets
/// take (each market's target in its largest weight).
fn core_nodes(nodes: &EmrNodes) -> u32 {
    match nodes {
        EmrNodes::Groups(g) => g[1].count,
        EmrNodes::Fleets(f) => {
            let most = f[1].types.iter().map(|t| t.weighted_capacity).max();
            let most = most.expect("a fleet has types");
            f[1].target_on_demand_units.div_ceil(most) + f[1].target_spot_units.div_ceil(most)
        }
    }
}

/// True when a group or fleet of `role` (of any role: `None`) has spot nodes.
fn has_spot(nodes: &EmrNodes, role: Option<NodeRole>) -> bool {
    let of = |r: NodeRole| role.is_none_or(|role| role == r);
    match nodes {
        EmrNodes::Groups(g) => g.iter().any(|g| of(g.role) && g.spot),
        EmrNodes::Fleets(f) => f.iter().any(|f| of(f.role) && f.target_spot_units > 0),
    }
}

/// The most vCPUs the nodes may have at once (a fleet's targets in its smallest
/// weight, of its largest type): the compute environment's bound, not used.
fn most_vcpus(nodes: &EmrNodes, types: &[BatchType]) -> u32 {
    match nodes {
        EmrNodes::Groups(g) => g.iter().map(|g| types[g.type_index].vcpu * g.count).sum(),
        EmrNodes::Fleets(f) => f
            .iter()
            .map(|f| {
                let least = f.types.iter().map(|t| t.weighted_capacity).min();
                let vcpu = f.types.iter().map(|t| types[t.type_index].vcpu).max();
                let units = f.target_on_demand_units + f.target_spot_units;
                units.div_ceil(least.unwrap_or(1)) * vcpu.unwrap_or(0)
            })
            .sum(),
    }
}

/// The types of the core and task nodes (where YARN runs containers), once each.
fn yarn_types(nodes: &EmrNodes) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut add = |t: usize| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    match nodes {
        EmrNodes::Groups(g) => g.iter().skip(1).for_each(|g| add(g.type_index)),
        EmrNodes::Fleets(f) => f
            .iter()
            .skip(1)
            .flat_map(|f| &f.types)
            .for_each(|t| add(t.type_index)),
    }
    out
}
