//! Carrying out an `ecs_ec2` tier's container instances (aws-facts.md 15.5, 15.6): the
//! group's tasks are placed on the [`Cluster`]'s instances, wait when none has room,
//! start when the image is on their instance, and stop with their instance when a
//! scale-in without managed termination protection takes it; each minute the
//! capacity provider's managed scaling resizes the cluster from the
//! CapacityProviderReservation. Tasks are not billed; the instances are, as EC2
//! on-demand instances of the tier's type.

use super::*;
use crate::model::cluster::Cluster;
use crate::model::config::{EcsConfig, TerminationPolicy};

/// ECS evaluates managed scaling every minute (aws-facts.md 15.5).
const CLUSTER_PERIOD: SimDuration = SimDuration::from_secs(60);

impl Ec2Tier<'_> {
    fn ecs(&self) -> &EcsConfig {
        self.config.ecs.as_ref().expect("an ecs_ec2 tier")
    }

    /// The cluster at t = 0: its first instances registered and warm, the managed
    /// scaling minute on the queue.
    pub(super) fn start_cluster(&mut self, ctx: &mut Ctx<'_>) {
        let Some(cluster) = &mut self.cluster else {
            return;
        };
        for _ in 0..cluster.desired {
            let id = cluster.launch(ctx.now);
            cluster.register(id, ctx.now, SimDuration::ZERO);
        }
        ctx.queue.schedule(
            ctx.now + CLUSTER_PERIOD,
            Event::ClusterTick { tier: ctx.tier },
        );
    }

    /// Places one of the service's first tasks at t = 0, already running (its image on
    /// its instance); false leaves it waiting for room.
    pub(super) fn place_first_task(&mut self, task: u32) -> bool {
        let cluster = self.cluster.as_mut().expect("an ecs_ec2 tier");
        match cluster.place(task) {
            Some(host) => {
                cluster.hosts[host as usize].image_at = Some(SimTime::ZERO);
                true
            }
            None => {
                cluster.wait(task);
                false
            }
        }
    }

    /// Places a new task, which starts once the image is on its instance (the first
    /// task on an instance pulls it whole; later ones find it cached, 15.3), or leaves
    /// it waiting for room. Returns whether it was placed.
    pub(super) fn place_task(&mut self, ctx: &mut Ctx<'_>, task: u32) -> bool {
        let (pull, start) = (self.ecs().image_pull, self.ecs().container_start);
        let cluster = self.cluster.as_mut().expect("an ecs_ec2 tier");
        let Some(host) = cluster.place(task) else {
            cluster.wait(task);
            return false;
        };
        let image_at = *cluster.hosts[host as usize]
            .image_at
            .get_or_insert(ctx.now + pull);
        ctx.queue.schedule(
            image_at.max(ctx.now) + start,
            Event::InstanceBooted {
                tier: ctx.tier,
                instance: task,
            },
        );
        true
    }

    /// Places the waiting tasks, oldest first, while instances have room.
    fn place_waiting(&mut self, ctx: &mut Ctx<'_>) {
        while let Some(&task) = self.cluster.as_ref().and_then(|c| c.pending.front()) {
            self.cluster
                .as_mut()
                .expect("a cluster")
                .pending
                .pop_front();
            if !self.place_task(ctx, task) {
                // `place_task` queued it at the back: put it back in front.
                let cluster = self.cluster.as_mut().expect("a cluster");
                cluster.pending.pop_back();
                cluster.pending.push_front(task);
                return;
            }
        }
    }

    /// A stopped task frees its reservation, and a waiting task may take it.
    pub(super) fn release_task(&mut self, ctx: &mut Ctx<'_>, task: u32) {
        if let Some(cluster) = &mut self.cluster {
            cluster.release(task);
            self.place_waiting(ctx);
        }
    }

    pub(super) fn on_container_instance_registered(&mut self, ctx: &mut Ctx<'_>, host: u32) {
        let warmup = self.ecs().cluster.instance_warmup;
        let cluster = self.cluster.as_mut().expect("an ecs_ec2 tier");
        if cluster.hosts[host as usize].instance.state != InstanceState::Booting {
            return; // terminated while booting
        }
        cluster.register(host, ctx.now, warmup);
        self.place_waiting(ctx);
    }

    /// A minute of managed scaling: the reservation read, the group resized, and the
    /// instances launched or terminated to match.
    pub(super) fn on_cluster_tick(&mut self, ctx: &mut Ctx<'_>) {
        ctx.queue.schedule(
            ctx.now + CLUSTER_PERIOD,
            Event::ClusterTick { tier: ctx.tier },
        );
        let cluster = self.cluster.as_mut().expect("an ecs_ec2 tier");
        let (needed, running, warming) = cluster.reservation(ctx.now);
        if let Some(wanted) = cluster
            .scaling
            .evaluate(needed, running, warming, cluster.desired)
        {
            cluster.desired = wanted.clamp(cluster.min, cluster.max);
        }
        self.reconcile_cluster(ctx);
    }

    /// Launches or terminates container instances until the group has its desired
    /// capacity. The Auto Scaling group knows nothing of tasks: it chooses whom to
    /// terminate by the default termination policy (aws-facts.md 3.6), and the tasks there stop
    /// with the instance and are replaced by the service, unless managed termination
    /// protection keeps every instance with tasks out of its reach (15.5).
    fn reconcile_cluster(&mut self, ctx: &mut Ctx<'_>) {
        let protection = self.ecs().cluster.managed_termination_protection;
        let cluster = self.cluster.as_mut().expect("an ecs_ec2 tier");
        for _ in cluster.alive.len() as u32..cluster.desired {
            let host = cluster.launch(ctx.now);
            let boot = self.fleet.boot.sample(&mut self.fleet.boot_rng);
            ctx.queue.schedule(
                ctx.now + SimDuration(boot),
                Event::ContainerInstanceRegistered {
                    tier: ctx.tier,
                    host,
                },
            );
        }
        let mut stopped = false;
        while self
            .cluster
            .as_ref()
            .is_some_and(|c| c.alive.len() as u32 > c.desired)
        {
            let cluster = self.cluster.as_ref().expect("a cluster");
            let candidates: Vec<Candidate> = cluster
                .alive
                .iter()
                .map(|&h| {
                    let host = &cluster.hosts[h as usize];
                    Candidate {
                        id: h,
                        launched_at: host.instance.launched_at,
                        spot: false,
                        protected: protection && host.tasks > 0,
                        // Container instances are not placed in zones.
                        zone: 0,
                    }
                })
                .collect();
            let default = TerminationPolicy::Default;
            let Some(host) = termination::choose_victim(&candidates, 0, default, ctx.now) else {
                break; // every instance left runs tasks and is protected
            };
            stopped |= cluster.hosts[host as usize].tasks > 0;
            self.terminate_container_instance(ctx, host);
        }
        if stopped {
            // The service replaces the tasks that stopped with their instance.
            self.reconcile(ctx);
        }
    }

    /// Stops a container instance: its tasks are cut off with it, its bill closes.
    fn terminate_container_instance(&mut self, ctx: &mut Ctx<'_>, host: u32) {
        let cluster = self.cluster.as_mut().expect("a cluster");
        cluster.begin_leaving(host, ctx.now);
        let tasks = cluster.tasks_on(host);
        for task in tasks {
            self.cluster.as_mut().expect("a cluster").tasks_stopped += 1;
            self.terminate(ctx, task);
        }
        let cluster = self.cluster.as_mut().expect("a cluster");
        self.ledger.close_instance(
            &cluster.hosts[host as usize].instance,
            ctx.now,
            &self.market,
        );
        cluster.retire(host, ctx.now);
    }

    /// Closes the cluster's bill at the end of the run.
    pub(super) fn finish_cluster(&mut self, end: SimTime) {
        if let Some(cluster) = &mut self.cluster {
            for host in std::mem::take(&mut cluster.alive) {
                self.ledger.close_instance(
                    &cluster.hosts[host as usize].instance,
                    end,
                    &self.market,
                );
            }
        }
    }

    /// The task a scale-in of the service stops (aws-facts.md 15.6): a waiting one
    /// first (the newest); then, binpacked, one from the instance with the fewest
    /// tasks (so instances empty out), spread, one from the instance with the most;
    /// the newest task of that instance.
    pub(super) fn choose_task_victim(&self, cluster: &Cluster) -> Option<u32> {
        if let Some(&task) = cluster.pending.back() {
            return Some(task);
        }
        let binpack = self.ecs().placement == crate::model::config::Placement::Binpack;
        self.fleet
            .alive
            .iter()
            .filter(|&&id| self.fleet.instances[id as usize].is_active())
            .filter_map(|&id| cluster.host_of(id).map(|h| (id, h)))
            .max_by_key(|&(id, h)| {
                let tasks = cluster.hosts[h as usize].tasks;
                let order = if binpack { u32::MAX - tasks } else { tasks };
                (order, id)
            })
            .map(|(id, _)| id)
    }
}
