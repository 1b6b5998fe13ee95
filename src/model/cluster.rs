//! The container instances of an `ecs_ec2` tier (aws-facts.md 15.5, 15.6): an Auto
//! Scaling group of EC2 instances that the service's tasks are placed on, each task
//! reserving its vCPU and memory, so that an instance holds `tasks_per_instance`.
//!
//! The cluster owns the instances and which task runs where; the tier (`ec2/`'s
//! `containers.rs`) carries out their launches, registrations and terminations, and
//! the capacity provider's managed scaling (`scaling::managed`) decides how many
//! there should be from the CapacityProviderReservation computed here.

use super::config::{ClusterConfig, Placement};
use super::instance::{Instance, InstanceState, PurchaseOption};
use super::outcome::{ClusterSummary, round_to};
use super::scaling::managed::ManagedScaling;
use crate::engine::{SimDuration, SimTime, TimeIntegral};
use std::collections::VecDeque;

/// No instance: a task not (or no longer) placed.
const NOWHERE: u32 = u32::MAX;

/// A container instance: its billing record (an on-demand [`Instance`] of the tier's
/// type, which the ledger bills as any EC2 instance), the tasks placed on it, and when
/// the task image is (or will be) in its cache.
pub(super) struct Host {
    pub instance: Instance,
    pub tasks: u32,
    pub image_at: Option<SimTime>,
}

pub(super) struct Cluster {
    pub hosts: Vec<Host>,
    /// Ids of the instances not yet terminated, in launch order.
    pub alive: Vec<u32>,
    pub desired: u32,
    pub min: u32,
    pub max: u32,
    pub scaling: ManagedScaling,
    /// The instance each task (by its id in the fleet) is placed on, or `NOWHERE`.
    placed_on: Vec<u32>,
    /// Tasks waiting for room on a registered instance, oldest first (ECS's
    /// `PROVISIONING`).
    pub pending: VecDeque<u32>,
    tasks_per_instance: u32,
    placement: Placement,
    // Statistics of the summary.
    launched: u64,
    terminated: u64,
    pub tasks_stopped: u64,
    registered: u32,
    peak_registered: u32,
    registered_area: TimeIntegral,
    peak_pending: u32,
}

impl Cluster {
    pub(super) fn new(
        config: &ClusterConfig,
        tasks_per_instance: u32,
        placement: Placement,
    ) -> Self {
        Cluster {
            hosts: Vec::new(),
            alive: Vec::new(),
            desired: config.desired,
            min: config.min,
            max: config.max,
            scaling: ManagedScaling::new(config),
            placed_on: Vec::new(),
            pending: VecDeque::new(),
            tasks_per_instance,
            placement,
            launched: 0,
            terminated: 0,
            tasks_stopped: 0,
            registered: 0,
            peak_registered: 0,
            registered_area: TimeIntegral::starting_at(SimTime::ZERO),
            peak_pending: 0,
        }
    }

    /// Launches a container instance now, billed from now, booting until it
    /// registers.
    pub(super) fn launch(&mut self, now: SimTime) -> u32 {
        let id = self.hosts.len() as u32;
        self.hosts.push(Host {
            instance: Instance::new(id, PurchaseOption::OnDemand, 0, None, 0, 0, now),
            tasks: 0,
            image_at: None,
        });
        self.alive.push(id);
        self.launched += 1;
        id
    }

    /// The instance's ECS agent has registered it with the cluster: tasks can be
    /// placed on it; it counts in the managed scaling metric after `warmup`.
    pub(super) fn register(&mut self, id: u32, now: SimTime, warmup: SimDuration) {
        let host = &mut self.hosts[id as usize];
        host.instance.state = InstanceState::InService;
        host.instance.warm_at = Some(now + warmup);
        self.change_registered(now, 1);
    }

    /// The group is terminating the instance: no task is placed on it any more.
    pub(super) fn begin_leaving(&mut self, id: u32, now: SimTime) {
        if self.hosts[id as usize].instance.state == InstanceState::InService {
            self.change_registered(now, -1);
        }
        self.hosts[id as usize].instance.state = InstanceState::Draining;
    }

    /// Records a stopped instance; its tasks were stopped before.
    pub(super) fn retire(&mut self, id: u32, now: SimTime) {
        self.begin_leaving(id, now);
        let host = &mut self.hosts[id as usize];
        debug_assert_eq!(host.tasks, 0, "tasks are stopped before their instance");
        host.instance.state = InstanceState::Terminated;
        self.alive.retain(|&a| a != id);
        self.terminated += 1;
    }

