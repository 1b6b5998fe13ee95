//! The `emr` tier kind: an Amazon EMR cluster of instance groups or fleets running the `batch`
//! tier's job model (issue 16). A job is a YARN container; the jobs of one array (or
//! one arrival) are a step, whose finished containers' output stays in HDFS until
//! the whole step is done. `BatchTier` carries it out, its nodes one compute
//! environment (`nodes`) that launches nothing for waiting jobs and scales nothing
//! in, with this cluster in place of that scaling: the same queues, packing,
//! checkpoints, retries, spot pools and EC2 ledger, and these rules, with their
//! sources in
//! `reference/aws-facts.md`:
//!
//! - Nodes (19.2): one primary node, which runs no container (it counts no vCPU of
//!   YARN capacity); core nodes, which run containers and hold HDFS; task nodes,
//!   which run containers only. Each group has a type, a count and a market
//!   (on-demand or spot). The cluster is requested at `emr.at`; every node takes
//!   containers `provisioning_time` after its request (a stated assumption,
//!   `scenario::default::EMR_PROVISIONING_TIME`). Instance groups keep their count:
//!   a node that EC2 reclaims is replaced by a new request of its group (19.3: EMR
//!   provisions the group's requested count, adding nodes as they become available).
//!   Without managed scaling no node is added or removed otherwise.
//! - Instance fleets (19.4), instead of groups: each fleet (primary, core, task) has
//!   an on-demand and a spot target in units and weighted instance types; at the
//!   request EMR launches instances until each target is met or exceeded
//!   (`fill_fleet`), each of the type its market's strategy picks
//!   (`allocation::fleet_policy`); a fleet short of a target (a type short of
//!   capacity in the cluster's zone, or a spot price above the type's maximum) tries
//!   again every minute, and its spot timeout, if any, switches the missing spot
//!   units to on-demand or ends the cluster (`spot_timeout`). A reclaimed spot node
//!   is replaced by filling its fleet again (19.3). Managed scaling is not built
//!   with fleets (the scenario refuses it).
//! - Managed scaling (19.5): every minute from the request (its evaluation interval
//!   is not documented; 19.5 says about a minute, unverified), while containers
//!   wait that the nodes still provisioning cannot hold (or there are fewer than
//!   `min_units`), nodes are added, core
//!   nodes while there are fewer than `max_core_units`, then task nodes, each of its
//!   group's market, within `max_units` core and task nodes and `max_on_demand_units`
//!   on-demand ones; when none waits, task nodes running no container are removed,
//!   newest first, down to `min_units`. Core nodes are not scaled in (removing one
//!   means decommissioning its HDFS blocks, 19.4), nor the primary (19.5).
//! - Spot loss (19.3): a reclaimed task node's containers are cut off and rerun, the
//!   work since their checkpoints lost, exactly as a Batch job's (`interrupt`).
//!   A reclaimed core node also takes its HDFS blocks: the output of every finished
//!   container of an unfinished step whose every replica was on lost core nodes is
//!   gone, and that container runs again (a "rerun for HDFS"). Where a block lives:
//!   HDFS writes the first replica on the writer's own DataNode when the writer runs
//!   on one (a core node), else on a DataNode it picks, and the others on further
//!   DataNodes (https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-hdfs/HdfsDesign.html,
//!   "Replica Placement"); simcloud picks the further core nodes in turn (round
//!   robin), and when a core node is lost re-creates its replicas of surviving blocks
//!   at once on another live core node (HDFS re-replicates from the survivors; the
//!   copy's time is not modelled). `dfs.replication` defaults as EMR sets it: 1 with
//!   fewer than 4 core nodes, 2 with fewer than 10, else 3
//!   (https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-hdfs-config.html), so a
//!   small cluster loses data with any core node. A step's output is safe once the
//!   step is done (written out to S3).
//! - The primary node (19.2): "if it terminates the cluster ends". Losing a spot
//!   primary ends the cluster: its running and waiting containers fail, and so do
//!   those submitted later.
//! - The end: at `terminate_at`, or, with an auto-termination policy, once the
//!   cluster has had no container running or waiting for `idle_timeout`
//!   (https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html),
//!   or at the end of the run. Containers submitted after the end fail.
//! - Billing (19.1): each node's EC2 part on the ledger (`on_demand` or `spot`, with
//!   EC2's rules), and EMR's price per node-second on top, one-minute minimum,
//!   whatever the market: the `emr` part (`billing::emr`).
//!
//! Counting: the job counts of the summary's `batch` section count each container
//! once, at its first success or failure; a rerun for HDFS is counted in the `emr`
//! section (`containers_rerun_hdfs`), and if it fails for good, its step fails. A
//! container meets its deadline when its last success is by it: a rerun that ends
//! later (or fails, or is unfinished at the end) counts a deadline miss.

