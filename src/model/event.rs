//! The closed set of events of the cloud model. Components schedule them on the
//! engine's queue; `sim` dispatches each to the tier it concerns (`tier()`), whose kind
//! (`ec2`, `lambda`, `rds`) carries it out.

use crate::engine::SimTime;

/// Everything that can happen, in the past tense for facts and `…Tick` for timers.
/// The enum is closed: every event the model knows is here.
#[derive(Clone, Copy, Debug)]
pub(super) enum Event {
    RequestArrived,
    /// A client's request's own service time on its instance ended: it is answered,
    /// or (in a tier that calls others) it makes its calls.
    RequestServed {
        tier: u8,
        instance: u32,
        arrived_at: SimTime,
        /// Already answered 504 while it waited in the queue.
        timed_out: bool,
    },
    /// The same for a call from another tier, whose arrival time and caller are kept
    /// in the tier's `calls.received` slot `call`.
    CallServed {
        tier: u8,
        instance: u32,
        call: u32,
        timed_out: bool,
    },
    /// The load balancer's idle timeout for a client's request in service whose
    /// response comes later: it is answered 504 now (aws-facts.md 4.6).
    RequestTimedOut {
        tier: u8,
        instance: u32,
    },
    /// The same for a call in service (`calls.received` slot `call`).
    CallTimedOut {
        tier: u8,
        instance: u32,
        call: u32,
    },
    /// The load balancer's idle timeout for a request waiting on its calls to other
    /// tiers (the request in `slot` of the tier's pending calls, if still there).
    CallsTimedOut {
        tier: u8,
        slot: u32,
        generation: u32,
    },
    /// The idle timeout of the oldest unmarked request in an instance's queue.
    QueueTimeoutDue {
        tier: u8,
        instance: u32,
    },
    InstanceBooted {
        tier: u8,
        instance: u32,
    },
    HealthChecksPassed {
        tier: u8,
        instance: u32,
    },
    DeregistrationDelayExpired {
        tier: u8,
        instance: u32,
    },
    InstanceFailed {
        tier: u8,
        instance: u32,
    },
    /// A warm-pool instance finished initialising and stopped in the pool.
    WarmInstanceStopped {
        tier: u8,
    },
    /// A scheduled failure: a random in-service instance fails.
    FailureDue {
        tier: u8,
    },
    /// The load balancer's health checks found a failed target.
    TargetFoundUnhealthy {
        tier: u8,
        instance: u32,
    },
    /// The group's health check found a failed instance: it is replaced.
    InstanceFoundUnhealthy {
        tier: u8,
        instance: u32,
    },
    SpotRebalanceRecommended {
        tier: u8,
        instance: u32,
    },
    SpotInterruptionNoticed {
        tier: u8,
        instance: u32,
    },
    SpotInstanceReclaimed {
        tier: u8,
        instance: u32,
    },
    SpotCapacityReclaimed {
        tier: u8,
        pool: u32,
        notice_at: SimTime,
    },
    MetricTick {
        tier: u8,
    },
    /// The datapoint of the oldest unread metric period is published.
    MetricPublished {
        tier: u8,
    },
    ScheduledActionDue {
        tier: u8,
        action: u32,
    },
    /// Predictive scaling forecasts the clock hour `hour` (hours since t = 0).
    ForecastDue {
        tier: u8,
        hour: u32,
    },
    /// The tier's deployment number `deployment` is due (`[[deployment]]`).
    DeploymentDue {
        tier: u8,
        deployment: u32,
    },
    /// A timed phase of the tier's running deployment `deployment` is due (a
    /// blue/green swap or the old environment's termination, the end of a traffic
    /// split's evaluation).
    DeploymentPhaseDue {
        tier: u8,
        deployment: u32,
    },
    /// An instance finished installing the new application version and restarting
    /// it: its health checks begin.
    VersionDeployed {
        tier: u8,
        instance: u32,
    },
    /// A clock hour ended: reservations and savings plans settle.
    HourTick {
        tier: u8,
    },
    /// An `ecs_ec2` tier's container instance booted and its ECS agent registered it
    /// with the cluster: tasks can be placed on it.
    ContainerInstanceRegistered {
        tier: u8,
        host: u32,
    },
    /// An `ecs_ec2` tier's minute of managed scaling: CapacityProviderReservation is
    /// computed and acted on (aws-facts.md 15.5).
    ClusterTick {
        tier: u8,
    },
    /// A Lambda execution environment finished its invocation's own work (its init,
    /// if cold, and its invoke, or the function timeout); a function that calls other
    /// tiers then makes its calls.
    InvocationEnded {
        tier: u8,
        environment: u32,
    },
    /// The function timeout of the invocation `invocation` of an environment, while it
    /// waits on its calls (aws-facts.md 6.1).
    FunctionTimedOut {
        tier: u8,
        environment: u32,
        invocation: u32,
    },
    /// API Gateway's integration timeout for the invocation `invocation` of an
    /// environment (aws-facts.md 13.2): answered 504 if still running.
    IntegrationTimedOut {
        tier: u8,
        environment: u32,
        invocation: u32,
    },
    /// A query of the call in slot `call` of an RDS tier finished on its vCPU (if the
    /// slot still holds the call of `generation`).
    QueryEnded {
        tier: u8,
        call: u32,
        generation: u32,
    },
    /// The RDS tier's failover number `failover` starts: its primary is lost.
    FailoverStarted {
        tier: u8,
        failover: u32,
    },
    /// The standby has taken over as the primary.
    FailoverEnded {
        tier: u8,
    },
    /// A worker tier's message, received or failed, is visible again (`turn` tells
    /// a stale timeout from the one in effect).
    MessageVisible {
        tier: u8,
        message: u32,
        turn: u32,
    },
    /// A worker tier's own clients send a message (`[tiers.<name>.messages]`).
    MessageSent {
        tier: u8,
    },
    /// A worker tier's periodic task `task` is due (its schedule matches now): the
    /// leader instance sends its message (aws-facts.md 5).
    PeriodicTaskDue {
        tier: u8,
        task: u16,
    },
    /// An Availability Zone goes down (`[[outage]]`): the tier's instances in it stop
    /// answering.
    ZoneFailed {
        tier: u8,
        zone: u8,
    },
    /// A zone is back: from an outage, or a capacity shortage there has ended; the
    /// group rebalances across zones (aws-facts.md 17.1).
    ZoneRecovered {
        tier: u8,
        zone: u8,
    },
    /// The group tries again the launches that failed (aws-facts.md 17.2).
    LaunchRetryDue {
        tier: u8,
    },
    /// A `batch` tier's queue receives its next job (an arrival) or its array.
    JobSubmitted {
        tier: u8,
        queue: u8,
    },
    /// A `batch` job's attempt has run to its end (`generation` tells a stale event
    /// of an attempt cut off since).
    JobAttemptEnded {
        tier: u8,
        job: u32,
        generation: u32,
    },
    /// A `batch` tier's instance has had no job for the idle timeout since its
    /// `generation`-th job left.
    BatchInstanceIdle {
        tier: u8,
        instance: u32,
        generation: u32,
    },
    /// One of an `emr` tier's cluster timers (`generation` tells a stale idle timer).
    EmrTimerDue {
        tier: u8,
        timer: EmrTimer,
        generation: u32,
    },
    /// A burstable instance in standard mode: a request's stretched work is done, a
    /// request in service reached its idle timeout, or the credit balance ran out
    /// (`credits.rs`); only the latest `generation` counts.
    CreditsDue {
        tier: u8,
        instance: u32,
        generation: u32,
    },
}

