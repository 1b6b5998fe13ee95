//! An EC2 instance of the Auto Scaling group: lifecycle, worker slots and its queue.
//!
//! Requests are served first come, first served by `workers` parallel slots; the rest
//! wait in a FIFO bounded by `queue_limit` (the instance answers 503 beyond it). The
//! instance keeps the integral of busy workers over time, from which both the scaling
//! metric (CPU) and the report's utilisation are derived without per-request storage.

use super::calls::Handle;
use super::credits::Credits;
use crate::engine::{SimTime, TimeIntegral};
use std::collections::VecDeque;

/// How an instance is paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PurchaseOption {
    OnDemand,
    Spot,
}

/// Lifecycle, following the Auto Scaling and target-group states
/// (aws-facts.md 3.2 and 4.4):
/// `Booting` (ASG Pending) → `Registering` (ASG InService, target `initial`, health
/// checks running) → `InService` (target healthy, receives traffic) → `Draining`
/// (deregistered, finishing its requests) → `Terminated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum InstanceState {
    Booting,
    Registering,
    InService,
    /// Failed its load balancer health checks: registered but given no traffic (unless
    /// every target is unhealthy), until the group replaces it.
    Unhealthy,
    Draining,
    /// Out of the load balancer for a deployment: draining its requests, then
    /// installing the new version and restarting; it still counts toward the group's
    /// desired capacity. An instance whose new version failed (`failing_version`)
    /// stays here, out of service, until a deployment gives it another version or it
    /// is terminated.
    Deploying,
    Terminated,
}

/// A request waiting in an instance's queue; its service time was drawn at arrival.
#[derive(Clone, Copy, Debug)]
pub(super) struct Waiting {
    pub arrived_at: SimTime,
    pub service_nanos: u64,
    /// The load balancer's idle timeout passed while it waited: it has been answered
    /// 504, and the instance will still serve it when its turn comes.
    pub timed_out: bool,
    /// Where its caller is kept (a call from another tier), or the client.
    pub handle: Handle,
}

#[derive(Debug)]
pub(super) struct Instance {
    pub id: u32,
    pub purchase: PurchaseOption,
    /// Index into the run's instance-type table.
    pub type_index: usize,
    /// Spot pool, for spot instances.
    pub pool: Option<usize>,
    /// Its Availability Zone (an index of the run's `Network::zones`).
    pub zone: u8,
    pub state: InstanceState,
    /// A spot interruption notice has arrived: it stops `notice` later.
    pub interruption_noticed: bool,
    /// Capacity rebalancing has launched its replacement; it no longer counts toward
    /// desired capacity and is drained once the replacement is healthy.
    pub replaced: bool,
    /// Stopped by Amazon EC2 (spot interruption), not by the group.
    pub interrupted: bool,
    /// Protected from scale-in (`NewInstancesProtectedFromScaleIn`); not from health
    /// replacement or spot interruption (aws-facts.md 3.6).
    pub protected: bool,
    /// The instance has failed: it answers nothing until the group replaces it.
    pub failed: bool,
    /// It runs a failed deployment's version, which never became healthy: out of
    /// service (`Deploying`) until another deployment reaches it.
    pub failing_version: bool,
    /// The spot instance this one replaces (capacity rebalancing).
    pub replaces: Option<u32>,
    /// Instance-seconds already settled in past clock hours (reservations).
    pub settled_secs: f64,
    pub launched_at: SimTime,
    /// When the group counts it in the scaling metric (end of warm-up).
    pub warm_at: Option<SimTime>,
    /// When it last became a healthy target (again after a deployment's restart).
    pub healthy_at: Option<SimTime>,
    /// When it first became one: its worker-time is offered from then on.
    pub first_healthy_at: Option<SimTime>,
    pub workers: u32,
    /// Relative per-vCPU speed of its type (m5.large = 1.0, `InstanceConfig::speed`).
    pub speed: f64,
    /// Workers holding a request: serving it, or waiting on its calls to other tiers.
    pub busy: u32,
    /// Of `busy`, the workers waiting on calls: they hold the request but use no CPU.
    pub blocked: u32,
    pub queue: VecDeque<Waiting>,
    /// Outstanding requests (in service or waiting) already answered 504: they are
    /// neither interrupted nor in flight if the instance stops.
    pub timed_out_outstanding: u32,
    /// The first `queue_timed_out` waiting requests are marked timed out (FIFO: the
    /// marked ones are always a prefix of the queue).
    pub queue_timed_out: u32,
    /// A `QueueTimeoutDue` event is scheduled for this instance.
    pub queue_timeout_pending: bool,
    /// Integral of the computing workers (`busy - blocked`) over time, in
    /// worker-nanoseconds. `u128`: a `u64` overflows
    /// after 584 worker-years, which 600 workers reach in a one-year run (issue 6).
    busy_area: TimeIntegral,
    /// `busy_area` at the last metric tick.
    pub metric_mark: u128,
    /// Responses sent since the last metric tick (its `NetworkOut`).
    pub responses_in_period: u32,
    /// CPU credits, for a burstable type only (aws-facts.md 20.5): boxed, so that
    /// an instance that does not burst carries one word of it.
    pub credits: Option<Box<Credits>>,
}