use super::{BatchTier, Host, Job};
use crate::engine::{SimDuration, SimTime};
use crate::model::billing::emr::{EmrBill, EmrNode};
use crate::model::config::{
    CapacityShortage, EmrConfig, NodeFleet, NodeGroup, NodeRole, SpotTimeoutAction,
};
use crate::model::event::{EmrTimer, Event};
use crate::model::outcome::{EmrSummary, FleetSummary, round_to};
use crate::model::sim::Ctx;
use std::collections::BTreeMap;

/// How often managed scaling evaluates the cluster (aws-facts.md 19.5: not
/// documented, about a minute, unverified).
const SCALING_INTERVAL: SimDuration = SimDuration::from_secs(60);

/// The cluster of an `emr` tier, beside `BatchTier`'s hosts (its nodes).
pub(super) struct Cluster<'a> {
    config: &'a EmrConfig,
    bill: EmrBill,
    /// What each host is to the cluster, by host id.
    nodes: Vec<Node>,
    requested: bool,
    ended: bool,
    /// Idle (nothing running or waiting) since the last change, and the generation
    /// of the idle timer then started.
    idle: bool,
    idle_generation: u32,
    /// Steps not yet done, by id.
    steps: BTreeMap<u32, Step>,
    next_step: u32,
    /// The step of each job slot and whether the job reruns lost HDFS output.
    slots: Vec<(u32, bool)>,
    /// The next core node (in turn) to take a replica.
    next_replica: usize,
    /// The capacity shortages of the first zone, where the cluster runs.
    shortages: Vec<&'a CapacityShortage>,
    /// Each fleet's on-demand and spot targets now (a spot timeout's
    /// SWITCH_TO_ON_DEMAND moves units from the second to the first), and whether
    /// both were met once (initial provisioning is over).
    targets: Vec<(u32, u32, bool)>,
    /// A fleet retry is scheduled.
    retry_pending: bool,
    summary: EmrSummary,
}

/// A node: its role, its type (an index into the tier's types), EMR's price per
/// hour of it, and the units it counts toward its fleet's target (1 in a group).
#[derive(Clone, Copy)]
struct Node {
    role: NodeRole,
    type_index: usize,
    emr_price_per_hour: f64,
    units: u32,
}

impl Node {
    fn of_group(g: &NodeGroup) -> Self {
        Node {
            role: g.role,
            type_index: g.type_index,
            emr_price_per_hour: g.emr_price_per_hour,
            units: 1,
        }
    }
}

/// A step: its containers not yet ended and the output of those finished.
struct Step {
    left: u32,
    failed: bool,
    outputs: Vec<Output>,
}

/// A finished container's output in HDFS: what rerunning it takes, and the core
/// nodes holding its replicas.
struct Output {
    queue: u8,
    work: u64,
    /// Its deadline if it succeeded by it (a rerun that ends later misses it).
    deadline: Option<SimTime>,
    replicas: Vec<u32>,
}

/// A container that succeeded: its queue, work and deadline met (if any), and its
/// node.
type Success = (u8, u64, Option<SimTime>, u32);

impl<'a> Cluster<'a> {
    pub(super) fn new(
        config: &'a EmrConfig,
        tier: &str,
        shortages: &'a [CapacityShortage],
    ) -> Self {
        Cluster {
            config,
            bill: EmrBill::new(tier),
            nodes: Vec::new(),
            requested: false,
            ended: false,
            idle: false,
            idle_generation: 0,
            steps: BTreeMap::new(),
            next_step: 0,
            slots: Vec::new(),
            next_replica: 0,
            shortages: shortages.iter().filter(|s| s.zone == 0).collect(),
            targets: config
                .fleets()
                .iter()
                .map(|f| (f.target_on_demand_units, f.target_spot_units, false))
                .collect(),
            retry_pending: false,
            summary: EmrSummary {
                hdfs_replication: config.hdfs_replication,
                fleets: config
                    .fleets()
                    .iter()
                    .map(|f| FleetSummary {
                        role: f.role.word().to_string(),
                        target_on_demand_units: f.target_on_demand_units,
                        target_spot_units: f.target_spot_units,
                        ..FleetSummary::default()
                    })
                    .collect(),
                ..EmrSummary::default()
            },
        }
    }

    /// True once the cluster has ended: what is submitted fails.
    pub(super) fn ended(&self) -> bool {
        self.ended
    }

    /// True when the job in `slot` reruns lost HDFS output.
    pub(super) fn is_rerun(&self, slot: u32) -> bool {
        self.slots.get(slot as usize).is_some_and(|s| s.1)
    }