impl Event {
    /// The tier the event concerns; `None` for the traffic's arrivals, which the entry
    /// tier receives.
    #[inline]
    pub(super) fn tier(&self) -> Option<u8> {
        match *self {
            Event::RequestArrived => None,
            Event::RequestServed { tier, .. }
            | Event::CallServed { tier, .. }
            | Event::RequestTimedOut { tier, .. }
            | Event::CallTimedOut { tier, .. }
            | Event::CallsTimedOut { tier, .. }
            | Event::QueueTimeoutDue { tier, .. }
            | Event::InstanceBooted { tier, .. }
            | Event::MessageVisible { tier, .. }
            | Event::MessageSent { tier, .. }
            | Event::PeriodicTaskDue { tier, .. }
            | Event::HealthChecksPassed { tier, .. }
            | Event::DeregistrationDelayExpired { tier, .. }
            | Event::InstanceFailed { tier, .. }
            | Event::WarmInstanceStopped { tier }
            | Event::FailureDue { tier }
            | Event::TargetFoundUnhealthy { tier, .. }
            | Event::InstanceFoundUnhealthy { tier, .. }
            | Event::SpotRebalanceRecommended { tier, .. }
            | Event::SpotInterruptionNoticed { tier, .. }
            | Event::SpotInstanceReclaimed { tier, .. }
            | Event::SpotCapacityReclaimed { tier, .. }
            | Event::MetricTick { tier }
            | Event::MetricPublished { tier }
            | Event::ScheduledActionDue { tier, .. }
            | Event::ForecastDue { tier, .. }
            | Event::HourTick { tier }
            | Event::DeploymentDue { tier, .. }
            | Event::DeploymentPhaseDue { tier, .. }
            | Event::VersionDeployed { tier, .. }
            | Event::ContainerInstanceRegistered { tier, .. }
            | Event::ClusterTick { tier }
            | Event::InvocationEnded { tier, .. }
            | Event::FunctionTimedOut { tier, .. }
            | Event::IntegrationTimedOut { tier, .. }
            | Event::QueryEnded { tier, .. }
            | Event::FailoverStarted { tier, .. }
            | Event::FailoverEnded { tier }
            | Event::ZoneFailed { tier, .. }
            | Event::ZoneRecovered { tier, .. }
            | Event::LaunchRetryDue { tier }
            | Event::JobSubmitted { tier, .. }
            | Event::JobAttemptEnded { tier, .. }
            | Event::BatchInstanceIdle { tier, .. }
            | Event::EmrTimerDue { tier, .. } => Some(tier),
            Event::CreditsDue { tier, .. } => Some(tier),
        }
    }
}

/// What an `emr` tier's timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmrTimer {
    /// The cluster is requested (`emr.at`).
    ClusterRequested,
    /// The cluster has been idle for the auto-termination policy's timeout.
    IdleTimeout,
    /// The cluster's fixed end (`emr.terminate_at`).
    TerminationDue,
    /// The `index`-th of `[[node_loss]]` (in `generation`) is due.
    NodeLossDue,
    /// Managed scaling evaluates the cluster (every minute).
    ScalingEvaluated,
    /// An instance fleet short of a target tries again (every minute).
    FleetRetried,
    /// The spot provisioning timeout of the fleet of index `generation` is up.
    SpotTimeoutDue,
}

#[cfg(test)]
mod tests {
    /// The queue moves events by value: two words, as before tiers (a third word made
    /// the single-tier model about 8 % slower). A tier index fits in the padding; a
    /// call's caller lives in its tier's `calls.received`, not in the events.
    #[test]
    fn an_event_stays_two_words() {
        assert_eq!(std::mem::size_of::<super::Event>(), 16);
    }
}
