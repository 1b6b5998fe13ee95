//! `[tiers.<name>.emr]`, `[tiers.<name>.instance_groups]` (`primary`, `core`, `task`) and
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
    pub groups: RawInstanceGroups,
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
    let primary = match raw.groups.primary {
        Some(g) => group(
            ctx,
            "instance_groups.primary",
            NodeRole::Primary,
            g,
            &mut types,
        )?,
        None => {
            return Err(ctx.err_table(
                "instance_groups.primary",
                "missing: an EMR cluster has one primary node, like [tiers.<name>.instance_groups.primary] type = \"m5.xlarge\"",
            ));
        }
    };
    let core = match raw.groups.core {
        Some(g) => group(ctx, "instance_groups.core", NodeRole::Core, g, &mut types)?,
        None => {
            return Err(ctx.err_table(
                "instance_groups.core",
                "missing: the cluster's containers and HDFS need core nodes, like [tiers.<name>.instance_groups.core] type = \"m5.xlarge\", count = 2",
            ));
        }
    };
    let task = match raw.groups.task {
        Some(g) => Some(group(ctx, "task", NodeRole::Task, g, &mut types)?),
        None => None,
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
    // 10, else 3; and will not run fewer core nodes than it (emr-hdfs-config).
    let replication_default = match core.count {
        0..=3 => 1,
        4..=9 => 2,
        _ => 3,
    };
    let hdfs_replication = e.hdfs_replication.unwrap_or(replication_default);
    let most = MAX_REPLICATION.min(core.count);
    if !(1..=most).contains(&hdfs_replication) {
        return Err(ctx.err(
            "emr.hdfs_replication",
            format!(
                "must be between 1 and {most}: at most instance_groups.core.count, as EMR runs no fewer core nodes than dfs.replication"
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
        let spot = [Some(&primary), Some(&core), task.as_ref()]
            .into_iter()
            .flatten()
            .any(|g| g.role == role && g.spot);
        if !spot {
            return Err(ctx.err(
                &key("group"),
                "names no spot group: EC2 reclaims spot nodes only (market = \"SPOT\")",
            ));
        }
        let at = ctx.duration(&key("at"), Some(&loss.at), SimDuration::ZERO)?;
        node_losses.push(NodeLoss { role, at });
    }
    let managed_scaling = match raw.managed_scaling {
        Some(m) => Some(managed_scaling(ctx, m, &core, task.as_ref())?),
        None => None,
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
    let any_spot = [Some(&primary), Some(&core), task.as_ref()]
        .into_iter()
        .flatten()
        .any(|g| g.spot);
    let total_vcpus: u32 = [Some(&primary), Some(&core), task.as_ref()]
        .into_iter()
        .flatten()
        .map(|g| types[g.type_index].vcpu * g.count)
        .sum();
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
        types: [Some(&core), task.as_ref()]
            .into_iter()
            .flatten()
            .map(|g| g.type_index)
            .collect(),
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
            primary,
            core,
            task,
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
    let Some(name) = raw.instance_type else {
        return Err(ctx.err(
            &k("type"),
            "missing: the group's instance type, like type = \"m5.xlarge\"",
        ));
    };
    let Some(facts) = ctx.instance_type(&name) else {
        return Err(ctx.err(
            &k("type"),
            format!("unknown instance type \"{name}\"; {}", ctx.known_types()),
        ));
    };
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
    let price = facts.price_per_hour;
    let emr_price_per_hour = match raw.emr_price_per_hour {
        Some(p) => ctx.non_negative(&k("emr_price_per_hour"), p)?,
        None => price * default::EMR_PRICE_SHARE,
    };
    let type_index = match types.iter().position(|t| t.name == name) {
        Some(i) => i,
        None => {
            types.push(BatchType {
                name: name.clone(),
                vcpu: facts.vcpu,
                memory_gib: facts.memory_gib,
                price_per_hour: price,
            });
            types.len() - 1
        }
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