    fn change_registered(&mut self, now: SimTime, delta: i32) {
        self.registered_area
            .advance(now, u64::from(self.registered));
        self.registered = self.registered.checked_add_signed(delta).expect(">= 0");
        self.peak_registered = self.peak_registered.max(self.registered);
    }

    /// Places `task` on a registered instance with room, by the placement strategy
    /// (aws-facts.md 15.6), and returns the instance; `None` leaves it unplaced.
    /// Ties go to the oldest instance.
    pub(super) fn place(&mut self, task: u32) -> Option<u32> {
        let room = |h: &&Host| {
            h.instance.state == InstanceState::InService && h.tasks < self.tasks_per_instance
        };
        let candidates = self
            .alive
            .iter()
            .map(|&id| &self.hosts[id as usize])
            .filter(room);
        let chosen = match self.placement {
            // The least room left that still fits: the most tasks.
            Placement::Binpack => {
                candidates.min_by_key(|h| (std::cmp::Reverse(h.tasks), h.instance.id))
            }
            Placement::Spread => candidates.min_by_key(|h| (h.tasks, h.instance.id)),
        }?
        .instance
        .id;
        self.hosts[chosen as usize].tasks += 1;
        let slot = task as usize;
        if self.placed_on.len() <= slot {
            self.placed_on.resize(slot + 1, NOWHERE);
        }
        self.placed_on[slot] = chosen;
        Some(chosen)
    }

    /// Leaves `task` waiting for room.
    pub(super) fn wait(&mut self, task: u32) {
        self.pending.push_back(task);
        self.peak_pending = self.peak_pending.max(self.pending.len() as u32);
    }

    /// The task has stopped: its reservation is freed, or it stops waiting.
    pub(super) fn release(&mut self, task: u32) {
        match self.placed_on.get(task as usize).copied() {
            Some(host) if host != NOWHERE => {
                self.hosts[host as usize].tasks -= 1;
                self.placed_on[task as usize] = NOWHERE;
            }
            _ => self.pending.retain(|&t| t != task),
        }
    }

    /// The instance `task` runs on.
    pub(super) fn host_of(&self, task: u32) -> Option<u32> {
        self.placed_on
            .get(task as usize)
            .copied()
            .filter(|&h| h != NOWHERE)
    }

    /// The tasks placed on instance `host`.
    pub(super) fn tasks_on(&self, host: u32) -> Vec<u32> {
        (0..self.placed_on.len() as u32)
            .filter(|&t| self.placed_on[t as usize] == host)
            .collect()
    }

    /// CapacityProviderReservation's terms (aws-facts.md 15.5), `M / N × 100`: the
    /// instances needed, M (those running a task, plus enough for the waiting tasks
    /// at `tasks_per_instance` each), and the instances running, N (registered or
    /// still booting); then the instances still in their warm-up.
    pub(super) fn reservation(&self, now: SimTime) -> (u32, u32, u32) {
        let (mut busy, mut running, mut warming) = (0, 0, 0);
        for host in self.alive.iter().map(|&id| &self.hosts[id as usize]) {
            running += 1;
            busy += u32::from(host.tasks > 0);
            warming += u32::from(host.instance.warm_at.is_none_or(|w| w > now));
        }
        let waiting = (self.pending.len() as u32).div_ceil(self.tasks_per_instance);
        (busy + waiting, running, warming)
    }

    /// The summary's `container_instances` section at the end of a run of
    /// `duration`, `billed_secs` of instance time billed.
    pub(super) fn summary(&self, duration: SimDuration, billed_secs: u64) -> ClusterSummary {
        let end = SimTime::ZERO + duration;
        ClusterSummary {
            tasks_per_instance: self.tasks_per_instance,
            launched: self.launched,
            terminated: self.terminated,
            peak_registered: self.peak_registered,
            mean_registered: round_to(
                self.registered_area.at(end, u64::from(self.registered)) as f64
                    / duration.0.max(1) as f64,
                3,
            ),
            instance_hours: round_to(billed_secs as f64 / 3600.0, 6),
            peak_pending_tasks: self.peak_pending,
            tasks_stopped_with_instance: self.tasks_stopped,
        }
    }
}