    fn set_slot(&mut self, slot: u32, step: u32, rerun: bool) {
        let i = slot as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, (0, false));
        }
        self.slots[i] = (step, rerun);
    }

    /// The jobs in `slots` are one step's containers.
    pub(super) fn step_submitted(&mut self, slots: &[u32]) {
        let step = self.next_step;
        self.next_step += 1;
        self.summary.steps_submitted += 1;
        for &slot in slots {
            self.set_slot(slot, step, false);
        }
        self.steps.insert(
            step,
            Step {
                left: slots.len() as u32,
                failed: false,
                outputs: Vec::new(),
            },
        );
    }

    /// A container of `slot` ended (`output` when it succeeded on `host`; `None`:
    /// failed for good), and the step ends with its last container.
    fn container_ended(&mut self, slot: u32, output: Option<Success>, hosts: &[Host]) {
        let (step_id, rerun) = self.slots[slot as usize];
        let replicas = match output {
            Some((_, _, _, host)) => self.place_replicas(host, hosts),
            None => Vec::new(),
        };
        let Some(step) = self.steps.get_mut(&step_id) else {
            return;
        };
        match output {
            Some((queue, work, deadline, _)) if !replicas.is_empty() => step.outputs.push(Output {
                queue,
                work,
                deadline,
                replicas,
            }),
            Some(_) => {}
            None => {
                step.failed = true;
                if rerun {
                    self.summary.reruns_failed += 1;
                }
            }
        }
        step.left -= 1;
        if step.left == 0 {
            let step = self.steps.remove(&step_id).expect("open");
            match step.failed {
                true => self.summary.steps_failed += 1,
                false => self.summary.steps_completed += 1,
            }
        }
    }

    /// The core nodes that hold a block written by a container on `host`: the
    /// writer's own when it is a core node, then live core nodes in turn, up to
    /// `dfs.replication` distinct ones.
    fn place_replicas(&mut self, host: u32, hosts: &[Host]) -> Vec<u32> {
        let core: Vec<u32> = self.live_core(hosts).collect();
        let want = (self.config.hdfs_replication as usize).min(core.len());
        let mut replicas = Vec::with_capacity(want);
        if self.nodes[host as usize].role == NodeRole::Core && hosts[host as usize].live() {
            replicas.push(host);
        }
        while replicas.len() < want {
            let next = core[self.next_replica % core.len()];
            self.next_replica = self.next_replica.wrapping_add(1);
            if !replicas.contains(&next) {
                replicas.push(next);
            }
        }
        replicas
    }

    fn live_core<'h>(&'h self, hosts: &'h [Host]) -> impl Iterator<Item = u32> + 'h {
        (0..hosts.len() as u32).filter(move |&i| {
            self.nodes[i as usize].role == NodeRole::Core && hosts[i as usize].live()
        })
    }

    /// Core node `lost` is gone with its blocks: the outputs left with no replica,
    /// to run again; the others get a new replica on a live core node, if there is
    /// one.
    fn blocks_lost(&mut self, lost: u32, hosts: &[Host]) -> Vec<(u32, Output)> {
        let core: Vec<u32> = self.live_core(hosts).collect();
        let mut rerun = Vec::new();
        for (&id, step) in self.steps.iter_mut() {
            let mut kept = Vec::with_capacity(step.outputs.len());
            for mut output in step.outputs.drain(..) {
                let Some(at) = output.replicas.iter().position(|&r| r == lost) else {
                    kept.push(output);
                    continue;
                };
                output.replicas.swap_remove(at);
                if output.replicas.is_empty() {
                    rerun.push((id, output));
                    continue;
                }
                let spare = core.iter().find(|c| !output.replicas.contains(c));
                if let Some(&c) = spare {
                    output.replicas.push(c);
                }
                kept.push(output);
            }
            step.outputs = kept;
        }
        rerun
    }

    /// What the EMR bill needs of `host`: its type's index and its node (named by
    /// `type_name`).
    fn node<'n>(&self, host: &Host, type_name: &'n str) -> EmrNode<'n> {
        EmrNode {
            id: host.instance.id,
            type_name,
            price_per_hour: self.nodes[host.instance.id as usize].emr_price_per_hour,
            launched_at: host.instance.launched_at,
        }
    }

    /// The fleet of `role` and its index (with instance fleets).
    fn fleet(&self, role: NodeRole) -> Option<(usize, &'a NodeFleet)> {
        let fleets: &'a [NodeFleet] = self.config.fleets();
        fleets.iter().enumerate().find(|(_, f)| f.role == role)
    }
}