impl Instance {
    pub(super) fn new(
        id: u32,
        purchase: PurchaseOption,
        type_index: usize,
        pool: Option<usize>,
        zone: u8,
        workers: u32,
        now: SimTime,
    ) -> Self {
        Instance {
            id,
            purchase,
            type_index,
            pool,
            zone,
            state: InstanceState::Booting,
            interruption_noticed: false,
            replaced: false,
            interrupted: false,
            replaces: None,
            protected: false,
            failed: false,
            failing_version: false,
            settled_secs: 0.0,
            launched_at: now,
            warm_at: None,
            healthy_at: None,
            first_healthy_at: None,
            workers,
            speed: 1.0,
            busy: 0,
            blocked: 0,
            queue: VecDeque::new(),
            timed_out_outstanding: 0,
            queue_timed_out: 0,
            queue_timeout_pending: false,
            busy_area: TimeIntegral::starting_at(now),
            metric_mark: 0,
            responses_in_period: 0,
            credits: None,
        }
    }

    /// How long a request drawn to take `drawn_nanos` on the reference type
    /// (m5.large) takes here: the draw divided by the type's speed, to the nearest
    /// nanosecond. At speed 1.0 the draw itself, bit for bit, so that runs of types at
    /// the reference speed are unchanged.
    #[inline]
    pub(super) fn service_nanos(&self, drawn_nanos: u64) -> u64 {
        if self.speed == 1.0 {
            drawn_nanos
        } else {
            (drawn_nanos as f64 / self.speed).round() as u64
        }
    }

    /// Requests on the instance: in service plus waiting.
    #[inline]
    pub(super) fn outstanding(&self) -> u32 {
        self.busy + self.queue.len() as u32
    }

    /// Outstanding requests not yet answered: lost if the instance stops now.
    #[inline]
    pub(super) fn unanswered(&self) -> u32 {
        self.outstanding() - self.timed_out_outstanding
    }

    /// Counts toward desired capacity: alive, not on its way out, not replaced.
    pub(super) fn is_active(&self) -> bool {
        matches!(
            self.state,
            InstanceState::Booting
                | InstanceState::Registering
                | InstanceState::InService
                | InstanceState::Unhealthy
                | InstanceState::Deploying
        ) && !self.interruption_noticed
            && !self.replaced
    }

    /// Changes the number of busy workers, keeping the busy-time integral exact.
    #[inline]
    pub(super) fn set_busy(&mut self, busy: u32, now: SimTime) {
        self.busy_area.advance(now, self.computing());
        self.busy = busy;
        if let Some(credits) = &mut self.credits {
            credits.set_computing(now, self.busy - self.blocked);
        }
    }

    /// Changes the number of workers waiting on calls (within `busy`).
    pub(super) fn set_blocked(&mut self, blocked: u32, now: SimTime) {
        self.busy_area.advance(now, self.computing());
        self.blocked = blocked;
        if let Some(credits) = &mut self.credits {
            credits.set_computing(now, self.busy - self.blocked);
        }
    }

    #[inline]
    fn computing(&self) -> u64 {
        u64::from(self.busy - self.blocked)
    }

    /// The busy-time (CPU) integral up to `now`.
    pub(super) fn busy_area_at(&self, now: SimTime) -> u128 {
        self.busy_area.at(now, self.computing())
    }

    /// Worker-time offered to traffic up to `now`: from first healthy until now (not
    /// from the latest time, or the area would shrink when a deployment's restart
    /// makes it healthy again).
    pub(super) fn capacity_area_at(&self, now: SimTime) -> u128 {
        self.first_healthy_at
            .map_or(0, |h| u128::from(self.workers) * u128::from(now.since(h).0))
    }
}
