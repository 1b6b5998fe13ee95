//! The closed set of events of the cloud model. Components schedule them on the
//! engine's queue; `sim` dispatches each to the component that owns its rules.

use crate::engine::SimTime;

/// Everything that can happen, in the past tense for facts and `…Tick` for timers.
/// The enum is closed: every event the model knows is here.
#[derive(Clone, Copy, Debug)]
pub(super) enum Event {
    RequestArrived,
    RequestServed {
        instance: u32,
        arrived_at: SimTime,
        /// Already answered 504 while it waited in the queue.
        timed_out: bool,
    },
    /// The load balancer's idle timeout for a request in service whose response comes
    /// later: it is answered 504 now (aws-facts.md 4.6).
    RequestTimedOut {
        instance: u32,
    },
    /// The idle timeout of the oldest unmarked request in an instance's queue.
    QueueTimeoutDue {
        instance: u32,
    },
    InstanceBooted {
        instance: u32,
    },
    HealthChecksPassed {
        instance: u32,
    },
    DeregistrationDelayExpired {
        instance: u32,
    },
    InstanceFailed {
        instance: u32,
    },
    /// A warm-pool instance finished initialising and stopped in the pool.
    WarmInstanceStopped,
    /// A scheduled failure: a random in-service instance fails.
    FailureDue,
    /// The load balancer's health checks found a failed target.
    TargetFoundUnhealthy {
        instance: u32,
    },
    /// The group's health check found a failed instance: it is replaced.
    InstanceFoundUnhealthy {
        instance: u32,
    },
    SpotRebalanceRecommended {
        instance: u32,
    },
    SpotInterruptionNoticed {
        instance: u32,
    },
    SpotInstanceReclaimed {
        instance: u32,
    },
    SpotCapacityReclaimed {
        pool: u32,
        notice_at: SimTime,
    },
    MetricTick,
    /// The datapoint of the oldest unread metric period is published.
    MetricPublished,
    ScheduledActionDue {
        action: u32,
    },
    /// Predictive scaling forecasts the clock hour `hour` (hours since t = 0).
    ForecastDue {
        hour: u32,
    },
    /// A clock hour ended: reservations and savings plans settle.
    HourTick,
}