impl<'a> BatchTier<'a> {
    fn cluster(&mut self) -> &mut Cluster<'a> {
        self.emr.as_mut().expect("an emr tier has its cluster")
    }

    /// Schedules the cluster's request, its fixed end and the node losses.
    pub(super) fn emr_start(&mut self, ctx: &mut Ctx<'_>) {
        let c = self.emr.as_ref().expect("an emr tier").config;
        let tier = ctx.tier;
        let timer = |timer, generation| Event::EmrTimerDue {
            tier,
            timer,
            generation,
        };
        ctx.queue
            .schedule(SimTime::ZERO + c.at, timer(EmrTimer::ClusterRequested, 0));
        if let Some(at) = c.terminate_at {
            ctx.queue
                .schedule(SimTime::ZERO + at, timer(EmrTimer::TerminationDue, 0));
        }
        if c.managed_scaling.is_some() {
            ctx.queue.schedule(
                SimTime::ZERO + c.at + SCALING_INTERVAL,
                timer(EmrTimer::ScalingEvaluated, 0),
            );
        }
        for (i, loss) in c.node_losses.iter().enumerate() {
            ctx.queue.schedule(
                SimTime::ZERO + loss.at,
                timer(EmrTimer::NodeLossDue, i as u32),
            );
        }
    }

    /// One of the cluster's timers.
    pub(super) fn emr_timer(&mut self, ctx: &mut Ctx<'_>, timer: EmrTimer, generation: u32) {
        let c = self.emr.as_ref().expect("an emr tier").config;
        match timer {
            EmrTimer::ClusterRequested => {
                self.cluster().requested = true;
                for group in c.groups() {
                    for _ in 0..group.count {
                        self.launch_node(ctx, Node::of_group(group), group.spot);
                    }
                }
                for (f, fleet) in c.fleets().iter().enumerate() {
                    self.fill_fleet(ctx, fleet);
                    if let Some((timeout, _)) = fleet.spot_timeout {
                        let tier = ctx.tier;
                        ctx.queue.schedule(
                            ctx.now + timeout,
                            Event::EmrTimerDue {
                                tier,
                                timer: EmrTimer::SpotTimeoutDue,
                                generation: f as u32,
                            },
                        );
                    }
                }
            }
            EmrTimer::IdleTimeout => {
                let cluster = self.cluster();
                if cluster.idle && cluster.idle_generation == generation && !cluster.ended {
                    self.end_cluster(ctx, "idle_timeout");
                }
            }
            EmrTimer::TerminationDue => {
                if !self.cluster().ended {
                    self.end_cluster(ctx, "terminate_at");
                }
            }
            EmrTimer::ScalingEvaluated => {
                if self.cluster().ended {
                    return;
                }
                self.emr_scale(ctx);
                let tier = ctx.tier;
                ctx.queue.schedule(
                    ctx.now + SCALING_INTERVAL,
                    Event::EmrTimerDue {
                        tier,
                        timer: EmrTimer::ScalingEvaluated,
                        generation: 0,
                    },
                );
            }
            EmrTimer::FleetRetried => {
                self.cluster().retry_pending = false;
                if !self.cluster().ended {
                    for fleet in c.fleets() {
                        self.fill_fleet(ctx, fleet);
                    }
                }
            }
            EmrTimer::SpotTimeoutDue => self.spot_timeout(ctx, generation as usize),
            EmrTimer::NodeLossDue => {
                let role = c.node_losses[generation as usize].role;
                let nodes = &self.emr.as_ref().expect("an emr tier").nodes;
                let victim = (0..self.hosts.len()).find(|&i| {
                    let h = &self.hosts[i];
                    nodes[i].role == role && h.live() && !h.noticed && h.instance.pool.is_some()
                });
                if let Some(i) = victim {
                    let tier = ctx.tier;
                    ctx.queue.schedule(
                        ctx.now,
                        Event::SpotInterruptionNoticed {
                            tier,
                            instance: i as u32,
                        },
                    );
                }
            }
        }
    }

    /// Requests `node`, spot or on-demand.
    fn launch_node(&mut self, ctx: &mut Ctx<'_>, node: Node, spot: bool) {
        // The primary node runs no container: no YARN capacity.
        let yarn = node.role != NodeRole::Primary;
        // An emr tier's one compute environment (index 0) holds its nodes.
        let id = self.launch_as(ctx, 0, node.type_index, None, spot, yarn);
        let cluster = self.cluster();
        debug_assert_eq!(cluster.nodes.len(), id as usize);
        cluster.nodes.push(node);
        cluster.summary.nodes_launched += 1;
    }

    /// Launches instances of `fleet` until its on-demand and its spot targets are
    /// each met or exceeded in units (aws-facts.md 19.4): "Amazon EMR provisions
    /// instances until the target capacity is totally fulfilled, even if this results
    /// in an overage" (API `InstanceFleetConfig.TargetOnDemandCapacity`,
    /// https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceFleetConfig.html),
    /// each instance of the type its market's allocation strategy picks now. The
    /// live nodes count, those provisioning too, but not one noticed of its
    /// reclaim: so at the cluster's request this provisions the fleet, and after a
    /// spot node is reclaimed it replaces its units ("Amazon EMR tries to replace
    /// the instance", 19.3).
    ///
    /// A type short of capacity in the cluster's zone (`[[capacity_shortage]]`) is
    /// not launched; while a target is not met, the fleet tries again every minute
    /// (an assumption: EMR's retry interval is not documented), until its spot
    /// timeout, if any, acts (`spot_timeout`).
    fn fill_fleet(&mut self, ctx: &mut Ctx<'_>, fleet: &'a NodeFleet) {
        let (f, _) = self.cluster().fleet(fleet.role).expect("its fleet");
        let mut short = false;
        for spot in [false, true] {
            let (on_demand_target, spot_target, _) = self.cluster().targets[f];
            let target = match spot {
                true => spot_target,
                false => on_demand_target,
            };
            let mut have = self.fleet_units(fleet.role, spot);
            while have < target {
                let Some(t) = self.choose_fleet_type(ctx.now, fleet, spot) else {
                    short = true;
                    break;
                };
                let ty = &fleet.types[t];
                let node = Node {
                    role: fleet.role,
                    type_index: ty.type_index,
                    emr_price_per_hour: ty.emr_price_per_hour,
                    units: ty.weighted_capacity,
                };
                self.launch_node(ctx, node, spot);
                have += ty.weighted_capacity;
                let name = self.batch.types[ty.type_index].name.clone();
                let count = self.cluster().summary.fleets[f]
                    .instances
                    .entry(name)
                    .or_default();
                match spot {
                    true => count.spot += 1,
                    false => count.on_demand += 1,
                }
            }
        }
        let (on_demand, spot) = (
            self.fleet_units(fleet.role, false),
            self.fleet_units(fleet.role, true),
        );
        let now = ctx.now;
        let cluster = self.cluster();
        if !cluster.targets[f].2 {
            let s = &mut cluster.summary.fleets[f];
            s.on_demand_units = on_demand;
            s.spot_units = spot;
            if !short {
                cluster.targets[f].2 = true;
                s.provisioned_at_s = Some(round_to(now.as_secs_f64(), 3));
            }
        }
        if short && !cluster.retry_pending {
            cluster.retry_pending = true;
            let tier = ctx.tier;
            ctx.queue.schedule(
                now + SCALING_INTERVAL,
                Event::EmrTimerDue {
                    tier,
                    timer: EmrTimer::FleetRetried,
                    generation: 0,
                },
            );
        }
    }

    /// The spot provisioning timeout of fleet `f` (aws-facts.md 19.4): if its
    /// initial provisioning is not over (it applies "only at initial provisioning")
    /// and its spot units are short of the target, TERMINATE_CLUSTER ends the
    /// cluster, and SWITCH_TO_ON_DEMAND provisions the missing units on-demand
    /// ("On-Demand then counts toward the Spot target").
    fn spot_timeout(&mut self, ctx: &mut Ctx<'_>, f: usize) {
        let c = self.emr.as_ref().expect("an emr tier").config;
        let fleet = &c.fleets()[f];
        let (_, action) = fleet.spot_timeout.expect("a fleet with a timeout");
        let spot = self.fleet_units(fleet.role, true);
        let cluster = self.cluster();
        let (on_demand_target, spot_target, done) = cluster.targets[f];
        if cluster.ended || done || spot >= spot_target {
            return;
        }
        cluster.summary.fleets[f].timeout_action_fired = action.word().to_string();
        match action {
            SpotTimeoutAction::TerminateCluster => self.end_cluster(ctx, "spot_timeout"),
            SpotTimeoutAction::SwitchToOnDemand => {
                let missing = spot_target - spot;
                cluster.targets[f] = (on_demand_target + missing, spot, false);
                cluster.summary.fleets[f].spot_units_as_on_demand = missing;
                self.fill_fleet(ctx, fleet);
            }
        }
    }

    /// The units of `role`'s fleet live and not noticed, spot or on-demand.
    fn fleet_units(&self, role: NodeRole, spot: bool) -> u32 {
        let c = self.emr.as_ref().expect("an emr tier");
        self.hosts
            .iter()
            .zip(&c.nodes)
            .filter(|(h, n)| {
                n.role == role && h.live() && !h.noticed && h.instance.pool.is_some() == spot
            })
            .map(|(_, n)| n.units)
            .sum()
    }

    /// The type (an index into `fleet.types`) the fleet's strategy launches now for
    /// its spot or on-demand capacity. A spot type is available while its price is
    /// at most its maximum price (`BidPriceAsPercentageOfOnDemandPrice` of its
    /// on-demand price, which "defaults to 100%", API `InstanceTypeConfig`,
    /// https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceTypeConfig.html);
    /// a type short of capacity in the cluster's zone is not available in either
    /// market (as `[[capacity_shortage]]` is for an EC2 tier).
    fn choose_fleet_type(&self, now: SimTime, fleet: &NodeFleet, spot: bool) -> Option<usize> {
        let types: Vec<_> = fleet
            .types
            .iter()
            .map(|t| self.batch.types[t.type_index].clone())
            .collect();
        let c = self.emr.as_ref().expect("an emr tier");
        let at = now - SimTime::ZERO;
        let short = |i: usize| {
            c.shortages
                .iter()
                .any(|s| s.type_name == types[i].name && s.from <= at && at < s.to)
        };
        let pool = |i: usize| &self.market.pools[fleet.types[i].type_index];
        let price = |i: usize| -> Option<f64> {
            let on_demand = types[i].price_per_hour;
            if short(i) {
                return None;
            }
            match spot {
                false => Some(on_demand),
                true => {
                    let bid = fleet.types[i].max_spot_share * on_demand;
                    Some(pool(i).price_at(now)).filter(|&p| p <= bid)
                }
            }
        };
        let hazard = |i: usize| match spot {
            true => pool(i).hazard_per_hour,
            false => 0.0,
        };
        let units = |i: usize| f64::from(fleet.types[i].weighted_capacity);
        super::fleet_policy(spot.then_some(fleet.spot_allocation)).choose(&super::LaunchView {
            types: &types,
            vcpus: 1,
            memory_mib: 0,
            price: &price,
            hazard: &hazard,
            capacity: &units,
        })
    }

    /// Managed scaling's evaluation: nodes added for waiting containers, or idle
    /// task nodes removed.
    fn emr_scale(&mut self, ctx: &mut Ctx<'_>) {
        let min = self
            .emr
            .as_ref()
            .and_then(|c| c.config.managed_scaling)
            .map_or(0, |m| m.min_units);
        while self.units().0 < min {
            if self.emr_add_node(ctx).is_none() {
                break;
            }
        }
        if self.waiting.iter().any(|w| !w.is_empty()) {
            self.emr_scale_out(ctx);
            return;
        }
        let c = self.emr.as_ref().expect("an emr tier");
        let Some(limits) = c.config.managed_scaling else {
            return;
        };
        let mut units = self.units().0;
        let idle: Vec<u32> = (0..self.hosts.len() as u32)
            .rev()
            .filter(|&i| {
                let h = &self.hosts[i as usize];
                c.nodes[i as usize].role == NodeRole::Task && h.takes_jobs() && h.running.is_empty()
            })
            .collect();
        for host in idle {
            if units <= limits.min_units {
                break;
            }
            self.terminate(ctx.now, host, false);
            units -= 1;
        }
    }

    /// Adds nodes for the waiting containers that the nodes still provisioning cannot
    /// hold (claimed in turn), while the limits allow.
    fn emr_scale_out(&mut self, ctx: &mut Ctx<'_>) {
        let mut room: Vec<(u32, u64)> = self
            .hosts
            .iter()
            .filter(|h| h.coming())
            .map(|h| (h.vcpu, h.memory_mib))
            .collect();
        for queue in 0..self.waiting.len() {
            let spec = &self.batch.queues[queue].jobs;
            let (vcpus, memory) = (spec.vcpus, super::memory_mib(spec.memory_gib));
            for _ in 0..self.waiting[queue].len() {
                if let Some(r) = room.iter_mut().find(|r| r.0 >= vcpus && r.1 >= memory) {
                    r.0 -= vcpus;
                    r.1 -= memory;
                    continue;
                }
                let Some(r) = self.emr_add_node(ctx) else {
                    return;
                };
                // A node of a type too small for this container still offers room to
                // the others.
                match r.0 >= vcpus && r.1 >= memory {
                    true => room.push((r.0 - vcpus, r.1 - memory)),
                    false => room.push(r),
                }
            }
        }
    }

    /// Core and task nodes live and not noticed: all, core, on-demand.
    fn units(&self) -> (u32, u32, u32) {
        let c = self.emr.as_ref().expect("an emr tier");
        let mut n = (0, 0, 0);
        for (i, h) in self.hosts.iter().enumerate() {
            let role = c.nodes[i].role;
            if !h.live() || h.noticed || role == NodeRole::Primary {
                continue;
            }
            n.0 += 1;
            n.1 += u32::from(role == NodeRole::Core);
            n.2 += u32::from(h.instance.pool.is_none());
        }
        n
    }

    /// Adds a node for waiting containers, within the limits: a core node while
    /// there are fewer than `max_core_units`, else a task node; its room.
    fn emr_add_node(&mut self, ctx: &mut Ctx<'_>) -> Option<(u32, u64)> {
        let c = self.emr.as_ref().expect("an emr tier").config;
        let limits = c.managed_scaling?;
        let (units, core, on_demand) = self.units();
        if units >= limits.max_units {
            return None;
        }
        let on_demand_full = |g: &&NodeGroup| !g.spot && on_demand >= limits.max_on_demand_units;
        let group = c
            .groups()
            .iter()
            .filter(|g| g.role != NodeRole::Primary)
            .filter(|g| g.role == NodeRole::Task || core < limits.max_core_units)
            .find(|g| !on_demand_full(g))?;
        self.launch_node(ctx, Node::of_group(group), group.spot);
        let ty = &self.batch.types[group.type_index];
        Some((ty.vcpu, super::memory_mib(ty.memory_gib)))
    }

    /// The jobs in `slots` form a step.
    pub(super) fn emr_step_submitted(&mut self, slots: &[u32]) {
        if let Some(c) = self.emr.as_mut() {
            c.step_submitted(slots);
        }
    }

    /// The container in `slot` succeeded on `host` at `now`: its output goes to
    /// HDFS. False when it was a rerun, which the job counts do not count again (but
    /// a rerun that ends after the deadline its first success met misses it).
    pub(super) fn emr_container_succeeded(&mut self, slot: u32, host: u32, now: SimTime) -> bool {
        let job: &Job = self.jobs.get(slot);
        let met = job.deadline.filter(|&d| now <= d);
        let late = job.deadline.is_some() && met.is_none();
        let (queue, work) = (job.queue, job.work);
        let Some(c) = self.emr.as_mut() else {
            return true;
        };
        let rerun = c.is_rerun(slot);
        c.container_ended(slot, Some((queue, work, met, host)), &self.hosts);
        if rerun && late {
            self.summary.deadline_misses += 1;
        }
        !rerun
    }

    /// The container in `slot` failed for good. False when it was a rerun (its step
    /// fails, and the deadline its first success met is missed; the job counts
    /// already counted it).
    pub(super) fn emr_container_failed(&mut self, slot: u32) -> bool {
        let deadline = self.jobs.get(slot).deadline;
        let Some(c) = self.emr.as_mut() else {
            return true;
        };
        let rerun = c.is_rerun(slot);
        c.container_ended(slot, None, &self.hosts);
        if rerun && deadline.is_some() {
            self.summary.deadline_misses += 1;
        }
        !rerun
    }

    /// The EMR side of EC2 reclaiming `host`, after its containers were cut off and
    /// it was terminated: the primary ends the cluster; a core node's lost blocks run
    /// again; the group requests a replacement.
    pub(super) fn emr_node_lost(&mut self, ctx: &mut Ctx<'_>, host: u32) {
        let cluster = self.emr.as_mut().expect("an emr tier");
        let node = cluster.nodes[host as usize];
        let role = node.role;
        match role {
            NodeRole::Primary => {
                cluster.summary.primary_lost = true;
                self.end_cluster(ctx, "primary_lost");
                return;
            }
            NodeRole::Task => cluster.summary.task_nodes_lost += 1,
            NodeRole::Core => {
                cluster.summary.core_nodes_lost += 1;
                let lost = cluster.blocks_lost(host, &self.hosts);
                for (step, output) in lost {
                    self.rerun_container(ctx.now, step, output);
                }
            }
        }
        if self.cluster().ended {
            return;
        }
        let c = self.cluster();
        match (c.config.group(role), c.fleet(role)) {
            (Some(group), _) => self.launch_node(ctx, node, group.spot),
            (None, Some((f, fleet))) => {
                c.summary.fleets[f].nodes_reclaimed += 1;
                self.fill_fleet(ctx, fleet);
            }
            (None, None) => unreachable!("a node's group or fleet exists"),
        }
    }

    /// A finished container whose output was lost runs again, as a new job of its
    /// step, at the back of its queue, with the deadline its first success met (one
    /// it missed is counted already). A job unfinished at the end with a deadline
    /// misses it, so a rerun still running then does too.
    fn rerun_container(&mut self, now: SimTime, step: u32, output: Output) {
        let Output {
            queue,
            work,
            deadline,
            ..
        } = output;
        let vcpus = self.batch.queues[usize::from(queue)].jobs.vcpus;
        let (slot, _) = self.jobs.insert(Job::new(queue, now, work, deadline));
        self.waiting[usize::from(queue)].push_back(slot);
        let cluster = self.cluster();
        cluster.set_slot(slot, step, true);
        cluster.steps.get_mut(&step).expect("open").left += 1;
        cluster.summary.containers_rerun_hdfs += 1;
        cluster.summary.hdfs_work_lost_vcpu_hours +=
            work as f64 / SimDuration::HOUR.0 as f64 * f64::from(vcpus);
    }

    /// Ends the cluster: its containers, running and waiting, fail; its nodes are
    /// terminated and billed.
    fn end_cluster(&mut self, ctx: &mut Ctx<'_>, why: &str) {
        let now = ctx.now;
        {
            let cluster = self.cluster();
            cluster.ended = true;
            cluster.summary.ended_at_s = Some(round_to(now.as_secs_f64(), 3));
            cluster.summary.ended_by = why.to_string();
        }
        for host in 0..self.hosts.len() as u32 {
            if !self.hosts[host as usize].live() {
                continue;
            }
            for slot in self.hosts[host as usize].running.clone() {
                let attempt = self.jobs.get_mut(slot).attempt.take().expect("running");
                self.leave_host(ctx, slot, attempt.host);
                self.give_up(now, slot);
            }
            self.terminate(now, host, false);
        }
        self.fail_waiting(now);
    }

    /// Every waiting container fails (the cluster has ended).
    pub(super) fn fail_waiting(&mut self, now: SimTime) {
        for queue in 0..self.waiting.len() {
            while let Some(slot) = self.waiting[queue].pop_front() {
                self.give_up(now, slot);
            }
        }
    }

    /// After each event: starts the idle timer when the cluster has become idle, and
    /// stops it (a new generation) when it is busy again.
    pub(super) fn emr_check_idle(&mut self, ctx: &mut Ctx<'_>) {
        let Some(c) = self.emr.as_ref() else {
            return;
        };
        let Some(timeout) = c.config.idle_timeout else {
            return;
        };
        if !c.requested || c.ended {
            return;
        }
        let busy = self.waiting.iter().any(|w| !w.is_empty())
            || self.hosts.iter().any(|h| !h.running.is_empty());
        let c = self.cluster();
        if c.idle == !busy {
            return;
        }
        c.idle = !busy;
        c.idle_generation = c.idle_generation.wrapping_add(1);
        if c.idle {
            let generation = c.idle_generation;
            let tier = ctx.tier;
            ctx.queue.schedule(
                ctx.now + timeout,
                Event::EmrTimerDue {
                    tier,
                    timer: EmrTimer::IdleTimeout,
                    generation,
                },
            );
        }
    }

    /// Bills EMR's charge of `host`, which stops at `end`.
    pub(super) fn emr_close_node(&mut self, host: u32, end: SimTime) {
        let Some(c) = self.emr.as_ref() else {
            return;
        };
        let type_index = c.nodes[host as usize].type_index;
        let batch = self.batch;
        let name = batch.types[type_index].name.as_str();
        let node = c.node(&self.hosts[host as usize], name);
        let cluster = self.emr.as_mut().expect("an emr tier");
        cluster.bill.close_node(&node, end);
    }

    /// EMR's charge so far (the timeline's cost).
    pub(super) fn emr_accrued(&self, now: SimTime) -> f64 {
        let Some(c) = self.emr.as_ref() else {
            return 0.0;
        };
        let running = self
            .hosts
            .iter()
            .filter(|h| h.live())
            .map(|h| c.node(h, ""));
        c.bill.accrued(running, now)
    }

    /// The EMR lines that became final.
    pub(super) fn emr_drain_items(&mut self) -> Vec<crate::model::outcome::CostItem> {
        self.emr
            .as_mut()
            .map_or_else(Vec::new, |c| c.bill.drain_items())
    }

    /// Closes the cluster's summary at the end of the run (the nodes are billed):
    /// its charge, and the summary.
    pub(super) fn emr_finish(&mut self, end: SimTime) -> Option<(f64, EmrSummary)> {
        let c = self.emr.as_mut()?;
        if c.requested && !c.ended {
            c.summary.ended_by = "end_of_run".to_string();
            c.summary.ended_at_s = Some(round_to(end.as_secs_f64(), 3));
        }
        let mut summary = std::mem::take(&mut c.summary);
        summary.steps_unfinished = c.steps.len() as u64;
        summary.hdfs_work_lost_vcpu_hours = round_to(summary.hdfs_work_lost_vcpu_hours, 6);
        Some((c.bill.total(), summary))
    }
}
